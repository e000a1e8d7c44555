/* pt_pipeline.h - fitting a pipeline of stages on training rows and predicting with it.
 *
 * The stages are descriptors (pt_stage.h): the pipeline finds each by name, lets it fit, and
 * composes what it fitted. The transformers (pca, standardScaler) are affine,
 * z = A^T x + c, and are fit from the moments of their input, which are pushed through each
 * fitted map; so a pipeline never
 * materialises a transformed copy of the data. The predictor is linear in z:
 * linearRegression is fit from the pushed moments (normal equations); logisticRegression
 * reads the training rows in place and applies the composed map chunk by chunk. Either way
 * the fitted pipeline collapses to a linear model on the raw features (coefficients r x p,
 * intercepts r), which predicts a block of rows with one BLAS call. A tree stage
 * (pt_stage_def_t.predict) is not linear: it is not composed, and the fitted pipeline
 * predicts through it from the raw rows (only stringIndexer stands before it). The fitted
 * state of every stage is kept for the model file, and read back from it (pt_fitted_unpack).
 */
#ifndef PT_PIPELINE_H
#define PT_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "pt_impute.h"
#include "pt_logreg.h"
#include "pt_moments.h"
#include "pt_pca.h"
#include "pt_stage.h"
#include "pt_value.h"

typedef struct pt_fitted pt_fitted_t;

/* Fits stages[0..nstages) in order, each stage seeing the previous stages' output. m holds
 * the moments of the training rows, blocks the rows themselves (read only by a classifier);
 * params holds every "stage.param" (pt_spec_full); nclasses is the number of classes of the
 * label (labels 0..nclasses-1) for a classifier, ignored otherwise. A stage name that is
 * unknown, or a predictor before the last position, is refused ("cannot stand at
 * position"), and so is a key of params that is not a param of one of the stages, or a
 * value of the wrong kind or range (pt_param_check_list: a job's mistyped param fails the
 * fit instead of being ignored). pca_cache, when not NULL, holds the eigen-decomposition for a pca first stage
 * on these training rows: filled on first use, reused by later fits on the same rows
 * whatever their k (the caller keeps one per training set).
 * Returns an owned fitted pipeline (pt_fitted_destroy) or NULL with the reason in err and
 * errno set (ENOMEM when memory ran out, else the failing stage's code, EINVAL by default). */
pt_fitted_t *pt_pipeline_fit(const pt_moments_t *m, const pt_rowblock_t *blocks,
                             size_t nblocks, char *const *stages, size_t nstages,
                             const pt_paramlist_t *params, size_t nclasses,
                             pt_pca_eig_t *pca_cache, char *err);

/* The raw features' layout beyond plain numbers, and what the fit is for. */
typedef struct {
    size_t ncat;               /* categorical columns: the last sum(cat_size[0..ncat)) raw
                                  features before the missing-value indicators are their
                                  indicator columns (pt_categorical.h); the first stage must
                                  then be stringIndexer, which reads them (or the second,
                                  after the imputer) */
    const uint64_t *cat_size;
    uint64_t cat_missing;      /* bit k: categorical column k's last indicator marks a missing
                                  value (never one of the indexer's labels) */
    size_t nmiss;              /* missing-value indicators, the last raw features after the */
    const uint32_t *miss_col;  /* categorical ones (pt_missing.h): indicator k that of raw
                                  feature miss_col[k]; the first stage must then be imputer
                                  (or the second, after stringIndexer) */
    pt_impute_cache_t *impute_cache; /* the imputer's median / mode surrogates on these
                                        training rows, kept between fits, or NULL */
    int for_model;             /* the fit becomes the model file (the refit): stages compute
                                  the state only the file needs (imputer: the surrogate of a
                                  column without missing values) */
    const pt_moments_t *wm;    /* the weighted moments of the training rows (weightCol), or
                                  NULL without weights: pushed through the transformers (fit,
                                  as Spark's, on the unweighted m) for the predictor */
    const pt_stage_codes_t *codes; /* a tree stage's training rows coded before, or NULL */
    int threads;               /* threads a tree fit (or a logistic fit's passes) may use (0: 1) */
    const pt_fitted_t *warm;   /* the same pipeline fitted on the same rows with another
                                  value of the predictor's path_param (pt_stage.h), or NULL:
                                  the predictor starts from it (a regularization path) */
} pt_raw_layout_t;

/* The same on raw features laid out as raw says. */
pt_fitted_t *pt_pipeline_fit_raw(const pt_moments_t *m, const pt_rowblock_t *blocks,
                                 size_t nblocks, char *const *stages, size_t nstages,
                                 const pt_paramlist_t *params, size_t nclasses,
                                 pt_pca_eig_t *pca_cache, const pt_raw_layout_t *raw,
                                 char *err);

/* A pipeline with the imputer (first or second): its surrogates, one per column of its
 * output (the raw numeric features first, in place), and in *nmiss the count of its
 * indicators (the last raw features); NULL without an imputer. */
const double *pt_fitted_imputer(const pt_fitted_t *f, size_t *nmiss);

