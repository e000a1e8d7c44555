/* check_resume.c - unit tests of pt_resume: which log headers a sweep may resume, the run. */
#include <check.h>
#include <string.h>

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

Suite *suite_resume(void)
{
    Suite *s = suite_create("resume");
    TCase *tc = tcase_create("resume");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, same_sweep);
    tcase_add_test(tc, what_differs);
    tcase_add_test(tc, run_numbers);
    suite_add_tcase(s, tc);
    return s;
}
