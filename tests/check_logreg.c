/* check_logreg.c - unit tests of pt_logreg against the documented objective, written out here.
 *
 * The reference is Spark's objective of pt_logreg.h (README.md "Stages and params") evaluated
 * directly on the rows in long double (sample stds, per-feature penalty weights when
 * standardization is false): the fitted model must satisfy its first-order optimality condition (L2: gradient
 * <= 1e-6 in the scaled coordinates b'_j = b_j s_j) or subgradient condition (L1: <= 1e-4).
 * Plus closed forms worked by hand (intercept-only model, a symmetric one-feature problem),
 * invariances (a transform A equals fitting the transformed rows; splitting the rows into
 * blocks changes nothing), the constant-label and zero-std cases, errors, and the prediction
 * helpers on hand-made margins.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_logreg.h"

/* Tight settings so that the optimality tests measure the optimum, not the stopping rule. */
static pt_logreg_opts_t opts(double reg, double alpha, int icpt, int stdz)
{
    pt_logreg_opts_t o = pt_logreg_defaults();
    o.reg_param = reg;
    o.elastic_net = alpha;
    o.fit_intercept = icpt;
    o.standardization = stdz;
    o.max_iter = 5000;
    o.tol = 1e-12;
    return o;
}

/* Synthetic rows: feature j = mean_j + scale_j * N(0,1) (scales and means over several orders
 * of magnitude), label drawn from the softmax / sigmoid of a fixed linear model of the
 * standardized features. Owned arrays in *px, *py. */
static void synth(size_t n, size_t p, size_t K, uint64_t seed, double **px, double **py)
{
    static const double mean[] = {0.0, 5.0, -3.0, 100.0, 0.5, 0.0};
    static const double scale[] = {1.0, 0.01, 3.0, 50.0, 0.2, 1.0};
    uint64_t st = seed;
    double *x = malloc(n * p * sizeof(double)), *y = malloc(n * sizeof(double));
    ck_assert(x != NULL && y != NULL && p <= 6);
    for (size_t i = 0; i < n; i++) {
        double m[4] = {0, 0, 0, 0}, u = pt_rng_uniform(&st), acc = 0.0, tot = 0.0;
        for (size_t j = 0; j < p; j++) {
            double e = pt_rng_normal(&st);
            x[i * p + j] = mean[j] + scale[j] * e;
            for (size_t k = 0; k < 4; k++)
                m[k] += e * (double)((j + 2 * k) % 3 == 0 ? 1 : -1) * (1.0 + 0.5 * (double)k);
        }
        if (K <= 2) {
            y[i] = u < 1.0 / (1.0 + exp(-m[0])) ? 1.0 : 0.0;
            continue;
        }
        for (size_t k = 0; k < K; k++)
            tot += exp(m[k]);
        y[i] = (double)(K - 1);
        for (size_t k = 0; k < K; k++) {
            acc += exp(m[k]) / tot;
            if (u < acc) {
                y[i] = (double)k;
                break;
            }
        }
    }
    *px = x;
    *py = y;
}

/* Fits rows split into nb nearly equal contiguous blocks. */
static int fit_rows(const double *x, const double *y, size_t n, size_t p, const double *A,
                    const double *c, size_t q, size_t K, size_t nb, const pt_logreg_opts_t *o,
                    pt_logreg_model_t *m, char *err)
{
    pt_rowblock_t bl[8] = {{0}};
    ck_assert(nb >= 1 && nb <= 8);
    for (size_t b = 0; b < nb; b++) {
        size_t s = n * b / nb, e = n * (b + 1) / nb;
        bl[b].x = x + s * p;
        bl[b].y = y + s;
        bl[b].n = e - s;
    }
    return pt_logreg_fit_affine(bl, nb, p, A, c, q, K, o, m, err);
}

/* The largest violation of the optimality condition of
 *   F = (1/n) sum_i logloss_i + reg [ (1-a)/2 sum_kj w2_j b'_kj^2 + a sum_kj w1_j |b'_kj| ]
 * at the model m (on the rows x themselves, A = identity), in the scaled coordinates
 * b'_kj = b_kj s_j (s_j the sample std): with r_ik = softmax_k - [y_i = k] (multinomial) or
 * sigmoid(m_i) - y_i (binomial), the intercept condition is (1/n) sum_i r_ik = 0 and, with
 * g'_kj = (1/n) sum_i r_ik (x_ij - c_j) / s_j + reg (1-a) w2_j b'_kj, the condition is
 * g'_kj + reg a w1_j sign(b'_kj) = 0 when b'_kj != 0 and |g'_kj| <= reg a w1_j when
 * b'_kj = 0. c_j is the feature mean with an intercept (the derivative along b'_kj with the
 * intercept moved so that the margin at the mean stays put: an equivalent condition, since
 * the intercept gradient vanishes too, that does not amplify the intercept's residual by
 * mean/std - 500 for one synthetic feature) and 0 without. Zero-std features must have
 * coefficient 0. */
