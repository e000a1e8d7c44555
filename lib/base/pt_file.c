/* pt_file.c - durable output files: temporary file, write, fsync, rename, fsync the directory.
 *
 * See pt_file.h. The temporary name is made here rather than by mkstemp so that the file gets
 * ordinary permissions (0666 minus the umask) and close-on-exec from the start. resolve()
 * decides what a path names (a new or regular file to replace, something to write through,
 * something refused); pt_file_begin and pt_file_check_outputs both go through it, so the
 * early check and the write follow one set of rules.
 */
#include "pt_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pt_common.h"

struct pt_file {
    char *path;     /* the target */
    char *tmp;      /* the temporary file beside it; NULL once it has the target's name */
    int fd;
    FILE *stream;   /* made by pt_file_stream; owns fd when set */
    int committed;  /* PT_FILE_KEEP_OPEN commit done: only pt_file_release remains */
    int through;    /* fd is the target itself (a FIFO, a device, a descriptor): no rename */
};

/* What an output path names (resolve). */
enum { TO_NEW, TO_FILE, TO_THROUGH, TO_FD };

typedef struct {
    int kind;       /* TO_*; -1: not resolved */
    char *path;     /* the name written: path with its symbolic links followed (malloc'd) */
    int fd;         /* TO_FD: the descriptor */
    struct stat st; /* TO_FILE, TO_THROUGH: the target's; TO_FD: the descriptor's (fstat);
                       TO_NEW: its directory's, once pt_file_check_outputs has looked */
} target_t;

#define MAX_LINKS 40 /* Linux's limit on the links of one path */

int pt_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (w == 0)
            return -EIO;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int pt_read_all(int fd, char **buf, size_t *len, size_t *cap, size_t pad)
{
    if (*buf == NULL && (*buf = malloc(*cap + pad)) == NULL)
        return -ENOMEM;
    for (;;) {
        ssize_t n;
        if (*len == *cap) {
            char *nb = realloc(*buf, *cap * 2 + pad);
            if (nb == NULL)
                return -ENOMEM;
            *buf = nb;
            *cap *= 2;
        }
        n = read(fd, *buf + *len, *cap - *len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : 0;
        *len += (size_t)n;
    }
}

/* The directory part of path ("." for a bare name); malloc'd, or NULL. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

int pt_fsync_dir(const char *path)
{
    char *dir = dir_of(path);
    int fd, rc = 0;

    if (dir == NULL)
        return -ENOMEM;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        rc = -errno;
    /* some file systems cannot fsync a directory (EINVAL); nothing more can be done there */
    else if (fsync(fd) != 0 && errno != EINVAL)
        rc = -errno;
    if (fd >= 0)
        close(fd);
    free(dir);
    return rc;
}

/* The descriptor that path names when it is an entry of this process's descriptor table
 * (/proc/self/fd/N, also reached as /dev/fd/N or through /dev/stdout: its directory is
 * /proc/PID/fd or /proc/PID/task/TID/fd of this process), else -1. */
static int fd_entry(const char *path)
{
    const char *base = strrchr(path, '/');
    char *dir = dir_of(path), *real = NULL, *self = NULL;
    size_t len;
    int fd = -1;

    if (base == NULL || dir == NULL || (real = realpath(dir, NULL)) == NULL ||
        (self = realpath("/proc/self", NULL)) == NULL)
        goto out;
    len = strlen(self);
    base++;
    if (strncmp(real, self, len) != 0 || *base == '\0' || strlen(base) > 9 ||
        strspn(base, "0123456789") != strlen(base))
        goto out;
    if (strncmp(real + len, "/task/", 6) == 0) { /* /proc/thread-self/fd */
        size_t d = strspn(real + len + 6, "0123456789");
        if (d > 0 && strcmp(real + len + 6 + d, "/fd") == 0)
            fd = atoi(base);
    } else if (strcmp(real + len, "/fd") == 0) {
        fd = atoi(base);
    }
out:
    free(dir);
    free(real);
    free(self);
    return fd;
}

/* *cur, a symbolic link, replaced by the path it names (a relative target taken from the
 * link's directory). 0 or a negative errno. */
static int follow(char **cur)
{
    char *text = malloc(PATH_MAX), *dir = NULL, *next = NULL;
    ssize_t n;
    int rc = -ENOMEM;

    if (text == NULL)
        goto out;
    if ((n = readlink(*cur, text, PATH_MAX - 1)) < 0) {
        rc = -errno;
        goto out;
    }
    text[n] = '\0';
    if (text[0] == '/') {
        next = strdup(text);
    } else if ((dir = dir_of(*cur)) != NULL && (next = malloc(strlen(dir) + (size_t)n + 2))) {
        sprintf(next, "%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", text);
    }
    if (next != NULL) {
        free(*cur);
        *cur = next;
        rc = 0;
    }
out:
    free(text);
    free(dir);
    return rc;
}

