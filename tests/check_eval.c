/* check_eval.c - unit tests of pt_eval: name lookup and Spark's regression, binary and
 * multiclass metrics.
 *
 * The expected metric values are worked by hand in the comments (the binary ones from Spark's
 * BinaryClassificationMetrics algorithm: cumulative counts at each distinct score, down-sampled
 * in runs of floor(#distinct / numBins), trapezoids); the weighted forms by hand, against
 * the rows repeated as often as their integer weight, and with unit weights against the
 * plain forms bit for bit.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_eval.h"
#include "pt_moments.h"

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
    ck_assert_str_eq(err, "unknown evaluator \"regresion\" (regression, binary, multiclass)");
    ck_assert_int_eq(pt_eval_lookup(NULL, NULL, &ev, &mt, NULL), -EINVAL);
}
END_TEST

START_TEST(test_binary_ties_by_hand)
{
    /* scores 0.9(+) 0.8(-) 0.8(+) 0.5(+) 0.5(-) 0.5(-) 0.2(-) 0.1(+): P = 4, N = 4 (the rows
     * are given shuffled). Distinct thresholds, cumulative (tp, fp):
     *   0.9 (1,0)  0.8 (2,1)  0.5 (3,3)  0.2 (3,4)  0.1 (4,4)
     * ROC (fpr, tpr): (0,0) (0,.25) (.25,.5) (.75,.75) (1,.75) (1,1) (1,1)
     *   area = 0 + .25(.25+.5)/2 + .5(.5+.75)/2 + .25(.75+.75)/2 + 0 + 0
     *        = .09375 + .3125 + .1875 = .59375
     *   (= Mann-Whitney: pairs pos > neg 4 + 3 + 1 + 0, ties 1 + 2 counted 1/2: 9.5/16).
     * PR (recall, precision): (0,1) (.25,1) (.5,2/3) (.75,1/2) (.75,3/7) (1,1/2)
     *   area = .25 + .25(1+2/3)/2 + .25(2/3+1/2)/2 + 0 + .25(3/7+1/2)/2
     *        = 84/336 + 70/336 + 49/336 + 39/336 = 242/336 = 0.720238095238...
     * numBins 2: g = floor(5/2) = 2, runs {0.9,0.8} {0.5,0.2} {0.1}: points (2,1) (3,4) (4,4)
     *   ROC (0,0) (.25,.5) (1,.75) (1,1) (1,1): .25(.5)/2 + .75(.5+.75)/2 = .0625 + .46875
     *       = .53125
     *   PR (0,2/3) (.5,2/3) (.75,3/7) (1,1/2): .5(2/3) + .25(2/3+3/7)/2 + .25(3/7+1/2)/2
     *       = 112/336 + 46/336 + 39/336 = 197/336 = 0.586309523809...
     * numBins 3: g = 1 < 2, no down-sampling; numBins 0: exact. */
    const double sc[8] = {0.5, 0.8, 0.1, 0.9, 0.2, 0.5, 0.8, 0.5};
    const double lb[8] = {0, 1, 1, 1, 0, 1, 0, 0};
    ck_assert(fabs(pt_eval_binary(PT_METRIC_AUC_ROC, sc, lb, 8, 0) - 0.59375) < 1e-15);
    ck_assert(fabs(pt_eval_binary(PT_METRIC_AUC_ROC, sc, lb, 8, 3) - 0.59375) < 1e-15);
    ck_assert(fabs(pt_eval_binary(PT_METRIC_AUC_ROC, sc, lb, 8, 1000) - 0.59375) < 1e-15);
    ck_assert(fabs(pt_eval_binary(PT_METRIC_AUC_PR, sc, lb, 8, 0) - 242.0 / 336.0) < 1e-15);
    ck_assert(fabs(pt_eval_binary(PT_METRIC_AUC_ROC, sc, lb, 8, 2) - 0.53125) < 1e-15);
    ck_assert(fabs(pt_eval_binary(PT_METRIC_AUC_PR, sc, lb, 8, 2) - 197.0 / 336.0) < 1e-15);
}
END_TEST

