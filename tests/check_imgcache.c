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
#include "pt_dataset.h"
#include "pt_image.h"
#include "pt_imgcache.h"
#include "scratch.h"

/* A dataset of 9 rows x 2 features in 3 blocks, its image written into the cache file of
 * data file tmpdir/d.csv under key "k"; *img_len the image's size. */
static void write_one(char *path, size_t len, pt_imgcache_ident_t *id, size_t *img_len)
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
    ck_assert_msg(pt_imgcache_write(path, "k", tpath("d.csv"), id, &ds, held, *img_len, err) == 0,
                  "%s", err);
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
    write_one(path, sizeof path, &id, &n);
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
    write_one(path, sizeof path, &id, &n);
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

START_TEST(stale_data_is_not_written)
{
    char path[4096], err[PT_ERRLEN];
    pt_imgcache_ident_t id;
    size_t n;
    write_one(path, sizeof path, &id, &n);
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
    tcase_add_test(tc, stale_data_is_not_written);
    suite_add_tcase(s, tc);
    return s;
}
