/* pt_gbt.h - gradient-boosted trees as Spark ML boosts them (GBTClassifier, GBTRegressor).
 *
 * The boosting loop on the tree learner of pt_tree.h: no learner of its own. Every round
 * grows one variance regression tree on the same bins and codes as the forests (pt_bins),
 * fit to the pseudo-residuals -g of the loss at the current margins F. Spark's algorithm
 * (GradientBoostedTrees.boost): a classifier's labels become y' = 2y - 1 in {-1, +1}; tree 0
 * is fit to the labels themselves with weight 1 (no constant start); tree m >= 1 to
 * r = -g(F_{m-1}, y) with weight stepSize: F_m = F_{m-1} + stepSize tree_m. Leaves are plain
 * weighted means of r (no line search, no Newton step). Losses (mllib/tree/loss):
 * logistic 2 log(1 + exp(-2yF)), -g = 4y / (1 + exp(2yF)); squared (y - F)^2,
 * -g = 2 (y - F); absolute |y - F|, -g = sign(y - F) (+1 at 0). A classifier's
 * probability is p1 = 1 / (1 + exp(-2F)), rawPrediction [-F, F].
 *
 * The training margins are kept per row and updated per round from the codes
 * (pt_tree_leaves_codes), so a round costs one tree and no pass over the feature values.
 * Round m's row draw (subsamplingRate < 1: a Bernoulli count per row) and its per-node
 * feature subsets come from their own splitmix64 streams seeded by (seed, m), so the first m
 * trees of a fit with maxIter = M are exactly the fit with maxIter = m (the rounds before m
 * never see the rounds after): the maxIter sharing of the sweep relies on it. Spark draws
 * with its own generators (seed + m), so subsampled runs differ from Spark's in the draw,
 * not in the rules.
 */
#ifndef PT_GBT_H
#define PT_GBT_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "pt_forest.h"

typedef enum { PT_GBT_LOGISTIC = 1, PT_GBT_SQUARED, PT_GBT_ABSOLUTE } pt_gbt_loss_t;

typedef struct {
    pt_forest_params_t tree;   /* the trees' params (impurity variance; num_trees unused;
                                  subsampling_rate, subset, seed, thresholds, threads) */
    int max_iter;              /* rounds, >= 1 */
    double step_size;          /* (0, 1] */
    pt_gbt_loss_t loss;        /* logistic for a classifier, squared / absolute else */
    /* Spark's early stopping (validationIndicatorCol): the validation rows, coded on the
     * training rows' bins (labels and weights as d's; order: the file's, for the sums), or
     * NULL for none; validation_tol >= 0 (validationTol) */
    const pt_tree_data_t *valid;
    double validation_tol;
} pt_gbt_params_t;

typedef struct pt_gbt pt_gbt_t;

/* Parses Spark's lossType for a classifier (logistic) or a regressor (squared, absolute),
 * case-insensitive. 0 or -EINVAL with err. */
int pt_gbt_loss(const char *name, int classifier, pt_gbt_loss_t *loss, char *err);

/* Boosts prm->max_iter rounds on d (with prm->valid, Spark's runWithValidation: after
 * round m >= 1 the validation error e_m, the weighted mean of the loss over the validation
 * rows, is compared with the best before it: the boosting stops when best - e_m <
 * validationTol * max(e_m, 0.01), else e_m < best makes it the best; the model keeps the
 * trees up to the best round, so the tree that stopped it goes): d->nclasses 2 (labels 0 / 1, mapped to -1 / +1) for a
 * classifier, 0 for a regressor; d->y, d->w the labels and weights. Checks as
 * pt_forest_fit (a classifier with more than two classes is refused). Owned result
 * (pt_gbt_destroy) or NULL with err (errno: EINVAL, ENOMEM). */
pt_gbt_t *pt_gbt_fit(const pt_tree_data_t *d, const pt_gbt_params_t *prm, char *err);
void pt_gbt_destroy(pt_gbt_t **g);
/* Trees (rounds) of g. */
size_t pt_gbt_trees(const pt_gbt_t *g);
/* The trees the fit with maxIter = m keeps (m = 0 or above the fit's maxIter: the fit's,
 * pt_gbt_trees): m itself without validation rows, else the best round of the first m
 * rounds' validation errors (Spark's rule on the prefix; nondecreasing in m). */
size_t pt_gbt_kept(const pt_gbt_t *g, size_t m);
/* The fit's maxIter (an unpacked model: its trees). */
size_t pt_gbt_max_iter(const pt_gbt_t *g);
/* The validation error after each round grown (*n of them; NULL and 0 without validation
 * rows), read only. */
const double *pt_gbt_validation(const pt_gbt_t *g, size_t *n);
/* Tree t, read only. */
const pt_tree_t *pt_gbt_tree(const pt_gbt_t *g, size_t t);
/* g's features (*p_num := its continuous ones) and classes (2, or 0 for a regressor). */
size_t pt_gbt_features(const pt_gbt_t *g, size_t *p_num);
size_t pt_gbt_nclasses(const pt_gbt_t *g);

/* Predicts with the first m trees (0 or above the count: all) on n rows of tree-feature
 * values x (as pt_forest_predict). pred[n]: the class (F > 0, or argmax p_k / t_k with
 * thresholds) or F; margin[n] when not NULL: F; prob[n x 2] for a classifier when not NULL.
 * 0 or -ENOMEM. */
int pt_gbt_predict(const pt_gbt_t *g, size_t m, const double *x, size_t n, double *pred,
                   double *margin, double *prob);
/* The same in two steps, for a caller that keeps margins across calls (scoring every
 * prefix of a maxIter grid on the same rows, one tree at a time): margins adds trees
 * [t0, t1) (t1 capped at the count) of n rows x to F[n], in tree order (so the sums are
 * those of pt_gbt_predict, bit for bit); finish turns margins F into pred, margin and prob
 * as pt_gbt_predict does. */
void pt_gbt_margins(const pt_gbt_t *g, size_t t0, size_t t1, const double *x, size_t n,
                    double *F);
void pt_gbt_finish(const pt_gbt_t *g, const double *F, size_t n, double *pred, double *margin,
                   double *prob);
/* Spark's GBT featureImportances of the first m trees (0: all) into imp[p]: gain * weight
 * of every internal node summed per feature over the trees (no per-tree normalization,
 * tree weights not applied), normalized to sum 1 (zeros when no tree splits). */
void pt_gbt_importances(const pt_gbt_t *g, size_t m, double *imp);

/* g as a msgpack map (loss, step size, classes, thresholds, the trees as a forest, the
 * validation errors per round grown or nil);
 * unpack reads it back, checking every index. 0, or -EBADMSG / -ENOMEM with err. */
void pt_gbt_pack(const pt_gbt_t *g, msgpack_packer *pk);
int pt_gbt_unpack(const msgpack_object *o, pt_gbt_t **out, char *err);

#endif
