/* check_file.c - unit tests of pt_file: durable output files.
 *
 * Commit replaces the target; NOREPLACE refuses an existing one and leaves it; KEEP_OPEN +
 * release hands over an appending descriptor; the umask and close-on-exec; abort and failures
 * leave the old target and no temporary file; a child that dies between write and rename
 * (by _exit or SIGKILL) leaves the old content. What is not a regular file: a symbolic link's
 * target is replaced, the link stays; a dangling link, a directory, a socket are refused; a
 * FIFO and a descriptor (/dev/fd/N, /proc/self/fd/N) are written through. pt_file_check_outputs:
 * directories, inputs and outputs compared by inode. Every test works in its own mkdtemp
 * directory.
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
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

/* A link's target is replaced in its own directory (a relative link, a chain of two); the
 * links stay. A dangling link is refused and nothing is created. */
START_TEST(test_symlink)
{
    char *dir = make_dir("pt_check_file_"), *path = path_in(dir, "target");
    char *l1 = path_in(dir, "l1"), *l2 = path_in(dir, "l2"), *dang = path_in(dir, "dangling");
    char err[PT_ERRLEN] = "", buf[64];
    struct stat st;

    put(path, "old\n");
    ck_assert_int_eq(symlink("target", l1), 0);
    ck_assert_int_eq(symlink(l1, l2), 0);
    ck_assert_int_eq(pt_file_write_whole(l2, "new\n", 4, err), 0);
    expect_content(path, "new\n");
    ck_assert_int_eq(lstat(l1, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    ck_assert_int_eq(lstat(l2, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    ck_assert_int_eq(readlink(l1, buf, sizeof buf), 6);
    ck_assert_int_eq(count_entries(dir), 3);

    ck_assert_int_eq(symlink("nowhere", dang), 0);
    errno = 0;
    ck_assert_ptr_null(pt_file_begin(dang, err));
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_msg(strstr(err, "does not exist") != NULL && strchr(err, '\n') == NULL, "%s", err);
    ck_assert_int_eq(count_entries(dir), 4);
    free(l1);
    free(l2);
    free(dang);
    free(path);
    remove_dir(dir);
}
END_TEST

/* A FIFO with a reader is written through (no temporary file, the FIFO stays); an abort or a
 * NOREPLACE commit sends nothing of what the stream holds. */
START_TEST(test_fifo)
{
    char *dir = make_dir("pt_check_file_"), *path = path_in(dir, "fifo");
    char err[PT_ERRLEN] = "", buf[64];
    struct stat st;
    pt_file_t *f;
    int rd;

    ck_assert_int_eq(mkfifo(path, 0600), 0);
    rd = open(path, O_RDONLY | O_NONBLOCK); /* a reader, so the writer's open does not wait */
    ck_assert_int_ge(rd, 0);
    f = pt_file_begin(path, err);
    ck_assert_msg(f != NULL, "%s", err);
    ck_assert_int_eq(count_entries(dir), 1);
    fputs("through ", pt_file_stream(f));
    ck_assert_int_eq(pt_file_write(f, "the fifo\n", 9, err), 0);
    ck_assert_int_eq(pt_file_commit(&f, 0, err), 0);
    ck_assert_int_eq(read(rd, buf, sizeof buf), 17);
    ck_assert(memcmp(buf, "through the fifo\n", 17) == 0);

    for (int how = 0; how < 2; how++) {
        f = pt_file_begin(path, err);
        ck_assert_ptr_nonnull(f);
        fputs("never sent", pt_file_stream(f));
        if (how == 0)
            pt_file_abort(&f);
        else
            ck_assert_int_eq(pt_file_commit(&f, PT_FILE_NOREPLACE, err), -EEXIST);
        ck_assert_ptr_null(f);
        ck_assert_int_le(read(rd, buf, sizeof buf), 0); /* no writer left: EOF, no bytes */
    }
    ck_assert_int_eq(lstat(path, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
    ck_assert_int_eq(count_entries(dir), 1);
    close(rd);
    free(path);
    remove_dir(dir);
}
END_TEST

/* /dev/fd/N and /proc/self/fd/N write to descriptor N (a dup: it stays open); a descriptor
 * open only for reading, or not open, is refused. */
START_TEST(test_descriptor)
{
    char err[PT_ERRLEN] = "", path[64], buf[64];
    int p[2];

    ck_assert_int_eq(pipe(p), 0);
    for (int form = 0; form < 2; form++) {
        snprintf(path, sizeof path, form ? "/proc/self/fd/%d" : "/dev/fd/%d", p[1]);
        ck_assert_msg(pt_file_write_whole(path, "to the pipe\n", 12, err) == 0, "%s", err);
        ck_assert_int_eq(read(p[0], buf, sizeof buf), 12);
        ck_assert(memcmp(buf, "to the pipe\n", 12) == 0);
        ck_assert_int_ge(fcntl(p[1], F_GETFD), 0); /* still open */
    }
    snprintf(path, sizeof path, "/dev/fd/%d", p[0]);
    errno = 0;
    ck_assert_ptr_null(pt_file_begin(path, err));
    ck_assert_int_eq(errno, EBADF);
    ck_assert_msg(strstr(err, "not open for writing") != NULL, "%s", err);
    close(p[0]);
    close(p[1]);
    snprintf(path, sizeof path, "/dev/fd/%d", p[1]);
    ck_assert_ptr_null(pt_file_begin(path, err));
    ck_assert_int_eq(errno, EBADF);
}
END_TEST

/* A directory, a socket, a path that ends in '/': refused, nothing created. */
START_TEST(test_refused)
{
    char *dir = make_dir("pt_check_file_"), *sock = path_in(dir, "sock");
    char *slash = path_in(dir, "new/"), err[PT_ERRLEN] = "";
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    ck_assert_int_ge(s, 0);
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
    ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
    errno = 0;
    ck_assert_ptr_null(pt_file_begin(dir, err));
    ck_assert_int_eq(errno, EISDIR);
    ck_assert_msg(strstr(err, "is a directory") != NULL, "%s", err);
    ck_assert_int_eq(pt_file_write_whole(sock, "x", 1, err), -EINVAL);
    ck_assert_msg(strstr(err, "is a socket") != NULL, "%s", err);
    ck_assert_int_eq(pt_file_write_whole(slash, "x", 1, err), -EISDIR);
    ck_assert_int_eq(count_entries(dir), 1);
    close(s);
    free(sock);
    free(slash);
    remove_dir(dir);
}
END_TEST

/* pt_file_check_outputs: the output's directory; an input by hard or symbolic link; two
 * outputs that are one new name; a log that must be a regular file; what the program writes
 * itself is never refused on its own. */
START_TEST(test_check_outputs)
{
    char *dir = make_dir("pt_check_file_"), *data = path_in(dir, "data.csv");
    char *hard = path_in(dir, "hard"), *soft = path_in(dir, "soft"), *fifo = path_in(dir, "f");
    char *nodir = path_in(dir, "no/out"), *under = path_in(dir, "data.csv/out");
    char *a = path_in(dir, "x"), *b = path_in(dir, "./x"), *fresh = path_in(dir, "fresh");
    char err[PT_ERRLEN] = "";
    pt_file_arg_t in[] = {{"--data", data, 0}, {"--model", NULL, 0}, {"--gone", nodir, 0}};
    pt_file_arg_t out[2] = {{"--out", NULL, 0}, {"--log", NULL, 0}};

    put(data, "a,label\n1,2\n");
    ck_assert_int_eq(link(data, hard), 0);
    ck_assert_int_eq(symlink("data.csv", soft), 0);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);

    ck_assert_int_eq(pt_file_check_outputs(out, 2, in, 3, err), 0); /* nothing given */
    out[1].path = fresh; /* after one not given */
    ck_assert_int_eq(pt_file_check_outputs(out, 2, in, 3, err), 0);
    out[1].path = NULL;
    out[0].path = fresh;
    ck_assert_int_eq(pt_file_check_outputs(out, 1, in, 3, err), 0);
    out[0].path = nodir;
    ck_assert_int_eq(pt_file_check_outputs(out, 1, in, 3, err), -EINVAL);
    ck_assert_msg(strncmp(err, "--out ", 6) == 0 && strstr(err, "does not exist") != NULL &&
                  strchr(err, '\n') == NULL, "%s", err);
    out[0].path = under;
    ck_assert_int_eq(pt_file_check_outputs(out, 1, in, 3, err), -EINVAL);
    ck_assert_msg(strstr(err, "data.csv is not a directory") != NULL, "%s", err);
    for (int i = 0; i < 3; i++) {
        out[0].path = i == 0 ? data : i == 1 ? hard : soft;
        ck_assert_int_eq(pt_file_check_outputs(out, 1, in, 3, err), -EINVAL);
        ck_assert_msg(strstr(err, "the same file as --data") != NULL, "%s", err);
    }
    out[0].path = a;
    out[1].path = b;
    ck_assert_int_eq(pt_file_check_outputs(out, 2, in, 3, err), -EINVAL);
    ck_assert_msg(strstr(err, "--log") != NULL && strstr(err, "the same file as --out") != NULL,
                  "%s", err);
    out[1].path = fifo;
    ck_assert_int_eq(pt_file_check_outputs(out, 2, in, 3, err), 0);
    out[1].flags = PT_FILE_REGULAR;
    ck_assert_int_eq(pt_file_check_outputs(out, 2, in, 3, err), -EINVAL);
    ck_assert_msg(strstr(err, "must be a regular file") != NULL, "%s", err);
    out[1].flags = PT_FILE_COMPARE_ONLY; /* refused only as another output's file */
    out[1].path = nodir;
    ck_assert_int_eq(pt_file_check_outputs(out, 2, in, 3, err), 0);
    out[1].path = a;
    ck_assert_int_eq(pt_file_check_outputs(out, 2, in, 3, err), -EINVAL);
    ck_assert_int_eq(count_entries(dir), 4);
    free(data);
    free(hard);
    free(soft);
    free(fifo);
    free(nodir);
    free(under);
    free(a);
    free(b);
    free(fresh);
    remove_dir(dir);
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
    tcase_add_test(tc, test_symlink);
    tcase_add_test(tc, test_fifo);
    tcase_add_test(tc, test_descriptor);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_check_outputs);
    suite_add_tcase(s, tc);
    return s;
}
