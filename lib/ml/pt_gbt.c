/* pt_gbt.c - gradient-boosted trees (see pt_gbt.h): the boosting loop, the losses, the
 * margins, prediction, importances and the model's map. The trees are a regression forest
 * shell (pt_forest_shell) grown round by round with pt_tree_grow, so that packing and
 * checking a damaged file are the forest's.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pt_common.h"
#include "pt_gbt.h"
#include "pt_mpk.h"

struct pt_gbt {
    pt_forest_t *trees;    /* regression trees on p features */
    size_t p, p_num, K;    /* K: 2 for a classifier, 0 for a regressor */
    const uint32_t *arity; /* p - p_num categorical arities (the forest's) */
    pt_gbt_loss_t loss;
    double step;
    double *thresholds;    /* 2, or NULL */
    size_t max_iter;       /* the fit's maxIter */
    double tol;            /* validationTol */
    double *verr;          /* nverr validation errors, one per round grown, or NULL */
    size_t nverr;
};

/* Rows per block of prediction. */
#define GBT_BLOCK 256
/* The most threads a round's per-row work uses, and the fewest rows each takes. */
#define GBT_THREADS 64
#define GBT_THREAD_ROWS 16384

int pt_gbt_loss(const char *name, int classifier, pt_gbt_loss_t *loss, char *err)
{
    if (name == NULL || *name == '\0')
        *loss = classifier ? PT_GBT_LOGISTIC : PT_GBT_SQUARED;
    else if (classifier && strcasecmp(name, "logistic") == 0)
        *loss = PT_GBT_LOGISTIC;
    else if (!classifier && strcasecmp(name, "squared") == 0)
        *loss = PT_GBT_SQUARED;
    else if (!classifier && strcasecmp(name, "absolute") == 0)
        *loss = PT_GBT_ABSOLUTE;
    else {
        pt_seterr(err, "lossType: expected %s, got \"%s\"",
                  classifier ? "logistic" : "squared or absolute", name);
        return -EINVAL;
    }
    return 0;
}

void pt_gbt_destroy(pt_gbt_t **pg)
{
    pt_gbt_t *g = pg ? *pg : NULL;
    if (g == NULL)
        return;
    pt_forest_destroy(&g->trees);
    free(g->thresholds);
    free(g->verr);
    free(g);
    *pg = NULL;
}

/* A model shell for ntrees trees of p features (p_num continuous, arity of the rest). */
static pt_gbt_t *gbt_new(size_t p, size_t p_num, const uint32_t *arity, size_t ntrees,
                         size_t K, const double *thresholds)
{
    pt_gbt_t *g = calloc(1, sizeof *g);
    if (g == NULL)
        return NULL;
    g->p = p;
    g->p_num = p_num;
    g->K = K;
    g->trees = pt_forest_shell(p, p_num, arity, ntrees);
    if (thresholds != NULL && K > 0 && (g->thresholds = malloc(K * sizeof *thresholds)) != NULL)
        memcpy(g->thresholds, thresholds, K * sizeof *thresholds);
    if (g->trees == NULL || (thresholds != NULL && K > 0 && g->thresholds == NULL)) {
        pt_gbt_destroy(&g);
        return NULL;
    }
    g->arity = pt_forest_arity(g->trees, &g->p_num);
    return g;
}

/* -g of the loss at margin f for label y (y in {-1, +1} for logistic). */
static double residual(pt_gbt_loss_t loss, double f, double y)
{
    switch (loss) {
    case PT_GBT_LOGISTIC:
        return 4 * y / (1 + exp(2 * y * f));
    case PT_GBT_SQUARED:
        return 2 * (y - f);
    default:
        return y < f ? -1.0 : 1.0; /* Spark: -(if (label - prediction < 0) 1.0 else -1.0) */
    }
}

/* The loss at margin f for label y (mllib/tree/loss computeError): logistic
 * 2 log(1 + exp(-2yF)) with Spark's log1pExp, squared (y - F)^2, absolute |y - F|. */
