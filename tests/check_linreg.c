/* check_linreg.c - unit tests of pt_linreg against the documented objective, written out here.
 *
 * The reference is the standardized problem of pt_linreg.h (README.md, the linearRegression
 * row) evaluated directly on the rows in long double (population stds, lambda = regParam /
 * sigma_y, per-feature penalty weights for standardization = false): the fitted
 * coefficients must satisfy its
 * first-order (ridge) or subgradient (elastic net) optimality condition. Plus closed forms
 * worked by hand for one feature, and the degenerate cases (constant feature, constant label,
 * duplicated feature).
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_linreg.h"
#include "pt_moments.h"

static pt_linreg_opts_t opts(double reg, double alpha, int icpt, int stdz)
{
    pt_linreg_opts_t o = {reg, alpha, 1000, 1e-6, icpt, stdz};
    return o;
}

/* Moments of the rows, then the fit. Returns the fit's return code. */
static int fit_rows(const double *x, const double *y, size_t n, size_t p,
                    const pt_linreg_opts_t *o, double *coef, double *icpt,
                    pt_linreg_info_t *info, char *err)
{
    pt_moments_t *m = pt_moments_new(p);
    int rc;
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(pt_moments_from_rows(m, x, y, n), 0);
    rc = pt_linreg_fit(m, o, coef, icpt, info, err);
    pt_moments_destroy(&m);
    return rc;
}

/* Largest violation of the optimality condition of
 *   F(b') = 1/(2n) sum_i (sum_j b'_j u_ij - v_i)^2
 *           + lambda sum_j [ (1-alpha)/2 w2_j b'_j^2 + alpha w1_j |b'_j| ]
 * with u_ij = (x_ij - mu_j)/s_j, v_i = (y_i - ybar)/s_y (no centring without intercept),
 * lambda = reg/s_y, w2_j = 1 or 1/s_j^2, w1_j = 1 or 1/s_j (standardization false), at
 * b'_j = coef_j s_j / s_y. Smooth gradient g_j; the condition is g_j + lambda alpha w1_j
 * sign(b'_j) = 0 when b'_j != 0 and |g_j| <= lambda alpha w1_j when b'_j = 0. Also checks the
 * intercept (ybar - sum coef_j mu_j, or 0) and that zero-std features have coefficient 0.
 * s_y = |ybar| for a constant label without intercept, as documented. */
static double kkt_violation(const double *x, const double *y, size_t n, size_t p,
                            const pt_linreg_opts_t *o, const double *coef, double icpt)
{
    long double ybar = 0, vy = 0, sy, lam, worst = 0, ic = 0;
    long double *mu = calloc(p, sizeof(long double)), *s = calloc(p, sizeof(long double));
    long double *bs = calloc(p, sizeof(long double)), *g = calloc(p, sizeof(long double));
    ck_assert(mu != NULL && s != NULL && bs != NULL && g != NULL);
    for (size_t i = 0; i < n; i++) {
        ybar += y[i];
        for (size_t j = 0; j < p; j++)
            mu[j] += x[i * p + j];
    }
    ybar /= n;
    for (size_t j = 0; j < p; j++)
        mu[j] /= n;
    for (size_t i = 0; i < n; i++) {
        vy += (y[i] - ybar) * (y[i] - ybar);
        for (size_t j = 0; j < p; j++)
            s[j] += (x[i * p + j] - mu[j]) * (x[i * p + j] - mu[j]);
    }
    sy = sqrtl(vy / n);
    if (sy == 0)
        sy = fabsl(ybar);
    lam = o->reg_param / sy;
    for (size_t j = 0; j < p; j++) {
        s[j] = sqrtl(s[j] / n);
        if (s[j] == 0)
            ck_assert_msg(coef[j] == 0.0, "zero-std feature %zu has coefficient %g", j, coef[j]);
        bs[j] = s[j] == 0 ? 0 : coef[j] * s[j] / sy;
    }
    for (size_t i = 0; i < n; i++) {
        long double res = -(y[i] - (o->fit_intercept ? ybar : 0)) / sy;
        for (size_t j = 0; j < p; j++)
            if (s[j] > 0)
                res += bs[j] * (x[i * p + j] - (o->fit_intercept ? mu[j] : 0)) / s[j];
        for (size_t j = 0; j < p; j++)
            if (s[j] > 0)
                g[j] += res * (x[i * p + j] - (o->fit_intercept ? mu[j] : 0)) / s[j] / n;
    }
    for (size_t j = 0; j < p; j++) {
        long double w2, w1, l1, v;
        if (s[j] == 0)
            continue;
        w2 = o->standardization ? 1 : 1 / (s[j] * s[j]);
        w1 = o->standardization ? 1 : 1 / s[j];
        g[j] += lam * (1 - o->elastic_net) * w2 * bs[j];
        l1 = lam * o->elastic_net * w1;
        if (bs[j] != 0)
            v = fabsl(g[j] + l1 * (bs[j] > 0 ? 1 : -1));
        else
            v = fabsl(g[j]) > l1 ? fabsl(g[j]) - l1 : 0;
        if (v > worst)
            worst = v;
    }
    if (o->fit_intercept) {
        ic = ybar;
        for (size_t j = 0; j < p; j++)
            ic -= coef[j] * mu[j];
    }
    ck_assert_msg(fabsl(icpt - ic) <= 1e-9 * (1 + fabsl(ic)), "intercept %g, want %Lg", icpt, ic);
    free(mu);
    free(s);
    free(bs);
    free(g);
    return (double)worst;
}

