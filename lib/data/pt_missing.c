/* pt_missing.c - x0 and missing-indicator columns for the imputer (pt_missing.h). */
#include "pt_missing.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"

int pt_missing_expand(pt_dataset_t *ds, const char *path, char *err)
{
    size_t p = ds->features, nm = 0, q;
    size_t *col = malloc((p ? p : 1) * sizeof *col);
    double *x;
    char **names;

    if (col == NULL)
        goto nomem;
    for (size_t j = 0; j < p; j++)
        for (size_t r = 0; r < ds->rows; r++)
            if (isnan(ds->x[r * p + j])) {
                col[nm++] = j;
                break;
            }
    if (nm > PT_MISSING_MAX) {
        free(col);
        pt_seterr(err, "%s: more than %d columns with missing values", path, PT_MISSING_MAX);
        return -EINVAL;
    }
    ds->miss_col = col;
    ds->nmiss = nm;
    if (nm == 0)
        return 0;
    q = p + nm;
    x = malloc(ds->rows * q * sizeof *x);
    names = realloc(ds->names, q * sizeof *names);
    if (names != NULL)
        ds->names = names;
    if (x == NULL || names == NULL) {
        free(x);
        goto nomem;
    }
    for (size_t k = 0; k < nm; k++) {
        size_t len = strlen(names[col[k]]) + sizeof "?missing";
        if ((names[p + k] = malloc(len)) == NULL) {
            for (size_t i = 0; i < k; i++)
                free(names[p + i]);
            free(x);
            goto nomem;
        }
        snprintf(names[p + k], len, "%s?missing", names[col[k]]);
    }
    for (size_t r = 0; r < ds->rows; r++) {
        double *xr = x + r * q;
        memcpy(xr, ds->x + r * p, p * sizeof *xr);
        for (size_t k = 0; k < nm; k++) {
            int miss = isnan(xr[col[k]]);
            xr[p + k] = miss ? 1.0 : 0.0;
            if (miss)
                xr[col[k]] = 0.0;
        }
    }
    free(ds->x);
    ds->x = x;
    ds->features = q;
    return 0;
nomem:
    pt_seterr(err, "out of memory");
    return -ENOMEM;
}

void pt_missing_fill(const double *x, size_t n, size_t p_num, const double *surrogate,
                     size_t nmiss, double *y)
{
    size_t q = p_num + nmiss;
    for (size_t r = 0; r < n; r++) {
        for (size_t j = 0; j < p_num; j++) {
            double v = x[r * p_num + j];
            y[r * q + j] = isnan(v) ? surrogate[j] : v;
        }
        for (size_t k = 0; k < nmiss; k++)
            y[r * q + p_num + k] = 0.0;
    }
}
