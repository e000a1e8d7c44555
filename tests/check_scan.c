/* check_scan.c - unit tests of pt_scan: the number parser against strtod (directly, and
 * through whole files that end at or near a page boundary), lines, blanks, tokens, quotes,
 * the message excerpt, and reading whole files; the fraction's digit runs at every length and
 * stop byte.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pt_common.h"
#include "pt_dataset.h"
#include "pt_scan.h"
#include "scratch.h"

/* ---------------------------------------------------------------- direct */

/* s copied into a buffer with PT_SCAN_PAD zero bytes after it, as the loaders have. */
static char *padded(const char *s)
{
    size_t n = strlen(s);
    char *b = calloc(n + PT_SCAN_PAD, 1);
    ck_assert_ptr_nonnull(b);
    memcpy(b, s, n);
    return b;
}

START_TEST(num_direct)
{
    static const char *ok[] = {"0", "-0", "1.5", "+2e3", ".25", "123456789012345678901234",
                               "1e-400", "4.9e-324", "9007199254740993", "0x1p4", "inf"};
    static const char *bad[] = {"abc", "-", ".", "e5", ",1"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char *b = padded(ok[i]), *end;
        double v = 0.0, want = strtod(b, &end);
        const char *q = pt_scan_num(b, &v);
        ck_assert_msg(q == end, "%s: end at %td, strtod's at %td", ok[i], q - b, end - b);
        ck_assert_msg(memcmp(&v, &want, sizeof v) == 0, "%s: %.17g, want %.17g", ok[i], v,
                      want);
        free(b);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *b = padded(bad[i]);
        double v;
        ck_assert_msg(pt_scan_num(b, &v) == NULL, "%s parsed", bad[i]);
        free(b);
    }
    {
        char *b = padded(" 1"); /* whitespace first: not a number (strtod would skip it) */
        double v;
        ck_assert_ptr_null(pt_scan_num(b, &v));
        free(b);
        b = padded("12,34\n");
        ck_assert_ptr_eq(pt_scan_num(b, &v), b + 2);
        ck_assert(v == 12.0);
        free(b);
    }
}
END_TEST

/* The fraction's digits are read in runs of up to eight, their count found without a branch:
 * every fraction length 0..24 (runs ending at each place of a word, whole words), each
 * followed by every byte value that is not a digit (the run must stop exactly there: bytes
 * just below '0' and above '9', with the top bit set, NUL) and then by digits (which must
 * not be read), against strtod; with the sign, integer digits and an exponent varied. */
START_TEST(fraction_runs)
{
    char txt[64], *end;
    for (int len = 0; len <= 24; len++)
        for (int stop = 1; stop < 256; stop++) {
            int k = 0;
            double v = 0.0, want;
            const char *q;
            if (stop >= '0' && stop <= '9')
                continue;
            memset(txt, 0, sizeof txt);
            k += snprintf(txt, sizeof txt, "%s%d.", stop % 3 == 0 ? "-" : "", stop % 7);
            for (int d = 0; d < len; d++)
                txt[k++] = (char)('0' + (d * 7 + stop) % 10);
            if (stop % 5 == 0)
                k += snprintf(txt + k, sizeof txt - (size_t)k, "e-%d", stop % 40);
            txt[k++] = (char)stop;
            memcpy(txt + k, "12345678", 8);
            want = strtod(txt, &end);
            q = pt_scan_num(txt, &v);
            ck_assert_msg(q == end, "\"%s\": end at %td, strtod's at %td", txt,
                          q ? q - txt : -1, end - txt);
            ck_assert_msg(memcmp(&v, &want, sizeof v) == 0, "\"%s\": %a, strtod %a", txt, v,
                          want);
        }
}
END_TEST

START_TEST(lines_and_fields)
{
    static const char text[] = "a,b\r\n \t\r\n\nlast";
    const char *end = text + sizeof text - 1, *p = text, *eol, *a, *b;
    char out[PT_SCAN_SHOW_MAX + 4];

    p = pt_scan_line(p, end, &eol);
    ck_assert_int_eq(eol - text, 3); /* without "\r\n" */
    ck_assert_int_eq(p - text, 5);
    ck_assert(!pt_scan_is_blank(text, eol));
    a = p;
    p = pt_scan_line(p, end, &eol);
    ck_assert(pt_scan_is_blank(a, eol));
    p = pt_scan_line(p, end, &eol);
    ck_assert(p == eol + 1 && pt_scan_is_blank(eol, eol));
    a = p;
    p = pt_scan_line(p, end, &eol);
    ck_assert(p == end && eol == end && a == end - 4);
    ck_assert_uint_eq(pt_scan_count(text, end, '\n'), 3);
    ck_assert_uint_eq(pt_scan_count(text, text, '\n'), 0);
    {
        const char *t = "ab\tcd";
        ck_assert_ptr_eq(pt_scan_token_end(t, t + 5), t + 2);
        ck_assert_ptr_eq(pt_scan_token_end(t + 3, t + 5), t + 5);
    }

    a = "  \" x y \" \r";
    b = a + strlen(a);
    ck_assert_int_eq(pt_scan_unquote(&a, &b), 0);
    ck_assert_int_eq((int)(b - a), 3);
    ck_assert_int_eq(strncmp(a, "x y", 3), 0);
    a = " \"open";
    b = a + strlen(a);
    ck_assert_int_eq(pt_scan_unquote(&a, &b), -1);
    a = "\"";
    b = a + 1;
    ck_assert_int_eq(pt_scan_unquote(&a, &b), -1);

    pt_scan_show(out, "a\tb\x7f", 4);
    ck_assert_str_eq(out, "a?b?");
    {
        char longer[100];
        memset(longer, 'z', sizeof longer);
        pt_scan_show(out, longer, sizeof longer);
        ck_assert_uint_eq(strlen(out), PT_SCAN_SHOW_MAX + 3);
        ck_assert_str_eq(out + PT_SCAN_SHOW_MAX, "...");
    }
}
END_TEST

