/* pt_msg.c - the coordinator/worker protocol: messages as msgpack maps (helpers in pt_mpk).
 *
 * Encoding goes through a pt_msgpack_writer_t so that an allocation failure anywhere in a
 * nest of void pack helpers is seen once at the end. Decoding is strict about what it needs
 * (every required field present with the right msgpack type and in range, no trailing bytes)
 * and ignores keys it does not know, so that newer peers can add fields.
 */
#include "pt_msg.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"

static const char *const type_names[] = {
    [PT_MSG_HELLO] = "hello", [PT_MSG_JOB] = "job", [PT_MSG_RESULT] = "result",
    [PT_MSG_ERROR] = "error", [PT_MSG_STOP] = "stop",
};

static const char *const kind_names[] = {
    [PT_JOB_STATS] = "stats", [PT_JOB_FIT] = "fit", [PT_JOB_REFIT] = "refit",
    [PT_JOB_BINS] = "bins",
    [PT_JOB_OOF] = "oof",
};

const char *pt_job_kind_name(pt_job_kind_t k)
{
    if (k >= PT_JOB_STATS && k <= PT_JOB_KIND_MAX)
        return kind_names[k];
    return "unknown";
}

const char *pt_msg_type_name(pt_msg_type_t t)
{
    if (t >= PT_MSG_HELLO && t <= PT_MSG_STOP)
        return type_names[t];
    return "unknown";
}

static void pack_job_ids(msgpack_packer *pk, const pt_msg_t *m)
{
    pt_msgpack_kv_int(pk, "job_id", m->job_id);
    pt_msgpack_kv_int(pk, "param_index", m->param_index);
    pt_msgpack_kv_int(pk, "fold", m->fold);
}

/* key: an array of the n doubles of v. */
static void pack_doubles(msgpack_packer *pk, const char *key, const double *v, size_t n)
{
    pt_msgpack_pack_str(pk, key);
    msgpack_pack_array(pk, n);
    for (size_t i = 0; i < n; i++)
        msgpack_pack_double(pk, v[i]);
}

int pt_msg_encode(const pt_msg_t *m, msgpack_sbuffer *out)
{
    pt_msgpack_writer_t w;
    msgpack_packer *pk = &w.pk;
    size_t start = out->size;

    if (m->type < PT_MSG_HELLO || m->type > PT_MSG_STOP)
        return -EINVAL;
    pt_msgpack_writer_init(&w, out);
    switch (m->type) {
    case PT_MSG_HELLO:
        msgpack_pack_map(pk, 2);
        pt_msgpack_kv_str(pk, "type", "hello");
        pt_msgpack_kv_int(pk, "pid", m->pid);
        break;
    case PT_MSG_JOB:
        if (m->kind < PT_JOB_STATS || m->kind > PT_JOB_KIND_MAX)
            return -EINVAL;
        msgpack_pack_map(pk, 8 + (m->threads > 1) + (m->ncpus > 0) + (m->nshared > 0) +
                                 (m->nprefix > 0) + (m->nshared > 0 && m->path != NULL));
        pt_msgpack_kv_str(pk, "type", "job");
        pt_msgpack_kv_str(pk, "kind", kind_names[m->kind]);
        pack_job_ids(pk, m);
        pt_msgpack_kv_int(pk, "attempt", m->attempt);
        pt_msgpack_kv_strs(pk, "stages", m->stages, m->nstages);
        pt_msgpack_pack_str(pk, "params");
        pt_msgpack_pack_params(pk, &m->params);
        if (m->threads > 1)
            pt_msgpack_kv_int(pk, "threads", m->threads);
        if (m->ncpus > 0)
            pt_msgpack_kv_int32s(pk, "cpus", m->cpus, m->ncpus);
        if (m->nshared > 0)
            pt_msgpack_kv_int32s(pk, "shared", m->shared, 2 * m->nshared);
        if (m->nprefix > 0)
            pt_msgpack_kv_int32s(pk, "prefix", m->prefix, m->nprefix);
        if (m->nshared > 0 && m->path != NULL)
            pack_doubles(pk, "path", m->path, m->nshared);
        break;
    case PT_MSG_RESULT:
        msgpack_pack_map(pk, 7 + (m->model != NULL) + (m->not_converged != 0) +
                                 (m->nshared > 0) + (m->nmetrics > 0) + (m->iterations > 0) +
                                 (m->nshared > 0 && m->shared_nc != NULL));
        pt_msgpack_kv_str(pk, "type", "result");
        pack_job_ids(pk, m);
        pt_msgpack_kv_double(pk, "metric", m->metric);
        pt_msgpack_kv_double(pk, "fit_seconds", m->fit_seconds);
        pt_msgpack_kv_double(pk, "eval_seconds", m->eval_seconds);
        if (m->model != NULL) {
            pt_msgpack_pack_str(pk, "model");
            msgpack_pack_bin(pk, m->model_len);
            msgpack_pack_bin_body(pk, m->model, m->model_len);
        }
        if (m->not_converged)
            pt_msgpack_kv_bool(pk, "converged", 0);
        if (m->nshared > 0)
            pack_doubles(pk, "shared_metrics", m->shared_metrics, m->nshared);
        if (m->nmetrics > 0)
            pack_doubles(pk, "metrics", m->metrics, m->nmetrics);
        if (m->iterations > 0)
            pt_msgpack_kv_int(pk, "iterations", m->iterations);
        if (m->nshared > 0 && m->shared_nc != NULL)
            pt_msgpack_kv_int32s(pk, "shared_not_converged", m->shared_nc, m->nshared);
        break;
    case PT_MSG_ERROR:
        msgpack_pack_map(pk, 5);
        pt_msgpack_kv_str(pk, "type", "error");
        pack_job_ids(pk, m);
        pt_msgpack_kv_str(pk, "error", m->error != NULL ? m->error : "");
        break;
    case PT_MSG_STOP:
        msgpack_pack_map(pk, 1);
        pt_msgpack_kv_str(pk, "type", "stop");
        break;
    }
    if (w.failed) {
        out->size = start; /* drop the partial message, keep what the caller had */
        return -ENOMEM;
    }
    return 0;
}

