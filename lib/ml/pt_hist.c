/* pt_hist.c - the histogram builder (see pt_hist.h).
 *
 * The loops are specialised by code width and by cell kind, so that the inner loop is one
 * gather of a code and four (or two) adds to a cell.
 */
#include "pt_hist.h"

#include <string.h>

#define BUILD_REG(T)                                                                           \
    do {                                                                                       \
        const T *c = col;                                                                      \
        for (size_t k = 0; k < m; k++) {                                                       \
            uint32_t i = idx[k];                                                               \
            double *x = h + 4 * (size_t)c[i];                                                  \
            x[0] += r->w[i];                                                                   \
            x[1] += r->wy[i];                                                                  \
            x[2] += r->wyy[i];                                                                 \
            x[3] += r->cnt[i];                                                                 \
        }                                                                                      \
    } while (0)

#define BUILD_CLS(T)                                                                           \
    do {                                                                                       \
        const T *c = col;                                                                      \
        size_t nc = K + 1;                                                                     \
        for (size_t k = 0; k < m; k++) {                                                       \
            uint32_t i = idx[k];                                                               \
            double *x = h + nc * (size_t)c[i];                                                 \
            x[r->lab[i]] += r->w[i];                                                           \
            x[K] += r->cnt[i];                                                                 \
        }                                                                                      \
    } while (0)

void pt_hist_build(const pt_hist_rows_t *r, const void *col, int wide, const uint32_t *idx,
                   size_t m, uint32_t nbins, double *h)
{
    size_t K = r->nclasses;
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

void pt_hist_total(const pt_hist_rows_t *r, const uint32_t *idx, size_t m, double *tot)
{
    size_t K = r->nclasses;
    memset(tot, 0, pt_hist_ncell(K) * sizeof *tot);
    for (size_t k = 0; k < m; k++) {
        uint32_t i = idx[k];
        if (K == 0) {
            tot[0] += r->w[i];
            tot[1] += r->wy[i];
            tot[2] += r->wyy[i];
            tot[3] += r->cnt[i];
        } else {
            tot[r->lab[i]] += r->w[i];
            tot[K] += r->cnt[i];
        }
    }
}
