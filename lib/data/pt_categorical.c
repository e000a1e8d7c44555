/* pt_categorical.c - categorical CSV columns coded as global indicator columns (see the
 * header). Each column's values are sorted once (byte order, strcmp) to give the codes; the
 * new feature matrix is the numeric features followed by every column's indicators.
 */
#include "pt_categorical.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_csv.h"
#include "pt_scan.h"

typedef struct {
    const pt_dataset_t *ds;
    size_t k;
} cat__ctx_t;

static int cat__cmp(const void *a, const void *b, void *arg)
{
    const cat__ctx_t *c = arg;
    size_t ra = *(const size_t *)a, rb = *(const size_t *)b;
    int d = strcmp(pt_dataset_kept(c->ds, ra, c->k), pt_dataset_kept(c->ds, rb, c->k));
    return d != 0 ? d : (ra > rb) - (ra < rb);
}

static int cat__cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* The line of path where data row r (0: the first after the header) starts, by the quoting
 * rules (a newline inside double quotes does not end a row). 0 when it cannot be read. */
static size_t cat__row_line(const char *path, size_t r)
{
    FILE *f = fopen(path, "rb");
    size_t line = 1, row = 0;
    int ch, quoted = 0, header = 1;
    if (f == NULL)
        return 0;
    while ((ch = getc(f)) != EOF) {
        if (ch == '"')
            quoted = !quoted;
        if (ch != '\n')
            continue;
        line++;
        if (quoted)
            continue;
        if (header)
            header = 0;
        else
            row++;
        if (row == r && !header)
            break;
    }
    fclose(f);
    return line;
}

/* Codes of kept column k: code[r] for every row, the number of distinct values in *n and the
 * values themselves (borrowed from the kept text) in vals (PT_CAT_MAX_VALUES + 1 entries).
 * -EINVAL with err when there are too many. */
static int cat__code(pt_dataset_t *ds, const char *path, size_t k, size_t *ord, uint32_t *code,
                     const char **vals, size_t *n, char *err)
{
    cat__ctx_t c = {ds, k};
    size_t distinct = 0;
    for (size_t r = 0; r < ds->rows; r++)
        ord[r] = r;
    qsort_r(ord, ds->rows, sizeof *ord, cat__cmp, &c);
    for (size_t i = 0; i < ds->rows && distinct <= PT_CAT_MAX_VALUES; i++) {
        const char *v = pt_dataset_kept(ds, ord[i], k);
        if (i == 0 || strcmp(v, vals[distinct - 1]) != 0)
            vals[distinct++] = v;
        code[ord[i]] = (uint32_t)(distinct - 1);
    }
    if (distinct > PT_CAT_MAX_VALUES) {
        /* the row where value PT_CAT_MAX_VALUES + 1 in file order first appears */
        size_t *fr = malloc(ds->rows * sizeof *fr), nf = 0, row;
        char txt[PT_SCAN_SHOW_MAX + 4];
        if (fr == NULL)
            return -ENOMEM;
        for (size_t i = 0; i < ds->rows; i++)
            if (i == 0 || strcmp(pt_dataset_kept(ds, ord[i], k),
                                 pt_dataset_kept(ds, ord[i - 1], k)) != 0)
                fr[nf++] = ord[i];
        qsort(fr, nf, sizeof *fr, cat__cmp_size);
        row = fr[PT_CAT_MAX_VALUES];
        free(fr);
        pt_scan_show(txt, ds->kept_names[k], strlen(ds->kept_names[k]));
        pt_seterr(err, "%s:%zu: column %s: more than %d distinct values (the limit of a "
                  "categorical column)", path, cat__row_line(path, row), txt,
                  PT_CAT_MAX_VALUES);
        return -EINVAL;
    }
    *n = distinct;
    return 0;
}

/* Column k's missing values (its distinct values vals[0..*n) that are missing tokens:
 * pt_csv_is_missing with missing) recoded into one slot after the other values (vals and *n
 * updated, *has_null set), as Spark's StringIndexer sees a null: never one of its labels;
 * without allow refused as "path:LINE: column C: missing value (...)" at the first row that
 * has one. 0 or -EINVAL. */
