/* pt_categorical.h - categorical CSV columns, coded once at load time as indicator columns.
 *
 * A column declared categorical (`paratune tune --categorical`) is read as text (its fields
 * are the dataset's kept columns) and replaced by its global indicator columns: one 0/1
 * column per distinct value seen anywhere in the file, in byte order of the values (so code
 * k is the k-th value alphabetically), named "COLUMN=VALUE". They follow the numeric
 * features, column after column in the order of the declaration. A fold's StringIndexer and
 * OneHotEncoder are then affine maps of these indicators (pt_stage_strindex.c), fit from
 * their moments like any feature.
 */
#ifndef PT_CATEGORICAL_H
#define PT_CATEGORICAL_H

#include <stddef.h>

#include "pt_dataset.h"

/* Distinct values allowed in one categorical column (its indicators are features, and the
 * moments hold features^2 numbers). */
#define PT_CAT_MAX_VALUES 256

/* Replaces the first nk kept columns of ds (which owns its rows: loaded without place; read
 * from the CSV file path) by their indicator columns added to ds->x, ds->names after the
 * numeric features (before the missing-value indicators, when pt_missing_expand ran: those
 * stay last) (ds->ncat,
 * ds->cat_size, ds->cat_names set; all kept text freed). 0; -EINVAL with "path:LINE: column
 * NAME: more than N distinct values ..." (LINE: the row where value N+1 first appears); or
 * -ENOMEM. */
int pt_categorical_expand(pt_dataset_t *ds, const char *path, size_t nk, char *err);
/* The same with missing values: a field of a categorical column that is missing (empty, or a
 * token of missing: pt_csv_is_missing; NULL: the default tokens) is refused as
 * "path:LINE: column C: missing value (...)" (pt_categorical_expand), or with allow_missing
 * coded as the column's missing value -- one more indicator after its values, named
 * "COL?missing", its bit set in ds->cat_missing -- which a stringIndexer never takes as a
 * label (Spark's null: handleInvalid decides). And the wide rows written where place says (pt_place_fn, called once with the wide
 * width: the shared-memory image), not into memory of ds's own: ds->x and ds->y are then
 * borrowed, and the fingerprint is computed on the way (fp_valid), as a CSV load into place
 * does. place NULL: pt_categorical_expand. Also -EIO (or place's negative code) with place's
 * reason when it fails. */
int pt_categorical_expand_into(pt_dataset_t *ds, const char *path, size_t nk,
                               const char *missing, int allow_missing, pt_place_fn place,
                               void *arg, char *err);

/* Class names: kept column k of ds (the label, read as text) indexed as Spark's label
 * StringIndexer, frequencyDesc over all rows, equal counts by the strings ascending: ds->y[r]
 * the class id, ds->label_values the names in class order, ds->label_name set when NULL.
 * At most PT_CAT_MAX_VALUES classes (-EINVAL with file:line as above); a missing label
 * (pt_csv_is_missing with the tokens missing, NULL: the default ones) refused as
 * "path:LINE: column C: missing label". 0 or a negative errno with err. */
int pt_categorical_label(pt_dataset_t *ds, const char *path, size_t k, const char *missing,
                         char *err);

/* For predict: appends to ds->x (which owns its rows) the indicator columns of a model's ncat
 * categorical columns cols[k], kept column kept[k] of ds, with size[k] values each; ind
 * holds the model's indicator names ("COL=VALUE", each column's in byte order of VALUE, as
 * pt_categorical_expand made them). A value the model does not have: every indicator 0
 * (stringIndexer's keep gives it index numLabels), or with unknown_error -EINVAL with
 * "path:LINE: column COL: category "V" is not among the model's ...". A missing value
 * (pt_csv_is_missing with missing) is not a value: with unknown_error refused as
 * "path:LINE: column COL: missing value (...)". When the model's last indicator of a column
 * is its missing value's ("COL?missing"), a missing or unknown value sets it instead of
 * leaving every indicator 0. The kept columns stay.
 * 0, -EINVAL or -ENOMEM. */
int pt_categorical_apply(pt_dataset_t *ds, const char *path, const size_t *kept, size_t ncat,
                         char *const *cols, const size_t *size, char *const *ind,
                         const char *missing, int unknown_error, char *err);

#endif
