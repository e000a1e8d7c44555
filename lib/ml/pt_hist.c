/* pt_hist.c - the histogram builder (see pt_hist.h).
 *
 * The loops are specialised by code layout (row-major or one column), code width and cell
 * kind, so that the inner loop is a read of a code and one vector add to a cell
 * (regression) or two adds (classification).
 */
#include "pt_hist.h"

#include <string.h>

#define PF 24 /* rows ahead whose codes and record are prefetched */

/* A regression cell as one vector: one load, add and store per row and feature (two with
 * SSE2 alone); lane-wise adds round as the scalar ones. */
typedef double v4d __attribute__((vector_size(32), aligned(8)));

/* Row i's regression cell. */
#define REG_CELL(r, i) ((v4d){(r)[i].w, (r)[i].wy, (r)[i].wyy, (r)[i].cnt})

#define BUILD_COL(T)                                                                           \
    do {                                                                                       \
        const T *c = col;                                                                      \
        for (size_t k = 0; k < m; k++) {                                                       \
            uint32_t i = idx[k];                                                               \
            __builtin_prefetch(c + idx[k + PF < m ? k + PF : k]);                              \
            if (K == 0) {                                                                      \
                *(v4d *)(h + 4 * (size_t)c[i]) += REG_CELL(r, i);                            \
            } else {                                                                           \
                double *x = h + (K + 1) * (size_t)c[i];                                        \
                x[r[i].lab] += r[i].w;                                                         \
                x[K] += r[i].cnt;                                                              \
            }                                                                                  \
        }                                                                                      \
    } while (0)

void pt_hist_build(const pt_hist_row_t *r, const uint32_t *idx, size_t m, size_t K,
                   const void *col, int wide, uint32_t nbins, double *h)
{
    memset(h, 0, (size_t)nbins * pt_hist_ncell(K) * sizeof *h);
    if (wide)
        BUILD_COL(uint16_t);
    else
        BUILD_COL(uint8_t);
}

#define ROWS_MAX_F 256 /* features per pass (the cell pointers live on the stack) */

/* The regression cells of one row: its codes c[0..nf) (a run of the row's features), or
 * c[col[j]] when col is not NULL (a node's feature subset). */
#define ROW_REG(v)                                                                             \
    do {                                                                                       \
        if (col == NULL) {                                                                     \
            _Pragma("GCC unroll 4") for (size_t j = 0; j < nf; j++)                            \
                *(v4d *)(base[j] + 4 * (size_t)c[j]) += (v);                                   \
        } else {                                                                               \
            for (size_t j = 0; j < nf; j++)                                                    \
                *(v4d *)(base[j] + 4 * (size_t)c[col[j]]) += (v);                              \
        }                                                                                      \
    } while (0)

/* Regression cells of features [0, nf) of the pass from row-major codes. */
__attribute__((target_clones("avx2", "default"))) static void
rows_reg(const pt_hist_row_t *r, const uint32_t *idx, size_t m, const uint8_t *rows,
         size_t stride, const uint32_t *col, size_t nf, double *const *base)
{
    for (size_t k = 0; k < m; k++) {
        uint32_t i = idx[k], a = idx[k + PF < m ? k + PF : k];
        const uint8_t *c = rows + (size_t)i * stride;
        __builtin_prefetch(rows + (size_t)a * stride);
        __builtin_prefetch(&r[a]);
        v4d v = REG_CELL(r, i);
        ROW_REG(v);
    }
}

/* Regression cells of unit rows (weight and count 1, label y[i]): rows_reg with the record
 * {1, y, y * y, 1} made from the label, the values pt_hist_row_t would hold (1 * y = y). */
__attribute__((target_clones("avx2", "default"))) static void
rows_unit(const double *y, const uint32_t *idx, size_t m, const uint8_t *rows, size_t stride,
          const uint32_t *col, size_t nf, double *const *base)
{
    for (size_t k = 0; k < m; k++) {
        uint32_t i = idx[k], a = idx[k + PF < m ? k + PF : k];
        const uint8_t *c = rows + (size_t)i * stride;
        double yi = y[i];
        __builtin_prefetch(rows + (size_t)a * stride);
        __builtin_prefetch(&y[a]);
        v4d v = {1.0, yi, yi * yi, 1.0};
        ROW_REG(v);
    }
}