/* n x p rows: feature j has mean 5 (j+1) - 8, scale 10^(j mod 3 - 1), a shared latent factor;
 * y = sum beta_j x_j + 3 + noise, beta = (1.5, 0, -2, 0.1, 0, ...). Caller frees. */
static void make_data(size_t n, size_t p, uint64_t seed, double **x, double **y)
{
    uint64_t st = seed;
    const double beta[] = {1.5, 0, -2, 0.1, 0, 0.7, 0, 0};
    *x = malloc(n * p * sizeof(double));
    *y = malloc(n * sizeof(double));
    ck_assert(*x != NULL && *y != NULL && p <= 8);
    for (size_t i = 0; i < n; i++) {
        double z = pt_rng_normal(&st), s = 3;
        for (size_t j = 0; j < p; j++) {
            double sc = pow(10.0, (double)(j % 3) - 1.0);
            double v = 5.0 * (double)(j + 1) - 8.0 + sc * (pt_rng_normal(&st) + 0.4 * z);
            (*x)[i * p + j] = v;
            s += beta[j] * v / sc;
        }
        (*y)[i] = s + 0.5 * pt_rng_normal(&st);
    }
}

START_TEST(test_ridge_optimality)
{
    size_t n = 200, p = 5;
    double *x, *y, coef[5], ic;
    pt_linreg_info_t info;
    char err[PT_ERRLEN] = "";
    make_data(n, p, 1, &x, &y);
    for (int icpt = 0; icpt <= 1; icpt++)
        for (int stdz = 0; stdz <= 1; stdz++)
            for (int k = 0; k < 3; k++) {
                const double regs[3] = {0.0, 0.1, 3.0};
                pt_linreg_opts_t o = opts(regs[k], 0.0, icpt, stdz);
                double v;
                ck_assert_int_eq(fit_rows(x, y, n, p, &o, coef, &ic, &info, err), 0);
                ck_assert(info.iterations == 0 && info.converged == 1);
                v = kkt_violation(x, y, n, p, &o, coef, ic);
                ck_assert_msg(v < 1e-9, "reg %g icpt %d std %d: gradient %g", regs[k], icpt,
                              stdz, v);
                if (!icpt)
                    ck_assert(ic == 0.0);
            }
    free(x);
    free(y);
}
END_TEST

