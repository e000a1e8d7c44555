/* worker.c - paratune-worker: fits pipelines on the shared-memory image, one job at a time.
 *
 * Started by the coordinator with fork+exec, never by hand:
 *   paratune-worker --endpoint ipc://DIR/ctl --image-fd N --parent PID
 *                   --evaluator regression --metric rmse [--threads T] [--no-cache]
 *                   [--memory BYTES]
 * It maps the image read-only, connects a DEALER socket, says HELLO, then answers each JOB
 * with a RESULT (or an ERROR when the fit itself fails) until it gets STOP or its parent goes
 * away. Per-block moments are computed the first time a job needs them and kept for the
 * worker's life (the image is immutable), so later jobs on other param maps reuse them.
 * Exit codes: 0 after STOP or when the coordinator is gone; 2 on a fatal setup error (bad
 * arguments, unmappable image, cannot connect), which the coordinator does not respawn.
 *
 * --memory BYTES caps the private memory the worker may add after start-up (RLIMIT_DATA set
 * to the start-up footprint plus BYTES; the shared image is not counted): a job that needs
 * more gets ENOMEM from malloc and is answered with an ERROR, and the worker lives on.
 *
 * Failpoints, for the tests of fault handling: PARATUNE_FAILPOINT holds ';'-separated
 * entries ACTION@MAP:FOLD[:ATTEMPTS] (MAP, FOLD a number or '*'; with ATTEMPTS, only the
 * first ATTEMPTS attempts of the job are hit). ACTION is segv, kill (SIGKILL itself), exit
 * (exit code 3), hang (sleep forever), alloc (allocate and touch memory until malloc fails,
 * then report it as the job's error, as any job that runs out of memory does) or garbage
 * (send bytes that are not a message). The entries "startfail" (exit 2 before HELLO) and
 * "startcrash" (SIGSEGV before HELLO) hit start-up. Unset, they cost one getenv at start.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cblas.h>
#include <zmq.h>

#include "pt_common.h"
#include "pt_eval.h"
#include "pt_image.h"
#include "pt_moments.h"
#include "pt_msg.h"
#include "pt_pipeline.h"
#include "pt_stats.h"

#define PCA_CACHE_MAX_FEATURES 1024 /* p x p doubles kept per training set */

typedef struct {
    pt_image_t *img;
    size_t p, nblocks;
    int kind;
    pt_moments_t **cache; /* per block, NULL until first needed */
    int use_cache;
    pt_evaluator_t ev;
    pt_metric_t metric;
    size_t nclasses;      /* --classes: labels are 0..nclasses-1 (0 for a regression) */
    int num_bins;         /* --num-bins of the binary evaluator */
    double *pred;         /* scratch, rows of the largest block */
    double *score;        /* scratch, rows of the largest block */
    double *prob;         /* scratch, rows x classes, for logLoss */
    pt_rowblock_t *train; /* scratch, nblocks */
    pt_stats_t *stats;    /* the shared moments cache, or NULL */
    pt_moments_t *views;  /* nblocks views into it */
    pt_pca_eig_t *pca;    /* per training set (validation block, or nblocks: all rows) */
    unsigned long long memory; /* --memory cap in bytes, 0 for none */
} worker_t;

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

/* Block b's moments when this worker has them without reading the rows: published by a
 * stats job, or computed by this worker before. NULL otherwise. */
static const pt_moments_t *known_moments(worker_t *w, size_t b)
{
    if (w->stats != NULL && pt_stats_view(w->stats, b, &w->views[b]))
        return &w->views[b];
    if (w->use_cache && w->cache[b] != NULL)
        return w->cache[b];
    return NULL;
}

