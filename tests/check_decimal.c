/* check_decimal.c - unit tests of pt_decimal (w x 10^q to the nearest double) and of the
 * number scanner built on it (pt_scan_num): bit for bit what glibc's strtod gives, for every
 * power of ten in the table, the edge cases of correct rounding, and millions of random
 * decimal strings; and that the fast conversion declines only rarely (else every number
 * would quietly go to strtod).
 */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_decimal.h"
#include "pt_scan.h"

#define TIMEOUT 120

/* Fewer random strings under the sanitizers, whose strtod and scanner run many times slower. */
#if defined(__SANITIZE_ADDRESS__)
#define RANDOM_STRINGS 200000
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RANDOM_STRINGS 200000
#endif
#endif
#ifndef RANDOM_STRINGS
#define RANDOM_STRINGS 1000000
#endif

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* s parsed by pt_scan_num (from a padded copy, as the loaders give it) against strtod:
 * the same end and the same bits, or NULL where strtod takes nothing (or s starts with
 * whitespace, which pt_scan_num refuses). */
static void check_text(const char *s)
{
    size_t n = strlen(s);
    char b[512] = {0}, *end; /* the text, then zero padding */
    double v = 0.0, want;
    const char *q;
    ck_assert_uint_lt(n + PT_SCAN_PAD, sizeof b);
    memcpy(b, s, n);
    want = strtod(b, &end);
    q = pt_scan_num(b, &v);
    if (end == b || (n > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n'))) {
        ck_assert_msg(q == NULL, "\"%s\": parsed, strtod takes nothing", s);
    } else {
        ck_assert_msg(q == end, "\"%s\": end at %td, strtod's at %td", s, q ? q - b : -1,
                      end - b);
        ck_assert_msg(same_bits(v, want), "\"%s\": %a, strtod %a", s, v, want);
    }
}

START_TEST(edge_cases)
{
    static const char *cases[] = {
        /* zeros and signs */
        "0", "-0", "+0", "0.0", "-0.0", "-0e10", "0e-999", "-0.000e+400", "00000", "-.0",
        /* leading zeros, which are not significant digits */
        "000000000000000000000000001.5", "0.000000000000000000000000000000001",
        "00.0000123e+3", "-000.00000000000000000000001234567890123456789",
        "0000000000000000000012345678901234567890", "0.1234567890123456789",
        "0.00000000000000000001234567890123456789e5", "000000000000000000001234567890123456789.5",
        "1234567890123456789.0", "-0.000000000000000000000000000000000000000000001e+40",
        "00000000000000000000000000000000000000000000000000", "0.0000000000000000000000000e1",
        /* the 2^53 boundary: exact, halfway (ties to even), just above */
        "9007199254740992", "9007199254740993", "9007199254740994", "9007199254740995",
        "9007199254740993.0", "900719925474099.3e1", "90071992547409930e-1",
        "9007199254740993.0000000001", "-9007199254740993", "18014398509481985",
        "18014398509481987", "9223372036854775807", "9223372036854775808",
        "9223372036854776832", "9223372036854776833", "18446744073709551615",
        "18446744073709551616", "18446744073709551617e-5", "9999999999999999999e-20",
        /* 17 to 20 significant digits */
        "0.10000000000000000555", "0.1000000000000000055511151231257827",
        "1234567890123456789", "12345678901234567890", "1.2345678901234567e-5",
        "1.2345678901234567e-19", "123456789.012345678e10", "7.3177701707893310e+15",
        "4.35679716098e-1", "2.2250738585072012e-308", "1.7976931348623157e308",
        "1.7976931348623158e308", "1.7976931348623159e308", "3.0540412e5", "8.589973e9",
        /* exactly halfway between two doubles, and the digits just around it */
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "1.00000000000000011102230246251565404236316680908203126",
        "1.00000000000000033306690738754696212708950042724609375",
        "0.9999999999999999444888487687421729788184165954589843750000000001",
        "5e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
        /* subnormals and the smallest normal */
        "4.9e-324", "4.9406564584124654e-324", "1e-320", "2.2250738585072011e-308",
        "2.2250738585072014e-308", "2.225073858507201e-308", "1e-310", "-3e-315",
        /* huge and tiny exponents */
        "1e22", "1e23", "1e308", "1e309", "-1e309", "1e-342", "1e-343", "1e-400", "1e-324",
        "1e99999999999", "1e-99999999999", "123e-345", "0.1e310", "1000e305",
        "1e000000000000000000000000000000000000005", "7e+0", "7E-0",
        /* Clinger's range edges */
        "9007199254740992e22", "9007199254740993e22", "1e-22", "123456789e-22",
        "9007199254740991e-22", "4503599627370497e23",
        /* what strtod stops at, or does not take */
        "1e", "1e+", "1E-", "1.e5", ".5e-3", "+.5", "-.e1", "e1", ".", "-", "+", "", "1.",
        "1..5", "1.5.3", "1e5.5", "1e5e5", "12,34", "5x", "0x", "0x1p3", "0X1P-2", "-0x10",
        "1x2", "inf", "-inf", "+INF", "infinity", "nan", "-nan", "NaN(123)", "nanx", "in",
        " 1", "\t1", "\n1", "1 ", "- 1", "1_000", "1e-", "1e+5x", "9e99999x",
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check_text(cases[i]);
}
END_TEST

/* w x 10^q through pt_decimal_to_double against strtod of "We+Q", for every power of ten in
 * the table and many mantissas each; the share of declined conversions stays tiny. */
START_TEST(every_power)
{
    uint64_t st = 20261205, ws[24];
    size_t tried = 0, declined = 0;
    char txt[64];
    ws[0] = 1;
    ws[1] = 9;
    ws[2] = (UINT64_C(1) << 53) + 1;
    ws[3] = UINT64_MAX;
    ws[4] = UINT64_C(9999999999999999999);
    ws[5] = UINT64_C(1) << 63;
    for (int q = PT_DECIMAL_QMIN - 3; q <= PT_DECIMAL_QMAX + 3; q++) {
        for (int k = 6; k < 24; k++) /* random ones of every length from 1 to 19 digits */
            ws[k] = pt_rng_next(&st) % (k < 24 - 1 ? (uint64_t)pow(10, 1 + (k - 6)) : UINT64_MAX);
        for (int k = 0; k < 24; k++) {
            for (int neg = 0; neg < 2; neg++) {
                double v = 0.0, want;
                snprintf(txt, sizeof txt, "%s%" PRIu64 "e%d", neg ? "-" : "", ws[k], q);
                want = strtod(txt, NULL);
                if (pt_decimal_to_double(ws[k], q, neg, &v) != 0) {
                    declined += q >= -280 && q <= 280; /* not subnormal, not overflowing */
                    continue;
                }
                tried++;
                ck_assert_msg(same_bits(v, want), "%s: %a, strtod %a", txt, v, want);
            }
        }
    }
    /* the declined ones are exactly halfway (the integers from 2^53 up), and a rare few */
    ck_assert_msg(declined < tried / 100, "%zu declined, %zu converted", declined, tried);
}
END_TEST

/* Random 19-digit mantissas at normal exponents: converted without strtod nearly always. */
START_TEST(declines_rarely)
{
    uint64_t st = 99;
    size_t declined = 0, n = 200000;
    for (size_t i = 0; i < n; i++) {
        uint64_t w = UINT64_C(1000000000000000000) +
                     pt_rng_next(&st) % UINT64_C(9000000000000000000);
        int q = (int)(pt_rng_next(&st) % 561) - 280; /* no subnormal or infinite result */
        double v;
        declined += pt_decimal_to_double(w, q, 0, &v) != 0;
    }
    ck_assert_msg(declined * 10000 < n, "%zu of %zu declined", declined, n);
}
END_TEST

/* Integers halfway between two doubles (and their neighbours), written with and without an
 * exponent: ties go to even. */
START_TEST(halfway_integers)
{
    uint64_t st = 5;
    char txt[64];
    for (int i = 0; i < 20000; i++) {
        int e = 54 + (int)(pt_rng_next(&st) % 10); /* doubles of 2^54 .. 2^64 */
        uint64_t ulp = UINT64_C(1) << (e - 53);
        uint64_t d = ((pt_rng_next(&st) >> (64 - e)) | (UINT64_C(1) << (e - 1))) & ~(ulp - 1);
        uint64_t half = d + ulp / 2;
        for (int delta = -1; delta <= 1; delta++) {
            snprintf(txt, sizeof txt, "%" PRIu64, half + (uint64_t)delta);
            check_text(txt);
            snprintf(txt, sizeof txt, "%" PRIu64 "0e-1", half + (uint64_t)delta);
            check_text(txt);
        }
    }
}
END_TEST

/* Random decimal strings: signs, leading zeros, 1 to 25 digits with the point anywhere (or
 * none), exponents of every size and spelling, and what may follow a number in a CSV. */
START_TEST(random_strings)
{
    static const char *after[] = {"", ",", "\n", "e", "e+", "x", " ", ".", "\"", "E-"};
    uint64_t st = 424242;
    char txt[96];
    for (int i = 0; i < RANDOM_STRINGS; i++) {
        uint64_t r = pt_rng_next(&st);
        int k = 0, nd = 1 + (int)(r % 25), point = (int)((r >> 8) % (uint64_t)(nd + 2)) - 1;
        int lead = (r >> 16) % 4 == 0 ? (int)((r >> 20) % 4) : 0;
        if ((r >> 24) % 3 == 0)
            txt[k++] = (r >> 26) % 2 ? '-' : '+';
        for (int z = 0; z < lead; z++)
            txt[k++] = '0';
        for (int d = 0; d < nd; d++) {
            if (d == point)
                txt[k++] = '.';
            txt[k++] = (char)('0' + pt_rng_next(&st) % 10);
        }
        if (point == nd)
            txt[k++] = '.';
        if ((r >> 28) % 3 != 0) {
            int ex = (r >> 32) % 4 == 0 ? (int)((r >> 34) % 700) - 350
                                        : (int)((r >> 34) % 60) - 30;
            k += snprintf(txt + k, sizeof txt - (size_t)k, "%s%s%d",
                          (r >> 44) % 2 ? "e" : "E", ex >= 0 && (r >> 45) % 2 ? "+" : "", ex);
        }
        snprintf(txt + k, sizeof txt - (size_t)k, "%s", after[(r >> 50) % 10]);
        check_text(txt);
    }
}
END_TEST

/* Every double printed the ways CSV writers print them (%.17g, %.15g, %.10g, %.6e, %.3f):
 * read back as strtod reads them. */
START_TEST(printed_doubles)
{
    static const char *fmt[] = {"%.17g", "%.15g", "%.10g", "%.6e", "%.3f", "%.12f"};
    uint64_t st = 31337;
    char txt[400];
    for (int i = 0; i < RANDOM_STRINGS / 2; i++) {
        uint64_t bits = pt_rng_next(&st);
        double d;
        if (i % 2) { /* typical magnitudes */
            d = (pt_rng_uniform(&st) - 0.5) * pow(10.0, (double)(pt_rng_next(&st) % 41) - 20);
        } else {
            memcpy(&d, &bits, sizeof d);
            if (!isfinite(d))
                continue;
        }
        snprintf(txt, sizeof txt, fmt[i % 6], d);
        check_text(txt);
    }
}
END_TEST

Suite *suite_decimal(void)
{
    Suite *s = suite_create("decimal");
    TCase *tc = tcase_create("decimal");
    tcase_set_timeout(tc, TIMEOUT);
    tcase_add_test(tc, edge_cases);
    tcase_add_test(tc, every_power);
    tcase_add_test(tc, declines_rarely);
    tcase_add_test(tc, halfway_integers);
    tcase_add_test(tc, random_strings);
    tcase_add_test(tc, printed_doubles);
    suite_add_tcase(s, tc);
    return s;
}
