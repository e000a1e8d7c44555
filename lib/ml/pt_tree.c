/* pt_tree.c - one tree grown level-wise on binned codes with Spark's rules (see pt_tree.h).
 *
 * A level is a list of families: the two children of a node split on the level above (or
 * the root alone), each child with its row range in the index array, its totals and whether
 * it is evaluated (a pre-marked leaf is not). The families of a level are processed in
 * chunks that fit the histogram buffer pool: for each chunk, the threads build the
 * histograms of the children that are built directly, each lane (see LANE_ROWS: a child of
 * many rows is summed in contiguous ranges of its rows, added up in a fixed order, so that
 * every core works on the root too and the sums do not depend on the threads) taken by the
 * next idle thread; then threads that own disjoint ranges of feature slots add up the lanes,
 * subtract the siblings and find each (child, slot)'s best split (the root: its calc
 * between the two); then this
 * thread picks each child's best slot in slot order, writes the node, partitions its row
 * ids (stable, so the rows keep the order pt_tree_data_t.order gives), notes a leaf's rows
 * (pt_tree_ws_add_leaves; with boosting's margins set, a split into two leaves adds its rows'
 * margins instead of moving them) and appends the next level's family. With one-byte codes the
 * workspace keeps a row-major copy of them (a row's codes in one cache line for 30
 * features), and a node's histograms of all a thread's slots come from one pass over its
 * rows (pt_hist_build_rows); the row records are kept by row id, so that a partition moves
 * 4-byte ids only. A histogram is kept for subtraction only when every feature is a candidate (a
 * subset's histogram lacks the sibling's features), when subtracting cannot round a tie the
 * other way (SUB_MIN_ROWS) and while the pool has room: a child whose parent's histogram
 * was not kept is built directly.
 *
 * The sums follow Spark's binsToBestSplit where rounding could break a tie: a split's right
 * side is the feature's cumulative total minus its left prefix (unordered: the node's row
 * sum minus the subset), the root's statistics are the left + right of its first split, a
 * child's are the ones its parent's split handed down, and bins add rows in row order (a
 * node of at least 2 LANE_ROWS rows: per lane, the lanes then in order, as Spark's
 * partitions are merged).
 *
 * The parallel steps (a level's lanes, its merges and searches, its partitions, the leaves'
 * margins, boosting's residuals) run on the workspace's helper threads, started with it and
 * parked between steps (pool_run), not on threads started per step.
 */
#include "pt_tree.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_hist.h"

#define CHUNK_MAX 256            /* families per chunk (bounds the buffers a chunk holds) */
#define THREAD_WORK 65536        /* row-features of a chunk below which one thread builds */
#define SEARCH_WORK 65536        /* histogram doubles a thread merges or searches at least */
#define PART_WORK 16384          /* rows a partitioning thread takes at least */
#define ADD_THREADS 64           /* the most threads pt_tree_ws_add_leaves uses */
/* Subtraction rounds differently from Spark's row-by-row sums unless every sum is an
 * integer (class counts with integer weights): then only children of at least this many
 * rows are subtracted, where two features splitting the rows alike (an exact tie that the
 * rounding could break the other way) does not happen in practice. */
#define SUB_MIN_ROWS 4096
#define PH_MERGE 1               /* chunk phases (by feature slots): lanes summed, siblings */
#define PH_SEARCH 2              /* the best split of each (kid, slot) */
/* A node of m >= 2 LANE_ROWS rows is summed in lanes: min(m / LANE_ROWS, LANE_MAX)
 * contiguous ranges of its positions, each summed from zero in position order, then added up
 * in lane order (Spark's partitions, merged in order). The lanes depend on m alone, so the
 * histograms (and the trees) do not depend on the threads that build them. */
#define LANE_ROWS 16384
#define LANE_MAX 16

typedef struct {
    uint32_t lo, hi;             /* rows idx[lo..hi) */
    uint32_t id;                 /* Spark's node id */
    int32_t out;                 /* node in the output tree */
    int hist;                    /* buffer id, -1 none */
    int eval;                    /* evaluated (not a pre-marked leaf) */
    int direct;                  /* its histogram is built from its rows (else subtracted) */
    uint32_t nlanes, lane0;      /* direct: its lanes; lanes 1.. go to lbuf[lane0..] */
    int32_t job;                 /* decided: its split's partition (pj), or -1 for a leaf */
    double imp;                  /* impurity of its totals */
} knode_t;

typedef struct {
    int pbuf;                    /* the parent's histogram (every feature), or -1 */
    int nkid;                    /* 2, or 1 for the root */
    int small;                   /* with subtraction: the kid built (the other = parent - it) */
    knode_t kid[2];
} family_t;

typedef struct {
    double gain;
    int32_t split;
} best_t;

/* A leaf of the last tree grown: its rows idx[lo..hi) and its prediction. */
typedef struct {
    uint32_t lo, hi;
    double pred;
} leafrows_t;

/* One lane of a direct kid's histogram to build: rows idx[lo..hi) of kid k of the chunk's
 * family c, into h. */
typedef struct {
    uint32_t lo, hi, c, k;
    double *h;
} btask_t;

/* A split of the chunk to partition: its node's rows idx[lo..hi) by feature f (goleft of
 * its codes: ws->goleft + its index * max_nbins), cut into nseg segments (seg[seg0..]); nl,
 * the left rows, once partitioned. Its children's family (next level, fam, or -1 when
 * neither is evaluated), and the children's leaf flags and predictions for their rows. */
typedef struct {
    uint32_t lo, hi, f, nl, nseg, seg0;
    int32_t fam;
    uint8_t eval[2];
    uint8_t add;                 /* both children leaves and margins set (pt_tree_ws_margins):
                                    w * pred added to the rows' margins, the rows not moved */
    double pred[2];
} pjob_t;

/* A segment of a split's rows, idx[lo..hi), and its left rows nl once partitioned. */
typedef struct {
    uint32_t lo, hi, job, nl;
} pseg_t;

/* A thread's share of a chunk: feature slots [s0, s1), and its scratch. */
typedef struct {
    struct pt_tree_ws *ws;
    size_t f0, f1, s0, s1;
    double *cat, *left, *right, *total, *cen;
    double *sub;                 /* unordered splits' left cells summed row by row */
    double *pre;                 /* reg_best's prefixes and gains: 5 x (max_nbins + 4) */
    uint32_t *order;
} task_t;

/* The workspace's helper threads, started with it and parked between runs: a tree of depth
 * d runs about 3d + 2 parallel steps, and starting and joining threads for each cost about
 * 30 us apiece (a refit's 200 trees on 200,000 rows: a tenth of a second at two threads).
 * A run: the caller posts (fn, items, n) and bumps gen; helper k < n runs item k, the
 * caller item 0; the caller waits until the n - 1 helpers are done. */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    pthread_t *tid;
    size_t nthr;                 /* helpers started */
    unsigned long gen;           /* runs posted */
    char *items;
    size_t n, size, left;        /* this run's items, their size, helpers not yet done */
    void *(*fn)(void *);
    int stop;
    struct helper *harg;         /* the helpers' start arguments */
} pool_t;

/* A helper's start: its index k (1..) and the pool. */
typedef struct helper {
    pool_t *pool;
    size_t k;
} helper_t;

struct pt_tree_ws {
    const pt_tree_data_t *d;
    pt_tree_cfg_t cfg;
    size_t n, p, p_num, K, ncell, nstat, m, H, max_arity, max_nbins;
    size_t *foff;
    uint32_t *nsplit;
    uint8_t *unordered;
    int any_unordered;
    size_t max_usplits;          /* splits of the widest unordered feature */
    uint32_t *idx, *tmp;         /* row ids by position, partitioned per node */
    uint8_t *rows;               /* row-major copy of the codes (one-byte codes), or NULL:
                                    row i's at rows + i * rstride */
    size_t rstride;
    pt_hist_row_t *rec;          /* the rows' records, by row id */
    const double *yu;            /* this tree's labels when its rows are unit rows (weight and
                                    count 1: pt_hist_build_rows_y; rec not written), or NULL */
    double **buf;
    int *freel;
    size_t nbuf_max, nbuf, nfree;
    family_t *fam, *next;
    double *tot, *ntot;          /* ncell per kid: (family * 2 + kid): Spark's node calc */
    double *ptot;                /* chunk: (family * 2 + kid): the rows' direct sum */
    size_t nfam, nnext, cap_fam;
    uint32_t *feats;             /* chunk: (family * 2 + kid) * m slots */
    best_t *best;
    task_t *task;
    size_t ntask;
    uint8_t *goleft;             /* per split of pj: max_nbins flags, code goes left */
    uint64_t *set;               /* a split's left set, max_arity bits */
    leafrows_t *leaves;          /* the last tree's leaves (pt_tree_ws_add_leaves) */
    size_t nleaves, cap_leaves;
    int depth;
    int phase;                   /* what chunk_task does: PH_MERGE, PH_SEARCH or both */
    double **lbuf;               /* lanes 1.. of the chunk's direct kids (H doubles each) */
    size_t nlbuf, nlane, lane_cap; /* allocated; used by the chunk; the most a chunk uses */
    btask_t *bt;                 /* the chunk's lanes to build, largest first */
    size_t nbt, cap_bt;
    atomic_size_t bnext;         /* the next of bt (seg) a building (partitioning) thread
                                    takes */
    pjob_t *pj;                  /* the chunk's splits to partition */
    size_t npj, cap_pj;
    pseg_t *seg;                 /* their segments */
    size_t nseg, cap_seg;
    int exact;                   /* this tree's sums are integers (subtraction is exact) */
    double *F, mw;               /* the margins the next tree adds to (pt_tree_ws_margins) */
    pool_t *pool;                /* threads - 1 helpers started once, or NULL (one thread) */
};

/* ---- the helper threads ------------------------------------------------------------------ */

