/* plog_json.c - paratune-log json: every record of a log as one line of JSON.
 *
 * The log is first read and checked with pt_logfile_read (a file that is not a paratune log is
 * refused, a torn last record is found); then its whole records are decoded again as plain
 * msgpack objects and written out as they are, so every field of every record, in the
 * writer's order, fields this version does not know included, reaches the JSON. msgpack
 * integers become JSON integers written exactly (the uint64 fingerprint too), floats the
 * shortest decimal that reads back as the same double, always with a '.' or an exponent so
 * they stay floats. JSON has no NaN or infinity: NaN is null, +-infinity 1e999 / -1e999
 * (numbers every IEEE reader takes as +-infinity). Strings are escaped; bytes that are not
 * UTF-8 become U+FFFD. docs/log-format.md says the same for users.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "plog.h"
#include "pt_common.h"
#include "pt_mpk.h"

static void json_str(FILE *f, const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    fputc('"', f);
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        uint32_t cp;
        size_t k;
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc(c, f);
            i++;
        } else if (c < 0x20) {
            switch (c) {
            case '\n': fputs("\\n", f); break;
            case '\r': fputs("\\r", f); break;
            case '\t': fputs("\\t", f); break;
            case '\b': fputs("\\b", f); break;
            case '\f': fputs("\\f", f); break;
            default: fprintf(f, "\\u%04x", c); break;
            }
            i++;
        } else if (c < 0x80) {
            fputc(c, f);
            i++;
        } else if ((k = plog_utf8_next(s + i, n - i, &cp)) == 0) {
            fputs("\\ufffd", f);
            i++;
        } else {
            fwrite(s + i, 1, k, f);
            i += k;
        }
    }
    fputc('"', f);
}

static void json_double(FILE *f, double x)
{
    char buf[48];
    if (isnan(x)) {
        fputs("null", f);
        return;
    }
    if (isinf(x)) {
        fputs(x < 0 ? "-1e999" : "1e999", f);
        return;
    }
    plog_fmt_double(x, buf, sizeof buf);
    fputs(buf, f);
    if (strpbrk(buf, ".e") == NULL)
        fputs(".0", f); /* 3.0 stays a float for the reader */
}

static void json_obj(FILE *f, const msgpack_object *o);

/* A map key that is not a string (paratune never writes one) as the string of its JSON. */
static void json_key(FILE *f, const msgpack_object *k)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m;
    if (k->type == MSGPACK_OBJECT_STR) {
        json_str(f, k->via.str.ptr, k->via.str.size);
        return;
    }
    if ((m = open_memstream(&text, &len)) != NULL) {
        json_obj(m, k);
        if (fclose(m) == 0) {
            json_str(f, text, len);
            free(text);
            return;
        }
        free(text);
    }
    fputs("\"?\"", f);
}

/* msgpack-c limits nesting to 32 levels, so the recursion is bounded. */
static void json_obj(FILE *f, const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        fputs("null", f);
        break;
    case MSGPACK_OBJECT_BOOLEAN:
        fputs(o->via.boolean ? "true" : "false", f);
        break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        fprintf(f, "%" PRIu64, o->via.u64);
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        fprintf(f, "%" PRId64, o->via.i64);
        break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        json_double(f, o->via.f64);
        break;
    case MSGPACK_OBJECT_STR:
        json_str(f, o->via.str.ptr, o->via.str.size);
        break;
    case MSGPACK_OBJECT_BIN:
        json_str(f, o->via.bin.ptr, o->via.bin.size);
        break;
    case MSGPACK_OBJECT_ARRAY:
    case MSGPACK_OBJECT_MAP: {
        int map = o->type == MSGPACK_OBJECT_MAP;
        uint32_t n = map ? o->via.map.size : o->via.array.size;
        fputc(map ? '{' : '[', f);
        for (uint32_t i = 0; i < n; i++) {
            if (i > 0)
                fputs(", ", f);
            if (map) {
                json_key(f, &o->via.map.ptr[i].key);
                fputs(": ", f);
            }
            json_obj(f, map ? &o->via.map.ptr[i].val : &o->via.array.ptr[i]);
        }
        fputc(map ? '}' : ']', f);
        break;
    }
    default: /* ext: not in the format */
        fputs("null", f);
        break;
    }
}

/* The first n bytes of path into a new buffer. A log only grows, so they are the bytes that
 * pt_logfile_read checked, unless the file was replaced meanwhile. */
static int read_prefix(const char *path, size_t n, char **out)
{
    FILE *f = fopen(path, "rb");
    char *buf = malloc(n + 1);
    size_t got = 0;
    int rc = 0;
    if (f == NULL || buf == NULL) {
        rc = f == NULL ? -errno : -ENOMEM;
        goto out;
    }
    while (got < n) {
        size_t r = fread(buf + got, 1, n - got, f);
        if (r == 0)
            break;
        got += r;
    }
    if (got < n)
        rc = ferror(f) ? -EIO : -ESTALE;
out:
    if (f != NULL)
        fclose(f);
    if (rc != 0) {
        free(buf);
        buf = NULL;
    }
    *out = buf;
    return rc;
}

