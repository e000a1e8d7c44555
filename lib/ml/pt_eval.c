/* pt_eval.c - evaluator and metric names, and Spark's Regression-, BinaryClassification- and
 * MulticlassMetrics.
 *
 * Names are matched exactly (case-sensitive), as Spark's param validators do. The regression
 * metrics follow org.apache.spark.mllib.evaluation.RegressionMetrics with unit weights and
 * throughOrigin = false (RegressionEvaluator's default); the binary ones
 * BinaryClassificationMetrics as BinaryClassificationEvaluator builds it (score =
 * rawPrediction(1), numBins), on a single partition; the multiclass ones MulticlassMetrics.
 */
#include "pt_eval.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"

#define EVAL__MAXMETRICS 6

/* The evaluators, each with its metrics (the first is its default) and whether a larger
 * value of the metric is better. */
static const struct {
    pt_evaluator_t ev;
    const char *name;
    struct {
        pt_metric_t mt; /* 0 past the last */
        const char *name;
        int larger_is_better;
    } metrics[EVAL__MAXMETRICS];
} eval__table[] = {
    {PT_EVAL_REGRESSION, "regression",
     {{PT_METRIC_RMSE, "rmse", 0}, {PT_METRIC_MSE, "mse", 0}, {PT_METRIC_R2, "r2", 1},
      {PT_METRIC_MAE, "mae", 0}, {PT_METRIC_VAR, "var", 1}}},
    {PT_EVAL_BINARY, "binary",
     {{PT_METRIC_AUC_ROC, "areaUnderROC", 1}, {PT_METRIC_AUC_PR, "areaUnderPR", 1}}},
    {PT_EVAL_MULTICLASS, "multiclass",
     {{PT_METRIC_F1, "f1", 1}, {PT_METRIC_ACCURACY, "accuracy", 1},
      {PT_METRIC_W_PRECISION, "weightedPrecision", 1}, {PT_METRIC_W_RECALL, "weightedRecall", 1},
      {PT_METRIC_LOG_LOSS, "logLoss", 0}, {PT_METRIC_HAMMING_LOSS, "hammingLoss", 0}}},
};
#define EVAL__NEV (sizeof(eval__table) / sizeof(eval__table[0]))

/* The table's evaluator index and metric index of mt; 0, or -1 when mt is unknown. */
static int eval__find(pt_metric_t mt, size_t *e, size_t *k)
{
    for (*e = 0; *e < EVAL__NEV; (*e)++)
        for (*k = 0; *k < EVAL__MAXMETRICS && eval__table[*e].metrics[*k].mt != 0; (*k)++)
            if (eval__table[*e].metrics[*k].mt == mt)
                return 0;
    return -1;
}

int pt_eval_lookup(const char *evaluator, const char *metric, pt_evaluator_t *ev,
                   pt_metric_t *mt, char *err)
{
    size_t e, len = 0;
    char names[256];

    for (e = 0; e < EVAL__NEV; e++)
        if (evaluator != NULL && strcmp(evaluator, eval__table[e].name) == 0)
            break;
    if (e == EVAL__NEV) {
        pt_seterr(err, "unknown evaluator \"%s\" (regression, binary, multiclass)",
                  evaluator != NULL ? evaluator : "");
        return -EINVAL;
    }
    for (size_t k = 0; k < EVAL__MAXMETRICS && eval__table[e].metrics[k].mt != 0; k++) {
        const char *name = eval__table[e].metrics[k].name;
        if (metric == NULL || strcmp(metric, name) == 0) {
            *ev = eval__table[e].ev;
            *mt = eval__table[e].metrics[k].mt;
            return 0;
        }
        len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", len > 0 ? ", " : "",
                                name);
    }
    pt_seterr(err, "unknown metric \"%s\" for evaluator %s (%s)", metric, evaluator, names);
    return -EINVAL;
}

const char *pt_eval_evaluator_name(pt_evaluator_t ev)
{
    for (size_t e = 0; e < EVAL__NEV; e++)
        if (eval__table[e].ev == ev)
            return eval__table[e].name;
    return "?";
}

const char *pt_eval_metric_name(pt_metric_t mt)
{
    size_t e, k;
    return eval__find(mt, &e, &k) == 0 ? eval__table[e].metrics[k].name : "?";
}

int pt_eval_larger_is_better(pt_metric_t mt)
{
    size_t e, k;
    return eval__find(mt, &e, &k) == 0 ? eval__table[e].metrics[k].larger_is_better : 0;
}

pt_evaluator_t pt_eval_metric_evaluator(pt_metric_t mt)
{
    size_t e, k;
    return eval__find(mt, &e, &k) == 0 ? eval__table[e].ev : 0;
}

double pt_eval_regression(pt_metric_t mt, const double *pred, const double *label, size_t n)
{
    return pt_eval_regression_w(mt, pred, label, NULL, n);
}

