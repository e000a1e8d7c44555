/* pt_codes.h - the shared codes segment: the binned training rows of the tree fits.
 *
 * A tree fit reads its training rows as bin codes (pt_forest.h: Spark's findSplits on the
 * training rows, then one code per row and feature, column-major). The codes depend on the
 * training set (the fold) and on maxBins -- and on the seed when findSplits samples, which
 * it does only above max(maxBins^2, 10000) rows -- not on the other params. So the
 * coordinator makes one shared segment with a slot per such key that the sweep's maps need,
 * and before the fits hands out one "bins" job per slot (pt_msg.h); the worker that runs it
 * finds the thresholds, writes the codes straight into the slot and marks it ready (a
 * release store). Every tree fit on that fold, on any worker, then reads the codes in place
 * (no copy) and only unpacks the thresholds (a few KiB). A fit whose slot is not ready (no
 * segment, or its bins job failed) codes its rows itself, with the same result.
 *
 * Memory: a slot holds n_train x features bytes of codes (x2 when maxBins > 256) and the
 * packed thresholds; the segment is unlinked at creation, like the image.
 */
#ifndef PT_CODES_H
#define PT_CODES_H

#include <stddef.h>
#include <stdint.h>

#include "pt_forest.h"

/* What a slot is for. */
typedef struct {
    int32_t fold;       /* the fit jobs' fold (its training rows) */
    int32_t max_bins;
    uint64_t seed_key;  /* pt_codes_seed_key */
    uint64_t rows;      /* training rows */
    uint64_t features;  /* tree features (numeric, then one per categorical column) */
} pt_codes_key_t;

typedef struct pt_codes pt_codes_t;

/* The seed part of a slot's key: seed when findSplits samples n rows for max_bins (n >
 * max(max_bins^2, 10000)), else 0 (the codes do not depend on it). */
uint64_t pt_codes_seed_key(size_t n, int max_bins, uint64_t seed);

/* The slots a sweep needs: for every map i with max_bins[i] > 0 (a tree pipeline's maxBins,
 * seed[i] its seed) and every fold f (ntrain[f] training rows), the key (f, max_bins[i],
 * seed key) once, into keys (room for nmaps x nfolds) with map[k] the first map that needs
 * slot k. Returns the number of slots. */
size_t pt_codes_plan(const int *max_bins, const uint64_t *seed, size_t nmaps,
                     const size_t *ntrain, size_t nfolds, size_t features,
                     pt_codes_key_t *keys, int32_t *map);

/* Bytes of a slot for key k (codes and room for the packed thresholds). */
size_t pt_codes_slot_bytes(const pt_codes_key_t *k);

/* Creates the segment for nslots keys, no slot ready. Returns 0 with a close-on-exec
 * read-write descriptor in *fd_out (the caller closes it), or a negative errno with err. */
int pt_codes_create(const pt_codes_key_t *keys, size_t nslots, int *fd_out, char *err);

/* Maps the segment behind fd read-write (bins jobs publish into it). Owned; NULL with err. */
pt_codes_t *pt_codes_map(int fd, char *err);
void pt_codes_unmap(pt_codes_t **pc);

/* The slot of (fold, max_bins, seed_key), or -1. */
long pt_codes_find(const pt_codes_t *c, int32_t fold, int32_t max_bins, uint64_t seed_key);
/* Slot i's key. */
const pt_codes_key_t *pt_codes_key(const pt_codes_t *c, size_t i);

/* Where slot i's codes go, for the bins job that fills it: bytes (pt_bins_code_bytes of its
 * rows) at most rows x features x (maxBins > 256 ? 2 : 1); NULL when they do not fit. */
void *pt_codes_dst(pt_codes_t *c, size_t i, size_t bytes);
/* Packs b's thresholds into slot i (whose codes are written) and marks it ready. 0, or
 * -ENOSPC / -ENOMEM with err. */
int pt_codes_publish(pt_codes_t *c, size_t i, const pt_bins_t *b, char *err);
/* When slot i is ready: its thresholds into *b (owned by the caller: pt_bins_free) and its
 * codes in place into *codes (valid while c is mapped); returns 1. 0 when it is not ready,
 * or a negative errno with err (thresholds that do not unpack). */
int pt_codes_view(const pt_codes_t *c, size_t i, pt_bins_t *b, const void **codes, char *err);

#endif