static void *pool_helper(void *arg)
{
    const helper_t *h = arg;
    pool_t *p = h->pool;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->gen == seen && !p->stop)
            pthread_cond_wait(&p->go, &p->mu);
        if (p->stop)
            break;
        seen = p->gen; /* a run without an item for it (k >= n) is skipped */
        if (h->k >= p->n)
            continue;
        pthread_mutex_unlock(&p->mu);
        p->fn(p->items + h->k * p->size); /* fn, items, size: fixed until left is 0 */
        pthread_mutex_lock(&p->mu);
        if (--p->left == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Stops and joins the helpers and frees the pool (accepts NULL). */
static void pool_free(pool_t *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    for (size_t k = 0; k < p->nthr; k++)
        pthread_join(p->tid[k], NULL);
    pthread_cond_destroy(&p->go);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    free(p->tid);
    free(p->harg);
    free(p);
}

/* A pool of up to nh helpers (fewer when a thread cannot be started: runs then use fewer
 * threads, with the same results), or NULL when out of memory. */
static pool_t *pool_new(size_t nh)
{
    pool_t *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->tid = pt_alloc_array(nh, sizeof *p->tid, 0);
    p->harg = pt_alloc_array(nh, sizeof *p->harg, 0);
    if (p->tid == NULL || p->harg == NULL || pthread_mutex_init(&p->mu, NULL) != 0) {
        free(p->tid);
        free(p->harg);
        free(p);
        return NULL;
    }
    pthread_cond_init(&p->go, NULL);
    pthread_cond_init(&p->done, NULL);
    for (size_t k = 0; k < nh; k++) {
        p->harg[k] = (helper_t){p, k + 1};
        if (pthread_create(&p->tid[k], NULL, pool_helper, &p->harg[k]) != 0)
            break;
        p->nthr++;
    }
    return p;
}

/* Runs fn on items[0..n) (size bytes each): item k on helper k for k <= the helpers, item 0
 * and any beyond them on this thread; returns when every item is done. Without a pool (one
 * thread): all of them here, in order. */
static void pool_run(pool_t *p, void *items, size_t n, size_t size, void *(*fn)(void *))
{
    char *it = items;
    size_t nh = p == NULL || n == 0 ? 0 : p->nthr < n - 1 ? p->nthr : n - 1;
    if (nh > 0) {
        pthread_mutex_lock(&p->mu);
        p->fn = fn;
        p->items = it;
        p->size = size;
        p->n = nh + 1;
        p->left = nh;
        p->gen++;
        pthread_cond_broadcast(&p->go);
        pthread_mutex_unlock(&p->mu);
    }
    for (size_t k = 0; k < n; k++)
        if (k == 0 || k > nh)
            fn(it + k * size);
    if (nh > 0) {
        pthread_mutex_lock(&p->mu);
        while (p->left > 0)
            pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}

void pt_tree_ws_run(pt_tree_ws_t *ws, void *items, size_t n, size_t size, void *(*fn)(void *))
{
    pool_run(ws->pool, items, n, size, fn);
}

/* ---- Spark's numbers ---------------------------------------------------------------- */

double pt_tree_impurity(pt_impurity_t imp, const double *cell, size_t K)
{
    double W = 0, r;
    if (K == 0) {
        W = cell[0];
        if (W == 0)
            return 0;
        return (cell[2] - cell[1] * cell[1] / W) / W;
    }
    for (size_t k = 0; k < K; k++)
        W += cell[k];
    if (W == 0)
        return 0;
    if (imp == PT_IMP_ENTROPY) {
        r = 0;
        for (size_t k = 0; k < K; k++)
            if (cell[k] != 0) {
                double f = cell[k] / W;
                r -= f * (log(f) / log(2.0));
            }
        return r;
    }
    r = 1.0;
    for (size_t k = 0; k < K; k++) {
        double f = cell[k] / W;
        r -= f * f;
    }
    return r;
}

static double cell_weight(const double *cell, size_t K)
{
    double W = 0;
    if (K == 0)
        return cell[0];
    for (size_t k = 0; k < K; k++)
        W += cell[k];
    return W;
}

double pt_tree_predict_cell(const double *cell, size_t K)
{
    if (K == 0)
        return cell[0] == 0 ? 0 : cell[1] / cell[0];
    size_t b = 0; /* the first maximum; an empty node predicts 0 */
    for (size_t k = 1; k < K; k++)
        if (cell[k] > cell[b])
            b = k;
    return (double)b;
}

int pt_tree_max_unordered(int mpb)
{
    return (int)floor(log((double)(mpb / 2 + 1)) / log(2.0) + 1);
}

/* Spark's calculateImpurityStats: the gain of the split with left cell L and right cell R,
 * or -DBL_MAX when invalid. */
static double split_gain(const struct pt_tree_ws *ws, const double *L, const double *R,
                         double imp)
{
    size_t K = ws->K, nc = ws->ncell;
    if (L[nc - 1] < ws->cfg.min_instances || R[nc - 1] < ws->cfg.min_instances)
        return -DBL_MAX;
    double wl = cell_weight(L, K), wr = cell_weight(R, K);
    if (wl < ws->cfg.min_weight || wr < ws->cfg.min_weight)
        return -DBL_MAX;
    double W = wl + wr;
    double g = imp - wl / W * pt_tree_impurity(ws->cfg.impurity, L, K) -
               wr / W * pt_tree_impurity(ws->cfg.impurity, R, K);
    return g < ws->cfg.min_info_gain ? -DBL_MAX : g;
}

/* ---- split search of one (node, feature) ------------------------------------------------ */

/* The category cells of categorical feature f (index k = f - p_num) from its histogram h
 * over global codes. */
static void category_cells(const struct pt_tree_ws *ws, size_t f, const double *h, double *cat)
{
    size_t k = f - ws->p_num, nc = ws->ncell, a = ws->d->arity[k];
    const int32_t *ci = ws->d->cat_index[k];
    memset(cat, 0, a * nc * sizeof *cat);
    for (uint32_t b = 0; b < ws->d->bins->nbins[f]; b++) {
        if (ci[b] < 0 || (size_t)ci[b] >= a)
            continue;
        double *c = cat + (size_t)ci[b] * nc;
        for (size_t i = 0; i < nc; i++)
            c[i] += h[b * nc + i];
    }
}

/* Spark's centroid order of the categories (stable sort by centroid; an empty category
 * last, at Double.MaxValue). */
static void centroid_order(const struct pt_tree_ws *ws, const double *cat, size_t a,
                           double *cen, uint32_t *order)
{
    size_t K = ws->K, nc = ws->ncell;
    for (size_t c = 0; c < a; c++) {
        const double *x = cat + c * nc;
        double W = cell_weight(x, K);
        if (W == 0 || x[nc - 1] == 0)
            cen[c] = DBL_MAX;
        else if (K > 2)
            cen[c] = pt_tree_impurity(ws->cfg.impurity, x, K);
        else if (K == 2)
            cen[c] = x[1];
        else if (K == 1)
            cen[c] = 0;
        else
            cen[c] = x[1] / x[0];
        /* insertion sort: stable */
        size_t j = c;
        while (j > 0 && cen[order[j - 1]] > cen[c]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = (uint32_t)c;
    }
}

/* One candidate split s with left cell L and total T (right = T - L, into t->right): 1 when
 * it is split want (the caller stops: t->left and t->right are its children's cells), else
 * its gain is compared with the best so far (the first maximum). */
static int candidate(task_t *t, const double *T, double imp, size_t s, int32_t want,
                     double *bg, int32_t *bs)
{
    for (size_t i = 0; i < t->ws->ncell; i++)
        t->right[i] = T[i] - t->left[i];
    if (want >= 0)
        return (int32_t)s == want;
    double g = split_gain(t->ws, t->left, t->right, imp);
    if (g > *bg) {
        *bg = g;
        *bs = (int32_t)s;
    }
    return 0;
}

/* The sum of n cells (of nc doubles) of h, taken in the order ord (NULL: 0..n-1), into T:
 * Spark's cumulative total of a feature's bins (the last bin after mergeForFeature). */
static void cum_total(const double *h, size_t n, size_t nc, const uint32_t *ord, double *T)
{
    memset(T, 0, nc * sizeof *T);
    for (size_t b = 0; b < n; b++) {
        const double *x = h + (ord ? ord[b] : b) * nc;
        for (size_t i = 0; i < nc; i++)
            T[i] += x[i];
    }
}

/* A regression cell (or four lanes of one quantity), and its lanes as integers for masks. */
typedef double v4d __attribute__((vector_size(32), aligned(8)));
typedef long long v4i __attribute__((vector_size(32), aligned(8)));

/* feature_best's search of a continuous feature with regression cells [W, sum wy, sum wy^2,
 * n] (boosting's and the regressors' trees): the same operations in the same order as
 * cum_total, candidate and split_gain (so the same gains to the bit), without their loops
 * over the cell and the calls, over ns splits of h's nb bins: the prefix sums in split
 * order, then the gains of four splits at a time (lane-wise IEEE operations, as the scalar
 * ones), then the first maximum in split order. */
__attribute__((target_clones("avx2", "default"))) static void
reg_best(task_t *t, const double *h, size_t nb, size_t ns, double imp, double *bg,
         int32_t *bs)
{
    const struct pt_tree_ws *ws = t->ws;
    double mi = ws->cfg.min_instances, mw = ws->cfg.min_weight, mg = ws->cfg.min_info_gain;
    double *a0 = t->pre, *a1 = a0 + ws->max_nbins + 4, *a2 = a1 + ws->max_nbins + 4;
    double *a3 = a2 + ws->max_nbins + 4, *gain = a3 + ws->max_nbins + 4;
    v4d T = {0, 0, 0, 0}, L = {0, 0, 0, 0}, neg = {-DBL_MAX, -DBL_MAX, -DBL_MAX, -DBL_MAX};
    size_t s = 0;
    for (size_t b = 0; b < nb; b++)
        T += *(const v4d *)(h + 4 * b);
    for (size_t k = 0; k < ns; k++) {
        L += *(const v4d *)(h + 4 * k);
        a0[k] = L[0];
        a1[k] = L[1];
        a2[k] = L[2];
        a3[k] = L[3];
    }
    for (size_t k = ns; k < ns + 4; k++) /* the last block's spare lanes: never picked */
        a0[k] = a1[k] = a2[k] = a3[k] = 0;
    {
        v4d T0 = {T[0], T[0], T[0], T[0]}, T1 = {T[1], T[1], T[1], T[1]};
        v4d T2 = {T[2], T[2], T[2], T[2]}, T3 = {T[3], T[3], T[3], T[3]};
        for (; s < ns; s += 4) { /* each lane: the scalar rule's operations in its order */
            v4d L0 = *(const v4d *)(a0 + s), L1 = *(const v4d *)(a1 + s);
            v4d L2 = *(const v4d *)(a2 + s), L3 = *(const v4d *)(a3 + s);
            v4d R0 = T0 - L0, R1 = T1 - L1, R2 = T2 - L2, R3 = T3 - L3, W = L0 + R0;
            v4d il = (L2 - L1 * L1 / L0) / L0, ir = (R2 - R1 * R1 / R0) / R0, g;
            il = (v4d)((v4i)il & ~(v4i)(L0 == 0)); /* an empty side's impurity: 0 */
            ir = (v4d)((v4i)ir & ~(v4i)(R0 == 0));
            g = imp - L0 / W * il - R0 / W * ir;
            v4i bad = (L3 < mi) | (R3 < mi) | (L0 < mw) | (R0 < mw) | (g < mg);
            *(v4d *)(gain + s) = (v4d)(((v4i)g & ~bad) | ((v4i)neg & bad));
        }
    }
    for (s = 0; s < ns; s++)
        if (gain[s] > *bg) {
            *bg = gain[s];
            *bs = (int32_t)s;
        }
}

/* Searches feature f of a node for its best split, as Spark's binsToBestSplit: histogram
 * h of the feature, the node's impurity imp and its row total P (used by unordered
 * features); the right side of a continuous or ordered split is the feature's cumulative
 * total minus the left prefix, of an unordered one P minus the subset. The first maximum
 * gain goes into *gain and its index into *split (-1: the feature has no candidate). With
 * want >= 0, computes instead split want's children cells into t->left and t->right and,
 * for a categorical feature, its left set into set (zeroed by the caller). */
static void feature_best(task_t *t, size_t f, const double *h, const double *P, double imp,
                         int32_t want, uint64_t *set, double *gain, int32_t *split)
{
    const struct pt_tree_ws *ws = t->ws;
    size_t nc = ws->ncell, ns = ws->nsplit[f];
    double *L = t->left, bg = -INFINITY, *T = t->total;
    int32_t bs = -1;
    memset(L, 0, nc * sizeof *L);
    if (ns > 0 && f < ws->p_num && ws->K == 0 && want < 0) {
        reg_best(t, h, ws->d->bins->nbins[f], ns, imp, &bg, &bs);
    } else if (ns > 0 && f < ws->p_num) {
        cum_total(h, ws->d->bins->nbins[f], nc, NULL, T);
        for (size_t s = 0; s < ns; s++) {
            for (size_t i = 0; i < nc; i++)
                L[i] += h[s * nc + i];
            if (candidate(t, T, imp, s, want, &bg, &bs))
                return;
        }
    } else if (ns > 0 && ws->unordered[f]) {
        size_t a = ws->d->arity[f - ws->p_num];
        category_cells(ws, f, h, t->cat);
        for (size_t s = 0; s < ns; s++) {
            uint64_t bits = s + 1; /* Spark: split s's left set is the set bits of s + 1 */
            memset(L, 0, nc * sizeof *L);
            if (!ws->exact) /* rounding: the sums in Spark's order (row by row) */
                memcpy(L, t->sub + s * nc, nc * sizeof *L);
            else
                for (size_t c = 0; c < a; c++)
                    if (bits >> c & 1)
                        for (size_t i = 0; i < nc; i++)
                            L[i] += t->cat[c * nc + i];
            if (candidate(t, P, imp, s, want, &bg, &bs)) {
                set[0] = bits;
                return;
            }
        }
    } else if (ns > 0) {
        size_t a = ws->d->arity[f - ws->p_num];
        category_cells(ws, f, h, t->cat);
        centroid_order(ws, t->cat, a, t->cen, t->order);
        cum_total(t->cat, a, nc, t->order, T);
        for (size_t s = 0; s < ns; s++) {
            uint32_t c = t->order[s];
            for (size_t i = 0; i < nc; i++)
                L[i] += t->cat[c * nc + i];
            if (set != NULL)
                set[c / 64] |= 1ULL << (c % 64);
            if (candidate(t, T, imp, s, want, &bg, &bs))
                return;
        }
    }
    if (gain != NULL) {
        *gain = bg;
        *split = bs;
    }
}

/* ---- one chunk of families: histograms and best splits, by feature slots ----------------- */

static const void *code_col(const struct pt_tree_ws *ws, size_t f)
{
    return (const char *)ws->d->codes + f * ws->n * (ws->d->bins->wide ? 2 : 1);
}

/* The left cells of unordered feature f's splits for node kn as Spark sums them (each row
 * added, in row order, to every subset holding its category) into t->sub: needed only when
 * the sums round (weights that are not integers), where summing the category cells instead
 * could break an exact tie the other way. */
static void unordered_rows(task_t *t, size_t f, const knode_t *kn)
{
    const struct pt_tree_ws *ws = t->ws;
    size_t nc = ws->ncell, ns = ws->nsplit[f], K = ws->K;
    const int32_t *ci = ws->d->cat_index[f - ws->p_num];
    const uint8_t *c8 = code_col(ws, f);
    const uint16_t *c16 = code_col(ws, f);
    memset(t->sub, 0, ns * nc * sizeof *t->sub);
    for (uint32_t k = kn->lo; k < kn->hi; k++) {
        uint32_t i = ws->idx[k];
        int32_t c = ci[ws->d->bins->wide ? c16[i] : c8[i]];
        const pt_hist_row_t *r = &ws->rec[i];
        for (size_t s = 0; c >= 0 && s < ns; s++)
            if ((s + 1) >> c & 1) {
                t->sub[s * nc + r->lab] += r->w;
                t->sub[s * nc + K] += r->cnt;
            }
    }
}

/* Builds the chunk's lanes (ws->bt), each from zero over its rows in position order, taking
 * the next one not yet taken until none is left (which thread builds which does not change
 * a sum). */
static void *chunk_build(void *arg)
{
    task_t *t = arg;
    struct pt_tree_ws *ws = t->ws;
    size_t m = ws->m, j;
    int wide = ws->d->bins->wide;
    while ((j = atomic_fetch_add(&ws->bnext, 1)) < ws->nbt) {
        const btask_t *b = &ws->bt[j];
        const uint32_t *fs = ws->feats + (b->c * 2 + b->k) * m;
        if (ws->rows != NULL) {
            pt_hist_build_rows_y(ws->rec, ws->yu, ws->idx + b->lo, b->hi - b->lo, ws->K,
                                 ws->rows, ws->rstride, fs, m, ws->foff, ws->d->bins->nbins,
                                 b->h);
            continue;
        }
        for (size_t s = 0; s < m; s++)
            pt_hist_build(ws->rec, ws->idx + b->lo, b->hi - b->lo, ws->K, code_col(ws, fs[s]),
                          wide, ws->d->bins->nbins[fs[s]], b->h + ws->foff[fs[s]]);
    }
    return NULL;
}

/* Feature f's cells of a direct kid kn: its lanes 1.. added to lane 0 (its buffer), in lane
 * order. */
static void merge_lanes(const struct pt_tree_ws *ws, const knode_t *kn, size_t f)
{
    size_t off = ws->foff[f], len = (size_t)ws->d->bins->nbins[f] * ws->ncell;
    double *h = ws->buf[kn->hist] + off;
    for (uint32_t l = 1; l < kn->nlanes; l++) {
        const double *x = ws->lbuf[kn->lane0 + l - 1] + off;
        for (size_t i = 0; i < len; i++)
            h[i] += x[i];
    }
}

/* The thread's feature slots [s0, s1) of the chunk: lanes merged and siblings subtracted
 * (PH_MERGE), then each (kid, slot)'s best split (PH_SEARCH). */
static void *chunk_task(void *arg)
{
    task_t *t = arg;
    struct pt_tree_ws *ws = t->ws;
    size_t nc = ws->ncell, m = ws->m;
    for (size_t fi = t->f0; fi < t->f1; fi++) {
        family_t *fa = &ws->fam[fi];
        size_t c = fi - t->f0; /* chunk-relative */
        for (size_t s = t->s0; (ws->phase & PH_MERGE) && s < t->s1; s++) {
            for (int k = 0; k < fa->nkid; k++) {
                knode_t *kn = &fa->kid[k];
                if (kn->direct && kn->hist >= 0 && kn->nlanes > 1)
                    merge_lanes(ws, kn, ws->feats[(c * 2 + k) * m + s]);
            }
            if (fa->pbuf >= 0 && fa->nkid == 2) { /* the large kid = parent - small */
                knode_t *sm = &fa->kid[fa->small], *lg = &fa->kid[1 - fa->small];
                if (!lg->direct && lg->eval) {
                    size_t f = s, off = ws->foff[f];
                    pt_hist_subtract(ws->buf[lg->hist] + off, ws->buf[lg->hist] + off,
                                     ws->buf[sm->hist] + off, ws->d->bins->nbins[f], nc);
                }
            }
        }
        for (size_t s = t->s0; (ws->phase & PH_SEARCH) && s < t->s1; s++) {
            for (int k = 0; k < fa->nkid; k++) {
                knode_t *kn = &fa->kid[k];
                if (!kn->eval)
                    continue;
                size_t f = ws->feats[(c * 2 + k) * m + s];
                best_t *b = &ws->best[(c * 2 + k) * m + s];
                if (ws->unordered[f] && !ws->exact)
                    unordered_rows(t, f, kn);
                feature_best(t, f, ws->buf[kn->hist] + ws->foff[f],
                             ws->ptot + (c * 2 + k) * nc, kn->imp, -1, NULL, &b->gain,
                             &b->split);
            }
        }
    }
    return NULL;
}

/* Spark's reservoir sample of m of the p feature indices for node id (the order matters:
 * it is the node's feature order for ties). */
static void node_subset(size_t p, size_t m, uint64_t seed, uint32_t id, uint32_t *out)
{
    uint64_t st = pt_mix64(seed ^ pt_mix64((uint64_t)id));
    for (size_t j = 0; j < p; j++) {
        if (j < m) {
            out[j] = (uint32_t)j;
            continue;
        }
        size_t r = (size_t)(pt_rng_uniform(&st) * (double)(j + 1));
        if (r < m)
            out[r] = (uint32_t)j;
    }
}

/* ---- buffers ----------------------------------------------------------------------------- */

/* bytes (rounded up to whole lines) on a cache line boundary, freed by free(): a histogram's
 * 32-byte cells and a 32-byte row of the row-major codes then never straddle two lines (a
 * split load or store costs about twice). NULL when out of memory. */
static void *alloc_lines(size_t bytes)
{
    return aligned_alloc(64, (bytes + 63) & ~(size_t)63);
}

static int buf_get(struct pt_tree_ws *ws)
{
    if (ws->nfree > 0)
        return ws->freel[--ws->nfree];
    if (ws->nbuf == ws->nbuf_max)
        return -1;
    ws->buf[ws->nbuf] = alloc_lines(ws->H * sizeof(double));
    return ws->buf[ws->nbuf] == NULL ? -1 : (int)ws->nbuf++;
}

static void buf_put(struct pt_tree_ws *ws, int b)
{
    if (b >= 0)
        ws->freel[ws->nfree++] = b;
}

static size_t buf_avail(const struct pt_tree_ws *ws)
{
    return ws->nfree + (ws->nbuf_max - ws->nbuf);
}

/* ---- the output tree ------------------------------------------------------------------- */

void pt_tree_free(pt_tree_t *t)
{
    if (t == NULL)
        return;
    free(t->feature);
    free(t->left);
    free(t->thr);
    free(t->split);
    free(t->cat_off);
    free(t->unseen_left);
    free(t->pred);
    free(t->impurity);
    free(t->gain);
    free(t->stats);
    free(t->cats);
    free(t->nodes);
    free(t->freq);
    memset(t, 0, sizeof *t);
}

#define GROW(a, n) ((tmp = realloc((a), (n) * sizeof *(a))) != NULL ? ((a) = tmp, 0) : -1)

/* Room for cap nodes in t (arrays grown together). 0 or -ENOMEM. */
static int tree_reserve(pt_tree_t *t, size_t *cap, size_t need)
{
    void *tmp;
    size_t c = *cap;
    if (need <= c)
        return 0;
    while (c < need)
        c = c ? 2 * c : 64;
    if (GROW(t->feature, c) || GROW(t->left, c) || GROW(t->thr, c) || GROW(t->split, c) ||
        GROW(t->cat_off, c) ||
        GROW(t->unseen_left, c) || GROW(t->pred, c) || GROW(t->impurity, c) ||
        GROW(t->gain, c) || GROW(t->stats, c * t->nstat))
        return -ENOMEM;
    *cap = c;
    return 0;
}

int pt_tree_alloc(pt_tree_t *t, size_t nnodes, size_t ncats)
{
    size_t cap = 0;
    void *tmp;
    if (tree_reserve(t, &cap, nnodes) != 0 || GROW(t->cats, ncats ? ncats : 1))
        return -ENOMEM;
    t->nnodes = nnodes;
    t->ncats = ncats;
    for (size_t i = 0; i < nnodes; i++)
        t->split[i] = -1;
    return 0;
}

/* Node i as a leaf with totals cell and impurity imp. */
static void set_leaf(const struct pt_tree_ws *ws, pt_tree_t *t, size_t i, const double *cell,
                     double imp)
{
    t->feature[i] = -1;
    t->left[i] = -1;
    t->thr[i] = 0;
    t->split[i] = -1;
    t->cat_off[i] = -1;
    t->unseen_left[i] = 0;
    t->pred[i] = pt_tree_predict_cell(cell, ws->K);
    t->impurity[i] = imp;
    t->gain[i] = 0;
    memcpy(t->stats + i * t->nstat, cell, t->nstat * sizeof *cell);
}

/* Spark's prune (sibling leaves with equal predictions merged into their parent, bottom up:
 * children come after their parent) and then a breadth-first copy without the dropped
 * nodes, children still adjacent. 0 or -ENOMEM. */
static int prune(pt_tree_t *t)
{
    pt_tree_t c = {0};
    size_t cap = 0, nn = 0;
    uint32_t *q = NULL;
    int rc = -ENOMEM;
    for (size_t i = t->nnodes; i-- > 0;) {
        int32_t l = t->left[i];
        if (t->feature[i] >= 0 && t->feature[l] < 0 && t->feature[l + 1] < 0 &&
            t->pred[l] == t->pred[l + 1]) {
            t->feature[i] = -1;
            t->pred[i] = t->pred[l];
            t->left[i] = -1;
            t->gain[i] = 0;
            t->cat_off[i] = -1;
        }
    }
    c.nstat = t->nstat;
    c.nclasses = t->nclasses;
    q = malloc(t->nnodes * sizeof *q);
    if (q == NULL || tree_reserve(&c, &cap, t->nnodes) != 0)
        goto out;
    q[nn++] = 0;
    for (size_t j = 0; j < nn; j++) {
        size_t i = q[j];
        c.feature[j] = t->feature[i];
        c.thr[j] = t->thr[i];
        c.split[j] = t->split[i];
        c.cat_off[j] = t->cat_off[i];
        c.unseen_left[j] = t->unseen_left[i];
        c.pred[j] = t->pred[i];
        c.impurity[j] = t->impurity[i];
        c.gain[j] = t->gain[i];
        memcpy(c.stats + j * c.nstat, t->stats + i * t->nstat, c.nstat * sizeof *c.stats);
        c.left[j] = -1;
        if (t->feature[i] >= 0) {
            c.left[j] = (int32_t)nn;
            q[nn++] = (uint32_t)t->left[i];
            q[nn++] = (uint32_t)t->left[i] + 1;
        }
    }
    c.nnodes = nn;
    c.cats = t->cats;
    c.ncats = t->ncats;
    t->cats = NULL;
    pt_tree_free(t);
    *t = c;
    rc = 0;
out:
    if (rc != 0)
        pt_tree_free(&c);
    free(q);
    return rc;
}

int pt_tree_index(pt_tree_t *t, size_t p_num)
{
    pt_tree_node_t *nd = pt_alloc_array(t->nnodes, sizeof *nd, 0);
    int *dep = pt_alloc_array(t->nnodes, sizeof *dep, 1);
    double *fr = t->nclasses ? pt_alloc_array(t->nnodes * t->nstat, sizeof *fr, 0) : NULL;
    if (nd == NULL || dep == NULL || (t->nclasses && fr == NULL)) {
        free(nd);
        free(dep);
        free(fr);
        return -ENOMEM;
    }
    for (size_t i = 0; fr != NULL && i < t->nnodes; i++) { /* Spark: count / total per tree */
        const double *st = t->stats + i * t->nstat;
        double tot = 0;
        for (size_t k = 0; k < t->nstat; k++)
            tot += st[k];
        for (size_t k = 0; k < t->nstat; k++)
            fr[i * t->nstat + k] = tot != 0 ? st[k] / tot : 0;
    }
    free(t->freq);
    t->freq = fr;
    t->depth = 0;
    t->has_cat = 0;
    for (size_t i = 0; i < t->nnodes; i++) { /* children come after their parent */
        int32_t f = t->feature[i];
        if (dep[i] > t->depth)
            t->depth = dep[i];
        if (f < 0) {
            nd[i] = (pt_tree_node_t){.thr = NAN, .feature = 0, .left = (int32_t)i - 1};
            continue;
        }
        nd[i] = (pt_tree_node_t){.thr = t->thr[i], .feature = f, .left = t->left[i]};
        t->has_cat |= (size_t)f >= p_num;
        dep[t->left[i]] = dep[t->left[i] + 1] = dep[i] + 1;
    }
    free(dep);
    free(t->nodes);
    t->nodes = nd;
    return 0;
}

size_t pt_tree_leaf(const pt_tree_t *t, size_t p_num, const uint32_t *arity, const double *x)
{
    size_t i = 0;
    while (t->feature[i] >= 0) {
        size_t f = (size_t)t->feature[i];
        int go;
        if (f < p_num) {
            go = x[f] <= t->thr[i]; /* NaN goes right */
        } else {
            double v = x[f];
            if (!(v >= 0 && v < arity[f - p_num]) || v != floor(v)) {
                go = t->unseen_left[i];
            } else {
                size_t c = (size_t)v;
                go = (int)(t->cats[t->cat_off[i] + c / 64] >> (c % 64) & 1);
            }
        }
        i = go ? (size_t)t->left[i] : (size_t)t->left[i] + 1;
    }
    return i;
}

void pt_tree_leaves(const pt_tree_t *t, size_t p_num, const uint32_t *arity, const double *x,
                    size_t n, size_t p, uint32_t *leaf)
{
    if (t->has_cat) {
        for (size_t i = 0; i < n; i++)
            leaf[i] = (uint32_t)pt_tree_leaf(t, p_num, arity, x + i * p);
        return;
    }
    /* depth steps for every row, rows independent of each other: the walks overlap */
    const pt_tree_node_t *nd = t->nodes;
    memset(leaf, 0, n * sizeof *leaf);
    for (int d = 0; d < t->depth; d++)
        for (size_t i = 0; i < n; i++) {
            const pt_tree_node_t *a = &nd[leaf[i]];
            leaf[i] = (uint32_t)(a->left + !(x[i * p + (size_t)a->feature] <= a->thr));
        }
}

void pt_tree_leaves_codes(const pt_tree_t *t, const pt_tree_data_t *d, const uint32_t *idx,
                          size_t m, uint32_t *leaf)
{
    const pt_bins_t *b = d->bins;
    size_t p_num = b->p_num, w = b->wide ? 2 : 1;
    for (size_t k = 0; k < m; k++) {
        size_t r = idx ? idx[k] : k, i = 0;
        while (t->feature[i] >= 0) {
            size_t f = (size_t)t->feature[i];
            const char *col = (const char *)d->codes + f * d->n * w;
            uint32_t code = b->wide ? ((const uint16_t *)col)[r] : ((const uint8_t *)col)[r];
            int go;
            if (f < p_num) {
                go = (int32_t)code <= t->split[i];
            } else {
                int32_t c = d->cat_index[f - p_num][code];
                go = c < 0 || (uint32_t)c >= d->arity[f - p_num]
                         ? t->unseen_left[i]
                         : (int)(t->cats[t->cat_off[i] + (size_t)c / 64] >> (c % 64) & 1);
            }
            i = go ? (size_t)t->left[i] : (size_t)t->left[i] + 1;
        }
        leaf[k] = (uint32_t)i;
    }
}

void pt_tree_importances(const pt_tree_t *t, double *imp)
{
    size_t K = t->nclasses;
    for (size_t i = 0; i < t->nnodes; i++)
        if (t->feature[i] >= 0)
            imp[t->feature[i]] += t->gain[i] * cell_weight(t->stats + i * t->nstat, K);
}

/* ---- growing ---------------------------------------------------------------------------- */

/* Room for n families in the next level. 0 or -ENOMEM. */
static int fam_reserve(struct pt_tree_ws *ws, size_t n)
{
    void *tmp;
    size_t c = ws->cap_fam;
    if (n <= c)
        return 0;
    while (c < n)
        c *= 2;
    if (GROW(ws->fam, c) || GROW(ws->next, c) || GROW(ws->tot, c * 2 * ws->ncell) ||
        GROW(ws->ntot, c * 2 * ws->ncell))
        return -ENOMEM;
    ws->cap_fam = c;
    return 0;
}

/* Room for need elements of size bytes in the array *a of *cap (doubled as it grows). 0 or
 * -ENOMEM. */
static int room_for(void **a, size_t *cap, size_t need, size_t size)
{
    void *tmp;
    size_t c = 2 * need;
    if (need <= *cap)
        return 0;
    if ((tmp = realloc(*a, c * size)) == NULL)
        return -ENOMEM;
    *a = tmp;
    *cap = c;
    return 0;
}

/* The lanes of a node of m rows (see LANE_ROWS). */
static size_t node_lanes(size_t m)
{
    size_t l = m / LANE_ROWS;
    return l < 2 ? 1 : l > LANE_MAX ? LANE_MAX : l;
}

/* The lane buffers (beyond each kid's own) that family fa's direct kids need: fam_plan's
 * choice of the kids it builds. */
static size_t fam_lanes(const family_t *fa)
{
    size_t n = 0;
    if (fa->pbuf >= 0) {
        int sm = fa->kid[0].hi - fa->kid[0].lo <= fa->kid[1].hi - fa->kid[1].lo ? 0 : 1;
        return node_lanes(fa->kid[sm].hi - fa->kid[sm].lo) - 1;
    }
    for (int i = 0; i < fa->nkid; i++)
        if (fa->kid[i].eval)
            n += node_lanes(fa->kid[i].hi - fa->kid[i].lo) - 1;
    return n;
}

/* At least n lane buffers allocated. 0 or -ENOMEM. */
static int lanes_reserve(struct pt_tree_ws *ws, size_t n)
{
    void *tmp;
    if (n <= ws->nlbuf)
        return 0;
    if (GROW(ws->lbuf, n))
        return -ENOMEM;
    for (; ws->nlbuf < n; ws->nlbuf++)
        if ((ws->lbuf[ws->nlbuf] = alloc_lines(ws->H * sizeof(double))) == NULL)
            return -ENOMEM;
    return 0;
}

/* The new buffers family fa needs. */
static size_t fam_need(const struct pt_tree_ws *ws, const family_t *fa)
{
    size_t k = 0;
    (void)ws;
    if (fa->pbuf >= 0)
        return fa->kid[0].eval && fa->kid[1].eval ? 1 : (fa->kid[0].hi - fa->kid[0].lo <=
               fa->kid[1].hi - fa->kid[1].lo ? fa->kid[1].eval : fa->kid[0].eval);
    for (int i = 0; i < fa->nkid; i++)
        k += fa->kid[i].eval;
    return k;
}

/* Spark's calc of the root (its binsToBestSplit starts without one): left + right of the
 * first split of the first candidate feature that has one (from the root's histograms,
 * built), or the rows' direct sum P when no feature can split (summed here when not yet).
 * Sets tot and the root's impurity. */
static void root_calc(struct pt_tree_ws *ws, knode_t *kn, const uint32_t *fs, double *P,
                      double *tot)
{
    size_t nc = ws->ncell, j;
    task_t *t0 = &ws->task[0];
    for (j = 0; j < ws->m; j++) {
        size_t f = fs[j];
        if (ws->nsplit[f] == 0)
            continue;
        double *h = ws->buf[kn->hist] + ws->foff[f];
        memset(ws->set, 0, (ws->max_arity + 63) / 64 * sizeof *ws->set);
        if (ws->unordered[f] && !ws->exact)
            unordered_rows(t0, f, kn);
        feature_best(t0, f, h, P, 0, 0, ws->set, NULL, NULL);
        for (size_t i = 0; i < nc; i++)
            tot[i] = t0->left[i] + t0->right[i];
        break;
    }
    if (j == ws->m) { /* P is read only here and by unordered features (fam_plan sums it) */
        if (ws->yu != NULL)
            pt_hist_total_y(ws->yu, ws->idx + kn->lo, kn->hi - kn->lo, P);
        else if (!ws->any_unordered)
            pt_hist_total(ws->rec, ws->idx + kn->lo, kn->hi - kn->lo, ws->K, P);
        memcpy(tot, P, nc * sizeof *tot);
    }
    kn->imp = pt_tree_impurity(ws->cfg.impurity, tot, ws->K);
}

/* Assigns family fi (chunk position c) its buffers and its kids' feature slots. 0 or
 * -ENOMEM. */
static int fam_plan(struct pt_tree_ws *ws, size_t fi, size_t c, uint64_t seed)
{
    family_t *fa = &ws->fam[fi];
    size_t m = ws->m;
    if (fa->pbuf >= 0) { /* every feature; the kid with fewer rows is built */
        int sm = fa->kid[0].hi - fa->kid[0].lo <= fa->kid[1].hi - fa->kid[1].lo ? 0 : 1;
        knode_t *s = &fa->kid[sm], *l = &fa->kid[1 - sm];
        fa->small = sm;
        s->direct = 1;
        l->direct = 0;
        if (l->eval) {
            l->hist = fa->pbuf;
            s->hist = buf_get(ws);
            if (s->hist < 0)
                return -ENOMEM;
        } else {
            s->hist = fa->pbuf;
            l->hist = -1;
            fa->pbuf = -1;
        }
    } else {
        for (int k = 0; k < fa->nkid; k++) {
            knode_t *kn = &fa->kid[k];
            kn->direct = kn->eval;
            kn->hist = -1;
            if (kn->eval && (kn->hist = buf_get(ws)) < 0)
                return -ENOMEM;
        }
    }
    for (int k = 0; k < fa->nkid; k++) {
        knode_t *kn = &fa->kid[k];
        uint32_t *fs = ws->feats + (c * 2 + k) * m;
        kn->nlanes = 1;
        if (kn->direct && kn->hist >= 0) {
            kn->nlanes = (uint32_t)node_lanes(kn->hi - kn->lo);
            kn->lane0 = (uint32_t)ws->nlane;
            if (lanes_reserve(ws, ws->nlane + kn->nlanes - 1) != 0)
                return -ENOMEM;
            ws->nlane += kn->nlanes - 1;
        }
        if (m < ws->p && kn->eval) {
            node_subset(ws->p, m, seed, kn->id, fs);
        } else {
            for (size_t j = 0; j < m; j++)
                fs[j] = (uint32_t)j;
        }
        if (kn->eval && ws->any_unordered)
            pt_hist_total(ws->rec, ws->idx + kn->lo, kn->hi - kn->lo, ws->K,
                          ws->ptot + (c * 2 + k) * ws->ncell);
    }
    return 0;
}

/* Threads for work units of work (at least min_work each, at most max of them). */
static size_t threads_for(const struct pt_tree_ws *ws, size_t work, size_t min_work, size_t max)
{
    size_t nt = (size_t)(ws->cfg.threads > 0 ? ws->cfg.threads : 1);
    if (nt > max)
        nt = max;
    if (nt > 1 && work < min_work * nt)
        nt = work / min_work > 1 ? work / min_work : 1;
    return nt ? nt : 1;
}

/* Runs phases ph (PH_MERGE, PH_SEARCH) of the chunk of families [f0, f1) over threads that
 * own ranges of feature slots. */
static void run_phases(struct pt_tree_ws *ws, size_t f0, size_t f1, int ph)
{
    size_t work = 0, nt;
    for (size_t fi = f0; fi < f1; fi++)
        for (int k = 0; k < ws->fam[fi].nkid; k++) {
            const knode_t *kn = &ws->fam[fi].kid[k];
            work += (ph & PH_MERGE) && kn->direct && kn->hist >= 0 ? kn->nlanes : 0;
            work += (ph & PH_SEARCH) && kn->eval ? 8 : 0; /* a search: ~8 cells' adds */
        }
    nt = threads_for(ws, work * ws->H, SEARCH_WORK, ws->m);
    for (size_t t = 0; t < nt; t++) {
        ws->task[t].f0 = f0;
        ws->task[t].f1 = f1;
        ws->task[t].s0 = ws->m * t / nt;
        ws->task[t].s1 = ws->m * (t + 1) / nt;
    }
    ws->phase = ph;
    pool_run(ws->pool, ws->task, nt, sizeof *ws->task, chunk_task);
}

static int btask_cmp(const void *a, const void *b)
{
    const btask_t *x = a, *y = b;
    uint32_t mx = x->hi - x->lo, my = y->hi - y->lo;
    return mx != my ? (mx < my ? 1 : -1) : (x->lo > y->lo) - (x->lo < y->lo);
}

/* Builds the direct kids' histograms of the chunk of families [f0, f1): their lanes, largest
 * first, over the threads. 0 or -ENOMEM. */
static int run_build(struct pt_tree_ws *ws, size_t f0, size_t f1)
{
    size_t work = 0, nt;
    ws->nbt = 0;
    for (size_t fi = f0; fi < f1; fi++)
        for (int k = 0; k < ws->fam[fi].nkid; k++) {
            const knode_t *kn = &ws->fam[fi].kid[k];
            size_t m = kn->hi - kn->lo;
            if (!kn->direct || kn->hist < 0)
                continue;
            if (room_for((void **)&ws->bt, &ws->cap_bt, ws->nbt + kn->nlanes, sizeof *ws->bt))
                return -ENOMEM;
            for (uint32_t l = 0; l < kn->nlanes; l++)
                ws->bt[ws->nbt++] = (btask_t){
                    .lo = kn->lo + (uint32_t)(m * l / kn->nlanes),
                    .hi = kn->lo + (uint32_t)(m * (l + 1) / kn->nlanes),
                    .c = (uint32_t)(fi - f0), .k = (uint32_t)k,
                    .h = l == 0 ? ws->buf[kn->hist] : ws->lbuf[kn->lane0 + l - 1]};
            work += m * ws->m;
        }
    qsort(ws->bt, ws->nbt, sizeof *ws->bt, btask_cmp);
    nt = threads_for(ws, work, THREAD_WORK, ws->nbt);
    atomic_store(&ws->bnext, 0);
    pool_run(ws->pool, ws->task, nt, sizeof *ws->task, chunk_build);
    return 0;
}

/* Runs the chunk of families [f0, f1): histograms, lanes merged, siblings subtracted, best
 * splits; the root's calc (which reads its histograms) before its search. 0 or -ENOMEM. */
static int run_chunk(struct pt_tree_ws *ws, size_t f0, size_t f1)
{
    knode_t *kn = &ws->fam[f0].kid[0];
    if (run_build(ws, f0, f1) != 0)
        return -ENOMEM;
    if (ws->depth > 0) {
        run_phases(ws, f0, f1, PH_MERGE | PH_SEARCH);
        return 0;
    }
    run_phases(ws, f0, f1, PH_MERGE);
    root_calc(ws, kn, ws->feats, ws->ptot, ws->tot);
    run_phases(ws, f0, f1, PH_SEARCH);
    return 0;
}

/* Node kn's split on feature f, split s (its left cell in ws->task[0].left, its left set in
 * ws->set): writes node out's split fields and goleft[code] for the partition. 0 or -ENOMEM. */
static int write_split(struct pt_tree_ws *ws, pt_tree_t *t, size_t out, size_t f, int32_t s,
                       uint8_t *goleft)
{
    t->feature[out] = (int32_t)f;
    t->cat_off[out] = -1;
    t->unseen_left[out] = 0;
    t->thr[out] = 0;
    t->split[out] = -1;
    if (f < ws->p_num) {
        t->thr[out] = ws->d->bins->thr[f][s];
        t->split[out] = s;
        for (uint32_t b = 0; b < ws->d->bins->nbins[f]; b++)
            goleft[b] = b <= (uint32_t)s;
        return 0;
    }
    size_t k = f - ws->p_num, a = ws->d->arity[k], nw = (a + 63) / 64, nl = 0;
    void *tmp;
    if (GROW(t->cats, t->ncats + nw))
        return -ENOMEM;
    memcpy(t->cats + t->ncats, ws->set, nw * sizeof *ws->set);
    t->cat_off[out] = (int32_t)t->ncats;
    t->ncats += nw;
    for (size_t c = 0; c < a; c++)
        nl += ws->set[c / 64] >> (c % 64) & 1;
    t->unseen_left[out] = !(nl <= a / 2);
    for (uint32_t b = 0; b < ws->d->bins->nbins[f]; b++) {
        int32_t ci = ws->d->cat_index[k][b];
        goleft[b] = ci >= 0 && (size_t)ci < a && (ws->set[ci / 64] >> (ci % 64) & 1);
    }
    return 0;
}

/* Stable partition of segment g's positions idx[lo..hi) by its split's goleft of the
 * feature's codes: the left rows to idx[lo..lo + nl), the right ones to tmp[lo..hi - nl) (in
 * place, after them, when the split has one segment). */
static void part_segment(struct pt_tree_ws *ws, pseg_t *g)
{
    const pjob_t *j = &ws->pj[g->job];
    const uint8_t *c8 = code_col(ws, j->f), *gl = ws->goleft + (size_t)g->job * ws->max_nbins;
    const uint16_t *c16 = code_col(ws, j->f);
    int wide = ws->d->bins->wide;
    /* locals: the stores to the ids could alias g's fields and ws's pointers */
    uint32_t lo = g->lo, hi = g->hi, nl = lo, nr = 0, *idx = ws->idx, *tmp = ws->tmp + lo;
    if (j->add) { /* add_task's F[i] += w * pred of the row's leaf, here: no second pass */
        double *F = ws->F, w = ws->mw, pred[2] = {j->pred[1], j->pred[0]};
        for (uint32_t k = lo; k < hi; k++) {
            uint32_t i = idx[k];
            F[i] += w * pred[gl[wide ? c16[i] : c8[i]]];
        }
        g->nl = 0;
        return;
    }
    for (uint32_t k = lo; k < hi; k++) { /* both stores, one kept: no branch to miss */
        uint32_t i = idx[k], b = gl[wide ? c16[i] : c8[i]];
        idx[nl] = i;
        tmp[nr] = i;
        nl += b;
        nr += 1 - b;
    }
    g->nl = nl - lo;
    if (j->nseg == 1)
        memcpy(idx + nl, tmp, nr * sizeof *tmp);
}

static void *part_task(void *arg)
{
    struct pt_tree_ws *ws = ((task_t *)arg)->ws;
    size_t g;
    while ((g = atomic_fetch_add(&ws->bnext, 1)) < ws->nseg)
        part_segment(ws, &ws->seg[g]);
    return NULL;
}

/* Partitions the rows of every split of the chunk (ws->pj): each split's rows cut into
 * segments (node_lanes) that the threads partition apart, then put together in order (the
 * left rows of every segment, then the right ones), so that each split's rows come out as a
 * stable partition would leave them. Sets each split's left count. 0 or -ENOMEM. */
static int run_partitions(struct pt_tree_ws *ws)
{
    size_t work = 0, nt;
    ws->nseg = 0;
    for (size_t j = 0; j < ws->npj; j++) {
        pjob_t *pj = &ws->pj[j];
        size_t m = pj->hi - pj->lo;
        pj->nseg = (uint32_t)node_lanes(m);
        pj->seg0 = (uint32_t)ws->nseg;
        if (room_for((void **)&ws->seg, &ws->cap_seg, ws->nseg + pj->nseg, sizeof *ws->seg))
            return -ENOMEM;
        for (uint32_t l = 0; l < pj->nseg; l++)
            ws->seg[ws->nseg++] = (pseg_t){.lo = pj->lo + (uint32_t)(m * l / pj->nseg),
                                           .hi = pj->lo + (uint32_t)(m * (l + 1) / pj->nseg),
                                           .job = (uint32_t)j};
        work += m;
    }
    nt = threads_for(ws, work, PART_WORK, ws->nseg);
    atomic_store(&ws->bnext, 0);
    pool_run(ws->pool, ws->task, nt, sizeof *ws->task, part_task);
    for (size_t j = 0; j < ws->npj; j++) {
        pjob_t *pj = &ws->pj[j];
        const pseg_t *g = ws->seg + pj->seg0;
        uint32_t nl = 0, nr = 0;
        for (uint32_t l = 0; !pj->add && l < pj->nseg; l++) {
            if (pj->nseg > 1)
                memmove(ws->idx + pj->lo + nl, ws->idx + g[l].lo, g[l].nl * sizeof *ws->idx);
            nl += g[l].nl;
        }
        for (uint32_t l = 0; !pj->add && pj->nseg > 1 && l < pj->nseg; l++) {
            uint32_t r = g[l].hi - g[l].lo - g[l].nl;
            memcpy(ws->idx + pj->lo + nl + nr, ws->tmp + g[l].lo, r * sizeof *ws->idx);
            nr += r;
        }
        pj->nl = nl;
    }
    return 0;
}

/* Notes a leaf's rows and prediction for pt_tree_ws_add_leaves. 0 or -ENOMEM. */
static int leaf_rows(struct pt_tree_ws *ws, uint32_t lo, uint32_t hi, double pred)
{
    void *tmp;
    if (ws->nleaves == ws->cap_leaves) {
        size_t c = ws->cap_leaves ? 2 * ws->cap_leaves : 64;
        if (GROW(ws->leaves, c))
            return -ENOMEM;
        ws->cap_leaves = c;
    }
    ws->leaves[ws->nleaves++] = (leafrows_t){lo, hi, pred};
    return 0;
}

/* A thread's share of pt_tree_ws_add_leaves: positions [lo, hi). */
typedef struct {
    const struct pt_tree_ws *ws;
    double w, *F;
    uint32_t lo, hi;
} addtask_t;

static void *add_task(void *arg)
{
    const addtask_t *a = arg;
    const struct pt_tree_ws *ws = a->ws;
    for (size_t l = 0; l < ws->nleaves; l++) {
        const leafrows_t *lf = &ws->leaves[l];
        uint32_t lo = lf->lo > a->lo ? lf->lo : a->lo, hi = lf->hi < a->hi ? lf->hi : a->hi;
        for (uint32_t k = lo; k < hi; k++)
            a->F[ws->idx[k]] += a->w * lf->pred;
    }
    return NULL;
}

void pt_tree_ws_margins(pt_tree_ws_t *ws, double w, double *F)
{
    ws->F = F;
    ws->mw = w;
}

void pt_tree_ws_add_leaves(const pt_tree_ws_t *ws, double w, double *F)
{
    addtask_t a[ADD_THREADS];
    uint32_t n = 0;
    for (size_t l = 0; l < ws->nleaves; l++)
        n = ws->leaves[l].hi > n ? ws->leaves[l].hi : n;
    size_t nt = threads_for(ws, n, PART_WORK, ADD_THREADS);
    for (size_t t = 0; t < nt; t++) /* each row is in one leaf: the shares touch apart rows */
        a[t] = (addtask_t){ws, w, F, (uint32_t)((uint64_t)n * t / nt),
                           (uint32_t)((uint64_t)n * (t + 1) / nt)};
    pool_run(ws->pool, a, nt, sizeof *a, add_task);
}

/* Decides kid k of family fi (chunk position c): leaf, or split (a partition to run, its
 * children numbered and their family written at the next level's end, queued when a child
 * is evaluated). The rows and the buffers are settled after the chunk's partitions
 * (settle). 0 or -ENOMEM. */
static int decide(struct pt_tree_ws *ws, pt_tree_t *t, size_t *cap, size_t fi, size_t c,
                  int k)
{
    family_t *fa = &ws->fam[fi];
    knode_t *kn = &fa->kid[k];
    size_t nc = ws->ncell, m = ws->m;
    const double *tot = ws->tot + (fi * 2 + k) * nc;
    const best_t *b = ws->best + (c * 2 + k) * m;
    double bg = -INFINITY;
    size_t bsl = m;
    void *tmp;
    for (size_t s = 0; s < m; s++)
        if (b[s].split >= 0 && b[s].gain > bg) {
            bg = b[s].gain;
            bsl = s;
        }
    int valid = bsl < m && bg > -DBL_MAX;
    set_leaf(ws, t, (size_t)kn->out, tot, valid ? kn->imp : -1.0);
    kn->job = -1;
    if (!valid || bg <= 0 || ws->depth == ws->cfg.max_depth)
        return 0;
    size_t f = ws->feats[(c * 2 + k) * m + bsl], out = (size_t)kn->out;
    task_t *t0 = &ws->task[0];
    if (ws->npj == ws->cap_pj) {
        size_t cp = ws->cap_pj ? 2 * ws->cap_pj : 64;
        if (GROW(ws->pj, cp) || GROW(ws->goleft, cp * ws->max_nbins))
            return -ENOMEM;
        ws->cap_pj = cp;
    }
    pjob_t *pj = &ws->pj[ws->npj];
    *pj = (pjob_t){.lo = kn->lo, .hi = kn->hi, .f = (uint32_t)f, .fam = (int32_t)ws->nnext};
    memset(ws->set, 0, (ws->max_arity + 63) / 64 * sizeof *ws->set);
    if (ws->unordered[f] && !ws->exact)
        unordered_rows(t0, f, kn);
    feature_best(t0, f, ws->buf[kn->hist] + ws->foff[f], ws->ptot + (c * 2 + k) * nc, kn->imp,
                 b[bsl].split, ws->set, NULL, NULL);
    if (write_split(ws, t, out, f, b[bsl].split, ws->goleft + ws->npj * ws->max_nbins) != 0 ||
        tree_reserve(t, cap, t->nnodes + 2))
        return -ENOMEM;
    t->gain[out] = bg;
    t->left[out] = (int32_t)t->nnodes;
    kn->job = (int32_t)ws->npj++;
    family_t *nf = &ws->next[ws->nnext];
    double *nt = ws->ntot + ws->nnext * 2 * nc;
    int any = 0;
    memset(nf, 0, sizeof *nf);
    nf->nkid = 2;
    for (int j = 0; j < 2; j++) {
        knode_t *ch = &nf->kid[j];
        double *ct = nt + j * nc;
        for (size_t i = 0; i < nc; i++)
            ct[i] = j == 0 ? t0->left[i] : t0->right[i]; /* handed down, as Spark */
        ch->id = 2 * kn->id + (uint32_t)j;
        ch->out = (int32_t)t->nnodes++;
        ch->hist = -1;
        ch->imp = pt_tree_impurity(ws->cfg.impurity, ct, ws->K);
        ch->eval = !(ws->depth + 1 == ws->cfg.max_depth || fabs(ch->imp) < DBL_EPSILON);
        any |= ch->eval;
        if (!ch->eval)
            set_leaf(ws, t, (size_t)ch->out, ct, ch->imp);
        pj->eval[j] = (uint8_t)ch->eval;
        pj->pred[j] = t->pred[ch->out];
    }
    if (any)
        ws->nnext++;
    else
        pj->fam = -1;
    pj->add = !any && ws->F != NULL;
    return 0;
}

/* After the chunk's partitions, kid k of family fi as decide left it: a leaf's rows noted,
 * a split's children given their rows (the leaves among them noted), the kid's histogram
 * kept for its children's subtraction or returned to the pool. In decide's order, so that
 * the pool and the leaves go as one pass would take them. 0 or -ENOMEM. */
static int settle(struct pt_tree_ws *ws, const pt_tree_t *t, size_t fi, int k)
{
    knode_t *kn = &ws->fam[fi].kid[k];
    if (!kn->eval || kn->job < 0) {
        buf_put(ws, kn->hist);
        return kn->eval ? leaf_rows(ws, kn->lo, kn->hi, t->pred[kn->out]) : 0;
    }
    const pjob_t *pj = &ws->pj[kn->job];
    uint32_t nl = pj->nl, lo[2] = {kn->lo, kn->lo + nl}, hi[2] = {kn->lo + nl, kn->hi};
    family_t *nf = pj->fam >= 0 ? &ws->next[pj->fam] : NULL;
    for (int j = 0; j < 2; j++) {
        if (nf != NULL) {
            nf->kid[j].lo = lo[j];
            nf->kid[j].hi = hi[j];
        }
        if (!pj->eval[j] && !pj->add && leaf_rows(ws, lo[j], hi[j], pj->pred[j]) != 0)
            return -ENOMEM;
    }
    if (nf == NULL) {
        buf_put(ws, kn->hist);
        return 0;
    }
    /* keep the histogram for the children's subtraction while the pool keeps room for a
     * chunk (two buffers), when subtraction gives the sums a direct build would */
    nf->pbuf = -1;
    uint32_t big = nl > kn->hi - kn->lo - nl ? nl : kn->hi - kn->lo - nl;
    if (ws->m == ws->p && buf_avail(ws) >= 2 && (ws->exact || big >= SUB_MIN_ROWS))
        nf->pbuf = kn->hist;
    else
        buf_put(ws, kn->hist);
    return 0;
}

/* One level: its families in chunks that fit the pool. 0 or -ENOMEM. */
static int grow_level(struct pt_tree_ws *ws, pt_tree_t *t, size_t *cap, uint64_t seed)
{
    size_t f0 = 0;
    ws->nnext = 0;
    while (f0 < ws->nfam) {
        size_t f1 = f0, used = 0, room = buf_avail(ws);
        ws->nlane = 0;
        while (f1 < ws->nfam && f1 - f0 < CHUNK_MAX) {
            size_t need = fam_need(ws, &ws->fam[f1]);
            if (f1 > f0 && (used + need > (room + 1) / 2 ||
                            ws->nlane + fam_lanes(&ws->fam[f1]) > ws->lane_cap))
                break;
            if (fam_plan(ws, f1, f1 - f0, seed) != 0)
                return -ENOMEM;
            used += need;
            f1++;
        }
        if (run_chunk(ws, f0, f1) != 0)
            return -ENOMEM;
        if (fam_reserve(ws, ws->nnext + 2 * (f1 - f0)) != 0) /* one family per split kid */
            return -ENOMEM;
        ws->npj = 0;
        for (size_t fi = f0; fi < f1; fi++)
            for (int k = 0; k < ws->fam[fi].nkid; k++)
                if (ws->fam[fi].kid[k].eval && decide(ws, t, cap, fi, fi - f0, k) != 0)
                    return -ENOMEM;
        if (run_partitions(ws) != 0)
            return -ENOMEM;
        for (size_t fi = f0; fi < f1; fi++)
            for (int k = 0; k < ws->fam[fi].nkid; k++)
                if (settle(ws, t, fi, k) != 0)
                    return -ENOMEM;
        f0 = f1;
    }
    family_t *sw = ws->fam;
    double *st = ws->tot;
    ws->fam = ws->next;
    ws->next = sw;
    ws->tot = ws->ntot;
    ws->ntot = st;
    ws->nfam = ws->nnext;
    return 0;
}

/* The row arrays of a tree: the rows with a positive bag count in idx, and each row's
 * weighted entries. */
static void prepare_rows(struct pt_tree_ws *ws, const double *y, const double *w,
                         const uint32_t *cnt, size_t *nrows)
{
    size_t m = 0;
    ws->exact = ws->K > 0;
    ws->yu = NULL;
    if (ws->K == 0 && w == NULL && ws->rows != NULL) { /* unit rows: y is their record */
        size_t k = 0;
        for (; cnt != NULL && k < ws->n && cnt[k] <= 1; k++)
            ;
        if (cnt == NULL || k == ws->n) {
            for (k = 0; k < ws->n; k++) {
                uint32_t i = ws->d->order != NULL ? ws->d->order[k] : (uint32_t)k;
                ws->idx[m] = i;
                m += cnt == NULL || cnt[i] > 0;
            }
            ws->yu = y;
            *nrows = m;
            return;
        }
    }
    for (size_t k = 0; k < ws->n; k++) {
        size_t i = ws->d->order != NULL ? ws->d->order[k] : k;
        double c = cnt ? cnt[i] : 1.0, iw = c * (w ? w[i] : 1.0);
        if (iw != floor(iw) || iw > 0x1p40)
            ws->exact = 0;
        pt_hist_row_t *r = &ws->rec[i];
        if (!(c > 0))
            continue;
        r->cnt = c;
        r->w = iw;
        if (ws->K) {
            r->wy = 0;
            r->lab = (uint64_t)y[i];
        } else {
            r->wy = iw * y[i];
            r->wyy = iw * y[i] * y[i];
        }
        ws->idx[m++] = (uint32_t)i;
    }
    *nrows = m;
}

int pt_tree_grow(pt_tree_ws_t *ws, const double *y, const double *w, const uint32_t *cnt,
                 uint64_t seed, pt_tree_t *t, char *err)
{
    size_t cap = 0, nrows;
    int rc = -ENOMEM;
    memset(t, 0, sizeof *t);
    t->nstat = ws->nstat;
    t->nclasses = ws->K;
    ws->nleaves = 0;
    prepare_rows(ws, y, w, cnt, &nrows);
    if (tree_reserve(t, &cap, 1) != 0)
        goto out;
    family_t *root = &ws->fam[0];
    memset(root, 0, sizeof *root);
    root->pbuf = -1;
    root->nkid = 1;
    root->kid[0] = (knode_t){.lo = 0, .hi = (uint32_t)nrows, .id = 1, .out = 0, .hist = -1,
                             .eval = 1};
    t->nnodes = 1;
    ws->nfam = 1;
    for (ws->depth = 0; ws->nfam > 0; ws->depth++)
        if (grow_level(ws, t, &cap, seed) != 0)
            goto out;
    rc = prune(t);
    if (rc == 0)
        rc = pt_tree_index(t, ws->p_num);
    if (rc == 0 && ws->F != NULL) /* the leaves not added as their rows were split */
        pt_tree_ws_add_leaves(ws, ws->mw, ws->F);
out:
    ws->F = NULL;
    /* every buffer back in the pool (a failed level may hold some) */
    ws->nfree = 0;
    for (size_t b = 0; b < ws->nbuf; b++)
        ws->freel[ws->nfree++] = (int)b;
    if (rc != 0)
        pt_seterr(err, "out of memory");
    return rc;
}

void pt_tree_ws_destroy(pt_tree_ws_t **pws)
{
    pt_tree_ws_t *ws = pws ? *pws : NULL;
    if (ws == NULL)
        return;
    if (ws->buf != NULL)
        for (size_t b = 0; b < ws->nbuf; b++)
            free(ws->buf[b]);
    pool_free(ws->pool); /* first: no helper runs on what is freed below */
    if (ws->task != NULL)
        for (size_t t = 0; t < ws->ntask; t++) {
            free(ws->task[t].cat);
            free(ws->task[t].left);
            free(ws->task[t].right);
            free(ws->task[t].total);
            free(ws->task[t].sub);
            free(ws->task[t].pre);
            free(ws->task[t].cen);
            free(ws->task[t].order);
        }
    if (ws->lbuf != NULL)
        for (size_t b = 0; b < ws->nlbuf; b++)
            free(ws->lbuf[b]);
    free(ws->lbuf);
    free(ws->bt);
    free(ws->pj);
    free(ws->seg);
    free(ws->task);
    free(ws->buf);
    free(ws->freel);
    free(ws->foff);
    free(ws->nsplit);
    free(ws->unordered);
    free(ws->idx);
    free(ws->tmp);
    free(ws->rows);
    free(ws->rec);
    free(ws->fam);
    free(ws->next);
    free(ws->tot);
    free(ws->ntot);
    free(ws->ptot);
    free(ws->feats);
    free(ws->leaves);
    free(ws->best);
    free(ws->goleft);
    free(ws->set);
    free(ws);
    *pws = NULL;
}

/* The features' split counts, unordered flags and histogram offsets. */
static void feature_layout(struct pt_tree_ws *ws)
{
    const pt_bins_t *b = ws->d->bins;
    int maxu = pt_tree_max_unordered(ws->cfg.max_bins);
    ws->H = 0;
    ws->max_arity = 1;
    ws->max_nbins = 1;
    for (size_t f = 0; f < ws->p; f++) {
        ws->foff[f] = ws->H;
        ws->H += (size_t)b->nbins[f] * ws->ncell;
        if (b->nbins[f] > ws->max_nbins)
            ws->max_nbins = b->nbins[f];
        if (f < ws->p_num) {
            ws->nsplit[f] = b->nbins[f] - 1;
            continue;
        }
        uint32_t a = ws->d->arity[f - ws->p_num];
        if (a > ws->max_arity)
            ws->max_arity = a;
        ws->unordered[f] = ws->K > 2 && a > 1 && (int)a <= maxu;
        ws->any_unordered |= ws->unordered[f];
        if (ws->unordered[f] && (1u << (a - 1)) - 1 > ws->max_usplits)
            ws->max_usplits = (1u << (a - 1)) - 1;
        ws->nsplit[f] = a <= 1 ? 0 : ws->unordered[f] ? (1u << (a - 1)) - 1 : a - 1;
    }
}

/* The row-major copy of the codes (a node's histograms of all its candidate features then
 * come from one pass over its rows). 0 or -ENOMEM. */
static int row_major(struct pt_tree_ws *ws)
{
    size_t n = ws->n, p = ws->p, st = (p + 7) & ~(size_t)7;
    const uint8_t *codes = ws->d->codes;
    if (n > SIZE_MAX / st || (ws->rows = alloc_lines(n ? n * st : 1)) == NULL)
        return -ENOMEM;
    ws->rstride = st;
    for (size_t i0 = 0; i0 < n; i0 += 256) { /* blocks of rows: each column read in runs */
        size_t i1 = n - i0 < 256 ? n : i0 + 256;
        for (size_t f = 0; f < p; f++)
            for (size_t i = i0; i < i1; i++)
                ws->rows[i * st + f] = codes[f * n + i];
    }
    return 0;
}

pt_tree_ws_t *pt_tree_ws_new(const pt_tree_data_t *d, const pt_tree_cfg_t *cfg, char *err)
{
    struct pt_tree_ws *ws = calloc(1, sizeof *ws);
    size_t n = d->n, nt;
    if (ws == NULL)
        goto fail;
    ws->d = d;
    ws->cfg = *cfg;
    ws->n = n;
    ws->p = d->bins->p;
    ws->p_num = d->bins->p_num;
    ws->K = d->nclasses;
    ws->ncell = pt_hist_ncell(ws->K);
    ws->nstat = ws->K ? ws->K : 3;
    ws->m = cfg->subset >= 1 && cfg->subset < ws->p ? cfg->subset : ws->p;
    if (ws->m == 0)
        ws->m = 1; /* no feature: one empty slot list is never read */
    ws->foff = pt_alloc_array(ws->p, sizeof *ws->foff, 1);
    ws->nsplit = pt_alloc_array(ws->p, sizeof *ws->nsplit, 1);
    ws->unordered = pt_alloc_array(ws->p, 1, 1);
    if (ws->foff == NULL || ws->nsplit == NULL || ws->unordered == NULL)
        goto fail;
    feature_layout(ws);
    size_t mb = cfg->hist_mb ? cfg->hist_mb : 64, hb = (ws->H ? ws->H : 1) * sizeof(double);
    ws->nbuf_max = (mb << 20) / hb > 4 ? (mb << 20) / hb : 4;
    ws->lane_cap = (mb << 20) / 4 / hb > LANE_MAX ? (mb << 20) / 4 / hb : LANE_MAX;
    ws->buf = pt_alloc_array(ws->nbuf_max, sizeof *ws->buf, 1);
    ws->freel = pt_alloc_array(ws->nbuf_max, sizeof *ws->freel, 0);
    ws->idx = pt_alloc_array(n, sizeof *ws->idx, 0);
    ws->tmp = pt_alloc_array(n, sizeof *ws->tmp, 0);
    ws->rec = pt_alloc_array(n, sizeof *ws->rec, 0);
    ws->cap_fam = 64;
    ws->fam = pt_alloc_array(ws->cap_fam, sizeof *ws->fam, 0);
    ws->next = pt_alloc_array(ws->cap_fam, sizeof *ws->next, 0);
    ws->tot = pt_alloc_array(ws->cap_fam * 2 * ws->ncell, sizeof *ws->tot, 0);
    ws->ntot = pt_alloc_array(ws->cap_fam * 2 * ws->ncell, sizeof *ws->ntot, 0);
    ws->feats = pt_alloc_array(CHUNK_MAX * 2 * ws->m, sizeof *ws->feats, 0);
    ws->best = pt_alloc_array(CHUNK_MAX * 2 * ws->m, sizeof *ws->best, 0);
    ws->ptot = pt_alloc_array(CHUNK_MAX * 2 * ws->ncell, sizeof *ws->ptot, 1);
    ws->goleft = NULL; /* with the first split (decide) */
    ws->set = pt_alloc_array((ws->max_arity + 63) / 64, sizeof *ws->set, 1);
    nt = cfg->threads > 1 ? (size_t)cfg->threads : 1;
    ws->task = pt_alloc_array(nt, sizeof *ws->task, 1);
    if (ws->buf == NULL || ws->freel == NULL || ws->idx == NULL || ws->tmp == NULL ||
        ws->rec == NULL || ws->fam == NULL || ws->next == NULL || ws->tot == NULL ||
        ws->ntot == NULL || ws->feats == NULL || ws->best == NULL || ws->ptot == NULL ||
        ws->set == NULL || ws->task == NULL)
        goto fail;
    ws->ntask = nt;
    if (!d->bins->wide && ws->p > 0 && row_major(ws) != 0)
        goto fail;
    if (nt > 1 && (ws->pool = pool_new(nt - 1)) == NULL)
        goto fail;
    for (size_t t = 0; t < nt; t++) {
        task_t *tk = &ws->task[t];
        tk->ws = ws;
        tk->cat = pt_alloc_array(ws->max_arity * ws->ncell, sizeof *tk->cat, 0);
        tk->left = pt_alloc_array(ws->ncell, sizeof *tk->left, 0);
        tk->right = pt_alloc_array(ws->ncell, sizeof *tk->right, 0);
        tk->total = pt_alloc_array(ws->ncell, sizeof *tk->total, 0);
        tk->sub = pt_alloc_array(ws->max_usplits * ws->ncell, sizeof *tk->sub, 0);
        tk->pre = pt_alloc_array(5 * (ws->max_nbins + 4), sizeof *tk->pre, 0);
        tk->cen = pt_alloc_array(ws->max_arity, sizeof *tk->cen, 0);
        tk->order = pt_alloc_array(ws->max_arity, sizeof *tk->order, 0);
        if (tk->cat == NULL || tk->left == NULL || tk->right == NULL || tk->total == NULL ||
            tk->sub == NULL || tk->cen == NULL || tk->pre == NULL ||
            tk->order == NULL)
            goto fail;
    }
    return ws;
fail:
    pt_tree_ws_destroy(&ws);
    pt_seterr(err, "out of memory");
    return NULL;
}
