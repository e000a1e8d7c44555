/* pt_synth.c - synthetic regression data for `paratune gen` (see pt_synth.h). */
#include "pt_synth.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"

/* Latent rank r = features / 4 clamped to [1, 10]: 100 features have 10 latent directions
 * that hold nearly all the variance. The draws, in this order, from one splitmix64 stream
 * seeded with seed ^ "paratune" (so the data never shares a stream with a fold split run with
 * the same seed): L (r x p, row-major), beta (p), then per row z (r), the p feature noises,
 * the label noise. x = z L + 0.1 * noise, label = x . beta + 3 + 0.5 * noise. */
pt_dataset_t *pt_synth_regression(size_t rows, size_t features, uint64_t seed)
{
    pt_dataset_t *ds = NULL, *res = NULL;
    double *L = NULL, *beta = NULL, z[10];
    size_t r = features / 4, p = features;
    uint64_t st = seed ^ 0x7061726174756e65ULL;

    if (r < 1)
        r = 1;
    if (r > 10)
        r = 10;
    ds = pt_dataset_new(PT_FMT_CSV);
    if (ds == NULL || (p != 0 && rows > SIZE_MAX / sizeof(double) / p))
        goto out;
    ds->rows = rows;
    ds->features = p;
    ds->x = pt_alloc_array(rows * p, sizeof(double), 0);
    ds->y = pt_alloc_array(rows, sizeof(double), 0);
    L = pt_alloc_array(r * p, sizeof(double), 0);
    beta = pt_alloc_array(p, sizeof(double), 0);
    if (ds->x == NULL || ds->y == NULL || L == NULL || beta == NULL ||
        pt_dataset_name_features(ds, 0) != 0)
        goto out;
    for (size_t k = 0; k < r * p; k++)
        L[k] = pt_rng_normal(&st);
    for (size_t j = 0; j < p; j++)
        beta[j] = pt_rng_normal(&st);
    for (size_t i = 0; i < rows; i++) {
        double *x = ds->x + i * p, lab = 3.0;
        for (size_t k = 0; k < r; k++)
            z[k] = pt_rng_normal(&st);
        for (size_t j = 0; j < p; j++) {
            double s = 0.0;
            for (size_t k = 0; k < r; k++)
                s += z[k] * L[k * p + j];
            x[j] = s + 0.1 * pt_rng_normal(&st);
            lab += x[j] * beta[j];
        }
        ds->y[i] = lab + 0.5 * pt_rng_normal(&st);
    }
    res = ds;
    ds = NULL;
out:
    pt_dataset_destroy(&ds);
    free(L);
    free(beta);
    return res;
}