START_TEST(test_binary_num_bins_by_hand)
{
    /* scores 10..1 (distinct), labels 0 1 1 1 1 0 1 0 0 0: P = 5 (9,8,7,6,4), N = 5.
     * cumulative (tp, fp) by score: 10 (0,1) 9 (1,1) 8 (2,1) 7 (3,1) 6 (4,1) 5 (4,2) 4 (5,2)
     *   3 (5,3) 2 (5,4) 1 (5,5)
     * exact ROC area = Mann-Whitney 4+4+4+4+3 = 19/25 = .76.
     * exact PR: (0,0) then (0,0) (.2,.5) (.4,2/3) (.6,.75) (.8,.8) (.8,2/3) (1,5/7) (1,5/8)...
     *   area = 0 + .2(.5)/2 + .2(1/2+2/3)/2 + .2(2/3+3/4)/2 + .2(3/4+4/5)/2 + 0
     *          + .2(2/3+5/7)/2 + 0 ... = 1/20 + 7/60 + 17/120 + 31/200 + 29/210
     *        = (210 + 490 + 595 + 651 + 580)/4200 = 2526/4200 = 421/700.
     * numBins 3: g = floor(10/3) = 3, runs {10,9,8} {7,6,5} {4,3,2} {1}, points (2,1) (4,2)
     *   (5,4) (5,5) - the last run is shorter.
     *   ROC (0,0) (.2,.4) (.4,.8) (.8,1) (1,1) (1,1):
     *     .2(.4)/2 + .2(.4+.8)/2 + .4(.8+1)/2 + .2(1+1)/2 = .04 + .12 + .36 + .2 = .72
     *   PR (0,2/3) (.4,2/3) (.8,2/3) (1,5/9) (1,1/2):
     *     .4(2/3) + .4(2/3) + .2(2/3+5/9)/2 + 0 = 4/15 + 4/15 + 11/90 = 59/90.
     * numBins 4: g = 2, runs {10,9} {8,7} {6,5} {4,3} {2,1}: points (1,1) (3,1) (4,2) (5,3)
     *   (5,5); ROC (0,0) (.2,.2) (.2,.6) (.4,.8) (.6,1) (1,1) (1,1):
     *     .2(.2)/2 + 0 + .2(.6+.8)/2 + .2(.8+1)/2 + .4(2)/2 = .02 + .14 + .18 + .4 = .74
     * numBins 5: g = floor(10/5) = 2, the same runs as numBins 4; from 6 on g = 1 < 2:
     *   exact. */
    double sc[10], lb[10] = {0, 1, 1, 1, 1, 0, 1, 0, 0, 0};
    for (int i = 0; i < 10; i++)
        sc[i] = 10 - i;
    ck_assert(fabs(pt_eval_binary(PT_METRIC_AUC_ROC, sc, lb, 10, 0) - 0.76) < 1e-15);
    ck_assert(fabs(pt_eval_binary(PT_METRIC_AUC_PR, sc, lb, 10, 0) - 421.0 / 700.0) < 1e-15);
    ck_assert(fabs(pt_eval_binary(PT_METRIC_AUC_ROC, sc, lb, 10, 3) - 0.72) < 1e-15);
    ck_assert(fabs(pt_eval_binary(PT_METRIC_AUC_PR, sc, lb, 10, 3) - 59.0 / 90.0) < 1e-15);
    ck_assert(fabs(pt_eval_binary(PT_METRIC_AUC_ROC, sc, lb, 10, 4) - 0.74) < 1e-15);
    ck_assert(fabs(pt_eval_binary(PT_METRIC_AUC_ROC, sc, lb, 10, 5) - 0.74) < 1e-15);
    ck_assert(fabs(pt_eval_binary(PT_METRIC_AUC_ROC, sc, lb, 10, 6) - 0.76) < 1e-15);
    ck_assert(fabs(pt_eval_binary(PT_METRIC_AUC_ROC, sc, lb, 10, PT_EVAL_NUM_BINS_DEFAULT) -
                   0.76) < 1e-15);
}
END_TEST

