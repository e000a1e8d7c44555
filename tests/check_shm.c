/* check_shm.c - unit tests of pt_shm: unlinked shared-memory segments.
 *
 * A segment is zero-filled, sized, close-on-exec and leaves no name in /dev/shm; what one
 * process writes another (a forked child, through the descriptor) reads; the read-only
 * reopening cannot be mapped writable; refusals of a bad size, descriptor or a short segment;
 * names taken by another process are skipped (O_EXCL, the next random name) and left alone.
 */
#include <check.h>
#include <sys/mman.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pt_common.h"
#include "pt_shm.h"

/* A name source for the tests: bytes all equal to next_byte, which then counts up, and a
 * record of the names given out. */
static unsigned char next_byte;
static char given[32][PT_SHM_NAME_MAX];
static size_t ngiven;

static int counting_source(void *buf, size_t n)
{
    memset(buf, next_byte, n);
    if (ngiven < 32)
        pt_shm_name(buf, given[ngiven++]);
    next_byte++;
    return 0;
}

static int failing_source(void *buf, size_t n)
{
    (void)buf;
    (void)n;
    return -ENOSYS;
}

/* The name the counting source makes from byte b. */
static void name_of(unsigned char b, char name[PT_SHM_NAME_MAX])
{
    unsigned char bytes[PT_SHM_RANDOM_BYTES];
    memset(bytes, b, sizeof bytes);
    pt_shm_name(bytes, name);
}

static int name_exists(const char *name)
{
    int fd = shm_open(name, O_RDONLY, 0);
    if (fd >= 0)
        close(fd);
    return fd >= 0;
}

/* Another user's process makes the name first: a segment of 5 bytes "decoy". */
static void make_decoy(const char *name)
{
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_msg(fd >= 0, "%s: %s", name, strerror(errno));
    ck_assert_int_eq(write(fd, "decoy", 5), 5);
    close(fd);
}

/* The decoy is as it was made, then removed. */
static void check_and_remove_decoy(const char *name)
{
    char buf[16] = "";
    int fd = shm_open(name, O_RDONLY, 0);
    ck_assert_msg(fd >= 0, "%s gone", name);
    ck_assert_int_eq(read(fd, buf, sizeof buf), 5);
    ck_assert_str_eq(buf, "decoy");
    close(fd);
    ck_assert_int_eq(shm_unlink(name), 0);
}

START_TEST(create_share_map)
{
    char err[PT_ERRLEN] = "";
    void *base = NULL, *m = NULL;
    size_t size = 0;
    struct stat st;
    int fd = -1, ro, status;
    pid_t pid;

    ngiven = 0;
    pt_shm_set_random(counting_source);
    ck_assert_msg(pt_shm_create(10000, &fd, &base, err) == 0, "%s", err);
    pt_shm_set_random(NULL);
    ck_assert_int_ge(fd, 0);
    ck_assert_ptr_nonnull(base);
    ck_assert_uint_eq(ngiven, 1);
    ck_assert_int_eq(strncmp(given[0], "/paratune-", 10), 0);
    ck_assert_uint_eq(strlen(given[0]), 10 + 2 * PT_SHM_RANDOM_BYTES);
    ck_assert_int_eq(name_exists(given[0]), 0); /* unlinked at once */
    ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(st.st_size, 10000);
    ck_assert_int_eq(((unsigned char *)base)[9999], 0);
    memcpy(base, "hello", 6);

    /* a child writes through its own read-write mapping of the inherited descriptor */
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        void *c;
        size_t n;
        if (pt_shm_map(fd, 1, 6, "test", &c, &n, err) != 0 || n != 10000 ||
            strcmp(c, "hello") != 0)
            _exit(1);
        memcpy((char *)c + 100, "child", 6);
        pt_shm_unmap(c, n);
        _exit(0);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_str_eq((char *)base + 100, "child");

    ro = pt_shm_reopen_readonly(fd, err);
    ck_assert_msg(ro >= 0, "%s", err);
    ck_assert(fcntl(ro, F_GETFD) & FD_CLOEXEC);
    ck_assert_int_eq(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY);
    ck_assert_int_eq(pt_shm_map(ro, 1, 0, "test", &m, &size, err), -EACCES);
    ck_assert_ptr_null(m);
    ck_assert_ptr_nonnull(strstr(err, "mmap of test descriptor"));
    ck_assert_int_eq(pt_shm_map(ro, 0, 0, "test", &m, &size, err), 0);
    ck_assert_uint_eq(size, 10000);
    ck_assert_str_eq((char *)m + 100, "child");
    pt_shm_unmap(m, size);
    pt_shm_unmap(base, 10000);
    pt_shm_unmap(NULL, 0);
    close(ro);
    close(fd);
}
END_TEST

