/* pt_pipeline.c - fitting a pipeline of stages and composing it into one linear model on
 * the raw features (see the header); the stages themselves are descriptors (pt_stage.h).
 */
#include "pt_pipeline.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "pt_common.h"
#include "pt_linreg.h"
#include "pt_mpk.h"
#include "pt_params.h"
#include "pt_stage.h"

struct pt_fitted {
    size_t p;
    pt_stage_fit_t *st;
    size_t n;
    int classifier, multinomial;
    size_t nclasses, r;
    double threshold;
    double *coef;       /* composed, r x p */
    double *icpt;       /* composed, r */
    pt_stage_fit_t *nl; /* the last stage when it predicts itself (a tree), else NULL */
};

/* The transformers fitted so far, composed: z = A^T x + c (A p x q, c q; both NULL while
 * there is none), and the moments of z (wm: weighted, or NULL without weights). */
typedef struct {
    pt_moments_t *m;
    double *A, *c;
    size_t q;
    pt_moments_t *wm;
} chain_t;

void pt_fitted_destroy(pt_fitted_t **pf)
{
    pt_fitted_t *f;
    if (pf == NULL || *pf == NULL)
        return;
    f = *pf;
    for (size_t i = 0; i < f->n; i++)
        pt_stage_fit_free(&f->st[i]);
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

/* Appends the fitted transformer st (p raw features, whose moments are raw, weighted wraw)
 * to the chain: the moments of its output and the composed map x -> z (st's own map when it
 * reads the raw features). 0 or -ENOMEM. */
static int chain_push(chain_t *ch, size_t p, const pt_moments_t *raw, const pt_moments_t *wraw,
                      const pt_stage_fit_t *st)
{
    double *nA = malloc(p * st->p_out * sizeof(double));
    double *nc = calloc(st->p_out, sizeof(double));
    pt_moments_t *next = pt_moments_new(st->p_out);
    pt_moments_t *wnext = ch->wm != NULL ? pt_moments_new(st->p_out) : NULL;
    if (nA == NULL || nc == NULL || next == NULL || (ch->wm != NULL && wnext == NULL) ||
        pt_moments_affine(st->from_raw ? raw : ch->m, st->A, st->c, st->p_out, next) != 0 ||
        (wnext != NULL && pt_moments_affine(st->from_raw ? wraw : ch->wm, st->A, st->c,
                                            st->p_out, wnext) != 0)) {
        free(nA);
        free(nc);
        pt_moments_destroy(&next);
        pt_moments_destroy(&wnext);
        return -ENOMEM;
    }
    if (ch->A == NULL || st->from_raw)
        memcpy(nA, st->A, p * st->p_out * sizeof(double));
    else
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)p, (int)st->p_out,
                    (int)ch->q, 1.0, ch->A, (int)ch->q, st->A, (int)st->p_out, 0.0, nA,
                    (int)st->p_out);
    if (ch->c != NULL && !st->from_raw) /* c := A_s^T c_prev + c_s */
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)ch->q, (int)st->p_out, 1.0, st->A,
                    (int)st->p_out, ch->c, 1, 0.0, nc, 1);
    if (st->c != NULL)
        for (size_t j = 0; j < st->p_out; j++)
            nc[j] += st->c[j];
    free(ch->A);
    free(ch->c);
    pt_moments_destroy(&ch->m);
    pt_moments_destroy(&ch->wm);
    ch->A = nA;
    ch->c = nc;
    ch->q = st->p_out;
    ch->m = next;
    ch->wm = wnext;
    return 0;
}

/* The predictor (the last stage) through the chain, on the raw features:
 * coef_raw = coef A^T (r x p), icpt_raw = icpt + coef c. 0 or -ENOMEM. */
