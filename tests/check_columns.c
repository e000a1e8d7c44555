/* check_columns.c - unit tests of pt_columns (a CSV header mapped to roles by the load
 * options) and of the CSV loader following that map: skipped columns not parsed, features in
 * the file's or the list's order, kept text, the fingerprint of the selected columns only, and
 * every refused selection.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_columns.h"
#include "pt_common.h"
#include "pt_dataset.h"

#include "scratch.h"

static char *hdr[] = {"id", "a", "label", "firm", "b", "fold"};
#define NH (sizeof hdr / sizeof hdr[0])

static void map_ok(const pt_load_opts_t *o, pt_columns_t *c)
{
    char err[PT_ERRLEN] = "";
    int rc = pt_columns_map("h.csv", hdr, NH, o, c, err);
    ck_assert_msg(rc == 0, "map failed: %s", err);
}

START_TEST(map_default)
{
    pt_load_opts_t o = {.fold_col = "fold", .num_folds = 2};
    pt_columns_t c;
    const int32_t want[NH] = {0, 1, PT_COL_LABEL, 2, 3, PT_COL_FOLD};
    map_ok(&o, &c);
    ck_assert_uint_eq(c.nfeatures, 4);
    for (size_t j = 0; j < NH; j++) {
        ck_assert_int_eq(c.role[j], want[j]);
        ck_assert_int_eq(c.keep[j], -1);
    }
    ck_assert_int_eq(c.label, 2);
    ck_assert_int_eq(c.fold, 5);
    ck_assert_uint_eq(c.feature_col[3], 4);
    pt_columns_free(&c);
}
END_TEST

START_TEST(map_ignore_and_features)
{
    static const char *ign[] = {"firm", "id"};
    static const char *feat[] = {"b", "a"}; /* given out of the file's order */
    pt_load_opts_t o = {.ignore_cols = ign, .nignore_cols = 2};
    pt_columns_t c;
    map_ok(&o, &c);
    ck_assert_uint_eq(c.nfeatures, 3); /* a, b, fold (no fold_col: a feature) */
    ck_assert_int_eq(c.role[0], PT_COL_SKIP);
    ck_assert_int_eq(c.role[1], 0);
    ck_assert_int_eq(c.role[3], PT_COL_SKIP);
    ck_assert_int_eq(c.role[4], 1);
    ck_assert_int_eq(c.role[5], 2);
    pt_columns_free(&c);

    /* --features: the file's order */
    memset(&o, 0, sizeof o);
    o.feature_cols = feat;
    o.nfeature_cols = 2;
    map_ok(&o, &c);
    ck_assert_uint_eq(c.nfeatures, 2);
    ck_assert_int_eq(c.role[1], 0);
    ck_assert_int_eq(c.role[4], 1);
    ck_assert_int_eq(c.role[0], PT_COL_SKIP);
    ck_assert_int_eq(c.role[5], PT_COL_SKIP);
    ck_assert_uint_eq(c.feature_col[0], 1);
    ck_assert_uint_eq(c.feature_col[1], 4);
    pt_columns_free(&c);

    /* list_order (predict): the list's order; no label read */
    o.list_order = 1;
    o.no_label = 1;
    map_ok(&o, &c);
    ck_assert_int_eq(c.role[4], 0);
    ck_assert_int_eq(c.role[1], 1);
    ck_assert_int_eq(c.role[2], PT_COL_SKIP);
    ck_assert_int_eq(c.label, -1);
    ck_assert_uint_eq(c.feature_col[0], 4);
    pt_columns_free(&c);
}
END_TEST

START_TEST(map_keep)
{
    static const char *keep[] = {"firm", "a", "id"};
    pt_load_opts_t o = {.keep_cols = keep, .nkeep_cols = 3};
    pt_columns_t c;
    map_ok(&o, &c);
    ck_assert_uint_eq(c.nkeep, 3);
    ck_assert_int_eq(c.keep[3], 0);
    ck_assert_int_eq(c.keep[1], 1); /* a kept column may be a feature too */
    ck_assert_int_eq(c.keep[0], 2);
    ck_assert_int_eq(c.keep[4], -1);
    ck_assert_int_eq(c.role[1], 1);
    ck_assert_uint_eq(c.keep_col[0], 3);
    pt_columns_free(&c);
}
END_TEST

typedef struct {
    pt_load_opts_t o;
    const char *want[3];
} map_err_t;

static const char *l_x[] = {"a", "x"}, *l_aa[] = {"a", "b", "a"}, *l_label[] = {"label"},
                  *l_fold[] = {"fold"}, *l_empty[] = {"a", ""}, *l_id[] = {"id"},
                  *l_firm[] = {"a", "firm"};

