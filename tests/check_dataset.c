/* check_dataset.c - unit tests of pt_dataset: CSV loading through pt_dataset_load, every load
 * error, format detection, the fingerprint. (LIBSVM: check_libsvm; the number parser:
 * check_scan; synthetic data: check_synth; CSV output: check_csv.)
 *
 * Each test gets a fresh mkdtemp directory (fixture) that the teardown empties and removes.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pt_common.h"
#include "pt_dataset.h"
#include "pt_synth.h"

#include "scratch.h"

/* ---------------------------------------------------------------- CSV */

START_TEST(csv_basic)
{
    const char *p = put("d.csv", "a,b,label\n1,2.5,3\n-4,5e-1,-0.125\n0.1,1e300,7\n");
    pt_dataset_t *ds = load_ok(p, NULL);
    const double x[] = {1, 2.5, -4, 0.5, 0.1, 1e300}, y[] = {3, -0.125, 7};
    ck_assert_uint_eq(ds->rows, 3);
    ck_assert_uint_eq(ds->features, 2);
    ck_assert_int_eq(ds->format, PT_FMT_CSV);
    for (int i = 0; i < 6; i++)
        ck_assert(ds->x[i] == x[i]);
    for (int i = 0; i < 3; i++)
        ck_assert(ds->y[i] == y[i]);
    ck_assert_ptr_null(ds->fold);
    ck_assert_str_eq(ds->names[0], "a");
    ck_assert_str_eq(ds->names[1], "b");
    ck_assert_str_eq(ds->label_name, "label");
    pt_dataset_destroy(&ds);
    ck_assert_ptr_null(ds);
    pt_dataset_destroy(&ds); /* NULL and *NULL are fine */
    pt_dataset_destroy(NULL);
}
END_TEST

START_TEST(csv_crlf_and_trailing)
{
    /* CRLF, blank lines at the end, no final newline, blanks around fields, a BOM */
    static const char *content[] = {"a,label\r\n1,2\r\n 3 , 4 \r\n\r\n\r\n",
                                    ("\xef\xbb\xbf" "a,label\n1,2\n3,4"),
                                    "a,label\n1,2\n3,4\n\n  \n\t\n"};
    char buf[3][PATH_MAX];
    for (int k = 0; k < 3; k++) {
        char name[8];
        snprintf(name, sizeof name, "%c.csv", 'a' + k);
        snprintf(buf[k], sizeof buf[k], "%s", put(name, content[k]));
    }
    for (int k = 0; k < 3; k++) {
        pt_dataset_t *ds = load_ok(buf[k], NULL);
        ck_assert_uint_eq(ds->rows, 2);
        ck_assert_uint_eq(ds->features, 1);
        ck_assert(ds->x[0] == 1 && ds->x[1] == 3 && ds->y[0] == 2 && ds->y[1] == 4);
        ck_assert_str_eq(ds->names[0], "a");
        ck_assert_str_eq(ds->label_name, "label");
        pt_dataset_destroy(&ds);
    }
}
END_TEST

START_TEST(csv_quoted)
{
    const char *p = put("q.csv", "\"a\", \"b c\" ,\"label\"\r\n\"1\",2, \"3\" \r\n");
    pt_dataset_t *ds = load_ok(p, NULL);
    ck_assert_uint_eq(ds->features, 2);
    ck_assert_str_eq(ds->names[0], "a");
    ck_assert_str_eq(ds->names[1], "b c");
    ck_assert_str_eq(ds->label_name, "label");
    ck_assert(ds->x[0] == 1 && ds->x[1] == 2 && ds->y[0] == 3);
    pt_dataset_destroy(&ds);
}
END_TEST

START_TEST(csv_label_middle)
{
    const char *p = put("m.csv", "a,price,b\n1,2,3\n4,5,6\n");
    pt_load_opts_t o = {.label = "price"};
    pt_dataset_t *ds = load_ok(p, &o);
    ck_assert_uint_eq(ds->features, 2);
    ck_assert(ds->x[0] == 1 && ds->x[1] == 3 && ds->x[2] == 4 && ds->x[3] == 6);
    ck_assert(ds->y[0] == 2 && ds->y[1] == 5);
    ck_assert_str_eq(ds->names[0], "a");
    ck_assert_str_eq(ds->names[1], "b");
    ck_assert_str_eq(ds->label_name, "price");
    pt_dataset_destroy(&ds);
}
END_TEST

