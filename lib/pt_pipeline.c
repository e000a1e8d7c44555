/* pt_pipeline.c - fitting pca / linearRegression pipelines from moments and composing them.
 *
 * Moments flow forward through each fitted transformer (pt_moments_affine); the fitted linear
 * predictor flows backward through the transformers to give one model on the raw features.
 */
#include "pt_pipeline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_linreg.h"
#include "pt_msg.h"
#include "pt_pca.h"

typedef struct {
    char name[32];
    size_t p_in, p_out;
    double *A;          /* transformer: p_in x p_out row-major */
    double *extra;      /* pca: explained variance [p_out] */
    double *coef;       /* predictor: p_in */
    double intercept;
    int iterations, converged;
    pt_paramlist_t params; /* this stage's params */
} stage_t;

struct pt_fitted {
    size_t p;
    stage_t *st;
    size_t n;
    double *coef;       /* composed, p */
    double intercept;
};

static double num(const pt_paramlist_t *l, const char *key)
{
    const pt_value_t *v = pt_paramlist_get(l, key);
    return v ? v->num : 0.0;
}

void pt_fitted_destroy(pt_fitted_t **pf)
{
    pt_fitted_t *f;
    if (pf == NULL || *pf == NULL)
        return;
    f = *pf;
    for (size_t i = 0; i < f->n; i++) {
        free(f->st[i].A);
        free(f->st[i].extra);
        free(f->st[i].coef);
        pt_paramlist_free(&f->st[i].params);
    }
    free(f->st);
    free(f->coef);
    free(f);
    *pf = NULL;
}

static int stage_params(const char *name, const pt_paramlist_t *all, pt_paramlist_t *out)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < all->n; i++)
        if (strncmp(all->items[i].key, name, len) == 0 && all->items[i].key[len] == '.')
            if (pt_paramlist_set(out, all->items[i].key, &all->items[i].val))
                return -ENOMEM;
    return 0;
}

pt_fitted_t *pt_pipeline_fit(const pt_moments_t *m, char *const *stages, size_t nstages,
                             const pt_paramlist_t *params, char *err)
{
    pt_fitted_t *f = NULL;
    pt_moments_t *cur = NULL, *next = NULL;
    double *w = NULL;

    f = calloc(1, sizeof *f);
    if (f == NULL)
        goto nomem;
    f->p = m->p;
    f->st = calloc(nstages, sizeof *f->st);
    cur = pt_moments_new(m->p);
    if (f->st == NULL || cur == NULL)
        goto nomem;
    pt_moments_copy(cur, m);
    f->n = nstages;
    for (size_t s = 0; s < nstages; s++) {
        stage_t *st = &f->st[s];
        snprintf(st->name, sizeof st->name, "%s", stages[s]);
        st->p_in = cur->p;
        if (stage_params(stages[s], params, &st->params))
            goto nomem;
        if (strcmp(stages[s], "pca") == 0) {
            size_t k = (size_t)num(params, "pca.k");
            if (k < 1 || k > cur->p) {
                pt_seterr(err, "pca.k = %zu is out of range [1, %zu]", k, cur->p);
                goto error;
            }
            st->p_out = k;
            st->A = malloc(cur->p * k * sizeof(double));
            st->extra = malloc(k * sizeof(double));
            next = pt_moments_new(k);
            if (st->A == NULL || st->extra == NULL || next == NULL)
                goto nomem;
            if (pt_pca_fit(cur, k, st->A, st->extra, err) != 0)
                goto error;
            if (pt_moments_affine(cur, st->A, NULL, k, next) != 0)
                goto nomem;
            pt_moments_destroy(&cur);
            cur = next;
            next = NULL;
        } else if (strcmp(stages[s], "linearRegression") == 0) {
            pt_linreg_opts_t o;
            pt_linreg_info_t info = {0, 1};
            if (s + 1 != nstages) {
                pt_seterr(err, "linearRegression must be the last stage");
                goto error;
            }
            o.reg_param = num(params, "linearRegression.regParam");
            o.elastic_net = num(params, "linearRegression.elasticNetParam");
            o.max_iter = (int)num(params, "linearRegression.maxIter");
            o.tol = num(params, "linearRegression.tol");
            o.fit_intercept = num(params, "linearRegression.fitIntercept") != 0;
            o.standardization = num(params, "linearRegression.standardization") != 0;
            st->p_out = 1;
            st->coef = malloc(cur->p * sizeof(double));
            if (st->coef == NULL)
                goto nomem;
            if (pt_linreg_fit(cur, &o, st->coef, &st->intercept, &info, err) != 0)
                goto error;
            st->iterations = info.iterations;
            st->converged = info.converged;
        } else {
            pt_seterr(err, "unknown stage \"%s\"", stages[s]);
            goto error;
        }
    }
    if (nstages == 0 || f->st[nstages - 1].coef == NULL) {
        pt_seterr(err, "the pipeline does not end with a predictor");
        goto error;
    }
    /* Compose backward: w := A_s w for each transformer (their offsets c are 0). */
    {
        stage_t *last = &f->st[nstages - 1];
        size_t q = last->p_in;
        w = malloc(q * sizeof *w);
        if (w == NULL)
            goto nomem;
        memcpy(w, last->coef, q * sizeof *w);
        f->intercept = last->intercept;
        for (size_t s = nstages - 1; s-- > 0;) {
            stage_t *st = &f->st[s];
            double *nw = calloc(st->p_in, sizeof *nw);
            if (nw == NULL)
                goto nomem;
            for (size_t i = 0; i < st->p_in; i++) {
                double acc = 0.0;
                for (size_t j = 0; j < st->p_out; j++)
                    acc += st->A[i * st->p_out + j] * w[j];
                nw[i] = acc;
            }
            free(w);
            w = nw;
        }
        f->coef = w;
        w = NULL;
    }
    pt_moments_destroy(&cur);
    return f;
nomem:
    pt_seterr(err, "out of memory");
error:
    free(w);
    pt_moments_destroy(&cur);
    pt_moments_destroy(&next);
    pt_fitted_destroy(&f);
    return NULL;
}

