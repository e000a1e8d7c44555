/* pt_forest.c - decision trees and random forests: params, bagging, per-tree streams,
 * Spark's aggregation of the trees, featureImportances, packing (see pt_forest.h).
 *
 * Tree t's streams: s_t = pt_mix64(pt_mix64(seed) + (t + 1) * golden ratio); its bag counts
 * are drawn row by row from a splitmix64 state started at s_t, its feature subsets from
 * pt_mix64(s_t ^ "subset"), per node (pt_tree). Trees are grown one after the other, or
 * spread over threads (each with its own workspace) when there are at least as many trees
 * as threads; a tree's numbers do not depend on which.
 */
#include "pt_forest.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pt_common.h"
#include "pt_mpk.h"

struct pt_forest {
    size_t p, p_num, ncat, K, ntrees;
    int forest;
    uint32_t *arity;
    double *thresholds;
    pt_tree_t *trees;
};

int pt_forest_subset(const char *strategy, size_t p, int classifier, int num_trees,
                     size_t *count, char *err)
{
    const char *s = strategy ? strategy : "auto";
    long v;
    double fr;
    if (strcasecmp(s, "auto") == 0)
        s = num_trees == 1 ? "all" : classifier ? "sqrt" : "onethird";
    if (strcasecmp(s, "all") == 0)
        *count = p;
    else if (strcasecmp(s, "sqrt") == 0)
        *count = (size_t)ceil(sqrt((double)p));
    else if (strcasecmp(s, "log2") == 0)
        *count = (size_t)ceil(log((double)p) / log(2.0)) > 1
                     ? (size_t)ceil(log((double)p) / log(2.0)) : 1;
    else if (strcasecmp(s, "onethird") == 0)
        *count = (size_t)ceil((double)p / 3.0);
    else if (pt_parse_long(s, &v) == 0 && v > 0)
        *count = (size_t)v < p ? (size_t)v : p;
    else if (strspn(s, "0123456789.eE+-") == strlen(s) && pt_parse_double(s, &fr) == 0 &&
             fr > 0 && fr <= 1)
        *count = (size_t)ceil(fr * (double)p);
    else {
        pt_seterr(err, "featureSubsetStrategy: '%s' is not one of auto, all, onethird, sqrt, "
                  "log2, an integer > 0 or a fraction in (0, 1]", s);
        return -EINVAL;
    }
    if (*count > p)
        *count = p;
    return 0;
}

int pt_forest_check(const pt_tree_data_t *d, const pt_forest_params_t *prm, char *err)
{
    const char *bad = NULL;
    size_t mpb = (size_t)prm->max_bins < d->n ? (size_t)prm->max_bins : d->n;
    if (prm->max_depth < 0 || prm->max_depth > 30)
        bad = "maxDepth must be in [0, 30]";
    else if (prm->max_bins < 2)
        bad = "maxBins must be at least 2";
    else if (prm->min_instances_per_node < 1)
        bad = "minInstancesPerNode must be at least 1";
    else if (!(prm->min_weight_fraction >= 0 && prm->min_weight_fraction < 0.5))
        bad = "minWeightFractionPerNode must be in [0, 0.5)";
    else if (!(prm->min_info_gain >= 0))
        bad = "minInfoGain must be at least 0";
    else if (prm->num_trees < 1)
        bad = "numTrees must be at least 1";
    else if (!(prm->subsampling_rate > 0 && prm->subsampling_rate <= 1))
        bad = "subsamplingRate must be in (0, 1]";
    else if ((d->nclasses > 0) != (prm->impurity != PT_IMP_VARIANCE))
        bad = d->nclasses ? "impurity must be gini or entropy for a classifier"
                          : "impurity must be variance for a regressor";
    else if (d->n == 0)
        bad = "no training rows";
    else if (d->bins->p == 0)
        bad = "no features";
    if (bad != NULL) {
        pt_seterr(err, "%s", bad);
        return -EINVAL;
    }
    if (prm->thresholds != NULL) {
        size_t zeros = 0;
        for (size_t k = 0; k < d->nclasses; k++) {
            if (!(prm->thresholds[k] >= 0)) {
                pt_seterr(err, "thresholds must be >= 0");
                return -EINVAL;
            }
            zeros += prm->thresholds[k] == 0;
        }
        if (zeros > 1) {
            pt_seterr(err, "thresholds: at most one may be 0");
            return -EINVAL;
        }
    }
    for (size_t i = 0; i < d->n; i++) {
        double y = d->y[i];
        if (d->w != NULL && !(d->w[i] >= 0 && isfinite(d->w[i]))) {
            pt_seterr(err, "weightCol: training row %zu has weight %g (must be >= 0)", i,
                      d->w[i]);
            return -EINVAL;
        }
        if (d->nclasses ? !(y >= 0 && y < (double)d->nclasses && y == floor(y))
                        : !isfinite(y)) {
            pt_seterr(err, "training row %zu: label %g is not %s", i, y,
                      d->nclasses ? "a class id" : "a finite number");
            return -EINVAL;
        }
    }
    for (size_t k = 0; k < d->bins->p - d->bins->p_num; k++)
        if (d->arity[k] > mpb) {
            pt_seterr(err, "maxBins (= %zu) must be at least the number of values (%u) of "
                      "every categorical feature; categorical feature %zu has %u", mpb,
                      d->arity[k], k, d->arity[k]);
            return -EINVAL;
        }
    return 0;
}

