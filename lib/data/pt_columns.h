/* pt_columns.h - which CSV column is what: a header's names mapped to roles by the load options.
 *
 * The load options (pt_load_opts_t) name the label, the fold column, the features
 * (feature_cols, `--features`: only these; ignore_cols, `--ignore`: every column but these;
 * neither: every column but the label and the fold column) and the columns copied as text
 * (keep_cols, `--keep`). pt_columns_map turns them and a file's header into one role per
 * column, which the CSV parser follows field by field: a feature's index, the label, the fold
 * column, or skipped (the field is not parsed at all, so an id or a name column does no harm).
 * Features are numbered in the file's order, or in feature_cols' order with list_order
 * (`paratune predict`: the model's order). The weight column (weight_col, `--weight-col`) is
 * one more role: never a feature, its values the rows' weights.
 */
#ifndef PT_COLUMNS_H
#define PT_COLUMNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pt_dataset.h"

#define PT_COL_SKIP (-1) /* not read */
#define PT_COL_LABEL (-2)
#define PT_COL_FOLD (-3)
#define PT_COL_WEIGHT (-4)
#define PT_COL_VALID (-5) /* the validation indicator column (valid_col) */

typedef struct {
    size_t ncols;
    int32_t *role;       /* ncols: feature index >= 0, or PT_COL_* */
    int32_t *keep;       /* ncols: index among the kept columns, or -1 */
    size_t nfeatures;
    size_t *feature_col; /* nfeatures: the column of feature i */
    size_t nkeep;
    size_t *keep_col;    /* nkeep: the column of kept text k (keep_cols' order) */
    ssize_t label, fold, weight; /* their columns, -1 when there is none */
    ssize_t valid;       /* the validation indicator's column, -1 when none */
} pt_columns_t;

/* Maps the header names[0..ncols) (unique, as pt_csv checks) of the CSV file path by the
 * options o into *c. Returns 0; -EINVAL with one line in err naming the option (or the
 * model, features_from) and the column: both feature_cols and ignore_cols, an empty name or
 * a name given twice in a list, a name that is not in the header (the header's names listed),
 * the label, the fold or the weight column among the features or the ignored columns, a
 * missing label (unless no_label), fold or weight column, two of these roles the same
 * column; or -ENOMEM. *c owns
 * its arrays: free with pt_columns_free, also after a failure. */
int pt_columns_map(const char *path, char *const *names, size_t ncols,
                   const pt_load_opts_t *o, pt_columns_t *c, char *err);

/* Frees what *c owns; accepts a zeroed or partly filled *c. */
void pt_columns_free(pt_columns_t *c);

/* Formats "a, b, c, ... (N more)" (at most 10 names, each cut for display) into dst. */
void pt_columns_list(char *dst, size_t cap, char *const *names, size_t n);

#endif