const double *pt_fitted_coef(const pt_fitted_t *f, double *intercept)
{
    *intercept = f->intercept;
    return f->coef;
}

size_t pt_fitted_features(const pt_fitted_t *f)
{
    return f->p;
}

int pt_fitted_hit_max_iter(const pt_fitted_t *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (!f->st[i].converged && f->st[i].coef != NULL)
            return 1;
    return 0;
}

static void pack_doubles(msgpack_packer *pk, const double *v, size_t n)
{
    msgpack_pack_array(pk, n);
    for (size_t i = 0; i < n; i++)
        msgpack_pack_double(pk, v[i]);
}

void pt_fitted_pack(const pt_fitted_t *f, msgpack_packer *pk)
{
    msgpack_pack_map(pk, 4);
    pt_msgpack_pack_str(pk, "features");
    msgpack_pack_uint64(pk, f->p);
    pt_msgpack_pack_str(pk, "stages");
    msgpack_pack_array(pk, f->n);
    for (size_t s = 0; s < f->n; s++) {
        const stage_t *st = &f->st[s];
        int pca = st->A != NULL;
        msgpack_pack_map(pk, pca ? 5 : 6);
        pt_msgpack_pack_str(pk, "name");
        pt_msgpack_pack_str(pk, st->name);
        pt_msgpack_pack_str(pk, "params");
        pt_msgpack_pack_params(pk, &st->params);
        pt_msgpack_pack_str(pk, "input_features");
        msgpack_pack_uint64(pk, st->p_in);
        if (pca) {
            pt_msgpack_pack_str(pk, "components");
            pack_doubles(pk, st->A, st->p_in * st->p_out);
            pt_msgpack_pack_str(pk, "explained_variance");
            pack_doubles(pk, st->extra, st->p_out);
        } else {
            pt_msgpack_pack_str(pk, "coefficients");
            pack_doubles(pk, st->coef, st->p_in);
            pt_msgpack_pack_str(pk, "intercept");
            msgpack_pack_double(pk, st->intercept);
            pt_msgpack_pack_str(pk, "iterations");
            msgpack_pack_int(pk, st->iterations);
        }
    }
    pt_msgpack_pack_str(pk, "coefficients");
    pack_doubles(pk, f->coef, f->p);
    pt_msgpack_pack_str(pk, "intercept");
    msgpack_pack_double(pk, f->intercept);
}
