/* pt_msg.c - coordinator/worker messages as msgpack maps, and the msgpack helpers they share
 * with the result log.
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

/* Largest magnitude at which every integer is exact in a double (param values are doubles). */
#define EXACT_INT_MAX 9007199254740992.0

static const char *const type_names[] = {
    [PT_MSG_HELLO] = "hello", [PT_MSG_JOB] = "job", [PT_MSG_RESULT] = "result",
    [PT_MSG_ERROR] = "error", [PT_MSG_STOP] = "stop",
};

const char *pt_msg_type_name(pt_msg_type_t t)
{
    if (t >= PT_MSG_HELLO && t <= PT_MSG_STOP)
        return type_names[t];
    return "unknown";
}

/* ---- msgpack helpers ---- */

static int writer_write(void *data, const char *buf, size_t len)
{
    pt_msgpack_writer_t *w = data;
    if (w->failed)
        return -1;
    if (msgpack_sbuffer_write(w->sb, buf, len) != 0) {
        w->failed = 1;
        return -1;
    }
    return 0;
}

void pt_msgpack_writer_init(pt_msgpack_writer_t *w, msgpack_sbuffer *sb)
{
    w->sb = sb;
    w->failed = 0;
    msgpack_packer_init(&w->pk, w, writer_write);
}

void pt_msgpack_pack_str(msgpack_packer *pk, const char *s)
{
    size_t n;
    if (s == NULL) {
        msgpack_pack_nil(pk);
        return;
    }
    n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

const msgpack_object *pt_msgpack_map_get(const msgpack_object *o, const char *key)
{
    size_t klen = strlen(key);
    if (o == NULL || o->type != MSGPACK_OBJECT_MAP)
        return NULL;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == klen &&
            memcmp(k->via.str.ptr, key, klen) == 0)
            return &o->via.map.ptr[i].val;
    }
    return NULL;
}

const char *pt_msgpack_type_name(msgpack_object_type t)
{
    switch (t) {
    case MSGPACK_OBJECT_NIL: return "nil";
    case MSGPACK_OBJECT_BOOLEAN: return "bool";
    case MSGPACK_OBJECT_POSITIVE_INTEGER: return "positive integer";
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "negative integer";
    case MSGPACK_OBJECT_FLOAT32: return "float32";
    case MSGPACK_OBJECT_FLOAT64: return "float64";
    case MSGPACK_OBJECT_STR: return "str";
    case MSGPACK_OBJECT_ARRAY: return "array";
    case MSGPACK_OBJECT_MAP: return "map";
    case MSGPACK_OBJECT_BIN: return "bin";
    case MSGPACK_OBJECT_EXT: return "ext";
    }
    return "unknown type";
}

int pt_msgpack_to_int(const msgpack_object *v, const char *what, int64_t min, int64_t max,
                      int64_t *out, char *err)
{
    int64_t x;
    if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (v->via.u64 > (uint64_t)INT64_MAX)
            goto range;
        x = (int64_t)v->via.u64;
    } else if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        x = v->via.i64;
    } else {
        pt_seterr(err, "%s: expected an integer, got %s", what, pt_msgpack_type_name(v->type));
        return -EBADMSG;
    }
    if (x < min || x > max)
        goto range;
    *out = x;
    return 0;
range:
    pt_seterr(err, "%s: integer out of range [%lld, %lld]", what, (long long)min,
              (long long)max);
    return -EBADMSG;
}

int pt_msgpack_to_double(const msgpack_object *v, const char *what, double *out, char *err)
{
    switch (v->type) {
    case MSGPACK_OBJECT_FLOAT32: /* msgpack-c widens float32 into via.f64 */
    case MSGPACK_OBJECT_FLOAT64:
        *out = v->via.f64;
        return 0;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        *out = (double)v->via.u64;
        return 0;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        *out = (double)v->via.i64;
        return 0;
    default:
        pt_seterr(err, "%s: expected a number, got %s", what, pt_msgpack_type_name(v->type));
        return -EBADMSG;
    }
}