static int compose(pt_fitted_t *f, const chain_t *ch)
{
    const pt_stage_fit_t *last = &f->st[f->n - 1];
    size_t p = f->p, q = ch->q;
    f->r = last->r;
    f->classifier = last->def->role == PT_STAGE_CLASSIFIER;
    f->multinomial = last->multinomial;
    f->nclasses = last->nclasses;
    f->threshold = last->threshold;
    if (last->def->predict != NULL) { /* not composed: it reads the raw rows itself */
        f->nl = &f->st[f->n - 1];
        return 0;
    }
    f->coef = malloc(f->r * p * sizeof(double));
    f->icpt = malloc(f->r * sizeof(double));
    if (f->coef == NULL || f->icpt == NULL)
        return -ENOMEM;
    memcpy(f->icpt, last->icpt, f->r * sizeof(double));
    if (ch->A == NULL) {
        memcpy(f->coef, last->coef, f->r * p * sizeof(double));
        return 0;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)f->r, (int)p, (int)q, 1.0,
                last->coef, (int)q, ch->A, (int)q, 0.0, f->coef, (int)p);
    for (size_t k = 0; k < f->r; k++)
        for (size_t j = 0; j < q; j++)
            f->icpt[k] += last->coef[k * q + j] * ch->c[j];
    return 0;
}

pt_fitted_t *pt_pipeline_fit(const pt_moments_t *m, const pt_rowblock_t *blocks,
                             size_t nblocks, char *const *stages, size_t nstages,
                             const pt_paramlist_t *params, size_t nclasses,
                             pt_pca_eig_t *pca_cache, char *err)
{
    pt_raw_layout_t plain = {0};
    return pt_pipeline_fit_raw(m, blocks, nblocks, stages, nstages, params, nclasses,
                               pca_cache, &plain, err);
}

/* "cannot stand at position" for stage s of the pipeline (prev: the stage before, or NULL),
 * or a categorical / missing-value rule broken: the indexer and the imputer stand first, in
 * either order when the data needs both. */
static int stage_placement(const pt_stage_def_t *def, const char *name, size_t s,
                           size_t nstages, const pt_stage_def_t *prev, size_t ncat,
                           size_t nmiss, char *err)
{
    int lead, pair;
    if (def == NULL || (def->role != PT_STAGE_TRANSFORMER && s + 1 != nstages)) {
        pt_seterr(err, "stage \"%s\" cannot stand at position %zu", name, s + 1);
        return -EINVAL;
    }
    lead = def->categorical == 1 || def->imputes;
    pair = s == 1 && lead && (def->categorical == 1 ? prev->imputes : prev->categorical == 1);
    if (lead && s != 0 && !pair) {
        pt_seterr(err, "stage \"%s\" cannot stand at position %zu", name, s + 1);
        return -EINVAL;
    }
    if ((s == 0 && !lead && (ncat > 0 || nmiss > 0)) ||
        (s == 1 && !pair && ((prev->imputes && ncat > 0) || (prev->categorical == 1 && nmiss > 0)))) {
        pt_seterr(err, "the data has %s: the pipeline must start with %s",
                  ncat > 0 && nmiss > 0 ? "categorical columns and missing values"
                  : ncat > 0            ? "categorical columns" : "missing values",
                  ncat > 0 && nmiss > 0 ? "stringIndexer and imputer (either order)"
                  : ncat > 0            ? "stringIndexer" : "imputer");
        return -EINVAL;
    }
    return 0;
}

