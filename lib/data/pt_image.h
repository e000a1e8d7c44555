/* pt_image.h - the read-only shared-memory image of the dataset, rows grouped by block.
 *
 * The coordinator builds it once (pt_image_build): a POSIX shm object that is unlinked the
 * moment it is created, so nothing of it can outlive the run whatever way the run ends; the
 * children reach it through an inherited read-only descriptor. Layout (byte offsets in the
 * header, every array 64-byte aligned):
 *   header | block_start[nblocks + 1] (uint64 row offsets) | y[rows] (double) |
 *   [w[rows] (double): the rows' weights, only with a weight column] |
 *   x[rows * features] (double, row-major) | rid[rows] (uint64) | valid[rows] (uint8)
 * Rows of block b are rows block_start[b] .. block_start[b+1]-1, so every training and
 * validation set is a few contiguous blocks that BLAS reads in place.
 * kind PT_IMAGE_CV: block f is fold f; PT_IMAGE_TVS: block 0 trains, block 1 validates.
 */
#ifndef PT_IMAGE_H
#define PT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "pt_dataset.h"

#define PT_IMAGE_MAGIC "PTIMAGE"
#define PT_IMAGE_VERSION 8 /* 2: no row index (version 1 had one, never read); 3: ncat;
                             4: nmiss; 5: w_off (row weights); 6: cat_missing; 7: rid_off;
                             8: valid_off */
#define PT_IMAGE_MAX_CAT 32 /* categorical columns an image describes */
#define PT_IMAGE_MAX_MISS 32 /* columns with missing values (PT_MISSING_MAX) */

typedef enum { PT_IMAGE_CV = 1, PT_IMAGE_TVS = 2 } pt_image_kind_t;

typedef struct {
    char magic[8];        /* PT_IMAGE_MAGIC, NUL-padded */
    uint32_t version;     /* PT_IMAGE_VERSION */
    uint32_t kind;        /* pt_image_kind_t */
    uint64_t rows;
    uint64_t features;
    uint64_t nblocks;
    uint64_t fingerprint; /* pt_dataset_fingerprint of the data */
    uint64_t block_off, y_off, x_off, total_size;
    /* categorical columns (pt_categorical.h): the last sum(cat_size) features before the
     * missing-value indicators are their indicator columns, column after column */
    uint64_t ncat;
    uint64_t cat_size[PT_IMAGE_MAX_CAT];
    uint64_t cat_missing; /* bit k: column k's last indicator is its missing value's */
    /* missing-value indicators (pt_missing.h): the last nmiss features, indicator k that of
     * feature miss_col[k] */
    uint64_t nmiss;
    uint32_t miss_col[PT_IMAGE_MAX_MISS];
    /* row weights (weightCol): w[rows] at w_off, in the rows' order; 0 when unweighted
     * (every row weighs 1; read them with pt_image_w / pt_image_block_w) */
    uint64_t w_off;
    /* the input row number (0-based) of each image row: rid[rows] (uint64) at rid_off, after
     * x; within a block ascending (pt_image_block_rid) */
    uint64_t rid_off;
    /* the validation indicator (validationIndicatorCol, pt_dataset_t.valid): valid[rows]
     * (uint8, 1 true) at valid_off, after rid, in the rows' order; 0 when the data has none */
    uint64_t valid_off;
} pt_image_hdr_t;

typedef struct pt_image pt_image_t;

/* Builds the image of ds (its categorical layout too: ds->ncat <= PT_IMAGE_MAX_CAT; its
 * weights when ds->w is not NULL) with row r in block block_of_row[r] (0 <= block < nblocks; every
 * block must be non-empty). Returns a read-only, close-on-exec descriptor of the unlinked shm
 * object in *fd_out (the caller closes it), or a negative errno with the reason in err.
 * held, when not NULL, receives the mapping the image was written through (its length is the
 * header's total_size; the caller must not write through it, and munmaps it): keeping it costs
 * nothing, and with every page mapped by the builder too, a worker's accounting (smaps) shows
 * the data as shared rather than as its private memory. (It is not mprotect'ed read-only:
 * that walk costs seconds per GiB of shared memory.) When NULL the mapping is dropped. */
int pt_image_build(const pt_dataset_t *ds, const int32_t *block_of_row, uint32_t nblocks,
                   pt_image_kind_t kind, uint64_t fingerprint, int *fd_out, void **held,
                   char *err);

/* The same in steps, for a caller that writes the rows itself (the CSV loader, straight into
 * shared memory). pt_image_begin creates and maps the shm object for rows x features in
 * nblocks blocks and gives where the rows and labels go: x (rows x features) and y, and the
 * weights: *w when w is not NULL (an image with weights), else the image has none. The
 * caller writes row r at any position pos[r] (a permutation); pt_image_positions gives the
 * final ones, in which case nothing moves later. pt_image_end then moves every row to its
 * block position in place (when pos differs), writes the block table and header,
 * and returns the descriptor and held mapping as pt_image_build does. pt_image_end and
 * pt_image_abort free the builder, whatever the outcome. */
typedef struct pt_image_builder pt_image_builder_t;
int pt_image_begin(size_t rows, size_t features, uint32_t nblocks, pt_image_kind_t kind,
                   pt_image_builder_t **out, double **x, double **y, double **w, char *err);
/* dst[r]: the position of row r in the image (blocks in order; within a block, rows in
 * their input order). -EINVAL with "fold B has no rows" when a block is empty. */
int pt_image_positions(const int32_t *block_of_row, size_t rows, uint32_t nblocks, size_t *dst,
                       char *err);
/* pos NULL: row r is at position r. */
int pt_image_end(pt_image_builder_t **b, const int32_t *block_of_row, const size_t *pos,
                 uint64_t fingerprint, int *fd_out, void **held, char *err);
void pt_image_abort(pt_image_builder_t **b);
/* Records ds's feature layout beyond plain numbers in the header pt_image_end writes: its
 * categorical columns' sizes and missing-value indicators (as pt_image_build does), for rows
 * written into the builder by the caller (a categorical load widened into the image); and
 * its validation indicators (ds->valid, borrowed until pt_image_end, which places them). */
void pt_image_describe(pt_image_builder_t *b, const pt_dataset_t *ds);

/* Maps the image behind fd PROT_READ and checks its header. Owned; NULL with err set. The
 * descriptor is not closed and may be closed after the call. */
pt_image_t *pt_image_map(int fd, char *err);
/* Unmaps; accepts NULL and *pimg == NULL; sets *pimg to NULL. */
void pt_image_unmap(pt_image_t **pimg);

const pt_image_hdr_t *pt_image_header(const pt_image_t *img);
/* Rows of block b: returns x (n x features) and sets *y and *n. b must be < nblocks. */
const double *pt_image_block(const pt_image_t *img, size_t b, const double **y, size_t *n);
/* The rows' weights (rows entries, in the image's row order, every block after the other),
 * or NULL when the image has none (every row weighs 1). Borrowed from the mapping. */
const double *pt_image_w(const pt_image_t *img);
/* Block b's weights (as many as its rows), or NULL when the image has none. b < nblocks. */
const double *pt_image_block_w(const pt_image_t *img, size_t b);
/* Block b's validation indicators (1: a row boosting holds out for its early stop), or NULL
 * when the data has no such column. b < nblocks. */
const uint8_t *pt_image_block_valid(const pt_image_t *img, size_t b);
/* The input row numbers (0-based, the file's order) of block b's rows, ascending: the tree
 * learner sums a training set's rows in the file's order, as Spark does on one partition. */
const uint64_t *pt_image_block_rid(const pt_image_t *img, size_t b);

#endif