START_TEST(test_binary_edge_cases)
{
    /* all positive: FPR is 0 throughout, ROC (0,0) (0,1/3) (0,2/3) (0,1) (1,1): area 1;
     * precision 1 throughout: PR area 1. All negative: recall 0 throughout, ROC (0,0) ...
     * (1,0) (1,1): area 0; PR (0,0) ... (0,0): 0. Labels > 0.5 are positive: 0.7 is. */
    const double sc[3] = {3, 2, 1}, pos[3] = {1, 0.7, 1}, neg[3] = {0, 0.5, 0};
    /* Java's Double.compare keeps 0.0 and -0.0 apart: scores 0.0(+) -0.0(-) are two
     * thresholds, ROC (0,0) (0,1) (1,1) (1,1): area 1 (a single threshold would give .5). */
    const double zs[2] = {-0.0, 0.0}, zl[2] = {0, 1};
    ck_assert(pt_eval_binary(PT_METRIC_AUC_ROC, sc, pos, 3, 0) == 1.0);
    ck_assert(pt_eval_binary(PT_METRIC_AUC_PR, sc, pos, 3, 0) == 1.0);
    ck_assert(pt_eval_binary(PT_METRIC_AUC_ROC, sc, neg, 3, 0) == 0.0);
    ck_assert(pt_eval_binary(PT_METRIC_AUC_PR, sc, neg, 3, 0) == 0.0);
    ck_assert(pt_eval_binary(PT_METRIC_AUC_ROC, zs, zl, 2, 0) == 1.0);
    /* one distinct score (e.g. a constant-label model's +inf margins): ROC (0,0) (1,1) (1,1)
     * = .5; PR (0, 1/2) (1, 1/2) = .5 */
    {
        const double inf[2] = {INFINITY, INFINITY}, l2[2] = {1, 0};
        ck_assert(pt_eval_binary(PT_METRIC_AUC_ROC, inf, l2, 2, 0) == 0.5);
        ck_assert(pt_eval_binary(PT_METRIC_AUC_PR, inf, l2, 2, 0) == 0.5);
    }
    ck_assert(isnan(pt_eval_binary(PT_METRIC_AUC_ROC, sc, pos, 0, 0)));
    ck_assert(isnan(pt_eval_binary(PT_METRIC_AUC_ROC, sc, pos, 3, -1)));
    ck_assert(isnan(pt_eval_binary(PT_METRIC_RMSE, sc, pos, 3, 0)));
}
END_TEST

