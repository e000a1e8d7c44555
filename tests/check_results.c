/* check_results.c - unit tests of pt_results: aggregation over folds, the best map, the table. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pt_results.h"

START_TEST(averages_population_std)
{
    pt_results_t *r = pt_results_new(2, 3, 0);
    pt_map_stats_t st;
    double avg[2], sd[2];
    ck_assert_ptr_nonnull(r);
    /* map 0: 1, 2, 3 -> mean 2, std sqrt(2/3) (ddof 0) */
    pt_results_set(r, 0, 0, PT_FOLD_OK, 1);
    pt_results_set(r, 0, 1, PT_FOLD_OK, 2);
    pt_results_set(r, 0, 2, PT_FOLD_OK, 3);
    /* map 1: 4, 8 and a fold to come -> partial, mean 6, std 2 */
    pt_results_set(r, 1, 0, PT_FOLD_OK, 4);
    pt_results_set(r, 1, 2, PT_FOLD_OK, 8);
    pt_results_map(r, 0, &st);
    ck_assert_int_eq(st.state, PT_MAP_OK);
    ck_assert_int_eq(st.ok, 3);
    ck_assert_int_eq(st.failed, 0);
    ck_assert_double_eq(st.avg, 2.0);
    ck_assert_double_eq_tol(st.std, sqrt(2.0 / 3.0), 1e-15);
    pt_results_map(r, 1, &st);
    ck_assert_int_eq(st.state, PT_MAP_PARTIAL);
    ck_assert_double_eq(st.avg, 6.0);
    ck_assert_double_eq(st.std, 2.0);
    pt_results_averages(r, avg, sd);
    ck_assert_double_eq(avg[0], 2.0);
    ck_assert(isnan(avg[1]) && isnan(sd[1])); /* not complete: NaN for tune */
    ck_assert_uint_eq(pt_results_count(r), 5);
    pt_results_destroy(&r);
    ck_assert_ptr_null(r);
    pt_results_destroy(&r); /* NULL is fine */
}
END_TEST

START_TEST(failed_and_non_finite_maps)
{
    pt_results_t *r = pt_results_new(4, 2, 1);
    pt_map_stats_t st;
    double m;
    pt_results_set(r, 0, 0, PT_FOLD_OK, 0.5);
    pt_results_set(r, 0, 1, PT_FOLD_FAILED, 0.9); /* metric ignored */
    pt_results_set(r, 1, 0, PT_FOLD_OK, NAN);     /* r2 of a constant label */
    pt_results_set(r, 1, 1, PT_FOLD_OK, 0.7);
    pt_results_set(r, 2, 0, PT_FOLD_OK, INFINITY);
    pt_results_set(r, 2, 1, PT_FOLD_OK, 0.7);
    pt_results_map(r, 0, &st);
    ck_assert_int_eq(st.state, PT_MAP_FAILED);
    ck_assert_int_eq(st.ok, 1);
    ck_assert_int_eq(st.failed, 1);
    ck_assert(isnan(st.avg) && isnan(st.std));
    pt_results_map(r, 1, &st);
    ck_assert_int_eq(st.state, PT_MAP_FAILED);
    pt_results_map(r, 2, &st);
    ck_assert_int_eq(st.state, PT_MAP_FAILED);
    pt_results_map(r, 3, &st);
    ck_assert_int_eq(st.state, PT_MAP_NONE);
    ck_assert_int_eq(pt_results_get(r, 0, 1, &m), PT_FOLD_FAILED);
    ck_assert(isnan(m));
    ck_assert_int_eq(pt_results_get(r, 1, 0, &m), PT_FOLD_OK);
    ck_assert(isnan(m));
    ck_assert_int_eq(pt_results_get(r, 3, 0, &m), PT_FOLD_NONE);
    ck_assert_int_eq(pt_results_get(r, 9, 0, &m), PT_FOLD_NONE); /* out of range */
    ck_assert_int_eq(pt_results_best(r, &m), -1);
    ck_assert(isnan(m));
    /* a later result of a job replaces the earlier one */
    pt_results_set(r, 0, 1, PT_FOLD_OK, 0.25);
    pt_results_map(r, 0, &st);
    ck_assert_int_eq(st.state, PT_MAP_OK);
    ck_assert_double_eq(st.avg, 0.375);
    ck_assert_int_eq(pt_results_best(r, &m), 0);
    ck_assert_double_eq(m, 0.375);
    pt_results_set(r, 0, 1, PT_FOLD_NONE, 0);
    pt_results_map(r, 0, &st);
    ck_assert_int_eq(st.state, PT_MAP_PARTIAL);
    pt_results_destroy(&r);
}
END_TEST

