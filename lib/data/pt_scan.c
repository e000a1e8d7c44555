/* pt_scan.c - scanning text in memory: whole files, lines, fields and numbers (see pt_scan.h).
 */
#include "pt_scan.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pt_common.h"
#include "pt_decimal.h"
#include "pt_file.h"

/* ---------------------------------------------------------------- numbers */

/* Eight ASCII digits at p, as one little-endian word: 1 when all are '0'..'9'. The loader's
 * buffers always have 8 readable bytes past the text (map_file, pt_scan_read_file), so this may look
 * beyond the number and the line. */
static inline uint64_t load8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline int eight_digits(uint64_t v)
{
    /* each byte in 0x30..0x39: high nibble 3, and adding 6 keeps it below 0x40 */
    return ((v & 0xf0f0f0f0f0f0f0f0ULL) | (((v + 0x0606060606060606ULL) & 0xf0f0f0f0f0f0f0f0ULL) >> 4)) ==
           0x3333333333333333ULL;
}

/* The value of eight digit values 0..9 in bytes (first digit in the lowest byte): pairs,
 * then quads, then the whole, each step one multiply-add on packed lanes. */
static inline uint64_t lanes_value(uint64_t v)
{
    v = (v * 10 + (v >> 8)) & 0x00ff00ff00ff00ffULL;          /* 4 two-digit lanes */
    v = (v * 100 + (v >> 16)) & 0x0000ffff0000ffffULL;        /* 2 four-digit lanes */
    return (v * 10000 + (v >> 32)) & 0xffffffffULL;           /* 1 eight-digit value */
}

/* The value of eight ASCII digits (first digit in the lowest byte). */
static inline uint64_t eight_value(uint64_t v)
{
    return lanes_value(v - 0x3030303030303030ULL);
}

/* 10^n for the digits of a run (digit_run: 0..8). */
static const uint64_t pow10_run[9] = {1,      10,      100,      1000,     10000,
                                      100000, 1000000, 10000000, 100000000};

/* The count of leading ASCII digits among the eight bytes c (the first byte lowest): 0..8.
 * A byte is a digit when its xor with '0' is at most 9: adding 0x76 then sets its top bit
 * exactly for the others (or it was set already); a carry out of a byte comes only from a
 * non-digit and goes only to the bytes after it, so the first non-digit is found exactly. */
static inline unsigned digit_run(uint64_t c)
{
    uint64_t t = c ^ 0x3030303030303030ULL;
    uint64_t m = ((t + 0x7676767676767676ULL) | t) & 0x8080808080808080ULL;
    return m != 0 ? (unsigned)__builtin_ctzll(m) >> 3 : 8;
}

/* The value of the first n (0..8) digits of the eight bytes c: the other bytes shifted out
 * (two shifts, as n = 0 shifts by 64), zeros coming in as leading zeros, then the lanes. */
static inline uint64_t run_value(uint64_t c, unsigned n)
{
    uint64_t t = c ^ 0x3030303030303030ULL;
    return lanes_value((t << (32 - 4 * n)) << (32 - 4 * n));
}

/* pt_scan_num's fallback: strtod on the text at s, unless it starts with whitespace. Out of
 * line, so that the fast path keeps its values in registers. */
static __attribute__((noinline)) const char *num_slow(const char *s, double *v)
{
    char *end = NULL;
    if (isspace((unsigned char)*s))
        return NULL; /* strtod would skip it, maybe into the next line */
    *v = strtod(s, &end);
    return end == s ? NULL : end;
}

/* 1 when the digits from d to p (a '.' may be among them) hold more than 19 after their
 * leading zeros: more than w holds. */
static __attribute__((noinline)) int too_many_digits(const char *d, const char *p)
{
    while (d < p && (*d == '0' || *d == '.'))
        d++;
    return (p - d) - (memchr(d, '.', (size_t)(p - d)) != NULL) > 19;
}

const char *pt_scan_num(const char *p, double *v)
{
    const char *s = p, *d;
    uint64_t w = 0;
    int64_t e10 = 0, nd;
    int neg = *p == '-';

    p += neg | (*p == '+'); /* no branch: signs come in any order */
    d = p;
    /* leading zeros are read as digits (they leave w as it is), so that a number below 1
     * takes the same branches as any other; only the count of all digits tells when the
     * significant ones may be too many */
    while (eight_digits(load8(p))) {
        w = w * 100000000ULL + eight_value(load8(p)); /* wraps past 19 digits, as below */
        p += 8;
    }
    while (pt_scan_is_digit(*p)) {
        w = w * 10 + (uint64_t)(*p - '0'); /* wraps past 19 digits: too_many_digits */
        p++;
    }
    nd = p - d;
    if (*p == '.') {
        /* the fraction a run of up to eight digits at a time, its length without a branch:
         * its last digits (a number's length varies) then cost no mispredicted loop exit.
         * Not for the integer part: its few digits by bytes find the '.' sooner, and the
         * next number waits on that chain */
        const char *f = ++p;
        unsigned n;
        do {
            uint64_t c = load8(p);
            n = digit_run(c);
            w = w * pow10_run[n] + run_value(c, n); /* wraps past 19 digits, as above */
            p += n;
        } while (n == 8);
        e10 = f - p;
        nd += p - f;
    }
    if (nd == 0)
        goto slow;
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        int64_t ex = 0;
        int eneg = *q == '-';
        q += eneg | (*q == '+');
        if (!pt_scan_is_digit(*q))
            goto slow; /* "1e", "1e+": strtod takes the "1" and the caller sees the rest */
        while (pt_scan_is_digit(*q)) {
            if (ex < 100000)
                ex = ex * 10 + (*q - '0');
            q++;
        }
        e10 += eneg ? -ex : ex;
        if (nd > 19 && too_many_digits(d, p))
            goto slow;
        p = q;
    } else if (nd > 19 && too_many_digits(d, p)) {
        goto slow;
    }
    if (*p == 'x' || *p == 'X') /* "0x1p3": hex is strtod's */
        goto slow;
    if (pt_decimal_to_double(w, e10, neg, v) == 0)
        return p;
