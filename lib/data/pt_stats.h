/* pt_stats.h - the shared moments cache: per-block sufficient statistics in shared memory.
 *
 * Every job of a sweep fits from the moments (count, means, centred X^T X, X^T y, each
 * column's min and max) of its training blocks, and those moments do not depend on the
 * param map. The coordinator makes one shared segment with a slot per block (two with row
 * weights: the block's weighted moments in the second, pt_trainset.h) and, before the
 * sweep's jobs, hands out one "stats job" per block; the worker that runs it computes the
 * block's moments once, writes them into the slot and marks it ready (a release store).
 * Every later job, on any worker, merges ready slots in place instead of reading the block
 * again. The segment is unlinked at creation, like the image, and is only used for up to
 * PT_STATS_MAX_FEATURES features.
 */
#ifndef PT_STATS_H
#define PT_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "pt_moments.h"

#define PT_STATS_MAX_FEATURES 4096

typedef struct pt_stats pt_stats_t;

/* Creates the segment of nblocks slots for moments of p features, all not ready. Returns a
 * close-on-exec read-write descriptor in *fd_out, or a negative errno with err set. */
int pt_stats_create(size_t nblocks, size_t p, int *fd_out, char *err);

/* Maps the segment behind fd read-write (workers publish into it). Owned; NULL with err. */
pt_stats_t *pt_stats_map(int fd, char *err);
void pt_stats_unmap(pt_stats_t **ps);

size_t pt_stats_nblocks(const pt_stats_t *s);

/* Writes m into slot b and marks it ready. Returns 0, or -EINVAL when b or m->p is wrong. */
int pt_stats_publish(pt_stats_t *s, size_t b, const pt_moments_t *m);

/* When slot b is ready, fills *view with pointers into the segment (no copy; the view stays
 * valid while s is mapped and must not be passed to pt_moments_destroy) and returns 1;
 * returns 0 when the slot is not ready. */
int pt_stats_view(const pt_stats_t *s, size_t b, pt_moments_t *view);

#endif
