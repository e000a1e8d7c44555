/* pt_race.h - racing across folds (--race): which param maps have lost and need no more fits.
 *
 * With --race the fit jobs run fold-major (pt_sched_set_fold_major), so evidence on every
 * map arrives early. After each result, every map with at least min_folds folds done is
 * compared with the leader (the map with the best mean over its done folds, among maps not
 * pruned with at least min_folds done; ties to the lowest index) on the folds both have
 * done: a one-sided paired t-test of "the map is worse than the leader" at level alpha
 * (default 0.01). A map that loses is pruned: its queued fit jobs are dropped (the sweep
 * does it), and it stays pruned whatever its later results. Only the module's arithmetic is
 * here (the Student-t CDF through the regularized incomplete beta function); the sweep
 * drops the jobs and the log records the pruned maps.
 */
#ifndef PT_RACE_H
#define PT_RACE_H

#include <stddef.h>

#include "pt_results.h"

/* The level of the test unless told otherwise: conservative, a map is dropped only on
 * strong evidence. */
#define PT_RACE_ALPHA 0.01

typedef struct pt_race pt_race_t;

/* A race over nmaps maps, judged once a map has min_folds (>= 2) folds done, by a paired
 * t-test at level alpha (0 < alpha < 1); larger: whether a larger metric is better. Returns
 * an owned object (pt_race_destroy) or NULL (no memory, or bad arguments). */
pt_race_t *pt_race_new(size_t nmaps, size_t min_folds, int larger, double alpha);
/* Frees *r and sets it to NULL; accepts NULL. */
void pt_race_destroy(pt_race_t **r);

/* Judges the maps of res against the current leader and returns the index of the next map
 * that loses (marked pruned now), or (size_t)-1 when no further map loses. Call it until it
 * returns (size_t)-1 after each new result. Maps with a failed or non-finite fold are not
 * judged (they have failed anyway). */
size_t pt_race_next_pruned(pt_race_t *r, const pt_results_t *res);
/* The leader of the last judgement, or -1. */
long pt_race_leader(const pt_race_t *r);
/* Whether map m is pruned. */
int pt_race_pruned(const pt_race_t *r, size_t m);

/* The paired one-sided test: a (the challenger) and b (the leader), n paired fold metrics.
 * Returns 1 when a is worse than b with p < alpha, else 0 (n < 2 never loses). The
 * differences d_i = b_i - a_i (larger better) or a_i - b_i (smaller better) are positive
 * where a is worse; t = mean(d) / (sd(d) / sqrt(n)), sd with n - 1 degrees of freedom; p =
 * 1 - T_{n-1}(t). Differences all equal: a loses when they are positive (p = 0). *p_out,
 * when not NULL, gets p. */
int pt_race_loses(const double *a, const double *b, size_t n, int larger, double alpha,
                  double *p_out);

/* The CDF of Student's t distribution with df > 0 degrees of freedom at t, from the
 * regularized incomplete beta function (pt_race_ibeta). NaN for df <= 0 or t NaN. */
double pt_race_t_cdf(double t, double df);
/* The regularized incomplete beta function I_x(a, b), a, b > 0, x in [0, 1] (a continued
 * fraction, Numerical Recipes' betacf, to about 1e-14). NaN outside the domain. */
double pt_race_ibeta(double x, double a, double b);

#endif
