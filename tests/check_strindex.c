/* check_strindex.c - unit tests of the categorical stages: stringIndexer's order rules (the
 * four stringOrderTypes, equal counts by the strings ascending as Spark's sortByFreq) and the
 * maps of stringIndexer and oneHotEncoder on the indicator columns (every width rule of
 * Spark's OneHotEncoder, the unseen category under keep), the rows handleInvalid skip drops,
 * and the imputer with stringIndexer in either order. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "pt_moments.h"
#include "pt_pipeline.h"
#include "pt_stage.h"

START_TEST(order_rules)
{
    /* categories 0..5 = "a".."f" (codes in byte order); counts with ties, f unseen */
    const double count[6] = {3, 1, 3, 5, 1, 0};
    static const uint32_t want[4][5] = {
        {3, 0, 2, 1, 4}, /* frequencyDesc: d5, a3 c3 (a < c), b1 e1 */
        {1, 4, 0, 2, 3}, /* frequencyAsc: b1 e1, a3 c3, d5 */
        {4, 3, 2, 1, 0}, /* alphabetDesc */
        {0, 1, 2, 3, 4}, /* alphabetAsc */
    };
    uint32_t labels[6];
    for (int o = 0; o < 4; o++) {
        ck_assert_uint_eq(pt_stage_strindex_order(count, 6, o, labels), 5);
        for (int i = 0; i < 5; i++)
            ck_assert_uint_eq(labels[i], want[o][i]);
    }
    ck_assert_uint_eq(pt_stage_strindex_order(count + 5, 1, 0, labels), 0);
}
END_TEST

#define N 7
#define P 5 /* one numeric feature, then the indicators of categories a, b, c, d */

/* Rows: numeric 0.5 * r; categories a a a b c c c (d: in the file, not in these rows). */
static pt_moments_t *rows_moments(double *x)
{
    static const int cat[N] = {0, 0, 0, 1, 2, 2, 2};
    double y[N] = {0};
    pt_moments_t *m = pt_moments_new(P);
    memset(x, 0, sizeof(double) * N * P);
    for (int r = 0; r < N; r++) {
        x[r * P] = 0.5 * r;
        x[r * P + 1 + cat[r]] = 1;
    }
    ck_assert_int_eq(pt_moments_from_rows(m, x, y, N), 0);
    return m;
}

static void setstr(pt_stage_fit_t *st, const char *key, const char *v)
{
    pt_value_t val = {.type = PT_VAL_STRING, .str = (char *)v};
    ck_assert_int_eq(pt_paramlist_set(&st->params, key, &val), 0);
}

/* z = A^T x + c for the raw row x (from_raw: A reads x; else A reads the index output z0). */
static void apply(const pt_stage_fit_t *st, const double *x, double *z)
{
    for (size_t j = 0; j < st->p_out; j++) {
        z[j] = st->c != NULL ? st->c[j] : 0;
        for (size_t i = 0; i < st->p_in; i++)
            z[j] += st->A[i * st->p_out + j] * x[i];
    }
}

static const uint64_t sizes[1] = {4};

