/* pt_pipeline.c - fitting pca / standardScaler / linearRegression / logisticRegression
 * pipelines and composing them into one linear model on the raw features (see the header).
 */
#include "pt_pipeline.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "pt_common.h"
#include "pt_linreg.h"
#include "pt_mpk.h"
#include "pt_pca.h"

typedef struct {
    char name[32];
    size_t p_in, p_out;
    double *A;          /* transformer: p_in x p_out row-major */
    double *c;          /* transformer: p_out offset, or NULL for 0 */
    double *extra;      /* pca: explained variance [p_out]; scaler: std [p_in] */
    double *mean;       /* scaler: mean [p_in] */
    double *coef;       /* predictor: r x p_in */
    double *icpt;       /* predictor: r */
    size_t r;
    int iterations, converged;
    pt_paramlist_t params; /* this stage's params */
} stage_t;

struct pt_fitted {
    size_t p;
    stage_t *st;
    size_t n;
    int classifier, multinomial;
    size_t nclasses, r;
    double threshold;
    double *coef;       /* composed, r x p */
    double *icpt;       /* composed, r */
};

/* The value of param `param` of this stage ("<stage>.<param>" in its params), or def. */
static double stage_num(const stage_t *st, const char *param, double def)
{
    char key[96];
    const pt_value_t *v;
    snprintf(key, sizeof key, "%s.%s", st->name, param);
    v = pt_paramlist_get(&st->params, key);
    return v ? v->num : def;
}

