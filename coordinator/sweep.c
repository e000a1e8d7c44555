/* sweep.c - the coordinator's event loop over ZeroMQ (see sweep.h). */
#include "sweep.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "agents.h"
#include "peers.h"
#include "procs.h"
#include "pt_common.h"
#include "pt_follow.h"
#include "pt_msg.h"
#include "report.h"

#define GRACE_SECONDS 5.0      /* running jobs may finish after the first SIGINT/SIGTERM */
#define STOP_SECONDS 2.0       /* a worker told to STOP gets this long before SIGKILL */
#define SYNC_SECONDS 0.05      /* the log is fdatasync'd at least this often while results come */
#define RECV_TIMEOUT_MS 100    /* the loop looks at timeouts, signals and progress this often */
#define LOST_GRACE 0.5         /* a closed connection's worker is killed after this long, unless
                                * it is reaped first: a crash is then reported as a crash */
#define HEARTBEAT_MISSES 3     /* a connection silent this many heartbeats is closed */
#define CHECK_SECONDS 0.002    /* the timeouts and closed connections are looked at this often
                                * (each look at the socket monitor is a system call) */
#define SPIN_SECONDS 100e-6    /* unpinned, without a following I/O thread: the loop polls
                                * this long for an answer before it blocks, while answers come
                                * densely (see recv_first) */

struct pt_sweep {
    pt_sweep_config_t cfg;
    pt_sched_t *sched;             /* cfg.sched */
    pt_procs_t *procs;
    pt_peers_t *peers;             /* worker secrets, the ZAP handler, closed connections */
    long refused_noted;            /* refused connections reported so far */
    pt_report_t rep;
    const pt_msg_t *answer;        /* the answer finish_job records (its other metrics) */
    void *ctx, *router;
    char sockdir[256], endpoint[300];
    char **envp;                   /* the workers' environment (pointers into environ) */
    char blas_env[48];
    char *argv[40];                /* the workers' command line, pointing into arg */
    char arg[9][32];
    int keep[3];
    size_t finished, failed, not_converged; /* fits finished in this run */
    long long iterations;   /* solver iterations the fit jobs reported */
    size_t shared_jobs, shared_fits; /* fit jobs that stood for other maps; the fits they ran */
    double t0;
    double first_sent;             /* when the first job was sent (since t0), or 0 */
    double stats_from, stats_to;   /* the first stats job sent, the last one done (since t0) */
    size_t stats_done;             /* stats jobs finished */
    unsigned char *model;          /* the refit's fitted pipeline, msgpack */
    size_t model_len;
    char refit_error[PT_ERRLEN];
    pt_agents_t *agents;           /* --listen: the node agents; else NULL */
    const char *node;              /* the node of the answer finish_job records (NULL: here) */
    unsigned char **setup;         /* --listen: the stats and bins jobs, encoded */
    size_t *setup_len, nsetup;
    char *wargs;                   /* --listen: the workers' arguments, NUL-separated */
    size_t wargs_len;
    int argtail[2];                /* argv[argtail[0] .. argtail[1]-1]: those arguments */
    double budget_at;              /* when the time budget stopped the fits; 0: not yet */
    int budget_killed;             /* the fits still running GRACE_SECONDS later were killed */
    int dense;                     /* the last answer came within SPIN_SECONDS of the wait */
    double checked_at;             /* check_timeouts last looked (pt_now) */
    pt_follow_t follow;            /* unpinned: its ZeroMQ I/O thread kept on this thread's
                                    * CPU (pt_follow.h) */
};

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

/* ---------------------------------------------------------------- jobs */

/* --race: the maps the rule prunes after a new result lose their queued fit jobs (the
 * running ones finish and are logged; the map stays pruned). */
static void race(pt_sweep_t *s)
{
    size_t m;
    while ((m = pt_race_next_pruned(s->cfg.race, s->cfg.results)) != (size_t)-1) {
        size_t n = pt_sched_drop_map(s->sched, m);
        pt_report_note(&s->rep, "race: param map %zu pruned (lost to map %ld); %zu fits not "
                       "run", m, pt_race_leader(s->cfg.race), n);
    }
}

/* --search halving: once a rung's jobs are all finished, its best maps' jobs on the next
 * rung are queued. 0 or -ENOMEM. */
static int halving(pt_sweep_t *s)
{
    size_t before = pt_halving_rung(s->cfg.halving);
    long n = pt_halving_advance(s->cfg.halving, s->cfg.results, s->sched);
    size_t r = pt_halving_rung(s->cfg.halving);
    if (n < 0)
        return -ENOMEM;
    if (r != before)
        pt_report_note(&s->rep, "halving: rung %zu: %zu param map%s on %lld (%zu fits)", r,
                       pt_halving_get_plan(s->cfg.halving)->candidates[r],
                       pt_halving_get_plan(s->cfg.halving)->candidates[r] == 1 ? "" : "s",
                       pt_halving_get_plan(s->cfg.halving)->resources[r], (size_t)n);
    return 0;
}

/* A result record's map for rung map `map`: the param map's index, and with --search halving
 * its rung and the rung's resource. */
static void result_map(const pt_sweep_t *s, int32_t map, pt_log_result_t *r)
{
    size_t nc;
    r->param_index = map;
    if (s->cfg.halving == NULL)
        return;
    nc = pt_halving_ncand(s->cfg.halving);
    r->param_index = (int32_t)((size_t)map % nc);
    r->rung = (int32_t)((size_t)map / nc);
    r->resource = pt_halving_get_plan(s->cfg.halving)->resources[r->rung];
}

/* --metric a,b,c: every metric of result r (metric, the refit one, and the answer's others)
 * in --metric's order into vals (r->metrics points there); an answer short of them leaves
 * NaN. */
static void all_metrics(const pt_sweep_t *s, double metric, pt_log_result_t *r, double *vals)
{
    size_t j = 0, n = s->cfg.nmetrics < 64 ? s->cfg.nmetrics : 64;
    for (size_t i = 0; i < n; i++)
        if (i == s->cfg.refit_pos)
            vals[i] = metric;
        else
            vals[i] = j < s->answer->nmetrics ? s->answer->metrics[j++] : NAN;
    r->metric_names = s->cfg.metric_names;
    r->metrics = vals;
    r->nmetrics = n;
}

/* Records the end of job id: a result, or a failure ("failed", "timeout") with reason. pid and
 * started: the worker that ran it and when the job was sent. */
