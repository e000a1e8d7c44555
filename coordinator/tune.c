/* tune.c - the coordinator: load, lay out in shared memory, schedule jobs, log, pick, refit.
 *
 * One sweep is: parse and check every option and the data (all bad input is refused here,
 * before anything is created), build the shared-memory image, create the log, start
 * min(parallelism, jobs) workers, keep each busy with one (param map, fold) job at a time so
 * that at most `parallelism` jobs are outstanding, append each result to the log as it
 * arrives, then average over folds, pick the best map, refit it on all rows, write the
 * summary (and the model), stop the workers and remove the socket directory.
 * Signal handlers only set flags; children are reaped in the main loop.
 */
#include "tune.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "pt_common.h"
#include "pt_dataset.h"
#include "pt_eval.h"
#include "pt_image.h"
#include "pt_log.h"
#include "pt_msg.h"
#include "pt_params.h"
#include "pt_split.h"
#include "spawn.h"

/* ---------------------------------------------------------------- options */

typedef struct {
    const char *data, *label, *fold_col, *pipeline, *validator, *evaluator, *metric;
    const char *log, *model_out;
    pt_format_t format;
    const char **grid, **set;
    size_t ngrid, nset;
    long folds, parallelism, threads, max_retries;
    int folds_given, ratio_given;
    double train_ratio;
    unsigned long long seed;
    int overwrite, quiet, no_cache;
} opts_t;

static void tune_usage(FILE *f)
{
    fputs(
        "usage: paratune tune --data FILE --pipeline STAGE[,STAGE...] [options]\n"
        "  --data FILE            CSV with a header row, or LIBSVM text\n"
        "  --format auto|csv|libsvm   input format (default auto)\n"
        "  --label NAME           label column (default label)\n"
        "  --pipeline STAGES      e.g. pca,linearRegression (stages: pca, linearRegression)\n"
        "  --grid S.P=V1,V2,...   a grid axis (repeatable; last axis varies fastest)\n"
        "  --set S.P=V            fix a param for every map (repeatable)\n"
        "  --validator cv|tvs     cross-validation (default) or train/validation split\n"
        "  --folds K              cv folds, >= 2 (default 3)\n"
        "  --fold-col NAME        take cv folds from an integer column (0..K-1)\n"
        "  --train-ratio R        tvs training share, in (0,1) (default 0.75)\n"
        "  --seed N               split seed (default 0)\n"
        "  --evaluator regression  (default regression)\n"
        "  --metric M             rmse (default), mse, r2, mae, var\n"
        "  --parallelism N        most jobs outstanding at once, >= 1 (default 1)\n"
        "  --threads-per-job T    OpenBLAS threads per worker, >= 1 (default 1)\n"
        "  --max-retries N        retries of a job whose worker died (default 2)\n"
        "  --log FILE             msgpack result log (refuses an existing file)\n"
        "  --overwrite            replace an existing --log file\n"
        "  --model-out FILE       write the refit best pipeline (msgpack)\n"
        "  --no-cache             recompute per-fold moments in every job\n"
        "  --quiet                no progress on stderr\n",
        f);
}

/* Puts pfx in front of the message in err (PT_ERRLEN bytes), truncating its end. */
static void prefix_err(char *err, const char *pfx)
{
    size_t pl = strlen(pfx), el = strlen(err);
    if (pl >= PT_ERRLEN)
        pl = PT_ERRLEN - 1;
    if (pl + el >= PT_ERRLEN)
        el = PT_ERRLEN - 1 - pl;
    memmove(err + pl, err, el);
    memcpy(err, pfx, pl);
    err[pl + el] = '\0';
}

static int bad_opt(const char *opt, const char *arg, const char *why)
{
    fprintf(stderr, "paratune: %s %s: %s\n", opt, arg ? arg : "", why);
    return PT_EXIT_USAGE;
}