void pt_forest_destroy(pt_forest_t **pf)
{
    pt_forest_t *f = pf ? *pf : NULL;
    if (f == NULL)
        return;
    if (f->trees != NULL)
        for (size_t t = 0; t < f->ntrees; t++)
            pt_tree_free(&f->trees[t]);
    free(f->trees);
    free(f->arity);
    free(f->thresholds);
    free(f);
    *pf = NULL;
}

/* A forest shell for ntrees trees of p features (p_num continuous), K classes. */
static pt_forest_t *forest_new(size_t p, size_t p_num, size_t K, size_t ntrees, int forest,
                               const uint32_t *arity, const double *thresholds)
{
    pt_forest_t *f = calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    f->p = p;
    f->p_num = p_num;
    f->ncat = p - p_num;
    f->K = K;
    f->ntrees = ntrees;
    f->forest = forest;
    f->trees = pt_alloc_array(ntrees, sizeof *f->trees, 1);
    f->arity = pt_alloc_array(f->ncat, sizeof *f->arity, 1);
    if (thresholds != NULL && K > 0 &&
        (f->thresholds = pt_alloc_array(K, sizeof *f->thresholds, 0)) != NULL)
        memcpy(f->thresholds, thresholds, K * sizeof *thresholds);
    if (f->trees == NULL || f->arity == NULL || (thresholds != NULL && K > 0 &&
                                                 f->thresholds == NULL)) {
        pt_forest_destroy(&f);
        return NULL;
    }
    if (arity != NULL)
        memcpy(f->arity, arity, f->ncat * sizeof *arity);
    return f;
}

pt_forest_t *pt_forest_shell(size_t p, size_t p_num, const uint32_t *arity, size_t ntrees)
{
    return forest_new(p, p_num, 0, ntrees, 1, arity, NULL);
}

pt_tree_t *pt_forest_tree_mut(pt_forest_t *f, size_t t)
{
    return &f->trees[t];
}

void pt_forest_truncate(pt_forest_t *f, size_t n)
{
    for (size_t t = n; t < f->ntrees; t++)
        pt_tree_free(&f->trees[t]);
    if (n < f->ntrees)
        f->ntrees = n;
}

const uint32_t *pt_forest_arity(const pt_forest_t *f, size_t *p_num)
{
    *p_num = f->p_num;
    return f->arity;
}

