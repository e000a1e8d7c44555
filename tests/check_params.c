/* check_params.c - unit tests of pt_params: registry, pipeline, grid order and refusals. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "pt_common.h"
#include "pt_params.h"
#include "pt_pipeline.h"

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
    refused("pca,linearRegression", "linearRegression.regParam=0.5,2,1,0.50", NULL, 5,
            "value 0.50 appears twice");
    refused("pca,linearRegression", "linearRegression.fitIntercept=true,false,true", NULL, 5,
            "value true appears twice");
    {
        /* a long axis: the repeat named is the first value equal to an earlier one */
        size_t cap = 200000, used = 0;
        char *g = malloc(cap);
        ck_assert_ptr_nonnull(g);
        used += (size_t)snprintf(g, cap, "linearRegression.regParam=");
        for (int i = 0; i < 20000; i++)
            used += (size_t)snprintf(g + used, cap - used, "%s%d", i ? "," : "",
                                     i == 15000 ? 12500 : i == 12000 ? 19999 : i);
        refused("pca,linearRegression", g, NULL, 5, "value 12500 appears twice");
        free(g);
    }
}
END_TEST

/* What strtok_r, strtod and strtol would let through: empty items, hexadecimal, blanks,
 * inf / nan, trailing text. */
START_TEST(lenient_values_refused)
{
    const char *lr = "pca,linearRegression";
    char err[PT_ERRLEN] = "";
    pt_spec_t *s;

    static const char *const grids[][2] = {
        {"linearRegression.regParam=1,,2", "an empty value"},
        {"linearRegression.regParam=,1", "an empty value"},
        {"linearRegression.regParam=1,", "an empty value"},
        {"linearRegression.regParam=0x10", "not a number"},
        {"linearRegression.regParam= 1", "not a number"},
        {"linearRegression.regParam=1 ", "not a number"},
        {"linearRegression.regParam=inf", "not a number"},
        {"linearRegression.regParam=nan", "not a number"},
        {"linearRegression.regParam=1e-2x", "not a number"},
        {"linearRegression.maxIter=0x10", "not a number"},
        {"linearRegression.maxIter=-1", "must be"},
        {"linearRegression.maxIter=99999999999999999999", "expected an integer"},
    };
    for (size_t i = 0; i < sizeof grids / sizeof *grids; i++)
        refused(lr, grids[i][0], NULL, 5, grids[i][1]);
    refused(lr, NULL, "linearRegression.tol=+inf", 5, "not a number");
    refused("pca,,linearRegression", NULL, NULL, 5, "an empty stage name");
    refused("pca,linearRegression,", NULL, NULL, 5, "an empty stage name");

    s = pt_spec_new(lr, err);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(pt_spec_add_random(s, "linearRegression.regParam=choice:1,,2", err),
                     -EINVAL);
    ck_assert_msg(strstr(err, "an empty value") != NULL, "%s", err);
    ck_assert_int_eq(pt_spec_add_random(s, "linearRegression.regParam=uniform:0x1:2", err),
                     -EINVAL);
    ck_assert_msg(strstr(err, "not a number") != NULL, "%s", err);
    ck_assert_int_eq(pt_spec_add_random(s, "linearRegression.regParam=uniform:0:2", err), 0);
    pt_spec_destroy(&s);
}
END_TEST

/* A list of the one param key = v is refused with a message holding want. */
static void list_refused(char **stages, const char *key, const pt_value_t *v, const char *want)
{
    pt_paramlist_t l = {0, NULL};
    char err[PT_ERRLEN] = "";
    ck_assert_int_eq(pt_paramlist_set(&l, key, v), 0);
    ck_assert_int_eq(pt_param_check_list(stages, 2, &l, err), -EINVAL);
    ck_assert_msg(strstr(err, want) != NULL, "%s: \"%s\" lacks \"%s\"", key, err, want);
    pt_paramlist_free(&l);
}

/* A job's param list: every key is a param of a stage of the job's pipeline, of its kind and
 * in its range; anything else is refused, never ignored. */
