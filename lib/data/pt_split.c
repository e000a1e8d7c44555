/* pt_split.c - seeded shuffles and exact-size fold / train-validation assignment.
 *
 * See pt_split.h for the algorithm, which is documented for users and must not change
 * without a log format version bump (a resumed sweep relies on the same split).
 */
#include "pt_split.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"

static const char *const validator_names[] = {
    [PT_VALIDATOR_CV] = "cv", [PT_VALIDATOR_TVS] = "tvs",
};

const char *pt_validator_name(pt_validator_t v)
{
    if (v >= PT_VALIDATOR_CV && v <= PT_VALIDATOR_TVS)
        return validator_names[v];
    return NULL;
}

int pt_validator_parse(const char *name, pt_validator_t *out)
{
    for (int v = PT_VALIDATOR_CV; name != NULL && v <= PT_VALIDATOR_TVS; v++)
        if (strcmp(name, validator_names[v]) == 0) {
            *out = (pt_validator_t)v;
            return 0;
        }
    return -EINVAL;
}

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

/* A new array holding the shuffle of 0..rows-1 (the caller frees it), or NULL with err set
 * when out of memory. */
static size_t *shuffled(size_t rows, uint64_t seed, char *err)
{
    size_t *perm = malloc(rows * sizeof *perm);
    if (perm == NULL)
        pt_seterr(err, "out of memory");
    else
        pt_split_shuffle(rows, seed, perm);
    return perm;
}

int pt_split_kfold(size_t rows, int k, uint64_t seed, int32_t *fold, char *err)
{
    size_t *perm;
    if (k < 2 || (size_t)k > rows) {
        pt_seterr(err, "numFolds must be in [2, %zu rows], got %d", rows, k);
        return -EINVAL;
    }
    if ((perm = shuffled(rows, seed, err)) == NULL)
        return -ENOMEM;
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
    if ((perm = shuffled(rows, seed, err)) == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < rows; i++)
        fold[perm[i]] = i < ntrain ? 0 : 1;
    free(perm);
    return 0;
}

/* The shuffle of 0..rows-1 stably partitioned by class, classes ascending; *pcount gets a
 * new array of the class sizes. Both owned by the caller; NULL (err set) when out of memory. */
static size_t *class_order(size_t rows, const double *label, size_t nclasses, uint64_t seed,
                           size_t **pcount, char *err)
{
    size_t *perm = malloc(rows * sizeof *perm), *out = malloc(rows * sizeof *out);
    size_t *start = calloc(nclasses + 1, sizeof *start);
    size_t *count = calloc(nclasses ? nclasses : 1, sizeof *count);
    if (perm == NULL || out == NULL || start == NULL || count == NULL) {
        free(perm);
        free(out);
        free(start);
        free(count);
        pt_seterr(err, "out of memory");
        return NULL;
    }
    *pcount = count;
    pt_split_shuffle(rows, seed, perm);
    for (size_t i = 0; i < rows; i++)
        count[(size_t)label[i]]++;
    for (size_t c = 0; c < nclasses; c++)
        start[c + 1] = start[c] + count[c];
    for (size_t i = 0; i < rows; i++)
        out[start[(size_t)label[perm[i]]]++] = perm[i];
    free(perm);
    free(start);
    return out;
}

int pt_split_kfold_strat(size_t rows, const double *label, size_t nclasses, int k,
                         uint64_t seed, int32_t *fold, char *err)
{
    size_t *order, *count;
    if (k < 2 || (size_t)k > rows) {
        pt_seterr(err, "numFolds must be in [2, %zu rows], got %d", rows, k);
        return -EINVAL;
    }
    order = class_order(rows, label, nclasses, seed, &count, err);
    if (order == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < rows; i++)
        fold[order[i]] = (int32_t)(i % (size_t)k);
    free(order);
    free(count);
    return 0;
}

int pt_split_tvs_strat(size_t rows, const double *label, size_t nclasses, double ratio,
                       uint64_t seed, int32_t *fold, char *err)
{
    size_t *order, *count, ntrain = 0, at = 0;
    if (!(ratio > 0.0 && ratio < 1.0)) {
        pt_seterr(err, "trainRatio must be in (0, 1), got %g", ratio);
        return -EINVAL;
    }
    order = class_order(rows, label, nclasses, seed, &count, err);
    if (order == NULL)
        return -ENOMEM;
    for (size_t c = 0; c < nclasses; c++) {
        size_t nt = (size_t)llround(ratio * (double)count[c]);
        for (size_t i = 0; i < count[c]; i++)
            fold[order[at + i]] = i < nt ? 0 : 1;
        at += count[c];
        ntrain += nt;
    }
    free(order);
    free(count);
    if (ntrain == 0 || ntrain == rows) {
        pt_seterr(err, "a stratified split with trainRatio %g leaves the %s set empty", ratio,
                  ntrain == 0 ? "training" : "validation");
        return -EINVAL;
    }
    return 0;
}