/* The kind of a file that exists at t->path (t->st its lstat, not a link). 0, or -EISDIR /
 * -EINVAL with err for what is refused. */
static int classify(const char *path, target_t *t, char *err)
{
    mode_t m = t->st.st_mode;
    const char *what = S_ISDIR(m) ? "a directory" : S_ISBLK(m) ? "a block device"
                     : S_ISSOCK(m) ? "a socket" : NULL;
    if (S_ISREG(m)) {
        t->kind = TO_FILE;
    } else if (S_ISFIFO(m) || S_ISCHR(m)) {
        t->kind = TO_THROUGH;
    } else {
        int link = strcmp(path, t->path) != 0;
        pt_seterr(err, "%s: is %s%s%s%s (an output is a file, a FIFO or a character device)",
                  path, link ? "a link to " : "", what != NULL ? what : "not a file",
                  link ? " " : "", link ? t->path : "");
        return S_ISDIR(m) ? -EISDIR : -EINVAL;
    }
    return 0;
}

/* What path names, symbolic links followed (pt_file.h lists the rules), into *t, whose
 * path the caller frees (also on error). 0, or a negative errno with "PATH: why" in err. */
static int resolve(const char *path, target_t *t, char *err)
{
    int rc = 0;

    memset(t, 0, sizeof *t);
    t->kind = -1;
    t->fd = -1;
    if ((t->path = strdup(strcmp(path, "-") == 0 ? "/dev/stdout" : path)) == NULL) {
        pt_seterr(err, "%s: out of memory", path);
        return -ENOMEM;
    }
    for (int hops = 0;; hops++) {
        if ((t->fd = fd_entry(t->path)) >= 0) {
            int fl = fcntl(t->fd, F_GETFL);
            t->kind = TO_FD;
            if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY || fstat(t->fd, &t->st) != 0) {
                pt_seterr(err, "%s: descriptor %d is not open for writing", path, t->fd);
                return -EBADF;
            }
            return 0;
        }
        if (lstat(t->path, &t->st) != 0) {
            rc = -errno;
            if (hops > 0 && (rc == -ENOENT || rc == -ENOTDIR)) {
                pt_seterr(err, "%s: a symbolic link to %s, which does not exist (nothing is "
                          "created through a link)", path, t->path);
                return -ENOENT;
            }
            break;
        }
        if (!S_ISLNK(t->st.st_mode))
            return classify(path, t, err);
        if (hops == MAX_LINKS) {
            rc = -ELOOP;
            break;
        }
        if ((rc = follow(&t->path)) != 0)
            break;
    }
    if (rc == -ENOENT || rc == -ENOTDIR) { /* a new name; a bad directory shows on creation */
        size_t n = strlen(t->path);
        t->kind = TO_NEW;
        if (n > 0 && t->path[n - 1] != '/')
            return 0;
        pt_seterr(err, "%s: names a directory, not a file", path);
        return -EISDIR;
    }
    pt_seterr(err, "%s: %s", path, strerror(-rc));
    return rc;
}

/* Opens what t names for writing through: a dup of its descriptor, or the FIFO or device
 * itself. An owned handle (pt_file_commit or pt_file_abort releases it) or NULL with err and
 * errno. */
static pt_file_t *begin_through(const char *path, const target_t *t, char *err)
{
    pt_file_t *f = calloc(1, sizeof *f);
    struct stat st;
    int saved = ENOMEM;

    if (f == NULL || (f->path = strdup(path)) == NULL) {
        pt_seterr(err, "%s: out of memory", path);
        goto error;
    }
    f->fd = -1;
    f->through = 1;
    if (t->kind == TO_FD) {
        if (t->fd == 1 || t->fd == 2) /* what stdio holds for it goes first */
            fflush(t->fd == 1 ? stdout : stderr);
        if ((f->fd = fcntl(t->fd, F_DUPFD_CLOEXEC, 0)) < 0) {
            saved = errno;
            pt_seterr(err, "%s: descriptor %d: %s", path, t->fd, strerror(saved));
            goto error;
        }
        return f;
    }
    /* no O_TRUNC, no O_CREAT: only what was found (a FIFO, a device) is opened */
    if ((f->fd = open(t->path, O_WRONLY | O_NOCTTY | O_CLOEXEC)) < 0) {
        saved = errno;
        pt_seterr(err, "%s: cannot open for writing: %s", path, strerror(saved));
        goto error;
    }
    if (fstat(f->fd, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))) {
        saved = EAGAIN;
        pt_seterr(err, "%s: changed while being opened (no longer a FIFO or a device)", path);
        goto error;
    }
    return f;
