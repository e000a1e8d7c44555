/* check_scratch.c - unit tests of pt_scratch: the arrays carved from one block are disjoint,
 * in order, 16-byte aligned, and an impossible size is refused. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "pt_scratch.h"

START_TEST(carves_aligned_disjoint)
{
    double *a = NULL, *b = NULL, *c = NULL, *d = NULL;
    double **const v[] = {&a, &b, &c, &d};
    const size_t n[] = {3, 0, 5, 2};
    double *block = pt_scratch_alloc(v, n, 4);

    ck_assert_ptr_nonnull(block);
    ck_assert_ptr_eq(a, block);
    ck_assert(b >= a + 3 && c >= b && d >= c + 5);
    ck_assert_uint_eq((uintptr_t)b % 16, 0);
    ck_assert_uint_eq((uintptr_t)c % 16, 0);
    ck_assert_uint_eq((uintptr_t)d % 16, 0);
    for (size_t i = 0; i < 3; i++)
        a[i] = 1.0;
    for (size_t i = 0; i < 5; i++)
        c[i] = 2.0;
    d[0] = d[1] = 3.0;
    ck_assert(a[2] == 1.0 && c[0] == 2.0 && c[4] == 2.0 && d[1] == 3.0);
    free(block);
}
END_TEST

START_TEST(refuses_overflow)
{
    double *a = NULL, *b = NULL;
    double **const v[] = {&a, &b};
    const size_t n[] = {SIZE_MAX / sizeof(double) / 2, SIZE_MAX / sizeof(double) / 2 + 2};

    ck_assert_ptr_null(pt_scratch_alloc(v, n, 2));
    ck_assert_ptr_null(a);
    ck_assert_ptr_null(b);
}
END_TEST

Suite *suite_scratch(void)
{
    Suite *s = suite_create("scratch");
    TCase *tc = tcase_create("scratch");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, carves_aligned_disjoint);
    tcase_add_test(tc, refuses_overflow);
    suite_add_tcase(s, tc);
    return s;
}
