/* check_resume.c - unit tests of pt_resume: which log headers a sweep may resume, the run. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pt_common.h"
#include "pt_params.h"
#include "pt_resume.h"

static char *stages[2] = {"pca", "linearRegression"};
static char *other_stages[2] = {"standardScaler", "linearRegression"};

/* A header of a cv sweep with two param maps k=5 and k=10 (maps: 2 lists, filled here). */
static void header(pt_log_header_t *h, pt_paramlist_t *maps)
{
    pt_value_t v = {PT_VAL_INT, 5, NULL};
    memset(h, 0, sizeof *h);
    memset(maps, 0, 2 * sizeof *maps);
    h->rows = 100;
    h->features = 4;
    h->fingerprint = 0x1234;
    h->stages = stages;
    h->nstages = 2;
    h->validator = PT_VALIDATOR_CV;
    h->num_folds = 3;
    h->seed = 7;
    h->evaluator = "regression";
    h->metric = "rmse";
    h->num_bins = -1;
    h->parallelism = 2;
    ck_assert_int_eq(pt_paramlist_set(&maps[0], "pca.k", &v), 0);
    v.num = 10;
    ck_assert_int_eq(pt_paramlist_set(&maps[1], "pca.k", &v), 0);
    h->param_maps = maps;
    h->nmaps = 2;
}

START_TEST(same_sweep)
{
    pt_log_header_t a, b;
    pt_paramlist_t ma[2], mb[2];
    char why[256] = "";
    header(&a, ma);
    header(&b, mb);
    b.parallelism = 8; /* how it runs may change */
    b.data_path = "elsewhere.csv";
    ck_assert_int_eq(pt_resume_mismatch(&a, &b, why, sizeof why), 0);
    for (int i = 0; i < 2; i++) {
        pt_paramlist_free(&ma[i]);
        pt_paramlist_free(&mb[i]);
    }
}
END_TEST

START_TEST(what_differs)
{
    pt_log_header_t a, b;
    pt_paramlist_t ma[2], mb[2];
    pt_value_t v = {PT_VAL_INT, 20, NULL};
    char why[256];
    header(&a, ma);

    header(&b, mb);
    b.fingerprint = 0x99;
    ck_assert_int_eq(pt_resume_mismatch(&a, &b, why, sizeof why), 1);
    ck_assert_str_eq(why, "different data (fingerprint 0000000000001234, 100 x 4; now "
                          "0000000000000099, 100 x 4)");
    b.weight_col = "w"; /* named before the fingerprint, which the weights change too */
    ck_assert_int_eq(pt_resume_mismatch(&a, &b, why, sizeof why), 1);
    ck_assert_str_eq(why, "different data: weight column none; now \"w\"");
    a.weight_col = "v";
    ck_assert_int_eq(pt_resume_mismatch(&a, &b, why, sizeof why), 1);
    ck_assert_str_eq(why, "different data: weight column \"v\"; now \"w\"");
    a.weight_col = b.weight_col = NULL;
    b.fingerprint = a.fingerprint;
    b.stages = other_stages;
    ck_assert_int_eq(pt_resume_mismatch(&a, &b, why, sizeof why), 1);
    ck_assert_str_eq(why, "a different pipeline");
    b.stages = stages;
    b.fold_col = "f";
    ck_assert_int_eq(pt_resume_mismatch(&a, &b, why, sizeof why), 1);
    ck_assert_str_eq(why, "a different validator (cv, folds 3, trainRatio 0, seed 7)");
    b.fold_col = NULL;
    b.num_bins = 100;
    ck_assert_int_eq(pt_resume_mismatch(&a, &b, why, sizeof why), 1);
    ck_assert_str_eq(why, "a different evaluator (regression rmse)");
    b.num_bins = -1;
    b.nmaps = 1;
    ck_assert_int_eq(pt_resume_mismatch(&a, &b, why, sizeof why), 1);
    ck_assert_str_eq(why, "a different grid (2 param maps; now 1)");
    b.nmaps = 2;
    ck_assert_int_eq(pt_paramlist_set(&mb[1], "pca.k", &v), 0);
    ck_assert_int_eq(pt_resume_mismatch(&a, &b, why, sizeof why), 1);
    ck_assert_str_eq(why, "a different grid (param map 1 was pca.k=10; now pca.k=20)");
    for (int i = 0; i < 2; i++) {
        pt_paramlist_free(&ma[i]);
        pt_paramlist_free(&mb[i]);
    }
}
END_TEST