void pt_forest_tree_cfg(const pt_tree_data_t *d, const pt_forest_params_t *prm,
                        pt_tree_cfg_t *cfg)
{
    double wtot = 0;
    for (size_t i = 0; i < d->n; i++)
        wtot += d->w ? d->w[i] : 1.0;
    *cfg = (pt_tree_cfg_t){
        .max_depth = prm->max_depth,
        .max_bins = (size_t)prm->max_bins < d->n ? prm->max_bins : (int)d->n,
        .min_instances = prm->min_instances_per_node,
        .min_weight = prm->min_weight_fraction * wtot,
        .min_info_gain = prm->min_info_gain,
        .impurity = prm->impurity,
        .subset = prm->forest && prm->subset > 0 ? prm->subset : d->bins->p,
        .threads = 1,
    };
}

/* Knuth's Poisson sampler (lambda <= 1: a few uniforms per row). */
static uint32_t poisson(uint64_t *st, double l_exp)
{
    uint32_t k = 0;
    double p = pt_rng_uniform(st);
    while (p > l_exp) {
        k++;
        p *= pt_rng_uniform(st);
    }
    return k;
}

static uint64_t tree_seed(uint64_t seed, size_t t)
{
    return pt_mix64(pt_mix64(seed) + (uint64_t)(t + 1) * 0x9e3779b97f4a7c15ULL);
}

/* Tree t's bag counts into cnt (n). */
static void bag_counts(const pt_forest_params_t *prm, size_t n, size_t t, uint32_t *cnt)
{
    uint64_t st = tree_seed(prm->seed, t);
    double rate = prm->subsampling_rate, l_exp = exp(-rate);
    for (size_t i = 0; i < n; i++)
        cnt[i] = prm->bootstrap ? poisson(&st, l_exp) : pt_rng_uniform(&st) < rate;
}

/* A fitting thread: trees t0, t0 + stride, ... with its own workspace. */
typedef struct {
    const pt_tree_data_t *d;
    const pt_forest_params_t *prm;
    const pt_tree_cfg_t *cfg;
    pt_forest_t *f;
    size_t t0, stride;
    int rc;
    char err[PT_ERRLEN];
} fit_task_t;

static void *fit_trees(void *arg)
{
    fit_task_t *ft = arg;
    const pt_forest_params_t *prm = ft->prm;
    int bag = prm->forest && (prm->bootstrap || prm->subsampling_rate < 1);
    uint32_t *cnt = bag ? pt_alloc_array(ft->d->n, sizeof *cnt, 0) : NULL;
    pt_tree_ws_t *ws = pt_tree_ws_new(ft->d, ft->cfg, ft->err);
    ft->rc = -ENOMEM;
    if (ws == NULL || (bag && cnt == NULL))
        goto out;
    for (size_t t = ft->t0; t < ft->f->ntrees; t += ft->stride) {
        if (bag)
            bag_counts(prm, ft->d->n, t, cnt);
        uint64_t sub = pt_mix64(tree_seed(prm->seed, t) ^ 0x737562736574ULL);
        if (pt_tree_grow(ws, ft->d->y, ft->d->w, cnt, sub, &ft->f->trees[t], ft->err) != 0)
            goto out;
    }
    ft->rc = 0;
out:
    if (ft->rc != 0)
        pt_seterr(ft->err, "out of memory");
    pt_tree_ws_destroy(&ws);
    free(cnt);
    return NULL;
}

pt_forest_t *pt_forest_fit(const pt_tree_data_t *d, const pt_forest_params_t *prm, char *err)
{
    pt_forest_t *f = NULL;
    fit_task_t *ft = NULL;
    size_t p = d->bins->p, nt = prm->threads > 1 ? (size_t)prm->threads : 1;
    pt_tree_cfg_t cfg;
    int rc = pt_forest_check(d, prm, err);
    if (rc != 0)
        goto out;
    rc = -ENOMEM;
    f = forest_new(p, d->bins->p_num, d->nclasses, (size_t)prm->num_trees, prm->forest,
                   d->arity, prm->thresholds);
    if (f == NULL)
        goto out;
    pt_forest_tree_cfg(d, prm, &cfg);
    /* trees over threads when there are enough of them, else one tree's histograms */
    if (nt > f->ntrees) {
        cfg.threads = (int)nt;
        nt = 1;
    }
    ft = pt_alloc_array(nt, sizeof *ft, 1);
    if (ft == NULL)
        goto out;
    for (size_t t = 0; t < nt; t++)
        ft[t] = (fit_task_t){.d = d, .prm = prm, .cfg = &cfg, .f = f, .t0 = t, .stride = nt};
    pt_run_each(ft, nt, sizeof *ft, fit_trees);
    rc = 0;
    for (size_t t = 0; t < nt && rc == 0; t++)
        if ((rc = ft[t].rc) != 0)
            pt_seterr(err, "%s", ft[t].err);
out:
    if (rc == -ENOMEM && (ft == NULL || f == NULL))
        pt_seterr(err, "out of memory");
    free(ft);
    if (rc != 0) {
        pt_forest_destroy(&f);
        errno = -rc;
    }
    return f;
}

