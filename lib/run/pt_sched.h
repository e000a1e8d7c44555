/* pt_sched.h - the sweep's job queue: which job runs next, retries, the stats dependency.
 *
 * The coordinator's scheduler without processes or sockets, so that unit tests reach it. A
 * sweep has four kinds of job (pt_job_kind_t of pt_msg.h): one stats job per image block
 * (the shared moments cache), one bins job per slot of the shared codes segment (tree
 * pipelines, pt_codes.h), one fit job per (param map, fold), and the refit of the best map
 * on all rows (its slot also serves the oof jobs of tune --oof, one at a time). Job ids are fixed: fit jobs 0 .. nmaps x nfolds - 1 (map-major), the refit
 * next, then the stats jobs, then the bins jobs; they are the ids the worker protocol
 * carries. Queued jobs wait in one FIFO (a sweep's fit jobs enter it longest first when the
 * configuration gives each map a cost); a job whose worker died goes back to its front (it
 * had waited its turn). No fit or refit is handed out while a stats or bins job is queued or
 * running (the fits read what they compute), and at most `parallelism` jobs are outstanding
 * at once.
 */
#ifndef PT_SCHED_H
#define PT_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "pt_msg.h"

typedef struct {
    size_t nmaps, nfolds; /* fit jobs: one per (map, fold) */
    size_t nstats;        /* stats jobs: one per image block (0: none) */
    size_t parallelism;   /* most jobs outstanding at once, >= 1 */
    long max_retries;     /* a job whose worker died runs again at most this many times */
    size_t nbins;         /* bins jobs: one per codes slot (0: none), slot b for param map
                           * bins_map[b] (its maxBins and seed) on fold bins_fold[b]; the
                           * arrays are read by pt_sched_new only */
    const int32_t *bins_map, *bins_fold;
    /* numTrees sharing: lead[m] (nmaps, read by pt_sched_new only) is the map whose fit job
     * on a fold also scores map m there (the maps that differ only in numTrees, or only in
     * regParam along a regularization path; the lead has the largest), lead[m] == m for a
     * lead; NULL: none. A covered job is not queued while
     * its lead's job is pending; it runs inside the lead's job (pt_sched_cover), which holds
     * one slot of parallelism for all of them. */
    const int32_t *lead;
    /* cost[m] (nmaps, read by pt_sched_new only): an estimate of the time of map m's fit
     * jobs (pt_stage_def_t.cost); the sweep queues its fit jobs longest first (equal costs
     * in id order), so that the longest do not start last and leave a slot idle at the
     * end. NULL: id order (the grid's). */
    const double *cost;
    /* queue_maps > 0: pt_sched_queue_sweep queues the fit jobs of maps < queue_maps only; the
     * others wait for pt_sched_queue_map (successive halving's later rungs, pt_halving.h).
     * 0: every map. */
    size_t queue_maps;
} pt_sched_config_t;

typedef enum {
    PT_SCHED_PENDING = 0, /* not run yet (queued or not) */
    PT_SCHED_RUNNING,     /* handed out, not finished */
    PT_SCHED_DONE,        /* finished ok */
    PT_SCHED_FAILED       /* finished with a failure */
} pt_sched_state_t;

typedef struct {
    pt_job_kind_t kind;
    int32_t map;  /* fit, refit, bins: the param map; stats: -1 */
    int32_t fold; /* fit, bins: the fold; stats: the image block; refit: -1 */
    pt_sched_state_t state;
    int attempts; /* times handed out (restored from the log on --resume) */
} pt_sched_job_t;

/* What became of a job whose worker died (pt_sched_lost). */
typedef enum {
    PT_LOST_RETRY,   /* queued again at the front */
    PT_LOST_DROPPED, /* pending and not queued: the sweep is stopping; left for --resume */
    PT_LOST_FAILED   /* no retry left (or timed out): still running; the caller finishes it
                      * as failed with pt_sched_finish */
} pt_sched_lost_t;

typedef struct pt_sched pt_sched_t;

/* A scheduler for cfg's jobs, all pending, none queued. Returns an owned object
 * (pt_sched_destroy) or NULL (no memory, or a configuration too large). */
pt_sched_t *pt_sched_new(const pt_sched_config_t *cfg);
/* Frees *s and sets it to NULL; accepts NULL. */
void pt_sched_destroy(pt_sched_t **s);