START_TEST(test_multiclass_by_hand)
{
    /* 10 rows, K = 3; confusion C[label][pred]:
     *   label 0 (4 rows): pred 0,0,1,2   label 1 (2): pred 1,0   label 2 (4): pred 2,2,2,1
     * tp = 2 + 1 + 3 = 6: accuracy .6, hammingLoss .4.
     * predicted counts 3, 3, 4 -> precision 2/3, 1/3, 3/4; recall 2/4, 1/2, 3/4; weights
     * (label frequencies) .4, .2, .4.
     * weightedPrecision = .4(2/3) + .2(1/3) + .4(3/4) = 8/30 + 2/30 + 9/30 = 19/30
     * weightedRecall = .4(.5) + .2(.5) + .4(.75) = .6 (= accuracy)
     * F1: 2pr/(p+r) = (2/3)/(7/6) = 4/7, (1/3)/(5/6) = 2/5, 3/4;
     *   weighted = .4(4/7) + .2(2/5) + .4(3/4) = 8/35 + 2/25 + 3/10 = 213/350 */
    const double lb[10] = {0, 0, 0, 0, 1, 1, 2, 2, 2, 2};
    const double pd[10] = {0, 0, 1, 2, 1, 0, 2, 2, 2, 1};
    ck_assert(fabs(pt_eval_multiclass(PT_METRIC_ACCURACY, pd, NULL, lb, 10, 3) - 0.6) < 1e-15);
    ck_assert(fabs(pt_eval_multiclass(PT_METRIC_HAMMING_LOSS, pd, NULL, lb, 10, 3) - 0.4) <
              1e-15);
    ck_assert(fabs(pt_eval_multiclass(PT_METRIC_W_PRECISION, pd, NULL, lb, 10, 3) -
                   19.0 / 30.0) < 1e-15);
    ck_assert(fabs(pt_eval_multiclass(PT_METRIC_W_RECALL, pd, NULL, lb, 10, 3) - 0.6) < 1e-15);
    ck_assert(fabs(pt_eval_multiclass(PT_METRIC_F1, pd, NULL, lb, 10, 3) - 213.0 / 350.0) <
              1e-15);
    {
        /* class 1 is never predicted: its precision and F1 are 0.
         * labels 0,1,2,2 preds 0,0,0,2: precision 1/3, 0, 1; recall 1, 0, 1/2; weights
         * 1/4, 1/4, 1/2. wP = 1/12 + 0 + 1/2 = 7/12; F1 = 1/2, 0, 2/3 -> 1/8 + 1/3 = 11/24 */
        const double l2[4] = {0, 1, 2, 2}, p2[4] = {0, 0, 0, 2};
        ck_assert(fabs(pt_eval_multiclass(PT_METRIC_W_PRECISION, p2, NULL, l2, 4, 3) -
                       7.0 / 12.0) < 1e-15);
        ck_assert(fabs(pt_eval_multiclass(PT_METRIC_F1, p2, NULL, l2, 4, 3) - 11.0 / 24.0) <
                  1e-15);
    }
    {
        /* class 2 is predicted but never a label: it carries no weight.
         * labels 0,0,1,1 preds 0,2,1,1: precision 1, 1; recall 1/2, 1; weights 1/2, 1/2:
         * wP = 1, wR = 3/4, F1 = 2/3, 1 -> 5/6 */
        const double l3[4] = {0, 0, 1, 1}, p3[4] = {0, 2, 1, 1};
        ck_assert(pt_eval_multiclass(PT_METRIC_W_PRECISION, p3, NULL, l3, 4, 3) == 1.0);
        ck_assert(pt_eval_multiclass(PT_METRIC_W_RECALL, p3, NULL, l3, 4, 3) == 0.75);
        ck_assert(fabs(pt_eval_multiclass(PT_METRIC_F1, p3, NULL, l3, 4, 3) - 5.0 / 6.0) <
                  1e-15);
    }
}
END_TEST

START_TEST(test_multiclass_log_loss_and_errors)
{
    /* p[label] = .5, .25, 1, 0: losses ln 2, ln 4, -log1p(-1e-15) (p > 1 - eps), -ln(1e-15)
     * (p < eps); mean = (3 ln 2 + 1e-15 + 15 ln 10)/4 */
    const double prob[4 * 2] = {0.5, 0.5, 0.75, 0.25, 0, 1, 1, 0};
    const double lb[4] = {0, 1, 1, 1}, pd[4] = {0, 0, 1, 0};
    double want = (3 * log(2.0) - log1p(-1e-15) - log(1e-15)) / 4;
    ck_assert(fabs(pt_eval_multiclass(PT_METRIC_LOG_LOSS, pd, prob, lb, 4, 2) - want) < 1e-14);
    ck_assert(fabs(want - (3 * 0.6931471805599453 + 34.538776394910684) / 4) < 1e-14);
    /* bad inputs give NaN */
    ck_assert(isnan(pt_eval_multiclass(PT_METRIC_LOG_LOSS, pd, NULL, lb, 4, 2)));
    ck_assert(isnan(pt_eval_multiclass(PT_METRIC_F1, pd, prob, lb, 4, 1)));     /* label 1 */
    ck_assert(isnan(pt_eval_multiclass(PT_METRIC_F1, (double[]){0.5}, NULL, lb, 1, 2)));
    ck_assert(isnan(pt_eval_multiclass(PT_METRIC_F1, pd, prob, lb, 0, 2)));
    ck_assert(isnan(pt_eval_multiclass(PT_METRIC_AUC_ROC, pd, prob, lb, 4, 2)));
    ck_assert(isnan(pt_eval_multiclass(PT_METRIC_F1, pd, prob, lb, 4, 0)));
}
END_TEST

