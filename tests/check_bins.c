/* check_bins.c - unit tests of Spark's findSplits (pt_bins): midpoints, the inferred weight
 * of 0, the stride rule (worked by hand), weights, the bin of a value (x == threshold goes
 * to the threshold's bin, NaN to the last), the sample rule's bound, column-major codes and
 * the pack / unpack round trip. */
#include <check.h>
#include <math.h>

#include "trees_util.h"

static pt_bins_t bins_of(const double *x, const double *w, size_t n, int max_bins)
{
    tu_mat_t m = {x, 1};
    pt_bins_t b;
    char err[512];
    ck_assert_int_eq(pt_bins_find(tu_rows, &m, n, 1, 0, NULL, w, max_bins, 3, &b, err), 0);
    return b;
}

START_TEST(midpoints)
{
    double x[] = {4, 1, 3, 2, 3};
    pt_bins_t b = bins_of(x, NULL, 5, 32);
    ck_assert_uint_eq(b.nbins[0], 4);
    ck_assert_double_eq(b.thr[0][0], 1.5);
    ck_assert_double_eq(b.thr[0][1], 2.5);
    ck_assert_double_eq(b.thr[0][2], 3.5);
    ck_assert_int_eq(b.wide, 0);
    pt_bins_free(&b);
}
END_TEST

/* 0 is never gathered: its weight is inferred (4 rows - 2 non-zero = 2) and it becomes a
 * value; a feature that is 0 everywhere has no threshold. */
START_TEST(zero_inferred)
{
    double x[] = {0, 2, 0, -1}, z[] = {0, 0, 0};
    pt_bins_t b = bins_of(x, NULL, 4, 32);
    ck_assert_uint_eq(b.nbins[0], 3);
    ck_assert_double_eq(b.thr[0][0], -0.5);
    ck_assert_double_eq(b.thr[0][1], 1.0);
    pt_bins_free(&b);
    b = bins_of(z, NULL, 3, 32);
    ck_assert_uint_eq(b.nbins[0], 1);
    pt_bins_free(&b);
}
END_TEST

/* 1..10 once each, maxBins 4: stride 10 / 4 = 2.5; by hand the walk emits after 3 (cum 3
 * to 4 moves away from 2.5), after 5 (target 5) and after 8 (target 7.5): 3.5, 5.5, 8.5. */
START_TEST(stride_rule)
{
    double x[10];
    for (int i = 0; i < 10; i++)
        x[i] = i + 1;
    pt_bins_t b = bins_of(x, NULL, 10, 4);
    ck_assert_uint_eq(b.nbins[0], 4);
    ck_assert_double_eq(b.thr[0][0], 3.5);
    ck_assert_double_eq(b.thr[0][1], 5.5);
    ck_assert_double_eq(b.thr[0][2], 8.5);
    pt_bins_free(&b);
}
END_TEST

/* Weights move the stride walk: values 1..4 with weights 6, 1, 1, 1 and maxBins 2 (one
 * split): stride 4.5; cum 6 after value 1 is already past, 6 -> 7 moves away: the threshold
 * is 1.5. With weights 1, 1, 1, 6: cum 1, 2, 3 approach 4.5, 3 -> 9 moves away: 3.5. */
START_TEST(weighted_stride)
{
    double x[] = {1, 2, 3, 4}, w1[] = {6, 1, 1, 1}, w2[] = {1, 1, 1, 6};
    pt_bins_t b = bins_of(x, w1, 4, 2);
    ck_assert_uint_eq(b.nbins[0], 2);
    ck_assert_double_eq(b.thr[0][0], 1.5);
    pt_bins_free(&b);
    b = bins_of(x, w2, 4, 2);
    ck_assert_uint_eq(b.nbins[0], 2);
    ck_assert_double_eq(b.thr[0][0], 3.5);
    pt_bins_free(&b);
}
END_TEST

START_TEST(bin_of_value)
{
    double x[] = {1, 2, 3, 4};
    pt_bins_t b = bins_of(x, NULL, 4, 32);
    ck_assert_uint_eq(pt_bins_bin(&b, 0, 1.5), 0);  /* x <= thr[0] */
    ck_assert_uint_eq(pt_bins_bin(&b, 0, 1.6), 1);
    ck_assert_uint_eq(pt_bins_bin(&b, 0, -9), 0);
    ck_assert_uint_eq(pt_bins_bin(&b, 0, 3.5), 2);
    ck_assert_uint_eq(pt_bins_bin(&b, 0, 99), 3);
    ck_assert_uint_eq(pt_bins_bin(&b, 0, NAN), 3);
    pt_bins_free(&b);
}
END_TEST

