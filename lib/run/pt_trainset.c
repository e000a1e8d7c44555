/* pt_trainset.c - a job's training set on the image: its blocks, their moments, its validation
 * block, and the caches a worker keeps for them between jobs.
 *
 * Where a block's moments come from, cheapest first: the shared segment (a stats job
 * published them), this process's kept copy (keep), the rows. The merge order is always
 * block order, so a set's moments are the same numbers whichever source served each block.
 *
 * An image with row weights (weightCol) has two moments per block, in "slots": slot b < nblocks
 * the unweighted moments of block b (what the transformers fit from: Spark's StandardScaler,
 * PCA, Imputer... take no weights), slot nblocks + b its weighted moments (what the
 * predictors fit from and a regressor is scored from). The shared segment then has 2 nblocks
 * slots, and a stats job publishes both of its block's.
 */
#include "pt_trainset.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_msg.h"
#include "pt_scratch.h"

struct pt_trainset_cache {
    const pt_image_t *img;
    pt_stats_t *stats;      /* the shared moments segment, or NULL */
    pt_trainset_opts_t o;
    size_t p, nblocks;
    int tvs;                /* PT_IMAGE_TVS: block 0 trains, block 1 validates */
    size_t nslots;          /* nblocks, or 2 nblocks with weights (see the file comment) */
    pt_moments_t **kept;    /* nslots: slot moments computed here (keep), NULL until then */
    pt_moments_t *views;    /* nslots: views into the shared segment */
    pt_pca_eig_t *pca;      /* nblocks + 1 (keep and few enough features), else NULL: the
                             * decomposition of the set validated on block b, then all rows */
    pt_impute_cache_t *imp; /* nblocks (keep), else NULL: the imputer's median / mode
                             * surrogates of the set validated on block b */
    double *pred, *score;   /* scoring scratch, rows of the largest block */
    double *prob;           /* rows of the largest block x classes, for logLoss */
    double *scratch;        /* the one allocation pred, score and prob live in */
    /* successive halving (pt_trainset_fold_prefix): the rows of each block the kept prefix
     * state below is of (plim, nblocks; valid when has_plim), its slots' moments (keep:
     * nslots, NULL until computed), and per set validated on block b its PCA decomposition
     * and imputer surrogates (keep; as pca and imp) */
    int32_t *plim;
    int has_plim;
    pt_moments_t **pkept;
    pt_pca_eig_t *ppca;
    pt_impute_cache_t *pimp;
};

/* The scoring scratch: pred and score of maxrows, prob of maxrows x K, in one allocation.
 * 0 or -ENOMEM. */
static int cache__scratch(pt_trainset_cache_t *c, size_t maxrows, size_t K)
{
    double **const v[] = {&c->pred, &c->score, &c->prob};
    const size_t n[] = {maxrows, maxrows, maxrows * K};

    c->scratch = pt_scratch_alloc(v, n, sizeof n / sizeof n[0]);
    return c->scratch != NULL ? 0 : -ENOMEM;
}