void pt_fitted_destroy(pt_fitted_t **pf)
{
    pt_fitted_t *f;
    if (pf == NULL || *pf == NULL)
        return;
    f = *pf;
    for (size_t i = 0; i < f->n; i++) {
        free(f->st[i].A);
        free(f->st[i].c);
        free(f->st[i].extra);
        free(f->st[i].mean);
        free(f->st[i].coef);
        free(f->st[i].icpt);
        pt_paramlist_free(&f->st[i].params);
    }
    free(f->st);
    free(f->coef);
    free(f->icpt);
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

/* standardScaler from moments: sample std, a zero std maps the feature to 0 (Spark). */
static int fit_scaler(const pt_moments_t *m, stage_t *st)
{
    size_t p = m->p;
    int with_mean = stage_num(st, "withMean", 0) != 0;
    int with_std = stage_num(st, "withStd", 1) != 0;
    st->p_out = p;
    st->A = calloc(p * p, sizeof(double));
    st->c = calloc(p, sizeof(double));
    st->extra = malloc(p * sizeof(double));
    st->mean = malloc(p * sizeof(double));
    if (st->A == NULL || st->c == NULL || st->extra == NULL || st->mean == NULL)
        return -ENOMEM;
    for (size_t j = 0; j < p; j++) {
        double var = m->n > 1 ? m->S[j * p + j] / (m->n - 1) : 0.0;
        double sd = var > 0 ? sqrt(var) : 0.0;
        double scale = with_std ? (sd > 0 ? 1.0 / sd : 0.0) : 1.0;
        st->extra[j] = sd;
        st->mean[j] = m->mean[j];
        st->A[j * p + j] = scale;
        st->c[j] = with_mean ? -m->mean[j] * scale : 0.0;
    }
    return 0;
}

pt_fitted_t *pt_pipeline_fit(const pt_moments_t *m, const pt_rowblock_t *blocks,
                             size_t nblocks, char *const *stages, size_t nstages,
                             const pt_paramlist_t *params, size_t nclasses,
                             pt_pca_eig_t *pca_cache, char *err)
{
    pt_fitted_t *f = NULL;
    pt_moments_t *cur = NULL, *next = NULL;
    double *Atot = NULL, *ctot = NULL; /* composed transformers: p x q, q */
    size_t q;
    pt_logreg_model_t lm;

    memset(&lm, 0, sizeof lm);
    f = calloc(1, sizeof *f);
    if (f == NULL)
        goto nomem;
    f->p = m->p;
    f->st = calloc(nstages ? nstages : 1, sizeof *f->st);
    cur = pt_moments_new(m->p);
    if (f->st == NULL || cur == NULL)
        goto nomem;
    pt_moments_copy(cur, m);
    f->n = nstages;
    q = m->p;
    for (size_t s = 0; s < nstages; s++) {
        stage_t *st = &f->st[s];
        int transformer = 0;
        snprintf(st->name, sizeof st->name, "%s", stages[s]);
        st->p_in = cur->p;
        if (stage_params(stages[s], params, &st->params))
            goto nomem;
        if (strcmp(stages[s], "pca") == 0) {
            size_t k = (size_t)stage_num(st, "k", 0);
            if (k < 1 || k > cur->p) {
                pt_seterr(err, "pca.k = %zu is out of range [1, %zu]", k, cur->p);
                goto error;
            }
            st->p_out = k;
            st->A = malloc(cur->p * k * sizeof(double));
            st->extra = malloc(k * sizeof(double));
            if (st->A == NULL || st->extra == NULL)
                goto nomem;
            if (s == 0 && pca_cache != NULL) {
                if (pca_cache->p == 0 && pt_pca_eig(cur, pca_cache, err) != 0)
                    goto error;
                if (pt_pca_from_eig(pca_cache, k, st->A, st->extra, err) != 0)
                    goto error;
            } else if (pt_pca_fit(cur, k, st->A, st->extra, err) != 0) {
                goto error;
            }
            transformer = 1;
        } else if (strcmp(stages[s], "standardScaler") == 0) {
            if (fit_scaler(cur, st) != 0)
                goto nomem;
            transformer = 1;
        } else if (strcmp(stages[s], "linearRegression") == 0 && s + 1 == nstages) {
            pt_linreg_opts_t o;
            pt_linreg_info_t info = {0, 1};
            o.reg_param = stage_num(st, "regParam", 0);
            o.elastic_net = stage_num(st, "elasticNetParam", 0);
            o.max_iter = (int)stage_num(st, "maxIter", 0);
            o.tol = stage_num(st, "tol", 0);
            o.fit_intercept = stage_num(st, "fitIntercept", 0) != 0;
            o.standardization = stage_num(st, "standardization", 0) != 0;
            st->p_out = 1;
            st->r = 1;
            st->coef = malloc(cur->p * sizeof(double));
            st->icpt = malloc(sizeof(double));
            if (st->coef == NULL || st->icpt == NULL)
                goto nomem;
            if (pt_linreg_fit(cur, &o, st->coef, st->icpt, &info, err) != 0)
                goto error;
            st->iterations = info.iterations;
            st->converged = info.converged;
        } else if (strcmp(stages[s], "logisticRegression") == 0 && s + 1 == nstages) {
            pt_logreg_opts_t o = pt_logreg_defaults();
            const pt_value_t *fam = pt_paramlist_get(params, "logisticRegression.family");
            o.reg_param = stage_num(st, "regParam", 0);
            o.elastic_net = stage_num(st, "elasticNetParam", 0);
            o.max_iter = (int)stage_num(st, "maxIter", 0);
            o.tol = stage_num(st, "tol", 0);
            o.fit_intercept = stage_num(st, "fitIntercept", 0) != 0;
            o.standardization = stage_num(st, "standardization", 0) != 0;
            o.threshold = stage_num(st, "threshold", 0.5);
            o.family = PT_FAMILY_AUTO;
            if (fam != NULL && fam->str != NULL && strcmp(fam->str, "binomial") == 0)
                o.family = PT_FAMILY_BINOMIAL;
            else if (fam != NULL && fam->str != NULL && strcmp(fam->str, "multinomial") == 0)
                o.family = PT_FAMILY_MULTINOMIAL;
            if (nclasses < 1) {
                pt_seterr(err, "logisticRegression needs class labels");
                goto error;
            }
            if (pt_logreg_fit_affine(blocks, nblocks, m->p, Atot, ctot, q, nclasses, &o, &lm,
                                     err) != 0)
                goto error;
            st->p_out = lm.ncoef_rows;
            st->r = lm.ncoef_rows;
            st->coef = lm.coef;
            st->icpt = lm.intercept;
            lm.coef = lm.intercept = NULL;
            st->iterations = lm.iterations;
            st->converged = lm.converged;
            f->classifier = 1;
            f->multinomial = lm.multinomial;
            f->nclasses = lm.multinomial ? lm.ncoef_rows : 2;
            f->threshold = o.threshold;
            pt_logreg_model_free(&lm);
        } else {
            pt_seterr(err, "stage \"%s\" cannot stand at position %zu", stages[s], s + 1);
            goto error;
        }
        if (transformer) {
            /* moments of the stage's output, and the composed map x -> z */
            double *nA = malloc(m->p * st->p_out * sizeof(double));
            double *nc = calloc(st->p_out, sizeof(double));
            next = pt_moments_new(st->p_out);
            if (nA == NULL || nc == NULL || next == NULL) {
                free(nA);
                free(nc);
                goto nomem;
            }
            if (pt_moments_affine(cur, st->A, st->c, st->p_out, next) != 0) {
                free(nA);
                free(nc);
                goto nomem;
            }
            if (Atot == NULL)
                memcpy(nA, st->A, m->p * st->p_out * sizeof(double));
            else
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m->p,
                            (int)st->p_out, (int)q, 1.0, Atot, (int)q, st->A, (int)st->p_out,
                            0.0, nA, (int)st->p_out);
            if (ctot != NULL) /* c := A_s^T c_prev + c_s */
                cblas_dgemv(CblasRowMajor, CblasTrans, (int)q, (int)st->p_out, 1.0, st->A,
                            (int)st->p_out, ctot, 1, 0.0, nc, 1);
            if (st->c != NULL)
                for (size_t j = 0; j < st->p_out; j++)
                    nc[j] += st->c[j];
            free(Atot);
            free(ctot);
            Atot = nA;
            ctot = nc;
            q = st->p_out;
            pt_moments_destroy(&cur);
            cur = next;
            next = NULL;
        }
    }
    if (nstages == 0 || f->st[nstages - 1].coef == NULL) {
        pt_seterr(err, "the pipeline does not end with a predictor");
        goto error;
    }
    /* Compose: coef_raw = coef A^T (r x p), icpt_raw = icpt + coef c. */
    {
        stage_t *last = &f->st[nstages - 1];
        f->r = last->r;
        f->coef = malloc(f->r * m->p * sizeof(double));
        f->icpt = malloc(f->r * sizeof(double));
        if (f->coef == NULL || f->icpt == NULL)
            goto nomem;
        memcpy(f->icpt, last->icpt, f->r * sizeof(double));
        if (Atot == NULL) {
            memcpy(f->coef, last->coef, f->r * m->p * sizeof(double));
        } else {
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)f->r, (int)m->p, (int)q,
                        1.0, last->coef, (int)q, Atot, (int)q, 0.0, f->coef, (int)m->p);
            for (size_t k = 0; k < f->r; k++)
                for (size_t j = 0; j < q; j++)
                    f->icpt[k] += last->coef[k * q + j] * ctot[j];
        }
    }
    free(Atot);
    free(ctot);
    pt_moments_destroy(&cur);
    return f;
