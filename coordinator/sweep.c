/* sweep.c - worker processes, job queue and the coordinator's event loop (see sweep.h). */
#include "sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zmq.h>

#include "pt_common.h"
#include "pt_cpus.h"
#include "pt_msg.h"
#include "spawn.h"

#define GRACE_SECONDS 5.0      /* running jobs may finish after the first SIGINT/SIGTERM */
#define STOP_SECONDS 2.0       /* a worker told to STOP gets this long before SIGKILL */
#define MAX_START_FAILURES 5   /* more workers dying before HELLO than this: stop respawning */
#define SYNC_SECONDS 0.05      /* the log is fdatasync'd at least this often while results come */
#define RECV_TIMEOUT_MS 100    /* the loop looks at timeouts, signals and progress this often */

/* ---------------------------------------------------------------- signals */

static volatile sig_atomic_t got_chld, got_stop, stop_count;

static void on_chld(int sig)
{
    (void)sig;
    got_chld = 1;
}

static void on_stop(int sig)
{
    got_stop = sig;
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

const char *pt_signame(int sig)
{
    const char *n = sigabbrev_np(sig);
    return n ? n : "?";
}

/* ---------------------------------------------------------------- queue and slots */

void pt_sweep_init(sweep_t *s, const opts_t *o)
{
    memset(s, 0, sizeof *s);
    s->o = o;
    s->image_fd = -1;
    s->stats_fd = -1;
    s->janitor_fd = -1;
    s->janitor = -1;
}

void pt_sweep_queue(sweep_t *s, long j, int front)
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
    char fdbuf[32], parent[32], threads[32], mem[32], classes[32], bins[32], sfd[32];
    char *argv[28];
    int a = 0, keep[2] = {s->image_fd, s->stats_fd};
    pid_t pid;
    cpu_set_t cpus;

    snprintf(fdbuf, sizeof fdbuf, "%d", s->image_fd);
    snprintf(parent, sizeof parent, "%ld", (long)getpid());
    snprintf(threads, sizeof threads, "%ld", s->o->threads);
    snprintf(mem, sizeof mem, "%llu", s->o->worker_memory);
    snprintf(classes, sizeof classes, "%zu", s->nclasses);
    snprintf(bins, sizeof bins, "%ld", s->o->num_bins);
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
    if (s->o->worker_memory > 0) {
        argv[a++] = "--memory";
        argv[a++] = mem;
    }
    if (s->o->no_cache)
        argv[a++] = "--no-cache";
    argv[a++] = "--classes";
    argv[a++] = classes;
    argv[a++] = "--num-bins";
    argv[a++] = bins;
    if (s->stats_fd >= 0) {
        snprintf(sfd, sizeof sfd, "%d", s->stats_fd);
        argv[a++] = "--stats-fd";
        argv[a++] = sfd;
    }
    argv[a] = NULL;
    if (pt_opts_pinned(s->o))
        pt_cpus_slot(s->o->cpus, s->o->ncpus, (size_t)(w - s->slots), s->o->threads, &cpus);
    pid = pt_spawn(s->worker_path, argv, s->envp, keep, 2, pt_opts_pinned(s->o) ? &cpus : NULL,
                   err);
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

/* ---------------------------------------------------------------- progress */

static void fmt_dur(double sec, char *buf, size_t len)
{
    long t = sec < 0 || !isfinite(sec) ? 0 : (long)(sec + 0.5);
    if (t >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, len, "%02ld:%02ld", t / 60, t % 60);
}

static void progress(sweep_t *s, int final)
{
    double now = pt_now(), el = now - s->t0, val = 0;
    char line[320], e1[32], e2[32], bb[96] = "";
    long best;
    size_t done_now;

    if (s->o->quiet)
        return;
    if (!final && now - s->last_progress < (s->progress_tty ? 0.25 : 5.0))
        return;
    if (final && !s->progress_tty)
        return;
    s->last_progress = now;
    done_now = s->finished;
    fmt_dur(el, e1, sizeof e1);
    if (done_now > 0 && s->total_to_run > done_now)
        fmt_dur(el / (double)done_now * (double)(s->total_to_run - done_now), e2, sizeof e2);
    else
        snprintf(e2, sizeof e2, "--:--");
    best = pt_results_best(s->results, &val);
    if (best >= 0)
        snprintf(bb, sizeof bb, ", best %s %.6g (#%ld)", s->metric_name, val, best);
    snprintf(line, sizeof line, "paratune: %zu/%zu jobs done, %zu running, %zu failed, %s "
             "elapsed, ETA %s%s", done_now, s->total_to_run, s->running, s->failed, e1, e2, bb);
    if (s->progress_tty) {
        fprintf(stderr, "\r\033[K%s", final ? "" : line);
        s->progress_drawn = !final;
    } else {
        fprintf(stderr, "%s\n", line);
    }
    fflush(stderr);
}

/* Moves the cursor off a live progress line before other output. */
static void progress_clear(sweep_t *s)
{
    if (s->progress_tty && s->progress_drawn) {
        fputs("\r\033[K", stderr);
        s->progress_drawn = 0;
    }
}

/* ---------------------------------------------------------------- jobs */

/* Records the end of job j: a result, or a failure ("failed", "timeout") with reason. */
static int finish_job(sweep_t *s, long j, const slot_t *w, const char *status, double metric,
                      double fit_s, double eval_s, int not_converged, const char *reason,
                      char *err)
{
    job_t *jb = &s->jobs[j];
    int ok = strcmp(status, "ok") == 0;
    double now = pt_now() - s->t0;

    jb->state = ok ? J_DONE : J_FAILED;
    jb->metric = ok ? metric : NAN;
    s->running--;
    if ((size_t)j > s->njobs) /* a stats job: its moments are in the shared segment */
        return 0;
    if ((size_t)j == s->njobs) { /* the refit */
        if (!ok)
            snprintf(s->refit_error, sizeof s->refit_error, "%s", reason);
        return 0;
    }
    s->finished++;
    pt_results_set(s->results, (size_t)jb->map, (size_t)jb->fold,
                   ok ? PT_FOLD_OK : PT_FOLD_FAILED, jb->metric);
    if (!ok)
        s->failed++;
    if (not_converged)
        s->not_converged++;
    if (s->log != NULL) {
        pt_log_result_t r;
        memset(&r, 0, sizeof r);
        r.param_index = jb->map;
        r.fold = jb->fold;
        r.params = &s->maps[jb->map];
        r.metric = jb->metric;
        r.status = (char *)status;
        r.error = ok ? NULL : (char *)reason;
        r.worker = (int32_t)w->pid;
        r.attempt = jb->attempts;
        r.started = w->started - s->t0;
        r.finished = now;
        r.fit_seconds = fit_s;
        r.eval_seconds = eval_s;
        r.not_converged = not_converged;
        r.run = s->run;
        if (pt_log_append_result(s->log, &r, err) != 0)
            return -EIO;
    }
    if (!ok && !s->o->quiet) {
        progress_clear(s);
        fprintf(stderr, "paratune: job (param map %d, fold %d) %s: %s\n", jb->map, jb->fold,
                status, reason);
    }
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
    m.kind = jb->map < 0 ? PT_JOB_STATS : jb->fold < 0 ? PT_JOB_REFIT : PT_JOB_FIT;
    m.job_id = j;
    m.param_index = jb->map;
    m.fold = jb->fold;
    m.attempt = jb->attempts + 1;
    if (jb->map >= 0) { /* a stats job (map -1) needs neither stages nor params */
        m.nstages = pt_spec_nstages(s->spec);
        m.stages = calloc(m.nstages, sizeof *m.stages);
        if (m.stages == NULL)
            return -ENOMEM;
        for (size_t i = 0; i < m.nstages; i++)
            m.stages[i] = (char *)pt_spec_stage(s->spec, i);
        m.params = s->full[jb->map];
    }
    if ((size_t)j == s->njobs) {
        /* The refit runs alone: it may use the CPUs of every slot (parallelism x
         * threads-per-job threads), on those CPUs when the workers are pinned. */
        long want = s->o->parallelism * s->o->threads;
        int n = want < s->o->ncpus ? (int)want : s->o->ncpus;
        m.threads = (int32_t)(want < s->o->nusable ? want : s->o->nusable);
        if (pt_opts_pinned(s->o) && n > 0 && (m.cpus = calloc((size_t)n, sizeof *m.cpus)) != NULL) {
            for (int i = 0; i < n; i++)
                m.cpus[i] = s->o->cpus[i];
            m.ncpus = (size_t)n;
            m.threads = n;
        }
    }
    msgpack_sbuffer_init(&sb);
    w->started = pt_now(); /* before the send: the job is outstanding from here */
    if (pt_msg_encode(&m, &sb) != 0)
        rc = -ENOMEM;
    else if (zmq_send(s->router, w->id, w->idlen, ZMQ_SNDMORE) < 0 ||
             zmq_send(s->router, sb.data, sb.size, 0) < 0)
        rc = -EHOSTUNREACH;
    msgpack_sbuffer_destroy(&sb);
    free(m.stages);
    free(m.cpus);
    if (rc == 0) {
        jb->state = J_RUNNING;
        jb->attempts++;
        w->state = W_BUSY;
        w->job = j;
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
            pt_sweep_queue(s, j, 1); /* the worker is gone; it will be reaped */
    }
}

/* Reaps every child that exited; retries or fails its job; respawns when work remains. */
static int reap(sweep_t *s, char *err)
{
    int st;
    pid_t pid;
    got_chld = 0;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        slot_t *w = slot_by_pid(s, pid);
        char why[256];
        int was_starting;
        if (w == NULL) {
            if (pid == s->janitor)
                s->janitor = -1;
            continue;
        }
        if (w->kill_reason[0] != '\0')
            snprintf(why, sizeof why, "%s", w->kill_reason);
        else if (WIFSIGNALED(st))
            snprintf(why, sizeof why, "worker %ld killed by signal %d (SIG%s)", (long)pid,
                     WTERMSIG(st), pt_signame(WTERMSIG(st)));
        else
            snprintf(why, sizeof why, "worker %ld exited with code %d", (long)pid,
                     WEXITSTATUS(st));
        was_starting = w->state == W_STARTING;
        if (w->state == W_BUSY) {
            long j = w->job;
            if (w->timed_out) {
                if (finish_job(s, j, w, "timeout", NAN, 0, 0, 0, why, err) != 0)
                    return -EIO;
            } else if (s->jobs[j].attempts <= s->o->max_retries && !got_stop) {
                s->running--;
                s->jobs[j].state = J_PENDING;
                pt_sweep_queue(s, j, 1);
                if (!s->o->quiet) {
                    progress_clear(s);
                    fprintf(stderr, "paratune: %s during param map %d fold %d; retrying "
                            "(attempt %d of %ld)\n", why, s->jobs[j].map, s->jobs[j].fold,
                            s->jobs[j].attempts + 1, s->o->max_retries + 1);
                }
            } else if (got_stop) {
                s->running--; /* not a failure of the job: stopped; left for --resume */
                s->jobs[j].state = J_PENDING;
            } else {
                if (finish_job(s, j, w, "failed", NAN, 0, 0, 0, why, err) != 0)
                    return -EIO;
            }
        }
        w->state = W_FREE;
        if (was_starting) {
            s->start_failures++;
            if (!s->o->quiet) {
                progress_clear(s);
                fprintf(stderr, "paratune: a worker failed to start: %s\n", why);
            }
            /* Exit code 2 is a fatal setup error: the same spawn would fail the same way. */
            if (WIFEXITED(st) && WEXITSTATUS(st) == 2)
                s->fatal_start = 1;
        }
    }
    return 0;
}

