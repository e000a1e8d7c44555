/* procs.h - the coordinator's process table: worker processes, their deaths, the janitor.
 *
 * One slot per possible worker (`parallelism` of them, allocated here and nowhere else).
 * Workers are started with fork+exec: the child runs only async-signal-safe calls between
 * fork and exec (the coordinator has ZeroMQ threads by then, and no ZeroMQ state may be used
 * across the fork): it puts itself in its own process group (so a terminal's Ctrl-C reaches
 * only the coordinator, which decides what the workers do), restores default signal
 * dispositions and mask, makes the shared-memory descriptors inheritable, and execs. A failed
 * exec writes errno into a close-on-exec pipe, as libuv does, so the coordinator reports it
 * instead of counting a dead worker. Dead children are reaped with waitpid(-1, WNOHANG) in a
 * loop, outside any signal handler, and reported to the loop as death events; a worker that
 * exits with code 2 at start-up (a fatal setup error) is never respawned, as in nginx.
 * Stopping kills what is busy, gives the rest a polite stop, and polls with doubling delays
 * before SIGKILL; at the end of a run (pt_procs_end) every worker is killed at once. Each
 * worker can be given a secret (peers.h) through a pipe that only it inherits (its read end's number is put in the worker's command line): the secret is made
 * for the new pid and written after the exec, so it is registered before the worker can
 * present it.
 * Warm workers (pt_warm_*) are started before the data is loaded, with only their wait
 * socket (one end of a SOCK_SEQPACKET pair) and the coordinator's pid: the dynamic loading
 * and OpenBLAS's start-up then overlap the parse. A slot's spawn takes one of them if it can
 * and sends it, in one message, the command line it would have been exec'd with and the
 * descriptors it would have inherited (SCM_RIGHTS, with their numbers in the coordinator so
 * the worker knows which is which); from there on it is that slot's worker in every way
 * (start-timeout clock, secret, affinity, death), as if fork+exec had just returned.
 * The janitor is a small child, forked before any ZeroMQ state exists, that
 * removes the socket directory once the coordinator's pipe closes, so a coordinator killed
 * with SIGKILL leaves nothing behind.
 */
#ifndef PT_PROCS_H
#define PT_PROCS_H

#include <sched.h>
#include <stddef.h>
#include <sys/types.h>

enum { W_FREE, W_STARTING, W_IDLE, W_BUSY };

typedef struct {
    pid_t pid;
    int state;
    unsigned char id[64];  /* ZeroMQ routing id, known after HELLO */
    size_t idlen;
    long job;              /* the job it holds, or -1 */
    double started;        /* when that job was sent */
    int timed_out;         /* killed by the loop for running past --job-timeout */
    char kill_reason[256]; /* why the loop killed it, when it did */
    double spawned;        /* when it was started (the --start-timeout clock) */
    int fd;                /* the coordinator's end of its connection (after HELLO), or -1 */
    double lost;           /* when that connection was seen closed (0: not) */
} pt_slot_t;

/* How workers are started. The pointers are borrowed and must outlive the table. */
typedef struct {
    const char *path;       /* the worker program */
    char *const *argv;      /* NULL-terminated */
    char *const *envp;      /* NULL-terminated; NULL: this environment */
    const int *keep;        /* descriptors the workers inherit (negative entries skipped) */
    size_t nkeep;
    const int *cpus;        /* when not NULL, slot i runs on its share of these CPUs */
    int ncpus;
    long threads;           /* threads per worker (the size of a CPU share) */
    /* The worker secret: when not NULL, called after each successful spawn with the slot
     * and the new pid; fills out with the process's secret (a NUL-terminated string of at
     * most 255 bytes) and returns 0, or a negative errno with err set (the worker is then
     * killed). The secret goes into a pipe whose read end's number is written into
     * secret_fd_arg (an argv entry of at least 16 bytes) before the fork. */
    int (*secret)(void *arg, size_t slot, pid_t pid, char *out, char *err);
    void *secret_arg;
    char *secret_fd_arg;
    struct pt_warm *warm;   /* started workers to take before forking new ones; or NULL */
} pt_procs_config_t;

/* A worker's death, as the loop learns it. */
typedef struct {
    pid_t pid;
    size_t slot;       /* the slot it had (now free) */
    long job;          /* the job it held, or -1 */
    double started;    /* when that job was sent */
    int was_starting;  /* it died before saying HELLO */
    int timed_out;     /* the loop killed it for --job-timeout */
    char why[256];     /* the kill reason, or "worker N killed by signal ..." / "exited ..." */
} pt_death_t;

typedef struct pt_procs pt_procs_t;

/* A table of nslots free slots. Returns an owned table (pt_procs_destroy) or NULL (no
 * memory). */
