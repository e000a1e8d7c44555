/* check_image.c - unit tests of pt_image: layout by block, read-only mapping, no shm name. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pt_common.h"
#include "pt_dataset.h"
#include "pt_image.h"

static size_t shm_entries(void)
{
    DIR *d = opendir("/dev/shm");
    struct dirent *e;
    size_t n = 0;
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, "paratune-", 9) == 0)
            n++;
    closedir(d);
    return n;
}

static void small_free(pt_dataset_t **pds)
{
    free((*pds)->x);
    free((*pds)->y);
    free((*pds)->w);
    free(*pds);
    *pds = NULL;
}

static pt_dataset_t *small(void)
{
    pt_dataset_t *ds = calloc(1, sizeof *ds);
    ds->rows = 7;
    ds->features = 3;
    ds->x = malloc(21 * sizeof(double));
    ds->y = malloc(7 * sizeof(double));
    for (size_t r = 0; r < 7; r++) {
        ds->y[r] = 100.0 + (double)r;
        for (size_t j = 0; j < 3; j++)
            ds->x[r * 3 + j] = (double)r * 10 + (double)j;
    }
    return ds;
}

START_TEST(blocks_hold_their_rows_in_order)
{
    pt_dataset_t *ds = small();
    int32_t blk[7] = {2, 0, 1, 0, 2, 1, 0};
    char err[PT_ERRLEN];
    int fd = -1;
    size_t before = shm_entries();
    pt_image_t *img;
    ck_assert_int_eq(pt_image_build(ds, blk, 3, PT_IMAGE_CV, 99, &fd, NULL, err), 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_uint_eq(shm_entries(), before); /* unlinked at once */
    img = pt_image_map(fd, err);
    ck_assert_ptr_nonnull(img);
    ck_assert_uint_eq(pt_image_header(img)->rows, 7);
    ck_assert_uint_eq(pt_image_header(img)->nblocks, 3);
    ck_assert_uint_eq(pt_image_header(img)->fingerprint, 99);
    ck_assert_ptr_null(pt_image_w(img)); /* no weight column */
    ck_assert_ptr_null(pt_image_block_w(img, 1));
    for (size_t b = 0; b < 3; b++) {
        const double *x, *y;
        size_t n, seen = 0;
        x = pt_image_block(img, b, &y, &n);
        for (size_t r = 0; r < 7; r++) {
            if ((size_t)blk[r] != b)
                continue;
            ck_assert_double_eq(y[seen], 100.0 + (double)r);
            ck_assert_double_eq(x[seen * 3 + 2], (double)r * 10 + 2);
            seen++;
        }
        ck_assert_uint_eq(n, seen);
    }
    pt_image_unmap(&img);
    ck_assert_ptr_null(img);
    close(fd);
    small_free(&ds);
}
END_TEST

/* Rows (and their weights) written by the caller at any positions (file order, a shuffle,
 * the final ones) end up where pt_image_build puts them: the image bytes are equal; each
 * block's weights are its rows'. */
