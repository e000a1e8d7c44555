/* check_trainset.c - unit tests of pt_trainset: a job's training blocks, their moments, its
 * validation block and the caches, against values computed here from the rows with plain
 * loops. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pt_common.h"
#include "pt_dataset.h"
#include "pt_image.h"
#include "pt_moments.h"
#include "pt_msg.h"
#include "pt_stats.h"
#include "pt_trainset.h"

#define ROWS 203 /* not a multiple of the blocks or of the refit's pieces */
#define P 4
#define B 4

/* A small image: rows with means far from 0 (so centring matters), label linear in x plus
 * noise; row r in block blk[r] (a k-fold image of B blocks, or TVS: block 0 or 1). */
typedef struct {
    pt_dataset_t ds;
    int32_t blk[ROWS];
    int fd;
    pt_image_t *img;
} fixture_t;

/* weighted: row r weighs r % 4 (0, 1, 2, 3) */
static void fixture_setup(fixture_t *f, pt_image_kind_t kind, int weighted)
{
    char err[PT_ERRLEN];
    uint64_t st = 12345;
    uint32_t nb = kind == PT_IMAGE_TVS ? 2 : B;

    memset(f, 0, sizeof *f);
    f->ds.rows = ROWS;
    f->ds.features = P;
    f->ds.x = malloc(ROWS * P * sizeof(double));
    f->ds.y = malloc(ROWS * sizeof(double));
    ck_assert_ptr_nonnull(f->ds.x);
    ck_assert_ptr_nonnull(f->ds.y);
    for (size_t r = 0; r < ROWS; r++) {
        double y = 3.0;
        for (size_t j = 0; j < P; j++) {
            double v = 100.0 * (double)(j + 1) + (double)(j + 1) * pt_rng_normal(&st);
            f->ds.x[r * P + j] = v;
            y += 0.5 * (double)(j + 1) * v;
        }
        f->ds.y[r] = y + pt_rng_normal(&st);
        /* blocks of unequal sizes, rows interleaved */
        f->blk[r] = kind == PT_IMAGE_TVS ? (r % 5 == 4) : (int32_t)((r * 7 + r / 3) % B);
    }
    if (weighted) {
        ck_assert_ptr_nonnull(f->ds.w = malloc(ROWS * sizeof(double)));
        for (size_t r = 0; r < ROWS; r++)
            f->ds.w[r] = (double)(r % 4);
    }
    ck_assert_int_eq(pt_image_build(&f->ds, f->blk, nb, kind, 1, &f->fd, NULL, err), 0);
    f->img = pt_image_map(f->fd, err);
    ck_assert_msg(f->img != NULL, "%s", err);
}

static void fixture_init(fixture_t *f, pt_image_kind_t kind)
{
    fixture_setup(f, kind, 0);
}

static void fixture_free(fixture_t *f)
{
    pt_image_unmap(&f->img);
    close(f->fd);
    free(f->ds.x);
    free(f->ds.y);
    free(f->ds.w);
}

/* The moments of the rows r with in[blk[r]] != 0, with plain two-pass loops; weighted by w
 * when not NULL (the range then of the rows of positive weight). */
static pt_moments_t *naive_moments_w(const fixture_t *f, const int *in, const double *w)
{
    pt_moments_t *m = pt_moments_new(P);
    const double *x = f->ds.x, *y = f->ds.y;
    ck_assert_ptr_nonnull(m);
    for (size_t r = 0; r < ROWS; r++) {
        double wr = w != NULL ? w[r] : 1.0;
        if (!in[f->blk[r]] || wr == 0)
            continue;
        m->n += wr;
        m->ymean += wr * y[r];
        for (size_t j = 0; j < P; j++) {
            m->mean[j] += wr * x[r * P + j];
            m->min[j] = fmin(m->min[j], x[r * P + j]);
            m->max[j] = fmax(m->max[j], x[r * P + j]);
        }
    }
    m->ymean /= m->n;
    for (size_t j = 0; j < P; j++)
        m->mean[j] /= m->n;
    for (size_t r = 0; r < ROWS; r++) {
        double dy = y[r] - m->ymean, wr = w != NULL ? w[r] : 1.0;
        if (!in[f->blk[r]])
            continue;
        m->syy += wr * dy * dy;
        for (size_t j = 0; j < P; j++) {
            double dj = x[r * P + j] - m->mean[j];
            m->sxy[j] += wr * dj * dy;
            for (size_t k = 0; k < P; k++)
                m->S[j * P + k] += wr * dj * (x[r * P + k] - m->mean[k]);
        }
    }
    return m;
}

