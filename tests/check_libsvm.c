/* check_libsvm.c - unit tests of pt_libsvm: LIBSVM text loaded through pt_dataset_load
 * (comments, blank lines, CRLF, absent entries; the features option). Its errors are among
 * check_dataset's load errors.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pt_common.h"
#include "pt_dataset.h"
#include "scratch.h"

START_TEST(libsvm_basic)
{
    const char *p = put("d.libsvm", "# header comment\n1.5 1:2 3:4\n\n-2 2:-1  \r\n"
                                    "+3 1:0 3:1e-3 # trailing comment\n  \n7\n");
    pt_dataset_t *ds = load_ok(p, NULL);
    const double x[] = {2, 0, 4, 0, -1, 0, 0, 0, 1e-3, 0, 0, 0};
    const double y[] = {1.5, -2, 3, 7};
    ck_assert_int_eq(ds->format, PT_FMT_LIBSVM);
    ck_assert_uint_eq(ds->rows, 4);
    ck_assert_uint_eq(ds->features, 3);
    for (int i = 0; i < 12; i++)
        ck_assert_msg(ds->x[i] == x[i], "x[%d] = %g", i, ds->x[i]);
    for (int i = 0; i < 4; i++)
        ck_assert(ds->y[i] == y[i]);
    ck_assert_ptr_null(ds->fold);
    ck_assert_str_eq(ds->names[0], "f1");
    ck_assert_str_eq(ds->names[2], "f3");
    ck_assert_str_eq(ds->label_name, "label");
    pt_dataset_destroy(&ds);
}
END_TEST

START_TEST(libsvm_features_opt)
{
    const char *p = put("d.svm", "1 2:5\n0 1:1\n");
    pt_load_opts_t o = {.features = 5};
    pt_dataset_t *ds = load_ok(p, &o);
    ck_assert_uint_eq(ds->features, 5);
    ck_assert_uint_eq(ds->rows, 2);
    ck_assert(ds->x[1] == 5 && ds->x[5] == 1);
    for (int i = 0; i < 10; i++)
        if (i != 1 && i != 5)
            ck_assert(ds->x[i] == 0);
    ck_assert_str_eq(ds->names[4], "f5");
    pt_dataset_destroy(&ds);
}
END_TEST

Suite *suite_libsvm(void)
{
    Suite *s = suite_create("libsvm");
    TCase *tc = tcase_create("libsvm");
    tcase_set_timeout(tc, TIMEOUT);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, libsvm_basic);
    tcase_add_test(tc, libsvm_features_opt);
    suite_add_tcase(s, tc);
    return s;
}