size_t pt_forest_trees(const pt_forest_t *f)
{
    return f->ntrees;
}

size_t pt_forest_nclasses(const pt_forest_t *f)
{
    return f->K;
}

size_t pt_forest_features(const pt_forest_t *f)
{
    return f->p;
}

const pt_tree_t *pt_forest_tree(const pt_forest_t *f, size_t t)
{
    return &f->trees[t];
}

/* ---- prediction --------------------------------------------------------------------------- */

#define BLOCK 128 /* rows per block: each tree walks a block (its rows stay in L1) */

/* The class of probabilities pr (K) under thresholds th: Spark's argmax of p / t. */
static double threshold_class(const double *pr, const double *th, size_t K)
{
    size_t b = 0;
    double mx = -INFINITY;
    for (size_t k = 0; k < K; k++) {
        double s = pr[k] / th[k];
        if (s > mx) {
            mx = s;
            b = k;
        }
    }
    return (double)b;
}

static void classify_block(const pt_forest_t *f, size_t m, const double *x, size_t n,
                           double *pred, double *prob, double *raw, uint32_t *leaf)
{
    size_t K = f->K;
    memset(raw, 0, n * K * sizeof *raw);
    for (size_t t = 0; t < m; t++) {
        const pt_tree_t *tr = &f->trees[t];
        pt_tree_leaves(tr, f->p_num, f->arity, x, n, f->p, leaf);
        for (size_t i = 0; i < n; i++) {
            const double *st = tr->stats + (size_t)leaf[i] * tr->nstat;
            double *ri = raw + i * K;
            if (!f->forest) {
                memcpy(ri, st, K * sizeof *ri);
                pred[i] = tr->pred[leaf[i]];
                continue;
            }
            const double *fq = tr->freq + (size_t)leaf[i] * K;
            for (size_t k = 0; k < K; k++)
                ri[k] += fq[k];
        }
    }
    for (size_t i = 0; i < n; i++) {
        double *ri = raw + i * K, *pi = prob + i * K, s = 0;
        for (size_t k = 0; k < K; k++)
            s += ri[k];
        for (size_t k = 0; k < K; k++)
            pi[k] = s != 0 ? ri[k] / s : 0;
        if (f->thresholds != NULL) {
            pred[i] = threshold_class(pi, f->thresholds, K);
        } else if (f->forest) {
            size_t b = 0;
            for (size_t k = 1; k < K; k++)
                if (ri[k] > ri[b])
                    b = k;
            pred[i] = (double)b;
        }
    }
}