static int finish_job(pt_sweep_t *s, long id, pid_t pid, double started, const char *status,
                      double metric, double fit_s, double eval_s, int not_converged,
                      const char *reason, char *err)
{
    const pt_sched_job_t *jb = pt_sched_job(s->sched, id);
    int ok = strcmp(status, "ok") == 0;
    double now = pt_now() - s->t0;
    double vals[64];

    pt_sched_finish(s->sched, id, ok);
    if (jb->kind == PT_JOB_STATS) { /* its moments are in the shared segment */
        s->stats_to = now;
        s->stats_done++;
        return 0;
    }
    if (jb->kind == PT_JOB_BINS) { /* its codes are in the shared segment */
        if (!ok) /* the fits on that fold code their rows themselves */
            pt_report_note(&s->rep, "bins job (fold %d) %s: %s", jb->fold, status, reason);
        return 0;
    }
    if (jb->kind == PT_JOB_REFIT || jb->kind == PT_JOB_OOF) {
        if (!ok)
            snprintf(s->refit_error, sizeof s->refit_error, "%s", reason);
        return 0;
    }
    s->finished++;
    pt_results_set(s->cfg.results, (size_t)jb->map, (size_t)jb->fold,
                   ok ? PT_FOLD_OK : PT_FOLD_FAILED, metric);
    if (!ok)
        s->failed++;
    if (not_converged)
        s->not_converged++;
    if (s->cfg.log != NULL) {
        pt_log_result_t r;
        memset(&r, 0, sizeof r);
        result_map(s, jb->map, &r);
        r.fold = jb->fold;
        r.params = (pt_paramlist_t *)&s->cfg.maps[jb->map];
        r.metric = ok ? metric : NAN;
        r.status = (char *)status;
        r.error = ok ? NULL : (char *)reason;
        r.worker = (int32_t)pid;
        r.attempt = jb->attempts;
        r.started = started - s->t0;
        r.finished = now;
        r.fit_seconds = fit_s;
        r.eval_seconds = eval_s;
        r.not_converged = not_converged;
        r.run = s->cfg.run;
        r.node = (char *)s->node;
        if (ok && s->cfg.nmetrics > 1 && s->answer != NULL && s->answer->type == PT_MSG_RESULT)
            all_metrics(s, metric, &r, vals);
        if (pt_log_append_result(s->cfg.log, &r, err) != 0)
            return -EIO;
    }
    if (!ok) {
        pt_log_result_t shown = {0}; /* with --search halving: the map and its rung */
        char rung[32] = "";
        result_map(s, jb->map, &shown);
        if (shown.resource > 0)
            snprintf(rung, sizeof rung, ", rung %d", (int)shown.rung);
        pt_report_note(&s->rep, "job (param map %d%s, fold %d) %s: %s", shown.param_index,
                       rung, jb->fold, status, reason);
    }
    if (ok && s->cfg.race != NULL)
        race(s);
    if (s->cfg.halving != NULL && halving(s) != 0) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    return 0;
}

/* The refit runs alone: it may use the CPUs of every slot (parallelism x threads-per-job
 * threads), on those CPUs when the workers are pinned. A tree sweep's last fit jobs (fewer
 * left than slots: parallelism / left of them each) get the same treatment, so that the
 * cores of the slots left idle work on them. */
static void refit_threads(const pt_sweep_config_t *c, pt_msg_t *m, long share)
{
    long want = c->parallelism * c->threads / (share > 0 ? share : 1);
    int n = want < c->ncpus ? (int)want : c->ncpus;
    m->threads = (int32_t)(want < c->nusable ? want : c->nusable);
    if (c->cpus != NULL && n > 0 && (m->cpus = calloc((size_t)n, sizeof *m->cpus)) != NULL) {
        for (int i = 0; i < n; i++)
            m->cpus[i] = c->cpus[i];
        m->ncpus = (size_t)n;
        m->threads = n;
    }
}

/* A fit job's sharing: the fit jobs it also runs (pt_sched_cover) as (map, value) pairs in
 * m, value the predictor's prefix_param (numTrees of a forest, maxIter of boosting); or, for
 * a regularization path (a predictor with a path_param and no prefix), (map, 0) pairs and
 * each map's path_param value (regParam) in m->path. 0 or -ENOMEM. */
static int shared_pairs(pt_sweep_t *s, long id, pt_msg_t *m)
{
    size_t nmaps = pt_spec_nmaps(s->cfg.spec), n;
    const pt_stage_def_t *last;
    const char *param;
    long *cov;
    char key[128];
    int path;
    if (!pt_sched_sharing(s->sched))
        return 0;
    last = pt_stage_lookup(pt_spec_stage(s->cfg.spec, pt_spec_nstages(s->cfg.spec) - 1));
    path = last != NULL && last->prefix_param == NULL && last->path_param != NULL;
    param = last == NULL ? "" : path ? last->path_param
                              : last->prefix_param != NULL ? last->prefix_param : "";
    cov = malloc((nmaps ? nmaps : 1) * sizeof *cov);
    m->shared = malloc(2 * nmaps * sizeof *m->shared + 1);
    m->path = path ? malloc(nmaps * sizeof *m->path + 1) : NULL;
    if (cov == NULL || m->shared == NULL || (path && m->path == NULL)) {
        free(cov);
        return -ENOMEM;
    }
    snprintf(key, sizeof key, "%s.%s", last != NULL ? last->name : "", param);
    n = pt_sched_cover(s->sched, id, cov);
    for (size_t i = 0; i < n; i++) {
        const pt_sched_job_t *c = pt_sched_job(s->sched, cov[i]);
        const pt_value_t *v = pt_paramlist_get(&s->cfg.full[c->map], key);
        m->shared[2 * i] = c->map;
        m->shared[2 * i + 1] = v != NULL && !path ? (int32_t)v->num : 0;
        if (path)
            m->path[i] = v != NULL ? v->num : 0.0;
    }
    m->nshared = n;
    free(cov);
    return 0;
}

/* Job id's message (the job of pt_msg.h) into sb. 0 or -ENOMEM. */
static int encode_job(pt_sweep_t *s, long id, msgpack_sbuffer *sb)
{
    const pt_sched_job_t *jb = pt_sched_job(s->sched, id);
    pt_msg_t m;
    int rc = 0;

    memset(&m, 0, sizeof m);
    m.type = PT_MSG_JOB;
    m.kind = jb->kind;
    m.job_id = id;
    m.param_index = jb->map;
    m.fold = jb->fold;
    m.attempt = jb->attempts;
    if (jb->kind != PT_JOB_STATS) { /* a stats job needs neither stages nor params */
        m.nstages = pt_spec_nstages(s->cfg.spec);
        m.stages = calloc(m.nstages, sizeof *m.stages);
        if (m.stages == NULL)
            return -ENOMEM;
        for (size_t i = 0; i < m.nstages; i++)
            m.stages[i] = (char *)pt_spec_stage(s->cfg.spec, i);
        m.params = s->cfg.full[jb->map];
    }
    if (jb->kind == PT_JOB_REFIT || jb->kind == PT_JOB_OOF) /* each runs alone */
        refit_threads(&s->cfg, &m, 1);
    else if (jb->kind == PT_JOB_FIT && s->cfg.tree_threads &&
             (long)pt_sched_queued(s->sched) + 1 < s->cfg.parallelism)
        refit_threads(&s->cfg, &m, (long)pt_sched_queued(s->sched) + 1);
    if (jb->kind == PT_JOB_FIT && s->cfg.halving != NULL) /* its rung's rows (borrowed) */
        m.prefix = (int32_t *)pt_halving_prefix(s->cfg.halving, (size_t)jb->map /
                                                pt_halving_ncand(s->cfg.halving), &m.nprefix);
    if (jb->kind == PT_JOB_FIT && shared_pairs(s, id, &m) != 0) {
        free(m.stages);
        free(m.shared);
        free(m.path);
        return -ENOMEM;
    }
    if (pt_msg_encode(&m, sb) != 0)
        rc = -ENOMEM;
    free(m.stages);
    free(m.cpus);
    free(m.shared);
    free(m.path);
    return rc;
}

