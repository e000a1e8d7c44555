/* check_stats.c - unit tests of pt_stats: the shared moments cache across processes. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pt_common.h"
#include "pt_moments.h"
#include "pt_stats.h"

START_TEST(publish_in_child_view_in_parent)
{
    char err[PT_ERRLEN];
    int fd = -1, st;
    double x[12] = {1, 2, 3, 4, 5, 7, 2, 2, 9, 1, 0, 3}, y[4] = {1, 0, 2, 5};
    pt_stats_t *s;
    pt_moments_t view, *want = pt_moments_new(3);
    pid_t pid;

    ck_assert_int_eq(pt_stats_create(2, 3, &fd, err), 0);
    s = pt_stats_map(fd, err);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(pt_stats_nblocks(s), 2);
    ck_assert_int_eq(pt_stats_view(s, 0, &view), 0); /* nothing published yet */
    ck_assert_int_eq(pt_moments_from_rows(want, x, y, 4), 0);
    pid = fork();
    if (pid == 0) {
        pt_stats_t *c = pt_stats_map(fd, err);
        _exit(c != NULL && pt_stats_publish(c, 1, want) == 0 ? 0 : 1);
    }
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    ck_assert_int_eq(pt_stats_view(s, 0, &view), 0);
    ck_assert_int_eq(pt_stats_view(s, 1, &view), 1);
    ck_assert_uint_eq(view.p, 3);
    ck_assert_double_eq(view.n, 4);
    ck_assert_double_eq(view.ymean, want->ymean);
    ck_assert_double_eq(view.syy, want->syy);
    ck_assert_mem_eq(view.mean, want->mean, 3 * sizeof(double));
    ck_assert_mem_eq(view.sxy, want->sxy, 3 * sizeof(double));
    ck_assert_mem_eq(view.S, want->S, 9 * sizeof(double));
    /* the range of each column travels with the moments: (1,4,2,1), (2,5,2,0), (3,7,9,3) */
    ck_assert_mem_eq(view.min, ((double[]){1, 0, 3}), 3 * sizeof(double));
    ck_assert_mem_eq(view.max, ((double[]){4, 5, 9}), 3 * sizeof(double));
    ck_assert_int_eq(pt_stats_view(s, 2, &view), 0);
    pt_moments_destroy(&want);
    want = pt_moments_new(2);
    ck_assert_int_eq(pt_stats_publish(s, 0, want), -EINVAL); /* wrong width */
    ck_assert_int_eq(pt_stats_publish(s, 5, want), -EINVAL);
    pt_moments_destroy(&want);
    pt_stats_unmap(&s);
    ck_assert_ptr_null(s);
    close(fd);
}
END_TEST

START_TEST(refusals)
{
    char err[PT_ERRLEN];
    int fd = -1;
    FILE *f;
    ck_assert_int_ne(pt_stats_create(2, PT_STATS_MAX_FEATURES + 1, &fd, err), 0);
    ck_assert_int_eq(fd, -1);
    ck_assert_int_ne(pt_stats_create(0, 3, &fd, err), 0);
    f = tmpfile();
    fputs("not a stats segment, just some bytes to map", f);
    fflush(f);
    ck_assert_ptr_null(pt_stats_map(fileno(f), err));
    ck_assert_ptr_nonnull(strstr(err, "not a shared moments segment"));
    fclose(f);
}
END_TEST

/* The cut of the blocks into pieces depends on the data's shape only: about
 * PT_STATS_PIECES pieces of at least PT_STATS_PIECE_ROWS rows, fewer for wide data. */
START_TEST(plan_by_hand)
{
    size_t count[3], rows[3] = {100000, 100000, 100000}, tvs[2] = {800000, 200000};
    size_t seed[2] = {8000, 2000}, small[2] = {1000, 500};
    /* 300,000 rows: pieces of 12,500 rows, 8 a block */
    ck_assert_uint_eq(pt_stats_plan(3, rows, 10, 1, count), 24);
    ck_assert(count[0] == 8 && count[1] == 8 && count[2] == 8);
    /* 1,000,000 rows in 0.8 / 0.2: pieces of 41,667 rows: 19 and 5 (rounded) */
    ck_assert_uint_eq(pt_stats_plan(2, tvs, 100, 2, count), 24);
    ck_assert(count[0] == 19 && count[1] == 5);
    /* 10,000 rows in 0.8 / 0.2: pieces of at least 4,096 rows: 2 and 1, so that two workers
     * share the stats phase (6,000 and 4,000 rows) */
    ck_assert_uint_eq(pt_stats_plan(2, seed, 100, 1, count), 3);
    ck_assert(count[0] == 2 && count[1] == 1);
    ck_assert(pt_stats_plan_bytes(10000, 2, 100, 1) >= 2 * 8.0 * (4 + 400 + 1e4));
    /* too few rows to cut */
    ck_assert_uint_eq(pt_stats_plan(2, small, 100, 1, count), 2);
    ck_assert(count[0] == 1 && count[1] == 1);
    ck_assert_double_eq(pt_stats_plan_bytes(1500, 2, 100, 1), 0);
    /* 1000 features: a slot is 8 MB, 8 piece slots fit 64 MiB: 24 pieces become 6 */
    ck_assert_uint_eq(pt_stats_plan(3, rows, 1000, 1, count), 6);
    ck_assert(count[0] == 2 && count[1] == 2 && count[2] == 2);
    ck_assert(pt_stats_plan_bytes(300000, 3, 1000, 1) >= 6 * 8.0 * (4 + 4000 + 1e6));
    /* the widest data: a slot is over 64 MiB, nothing is cut */
    ck_assert_uint_eq(pt_stats_plan(3, rows, PT_STATS_MAX_FEATURES, 1, count), 3);
}
END_TEST

Suite *suite_stats(void)
{
    Suite *s = suite_create("stats");
    TCase *tc = tcase_create("stats");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, publish_in_child_view_in_parent);
    tcase_add_test(tc, refusals);
    tcase_add_test(tc, plan_by_hand);
    suite_add_tcase(s, tc);
    return s;
}
