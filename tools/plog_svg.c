/* plog_svg.c - paratune-log: building SVG text and writing --out files whole.
 *
 * The pictures are built in memory (plog_buf_t) and written with plog_write_out, which hands
 * them to pt_file (temporary file beside the target, fsync, rename, directory fsync), so a
 * browser or a script never reads half a picture and a failure leaves no file behind.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "plog.h"
#include "pt_common.h"
#include "pt_file.h"

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

int plog_write_out(const char *path, const plog_buf_t *b)
{
    char err[PT_ERRLEN];
    pt_file_t *f;
    int rc;

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
    if ((f = pt_file_begin(path, err)) == NULL) {
        rc = errno;
        fprintf(stderr, "paratune-log: %s: cannot create: %s\n", path, strerror(rc));
        return rc == ENOMEM ? PT_EXIT_FAIL : PT_EXIT_USAGE;
    }
    if ((rc = pt_file_write(f, b->data, b->len, err)) != 0) {
        pt_file_abort(&f);
        fprintf(stderr, "paratune-log: %s: cannot write: %s\n", path, strerror(-rc));
        return PT_EXIT_FAIL;
    }
    if ((rc = pt_file_commit(&f, 0, err)) != 0) {
        fprintf(stderr, "paratune-log: %s\n", err);
        /* a target that is not a file we may replace is the user's mistake */
        return rc == -EISDIR || rc == -ENOTDIR || rc == -EACCES ? PT_EXIT_USAGE : PT_EXIT_FAIL;
    }
    return PT_EXIT_OK;
}

int plog_svg_close(plog_buf_t *b, const char *path)
{
    int rc;
    plog_buf_printf(b, "</svg>\n");
    rc = plog_write_out(path, b);
    plog_buf_free(b);
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

void plog_value_text(const pt_value_t *v, char *buf, size_t len)
{
    if (v->type == PT_VAL_STRING)
        snprintf(buf, len, "%s", v->str != NULL ? v->str : "");
    else
        pt_value_format(v, buf, len);
}

void plog_svg_open(plog_buf_t *b, double width, double height)
{
    plog_buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
                    "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" ",
                    width, height, width, height);
}

void plog_svg_line(plog_buf_t *b, const char *cls, double y, const char *attrs,
                   const char *text)
{
    plog_buf_printf(b, "<text class=\"%s\" x=\"20\" y=\"%.0f\" font-size=\"12\"%s>", cls, y,
                    attrs);
    plog_buf_xml(b, text);
    plog_buf_printf(b, "</text>\n");
}
