/* pt_stage_strindex.c - the stringIndexer stage: Spark ML's StringIndexer on the categorical
 * columns (pt_categorical.h), as an affine map of their global indicator columns.
 *
 * A fold's indexer orders the categories seen in its training rows (count > 0; the counts are
 * n * mean of the indicator columns, from the moments) by stringOrderType: frequencyDesc
 * (default), frequencyAsc (equal counts by the strings ascending, as Spark's sortByFreq),
 * alphabetDesc, alphabetAsc. Category code k (its indicator) gets index idx(k), so the index
 * of column j is sum_k idx(k) 1[cat = k]: linear in the indicators. Output: the numeric
 * features unchanged, then one index per categorical column (Spark's outputCols, in the
 * declaration order), then, when the indexer stands before the imputer, the missing-value
 * indicators unchanged (the imputer reads them last; "passthrough_after" in the model). handleInvalid: "error" (default) fails the fit when a category of the
 * file is not in the training rows (with k-fold or train-validation blocks such a category
 * is in the validation block, where Spark's transform would fail); "keep" gives it index
 * nlabels (strindex__map); "skip" drops the rows whose category is not among the labels
 * (Spark's transform filters them): no training row is such (the labels are the training
 * rows' categories), so the fit is the same as under error, and the validation rows and
 * predict's rows are dropped by pt_fitted_keep_rows, which reads this stage's labels.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_mpk.h"
#include "pt_stage.h"

static const pt_param_def_t strindex__params[] = {
    {"stringOrderType", PT_VAL_STRING, 0, 0, 0, 0, "how the categories are ordered",
     "frequencyDesc|frequencyAsc|alphabetDesc|alphabetAsc"},
    {"handleInvalid", PT_VAL_STRING, 0, 0, 0, 0,
     "a category not in the training rows: fail, index numLabels, or drop the row",
     "error|keep|skip"},
};

typedef struct {
    const double *count;
    int order;
} strindex__sort_t;

static int strindex__cmp(const void *a, const void *b, void *arg)
{
    const strindex__sort_t *s = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    double cx = s->count[x], cy = s->count[y];
    int alpha = (x > y) - (x < y); /* codes are in the strings' byte order */
    switch (s->order) {
    case 0:
        return cx != cy ? (cx > cy ? -1 : 1) : alpha;
    case 1:
        return cx != cy ? (cx < cy ? -1 : 1) : alpha;
    case 2:
        return -alpha;
    default:
        return alpha;
    }
}

size_t pt_stage_strindex_order(const double *count, size_t n, int order, uint32_t *labels)
{
    strindex__sort_t s = {count, order};
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (count[k] > 0)
            labels[m++] = (uint32_t)k;
    qsort_r(labels, m, sizeof *labels, strindex__cmp, &s);
    return m;
}

static void strindex__free(void *state)
{
    pt_stage_catidx_t *s = state;
    if (s == NULL)
        return;
    for (size_t k = 0; k < s->ncat && s->labels != NULL; k++)
        free(s->labels[k]);
    free(s->labels);
    free(s->nlabels);
    free(s->size);
    free(s);
}

static int strindex__order_type(const pt_stage_fit_t *st)
{
    static const char *const names[] = {"frequencyDesc", "frequencyAsc", "alphabetDesc",
                                        "alphabetAsc"};
    const char *v = pt_stage_str(st, "stringOrderType");
    for (int i = 0; v != NULL && i < 4; i++)
        if (strcmp(v, names[i]) == 0)
            return i;
    return 0;
}

/* s's handleInvalid flags from st's param and its per-column arrays for s->ncat columns, the
 * part of the state that fit and unpack both make. 0 or -ENOMEM. */
static int strindex__alloc(const pt_stage_fit_t *st, pt_stage_catidx_t *s)
{
    const char *hi = pt_stage_str(st, "handleInvalid");
    s->keep = hi != NULL && strcmp(hi, "keep") == 0;
    s->skip = hi != NULL && strcmp(hi, "skip") == 0;
    s->size = calloc(s->ncat, sizeof *s->size);
    s->nlabels = calloc(s->ncat, sizeof *s->nlabels);
    s->labels = calloc(s->ncat, sizeof *s->labels);
    return s->size == NULL || s->nlabels == NULL || s->labels == NULL ? -ENOMEM : 0;
}

/* The state from the training counts (n * mean of each indicator). 0, -EINVAL (a category
 * not in the training rows under handleInvalid error) or -ENOMEM, with err. */
