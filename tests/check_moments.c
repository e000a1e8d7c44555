/* check_moments.c - unit tests of pt_moments: chunked two-pass moments, merge, affine maps,
 * each column's range (min and max), and weighted moments.
 *
 * References are computed here, independently of the code under test: naive double loops in
 * long double over the rows (or over explicitly transformed rows for the affine map).
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_moments.h"

/* Naive reference moments, accumulated in long double. */
typedef struct {
    size_t p;
    long double n, ymean, syy;
    long double *mean, *S, *sxy;
} ref_mom_t;

static void ref_init(ref_mom_t *r, size_t p)
{
    r->p = p;
    r->mean = calloc(p, sizeof(long double));
    r->S = calloc(p * p, sizeof(long double));
    r->sxy = calloc(p, sizeof(long double));
    ck_assert(r->mean != NULL && r->S != NULL && r->sxy != NULL);
}

static void ref_free(ref_mom_t *r)
{
    free(r->mean);
    free(r->S);
    free(r->sxy);
}

static void ref_moments(ref_mom_t *r, const double *x, const double *y, size_t n, size_t p)
{
    ref_init(r, p);
    r->n = n;
    r->ymean = 0;
    r->syy = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < p; j++)
            r->mean[j] += x[i * p + j];
        if (y != NULL)
            r->ymean += y[i];
    }
    for (size_t j = 0; j < p; j++)
        r->mean[j] /= n;
    r->ymean /= n;
    for (size_t i = 0; i < n; i++) {
        long double dy = y != NULL ? y[i] - r->ymean : 0;
        for (size_t a = 0; a < p; a++) {
            long double da = x[i * p + a] - r->mean[a];
            for (size_t b = 0; b < p; b++)
                r->S[a * p + b] += da * (x[i * p + b] - r->mean[b]);
            r->sxy[a] += da * dy;
        }
        r->syy += dy * dy;
    }
}

/* |got - want| <= rel * scale, element by element; scale for S[a][b] is sqrt(S_aa S_bb). */
static void assert_matches(const pt_moments_t *m, const ref_mom_t *r, double rel)
{
    size_t p = r->p;
    ck_assert_uint_eq(m->p, p);
    ck_assert(fabs(m->n - (double)r->n) == 0.0);
    for (size_t a = 0; a < p; a++) {
        double sc = fabsl(r->mean[a]) + sqrtl(r->S[a * p + a] / r->n) + 1e-300;
        ck_assert_msg(fabs(m->mean[a] - (double)r->mean[a]) <= rel * sc,
                      "mean[%zu] %.17g vs %.17Lg", a, m->mean[a], r->mean[a]);
        for (size_t b = 0; b < p; b++) {
            double s2 = sqrtl(r->S[a * p + a] * r->S[b * p + b]) + 1e-300;
            ck_assert_msg(fabs(m->S[a * p + b] - (double)r->S[a * p + b]) <= rel * s2,
                          "S[%zu][%zu] %.17g vs %.17Lg", a, b, m->S[a * p + b], r->S[a * p + b]);
            ck_assert(m->S[a * p + b] == m->S[b * p + a]);
        }
        {
            double s2 = sqrtl(r->S[a * p + a] * r->syy) + 1e-300;
            ck_assert_msg(fabs(m->sxy[a] - (double)r->sxy[a]) <= rel * s2,
                          "sxy[%zu] %.17g vs %.17Lg", a, m->sxy[a], r->sxy[a]);
        }
    }
    ck_assert(fabs(m->ymean - (double)r->ymean) <= rel * (fabsl(r->ymean) + sqrtl(r->syy / r->n)));
    ck_assert(fabs(m->syy - (double)r->syy) <= rel * ((double)r->syy + 1e-300));
}

/* n x p rows with column j shifted by offset * (j + 1) and scaled by (j + 1), correlated via
 * a shared latent, and labels y = sum x + noise. Caller frees *x and *y. */