static double kkt_violation(const double *x, const double *y, size_t n, size_t p,
                            const pt_logreg_opts_t *o, const pt_logreg_model_t *m)
{
    size_t r = m->ncoef_rows;
    long double *mu = calloc(p, sizeof(long double)), *s = calloc(p, sizeof(long double));
    long double *g = calloc(r * p, sizeof(long double)), *gb = calloc(r, sizeof(long double));
    long double *mg = calloc(r, sizeof(long double)), worst = 0;
    double l2 = o->reg_param * (1 - o->elastic_net), l1 = o->reg_param * o->elastic_net;
    ck_assert(mu != NULL && s != NULL && g != NULL && gb != NULL && mg != NULL);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++)
            mu[j] += x[i * p + j];
    for (size_t j = 0; j < p; j++)
        mu[j] /= n;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++)
            s[j] += (x[i * p + j] - mu[j]) * (x[i * p + j] - mu[j]);
    for (size_t j = 0; j < p; j++)
        s[j] = sqrtl(s[j] / (n - 1));
    for (size_t i = 0; i < n; i++) {
        long double mx = -INFINITY, se = 0;
        for (size_t k = 0; k < r; k++) {
            mg[k] = m->intercept[k];
            for (size_t j = 0; j < p; j++)
                mg[k] += (long double)m->coef[k * p + j] * x[i * p + j];
            if (mg[k] > mx)
                mx = mg[k];
        }
        if (r == 1) {
            mg[0] = 1.0L / (1.0L + expl(-mg[0])) - y[i];
        } else {
            for (size_t k = 0; k < r; k++)
                se += expl(mg[k] - mx);
            for (size_t k = 0; k < r; k++)
                mg[k] = expl(mg[k] - mx) / se - ((size_t)y[i] == k ? 1.0L : 0.0L);
        }
        for (size_t k = 0; k < r; k++) {
            gb[k] += mg[k] / n;
            for (size_t j = 0; j < p; j++)
                g[k * p + j] += mg[k] * (x[i * p + j] - (o->fit_intercept ? mu[j] : 0)) / n;
        }
    }
    for (size_t k = 0; k < r; k++) {
        if (o->fit_intercept && fabsl(gb[k]) > worst)
            worst = fabsl(gb[k]);
        for (size_t j = 0; j < p; j++) {
            long double bs, gs, w2, w1, v;
            if (s[j] == 0) {
                ck_assert_msg(m->coef[k * p + j] == 0.0, "zero-std feature %zu has coef %g", j,
                              m->coef[k * p + j]);
                continue;
            }
            bs = m->coef[k * p + j] * s[j];
            w2 = o->standardization ? 1 : 1 / (s[j] * s[j]);
            w1 = o->standardization ? 1 : 1 / s[j];
            gs = g[k * p + j] / s[j] + l2 * w2 * bs;
            if (bs > 0)
                v = fabsl(gs + l1 * w1);
            else if (bs < 0)
                v = fabsl(gs - l1 * w1);
            else
                v = fabsl(gs) > l1 * w1 ? fabsl(gs) - l1 * w1 : 0;
            if (v > worst)
                worst = v;
        }
    }
    free(mu);
    free(s);
    free(g);
    free(gb);
    free(mg);
    return (double)worst;
}

START_TEST(test_binomial_l2_optimality)
{
    /* every combination of intercept / standardization, ridge, against the gradient */
    double *x, *y;
    char err[PT_ERRLEN] = "";
    synth(400, 5, 2, 11, &x, &y);
    for (int icpt = 0; icpt < 2; icpt++) {
        for (int stdz = 0; stdz < 2; stdz++) {
            pt_logreg_opts_t o = opts(0.05, 0.0, icpt, stdz);
            pt_logreg_model_t m;
            ck_assert_int_eq(fit_rows(x, y, 400, 5, NULL, NULL, 5, 2, 3, &o, &m, err), 0);
            ck_assert(!m.multinomial && m.ncoef_rows == 1 && m.q == 5);
            ck_assert_msg(m.converged, "icpt %d stdz %d did not converge", icpt, stdz);
            ck_assert_msg(kkt_violation(x, y, 400, 5, &o, &m) < 1e-6,
                          "icpt %d stdz %d: KKT %g", icpt, stdz,
                          kkt_violation(x, y, 400, 5, &o, &m));
            if (!icpt)
                ck_assert(m.intercept[0] == 0.0);
            pt_logreg_model_free(&m);
        }
    }
    /* no regularization at all (data not separable: labels are noisy) */
    {
        pt_logreg_opts_t o = opts(0.0, 0.0, 1, 1);
        pt_logreg_model_t m;
        ck_assert_int_eq(fit_rows(x, y, 400, 5, NULL, NULL, 5, 2, 1, &o, &m, err), 0);
        ck_assert(kkt_violation(x, y, 400, 5, &o, &m) < 1e-6);
        pt_logreg_model_free(&m);
    }
    free(x);
    free(y);
}
END_TEST

START_TEST(test_elastic_net_optimality)
{
    /* OWL-QN: subgradient conditions, and real sparsity with a strong L1 part */
    double *x, *y;
    char err[PT_ERRLEN] = "";
    static const double alphas[] = {0.5, 1.0};
    synth(400, 6, 2, 12, &x, &y);
    for (int a = 0; a < 2; a++) {
        for (int stdz = 0; stdz < 2; stdz++) {
            for (int icpt = 0; icpt < 2; icpt++) {
                pt_logreg_opts_t o = opts(0.03, alphas[a], icpt, stdz);
                pt_logreg_model_t m;
                double v;
                ck_assert_int_eq(fit_rows(x, y, 400, 6, NULL, NULL, 6, 2, 2, &o, &m, err), 0);
                v = kkt_violation(x, y, 400, 6, &o, &m);
                ck_assert_msg(v < 1e-4, "alpha %g stdz %d icpt %d: KKT %g", alphas[a], stdz,
                              icpt, v);
                pt_logreg_model_free(&m);
            }
        }
    }
    {
        /* regParam 0.14, alpha 1: the penalty zeroes some, not all, coefficients exactly */
        pt_logreg_opts_t o = opts(0.14, 1.0, 1, 1);
        pt_logreg_model_t m;
        int zeros = 0;
        ck_assert_int_eq(fit_rows(x, y, 400, 6, NULL, NULL, 6, 2, 1, &o, &m, err), 0);
        for (size_t j = 0; j < 6; j++)
            zeros += m.coef[j] == 0.0;
        ck_assert_msg(zeros >= 1 && zeros < 6, "%d exact zeros", zeros);
        ck_assert(kkt_violation(x, y, 400, 6, &o, &m) < 1e-4);
        pt_logreg_model_free(&m);
        /* a penalty beyond the largest gradient at 0 zeroes everything: the intercept-only
         * model (checked again by KKT) */
        o.reg_param = 10.0;
        ck_assert_int_eq(fit_rows(x, y, 400, 6, NULL, NULL, 6, 2, 1, &o, &m, err), 0);
        for (size_t j = 0; j < 6; j++)
            ck_assert(m.coef[j] == 0.0);
        ck_assert(kkt_violation(x, y, 400, 6, &o, &m) < 1e-4);
        pt_logreg_model_free(&m);
    }
    free(x);
    free(y);
}
END_TEST

