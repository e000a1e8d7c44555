/* pt_dataset.c - the dataset: format detection and dispatch, ownership, the fingerprint.
 *
 * pt_dataset_load reads the whole file into one buffer (pt_scan_read_file), skips a UTF-8
 * byte order mark, detects the format and hands the text to pt_csv or pt_libsvm, which parse
 * it in place. Synthetic data is pt_synth's, the CSV writer pt_csv's.
 *
 * Dataset ownership: every pointer in pt_dataset_t is a separate malloc block (x, y, fold,
 * names, each names[i], label_name, kept_names and each of them, kept_text, kept_off) and
 * pt_dataset_destroy frees each of them, so code that builds a pt_dataset_t by hand with
 * malloc can free it the same way. x and y are never NULL, even for zero features.
 *
 * Where pt_dataset.h leaves room, this module decides: opts may be NULL (all defaults); a
 * file with only a label column (zero features) is accepted; a UTF-8 byte order mark is
 * skipped; a NUL byte is an error; in LIBSVM, opts->label is ignored and a token starting
 * with '#' comments out the rest of its line; pt_csv_write writes features and label only,
 * never the fold ids.
 */
#include "pt_dataset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pt_common.h"
#include "pt_csv.h"
#include "pt_libsvm.h"
#include "pt_scan.h"

pt_dataset_t *pt_dataset_new(pt_format_t fmt)
{
    pt_dataset_t *ds = calloc(1, sizeof *ds);
    if (ds != NULL)
        ds->format = fmt;
    return ds;
}

int pt_dataset_name_features(pt_dataset_t *ds, size_t first)
{
    ds->names = calloc(ds->features > 1 ? ds->features : 1, sizeof *ds->names);
    ds->label_name = strdup("label");
    if (ds->names == NULL || ds->label_name == NULL)
        return -ENOMEM;
    for (size_t j = 0; j < ds->features; j++) {
        char name[32];
        snprintf(name, sizeof name, "f%zu", first + j);
        if ((ds->names[j] = strdup(name)) == NULL)
            return -ENOMEM;
    }
    return 0;
}

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
        p = pt_scan_line(p, end, &eol);
        while (q < eol && pt_scan_blank_char(*q))
            q++;
        if (q == eol || *q == '#' || pt_scan_is_blank(q, eol))
            continue;
        if (memchr(q, ',', (size_t)(eol - q)) != NULL)
            return PT_FMT_CSV;
        while (q < eol) {
            const char *te = pt_scan_token_end(q, eol), *d = q;
            double v;
            while (d < te && pt_scan_is_digit(*d))
                d++;
            if (d > q && d < te && *d == ':' && pt_scan_num(d + 1, &v) == te)
                return PT_FMT_LIBSVM;
            q = te;
            while (q < eol && (pt_scan_blank_char(*q) || *q == '\r'))
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
    if (pt_scan_read_file(path, &buf, &len, &maplen, err) < 0)
        goto out;
    text = buf;
    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) { /* UTF-8 byte order mark */
        text += 3;
        len -= 3;
    }
    fmt = o->format != PT_FMT_AUTO ? o->format : detect(path, text, len);
    if (fmt == PT_FMT_LIBSVM && o->sep != 0) {
        pt_seterr(err, "%s: a field separator (--sep) applies to CSV; this is LIBSVM", path);
        goto out;
    }
    /* CSV looks for NUL bytes in parallel with counting its lines (pt_csv_load) */
    if (fmt == PT_FMT_LIBSVM && (nul = memchr(text, '\0', len)) != NULL) {
        pt_scan_nul_byte(err, path, pt_scan_count(text, nul, '\n') + 1);
        goto out;
    }
    ds = fmt == PT_FMT_LIBSVM ? pt_libsvm_load(path, text, len, o, err)
              : maplen > 0 ? pt_csv_load_mapped(path, text, len, o, err) /* pages dropped */
                           : pt_csv_load(path, text, len, o, err);
out:
    pt_scan_release(buf, maplen);
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
        free(ds->w);
    }
    free(ds->weight_name);
    free(ds->fold);
    free(ds->valid);
    pt_strv_free(ds->names, ds->features);
    free(ds->label_name);
    if (ds->kept_names != NULL)
        for (size_t k = 0; k < ds->nkept; k++)
            free(ds->kept_names[k]);
    free(ds->kept_names);
    free(ds->kept_text);
    free(ds->kept_off);
    free(ds->cat_size);
    free(ds->miss_col);
    pt_strv_free(ds->cat_names, ds->ncat);
    pt_strv_free(ds->label_values, ds->nlabel_values);
    free(ds);
    *pd = NULL;
}

/* ---------------------------------------------------------------- fingerprint */

uint64_t pt_dataset_row_hash(size_t r, const double *xr, size_t p, double y,
                             const int32_t *fold)
{
    uint64_t h = pt_hash64(PT_FNV_SEED ^ pt_mix64((uint64_t)r + 1), xr, p * sizeof(double));
    h = pt_hash64(h, &y, sizeof y);
    if (fold != NULL)
        h = pt_hash64(h, fold, sizeof *fold);
    return pt_mix64(h);
}

uint64_t pt_dataset_fp_finish(size_t rows, size_t features, int has_fold, uint64_t sum)
{
    uint64_t shape[3] = {rows, features, (uint64_t)has_fold};
    return pt_mix64(pt_hash64(PT_FNV_SEED, shape, sizeof shape) ^ sum);
}

uint64_t pt_dataset_weight_hash(size_t r, double w)
{
    return pt_mix64(pt_hash64(PT_FNV_SEED ^ pt_mix64(~(uint64_t)r), &w, sizeof w));
}

uint64_t pt_dataset_valid_hash(size_t r, int valid)
{
    return pt_mix64(pt_mix64((uint64_t)r * 0x9e3779b97f4a7c15ULL) ^ (valid ? 0x7456ULL : 0x6656ULL));
}

uint64_t pt_dataset_fingerprint(const pt_dataset_t *ds)
{
    uint64_t sum = 0;
    if (ds->fp_valid)
        return ds->fingerprint;
    for (size_t r = 0; r < ds->rows; r++)
        sum += pt_dataset_row_hash(r, ds->x + r * ds->features, ds->features, ds->y[r],
                                   ds->fold ? &ds->fold[r] : NULL) +
               (ds->w != NULL ? pt_dataset_weight_hash(r, ds->w[r]) : 0) +
               (ds->valid != NULL ? pt_dataset_valid_hash(r, ds->valid[r]) : 0);
    return pt_dataset_fp_finish(ds->rows, ds->features, ds->fold != NULL, sum);
}
