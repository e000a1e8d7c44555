/* pt_csv.c - CSV text: the multi-threaded loader and the writer (see pt_csv.h).
 *
 * The body is cut into chunks of whole lines, one per thread: a first pass counts each
 * chunk's lines and looks for NUL bytes and double quotes (the text's first touch, so its page
 * faults are taken in parallel), then every chunk parses its rows straight into their final
 * places (the dataset's memory, or the caller's through pt_load_opts_t.place), each with its
 * own error buffer; the first error in file order is reported, as a serial parse would find
 * it. Each column has a role from the header (pt_columns): a field of a feature, the label or
 * the fold column is read by field_fast (blanks, optional quotes, a number) and, when that
 * fails, by field_slow, which applies the full rules and words the error; a skipped column's
 * field is only stepped over (field_end: the next separator, or scan_field when the field
 * holds a quote), and a kept column's value is copied with its quoting undone (keep_field).
 * The fingerprint is summed per chunk while parsing. In a file without quotes whose columns
 * are all features and the label (the common case), a row is first read by plain_row: each
 * field a number with nothing around it and its separator, without looking for the row's end
 * first; anything else (blanks, a missing value, a ragged row, an error) has the row read
 * again by parse_row, which gives the same values and words the error.
 *
 * Quotes (RFC 4180): a file without any '"' in its body is parsed line by line as above. In a
 * file with quotes a row ends at a newline preceded by an even number of quotes from the
 * row's start (a newline inside quotes belongs to the field; "" inside quotes counts twice, so
 * it changes nothing). A second pass per chunk (quote_scan) counts, for both possible states
 * at the chunk's start (inside or outside quotes), the newlines that end a row and the first
 * of them; the states are then chained chunk after chunk and every chunk is moved to start at
 * its first real row start (requote). Rows are cut by the same parity rule when parsing
 * (quoted_row), so the row count is exact whatever the input, and a chunk that starts at a
 * real row start parses exactly what a serial parse would: the dataset and the first error do
 * not depend on the thread count. A row of a file with quotes is first read as plain or
 * quoted numbers and quote-free skipped fields up to the next newline (as without quotes:
 * such fields hold no newline), and only when that fails cut by quoted_row and read by the
 * full rules. A
 * stray quote or text after a closing quote is an error of its field (scan_field).
 */
#include "pt_csv.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h> /* the first pass: SSE2, and AVX2 when the CPU has it */
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "pt_columns.h"
#include "pt_common.h"
#include "pt_cpus.h"
#include "pt_file.h"
#include "pt_scan.h"

#define KIND_LABEL PT_COL_LABEL
#define KIND_FOLD PT_COL_FOLD
#define KIND_SKIP PT_COL_SKIP
#define KIND_WEIGHT PT_COL_WEIGHT
#define KIND_VALID PT_COL_VALID
#define PARSE_THREADS_MAX PT_CSV_CHUNKS_MAX /* CSV row parsing threads, at most */
#define PARSE_CHUNK_MIN (1u << 20) /* bytes of text per thread, at least (automatic count) */

/* Text that a pass has read is dropped from the process's memory as the pass goes, a window
 * at a time, when the text is a mapping of the file (pt_csv_load_mapped): MADV_DONTNEED on a
 * private file mapping that was never written only unmaps its pages, which stay in the page
 * cache, and a later read of them (the next pass, an error message) maps them again from
 * there, with the same bytes. So the loader's resident memory is the rows it writes plus a
 * window per thread, never the whole CSV as well. 0: no dropping. */
static size_t csv_window = PT_CSV_WINDOW;
static int csv_plain = 1; /* plain_row first where it applies (pt_csv_set_plain) */

typedef struct {
    const char *path;
    char *err;
    char **cols;         /* header names, ncols of them */
    size_t ncols;
    const int32_t *kind; /* per column: feature index >= 0, KIND_LABEL, KIND_FOLD, KIND_WEIGHT,
                            KIND_SKIP */
    const int32_t *keep; /* per column: index among the kept columns, or -1 */
    int num_folds;
    int hint;            /* a non-numeric feature: 1 hint --ignore, 2 hint --features, 0 none */
    char sep;            /* the field separator: ',', ';', '\t' or '|' */
    const char *hdr;     /* the header's first byte (line 1) */
    const char *missing; /* the missing-value tokens, comma separated (PT_CSV_MISSING) */
    int impute;          /* pt_load_opts_t.impute */
} csv_t;

/* A blank around a field: a space, or a tab unless tabs separate the fields. */
static inline int blank(char ch, char sep)
{
    return ch == ' ' || (ch == '\t' && sep != '\t');
}

/* What scan_field found wrong with a field's quoting. */
enum { FIELD_OK, FIELD_UNTERM, FIELD_STRAY, FIELD_AFTER };

/* The field starting at p in the row [p, eol) by RFC 4180 with blanks allowed around it:
 * *a, *b its text (inside the quotes if quoted, blanks trimmed; a quoted text may hold
 * doubled quotes, *esc is then 1), *fe the separator or eol that ends it. Returns FIELD_OK;
 * FIELD_UNTERM when a quote is not closed before eol (*fe = eol); FIELD_STRAY for a quote in
 * an unquoted field (*a points at it); FIELD_AFTER for text after the closing quote (*fe is
 * where that text starts). */
static int scan_field(const char *p, const char *eol, char sep, const char **a, const char **b,
                      const char **fe, int *esc)
{
    const char *q;
    *esc = 0;
    while (p < eol && blank(*p, sep))
        p++;
    if (p < eol && *p == '"') {
        for (q = p + 1; q < eol; q++) {
            if (*q != '"')
                continue;
            if (q + 1 < eol && q[1] == '"') {
                *esc = 1;
                q++;
                continue;
            }
            break;
        }
        if (q >= eol) {
            *a = p;
            *b = *fe = eol;
            return FIELD_UNTERM;
        }
        *a = p + 1;
        *b = q;
        while (*a < *b && blank(**a, sep)) /* blanks inside the quotes too, as outside */
            (*a)++;
        while (*b > *a && blank((*b)[-1], sep))
            (*b)--;
        for (q++; q < eol && blank(*q, sep); q++)
            ;
        *fe = q;
        return q == eol || *q == sep ? FIELD_OK : FIELD_AFTER;
    }
    for (q = p; q < eol && *q != sep; q++)
        if (*q == '"') {
            *a = q;
            *fe = eol;
            return FIELD_STRAY;
        }
    *a = p;
    *fe = q;
    while (q > p && (blank(q[-1], sep) || q[-1] == '\r'))
        q--;
    *b = q;
    return FIELD_OK;
}

/* The number of fields of the row [p, eol): separators outside quotes, plus one. */
static size_t row_fields(const char *p, const char *eol, char sep)
{
    size_t n = 1;
    int in = 0;
    for (; p < eol; p++) {
        in ^= *p == '"';
        n += !in && *p == sep;
    }
    return n;
}

/* The row starting at p in a file with quotes: its end is the first newline before which
 * [p, newline) holds an even number of quotes. *eol is that end without a '\r' before it (or
 * end), *nl the newlines inside the row; returns the start of the next row (end if none). */