/* Number of job ids (fits, the refit, stats). */
size_t pt_sched_njobs(const pt_sched_t *s);
/* Number of fit jobs (nmaps x nfolds). */
size_t pt_sched_nfits(const pt_sched_t *s);
/* The id of fit job (map, fold), of the refit, of stats job `block`. */
long pt_sched_fit_id(const pt_sched_t *s, size_t map, size_t fold);
long pt_sched_refit_id(const pt_sched_t *s);
long pt_sched_stats_id(const pt_sched_t *s, size_t block);
/* The id of bins job `slot`. */
long pt_sched_bins_id(const pt_sched_t *s, size_t slot);
/* Job id, or NULL when id is out of range. The pointer lives as long as s. */
const pt_sched_job_t *pt_sched_job(const pt_sched_t *s, long id);

/* Marks fit job (map, fold) as finished by an earlier run (--resume): state DONE or FAILED
 * and its attempts. Out-of-range cells are ignored. Only before anything is queued. */
void pt_sched_restore(pt_sched_t *s, size_t map, size_t fold, pt_sched_state_t state,
                      int attempts);
/* Fit jobs still pending; fit jobs failed. */
size_t pt_sched_fits_pending(const pt_sched_t *s);
size_t pt_sched_fits_failed(const pt_sched_t *s);

/* Queues every stats job, every bins job, then every pending fit job (by cost, largest
 * first, else in id order): the sweep. */
void pt_sched_queue_sweep(pt_sched_t *s);
/* Queues the pending fit jobs of map `map` (in fold order) that are not queued or covered
 * yet: a rung of successive halving. Returns how many; 0 for a map out of range. */
size_t pt_sched_queue_map(pt_sched_t *s, size_t map);
/* Queues the refit of param map `map` (the job's map is set). Returns its id, or -EINVAL
 * when map is out of range or the refit is queued or running already. */
long pt_sched_queue_refit(pt_sched_t *s, size_t map);
/* Queues an oof job (pt_msg.h) of param map `map` on fold `fold` in the refit's slot (one at
 * a time, after the refit: tune --oof). Returns its id (the refit's), or -EINVAL as
 * pt_sched_queue_refit, or when fold is out of range. */
long pt_sched_queue_oof(pt_sched_t *s, size_t map, size_t fold);

/* The next job to hand out, now marked running with one more attempt; -1 when none may go
 * (queue empty, `parallelism` outstanding, or a fit waiting for the stats jobs). */
long pt_sched_next(pt_sched_t *s);
/* Lead fit job id, just taken by pt_sched_next: the pending fit jobs it also runs (numTrees
 * sharing), marked running (without a slot of their own) into out (room for nmaps ids).
 * Returns how many. */
size_t pt_sched_cover(pt_sched_t *s, long id, long *out);
/* 1 when the sweep has numTrees sharing (a lead array), so that callers skip the two
 * calls below (and their buffers) otherwise. */
int pt_sched_sharing(const pt_sched_t *s);
/* The running jobs that job id runs for (pt_sched_cover), into out (room for nmaps). */
size_t pt_sched_covered_by(const pt_sched_t *s, long id, long *out);
/* Job id, taken by pt_sched_next, could not be sent: back to the queue's front as it was
 * (what it covered is pending again). */
void pt_sched_unsend(pt_sched_t *s, long id);
/* Running job id finished: DONE when ok, else FAILED. A covered job is finished on its own
 * (after its lead, or with it); it frees no slot. */
void pt_sched_finish(pt_sched_t *s, long id, int ok);
/* Running job id's worker died. A job that timed out fails; else it is retried while it has
 * attempts left (attempts <= max_retries) and the sweep is not stopping; else it is dropped
 * when stopping, failed otherwise. What it covered is pending again: covered again by its
 * retry, else queued to run on its own (not when stopping). Returns what was decided (see
 * pt_sched_lost_t). */
pt_sched_lost_t pt_sched_lost(pt_sched_t *s, long id, int stopping, int timed_out);

/* Takes the queued fit jobs off the queue (they stay pending, for --resume): the sweep's
 * time budget is spent (--time-budget). Stats, bins and refit jobs stay queued. Returns how
 * many were taken off. */
size_t pt_sched_halt(pt_sched_t *s);
/* Takes the queued fit jobs of param map `map` off the queue (they stay pending): the map
 * lost its race (--race, pt_race.h). Returns how many were taken off; 0 for a map out of
 * range. */
size_t pt_sched_drop_map(pt_sched_t *s, size_t map);
/* The order of pt_sched_queue_sweep's fit jobs: 0 map-major (id order, the default), 1
 * fold-major (every map's fold 0, then every map's fold 1, ...: --race, so that evidence
 * on every map comes early). Only before pt_sched_queue_sweep. */
void pt_sched_set_fold_major(pt_sched_t *s, int on);

/* Jobs queued; jobs running (outstanding). */
size_t pt_sched_queued(const pt_sched_t *s);
size_t pt_sched_running(const pt_sched_t *s);

#endif