/* Starts workers into free slots while there is more work than live workers, unless
 * workers cannot start (a fatal setup error, or too many deaths before HELLO). */
static int top_up(sweep_t *s, char *err)
{
    size_t want = s->qlen + s->running, live = live_workers(s);
    if (got_stop || s->fatal_start || s->start_failures > MAX_START_FAILURES)
        return 0;
    for (size_t i = 0; i < s->nslots && live < want; i++)
        if (s->slots[i].state == W_FREE) {
            if (spawn_slot(s, &s->slots[i], err) != 0)
                return -ECHILD;
            live++;
        }
    return 0;
}

static void kill_slot(slot_t *w, const char *reason)
{
    snprintf(w->kill_reason, sizeof w->kill_reason, "%s", reason);
    kill(w->pid, SIGKILL);
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
    memset(&m, 0, sizeof m);
    if (zmq_msg_recv(&idf, s->router, 0) < 0) { /* waits up to ZMQ_RCVTIMEO */
        rc = 1; /* EAGAIN (nothing came) or EINTR (a signal: the loop looks at its flag) */
        goto out;
    }
    if (!zmq_msg_more(&idf) || zmq_msg_recv(&body, s->router, 0) < 0)
        goto out;
    if (pt_msg_decode(zmq_msg_data(&body), zmq_msg_size(&body), &m, derr) != 0) {
        /* A worker that sends garbage cannot be trusted with its job: kill it, and the
         * reaper retries the job on a fresh worker. */
        w = slot_by_id(s, zmq_msg_data(&idf), zmq_msg_size(&idf));
        if (w != NULL) {
            char why[200];
            snprintf(why, sizeof why, "worker %ld sent a broken message: %.120s", (long)w->pid,
                     derr);
            kill_slot(w, why);
        }
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
        if (w != NULL && w->state == W_BUSY && w->job == m.job_id && w->kill_reason[0] == 0) {
            long j = w->job;
            w->state = W_IDLE;
            w->job = -1;
            if (m.type == PT_MSG_RESULT && (size_t)j == s->njobs) {
                free(s->model);
                s->model = m.model;
                s->model_len = m.model_len;
                m.model = NULL;
            }
            if (m.type == PT_MSG_RESULT)
                rc = finish_job(s, j, w, "ok", m.metric, m.fit_seconds, m.eval_seconds,
                                m.not_converged, NULL, err);
            else
                rc = finish_job(s, j, w, "failed", NAN, 0, 0, 0,
                                m.error ? m.error : "fit failed", err);
        }
    }
out:
    pt_msg_clear(&m);
    zmq_msg_close(&idf);
    zmq_msg_close(&body);
    return rc;
}

