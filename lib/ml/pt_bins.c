/* pt_bins.c - Spark ML's findSplits and the column-major binned codes (see pt_bins.h).
 *
 * The sample is drawn once for all continuous features (as Spark samples the rows once);
 * each feature's non-zero values are then sorted with their weights, merged into distinct
 * values, completed with the inferred weight of 0 and turned into thresholds by Spark's
 * findSplitsForContinuousFeature rule.
 */
#include "pt_bins.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_mpk.h"

typedef struct {
    double v, w;
} vw_t;

static int cmp_vw(const void *a, const void *b)
{
    const vw_t *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return (x->w > y->w) - (x->w < y->w);
}

void pt_bins_free(pt_bins_t *b)
{
    if (b == NULL)
        return;
    if (b->thr != NULL)
        for (size_t j = 0; j < b->p; j++)
            free(b->thr[j]);
    free(b->thr);
    free(b->nbins);
    memset(b, 0, sizeof *b);
}

/* Spark's findSplitsForContinuousFeature on the sorted distinct values v[0..d) with weights
 * c[0..d): writes at most d - 1 thresholds into thr, returns how many. */
static size_t thresholds(const double *v, const double *c, size_t d, size_t num_splits,
                         double weighted_samples, double *thr)
{
    size_t k = 0;
    if (d <= 1)
        return 0;
    if (d - 1 <= num_splits) {
        for (size_t i = 1; i < d; i++)
            thr[k++] = (v[i - 1] + v[i]) / 2.0;
        return k;
    }
    double stride = weighted_samples / (double)(num_splits + 1);
    double cur = c[0], target = stride;
    for (size_t i = 1; i < d; i++) {
        double prev = cur;
        cur += c[i];
        /* the previous value is a threshold when adding this one moves away from target */
        if (fabs(prev - target) < fabs(cur - target)) {
            thr[k++] = (v[i - 1] + v[i]) / 2.0;
            target += stride;
        }
    }
    return k;
}

/* The thresholds of one continuous feature from its sampled non-zero (value, weight) pairs
 * pv[0..m) (sorted here): distinct values, the inferred weight of 0, then thresholds(). The
 * caller's scratch v, c holds m + 1 doubles each. Sets *out (malloc'd, NULL when none) and
 * *nthr. 0 or -ENOMEM. */
static int feature_thresholds(vw_t *pv, size_t m, size_t num_splits, double weighted_samples,
                              double *v, double *c, double **out, size_t *nthr)
{
    size_t d = 0;
    double part = 0;
    *out = NULL;
    *nthr = 0;
    if (m == 0)
        return 0; /* Spark: no non-zero value, no split */
    qsort(pv, m, sizeof *pv, cmp_vw);
    for (size_t i = 0; i < m; i++) {
        if (d > 0 && v[d - 1] == pv[i].v) {
            c[d - 1] += pv[i].w;
        } else {
            v[d] = pv[i].v;
            c[d++] = pv[i].w;
        }
    }
    for (size_t i = 0; i < d; i++)
        part += c[i];
    double zw = weighted_samples - part;
    if (zw > DBL_EPSILON * (double)m * 100) {
        size_t at = 0;
        while (at < d && v[at] < 0)
            at++;
        memmove(v + at + 1, v + at, (d - at) * sizeof *v);
        memmove(c + at + 1, c + at, (d - at) * sizeof *c);
        v[at] = 0.0;
        c[at] = zw;
        d++;
    }
    if (d <= 1)
        return 0;
    /* the stride walk may emit more than num_splits thresholds when the sample weighs more
     * than fraction * W_total (Spark's too): room for every midpoint */
    double *t = malloc((d - 1) * sizeof *t);
    if (t == NULL)
        return -ENOMEM;
    *nthr = thresholds(v, c, d, num_splits, weighted_samples, t);
    *out = *nthr ? t : NULL;
    if (*nthr == 0)
        free(t);
    return 0;
}

/* The sampled rows' continuous values, column-major (feature j's ns values at j * cap), and
 * their weights. Reads only the rows the sample keeps. */
typedef struct {
    double *x, *w;
    size_t ns, cap;
} sample_t;