static int decode_job_ids(const msgpack_object *o, pt_msg_t *m, char *err)
{
    int64_t v;
    int rc;
    if ((rc = pt_msgpack_get_int(o, "job_id", INT64_MIN, INT64_MAX, &v, err)) != 0)
        return rc;
    m->job_id = v;
    if ((rc = pt_msgpack_get_int32(o, "param_index", INT32_MIN, INT32_MAX, &m->param_index,
                                   err)) != 0)
        return rc;
    return pt_msgpack_get_int32(o, "fold", INT32_MIN, INT32_MAX, &m->fold, err);
}

/* The optional int32 array key of map o, each in [min, max], into a new *out of *n (the
 * caller frees; left NULL and 0 when absent). 0 or a negative errno with err. */
static int decode_int32s(const msgpack_object *o, const char *key, int64_t min, int64_t max,
                         int32_t **out, size_t *n, char *err)
{
    const msgpack_object *a;
    char what[48];
    int rc;
    if (pt_msgpack_map_get(o, key) == NULL)
        return 0;
    if ((a = pt_msgpack_get_obj(o, key, MSGPACK_OBJECT_ARRAY, err)) == NULL)
        return -EBADMSG;
    if (a->via.array.size > 0 && (*out = calloc(a->via.array.size, sizeof **out)) == NULL) {
        pt_seterr(err, "field '%s': out of memory", key);
        return -ENOMEM;
    }
    snprintf(what, sizeof what, "field '%s'", key);
    for (size_t i = 0; i < a->via.array.size; i++) {
        int64_t v;
        if ((rc = pt_msgpack_to_int(&a->via.array.ptr[i], what, min, max, &v, err)) != 0)
            return rc;
        (*out)[(*n)++] = (int32_t)v;
    }
    return 0;
}

static int get_doubles(const msgpack_object *o, const char *key, double **out, size_t *n,
                       char *err);

