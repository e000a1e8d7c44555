/* pt_stage.c - the stage table, lookups, and the pack/unpack helpers the stage files share.
 *
 * The table is the list below: one line per stage, naming the descriptor its file defines
 * (pt_stage_<name>.c). The order is the order of pt_stage_names in messages.
 */
#include "pt_stage.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_mpk.h"

#define STAGE__TABLE(X)                                                                      \
    X(pt_stage_pca)              /* pt_stage_pca.c */                                        \
    X(pt_stage_scaler)           /* pt_stage_scaler.c */                                     \
    X(pt_stage_minmax)           /* pt_stage_minmax.c */                                     \
    X(pt_stage_maxabs)           /* pt_stage_maxabs.c */                                     \
    X(pt_stage_strindex)         /* pt_stage_strindex.c */                                   \
    X(pt_stage_onehot)           /* pt_stage_onehot.c */                                     \
    X(pt_stage_imputer)          /* pt_stage_imputer.c */                                    \
    X(pt_stage_linreg)           /* pt_stage_linreg.c */                                     \
    X(pt_stage_logreg)           /* pt_stage_logreg.c */                                     \
    X(pt_stage_dtc)              /* pt_stage_trees.c */                                      \
    X(pt_stage_dtr)              /* pt_stage_trees.c */                                      \
    X(pt_stage_rfc)              /* pt_stage_trees.c */                                      \
    X(pt_stage_rfr)              /* pt_stage_trees.c */                                      \
    X(pt_stage_gbtc)             /* pt_stage_gbt.c */                                        \
    X(pt_stage_gbtr)             /* pt_stage_gbt.c */

#define STAGE__DECLARE(s) extern const pt_stage_def_t s;
STAGE__TABLE(STAGE__DECLARE)
#define STAGE__ENTRY(s) &s,
static const pt_stage_def_t *const stage__table[] = {STAGE__TABLE(STAGE__ENTRY)};
#define STAGE__N (sizeof stage__table / sizeof stage__table[0])

const pt_stage_def_t *pt_stage_lookup(const char *name)
{
    for (size_t i = 0; i < STAGE__N; i++)
        if (strcmp(stage__table[i]->name, name) == 0)
            return stage__table[i];
    return NULL;
}

/* The two name lists for messages, made once from the table. */
static char stage__names[512], stage__predictors[256];
static pthread_once_t stage__once = PTHREAD_ONCE_INIT;

static void stage__make_names(void)
{
    size_t a = 0, b = 0;
    for (size_t i = 0; i < STAGE__N; i++) {
        const pt_stage_def_t *d = stage__table[i];
        a += (size_t)snprintf(stage__names + a, sizeof stage__names - a, "%s%s",
                              a ? ", " : "", d->name);
        if (d->role != PT_STAGE_TRANSFORMER)
            b += (size_t)snprintf(stage__predictors + b, sizeof stage__predictors - b,
                                  "%s%s", b ? " or " : "", d->name);
    }
}

const char *pt_stage_names(void)
{
    pthread_once(&stage__once, stage__make_names);
    return stage__names;
}

const char *pt_stage_predictor_names(void)
{
    pthread_once(&stage__once, stage__make_names);
    return stage__predictors;
}

const pt_param_def_t *pt_stage_param(const pt_stage_def_t *s, const char *name)
{
    for (size_t i = 0; i < s->nparams; i++)
        if (strcmp(s->params[i].name, name) == 0)
            return &s->params[i];
    return NULL;
}

void pt_stage_fit_free(pt_stage_fit_t *st)
{
    const pt_stage_def_t *def = st->def;
    if (st->state != NULL) {
        if (def != NULL && def->free != NULL)
            def->free(st->state);
        else
            free(st->state);
    }
    free(st->A);
    free(st->c);
    free(st->coef);
    free(st->icpt);
    pt_paramlist_free(&st->params);
    memset(st, 0, sizeof *st);
    st->def = def;
}

static const pt_value_t *stage__value(const pt_stage_fit_t *st, const char *param)
{
    char key[96];
    snprintf(key, sizeof key, "%s.%s", st->def->name, param);
    return pt_paramlist_get(&st->params, key);
}

double pt_stage_num(const pt_stage_fit_t *st, const char *param, double def)
{
    const pt_value_t *v = stage__value(st, param);
    return v ? v->num : def;
}

const char *pt_stage_str(const pt_stage_fit_t *st, const char *param)
{
    const pt_value_t *v = stage__value(st, param);
    return v ? v->str : NULL;
}