int pt_msgpack_to_str(const msgpack_object *v, const char *what, char **out, char *err)
{
    char *s;
    if (v->type != MSGPACK_OBJECT_STR) {
        pt_seterr(err, "%s: expected str, got %s", what, pt_msgpack_type_name(v->type));
        return -EBADMSG;
    }
    if (v->via.str.size > 0 && memchr(v->via.str.ptr, '\0', v->via.str.size) != NULL) {
        pt_seterr(err, "%s: string contains a NUL byte", what);
        return -EBADMSG;
    }
    s = malloc((size_t)v->via.str.size + 1);
    if (s == NULL) {
        pt_seterr(err, "%s: out of memory", what);
        return -ENOMEM;
    }
    if (v->via.str.size > 0)
        memcpy(s, v->via.str.ptr, v->via.str.size);
    s[v->via.str.size] = '\0';
    *out = s;
    return 0;
}

/* The field key of map o, or NULL with "missing field 'key'" in err. */
static const msgpack_object *need(const msgpack_object *o, const char *key, char *err)
{
    const msgpack_object *v = pt_msgpack_map_get(o, key);
    if (v == NULL)
        pt_seterr(err, "missing field '%s'", key);
    return v;
}

/* what names the field in a reason; it is formatted only when there is one to give (a
 * message holds several fields, and this runs for every job). Keys are short. */
#define FIELD_WHAT(what, key) snprintf(what, sizeof what, "field '%.400s'", key)

int pt_msgpack_get_int(const msgpack_object *o, const char *key, int64_t min, int64_t max,
                       int64_t *out, char *err)
{
    char what[PT_ERRLEN];
    const msgpack_object *v = need(o, key, err);
    if (v == NULL)
        return -EBADMSG;
    if (pt_msgpack_to_int(v, "", min, max, out, NULL) == 0)
        return 0;
    FIELD_WHAT(what, key);
    return pt_msgpack_to_int(v, what, min, max, out, err);
}

int pt_msgpack_get_uint(const msgpack_object *o, const char *key, uint64_t *out, char *err)
{
    char what[PT_ERRLEN];
    const msgpack_object *v = need(o, key, err);
    if (v == NULL)
        return -EBADMSG;
    FIELD_WHAT(what, key);
    if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        *out = v->via.u64;
        return 0;
    }
    if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER && v->via.i64 >= 0) {
        *out = (uint64_t)v->via.i64;
        return 0;
    }
    if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        pt_seterr(err, "%s: expected a non-negative integer, got %lld", what,
                  (long long)v->via.i64);
    else
        pt_seterr(err, "%s: expected an integer, got %s", what, pt_msgpack_type_name(v->type));
    return -EBADMSG;
}

int pt_msgpack_get_double(const msgpack_object *o, const char *key, double *out, char *err)
{
    char what[PT_ERRLEN];
    const msgpack_object *v = need(o, key, err);
    if (v == NULL)
        return -EBADMSG;
    if (pt_msgpack_to_double(v, "", out, NULL) == 0)
        return 0;
    FIELD_WHAT(what, key);
    return pt_msgpack_to_double(v, what, out, err);
}

int pt_msgpack_get_bool(const msgpack_object *o, const char *key, int *out, char *err)
{
    char what[PT_ERRLEN];
    const msgpack_object *v = need(o, key, err);
    if (v == NULL)
        return -EBADMSG;
    if (v->type != MSGPACK_OBJECT_BOOLEAN) {
        FIELD_WHAT(what, key);
        pt_seterr(err, "%s: expected bool, got %s", what, pt_msgpack_type_name(v->type));
        return -EBADMSG;
    }
    *out = v->via.boolean ? 1 : 0;
    return 0;
}

int pt_msgpack_get_str(const msgpack_object *o, const char *key, char **out, char *err)
{
    char what[PT_ERRLEN];
    const msgpack_object *v = need(o, key, err);
    if (v == NULL)
        return -EBADMSG;
    if (pt_msgpack_to_str(v, "", out, NULL) == 0)
        return 0;
    FIELD_WHAT(what, key);
    return pt_msgpack_to_str(v, what, out, err);
}