START_TEST(test_multinomial)
{
    /* 3 classes: KKT of the softmax objective, Spark's centring, probabilities summing to 1 */
    double *x, *y, *mg, *pr, *pd;
    char err[PT_ERRLEN] = "";
    pt_logreg_model_t m;
    synth(450, 4, 3, 13, &x, &y);
    {
        pt_logreg_opts_t o = opts(0.02, 0.0, 1, 1);
        ck_assert_int_eq(fit_rows(x, y, 450, 4, NULL, NULL, 4, 3, 2, &o, &m, err), 0);
        ck_assert(m.multinomial && m.ncoef_rows == 3 && m.nclasses == 3);
        ck_assert(kkt_violation(x, y, 450, 4, &o, &m) < 1e-6);
        /* L2: the optimum has sum_k b_kj = 0; intercepts are centred */
        for (size_t j = 0; j < 4; j++)
            ck_assert(fabs(m.coef[j] + m.coef[4 + j] + m.coef[8 + j]) < 1e-7);
        ck_assert(fabs(m.intercept[0] + m.intercept[1] + m.intercept[2]) < 1e-12);
        mg = malloc(450 * 3 * sizeof(double));
        pr = malloc(450 * 3 * sizeof(double));
        pd = malloc(450 * sizeof(double));
        ck_assert(mg != NULL && pr != NULL && pd != NULL);
        pt_logreg_margins(x, 450, 4, m.coef, m.intercept, 3, mg);
        pt_logreg_probabilities(mg, 450, 3, 1, pr);
        pt_logreg_predict(pr, 450, 3, 1, 0.5, pd);
        for (size_t i = 0; i < 450; i++) {
            double s = pr[3 * i] + pr[3 * i + 1] + pr[3 * i + 2];
            ck_assert(fabs(s - 1.0) < 1e-12);
            for (size_t k = 0; k < 3; k++)
                ck_assert(pr[3 * i + k] <= pr[3 * i + (size_t)pd[i]]);
        }
        free(mg);
        free(pr);
        free(pd);
        pt_logreg_model_free(&m);
    }
    {
        /* regParam 0: not identifiable; Spark centres the coefficients of each feature */
        pt_logreg_opts_t o = opts(0.0, 0.0, 1, 1);
        ck_assert_int_eq(fit_rows(x, y, 450, 4, NULL, NULL, 4, 3, 1, &o, &m, err), 0);
        ck_assert(kkt_violation(x, y, 450, 4, &o, &m) < 1e-6);
        for (size_t j = 0; j < 4; j++)
            ck_assert(fabs(m.coef[j] + m.coef[4 + j] + m.coef[8 + j]) < 1e-12);
        pt_logreg_model_free(&m);
    }
    {
        /* elastic net, no standardization, no intercept */
        pt_logreg_opts_t o = opts(0.02, 0.6, 0, 0);
        ck_assert_int_eq(fit_rows(x, y, 450, 4, NULL, NULL, 4, 3, 3, &o, &m, err), 0);
        ck_assert(kkt_violation(x, y, 450, 4, &o, &m) < 1e-4);
        pt_logreg_model_free(&m);
    }
    {
        /* family multinomial on two classes: K = 2 softmax rows, KKT of the softmax form */
        double *xb, *yb;
        pt_logreg_opts_t o = opts(0.02, 0.0, 1, 1);
        synth(300, 3, 2, 14, &xb, &yb);
        o.family = PT_FAMILY_MULTINOMIAL;
        ck_assert_int_eq(fit_rows(xb, yb, 300, 3, NULL, NULL, 3, 2, 1, &o, &m, err), 0);
        ck_assert(m.multinomial && m.ncoef_rows == 2);
        ck_assert(kkt_violation(xb, yb, 300, 3, &o, &m) < 1e-6);
        pt_logreg_model_free(&m);
        free(xb);
        free(yb);
    }
    free(x);
    free(y);
}
END_TEST