START_TEST(csv_fold_column)
{
    const char *p = put("f.csv", "a,fold,label,b\n1,0,2,3\n4,2,5,6\n7,1.0,8,9\n");
    pt_load_opts_t o = {.fold_col = "fold", .num_folds = 3};
    pt_dataset_t *ds = load_ok(p, &o);
    ck_assert_uint_eq(ds->rows, 3);
    ck_assert_uint_eq(ds->features, 2);
    ck_assert_str_eq(ds->names[0], "a");
    ck_assert_str_eq(ds->names[1], "b");
    ck_assert_ptr_nonnull(ds->fold);
    ck_assert_int_eq(ds->fold[0], 0);
    ck_assert_int_eq(ds->fold[1], 2);
    ck_assert_int_eq(ds->fold[2], 1);
    ck_assert(ds->x[2] == 4 && ds->x[3] == 6 && ds->y[2] == 8);
    pt_dataset_destroy(&ds);
}
END_TEST

/* ---------------------------------------------------------------- errors */

typedef struct {
    const char *file;    /* name in tmpdir; NULL content means the file does not exist */
    const char *content;
    pt_load_opts_t opts;
    const char *want[4]; /* substrings the message must contain */
} err_case_t;

static const err_case_t err_cases[] = {
    {"x.csv", "a,b,label\n1,2,3\n1,2\n", {0}, {"x.csv:3: ", "expected 3 fields, found 2"}},
    {"x.csv", "a,b,label\n1,2,3,4\n", {0}, {"x.csv:2: ", "expected 3 fields, found 4"}},
    {"x.csv", "a,b,label\n1,x,3,4\n", {0}, {"x.csv:2: ", "expected 3 fields, found 4"}},
    {"x.csv", "a,f2,label\n1,2,3\n1,abc,3\n", {0},
     {"x.csv:3: ", "field 2 (\"f2\"): not a number: \"abc\""}},
    {"x.csv", "a,f2,label\n1,2,3\n1,\"2,3\n", {0}, {"x.csv:3: ", "field 2 (\"f2\")", "unterminated"}},
    {"x.csv", "a,f2,label\n1,\"2,3\n", {0}, {"x.csv:2: ", "unterminated quote"}},
    {"x.csv", "a,f2,label\n1,1.5.2,3\n", {0}, {"x.csv:2: ", "not a number: \"1.5.2\""}},
    {"x.csv", "a,f2,label\n1,1e,3\n", {0}, {"x.csv:2: ", "not a number: \"1e\""}},
    {"x.csv", "a,b,label\n1,,3\n", {0},
     {"x.csv:2: ", "column b: missing value (leave the column out with --ignore b)"}},
    {"x.csv", "a,b,label\n1,2,3\n1, NA ,3\n", {0}, {"x.csv:3: ", "column b: missing value"}},
    {"x.csv", "a,b,label\n1,NULL,3\n", {0}, {"x.csv:2: ", "column b: missing value"}},
    {"x.csv", "a,b,label\n1,na,3\n", {0}, {"x.csv:2: ", "column b: missing value"}},
    {"x.csv", "a,b,label\n1,nan,3\n", {0}, {"x.csv:2: ", "column b: missing value"}},
    {"x.csv", "a,b,label\n1,NAN,3\n", {0}, {"x.csv:2: ", "column b: missing value"}},
    {"x.csv", "a,b,label\n1,N/A,3\n", {0}, {"x.csv:2: ", "not a number: \"N/A\""}},
    {"x.csv", "a,b,label\n1,NAs,3\n", {0}, {"x.csv:2: ", "not a number: \"NAs\""}},
    {"x.csv", "a,b,y\n1,2,null\n", {.label = "y"}, {"x.csv:2: ", "column y: missing label"}},
    {"x.csv", "a,b,label\n1,2,\n", {0}, {"x.csv:2: ", "column label: missing label"}},
    {"x.csv", "a,label\n1,2\n3,\"\"\r\n", {0}, {"x.csv:3: ", "column label: missing label"}},
    {"x.csv", "a,label\n1,2\n2,3\n3,nan\n", {0}, {"x.csv:4: ", "column label: missing label"}},
    {"x.csv", "a,label\n1,x2\n", {0}, {"x.csv:2: ", "label is not a number: \"x2\""}},
    {"x.csv", "a,b,label\n1,inf,3\n", {0}, {"x.csv:2: ", "field 2 (\"b\"): not finite: inf"}},
    {"x.csv", "a,b,label\n-Infinity,1,3\n", {0}, {"x.csv:2: ", "field 1 (\"a\"): not finite"}},
    {"x.csv", "a,b,label\n1,NaN,3\n", {0}, {"x.csv:2: ", "column b: missing value"}},
    {"x.csv", "a,b,label\n1,1e999,3\n", {0}, {"x.csv:2: ", "not finite: 1e999"}},
    {"x.csv", "a,b,c\n1,2,3\n", {0},
     {"x.csv:1: ", "no column named \"label\"", "(columns: a, b, c)"}},
    {"x.csv", "a,b,c\n1,2,3\n", {.label = "y"}, {"x.csv:1: ", "no column named \"y\""}},
    {"x.csv", "c1,c2,c3,c4,c5,c6,c7,c8,c9,c10,c11,c12,c13\n1,2,3,4,5,6,7,8,9,10,11,12,13\n",
     {0},
     {"x.csv:1: ", "no column named \"label\"", "c9, c10, ... (3 more)"}},
    {"x.csv", "a,label\n", {0}, {"x.csv: no data rows"}},
    {"x.csv", "a,label\r\n\r\n\n", {0}, {"x.csv: no data rows"}},
    {"x.csv", "a,fold,label\n1,0,2\n1,3,2\n", {.fold_col = "fold", .num_folds = 3},
     {"x.csv:3: ", "fold column \"fold\": value 3 is out of range [0, 3)"}},
    {"x.csv", "a,fold,label\n1,-1,2\n", {.fold_col = "fold", .num_folds = 3},
     {"x.csv:2: ", "value -1 is out of range [0, 3)"}},
    {"x.csv", "a,fold,label\n1,1.5,2\n", {.fold_col = "fold", .num_folds = 3},
     {"x.csv:2: ", "fold column \"fold\": not an integer: 1.5"}},
    {"x.csv", "a,fold,label\n1,one,2\n", {.fold_col = "fold", .num_folds = 3},
     {"x.csv:2: ", "fold column \"fold\": not an integer: \"one\""}},
    {"x.csv", "a,fold,label\n1,,2\n", {.fold_col = "fold", .num_folds = 3},
     {"x.csv:2: ", "fold column \"fold\" is empty"}},
    {"x.csv", "a,label\n1,2\n", {.fold_col = "fold", .num_folds = 3},
     {"x.csv:1: ", "no column named \"fold\"", "(columns: a, label)"}},
    {"x.csv", "a,b,a,label\n1,2,3,4\n", {0},
     {"x.csv:1: ", "duplicate column name \"a\"", "columns 1 and 3"}},
    {"x.csv", "a,,label\n1,2,3\n", {0}, {"x.csv:1: ", "column 2 has an empty name"}},
    {"x.csv", "a,\"\",label\n1,2,3\n", {0}, {"x.csv:1: ", "column 2 has an empty name"}},
    {"x.csv", "a,\"b,label\n1,2,3\n", {0}, {"x.csv:1: ", "unterminated quote"}},
    {"x.csv", "", {0}, {"x.csv: empty file"}},
    {"x.csv", "\n \r\n\n", {0}, {"x.csv: empty file"}},
    {"x.csv", "\na,label\n1,2\n", {0}, {"x.csv:1: ", "blank"}},
    {"nope.csv", NULL, {0}, {"nope.csv: cannot open: No such file or directory"}},
    {"x.csv", "a,label\n1,2\n\n3,4\n", {0}, {"x.csv:3: ", "expected 2 fields", "blank line"}},
    {"x.csv", "a,label\n1,2\n  \r\n3,4\n", {0}, {"x.csv:3: ", "blank line"}},
    {"x.csv", "a,label\n1,2\n", {.fold_col = "label", .num_folds = 2}, {"x.csv", "both"}},
    {"x.csv", "a,label\n1,2\n", {.fold_col = "a", .num_folds = 0}, {"at least 1, got 0"}},
    /* LIBSVM */
    {"x.svm", "1 1:2 3:4\n2 2:1 2:3\n", {0},
     {"x.svm:2: ", "index 2 after index 2", "strictly increasing"}},
    {"x.svm", "1 3:2 1:4\n", {0}, {"x.svm:1: ", "index 1 after index 3", "strictly increasing"}},
    {"x.svm", "# c\n1 0:2\n", {0}, {"x.svm:2: ", "1-based"}},
    {"x.svm", "1 1:2 7:1\n", {.features = 5},
     {"x.svm:1: ", "index 7 is above the number of features (5)"}},
    {"x.svm", "1 1:2 abc\n", {0}, {"x.svm:1: ", "expected index:value, found \"abc\""}},
    {"x.svm", "1 1:2 2:\n", {0}, {"x.svm:1: ", "feature 2: not a number: \"2:\""}},
    {"x.svm", "1 1:2 2:x\n", {0}, {"x.svm:1: ", "feature 2: not a number: \"2:x\""}},
    {"x.svm", "1 1:2 2:inf\n", {0}, {"x.svm:1: ", "feature 2: not finite"}},
    {"x.svm", "\n\nnan 1:2\n", {0}, {"x.svm:3: ", "label is not finite: nan"}},
    {"x.svm", "1:2 3:4\n", {0}, {"x.svm:1: ", "label is not a number: \"1:2\""}},
    {"x.svm", "# only a comment\n\n", {0}, {"x.svm: no data rows"}},
    {"x.svm", "1 1:2\n", {.fold_col = "fold", .num_folds = 3}, {"x.svm: ", "fold column"}},
    {"x.txt", "1 1:2\n", {.format = PT_FMT_LIBSVM, .fold_col = "f", .num_folds = 2},
     {"x.txt: ", "LIBSVM"}},
};