nomem:
    pt_seterr(err, "out of memory");
error:
    pt_logreg_model_free(&lm);
    free(Atot);
    free(ctot);
    pt_moments_destroy(&cur);
    pt_moments_destroy(&next);
    pt_fitted_destroy(&f);
    return NULL;
}

size_t pt_fitted_features(const pt_fitted_t *f)
{
    return f->p;
}

int pt_fitted_linear(const pt_fitted_t *f, const double **coef, double *intercept)
{
    if (f->classifier || f->r != 1)
        return -1;
    *coef = f->coef;
    *intercept = f->icpt[0];
    return 0;
}

size_t pt_fitted_classes(const pt_fitted_t *f)
{
    return f->classifier ? f->nclasses : 0;
}

int pt_fitted_hit_max_iter(const pt_fitted_t *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (!f->st[i].converged && f->st[i].coef != NULL)
            return 1;
    return 0;
}

int pt_fitted_predict(const pt_fitted_t *f, const double *x, size_t n, double *pred,
                      double *score, double *prob)
{
    double *margins, *pr = prob;
    if (n == 0)
        return 0;
    if (!f->classifier) {
        pt_linear_predict(x, n, f->p, f->coef, f->icpt[0], pred);
        if (score != NULL)
            memcpy(score, pred, n * sizeof *pred);
        return 0;
    }
    margins = malloc(n * f->r * sizeof *margins);
    if (pr == NULL)
        pr = malloc(n * f->nclasses * sizeof *pr);
    if (margins == NULL || pr == NULL) {
        free(margins);
        if (pr != prob)
            free(pr);
        return -ENOMEM;
    }
    pt_logreg_margins(x, n, f->p, f->coef, f->icpt, f->r, margins);
    pt_logreg_probabilities(margins, n, f->r, f->multinomial, pr);
    pt_logreg_predict(pr, n, f->nclasses, f->multinomial, f->threshold, pred);
    if (score != NULL)
        pt_logreg_scores(margins, n, f->r, f->multinomial, score);
    free(margins);
    if (pr != prob)
        free(pr);
    return 0;
}