START_TEST(test_one_feature_closed_form)
{
    /* x = 1, 2, 3, 4; y = 2, 3, 5, 6.
     * mu = 2.5, pop var x = (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25, s_x = sqrt(1.25)
     * ybar = 4, pop var y = (4 + 1 + 1 + 4)/4 = 2.5, s_y = sqrt(2.5)
     * mean (x - mu)(y - ybar) = (3 + 0.5 + 0.5 + 3)/4 = 1.75
     * standardized: b' = [1.75 / (s_x s_y)] / (1 + w lambda), lambda = reg / s_y, w = 1
     * (standardization) or 1/s_x^2 = 0.8; back: b = b' s_y / s_x = (1.75/1.25)/(1 + w lambda)
     * = 1.4 / (1 + w lambda); intercept = 4 - 2.5 b.
     * reg = 0: b = 1.4 (OLS: Sxy/Sxx = 7/5), intercept 0.5.
     * reg = 0.5: lambda = 0.5/sqrt(2.5) = 0.31622776601683794
     *   standardization: b = 1.4/1.31622776601683794 = 1.0636456973...
     *   without: b = 1.4/(1 + 0.8 * 0.31622776601683794) = 1.4/1.25298221281347035
     * Without intercept (reg = 0): b = sum xy / sum x^2 = (2+6+15+24)/(1+4+9+16) = 47/30. */
    const double x[4] = {1, 2, 3, 4}, y[4] = {2, 3, 5, 6};
    double b, ic, lam = 0.5 / sqrt(2.5);
    char err[PT_ERRLEN] = "";
    pt_linreg_opts_t o = opts(0.0, 0.0, 1, 1);
    ck_assert_int_eq(fit_rows(x, y, 4, 1, &o, &b, &ic, NULL, err), 0);
    ck_assert(fabs(b - 1.4) < 1e-14 && fabs(ic - 0.5) < 1e-13);
    o.reg_param = 0.5;
    ck_assert_int_eq(fit_rows(x, y, 4, 1, &o, &b, &ic, NULL, err), 0);
    ck_assert(fabs(b - 1.4 / (1 + lam)) < 1e-14 && fabs(ic - (4 - 2.5 * b)) < 1e-13);
    ck_assert(fabs(b - 1.0636456973071409) < 1e-12);
    o.standardization = 0;
    ck_assert_int_eq(fit_rows(x, y, 4, 1, &o, &b, &ic, NULL, err), 0);
    ck_assert(fabs(b - 1.4 / (1 + 0.8 * lam)) < 1e-14);
    /* alpha = 1 (lasso), one standardized feature: b' = soft(rho, lambda) with
     * rho = 1.75/(s_x s_y), i.e. b = (1.75/1.25) * (1 - lambda/rho) since b' s_y/s_x scales
     * both: b = 1.4 - lambda s_y / s_x = 1.4 - 0.5/sqrt(1.25). */
    o = opts(0.5, 1.0, 1, 1);
    o.tol = 0;
    o.max_iter = 5;
    ck_assert_int_eq(fit_rows(x, y, 4, 1, &o, &b, &ic, NULL, err), 0);
    ck_assert(fabs(b - (1.4 - 0.5 / sqrt(1.25))) < 1e-13);
    o = opts(0.0, 0.0, 0, 1);
    ck_assert_int_eq(fit_rows(x, y, 4, 1, &o, &b, &ic, NULL, err), 0);
    ck_assert(fabs(b - 47.0 / 30.0) < 1e-14 && ic == 0.0);
}
END_TEST