static int draw_sample(pt_rows_fn rows, void *arg, size_t n, size_t p, size_t p_num,
                       const double *w, double fraction, uint64_t seed, sample_t *s, char *err)
{
    uint64_t st = pt_mix64(seed ^ 0x62696e73ULL);
    double *row = malloc((p ? p : 1) * sizeof *row);
    size_t cap = fraction < 1 ? (size_t)(fraction * (double)n * 1.1) + 64 : n;
    int rc = -ENOMEM;
    if (cap > n)
        cap = n;
    s->ns = 0;
    s->cap = cap;
    s->x = pt_alloc_array(cap * p_num, sizeof *s->x, 0);
    s->w = pt_alloc_array(cap, sizeof *s->w, 0);
    if (row == NULL || s->x == NULL || s->w == NULL)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (fraction < 1 && !(pt_rng_uniform(&st) < fraction))
            continue;
        if (s->ns == s->cap) { /* more rows than expected: grow column-major storage */
            size_t nc = s->cap * 2 > n ? n : s->cap * 2;
            double *x = pt_alloc_array(nc * p_num, sizeof *x, 0);
            double *nw = realloc(s->w, nc * sizeof *nw);
            if (nw != NULL)
                s->w = nw;
            if (x == NULL || nw == NULL) {
                free(x);
                goto out;
            }
            for (size_t j = 0; j < p_num; j++)
                memcpy(x + j * nc, s->x + j * s->cap, s->ns * sizeof *x);
            free(s->x);
            s->x = x;
            s->cap = nc;
        }
        rows(arg, i, row);
        for (size_t j = 0; j < p_num; j++) {
            if (!isfinite(row[j])) {
                pt_seterr(err, "feature %zu of training row %zu is not a finite number", j,
                          i);
                rc = -EINVAL;
                goto out;
            }
            s->x[j * s->cap + s->ns] = row[j];
        }
        s->w[s->ns++] = w ? w[i] : 1.0;
    }
    rc = 0;
out:
    free(row);
    if (rc == -ENOMEM)
        pt_seterr(err, "out of memory");
    return rc;
}

static int continuous_bins(const sample_t *s, size_t p_num, size_t num_splits,
                           double weighted_samples, pt_bins_t *out, char *err)
{
    vw_t *pv = pt_alloc_array(s->ns, sizeof *pv, 0);
    double *v = pt_alloc_array(s->ns + 1, sizeof *v, 0);
    double *c = pt_alloc_array(s->ns + 1, sizeof *c, 0);
    int rc = -ENOMEM;
    if (pv == NULL || v == NULL || c == NULL)
        goto out;
    for (size_t j = 0; j < p_num; j++) {
        size_t m = 0, nthr = 0;
        const double *xj = s->x + j * s->cap;
        for (size_t i = 0; i < s->ns; i++)
            if (xj[i] != 0.0) {
                pv[m].v = xj[i];
                pv[m++].w = s->w[i];
            }
        if (feature_thresholds(pv, m, num_splits, weighted_samples, v, c, &out->thr[j],
                               &nthr) != 0)
            goto out;
        out->nbins[j] = (uint32_t)nthr + 1;
    }
    rc = 0;
out:
    free(pv);
    free(v);
    free(c);
    if (rc != 0)
        pt_seterr(err, "out of memory");
    return rc;
}

