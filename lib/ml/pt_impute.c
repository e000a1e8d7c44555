/* pt_impute.c - the surrogates of Spark ML's Imputer (pt_impute.h gives the rules). */
#include "pt_impute.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int pt_impute_strategy(const char *name)
{
    if (strcmp(name, "mean") == 0)
        return PT_IMPUTE_MEAN;
    if (strcmp(name, "median") == 0)
        return PT_IMPUTE_MEDIAN;
    if (strcmp(name, "mode") == 0)
        return PT_IMPUTE_MODE;
    return -1;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

double pt_impute_surrogate(double *v, size_t n, pt_impute_strategy_t s)
{
    double best;
    size_t best_n = 0;

    if (n == 0)
        return NAN;
    if (s == PT_IMPUTE_MEAN) {
        double sum = 0.0;
        for (size_t i = 0; i < n; i++)
            sum += v[i];
        return sum / (double)n;
    }
    qsort(v, n, sizeof *v, cmp_double);
    if (s == PT_IMPUTE_MEDIAN)
        return v[(n + 1) / 2 - 1]; /* rank ceil(n / 2) */
    best = v[0];
    for (size_t i = 0, j; i < n; i = j) { /* runs of equal values, ascending: the first of */
        for (j = i + 1; j < n && v[j] == v[i]; j++)  /* the longest is the smallest mode */
            ;
        if (j - i > best_n) {
            best_n = j - i;
            best = v[i];
        }
    }
    return best;
}

double pt_impute_mean_from_sums(double sum_x0, double sum_m, double n)
{
    double seen = n - sum_m;
    return seen > 0.5 ? sum_x0 / seen : NAN; /* the sums count rows: seen is an integer */
}

void pt_impute_cache_free(pt_impute_cache_t *c)
{
    for (int s = 0; c != NULL && s < 3; s++) {
        free(c->v[s]);
        c->v[s] = NULL;
        c->n[s] = 0;
    }
}
