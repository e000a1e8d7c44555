/* worker.c - paratune-worker: runs jobs on the shared-memory image, one at a time.
 *
 * Started by the coordinator with fork+exec, never by hand:
 *   paratune-worker --endpoint ipc://DIR/ctl --image-fd N --parent PID --secret-fd N
 *                   --evaluator regression --metric rmse [--threads T] [--no-cache]
 *                   [--memory BYTES] [--classes K] [--num-bins B] [--stats-fd N]
 *                   [--codes-fd N]
 * Or started early, before the data is loaded ("warm"), as
 *   paratune-worker --wait-fd N --parent PID PADDING
 * it then waits on the socket N for that command line and the descriptors it names
 * (pt_handoff.h), puts them where an exec'd worker has them (the numbers, and the command
 * line over PADDING's room) and goes on as if exec'd with them; end of file there: it exits
 * 0, unused.
 * It first reads its secret from the pipe --secret-fd (only this process has it; see
 * coordinator/peers.h) and presents it as its PLAIN password when it connects: the
 * coordinator's ZAP handler refuses any other peer. ZeroMQ's I/O thread answers the
 * coordinator's ZMTP heartbeats while a job runs, so a long fit is not a stall; a stopped
 * process stops answering and is killed by the coordinator, which retries its job.
 * It maps the image read-only, connects a DEALER socket, says HELLO, then answers each JOB
 * with a RESULT (or an ERROR when the job itself fails) until it gets STOP or its parent goes
 * away. What a job asks is its kind (pt_msg.h): publish a block's moments (stats), fit and
 * score on a fold (fit), or fit on all rows and return the model (refit), or fit on a
 * fold's training rows and return that fold model (oof: tune --oof), or code a fold's
 * training rows for the trees into the shared codes segment (bins, pt_codes.h), which the
 * tree fits on that fold then read in place. A fit job may stand for other maps: the
 * prefixes of its forest or boosting (prefix sharing), or a regularization path, whose maps
 * it fits one after another from the largest regParam down, each started from the fit
 * before (pt_msg.h). The training sets
 * and their caches are pt_trainset's (lib/run); this file holds the socket loop, start-up and
 * the failpoints. Per-block moments are computed the first time a job needs them and kept
 * for the worker's life (the image is immutable), so later jobs on other param maps reuse
 * them; --no-cache keeps nothing and gives the same results.
 * Exit codes: 0 after STOP or when the coordinator is gone; PT_EXIT_WORKER_SETUP on a fatal
 * setup error (bad arguments, unmappable image, cannot connect), which the coordinator does
 * not respawn.
 *
 * --memory BYTES caps the private memory the worker may add after start-up (RLIMIT_DATA set
 * to the start-up footprint plus BYTES; the shared image is not counted): a job that needs
 * more gets ENOMEM from malloc and is answered with an ERROR, and the worker lives on.
 *
 * Failpoints, for the tests of fault handling: PARATUNE_FAILPOINT holds ';'-separated
 * entries ACTION@MAP:FOLD[:ATTEMPTS] (MAP, FOLD a number or '*'; with ATTEMPTS, only the
 * first ATTEMPTS attempts of the job are hit). ACTION is segv, kill (SIGKILL itself), exit
 * (exit code 3), hang (sleep forever), alloc (allocate and touch memory until malloc fails,
 * then report it as the job's error, as any job that runs out of memory does), garbage
 * (send bytes that are not a message), close (close its socket and sleep: a lost
 * connection), stop (SIGSTOP itself: a stalled worker, which the heartbeats find) or slow
 * (sleep 3 s, then run the job: a long fit, which they must not kill). The entries "startfail" (exit 2 before HELLO) and "startcrash" (SIGSEGV before
 * HELLO) hit start-up, as do "nohello" (never connect: sleep forever) and "slowsecret"
 * (wait 3 s before reading the secret); "nohello=FILE" and "slowsecret=FILE" hit only the
 * worker that creates FILE first, so that one worker of a run is hit. Unset, they cost one
 * getenv at start.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cblas.h>
#include <zmq.h>

#include "pt_codes.h"
#include "pt_common.h"
#include "pt_eval.h"
#include "pt_follow.h"
#include "pt_handoff.h"
#include "pt_image.h"
#include "pt_msg.h"
#include "pt_pid.h"
#include "pt_pipeline.h"
#include "pt_stats.h"
#include "pt_trainset.h"

/* The command line. */
typedef struct {
    const char *endpoint, *evaluator, *metric;
    const char *also;          /* --also-metrics a,b: computed besides metric; NULL none */
    long image_fd, stats_fd, codes_fd, parent, threads, secret_fd;
    pt_trainset_opts_t ts;     /* keep (not --no-cache), classes, evaluator, num-bins */
    unsigned long long memory; /* --memory cap in bytes, 0 for none */
} args_t;

typedef struct {
    pt_image_t *img;
    pt_stats_t *stats;         /* the shared moments segment, or NULL */
    pt_codes_t *codes;         /* the shared codes segment, or NULL */
    pt_trainset_cache_t *sets;
    size_t sets_also;          /* --also-metrics: how many, computed with metric */
    int threads;               /* --threads: a job's threads (a tree fit's histograms) */
    unsigned long long memory; /* --memory cap in bytes, 0 for none */
} worker_t;

