/* check_pca.c - unit tests of pt_pca_fit against covariances whose eigenvectors are known.
 *
 * References: a covariance built as Q diag(l) Q^T from an explicit orthogonal Q (a product of
 * Householder reflections), the closed-form 2 x 2 eigenproblem, and, for random data, the
 * defining properties (C v = lambda v with a naive long-double covariance, orthonormality,
 * descending order).
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_moments.h"
#include "pt_pca.h"

/* Q := H(u1) H(u2), H(u) = I - 2 u u^T / u^T u, p x p row-major. */
static void make_orthogonal(size_t p, uint64_t seed, double *Q)
{
    uint64_t st = seed;
    double *u = malloc(p * sizeof(double)), *T = malloc(p * p * sizeof(double));
    ck_assert(u != NULL && T != NULL);
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++)
            Q[i * p + j] = i == j;
    for (int h = 0; h < 2; h++) {
        double uu = 0;
        for (size_t i = 0; i < p; i++) {
            u[i] = pt_rng_normal(&st);
            uu += u[i] * u[i];
        }
        /* T = Q H = Q - 2 (Q u) u^T / uu */
        for (size_t i = 0; i < p; i++) {
            double qu = 0;
            for (size_t k = 0; k < p; k++)
                qu += Q[i * p + k] * u[k];
            for (size_t j = 0; j < p; j++)
                T[i * p + j] = Q[i * p + j] - 2.0 * qu * u[j] / uu;
        }
        memcpy(Q, T, p * p * sizeof(double));
    }
    free(u);
    free(T);
}

/* The documented sign rule: the entry of largest magnitude of column j of V (p x k) is > 0. */
static void assert_sign_rule(const double *V, size_t p, size_t k)
{
    for (size_t j = 0; j < k; j++) {
        size_t im = 0;
        for (size_t i = 1; i < p; i++)
            if (fabs(V[i * k + j]) > fabs(V[im * k + j]))
                im = i;
        ck_assert_msg(V[im * k + j] > 0.0, "column %zu: largest entry is negative", j);
    }
}

START_TEST(test_known_eigenvectors)
{
    enum { P = 6, K = 3 };
    double Q[P * P], V[P * K], ex[K];
    double l[P] = {0.5, 9.0, 0.1, 4.0, 1.0, 2.0}; /* eigenvalue of column i of Q */
    size_t order[K] = {1, 3, 5};                  /* the 3 largest, descending */
    double total = 0, n = 50;
    char err[PT_ERRLEN] = "";
    pt_moments_t *m = pt_moments_new(P);
    ck_assert_ptr_nonnull(m);
    make_orthogonal(P, 3, Q);
    /* S = (n - 1) Q diag(l) Q^T, so the covariance S / (n - 1) is Q diag(l) Q^T. */
    m->n = n;
    for (size_t a = 0; a < P; a++)
        for (size_t b = 0; b < P; b++) {
            long double s = 0;
            for (size_t i = 0; i < P; i++)
                s += (long double)Q[a * P + i] * l[i] * Q[b * P + i];
            m->S[a * P + b] = (double)((n - 1) * s);
        }
    for (size_t i = 0; i < P; i++)
        total += l[i];
    ck_assert_int_eq(pt_pca_fit(m, K, V, ex, err), 0);
    assert_sign_rule(V, P, K);
    for (size_t j = 0; j < K; j++) {
        size_t c = order[j], im = 0;
        double sign;
        for (size_t i = 1; i < P; i++)
            if (fabs(Q[i * P + c]) > fabs(Q[im * P + c]))
                im = i;
        sign = Q[im * P + c] > 0 ? 1.0 : -1.0;
        for (size_t i = 0; i < P; i++)
            ck_assert_msg(fabs(V[i * K + j] - sign * Q[i * P + c]) < 1e-10,
                          "V[%zu][%zu] = %g, want %g", i, j, V[i * K + j], sign * Q[i * P + c]);
        ck_assert(fabs(ex[j] - l[c] / total) < 1e-12);
    }
    /* explained may be NULL */
    ck_assert_int_eq(pt_pca_fit(m, 1, V, NULL, err), 0);
    pt_moments_destroy(&m);
}
END_TEST