START_TEST(best_direction_and_ties)
{
    pt_results_t *lo = pt_results_new(4, 1, 0), *hi = pt_results_new(4, 1, 1);
    const double v[4] = {3, 1, 1, 5};
    double m;
    for (size_t i = 0; i < 4; i++) {
        pt_results_set(lo, i, 0, PT_FOLD_OK, v[i]);
        pt_results_set(hi, i, 0, PT_FOLD_OK, v[i]);
    }
    ck_assert_int_eq(pt_results_best(lo, &m), 1); /* maps 1 and 2 tie: the lower index */
    ck_assert_double_eq(m, 1.0);
    ck_assert_int_eq(pt_results_best(hi, &m), 3);
    pt_results_set(hi, 3, 0, PT_FOLD_FAILED, 0);
    ck_assert_int_eq(pt_results_best(hi, NULL), 0);
    ck_assert(pt_results_better(1, 2, 1));
    ck_assert(!pt_results_better(1, 1, 1));
    ck_assert(pt_results_better(0, 1, 2));
    ck_assert(!pt_results_better(0, NAN, 2));
    ck_assert(pt_results_better(0, 2, NAN));
    ck_assert(!pt_results_better(1, NAN, NAN));
    pt_results_destroy(&lo);
    pt_results_destroy(&hi);
}
END_TEST

START_TEST(table_text)
{
    pt_param_t a[2] = {{"k", {0}}, {"reg", {0}}}, b[2] = {{"k", {0}}, {"reg", {0}}};
    pt_paramlist_t maps[2] = {{2, a}, {2, b}};
    pt_results_t *r = pt_results_new(2, 2, 0);
    char *t;
    a[0].val.type = b[0].val.type = PT_VAL_INT;
    a[1].val.type = b[1].val.type = PT_VAL_DOUBLE;
    a[0].val.num = 5;
    b[0].val.num = 20;
    a[1].val.num = 0.01;
    b[1].val.num = 0.5;
    pt_results_set(r, 0, 0, PT_FOLD_OK, 1);
    pt_results_set(r, 0, 1, PT_FOLD_OK, 3);
    pt_results_set(r, 1, 0, PT_FOLD_FAILED, 0);
    t = pt_results_table(r, maps, "rmse", pt_results_best(r, NULL));
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "     #   k   reg            rmse           std\n"
                        "*    0   5  0.01               2             1\n"
                        "     1  20   0.5          failed             -\n");
    free(t);
    pt_results_destroy(&r);
}
END_TEST

START_TEST(one_standard_error)
{
    /* maps: (regParam, pca.k); folds of 2: map 0 best mean 1.0, sample std of (0.9, 1.1)
     * = 0.1414.., se = 0.1; maps within 1.1: 0, 1 (mean 1.05), 3 (1.075); 2 (1.2) is out */
    pt_param_t p[4][2];
    pt_paramlist_t maps[4];
    const double reg[4] = {0.01, 0.1, 1.0, 0.1}, k[4] = {5, 5, 5, 3};
    const double f0[4] = {0.9, 1.0, 1.2, 1.05}, f1[4] = {1.1, 1.1, 1.2, 1.1};
    pt_results_t *r = pt_results_new(4, 2, 0), *hi = pt_results_new(4, 2, 1);
    long top;
    double se;
    for (int i = 0; i < 4; i++) {
        p[i][0] = (pt_param_t){"linearRegression.regParam", {PT_VAL_DOUBLE, reg[i], NULL}};
        p[i][1] = (pt_param_t){"pca.k", {PT_VAL_INT, k[i], NULL}};
        maps[i] = (pt_paramlist_t){2, p[i]};
        pt_results_set(r, (size_t)i, 0, PT_FOLD_OK, f0[i]);
        pt_results_set(r, (size_t)i, 1, PT_FOLD_OK, f1[i]);
        pt_results_set(hi, (size_t)i, 0, PT_FOLD_OK, -f0[i]);
        pt_results_set(hi, (size_t)i, 1, PT_FOLD_OK, -f1[i]);
    }
    /* 1 and 3 share the larger regParam; 3 has the smaller k */
    ck_assert_int_eq(pt_results_one_se(r, maps, &top, &se), 3);
    ck_assert_int_eq(top, 0);
    ck_assert_double_eq_tol(se, 0.1, 1e-15);
    ck_assert_int_eq(pt_results_one_se(hi, maps, NULL, NULL), 3); /* larger is better */
    ck_assert(pt_results_more_regularized(&maps[1], &maps[0]));
    ck_assert(!pt_results_more_regularized(&maps[0], &maps[0]));
    ck_assert(pt_results_more_regularized(&maps[3], &maps[1]));
    pt_results_set(r, 3, 1, PT_FOLD_FAILED, 0); /* a failed map is never chosen */
    ck_assert_int_eq(pt_results_one_se(r, maps, NULL, NULL), 1);
    pt_results_destroy(&r);
    pt_results_destroy(&hi);
}
END_TEST

Suite *suite_results(void)
{
    Suite *s = suite_create("results");
    TCase *tc = tcase_create("results");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, averages_population_std);
    tcase_add_test(tc, failed_and_non_finite_maps);
    tcase_add_test(tc, best_direction_and_ties);
    tcase_add_test(tc, table_text);
    tcase_add_test(tc, one_standard_error);
    suite_add_tcase(s, tc);
    return s;
}