/* The worker secret's length and the PLAIN user name (coordinator/peers.h: PT_PEERS_*; the
 * worker does not include the coordinator's headers). */
#define PT_SECRET_LEN 64
#define PT_WORKER_USER "paratune-worker"

#define POLL_SECONDS 100e-6 /* after an answer, the next job is polled for this long (poll_job) */

static const char *failpoints; /* PARATUNE_FAILPOINT, or NULL */

/* The failpoint action for this job, or NULL. */
static const char *failpoint_for(const pt_msg_t *job, char *action, size_t len)
{
    const char *p = failpoints;
    while (p != NULL && *p != '\0') {
        char ent[128], m[32], f[32];
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        int attempts = 0, k;
        if (n < sizeof ent) {
            memcpy(ent, p, n);
            ent[n] = '\0';
            k = sscanf(ent, "%31[a-z]@%31[0-9*]:%31[0-9*]:%d", action, m, f, &attempts);
            (void)len;
            if (k >= 3 && (strcmp(m, "*") == 0 || atoi(m) == job->param_index) &&
                (strcmp(f, "*") == 0 || atoi(f) == job->fold) &&
                (k < 4 || job->attempt <= attempts))
                return action;
        }
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

static int failpoint_start(const char *name)
{
    const char *p = failpoints;
    size_t n = strlen(name);
    while (p != NULL && (p = strstr(p, name)) != NULL) {
        if ((p == failpoints || p[-1] == ';') && (p[n] == '\0' || p[n] == ';'))
            return 1;
        p += n;
    }
    return 0;
}

/* The alloc failpoint: grab memory the way a greedy fit would, until malloc says no. */
static int failpoint_alloc(void)
{
    enum { CHUNK = 16 << 20, MAXCHUNKS = 256 };
    void *chunks[MAXCHUNKS];
    int n = 0, rc = 0;
    for (; n < MAXCHUNKS; n++) {
        chunks[n] = malloc(CHUNK);
        if (chunks[n] == NULL) {
            rc = -ENOMEM;
            break;
        }
        memset(chunks[n], 1, CHUNK);
    }
    for (int i = 0; i < n; i++)
        free(chunks[i]);
    return rc;
}

static void die_setup(const char *fmt, const char *a, const char *b)
{
    char msg[PT_ERRLEN + 64];
    int n = snprintf(msg, sizeof msg, "paratune-worker[%ld]: ", (long)getpid());
    if (n > 0 && (size_t)n < sizeof msg)
        snprintf(msg + n, sizeof msg - (size_t)n, fmt, a, b);
    fprintf(stderr, "%s\n", msg); /* one write, so lines of several workers do not mix */
    exit(PT_EXIT_WORKER_SETUP);
}

/* Hits the job's failpoint, if any: most actions do not return; alloc returns -ENOMEM with
 * err set when it ran out of memory. 0 otherwise. */
static int failpoint_job(const pt_msg_t *job, char *err)
{
    char action[32];
    if (failpoints == NULL || failpoint_for(job, action, sizeof action) == NULL)
        return 0;
    if (strcmp(action, "segv") == 0) {
        signal(SIGSEGV, SIG_DFL); /* die of it even under a sanitizer's handler */
        raise(SIGSEGV);
    } else if (strcmp(action, "kill") == 0) {
        raise(SIGKILL);
    } else if (strcmp(action, "exit") == 0) {
        _exit(PT_EXIT_FAILPOINT);
    } else if (strcmp(action, "hang") == 0) {
        for (;;)
            pause();
    } else if (strcmp(action, "stop") == 0) {
        raise(SIGSTOP);
    } else if (strcmp(action, "slow") == 0) {
        sleep(3);
    } else if (strcmp(action, "alloc") == 0 && failpoint_alloc() != 0) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    return 0;
}

/* The raw layout of the image's rows as the tree stages read them. */
static pt_stage_rows_t tree_rows(const worker_t *w, const pt_trainset_t *ts)
{
    const pt_image_hdr_t *h = pt_image_header(w->img);
    return (pt_stage_rows_t){ts->blocks, ts->nblocks, (size_t)h->features, (size_t)h->ncat,
                             h->cat_size, w->threads};
}

/* The codes slot of a tree job's fold (its map's maxBins and seed), or -1. */
static long codes_slot(const worker_t *w, const pt_msg_t *job, const pt_trainset_t *ts,
                       int *max_bins, uint64_t *seed)
{
    const pt_stage_def_t *last;
    size_t n = 0;
    *seed = 0;
    *max_bins = 0;
    if (w->codes == NULL || job->nstages == 0) /* no tree sweep: no lookups */
        return -1;
    last = pt_stage_lookup(job->stages[job->nstages - 1]);
    if ((*max_bins = pt_stage_trees_max_bins(last, &job->params, seed)) == 0)
        return -1;
    for (size_t b = 0; b < ts->nblocks; b++)
        n += ts->blocks[b].n;
    return pt_codes_find(w->codes, job->fold, *max_bins, pt_codes_seed_key(n, *max_bins, *seed));
}

static void *codes_dst(void *arg, size_t bytes)
{
    void **a = arg;
    return pt_codes_dst(a[0], (size_t)(long)a[1], bytes);
}

/* A bins job: the codes of fold job->fold for its map's maxBins and seed, into their slot of
 * the codes segment. 0, or a negative errno with err set. */
static int bins_job(worker_t *w, const pt_msg_t *job, char *err)
{
    pt_trainset_t ts = {0};
    pt_stage_rows_t rows;
    pt_bins_t b = {0};
    uint64_t seed = 0;
    size_t n;
    long slot;
    int rc, max_bins;
    void *arg[2];

    if ((rc = pt_trainset_rows(w->sets, job->fold, &ts, err)) != 0)
        goto out;
    if ((slot = codes_slot(w, job, &ts, &max_bins, &seed)) < 0) {
        pt_seterr(err, "bins job for fold %d: no codes slot", (int)job->fold);
        rc = -EINVAL;
        goto out;
    }
    rows = tree_rows(w, &ts);
    arg[0] = w->codes;
    arg[1] = (void *)slot;
    if ((rc = pt_stage_trees_bins(&rows, max_bins,
                                  seed, &b, &n, codes_dst, arg, err)) != 0)
        goto out;
    rc = pt_codes_publish(w->codes, (size_t)slot, &b, err);
out:
    pt_bins_free(&b);
    pt_trainset_clear(&ts);
    return rc;
}

/* A tree fit's codes from the shared segment when its bins job published them: *sc points
 * at *b (thresholds, the caller frees) and the codes in place. 1 when found, else 0. */
static int shared_codes(worker_t *w, const pt_msg_t *job, const pt_trainset_t *ts,
                        pt_stage_codes_t *sc, pt_bins_t *b)
{
    char why[PT_ERRLEN];
    int max_bins;
    uint64_t seed;
    long slot = codes_slot(w, job, ts, &max_bins, &seed);
    const void *codes;
    if (slot < 0 || pt_codes_view(w->codes, (size_t)slot, b, &codes, why) != 1)
        return 0; /* not published: the fit codes its rows itself, with the same result */
    *sc = (pt_stage_codes_t){b, codes, (size_t)pt_codes_key(w->codes, (size_t)slot)->rows,
                             max_bins};
    return 1;
}

/* A regularization path: the maps of job->shared, fitted in turn from the largest path
 * value (regParam) down, each started from the fit before (the job's own, the largest,
 * first), and scored into reply->shared_metrics; their iterations are added to
 * reply->iterations. 0 or a negative errno with err. */
static int path_scores(worker_t *w, const pt_msg_t *job, pt_trainset_t *ts,
                       const pt_fitted_t *fit, pt_msg_t *reply, char *err)
{
    const pt_stage_def_t *last = pt_stage_lookup(job->stages[job->nstages - 1]);
    pt_paramlist_t params = {0};
    pt_fitted_t *prev = NULL, *cur = NULL;
    size_t *ord = NULL;
    char key[128];
    int rc = -ENOMEM;

    reply->shared_metrics = calloc(job->nshared, sizeof *reply->shared_metrics);
    reply->shared_nc = calloc(job->nshared, sizeof *reply->shared_nc);
    ord = malloc(job->nshared * sizeof *ord);
    if (reply->shared_metrics == NULL || reply->shared_nc == NULL || ord == NULL ||
        pt_paramlist_copy(&params, &job->params) != 0) {
        pt_seterr(err, "out of memory");
        goto out;
    }
    snprintf(key, sizeof key, "%s.%s", last != NULL ? last->name : "",
             last != NULL && last->path_param != NULL ? last->path_param : "");
    for (size_t i = 0; i < job->nshared; i++) { /* insertion sort, largest first: few maps */
        size_t j = i;
        for (; j > 0 && job->path[ord[j - 1]] < job->path[i]; j--)
            ord[j] = ord[j - 1];
        ord[j] = i;
    }
    rc = 0;
    for (size_t k = 0; rc == 0 && k < job->nshared; k++) {
        size_t i = ord[k];
        pt_value_t v = {.type = PT_VAL_DOUBLE, .num = job->path[i]};
        if (pt_paramlist_set(&params, key, &v) != 0) {
            pt_seterr(err, "out of memory");
            rc = -ENOMEM;
            break;
        }
        ts->warm = prev != NULL ? prev : fit;
        cur = pt_trainset_fit(w->sets, ts, job->stages, job->nstages, &params, err);
        ts->warm = NULL;
        if (cur == NULL) {
            rc = errno == ENOMEM ? -ENOMEM : -EINVAL;
            break;
        }
        reply->iterations += pt_fitted_iterations(cur);
        reply->shared_nc[i] = pt_fitted_hit_max_iter(cur);
        rc = pt_trainset_score(w->sets, ts, cur, &reply->shared_metrics[i], err);
        pt_fitted_destroy(&prev);
        prev = cur;
        cur = NULL;
    }
    reply->nshared = job->nshared;
out:
    pt_fitted_destroy(&prev);
    pt_paramlist_free(&params);
    free(ord);
    return rc;
}

/* Prefix sharing (numTrees, maxIter): the model of a fit job scored again with the first
 * trees of each map the job stands for, into reply->shared_metrics, in increasing order of
 * trees (boosting adds each prefix's trees to the previous prefix's validation margins),
 * then with all of them into reply->metric. 0 or a negative errno with err. */
static int shared_scores(worker_t *w, const pt_msg_t *job, pt_trainset_t *ts,
                         pt_fitted_t *fit, pt_msg_t *reply, char *err)
{
    size_t total = pt_fitted_use_trees(fit, 0), *ord;
    int rc = 0;
    if (job->nshared > 0 && job->path != NULL) {
        if ((rc = pt_trainset_score(w->sets, ts, fit, &reply->metric, err)) != 0)
            return rc;
        return path_scores(w, job, ts, fit, reply, err);
    }
    if (job->nshared == 0 && w->sets_also > 0) {
        if ((reply->metrics = calloc(w->sets_also, sizeof *reply->metrics)) == NULL) {
            pt_seterr(err, "out of memory");
            return -ENOMEM;
        }
        reply->nmetrics = w->sets_also;
        return pt_trainset_score_also(w->sets, ts, fit, &reply->metric, reply->metrics, err);
    }
    if (job->nshared == 0)
        return pt_trainset_score(w->sets, ts, fit, &reply->metric, err);
    reply->shared_metrics = calloc(job->nshared, sizeof *reply->shared_metrics);
    if (reply->shared_metrics == NULL || (ord = malloc(job->nshared * sizeof *ord)) == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    for (size_t i = 0; i < job->nshared; i++) { /* insertion sort by trees: few maps */
        size_t j = i;
        for (; j > 0 && job->shared[2 * ord[j - 1] + 1] > job->shared[2 * i + 1]; j--)
            ord[j] = ord[j - 1];
        ord[j] = i;
    }
    for (size_t k = 0; rc == 0 && k < job->nshared; k++) {
        size_t i = ord[k];
        int32_t trees = job->shared[2 * i + 1];
        if (trees < 1 || (size_t)trees > total) {
            pt_seterr(err, "prefix sharing: map %d asks for %d trees of a model of %zu",
                      (int)job->shared[2 * i], (int)trees, total);
            rc = -EINVAL;
            break;
        }
        pt_fitted_use_trees(fit, (size_t)trees);
        rc = pt_trainset_score(w->sets, ts, fit, &reply->shared_metrics[i], err);
    }
    pt_fitted_use_trees(fit, total);
    if (rc == 0)
        rc = pt_trainset_score(w->sets, ts, fit, &reply->metric, err);
    pt_fitted_use_trees(fit, 0);
    free(ord);
    reply->nshared = job->nshared;
    return rc;
}

/* A job given CPUs beyond this worker's (the refit, a tree sweep's last fits): the process's
 * affinity widened to them for the job (a tree fit's threads inherit it), the old mask in
 * *before. 1 when widened. */
static int widen_cpus(const pt_msg_t *job, cpu_set_t *before)
{
    cpu_set_t set;
    if (job->ncpus == 0 || sched_getaffinity(0, sizeof *before, before) != 0)
        return 0;
    CPU_ZERO(&set);
    for (size_t i = 0; i < job->ncpus; i++)
        if (job->cpus[i] >= 0 && job->cpus[i] < CPU_SETSIZE)
            CPU_SET(job->cpus[i], &set);
    return sched_setaffinity(0, sizeof set, &set) == 0;
}

/* A fit, refit or oof job: fits on its training set, then scores on the validation block
 * (fit) or packs the model into the reply (refit; oof, the fold model). 0, or a negative errno with err set. */
static int fit_job(worker_t *w, const pt_msg_t *job, pt_msg_t *reply, double t0, char *err)
{
    pt_trainset_t ts = {0};
    pt_fitted_t *fit = NULL;
    pt_stage_codes_t sc;
    pt_bins_t bins = {0};
    cpu_set_t before;
    double t1;
    int rc, widened = 0;

    if (job->kind == PT_JOB_FIT && job->nprefix > 0) /* a rung of successive halving */
        rc = pt_trainset_fold_prefix(w->sets, job->fold, job->prefix, job->nprefix, &ts, err);
    else if (job->kind != PT_JOB_REFIT) /* fit, oof: the fold's training set */
        rc = pt_trainset_fold(w->sets, job->fold, &ts, err);
    else
        rc = pt_trainset_all(w->sets, job->threads > 1 ? (size_t)job->threads : 1, job->cpus,
                             job->ncpus, &ts, err);
    if (rc != 0)
        goto out;
    /* the shared codes are of a fold's whole training rows, not of a prefix */
    if (job->kind == PT_JOB_FIT && !ts.prefix && shared_codes(w, job, &ts, &sc, &bins))
        ts.codes = &sc;
    ts.threads = job->threads > 1 ? job->threads : w->threads;
    widened = widen_cpus(job, &before);
    fit = pt_trainset_fit(w->sets, &ts, job->stages, job->nstages, &job->params, err);
    if (fit == NULL) {
        rc = errno == ENOMEM ? -ENOMEM : -EINVAL;
        goto out;
    }
    t1 = pt_now();
    reply->fit_seconds = t1 - t0;
    reply->not_converged = pt_fitted_hit_max_iter(fit);
    reply->iterations = pt_fitted_iterations(fit);
    reply->metric = NAN;
    if (job->kind == PT_JOB_FIT) {
        if ((rc = shared_scores(w, job, &ts, fit, reply, err)) != 0)
            goto out;
    } else {
        msgpack_sbuffer sb;
        msgpack_packer pk;
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        pt_fitted_pack(fit, &pk);
        reply->model = (unsigned char *)sb.data; /* ownership moves to reply */
        reply->model_len = sb.size;
    }
    reply->eval_seconds = pt_now() - t1;
out:
    if (widened) /* back to this worker's own CPUs */
        sched_setaffinity(0, sizeof before, &before);
    pt_fitted_destroy(&fit);
    pt_trainset_clear(&ts);
    pt_bins_free(&bins);
    return rc;
}

/* Runs one job; fills reply as RESULT or ERROR. */
static void run_job(worker_t *w, const pt_msg_t *job, pt_msg_t *reply)
{
    char err[PT_ERRLEN] = "";
    double t0 = pt_now();
    int rc;

    reply->job_id = job->job_id;
    reply->param_index = job->param_index;
    reply->fold = job->fold;
    if ((rc = failpoint_job(job, err)) != 0 || (rc = pt_trainset_check_job(job, err)) != 0)
        goto reply;
    switch (job->kind) { /* no default: the compiler names a kind added but not handled */
    case PT_JOB_STATS:
        rc = pt_trainset_publish(w->sets, job->fold, err);
        reply->fit_seconds = pt_now() - t0;
        reply->metric = NAN;
        break;
    case PT_JOB_FIT:
    case PT_JOB_REFIT:
    case PT_JOB_OOF:
        rc = fit_job(w, job, reply, t0, err);
        break;
    case PT_JOB_BINS:
        rc = bins_job(w, job, err);
        reply->fit_seconds = pt_now() - t0;
        reply->metric = NAN;
        break;
    }
reply:
    if (rc == 0) {
        reply->type = PT_MSG_RESULT;
        return;
    }
    reply->type = PT_MSG_ERROR;
    if (w->memory > 0 && rc == -ENOMEM) {
        char e2[PT_ERRLEN + 64];
        snprintf(e2, sizeof e2, "%s (worker memory cap %llu MiB, --worker-memory)", err,
                 w->memory >> 20);
        reply->error = strdup(e2);
    } else {
        reply->error = strdup(err[0] ? err : "fit failed");
    }
}

/* RLIMIT_DATA := the private data in use now plus cap. OpenBLAS takes its work buffers on
 * the first large enough call and spins forever if that allocation fails, so one warm-up
 * multiplication big enough for every thread's buffer runs before the limit is set. */
static int set_memory_cap(unsigned long long cap, char *err)
{
    enum { N = 384 };
    double *a = calloc((size_t)N * N * 3, sizeof(double));
    FILE *f;
    char line[256];
    unsigned long long data_kb = 0;
    struct rlimit rl;

    if (a == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0, a, N, a + N * N, N,
                0.0, a + 2 * N * N, N);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, N, N, 1.0, a, N, 0.0, a + 2 * N * N, N);
    free(a);
    f = fopen("/proc/self/status", "r");
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "VmData: %llu kB", &data_kb) == 1)
            break;
    if (f != NULL)
        fclose(f);
    rl.rlim_cur = rl.rlim_max = (rlim_t)(data_kb * 1024ULL + cap);
    if (setrlimit(RLIMIT_DATA, &rl) != 0) {
        pt_seterr(err, "setrlimit(RLIMIT_DATA): %s", strerror(errno));
        return -errno;
    }
    return 0;
}