static int cat__nulls(pt_dataset_t *ds, const char *path, size_t k, const char *missing,
                      int allow, uint32_t *code, const char **vals, size_t *n, int *has_null,
                      char *err)
{
    uint32_t map[PT_CAT_MAX_VALUES + 1];
    size_t m = 0, first = SIZE_MAX;
    *has_null = 0;
    for (size_t v = 0; v < *n; v++) {
        if (pt_csv_is_missing(missing, vals[v], strlen(vals[v]))) {
            map[v] = UINT32_MAX;
            *has_null = 1;
        } else {
            vals[m] = vals[v];
            map[v] = (uint32_t)m++;
        }
    }
    if (!*has_null)
        return 0;
    for (size_t r = 0; r < ds->rows; r++) {
        if (map[code[r]] == UINT32_MAX && first == SIZE_MAX)
            first = r;
        code[r] = map[code[r]] == UINT32_MAX ? (uint32_t)m : map[code[r]];
    }
    if (!allow) {
        char txt[PT_SCAN_SHOW_MAX + 4];
        pt_scan_show(txt, ds->kept_names[k], strlen(ds->kept_names[k]));
        pt_seterr(err, "%s:%zu: column %s: missing value (set stringIndexer.handleInvalid to "
                  "keep, or leave the column out with --ignore %s)", path,
                  cat__row_line(path, first), txt, txt);
        return -EINVAL;
    }
    *n = m + 1;
    return 0;
}

/* The indicator names "COLUMN=VALUE" of column col into names[0..n). 0 or -ENOMEM. */
static int cat__names(const char *col, const char **vals, size_t n, char **names)
{
    for (size_t v = 0; v < n; v++) {
        size_t len = strlen(col) + strlen(vals[v]) + 2;
        if ((names[v] = malloc(len)) == NULL)
            return -ENOMEM;
        snprintf(names[v], len, "%s=%s", col, vals[v]);
    }
    return 0;
}

/* Widens ds->x by the indicator columns of nk columns of sizes size (code[k * rows + r]: the
 * category of row r in column k, or UINT32_MAX for none: every indicator 0) named ind (the
 * new names, taken over by ds). The wide rows go to memory of their own, or with place to
 * where it says (the shared-memory image: ds->x and ds->y are then borrowed from it, and the
 * fingerprint is summed on the way, as the CSV loader does). 0, -ENOMEM, or place's
 * failure with its reason in err. */
static int cat__widen(pt_dataset_t *ds, size_t nk, const size_t *size, const uint32_t *code,
                      char **ind, pt_place_fn place, void *arg, char *err)
{
    size_t p = ds->features, q = p, pn = p - ds->nmiss, tail = ds->nmiss;
    const size_t *pos = NULL;
    uint64_t sum = 0;
    char **names;
    double *x = NULL, *y = NULL, *w = NULL, **wp = ds->w != NULL ? &w : NULL;
    int rc;
    for (size_t k = 0; k < nk; k++)
        q += size[k];
    if ((names = calloc(q ? q : 1, sizeof *names)) == NULL)
        return -ENOMEM;
    if (place == NULL)
        x = pt_alloc_array(ds->rows ? ds->rows : 1, (q ? q : 1) * sizeof *x, 1);
    else if ((rc = place(arg, ds->rows, q, &x, &y, wp, &pos, err)) != 0) {
        free(names);
        return rc < 0 ? rc : -EIO;
    }
    if (x == NULL) {
        free(names);
        return -ENOMEM;
    }
    /* the indicators go after the numeric features, before any missing-value indicators
     * (pt_missing.h), which stay last */
    memcpy(names, ds->names, pn * sizeof *names);
    memcpy(names + pn, ind, (q - p) * sizeof *names);
    memcpy(names + q - tail, ds->names + pn, tail * sizeof *names);
    for (size_t r = 0; r < ds->rows; r++) {
        size_t at = pos != NULL ? pos[r] : r;
        double *xr = x + at * q;
        memcpy(xr, ds->x + r * p, pn * sizeof *xr);
        memset(xr + pn, 0, (q - p) * sizeof *xr);
        memcpy(xr + q - tail, ds->x + r * p + pn, tail * sizeof *xr);
        for (size_t k = 0, off = pn; k < nk; off += size[k], k++)
            if (code[k * ds->rows + r] != UINT32_MAX)
                xr[off + code[k * ds->rows + r]] = 1.0;
        if (place != NULL) {
            y[at] = ds->y[r];
            sum += pt_dataset_row_hash(r, xr, q, ds->y[r], ds->fold ? &ds->fold[r] : NULL);
            if (w != NULL) { /* the weights go with their rows, as the CSV loader's */
                w[at] = ds->w[r];
                sum += pt_dataset_weight_hash(r, ds->w[r]);
            }
        }
    }
    free(ds->names);
    ds->names = names;
    if (!ds->borrowed)
        free(ds->x);
    ds->x = x;
    ds->features = q;
    ds->fp_valid = 0; /* the fingerprint covers the indicators (the categories) too */
    if (place != NULL) {
        if (!ds->borrowed) {
            free(ds->y);
            free(ds->w);
        }
        ds->y = y;
        ds->w = w;
        ds->borrowed = 1;
        ds->fingerprint = pt_dataset_fp_finish(ds->rows, q, ds->fold != NULL, sum);
        ds->fp_valid = 1;
    }
    return 0;
}

