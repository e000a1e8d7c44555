/* check_eval.c - unit tests of pt_eval: name lookup and Spark's regression metrics.
 *
 * The expected metric values are worked by hand in the comments.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "pt_common.h"
#include "pt_eval.h"

START_TEST(test_regression_metrics_by_hand)
{
    /* label = 3, -0.5, 2, 7; pred = 2.5, 0, 2, 8
     * errors label - pred = 0.5, -0.5, 0, -1
     *   SSerr = 0.25 + 0.25 + 0 + 1 = 1.5   -> mse = 1.5/4 = 0.375, rmse = sqrt(0.375)
     *   sum |e| = 0.5 + 0.5 + 0 + 1 = 2     -> mae = 0.5
     * ybar = (3 - 0.5 + 2 + 7)/4 = 11.5/4 = 2.875
     *   SStot = 0.125^2 + 3.375^2 + 0.875^2 + 4.125^2
     *         = 0.015625 + 11.390625 + 0.765625 + 17.015625 = 29.1875
     *   r2 = 1 - 1.5/29.1875 = 1 - 0.0513918629... = 0.9486081370...
     * var = sum (pred - ybar)^2 / n = (0.375^2 + 2.875^2 + 0.875^2 + 5.125^2)/4
     *     = (0.140625 + 8.265625 + 0.765625 + 26.265625)/4 = 35.4375/4 = 8.859375 */
    const double label[4] = {3, -0.5, 2, 7}, pred[4] = {2.5, 0, 2, 8};
    ck_assert(fabs(pt_eval_regression(PT_METRIC_MSE, pred, label, 4) - 0.375) < 1e-15);
    ck_assert(fabs(pt_eval_regression(PT_METRIC_RMSE, pred, label, 4) - 0.61237243569579452) <
              1e-15);
    ck_assert(fabs(pt_eval_regression(PT_METRIC_MAE, pred, label, 4) - 0.5) < 1e-15);
    ck_assert(fabs(pt_eval_regression(PT_METRIC_R2, pred, label, 4) - (1 - 1.5 / 29.1875)) <
              1e-15);
    ck_assert(fabs(pt_eval_regression(PT_METRIC_R2, pred, label, 4) - 0.948608137044968) <
              1e-14);
    ck_assert(fabs(pt_eval_regression(PT_METRIC_VAR, pred, label, 4) - 8.859375) < 1e-14);
}
END_TEST

START_TEST(test_regression_edge_cases)
{
    /* perfect predictions: rmse 0, r2 1, var = population variance of the label:
     * label 1, 2, 3, 4 -> ybar 2.5, sum (y - ybar)^2 = 2.25 + 0.25 + 0.25 + 2.25 = 5, var 1.25 */
    const double y[4] = {1, 2, 3, 4};
    const double c[3] = {2, 2, 2}, pc[3] = {1, 2, 3};
    ck_assert(pt_eval_regression(PT_METRIC_RMSE, y, y, 4) == 0.0);
    ck_assert(pt_eval_regression(PT_METRIC_R2, y, y, 4) == 1.0);
    ck_assert(fabs(pt_eval_regression(PT_METRIC_VAR, y, y, 4) - 1.25) < 1e-15);
    /* n = 1: label 5, pred 3 -> mse 4, mae 2 */
    ck_assert(pt_eval_regression(PT_METRIC_MSE, (double[]){3}, (double[]){5}, 1) == 4.0);
    ck_assert(pt_eval_regression(PT_METRIC_MAE, (double[]){3}, (double[]){5}, 1) == 2.0);
    /* constant labels 2, 2, 2 with pred 1, 2, 3: SStot = 0, SSerr = 2 -> r2 = -inf (Spark:
     * 1 - 2/0); var = (1 + 0 + 1)/3 */
    ck_assert(isinf(pt_eval_regression(PT_METRIC_R2, pc, c, 3)));
    ck_assert(fabs(pt_eval_regression(PT_METRIC_VAR, pc, c, 3) - 2.0 / 3.0) < 1e-15);
    ck_assert(isnan(pt_eval_regression(PT_METRIC_RMSE, y, y, 0)));
}
END_TEST

START_TEST(test_lookup_and_names)
{
    pt_evaluator_t ev = 0;
    pt_metric_t mt = 0;
    char err[PT_ERRLEN] = "";
    static const char *names[] = {"rmse", "mse", "r2", "mae", "var"};
    static const int larger[] = {0, 0, 1, 0, 1};

    ck_assert_int_eq(pt_eval_lookup("regression", NULL, &ev, &mt, err), 0);
    ck_assert(ev == PT_EVAL_REGRESSION && mt == PT_METRIC_RMSE);
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(pt_eval_lookup("regression", names[i], &ev, &mt, err), 0);
        ck_assert_str_eq(pt_eval_metric_name(mt), names[i]);
        ck_assert_int_eq(pt_eval_larger_is_better(mt), larger[i]);
    }
    ck_assert_str_eq(pt_eval_evaluator_name(ev), "regression");

    ck_assert_int_eq(pt_eval_lookup("regression", "foo", &ev, &mt, err), -EINVAL);
    ck_assert_str_eq(err,
                     "unknown metric \"foo\" for evaluator regression (rmse, mse, r2, mae, var)");
    ck_assert_int_eq(pt_eval_lookup("regression", "RMSE", &ev, &mt, err), -EINVAL);
    ck_assert_int_eq(pt_eval_lookup("regresion", "rmse", &ev, &mt, err), -EINVAL);
    ck_assert_str_eq(err, "unknown evaluator \"regresion\" (regression)");
    ck_assert_int_eq(pt_eval_lookup(NULL, NULL, &ev, &mt, NULL), -EINVAL);
}
END_TEST

Suite *suite_eval(void)
{
    Suite *s = suite_create("eval");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_regression_metrics_by_hand);
    tcase_add_test(tc, test_regression_edge_cases);
    tcase_add_test(tc, test_lookup_and_names);
    suite_add_tcase(s, tc);
    return s;
}
