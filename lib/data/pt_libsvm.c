/* pt_libsvm.c - LIBSVM text into a dense dataset (see pt_libsvm.h).
 *
 * One serial pass: the entries go to a compressed row list sized from an upper bound taken
 * before parsing (newline count for rows, ':' count for entries), then to the dense matrix
 * once the number of features is known.
 */
#include "pt_libsvm.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_scan.h"

pt_dataset_t *pt_libsvm_load(const char *path, const char *buf, size_t len,
                             const pt_load_opts_t *o, char *err)
{
    pt_dataset_t *ds = NULL, *res = NULL;
    size_t *rowp = NULL, *idx = NULL;
    double *val = NULL;
    const char *end = buf + len, *p = buf, *eol;
    size_t rows_max, nnz_max, r = 0, nnz = 0, maxidx = 0, lineno = 0, nfeat;
    char txt[PT_SCAN_SHOW_MAX + 4];

    if (o->fold_col != NULL) {
        pt_scan_show(txt, o->fold_col, strlen(o->fold_col));
        pt_seterr(err, "%s: a fold column (\"%s\") needs CSV input; this is LIBSVM", path,
                  txt);
        goto out;
    }
    rows_max = pt_scan_count(buf, end, '\n') + 1;
    nnz_max = pt_scan_count(buf, end, ':'); /* every stored entry used up one ':' */
    ds = pt_dataset_new(PT_FMT_LIBSVM);
    rowp = pt_alloc_array(rows_max + 1, sizeof *rowp, 0);
    idx = pt_alloc_array(nnz_max, sizeof *idx, 0);
    val = pt_alloc_array(nnz_max, sizeof *val, 0);
    if (ds == NULL || rowp == NULL || idx == NULL || val == NULL ||
        (ds->y = pt_alloc_array(rows_max, sizeof(double), 0)) == NULL)
        goto nomem;
    rowp[0] = 0;
    while (p < end) {
        const char *q = p, *te, *ve;
        size_t prev = 0;
        double v = 0.0;
        p = pt_scan_line(p, end, &eol);
        lineno++;
        while (q < eol && pt_scan_blank_char(*q))
            q++;
        if (q == eol || *q == '#' || pt_scan_is_blank(q, eol))
            continue;
        te = pt_scan_token_end(q, eol);
        pt_scan_show(txt, q, (size_t)(te - q));
        if (pt_scan_num(q, &v) != te) {
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
            while (q < eol && (pt_scan_blank_char(*q) || *q == '\r'))
                q++;
            if (q == eol || *q == '#') /* a token starting with '#' comments out the rest */
                break;
            te = pt_scan_token_end(q, eol);
            pt_scan_show(txt, q, (size_t)(te - q));
            for (d = q; d < te && pt_scan_is_digit(*d) && ix <= ((size_t)1 << 40); d++)
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
            ve = pt_scan_num(d + 1, &v);
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
    ds->y = pt_shrink(ds->y, r * sizeof(double));
    if (o->check_size != NULL && o->check_size(o->check_size_arg, r, nfeat, err) != 0)
        goto out;
    if ((nfeat != 0 && r > SIZE_MAX / sizeof(double) / nfeat) ||
        (ds->x = pt_alloc_array(r * nfeat, sizeof(double), 1)) == NULL) {
        pt_seterr(err, "%s: out of memory for %zu rows x %zu features", path, r, nfeat);
        goto out;
    }
    for (size_t i = 0; i < r; i++)
        for (size_t k = rowp[i]; k < rowp[i + 1]; k++)
            ds->x[i * nfeat + idx[k] - 1] = val[k];
    if (pt_dataset_name_features(ds, 1) != 0)
        goto nomem;
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