int pt_categorical_expand(pt_dataset_t *ds, const char *path, size_t nk, char *err)
{
    return pt_categorical_expand_into(ds, path, nk, NULL, 0, NULL, NULL, err);
}

int pt_categorical_expand_into(pt_dataset_t *ds, const char *path, size_t nk,
                               const char *missing, int allow_missing, pt_place_fn place,
                               void *arg, char *err)
{
    size_t q = 0;
    size_t *ord = malloc((ds->rows ? ds->rows : 1) * sizeof *ord);
    uint32_t *code = pt_alloc_array(ds->rows ? ds->rows : 1, (nk ? nk : 1) * sizeof *code, 0);
    const char **vals = malloc((PT_CAT_MAX_VALUES + 1) * sizeof *vals);
    size_t *size = calloc(nk ? nk : 1, sizeof *size);
    char **ind = NULL;
    int rc = -ENOMEM;

    if (ord == NULL || code == NULL || vals == NULL || size == NULL)
        goto out;
    for (size_t k = 0; k < nk; k++) {
        int null;
        if ((rc = cat__code(ds, path, k, ord, code + k * ds->rows, vals, &size[k], err)) != 0 ||
            (rc = cat__nulls(ds, path, k, missing, allow_missing, code + k * ds->rows, vals,
                             &size[k], &null, err)) != 0)
            goto out;
        if (null && k < 64)
            ds->cat_missing |= (uint64_t)1 << k;
        q += size[k];
    }
    rc = -ENOMEM;
    if ((ind = calloc(q ? q : 1, sizeof *ind)) == NULL)
        goto out;
    for (size_t k = 0, off = 0; k < nk; off += size[k], k++) {
        /* the values again, in code order */
        size_t null = k < 64 ? (size_t)(ds->cat_missing >> k & 1) : 0, len;
        for (size_t r = 0; r < ds->rows; r++)
            vals[code[k * ds->rows + r]] = pt_dataset_kept(ds, r, k);
        if (cat__names(ds->kept_names[k], vals, size[k] - null, ind + off) != 0)
            goto out;
        len = strlen(ds->kept_names[k]) + sizeof "?missing";
        if (null && (ind[off + size[k] - 1] = malloc(len)) == NULL)
            goto out;
        if (null)
            snprintf(ind[off + size[k] - 1], len, "%s?missing", ds->kept_names[k]);
    }
    if ((rc = cat__widen(ds, nk, size, code, ind, place, arg, err)) != 0)
        goto out;
    free(ind);
    ind = NULL;
    ds->ncat = nk;
    ds->cat_size = size;
    size = NULL;
    for (size_t k = nk; k < ds->nkept; k++) /* the kept columns after them: done with */
        free(ds->kept_names[k]);
    ds->cat_names = ds->kept_names; /* the categorical columns' names */
    free(ds->kept_text);
    free(ds->kept_off);
    ds->kept_names = NULL;
    ds->kept_text = NULL;
    ds->kept_off = NULL;
    ds->nkept = 0;
    rc = 0;
out:
    if (rc == -ENOMEM)
        pt_seterr(err, "%s: out of memory", path);
    pt_strv_free(ind, q);
    free(ord);
    free(code);
    free(vals);
    free(size);
    return rc;
}

typedef struct {
    const char *const *names;
    const size_t *count;
} cat__label_t;

static int cat__label_cmp(const void *a, const void *b, void *arg)
{
    const cat__label_t *l = arg;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    if (l->count[x] != l->count[y])
        return l->count[x] > l->count[y] ? -1 : 1;
    return strcmp(l->names[x], l->names[y]);
}