static pt_moments_t *naive_moments(const fixture_t *f, const int *in)
{
    return naive_moments_w(f, in, NULL);
}

static void near(double got, double want, double scale, const char *what)
{
    ck_assert_msg(fabs(got - want) <= 1e-9 * (fabs(want) + scale), "%s: %.17g vs %.17g", what,
                  got, want);
}

/* got and want within 1e-9 relative to their size; the ranges exactly equal. */
static void moments_near(const pt_moments_t *got, const pt_moments_t *want)
{
    double ys = sqrt(want->syy * want->n) + fabs(want->ymean);
    ck_assert_uint_eq(got->p, want->p);
    ck_assert_double_eq(got->n, want->n);
    near(got->ymean, want->ymean, 1, "ymean");
    near(got->syy, want->syy, 1, "syy");
    for (size_t j = 0; j < P; j++) {
        near(got->mean[j], want->mean[j], 1, "mean");
        ck_assert(got->min[j] == want->min[j] && got->max[j] == want->max[j]);
        near(got->sxy[j], want->sxy[j], ys, "sxy");
        for (size_t k = 0; k < P; k++)
            near(got->S[j * P + k], want->S[j * P + k],
                 sqrt(want->S[j * P + j] * want->S[k * P + k]), "S");
    }
}

static void moments_same(const pt_moments_t *a, const pt_moments_t *b)
{
    ck_assert_double_eq(a->n, b->n);
    ck_assert_mem_eq(&a->ymean, &b->ymean, sizeof a->ymean);
    ck_assert_mem_eq(&a->syy, &b->syy, sizeof a->syy);
    ck_assert_mem_eq(a->mean, b->mean, P * sizeof(double));
    ck_assert_mem_eq(a->sxy, b->sxy, P * sizeof(double));
    ck_assert_mem_eq(a->S, b->S, P * P * sizeof(double));
    ck_assert_mem_eq(a->min, b->min, P * sizeof(double));
    ck_assert_mem_eq(a->max, b->max, P * sizeof(double));
}

static pt_trainset_cache_t *cache(const fixture_t *f, pt_stats_t *stats, int keep)
{
    char err[PT_ERRLEN];
    pt_trainset_opts_t o = {.keep = keep, .nclasses = 0, .ev = PT_EVAL_REGRESSION, .metric = PT_METRIC_RMSE};
    pt_trainset_cache_t *c = pt_trainset_cache_new(f->img, stats, &o, err);
    ck_assert_msg(c != NULL, "%s", err);
    return c;
}

/* k-fold: fold f trains on every block but f, in block order, and validates on f; its
 * moments are those of those rows. */
