/* pt_image.c - building and mapping the shared-memory dataset image.
 *
 * The segment is a pt_shm one (unlinked at creation, so a coordinator killed with SIGKILL
 * leaves nothing in /dev/shm). The read-write descriptor used to fill it is closed before any child exists;
 * children get a read-only descriptor reopened through /proc/self/fd.
 */
#include "pt_image.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pt_common.h"
#include "pt_shm.h"

struct pt_image {
    pt_shm_seg_t seg; /* first: the handle is made and freed by pt_shm_attach/detach */
    const pt_image_hdr_t *hdr;
};

static uint64_t align64(uint64_t v)
{
    return (v + 63) & ~(uint64_t)63;
}

struct pt_image_builder {
    int fd;              /* read-write descriptor of the unlinked shm object */
    char *base;          /* its read-write mapping */
    pt_image_hdr_t h;
    const uint8_t *valid; /* the rows' validation indicators in input order, or NULL */
};

void pt_image_abort(pt_image_builder_t **pb)
{
    pt_image_builder_t *b;
    if (pb == NULL || *pb == NULL)
        return;
    b = *pb;
    pt_shm_unmap(b->base, (size_t)b->h.total_size);
    if (b->fd >= 0)
        close(b->fd);
    free(b);
    *pb = NULL;
}

