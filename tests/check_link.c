/* check_link.c - unit tests of pt_link: the key file (mode 0600, never replaced, refused when
 * others may read it, the keys a real CURVE pair), URL checks, link headers. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zmq.h>

#include "pt_common.h"
#include "pt_link.h"
#include "scratch_dir.h"

START_TEST(keygen_mode_and_pairs)
{
    char *dir = make_dir("ptlink"), *p = path_in(dir, "k"), err[PT_ERRLEN];
    char pub[PT_LINK_Z85];
    pt_link_key_t made, read;
    struct stat st;
    ck_assert_int_eq(pt_link_keygen(p, &made, err), 0);
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(pt_link_key_read(p, &read, err), 0);
    ck_assert_mem_eq(&made, &read, sizeof made);
    /* each public key is its secret key's (zmq_curve_public), so the pairs really pair */
    ck_assert_int_eq(zmq_curve_public(pub, read.server_secret), 0);
    ck_assert_str_eq(pub, read.server_public);
    ck_assert_int_eq(zmq_curve_public(pub, read.client_secret), 0);
    ck_assert_str_eq(pub, read.client_public);
    /* never replaced; load reads what is there */
    ck_assert_int_eq(pt_link_keygen(p, NULL, err), -EEXIST);
    ck_assert_int_eq(pt_link_key_load(p, &read, err), 0);
    ck_assert_mem_eq(&made, &read, sizeof made);
    free(p);
    remove_dir(dir);
}
END_TEST

START_TEST(key_refusals)
{
    char *dir = make_dir("ptlink"), *p = path_in(dir, "k"), *q = path_in(dir, "junk");
    char err[PT_ERRLEN];
    pt_link_key_t k;
    FILE *f;
    ck_assert_int_eq(pt_link_key_load(p, &k, err), 0); /* made, as it did not exist */
    ck_assert_int_eq(chmod(p, 0640), 0);
    ck_assert_int_eq(pt_link_key_read(p, &k, err), -EPERM);
    ck_assert_ptr_nonnull(strstr(err, "group or others may read it (mode 640)"));
    ck_assert_int_eq(chmod(p, 0604), 0);
    ck_assert_int_eq(pt_link_key_read(p, &k, err), -EPERM);
    f = fopen(q, "w");
    fputs("server-public short\n", f);
    fclose(f);
    ck_assert_int_eq(chmod(q, 0600), 0);
    ck_assert_int_eq(pt_link_key_read(q, &k, err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "not a paratune key file"));
    ck_assert_int_eq(pt_link_key_read(dir, &k, err), -EINVAL);
    free(p);
    free(q);
    remove_dir(dir);
}
END_TEST

START_TEST(urls)
{
    char err[PT_ERRLEN];
    ck_assert_int_eq(pt_link_url_check("tcp://127.0.0.1:5555", 0, err), 0);
    ck_assert_int_eq(pt_link_url_check("tcp://*:5555", 1, err), 0);
    ck_assert_int_eq(pt_link_url_check("tcp://*:5555", 0, err), -EINVAL);
    ck_assert_int_eq(pt_link_url_check("tcp://host.example:1", 0, err), 0);
    ck_assert_int_eq(pt_link_url_check("ipc:///tmp/x", 1, err), -EINVAL);
    ck_assert_int_eq(pt_link_url_check("tcp://:5555", 1, err), -EINVAL);
    ck_assert_int_eq(pt_link_url_check("tcp://h", 1, err), -EINVAL);
    ck_assert_int_eq(pt_link_url_check("tcp://h:0", 1, err), -EINVAL);
    ck_assert_int_eq(pt_link_url_check("tcp://h:65536", 1, err), -EINVAL);
    ck_assert_int_eq(pt_link_url_check("tcp://h:12x", 1, err), -EINVAL);
    ck_assert_int_eq(pt_link_url_check("tcp://h:", 1, err), -EINVAL);
}
END_TEST

START_TEST(headers)
{
    pt_link_hdr_t h;
    const char *w = "WELCOME 100 7 18446744073709551615 500 4 3 20 0";
    ck_assert_int_eq(pt_link_hdr_parse(w, strlen(w), 8, &h), 0);
    ck_assert_str_eq(h.word, "WELCOME");
    ck_assert_int_eq(h.nn, 8);
    ck_assert(h.n[0] == 100 && h.n[4] == 4 && h.n[6] == 20);
    ck_assert(h.n[2] == -1); /* 2^64 - 1 kept as its bit pattern */
    ck_assert_int_eq(pt_link_hdr_parse("HELLO 4 123 node one", 20, 2, &h), 0);
    ck_assert_str_eq(h.text, "node one");
    ck_assert_int_eq(pt_link_hdr_parse("BYE", 3, 0, &h), 0);
    ck_assert_str_eq(h.text, "");
    ck_assert_int_eq(pt_link_hdr_parse("ACK -5", 6, 1, &h), -EINVAL);
    ck_assert_int_eq(pt_link_hdr_parse("ACK 5x", 6, 1, &h), -EINVAL);
    ck_assert_int_eq(pt_link_hdr_parse("ACK", 3, 1, &h), -EINVAL);
    ck_assert_int_eq(pt_link_hdr_parse("ACK 99999999999999999999", 24, 1, &h), -EINVAL);
    ck_assert_int_eq(pt_link_hdr_parse(" X", 2, 0, &h), -EINVAL);
    ck_assert_int_eq(pt_link_hdr_parse("", 0, 0, &h), -EINVAL);
    ck_assert(pt_link_hdr_is("JOB", 3, "JOB"));
    ck_assert(pt_link_hdr_is("JOB 1", 5, "JOB"));
    ck_assert(!pt_link_hdr_is("JOBS", 4, "JOB"));
    ck_assert(!pt_link_hdr_is("JO", 2, "JOB"));
}
END_TEST

