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
 *
 * Row ranges: so that the stats phase keeps every worker busy whatever the folds x
 * parallelism (3 blocks on 2 workers would leave one idle half the time), a large block is
 * cut into pieces of consecutive rows (pt_stats_plan: the cut depends on the block sizes
 * and the width only, never on the parallelism), one stats job each. A piece's moments go
 * to a piece slot of their own; the job that finds every piece of its block published
 * merges them in piece order (pairwise centred updates, pt_moments_merge) into the block's
 * slot, so the block's moments are the same numbers whichever worker ran which piece and
 * in what order. Readers only ever read block slots.
 */
#ifndef PT_STATS_H
#define PT_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "pt_moments.h"

#define PT_STATS_MAX_FEATURES 4096
/* A block is cut only into pieces of at least this many rows: small enough that two workers
 * share an 8,000-row block (two pieces: the seed workload's 0.8 / 0.2 split of 10,000 rows
 * is then 4,000 + 4,000 + 2,000 rows, 6,000 on the busier of 2 workers instead of 8,000),
 * large enough that a piece's dsyrk outweighs its job's round trip and that data of a few
 * thousand rows is not cut at all (pt_stats_plan_bytes is then 0). */
#define PT_STATS_PIECE_ROWS 4096
/* A sweep's pieces: about this many in all (24 divides evenly among 1, 2, 3, 4, 6, 8 workers). */
#define PT_STATS_PIECES 24
/* The piece slots of a segment take at most this many bytes (wide data is cut less). */
#define PT_STATS_PIECE_BYTES (64.0 * 1024 * 1024)

typedef struct pt_stats pt_stats_t;

/* Creates the segment of nblocks slots for moments of p features, all not ready. Returns a
 * close-on-exec read-write descriptor in *fd_out, or a negative errno with err set. */
int pt_stats_create(size_t nblocks, size_t p, int *fd_out, char *err);

/* The cut of nblocks image blocks of rows[b] rows, p features, kinds slots a block (2 with
 * row weights): count[b] := the pieces of block b (1: not cut). Returns the stats jobs, the
 * sum of count. Depends on its arguments only (never on the parallelism). */
size_t pt_stats_plan(size_t nblocks, const size_t *rows, size_t p, size_t kinds, size_t *count);
/* An upper bound of the piece slots' bytes of any cut of `rows` rows in nblocks blocks (for
 * the memory plan, pt_limits). */
double pt_stats_plan_bytes(size_t rows, size_t nblocks, size_t p, size_t kinds);

/* pt_stats_create with blocks cut in pieces: nslots = nblocks x kinds block slots (slot
 * k x nblocks + b is block b's of kind k), count[b] pieces of block b (pt_stats_plan). A
 * plan without any cut block makes the segment pt_stats_create makes. Returns as it. */
int pt_stats_create_cut(size_t nslots, size_t p, size_t nblocks, const size_t *count,
                        int *fd_out, char *err);

/* The stats jobs of the segment: the pieces of the plan, or nblocks when it has none. */
size_t pt_stats_njobs(const pt_stats_t *s);
/* Stats job `job`: its image block, and its piece k of K (rows [n k / K, n (k + 1) / K) of
 * the block's n); K = 1 for a segment without pieces (job = block). Returns 0, or -EINVAL
 * for a job out of range. */
int pt_stats_job(const pt_stats_t *s, size_t job, size_t *block, size_t *k, size_t *K);
/* Publishes m as piece k of slot `slot` (stats job job's piece), then, when every piece of
 * the slot's block is published and the block slot is not ready yet, merges them in piece
 * order into scratch (p features) and publishes it as the block's slot. Returns 1 when the
 * block slot is ready on return, 0 when pieces are missing, -EINVAL for a slot, job or width
 * out of range. */
int pt_stats_publish_piece(pt_stats_t *s, size_t slot, size_t job, const pt_moments_t *m,
                           pt_moments_t *scratch);

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