START_TEST(test_lookup_classification)
{
    pt_evaluator_t ev = 0;
    pt_metric_t mt = 0;
    char err[PT_ERRLEN] = "";
    static const char *bin[] = {"areaUnderROC", "areaUnderPR"};
    static const char *mc[] = {"f1", "accuracy", "weightedPrecision", "weightedRecall",
                               "logLoss", "hammingLoss"};
    static const int mc_larger[] = {1, 1, 1, 1, 0, 0};

    ck_assert_int_eq(pt_eval_lookup("binary", NULL, &ev, &mt, err), 0);
    ck_assert(ev == PT_EVAL_BINARY && mt == PT_METRIC_AUC_ROC);
    ck_assert_str_eq(pt_eval_evaluator_name(ev), "binary");
    ck_assert_int_eq(pt_eval_lookup("multiclass", NULL, &ev, &mt, err), 0);
    ck_assert(ev == PT_EVAL_MULTICLASS && mt == PT_METRIC_F1);
    ck_assert_str_eq(pt_eval_evaluator_name(ev), "multiclass");
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(pt_eval_lookup("binary", bin[i], &ev, &mt, err), 0);
        ck_assert_str_eq(pt_eval_metric_name(mt), bin[i]);
        ck_assert_int_eq(pt_eval_larger_is_better(mt), 1);
        ck_assert(pt_eval_metric_evaluator(mt) == PT_EVAL_BINARY);
    }
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(pt_eval_lookup("multiclass", mc[i], &ev, &mt, err), 0);
        ck_assert_str_eq(pt_eval_metric_name(mt), mc[i]);
        ck_assert_int_eq(pt_eval_larger_is_better(mt), mc_larger[i]);
        ck_assert(pt_eval_metric_evaluator(mt) == PT_EVAL_MULTICLASS);
    }
    ck_assert(pt_eval_metric_evaluator(PT_METRIC_R2) == PT_EVAL_REGRESSION);
    /* a metric of another evaluator is refused, naming the valid ones */
    ck_assert_int_eq(pt_eval_lookup("binary", "rmse", &ev, &mt, err), -EINVAL);
    ck_assert_str_eq(err, "unknown metric \"rmse\" for evaluator binary (areaUnderROC, "
                          "areaUnderPR)");
    ck_assert_int_eq(pt_eval_lookup("multiclass", "areaUnderROC", &ev, &mt, err), -EINVAL);
    ck_assert_str_eq(err, "unknown metric \"areaUnderROC\" for evaluator multiclass (f1, "
                          "accuracy, weightedPrecision, weightedRecall, logLoss, hammingLoss)");
    ck_assert_int_eq(pt_eval_lookup("regression", "f1", &ev, &mt, err), -EINVAL);
    ck_assert_int_eq(pt_eval_lookup("multiclass", "F1", &ev, &mt, err), -EINVAL);
    ck_assert(isnan(pt_eval_regression(PT_METRIC_F1, (double[]){1}, (double[]){1}, 1)));
}
END_TEST

/* The regression metrics from moments equal the sums over rows (an independent formula:
 * predictions made row by row, then pt_eval_regression), and give way when they cannot. */