static int parse_opts(int argc, char **argv, opts_t *o)
{
    enum { O_DATA = 256, O_FORMAT, O_LABEL, O_PIPE, O_GRID, O_SET, O_VALID, O_FOLDS, O_FOLDCOL,
           O_RATIO, O_SEED, O_EVAL, O_METRIC, O_PAR, O_THREADS, O_RETRY, O_LOG, O_OVER,
           O_MODEL, O_NOCACHE, O_QUIET, O_HELP };
    static const struct option lo[] = {
        {"data", required_argument, NULL, O_DATA},
        {"format", required_argument, NULL, O_FORMAT},
        {"label", required_argument, NULL, O_LABEL},
        {"pipeline", required_argument, NULL, O_PIPE},
        {"grid", required_argument, NULL, O_GRID},
        {"set", required_argument, NULL, O_SET},
        {"validator", required_argument, NULL, O_VALID},
        {"folds", required_argument, NULL, O_FOLDS},
        {"fold-col", required_argument, NULL, O_FOLDCOL},
        {"train-ratio", required_argument, NULL, O_RATIO},
        {"seed", required_argument, NULL, O_SEED},
        {"evaluator", required_argument, NULL, O_EVAL},
        {"metric", required_argument, NULL, O_METRIC},
        {"parallelism", required_argument, NULL, O_PAR},
        {"threads-per-job", required_argument, NULL, O_THREADS},
        {"max-retries", required_argument, NULL, O_RETRY},
        {"log", required_argument, NULL, O_LOG},
        {"overwrite", no_argument, NULL, O_OVER},
        {"model-out", required_argument, NULL, O_MODEL},
        {"no-cache", no_argument, NULL, O_NOCACHE},
        {"quiet", no_argument, NULL, O_QUIET},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0}};
    int c;
    long v;
    double d;

    memset(o, 0, sizeof *o);
    o->label = "label";
    o->validator = "cv";
    o->evaluator = "regression";
    o->folds = 3;
    o->train_ratio = 0.75;
    o->parallelism = 1;
    o->threads = 1;
    o->max_retries = 2;
    o->grid = calloc((size_t)argc, sizeof *o->grid);
    o->set = calloc((size_t)argc, sizeof *o->set);
    if (o->grid == NULL || o->set == NULL)
        return bad_opt("paratune:", NULL, "out of memory");
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
        switch (c) {
        case O_DATA: o->data = optarg; break;
        case O_FORMAT:
            if (strcmp(optarg, "auto") == 0) o->format = PT_FMT_AUTO;
            else if (strcmp(optarg, "csv") == 0) o->format = PT_FMT_CSV;
            else if (strcmp(optarg, "libsvm") == 0) o->format = PT_FMT_LIBSVM;
            else return bad_opt("--format", optarg, "expected auto, csv or libsvm");
            break;
        case O_LABEL: o->label = optarg; break;
        case O_PIPE: o->pipeline = optarg; break;
        case O_GRID: o->grid[o->ngrid++] = optarg; break;
        case O_SET: o->set[o->nset++] = optarg; break;
        case O_VALID:
            if (strcmp(optarg, "cv") != 0 && strcmp(optarg, "tvs") != 0)
                return bad_opt("--validator", optarg, "expected cv or tvs");
            o->validator = optarg;
            break;
        case O_FOLDS:
            if (pt_parse_long(optarg, &v) != 0 || v < 2 || v > 1000000)
                return bad_opt("--folds", optarg, "numFolds must be an integer >= 2");
            o->folds = v;
            o->folds_given = 1;
            break;
        case O_FOLDCOL: o->fold_col = optarg; break;
        case O_RATIO:
            if (pt_parse_double(optarg, &d) != 0 || !(d > 0.0 && d < 1.0))
                return bad_opt("--train-ratio", optarg, "trainRatio must be in (0, 1)");
            o->train_ratio = d;
            o->ratio_given = 1;
            break;
        case O_SEED: {
            char *end;
            errno = 0;
            o->seed = strtoull(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || errno != 0 || *optarg == '-')
                return bad_opt("--seed", optarg, "expected an integer in [0, 2^64)");
            break;
        }
        case O_EVAL: o->evaluator = optarg; break;
        case O_METRIC: o->metric = optarg; break;
        case O_PAR:
            if (pt_parse_long(optarg, &v) != 0 || v < 1 || v > 4096)
                return bad_opt("--parallelism", optarg, "must be an integer in [1, 4096]");
            o->parallelism = v;
            break;
        case O_THREADS:
            if (pt_parse_long(optarg, &v) != 0 || v < 1 || v > 1024)
                return bad_opt("--threads-per-job", optarg, "must be an integer in [1, 1024]");
            o->threads = v;
            break;
        case O_RETRY:
            if (pt_parse_long(optarg, &v) != 0 || v < 0 || v > 100)
                return bad_opt("--max-retries", optarg, "must be an integer in [0, 100]");
            o->max_retries = v;
            break;
        case O_LOG: o->log = optarg; break;
        case O_OVER: o->overwrite = 1; break;
        case O_MODEL: o->model_out = optarg; break;
        case O_NOCACHE: o->no_cache = 1; break;
        case O_QUIET: o->quiet = 1; break;
        case O_HELP: tune_usage(stdout); return -1;
        case ':':
            fprintf(stderr, "paratune: %s: needs a value\n", argv[optind - 1]);
            return PT_EXIT_USAGE;
        default:
            fprintf(stderr, "paratune: %s: unknown option (paratune tune --help)\n",
                    argv[optind - 1]);
            return PT_EXIT_USAGE;
        }
    }
    if (optind < argc)
        return bad_opt(argv[optind], NULL, "unexpected argument (paratune tune --help)");
    if (o->data == NULL)
        return bad_opt("--data", NULL, "is required");
    if (o->pipeline == NULL)
        return bad_opt("--pipeline", NULL, "is required (e.g. pca,linearRegression)");
    if (strcmp(o->validator, "tvs") == 0) {
        if (o->folds_given)
            return bad_opt("--folds", NULL, "applies to --validator cv only");
        if (o->fold_col != NULL)
            return bad_opt("--fold-col", o->fold_col, "applies to --validator cv only");
    } else if (o->ratio_given) {
        return bad_opt("--train-ratio", NULL, "applies to --validator tvs only");
    }
    if (o->log != NULL && o->model_out != NULL && strcmp(o->log, o->model_out) == 0)
        return bad_opt("--model-out", o->model_out, "is the same file as --log");
    return 0;
}

/* ---------------------------------------------------------------- signals */

static volatile sig_atomic_t got_chld, got_stop, stop_count;

static void on_chld(int s)
{
    (void)s;
    got_chld = 1;
}

static void on_stop(int s)
{
    got_stop = s;
    stop_count++;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    sa.sa_handler = on_stop;
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* ---------------------------------------------------------------- sweep state */

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
    unsigned char id[64];
    size_t idlen;
    long job;
    double started;
} slot_t;

typedef struct {
    const opts_t *o;
    pt_spec_t *spec;
    pt_paramlist_t *maps, *full;   /* per param map */
    size_t nmaps, nfolds;
    job_t *jobs;
    size_t njobs;                  /* sweep jobs; the refit job is jobs[njobs] */
    long *queue;                   /* pending job indices, FIFO with push-front for retries */
    size_t qhead, qlen, qcap;
    slot_t *slots;
    size_t nslots;
    int fatal_starts;
    size_t running, finished, failed;
    void *ctx, *router;
    char sockdir[256], endpoint[300];
    int image_fd;
    char worker_path[4096];
    char metric_name[32];
    pt_evaluator_t ev;
    pt_metric_t metric;
    pt_log_t *log;
    double t0;
    unsigned char *model;
    size_t model_len;
    char refit_error[PT_ERRLEN];
    int refit_done;
} sweep_t;

