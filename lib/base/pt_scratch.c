/* pt_scratch.c - the working arrays of a numeric routine in one allocation (see
 * pt_scratch.h). */
#include "pt_scratch.h"

#include <stdint.h>
#include <stdlib.h>

/* n rounded up to an even count, so that the next array stays 16-byte aligned. */
static size_t scratch__even(size_t n)
{
    return n + (n & 1);
}

double *pt_scratch_alloc(double **const v[], const size_t n[], size_t k)
{
    size_t total = 0, at = 0;
    double *block;

    for (size_t i = 0; i < k; i++) {
        if (n[i] > SIZE_MAX / sizeof(double) - 1 - total)
            return NULL; /* the block's size in bytes would not fit a size_t */
        total += scratch__even(n[i]);
    }
    block = malloc((total > 0 ? total : 1) * sizeof(double));
    if (block == NULL)
        return NULL;
    for (size_t i = 0; i < k; i++) {
        *v[i] = block + at;
        at += scratch__even(n[i]);
    }
    return block;
}