START_TEST(kfold_trains_on_every_block_but_the_fold)
{
    fixture_t f;
    char err[PT_ERRLEN];
    pt_trainset_cache_t *c;

    fixture_init(&f, PT_IMAGE_CV);
    c = cache(&f, NULL, _i);
    for (int fold = 0; fold < B; fold++) {
        pt_trainset_t ts;
        int in[B];
        size_t i = 0;
        pt_moments_t *want;
        ck_assert_int_eq(pt_trainset_fold(c, fold, &ts, err), 0);
        ck_assert_int_eq(ts.validates, 1);
        ck_assert_uint_eq(ts.vblock, (size_t)fold);
        ck_assert_uint_eq(ts.nblocks, B - 1);
        for (size_t b = 0; b < B; b++) {
            const double *x, *y;
            size_t n;
            in[b] = b != (size_t)fold;
            if (!in[b])
                continue;
            x = pt_image_block(f.img, b, &y, &n);
            ck_assert_ptr_eq(ts.blocks[i].x, x);
            ck_assert_ptr_eq(ts.blocks[i].y, y);
            ck_assert_uint_eq(ts.blocks[i].n, n);
            i++;
        }
        want = naive_moments(&f, in);
        moments_near(ts.moments, want);
        pt_moments_destroy(&want);
        pt_trainset_clear(&ts);
        ck_assert_ptr_null(ts.moments);
        ck_assert_ptr_null(ts.blocks);
    }
    ck_assert_int_eq(pt_trainset_fold(c, B, &(pt_trainset_t){0}, err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "fold 4 does not exist"));
    ck_assert_int_eq(pt_trainset_fold(c, -1, &(pt_trainset_t){0}, err), -EINVAL);
    pt_trainset_cache_destroy(&c);
    ck_assert_ptr_null(c);
    fixture_free(&f);
}
END_TEST

/* TVS: fold 0 trains on block 0 and validates on block 1; there is no other fold. */
START_TEST(tvs_trains_on_block_0)
{
    fixture_t f;
    char err[PT_ERRLEN];
    pt_trainset_cache_t *c;
    pt_trainset_t ts;
    int in[2] = {1, 0};
    pt_moments_t *want;
    const double *x, *y;
    size_t n;

    fixture_init(&f, PT_IMAGE_TVS);
    c = cache(&f, NULL, 1);
    ck_assert_int_eq(pt_trainset_fold(c, 0, &ts, err), 0);
    ck_assert_int_eq(ts.validates, 1);
    ck_assert_uint_eq(ts.vblock, 1);
    ck_assert_uint_eq(ts.nblocks, 1);
    x = pt_image_block(f.img, 0, &y, &n);
    ck_assert_ptr_eq(ts.blocks[0].x, x);
    ck_assert_uint_eq(ts.blocks[0].n, n);
    want = naive_moments(&f, in);
    moments_near(ts.moments, want);
    pt_moments_destroy(&want);
    pt_trainset_clear(&ts);
    ck_assert_int_eq(pt_trainset_fold(c, 1, &ts, err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "fold 1 does not exist"));
    ck_assert_ptr_null(ts.moments);
    pt_trainset_cache_destroy(&c);
    fixture_free(&f);
}
END_TEST

/* The refit's moments are those of all rows, equal to the merge of the blocks' moments, and
 * the same bytes whatever the thread count (and CPU list). */
START_TEST(refit_moments_whatever_the_threads)
{
    fixture_t f;
    char err[PT_ERRLEN];
    pt_trainset_cache_t *c;
    pt_trainset_t first = {0};
    int in[B] = {1, 1, 1, 1};
    int32_t cpu0 = 0;
    size_t threads[] = {1, 2, 3, 5, 8, 64, 1000};
    pt_moments_t *want, *sum = pt_moments_new(P), *bm = pt_moments_new(P);

    fixture_init(&f, PT_IMAGE_CV);
    c = cache(&f, NULL, _i);
    ck_assert_int_eq(pt_trainset_all(c, 1, NULL, 0, &first, err), 0);
    ck_assert_int_eq(first.validates, 0);
    ck_assert_uint_eq(first.nblocks, B);
    want = naive_moments(&f, in);
    moments_near(first.moments, want);
    for (size_t b = 0; b < B; b++) {
        const double *x, *y;
        size_t n;
        x = pt_image_block(f.img, b, &y, &n);
        ck_assert_int_eq(pt_moments_from_rows(bm, x, y, n), 0);
        pt_moments_merge(sum, bm);
    }
    moments_near(first.moments, sum);
    for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
        pt_trainset_t ts;
        ck_assert_int_eq(pt_trainset_all(c, threads[i], i % 2 ? &cpu0 : NULL, i % 2, &ts, err), 0);
        moments_same(ts.moments, first.moments);
        pt_trainset_clear(&ts);
    }
    pt_trainset_clear(&first);
    pt_moments_destroy(&want);
    pt_moments_destroy(&sum);
    pt_moments_destroy(&bm);
    pt_trainset_cache_destroy(&c);
    fixture_free(&f);
}
END_TEST