START_TEST(staged_rows_move_into_blocks)
{
    enum { N = 501, P = 5, B = 4 };
    pt_dataset_t *ds = calloc(1, sizeof *ds);
    int32_t blk[N];
    size_t pos[N], fin[N];
    char err[PT_ERRLEN];
    int fd0 = -1;
    void *held0 = NULL;
    uint64_t st = 3;
    ds->rows = N;
    ds->features = P;
    ds->x = malloc(N * P * sizeof(double));
    ds->y = malloc(N * sizeof(double));
    ds->w = malloc(N * sizeof(double));
    for (size_t r = 0; r < N; r++) {
        blk[r] = (int32_t)(pt_rng_next(&st) % B);
        ds->y[r] = pt_rng_uniform(&st);
        ds->w[r] = (double)r / 8;
        for (size_t j = 0; j < P; j++)
            ds->x[r * P + j] = pt_rng_normal(&st);
        pos[r] = r;
    }
    for (size_t r = N - 1; r > 0; r--) { /* a shuffle of the positions */
        size_t k = (size_t)(pt_rng_next(&st) % (r + 1)), t = pos[r];
        pos[r] = pos[k];
        pos[k] = t;
    }
    ck_assert_int_eq(pt_image_build(ds, blk, B, PT_IMAGE_CV, 7, &fd0, &held0, err), 0);
    ck_assert_int_eq(pt_image_positions(blk, N, B, fin, err), 0);
    for (int mode = 0; mode < 3; mode++) {
        const size_t *where = mode == 0 ? NULL : mode == 1 ? pos : fin;
        pt_image_builder_t *b = NULL;
        double *x, *y, *w;
        void *held = NULL;
        int fd = -1;
        ck_assert_int_eq(pt_image_begin(N, P, B, PT_IMAGE_CV, &b, &x, &y, &w, err), 0);
        for (size_t r = 0; r < N; r++) {
            size_t d = where ? where[r] : r;
            y[d] = ds->y[r];
            w[d] = ds->w[r];
            memcpy(x + d * P, ds->x + r * P, P * sizeof(double));
        }
        ck_assert_int_eq(pt_image_end(&b, blk, where, 7, &fd, &held, err), 0);
        ck_assert_ptr_null(b);
        ck_assert_msg(memcmp(held, held0, ((pt_image_hdr_t *)held0)->total_size) == 0,
                      "mode %d: image differs", mode);
        munmap(held, ((pt_image_hdr_t *)held)->total_size);
        close(fd);
    }
    {
        pt_image_t *img = pt_image_map(fd0, err);
        ck_assert_ptr_nonnull(img);
        for (size_t b = 0; b < B; b++) {
            const double *bw = pt_image_block_w(img, b), *y;
            size_t n, seen = 0;
            pt_image_block(img, b, &y, &n);
            for (size_t r = 0; r < N; r++)
                if ((size_t)blk[r] == b) {
                    ck_assert(bw[seen] == ds->w[r] && y[seen] == ds->y[r]);
                    seen++;
                }
            ck_assert_uint_eq(seen, n);
        }
        pt_image_unmap(&img);
    }
    munmap(held0, ((pt_image_hdr_t *)held0)->total_size);
    close(fd0);
    small_free(&ds);
}
END_TEST

START_TEST(mapping_is_read_only)
{
    pt_dataset_t *ds = small();
    int32_t blk[7] = {0, 1, 0, 1, 0, 1, 0};
    char err[PT_ERRLEN];
    int fd = -1, st;
    pid_t pid;
    ck_assert_int_eq(pt_image_build(ds, blk, 2, PT_IMAGE_TVS, 1, &fd, NULL, err), 0);
    pid = fork();
    if (pid == 0) {
        pt_image_t *img = pt_image_map(fd, err);
        signal(SIGSEGV, SIG_DFL); /* not a sanitizer's handler: the default action */
        double *x = (double *)pt_image_block(img, 0, NULL, &(size_t){0});
        x[0] = 1.0; /* must fault */
        _exit(0);
    }
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFSIGNALED(st));
    ck_assert_int_eq(WTERMSIG(st), SIGSEGV);
    close(fd);
    small_free(&ds);
}
END_TEST

START_TEST(empty_block_refused)
{
    pt_dataset_t *ds = small();
    int32_t blk[7] = {0, 0, 0, 2, 2, 2, 2};
    char err[PT_ERRLEN];
    int fd = -1;
    ck_assert_int_eq(pt_image_build(ds, blk, 3, PT_IMAGE_CV, 1, &fd, NULL, err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "fold 1 has no rows"));
    ck_assert_int_eq(fd, -1);
    small_free(&ds);
}
END_TEST

START_TEST(map_refuses_foreign_descriptor)
{
    char err[PT_ERRLEN];
    FILE *f = tmpfile();
    char junk[512];
    memset(junk, 'x', sizeof junk);
    fwrite(junk, 1, sizeof junk, f);
    fflush(f);
    ck_assert_ptr_null(pt_image_map(fileno(f), err));
    ck_assert_ptr_nonnull(strstr(err, "not a paratune image"));
    fclose(f);
}
END_TEST

Suite *suite_image(void)
{
    Suite *s = suite_create("image");
    TCase *tc = tcase_create("image");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, blocks_hold_their_rows_in_order);
    tcase_add_test(tc, staged_rows_move_into_blocks);
    tcase_add_test(tc, mapping_is_read_only);
    tcase_add_test(tc, empty_block_refused);
    tcase_add_test(tc, map_refuses_foreign_descriptor);
    suite_add_tcase(s, tc);
    return s;
}