START_TEST(test_standardization_differs)
{
    /* With regParam = 0 the penalty is absent, so both settings give OLS; with a penalty,
     * standardization = false weighs feature j by 1/s_j^2 (feature scales here are 0.1, 1,
     * 10), so the fits differ, and each satisfies its own optimality condition (checked in
     * test_ridge_optimality). */
    size_t n = 150, p = 3;
    double *x, *y, c1[3], c2[3], i1, i2, d = 0;
    char err[PT_ERRLEN] = "";
    pt_linreg_opts_t a = opts(0.0, 0.0, 1, 1), b = opts(0.0, 0.0, 1, 0);
    make_data(n, p, 2, &x, &y);
    ck_assert_int_eq(fit_rows(x, y, n, p, &a, c1, &i1, NULL, err), 0);
    ck_assert_int_eq(fit_rows(x, y, n, p, &b, c2, &i2, NULL, err), 0);
    for (size_t j = 0; j < p; j++)
        ck_assert(fabs(c1[j] - c2[j]) <= 1e-10 * fabs(c1[j]));
    a.reg_param = b.reg_param = 1.0;
    ck_assert_int_eq(fit_rows(x, y, n, p, &a, c1, &i1, NULL, err), 0);
    ck_assert_int_eq(fit_rows(x, y, n, p, &b, c2, &i2, NULL, err), 0);
    for (size_t j = 0; j < p; j++)
        d += fabs(c1[j] - c2[j]) / (fabs(c1[j]) + 1e-12);
    ck_assert_msg(d > 1e-3, "standardization true/false gave the same coefficients");
    /* Feature 0 has s ~ 0.1 < 1: without standardization its penalty is heavier and its
     * coefficient shrinks more; feature 2 (s ~ 10) shrinks less. */
    ck_assert(fabs(c2[0]) < fabs(c1[0]));
    ck_assert(fabs(c2[2]) > fabs(c1[2]));
    free(x);
    free(y);
}
END_TEST

START_TEST(test_elastic_net_kkt)
{
    size_t n = 300, p = 8;
    double *x, *y, coef[8], ic;
    char err[PT_ERRLEN] = "";
    pt_linreg_info_t info;
    make_data(n, p, 3, &x, &y);
    for (int icpt = 0; icpt <= 1; icpt++)
        for (int stdz = 0; stdz <= 1; stdz++)
            for (int k = 0; k < 2; k++) {
                const double alphas[2] = {0.5, 1.0};
                pt_linreg_opts_t o = opts(0.3, alphas[k], icpt, stdz);
                int zeros = 0, nonzeros = 0;
                double v;
                ck_assert_int_eq(fit_rows(x, y, n, p, &o, coef, &ic, &info, err), 0);
                ck_assert_msg(info.converged == 1 && info.iterations > 0,
                              "icpt %d std %d alpha %g: %d sweeps", icpt, stdz, alphas[k],
                              info.iterations);
                v = kkt_violation(x, y, n, p, &o, coef, ic);
                ck_assert_msg(v < 1e-4, "alpha %g icpt %d std %d: KKT violation %g", alphas[k],
                              icpt, stdz, v);
                for (size_t j = 0; j < p; j++) {
                    zeros += coef[j] == 0.0;
                    nonzeros += coef[j] != 0.0;
                }
                ck_assert_msg(zeros > 0 && nonzeros > 0, "%d zeros, %d nonzeros", zeros,
                              nonzeros);
            }
    /* A tight tolerance meets the condition far more closely. */
    {
        pt_linreg_opts_t o = opts(0.3, 0.5, 1, 1);
        o.tol = 1e-12;
        o.max_iter = 100000;
        ck_assert_int_eq(fit_rows(x, y, n, p, &o, coef, &ic, &info, err), 0);
        ck_assert(kkt_violation(x, y, n, p, &o, coef, ic) < 1e-9);
    }
    /* maxIter 0: no sweep, coefficients 0, not converged. */
    {
        pt_linreg_opts_t o = opts(0.3, 0.5, 1, 1);
        o.max_iter = 0;
        ck_assert_int_eq(fit_rows(x, y, n, p, &o, coef, &ic, &info, err), 0);
        ck_assert(info.iterations == 0 && info.converged == 0 && coef[0] == 0.0);
    }
    free(x);
    free(y);
}
END_TEST

/* A regularization path (pt_linreg_fit_warm): each regParam from the largest down started
 * from the fit before meets the same optimality as the cold fit, in fewer sweeps in all;
 * the direct solves (alpha 0) ignore the start. */
