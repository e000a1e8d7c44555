/* pt_dataset.c - loading CSV / LIBSVM text into a dense in-memory dataset, synthetic data,
 * atomic CSV output and the data fingerprint.
 *
 * The loader reads the whole file into one NUL-terminated buffer and parses it in place: no
 * allocation per field or per row. The matrices are sized from an upper bound taken before
 * parsing (newline count for rows, ':' count for LIBSVM entries) and shrunk afterwards.
 *
 * Numbers go through parse_num(): a decimal fast path that returns exactly what glibc's
 * strtod returns (correct rounding, not just 1 ulp; the unit test asserts bit equality):
 *   - at most 19 significant digits, w <= 2^53 and |e| <= 22: w * 10^e or w / 10^e in double
 *     arithmetic, both operands exact so the one rounding is correct (Clinger);
 *   - at most 19 significant digits and |e| <= 19 otherwise: exact 128-bit integer arithmetic
 *     (w * 10^e, or w * 2^s / 10^k with the remainder as a sticky bit), rounded once;
 *   - anything else (more digits, larger exponents, inf/nan, hex, "1e" ...) falls back to
 *     strtod on the same bytes; non-finite results are refused by the callers.
 * Fields may carry spaces or tabs around them (and inside quotes); they are ignored.
 *
 * Dataset ownership: every pointer in pt_dataset_t is a separate malloc block (x, y, fold,
 * names, each names[i], label_name) and pt_dataset_destroy frees each of them, so code that
 * builds a pt_dataset_t by hand with malloc can free it the same way. x and y are never NULL,
 * even for zero features.
 *
 * Where pt_dataset.h leaves room, this file decides: opts may be NULL (all defaults); a file
 * with only a label column (zero features) is accepted; a UTF-8 byte order mark is skipped;
 * a NUL byte is an error; in LIBSVM, opts->label is ignored and a token starting with '#'
 * comments out the rest of its line; pt_dataset_write_csv writes features and label only,
 * never the fold ids.
 */
#include "pt_dataset.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pt_common.h"
#include "pt_file.h"
#include "pt_cpus.h"

#define KIND_LABEL (-1)
#define KIND_FOLD (-2)
#define SHOW_MAX 40     /* characters of a bad field quoted in an error message */
#define LIST_MAX 10     /* column names listed when a column is missing */
#define TEXT_PAD 8             /* readable zero bytes after the text (parse_num reads ahead) */
#define PARSE_THREADS_MAX 8          /* CSV row parsing threads, at most */
#define PARSE_CHUNK_MIN (1u << 20)   /* bytes of text per thread, at least (automatic count) */

/* ---------------------------------------------------------------- number parsing */

static const double pow10_d[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

#ifdef __SIZEOF_INT128__
typedef unsigned __int128 u128;

static const uint64_t pow10_u[] = {1ULL,
                                   10ULL,
                                   100ULL,
                                   1000ULL,
                                   10000ULL,
                                   100000ULL,
                                   1000000ULL,
                                   10000000ULL,
                                   100000000ULL,
                                   1000000000ULL,
                                   10000000000ULL,
                                   100000000000ULL,
                                   1000000000000ULL,
                                   10000000000000ULL,
                                   100000000000000ULL,
                                   1000000000000000ULL,
                                   10000000000000000ULL,
                                   100000000000000000ULL,
                                   1000000000000000000ULL,
                                   10000000000000000000ULL};

/* n (nonzero) rounded once to double, times 2^e2. The low bits dropped to fit 64 bits are
 * folded into bit 0 as a sticky bit, so the one rounding of the 64-bit value to 53 bits is
 * the correct rounding of n (the 11 bits below a double's mantissa all stay below the
 * rounding position). Only used for results far from overflow and underflow. */
static double u128_to_double(u128 n, int sticky, int e2)
{
    uint64_t hi = (uint64_t)(n >> 64), m;
    int shift = 0;
    if (hi != 0) {
        shift = 64 - __builtin_clzll(hi);
        sticky |= (n & (((u128)1 << shift) - 1)) != 0;
        m = (uint64_t)(n >> shift);
    } else {
        m = (uint64_t)n;
    }
    if (sticky) {
        /* a 64-bit m needs the sticky bit below its rounding position: shift a short m up */
        int lz = __builtin_clzll(m);
        m = (m << lz) | 1;
        shift -= lz;
    }
    return ldexp((double)m, shift + e2);
}
#endif

static inline int is_digit(char c)
{
    return (unsigned char)(c - '0') < 10;
}

/* Eight ASCII digits at p, as one little-endian word: 1 when all are '0'..'9'. The loader's
 * buffers always have 8 readable bytes past the text (map_file, read_all), so this may look
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

/* The value of eight ASCII digits (first digit in the lowest byte): pairs, then quads, then
 * the whole, each step one multiply-add on packed lanes. */
static inline uint64_t eight_value(uint64_t v)
{
    v -= 0x3030303030303030ULL;
    v = (v * 10 + (v >> 8)) & 0x00ff00ff00ff00ffULL;          /* 4 two-digit lanes */
    v = (v * 100 + (v >> 16)) & 0x0000ffff0000ffffULL;        /* 2 four-digit lanes */
    return (v * 10000 + (v >> 32)) & 0xffffffffULL;           /* 1 eight-digit value */
}

/* Parses the number starting at p (which must not be whitespace: strtod would skip it, and
 * a newline with it). Returns the end of the number with the value in *v (possibly inf or
 * nan from the strtod fallback), or NULL when p does not start a number. */
static const char *parse_num(const char *p, double *v)
{
    const char *s = p;
    uint64_t w = 0;
    int nsig = 0, ndig = 0, neg = 0;
    long e10 = 0;
    char *end = NULL;

    if (*p == '-') {
        neg = 1;
        p++;
    } else if (*p == '+') {
        p++;
    }
    while (*p == '0') {
        p++;
        ndig++;
    }
    while (eight_digits(load8(p))) {
        w = w * 100000000ULL + eight_value(load8(p)); /* wraps past 19 digits, as below */
        nsig += 8;
        ndig += 8;
        p += 8;
    }
    while (is_digit(*p)) {
        w = w * 10 + (uint64_t)(*p - '0'); /* wraps past 19 digits; nsig sends that to strtod */
        nsig++;
        ndig++;
        p++;
    }
    if (*p == '.') {
        p++;
        if (nsig == 0) {
            while (*p == '0') {
                p++;
                ndig++;
                e10--;
            }
        }
        while (eight_digits(load8(p))) {
            w = w * 100000000ULL + eight_value(load8(p));
            nsig += 8;
            ndig += 8;
            e10 -= 8;
            p += 8;
        }
        while (is_digit(*p)) {
            w = w * 10 + (uint64_t)(*p - '0');
            nsig++;
            ndig++;
            e10--;
            p++;
        }
    }
    if (ndig == 0)
        goto slow;
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        long ex = 0;
        int eneg = 0;
        if (*q == '-') {
            eneg = 1;
            q++;
        } else if (*q == '+') {
            q++;
        }
        if (!is_digit(*q))
            goto slow; /* "1e", "1e+": strtod takes the "1" and the caller sees the rest */
        while (is_digit(*q)) {
            if (ex < 100000)
                ex = ex * 10 + (*q - '0');
            q++;
        }
        e10 += eneg ? -ex : ex;
        p = q;
    }
    if (nsig > 19 || *p == 'x' || *p == 'X') /* "0x1p3": hex is strtod's */
        goto slow;
    if (w == 0) {
        *v = neg ? -0.0 : 0.0;
        return p;
    }
#if FLT_EVAL_METHOD == 0
    if (w <= (1ULL << 53) && e10 >= -22 && e10 <= 22) {
        double d = (double)w;
        d = e10 < 0 ? d / pow10_d[-e10] : d * pow10_d[e10];
        *v = neg ? -d : d;
        return p;
    }
#endif
#ifdef __SIZEOF_INT128__
    if (e10 >= 0 && e10 <= 19) {
        double d = u128_to_double((u128)w * pow10_u[e10], 0, 0);
        *v = neg ? -d : d;
        return p;
    }
    if (e10 < 0 && e10 >= -19) {
        int sh = 64 + __builtin_clzll(w); /* numerator w * 2^sh: top bit at bit 127 */
        u128 n = (u128)w << sh, dv = pow10_u[-e10];
        double d = u128_to_double(n / dv, n % dv != 0, -sh);
        *v = neg ? -d : d;
        return p;
    }
#endif
slow:
    if (isspace((unsigned char)*s))
        return NULL; /* strtod would skip it, maybe into the next line */
    *v = strtod(s, &end);
    return end == s ? NULL : end;
}

