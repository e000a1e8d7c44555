/* check_impute.c - unit tests of Spark's Imputer surrogates (pt_impute): mean, median (rank
 * ceil(n/2): the lower middle value of an even count), mode (the smallest of equally frequent
 * values), a column without observed values, and the mean from the x0 / indicator sums. */
#include <check.h>
#include <math.h>

#include "pt_impute.h"

START_TEST(strategies)
{
    double a[] = {4, 1, 3, 2}, b[] = {4, 1, 3, 2}, c[] = {5, 1, 3}, d[] = {7.5};
    ck_assert_int_eq(pt_impute_strategy("mean"), PT_IMPUTE_MEAN);
    ck_assert_int_eq(pt_impute_strategy("median"), PT_IMPUTE_MEDIAN);
    ck_assert_int_eq(pt_impute_strategy("mode"), PT_IMPUTE_MODE);
    ck_assert_int_eq(pt_impute_strategy("most_frequent"), -1);
    ck_assert_double_eq(pt_impute_surrogate(a, 4, PT_IMPUTE_MEAN), 2.5);
    ck_assert_double_eq(pt_impute_surrogate(b, 4, PT_IMPUTE_MEDIAN), 2); /* not 2.5 */
    ck_assert_double_eq(pt_impute_surrogate(c, 3, PT_IMPUTE_MEDIAN), 3);
    ck_assert_double_eq(pt_impute_surrogate(d, 1, PT_IMPUTE_MEDIAN), 7.5);
    ck_assert_double_eq(pt_impute_surrogate(d, 1, PT_IMPUTE_MODE), 7.5);
}
END_TEST

START_TEST(mode_ties)
{
    double a[] = {3, 9, 3, -1, 9, 5}, b[] = {2, 0.5, 8}, c[] = {4, 4, 1, 1, 1, 4, 6, 6, 6, 6};
    double e[] = {-0.0, 2, 0.0};
    ck_assert_double_eq(pt_impute_surrogate(a, 6, PT_IMPUTE_MODE), 3); /* 3 and 9 twice */
    ck_assert_double_eq(pt_impute_surrogate(b, 3, PT_IMPUTE_MODE), 0.5); /* all once */
    ck_assert_double_eq(pt_impute_surrogate(c, 10, PT_IMPUTE_MODE), 6);
    ck_assert_double_eq(pt_impute_surrogate(e, 3, PT_IMPUTE_MODE), 0); /* -0 == 0 */
}
END_TEST

START_TEST(no_observed_value)
{
    double v[1] = {0};
    ck_assert(isnan(pt_impute_surrogate(v, 0, PT_IMPUTE_MEAN)));
    ck_assert(isnan(pt_impute_surrogate(v, 0, PT_IMPUTE_MEDIAN)));
    ck_assert(isnan(pt_impute_surrogate(v, 0, PT_IMPUTE_MODE)));
    ck_assert(isnan(pt_impute_mean_from_sums(0, 5, 5)));
}
END_TEST

/* The column 2, ?, 4, ?, 9 as x0 = 2, 0, 4, 0, 9 and m = 0, 1, 0, 1, 0: mean 5 from the sums,
 * and x0 + 5 m is the imputed column. */
START_TEST(mean_from_sums)
{
    const double x0[] = {2, 0, 4, 0, 9}, m[] = {0, 1, 0, 1, 0};
    double sx = 0, sm = 0, obs[] = {2, 4, 9}, mu;
    for (int i = 0; i < 5; i++) {
        sx += x0[i];
        sm += m[i];
    }
    mu = pt_impute_mean_from_sums(sx, sm, 5);
    ck_assert_double_eq(mu, 5);
    ck_assert_double_eq(mu, pt_impute_surrogate(obs, 3, PT_IMPUTE_MEAN));
    ck_assert_double_eq(x0[1] + mu * m[1], 5);
    ck_assert_double_eq(x0[2] + mu * m[2], 4);
}
END_TEST

Suite *suite_impute(void)
{
    Suite *s = suite_create("impute");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, strategies);
    tcase_add_test(tc, mode_ties);
    tcase_add_test(tc, no_observed_value);
    tcase_add_test(tc, mean_from_sums);
    suite_add_tcase(s, tc);
    return s;
}
