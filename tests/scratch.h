/* scratch.h - a scratch directory per test for the data suites (check_dataset, check_csv,
 * check_libsvm, check_scan): setup / teardown as a Check fixture, files put into it, and a
 * load that must succeed. Static inline so that each suite takes only what it uses.
 */
#ifndef PT_TEST_SCRATCH_H
#define PT_TEST_SCRATCH_H

#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pt_common.h"
#include "pt_dataset.h"

#define TIMEOUT 60

static char tmpdir[1024];
static char pathbuf[PATH_MAX];

static inline void setup(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/check_data.XXXXXX", base ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

/* Removes every file of tmpdir (and one level of subdirectories), then tmpdir. */
static inline void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[PATH_MAX];
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p)
            continue; /* cannot be one of ours */
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rm_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static inline void teardown(void)
{
    rm_tree(tmpdir);
}

/* Path of name in tmpdir (a static buffer, valid until the next call). */
static inline const char *tpath(const char *name)
{
    ck_assert_int_lt(snprintf(pathbuf, sizeof pathbuf, "%s/%s", tmpdir, name), PATH_MAX);
    return pathbuf;
}

/* Writes len bytes of s to tmpdir/name and returns its path (static buffer). */
static inline const char *put_n(const char *name, const char *s, size_t len)
{
    const char *p = tpath(name);
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(s, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
    return p;
}

static inline const char *put(const char *name, const char *s)
{
    return put_n(name, s, strlen(s));
}

static inline int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static inline pt_dataset_t *load_ok(const char *path, const pt_load_opts_t *o)
{
    char err[PT_ERRLEN] = "";
    pt_dataset_t *ds = pt_dataset_load(path, o, err);
    ck_assert_msg(ds != NULL, "load failed: %s", err);
    return ds;
}

#endif
