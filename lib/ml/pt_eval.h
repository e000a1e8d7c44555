/* pt_eval.h - evaluators: the metric of predictions against labels, as Spark ML computes it.
 *
 * regression (RegressionEvaluator): rmse (default), mse, r2, mae, var. var is Spark's
 * explained variance sum_i (pred_i - ybar)^2 / n; r2 = 1 - SSerr/SStot with
 * SStot = sum (y - ybar)^2. larger-is-better only for r2 and var.
 *
 * binary (BinaryClassificationEvaluator): areaUnderROC (default), areaUnderPR; param numBins
 * (default 1000, 0 = exact). Both larger-is-better.
 *
 * multiclass (MulticlassClassificationEvaluator): f1 (default; weighted F-measure), accuracy,
 * weightedPrecision, weightedRecall (larger-is-better), logLoss, hammingLoss
 * (smaller-is-better).
 *
 * Each has a weighted form (_w: row weights w, Spark's metrics with weightCol; w NULL is unit
 * weight, the plain form's numbers bit for bit): every sum and count is a sum of weights, and
 * the regression r2's SStot is Spark's variance(y) (W - 1) with the variance unbiased for
 * reliability weights (sum w (y - ybar)^2 / (W - sum w^2 / W), W = sum w).
 */
#ifndef PT_EVAL_H
#define PT_EVAL_H

#include <stddef.h>

#include "pt_moments.h"

typedef enum { PT_EVAL_REGRESSION = 1, PT_EVAL_BINARY, PT_EVAL_MULTICLASS } pt_evaluator_t;

typedef enum {
    PT_METRIC_RMSE = 1,
    PT_METRIC_MSE,
    PT_METRIC_R2,
    PT_METRIC_MAE,
    PT_METRIC_VAR,
    PT_METRIC_AUC_ROC,      /* binary "areaUnderROC" */
    PT_METRIC_AUC_PR,       /* binary "areaUnderPR" */
    PT_METRIC_F1,           /* multiclass "f1" */
    PT_METRIC_ACCURACY,     /* multiclass "accuracy" */
    PT_METRIC_W_PRECISION,  /* multiclass "weightedPrecision" */
    PT_METRIC_W_RECALL,     /* multiclass "weightedRecall" */
    PT_METRIC_LOG_LOSS,     /* multiclass "logLoss" */
    PT_METRIC_HAMMING_LOSS  /* multiclass "hammingLoss" */
} pt_metric_t;

/* BinaryClassificationEvaluator's default numBins. */
#define PT_EVAL_NUM_BINS_DEFAULT 1000

/* Looks up evaluator and metric names ("regression", "rmse"; "binary", "areaUnderROC";
 * "multiclass", "f1"); metric NULL gives the evaluator's default. A metric of another
 * evaluator is refused. Returns 0 or -EINVAL with the reason in err (naming the valid
 * names). */
int pt_eval_lookup(const char *evaluator, const char *metric, pt_evaluator_t *ev,
                   pt_metric_t *mt, char *err);

/* Canonical names, for logs and tables. */
const char *pt_eval_evaluator_name(pt_evaluator_t ev);
const char *pt_eval_metric_name(pt_metric_t mt);
/* 1 when a larger value of the metric is better (Spark's isLargerBetter). */
int pt_eval_larger_is_better(pt_metric_t mt);
/* The evaluator a metric belongs to (0 for an unknown value). */
pt_evaluator_t pt_eval_metric_evaluator(pt_metric_t mt);

/* The metric of n predictions against n labels (n >= 1; two passes for accuracy). Returns the
 * value; NaN when n == 0. */
double pt_eval_regression(pt_metric_t mt, const double *pred, const double *label, size_t n);
/* Weighted (w: n weights >= 0, NULL: unit): sums of w e^2, w |e|, w (pred - ybar_w)^2 over
 * W = sum w, and r2 with Spark's SStot (the file comment); NaN when W == 0. */
double pt_eval_regression_w(pt_metric_t mt, const double *pred, const double *label,
                            const double *w, size_t n);