START_TEST(job_param_lists_checked)
{
    char *stages[] = {"pca", "linearRegression"};
    pt_paramlist_t l = {0, NULL};
    pt_value_t k = {PT_VAL_INT, 3, NULL}, reg = {PT_VAL_DOUBLE, 0.5, NULL};
    pt_value_t yes = {PT_VAL_BOOL, 1, NULL}, str = {PT_VAL_STRING, 0, "x"};
    pt_value_t neg = {PT_VAL_DOUBLE, -1, NULL}, half = {PT_VAL_DOUBLE, 2.5, NULL};
    char err[PT_ERRLEN] = "";

    ck_assert_int_eq(pt_paramlist_set(&l, "pca.k", &k), 0);
    ck_assert_int_eq(pt_paramlist_set(&l, "linearRegression.regParam", &reg), 0);
    ck_assert_int_eq(pt_paramlist_set(&l, "linearRegression.fitIntercept", &yes), 0);
    ck_assert_msg(pt_param_check_list(stages, 2, &l, err) == 0, "%s", err);
    /* an integral number for a double param is fine (msgpack may carry it as an int) */
    ck_assert_int_eq(pt_paramlist_set(&l, "linearRegression.regParam", &k), 0);
    ck_assert_msg(pt_param_check_list(stages, 2, &l, err) == 0, "%s", err);

    ck_assert_int_eq(pt_paramlist_set(&l, "linearRegression.regParm", &reg), 0);
    ck_assert_int_eq(pt_param_check_list(stages, 2, &l, err), -EINVAL);
    ck_assert_msg(strstr(err, "linearRegression.regParm: unknown param") != NULL, "%s", err);
    pt_paramlist_free(&l);

    list_refused(stages, "logisticRegression.regParam", &reg, "not a param of a stage of the");
    list_refused(stages, "nodot", &reg, "not a param of a stage of the");
    list_refused(stages, "linearRegression.regParam", &neg, "must be in");
    list_refused(stages, "pca.k", &half, "expected an integer");
    list_refused(stages, "linearRegression.fitIntercept", &str, "expected true or false");
}
END_TEST

/* The fit itself refuses such a list, before any stage: what the worker runs on a job. */
START_TEST(fit_refuses_unknown_param)
{
    static const double x[] = {1, 2, 3, 4, 5, 6}, y[] = {1, 3, 2};
    char *stages[] = {"linearRegression"};
    pt_moments_t *m = pt_moments_new(2);
    pt_paramlist_t l = {0, NULL};
    pt_value_t reg = {PT_VAL_DOUBLE, 0.5, NULL};
    pt_fitted_t *f;
    char err[PT_ERRLEN] = "";

    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(pt_moments_from_rows(m, x, y, 3), 0);
    ck_assert_int_eq(pt_paramlist_set(&l, "linearRegression.regParam", &reg), 0);
    f = pt_pipeline_fit(m, NULL, 0, stages, 1, &l, 0, NULL, err);
    ck_assert_msg(f != NULL, "%s", err);
    pt_fitted_destroy(&f);
    ck_assert_int_eq(pt_paramlist_set(&l, "linearRegression.regparam", &reg), 0);
    f = pt_pipeline_fit(m, NULL, 0, stages, 1, &l, 0, NULL, err);
    ck_assert_ptr_null(f);
    ck_assert_msg(strstr(err, "param linearRegression.regparam: unknown param of the stage") !=
                  NULL, "%s", err);
    pt_paramlist_free(&l);
    pt_moments_destroy(&m);
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

/* A random axis with no sample count set is one draw per grid point, not a division by 0
 * (found by fuzz_grid). */
START_TEST(random_axis_without_samples_is_one_draw)
{
    char err[PT_ERRLEN];
    pt_spec_t *s = pt_spec_new("pca,linearRegression", err);
    pt_paramlist_t m = {0, NULL};
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(pt_spec_add_random(s, "pca.k=uniform:2:10", err), 0);
    ck_assert_uint_eq(pt_spec_nmaps(s), 1);
    ck_assert_int_eq(pt_spec_map(s, 0, &m), 0);
    ck_assert(get(&m, "pca.k") >= 2 && get(&m, "pca.k") <= 10);
    pt_paramlist_free(&m);
    pt_spec_destroy(&s);
}
END_TEST

START_TEST(random_axes_drawn_in_range_and_reproducible)
{
    char err[PT_ERRLEN];
    pt_spec_t *a = pt_spec_new("pca,logisticRegression", err);
    pt_spec_t *b = pt_spec_new("pca,logisticRegression", err);
    pt_spec_t *c = pt_spec_new("pca,logisticRegression", err);
    pt_spec_t *sp[3] = {a, b, c};
    size_t kseen[11] = {0};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(pt_spec_add_axis(sp[i], "logisticRegression.fitIntercept=true,false",
                                          err), 0);
        ck_assert_int_eq(pt_spec_add_random(sp[i], "pca.k=uniform:2:10", err), 0);
        ck_assert_int_eq(pt_spec_add_random(sp[i], "logisticRegression.regParam="
                                            "loguniform:0.001:1", err), 0);
        ck_assert_int_eq(pt_spec_add_random(sp[i], "logisticRegression.family="
                                            "choice:binomial,multinomial", err), 0);
        pt_spec_set_samples(sp[i], 50, i == 2 ? 8 : 7);
        ck_assert_uint_eq(pt_spec_nmaps(sp[i]), 100);
        ck_assert_int_eq(pt_spec_check(sp[i], 10, err), 0);
    }
    int differs = 0;
    for (size_t i = 0; i < 100; i++) {
        pt_paramlist_t ma = {0, NULL}, mb = {0, NULL}, mc = {0, NULL};
        const pt_value_t *k, *r, *f;
        ck_assert_int_eq(pt_spec_map(a, i, &ma), 0);
        ck_assert_int_eq(pt_spec_map(b, i, &mb), 0);
        ck_assert_int_eq(pt_spec_map(c, i, &mc), 0);
        ck_assert(pt_paramlist_equal(&ma, &mb));
        differs |= !pt_paramlist_equal(&ma, &mc);
        /* the grid axis varies slowest: the first 50 maps have fitIntercept true */
        ck_assert_double_eq(get(&ma, "logisticRegression.fitIntercept"), i < 50 ? 1 : 0);
        k = pt_paramlist_get(&ma, "pca.k");
        r = pt_paramlist_get(&ma, "logisticRegression.regParam");
        f = pt_paramlist_get(&ma, "logisticRegression.family");
        ck_assert_int_eq(k->type, PT_VAL_INT);
        ck_assert(k->num >= 2 && k->num <= 10 && k->num == (double)(long)k->num);
        kseen[(size_t)k->num]++;
        ck_assert(r->num >= 0.001 && r->num <= 1);
        ck_assert(strcmp(f->str, "binomial") == 0 || strcmp(f->str, "multinomial") == 0);
        /* sample s of map i is the same draw for both grid points */
        if (i >= 50) {
            pt_paramlist_t m0 = {0, NULL};
            ck_assert_int_eq(pt_spec_map(a, i - 50, &m0), 0);
            ck_assert_double_eq(get(&m0, "pca.k"), k->num);
            pt_paramlist_free(&m0);
        }
        pt_paramlist_free(&ma);
        pt_paramlist_free(&mb);
        pt_paramlist_free(&mc);
    }
    ck_assert(differs);
    for (int v = 2; v <= 10; v++)
        ck_assert_uint_gt(kseen[v], 0); /* every integer in [LO, HI] comes up in 100 draws */
    for (int i = 0; i < 3; i++)
        pt_spec_destroy(&sp[i]);
}
END_TEST