void pt_stage_glm_knobs(const pt_stage_fit_t *st, double *reg_param, double *elastic_net,
                        int *max_iter, double *tol, int *fit_intercept, int *standardization)
{
    *reg_param = pt_stage_num(st, "regParam", 0);
    *elastic_net = pt_stage_num(st, "elasticNetParam", 0);
    *max_iter = (int)pt_stage_num(st, "maxIter", 0);
    *tol = pt_stage_num(st, "tol", 0);
    *fit_intercept = pt_stage_num(st, "fitIntercept", 0) != 0;
    *standardization = pt_stage_num(st, "standardization", 0) != 0;
}

/* Rows per chunk of pt_stage_input_range's pass (a chunk x width scratch buffer). */
#define STAGE__RANGE_CHUNK 256

/* min/max (q each) over the n rows of x (n x p) mapped through z = A^T x + c, with scratch
 * buf (STAGE__RANGE_CHUNK x q). */
static void stage__range_rows(const double *x, size_t n, size_t p, const double *A,
                              const double *c, size_t q, double *buf, double *min, double *max)
{
    for (size_t r0 = 0; r0 < n; r0 += STAGE__RANGE_CHUNK) {
        size_t rows = n - r0 < STAGE__RANGE_CHUNK ? n - r0 : STAGE__RANGE_CHUNK;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)q, (int)p, 1.0,
                    x + r0 * p, (int)p, A, (int)q, 0.0, buf, (int)q);
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < q; j++) {
                double v = buf[i * q + j] + (c != NULL ? c[j] : 0.0);
                min[j] = v < min[j] ? v : min[j];
                max[j] = v > max[j] ? v : max[j];
            }
    }
}