static int send_job(pt_sweep_t *s, pt_slot_t *w, long id)
{
    msgpack_sbuffer sb;
    int rc;

    msgpack_sbuffer_init(&sb);
    w->started = pt_now(); /* before the send: the job is outstanding from here */
    if (s->first_sent == 0)
        s->first_sent = w->started - s->t0;
    if (pt_sched_job(s->sched, id)->kind == PT_JOB_STATS && s->stats_from == 0)
        s->stats_from = w->started - s->t0;
    rc = encode_job(s, id, &sb);
    if (rc == 0 && (zmq_send(s->router, w->id, w->idlen, ZMQ_SNDMORE) < 0 ||
                    zmq_send(s->router, sb.data, sb.size, 0) < 0))
        rc = -EHOSTUNREACH;
    msgpack_sbuffer_destroy(&sb);
    if (rc == 0) {
        w->state = W_BUSY;
        w->job = id;
    }
    return rc;
}

static void dispatch(pt_sweep_t *s)
{
    if (got_stop)
        return;
    for (size_t i = 0; i < pt_procs_nslots(s->procs); i++) {
        pt_slot_t *w = pt_procs_slot(s->procs, i);
        long id;
        int rc;
        if (w->state != W_IDLE || w->kill_reason[0] != '\0')
            continue;
        if ((id = pt_sched_next(s->sched)) < 0)
            break;
        if ((rc = send_job(s, w, id)) != 0) {
            pt_sched_unsend(s->sched, id); /* the worker is gone; it will be reaped */
            if (rc == -EHOSTUNREACH) { /* its connection is: a live process must go too */
                char why[96];
                snprintf(why, sizeof why, "worker %ld lost its connection; killed", (long)w->pid);
                pt_procs_kill(w, why);
            }
        }
    }
}

/* A worker died: its job is retried, dropped (stopping) or failed. */
static int on_death(pt_sweep_t *s, const pt_death_t *d, char *err)
{
    if (s->peers != NULL) /* its secret, if unused, and its connection die too */
        pt_peers_disarm(s->peers, d->slot);
    if (d->job >= 0) {
        const pt_sched_job_t *jb = pt_sched_job(s->sched, d->job);
        /* a fit stopped by the time budget is left for --resume, like one stopped by a
         * signal */
        int stopping = got_stop != 0 || (s->budget_at > 0 && jb->kind == PT_JOB_FIT);
        switch (pt_sched_lost(s->sched, d->job, stopping, d->timed_out)) {
        case PT_LOST_RETRY:
            pt_report_note(&s->rep, "%s during param map %d fold %d; retrying (attempt %d of "
                           "%ld)", d->why, jb->map, jb->fold, jb->attempts + 1,
                           s->cfg.max_retries + 1);
            break;
        case PT_LOST_DROPPED: /* not a failure of the job: stopped; left for --resume */
            break;
        case PT_LOST_FAILED:
            if (finish_job(s, d->job, d->pid, d->started, d->timed_out ? "timeout" : "failed",
                           NAN, 0, 0, 0, d->why, err) != 0)
                return -EIO;
            break;
        }
    }
    if (d->was_starting)
        pt_report_note(&s->rep, "a worker failed to start: %s", d->why);
    return 0;
}

/* The fit jobs that job id ran for (numTrees sharing), finished with it: metric i of its
 * answer m for the i-th, or its failure. 0 or -EIO. */
static int finish_covered(pt_sweep_t *s, long id, pid_t pid, double started, const pt_msg_t *m,
                          char *err)
{
    size_t nmaps = pt_spec_nmaps(s->cfg.spec), n;
    long *cov;
    int rc = 0;
    if (!pt_sched_sharing(s->sched))
        return 0;
    if ((cov = malloc((nmaps ? nmaps : 1) * sizeof *cov)) == NULL)
        return 0; /* they stay running; the sweep reports them missing */
    n = pt_sched_covered_by(s->sched, id, cov);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int ok = m->type == PT_MSG_RESULT && i < m->nshared;
        rc = finish_job(s, cov[i], pid, started, ok ? "ok" : "failed",
                        ok ? m->shared_metrics[i] : NAN, ok ? m->fit_seconds : 0,
                        ok ? m->eval_seconds : 0, ok && m->shared_nc != NULL && m->shared_nc[i],
                        ok ? NULL : m->error ? m->error : "no metric for a shared map", err);
    }
    free(cov);
    return rc;
}

/* A job's answer from worker w. */
static int on_answer(pt_sweep_t *s, pt_slot_t *w, pt_msg_t *m, char *err)
{
    long id = w->job;
    int rc;
    w->state = W_IDLE;
    w->job = -1;
    if (finish_covered(s, id, w->pid, w->started, m, err) != 0)
        return -EIO;
    if (m->type == PT_MSG_RESULT && pt_sched_job(s->sched, id)->kind == PT_JOB_FIT) {
        s->iterations += m->iterations;
        if (m->nshared > 0) {
            s->shared_jobs++;
            s->shared_fits += m->nshared + 1;
        }
    }
    if (m->type == PT_MSG_ERROR)
        return finish_job(s, id, w->pid, w->started, "failed", NAN, 0, 0, 0,
                          m->error ? m->error : "fit failed", err);
    if (pt_sched_job(s->sched, id)->kind == PT_JOB_REFIT ||
        pt_sched_job(s->sched, id)->kind == PT_JOB_OOF) {
        free(s->model);
        s->model = m->model;
        s->model_len = m->model_len;
        m->model = NULL;
    }
    s->answer = m;
    rc = finish_job(s, id, w->pid, w->started, "ok", m->metric, m->fit_seconds,
                    m->eval_seconds, m->not_converged, NULL, err);
    s->answer = NULL;
    return rc;
}

static size_t slot_of(pt_sweep_t *s, const pt_slot_t *w)
{
    return (size_t)(w - pt_procs_slot(s->procs, 0));
}

/* Whether answer m names the job w holds: its id, map and fold. */
static int is_its_job(pt_sweep_t *s, const pt_slot_t *w, const pt_msg_t *m)
{
    const pt_sched_job_t *jb;
    if (w->job != m->job_id)
        return 0;
    jb = pt_sched_job(s->sched, w->job);
    return m->param_index == jb->map && m->fold == jb->fold;
}

/* Closed connections, as the socket monitor reports them: each worker that had said HELLO on
 * one is marked lost (and killed by check_timeouts after LOST_GRACE). Reading the events
 * before a HELLO binds a connection's descriptor keeps them in order: a descriptor closed
 * and then reused by a new connection was reported closed before that connection could say
 * anything (one ZeroMQ I/O thread does both). */