static int decode_job(const msgpack_object *o, pt_msg_t *m, char *err)
{
    const msgpack_object *pa;
    char why[PT_ERRLEN];
    char *kind = NULL;
    size_t npath = 0;
    int rc = decode_job_ids(o, m, err);
    if (rc == 0 && (rc = pt_msgpack_get_str(o, "kind", &kind, err)) == 0) {
        m->kind = 0;
        for (int k = PT_JOB_STATS; k <= PT_JOB_KIND_MAX; k++)
            if (strcmp(kind, kind_names[k]) == 0)
                m->kind = (pt_job_kind_t)k;
        if (m->kind == 0) {
            pt_seterr(err, "field 'kind': unknown job kind '%.64s'", kind);
            rc = -EBADMSG;
        }
        free(kind);
    }
    m->attempt = 1;
    if (rc == 0 && pt_msgpack_map_get(o, "attempt") != NULL)
        rc = pt_msgpack_get_int32(o, "attempt", 0, INT32_MAX, &m->attempt, err);
    m->threads = 1;
    if (rc == 0 && pt_msgpack_map_get(o, "threads") != NULL)
        rc = pt_msgpack_get_int32(o, "threads", 1, 4096, &m->threads, err);
    if (rc == 0)
        rc = decode_int32s(o, "cpus", 0, 1 << 20, &m->cpus, &m->ncpus, err);
    if (rc == 0 && (rc = decode_int32s(o, "shared", 0, INT32_MAX, &m->shared, &m->nshared,
                                       err)) == 0 && m->nshared % 2 != 0) {
        pt_seterr(err, "field 'shared': expected (map, trees) pairs");
        rc = -EBADMSG;
    }
    m->nshared /= 2;
    if (rc == 0 && (rc = get_doubles(o, "path", &m->path, &npath, err)) == 0 &&
        m->path != NULL && npath != m->nshared) {
        pt_seterr(err, "field 'path': expected %zu values, found %zu", m->nshared, npath);
        rc = -EBADMSG;
    }
    if (rc == 0)
        rc = decode_int32s(o, "prefix", 0, INT32_MAX, &m->prefix, &m->nprefix, err);
    if (rc == 0)
        rc = pt_msgpack_get_strs(o, "stages", &m->stages, &m->nstages, err);
    if (rc != 0)
        return rc;
    pa = pt_msgpack_map_get(o, "params");
    if (pa == NULL) {
        pt_seterr(err, "missing field 'params'");
        return -EBADMSG;
    }
    rc = pt_msgpack_unpack_params(pa, &m->params, why);
    if (rc != 0)
        pt_seterr(err, "field 'params': %s", why);
    return rc;
}

/* The optional array of numbers key of o into *out (owned, n values); absent: left alone.
 * 0, -EBADMSG or -ENOMEM with err. */