START_TEST(test_closed_forms)
{
    char err[PT_ERRLEN] = "";
    pt_logreg_model_t m;
    {
        /* Intercept only: a constant feature (std 0 -> coefficient 0) and 3 ones in 10 rows.
         * The optimum has sigmoid(b0) = 3/10, b0 = log(0.3/0.7) = -0.8472978603872037;
         * the same with any regParam since the intercept is not penalized. */
        double x[10], y[10] = {1, 0, 0, 1, 0, 0, 0, 1, 0, 0};
        for (int i = 0; i < 10; i++)
            x[i] = 4.25;
        for (int reg = 0; reg < 2; reg++) {
            pt_logreg_opts_t o = opts(reg * 0.5, 0.3, 1, 1);
            ck_assert_int_eq(fit_rows(x, y, 10, 1, NULL, NULL, 1, 2, 2, &o, &m, err), 0);
            ck_assert(m.coef[0] == 0.0);
            ck_assert(fabs(m.intercept[0] - log(0.3 / 0.7)) < 1e-9);
            ck_assert(fabs(m.intercept[0] + 0.8472978603872037) < 1e-9);
            pt_logreg_model_free(&m);
        }
    }
    {
        /* Symmetric one-feature problem: x = +1 in rows 0-3 with labels 1,1,1,0 and x = -1 in
         * rows 4-7 with labels 1,0,0,0. By symmetry b0 = 0; the gradient in b is
         * (1/8)[(4 sig(b) - 3) - (4 sig(-b) - 1)] = (4 sig(b) - 3)/4, so without penalty
         * sig(b) = 3/4, b = log 3 = 1.0986122886681098.
         * With regParam 0.1 (L2, standardization): s^2 = 8/7 (sample variance of +-1, mean 0)
         * and the condition sig(b) - 3/4 + 0.1 (8/7) b = 0, solved below by bisection. */
        double x[8] = {1, 1, 1, 1, -1, -1, -1, -1}, y[8] = {1, 1, 1, 0, 1, 0, 0, 0};
        double lo = 0.0, hi = 2.0;
        pt_logreg_opts_t o = opts(0.0, 0.0, 1, 1);
        ck_assert_int_eq(fit_rows(x, y, 8, 1, NULL, NULL, 1, 2, 1, &o, &m, err), 0);
        ck_assert(fabs(m.coef[0] - log(3.0)) < 1e-7);
        ck_assert(fabs(m.intercept[0]) < 1e-7);
        pt_logreg_model_free(&m);
        for (int it = 0; it < 200; it++) {
            double mid = 0.5 * (lo + hi);
            if (1.0 / (1.0 + exp(-mid)) - 0.75 + 0.1 * (8.0 / 7.0) * mid > 0.0)
                hi = mid;
            else
                lo = mid;
        }
        o.reg_param = 0.1;
        ck_assert_int_eq(fit_rows(x, y, 8, 1, NULL, NULL, 1, 2, 1, &o, &m, err), 0);
        ck_assert(fabs(m.coef[0] - lo) < 1e-7);
        ck_assert(fabs(m.intercept[0]) < 1e-7);
        pt_logreg_model_free(&m);
        /* standardization false: the penalty is 0.1/2 b^2 unscaled, so sig(b) - 3/4 + 0.1 b = 0 */
        lo = 0.0;
        hi = 2.0;
        for (int it = 0; it < 200; it++) {
            double mid = 0.5 * (lo + hi);
            if (1.0 / (1.0 + exp(-mid)) - 0.75 + 0.1 * mid > 0.0)
                hi = mid;
            else
                lo = mid;
        }
        o.standardization = 0;
        ck_assert_int_eq(fit_rows(x, y, 8, 1, NULL, NULL, 1, 2, 1, &o, &m, err), 0);
        ck_assert(fabs(m.coef[0] - lo) < 1e-7);
        pt_logreg_model_free(&m);
    }
}
END_TEST

START_TEST(test_transform_equals_explicit)
{
    /* z = A^T x + c with a dense A (5 raw -> 3 features): fitting through A equals fitting the
     * explicitly transformed rows, for L2 and elastic net, with and without intercept (where
     * c matters); and the composed raw-space model gives the same margins. */
    double *x, *y, z[300 * 3], A[5 * 3], c[3] = {0.5, -2.0, 1.5};
    double craw[3 * 5], iraw[3], m1[300 * 3], m2[300 * 3];
    uint64_t st = 77;
    char err[PT_ERRLEN] = "";
    synth(300, 5, 3, 15, &x, &y);
    for (size_t i = 0; i < 15; i++)
        A[i] = pt_rng_normal(&st);
    for (size_t i = 0; i < 300; i++)
        for (size_t j = 0; j < 3; j++) {
            z[i * 3 + j] = c[j];
            for (size_t a = 0; a < 5; a++)
                z[i * 3 + j] += A[a * 3 + j] * x[i * 5 + a];
        }
    for (int cse = 0; cse < 4; cse++) {
        pt_logreg_opts_t o = opts(0.01, cse >= 2 ? 0.5 : 0.0, cse % 2, 1);
        pt_logreg_model_t ma, mz;
        ck_assert_int_eq(fit_rows(x, y, 300, 5, A, c, 3, 3, 3, &o, &ma, err), 0);
        ck_assert_int_eq(fit_rows(z, y, 300, 3, NULL, NULL, 3, 3, 1, &o, &mz, err), 0);
        ck_assert(kkt_violation(z, y, 300, 3, &o, &mz) < (cse >= 2 ? 1e-4 : 1e-6));
        ck_assert(kkt_violation(z, y, 300, 3, &o, &ma) < (cse >= 2 ? 1e-4 : 1e-6));
        for (size_t k = 0; k < 9; k++)
            ck_assert_msg(fabs(ma.coef[k] - mz.coef[k]) < 1e-6 * (1.0 + fabs(mz.coef[k])),
                          "case %d coef %zu: %.12g vs %.12g", cse, k, ma.coef[k], mz.coef[k]);
        for (size_t k = 0; k < 3; k++)
            ck_assert(fabs(ma.intercept[k] - mz.intercept[k]) < 1e-6);
        pt_logreg_compose(&ma, 5, A, c, craw, iraw);
        pt_logreg_margins(x, 300, 5, craw, iraw, 3, m1);
        pt_logreg_margins(z, 300, 3, ma.coef, ma.intercept, 3, m2);
        for (size_t i = 0; i < 900; i++)
            ck_assert(fabs(m1[i] - m2[i]) < 1e-9 * (1.0 + fabs(m2[i])));
        pt_logreg_model_free(&ma);
        pt_logreg_model_free(&mz);
    }
    /* the 2-argument form is the affine one with c = 0 */
    {
        pt_logreg_opts_t o = opts(0.01, 0.0, 1, 1);
        pt_logreg_model_t m1m, m2m;
        pt_rowblock_t b = {.x = x, .y = y, .n = 300};
        ck_assert_int_eq(pt_logreg_fit(&b, 1, 5, A, 3, 3, &o, &m1m, err), 0);
        ck_assert_int_eq(pt_logreg_fit_affine(&b, 1, 5, A, NULL, 3, 3, &o, &m2m, err), 0);
        ck_assert(memcmp(m1m.coef, m2m.coef, 9 * sizeof(double)) == 0);
        pt_logreg_model_free(&m1m);
        pt_logreg_model_free(&m2m);
    }
    free(x);
    free(y);
}
END_TEST

