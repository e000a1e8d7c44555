/* check_mpk.c - unit tests of pt_mpk's bounded reading and checksum trailer: pt_msgpack_scan
 * finds the exact end of every kind of msgpack object, says "incomplete" at every shorter
 * cut and for declared lengths beyond the bytes, refuses 0xc1; pt_msgpack_pack_crc /
 * pt_msgpack_check_crc agree, and a changed byte or a moved "crc" is refused. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <msgpack.h>

#include "pt_common.h"
#include "pt_crc32c.h"
#include "pt_mpk.h"

/* One object of every msgpack type and width, nested. */
static void pack_everything(msgpack_packer *pk)
{
    static const char blob[300] = {1};
    char s[70000];
    memset(s, 'x', sizeof s);
    msgpack_pack_map(pk, 3);
    pt_msgpack_pack_str(pk, "scalars");
    msgpack_pack_array(pk, 20);
    msgpack_pack_nil(pk);
    msgpack_pack_true(pk);
    msgpack_pack_false(pk);
    msgpack_pack_int(pk, 5);
    msgpack_pack_int(pk, -5);
    msgpack_pack_int(pk, -100);
    msgpack_pack_int(pk, 200);
    msgpack_pack_int(pk, 60000);
    msgpack_pack_int(pk, -30000);
    msgpack_pack_int64(pk, INT64_C(5000000000));
    msgpack_pack_int64(pk, -INT64_C(5000000000));
    msgpack_pack_uint32(pk, 4000000000u);
    msgpack_pack_int32(pk, -2000000000);
    msgpack_pack_float(pk, 1.5f);
    msgpack_pack_double(pk, 2.5);
    msgpack_pack_str(pk, 40); /* str8 */
    msgpack_pack_str_body(pk, s, 40);
    msgpack_pack_str(pk, 300); /* str16 */
    msgpack_pack_str_body(pk, s, 300);
    msgpack_pack_str(pk, sizeof s); /* str32 */
    msgpack_pack_str_body(pk, s, sizeof s);
    msgpack_pack_bin(pk, sizeof blob); /* bin16 */
    msgpack_pack_bin_body(pk, blob, sizeof blob);
    msgpack_pack_ext(pk, 4, 7); /* fixext4 */
    msgpack_pack_ext_body(pk, blob, 4);
    pt_msgpack_pack_str(pk, "ext");
    msgpack_pack_array(pk, 3);
    msgpack_pack_ext(pk, 3, 1); /* ext8 */
    msgpack_pack_ext_body(pk, blob, 3);
    msgpack_pack_ext(pk, 300, 2); /* ext16 */
    msgpack_pack_ext_body(pk, blob, 300);
    msgpack_pack_bin(pk, 10); /* bin8 */
    msgpack_pack_bin_body(pk, blob, 10);
    pt_msgpack_pack_str(pk, "nested");
    msgpack_pack_array(pk, 20); /* array16 */
    for (int i = 0; i < 20; i++) {
        msgpack_pack_map(pk, 1);
        msgpack_pack_int(pk, i);
        msgpack_pack_array(pk, 0);
    }
}