/* The same metric for the linear predictions coef . x + intercept of the rows whose moments
 * are v (count, means, centred scatter; pt_moments.h), without reading the rows: with the
 * mean residual d = ymean - (mean . coef + intercept),
 *   SSE   = syy - 2 coef . sxy + coef^T S coef + n d^2,
 *   SSreg = coef^T S coef + n d^2        (sum of (prediction - ymean)^2, for var),
 *   SStot = syy.
 * rmse, mse, r2 and var only (mae needs the rows). SSE is a difference of terms whose sum
 * M = syy + 2 |coef . sxy| + coef^T S coef + n d^2 may be far larger than SSE: the moments
 * carry a relative error near 1e-14, so SSE is trusted only when SSE >= PT_EVAL_MOMENTS_SSE M
 * (1e-5: then it is within about 1e-9 of the sum over rows; a good fit, e.g. pca.k = 75 of
 * 100 correlated features, has SSE near 1e-4 M); SSreg has no such cancellation. Weighted moments
 * (pt_moments_from_rows_w) give the weighted rmse, mse and var (not r2: Spark's weighted
 * SStot needs the sum of the squared weights). Returns 0 with the value in *out, or -1 when
 * the rows are needed (mae, that cancellation, constant labels, no rows). */
#define PT_EVAL_MOMENTS_SSE 1e-5
int pt_eval_regression_moments(pt_metric_t mt, const pt_moments_t *v, const double *coef,
                               double intercept, double *out);

/* Spark's BinaryClassificationMetrics(numBins) area of n (score, label) pairs; a label > 0.5
 * is positive; score is the class-1 rawPrediction (pt_logreg_scores). Thresholds are the
 * distinct scores in descending order (ties grouped; -0.0 and 0.0 are distinct and NaN is
 * the largest score, as Java's Double.compare orders them). When num_bins > 0 and
 * g = floor(#distinct / num_bins) >= 2, runs of g consecutive distinct scores are merged
 * into one point (the last run may be shorter) - Spark's down-sampling on one partition.
 * ROC: (0,0), (FPR, TPR) at each threshold, (1,1); PR: (0, precision at the first
 * threshold), (recall, precision) at each threshold; trapezoid rule. FPR is 0 with no
 * negatives, recall 0 with no positives. Allocates n pairs of scratch. Returns NaN when
 * n == 0, num_bins < 0, mt is not a binary metric, or out of memory. */
double pt_eval_binary(pt_metric_t mt, const double *score, const double *label, size_t n,
                      int num_bins);
/* Weighted (w NULL: unit): P, N, tp and fp are sums of weights; the distinct scores, and so
 * numBins' grouping, are those of every row (a score of weight 0 included, as Spark counts
 * its keys). */
double pt_eval_binary_w(pt_metric_t mt, const double *score, const double *label,
                        const double *w, size_t n, int num_bins);

/* Spark's MulticlassMetrics of n rows over K classes: pred and label hold class ids (integers
 * in [0, K)); prob is n x K row-major (needed only for logLoss; may be NULL otherwise).
 * Weighted metrics sum over the classes present in label, weighted by their frequency;
 * precision of a class never predicted is 0, an F-measure with precision + recall = 0 is 0.
 * logLoss = mean -log p_i[label_i] with p clipped to [1e-15, 1 - 1e-15]; hammingLoss = the
 * fraction of rows with pred != label. Returns NaN when n == 0, K == 0, a class id is out of
 * range, prob is missing for logLoss, mt is not a multiclass metric, or out of memory. */
double pt_eval_multiclass(pt_metric_t mt, const double *pred, const double *prob,
                          const double *label, size_t n, size_t K);
/* Weighted (w NULL: unit): the confusion matrix, logLoss and every count are sums of
 * weights, so n becomes the total weight. */
double pt_eval_multiclass_w(pt_metric_t mt, const double *pred, const double *prob,
                            const double *label, const double *w, size_t n, size_t K);

#endif