error:
    if (f != NULL) {
        if (f->fd >= 0)
            close(f->fd);
        free(f->path);
        free(f);
    }
    errno = saved;
    return NULL;
}

/* The temporary file beside path (a new name or a regular file). As pt_file_begin. */
static pt_file_t *begin_temp(const char *path, char *err)
{
    pt_file_t *f = calloc(1, sizeof *f);
    const char *slash = strrchr(path, '/');
    size_t dlen = slash == NULL ? 0 : (size_t)(slash - path) + 1;
    const char *base = path + dlen;
    int saved;

    if (f == NULL || (f->path = strdup(path)) == NULL ||
        (f->tmp = malloc(dlen + strlen(base) + 16)) == NULL) {
        saved = ENOMEM;
        pt_seterr(err, "%s: out of memory", path);
        goto error;
    }
    f->fd = -1;
    /* O_EXCL on a fresh random name: retried on the rare collision */
    for (int tries = 0; tries < 100 && f->fd < 0; tries++) {
        uint64_t st = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(pt_now() * 1e9) ^
                      (uint64_t)tries;
        uint64_t r = pt_rng_next(&st);
        char suffix[7];
        for (int i = 0; i < 6; i++, r >>= 6)
            suffix[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[r & 63];
        suffix[6] = '\0';
        sprintf(f->tmp, "%.*s.%s.%s", (int)dlen, path, base, suffix);
        f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (f->fd < 0 && errno != EEXIST)
            break;
    }
    if (f->fd < 0) {
        saved = errno;
        char *dir = dir_of(path);
        pt_seterr(err, "%s: cannot create a temporary file in %s: %s", path,
                  dir != NULL ? dir : ".", strerror(saved));
        free(dir);
        goto error;
    }
    return f;
error:
    if (f != NULL) {
        free(f->path);
        free(f->tmp);
        free(f);
    }
    errno = saved;
    return NULL;
}

pt_file_t *pt_file_begin(const char *path, char *err)
{
    target_t t;
    pt_file_t *f = NULL;
    int rc = resolve(path, &t, err);

    if (rc == 0) {
        f = t.kind == TO_NEW || t.kind == TO_FILE ? begin_temp(t.path, err)
                                                  : begin_through(path, &t, err);
        rc = f == NULL ? -errno : 0;
    }
    free(t.path);
    if (f == NULL)
        errno = -rc;
    return f;
}

/* "OPT PATH", or OPT alone for what the program writes itself; into buf of n bytes. */
static const char *arg_name(const pt_file_arg_t *a, char *buf, size_t n)
{
    if (a->flags & PT_FILE_COMPARE_ONLY)
        snprintf(buf, n, "%s", a->opt);
    else
        snprintf(buf, n, "%s %s", a->opt, a->path);
    return buf;
}

/* Whether outputs a and b are one file: a regular file (device and inode), a new name in the
 * same directory, the same descriptor. */
static int same_output(const target_t *a, const target_t *b)
{
    const char *ba, *bb;
    if (a->kind < 0 || b->kind < 0) /* not given, or not resolved (PT_FILE_COMPARE_ONLY) */
        return 0;
    ba = strrchr(a->path, '/');
    bb = strrchr(b->path, '/');
    if (a->kind == TO_FD && b->kind == TO_FD && a->fd == b->fd)
        return 1;
    if (a->kind == TO_NEW || b->kind == TO_NEW)
        return a->kind == b->kind && a->st.st_dev == b->st.st_dev &&
               a->st.st_ino == b->st.st_ino &&
               strcmp(ba != NULL ? ba + 1 : a->path, bb != NULL ? bb + 1 : b->path) == 0;
    return S_ISREG(a->st.st_mode) && S_ISREG(b->st.st_mode) && a->st.st_dev == b->st.st_dev &&
           a->st.st_ino == b->st.st_ino;
}

/* One output of pt_file_check_outputs: resolved into *t, its directory (a new name or a
 * regular file) or itself (written through) checked. 0 or a negative errno with err. */
static int check_output(const pt_file_arg_t *a, target_t *t, char *err)
{
    char name[PT_ERRLEN / 2], *dir = NULL;
    struct stat ds;
    int why, rc = resolve(a->path, t, err);

    arg_name(a, name, sizeof name);
    if (rc != 0) {
        snprintf(name, sizeof name, "%s ", a->opt);
        pt_err_prefix(err, name); /* err begins with PATH */
        return rc == -ENOMEM ? rc : -EINVAL;
    }
    if ((a->flags & PT_FILE_REGULAR) && (t->kind == TO_THROUGH || t->kind == TO_FD)) {
        pt_seterr(err, "%s: must be a regular file (not a FIFO, a device or a descriptor): "
                  "it is appended to and resumed", name);
        return -EINVAL;
    }
    if (t->kind == TO_THROUGH && access(t->path, W_OK) != 0) {
        pt_seterr(err, "%s: not writable: %s", name, strerror(errno));
        return -EINVAL;
    }
    if (t->kind != TO_NEW && t->kind != TO_FILE)
        return 0;
    if ((dir = dir_of(t->path)) == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    why = stat(dir, &ds) != 0 ? errno : 0;
    rc = -EINVAL;
    if (why == ENOENT)
        pt_seterr(err, "%s: cannot create: directory %s does not exist", name, dir);
    else if (why != 0) /* a part of it is not a directory, ... */
        pt_seterr(err, "%s: cannot create: %s: %s", name, dir, strerror(why));
    else if (!S_ISDIR(ds.st_mode))
        pt_seterr(err, "%s: cannot create: %s is not a directory", name, dir);
    else if (access(dir, W_OK | X_OK) != 0)
        pt_seterr(err, "%s: cannot create: directory %s is not writable (%s)", name, dir,
                  strerror(errno));
    else
        rc = 0;
    if (rc == 0 && t->kind == TO_NEW)
        t->st = ds; /* a new name is known by its directory */
    free(dir);
    return rc;
}

int pt_file_check_outputs(const pt_file_arg_t *out, size_t nout, const pt_file_arg_t *in,
                          size_t nin, char *err)
{
    target_t *t = calloc(nout > 0 ? nout : 1, sizeof *t);
    char a[PT_ERRLEN / 2], b[PT_ERRLEN / 2];
    struct stat st;
    int rc = 0;

    if (t == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    for (size_t i = 0; i < nout && rc == 0; i++) {
        t[i].kind = -1;
        if (out[i].path == NULL)
            continue;
        if ((rc = check_output(&out[i], &t[i], err)) != 0) {
            if (rc == -ENOMEM || !(out[i].flags & PT_FILE_COMPARE_ONLY))
                break;
            t[i].kind = -1; /* the program's own output: its own business */
            rc = 0;
        }
        for (size_t j = 0; j < i && rc == 0; j++)
            if (same_output(&t[i], &t[j])) {
                pt_seterr(err, "%s: the same file as %s", arg_name(&out[i], a, sizeof a),
                          arg_name(&out[j], b, sizeof b));
                rc = -EINVAL;
            }
        /* an input is a regular file to destroy; a terminal or a pipe on both sides is not */
        for (size_t k = 0; k < nin && rc == 0; k++)
            if (t[i].kind >= 0 && t[i].kind != TO_NEW && S_ISREG(t[i].st.st_mode) &&
                in[k].path != NULL && stat(in[k].path, &st) == 0 && S_ISREG(st.st_mode) &&
                st.st_dev == t[i].st.st_dev && st.st_ino == t[i].st.st_ino) {
                pt_seterr(err, "%s: the same file as %s (an input: not overwriting it)",
                          arg_name(&out[i], a, sizeof a), arg_name(&in[k], b, sizeof b));
                rc = -EINVAL;
            }
    }
    for (size_t i = 0; i < nout; i++)
        free(t[i].path);
    free(t);
    return rc;
}

int pt_file_fd(const pt_file_t *f)
{
    return f->fd;
}

FILE *pt_file_stream(pt_file_t *f)
{
    if (f->stream == NULL)
        f->stream = fdopen(f->fd, "w");
    return f->stream;
}

int pt_file_write(pt_file_t *f, const void *buf, size_t len, char *err)
{
    int rc;
    if (f->stream != NULL && fflush(f->stream) != 0) {
        rc = -errno;
        pt_seterr(err, "%s: write: %s", f->path, strerror(-rc));
        return rc;
    }
    rc = pt_write_all(f->fd, buf, len);
    if (rc != 0)
        pt_seterr(err, "%s: write: %s", f->path, strerror(-rc));
    return rc;
}

/* Frees f without touching the file system; closes the descriptor unless keep_fd. */
static void release(pt_file_t *f, int keep_fd)
{
    if (f->stream != NULL) /* owns the descriptor */
        fclose(f->stream);
    else if (f->fd >= 0 && !keep_fd)
        close(f->fd);
    free(f->path);
    free(f->tmp);
    free(f);
}

/* pt_file_commit of a target written through, its stream flushed: fsync a regular file
 * behind a descriptor (a FIFO or a terminal cannot be), then release or keep it. */
static int commit_through(pt_file_t **pf, int flags, char *err)
{
    pt_file_t *f = *pf;
    struct stat st;
    int rc = 0;

    if (fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode) && fsync(f->fd) != 0) {
        rc = -errno;
        pt_seterr(err, "%s: fsync: %s", f->path, strerror(-rc));
    }
    if (rc != 0 || !(flags & PT_FILE_KEEP_OPEN)) {
        release(f, 0);
        *pf = NULL;
    } else {
        f->committed = 1;
    }
    return rc;
}

int pt_file_commit(pt_file_t **pf, int flags, char *err)
{
    pt_file_t *f = *pf;
    int rc = 0;

    if (f->through && (flags & PT_FILE_NOREPLACE)) { /* it exists: the stream's bytes stay */
        rc = -EEXIST;
        pt_seterr(err, "%s: already exists (not replacing it)", f->path);
        goto error;
    }
    errno = 0; /* so a stream that failed earlier without errno reports EIO, not a stale one */
    if (f->stream != NULL && (fflush(f->stream) != 0 || ferror(f->stream))) {
        rc = errno != 0 ? -errno : -EIO;
        pt_seterr(err, "%s: write: %s", f->path, strerror(-rc));
        goto error;
    }
    if (f->through)
        return commit_through(pf, flags, err);
    if (fsync(f->fd) != 0) {
        rc = -errno;
        pt_seterr(err, "%s: fsync: %s", f->path, strerror(-rc));
        goto error;
    }
    if (flags & PT_FILE_NOREPLACE) {
        if (link(f->tmp, f->path) != 0) {
            rc = -errno;
            if (rc == -EEXIST)
                pt_seterr(err, "%s: already exists (not replacing it)", f->path);
            else
                pt_seterr(err, "%s: link: %s", f->path, strerror(-rc));
            goto error;
        }
        unlink(f->tmp);
    } else if (rename(f->tmp, f->path) != 0) {
        rc = -errno;
        pt_seterr(err, "%s: cannot rename %s into place: %s", f->path, f->tmp, strerror(-rc));
        goto error;
    }
    free(f->tmp);
    f->tmp = NULL;
    if ((rc = pt_fsync_dir(f->path)) != 0) {
        /* the file is in place but a crash could still take its name away. A name that was
         * free before is given back (whole or absent); a replaced file cannot be restored. */
        pt_seterr(err, "%s: fsync of its directory: %s", f->path, strerror(-rc));
        if (flags & PT_FILE_NOREPLACE)
            unlink(f->path);
        release(f, 0);
        *pf = NULL;
        return rc;
    }
    if (flags & PT_FILE_KEEP_OPEN) {
        f->committed = 1;
        return 0;
    }
    release(f, 0);
    *pf = NULL;
    return 0;
error:
    pt_file_abort(pf);
    return rc;
}

int pt_file_release(pt_file_t **pf)
{
    pt_file_t *f = *pf;
    int fd;
    if (f == NULL)
        return -EINVAL;
    if (f->stream != NULL) {
        fflush(f->stream);
        fd = fcntl(f->fd, F_DUPFD_CLOEXEC, 0); /* the stream's descriptor closes with it */
        fclose(f->stream);
        f->stream = NULL;
    } else {
        fd = f->fd;
    }
    /* appends go to the end even after the owner cuts a torn record back with ftruncate */
    if (fd >= 0) {
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0)
            fcntl(fd, F_SETFL, fl | O_APPEND);
    }
    f->fd = -1;
    release(f, 1);
    *pf = NULL;
    return fd;
}

void pt_file_abort(pt_file_t **pf)
{
    pt_file_t *f = pf != NULL ? *pf : NULL;
    if (f == NULL)
        return;
    if (f->stream != NULL) /* nothing more reaches a target written through */
        __fpurge(f->stream);
    if (f->tmp != NULL)
        unlink(f->tmp);
    release(f, 0);
    *pf = NULL;
}

int pt_file_write_whole(const char *path, const void *buf, size_t len, char *err)
{
    pt_file_t *f = pt_file_begin(path, err);
    int rc;
    if (f == NULL)
        return -errno;
    if ((rc = pt_file_write(f, buf, len, err)) != 0) {
        pt_file_abort(&f);
        return rc;
    }
    return pt_file_commit(&f, 0, err);
}
