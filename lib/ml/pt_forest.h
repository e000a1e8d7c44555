/* pt_forest.h - decision trees and random forests as Spark ML grows them, on binned data.
 *
 * The public API the tree stages and the run layer are written against. The learner is
 * pt_bins (findSplits and coding), pt_hist (the histogram builder), pt_tree (one tree) and
 * pt_forest.c (ensembles, aggregation, importances, packing, prediction). The shape: bins
 * from the training rows, column-major codes that a caller may place in shared memory, a
 * fit that reads codes in place, flat trees.
 *
 * Features seen by a tree: p_num continuous features, then ncat categorical features. A
 * categorical feature's value is its *global code* (0..size-1, the position of the category
 * in the file's sorted value list, pt_categorical.h); a fit maps codes to Spark's category
 * indices (StringIndexer order, fit per fold) through cat_index, so the codes do not depend
 * on stringIndexer's params and are built once per (training set, maxBins).
 *
 * A forest's tree t draws its bag counts and its feature subsets from its own splitmix64
 * streams, seeded from (seed, t): the first m trees of a forest grown with numTrees = T are
 * exactly the forest grown with numTrees = m (Spark draws every tree's bag counts per row
 * together, so its prefixes are not equal forests). Bag counts: Poisson(subsamplingRate)
 * with bootstrap, Bernoulli(subsamplingRate) without (none when the rate is 1), as Spark's
 * BaggedPoint, from splitmix64 instead of Spark's generators.
 */
#ifndef PT_FOREST_H
#define PT_FOREST_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "pt_bins.h"
#include "pt_tree.h"

/* ---- fitting ------------------------------------------------------------------------------ */

typedef struct {
    int max_depth;                 /* 0..30 */
    int max_bins;                  /* >= 2, >= every arity (after min(maxBins, rows)) */
    int min_instances_per_node;    /* >= 1 */
    double min_weight_fraction;    /* [0, 0.5) */
    double min_info_gain;          /* >= 0 */
    pt_impurity_t impurity;        /* gini / entropy with nclasses > 0, variance without */
    uint64_t seed;
    int num_trees;                 /* >= 1; 1 for a decision tree */
    int forest;                    /* 0: decision tree (no bagging, every feature, the
                                      leaf's class counts as rawPrediction) */
    double subsampling_rate;       /* (0, 1] */
    int bootstrap;
    size_t subset;                 /* features per node (pt_forest_subset); 0: all */
    const double *thresholds;      /* nclasses values (>= 0, at most one 0), or NULL */
    int threads;                   /* fitting threads; results do not depend on it */
} pt_forest_params_t;

/* Parses Spark's featureSubsetStrategy (auto, all, onethird, sqrt, log2 -- any case --, an
 * integer > 0, a fraction in (0, 1]) for p features, a classifier or not, numTrees, into the
 * count of features per node: all = p, sqrt = ceil(sqrt p), log2 = max(1, ceil(log2 p)),
 * onethird = ceil(p / 3), auto = all for one tree, else sqrt (classifier) / onethird; an
 * integer v gives min(v, p); a fraction f gives ceil(f p) ("1" is one feature, "1.0" all).
 * 0 or -EINVAL with err. */
int pt_forest_subset(const char *strategy, size_t p, int classifier, int num_trees,
                     size_t *count, char *err);

typedef struct pt_forest pt_forest_t;

/* Grows prm->num_trees trees on d (the first m trees equal the forest grown with
 * num_trees = m). Checks the params, the labels (class ids below nclasses, or finite),
 * the weights (>= 0) and that max_bins is at least every categorical feature's arity
 * (Spark: min(maxBins, rows)); the message names the param. Owned result
 * (pt_forest_destroy) or NULL with err (-EINVAL, -ENOMEM in errno). */
pt_forest_t *pt_forest_fit(const pt_tree_data_t *d, const pt_forest_params_t *prm, char *err);
void pt_forest_destroy(pt_forest_t **f);
/* The checks of pt_forest_fit on d and prm (the params, labels, weights, arities). 0 or
 * -EINVAL with err naming the param. */
int pt_forest_check(const pt_tree_data_t *d, const pt_forest_params_t *prm, char *err);
/* The tree learner's config of a fit of prm on d (minWeightPerNode from d's total weight;
 * every feature a candidate unless prm->forest and prm->subset), one histogram thread. */
void pt_forest_tree_cfg(const pt_tree_data_t *d, const pt_forest_params_t *prm,
                        pt_tree_cfg_t *cfg);
/* An empty regression forest of ntrees zeroed trees on p features (p_num continuous, the
 * categorical ones of arity[p - p_num]), for a caller that grows the trees itself (boosting,
 * pt_gbt.h) and fills them through pt_forest_tree_mut. Owned (pt_forest_destroy) or NULL. */
pt_forest_t *pt_forest_shell(size_t p, size_t p_num, const uint32_t *arity, size_t ntrees);
pt_tree_t *pt_forest_tree_mut(pt_forest_t *f, size_t t);
/* Keeps the first n trees of f (n <= its count), freeing the rest: boosting's early stop. */
void pt_forest_truncate(pt_forest_t *f, size_t n);
/* The categorical features' arities of f (read only, p - p_num of them); *p_num := its
 * continuous features. */
const uint32_t *pt_forest_arity(const pt_forest_t *f, size_t *p_num);
size_t pt_forest_trees(const pt_forest_t *f);
/* Classes (0 for a regressor) and features of a fitted or unpacked forest. */
size_t pt_forest_nclasses(const pt_forest_t *f);
size_t pt_forest_features(const pt_forest_t *f);
/* Tree t (t < pt_forest_trees), read only. */
const pt_tree_t *pt_forest_tree(const pt_forest_t *f, size_t t);

/* Predicts with the first m trees (m = 0 or above the count: all) on n rows of tree-feature
 * values x (n x p row-major, categorical features as Spark's category index, or -1 / NaN
 * for an unseen one). pred[n]: the class id (the first maximum of rawPrediction, or of
 * probability / threshold with thresholds) or the mean of the trees' predictions. For a
 * classifier, when not NULL, prob and raw (n x nclasses): Spark's probability and
 * rawPrediction -- a decision tree's raw is its leaf's weighted class counts, a forest's
 * the sum over trees of each leaf's class frequencies; prob is raw normalized. 0, or
 * -ENOMEM (a few small buffers). */
int pt_forest_predict(const pt_forest_t *f, size_t m, const double *x, size_t n, double *pred,
                      double *prob, double *raw);
/* Spark's featureImportances of the first m trees (0: all) into imp[p]: per tree the sum of
 * gain * weight over its internal nodes per feature, normalized to sum 1; the trees'
 * vectors summed and normalized again (all zeros when no tree has a split). */
void pt_forest_importances(const pt_forest_t *f, size_t m, double *imp);

/* The trees as flat arrays in a msgpack map; unpack reads it back (checking every index, so
 * that a damaged file cannot make predict read out of bounds). 0, or -EBADMSG / -ENOMEM
 * with err. */
void pt_forest_pack(const pt_forest_t *f, msgpack_packer *pk);
int pt_forest_unpack(const msgpack_object *o, pt_forest_t **out, char *err);

#endif
