/* pt_impute.h - the surrogates of Spark ML's Imputer (strategy mean, median, mode), the
 * numerics an imputer stage fits with.
 *
 * Spark's Imputer (org.apache.spark.ml.feature.Imputer, 3.x) replaces a missing value of a
 * column by its surrogate, computed over the column's observed (not missing) values in the
 * rows it is fit on:
 *   mean    the average (avg, nulls ignored);
 *   median  approxQuantile(0.5, relativeError 0.001): a value of the column, the one of rank
 *           ceil(n / 2) (1-based, ascending) when the summary is exact -- for an even n the
 *           lower of the two middle values (scikit-learn's SimpleImputer averages the two);
 *           computed exactly here (Spark's is within 0.001 n ranks of it on large columns);
 *   mode    the most frequent value, the smallest of equally frequent ones (Spark follows
 *           scikit-learn's most_frequent there).
 * A column without any observed value has no surrogate: Spark's fit throws "surrogate cannot
 * be computed. All the values in COL are Null, Nan or missingValue(NaN)".
 *
 * With a column stored as x0 (a missing value as 0) and its 0/1 missing indicator m, the
 * imputed column is the affine x0 + surrogate * m, and the mean is a ratio of the sums the
 * moments hold: sum(x0) / (n - sum(m)).
 */
#ifndef PT_IMPUTE_H
#define PT_IMPUTE_H

#include <stddef.h>

typedef enum { PT_IMPUTE_MEAN, PT_IMPUTE_MEDIAN, PT_IMPUTE_MODE } pt_impute_strategy_t;

/* The strategy named name ("mean", "median", "mode"), or -1. */
int pt_impute_strategy(const char *name);

/* The surrogate of the n observed values v of a column by strategy s; v is sorted in place
 * (ascending) for median and mode. NaN when n is 0 (no surrogate). */
double pt_impute_surrogate(double *v, size_t n, pt_impute_strategy_t s);

/* The mean surrogate from sums over n rows: sum_x0 of the column with missing values as 0,
 * sum_m of its missing indicator. NaN when every value is missing (n - sum_m is 0). */
double pt_impute_mean_from_sums(double sum_x0, double sum_m, double n);

/* The median and mode surrogates of one training set's columns, kept between the fits on
 * it (they depend on its rows and the strategy only, so every param map after the first
 * reuses them instead of a pass over the rows): v[s] (n[s] doubles) for strategy s, NULL
 * until a fit fills it. A zeroed struct is empty; the owner frees it with
 * pt_impute_cache_free. */
typedef struct {
    double *v[3];
    size_t n[3];
} pt_impute_cache_t;

/* Frees what c holds and empties it; accepts NULL. */
void pt_impute_cache_free(pt_impute_cache_t *c);

#endif
