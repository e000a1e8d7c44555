/* check_csv.c - unit tests of pt_csv: the writer (a round trip through the loader, values as
 * %.10g, names, a stable fingerprint, a file replaced whole, failures leaving nothing) and
 * RFC 4180 reading (quoted fields with separators, doubled quotes and newlines, CRLF inside
 * and outside quotes, a BOM before a quoted header, the separators and their detection, the
 * chunks cut at real row starts whatever the thread count, and each quoting error), and
 * ignored and kept columns holding quoted separators, quotes and newlines; the windows in
 * which a mapped file's text is dropped as it is read (quoted fields, CRLF and long rows
 * across them, and a late error's message); the plain-row path against the general rules.
 * (The rest of CSV loading is tested through pt_dataset_load in check_dataset.)
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
#include "pt_scan.h"
#include "pt_synth.h"
#include "scratch.h"

static void same_dataset(const pt_dataset_t *a, const pt_dataset_t *b);

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


/* ---------------------------------------------------------------- plain rows */

/* Files without quotes whose columns are all features and the label: the plain-row path and
 * the general rules (pt_csv_set_plain(0)) give the same dataset, or the same error, at 1-3
 * threads. Each text sits at a boundary of what the plain path takes: CRLF, a last row
 * without a newline or ending in '\r', blanks around a number, a lone '\r', the label first,
 * numbers of every shape pt_scan_num reads (signs, no integer or fraction digits, exponents,
 * more than 19 digits, hex), too many or too few fields, empty and non-finite fields, a blank
 * line, missing values read by the imputer. */
static const char *const plain_texts[] = {
    "a,b,label\n1,2,3\r\n4.5,-6e-2,+7\r\n",
    "a,label\n1,2\n3,4",
    "a,label\n1,2\n3,4\r",
    "a,label\n1,2\n3,4\r\r\n",
    "a,label\n 1 ,2\n3,\t4\n",
    "a,label\n1,2 \n3,4\n",
    "a,label\n1\r2,3\n",
    "label,a,b\n1,2,3\n-4,5.,.5\n",
    "a,b,label\n+.5,-0,007\n12345678901234567890,1.00000000000000000000001,1e400\n",
    "a,b,label\n0x10,1e-5,2E+3\n1e,2,3\n",
    "a,b,label\n1,2,3,4\n",
    "a,b,label\n1,2,3\n1,2\n",
    "a,b,label\n1,,3\n",
    "a,b,label\n1,2,3\n\n4,5,6\n",
    "a,b,label\n1,nan,3\n",
    "a,b,label\n1,inf,3\n",
    "a,b,label\n1,NA,3\n4,5,6\n",
    "a;b;label\n1;2;3\n4,5;6;7\n",
    "a,b,label\n1,2,3\n4,5,6\n7,8,9\n10,11,12\n13,14,15\n16,17,18\n",
};

START_TEST(plain_rows_same_as_general)
{
    const char *path = put("p.csv", plain_texts[_i]);
    for (int t = 1; t <= 3; t++)
        for (int impute = 0; impute <= 1; impute++) {
            pt_load_opts_t o = {.threads = t, .impute = impute};
            char err_a[PT_ERRLEN] = "", err_b[PT_ERRLEN] = "";
            pt_dataset_t *a, *b;
            pt_csv_set_plain(1);
            a = pt_dataset_load(path, &o, err_a);
            pt_csv_set_plain(0);
            b = pt_dataset_load(path, &o, err_b);
            pt_csv_set_plain(1);
            ck_assert_msg((a == NULL) == (b == NULL), "text %d: %s / %s", _i, err_a, err_b);
            if (a == NULL) {
                ck_assert_str_eq(err_a, err_b);
                continue;
            }
            same_dataset(a, b);
            for (size_t i = 0; i < a->rows * a->features; i++) /* NaN: a missing value */
                ck_assert(memcmp(&a->x[i], &b->x[i], sizeof a->x[i]) == 0);
            pt_dataset_destroy(&a);
            pt_dataset_destroy(&b);
        }
}
END_TEST

/* The plain path's values against strtod, with a row of every shape it takes itself. */
START_TEST(plain_rows_values)
{
    const char *path = put("v.csv", "a,b,c,label\n-0.05780960444,1.513008808,-7.45249726e-05,"
                                    "3\r\n+.5,5.,0012.5000,-4\n1e5,-2E-3,123456789012345678,0");
    static const char *const want[] = {"-0.05780960444", "1.513008808", "-7.45249726e-05", "3",
                                       "+.5", "5.", "0012.5000", "-4",
                                       "1e5", "-2E-3", "123456789012345678", "0"};
    pt_dataset_t *ds = load_ok(path, NULL);
    ck_assert_uint_eq(ds->rows, 3);
    for (size_t r = 0; r < 3; r++) {
        for (size_t j = 0; j < 3; j++)
            ck_assert(ds->x[r * 3 + j] == strtod(want[r * 4 + j], NULL));
        ck_assert(ds->y[r] == strtod(want[r * 4 + 3], NULL));
    }
    pt_dataset_destroy(&ds);
}
END_TEST