START_TEST(cut)
{
    char err[PT_ERRLEN];
    size_t in[3] = {2, 1, 300}, out[3] = {0, 0, 0};
    unsigned char b[12];
    ck_assert_int_eq(pt_link_cut_encode(in, 3, b), 0);
    ck_assert_int_eq(b[8], 300 & 255); /* little-endian */
    ck_assert_int_eq(b[9], 1);
    ck_assert_int_eq(pt_link_cut_decode(b, 12, 3, out, err), 303);
    ck_assert_mem_eq(in, out, sizeof in);
    /* the payload's length must be the blocks' */
    ck_assert_int_eq(pt_link_cut_decode(b, 11, 3, out, err), -EINVAL);
    ck_assert_int_eq(pt_link_cut_decode(b, 12, 2, out, err), -EINVAL);
    ck_assert_int_eq(pt_link_cut_decode(b, 0, 0, out, err), -EINVAL);
    /* a block without a piece, or more pieces than PT_LINK_MAX_PIECES in all */
    memset(b, 0, 4);
    ck_assert_int_eq(pt_link_cut_decode(b, 12, 3, out, err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "pieces in block 0"));
    memset(b, 0xff, 4);
    ck_assert_int_eq(pt_link_cut_decode(b, 12, 3, out, err), -EINVAL);
    in[0] = PT_LINK_MAX_PIECES;
    ck_assert_int_eq(pt_link_cut_encode(in, 3, b), -EINVAL);
    in[0] = PT_LINK_MAX_PIECES - 301;
    ck_assert_int_eq(pt_link_cut_encode(in, 3, b), 0);
    ck_assert_int_eq(pt_link_cut_decode(b, 12, 3, out, err), PT_LINK_MAX_PIECES);
    in[1] = 0;
    ck_assert_int_eq(pt_link_cut_encode(in, 3, b), -EINVAL);
}
END_TEST

START_TEST(offer)
{
    char err[PT_ERRLEN], path[PT_LINK_PATH_MAX], *big = malloc(PT_LINK_PATH_MAX + 1);
    ck_assert_ptr_nonnull(big);
    ck_assert_int_eq(pt_link_offer_decode("/cache/a.ptimg", 14, path, err), 0);
    ck_assert_str_eq(path, "/cache/a.ptimg");
    /* not NUL-terminated on the wire: only len bytes are read */
    ck_assert_int_eq(pt_link_offer_decode("/x/yZZZ", 4, path, err), 0);
    ck_assert_str_eq(path, "/x/y");
    /* empty, relative, a NUL inside: refused, path left empty */
    ck_assert_int_eq(pt_link_offer_decode("", 0, path, err), -EINVAL);
    ck_assert_str_eq(path, "");
    ck_assert_int_eq(pt_link_offer_decode("a.ptimg", 7, path, err), -EINVAL);
    ck_assert_int_eq(pt_link_offer_decode("/a\0/etc", 7, path, err), -EINVAL);
    ck_assert_str_eq(path, "");
    ck_assert_int_eq(pt_link_offer_decode(NULL, 3, path, err), -EINVAL);
    /* the longest path that fits, and one byte more */
    memset(big, 'p', PT_LINK_PATH_MAX + 1);
    big[0] = '/';
    ck_assert_int_eq(pt_link_offer_decode(big, PT_LINK_PATH_MAX - 1, path, err), 0);
    ck_assert_uint_eq(strlen(path), PT_LINK_PATH_MAX - 1);
    ck_assert_int_eq(pt_link_offer_decode(big, PT_LINK_PATH_MAX, path, err), -EINVAL);
    ck_assert_str_eq(path, "");
    free(big);
}
END_TEST

Suite *suite_link(void)
{
    Suite *s = suite_create("link");
    TCase *tc = tcase_create("link");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, keygen_mode_and_pairs);
    tcase_add_test(tc, key_refusals);
    tcase_add_test(tc, urls);
    tcase_add_test(tc, headers);
    tcase_add_test(tc, cut);
    tcase_add_test(tc, offer);
    suite_add_tcase(s, tc);
    return s;
}
