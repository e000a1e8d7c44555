/* pt_model.c - the model file: writing it whole, reading it back and checking it.
 *
 * The pipeline part is written by the refit job (pt_fitted_pack) and copied in as bytes,
 * so the file holds exactly what the worker fitted; reading hands it to pt_fitted_unpack.
 * The refusals keep the wording predict has always printed: the e2e tests and users' scripts
 * look for "not a paratune model" and "model version N is not supported".
 */
#include "pt_model.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "pt_common.h"
#include "pt_file.h"
#include "pt_logreg.h"
#include "pt_mpk.h"

int pt_model_write(const char *path, char *const *names, size_t nnames, const char *label,
                   long param_index, const pt_paramlist_t *params, const void *pipeline,
                   size_t pipeline_len, char *err)
{
    pt_model_cols_t none = {0};
    return pt_model_write_cols(path, names, nnames, label, param_index, params, pipeline,
                               pipeline_len, &none, err);
}

/* The imputer's missing-value indicators, which end the feature names, from a packed
 * pipeline (its stages' "missing_indicators"): their count, 0 without an imputer. */
static size_t model__nmiss(const void *pipeline, size_t len)
{
    msgpack_unpacked u;
    const msgpack_object *st;
    size_t n = 0, off = 0;
    msgpack_unpacked_init(&u);
    if (pt_msgpack_unpack_bounded(&u, (const char *)pipeline, len, &off) == 0 &&
        (st = pt_msgpack_map_get(&u.data, "stages")) != NULL &&
        st->type == MSGPACK_OBJECT_ARRAY)
        for (size_t s = 0; s < st->via.array.size; s++) {
            const msgpack_object *mi = pt_msgpack_map_get(&st->via.array.ptr[s],
                                                          "missing_indicators");
            if (mi != NULL && mi->type == MSGPACK_OBJECT_ARRAY)
                n = mi->via.array.size;
        }
    msgpack_unpacked_destroy(&u);
    return n;
}

/* 1 when the last of a categorical column's n indicator names ind is its missing value's,
 * "COL?missing" (pt_categorical.h), else 0. */
static int model__null_slot(char *const *ind, size_t n, const char *col)
{
    size_t len = strlen(col);
    return n > 0 && strncmp(ind[n - 1], col, len) == 0 &&
           strcmp(ind[n - 1] + len, "?missing") == 0;
}

/* "categorical": [{name, values, missing?: true (the column's last indicator is its missing
 * value's)}], the values cut from the indicator names "COL=VALUE" (the
 * last sum(size) of names but the nmiss missing-value indicators after them). */
static void model__pack_cats(msgpack_packer *pk, char *const *names, size_t nnames,
                             size_t nmiss, size_t ncat, char *const *cats, const size_t *size)
{
    size_t off = nnames - nmiss;
    for (size_t k = 0; k < ncat; k++)
        off -= size[k];
    pt_msgpack_pack_str(pk, "categorical");
    msgpack_pack_array(pk, ncat);
    for (size_t k = 0; k < ncat; k++) {
        size_t skip = strlen(cats[k]) + 1;
        int null = model__null_slot(names + off, size[k], cats[k]);
        msgpack_pack_map(pk, 2 + null);
        pt_msgpack_kv_str(pk, "name", cats[k]);
        pt_msgpack_pack_str(pk, "values");
        msgpack_pack_array(pk, size[k] - null);
        for (size_t v = 0; v < size[k] - null; v++)
            pt_msgpack_pack_str(pk, names[off + v] + skip);
        if (null)
            pt_msgpack_kv_bool(pk, "missing", 1);
        off += size[k];
    }
}

