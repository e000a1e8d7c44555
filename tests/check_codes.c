/* check_codes.c - unit tests of pt_codes: the slots a sweep needs, and a slot published by
 * one process and read in place by another. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pt_codes.h"
#include "pt_common.h"

START_TEST(plan_dedups_and_keys_the_seed)
{
    /* maps: maxBins 32 twice (seeds 1, 2), 16, and a map that is not a tree (0) */
    int mb[4] = {32, 32, 16, 0};
    uint64_t seed[4] = {1, 2, 1, 1};
    size_t ntrain[2] = {600, 20000}; /* fold 1 is sampled (above max(32^2, 10000)) */
    pt_codes_key_t keys[8];
    int32_t map[8];
    size_t n = pt_codes_plan(mb, seed, 4, ntrain, 2, 5, keys, map);
    ck_assert_uint_eq(n, 5); /* (0,32), (1,32,s1), (1,32,s2), (0,16), (1,16) */
    ck_assert_int_eq(keys[0].fold, 0);
    ck_assert_int_eq(keys[0].max_bins, 32);
    ck_assert_uint_eq(keys[0].seed_key, 0);
    ck_assert_uint_eq(keys[1].seed_key, 1);
    ck_assert_uint_eq(keys[2].seed_key, 2);
    ck_assert_int_eq(map[2], 1);
    ck_assert_int_eq(keys[3].max_bins, 16);
    ck_assert_int_eq(map[4], 2);
    ck_assert_uint_eq(keys[4].rows, 20000);
    ck_assert_uint_eq(keys[4].features, 5);
    ck_assert_uint_eq(pt_codes_seed_key(10000, 32, 7), 0);
    ck_assert_uint_eq(pt_codes_seed_key(10001, 32, 7), 7);
    ck_assert_uint_eq(pt_codes_seed_key(60000, 257, 7), 0); /* 257^2 = 66049 rows sampled */
    ck_assert_uint_eq(pt_codes_seed_key(70000, 257, 7), 7);
}
END_TEST

static void *dst_of(void *arg, size_t bytes)
{
    void **a = arg;
    return pt_codes_dst(a[0], (size_t)(long)a[1], bytes);
}

START_TEST(publish_in_child_view_in_parent)
{
    char err[PT_ERRLEN];
    pt_codes_key_t keys[2] = {{0, 32, 0, 4, 2}, {1, 300, 0, 3, 2}};
    double t0[2] = {0.5, 1.5};
    double *thr[2] = {t0, NULL};
    uint32_t nbins[2] = {3, 4};
    pt_bins_t b = {.p = 2, .p_num = 1, .nbins = nbins, .thr = thr, .wide = 0, .max_bins = 32};
    pt_bins_t got = {0};
    const uint8_t *codes;
    const void *cv;
    pt_codes_t *c;
    int fd = -1, st;
    pid_t pid;

    ck_assert_int_eq(pt_codes_create(keys, 2, &fd, err), 0);
    c = pt_codes_map(fd, err);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(pt_codes_find(c, 1, 300, 0), 1);
    ck_assert_int_eq(pt_codes_find(c, 1, 32, 0), -1);
    ck_assert_int_eq(pt_codes_view(c, 0, &got, &cv, err), 0); /* not ready */
    ck_assert_ptr_null(pt_codes_dst(c, 0, 4 * 2 + 1));      /* no room */
    pid = fork();
    if (pid == 0) {
        pt_codes_t *w = pt_codes_map(fd, err);
        void *arg[2] = {w, (void *)0L};
        uint8_t *d = w != NULL ? dst_of(arg, 8) : NULL;
        static const uint8_t want[8] = {0, 1, 2, 2, 3, 0, 1, 3};
        if (d == NULL)
            _exit(1);
        memcpy(d, want, 8);
        _exit(pt_codes_publish(w, 0, &b, err) == 0 ? 0 : 2);
    }
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    ck_assert_int_eq(pt_codes_view(c, 0, &got, &cv, err), 1);
    codes = cv;
    ck_assert_uint_eq(codes[2], 2);
    ck_assert_uint_eq(codes[7], 3);
    ck_assert_uint_eq(got.p, 2);
    ck_assert_uint_eq(got.nbins[1], 4);
    ck_assert_double_eq(got.thr[0][1], 1.5);
    ck_assert_int_eq(pt_codes_view(c, 1, &got, &cv, err), 0);
    pt_bins_free(&got);
    pt_codes_unmap(&c);
    ck_assert_ptr_null(c);
    close(fd);
}
END_TEST

Suite *suite_codes(void)
{
    Suite *s = suite_create("codes");
    TCase *tc = tcase_create("codes");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, plan_dedups_and_keys_the_seed);
    tcase_add_test(tc, publish_in_child_view_in_parent);
    suite_add_tcase(s, tc);
    return s;
}
