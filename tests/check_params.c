/* check_params.c - unit tests of pt_params: registry, pipeline, grid order and refusals. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_params.h"

static double get(const pt_paramlist_t *l, const char *k)
{
    const pt_value_t *v = pt_paramlist_get(l, k);
    ck_assert_ptr_nonnull(v);
    return v->num;
}

START_TEST(grid_last_axis_fastest)
{
    char err[PT_ERRLEN];
    pt_spec_t *s = pt_spec_new("pca,linearRegression", err);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(pt_spec_add_axis(s, "pca.k=1,2,3", err), 0);
    ck_assert_int_eq(pt_spec_add_axis(s, "linearRegression.regParam=0.5,0.25", err), 0);
    ck_assert_int_eq(pt_spec_set(s, "linearRegression.fitIntercept=false", err), 0);
    ck_assert_int_eq(pt_spec_check(s, 5, err), 0);
    ck_assert_uint_eq(pt_spec_nmaps(s), 6);
    for (size_t i = 0; i < 6; i++) {
        pt_paramlist_t m = {0, NULL}, f = {0, NULL};
        ck_assert_int_eq(pt_spec_map(s, i, &m), 0);
        ck_assert_uint_eq(m.n, 3);
        ck_assert_str_eq(m.items[0].key, "pca.k");
        ck_assert_double_eq(get(&m, "pca.k"), (double)(i / 2 + 1));
        ck_assert_double_eq(get(&m, "linearRegression.regParam"), i % 2 ? 0.25 : 0.5);
        ck_assert_int_eq(pt_paramlist_get(&m, "pca.k")->type, PT_VAL_INT);
        ck_assert_int_eq(pt_spec_full(s, i, &f), 0);
        ck_assert_double_eq(get(&f, "linearRegression.maxIter"), 100);
        ck_assert_double_eq(get(&f, "linearRegression.tol"), 1e-6);
        ck_assert_double_eq(get(&f, "linearRegression.elasticNetParam"), 0);
        ck_assert_double_eq(get(&f, "linearRegression.standardization"), 1);
        ck_assert_double_eq(get(&f, "linearRegression.fitIntercept"), 0);
        ck_assert_int_eq(pt_paramlist_get(&f, "linearRegression.fitIntercept")->type,
                         PT_VAL_BOOL);
        pt_paramlist_free(&m);
        pt_paramlist_free(&f);
    }
    pt_spec_destroy(&s);
    ck_assert_ptr_null(s);
}
END_TEST

static void refused(const char *pipeline, const char *grid, const char *set, size_t features,
                    const char *want)
{
    char err[PT_ERRLEN] = "";
    pt_spec_t *s = pt_spec_new(pipeline, err);
    int bad = s == NULL;
    if (!bad && grid != NULL) {
        char *copy = strdup(grid), *tok, *save = NULL;
        for (tok = strtok_r(copy, ";", &save); tok && !bad; tok = strtok_r(NULL, ";", &save))
            bad = pt_spec_add_axis(s, tok, err) != 0;
        free(copy);
    }
    if (!bad && set != NULL)
        bad = pt_spec_set(s, set, err) != 0;
    if (!bad)
        bad = pt_spec_check(s, features, err) != 0;
    ck_assert_msg(bad, "accepted: %s / %s / %s", pipeline, grid, set);
    ck_assert_msg(strstr(err, want) != NULL, "message \"%s\" lacks \"%s\"", err, want);
    pt_spec_destroy(&s);
}

START_TEST(bad_specs_refused)
{
    refused("pca,foo", NULL, NULL, 5, "unknown stage \"foo\"");
    refused("linearRegression,pca", NULL, NULL, 5, "must end with exactly one predictor");
    refused("pca", NULL, NULL, 5, "must end with exactly one predictor");
    refused("pca,pca,linearRegression", NULL, NULL, 5, "appears twice");
    refused("", NULL, NULL, 5, "empty pipeline");
    refused("pca,linearRegression", "pca.k=1,2;pca.k=3", NULL, 5, "names it twice");
    refused("pca,linearRegression", "pca.k=1", "pca.k=2", 5, "already a grid axis");
    refused("pca,linearRegression", "pca.q=1", NULL, 5, "unknown param \"q\" of pca");
    refused("pca,linearRegression", "lasso.k=1", NULL, 5, "not in the pipeline");
    refused("pca,linearRegression", "pca.k=1.5", NULL, 5, "expected an integer");
    refused("pca,linearRegression", "pca.k=0", NULL, 5, "must be in [1");
    refused("pca,linearRegression", "pca.k=2,6", NULL, 5, "pca.k must be <= 5");
    refused("pca,linearRegression", "linearRegression.regParam=-0.1", NULL, 5, "must be >= 0");
    refused("pca,linearRegression", "linearRegression.regParam=abc", NULL, 5, "not a number");
    refused("pca,linearRegression", "linearRegression.regParam=1,1", NULL, 5, "appears twice");
    refused("pca,linearRegression", "linearRegression.elasticNetParam=1.5", NULL, 5, "[0, 1]");
    refused("pca,linearRegression", "pca.k", NULL, 5, "expected stage.param=value");
    refused("pca,linearRegression", "pca.k=", NULL, 5, "no value");
    refused("pca,linearRegression", NULL, "linearRegression.fitIntercept=yes", 5,
            "expected true or false");
    refused("pca,linearRegression", NULL, "pca.k=1,2", 5, "one value");
    refused("pca,linearRegression", NULL, NULL, 5, "pca.k has no default");
}
END_TEST

START_TEST(no_axis_is_one_map)
{
    char err[PT_ERRLEN];
    pt_spec_t *s = pt_spec_new("linearRegression", err);
    pt_paramlist_t m = {0, NULL};
    ck_assert_uint_eq(pt_spec_nmaps(s), 1);
    ck_assert_int_eq(pt_spec_map(s, 0, &m), 0);
    ck_assert_uint_eq(m.n, 0);
    pt_paramlist_free(&m);
    pt_spec_destroy(&s);
}
END_TEST

Suite *suite_params(void)
{
    Suite *s = suite_create("params");
    TCase *tc = tcase_create("params");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, grid_last_axis_fastest);
    tcase_add_test(tc, bad_specs_refused);
    tcase_add_test(tc, no_axis_is_one_map);
    suite_add_tcase(s, tc);
    return s;
}
