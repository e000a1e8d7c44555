/* pt_hist.c - the histogram builder (see pt_hist.h).
 *
 * The loops are specialised by code width and by cell kind, so that the inner loop is one
 * gather of a code, a sequential read of the row's record and four (or two) adds to a cell.
 */
#include "pt_hist.h"

#include <string.h>

#define PF 24 /* rows ahead whose code is prefetched */

#define BUILD_REG(T)                                                                           \
    do {                                                                                       \
        const T *c = col;                                                                      \
        for (size_t k = 0; k < m; k++) {                                                       \
            __builtin_prefetch(c + idx[k + PF < m ? k + PF : k]);                              \
            double *x = h + 4 * (size_t)c[idx[k]];                                             \
            x[0] += r[k].w;                                                                    \
            x[1] += r[k].wy;                                                                   \
            x[2] += r[k].wyy;                                                                  \
            x[3] += r[k].cnt;                                                                  \
        }                                                                                      \
    } while (0)

#define BUILD_CLS(T)                                                                           \
    do {                                                                                       \
        const T *c = col;                                                                      \
        for (size_t k = 0; k < m; k++) {                                                       \
            __builtin_prefetch(c + idx[k + PF < m ? k + PF : k]);                              \
            double *x = h + (K + 1) * (size_t)c[idx[k]];                                       \
            x[r[k].lab] += r[k].w;                                                             \
            x[K] += r[k].cnt;                                                                  \
        }                                                                                      \
    } while (0)

void pt_hist_build(const pt_hist_row_t *r, const uint32_t *idx, size_t m, size_t K,
                   const void *col, int wide, uint32_t nbins, double *h)
{
    memset(h, 0, (size_t)nbins * pt_hist_ncell(K) * sizeof *h);
    if (K == 0) {
        if (wide)
            BUILD_REG(uint16_t);
        else
            BUILD_REG(uint8_t);
    } else {
        if (wide)
            BUILD_CLS(uint16_t);
        else
            BUILD_CLS(uint8_t);
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

void pt_hist_total(const pt_hist_row_t *r, size_t m, size_t K, double *tot)
{
    memset(tot, 0, pt_hist_ncell(K) * sizeof *tot);
    for (size_t k = 0; k < m; k++) {
        if (K == 0) {
            tot[0] += r[k].w;
            tot[1] += r[k].wy;
            tot[2] += r[k].wyy;
            tot[3] += r[k].cnt;
        } else {
            tot[r[k].lab] += r[k].w;
            tot[K] += r[k].cnt;
        }
    }
}
