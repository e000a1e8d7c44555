/* pt_mpk.c - msgpack helpers shared by the worker protocol, the result log and the model
 * file: a packer that remembers a failed allocation, strict typed field reads with one-line
 * reasons, and param lists as msgpack maps.
 */
#include "pt_mpk.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_crc32c.h"

/* Largest magnitude at which every integer is exact in a double (param values are doubles). */
#define EXACT_INT_MAX 9007199254740992.0

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

void pt_msgpack_kv_str(msgpack_packer *pk, const char *key, const char *v)
{
    pt_msgpack_pack_str(pk, key);
    pt_msgpack_pack_str(pk, v);
}

void pt_msgpack_kv_double(msgpack_packer *pk, const char *key, double v)
{
    pt_msgpack_pack_str(pk, key);
    msgpack_pack_double(pk, v);
}

void pt_msgpack_kv_int(msgpack_packer *pk, const char *key, int64_t v)
{
    pt_msgpack_pack_str(pk, key);
    msgpack_pack_int64(pk, v);
}

void pt_msgpack_kv_uint(msgpack_packer *pk, const char *key, uint64_t v)
{
    pt_msgpack_pack_str(pk, key);
    msgpack_pack_uint64(pk, v);
}

void pt_msgpack_pack_bool(msgpack_packer *pk, int v)
{
    if (v)
        msgpack_pack_true(pk);
    else
        msgpack_pack_false(pk);
}

void pt_msgpack_kv_bool(msgpack_packer *pk, const char *key, int v)
{
    pt_msgpack_pack_str(pk, key);
    pt_msgpack_pack_bool(pk, v);
}

void pt_msgpack_kv_strs(msgpack_packer *pk, const char *key, char *const *v, size_t n)
{
    pt_msgpack_pack_str(pk, key);
    msgpack_pack_array(pk, n);
    for (size_t i = 0; i < n; i++)
        pt_msgpack_pack_str(pk, v[i]);
}

void pt_msgpack_kv_int32s(msgpack_packer *pk, const char *key, const int32_t *v,
                                size_t n)
{
    pt_msgpack_pack_str(pk, key);
    msgpack_pack_array(pk, n);
    for (size_t i = 0; i < n; i++)
        msgpack_pack_int32(pk, v[i]);
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

/* The big-endian unsigned integer of w bytes at p. */
static uint64_t mpk__be(const unsigned char *p, size_t w)
{
    uint64_t v = 0;
    for (size_t i = 0; i < w; i++)
        v = v << 8 | p[i];
    return v;
}

/* msgpack-c's unpacker holds at most this many open (non-empty) containers and answers a
 * deeper object with its out-of-memory code; the scan refuses it first, as not msgpack this
 * program reads. */
#define MPK_MAX_DEPTH 32

int pt_msgpack_scan(const void *buf, size_t len, size_t *used)
{
    const unsigned char *b = buf;
    size_t pos = 0, depth = 0;
    uint64_t pending = 1;             /* objects still to read; each takes at least one byte */
    uint64_t left[MPK_MAX_DEPTH + 1]; /* objects left in each open container */

    while (pending > 0) {
        unsigned t;
        size_t hs = 1, lw = 0; /* header bytes; bytes of the length field in it */
        uint64_t body = 0, items = 0;
        if (pending > len - pos)
            return -EAGAIN;
        t = b[pos];
        if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3) {
            /* fixint, nil, bool: the byte alone */
        } else if (t <= 0x8f) {
            items = 2 * (uint64_t)(t & 0x0f);
        } else if (t <= 0x9f) {
            items = t & 0x0f;
        } else if (t <= 0xbf) {
            body = t & 0x1f;
        } else if (t == 0xc1) {
            return -EBADMSG;
        } else if (t <= 0xc6) { /* bin 8/16/32 */
            lw = (size_t)1 << (t - 0xc4);
        } else if (t <= 0xc9) { /* ext 8/16/32: the length, then a type byte */
            lw = (size_t)1 << (t - 0xc7);
            body = 1; /* the type byte */
        } else if (t <= 0xd3) { /* float32/64, uint8..64, int8..64 */
            static const unsigned char w[] = {4, 8, 1, 2, 4, 8, 1, 2, 4, 8};
            body = w[t - 0xca];
        } else if (t <= 0xd8) { /* fixext 1/2/4/8/16: a type byte and the data */
            body = 1 + ((uint64_t)1 << (t - 0xd4));
        } else if (t <= 0xdb) { /* str 8/16/32 */
            lw = (size_t)1 << (t - 0xd9);
        } else if (t <= 0xdd) { /* array 16/32 */
            lw = t == 0xdc ? 2 : 4;
        } else { /* map 16/32 */
            lw = t == 0xde ? 2 : 4;
        }
        hs += lw;
        if (hs > len - pos)
            return -EAGAIN;
        if (lw > 0) {
            uint64_t n = mpk__be(b + pos + 1, lw);
            if (t >= 0xdc)
                items = t >= 0xde ? 2 * n : n;
            else
                body += n;
        }
        if (body > len - pos - hs)
            return -EAGAIN;
        pos += hs + (size_t)body;
        pending = pending - 1 + items;
        if (items > 0) { /* a container opens */
            if (depth == MPK_MAX_DEPTH)
                return -EBADMSG;
            left[depth++] = items;
            continue;
        }
        while (depth > 0 && --left[depth - 1] == 0) /* an object ends; so may containers */
            depth--;
    }
    *used = pos;
    return 0;
}