START_TEST(test_elastic_net_warm_path)
{
    static const double regs[] = {1.0, 0.3, 0.1, 0.03, 0.01, 0.003};
    size_t n = 300, p = 8;
    double *x, *y, prev[8], coef[8], cold[8], ic, icc;
    char err[PT_ERRLEN] = "";
    int sw_warm = 0, sw_cold = 0;
    pt_moments_t *m = pt_moments_new(p);
    pt_linreg_info_t info;
    make_data(n, p, 5, &x, &y);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(pt_moments_from_rows(m, x, y, n), 0);
    for (size_t k = 0; k < sizeof regs / sizeof regs[0]; k++) {
        pt_linreg_opts_t o = opts(regs[k], 0.5, 1, 1);
        ck_assert_int_eq(pt_linreg_fit(m, &o, cold, &icc, &info, err), 0);
        sw_cold += info.iterations;
        ck_assert_int_eq(pt_linreg_fit_warm(m, &o, k > 0 ? prev : NULL, coef, &ic, &info, err),
                         0);
        ck_assert(info.converged);
        sw_warm += info.iterations;
        ck_assert_msg(kkt_violation(x, y, n, p, &o, coef, ic) < 1e-4, "reg %g: KKT %g",
                      regs[k], kkt_violation(x, y, n, p, &o, coef, ic));
        for (size_t j = 0; j < p; j++)
            ck_assert_msg(fabs(coef[j] - cold[j]) <= 1e-4 * (1.0 + fabs(cold[j])),
                          "reg %g coef %zu: %g warm, %g cold", regs[k], j, coef[j], cold[j]);
        memcpy(prev, coef, sizeof prev);
    }
    ck_assert_msg(sw_warm < sw_cold, "%d sweeps on the path, %d cold", sw_warm, sw_cold);
    {
        pt_linreg_opts_t o = opts(0.1, 0.0, 1, 1);
        ck_assert_int_eq(pt_linreg_fit(m, &o, cold, &icc, &info, err), 0);
        ck_assert_int_eq(pt_linreg_fit_warm(m, &o, prev, coef, &ic, &info, err), 0);
        ck_assert(memcmp(coef, cold, sizeof coef) == 0 && ic == icc);
    }
    pt_moments_destroy(&m);
    free(x);
    free(y);
}
END_TEST

START_TEST(test_constant_feature)
{
    /* A constant column gets coefficient 0 and leaves the other coefficients as if it were
     * absent (Spark zeroes its row and column of the standardized system). */
    size_t n = 120, p = 4;
    double *x, *y, *x3, coef[4], coef3[3], ic, ic3;
    char err[PT_ERRLEN] = "";
    make_data(n, p, 4, &x, &y);
    x3 = malloc(n * 3 * sizeof(double));
    ck_assert_ptr_nonnull(x3);
    for (size_t i = 0; i < n; i++) {
        x[i * p + 1] = 0.1;
        x3[i * 3 + 0] = x[i * p + 0];
        x3[i * 3 + 1] = x[i * p + 2];
        x3[i * 3 + 2] = x[i * p + 3];
    }
    for (int k = 0; k < 4; k++) {
        pt_linreg_opts_t o = opts(k < 2 ? 0.0 : 0.2, k == 3 ? 0.5 : 0.0, 1, k % 2);
        ck_assert_int_eq(fit_rows(x, y, n, p, &o, coef, &ic, NULL, err), 0);
        ck_assert_int_eq(fit_rows(x3, y, n, 3, &o, coef3, &ic3, NULL, err), 0);
        ck_assert(coef[1] == 0.0);
        ck_assert(fabs(coef[0] - coef3[0]) <= 1e-10 * fabs(coef3[0]));
        ck_assert(fabs(coef[2] - coef3[1]) <= 1e-10 * fabs(coef3[1]));
        ck_assert(fabs(coef[3] - coef3[2]) <= 1e-10 * (fabs(coef3[2]) + 1e-12));
        ck_assert(fabs(ic - ic3) <= 1e-10 * fabs(ic3));
    }
    free(x);
    free(x3);
    free(y);
}
END_TEST