START_TEST(load_errors)
{
    const err_case_t *c = &err_cases[_i];
    char err[PT_ERRLEN];
    const char *path;
    pt_dataset_t *ds;
    memset(err, 0, sizeof err);
    path = c->content != NULL ? put(c->file, c->content) : tpath(c->file);
    ds = pt_dataset_load(path, &c->opts, err);
    ck_assert_msg(ds == NULL, "case %d loaded", _i);
    pt_dataset_destroy(&ds);
    ck_assert_msg(strchr(err, '\n') == NULL, "case %d: not one line: %s", _i, err);
    for (int k = 0; k < 4 && c->want[k] != NULL; k++)
        ck_assert_msg(strstr(err, c->want[k]) != NULL, "case %d: \"%s\" lacks \"%s\"", _i, err,
                      c->want[k]);
    /* the same message whatever the number of parsing threads */
    for (int t = 1; t <= 9; t += 2) {
        pt_load_opts_t o = c->opts;
        char err2[PT_ERRLEN] = "";
        o.threads = t;
        ds = pt_dataset_load(path, &o, err2);
        ck_assert_msg(ds == NULL, "case %d loaded with %d threads", _i, t);
        ck_assert_str_eq(err2, err);
    }
}
END_TEST

/* pt_load_opts_t.place: rows land at the positions it gives, in memory it owns */
typedef struct {
    double x[64 * 3], y[64], w[64];
    size_t pos[64];
    size_t rows, features;
    int fail;
} place_test_t;