const msgpack_object *pt_msgpack_get_obj(const msgpack_object *o, const char *key,
                                         msgpack_object_type type, char *err)
{
    char what[PT_ERRLEN];
    const msgpack_object *v = need(o, key, err);
    if (v != NULL && v->type != type) {
        FIELD_WHAT(what, key);
        pt_seterr(err, "%s: expected %s, got %s", what, pt_msgpack_type_name(type),
                  pt_msgpack_type_name(v->type));
        return NULL;
    }
    return v;
}

int pt_msgpack_get_strs(const msgpack_object *o, const char *key, char ***out, size_t *n,
                        char *err)
{
    const msgpack_object *a = pt_msgpack_get_obj(o, key, MSGPACK_OBJECT_ARRAY, err);
    *out = NULL;
    *n = 0;
    if (a == NULL)
        return -EBADMSG;
    if (a->via.array.size == 0)
        return 0;
    if ((*out = calloc(a->via.array.size, sizeof **out)) == NULL) {
        pt_seterr(err, "field '%.400s': out of memory", key);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < a->via.array.size; i++) {
        char what[PT_ERRLEN];
        int rc;
        pt_seterr(what, "field '%.400s'[%u]", key, (unsigned)i);
        if ((rc = pt_msgpack_to_str(&a->via.array.ptr[i], what, &(*out)[i], err)) != 0)
            return rc;
        *n = i + 1;
    }
    return 0;
}

void pt_msgpack_pack_params(msgpack_packer *pk, const pt_paramlist_t *l)
{
    msgpack_pack_map(pk, l->n);
    for (size_t i = 0; i < l->n; i++) {
        const pt_value_t *v = &l->items[i].val;
        pt_msgpack_pack_str(pk, l->items[i].key);
        switch (v->type) {
        case PT_VAL_INT:
            /* ints are integral doubles; one outside int64 can only be a caller's bug, and
             * the cast would be undefined, so it goes out as a float */
            if (v->num >= -9223372036854775808.0 && v->num < 9223372036854775808.0)
                msgpack_pack_int64(pk, (int64_t)v->num);
            else
                msgpack_pack_double(pk, v->num);
            break;
        case PT_VAL_DOUBLE:
            msgpack_pack_double(pk, v->num);
            break;
        case PT_VAL_BOOL:
            if (v->num != 0)
                msgpack_pack_true(pk);
            else
                msgpack_pack_false(pk);
            break;
        case PT_VAL_STRING:
            pt_msgpack_pack_str(pk, v->str != NULL ? v->str : "");
            break;
        default:
            msgpack_pack_nil(pk); /* an invalid type; the decoder will refuse it */
            break;
        }
    }
}