static int strindex__labels(pt_stage_fit_t *st, const pt_stage_in_t *in, char *err)
{
    pt_stage_catidx_t *s = calloc(1, sizeof *s);
    size_t off;
    double nulls;
    st->state = s;
    if (s == NULL)
        goto nomem;
    s->ncat = in->ncat;
    if (strindex__alloc(st, s) != 0)
        goto nomem;
    s->p_tail = in->prev == NULL ? in->nmiss : 0; /* an imputer before took them */
    off = st->p_in - s->p_tail;
    for (size_t k = 0; k < s->ncat; k++)
        off -= (size_t)in->cat_size[k];
    s->p_num = off;
    for (size_t k = 0; k < s->ncat; k++) {
        size_t n = (size_t)in->cat_size[k];
        double *count = malloc((n ? n : 1) * sizeof *count);
        s->size[k] = n;
        s->labels[k] = malloc((n ? n : 1) * sizeof *s->labels[k]);
        if (count == NULL || s->labels[k] == NULL) {
            free(count);
            goto nomem;
        }
        for (size_t v = 0; v < n; v++)
            count[v] = nearbyint(in->m->n * in->m->mean[off + v]);
        nulls = 0;
        if (k < 64 && (in->cat_missing >> k & 1) && n > 0) { /* never a label (Spark's fit */
            nulls = count[n - 1];                             /* skips nulls) */
            count[n - 1] = 0;
        }
        s->nlabels[k] = pt_stage_strindex_order(count, n, strindex__order_type(st),
                                                s->labels[k]);
        free(count);
        if (k < 64 && (in->cat_missing >> k & 1) && (s->skip ? nulls > 0 : !s->keep)) {
            /* error: Spark's transform fails on a null (in these training rows or the
             * validation ones); skip would drop training rows, which the moments cannot */
            if (s->skip)
                pt_seterr(err, "stringIndexer handleInvalid skip: %.0f training rows have a "
                          "missing value in categorical column %zu (dropping training rows "
                          "is not supported: handleInvalid keep indexes them numLabels)",
                          nulls, k + 1);
            else
                pt_seterr(err, "stringIndexer: categorical column %zu has missing values "
                          "(handleInvalid error; keep indexes them numLabels)", k + 1);
            return -EINVAL;
        }
        if (s->nlabels[k] < n && !s->keep && !s->skip) {
            pt_seterr(err, "stringIndexer: categorical column %zu has %zu categories not in "
                      "the training rows (handleInvalid error)", k + 1, n - s->nlabels[k]);
            return -EINVAL;
        }
        off += n;
    }
    return 0;
nomem:
    pt_seterr(err, "out of memory");
    return -ENOMEM;
}

/* A and c from the state: the numeric features unchanged, index j = c_j + sum_k a_k x_k with
 * c_j = nlabels under keep (0 under error), a_k = idx(k) - c_j for the categories seen in the
 * training rows, 0 for the others -- so an unseen category, and a row whose category the
 * file did not have (every indicator 0, at predict), get index nlabels. 0 or -ENOMEM. */
static int strindex__map(pt_stage_fit_t *st)
{
    const pt_stage_catidx_t *s = st->state;
    size_t p = st->p_in, q = st->p_out = s->p_num + s->ncat + s->p_tail, off = s->p_num;
    st->A = calloc(p * q > 0 ? p * q : 1, sizeof *st->A);
    st->c = calloc(q ? q : 1, sizeof *st->c);
    if (st->A == NULL || st->c == NULL)
        return -ENOMEM;
    for (size_t j = 0; j < s->p_num; j++)
        st->A[j * q + j] = 1.0;
    for (size_t j = 0; j < s->p_tail; j++)
        st->A[(p - s->p_tail + j) * q + s->p_num + s->ncat + j] = 1.0;
    for (size_t k = 0; k < s->ncat; k++) {
        size_t col = s->p_num + k;
        st->c[col] = s->keep ? (double)s->nlabels[k] : 0.0;
        for (size_t i = 0; i < s->nlabels[k]; i++)
            st->A[(off + s->labels[k][i]) * q + col] = (double)i - st->c[col];
        off += (size_t)s->size[k];
    }
    return 0;
}

static int strindex__fit(pt_stage_fit_t *st, const pt_stage_in_t *in, char *err)
{
    int rc;
    if (in->ncat == 0 || (in->A != NULL && !in->prev->def->imputes)) {
        pt_seterr(err, in->ncat == 0 ? "stringIndexer: the data has no categorical columns "
                                       "(declare them with --categorical)"
                                     : "stringIndexer must be the first stage (or "
                                       "follow the imputer)");
        return -EINVAL;
    }
    if ((rc = strindex__labels(st, in, err)) != 0)
        return rc;
    return pt_stage_nomem(strindex__map(st), err);
}

