/* pt_scan.h - scanning text in memory: whole files, lines, fields and numbers.
 *
 * The loaders (pt_csv, pt_libsvm) read a whole file into one buffer with pt_scan_read_file
 * and parse it in place: no allocation per field or per row. Every such buffer is followed by
 * at least PT_SCAN_PAD readable zero bytes (the first is the NUL after the text), because
 * pt_scan_num reads 8 bytes at a time and may look past the number and the line.
 *
 * Numbers go through pt_scan_num: the digits are read into a 64-bit integer w (eight at a
 * time while they last; the fraction's in runs of up to eight whose length is found without
 * a branch) with a power of ten q, and pt_decimal turns the pair into exactly the
 * double glibc's strtod returns (correct rounding, bit for bit; the unit tests compare them):
 * Clinger's exact product for w <= 2^53 and 0 <= q <= 22, else Eisel-Lemire's 128-bit
 * multiply. Anything else falls back to strtod on the same bytes: more than 19 significant
 * digits, the rare products Eisel-Lemire cannot round for sure (halfway cases, subnormals,
 * overflow, |q| beyond the table), inf/nan, hex, "1e" (strtod takes the "1"); non-finite
 * results are refused by the callers.
 * Blanks are spaces and tabs.
 */
#ifndef PT_SCAN_H
#define PT_SCAN_H

#include <stddef.h>
#include <string.h>

#define PT_SCAN_PAD 8       /* readable zero bytes after the text (pt_scan_num reads ahead) */
#define PT_SCAN_SHOW_MAX 40 /* characters of a bad field quoted in an error message */

/* Reads the whole file at path into *bufp (*lenp bytes, then PT_SCAN_PAD zero bytes). A
 * regular file is mapped copy-on-write rather than read (*maplen is then the mapped length;
 * 0 for a malloc'd buffer). Release with pt_scan_release. 0, or a negative errno with the
 * reason ("PATH: cannot open: why") in err. */
int pt_scan_read_file(const char *path, char **bufp, size_t *lenp, size_t *maplen, char *err);

/* Releases a buffer of pt_scan_read_file; accepts NULL. */
void pt_scan_release(char *buf, size_t maplen);

/* Parses the number starting at p (which must not be whitespace: strtod would skip it, and
 * a newline with it; p must have PT_SCAN_PAD readable bytes after its text). Returns the end
 * of the number with the value in *v (possibly inf or nan from the strtod fallback), or NULL
 * when p does not start a number. */
const char *pt_scan_num(const char *p, double *v);

static inline int pt_scan_is_digit(char c)
{
    return (unsigned char)(c - '0') < 10;
}

static inline int pt_scan_blank_char(char c)
{
    return c == ' ' || c == '\t';
}

/* The line starting at p: *eol is its end without the '\n' and a '\r' before it; returns
 * the start of the next line (end when there is none). */
static inline const char *pt_scan_line(const char *p, const char *end, const char **eol)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end;
    if (e > p && e[-1] == '\r')
        e--;
    *eol = e;
    return nl ? nl + 1 : end;
}

/* The end of the token (run of non-blanks) starting at q, at most eol. */
static inline const char *pt_scan_token_end(const char *q, const char *eol)
{
    while (q < eol && !pt_scan_blank_char(*q))
        q++;
    return q;
}

/* 1 when [p, eol) holds only blanks and '\r'. */
int pt_scan_is_blank(const char *p, const char *eol);

/* Occurrences of c in [p, end). */
size_t pt_scan_count(const char *p, const char *end, char c);

/* Copies at most PT_SCAN_SHOW_MAX characters of s[0..n) into dst (PT_SCAN_SHOW_MAX + 4
 * bytes) for an error message, control characters replaced by '?', "..." appended when cut. */
void pt_scan_show(char *dst, const char *s, size_t n);

/* Trims blanks around [*s, *e) and, when it starts with '"', removes the quotes and trims
 * again. 0, or -1 for an opening quote without a closing one. */
int pt_scan_unquote(const char **s, const char **e);

/* The reason for a file with a NUL byte, refused at the NUL's line: "PATH:LINE: NUL byte:
 * not a text file". */
void pt_scan_nul_byte(char *err, const char *path, size_t line);

#endif