START_TEST(indexer_and_encoder_maps)
{
    double x[N * P], z[P], row[P], oh[P + 2];
    char err[256] = "";
    pt_moments_t *m = rows_moments(x);
    pt_stage_in_t in = {.m = m, .p_raw = P, .ncat = 1, .cat_size = sizes};
    /* frequencyDesc: a3 c3 b1 -> a 0, c 1, b 2; d unseen -> 3 under keep */
    static const double want_idx[4] = {0, 2, 1, 3};
    for (int keep = 0; keep < 2; keep++) {
        pt_stage_fit_t st = {.def = pt_stage_lookup("stringIndexer"), .p_in = P};
        setstr(&st, "stringIndexer.handleInvalid", keep ? "keep" : "error");
        if (!keep) { /* d is in the file but not in the training rows: the fit fails */
            ck_assert_int_eq(st.def->fit(&st, &in, err), -EINVAL);
            ck_assert_ptr_nonnull(strstr(err, "handleInvalid error"));
            pt_stage_fit_free(&st);
            continue;
        }
        ck_assert_int_eq(st.def->fit(&st, &in, err), 0);
        ck_assert_uint_eq(st.p_out, 2);
        for (int v = 0; v < 4; v++) {
            memset(row, 0, sizeof row);
            row[0] = 1.25;
            row[1 + v] = 1;
            apply(&st, row, z);
            ck_assert_double_eq(z[0], 1.25);
            ck_assert_double_eq(z[1], want_idx[v]);
        }
        /* oneHotEncoder: size 4 (3 labels + the unknown slot); widths 3 (dropLast, error),
         * 4 (dropLast keep), 4 (no dropLast, error), 5 (no dropLast, keep) */
        for (int dl = 0; dl < 2; dl++)
            for (int ok = 0; ok < 2; ok++) {
                pt_stage_fit_t oe = {.def = pt_stage_lookup("oneHotEncoder"), .p_in = 2};
                pt_stage_in_t in2 = in;
                pt_value_t b = {.type = PT_VAL_BOOL, .num = dl};
                size_t w = dl ? (ok ? 4 : 3) : (ok ? 5 : 4);
                in2.prev = &st;
                ck_assert_int_eq(pt_paramlist_set(&oe.params, "oneHotEncoder.dropLast", &b), 0);
                setstr(&oe, "oneHotEncoder.handleInvalid", ok ? "keep" : "error");
                ck_assert_int_eq(oe.def->fit(&oe, &in2, err), 0);
                ck_assert(oe.from_raw);
                ck_assert_uint_eq(oe.p_out, 1 + w);
                oe.p_in = P; /* the map reads the raw features */
                for (int v = 0; v < 4; v++) {
                    memset(row, 0, sizeof row);
                    row[0] = -2;
                    row[1 + v] = 1;
                    apply(&oe, row, oh);
                    ck_assert_double_eq(oh[0], -2);
                    for (size_t t = 0; t < w; t++)
                        ck_assert_double_eq(oh[1 + t], t == (size_t)want_idx[v] ? 1 : 0);
                }
                pt_stage_fit_free(&oe);
            }
        pt_stage_fit_free(&st);
    }
    pt_moments_destroy(&m);
}
END_TEST

START_TEST(order_types_in_the_map)
{
    static const char *names[4] = {"frequencyDesc", "frequencyAsc", "alphabetDesc",
                                   "alphabetAsc"};
    /* a3 b1 c3, d unseen (keep: 3) */
    static const double want[4][4] = {{0, 2, 1, 3}, {1, 0, 2, 3}, {2, 1, 0, 3}, {0, 1, 2, 3}};
    double x[N * P], row[P], z[2];
    char err[256];
    pt_moments_t *m = rows_moments(x);
    pt_stage_in_t in = {.m = m, .p_raw = P, .ncat = 1, .cat_size = sizes};
    for (int o = 0; o < 4; o++) {
        pt_stage_fit_t st = {.def = pt_stage_lookup("stringIndexer"), .p_in = P};
        setstr(&st, "stringIndexer.stringOrderType", names[o]);
        setstr(&st, "stringIndexer.handleInvalid", "keep");
        ck_assert_int_eq(st.def->fit(&st, &in, err), 0);
        for (int v = 0; v < 4; v++) {
            memset(row, 0, sizeof row);
            row[1 + v] = 1;
            apply(&st, row, z);
            ck_assert_double_eq(z[1], want[o][v]);
        }
        pt_stage_fit_free(&st);
    }
    pt_moments_destroy(&m);
}
END_TEST

/* pt_fitted_keep_rows / pt_fitted_may_drop under handleInvalid skip: d (in the file, not in
 * the training rows) drops its row, as does a row with no category (a value predict's file
 * had that the tuning file did not); keep drops nothing. */