START_TEST(test_regression_from_moments)
{
    enum { N = 3000, P = 7 };
    static const pt_metric_t mts[] = {PT_METRIC_RMSE, PT_METRIC_MSE, PT_METRIC_R2, PT_METRIC_VAR};
    double *x = malloc(N * P * sizeof *x), *y = malloc(N * sizeof *y), *pred = malloc(N * sizeof *pred);
    double w[P], b = -3.25, got;
    uint64_t st = 11;
    pt_moments_t *m = pt_moments_new(P);
    ck_assert(x && y && pred && m);
    for (int j = 0; j < P; j++)
        w[j] = pt_rng_normal(&st);
    for (int noise = 0; noise < 3; noise++) {
        /* noise 0: a fit that is off (bias, noise 1): a typical one; 2: near-perfect */
        double sd = noise == 0 ? 5.0 : noise == 1 ? 0.5 : 1e-7;
        for (int i = 0; i < N; i++) {
            double t = 40.0; /* far from 0, as raw data often is */
            for (int j = 0; j < P; j++) {
                x[i * P + j] = 100.0 + 3.0 * pt_rng_normal(&st);
                t += w[j] * x[i * P + j];
            }
            y[i] = t + sd * pt_rng_normal(&st) + (noise == 0 ? 2.0 : 0.0);
        }
        for (int i = 0; i < N; i++) {
            pred[i] = b + 43.25;
            for (int j = 0; j < P; j++)
                pred[i] += w[j] * x[i * P + j];
        }
        ck_assert_int_eq(pt_moments_from_rows(m, x, y, N), 0);
        for (size_t k = 0; k < sizeof mts / sizeof mts[0]; k++) {
            double want = pt_eval_regression(mts[k], pred, y, N);
            int rc = pt_eval_regression_moments(mts[k], m, w, b + 43.25, &got);
            if (noise == 2 && mts[k] != PT_METRIC_VAR) {
                ck_assert_msg(rc == -1, "metric %d: near-perfect fit not refused", (int)mts[k]);
                continue;
            }
            ck_assert_msg(rc == 0, "noise %d metric %d refused (rows: %.17g)", noise,
                          (int)mts[k], want);
            ck_assert_msg(fabs(got - want) <= 1e-10 * fabs(want), "noise %d metric %d: %.17g vs %.17g",
                          noise, (int)mts[k], got, want);
        }
        ck_assert_int_eq(pt_eval_regression_moments(PT_METRIC_MAE, m, w, b, &got), -1);
    }
    /* constant labels: r2 is -inf or NaN; the rows decide */
    for (int i = 0; i < N; i++)
        y[i] = 2.0;
    ck_assert_int_eq(pt_moments_from_rows(m, x, y, N), 0);
    ck_assert_int_eq(pt_eval_regression_moments(PT_METRIC_R2, m, w, b, &got), -1);
    pt_moments_destroy(&m);
    free(x);
    free(y);
    free(pred);
}
END_TEST

/* A good fit (SSE between 1e-5 and 1e-4 of the terms it is the difference of, as pca.k = 75
 * of 100 correlated features gives) is scored from the moments too, and equals the sum over
 * the rows to 1e-9. */
START_TEST(test_regression_from_moments_good_fit)
{
    enum { N = 20000, P = 12 };
    double *x = malloc(N * P * sizeof *x), *y = malloc(N * sizeof *y);
    double *pred = malloc(N * sizeof *pred), w[P], b = 7.5, got, want, mag = 0, sse = 0;
    uint64_t st = 5;
    pt_moments_t *m = pt_moments_new(P);
    ck_assert(x && y && pred && m);
    for (int j = 0; j < P; j++)
        w[j] = pt_rng_normal(&st);
    for (int i = 0; i < N; i++) {
        double z = pt_rng_normal(&st); /* one latent factor under every feature */
        pred[i] = b;
        for (int j = 0; j < P; j++) {
            x[i * P + j] = 50.0 + 4.0 * z + 2.0 * pt_rng_normal(&st);
            pred[i] += w[j] * x[i * P + j];
        }
        y[i] = pred[i] + 0.1 * pt_rng_normal(&st);
    }
    ck_assert_int_eq(pt_moments_from_rows(m, x, y, N), 0);
    for (int i = 0; i < N; i++) { /* the band: SSE / (syy + 2 |w . sxy| + SSreg) */
        sse += (y[i] - pred[i]) * (y[i] - pred[i]);
        mag += 2.0 * (y[i] - m->ymean) * (y[i] - m->ymean) +
               2.0 * (pred[i] - m->ymean) * (pred[i] - m->ymean);
    }
    ck_assert_msg(sse > 1e-5 * mag && sse < 1e-4 * mag, "SSE / M = %g", sse / mag);
    want = pt_eval_regression(PT_METRIC_RMSE, pred, y, N);
    ck_assert_int_eq(pt_eval_regression_moments(PT_METRIC_RMSE, m, w, b, &got), 0);
    ck_assert_msg(fabs(got - want) <= 1e-9 * want, "%.17g vs %.17g", got, want);
    pt_moments_destroy(&m);
    free(x);
    free(y);
    free(pred);
}
END_TEST