static void drain_lost(pt_sweep_t *s)
{
    int fd;
    while ((fd = pt_peers_lost(s->peers)) >= 0)
        for (size_t i = 0; i < pt_procs_nslots(s->procs); i++) {
            pt_slot_t *w = pt_procs_slot(s->procs, i);
            if ((w->state == W_IDLE || w->state == W_BUSY) && w->fd == fd) {
                w->fd = -1;
                w->lost = pt_now();
            }
        }
    if (pt_peers_refused(s->peers) > s->refused_noted) {
        if (s->refused_noted == 0)
            pt_report_note(&s->rep, "refused a connection to the worker socket that did not "
                           "present a worker's secret (further refusals are not reported)");
        s->refused_noted = pt_peers_refused(s->peers);
    }
}

/* Whether the process at the other end of the connection that sent body is pid, as the
 * kernel saw it connect (SO_PEERCRED: an ipc connection's "Peer-Address" property ends in
 * ":UID:GID:PID"). A property without a pid (no such credentials) is not evidence against.
 * The ZAP handler checked it already; this keeps the rule where the slot is bound. */
static int peer_is(zmq_msg_t *body, pid_t pid)
{
    const char *a = zmq_msg_gets(body, "Peer-Address");
    pid_t v = a != NULL ? pt_peers_pid_of(a, strlen(a)) : 0;
    return v == 0 || v == pid;
}

/* A HELLO: the worker's connection is bound to its slot. Only a connection that presented the
 * slot's current secret (its ZAP user id, peers.h), made by the process the slot started, may
 * say it, and only for that pid; anything else is ignored. */
static void on_hello(pt_sweep_t *s, zmq_msg_t *idf, zmq_msg_t *body, const pt_msg_t *m)
{
    pt_slot_t *w = pt_procs_by_pid(s->procs, m->pid);
    if (w == NULL || w->state != W_STARTING || zmq_msg_size(idf) > sizeof w->id ||
        !pt_peers_is(s->peers, zmq_msg_gets(body, "User-Id"), slot_of(s, w)) ||
        !peer_is(body, w->pid))
        return;
    drain_lost(s);
    w->idlen = zmq_msg_size(idf);
    memcpy(w->id, zmq_msg_data(idf), w->idlen);
    w->fd = zmq_msg_get(body, ZMQ_SRCFD);
    w->state = W_IDLE;
}

/* Receives the first frame of the next message into idf: 0, or -1 (nothing came within
 * ZMQ_RCVTIMEO, or a signal). Unpinned, the ZeroMQ I/O thread is then moved to this thread's
 * CPU if the kernel moved this thread while it waited (pt_follow_step), before the loop sends
 * the next jobs: the two wake each other for every message, and a wake-up on the other CPU
 * is most of a short job's round trip (README, "Dispatch"). Where the I/O thread cannot
 * follow (not found in /proc), the loop instead polls for up to SPIN_SECONDS while answers
 * come densely (near-empty fits), so that it is not woken from the other CPU. Next to its
 * I/O thread it never polls (the I/O thread needs that CPU), nor pinned (the coordinator
 * shares its CPU with a worker). A wait that outlasts the spin turns it off until an answer
 * comes that soon again, so sweeps of longer fits pay at most one spin per answer of theirs
 * that came fast. */
static int recv_first(pt_sweep_t *s, zmq_msg_t *idf)
{
    double t = pt_now(), until = t + SPIN_SECONDS;
    if (s->dense && s->cfg.cpus == NULL && s->follow.n == 0) {
        do {
            if (zmq_msg_recv(idf, s->router, ZMQ_DONTWAIT) >= 0)
                goto got;
            if (errno != EAGAIN) { /* a signal: the loop looks at its flag */
                s->dense = 0;
                return -1;
            }
        } while (pt_now() < until);
    }
    if (zmq_msg_recv(idf, s->router, 0) < 0) { /* waits up to ZMQ_RCVTIMEO */
        s->dense = 0;
        return -1;
    }
    s->dense = pt_now() < until;
got:
    pt_follow_step(&s->follow);
    return 0;
}

static int handle_message(pt_sweep_t *s, char *err)
{
    zmq_msg_t idf, body;
    pt_msg_t m;
    char derr[PT_ERRLEN];
    int rc = 0;
    pt_slot_t *w;

    zmq_msg_init(&idf);
    zmq_msg_init(&body);
    memset(&m, 0, sizeof m);
    if (recv_first(s, &idf) != 0) {
        rc = 1; /* EAGAIN (nothing came) or EINTR (a signal: the loop looks at its flag) */
        goto out;
    }
    if (!zmq_msg_more(&idf) || zmq_msg_recv(&body, s->router, 0) < 0)
        goto out;
    if (pt_msg_decode(zmq_msg_data(&body), zmq_msg_size(&body), &m, derr) != 0) {
        /* A worker that sends garbage cannot be trusted with its job: kill it, and the
         * reaper retries the job on a fresh worker. */
        w = pt_procs_by_id(s->procs, zmq_msg_data(&idf), zmq_msg_size(&idf));
        if (w != NULL) {
            char why[200];
            snprintf(why, sizeof why, "worker %ld sent a broken message: %.120s", (long)w->pid,
                     derr);
            pt_procs_kill(w, why);
        }
        goto out;
    }
    if (m.type == PT_MSG_HELLO) {
        on_hello(s, &idf, &body, &m);
    } else if (m.type == PT_MSG_RESULT || m.type == PT_MSG_ERROR) {
        w = pt_procs_by_id(s->procs, zmq_msg_data(&idf), zmq_msg_size(&idf));
        if (w != NULL && w->state == W_BUSY && w->kill_reason[0] == 0 && is_its_job(s, w, &m) &&
            pt_peers_is(s->peers, zmq_msg_gets(&body, "User-Id"), slot_of(s, w)))
            rc = on_answer(s, w, &m, err);
    }
out:
    pt_msg_clear(&m);
    zmq_msg_close(&idf);
    zmq_msg_close(&body);
    return rc;
}

/* ---------------------------------------------------------------- --listen: agents */

/* The agents' news (joined, shipped, lost, refused) on stderr as notes. */
static void agent_notes(pt_sweep_t *s)
{
    char line[PT_ERRLEN];
    while (pt_agents_next_note(s->agents, line))
        pt_report_note(&s->rep, "%s", line);
}

/* Queued jobs to the ready agents with free slots. A stats or bins job is done at once: each
 * node ran its own before it said READY (its fits read its own segments). */
