/* pt_sched.c - the sweep's job queue (see pt_sched.h). */
#include "pt_sched.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct pt_sched {
    pt_sched_config_t cfg;
    size_t nfits, njobs;
    pt_sched_job_t *jobs; /* njobs, right after queue in the same allocation */
    size_t qhead, qlen;
    size_t running;
    size_t stats_waiting; /* stats and bins jobs queued or running: the fits wait for them */
    int32_t *lead;        /* nmaps: the map whose fit jobs stand for this map's (numTrees
                           * sharing), itself when none; NULL: no sharing */
    long *cover;          /* nfits: the lead fit job running this one, or -1 */
    int fold_major;       /* pt_sched_set_fold_major */
    double *cost;         /* nmaps: the estimated time of a map's fit jobs; NULL: none */
    long queue[];         /* a ring of njobs ids (a job is queued at most once); the jobs
                             follow it: one allocation holds the scheduler */
};

pt_sched_t *pt_sched_new(const pt_sched_config_t *cfg)
{
    pt_sched_t *s;
    size_t njobs;
    /* 64 bytes a job bound the allocation (a queue entry and a job take less) */
    if (cfg->nstats > SIZE_MAX / 128 || cfg->nbins > SIZE_MAX / 128 ||
        (cfg->nfolds > 0 &&
         cfg->nmaps > (SIZE_MAX / 64 - cfg->nstats - cfg->nbins) / cfg->nfolds))
        return NULL;
    njobs = cfg->nmaps * cfg->nfolds + 1 + cfg->nstats + cfg->nbins;
    s = calloc(1, sizeof *s + njobs * (sizeof(long) + sizeof(pt_sched_job_t)));
    if (s == NULL)
        return NULL;
    s->cfg = *cfg;
    s->nfits = cfg->nmaps * cfg->nfolds;
    s->njobs = njobs;
    s->jobs = (pt_sched_job_t *)(s->queue + njobs); /* long-aligned: fine for the jobs */
    for (size_t j = 0; j < s->nfits; j++) {
        s->jobs[j].kind = PT_JOB_FIT;
        s->jobs[j].map = (int32_t)(j / cfg->nfolds);
        s->jobs[j].fold = (int32_t)(j % cfg->nfolds);
    }
    s->jobs[s->nfits].kind = PT_JOB_REFIT;
    s->jobs[s->nfits].map = -1;
    s->jobs[s->nfits].fold = -1;
    for (size_t b = 0; b < cfg->nstats; b++) {
        pt_sched_job_t *jb = &s->jobs[s->nfits + 1 + b];
        jb->kind = PT_JOB_STATS;
        jb->map = -1;
        jb->fold = (int32_t)b;
    }
    for (size_t b = 0; b < cfg->nbins; b++) {
        pt_sched_job_t *jb = &s->jobs[s->nfits + 1 + cfg->nstats + b];
        jb->kind = PT_JOB_BINS;
        jb->map = cfg->bins_map[b];
        jb->fold = cfg->bins_fold[b];
    }
    s->cfg.bins_map = s->cfg.bins_fold = NULL; /* copied into the jobs */
    if (cfg->lead != NULL) {
        s->lead = malloc(cfg->nmaps * sizeof *s->lead + 1);
        s->cover = malloc(s->nfits * sizeof *s->cover + 1);
        if (s->lead == NULL || s->cover == NULL) {
            pt_sched_destroy(&s);
            return NULL;
        }
        memcpy(s->lead, cfg->lead, cfg->nmaps * sizeof *s->lead);
        for (size_t j = 0; j < s->nfits; j++)
            s->cover[j] = -1;
        s->cfg.lead = NULL;
    }
    if (cfg->cost != NULL) {
        if ((s->cost = malloc(cfg->nmaps * sizeof *s->cost + 1)) == NULL) {
            pt_sched_destroy(&s);
            return NULL;
        }
        memcpy(s->cost, cfg->cost, cfg->nmaps * sizeof *s->cost);
        s->cfg.cost = NULL;
    }
    return s;
}

