/* check_limits.c - unit tests of pt_limits: the sizes a sweep needs, worked by hand, the
 * refusal line, and the formatting of sizes. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "pt_common.h"
#include "pt_limits.h"
#include "pt_params.h"

START_TEST(sizes_by_hand)
{
    char err[PT_ERRLEN] = "";
    pt_spec_t *s = pt_spec_new("pca,linearRegression", err);
    pt_limits_need_t need;
    pt_limits_in_t in = {NULL, 100, 10, 3, 0, 0, 1, 2};
    double mom = (10.0 * 10 + 4 * 10 + 4) * 8, mom3 = (3.0 * 3 + 4 * 3 + 4) * 8;

    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(pt_spec_add_axis(s, "pca.k=2,3", err), 0);
    in.spec = s;
    pt_limits_need(&in, &need);
    /* image: a page, the block table, then 100 rows of label, row number and 10 features */
    ck_assert_double_eq(need.image, 4096 + 8 * 4 + 100 * 12 * 8);
    ck_assert_double_eq(need.stats, 64 + 3 * mom);
    ck_assert_double_eq(need.moments, mom);
    /* the worst map is k = 3: the training set's moments and a block's, the pipeline's copy;
     * pca's map (10 x 3), the composed one (10 x 3) and the moments of its output; pca's
     * dense 10 x 10 system and linearRegression's on 3 features */
    ck_assert_double_eq(need.worker, 2 * mom + mom + (30 + 30) * 8 + mom3 +
                                         (2 * 100 + 32 * 10) * 8 + (2 * 9 + 32 * 3) * 8);
    ck_assert_str_eq(need.stage, "pca");
    ck_assert_double_eq(need.stage_bytes, (2 * 100 + 32 * 10) * 8);
    ck_assert_double_eq(need.total, need.image + need.stats + 2 * need.worker);
    pt_spec_destroy(&s);
}
END_TEST

START_TEST(check_and_message)
{
    char err[PT_ERRLEN] = "";
    pt_spec_t *s = pt_spec_new("linearRegression", err);
    pt_limits_in_t in = {NULL, 10, 20000000, 3, 0, 0, 1, 1};
    pt_limits_need_t need;
    pt_limits_sys_t sys = {8.0 * (1 << 30), 4.0 * (1 << 30)}, none = {0, 0};

    in.spec = s;
    pt_limits_need(&in, &need);
    ck_assert_int_eq(pt_limits_check(&in, &need, 0, &sys, err), -ENOMEM);
    ck_assert_msg(strstr(err, "10 rows x 20000000 features need 1.5G of shared memory (the "
                               "image)") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "above 8.0G (MemAvailable; --max-memory SIZE") != NULL, "%s",
                  err);
    ck_assert_int_eq(pt_limits_check(&in, &need, 1e30, &sys, err), 0);
    ck_assert_int_eq(pt_limits_check(&in, &need, 0, &none, err), 0); /* nothing known */

    /* the shared part alone beyond /dev/shm's free space */
    in.features = 1000;
    in.rows = 1000000;
    pt_limits_need(&in, &need);
    sys.mem_available = 1e12;
    sys.shm_free = 1e9;
    ck_assert_int_eq(pt_limits_check(&in, &need, 0, &sys, err), -ENOMEM);
    ck_assert_msg(strstr(err, "(free in /dev/shm;") != NULL, "%s", err);
    ck_assert_int_eq(pt_limits_check(&in, &need, 1e12, &sys, err), 0); /* given: it rules */
    pt_spec_destroy(&s);
}
END_TEST

START_TEST(formats)
{
    char b[32];
    pt_limits_format(512, b, sizeof b);
    ck_assert_str_eq(b, "512B");
    pt_limits_format(1536, b, sizeof b);
    ck_assert_str_eq(b, "1.5K");
    pt_limits_format(200.0 * (1 << 20), b, sizeof b);
    ck_assert_str_eq(b, "200M");
    pt_limits_format(3.0 * 1125899906842624.0, b, sizeof b);
    ck_assert_str_eq(b, "3.0P");
    pt_limits_format(INFINITY, b, sizeof b);
    ck_assert_str_eq(b, "inf");
}
END_TEST

Suite *suite_limits(void)
{
    Suite *s = suite_create("limits");
    TCase *tc = tcase_create("limits");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, sizes_by_hand);
    tcase_add_test(tc, check_and_message);
    tcase_add_test(tc, formats);
    suite_add_tcase(s, tc);
    return s;
}