/* Moments of block b, from the cache or computed now into tmp. */
static const pt_moments_t *block_moments(worker_t *w, size_t b, pt_moments_t *tmp)
{
    const double *x, *y;
    size_t n;
    pt_moments_t *m;
    const pt_moments_t *known = known_moments(w, b);
    if (known != NULL)
        return known;
    m = w->use_cache ? pt_moments_new(w->p) : tmp;
    if (m == NULL)
        return NULL;
    x = pt_image_block(w->img, b, &y, &n);
    if (pt_moments_from_rows(m, x, y, n) != 0) {
        if (w->use_cache)
            pt_moments_destroy(&m);
        return NULL;
    }
    if (w->use_cache)
        w->cache[b] = m;
    return m;
}

/* rmse, mse, r2 or var of a regressor on validation block vb from that block's moments
 * (pt_eval_regression_moments), which makes the evaluation cost O(features^2) instead of a
 * pass over the block. 0 with *metric set, or -1: evaluate on the rows. */
static int eval_from_moments(worker_t *w, const pt_fitted_t *fit, size_t vb, double *metric)
{
    const pt_moments_t *vm;
    const double *coef;
    double icpt;
    if (w->ev != PT_EVAL_REGRESSION || !w->use_cache || pt_fitted_linear(fit, &coef, &icpt) != 0)
        return -1;
    if ((vm = known_moments(w, vb)) == NULL)
        return -1;
    return pt_eval_regression_moments(w->metric, vm, coef, icpt, metric);
}

/* ---------------------------------------------------------------- the refit's moments */

#define REFIT_PIECES 8 /* a block's rows in this many pieces, whatever the thread count */

typedef struct {
    const double *x, *y;
    size_t n;
    pt_moments_t *m;
    int rc;
} piece_t;

typedef struct {
    piece_t *pieces;
    size_t npieces, stride, first;
} piece_run_t;

static void *piece_thread(void *arg)
{
    piece_run_t *r = arg;
    for (size_t i = r->first; i < r->npieces; i += r->stride)
        r->pieces[i].rc = pt_moments_from_rows(r->pieces[i].m, r->pieces[i].x, r->pieces[i].y,
                                               r->pieces[i].n);
    return NULL;
}

/* train := the moments of every block, for a refit. Blocks whose moments are known (the
 * shared cache) are merged as they are; the others are cut into REFIT_PIECES pieces each,
 * computed by `threads` threads and merged in one fixed order, so the result does not
 * depend on the thread count. The refit runs alone, so the coordinator lets it use the CPUs
 * of every slot (job threads and cpus). Returns 0 or -ENOMEM. */
static int refit_moments(worker_t *w, const pt_msg_t *job, pt_moments_t *train)
{
    size_t np = 0, threads = job->threads > 1 ? (size_t)job->threads : 1;
    piece_t *pc = calloc(w->nblocks * REFIT_PIECES, sizeof *pc);
    piece_run_t run[64];
    cpu_set_t before;
    int rc = 0, widened = 0;

    if (pc == NULL)
        return -ENOMEM;
    for (size_t b = 0; b < w->nblocks; b++) {
        const double *x, *y;
        size_t n;
        if (known_moments(w, b) != NULL)
            continue;
        x = pt_image_block(w->img, b, &y, &n);
        for (size_t k = 0; k < REFIT_PIECES; k++) {
            size_t lo = n * k / REFIT_PIECES, hi = n * (k + 1) / REFIT_PIECES;
            pc[np].x = x + lo * w->p;
            pc[np].y = y + lo;
            pc[np].n = hi - lo;
            if ((pc[np].m = pt_moments_new(w->p)) == NULL)
                rc = -ENOMEM;
            np++;
        }
    }
    if (threads > sizeof run / sizeof run[0])
        threads = sizeof run / sizeof run[0];
    if (threads > np)
        threads = np > 0 ? np : 1;
    if (rc == 0 && job->ncpus > 0 && sched_getaffinity(0, sizeof before, &before) == 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        for (size_t i = 0; i < job->ncpus; i++)
            if (job->cpus[i] >= 0 && job->cpus[i] < CPU_SETSIZE)
                CPU_SET(job->cpus[i], &set);
        widened = sched_setaffinity(0, sizeof set, &set) == 0; /* threads inherit it */
    }
    for (size_t t = 0; t < threads; t++)
        run[t] = (piece_run_t){pc, np, threads, t};
    if (rc == 0)
        pt_run_each(run, threads, sizeof *run, piece_thread);
    if (widened)
        sched_setaffinity(0, sizeof before, &before);
    for (size_t b = 0, k = 0; rc == 0 && b < w->nblocks; b++) {
        const pt_moments_t *m = known_moments(w, b);
        if (m != NULL) {
            pt_moments_merge(train, m);
            continue;
        }
        for (size_t e = k + REFIT_PIECES; k < e; k++) {
            if (pc[k].rc != 0)
                rc = -ENOMEM;
            else
                pt_moments_merge(train, pc[k].m);
        }
    }
    for (size_t i = 0; i < np; i++)
        pt_moments_destroy(&pc[i].m);
    free(pc);
    return rc;
}