START_TEST(test_constant_label)
{
    size_t n = 50, p = 3;
    double *x, *y, coef[3], ic;
    char err[PT_ERRLEN] = "";
    pt_linreg_opts_t o = opts(0.5, 0.0, 1, 1);
    make_data(n, p, 5, &x, &y);
    /* fitIntercept: coefficients 0, intercept ybar */
    for (size_t i = 0; i < n; i++)
        y[i] = 0.7;
    ck_assert_int_eq(fit_rows(x, y, n, p, &o, coef, &ic, NULL, err), 0);
    ck_assert(coef[0] == 0.0 && coef[1] == 0.0 && coef[2] == 0.0 && ic == 0.7);
    /* no intercept, label 0: everything 0 */
    o.fit_intercept = 0;
    for (size_t i = 0; i < n; i++)
        y[i] = 0.0;
    ck_assert_int_eq(fit_rows(x, y, n, p, &o, coef, &ic, NULL, err), 0);
    ck_assert(coef[0] == 0.0 && coef[1] == 0.0 && coef[2] == 0.0 && ic == 0.0);
    /* no intercept, label 3, regParam 0: sigma_y := |ybar|; the fit is least squares through
     * the origin (its gradient vanishes) */
    o.reg_param = 0.0;
    for (size_t i = 0; i < n; i++)
        y[i] = 3.0;
    ck_assert_int_eq(fit_rows(x, y, n, p, &o, coef, &ic, NULL, err), 0);
    ck_assert(kkt_violation(x, y, n, p, &o, coef, ic) < 1e-9);
    ck_assert(coef[0] != 0.0);
    /* ... and with regParam > 0 Spark refuses (labels are standardized): an error */
    o.reg_param = 0.1;
    ck_assert_int_eq(fit_rows(x, y, n, p, &o, coef, &ic, NULL, err), -EDOM);
    ck_assert_ptr_nonnull(strstr(err, "standard deviation of the label is zero"));
    free(x);
    free(y);
}
END_TEST

START_TEST(test_singular_duplicate_feature)
{
    /* Columns 0 and 1 are exactly equal, regParam 0: the normal equations are singular.
     * Any solution has b0 + b1 = the one-feature OLS slope Sxy/Sxx; Spark's fallback (L-BFGS
     * from coefficients 0, intercept ybar/s_y) converges to the solution nearest its start,
     * which splits the slope equally between identical columns. */
    size_t n = 80;
    double *x, *y, *x2 = malloc(n * 2 * sizeof(double)), coef[2], ic;
    long double mx = 0, my = 0, sxx = 0, sxy = 0, slope;
    char err[PT_ERRLEN] = "";
    pt_linreg_opts_t o = opts(0.0, 0.0, 1, 1);
    ck_assert_ptr_nonnull(x2);
    make_data(n, 1, 6, &x, &y);
    for (size_t i = 0; i < n; i++) {
        x2[2 * i] = x2[2 * i + 1] = x[i];
        mx += x[i];
        my += y[i];
    }
    mx /= n;
    my /= n;
    for (size_t i = 0; i < n; i++) {
        sxx += (x[i] - mx) * (x[i] - mx);
        sxy += (x[i] - mx) * (y[i] - my);
    }
    slope = sxy / sxx;
    ck_assert_int_eq(fit_rows(x2, y, n, 2, &o, coef, &ic, NULL, err), 0);
    ck_assert_msg(fabsl(coef[0] + coef[1] - slope) < 1e-9 * fabsl(slope), "%g + %g vs %Lg",
                  coef[0], coef[1], slope);
    ck_assert(fabs(coef[0] - coef[1]) < 1e-9 * fabsl(slope));
    ck_assert(fabsl(ic - (my - slope * mx)) < 1e-9 * (1 + fabsl(my)));

    /* Column 1 = 2 x + 1: in standardized units both columns are the same u, with means
     * m0 = mu/s and m1 = (2 mu + 1)/(2 s). Solutions: b'0 + b'1 = beta (standardized OLS).
     * The nearest point to Spark's start minimizes b'0^2 + b'1^2 + (m0 b'0 + m1 b'1)^2; with
     * b'0 = beta/2 + t, b'1 = beta/2 - t, d = m0 - m1, A = beta (m0 + m1)/2 the derivative
     * 4t + 2d(A + t d) = 0 gives t = -d A / (2 + d^2). */
    {
        long double s = sqrtl(sxx / n), sy = 0, beta, m0, m1, d, A, t, want0, want1;
        for (size_t i = 0; i < n; i++) {
            x2[2 * i + 1] = 2.0 * x[i] + 1.0;
            sy += (y[i] - my) * (y[i] - my);
        }
        sy = sqrtl(sy / n);
        beta = slope * s / sy;
        m0 = mx / s;
        m1 = (2 * mx + 1) / (2 * s);
        d = m0 - m1;
        A = beta * (m0 + m1) / 2;
        t = -d * A / (2 + d * d);
        want0 = (beta / 2 + t) * sy / s;       /* back to original units */
        want1 = (beta / 2 - t) * sy / (2 * s); /* s_1 = 2 s */
        ck_assert_int_eq(fit_rows(x2, y, n, 2, &o, coef, &ic, NULL, err), 0);
        ck_assert_msg(fabsl(coef[0] - want0) < 1e-8 * fabsl(slope) &&
                          fabsl(coef[1] - want1) < 1e-8 * fabsl(slope),
                      "(%g, %g) vs (%Lg, %Lg)", coef[0], coef[1], want0, want1);
    }
    free(x);
    free(x2);
    free(y);
}
END_TEST