int pt_model_write_cols(const char *path, char *const *names, size_t nnames, const char *label,
                        long param_index, const pt_paramlist_t *params, const void *pipeline,
                        size_t pipeline_len, const pt_model_cols_t *cols, char *err)
{
    msgpack_sbuffer sb;
    pt_msgpack_writer_t w;
    msgpack_packer *pk = &w.pk;
    int rc;

    msgpack_sbuffer_init(&sb);
    pt_msgpack_writer_init(&w, &sb);
    msgpack_pack_map(pk, 8 + (cols->ncat > 0) + (cols->nlabels > 0) + /* + crc */
                             (cols->weight_col != NULL) + (cols->fold_model ? 1 : 0));
    pt_msgpack_kv_str(pk, "format", PT_MODEL_FORMAT);
    pt_msgpack_kv_int(pk, "version", PT_MODEL_VERSION);
    pt_msgpack_pack_str(pk, "feature_names");
    msgpack_pack_array(pk, nnames);
    for (size_t i = 0; i < nnames; i++)
        pt_msgpack_pack_str(pk, names[i]);
    pt_msgpack_kv_str(pk, "label", label);
    pt_msgpack_pack_str(pk, "param_index");
    msgpack_pack_long(pk, param_index);
    pt_msgpack_pack_str(pk, "params");
    pt_msgpack_pack_params(pk, params);
    if (cols->ncat > 0)
        model__pack_cats(pk, names, nnames, model__nmiss(pipeline, pipeline_len), cols->ncat,
                         cols->cats, cols->cat_size);
    if (cols->nlabels > 0)
        pt_msgpack_kv_strs(pk, "label_values", cols->label_values, cols->nlabels);
    if (cols->weight_col != NULL)
        pt_msgpack_kv_str(pk, "weight_col", cols->weight_col);
    if (cols->fold_model) /* a fold model of tune --keep-fold-models */
        pt_msgpack_kv_int(pk, "fold", cols->fold);
    pt_msgpack_pack_str(pk, "pipeline");
    if (!w.failed && msgpack_sbuffer_write(&sb, pipeline, pipeline_len) != 0)
        w.failed = 1;
    pt_msgpack_pack_crc(&w, 0);
    if (w.failed) {
        pt_seterr(err, "%s: out of memory", path);
        rc = -ENOMEM;
    } else {
        rc = pt_file_write_whole(path, sb.data, sb.size, err);
    }
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

/* The whole file into a new buffer *buf of *len bytes. 0 or a negative errno with err. */
static int model__slurp(const char *path, char **buf, size_t *len, char *err)
{
    FILE *f = fopen(path, "rb");
    int rc = 0;

    *buf = NULL;
    *len = 0;
    if (f == NULL) {
        rc = -errno;
        pt_seterr(err, "%s: cannot open: %s", path, strerror(errno));
        return rc;
    }
    for (;;) {
        char *nb = realloc(*buf, *len + 65536);
        size_t n;
        if (nb == NULL) {
            pt_seterr(err, "%s: out of memory", path);
            rc = -ENOMEM;
            break;
        }
        *buf = nb;
        n = fread(*buf + *len, 1, 65536, f);
        *len += n;
        if (n < 65536) {
            if (ferror(f)) {
                pt_seterr(err, "%s: read: %s", path, strerror(errno));
                rc = -EIO;
            }
            break;
        }
    }
    fclose(f);
    if (rc != 0) {
        free(*buf);
        *buf = NULL;
    }
    return rc;
}

/* The envelope: a msgpack map of format PT_MODEL_FORMAT, a version this code reads, and
 * nothing after it. 0 or -EBADMSG with err. */
static int model__envelope(const char *path, const msgpack_unpacked *u, int whole,
                           size_t trailing, char *err)
{
    char why[PT_ERRLEN] = "", *format = NULL;
    int64_t v;
    int ok;

    if (!whole || u->data.type != MSGPACK_OBJECT_MAP) {
        pt_seterr(err, "%s: not a paratune model (truncated, or not msgpack)", path);
        return -EBADMSG;
    }
    ok = pt_msgpack_get_str(&u->data, "format", &format, why) == 0 &&
         strcmp(format, PT_MODEL_FORMAT) == 0;
    free(format);
    if (!ok) {
        pt_seterr(err, "%s: not a paratune model (no format \"%s\")", path, PT_MODEL_FORMAT);
        return -EBADMSG;
    }
    if (pt_msgpack_get_int(&u->data, "version", 0, INT32_MAX, &v, why) != 0) {
        pt_seterr(err, "%s: not a valid paratune model: %s", path, why);
        return -EBADMSG;
    }
    if (v != PT_MODEL_VERSION) {
        pt_seterr(err, "%s: model version %lld is not supported (this paratune reads version "
                  "%d)", path, (long long)v, PT_MODEL_VERSION);
        return -EBADMSG;
    }
    if (trailing > 0) {
        pt_seterr(err, "%s: %zu bytes after the model (corrupt file)", path, trailing);
        return -EBADMSG;
    }
    return 0;
}

/* The optional "categorical" field of o into m: each column's name and count of values, the
 * values matching the indicator names "COL=VALUE" at the end of feature_names (before an
 * imputer's indicators; m->fit read). 0 or a negative errno with why. */
static int model__cats(const msgpack_object *o, pt_model_t *m, char *why)
{
    const msgpack_object *c = pt_msgpack_map_get(o, "categorical");
    size_t off = m->nnames, nmiss = 0;
    if (c == NULL)
        return 0;
    if (pt_fitted_imputer(m->fit, &nmiss) != NULL) /* its indicators end the names */
        off -= nmiss;
    if (c->type != MSGPACK_OBJECT_ARRAY || c->via.array.size == 0) {
        snprintf(why, PT_ERRLEN, "categorical: expected a non-empty array");
        return -EBADMSG;
    }
    m->ncat = c->via.array.size;
    if ((m->cat_names = calloc(m->ncat, sizeof *m->cat_names)) == NULL ||
        (m->cat_size = calloc(m->ncat, sizeof *m->cat_size)) == NULL)
        return -ENOMEM;
    for (size_t k = 0; k < m->ncat; k++) {
        const msgpack_object *e = &c->via.array.ptr[k];
        char **vals = NULL;
        int null = 0;
        int rc = e->type != MSGPACK_OBJECT_MAP ? -EBADMSG
                 : pt_msgpack_get_str(e, "name", &m->cat_names[k], why) != 0 ? -EBADMSG
                 : pt_msgpack_get_strs(e, "values", &vals, &m->cat_size[k], why);
        if (rc == 0 && pt_msgpack_map_get(e, "missing") != NULL &&
            pt_msgpack_get_bool(e, "missing", &null, why) != 0)
            rc = -EBADMSG;
        pt_strv_free(vals, m->cat_size[k]);
        m->cat_size[k] += (size_t)(rc == 0 && null); /* the missing value's slot, last */
        if (rc == 0 && (m->cat_size[k] == 0 || m->cat_size[k] > off))
            rc = -EBADMSG;
        if (rc != 0) {
            snprintf(why, PT_ERRLEN, "categorical[%zu]: expected {name, values}", k);
            return rc == -ENOMEM ? rc : -EBADMSG;
        }
        off -= m->cat_size[k];
    }
    m->cat_first = off;
    for (size_t k = 0, i = off; k < m->ncat; k++) /* COL=VALUE, as tune named them */
        for (size_t v = 0; v < m->cat_size[k]; v++, i++)
            if (strncmp(m->names[i], m->cat_names[k], strlen(m->cat_names[k])) != 0 ||
                (m->names[i][strlen(m->cat_names[k])] != '=' &&
                 !(v + 1 == m->cat_size[k] &&
                   model__null_slot(m->names + i - v, m->cat_size[k], m->cat_names[k])))) {
                snprintf(why, PT_ERRLEN, "feature_names[%zu] is not an indicator of \"%.60s\"",
                         i, m->cat_names[k]);
                return -EBADMSG;
            }
    return 0;
}

/* The top-level fields of a model file before checksums; a file without "crc" may hold only
 * these (see model__checksum). */
static const char *const model__legacy_keys[] = {
    "format", "version", "feature_names", "label", "param_index", "params", "categorical",
    "label_values", "weight_col", "pipeline",
};

/* The checksum of the model map o, the len bytes of buf, checked after its fields (so that a
 * field that is wrong is named even in a file edited by hand). A file written before
 * checksums has no "crc" and is read unverified; it may then hold only the fields those
 * files had, so that a damaged "crc" key (another name, then an unknown field) is not taken
 * for such a file. 0 or -EBADMSG with why. */
static int model__checksum(const msgpack_object *o, const char *buf, size_t len, char *why)
{
    int c = pt_msgpack_check_crc(buf, len, o, why);
    if (c < 0)
        return -EBADMSG;
    for (uint32_t i = 0; c == 0 && i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key;
        int known = 0;
        for (size_t j = 0; !known && j < sizeof model__legacy_keys / sizeof *model__legacy_keys;
             j++)
            known = k->type == MSGPACK_OBJECT_STR &&
                    k->via.str.size == strlen(model__legacy_keys[j]) &&
                    memcmp(k->via.str.ptr, model__legacy_keys[j], k->via.str.size) == 0;
        if (!known) {
            snprintf(why, PT_ERRLEN, "no checksum, and a field a model without one never had");
            return -EBADMSG;
        }
    }
    return 0;
}

/* The fields of a model map o into m. 0 or a negative errno with the reason in why. */
static int model__fields(const msgpack_object *o, pt_model_t *m, char *why)
{
    const msgpack_object *pl, *params;
    int64_t index;
    int rc;

    pl = pt_msgpack_get_obj(o, "pipeline", MSGPACK_OBJECT_MAP, why);
    if (pl == NULL)
        return -EBADMSG;
    if ((rc = pt_msgpack_get_strs(o, "feature_names", &m->names, &m->nnames, why)) != 0 ||
        (rc = pt_msgpack_get_str(o, "label", &m->label, why)) != 0 ||
        (rc = pt_fitted_unpack(pl, &m->fit, why)) != 0)
        return rc;
    if (pt_fitted_features(m->fit) != m->nnames) {
        snprintf(why, PT_ERRLEN, "%zu feature names for %zu features", m->nnames,
                 pt_fitted_features(m->fit));
        return -EBADMSG;
    }
    if (pt_msgpack_map_get(o, "label_values") != NULL &&
        ((rc = pt_msgpack_get_strs(o, "label_values", &m->label_values, &m->nlabel_values,
                                   why)) != 0 ||
         m->nlabel_values != pt_fitted_classes(m->fit))) {
        if (rc == 0)
            snprintf(why, PT_ERRLEN, "label_values: %zu names for %zu classes",
                     m->nlabel_values, pt_fitted_classes(m->fit));
        return rc != 0 ? rc : -EBADMSG;
    }
    if ((rc = model__cats(o, m, why)) != 0 ||
        (rc = pt_msgpack_get_int(o, "param_index", 0, INT64_MAX, &index, why)) != 0 ||
        (pt_msgpack_map_get(o, "weight_col") != NULL &&
         (rc = pt_msgpack_get_str(o, "weight_col", &m->weight_col, why)) != 0))
        return rc;
    m->param_index = (long)index;
    m->fold = -1;
    if (pt_msgpack_map_get(o, "fold") != NULL) {
        if ((rc = pt_msgpack_get_int(o, "fold", 0, INT32_MAX, &index, why)) != 0)
            return rc;
        m->fold = (long)index;
    }
    params = pt_msgpack_get_obj(o, "params", MSGPACK_OBJECT_MAP, why);
    if (params == NULL)
        return -EBADMSG;
    return pt_msgpack_unpack_params(params, &m->params, why);
}

int pt_model_read(const char *path, pt_model_t **out, char *err)
{
    pt_model_t *m = NULL;
    char *buf = NULL, why[PT_ERRLEN] = "";
    size_t len = 0, off = 0;
    msgpack_unpacked u;
    int rc, whole;

    *out = NULL;
    msgpack_unpacked_init(&u);
    if ((rc = model__slurp(path, &buf, &len, err)) != 0)
        goto out;
    /* bounded: no declared length or count is believed beyond the file's bytes */
    rc = pt_msgpack_unpack_bounded(&u, buf, len, &off);
    if (rc == -ENOMEM) {
        pt_seterr(err, "%s: out of memory", path);
        goto out;
    }
    whole = rc == 0;
    if ((rc = model__envelope(path, &u, whole, len - off, err)) != 0)
        goto out;
    m = calloc(1, sizeof *m);
    if (m == NULL) {
        rc = -ENOMEM;
        pt_seterr(err, "%s: out of memory", path);
        goto out;
    }
    if ((rc = model__fields(&u.data, m, why)) != 0) {
        if (rc == -ENOMEM)
            pt_seterr(err, "%s: out of memory", path);
        else
            pt_seterr(err, "%s: corrupt (not a valid paratune model: %s)", path, why);
        goto out;
    }
    if ((rc = model__checksum(&u.data, buf, off, why)) != 0) {
        pt_seterr(err, "%s: corrupt (%s)", path, why);
        goto out;
    }
    *out = m;
    m = NULL;
out:
    pt_model_destroy(&m);
    free(buf);
    msgpack_unpacked_destroy(&u);
    return rc;
}

int pt_model_from_pipeline(const void *pipeline, size_t len, size_t nnames, pt_model_t **out,
                           char *err)
{
    msgpack_unpacked u;
    size_t off = 0;
    char why[PT_ERRLEN] = "";
    pt_model_t *m = calloc(1, sizeof *m);
    int rc;

    *out = NULL;
    msgpack_unpacked_init(&u);
    if (m == NULL) {
        pt_seterr(err, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    m->nnames = nnames;
    m->fold = -1;
    rc = pt_msgpack_unpack_bounded(&u, (const char *)pipeline, len, &off);
    if (rc == -EAGAIN) /* cut short */
        rc = -EBADMSG;
    if (rc == 0 && (u.data.type != MSGPACK_OBJECT_MAP || off != len))
        rc = -EBADMSG;
    if (rc == 0)
        rc = pt_fitted_unpack(&u.data, &m->fit, why);
    if (rc == 0 && pt_fitted_features(m->fit) != nnames)
        rc = -EBADMSG;
    if (rc != 0) {
        pt_seterr(err, "a fitted pipeline that cannot be read back: %s",
                  why[0] ? why : rc == -ENOMEM ? "out of memory" : "not one msgpack map");
        goto out;
    }
    *out = m;
    m = NULL;
out:
    pt_model_destroy(&m);
    msgpack_unpacked_destroy(&u);
    return rc;
}

int pt_model_check_data(const pt_model_t *m, const char *model_path, const pt_dataset_t *ds,
                        const char *data_path, char *err)
{
    if (ds->features != m->nnames) {
        pt_seterr(err, "%s: %zu features, but the model %s was fit on %zu", data_path,
                  ds->features, model_path, m->nnames);
        return -EINVAL;
    }
    if (ds->format != PT_FMT_CSV)
        return 0;
    for (size_t j = 0; j < m->nnames; j++)
        if (strcmp(ds->names[j], m->names[j]) != 0) {
            pt_seterr(err, "%s: feature %zu is \"%.60s\", but the model %s was fit on "
                      "\"%.60s\" there", data_path, j + 1, ds->names[j], model_path,
                      m->names[j]);
            return -EINVAL;
        }
    return 0;
}

int pt_model_predict(const pt_model_t *m, const double *x, size_t n, double *pred,
                     double *prob)
{
    const double *coef;
    double icpt;
    if (pt_fitted_classes(m->fit) > 0 || pt_fitted_nonlinear(m->fit))
        return pt_fitted_predict(m->fit, x, n, pred, NULL, prob);
    /* One matrix product, as predict has always computed it (the worker's dgemv may round
     * the last bit differently, and a model's predictions must not change). */
    pt_fitted_linear(m->fit, &coef, &icpt);
    pt_logreg_margins(x, n, m->nnames, coef, &icpt, 1, pred);
    return 0;
}

void pt_model_destroy(pt_model_t **pm)
{
    pt_model_t *m;
    if (pm == NULL || *pm == NULL)
        return;
    m = *pm;
    pt_strv_free(m->names, m->nnames);
    pt_strv_free(m->cat_names, m->ncat);
    pt_strv_free(m->label_values, m->nlabel_values);
    free(m->weight_col);
    free(m->cat_size);
    free(m->label);
    pt_paramlist_free(&m->params);
    pt_fitted_destroy(&m->fit);
    free(m);
    *pm = NULL;
}
