/* check_imputer.c - unit tests of the imputer's layout and map: pt_missing_expand (x0 and
 * indicator columns for the columns with a missing value), the imputer stage's affine map
 * x0 + surrogate * m for each strategy (mean from the moments; median, mode from the rows), a
 * column without an observed value in the training rows (the fit fails), pt_missing_fill. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pt_missing.h"
#include "pt_moments.h"
#include "pt_stage.h"

#define N 6
#define P 3
#define Q 5 /* P + the indicators of columns 0 and 2 */

static const double raw[N][P] = {
    {1, 10, NAN}, {NAN, 20, 2}, {3, 30, 2}, {NAN, 40, 4}, {5, 50, NAN}, {8, 60, 4},
};

static pt_dataset_t *expanded(void)
{
    char err[256] = "";
    pt_dataset_t *ds = pt_dataset_new(PT_FMT_CSV);
    static const char *nm[P] = {"a", "b", "c"};
    ck_assert_ptr_nonnull(ds);
    ds->rows = N;
    ds->features = P;
    ds->x = malloc(sizeof raw);
    ds->y = calloc(N, sizeof *ds->y);
    ds->names = calloc(P, sizeof *ds->names);
    memcpy(ds->x, raw, sizeof raw);
    for (int j = 0; j < P; j++)
        ds->names[j] = strdup(nm[j]);
    ck_assert_int_eq(pt_missing_expand(ds, "f.csv", err), 0);
    return ds;
}

START_TEST(expand_layout)
{
    pt_dataset_t *ds = expanded();
    ck_assert_uint_eq(ds->features, Q);
    ck_assert_uint_eq(ds->nmiss, 2);
    ck_assert_uint_eq(ds->miss_col[0], 0);
    ck_assert_uint_eq(ds->miss_col[1], 2);
    ck_assert_str_eq(ds->names[3], "a?missing");
    ck_assert_str_eq(ds->names[4], "c?missing");
    for (int r = 0; r < N; r++)
        for (int j = 0; j < P; j++) {
            double v = raw[r][j];
            ck_assert_double_eq(ds->x[r * Q + j], isnan(v) ? 0 : v);
            if (j != 1)
                ck_assert_double_eq(ds->x[r * Q + P + (j == 2)], isnan(v) ? 1 : 0);
        }
    pt_dataset_destroy(&ds);
}
END_TEST

static const uint32_t miss_col[2] = {0, 2};

/* Fits the imputer with strategy on rows [r0, r1) of the expanded data. */
static int fit(pt_stage_fit_t *st, const pt_dataset_t *ds, const char *strategy, int r0, int r1,
               char *err)
{
    pt_value_t val = {.type = PT_VAL_STRING, .str = (char *)strategy};
    double y[N] = {0};
    pt_moments_t *m = pt_moments_new(Q);
    pt_rowblock_t blk = {.x = ds->x + r0 * Q, .y = y, .n = (size_t)(r1 - r0)};
    pt_stage_in_t in = {.m = m, .blocks = &blk, .nblocks = 1, .p_raw = Q, .nmiss = 2,
                        .miss_col = miss_col, .for_model = 1}; /* b's surrogate too */
    int rc;
    ck_assert_int_eq(pt_moments_from_rows(m, blk.x, y, blk.n), 0);
    st->def = pt_stage_lookup("imputer");
    st->p_in = Q;
    ck_assert_int_eq(pt_paramlist_set(&st->params, "imputer.strategy", &val), 0);
    rc = st->def->fit(st, &in, err);
    pt_moments_destroy(&m);
    return rc;
}

START_TEST(imputed_by_the_map)
{
    /* observed: a {1, 3, 5, 8}, b {10..60}, c {2, 2, 4, 4} */
    static const char *strat[3] = {"mean", "median", "mode"};
    static const double want[3][P] = {{4.25, 35, 3}, {3, 30, 2}, {1, 10, 2}};
    pt_dataset_t *ds = expanded();
    for (int s = 0; s < 3; s++) {
        pt_stage_fit_t st = {0};
        char err[256] = "";
        size_t nmiss;
        const double *sur;
        ck_assert_int_eq(fit(&st, ds, strat[s], 0, N, err), 0);
        ck_assert_uint_eq(st.p_out, P);
        sur = pt_stage_imputer_surrogates(&st, &nmiss);
        ck_assert_uint_eq(nmiss, 2);
        for (int j = 0; j < P; j++)
            ck_assert_double_eq_tol(sur[j], want[s][j], 1e-12);
        for (int r = 0; r < N; r++)
            for (int j = 0; j < P; j++) {
                double z = st.c != NULL ? st.c[j] : 0;
                for (int i = 0; i < Q; i++)
                    z += st.A[i * P + j] * ds->x[r * Q + i];
                ck_assert_double_eq_tol(z, isnan(raw[r][j]) ? want[s][j] : raw[r][j], 1e-12);
            }
        pt_stage_fit_free(&st);
    }
    pt_dataset_destroy(&ds);
}
END_TEST

