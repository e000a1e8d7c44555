/* check_file.c - unit tests of pt_file: durable output files.
 *
 * Commit replaces the target; NOREPLACE refuses an existing one and leaves it; KEEP_OPEN +
 * release hands over an appending descriptor; the umask and close-on-exec; abort and failures
 * leave the old target and no temporary file; a child that dies between write and rename
 * (by _exit or SIGKILL) leaves the old content. Every test works in its own mkdtemp directory.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pt_common.h"
#include "scratch_dir.h"
#include "pt_file.h"

#define LEN 4096

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* Asserts that path holds exactly text. */
static void expect_content(const char *path, const char *text)
{
    char buf[LEN];
    FILE *f = fopen(path, "r");
    size_t n;
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    ck_assert_str_eq(buf, text);
}

START_TEST(test_commit_replaces)
{
    char *dir = make_dir("pt_check_file_"), *path = path_in(dir, "out.txt");
    char err[PT_ERRLEN] = "";
    pt_file_t *f;

    put(path, "old content\n");
    f = pt_file_begin(path, err);
    ck_assert_msg(f != NULL, "%s", err);
    ck_assert_int_eq(count_entries(dir), 2); /* the target and the temporary file */
    ck_assert_int_eq(pt_file_write(f, "new ", 4, err), 0);
    fprintf(pt_file_stream(f), "content %d\n", 2);
    ck_assert_int_eq(pt_file_write(f, "tail\n", 5, err), 0); /* after the stream's bytes */
    expect_content(path, "old content\n");                  /* untouched until commit */
    ck_assert_int_eq(pt_file_commit(&f, 0, err), 0);
    ck_assert_ptr_null(f);
    expect_content(path, "new content 2\ntail\n");
    ck_assert_int_eq(count_entries(dir), 1);

    ck_assert_int_eq(pt_file_write_whole(path, "whole\n", 6, err), 0);
    expect_content(path, "whole\n");
    ck_assert_int_eq(count_entries(dir), 1);
    free(path);
    remove_dir(dir);
}
END_TEST

START_TEST(test_noreplace)
{
    char *dir = make_dir("pt_check_file_"), *path = path_in(dir, "log");
    char *fresh = path_in(dir, "fresh");
    char err[PT_ERRLEN] = "";
    pt_file_t *f;

    put(path, "precious\n");
    f = pt_file_begin(path, err);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(pt_file_write(f, "intruder\n", 9, err), 0);
    ck_assert_int_eq(pt_file_commit(&f, PT_FILE_NOREPLACE, err), -EEXIST);
    ck_assert_ptr_null(f);
    ck_assert_msg(strstr(err, path) != NULL && strstr(err, "already exists") != NULL, "%s", err);
    expect_content(path, "precious\n");
    ck_assert_int_eq(count_entries(dir), 1);

    f = pt_file_begin(fresh, err);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(pt_file_write(f, "first\n", 6, err), 0);
    ck_assert_int_eq(pt_file_commit(&f, PT_FILE_NOREPLACE, err), 0);
    expect_content(fresh, "first\n");
    ck_assert_int_eq(count_entries(dir), 2);
    free(path);
    free(fresh);
    remove_dir(dir);
}
END_TEST

START_TEST(test_keep_open)
{
    char *dir = make_dir("pt_check_file_"), *path = path_in(dir, "log");
    char err[PT_ERRLEN] = "";
    pt_file_t *f;
    int fd, flags;

    /* a new name with NOREPLACE and write(); then a replacement written through the stream */
    for (int with_stream = 0; with_stream < 2; with_stream++) {
        f = pt_file_begin(path, err);
        ck_assert_ptr_nonnull(f);
        if (with_stream)
            fputs("header\n", pt_file_stream(f));
        else
            ck_assert_int_eq(pt_file_write(f, "header\n", 7, err), 0);
        ck_assert_int_eq(pt_file_commit(&f, PT_FILE_KEEP_OPEN |
                                                (with_stream ? 0 : PT_FILE_NOREPLACE), err), 0);
        ck_assert_ptr_nonnull(f);
        fd = pt_file_release(&f);
        ck_assert_ptr_null(f);
        ck_assert_int_ge(fd, 0);
        flags = fcntl(fd, F_GETFD);
        ck_assert(flags >= 0 && (flags & FD_CLOEXEC));
        ck_assert(fcntl(fd, F_GETFL) & O_APPEND);
        ck_assert_int_eq(pt_write_all(fd, "record 1\n", 9), 0);
        ck_assert_int_eq(ftruncate(fd, 7), 0); /* cut back: the next append follows "header" */
        ck_assert_int_eq(pt_write_all(fd, "record 2\n", 9), 0);
        ck_assert_int_eq(close(fd), 0);
        expect_content(path, "header\nrecord 2\n");
        ck_assert_int_eq(count_entries(dir), 1);
    }
    free(path);
    remove_dir(dir);
}
END_TEST

START_TEST(test_umask_cloexec)
{
    char *dir = make_dir("pt_check_file_"), *path = path_in(dir, "perm");
    char err[PT_ERRLEN] = "";
    static const mode_t masks[] = {022, 077, 0};
    struct stat st;
    pt_file_t *f;

    for (size_t i = 0; i < sizeof masks / sizeof masks[0]; i++) {
        mode_t old = umask(masks[i]);
        f = pt_file_begin(path, err);
        umask(old);
        ck_assert_ptr_nonnull(f);
        ck_assert(fcntl(pt_file_fd(f), F_GETFD) & FD_CLOEXEC);
        ck_assert_int_eq(pt_file_commit(&f, 0, err), 0);
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_uint_eq(st.st_mode & 0777, 0666 & ~masks[i]);
    }
    free(path);
    remove_dir(dir);
}
END_TEST