static void dispatch_remote(pt_sweep_t *s)
{
    long i, id;
    if (got_stop)
        return;
    while ((i = pt_agents_pick(s->agents)) >= 0 && (id = pt_sched_next(s->sched)) >= 0) {
        pt_job_kind_t kind = pt_sched_job(s->sched, id)->kind;
        msgpack_sbuffer sb;
        int rc;
        if (kind == PT_JOB_STATS || kind == PT_JOB_BINS) {
            pt_sched_finish(s->sched, id, 1);
            continue;
        }
        msgpack_sbuffer_init(&sb);
        rc = encode_job(s, id, &sb);
        if (rc == 0)
            rc = pt_agents_send(s->agents, i, id, sb.data, sb.size);
        msgpack_sbuffer_destroy(&sb);
        if (rc != 0)
            pt_sched_unsend(s->sched, id);
    }
}

/* Jobs lost with an agent (dropped, or its worker died): retried as after a worker crash. */
static int lost_remote(pt_sweep_t *s, char *err)
{
    char why[PT_ERRLEN];
    pt_death_t d;
    long job;
    double started;
    while (pt_agents_next_lost(s->agents, &job, &started, why)) {
        memset(&d, 0, sizeof d);
        d.job = job;
        d.started = started;
        snprintf(d.why, sizeof d.why, "%.250s", why);
        if (on_death(s, &d, err) != 0)
            return -EIO;
    }
    return 0;
}

/* An agent's answer: it counts only for a job sent to that agent (pt_agents_take) whose map
 * and fold it names; anything else is ignored. */
static int answer_remote(pt_sweep_t *s, const pt_agents_answer_t *ans, char *err)
{
    pt_msg_t m;
    pt_slot_t w;
    char derr[PT_ERRLEN];
    int rc = 0;
    memset(&m, 0, sizeof m);
    memset(&w, 0, sizeof w);
    if (pt_msg_decode(ans->body, ans->len, &m, derr) == 0 &&
        (m.type == PT_MSG_RESULT || m.type == PT_MSG_ERROR) &&
        pt_agents_take(s->agents, ans->agent, (long)m.job_id, &w.started)) {
        w.state = W_BUSY;
        w.job = (long)m.job_id;
        w.pid = ans->pid;
        if (is_its_job(s, &w, &m)) {
            s->node = pt_agents_node(s->agents, ans->agent);
            rc = on_answer(s, &w, &m, err);
            s->node = NULL;
        } else { /* the agent's worker answered for another map or fold: retry the job */
            pt_death_t d;
            memset(&d, 0, sizeof d);
            d.job = w.job;
            d.started = w.started;
            snprintf(d.why, sizeof d.why, "agent %s answered job %ld with another map or fold",
                     pt_agents_node(s->agents, ans->agent), w.job);
            rc = on_death(s, &d, err);
        }
    }
    pt_msg_clear(&m);
    return rc;
}

/* Cancels the outstanding job k of the agents (pt_agents_job_at) that started then: its agent
 * kills its worker, and it ends as a local worker's killed for that reason would (timeout:
 * recorded as such; the time budget: left for --resume). 0 or -EIO. */
static int cancel_remote(pt_sweep_t *s, long agent, long job, int timed_out, char *err)
{
    pt_death_t d;
    int rc;
    memset(&d, 0, sizeof d);
    d.job = job;
    d.timed_out = timed_out;
    if (timed_out)
        snprintf(d.why, sizeof d.why, "timed out after %g s (--job-timeout); its worker on "
                 "agent %s killed", s->cfg.job_timeout, pt_agents_node(s->agents, agent));
    else
        snprintf(d.why, sizeof d.why, "time budget spent and its grace over; its worker on "
                 "agent %s killed", pt_agents_node(s->agents, agent));
    if (!pt_agents_cancel(s->agents, agent, job, timed_out ? "--job-timeout" : "--time-budget",
                          &d.started))
        return 0;
    s->node = pt_agents_node(s->agents, agent);
    rc = on_death(s, &d, err);
    s->node = NULL;
    return rc != 0 ? -EIO : 0;
}

/* --job-timeout with agents: a job outstanding on an agent for longer (counted from when it
 * was sent to the agent) is cancelled there. 0 or -EIO. */
static int timeouts_remote(pt_sweep_t *s, char *err)
{
    long agent, job;
    double started, now = pt_now();
    for (size_t k = 0; s->cfg.job_timeout > 0 &&
                       pt_agents_job_at(s->agents, k, &agent, &job, &started);) {
        if (now - started <= s->cfg.job_timeout)
            k++;
        else if (cancel_remote(s, agent, job, 1, err) != 0) /* k is the agent's next now */
            return -EIO;
    }
    return 0;
}

/* --time-budget with agents: the fit jobs outstanding on them, counted, or (cancel) also
 * cancelled (left for --resume). */
static size_t budget_remote(pt_sweep_t *s, int cancel)
{
    long agent, job;
    double started;
    char err[PT_ERRLEN];
    size_t n = 0;
    for (size_t k = 0; s->agents != NULL &&
                       pt_agents_job_at(s->agents, k, &agent, &job, &started);) {
        if (pt_sched_job(s->sched, job)->kind != PT_JOB_FIT) {
            k++;
            continue;
        }
        n++;
        if (!cancel || cancel_remote(s, agent, job, 0, err) != 0) /* a dropped fit: no record */
            k++;
    }
    return n;
}

/* One turn's work with agents: liveness, lost jobs, the wait for a ready agent (at most
 * --start-timeout with jobs to run and none ready), dispatch. 0, or a negative errno. */
static int turn_remote(pt_sweep_t *s, size_t queued, char *err)
{
    double wait = s->cfg.start_timeout > 0 ? s->cfg.start_timeout : 60; /* never forever */
    pt_agents_check(s->agents);
    if (lost_remote(s, err) != 0 || timeouts_remote(s, err) != 0)
        return -EIO;
    agent_notes(s);
    if (queued + pt_sched_running(s->sched) > 0 && pt_agents_idle_for(s->agents) > wait) {
        pt_seterr(err, "no agent ready on %s for %g s (--start-timeout)", s->cfg.listen, wait);
        return -ETIMEDOUT;
    }
    dispatch_remote(s);
    return 0;
}

/* Kills the workers that are stalled: a job past --job-timeout, no HELLO within
 * --start-timeout, a connection lost LOST_GRACE ago (a stopped process that stopped answering
 * the heartbeats, or a closed socket). The reaper then retries their jobs. Looks at most every
 * CHECK_SECONDS, not at every message of a dense sweep. */