static double loss_error(pt_gbt_loss_t loss, double f, double y)
{
    double x = -2 * y * f;
    switch (loss) {
    case PT_GBT_LOGISTIC:
        return 2 * (x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)));
    case PT_GBT_SQUARED:
        return (y - f) * (y - f);
    default:
        return fabs(y - f);
    }
}

/* Spark's rule on the first m of n validation errors e: the trees kept (bestM). Round j
 * >= 1 stops the boosting when best - e_j < tol max(e_j, 0.01), else a smaller e_j is the
 * new best (bestM = j + 1). */
static size_t kept_of(const double *e, size_t n, double tol, size_t m)
{
    size_t best_m = 1;
    double best = e[0];
    if (m > n)
        m = n;
    for (size_t j = 1; j < m; j++) {
        if (best - e[j] < tol * fmax(e[j], 0.01))
            break;
        if (e[j] < best) {
            best = e[j];
            best_m = j + 1;
        }
    }
    return best_m;
}

/* 1 when round m's error e[m] stops the boosting (the rounds before did not): best, the
 * error of the best round before it, - e[m] < tol max(e[m], 0.01). */
static int stops(const double *e, size_t m, double tol)
{
    double best = e[kept_of(e, m, tol, m) - 1];
    return best - e[m] < tol * fmax(e[m], 0.01);
}

/* The validation error of margins F on v (labels y): the weighted mean of the loss, summed
 * in the file's order (v->order when set). */
static double valid_error(const pt_tree_data_t *v, pt_gbt_loss_t loss, const double *y,
                          const double *F)
{
    double es = 0, ws = 0;
    for (size_t k = 0; k < v->n; k++) {
        size_t i = v->order != NULL ? v->order[k] : k;
        double w = v->w != NULL ? v->w[i] : 1.0;
        es += w * loss_error(loss, F[i], y[i]);
        ws += w;
    }
    return es / ws;
}

/* A thread's share of the residuals: rows [lo, hi). */
typedef struct {
    pt_gbt_loss_t loss;
    const double *F, *y;
    double *r;
    size_t lo, hi;
} restask_t;

static void *res_task(void *arg)
{
    const restask_t *a = arg;
    for (size_t i = a->lo; i < a->hi; i++)
        a->r[i] = residual(a->loss, a->F[i], a->y[i]);
    return NULL;
}

/* r[i] = -g(F[i], y[i]) of the n rows, on up to `threads` threads, ws's (rows apart: the
 * same numbers). */
static void residuals(pt_tree_ws_t *ws, pt_gbt_loss_t loss, const double *F, const double *y,
                      double *r, size_t n, int threads)
{
    restask_t a[GBT_THREADS];
    size_t nt = threads > 1 ? (size_t)threads : 1;
    if (nt > GBT_THREADS)
        nt = GBT_THREADS;
    if (nt > n / GBT_THREAD_ROWS)
        nt = n / GBT_THREAD_ROWS > 1 ? n / GBT_THREAD_ROWS : 1;
    for (size_t t = 0; t < nt; t++)
        a[t] = (restask_t){loss, F, y, r, n * t / nt, n * (t + 1) / nt};
    pt_tree_ws_run(ws, a, nt, sizeof *a, res_task);
}

/* Round m's streams: its row draw and its trees' feature subsets, from (seed, m) alone. */
static uint64_t round_seed(uint64_t seed, size_t m, uint64_t what)
{
    return pt_mix64(pt_mix64(seed ^ what) + (uint64_t)(m + 1) * 0x9e3779b97f4a7c15ULL);
}

#define GBT_ROWS 0x67627472ULL   /* "gbtr" */
#define GBT_FEATS 0x67627466ULL  /* "gbtf" */

/* A tree's walk on the codes for the training margins: node i goes to left[i] +
 * (code of feature[i] > split[i]); a leaf loops on itself (split INT32_MAX), so that every
 * row takes depth steps without a branch. */
typedef struct {
    int32_t feature, split, left;
} walk_t;

/* Adds w x t's leaf value to F of the n rows of d: the branch-free walk above, several rows
 * interleaved, for a tree without categorical splits (else pt_tree_leaves_codes into
 * leaf). 0 or -ENOMEM. */