START_TEST(read_file)
{
    char err[PT_ERRLEN] = "", *buf = NULL;
    size_t len = 0, maplen = 0;
    const char *p = put("t.txt", "1,2\n3,4\n");

    ck_assert_int_eq(pt_scan_read_file(p, &buf, &len, &maplen, err), 0);
    ck_assert_uint_eq(len, 8);
    ck_assert_uint_gt(maplen, 0); /* a regular file is mapped */
    ck_assert_int_eq(memcmp(buf, "1,2\n3,4\n", 8), 0);
    for (size_t i = 0; i < PT_SCAN_PAD; i++)
        ck_assert_int_eq(buf[len + i], 0);
    pt_scan_release(buf, maplen);

    p = put("empty", ""); /* nothing to map: read into a buffer */
    ck_assert_int_eq(pt_scan_read_file(p, &buf, &len, &maplen, err), 0);
    ck_assert_uint_eq(len, 0);
    ck_assert_uint_eq(maplen, 0);
    ck_assert_int_eq(buf[0], 0);
    pt_scan_release(buf, maplen);
    pt_scan_release(NULL, 0);

    ck_assert_int_eq(pt_scan_read_file(tpath("none"), &buf, &len, &maplen, err), -ENOENT);
    ck_assert_ptr_nonnull(strstr(err, "none: cannot open"));
    pt_scan_nul_byte(err, "d.csv", 7);
    ck_assert_str_eq(err, "d.csv:7: NUL byte: not a text file");
}
END_TEST

/* ---------------------------------------------------------------- through files */

static void add_num(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 2 > *cap) {
        *cap = (*cap + n + 2) * 2;
        *buf = realloc(*buf, *cap);
        ck_assert_ptr_nonnull(*buf);
    }
    memcpy(*buf + *len, s, n);
    (*buf)[*len + n] = '\n';
    *len += n + 1;
}

/* Loads a one-column CSV of number texts and checks that every value is bit-for-bit what
 * strtod gives (the parser is exact, not just within 1 ulp). */
/* The parser reads ahead up to 8 bytes: a number that ends the file exactly at or just before
 * a page boundary (mapped files) or a buffer end must still parse, and nothing past it. */
START_TEST(number_at_end_of_file)
{
    long pg = sysconf(_SC_PAGESIZE);
    for (long total = pg - 10; total <= pg + 1; total++) {
        char *t = malloc((size_t)total + 1);
        const char *p;
        pt_dataset_t *ds;
        size_t used = (size_t)snprintf(t, (size_t)total + 1, "a,label\n"), rows = 1, digits;
        ck_assert_ptr_nonnull(t);
        while ((long)used + 4 + 2 + 12 <= total) { /* "1,1\n" rows, then "7,DDD..." */
            memcpy(t + used, "1,1\n", 4);
            used += 4;
            rows++;
        }
        digits = (size_t)total - used - 2; /* 12 to 15: the last row ends the file exactly */
        memcpy(t + used, "7,", 2);
        for (size_t k = 0; k < digits; k++)
            t[used + 2 + k] = (char)('1' + (k * 7 + (size_t)total) % 9);
        t[total] = 0;
        p = put_n("e.csv", t, (size_t)total);
        ds = load_ok(p, NULL);
        ck_assert_uint_eq(ds->rows, rows);
        ck_assert(ds->x[rows - 1] == 7.0);
        ck_assert_msg(ds->y[rows - 1] == strtod(t + used + 2, NULL), "size %ld", total);
        pt_dataset_destroy(&ds);
        free(t);
    }
}
END_TEST