START_TEST(test_blocks_and_chunks)
{
    /* 1000 rows (several chunks) in 1 or 7 blocks: the same model up to rounding */
    double *x, *y;
    char err[PT_ERRLEN] = "";
    pt_logreg_opts_t o = opts(0.01, 0.0, 1, 1);
    pt_logreg_model_t a, b;
    synth(1000, 4, 2, 16, &x, &y);
    ck_assert_int_eq(fit_rows(x, y, 1000, 4, NULL, NULL, 4, 2, 1, &o, &a, err), 0);
    ck_assert_int_eq(fit_rows(x, y, 1000, 4, NULL, NULL, 4, 2, 7, &o, &b, err), 0);
    for (size_t j = 0; j < 4; j++)
        ck_assert(fabs(a.coef[j] - b.coef[j]) < 1e-7 * (1.0 + fabs(a.coef[j])));
    ck_assert(fabs(a.intercept[0] - b.intercept[0]) < 1e-7 * (1.0 + fabs(a.intercept[0])));
    ck_assert(kkt_violation(x, y, 1000, 4, &o, &b) < 1e-6);
    pt_logreg_model_free(&a);
    pt_logreg_model_free(&b);
    free(x);
    free(y);
}
END_TEST

START_TEST(test_constant_label_and_zero_std)
{
    char err[PT_ERRLEN] = "";
    pt_logreg_opts_t o = opts(0.1, 0.0, 1, 1);
    pt_logreg_model_t m;
    double x[6 * 2] = {1, 7, 2, 7, 3, 7, 4, 7, 5, 7, 6, 7};
    double ones[6] = {1, 1, 1, 1, 1, 1}, zeros[6] = {0}, twos[6] = {2, 2, 2, 2, 2, 2};
    double mg[6 * 3], pr[6 * 3], pd[6];

    /* all labels 1 (binomial): coefficients 0, intercept +inf, probability 1, class 1 */
    ck_assert_int_eq(fit_rows(x, ones, 6, 2, NULL, NULL, 2, 2, 1, &o, &m, err), 0);
    ck_assert(m.coef[0] == 0.0 && m.coef[1] == 0.0 && m.intercept[0] == INFINITY);
    ck_assert(m.converged && m.iterations == 0);
    pt_logreg_margins(x, 6, 2, m.coef, m.intercept, 1, mg);
    pt_logreg_probabilities(mg, 6, 1, 0, pr);
    pt_logreg_predict(pr, 6, 2, 0, 0.5, pd);
    for (int i = 0; i < 6; i++)
        ck_assert(pr[2 * i] == 0.0 && pr[2 * i + 1] == 1.0 && pd[i] == 1.0);
    pt_logreg_model_free(&m);
    /* all labels 0 with one class: -inf, class 0 */
    ck_assert_int_eq(fit_rows(x, zeros, 6, 2, NULL, NULL, 2, 1, 1, &o, &m, err), 0);
    ck_assert(m.intercept[0] == -INFINITY && !m.multinomial);
    pt_logreg_margins(x, 6, 2, m.coef, m.intercept, 1, mg);
    pt_logreg_probabilities(mg, 6, 1, 0, pr);
    ck_assert(pr[0] == 1.0 && pr[1] == 0.0);
    pt_logreg_model_free(&m);
    /* multinomial, all labels 2: intercept (0, 0, +inf); probabilities (0, 0, 1), no NaN */
    ck_assert_int_eq(fit_rows(x, twos, 6, 2, NULL, NULL, 2, 3, 2, &o, &m, err), 0);
    ck_assert(m.multinomial && m.intercept[0] == 0.0 && m.intercept[1] == 0.0 &&
              m.intercept[2] == INFINITY);
    pt_logreg_margins(x, 6, 2, m.coef, m.intercept, 3, mg);
    pt_logreg_probabilities(mg, 6, 3, 1, pr);
    pt_logreg_predict(pr, 6, 3, 1, 0.5, pd);
    for (int i = 0; i < 6; i++)
        ck_assert(pr[3 * i] == 0.0 && pr[3 * i + 1] == 0.0 && pr[3 * i + 2] == 1.0 &&
                  pd[i] == 2.0);
    pt_logreg_model_free(&m);

    /* the constant second column (std 0) gets coefficient 0, with or without
     * standardization and intercept; labels 0,0,1,0,1,1 */
    {
        double yy[6] = {0, 0, 1, 0, 1, 1};
        for (int stdz = 0; stdz < 2; stdz++)
            for (int icpt = 0; icpt < 2; icpt++) {
                pt_logreg_opts_t o2 = opts(0.1, 0.5, icpt, stdz);
                ck_assert_int_eq(fit_rows(x, yy, 6, 2, NULL, NULL, 2, 2, 1, &o2, &m, err), 0);
                ck_assert(m.coef[1] == 0.0);
                ck_assert(m.coef[0] > 0.0);
                ck_assert(kkt_violation(x, yy, 6, 2, &o2, &m) < 1e-4);
                pt_logreg_model_free(&m);
            }
    }
}
END_TEST

