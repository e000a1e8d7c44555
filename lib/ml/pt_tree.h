/* pt_tree.h - one decision tree grown as Spark ML grows it, on binned codes, stored as
 * flat arrays.
 *
 * The learner every tree model uses (decision trees, each tree of a forest, each round of
 * boosting): it takes the labels and weights as arguments (boosting passes its pseudo-
 * residuals), optional bag counts (a forest's bootstrap) and a seed for the per-node feature
 * subsets, and reads the codes of pt_bins in place. It grows level by level; a node's
 * histogram comes from pt_hist (the smaller child built, the sibling as parent minus child
 * when every feature is a candidate), and Spark's split rules pick each split: impurity
 * gini / entropy / variance, gain = I(parent) - W_L/W I(L) - W_R/W I(R), a split invalid
 * (gain -DBL_MAX) when a child has fewer than minInstancesPerNode raw rows or less than
 * minWeightPerNode weight or the gain is below minInfoGain, the first maximum in the node's
 * feature order and split order, a node a leaf when its best gain is <= 0 or at maxDepth,
 * a child a leaf when at maxDepth or its impurity is below DBL_EPSILON; categorical
 * features ordered by centroid, or as unordered subsets (multiclass, few categories); then
 * sibling leaves with equal predictions merged (Spark's prune), bottom up.
 *
 * The per-node feature subset (when fewer than all features are candidates) is Spark's
 * reservoir sample of the feature indices, drawn from a splitmix64 stream seeded from the
 * tree's seed and the node's Spark id (root 1, children 2i and 2i + 1), so it does not
 * depend on the order in which nodes are grown. Spark draws it from one driver-side
 * scala.util.Random, so the subsets (not the rules) differ from Spark's.
 */
#ifndef PT_TREE_H
#define PT_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "pt_bins.h"

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
    /* the rows in the order their sums follow (Spark's: the file's), a permutation of
     * 0..n-1, or NULL for 0..n-1: a node's rows keep this order (stable partitions), so
     * sums that round decide exact ties as Spark on one partition does */
    const uint32_t *order;
} pt_tree_data_t;

/* A node as prediction walks it: 16 bytes; the next node is left + !(x[feature] <= thr).
 * A leaf loops on itself (feature 0, thr NaN, left = its index - 1), so that every row
 * takes depth steps without a branch. Used only by trees without categorical splits. */
typedef struct {
    double thr;
    int32_t feature;
    int32_t left;
} pt_tree_node_t;

/* One tree. Node 0 is the root; an internal node's children are left[i] and left[i] + 1.
 * Node i's stats are stats[i * nstat ..]: the K weighted class counts (classification) or
 * the weighted count, sum and sum of squares of the label (regression). */
typedef struct {
    size_t nnodes, nstat;  /* nodes; stats per node (K, or 3 for regression) */
    size_t nclasses;       /* K, 0 for regression */
    int32_t *feature;      /* split feature, -1 for a leaf */
    int32_t *left;         /* left child, -1 for a leaf */
    double *thr;           /* continuous split: x <= thr goes left (NaN goes right) */
    int32_t *split;        /* continuous split: its bin index (codes <= split go left); -1
                              otherwise; kept by a fit, not by pack (-1 after unpack) */
    int32_t *cat_off;      /* categorical split: offset of its left set in cats, else -1 */
    uint8_t *unseen_left;  /* categorical split: where a category outside the set's range
                              goes (Spark stores the smaller of the left set and its
                              complement: left when the complement was stored) */
    double *pred;          /* the node's prediction (class id or mean) */
    double *impurity;      /* Spark's node impurity; -1 for a leaf without a valid split */
    double *gain;          /* an internal node's gain; 0 for a leaf */
    double *stats;
    uint64_t *cats;        /* left sets: bit c of word c / 64 for category index c */
    size_t ncats;          /* words in cats */
    pt_tree_node_t *nodes; /* the walk's copy of feature / thr / left (pt_tree_index) */
    double *freq;          /* classification: stats / their sum (0 when empty), per node:
                              a forest's per-tree vote (pt_tree_index) */
    int depth;             /* the deepest leaf's depth (pt_tree_index) */
    int has_cat;           /* some split is categorical (pt_tree_index) */
} pt_tree_t;

/* Builds t->nodes, freq, depth and has_cat from the arrays (after a fit or an unpack); p_num:
 * continuous features. 0 or -ENOMEM. */
int pt_tree_index(pt_tree_t *t, size_t p_num);

/* Allocates t's arrays for nnodes nodes and ncats words (t->nstat set, the rest zeroed by
 * the caller) and sets the counts; the values are the caller's to fill (split is -1).
 * 0 or -ENOMEM (then pt_tree_free t). */
int pt_tree_alloc(pt_tree_t *t, size_t nnodes, size_t ncats);
/* Frees what t holds and zeroes it (accepts NULL). */
void pt_tree_free(pt_tree_t *t);