START_TEST(parser_matches_strtod)
{
    static const char *fixed[] = {
        "0", "-0", "0.0", "1", "-1", "+1", ".5", "-.5", "5.", "00012", "1E5", "1e-5",
        "0.1", "0.2", "0.3", "1e22", "1e23", "9007199254740992", "9007199254740993",
        "9007199254740995", "9223372036854775807", "9223372036854776832",
        "9223372036854776833", "18446744073709551615", "1844674407370955161.5",
        "0.9999999999999999444888487687421729788184165954589843750000000001",
        "123456789012345678901234567890", "2.2250738585072011e-308", "2.2250738585072014e-308",
        "4.9e-324", "1e-400", "1.7976931348623157e308", "0e9999", "7.3177701707893310e+15",
        "3.0540412e5", "8.589973e9", "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124", "4.35679716098e-1",
        "0x1.8p1", "1.2345678901234567e-5", "1.2345678901234567e-19", "123456789.012345678e10"};
    char *buf = NULL, num[64];
    size_t len = 0, cap = 0, n = 0, nfixed = sizeof fixed / sizeof fixed[0];
    uint64_t st = 12345;
    pt_dataset_t *ds;
    const char *p;

    add_num(&buf, &len, &cap, "label");
    for (size_t i = 0; i < nfixed; i++, n++)
        add_num(&buf, &len, &cap, fixed[i]);
    for (int i = 0; i < 6000; i++, n++) {
        double v;
        uint64_t bits;
        if (i % 3 == 0) { /* any finite double */
            do {
                bits = pt_rng_next(&st);
                memcpy(&v, &bits, sizeof v);
            } while (!isfinite(v));
        } else { /* magnitudes where the fast paths apply */
            int e = (int)(pt_rng_next(&st) % 61) - 30;
            v = (pt_rng_uniform(&st) - 0.5) * pow(10.0, e);
        }
        snprintf(num, sizeof num, (i & 1) ? "%.17g" : "%.10g", v);
        add_num(&buf, &len, &cap, num);
    }
    p = put_n("n.csv", buf, len);
    ds = load_ok(p, NULL);
    ck_assert_uint_eq(ds->rows, n);
    {
        const char *q = memchr(buf, '\n', len) + 1;
        for (size_t i = 0; i < n; i++) {
            char *end;
            double want = strtod(q, &end);
            ck_assert_msg(memcmp(&want, &ds->y[i], sizeof want) == 0,
                          "row %zu \"%.*s\": got %.17g want %.17g", i, (int)(end - q), q,
                          ds->y[i], want);
            q = end + 1;
        }
    }
    pt_dataset_destroy(&ds);
    free(buf);
}
END_TEST

/* Fixed-point numbers as CSV files hold them (1..9 integer digits, leading zeros, 0..18
 * after a point, a sign) with every kind of byte after them (a separator, a newline, the
 * text's end, an exponent, a second point, a hex 'x', a blank): value and end as strtod's, to
 * the bit, across the 8-digit blocks of the fast paths. */
START_TEST(fast_path_matches_strtod)
{
    static const char *after[] = {",", "\n", "", "e3", ".5", "x1", " ", "\r\n", "E-2"};
    uint64_t st = 777;
    char num[80];
    for (int i = 0; i < 200000; i++) {
        int ni = 1 + (int)(pt_rng_next(&st) % 9), nf = (int)(pt_rng_next(&st) % 19), k = 0;
        char *b, *end;
        double v = 0.0, want;
        const char *q;
        if (pt_rng_next(&st) % 3 == 0)
            num[k++] = pt_rng_next(&st) % 2 ? '-' : '+';
        for (int d = 0; d < ni; d++)
            num[k++] = (char)('0' + (d == 0 && pt_rng_next(&st) % 4 == 0 ? 0
                                                                        : pt_rng_next(&st) % 10));
        if (nf > 0 || pt_rng_next(&st) % 8 == 0)
            num[k++] = '.';
        for (int d = 0; d < nf; d++)
            num[k++] = (char)('0' + pt_rng_next(&st) % 10);
        snprintf(num + k, sizeof num - (size_t)k, "%s",
                 after[pt_rng_next(&st) % (sizeof after / sizeof *after)]);
        b = padded(num);
        want = strtod(b, &end);
        q = pt_scan_num(b, &v);
        ck_assert_msg(q == end, "%s: end at %td, strtod's at %td", num, q - b, end - b);
        ck_assert_msg(memcmp(&v, &want, sizeof v) == 0, "%s: %.17g, strtod %.17g", num, v, want);
        free(b);
    }
}
END_TEST

Suite *suite_scan(void)
{
    Suite *s = suite_create("scan");
    TCase *tc = tcase_create("scan");
    tcase_set_timeout(tc, TIMEOUT);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, num_direct);
    tcase_add_test(tc, fraction_runs);
    tcase_add_test(tc, lines_and_fields);
    tcase_add_test(tc, read_file);
    tcase_add_test(tc, parser_matches_strtod);
    tcase_add_test(tc, fast_path_matches_strtod);
    tcase_add_test(tc, number_at_end_of_file);
    suite_add_tcase(s, tc);
    return s;
}
