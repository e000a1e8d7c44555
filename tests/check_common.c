/* check_common.c - unit tests of pt_common: number parsing, FNV-1a, the PRNG. */
#include <check.h>
#include <pthread.h>
#include <math.h>
#include <string.h>

#include "pt_common.h"

START_TEST(parse_numbers)
{
    double d;
    long l;
    ck_assert_int_eq(pt_parse_double("0.25", &d), 0);
    ck_assert_double_eq(d, 0.25);
    ck_assert_int_eq(pt_parse_double("-1e-3", &d), 0);
    ck_assert_double_eq(d, -1e-3);
    ck_assert_int_ne(pt_parse_double("", &d), 0);
    ck_assert_int_ne(pt_parse_double("1x", &d), 0);
    ck_assert_int_ne(pt_parse_double("nan", &d), 0);
    ck_assert_int_ne(pt_parse_double("1e999", &d), 0);
    ck_assert_int_eq(pt_parse_long("42", &l), 0);
    ck_assert_int_eq(l, 42);
    ck_assert_int_ne(pt_parse_long("4.2", &l), 0);
    ck_assert_int_ne(pt_parse_long("99999999999999999999", &l), 0);
}
END_TEST

/* Only plain decimal numbers: what strtod and strtol would also take is refused. */
START_TEST(parse_numbers_strict)
{
    static const char *const bad_d[] = {" 1", "1 ", "\t2", "0x10", "0X1p3", "inf", "-inf",
                                        "infinity", "nan", "NAN", ".", "+", "-", "e5", "1e",
                                        "1e+", "1.5.2", "1,5", "--1", "+-1", "1e5x", "1d"};
    static const char *const bad_l[] = {" 1", "1 ", "0x10", "+", "-", "1e3", "1.", "09x",
                                        "9223372036854775808", "-9223372036854775809"};
    double d;
    long l;
    for (size_t i = 0; i < sizeof bad_d / sizeof *bad_d; i++)
        ck_assert_msg(pt_parse_double(bad_d[i], &d) != 0, "took \"%s\"", bad_d[i]);
    for (size_t i = 0; i < sizeof bad_l / sizeof *bad_l; i++)
        ck_assert_msg(pt_parse_long(bad_l[i], &l) != 0, "took \"%s\"", bad_l[i]);
    ck_assert_int_eq(pt_parse_double("+.5", &d), 0);
    ck_assert_double_eq(d, 0.5);
    ck_assert_int_eq(pt_parse_double("3.", &d), 0);
    ck_assert_double_eq(d, 3.0);
    ck_assert_int_eq(pt_parse_double("1E+2", &d), 0);
    ck_assert_double_eq(d, 100.0);
    ck_assert_int_eq(pt_parse_long("-007", &l), 0);
    ck_assert_int_eq(l, -7);
    ck_assert_int_eq(pt_parse_long("+9223372036854775807", &l), 0);
    ck_assert_int_eq(l, 9223372036854775807L);
}
END_TEST

START_TEST(fnv1a_known_values)
{
    /* FNV-1a 64 test vectors: "" -> cbf29ce484222325, "a" -> af63dc4c8601ec8c,
     * "foobar" -> 85944171f73967e8 */
    ck_assert_uint_eq(pt_fnv1a(PT_FNV_SEED, "", 0), 0xcbf29ce484222325ULL);
    ck_assert_uint_eq(pt_fnv1a(PT_FNV_SEED, "a", 1), 0xaf63dc4c8601ec8cULL);
    ck_assert_uint_eq(pt_fnv1a(PT_FNV_SEED, "foobar", 6), 0x85944171f73967e8ULL);
}
END_TEST

START_TEST(splitmix64_and_uniform)
{
    /* splitmix64 seeded with 0 starts e220a8397b1dcdaf, 6e789e6aa1b965f4 (reference values of
     * Vigna's splitmix64.c) */
    uint64_t st = 0;
    double sum = 0, sq = 0;
    ck_assert_uint_eq(pt_rng_next(&st), 0xe220a8397b1dcdafULL);
    ck_assert_uint_eq(pt_rng_next(&st), 0x6e789e6aa1b965f4ULL);
    for (int i = 0; i < 100000; i++) {
        double u = pt_rng_uniform(&st), z = pt_rng_normal(&st);
        ck_assert(u >= 0 && u < 1);
        sum += z;
        sq += z * z;
    }
    ck_assert(fabs(sum / 100000) < 0.02);
    ck_assert(fabs(sq / 100000 - 1) < 0.03);
}
END_TEST

typedef struct {
    int k;
    long square;
    pthread_t by;
} run_item_t;

static void *run_item(void *arg)
{
    run_item_t *it = arg;
    it->square = (long)it->k * it->k;
    it->by = pthread_self();
    return NULL;
}

/* every item is run exactly once, item 0 on the calling thread */
START_TEST(run_each_runs_every_item)
{
    run_item_t items[7];
    for (int n = 0; n <= 7; n++) {
        for (int k = 0; k < 7; k++)
            items[k] = (run_item_t){k, -1, 0};
        pt_run_each(items, (size_t)n, sizeof items[0], run_item);
        for (int k = 0; k < 7; k++)
            ck_assert_int_eq(items[k].square, k < n ? (long)k * k : -1);
        if (n > 0)
            ck_assert(pthread_equal(items[0].by, pthread_self()));
    }
}
END_TEST

START_TEST(seterr_tolerates_null)
{
    char err[PT_ERRLEN];
    pt_seterr(NULL, "x %d", 1);
    pt_seterr(err, "%s:%d: %s", "f.csv", 3, "bad");
    ck_assert_str_eq(err, "f.csv:3: bad");
}
END_TEST

Suite *suite_common(void)
{
    Suite *s = suite_create("common");
    TCase *tc = tcase_create("common");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, parse_numbers);
    tcase_add_test(tc, parse_numbers_strict);
    tcase_add_test(tc, fnv1a_known_values);
    tcase_add_test(tc, splitmix64_and_uniform);
    tcase_add_test(tc, seterr_tolerates_null);
    tcase_add_test(tc, run_each_runs_every_item);
    suite_add_tcase(s, tc);
    return s;
}
