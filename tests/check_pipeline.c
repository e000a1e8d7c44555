/* check_pipeline.c - unit tests of pt_pipeline: the composed model equals the stages applied
 * one by one to explicitly transformed rows (naive loops here, not the affine moment path). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_linreg.h"
#include "pt_logreg.h"
#include "pt_moments.h"
#include "pt_pca.h"
#include "pt_pipeline.h"

enum { N = 240, P = 6 };

static void make_data(double *x, double *y, int classes)
{
    uint64_t st = 99;
    for (size_t i = 0; i < N; i++) {
        double lat = pt_rng_normal(&st), m = 0;
        for (size_t j = 0; j < P; j++) {
            x[i * P + j] = 10.0 * (double)j + (1.0 + (double)j) * lat + pt_rng_normal(&st);
            m += (j % 2 ? 0.3 : -0.2) * x[i * P + j];
        }
        y[i] = classes ? (lat + 0.7 * pt_rng_normal(&st) > 0 ? 1 : 0) : m + 0.1 * pt_rng_normal(&st);
    }
}

static void setp(pt_paramlist_t *l, const char *k, pt_vtype_t t, double v)
{
    pt_value_t val = {t, v, NULL};
    ck_assert_int_eq(pt_paramlist_set(l, k, &val), 0);
}

/* z := (x - mean) / sample std, column by column, with plain loops */
static void scale_rows(const double *x, double *z)
{
    for (size_t j = 0; j < P; j++) {
        double mu = 0, ss = 0;
        for (size_t i = 0; i < N; i++)
            mu += x[i * P + j];
        mu /= N;
        for (size_t i = 0; i < N; i++)
            ss += (x[i * P + j] - mu) * (x[i * P + j] - mu);
        for (size_t i = 0; i < N; i++)
            z[i * P + j] = (x[i * P + j] - mu) / sqrt(ss / (N - 1));
    }
}

START_TEST(scaler_pca_linreg_composes)
{
    double *x = malloc(N * P * sizeof *x), *y = malloc(N * sizeof *y);
    double *z = malloc(N * P * sizeof *z), *z2 = calloc(N * 3, sizeof *z2);
    double V[P * 3], coef[3], icpt, pred[N], want;
    char err[PT_ERRLEN];
    char *stages[] = {"standardScaler", "pca", "linearRegression"};
    pt_paramlist_t params = {0, NULL};
    pt_moments_t *m = pt_moments_new(P), *mz = pt_moments_new(P), *mz2 = pt_moments_new(3);
    pt_linreg_opts_t o = {0.1, 0.0, 100, 1e-6, 1, 1};
    pt_rowblock_t blk = {0};
    pt_fitted_t *f;

    make_data(x, y, 0);
    setp(&params, "standardScaler.withMean", PT_VAL_BOOL, 1);
    setp(&params, "standardScaler.withStd", PT_VAL_BOOL, 1);
    setp(&params, "pca.k", PT_VAL_INT, 3);
    setp(&params, "linearRegression.regParam", PT_VAL_DOUBLE, 0.1);
    setp(&params, "linearRegression.elasticNetParam", PT_VAL_DOUBLE, 0);
    setp(&params, "linearRegression.maxIter", PT_VAL_INT, 100);
    setp(&params, "linearRegression.tol", PT_VAL_DOUBLE, 1e-6);
    setp(&params, "linearRegression.fitIntercept", PT_VAL_BOOL, 1);
    setp(&params, "linearRegression.standardization", PT_VAL_BOOL, 1);
    ck_assert_int_eq(pt_moments_from_rows(m, x, y, N), 0);
    blk.x = x;
    blk.y = y;
    blk.n = N;
    f = pt_pipeline_fit(m, &blk, 1, stages, 3, &params, 0, NULL, err);
    ck_assert_msg(f != NULL, "%s", err);
    ck_assert_int_eq(pt_fitted_predict(f, x, N, pred, NULL, NULL), 0);

    /* the same stages one at a time on explicitly transformed rows */
    scale_rows(x, z);
    ck_assert_int_eq(pt_moments_from_rows(mz, z, y, N), 0);
    ck_assert_int_eq(pt_pca_fit(mz, 3, V, NULL, err), 0);
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < 3; k++)
            for (size_t j = 0; j < P; j++)
                z2[i * 3 + k] += z[i * P + j] * V[j * 3 + k];
    ck_assert_int_eq(pt_moments_from_rows(mz2, z2, y, N), 0);
    ck_assert_int_eq(pt_linreg_fit(mz2, &o, coef, &icpt, NULL, err), 0);
    for (size_t i = 0; i < N; i++) {
        want = icpt + coef[0] * z2[i * 3] + coef[1] * z2[i * 3 + 1] + coef[2] * z2[i * 3 + 2];
        ck_assert_msg(fabs(pred[i] - want) <= 1e-9 * (1 + fabs(want)), "row %zu: %g vs %g", i,
                      pred[i], want);
    }
    ck_assert_uint_eq(pt_fitted_classes(f), 0);
    pt_fitted_destroy(&f);
    ck_assert_ptr_null(f);
    pt_paramlist_free(&params);
    pt_moments_destroy(&m);
    pt_moments_destroy(&mz);
    pt_moments_destroy(&mz2);
    free(x);
    free(y);
    free(z);
    free(z2);
}
END_TEST

