/* pt_stage.h - stage descriptors: the one table of pipeline stages and what each stage does.
 *
 * A stage is a descriptor (pt_stage_def_t): its Spark name, its role (transformer, regressor,
 * classifier), its params with types, defaults and ranges, and the functions the pipeline
 * calls: fit (from the moments of the stage's input, or the training rows through the
 * composed map before it), pack (its fitted state into the model file), unpack (that state
 * back, for predict) and free. What the pipeline composes is the fitted stage's map, kept in
 * the common part of pt_stage_fit_t: a transformer's affine map z = A^T x + c, a predictor's
 * linear model coef . z + icpt; the pipeline pushes the moments through each map and
 * collapses the chain into one linear model on the raw features (pt_pipeline.h). A tree
 * stage (pt_stage_trees.c) is a predictor that is not linear: it has its own predict, which
 * reads the raw rows, and the pipeline keeps it as it is.
 *
 * Each stage lives in its own file (pt_stage_<name>.c: descriptor, params and glue to its
 * numerics) and is one line of the table in pt_stage.c; adding a stage is that file and that
 * line. Nothing else dispatches on a stage's name: code finds stages with pt_stage_lookup.
 */
#ifndef PT_STAGE_H
#define PT_STAGE_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "pt_forest.h"
#include "pt_impute.h"
#include "pt_logreg.h"
#include "pt_moments.h"
#include "pt_pca.h"
#include "pt_value.h"

typedef enum {
    PT_STAGE_TRANSFORMER = 1, /* affine feature map, fit from moments */
    PT_STAGE_REGRESSOR,       /* predicts a number (linearRegression) */
    PT_STAGE_CLASSIFIER       /* predicts a class id, with probabilities (logisticRegression) */
} pt_stage_role_t;

typedef struct {
    const char *name;   /* Spark's param name, e.g. "regParam" */
    pt_vtype_t type;    /* INT, DOUBLE, BOOL, or STRING (one of choices) */
    int required;       /* no default: must be set or gridded */
    double def;         /* default when not required */
    double lo, hi;      /* allowed range (inclusive) */
    const char *help;
    const char *choices; /* STRING: the allowed values, '|'-separated; the default is the first */
} pt_param_def_t;

typedef struct pt_stage_def pt_stage_def_t;

/* A fitted stage. The common fields are what the pipeline composes and reports; state is the
 * stage's own (explained variance, means...), made by its fit or unpack and released by its
 * free. Every pointer is owned by the struct (pt_stage_fit_free). */
typedef struct {
    const pt_stage_def_t *def;
    size_t p_in, p_out;    /* input and output widths */
    pt_paramlist_t params; /* this stage's "stage.param" values */
    /* transformer: z = A^T x + c */
    double *A;             /* p_in x p_out row-major */
    double *c;             /* p_out, or NULL for 0 */
    /* predictor: r linear functions of the input, coef (r x p_in row-major) and icpt (r) */
    double *coef, *icpt;
    size_t r;
    int iterations, converged;
    /* classifier */
    size_t nclasses;       /* 2 for a binomial model, r for a multinomial one */
    int multinomial;
    double threshold;
    /* transformer whose map reads the raw features, not its input (oneHotEncoder after a
     * stringIndexer: the encoding is not affine in the index, but is in the raw indicator
     * columns): A is p_raw x p_out and the pipeline takes it as the composed map */
    int from_raw;
    void *state;
} pt_stage_fit_t;

/* A tree stage's training rows coded before the fit (pt_forest.h), e.g. by a bins job into
 * shared memory: read in place when max_bins is the stage's maxBins. */
typedef struct {
    const pt_bins_t *bins;
    const void *codes;           /* pt_bins_code layout of the n training rows, block order */
    size_t n;
    int max_bins;
} pt_stage_codes_t;

