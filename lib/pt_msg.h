/* pt_msg.h - the messages between coordinator and workers, as msgpack maps.
 *
 * Every message is one ZeroMQ frame holding one msgpack map with a "type" key:
 *   hello  {type, pid}                                         worker -> coordinator
 *   job    {type, job_id, param_index, fold, attempt, stages, params, threads?, cpus?}
 *                                                              coordinator -> worker
 *   result {type, job_id, param_index, fold, metric, fit_seconds, eval_seconds, model?,
 *           converged? (false when an iterative fit stopped at maxIter)}
 *   error  {type, job_id, param_index, fold, error}            worker -> coordinator
 *   stop   {type}                                              coordinator -> worker
 * fold is the validation block of the shared-memory image; -1 asks for a refit on all rows,
 * whose result carries the fitted pipeline as "model" (msgpack bytes made by pt_pipeline).
 * Unknown keys are ignored on decode so that the format can grow.
 * Also the msgpack helpers for param lists, shared with the result log.
 */
#ifndef PT_MSG_H
#define PT_MSG_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "pt_value.h"

typedef enum {
    PT_MSG_HELLO = 1,
    PT_MSG_JOB,
    PT_MSG_RESULT,
    PT_MSG_ERROR,
    PT_MSG_STOP
} pt_msg_type_t;

typedef struct {
    pt_msg_type_t type;
    int32_t pid;           /* hello */
    int64_t job_id;        /* job, result, error */
    int32_t param_index;   /* job, result, error */
    int32_t fold;          /* job, result, error */
    int32_t attempt;       /* job: 1 for the first try, 2 for the first retry...; absent = 1 */
    char **stages;         /* job: pipeline stage names, owned */
    size_t nstages;
    pt_paramlist_t params; /* job: every param of every stage, owned */
    int32_t threads;       /* job: threads it may use (a refit, which runs alone); absent = 1 */
    int32_t *cpus;         /* job: the CPUs those threads may run on (pinned runs), owned */
    size_t ncpus;
    double metric;         /* result */
    double fit_seconds;    /* result: time in the fit, seconds */
    double eval_seconds;   /* result: time predicting and evaluating, seconds */
    int not_converged;     /* result: an iterative fit stopped at maxIter ("converged": false) */
    unsigned char *model;  /* result of a refit: msgpack bytes, owned; NULL otherwise */
    size_t model_len;
    char *error;           /* error: one-line reason, owned */
} pt_msg_t;

/* Name of a message type ("hello", ...). */
const char *pt_msg_type_name(pt_msg_type_t t);

/* Encodes m into out (appended; the caller inits and destroys the sbuffer).
 * Returns 0 or -EINVAL (unknown type) / -ENOMEM. */
int pt_msg_encode(const pt_msg_t *m, msgpack_sbuffer *out);

/* Decodes one message from len bytes into *m (which it zeroes first; the caller frees with
 * pt_msg_clear even on failure). Returns 0 or -EBADMSG with the reason in err (not a map,
 * trailing bytes, missing or mistyped field). */
int pt_msg_decode(const void *buf, size_t len, pt_msg_t *m, char *err);

/* Frees what m owns and zeroes it. */
void pt_msg_clear(pt_msg_t *m);

/* Packs l as a msgpack map key -> value (int, float64, bool or str). */
void pt_msgpack_pack_params(msgpack_packer *pk, const pt_paramlist_t *l);
/* Reads a msgpack map of str -> (int | float | bool | str) into *l (appending).
 * Returns 0, or -EBADMSG with the reason in err. */
int pt_msgpack_unpack_params(const msgpack_object *o, pt_paramlist_t *l, char *err);

/* Packs a NUL-terminated string (msgpack str); NULL is packed as nil. */
void pt_msgpack_pack_str(msgpack_packer *pk, const char *s);
/* Looks up key in a msgpack map object; NULL when absent or o is not a map. */
const msgpack_object *pt_msgpack_map_get(const msgpack_object *o, const char *key);

/* A packer that appends to an sbuffer and remembers a failed allocation, so that code made of
 * void pack helpers can check once at the end. Init, pack through &w->pk, then test w->failed
 * (1 after any failed write; later writes are dropped). The sbuffer stays the caller's. */
typedef struct {
    msgpack_packer pk;
    msgpack_sbuffer *sb;
    int failed;
} pt_msgpack_writer_t;
void pt_msgpack_writer_init(pt_msgpack_writer_t *w, msgpack_sbuffer *sb);

/* Typed reads of the field key of the msgpack map o, for decoders (shared with the log).
 * Each returns 0, or -EBADMSG with a reason in err ("missing field 'pid'", "field 'pid':
 * expected an integer, got str", "... out of range"), or -ENOMEM.
 * get_int: a positive or negative integer object within [min, max].
 * get_uint: a non-negative integer object.
 * get_double: float64, float32, or an integer (converted).
 * get_bool: a boolean; *out is 0 or 1.
 * get_str: a str without NUL bytes; *out is a new malloc'd copy (the caller frees). */
int pt_msgpack_get_int(const msgpack_object *o, const char *key, int64_t min, int64_t max,
                       int64_t *out, char *err);
int pt_msgpack_get_uint(const msgpack_object *o, const char *key, uint64_t *out, char *err);
int pt_msgpack_get_double(const msgpack_object *o, const char *key, double *out, char *err);
int pt_msgpack_get_bool(const msgpack_object *o, const char *key, int *out, char *err);
int pt_msgpack_get_str(const msgpack_object *o, const char *key, char **out, char *err);
/* get_strs: an array of str; *out is a new malloc'd array of *n malloc'd strings. On failure
 * *out and *n hold what was read so far, for the caller to free as on success. */
int pt_msgpack_get_strs(const msgpack_object *o, const char *key, char ***out, size_t *n,
                        char *err);
/* The field key of map o when it has msgpack type type (a map, an array...); otherwise NULL
 * with the reason in err. */
const msgpack_object *pt_msgpack_get_obj(const msgpack_object *o, const char *key,
                                         msgpack_object_type type, char *err);
/* The same conversions for a value already in hand (an array element); what names the
 * value in the reason ("stages[2]"). */
int pt_msgpack_to_int(const msgpack_object *v, const char *what, int64_t min, int64_t max,
                      int64_t *out, char *err);
int pt_msgpack_to_double(const msgpack_object *v, const char *what, double *out, char *err);
int pt_msgpack_to_str(const msgpack_object *v, const char *what, char **out, char *err);
/* Name of a msgpack object type for messages ("str", "map", "positive integer", ...). */
const char *pt_msgpack_type_name(msgpack_object_type t);

#endif