int pt_forest_predict(const pt_forest_t *f, size_t m, const double *x, size_t n, double *pred,
                      double *prob, double *raw)
{
    size_t K = f->K;
    double *pb = pt_alloc_array(BLOCK * (K ? K : 1), sizeof *pb, 0);
    double *rb = pt_alloc_array(BLOCK * (K ? K : 1), sizeof *rb, 0);
    uint32_t *leaf = pt_alloc_array(BLOCK, sizeof *leaf, 0);
    int rc = -ENOMEM;
    if (pb == NULL || rb == NULL || leaf == NULL)
        goto out;
    if (m == 0 || m > f->ntrees)
        m = f->ntrees;
    for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
        size_t nb = n - i0 < BLOCK ? n - i0 : BLOCK;
        const double *xb = x + i0 * f->p;
        if (K > 0) {
            classify_block(f, m, xb, nb, pred + i0, pb, rb, leaf);
            if (prob != NULL)
                memcpy(prob + i0 * K, pb, nb * K * sizeof *pb);
            if (raw != NULL)
                memcpy(raw + i0 * K, rb, nb * K * sizeof *rb);
            continue;
        }
        for (size_t i = 0; i < nb; i++)
            pred[i0 + i] = 0;
        for (size_t t = 0; t < m; t++) {
            const pt_tree_t *tr = &f->trees[t];
            pt_tree_leaves(tr, f->p_num, f->arity, xb, nb, f->p, leaf);
            for (size_t i = 0; i < nb; i++)
                pred[i0 + i] += tr->pred[leaf[i]];
        }
        for (size_t i = 0; i < nb; i++)
            pred[i0 + i] /= (double)m;
    }
    rc = 0;
out:
    free(pb);
    free(rb);
    free(leaf);
    return rc;
}

void pt_forest_importances(const pt_forest_t *f, size_t m, double *imp)
{
    double *ti = pt_alloc_array(f->p, sizeof *ti, 0), s = 0;
    if (m == 0 || m > f->ntrees)
        m = f->ntrees;
    memset(imp, 0, f->p * sizeof *imp);
    if (ti == NULL)
        return;
    for (size_t t = 0; t < m; t++) {
        double ts = 0;
        memset(ti, 0, f->p * sizeof *ti);
        pt_tree_importances(&f->trees[t], ti);
        for (size_t j = 0; j < f->p; j++)
            ts += ti[j];
        if (ts != 0)
            for (size_t j = 0; j < f->p; j++)
                imp[j] += ti[j] / ts;
    }
    for (size_t j = 0; j < f->p; j++)
        s += imp[j];
    if (s != 0)
        for (size_t j = 0; j < f->p; j++)
            imp[j] /= s;
    free(ti);
}

/* ---- packing ------------------------------------------------------------------------------ */

static void pack_dbls(msgpack_packer *pk, const char *key, const double *v, size_t n)
{
    pt_msgpack_pack_str(pk, key);
    msgpack_pack_array(pk, n);
    for (size_t i = 0; i < n; i++)
        msgpack_pack_double(pk, v[i]);
}

static void pack_tree(const pt_tree_t *t, msgpack_packer *pk)
{
    msgpack_pack_map(pk, 10);
    pt_msgpack_kv_int32s(pk, "feature", t->feature, t->nnodes);
    pt_msgpack_kv_int32s(pk, "left", t->left, t->nnodes);
    pack_dbls(pk, "thr", t->thr, t->nnodes);
    pt_msgpack_kv_int32s(pk, "cat_off", t->cat_off, t->nnodes);
    pt_msgpack_pack_str(pk, "unseen_left");
    msgpack_pack_array(pk, t->nnodes);
    for (size_t i = 0; i < t->nnodes; i++)
        msgpack_pack_uint8(pk, t->unseen_left[i]);
    pack_dbls(pk, "pred", t->pred, t->nnodes);
    pack_dbls(pk, "impurity", t->impurity, t->nnodes);
    pack_dbls(pk, "gain", t->gain, t->nnodes);
    pack_dbls(pk, "stats", t->stats, t->nnodes * t->nstat);
    pt_msgpack_pack_str(pk, "cats");
    msgpack_pack_array(pk, t->ncats);
    for (size_t i = 0; i < t->ncats; i++)
        msgpack_pack_uint64(pk, t->cats[i]);
}