slow:
    return num_slow(s, v);
}

void pt_scan_show(char *dst, const char *s, size_t n)
{
    size_t k = n > PT_SCAN_SHOW_MAX ? PT_SCAN_SHOW_MAX : n, i;
    for (i = 0; i < k; i++)
        dst[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
    if (k < n) {
        memcpy(dst + k, "...", 3);
        k += 3;
    }
    dst[k] = '\0';
}

/* ---------------------------------------------------------------- files */

/* A regular file is mapped copy-on-write rather than read: no copy and no zeroed pages, and
 * the text costs page cache, not private memory. The mapping is followed by at least
 * PT_SCAN_PAD zero bytes (the file's last page, then anonymous zero pages), as a buffer that
 * was read is: buf[len] is a NUL and pt_scan_num may read 8 bytes ahead anywhere.
 * *maplen is the mapped length to munmap (0 when buf was malloc'd). */
static int map_file(int fd, size_t len, char **bufp, size_t *maplen)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE), total = (len + PT_SCAN_PAD + pg - 1) & ~(pg - 1);
    void *area, *f;
    area = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED)
        return -errno;
    f = mmap(area, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0);
    if (f == MAP_FAILED) {
        int e = errno;
        munmap(area, total);
        return -e;
    }
    madvise(f, len, MADV_SEQUENTIAL);
    *bufp = f;
    *maplen = total;
    return 0;
}

void pt_scan_release(char *buf, size_t maplen)
{
    if (buf == NULL)
        return;
    if (maplen > 0)
        munmap(buf, maplen);
    else
        free(buf);
}

int pt_scan_read_file(const char *path, char **bufp, size_t *lenp, size_t *maplen, char *err)
{
    int fd = -1, rc = 0;
    char *buf = NULL;
    size_t len = 0, cap = 65536;
    struct stat st;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        pt_seterr(err, "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    *maplen = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        if (map_file(fd, (size_t)st.st_size, bufp, maplen) == 0) {
            *lenp = (size_t)st.st_size;
            goto out;
        }
        cap = (size_t)st.st_size + 1; /* +1: the EOF read then needs no growth */
    }
    if ((rc = pt_read_all(fd, &buf, &len, &cap, PT_SCAN_PAD)) == -ENOMEM) {
        pt_seterr(err, "%s: out of memory reading %zu bytes", path, buf == NULL ? cap : cap * 2);
        goto out;
    }
    if (rc < 0) {
        pt_seterr(err, "%s: cannot read: %s", path, strerror(-rc));
        goto out;
    }
    memset(buf + len, 0, PT_SCAN_PAD); /* the NUL after the text, and pt_scan_num's look-ahead */
    *bufp = buf;
    *lenp = len;
    buf = NULL;
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return rc;
}

/* ---------------------------------------------------------------- lines and fields */

int pt_scan_is_blank(const char *p, const char *eol)
{
    while (p < eol && (pt_scan_blank_char(*p) || *p == '\r'))
        p++;
    return p == eol;
}

size_t pt_scan_count(const char *p, const char *end, char c)
{
    size_t n = 0;
    while ((p = memchr(p, c, (size_t)(end - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

void pt_scan_nul_byte(char *err, const char *path, size_t line)
{
    pt_seterr(err, "%s:%zu: NUL byte: not a text file", path, line);
}

int pt_scan_unquote(const char **s, const char **e)
{
    const char *a = *s, *b = *e;
    while (a < b && pt_scan_blank_char(*a))
        a++;
    while (b > a && (pt_scan_blank_char(b[-1]) || b[-1] == '\r'))
        b--;
    if (a < b && *a == '"') {
        if (b - a < 2 || b[-1] != '"')
            return -1;
        a++;
        b--;
        while (a < b && pt_scan_blank_char(*a))
            a++;
        while (b > a && pt_scan_blank_char(b[-1]))
            b--;
    }
    *s = a;
    *e = b;
    return 0;
}

