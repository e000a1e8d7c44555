/* pt_image.c - building and mapping the shared-memory dataset image.
 *
 * The shm name is unlinked right after shm_open: the object lives exactly as long as some
 * process holds a descriptor or mapping, so a coordinator killed with SIGKILL leaves nothing
 * in /dev/shm. The read-write descriptor used to fill it is closed before any child exists;
 * children get a read-only descriptor reopened through /proc/self/fd.
 */
#include "pt_image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pt_common.h"

struct pt_image {
    void *base;
    size_t size;
    const pt_image_hdr_t *hdr;
};

static uint64_t align64(uint64_t v)
{
    return (v + 63) & ~(uint64_t)63;
}

int pt_image_build(const pt_dataset_t *ds, const int32_t *block_of_row, uint32_t nblocks,
                   pt_image_kind_t kind, uint64_t fingerprint, int *fd_out, void **held,
                   char *err)
{
    int fd = -1, ro = -1, rc = 0;
    void *base = MAP_FAILED;
    uint64_t *start = NULL, *fill = NULL;
    char name[64], proc[64];
    pt_image_hdr_t h;
    size_t p = ds->features;
    static unsigned counter;

    *fd_out = -1;
    if (held != NULL)
        *held = NULL;
    if (nblocks == 0) {
        pt_seterr(err, "image needs at least one block");
        return -EINVAL;
    }
    start = calloc((size_t)nblocks + 1, sizeof *start);
    fill = calloc((size_t)nblocks, sizeof *fill);
    if (start == NULL || fill == NULL) {
        pt_seterr(err, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    for (size_t r = 0; r < ds->rows; r++) {
        int32_t b = block_of_row[r];
        if (b < 0 || (uint32_t)b >= nblocks) {
            pt_seterr(err, "row %zu: block %d out of range [0, %u)", r + 1, b, nblocks);
            rc = -EINVAL;
            goto out;
        }
        start[b + 1]++;
    }
    for (uint32_t b = 0; b < nblocks; b++) {
        if (start[b + 1] == 0) {
            pt_seterr(err, "fold %u has no rows", b);
            rc = -EINVAL;
            goto out;
        }
        start[b + 1] += start[b];
    }

    memset(&h, 0, sizeof h);
    memcpy(h.magic, PT_IMAGE_MAGIC, sizeof PT_IMAGE_MAGIC);
    h.version = PT_IMAGE_VERSION;
    h.kind = (uint32_t)kind;
    h.rows = ds->rows;
    h.features = p;
    h.nblocks = nblocks;
    h.fingerprint = fingerprint;
    h.block_off = align64(sizeof h);
    h.index_off = align64(h.block_off + ((uint64_t)nblocks + 1) * sizeof(uint64_t));
    h.y_off = align64(h.index_off + ds->rows * sizeof(int64_t));
    h.x_off = align64(h.y_off + ds->rows * sizeof(double));
    h.total_size = h.x_off + (uint64_t)ds->rows * p * sizeof(double);

    snprintf(name, sizeof name, "/paratune-%ld-%u-%llx", (long)getpid(), counter++,
             (unsigned long long)(pt_now() * 1e9));
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        rc = -errno;
        pt_seterr(err, "shm_open %s: %s", name, strerror(errno));
        goto out;
    }
    shm_unlink(name);
    /* posix_fallocate so a full /dev/shm is an error here, not a SIGBUS while filling. */
    if ((rc = posix_fallocate(fd, 0, (off_t)h.total_size)) != 0) {
        pt_seterr(err, "cannot allocate %llu bytes of shared memory: %s",
                  (unsigned long long)h.total_size, strerror(rc));
        rc = -rc;
        goto out;
    }
    base = mmap(NULL, h.total_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
        rc = -errno;
        pt_seterr(err, "mmap of the shared-memory image: %s", strerror(errno));
        goto out;
    }
    {
        char *c = base;
        uint64_t *bs = (uint64_t *)(c + h.block_off);
        int64_t *idx = (int64_t *)(c + h.index_off);
        double *y = (double *)(c + h.y_off);
        double *x = (double *)(c + h.x_off);
        memcpy(c, &h, sizeof h);
        memcpy(bs, start, ((size_t)nblocks + 1) * sizeof *bs);
        for (size_t r = 0; r < ds->rows; r++) {
            int32_t b = block_of_row[r];
            uint64_t dst = start[b] + fill[b]++;
            idx[dst] = (int64_t)r;
            y[dst] = ds->y[r];
            memcpy(x + dst * p, ds->x + r * p, p * sizeof(double));
        }
    }
    if (held != NULL) {
        *held = base;
    } else {
        munmap(base, h.total_size);
    }
    base = MAP_FAILED;
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    ro = open(proc, O_RDONLY | O_CLOEXEC);
    if (ro < 0) {
        rc = -errno;
        pt_seterr(err, "reopening the shared-memory image read-only: %s", strerror(errno));
        if (held != NULL && *held != NULL) {
            munmap(*held, h.total_size);
            *held = NULL;
        }
        goto out;
    }
    *fd_out = ro;
    ro = -1;
out:
    if (base != MAP_FAILED)
        munmap(base, h.total_size);
    if (fd >= 0)
        close(fd);
    if (ro >= 0)
        close(ro);
    free(start);
    free(fill);
    return rc;
}

pt_image_t *pt_image_map(int fd, char *err)
{
    struct stat st;
    pt_image_t *img = NULL;
    void *base = MAP_FAILED;
    const pt_image_hdr_t *h;

    if (fstat(fd, &st) != 0) {
        pt_seterr(err, "image descriptor %d: %s", fd, strerror(errno));
        return NULL;
    }
    if ((size_t)st.st_size < sizeof *h) {
        pt_seterr(err, "image descriptor %d: too small to be an image", fd);
        return NULL;
    }
    base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
        pt_seterr(err, "mmap of image descriptor %d: %s", fd, strerror(errno));
        return NULL;
    }
    h = base;
    if (memcmp(h->magic, PT_IMAGE_MAGIC, sizeof PT_IMAGE_MAGIC) != 0 ||
        h->version != PT_IMAGE_VERSION || h->total_size != (uint64_t)st.st_size ||
        h->x_off + h->rows * h->features * sizeof(double) != h->total_size) {
        pt_seterr(err, "image descriptor %d: not a paratune image of version %d", fd,
                  PT_IMAGE_VERSION);
        munmap(base, (size_t)st.st_size);
        return NULL;
    }
    img = calloc(1, sizeof *img);
    if (img == NULL) {
        pt_seterr(err, "out of memory");
        munmap(base, (size_t)st.st_size);
        return NULL;
    }
    img->base = base;
    img->size = (size_t)st.st_size;
    img->hdr = h;
    return img;
}

void pt_image_unmap(pt_image_t **pimg)
{
    if (pimg == NULL || *pimg == NULL)
        return;
    munmap((*pimg)->base, (*pimg)->size);
    free(*pimg);
    *pimg = NULL;
}

const pt_image_hdr_t *pt_image_header(const pt_image_t *img)
{
    return img->hdr;
}

const double *pt_image_block(const pt_image_t *img, size_t b, const double **y, size_t *n)
{
    const char *c = img->base;
    const uint64_t *bs = (const uint64_t *)(c + img->hdr->block_off);
    const double *ys = (const double *)(c + img->hdr->y_off);
    const double *xs = (const double *)(c + img->hdr->x_off);
    *n = (size_t)(bs[b + 1] - bs[b]);
    if (y != NULL)
        *y = ys + bs[b];
    return xs + bs[b] * img->hdr->features;
}

const int64_t *pt_image_row_index(const pt_image_t *img)
{
    return (const int64_t *)((const char *)img->base + img->hdr->index_off);
}
