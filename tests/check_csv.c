/* check_csv.c - unit tests of pt_csv's writer: a round trip through the loader (values as
 * %.10g, names, a stable fingerprint), a file replaced whole, failures leaving nothing.
 * (CSV loading is tested through pt_dataset_load in check_dataset.)
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
#include "pt_csv.h"
#include "pt_synth.h"
#include "scratch.h"

START_TEST(write_roundtrip)
{
    pt_dataset_t *a = pt_synth_regression(200, 7, 3), *b;
    char err[PT_ERRLEN] = "", out[PATH_MAX], num[32];
    snprintf(out, sizeof out, "%s", tpath("out.csv"));
    put("out.csv", "old contents\n");
    ck_assert_msg(pt_csv_write(a, out, err) == 0, "%s", err);
    ck_assert_int_eq(count_entries(tmpdir), 1); /* replaced in place, no temp file left */
    b = load_ok(out, NULL);
    ck_assert_uint_eq(b->rows, 200);
    ck_assert_uint_eq(b->features, 7);
    for (size_t j = 0; j < 7; j++)
        ck_assert_str_eq(b->names[j], a->names[j]);
    ck_assert_str_eq(b->label_name, "label");
    for (size_t i = 0; i < 200 * 7; i++) {
        snprintf(num, sizeof num, "%.10g", a->x[i]);
        ck_assert(b->x[i] == strtod(num, NULL));
        ck_assert(fabs(b->x[i] - a->x[i]) <= 1e-9 * fabs(a->x[i]));
    }
    for (size_t i = 0; i < 200; i++) {
        snprintf(num, sizeof num, "%.10g", a->y[i]);
        ck_assert(b->y[i] == strtod(num, NULL));
    }
    /* written data reads back to the same bytes, so the fingerprint of a reload is stable */
    ck_assert_msg(pt_csv_write(b, out, err) == 0, "%s", err);
    {
        pt_dataset_t *c = load_ok(out, NULL);
        ck_assert(pt_dataset_fingerprint(c) == pt_dataset_fingerprint(b));
        pt_dataset_destroy(&c);
    }
    pt_dataset_destroy(&a);
    pt_dataset_destroy(&b);
}
END_TEST

START_TEST(write_fails_cleanly)
{
    pt_dataset_t *a = pt_synth_regression(5, 2, 1);
    char err[PT_ERRLEN] = "", out[PATH_MAX];
    struct stat st;
    ck_assert_int_lt(snprintf(out, sizeof out, "%s/missing/out.csv", tmpdir), PATH_MAX);
    ck_assert_int_eq(pt_csv_write(a, out, err), -ENOENT);
    ck_assert_ptr_nonnull(strstr(err, "missing/out.csv"));
    ck_assert_ptr_nonnull(strstr(err, "No such file or directory"));
    ck_assert_int_eq(count_entries(tmpdir), 0);
    ck_assert_int_ne(stat(out, &st), 0);
    /* a name that cannot be a CSV header is refused before anything is created */
    free(a->names[1]);
    a->names[1] = strdup("a,b");
    ck_assert_int_eq(pt_csv_write(a, tpath("o.csv"), err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "a,b"));
    ck_assert_int_eq(count_entries(tmpdir), 0);
    pt_dataset_destroy(&a);
}
END_TEST

Suite *suite_csv(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("csv");
    tcase_set_timeout(tc, TIMEOUT);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, write_roundtrip);
    tcase_add_test(tc, write_fails_cleanly);
    suite_add_tcase(s, tc);
    return s;
}