int pt_categorical_label(pt_dataset_t *ds, const char *path, size_t k, const char *missing,
                         char *err)
{
    size_t *ord = malloc((ds->rows ? ds->rows : 1) * sizeof *ord), n = 0;
    uint32_t *code = malloc((ds->rows ? ds->rows : 1) * sizeof *code);
    const char **vals = malloc((PT_CAT_MAX_VALUES + 1) * sizeof *vals);
    size_t count[PT_CAT_MAX_VALUES], rank[PT_CAT_MAX_VALUES], pos[PT_CAT_MAX_VALUES];
    cat__label_t l = {NULL, count};
    int rc = -ENOMEM;
    if (ord == NULL || code == NULL || vals == NULL)
        goto out;
    for (size_t r = 0; r < ds->rows; r++) {
        const char *t = pt_dataset_kept(ds, r, k);
        if (pt_csv_is_missing(missing, t, strlen(t))) {
            char txt[PT_SCAN_SHOW_MAX + 4];
            pt_scan_show(txt, ds->kept_names[k], strlen(ds->kept_names[k]));
            pt_seterr(err, "%s:%zu: column %s: missing label", path, cat__row_line(path, r),
                      txt);
            rc = -EINVAL;
            goto out;
        }
    }
    if ((rc = cat__code(ds, path, k, ord, code, vals, &n, err)) != 0)
        goto out;
    rc = -ENOMEM;
    memset(count, 0, sizeof count);
    for (size_t r = 0; r < ds->rows; r++)
        count[code[r]]++;
    for (size_t v = 0; v < n; v++)
        rank[v] = v;
    l.names = vals;
    qsort_r(rank, n, sizeof *rank, cat__label_cmp, &l); /* rank[i]: the code of class i */
    if ((ds->label_values = calloc(n, sizeof *ds->label_values)) == NULL)
        goto out;
    ds->nlabel_values = n;
    for (size_t i = 0; i < n; i++) {
        pos[rank[i]] = i;
        if ((ds->label_values[i] = strdup(vals[rank[i]])) == NULL)
            goto out;
    }
    for (size_t r = 0; r < ds->rows; r++)
        ds->y[r] = (double)pos[code[r]];
    if (ds->label_name == NULL && (ds->label_name = strdup(ds->kept_names[k])) == NULL)
        goto out;
    rc = 0;
out:
    if (rc == -ENOMEM)
        pt_seterr(err, "%s: out of memory", path);
    free(ord);
    free(code);
    free(vals);
    return rc;
}

/* The position of value v among n indicator names "COL=VALUE" (skip = strlen(COL) + 1, the
 * values in byte order), or UINT32_MAX. */
static uint32_t cat__find(char *const *ind, size_t n, size_t skip, const char *v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = strcmp(v, ind[mid] + skip);
        if (d == 0)
            return (uint32_t)mid;
        if (d < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return UINT32_MAX;
}

int pt_categorical_apply(pt_dataset_t *ds, const char *path, const size_t *kept, size_t ncat,
                         char *const *cols, const size_t *size, char *const *ind,
                         const char *missing, int unknown_error, char *err)
{
    size_t q = 0;
    uint32_t *code = pt_alloc_array(ds->rows ? ds->rows : 1, (ncat ? ncat : 1) * sizeof *code, 0);
    char **names = NULL;
    int rc = -ENOMEM;
    for (size_t k = 0; k < ncat; k++)
        q += size[k];
    if (code == NULL || (names = calloc(q ? q : 1, sizeof *names)) == NULL)
        goto out;
    for (size_t i = 0; i < q; i++)
        if ((names[i] = strdup(ind[i])) == NULL)
            goto out;
    for (size_t k = 0, off = 0; k < ncat; off += size[k], k++) {
        size_t len = strlen(cols[k]);
        /* the model's missing-value slot "COL?missing", last: a missing value's, and under
         * keep an unknown value's too (both index numLabels, as Spark's null and unseen) */
        int null = size[k] > 0 && strncmp(ind[off + size[k] - 1], cols[k], len) == 0 &&
                   strcmp(ind[off + size[k] - 1] + len, "?missing") == 0;
        for (size_t r = 0; r < ds->rows; r++) {
            const char *v = pt_dataset_kept(ds, r, kept[k]);
            int miss = pt_csv_is_missing(missing, v, strlen(v));
            uint32_t c = miss ? UINT32_MAX : cat__find(ind + off, size[k] - null, len + 1, v);
            if (c == UINT32_MAX && unknown_error) {
                char tc[PT_SCAN_SHOW_MAX + 4], tv[PT_SCAN_SHOW_MAX + 4];
                pt_scan_show(tc, cols[k], len);
                pt_scan_show(tv, v, strlen(v));
                if (miss)
                    pt_seterr(err, "%s:%zu: column %s: missing value (the model's "
                              "stringIndexer handleInvalid is error)", path,
                              cat__row_line(path, r), tc);
                else
                    pt_seterr(err, "%s:%zu: column %s: category \"%s\" is not among the "
                              "model's (stringIndexer handleInvalid error)", path,
                              cat__row_line(path, r), tc, tv);
                rc = -EINVAL;
                goto out;
            }
            code[k * ds->rows + r] = c == UINT32_MAX && null ? (uint32_t)(size[k] - 1) : c;
        }
    }
    if (cat__widen(ds, ncat, size, code, names, NULL, NULL, err) != 0)
        goto out;
    free(names);
    names = NULL;
    rc = 0;
out:
    if (rc == -ENOMEM)
        pt_seterr(err, "%s: out of memory", path);
    pt_strv_free(names, q);
    free(code);
    return rc;
}
