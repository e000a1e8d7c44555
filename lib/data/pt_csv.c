/* pt_csv.c - CSV text: the multi-threaded loader and the writer (see pt_csv.h).
 *
 * The body is cut into chunks of whole lines, one per thread: a first pass counts each
 * chunk's lines and looks for NUL bytes (the text's first touch, so its page faults are taken
 * in parallel), then every chunk parses its rows straight into their final places (the
 * dataset's memory, or the caller's through pt_load_opts_t.place), each with its own error
 * buffer; the first error in file order is reported, as a serial parse would find it. Each
 * column has a role from the header (pt_columns): a field of a feature, the label or the fold
 * column is read by field_fast (blanks, optional quotes, a number) and, when that fails, by
 * field_slow, which applies the full rules and words the error; a skipped column's field is
 * only stepped over (field_skip), and a kept column's text is copied (keep_field). The
 * fingerprint is summed per chunk while parsing.
 */
#include "pt_csv.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "pt_columns.h"
#include "pt_common.h"
#include "pt_cpus.h"
#include "pt_file.h"
#include "pt_scan.h"

#define KIND_LABEL PT_COL_LABEL
#define KIND_FOLD PT_COL_FOLD
#define KIND_SKIP PT_COL_SKIP
#define PARSE_THREADS_MAX 8        /* CSV row parsing threads, at most */
#define PARSE_CHUNK_MIN (1u << 20) /* bytes of text per thread, at least (automatic count) */

typedef struct {
    const char *path;
    char *err;
    char **cols;         /* header names, ncols of them */
    size_t ncols;
    const int32_t *kind; /* per column: feature index >= 0, KIND_LABEL, KIND_FOLD, KIND_SKIP */
    const int32_t *keep; /* per column: index among the kept columns, or -1 */
    int num_folds;
    int hint;            /* a non-numeric feature: 1 hint --ignore, 2 hint --features, 0 none */
} csv_t;

/* Describes column j for a message: "label", `field 3 ("f2")` or `fold column "fold"`. */
static void col_desc(const csv_t *c, size_t j, char *dst, size_t cap)
{
    char one[PT_SCAN_SHOW_MAX + 4];
    pt_scan_show(one, c->cols[j], strlen(c->cols[j]));
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
    while (pt_scan_blank_char(*p))
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
    while (pt_scan_blank_char(*q))
        q++;
    if ((*q != ',' && q != eol) || !isfinite(*v))
        return NULL;
    return q;
}

/* How to leave feature column j out, for a non-numeric value in it (hint: see csv_t): into
 * dst, which is returned; "" when there is no hint. */
