/* pt_halving.h - successive halving (--search halving): the rungs' schedule, the rows of each
 * rung's fold blocks, and which param maps go on to the next rung.
 *
 * scikit-learn's HalvingGridSearchCV: every candidate map runs on a small resource (rows of
 * the data, or the rounds / trees of the predictor), the best ceil(n / factor) of them by
 * their mean metric go on to the next rung with factor times the resource, until the last
 * rung. The schedule (pt_halving_plan) is sklearn's _run_search with aggressive_elimination
 * off, to the same integers: n_required = 1 + floor(log(n) / log(factor)), min_resources
 * "exhaust" = max(smallest, max_resources // factor^(n_required - 1)), n_possible = 1 +
 * floor(log(max_resources // min_resources) / log(factor)), rungs = min(n_required,
 * n_possible), rung r's resource min(factor^r x min_resources, max_resources), its maps
 * ceil(previous / factor).
 *
 * A sweep runs a rung's maps as "rung maps": rung r of candidate m is map r x ncand + m of
 * the scheduler and of the results (pt_sched, pt_results), so each (rung, map, fold) job has
 * an id and a result of its own. pt_halving_advance moves the sweep on when a rung's jobs
 * are all finished; with the rows as the resource, each job of rung r trains and is scored
 * on a prefix of every fold block of the image (pt_halving_prefix: no copy).
 */
#ifndef PT_HALVING_H
#define PT_HALVING_H

#include <stddef.h>
#include <stdint.h>

#include "pt_results.h"
#include "pt_sched.h"

/* Most rungs: factor >= 2 halves at least 2^40 maps within them. */
#define PT_HALVING_MAX_RUNGS 40

typedef struct {
    size_t nrungs;                          /* min(n_required, n_possible) */
    size_t n_required, n_possible;          /* sklearn's n_required_iterations_, ... */
    long long min_resources, max_resources; /* min_resources_ (after exhaust), max_resources_ */
    size_t candidates[PT_HALVING_MAX_RUNGS]; /* n_candidates_ per rung */
    long long resources[PT_HALVING_MAX_RUNGS]; /* n_resources_ per rung */
} pt_halving_plan_t;

/* The schedule for ncand (>= 1) candidate maps, factor (>= 2), min_resources (> 0: given; 0:
 * "exhaust"), smallest (sklearn's min_resources_ before exhaust: 2 x splits, x classes for a
 * classifier, with the rows as resource; 1 for a param) and max_resources (>= 1: the rows,
 * or the param's largest value). Returns 0, or -EINVAL with err ("min_resources N is greater
 * than max_resources M", as sklearn refuses it). */
int pt_halving_plan(size_t ncand, long factor, long long min_resources, long long smallest,
                    long long max_resources, pt_halving_plan_t *plan, char *err);

/* How the resource R (rows) of a rung is divided among nblocks fold blocks of sizes n[b]
 * (N = sum n[b], R <= N): block b gives its first floor(R x n[b] / N) rows, and the R - sum
 * rows left go one each to blocks 0, 1, ... that have rows left (R = N: every row). out[b]
 * receives the rows of block b. */
void pt_halving_block_rows(long long R, const size_t *n, size_t nblocks, size_t *out);

typedef struct pt_halving pt_halving_t;

/* A halving over ncand candidate maps and plan (copied); larger: whether a larger metric is
 * better. With rows (the resource is the rows) block_n[nblocks] are the image's block sizes
 * (copied; each rung's prefixes are computed from them); without, block_n is not read.
 * Rung 0 holds every candidate. Returns an owned object (pt_halving_destroy) or NULL (no
 * memory, or ncand 0). */
pt_halving_t *pt_halving_new(size_t ncand, const pt_halving_plan_t *plan, int larger, int rows,
                             const size_t *block_n, size_t nblocks);
/* Frees *h and sets it to NULL; accepts NULL. */
void pt_halving_destroy(pt_halving_t **h);

const pt_halving_plan_t *pt_halving_get_plan(const pt_halving_t *h);
size_t pt_halving_ncand(const pt_halving_t *h);

/* Rung r's rows per fold block (*n = nblocks of them, int32 as the job message carries
 * them), or NULL (*n = 0) when the rung uses every row (or the resource is not the rows).
 * Borrowed. */
const int32_t *pt_halving_prefix(const pt_halving_t *h, size_t rung, size_t *n);

/* The rung whose maps run now (the first not finished). */
size_t pt_halving_rung(const pt_halving_t *h);
/* The candidate maps of rung r (ascending), into *maps (borrowed); returns how many (0 for
 * a rung not reached yet). */
size_t pt_halving_rung_maps(const pt_halving_t *h, size_t r, const size_t **maps);

/* Moves the sweep on: while every fit job of the current rung's maps is finished (done or
 * failed) in sched, keeps the best ceil(n / factor) of them by their mean metric in res (the
 * rung maps' results: a map with a failed fold, or none, ranks after every complete one;
 * equal means go to the lower index), and queues their pending fit jobs on the next rung
 * (pt_sched_queue_map of rung map r x ncand + m). Stops at the last rung. Returns the jobs
 * queued (0 when none), or -ENOMEM. */
long pt_halving_advance(pt_halving_t *h, const pt_results_t *res, pt_sched_t *sched);
/* 1 when the last rung's jobs are all finished. */
int pt_halving_done(const pt_halving_t *h, const pt_sched_t *sched);

/* The best map of the last rung: the complete one with the best mean in res (ties: the lower
 * index); a candidate index, or -1 when none is complete (or the last rung is not reached).
 * Its mean into *avg when not NULL. */
long pt_halving_best(const pt_halving_t *h, const pt_results_t *res, double *avg);
/* The highest rung candidate m reached (0 for every candidate). */
size_t pt_halving_map_rung(const pt_halving_t *h, size_t m);

#endif