/* What a stage's fit sees. */
typedef struct {
    const pt_moments_t *m;       /* moments of the stage's input (m->p is its width) */
    const pt_moments_t *wm;      /* their weighted version when the rows have weights (what
                                    a predictor fits from), else NULL */
    const pt_rowblock_t *blocks; /* the raw training rows, for a stage that reads them */
    size_t nblocks, p_raw;
    const double *A, *c;         /* the composed map raw -> stage input (p_raw x m->p, m->p),
                                    NULL for the identity and 0 */
    size_t nclasses;             /* classes of the label (0: not class labels) */
    pt_pca_eig_t *eig;           /* a cache of the input covariance's eigen-decomposition,
                                    filled on first use, or NULL */
    size_t ncat;                 /* categorical columns of the raw features: the last
                                    sum(cat_size) raw features before the nmiss missing-value
                                    indicators are their indicator columns */
    const uint64_t *cat_size;
    uint64_t cat_missing;        /* bit k: column k's last indicator marks a missing value */
    size_t nmiss;                /* missing-value indicators (pt_missing.h): the last nmiss raw
                                    features, indicator k that of raw feature miss_col[k] */
    const uint32_t *miss_col;
    int for_model;               /* the fit is the refit, packed into the model file */
    const pt_stage_fit_t *prev;  /* the stage before, fitted, or NULL */
    const pt_stage_codes_t *codes; /* a tree stage's coded training rows, or NULL: it codes
                                      them itself */
    int threads;                 /* threads the fit may use (>= 1; 0 means 1) */
    const pt_stage_fit_t *indexer; /* the fitted stringIndexer before this stage, or NULL */
    pt_impute_cache_t *impute_cache; /* the training set's median / mode surrogates, kept
                                        between fits (pt_impute.h), or NULL */
    const pt_stage_fit_t *warm;  /* a predictor with a path_param: this stage fitted on the
                                    same input with another value of it, to start from (a
                                    regularization path), or NULL: a cold fit */
} pt_stage_in_t;