static int send_msg(void *sock, const pt_msg_t *m)
{
    msgpack_sbuffer sb;
    int rc;
    msgpack_sbuffer_init(&sb);
    rc = pt_msg_encode(m, &sb);
    if (rc == 0)
        rc = zmq_send(sock, sb.data, sb.size, 0) < 0 ? -1 : 0;
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

/* Fills a from the command line; dies on a bad one. */
static void parse_args(int argc, char **argv, args_t *a)
{
    static const struct option opts[] = {
        {"endpoint", required_argument, NULL, 'e'}, {"image-fd", required_argument, NULL, 'i'},
        {"parent", required_argument, NULL, 'P'},   {"evaluator", required_argument, NULL, 'E'},
        {"metric", required_argument, NULL, 'm'},   {"threads", required_argument, NULL, 't'},
        {"no-cache", no_argument, NULL, 'n'},       {"memory", required_argument, NULL, 'M'},
        {"classes", required_argument, NULL, 'K'},  {"num-bins", required_argument, NULL, 'B'},
        {"stats-fd", required_argument, NULL, 'S'},
        {"codes-fd", required_argument, NULL, 'C'},
        {"secret-fd", required_argument, NULL, 's'},
        {"also-metrics", required_argument, NULL, 'A'},
        {NULL, 0, NULL, 0}};
    int c;

    memset(a, 0, sizeof *a);
    a->evaluator = "regression";
    a->image_fd = a->stats_fd = a->codes_fd = a->secret_fd = -1;
    a->threads = 1;
    a->ts.keep = 1;
    a->ts.num_bins = PT_EVAL_NUM_BINS_DEFAULT;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'e': a->endpoint = optarg; break;
        case 'i': if (pt_parse_long(optarg, &a->image_fd) != 0) a->image_fd = -1; break;
        case 'P': if (pt_parse_long(optarg, &a->parent) != 0) a->parent = 0; break;
        case 'E': a->evaluator = optarg; break;
        case 'm': a->metric = optarg; break;
        case 'A': a->also = optarg; break;
        case 't': if (pt_parse_long(optarg, &a->threads) != 0 || a->threads < 1) a->threads = 0; break;
        case 'n': a->ts.keep = 0; break;
        case 'M': a->memory = strtoull(optarg, NULL, 10); break;
        case 'K': a->ts.nclasses = strtoul(optarg, NULL, 10); break;
        case 'B': a->ts.num_bins = atoi(optarg); break;
        case 'S': if (pt_parse_long(optarg, &a->stats_fd) != 0) a->stats_fd = -1; break;
        case 'C': if (pt_parse_long(optarg, &a->codes_fd) != 0) a->codes_fd = -1; break;
        case 's': if (pt_parse_long(optarg, &a->secret_fd) != 0) a->secret_fd = -1; break;
        default: die_setup("usage: paratune-worker --endpoint E --image-fd N --parent PID%s%s", "", "");
        }
    }
    if (a->endpoint == NULL || a->image_fd < 0 || a->parent <= 0 || a->threads < 1 ||
        a->secret_fd < 0)
        die_setup("missing or bad --endpoint, --image-fd, --parent, --threads or "
                  "--secret-fd%s%s", "", "");
}