START_TEST(scaler_logistic_composes)
{
    double *x = malloc(N * P * sizeof *x), *y = malloc(N * sizeof *y);
    double *z = malloc(N * P * sizeof *z), pred[N], score[N], prob[N * 2];
    char err[PT_ERRLEN];
    char *stages[] = {"standardScaler", "logisticRegression"};
    pt_paramlist_t params = {0, NULL};
    pt_moments_t *m = pt_moments_new(P);
    pt_logreg_opts_t o = pt_logreg_defaults();
    pt_logreg_model_t lm;
    pt_rowblock_t blk[2] = {{0}}, zb = {0};
    pt_fitted_t *f;

    make_data(x, y, 1);
    setp(&params, "standardScaler.withMean", PT_VAL_BOOL, 1);
    setp(&params, "standardScaler.withStd", PT_VAL_BOOL, 1);
    setp(&params, "logisticRegression.regParam", PT_VAL_DOUBLE, 0.05);
    setp(&params, "logisticRegression.maxIter", PT_VAL_INT, 500);
    setp(&params, "logisticRegression.tol", PT_VAL_DOUBLE, 1e-12);
    setp(&params, "logisticRegression.fitIntercept", PT_VAL_BOOL, 1);
    setp(&params, "logisticRegression.standardization", PT_VAL_BOOL, 1);
    setp(&params, "logisticRegression.threshold", PT_VAL_DOUBLE, 0.5);
    ck_assert_int_eq(pt_moments_from_rows(m, x, y, N), 0);
    /* two blocks, as a cross-validation training set is */
    blk[0].x = x;
    blk[0].y = y;
    blk[0].n = 100;
    blk[1].x = x + 100 * P;
    blk[1].y = y + 100;
    blk[1].n = N - 100;
    f = pt_pipeline_fit(m, blk, 2, stages, 2, &params, 2, NULL, err);
    ck_assert_msg(f != NULL, "%s", err);
    ck_assert_uint_eq(pt_fitted_classes(f), 2);
    ck_assert_int_eq(pt_fitted_predict(f, x, N, pred, score, prob), 0);

    scale_rows(x, z);
    zb.x = z;
    zb.y = y;
    zb.n = N;
    o.reg_param = 0.05;
    o.max_iter = 500;
    o.tol = 1e-12;
    memset(&lm, 0, sizeof lm);
    ck_assert_int_eq(pt_logreg_fit(&zb, 1, P, NULL, P, 2, &o, &lm, err), 0);
    for (size_t i = 0; i < N; i++) {
        double mg = lm.intercept[0], p1;
        for (size_t j = 0; j < P; j++)
            mg += lm.coef[j] * z[i * P + j];
        p1 = 1 / (1 + exp(-mg));
        ck_assert_msg(fabs(score[i] - mg) <= 1e-6 * (1 + fabs(mg)), "row %zu: %.12g vs %.12g (iters %d conv %d)", i, score[i], mg, lm.iterations, lm.converged);
        ck_assert(fabs(prob[i * 2 + 1] - p1) <= 1e-7);
        if (fabs(p1 - 0.5) > 1e-6)
            ck_assert_double_eq(pred[i], p1 > 0.5 ? 1.0 : 0.0);
    }
    pt_logreg_model_free(&lm);
    pt_fitted_destroy(&f);
    pt_paramlist_free(&params);
    pt_moments_destroy(&m);
    free(x);
    free(y);
    free(z);
}
END_TEST

START_TEST(misplaced_stage_refused)
{
    char err[PT_ERRLEN];
    char *stages[] = {"linearRegression", "pca"};
    pt_paramlist_t params = {0, NULL};
    pt_moments_t *m = pt_moments_new(2);
    double x[4] = {1, 2, 3, 5}, y[2] = {1, 2};
    ck_assert_int_eq(pt_moments_from_rows(m, x, y, 2), 0);
    ck_assert_ptr_null(pt_pipeline_fit(m, NULL, 0, stages, 2, &params, 0, NULL, err));
    ck_assert_ptr_nonnull(strstr(err, "cannot stand at position 1"));
    pt_moments_destroy(&m);
}
END_TEST

Suite *suite_pipeline(void)
{
    Suite *s = suite_create("pipeline");
    TCase *tc = tcase_create("pipeline");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, scaler_pca_linreg_composes);
    tcase_add_test(tc, scaler_logistic_composes);
    tcase_add_test(tc, misplaced_stage_refused);
    suite_add_tcase(s, tc);
    return s;
}
