/* pt_dataset.h - a labelled dataset in memory, loaded from CSV or LIBSVM text.
 *
 * The coordinator loads the data once with pt_dataset_load, validates it, and copies it into
 * the shared-memory image (pt_image). The formats are modules of their own: pt_scan (text and
 * numbers), pt_csv (CSV loader and writer), pt_libsvm; synthetic data is pt_synth. Every error names the file and line and what is wrong,
 * e.g. "data.csv:17: expected 101 fields, found 99".
 */
#ifndef PT_DATASET_H
#define PT_DATASET_H

#include <stddef.h>
#include <stdint.h>

typedef enum { PT_FMT_AUTO = 0, PT_FMT_CSV, PT_FMT_LIBSVM } pt_format_t;

typedef struct {
    size_t rows;
    size_t features;
    double *x;          /* rows x features, row-major, all finite */
    double *y;          /* rows labels, all finite */
    int32_t *fold;      /* rows fold ids from the fold column, or NULL when none was asked */
    double *w;          /* rows weights from the weight column (finite, >= 0), or NULL when
                           none was asked (every row weighs 1); borrowed with x and y */
    char *weight_name;  /* the weight column's name, or NULL */
    uint8_t *valid;     /* rows (the file's order, as fold) of the validation indicator
                           column (valid_col): 1 true, 0 false; NULL when none was asked */
    char **names;       /* features column names (CSV header; "f1".."fN" for LIBSVM) */
    char *label_name;   /* the label column's name ("label" for LIBSVM) */
    size_t nkept;       /* CSV columns copied as text (pt_load_opts_t.keep_cols), in that order */
    char **kept_names;  /* nkept names */
    char *kept_text;    /* the kept fields, NUL-terminated one after another ... */
    size_t *kept_off;   /* ... field k of file row r at kept_text + kept_off[r * nkept + k] */
    size_t ncat;        /* categorical columns (pt_categorical.h): the last sum(cat_size)
                           features before the nmiss missing-value indicators are their
                           indicator columns */
    size_t *cat_size;   /* ncat: distinct values of each */
    char **cat_names;   /* ncat: their column names */
    uint64_t cat_missing; /* bit k: categorical column k has a missing value, whose indicator
                             is its last one, named "COL?missing" (pt_categorical.h) */
    size_t nmiss;       /* indicator columns of missing values (pt_missing.h): the last
                           nmiss features; 0 without the imputer */
    size_t *miss_col;   /* nmiss: the feature each indicator belongs to */
    char **label_values; /* class names of a text label (pt_categorical_label), in class-id
                            order; NULL for a numeric label */
    size_t nlabel_values;
    pt_format_t format; /* the format actually read */
    int borrowed;       /* x and y belong to the caller's pt_load_opts_t.place: not freed */
    char sep;           /* CSV: the field separator read (',', ';', '\t' or '|'); else 0 */
    int fp_valid;       /* fingerprint holds pt_dataset_fingerprint (computed while parsing) */
    uint64_t fingerprint;
} pt_dataset_t;

/* Where pt_dataset_load puts the rows of a CSV file, for a caller that wants them in its own
 * memory (the coordinator: straight into the shared-memory image, in fold order). Called once
 * the row count is known, before any row is parsed. Sets *x (rows x features) and *y (rows),
 * *w (rows) when w is not NULL (the file has a weight column), and *pos: NULL for the file's
 * order, or pos[r] = the index where row r goes (a permutation of 0..rows-1, valid until the
 * load returns). Returns 0, or non-zero with the reason in err, which fails the load with
 * that message. The dataset's x, y and w are then borrowed. */
typedef int (*pt_place_fn)(void *arg, size_t rows, size_t features, double **x, double **y,
                           double **w, const size_t **pos, char *err);

typedef struct {
    pt_format_t format;   /* PT_FMT_AUTO: detect (see pt_dataset_load) */
    const char *label;    /* CSV label column name; NULL means "label" */
    const char *fold_col; /* CSV integer fold column, not a feature; NULL for none */
    const char *weight_col; /* CSV weight column (weightCol), not a feature; NULL for none */
    const char *valid_col; /* CSV boolean column (a boosted stage's validationIndicatorCol:
                              true, false, 1 or 0), not a feature; NULL for none */
    int num_folds;        /* when fold_col is set: every value must be in [0, num_folds) */
    size_t features;      /* LIBSVM: number of features; 0 means the largest index seen */
    int no_label;         /* CSV: read no label column (y is NaN; a column named like the
                             label is like any other), for `paratune predict` */
    /* CSV column selection (pt_columns.h; LIBSVM input ignores these: its features are
     * positional). At most one of feature_cols / ignore_cols; without either, every column
     * but the label, the fold and the weight column is a feature. */
    const char *const *feature_cols; /* the feature columns, by name */
    size_t nfeature_cols;
    const char *const *ignore_cols;  /* columns that are not features (nor parsed) */
    size_t nignore_cols;
    const char *features_from; /* who named feature_cols, for messages: NULL means the
                                  option --features; else e.g. "model m.msgpack" */
    int list_order;       /* features in feature_cols' order (the model's, for predict),
                             not the file's */
    const char *const *keep_cols; /* columns copied as text into the dataset (kept_*) */
    size_t nkeep_cols;
    int threads;          /* CSV: threads that parse the rows; 0 = one per CPU this process
                             may run on, at most 8, with at least 1 MiB of text each. The
                             dataset and any error message do not depend on it. */
    char sep;             /* CSV: the field separator, ',', ';', '\t' or '|'; 0: detected
                             from the header row (pt_csv_detect_sep). Refused for LIBSVM. */
    const char *missing;  /* CSV: the missing-value tokens, comma separated (pt_csv.h);
                             NULL: PT_CSV_MISSING */
    int impute;           /* CSV: 1: a missing feature is read as NaN (for the imputer
                             stage, pt_missing.h); 2: refused with the hint to add the
                             imputer (tune); 0: refused */
    pt_place_fn place;    /* CSV: where rows go (NULL: memory of the dataset's own) */
    void *place_arg;
    /* Both formats: called once the rows and features are known, before the feature matrix
     * is allocated (a LIBSVM index sets the width: a small file may ask for terabytes); a
     * non-zero return fails the load with the reason in err. NULL: none. */
    int (*check_size)(void *arg, size_t rows, size_t features, char *err);
    void *check_size_arg;
} pt_load_opts_t;