/* The start-up failpoints (startfail, startcrash). */
static void failpoints_start(void)
{
    if (failpoint_start("startfail"))
        die_setup("failpoint startfail%s%s", "", "");
    if (failpoint_start("startcrash")) {
        signal(SIGSEGV, SIG_DFL);
        raise(SIGSEGV);
    }
}

/* Whether the start-up failpoint name hits this worker: the entry "name" hits every worker,
 * "name=FILE" only the one that creates FILE (so that one worker of a run is hit). */
static int failpoint_once(const char *name)
{
    const char *p = failpoints;
    size_t len = strlen(name);
    while (p != NULL && (p = strstr(p, name)) != NULL) {
        char file[256];
        size_t n = strcspn(p + len, ";");
        int fd;
        if (p != failpoints && p[-1] != ';') {
            p += len;
            continue;
        }
        if (n == 0)
            return 1;
        if (p[len] == '=' && n - 1 < sizeof file) {
            memcpy(file, p + len + 1, n - 1);
            file[n - 1] = '\0';
            if ((fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0) {
                close(fd);
                return 1;
            }
        }
        p += len + n;
    }
    return 0;
}

/* Reads the worker's secret from its pipe (the coordinator wrote it and closed its end) into
 * out (PT_SECRET_LEN characters and a NUL), closes the pipe; dies when it is not there. */
static void read_secret(long fd, char *out)
{
    size_t got = 0;
    while (got < PT_SECRET_LEN) {
        ssize_t n = read((int)fd, out + got, PT_SECRET_LEN - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            die_setup("cannot read the worker secret: %s%s",
                      n < 0 ? strerror(errno) : "(end of file)", "");
        got += (size_t)n;
    }
    out[PT_SECRET_LEN] = '\0';
    close((int)fd);
}

/* Maps the image and the moments segment, makes the training-set cache, sets the memory cap;
 * dies on failure. */
static void setup(args_t *a, worker_t *w)
{
    char err[PT_ERRLEN];

    memset(w, 0, sizeof *w);
    w->memory = a->memory;
    w->threads = (int)a->threads;
    if (pt_eval_lookup(a->evaluator, a->metric, &a->ts.ev, &a->ts.metric, err) != 0)
        die_setup("%s%s", err, "");
    for (const char *p = a->also; p != NULL && *p != '\0';) {
        size_t n = strcspn(p, ",");
        char name[64];
        pt_evaluator_t ev;
        snprintf(name, sizeof name, "%.*s", (int)(n < 63 ? n : 63), p);
        if (a->ts.nalso == PT_TRAINSET_MAX_ALSO)
            die_setup("--also-metrics: more than %s%s", "16", " metrics");
        if (pt_eval_lookup(a->evaluator, name, &ev, &a->ts.also[a->ts.nalso++], err) != 0)
            die_setup("--also-metrics: %s%s", err, "");
        p += n + (p[n] == ',');
    }
    openblas_set_num_threads((int)a->threads);
    if ((w->img = pt_image_map((int)a->image_fd, err)) == NULL)
        die_setup("%s%s", err, "");
    close((int)a->image_fd);
    if (a->stats_fd >= 0) {
        if ((w->stats = pt_stats_map((int)a->stats_fd, err)) == NULL)
            die_setup("%s%s", err, "");
        close((int)a->stats_fd);
    }
    if (a->codes_fd >= 0) {
        if ((w->codes = pt_codes_map((int)a->codes_fd, err)) == NULL)
            die_setup("%s%s", err, "");
        close((int)a->codes_fd);
    }
    w->sets_also = a->ts.nalso;
    if ((w->sets = pt_trainset_cache_new(w->img, w->stats, &a->ts, err)) == NULL)
        die_setup("%s%s", err, "");
    if (w->memory > 0 && set_memory_cap(w->memory, err) != 0)
        die_setup("%s%s", err, "");
}

/* The socket failpoints of a job: garbage (send bytes that are not a message instead of a
 * reply; returns 1) and close (close the socket, then sleep forever: a live process whose
 * connection is gone). 0 when neither applies. */
static int failpoint_socket(void *sock, const pt_msg_t *job)
{
    char action[32];
    if (failpoints == NULL || failpoint_for(job, action, sizeof action) == NULL)
        return 0;
    if (strcmp(action, "close") == 0) {
        zmq_close(sock);
        for (;;)
            pause();
    }
    if (strcmp(action, "garbage") != 0)
        return 0;
    zmq_send(sock, "\xc1garbage", 8, 0);
    return 1;
}

/* Polls for the next job into frame for up to POLL_SECONDS, yielding the CPU between tries:
 * 1 when one came. Used right after an answer where the I/O thread follows this thread
 * (pt_follow: unpinned, or pinned to several CPUs): a near-empty job's next one comes
 * within tens of microseconds, and a worker blocked meanwhile leaves its virtual CPU
 * halted, which the job's arrival must then wake (the dearest wake-up of the round trip on
 * a quiet machine; README, "Dispatch"). The yield
 * lets the I/O thread that brings the job, and anything else on the CPU, run at once. */
static int poll_job(void *sock, zmq_msg_t *frame)
{
    double until = pt_now() + POLL_SECONDS;
    do {
        if (zmq_msg_recv(frame, sock, ZMQ_DONTWAIT) >= 0)
            return 1;
        if (errno != EAGAIN)
            return 0; /* a signal or an error: the blocking receive deals with it */
        sched_yield();
    } while (pt_now() < until);
    return 0;
}

/* Answers jobs until STOP, the coordinator's death or a socket error. Returns the exit code:
 * 0, or 1 after a bad message or a failed send. */
static int serve(worker_t *w, void *sock, pid_t parent)
{
    char err[PT_ERRLEN];
    pt_follow_t fl;
    /* unpinned (or pinned to several CPUs): the I/O thread (one, libzmq's default) follows
     * this thread, which it wakes for every job and which wakes it for every answer; moved
     * after a receive, the I/O thread has named itself (pt_follow.h) */
    int answered = 0, polled; /* an answer was just sent; the job came while polling */
    pt_follow_init(&fl, 1);
    for (;;) {
        zmq_msg_t frame;
        pt_msg_t job, reply;
        int rc;
        zmq_msg_init(&frame);
        polled = answered && fl.n > 0 && poll_job(sock, &frame);
        answered = 0;
        if (!polled && zmq_msg_recv(&frame, sock, 0) < 0) {
            int e = errno;
            zmq_msg_close(&frame);
            if (e != EAGAIN && e != EINTR)
                return 0;
            if (getppid() != parent)
                return 0; /* the coordinator is gone (PR_SET_PDEATHSIG covers most cases) */
            continue;
        }
        pt_follow_step(&fl); /* here, where the job runs and its answer is sent */
        rc = pt_msg_decode(zmq_msg_data(&frame), zmq_msg_size(&frame), &job, err);
        zmq_msg_close(&frame);
        if (rc != 0) {
            pt_msg_clear(&job);
            fprintf(stderr, "paratune-worker[%ld]: bad message: %s\n", (long)getpid(), err);
            return 1;
        }
        if (job.type == PT_MSG_STOP) {
            pt_msg_clear(&job);
            return 0;
        }
        if (job.type != PT_MSG_JOB || failpoint_socket(sock, &job)) {
            pt_msg_clear(&job);
            continue;
        }
        memset(&reply, 0, sizeof reply);
        run_job(w, &job, &reply);
        pt_msg_clear(&job);
        rc = send_msg(sock, &reply);
        pt_msg_clear(&reply);
        answered = 1;
        if (rc != 0)
            return 1;
    }
}

/* A DEALER socket connected to endpoint with the secret as its PLAIN password (the buffer is
 * wiped), that has said HELLO; dies on failure. */
static void *connect_hello(void *ctx, const char *endpoint, char *secret)
{
    void *sock = ctx ? zmq_socket(ctx, ZMQ_DEALER) : NULL;
    int linger = 0, ms = 1000;
    pt_msg_t hello;

    if (sock == NULL)
        die_setup("zmq: %s%s", zmq_strerror(errno), "");
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_setsockopt(sock, ZMQ_PLAIN_USERNAME, PT_WORKER_USER, strlen(PT_WORKER_USER)) != 0 ||
        zmq_setsockopt(sock, ZMQ_PLAIN_PASSWORD, secret, PT_SECRET_LEN) != 0)
        die_setup("zmq: PLAIN credentials: %s%s", zmq_strerror(errno), "");
    memset(secret, 0, PT_SECRET_LEN);
    if (zmq_connect(sock, endpoint) != 0)
        die_setup("cannot connect to %s: %s", endpoint, zmq_strerror(errno));
    memset(&hello, 0, sizeof hello);
    hello.type = PT_MSG_HELLO;
    hello.pid = (int32_t)getpid();
    if (send_msg(sock, &hello) != 0)
        die_setup("cannot send hello to %s: %s", endpoint, zmq_strerror(errno));
    /* A blocking receive with a timeout rather than zmq_poll then a receive: half the
     * system calls per job, which is most of a tiny job's cost. */
    zmq_setsockopt(sock, ZMQ_RCVTIMEO, &ms, sizeof ms);
    return sock;
}

/* A warm worker (PT_HANDOFF_ARG FD --parent PID PADDING): dies with its parent, waits for its
 * command line and descriptors into h; exits 0 at end of file (the coordinator did not need
 * it), dies on a bad message. */
static void wait_handoff(char **argv, pt_handoff_t *h)
{
    long fd = -1, parent = 0;
    char err[PT_ERRLEN];
    int rc;
    if (pt_parse_long(argv[2], &fd) != 0 || fd < 0 || strcmp(argv[3], "--parent") != 0 ||
        pt_parse_long(argv[4], &parent) != 0)
        die_setup("usage: paratune-worker %s FD --parent PID PADDING%s", PT_HANDOFF_ARG, "");
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != (pid_t)parent)
        exit(0);
    rc = pt_handoff_recv((int)fd, h, err);
    close((int)fd);
    if (rc == 1)
        exit(0);
    if (rc < 0)
        die_setup("%s%s", err, "");
}