pt_fitted_t *pt_pipeline_fit_raw(const pt_moments_t *m, const pt_rowblock_t *blocks,
                                 size_t nblocks, char *const *stages, size_t nstages,
                                 const pt_paramlist_t *params, size_t nclasses,
                                 pt_pca_eig_t *pca_cache, const pt_raw_layout_t *raw,
                                 char *err)
{
    pt_fitted_t *f = calloc(1, sizeof *f);
    chain_t ch = {pt_moments_new(m->p), NULL, NULL, m->p,
                  raw->wm != NULL ? pt_moments_new(m->p) : NULL};
    int rc = -EINVAL;

    if (f == NULL || ch.m == NULL || (raw->wm != NULL && ch.wm == NULL) ||
        (f->st = calloc(nstages ? nstages : 1, sizeof *f->st)) == NULL)
        goto nomem;
    /* a param no stage reads (a job's mistyped name) fails the fit, not ignored */
    if (pt_param_check_list(stages, nstages, params, err) != 0)
        goto error;
    pt_moments_copy(ch.m, m);
    if (ch.wm != NULL)
        pt_moments_copy(ch.wm, raw->wm);
    f->p = m->p;
    f->n = nstages;
    for (size_t s = 0; s < nstages; s++) {
        pt_stage_fit_t *st = &f->st[s];
        pt_stage_in_t in = {.m = ch.m, .wm = ch.wm, .blocks = blocks, .nblocks = nblocks, .p_raw = m->p,
                            .A = ch.A, .c = ch.c, .nclasses = nclasses,
                            .eig = s == 0 ? pca_cache : NULL, .ncat = raw->ncat,
                            .cat_size = raw->cat_size, .nmiss = raw->nmiss,
                            .miss_col = raw->miss_col, .for_model = raw->for_model,
                            .prev = s > 0 ? &f->st[s - 1] : NULL, .codes = raw->codes,
                            .threads = raw->threads};
        for (size_t i = 0; i < s && i < 2; i++)
            if (f->st[i].def->categorical == 1)
                in.indexer = &f->st[i];
        in.cat_missing = raw->cat_missing;
        in.impute_cache = raw->impute_cache;
        if (raw->warm != NULL && s + 1 == nstages && raw->warm->n == nstages)
            in.warm = &raw->warm->st[s]; /* the stage checks it is its own kind */
        st->def = pt_stage_lookup(stages[s]);
        if (stage_placement(st->def, stages[s], s, nstages, s > 0 ? f->st[s - 1].def : NULL,
                            raw->ncat, raw->nmiss, err) != 0)
            goto error;
        st->p_in = ch.m->p;
        if (stage_params(stages[s], params, &st->params))
            goto nomem;
        if ((st->def->check != NULL && (rc = st->def->check(st, err)) != 0) ||
            (rc = st->def->fit(st, &in, err)) != 0)
            goto error;
        if (st->def->role == PT_STAGE_TRANSFORMER && chain_push(&ch, m->p, m, raw->wm, st) != 0)
            goto nomem;
    }
    if (nstages == 0 || f->st[nstages - 1].def->role == PT_STAGE_TRANSFORMER) {
        pt_seterr(err, "the pipeline does not end with a predictor");
        goto error;
    }
    if (compose(f, &ch) != 0)
        goto nomem;
    goto out;
nomem:
    pt_seterr(err, "out of memory");
    rc = -ENOMEM;
error:
    pt_fitted_destroy(&f);
out:
    free(ch.A);
    free(ch.c);
    pt_moments_destroy(&ch.m);
    pt_moments_destroy(&ch.wm);
    if (f == NULL)
        errno = rc < 0 ? -rc : EINVAL; /* set last: the frees above may change errno */
    return f;
}

size_t pt_fitted_features(const pt_fitted_t *f)
{
    return f->p;
}

int pt_fitted_nonlinear(const pt_fitted_t *f)
{
    return f->nl != NULL;
}

const char *pt_fitted_score_name(const pt_fitted_t *f)
{
    return f->nl != NULL ? f->nl->def->score_name : NULL;
}

double *pt_fitted_importances(const pt_fitted_t *f, size_t *n)
{
    double *imp = NULL;
    *n = 0;
    if (f->nl == NULL || f->nl->def->importances == NULL ||
        (imp = calloc(f->nl->p_in ? f->nl->p_in : 1, sizeof *imp)) == NULL)
        return NULL;
    if (f->nl->def->importances(f->nl, imp) != 0) {
        free(imp);
        return NULL;
    }
    *n = f->nl->p_in;
    return imp;
}

size_t pt_fitted_use_trees(pt_fitted_t *f, size_t m)
{
    if (f->nl != NULL && f->nl->def->use_trees != NULL)
        return f->nl->def->use_trees(f->nl, m);
    return 0;
}

void pt_fitted_set_threads(pt_fitted_t *f, int threads)
{
    if (f->nl != NULL && f->nl->def->set_threads != NULL)
        f->nl->def->set_threads(f->nl, threads);
}