START_TEST(string_params_default_and_choices)
{
    char err[PT_ERRLEN];
    pt_spec_t *s = pt_spec_new("standardScaler,logisticRegression", err);
    pt_paramlist_t f = {0, NULL};
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(pt_spec_full(s, 0, &f), 0);
    ck_assert_str_eq(pt_paramlist_get(&f, "logisticRegression.family")->str, "auto");
    ck_assert_double_eq(get(&f, "logisticRegression.threshold"), 0.5);
    ck_assert_double_eq(get(&f, "standardScaler.withMean"), 0);
    ck_assert_double_eq(get(&f, "standardScaler.withStd"), 1);
    ck_assert_int_eq(pt_spec_predictor_role(s), PT_STAGE_CLASSIFIER);
    pt_paramlist_free(&f);
    ck_assert_int_ne(pt_spec_add_axis(s, "logisticRegression.family=auto,auto", err), 0);
    ck_assert_ptr_nonnull(strstr(err, "appears twice"));
    ck_assert_int_eq(pt_spec_add_axis(s, "logisticRegression.family=multinomial,auto", err), 0);
    ck_assert_int_ne(pt_spec_add_random(s, "logisticRegression.family=uniform:0:1", err), 0);
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
    tcase_add_test(tc, lenient_values_refused);
    tcase_add_test(tc, job_param_lists_checked);
    tcase_add_test(tc, fit_refuses_unknown_param);
    tcase_add_test(tc, no_axis_is_one_map);
    tcase_add_test(tc, random_axes_drawn_in_range_and_reproducible);
    tcase_add_test(tc, random_axis_without_samples_is_one_draw);
    tcase_add_test(tc, string_params_default_and_choices);
    suite_add_tcase(s, tc);
    return s;
}