/* A warm worker's handed-over descriptors put at the numbers its command line names (the
 * coordinator's), as if it had inherited them through exec, and that command line written
 * over its own (the room was reserved by a padding argument), so that what /proc shows of it
 * is what an exec'd worker shows. Dies when a descriptor cannot be placed. */
static void handoff_place(pt_handoff_t *h, char **argv, int argc)
{
    int top = 2;
    char *area = argv[0], *end = argv[argc - 1] + strlen(argv[argc - 1]);
    size_t need = 0;
    for (int k = 0; k < h->nfds; k++)
        top = h->theirs[k] > top ? h->theirs[k] : top;
    for (int k = 0; k < h->nfds; k++) { /* first out of the way of every target number */
        int fd = fcntl(h->mine[k], F_DUPFD_CLOEXEC, top + 1);
        if (fd < 0)
            die_setup("cannot place a handed-over descriptor: %s%s", strerror(errno), "");
        close(h->mine[k]);
        h->mine[k] = fd;
    }
    for (int k = 0; k < h->nfds; k++) {
        if (dup2(h->mine[k], h->theirs[k]) < 0)
            die_setup("cannot place a handed-over descriptor: %s%s", strerror(errno), "");
        close(h->mine[k]);
        h->mine[k] = h->theirs[k];
    }
    for (int k = 0; k < h->argc; k++)
        need += strlen(h->argv[k]) + 1;
    if (need <= (size_t)(end - area)) { /* else leave the title as it is: cosmetic */
        memset(area, 0, (size_t)(end - area));
        for (int k = 0; k < h->argc; k++) {
            size_t l = strlen(h->argv[k]) + 1;
            memcpy(area, h->argv[k], l);
            area += l;
        }
    }
}

