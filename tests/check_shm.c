/* check_shm.c - unit tests of pt_shm: unlinked shared-memory segments.
 *
 * A segment is zero-filled, sized, close-on-exec and leaves no name in /dev/shm; what one
 * process writes another (a forked child, through the descriptor) reads; the read-only
 * reopening cannot be mapped writable; refusals of a bad size, descriptor or a short segment.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pt_common.h"
#include "pt_shm.h"

/* Entries of /dev/shm whose name starts with "paratune-PID-" (this process's segments). */
static int own_names(void)
{
    char prefix[64];
    DIR *d = opendir("/dev/shm");
    struct dirent *e;
    int n = 0;
    if (d == NULL)
        return 0;
    snprintf(prefix, sizeof prefix, "paratune-%ld-", (long)getpid());
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

START_TEST(create_share_map)
{
    char err[PT_ERRLEN] = "";
    void *base = NULL, *m = NULL;
    size_t size = 0;
    struct stat st;
    int fd = -1, ro, status;
    pid_t pid;

    ck_assert_msg(pt_shm_create(10000, &fd, &base, err) == 0, "%s", err);
    ck_assert_int_ge(fd, 0);
    ck_assert_ptr_nonnull(base);
    ck_assert_int_eq(own_names(), 0); /* unlinked at once */
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

Suite *suite_shm(void)
{
    Suite *s = suite_create("shm");
    TCase *tc = tcase_create("shm");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, create_share_map);
    tcase_add_test(tc, refusals);
    suite_add_tcase(s, tc);
    return s;
}
