/* pt_forest.h - decision trees and random forests as Spark ML grows them, on binned data.
 *
 * CONTRACT (issue 14, first draft by the lead): the public API the tree stages and the run
 * layer are written against. The learner (pt_bins.c: findSplits and coding, pt_hist.c: the
 * histogram builder, pt_tree.c: one tree, pt_forest.c: ensembles, packing, prediction) is
 * written behind it. Names and meanings here may be refined by the learner's author; the
 * shape stays: bins from the training rows, column-major codes that a caller may place in
 * shared memory, a fit that reads codes in place, flat trees.
 *
 * Features seen by a tree: p_num continuous features, then ncat categorical features. A
 * categorical feature's value is its *global code* (0..size-1, the position of the category
 * in the file's sorted value list, pt_categorical.h); a fit maps codes to Spark's category
 * indices (StringIndexer order, fit per fold) through cat_index, so the codes do not depend
 * on stringIndexer's params and are built once per (training set, maxBins).
 */
#ifndef PT_FOREST_H
#define PT_FOREST_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

/* ---- bins (Spark's findSplits) ---------------------------------------------------------- */

/* Reads training row i (0 <= i < n) as p tree-feature values into out[0..p): continuous
 * values, then categorical global codes as doubles. */
typedef void (*pt_rows_fn)(void *arg, size_t i, double *out);

typedef struct {
    size_t p, p_num;       /* features; the first p_num are continuous */
    uint32_t *nbins;       /* p: bins of each feature (continuous: thresholds + 1;
                              categorical: its size, the number of global codes) */
    double **thr;          /* p: a continuous feature's nbins-1 ascending thresholds
                              (x <= thr[s] goes left of split s); NULL for categorical */
    int wide;              /* codes are uint16 (some nbins > 256), else uint8 */
} pt_bins_t;

/* Spark's findSplits on n training rows read through rows (w: instance weights or NULL),
 * with maxBins and seed (its sample rule: max(maxBins^2, 10000) rows). cat_size[k]: global
 * codes of categorical feature k. 0, or a negative errno with err. */
int pt_bins_find(pt_rows_fn rows, void *arg, size_t n, size_t p_num, size_t ncat,
                 const uint64_t *cat_size, const double *w, int max_bins, uint64_t seed,
                 pt_bins_t *out, char *err);
void pt_bins_free(pt_bins_t *b);
/* Bytes of the codes of n rows. */
size_t pt_bins_code_bytes(const pt_bins_t *b, size_t n);
/* Writes the codes of rows [lo, hi) of n into dst (pt_bins_code_bytes(b, n) bytes,
 * column-major: feature j's n codes at byte offset j * n * (wide ? 2 : 1)). Ranges may be
 * written by different processes or threads. */
void pt_bins_code(const pt_bins_t *b, pt_rows_fn rows, void *arg, size_t n, size_t lo,
                  size_t hi, void *dst);
/* pack / unpack of the thresholds (the model file keeps them for predict). */
void pt_bins_pack(const pt_bins_t *b, msgpack_packer *pk);
int pt_bins_unpack(const msgpack_object *o, pt_bins_t *b, char *err);

/* ---- fitting ------------------------------------------------------------------------------ */

typedef enum { PT_IMP_GINI = 1, PT_IMP_ENTROPY, PT_IMP_VARIANCE } pt_impurity_t;

typedef struct {
    size_t n;              /* training rows */
    const pt_bins_t *bins;
    const void *codes;     /* pt_bins_code layout, read in place (shared memory) */
    const double *y;       /* n labels: class ids 0..nclasses-1, or numbers */
    const double *w;       /* n instance weights (>= 0), or NULL for 1 */
    size_t nclasses;       /* 0 for regression */
    /* categorical feature k: cat_index[k][code] = Spark's category index (0..arity[k]-1) of
     * a global code, or -1 for a code that no training row has */
    const int32_t *const *cat_index;
    const uint32_t *arity;
} pt_tree_data_t;

typedef struct {
    int max_depth;                 /* 0..30 */
    int max_bins;                  /* >= 2, >= every arity */
    int min_instances_per_node;    /* >= 1 */
    double min_weight_fraction;    /* [0, 0.5) */
    double min_info_gain;          /* >= 0 */
    pt_impurity_t impurity;
    uint64_t seed;
    int num_trees;                 /* 1 for a decision tree */
    int forest;                    /* 0: decision tree (no bagging, all features) */
    double subsampling_rate;       /* (0, 1] */
    int bootstrap;
    double subset_fraction;        /* features per node: ceil(fraction * p), or ... */
    int subset_count;              /* ... this many when > 0 (Spark's integer form) */
    int threads;                   /* histogram threads; results do not depend on it */
} pt_forest_params_t;

/* Parses Spark's featureSubsetStrategy (auto, all, onethird, sqrt, log2, an integer > 0, a
 * fraction in (0, 1]) for p features, a classifier or not, numTrees, into the count of
 * features per node. 0 or -EINVAL with err. */
int pt_forest_subset(const char *strategy, size_t p, int classifier, int num_trees,
                     size_t *count, char *err);

typedef struct pt_forest pt_forest_t;

/* Grows prm->num_trees trees on d. Tree t uses its own stream seeded from (seed, t), so the
 * first m trees equal the forest grown with num_trees = m. Owned result or NULL with err. */
pt_forest_t *pt_forest_fit(const pt_tree_data_t *d, const pt_forest_params_t *prm, char *err);
void pt_forest_destroy(pt_forest_t **f);
size_t pt_forest_trees(const pt_forest_t *f);

/* Predicts with the first m trees (m = 0: all) on n rows of tree-feature values x (n x p
 * row-major, categorical features as Spark's category index, or -1 / NaN for an unseen one).
 * pred[n]; prob (n x nclasses) and raw (n x nclasses, Spark's rawPrediction) when not NULL
 * for a classifier. 0 or -ENOMEM. */
int pt_forest_predict(const pt_forest_t *f, size_t m, const double *x, size_t n, double *pred,
                      double *prob, double *raw);
/* Spark's featureImportances of the first m trees into imp[p]. */
void pt_forest_importances(const pt_forest_t *f, size_t m, double *imp);

/* The trees as flat arrays in a msgpack map; unpack reads it back. */
void pt_forest_pack(const pt_forest_t *f, msgpack_packer *pk);
int pt_forest_unpack(const msgpack_object *o, pt_forest_t **out, char *err);

#endif