struct pt_stage_def {
    const char *name;            /* "pca", "linearRegression" */
    pt_stage_role_t role;
    const pt_param_def_t *params;
    size_t nparams;
    /* The INT param giving the output width, which may not exceed the input width (pca's
     * "k"); NULL: the output is as wide as the input. */
    const char *width_param;
    /* Fits st (def, p_in and params set) on in: sets p_out and the map (A, c) or the model
     * (coef, icpt, r, ...) and state. 0 or a negative errno with err; what it allocated
     * stays in st for pt_stage_fit_free. */
    int (*fit)(pt_stage_fit_t *st, const pt_stage_in_t *in, char *err);
    /* Packs the fitted state as npack key/value pairs of the stage's map in the model file
     * (after name, params and input_features). */
    size_t npack;
    void (*pack)(const pt_stage_fit_t *st, msgpack_packer *pk);
    /* Reads what pack wrote from the stage's map o (st's def, p_in and params set) and
     * rebuilds the map or model. 0, -EBADMSG with the reason in err, or -ENOMEM. */
    int (*unpack)(pt_stage_fit_t *st, const msgpack_object *o, char *err);
    /* Frees state (NULL: free(3)). */
    void (*free)(void *state);
    /* Checks this stage's params together, beyond each one's range (minMaxScaler: min < max),
     * reading them from st->params with pt_stage_num (st->def set; st->params may hold every
     * param of a map, defaults filled in). 0, or -EINVAL with the reason in err. Called for
     * every param map when the spec is checked, before fit and after unpack. NULL: none. */
    int (*check)(const pt_stage_fit_t *st, char *err);
    /* 1: the stage indexes the categorical columns (stringIndexer): it must be the first
     * stage (or the second, after the imputer), and a pipeline on data with categorical
     * columns must start with it; 2: it encodes such indices (oneHotEncoder): it must follow
     * a stage of kind 1 (or the imputer right after one). */
    int categorical;
    /* 1: the stage imputes missing values from their indicators (imputer): it must be the
     * first stage (or the second, after stringIndexer), and a pipeline on data with missing
     * values must start with it. */
    int imputes;
    /* A predictor that is not linear in its input (the trees, pt_stage_trees.c): it predicts
     * n raw rows x (the pipeline's raw features, row-major) itself, reading them through its
     * own map (state): pred[n]; score[n] when not NULL (the binary evaluator's score, Spark's
     * rawPrediction(1); the prediction for a regressor); prob (n x nclasses) when not NULL
     * for a classifier. Only stringIndexer may stand before it. 0 or -ENOMEM. NULL: the
     * predictor is linear (coef, icpt) and the pipeline composes it. */
    int (*predict)(const pt_stage_fit_t *st, const double *x, size_t n, double *pred,
                   double *score, double *prob);
    /* For such a predictor: predict with the first m trees of the forest from now on (the
     * forest fit with numTrees = m; m = 0 or above its size: all). Returns its size (trees).
     * NULL: not a forest. */
    size_t (*use_trees)(pt_stage_fit_t *st, size_t m);
    /* For such a predictor: predict on up to threads threads from now on (rows split; the
     * numbers do not depend on it). NULL: one thread. */
    void (*set_threads)(pt_stage_fit_t *st, int threads);
    /* The INT param whose smaller values give a prefix of the fitted model (numTrees of a
     * forest, maxIter of boosting): the fit with value m is the first m trees of a fit with
     * a larger value and the other params equal, which use_trees(m) selects. The sweep runs
     * the maps differing only in it as one fit job (prefix sharing). NULL: none. */
    const char *prefix_param;
    /* The DOUBLE param a regularization path walks (regParam): the fit with one value can
     * start from the fit with another (pt_stage_in_t.warm) and stops by the same rule as a
     * cold fit. The sweep runs the maps differing only in it as one fit job, from the largest
     * value down (path sharing, --path). path_if: a param that must be > 0 for the fit to be
     * iterative (linearRegression's elasticNetParam: with 0 it is solved in closed form and a
     * path gives nothing), NULL: always. NULL path_param: none. */
    const char *path_param, *path_if;
    /* The column `paratune predict` writes the predictor's score under (Spark's
     * rawPrediction(1), predict's score argument): "margin" for gbtClassifier. NULL: none. */
    const char *score_name;
    /* For a predictor that is not linear: Spark's featureImportances over its input features
     * into imp[st->p_in] (the trees: the numeric features, then the categorical columns).
     * 0 or -ENOMEM. NULL: none. */
    int (*importances)(const pt_stage_fit_t *st, double *imp);
    /* The fit's working memory in bytes for an input of p features (its params in
     * st->params, st->nclasses the label's classes or 0), beyond what the pipeline holds for
     * every stage (the moments of the input, the composed map: pt_spec_work_bytes counts
     * those): pca's and linearRegression's dense p x p system, L-BFGS's history, the trees'
     * histograms. A double: it may exceed any size_t, and is known before anything is
     * allocated. NULL: a few vectors of p, counted as nothing. */
    double (*work_bytes)(const pt_stage_fit_t *st, size_t p);
    /* An estimate of the fit's time on n training rows of p input features (its params in
     * st->params; any unit, the same for every map of a spec): the sweep hands out the fit
     * jobs whose last stage estimates more first, so that the longest ones do not start
     * last (the trees: trees x the levels' histogram passes and split searches). Only its
     * order matters; it decides nothing else. NULL: every map costs the same (grid order). */
    double (*cost)(const pt_stage_fit_t *st, size_t n, size_t p);
};

/* work_bytes of a stage that solves a dense p x p system (pca's eigenvectors,
 * linearRegression's normal equations): the matrix, its factor or eigenvectors, and LAPACK's
 * workspace. */
double pt_stage_work_dense(const pt_stage_fit_t *st, size_t p);
/* work_bytes of an L-BFGS / OWL-QN fit (logisticRegression): the history of 10 pairs and a
 * few more vectors of (p + 1) x r coefficients, r the classes of a multinomial fit, else 1. */
double pt_stage_work_lbfgs(const pt_stage_fit_t *st, size_t p);

/* The params and nparams fields of a descriptor, from its static param table list. */
#define PT_STAGE_PARAMS(list) .params = (list), .nparams = sizeof(list) / sizeof (list)[0]

/* The descriptor of a stage name, or NULL. */
const pt_stage_def_t *pt_stage_lookup(const char *name);
/* Comma-separated list of the known stage names, for messages ("pca, standardScaler, ..."). */
const char *pt_stage_names(void);
/* The predictors' names joined by " or ", for messages. */
const char *pt_stage_predictor_names(void);
/* The param of a stage, or NULL. */
const pt_param_def_t *pt_stage_param(const pt_stage_def_t *s, const char *name);