int pt_msgpack_unpack_params(const msgpack_object *o, pt_paramlist_t *l, char *err)
{
    char *key = NULL;
    pt_value_t val = {0};
    int rc = 0;

    if (o->type != MSGPACK_OBJECT_MAP) {
        pt_seterr(err, "expected a map, got %s", pt_msgpack_type_name(o->type));
        return -EBADMSG;
    }
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key;
        const msgpack_object *v = &o->via.map.ptr[i].val;

        rc = pt_msgpack_to_str(k, "key", &key, err);
        if (rc != 0)
            goto out;
        for (uint32_t j = 0; j < i; j++) {
            const msgpack_object *kj = &o->via.map.ptr[j].key;
            if (kj->via.str.size == k->via.str.size &&
                memcmp(kj->via.str.ptr, k->via.str.ptr, k->via.str.size) == 0) {
                pt_seterr(err, "duplicate key '%.400s'", key);
                rc = -EBADMSG;
                goto out;
            }
        }
        val.str = NULL;
        switch (v->type) {
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
        case MSGPACK_OBJECT_NEGATIVE_INTEGER:
            val.type = PT_VAL_INT;
            val.num = v->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (double)v->via.u64
                                                                  : (double)v->via.i64;
            if (fabs(val.num) > EXACT_INT_MAX) {
                pt_seterr(err, "'%.400s': integer too large to hold exactly", key);
                rc = -EBADMSG;
                goto out;
            }
            break;
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64:
            val.type = PT_VAL_DOUBLE;
            val.num = v->via.f64;
            break;
        case MSGPACK_OBJECT_BOOLEAN:
            val.type = PT_VAL_BOOL;
            val.num = v->via.boolean ? 1 : 0;
            break;
        case MSGPACK_OBJECT_STR: {
            char what[PT_ERRLEN];
            pt_seterr(what, "'%.400s'", key);
            val.type = PT_VAL_STRING;
            val.num = 0;
            rc = pt_msgpack_to_str(v, what, &val.str, err);
            if (rc != 0)
                goto out;
            break;
        }
        default:
            pt_seterr(err, "'%.400s': expected int, float, bool or str, got %s", key,
                      pt_msgpack_type_name(v->type));
            rc = -EBADMSG;
            goto out;
        }
        rc = pt_paramlist_set(l, key, &val);
        if (rc != 0) {
            pt_seterr(err, "out of memory");
            goto out;
        }
        free(key);
        free(val.str);
        key = NULL;
        val.str = NULL;
    }
out:
    free(key);
    free(val.str);
    return rc;
}

/* ---- messages ---- */

/* Packs the fields job, result and error share. */
static void pack_job_ids(msgpack_packer *pk, const pt_msg_t *m)
{
    pt_msgpack_pack_str(pk, "job_id");
    msgpack_pack_int64(pk, m->job_id);
    pt_msgpack_pack_str(pk, "param_index");
    msgpack_pack_int32(pk, m->param_index);
    pt_msgpack_pack_str(pk, "fold");
    msgpack_pack_int32(pk, m->fold);
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
        pt_msgpack_pack_str(pk, "type");
        pt_msgpack_pack_str(pk, "hello");
        pt_msgpack_pack_str(pk, "pid");
        msgpack_pack_int32(pk, m->pid);
        break;
    case PT_MSG_JOB:
        msgpack_pack_map(pk, 7 + (m->threads > 1) + (m->ncpus > 0));
        pt_msgpack_pack_str(pk, "type");
        pt_msgpack_pack_str(pk, "job");
        pack_job_ids(pk, m);
        pt_msgpack_pack_str(pk, "attempt");
        msgpack_pack_int32(pk, m->attempt);
        pt_msgpack_pack_str(pk, "stages");
        msgpack_pack_array(pk, m->nstages);
        for (size_t i = 0; i < m->nstages; i++)
            pt_msgpack_pack_str(pk, m->stages[i] != NULL ? m->stages[i] : "");
        pt_msgpack_pack_str(pk, "params");
        pt_msgpack_pack_params(pk, &m->params);
        if (m->threads > 1) {
            pt_msgpack_pack_str(pk, "threads");
            msgpack_pack_int32(pk, m->threads);
        }
        if (m->ncpus > 0) {
            pt_msgpack_pack_str(pk, "cpus");
            msgpack_pack_array(pk, m->ncpus);
            for (size_t i = 0; i < m->ncpus; i++)
                msgpack_pack_int32(pk, m->cpus[i]);
        }
        break;
    case PT_MSG_RESULT:
        msgpack_pack_map(pk, 7 + (m->model != NULL) + (m->not_converged != 0));
        pt_msgpack_pack_str(pk, "type");
        pt_msgpack_pack_str(pk, "result");
        pack_job_ids(pk, m);
        pt_msgpack_pack_str(pk, "metric");
        msgpack_pack_double(pk, m->metric);
        pt_msgpack_pack_str(pk, "fit_seconds");
        msgpack_pack_double(pk, m->fit_seconds);
        pt_msgpack_pack_str(pk, "eval_seconds");
        msgpack_pack_double(pk, m->eval_seconds);
        if (m->model != NULL) {
            pt_msgpack_pack_str(pk, "model");
            msgpack_pack_bin(pk, m->model_len);
            msgpack_pack_bin_body(pk, m->model, m->model_len);
        }
        if (m->not_converged) {
            pt_msgpack_pack_str(pk, "converged");
            msgpack_pack_false(pk);
        }
        break;
    case PT_MSG_ERROR:
        msgpack_pack_map(pk, 5);
        pt_msgpack_pack_str(pk, "type");
        pt_msgpack_pack_str(pk, "error");
        pack_job_ids(pk, m);
        pt_msgpack_pack_str(pk, "error");
        pt_msgpack_pack_str(pk, m->error != NULL ? m->error : "");
        break;
    case PT_MSG_STOP:
        msgpack_pack_map(pk, 1);
        pt_msgpack_pack_str(pk, "type");
        pt_msgpack_pack_str(pk, "stop");
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
    if ((rc = pt_msgpack_get_int(o, "param_index", INT32_MIN, INT32_MAX, &v, err)) != 0)
        return rc;
    m->param_index = (int32_t)v;
    if ((rc = pt_msgpack_get_int(o, "fold", INT32_MIN, INT32_MAX, &v, err)) != 0)
        return rc;
    m->fold = (int32_t)v;
    return 0;
}