static void make_rows(size_t n, size_t p, double offset, uint64_t seed, double **x, double **y)
{
    uint64_t st = seed;
    *x = malloc(n * p * sizeof(double));
    *y = malloc(n * sizeof(double));
    ck_assert(*x != NULL && *y != NULL);
    for (size_t i = 0; i < n; i++) {
        double z = pt_rng_normal(&st), s = 0;
        for (size_t j = 0; j < p; j++) {
            double v = offset * (double)(j + 1) + (double)(j + 1) * (pt_rng_normal(&st) + 0.5 * z);
            (*x)[i * p + j] = v;
            s += v;
        }
        (*y)[i] = 0.3 * s + pt_rng_normal(&st) + offset;
    }
}

START_TEST(test_from_rows_vs_naive)
{
    /* 1037 rows: four full chunks of 256 and a partial one; means far from 0 test centring. */
    size_t n = 1037, p = 7;
    double *x, *y;
    ref_mom_t r;
    pt_moments_t *m = pt_moments_new(p);
    ck_assert_ptr_nonnull(m);
    make_rows(n, p, 1e4, 11, &x, &y);
    ck_assert_int_eq(pt_moments_from_rows(m, x, y, n), 0);
    ref_moments(&r, x, y, n, p);
    assert_matches(m, &r, 1e-12);
    ref_free(&r);

    /* Small blocks: fewer rows than a chunk, and a single row (scatter exactly 0). */
    ck_assert_int_eq(pt_moments_from_rows(m, x, y, 5), 0);
    ref_moments(&r, x, y, 5, p);
    assert_matches(m, &r, 1e-12);
    ref_free(&r);
    ck_assert_int_eq(pt_moments_from_rows(m, x + 3 * p, y + 3, 1), 0);
    ck_assert(m->n == 1.0 && m->syy == 0.0 && m->ymean == y[3]);
    for (size_t j = 0; j < p; j++) {
        ck_assert(m->mean[j] == x[3 * p + j]);
        for (size_t k = 0; k < p; k++)
            ck_assert(m->S[j * p + k] == 0.0);
    }
    free(x);
    free(y);
    pt_moments_destroy(&m);
    ck_assert_ptr_null(m);
}
END_TEST