/* Kept moments, published ones and none at all give the same training sets. */
START_TEST(cache_and_no_cache_agree)
{
    fixture_t f;
    char err[PT_ERRLEN];
    int sfd = -1;
    pt_stats_t *stats;
    pt_trainset_cache_t *none, *kept, *shared;

    fixture_init(&f, PT_IMAGE_CV);
    ck_assert_int_eq(pt_stats_create(B, P, &sfd, err), 0);
    stats = pt_stats_map(sfd, err);
    ck_assert_ptr_nonnull(stats);
    none = cache(&f, NULL, 0);
    kept = cache(&f, NULL, 1);
    shared = cache(&f, stats, 1);
    for (int b = 0; b < B; b++)
        ck_assert_int_eq(pt_trainset_publish(shared, b, err), 0);
    for (int round = 0; round < 2; round++) { /* the second round reads the kept moments */
        for (int fold = 0; fold < B; fold++) {
            pt_trainset_t a, k, s;
            ck_assert_int_eq(pt_trainset_fold(none, fold, &a, err), 0);
            ck_assert_int_eq(pt_trainset_fold(kept, fold, &k, err), 0);
            ck_assert_int_eq(pt_trainset_fold(shared, fold, &s, err), 0);
            moments_same(a.moments, k.moments);
            moments_same(a.moments, s.moments);
            ck_assert_ptr_null(a.pca); /* nothing kept with keep == 0 */
            ck_assert_ptr_nonnull(k.pca);
            pt_trainset_clear(&a);
            pt_trainset_clear(&k);
            pt_trainset_clear(&s);
        }
    }
    {
        /* the refit: pieces (none) or whole published blocks (shared), to 1e-9 */
        pt_trainset_t a, s;
        ck_assert_int_eq(pt_trainset_all(none, 2, NULL, 0, &a, err), 0);
        ck_assert_int_eq(pt_trainset_all(shared, 2, NULL, 0, &s, err), 0);
        moments_near(s.moments, a.moments);
        pt_trainset_clear(&a);
        pt_trainset_clear(&s);
    }
    pt_trainset_cache_destroy(&none);
    pt_trainset_cache_destroy(&kept);
    pt_trainset_cache_destroy(&shared);
    pt_stats_unmap(&stats);
    close(sfd);
    fixture_free(&f);
}
END_TEST

/* A stats job publishes the block's moments; it needs a segment and an existing block; a
 * segment of another shape is refused. */
START_TEST(publish_and_refusals)
{
    fixture_t f;
    char err[PT_ERRLEN];
    int sfd = -1, sfd2 = -1;
    pt_stats_t *stats, *other;
    pt_trainset_cache_t *c;
    pt_trainset_opts_t o = {.keep = 1, .nclasses = 0, .ev = PT_EVAL_REGRESSION, .metric = PT_METRIC_RMSE};
    pt_moments_t view;

    fixture_init(&f, PT_IMAGE_CV);
    c = cache(&f, NULL, 1);
    ck_assert_int_eq(pt_trainset_publish(c, 0, err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "without a shared moments segment"));
    pt_trainset_cache_destroy(&c);

    ck_assert_int_eq(pt_stats_create(B, P, &sfd, err), 0);
    stats = pt_stats_map(sfd, err);
    c = cache(&f, stats, 1);
    ck_assert_int_eq(pt_trainset_publish(c, B, err), -EINVAL);
    ck_assert_int_eq(pt_trainset_publish(c, -1, err), -EINVAL);
    ck_assert_int_eq(pt_stats_view(stats, 2, &view), 0);
    ck_assert_int_eq(pt_trainset_publish(c, 2, err), 0);
    ck_assert_int_eq(pt_stats_view(stats, 2, &view), 1);
    {
        int in[B] = {0, 0, 1, 0};
        pt_moments_t *want = naive_moments(&f, in);
        moments_near(&view, want);
        pt_moments_destroy(&want);
    }
    pt_trainset_cache_destroy(&c);

    ck_assert_int_eq(pt_stats_create(B + 1, P, &sfd2, err), 0);
    other = pt_stats_map(sfd2, err);
    ck_assert_ptr_null(pt_trainset_cache_new(f.img, other, &o, err));
    ck_assert_ptr_nonnull(strstr(err, "does not match the image"));
    pt_stats_unmap(&other);
    pt_stats_unmap(&stats);
    close(sfd);
    close(sfd2);
    fixture_free(&f);
}
END_TEST