pt_procs_t *pt_procs_new(size_t nslots, const pt_procs_config_t *cfg);
/* Stops every worker (pt_procs_stop), closes the janitor's pipe and reaps it, frees *p and
 * sets it to NULL. Accepts NULL. */
void pt_procs_destroy(pt_procs_t **p);

/* Forks the janitor that removes dir (and dir/ctl) once the coordinator is gone. Returns 0
 * or a negative errno with err set. */
int pt_procs_janitor(pt_procs_t *p, const char *dir, char *err);

size_t pt_procs_nslots(const pt_procs_t *p);
pt_slot_t *pt_procs_slot(pt_procs_t *p, size_t i);
/* The live slot of pid / of a worker that said HELLO with this routing id, or NULL. */
pt_slot_t *pt_procs_by_pid(pt_procs_t *p, pid_t pid);
pt_slot_t *pt_procs_by_id(pt_procs_t *p, const void *id, size_t len);
/* Slots that hold a process. */
size_t pt_procs_live(const pt_procs_t *p);
/* Workers that died before HELLO so far. */
int pt_procs_start_failures(const pt_procs_t *p);

/* Starts a worker in free slot i. Returns 0, or a negative errno (fork or exec failed) with
 * err set. */
int pt_procs_spawn(pt_procs_t *p, size_t i, char *err);
/* Starts workers into free slots until want are live, unless workers cannot start (one
 * exited 2 at start-up, or more than a few died before HELLO). Returns 0 or a negative
 * errno with err set. */
int pt_procs_top_up(pt_procs_t *p, size_t want, char *err);

/* Reaps one dead child (waitpid(-1, WNOHANG)); a dead worker's slot is freed and its death
 * written to *d. Returns 1 when *d was filled, 0 when no dead worker is left (the janitor is
 * reaped silently). */
int pt_procs_reap(pt_procs_t *p, pt_death_t *d);

/* Kills w's worker with SIGKILL, remembering why (its death reports that reason). */
void pt_procs_kill(pt_slot_t *w, const char *reason);
/* Waits for every worker to exit: the busy and starting ones are killed at once, the idle
 * ones (already told to stop) get stop_seconds, polled with doubling delays, then SIGKILL. */
void pt_procs_stop(pt_procs_t *p, double stop_seconds);
/* Ends every worker at once: SIGKILL to all, then each reaped (none is waited for before
 * the others are killed, so their exits overlap). For the end of a run, when no worker holds
 * anything the coordinator has not already received. */
void pt_procs_end(pt_procs_t *p);
/* SIGKILL to every live worker, without waiting (pt_procs_end or pt_procs_destroy reaps). */
void pt_procs_kill_all(pt_procs_t *p);

/* A set of warm workers (see the top of this file). */
typedef struct pt_warm pt_warm_t;

/* A set of room for n warm workers of the program path (path is borrowed: it must outlive
 * the set), `now` of them started at once (each waits for its command line; argv0 is its
 * name), with this environment and OPENBLAS_NUM_THREADS=threads. Best effort: a worker that
 * cannot be started is left out (the slot's spawn then forks one and reports why it fails).
 * Returns an owned set (pt_warm_destroy), or NULL when none could be started. Call it before
 * any ZeroMQ state exists, as any fork. */
pt_warm_t *pt_warm_start(const char *path, size_t n, size_t now, long threads);
/* Starts up to n more warm workers into w's room (pt_warm_start's n). Returns how many were
 * started (0 for a NULL w, a full set, or a failed fork: best effort, as pt_warm_start). */
size_t pt_warm_more(pt_warm_t *w, size_t n);
/* Kills and reaps the workers of *w that no slot took, frees *w and sets it to NULL.
 * Accepts NULL. */
void pt_warm_destroy(pt_warm_t **w);
/* The workers' environment: this process's, with OPENBLAS_NUM_THREADS=threads written into
 * blas (len bytes, at least 48) so that OpenBLAS starts no idle helper threads. Returns an
 * owned array of borrowed strings (free() it), or NULL (no memory). */
char **pt_procs_env(long threads, char *blas, size_t len);

/* Path of the paratune-worker binary: $PARATUNE_WORKER, else paratune-worker beside the
 * running executable. Writes into buf (len bytes). Returns 0 or -ENAMETOOLONG/-errno. */
int pt_worker_path(char *buf, size_t len);

/* Signal name without "SIG" ("SEGV"). */
const char *pt_signame(int sig);

/* Installs the handlers of a process that forks workers: on_chld for SIGCHLD (not for
 * stopped children), on_stop for SIGINT and SIGTERM; SIGPIPE is ignored. The coordinator and
 * paratune-agent share it. */
void pt_procs_signals(void (*on_chld)(int), void (*on_stop)(int));

#endif