void pt_sched_destroy(pt_sched_t **s)
{
    if (s != NULL && *s != NULL) {
        free((*s)->lead);
        free((*s)->cover);
        free((*s)->cost);
        free(*s);
        *s = NULL;
    }
}

size_t pt_sched_njobs(const pt_sched_t *s)
{
    return s->njobs;
}

size_t pt_sched_nfits(const pt_sched_t *s)
{
    return s->nfits;
}

long pt_sched_fit_id(const pt_sched_t *s, size_t map, size_t fold)
{
    return (long)(map * s->cfg.nfolds + fold);
}

long pt_sched_refit_id(const pt_sched_t *s)
{
    return (long)s->nfits;
}

long pt_sched_stats_id(const pt_sched_t *s, size_t block)
{
    return (long)(s->nfits + 1 + block);
}

long pt_sched_bins_id(const pt_sched_t *s, size_t slot)
{
    return (long)(s->nfits + 1 + s->cfg.nstats + slot);
}

/* Stats and bins jobs prepare what the fits read: the fits wait for them. */
static int prep(pt_job_kind_t k)
{
    return k == PT_JOB_STATS || k == PT_JOB_BINS;
}

const pt_sched_job_t *pt_sched_job(const pt_sched_t *s, long id)
{
    return id >= 0 && (size_t)id < s->njobs ? &s->jobs[id] : NULL;
}

void pt_sched_restore(pt_sched_t *s, size_t map, size_t fold, pt_sched_state_t state,
                      int attempts)
{
    pt_sched_job_t *jb;
    if (map >= s->cfg.nmaps || fold >= s->cfg.nfolds)
        return;
    jb = &s->jobs[pt_sched_fit_id(s, map, fold)];
    jb->state = state;
    jb->attempts = attempts;
}

size_t pt_sched_fits_pending(const pt_sched_t *s)
{
    size_t n = 0;
    for (size_t j = 0; j < s->nfits; j++)
        n += s->jobs[j].state == PT_SCHED_PENDING;
    return n;
}

size_t pt_sched_fits_failed(const pt_sched_t *s)
{
    size_t n = 0;
    for (size_t j = 0; j < s->nfits; j++)
        n += s->jobs[j].state == PT_SCHED_FAILED;
    return n;
}

/* 1 when fit job j waits for its lead's fit job on the same fold to run it (numTrees
 * sharing): its map has another lead whose job there has not run yet. */
static int covered(const pt_sched_t *s, size_t j)
{
    const pt_sched_job_t *jb = &s->jobs[j];
    if (s->lead == NULL || s->lead[jb->map] == jb->map)
        return 0;
    return s->jobs[pt_sched_fit_id(s, (size_t)s->lead[jb->map], (size_t)jb->fold)].state ==
           PT_SCHED_PENDING;
}

/* 1 when job id is in the queue. */
static int queued(const pt_sched_t *s, long id)
{
    for (size_t i = 0; i < s->qlen; i++)
        if (s->queue[(s->qhead + i) % s->njobs] == id)
            return 1;
    return 0;
}

static void push(pt_sched_t *s, long id, int front)
{
    if (front) {
        s->qhead = (s->qhead + s->njobs - 1) % s->njobs;
        s->queue[s->qhead] = id;
    } else {
        s->queue[(s->qhead + s->qlen) % s->njobs] = id;
    }
    s->qlen++;
    if (prep(s->jobs[id].kind) && front == 0)
        s->stats_waiting++;
}

/* A queued fit job and its cost, for ordering. */
typedef struct {
    double cost;
    long id;
} ranked_t;