/* Row i repeated w[i] times (0: left out) into *rows: n_out of each array. */
static size_t repeat_rows(const double *w, size_t n, const double *a, const double *b,
                          double *ra, double *rb)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < (int)w[i]; c++, k++) {
            ra[k] = a[i];
            rb[k] = b[i];
        }
    return k;
}

START_TEST(test_regression_weighted)
{
    /* label = 3, -0.5, 2, 7, 1; pred = 2.5, 0, 2, 8, 4; weights 2, 1, 0, 3, 0.5
     * W = 6.5, sum w^2 = 4 + 1 + 0 + 9 + 0.25 = 14.25
     * errors 0.5, -0.5, 0, -1, -3: SSerr = 0.5 + 0.25 + 0 + 3 + 4.5 = 8.25
     *   mse = 8.25 / 6.5, mae = (1 + 0.5 + 0 + 3 + 1.5) / 6.5 = 6 / 6.5
     * ybar = (6 - 0.5 + 0 + 21 + 0.5) / 6.5 = 27 / 6.5
     * Spark's SStot = sum w (y - ybar)^2 / (W - 14.25 / W) * (W - 1) */
    const double label[5] = {3, -0.5, 2, 7, 1}, pred[5] = {2.5, 0, 2, 8, 4};
    const double w[5] = {2, 1, 0, 3, 0.5}, one[5] = {1, 1, 1, 1, 1};
    double W = 6.5, ybar = 27 / 6.5, m2 = 0, ssreg = 0, sstot;
    for (int i = 0; i < 5; i++) {
        m2 += w[i] * (label[i] - ybar) * (label[i] - ybar);
        ssreg += w[i] * (pred[i] - ybar) * (pred[i] - ybar);
    }
    sstot = m2 / (W - 14.25 / W) * (W - 1);
    ck_assert(fabs(pt_eval_regression_w(PT_METRIC_MSE, pred, label, w, 5) - 8.25 / 6.5) < 1e-15);
    ck_assert(fabs(pt_eval_regression_w(PT_METRIC_RMSE, pred, label, w, 5) - sqrt(8.25 / 6.5)) <
              1e-15);
    ck_assert(fabs(pt_eval_regression_w(PT_METRIC_MAE, pred, label, w, 5) - 6 / 6.5) < 1e-15);
    ck_assert(fabs(pt_eval_regression_w(PT_METRIC_VAR, pred, label, w, 5) - ssreg / W) < 1e-14);
    ck_assert(fabs(pt_eval_regression_w(PT_METRIC_R2, pred, label, w, 5) - (1 - 8.25 / sstot)) <
              1e-14);
    /* unit weights: the unweighted numbers bit for bit */
    for (pt_metric_t mt = PT_METRIC_RMSE; mt <= PT_METRIC_VAR; mt++)
        ck_assert(pt_eval_regression_w(mt, pred, label, one, 5) ==
                  pt_eval_regression(mt, pred, label, 5));
    /* integer weights: the rows repeated (r2 aside: Spark's weighted SStot differs) */
    {
        const double wi[5] = {2, 1, 0, 3, 1};
        double rl[8], rp[8];
        size_t k = repeat_rows(wi, 5, label, pred, rl, rp);
        ck_assert_uint_eq(k, 7);
        for (pt_metric_t mt = PT_METRIC_RMSE; mt <= PT_METRIC_VAR; mt++)
            if (mt != PT_METRIC_R2)
                ck_assert(fabs(pt_eval_regression_w(mt, pred, label, wi, 5) -
                               pt_eval_regression(mt, rp, rl, k)) < 1e-14);
    }
}
END_TEST