static int decode_job(const msgpack_object *o, pt_msg_t *m, char *err)
{
    const msgpack_object *pa;
    char why[PT_ERRLEN];
    int rc = decode_job_ids(o, m, err);
    m->attempt = 1;
    if (rc == 0 && pt_msgpack_map_get(o, "attempt") != NULL) {
        int64_t v;
        rc = pt_msgpack_get_int(o, "attempt", 0, INT32_MAX, &v, err);
        m->attempt = (int32_t)v;
    }
    m->threads = 1;
    if (rc == 0 && pt_msgpack_map_get(o, "threads") != NULL) {
        int64_t v;
        rc = pt_msgpack_get_int(o, "threads", 1, 4096, &v, err);
        m->threads = (int32_t)v;
    }
    if (rc == 0 && pt_msgpack_map_get(o, "cpus") != NULL) {
        const msgpack_object *a = pt_msgpack_get_obj(o, "cpus", MSGPACK_OBJECT_ARRAY, err);
        if (a == NULL)
            return -EBADMSG;
        if (a->via.array.size > 0 &&
            (m->cpus = calloc(a->via.array.size, sizeof *m->cpus)) == NULL) {
            pt_seterr(err, "field 'cpus': out of memory");
            return -ENOMEM;
        }
        for (size_t i = 0; i < a->via.array.size; i++) {
            int64_t v;
            if ((rc = pt_msgpack_to_int(&a->via.array.ptr[i], "field 'cpus'", 0, 1 << 20, &v,
                                        err)) != 0)
                return rc;
            m->cpus[m->ncpus++] = (int32_t)v;
        }
    }
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

static int decode_result(const msgpack_object *o, pt_msg_t *m, char *err)
{
    const msgpack_object *mo;
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
    int64_t pid;
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
        rc = pt_msgpack_get_int(o, "pid", INT32_MIN, INT32_MAX, &pid, err);
        if (rc == 0)
            m->pid = (int32_t)pid;
        return rc;
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
    switch (msgpack_unpack_next(&u, buf, len, &off)) {
    case MSGPACK_UNPACK_SUCCESS:
    case MSGPACK_UNPACK_EXTRA_BYTES:
        break;
    case MSGPACK_UNPACK_CONTINUE:
        pt_seterr(err, "truncated message (%zu bytes)", len);
        rc = -EBADMSG;
        goto out;
    case MSGPACK_UNPACK_NOMEM_ERROR:
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
    for (size_t i = 0; i < m->nstages; i++)
        free(m->stages[i]);
    free(m->stages);
    pt_paramlist_free(&m->params);
    free(m->model);
    free(m->cpus);
    free(m->error);
    memset(m, 0, sizeof *m);
}