pt_trainset_cache_t *pt_trainset_cache_new(const pt_image_t *img, pt_stats_t *stats,
                                           const pt_trainset_opts_t *opts, char *err)
{
    const pt_image_hdr_t *h = pt_image_header(img);
    pt_trainset_cache_t *c = calloc(1, sizeof *c);
    size_t maxrows = 1, K = opts->nclasses > 2 ? opts->nclasses : 2;

    if (c == NULL)
        goto nomem;
    c->img = img;
    c->stats = stats;
    c->o = *opts;
    c->p = h->features;
    c->nblocks = h->nblocks;
    c->tvs = h->kind == PT_IMAGE_TVS;
    c->nslots = pt_image_w(img) != NULL ? 2 * c->nblocks : c->nblocks;
    if (stats != NULL && pt_stats_nblocks(stats) != c->nslots) {
        pt_seterr(err, "the shared moments segment does not match the image");
        goto error;
    }
    for (size_t b = 0; b < c->nblocks; b++) {
        size_t n;
        pt_image_block(img, b, NULL, &n);
        if (n > maxrows)
            maxrows = n;
    }
    c->kept = calloc(c->nslots, sizeof *c->kept);
    c->views = calloc(c->nslots, sizeof *c->views);
    if (opts->keep && c->p <= PT_TRAINSET_PCA_MAX_FEATURES &&
        (c->pca = calloc(c->nblocks + 1, sizeof *c->pca)) == NULL)
        goto nomem;
    if (opts->keep && (c->imp = calloc(c->nblocks, sizeof *c->imp)) == NULL)
        goto nomem;
    if (opts->keep && ((c->pkept = calloc(c->nslots, sizeof *c->pkept)) == NULL ||
                       (c->pimp = calloc(c->nblocks, sizeof *c->pimp)) == NULL ||
                       (c->p <= PT_TRAINSET_PCA_MAX_FEATURES &&
                        (c->ppca = calloc(c->nblocks, sizeof *c->ppca)) == NULL)))
        goto nomem;
    if ((c->plim = calloc(c->nblocks, sizeof *c->plim)) == NULL)
        goto nomem;
    if (c->kept == NULL || c->views == NULL || cache__scratch(c, maxrows, K) != 0)
        goto nomem;
    return c;
nomem:
    pt_seterr(err, "out of memory");
error:
    pt_trainset_cache_destroy(&c);
    return NULL;
}

/* Drops what the cache keeps of the last prefix's sets (pt_trainset_fold_prefix). */
static void prefix_forget(pt_trainset_cache_t *c)
{
    for (size_t b = 0; c->pkept != NULL && b < c->nslots; b++)
        pt_moments_destroy(&c->pkept[b]);
    for (size_t b = 0; c->ppca != NULL && b < c->nblocks; b++)
        pt_pca_eig_free(&c->ppca[b]);
    for (size_t b = 0; c->pimp != NULL && b < c->nblocks; b++)
        pt_impute_cache_free(&c->pimp[b]);
    c->has_plim = 0;
}

void pt_trainset_cache_destroy(pt_trainset_cache_t **pc)
{
    pt_trainset_cache_t *c = pc ? *pc : NULL;
    if (c == NULL)
        return;
    for (size_t b = 0; c->kept != NULL && b < c->nslots; b++)
        pt_moments_destroy(&c->kept[b]);
    for (size_t b = 0; c->pca != NULL && b <= c->nblocks; b++)
        pt_pca_eig_free(&c->pca[b]);
    free(c->kept);
    free(c->views);
    free(c->pca);
    for (size_t b = 0; c->imp != NULL && b < c->nblocks; b++)
        pt_impute_cache_free(&c->imp[b]);
    free(c->imp);
    c->has_plim = 1; /* forget the prefix state, then free its arrays */
    prefix_forget(c);
    free(c->pkept);
    free(c->ppca);
    free(c->pimp);
    free(c->plim);
    free(c->scratch);
    free(c);
    *pc = NULL;
}

/* Slot b's moments when they are had without reading the rows: published by a stats job,
 * or computed by this process before. NULL otherwise. */
static const pt_moments_t *known_moments(pt_trainset_cache_t *c, size_t b)
{
    if (c->stats != NULL && pt_stats_view(c->stats, b, &c->views[b]))
        return &c->views[b];
    if (c->o.keep && c->kept[b] != NULL)
        return c->kept[b];
    return NULL;
}

/* Computes slot s's moments from rows [lo, hi) of its block into m. 0 or -ENOMEM. */
static int slot_range(const pt_trainset_cache_t *c, size_t s, size_t lo, size_t hi,
                      pt_moments_t *m)
{
    const double *x, *y, *w;
    size_t n, b = s % c->nblocks;
    x = pt_image_block(c->img, b, &y, &n);
    w = pt_image_block_w(c->img, b);
    x += lo * c->p;
    y += lo;
    return s < c->nblocks ? pt_moments_from_rows(m, x, y, hi - lo)
                          : pt_moments_from_rows_w(m, x, y, w + lo, hi - lo);
}