static inline int is_blank_char(char c)
{
    return c == ' ' || c == '\t';
}

/* Copies at most SHOW_MAX characters of s[0..n) into dst (SHOW_MAX + 4 bytes) for an error
 * message, control characters replaced by '?', "..." appended when cut. */
static void show(char *dst, const char *s, size_t n)
{
    size_t k = n > SHOW_MAX ? SHOW_MAX : n, i;
    for (i = 0; i < k; i++)
        dst[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
    if (k < n) {
        memcpy(dst + k, "...", 3);
        k += 3;
    }
    dst[k] = '\0';
}

/* ---------------------------------------------------------------- file and line helpers */

/* Reads the whole file into a malloc'd buffer with a NUL after the last byte. */
/* A regular file is mapped copy-on-write rather than read: no copy and no zeroed pages, and
 * the text costs page cache, not private memory. The mapping is followed by at least
 * TEXT_PAD zero bytes (the file's last page, then anonymous zero pages), as a buffer that
 * was read is: buf[len] is a NUL and parse_num may read 8 bytes ahead anywhere.
 * *maplen is the mapped length to munmap (0 when buf was malloc'd). */
static int map_file(int fd, size_t len, char **bufp, size_t *maplen)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE), total = (len + TEXT_PAD + pg - 1) & ~(pg - 1);
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

static void release_buf(char *buf, size_t maplen)
{
    if (maplen > 0)
        munmap(buf, maplen);
    else
        free(buf);
}

