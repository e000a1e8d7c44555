/* pt_columns.c - a CSV header's columns mapped to roles (see pt_columns.h).
 *
 * Names are looked up through the header's columns sorted by name (a binary search each), so
 * a selection of thousands of columns out of thousands costs n log n, not n^2. The checks run
 * in the order a user fixes them: the option lists themselves, then the label and fold
 * columns, then each list against the header.
 */
#include "pt_columns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_scan.h"

#define LIST_MAX 10 /* column names listed when a column is missing */

typedef struct {
    const char *path;
    char *const *names;
    size_t ncols;
    size_t *ord; /* column numbers sorted by name */
    char *err;
} hdr_t;

void pt_columns_list(char *dst, size_t cap, char *const *names, size_t n)
{
    size_t used = 0;
    char one[PT_SCAN_SHOW_MAX + 4];
    dst[0] = '\0';
    for (size_t i = 0; i < n && i < LIST_MAX && used < cap; i++) {
        pt_scan_show(one, names[i], strlen(names[i]));
        used += (size_t)snprintf(dst + used, cap - used, "%s%s", i ? ", " : "", one);
    }
    if (n > LIST_MAX && used < cap)
        snprintf(dst + used, cap - used, ", ... (%zu more)", n - LIST_MAX);
}

static int cmp_name(const void *pa, const void *pb, void *arg)
{
    char *const *names = arg;
    return strcmp(names[*(const size_t *)pa], names[*(const size_t *)pb]);
}