START_TEST(run_numbers)
{
    pt_log_result_t r[3];
    pt_logfile_t lf;
    memset(&lf, 0, sizeof lf);
    memset(r, 0, sizeof r);
    ck_assert_int_eq(pt_resume_run(&lf), 1);
    lf.results = r;
    lf.nresults = 1; /* a result from before runs were recorded */
    ck_assert_int_eq(pt_resume_run(&lf), 2);
    r[1].run = 1;
    r[2].run = 3;
    lf.nresults = 3;
    ck_assert_int_eq(pt_resume_run(&lf), 4);
}
END_TEST

/* The full param sets of the grid pca.k=K x linearRegression.regParam=R (nfull of them). */
static pt_paramlist_t *grid_full(const char *k, const char *reg, size_t *nfull)
{
    char err[PT_ERRLEN] = "";
    pt_spec_t *sp = pt_spec_new("pca,linearRegression", err);
    pt_paramlist_t *full;
    ck_assert_msg(sp != NULL, "%s", err);
    ck_assert_int_eq(pt_spec_add_axis(sp, k, err), 0);
    if (reg != NULL)
        ck_assert_int_eq(pt_spec_add_axis(sp, reg, err), 0);
    *nfull = pt_spec_nmaps(sp);
    full = calloc(*nfull, sizeof *full);
    ck_assert_ptr_nonnull(full);
    for (size_t i = 0; i < *nfull; i++)
        ck_assert_int_eq(pt_spec_full(sp, i, &full[i]), 0);
    pt_spec_destroy(&sp);
    return full;
}

static void full_free(pt_paramlist_t *full, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pt_paramlist_free(&full[i]);
    free(full);
}

/* --extend's matching: a logged map without regParam is the new map at regParam's default
 * (0), an int 0 equals a float 0, and a map that the new grid lacks is named. */
START_TEST(extend_matching)
{
    pt_log_header_t a;
    pt_paramlist_t ma[2];
    pt_value_t zero = {PT_VAL_INT, 0, NULL};
    size_t n;
    int32_t from[2] = {-1, -1};
    char why[256] = "";
    pt_paramlist_t *full = grid_full("pca.k=7,10,5", "linearRegression.regParam=0.5,0", &n);
    header(&a, ma); /* k=5, k=10 */
    ck_assert_uint_eq(n, 6);
    ck_assert_int_eq(pt_paramlist_set(&ma[1], "linearRegression.regParam", &zero), 0);
    ck_assert_int_eq(pt_resume_map_index(stages, 2, ma, 2, full, n, from, why, sizeof why), 0);
    for (int i = 0; i < 2; i++) {
        const pt_value_t *k = pt_paramlist_get(&full[from[i]], "pca.k");
        const pt_value_t *r = pt_paramlist_get(&full[from[i]], "linearRegression.regParam");
        ck_assert(k != NULL && r != NULL);
        ck_assert(k->num == (i == 0 ? 5 : 10) && r->num == 0);
    }
    /* another pipeline's stages: nothing matches */
    ck_assert_int_eq(pt_resume_map_index(other_stages, 2, ma, 2, full, n, from, why,
                                         sizeof why), 1);
    full_free(full, n);
    full = grid_full("pca.k=7,10", NULL, &n);
    ck_assert_int_eq(pt_resume_map_index(stages, 2, ma, 2, full, n, from, why, sizeof why), 1);
    ck_assert_msg(strstr(why, "param map 0") != NULL && strstr(why, "not in the new grid"),
                  "%s", why);
    full_free(full, n);
    /* the grids may differ; the data may not */
    {
        pt_log_header_t b;
        pt_paramlist_t mb[2];
        header(&b, mb);
        b.nmaps = 1;
        ck_assert_int_eq(pt_resume_extend_mismatch(&a, &b, why, sizeof why), 0);
        ck_assert_int_eq(pt_resume_mismatch(&a, &b, why, sizeof why), 1);
        b.fingerprint++;
        ck_assert_int_eq(pt_resume_extend_mismatch(&a, &b, why, sizeof why), 1);
        ck_assert_msg(strncmp(why, "different data", 14) == 0, "%s", why);
        for (int i = 0; i < 2; i++)
            pt_paramlist_free(&mb[i]);
    }
    for (int i = 0; i < 2; i++)
        pt_paramlist_free(&ma[i]);
}
END_TEST