static void q_push(sweep_t *s, long j, int front)
{
    if (front) {
        s->qhead = (s->qhead + s->qcap - 1) % s->qcap;
        s->queue[s->qhead] = j;
    } else {
        s->queue[(s->qhead + s->qlen) % s->qcap] = j;
    }
    s->qlen++;
}

static long q_pop(sweep_t *s)
{
    long j = s->queue[s->qhead];
    s->qhead = (s->qhead + 1) % s->qcap;
    s->qlen--;
    return j;
}

static int spawn_slot(sweep_t *s, slot_t *w, char *err)
{
    char fdbuf[32], parent[32], threads[32];
    char *argv[16];
    int a = 0;
    pid_t pid;

    snprintf(fdbuf, sizeof fdbuf, "%d", s->image_fd);
    snprintf(parent, sizeof parent, "%ld", (long)getpid());
    snprintf(threads, sizeof threads, "%ld", s->o->threads);
    argv[a++] = "paratune-worker";
    argv[a++] = "--endpoint";
    argv[a++] = s->endpoint;
    argv[a++] = "--image-fd";
    argv[a++] = fdbuf;
    argv[a++] = "--parent";
    argv[a++] = parent;
    argv[a++] = "--evaluator";
    argv[a++] = (char *)pt_eval_evaluator_name(s->ev);
    argv[a++] = "--metric";
    argv[a++] = s->metric_name;
    argv[a++] = "--threads";
    argv[a++] = threads;
    if (s->o->no_cache)
        argv[a++] = "--no-cache";
    argv[a] = NULL;
    pid = pt_spawn(s->worker_path, argv, s->image_fd, err);
    if (pid < 0)
        return (int)pid;
    memset(w, 0, sizeof *w);
    w->pid = pid;
    w->state = W_STARTING;
    w->job = -1;
    return 0;
}

static slot_t *slot_by_pid(sweep_t *s, pid_t pid)
{
    for (size_t i = 0; i < s->nslots; i++)
        if (s->slots[i].state != W_FREE && s->slots[i].pid == pid)
            return &s->slots[i];
    return NULL;
}

static slot_t *slot_by_id(sweep_t *s, const void *id, size_t len)
{
    for (size_t i = 0; i < s->nslots; i++)
        if ((s->slots[i].state == W_IDLE || s->slots[i].state == W_BUSY) &&
            s->slots[i].idlen == len && memcmp(s->slots[i].id, id, len) == 0)
            return &s->slots[i];
    return NULL;
}

static size_t live_workers(const sweep_t *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nslots; i++)
        if (s->slots[i].state != W_FREE)
            n++;
    return n;
}

/* Records the end of job j (a result, or a failure with reason). */
static int finish_job(sweep_t *s, long j, const slot_t *w, int ok, double metric,
                      double fit_s, double eval_s, const char *reason, char *err)
{
    job_t *jb = &s->jobs[j];
    double now = pt_now() - s->t0;
    jb->state = ok ? J_DONE : J_FAILED;
    jb->metric = ok ? metric : NAN;
    s->running--;
    if ((size_t)j == s->njobs) { /* the refit */
        s->refit_done = 1;
        if (!ok)
            snprintf(s->refit_error, sizeof s->refit_error, "%s", reason);
        return 0;
    }
    s->finished++;
    if (!ok)
        s->failed++;
    if (s->log != NULL) {
        pt_log_result_t r;
        memset(&r, 0, sizeof r);
        r.param_index = jb->map;
        r.fold = jb->fold;
        r.params = &s->maps[jb->map];
        r.metric = jb->metric;
        r.status = ok ? "ok" : "failed";
        r.error = ok ? NULL : (char *)reason;
        r.worker = (int32_t)w->pid;
        r.attempt = jb->attempts;
        r.started = w->started - s->t0;
        r.finished = now;
        r.fit_seconds = fit_s;
        r.eval_seconds = eval_s;
        if (pt_log_append_result(s->log, &r, err) != 0)
            return -EIO;
    }
    if (!s->o->quiet && !ok)
        fprintf(stderr, "paratune: job %ld (param map %d, fold %d) failed: %s\n", j,
                jb->map, jb->fold, reason);
    return 0;
}

static int send_job(sweep_t *s, slot_t *w, long j)
{
    pt_msg_t m;
    msgpack_sbuffer sb;
    int rc = 0;
    job_t *jb = &s->jobs[j];

    memset(&m, 0, sizeof m);
    m.type = PT_MSG_JOB;
    m.job_id = j;
    m.param_index = jb->map;
    m.fold = jb->fold;
    m.nstages = pt_spec_nstages(s->spec);
    m.stages = calloc(m.nstages, sizeof *m.stages);
    if (m.stages == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < m.nstages; i++)
        m.stages[i] = (char *)pt_spec_stage(s->spec, i);
    m.params = s->full[jb->map];
    msgpack_sbuffer_init(&sb);
    if (pt_msg_encode(&m, &sb) != 0)
        rc = -ENOMEM;
    else if (zmq_send(s->router, w->id, w->idlen, ZMQ_SNDMORE) < 0 ||
             zmq_send(s->router, sb.data, sb.size, 0) < 0)
        rc = -EHOSTUNREACH;
    msgpack_sbuffer_destroy(&sb);
    free(m.stages);
    if (rc == 0) {
        jb->state = J_RUNNING;
        jb->attempts++;
        w->state = W_BUSY;
        w->job = j;
        w->started = pt_now();
        s->running++;
    }
    return rc;
}

static void dispatch(sweep_t *s)
{
    if (got_stop)
        return;
    for (size_t i = 0; i < s->nslots && s->qlen > 0; i++) {
        slot_t *w = &s->slots[i];
        long j;
        if (w->state != W_IDLE)
            continue;
        j = q_pop(s);
        if (send_job(s, w, j) != 0)
            q_push(s, j, 1); /* the worker is gone; it will be reaped */
    }
}