static void setp(pt_paramlist_t *l, const char *k, pt_vtype_t t, double v)
{
    pt_value_t val = {t, v, NULL};
    ck_assert_int_eq(pt_paramlist_set(l, k, &val), 0);
}

/* Every linearRegression param, Spark's defaults but regParam. */
static void linreg_params(pt_paramlist_t *l, double reg)
{
    setp(l, "linearRegression.regParam", PT_VAL_DOUBLE, reg);
    setp(l, "linearRegression.elasticNetParam", PT_VAL_DOUBLE, 0);
    setp(l, "linearRegression.maxIter", PT_VAL_INT, 100);
    setp(l, "linearRegression.tol", PT_VAL_DOUBLE, 1e-6);
    setp(l, "linearRegression.fitIntercept", PT_VAL_BOOL, 1);
    setp(l, "linearRegression.standardization", PT_VAL_BOOL, 1);
}

/* pca,linearRegression on fold 1: each training set keeps its own PCA decomposition; the
 * rmse on the validation block is the same from the moments (keep) as from the rows (no
 * keep), and equals the rmse of the model's predictions computed here. */
START_TEST(fit_and_score)
{
    fixture_t f;
    char err[PT_ERRLEN];
    char *stages[] = {"pca", "linearRegression"};
    pt_paramlist_t params = {0, NULL};
    pt_trainset_cache_t *kept, *none;
    pt_trainset_t k, k2, a, all;
    pt_fitted_t *fk, *fa;
    const double *coef, *x, *y;
    double icpt, mk, ma, sse = 0;
    size_t n;

    fixture_init(&f, PT_IMAGE_CV);
    setp(&params, "pca.k", PT_VAL_INT, 3);
    linreg_params(&params, 0.01);
    kept = cache(&f, NULL, 1);
    none = cache(&f, NULL, 0);
    ck_assert_int_eq(pt_trainset_fold(kept, 0, &k2, err), 0); /* keeps block 1's moments */
    ck_assert_int_eq(pt_trainset_fold(kept, 1, &k, err), 0);
    ck_assert_int_eq(pt_trainset_all(kept, 1, NULL, 0, &all, err), 0);
    ck_assert_ptr_nonnull(k.pca);
    ck_assert_ptr_ne(k.pca, k2.pca);
    ck_assert_ptr_ne(k.pca, all.pca);
    ck_assert_int_eq(pt_trainset_fold(none, 1, &a, err), 0);
    fk = pt_trainset_fit(kept, &k, stages, 2, &params, err);
    ck_assert_msg(fk != NULL, "%s", err);
    fa = pt_trainset_fit(none, &a, stages, 2, &params, err);
    ck_assert_msg(fa != NULL, "%s", err);
    ck_assert_int_eq(pt_trainset_score(kept, &k, fk, &mk, err), 0);
    ck_assert_int_eq(pt_trainset_score(none, &a, fa, &ma, err), 0);
    ck_assert_int_eq(pt_fitted_linear(fa, &coef, &icpt), 0);
    x = pt_image_block(f.img, 1, &y, &n);
    for (size_t r = 0; r < n; r++) {
        double pred = icpt;
        for (size_t j = 0; j < P; j++)
            pred += coef[j] * x[r * P + j];
        sse += (pred - y[r]) * (pred - y[r]);
    }
    near(ma, sqrt(sse / (double)n), 0, "rmse from the rows");
    near(mk, ma, 0, "rmse from the moments");
    pt_fitted_destroy(&fk);
    pt_fitted_destroy(&fa);
    pt_trainset_clear(&k);
    pt_trainset_clear(&k2);
    pt_trainset_clear(&a);
    pt_trainset_clear(&all);
    pt_trainset_cache_destroy(&kept);
    pt_trainset_cache_destroy(&none);
    pt_paramlist_free(&params);
    fixture_free(&f);
}
END_TEST

