/* pt_hist.h - the histogram builder every tree learner uses (decision trees, forests,
 * boosting): per (node, feature, bin) cells of sufficient statistics from binned codes.
 *
 * A cell is Spark's DTStatsAggregator cell: for classification with K classes the K
 * weighted class counts and the raw count, [W_0 .. W_{K-1}, n]; for regression the weighted
 * count, sum and sum of squares and the raw count, [W, sum w y, sum w y^2, n]. A row with
 * bag count c and instance weight w adds c * w to the weighted entries and c to n; the
 * caller precomputes those per row id (pt_hist_rows_t). A node's rows are a range of an
 * index array that the tree learner keeps partitioned in place (ascending row ids within a
 * node, so the codes and row arrays are read in increasing address order). Sums run in
 * that order, so a histogram does not depend on which thread builds it.
 */
#ifndef PT_HIST_H
#define PT_HIST_H

#include <stddef.h>
#include <stdint.h>

/* Per row id statistics (arrays of the training rows, indexed by row id). */
typedef struct {
    size_t nclasses;       /* K > 0: classification (cells of K + 1), 0: regression (4) */
    const double *w;       /* bag count * instance weight */
    const double *wy;      /* regression: w * y */
    const double *wyy;     /* regression: w * y * y */
    const double *cnt;     /* bag count */
    const uint32_t *lab;   /* classification: class id */
} pt_hist_rows_t;

/* Doubles in one cell. */
static inline size_t pt_hist_ncell(size_t nclasses)
{
    return nclasses ? nclasses + 1 : 4;
}

/* Builds one feature's histogram of the rows idx[0..m) into h (nbins cells, zeroed here):
 * col is the feature's code column (uint8, or uint16 when wide). */
void pt_hist_build(const pt_hist_rows_t *r, const void *col, int wide, const uint32_t *idx,
                   size_t m, uint32_t nbins, double *h);
/* The sibling's histogram: h = parent - child over ncells cells of ncell doubles (h may be
 * parent). A cell whose raw count comes out 0 is set to exact zeros, so that an empty bin of
 * the sibling adds nothing (no rounding residue) to the prefix sums and ties stay exact. */
void pt_hist_subtract(double *h, const double *parent, const double *child, size_t ncells,
                      size_t ncell);
/* The totals of the rows idx[0..m) into one cell tot (summed in row order). */
void pt_hist_total(const pt_hist_rows_t *r, const uint32_t *idx, size_t m, double *tot);

#endif