/* a and b are the same double, bit for bit (any NaN matches any NaN). */
static int same_bits(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* a and b hold the same moments, bit for bit. */
static void same_moments(const pt_moments_t *a, const pt_moments_t *b, const char *what,
                         int which, size_t n)
{
    size_t p = a->p;
    ck_assert_msg(same_bits(a->n, b->n) && same_bits(a->ymean, b->ymean) &&
                  same_bits(a->syy, b->syy), "%s: loops %d n %zu p %zu", what, which, n, p);
    for (size_t j = 0; j < p; j++) {
        ck_assert_msg(same_bits(a->mean[j], b->mean[j]) && same_bits(a->sxy[j], b->sxy[j]) &&
                      same_bits(a->min[j], b->min[j]) && same_bits(a->max[j], b->max[j]),
                      "%s: loops %d n %zu p %zu column %zu", what, which, n, p, j);
        for (size_t k = 0; k < p; k++)
            ck_assert_msg(same_bits(a->S[j * p + k], b->S[j * p + k]),
                          "%s: loops %d n %zu p %zu S[%zu][%zu]", what, which, n, p, j, k);
    }
}

/* The row loops chosen by which (vectorised, with row and column tails) against the plain
 * loops on the same n x p rows, bit for bit: unweighted against the weighted path with every
 * weight 1 (the same operations in the same order), and weighted (a quarter of the weights
 * 0) against itself. The rows start 8 bytes off x's alignment and hold a constant column, a
 * NaN (nan) or an infinity, and signed zeros. */
static void loops_match(int which, size_t n, size_t p, uint64_t seed, int nan)
{
    double *x, *y, *xs = malloc((n * p + 1) * sizeof(double)), *w = malloc(n * sizeof(double)),
                   *wr = malloc(n * sizeof(double));
    pt_moments_t *m = pt_moments_new(p), *mw = pt_moments_new(p), *m2 = pt_moments_new(p),
                 *mwr = pt_moments_new(p);
    uint64_t st = seed + 7;
    ck_assert(xs != NULL && w != NULL && wr != NULL && m != NULL && mw != NULL && m2 != NULL &&
              mwr != NULL);
    make_rows(n, p, 1e3, seed, &x, &y);
    for (size_t i = 0; i < n; i++) {
        double u = pt_rng_uniform(&st);
        w[i] = 1.0;
        wr[i] = u < 0.25 ? 0.0 : 4.0 * u;
        if (p > 1)
            x[i * p + 1] = 2.5; /* constant */
        if (p > 3 && i == n / 2)
            x[i * p + 3] = nan ? NAN : INFINITY;
        if (p > 4)
            x[i * p + 4] = (i & 1) ? -0.0 : 0.0;
    }
    memcpy(xs + 1, x, n * p * sizeof(double));
    pt_moments_set_loops(1);
    ck_assert_int_eq(pt_moments_from_rows_w(mw, x, y, w, n), 0);
    ck_assert_int_eq(pt_moments_from_rows_w(mwr, x, y, wr, n), 0);
    pt_moments_set_loops(which);
    ck_assert_int_eq(pt_moments_from_rows(m, xs + 1, y, n), 0);
    ck_assert_int_eq(pt_moments_from_rows_w(m2, xs + 1, y, wr, n), 0);
    pt_moments_set_loops(0);
    same_moments(m, mw, "unweighted", which, n);
    same_moments(m2, mwr, "weighted", which, n);
    if (p > 1) /* the constant column is exact */
        ck_assert(m->mean[1] == 2.5 && m->S[1 * p + 1] == 0.0 && m->min[1] == 2.5);
    free(x);
    free(y);
    free(xs);
    free(w);
    free(wr);
    pt_moments_destroy(&m);
    pt_moments_destroy(&mw);
    pt_moments_destroy(&m2);
    pt_moments_destroy(&mwr);
}

/* Every shape around the vector widths (2, 4), the four rows at a time and the chunks, with
 * each choice of loops: this CPU's best, plain, SSE2, AVX2. */
START_TEST(test_row_loops_match_the_plain_loops)
{
    static const size_t ns[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 1023, 1024, 1025, 1029, 2051};
    static const size_t ps[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17};
    for (int which = 0; which <= 3; which++)
        for (size_t a = 0; a < sizeof ns / sizeof *ns; a++)
            for (size_t b = 0; b < sizeof ps / sizeof *ps; b++)
                loops_match(which, ns[a], ps[b], 100 * a + b, (int)(a & 1));
}
END_TEST

START_TEST(test_no_labels_and_empty)
{
    size_t n = 300, p = 3;
    double *x, *y;
    pt_moments_t *m = pt_moments_new(p);
    ck_assert_ptr_nonnull(m);
    make_rows(n, p, 1.0, 5, &x, &y);
    ck_assert_int_eq(pt_moments_from_rows(m, x, NULL, n), 0);
    ck_assert(m->ymean == 0.0 && m->syy == 0.0);
    for (size_t j = 0; j < p; j++)
        ck_assert(m->sxy[j] == 0.0);
    ck_assert(m->S[0] > 0.0);
    ck_assert_int_eq(pt_moments_from_rows(m, x, y, 0), 0);
    ck_assert(m->n == 0.0 && m->S[0] == 0.0 && m->mean[0] == 0.0);
    free(x);
    free(y);
    pt_moments_destroy(&m);
    pt_moments_destroy(&m); /* NULL-safe */
    pt_moments_destroy(NULL);
}
END_TEST

START_TEST(test_constant_column_exact)
{
    /* 0.1 is not a dyadic rational: sum/n would not give it back exactly. */
    size_t n = 777, p = 3;
    double *x, *y;
    pt_moments_t *m = pt_moments_new(p), *m2 = pt_moments_new(p);
    ck_assert(m != NULL && m2 != NULL);
    make_rows(n, p, 0.0, 9, &x, &y);
    for (size_t i = 0; i < n; i++) {
        x[i * p + 1] = 0.1;
        y[i] = 0.7;
    }
    ck_assert_int_eq(pt_moments_from_rows(m, x, y, 400), 0);
    ck_assert_int_eq(pt_moments_from_rows(m2, x + 400 * p, y + 400, n - 400), 0);
    pt_moments_merge(m, m2);
    ck_assert(m->mean[1] == 0.1 && m->ymean == 0.7 && m->syy == 0.0);
    for (size_t j = 0; j < p; j++) {
        ck_assert(m->S[1 * p + j] == 0.0 && m->S[j * p + 1] == 0.0);
        ck_assert(m->sxy[j] == 0.0);
    }
    ck_assert(m->S[0] > 0.0);
    free(x);
    free(y);
    pt_moments_destroy(&m);
    pt_moments_destroy(&m2);
}
END_TEST

START_TEST(test_merge_equals_concatenation)
{
    size_t n = 900, na = 317, p = 5;
    double *x, *y;
    ref_mom_t r;
    pt_moments_t *a = pt_moments_new(p), *b = pt_moments_new(p), *e = pt_moments_new(p);
    ck_assert(a != NULL && b != NULL && e != NULL);
    make_rows(n, p, 3.0, 21, &x, &y);
    /* Give the second block a different mean so the delta term matters. */
    for (size_t i = na; i < n; i++) {
        for (size_t j = 0; j < p; j++)
            x[i * p + j] += 50.0;
        y[i] -= 20.0;
    }
    ref_moments(&r, x, y, n, p);
    ck_assert_int_eq(pt_moments_from_rows(a, x, y, na), 0);
    ck_assert_int_eq(pt_moments_from_rows(b, x + na * p, y + na, n - na), 0);
    pt_moments_merge(a, b);
    assert_matches(a, &r, 1e-12);
    /* ... and the code's own moments of the concatenation, to 1e-12 relative. */
    ck_assert_int_eq(pt_moments_from_rows(b, x, y, n), 0);
    for (size_t i = 0; i < p; i++) {
        ck_assert(fabs(a->mean[i] - b->mean[i]) <= 1e-12 * fabs(b->mean[i]));
        ck_assert(fabs(a->sxy[i] - b->sxy[i]) <= 1e-12 * sqrt(b->S[i * p + i] * b->syy));
        for (size_t j = 0; j < p; j++)
            ck_assert(fabs(a->S[i * p + j] - b->S[i * p + j]) <=
                      1e-12 * sqrt(b->S[i * p + i] * b->S[j * p + j]));
    }
    ck_assert(fabs(a->syy - b->syy) <= 1e-12 * b->syy);
    ck_assert(fabs(a->ymean - b->ymean) <= 1e-12 * fabs(b->ymean));

    /* Empty on either side is the identity. */
    pt_moments_merge(a, e);
    assert_matches(a, &r, 1e-12);
    pt_moments_merge(e, a);
    assert_matches(e, &r, 1e-12);

    /* clear and copy */
    pt_moments_clear(e);
    ck_assert(e->n == 0.0 && e->S[0] == 0.0 && e->sxy[0] == 0.0 && e->syy == 0.0);
    pt_moments_copy(e, a);
    assert_matches(e, &r, 1e-12);
    ref_free(&r);
    free(x);
    free(y);
    pt_moments_destroy(&a);
    pt_moments_destroy(&b);
    pt_moments_destroy(&e);
}
END_TEST

START_TEST(test_affine_push_through)
{
    size_t n = 600, p = 6, q = 3;
    double *x, *y, *z, A[6 * 3], c[3] = {1.5, -2.0, 100.0};
    uint64_t st = 77;
    ref_mom_t r;
    pt_moments_t *m = pt_moments_new(p), *out = pt_moments_new(q);
    ck_assert(m != NULL && out != NULL);
    make_rows(n, p, 7.0, 31, &x, &y);
    for (size_t i = 0; i < p * q; i++)
        A[i] = pt_rng_normal(&st);
    /* Explicitly transformed rows z_i = A^T x_i + c, computed in long double. */
    z = malloc(n * q * sizeof(double));
    ck_assert_ptr_nonnull(z);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < q; k++) {
            long double s = c[k];
            for (size_t j = 0; j < p; j++)
                s += (long double)A[j * q + k] * x[i * p + j];
            z[i * q + k] = (double)s;
        }
    ref_moments(&r, z, y, n, q);
    ck_assert_int_eq(pt_moments_from_rows(m, x, y, n), 0);
    ck_assert_int_eq(pt_moments_affine(m, A, c, q, out), 0);
    assert_matches(out, &r, 1e-11);
    ref_free(&r);

    /* c = NULL means 0. */
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < q; k++)
            z[i * q + k] -= c[k];
    ref_moments(&r, z, y, n, q);
    ck_assert_int_eq(pt_moments_affine(m, A, NULL, q, out), 0);
    assert_matches(out, &r, 1e-11);
    ref_free(&r);
    free(z);
    free(x);
    free(y);
    pt_moments_destroy(&m);
    pt_moments_destroy(&out);
}
END_TEST

