/* check_crc32c.c - unit tests of pt_crc32c: the standard check value, other published
 * vectors, and that the sliced loop agrees with a bit-at-a-time CRC at every length and
 * split. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "pt_crc32c.h"

/* The CRC bit by bit, straight from the definition: the reference the tables must match. */
static uint32_t crc_bitwise(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    }
    return ~c;
}

START_TEST(check_value)
{
    unsigned char zeros[32], ones[32], inc[32];
    /* the catalogue's check value, and RFC 3720 (iSCSI) B.4's 32-byte vectors */
    ck_assert_uint_eq(pt_crc32c("123456789", 9), 0xE3069283u);
    ck_assert_uint_eq(pt_crc32c("", 0), 0);
    memset(zeros, 0, sizeof zeros);
    memset(ones, 0xff, sizeof ones);
    for (int i = 0; i < 32; i++)
        inc[i] = (unsigned char)i;
    ck_assert_uint_eq(pt_crc32c(zeros, 32), 0x8A9136AAu);
    ck_assert_uint_eq(pt_crc32c(ones, 32), 0x62A8AB43u);
    ck_assert_uint_eq(pt_crc32c(inc, 32), 0x46DD794Eu);
}
END_TEST

START_TEST(sliced_matches_bitwise)
{
    unsigned char buf[300];
    uint32_t s = 12345;
    for (size_t i = 0; i < sizeof buf; i++) {
        s = s * 1103515245u + 12345u;
        buf[i] = (unsigned char)(s >> 16);
    }
    for (size_t n = 0; n <= sizeof buf; n++) {
        uint32_t want = crc_bitwise(buf, n);
        ck_assert_uint_eq(pt_crc32c(buf, n), want);
        /* unaligned starts and a split anywhere give the same value */
        ck_assert_uint_eq(pt_crc32c_update(pt_crc32c(buf, n / 3), buf + n / 3, n - n / 3),
                          want);
    }
}
END_TEST

Suite *suite_crc32c(void)
{
    Suite *s = suite_create("crc32c");
    TCase *tc = tcase_create("crc32c");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, check_value);
    tcase_add_test(tc, sliced_matches_bitwise);
    suite_add_tcase(s, tc);
    return s;
}