int pt_fitted_linear(const pt_fitted_t *f, const double **coef, double *intercept)
{
    if (f->classifier || f->r != 1 || f->nl != NULL)
        return -1;
    *coef = f->coef;
    *intercept = f->icpt[0];
    return 0;
}

size_t pt_fitted_classes(const pt_fitted_t *f)
{
    return f->classifier ? f->nclasses : 0;
}

int pt_fitted_multinomial(const pt_fitted_t *f)
{
    return f->classifier && f->multinomial;
}

int pt_fitted_hit_max_iter(const pt_fitted_t *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (!f->st[i].converged && f->st[i].coef != NULL)
            return 1;
    return 0;
}

int pt_fitted_iterations(const pt_fitted_t *f)
{
    return f->n > 0 ? f->st[f->n - 1].iterations : 0;
}

int pt_fitted_predict(const pt_fitted_t *f, const double *x, size_t n, double *pred,
                      double *score, double *prob)
{
    double *margins, *pr = prob;
    if (n == 0)
        return 0;
    if (f->nl != NULL)
        return f->nl->def->predict(f->nl, x, n, pred, score, f->classifier ? prob : NULL);
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

void pt_fitted_pack(const pt_fitted_t *f, msgpack_packer *pk)
{
    msgpack_pack_map(pk, f->nl != NULL ? (f->classifier ? 5 : 4) : f->classifier ? 8 : 5);
    pt_msgpack_kv_uint(pk, "features", f->p);
    pt_msgpack_kv_str(pk, "kind", f->classifier ? "classification" : "regression");
    pt_msgpack_pack_str(pk, "stages");
    msgpack_pack_array(pk, f->n);
    for (size_t s = 0; s < f->n; s++) {
        const pt_stage_fit_t *st = &f->st[s];
        msgpack_pack_map(pk, 3 + st->def->npack);
        pt_msgpack_kv_str(pk, "name", st->def->name);
        pt_msgpack_pack_str(pk, "params");
        pt_msgpack_pack_params(pk, &st->params);
        pt_msgpack_kv_uint(pk, "input_features", st->p_in);
        st->def->pack(st, pk);
    }
    if (f->nl != NULL) {
        pt_msgpack_kv_str(pk, "predictor", "tree");
        if (f->classifier)
            pt_msgpack_kv_uint(pk, "num_classes", f->nclasses);
        return;
    }
    pt_msgpack_pack_str(pk, "coefficients");
    pt_stage_pack_doubles(pk, f->coef, f->r * f->p);
    pt_msgpack_pack_str(pk, "intercept");
    pt_stage_pack_intercept(pk, f->icpt, f->r, f->classifier);
    if (f->classifier) {
        pt_msgpack_kv_uint(pk, "num_classes", f->nclasses);
        pt_msgpack_kv_bool(pk, "multinomial", f->multinomial);
        pt_msgpack_kv_double(pk, "threshold", f->threshold);
    }
}

/* The composed model of a packed pipeline o into f: features, kind, the classifier's
 * fields, intercept, coefficients. 0 or a negative errno with the reason in err. */
static int unpack_model(pt_fitted_t *f, const msgpack_object *o, char *err)
{
    char *kind = NULL;
    uint64_t feats, k;
    int rc;

    if ((rc = pt_msgpack_get_uint(o, "features", &feats, err)) != 0 ||
        (rc = pt_msgpack_get_str(o, "kind", &kind, err)) != 0)
        goto out;
    if (feats > UINT32_MAX) { /* more than the names an array holds; r * p must not wrap */
        pt_seterr(err, "features: %llu out of range", (unsigned long long)feats);
        rc = -EBADMSG;
        goto out;
    }
    f->p = (size_t)feats;
    f->classifier = strcmp(kind, "classification") == 0;
    if (!f->classifier && strcmp(kind, "regression") != 0) {
        pt_seterr(err, "unknown kind \"%.40s\"", kind);
        rc = -EBADMSG;
        goto out;
    }
    if (pt_msgpack_map_get(o, "predictor") != NULL) { /* a tree: its stage holds the model */
        f->r = 1;
        if (f->classifier && (rc = pt_msgpack_get_uint(o, "num_classes", &k, err)) == 0)
            f->nclasses = (size_t)k;
        f->multinomial = f->nclasses > 2;
        goto out;
    }
    if (f->classifier) {
        if ((rc = pt_msgpack_get_uint(o, "num_classes", &k, err)) != 0 ||
            (rc = pt_msgpack_get_bool(o, "multinomial", &f->multinomial, err)) != 0 ||
            (rc = pt_msgpack_get_double(o, "threshold", &f->threshold, err)) != 0)
            goto out;
        f->nclasses = (size_t)k;
        f->r = f->multinomial ? f->nclasses : 1;
        if (f->nclasses < 1 || f->nclasses > 1000000 || (!f->multinomial && f->nclasses != 2) ||
            !(f->threshold >= 0 && f->threshold <= 1)) {
            pt_seterr(err, "bad num_classes %zu or threshold %g", f->nclasses, f->threshold);
            rc = -EBADMSG;
            goto out;
        }
        rc = pt_stage_get_doubles(o, "intercept", f->r, &f->icpt, err);
    } else {
        f->r = 1;
        f->icpt = malloc(sizeof *f->icpt);
        rc = f->icpt == NULL ? -ENOMEM : pt_msgpack_get_double(o, "intercept", f->icpt, err);
        if (rc == 0 && !isfinite(*f->icpt)) {
            pt_seterr(err, "field 'intercept': not finite");
            rc = -EBADMSG;
        }
    }
    if (rc == 0)
        rc = pt_stage_get_doubles(o, "coefficients", f->r * f->p, &f->coef, err);
out:
    free(kind);
    return rc;
}

/* Stage s of a packed pipeline, whose input is width wide, into f->st[s]. 0 or a negative
 * errno with the reason in err. */
static int unpack_stage(pt_fitted_t *f, size_t s, const msgpack_object *o, size_t width,
                        char *err)
{
    pt_stage_fit_t *st = &f->st[s];
    const msgpack_object *po;
    char *name = NULL;
    uint64_t p_in;
    int rc;

    if (o->type != MSGPACK_OBJECT_MAP) {
        pt_seterr(err, "expected a map, got %s", pt_msgpack_type_name(o->type));
        return -EBADMSG;
    }
    if ((rc = pt_msgpack_get_str(o, "name", &name, err)) != 0)
        return rc;
    st->def = pt_stage_lookup(name);
    if (st->def == NULL || (st->def->role != PT_STAGE_TRANSFORMER) != (s + 1 == f->n)) {
        pt_seterr(err, "stage \"%.40s\" cannot stand at position %zu", name, s + 1);
        free(name);
        return -EBADMSG;
    }
    free(name);
    if ((po = pt_msgpack_get_obj(o, "params", MSGPACK_OBJECT_MAP, err)) == NULL)
        return -EBADMSG;
    if ((rc = pt_msgpack_unpack_params(po, &st->params, err)) != 0 ||
        (rc = pt_msgpack_get_uint(o, "input_features", &p_in, err)) != 0)
        return rc;
    for (size_t i = 0; i < st->params.n; i++) /* a fitted stage's params are all finite */
        if (st->params.items[i].val.type == PT_VAL_DOUBLE &&
            !isfinite(st->params.items[i].val.num)) {
            pt_seterr(err, "param %.100s: not finite", st->params.items[i].key);
            return -EBADMSG;
        }
    if (p_in != width) {
        pt_seterr(err, "%llu input features, expected %zu", (unsigned long long)p_in, width);
        return -EBADMSG;
    }
    st->p_in = width;
    if (st->def->check != NULL && (rc = st->def->check(st, err)) != 0)
        return -EBADMSG;
    return st->def->unpack(st, o, err);
}

int pt_fitted_unpack(const msgpack_object *o, pt_fitted_t **out, char *err)
{
    pt_fitted_t *f = calloc(1, sizeof *f);
    const msgpack_object *stages;
    char why[PT_ERRLEN] = "";
    size_t width;
    int rc = -ENOMEM;

    *out = NULL;
    if (f == NULL)
        goto error;
    if ((rc = unpack_model(f, o, err)) != 0)
        goto error;
    rc = -EBADMSG;
    if ((stages = pt_msgpack_get_obj(o, "stages", MSGPACK_OBJECT_ARRAY, err)) == NULL)
        goto error;
    f->n = stages->via.array.size;
    if (f->n == 0) {
        pt_seterr(err, "no stages");
        goto error;
    }
    if ((f->st = calloc(f->n, sizeof *f->st)) == NULL) {
        rc = -ENOMEM;
        goto error;
    }
    width = f->p;
    for (size_t s = 0; s < f->n; s++) {
        if ((rc = unpack_stage(f, s, &stages->via.array.ptr[s], width, why)) != 0) {
            pt_seterr(err, "stages[%zu]: %s", s, why);
            goto error;
        }
        width = f->st[s].p_out;
    }
    if (width != f->r || (f->st[f->n - 1].def->role == PT_STAGE_CLASSIFIER) != f->classifier ||
        (f->st[f->n - 1].def->predict != NULL) != (pt_msgpack_map_get(o, "predictor") != NULL) ||
        (f->st[f->n - 1].def->predict != NULL && f->st[f->n - 1].nclasses != f->nclasses)) {
        pt_seterr(err, "the last stage does not match the pipeline's model");
        rc = -EBADMSG;
        goto error;
    }
    f->st[f->n - 1].nclasses = f->nclasses;
    f->st[f->n - 1].multinomial = f->multinomial;
    f->st[f->n - 1].threshold = f->threshold;
    if (f->st[f->n - 1].def->predict != NULL)
        f->nl = &f->st[f->n - 1];
    *out = f;
    return 0;
error:
    if (rc == -ENOMEM)
        pt_seterr(err, "out of memory");
    pt_fitted_destroy(&f);
    return rc;
}

/* The stringIndexer of f when its handleInvalid is skip, else NULL. */
static const pt_stage_catidx_t *skipping_indexer(const pt_fitted_t *f)
{
    for (size_t s = 0; s < f->n; s++)
        if (f->st[s].def->categorical == 1 && f->st[s].state != NULL)
            return ((const pt_stage_catidx_t *)f->st[s].state)->skip ? f->st[s].state : NULL;
    return NULL;
}

size_t pt_fitted_keep_rows(const pt_fitted_t *f, const double *x, size_t n,
                           unsigned char *keep)
{
    const pt_stage_catidx_t *s = skipping_indexer(f);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        const double *xr = x + i * f->p + (s != NULL ? s->p_num : 0);
        int ok = 1;
        /* the indicators of column k start at p_num + the sizes before it, in the raw
         * features as in the indexer's input (an imputer before it keeps them in place) */
        for (size_t k = 0; s != NULL && ok && k < s->ncat; xr += s->size[k], k++) {
            ok = 0;
            for (size_t t = 0; !ok && t < s->nlabels[k]; t++)
                ok = xr[s->labels[k][t]] != 0.0;
        }
        keep[i] = (unsigned char)ok;
        kept += (size_t)ok;
    }
    return kept;
}

int pt_fitted_may_drop(const pt_fitted_t *f, const double *mean)
{
    const pt_stage_catidx_t *s = skipping_indexer(f);
    const double *mk;
    if (s == NULL)
        return 0;
    if (mean == NULL)
        return 1;
    mk = mean + s->p_num;
    for (size_t k = 0; k < s->ncat; mk += s->size[k], k++)
        for (size_t v = 0; v < s->size[k]; v++) {
            int label = 0;
            for (size_t t = 0; !label && t < s->nlabels[k]; t++)
                label = s->labels[k][t] == v;
            if (!label && mk[v] != 0.0)
                return 1;
        }
    return 0;
}

const double *pt_fitted_imputer(const pt_fitted_t *f, size_t *nmiss)
{
    for (size_t s = 0; s < f->n && s < 2; s++)
        if (f->st[s].def->imputes)
            return pt_stage_imputer_surrogates(&f->st[s], nmiss);
    return NULL;
}