/* Computes slot s's moments (see the file comment) from its block's rows into m. 0 or
 * -ENOMEM. */
static int slot_from_rows(const pt_trainset_cache_t *c, size_t s, pt_moments_t *m)
{
    size_t n;
    pt_image_block(c->img, s % c->nblocks, NULL, &n);
    return slot_range(c, s, 0, n, m);
}

/* Moments of slot b: known, or computed now (kept when keep, else into tmp). NULL when out
 * of memory. */
static const pt_moments_t *block_moments(pt_trainset_cache_t *c, size_t b, pt_moments_t *tmp)
{
    pt_moments_t *m;
    const pt_moments_t *known = known_moments(c, b);
    if (known != NULL)
        return known;
    m = c->o.keep ? pt_moments_new(c->p) : tmp;
    if (m == NULL)
        return NULL;
    if (slot_from_rows(c, b, m) != 0) {
        if (c->o.keep)
            pt_moments_destroy(&m);
        return NULL;
    }
    if (c->o.keep)
        c->kept[b] = m;
    return m;
}

int pt_trainset_publish(pt_trainset_cache_t *c, int job, char *err)
{
    pt_moments_t *m = NULL, *merged = NULL;
    size_t block, k, K, n;
    int rc = 0;

    if (c->stats == NULL || job < 0 ||
        pt_stats_job(c->stats, (size_t)job, &block, &k, &K) != 0 || block >= c->nblocks) {
        pt_seterr(err, "stats job %d without a shared moments segment or such a block", job);
        return -EINVAL;
    }
    if ((m = pt_moments_new(c->p)) == NULL || (K > 1 && (merged = pt_moments_new(c->p)) == NULL)) {
        rc = -ENOMEM;
        goto out;
    }
    pt_image_block(c->img, block, NULL, &n);
    /* the block's slots: its moments, and its weighted moments when the image has weights;
     * a cut block's piece k of each, merged into the slot by whichever piece is last */
    for (size_t s = block; rc == 0 && s < c->nslots; s += c->nblocks) {
        if (K == 1) {
            if ((rc = slot_from_rows(c, s, m)) == 0)
                pt_stats_publish(c->stats, s, m);
        } else if ((rc = slot_range(c, s, n * k / K, n * (k + 1) / K, m)) == 0) {
            pt_stats_publish_piece(c->stats, s, (size_t)job, m, merged);
        }
    }
out:
    if (rc != 0)
        pt_seterr(err, "out of memory");
    pt_moments_destroy(&m);
    pt_moments_destroy(&merged);
    return rc;
}

void pt_trainset_clear(pt_trainset_t *ts)
{
    pt_moments_destroy(&ts->moments);
    pt_moments_destroy(&ts->wmoments);
    free(ts->blocks);
    memset(ts, 0, sizeof *ts);
}

/* Empty moments and the rows of every block but skip (nblocks for none) in ts. */
static int set_begin(pt_trainset_cache_t *c, size_t skip, pt_trainset_t *ts)
{
    memset(ts, 0, sizeof *ts);
    ts->moments = pt_moments_new(c->p);
    ts->blocks = calloc(c->nblocks, sizeof *ts->blocks);
    if (ts->moments == NULL || ts->blocks == NULL ||
        (c->nslots > c->nblocks && (ts->wmoments = pt_moments_new(c->p)) == NULL))
        return -ENOMEM;
    for (size_t b = 0; b < c->nblocks; b++) {
        pt_rowblock_t *rb = &ts->blocks[ts->nblocks];
        if (b == skip)
            continue;
        rb->x = pt_image_block(c->img, b, &rb->y, &rb->n);
        rb->w = pt_image_block_w(c->img, b);
        rb->rid = pt_image_block_rid(c->img, b);
        rb->valid = pt_image_block_valid(c->img, b);
        ts->nblocks++;
    }
    if (c->pca != NULL)
        ts->pca = &c->pca[skip];
    if (c->imp != NULL && skip < c->nblocks) /* a fold's set, validated on block skip */
        ts->imp = &c->imp[skip];
    return 0;
}