/* The exact range of column j of n rows (NaN skipped), by a plain loop. */
static void naive_range(const double *x, size_t n, size_t p, size_t j, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double v = x[i * p + j];
        if (v < *lo)
            *lo = v;
        if (v > *hi)
            *hi = v;
    }
}

START_TEST(test_range_rows_and_merge)
{
    /* Blocks of 0, 1, 250 and 1300 rows (a partial chunk, several chunks); column 2 constant,
     * column 3 with a NaN, which the range skips and which makes its mean NaN. */
    size_t n = 1551, p = 4, cuts[] = {0, 0, 1, 251, 1551};
    double *x, *y, lo, hi;
    pt_moments_t *m = pt_moments_new(p), *sum = pt_moments_new(p), *all = pt_moments_new(p);
    ck_assert(m != NULL && sum != NULL && all != NULL);
    for (size_t j = 0; j < p; j++) /* an empty set: +inf / -inf, which count as known */
        ck_assert(sum->min[j] == INFINITY && sum->max[j] == -INFINITY);
    ck_assert_int_eq(pt_moments_range_known(sum), 1);
    make_rows(n, p, 5.0, 41, &x, &y);
    for (size_t i = 0; i < n; i++)
        x[i * p + 2] = -0.3;
    x[700 * p + 3] = NAN;
    for (size_t b = 0; b + 1 < sizeof cuts / sizeof cuts[0]; b++) {
        size_t r0 = cuts[b], rows = cuts[b + 1] - cuts[b];
        ck_assert_int_eq(pt_moments_from_rows(m, x + r0 * p, y + r0, rows), 0);
        for (size_t j = 0; j < p; j++) {
            naive_range(x + r0 * p, rows, p, j, &lo, &hi);
            ck_assert(m->min[j] == lo && m->max[j] == hi);
        }
        pt_moments_merge(sum, m);
    }
    ck_assert_int_eq(pt_moments_from_rows(all, x, y, n), 0);
    for (size_t j = 0; j < p; j++) {
        naive_range(x, n, p, j, &lo, &hi);
        ck_assert_msg(sum->min[j] == lo && sum->max[j] == hi && all->min[j] == lo &&
                      all->max[j] == hi, "column %zu", j);
    }
    ck_assert(all->min[2] == -0.3 && all->max[2] == -0.3 && all->mean[2] == -0.3);
    ck_assert(all->S[2 * p + 2] == 0.0);
    ck_assert(isnan(all->mean[3]) && !isnan(all->min[3]) && all->min[3] < all->max[3]);
    /* with itself, copy, clear */
    pt_moments_merge(sum, sum);
    ck_assert(sum->min[0] == all->min[0] && sum->max[0] == all->max[0]);
    pt_moments_copy(m, all);
    ck_assert_mem_eq(m->min, all->min, p * sizeof(double));
    ck_assert_mem_eq(m->max, all->max, p * sizeof(double));
    pt_moments_clear(m);
    ck_assert(m->min[1] == INFINITY && m->max[1] == -INFINITY);
    /* a range not known (NaN) on either side stays not known */
    all->min[1] = NAN;
    pt_moments_merge(sum, all);
    ck_assert_int_eq(pt_moments_range_known(sum), 0);
    ck_assert(isnan(sum->min[1]) && !isnan(sum->max[1]) && !isnan(sum->min[0]));
    free(x);
    free(y);
    pt_moments_destroy(&m);
    pt_moments_destroy(&sum);
    pt_moments_destroy(&all);
}
END_TEST