static int place_test(void *arg, size_t rows, size_t features, double **x, double **y,
                      double **w, const size_t **pos, char *err)
{
    place_test_t *t = arg;
    t->rows = rows;
    t->features = features;
    if (t->fail) {
        pt_seterr(err, "no room for %zu rows", rows);
        return -1;
    }
    for (size_t r = 0; r < rows; r++)
        t->pos[r] = rows - 1 - r; /* reversed */
    *x = t->x;
    *y = t->y;
    if (w != NULL)
        *w = t->w;
    *pos = t->pos;
    return 0;
}

START_TEST(csv_place)
{
    const char *p = put("p.csv", "a,label,b,c\n1,10,2,3\n4,11,5,6\n7,12,8,9\n10,13,11,12\n");
    place_test_t t;
    char err[PT_ERRLEN] = "";
    uint64_t fp;
    pt_dataset_t *plain = load_ok(p, NULL), *ds;
    for (int threads = 1; threads <= 3; threads++) {
        pt_load_opts_t o = {.place = place_test, .place_arg = &t, .threads = threads};
        memset(&t, 0, sizeof t);
        ds = load_ok(p, &o);
        ck_assert_uint_eq(t.rows, 4);
        ck_assert_uint_eq(t.features, 3);
        ck_assert(ds->borrowed && ds->x == t.x && ds->y == t.y);
        for (size_t r = 0; r < 4; r++) {
            ck_assert(t.y[3 - r] == 10.0 + (double)r);
            ck_assert(t.x[(3 - r) * 3 + 0] == 1.0 + 3.0 * (double)r);
            ck_assert(t.x[(3 - r) * 3 + 2] == 3.0 + 3.0 * (double)r);
        }
        /* the same fingerprint as the data in file order */
        ck_assert(pt_dataset_fingerprint(ds) == pt_dataset_fingerprint(plain));
        fp = ds->fingerprint;
        pt_dataset_destroy(&ds); /* must not free t.x / t.y */
        ck_assert(fp == pt_dataset_fingerprint(plain));
    }
    {
        pt_load_opts_t o = {.place = place_test, .place_arg = &t};
        memset(&t, 0, sizeof t);
        t.fail = 1;
        ck_assert_ptr_null(pt_dataset_load(p, &o, err));
        ck_assert_str_eq(err, "no room for 4 rows");
    }
    pt_dataset_destroy(&plain);
}
END_TEST

