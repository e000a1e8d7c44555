/* check_optim.c - unit tests of pt_optim: L-BFGS and OWL-QN on problems with known answers.
 *
 * A convex quadratic (minimiser Q^-1 b), Rosenbrock's function (minimiser (1, 1)), an L1
 * problem whose solution is the soft-thresholded centre (exact zeros where the weight wins),
 * the preconditioner not moving the optimum, and max_iter 0 leaving x as it was.
 */
#include <check.h>
#include <math.h>
#include <stddef.h>

#include "pt_optim.h"

/* f(x) = 1/2 x^T Q x - b^T x, Q = [[4,1,0],[1,3,1],[0,1,2]], b = (1, 2, 3). */
static const double Q[9] = {4, 1, 0, 1, 3, 1, 0, 1, 2}, B[3] = {1, 2, 3};

static double quadratic(void *ctx, const double *x, double *g)
{
    double f = 0.0;
    int *calls = ctx;
    (*calls)++;
    for (int i = 0; i < 3; i++) {
        g[i] = -B[i];
        for (int j = 0; j < 3; j++)
            g[i] += Q[i * 3 + j] * x[j];
        f += 0.5 * x[i] * (g[i] - B[i]); /* 1/2 x.Qx - b.x = 1/2 x.(Qx - b) - 1/2 b.x */
    }
    return f;
}

static double rosenbrock(void *ctx, const double *x, double *g)
{
    double a = 1.0 - x[0], b = x[1] - x[0] * x[0];
    (void)ctx;
    g[0] = -2.0 * a - 400.0 * x[0] * b;
    g[1] = 200.0 * b;
    return a * a + 100.0 * b * b;
}

/* f(x) = 1/2 |x - c|^2: with l1 weights w the minimiser is sign(c) max(|c| - w, 0). */
static const double C[5] = {3.0, 0.5, -2.0, -0.2, 1.5};

static double centre(void *ctx, const double *x, double *g)
{
    double f = 0.0;
    (void)ctx;
    for (int i = 0; i < 5; i++) {
        g[i] = x[i] - C[i];
        f += 0.5 * g[i] * g[i];
    }
    return f;
}

START_TEST(quadratic_minimiser)
{
    /* the minimiser solves Q x = b: checked through Q x */
    static const double pre[3] = {0.25, 1.0 / 3.0, 0.5};
    for (int with_pre = 0; with_pre < 2; with_pre++) {
        double x[3] = {0, 0, 0};
        int calls = 0;
        pt_optim_problem_t pb = {quadratic, &calls, 3, NULL, with_pre ? pre : NULL, 0.0, NULL};
        pt_optim_result_t res;
        ck_assert_int_eq(pt_optim_minimize(&pb, x, 100, 1e-12, &res), 0);
        ck_assert_int_eq(res.converged, 1);
        ck_assert_int_gt(res.iterations, 0);
        ck_assert_int_le(res.iterations, 20);
        ck_assert_int_gt(calls, res.iterations);
        for (int i = 0; i < 3; i++) {
            double qx = 0.0;
            for (int j = 0; j < 3; j++)
                qx += Q[i * 3 + j] * x[j];
            ck_assert_double_eq_tol(qx, B[i], 1e-7);
        }
        /* the minimum value is -1/2 b.x* (x within the 1e-8 gradient bound of x*) */
        ck_assert_double_eq_tol(res.fval, -0.5 * (B[0] * x[0] + B[1] * x[1] + B[2] * x[2]),
                                1e-7);
    }
}
END_TEST

START_TEST(rosenbrock_minimiser)
{
    double x[2] = {-1.2, 1.0};
    pt_optim_problem_t pb = {rosenbrock, NULL, 2, NULL, NULL, 0.0, NULL};
    pt_optim_result_t res;
    ck_assert_int_eq(pt_optim_minimize(&pb, x, 500, 1e-14, &res), 0);
    ck_assert_int_eq(res.converged, 1);
    ck_assert_double_eq_tol(x[0], 1.0, 1e-5);
    ck_assert_double_eq_tol(x[1], 1.0, 1e-5);
    ck_assert_double_le(res.fval, 1e-10);
}
END_TEST

START_TEST(l1_sparse_solution)
{
    static const double w[5] = {1.0, 1.0, 1.0, 1.0, 0.0}; /* the last one unpenalised */
    static const double want[5] = {2.0, 0.0, -1.0, 0.0, 1.5};
    double x[5] = {0, 0, 0, 0, 0}, F = 0.0;
    pt_optim_problem_t pb = {centre, NULL, 5, w, NULL, 0.0, NULL};
    pt_optim_result_t res;
    ck_assert_int_eq(pt_optim_minimize(&pb, x, 100, 1e-12, &res), 0);
    ck_assert_int_eq(res.converged, 1);
    for (int i = 0; i < 5; i++) {
        if (want[i] == 0.0)
            ck_assert_msg(x[i] == 0.0, "x[%d] = %g, want exactly 0", i, x[i]);
        else
            ck_assert_double_eq_tol(x[i], want[i], 1e-7);
        F += 0.5 * (want[i] - C[i]) * (want[i] - C[i]) + w[i] * fabs(want[i]);
    }
    ck_assert_double_eq_tol(res.fval, F, 1e-10);
}
END_TEST

START_TEST(no_iterations)
{
    double x[3] = {0.5, -0.5, 2.0};
    int calls = 0;
    pt_optim_problem_t pb = {quadratic, &calls, 3, NULL, NULL, 0.0, NULL};
    pt_optim_result_t res;
    ck_assert_int_eq(pt_optim_minimize(&pb, x, 0, 1e-12, &res), 0);
    ck_assert_int_eq(res.iterations, 0);
    ck_assert_int_eq(res.converged, 0);
    ck_assert_int_eq(calls, 1);
    ck_assert(x[0] == 0.5 && x[1] == -0.5 && x[2] == 2.0);
}
END_TEST

Suite *suite_optim(void)
{
    Suite *s = suite_create("optim");
    TCase *tc = tcase_create("optim");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, quadratic_minimiser);
    tcase_add_test(tc, rosenbrock_minimiser);
    tcase_add_test(tc, l1_sparse_solution);
    tcase_add_test(tc, no_iterations);
    suite_add_tcase(s, tc);
    return s;
}