int pt_stage_input_range(const pt_stage_in_t *in, double *min, double *max, char *err)
{
    size_t q = in->m->p;
    double *buf;
    if (pt_moments_range_known(in->m) || in->A == NULL) {
        memcpy(min, in->m->min, q * sizeof *min);
        memcpy(max, in->m->max, q * sizeof *max);
        return 0;
    }
    if ((buf = malloc(STAGE__RANGE_CHUNK * (q ? q : 1) * sizeof *buf)) == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    for (size_t j = 0; j < q; j++) {
        min[j] = INFINITY;
        max[j] = -INFINITY;
    }
    for (size_t b = 0; b < in->nblocks && q > 0; b++)
        stage__range_rows(in->blocks[b].x, in->blocks[b].n, in->p_raw, in->A, in->c, q, buf,
                          min, max);
    free(buf);
    return 0;
}

int pt_stage_diagonal_map(pt_stage_fit_t *st, const double *scale, const double *shift)
{
    size_t p = st->p_in;
    st->p_out = p;
    st->A = calloc(p > 0 ? p * p : 1, sizeof(double));
    st->c = malloc((p ? p : 1) * sizeof(double));
    if (st->A == NULL || st->c == NULL)
        return -ENOMEM;
    for (size_t j = 0; j < p; j++) {
        st->A[j * p + j] = scale[j];
        st->c[j] = shift[j];
    }
    return 0;
}

int pt_stage_nomem(int rc, char *err)
{
    if (rc == -ENOMEM)
        pt_seterr(err, "out of memory");
    return rc;
}

void pt_stage_vecs_free(void *state)
{
    pt_stage_vecs_t *s = state;
    if (s == NULL)
        return;
    free(s->v[0]);
    free(s->v[1]);
    free(s);
}

pt_stage_vecs_t *pt_stage_vecs_new(pt_stage_fit_t *st, size_t n, char *err)
{
    pt_stage_vecs_t *s = calloc(1, sizeof *s);
    st->state = s; /* released by the descriptor's free, whatever happens below */
    for (size_t i = 0; s != NULL && i < n; i++)
        if ((s->v[i] = malloc((st->p_in ? st->p_in : 1) * sizeof(double))) == NULL)
            s = NULL;
    if (s == NULL)
        pt_seterr(err, "out of memory");
    return s;
}

void pt_stage_vecs_pack(const pt_stage_fit_t *st, msgpack_packer *pk, const char *const *names,
                        size_t n)
{
    const pt_stage_vecs_t *s = st->state;
    for (size_t i = 0; i < n; i++) {
        pt_msgpack_pack_str(pk, names[i]);
        pt_stage_pack_doubles(pk, s->v[i], st->p_in);
    }
}

int pt_stage_vecs_unpack(pt_stage_fit_t *st, const msgpack_object *o, const char *const *names,
                         size_t n, char *err)
{
    pt_stage_vecs_t *s = calloc(1, sizeof *s);
    int rc = 0;
    st->state = s;
    if (s == NULL)
        return -ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = pt_stage_get_doubles(o, names[i], st->p_in, &s->v[i], err);
    return rc;
}

void pt_stage_pack_doubles(msgpack_packer *pk, const double *v, size_t n)
{
    msgpack_pack_array(pk, n);
    for (size_t i = 0; i < n; i++)
        msgpack_pack_double(pk, v[i]);
}

int pt_stage_get_len(const msgpack_object *o, const char *key, size_t *n, char *err)
{
    const msgpack_object *a = pt_msgpack_get_obj(o, key, MSGPACK_OBJECT_ARRAY, err);
    if (a == NULL)
        return -EBADMSG;
    *n = a->via.array.size;
    return 0;
}

int pt_stage_get_doubles(const msgpack_object *o, const char *key, size_t n, double **out,
                         char *err)
{
    const msgpack_object *a = pt_msgpack_get_obj(o, key, MSGPACK_OBJECT_ARRAY, err);
    *out = NULL;
    if (a == NULL)
        return -EBADMSG;
    if (a->via.array.size != n) {
        pt_seterr(err, "field '%s': %u values, expected %zu", key, a->via.array.size, n);
        return -EBADMSG;
    }
    *out = malloc((n ? n : 1) * sizeof **out);
    if (*out == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        int bad = pt_msgpack_to_double(&a->via.array.ptr[i], key, &(*out)[i], err) != 0;
        /* a fitted state is finite: a fit that is not fails before it is packed */
        if (!bad && !isfinite((*out)[i])) {
            pt_seterr(err, "field '%s'[%zu]: not finite", key, i);
            bad = 1;
        }
        if (bad) {
            free(*out);
            *out = NULL;
            return -EBADMSG;
        }
    }
    return 0;
}

void pt_stage_pack_intercept(msgpack_packer *pk, const double *icpt, size_t r, int icpt_array)
{
    if (icpt_array)
        pt_stage_pack_doubles(pk, icpt, r);
    else
        msgpack_pack_double(pk, icpt[0]);
}

int pt_stage_unpack_intercept(const msgpack_object *o, double **icpt, size_t *r, char *err)
{
    const msgpack_object *v = pt_msgpack_map_get(o, "intercept");
    *icpt = NULL;
    if (v != NULL && v->type == MSGPACK_OBJECT_ARRAY) {
        *r = v->via.array.size;
        return pt_stage_get_doubles(o, "intercept", *r, icpt, err);
    }
    *r = 1;
    *icpt = malloc(sizeof **icpt);
    if (*icpt == NULL)
        return -ENOMEM;
    if (pt_msgpack_get_double(o, "intercept", *icpt, err) != 0)
        return -EBADMSG;
    if (!isfinite(**icpt)) {
        pt_seterr(err, "field 'intercept': not finite");
        return -EBADMSG;
    }
    return 0;
}

void pt_stage_pack_linear(const pt_stage_fit_t *st, msgpack_packer *pk)
{
    pt_msgpack_pack_str(pk, "coefficients");
    pt_stage_pack_doubles(pk, st->coef, st->r * st->p_in);
    pt_msgpack_pack_str(pk, "intercept");
    pt_stage_pack_intercept(pk, st->icpt, st->r, st->def->role == PT_STAGE_CLASSIFIER);
    pt_msgpack_kv_int(pk, "iterations", st->iterations);
    pt_msgpack_kv_bool(pk, "converged", st->converged);
}

int pt_stage_unpack_linear(pt_stage_fit_t *st, const msgpack_object *o, char *err)
{
    int64_t it;
    int rc;
    if ((rc = pt_stage_unpack_intercept(o, &st->icpt, &st->r, err)) != 0)
        return rc;
    if (st->r < 1) {
        pt_seterr(err, "field 'intercept': no values");
        return -EBADMSG;
    }
    if ((rc = pt_stage_get_doubles(o, "coefficients", st->r * st->p_in, &st->coef, err)) != 0 ||
        (rc = pt_msgpack_get_int(o, "iterations", INT32_MIN, INT32_MAX, &it, err)) != 0 ||
        (rc = pt_msgpack_get_bool(o, "converged", &st->converged, err)) != 0)
        return rc;
    st->iterations = (int)it;
    st->p_out = st->r;
    return 0;
}

double pt_stage_work_dense(const pt_stage_fit_t *st, size_t p)
{
    (void)st;
    return (2.0 * (double)p * (double)p + 32.0 * (double)p) * sizeof(double);
}

double pt_stage_work_lbfgs(const pt_stage_fit_t *st, size_t p)
{
    const char *fam = pt_stage_str(st, "family");
    double r = 1;
    if (st->nclasses > 2 && (fam == NULL || strcmp(fam, "binomial") != 0))
        r = (double)st->nclasses;
    return 30.0 * ((double)p + 1) * r * sizeof(double);
}
