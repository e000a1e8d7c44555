/* check_imgcache.c - unit tests of pt_imgcache: a written file opens as a hit whose dataset,
 * folds and positions are the image's, and pt_image_map takes its descriptor; a flipped byte
 * anywhere, a cut file, another key or a data file that changed is a miss with its reason;
 * a missing file is a silent miss.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pt_common.h"
#include "pt_crc32c.h"
#include "pt_dataset.h"
#include "pt_image.h"
#include "pt_imgcache.h"
#include "scratch.h"

/* A dataset of 9 rows x 2 features in 3 blocks, its image written into the cache file of
 * data file tmpdir/d.csv under key "k"; *img_len the image's size. tamper, when not NULL,
 * changes a copy of the image's header first (the file's checksums are the copy's). */
static void write_one(char *path, size_t len, pt_imgcache_ident_t *id, size_t *img_len,
                      void (*tamper)(pt_image_hdr_t *))
{
    static char *names[] = {"a", "b"};
    double x[18], y[9];
    int32_t blk[9] = {2, 0, 1, 0, 2, 1, 0, 1, 2};
    pt_dataset_t ds = {.rows = 9, .features = 2, .x = x, .y = y, .names = names,
                       .label_name = "label", .format = PT_FMT_CSV, .sep = ';'};
    char err[PT_ERRLEN];
    void *held = NULL;
    int fd = -1;
    for (int r = 0; r < 9; r++) {
        y[r] = r * 1.5;
        x[2 * r] = r;
        x[2 * r + 1] = -r;
    }
    put("d.csv", "a;b;label\n");
    ck_assert_int_eq(pt_imgcache_ident(tpath("d.csv"), id, err), 0);
    ck_assert_int_eq(pt_image_build(&ds, blk, 3, PT_IMAGE_CV, 77, &fd, &held, err), 0);
    *img_len = (size_t)((const pt_image_hdr_t *)held)->total_size;
    ck_assert_int_eq(pt_imgcache_path(tmpdir, "k", path, len, err), 0);
    if (tamper != NULL) {
        void *copy = malloc(*img_len);
        ck_assert_ptr_nonnull(copy);
        memcpy(copy, held, *img_len);
        munmap(held, *img_len);
        tamper(copy);
        held = copy;
    }
    ck_assert_msg(pt_imgcache_write(path, "k", tpath("d.csv"), id, &ds, held, *img_len, err) == 0,
                  "%s", err);
    if (tamper != NULL)
        free(held);
    else
        munmap(held, *img_len);
    close(fd);
}

START_TEST(hit_gives_the_image)
{
    char path[4096], why[PT_ERRLEN];
    pt_imgcache_ident_t id;
    pt_imgcache_hit_t hit;
    pt_image_t *img;
    size_t n;
    write_one(path, sizeof path, &id, &n, NULL);
    ck_assert_int_eq(pt_imgcache_open(path, "k", &id, &hit, why), 1);
    ck_assert_uint_eq(hit.ds->rows, 9);
    ck_assert_str_eq(hit.ds->names[1], "b");
    ck_assert_str_eq(hit.ds->label_name, "label");
    ck_assert_int_eq(hit.ds->sep, ';');
    ck_assert(hit.ds->fp_valid && hit.ds->fingerprint == 77);
    ck_assert_int_eq(hit.fold[0], 2);
    ck_assert_int_eq(hit.fold[1], 0);
    ck_assert(hit.ds->y[hit.pos[4]] == 6.0); /* input row 4's label, where the image has it */
    img = pt_image_map(hit.fd, why);
    ck_assert_msg(img != NULL, "%s", why);
    ck_assert_uint_eq(pt_image_header(img)->rows, 9);
    pt_image_unmap(&img);
    pt_imgcache_hit_free(&hit);
    ck_assert_int_eq(hit.fd, -1);
}
END_TEST

static void flip(const char *path, off_t at)
{
    int fd = open(path, O_RDWR);
    unsigned char c;
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pread(fd, &c, 1, at), 1);
    c ^= 0x10;
    ck_assert_int_eq(pwrite(fd, &c, 1, at), 1);
    close(fd);
}

START_TEST(damage_is_a_miss)
{
    char path[4096], why[PT_ERRLEN];
    pt_imgcache_ident_t id, other;
    pt_imgcache_hit_t hit;
    struct stat st;
    size_t n;
    write_one(path, sizeof path, &id, &n, NULL);
    ck_assert_int_eq(stat(path, &st), 0);
    for (off_t at = 0; at < st.st_size; at += 37) { /* every part: image, description, trailer */
        flip(path, at);
        ck_assert_int_eq(pt_imgcache_open(path, "k", &id, &hit, why), 0);
        ck_assert_msg(why[0] != '\0', "byte %lld", (long long)at);
        ck_assert_int_eq(hit.fd, -1);
        flip(path, at);
    }
    ck_assert_int_eq(pt_imgcache_open(path, "k", &id, &hit, why), 1);
    pt_imgcache_hit_free(&hit);
    ck_assert_int_eq(pt_imgcache_open(path, "other key", &id, &hit, why), 0);
    ck_assert_ptr_nonnull(strstr(why, "other options"));
    other = id;
    other.mtime_nsec++;
    ck_assert_int_eq(pt_imgcache_open(path, "k", &other, &hit, why), 0);
    ck_assert_ptr_nonnull(strstr(why, "data file has changed"));
    ck_assert_int_eq(truncate(path, st.st_size - 1), 0);
    ck_assert_int_eq(pt_imgcache_open(path, "k", &id, &hit, why), 0);
    ck_assert_ptr_nonnull(strstr(why, "cut short"));
    unlink(path);
    ck_assert_int_eq(pt_imgcache_open(path, "k", &id, &hit, why), 0);
    ck_assert_str_eq(why, "");
}
END_TEST