int pt_trainset_fold(pt_trainset_cache_t *c, int fold, pt_trainset_t *ts, char *err)
{
    pt_moments_t *tmp = NULL;
    size_t vb;
    int rc = 0;

    memset(ts, 0, sizeof *ts);
    if (fold < 0 || (size_t)fold >= c->nblocks || (c->tvs && fold != 0)) {
        pt_seterr(err, "fold %d does not exist in the image", fold);
        return -EINVAL;
    }
    vb = c->tvs ? 1 : (size_t)fold;
    if (set_begin(c, vb, ts) != 0 || (tmp = pt_moments_new(c->p)) == NULL) {
        pt_seterr(err, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    ts->validates = 1;
    ts->vblock = vb;
    for (size_t s = 0; s < c->nslots; s++) {
        const pt_moments_t *bm;
        if (s % c->nblocks == vb)
            continue;
        if ((bm = block_moments(c, s, tmp)) == NULL) {
            pt_seterr(err, "out of memory computing moments");
            rc = -ENOMEM;
            goto out;
        }
        pt_moments_merge(s < c->nblocks ? ts->moments : ts->wmoments, bm);
    }
out:
    pt_moments_destroy(&tmp);
    if (rc != 0)
        pt_trainset_clear(ts);
    return rc;
}

/* Slot s's moments over its block's first lim rows: kept (keep), or computed now (kept when
 * keep, else into tmp). NULL when out of memory. */
static const pt_moments_t *prefix_moments(pt_trainset_cache_t *c, size_t s, size_t lim,
                                          pt_moments_t *tmp)
{
    const double *x, *y;
    size_t n, b = s % c->nblocks;
    pt_moments_t *m;
    int rc;
    if (c->pkept != NULL && c->pkept[s] != NULL)
        return c->pkept[s];
    m = c->pkept != NULL ? pt_moments_new(c->p) : tmp;
    if (m == NULL)
        return NULL;
    x = pt_image_block(c->img, b, &y, &n);
    rc = s < c->nblocks ? pt_moments_from_rows(m, x, y, lim)
                        : pt_moments_from_rows_w(m, x, y, pt_image_block_w(c->img, b), lim);
    if (rc != 0) {
        if (m != tmp)
            pt_moments_destroy(&m);
        return NULL;
    }
    if (c->pkept != NULL)
        c->pkept[s] = m;
    return m;
}

/* The rows of block b a prefix set reads. */
static size_t prefix_rows(const pt_trainset_cache_t *c, const int32_t *rows, size_t b)
{
    size_t n;
    pt_image_block(c->img, b, NULL, &n);
    return (size_t)rows[b] < n ? (size_t)rows[b] : n;
}

int pt_trainset_fold_prefix(pt_trainset_cache_t *c, int fold, const int32_t *rows,
                            size_t nrows, pt_trainset_t *ts, char *err)
{
    pt_moments_t *tmp = NULL;
    size_t vb, whole = 1;
    int rc = 0;

    memset(ts, 0, sizeof *ts);
    if (nrows != c->nblocks || fold < 0 || (size_t)fold >= c->nblocks || (c->tvs && fold != 0)) {
        if (nrows != c->nblocks)
            pt_seterr(err, "a prefix of %zu blocks for an image of %zu", nrows, c->nblocks);
        else
            pt_seterr(err, "fold %d does not exist in the image", fold);
        return -EINVAL;
    }
    for (size_t b = 0; b < c->nblocks; b++) {
        size_t n;
        pt_image_block(c->img, b, NULL, &n);
        whole &= rows[b] >= 0 && (size_t)rows[b] >= n;
    }
    if (whole) /* every row: the set of pt_trainset_fold, with its caches */
        return pt_trainset_fold(c, fold, ts, err);
    if (!c->has_plim || memcmp(c->plim, rows, c->nblocks * sizeof *rows) != 0) {
        prefix_forget(c); /* another rung: what was kept is of other rows */
        memcpy(c->plim, rows, c->nblocks * sizeof *rows);
        c->has_plim = 1;
    }
    vb = c->tvs ? 1 : (size_t)fold;
    if (set_begin(c, vb, ts) != 0 || (tmp = pt_moments_new(c->p)) == NULL) {
        pt_seterr(err, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    for (size_t b = 0, i = 0; b < c->nblocks; b++)
        if (b != vb)
            ts->blocks[i++].n = prefix_rows(c, rows, b);
    ts->pca = c->ppca != NULL ? &c->ppca[vb] : NULL;
    ts->imp = c->pimp != NULL ? &c->pimp[vb] : NULL;
    ts->validates = 1;
    ts->vblock = vb;
    ts->vrows = prefix_rows(c, rows, vb);
    ts->prefix = 1;
    for (size_t s = 0; s < c->nslots; s++) {
        size_t b = s % c->nblocks, n;
        const pt_moments_t *bm;
        pt_image_block(c->img, b, NULL, &n);
        if (b == vb) { /* kept for the scoring (keep), which otherwise reads the rows */
            if (c->pkept != NULL && prefix_moments(c, s, ts->vrows, tmp) == NULL)
                rc = -ENOMEM;
            continue;
        }
        bm = prefix_rows(c, rows, b) == n ? block_moments(c, s, tmp)
                                          : prefix_moments(c, s, prefix_rows(c, rows, b), tmp);
        if (bm == NULL) {
            rc = -ENOMEM;
            break;
        }
        pt_moments_merge(s < c->nblocks ? ts->moments : ts->wmoments, bm);
    }
    if (rc != 0)
        pt_seterr(err, "out of memory computing moments");
out:
    pt_moments_destroy(&tmp);
    if (rc != 0)
        pt_trainset_clear(ts);
    return rc;
}

int pt_trainset_rows(pt_trainset_cache_t *c, int fold, pt_trainset_t *ts, char *err)
{
    memset(ts, 0, sizeof *ts);
    if (fold < 0 || (size_t)fold >= c->nblocks || (c->tvs && fold != 0)) {
        pt_seterr(err, "fold %d does not exist in the image", fold);
        return -EINVAL;
    }
    if (set_begin(c, c->tvs ? 1 : (size_t)fold, ts) != 0) {
        pt_trainset_clear(ts);
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    ts->validates = 1;
    ts->vblock = c->tvs ? 1 : (size_t)fold;
    return 0;
}

/* ---------------------------------------------------------------- the refit's moments */

typedef struct {
    const double *x, *y, *w; /* w: the rows' weights for a weighted slot, else NULL */
    size_t n, block;         /* block: the slot */
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
    for (size_t i = r->first; i < r->npieces; i += r->stride) {
        piece_t *pc = &r->pieces[i];
        pc->rc = pc->w != NULL ? pt_moments_from_rows_w(pc->m, pc->x, pc->y, pc->w, pc->n)
                               : pt_moments_from_rows(pc->m, pc->x, pc->y, pc->n);
    }
    return NULL;
}

/* Cuts every slot whose moments are not known into PT_TRAINSET_REFIT_PIECES pieces, in
 * slot order, into pc (room for all). Returns the piece count, or -ENOMEM. */
static long cut_pieces(pt_trainset_cache_t *c, piece_t *pc)
{
    size_t np = 0;
    for (size_t b = 0; b < c->nslots; b++) {
        const double *x, *y, *w = NULL;
        size_t n;
        if (known_moments(c, b) != NULL)
            continue;
        x = pt_image_block(c->img, b % c->nblocks, &y, &n);
        if (b >= c->nblocks)
            w = pt_image_block_w(c->img, b - c->nblocks);
        for (size_t k = 0; k < PT_TRAINSET_REFIT_PIECES; k++, np++) {
            size_t lo = n * k / PT_TRAINSET_REFIT_PIECES;
            size_t hi = n * (k + 1) / PT_TRAINSET_REFIT_PIECES;
            pc[np] = (piece_t){x + lo * c->p, y + lo, w != NULL ? w + lo : NULL, hi - lo, b,
                               pt_moments_new(c->p), 0};
            if (pc[np].m == NULL)
                return -ENOMEM;
        }
    }
    return (long)np;
}

/* Computes np pieces on `threads` threads, on cpus when ncpus > 0. */
static void run_pieces(piece_t *pc, size_t np, size_t threads, const int32_t *cpus,
                       size_t ncpus)
{
    piece_run_t run[64];
    cpu_set_t before;
    int widened = 0;

    if (threads < 1)
        threads = 1;
    if (threads > sizeof run / sizeof run[0])
        threads = sizeof run / sizeof run[0];
    if (threads > np)
        threads = np > 0 ? np : 1;
    if (ncpus > 0 && sched_getaffinity(0, sizeof before, &before) == 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        for (size_t i = 0; i < ncpus; i++)
            if (cpus[i] >= 0 && cpus[i] < CPU_SETSIZE)
                CPU_SET(cpus[i], &set);
        widened = sched_setaffinity(0, sizeof set, &set) == 0; /* threads inherit it */
    }
    for (size_t t = 0; t < threads; t++)
        run[t] = (piece_run_t){pc, np, threads, t};
    pt_run_each(run, threads, sizeof *run, piece_thread);
    if (widened)
        sched_setaffinity(0, sizeof before, &before);
}

int pt_trainset_all(pt_trainset_cache_t *c, size_t threads, const int32_t *cpus, size_t ncpus,
                    pt_trainset_t *ts, char *err)
{
    size_t maxpieces = c->nslots * PT_TRAINSET_REFIT_PIECES;
    piece_t *pc = NULL;
    long np;
    int rc = 0;

    if (set_begin(c, c->nblocks, ts) != 0) {
        pt_seterr(err, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    if ((pc = calloc(maxpieces, sizeof *pc)) == NULL || (np = cut_pieces(c, pc)) < 0) {
        rc = -ENOMEM;
        goto moments;
    }
    run_pieces(pc, (size_t)np, threads, cpus, ncpus);
    /* slot order; a slot cut into pieces stays so even if its moments appear meanwhile */
    for (size_t b = 0, k = 0; rc == 0 && b < c->nslots; b++) {
        pt_moments_t *into = b < c->nblocks ? ts->moments : ts->wmoments;
        if (k >= (size_t)np || pc[k].block != b) {
            pt_moments_merge(into, known_moments(c, b));
            continue;
        }
        for (size_t e = k + PT_TRAINSET_REFIT_PIECES; k < e; k++) {
            if (pc[k].rc != 0)
                rc = -ENOMEM;
            else
                pt_moments_merge(into, pc[k].m);
        }
    }
moments:
    if (rc != 0)
        pt_seterr(err, "out of memory computing moments");
out:
    for (size_t i = 0; pc != NULL && i < maxpieces; i++)
        pt_moments_destroy(&pc[i].m);
    free(pc);
    if (rc != 0)
        pt_trainset_clear(ts);
    return rc;
}

/* ---------------------------------------------------------------- jobs */

int pt_trainset_check_job(const pt_msg_t *job, char *err)
{
    const char *name = pt_job_kind_name(job->kind);
    switch (job->kind) {
    case PT_JOB_STATS:
        if (job->param_index == -1)
            return 0;
        break;
    case PT_JOB_FIT:
        if (job->param_index >= 0 && job->fold >= 0)
            return 0;
        break;
    case PT_JOB_REFIT:
        if (job->param_index >= 0 && job->fold == -1)
            return 0;
        break;
    case PT_JOB_BINS:
    case PT_JOB_OOF:
        if (job->param_index >= 0 && job->fold >= 0)
            return 0;
        break;
    default:
        pt_seterr(err, "job of unknown kind %d", (int)job->kind);
        return -EINVAL;
    }
    pt_seterr(err, "a %s job cannot have param map %d and fold %d", name,
              (int)job->param_index, (int)job->fold);
    return -EINVAL;
}

/* ---------------------------------------------------------------- fit and score */

pt_fitted_t *pt_trainset_fit(const pt_trainset_cache_t *c, const pt_trainset_t *ts,
                             char *const *stages, size_t nstages, const pt_paramlist_t *params,
                             char *err)
{
    const pt_image_hdr_t *h = pt_image_header(c->img);
    pt_raw_layout_t raw = {.ncat = (size_t)h->ncat, .cat_size = h->cat_size,
                           .cat_missing = h->cat_missing,
                           .nmiss = (size_t)h->nmiss, .miss_col = h->miss_col,
                           .for_model = !ts->validates, .wm = ts->wmoments,
                           .codes = ts->codes, .threads = ts->threads,
                           .impute_cache = ts->imp, .warm = ts->warm};
    return pt_pipeline_fit_raw(ts->moments, ts->blocks, ts->nblocks, stages, nstages, params,
                               c->o.nclasses, ts->pca, &raw, err);
}

/* The moments of slot s (ts's validation block's) over the rows ts scores: the block's when
 * known, a prefix set's when kept (pt_trainset_fold_prefix); NULL: read the rows. */
static const pt_moments_t *val_moments(pt_trainset_cache_t *c, const pt_trainset_t *ts,
                                       size_t s)
{
    if (ts->prefix)
        return c->pkept != NULL && ts->vrows > 0 ? c->pkept[s] : NULL;
    return known_moments(c, s);
}

/* rmse, mse, r2 or var of a regressor on validation block vb from that block's moments
 * (pt_eval_regression_moments), which makes the evaluation cost O(features^2) instead of a
 * pass over the block. 0 with *metric set, or -1: evaluate on the rows. */
static int score_from_moments(pt_trainset_cache_t *c, const pt_fitted_t *fit,
                              const pt_trainset_t *ts, pt_metric_t mt, double *metric)
{
    const pt_moments_t *vm;
    size_t vb = ts->vblock;
    const double *coef;
    double icpt;
    int weighted = c->nslots > c->nblocks;
    if (c->o.ev != PT_EVAL_REGRESSION || !c->o.keep || pt_fitted_linear(fit, &coef, &icpt) != 0)
        return -1;
    /* weighted r2 (Spark's SStot has the sum of squared weights in it) reads the rows */
    if (weighted && mt == PT_METRIC_R2)
        return -1;
    if ((vm = val_moments(c, ts, weighted ? c->nblocks + vb : vb)) == NULL)
        return -1;
    return pt_eval_regression_moments(mt, vm, coef, icpt, metric);
}

/* The validation rows a skipping stringIndexer drops (pt_fitted_keep_rows) taken out of the
 * n predictions in c's scratch (pred, score, and prob of K classes when K > 0), of the
 * labels *y and of the weights *w when not NULL (both then copied to *ybuf, which the caller
 * frees). Returns the rows left, 0 with err when none is, or -ENOMEM. */
static long drop_rows(pt_trainset_cache_t *c, const pt_fitted_t *fit, const double *x,
                      size_t n, size_t K, const double **y, const double **w, double **ybuf,
                      char *err)
{
    unsigned char *keep = malloc(n ? n : 1);
    size_t m = 0;
    *ybuf = malloc((n ? 2 * n : 1) * sizeof **ybuf); /* the labels, then the weights */
    if (keep == NULL || *ybuf == NULL) {
        free(keep);
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    pt_fitted_keep_rows(fit, x, n, keep);
    for (size_t i = 0; i < n; i++) {
        if (!keep[i])
            continue;
        (*ybuf)[m] = (*y)[i];
        if (*w != NULL)
            (*ybuf)[n + m] = (*w)[i];
        c->pred[m] = c->pred[i];
        c->score[m] = c->score[i];
        if (K > 0)
            memmove(c->prob + m * K, c->prob + i * K, K * sizeof *c->prob);
        m++;
    }
    free(keep);
    *y = *ybuf;
    if (*w != NULL)
        *w = *ybuf + n;
    if (m == 0)
        pt_seterr(err, "stringIndexer handleInvalid skip: every one of the %zu validation rows "
                  "has a category not in the training rows: nothing left to score", n);
    return (long)m;
}

/* The nm metrics mts of fit on its validation block into out: each from the block's moments
 * when it can be, the others from the rows, predicted once. */
static int score_metrics(pt_trainset_cache_t *c, const pt_trainset_t *ts, const pt_fitted_t *fit,
                         const pt_metric_t *mts, size_t nm, double *out, char *err)
{
    const double *x, *y, *w = pt_image_block_w(c->img, ts->vblock);
    double *ybuf = NULL;
    size_t n, K = pt_fitted_classes(fit), rows_needed = 0;
    size_t maxK = c->o.nclasses > 2 ? c->o.nclasses : 2;
    const pt_moments_t *vm = val_moments(c, ts, ts->vblock);
    int drops = pt_fitted_may_drop(fit, vm != NULL ? vm->mean : NULL);
    unsigned char from_rows[1 + PT_TRAINSET_MAX_ALSO];
    long left;

    for (size_t i = 0; i < nm; i++) {
        from_rows[i] = drops || score_from_moments(c, fit, ts, mts[i], &out[i]) != 0;
        rows_needed += from_rows[i];
    }
    if (rows_needed == 0)
        return 0;
    x = pt_image_block(c->img, ts->vblock, &y, &n);
    if (ts->prefix && ts->vrows < n) /* a rung of successive halving: its first rows */
        n = ts->vrows;
    if (c->o.ev != PT_EVAL_REGRESSION && K == 0) {
        pt_seterr(err, "the %s evaluator needs a classifier", pt_eval_evaluator_name(c->o.ev));
        return -EINVAL;
    }
    if (pt_fitted_predict(fit, x, n, c->pred, c->score, K > 0 && K <= maxK ? c->prob : NULL)) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    if (drops && (left = drop_rows(c, fit, x, n, K > 0 && K <= maxK ? K : 0, &y, &w, &ybuf,
                                   err)) <= 0) {
        free(ybuf);
        return left < 0 ? (int)left : -EINVAL;
    }
    if (drops)
        n = (size_t)left;
    for (size_t i = 0; i < nm; i++) {
        if (!from_rows[i])
            continue;
        if (c->o.ev == PT_EVAL_BINARY)
            out[i] = pt_eval_binary_w(mts[i], c->score, y, w, n, c->o.num_bins);
        else if (c->o.ev == PT_EVAL_MULTICLASS)
            out[i] = pt_eval_multiclass_w(mts[i], c->pred, c->prob, y, w, n, K);
        else
            out[i] = pt_eval_regression_w(mts[i], c->pred, y, w, n);
    }
    free(ybuf);
    return 0;
}

int pt_trainset_score(pt_trainset_cache_t *c, const pt_trainset_t *ts, const pt_fitted_t *fit,
                      double *metric, char *err)
{
    return score_metrics(c, ts, fit, &c->o.metric, 1, metric, err);
}

int pt_trainset_score_also(pt_trainset_cache_t *c, const pt_trainset_t *ts,
                           const pt_fitted_t *fit, double *metric, double *also, char *err)
{
    pt_metric_t mts[1 + PT_TRAINSET_MAX_ALSO];
    double out[1 + PT_TRAINSET_MAX_ALSO];
    size_t nm = 1 + (c->o.nalso < PT_TRAINSET_MAX_ALSO ? c->o.nalso : PT_TRAINSET_MAX_ALSO);
    int rc;
    mts[0] = c->o.metric;
    memcpy(mts + 1, c->o.also, (nm - 1) * sizeof *mts);
    if ((rc = score_metrics(c, ts, fit, mts, nm, out, err)) != 0)
        return rc;
    *metric = out[0];
    memcpy(also, out + 1, (nm - 1) * sizeof *also);
    return 0;
}