double pt_eval_regression_w(pt_metric_t mt, const double *pred, const double *label,
                            const double *w, size_t n)
{
    double ybar = 0.0, sse = 0.0, sae = 0.0, sstot = 0.0, ssreg = 0.0, dn = 0.0, w2 = 0.0;

    if (n == 0)
        return NAN;
    /* Pass 1: the total weight and the label mean, which r2 and var centre on. (Times a
     * weight of 1.0 every term is what the unweighted sums add, bit for bit.) */
    for (size_t i = 0; i < n; i++) {
        double wi = w != NULL ? w[i] : 1.0;
        ybar += wi * label[i];
        dn += wi;
        w2 += wi * wi;
    }
    ybar /= dn;
    for (size_t i = 0; i < n; i++) {
        double e = label[i] - pred[i], wi = w != NULL ? w[i] : 1.0;
        sse += wi * (e * e);
        sae += wi * fabs(e);
        sstot += wi * ((label[i] - ybar) * (label[i] - ybar));
        ssreg += wi * ((pred[i] - ybar) * (pred[i] - ybar));
    }
    /* Spark: SStot = variance(y) (weightSum - 1), the variance unbiased for reliability
     * weights, sum w (y - ybar)^2 / (W - sum w^2 / W) (0 when that is not positive); with
     * unit weights the factor is (n - 1) / (n - 1) and SStot stays sum (y - ybar)^2. */
    if (w != NULL)
        sstot = dn - w2 / dn > 0.0 ? sstot / (dn - w2 / dn) * (dn - 1.0) : 0.0;
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
    default:
        break;
    }
    return NAN;
}

int pt_eval_regression_moments(pt_metric_t mt, const pt_moments_t *v, const double *coef,
                               double intercept, double *out)
{
    size_t p = v->p;
    double wsw = 0.0, wsxy = 0.0, wmean = 0.0, d, sse, mag, ssreg;
    if ((mt != PT_METRIC_RMSE && mt != PT_METRIC_MSE && mt != PT_METRIC_R2 &&
         mt != PT_METRIC_VAR) || !(v->n > 0) || !(v->syy > 0))
        return -1;
    for (size_t i = 0; i < p; i++) {
        double si = 0.0;
        const double *row = v->S + i * p;
        for (size_t j = 0; j < p; j++)
            si += row[j] * coef[j];
        wsw += coef[i] * si;
        wsxy += coef[i] * v->sxy[i];
        wmean += coef[i] * v->mean[i];
    }
    if (wsw < 0.0) /* S is positive semi-definite: only rounding makes this negative */
        wsw = 0.0;
    d = v->ymean - (wmean + intercept);
    ssreg = wsw + v->n * d * d;
    sse = v->syy - 2.0 * wsxy + ssreg;
    mag = v->syy + 2.0 * fabs(wsxy) + ssreg;
    if (!isfinite(ssreg) || (mt != PT_METRIC_VAR && (!isfinite(mag) || !(sse >= PT_EVAL_MOMENTS_SSE * mag))))
        return -1; /* var is a sum of non-negative terms; the others need SSE to hold */
    switch (mt) {
    case PT_METRIC_RMSE:
        *out = sqrt(sse / v->n);
        break;
    case PT_METRIC_MSE:
        *out = sse / v->n;
        break;
    case PT_METRIC_R2:
        *out = 1.0 - sse / v->syy;
        break;
    default:
        *out = ssreg / v->n;
        break;
    }
    return 0;
}

typedef struct {
    double score;
    double pos; /* the row's weight for a positive label (> 0.5), else 0 */
    double neg; /* the row's weight for a negative label, else 0 */
} eval__pair_t;

/* Java's Double.compare, descending: NaN first, then +inf ... 0.0, -0.0 ... -inf. */
static int eval__cmp_desc(const void *pa, const void *pb)
{
    double a = ((const eval__pair_t *)pa)->score, b = ((const eval__pair_t *)pb)->score;
    int na = isnan(a), nb = isnan(b);
    if (na || nb)
        return nb - na;
    if (a > b)
        return -1;
    if (a < b)
        return 1;
    return (int)(signbit(a) != 0) - (int)(signbit(b) != 0);
}

static int eval__same(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return a == b && signbit(a) == signbit(b);
}

double pt_eval_binary(pt_metric_t mt, const double *score, const double *label, size_t n,
                      int num_bins)
{
    return pt_eval_binary_w(mt, score, label, NULL, n, num_bins);
}