/* ---------------------------------------------------------------- RFC 4180 */

/* Loads text (as name) with every thread count 1..9 and sep; all must give the dataset of
 * the first load, which is returned. */
static pt_dataset_t *load_all_threads(const char *name, const char *text, char sep)
{
    const char *path = put(name, text);
    pt_load_opts_t o = {.sep = sep, .threads = 1};
    pt_dataset_t *ds = load_ok(path, &o);
    for (int t = 2; t <= 9; t++) {
        pt_dataset_t *d2;
        o.threads = t;
        d2 = load_ok(path, &o);
        ck_assert_uint_eq(d2->rows, ds->rows);
        ck_assert_uint_eq(d2->features, ds->features);
        ck_assert(memcmp(d2->x, ds->x, ds->rows * ds->features * sizeof *ds->x) == 0);
        ck_assert(memcmp(d2->y, ds->y, ds->rows * sizeof *ds->y) == 0);
        ck_assert(d2->fingerprint == ds->fingerprint);
        pt_dataset_destroy(&d2);
    }
    return ds;
}

START_TEST(rfc_quoted_fields)
{
    /* names with a separator, a doubled quote, CRLF and LF inside quotes; quoted numbers
     * with blanks inside and outside; CRLF row ends; an unquoted field next to quoted ones */
    const char *text = "\"a,b\",\"say \"\"hi\"\"\",\"two\r\nlines\",\"x\ny\",label\r\n"
                       "\"1.5\", \" 2 \" ,3,\"-4e1\",\"5\"\r\n"
                       "6,\"7\",\"8\",9,10\r\n";
    pt_dataset_t *ds = load_all_threads("q.csv", text, 0);
    const double x[] = {1.5, 2, 3, -40, 6, 7, 8, 9};
    ck_assert_uint_eq(ds->rows, 2);
    ck_assert_uint_eq(ds->features, 4);
    ck_assert_str_eq(ds->names[0], "a,b");
    ck_assert_str_eq(ds->names[1], "say \"hi\"");
    ck_assert_str_eq(ds->names[2], "two\r\nlines");
    ck_assert_str_eq(ds->names[3], "x\ny");
    ck_assert_int_eq(ds->sep, ',');
    for (int i = 0; i < 8; i++)
        ck_assert(ds->x[i] == x[i]);
    ck_assert(ds->y[0] == 5 && ds->y[1] == 10);
    pt_dataset_destroy(&ds);
}
END_TEST

START_TEST(rfc_bom_quoted_header)
{
    pt_dataset_t *a = load_all_threads("b.csv", "\xef\xbb\xbf\"a\",\"label\"\r\n1,2\r\n3,4\r\n", 0);
    pt_dataset_t *b = load_all_threads("p.csv", "a,label\n1,2\n3,4\n", 0);
    ck_assert_str_eq(a->names[0], "a");
    ck_assert_str_eq(a->label_name, "label");
    /* the fingerprint is of the parsed values: the same data, whatever the bytes */
    ck_assert(a->fingerprint == b->fingerprint);
    pt_dataset_destroy(&a);
    pt_dataset_destroy(&b);
}
END_TEST

START_TEST(rfc_separators)
{
    static const struct {
        const char *text;
        char given, read;
    } cases[] = {
        {"a,b,label\n1,2,3\n", 0, ','},
        {"a;b;label\n1;2;3\n", 0, ';'},
        {"a\tb\tlabel\n1\t2\t3\n", 0, '\t'},
        {"a|b|label\n1|2|3\n", 0, '|'},
        {"\"a;x\";\"b,y,z\";label\r\n\"1\";2;\"3\"\r\n", 0, ';'}, /* counted outside quotes */
        {"a\tb\tlabel\n 1 \t\" 2\"\t3\n", '\t', '\t'},              /* spaces still blanks */
        {"a;b;label\n1;2;3\n", ';', ';'},
    };
    const char *ref = "a,b,label\n1,2,3\n";
    pt_dataset_t *want = load_all_threads("ref.csv", ref, 0);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        pt_dataset_t *ds = load_all_threads("s.csv", cases[i].text, cases[i].given);
        ck_assert_msg(ds->sep == cases[i].read, "case %zu: sep %d", i, ds->sep);
        ck_assert_uint_eq(ds->features, 2);
        ck_assert(ds->x[0] == 1 && ds->x[1] == 2 && ds->y[0] == 3);
        if (i < 4 || i == 5 || i == 6)
            ck_assert(ds->fingerprint == want->fingerprint);
        pt_dataset_destroy(&ds);
    }
    pt_dataset_destroy(&want);
}
END_TEST

