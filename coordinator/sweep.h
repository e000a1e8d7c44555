/* sweep.h - the coordinator's event loop: ZeroMQ, the job queue and the worker processes.
 *
 * The loop ties the scheduler (pt_sched: which job next, retries, the stats dependency, the
 * outstanding bound), the process table (procs.h: spawn, reap, stop, the janitor) and the
 * reporting (report.h) together over one ROUTER socket: it hands queued jobs to idle
 * workers, turns worker deaths into retries or failures, kills workers whose job ran past
 * --job-timeout, that did not say HELLO within --start-timeout or whose connection died (no
 * answer to the heartbeats, peers.h: a stopped process; or closed), records every finished fit in the results and appends it to the log, and
 * draws the progress line. Signal handlers only set flags that the loop reads. The sweep
 * takes a config struct, not the command line; tune fills it.
 */
#ifndef PT_SWEEP_H
#define PT_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "pt_halving.h"
#include "pt_link.h"
#include "pt_log.h"
#include "pt_params.h"
#include "pt_race.h"
#include "pt_results.h"
#include "pt_sched.h"

typedef struct {
    /* the workers: program and arguments */
    const char *worker_path;
    const char *evaluator, *metric; /* names */
    const char *also_metrics;       /* --metric a,b,c: the others than metric, "b,c"; NULL */
    const char *const *metric_names; /* with also_metrics: every name, in --metric's order */
    size_t nmetrics, refit_pos;     /* ... and metric's place among them */
    long threads;                   /* per job (OPENBLAS_NUM_THREADS too) */
    unsigned long long worker_memory; /* bytes; 0: no cap */
    int no_cache;
    size_t nclasses;
    long num_bins;
    int image_fd, stats_fd;         /* shared memory the workers inherit (stats: -1 none) */
    int codes_fd;                   /* the shared codes segment (pt_codes.h), or -1 */
    int tree_threads;               /* a tree sweep: its last fit jobs (fewer than slots)
                                     * use the idle slots' threads and CPUs */
    const int *cpus;                /* pinned: the CPUs, slot i on its share; else NULL */
    struct pt_warm *warm;           /* workers started before the load, taken first by the
                                     * slots (procs.h); borrowed; NULL: none */
    int ncpus, nusable;             /* CPUs listed; CPUs usable (the refit's thread count) */
    /* the schedule */
    long parallelism, max_retries;
    double job_timeout;             /* seconds; 0: none */
    double heartbeat;               /* seconds between ZMTP pings; a worker silent for 3 of
                                     * them is killed and its job retried; 0: none */
    double start_timeout;           /* seconds a worker may take to say HELLO; 0: forever */
    int quiet;
    double deadline;                /* --time-budget: pt_now() after which no fit job starts
                                     * (the running ones get GRACE_SECONDS, then are killed
                                     * and left for --resume); 0: none */
    pt_race_t *race;                /* --race: the rule that prunes maps (borrowed); NULL */
    pt_halving_t *halving;          /* --search halving (borrowed); NULL. The scheduler's maps,
                                     * maps, full and results are then the rung maps (rung r of
                                     * map m is r x ncand + m, pt_halving.h) */
    /* what the jobs are and where their results go (borrowed) */
    const pt_spec_t *spec;
    const pt_paramlist_t *maps, *full; /* per map: as logged; every param (sent in jobs) */
    pt_sched_t *sched;
    pt_results_t *results;          /* fit outcomes are recorded here */
    pt_log_t *log;                  /* or NULL */
    int32_t run;                    /* this run's number in the log */
    size_t total, failed_before;    /* for the progress line: fit jobs to run; fits that
                                     * failed in earlier runs (--resume) */
    /* --listen: no local worker; every job goes to node agents over CURVE TCP (agents.h),
     * each of which first gets the image and runs the stats and bins jobs itself */
    const char *listen;             /* tcp://ADDR:PORT, or NULL */
    const pt_link_key_t *key;
    const void *image;              /* the image's bytes (the coordinator's mapping) */
    size_t image_size;
    uint64_t fingerprint;
    const char *shared_path;        /* the image cache file (absolute), OFFERed to agents */
    size_t nstats, stats_slots, stats_p; /* stats jobs; the moments segment's block slots,
                                          * width */
    const size_t *stats_count;      /* the stats cut: each image block's pieces; NULL */
    size_t stats_nblocks;
    const void *codes_keys;         /* the codes segment's keys (pt_codes_key_t); NULL */
    size_t ncodes;                  /* its slots = the bins jobs */
} pt_sweep_config_t;

typedef struct pt_sweep pt_sweep_t;

/* A sweep with cfg (copied; what it points to is borrowed). Nothing is started. Returns an
 * owned sweep (pt_sweep_destroy) or NULL (no memory). */
pt_sweep_t *pt_sweep_new(const pt_sweep_config_t *cfg);
/* Ends every worker (SIGKILL to all at once, then each reaped; under AddressSanitizer STOP,
 * then SIGKILL after a delay, so that their own exit and leak check run), closes ZeroMQ,
 * removes the socket directory, reaps the janitor and frees *s; sets it to NULL. Accepts
 * NULL. */
void pt_sweep_destroy(pt_sweep_t **s);
/* For a run that needs no more jobs: its local workers are killed now, without waiting, so
 * that their exit overlaps what the coordinator does before pt_sweep_destroy (which reaps
 * them). Nothing with --listen, nor under AddressSanitizer (there pt_sweep_destroy tells
 * the workers to STOP, so that their own exit and leak check run). Accepts NULL. */
void pt_sweep_release(pt_sweep_t *s);

/* Creates the private socket directory and its janitor, binds the ROUTER and starts
 * min(parallelism, want) workers (at least one); with cfg.listen, binds the agents' socket
 * instead (-EADDRINUSE with err set when it cannot: a port in use). Returns 0 or a negative
 * errno with err set. */
int pt_sweep_start(pt_sweep_t *s, size_t want, char *err);
/* Whether pt_sweep_start has run. */
int pt_sweep_started(const pt_sweep_t *s);

/* Whether the time budget (cfg.deadline) stopped the fit jobs. */
int pt_sweep_budget_spent(const pt_sweep_t *s);

/* Runs until no job is queued or running. Returns 0, the number of the signal that stopped
 * it (running jobs were given a short grace), or a negative errno with err set. */
int pt_sweep_run(pt_sweep_t *s, char *err);

/* What the sweep counted: fits finished in this run, of them failed and not converged. */
typedef struct {
    size_t finished, failed, not_converged;
    double t0; /* when pt_sweep_start ran (0: never) */
    long long iterations;   /* solver iterations the fit jobs reported (their "iterations") */
    size_t shared_jobs;     /* fit jobs that stood for other maps (prefix or path sharing) */
    size_t shared_fits;     /* the (map, fold) fits those jobs answered */
    double first_sent; /* the first job sent, seconds after t0 (0: none) */
    double stats;      /* the stats phase: first stats job sent to last one done, seconds */
    size_t nstats;     /* stats jobs done */
} pt_sweep_counts_t;
void pt_sweep_counts(const pt_sweep_t *s, pt_sweep_counts_t *c);

/* The refit's fitted pipeline (msgpack, *len bytes), handed to the caller (free), or NULL
 * when it failed or did not run. */
unsigned char *pt_sweep_take_model(pt_sweep_t *s, size_t *len);
/* Why the refit failed ("" when it did not). */
const char *pt_sweep_refit_error(const pt_sweep_t *s);

#endif