/* Frees what st owns and zeroes it (def kept); accepts a zeroed st and a second call. */
void pt_stage_fit_free(pt_stage_fit_t *st);

/* Helpers for the stage files. */
/* The value of this stage's param (the "<stage>.<param>" entry of st->params), or def. */
double pt_stage_num(const pt_stage_fit_t *st, const char *param, double def);
/* The string value of this stage's param, or NULL. */
const char *pt_stage_str(const pt_stage_fit_t *st, const char *param);
/* The knobs linearRegression and logisticRegression share, from st's params (every one has
 * a default, so each is set): regParam, elasticNetParam, maxIter, tol, fitIntercept,
 * standardization. One reader, so that the two stages map the names alike. */
void pt_stage_glm_knobs(const pt_stage_fit_t *st, double *reg_param, double *elastic_net,
                        int *max_iter, double *tol, int *fit_intercept, int *standardization);
/* Packs the n doubles of v as a msgpack array. */
void pt_stage_pack_doubles(msgpack_packer *pk, const double *v, size_t n);
/* Reads field key of map o, an array of exactly n numbers, into a new array *out (the
 * caller frees; NULL on failure). 0, -EBADMSG with the reason in err, or -ENOMEM. */
int pt_stage_get_doubles(const msgpack_object *o, const char *key, size_t n, double **out,
                         char *err);
/* The length of the array field key of map o. 0 or -EBADMSG with err. */
int pt_stage_get_len(const msgpack_object *o, const char *key, size_t *n, char *err);
/* The minimum and maximum of each input feature of the stage over the training rows (min,
 * max: in->m->p each, caller-allocated): from in->m when it knows them (no stage before, or
 * only diagonal maps), else one pass over in->blocks through the composed map in->A, in->c
 * (after pca). 0 or -ENOMEM with err. */
int pt_stage_input_range(const pt_stage_in_t *in, double *min, double *max, char *err);
/* Makes st's map the diagonal z_j = scale[j] x_j + shift[j] (p_out = p_in). 0 or -ENOMEM. */
int pt_stage_diagonal_map(pt_stage_fit_t *st, const double *scale, const double *shift);

/* Returns rc (0 or a negative errno from building a fitted map); for -ENOMEM also says "out
 * of memory" in err. For a fit's last step: return pt_stage_nomem(x__map(st), err). */
int pt_stage_nomem(int rc, char *err);

/* The state of a per-feature transformer (the scalers): up to two vectors of p_in doubles
 * (mean and std; originalMin and originalMax) and two flags, which the model file keeps under
 * the stage's names for them. */
typedef struct {
    double *v[2];
    int flag[2];
} pt_stage_vecs_t;
/* A new state with n (1 or 2) vectors of st->p_in doubles, set as st->state (freed with
 * pt_stage_vecs_free); NULL with err when out of memory. */
pt_stage_vecs_t *pt_stage_vecs_new(pt_stage_fit_t *st, size_t n, char *err);
/* A descriptor's free for such a state. */
void pt_stage_vecs_free(void *state);
/* Packs vector i under names[i] for i < n. */
void pt_stage_vecs_pack(const pt_stage_fit_t *st, msgpack_packer *pk, const char *const *names,
                        size_t n);
/* Reads the n vectors back from a stage map o into a new state set as st->state. 0,
 * -EBADMSG with the reason in err, or -ENOMEM. */
int pt_stage_vecs_unpack(pt_stage_fit_t *st, const msgpack_object *o, const char *const *names,
                         size_t n, char *err);
/* A model's intercept: an array of r numbers, or one number (r = 1) when icpt_array is 0. */
void pt_stage_pack_intercept(msgpack_packer *pk, const double *icpt, size_t r, int icpt_array);
/* Reads the intercept field of map o, either form, into a new array *icpt of *r (the caller
 * frees). 0, -EBADMSG with the reason in err, or -ENOMEM. */