START_TEST(test_abort)
{
    char *dir = make_dir("pt_check_file_"), *path = path_in(dir, "out");
    char err[PT_ERRLEN] = "";
    pt_file_t *f, *none = NULL;

    put(path, "old\n");
    f = pt_file_begin(path, err);
    ck_assert_ptr_nonnull(f);
    fputs("half a file", pt_file_stream(f));
    pt_file_abort(&f);
    ck_assert_ptr_null(f);
    pt_file_abort(&none);
    pt_file_abort(NULL);
    expect_content(path, "old\n");
    ck_assert_int_eq(count_entries(dir), 1);
    free(path);
    remove_dir(dir);
}
END_TEST

START_TEST(test_errors)
{
    char *dir = make_dir("pt_check_file_");
    char *path = path_in(dir, "no/such/dir/out"), *sub = path_in(dir, "sub");
    char err[PT_ERRLEN] = "";
    pt_file_t *f;
    int fd;

    errno = 0;
    f = pt_file_begin(path, err);
    ck_assert_ptr_null(f);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_msg(strstr(err, path) != NULL && strchr(err, '\n') == NULL, "%s", err);
    err[0] = '\0';
    ck_assert_int_eq(pt_file_write_whole(path, "x", 1, err), -ENOENT);
    ck_assert_msg(strstr(err, "cannot create a temporary file") != NULL, "%s", err);

    /* a directory under the target's name: the rename fails, nothing is left behind */
    ck_assert_int_eq(mkdir(sub, 0777), 0);
    err[0] = '\0';
    ck_assert_int_eq(pt_file_write_whole(sub, "x", 1, err), -EISDIR);
    ck_assert_msg(strstr(err, sub) != NULL && strchr(err, '\n') == NULL, "%s", err);
    ck_assert_int_eq(count_entries(dir), 1);
    ck_assert_int_eq(rmdir(sub), 0);

    /* a full device: pt_write_all reports ENOSPC */
    fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        ck_assert_int_eq(pt_write_all(fd, "x", 1), -ENOSPC);
        close(fd);
    }
    free(sub);
    free(path);
    remove_dir(dir);
}
END_TEST

/* A write that exceeds the file-size limit fails (EFBIG): one reason line, no temporary file,
 * the old target intact. Run in a child so the limit does not outlive the test. */
START_TEST(test_write_error)
{
    char *dir = make_dir("pt_check_file_"), *path = path_in(dir, "big");
    int st;
    pid_t pid;

    put(path, "old\n");
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct rlimit rl = {1000, 1000};
        char buf[4000] = {0}, err[PT_ERRLEN] = "";
        pt_file_t *f;
        int rc;
        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(10);
        f = pt_file_begin(path, err);
        if (f == NULL)
            _exit(11);
        rc = pt_file_write(f, buf, sizeof buf, err);
        if (rc != -EFBIG || strstr(err, path) == NULL || strchr(err, '\n') != NULL)
            _exit(12);
        pt_file_abort(&f);
        /* the same through the stream: the error shows at commit */
        f = pt_file_begin(path, err);
        if (f == NULL)
            _exit(13);
        fwrite(buf, 1, sizeof buf, pt_file_stream(f));
        rc = pt_file_commit(&f, 0, err);
        if (rc != -EFBIG || f != NULL || strstr(err, "write") == NULL)
            _exit(14);
        _exit(0);
    }
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
    expect_content(path, "old\n");
    ck_assert_int_eq(count_entries(dir), 1);
    free(path);
    remove_dir(dir);
}
END_TEST

/* A process that dies after writing but before the commit: the target keeps its old content
 * (only a stray temporary file may remain, as after any crash). */
START_TEST(test_crash_before_rename)
{
    char *dir = make_dir("pt_check_file_"), *path = path_in(dir, "model");
    int pipefd[2];

    put(path, "old model\n");
    for (int how = 0; how < 2; how++) {
        pid_t pid;
        int st;
        char c;
        ck_assert_int_eq(pipe(pipefd), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            char err[PT_ERRLEN];
            pt_file_t *f = pt_file_begin(path, err);
            close(pipefd[0]);
            if (f == NULL)
                _exit(1);
            fputs("new model, never committed\n", pt_file_stream(f));
            fflush(pt_file_stream(f));
            if (write(pipefd[1], "w", 1) != 1)
                _exit(1);
            if (how == 0)
                _exit(0);
            pause(); /* killed here */
            _exit(1);
        }
        close(pipefd[1]);
        ck_assert_int_eq(read(pipefd[0], &c, 1), 1);
        close(pipefd[0]);
        if (how == 1)
            kill(pid, SIGKILL);
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        expect_content(path, "old model\n");
    }
    free(path);
    remove_dir(dir); /* removes the stray temporary files too */
}
END_TEST

Suite *suite_file(void)
{
    Suite *s = suite_create("file");
    TCase *tc = tcase_create("durable");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_commit_replaces);
    tcase_add_test(tc, test_noreplace);
    tcase_add_test(tc, test_keep_open);
    tcase_add_test(tc, test_umask_cloexec);
    tcase_add_test(tc, test_abort);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_write_error);
    tcase_add_test(tc, test_crash_before_rename);
    suite_add_tcase(s, tc);
    return s;
}