static const char *signame(int sig)
{
    const char *n = sigabbrev_np(sig);
    return n ? n : "?";
}

/* Reaps every child that exited; requeues or fails its job; respawns when work remains. */
static int reap(sweep_t *s, char *err)
{
    int st;
    pid_t pid;
    got_chld = 0;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        slot_t *w = slot_by_pid(s, pid);
        char why[128];
        int was_starting;
        if (w == NULL)
            continue;
        if (WIFSIGNALED(st))
            snprintf(why, sizeof why, "worker %ld killed by signal %d (SIG%s)", (long)pid,
                     WTERMSIG(st), signame(WTERMSIG(st)));
        else
            snprintf(why, sizeof why, "worker %ld exited with code %d", (long)pid,
                     WEXITSTATUS(st));
        was_starting = w->state == W_STARTING;
        if (w->state == W_BUSY) {
            long j = w->job;
            s->running--;
            if (s->jobs[j].attempts <= s->o->max_retries) {
                s->jobs[j].state = J_PENDING;
                q_push(s, j, 1);
            } else {
                s->running++; /* finish_job counts it down */
                if (finish_job(s, j, w, 0, NAN, 0, 0, why, err) != 0)
                    return -EIO;
            }
        }
        w->state = W_FREE;
        if (was_starting && WIFEXITED(st) && WEXITSTATUS(st) == 2) {
            s->fatal_starts++; /* a fatal setup error: never respawn in a loop */
            continue;
        }
        if (!got_stop && s->qlen > 0 && live_workers(s) < s->qlen + s->running) {
            if (spawn_slot(s, w, err) != 0)
                return -ECHILD;
        }
    }
    return 0;
}

static int handle_message(sweep_t *s, char *err)
{
    zmq_msg_t idf, body;
    pt_msg_t m;
    char derr[PT_ERRLEN];
    int rc = 0;
    slot_t *w;

    zmq_msg_init(&idf);
    zmq_msg_init(&body);
    if (zmq_msg_recv(&idf, s->router, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&idf);
        zmq_msg_close(&body);
        return errno == EAGAIN ? 1 : 0;
    }
    if (!zmq_msg_more(&idf) || zmq_msg_recv(&body, s->router, 0) < 0)
        goto out;
    memset(&m, 0, sizeof m);
    if (pt_msg_decode(zmq_msg_data(&body), zmq_msg_size(&body), &m, derr) != 0) {
        fprintf(stderr, "paratune: ignoring a bad message from a worker: %s\n", derr);
        pt_msg_clear(&m);
        goto out;
    }
    if (m.type == PT_MSG_HELLO) {
        w = slot_by_pid(s, m.pid);
        if (w != NULL && w->state == W_STARTING && zmq_msg_size(&idf) <= sizeof w->id) {
            w->idlen = zmq_msg_size(&idf);
            memcpy(w->id, zmq_msg_data(&idf), w->idlen);
            w->state = W_IDLE;
        }
    } else if (m.type == PT_MSG_RESULT || m.type == PT_MSG_ERROR) {
        w = slot_by_id(s, zmq_msg_data(&idf), zmq_msg_size(&idf));
        if (w != NULL && w->state == W_BUSY && w->job == m.job_id) {
            long j = w->job;
            w->state = W_IDLE;
            w->job = -1;
            if (m.type == PT_MSG_RESULT && (size_t)j == s->njobs) {
                s->model = m.model;
                s->model_len = m.model_len;
                m.model = NULL;
            }
            if (m.type == PT_MSG_RESULT)
                rc = finish_job(s, j, w, 1, m.metric, m.fit_seconds, m.eval_seconds, NULL,
                                err);
            else
                rc = finish_job(s, j, w, 0, NAN, 0, 0, m.error ? m.error : "fit failed",
                                err);
        }
    }
    pt_msg_clear(&m);
out:
    zmq_msg_close(&idf);
    zmq_msg_close(&body);
    return rc;
}

/* Runs the loop until no job is pending or running. Returns 0, a stop signal number, or a
 * negative errno with err set. */
static int run_loop(sweep_t *s, char *err)
{
    double stop_at = 0;
    for (;;) {
        zmq_pollitem_t it = {s->router, 0, ZMQ_POLLIN, 0};
        int rc;
        if (got_chld && reap(s, err) != 0)
            return -EIO;
        if (got_stop) {
            if (stop_at == 0)
                stop_at = pt_now();
            /* Running jobs may finish within a short grace; a second signal or the end of
             * the grace stops them. */
            if (s->running == 0 || stop_count > 1 || pt_now() - stop_at > 5.0)
                return got_stop;
        }
        if (s->qlen == 0 && s->running == 0)
            return 0;
        if (live_workers(s) == 0 && s->qlen > 0) {
            pt_seterr(err, "no worker could start (%d failed at start-up); see above",
                      s->fatal_starts);
            return -ECHILD;
        }
        dispatch(s);
        rc = zmq_poll(&it, 1, 200);
        if (rc < 0 && errno != EINTR) {
            pt_seterr(err, "zmq_poll: %s", zmq_strerror(errno));
            return -EIO;
        }
        if (rc > 0) {
            int r;
            while ((r = handle_message(s, err)) == 0)
                ;
            if (r < 0)
                return r;
        }
    }
}