int pt_bins_find(pt_rows_fn rows, void *arg, size_t n, size_t p_num, size_t ncat,
                 const uint64_t *cat_size, const double *w, int max_bins, uint64_t seed,
                 pt_bins_t *out, char *err)
{
    sample_t s = {0};
    size_t p = p_num + ncat;
    int rc = -ENOMEM;
    memset(out, 0, sizeof *out);
    if (max_bins < 2 || n == 0) {
        pt_seterr(err, max_bins < 2 ? "maxBins must be at least 2" : "no training rows");
        return -EINVAL;
    }
    out->p = p;
    out->p_num = p_num;
    out->max_bins = (size_t)max_bins < n ? max_bins : (int)n;
    out->nbins = pt_alloc_array(p, sizeof *out->nbins, 1);
    out->thr = pt_alloc_array(p, sizeof *out->thr, 1);
    if (out->nbins == NULL || out->thr == NULL) {
        pt_seterr(err, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < ncat; k++) {
        if (cat_size[k] < 1 || cat_size[k] > 65536) {
            pt_seterr(err, "categorical feature %zu: %llu codes (1..65536)", k,
                      (unsigned long long)cat_size[k]);
            rc = -EINVAL;
            goto out;
        }
        out->nbins[p_num + k] = (uint32_t)cat_size[k];
    }
    if (p_num > 0) {
        double mpb = out->max_bins, required = mpb * mpb > 10000 ? mpb * mpb : 10000;
        double fraction = required < (double)n ? required / (double)n : 1.0, wtot = 0;
        for (size_t i = 0; i < n; i++)
            wtot += w ? w[i] : 1.0;
        rc = draw_sample(rows, arg, n, p, p_num, w, fraction, seed, &s, err);
        if (rc == 0)
            rc = continuous_bins(&s, p_num, (size_t)out->max_bins - 1, fraction * wtot, out,
                                 err);
        if (rc != 0)
            goto out;
    }
    for (size_t j = 0; j < p; j++)
        if (out->nbins[j] > 256)
            out->wide = 1;
    rc = 0;
out:
    free(s.x);
    free(s.w);
    if (rc != 0)
        pt_bins_free(out);
    return rc;
}

size_t pt_bins_code_bytes(const pt_bins_t *b, size_t n)
{
    return b->p * n * (b->wide ? 2 : 1);
}

uint32_t pt_bins_bin(const pt_bins_t *b, size_t j, double x)
{
    const double *t = b->thr[j], *base = t;
    size_t n = b->nbins[j] - 1; /* the thresholds below x: a branch-free binary search */
    if (isnan(x))
        return b->nbins[j] - 1;
    if (n == 0)
        return 0;
    while (n > 1) {
        size_t half = n / 2;
        base = base[half - 1] < x ? base + half : base;
        n -= half;
    }
    return (uint32_t)(base - t) + (base[0] < x);
}

void pt_bins_code(const pt_bins_t *b, pt_rows_fn rows, void *arg, size_t n, size_t lo,
                  size_t hi, void *dst)
{
    double *row = malloc((b->p ? b->p : 1) * sizeof *row);
    double buf[64];
    if (row == NULL) /* tiny; fall back to the stack for narrow data */
        row = b->p <= 64 ? buf : NULL;
    if (row == NULL)
        return;
    for (size_t i = lo; i < hi; i++) {
        rows(arg, i, row);
        for (size_t j = 0; j < b->p; j++) {
            uint32_t c = j < b->p_num ? pt_bins_bin(b, j, row[j]) : (uint32_t)row[j];
            if (b->wide)
                ((uint16_t *)dst)[j * n + i] = (uint16_t)c;
            else
                ((uint8_t *)dst)[j * n + i] = (uint8_t)c;
        }
    }
    if (row != buf)
        free(row);
}

void pt_bins_pack(const pt_bins_t *b, msgpack_packer *pk)
{
    msgpack_pack_map(pk, 4);
    pt_msgpack_kv_int(pk, "max_bins", b->max_bins);
    pt_msgpack_kv_uint(pk, "p_num", b->p_num);
    pt_msgpack_pack_str(pk, "nbins");
    msgpack_pack_array(pk, b->p);
    for (size_t j = 0; j < b->p; j++)
        msgpack_pack_uint32(pk, b->nbins[j]);
    pt_msgpack_pack_str(pk, "thr");
    msgpack_pack_array(pk, b->p_num);
    for (size_t j = 0; j < b->p_num; j++) {
        msgpack_pack_array(pk, b->nbins[j] - 1);
        for (uint32_t s = 0; s + 1 < b->nbins[j]; s++)
            msgpack_pack_double(pk, b->thr[j][s]);
    }
}

int pt_bins_unpack(const msgpack_object *o, pt_bins_t *b, char *err)
{
    const msgpack_object *nb, *th;
    int64_t mb;
    uint64_t pn;
    memset(b, 0, sizeof *b);
    if (pt_msgpack_get_int(o, "max_bins", 2, INT32_MAX, &mb, err) != 0 ||
        pt_msgpack_get_uint(o, "p_num", &pn, err) != 0 ||
        (nb = pt_msgpack_get_obj(o, "nbins", MSGPACK_OBJECT_ARRAY, err)) == NULL ||
        (th = pt_msgpack_get_obj(o, "thr", MSGPACK_OBJECT_ARRAY, err)) == NULL)
        return -EBADMSG;
    if (pn > nb->via.array.size || th->via.array.size != pn) {
        pt_seterr(err, "bins: p_num %llu does not match the arrays",
                  (unsigned long long)pn);
        return -EBADMSG;
    }
    b->max_bins = (int)mb;
    b->p = nb->via.array.size;
    b->p_num = pn;
    b->nbins = pt_alloc_array(b->p, sizeof *b->nbins, 1);
    b->thr = pt_alloc_array(b->p, sizeof *b->thr, 1);
    if (b->nbins == NULL || b->thr == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    for (size_t j = 0; j < b->p; j++) {
        int64_t v;
        if (pt_msgpack_to_int(&nb->via.array.ptr[j], "nbins", 1, 65536, &v, err) != 0)
            return -EBADMSG;
        b->nbins[j] = (uint32_t)v;
        if (v > 256)
            b->wide = 1;
    }
    for (size_t j = 0; j < b->p_num; j++) {
        const msgpack_object *a = &th->via.array.ptr[j];
        if (a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size + 1 != b->nbins[j]) {
            pt_seterr(err, "bins: thresholds of feature %zu do not match nbins", j);
            return -EBADMSG;
        }
        if ((b->thr[j] = pt_alloc_array(a->via.array.size, sizeof **b->thr, 0)) == NULL) {
            pt_seterr(err, "out of memory");
            return -ENOMEM;
        }
        for (uint32_t s = 0; s < a->via.array.size; s++)
            if (pt_msgpack_to_double(&a->via.array.ptr[s], "thr", &b->thr[j][s], err) != 0)
                return -EBADMSG;
    }
    return 0;
}
