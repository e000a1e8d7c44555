/* check_pid.c - unit tests of pt_pid: getpid from memory, right again in a forked child. */
#include <check.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pt_pid.h"

START_TEST(cached_and_right_after_fork)
{
    pid_t parent, child;
    int st;
    pt_pid_cache();
    pt_pid_cache(); /* idempotent */
    parent = getpid();
    ck_assert_int_eq(parent, (pid_t)syscall(SYS_getpid));
    ck_assert_int_eq(getpid(), parent);
    child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) /* the parent's cached pid must not answer here */
        _exit(getpid() == (pid_t)syscall(SYS_getpid) && getpid() != parent ? 0 : 1);
    ck_assert_int_eq(waitpid(child, &st, 0), child);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    ck_assert_int_eq(getpid(), parent);
}
END_TEST

Suite *suite_pid(void)
{
    Suite *s = suite_create("pid");
    TCase *tc = tcase_create("pid");
    tcase_add_test(tc, cached_and_right_after_fork);
    suite_add_tcase(s, tc);
    return s;
}