START_TEST(test_closed_form_2x2)
{
    /* cov = [[a, b], [b, c]]: lambda = (a+c)/2 +- sqrt(((a-c)/2)^2 + b^2), eigenvector
     * (b, lambda - a). a = 3, b = 1, c = 2: lambda1 = 2.5 + sqrt(1.25) = 3.6180339887...,
     * lambda2 = 1.3819660112...; v1 = (1, 0.6180339887...) / |.|, trace 5. */
    double a = 3, b = 1, c = 2, V[4], ex[2];
    double l1 = 2.5 + sqrt(1.25), l2 = 2.5 - sqrt(1.25);
    double v1[2] = {b, l1 - a}, v2[2] = {b, l2 - a}, n1, n2;
    char err[PT_ERRLEN] = "";
    pt_moments_t *m = pt_moments_new(2);
    ck_assert_ptr_nonnull(m);
    m->n = 3; /* S = (n - 1) cov */
    m->S[0] = 2 * a;
    m->S[1] = m->S[2] = 2 * b;
    m->S[3] = 2 * c;
    n1 = hypot(v1[0], v1[1]);
    n2 = hypot(v2[0], v2[1]);
    /* v2 = (1, -1.618..): the largest entry is negative, so the rule flips it. */
    v2[0] = -v2[0];
    v2[1] = -v2[1];
    ck_assert_int_eq(pt_pca_fit(m, 2, V, ex, err), 0);
    ck_assert(fabs(V[0] - v1[0] / n1) < 1e-13 && fabs(V[2] - v1[1] / n1) < 1e-13);
    ck_assert(fabs(V[1] - v2[0] / n2) < 1e-13 && fabs(V[3] - v2[1] / n2) < 1e-13);
    ck_assert(fabs(ex[0] - l1 / 5.0) < 1e-14 && fabs(ex[1] - l2 / 5.0) < 1e-14);
    pt_moments_destroy(&m);
}
END_TEST

START_TEST(test_random_data_properties)
{
    enum { N = 400, P = 8, K = 4 };
    double *x = malloc(N * P * sizeof(double)), V[P * K], Vall[P * P], ex[K], exall[P];
    long double mean[P] = {0}, C[P * P] = {0};
    uint64_t st = 42;
    char err[PT_ERRLEN] = "";
    double prev = INFINITY, sum = 0;
    pt_moments_t *m = pt_moments_new(P);
    ck_assert(x != NULL && m != NULL);
    for (size_t i = 0; i < N; i++) {
        double z1 = pt_rng_normal(&st), z2 = pt_rng_normal(&st);
        for (size_t j = 0; j < P; j++)
            x[i * P + j] = 10.0 + (double)j * z1 - 0.5 * z2 + 0.3 * pt_rng_normal(&st);
    }
    /* naive covariance (ddof 1) */
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < P; j++)
            mean[j] += x[i * P + j];
    for (size_t j = 0; j < P; j++)
        mean[j] /= N;
    for (size_t i = 0; i < N; i++)
        for (size_t a = 0; a < P; a++)
            for (size_t b = 0; b < P; b++)
                C[a * P + b] += (x[i * P + a] - mean[a]) * (x[i * P + b] - mean[b]) / (N - 1);
    ck_assert_int_eq(pt_moments_from_rows(m, x, NULL, N), 0);
    ck_assert_int_eq(pt_pca_fit(m, K, V, ex, err), 0);
    assert_sign_rule(V, P, K);
    for (size_t j = 0; j < K; j++) {
        long double lam = 0, Cv[P];
        for (size_t a = 0; a < P; a++) {
            Cv[a] = 0;
            for (size_t b = 0; b < P; b++)
                Cv[a] += C[a * P + b] * V[b * K + j];
            lam += V[a * K + j] * Cv[a];
        }
        for (size_t a = 0; a < P; a++)
            ck_assert_msg(fabsl(Cv[a] - lam * V[a * K + j]) < 1e-10 * fabsl(lam),
                          "C v != lambda v for component %zu", j);
        ck_assert(lam <= prev * (1 + 1e-12));
        prev = (double)lam;
        for (size_t c = 0; c < K; c++) {
            double d = 0;
            for (size_t a = 0; a < P; a++)
                d += V[a * K + j] * V[a * K + c];
            ck_assert(fabs(d - (j == c)) < 1e-12);
        }
    }
    /* k = p: the explained variances are all of it. */
    ck_assert_int_eq(pt_pca_fit(m, P, Vall, exall, err), 0);
    for (size_t j = 0; j < P; j++)
        sum += exall[j];
    ck_assert(fabs(sum - 1.0) < 1e-12);
    for (size_t j = 0; j < K; j++)
        ck_assert(fabs(ex[j] - exall[j]) < 1e-14);
    free(x);
    pt_moments_destroy(&m);
}
END_TEST

