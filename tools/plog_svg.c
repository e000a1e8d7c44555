/* plog_svg.c - paratune-log: building SVG text and writing --out files whole.
 *
 * The pictures are built in memory (plog_buf_t) and written with plog_write_out, which puts
 * them in a temporary file beside the target, fsyncs it and renames it over the target, so a
 * browser or a script never reads half a picture and a failure leaves no file behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plog.h"
#include "pt_common.h"

void plog_buf_printf(plog_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (b->failed)
        return;
    for (;;) {
        size_t room = b->cap - b->len;
        va_start(ap, fmt);
        n = vsnprintf(b->data != NULL ? b->data + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        {
            size_t cap = b->cap ? b->cap : 4096;
            char *p;
            while (cap - b->len <= (size_t)n)
                cap *= 2;
            if ((p = realloc(b->data, cap)) == NULL) {
                b->failed = 1;
                return;
            }
            b->data = p;
            b->cap = cap;
        }
    }
}

void plog_buf_xml(plog_buf_t *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n && !b->failed;) {
        unsigned char c = p[i];
        uint32_t cp;
        size_t k;
        switch (c) {
        case '&': plog_buf_printf(b, "&amp;"); i++; continue;
        case '<': plog_buf_printf(b, "&lt;"); i++; continue;
        case '>': plog_buf_printf(b, "&gt;"); i++; continue;
        case '"': plog_buf_printf(b, "&quot;"); i++; continue;
        default: break;
        }
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            plog_buf_printf(b, "\xef\xbf\xbd"); /* XML 1.0 forbids these even as &#...; */
            i++;
        } else if (c < 0x80) {
            plog_buf_printf(b, "%c", c);
            i++;
        } else if ((k = plog_utf8_next(p + i, n - i, &cp)) == 0 || cp == 0xfffe ||
                   cp == 0xffff) {
            plog_buf_printf(b, "\xef\xbf\xbd");
            i++;
        } else {
            plog_buf_printf(b, "%.*s", (int)k, (const char *)p + i);
            i += k;
        }
    }
}

void plog_buf_free(plog_buf_t *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int plog_write_out(const char *path, const plog_buf_t *b)
{
    char *tmp = NULL;
    int fd = -1, rc = PT_EXIT_FAIL, e;

    if (b->failed) {
        fprintf(stderr, "paratune-log: %s: out of memory\n", path);
        return PT_EXIT_FAIL;
    }
    if (strcmp(path, "-") == 0) {
        if (fwrite(b->data, 1, b->len, stdout) != b->len || fflush(stdout) != 0) {
            fprintf(stderr, "paratune-log: stdout: write error\n");
            return PT_EXIT_FAIL;
        }
        return PT_EXIT_OK;
    }
    if ((tmp = malloc(strlen(path) + 32)) == NULL) {
        fprintf(stderr, "paratune-log: %s: out of memory\n", path);
        return PT_EXIT_FAIL;
    }
    /* beside the target, for rename(); O_EXCL with 0666 gives ordinary permissions */
    for (int i = 0; i < 100 && fd < 0; i++) {
        sprintf(tmp, "%s.tmp.%ld.%d", path, (long)getpid(), i);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        fprintf(stderr, "paratune-log: %s: cannot create: %s\n", path, strerror(errno));
        free(tmp);
        return PT_EXIT_USAGE;
    }
    if ((e = write_all(fd, b->data, b->len)) != 0 || (fsync(fd) != 0 && (e = -errno) != 0)) {
        fprintf(stderr, "paratune-log: %s: cannot write: %s\n", path, strerror(-e));
        goto error;
    }
    if (close(fd) != 0) {
        fd = -1;
        fprintf(stderr, "paratune-log: %s: cannot write: %s\n", path, strerror(errno));
        goto error;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        e = errno;
        fprintf(stderr, "paratune-log: %s: cannot replace: %s\n", path, strerror(e));
        if (e == EISDIR || e == ENOTDIR || e == EACCES)
            rc = PT_EXIT_USAGE;
        goto error;
    }
    free(tmp);
    return PT_EXIT_OK;
error:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return rc;
}

const char *plog_category_color(size_t i)
{
    /* matplotlib's tab20, dark shades first, so the first ten maps differ most */
    static const char *const c[20] = {
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
        "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896",
        "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5"};
    return c[i % 20];
}

double plog_svg_text_px(const char *s, double size)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xc0) != 0x80) /* count UTF-8 characters, not bytes */
            n++;
    return (double)n * size * 0.6;
}