/* An "extend" record read back: the results before it renumbered, the list replaced, the
 * summary before it dropped; a bad one is refused before anything is written. */
START_TEST(extend_record)
{
    char dir[] = "/tmp/pt_check_resume_XXXXXX", path[64], err[PT_ERRLEN] = "";
    pt_log_header_t h;
    pt_paramlist_t m2[2], m3[3] = {{0, NULL}, {0, NULL}, {0, NULL}};
    pt_value_t v = {PT_VAL_INT, 7, NULL};
    double avg[3] = {1, 2, 3}, sd[3] = {0, 0, 0};
    pt_log_summary_t sum = {.nmaps = 2, .avg_metrics = avg, .std_metrics = sd, .best_index = 0,
                            .best_metric = 1};
    pt_log_result_t r = {.fold = 0, .metric = 1, .status = "ok", .attempt = 1, .run = 1};
    int32_t from[2] = {2, 0}, bad[2] = {0, 3};
    pt_logfile_t *lf;
    pt_log_t *lg;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/x.log", dir);
    header(&h, m2); /* k=5, k=10 */
    ck_assert_int_eq(pt_paramlist_copy(&m3[0], &m2[1]), 0);
    ck_assert_int_eq(pt_paramlist_set(&m3[1], "pca.k", &v), 0);
    ck_assert_int_eq(pt_paramlist_copy(&m3[2], &m2[0]), 0);
    lg = pt_log_create(path, &h, 0, err);
    ck_assert_msg(lg != NULL, "%s", err);
    for (int i = 0; i < 2; i++) {
        r.param_index = i;
        r.params = &m2[i];
        ck_assert_int_eq(pt_log_append_result(lg, &r, err), 0);
    }
    ck_assert_int_eq(pt_log_append_summary(lg, &sum, err), 0);
    ck_assert_int_eq(pt_log_append_extend(lg, m3, 3, bad, 2, err), -EINVAL);
    ck_assert_int_eq(pt_log_append_extend(lg, m3, 3, from, 2, err), 0);
    r.param_index = 1;
    r.params = &m3[1];
    r.run = 2;
    ck_assert_int_eq(pt_log_append_result(lg, &r, err), 0);
    pt_log_close(&lg);

    lf = pt_logfile_read(path, err);
    ck_assert_msg(lf != NULL, "%s", err);
    ck_assert_uint_eq(lf->header.nmaps, 3);
    ck_assert_uint_eq(lf->extends, 1);
    ck_assert_ptr_null(lf->summary); /* A's: the extended sweep has none yet */
    ck_assert_uint_eq(lf->nresults, 3);
    ck_assert_int_eq(lf->results[0].param_index, 2);
    ck_assert_int_eq(lf->results[1].param_index, 0);
    ck_assert_int_eq(lf->results[2].param_index, 1);
    ck_assert(pt_paramlist_equal(&lf->header.param_maps[1], &m3[1]));
    ck_assert_int_eq(pt_resume_run(lf), 3);
    /* a summary of the extended sweep follows: read, for 3 maps */
    lg = pt_log_open_append(path, lf, err);
    ck_assert_msg(lg != NULL, "%s", err);
    ck_assert_int_eq(pt_log_append_summary(lg, &sum, err), -EINVAL); /* 2 maps: the old list */
    sum.nmaps = 3;
    ck_assert_int_eq(pt_log_append_summary(lg, &sum, err), 0);
    pt_log_close(&lg);
    pt_logfile_destroy(&lf);
    lf = pt_logfile_read(path, err);
    ck_assert_msg(lf != NULL, "%s", err);
    ck_assert(lf->summary != NULL && lf->summary->nmaps == 3);
    pt_logfile_destroy(&lf);

    unlink(path);
    rmdir(dir);
    for (int i = 0; i < 3; i++)
        pt_paramlist_free(&m3[i]);
    for (int i = 0; i < 2; i++)
        pt_paramlist_free(&m2[i]);
}
END_TEST

Suite *suite_resume(void)
{
    Suite *s = suite_create("resume");
    TCase *tc = tcase_create("resume");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, same_sweep);
    tcase_add_test(tc, what_differs);
    tcase_add_test(tc, run_numbers);
    tcase_add_test(tc, extend_matching);
    tcase_add_test(tc, extend_record);
    suite_add_tcase(s, tc);
    return s;
}