plog_raw_t *plog_raw_load(const plog_sweep_t *s, int *rc)
{
    plog_raw_t *r = calloc(1, sizeof *r);
    size_t len = (size_t)s->lf->valid_bytes, off = 0, cap = 0;
    int e;

    if (r == NULL || !msgpack_zone_init(&r->zone, MSGPACK_ZONE_CHUNK_SIZE)) {
        free(r);
        goto nomem;
    }
    if ((e = read_prefix(s->file, len, &r->buf)) != 0) {
        fprintf(stderr, "paratune-log: %s: %s\n", s->file,
                e == -ESTALE ? "changed while being read (replaced?)" : strerror(-e));
        plog_raw_destroy(&r);
        *rc = e == -ENOMEM ? PT_EXIT_FAIL : PT_EXIT_USAGE;
        return NULL;
    }
    while (off < len) {
        msgpack_unpack_return ur;
        if (r->nrec == cap) {
            msgpack_object *g = realloc(r->rec, (cap = cap ? 2 * cap : 64) * sizeof *g);
            if (g == NULL)
                goto nomem_r;
            r->rec = g;
        }
        ur = msgpack_unpack(r->buf, len, &off, &r->zone, &r->rec[r->nrec]);
        if (ur == MSGPACK_UNPACK_NOMEM_ERROR)
            goto nomem_r;
        if (ur != MSGPACK_UNPACK_SUCCESS && ur != MSGPACK_UNPACK_EXTRA_BYTES) {
            fprintf(stderr, "paratune-log: %s: changed while being read (replaced?)\n", s->file);
            plog_raw_destroy(&r);
            *rc = PT_EXIT_USAGE;
            return NULL;
        }
        r->nrec++;
    }
    return r;
nomem_r:
    plog_raw_destroy(&r);
nomem:
    *rc = plog_nomem(s->file);
    return NULL;
}

void plog_raw_destroy(plog_raw_t **pr)
{
    if (pr == NULL || *pr == NULL)
        return;
    msgpack_zone_destroy(&(*pr)->zone);
    free((*pr)->buf);
    free((*pr)->rec);
    free(*pr);
    *pr = NULL;
}

void plog_json_value(FILE *f, const msgpack_object *o)
{
    json_obj(f, o);
}

msgpack_object *plog_raw_get(const msgpack_object *o, const char *key)
{
    /* the records live in the plog_raw_t's own zone, writable (json --metric edits them) */
    return (msgpack_object *)pt_msgpack_map_get(o, key);
}

int plog_raw_is(const msgpack_object *o, const char *kind)
{
    const msgpack_object *r = plog_raw_get(o, "record");
    return r != NULL && r->type == MSGPACK_OBJECT_STR && r->via.str.size == strlen(kind) &&
           memcmp(r->via.str.ptr, kind, r->via.str.size) == 0;
}

/* json --metric M (s->refit_metric set): the header's evaluator names M and its direction,
 * each result's metric is M's value. Returns 1 for a record to leave out: a summary, whose
 * averages and choice are the refit metric's. */
static int json_metric(const plog_sweep_t *s, msgpack_object *o, size_t *ri)
{
    msgpack_object *v;
    if (plog_raw_is(o, "summary"))
        return 1;
    if (plog_raw_is(o, "header")) {
        msgpack_object *ev = plog_raw_get(o, "evaluator");
        if ((v = plog_raw_get(ev, "metric")) != NULL) {
            v->type = MSGPACK_OBJECT_STR;
            v->via.str.ptr = s->h->metric;
            v->via.str.size = (uint32_t)strlen(s->h->metric);
        }
        if ((v = plog_raw_get(ev, "larger_is_better")) != NULL) {
            v->type = MSGPACK_OBJECT_BOOLEAN;
            v->via.boolean = s->h->larger_is_better != 0;
        }
    } else if (plog_raw_is(o, "result") && *ri < s->lf->nresults) {
        if ((v = plog_raw_get(o, "metric")) != NULL) {
            v->type = MSGPACK_OBJECT_FLOAT64;
            v->via.f64 = s->lf->results[*ri].metric;
        }
        ++*ri;
    }
    return 0;
}

plog_sweep_t *plog_open(const char *file, const char *metric, plog_raw_t **raw, int *rc)
{
    plog_sweep_t *s = plog_sweep_load(file, metric, rc);
    if (s == NULL)
        return NULL;
    plog_sweep_warn(s, stderr);
    if (raw != NULL && (*raw = plog_raw_load(s, rc)) == NULL)
        plog_sweep_destroy(&s);
    return s;
}

int plog_cmd_json(const plog_args_t *a)
{
    plog_raw_t *raw = NULL;
    int rc;
    plog_sweep_t *s = plog_open(a->file[0], a->metric, &raw, &rc);
    size_t ri = 0;

    if (s == NULL)
        return rc;
    for (size_t i = 0; i < raw->nrec; i++) {
        if (s->refit_metric != NULL && json_metric(s, &raw->rec[i], &ri))
            continue;
        json_obj(stdout, &raw->rec[i]);
        fputc('\n', stdout);
    }
    rc = plog_finish_stdout();
    plog_raw_destroy(&raw);
    plog_sweep_destroy(&s);
    return rc;
}
