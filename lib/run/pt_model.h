/* pt_model.h - the model file: the refit pipeline of a sweep, written by `tune --model-out`
 * and read by `predict`.
 *
 * One msgpack map (PT_MODEL_FORMAT, version PT_MODEL_VERSION):
 *   {format: "paratune-model", version: 1, feature_names: [str], label: str,
 *    param_index: int (the best map's index), params: {"stage.param": value} (every param of
 *    that map, defaults filled in), categorical?: [{name, values: [str], missing?: true}]
 *    (the categorical columns, their values in code order, and whether they had missing
 *    values, when there are some), label_values?: [str]
 *    (a classifier's class names, for a label of names), pipeline: the fitted
 *    pipeline as pt_fitted_pack writes it, crc: the CRC-32C of every byte before its value,
 *    a 5-byte uint32, last (pt_msgpack_pack_crc)}; a fold model (tune --keep-fold-models)
 * also has fold: int (the fold it did not see; param_index is its map)
 * written whole and durably (pt_file). Reading is bounded (pt_msgpack_unpack_bounded), checks
 * the format, the version and that nothing follows the map, then every field, and reads the
 * pipeline back with each stage's state (pt_fitted_unpack: each stage refuses values out of
 * range or not finite), then the checksum; a model file is refused with the reason, never
 * half read. A file without crc (written before checksums) is read unverified when it holds
 * only the fields such files had.
 */
#ifndef PT_MODEL_H
#define PT_MODEL_H

#include <stddef.h>

#include "pt_dataset.h"
#include "pt_pipeline.h"
#include "pt_value.h"

#define PT_MODEL_FORMAT "paratune-model"
#define PT_MODEL_VERSION 1

typedef struct {
    char **names;          /* the feature names, in the order the model takes them */
    size_t nnames;
    char *label;           /* the label column's name */
    long param_index;      /* the param map refit */
    pt_paramlist_t params; /* its params */
    pt_fitted_t *fit;      /* the fitted pipeline */
    size_t ncat;           /* categorical columns ("categorical"), 0 for none */
    char **cat_names;      /* ncat column names */
    size_t *cat_size;      /* ncat: indicators of each; the names from cat_first on,
                              "COL=VALUE", and last "COL?missing" for a column with missing
                              values ("missing": true) */
    size_t cat_first;
    char **label_values;   /* a classifier's class names ("label_values"), or NULL */
    size_t nlabel_values;
    char *weight_col;      /* the training's weight column ("weight_col"), or NULL */
    long fold;             /* a fold model's fold ("fold", tune --keep-fold-models: fit on
                              every fold but this one), or -1 for the refit's model */
} pt_model_t;

/* Writes the model file path (replacing it, durably: pt_file_write_whole) for the features
 * names[0..nnames), the label, the map param_index with its params, and pipeline, the
 * pipeline_len bytes of one msgpack map written by pt_fitted_pack (as a refit job returns
 * them). Returns 0 or a negative errno with the reason in err. */
int pt_model_write(const char *path, char *const *names, size_t nnames, const char *label,
                   long param_index, const pt_paramlist_t *params, const void *pipeline,
                   size_t pipeline_len, char *err);

/* The columns of the data beyond the features and the label, as the model file records them
 * (every field may be 0 / NULL). */
typedef struct {
    size_t ncat;               /* categorical columns cats[k] of cat_size[k] values (the last */
    char *const *cats;         /* names are their indicators, "COL=VALUE"): the map gets */
    const size_t *cat_size;    /* "categorical": [{name, values}] */
    char *const *label_values; /* a label of class names: "label_values", the nlabels names */
    size_t nlabels;            /* in class-id order */
    const char *weight_col;    /* the training's row weights (--weight-col): "weight_col";
                                  predict does not read it */
    int fold_model;            /* 1: a fold model, fit on every fold but `fold`: "fold" */
    long fold;
} pt_model_cols_t;

/* pt_model_write with the columns cols describes. */
int pt_model_write_cols(const char *path, char *const *names, size_t nnames, const char *label,
                        long param_index, const pt_paramlist_t *params, const void *pipeline,
                        size_t pipeline_len, const pt_model_cols_t *cols, char *err);

/* Reads and checks the model file path. On success *out is an owned model
 * (pt_model_destroy). Returns 0 or a negative errno with the reason in err, naming the
 * file: "cannot open: why"; "not a paratune model" (not msgpack, truncated, no format);
 * "model version N is not supported"; "bytes after the model"; "corrupt (not a valid
 * paratune model: what is wrong)"; "corrupt (checksum mismatch ...)"; *out is NULL then. */
int pt_model_read(const char *path, pt_model_t **out, char *err);

/* Checks that the data ds (read from data_path) has the model's features: as many, and for a
 * CSV the same names in the same order. 0 or -EINVAL with the reason in err naming both
 * files. */
int pt_model_check_data(const pt_model_t *m, const char *model_path, const pt_dataset_t *ds,
                        const char *data_path, char *err);

/* Predicts n rows of x (n x nnames, row-major): pred[n] the number, or the class id; for a
 * classifier (pt_fitted_classes(m->fit) = K > 0) prob (n x K) the class probabilities, as
 * Spark's LogisticRegressionModel. Returns 0 or -ENOMEM. */
int pt_model_predict(const pt_model_t *m, const double *x, size_t n, double *pred,
                     double *prob);

/* A model of nothing but the fitted pipeline in the len bytes of pipeline (as an oof or
 * refit job returns them; no names: nnames features), for pt_model_predict (tune --oof).
 * 0 with *out owned (pt_model_destroy), or -EBADMSG / -ENOMEM with err and *out NULL. */
int pt_model_from_pipeline(const void *pipeline, size_t len, size_t nnames, pt_model_t **out,
                           char *err);

void pt_model_destroy(pt_model_t **pm);

#endif