START_TEST(scan_finds_the_end)
{
    msgpack_sbuffer sb;
    pt_msgpack_writer_t w;
    size_t used = 0, whole;

    msgpack_sbuffer_init(&sb);
    pt_msgpack_writer_init(&w, &sb);
    pack_everything(&w.pk);
    whole = sb.size;
    msgpack_pack_int(&w.pk, 1); /* a next object after it */
    ck_assert_int_eq(w.failed, 0);
    ck_assert_int_eq(pt_msgpack_scan(sb.data, sb.size, &used), 0);
    ck_assert_uint_eq(used, whole);
    for (size_t n = 0; n < whole; n++) /* every cut is incomplete */
        ck_assert_msg(pt_msgpack_scan(sb.data, n, &used) == -EAGAIN, "cut %zu", n);
    {
        msgpack_unpacked u;
        size_t off = 0;
        msgpack_unpacked_init(&u);
        ck_assert_int_eq(pt_msgpack_unpack_bounded(&u, sb.data, sb.size, &off), 0);
        ck_assert_uint_eq(off, whole);
        ck_assert_int_eq(u.data.type, MSGPACK_OBJECT_MAP);
        off = 0;
        ck_assert_int_eq(pt_msgpack_unpack_bounded(&u, sb.data, whole - 1, &off), -EAGAIN);
        ck_assert_uint_eq(off, 0);
        msgpack_unpacked_destroy(&u);
    }
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

START_TEST(scan_bounds_declared_lengths)
{
    static const unsigned char c1[] = {0x92, 0xc1, 0x01};
    static const unsigned char str32[] = {0xdb, 0xff, 0xff, 0xff, 0xff, 'a'};
    static const unsigned char arr32[] = {0xdd, 0xff, 0xff, 0xff, 0xff, 1, 2, 3};
    static const unsigned char map32[] = {0xdf, 0x80, 0, 0, 0, 1, 2, 3};
    static const unsigned char ext32[] = {0xc9, 0, 0, 0, 2, 9, 'a', 'b'};
    static const unsigned char deep[] = {0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91,
                                         0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91,
                                         0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91,
                                         0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91,
                                         0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x01};
    size_t used = 0, off = 0;
    msgpack_unpacked u;

    ck_assert_int_eq(pt_msgpack_scan(c1, sizeof c1, &used), -EBADMSG);
    ck_assert_int_eq(pt_msgpack_scan(str32, sizeof str32, &used), -EAGAIN);
    ck_assert_int_eq(pt_msgpack_scan(arr32, sizeof arr32, &used), -EAGAIN);
    ck_assert_int_eq(pt_msgpack_scan(map32, sizeof map32, &used), -EAGAIN);
    ck_assert_int_eq(pt_msgpack_scan(ext32, sizeof ext32, &used), 0);
    ck_assert_uint_eq(used, sizeof ext32);
    /* deeper than msgpack-c reads (it would say out of memory): refused; 32 levels read */
    ck_assert_int_eq(pt_msgpack_scan(deep, sizeof deep, &used), -EBADMSG);
    ck_assert_int_eq(pt_msgpack_scan(deep + sizeof deep - 33, 33, &used), 0);
    ck_assert_uint_eq(used, 33);
    ck_assert_int_eq(pt_msgpack_scan(deep + sizeof deep - 34, 34, &used), -EBADMSG);
    off = 0;
    msgpack_unpacked_init(&u);
    ck_assert_int_eq(pt_msgpack_unpack_bounded(&u, (const char *)deep + sizeof deep - 33, 33,
                                               &off), 0);
    off = 0;
    ck_assert_int_eq(pt_msgpack_unpack_bounded(&u, (const char *)deep, sizeof deep, &off),
                     -EBADMSG);
    msgpack_unpacked_destroy(&u);
}
END_TEST

START_TEST(crc_trailer)
{
    msgpack_sbuffer sb;
    pt_msgpack_writer_t w;
    msgpack_unpacked u;
    size_t off = 0;
    char err[PT_ERRLEN] = "";

    msgpack_sbuffer_init(&sb);
    pt_msgpack_writer_init(&w, &sb);
    msgpack_pack_map(&w.pk, 2);
    pt_msgpack_kv_str(&w.pk, "record", "result");
    pt_msgpack_pack_crc(&w, 0);
    ck_assert_int_eq(w.failed, 0);
    ck_assert_uint_eq((unsigned char)sb.data[sb.size - 5], 0xce);
    msgpack_unpacked_init(&u);
    ck_assert_int_eq(pt_msgpack_unpack_bounded(&u, sb.data, sb.size, &off), 0);
    ck_assert_int_eq(pt_msgpack_check_crc(sb.data, sb.size, &u.data, err), 1);
    {   /* the value is the CRC-32C of the bytes before it */
        const unsigned char *b = (const unsigned char *)sb.data + sb.size - 4;
        uint32_t v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        ck_assert_uint_eq(v, pt_crc32c(sb.data, sb.size - 5));
    }
    sb.data[3] ^= 0x20; /* "record" -> "rEcord" */
    off = 0;
    ck_assert_int_eq(pt_msgpack_unpack_bounded(&u, sb.data, sb.size, &off), 0);
    ck_assert_int_eq(pt_msgpack_check_crc(sb.data, sb.size, &u.data, err), -EBADMSG);
    ck_assert_ptr_nonnull(strstr(err, "checksum mismatch"));
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);

    /* crc not last: refused; no crc at all: 0 */
    msgpack_sbuffer_init(&sb);
    pt_msgpack_writer_init(&w, &sb);
    msgpack_pack_map(&w.pk, 2);
    pt_msgpack_kv_uint(&w.pk, "crc", 0x12345678u);
    pt_msgpack_kv_str(&w.pk, "record", "result");
    msgpack_unpacked_init(&u);
    off = 0;
    ck_assert_int_eq(pt_msgpack_unpack_bounded(&u, sb.data, sb.size, &off), 0);
    ck_assert_int_eq(pt_msgpack_check_crc(sb.data, sb.size, &u.data, err), -EBADMSG);
    ck_assert_ptr_nonnull(strstr(err, "not the last field"));
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&w.pk, 1);
    pt_msgpack_kv_str(&w.pk, "record", "result");
    off = 0;
    ck_assert_int_eq(pt_msgpack_unpack_bounded(&u, sb.data, sb.size, &off), 0);
    ck_assert_int_eq(pt_msgpack_check_crc(sb.data, sb.size, &u.data, err), 0);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

