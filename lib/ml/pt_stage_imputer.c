/* pt_stage_imputer.c - the imputer stage: Spark ML's Imputer on every feature column
 * (pt_impute.h gives the surrogates), first in the pipeline.
 *
 * A column with a missing value in the file is stored as x0 (missing -> 0) and a 0/1
 * indicator m after the features (pt_missing.h), so the imputed column x0 + s * m is affine
 * in the stored columns: the map keeps the features, adds s times each indicator to its
 * column and drops the indicators. The mean surrogate comes from the moments
 * (sum(x0) / (n - sum(m))); median and mode read the training rows once. A column with an
 * indicator and no observed value in the training rows has no surrogate: the fit fails, as
 * Spark's. Every feature column gets a surrogate (the model file keeps them all, so predict
 * can fill a missing value in any column; for median and mode, sorted only in the refit
 * that becomes the model). With categorical columns the imputer is first or second, right
 * after stringIndexer: it imputes the numeric columns only (Spark's Imputer takes numeric
 * columns), which both orders leave first and in place, with the indicators last; the
 * categorical columns pass through (their surrogate, never used, is the mean).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_impute.h"
#include "pt_mpk.h"
#include "pt_stage.h"

static const pt_param_def_t imputer__params[] = {
    {"strategy", PT_VAL_STRING, 0, 0, 0, 0, "the surrogate of a missing value: the mean, "
     "median or most frequent observed value of its column", "mean|median|mode"},
};

typedef struct {
    size_t nmiss;
    uint32_t *miss_col; /* nmiss */
    double *surrogate;  /* p_out: every feature column's */
} imputer_t;

static void imputer__free(void *state)
{
    imputer_t *s = state;
    if (s == NULL)
        return;
    free(s->miss_col);
    free(s->surrogate);
    free(s);
}

/* The map: identity on the p_out features, surrogate times indicator k into its column. */
static int imputer__map(pt_stage_fit_t *st, const imputer_t *s)
{
    size_t q = st->p_out;
    st->A = calloc(st->p_in * q, sizeof *st->A);
    if (st->A == NULL)
        return -ENOMEM;
    for (size_t j = 0; j < q; j++)
        st->A[j * q + j] = 1.0;
    for (size_t k = 0; k < s->nmiss; k++)
        st->A[(q + k) * q + s->miss_col[k]] = s->surrogate[s->miss_col[k]];
    return 0;
}

/* The median or mode of each column with an indicator from one pass over the training rows:
 * the observed values of column j (indicator k_of[j] is 0); of every column for the model
 * file (in->for_model; the map does not read the others' surrogates, which are then the
 * means: no column without an indicator has a missing value). */
static int imputer__rank(const pt_stage_in_t *in, imputer_t *s, size_t q, int strat)
{
    size_t n = 0, p_num = in->p_raw - in->nmiss; /* the numeric features, first in the raw */
    double *v;
    long *k_of = malloc((q ? q : 1) * sizeof *k_of);
    for (size_t b = 0; b < in->nblocks; b++)
        n += in->blocks[b].n;
    v = malloc((n ? n : 1) * sizeof *v);
    if (v == NULL || k_of == NULL) {
        free(v);
        free(k_of);
        return -ENOMEM;
    }
    for (size_t k = 0; k < in->ncat; k++)
        p_num -= (size_t)in->cat_size[k];
    for (size_t j = 0; j < q; j++)
        k_of[j] = -1;
    for (size_t k = 0; k < s->nmiss; k++)
        k_of[s->miss_col[k]] = (long)k;
    for (size_t j = 0; j < q; j++) {
        size_t m = 0;
        if ((k_of[j] < 0 && !in->for_model) || j >= p_num) {
            /* no missing value: only the file needs it; a categorical column (indicator or
             * index) never has one, nor does predict fill it */
            s->surrogate[j] = in->m->mean[j];
            continue;
        }
        /* column j and indicator k are raw columns j and p_raw - nmiss + k, whether the
         * imputer reads the raw features or a stringIndexer's output (which keeps both) */
        for (size_t b = 0; b < in->nblocks; b++)
            for (size_t r = 0; r < in->blocks[b].n; r++) {
                const double *xr = in->blocks[b].x + r * in->p_raw;
                if (k_of[j] < 0 || xr[in->p_raw - in->nmiss + (size_t)k_of[j]] == 0.0)
                    v[m++] = xr[j];
            }
        s->surrogate[j] = pt_impute_surrogate(v, m, (pt_impute_strategy_t)strat);
    }
    free(v);
    free(k_of);
    return 0;
}

/* imputer__rank, or its result on these training rows from in->impute_cache (filled by the
 * first fit; not for the model file, whose surrogates cover every column). 0 or -ENOMEM. */
