/* pt_moments.h - sufficient statistics of a set of rows: count, means, centred scatter matrices.
 *
 * Every stage paratune fits (pca, linearRegression with the normal equations) needs only
 * these moments of its input, and every feature transform it applies is affine, so a pipeline
 * is fit from the moments of the raw training rows without copying or transforming the
 * feature matrix: per-block moments are computed in place on the shared-memory image (BLAS
 * dsyrk over small centred chunks, for accuracy), combined across blocks (Chan et al.'s
 * pairwise update) and pushed through each fitted affine stage.
 */
#ifndef PT_MOMENTS_H
#define PT_MOMENTS_H

#include <stddef.h>

typedef struct {
    size_t p;     /* number of features */
    double n;     /* number of rows; of weighted moments the sum of the weights */
    double *mean; /* p: column means */
    double *S;    /* p x p row-major, full symmetric: sum_i (x_i - mean)(x_i - mean)^T */
    double *sxy;  /* p: sum_i (x_i - mean)(y_i - ymean) */
    double ymean; /* label mean */
    double syy;   /* sum_i (y_i - ymean)^2 */
    double *min, *max; /* p: column minimum and maximum (NaN values skipped); +inf / -inf for
                        * no rows; NaN when not known (after an affine map that is not
                        * diagonal: pt_moments_range_known) */
} pt_moments_t;

/* A zeroed moments object for p features (n = 0). Owned; NULL when out of memory. */
pt_moments_t *pt_moments_new(size_t p);
/* Frees; accepts NULL and *pm == NULL; sets *pm to NULL. */
void pt_moments_destroy(pt_moments_t **pm);
/* Resets m to the empty set (n = 0, everything 0). */
void pt_moments_clear(pt_moments_t *m);
/* Copies src into dst (same p). */
void pt_moments_copy(pt_moments_t *dst, const pt_moments_t *src);

/* Sets m to the moments of n rows: x is n x m->p row-major with leading dimension m->p, y has
 * n labels (y may be NULL: label moments are then 0). Two passes: means (and minima and
 * maxima), then dsyrk/dgemv
 * over centred chunks of at most a few hundred rows copied to a small scratch buffer (never
 * the whole block). Returns 0, or -ENOMEM. */
int pt_moments_from_rows(pt_moments_t *m, const double *x, const double *y, size_t n);

/* For tests: which row loops pt_moments_from_rows uses: 0 the best this CPU has (the
 * default), 1 the plain loops, 2 SSE2's, 3 AVX2's (where the CPU has it; else the best).
 * Every choice gives the same bits. */
void pt_moments_set_loops(int which);

/* Sets m to the weighted moments of n rows with weights w (n entries, finite, >= 0), as
 * Spark's weighted summaries (WeightedLeastSquares' aggregator) form them: n := sum w,
 * mean := sum w x / sum w, S := sum w (x - mean)(x - mean)^T, sxy, ymean and syy alike; a
 * row of weight 0 adds nothing (not to min and max either, as Spark skips such rows). Every
 * other consumer reads them as it reads unweighted moments. With a total weight of 0 m is
 * the empty set. The same two passes as pt_moments_from_rows, on rows scaled by sqrt(w).
 * Returns 0, or -ENOMEM. */
int pt_moments_from_rows_w(pt_moments_t *m, const double *x, const double *y, const double *w,
                           size_t n);

/* dst := moments of the union of the rows behind dst and src (same p); exact pairwise
 * combination. Either side may be empty (n = 0). */
void pt_moments_merge(pt_moments_t *dst, const pt_moments_t *src);

/* out := moments of z = A^T x + c for rows x behind in: A is in->p x q row-major, c has q
 * entries or is NULL for 0. out must have p == q. mean_z = A^T mean + c, S_z = A^T S A,
 * sxy_z = A^T sxy; n, ymean, syy carried over. A diagonal A (q == p, every other entry 0)
 * maps min and max exactly (z_j = a_j x_j + c_j is monotone); any other leaves them NaN (a
 * projection's range is not a function of the moments). Returns 0 or -ENOMEM. */
int pt_moments_affine(const pt_moments_t *in, const double *A, const double *c, size_t q,
                      pt_moments_t *out);

/* 1 when m's min and max are known (no NaN among them), else 0. */
int pt_moments_range_known(const pt_moments_t *m);

#endif