static const char *ignore_hint(const csv_t *c, size_t j, char *dst, size_t cap)
{
    char txt[PT_SCAN_SHOW_MAX + 4];
    dst[0] = '\0';
    pt_scan_show(txt, c->cols[j], strlen(c->cols[j]));
    if (c->kind[j] >= 0 && c->hint == 1)
        snprintf(dst, cap, " (leave the column out with --ignore %s)", txt);
    else if (c->kind[j] >= 0 && c->hint == 2)
        snprintf(dst, cap, " (leave it out of --features)");
    return dst;
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
    char who[PT_SCAN_SHOW_MAX + 40], txt[PT_SCAN_SHOW_MAX + 4], hint[PT_SCAN_SHOW_MAX + 48];
    const char *is;
    double d = 0.0;

    if (fe == NULL)
        fe = eol;
    b = fe;
    if (pt_scan_unquote(&a, &b) < 0)
        why = UNTERM;
    else if (a == b)
        why = EMPTY;
    else if ((q = pt_scan_num(a, &d)) != b)
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
    nf = pt_scan_count(line, eol, ',') + 1;
    if (nf != c->ncols)
        return ragged(c, lineno, nf);
    col_desc(c, j, who, sizeof who);
    is = c->kind[j] == KIND_LABEL ? " is" : ":";
    if (why == UNTERM)
        pt_scan_show(txt, p, (size_t)(fe - p));
    else
        pt_scan_show(txt, a, (size_t)(b - a));
    switch (why) {
    case UNTERM:
        pt_seterr(c->err, "%s:%zu: %s: unterminated quote: %s", c->path, lineno, who, txt);
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
    size_t n = pt_scan_count(p, eol, ',') + 1, i;
    size_t *ord = NULL, dup_a = 0, dup_b = 0;
    int rc = 0;
    char txt[PT_SCAN_SHOW_MAX + 4];

    c->cols = calloc(n, sizeof *c->cols);
    if (c->cols == NULL)
        goto nomem;
    for (i = 0; i < n; i++) {
        const char *fe = memchr(p, ',', (size_t)(eol - p)), *a = p, *b;
        if (fe == NULL)
            fe = eol;
        b = fe;
        if (pt_scan_unquote(&a, &b) < 0) {
            pt_scan_show(txt, p, (size_t)(fe - p));
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
    int no_label;       /* no label column (no_label): y is filled later */
    /* the kept columns' text: the fields NUL-terminated one after another in kt (ktlen of
     * ktcap bytes), field k of row r at kt + koff[(r - row0) * nkeep + k] */
    size_t nkeep;
    char *kt;
    size_t ktlen, ktcap;
    size_t *koff;
    int rc;
} csv_chunk_t;

/* The end of a field that is not read (the ',' or eol after it). */
static inline const char *field_skip(const char *p, const char *eol)
{
    const char *e = memchr(p, ',', (size_t)(eol - p));
    return e != NULL ? e : eol;
}

/* Copies the text of field [p, fe) of row r (column j, a kept one) into the chunk. */
static int keep_field(csv_chunk_t *k, size_t lineno, size_t j, size_t r, const char *p,
                      const char *fe)
{
    const char *a = p, *b = fe;
    char txt[PT_SCAN_SHOW_MAX + 4], name[PT_SCAN_SHOW_MAX + 4];
    size_t n;
    if (pt_scan_unquote(&a, &b) < 0) {
        pt_scan_show(txt, p, (size_t)(fe - p));
        pt_scan_show(name, k->c.cols[j], strlen(k->c.cols[j]));
        pt_seterr(k->c.err, "%s:%zu: column \"%s\": unterminated quote: %s", k->c.path, lineno,
                  name, txt);
        return -EINVAL;
    }
    n = (size_t)(b - a);
    if (k->ktlen + n + 1 > k->ktcap) {
        size_t cap = 2 * (k->ktlen + n + 1) + 4096;
        char *t = realloc(k->kt, cap);
        if (t == NULL) {
            pt_seterr(k->c.err, "%s: out of memory", k->c.path);
            return -ENOMEM;
        }
        k->kt = t;
        k->ktcap = cap;
    }
    memcpy(k->kt + k->ktlen, a, n);
    k->kt[k->ktlen + n] = '\0';
    k->koff[(r - k->row0) * k->nkeep + (size_t)k->c.keep[j]] = k->ktlen;
    k->ktlen += n + 1;
    return 0;
}

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
        p = pt_scan_line(line, end, &eol);
        lineno++;
        if (line == eol || ((pt_scan_blank_char(*line) || *line == '\r') && pt_scan_is_blank(line, eol))) {
            pt_seterr(c->err, "%s:%zu: expected %zu fields, found a blank line", c->path,
                      lineno, c->ncols);
            return -EINVAL;
        }
        q = line;
        for (size_t j = 0; j < c->ncols; j++) {
            int32_t kd = kind[j];
            const char *fs = j == 0 ? q : q + 1;
            double v = 0.0;
            if (kd == KIND_SKIP) {
                q = field_skip(fs, eol);
            } else {
                q = kd == KIND_FOLD ? NULL : field_fast(fs, eol, &v);
                if (q == NULL && field_slow(c, lineno, j, line, eol, fs, &v, &q) < 0)
                    return -EINVAL;
            }
            if ((q == eol) != (j + 1 == c->ncols))
                return ragged(c, lineno, pt_scan_count(line, eol, ',') + 1);
            if (k->nkeep != 0 && c->keep[j] >= 0 && keep_field(k, lineno, j, r, fs, q) < 0)
                return -EINVAL;
            if (kd >= 0)
                xr[kd] = v;
            else if (kd == KIND_LABEL)
                ds->y[d] = v;
            else if (kd == KIND_FOLD)
                ds->fold[r] = (int32_t)v;
        }
        if (!k->no_label)
            k->fpsum += pt_dataset_row_hash(r, xr, nfeat, ds->y[d], ds->fold ? &ds->fold[r] : NULL);
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
    k->rows = pt_scan_count(k->p, k->end, '\n') + (k->end[-1] != '\n');
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
        memcpy(ds->kept_text + base, ck->kt, ck->ktlen);
        for (size_t i = 0; i < n; i++)
            ds->kept_off[ck->row0 * ds->nkept + i] = ck->koff[i] + base;
        base += ck->ktlen;
    }
    return 0;
}

pt_dataset_t *pt_csv_load(const char *path, const char *buf, size_t len,
                          const pt_load_opts_t *o, char *err)
{
    csv_t c = {.path = path, .err = err, .num_folds = o->num_folds};
    pt_dataset_t *ds = NULL, *res = NULL;
    pt_columns_t cm = {0};
    const char *end = buf + len, *data_end, *p, *eol;
    size_t rows = 0, nfeat = 0, nchunks = 0;
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

    p = pt_scan_line(buf, end, &eol);
    /* A NUL byte anywhere is refused first: in the header here, in the body by the chunks'
     * first pass, which also counts their lines. */
    if (memchr(buf, '\0', (size_t)(p - buf)) != NULL) {
        pt_scan_nul_byte(err, path, 1);
        goto out;
    }
    split_chunks(p, data_end, o->threads, chunks, &nchunks);
    pt_run_each(chunks, nchunks, sizeof *chunks, count_thread);
    for (size_t k = 0, before = 1; k < nchunks; before += chunks[k++].rows)
        if (chunks[k].nul != NULL) {
            pt_scan_nul_byte(err, path, before + 1 + pt_scan_count(chunks[k].p, chunks[k].nul, '\n'));
            goto out;
        }
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
    if (fi >= 0 && (ds->fold = pt_alloc_array(rows, sizeof(int32_t), 0)) == NULL)
        goto nomem;
    if (o->place != NULL) {
        const size_t *pos = NULL;
        if (o->place(o->place_arg, rows, nfeat, &ds->x, &ds->y, &pos, err) != 0)
            goto out;
        ds->borrowed = 1;
        for (size_t k = 0; k < nchunks; k++)
            chunks[k].pos = pos;
    } else {
        ds->x = pt_alloc_array(rows, nfeat * sizeof(double), 0);
        ds->y = pt_alloc_array(rows, sizeof(double), 0);
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
    if (cm.nkeep != 0 && gather_kept(ds, chunks, nchunks, rows) != 0)
        goto nomem;
    ds->rows = rows;
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