int pt_msgpack_unpack_bounded(msgpack_unpacked *u, const char *buf, size_t len, size_t *off)
{
    size_t used = 0, o = *off;
    int rc = pt_msgpack_scan(buf + o, len - o, &used);
    if (rc != 0)
        return rc;
    switch (msgpack_unpack_next(u, buf, o + used, &o)) {
    case MSGPACK_UNPACK_SUCCESS:
        *off = o;
        return 0;
    case MSGPACK_UNPACK_NOMEM_ERROR:
        return -ENOMEM;
    default: /* too deeply nested for msgpack-c, or not what the scan saw */
        return -EBADMSG;
    }
}

void pt_msgpack_pack_crc(pt_msgpack_writer_t *w, size_t start)
{
    uint32_t crc;
    pt_msgpack_pack_str(&w->pk, PT_MSGPACK_CRC_KEY);
    if (w->failed || w->sb->size < start)
        return;
    crc = pt_crc32c(w->sb->data + start, w->sb->size - start);
    msgpack_pack_fix_uint32(&w->pk, crc); /* always 0xce + 4 bytes: readers find it there */
}

int pt_msgpack_check_crc(const void *rec, size_t len, const msgpack_object *o, char *err)
{
    const unsigned char *b = rec;
    const msgpack_object_kv *last;
    const msgpack_object *v = pt_msgpack_map_get(o, PT_MSGPACK_CRC_KEY);
    uint32_t want, got;
    if (v == NULL)
        return 0;
    last = &o->via.map.ptr[o->via.map.size - 1];
    if (&last->val != v || len < 5 || b[len - 5] != 0xce) {
        pt_seterr(err, "field 'crc': not the last field, as a 5-byte uint32");
        return -EBADMSG;
    }
    want = (uint32_t)mpk__be(b + len - 4, 4);
    got = pt_crc32c(b, len - 5);
    if (want != got) {
        pt_seterr(err, "checksum mismatch (crc %08x, bytes %08x)", (unsigned)want,
                  (unsigned)got);
        return -EBADMSG;
    }
    return 1;
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

/* Passes on rc of a pt_msgpack_to_* call that named the value "" (its reason then starts
 * ": "), putting the name fmt formats in front of the reason when there is one: the name is
 * formatted only then. */
static __attribute__((format(printf, 3, 4))) int named_reason(int rc, char *err,
                                                              const char *fmt, ...)
{
    char what[PT_ERRLEN];
    va_list ap;
    if (rc != 0 && err != NULL) {
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        pt_err_prefix(err, what);
    }
    return rc;
}

/* named_reason with "field 'KEY'". */
static int field_reason(int rc, const char *key, char *err)
{
    return named_reason(rc, err, "field '%.400s'", key);
}

int pt_msgpack_get_int(const msgpack_object *o, const char *key, int64_t min, int64_t max,
                       int64_t *out, char *err)
{
    const msgpack_object *v = need(o, key, err);
    if (v == NULL)
        return -EBADMSG;
    return field_reason(pt_msgpack_to_int(v, "", min, max, out, err), key, err);
}

int pt_msgpack_get_int32(const msgpack_object *o, const char *key, int32_t min, int32_t max,
                         int32_t *out, char *err)
{
    int64_t v;
    int rc = pt_msgpack_get_int(o, key, min, max, &v, err);
    if (rc == 0)
        *out = (int32_t)v;
    return rc;
}

int pt_msgpack_get_uint(const msgpack_object *o, const char *key, uint64_t *out, char *err)
{
    char what[PT_ERRLEN];
    const msgpack_object *v = need(o, key, err);
    if (v == NULL)
        return -EBADMSG;
    if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        *out = v->via.u64;
        return 0;
    }
    if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER && v->via.i64 >= 0) {
        *out = (uint64_t)v->via.i64;
        return 0;
    }
    FIELD_WHAT(what, key);
    if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        pt_seterr(err, "%s: expected a non-negative integer, got %lld", what,
                  (long long)v->via.i64);
    else
        pt_seterr(err, "%s: expected an integer, got %s", what, pt_msgpack_type_name(v->type));
    return -EBADMSG;
}

int pt_msgpack_get_double(const msgpack_object *o, const char *key, double *out, char *err)
{
    const msgpack_object *v = need(o, key, err);
    if (v == NULL)
        return -EBADMSG;
    return field_reason(pt_msgpack_to_double(v, "", out, err), key, err);
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
    const msgpack_object *v = need(o, key, err);
    if (v == NULL)
        return -EBADMSG;
    return field_reason(pt_msgpack_to_str(v, "", out, err), key, err);
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
        int rc = named_reason(pt_msgpack_to_str(&a->via.array.ptr[i], "", &(*out)[i], err), err,
                              "field '%.400s'[%u]", key, (unsigned)i);
        if (rc != 0)
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
            pt_msgpack_pack_bool(pk, v->num != 0);
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
        case MSGPACK_OBJECT_STR:
            val.type = PT_VAL_STRING;
            val.num = 0;
            rc = named_reason(pt_msgpack_to_str(v, "", &val.str, err), err, "'%.400s'", key);
            if (rc != 0)
                goto out;
            break;
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