static int get_doubles(const msgpack_object *o, const char *key, double **out, size_t *n,
                       char *err)
{
    const msgpack_object *a;
    char what[64];
    int rc = 0;
    if (pt_msgpack_map_get(o, key) == NULL)
        return 0;
    if ((a = pt_msgpack_get_obj(o, key, MSGPACK_OBJECT_ARRAY, err)) == NULL)
        return -EBADMSG;
    if ((*out = calloc(a->via.array.size + 1, sizeof(double))) == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    snprintf(what, sizeof what, "field '%s'", key);
    for (size_t i = 0; rc == 0 && i < a->via.array.size; i++, (*n)++)
        rc = pt_msgpack_to_double(&a->via.array.ptr[i], what, &(*out)[i], err);
    return rc;
}

static int decode_result(const msgpack_object *o, pt_msg_t *m, char *err)
{
    const msgpack_object *mo;
    size_t nnc = 0;
    int rc = decode_job_ids(o, m, err);
    if (rc == 0)
        rc = pt_msgpack_get_double(o, "metric", &m->metric, err);
    if (rc == 0)
        rc = pt_msgpack_get_double(o, "fit_seconds", &m->fit_seconds, err);
    if (rc == 0)
        rc = pt_msgpack_get_double(o, "eval_seconds", &m->eval_seconds, err);
    if (rc == 0 && pt_msgpack_map_get(o, "converged") != NULL) {
        int conv;
        rc = pt_msgpack_get_bool(o, "converged", &conv, err);
        m->not_converged = !conv;
    }
    if (rc == 0)
        rc = get_doubles(o, "shared_metrics", &m->shared_metrics, &m->nshared, err);
    if (rc == 0)
        rc = get_doubles(o, "metrics", &m->metrics, &m->nmetrics, err);
    if (rc == 0 && pt_msgpack_map_get(o, "iterations") != NULL)
        rc = pt_msgpack_get_int32(o, "iterations", 0, INT32_MAX, &m->iterations, err);
    if (rc == 0 && (rc = decode_int32s(o, "shared_not_converged", 0, 1, &m->shared_nc, &nnc,
                                       err)) == 0 && m->shared_nc != NULL && nnc != m->nshared) {
        pt_seterr(err, "field 'shared_not_converged': expected %zu flags, found %zu",
                  m->nshared, nnc);
        rc = -EBADMSG;
    }
    if (rc != 0)
        return rc;
    mo = pt_msgpack_map_get(o, "model");
    /* model is optional; nil counts as absent (what other msgpack writers emit for None) */
    if (mo == NULL || mo->type == MSGPACK_OBJECT_NIL)
        return 0;
    if (mo->type != MSGPACK_OBJECT_BIN) {
        pt_seterr(err, "field 'model': expected bin, got %s", pt_msgpack_type_name(mo->type));
        return -EBADMSG;
    }
    /* an empty model stays non-NULL so that "present" survives the round trip */
    m->model = malloc(mo->via.bin.size > 0 ? mo->via.bin.size : 1);
    if (m->model == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    if (mo->via.bin.size > 0)
        memcpy(m->model, mo->via.bin.ptr, mo->via.bin.size);
    m->model_len = mo->via.bin.size;
    return 0;
}

static int decode_fields(const msgpack_object *o, pt_msg_t *m, char *err)
{
    const msgpack_object *t = pt_msgpack_map_get(o, "type");
    int rc;

    if (t == NULL) {
        pt_seterr(err, "missing field 'type'");
        return -EBADMSG;
    }
    if (t->type != MSGPACK_OBJECT_STR) {
        pt_seterr(err, "field 'type': expected str, got %s", pt_msgpack_type_name(t->type));
        return -EBADMSG;
    }
    for (int i = PT_MSG_HELLO; i <= PT_MSG_STOP; i++) {
        size_t n = strlen(type_names[i]);
        if (t->via.str.size == n && memcmp(t->via.str.ptr, type_names[i], n) == 0)
            m->type = (pt_msg_type_t)i;
    }
    switch (m->type) {
    case PT_MSG_HELLO:
        return pt_msgpack_get_int32(o, "pid", INT32_MIN, INT32_MAX, &m->pid, err);
    case PT_MSG_JOB:
        return decode_job(o, m, err);
    case PT_MSG_RESULT:
        return decode_result(o, m, err);
    case PT_MSG_ERROR:
        rc = decode_job_ids(o, m, err);
        return rc != 0 ? rc : pt_msgpack_get_str(o, "error", &m->error, err);
    case PT_MSG_STOP:
        return 0;
    }
    pt_seterr(err, "unknown message type '%.*s'",
              (int)(t->via.str.size > 64 ? 64 : t->via.str.size), t->via.str.ptr);
    return -EBADMSG;
}

int pt_msg_decode(const void *buf, size_t len, pt_msg_t *m, char *err)
{
    msgpack_unpacked u;
    size_t off = 0;
    int rc;

    memset(m, 0, sizeof *m);
    msgpack_unpacked_init(&u);
    if (len == 0) {
        pt_seterr(err, "empty message");
        rc = -EBADMSG;
        goto out;
    }
    /* bounded: a declared str/bin length or array/map count is checked against the bytes
     * that remain before msgpack-c allocates for it */
    switch (pt_msgpack_unpack_bounded(&u, buf, len, &off)) {
    case 0:
        break;
    case -EAGAIN:
        pt_seterr(err, "truncated message (%zu bytes: a declared length runs past its end)",
                  len);
        rc = -EBADMSG;
        goto out;
    case -ENOMEM:
        pt_seterr(err, "out of memory decoding a message of %zu bytes", len);
        rc = -EBADMSG;
        goto out;
    default:
        pt_seterr(err, "not valid msgpack");
        rc = -EBADMSG;
        goto out;
    }
    if (off != len) {
        pt_seterr(err, "%zu trailing bytes after the message", len - off);
        rc = -EBADMSG;
        goto out;
    }
    if (u.data.type != MSGPACK_OBJECT_MAP) {
        pt_seterr(err, "not a map (got %s)", pt_msgpack_type_name(u.data.type));
        rc = -EBADMSG;
        goto out;
    }
    rc = decode_fields(&u.data, m, err);
    if (rc == -ENOMEM)
        rc = -EBADMSG; /* the contract has one failure code; the reason says what happened */
out:
    msgpack_unpacked_destroy(&u);
    return rc;
}

void pt_msg_clear(pt_msg_t *m)
{
    pt_strv_free(m->stages, m->nstages);
    pt_paramlist_free(&m->params);
    free(m->model);
    free(m->cpus);
    free(m->shared);
    free(m->prefix);
    free(m->shared_metrics);
    free(m->path);
    free(m->shared_nc);
    free(m->metrics);
    free(m->error);
    memset(m, 0, sizeof *m);
}