START_TEST(test_iterations_and_errors)
{
    double *x, *y, bad[3] = {0, 1, 0.5}, xb[3] = {1, 2, 3};
    char err[PT_ERRLEN] = "";
    pt_logreg_opts_t o = opts(0.01, 0.0, 1, 1);
    pt_logreg_model_t m;
    pt_rowblock_t b = {0};
    synth(200, 3, 2, 17, &x, &y);
    /* max_iter stops the fit, reported as not converged */
    o.max_iter = 1;
    ck_assert_int_eq(fit_rows(x, y, 200, 3, NULL, NULL, 3, 2, 1, &o, &m, err), 0);
    ck_assert(m.iterations == 1 && m.converged == 0);
    pt_logreg_model_free(&m);
    o.max_iter = 0; /* Spark's start: coefficients 0, intercept log(n1/n0) */
    ck_assert_int_eq(fit_rows(x, y, 200, 3, NULL, NULL, 3, 2, 1, &o, &m, err), 0);
    {
        double n1 = 0;
        for (int i = 0; i < 200; i++)
            n1 += y[i];
        ck_assert(m.iterations == 0 && m.converged == 0 && m.coef[0] == 0.0);
        ck_assert(fabs(m.intercept[0] - log(n1 / (200 - n1))) < 1e-15);
    }
    pt_logreg_model_free(&m);
    pt_logreg_model_free(&m); /* twice is fine */
    pt_logreg_model_free(NULL);
    /* Spark's defaults converge on this easy problem well within maxIter */
    o = pt_logreg_defaults();
    ck_assert(o.max_iter == 100 && o.tol == 1e-6 && o.fit_intercept && o.standardization &&
              o.threshold == 0.5 && o.family == PT_FAMILY_AUTO && o.reg_param == 0.0);
    ck_assert_int_eq(fit_rows(x, y, 200, 3, NULL, NULL, 3, 2, 1, &o, &m, err), 0);
    ck_assert(m.converged && m.iterations > 0 && m.iterations < 100);
    ck_assert(kkt_violation(x, y, 200, 3, &o, &m) < 1e-4);
    pt_logreg_model_free(&m);

    o = opts(-1.0, 0.0, 1, 1);
    ck_assert_int_eq(fit_rows(x, y, 200, 3, NULL, NULL, 3, 2, 1, &o, &m, err), -EINVAL);
    ck_assert_str_eq(err, "logisticRegression: regParam must be a finite number >= 0 (got -1)");
    ck_assert(m.coef == NULL && m.intercept == NULL);
    o = opts(0.1, 1.5, 1, 1);
    ck_assert_int_eq(fit_rows(x, y, 200, 3, NULL, NULL, 3, 2, 1, &o, &m, err), -EINVAL);
    o = opts(0.1, 0.0, 1, 1);
    o.threshold = 2.0;
    ck_assert_int_eq(fit_rows(x, y, 200, 3, NULL, NULL, 3, 2, 1, &o, &m, err), -EINVAL);
    o = opts(0.1, 0.0, 1, 1);
    o.family = PT_FAMILY_BINOMIAL;
    ck_assert_int_eq(fit_rows(x, y, 200, 3, NULL, NULL, 3, 3, 1, &o, &m, err), -EINVAL);
    ck_assert_str_eq(err, "logisticRegression: Binomial family only supports 1 or 2 outcome "
                          "classes but found 3");
    o = opts(0.1, 0.0, 1, 1);
    /* a label that is not a class id */
    b.x = xb;
    b.y = bad;
    b.n = 3;
    ck_assert_int_eq(pt_logreg_fit(&b, 1, 1, NULL, 1, 2, &o, &m, err), -EINVAL);
    ck_assert_str_eq(err, "logisticRegression: labels must be integers in [0, 2); found 0.5");
    bad[2] = 2.0;
    ck_assert_int_eq(pt_logreg_fit(&b, 1, 1, NULL, 1, 2, &o, &m, err), -EINVAL);
    /* sizes: no rows, q != p without A */
    b.n = 0;
    ck_assert_int_eq(pt_logreg_fit(&b, 1, 1, NULL, 1, 2, &o, &m, err), -EINVAL);
    ck_assert_str_eq(err, "logisticRegression: no training rows");
    b.n = 3;
    ck_assert_int_eq(pt_logreg_fit(&b, 1, 1, NULL, 2, 2, &o, &m, err), -EINVAL);
    free(x);
    free(y);
}
END_TEST

/* Row weights: integer weights fit as the rows repeated that many times (regParam 0, where
 * the stds, whose weighted form differs from the repeated rows', only scale the problem);
 * unit weights fit bit for bit as no weights; weights that sum to 0 are refused. */
START_TEST(test_weights)
{
    enum { N = 400, PW = 4 };
    for (size_t K = 2; K <= 3; K++) {
        double *x, *y, w[N], one[N];
        double *xd = malloc(3 * N * PW * sizeof(double)), *yd = malloc(3 * N * sizeof(double));
        size_t nd = 0;
        char err[PT_ERRLEN];
        pt_logreg_opts_t o = opts(0.0, 0.0, 1, 1), o2 = opts(0.05, 0.5, 1, 1);
        pt_logreg_model_t a, b;
        pt_rowblock_t bw = {0}, bd = {0};
        ck_assert(xd != NULL && yd != NULL);
        synth(N, PW, K, 41 + K, &x, &y);
        for (size_t i = 0; i < N; i++) {
            w[i] = (double)((i * 5 + 1) % 4);
            one[i] = 1.0;
            for (int c = 0; c < (int)w[i]; c++, nd++) {
                memcpy(xd + nd * PW, x + i * PW, PW * sizeof(double));
                yd[nd] = y[i];
            }
        }
        bw = (pt_rowblock_t){.x = x, .y = y, .n = N, .w = w};
        bd = (pt_rowblock_t){.x = xd, .y = yd, .n = nd};
        ck_assert_int_eq(pt_logreg_fit(&bw, 1, PW, NULL, PW, K, &o, &a, err), 0);
        ck_assert_int_eq(pt_logreg_fit(&bd, 1, PW, NULL, PW, K, &o, &b, err), 0);
        for (size_t k = 0; k < a.ncoef_rows; k++) {
            double u = a.intercept[k], v = b.intercept[k];
            ck_assert_msg(fabs(u - v) < 1e-6 * (1 + fabs(v)), "K %zu intercept %zu: %.12g vs %.12g",
                          K, k, u, v);
            for (size_t j = 0; j < PW; j++) {
                double u = a.coef[k * PW + j], v = b.coef[k * PW + j];
                ck_assert_msg(fabs(u - v) < 1e-6 * (1 + fabs(v)),
                              "K %zu coef %zu %zu: %.12g vs %.12g", K, k, j, u, v);
            }
        }
        pt_logreg_model_free(&a);
        pt_logreg_model_free(&b);
        bw.w = one;
        bd = (pt_rowblock_t){.x = x, .y = y, .n = N};
        ck_assert_int_eq(pt_logreg_fit(&bw, 1, PW, NULL, PW, K, &o2, &a, err), 0);
        ck_assert_int_eq(pt_logreg_fit(&bd, 1, PW, NULL, PW, K, &o2, &b, err), 0);
        ck_assert_mem_eq(a.coef, b.coef, a.ncoef_rows * PW * sizeof(double));
        ck_assert_mem_eq(a.intercept, b.intercept, a.ncoef_rows * sizeof(double));
        ck_assert_int_eq(a.iterations, b.iterations);
        pt_logreg_model_free(&a);
        pt_logreg_model_free(&b);
        memset(w, 0, sizeof w);
        bw.w = w;
        ck_assert_int_eq(pt_logreg_fit(&bw, 1, PW, NULL, PW, K, &o, &a, err), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err, "weights sum to 0"));
        free(x);
        free(y);
        free(xd);
        free(yd);
    }
}
END_TEST

