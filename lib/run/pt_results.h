/* pt_results.h - a sweep's results: per-map aggregation over folds, the best map, the table.
 *
 * One home for the rules that tune (the choice and the table it prints), the coordinator's
 * progress line (best so far) and paratune-log (statistics read back from a log) share, so
 * that they agree to the bit. A results object holds, for every (param map, fold) cell, the
 * latest outcome of that job: none yet, ok with a metric, or failed. A map is complete when
 * every fold is ok with a finite metric; it is failed when any fold failed or gave a
 * non-finite metric (r2 of a constant label); otherwise partial (some folds ok, the others
 * not run yet) or none. Averages and standard deviations are over the ok folds in fold
 * order, the standard deviation with ddof 0 as PySpark's CrossValidatorModel.stdMetrics.
 * The best map is the complete map with the best average (larger or smaller is better by the
 * metric), NaN never best, ties to the lowest index.
 */
#ifndef PT_RESULTS_H
#define PT_RESULTS_H

#include <stddef.h>

#include "pt_value.h"

/* One (map, fold) job's latest outcome. */
typedef enum {
    PT_FOLD_NONE = 0, /* no result yet */
    PT_FOLD_OK,       /* finished ok (its metric may still be non-finite) */
    PT_FOLD_FAILED    /* failed or timed out */
} pt_fold_state_t;

/* How far a param map got (the numbering is paratune-log's PLOG_* as well). */
typedef enum {
    PT_MAP_OK = 0,      /* every fold ok with a finite metric */
    PT_MAP_PARTIAL = 1, /* some folds ok, the others without a result yet */
    PT_MAP_FAILED = 2,  /* a fold failed or gave a non-finite metric */
    PT_MAP_NONE = 3     /* no result yet */
} pt_map_state_t;

typedef struct {
    pt_map_state_t state;
    int ok, failed;  /* folds ok with a finite metric; folds failed or non-finite */
    double avg, std; /* over the ok folds; NaN unless OK or PARTIAL */
} pt_map_stats_t;

typedef struct pt_results pt_results_t;

/* A results object for nmaps x nfolds jobs, every cell without a result; larger says whether
 * a larger metric is better. Returns an owned object (pt_results_destroy) or NULL (no
 * memory). */
pt_results_t *pt_results_new(size_t nmaps, size_t nfolds, int larger);
/* Frees *r and sets it to NULL; accepts NULL. */
void pt_results_destroy(pt_results_t **r);

size_t pt_results_nmaps(const pt_results_t *r);
size_t pt_results_nfolds(const pt_results_t *r);

/* Records job (map, fold)'s outcome, replacing an earlier one (the last result of a job
 * counts). state PT_FOLD_NONE clears the cell. metric is ignored unless state is OK.
 * Out-of-range cells are ignored. */
void pt_results_set(pt_results_t *r, size_t map, size_t fold, pt_fold_state_t state,
                    double metric);
/* The outcome of cell (map, fold); *metric (when not NULL) gets its metric, NaN unless OK. */
pt_fold_state_t pt_results_get(const pt_results_t *r, size_t map, size_t fold, double *metric);
/* Cells with a result (ok or failed). */
size_t pt_results_count(const pt_results_t *r);

/* The statistics of one map (see the header comment). */
void pt_results_map(const pt_results_t *r, size_t map, pt_map_stats_t *out);
/* Per map, the average and std when the map is complete, else NaN (what tune reports and
 * logs). avg and sd hold nmaps values each. */
void pt_results_averages(const pt_results_t *r, double *avg, double *sd);

/* 1 when a is better than b under direction larger: NaN is never better, and any number is
 * better than NaN. */
int pt_results_better(int larger, double a, double b);
/* Index of the best complete map (ties: the lowest index), or -1 when none is complete; its
 * average into *avg when not NULL. */
long pt_results_best(const pt_results_t *r, double *avg);

/* One-standard-error selection (--select one-se). The standard error is the best map's
 * sample standard deviation over its folds (ddof 1, as scikit-learn's examples of the rule
 * compute it; the logged std_metrics keep ddof 0) divided by sqrt(folds). Among the complete
 * maps whose average is within one standard error of the best average (>= best - se when a
 * larger metric is better, else <= best + se), the most regularized one is chosen:
 * pt_results_more_regularized decides between two, and ties (no ordered param differs) go to
 * the lower index. maps: nmaps param maps. Returns the chosen index (-1 when no map is
 * complete); the best-average map's index into *top and the standard error into *se when not
 * NULL. */
long pt_results_one_se(const pt_results_t *r, const pt_paramlist_t *maps, long *top, double *se);
/* 1 when map a is more regularized than map b. The params are looked at in this priority
 * order, by their name after the stage prefix: larger regParam, smaller maxDepth, fewer
 * maxIter, fewer numTrees, smaller k (pca), larger minInstancesPerNode, larger minInfoGain,
 * larger minWeightFractionPerNode, smaller stepSize, fewer maxBins; the first of these that a
 * has, b has too (same key) and whose values differ decides. Other params (elasticNetParam,
 * which trades L1 for L2 rather than strength; tol; ...) take no part. */
int pt_results_more_regularized(const pt_paramlist_t *a, const pt_paramlist_t *b);

/* The results table tune prints: a header row (#, each key of maps[0], the metric, std), then
 * one row per map with its params, average and std ("failed" and "-" for maps that are not
 * complete), the best marked with '*'. maps: nmaps param maps (as shown in logs). Returns an
 * owned NUL-terminated string (free), or NULL when out of memory. */
char *pt_results_table(const pt_results_t *r, const pt_paramlist_t *maps,
                       const char *metric_name, long best);

#endif