static void strindex__pack(const pt_stage_fit_t *st, msgpack_packer *pk)
{
    const pt_stage_catidx_t *s = st->state;
    pt_msgpack_pack_str(pk, "labels");
    msgpack_pack_array(pk, s->ncat);
    for (size_t k = 0; k < s->ncat; k++) {
        msgpack_pack_array(pk, s->nlabels[k]);
        for (size_t i = 0; i < s->nlabels[k]; i++)
            msgpack_pack_uint32(pk, s->labels[k][i]);
    }
    pt_msgpack_pack_str(pk, "category_sizes");
    msgpack_pack_array(pk, s->ncat);
    for (size_t k = 0; k < s->ncat; k++)
        msgpack_pack_uint64(pk, s->size[k]);
    pt_msgpack_kv_uint(pk, "passthrough_after", s->p_tail);
}

/* One packed array of column k of the labels (codes below size). 0 or -EBADMSG. */
static int strindex__unpack_labels(pt_stage_catidx_t *s, size_t k, const msgpack_object *a,
                                   char *err)
{
    if (a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size > s->size[k]) {
        pt_seterr(err, "labels[%zu]: expected an array of at most %llu codes", k,
                  (unsigned long long)s->size[k]);
        return -EBADMSG;
    }
    s->nlabels[k] = a->via.array.size;
    if ((s->labels[k] = malloc((s->nlabels[k] ? s->nlabels[k] : 1) * sizeof **s->labels)) ==
        NULL)
        return -ENOMEM;
    for (size_t i = 0; i < s->nlabels[k]; i++) {
        const msgpack_object *v = &a->via.array.ptr[i];
        if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 >= s->size[k]) {
            pt_seterr(err, "labels[%zu][%zu]: expected a code below %llu", k, i,
                      (unsigned long long)s->size[k]);
            return -EBADMSG;
        }
        s->labels[k][i] = (uint32_t)v->via.u64;
    }
    return 0;
}

static int strindex__unpack(pt_stage_fit_t *st, const msgpack_object *o, char *err)
{
    const msgpack_object *lab = pt_msgpack_get_obj(o, "labels", MSGPACK_OBJECT_ARRAY, err);
    const msgpack_object *sz = pt_msgpack_get_obj(o, "category_sizes", MSGPACK_OBJECT_ARRAY,
                                                  err);
    const msgpack_object *tail = pt_msgpack_map_get(o, "passthrough_after");
    pt_stage_catidx_t *s = calloc(1, sizeof *s);
    size_t used = 0;
    int rc = -ENOMEM;
    st->state = s;
    if (lab == NULL || sz == NULL || s == NULL)
        return s == NULL ? -ENOMEM : -EBADMSG;
    if (tail != NULL) { /* absent in model files written before the imputer combined */
        if (tail->type != MSGPACK_OBJECT_POSITIVE_INTEGER || tail->via.u64 > st->p_in) {
            pt_seterr(err, "passthrough_after: expected a count within the input");
            return -EBADMSG;
        }
        s->p_tail = (size_t)tail->via.u64;
        used = s->p_tail;
    }
    if ((s->ncat = lab->via.array.size) != sz->via.array.size || s->ncat == 0) {
        pt_seterr(err, "labels and category_sizes: expected arrays of one length");
        return -EBADMSG;
    }
    if (strindex__alloc(st, s) != 0)
        return -ENOMEM;
    for (size_t k = 0; k < s->ncat; k++) {
        const msgpack_object *v = &sz->via.array.ptr[k];
        if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 == 0 ||
            v->via.u64 > st->p_in - used) {
            pt_seterr(err, "category_sizes[%zu]: expected a count within the input", k);
            return -EBADMSG;
        }
        s->size[k] = v->via.u64;
        used += (size_t)v->via.u64;
        if ((rc = strindex__unpack_labels(s, k, &lab->via.array.ptr[k], err)) != 0)
            return rc;
    }
    s->p_num = st->p_in - used;
    return strindex__map(st);
}

const pt_stage_def_t pt_stage_strindex = {
    .name = "stringIndexer", .role = PT_STAGE_TRANSFORMER,
    PT_STAGE_PARAMS(strindex__params), .categorical = 1,
    .fit = strindex__fit, .free = strindex__free,
    .npack = 3, .pack = strindex__pack, .unpack = strindex__unpack,
};