int pt_stage_unpack_intercept(const msgpack_object *o, double **icpt, size_t *r, char *err);
/* A predictor's model fields: coefficients (r x p_in), intercept (an array of r for a
 * classifier, a number for a regressor), iterations, converged: 4 pairs. */
void pt_stage_pack_linear(const pt_stage_fit_t *st, msgpack_packer *pk);
/* Reads them back; r is read from the intercept array, or 1 for a number. 0 or a
 * negative errno with err. */
int pt_stage_unpack_linear(pt_stage_fit_t *st, const msgpack_object *o, char *err);
/* The npack, pack and unpack fields of a predictor's descriptor whose fitted state is its
 * linear model: the functions above, with their 4 pairs. */
#define PT_STAGE_LINEAR_PACKING                                                                  \
    .npack = 4, .pack = pt_stage_pack_linear, .unpack = pt_stage_unpack_linear

/* The fitted state of stringIndexer (pt_stage_strindex.c), which oneHotEncoder reads:
 * per categorical column k, labels[k][0..nlabels[k]) are the global codes (indicator
 * positions, 0..size[k]-1) of the categories seen in the training rows, in index order. */
typedef struct {
    size_t ncat, p_num;  /* p_num numeric features, then the indicators */
    size_t p_tail;       /* then the missing-value indicators when the indexer comes before
                            the imputer: passed through after the indices, for it */
    uint64_t *size;      /* ncat: indicator columns of each (every category in the file) */
    size_t *nlabels;     /* ncat */
    uint32_t **labels;   /* ncat arrays */
    int keep;            /* handleInvalid keep: an unseen category gets index nlabels */
    int skip;            /* handleInvalid skip: a row with an unseen category is dropped from
                            scoring and predict (pt_fitted_keep_rows) */
} pt_stage_catidx_t;

/* StringIndexer's order of the categories 0..n-1 (coded in byte order of their strings, so
 * code order is alphabetical) with counts count[0..n): the ones with count > 0 into labels,
 * sorted by order (0 frequencyDesc, 1 frequencyAsc, 2 alphabetDesc, 3 alphabetAsc; equal
 * counts by the strings ascending, as Spark's sortByFreq). Returns how many. */
/* A fitted imputer's surrogates (p_out, one per feature column) and its indicator count. */
const double *pt_stage_imputer_surrogates(const pt_stage_fit_t *st, size_t *nmiss);

size_t pt_stage_strindex_order(const double *count, size_t n, int order, uint32_t *labels);

/* The params every tree stage has (maxDepth, maxBins, minInstancesPerNode, minInfoGain,
 * minWeightFractionPerNode, impurity, seed), for the stage files' tables; impurity: its
 * choices, seed: Spark's default seed. And a classifier's thresholds. */
#define PT_STAGE_TREE_PARAMS(impurity, seed)                                                   \
    {"maxDepth", PT_VAL_INT, 0, 5, 0, 30, "maximum depth of a tree (0: one leaf)", NULL},    \
    {"maxBins", PT_VAL_INT, 0, 32, 2, 65536, "most bins of a continuous feature", NULL},     \
    {"minInstancesPerNode", PT_VAL_INT, 0, 1, 1, 1e9, "fewest rows in each child", NULL},    \
    {"minInfoGain", PT_VAL_DOUBLE, 0, 0.0, 0.0, INFINITY, "smallest gain of a split", NULL}, \
    {"minWeightFractionPerNode", PT_VAL_DOUBLE, 0, 0.0, 0.0, 0.5,                            \
     "smallest share of the total weight in each child, [0, 0.5)", NULL},                    \
    {"impurity", PT_VAL_STRING, 0, 0, 0, 0, "split criterion", impurity},                    \
    {"seed", PT_VAL_INT, 0, seed, -1e15, 1e15, "random seed", NULL}
#define PT_STAGE_TREE_THRESHOLDS                                                              \
    {"thresholds", PT_VAL_STRING, 0, 0, 0, 0,                                                \
     "per-class thresholds t0:t1:...; prediction = argmax p_k / t_k (none: argmax p_k)", "|*"}