/* Loads path. Format detection (PT_FMT_AUTO): a ".libsvm"/".svm" suffix, or a first
 * non-blank, non-'#' line that holds no ',' and has a token of the form int:number, means
 * LIBSVM; anything else is CSV.
 *
 * CSV (RFC 4180): a header row, fields separated by sep (detected from the header row when
 * 0), LF or CRLF line ends, blanks around a field ignored. Any field may be in double quotes,
 * with separators, newlines and doubled quotes ("" for one) inside; a quoted number is a
 * number; a row ends at a newline outside quotes. The label column is found by name; the
 * features are the columns the selection names (pt_columns.h: by default every column but
 * the label and fold_col) and must be numeric; other columns are not parsed as numbers (a
 * skipped or kept field is only cut by the quoting rules, so any text is fine there). Errors
 * (each with file:line, the line where the row or field starts): a missing label or fold
 * column, a bad selection (pt_columns.h), a duplicate column name, a ragged row, a missing
 * value (empty, or a token of missing: "column C: missing value" / "missing label"), a
 * non-numeric or non-finite field, an empty fold field, a fold value that is not an integer in range,
 * a weight that is missing, not a number, not finite or negative
 * ("column W: negative weight -0.5"), no data
 * rows, an unterminated quote, a quote inside an unquoted field, text after a closing quote.
 *
 * LIBSVM: "label idx:val idx:val ...", 1-based strictly increasing indices, blank lines and
 * lines starting with '#' skipped; absent entries are 0. fold_col is refused for LIBSVM.
 *
 * Returns an owned dataset (free with pt_dataset_destroy) or NULL with the reason in err. */
pt_dataset_t *pt_dataset_load(const char *path, const pt_load_opts_t *opts, char *err);

/* The text of kept column k (pt_load_opts_t.keep_cols[k]) in file row r: borrowed from ds. */
static inline const char *pt_dataset_kept(const pt_dataset_t *ds, size_t r, size_t k)
{
    return ds->kept_text + ds->kept_off[r * ds->nkept + k];
}

/* An empty dataset of format fmt (every pointer NULL, no rows), for the loaders and
 * generators that fill one. Owned; NULL when out of memory. */
pt_dataset_t *pt_dataset_new(pt_format_t fmt);

/* Names the ds->features features of a dataset without a header "f<first>", "f<first+1>",
 * ... and its label "label" (ds->names and ds->label_name, which must be NULL). 0, or
 * -ENOMEM (what was allocated stays in ds, for pt_dataset_destroy). */
int pt_dataset_name_features(pt_dataset_t *ds, size_t first);

/* Frees everything the dataset owns; accepts NULL and *pd == NULL; sets *pd to NULL. */
void pt_dataset_destroy(pt_dataset_t **pd);

/* Fingerprint of the data (shape, features, labels and fold column; of a CSV, the columns
 * read only, not their names): a sum over rows of a hash of each row's values mixed with its line order, so it does not depend on where rows
 * are stored or which thread parsed them. CSV loads compute it while parsing (fp_valid). */
uint64_t pt_dataset_fingerprint(const pt_dataset_t *ds);

/* The fingerprint's pieces, for a loader that sums it while parsing: row r's share (its
 * values, label and fold id hashed, with r mixed in so that the same rows in another order
 * differ; fold NULL when there is no fold column), and the fingerprint from the sum of the
 * shares of all rows. */
uint64_t pt_dataset_row_hash(size_t r, const double *xr, size_t p, double y,
                             const int32_t *fold);
uint64_t pt_dataset_fp_finish(size_t rows, size_t features, int has_fold, uint64_t sum);
/* Row r's weight's share of the fingerprint, added to the row's share when the data has a
 * weight column (so that other weights make another fingerprint). */
uint64_t pt_dataset_weight_hash(size_t r, double w);
/* Row r's validation indicator's share of the fingerprint (the data has such a column). */
uint64_t pt_dataset_valid_hash(size_t r, int valid);

#endif