static int read_all(const char *path, char **bufp, size_t *lenp, size_t *maplen, char *err)
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
    buf = malloc(cap + TEXT_PAD);
    if (buf == NULL) {
        rc = -ENOMEM;
        pt_seterr(err, "%s: out of memory reading %zu bytes", path, cap);
        goto out;
    }
    for (;;) {
        ssize_t n;
        if (len == cap) {
            char *nb = realloc(buf, cap * 2 + TEXT_PAD);
            if (nb == NULL) {
                rc = -ENOMEM;
                pt_seterr(err, "%s: out of memory reading %zu bytes", path, cap * 2);
                goto out;
            }
            buf = nb;
            cap *= 2;
        }
        n = read(fd, buf + len, cap - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            pt_seterr(err, "%s: cannot read: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    memset(buf + len, 0, TEXT_PAD); /* the NUL after the text, and parse_num's look-ahead */
    *bufp = buf;
    *lenp = len;
    buf = NULL;
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return rc;
}

/* The line starting at p: *eol is its end without the '\n' and a '\r' before it; returns
 * the start of the next line (end when there is none). */
static inline const char *line_end(const char *p, const char *end, const char **eol)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end;
    if (e > p && e[-1] == '\r')
        e--;
    *eol = e;
    return nl ? nl + 1 : end;
}

static int is_blank(const char *p, const char *eol)
{
    while (p < eol && (is_blank_char(*p) || *p == '\r'))
        p++;
    return p == eol;
}

static size_t count_char(const char *p, const char *end, char c)
{
    size_t n = 0;
    while ((p = memchr(p, c, (size_t)(end - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

/* A file with a NUL byte is refused, at the NUL's line (CSV looks in parallel, per chunk). */
static void nul_byte(char *err, const char *path, size_t line)
{
    pt_seterr(err, "%s:%zu: NUL byte: not a text file", path, line);
}

/* Trims blanks around [*s, *e) and, when it starts with '"', removes the quotes and trims
 * again. -1 for an opening quote without a closing one. */
static int unquote(const char **s, const char **e)
{
    const char *a = *s, *b = *e;
    while (a < b && is_blank_char(*a))
        a++;
    while (b > a && (is_blank_char(b[-1]) || b[-1] == '\r'))
        b--;
    if (a < b && *a == '"') {
        if (b - a < 2 || b[-1] != '"')
            return -1;
        a++;
        b--;
        while (a < b && is_blank_char(*a))
            a++;
        while (b > a && is_blank_char(b[-1]))
            b--;
    }
    *s = a;
    *e = b;
    return 0;
}

static size_t max_sz(size_t a, size_t b)
{
    return a > b ? a : b;
}

/* malloc of n * size bytes, at least one byte, NULL on overflow. */
static void *alloc_array(size_t n, size_t size, int zero)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    return zero ? calloc(max_sz(n * size, 1), 1) : malloc(max_sz(n * size, 1));
}

/* p cut down to bytes (at least 1); p itself when realloc fails, as p is still valid. */
static void *shrink(void *p, size_t bytes)
{
    void *q = realloc(p, max_sz(bytes, 1));
    return q != NULL ? q : p;
}

static pt_dataset_t *new_dataset(pt_format_t fmt)
{
    pt_dataset_t *ds = calloc(1, sizeof *ds);
    if (ds != NULL)
        ds->format = fmt;
    return ds;
}

/* ---------------------------------------------------------------- CSV */

typedef struct {
    const char *path;
    char *err;
    char **cols;         /* header names, ncols of them */
    size_t ncols;
    const int32_t *kind; /* per column: feature index >= 0, KIND_LABEL or KIND_FOLD */
    int num_folds;
} csv_t;

/* Formats "columns: a, b, c, ... (N more)" into dst. */
static void col_list(char *dst, size_t cap, char **cols, size_t n)
{
    size_t used = 0;
    char one[SHOW_MAX + 4];
    dst[0] = '\0';
    for (size_t i = 0; i < n && i < LIST_MAX && used < cap; i++) {
        show(one, cols[i], strlen(cols[i]));
        used += (size_t)snprintf(dst + used, cap - used, "%s%s", i ? ", " : "", one);
    }
    if (n > LIST_MAX && used < cap)
        snprintf(dst + used, cap - used, ", ... (%zu more)", n - LIST_MAX);
}

/* Describes column j for a message: "label", `field 3 ("f2")` or `fold column "fold"`. */
static void col_desc(const csv_t *c, size_t j, char *dst, size_t cap)
{
    char one[SHOW_MAX + 4];
    show(one, c->cols[j], strlen(c->cols[j]));
    if (c->kind[j] == KIND_LABEL)
        snprintf(dst, cap, "label");
    else if (c->kind[j] == KIND_FOLD)
        snprintf(dst, cap, "fold column \"%s\"", one);
    else
        snprintf(dst, cap, "field %zu (\"%s\")", j + 1, one);
}

static int ragged(const csv_t *c, size_t lineno, size_t found)
{
    pt_seterr(c->err, "%s:%zu: expected %zu fields, found %zu", c->path, lineno, c->ncols,
              found);
    return -EINVAL;
}

/* The fast path for one numeric field at p: blanks, an optional quote, a number, the closing
 * quote, blanks. Returns the ',' or eol after it with a finite value in *v, or NULL when the
 * field needs field_slow. */
static inline const char *field_fast(const char *p, const char *eol, double *v)
{
    const char *q;
    int quoted;
    while (is_blank_char(*p))
        p++;
    quoted = *p == '"';
    p += quoted;
    if (is_blank_char(*p) || (q = parse_num(p, v)) == NULL)
        return NULL;
    if (quoted) {
        if (*q != '"')
            return NULL;
        q++;
    }
    while (is_blank_char(*q))
        q++;
    if ((*q != ',' && q != eol) || !isfinite(*v))
        return NULL;
    return q;
}

/* Field j of the row [line, eol) starting at p, by the full rules. On success *v is the value
 * and *next the ',' or eol that ends the field. On failure the message reports a wrong field
 * count first (a shifted row makes any other message misleading), else what is wrong with
 * the value: empty, unterminated quote, not a number, not finite, fold not an integer or out
 * of range. */
static int field_slow(const csv_t *c, size_t lineno, size_t j, const char *line,
                      const char *eol, const char *p, double *v, const char **next)
{
    enum { OK, UNTERM, EMPTY, NAN_TEXT, NONFINITE, NOTINT, NOTINT_TEXT, RANGE } why = OK;
    const char *fe = memchr(p, ',', (size_t)(eol - p));
    const char *a = p, *b, *q;
    size_t nf;
    char who[SHOW_MAX + 40], txt[SHOW_MAX + 4];
    const char *is;
    double d = 0.0;

    if (fe == NULL)
        fe = eol;
    b = fe;
    if (unquote(&a, &b) < 0)
        why = UNTERM;
    else if (a == b)
        why = EMPTY;
    else if ((q = parse_num(a, &d)) != b)
        why = c->kind[j] == KIND_FOLD ? NOTINT_TEXT : NAN_TEXT;
    else if (!isfinite(d))
        why = c->kind[j] == KIND_FOLD ? NOTINT : NONFINITE;
    else if (c->kind[j] == KIND_FOLD && d != floor(d))
        why = NOTINT;
    else if (c->kind[j] == KIND_FOLD && (d < 0 || d >= c->num_folds))
        why = RANGE;
    if (why == OK) {
        *v = d;
        *next = fe;
        return 0;
    }
    nf = count_char(line, eol, ',') + 1;
    if (nf != c->ncols)
        return ragged(c, lineno, nf);
    col_desc(c, j, who, sizeof who);
    is = c->kind[j] == KIND_LABEL ? " is" : ":";
    if (why == UNTERM)
        show(txt, p, (size_t)(fe - p));
    else
        show(txt, a, (size_t)(b - a));
    switch (why) {
    case UNTERM:
        pt_seterr(c->err, "%s:%zu: %s: unterminated quote: %s", c->path, lineno, who, txt);
        break;
    case EMPTY:
        pt_seterr(c->err, "%s:%zu: %s is empty", c->path, lineno, who);
        break;
    case NAN_TEXT:
        pt_seterr(c->err, "%s:%zu: %s%s not a number: \"%s\"", c->path, lineno, who, is, txt);
        break;
    case NONFINITE:
        pt_seterr(c->err, "%s:%zu: %s%s not finite: %s", c->path, lineno, who, is, txt);
        break;
    case NOTINT:
        pt_seterr(c->err, "%s:%zu: %s: not an integer: %s", c->path, lineno, who, txt);
        break;
    case NOTINT_TEXT:
        pt_seterr(c->err, "%s:%zu: %s: not an integer: \"%s\"", c->path, lineno, who, txt);
        break;
    default:
        pt_seterr(c->err, "%s:%zu: %s: value %s is out of range [0, %d)", c->path, lineno, who,
                  txt, c->num_folds);
        break;
    }
    return -EINVAL;
}

static int cmp_col(const void *pa, const void *pb, void *arg)
{
    char **cols = arg;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    int r = strcmp(cols[a], cols[b]);
    return r != 0 ? r : (a > b) - (a < b);
}

/* Splits the header [p, eol) into c->cols / c->ncols and checks names (non-empty, unique). */
static int csv_header(csv_t *c, const char *p, const char *eol)
{
    size_t n = count_char(p, eol, ',') + 1, i;
    size_t *ord = NULL, dup_a = 0, dup_b = 0;
    int rc = 0;
    char txt[SHOW_MAX + 4];

    c->cols = calloc(n, sizeof *c->cols);
    if (c->cols == NULL)
        goto nomem;
    for (i = 0; i < n; i++) {
        const char *fe = memchr(p, ',', (size_t)(eol - p)), *a = p, *b;
        if (fe == NULL)
            fe = eol;
        b = fe;
        if (unquote(&a, &b) < 0) {
            show(txt, p, (size_t)(fe - p));
            pt_seterr(c->err, "%s:1: column %zu: unterminated quote: %s", c->path, i + 1, txt);
            rc = -EINVAL;
            goto out;
        }
        if (a == b) {
            pt_seterr(c->err, "%s:1: column %zu has an empty name", c->path, i + 1);
            rc = -EINVAL;
            goto out;
        }
        c->cols[i] = strndup(a, (size_t)(b - a));
        if (c->cols[i] == NULL)
            goto nomem;
        c->ncols = i + 1;
        p = fe + 1;
    }
    /* duplicates: sort column numbers by name, report the pair whose second copy is first */
    ord = malloc(n * sizeof *ord);
    if (ord == NULL)
        goto nomem;
    for (i = 0; i < n; i++)
        ord[i] = i;
    qsort_r(ord, n, sizeof *ord, cmp_col, c->cols);
    for (i = 1; i < n; i++) {
        if (strcmp(c->cols[ord[i - 1]], c->cols[ord[i]]) == 0 &&
            (dup_b == 0 || ord[i] < dup_b)) {
            dup_a = ord[i - 1];
            dup_b = ord[i];
        }
    }
    if (dup_b != 0) {
        show(txt, c->cols[dup_b], strlen(c->cols[dup_b]));
        pt_seterr(c->err, "%s:1: duplicate column name \"%s\" (columns %zu and %zu)", c->path,
                  txt, dup_a + 1, dup_b + 1);
        rc = -EINVAL;
    }
    goto out;
nomem:
    pt_seterr(c->err, "%s: out of memory", c->path);
    rc = -ENOMEM;
out:
    free(ord);
    return rc;
}

static ssize_t find_col(const csv_t *c, const char *name)
{
    for (size_t i = 0; i < c->ncols; i++)
        if (strcmp(c->cols[i], name) == 0)
            return (ssize_t)i;
    return -1;
}

/* Row r's share of the fingerprint: its values (features, label, fold id) hashed, with r
 * mixed in so that the same rows in another order differ. */
static inline uint64_t row_hash(size_t r, const double *xr, size_t p, double y,
                                const int32_t *fold)
{
    uint64_t h = pt_hash64(PT_FNV_SEED ^ pt_mix64((uint64_t)r + 1), xr, p * sizeof(double));
    h = pt_hash64(h, &y, sizeof y);
    if (fold != NULL)
        h = pt_hash64(h, fold, sizeof *fold);
    return pt_mix64(h);
}

static uint64_t fp_finish(size_t rows, size_t features, int has_fold, uint64_t sum)
{
    uint64_t shape[3] = {rows, features, (uint64_t)has_fold};
    return pt_mix64(pt_hash64(PT_FNV_SEED, shape, sizeof shape) ^ sum);
}

/* Rows [p, end) of a CSV body, whole lines, parsed into ds from row row0 on (line 1 + row0
 * is the one before p). Each has its own error buffer, so chunks can be parsed at once. */
typedef struct {
    csv_t c;
    char err[PT_ERRLEN];
    pt_dataset_t *ds;
    const size_t *pos;  /* row r is stored at pos[r] (NULL: at r) */
    const char *p, *end;
    size_t row0, rows;
    uint64_t fpsum;     /* the chunk's share of the fingerprint */
    const char *nul;    /* the chunk's first NUL byte, or NULL (counted with its lines) */
    int no_label;       /* label_optional and no label column: y is filled later */
    int rc;
} csv_chunk_t;

static int parse_rows(csv_chunk_t *k)
{
    const csv_t *c = &k->c;
    const int32_t *kind = c->kind;
    pt_dataset_t *ds = k->ds;
    size_t nfeat = ds->features, r = k->row0, lineno = 1 + k->row0;
    const char *p = k->p, *end = k->end, *eol;

    k->fpsum = 0;
    while (p < end) {
        const char *line = p, *q;
        size_t d = k->pos != NULL ? k->pos[r] : r;
        double *xr = ds->x + d * nfeat;
        p = line_end(line, end, &eol);
        lineno++;
        if (line == eol || ((is_blank_char(*line) || *line == '\r') && is_blank(line, eol))) {
            pt_seterr(c->err, "%s:%zu: expected %zu fields, found a blank line", c->path,
                      lineno, c->ncols);
            return -EINVAL;
        }
        q = line;
        for (size_t j = 0; j < c->ncols; j++) {
            int32_t kd = kind[j];
            const char *fs = j == 0 ? q : q + 1;
            double v;
            q = kd == KIND_FOLD ? NULL : field_fast(fs, eol, &v);
            if (q == NULL && field_slow(c, lineno, j, line, eol, fs, &v, &q) < 0)
                return -EINVAL;
            if ((q == eol) != (j + 1 == c->ncols))
                return ragged(c, lineno, count_char(line, eol, ',') + 1);
            if (kd >= 0)
                xr[kd] = v;
            else if (kd == KIND_LABEL)
                ds->y[d] = v;
            else
                ds->fold[r] = (int32_t)v;
        }
        if (!k->no_label)
            k->fpsum += row_hash(r, xr, nfeat, ds->y[d], ds->fold ? &ds->fold[r] : NULL);
        r++;
    }
    return 0;
}

/* Cuts the body [p, end) into at most PARSE_THREADS_MAX chunks of whole lines, about equal
 * in bytes. threads: as pt_load_opts_t.threads. */
static void split_chunks(const char *p, const char *end, int threads, csv_chunk_t *chunks,
                         size_t *nchunks)
{
    size_t len = (size_t)(end - p), n;
    if (threads <= 0) {
        size_t by_size = len / PARSE_CHUNK_MIN;
        threads = pt_cpus_count();
        if ((size_t)threads > by_size)
            threads = by_size > 0 ? (int)by_size : 1;
    }
    n = threads > PARSE_THREADS_MAX ? PARSE_THREADS_MAX : (size_t)threads;
    *nchunks = 0;
    for (size_t k = 0; k < n && p < end; k++) {
        const char *ce = end;
        if (k + 1 < n) {
            const char *nl;
            ce = p + (size_t)(end - p) / (n - k);
            if (ce < p + 1)
                ce = p + 1;
            nl = ce > p ? memchr(ce - 1, '\n', (size_t)(end - (ce - 1))) : NULL;
            ce = nl ? nl + 1 : end;
        }
        chunks[k].p = p;
        chunks[k].end = ce;
        chunks[k].rows = 0;
        chunks[k].nul = NULL;
        chunks[k].rc = 0;
        (*nchunks)++;
        p = ce;
    }
}

/* The first pass over a chunk: its lines and its first NUL byte (the text's first touch,
 * so its page faults are taken in parallel too). */
static void count_rows(csv_chunk_t *k)
{
    k->nul = memchr(k->p, '\0', (size_t)(k->end - k->p));
    k->rows = count_char(k->p, k->end, '\n') + (k->end[-1] != '\n');
}

static void *count_thread(void *arg)
{
    count_rows(arg);
    return NULL;
}

static void *parse_thread(void *arg)
{
    csv_chunk_t *k = arg;
    k->rc = parse_rows(k);
    return NULL;
}

static pt_dataset_t *load_csv(const char *path, const char *buf, size_t len,
                              const pt_load_opts_t *o, char *err)
{
    csv_t c = {.path = path, .err = err, .num_folds = o->num_folds};
    pt_dataset_t *ds = NULL, *res = NULL;
    int32_t *kind = NULL;
    const char *end = buf + len, *data_end, *p, *eol;
    const char *label = o->label ? o->label : "label";
    size_t rows = 0, nfeat = 0, nchunks = 0;
    uint64_t fpsum = 0;
    ssize_t li, fi = -1;
    csv_chunk_t chunks[PARSE_THREADS_MAX];
    char list[PT_ERRLEN], txt[SHOW_MAX + 4];

    /* trailing blank lines are ignored: data ends with the line of the last visible byte */
    data_end = end;
    while (data_end > buf && (isspace((unsigned char)data_end[-1])))
        data_end--;
    if (data_end == buf) {
        pt_seterr(err, "%s: empty file", path);
        goto out;
    }
    p = memchr(data_end, '\n', (size_t)(end - data_end));
    data_end = p ? p + 1 : end;

    p = line_end(buf, end, &eol);
    /* A NUL byte anywhere is refused first: in the header here, in the body by the chunks'
     * first pass, which also counts their lines. */
    if (memchr(buf, '\0', (size_t)(p - buf)) != NULL) {
        nul_byte(err, path, 1);
        goto out;
    }
    split_chunks(p, data_end, o->threads, chunks, &nchunks);
    pt_run_each(chunks, nchunks, sizeof *chunks, count_thread);
    for (size_t k = 0, before = 1; k < nchunks; before += chunks[k++].rows)
        if (chunks[k].nul != NULL) {
            nul_byte(err, path, before + 1 + count_char(chunks[k].p, chunks[k].nul, '\n'));
            goto out;
        }
    if (is_blank(buf, eol)) {
        pt_seterr(err, "%s:1: the header line is blank", path);
        goto out;
    }
    if (csv_header(&c, buf, eol) < 0)
        goto out;
    li = find_col(&c, label);
    if (o->fold_col != NULL)
        fi = find_col(&c, o->fold_col);
    if ((li < 0 && !o->label_optional) || (o->fold_col != NULL && fi < 0)) {
        show(txt, li < 0 ? label : o->fold_col, strlen(li < 0 ? label : o->fold_col));
        col_list(list, sizeof list / 2, c.cols, c.ncols);
        pt_seterr(err, "%s:1: no column named \"%s\" (columns: %s)", path, txt, list);
        goto out;
    }
    if (fi >= 0 && fi == li) {
        pt_seterr(err, "%s: the label and fold columns are both \"%s\"", path, label);
        goto out;
    }
    kind = malloc(c.ncols * sizeof *kind);
    ds = new_dataset(PT_FMT_CSV);
    if (kind == NULL || ds == NULL)
        goto nomem;
    c.kind = kind;
    for (size_t j = 0; j < c.ncols; j++)
        kind[j] = (ssize_t)j == li ? KIND_LABEL
                  : (ssize_t)j == fi ? KIND_FOLD
                                     : (int32_t)nfeat++;

    ds->features = nfeat;
    ds->names = calloc(max_sz(nfeat, 1), sizeof *ds->names);
    ds->label_name = strdup(li >= 0 ? c.cols[li] : label);
    if (ds->names == NULL || ds->label_name == NULL)
        goto nomem;
    for (size_t j = 0; j < c.ncols; j++)
        if (kind[j] >= 0 && (ds->names[kind[j]] = strdup(c.cols[j])) == NULL)
            goto nomem;

    for (size_t k = 0; k < nchunks; k++) {
        chunks[k].c = c;
        chunks[k].c.err = chunks[k].err;
        chunks[k].err[0] = 0;
        chunks[k].ds = ds;
        chunks[k].pos = NULL;
        chunks[k].no_label = li < 0;
        chunks[k].row0 = rows;
        rows += chunks[k].rows;
    }
    if (rows == 0) {
        pt_seterr(err, "%s: no data rows", path);
        goto out;
    }
    if (nfeat != 0 && rows > SIZE_MAX / sizeof(double) / nfeat)
        goto nomem;
    if (fi >= 0 && (ds->fold = alloc_array(rows, sizeof(int32_t), 0)) == NULL)
        goto nomem;
    if (o->place != NULL) {
        const size_t *pos = NULL;
        if (o->place(o->place_arg, rows, nfeat, &ds->x, &ds->y, &pos, err) != 0)
            goto out;
        ds->borrowed = 1;
        for (size_t k = 0; k < nchunks; k++)
            chunks[k].pos = pos;
    } else {
        ds->x = alloc_array(rows, nfeat * sizeof(double), 0);
        ds->y = alloc_array(rows, sizeof(double), 0);
        if (ds->x == NULL || ds->y == NULL)
            goto nomem;
    }
    pt_run_each(chunks, nchunks, sizeof *chunks, parse_thread);
    for (size_t k = 0; k < nchunks; k++) {
        if (chunks[k].rc < 0) { /* the first error in file order, as a serial parse finds */
            pt_seterr(err, "%s", chunks[k].err);
            goto out;
        }
        fpsum += chunks[k].fpsum;
    }
    ds->rows = rows;
    ds->fingerprint = fp_finish(rows, nfeat, fi >= 0, fpsum);
    ds->fp_valid = li >= 0;
    if (li < 0)
        for (size_t i = 0; i < rows; i++)
            ds->y[i] = NAN; /* no label column (label_optional) */
    res = ds;
    ds = NULL;
    goto out;
nomem:
    pt_seterr(err, "%s: out of memory", path);
out:
    pt_dataset_destroy(&ds);
    if (c.cols != NULL) {
        for (size_t j = 0; j < c.ncols; j++)
            free(c.cols[j]);
        free(c.cols);
    }
    free(kind);
    return res;
}

/* ---------------------------------------------------------------- LIBSVM */

static const char *token_end(const char *q, const char *eol)
{
    while (q < eol && !is_blank_char(*q))
        q++;
    return q;
}

static pt_dataset_t *load_libsvm(const char *path, const char *buf, size_t len,
                                 const pt_load_opts_t *o, char *err)
{
    pt_dataset_t *ds = NULL, *res = NULL;
    size_t *rowp = NULL, *idx = NULL;
    double *val = NULL;
    const char *end = buf + len, *p = buf, *eol;
    size_t rows_max, nnz_max, r = 0, nnz = 0, maxidx = 0, lineno = 0, nfeat;
    char txt[SHOW_MAX + 4];

    if (o->fold_col != NULL) {
        show(txt, o->fold_col, strlen(o->fold_col));
        pt_seterr(err, "%s: a fold column (\"%s\") needs CSV input; this is LIBSVM", path,
                  txt);
        goto out;
    }
    rows_max = count_char(buf, end, '\n') + 1;
    nnz_max = count_char(buf, end, ':'); /* every stored entry used up one ':' */
    ds = new_dataset(PT_FMT_LIBSVM);
    rowp = alloc_array(rows_max + 1, sizeof *rowp, 0);
    idx = alloc_array(nnz_max, sizeof *idx, 0);
    val = alloc_array(nnz_max, sizeof *val, 0);
    if (ds == NULL || rowp == NULL || idx == NULL || val == NULL ||
        (ds->y = alloc_array(rows_max, sizeof(double), 0)) == NULL)
        goto nomem;
    rowp[0] = 0;
    while (p < end) {
        const char *q = p, *te, *ve;
        size_t prev = 0;
        double v = 0.0;
        p = line_end(p, end, &eol);
        lineno++;
        while (q < eol && is_blank_char(*q))
            q++;
        if (q == eol || *q == '#' || is_blank(q, eol))
            continue;
        te = token_end(q, eol);
        show(txt, q, (size_t)(te - q));
        if (parse_num(q, &v) != te) {
            pt_seterr(err, "%s:%zu: label is not a number: \"%s\"", path, lineno, txt);
            goto out;
        }
        if (!isfinite(v)) {
            pt_seterr(err, "%s:%zu: label is not finite: %s", path, lineno, txt);
            goto out;
        }
        ds->y[r] = v;
        for (q = te;;) {
            const char *d;
            size_t ix = 0;
            while (q < eol && (is_blank_char(*q) || *q == '\r'))
                q++;
            if (q == eol || *q == '#') /* a token starting with '#' comments out the rest */
                break;
            te = token_end(q, eol);
            show(txt, q, (size_t)(te - q));
            for (d = q; d < te && is_digit(*d) && ix <= ((size_t)1 << 40); d++)
                ix = ix * 10 + (size_t)(*d - '0');
            if (d == q || d == te || *d != ':') {
                pt_seterr(err, "%s:%zu: expected index:value, found \"%s\"", path, lineno, txt);
                goto out;
            }
            if (ix == 0 || ix > ((size_t)1 << 40)) {
                pt_seterr(err, "%s:%zu: index out of range in \"%s\" (indices are 1-based)",
                          path, lineno, txt);
                goto out;
            }
            if (ix <= prev) {
                pt_seterr(err,
                          "%s:%zu: index %zu after index %zu: indices must be strictly "
                          "increasing",
                          path, lineno, ix, prev);
                goto out;
            }
            if (o->features > 0 && ix > o->features) {
                pt_seterr(err, "%s:%zu: index %zu is above the number of features (%zu)",
                          path, lineno, ix, o->features);
                goto out;
            }
            ve = parse_num(d + 1, &v);
            if (ve != te) {
                pt_seterr(err, "%s:%zu: feature %zu: not a number: \"%s\"", path, lineno, ix,
                          txt);
                goto out;
            }
            if (!isfinite(v)) {
                pt_seterr(err, "%s:%zu: feature %zu: not finite: %s", path, lineno, ix, txt);
                goto out;
            }
            idx[nnz] = ix;
            val[nnz] = v;
            nnz++;
            prev = ix;
            q = te;
        }
        if (prev > maxidx)
            maxidx = prev;
        rowp[++r] = nnz;
    }
    if (r == 0) {
        pt_seterr(err, "%s: no data rows", path);
        goto out;
    }
    nfeat = o->features > 0 ? o->features : maxidx;
    ds->rows = r;
    ds->features = nfeat;
    ds->y = shrink(ds->y, r * sizeof(double));
    if ((nfeat != 0 && r > SIZE_MAX / sizeof(double) / nfeat) ||
        (ds->x = alloc_array(r * nfeat, sizeof(double), 1)) == NULL) {
        pt_seterr(err, "%s: out of memory for %zu rows x %zu features", path, r, nfeat);
        goto out;
    }
    for (size_t i = 0; i < r; i++)
        for (size_t k = rowp[i]; k < rowp[i + 1]; k++)
            ds->x[i * nfeat + idx[k] - 1] = val[k];
    ds->names = calloc(max_sz(nfeat, 1), sizeof *ds->names);
    ds->label_name = strdup("label");
    if (ds->names == NULL || ds->label_name == NULL)
        goto nomem;
    for (size_t j = 0; j < nfeat; j++) {
        char name[32];
        snprintf(name, sizeof name, "f%zu", j + 1);
        if ((ds->names[j] = strdup(name)) == NULL)
            goto nomem;
    }
    res = ds;
    ds = NULL;
    goto out;
nomem:
    pt_seterr(err, "%s: out of memory", path);
out:
    pt_dataset_destroy(&ds);
    free(rowp);
    free(idx);
    free(val);
    return res;
}

/* ---------------------------------------------------------------- loading */

/* PT_FMT_AUTO: see pt_dataset.h. */
static pt_format_t detect(const char *path, const char *buf, size_t len)
{
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    const char *end = buf + len, *p = buf, *eol;
    if (dot != NULL && (slash == NULL || dot > slash) &&
        (strcasecmp(dot, ".libsvm") == 0 || strcasecmp(dot, ".svm") == 0))
        return PT_FMT_LIBSVM;
    while (p < end) {
        const char *q = p;
        p = line_end(p, end, &eol);
        while (q < eol && is_blank_char(*q))
            q++;
        if (q == eol || *q == '#' || is_blank(q, eol))
            continue;
        if (memchr(q, ',', (size_t)(eol - q)) != NULL)
            return PT_FMT_CSV;
        while (q < eol) {
            const char *te = token_end(q, eol), *d = q;
            double v;
            while (d < te && is_digit(*d))
                d++;
            if (d > q && d < te && *d == ':' && parse_num(d + 1, &v) == te)
                return PT_FMT_LIBSVM;
            q = te;
            while (q < eol && (is_blank_char(*q) || *q == '\r'))
                q++;
        }
        return PT_FMT_CSV;
    }
    return PT_FMT_CSV;
}

pt_dataset_t *pt_dataset_load(const char *path, const pt_load_opts_t *opts, char *err)
{
    static const pt_load_opts_t defaults = {.format = PT_FMT_AUTO};
    const pt_load_opts_t *o = opts != NULL ? opts : &defaults;
    char *buf = NULL;
    const char *text, *nul;
    size_t len = 0, maplen = 0;
    pt_dataset_t *ds = NULL;
    pt_format_t fmt;

    if (o->fold_col != NULL && o->num_folds < 1) {
        pt_seterr(err, "fold column \"%s\": the number of folds must be at least 1, got %d",
                  o->fold_col, o->num_folds);
        goto out;
    }
    if (o->format != PT_FMT_AUTO && o->format != PT_FMT_CSV && o->format != PT_FMT_LIBSVM) {
        pt_seterr(err, "%s: unknown input format %d", path, (int)o->format);
        goto out;
    }
    if (read_all(path, &buf, &len, &maplen, err) < 0)
        goto out;
    text = buf;
    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) { /* UTF-8 byte order mark */
        text += 3;
        len -= 3;
    }
    fmt = o->format != PT_FMT_AUTO ? o->format : detect(path, text, len);
    /* CSV looks for NUL bytes in parallel with counting its lines (load_csv) */
    if (fmt == PT_FMT_LIBSVM && (nul = memchr(text, '\0', len)) != NULL) {
        nul_byte(err, path, count_char(text, nul, '\n') + 1);
        goto out;
    }
    ds = fmt == PT_FMT_LIBSVM ? load_libsvm(path, text, len, o, err)
                              : load_csv(path, text, len, o, err);
out:
    release_buf(buf, maplen);
    return ds;
}

void pt_dataset_destroy(pt_dataset_t **pd)
{
    pt_dataset_t *ds;
    if (pd == NULL || *pd == NULL)
        return;
    ds = *pd;
    if (!ds->borrowed) {
        free(ds->x);
        free(ds->y);
    }
    free(ds->fold);
    if (ds->names != NULL)
        for (size_t j = 0; j < ds->features; j++)
            free(ds->names[j]);
    free(ds->names);
    free(ds->label_name);
    free(ds);
    *pd = NULL;
}

/* ---------------------------------------------------------------- synthetic data */

/* Latent rank r = features / 4 clamped to [1, 10]: 100 features have 10 latent directions
 * that hold nearly all the variance. The draws, in this order, from one splitmix64 stream
 * seeded with seed ^ "paratune" (so the data never shares a stream with a fold split run with
 * the same seed): L (r x p, row-major), beta (p), then per row z (r), the p feature noises,
 * the label noise. x = z L + 0.1 * noise, label = x . beta + 3 + 0.5 * noise. */
pt_dataset_t *pt_dataset_synth(size_t rows, size_t features, uint64_t seed)
{
    pt_dataset_t *ds = NULL, *res = NULL;
    double *L = NULL, *beta = NULL, z[10];
    size_t r = features / 4, p = features;
    uint64_t st = seed ^ 0x7061726174756e65ULL;

    if (r < 1)
        r = 1;
    if (r > 10)
        r = 10;
    ds = new_dataset(PT_FMT_CSV);
    if (ds == NULL || (p != 0 && rows > SIZE_MAX / sizeof(double) / p))
        goto out;
    ds->rows = rows;
    ds->features = p;
    ds->x = alloc_array(rows * p, sizeof(double), 0);
    ds->y = alloc_array(rows, sizeof(double), 0);
    ds->names = calloc(max_sz(p, 1), sizeof *ds->names);
    ds->label_name = strdup("label");
    L = alloc_array(r * p, sizeof(double), 0);
    beta = alloc_array(p, sizeof(double), 0);
    if (ds->x == NULL || ds->y == NULL || ds->names == NULL || ds->label_name == NULL ||
        L == NULL || beta == NULL)
        goto out;
    for (size_t j = 0; j < p; j++) {
        char name[32];
        snprintf(name, sizeof name, "f%zu", j);
        if ((ds->names[j] = strdup(name)) == NULL)
            goto out;
    }
    for (size_t k = 0; k < r * p; k++)
        L[k] = pt_rng_normal(&st);
    for (size_t j = 0; j < p; j++)
        beta[j] = pt_rng_normal(&st);
    for (size_t i = 0; i < rows; i++) {
        double *x = ds->x + i * p, lab = 3.0;
        for (size_t k = 0; k < r; k++)
            z[k] = pt_rng_normal(&st);
        for (size_t j = 0; j < p; j++) {
            double s = 0.0;
            for (size_t k = 0; k < r; k++)
                s += z[k] * L[k * p + j];
            x[j] = s + 0.1 * pt_rng_normal(&st);
            lab += x[j] * beta[j];
        }
        ds->y[i] = lab + 0.5 * pt_rng_normal(&st);
    }
    res = ds;
    ds = NULL;
out:
    pt_dataset_destroy(&ds);
    free(L);
    free(beta);
    return res;
}

/* ---------------------------------------------------------------- CSV output */

/* A name that the loader would read back as the same single column. */
static int writable_name(const char *s)
{
    const char *a = s, *b = s + strlen(s);
    if (strpbrk(s, ",\"\r\n") != NULL || unquote(&a, &b) < 0)
        return 0;
    return a == s && b == s + strlen(s) && a != b;
}

int pt_dataset_write_csv(const pt_dataset_t *ds, const char *path, char *err)
{
    pt_file_t *out = NULL;
    FILE *f;
    size_t p = ds->features;

    for (size_t j = 0; j <= p; j++) {
        const char *nm = j < p ? (ds->names ? ds->names[j] : NULL) : ds->label_name;
        if (nm != NULL && !writable_name(nm)) {
            pt_seterr(err, "%s: column name \"%.40s\" cannot be written as a CSV header", path,
                      nm);
            return -EINVAL;
        }
    }
    if ((out = pt_file_begin(path, err)) == NULL)
        return -errno;
    if ((f = pt_file_stream(out)) == NULL) {
        int rc = -errno;
        pt_seterr(err, "%s: %s", path, strerror(errno));
        pt_file_abort(&out);
        return rc;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    for (size_t j = 0; j < p; j++) {
        if (ds->names != NULL && ds->names[j] != NULL)
            fprintf(f, "%s,", ds->names[j]);
        else
            fprintf(f, "f%zu,", j);
    }
    fprintf(f, "%s\n", ds->label_name ? ds->label_name : "label");
    for (size_t i = 0; i < ds->rows; i++) {
        const double *x = ds->x + i * p;
        for (size_t j = 0; j < p; j++)
            fprintf(f, "%.10g,", x[j]);
        fprintf(f, "%.10g\n", ds->y[i]);
    }
    return pt_file_commit(&out, 0, err); /* reports a failed write of the stream too */
}

/* ---------------------------------------------------------------- fingerprint */

uint64_t pt_dataset_fingerprint(const pt_dataset_t *ds)
{
    uint64_t sum = 0;
    if (ds->fp_valid)
        return ds->fingerprint;
    for (size_t r = 0; r < ds->rows; r++)
        sum += row_hash(r, ds->x + r * ds->features, ds->features, ds->y[r],
                        ds->fold ? &ds->fold[r] : NULL);
    return fp_finish(ds->rows, ds->features, ds->fold != NULL, sum);
}
