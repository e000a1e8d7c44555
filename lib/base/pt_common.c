/* pt_common.c - error buffers, clocks, number parsing, hashing and the PRNG.
 *
 * Small helpers every module uses; nothing here allocates.
 */
#define _POSIX_C_SOURCE 200809L
#include "pt_common.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void pt_seterr(char *err, const char *fmt, ...)
{
    va_list ap;
    if (err == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(err, PT_ERRLEN, fmt, ap);
    va_end(ap);
}

void pt_err_prefix(char *err, const char *pfx)
{
    size_t pl = strlen(pfx), el = strlen(err);
    if (pl >= PT_ERRLEN)
        pl = PT_ERRLEN - 1;
    if (pl + el >= PT_ERRLEN)
        el = PT_ERRLEN - 1 - pl;
    memmove(err + pl, err, el);
    memcpy(err, pfx, pl);
    err[pl + el] = '\0';
}

void pt_strv_free(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

double pt_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* 1 when s is a plain decimal number as people write one: an optional sign, digits with an
 * optional point (at least one digit), for a double an optional exponent; nothing before or
 * after. strtod and strtol alone also take blanks before the number, hexadecimal ("0x10"),
 * "inf" and "nan", which an option or a param value must not be. */
static int decimal_syntax(const char *s, int integer)
{
    size_t digits = 0;
    if (*s == '+' || *s == '-')
        s++;
    for (; *s >= '0' && *s <= '9'; s++)
        digits++;
    if (!integer && *s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
            digits++;
    if (digits == 0)
        return 0;
    if (!integer && (*s == 'e' || *s == 'E')) {
        s += s[1] == '+' || s[1] == '-' ? 2 : 1;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

/* Parses all of s as a number: base 10 with strtol into *l when l is not NULL, else with
 * strtod into *d. 0, or -EINVAL when s is NULL, is not a plain decimal number
 * (decimal_syntax) or is out of range: the one sequence behind pt_parse_double and
 * pt_parse_long. */
static int parse_whole(const char *s, double *d, long *l)
{
    char *end = NULL;
    if (s == NULL || !decimal_syntax(s, l != NULL))
        return -EINVAL;
    errno = 0;
    if (l != NULL)
        *l = strtol(s, &end, 10);
    else
        *d = strtod(s, &end);
    return end != s && *end == '\0' && errno != ERANGE ? 0 : -EINVAL;
}

int pt_parse_double(const char *s, double *out)
{
    double v;
    if (parse_whole(s, &v, NULL) != 0 || !isfinite(v))
        return -EINVAL;
    *out = v;
    return 0;
}

int pt_parse_long(const char *s, long *out)
{
    long v;
    if (parse_whole(s, NULL, &v) != 0)
        return -EINVAL;
    *out = v;
    return 0;
}

uint64_t pt_fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static inline uint64_t hash_step(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 29);
}

uint64_t pt_hash64(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t i = 0;
    if (len >= 32) { /* four independent lanes: the multiplies overlap */
        uint64_t a = h, b = h ^ 0x243f6a8885a308d3ULL, c = h ^ 0x13198a2e03707344ULL,
                 d = h ^ 0xa4093822299f31d0ULL;
        for (; i + 32 <= len; i += 32) {
            uint64_t w[4];
            memcpy(w, p + i, 32);
            a = hash_step(a, w[0]);
            b = hash_step(b, w[1]);
            c = hash_step(c, w[2]);
            d = hash_step(d, w[3]);
        }
        h = hash_step(hash_step(hash_step(a, b), c), d);
    }
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = hash_step(h, w);
    }
    for (; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t pt_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void pt_run_each(void *items, size_t n, size_t size, void *(*fn)(void *))
{
    char *it = items;
    pthread_t *tid = n > 1 ? malloc(n * sizeof *tid) : NULL;
    unsigned char *started = n > 1 ? calloc(n, 1) : NULL;
    for (size_t k = 1; k < n && tid != NULL && started != NULL; k++)
        started[k] = pthread_create(&tid[k], NULL, fn, it + k * size) == 0;
    if (n > 0)
        fn(it);
    for (size_t k = 1; k < n; k++) {
        if (started != NULL && started[k])
            pthread_join(tid[k], NULL);
        else
            fn(it + k * size);
    }
    free(tid);
    free(started);
}

uint64_t pt_rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double pt_rng_uniform(uint64_t *state)
{
    return (double)(pt_rng_next(state) >> 11) * 0x1.0p-53;
}

double pt_rng_normal(uint64_t *state)
{
    double u1, u2;
    do {
        u1 = pt_rng_uniform(state);
    } while (u1 <= 0.0);
    u2 = pt_rng_uniform(state);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void *pt_alloc_array(size_t n, size_t size, int zero)
{
    size_t bytes;
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    bytes = n * size > 1 ? n * size : 1;
    return zero ? calloc(bytes, 1) : malloc(bytes);
}

void *pt_shrink(void *p, size_t bytes)
{
    void *q = realloc(p, bytes > 1 ? bytes : 1);
    return q != NULL ? q : p;
}