/* A classification evaluator refuses a regressor. */
START_TEST(classifier_evaluator_needs_a_classifier)
{
    fixture_t f;
    char err[PT_ERRLEN];
    char *stages[] = {"linearRegression"};
    pt_paramlist_t params = {0, NULL};
    pt_trainset_opts_t o = {.keep = 1, .nclasses = 2, .ev = PT_EVAL_BINARY, .metric = PT_METRIC_AUC_ROC};
    pt_trainset_cache_t *c;
    pt_trainset_t ts;
    pt_fitted_t *fit;
    double m;

    fixture_init(&f, PT_IMAGE_CV);
    linreg_params(&params, 0);
    c = pt_trainset_cache_new(f.img, NULL, &o, err);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(pt_trainset_fold(c, 0, &ts, err), 0);
    fit = pt_trainset_fit(c, &ts, stages, 1, &params, err);
    ck_assert_msg(fit != NULL, "%s", err);
    ck_assert_int_eq(pt_trainset_score(c, &ts, fit, &m, err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "evaluator needs a classifier"));
    pt_fitted_destroy(&fit);
    pt_trainset_clear(&ts);
    pt_trainset_cache_destroy(&c);
    pt_paramlist_free(&params);
    fixture_free(&f);
}
END_TEST

/* A job's kind, param map and fold must go together. */
START_TEST(job_kinds_and_folds)
{
    static const struct {
        int kind, map, fold, ok;
    } cases[] = {
        {PT_JOB_STATS, -1, 0, 1}, {PT_JOB_STATS, -1, 3, 1}, {PT_JOB_STATS, 2, 0, 0},
        {PT_JOB_FIT, 0, 0, 1},    {PT_JOB_FIT, 5, 2, 1},    {PT_JOB_FIT, 0, -1, 0},
        {PT_JOB_FIT, -1, 0, 0},   {PT_JOB_REFIT, 3, -1, 1}, {PT_JOB_REFIT, 3, 0, 0},
        {PT_JOB_REFIT, -1, -1, 0}, {0, 0, 0, 0},           {PT_JOB_KIND_MAX + 1, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pt_msg_t job = {0};
        char err[PT_ERRLEN] = "";
        job.type = PT_MSG_JOB;
        job.kind = (pt_job_kind_t)cases[i].kind;
        job.param_index = cases[i].map;
        job.fold = cases[i].fold;
        ck_assert_int_eq(pt_trainset_check_job(&job, err), cases[i].ok ? 0 : -EINVAL);
        ck_assert_msg(cases[i].ok == (err[0] == '\0'), "case %zu: '%s'", i, err);
    }
    {
        pt_msg_t job = {.type = PT_MSG_JOB, .kind = PT_JOB_FIT, .param_index = 1, .fold = -1};
        char err[PT_ERRLEN];
        ck_assert_int_eq(pt_trainset_check_job(&job, err), -EINVAL);
        ck_assert_str_eq(err, "a fit job cannot have param map 1 and fold -1");
    }
}
END_TEST

/* An image with weights: each set has its unweighted moments (for the transformers) and its
 * weighted ones (for the predictor), from the rows, kept or the shared segment (two slots per
 * block: a segment of one per block is refused) alike; the blocks carry the weights. An image
 * without weights has no weighted moments. */
START_TEST(weighted_sets)
{
    fixture_t f, u;
    char err[PT_ERRLEN];
    int sfd = -1, sfd1 = -1, all[B] = {1, 1, 1, 1};
    pt_stats_t *stats, *one;
    pt_trainset_cache_t *c[3];
    pt_trainset_opts_t o = {.keep = 1, .nclasses = 0, .ev = PT_EVAL_REGRESSION, .metric = PT_METRIC_RMSE};
    pt_trainset_t ts[3];
    pt_moments_t *want;

    fixture_setup(&f, PT_IMAGE_CV, 1);
    ck_assert_int_eq(pt_stats_create(B, P, &sfd1, err), 0);
    ck_assert_ptr_nonnull(one = pt_stats_map(sfd1, err));
    ck_assert_ptr_null(pt_trainset_cache_new(f.img, one, &o, err));
    ck_assert_int_eq(pt_stats_create(2 * B, P, &sfd, err), 0);
    ck_assert_ptr_nonnull(stats = pt_stats_map(sfd, err));
    c[0] = cache(&f, NULL, 0);
    c[1] = cache(&f, NULL, 1);
    c[2] = cache(&f, stats, 1);
    for (int b = 0; b < B; b++)
        ck_assert_int_eq(pt_trainset_publish(c[2], b, err), 0);
    for (int fold = 0; fold <= B; fold++) { /* fold B: the refit */
        int in[B];
        for (int k = 0; k < 3; k++)
            ck_assert_int_eq(fold < B ? pt_trainset_fold(c[k], fold, &ts[k], err)
                                      : pt_trainset_all(c[k], 2, NULL, 0, &ts[k], err), 0);
        for (size_t b = 0; b < B; b++)
            in[b] = b != (size_t)fold;
        want = naive_moments_w(&f, in, f.ds.w);
        moments_near(ts[0].wmoments, want);
        pt_moments_destroy(&want);
        want = naive_moments(&f, in);
        moments_near(ts[0].moments, want);
        pt_moments_destroy(&want);
        for (int k = 1; k < 3; k++) { /* the refit: pieces or whole blocks, to 1e-9 */
            (fold < B ? moments_same : moments_near)(ts[k].moments, ts[0].moments);
            (fold < B ? moments_same : moments_near)(ts[k].wmoments, ts[0].wmoments);
        }
        for (size_t i = 0, b = 0; b < B; b++)
            if (in[b])
                ck_assert_ptr_eq(ts[0].blocks[i++].w, pt_image_block_w(f.img, b));
        for (int k = 0; k < 3; k++)
            pt_trainset_clear(&ts[k]);
    }
    for (int k = 0; k < 3; k++)
        pt_trainset_cache_destroy(&c[k]);
    pt_stats_unmap(&stats);
    pt_stats_unmap(&one);
    close(sfd);
    close(sfd1);
    fixture_free(&f);

    fixture_init(&u, PT_IMAGE_CV);
    c[0] = cache(&u, NULL, 1);
    ck_assert_int_eq(pt_trainset_all(c[0], 1, NULL, 0, &ts[0], err), 0);
    ck_assert_ptr_null(ts[0].wmoments);
    ck_assert_ptr_null(ts[0].blocks[0].w);
    want = naive_moments(&u, all);
    moments_near(ts[0].moments, want);
    pt_moments_destroy(&want);
    pt_trainset_clear(&ts[0]);
    pt_trainset_cache_destroy(&c[0]);
    fixture_free(&u);
}
END_TEST

/* Stats jobs over row ranges (a cut segment): each block's pieces, published in any order by
 * separate jobs, merge into the block's slot; every fold's moments equal a plain pass over
 * its rows (to 1e-9), and the same bits whatever order the pieces came in (_i: weighted). */
START_TEST(row_range_stats_merge)
{
    fixture_t f;
    char err[PT_ERRLEN];
    const size_t count[B] = {3, 1, 2, 5}; /* 11 jobs; block 1 not cut */
    int sfd[2] = {-1, -1}, weighted = _i;
    size_t kinds = weighted ? 2 : 1;
    pt_stats_t *st[2];
    pt_trainset_cache_t *c[2], *none;

    fixture_setup(&f, PT_IMAGE_CV, weighted);
    none = cache(&f, NULL, 0);
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(pt_stats_create_cut(B * kinds, P, B, count, &sfd[k], err), 0);
        ck_assert_ptr_nonnull(st[k] = pt_stats_map(sfd[k], err));
        ck_assert_uint_eq(pt_stats_njobs(st[k]), 11);
        c[k] = cache(&f, st[k], 1);
    }
    {
        size_t b, piece, K;
        ck_assert_int_eq(pt_stats_job(st[0], 4, &b, &piece, &K), 0);
        ck_assert(b == 2 && piece == 0 && K == 2);
        ck_assert_int_eq(pt_stats_job(st[0], 10, &b, &piece, &K), 0);
        ck_assert(b == 3 && piece == 4 && K == 5);
        ck_assert_int_eq(pt_stats_job(st[0], 11, &b, &piece, &K), -EINVAL);
        ck_assert_int_eq(pt_trainset_publish(c[0], 11, err), -EINVAL);
    }
    for (int j = 0; j < 11; j++) { /* in job order into one, backwards into the other */
        pt_moments_t v;
        ck_assert_int_eq(pt_trainset_publish(c[0], j, err), 0);
        ck_assert_int_eq(pt_trainset_publish(c[1], 10 - j, err), 0);
        if (j == 1) /* block 0's third piece is not in yet (block 3's all are, in c[1]) */
            ck_assert_int_eq(pt_stats_view(st[0], 0, &v), 0);
    }
    for (int fold = 0; fold <= B; fold++) {
        pt_trainset_t a, t0, t1;
        ck_assert_int_eq(fold < B ? pt_trainset_fold(none, fold, &a, err)
                                  : pt_trainset_all(none, 2, NULL, 0, &a, err), 0);
        ck_assert_int_eq(fold < B ? pt_trainset_fold(c[0], fold, &t0, err)
                                  : pt_trainset_all(c[0], 1, NULL, 0, &t0, err), 0);
        ck_assert_int_eq(fold < B ? pt_trainset_fold(c[1], fold, &t1, err)
                                  : pt_trainset_all(c[1], 1, NULL, 0, &t1, err), 0);
        moments_near(t0.moments, a.moments);
        moments_same(t0.moments, t1.moments);
        if (weighted) {
            moments_near(t0.wmoments, a.wmoments);
            moments_same(t0.wmoments, t1.wmoments);
        }
        pt_trainset_clear(&a);
        pt_trainset_clear(&t0);
        pt_trainset_clear(&t1);
    }
    for (int k = 0; k < 2; k++) {
        pt_trainset_cache_destroy(&c[k]);
        pt_stats_unmap(&st[k]);
        close(sfd[k]);
    }
    pt_trainset_cache_destroy(&none);
    fixture_free(&f);
}
END_TEST

Suite *suite_trainset(void)
{
    Suite *s = suite_create("trainset");
    TCase *tc = tcase_create("trainset");
    tcase_set_timeout(tc, 20);
    /* _i: 0 without kept moments (--no-cache), 1 with */
    tcase_add_loop_test(tc, kfold_trains_on_every_block_but_the_fold, 0, 2);
    tcase_add_test(tc, tvs_trains_on_block_0);
    tcase_add_loop_test(tc, refit_moments_whatever_the_threads, 0, 2);
    tcase_add_test(tc, cache_and_no_cache_agree);
    tcase_add_test(tc, publish_and_refusals);
    tcase_add_test(tc, fit_and_score);
    tcase_add_test(tc, classifier_evaluator_needs_a_classifier);
    tcase_add_test(tc, job_kinds_and_folds);
    tcase_add_test(tc, weighted_sets);
    tcase_add_loop_test(tc, row_range_stats_merge, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}