static void pack_doubles(msgpack_packer *pk, const double *v, size_t n)
{
    msgpack_pack_array(pk, n);
    for (size_t i = 0; i < n; i++)
        msgpack_pack_double(pk, v[i]);
}

static void pack_bool(msgpack_packer *pk, int v)
{
    if (v)
        msgpack_pack_true(pk);
    else
        msgpack_pack_false(pk);
}

void pt_fitted_pack(const pt_fitted_t *f, msgpack_packer *pk)
{
    msgpack_pack_map(pk, f->classifier ? 8 : 5);
    pt_msgpack_pack_str(pk, "features");
    msgpack_pack_uint64(pk, f->p);
    pt_msgpack_pack_str(pk, "kind");
    pt_msgpack_pack_str(pk, f->classifier ? "classification" : "regression");
    pt_msgpack_pack_str(pk, "stages");
    msgpack_pack_array(pk, f->n);
    for (size_t s = 0; s < f->n; s++) {
        const stage_t *st = &f->st[s];
        int pca = strcmp(st->name, "pca") == 0, scaler = strcmp(st->name, "standardScaler") == 0;
        msgpack_pack_map(pk, pca ? 5 : 7);
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
        } else if (scaler) {
            pt_msgpack_pack_str(pk, "mean");
            pack_doubles(pk, st->mean, st->p_in);
            pt_msgpack_pack_str(pk, "std");
            pack_doubles(pk, st->extra, st->p_in);
            pt_msgpack_pack_str(pk, "with_mean");
            pack_bool(pk, stage_num(st, "withMean", 0) != 0);
            pt_msgpack_pack_str(pk, "with_std");
            pack_bool(pk, stage_num(st, "withStd", 1) != 0);
        } else {
            pt_msgpack_pack_str(pk, "coefficients");
            pack_doubles(pk, st->coef, st->r * st->p_in);
            pt_msgpack_pack_str(pk, "intercept");
            if (f->classifier)
                pack_doubles(pk, st->icpt, st->r);
            else
                msgpack_pack_double(pk, st->icpt[0]);
            pt_msgpack_pack_str(pk, "iterations");
            msgpack_pack_int(pk, st->iterations);
            pt_msgpack_pack_str(pk, "converged");
            pack_bool(pk, st->converged);
        }
    }
    pt_msgpack_pack_str(pk, "coefficients");
    pack_doubles(pk, f->coef, f->r * f->p);
    pt_msgpack_pack_str(pk, "intercept");
    if (f->classifier)
        pack_doubles(pk, f->icpt, f->r);
    else
        msgpack_pack_double(pk, f->icpt[0]);
    if (f->classifier) {
        pt_msgpack_pack_str(pk, "num_classes");
        msgpack_pack_uint64(pk, f->nclasses);
        pt_msgpack_pack_str(pk, "multinomial");
        pack_bool(pk, f->multinomial);
        pt_msgpack_pack_str(pk, "threshold");
        msgpack_pack_double(pk, f->threshold);
    }
}