static void stop_workers(sweep_t *s)
{
    double until;
    pt_msg_t m;
    msgpack_sbuffer sb;

    memset(&m, 0, sizeof m);
    m.type = PT_MSG_STOP;
    msgpack_sbuffer_init(&sb);
    pt_msg_encode(&m, &sb);
    for (size_t i = 0; i < s->nslots; i++) {
        slot_t *w = &s->slots[i];
        if (w->state == W_IDLE && s->router != NULL) {
            zmq_send(s->router, w->id, w->idlen, ZMQ_SNDMORE | ZMQ_DONTWAIT);
            zmq_send(s->router, sb.data, sb.size, ZMQ_DONTWAIT);
        } else if (w->state != W_FREE) {
            kill(w->pid, SIGKILL);
        }
    }
    msgpack_sbuffer_destroy(&sb);
    until = pt_now() + 2.0;
    while (live_workers(s) > 0) {
        int st;
        pid_t pid = waitpid(-1, &st, WNOHANG);
        if (pid > 0) {
            slot_t *w = slot_by_pid(s, pid);
            if (w != NULL)
                w->state = W_FREE;
            continue;
        }
        if (pid < 0 && errno == ECHILD)
            break;
        if (pt_now() > until) {
            for (size_t i = 0; i < s->nslots; i++)
                if (s->slots[i].state != W_FREE)
                    kill(s->slots[i].pid, SIGKILL);
            until = pt_now() + 3600;
        }
        usleep(2000);
    }
}

/* ---------------------------------------------------------------- results */

static void averages(const sweep_t *s, double *avg, double *sd)
{
    for (size_t i = 0; i < s->nmaps; i++) {
        double sum = 0, ss = 0;
        int ok = 1;
        for (size_t f = 0; f < s->nfolds; f++) {
            const job_t *j = &s->jobs[i * s->nfolds + f];
            if (j->state != J_DONE || !isfinite(j->metric))
                ok = 0;
            else
                sum += j->metric;
        }
        if (!ok) {
            avg[i] = sd[i] = NAN;
            continue;
        }
        avg[i] = sum / (double)s->nfolds;
        for (size_t f = 0; f < s->nfolds; f++) {
            double d = s->jobs[i * s->nfolds + f].metric - avg[i];
            ss += d * d;
        }
        sd[i] = sqrt(ss / (double)s->nfolds);
    }
}

static long pick_best(const double *avg, size_t n, int larger)
{
    long best = -1;
    for (size_t i = 0; i < n; i++) {
        if (isnan(avg[i]))
            continue;
        if (best < 0 || (larger ? avg[i] > avg[best] : avg[i] < avg[best]))
            best = (long)i;
    }
    return best;
}

static void print_table(const sweep_t *s, const double *avg, const double *sd, long best)
{
    const pt_paramlist_t *m0 = &s->maps[0];
    int w[64];
    size_t nk = m0->n < 64 ? m0->n : 64;
    char buf[64];

    printf("  %4s", "#");
    for (size_t k = 0; k < nk; k++) {
        w[k] = (int)strlen(m0->items[k].key);
        for (size_t i = 0; i < s->nmaps; i++) {
            pt_value_format(&s->maps[i].items[k].val, buf, sizeof buf);
            if ((int)strlen(buf) > w[k])
                w[k] = (int)strlen(buf);
        }
        printf("  %*s", w[k], m0->items[k].key);
    }
    printf("  %14s  %12s\n", s->metric_name, "std");
    for (size_t i = 0; i < s->nmaps; i++) {
        printf("%c %4zu", (long)i == best ? '*' : ' ', i);
        for (size_t k = 0; k < nk; k++) {
            pt_value_format(&s->maps[i].items[k].val, buf, sizeof buf);
            printf("  %*s", w[k], buf);
        }
        if (isnan(avg[i]))
            printf("  %14s  %12s\n", "failed", "-");
        else
            printf("  %14.8g  %12.6g\n", avg[i], sd[i]);
    }
}