static void check_timeouts(pt_sweep_t *s)
{
    double now = pt_now();
    if (now - s->checked_at < CHECK_SECONDS)
        return;
    s->checked_at = now;
    drain_lost(s);
    for (size_t i = 0; i < pt_procs_nslots(s->procs); i++) {
        pt_slot_t *w = pt_procs_slot(s->procs, i);
        char why[200];
        if (w->state == W_FREE || w->kill_reason[0] != '\0')
            continue;
        if (w->state == W_STARTING && s->cfg.start_timeout > 0 &&
            now - w->spawned > s->cfg.start_timeout) {
            snprintf(why, sizeof why, "worker %ld did not connect within %g s "
                     "(--start-timeout); killed", (long)w->pid, s->cfg.start_timeout);
            pt_procs_kill(w, why);
        } else if (w->lost > 0 && now - w->lost > LOST_GRACE) {
            if (s->cfg.heartbeat > 0)
                snprintf(why, sizeof why, "worker %ld lost its connection (no answer to the "
                         "heartbeat within %g s, or closed); killed", (long)w->pid,
                         HEARTBEAT_MISSES * s->cfg.heartbeat);
            else
                snprintf(why, sizeof why, "worker %ld lost its connection (closed); killed",
                         (long)w->pid);
            pt_procs_kill(w, why);
        } else if (w->state == W_BUSY && !w->timed_out && s->cfg.job_timeout > 0 &&
                   now - w->started > s->cfg.job_timeout) {
            snprintf(why, sizeof why, "timed out after %g s (--job-timeout); worker %ld killed",
                     s->cfg.job_timeout, (long)w->pid);
            w->timed_out = 1;
            pt_procs_kill(w, why);
        }
    }
}

/* --time-budget: once the deadline passes no fit job starts (the queued ones stay pending,
 * for --resume); the running ones have GRACE_SECONDS to finish, then their workers are
 * killed (their jobs stay pending too). The refit is not a fit job: it still runs. */
static void check_budget(pt_sweep_t *s)
{
    double now = pt_now();
    size_t running = pt_sched_running(s->sched), running_fits = 0;
    if (s->cfg.deadline <= 0 || now < s->cfg.deadline || s->budget_killed)
        return;
    if (s->budget_at == 0) {
        size_t n = pt_sched_halt(s->sched);
        for (size_t i = 0; i < pt_procs_nslots(s->procs); i++) {
            const pt_slot_t *w = pt_procs_slot(s->procs, i);
            running_fits += w->state == W_BUSY && pt_sched_job(s->sched, w->job)->kind == PT_JOB_FIT;
        }
        running_fits += budget_remote(s, 0);
        /* the fits were all done (pending counts only those not handed out: the last ones
         * may still be running, and they too get the grace, then are killed) */
        if (n == 0 && pt_sched_fits_pending(s->sched) == 0 && running_fits == 0) {
            s->budget_killed = 1;
            return;
        }
        s->budget_at = now;
        pt_report_note(&s->rep, "time budget spent: %zu queued fits not started; waiting up "
                       "to %.0f s for %zu running", n, GRACE_SECONDS, running);
        return;
    }
    if (now - s->budget_at <= GRACE_SECONDS)
        return;
    s->budget_killed = 1;
    for (size_t i = 0; i < pt_procs_nslots(s->procs); i++) {
        pt_slot_t *w = pt_procs_slot(s->procs, i);
        if (w->state == W_BUSY && w->kill_reason[0] == '\0' &&
            pt_sched_job(s->sched, w->job)->kind == PT_JOB_FIT)
            pt_procs_kill(w, "time budget spent and its grace over; killed");
    }
    budget_remote(s, 1);
}

int pt_sweep_budget_spent(const pt_sweep_t *s)
{
    return s->budget_at > 0;
}

static void progress(pt_sweep_t *s, int final)
{
    pt_progress_t p = {s->finished, s->cfg.total, 0, s->cfg.failed_before + s->failed};
    p.running = pt_sched_running(s->sched);
    pt_report_progress(&s->rep, &p, s->cfg.results, final);
}

/* One turn's bookkeeping before a receive: deaths, signals, workers, jobs. Returns 0 to go
 * on, 1 when the sweep is over, the signal that stopped it, or a negative errno. */
static int turn(pt_sweep_t *s, double *stop_at, char *err)
{
    size_t queued, running;
    if (got_chld) {
        pt_death_t d;
        got_chld = 0;
        while (pt_procs_reap(s->procs, &d))
            if (on_death(s, &d, err) != 0)
                return -EIO;
    }
    running = pt_sched_running(s->sched);
    if (got_stop) {
        if (*stop_at == 0) {
            *stop_at = pt_now();
            if (running > 0)
                pt_report_note(&s->rep, "SIG%s: no new jobs; waiting up to %.0f s for %zu "
                               "running (signal again to stop now)", pt_signame(got_stop),
                               GRACE_SECONDS, running);
        }
        if (running == 0 || stop_count > 1 || pt_now() - *stop_at > GRACE_SECONDS)
            return got_stop;
    }
    check_budget(s);
    queued = pt_sched_queued(s->sched);
    if (queued == 0 && running == 0)
        return 1;
    if (s->agents != NULL) {
        int rc = turn_remote(s, queued, err);
        progress(s, 0);
        return rc;
    }
    if (!got_stop && pt_procs_top_up(s->procs, queued + running, err) != 0)
        return -ECHILD;
    if (pt_procs_live(s->procs) == 0 && queued > 0) {
        pt_seterr(err, "no worker could start (%d start-up failures; see above)",
                  pt_procs_start_failures(s->procs));
        return -ECHILD;
    }
    dispatch(s);
    check_timeouts(s);
    progress(s, 0);
    return 0;
}

int pt_sweep_run(pt_sweep_t *s, char *err)
{
    double stop_at = 0, last_sync = pt_now();
    int rc;
    for (;;) {
        if ((rc = turn(s, &stop_at, err)) != 0) {
            if (rc == 1)
                rc = 0;
            break;
        }
        /* One message per turn, received with a blocking call that gives up after
         * RECV_TIMEOUT_MS (or at a signal): a worker that answers gets its next job at once,
         * and the wait costs fewer system calls than zmq_poll followed by receives. */
        if (s->agents != NULL) {
            pt_agents_answer_t ans;
            if (pt_agents_recv(s->agents, RECV_TIMEOUT_MS, &ans) == 1 &&
                (rc = answer_remote(s, &ans, err)) < 0)
                break;
        } else if ((rc = handle_message(s, err)) < 0) {
            break;
        }
        rc = 0;
        /* Group commit: every record was written at once (a killed coordinator loses none);
         * the disk flush is shared by all the records of the last SYNC_SECONDS. */
        if (pt_now() - last_sync >= SYNC_SECONDS) {
            if (pt_log_sync(s->cfg.log, err) != 0) {
                rc = -EIO;
                break;
            }
            last_sync = pt_now();
        }
    }
    progress(s, 1);
    if (rc >= 0 && pt_log_sync(s->cfg.log, err) != 0)
        rc = -EIO;
    return rc;
}

/* ---------------------------------------------------------------- start and stop */

pt_sweep_t *pt_sweep_new(const pt_sweep_config_t *cfg)
{
    pt_sweep_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->cfg = *cfg;
    s->sched = cfg->sched;
    return s;
}

/* The workers' environment: ours with OPENBLAS_NUM_THREADS set to --threads-per-job, so
 * OpenBLAS starts no idle helper threads (they spin for tens of ms in every process). */
static int make_env(pt_sweep_t *s)
{
    s->envp = pt_procs_env(s->cfg.threads, s->blas_env, sizeof s->blas_env);
    return s->envp != NULL ? 0 : -ENOMEM;
}