/* Runs one job; fills reply as RESULT or ERROR. */
static void run_job(worker_t *w, const pt_msg_t *job, pt_msg_t *reply)
{
    pt_moments_t *train = NULL, *tmp = NULL;
    pt_fitted_t *fit = NULL;
    char err[PT_ERRLEN] = "";
    size_t vblock = 0;
    double t0 = pt_now(), t1;
    msgpack_sbuffer sb;

    reply->job_id = job->job_id;
    reply->param_index = job->param_index;
    reply->fold = job->fold;
    if (failpoints != NULL) {
        char action[32];
        if (failpoint_for(job, action, sizeof action) != NULL) {
            if (strcmp(action, "segv") == 0) {
                signal(SIGSEGV, SIG_DFL); /* die of it even under a sanitizer's handler */
                raise(SIGSEGV);
            }
            else if (strcmp(action, "kill") == 0)
                raise(SIGKILL);
            else if (strcmp(action, "exit") == 0)
                _exit(PT_EXIT_FAILPOINT);
            else if (strcmp(action, "hang") == 0)
                for (;;)
                    pause();
            else if (strcmp(action, "alloc") == 0 && failpoint_alloc() != 0) {
                pt_seterr(err, "out of memory");
                goto error;
            }
        }
    }
    if (job->param_index == -1) {
        /* a stats job: compute block `fold`'s moments once and publish them */
        const double *x, *y;
        size_t n;
        if (w->stats == NULL || job->fold < 0 || (size_t)job->fold >= w->nblocks) {
            pt_seterr(err, "stats job for block %d without a shared moments segment",
                      job->fold);
            goto error;
        }
        train = pt_moments_new(w->p);
        if (train == NULL) {
            pt_seterr(err, "out of memory");
            goto error;
        }
        x = pt_image_block(w->img, (size_t)job->fold, &y, &n);
        if (pt_moments_from_rows(train, x, y, n) != 0) {
            pt_seterr(err, "out of memory");
            goto error;
        }
        pt_stats_publish(w->stats, (size_t)job->fold, train);
        reply->fit_seconds = pt_now() - t0;
        reply->metric = NAN;
        reply->type = PT_MSG_RESULT;
        goto out;
    }
    if (job->fold >= 0) {
        vblock = w->kind == PT_IMAGE_TVS ? 1 : (size_t)job->fold;
        if ((size_t)job->fold >= w->nblocks || (w->kind == PT_IMAGE_TVS && job->fold != 0)) {
            pt_seterr(err, "fold %d does not exist in the image", job->fold);
            goto error;
        }
    }
    train = pt_moments_new(w->p);
    tmp = pt_moments_new(w->p);
    if (train == NULL || tmp == NULL) {
        pt_seterr(err, "out of memory");
        goto error;
    }
    if (job->fold < 0 && refit_moments(w, job, train) != 0) {
        pt_seterr(err, "out of memory computing moments");
        goto error;
    }
    for (size_t b = 0; job->fold >= 0 && b < w->nblocks; b++) {
        const pt_moments_t *bm;
        if (b == vblock)
            continue;
        bm = block_moments(w, b, tmp);
        if (bm == NULL) {
            pt_seterr(err, "out of memory computing moments");
            goto error;
        }
        pt_moments_merge(train, bm);
    }
    {
        size_t nb = 0;
        for (size_t b = 0; b < w->nblocks; b++) {
            if (job->fold >= 0 && b == vblock)
                continue;
            w->train[nb].x = pt_image_block(w->img, b, &w->train[nb].y, &w->train[nb].n);
            nb++;
        }
        /* one eigen-decomposition per training set serves every pca.k */
        pt_pca_eig_t *pc = NULL;
        if (w->pca != NULL)
            pc = &w->pca[job->fold >= 0 ? vblock : w->nblocks];
        fit = pt_pipeline_fit(train, w->train, nb, job->stages, job->nstages, &job->params,
                              w->nclasses, pc, err);
    }
    if (fit == NULL)
        goto error;
    t1 = pt_now();
    reply->fit_seconds = t1 - t0;
    reply->not_converged = pt_fitted_hit_max_iter(fit);
    if (job->fold >= 0 && eval_from_moments(w, fit, vblock, &reply->metric) == 0) {
        /* a regression metric from the validation block's shared moments */
    } else if (job->fold >= 0) {
        const double *x, *y;
        size_t n, K = pt_fitted_classes(fit);
        x = pt_image_block(w->img, vblock, &y, &n);
        if (w->ev != PT_EVAL_REGRESSION && K == 0) {
            pt_seterr(err, "the %s evaluator needs a classifier", pt_eval_evaluator_name(w->ev));
            goto error;
        }
        if (pt_fitted_predict(fit, x, n, w->pred, w->score,
                              K > 0 && K <= (w->nclasses > 2 ? w->nclasses : 2) ? w->prob
                                                                                 : NULL) != 0) {
            pt_seterr(err, "out of memory");
            goto error;
        }
        if (w->ev == PT_EVAL_BINARY)
            reply->metric = pt_eval_binary(w->metric, w->score, y, n, w->num_bins);
        else if (w->ev == PT_EVAL_MULTICLASS)
            reply->metric = pt_eval_multiclass(w->metric, w->pred, w->prob, y, n, K);
        else
            reply->metric = pt_eval_regression(w->metric, w->pred, y, n);
    } else {
        msgpack_packer pk;
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        pt_fitted_pack(fit, &pk);
        reply->model = (unsigned char *)sb.data; /* ownership moves to reply */
        reply->model_len = sb.size;
        reply->metric = NAN;
    }
    reply->eval_seconds = pt_now() - t1;
    reply->type = PT_MSG_RESULT;
    goto out;
error:
    reply->type = PT_MSG_ERROR;
    if (w->memory > 0 && strstr(err, "out of memory") != NULL) {
        char e2[PT_ERRLEN + 64];
        snprintf(e2, sizeof e2, "%s (worker memory cap %llu MiB, --worker-memory)", err,
                 w->memory >> 20);
        reply->error = strdup(e2);
    } else {
        reply->error = strdup(err[0] ? err : "fit failed");
    }
out:
    pt_fitted_destroy(&fit);
    pt_moments_destroy(&train);
    pt_moments_destroy(&tmp);
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

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"endpoint", required_argument, NULL, 'e'}, {"image-fd", required_argument, NULL, 'i'},
        {"parent", required_argument, NULL, 'P'},   {"evaluator", required_argument, NULL, 'E'},
        {"metric", required_argument, NULL, 'm'},   {"threads", required_argument, NULL, 't'},
        {"no-cache", no_argument, NULL, 'n'},       {"memory", required_argument, NULL, 'M'},
        {"classes", required_argument, NULL, 'K'},  {"num-bins", required_argument, NULL, 'B'},
        {"stats-fd", required_argument, NULL, 'S'},
        {NULL, 0, NULL, 0}};
    const char *endpoint = NULL, *evaluator = "regression", *metric = NULL;
    long fd = -1, parent = 0, threads = 1, stats_fd = -1;
    int c, rc = 0;
    char err[PT_ERRLEN];
    worker_t w;
    void *ctx = NULL, *sock = NULL;
    pt_msg_t hello;
    size_t maxrows = 0;

    memset(&w, 0, sizeof w);
    w.use_cache = 1;
    w.num_bins = PT_EVAL_NUM_BINS_DEFAULT;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'e': endpoint = optarg; break;
        case 'i': if (pt_parse_long(optarg, &fd) != 0) fd = -1; break;
        case 'P': if (pt_parse_long(optarg, &parent) != 0) parent = 0; break;
        case 'E': evaluator = optarg; break;
        case 'm': metric = optarg; break;
        case 't': if (pt_parse_long(optarg, &threads) != 0 || threads < 1) threads = 0; break;
        case 'n': w.use_cache = 0; break;
        case 'M': w.memory = strtoull(optarg, NULL, 10); break;
        case 'K': w.nclasses = strtoul(optarg, NULL, 10); break;
        case 'B': w.num_bins = atoi(optarg); break;
        case 'S': if (pt_parse_long(optarg, &stats_fd) != 0) stats_fd = -1; break;
        default: die_setup("usage: paratune-worker --endpoint E --image-fd N --parent PID%s%s", "", "");
        }
    }
    if (endpoint == NULL || fd < 0 || parent <= 0 || threads < 1)
        die_setup("missing or bad --endpoint, --image-fd, --parent or --threads%s%s", "", "");
    /* Die with the coordinator, even if it is killed with SIGKILL. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != (pid_t)parent)
        return 0;
    signal(SIGINT, SIG_IGN); /* Ctrl-C is the coordinator's to handle */
    failpoints = getenv("PARATUNE_FAILPOINT");
    if (failpoints != NULL && *failpoints == '\0')
        failpoints = NULL;
    if (failpoint_start("startfail"))
        die_setup("failpoint startfail%s%s", "", "");
    if (failpoint_start("startcrash")) {
        signal(SIGSEGV, SIG_DFL);
        raise(SIGSEGV);
    }
    signal(SIGPIPE, SIG_IGN);
    if (pt_eval_lookup(evaluator, metric, &w.ev, &w.metric, err) != 0)
        die_setup("%s%s", err, "");
    openblas_set_num_threads((int)threads);

    w.img = pt_image_map((int)fd, err);
    if (w.img == NULL)
        die_setup("%s%s", err, "");
    close((int)fd);
    w.p = pt_image_header(w.img)->features;
    w.nblocks = pt_image_header(w.img)->nblocks;
    w.kind = (int)pt_image_header(w.img)->kind;
    w.cache = calloc(w.nblocks, sizeof *w.cache);
    w.views = calloc(w.nblocks, sizeof *w.views);
    if (w.use_cache && w.p <= PCA_CACHE_MAX_FEATURES)
        w.pca = calloc(w.nblocks + 1, sizeof *w.pca);
    if (stats_fd >= 0) {
        w.stats = pt_stats_map((int)stats_fd, err);
        if (w.stats == NULL)
            die_setup("%s%s", err, "");
        close((int)stats_fd);
        if (pt_stats_nblocks(w.stats) != w.nblocks)
            die_setup("the shared moments segment does not match the image%s%s", "", "");
    }
    for (size_t b = 0; b < w.nblocks; b++) {
        size_t n;
        pt_image_block(w.img, b, NULL, &n);
        if (n > maxrows)
            maxrows = n;
    }
    w.pred = malloc((maxrows ? maxrows : 1) * sizeof(double));
    w.score = malloc((maxrows ? maxrows : 1) * sizeof(double));
    w.prob = malloc((maxrows ? maxrows : 1) * (w.nclasses > 2 ? w.nclasses : 2) * sizeof(double));
    w.train = calloc(w.nblocks, sizeof *w.train);
    if (w.cache == NULL || w.views == NULL || w.pred == NULL || w.score == NULL ||
        w.prob == NULL || w.train == NULL)
        die_setup("out of memory%s%s", "", "");

    if (w.memory > 0 && set_memory_cap(w.memory, err) != 0)
        die_setup("%s%s", err, "");

    ctx = zmq_ctx_new();
    sock = ctx ? zmq_socket(ctx, ZMQ_DEALER) : NULL;
    if (sock == NULL)
        die_setup("zmq: %s%s", zmq_strerror(errno), "");
    {
        int linger = 0;
        zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    }
    if (zmq_connect(sock, endpoint) != 0)
        die_setup("cannot connect to %s: %s", endpoint, zmq_strerror(errno));
    memset(&hello, 0, sizeof hello);
    hello.type = PT_MSG_HELLO;
    hello.pid = (int32_t)getpid();
    if (send_msg(sock, &hello) != 0)
        die_setup("cannot send hello to %s: %s", endpoint, zmq_strerror(errno));

    {
        /* A blocking receive with a timeout rather than zmq_poll then a receive: half the
         * system calls per job, which is most of a tiny job's cost. */
        int ms = 1000;
        zmq_setsockopt(sock, ZMQ_RCVTIMEO, &ms, sizeof ms);
    }
    for (;;) {
        zmq_msg_t frame;
        pt_msg_t job, reply;
        zmq_msg_init(&frame);
        if (zmq_msg_recv(&frame, sock, 0) < 0) {
            int e = errno;
            zmq_msg_close(&frame);
            if (e != EAGAIN && e != EINTR)
                break;
            if (getppid() != (pid_t)parent)
                break; /* the coordinator is gone (PR_SET_PDEATHSIG covers most cases) */
            continue;
        }
        memset(&reply, 0, sizeof reply);
        if (pt_msg_decode(zmq_msg_data(&frame), zmq_msg_size(&frame), &job, err) != 0) {
            zmq_msg_close(&frame);
            pt_msg_clear(&job);
            fprintf(stderr, "paratune-worker[%ld]: bad message: %s\n", (long)getpid(), err);
            rc = 1;
            break;
        }
        zmq_msg_close(&frame);
        if (job.type == PT_MSG_STOP) {
            pt_msg_clear(&job);
            break;
        }
        if (job.type != PT_MSG_JOB) {
            pt_msg_clear(&job);
            continue;
        }
        if (failpoints != NULL) {
            char action[32];
            if (failpoint_for(&job, action, sizeof action) != NULL &&
                strcmp(action, "garbage") == 0) {
                zmq_send(sock, "\xc1garbage", 8, 0);
                pt_msg_clear(&job);
                continue;
            }
        }
        run_job(&w, &job, &reply);
        pt_msg_clear(&job);
        if (send_msg(sock, &reply) != 0) {
            pt_msg_clear(&reply);
            rc = 1;
            break;
        }
        pt_msg_clear(&reply);
    }
    zmq_close(sock);
    zmq_ctx_term(ctx);
    for (size_t b = 0; b < w.nblocks; b++)
        pt_moments_destroy(&w.cache[b]);
    free(w.cache);
    free(w.pred);
    free(w.score);
    free(w.prob);
    free(w.train);
    free(w.views);
    for (size_t b = 0; w.pca != NULL && b <= w.nblocks; b++)
        pt_pca_eig_free(&w.pca[b]);
    free(w.pca);
    pt_stats_unmap(&w.stats);
    pt_image_unmap(&w.img);
    return rc;
}