typedef struct {
    int max_depth;                 /* 0..30 */
    int max_bins;                  /* maxPossibleBins: min(maxBins, rows), for the unordered
                                      rule */
    int min_instances;             /* >= 1 */
    double min_weight;             /* minWeightFractionPerNode * total weight of the rows */
    double min_info_gain;          /* >= 0 */
    pt_impurity_t impurity;
    size_t subset;                 /* candidate features per node (1..p; p: all) */
    int threads;                   /* histogram threads; results do not depend on it */
    size_t hist_mb;                /* memory for kept histograms (0: 64 MB) */
} pt_tree_cfg_t;

/* The workspace for growing trees on d: row arrays and histogram buffers, reused by every
 * tree grown with it (one per fitting thread). Owned result (pt_tree_ws_destroy) or NULL
 * with err (out of memory). d and what it points to must outlive it. */
typedef struct pt_tree_ws pt_tree_ws_t;
pt_tree_ws_t *pt_tree_ws_new(const pt_tree_data_t *d, const pt_tree_cfg_t *cfg, char *err);
void pt_tree_ws_destroy(pt_tree_ws_t **ws);

/* Runs fn on items[0..n) (size bytes each) on ws's threads: cfg.threads of them, started
 * with ws and kept (no thread started per call); items beyond them run on the caller's
 * thread. Returns when every item is done; fn must not call it again. */
void pt_tree_ws_run(pt_tree_ws_t *ws, void *items, size_t n, size_t size, void *(*fn)(void *));

/* Grows one tree into *out (zeroed by the caller; pt_tree_free after): labels y (n; class
 * ids for a classifier), weights w (n, or NULL for 1), bag counts cnt (n, or NULL for 1;
 * rows with count 0 are left out), seed: the per-node feature subsets' stream. 0, or -ENOMEM
 * with err (*out then holds nothing to use but may be freed). */
int pt_tree_grow(pt_tree_ws_t *ws, const double *y, const double *w, const uint32_t *cnt,
                 uint64_t seed, pt_tree_t *out, char *err);

/* Makes the next pt_tree_grow with ws (only that one) add w * pred of each row's leaf to F[i]
 * of every row it is grown on (a positive bag count) when it succeeds: the sums of
 * pt_tree_ws_add_leaves after it, bit for bit, but the rows of a split whose children are
 * both leaves get theirs as the split is applied, instead of being moved to their leaves
 * (no pass of their own). The caller then does not call pt_tree_ws_add_leaves. */
void pt_tree_ws_margins(pt_tree_ws_t *ws, double w, double *F);

/* After a pt_tree_grow with ws that succeeded: adds w * pred of each row's leaf to F[i] for
 * every row i the tree was grown on (a positive bag count), from the rows' final partition
 * (no walk down the tree). The sums are those of F[i] += w * t->pred[leaf of i] (a leaf that
 * prune merged with its sibling had the same prediction). */
void pt_tree_ws_add_leaves(const pt_tree_ws_t *ws, double w, double *F);

/* The leaf that row x (p values: continuous features, then categorical features as Spark's
 * category index, or -1 / NaN for an unseen one) falls into. arity: the categorical
 * features' arities. */
size_t pt_tree_leaf(const pt_tree_t *t, size_t p_num, const uint32_t *arity, const double *x);
/* The leaves of n rows x (row i at x + i * p) into leaf[n]: the walks of several rows
 * interleaved, so that their memory reads overlap. */
void pt_tree_leaves(const pt_tree_t *t, size_t p_num, const uint32_t *arity, const double *x,
                    size_t n, size_t p, uint32_t *leaf);

/* The leaves of rows idx[0..m) (rows 0..m-1 when idx is NULL) of d's codes into leaf[m],
 * walking the codes (bin <= split), not the values: a tree grown on d (t->split set), its
 * training or validation rows (boosting's margins, without a pass over feature values). A
 * category code without a Spark index goes as an unseen category. */
void pt_tree_leaves_codes(const pt_tree_t *t, const pt_tree_data_t *d, const uint32_t *idx,
                          size_t m, uint32_t *leaf);

/* Adds gain * W(node) of every internal node to imp[feature] (Spark's per tree importances,
 * before normalization). */
void pt_tree_importances(const pt_tree_t *t, double *imp);

/* Spark's numbers: the impurity of a cell (pt_hist layout) for K classes (0: variance), and
 * the prediction of a node with those stats. */
double pt_tree_impurity(pt_impurity_t imp, const double *cell, size_t K);
double pt_tree_predict_cell(const double *cell, size_t K);

/* Spark's maxCategoriesForUnorderedFeature for maxPossibleBins mpb:
 * floor(log2(mpb / 2 + 1) + 1), integer division. */
int pt_tree_max_unordered(int mpb);

#endif