START_TEST(rfc_detect_rule)
{
    static const struct {
        const char *header;
        char want;
    } cases[] = {
        {"a,b,c", ','},      {"a;b;c", ';'},         {"a\tb\tc", '\t'},
        {"a|b|c", '|'},      {"label", ','},         {"", ','},
        {"a,b;c", ','},      {"a;b\tc", ';'},        {"a\tb|c", '\t'},  /* ties: , ; tab | */
        {"a;b;c,d", ';'},    {"\"a,b,c\";d", ';'},   {"\"a;b\",c", ','},
        {"a|b|c;d;e\tf", ';'}, {"\"x\"\"y,z\"|w", '|'},
    };
    static const struct {
        const char *arg;
        int rc;
        char sep;
    } args[] = {{"auto", 0, 0}, {",", 0, ','}, {";", 0, ';'}, {"tab", 0, '\t'},
                {"\t", 0, '\t'}, {"\\t", 0, '\t'}, {"|", 0, '|'}, {"comma", -1, 0},
                {"", -1, 0}, {":", -1, 0}, {",,", -1, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *h = cases[i].header;
        ck_assert_msg(pt_csv_detect_sep(h, h + strlen(h)) == cases[i].want, "case %zu", i);
    }
    for (size_t i = 0; i < sizeof args / sizeof *args; i++) {
        char sep = 'x';
        ck_assert_int_eq(pt_csv_parse_sep(args[i].arg, &sep), args[i].rc);
        if (args[i].rc == 0)
            ck_assert_int_eq(sep, args[i].sep);
    }
    ck_assert_str_eq(pt_csv_sep_name('\t'), "tab");
    ck_assert_str_eq(pt_csv_sep_name(';'), "';'");
}
END_TEST

/* A body with quoted newlines everywhere (the chunk cutter does not look at values): every
 * thread count cuts it at real row starts, with the real row counts. */
START_TEST(rfc_chunks_at_row_starts)
{
    enum { ROWS = 300 };
    size_t cap = ROWS * 64, len = 0;
    char *text = malloc(cap);
    const char *starts_real[ROWS + 1];
    uint64_t st = 5;
    ck_assert_ptr_nonnull(text);
    for (int r = 0; r < ROWS; r++) {
        int kind = (int)(pt_rng_next(&st) % 5);
        starts_real[r] = text + len;
        len += (size_t)snprintf(text + len, cap - len, "%s",
                                kind == 0   ? "1,\"a\nb\",2\n"
                                : kind == 1 ? "\"x\r\n\r\ny\",\"\"\"\n\"\"\",3\r\n"
                                : kind == 2 ? "4,5,6\n"
                                : kind == 3 ? "\"\n\n\n\n\n\n\n\n\n\n\n\n\n\n\",7,\"8\"\n"
                                            : "\"a,\"\"b\"\"\nc\",9,\"10\"\r\n");
    }
    starts_real[ROWS] = text + len;
    for (int last = 0; last < 2; last++) {
        size_t n = last ? len - 1 : len; /* with and without the final newline */
        for (int t = 1; t <= 9; t++) {
            const char *starts[PT_CSV_CHUNKS_MAX];
            size_t rows[PT_CSV_CHUNKS_MAX], total = 0, at = 0;
            int nc = pt_csv_chunk_rows(text, text + n, t, starts, rows);
            ck_assert_int_ge(nc, 1);
            ck_assert_int_le(nc, t < PT_CSV_CHUNKS_MAX ? t : PT_CSV_CHUNKS_MAX);
            ck_assert(starts[0] == text);
            for (int k = 0; k < nc; k++) {
                while (at < ROWS && starts_real[at] < starts[k])
                    at++;
                ck_assert_msg(starts_real[at] == starts[k], "%d threads: chunk %d not at a row "
                              "start", t, k);
                ck_assert_msg(starts_real[at + rows[k]] ==
                              (k + 1 < nc ? starts[k + 1] : text + len),
                              "%d threads: chunk %d has %zu rows", t, k, rows[k]);
                total += rows[k];
            }
            ck_assert_uint_eq(total, ROWS);
        }
    }
    free(text);
}
END_TEST

/* Each quoting error: one line with file:line (where the field or row starts) and the
 * column, the same whatever the thread count. */
static const struct {
    const char *text;
    const char *want[3];
} rfc_errors[] = {
    {"a,b,label\n1,2,3\n4,\"5,6\n7,8,9\n",
     {"x.csv:3: ", "field 2 (\"b\"): unterminated quote"}},
    {"a,b,label\n\"1\",\"2\n\",3\n4,\"5,6\n7,8,9\n", /* a quoted newline first, no other error */
     {"x.csv:2: ", "field 2 (\"b\"): not a number"}},
    {"a,b,label\n1,2,3\n1,2,3\n1,2,\"3\n", {"x.csv:4: ", "label: unterminated quote"}},
    {"a,b,label\n1,2,3\n4,5\"x,6\n7,8,9\n",
     {"x.csv:3: ", "field 2 (\"b\"): a quote inside an unquoted field: 5\""}},
    {"a,b,label\n1,2,3\n4,\"5\"x,6\n", {"x.csv:3: ", "field 2 (\"b\"): text after the closing "
                                        "quote: x"}},
    {"a,b,label\n\"1\",\"2\",\"3\"\n4,\"5\r\n\r\n\" x,6\n",
     {"x.csv:3: ", "text after the closing quote: x", "runs from line 3 to line 5"}},
    {"a,b,label\n\"1\",\"2\",\"3\"\n\"4\",\"5\"\n", {"x.csv:3: ", "expected 3 fields, found 2"}},
    {"a,b,label\n\"1\",\"2\",\"3\"\n\"4\",\"5,6\"\r\n", {"x.csv:3: ", "expected 3 fields, found 2"}},
    {"a,b,label\n\"1\",\"2\",\"3\"\n\"4\",\"5\",\"6\",\"7\"\n",
     {"x.csv:3: ", "expected 3 fields, found 4"}},
    {"a,b,label\n\"1\",\"2\",\"3\"\n\"4\",\"x\",\"6\"\n",
     {"x.csv:3: ", "field 2 (\"b\"): not a number: \"x\""}},
    {"a,b,label\n\"1\",\"2\",\"3\"\n\"4\",\"1\"\"2\",\"6\"\n",
     {"x.csv:3: ", "field 2 (\"b\"): not a number"}},
    {"a,b,label\n\"1\",\"2\",\"3\"\n\"4\",\"\",\"6\"\n", {"x.csv:3: ", "column b: missing value"}},
    {"a,b,label\n\"1\",\"2\",\"3\"\n\"4\",\"5\",\"inf\"\n", {"x.csv:3: ", "label is not finite"}},
    {"a,\"b\nc,label\n1,2,3\n", {"x.csv:1: ", "column 2: unterminated quote"}},
    {"a,b\"c,label\n1,2,3\n", {"x.csv:1: ", "column 2: a quote inside an unquoted name"}},
    {"a,\"b\"c,label\n1,2,3\n", {"x.csv:1: ", "column 2: text after the closing quote: c"}},
    {"\"a\nb\",\"\",label\n1,2,3\n", {"x.csv:2: ", "column 2 has an empty name"}},
    {"a;b;label\n1;2;3\n4;5,5;6\n", {"x.csv:3: ", "field 2 (\"b\"): not a number: \"5,5\""}},
};

START_TEST(rfc_errors_one_line)
{
    const char *path = put("x.csv", rfc_errors[_i].text);
    char err[PT_ERRLEN] = "";
    pt_dataset_t *ds = pt_dataset_load(path, NULL, err);
    ck_assert_msg(ds == NULL, "case %d loaded", _i);
    ck_assert_msg(strchr(err, '\n') == NULL, "case %d: not one line: %s", _i, err);
    for (int k = 0; k < 3 && rfc_errors[_i].want[k] != NULL; k++)
        ck_assert_msg(strstr(err, rfc_errors[_i].want[k]) != NULL, "case %d: \"%s\" lacks \"%s\"",
                      _i, err, rfc_errors[_i].want[k]);
    for (int t = 1; t <= 9; t++) {
        pt_load_opts_t o = {.threads = t};
        char err2[PT_ERRLEN] = "";
        ck_assert_ptr_null(pt_dataset_load(path, &o, err2));
        ck_assert_str_eq(err2, err);
    }
}
END_TEST

/* An error far into a long quoted file, after many rows: the same message for every thread
 * count (the chunks before it parse cleanly and it is the first in file order). */
START_TEST(rfc_late_error_threads)
{
    enum { ROWS = 400 };
    size_t cap = ROWS * 48, len = 0;
    char *text = malloc(cap), err[PT_ERRLEN], want[PT_ERRLEN];
    const char *path;
    ck_assert_ptr_nonnull(text);
    len += (size_t)snprintf(text + len, cap - len, "\"a\";\"b\";\"label\"\r\n");
    for (int r = 0; r < ROWS; r++)
        len += (size_t)snprintf(text + len, cap - len, r == 300 ? "\"%d\";\"7\nx\";\"1\"\r\n"
                                : r == 350 ? "\"%d\";\"7;\r\n" : "\"%d\";\" 7 \";1\r\n", r);
    path = put_n("late.csv", text, len);
    for (int t = 1; t <= 9; t++) {
        pt_load_opts_t o = {.threads = t};
        ck_assert_ptr_null(pt_dataset_load(path, &o, err));
        if (t == 1)
            snprintf(want, sizeof want, "%s", err);
        ck_assert_str_eq(err, want);
    }
    ck_assert_msg(strstr(want, "late.csv:302: field 2 (\"b\"): not a number: \"7?x\"") != NULL,
                  "%s", want);
    free(text);
}
END_TEST

START_TEST(rfc_sep_libsvm)
{
    const char *p = put("a.svm", "1 1:2\n0 1:3\n");
    pt_load_opts_t o = {.sep = ';'};
    char err[PT_ERRLEN] = "";
    ck_assert_ptr_null(pt_dataset_load(p, &o, err));
    ck_assert_ptr_nonnull(strstr(err, "a.svm: a field separator (--sep) applies to CSV"));
    o.sep = 0;
    {
        pt_dataset_t *ds = load_ok(p, &o);
        ck_assert_int_eq(ds->sep, 0);
        pt_dataset_destroy(&ds);
    }
}
END_TEST

/* The first pass reads 64-byte blocks: a NUL or a single quoted field anywhere in a long file
 * (every offset in a block, the tail after the last block) is found at its line, and the
 * rows are counted whatever the block boundaries. */
START_TEST(rfc_first_pass_blocks)
{
    enum { ROWS = 60 };
    char text[ROWS * 8 + 16], err[PT_ERRLEN];
    size_t len = (size_t)snprintf(text, sizeof text, "a,label\n");
    const char *path;
    for (int r = 0; r < ROWS; r++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%d,%d\n", r % 10, r % 7);
    for (size_t at = 8; at < len; at += 3) {
        char bad[sizeof text];
        size_t line = 1;
        pt_load_opts_t o = {.threads = 1 + (int)(at % 3)};
        pt_dataset_t *ds;
        if (text[at] == '\n')
            continue;
        for (size_t i = 0; i < at; i++)
            line += text[i] == '\n';
        memcpy(bad, text, len);
        bad[at] = '\0';
        path = put_n("n.csv", bad, len);
        ck_assert_ptr_null(pt_dataset_load(path, &o, err));
        snprintf(bad, sizeof bad, "n.csv:%zu: NUL byte", line);
        ck_assert_msg(strstr(err, bad) != NULL, "at %zu: %s", at, err);
        /* a digit quoted: the same data, read by the quoted path */
        if (text[at] >= '0' && text[at] <= '9' && (text[at - 1] == ',' || text[at - 1] == '\n')) {
            size_t n = 0;
            memcpy(bad, text, at);
            n = at;
            n += (size_t)snprintf(bad + n, sizeof bad - n, "\"%c\"", text[at]);
            memcpy(bad + n, text + at + 1, len - at - 1);
            n += len - at - 1;
            path = put_n("q.csv", bad, n);
            ds = load_ok(path, &o);
            ck_assert_uint_eq(ds->rows, ROWS);
            for (int r = 0; r < ROWS; r++)
                ck_assert(ds->x[r] == r % 10 && ds->y[r] == r % 7);
            pt_dataset_destroy(&ds);
        }
    }
}
END_TEST

/* Columns that are not features (--ignore) and kept ones (--keep) in a file with quotes: a
 * quoted text with the separator, doubled quotes, LF and CRLF inside is stepped over or
 * copied by the quoting rules, on every thread count; the kept text is the field's value
 * with the quoting undone (as Python's csv reads it), and the numbers and the fingerprint
 * are those of the same file without the text columns. */
static const char *const notes[] = {"x, y; z", "say \"hi\", \"\"", "line 1\nline 2",
                                    "a\r\n\"b\", c", " sp ", "", "plain", "\"", ";\n;"};
enum { NNOTES = sizeof notes / sizeof *notes };

/* notes[i] as a quoted CSV field (quotes doubled) into dst. */
static char *quote_note(char *dst, const char *s)
{
    char *d = dst;
    *d++ = '"';
    for (; *s; s++) {
        if (*s == '"')
            *d++ = '"';
        *d++ = *s;
    }
    *d++ = '"';
    *d = '\0';
    return dst;
}

START_TEST(rfc_ignored_and_kept_columns)
{
    enum { ROWS = 700 };
    static const char *ign[] = {"no\"te", "id"}, *keep[] = {"id", "no\"te"};
    static const char seps[] = ",;";
    size_t cap = ROWS * 96 + 64;
    char *text = malloc(cap), *plain = malloc(cap), q[64], err[PT_ERRLEN];
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(plain);
    for (int si = 0; si < 2; si++) {
        char sep = seps[si];
        size_t len = 0, plen = 0;
        pt_dataset_t *ref;
        pt_load_opts_t po = {.threads = 1};
        char path[PATH_MAX];
        len += (size_t)snprintf(text + len, cap - len, "\"id\"%ca%c\"no\"\"te\"%cb%clabel\n",
                                sep, sep, sep, sep);
        plen += (size_t)snprintf(plain + plen, cap - plen, "a,b,label\n");
        for (int r = 0; r < ROWS; r++) {
            /* most rows without a quote, so both the first try and the exact read are used */
            const char *note = r % 3 == 0 ? notes[(r / 3) % NNOTES] : "free text";
            len += (size_t)snprintf(text + len, cap - len, "%s%c%d.5%c%s%c\"%d\"%c%d%s",
                                    r % 2 ? "\"id, 1\"" : "r", sep, r, sep,
                                    r % 3 == 0 ? quote_note(q, note) : note, sep, -r, sep,
                                    r % 4, r % 5 == 0 ? "\r\n" : "\n");
            plen += (size_t)snprintf(plain + plen, cap - plen, "%d.5,%d,%d\n", r, -r, r % 4);
        }
        ref = load_ok(put_n("plain.csv", plain, plen), &po);
        snprintf(path, sizeof path, "%s", put_n("text.csv", text, len));
        for (int t = 1; t <= 9; t++) {
            pt_load_opts_t o = {.threads = t, .ignore_cols = ign, .nignore_cols = 2,
                                .keep_cols = keep, .nkeep_cols = 2};
            pt_dataset_t *ds = pt_dataset_load(path, &o, err);
            ck_assert_msg(ds != NULL, "sep %c, %d threads: %s", sep, t, err);
            ck_assert_int_eq(ds->sep, sep);
            ck_assert_uint_eq(ds->rows, ROWS);
            ck_assert_uint_eq(ds->features, 2);
            ck_assert_str_eq(ds->kept_names[1], "no\"te");
            ck_assert(memcmp(ds->x, ref->x, ROWS * 2 * sizeof *ds->x) == 0);
            ck_assert(memcmp(ds->y, ref->y, ROWS * sizeof *ds->y) == 0);
            ck_assert(ds->fingerprint == ref->fingerprint);
            for (int r = 0; r < ROWS; r++) {
                ck_assert_str_eq(pt_dataset_kept(ds, (size_t)r, 0), r % 2 ? "id, 1" : "r");
                ck_assert_str_eq(pt_dataset_kept(ds, (size_t)r, 1),
                                 r % 3 == 0 ? notes[(r / 3) % NNOTES] : "free text");
            }
            pt_dataset_destroy(&ds);
        }
        pt_dataset_destroy(&ref);
    }
    free(text);
    free(plain);
}
END_TEST

/* A quoting error in an ignored column is still an error of its field (the rows could not be
 * cut otherwise), with the same message on every thread count. */
START_TEST(rfc_ignored_column_errors)
{
    static const char *ign[] = {"note"};
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"a,note,label\n1,\"x,\ny\",2\n3,ab\"c,4\n", "x.csv:4: field 2 (\"note\"): a quote inside "
                                                     "an unquoted field"},
        {"a,note,label\n1,\"x\"y,2\n", "x.csv:2: field 2 (\"note\"): text after the closing "
                                       "quote: y"},
        {"a,note,label\n1,\"x\n2,3\n", "x.csv:2: field 2 (\"note\"): unterminated quote"},
        {"a,note,label\n1,\"x,y\",2,3\n", "x.csv:2: expected 3 fields, found 4"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *path = put("x.csv", cases[i].text);
        for (int t = 1; t <= 4; t++) {
            pt_load_opts_t o = {.threads = t, .ignore_cols = ign, .nignore_cols = 1};
            char err[PT_ERRLEN] = "";
            ck_assert_ptr_null(pt_dataset_load(path, &o, err));
            ck_assert_msg(strstr(err, cases[i].want) != NULL, "case %zu: %s", i, err);
        }
    }
}
END_TEST

/* Missing-value tokens: an empty field always, the list's tokens in any case, whole only;
 * the --missing list's checks. */
START_TEST(missing_tokens)
{
    char err[PT_ERRLEN];
    ck_assert_int_eq(pt_csv_is_missing(NULL, "", 0), 1);
    ck_assert_int_eq(pt_csv_is_missing(NULL, "nan", 3), 1);
    ck_assert_int_eq(pt_csv_is_missing(NULL, "Null", 4), 1);
    ck_assert_int_eq(pt_csv_is_missing(NULL, "nA", 2), 1);
    ck_assert_int_eq(pt_csv_is_missing(NULL, "NAN1", 4), 0);
    ck_assert_int_eq(pt_csv_is_missing(NULL, "NAN1", 3), 1); /* the field is [a, a + n) */
    ck_assert_int_eq(pt_csv_is_missing(NULL, "N", 1), 0);
    ck_assert_int_eq(pt_csv_is_missing("", "NA", 2), 0);
    ck_assert_int_eq(pt_csv_is_missing("", "", 0), 1);
    ck_assert_int_eq(pt_csv_is_missing("?,n/a", "N/A", 3), 1);
    ck_assert_int_eq(pt_csv_is_missing("?,n/a", "?", 1), 1);
    ck_assert_int_eq(pt_csv_is_missing("?,n/a", "n/", 2), 0);
    ck_assert_int_eq(pt_csv_check_missing("", err), 0);
    ck_assert_int_eq(pt_csv_check_missing(PT_CSV_MISSING, err), 0);
    ck_assert_int_eq(pt_csv_check_missing("?,n/a,inf", err), 0); /* not finite: text */
    ck_assert_int_eq(pt_csv_check_missing("NA,-999", err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "\"-999\" is a number"));
    ck_assert_int_eq(pt_csv_check_missing("NA,,x", err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "an empty token"));
    ck_assert_int_eq(pt_csv_check_missing("NA,", err), -EINVAL);
    ck_assert_int_eq(pt_csv_check_missing("a b", err), -EINVAL);
    ck_assert_int_eq(pt_csv_check_missing("a\"", err), -EINVAL);
}
END_TEST

/* ---------------------------------------------------------------- windows (pt_csv_load_mapped) */

/* A file that pt_dataset_load maps, so that the passes drop what they have read a window at a
 * time: quoted fields holding newlines, separators and quotes across every window and page
 * boundary, CRLF rows, rows far longer than a window and a page. Loaded with windows of 64
 * bytes (a drop after nearly every row) to 4 MiB and with none, on 1 to 4 threads, it must
 * give the dataset, the kept text and the fingerprint of pt_csv_load on a malloc'd copy. */
static char *window_text(size_t *lenp)
{
    enum { ROWS = 600 };
    size_t cap = 1 << 20, len = 0;
    char *t = malloc(cap);
    ck_assert_ptr_nonnull(t);
    len += (size_t)snprintf(t + len, cap - len, "id,\"a\",note,b,label\r\n");
    for (int r = 0; r < ROWS; r++) {
        len += (size_t)snprintf(t + len, cap - len, "r%d,\"%d.25\",\"", r, r);
        if (r % 97 == 5) { /* a note of 9000 bytes: longer than a page and most windows */
            for (int i = 0; i < 900; i++)
                len += (size_t)snprintf(t + len, cap - len, "%s", i % 7 ? "x,y\r\n\"\"ab" : "zzzzzzzzzz");
        } else {
            len += (size_t)snprintf(t + len, cap - len, "line %d\nnext, \"\"q\"\"", r);
        }
        len += (size_t)snprintf(t + len, cap - len, "\",%d,%d.5%s", -r, r % 3,
                                r % 2 ? "\r\n" : "\n");
    }
    *lenp = len;
    return t;
}

static void same_dataset(const pt_dataset_t *a, const pt_dataset_t *b)
{
    ck_assert_uint_eq(a->rows, b->rows);
    ck_assert_uint_eq(a->features, b->features);
    ck_assert(memcmp(a->x, b->x, a->rows * a->features * sizeof *a->x) == 0);
    ck_assert(memcmp(a->y, b->y, a->rows * sizeof *a->y) == 0);
    ck_assert(a->fingerprint == b->fingerprint);
    ck_assert_uint_eq(a->nkept, b->nkept);
    for (size_t r = 0; r < a->rows * a->nkept; r++)
        ck_assert_str_eq(a->kept_text + a->kept_off[r], b->kept_text + b->kept_off[r]);
}

START_TEST(window_boundaries)
{
    static const size_t windows[] = {64, 128, 4096, 64 * 1000, PT_CSV_WINDOW, 0};
    const char *keep[] = {"note", "id"}, *ign[] = {"note", "id"};
    size_t len;
    char *text = window_text(&len), *copy = malloc(len + PT_SCAN_PAD), err[PT_ERRLEN];
    const char *path = put_n("w.csv", text, len);
    pt_load_opts_t ref_o = {.threads = 1, .ignore_cols = ign, .nignore_cols = 2,
                            .keep_cols = keep, .nkeep_cols = 2};
    pt_dataset_t *ref;
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, text, len);
    memset(copy + len, 0, PT_SCAN_PAD);
    ref = pt_csv_load("w.csv", copy, len, &ref_o, err); /* malloc'd: nothing dropped */
    ck_assert_msg(ref != NULL, "%s", err);
    ck_assert_uint_eq(ref->rows, 600);
    ck_assert(ref->x[5 * 2] == 5.25 && ref->x[5 * 2 + 1] == -5 && ref->y[599] == 2.5);
    ck_assert_uint_eq(strlen(ref->kept_text + ref->kept_off[5 * 2]), 129 * 10 + 771 * 8);
    for (size_t w = 0; w < sizeof windows / sizeof *windows; w++)
        for (int t = 1; t <= 4; t++) {
            pt_load_opts_t o = ref_o;
            pt_dataset_t *ds;
            o.threads = t;
            pt_csv_set_window(windows[w]);
            ds = load_ok(path, &o);
            same_dataset(ref, ds);
            pt_dataset_destroy(&ds);
        }
    pt_csv_set_window(PT_CSV_WINDOW);
    pt_dataset_destroy(&ref);
    free(copy);
    free(text);
}
END_TEST

