/* check_race.c - unit tests of pt_race: the Student-t CDF and the incomplete beta function
 * against scipy, the paired rule, and which maps a race prunes (a map that loses early by
 * a noisy margin and wins later is not). */
#include <check.h>
#include <math.h>

#include "pt_race.h"
#include "pt_results.h"

/* scipy.stats.t.cdf(t, df), scipy 1.x, printed with %.17g */
static const double tcdf_ref[][3] = {
    {0.5, 1, 0.64758361765043326},   {-2.0, 1, 0.14758361765043321},
    {31.82, 1, 0.98999983795903557}, {1.5, 2, 0.86380343755449962},
    {6.965, 2, 0.99000123487247438}, {-0.3, 4, 0.38956071413872984},
    {2.2, 9, 0.9723297136006942},    {10.0, 3, 0.99893580047079289},
    {0.0, 5, 0.5},                   {3.5, 30, 0.99926159628117783},
};

/* scipy.special.betainc(a, b, x) as {x, a, b, value} */
static const double ibeta_ref[][4] = {
    {0.3, 2.0, 3.0, 0.3483},
    {0.9, 0.5, 0.5, 0.79516723530086619},
    {0.01, 5.0, 0.5, 2.4712578086395448e-11},
    {0.7, 10.0, 2.5, 0.17733988080747012},
};

START_TEST(t_cdf_matches_scipy)
{
    for (size_t i = 0; i < sizeof tcdf_ref / sizeof *tcdf_ref; i++) {
        double got = pt_race_t_cdf(tcdf_ref[i][0], tcdf_ref[i][1]);
        ck_assert_msg(fabs(got - tcdf_ref[i][2]) <= 1e-12, "t=%g df=%g: %.17g, scipy %.17g",
                      tcdf_ref[i][0], tcdf_ref[i][1], got, tcdf_ref[i][2]);
    }
    for (size_t i = 0; i < sizeof ibeta_ref / sizeof *ibeta_ref; i++) {
        double got = pt_race_ibeta(ibeta_ref[i][0], ibeta_ref[i][1], ibeta_ref[i][2]);
        ck_assert_msg(fabs(got - ibeta_ref[i][3]) <= 1e-12 * fmax(1, fabs(ibeta_ref[i][3])) +
                                                         1e-22,
                      "x=%g: %.17g, scipy %.17g", ibeta_ref[i][0], got, ibeta_ref[i][3]);
    }
    ck_assert(isnan(pt_race_t_cdf(1, 0)));
    ck_assert(isnan(pt_race_ibeta(1.5, 1, 1)));
    ck_assert_double_eq(pt_race_t_cdf(INFINITY, 3), 1);
}
END_TEST

START_TEST(paired_rule)
{
    /* scipy.stats.ttest_rel(a, b, alternative="greater").pvalue = 0.1261077481777521 */
    const double a[] = {0.62, 0.58, 0.65, 0.61}, b[] = {0.60, 0.57, 0.66, 0.59};
    const double worse[] = {0.70, 0.66, 0.75, 0.70};
    double p;
    ck_assert_int_eq(pt_race_loses(a, b, 4, 0, 0.01, &p), 0);
    ck_assert_msg(fabs(p - 0.1261077481777521) < 1e-12, "p %.17g", p);
    /* larger is better: the same numbers, the other way round */
    ck_assert_int_eq(pt_race_loses(b, a, 4, 1, 0.01, &p), 0);
    ck_assert_msg(fabs(p - 0.1261077481777521) < 1e-12, "p %.17g", p);
    /* clearly and consistently worse (rmse): loses; as accuracy it would be the better one */
    ck_assert_int_eq(pt_race_loses(worse, b, 4, 0, 0.01, &p), 1);
    ck_assert_int_eq(pt_race_loses(worse, b, 4, 1, 0.01, &p), 0);
    /* one fold is no evidence; equal maps never lose; equal positive gaps do */
    ck_assert_int_eq(pt_race_loses(worse, b, 1, 0, 0.01, NULL), 0);
    ck_assert_int_eq(pt_race_loses(b, b, 4, 0, 0.01, NULL), 0);
    {
        const double c[] = {0.61, 0.58, 0.67, 0.60};
        ck_assert_int_eq(pt_race_loses(c, b, 4, 0, 0.01, &p), 1);
        ck_assert_double_eq(p, 0);
    }
}
END_TEST

/* A race of three maps on four folds (rmse): map 1 is clearly worse and is pruned after two
 * folds; map 2 is worse than map 0 on the first two folds by a noisy margin (+0.02, +0.001:
 * t = 1.1 with 1 degree of freedom, p = 0.23) and better on the last two: it is not pruned,
 * and ends up the leader. */
START_TEST(late_winner_is_not_pruned)
{
    const double m[3][4] = {{0.50, 0.52, 0.51, 0.53},
                            {0.90, 0.93, 0.91, 0.95},
                            {0.52, 0.521, 0.40, 0.41}};
    pt_results_t *res = pt_results_new(3, 4, 0);
    pt_race_t *r = pt_race_new(3, 2, 0, PT_RACE_ALPHA);
    ck_assert_ptr_nonnull(res);
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_null(pt_race_new(3, 1, 0, 0.01));
    ck_assert_ptr_null(pt_race_new(3, 2, 0, 0));
    for (size_t f = 0; f < 4; f++) { /* fold-major, as the sweep runs them */
        for (size_t i = 0; i < 3; i++) {
            size_t p;
            if (pt_race_pruned(r, i))
                continue;
            pt_results_set(res, i, f, PT_FOLD_OK, m[i][f]);
            while ((p = pt_race_next_pruned(r, res)) != (size_t)-1)
                ck_assert_msg(p == 1 && f == 1, "map %zu pruned after fold %zu", p, f);
        }
        if (f == 0)
            ck_assert_int_eq(pt_race_leader(r), -1); /* nobody has two folds yet */
    }
    ck_assert(pt_race_pruned(r, 1));
    ck_assert(!pt_race_pruned(r, 0));
    ck_assert(!pt_race_pruned(r, 2));
    ck_assert_int_eq(pt_race_leader(r), 2);
    pt_race_destroy(&r);
    ck_assert_ptr_null(r);
    pt_results_destroy(&res);
}
END_TEST

/* A map with a failed fold is not judged (it has failed); the leader needs min_folds. */
START_TEST(failed_maps_are_not_judged)
{
    pt_results_t *res = pt_results_new(2, 3, 1);
    pt_race_t *r = pt_race_new(2, 2, 1, PT_RACE_ALPHA);
    pt_results_set(res, 0, 0, PT_FOLD_OK, 0.9);
    pt_results_set(res, 0, 1, PT_FOLD_OK, 0.91);
    pt_results_set(res, 1, 0, PT_FOLD_OK, 0.1);
    pt_results_set(res, 1, 1, PT_FOLD_FAILED, NAN);
    ck_assert_uint_eq(pt_race_next_pruned(r, res), (size_t)-1);
    ck_assert_int_eq(pt_race_leader(r), 0);
    ck_assert(!pt_race_pruned(r, 1));
    pt_race_destroy(&r);
    pt_results_destroy(&res);
}
END_TEST

Suite *suite_race(void)
{
    Suite *s = suite_create("race");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, t_cdf_matches_scipy);
    tcase_add_test(tc, paired_rule);
    tcase_add_test(tc, late_winner_is_not_pruned);
    tcase_add_test(tc, failed_maps_are_not_judged);
    suite_add_tcase(s, tc);
    return s;
}
