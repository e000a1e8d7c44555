/* oof.c - `tune --oof` and `--keep-fold-models`: out-of-fold predictions and fold models.
 *
 * See oof.h for what runs when. The --oof CSV has one row per input row, in input order:
 * with --oof-all first "param_index" (a long table: every map's rows, map after map, in map
 * order), then the --keep columns' text, then the columns `paratune predict` writes
 * ("prediction", a class name for a label of names; "probability" of class 1 for a binary
 * classifier, "probability_0".."_{K-1}" for a multiclass one).
 */
#include "oof.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_file.h"
#include "pt_image.h"
#include "pt_model.h"
#include "tune.h"

/* One run's state: the image, the output and the current map's predictions. */
typedef struct {
    const pt_oof_config_t *c;
    pt_image_t *img;
    pt_file_t *out;        /* the --oof file, or NULL */
    FILE *f;
    int header;            /* the header is written */
    size_t rows, K;        /* input rows; classes (0: a regressor) */
    int binary;            /* one "probability" column */
    double *pred, *prob;   /* this map's predictions by input row (prob: rows x K) */
} oof_t;

/* Writes fold model (map, fold), pipeline_len bytes, as DIR/map<M>_fold<F>.ptm. */
static int write_fold_model(const pt_oof_config_t *c, size_t map, size_t fold,
                            const unsigned char *pipeline, size_t len, char *err)
{
    const pt_dataset_t *ds = c->ds;
    pt_model_cols_t cols = {.ncat = ds->ncat, .cats = ds->cat_names, .cat_size = ds->cat_size,
                            .label_values = ds->label_values, .nlabels = ds->nlabel_values,
                            .weight_col = ds->weight_name, .fold_model = 1,
                            .fold = (long)fold};
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/map%zu_fold%zu.ptm", c->o->fold_models, map,
                         fold) >= sizeof path) {
        pt_seterr(err, "--keep-fold-models %s: path too long", c->o->fold_models);
        return -ENAMETOOLONG;
    }
    return pt_model_write_cols(path, ds->names, ds->features, ds->label_name, (long)map,
                               &c->full[map], pipeline, len, &cols, err);
}

/* The predictions' arrays for K classes (first model of the run). 0 or -ENOMEM. */
static int oof_alloc(oof_t *r, const pt_model_t *m)
{
    if (r->pred != NULL)
        return 0;
    r->K = pt_fitted_classes(m->fit);
    r->binary = r->K == 2 && !pt_fitted_multinomial(m->fit);
    r->pred = calloc(r->rows ? r->rows : 1, sizeof *r->pred);
    r->prob = calloc(r->rows * (r->K ? r->K : 1) + 1, sizeof *r->prob);
    return r->pred != NULL && r->prob != NULL ? 0 : -ENOMEM;
}

/* Predicts image block `fold` with the fold model in pipeline into r's arrays at each row's
 * input row number. 0 or a negative errno with err. */
static int predict_block(oof_t *r, size_t fold, const unsigned char *pipeline, size_t len,
                         char *err)
{
    const double *x, *y;
    const uint64_t *rid = pt_image_block_rid(r->img, fold);
    size_t n, K;
    double *bp = NULL, *bq = NULL;
    pt_model_t *m = NULL;
    int rc;

    x = pt_image_block(r->img, fold, &y, &n);
    if ((rc = pt_model_from_pipeline(pipeline, len, r->c->ds->features, &m, err)) != 0)
        return rc;
    rc = -ENOMEM;
    if (oof_alloc(r, m) != 0)
        goto out;
    if ((K = r->K) != pt_fitted_classes(m->fit)) {
        pt_seterr(err, "fold %zu's model has %zu classes, another's %zu", fold,
                  pt_fitted_classes(m->fit), K);
        rc = -EINVAL;
        goto out;
    }
    bp = malloc((n ? n : 1) * sizeof *bp);
    bq = malloc((n * (K ? K : 1) + 1) * sizeof *bq);
    if (bp == NULL || bq == NULL || pt_model_predict(m, x, n, bp, K ? bq : NULL) != 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (rid[i] >= r->rows)
            continue; /* not from the input: cannot be (the image is ours) */
        r->pred[rid[i]] = bp[i];
        if (K > 0)
            memcpy(r->prob + rid[i] * K, bq + i * K, K * sizeof *bq);
    }
    rc = 0;
out:
    if (rc == -ENOMEM)
        pt_seterr(err, "out of memory");
    free(bp);
    free(bq);
    pt_model_destroy(&m);
    return rc;
}

/* One oof job: map on fold, run alone; its model written (--keep-fold-models) and, when
 * predicting, its validation block predicted. 0, a signal number, 1 when the job failed
 * (the reason in err), or a negative errno with err. */