/* 30000 distinct values, maxBins 32: a sample of about 10000 rows; about 31 thresholds
 * (the stride walk can emit one more when the sample weighs more than its expected
 * 10000, as Spark's does), ascending, inside the range, near the quantiles. */
START_TEST(sample_rule)
{
    size_t n = 30000;
    double *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = (double)((i * 7919) % n);
    pt_bins_t b = bins_of(x, NULL, n, 32);
    ck_assert_uint_le(b.nbins[0], 33);
    ck_assert_uint_ge(b.nbins[0], 28);
    for (uint32_t s = 1; s + 1 < b.nbins[0]; s++)
        ck_assert(b.thr[0][s - 1] < b.thr[0][s]);
    ck_assert(b.thr[0][0] > 0 && b.thr[0][b.nbins[0] - 2] < n);
    /* the quantiles of a uniform column: the first threshold near n / 32 */
    ck_assert(fabs(b.thr[0][0] - n / 32.0) < n / 100.0);
    pt_bins_free(&b);
    free(x);
}
END_TEST

START_TEST(codes_and_pack)
{
    double x[] = {1, 0, 5, 2, 2, 1, 9, 0}; /* 4 rows: continuous, categorical code */
    uint64_t cs[] = {3};
    tu_mat_t m = {x, 2};
    pt_bins_t b, c;
    char err[512];
    uint8_t codes[8];
    ck_assert_int_eq(pt_bins_find(tu_rows, &m, 4, 1, 1, cs, NULL, 32, 1, &b, err), 0);
    ck_assert_uint_eq(b.nbins[1], 3);
    ck_assert_ptr_null(b.thr[1]);
    ck_assert_uint_eq(pt_bins_code_bytes(&b, 4), 8);
    pt_bins_code(&b, tu_rows, &m, 4, 0, 2, codes);
    pt_bins_code(&b, tu_rows, &m, 4, 2, 4, codes);
    /* values 1, 5, 2, 9: thresholds 1.5, 3.5, 7 */
    ck_assert_uint_eq(codes[0], 0);
    ck_assert_uint_eq(codes[1], 2);
    ck_assert_uint_eq(codes[2], 1);
    ck_assert_uint_eq(codes[3], 3);
    ck_assert_uint_eq(codes[4], 0);
    ck_assert_uint_eq(codes[5], 2);
    ck_assert_uint_eq(codes[6], 1);
    ck_assert_uint_eq(codes[7], 0);
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    pt_bins_pack(&b, &pk);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    ck_assert_int_eq(msgpack_unpack_next(&u, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    ck_assert_int_eq(pt_bins_unpack(&u.data, &c, err), 0);
    ck_assert_uint_eq(c.p, 2);
    ck_assert_uint_eq(c.nbins[0], b.nbins[0]);
    ck_assert_uint_eq(c.nbins[1], 3);
    for (uint32_t s = 0; s + 1 < b.nbins[0]; s++)
        ck_assert_double_eq(c.thr[0][s], b.thr[0][s]);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
    pt_bins_free(&b);
    pt_bins_free(&c);
}
END_TEST

START_TEST(bad_input)
{
    double x[] = {1, NAN};
    tu_mat_t m = {x, 1};
    pt_bins_t b;
    char err[512];
    ck_assert_int_eq(pt_bins_find(tu_rows, &m, 2, 1, 0, NULL, NULL, 32, 1, &b, err), -EINVAL);
    ck_assert_int_eq(pt_bins_find(tu_rows, &m, 1, 1, 0, NULL, NULL, 1, 1, &b, err), -EINVAL);
}
END_TEST

Suite *suite_bins(void)
{
    Suite *s = suite_create("bins");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, midpoints);
    tcase_add_test(tc, zero_inferred);
    tcase_add_test(tc, stride_rule);
    tcase_add_test(tc, weighted_stride);
    tcase_add_test(tc, bin_of_value);
    tcase_add_test(tc, sample_rule);
    tcase_add_test(tc, codes_and_pack);
    tcase_add_test(tc, bad_input);
    suite_add_tcase(s, tc);
    return s;
}