/* qsort order: a larger cost first, else a smaller id (so equal costs keep the grid's). */
static int by_cost(const void *pa, const void *pb)
{
    const ranked_t *a = pa, *b = pb;
    if (a->cost != b->cost)
        return a->cost > b->cost ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

/* Reorders the queue's entries from first on (fit jobs) longest first. Without memory for
 * the ordering they stay in id order (the sweep runs the same, only its tail is longer). */
static void order_by_cost(pt_sched_t *s, size_t first)
{
    size_t n = s->qlen - first;
    ranked_t *r = malloc(n * sizeof *r + 1);
    if (r == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        r[i].id = s->queue[(s->qhead + first + i) % s->njobs];
        r[i].cost = s->cost[s->jobs[r[i].id].map];
    }
    qsort(r, n, sizeof *r, by_cost);
    for (size_t i = 0; i < n; i++)
        s->queue[(s->qhead + first + i) % s->njobs] = r[i].id;
    free(r);
}

void pt_sched_queue_sweep(pt_sched_t *s)
{
    size_t first;
    for (size_t b = 0; b < s->cfg.nstats; b++)
        push(s, pt_sched_stats_id(s, b), 0);
    for (size_t b = 0; b < s->cfg.nbins; b++)
        push(s, pt_sched_bins_id(s, b), 0);
    first = s->qlen;
    for (size_t k = 0; k < s->nfits; k++) {
        /* fold-major: the k-th job is map k % nmaps on fold k / nmaps */
        size_t j = s->fold_major ? (size_t)pt_sched_fit_id(s, k % s->cfg.nmaps,
                                                           k / s->cfg.nmaps)
                                 : k;
        if (s->jobs[j].state == PT_SCHED_PENDING && !covered(s, j) &&
            (s->cfg.queue_maps == 0 || (size_t)s->jobs[j].map < s->cfg.queue_maps))
            push(s, (long)j, 0);
    }
    /* longest first, unless --race asked for fold-major order (evidence on every map early) */
    if (s->cost != NULL && !s->fold_major && s->qlen > first + 1)
        order_by_cost(s, first);
}

size_t pt_sched_queue_map(pt_sched_t *s, size_t map)
{
    size_t n = 0;
    for (size_t f = 0; map < s->cfg.nmaps && f < s->cfg.nfolds; f++) {
        long j = pt_sched_fit_id(s, map, f);
        if (s->jobs[j].state == PT_SCHED_PENDING && !covered(s, (size_t)j) && !queued(s, j)) {
            push(s, j, 0);
            n++;
        }
    }
    return n;
}

void pt_sched_set_fold_major(pt_sched_t *s, int on)
{
    s->fold_major = on;
}

/* Takes off the queue the fit jobs of map `map` (every map when negative), keeping the order
 * of the rest. Returns how many. */
static size_t unqueue_fits(pt_sched_t *s, long map)
{
    size_t kept = 0, n = s->qlen;
    for (size_t i = 0; i < n; i++) {
        long id = s->queue[(s->qhead + i) % s->njobs];
        const pt_sched_job_t *jb = &s->jobs[id];
        if (jb->kind == PT_JOB_FIT && (map < 0 || jb->map == (int32_t)map))
            continue;
        s->queue[(s->qhead + kept++) % s->njobs] = id;
    }
    s->qlen = kept;
    return n - kept;
}

size_t pt_sched_halt(pt_sched_t *s)
{
    return unqueue_fits(s, -1);
}

size_t pt_sched_drop_map(pt_sched_t *s, size_t map)
{
    return map < s->cfg.nmaps ? unqueue_fits(s, (long)map) : 0;
}

size_t pt_sched_cover(pt_sched_t *s, long id, long *out)
{
    const pt_sched_job_t *jb = &s->jobs[id];
    size_t n = 0;
    if (s->lead == NULL || jb->kind != PT_JOB_FIT || s->lead[jb->map] != jb->map)
        return 0;
    for (size_t m = 0; m < s->cfg.nmaps; m++) {
        long c = pt_sched_fit_id(s, m, (size_t)jb->fold);
        if ((int32_t)m == jb->map || s->lead[m] != jb->map ||
            s->jobs[c].state != PT_SCHED_PENDING || s->cover[c] >= 0 || queued(s, c))
            continue;
        s->jobs[c].state = PT_SCHED_RUNNING;
        s->jobs[c].attempts++;
        s->cover[c] = id;
        out[n++] = c;
    }
    return n;
}

int pt_sched_sharing(const pt_sched_t *s)
{
    return s->lead != NULL;
}

size_t pt_sched_covered_by(const pt_sched_t *s, long id, long *out)
{
    size_t n = 0;
    for (size_t j = 0; s->cover != NULL && j < s->nfits; j++)
        if (s->cover[j] == id)
            out[n++] = (long)j;
    return n;
}

/* Frees the jobs that job id covers (it was lost or unsent): pending again, and queued when
 * id is not coming back (requeue), else to be covered by it again. */
static void uncover(pt_sched_t *s, long id, int requeue)
{
    for (size_t j = 0; s->cover != NULL && id >= 0 && (size_t)id < s->nfits && j < s->nfits; j++)
        if (s->cover[j] == id) {
            s->cover[j] = -1;
            s->jobs[j].state = PT_SCHED_PENDING;
            if (requeue)
                push(s, (long)j, 0);
        }
}

long pt_sched_queue_refit(pt_sched_t *s, size_t map)
{
    pt_sched_job_t *jb = &s->jobs[s->nfits];
    if (map >= s->cfg.nmaps || jb->state == PT_SCHED_RUNNING)
        return -EINVAL;
    for (size_t i = 0; i < s->qlen; i++)
        if (s->queue[(s->qhead + i) % s->njobs] == (long)s->nfits)
            return -EINVAL;
    jb->kind = PT_JOB_REFIT;
    jb->map = (int32_t)map;
    jb->fold = -1;
    jb->state = PT_SCHED_PENDING;
    push(s, (long)s->nfits, 0);
    return (long)s->nfits;
}

long pt_sched_queue_oof(pt_sched_t *s, size_t map, size_t fold)
{
    long id;
    if (fold >= s->cfg.nfolds || (id = pt_sched_queue_refit(s, map)) < 0)
        return -EINVAL;
    s->jobs[id].kind = PT_JOB_OOF;
    s->jobs[id].fold = (int32_t)fold;
    return id;
}

long pt_sched_next(pt_sched_t *s)
{
    long id;
    pt_sched_job_t *jb;
    if (s->qlen == 0 || s->running >= s->cfg.parallelism)
        return -1;
    id = s->queue[s->qhead];
    jb = &s->jobs[id];
    if (!prep(jb->kind) && s->stats_waiting > 0)
        return -1;
    s->qhead = (s->qhead + 1) % s->njobs;
    s->qlen--;
    jb->state = PT_SCHED_RUNNING;
    jb->attempts++;
    s->running++;
    return id;
}

void pt_sched_unsend(pt_sched_t *s, long id)
{
    pt_sched_job_t *jb = &s->jobs[id];
    uncover(s, id, 0);
    jb->state = PT_SCHED_PENDING;
    jb->attempts--;
    s->running--;
    push(s, id, 1);
}

void pt_sched_finish(pt_sched_t *s, long id, int ok)
{
    pt_sched_job_t *jb = &s->jobs[id];
    jb->state = ok ? PT_SCHED_DONE : PT_SCHED_FAILED;
    if (s->cover != NULL && (size_t)id < s->nfits && s->cover[id] >= 0) {
        s->cover[id] = -1; /* ran inside its lead's job, which holds the slot */
        return;
    }
    s->running--;
    if (prep(jb->kind))
        s->stats_waiting--;
}

pt_sched_lost_t pt_sched_lost(pt_sched_t *s, long id, int stopping, int timed_out)
{
    pt_sched_job_t *jb = &s->jobs[id];
    /* what it covered runs again: with it on a retry, else on its own (queued now) */
    uncover(s, id, !stopping && (timed_out || jb->attempts > s->cfg.max_retries));
    if (timed_out)
        return PT_LOST_FAILED;
    if (jb->attempts <= s->cfg.max_retries && !stopping) {
        jb->state = PT_SCHED_PENDING;
        s->running--;
        push(s, id, 1);
        return PT_LOST_RETRY;
    }
    if (stopping) {
        jb->state = PT_SCHED_PENDING;
        s->running--;
        if (prep(jb->kind))
            s->stats_waiting--;
        return PT_LOST_DROPPED;
    }
    return PT_LOST_FAILED;
}

size_t pt_sched_queued(const pt_sched_t *s)
{
    return s->qlen;
}

size_t pt_sched_running(const pt_sched_t *s)
{
    return s->running;
}