/* A fold's median / mode surrogates are kept in its training set's cache: the second fit on
 * the set takes them from there without reading the rows (here: without rows to read). */
START_TEST(surrogates_kept_between_fits)
{
    pt_dataset_t *ds = expanded();
    pt_impute_cache_t cache = {{NULL}, {0}};
    pt_value_t val = {.type = PT_VAL_STRING, .str = "median"};
    double y[N] = {0};
    pt_moments_t *m = pt_moments_new(Q);
    pt_rowblock_t blk = {.x = ds->x, .y = y, .n = N};
    pt_stage_in_t in = {.m = m, .blocks = &blk, .nblocks = 1, .p_raw = Q, .nmiss = 2,
                        .miss_col = miss_col, .impute_cache = &cache};
    double first[P];
    char err[256] = "";
    ck_assert_int_eq(pt_moments_from_rows(m, blk.x, y, blk.n), 0);
    for (int pass = 0; pass < 2; pass++) {
        pt_stage_fit_t st = {.def = pt_stage_lookup("imputer"), .p_in = Q};
        size_t nmiss;
        const double *sur;
        ck_assert_int_eq(pt_paramlist_set(&st.params, "imputer.strategy", &val), 0);
        if (pass == 1)
            in.nblocks = 0; /* the rows are not read again */
        ck_assert_int_eq(st.def->fit(&st, &in, err), 0);
        sur = pt_stage_imputer_surrogates(&st, &nmiss);
        for (int j = 0; j < P; j++) {
            if (pass == 0)
                first[j] = sur[j];
            ck_assert_double_eq(sur[j], first[j]);
        }
        ck_assert_double_eq(first[0], 3); /* a's median, as in imputed_by_the_map */
        pt_stage_fit_free(&st);
    }
    ck_assert_ptr_nonnull(cache.v[PT_IMPUTE_MEDIAN]);
    ck_assert_ptr_null(cache.v[PT_IMPUTE_MODE]);
    pt_impute_cache_free(&cache);
    pt_moments_destroy(&m);
    pt_dataset_destroy(&ds);
}
END_TEST

START_TEST(no_surrogate_fails)
{
    pt_dataset_t *ds = expanded();
    for (int s = 0; s < 2; s++) {
        pt_stage_fit_t st = {0};
        char err[256] = "";
        /* rows 3, 4 observe a and c once each; row 1 alone has no a */
        ck_assert_int_eq(fit(&st, ds, s ? "median" : "mean", 3, 5, err), 0);
        pt_stage_fit_free(&st);
        st = (pt_stage_fit_t){0};
        ck_assert_int_eq(fit(&st, ds, s ? "median" : "mean", 1, 2, err), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err, "surrogate cannot be computed"));
        pt_stage_fit_free(&st);
    }
    pt_dataset_destroy(&ds);
}
END_TEST

START_TEST(fill_for_predict)
{
    const double x[2 * P] = {NAN, 1, 2, 3, NAN, NAN}, sur[P] = {7, 8, 9};
    const double want[2 * Q] = {7, 1, 2, 0, 0, 3, 8, 9, 0, 0};
    double y[2 * Q];
    pt_missing_fill(x, 2, P, sur, 2, y);
    for (int i = 0; i < 2 * Q; i++)
        ck_assert_double_eq(y[i], want[i]);
}
END_TEST

Suite *suite_imputer(void)
{
    Suite *s = suite_create("imputer");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, expand_layout);
    tcase_add_test(tc, imputed_by_the_map);
    tcase_add_test(tc, no_surrogate_fails);
    tcase_add_test(tc, surrogates_kept_between_fits);
    tcase_add_test(tc, fill_for_predict);
    suite_add_tcase(s, tc);
    return s;
}