static const char *quoted_row(const char *p, const char *end, const char **eol, size_t *nl)
{
    const char *q = p;
    size_t n = 0;
    int in = 0;
    for (; q < end; q++) {
        if (*q == '"')
            in ^= 1;
        else if (*q == '\n') {
            if (!in)
                break;
            n++;
        }
    }
    *nl = n;
    *eol = q < end && q > p && q[-1] == '\r' ? q - 1 : q;
    return q < end ? q + 1 : end;
}

/* Describes column j for a message: "label", `field 3 ("f2")`, `fold column "fold"` or
 * `column w` (the weight column). */
static void col_desc(const csv_t *c, size_t j, char *dst, size_t cap)
{
    char one[PT_SCAN_SHOW_MAX + 4];
    pt_scan_show(one, c->cols[j], strlen(c->cols[j]));
    if (c->kind[j] == KIND_LABEL)
        snprintf(dst, cap, "label");
    else if (c->kind[j] == KIND_FOLD)
        snprintf(dst, cap, "fold column \"%s\"", one);
    else if (c->kind[j] == KIND_WEIGHT)
        snprintf(dst, cap, "column %s", one);
    else
        snprintf(dst, cap, "field %zu (\"%s\")", j + 1, one);
}

/* The message for a quoting error of the field starting at fs, why as scan_field returns it;
 * line is the row's start [line, eol), on line lineno. The line named is the field's own. */
static int quote_error(const csv_t *c, size_t lineno, size_t j, const char *line,
                       const char *fs, const char *a, const char *fe, int why)
{
    char who[PT_SCAN_SHOW_MAX + 40], txt[PT_SCAN_SHOW_MAX + 4];
    size_t at = lineno + pt_scan_count(line, fs, '\n');
    col_desc(c, j, who, sizeof who);
    while (blank(*fs, c->sep))
        fs++;
    if (why == FIELD_UNTERM) {
        pt_scan_show(txt, fs, (size_t)(fe - fs));
        pt_seterr(c->err, "%s:%zu: %s: unterminated quote (the field runs to the end of the "
                  "file): %s", c->path, at, who, txt);
    } else if (why == FIELD_STRAY) {
        pt_scan_show(txt, fs, (size_t)(a - fs) + 1);
        pt_seterr(c->err, "%s:%zu: %s: a quote inside an unquoted field: %s (quote the whole "
                  "field and double the quote)", c->path, at, who, txt);
    } else {
        size_t more = pt_scan_count(fs, fe, '\n');
        const char *te = fe;
        while (*te != '\0' && *te != c->sep && *te != '\n' && *te != '\r')
            te++;
        pt_scan_show(txt, fe, (size_t)(te - fe));
        if (more > 0)
            pt_seterr(c->err, "%s:%zu: %s: text after the closing quote: %s (the quoted field "
                      "runs from line %zu to line %zu)", c->path, at, who, txt, at, at + more);
        else
            pt_seterr(c->err, "%s:%zu: %s: text after the closing quote: %s", c->path, at, who,
                      txt);
    }
    return -EINVAL;
}

/* A row [line, eol) whose fields do not line up with the header: the first quoting error
 * among its fields, else "expected N fields, found M". */
static int ragged(const csv_t *c, size_t lineno, const char *line, const char *eol)
{
    const char *p = line, *a, *b, *fe;
    int esc;
    for (size_t j = 0; j < c->ncols; j++) {
        int why = scan_field(p, eol, c->sep, &a, &b, &fe, &esc);
        if (why != FIELD_OK)
            return quote_error(c, lineno, j, line, p, a, fe, why);
        if (fe == eol)
            break;
        p = fe + 1;
    }
    pt_seterr(c->err, "%s:%zu: expected %zu fields, found %zu", c->path, lineno, c->ncols,
              row_fields(line, eol, c->sep));
    return -EINVAL;
}

/* The fast path for one numeric field at p: blanks, an optional quote, a number, the closing
 * quote, blanks. Returns the separator or eol after it with a finite value in *v, or NULL
 * when the field needs field_slow. Inlined with a constant sep for the usual comma. */
static inline __attribute__((always_inline)) const char *
field_fast(const char *p, const char *eol, char sep, double *v)
{
    const char *q;
    int quoted;
    while (blank(*p, sep))
        p++;
    quoted = *p == '"';
    p += quoted;
    if (pt_scan_blank_char(*p) || (q = pt_scan_num(p, v)) == NULL)
        return NULL;
    if (quoted) {
        if (*q != '"')
            return NULL;
        q++;
    }
    while (blank(*q, sep))
        q++;
    if ((*q != sep && q != eol) || !isfinite(*v))
        return NULL;
    return q;
}

/* How to leave feature column j out or declare it categorical (tune), for a non-numeric
 * value in it (hint: see csv_t), or the label: into
 * dst, which is returned; "" when there is no hint. */
static const char *ignore_hint(const csv_t *c, size_t j, char *dst, size_t cap)
{
    char txt[PT_SCAN_SHOW_MAX + 4];
    dst[0] = '\0';
    pt_scan_show(txt, c->cols[j], strlen(c->cols[j]));
    if (c->kind[j] >= 0 && c->hint == 1)
        snprintf(dst, cap, " (leave the column out with --ignore %s); a column of categories: "
                 "--categorical %s", txt, txt);
    else if (c->kind[j] >= 0 && c->hint == 2)
        snprintf(dst, cap, " (leave it out of --features); a column of categories: "
                 "--categorical %s", txt);
    else if (c->kind[j] == KIND_LABEL && c->hint != 0)
        snprintf(dst, cap, " (a label of class names: --categorical %s)", txt);
    return dst;
}

int pt_csv_is_missing(const char *list, const char *a, size_t n)
{
    if (n == 0)
        return 1;
    if (list == NULL)
        list = PT_CSV_MISSING;
    for (const char *t = list, *e; *t != '\0'; t = *e != '\0' ? e + 1 : e) {
        e = strchr(t, ',');
        if (e == NULL)
            e = t + strlen(t);
        if ((size_t)(e - t) == n && strncasecmp(a, t, n) == 0)
            return 1;
    }
    return 0;
}

int pt_csv_check_missing(const char *list, char *err)
{
    if (*list != '\0' && list[strlen(list) - 1] == ',') {
        pt_seterr(err, "an empty token (an empty field is always missing; \"\" for no "
                  "token)");
        return -EINVAL;
    }
    for (const char *t = list, *e; *t != '\0'; t = *e != '\0' ? e + 1 : e) {
        char tok[64], *end;
        double d;
        e = strchr(t, ',');
        if (e == NULL)
            e = t + strlen(t);
        if (e == t) {
            pt_seterr(err, "an empty token (an empty field is always missing; \"\" for no "
                      "token)");
            return -EINVAL;
        }
        for (const char *q = t; q < e; q++)
            if (*q == '"' || pt_scan_blank_char(*q) || *q == '\n' || *q == '\r') {
                pt_seterr(err, "a token with a quote or a blank");
                return -EINVAL;
            }
        if ((size_t)(e - t) >= sizeof tok) {
            pt_seterr(err, "a token longer than %zu bytes", sizeof tok - 1);
            return -EINVAL;
        }
        memcpy(tok, t, (size_t)(e - t));
        tok[e - t] = '\0';
        d = strtod(tok, &end);
        if (*end == '\0' && isfinite(d)) {
            pt_seterr(err, "\"%.*s\" is a number (a missing-value token is text)",
                      (int)(e - t), t);
            return -EINVAL;
        }
    }
    return 0;
}

