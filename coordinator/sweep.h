/* sweep.h - the coordinator's job scheduler: worker processes, the job queue, the loop.
 *
 * Jobs are (param map, fold) pairs in one FIFO queue (retries go to its front). Each live
 * worker holds at most one job, and there are at most `parallelism` workers, so at most
 * `parallelism` jobs are outstanding. The loop polls the ROUTER socket, reaps dead workers
 * (their job is retried on a fresh worker up to --max-retries, then recorded as failed),
 * kills workers whose job ran past --job-timeout, appends every finished job to the log and
 * draws the progress line. Signal handlers only set flags that the loop reads.
 */
#ifndef PT_SWEEP_H
#define PT_SWEEP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "options.h"
#include "pt_common.h"
#include "pt_eval.h"
#include "pt_log.h"
#include "pt_params.h"
#include "pt_results.h"

enum { J_PENDING, J_RUNNING, J_DONE, J_FAILED };
enum { W_FREE, W_STARTING, W_IDLE, W_BUSY };

typedef struct {
    int32_t map, fold;     /* fold -1: refit on all rows */
    int state, attempts;
    double metric;
} job_t;

typedef struct {
    pid_t pid;
    int state;
    unsigned char id[64];  /* ZeroMQ routing id, known after HELLO */
    size_t idlen;
    long job;              /* the job it holds, or -1 */
    double started;        /* when that job was sent */
    int timed_out;         /* killed by the loop for running past --job-timeout */
    char kill_reason[256]; /* why the loop killed it, when it did */
} slot_t;

typedef struct {
    const opts_t *o;
    pt_spec_t *spec;
    pt_paramlist_t *maps, *full;   /* per param map: the map (for logs), every param (jobs) */
    size_t nmaps, nfolds;
    pt_results_t *results;         /* the fit jobs' outcomes (tune owns it) */
    job_t *jobs;
    size_t njobs;                  /* sweep jobs; the refit job is jobs[njobs] */
    long *queue;                   /* pending job indices */
    size_t qhead, qlen, qcap;
    slot_t *slots;
    size_t nslots;
    int start_failures;            /* workers that died before saying HELLO */
    int fatal_start;               /* one exited 2 at start-up: start no more */
    size_t running, finished, failed, total_to_run;
    size_t not_converged;
    int32_t run;                   /* this run's number in the log (1, or more after --resume) */          /* fits that stopped at maxIter before meeting tol */
    void *ctx, *router;
    char sockdir[256], endpoint[300];
    pid_t janitor;
    int janitor_fd;
    int image_fd;
    int stats_fd;                  /* shared moments cache, or -1 */
    size_t nstats;                 /* stats jobs: jobs[njobs + 1 .. njobs + nstats] */
    size_t start_workers;          /* workers pt_sweep_start starts (0: by the queue) */
    char worker_path[4096];
    char **envp;                   /* the workers' environment (pointers into environ) */
    char blas_env[48];
    char metric_name[32];
    pt_evaluator_t ev;
    pt_metric_t metric;
    int larger_is_better;
    size_t nclasses;               /* classifier: labels are 0..nclasses-1; else 0 */
    pt_log_t *log;
    double t0;
    double last_progress;
    int progress_tty, progress_drawn;
    unsigned char *model;          /* the refit's fitted pipeline, msgpack */
    size_t model_len;
    char refit_error[PT_ERRLEN];
} sweep_t;

/* Sets up the scheduler fields that do not depend on the data: -1 descriptors, no slots. */
void pt_sweep_init(sweep_t *s, const opts_t *o);

/* Appends job j to the queue (front for retries). */
void pt_sweep_queue(sweep_t *s, long j, int front);

/* Creates the private socket directory and its janitor (a small child that removes the
 * directory if the coordinator dies without doing so), binds the ROUTER and starts
 * min(parallelism, queued jobs) workers. Returns 0 or a negative errno with err set. */
int pt_sweep_start(sweep_t *s, char *err);

/* Runs until no job is pending or running. Returns 0, the number of the signal that
 * stopped it (running jobs were given a short grace), or a negative errno with err set. */
int pt_sweep_run(sweep_t *s, char *err);

/* Stops every worker (STOP, then SIGKILL after a delay), closes ZeroMQ, removes the socket
 * directory and reaps the janitor. Safe to call at any point, more than once. */
void pt_sweep_shutdown(sweep_t *s);

/* 1 once SIGINT or SIGTERM has arrived. */
int pt_sweep_stopping(void);

/* Signal name without "SIG" ("SEGV"). */
const char *pt_signame(int sig);

#endif