static int imputer__ranked(const pt_stage_in_t *in, imputer_t *s, size_t q, int strat)
{
    pt_impute_cache_t *ic = in->for_model ? NULL : in->impute_cache;
    if (ic != NULL && ic->v[strat] != NULL && ic->n[strat] == q) {
        memcpy(s->surrogate, ic->v[strat], q * sizeof *s->surrogate);
        return 0;
    }
    if (imputer__rank(in, s, q, strat) != 0)
        return -ENOMEM;
    if (ic != NULL && ic->v[strat] == NULL &&
        (ic->v[strat] = malloc((q ? q : 1) * sizeof *ic->v[strat])) != NULL) {
        memcpy(ic->v[strat], s->surrogate, q * sizeof *s->surrogate);
        ic->n[strat] = q;
    }
    return 0;
}

static int imputer__fit(pt_stage_fit_t *st, const pt_stage_in_t *in, char *err)
{
    const char *name = pt_stage_str(st, "strategy");
    int strat = pt_impute_strategy(name != NULL ? name : "mean");
    const pt_moments_t *m = in->m;
    size_t q = st->p_in - in->nmiss;
    imputer_t *s = calloc(1, sizeof *s);

    if ((st->state = s) == NULL)
        return pt_stage_nomem(-ENOMEM, err);
    st->p_out = q;
    s->nmiss = in->nmiss;
    s->miss_col = malloc((in->nmiss ? in->nmiss : 1) * sizeof *s->miss_col);
    s->surrogate = malloc((q ? q : 1) * sizeof *s->surrogate);
    if (s->miss_col == NULL || s->surrogate == NULL)
        return pt_stage_nomem(-ENOMEM, err);
    if (in->nmiss > 0)
        memcpy(s->miss_col, in->miss_col, in->nmiss * sizeof *s->miss_col);
    if (strat == PT_IMPUTE_MEAN) {
        for (size_t j = 0; j < q; j++)
            s->surrogate[j] = m->mean[j];
        for (size_t k = 0; k < s->nmiss; k++)
            s->surrogate[s->miss_col[k]] = pt_impute_mean_from_sums(
                m->mean[s->miss_col[k]] * m->n, m->mean[q + k] * m->n, m->n);
    } else if (imputer__ranked(in, s, q, strat) != 0) {
        return pt_stage_nomem(-ENOMEM, err);
    }
    for (size_t j = 0; j < q; j++)
        if (isnan(s->surrogate[j])) {
            pt_seterr(err, "imputer: surrogate cannot be computed: every value of feature %zu "
                      "is missing in the training rows", j + 1);
            return -EINVAL;
        }
    return pt_stage_nomem(imputer__map(st, s), err);
}

static void imputer__pack(const pt_stage_fit_t *st, msgpack_packer *pk)
{
    const imputer_t *s = st->state;
    pt_msgpack_pack_str(pk, "surrogates");
    pt_stage_pack_doubles(pk, s->surrogate, st->p_out);
    pt_msgpack_pack_str(pk, "missing_indicators");
    msgpack_pack_array(pk, (uint32_t)s->nmiss);
    for (size_t k = 0; k < s->nmiss; k++)
        msgpack_pack_uint32(pk, s->miss_col[k]);
}

static int imputer__unpack(pt_stage_fit_t *st, const msgpack_object *o, char *err)
{
    const msgpack_object *mi = pt_msgpack_get_obj(o, "missing_indicators",
                                                  MSGPACK_OBJECT_ARRAY, err);
    imputer_t *s = calloc(1, sizeof *s);
    size_t n;
    int rc;
    if ((st->state = s) == NULL)
        return -ENOMEM;
    if (mi == NULL)
        return -EBADMSG;
    n = mi->via.array.size;
    if (n > st->p_in / 2) {
        pt_seterr(err, "missing_indicators: more than half of %zu features", st->p_in);
        return -EBADMSG;
    }
    s->nmiss = n;
    st->p_out = st->p_in - n;
    if ((s->miss_col = malloc((n ? n : 1) * sizeof *s->miss_col)) == NULL)
        return -ENOMEM;
    for (size_t k = 0; k < n; k++) {
        const msgpack_object *v = &mi->via.array.ptr[k];
        if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 >= st->p_out ||
            (k > 0 && v->via.u64 <= s->miss_col[k - 1])) {
            pt_seterr(err, "missing_indicators[%zu]: expected an increasing feature index", k);
            return -EBADMSG;
        }
        s->miss_col[k] = (uint32_t)v->via.u64;
    }
    if ((rc = pt_stage_get_doubles(o, "surrogates", st->p_out, &s->surrogate, err)) != 0)
        return rc;
    return imputer__map(st, s);
}

const pt_stage_def_t pt_stage_imputer = {
    .name = "imputer", .role = PT_STAGE_TRANSFORMER,
    PT_STAGE_PARAMS(imputer__params), .imputes = 1,
    .fit = imputer__fit,
    .npack = 2, .pack = imputer__pack, .unpack = imputer__unpack, .free = imputer__free,
};

/* The surrogates and indicators of a fitted imputer st (for predict): p_out surrogates. */
const double *pt_stage_imputer_surrogates(const pt_stage_fit_t *st, size_t *nmiss)
{
    const imputer_t *s = st->state;
    *nmiss = s->nmiss;
    return s->surrogate;
}