static void check_timeouts(sweep_t *s)
{
    double now = pt_now();
    if (s->o->job_timeout <= 0)
        return;
    for (size_t i = 0; i < s->nslots; i++) {
        slot_t *w = &s->slots[i];
        if (w->state == W_BUSY && !w->timed_out && now - w->started > s->o->job_timeout) {
            char why[160];
            snprintf(why, sizeof why, "timed out after %g s (--job-timeout); worker %ld killed",
                     s->o->job_timeout, (long)w->pid);
            w->timed_out = 1;
            kill_slot(w, why);
        }
    }
}

int pt_sweep_run(sweep_t *s, char *err)
{
    double stop_at = 0, last_sync = pt_now();
    int rc = 0;
    for (;;) {
        int n;
        if (got_chld && reap(s, err) != 0) {
            rc = -EIO;
            break;
        }
        if (got_stop) {
            if (stop_at == 0) {
                stop_at = pt_now();
                if (!s->o->quiet && s->running > 0) {
                    progress_clear(s);
                    fprintf(stderr, "paratune: SIG%s: no new jobs; waiting up to %.0f s for "
                            "%zu running (signal again to stop now)\n", pt_signame(got_stop),
                            GRACE_SECONDS, s->running);
                }
            }
            if (s->running == 0 || stop_count > 1 || pt_now() - stop_at > GRACE_SECONDS) {
                rc = got_stop;
                break;
            }
        }
        if (s->qlen == 0 && s->running == 0)
            break;
        if (top_up(s, err) != 0) {
            rc = -ECHILD;
            break;
        }
        if (live_workers(s) == 0 && s->qlen > 0) {
            pt_seterr(err, "no worker could start (%d start-up failures; see above)",
                      s->start_failures);
            rc = -ECHILD;
            break;
        }
        dispatch(s);
        check_timeouts(s);
        progress(s, 0);
        /* One message per turn, received with a blocking call that gives up after
         * RECV_TIMEOUT_MS (or at a signal): a worker that answers gets its next job at once,
         * and the wait costs fewer system calls than zmq_poll followed by receives. */
        if ((n = handle_message(s, err)) < 0) {
            rc = n;
            break;
        }
        /* Group commit: every record was written at once (a killed coordinator loses none);
         * the disk flush is shared by all the records of the last SYNC_SECONDS. */
        if (pt_now() - last_sync >= SYNC_SECONDS) {
            if (pt_log_sync(s->log, err) != 0) {
                rc = -EIO;
                break;
            }
            last_sync = pt_now();
        }
    }
    progress(s, 1);
    if (rc >= 0 && pt_log_sync(s->log, err) != 0)
        rc = -EIO;
    return rc;
}