/* The validation indicator's field j (KIND_VALID) of the row [line, eol) on line lineno
 * starting at p: true / false (any case) or 1 / 0, quoted or not, into *v; *next the
 * separator or eol after it. 0; 1 when it is not one of these and !exact (the row is then
 * read exactly); else -EINVAL with "FILE:LINE: column NAME: ..." (a quoting error or a
 * ragged row first). */
static int field_bool(const csv_t *c, size_t lineno, size_t j, const char *line,
                      const char *eol, const char *p, int exact, int *v, const char **next)
{
    const char *a, *b, *fe;
    char txt[PT_SCAN_SHOW_MAX + 4], col[PT_SCAN_SHOW_MAX + 4];
    int esc, qwhy = scan_field(p, eol, c->sep, &a, &b, &fe, &esc);
    size_t len;
    if (qwhy == FIELD_OK) {
        while (a < b && pt_scan_blank_char(*a))
            a++;
        while (b > a && pt_scan_blank_char(b[-1]))
            b--;
        len = (size_t)(b - a);
        *next = fe;
        if ((len == 4 && strncasecmp(a, "true", 4) == 0) || (len == 1 && *a == '1')) {
            *v = 1;
            return 0;
        }
        if ((len == 5 && strncasecmp(a, "false", 5) == 0) || (len == 1 && *a == '0')) {
            *v = 0;
            return 0;
        }
    }
    if (!exact)
        return 1;
    if (qwhy != FIELD_OK)
        return quote_error(c, lineno, j, line, p, a, fe, qwhy);
    if (row_fields(line, eol, c->sep) != c->ncols)
        return ragged(c, lineno, line, eol);
    pt_scan_show(txt, a, (size_t)(b - a));
    pt_scan_show(col, c->cols[j], strlen(c->cols[j]));
    pt_seterr(c->err, "%s:%zu: column %s: expected true, false, 1 or 0 (validationIndicatorCol), "
              "got \"%s\"", c->path, lineno + pt_scan_count(line, p, '\n'), col, txt);
    return -EINVAL;
}

/* Field j of the row [line, eol) (on line lineno) starting at p, by the full rules. On
 * success *v is the value and *next the separator or eol that ends the field. On failure the
 * message reports a quoting error of the field first, then a wrong field count (a shifted row
 * makes any other message misleading), else what is wrong with the value: missing (a
 * feature, the label or the weight empty or a missing token), empty (the fold), not a
 * number, not finite, fold not an integer or out of range, a negative weight. */