START_TEST(test_predict_and_invalid)
{
    const double x[6] = {1, 2, 3, -1, 0.5, 4}, c[3] = {0.5, -1, 2};
    double out[2], coef[3], ic;
    char err[PT_ERRLEN] = "";
    pt_linreg_opts_t o = opts(0.1, 0.0, 1, 1);
    pt_moments_t *m = pt_moments_new(3);
    ck_assert_ptr_nonnull(m);
    /* row 0: 0.5 - 2 + 6 + 3 = 7.5; row 1: -0.5 - 0.5 + 8 + 3 = 10 */
    pt_linear_predict(x, 2, 3, c, 3.0, out);
    ck_assert(out[0] == 7.5 && out[1] == 10.0);
    pt_linear_predict(x, 2, 0, c, 3.0, out);
    ck_assert(out[0] == 3.0 && out[1] == 3.0);

    ck_assert_int_eq(pt_linreg_fit(m, &o, coef, &ic, NULL, err), -EINVAL); /* n = 0 */
    ck_assert_ptr_nonnull(strstr(err, "no training rows"));
    m->n = 5;
    o.reg_param = -1;
    ck_assert_int_eq(pt_linreg_fit(m, &o, coef, &ic, NULL, err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "regParam"));
    o.reg_param = 0;
    o.elastic_net = 1.5;
    ck_assert_int_eq(pt_linreg_fit(m, &o, coef, &ic, NULL, NULL), -EINVAL);
    o.elastic_net = 0;
    o.tol = -1;
    ck_assert_int_eq(pt_linreg_fit(m, &o, coef, &ic, NULL, err), -EINVAL);
    pt_moments_destroy(&m);
}
END_TEST

Suite *suite_linreg(void)
{
    Suite *s = suite_create("linreg");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_ridge_optimality);
    tcase_add_test(tc, test_one_feature_closed_form);
    tcase_add_test(tc, test_standardization_differs);
    tcase_add_test(tc, test_elastic_net_kkt);
    tcase_add_test(tc, test_elastic_net_warm_path);
    tcase_add_test(tc, test_constant_feature);
    tcase_add_test(tc, test_constant_label);
    tcase_add_test(tc, test_singular_duplicate_feature);
    tcase_add_test(tc, test_predict_and_invalid);
    suite_add_tcase(s, tc);
    return s;
}