static int oof_job(oof_t *r, size_t map, size_t fold, int predicting, char *err)
{
    const pt_oof_config_t *c = r->c;
    unsigned char *model;
    size_t len;
    long id = pt_sched_queue_oof(c->sched, map, fold);
    int rc;

    if (id < 0) {
        pt_seterr(err, "cannot queue the oof job (param map %zu, fold %zu)", map, fold);
        return -EINVAL;
    }
    if ((rc = pt_sweep_run(c->sweep, err)) != 0)
        return rc < 0 ? (rc == -EINVAL ? -EIO : rc) : rc;
    if (pt_sched_job(c->sched, id)->state != PT_SCHED_DONE) {
        pt_seterr(err, "oof job (param map %zu, fold %zu) failed: %s", map, fold,
                  pt_sweep_refit_error(c->sweep));
        return 1;
    }
    model = pt_sweep_take_model(c->sweep, &len);
    if (model == NULL) {
        pt_seterr(err, "oof job (param map %zu, fold %zu) returned no model", map, fold);
        return 1;
    }
    rc = 0;
    if (c->o->fold_models != NULL)
        rc = write_fold_model(c, map, fold, model, len, err);
    if (rc == 0 && predicting)
        rc = predict_block(r, fold, model, len, err);
    free(model);
    return rc < 0 ? (rc == -ENOMEM ? rc : -EIO) : rc;
}

/* The --oof header, once the class count is known. */
static void write_header(oof_t *r)
{
    const pt_dataset_t *ds = r->c->ds;
    if (r->c->o->oof_all)
        fputs("param_index,", r->f);
    for (size_t k = 0; k < ds->nkept; k++) {
        pt_predict_put_field(r->f, ds->kept_names[k]);
        fputc(',', r->f);
    }
    fputs("prediction", r->f);
    if (r->binary)
        fputs(",probability", r->f);
    else
        for (size_t k = 0; k < r->K; k++)
            fprintf(r->f, ",probability_%zu", k);
    fputc('\n', r->f);
    r->header = 1;
}

/* Map `map`'s rows of the --oof file, in input order. */
static void write_map(oof_t *r, size_t map)
{
    const pt_dataset_t *ds = r->c->ds;
    size_t K = r->K;
    if (!r->header)
        write_header(r);
    for (size_t i = 0; i < r->rows; i++) {
        if (r->c->o->oof_all)
            fprintf(r->f, "%zu,", map);
        for (size_t k = 0; k < ds->nkept; k++) {
            pt_predict_put_field(r->f, pt_dataset_kept(ds, i, k));
            fputc(',', r->f);
        }
        if (ds->label_values != NULL && r->pred[i] >= 0 &&
            r->pred[i] < (double)ds->nlabel_values)
            pt_predict_put_field(r->f, ds->label_values[(size_t)r->pred[i]]);
        else
            fprintf(r->f, "%.17g", r->pred[i]);
        if (r->binary)
            fprintf(r->f, ",%.17g", r->prob[i * 2 + 1]);
        else
            for (size_t k = 0; k < K; k++)
                fprintf(r->f, ",%.17g", r->prob[i * K + k]);
        fputc('\n', r->f);
    }
}

/* Every fold of map `map`: 0, a signal number, or a negative errno with err. A failed job
 * of a map whose predictions are not asked for is said on stderr and the map left. */
static int run_map(oof_t *r, size_t map, char *err)
{
    const pt_oof_config_t *c = r->c;
    int predicting = r->f != NULL && (c->o->oof_all || (long)map == c->best);
    for (size_t fold = 0; fold < c->nfolds; fold++) {
        int rc = oof_job(r, map, fold, predicting, err);
        if (rc == 1 && !predicting) {
            fprintf(stderr, "paratune: %s: no fold models of param map %zu\n", err, map);
            return 0;
        }
        if (rc != 0)
            return rc == 1 ? -EIO : rc;
    }
    if (predicting)
        write_map(r, map);
    return 0;
}

int pt_oof_run(const pt_oof_config_t *c, char *err)
{
    const opts_t *o = c->o;
    oof_t r = {.c = c, .rows = c->ds->rows};
    int all = o->oof_all || o->fold_models != NULL, rc = 0;

    if ((o->oof == NULL && o->fold_models == NULL) || (!all && c->best < 0))
        return 0;
    if (!pt_sweep_started(c->sweep) && (rc = pt_sweep_start(c->sweep, 1, err)) != 0)
        return rc == -EINVAL ? -EIO : rc;
    if ((r.img = pt_image_map(c->image_fd, err)) == NULL)
        return -EIO;
    if (o->oof != NULL && ((r.out = pt_file_begin(o->oof, err)) == NULL ||
                           (r.f = pt_file_stream(r.out)) == NULL)) {
        if (r.out != NULL)
            pt_seterr(err, "%s: cannot create: %s", o->oof, strerror(errno));
        rc = -EIO;
        goto out;
    }
    for (size_t map = all ? 0 : (size_t)c->best; rc == 0 && map < c->nmaps; map++) {
        rc = run_map(&r, map, err);
        if (!all)
            break;
    }
    if (rc == 0 && r.out != NULL) {
        if (!r.header) { /* no map predicted (no best map): the header alone */
            r.binary = 0;
            write_header(&r);
        }
        rc = pt_file_commit(&r.out, 0, err) != 0 ? -EIO : 0;
    }
out:
    pt_file_abort(&r.out);
    pt_image_unmap(&r.img);
    free(r.pred);
    free(r.prob);
    return rc;
}