/* With windows of 64 bytes an error late in the file (its text dropped by the first pass,
 * its row's start dropped by the parse) is reported with its line and field as without. */
START_TEST(window_late_error)
{
    size_t len;
    char *text = window_text(&len), err[PT_ERRLEN], want[PT_ERRLEN];
    char *bad = strstr(text, "r590,\"590.25\"");
    const char *path, *ign[] = {"note", "id"};
    pt_load_opts_t o = {.threads = 2, .ignore_cols = ign, .nignore_cols = 2};
    ck_assert_ptr_nonnull(bad);
    memcpy(bad + 6, "59x", 3);
    path = put_n("we.csv", text, len);
    pt_csv_set_window(0);
    ck_assert_ptr_null(pt_dataset_load(path, &o, err));
    snprintf(want, sizeof want, "%s", err);
    ck_assert_msg(strstr(want, "field 2 (\"a\"): not a number: \"59x.25\"") != NULL, "%s", want);
    pt_csv_set_window(64);
    ck_assert_ptr_null(pt_dataset_load(path, &o, err));
    ck_assert_str_eq(err, want);
    pt_csv_set_window(PT_CSV_WINDOW);
    free(text);
}
END_TEST

/* A kept column read in two chunks, one of which keeps no text at all (found by fuzz_csv:
 * the chunks' kept text was gathered with a copy from a NULL buffer): every kept value, in
 * row order, as the text holds it. */