/* Unpacks the single object in sb into u (the caller destroys u). */
static const msgpack_object *unpack_one(msgpack_unpacked *u, const msgpack_sbuffer *sb)
{
    size_t off = 0;
    msgpack_unpacked_init(u);
    ck_assert_int_eq(pt_msgpack_unpack_bounded(u, sb->data, sb->size, &off), 0);
    return &u->data;
}

/* The field readers name the field, element or key in a reason, and only then. */
START_TEST(readers_name_what_is_wrong)
{
    msgpack_sbuffer sb;
    pt_msgpack_writer_t w;
    msgpack_unpacked u;
    const msgpack_object *o;
    char err[PT_ERRLEN] = "", **v = NULL;
    size_t n = 9;
    uint64_t x = 0;
    pt_paramlist_t l = {0};

    msgpack_sbuffer_init(&sb);
    pt_msgpack_writer_init(&w, &sb);
    msgpack_pack_map(&w.pk, 4);
    pt_msgpack_pack_str(&w.pk, "stages");
    msgpack_pack_array(&w.pk, 2);
    pt_msgpack_pack_str(&w.pk, "pca");
    pt_msgpack_pack_str(&w.pk, "linearRegression");
    pt_msgpack_pack_str(&w.pk, "bad");
    msgpack_pack_array(&w.pk, 3);
    pt_msgpack_pack_str(&w.pk, "a");
    pt_msgpack_pack_str(&w.pk, "b");
    msgpack_pack_int(&w.pk, 7);
    pt_msgpack_kv_int(&w.pk, "neg", -3);
    pt_msgpack_kv_uint(&w.pk, "big", 5000000000u);
    o = unpack_one(&u, &sb);

    ck_assert_int_eq(pt_msgpack_get_strs(o, "stages", &v, &n, err), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(v[0], "pca");
    ck_assert_str_eq(v[1], "linearRegression");
    ck_assert_str_eq(err, "");
    pt_strv_free(v, n);
    ck_assert_int_eq(pt_msgpack_get_strs(o, "bad", &v, &n, err), -EBADMSG);
    ck_assert_str_eq(err, "field 'bad'[2]: expected str, got positive integer");
    ck_assert_uint_eq(n, 2); /* the strings read so far are the caller's to free */
    pt_strv_free(v, 3);
    ck_assert_int_eq(pt_msgpack_get_strs(o, "bad", &v, &n, NULL), -EBADMSG);
    pt_strv_free(v, 3);

    err[0] = '\0';
    ck_assert_int_eq(pt_msgpack_get_uint(o, "big", &x, err), 0);
    ck_assert(x == 5000000000u);
    ck_assert_str_eq(err, "");
    ck_assert_int_eq(pt_msgpack_get_uint(o, "neg", &x, err), -EBADMSG);
    ck_assert_str_eq(err, "field 'neg': expected a non-negative integer, got -3");
    ck_assert_int_eq(pt_msgpack_get_uint(o, "stages", &x, err), -EBADMSG);
    ck_assert_str_eq(err, "field 'stages': expected an integer, got array");
    msgpack_unpacked_destroy(&u);

    /* a param map: a string value with a NUL byte is refused under its key */
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&w.pk, 2);
    pt_msgpack_kv_str(&w.pk, "pca.k", "ten");
    pt_msgpack_pack_str(&w.pk, "lr.solver");
    msgpack_pack_str(&w.pk, 3);
    msgpack_pack_str_body(&w.pk, "a\0b", 3);
    o = unpack_one(&u, &sb);
    ck_assert_int_eq(pt_msgpack_unpack_params(o, &l, err), -EBADMSG);
    ck_assert_str_eq(err, "'lr.solver': string contains a NUL byte");
    pt_paramlist_free(&l);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

Suite *suite_mpk(void)
{
    Suite *s = suite_create("mpk");
    TCase *tc = tcase_create("mpk");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, scan_finds_the_end);
    tcase_add_test(tc, scan_bounds_declared_lengths);
    tcase_add_test(tc, crc_trailer);
    tcase_add_test(tc, readers_name_what_is_wrong);
    suite_add_tcase(s, tc);
    return s;
}