/* The column named name, or -1. */
static ssize_t lookup(const hdr_t *h, const char *name)
{
    size_t lo = 0, hi = h->ncols;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(name, h->names[h->ord[mid]]);
        if (r == 0)
            return (ssize_t)h->ord[mid];
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

/* "[SRC: ]PATH:1: no column named "NAME" (columns: ...)". Returns -EINVAL. */
static int not_found(const hdr_t *h, const char *src, const char *name)
{
    char list[PT_ERRLEN / 2], txt[PT_SCAN_SHOW_MAX + 4];
    pt_scan_show(txt, name, strlen(name));
    pt_columns_list(list, sizeof list, h->names, h->ncols);
    if (src != NULL)
        pt_seterr(h->err, "%s: %s:1: no column named \"%s\" (columns: %s)", src, h->path, txt,
                  list);
    else
        pt_seterr(h->err, "%s:1: no column named \"%s\" (columns: %s)", h->path, txt, list);
    return -EINVAL;
}

/* The option list[0..n) (named src in messages) on its own: no empty name. */
static int check_list(const char *src, const char *const *list, size_t n, char *err)
{
    for (size_t i = 0; i < n; i++)
        if (list[i][0] == '\0') {
            pt_seterr(err, "%s: an empty column name", src);
            return -EINVAL;
        }
    return 0;
}

/* Looks up list[0..n) (named src in messages) in the header, each column into col[i] (col
 * may be NULL). Refuses a name given twice and, with no_roles, the label or fold column. */
static int find_list(const hdr_t *h, const pt_columns_t *c, const char *src,
                     const char *const *list, size_t n, size_t *col, int no_roles)
{
    char txt[PT_SCAN_SHOW_MAX + 4];
    unsigned char *seen = calloc(h->ncols ? h->ncols : 1, 1);
    int rc = 0;
    if (seen == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < n && rc == 0; i++) {
        ssize_t j = lookup(h, list[i]);
        pt_scan_show(txt, list[i], strlen(list[i]));
        if (j < 0) {
            rc = not_found(h, src, list[i]);
        } else if (seen[j]) {
            pt_seterr(h->err, "%s: column \"%s\" is named twice", src, txt);
            rc = -EINVAL;
        } else if (no_roles && (j == c->label || j == c->fold || j == c->weight ||
                                j == c->valid)) {
            pt_seterr(h->err, "%s: column \"%s\" is the %s column%s", src, txt,
                      j == c->label ? "label" : j == c->fold ? "fold"
                      : j == c->weight ? "weight" : "validation indicator",
                      col != NULL ? ", not a feature" : " (it is never a feature)");
            rc = -EINVAL;
        } else {
            seen[j] = 1;
            if (col != NULL)
                col[i] = (size_t)j;
        }
    }
    free(seen);
    return rc;
}

/* The label, fold and weight columns: c->label, c->fold, c->weight. */
static int find_roles(const hdr_t *h, const pt_load_opts_t *o, pt_columns_t *c)
{
    const char *label = o->label ? o->label : "label";
    c->label = c->fold = c->weight = c->valid = -1;
    if (!o->no_label && (c->label = lookup(h, label)) < 0)
        return not_found(h, NULL, label);
    if (o->fold_col != NULL && (c->fold = lookup(h, o->fold_col)) < 0)
        return not_found(h, NULL, o->fold_col);
    if (c->fold >= 0 && c->fold == c->label) {
        pt_seterr(h->err, "%s: the label and fold columns are both \"%s\"", h->path, label);
        return -EINVAL;
    }
    if (o->weight_col != NULL && (c->weight = lookup(h, o->weight_col)) < 0)
        return not_found(h, "--weight-col", o->weight_col);
    if (c->weight >= 0 && (c->weight == c->label || c->weight == c->fold)) {
        pt_seterr(h->err, "--weight-col: column \"%s\" is the %s column", o->weight_col,
                  c->weight == c->label ? "label" : "fold");
        return -EINVAL;
    }
    if (o->valid_col != NULL && (c->valid = lookup(h, o->valid_col)) < 0)
        return not_found(h, "validationIndicatorCol", o->valid_col);
    if (c->valid >= 0 && (c->valid == c->label || c->valid == c->fold || c->valid == c->weight)) {
        pt_seterr(h->err, "validationIndicatorCol: column \"%s\" is the %s column", o->valid_col,
                  c->valid == c->label ? "label" : c->valid == c->fold ? "fold" : "weight");
        return -EINVAL;
    }
    return 0;
}

/* The features: c->role and c->feature_col. */
static int map_features(const hdr_t *h, const pt_load_opts_t *o, pt_columns_t *c)
{
    const char *src = o->features_from ? o->features_from : "--features";
    size_t n = o->nfeature_cols, *col = NULL;
    int rc = 0;

    for (size_t j = 0; j < h->ncols; j++)
        c->role[j] = (ssize_t)j == c->label ? PT_COL_LABEL
                     : (ssize_t)j == c->fold ? PT_COL_FOLD
                     : (ssize_t)j == c->weight ? PT_COL_WEIGHT
                     : (ssize_t)j == c->valid ? PT_COL_VALID
                     : o->feature_cols != NULL ? PT_COL_SKIP
                                               : 0;
    if (o->feature_cols != NULL) {
        if ((col = malloc((n ? n : 1) * sizeof *col)) == NULL)
            return -ENOMEM;
        if ((rc = find_list(h, c, src, o->feature_cols, n, col, 1)) != 0)
            goto out;
        for (size_t i = 0; i < n; i++)
            c->role[col[i]] = o->list_order ? (int32_t)i : 0;
    } else if ((rc = find_list(h, c, "--ignore", o->ignore_cols, o->nignore_cols, NULL, 1)) ==
               0) {
        for (size_t i = 0; i < o->nignore_cols; i++)
            c->role[lookup(h, o->ignore_cols[i])] = PT_COL_SKIP;
    } else {
        goto out;
    }
    /* number the features: the list's order (set above), else the file's */
    for (size_t j = 0; j < h->ncols; j++)
        if (c->role[j] >= 0) {
            if (!(o->feature_cols != NULL && o->list_order))
                c->role[j] = (int32_t)c->nfeatures;
            c->nfeatures++;
        }
    if ((c->feature_col = malloc((c->nfeatures ? c->nfeatures : 1) * sizeof *c->feature_col)) ==
        NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t j = 0; j < h->ncols; j++)
        if (c->role[j] >= 0)
            c->feature_col[c->role[j]] = j;
out:
    free(col);
    return rc;
}

/* The kept columns: c->keep and c->keep_col. */
static int map_keep(const hdr_t *h, const pt_load_opts_t *o, pt_columns_t *c)
{
    int rc;
    c->nkeep = o->nkeep_cols;
    if ((c->keep_col = malloc((c->nkeep ? c->nkeep : 1) * sizeof *c->keep_col)) == NULL)
        return -ENOMEM;
    if ((rc = find_list(h, c, "--keep", o->keep_cols, c->nkeep, c->keep_col, 0)) != 0)
        return rc;
    for (size_t j = 0; j < h->ncols; j++)
        c->keep[j] = -1;
    for (size_t k = 0; k < c->nkeep; k++)
        c->keep[c->keep_col[k]] = (int32_t)k;
    return 0;
}

int pt_columns_map(const char *path, char *const *names, size_t ncols,
                   const pt_load_opts_t *o, pt_columns_t *c, char *err)
{
    const char *src = o->features_from ? o->features_from : "--features";
    hdr_t h = {.path = path, .names = names, .ncols = ncols, .err = err};
    int rc;

    memset(c, 0, sizeof *c);
    c->label = c->fold = c->weight = c->valid = -1;
    if (o->feature_cols != NULL && o->ignore_cols != NULL) {
        pt_seterr(err, "--features and --ignore: give one or the other");
        return -EINVAL;
    }
    if ((rc = check_list(src, o->feature_cols, o->nfeature_cols, err)) != 0 ||
        (rc = check_list("--ignore", o->ignore_cols, o->nignore_cols, err)) != 0 ||
        (rc = check_list("--keep", o->keep_cols, o->nkeep_cols, err)) != 0)
        return rc;
    c->ncols = ncols;
    h.ord = malloc((ncols ? ncols : 1) * sizeof *h.ord);
    c->role = malloc((ncols ? ncols : 1) * sizeof *c->role);
    c->keep = malloc((ncols ? ncols : 1) * sizeof *c->keep);
    if (h.ord == NULL || c->role == NULL || c->keep == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t j = 0; j < ncols; j++)
        h.ord[j] = j;
    qsort_r(h.ord, ncols, sizeof *h.ord, cmp_name, (void *)names);
    if ((rc = find_roles(&h, o, c)) == 0 && (rc = map_features(&h, o, c)) == 0)
        rc = map_keep(&h, o, c);
out:
    if (rc == -ENOMEM)
        pt_seterr(err, "%s: out of memory", path);
    free(h.ord);
    return rc;
}

void pt_columns_free(pt_columns_t *c)
{
    free(c->role);
    free(c->keep);
    free(c->feature_col);
    free(c->keep_col);
    memset(c, 0, sizeof *c);
}