static const map_err_t map_errs[] = {
    {{.feature_cols = l_x, .nfeature_cols = 2},
     {"--features: h.csv:1: no column named \"x\"", "(columns: id, a, label, firm, b, fold)"}},
    {{.feature_cols = l_aa, .nfeature_cols = 3}, {"--features: column \"a\" is named twice"}},
    {{.feature_cols = l_label, .nfeature_cols = 1},
     {"--features: column \"label\" is the label column, not a feature"}},
    {{.feature_cols = l_fold, .nfeature_cols = 1, .fold_col = "fold", .num_folds = 2},
     {"--features: column \"fold\" is the fold column, not a feature"}},
    {{.feature_cols = l_empty, .nfeature_cols = 2}, {"--features: an empty column name"}},
    {{.feature_cols = l_id, .nfeature_cols = 1, .ignore_cols = l_id, .nignore_cols = 1},
     {"--features and --ignore"}},
    {{.ignore_cols = l_x, .nignore_cols = 2}, {"--ignore: h.csv:1: no column named \"x\""}},
    {{.ignore_cols = l_aa, .nignore_cols = 3}, {"--ignore: column \"a\" is named twice"}},
    {{.ignore_cols = l_label, .nignore_cols = 1}, {"--ignore: column \"label\" is the label"}},
    {{.keep_cols = l_x, .nkeep_cols = 2}, {"--keep: h.csv:1: no column named \"x\""}},
    {{.keep_cols = l_aa, .nkeep_cols = 3}, {"--keep: column \"a\" is named twice"}},
    {{.feature_cols = l_x, .nfeature_cols = 2, .features_from = "--model m.bin"},
     {"--model m.bin: h.csv:1: no column named \"x\""}},
    {{.label = "y"}, {"h.csv:1: no column named \"y\""}},
    {{.fold_col = "label", .num_folds = 2}, {"the label and fold columns are both"}},
    {{.weight_col = "w"}, {"--weight-col: h.csv:1: no column named \"w\""}},
    {{.weight_col = "label"}, {"--weight-col: column \"label\" is the label column"}},
    {{.weight_col = "fold", .fold_col = "fold", .num_folds = 2},
     {"--weight-col: column \"fold\" is the fold column"}},
    {{.weight_col = "firm", .feature_cols = l_firm, .nfeature_cols = 2},
     {"--features: column \"firm\" is the weight column, not a feature"}},
    {{.weight_col = "firm", .ignore_cols = l_firm, .nignore_cols = 2},
     {"--ignore: column \"firm\" is the weight column (it is never a feature)"}},
};

START_TEST(map_weight)
{
    pt_load_opts_t o = {.fold_col = "fold", .num_folds = 2, .weight_col = "firm"};
    pt_columns_t c;
    const int32_t want[NH] = {0, 1, PT_COL_LABEL, PT_COL_WEIGHT, 2, PT_COL_FOLD};
    map_ok(&o, &c);
    ck_assert_uint_eq(c.nfeatures, 3); /* not a feature by default */
    for (size_t j = 0; j < NH; j++)
        ck_assert_int_eq(c.role[j], want[j]);
    ck_assert_int_eq(c.weight, 3);
    pt_columns_free(&c);
}
END_TEST

START_TEST(map_errors)
{
    const map_err_t *e = &map_errs[_i];
    pt_columns_t c;
    char err[PT_ERRLEN] = "";
    ck_assert_int_eq(pt_columns_map("h.csv", hdr, NH, &e->o, &c, err), -EINVAL);
    for (int k = 0; k < 3 && e->want[k] != NULL; k++)
        ck_assert_msg(strstr(err, e->want[k]) != NULL, "case %d: '%s' lacks '%s'", _i, err,
                      e->want[k]);
    ck_assert_ptr_null(strchr(err, '\n'));
    pt_columns_free(&c);
}
END_TEST

/* ---------------------------------------------------------------- the loader */

START_TEST(load_ignore_same_as_without)
{
    char with[PATH_MAX], without[PATH_MAX], err[PT_ERRLEN] = "";
    static const char *ign[] = {"id", "firm"};
    pt_load_opts_t o = {.ignore_cols = ign, .nignore_cols = 2};
    pt_dataset_t *a, *b;
    /* an id and a string column, with text no number parser takes (and a quote) */
    snprintf(with, sizeof with, "%s",
             put("w.csv", "id,a,firm,label,b\n007,1,Acme,3,4\nx-1,5,\"Big \"\"Co\",7,8\n"
                          "z,9,,11,12\n"));
    snprintf(without, sizeof without, "%s",
             put("wo.csv", "a,label,b\n1,3,4\n5,7,8\n9,11,12\n"));
    for (int t = 1; t <= 3; t++) {
        o.threads = t;
        a = pt_dataset_load(with, &o, err);
        ck_assert_msg(a != NULL, "%s", err);
        b = pt_dataset_load(without, NULL, err);
        ck_assert_ptr_nonnull(b);
        ck_assert_uint_eq(a->features, 2);
        ck_assert_str_eq(a->names[0], "a");
        ck_assert_str_eq(a->names[1], "b");
        ck_assert_mem_eq(a->x, b->x, 6 * sizeof(double));
        ck_assert_mem_eq(a->y, b->y, 3 * sizeof(double));
        ck_assert(pt_dataset_fingerprint(a) == pt_dataset_fingerprint(b));
        ck_assert(a->fp_valid && b->fp_valid);
        pt_dataset_destroy(&a);
        pt_dataset_destroy(&b);
    }
}
END_TEST