static int write_model(const sweep_t *s, const pt_dataset_t *ds, long best, char *err)
{
    char tmp[4096];
    msgpack_sbuffer sb;
    msgpack_packer pk;
    int fd = -1, rc = 0;
    size_t off = 0;
    const char *path = s->o->model_out;

    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path) >= sizeof tmp) {
        pt_seterr(err, "%s: path too long", path);
        return -ENAMETOOLONG;
    }
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 7);
    pt_msgpack_pack_str(&pk, "format");
    pt_msgpack_pack_str(&pk, "paratune-model");
    pt_msgpack_pack_str(&pk, "version");
    msgpack_pack_int(&pk, 1);
    pt_msgpack_pack_str(&pk, "feature_names");
    msgpack_pack_array(&pk, ds->features);
    for (size_t i = 0; i < ds->features; i++)
        pt_msgpack_pack_str(&pk, ds->names[i]);
    pt_msgpack_pack_str(&pk, "label");
    pt_msgpack_pack_str(&pk, ds->label_name);
    pt_msgpack_pack_str(&pk, "param_index");
    msgpack_pack_long(&pk, best);
    pt_msgpack_pack_str(&pk, "params");
    pt_msgpack_pack_params(&pk, &s->full[best]);
    pt_msgpack_pack_str(&pk, "pipeline");
    msgpack_sbuffer_write(&sb, (const char *)s->model, s->model_len); /* one msgpack map */

    fd = mkstemp(tmp);
    if (fd < 0) {
        rc = -errno;
        pt_seterr(err, "%s: cannot create: %s", path, strerror(errno));
        goto out;
    }
    while (off < sb.size) {
        ssize_t n = write(fd, sb.data + off, sb.size - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            pt_seterr(err, "%s: write: %s", path, strerror(errno));
            goto out;
        }
        off += (size_t)n;
    }
    fchmod(fd, 0644);
    if (fsync(fd) != 0 || close(fd) != 0) {
        fd = -1;
        rc = -EIO;
        pt_seterr(err, "%s: fsync: %s", path, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        rc = -errno;
        pt_seterr(err, "%s: rename: %s", path, strerror(errno));
        goto out;
    }
    tmp[0] = '\0';
out:
    if (fd >= 0)
        close(fd);
    if (tmp[0] != '\0' && rc != 0)
        unlink(tmp);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

/* ---------------------------------------------------------------- main */

static int make_header(const sweep_t *s, const pt_dataset_t *ds, uint64_t fp,
                       pt_log_header_t *h)
{
    const opts_t *o = s->o;
    memset(h, 0, sizeof *h);
    h->created = (double)time(NULL);
    h->data_path = (char *)o->data;
    h->rows = ds->rows;
    h->features = ds->features;
    h->fingerprint = fp;
    h->label = ds->label_name;
    h->data_format = ds->format == PT_FMT_LIBSVM ? "libsvm" : "csv";
    h->nstages = pt_spec_nstages(s->spec);
    h->stages = calloc(h->nstages, sizeof *h->stages);
    if (h->stages == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < h->nstages; i++)
        h->stages[i] = (char *)pt_spec_stage(s->spec, i);
    h->validator = (char *)o->validator;
    h->num_folds = strcmp(o->validator, "cv") == 0 ? (int)o->folds : 0;
    h->train_ratio = strcmp(o->validator, "tvs") == 0 ? o->train_ratio : 0;
    h->seed = o->seed;
    h->fold_col = (char *)o->fold_col;
    h->evaluator = (char *)pt_eval_evaluator_name(s->ev);
    h->metric = (char *)s->metric_name;
    h->larger_is_better = pt_eval_larger_is_better(s->metric);
    h->parallelism = (int)o->parallelism;
    h->threads_per_job = (int)o->threads;
    h->param_maps = s->maps;
    h->nmaps = s->nmaps;
    return 0;
}

int pt_tune_main(int argc, char **argv)
{
    opts_t o;
    sweep_t s;
    pt_dataset_t *ds = NULL;
    pt_load_opts_t lo;
    int32_t *fold = NULL;
    char err[PT_ERRLEN] = "";
    int rc, exit_code = PT_EXIT_FAIL, is_cv;
    uint64_t fp;
    double *avg = NULL, *sd = NULL;
    long best = -1;
    double t_start = pt_now(), t_load = 0, t_shm = 0, t_sweep = 0, t_refit = 0;
    pt_log_header_t hdr;
    struct stat st;

    memset(&s, 0, sizeof s);
    memset(&hdr, 0, sizeof hdr);
    s.image_fd = -1;
    rc = parse_opts(argc, argv, &o);
    if (rc != 0) {
        exit_code = rc < 0 ? PT_EXIT_OK : rc;
        goto out;
    }
    s.o = &o;
    is_cv = strcmp(o.validator, "cv") == 0;
    exit_code = PT_EXIT_USAGE;

    /* Every check of the options comes before any file is read or written. */
    s.spec = pt_spec_new(o.pipeline, err);
    if (s.spec == NULL)
        goto fail_msg;
    for (size_t i = 0; i < o.ngrid; i++)
        if (pt_spec_add_axis(s.spec, o.grid[i], err) != 0)
            goto fail_msg;
    for (size_t i = 0; i < o.nset; i++)
        if (pt_spec_set(s.spec, o.set[i], err) != 0)
            goto fail_msg;
    if (pt_eval_lookup(o.evaluator, o.metric, &s.ev, &s.metric, err) != 0) {
        prefix_err(err, o.metric ? "--metric: " : "--evaluator: ");
        goto fail_msg;
    }
    snprintf(s.metric_name, sizeof s.metric_name, "%s", pt_eval_metric_name(s.metric));
    if (o.log != NULL && !o.overwrite && lstat(o.log, &st) == 0) {
        pt_seterr(err, "--log %s: file exists (use --overwrite to replace it)", o.log);
        goto fail_msg;
    }
    if (pt_worker_path(s.worker_path, sizeof s.worker_path) != 0 ||
        access(s.worker_path, X_OK) != 0) {
        pt_seterr(err, "cannot find the worker program %s (set PARATUNE_WORKER)",
                  s.worker_path);
        exit_code = PT_EXIT_FAIL;
        goto fail_msg;
    }

    memset(&lo, 0, sizeof lo);
    lo.format = o.format;
    lo.label = o.label;
    lo.fold_col = o.fold_col;
    lo.num_folds = (int)o.folds;
    ds = pt_dataset_load(o.data, &lo, err);
    if (ds == NULL)
        goto fail_msg;
    if (pt_spec_check(s.spec, ds->features, err) != 0)
        goto fail_msg;
    t_load = pt_now() - t_start;

    fold = malloc(ds->rows * sizeof *fold);
    if (fold == NULL) {
        pt_seterr(err, "out of memory");
        exit_code = PT_EXIT_FAIL;
        goto fail_msg;
    }
    if (is_cv && o.fold_col != NULL) {
        size_t *count = calloc((size_t)o.folds, sizeof *count);
        if (count == NULL) {
            pt_seterr(err, "out of memory");
            exit_code = PT_EXIT_FAIL;
            goto fail_msg;
        }
        memcpy(fold, ds->fold, ds->rows * sizeof *fold);
        for (size_t r = 0; r < ds->rows; r++)
            count[fold[r]]++;
        for (long f = 0; f < o.folds; f++)
            if (count[f] == 0 || count[f] == ds->rows) {
                pt_seterr(err, "%s: fold column \"%s\": fold %ld leaves an empty %s set",
                          o.data, o.fold_col, f, count[f] == 0 ? "validation" : "training");
                free(count);
                goto fail_msg;
            }
        free(count);
    } else if (is_cv) {
        if (pt_split_kfold(ds->rows, (int)o.folds, o.seed, fold, err) != 0) {
            char pfx[64];
            snprintf(pfx, sizeof pfx, "--folds %ld: ", o.folds);
            prefix_err(err, pfx);
            goto fail_msg;
        }
    } else if (pt_split_tvs(ds->rows, o.train_ratio, o.seed, fold, err) != 0) {
        goto fail_msg;
    }
    s.nfolds = is_cv ? (size_t)o.folds : 1;

    /* Param maps and jobs. */
    s.nmaps = pt_spec_nmaps(s.spec);
    s.maps = calloc(s.nmaps, sizeof *s.maps);
    s.full = calloc(s.nmaps, sizeof *s.full);
    s.njobs = s.nmaps * s.nfolds;
    s.jobs = calloc(s.njobs + 1, sizeof *s.jobs);
    s.qcap = s.njobs + 2;
    s.queue = calloc(s.qcap, sizeof *s.queue);
    if (s.maps == NULL || s.full == NULL || s.jobs == NULL || s.queue == NULL) {
        pt_seterr(err, "out of memory");
        exit_code = PT_EXIT_FAIL;
        goto fail_msg;
    }
    for (size_t i = 0; i < s.nmaps; i++)
        if (pt_spec_map(s.spec, i, &s.maps[i]) != 0 || pt_spec_full(s.spec, i, &s.full[i]) != 0) {
            pt_seterr(err, "out of memory");
            exit_code = PT_EXIT_FAIL;
            goto fail_msg;
        }
    for (size_t j = 0; j < s.njobs; j++) {
        s.jobs[j].map = (int32_t)(j / s.nfolds);
        s.jobs[j].fold = (int32_t)(j % s.nfolds);
        q_push(&s, (long)j, 0);
    }

    /* From here on the failures are the system's, not the input's. */
    exit_code = PT_EXIT_FAIL;
    fp = pt_dataset_fingerprint(ds);
    if (pt_image_build(ds, fold, is_cv ? (uint32_t)o.folds : 2, is_cv ? PT_IMAGE_CV : PT_IMAGE_TVS,
                       fp, &s.image_fd, err) != 0) {
        if (o.fold_col == NULL && strstr(err, "has no rows") != NULL)
            exit_code = PT_EXIT_USAGE;
        goto fail_msg;
    }
    free(ds->x); /* the image holds the data now */
    ds->x = NULL;
    t_shm = pt_now() - t_start - t_load;

    if (o.log != NULL) {
        if (make_header(&s, ds, fp, &hdr) != 0) {
            pt_seterr(err, "out of memory");
            goto fail_msg;
        }
        s.log = pt_log_create(o.log, &hdr, o.overwrite, err);
        free(hdr.stages);
        if (s.log == NULL) {
            exit_code = errno == EEXIST ? PT_EXIT_USAGE : PT_EXIT_FAIL;
            goto fail_msg;
        }
    }

    /* Socket directory (0700), router, workers. */
    {
        const char *tmpdir = getenv("TMPDIR");
        snprintf(s.sockdir, sizeof s.sockdir, "%s/paratune-XXXXXX",
                 tmpdir && *tmpdir ? tmpdir : "/tmp");
        if (mkdtemp(s.sockdir) == NULL) {
            pt_seterr(err, "cannot create a socket directory in %s: %s",
                      tmpdir && *tmpdir ? tmpdir : "/tmp", strerror(errno));
            s.sockdir[0] = '\0';
            goto fail_msg;
        }
        snprintf(s.endpoint, sizeof s.endpoint, "ipc://%s/ctl", s.sockdir);
    }
    install_signals();
    s.ctx = zmq_ctx_new();
    s.router = s.ctx ? zmq_socket(s.ctx, ZMQ_ROUTER) : NULL;
    if (s.router == NULL) {
        pt_seterr(err, "zmq: %s", zmq_strerror(errno));
        goto fail_msg;
    }
    {
        int one = 1, zero = 0;
        zmq_setsockopt(s.router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
        zmq_setsockopt(s.router, ZMQ_LINGER, &zero, sizeof zero);
    }
    if (zmq_bind(s.router, s.endpoint) != 0) {
        pt_seterr(err, "zmq_bind %s: %s", s.endpoint, zmq_strerror(errno));
        goto fail_msg;
    }
    s.nslots = (size_t)o.parallelism < s.njobs ? (size_t)o.parallelism : s.njobs;
    if (s.nslots == 0)
        s.nslots = 1;
    s.slots = calloc(s.nslots, sizeof *s.slots);
    if (s.slots == NULL) {
        pt_seterr(err, "out of memory");
        goto fail_msg;
    }
    s.t0 = pt_now();
    for (size_t i = 0; i < s.nslots; i++)
        if (spawn_slot(&s, &s.slots[i], err) != 0)
            goto fail_msg;

    rc = run_loop(&s, err);
    if (rc < 0)
        goto fail_msg;
    t_sweep = pt_now() - s.t0;
    if (rc > 0) {
        fprintf(stderr, "paratune: stopped by SIG%s after %zu of %zu jobs%s%s\n", signame(rc),
                s.finished, s.njobs, o.log ? "; results so far are in " : "",
                o.log ? o.log : "");
        exit_code = rc == SIGINT ? PT_EXIT_SIGINT : PT_EXIT_SIGTERM;
        goto out;
    }

    avg = calloc(s.nmaps, sizeof *avg);
    sd = calloc(s.nmaps, sizeof *sd);
    if (avg == NULL || sd == NULL) {
        pt_seterr(err, "out of memory");
        goto fail_msg;
    }
    averages(&s, avg, sd);
    best = pick_best(avg, s.nmaps, pt_eval_larger_is_better(s.metric));

    /* Refit the best map on all rows (as Spark does). */
    if (best >= 0) {
        double tr = pt_now();
        s.jobs[s.njobs].map = (int32_t)best;
        s.jobs[s.njobs].fold = -1;
        q_push(&s, (long)s.njobs, 0);
        if (live_workers(&s) == 0 && spawn_slot(&s, &s.slots[0], err) != 0)
            goto fail_msg;
        rc = run_loop(&s, err);
        if (rc < 0)
            goto fail_msg;
        if (rc > 0) {
            fprintf(stderr, "paratune: stopped by SIG%s during the refit\n", signame(rc));
            exit_code = rc == SIGINT ? PT_EXIT_SIGINT : PT_EXIT_SIGTERM;
            goto out;
        }
        t_refit = pt_now() - tr;
        if (s.jobs[s.njobs].state != J_DONE)
            fprintf(stderr, "paratune: refit of param map %ld failed: %s\n", best,
                    s.refit_error);
        else if (o.model_out != NULL && write_model(&s, ds, best, err) != 0)
            goto fail_msg;
    }

    if (s.log != NULL) {
        pt_log_summary_t sum;
        int32_t *fm = calloc(s.nmaps, sizeof *fm);
        memset(&sum, 0, sizeof sum);
        sum.nmaps = s.nmaps;
        sum.avg_metrics = avg;
        sum.std_metrics = sd;
        sum.best_index = (int32_t)best;
        sum.best_params = best >= 0 ? &s.maps[best] : NULL;
        sum.best_metric = best >= 0 ? avg[best] : NAN;
        sum.wall_seconds = pt_now() - s.t0;
        sum.jobs_ok = (int64_t)(s.finished - s.failed);
        sum.jobs_failed = (int64_t)s.failed;
        sum.failed_maps = fm;
        for (size_t i = 0; fm != NULL && i < s.nmaps; i++)
            if (isnan(avg[i]))
                fm[sum.nfailed_maps++] = (int32_t)i;
        rc = pt_log_append_summary(s.log, &sum, err);
        free(fm);
        if (rc != 0)
            goto fail_msg;
    }

    print_table(&s, avg, sd, best);
    if (!o.quiet)
        fprintf(stderr, "paratune: load %.3fs, shared memory %.3fs, sweep %.3fs (%zu jobs, "
                "parallelism %ld), refit %.3fs\n", t_load, t_shm, t_sweep, s.njobs,
                o.parallelism, t_refit);
    if (best < 0) {
        fprintf(stderr, "paratune: every param map failed\n");
        exit_code = PT_EXIT_FAIL;
    } else {
        char pbuf[1024];
        pt_paramlist_format(&s.maps[best], pbuf, sizeof pbuf);
        printf("best: #%ld %s %s=%.10g\n", best, pbuf, s.metric_name, avg[best]);
        exit_code = PT_EXIT_OK; /* failed maps are listed in the table and the log */
    }
    goto out;

fail_msg:
    fprintf(stderr, "paratune: %s\n", err);
out:
    stop_workers(&s);
    if (s.router != NULL)
        zmq_close(s.router);
    if (s.ctx != NULL)
        zmq_ctx_term(s.ctx);
    if (s.sockdir[0] != '\0') {
        char path[320];
        snprintf(path, sizeof path, "%s/ctl", s.sockdir);
        unlink(path);
        rmdir(s.sockdir);
    }
    if (s.image_fd >= 0)
        close(s.image_fd);
    pt_log_close(&s.log);
    for (size_t i = 0; s.maps != NULL && i < s.nmaps; i++) {
        pt_paramlist_free(&s.maps[i]);
        pt_paramlist_free(&s.full[i]);
    }
    free(s.maps);
    free(s.full);
    free(s.jobs);
    free(s.queue);
    free(s.slots);
    free(s.model);
    free(avg);
    free(sd);
    free(fold);
    free(o.grid);
    free(o.set);
    pt_spec_destroy(&s.spec);
    pt_dataset_destroy(&ds);
    return exit_code;
}

/* ---------------------------------------------------------------- gen */

int pt_gen_main(int argc, char **argv)
{
    static const struct option lo[] = {{"rows", required_argument, NULL, 'r'},
                                       {"features", required_argument, NULL, 'f'},
                                       {"seed", required_argument, NULL, 's'},
                                       {"out", required_argument, NULL, 'o'},
                                       {NULL, 0, NULL, 0}};
    long rows = 0, features = 0, seed = 0;
    const char *out = NULL;
    int c;
    pt_dataset_t *ds;
    char err[PT_ERRLEN];

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (pt_parse_long(optarg, &rows) != 0 || rows < 2)
                return bad_opt("--rows", optarg, "must be an integer >= 2");
            break;
        case 'f':
            if (pt_parse_long(optarg, &features) != 0 || features < 1 || features > 100000)
                return bad_opt("--features", optarg, "must be an integer in [1, 100000]");
            break;
        case 's':
            if (pt_parse_long(optarg, &seed) != 0 || seed < 0)
                return bad_opt("--seed", optarg, "must be an integer >= 0");
            break;
        case 'o': out = optarg; break;
        case ':':
            fprintf(stderr, "paratune: %s: needs a value\n", argv[optind - 1]);
            return PT_EXIT_USAGE;
        default:
            fprintf(stderr, "paratune: %s: unknown option of gen\n", argv[optind - 1]);
            return PT_EXIT_USAGE;
        }
    }
    if (rows == 0 || features == 0 || out == NULL)
        return bad_opt("gen:", NULL, "--rows, --features and --out are required");
    ds = pt_dataset_synth((size_t)rows, (size_t)features, (uint64_t)seed);
    if (ds == NULL) {
        fprintf(stderr, "paratune: gen: out of memory\n");
        return PT_EXIT_FAIL;
    }
    if (pt_dataset_write_csv(ds, out, err) != 0) {
        fprintf(stderr, "paratune: %s\n", err);
        pt_dataset_destroy(&ds);
        return PT_EXIT_USAGE;
    }
    pt_dataset_destroy(&ds);
    return PT_EXIT_OK;
}
