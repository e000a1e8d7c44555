/* pt_race.c - racing across folds (see pt_race.h). */
#include "pt_race.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

struct pt_race {
    size_t nmaps, nfolds, min_folds;
    int larger;
    double alpha;
    long leader;
    unsigned char *pruned; /* nmaps */
    double *a, *b;         /* nfolds each: the paired metrics being compared */
};

pt_race_t *pt_race_new(size_t nmaps, size_t min_folds, int larger, double alpha)
{
    pt_race_t *r;
    if (min_folds < 2 || !(alpha > 0 && alpha < 1) || nmaps > SIZE_MAX / 2)
        return NULL;
    if ((r = calloc(1, sizeof *r)) == NULL)
        return NULL;
    r->nmaps = nmaps;
    r->min_folds = min_folds;
    r->larger = larger;
    r->alpha = alpha;
    r->leader = -1;
    if ((r->pruned = calloc(nmaps + 1, 1)) == NULL) {
        free(r);
        return NULL;
    }
    return r;
}

void pt_race_destroy(pt_race_t **r)
{
    if (r != NULL && *r != NULL) {
        free((*r)->pruned);
        free((*r)->a);
        free((*r)->b);
        free(*r);
        *r = NULL;
    }
}

long pt_race_leader(const pt_race_t *r)
{
    return r->leader;
}

int pt_race_pruned(const pt_race_t *r, size_t m)
{
    return m < r->nmaps && r->pruned[m];
}

/* Continued fraction of the incomplete beta function (modified Lentz). */
static double betacf(double x, double a, double b)
{
    const double tiny = 1e-300, eps = 1e-15;
    double c = 1, d = 1 - (a + b) * x / (a + 1), h;
    if (fabs(d) < tiny)
        d = tiny;
    d = 1 / d;
    h = d;
    for (int m = 1; m <= 300; m++) {
        double m2 = 2.0 * m, aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2)), del;
        d = 1 + aa * d;
        d = fabs(d) < tiny ? 1 / tiny : 1 / d;
        c = 1 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        h *= d * c;
        aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
        d = 1 + aa * d;
        d = fabs(d) < tiny ? 1 / tiny : 1 / d;
        c = 1 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        del = d * c;
        h *= del;
        if (fabs(del - 1) < eps)
            break;
    }
    return h;
}

double pt_race_ibeta(double x, double a, double b)
{
    double front;
    if (!(a > 0) || !(b > 0) || !(x >= 0 && x <= 1))
        return NAN;
    if (x == 0 || x == 1)
        return x;
    front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
    /* the fraction converges fast for x < (a + 1) / (a + b + 2); else by symmetry */
    if (x < (a + 1) / (a + b + 2))
        return front * betacf(x, a, b) / a;
    return 1 - front * betacf(1 - x, b, a) / b;
}

double pt_race_t_cdf(double t, double df)
{
    double tail;
    if (!(df > 0) || isnan(t))
        return NAN;
    if (isinf(t))
        return t > 0 ? 1 : 0;
    tail = 0.5 * pt_race_ibeta(df / (df + t * t), df / 2, 0.5); /* P(T > |t|) */
    return t > 0 ? 1 - tail : tail;
}

int pt_race_loses(const double *a, const double *b, size_t n, int larger, double alpha,
                  double *p_out)
{
    double mean = 0, ss = 0, p = 1;
    int all_equal = 1;
    if (n >= 2) {
        for (size_t i = 0; i < n; i++)
            mean += larger ? b[i] - a[i] : a[i] - b[i];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++) {
            double d = (larger ? b[i] - a[i] : a[i] - b[i]) - mean;
            ss += d * d;
            all_equal &= fabs(d) <= 1e-12 * (fabs(mean) + 1e-300);
        }
        if (all_equal)
            p = mean > 0 ? 0 : 1;
        else
            p = 1 - pt_race_t_cdf(mean / sqrt(ss / (double)(n - 1) / (double)n),
                                  (double)(n - 1));
    }
    if (p_out != NULL)
        *p_out = p;
    return n >= 2 && p < alpha;
}

/* Map m's mean over its done folds into *mean; the number of them (0 when a fold failed or
 * is not finite: such a map is not judged). */
static size_t done_mean(const pt_results_t *res, size_t m, double *mean)
{
    size_t nf = pt_results_nfolds(res), n = 0;
    double sum = 0;
    for (size_t f = 0; f < nf; f++) {
        double v;
        pt_fold_state_t st = pt_results_get(res, m, f, &v);
        if (st == PT_FOLD_FAILED || (st == PT_FOLD_OK && !isfinite(v)))
            return 0;
        if (st == PT_FOLD_OK) {
            sum += v;
            n++;
        }
    }
    *mean = n > 0 ? sum / (double)n : NAN;
    return n;
}

/* The leader: the best mean among the maps not pruned with min_folds done; -1 when none. */
static long find_leader(const pt_race_t *r, const pt_results_t *res)
{
    long best = -1;
    double bv = NAN;
    for (size_t m = 0; m < r->nmaps; m++) {
        double v;
        if (r->pruned[m] || done_mean(res, m, &v) < r->min_folds)
            continue;
        if (best < 0 || pt_results_better(r->larger, v, bv)) {
            best = (long)m;
            bv = v;
        }
    }
    return best;
}

size_t pt_race_next_pruned(pt_race_t *r, const pt_results_t *res)
{
    size_t nf = pt_results_nfolds(res);
    if (r->a == NULL) {
        r->nfolds = nf;
        r->a = malloc((nf + 1) * sizeof *r->a);
        r->b = malloc((nf + 1) * sizeof *r->b);
        if (r->a == NULL || r->b == NULL)
            return (size_t)-1; /* no racing: every map runs all its folds */
    }
    if ((r->leader = find_leader(r, res)) < 0)
        return (size_t)-1;
    for (size_t m = 0; m < r->nmaps; m++) {
        double v;
        size_t n = 0;
        if (r->pruned[m] || (long)m == r->leader || done_mean(res, m, &v) < r->min_folds)
            continue;
        for (size_t f = 0; f < nf; f++) { /* the folds both have done */
            double x, y;
            if (pt_results_get(res, m, f, &x) == PT_FOLD_OK &&
                pt_results_get(res, (size_t)r->leader, f, &y) == PT_FOLD_OK) {
                r->a[n] = x;
                r->b[n++] = y;
            }
        }
        if (n >= r->min_folds && pt_race_loses(r->a, r->b, n, r->larger, r->alpha, NULL)) {
            r->pruned[m] = 1;
            return m;
        }
    }
    return (size_t)-1;
}