/* ---------------------------------------------------------------- start and stop */

/* The janitor: a child forked before any ZeroMQ state exists that waits for the coordinator
 * to close its pipe (or die, which closes it) and then removes the socket directory, so a
 * coordinator killed with SIGKILL leaves nothing behind. */
static int start_janitor(sweep_t *s, char *err)
{
    int p[2];
    pid_t pid;
    if (pipe2(p, O_CLOEXEC) != 0) {
        pt_seterr(err, "pipe: %s", strerror(errno));
        return -errno;
    }
    pid = fork();
    if (pid < 0) {
        pt_seterr(err, "fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return -EAGAIN;
    }
    if (pid == 0) {
        char c, sock[320];
        struct sigaction ign;
        memset(&ign, 0, sizeof ign);
        ign.sa_handler = SIG_IGN;
        sigaction(SIGINT, &ign, NULL);
        sigaction(SIGTERM, &ign, NULL);
        sigaction(SIGHUP, &ign, NULL);
        setpgid(0, 0);
        for (int fd = 0; fd < 1024; fd++)
            if (fd != p[0] && fd != 2)
                close(fd);
        while (read(p[0], &c, 1) < 0 && errno == EINTR)
            ;
        snprintf(sock, sizeof sock, "%s/ctl", s->sockdir);
        unlink(sock);
        rmdir(s->sockdir);
        _exit(0);
    }
    close(p[0]);
    s->janitor = pid;
    s->janitor_fd = p[1];
    return 0;
}

/* The workers' environment: ours with OPENBLAS_NUM_THREADS set to --threads-per-job, so
 * OpenBLAS starts no idle helper threads (they spin for tens of ms in every process). */
static int make_env(sweep_t *s)
{
    extern char **environ;
    size_t n = 0, k = 0;
    for (char **e = environ; *e != NULL; e++)
        n++;
    s->envp = calloc(n + 2, sizeof *s->envp);
    if (s->envp == NULL)
        return -ENOMEM;
    snprintf(s->blas_env, sizeof s->blas_env, "OPENBLAS_NUM_THREADS=%ld", s->o->threads);
    for (char **e = environ; *e != NULL; e++)
        if (strncmp(*e, "OPENBLAS_NUM_THREADS=", 21) != 0)
            s->envp[k++] = *e;
    s->envp[k++] = s->blas_env;
    s->envp[k] = NULL;
    return 0;
}

int pt_sweep_start(sweep_t *s, char *err)
{
    const char *tmpdir = getenv("TMPDIR");
    size_t want;

    if (tmpdir == NULL || *tmpdir == '\0')
        tmpdir = "/tmp";
    snprintf(s->sockdir, sizeof s->sockdir, "%s/paratune-XXXXXX", tmpdir);
    if (mkdtemp(s->sockdir) == NULL) {
        pt_seterr(err, "cannot create a socket directory in %s: %s", tmpdir, strerror(errno));
        s->sockdir[0] = '\0';
        return -EIO;
    }
    snprintf(s->endpoint, sizeof s->endpoint, "ipc://%s/ctl", s->sockdir);
    if (s->envp == NULL && make_env(s) != 0) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    if (pt_opts_pinned(s->o)) {
        /* before the janitor and ZeroMQ's I/O thread start, so they run here too */
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(s->o->cpus[0], &one);
        sched_setaffinity(0, sizeof one, &one);
    }
    if (start_janitor(s, err) != 0)
        return -EIO;
    install_signals();
    s->progress_tty = isatty(STDERR_FILENO);
    s->ctx = zmq_ctx_new();
    s->router = s->ctx ? zmq_socket(s->ctx, ZMQ_ROUTER) : NULL;
    if (s->router == NULL) {
        pt_seterr(err, "zmq: %s", zmq_strerror(errno));
        return -EIO;
    }
    {
        int one = 1, zero = 0, recv_ms = RECV_TIMEOUT_MS;
        zmq_setsockopt(s->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
        zmq_setsockopt(s->router, ZMQ_LINGER, &zero, sizeof zero);
        zmq_setsockopt(s->router, ZMQ_RCVTIMEO, &recv_ms, sizeof recv_ms);
    }
    if (zmq_bind(s->router, s->endpoint) != 0) {
        pt_seterr(err, "zmq_bind %s: %s", s->endpoint, zmq_strerror(errno));
        return -EIO;
    }
    want = s->start_workers > 0 ? s->start_workers : s->qlen;
    if (want > (size_t)s->o->parallelism)
        want = (size_t)s->o->parallelism;
    if (want == 0)
        want = 1;
    if (s->slots == NULL) {
        s->nslots = (size_t)s->o->parallelism;
        s->slots = calloc(s->nslots, sizeof *s->slots);
        if (s->slots == NULL) {
            pt_seterr(err, "out of memory");
            return -ENOMEM;
        }
    }
    s->t0 = pt_now();
    s->last_progress = s->t0; /* the first plain progress line comes after a few seconds */
    for (size_t i = 0; i < want; i++)
        if (spawn_slot(s, &s->slots[i], err) != 0)
            return -ECHILD;
    return 0;
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
    until = pt_now() + STOP_SECONDS;
    while (live_workers(s) > 0) {
        int st;
        pid_t pid = waitpid(-1, &st, WNOHANG);
        if (pid > 0) {
            slot_t *w = slot_by_pid(s, pid);
            if (w != NULL)
                w->state = W_FREE;
            else if (pid == s->janitor)
                s->janitor = -1;
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
        usleep(1000);
    }
}

void pt_sweep_shutdown(sweep_t *s)
{
    if (s->slots != NULL)
        stop_workers(s);
    if (s->router != NULL)
        zmq_close(s->router);
    s->router = NULL;
    if (s->ctx != NULL)
        zmq_ctx_term(s->ctx);
    s->ctx = NULL;
    if (s->sockdir[0] != '\0') {
        char path[320];
        snprintf(path, sizeof path, "%s/ctl", s->sockdir);
        unlink(path);
        rmdir(s->sockdir);
        s->sockdir[0] = '\0';
    }
    if (s->janitor_fd >= 0)
        close(s->janitor_fd);
    s->janitor_fd = -1;
    free(s->envp);
    s->envp = NULL;
    if (s->janitor > 0) {
        while (waitpid(s->janitor, NULL, 0) < 0 && errno == EINTR)
            ;
        s->janitor = -1;
    }
}

/* 1 after SIGINT/SIGTERM. */
int pt_sweep_stopping(void)
{
    return got_stop != 0;
}
