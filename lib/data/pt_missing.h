/* pt_missing.h - missing feature values kept for the imputer stage, coded once at load time.
 *
 * With the imputer stage first in the pipeline a missing CSV feature is read as NaN
 * (pt_load_opts_t.impute); pt_missing_expand then stores each feature column that has a
 * missing value anywhere in the file as x0 (a missing value as 0) plus a 0/1 indicator column
 * m (1 where it was missing), the indicators appended after the features, named
 * "COLUMN?missing", in column order. The imputed column x0 + surrogate * m is then an affine
 * map of the stored columns (pt_stage_imputer.c), fit from their moments like any feature.
 */
#ifndef PT_MISSING_H
#define PT_MISSING_H

#include <stddef.h>

#include "pt_dataset.h"

/* Columns with missing values an image describes (pt_image.h), as PT_IMAGE_MAX_CAT. */
#define PT_MISSING_MAX 32

/* Widens ds (which owns its rows) as above: ds->nmiss, ds->miss_col (the feature index of
 * each indicator) set. 0; -EINVAL with "path: more than N columns with missing values"; or
 * -ENOMEM. */
int pt_missing_expand(pt_dataset_t *ds, const char *path, char *err);

/* For predict: the rows of x (n x p_num, NaN for a missing value) with each NaN replaced by
 * its column's surrogate, into y (n x (p_num + nmiss), the indicator columns 0: the
 * imputed value is already in place). */
void pt_missing_fill(const double *x, size_t n, size_t p_num, const double *surrogate,
                     size_t nmiss, double *y);

#endif