START_TEST(test_prediction_helpers)
{
    /* binomial: margins 0, ln 3, -ln 3 -> p1 = 1/2, 3/4, 1/4. With threshold 0.5 the
     * strict test gives 0 for p1 = 1/2; threshold 0.25 gives 1, 1, 0 (0.25 is not > 0.25) */
    double x[3 * 2] = {0, 0, 1, 0, 0, 1}, coef[2] = {log(3.0), -log(3.0)}, icpt = 0.0;
    double mg[3], pr[3 * 2], pd[3], sc[3];
    pt_logreg_margins(x, 3, 2, coef, &icpt, 1, mg);
    ck_assert(mg[0] == 0.0 && fabs(mg[1] - log(3.0)) < 1e-15 && fabs(mg[2] + log(3.0)) < 1e-15);
    pt_logreg_probabilities(mg, 3, 1, 0, pr);
    ck_assert(pr[1] == 0.5 && fabs(pr[3] - 0.75) < 1e-15 && fabs(pr[5] - 0.25) < 1e-15);
    ck_assert(fabs(pr[2] - 0.25) < 1e-15 && fabs(pr[0] + pr[1] - 1.0) < 1e-15);
    pt_logreg_predict(pr, 3, 2, 0, 0.5, pd);
    ck_assert(pd[0] == 0.0 && pd[1] == 1.0 && pd[2] == 0.0);
    pt_logreg_predict(pr, 3, 2, 0, 0.25, pd);
    ck_assert(pd[0] == 1.0 && pd[1] == 1.0 && pd[2] == 0.0);
    pt_logreg_scores(mg, 3, 1, 0, sc);
    ck_assert(sc[1] == mg[1] && sc[2] == mg[2]);

    /* multinomial: margins (1, 1, 0) -> e/(2e+1) twice and 1/(2e+1); the tie goes to class 0;
     * margins (0, ln 2, ln 2 + 1e-300 rounding to ln 2) tie -> class 1; scores = margin 1 */
    {
        double m3[2 * 3] = {1, 1, 0, 0, log(2.0), log(2.0)}, p3[6], d3[2], s3[2];
        double e = exp(1.0);
        pt_logreg_probabilities(m3, 2, 3, 1, p3);
        ck_assert(fabs(p3[0] - e / (2 * e + 1)) < 1e-15 && fabs(p3[2] - 1 / (2 * e + 1)) < 1e-15);
        ck_assert(fabs(p3[3] - 0.2) < 1e-15 && fabs(p3[4] - 0.4) < 1e-15);
        pt_logreg_predict(p3, 2, 3, 1, 0.5, d3);
        ck_assert(d3[0] == 0.0 && d3[1] == 1.0);
        pt_logreg_scores(m3, 2, 3, 1, s3);
        ck_assert(s3[0] == 1.0 && s3[1] == log(2.0));
    }
    /* +inf margins (constant-label models): the first +inf class gets probability 1 */
    {
        double m3[3] = {0, INFINITY, INFINITY}, p3[3], d3[1];
        pt_logreg_probabilities(m3, 1, 3, 1, p3);
        ck_assert(p3[0] == 0.0 && p3[1] == 1.0 && p3[2] == 0.0);
        pt_logreg_predict(p3, 1, 3, 1, 0.5, d3);
        ck_assert(d3[0] == 1.0);
    }
}
END_TEST

/* A regularization path (opts.warm): each regParam from the largest down, started from the
 * fit before, stops by the cold fit's rule (f0 is the same at every regParam: the penalty is
 * 0 at Spark's start), reaches the same objective to within what tol allows and the same
 * optimality, in fewer iterations in all; L2 (L-BFGS) and elastic net (OWL-QN). */