/* Classification cells (K classes), as rows_reg. */
static void rows_cls(const pt_hist_row_t *r, const uint32_t *idx, size_t m, size_t K,
                     const uint8_t *rows, size_t stride, const uint32_t *col, size_t nf,
                     double *const *base)
{
    for (size_t k = 0; k < m; k++) {
        uint32_t i = idx[k], a = idx[k + PF < m ? k + PF : k];
        const uint8_t *c = rows + (size_t)i * stride;
        size_t lab = r[i].lab;
        double w = r[i].w, cnt = r[i].cnt;
        __builtin_prefetch(rows + (size_t)a * stride);
        __builtin_prefetch(&r[a]);
        for (size_t j = 0; j < nf; j++) {
            double *x = base[j] + (K + 1) * (size_t)c[col != NULL ? col[j] : j];
            x[lab] += w;
            x[K] += cnt;
        }
    }
}

void pt_hist_build_rows(const pt_hist_row_t *r, const uint32_t *idx, size_t m, size_t K,
                        const uint8_t *rows, size_t stride, const uint32_t *feats, size_t nf,
                        const size_t *off, const uint32_t *nbins, double *h)
{
    pt_hist_build_rows_y(r, NULL, idx, m, K, rows, stride, feats, nf, off, nbins, h);
}

void pt_hist_build_rows_y(const pt_hist_row_t *r, const double *y, const uint32_t *idx,
                          size_t m, size_t K, const uint8_t *rows, size_t stride,
                          const uint32_t *feats, size_t nf, const size_t *off,
                          const uint32_t *nbins, double *h)
{
    size_t nc = pt_hist_ncell(K);
    double *base[ROWS_MAX_F];
    uint32_t col[ROWS_MAX_F];
    for (size_t a = 0; a < nf; a += ROWS_MAX_F) {
        size_t b = nf - a < ROWS_MAX_F ? nf : a + ROWS_MAX_F, run = 1;
        for (size_t j = a; j < b; j++) {
            size_t f = feats[j];
            base[j - a] = h + off[f];
            col[j - a] = (uint32_t)f;
            run &= f == feats[a] + (j - a);
            memset(base[j - a], 0, (size_t)nbins[f] * nc * sizeof *h);
        }
        /* a run of consecutive features reads them straight from the row */
        const uint8_t *rw = run ? rows + feats[a] : rows;
        if (y != NULL)
            rows_unit(y, idx, m, rw, stride, run ? NULL : col, b - a, base);
        else if (K == 0)
            rows_reg(r, idx, m, rw, stride, run ? NULL : col, b - a, base);
        else
            rows_cls(r, idx, m, K, rw, stride, run ? NULL : col, b - a, base);
    }
}

void pt_hist_subtract(double *h, const double *parent, const double *child, size_t ncells,
                      size_t ncell)
{
    for (size_t b = 0; b < ncells; b++, h += ncell, parent += ncell, child += ncell) {
        for (size_t i = 0; i < ncell; i++)
            h[i] = parent[i] - child[i];
        if (h[ncell - 1] == 0)
            memset(h, 0, ncell * sizeof *h);
    }
}

void pt_hist_total_y(const double *y, const uint32_t *idx, size_t m, double *tot)
{
    memset(tot, 0, 4 * sizeof *tot);
    for (size_t k = 0; k < m; k++) {
        double yi = y[idx[k]];
        tot[0] += 1.0;
        tot[1] += yi;
        tot[2] += yi * yi;
        tot[3] += 1.0;
    }
}

void pt_hist_total(const pt_hist_row_t *r, const uint32_t *idx, size_t m, size_t K,
                   double *tot)
{
    memset(tot, 0, pt_hist_ncell(K) * sizeof *tot);
    for (size_t k = 0; k < m; k++) {
        const pt_hist_row_t *q = &r[idx[k]];
        if (K == 0) {
            tot[0] += q->w;
            tot[1] += q->wy;
            tot[2] += q->wyy;
            tot[3] += q->cnt;
        } else {
            tot[q->lab] += q->w;
            tot[K] += q->cnt;
        }
    }
}