void pt_forest_pack(const pt_forest_t *f, msgpack_packer *pk)
{
    msgpack_pack_map(pk, 7);
    pt_msgpack_kv_uint(pk, "p", f->p);
    pt_msgpack_kv_uint(pk, "p_num", f->p_num);
    pt_msgpack_kv_uint(pk, "nclasses", f->K);
    pt_msgpack_kv_bool(pk, "forest", f->forest);
    pt_msgpack_pack_str(pk, "arity");
    msgpack_pack_array(pk, f->ncat);
    for (size_t k = 0; k < f->ncat; k++)
        msgpack_pack_uint32(pk, f->arity[k]);
    pt_msgpack_pack_str(pk, "thresholds");
    if (f->thresholds != NULL) {
        msgpack_pack_array(pk, f->K);
        for (size_t k = 0; k < f->K; k++)
            msgpack_pack_double(pk, f->thresholds[k]);
    } else {
        msgpack_pack_nil(pk);
    }
    pt_msgpack_pack_str(pk, "trees");
    msgpack_pack_array(pk, f->ntrees);
    for (size_t t = 0; t < f->ntrees; t++)
        pack_tree(&f->trees[t], pk);
}

/* The array field key of map o with exactly n elements, or NULL with err. */
static const msgpack_object *get_array(const msgpack_object *o, const char *key, size_t n,
                                       char *err)
{
    const msgpack_object *a = pt_msgpack_get_obj(o, key, MSGPACK_OBJECT_ARRAY, err);
    if (a != NULL && a->via.array.size != n) {
        pt_seterr(err, "field '%s': %u values, expected %zu", key, a->via.array.size, n);
        return NULL;
    }
    return a;
}

static int get_i32s(const msgpack_object *o, const char *key, size_t n, int32_t *out,
                    int64_t lo, int64_t hi, char *err)
{
    const msgpack_object *a = get_array(o, key, n, err);
    int64_t v;
    if (a == NULL)
        return -EBADMSG;
    for (size_t i = 0; i < n; i++) {
        if (pt_msgpack_to_int(&a->via.array.ptr[i], key, lo, hi, &v, err) != 0)
            return -EBADMSG;
        out[i] = (int32_t)v;
    }
    return 0;
}

static int get_dbls(const msgpack_object *o, const char *key, size_t n, double *out, char *err)
{
    const msgpack_object *a = get_array(o, key, n, err);
    if (a == NULL)
        return -EBADMSG;
    for (size_t i = 0; i < n; i++) {
        if (pt_msgpack_to_double(&a->via.array.ptr[i], key, &out[i], err) != 0)
            return -EBADMSG;
        if (!isfinite(out[i])) { /* thresholds, predictions, statistics: all finite */
            pt_seterr(err, "field '%s'[%zu]: not finite", key, i);
            return -EBADMSG;
        }
    }
    return 0;
}

/* Checks tree t's structure against f: children after their parent and in range, features
 * in range, categorical left sets inside cats. */
static int check_tree(const pt_forest_t *f, const pt_tree_t *t, char *err)
{
    for (size_t i = 0; i < t->nnodes; i++) {
        int32_t ft = t->feature[i], l = t->left[i];
        if (ft < 0)
            continue;
        if ((size_t)ft >= f->p || l <= (int32_t)i || (size_t)l + 1 >= t->nnodes) {
            pt_seterr(err, "tree node %zu: bad feature or children", i);
            return -EBADMSG;
        }
        if ((size_t)ft >= f->p_num) {
            size_t nw = (f->arity[ft - f->p_num] + 63) / 64;
            if (t->cat_off[i] < 0 || (size_t)t->cat_off[i] + nw > t->ncats) {
                pt_seterr(err, "tree node %zu: bad categorical set", i);
                return -EBADMSG;
            }
        }
    }
    return 0;
}

