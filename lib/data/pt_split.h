/* pt_split.h - deterministic assignment of rows to validation blocks (folds).
 *
 * Spark draws a uniform number per row, so its fold sizes are random. paratune shuffles the
 * row indices with a seeded Fisher-Yates shuffle (splitmix64, pt_rng_next, seeded with
 * `seed`; index j drawn as floor(r * (i + 1) / 2^64) for i = rows-1 .. 1) and cuts the
 * shuffled order into exact-size pieces, so folds differ in size by at most one row and the
 * split depends only on the seed and the row count. The algorithm is part of the documented
 * interface (README) so that other tools can reproduce a split.
 */
#ifndef PT_SPLIT_H
#define PT_SPLIT_H

#include <stddef.h>
#include <stdint.h>

/* Spark's two validators: k-fold CrossValidator and TrainValidationSplit. */
typedef enum {
    PT_VALIDATOR_CV = 1,
    PT_VALIDATOR_TVS
} pt_validator_t;

/* Name of a validator as on the command line and in the log ("cv", "tvs"), or NULL. */
const char *pt_validator_name(pt_validator_t v);
/* The validator called name: 0 with *out set, or -EINVAL. */
int pt_validator_parse(const char *name, pt_validator_t *out);

/* perm := the seeded shuffle of 0..rows-1 described above. */
void pt_split_shuffle(size_t rows, uint64_t seed, size_t *perm);

/* k-fold: the row at shuffled position i gets fold floor(i * k / rows). Needs 2 <= k <= rows.
 * Returns 0 or -EINVAL with the reason in err. */
int pt_split_kfold(size_t rows, int k, uint64_t seed, int32_t *fold, char *err);

/* train/validation: the first round(ratio * rows) shuffled positions (at least 1, at most
 * rows - 1) are block 0 (train), the rest block 1 (validation). Needs rows >= 2 and
 * 0 < ratio < 1. Returns 0 or -EINVAL with the reason in err. */
int pt_split_tvs(size_t rows, double ratio, uint64_t seed, int32_t *fold, char *err);

/* Stratified versions (scikit-learn's StratifiedKFold idea; Spark has none): rows are taken
 * in the seeded shuffle order above, grouped by class (classes ascending, a stable
 * partition), and k-fold deals that sequence round-robin: position i gets fold i mod k, so
 * every fold holds each class's share to within one row. tvs: within each class c of n_c
 * rows, the first round(ratio * n_c) train. label holds class ids 0..nclasses-1.
 * Returns 0 or -EINVAL with the reason in err (a fold or the validation set empty). */
int pt_split_kfold_strat(size_t rows, const double *label, size_t nclasses, int k,
                         uint64_t seed, int32_t *fold, char *err);
int pt_split_tvs_strat(size_t rows, const double *label, size_t nclasses, double ratio,
                       uint64_t seed, int32_t *fold, char *err);

#endif
