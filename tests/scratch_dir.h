/* scratch_dir.h - scratch directories for suites that test files in a directory of their own
 * (check_file, check_log): make one under $TMPDIR, count what is in it (hidden temporary
 * files included), remove it with its files, and build paths in it. Static inline so that
 * each suite takes only what it uses. (scratch.h is the data suites' fixture-based variant.)
 */
#ifndef PT_TEST_SCRATCH_DIR_H
#define PT_TEST_SCRATCH_DIR_H

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SCRATCH_PATH_LEN 4096

/* A new directory $TMPDIR/<prefix>XXXXXX (malloc'd path; remove_dir frees it). */
static inline char *make_dir(const char *prefix)
{
    const char *base = getenv("TMPDIR");
    char *d = malloc(SCRATCH_PATH_LEN);
    snprintf(d, SCRATCH_PATH_LEN, "%s/%sXXXXXX", base != NULL ? base : "/tmp", prefix);
    ck_assert_ptr_nonnull(mkdtemp(d));
    return d;
}

/* Number of entries in dir, without . and .. (hidden temporary files count). */
static inline int count_entries(const char *dir)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    int n = 0;
    ck_assert_ptr_nonnull(dp);
    while ((e = readdir(dp)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(dp);
    return n;
}

/* Unlinks every file of dir, removes dir and frees the path. */
static inline void remove_dir(char *dir)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    char p[SCRATCH_PATH_LEN + 256];
    ck_assert_ptr_nonnull(dp);
    while ((e = readdir(dp)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        ck_assert_int_eq(unlink(p), 0);
    }
    closedir(dp);
    ck_assert_int_eq(rmdir(dir), 0);
    free(dir);
}

/* dir/name, malloc'd. */
static inline char *path_in(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

#endif
