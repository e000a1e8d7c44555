/* pt_common.h - error buffers and small helpers shared by every paratune module.
 *
 * Library functions never
 * print or exit: they return 0 or a negative errno (or NULL) and put a one-line, human-readable
 * reason into a caller-supplied buffer of PT_ERRLEN bytes (the `err` argument, which may be NULL).
 */
#ifndef PT_COMMON_H
#define PT_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "pt_exit.h"

#define PT_ERRLEN 512


/* Formats a message into err (PT_ERRLEN bytes) when err is not NULL. */
void pt_seterr(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Puts pfx in front of the message in err (PT_ERRLEN bytes), truncating its end. */
void pt_err_prefix(char *err, const char *pfx);

/* Frees the n strings of the array v (NULL entries allowed) and v itself; accepts v NULL
 * (then n is not looked at). */
void pt_strv_free(char **v, size_t n);

/* Seconds from CLOCK_MONOTONIC. */
double pt_now(void);

/* Parses a whole string as a finite double / a long written in plain decimal (an optional
 * sign, digits, a point and an exponent for a double; no blanks, hexadecimal, inf or nan);
 * 0 on success, -EINVAL otherwise (also out of range). */
int pt_parse_double(const char *s, double *out);
int pt_parse_long(const char *s, long *out);

/* 64-bit FNV-1a over bytes, continuing from h (start with PT_FNV_SEED). */
#define PT_FNV_SEED 0xcbf29ce484222325ULL
uint64_t pt_fnv1a(uint64_t h, const void *data, size_t len);

/* A fast 64-bit hash for fingerprints of large data: 8-byte words, each folded in with a
 * multiply and a shift, in four independent lanes over 32-byte blocks (then the remaining
 * words, then the tail byte by byte), continuing from h (start with PT_FNV_SEED). Some 20
 * times faster than byte-wise FNV-1a; not cryptographic. */
uint64_t pt_hash64(uint64_t h, const void *data, size_t len);
/* splitmix64's finalizer: a bijective mix of the 64 bits of z. */
uint64_t pt_mix64(uint64_t z);

/* Calls fn on each of n items (item k at (char *)items + k * size): item 0 on this thread,
 * every other on a thread of its own, or on this one should that thread not start. Returns
 * when all are done. */
void pt_run_each(void *items, size_t n, size_t size, void *(*fn)(void *));

/* malloc (or calloc when zero) of n * size bytes, at least one byte; NULL on overflow or
 * when out of memory. The caller frees. */
void *pt_alloc_array(size_t n, size_t size, int zero);
/* p (malloc'd) cut down to bytes (at least 1); p itself when realloc fails, as p is still
 * valid. */
void *pt_shrink(void *p, size_t bytes);

/* splitmix64: the one PRNG of paratune (fold assignment, synthetic data, random search).
 * Advances *state and returns the next 64-bit value. */
uint64_t pt_rng_next(uint64_t *state);
/* Uniform double in [0, 1) from the next 53 bits. */
double pt_rng_uniform(uint64_t *state);
/* Standard normal (Box-Muller, one value per call). */
double pt_rng_normal(uint64_t *state);

#endif