/* The tree stages' glue (pt_stage_trees.c), shared by the forests and boosting
 * (pt_stage_gbt.c): fit (a stage with stepSize boosts, pt_gbt.h; else a forest), free,
 * pack / unpack (the layout, featureImportances, then "forest" or "gbt"), predict,
 * use_trees, set_threads, work_bytes (the histograms of a level's nodes and the split
 * thresholds), cost (trees x the time of one tree), as the descriptor fields above say; check: the tree params
 * together (minWeightFractionPerNode, subsamplingRate, featureSubsetStrategy, thresholds). */
int pt_stage_trees_fit(pt_stage_fit_t *st, const pt_stage_in_t *in, char *err);
void pt_stage_trees_free(void *state);
void pt_stage_trees_pack(const pt_stage_fit_t *st, msgpack_packer *pk);
int pt_stage_trees_unpack(pt_stage_fit_t *st, const msgpack_object *o, char *err);
int pt_stage_trees_predict(const pt_stage_fit_t *st, const double *x, size_t n, double *pred,
                           double *score, double *prob);
size_t pt_stage_trees_use(pt_stage_fit_t *st, size_t m);
void pt_stage_trees_set_threads(pt_stage_fit_t *st, int threads);
int pt_stage_trees_importances(const pt_stage_fit_t *st, double *imp);
int pt_stage_trees_check(const pt_stage_fit_t *st, char *err);
double pt_stage_trees_work(const pt_stage_fit_t *st, size_t p);
double pt_stage_trees_cost(const pt_stage_fit_t *st, size_t n, size_t p);
#define PT_STAGE_TREE_OPS                                                                     \
    .fit = pt_stage_trees_fit, .free = pt_stage_trees_free, .npack = 8,                      \
    .work_bytes = pt_stage_trees_work, .cost = pt_stage_trees_cost,                          \
    .pack = pt_stage_trees_pack, .unpack = pt_stage_trees_unpack,                            \
    .predict = pt_stage_trees_predict, .use_trees = pt_stage_trees_use,                      \
    .set_threads = pt_stage_trees_set_threads, .importances = pt_stage_trees_importances

/* The tree stages' checks against the data, before any job (pt_stage_trees.c): for a
 * pipeline ending with a tree stage whose every param is in full ("stage.param", defaults
 * filled in), on raw features with ncat categorical columns of cat_size[k] values
 * (names[k] for the message) and nclasses classes (0: not class labels): maxBins below a
 * categorical column's arity (its values, +1 with stringIndexer's handleInvalid keep), and
 * thresholds of the wrong length, a boosted classifier on more than two classes. 0, or
 * -EINVAL with the reason in err naming the param. */
int pt_stage_trees_check_data(const pt_stage_def_t *last, const pt_paramlist_t *full,
                              size_t ncat, const uint64_t *cat_size, char *const *names,
                              size_t nclasses, char *err);
/* The maxBins and seed of a tree stage in full; 0 when last is not a tree stage. */
int pt_stage_trees_max_bins(const pt_stage_def_t *last, const pt_paramlist_t *full,
                            uint64_t *seed);

/* Raw training rows as a tree stage reads them: blocks of p_raw raw features whose last
 * sum(cat_size[0..ncat)) are categorical indicator columns (no missing-value indicators). */
typedef struct {
    const pt_rowblock_t *blocks;
    size_t nblocks, p_raw, ncat;
    const uint64_t *cat_size;
    int threads;         /* threads the coding may use (ranges of rows; the same codes) */
} pt_stage_rows_t;
/* For a bins job: Spark's findSplits on the tree features of rows r (as a tree stage's fit
 * computes them; the weights of the blocks that have them) into *out (pt_bins_free), *n the row count; then,
 * when dst is not NULL, their codes into dst(dst_arg, pt_bins_code_bytes(out, n)), which
 * returns where they go (NULL: -ENOMEM). 0 or a negative errno with err. */
int pt_stage_trees_bins(const pt_stage_rows_t *r, int max_bins, uint64_t seed,
                        pt_bins_t *out, size_t *n, void *(*dst)(void *arg, size_t bytes),
                        void *dst_arg, char *err);

#endif