/* The workers' command line (the same for every worker). */
static void make_argv(pt_sweep_t *s)
{
    const pt_sweep_config_t *c = &s->cfg;
    char **argv = s->argv;
    int a = 0;
    snprintf(s->arg[0], sizeof s->arg[0], "%d", c->image_fd);
    snprintf(s->arg[1], sizeof s->arg[1], "%ld", (long)getpid());
    snprintf(s->arg[2], sizeof s->arg[2], "%ld", c->threads);
    snprintf(s->arg[3], sizeof s->arg[3], "%llu", c->worker_memory);
    snprintf(s->arg[4], sizeof s->arg[4], "%zu", c->nclasses);
    snprintf(s->arg[5], sizeof s->arg[5], "%ld", c->num_bins);
    snprintf(s->arg[6], sizeof s->arg[6], "%d", c->stats_fd);
    snprintf(s->arg[7], sizeof s->arg[7], "%d", c->codes_fd);
    argv[a++] = "paratune-worker";
    argv[a++] = "--endpoint";
    argv[a++] = s->endpoint;
    argv[a++] = "--image-fd";
    argv[a++] = s->arg[0];
    argv[a++] = "--parent";
    argv[a++] = s->arg[1];
    argv[a++] = "--secret-fd";
    argv[a++] = s->arg[8]; /* written by procs.c before each spawn */
    s->argtail[0] = a;     /* from here to the descriptors: what an agent's workers get too */
    argv[a++] = "--evaluator";
    argv[a++] = (char *)c->evaluator;
    argv[a++] = "--metric";
    argv[a++] = (char *)c->metric;
    if (c->also_metrics != NULL) {
        argv[a++] = "--also-metrics";
        argv[a++] = (char *)c->also_metrics;
    }
    argv[a++] = "--threads";
    argv[a++] = s->arg[2];
    if (c->worker_memory > 0) {
        argv[a++] = "--memory";
        argv[a++] = s->arg[3];
    }
    if (c->no_cache)
        argv[a++] = "--no-cache";
    argv[a++] = "--classes";
    argv[a++] = s->arg[4];
    argv[a++] = "--num-bins";
    argv[a++] = s->arg[5];
    s->argtail[1] = a;
    if (c->stats_fd >= 0) {
        argv[a++] = "--stats-fd";
        argv[a++] = s->arg[6];
    }
    if (c->codes_fd >= 0) {
        argv[a++] = "--codes-fd";
        argv[a++] = s->arg[7];
    }
    argv[a] = NULL;
}

/* A new secret for a slot's next process (procs.h calls it before each fork). */
static int arm_secret(void *arg, size_t slot, pid_t pid, char *out, char *err)
{
    pt_sweep_t *s = arg;
    return pt_peers_arm(s->peers, slot, pid, out, err);
}

/* The ROUTER socket, bound to the endpoint: a PLAIN server whose ZAP handler (peers.h)
 * admits only workers with their secret, sending ZMTP heartbeats when cfg.heartbeat > 0. */