/* The rows the pipeline drops: under a stringIndexer with handleInvalid skip, a row whose
 * category in any categorical column is not among the indexer's labels (not in the training
 * rows, or, at predict, not in the file at all: every indicator 0), as Spark's transform
 * filters it. keep[i] := 0 for such rows of x (n rows of the raw features, row-major), 1 for
 * the others; returns how many are kept (n for a pipeline that drops nothing). */
size_t pt_fitted_keep_rows(const pt_fitted_t *f, const double *x, size_t n,
                           unsigned char *keep);
/* 1 when the pipeline may drop rows of a block whose raw features have means mean (NULL:
 * unknown), else 0: 0 without a skipping stringIndexer, and 0 when every category it drops
 * has mean 0 in the block (for rows with one indicator per categorical column, as the
 * image's). */
int pt_fitted_may_drop(const pt_fitted_t *f, const double *mean);

/* Number of raw features the model takes. */
size_t pt_fitted_features(const pt_fitted_t *f);
/* A regressor's composed model on the raw features, prediction = coef . x + intercept:
 * 0 with *coef (features entries, owned by f) and *intercept set; -1 for a classifier. */
int pt_fitted_linear(const pt_fitted_t *f, const double **coef, double *intercept);
/* 1 when the predictor is not linear (a tree stage): predict reads the raw rows through it,
 * and there is no composed linear model. */
int pt_fitted_nonlinear(const pt_fitted_t *f);
/* The predictor's score column for `paratune predict` (pt_stage_def_t score_name: "margin"
 * for gbtClassifier), or NULL. */
const char *pt_fitted_score_name(const pt_fitted_t *f);
/* A predictor with featureImportances (the tree stages): a new array of *n of them (its input
 * features: the numeric raw features, then one per categorical column), which the caller
 * frees; NULL with *n = 0 for other predictors or when memory ran out. */
double *pt_fitted_importances(const pt_fitted_t *f, size_t *n);
/* A forest predictor fit with numTrees T: predict with its first m trees from now on (the
 * forest fit with numTrees = m; m = 0 or m > T: all). Returns T; 0 (and no effect) for
 * other predictors. */
size_t pt_fitted_use_trees(pt_fitted_t *f, size_t m);
/* Predict (pt_fitted_predict) on up to threads threads from now on, where the predictor
 * can (the trees: rows split over them; the same numbers). No effect on the others. */
void pt_fitted_set_threads(pt_fitted_t *f, int threads);
/* Number of classes for a classifier, 0 for a regressor. */
size_t pt_fitted_classes(const pt_fitted_t *f);
/* 1 for a multinomial classifier, 0 otherwise. */
int pt_fitted_multinomial(const pt_fitted_t *f);
/* 1 when an iterative solver stopped at maxIter before meeting tol. */
int pt_fitted_hit_max_iter(const pt_fitted_t *f);
/* The iterations of the predictor's solver (0 for a direct solve or a tree). */
int pt_fitted_iterations(const pt_fitted_t *f);

/* Predicts n rows of x (n x features, row-major). pred[n]: the prediction (a number, or a
 * class id as a double). score[n], when not NULL: the binary evaluator's score (Spark's
 * rawPrediction(1), the class-1 margin; the prediction itself for a regressor). prob, when
 * not NULL and the model is a classifier: n x classes probabilities.
 * Returns 0 or -ENOMEM. */
int pt_fitted_predict(const pt_fitted_t *f, const double *x, size_t n, double *pred,
                      double *score, double *prob);

/* Packs the fitted state as a msgpack map (the "pipeline" of a model file). A pipeline
 * ending with a tree stage has no composed model: {features, kind, stages, predictor:
 * "tree"} and num_classes for a classifier; the tree stage's state holds the forest
 * (pt_forest_pack) and its featureImportances. Otherwise:
 *   {features, kind ("regression" | "classification"), stages: [{name, params,
 *    input_features, ...state}], coefficients, intercept}
 * and for classification also num_classes, multinomial, threshold; there coefficients is
 * r x features row-major, flat, and intercept an array of r (r = 1 binomial, classes
 * multinomial). pca state: components (p_in x k, flat), explained_variance; standardScaler:
 * mean, std (sample), with_mean, with_std; linearRegression / logisticRegression:
 * coefficients, intercept(s), iterations, converged. */
void pt_fitted_pack(const pt_fitted_t *f, msgpack_packer *pk);

/* Reads a map written by pt_fitted_pack back: the composed model and every stage's state
 * (through its descriptor), checked for consistency (each stage's input width is the
 * previous one's output, the last stage is the predictor of the composed model). On success
 * *out is an owned fitted pipeline (pt_fitted_destroy) that predicts as the one packed.
 * Returns 0, -EBADMSG with the reason in err (a field's name and what is wrong with it), or
 * -ENOMEM; *out is NULL on failure. */
int pt_fitted_unpack(const msgpack_object *o, pt_fitted_t **out, char *err);

void pt_fitted_destroy(pt_fitted_t **pf);

#endif