/* A CSV parsed by 1..9 threads (cut anywhere between lines) gives the same dataset, equal
 * to the values written; an error in several chunks is reported at its first line. */
START_TEST(csv_threads)
{
    enum { ROWS = 257 };
    size_t cap = ROWS * 160 + 64, len = 0;
    char *text = malloc(cap), err[PT_ERRLEN];
    double want_x[ROWS][2], want_y[ROWS];
    int want_f[ROWS];
    uint64_t st = 99;
    const char *path;
    ck_assert_ptr_nonnull(text);
    len += (size_t)snprintf(text + len, cap - len, "a,fold,\"label\",b\n");
    for (int r = 0; r < ROWS; r++) {
        want_x[r][0] = (double)(int64_t)(pt_rng_next(&st) >> 20) / 977.0 - 4e9;
        want_x[r][1] = pt_rng_uniform(&st) * 1e-3;
        want_y[r] = r % 5 == 0 ? 0 : pt_rng_uniform(&st) - 0.5;
        want_f[r] = r % 4;
        len += (size_t)snprintf(text + len, cap - len, r % 3 == 0 ? "%.17g, %d ,\"%.17g\",%.17g\r\n"
                                                                  : "%.17g,%d,%.17g,%.17g\n",
                                want_x[r][0], want_f[r], want_y[r], want_x[r][1]);
    }
    len -= text[len - 2] == '\r' ? 2 : 1; /* no newline after the last row */
    path = put_n("t.csv", text, len);
    for (int t = 1; t <= 9; t++) {
        pt_load_opts_t o = {.fold_col = "fold", .num_folds = 4, .threads = t};
        pt_dataset_t *ds = load_ok(path, &o);
        uint64_t fp;
        ck_assert_uint_eq(ds->rows, ROWS);
        /* the fingerprint computed while parsing is the one computed from the arrays */
        ck_assert(ds->fp_valid);
        fp = ds->fingerprint;
        ds->fp_valid = 0;
        ck_assert(pt_dataset_fingerprint(ds) == fp);
        if (t > 1) {
            ds->fold[7] ^= 1;
            ck_assert(pt_dataset_fingerprint(ds) != fp);
            ds->fold[7] ^= 1;
            {
                double keep = ds->x[2 * 100 + 1];
                ds->x[2 * 100 + 1] = nextafter(keep, 1e9);
                ck_assert(pt_dataset_fingerprint(ds) != fp);
                ds->x[2 * 100 + 1] = keep;
            }
        }
        for (int r = 0; r < ROWS; r++) {
            ck_assert_msg(ds->x[2 * r] == want_x[r][0] && ds->x[2 * r + 1] == want_x[r][1] &&
                          ds->y[r] == want_y[r] && ds->fold[r] == want_f[r],
                          "%d threads: row %d differs", t, r);
        }
        pt_dataset_destroy(&ds);
    }
    /* two bad rows, far apart: the first is named, whatever thread parsed it */
    for (int t = 1; t <= 9; t++) {
        pt_load_opts_t o = {.threads = t};
        char *bad = malloc(len + 1);
        char *l40, *l200;
        pt_dataset_t *ds;
        ck_assert_ptr_nonnull(bad);
        memcpy(bad, text, len);
        bad[len] = 0;
        l40 = bad;
        for (int k = 0; k < 40; k++)
            l40 = strchr(l40, '\n') + 1; /* start of line 41 */
        l200 = l40;
        for (int k = 40; k < 200; k++)
            l200 = strchr(l200, '\n') + 1; /* start of line 201 */
        l200[0] = 'z';
        if (t > 1)
            l40[0] = 'y';
        path = put_n("bad.csv", bad, len);
        ds = pt_dataset_load(path, &o, err);
        ck_assert_ptr_null(ds);
        ck_assert_msg(strstr(err, t > 1 ? "bad.csv:41: field 1 (\"a\"): not a number: \"y"
                                        : "bad.csv:201: field 1 (\"a\"): not a number: \"z") != NULL,
                      "%d threads: %s", t, err);
        free(bad);
    }
    free(text);
}
END_TEST

