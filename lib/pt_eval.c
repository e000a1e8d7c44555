/* pt_eval.c - evaluator and metric names, and Spark's RegressionMetrics.
 *
 * Names are matched exactly (case-sensitive), as Spark's param validators do. The metrics
 * follow org.apache.spark.mllib.evaluation.RegressionMetrics with unit weights and
 * throughOrigin = false (RegressionEvaluator's default).
 */
#include "pt_eval.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "pt_common.h"

static const struct {
    pt_metric_t mt;
    const char *name;
    int larger_is_better;
} eval__regression[] = {
    {PT_METRIC_RMSE, "rmse", 0}, /* the first entry is the default */
    {PT_METRIC_MSE, "mse", 0},
    {PT_METRIC_R2, "r2", 1},
    {PT_METRIC_MAE, "mae", 0},
    {PT_METRIC_VAR, "var", 1},
};
#define EVAL__NREG (sizeof(eval__regression) / sizeof(eval__regression[0]))

int pt_eval_lookup(const char *evaluator, const char *metric, pt_evaluator_t *ev,
                   pt_metric_t *mt, char *err)
{
    if (evaluator == NULL || strcmp(evaluator, "regression") != 0) {
        pt_seterr(err, "unknown evaluator \"%s\" (regression)",
                  evaluator != NULL ? evaluator : "");
        return -EINVAL;
    }
    if (metric == NULL) {
        *ev = PT_EVAL_REGRESSION;
        *mt = eval__regression[0].mt;
        return 0;
    }
    for (size_t i = 0; i < EVAL__NREG; i++) {
        if (strcmp(metric, eval__regression[i].name) == 0) {
            *ev = PT_EVAL_REGRESSION;
            *mt = eval__regression[i].mt;
            return 0;
        }
    }
    pt_seterr(err, "unknown metric \"%s\" for evaluator regression (rmse, mse, r2, mae, var)",
              metric);
    return -EINVAL;
}

const char *pt_eval_evaluator_name(pt_evaluator_t ev)
{
    return ev == PT_EVAL_REGRESSION ? "regression" : "?";
}

const char *pt_eval_metric_name(pt_metric_t mt)
{
    for (size_t i = 0; i < EVAL__NREG; i++)
        if (eval__regression[i].mt == mt)
            return eval__regression[i].name;
    return "?";
}

int pt_eval_larger_is_better(pt_metric_t mt)
{
    for (size_t i = 0; i < EVAL__NREG; i++)
        if (eval__regression[i].mt == mt)
            return eval__regression[i].larger_is_better;
    return 0;
}

double pt_eval_regression(pt_metric_t mt, const double *pred, const double *label, size_t n)
{
    double ybar = 0.0, sse = 0.0, sae = 0.0, sstot = 0.0, ssreg = 0.0, dn = (double)n;

    if (n == 0)
        return NAN;
    /* Pass 1: the label mean, which r2 and var centre on. */
    for (size_t i = 0; i < n; i++)
        ybar += label[i];
    ybar /= dn;
    for (size_t i = 0; i < n; i++) {
        double e = label[i] - pred[i];
        sse += e * e;
        sae += fabs(e);
        sstot += (label[i] - ybar) * (label[i] - ybar);
        ssreg += (pred[i] - ybar) * (pred[i] - ybar);
    }
    switch (mt) {
    case PT_METRIC_RMSE:
        return sqrt(sse / dn);
    case PT_METRIC_MSE:
        return sse / dn;
    case PT_METRIC_R2:
        /* SStot = 0 (constant labels) gives -inf or NaN, as in Spark. */
        return 1.0 - sse / sstot;
    case PT_METRIC_MAE:
        return sae / dn;
    case PT_METRIC_VAR:
        return ssreg / dn;
    }
    return NAN;
}