int main(int argc, char **argv)
{
    static pt_handoff_t h; /* a warm worker's command line: argv points into it */
    args_t a;
    worker_t w;
    void *ctx, *sock;
    char secret[PT_SECRET_LEN + 1];
    int rc;

    pt_pid_cache(); /* ZeroMQ's fork checks: no system call each (pt_pid.h) */
    if (argc == 6 && strcmp(argv[1], PT_HANDOFF_ARG) == 0) {
        wait_handoff(argv, &h);
        handoff_place(&h, argv, argc);
        argc = h.argc;
        argv = h.argv;
    }
    parse_args(argc, argv, &a);
    failpoints = getenv("PARATUNE_FAILPOINT");
    if (failpoints != NULL && *failpoints == '\0')
        failpoints = NULL;
    if (failpoints != NULL && failpoint_once("slowsecret"))
        sleep(3); /* a window in which a test copies the secret out of the pipe */
    read_secret(a.secret_fd, secret); /* first: the pipe is open for no longer than needed */
    /* Die with the coordinator, even if it is killed with SIGKILL. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != (pid_t)a.parent)
        return 0;
    signal(SIGINT, SIG_IGN); /* Ctrl-C is the coordinator's to handle */
    failpoints_start();
    signal(SIGPIPE, SIG_IGN);
    setup(&a, &w);

    if (failpoints != NULL && failpoint_once("nohello"))
        for (;;) /* never connect: the coordinator's --start-timeout */
            pause();
    ctx = zmq_ctx_new();
    sock = connect_hello(ctx, a.endpoint, secret);
    rc = serve(&w, sock, (pid_t)a.parent);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    pt_trainset_cache_destroy(&w.sets);
    pt_stats_unmap(&w.stats);
    pt_codes_unmap(&w.codes);
    pt_image_unmap(&w.img);
    return rc;
}