START_TEST(test_classification_weighted)
{
    /* scores with ties, integer weights: the rows repeated; and numBins counts every
     * distinct score (weight 0 included), as Spark's keys do */
    const double score[8] = {0.9, 0.8, 0.8, 0.5, 0.3, 0.3, 0.1, -1};
    const double label[8] = {1, 0, 1, 1, 0, 1, 0, 0};
    const double w[8] = {2, 1, 3, 0, 1, 2, 4, 1}, one[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    double rs[16], rl[16];
    size_t k = repeat_rows(w, 8, score, label, rs, rl);
    for (pt_metric_t mt = PT_METRIC_AUC_ROC; mt <= PT_METRIC_AUC_PR; mt++) {
        ck_assert(fabs(pt_eval_binary_w(mt, score, label, w, 8, 0) -
                       pt_eval_binary(mt, rs, rl, k, 0)) < 1e-15);
        ck_assert(pt_eval_binary_w(mt, score, label, one, 8, 2) ==
                  pt_eval_binary(mt, score, label, 8, 2));
    }
    /* ROC by hand: P = 2 + 3 + 0 + 2 = 7, N = 1 + 1 + 4 + 1 = 7; points (fp/N, tp/P):
     * 0.9: (0, 2/7); 0.8: (1/7, 5/7); 0.5: same; 0.3: (2/7, 1); 0.1: (6/7, 1); -1: (1, 1)
     * area = 1/7 * (2/7 + 5/7)/2 + 1/7 * (5/7 + 1)/2 + 5/7 = 1/14 + 6/49 + 5/7 */
    ck_assert(fabs(pt_eval_binary_w(PT_METRIC_AUC_ROC, score, label, w, 8, 0) -
                   (1.0 / 14 + 6.0 / 49 + 5.0 / 7)) < 1e-15);
    {
        /* multiclass: classes 0..2; the confusion matrix of weights */
        const double y[6] = {0, 1, 2, 2, 1, 0}, p[6] = {0, 2, 2, 1, 1, 1};
        const double prob[18] = {.7, .2, .1, .1, .3, .6, .2, .2, .6, .1, .5, .4, .2, .6, .2,
                                 .5, .4, .1};
        const double wm[6] = {3, 1, 2, 0, 2, 1};
        double ry[9], rp[9], rprob[27];
        size_t kk = 0;
        for (size_t i = 0; i < 6; i++)
            for (int c = 0; c < (int)wm[i]; c++, kk++) {
                ry[kk] = y[i];
                rp[kk] = p[i];
                memcpy(rprob + kk * 3, prob + i * 3, 3 * sizeof(double));
            }
        for (pt_metric_t mt = PT_METRIC_F1; mt <= PT_METRIC_HAMMING_LOSS; mt++) {
            ck_assert(fabs(pt_eval_multiclass_w(mt, p, prob, y, wm, 6, 3) -
                           pt_eval_multiclass(mt, rp, rprob, ry, kk, 3)) < 1e-15);
            ck_assert(pt_eval_multiclass_w(mt, p, prob, y, one, 6, 3) ==
                      pt_eval_multiclass(mt, p, prob, y, 6, 3));
        }
        /* accuracy by hand: (3 + 2 + 2) / 9 */
        ck_assert(fabs(pt_eval_multiclass_w(PT_METRIC_ACCURACY, p, prob, y, wm, 6, 3) -
                       7.0 / 9) < 1e-15);
    }
}
END_TEST

Suite *suite_eval(void)
{
    Suite *s = suite_create("eval");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_regression_metrics_by_hand);
    tcase_add_test(tc, test_regression_edge_cases);
    tcase_add_test(tc, test_regression_from_moments);
    tcase_add_test(tc, test_regression_from_moments_good_fit);
    tcase_add_test(tc, test_lookup_and_names);
    tcase_add_test(tc, test_regression_weighted);
    suite_add_tcase(s, tc);
    tc = tcase_create("classification");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_binary_ties_by_hand);
    tcase_add_test(tc, test_binary_num_bins_by_hand);
    tcase_add_test(tc, test_binary_edge_cases);
    tcase_add_test(tc, test_multiclass_by_hand);
    tcase_add_test(tc, test_multiclass_log_loss_and_errors);
    tcase_add_test(tc, test_lookup_classification);
    tcase_add_test(tc, test_classification_weighted);
    suite_add_tcase(s, tc);
    return s;
}
