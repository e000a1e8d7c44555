/* check_split.c - unit tests of pt_split: shuffles, exact fold sizes, determinism. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_split.h"

START_TEST(shuffle_is_permutation_and_deterministic)
{
    size_t n = 1000, *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    char *seen = calloc(n, 1);
    pt_split_shuffle(n, 42, a);
    pt_split_shuffle(n, 42, b);
    ck_assert_mem_eq(a, b, n * sizeof *a);
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_lt(a[i], n);
        ck_assert_int_eq(seen[a[i]], 0);
        seen[a[i]] = 1;
    }
    pt_split_shuffle(n, 43, b);
    ck_assert_int_ne(memcmp(a, b, n * sizeof *a), 0);
    free(a);
    free(b);
    free(seen);
}
END_TEST

START_TEST(shuffle_reference_values)
{
    /* Fisher-Yates with splitmix64 written out independently: r = splitmix64 output,
     * j = (r * (i+1)) >> 64. For n = 5, seed 7 the same steps computed by
     * tests/ref/split_ref.py give this order. */
    size_t p[5], want[5];
    uint64_t st = 7;
    for (size_t i = 0; i < 5; i++)
        want[i] = i;
    for (size_t i = 5; i-- > 1;) {
        uint64_t z = (st += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        size_t j = (size_t)(((unsigned __int128)z * (i + 1)) >> 64), t = want[i];
        want[i] = want[j];
        want[j] = t;
    }
    pt_split_shuffle(5, 7, p);
    ck_assert_mem_eq(p, want, sizeof p);
}
END_TEST

START_TEST(kfold_exact_sizes)
{
    size_t n = 103;
    int32_t *f = malloc(n * sizeof *f);
    size_t cnt[4] = {0};
    char err[PT_ERRLEN];
    ck_assert_int_eq(pt_split_kfold(n, 4, 1, f, err), 0);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_ge(f[i], 0);
        ck_assert_int_lt(f[i], 4);
        cnt[f[i]]++;
    }
    for (int k = 0; k < 4; k++) {
        ck_assert_uint_ge(cnt[k], 25);
        ck_assert_uint_le(cnt[k], 26);
    }
    ck_assert_int_ne(pt_split_kfold(n, 1, 1, f, err), 0);
    ck_assert_ptr_nonnull(strstr(err, "numFolds"));
    ck_assert_int_ne(pt_split_kfold(3, 4, 1, f, err), 0);
    free(f);
}
END_TEST

START_TEST(tvs_sizes_and_bounds)
{
    size_t n = 10;
    int32_t f[10];
    size_t train = 0;
    char err[PT_ERRLEN];
    ck_assert_int_eq(pt_split_tvs(n, 0.75, 3, f, err), 0);
    for (size_t i = 0; i < n; i++)
        train += f[i] == 0;
    ck_assert_uint_eq(train, 8); /* round(7.5) = 8 */
    ck_assert_int_eq(pt_split_tvs(n, 0.01, 3, f, err), 0);
    train = 0;
    for (size_t i = 0; i < n; i++)
        train += f[i] == 0;
    ck_assert_uint_eq(train, 1);
    ck_assert_int_ne(pt_split_tvs(n, 1.0, 3, f, err), 0);
    ck_assert_ptr_nonnull(strstr(err, "trainRatio"));
    ck_assert_int_ne(pt_split_tvs(n, 0.0, 3, f, err), 0);
    ck_assert_int_ne(pt_split_tvs(1, 0.5, 3, f, err), 0);
}
END_TEST

START_TEST(stratified_folds_keep_class_shares)
{
    enum { N = 101 };
    double label[N];
    int32_t f[N];
    size_t cnt[3][4] = {{0}}, tot[3] = {0}, ntrain = 0;
    char err[PT_ERRLEN];
    for (size_t i = 0; i < N; i++) {
        label[i] = i < 60 ? 0 : i < 90 ? 1 : 2; /* 60 / 30 / 11 */
        tot[(size_t)label[i]]++;
    }
    ck_assert_int_eq(pt_split_kfold_strat(N, label, 3, 4, 5, f, err), 0);
    for (size_t i = 0; i < N; i++)
        cnt[(size_t)label[i]][f[i]]++;
    for (size_t c = 0; c < 3; c++)
        for (size_t k = 0; k < 4; k++) {
            double share = (double)tot[c] / 4;
            ck_assert(cnt[c][k] >= (size_t)share && cnt[c][k] <= (size_t)share + 1);
        }
    ck_assert_int_eq(pt_split_tvs_strat(N, label, 3, 0.8, 5, f, err), 0);
    for (size_t i = 0; i < N; i++)
        ntrain += f[i] == 0;
    ck_assert_uint_eq(ntrain, 48 + 24 + 9); /* round(0.8 * 60, 30, 11) */
    ck_assert_int_ne(pt_split_kfold_strat(3, label, 3, 4, 5, f, err), 0);
}
END_TEST

Suite *suite_split(void)
{
    Suite *s = suite_create("split");
    TCase *tc = tcase_create("split");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, shuffle_is_permutation_and_deterministic);
    tcase_add_test(tc, shuffle_reference_values);
    tcase_add_test(tc, kfold_exact_sizes);
    tcase_add_test(tc, tvs_sizes_and_bounds);
    tcase_add_test(tc, stratified_folds_keep_class_shares);
    suite_add_tcase(s, tc);
    return s;
}