START_TEST(test_range_affine)
{
    /* A diagonal map (positive, negative and zero scales) maps the range exactly: the range
     * of the transformed rows, computed the same way in double, bit for bit. */
    size_t n = 500, p = 3;
    double *x, *y, *z, A[9] = {2.5, 0, 0, 0, -0.125, 0, 0, 0, 0}, c[3] = {1.0, -3.0, 7.5};
    double B[6] = {1, 0, 0, 1, 1, 0}, lo, hi;
    pt_moments_t *m = pt_moments_new(p), *out = pt_moments_new(p), *o2 = pt_moments_new(2);
    ck_assert(m != NULL && out != NULL && o2 != NULL);
    make_rows(n, p, 2.0, 43, &x, &y);
    z = malloc(n * p * sizeof(double));
    ck_assert_ptr_nonnull(z);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++)
            z[i * p + j] = A[j * p + j] * x[i * p + j] + c[j];
    ck_assert_int_eq(pt_moments_from_rows(m, x, y, n), 0);
    ck_assert_int_eq(pt_moments_affine(m, A, c, p, out), 0);
    ck_assert_int_eq(pt_moments_range_known(out), 1);
    for (size_t j = 0; j < p; j++) {
        naive_range(z, n, p, j, &lo, &hi);
        ck_assert_msg(out->min[j] == lo && out->max[j] == hi, "column %zu", j);
    }
    ck_assert(out->min[2] == 7.5 && out->max[2] == 7.5);
    /* a map that mixes features (3 -> 2): the range is not known */
    ck_assert_int_eq(pt_moments_affine(m, B, NULL, 2, o2), 0);
    ck_assert_int_eq(pt_moments_range_known(o2), 0);
    ck_assert(isnan(o2->min[0]) && isnan(o2->max[1]));
    free(x);
    free(y);
    free(z);
    pt_moments_destroy(&m);
    pt_moments_destroy(&out);
    pt_moments_destroy(&o2);
}
END_TEST