START_TEST(skip_drops_rows)
{
    static const char *const stages[] = {"stringIndexer", "linearRegression"};
    double x[N * P], rows[4 * P] = {0}, mean[P] = {0.5, 0.4, 0.3, 0.3, 0};
    unsigned char keep[4];
    char err[256] = "";
    pt_moments_t *m = rows_moments(x);
    pt_raw_layout_t raw = {.ncat = 1, .cat_size = sizes};
    for (int skip = 0; skip < 2; skip++) {
        pt_paramlist_t params = {0};
        pt_value_t v = {.type = PT_VAL_STRING, .str = skip ? "skip" : "keep"};
        pt_fitted_t *f;
        ck_assert_int_eq(pt_paramlist_set(&params, "stringIndexer.handleInvalid", &v), 0);
        f = pt_pipeline_fit_raw(m, NULL, 0, (char *const *)stages, 2, &params, 0, NULL, &raw,
                                err);
        ck_assert_msg(f != NULL, "%s", err);
        rows[0 * P + 1] = 1; /* a */
        rows[1 * P + 4] = 1; /* d: unseen */
        rows[2 * P + 3] = 1; /* c */
        /* row 3: no category at all */
        ck_assert_uint_eq(pt_fitted_keep_rows(f, rows, 4, keep), skip ? 2 : 4);
        ck_assert_uint_eq(keep[0], 1);
        ck_assert_uint_eq(keep[1], !skip);
        ck_assert_uint_eq(keep[2], 1);
        ck_assert_uint_eq(keep[3], !skip);
        ck_assert_int_eq(pt_fitted_may_drop(f, NULL), skip);
        mean[4] = 0;
        ck_assert_int_eq(pt_fitted_may_drop(f, mean), 0);
        mean[4] = 0.1;
        ck_assert_int_eq(pt_fitted_may_drop(f, mean), skip);
        pt_fitted_destroy(&f);
        pt_paramlist_free(&params);
    }
    pt_moments_destroy(&m);
}
END_TEST

/* imputer and stringIndexer in either order compose to the same model: rows of the numeric
 * x0 (missing in rows 1 and 4), the category indicators a b c, and x0's missing indicator. */
START_TEST(imputer_either_order)
{
    static const char *const o1[] = {"imputer", "stringIndexer", "oneHotEncoder",
                                     "linearRegression"};
    static const char *const o2[] = {"stringIndexer", "imputer", "oneHotEncoder",
                                     "linearRegression"};
    static const int cat[8] = {0, 1, 2, 0, 1, 2, 0, 0};
    static const uint32_t miss_col[1] = {0};
    static const uint64_t csz[1] = {3};
    double x[8 * 5] = {0}, y[8];
    const double *c1, *c2;
    double i1, i2;
    char err[256] = "";
    pt_paramlist_t params = {0};
    pt_moments_t *m = pt_moments_new(5);
    pt_raw_layout_t raw = {.ncat = 1, .cat_size = csz, .nmiss = 1, .miss_col = miss_col};
    pt_rowblock_t blk = {.x = x, .y = y, .n = 8};
    pt_fitted_t *f1, *f2;
    pt_value_t med = {.type = PT_VAL_STRING, .str = "median"};
    for (int r = 0; r < 8; r++) {
        int miss = r == 1 || r == 4;
        x[r * 5] = miss ? 0 : 0.7 * r - 1;
        x[r * 5 + 1 + cat[r]] = 1;
        x[r * 5 + 4] = miss;
        y[r] = 2.0 * r + cat[r];
    }
    ck_assert_int_eq(pt_moments_from_rows(m, x, y, 8), 0);
    ck_assert_int_eq(pt_paramlist_set(&params, "imputer.strategy", &med), 0);
    f1 = pt_pipeline_fit_raw(m, &blk, 1, (char *const *)o1, 4, &params, 0, NULL, &raw, err);
    ck_assert_msg(f1 != NULL, "%s", err);
    f2 = pt_pipeline_fit_raw(m, &blk, 1, (char *const *)o2, 4, &params, 0, NULL, &raw, err);
    ck_assert_msg(f2 != NULL, "%s", err);
    ck_assert_int_eq(pt_fitted_linear(f1, &c1, &i1), 0);
    ck_assert_int_eq(pt_fitted_linear(f2, &c2, &i2), 0);
    for (int j = 0; j < 5; j++)
        ck_assert_double_eq_tol(c1[j], c2[j], 1e-12);
    ck_assert_double_eq_tol(i1, i2, 1e-12);
    /* a third place for either is refused */
    {
        static const char *const bad[] = {"stringIndexer", "standardScaler", "imputer",
                                          "linearRegression"};
        ck_assert(pt_pipeline_fit_raw(m, &blk, 1, (char *const *)bad, 4, &params, 0, NULL,
                                      &raw, err) == NULL);
    }
    pt_fitted_destroy(&f1);
    pt_fitted_destroy(&f2);
    pt_paramlist_free(&params);
    pt_moments_destroy(&m);
}
END_TEST

Suite *suite_strindex(void)
{
    Suite *s = suite_create("strindex");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, order_rules);
    tcase_add_test(tc, indexer_and_encoder_maps);
    tcase_add_test(tc, order_types_in_the_map);
    tcase_add_test(tc, skip_drops_rows);
    tcase_add_test(tc, imputer_either_order);
    suite_add_tcase(s, tc);
    return s;
}