static int field_slow(const csv_t *c, size_t lineno, size_t j, const char *line,
                      const char *eol, const char *p, double *v, const char **next)
{
    enum { OK, EMPTY, MISSING, NAN_TEXT, NONFINITE, NOTINT, NOTINT_TEXT, RANGE, NEGATIVE } why = OK;
    const char *a, *b, *fe, *q;
    char who[PT_SCAN_SHOW_MAX + 40], txt[PT_SCAN_SHOW_MAX + 4], hint[2 * PT_SCAN_SHOW_MAX + 96];
    const char *is;
    double d = 0.0;
    int esc, qwhy = scan_field(p, eol, c->sep, &a, &b, &fe, &esc);

    if (qwhy != FIELD_OK)
        return quote_error(c, lineno, j, line, p, a, fe, qwhy);
    if (c->kind[j] != KIND_FOLD && pt_csv_is_missing(c->missing, a, (size_t)(b - a)))
        why = MISSING;
    else if (a == b)
        why = EMPTY;
    else if (pt_scan_blank_char(*a) || (q = pt_scan_num(a, &d)) != b)
        why = c->kind[j] == KIND_FOLD ? NOTINT_TEXT : NAN_TEXT;
    else if (!isfinite(d))
        why = c->kind[j] == KIND_FOLD ? NOTINT : NONFINITE;
    else if (c->kind[j] == KIND_FOLD && d != floor(d))
        why = NOTINT;
    else if (c->kind[j] == KIND_FOLD && (d < 0 || d >= c->num_folds))
        why = RANGE;
    else if (c->kind[j] == KIND_WEIGHT && d < 0)
        why = NEGATIVE;
    if (why == MISSING && c->impute == 1 && c->kind[j] >= 0) {
        d = NAN; /* a missing feature the imputer fills (pt_missing.h) */
        why = OK;
    }
    if (why == OK) {
        *v = d;
        *next = fe;
        return 0;
    }
    if (row_fields(line, eol, c->sep) != c->ncols)
        return ragged(c, lineno, line, eol);
    col_desc(c, j, who, sizeof who);
    is = c->kind[j] == KIND_LABEL ? " is" : ":";
    pt_scan_show(txt, a, (size_t)(b - a));
    lineno += pt_scan_count(line, p, '\n'); /* the field's own line */
    switch (why) {
    case MISSING:
        pt_scan_show(txt, c->cols[j], strlen(c->cols[j]));
        if (c->kind[j] == KIND_LABEL || c->kind[j] == KIND_WEIGHT)
            pt_seterr(c->err, "%s:%zu: column %s: missing %s", c->path, lineno, txt,
                      c->kind[j] == KIND_LABEL ? "label" : "weight");
        else if (c->hint == 1)
            pt_seterr(c->err, "%s:%zu: column %s: missing value (leave the column out with "
                      "--ignore %s%s)", c->path, lineno, txt, txt,
                      c->impute == 2 ? ", or add the imputer stage to the pipeline" : "");
        else
            pt_seterr(c->err, "%s:%zu: column %s: missing value%s", c->path, lineno, txt,
                      c->hint == 2 ? (c->impute == 2 ? " (leave it out of --features, or add "
                                                       "the imputer stage to the pipeline)"
                                                     : " (leave it out of --features)")
                                   : (c->impute == 2 ? " (add the imputer stage to the "
                                                       "pipeline)" : ""));
        break;
    case EMPTY:
        pt_seterr(c->err, "%s:%zu: %s is empty", c->path, lineno, who);
        break;
    case NAN_TEXT:
        pt_seterr(c->err, "%s:%zu: %s%s not a number: \"%s\"%s", c->path, lineno, who, is, txt,
                  ignore_hint(c, j, hint, sizeof hint));
        break;
    case NONFINITE:
        pt_seterr(c->err, "%s:%zu: %s%s not finite: %s", c->path, lineno, who, is, txt);
        break;
    case NOTINT:
        pt_seterr(c->err, "%s:%zu: %s: not an integer: %s", c->path, lineno, who, txt);
        break;
    case NEGATIVE:
        pt_seterr(c->err, "%s:%zu: %s: negative weight %s", c->path, lineno, who, txt);
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

/* Column i's name, the header field starting at p in [p, eol), into c->cols[i] (doubled
 * quotes undoubled); *fe is the separator or eol after it. 0, or a negative errno with the
 * message in c->err: a quoting error, an empty name, no memory. */
static int header_name(csv_t *c, size_t i, const char *p, const char *eol, const char **fe)
{
    const char *a, *b;
    char txt[PT_SCAN_SHOW_MAX + 4], *name;
    int esc, why = scan_field(p, eol, c->sep, &a, &b, fe, &esc);
    size_t at = 1 + pt_scan_count(c->hdr, p, '\n'), k = 0;

    if (why != FIELD_OK) {
        const char *s = why == FIELD_AFTER ? *fe : p;
        pt_scan_show(txt, s, (size_t)((why == FIELD_STRAY ? a + 1 : eol) - s));
        pt_seterr(c->err, "%s:%zu: column %zu: %s: %s", c->path, at, i + 1,
                  why == FIELD_UNTERM   ? "unterminated quote"
                  : why == FIELD_STRAY ? "a quote inside an unquoted name"
                                        : "text after the closing quote",
                  txt);
        return -EINVAL;
    }
    if (a == b) {
        pt_seterr(c->err, "%s:%zu: column %zu has an empty name", c->path, at, i + 1);
        return -EINVAL;
    }
    if ((name = malloc((size_t)(b - a) + 1)) == NULL) {
        pt_seterr(c->err, "%s: out of memory", c->path);
        return -ENOMEM;
    }
    for (; a < b; a++) {
        name[k++] = *a;
        a += esc && *a == '"'; /* "" inside quotes is one quote */
    }
    name[k] = '\0';
    c->cols[i] = name;
    return 0;
}

/* Splits the header [p, eol) into c->cols / c->ncols and checks names (non-empty, unique). */
static int csv_header(csv_t *c, const char *p, const char *eol)
{
    size_t n = row_fields(p, eol, c->sep), i;
    size_t *ord = NULL, dup_a = 0, dup_b = 0;
    int rc = 0;
    char txt[PT_SCAN_SHOW_MAX + 4];

    c->cols = calloc(n, sizeof *c->cols);
    if (c->cols == NULL)
        goto nomem;
    for (i = 0; i < n; i++) {
        const char *fe;
        if ((rc = header_name(c, i, p, eol, &fe)) < 0)
            goto out;
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
        pt_scan_show(txt, c->cols[dup_b], strlen(c->cols[dup_b]));
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

/* Rows [p, end) of a CSV body, whole rows, parsed into ds from row row0 on (line0 is the
 * line before p). Each has its own error buffer, so chunks can be parsed at once. */
typedef struct {
    csv_t c;
    char err[PT_ERRLEN];
    pt_dataset_t *ds;
    const size_t *pos;  /* row r is stored at pos[r] (NULL: at r) */
    const char *p, *end;
    size_t row0, rows, line0;
    size_t nl;          /* newlines in [p, end) */
    uint64_t fpsum;     /* the chunk's share of the fingerprint */
    const char *nul;    /* the chunk's first NUL byte, or NULL (counted with its lines) */
    int quotes;         /* the chunk holds a '"' (count pass) */
    int quoted;         /* the file has quotes: rows are cut by quoted_row */
    int no_label;       /* no label column (no_label): y is filled later */
    int plain;          /* no quotes, every column a feature or the label: plain_row first */
    /* the kept columns' text: the fields NUL-terminated one after another in kt (ktlen of
     * ktcap bytes), field k of row r at kt + koff[(r - row0) * nkeep + k] */
    size_t nkeep;
    char *kt;
    size_t ktlen, ktcap;
    size_t *koff;
    int rc;
    /* quote_scan, for a chunk that starts outside [0] or inside [1] quotes: the newlines
     * that end a row, and the first byte after the first of them (NULL: none) */
    size_t ends[2];
    const char *first[2];
    int odd;            /* an odd number of quotes in [p, end) */
    size_t window;      /* drop read text every window bytes (csv_window); 0: never */
    const char *kept;   /* the text from here on has not been dropped yet */
    char *fill;         /* a share of the rows' memory to map before parsing (populate) */
    size_t fill_len;
} csv_chunk_t;

/* Drops the whole pages of the chunk's text before upto that are not dropped yet, once there
 * are a window of them (see csv_window). Pages another chunk still reads may go too: that
 * thread maps them again from the page cache. */
static inline void drop_behind(csv_chunk_t *k, const char *upto)
{
    uintptr_t pg, a, b;
    if (k->window == 0 || (size_t)(upto - k->kept) < k->window)
        return;
    pg = (uintptr_t)sysconf(_SC_PAGESIZE);
    a = (uintptr_t)k->kept & ~(pg - 1);
    b = (uintptr_t)upto & ~(pg - 1);
    if (b > a)
        madvise((void *)a, b - a, MADV_DONTNEED);
    k->kept = upto;
}

void pt_csv_set_window(size_t bytes)
{
    csv_window = bytes;
}

void pt_csv_set_plain(int on)
{
    csv_plain = on;
}

/* The end of a field that is not read as a number (the separator or eol after it), when it
 * holds no quote (a quoted one is cut by scan_field). */
static inline const char *field_skip(const char *p, const char *eol, char sep)
{
    const char *e = memchr(p, sep, (size_t)(eol - p));
    return e != NULL ? e : eol;
}

/* Copies the value of field [p, fe) of row r (column j, a kept one; a field whose quoting was
 * checked) into the chunk's kept text: the blanks around it removed and, when it is quoted,
 * the quotes, the text inside them kept as it is but for "" which is one quote (RFC 4180, as
 * Python's csv module reads it). 0, or -ENOMEM with the message. */
static int keep_field(csv_chunk_t *k, size_t j, size_t r, const char *p, const char *fe)
{
    const char *a = p, *b = fe;
    char sep = k->c.sep, *t;
    int quoted;
    while (a < b && blank(*a, sep))
        a++;
    quoted = a < b && *a == '"';
    if (quoted)
        for (b = ++a; b[0] != '"' || b[1] == '"'; b++) /* to the closing quote */
            b += b[0] == '"';
    else
        while (b > a && (blank(b[-1], sep) || b[-1] == '\r'))
            b--;
    if (k->ktlen + (size_t)(b - a) + 1 > k->ktcap) {
        size_t cap = 2 * (k->ktlen + (size_t)(b - a) + 1) + 4096;
        char *nt = realloc(k->kt, cap);
        if (nt == NULL) {
            pt_seterr(k->c.err, "%s: out of memory", k->c.path);
            return -ENOMEM;
        }
        k->kt = nt;
        k->ktcap = cap;
    }
    k->koff[(r - k->row0) * k->nkeep + (size_t)k->c.keep[j]] = k->ktlen;
    for (t = k->kt + k->ktlen; a < b; a++) {
        *t++ = *a;
        a += quoted && *a == '"'; /* "" inside quotes is one quote */
    }
    *t++ = '\0';
    k->ktlen = (size_t)(t - k->kt);
    return 0;
}

/* The end of field j (skipped or kept: not read as a number) starting at fs in the row
 * [line, eol) on line lineno: the separator or eol after it. quoted, exact: as parse_row's.
 * A field holding a quote is cut by scan_field, so a quoted separator or newline stays in
 * it; NULL when it holds one and !exact (the row is then read exactly), or on a quoting error
 * (the message in c->err). */
static inline __attribute__((always_inline)) const char *
field_end(const csv_t *c, size_t lineno, size_t j, const char *line, const char *eol,
          const char *fs, char sep, int quoted, int exact)
{
    const char *q = field_skip(fs, eol, sep), *a, *b;
    int esc, why;
    if (!quoted || memchr(fs, '"', (size_t)(q - fs)) == NULL)
        return q;
    if (!exact)
        return NULL;
    why = scan_field(fs, eol, sep, &a, &b, &q, &esc);
    if (why != FIELD_OK) {
        quote_error(c, lineno, j, line, fs, a, q, why);
        return NULL;
    }
    return q;
}

/* Adds row r (stored at d), complete, to the chunk's share of the fingerprint. */
static inline void row_fp(csv_chunk_t *k, size_t r, size_t d)
{
    const pt_dataset_t *ds = k->ds;
    if (!k->no_label)
        k->fpsum += pt_dataset_row_hash(r, ds->x + d * ds->features, ds->features, ds->y[d],
                                        ds->fold ? &ds->fold[r] : NULL) +
                    (ds->w != NULL ? pt_dataset_weight_hash(r, ds->w[d]) : 0) +
                    (ds->valid != NULL ? pt_dataset_valid_hash(r, ds->valid[r]) : 0);
}

/* The fields of the row [line, eol) on line lineno, into row r (stored at d). quoted: the
 * file has quotes (a constant 0 or 1). exact: eol is the row's end; else it is only the first
 * newline after line (a file with quotes) and the function returns 1 rather than look closer
 * at anything but plain or quoted numbers and fields without quotes (which hold no newline,
 * so the row then ends there). Skipped columns are only stepped over, kept ones copied.
 * 0, or a negative errno with the message. */
static inline __attribute__((always_inline)) int
parse_row(csv_chunk_t *k, const char *line, const char *eol, size_t lineno, size_t r,
          size_t d, char sep, int quoted, int exact)
{
    const csv_t *c = &k->c;
    const int32_t *kind = c->kind;
    pt_dataset_t *ds = k->ds;
    size_t nfeat = ds->features;
    double *xr = ds->x + d * nfeat;
    const char *q = line;
    if (line == eol || ((pt_scan_blank_char(*line) || *line == '\r') && pt_scan_is_blank(line, eol))) {
        if (!exact)
            return 1;
        pt_seterr(c->err, "%s:%zu: expected %zu fields, found a blank line", c->path, lineno,
                  c->ncols);
        return -EINVAL;
    }
    for (size_t j = 0; j < c->ncols; j++) {
        int32_t kd = kind[j];
        const char *fs = j == 0 ? q : q + 1;
        double v = 0.0;
        if (kd == KIND_SKIP) {
            if ((q = field_end(c, lineno, j, line, eol, fs, sep, quoted, exact)) == NULL)
                return exact ? -EINVAL : 1;
        } else if (kd == KIND_VALID) {
            int bv = 0, brc = field_bool(c, lineno, j, line, eol, fs, exact, &bv, &q);
            if (brc != 0)
                return brc;
            v = bv;
        } else {
            q = kd == KIND_FOLD ? NULL : field_fast(fs, eol, sep, &v);
            if (kd == KIND_WEIGHT && q != NULL && v < 0.0)
                q = NULL; /* field_slow words the refusal */
            if (q == NULL && !exact)
                return 1;
            if (q == NULL && field_slow(c, lineno, j, line, eol, fs, &v, &q) < 0)
                return -EINVAL;
        }
        if ((q == eol) != (j + 1 == c->ncols))
            return exact ? ragged(c, lineno, line, eol) : 1;
        if (k->nkeep != 0 && c->keep[j] >= 0 && keep_field(k, j, r, fs, q) < 0)
            return -ENOMEM;
        if (kd >= 0)
            xr[kd] = v;
        else if (kd == KIND_LABEL)
            ds->y[d] = v;
        else if (kd == KIND_FOLD)
            ds->fold[r] = (int32_t)v;
        else if (kd == KIND_WEIGHT)
            ds->w[d] = v;
        else if (kd == KIND_VALID)
            ds->valid[r] = (uint8_t)v;
    }
    row_fp(k, r, d);
    return 0;
}

/* Row r (stored at d) of a file without quotes whose columns are all features and the label
 * (csv_chunk_t.plain), starting at line: every field a number as pt_scan_num reads it with
 * nothing around it, then the separator, and after the last one the row's end ("\n",
 * "\r\n", or the chunk's end). Returns the next row's start, having stored the row (the
 * values field_fast gives, bit for bit); NULL on anything else: the caller reads the row
 * again by parse_row, which rewrites every value it stores and words the error. Neither the
 * row's end is looked for first nor a field's role dispatched per field: the parse's
 * common case, in one loop. */
static inline __attribute__((always_inline)) const char *
plain_row(const csv_chunk_t *k, const char *line, size_t d, char sep)
{
    const int32_t *kind = k->c.kind;
    double *xr = k->ds->x + d * k->ds->features, *y = &k->ds->y[d];
    const char *q = line;
    size_t last = k->c.ncols - 1;
    for (size_t j = 0;; j++) {
        double v;
        int32_t kd = kind[j];
        if ((q = pt_scan_num(q, &v)) == NULL || !isfinite(v))
            return NULL;
        *(kd >= 0 ? &xr[kd] : y) = v;
        if (j == last)
            break;
        if (*q++ != sep)
            return NULL;
    }
    q += *q == '\r';
    if (*q == '\n')
        return q + 1;
    return q == k->end ? q : NULL;
}

/* The rows of a chunk, separated by sep (a constant for the usual comma, so that the
 * comparisons of field_fast are with an immediate). A file without quotes is cut at every
 * newline; in one with quotes a row is first read as plain or quoted numbers and fields
 * without quotes up to the next newline, and when that fails cut by quoted_row and read by
 * the exact rules (the kept text of the first try dropped). */
static inline __attribute__((always_inline)) int parse_rows_sep(csv_chunk_t *k, char sep)
{
    size_t r = k->row0, lineno = k->line0, nl;
    const char *p = k->p, *end = k->end, *eol;

    k->fpsum = 0;
    if (!k->quoted) {
        for (; p < end; r++) {
            const char *line = p;
            size_t d = k->pos != NULL ? k->pos[r] : r;
            ++lineno;
            if (k->plain && (p = plain_row(k, line, d, sep)) != NULL) {
                row_fp(k, r, d);
            } else {
                p = pt_scan_line(line, end, &eol);
                if (parse_row(k, line, eol, lineno, r, d, sep, 0, 1) < 0)
                    return -EINVAL;
            }
            drop_behind(k, p);
        }
        return 0;
    }
    for (; p < end; r++) {
        const char *line = p;
        size_t d = k->pos != NULL ? k->pos[r] : r, kt0 = k->ktlen;
        int rc;
        if (r == k->row0 + k->rows) { /* cannot be: the rows were counted by the same rule */
            pt_seterr(k->c.err, "%s:%zu: internal error: more rows than counted", k->c.path,
                      lineno + 1);
            return -EINVAL;
        }
        p = pt_scan_line(line, end, &eol);
        rc = parse_row(k, line, eol, ++lineno, r, d, sep, 1, 0);
        if (rc > 0) {
            k->ktlen = kt0;
            p = quoted_row(line, end, &eol, &nl);
            rc = parse_row(k, line, eol, lineno, r, d, sep, 1, 1);
            lineno += nl;
        }
        if (rc < 0)
            return -EINVAL;
        drop_behind(k, p);
    }
    return 0;
}

static int parse_rows(csv_chunk_t *k)
{
    return k->c.sep == ',' ? parse_rows_sep(k, ',') : parse_rows_sep(k, k->c.sep);
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
        memset(&chunks[k], 0, sizeof chunks[k]);
        chunks[k].p = p;
        chunks[k].end = ce;
        (*nchunks)++;
        p = ce;
    }
}

/* count_rows over [*qp, end) in blocks of 64 bytes, up to the last whole block: newlines
 * summed in byte lanes (at most 252 per lane, then folded by psadbw); a NUL or a quote only
 * noted per block and then looked at byte by byte. Compiled twice, for SSE2 (every x86-64)
 * and AVX2, and chosen at run time. */
#if defined(__x86_64__) && defined(__GNUC__)
#define COUNT_BLOCKS(NAME, ATTR, VEC, W, LOAD, SET1, ZERO, CMPEQ, SUB, OR, MASK, SAD, FOLD)    \
    static ATTR size_t NAME(const char **qp, const char *end, int *quotes, const char **nul)    \
    {                                                                                           \
        const char *q = *qp;                                                                    \
        const VEC cn = SET1('\n'), cz = ZERO(), cq = SET1('"');                                 \
        size_t nl = 0;                                                                          \
        while (end - q >= 64) {                                                                 \
            VEC acc = ZERO();                                                                   \
            for (int it = 0; it < 63 && end - q >= 64; it++, q += 64) {                         \
                VEC zq = ZERO();                                                                \
                for (int i = 0; i < 64 / W; i++) {                                              \
                    VEC v = LOAD((const VEC *)(q + W * i));                                     \
                    acc = SUB(acc, CMPEQ(v, cn));                                               \
                    zq = OR(zq, OR(CMPEQ(v, cz), CMPEQ(v, cq)));                                \
                }                                                                               \
                if (MASK(zq) != 0) { /* rare */                                                 \
                    *quotes |= memchr(q, '"', 64) != NULL;                                      \
                    if (*nul == NULL)                                                           \
                        *nul = memchr(q, '\0', 64);                                             \
                }                                                                               \
            }                                                                                   \
            nl += FOLD(SAD(acc, cz));                                                           \
        }                                                                                       \
        *qp = q;                                                                                \
        return nl;                                                                              \
    }
#define FOLD128(x) ((size_t)_mm_cvtsi128_si32(x) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(x, 8)))
#define FOLD256(x) (FOLD128(_mm256_castsi256_si128(x)) + FOLD128(_mm256_extracti128_si256(x, 1)))
COUNT_BLOCKS(count_blocks_sse2, , __m128i, 16, _mm_loadu_si128, _mm_set1_epi8, _mm_setzero_si128,
             _mm_cmpeq_epi8, _mm_sub_epi8, _mm_or_si128, _mm_movemask_epi8, _mm_sad_epu8, FOLD128)
COUNT_BLOCKS(count_blocks_avx2, __attribute__((target("avx2"))), __m256i, 32,
             _mm256_loadu_si256, _mm256_set1_epi8, _mm256_setzero_si256, _mm256_cmpeq_epi8,
             _mm256_sub_epi8, _mm256_or_si256, _mm256_movemask_epi8, _mm256_sad_epu8, FOLD256)
#endif

/* The first pass over a chunk: its lines, its first NUL byte and whether it holds a quote
 * (the text's first touch, so its page faults are taken in parallel too), in one pass. */
static void count_rows(csv_chunk_t *k)
{
    const char *q = k->p, *end = k->end;
    size_t nl = 0;
    int quotes = 0;
    k->nul = NULL;
    k->kept = k->p;
#if defined(__x86_64__) && defined(__GNUC__)
    for (int avx2 = __builtin_cpu_supports("avx2");;) {
        /* a window at a time (a multiple of 64 bytes, so the blocks end at its end) */
        const char *we = k->window != 0 && (size_t)(end - q) > k->window ? q + k->window : end;
        nl += avx2 ? count_blocks_avx2(&q, we, &quotes, &k->nul)
                   : count_blocks_sse2(&q, we, &quotes, &k->nul);
        if (we == end)
            break;
        drop_behind(k, q);
    }
#endif
    if (q < end) {
        nl += pt_scan_count(q, end, '\n');
        quotes |= memchr(q, '"', (size_t)(end - q)) != NULL;
        if (k->nul == NULL)
            k->nul = memchr(q, '\0', (size_t)(end - q));
    }
    k->nl = nl;
    k->rows = nl + (end[-1] != '\n');
    k->quotes = quotes;
}

/* Bit i set for each byte of the 64 at p equal to ch. */
static inline uint64_t mask64(const char *p, char ch)
{
#ifdef __SSE2__
    __m128i c = _mm_set1_epi8(ch);
    uint64_t m = 0;
    for (int i = 0; i < 4; i++)
        m |= (uint64_t)(uint16_t)_mm_movemask_epi8(
                 _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), c))
             << (16 * i);
    return m;
#else
    uint64_t m = 0;
    for (int i = 0; i < 64; i++)
        m |= (uint64_t)(p[i] == ch) << i;
    return m;
#endif
}

/* The second pass over a chunk of a file with quotes: see csv_chunk_t.ends. Local parity
 * `in` is 0 at the chunk's start; a newline ends a row for the start state equal to the
 * parity of the quotes before it. 64 bytes at a time: a quote mask turned into an "inside"
 * mask by a prefix XOR, then the newlines inside and outside counted. */
static void quote_scan(csv_chunk_t *k)
{
    const char *q = k->p, *end = k->end;
    uint64_t in = 0; /* all ones when inside quotes after the last block */
    k->ends[0] = k->ends[1] = 0;
    k->first[0] = k->first[1] = NULL;
    k->kept = k->p;
    for (; end - q >= 64; q += 64) {
        drop_behind(k, q);
        uint64_t qm = mask64(q, '"'), nm = mask64(q, '\n'), inside = qm;
        inside ^= inside << 1;
        inside ^= inside << 2;
        inside ^= inside << 4;
        inside ^= inside << 8;
        inside ^= inside << 16;
        inside ^= inside << 32;
        inside ^= in;
        for (int s = 0; s < 2; s++) {
            uint64_t e = nm & (s ? inside : ~inside);
            if (e != 0 && k->first[s] == NULL)
                k->first[s] = q + __builtin_ctzll(e) + 1;
            k->ends[s] += (size_t)__builtin_popcountll(e);
        }
        in = (uint64_t)0 - (inside >> 63);
    }
    for (int st = (int)(in & 1); q < end; q++) {
        if (*q == '"') {
            st ^= 1;
        } else if (*q == '\n') {
            if (k->first[st] == NULL)
                k->first[st] = q + 1;
            k->ends[st]++;
        }
        in = (uint64_t)st;
    }
    k->odd = (int)(in & 1);
}

static void *quote_thread(void *arg)
{
    quote_scan(arg);
    return NULL;
}

/* Moves the chunks of a file with quotes to real row starts (see the top of the file): the
 * states at the chunk starts chained from outside quotes at the body's start, each chunk
 * after the first starting after its first row end (a chunk without one is merged into the
 * one before), and the rows counted. data_end is the end of the last chunk. */
static void requote(csv_chunk_t *chunks, size_t *nchunks, const char *data_end)
{
    size_t n = 0, lines = 0;
    int st = 0;
    pt_run_each(chunks, *nchunks, sizeof *chunks, quote_thread);
    for (size_t k = 0; k < *nchunks; k++) {
        csv_chunk_t *ck = &chunks[k];
        const char *f = ck->first[st];
        size_t ends = ck->ends[st], nl = ck->nl;
        st ^= ck->odd;
        if (k > 0 && f == NULL) { /* no row starts here: the chunk before takes it */
            chunks[n - 1].end = ck->end;
            chunks[n - 1].nl += nl;
            lines += nl;
            continue;
        }
        if (k > 0) { /* the row that ends at f belongs to the chunk before */
            size_t head = pt_scan_count(ck->p, f, '\n');
            chunks[n - 1].end = f;
            chunks[n - 1].rows++;
            chunks[n - 1].nl += head;
            ends--;
            nl -= head;
            lines += head;
        }
        chunks[n] = *ck;
        chunks[n].p = k > 0 ? f : ck->p;
        chunks[n].rows = ends;
        chunks[n].nl = nl;
        chunks[n].line0 = lines; /* newlines before the chunk, within the body */
        lines += nl;
        n++;
    }
    /* a last row without a row end: no final newline, or inside an unterminated quote */
    if (st != 0 || data_end[-1] != '\n')
        chunks[n - 1].rows++;
    *nchunks = n;
}

static void *count_thread(void *arg)
{
    count_rows(arg);
    return NULL;
}

/* Maps this chunk's share of the rows' memory [k->fill, + k->fill_len) in one call, before
 * the rows are written: one system call instead of a page fault per page written (the
 * kernel still zeroes each page). Where the kernel lacks MADV_POPULATE_WRITE (before 5.14)
 * the pages fault in as they are written, as without this. */
static void populate(const csv_chunk_t *k)
{
#ifdef MADV_POPULATE_WRITE
    uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t a = ((uintptr_t)k->fill + pg - 1) & ~(pg - 1);
    uintptr_t b = ((uintptr_t)k->fill + k->fill_len) & ~(pg - 1);
    if (b > a)
        (void)madvise((void *)a, b - a, MADV_POPULATE_WRITE);
#else
    (void)k;
#endif
}

static void *parse_thread(void *arg)
{
    csv_chunk_t *k = arg;
    k->kept = k->p;
    populate(k);
    k->rc = parse_rows(k);
    return NULL;
}

/* The dataset of the columns cm (names, label name, kept names; no rows yet); c's kind, keep
 * and hint are set from cm and o. NULL with the reason in err. */
static pt_dataset_t *csv_dataset(csv_t *c, const pt_columns_t *cm, const pt_load_opts_t *o,
                                 char *err)
{
    pt_dataset_t *ds = pt_dataset_new(PT_FMT_CSV);
    const char *label = cm->label >= 0 ? c->cols[cm->label] : o->label ? o->label : "label";
    c->kind = cm->role;
    c->keep = cm->keep;
    c->hint = o->feature_cols == NULL ? 1 : o->features_from == NULL ? 2 : 0;
    if (ds == NULL)
        goto nomem;
    ds->features = cm->nfeatures;
    ds->names = calloc(cm->nfeatures > 1 ? cm->nfeatures : 1, sizeof *ds->names);
    ds->label_name = strdup(label);
    if (cm->weight >= 0 && (ds->weight_name = strdup(c->cols[cm->weight])) == NULL)
        goto nomem;
    ds->nkept = cm->nkeep;
    ds->kept_names = calloc(cm->nkeep ? cm->nkeep : 1, sizeof *ds->kept_names);
    if (ds->names == NULL || ds->label_name == NULL || ds->kept_names == NULL)
        goto nomem;
    for (size_t i = 0; i < cm->nfeatures; i++)
        if ((ds->names[i] = strdup(c->cols[cm->feature_col[i]])) == NULL)
            goto nomem;
    for (size_t k = 0; k < cm->nkeep; k++)
        if ((ds->kept_names[k] = strdup(c->cols[cm->keep_col[k]])) == NULL)
            goto nomem;
    return ds;
nomem:
    pt_seterr(err, "%s: out of memory", c->path);
    pt_dataset_destroy(&ds);
    return NULL;
}

/* The chunks' kept text, one block in ds (kept_text, kept_off). 0 or -ENOMEM. */
static int gather_kept(pt_dataset_t *ds, const csv_chunk_t *chunks, size_t nchunks,
                       size_t rows)
{
    size_t total = 0, base = 0;
    for (size_t k = 0; k < nchunks; k++)
        total += chunks[k].ktlen;
    ds->kept_text = malloc(total ? total : 1);
    ds->kept_off = pt_alloc_array(rows, ds->nkept * sizeof(size_t), 0);
    if (ds->kept_text == NULL || ds->kept_off == NULL)
        return -ENOMEM;
    for (size_t k = 0; k < nchunks; k++) {
        const csv_chunk_t *ck = &chunks[k];
        size_t n = ck->rows * ds->nkept;
        if (ck->ktlen > 0) /* a chunk whose kept fields are all empty has no kt */
            memcpy(ds->kept_text + base, ck->kt, ck->ktlen);
        for (size_t i = 0; i < n; i++)
            ds->kept_off[ck->row0 * ds->nkept + i] = ck->koff[i] + base;
        base += ck->ktlen;
    }
    return 0;
}

/* Cuts the body [p, data_end) (the header is [buf, p)) into chunks (count_rows, then requote
 * when the body holds a quote) with their rows and first lines. A NUL byte anywhere is
 * refused first: in the header here, in the body by the chunks' first pass. */
static int body_chunks(const csv_t *c, const char *buf, const char *p, const char *data_end,
                       int threads, size_t window, csv_chunk_t *chunks, size_t *nchunks)
{
    const char *nul = memchr(buf, '\0', (size_t)(p - buf));
    size_t line = pt_scan_count(buf, p, '\n'), n;
    int quoted = 0;
    if (nul != NULL) {
        pt_scan_nul_byte(c->err, c->path, 1 + pt_scan_count(buf, nul, '\n'));
        return -EINVAL;
    }
    split_chunks(p, data_end, threads, chunks, nchunks);
    n = *nchunks;
    for (size_t k = 0; k < n; k++)
        chunks[k].window = window;
    pt_run_each(chunks, n, sizeof *chunks, count_thread);
    for (size_t k = 0, before = line; k < n; before += chunks[k++].nl) {
        if (chunks[k].nul != NULL) {
            pt_scan_nul_byte(c->err, c->path,
                             before + 1 + pt_scan_count(chunks[k].p, chunks[k].nul, '\n'));
            return -EINVAL;
        }
        quoted |= chunks[k].quotes;
    }
    if (quoted && n > 0) {
        requote(chunks, nchunks, data_end);
        n = *nchunks;
    }
    for (size_t k = 0; k < n; k++) {
        chunks[k].quoted = quoted;
        chunks[k].line0 = quoted ? line + chunks[k].line0 : line;
        if (!quoted)
            line += chunks[k].nl;
    }
    return 0;
}

char pt_csv_detect_sep(const char *p, const char *eol)
{
    static const char cand[] = PT_CSV_SEPS;
    size_t count[sizeof cand - 1] = {0}, best = 0;
    int in = 0;
    for (; p < eol; p++) {
        in ^= *p == '"';
        for (size_t i = 0; !in && i < sizeof count / sizeof *count; i++)
            count[i] += *p == cand[i];
    }
    for (size_t i = 1; i < sizeof count / sizeof *count; i++)
        if (count[i] > count[best])
            best = i;
    return cand[best];
}

int pt_csv_parse_sep(const char *s, char *sep)
{
    static const struct {
        const char *name;
        char sep;
    } names[] = {{"auto", 0}, {",", ','}, {";", ';'}, {"tab", '\t'}, {"\t", '\t'},
                 {"\\t", '\t'}, {"|", '|'}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(s, names[i].name) == 0) {
            *sep = names[i].sep;
            return 0;
        }
    return -1;
}

const char *pt_csv_sep_name(char sep)
{
    return sep == ',' ? "','" : sep == ';' ? "';'" : sep == '\t' ? "tab" : sep == '|' ? "'|'" : "?";
}

int pt_csv_chunk_rows(const char *p, const char *end, int threads, const char **starts,
                      size_t *rows)
{
    csv_chunk_t chunks[PARSE_THREADS_MAX];
    size_t n = 0;
    int quoted = 0;
    if (p == end)
        return 0;
    split_chunks(p, end, threads, chunks, &n);
    pt_run_each(chunks, n, sizeof *chunks, count_thread);
    for (size_t k = 0; k < n; k++)
        quoted |= chunks[k].quotes;
    if (quoted)
        requote(chunks, &n, end);
    for (size_t k = 0; k < n; k++) {
        starts[k] = chunks[k].p;
        rows[k] = chunks[k].rows;
    }
    return (int)n;
}

/* 1 when every column of c is a feature or the label (plain_row can read its rows). */
static int all_numeric(const csv_t *c)
{
    for (size_t j = 0; j < c->ncols; j++)
        if (c->kind[j] < 0 && c->kind[j] != KIND_LABEL)
            return 0;
    return 1;
}

static pt_dataset_t *csv_load(const char *path, const char *buf, size_t len,
                              const pt_load_opts_t *o, size_t window, char *err)
{
    csv_t c = {.path = path, .err = err, .num_folds = o->num_folds, .hdr = buf,
               .missing = o->missing != NULL ? o->missing : PT_CSV_MISSING,
               .impute = o->impute};
    pt_dataset_t *ds = NULL, *res = NULL;
    pt_columns_t cm = {0};
    const char *end = buf + len, *data_end, *p, *eol;
    size_t rows = 0, nfeat = 0, nchunks = 0, hnl;
    uint64_t fpsum = 0;
    ssize_t li, fi;
    csv_chunk_t chunks[PARSE_THREADS_MAX];

    memset(chunks, 0, sizeof chunks);
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

    p = quoted_row(buf, end, &eol, &hnl); /* the header may have quoted newlines */
    if (body_chunks(&c, buf, p, data_end, o->threads, window, chunks, &nchunks) < 0)
        goto out;
    c.sep = o->sep != 0 ? o->sep : pt_csv_detect_sep(buf, eol);
    if (pt_scan_is_blank(buf, eol)) {
        pt_seterr(err, "%s:1: the header line is blank", path);
        goto out;
    }
    if (csv_header(&c, buf, eol) < 0)
        goto out;
    if (pt_columns_map(path, c.cols, c.ncols, o, &cm, err) != 0 ||
        (ds = csv_dataset(&c, &cm, o, err)) == NULL)
        goto out;
    li = cm.label;
    fi = cm.fold;
    nfeat = cm.nfeatures;

    for (size_t k = 0; k < nchunks; k++) {
        chunks[k].c = c;
        chunks[k].c.err = chunks[k].err;
        chunks[k].err[0] = 0;
        chunks[k].ds = ds;
        chunks[k].pos = NULL;
        chunks[k].no_label = li < 0;
        chunks[k].plain = csv_plain && !chunks[k].quoted && cm.nkeep == 0 && all_numeric(&c);
        chunks[k].row0 = rows;
        chunks[k].nkeep = cm.nkeep;
        if (cm.nkeep != 0 &&
            (chunks[k].koff = pt_alloc_array(chunks[k].rows, cm.nkeep * sizeof(size_t), 0)) ==
                NULL)
            goto nomem;
        rows += chunks[k].rows;
    }
    if (rows == 0) {
        pt_seterr(err, "%s: no data rows", path);
        goto out;
    }
    if (nfeat != 0 && rows > SIZE_MAX / sizeof(double) / nfeat)
        goto nomem;
    if (o->check_size != NULL && o->check_size(o->check_size_arg, rows, nfeat, err) != 0)
        goto out;
    if (fi >= 0 && (ds->fold = pt_alloc_array(rows, sizeof(int32_t), 0)) == NULL)
        goto nomem;
    if (cm.valid >= 0 && (ds->valid = pt_alloc_array(rows, 1, 0)) == NULL)
        goto nomem;
    if (o->place != NULL) {
        const size_t *pos = NULL;
        if (o->place(o->place_arg, rows, nfeat, &ds->x, &ds->y, cm.weight >= 0 ? &ds->w : NULL,
                     &pos, err) != 0)
            goto out;
        ds->borrowed = 1;
        for (size_t k = 0; k < nchunks; k++)
            chunks[k].pos = pos;
    } else {
        ds->x = pt_alloc_array(rows, nfeat * sizeof(double), 0);
        ds->y = pt_alloc_array(rows, sizeof(double), 0);
        if (ds->x == NULL || ds->y == NULL ||
            (cm.weight >= 0 && (ds->w = pt_alloc_array(rows, sizeof(double), 0)) == NULL))
            goto nomem;
    }
    for (size_t k = 0, xlen = rows * nfeat * sizeof(double); k < nchunks; k++) {
        chunks[k].fill = (char *)ds->x + xlen / nchunks * k;
        chunks[k].fill_len = k + 1 < nchunks ? xlen / nchunks : xlen - xlen / nchunks * k;
    }
    pt_run_each(chunks, nchunks, sizeof *chunks, parse_thread);
    for (size_t k = 0; k < nchunks; k++) {
        if (chunks[k].rc < 0) { /* the first error in file order, as a serial parse finds */
            pt_seterr(err, "%s", chunks[k].err);
            goto out;
        }
        fpsum += chunks[k].fpsum;
    }
    if (cm.nkeep != 0 && gather_kept(ds, chunks, nchunks, rows) != 0)
        goto nomem;
    ds->rows = rows;
    ds->sep = c.sep;
    ds->fingerprint = pt_dataset_fp_finish(rows, nfeat, fi >= 0, fpsum);
    ds->fp_valid = li >= 0;
    if (li < 0)
        for (size_t i = 0; i < rows; i++)
            ds->y[i] = NAN; /* no label column (no_label) */
    res = ds;
    ds = NULL;
    goto out;
nomem:
    pt_seterr(err, "%s: out of memory", path);
out:
    pt_dataset_destroy(&ds);
    pt_strv_free(c.cols, c.ncols);
    for (size_t k = 0; k < nchunks; k++) {
        free(chunks[k].kt);
        free(chunks[k].koff);
    }
    pt_columns_free(&cm);
    return res;
}

pt_dataset_t *pt_csv_load(const char *path, const char *buf, size_t len,
                          const pt_load_opts_t *o, char *err)
{
    return csv_load(path, buf, len, o, 0, err);
}

pt_dataset_t *pt_csv_load_mapped(const char *path, const char *buf, size_t len,
                                 const pt_load_opts_t *o, char *err)
{
    return csv_load(path, buf, len, o, csv_window & ~(size_t)63, err);
}

/* ---------------------------------------------------------------- output */

/* A name that the loader would read back as the same single column. */
static int writable_name(const char *s)
{
    const char *a = s, *b = s + strlen(s);
    if (strpbrk(s, ",\"\r\n") != NULL || pt_scan_unquote(&a, &b) < 0)
        return 0;
    return a == s && b == s + strlen(s) && a != b;
}

int pt_csv_write(const pt_dataset_t *ds, const char *path, char *err)
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
