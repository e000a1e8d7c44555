/* pt_mpk.h - msgpack helpers shared by the worker protocol, the result log and the model
 * file (msgpack-c's C API underneath).
 */
#ifndef PT_MPK_H
#define PT_MPK_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "pt_value.h"

/* Packs l as a msgpack map key -> value (int, float64, bool or str). */
void pt_msgpack_pack_params(msgpack_packer *pk, const pt_paramlist_t *l);
/* Reads a msgpack map of str -> (int | float | bool | str) into *l (appending).
 * Returns 0, or -EBADMSG with the reason in err. */
int pt_msgpack_unpack_params(const msgpack_object *o, pt_paramlist_t *l, char *err);

/* Packs a NUL-terminated string (msgpack str); NULL is packed as nil. */
void pt_msgpack_pack_str(msgpack_packer *pk, const char *s);
/* Packs one map entry: key (a str), then the value. Integers take msgpack's smallest
 * encoding whatever their C type, as msgpack_pack_int* do; a NULL string is nil. */
void pt_msgpack_kv_str(msgpack_packer *pk, const char *key, const char *v);
void pt_msgpack_kv_double(msgpack_packer *pk, const char *key, double v);
void pt_msgpack_kv_int(msgpack_packer *pk, const char *key, int64_t v);
void pt_msgpack_kv_uint(msgpack_packer *pk, const char *key, uint64_t v);
void pt_msgpack_kv_bool(msgpack_packer *pk, const char *key, int v);
/* Packs v as a msgpack boolean (true for any non-zero v). */
void pt_msgpack_pack_bool(msgpack_packer *pk, int v);
/* Packs key (a str) and then an array of the n strings of v (each as pt_msgpack_pack_str) /
 * of the n int32s of v: the log's and the protocol's array fields. */
void pt_msgpack_kv_strs(msgpack_packer *pk, const char *key, char *const *v, size_t n);
void pt_msgpack_kv_int32s(msgpack_packer *pk, const char *key, const int32_t *v,
                                size_t n);
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
/* get_int32: get_int into an int32_t, within [min, max] (a subrange of int32_t's). */
int pt_msgpack_get_int32(const msgpack_object *o, const char *key, int32_t min, int32_t max,
                         int32_t *out, char *err);
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
/* Finds the end of the msgpack object at buf[0..len) by reading only its headers, without
 * allocating: what msgpack_unpack_next would allocate for (a str, bin or ext body, an array's
 * or a map's elements) is first checked against the bytes that remain, so a declared length
 * is never believed. Returns 0 with *used the object's length; -EAGAIN when the bytes end
 * inside the object (a truncated object, or a declared length or count larger than what
 * remains: only the caller knows whether more bytes were due); -EBADMSG for the one byte
 * msgpack never uses (0xc1), or more than 32 nested non-empty arrays and maps (msgpack-c's
 * limit, which it reports as out of memory). */
int pt_msgpack_scan(const void *buf, size_t len, size_t *used);

/* msgpack_unpack_next on the object at buf + *off, only after pt_msgpack_scan found it whole
 * within len, so that msgpack-c never allocates for more elements than the bytes can hold.
 * Returns 0 with *off moved past the object and u holding it; -EAGAIN (the bytes end inside
 * the object), -EBADMSG (not msgpack, or nested deeper than msgpack-c reads) or -ENOMEM,
 * with *off unchanged. */
int pt_msgpack_unpack_bounded(msgpack_unpacked *u, const char *buf, size_t len, size_t *off);

/* The checksum trailer of the model file and of each log record: the last entry of the
 * record's top-level map is the key "crc" (a 3-byte fixstr) with a uint32 value always in
 * its 5-byte form (0xce, then 4 bytes big-endian), the CRC-32C (pt_crc32c) of every byte of
 * the record before those 5. A writer counts the entry in the map's size, packs the other
 * entries, then calls pt_msgpack_pack_crc with start, the record's first byte in the writer's
 * sbuffer. A reader any msgpack library serves: the value of "crc" must equal the CRC-32C of
 * the record's bytes but its last five. */
#define PT_MSGPACK_CRC_KEY "crc"
void pt_msgpack_pack_crc(pt_msgpack_writer_t *w, size_t start);
/* Checks the trailer of the record rec[0..len), decoded as o. Returns 1 when it is there and
 * matches; 0 when o has no "crc" key (a record written before checksums); -EBADMSG with the
 * reason in err when the checksum does not match, or "crc" is not the last entry in the
 * 5-byte uint32 form. */
int pt_msgpack_check_crc(const void *rec, size_t len, const msgpack_object *o, char *err);

/* Name of a msgpack object type for messages ("str", "map", "positive integer", ...). */
const char *pt_msgpack_type_name(msgpack_object_type t);

#endif