START_TEST(refusals)
{
    char err[PT_ERRLEN] = "";
    void *base = (void *)1, *m;
    size_t size;
    int fd = 0;

    ck_assert_int_eq(pt_shm_create(0, &fd, &base, err), -EINVAL);
    ck_assert_int_eq(fd, -1);
    ck_assert_ptr_null(base);
    ck_assert_int_eq(pt_shm_map(-1, 0, 0, "image", &m, &size, err), -EBADF);
    ck_assert_ptr_nonnull(strstr(err, "image descriptor -1"));

    /* without a mapping; then a segment smaller than its header must be */
    ck_assert_int_eq(pt_shm_create(16, &fd, NULL, err), 0);
    ck_assert_int_eq(pt_shm_map(fd, 0, 17, "stats", &m, &size, err), -EINVAL);
    ck_assert_ptr_null(m);
    ck_assert_ptr_nonnull(strstr(err, "too small"));
    close(fd);
}
END_TEST

/* Names taken by someone else are never opened: the next name is tried, PT_SHM_TRIES in
 * all; then EEXIST with the reason. The other process's segments are left as they were. */
START_TEST(taken_names)
{
    char err[PT_ERRLEN] = "", name[PT_SHM_NAME_MAX];
    unsigned char *base = NULL;
    int fd = -1;

    next_byte = 0xa0;
    for (int b = 0xa0; b < 0xa3; b++) {
        name_of((unsigned char)b, name);
        make_decoy(name);
    }
    ngiven = 0;
    pt_shm_set_random(counting_source);
    ck_assert_msg(pt_shm_create(4096, &fd, (void **)&base, err) == 0, "%s", err);
    ck_assert_uint_eq(ngiven, 4); /* three taken, the fourth made */
    ck_assert_int_eq(name_exists(given[3]), 0);
    ck_assert_int_eq(base[0], 0); /* a new segment, not the decoy */
    pt_shm_unmap(base, 4096);
    close(fd);
    for (int b = 0xa0; b < 0xa3; b++) {
        name_of((unsigned char)b, name);
        check_and_remove_decoy(name);
    }

    /* every name tried is taken */
    next_byte = 0xb0;
    for (int b = 0xb0; b < 0xb0 + PT_SHM_TRIES; b++) {
        name_of((unsigned char)b, name);
        make_decoy(name);
    }
    ngiven = 0;
    ck_assert_int_eq(pt_shm_create(4096, &fd, NULL, err), -EEXIST);
    ck_assert_int_eq(fd, -1);
    ck_assert_uint_eq(ngiven, PT_SHM_TRIES);
    ck_assert_msg(strstr(err, "every name tried was taken") != NULL, "%s", err);
    for (int b = 0xb0; b < 0xb0 + PT_SHM_TRIES; b++) {
        name_of((unsigned char)b, name);
        check_and_remove_decoy(name);
    }

    /* no random bytes: refused with the reason */
    pt_shm_set_random(failing_source);
    ck_assert_int_eq(pt_shm_create(4096, &fd, NULL, err), -ENOSYS);
    ck_assert_msg(strstr(err, "no random bytes") != NULL, "%s", err);
    pt_shm_set_random(NULL);

    /* back to getrandom */
    ck_assert_msg(pt_shm_create(4096, &fd, NULL, err) == 0, "%s", err);
    close(fd);
}
END_TEST

Suite *suite_shm(void)
{
    Suite *s = suite_create("shm");
    TCase *tc = tcase_create("shm");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, create_share_map);
    tcase_add_test(tc, refusals);
    tcase_add_test(tc, taken_names);
    suite_add_tcase(s, tc);
    return s;
}