static int open_router(pt_sweep_t *s, char *err)
{
    int one = 1, zero = 0, recv_ms = RECV_TIMEOUT_MS;
    s->ctx = zmq_ctx_new();
    if (s->ctx != NULL &&
        (s->peers = pt_peers_new(s->ctx, (size_t)s->cfg.parallelism, err)) == NULL)
        return -EIO;
    s->router = s->ctx ? zmq_socket(s->ctx, ZMQ_ROUTER) : NULL;
    if (s->router == NULL) {
        pt_seterr(err, "zmq: %s", zmq_strerror(errno));
        return -EIO;
    }
    zmq_setsockopt(s->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt(s->router, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(s->router, ZMQ_RCVTIMEO, &recv_ms, sizeof recv_ms);
    zmq_setsockopt(s->router, ZMQ_PLAIN_SERVER, &one, sizeof one);
    if (s->cfg.heartbeat > 0) {
        /* a ping every heartbeat; a connection with no traffic for HEARTBEAT_MISSES of them
         * after a ping is closed (the worker's I/O thread answers, whatever its job does) */
        int ivl = (int)(s->cfg.heartbeat * 1000 + 0.5), tmo = HEARTBEAT_MISSES * ivl;
        zmq_setsockopt(s->router, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl);
        zmq_setsockopt(s->router, ZMQ_HEARTBEAT_TIMEOUT, &tmo, sizeof tmo);
    }
    if (pt_peers_watch(s->peers, s->router, err) != 0)
        return -EIO;
    if (zmq_bind(s->router, s->endpoint) != 0) {
        pt_seterr(err, "zmq_bind %s: %s", s->endpoint, zmq_strerror(errno));
        return -EIO;
    }
    return 0;
}

/* --listen: the workers' arguments and the setup jobs every agent gets, and the agents'
 * socket. 0, or a negative errno with err set. */
static int start_remote(pt_sweep_t *s, char *err)
{
    const pt_sweep_config_t *c = &s->cfg;
    pt_agents_config_t ac;
    size_t len = 0, n = c->nstats + c->ncodes;
    make_argv(s);
    for (int i = s->argtail[0]; i < s->argtail[1]; i++)
        len += strlen(s->argv[i]) + 1;
    s->wargs = malloc(len + 1);
    s->setup = calloc(n + 1, sizeof *s->setup);
    s->setup_len = calloc(n + 1, sizeof *s->setup_len);
    if (s->wargs == NULL || s->setup == NULL || s->setup_len == NULL)
        goto nomem;
    for (int i = s->argtail[0]; i < s->argtail[1]; i++) {
        memcpy(s->wargs + s->wargs_len, s->argv[i], strlen(s->argv[i]) + 1);
        s->wargs_len += strlen(s->argv[i]) + 1;
    }
    for (size_t k = 0; k < n; k++) {
        long id = k < c->nstats ? pt_sched_stats_id(s->sched, k)
                                : pt_sched_bins_id(s->sched, k - c->nstats);
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        if (encode_job(s, id, &sb) != 0 || (s->setup[k] = malloc(sb.size)) == NULL) {
            msgpack_sbuffer_destroy(&sb);
            goto nomem;
        }
        memcpy(s->setup[k], sb.data, sb.size);
        s->setup_len[s->nsetup++] = sb.size;
        msgpack_sbuffer_destroy(&sb);
    }
    memset(&ac, 0, sizeof ac);
    ac.url = c->listen;
    ac.key = c->key;
    ac.heartbeat = c->heartbeat;
    ac.parallelism = c->parallelism;
    ac.image = c->image;
    ac.image_size = c->image_size;
    ac.fingerprint = c->fingerprint;
    ac.shared_path = c->shared_path;
    ac.wargs = s->wargs;
    ac.wargs_len = s->wargs_len;
    ac.stats_slots = c->stats_slots;
    ac.stats_p = c->stats_p;
    ac.stats_count = c->stats_count;
    ac.stats_nblocks = c->stats_nblocks;
    ac.codes_keys = c->codes_keys;
    ac.ncodes = c->ncodes;
    ac.setup = s->setup;
    ac.setup_len = s->setup_len;
    ac.nsetup = s->nsetup;
    pt_procs_signals(on_chld, on_stop);
    if ((s->agents = pt_agents_open(&ac, err)) == NULL)
        return -EADDRINUSE;
    pt_report_init(&s->rep, s->cfg.quiet, s->cfg.metric);
    s->t0 = s->rep.t0;
    return 0;
nomem:
    pt_seterr(err, "out of memory");
    return -ENOMEM;
}

int pt_sweep_start(pt_sweep_t *s, size_t want, char *err)
{
    const char *tmpdir = getenv("TMPDIR");
    pt_procs_config_t pc;

    if (s->cfg.listen != NULL) {
        memset(&pc, 0, sizeof pc); /* no local worker: an empty process table */
        if ((s->procs = pt_procs_new(0, &pc)) == NULL) {
            pt_seterr(err, "out of memory");
            return -ENOMEM;
        }
        return start_remote(s, err);
    }
    if (tmpdir == NULL || *tmpdir == '\0')
        tmpdir = "/tmp";
    snprintf(s->sockdir, sizeof s->sockdir, "%s/paratune-XXXXXX", tmpdir);
    if (mkdtemp(s->sockdir) == NULL) {
        pt_seterr(err, "cannot create a socket directory in %s: %s", tmpdir, strerror(errno));
        s->sockdir[0] = '\0';
        return -EIO;
    }
    snprintf(s->endpoint, sizeof s->endpoint, "ipc://%s/ctl", s->sockdir);
    if (make_env(s) != 0) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    make_argv(s);
    s->keep[0] = s->cfg.image_fd;
    s->keep[1] = s->cfg.stats_fd;
    s->keep[2] = s->cfg.codes_fd;
    memset(&pc, 0, sizeof pc);
    pc.path = s->cfg.worker_path;
    pc.argv = s->argv;
    pc.envp = s->envp;
    pc.keep = s->keep;
    pc.nkeep = 3;
    pc.cpus = s->cfg.cpus;
    pc.ncpus = s->cfg.ncpus;
    pc.threads = s->cfg.threads;
    pc.secret = arm_secret;
    pc.secret_arg = s;
    pc.secret_fd_arg = s->arg[8];
    pc.warm = s->cfg.warm;
    s->procs = pt_procs_new((size_t)s->cfg.parallelism, &pc);
    if (s->procs == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    if (s->cfg.cpus != NULL) {
        /* before the janitor and ZeroMQ's I/O thread start, so they run here too */
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(s->cfg.cpus[0], &one);
        sched_setaffinity(0, sizeof one, &one);
    }
    if (pt_procs_janitor(s->procs, s->sockdir, err) != 0)
        return -EIO;
    pt_procs_signals(on_chld, on_stop);
    if (open_router(s, err) != 0)
        return -EIO;
    if (s->cfg.cpus == NULL) /* unpinned: the I/O thread (one, libzmq's default) follows us */
        pt_follow_init(&s->follow, 1);
    if (want > (size_t)s->cfg.parallelism)
        want = (size_t)s->cfg.parallelism;
    if (want == 0)
        want = 1;
    pt_report_init(&s->rep, s->cfg.quiet, s->cfg.metric);
    s->t0 = s->rep.t0;
    for (size_t i = 0; i < want; i++)
        if (pt_procs_spawn(s->procs, i, err) != 0)
            return -ECHILD;
    return 0;
}

int pt_sweep_started(const pt_sweep_t *s)
{
    return s->router != NULL || s->agents != NULL;
}

#ifdef __SANITIZE_ADDRESS__
/* Tells the idle workers to STOP (the busy ones are killed by pt_procs_stop). */
static void send_stops(pt_sweep_t *s)
{
    pt_msg_t m;
    msgpack_sbuffer sb;
    memset(&m, 0, sizeof m);
    m.type = PT_MSG_STOP;
    msgpack_sbuffer_init(&sb);
    pt_msg_encode(&m, &sb);
    for (size_t i = 0; i < pt_procs_nslots(s->procs); i++) {
        pt_slot_t *w = pt_procs_slot(s->procs, i);
        if (w->state == W_IDLE) {
            zmq_send(s->router, w->id, w->idlen, ZMQ_SNDMORE | ZMQ_DONTWAIT);
            zmq_send(s->router, sb.data, sb.size, ZMQ_DONTWAIT);
        }
    }
    msgpack_sbuffer_destroy(&sb);
}
#endif

void pt_sweep_release(pt_sweep_t *s)
{
#ifndef __SANITIZE_ADDRESS__
    if (s != NULL && s->procs != NULL)
        pt_procs_kill_all(s->procs);
#else
    (void)s;
#endif
}

void pt_sweep_destroy(pt_sweep_t **ps)
{
    pt_sweep_t *s;
    if (ps == NULL || (s = *ps) == NULL)
        return;
    if (s->procs != NULL) {
#ifdef __SANITIZE_ADDRESS__ /* a polite STOP: the workers' own exit (and leak check) runs */
        if (s->router != NULL)
            send_stops(s);
        pt_procs_stop(s->procs, STOP_SECONDS);
#else /* every answer is in: all killed at once (if pt_sweep_release has not), then reaped */
        pt_procs_end(s->procs);
#endif
    }
    if (s->router != NULL)
        zmq_close(s->router);
    if (s->ctx != NULL)
        zmq_ctx_shutdown(s->ctx); /* wakes the ZAP thread, which pt_peers_destroy joins */
    pt_peers_destroy(&s->peers);
    if (s->ctx != NULL)
        zmq_ctx_term(s->ctx);
    if (s->sockdir[0] != '\0') {
        char path[320];
        snprintf(path, sizeof path, "%s/ctl", s->sockdir);
        unlink(path);
        rmdir(s->sockdir);
    }
    pt_procs_destroy(&s->procs); /* closes the janitor's pipe and reaps it */
    pt_agents_close(&s->agents); /* tells every agent BYE */
    for (size_t i = 0; i < s->nsetup; i++)
        free(s->setup[i]);
    free(s->setup);
    free(s->setup_len);
    free(s->wargs);
    free(s->envp);
    free(s->model);
    free(s);
    *ps = NULL;
}

void pt_sweep_counts(const pt_sweep_t *s, pt_sweep_counts_t *c)
{
    c->finished = s->finished;
    c->failed = s->failed;
    c->not_converged = s->not_converged;
    c->iterations = s->iterations;
    c->shared_jobs = s->shared_jobs;
    c->shared_fits = s->shared_fits;
    c->t0 = s->t0;
    c->first_sent = s->first_sent;
    c->stats = s->stats_done > 0 ? s->stats_to - s->stats_from : 0;
    c->nstats = s->stats_done;
}

unsigned char *pt_sweep_take_model(pt_sweep_t *s, size_t *len)
{
    unsigned char *m = s->model;
    *len = s->model_len;
    s->model = NULL;
    s->model_len = 0;
    return m;
}

const char *pt_sweep_refit_error(const pt_sweep_t *s)
{
    return s->refit_error;
}