/* Offsets in a header whose checksums hold (found by tests/fuzz/fuzz_imgcache.c): a block
 * table or label array whose end wraps around 2^64, a row-number array one byte off its
 * alignment. */
static void wrap_blocks(pt_image_hdr_t *h)
{
    h->block_off = UINT64_MAX - 7;
}

static void misalign_rids(pt_image_hdr_t *h)
{
    h->rid_off -= 1;
}

static void wrap_labels(pt_image_hdr_t *h)
{
    h->y_off = UINT64_MAX - 7; /* y_off + rows * 8 wraps to a small number */
}

START_TEST(bad_offsets_are_a_miss)
{
    void (*tamper[])(pt_image_hdr_t *) = {wrap_blocks, misalign_rids, wrap_labels};
    char path[4096], why[PT_ERRLEN];
    pt_imgcache_ident_t id;
    pt_imgcache_hit_t hit;
    size_t n;
    for (size_t i = 0; i < sizeof tamper / sizeof *tamper; i++) {
        write_one(path, sizeof path, &id, &n, tamper[i]);
        ck_assert_int_eq(pt_imgcache_open(path, "k", &id, &hit, why), 0);
        ck_assert_msg(strstr(why, "damaged") != NULL, "%zu: %s", i, why);
        ck_assert_int_eq(hit.fd, -1);
        unlink(path);
    }
}
END_TEST

/* Sets the 64-bit field at offset at of the description of the cache file path, and its
 * checksum in the trailer (magic, meta_off, meta_len, meta_crc) to match. */
static void set_meta_u64(const char *path, size_t at, uint64_t v)
{
    int fd = open(path, O_RDWR);
    struct stat st;
    uint64_t off, mlen;
    uint32_t crc;
    char *meta;
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(pread(fd, &off, 8, st.st_size - 24), 8);
    ck_assert_int_eq(pread(fd, &mlen, 8, st.st_size - 16), 8);
    ck_assert_ptr_nonnull(meta = malloc(mlen));
    ck_assert_int_eq(pread(fd, meta, mlen, (off_t)off), (ssize_t)mlen);
    memcpy(meta + at, &v, 8);
    crc = pt_crc32c(meta, mlen);
    ck_assert_int_eq(pwrite(fd, meta, mlen, (off_t)off), (ssize_t)mlen);
    ck_assert_int_eq(pwrite(fd, &crc, 4, st.st_size - 8), 4);
    free(meta);
    close(fd);
}

/* A description whose feature count is UINT64_MAX, with its checksum right (found by
 * tests/fuzz/fuzz_imgcache.c): the count is not the names' (2), which must be freed as 2. */
START_TEST(feature_count_unlike_names_is_a_miss)
{
    /* key "k" (8 + 1), identity (7 x 8), length, pieces, one checksum, format, sep, rows */
    const size_t features_at = 9 + 56 + 8 + 8 + 8 + 8 + 8 + 8;
    char path[4096], why[PT_ERRLEN];
    pt_imgcache_ident_t id;
    pt_imgcache_hit_t hit;
    size_t n;
    write_one(path, sizeof path, &id, &n, NULL);
    set_meta_u64(path, features_at, 2); /* the same value: still a hit (the offset is right) */
    ck_assert_int_eq(pt_imgcache_open(path, "k", &id, &hit, why), 1);
    pt_imgcache_hit_free(&hit);
    set_meta_u64(path, features_at, UINT64_MAX);
    ck_assert_int_eq(pt_imgcache_open(path, "k", &id, &hit, why), 0);
    ck_assert_msg(strstr(why, "damaged") != NULL, "%s", why);
    set_meta_u64(path, features_at, 3);
    ck_assert_int_eq(pt_imgcache_open(path, "k", &id, &hit, why), 0);
    ck_assert_msg(strstr(why, "damaged") != NULL, "%s", why);
}
END_TEST

START_TEST(stale_data_is_not_written)
{
    char path[4096], err[PT_ERRLEN];
    pt_imgcache_ident_t id;
    size_t n;
    write_one(path, sizeof path, &id, &n, NULL);
    put("d.csv", "a;b;label\n1;2;3\n");
    unlink(path);
    ck_assert_int_eq(pt_imgcache_write(path, "k", tpath("d.csv"), &id, NULL, "", 1, err), -ESTALE);
    ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

Suite *suite_imgcache(void)
{
    Suite *s = suite_create("imgcache");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, TIMEOUT);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, hit_gives_the_image);
    tcase_add_test(tc, damage_is_a_miss);
    tcase_add_test(tc, bad_offsets_are_a_miss);
    tcase_add_test(tc, feature_count_unlike_names_is_a_miss);
    tcase_add_test(tc, stale_data_is_not_written);
    suite_add_tcase(s, tc);
    return s;
}
