/* pt_limits.h - the memory a sweep will take, known before it takes it.
 *
 * A sweep's memory is mostly fixed by the shape of its data and its pipeline: the image in
 * shared memory (rows x features doubles), the shared moments cache (a p x p matrix per
 * block), and in each of the parallelism workers the working memory of one fit (the
 * moments, the stages' maps and their own work: pt_spec_work_bytes). A 10-row LIBSVM file
 * with an index of 20,000,000 asks for terabytes; this module says so with the sizes before
 * anything is allocated, against a limit: --max-memory, or by default what the system has
 * available (MemAvailable, and the free space of /dev/shm for the shared part).
 */
#ifndef PT_LIMITS_H
#define PT_LIMITS_H

#include <stddef.h>

#include "pt_params.h"

/* The shape of a sweep, as far as memory goes. */
typedef struct {
    const pt_spec_t *spec;
    size_t rows, features;
    size_t nblocks;    /* the image's blocks (folds, or train and validation) */
    int weights;       /* the image has a weight column */
    size_t nclasses;   /* the label's classes; 0 when not known (yet) */
    int cache;         /* the shared moments cache is on (not --no-cache) */
    size_t workers;    /* --parallelism */
} pt_limits_in_t;

/* What it needs, in bytes (doubles: the products may exceed any size_t). */
typedef struct {
    double image;      /* the data image, shared memory */
    double stats;      /* the shared moments cache, shared memory (0 when none) */
    double worker;     /* one worker fitting one job */
    double total;      /* image + stats + workers x worker */
    double moments;    /* of those, one moments object (p x p doubles) */
    const char *stage; /* the stage whose own working memory is the largest */
    double stage_bytes; /* and that memory */
} pt_limits_need_t;

/* What the system has: MemAvailable of /proc/meminfo and the free space of /dev/shm, in
 * bytes; each 0 when it cannot be read (then it limits nothing). */
typedef struct {
    double mem_available, shm_free;
} pt_limits_sys_t;

/* Fills *out with what the sweep in needs. Walks every param map of in->spec (call it
 * once the map count is checked). */
void pt_limits_need(const pt_limits_in_t *in, pt_limits_need_t *out);

/* Reads what the system has into *out (see pt_limits_sys_t). */
void pt_limits_system(pt_limits_sys_t *out);

/* Checks need against max_memory bytes (--max-memory) when it is not 0, else against sys:
 * the total against MemAvailable and the shared part against /dev/shm's free space.
 * 0, or -ENOMEM with one line in err giving the sizes and the limit, which names
 * --max-memory. */
int pt_limits_check(const pt_limits_in_t *in, const pt_limits_need_t *need,
                    double max_memory, const pt_limits_sys_t *sys, char *err);

/* Formats bytes as --max-memory reads them: "512B", "1.5G", "2.8P" (powers of 1024, one
 * decimal below 100 of the unit; "inf" when not finite). */
void pt_limits_format(double bytes, char *buf, size_t len);

#endif