START_TEST(load_features_order_and_keep)
{
    static const char *feat[] = {"c", "a"}, *keep[] = {"id", "a"};
    pt_load_opts_t o = {.feature_cols = feat, .nfeature_cols = 2, .keep_cols = keep,
                        .nkeep_cols = 2};
    char err[PT_ERRLEN] = "", *text;
    size_t rows = 2000, len = 0, cap = 64 * 2000 + 64;
    pt_dataset_t *ds;
    const char *p;

    /* enough rows that several threads each parse a chunk */
    text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    len += (size_t)snprintf(text + len, cap - len, "id,a,b,label,c\n");
    for (size_t r = 0; r < rows; r++)
        len += (size_t)snprintf(text + len, cap - len, "\" r%zu \",%zu,skip me,%zu,%zu.5\n", r,
                                r, r % 7, r * 3);
    p = put_n("k.csv", text, len);
    free(text);
    for (int t = 1; t <= 4; t++) {
        char want[32];
        o.threads = t;
        o.list_order = t % 2; /* file order: a, c; list order: c, a */
        ds = pt_dataset_load(p, &o, err);
        ck_assert_msg(ds != NULL, "%s", err);
        ck_assert_uint_eq(ds->features, 2);
        ck_assert_str_eq(ds->names[0], o.list_order ? "c" : "a");
        ck_assert_uint_eq(ds->nkept, 2);
        ck_assert_str_eq(ds->kept_names[0], "id");
        ck_assert_str_eq(ds->kept_names[1], "a");
        for (size_t r = 0; r < rows; r++) {
            double a = (double)r, c = (double)(r * 3) + 0.5;
            ck_assert(ds->x[r * 2] == (o.list_order ? c : a));
            ck_assert(ds->x[r * 2 + 1] == (o.list_order ? a : c));
            ck_assert(ds->y[r] == (double)(r % 7));
            /* the quoted text as it is (RFC 4180, as Python's csv reads it): only blanks
             * outside the quotes, or inside them around a number, are dropped */
            snprintf(want, sizeof want, " r%zu ", r);
            ck_assert_str_eq(pt_dataset_kept(ds, r, 0), want);
            snprintf(want, sizeof want, "%zu", r);
            ck_assert_str_eq(pt_dataset_kept(ds, r, 1), want);
        }
        pt_dataset_destroy(&ds);
    }
}
END_TEST

START_TEST(load_predict_mode)
{
    /* the model's names picked from a file with them shuffled, a label and a fold column */
    static const char *feat[] = {"a", "b"};
    pt_load_opts_t o = {.feature_cols = feat, .nfeature_cols = 2, .list_order = 1,
                        .no_label = 1, .features_from = "--model m"};
    char err[PT_ERRLEN] = "";
    pt_dataset_t *ds = pt_dataset_load(put("p.csv", "fold,b,label,a\n0,2,yes,1\n1,4,no,3\n"),
                                       &o, err);
    ck_assert_msg(ds != NULL, "%s", err);
    ck_assert(ds->x[0] == 1 && ds->x[1] == 2 && ds->x[2] == 3 && ds->x[3] == 4);
    ck_assert(isnan(ds->y[0]));
    pt_dataset_destroy(&ds);
    ck_assert_ptr_null(pt_dataset_load(put("q.csv", "fold,b,label\n0,2,1\n"), &o, err));
    ck_assert_ptr_nonnull(strstr(err, "--model m: "));
    ck_assert_ptr_nonnull(strstr(err, "q.csv:1: no column named \"a\""));
}
END_TEST

