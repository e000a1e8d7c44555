/* pt_eval.h - evaluators: the metric of predictions against labels, as Spark ML computes it.
 *
 * regression (RegressionEvaluator): rmse (default), mse, r2, mae, var. var is Spark's
 * explained variance sum_i (pred_i - ybar)^2 / n; r2 = 1 - SSerr/SStot with
 * SStot = sum (y - ybar)^2. larger-is-better only for r2 and var.
 */
#ifndef PT_EVAL_H
#define PT_EVAL_H

#include <stddef.h>

typedef enum { PT_EVAL_REGRESSION = 1 } pt_evaluator_t;

typedef enum {
    PT_METRIC_RMSE = 1,
    PT_METRIC_MSE,
    PT_METRIC_R2,
    PT_METRIC_MAE,
    PT_METRIC_VAR
} pt_metric_t;

/* Looks up evaluator and metric names ("regression", "rmse"); metric NULL gives the
 * evaluator's default. Returns 0 or -EINVAL with the reason in err (naming the valid names). */
int pt_eval_lookup(const char *evaluator, const char *metric, pt_evaluator_t *ev,
                   pt_metric_t *mt, char *err);

/* Canonical names, for logs and tables. */
const char *pt_eval_evaluator_name(pt_evaluator_t ev);
const char *pt_eval_metric_name(pt_metric_t mt);
/* 1 when a larger value of the metric is better (Spark's isLargerBetter). */
int pt_eval_larger_is_better(pt_metric_t mt);

/* The metric of n predictions against n labels (n >= 1; two passes for accuracy). Returns the
 * value; NaN when n == 0. */
double pt_eval_regression(pt_metric_t mt, const double *pred, const double *label, size_t n);

#endif