/* Weighted moments: integer weights are the rows repeated that many times (0: the row left
 * out), compared with the naive reference of the repeated rows; unit weights give the
 * unweighted moments bit for bit; a row of weight 0 counts in nothing, not even min and max,
 * and may not spoil a constant column; zero total weight is the empty set. */
START_TEST(test_weighted_moments)
{
    size_t n = 1301, p = 5, nd = 0;
    double *x, *y, *w = malloc(n * sizeof(double)), *xd, *yd;
    ref_mom_t r;
    pt_moments_t *m = pt_moments_new(p), *u = pt_moments_new(p);
    ck_assert(w != NULL && m != NULL && u != NULL);
    make_rows(n, p, 1e3, 21, &x, &y);
    for (size_t i = 0; i < n; i++) {
        w[i] = (double)((i * 7 + 3) % 4); /* 0, 1, 2, 3 */
        nd += (size_t)w[i];
    }
    xd = malloc(nd * p * sizeof(double));
    yd = malloc(nd * sizeof(double));
    ck_assert(xd != NULL && yd != NULL);
    for (size_t i = 0, k = 0; i < n; i++)
        for (int c = 0; c < (int)w[i]; c++, k++) {
            memcpy(xd + k * p, x + i * p, p * sizeof(double));
            yd[k] = y[i];
        }
    ck_assert_int_eq(pt_moments_from_rows_w(m, x, y, w, n), 0);
    ref_moments(&r, xd, yd, nd, p);
    assert_matches(m, &r, 1e-12);
    ref_free(&r);
    ck_assert_int_eq(pt_moments_from_rows(u, xd, yd, nd), 0);
    for (size_t j = 0; j < p; j++) { /* the range of the rows that weigh */
        ck_assert(m->min[j] == u->min[j] && m->max[j] == u->max[j]);
    }

    /* unit weights: the unweighted moments, bit for bit */
    for (size_t i = 0; i < n; i++)
        w[i] = 1.0;
    ck_assert_int_eq(pt_moments_from_rows_w(m, x, y, w, n), 0);
    ck_assert_int_eq(pt_moments_from_rows(u, x, y, n), 0);
    ck_assert(m->n == u->n && m->ymean == u->ymean && m->syy == u->syy);
    ck_assert(memcmp(m->mean, u->mean, p * sizeof(double)) == 0);
    ck_assert(memcmp(m->S, u->S, p * p * sizeof(double)) == 0);
    ck_assert(memcmp(m->sxy, u->sxy, p * sizeof(double)) == 0);

    /* column 0 constant over the rows that weigh; a row of weight 0 differs (NaN even) */
    for (size_t i = 0; i < n; i++)
        x[i * p] = 0.1;
    w[7] = 0.0;
    x[7 * p] = NAN;
    w[9] = 0.0;
    x[9 * p] = -5.0;
    ck_assert_int_eq(pt_moments_from_rows_w(m, x, y, w, n), 0);
    ck_assert(m->n == (double)(n - 2) && m->mean[0] == 0.1 && m->min[0] == 0.1 &&
              m->max[0] == 0.1);
    for (size_t j = 0; j < p; j++)
        ck_assert(m->S[j] == 0.0 && m->S[j * p] == 0.0);
    ck_assert(m->sxy[0] == 0.0);

    /* no weight at all: the empty set */
    memset(w, 0, n * sizeof(double));
    ck_assert_int_eq(pt_moments_from_rows_w(m, x, y, w, n), 0);
    ck_assert(m->n == 0.0 && m->min[1] == INFINITY && m->max[1] == -INFINITY);
    free(x);
    free(y);
    free(w);
    free(xd);
    free(yd);
    pt_moments_destroy(&m);
    pt_moments_destroy(&u);
}
END_TEST

Suite *suite_moments(void)
{
    Suite *s = suite_create("moments");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_from_rows_vs_naive);
    tcase_add_test(tc, test_row_loops_match_the_plain_loops);
    tcase_add_test(tc, test_no_labels_and_empty);
    tcase_add_test(tc, test_constant_column_exact);
    tcase_add_test(tc, test_merge_equals_concatenation);
    tcase_add_test(tc, test_affine_push_through);
    tcase_add_test(tc, test_range_rows_and_merge);
    tcase_add_test(tc, test_range_affine);
    tcase_add_test(tc, test_weighted_moments);
    suite_add_tcase(s, tc);
    return s;
}
