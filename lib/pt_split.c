/* pt_split.c - seeded shuffles and exact-size fold / train-validation assignment.
 *
 * See pt_split.h for the algorithm, which is documented for users and must not change
 * without a log format version bump (a resumed sweep relies on the same split).
 */
#include "pt_split.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "pt_common.h"

void pt_split_shuffle(size_t rows, uint64_t seed, size_t *perm)
{
    uint64_t st = seed;
    for (size_t i = 0; i < rows; i++)
        perm[i] = i;
    for (size_t i = rows; i-- > 1;) {
        uint64_t r = pt_rng_next(&st);
        size_t j = (size_t)(((unsigned __int128)r * (uint64_t)(i + 1)) >> 64);
        size_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

int pt_split_kfold(size_t rows, int k, uint64_t seed, int32_t *fold, char *err)
{
    size_t *perm;
    if (k < 2 || (size_t)k > rows) {
        pt_seterr(err, "numFolds must be in [2, %zu rows], got %d", rows, k);
        return -EINVAL;
    }
    perm = malloc(rows * sizeof *perm);
    if (perm == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    pt_split_shuffle(rows, seed, perm);
    for (size_t i = 0; i < rows; i++)
        fold[perm[i]] = (int32_t)(((unsigned __int128)i * (unsigned)k) / rows);
    free(perm);
    return 0;
}

int pt_split_tvs(size_t rows, double ratio, uint64_t seed, int32_t *fold, char *err)
{
    size_t *perm, ntrain;
    if (!(ratio > 0.0 && ratio < 1.0)) {
        pt_seterr(err, "trainRatio must be in (0, 1), got %g", ratio);
        return -EINVAL;
    }
    if (rows < 2) {
        pt_seterr(err, "train/validation split needs at least 2 rows, got %zu", rows);
        return -EINVAL;
    }
    ntrain = (size_t)llround(ratio * (double)rows);
    if (ntrain < 1)
        ntrain = 1;
    if (ntrain > rows - 1)
        ntrain = rows - 1;
    perm = malloc(rows * sizeof *perm);
    if (perm == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    pt_split_shuffle(rows, seed, perm);
    for (size_t i = 0; i < rows; i++)
        fold[perm[i]] = i < ntrain ? 0 : 1;
    free(perm);
    return 0;
}
