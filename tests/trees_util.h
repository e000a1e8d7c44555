/* trees_util.h - small helpers the tree learner's unit tests share: bins and codes of a
 * row-major matrix (continuous columns first, then categorical global codes), and a tree
 * data set over them. */
#ifndef TREES_UTIL_H
#define TREES_UTIL_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pt_forest.h"

typedef struct {
    const double *x;
    size_t p;
} tu_mat_t;

static inline void tu_rows(void *arg, size_t i, double *out)
{
    const tu_mat_t *m = arg;
    memcpy(out, m->x + i * m->p, m->p * sizeof *out);
}

/* A data set: bins (max_bins, seed 7), codes, labels, categorical maps (identity unless
 * the caller changes cat_index). */
typedef struct {
    tu_mat_t mat;
    pt_bins_t bins;
    void *codes;
    pt_tree_data_t d;
    uint64_t cat_size[4];
    int32_t *ci[4];
    uint32_t arity[4];
} tu_data_t;

static inline int tu_make(tu_data_t *t, const double *x, const double *y, const double *w, size_t n,
                   size_t p_num, size_t ncat, const uint64_t *cat_size, size_t K, int max_bins)
{
    char err[512];
    memset(t, 0, sizeof *t);
    t->mat.x = x;
    t->mat.p = p_num + ncat;
    for (size_t k = 0; k < ncat; k++) {
        t->cat_size[k] = cat_size[k];
        t->ci[k] = malloc(cat_size[k] * sizeof(int32_t));
        for (size_t c = 0; c < cat_size[k]; c++)
            t->ci[k][c] = (int32_t)c;
        t->arity[k] = (uint32_t)cat_size[k];
    }
    if (pt_bins_find(tu_rows, &t->mat, n, p_num, ncat, t->cat_size, w, max_bins, 7, &t->bins,
                     err) != 0)
        return -1;
    t->codes = malloc(pt_bins_code_bytes(&t->bins, n) + 1);
    pt_bins_code(&t->bins, tu_rows, &t->mat, n, 0, n, t->codes);
    t->d = (pt_tree_data_t){.n = n, .bins = &t->bins, .codes = t->codes, .y = y, .w = w,
                            .nclasses = K, .cat_index = (const int32_t *const *)t->ci,
                            .arity = t->arity};
    return 0;
}

static inline void tu_free(tu_data_t *t)
{
    for (size_t k = 0; k < 4; k++)
        free(t->ci[k]);
    free(t->codes);
    pt_bins_free(&t->bins);
}

/* Default params: a decision tree of depth 5, maxBins 32. */
static inline pt_forest_params_t tu_params(pt_impurity_t imp)
{
    return (pt_forest_params_t){.max_depth = 5, .max_bins = 32, .min_instances_per_node = 1,
                                .impurity = imp, .seed = 1, .num_trees = 1,
                                .subsampling_rate = 1, .bootstrap = 1, .threads = 1};
}

#endif