double pt_eval_binary_w(pt_metric_t mt, const double *score, const double *label,
                        const double *w, size_t n, int num_bins)
{
    eval__pair_t *v = NULL;
    size_t ndistinct = 0, grouping = 1, inrun = 0;
    double P = 0.0, N = 0.0, tp = 0.0, fp = 0.0, area = 0.0, px = 0.0, py = 0.0;
    int first = 1;

    if (n == 0 || num_bins < 0 || (mt != PT_METRIC_AUC_ROC && mt != PT_METRIC_AUC_PR))
        return NAN;
    v = malloc(n * sizeof *v);
    if (v == NULL)
        return NAN;
    for (size_t i = 0; i < n; i++) {
        double wi = w != NULL ? w[i] : 1.0;
        v[i].score = score[i];
        v[i].pos = label[i] > 0.5 ? wi : 0.0;
        v[i].neg = label[i] > 0.5 ? 0.0 : wi;
        P += v[i].pos;
        N += v[i].neg;
    }
    qsort(v, n, sizeof *v, eval__cmp_desc);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || !eval__same(v[i].score, v[i - 1].score))
            ndistinct++;
    if (num_bins > 0 && ndistinct / (size_t)num_bins >= 2)
        grouping = ndistinct / (size_t)num_bins;

    /* Walk the distinct scores; a curve point closes each run of `grouping` of them and the
     * last (possibly shorter) run. */
    for (size_t i = 0; i < n; i++) {
        int last_of_score = i + 1 == n || !eval__same(v[i + 1].score, v[i].score);
        tp += v[i].pos;
        fp += v[i].neg;
        if (!last_of_score)
            continue;
        if (++inrun < grouping && i + 1 < n)
            continue;
        inrun = 0;
        {
            double rec = P > 0.0 ? tp / P : 0.0, x, y;
            if (mt == PT_METRIC_AUC_ROC) {
                x = N > 0.0 ? fp / N : 0.0;
                y = rec;
            } else {
                x = rec;
                y = tp + fp > 0.0 ? tp / (tp + fp) : 1.0;
                if (first)
                    py = y; /* PR starts at (0, precision at the first threshold) */
            }
            area += (x - px) * (y + py) / 2.0;
            px = x;
            py = y;
            first = 0;
        }
    }
    if (mt == PT_METRIC_AUC_ROC)
        area += (1.0 - px) * (1.0 + py) / 2.0;
    free(v);
    return area;
}

/* A class id as an index in [0, K), or -1. */
static long eval__class(double v, size_t K)
{
    if (!(v >= 0.0 && v < (double)K) || v != floor(v))
        return -1;
    return (long)v;
}

double pt_eval_multiclass(pt_metric_t mt, const double *pred, const double *prob,
                          const double *label, size_t n, size_t K)
{
    return pt_eval_multiclass_w(mt, pred, prob, label, NULL, n, K);
}

double pt_eval_multiclass_w(pt_metric_t mt, const double *pred, const double *prob,
                            const double *label, const double *w, size_t n, size_t K)
{
    double *C = NULL, res = 0.0, dn = 0.0;

    if (n == 0 || K == 0)
        return NAN;
    for (size_t i = 0; i < n; i++) /* the total weight (n for unit weights, exactly) */
        dn += w != NULL ? w[i] : 1.0;
    if (mt == PT_METRIC_LOG_LOSS) {
        const double eps = 1e-15;
        if (prob == NULL)
            return NAN;
        for (size_t i = 0; i < n; i++) {
            long y = eval__class(label[i], K);
            double p;
            if (y < 0)
                return NAN;
            p = prob[i * K + (size_t)y];
            res += (w != NULL ? w[i] : 1.0) *
                   (p < eps ? -log(eps) : (p > 1.0 - eps ? -log1p(-eps) : -log(p)));
        }
        return res / dn;
    }
    if (mt != PT_METRIC_F1 && mt != PT_METRIC_ACCURACY && mt != PT_METRIC_W_PRECISION &&
        mt != PT_METRIC_W_RECALL && mt != PT_METRIC_HAMMING_LOSS)
        return NAN;
    C = calloc(K * K, sizeof(double)); /* C[label][pred] */
    if (C == NULL)
        return NAN;
    for (size_t i = 0; i < n; i++) {
        long y = eval__class(label[i], K), p = eval__class(pred[i], K);
        if (y < 0 || p < 0) {
            free(C);
            return NAN;
        }
        C[(size_t)y * K + (size_t)p] += w != NULL ? w[i] : 1.0;
    }
    if (mt == PT_METRIC_ACCURACY || mt == PT_METRIC_HAMMING_LOSS) {
        double tp = 0.0;
        for (size_t k = 0; k < K; k++)
            tp += C[k * K + k];
        res = mt == PT_METRIC_ACCURACY ? tp / dn : (dn - tp) / dn;
    } else {
        for (size_t k = 0; k < K; k++) {
            double cnt = 0.0, predicted = 0.0, tp = C[k * K + k], prec, rec, v;
            for (size_t j = 0; j < K; j++) {
                cnt += C[k * K + j];
                predicted += C[j * K + k];
            }
            if (cnt == 0.0)
                continue; /* only classes that occur as labels count */
            prec = predicted > 0.0 ? tp / predicted : 0.0;
            rec = tp / cnt;
            if (mt == PT_METRIC_W_PRECISION)
                v = prec;
            else if (mt == PT_METRIC_W_RECALL)
                v = rec;
            else
                v = prec + rec == 0.0 ? 0.0 : 2.0 * prec * rec / (prec + rec);
            res += v * cnt / dn;
        }
    }
    free(C);
    return res;
}