START_TEST(test_warm_start_path)
{
    static const double regs[] = {0.3, 0.1, 0.03, 0.01, 0.003, 0.001};
    const size_t nreg = sizeof regs / sizeof regs[0], n = 2000, p = 6;
    double *x, *y;
    char err[PT_ERRLEN] = "";
    synth(n, p, 2, 21, &x, &y);
    for (int en = 0; en < 2; en++) {
        pt_logreg_model_t prev = {0};
        int it_cold = 0, it_warm = 0;
        for (size_t k = 0; k < nreg; k++) {
            pt_logreg_opts_t o = pt_logreg_defaults(); /* the default tol: a sweep's fit */
            pt_logreg_model_t cold, warm;
            o.reg_param = regs[k];
            o.elastic_net = en ? 0.5 : 0.0;
            ck_assert_int_eq(fit_rows(x, y, n, p, NULL, NULL, p, 2, 2, &o, &cold, err), 0);
            o.warm = k > 0 ? &prev : NULL;
            ck_assert_int_eq(fit_rows(x, y, n, p, NULL, NULL, p, 2, 2, &o, &warm, err), 0);
            ck_assert(cold.converged && warm.converged);
            ck_assert(cold.warm_state != NULL && warm.warm_state != NULL);
            ck_assert_double_eq(warm.f0, cold.f0);
            ck_assert_msg(fabs(warm.objective - cold.objective) <= 1e-6 * fabs(cold.f0),
                          "en %d reg %g: objective %.15g warm, %.15g cold", en, regs[k],
                          warm.objective, cold.objective);
            ck_assert_msg(kkt_violation(x, y, n, p, &o, &warm) < 1e-3, "en %d reg %g: KKT %g",
                          en, regs[k], kkt_violation(x, y, n, p, &o, &warm));
            it_cold += cold.iterations;
            it_warm += warm.iterations;
            pt_logreg_model_free(&cold);
            pt_logreg_model_free(&prev);
            prev = warm;
        }
        ck_assert_msg(it_warm < it_cold, "en %d: %d iterations on the path, %d cold", en,
                      it_warm, it_cold);
        pt_logreg_model_free(&prev);
    }
    /* a model of another shape is no start: the fit is the cold one, bit for bit */
    {
        pt_logreg_opts_t o = pt_logreg_defaults();
        pt_logreg_model_t a, b, other;
        o.reg_param = 0.01;
        ck_assert_int_eq(fit_rows(x, y, n, p, NULL, NULL, p, 2, 1, &o, &a, err), 0);
        ck_assert_int_eq(fit_rows(x, y, n, p - 1, NULL, NULL, p - 1, 2, 1, &o, &other, err), 0);
        o.warm = &other;
        ck_assert_int_eq(fit_rows(x, y, n, p, NULL, NULL, p, 2, 1, &o, &b, err), 0);
        ck_assert(memcmp(a.coef, b.coef, p * sizeof(double)) == 0 &&
                  a.intercept[0] == b.intercept[0] && a.iterations == b.iterations);
        pt_logreg_model_free(&a);
        pt_logreg_model_free(&b);
        pt_logreg_model_free(&other);
    }
    free(x);
    free(y);
}
END_TEST

/* The objective's passes on several threads (opts.threads): rows cut into ranges that do not
 * depend on the thread count, sums added in range order, so the model is bit-identical for
 * every count; binomial and multinomial, with rows in several blocks (ranges across their
 * borders) and weights. */
START_TEST(test_threads_bit_identical)
{
    const size_t n = 20000, p = 5;
    static const int threads[] = {1, 2, 3, 7};
    double *x, *y, *w = malloc(n * sizeof(double));
    char err[PT_ERRLEN] = "";
    uint64_t st = 5;
    ck_assert_ptr_nonnull(w);
    for (size_t i = 0; i < n; i++)
        w[i] = 0.5 + pt_rng_uniform(&st);
    for (size_t K = 2; K <= 3; K++) {
        pt_logreg_model_t m[4];
        synth(n, p, K, 31 + K, &x, &y);
        for (size_t t = 0; t < 4; t++) {
            pt_logreg_opts_t o = opts(0.01, K == 3 ? 0.3 : 0.0, 1, 1);
            pt_rowblock_t bl[3] = {{x, y, 7000, w, NULL, NULL},
                                   {x + 7000 * p, y + 7000, 9001, w + 7000, NULL, NULL},
                                   {x + 16001 * p, y + 16001, n - 16001, w + 16001, NULL, NULL}};
            o.tol = 1e-9;
            o.threads = threads[t];
            ck_assert_int_eq(pt_logreg_fit_affine(bl, 3, p, NULL, NULL, p, K, &o, &m[t], err), 0);
            ck_assert(m[t].iterations > 2);
            if (t == 0)
                continue;
            ck_assert_msg(memcmp(m[t].coef, m[0].coef, m[0].ncoef_rows * p * sizeof(double)) == 0
                          && memcmp(m[t].intercept, m[0].intercept,
                                    m[0].ncoef_rows * sizeof(double)) == 0 &&
                          m[t].iterations == m[0].iterations && m[t].objective == m[0].objective,
                          "K %zu: %d threads differ from 1", K, threads[t]);
        }
        for (size_t t = 0; t < 4; t++)
            pt_logreg_model_free(&m[t]);
        free(x);
        free(y);
    }
    free(w);
}
END_TEST

Suite *suite_logreg(void)
{
    Suite *s = suite_create("logreg");
    TCase *tc = tcase_create("fit");
    TCase *tp = tcase_create("predict");
    tcase_set_timeout(tc, 60);
    tcase_set_timeout(tp, 10);
    tcase_add_test(tc, test_binomial_l2_optimality);
    tcase_add_test(tc, test_elastic_net_optimality);
    tcase_add_test(tc, test_multinomial);
    tcase_add_test(tc, test_closed_forms);
    tcase_add_test(tc, test_transform_equals_explicit);
    tcase_add_test(tc, test_blocks_and_chunks);
    tcase_add_test(tc, test_constant_label_and_zero_std);
    tcase_add_test(tc, test_iterations_and_errors);
    tcase_add_test(tc, test_weights);
    tcase_add_test(tc, test_warm_start_path);
    tcase_add_test(tc, test_threads_bit_identical);
    tcase_add_test(tp, test_prediction_helpers);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, tp);
    return s;
}