static int add_tree(const pt_tree_t *t, const pt_tree_data_t *d, double w, double *F,
                    uint32_t *leaf)
{
    const pt_bins_t *b = d->bins;
    walk_t *wk;
    if (t->has_cat || b->wide) {
        pt_tree_leaves_codes(t, d, NULL, d->n, leaf);
        for (size_t i = 0; i < d->n; i++)
            F[i] += w * t->pred[leaf[i]];
        return 0;
    }
    if ((wk = malloc(t->nnodes * sizeof *wk)) == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < t->nnodes; i++)
        wk[i] = t->feature[i] >= 0
                    ? (walk_t){t->feature[i], t->split[i], t->left[i]}
                    : (walk_t){0, INT32_MAX, (int32_t)i};
    for (size_t r0 = 0; r0 < d->n; r0 += 8) {
        size_t nb = d->n - r0 < 8 ? d->n - r0 : 8;
        int32_t at[8] = {0};
        for (int s = 0; s < t->depth; s++)
            for (size_t k = 0; k < nb; k++) {
                const walk_t *x = &wk[at[k]];
                int32_t code = ((const uint8_t *)d->codes)[(size_t)x->feature * d->n + r0 + k];
                at[k] = x->left + (x->split != INT32_MAX && code > x->split);
            }
        for (size_t k = 0; k < nb; k++)
            F[r0 + k] += w * t->pred[at[k]];
    }
    free(wk);
    return 0;
}

/* The boosting rounds on d (checked) into g's trees; y the mapped labels; with validation
 * rows (prm->valid, mapped labels yv) their margins and errors per round (g->verr) and
 * Spark's stop, the trees then cut to the ones kept. */
static int boost(pt_gbt_t *g, const pt_tree_data_t *d, const pt_gbt_params_t *prm,
                 const double *y, const double *yv, char *err)
{
    size_t n = d->n, M = (size_t)prm->max_iter;
    pt_tree_data_t dr = *d;
    pt_tree_cfg_t cfg;
    pt_tree_ws_t *ws = NULL;
    double *F = pt_alloc_array(n, sizeof *F, 1), *r = pt_alloc_array(n, sizeof *r, 0);
    uint32_t *leaf = pt_alloc_array(n, sizeof *leaf, 0);
    int sub = prm->tree.subsampling_rate < 1;
    uint32_t *cnt = sub ? pt_alloc_array(n, sizeof *cnt, 0) : NULL;
    const pt_tree_data_t *v = prm->valid;
    double *Fv = v ? pt_alloc_array(v->n, sizeof *Fv, 1) : NULL;
    uint32_t *leafv = v ? pt_alloc_array(v->n, sizeof *leafv, 0) : NULL;
    size_t grown = M;
    int rc = -ENOMEM;

    dr.nclasses = 0;
    dr.y = y;
    pt_forest_tree_cfg(&dr, &prm->tree, &cfg);
    cfg.impurity = PT_IMP_VARIANCE;
    cfg.subset = prm->tree.subset > 0 ? prm->tree.subset : d->bins->p;
    cfg.threads = prm->tree.threads > 1 ? prm->tree.threads : 1;
    if (F == NULL || r == NULL || leaf == NULL || (sub && cnt == NULL) ||
        (v != NULL && (Fv == NULL || leafv == NULL || (g->verr = pt_alloc_array(
                           M, sizeof *g->verr, 0)) == NULL)) ||
        (ws = pt_tree_ws_new(&dr, &cfg, err)) == NULL)
        goto out;
    for (size_t m = 0; m < M; m++) {
        pt_tree_t *t = pt_forest_tree_mut(g->trees, m);
        double wm = m == 0 ? 1.0 : prm->step_size;
        if (sub) {
            uint64_t st = round_seed(prm->tree.seed, m, GBT_ROWS);
            for (size_t i = 0; i < n; i++)
                cnt[i] = pt_rng_uniform(&st) < prm->tree.subsampling_rate;
        }
        if (m == 0) /* tree 0: the labels themselves */
            memcpy(r, y, n * sizeof *r);
        else
            residuals(ws, prm->loss, F, y, r, n, cfg.threads);
        if (!sub && m + 1 < M) /* every row is in the tree: it adds itself to F from its
                                  leaves' rows as it grows, no walk (nor after a stop) */
            pt_tree_ws_margins(ws, wm, F);
        if ((rc = pt_tree_grow(ws, r, d->w, cnt, round_seed(prm->tree.seed, m, GBT_FEATS), t,
                               err)) != 0)
            goto out;
        if (v != NULL) { /* Spark's early stop (runWithValidation), after each round */
            if ((rc = add_tree(t, v, wm, Fv, leafv)) != 0)
                goto out;
            g->verr[g->nverr++] = valid_error(v, prm->loss, yv, Fv);
            if (m > 0 && stops(g->verr, m, prm->validation_tol)) {
                grown = m + 1;
                break;
            }
        }
        if (m + 1 == M)
            break;
        if (sub && (rc = add_tree(t, d, wm, F, leaf)) != 0)
            goto out;
    }
    if (v != NULL) /* the tree that stopped it, and any after the best, go */
        pt_forest_truncate(g->trees, kept_of(g->verr, grown, prm->validation_tol, M));
    rc = 0;
out:
    if (rc == -ENOMEM)
        pt_seterr(err, "out of memory");
    pt_tree_ws_destroy(&ws);
    free(F);
    free(r);
    free(leaf);
    free(cnt);
    free(Fv);
    free(leafv);
    return rc;
}