START_TEST(kept_column_chunk_without_text)
{
    static const char text[] = "a,b,c,label\n0.5,1,x,1.25\n1.6,-2,\"\",0.5\n2,3e-1,"
                               "\xe3\xe3\xe3\xe3\xe3\xe3\xe3\xe3\xe3\xe3\xe3\xe3\xe3\xe3\xe3"
                               "\xe3\xe3\xe3\xe3\xe3\xe3\xe3\xe3\xe3\xe3\xe3\xe3\xe3\xe3\xe3"
                               "\xe3" "1y,1\n-2,3,z,-2.5\n";
    static const char *const keep[] = {"c"};
    char err[PT_ERRLEN] = "", *buf = calloc(sizeof text + PT_SCAN_PAD, 1);
    pt_load_opts_t o;
    pt_dataset_t *ds;
    ck_assert_ptr_nonnull(buf);
    memcpy(buf, text, sizeof text - 1);
    for (int threads = 1; threads <= 4; threads++) {
        memset(&o, 0, sizeof o);
        o.format = PT_FMT_CSV;
        o.ignore_cols = keep;
        o.nignore_cols = 1;
        o.keep_cols = keep;
        o.nkeep_cols = 1;
        o.threads = threads;
        ds = pt_csv_load("k.csv", buf, sizeof text - 1, &o, err);
        ck_assert_msg(ds != NULL, "%d threads: %s", threads, err);
        ck_assert_uint_eq(ds->rows, 4);
        ck_assert_str_eq(ds->kept_text + ds->kept_off[0], "x");
        ck_assert_str_eq(ds->kept_text + ds->kept_off[1], "");
        ck_assert_uint_eq(strlen(ds->kept_text + ds->kept_off[2]), 33);
        ck_assert_str_eq(ds->kept_text + ds->kept_off[3], "z");
        pt_dataset_destroy(&ds);
    }
    free(buf);
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
    tcase_add_test(tc, rfc_quoted_fields);
    tcase_add_test(tc, rfc_bom_quoted_header);
    tcase_add_test(tc, rfc_separators);
    tcase_add_test(tc, rfc_detect_rule);
    tcase_add_test(tc, rfc_chunks_at_row_starts);
    tcase_add_loop_test(tc, rfc_errors_one_line, 0, (int)(sizeof rfc_errors / sizeof *rfc_errors));
    tcase_add_test(tc, rfc_late_error_threads);
    tcase_add_test(tc, rfc_sep_libsvm);
    tcase_add_test(tc, rfc_first_pass_blocks);
    tcase_add_test(tc, rfc_ignored_and_kept_columns);
    tcase_add_test(tc, rfc_ignored_column_errors);
    tcase_add_test(tc, missing_tokens);
    tcase_add_test(tc, window_boundaries);
    tcase_add_test(tc, window_late_error);
    tcase_add_test(tc, kept_column_chunk_without_text);
    tcase_add_loop_test(tc, plain_rows_same_as_general, 0,
                        (int)(sizeof plain_texts / sizeof *plain_texts));
    tcase_add_test(tc, plain_rows_values);
    suite_add_tcase(s, tc);
    return s;
}