START_TEST(load_errors_misc)
{
    char err[PT_ERRLEN] = "";
    pt_dataset_t *ds;
    /* NUL byte, a directory, a long bad field cut short, a NULL err buffer */
    const char *p = put_n("n.csv", "a,label\n1,2\n3\0,4\n", 17);
    ds = pt_dataset_load(p, NULL, err);
    ck_assert_ptr_null(ds);
    ck_assert_ptr_nonnull(strstr(err, "n.csv:3: NUL byte"));
    /* found by whichever thread reads it, first in file order, before any other error */
    for (int t = 1; t <= 5; t++) {
        pt_load_opts_t o = {.threads = t};
        static const char two[] = "a,label\n1,2\nx,4\n5,6\n7,8\n9\0,1\n2,\0\n";
        static const char head[] = "a,lab\0el\n1,2\n";
        static const char svm[] = "1 1:2\n\n2 1:\0\n";
        p = put_n("n2.csv", two, sizeof two - 1);
        ck_assert_ptr_null(pt_dataset_load(p, &o, err));
        ck_assert_msg(strstr(err, "n2.csv:6: NUL byte") != NULL, "%d threads: %s", t, err);
        p = put_n("n3.csv", head, sizeof head - 1);
        ck_assert_ptr_null(pt_dataset_load(p, &o, err));
        ck_assert_msg(strstr(err, "n3.csv:1: NUL byte") != NULL, "%d threads: %s", t, err);
        p = put_n("n4.svm", svm, sizeof svm - 1);
        ck_assert_ptr_null(pt_dataset_load(p, &o, err));
        ck_assert_msg(strstr(err, "n4.svm:3: NUL byte") != NULL, "%d threads: %s", t, err);
    }
    ds = pt_dataset_load(tmpdir, NULL, err);
    ck_assert_ptr_null(ds);
    ck_assert_ptr_nonnull(strstr(err, "cannot read: Is a directory"));
    {
        char big[400];
        memset(big, 'z', sizeof big);
        memcpy(big, "a,label\n1,", 10);
        big[sizeof big - 1] = '\0';
        p = put("l.csv", big);
        ds = pt_dataset_load(p, NULL, err);
        ck_assert_ptr_null(ds);
        ck_assert_ptr_nonnull(strstr(err, "l.csv:2: label is not a number: \"zzz"));
        ck_assert_ptr_nonnull(strstr(err, "z...\""));
        ck_assert_uint_lt(strlen(err), 200);
        ck_assert_ptr_null(pt_dataset_load(p, NULL, NULL));
    }
}
END_TEST