pt_gbt_t *pt_gbt_fit(const pt_tree_data_t *d, const pt_gbt_params_t *prm, char *err)
{
    pt_forest_params_t chk = prm->tree;
    const pt_tree_data_t *v = prm->valid;
    pt_gbt_t *g = NULL;
    double *y = NULL, *yv = NULL;
    int rc = -EINVAL;

    chk.impurity = d->nclasses > 0 ? PT_IMP_GINI : PT_IMP_VARIANCE; /* the label checks */
    chk.num_trees = 1;
    if (d->nclasses > 2) {
        pt_seterr(err, "Spark's GBT is binary only (%zu classes); use randomForestClassifier",
                  d->nclasses);
        goto out;
    }
    if (prm->max_iter < 1 || !(prm->step_size > 0 && prm->step_size <= 1)) {
        pt_seterr(err, prm->max_iter < 1 ? "maxIter must be at least 1"
                                         : "stepSize must be in (0, 1]");
        goto out;
    }
    if (v != NULL && !(prm->validation_tol >= 0)) {
        pt_seterr(err, "validationTol must be >= 0");
        goto out;
    }
    if (v != NULL && v->n == 0) {
        pt_seterr(err, "validationIndicatorCol: no validation rows in the training set");
        goto out;
    }
    if ((rc = pt_forest_check(d, &chk, err)) != 0)
        goto out;
    rc = -ENOMEM;
    g = gbt_new(d->bins->p, d->bins->p_num, d->arity, (size_t)prm->max_iter, d->nclasses,
                prm->tree.thresholds);
    if (g == NULL || (y = pt_alloc_array(d->n, sizeof *y, 0)) == NULL) {
        pt_seterr(err, "out of memory");
        goto out;
    }
    g->loss = prm->loss;
    g->step = prm->step_size;
    g->max_iter = (size_t)prm->max_iter;
    g->tol = prm->validation_tol;
    for (size_t i = 0; i < d->n; i++)
        y[i] = d->nclasses > 0 ? 2 * d->y[i] - 1 : d->y[i];
    if (v != NULL && (yv = pt_alloc_array(v->n, sizeof *yv, 0)) == NULL) {
        pt_seterr(err, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; v != NULL && i < v->n; i++)
        yv[i] = d->nclasses > 0 ? 2 * v->y[i] - 1 : v->y[i];
    rc = boost(g, d, prm, y, yv, err);
out:
    free(y);
    free(yv);
    if (rc != 0) {
        pt_gbt_destroy(&g);
        errno = -rc;
    }
    return g;
}

size_t pt_gbt_trees(const pt_gbt_t *g)
{
    return pt_forest_trees(g->trees);
}

size_t pt_gbt_max_iter(const pt_gbt_t *g)
{
    return g->max_iter > 0 ? g->max_iter : pt_gbt_trees(g);
}

size_t pt_gbt_kept(const pt_gbt_t *g, size_t m)
{
    if (m == 0 || m >= pt_gbt_max_iter(g))
        return pt_gbt_trees(g);
    return g->verr != NULL ? kept_of(g->verr, g->nverr, g->tol, m) : m;
}

const double *pt_gbt_validation(const pt_gbt_t *g, size_t *n)
{
    *n = g->nverr;
    return g->verr;
}

const pt_tree_t *pt_gbt_tree(const pt_gbt_t *g, size_t t)
{
    return pt_forest_tree(g->trees, t);
}

size_t pt_gbt_features(const pt_gbt_t *g, size_t *p_num)
{
    *p_num = g->p_num;
    return g->p;
}

size_t pt_gbt_nclasses(const pt_gbt_t *g)
{
    return g->K;
}

/* Spark's prediction from a margin: F > 0, or with thresholds the first maximum of
 * p_k / t_k (t_k = 0: infinite). */
static double classify(const pt_gbt_t *g, double f, double p1)
{
    double pr[2] = {1 - p1, p1}, best = -1;
    size_t b = 0;
    if (g->thresholds == NULL)
        return f > 0 ? 1.0 : 0.0;
    for (size_t k = 0; k < 2; k++) {
        double v = g->thresholds[k] == 0 ? INFINITY : pr[k] / g->thresholds[k];
        if (v > best) {
            best = v;
            b = k;
        }
    }
    return (double)b;
}

void pt_gbt_margins(const pt_gbt_t *g, size_t t0, size_t t1, const double *x, size_t n,
                    double *F)
{
    uint32_t leaf[GBT_BLOCK];
    if (t1 > pt_gbt_trees(g))
        t1 = pt_gbt_trees(g);
    for (size_t i0 = 0; i0 < n; i0 += GBT_BLOCK) {
        size_t nb = n - i0 < GBT_BLOCK ? n - i0 : GBT_BLOCK;
        for (size_t t = t0; t < t1; t++) {
            const pt_tree_t *tr = pt_gbt_tree(g, t);
            double wt = t == 0 ? 1.0 : g->step;
            pt_tree_leaves(tr, g->p_num, g->arity, x + i0 * g->p, nb, g->p, leaf);
            for (size_t i = 0; i < nb; i++)
                F[i0 + i] += wt * tr->pred[leaf[i]];
        }
    }
}

void pt_gbt_finish(const pt_gbt_t *g, const double *F, size_t n, double *pred, double *margin,
                   double *prob)
{
    for (size_t i = 0; i < n; i++) {
        double f = F[i], p1 = 1 / (1 + exp(-2 * f));
        if (margin != NULL)
            margin[i] = f;
        pred[i] = g->K > 0 ? classify(g, f, p1) : f;
        if (g->K > 0 && prob != NULL) {
            prob[2 * i] = 1 - p1;
            prob[2 * i + 1] = p1;
        }
    }
}

int pt_gbt_predict(const pt_gbt_t *g, size_t m, const double *x, size_t n, double *pred,
                   double *margin, double *prob)
{
    double F[GBT_BLOCK];
    if (m == 0)
        m = pt_gbt_trees(g);
    for (size_t i0 = 0; i0 < n; i0 += GBT_BLOCK) {
        size_t nb = n - i0 < GBT_BLOCK ? n - i0 : GBT_BLOCK;
        memset(F, 0, sizeof F);
        pt_gbt_margins(g, 0, m, x + i0 * g->p, nb, F);
        pt_gbt_finish(g, F, nb, pred + i0, margin != NULL ? margin + i0 : NULL,
                      prob != NULL ? prob + 2 * i0 : NULL);
    }
    return 0;
}

void pt_gbt_importances(const pt_gbt_t *g, size_t m, double *imp)
{
    size_t nt = pt_gbt_trees(g);
    double s = 0;
    if (m == 0 || m > nt)
        m = nt;
    memset(imp, 0, g->p * sizeof *imp);
    for (size_t t = 0; t < m; t++)
        pt_tree_importances(pt_gbt_tree(g, t), imp);
    for (size_t j = 0; j < g->p; j++)
        s += imp[j];
    if (s != 0)
        for (size_t j = 0; j < g->p; j++)
            imp[j] /= s;
}

/* ---- packing ------------------------------------------------------------------------------ */

static const char *const loss_names[] = {"", "logistic", "squared", "absolute"};

/* key, then the n doubles of v as an array, or nil when v is NULL. */
static void kv_doubles(msgpack_packer *pk, const char *key, const double *v, size_t n)
{
    pt_msgpack_pack_str(pk, key);
    if (v == NULL) {
        msgpack_pack_nil(pk);
        return;
    }
    msgpack_pack_array(pk, n);
    for (size_t k = 0; k < n; k++)
        msgpack_pack_double(pk, v[k]);
}

void pt_gbt_pack(const pt_gbt_t *g, msgpack_packer *pk)
{
    msgpack_pack_map(pk, 6);
    pt_msgpack_kv_str(pk, "loss", loss_names[g->loss]);
    pt_msgpack_kv_double(pk, "step_size", g->step);
    pt_msgpack_kv_uint(pk, "nclasses", g->K);
    kv_doubles(pk, "thresholds", g->thresholds, g->K);
    pt_msgpack_pack_str(pk, "trees");
    pt_forest_pack(g->trees, pk);
    kv_doubles(pk, "validation_errors", g->verr, g->nverr); /* early stop: rounds grown */
}

int pt_gbt_unpack(const msgpack_object *o, pt_gbt_t **out, char *err)
{
    pt_gbt_t *g = calloc(1, sizeof *g);
    const msgpack_object *fo, *th;
    char *loss = NULL;
    uint64_t K;
    int rc = -EBADMSG;
    *out = NULL;
    if (g == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    if (pt_msgpack_get_str(o, "loss", &loss, err) != 0 ||
        pt_msgpack_get_double(o, "step_size", &g->step, err) != 0 ||
        pt_msgpack_get_uint(o, "nclasses", &K, err) != 0 ||
        (fo = pt_msgpack_get_obj(o, "trees", MSGPACK_OBJECT_MAP, err)) == NULL)
        goto out;
    if ((K != 0 && K != 2) || !(g->step > 0 && g->step <= 1) ||
        pt_gbt_loss(loss, K == 2, &g->loss, err) != 0) {
        pt_seterr(err, "gbt: bad loss, step size or classes");
        goto out;
    }
    g->K = (size_t)K;
    if ((rc = pt_forest_unpack(fo, &g->trees, err)) != 0)
        goto out;
    rc = -EBADMSG;
    g->p = pt_forest_features(g->trees);
    g->arity = pt_forest_arity(g->trees, &g->p_num);
    if (pt_forest_nclasses(g->trees) != 0) {
        pt_seterr(err, "gbt: the trees are not regression trees");
        goto out;
    }
    th = pt_msgpack_map_get(o, "thresholds");
    if (th != NULL && th->type != MSGPACK_OBJECT_NIL && g->K > 0) {
        if (th->type != MSGPACK_OBJECT_ARRAY || th->via.array.size != 2 ||
            (g->thresholds = malloc(2 * sizeof *g->thresholds)) == NULL) {
            pt_seterr(err, "gbt: bad thresholds");
            goto out;
        }
        for (size_t k = 0; k < 2; k++) {
            if (pt_msgpack_to_double(&th->via.array.ptr[k], "thresholds", &g->thresholds[k],
                                     err) != 0)
                goto out;
            if (!(g->thresholds[k] >= 0 && isfinite(g->thresholds[k]))) { /* Spark's range */
                pt_seterr(err, "gbt: thresholds[%zu]: not a finite value >= 0", k);
                goto out;
            }
        }
    }
    rc = 0;
    *out = g;
    g = NULL;
out:
    free(loss);
    pt_gbt_destroy(&g);
    return rc;
}
