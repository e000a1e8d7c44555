/* pt_file.c - durable output files: temporary file, write, fsync, rename, fsync the directory.
 *
 * See pt_file.h. The temporary name is made here rather than by mkstemp so that the file gets
 * ordinary permissions (0666 minus the umask) and close-on-exec from the start.
 */
#include "pt_file.h"

#include <errno.h>
#include <fcntl.h>
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
};

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

pt_file_t *pt_file_begin(const char *path, char *err)
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

int pt_file_commit(pt_file_t **pf, int flags, char *err)
{
    pt_file_t *f = *pf;
    int rc = 0;

    errno = 0; /* so a stream that failed earlier without errno reports EIO, not a stale one */
    if (f->stream != NULL && (fflush(f->stream) != 0 || ferror(f->stream))) {
        rc = errno != 0 ? -errno : -EIO;
        pt_seterr(err, "%s: write: %s", f->path, strerror(-rc));
        goto error;
    }
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