int pt_image_begin(size_t rows, size_t features, uint32_t nblocks, pt_image_kind_t kind,
                   pt_image_builder_t **out, double **x, double **y, double **w, char *err)
{
    pt_image_builder_t *b;
    pt_image_hdr_t *h;
    void *base;
    int rc;

    *out = NULL;
    if (nblocks == 0) {
        pt_seterr(err, "image needs at least one block");
        return -EINVAL;
    }
    if (rows == 0 || (features != 0 && rows > (SIZE_MAX / 2) / sizeof(double) / features)) {
        pt_seterr(err, "cannot make an image of %zu rows x %zu features", rows, features);
        return -EINVAL;
    }
    b = calloc(1, sizeof *b);
    if (b == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    b->fd = -1;
    h = &b->h;
    memcpy(h->magic, PT_IMAGE_MAGIC, sizeof PT_IMAGE_MAGIC);
    h->version = PT_IMAGE_VERSION;
    h->kind = (uint32_t)kind;
    h->rows = rows;
    h->features = features;
    h->nblocks = nblocks;
    h->block_off = align64(sizeof *h);
    h->y_off = align64(h->block_off + ((uint64_t)nblocks + 1) * sizeof(uint64_t));
    h->x_off = align64(h->y_off + rows * sizeof(double));
    if (w != NULL) { /* the weights between y and x */
        h->w_off = h->x_off;
        h->x_off = align64(h->w_off + rows * sizeof(double));
    }
    h->total_size = h->x_off + (uint64_t)rows * features * sizeof(double);
    h->rid_off = align64(h->total_size); /* the input row numbers after x */
    h->total_size = h->rid_off + (uint64_t)rows * sizeof(uint64_t);
    h->valid_off = h->total_size; /* a byte per row, kept only with an indicator column */
    h->total_size = align64(h->valid_off + rows);

    if ((rc = pt_shm_create((size_t)h->total_size, &b->fd, &base, err)) != 0)
        goto fail;
    b->base = base;
    *x = (double *)(b->base + h->x_off);
    *y = (double *)(b->base + h->y_off);
    if (w != NULL)
        *w = (double *)(b->base + h->w_off);
    *out = b;
    return 0;
fail:
    pt_image_abort(&b);
    return rc;
}

/* dst[r] for every row as pt_image_positions gives it; start, when not NULL, receives the
 * nblocks + 1 row offsets of the blocks (the image's block table). */
static int block_layout(const int32_t *block_of_row, size_t rows, uint32_t nblocks, size_t *dst,
                        uint64_t *start, char *err)
{
    uint64_t *next = calloc((size_t)nblocks + 1, sizeof *next);
    if (next == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    for (size_t r = 0; r < rows; r++) {
        int32_t b = block_of_row[r];
        if (b < 0 || (uint32_t)b >= nblocks) {
            pt_seterr(err, "row %zu: block %d out of range [0, %u)", r + 1, b, nblocks);
            free(next);
            return -EINVAL;
        }
        next[b + 1]++;
    }
    for (uint32_t b = 0; b < nblocks; b++) {
        if (next[b + 1] == 0) {
            pt_seterr(err, "fold %u has no rows", b);
            free(next);
            return -EINVAL;
        }
        next[b + 1] += next[b];
    }
    if (start != NULL)
        memcpy(start, next, ((size_t)nblocks + 1) * sizeof *start);
    for (size_t r = 0; r < rows; r++)
        dst[r] = (size_t)next[block_of_row[r]]++;
    free(next);
    return 0;
}

int pt_image_positions(const int32_t *block_of_row, size_t rows, uint32_t nblocks, size_t *dst,
                       char *err)
{
    return block_layout(block_of_row, rows, nblocks, dst, NULL, err);
}

/* Moves row (and label, and weight when w is not NULL) at position i to to[i] for every i,
 * in place: each cycle of the permutation is followed once with two spare rows. */
static int permute_rows(double *x, double *y, double *w, size_t p, size_t n, const size_t *to)
{
    unsigned char *done = calloc(n ? n : 1, 1);
    double *carry = malloc((p ? p : 1) * sizeof *carry), *spare = malloc((p ? p : 1) * sizeof *spare);
    int rc = 0;
    if (done == NULL || carry == NULL || spare == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        size_t cur = i;
        double cy, cw;
        if (done[i] || to[i] == i)
            continue;
        memcpy(carry, x + i * p, p * sizeof *carry);
        cy = y[i];
        cw = w != NULL ? w[i] : 0.0;
        do {
            size_t nxt = to[cur];
            double sy = y[nxt], sw = w != NULL ? w[nxt] : 0.0;
            double *t;
            memcpy(spare, x + nxt * p, p * sizeof *spare);
            memcpy(x + nxt * p, carry, p * sizeof *carry);
            y[nxt] = cy;
            cy = sy;
            if (w != NULL)
                w[nxt] = cw;
            cw = sw;
            t = carry;
            carry = spare;
            spare = t;
            done[nxt] = 1;
            cur = nxt;
        } while (cur != i);
    }
out:
    free(done);
    free(carry);
    free(spare);
    return rc;
}

int pt_image_end(pt_image_builder_t **pb, const int32_t *block_of_row, const size_t *pos,
                 uint64_t fingerprint, int *fd_out, void **held, char *err)
{
    pt_image_builder_t *b = *pb;
    pt_image_hdr_t *h = &b->h;
    size_t n = (size_t)h->rows, p = (size_t)h->features;
    size_t *dst = malloc(n * sizeof *dst), *to = NULL;
    uint64_t *bs = (uint64_t *)(b->base + h->block_off);
    double *x = (double *)(b->base + h->x_off), *y = (double *)(b->base + h->y_off);
    double *w = h->w_off != 0 ? (double *)(b->base + h->w_off) : NULL;
    int rc = 0, ro, moved = 0;

    *fd_out = -1;
    if (held != NULL)
        *held = NULL;
    if (dst == NULL) {
        pt_seterr(err, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    if ((rc = block_layout(block_of_row, n, (uint32_t)h->nblocks, dst, bs, err)) != 0)
        goto out;
    for (size_t r = 0; r < n; r++)
        ((uint64_t *)(b->base + h->rid_off))[dst[r]] = r;
    for (size_t r = 0; b->valid != NULL && r < n; r++)
        ((uint8_t *)(b->base + h->valid_off))[dst[r]] = b->valid[r] != 0;
    if (b->valid == NULL)
        h->valid_off = 0;
    /* rows are at pos[r] (or r); to[] maps each position to the row's block position */
    if ((to = malloc(n * sizeof *to)) == NULL) {
        pt_seterr(err, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    for (size_t r = 0; r < n; r++) {
        size_t at = pos != NULL ? pos[r] : r;
        to[at] = dst[r];
        moved |= dst[r] != at;
    }
    if (moved && (rc = permute_rows(x, y, w, p, n, to)) != 0) {
        pt_seterr(err, "out of memory");
        goto out;
    }
    h->fingerprint = fingerprint;
    memcpy(b->base, h, sizeof *h);

    if ((ro = pt_shm_reopen_readonly(b->fd, err)) < 0) {
        rc = ro;
        goto out;
    }
    *fd_out = ro;
    if (held != NULL) {
        *held = b->base;
        b->base = NULL; /* the caller's now */
    }
out:
    free(dst);
    free(to);
    pt_image_abort(pb);
    return rc;
}

int pt_image_build(const pt_dataset_t *ds, const int32_t *block_of_row, uint32_t nblocks,
                   pt_image_kind_t kind, uint64_t fingerprint, int *fd_out, void **held,
                   char *err)
{
    pt_image_builder_t *b = NULL;
    double *x, *y, *w = NULL;
    size_t *dst = NULL, p = ds->features;
    int rc;

    *fd_out = -1;
    if (held != NULL)
        *held = NULL;
    dst = malloc((ds->rows ? ds->rows : 1) * sizeof *dst);
    if (dst == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    /* positions first: a block without rows is refused before any shared memory exists */
    if ((rc = pt_image_positions(block_of_row, ds->rows, nblocks, dst, err)) != 0 ||
        (rc = pt_image_begin(ds->rows, p, nblocks, kind, &b, &x, &y, ds->w != NULL ? &w : NULL,
                             err)) != 0) {
        free(dst);
        return rc;
    }
    b->h.cat_missing = ds->cat_missing;
    b->valid = ds->valid;
    b->h.ncat = ds->ncat < PT_IMAGE_MAX_CAT ? ds->ncat : PT_IMAGE_MAX_CAT;
    for (size_t k = 0; k < b->h.ncat; k++)
        b->h.cat_size[k] = ds->cat_size[k];
    b->h.nmiss = ds->nmiss < PT_IMAGE_MAX_MISS ? ds->nmiss : PT_IMAGE_MAX_MISS;
    for (size_t k = 0; k < b->h.nmiss; k++)
        b->h.miss_col[k] = (uint32_t)ds->miss_col[k];
    for (size_t r = 0; r < ds->rows; r++) {
        y[dst[r]] = ds->y[r];
        if (w != NULL)
            w[dst[r]] = ds->w[r];
        memcpy(x + dst[r] * p, ds->x + r * p, p * sizeof(double));
    }
    rc = pt_image_end(&b, block_of_row, dst, fingerprint, fd_out, held, err);
    free(dst);
    return rc;
}

static int image_check(const pt_shm_seg_t *seg, int fd, char *err)
{
    const pt_image_hdr_t *h = seg->base;
    if (memcmp(h->magic, PT_IMAGE_MAGIC, sizeof PT_IMAGE_MAGIC) != 0 ||
        h->version != PT_IMAGE_VERSION || h->total_size > (uint64_t)seg->size ||
        h->x_off + h->rows * h->features * sizeof(double) > h->rid_off ||
        h->rid_off + h->rows * sizeof(uint64_t) > h->total_size ||
        (h->valid_off != 0 && h->valid_off + h->rows > h->total_size) ||
        (h->w_off != 0 && (h->w_off < h->y_off || h->w_off + h->rows * sizeof(double) > h->x_off))) {
        pt_seterr(err, "image descriptor %d: not a paratune image of version %d", fd,
                  PT_IMAGE_VERSION);
        return -EINVAL;
    }
    return 0;
}

pt_image_t *pt_image_map(int fd, char *err)
{
    pt_image_t *img = pt_shm_attach(sizeof *img, fd, 0, sizeof *img->hdr, "image", image_check,
                                    err);
    if (img != NULL)
        img->hdr = img->seg.base;
    return img;
}

void pt_image_unmap(pt_image_t **pimg)
{
    if (pimg == NULL || *pimg == NULL)
        return;
    pt_shm_detach(&(*pimg)->seg);
    *pimg = NULL;
}

const pt_image_hdr_t *pt_image_header(const pt_image_t *img)
{
    return img->hdr;
}

const double *pt_image_block(const pt_image_t *img, size_t b, const double **y, size_t *n)
{
    const char *c = img->seg.base;
    const uint64_t *bs = (const uint64_t *)(c + img->hdr->block_off);
    const double *ys = (const double *)(c + img->hdr->y_off);
    const double *xs = (const double *)(c + img->hdr->x_off);
    *n = (size_t)(bs[b + 1] - bs[b]);
    if (y != NULL)
        *y = ys + bs[b];
    return xs + bs[b] * img->hdr->features;
}

const double *pt_image_w(const pt_image_t *img)
{
    if (img->hdr->w_off == 0)
        return NULL;
    return (const double *)((const char *)img->seg.base + img->hdr->w_off);
}

const double *pt_image_block_w(const pt_image_t *img, size_t b)
{
    const uint64_t *bs = (const uint64_t *)((const char *)img->seg.base + img->hdr->block_off);
    const double *w = pt_image_w(img);
    return w != NULL ? w + bs[b] : NULL;
}

const uint64_t *pt_image_block_rid(const pt_image_t *img, size_t b)
{
    const char *c = img->seg.base;
    const uint64_t *bs = (const uint64_t *)(c + img->hdr->block_off);
    return (const uint64_t *)(c + img->hdr->rid_off) + bs[b];
}

const uint8_t *pt_image_block_valid(const pt_image_t *img, size_t b)
{
    const char *c = img->seg.base;
    const uint64_t *bs = (const uint64_t *)(c + img->hdr->block_off);
    if (img->hdr->valid_off == 0)
        return NULL;
    return (const uint8_t *)(c + img->hdr->valid_off) + bs[b];
}

void pt_image_describe(pt_image_builder_t *b, const pt_dataset_t *ds)
{
    pt_image_hdr_t *h = &b->h;
    h->ncat = ds->ncat < PT_IMAGE_MAX_CAT ? ds->ncat : PT_IMAGE_MAX_CAT;
    h->nmiss = ds->nmiss < PT_IMAGE_MAX_MISS ? ds->nmiss : PT_IMAGE_MAX_MISS;
    h->cat_missing = ds->cat_missing;
    for (size_t k = 0; k < PT_IMAGE_MAX_CAT; k++)
        h->cat_size[k] = k < h->ncat ? ds->cat_size[k] : 0;
    for (size_t k = 0; k < PT_IMAGE_MAX_MISS; k++)
        h->miss_col[k] = k < h->nmiss ? (uint32_t)ds->miss_col[k] : 0;
    b->valid = ds->valid;
}
