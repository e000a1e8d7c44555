/* pt_hist.h - the histogram builder every tree learner uses (decision trees, forests,
 * boosting): per (node, feature, bin) cells of sufficient statistics from binned codes.
 *
 * A cell is Spark's DTStatsAggregator cell: for classification with K classes the K
 * weighted class counts and the raw count, [W_0 .. W_{K-1}, n]; for regression the weighted
 * count, sum and sum of squares and the raw count, [W, sum w y, sum w y^2, n]. A row with
 * bag count c and instance weight w adds c * w to the weighted entries and c to n.
 *
 * A node's rows are a range of positions of the row ids that the tree learner keeps
 * partitioned in place, stably (the rows keep their order within a node); each row's
 * precomputed record (pt_hist_row_t) and codes are read by its id. A node's histograms are
 * built row by row (pt_hist_build_rows: a row's record and its codes, row-major, read once
 * for all features), or feature by feature from the column-major codes (pt_hist_build).
 * Sums run in position order, so a histogram does not depend on which thread builds it or
 * on which builder (the tree learner cuts a large node's rows into lanes that threads build
 * apart, and adds them up in lane order).
 */
#ifndef PT_HIST_H
#define PT_HIST_H

#include <stddef.h>
#include <stdint.h>

/* One row's contribution. */
typedef struct {
    double w;              /* bag count * instance weight */
    double cnt;            /* bag count */
    double wy;             /* regression: w * y */
    union {
        double wyy;        /* regression: w * y * y */
        uint64_t lab;      /* classification: the class id */
    };
} pt_hist_row_t;

/* Doubles in one cell. */
static inline size_t pt_hist_ncell(size_t nclasses)
{
    return nclasses ? nclasses + 1 : 4;
}

/* Builds one feature's histogram of the m rows with ids idx[0..m) into h (nbins cells,
 * zeroed here); r: the records by row id (row i's is r[i]); K classes (0: regression); col
 * is the feature's code column (uint8, or uint16 when wide). */
void pt_hist_build(const pt_hist_row_t *r, const uint32_t *idx, size_t m, size_t K,
                   const void *col, int wide, uint32_t nbins, double *h);
/* The histograms of nf features feats[0..nf) at once, in one pass over the same rows: row
 * i's codes are row-major, one byte each, rows[i * stride + f]; feature f's nbins[f] cells
 * go to h + off[f] (zeroed here). Each cell adds its rows in position order, so the sums are
 * pt_hist_build's bit for bit; reading a row's record and its codes once for all features
 * (and no chain of adds to one cell from consecutive rows) is what makes it faster. */
void pt_hist_build_rows(const pt_hist_row_t *r, const uint32_t *idx, size_t m, size_t K,
                        const uint8_t *rows, size_t stride, const uint32_t *feats, size_t nf,
                        const size_t *off, const uint32_t *nbins, double *h);
/* pt_hist_build_rows, or (y not NULL) regression cells of unit rows: every row of weight
 * and bag count 1, its label y[i] (by row id; r is not read), the cell sums those of records
 * {w 1, cnt 1, wy y, wyy y * y} bit for bit. The records then need not be written: a
 * boosting round with neither weights nor subsampling reads 8 bytes a row instead of 32. */
void pt_hist_build_rows_y(const pt_hist_row_t *r, const double *y, const uint32_t *idx,
                          size_t m, size_t K, const uint8_t *rows, size_t stride,
                          const uint32_t *feats, size_t nf, const size_t *off,
                          const uint32_t *nbins, double *h);
/* The sibling's histogram: h = parent - child over ncells cells of ncell doubles (h may be
 * parent). A cell whose raw count comes out 0 is set to exact zeros, so that an empty bin of
 * the sibling adds nothing (no rounding residue) to the prefix sums and ties stay exact. */
void pt_hist_subtract(double *h, const double *parent, const double *child, size_t ncells,
                      size_t ncell);
/* The totals of the records of rows idx[0..m) into one cell tot (summed in position
 * order). */
void pt_hist_total(const pt_hist_row_t *r, const uint32_t *idx, size_t m, size_t K,
                   double *tot);
/* pt_hist_total of unit rows with labels y (see pt_hist_build_rows_y): a regression cell. */
void pt_hist_total_y(const double *y, const uint32_t *idx, size_t m, double *tot);

#endif