START_TEST(load_non_numeric_hint)
{
    static const char *feat[] = {"firm"}, *ign[] = {"a"};
    pt_load_opts_t o = {0};
    char err[PT_ERRLEN] = "";
    const char *p = put("n.csv", "a,firm,label\n1,2,3\n4,Acme,6\n");
    ck_assert_ptr_null(pt_dataset_load(p, &o, err));
    ck_assert_ptr_nonnull(strstr(err, "n.csv:3: field 2 (\"firm\"): not a number: \"Acme\" "
                                      "(leave the column out with --ignore firm)"));
    o.ignore_cols = ign;
    o.nignore_cols = 1;
    ck_assert_ptr_null(pt_dataset_load(p, &o, err));
    ck_assert_ptr_nonnull(strstr(err, "(leave the column out with --ignore firm)"));
    memset(&o, 0, sizeof o);
    o.feature_cols = feat;
    o.nfeature_cols = 1;
    ck_assert_ptr_null(pt_dataset_load(p, &o, err));
    ck_assert_ptr_nonnull(strstr(err, "not a number: \"Acme\" (leave it out of --features)"));
    o.features_from = "--model m";
    ck_assert_ptr_null(pt_dataset_load(p, &o, err));
    ck_assert_ptr_nonnull(strstr(err, "not a number: \"Acme\""));
    ck_assert_ptr_null(strstr(err, "leave"));
    /* a ragged row is still found in a skipped column, and an unterminated kept field */
    memset(&o, 0, sizeof o);
    o.ignore_cols = feat;
    o.nignore_cols = 1;
    ck_assert_ptr_null(pt_dataset_load(put("r.csv", "a,firm,label\n1,x,3\n4,5\n"), &o, err));
    ck_assert_ptr_nonnull(strstr(err, "r.csv:3: expected 3 fields, found 2"));
    o.keep_cols = feat;
    o.nkeep_cols = 1;
    ck_assert_ptr_null(pt_dataset_load(put("u.csv", "a,firm,label\n1,\"x,3\n"), &o, err));
    ck_assert_ptr_nonnull(strstr(err, "u.csv:2: "));
}
END_TEST

/* The weight column's values into ds->w, the same features as without the column, the weights
 * in the fingerprint; each bad weight refused with its line and column. */
START_TEST(load_weights)
{
    pt_load_opts_t o = {.weight_col = "w"};
    char err[PT_ERRLEN] = "";
    const char *p = put("w.csv", "a,w,label,b\n1,2.5,3,4\n5,0,7,8\n9,\"1\",11,12\n");
    pt_dataset_t *a, *b, *c;
    static const char *ign[] = {"w"};
    pt_load_opts_t o2 = {.ignore_cols = ign, .nignore_cols = 1};
    static const struct {
        const char *text, *want;
    } bad[] = {{"-0.5", "b.csv:3: column w: negative weight -0.5"},
               {"", "b.csv:3: column w: missing weight"},
               {"NaN", "b.csv:3: column w: missing weight"},
               {"-inf", "b.csv:3: column w: not finite: -inf"},
               {"x", "b.csv:3: column w: not a number: \"x\""}};
    for (int t = 1; t <= 2; t++) {
        o.threads = t;
        a = pt_dataset_load(p, &o, err);
        ck_assert_msg(a != NULL, "%s", err);
        b = pt_dataset_load(p, &o2, err);
        c = pt_dataset_load(p, &o, err);
        ck_assert(b != NULL && c != NULL);
        ck_assert_uint_eq(a->features, 2);
        ck_assert_str_eq(a->weight_name, "w");
        ck_assert(a->w[0] == 2.5 && a->w[1] == 0 && a->w[2] == 1);
        ck_assert_mem_eq(a->x, b->x, 6 * sizeof(double));
        ck_assert_ptr_null(b->w);
        ck_assert(pt_dataset_fingerprint(a) != pt_dataset_fingerprint(b));
        ck_assert(pt_dataset_fingerprint(a) == pt_dataset_fingerprint(c));
        a->w[1] = 0.5; /* other weights, another fingerprint */
        a->fp_valid = 0;
        ck_assert(pt_dataset_fingerprint(a) != pt_dataset_fingerprint(c));
        pt_dataset_destroy(&a);
        pt_dataset_destroy(&b);
        pt_dataset_destroy(&c);
    }
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char text[128];
        snprintf(text, sizeof text, "a,w,label\n1,1,2\n3,%s,4\n", bad[k].text);
        ck_assert_ptr_null(pt_dataset_load(put("b.csv", text), &o, err));
        ck_assert_msg(strstr(err, bad[k].want) != NULL, "'%s' lacks '%s'", err, bad[k].want);
    }
}
END_TEST

Suite *suite_columns(void)
{
    Suite *s = suite_create("columns");
    TCase *tc = tcase_create("columns");
    tcase_set_timeout(tc, TIMEOUT);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, map_default);
    tcase_add_test(tc, map_ignore_and_features);
    tcase_add_test(tc, map_keep);
    tcase_add_test(tc, map_weight);
    tcase_add_test(tc, load_weights);
    tcase_add_loop_test(tc, map_errors, 0, (int)(sizeof map_errs / sizeof map_errs[0]));
    tcase_add_test(tc, load_ignore_same_as_without);
    tcase_add_test(tc, load_features_order_and_keep);
    tcase_add_test(tc, load_predict_mode);
    tcase_add_test(tc, load_non_numeric_hint);
    suite_add_tcase(s, tc);
    return s;
}