static int unpack_tree(const pt_forest_t *f, const msgpack_object *o, pt_tree_t *t, char *err)
{
    const msgpack_object *a, *c;
    if ((a = pt_msgpack_get_obj(o, "feature", MSGPACK_OBJECT_ARRAY, err)) == NULL ||
        (c = pt_msgpack_get_obj(o, "cats", MSGPACK_OBJECT_ARRAY, err)) == NULL)
        return -EBADMSG;
    size_t n = a->via.array.size;
    t->nclasses = f->K;
    t->nstat = f->K ? f->K : 3;
    if (n == 0) {
        pt_seterr(err, "a tree without nodes");
        return -EBADMSG;
    }
    if (pt_tree_alloc(t, n, c->via.array.size) != 0)
        return -ENOMEM;
    for (size_t i = 0; i < t->ncats; i++) {
        const msgpack_object *v = &c->via.array.ptr[i];
        if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
            pt_seterr(err, "field 'cats': expected unsigned integers");
            return -EBADMSG;
        }
        t->cats[i] = v->via.u64;
    }
    int32_t *ul = pt_alloc_array(n, sizeof *ul, 0);
    if (ul == NULL)
        return -ENOMEM;
    int rc = get_i32s(o, "feature", n, t->feature, -1, INT32_MAX, err);
    if (rc == 0)
        rc = get_i32s(o, "left", n, t->left, -1, INT32_MAX, err);
    if (rc == 0)
        rc = get_i32s(o, "cat_off", n, t->cat_off, -1, INT32_MAX, err);
    if (rc == 0)
        rc = get_i32s(o, "unseen_left", n, ul, 0, 1, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        t->unseen_left[i] = (uint8_t)ul[i];
    free(ul);
    if (rc == 0)
        rc = get_dbls(o, "thr", n, t->thr, err);
    if (rc == 0)
        rc = get_dbls(o, "pred", n, t->pred, err);
    if (rc == 0)
        rc = get_dbls(o, "impurity", n, t->impurity, err);
    if (rc == 0)
        rc = get_dbls(o, "gain", n, t->gain, err);
    if (rc == 0)
        rc = get_dbls(o, "stats", n * t->nstat, t->stats, err);
    if (rc == 0)
        rc = check_tree(f, t, err);
    if (rc == 0 && pt_tree_index(t, f->p_num) != 0)
        rc = -ENOMEM;
    return rc;
}

int pt_forest_unpack(const msgpack_object *o, pt_forest_t **out, char *err)
{
    uint64_t p, pn, K;
    int forest;
    const msgpack_object *ar, *th, *tr;
    pt_forest_t *f = NULL;
    int rc = -EBADMSG;
    *out = NULL;
    if (pt_msgpack_get_uint(o, "p", &p, err) != 0 ||
        pt_msgpack_get_uint(o, "p_num", &pn, err) != 0 ||
        pt_msgpack_get_uint(o, "nclasses", &K, err) != 0 ||
        pt_msgpack_get_bool(o, "forest", &forest, err) != 0 ||
        (tr = pt_msgpack_get_obj(o, "trees", MSGPACK_OBJECT_ARRAY, err)) == NULL)
        return -EBADMSG;
    if (pn > p || p > INT32_MAX || K > 65536 || tr->via.array.size == 0) {
        pt_seterr(err, "forest: bad sizes");
        return -EBADMSG;
    }
    th = pt_msgpack_map_get(o, "thresholds");
    f = forest_new(p, pn, K, tr->via.array.size, forest, NULL, NULL);
    if (f == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    if ((ar = get_array(o, "arity", f->ncat, err)) == NULL)
        goto out;
    for (size_t k = 0; k < f->ncat; k++) {
        int64_t v;
        if (pt_msgpack_to_int(&ar->via.array.ptr[k], "arity", 0, 65537, &v, err) != 0)
            goto out;
        f->arity[k] = (uint32_t)v;
    }
    if (th != NULL && th->type != MSGPACK_OBJECT_NIL && K > 0) {
        if ((f->thresholds = pt_alloc_array(K, sizeof *f->thresholds, 0)) == NULL) {
            rc = -ENOMEM;
            goto out;
        }
        if (get_dbls(o, "thresholds", K, f->thresholds, err) != 0)
            goto out;
    }
    for (size_t t = 0; t < f->ntrees; t++) {
        const msgpack_object *to = &tr->via.array.ptr[t];
        if (to->type != MSGPACK_OBJECT_MAP) {
            pt_seterr(err, "trees[%zu]: expected a map", t);
            goto out;
        }
        if ((rc = unpack_tree(f, to, &f->trees[t], err)) != 0)
            goto out;
    }
    rc = 0;
    *out = f;
    f = NULL;
out:
    if (rc == -ENOMEM)
        pt_seterr(err, "out of memory");
    pt_forest_destroy(&f);
    return rc;
}