/* ---------------------------------------------------------------- format detection */

START_TEST(detect_format)
{
    pt_dataset_t *ds;
    pt_load_opts_t csv = {.format = PT_FMT_CSV};
    char err[PT_ERRLEN];
    /* content decides without a telling suffix */
    ds = load_ok(put("a.txt", "# comment\n\n1 1:0.5 2:3\n"), NULL);
    ck_assert_int_eq(ds->format, PT_FMT_LIBSVM);
    ck_assert_uint_eq(ds->features, 2);
    pt_dataset_destroy(&ds);
    ds = load_ok(put("b.txt", "a,label\n1,2\n"), NULL);
    ck_assert_int_eq(ds->format, PT_FMT_CSV);
    pt_dataset_destroy(&ds);
    ds = load_ok(put("c.data", "label\n1\n2\n"), NULL); /* one column, no ':' */
    ck_assert_int_eq(ds->format, PT_FMT_CSV);
    ck_assert_uint_eq(ds->features, 0);
    ck_assert_ptr_nonnull(ds->x);
    pt_dataset_destroy(&ds);
    /* the suffix wins over content */
    ds = load_ok(put("d.LIBSVM", "3\n"), NULL);
    ck_assert_int_eq(ds->format, PT_FMT_LIBSVM);
    ck_assert_uint_eq(ds->features, 0);
    pt_dataset_destroy(&ds);
    ds = load_ok(put("e.svm", "1 1:2\n"), NULL);
    ck_assert_int_eq(ds->format, PT_FMT_LIBSVM);
    pt_dataset_destroy(&ds);
    /* an explicit format wins over both */
    ck_assert_ptr_null(pt_dataset_load(put("f.svm", "1 1:2\n"), &csv, err));
    ck_assert_ptr_nonnull(strstr(err, "no column named \"label\""));
}
END_TEST

/* ---------------------------------------------------------------- fingerprint */

START_TEST(fingerprint_covers_fold)
{
    pt_dataset_t *a = pt_synth_regression(10, 3, 1);
    uint64_t h0 = pt_dataset_fingerprint(a), h1, h2;
    a->fold = calloc(10, sizeof *a->fold);
    ck_assert_ptr_nonnull(a->fold);
    h1 = pt_dataset_fingerprint(a);
    a->fold[9] = 1;
    h2 = pt_dataset_fingerprint(a);
    ck_assert(h0 != h1 && h1 != h2);
    a->y[0] += 1.0;
    ck_assert(pt_dataset_fingerprint(a) != h2);
    pt_dataset_destroy(&a);
}
END_TEST

Suite *suite_dataset(void)
{
    Suite *s = suite_create("dataset");
    struct {
        const char *name;
        const TTest *t;
        int loop;
    } cases[] = {
        {"csv_basic", csv_basic, 0},
        {"csv_crlf_and_trailing", csv_crlf_and_trailing, 0},
        {"csv_quoted", csv_quoted, 0},
        {"csv_label_middle", csv_label_middle, 0},
        {"csv_fold_column", csv_fold_column, 0},
        {"load_errors", load_errors, (int)(sizeof err_cases / sizeof err_cases[0])},
        {"load_errors_misc", load_errors_misc, 0},
        {"csv_threads", csv_threads, 0},
        {"csv_place", csv_place, 0},
        {"detect_format", detect_format, 0},
        {"fingerprint_covers_fold", fingerprint_covers_fold, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, TIMEOUT);
        tcase_add_checked_fixture(tc, setup, teardown);
        if (cases[i].loop > 0)
            tcase_add_loop_test(tc, cases[i].t, 0, cases[i].loop);
        else
            tcase_add_test(tc, cases[i].t);
        suite_add_tcase(s, tc);
    }
    return s;
}
