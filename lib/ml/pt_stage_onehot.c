/* pt_stage_onehot.c - the oneHotEncoder stage: Spark ML's OneHotEncoder on the indices a
 * stringIndexer just made (it must follow one).
 *
 * Each index column j becomes a 0/1 vector over its categorySize, which is Spark's from the
 * indexer's metadata: nlabels_j, + 1 when the indexer keeps unseen categories (its
 * "__unknown" slot). handleInvalid "keep" adds one more slot for an index beyond that (none
 * occurs after an indexer: the slot is always 0); dropLast (default true) drops the last slot
 * -- Spark's getConfigedCategorySizes: size - 1 (dropLast, error), size (dropLast, keep or
 * no dropLast, error), size + 1 (no dropLast, keep). The encoding is not affine in the
 * index, but slot t is the indicator of the category labels[t] -- one of the raw indicator
 * columns -- and the indexer's unknown slot is the sum of the unseen categories' indicators: so the
 * map reads the raw features (from_raw). The numeric features pass through as the stages
 * before made them (the imputer's filled columns when it stands between the indexer and the
 * encoder, or before the indexer): the composed map's columns for them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_mpk.h"
#include "pt_stage.h"

static const pt_param_def_t onehot__params[] = {
    {"dropLast", PT_VAL_BOOL, 0, 1, 0, 1, "drop the last category's slot", NULL},
    {"handleInvalid", PT_VAL_STRING, 0, 0, 0, 0, "an index beyond the categories: fail, or "
     "one more slot", "error|keep"},
};

/* Spark's categorySize of column k of the indexer state s. */
static size_t onehot__size(const pt_stage_catidx_t *s, size_t k)
{
    return s->nlabels[k] + (s->keep ? 1 : 0);
}

/* The output width of a column of that size (getConfigedCategorySizes). */
static size_t onehot__width(size_t size, int drop_last, int keep)
{
    if (drop_last)
        return keep ? size : (size ? size - 1 : 0);
    return keep ? size + 1 : size;
}

static int onehot__fit(pt_stage_fit_t *st, const pt_stage_in_t *in, char *err)
{
    const pt_stage_catidx_t *s;
    const char *hi = pt_stage_str(st, "handleInvalid");
    int drop_last = pt_stage_num(st, "dropLast", 1) != 0;
    int keep = hi != NULL && strcmp(hi, "keep") == 0;
    size_t p = in->p_raw, q, off, col;
    uint64_t *sizes;
    const pt_stage_fit_t *ix = in->indexer;

    if (ix == NULL && in->prev != NULL && in->prev->def->categorical == 1)
        ix = in->prev; /* a caller that set only prev */
    if (ix == NULL || (in->prev != ix && !in->prev->def->imputes)) {
        pt_seterr(err, "oneHotEncoder must follow stringIndexer");
        return -EINVAL;
    }
    s = ix->state;
    q = s->p_num;
    for (size_t k = 0; k < s->ncat; k++)
        q += onehot__width(onehot__size(s, k), drop_last, keep);
    st->p_out = q;
    st->from_raw = 1;
    st->A = calloc(p * q > 0 ? p * q : 1, sizeof *st->A);
    st->c = calloc(q ? q : 1, sizeof *st->c);
    st->state = sizes = calloc(s->ncat + 1, sizeof *sizes); /* the count, then the sizes */
    if (st->A == NULL || st->c == NULL || sizes == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    sizes[0] = s->ncat;
    for (size_t j = 0; j < s->p_num; j++) /* the numeric features as the chain made them
                                              (imputed, when an imputer came before) */
        for (size_t i = 0; i < p; i++)
            st->A[i * q + j] = in->A != NULL ? in->A[i * in->m->p + j] : (double)(i == j);
    for (size_t j = 0; in->c != NULL && j < s->p_num; j++)
        st->c[j] = in->c[j];
    off = s->p_num; /* the raw indicators of column k */
    col = s->p_num;
    for (size_t k = 0; k < s->ncat; k++) {
        size_t w = onehot__width(onehot__size(s, k), drop_last, keep);
        sizes[1 + k] = onehot__size(s, k);
        for (size_t t = 0; t < w; t++, col++) {
            if (t < s->nlabels[k]) {
                st->A[(off + s->labels[k][t]) * q + col] = 1.0;
            } else if (t == s->nlabels[k] && s->keep) {
                /* the indexer's unknown slot: the sum of the unseen categories' indicators
                 * (exactly 0 on the training rows, as Spark's column is) */
                for (size_t v = 0; v < s->size[k]; v++)
                    st->A[(off + v) * q + col] = 1.0;
                for (size_t i = 0; i < s->nlabels[k]; i++)
                    st->A[(off + s->labels[k][i]) * q + col] = 0.0;
            }
        }
        off += (size_t)s->size[k];
    }
    return 0;
}

static void onehot__pack(const pt_stage_fit_t *st, msgpack_packer *pk)
{
    const uint64_t *sizes = st->state;
    pt_msgpack_pack_str(pk, "category_sizes");
    msgpack_pack_array(pk, (uint32_t)sizes[0]);
    for (size_t k = 0; k < sizes[0]; k++)
        msgpack_pack_uint64(pk, sizes[1 + k]);
}

/* The state and width back; the map itself is not rebuilt (it reads the raw features, which
 * unpack does not see: predict uses the composed model). */
static int onehot__unpack(pt_stage_fit_t *st, const msgpack_object *o, char *err)
{
    const msgpack_object *sz = pt_msgpack_get_obj(o, "category_sizes", MSGPACK_OBJECT_ARRAY,
                                                  err);
    const char *hi = pt_stage_str(st, "handleInvalid");
    int drop_last = pt_stage_num(st, "dropLast", 1) != 0;
    int keep = hi != NULL && strcmp(hi, "keep") == 0;
    uint64_t *sizes;
    size_t n;
    if (sz == NULL)
        return -EBADMSG;
    n = sz->via.array.size;
    if (n == 0 || n > st->p_in || (st->state = sizes = calloc(n + 1, sizeof *sizes)) == NULL)
        return n == 0 || n > st->p_in ? (pt_seterr(err, "category_sizes: expected 1 to %zu "
                                                   "sizes", st->p_in), -EBADMSG)
                                      : -ENOMEM;
    sizes[0] = n;
    st->p_out = st->p_in - n;
    for (size_t k = 0; k < n; k++) {
        const msgpack_object *v = &sz->via.array.ptr[k];
        if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 == 0 ||
            v->via.u64 > (1u << 20)) {
            pt_seterr(err, "category_sizes[%zu]: expected a positive count", k);
            return -EBADMSG;
        }
        sizes[1 + k] = v->via.u64;
        st->p_out += onehot__width((size_t)v->via.u64, drop_last, keep);
    }
    return 0;
}

const pt_stage_def_t pt_stage_onehot = {
    .name = "oneHotEncoder", .role = PT_STAGE_TRANSFORMER,
    PT_STAGE_PARAMS(onehot__params), .categorical = 2,
    .fit = onehot__fit,
    .npack = 1, .pack = onehot__pack, .unpack = onehot__unpack,
};