START_TEST(test_errors_and_degenerate)
{
    double V[9], ex[3];
    char err[PT_ERRLEN] = "";
    pt_moments_t *m = pt_moments_new(3);
    ck_assert_ptr_nonnull(m);
    m->n = 10;
    ck_assert_int_eq(pt_pca_fit(m, 0, V, ex, err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "k = 0"));
    ck_assert_int_eq(pt_pca_fit(m, 4, V, ex, err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "(3)"));
    m->n = 1;
    ck_assert_int_eq(pt_pca_fit(m, 2, V, ex, NULL), -EINVAL);
    ck_assert_int_eq(pt_pca_fit(m, 2, V, ex, err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "at least 2 rows"));
    /* zero total variance: explained 0, V still orthonormal */
    m->n = 10;
    ck_assert_int_eq(pt_pca_fit(m, 3, V, ex, err), 0);
    for (size_t j = 0; j < 3; j++) {
        double nn = 0;
        ck_assert(ex[j] == 0.0);
        for (size_t i = 0; i < 3; i++)
            nn += V[i * 3 + j] * V[i * 3 + j];
        ck_assert(fabs(nn - 1) < 1e-12);
    }
    pt_moments_destroy(&m);
}
END_TEST

/* The cached full decomposition gives every k what a direct top-k fit gives (another LAPACK
 * driver: dsyevd for all, dsyevr for a range). */
START_TEST(test_eig_cache_matches_direct)
{
    enum { N = 300, P = 9 };
    double *x = malloc(N * P * sizeof *x), V1[P * P], V2[P * P], e1[P], e2[P];
    uint64_t st = 5;
    char err[PT_ERRLEN];
    pt_moments_t *m = pt_moments_new(P);
    pt_pca_eig_t eig;
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < P; j++)
            x[i * P + j] = (1.0 + (double)j) * pt_rng_normal(&st) + (j ? x[i * P] : 0);
    ck_assert_int_eq(pt_moments_from_rows(m, x, NULL, N), 0);
    ck_assert_int_eq(pt_pca_eig(m, &eig, err), 0);
    for (size_t k = 1; k <= P; k++) {
        ck_assert_int_eq(pt_pca_fit(m, k, V1, e1, err), 0);
        ck_assert_int_eq(pt_pca_from_eig(&eig, k, V2, e2, err), 0);
        for (size_t i = 0; i < P * k; i++)
            ck_assert_msg(fabs(V1[i] - V2[i]) < 1e-9, "k=%zu entry %zu: %g vs %g", k, i, V1[i],
                          V2[i]);
        for (size_t j = 0; j < k; j++)
            ck_assert(fabs(e1[j] - e2[j]) < 1e-12);
    }
    ck_assert_int_ne(pt_pca_from_eig(&eig, P + 1, V2, NULL, err), 0);
    pt_pca_eig_free(&eig);
    ck_assert_uint_eq(eig.p, 0);
    pt_moments_destroy(&m);
    free(x);
}
END_TEST

Suite *suite_pca(void)
{
    Suite *s = suite_create("pca");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_known_eigenvectors);
    tcase_add_test(tc, test_closed_form_2x2);
    tcase_add_test(tc, test_random_data_properties);
    tcase_add_test(tc, test_errors_and_degenerate);
    tcase_add_test(tc, test_eig_cache_matches_direct);
    suite_add_tcase(s, tc);
    return s;
}
