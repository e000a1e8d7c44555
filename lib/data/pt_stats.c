/* pt_stats.c - the shared moments cache (see pt_stats.h).
 *
 * Layout: a header, then nblocks slots of equal size; a slot is
 *   uint64 ready | double n, ymean, syy | mean[p] | sxy[p] | min[p] | max[p] | S[p*p]
 * and is written by exactly one stats job before any job reads it; ready is set last with a
 * release store and read with an acquire load, so a reader that sees it set sees the data.
 */
#include "pt_stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pt_common.h"
#include "pt_shm.h"

#define STATS_MAGIC 0x5354415453545050ULL /* "PPTSTATS" */

typedef struct {
    uint64_t magic, nblocks, p, slot_bytes;
} hdr_t;

struct pt_stats {
    pt_shm_seg_t seg; /* first: the handle is made and freed by pt_shm_attach/detach */
    const hdr_t *h;
};

static size_t slot_bytes(size_t p)
{
    return (4 + 4 * p + p * p) * sizeof(double);
}

int pt_stats_create(size_t nblocks, size_t p, int *fd_out, char *err)
{
    int fd, rc;
    size_t size;
    hdr_t h;

    *fd_out = -1;
    if (p == 0 || p > PT_STATS_MAX_FEATURES || nblocks == 0) {
        pt_seterr(err, "no shared moments for %zu features", p);
        return -EINVAL;
    }
    size = sizeof h + nblocks * slot_bytes(p);
    if ((rc = pt_shm_create(size, &fd, NULL, err)) != 0)
        return rc;
    h.magic = STATS_MAGIC;
    h.nblocks = nblocks;
    h.p = p;
    h.slot_bytes = slot_bytes(p);
    if (pwrite(fd, &h, sizeof h, 0) != (ssize_t)sizeof h) {
        rc = -errno;
        pt_seterr(err, "writing the shared moments header: %s", strerror(errno));
        close(fd);
        return rc ? rc : -EIO;
    }
    *fd_out = fd;
    return 0;
}

static int stats_check(const pt_shm_seg_t *seg, int fd, char *err)
{
    const hdr_t *h = seg->base;
    if (h->magic != STATS_MAGIC || h->slot_bytes != slot_bytes(h->p) ||
        sizeof *h + h->nblocks * h->slot_bytes != (uint64_t)seg->size) {
        pt_seterr(err, "stats descriptor %d: not a shared moments segment", fd);
        return -EINVAL;
    }
    return 0;
}

pt_stats_t *pt_stats_map(int fd, char *err)
{
    pt_stats_t *s = pt_shm_attach(sizeof *s, fd, 1, sizeof(hdr_t), "stats", stats_check, err);
    if (s != NULL)
        s->h = s->seg.base;
    return s;
}

void pt_stats_unmap(pt_stats_t **ps)
{
    if (ps == NULL || *ps == NULL)
        return;
    pt_shm_detach(&(*ps)->seg);
    *ps = NULL;
}

size_t pt_stats_nblocks(const pt_stats_t *s)
{
    return (size_t)s->h->nblocks;
}

static char *slot(const pt_stats_t *s, size_t b)
{
    return (char *)s->seg.base + sizeof(hdr_t) + b * s->h->slot_bytes;
}

int pt_stats_publish(pt_stats_t *s, size_t b, const pt_moments_t *m)
{
    char *sl;
    double *d;
    size_t p = (size_t)s->h->p;
    if (b >= s->h->nblocks || m->p != p)
        return -EINVAL;
    sl = slot(s, b);
    d = (double *)(sl + sizeof(uint64_t));
    d[0] = m->n;
    d[1] = m->ymean;
    d[2] = m->syy;
    memcpy(d + 3, m->mean, p * sizeof(double));
    memcpy(d + 3 + p, m->sxy, p * sizeof(double));
    memcpy(d + 3 + 2 * p, m->min, p * sizeof(double));
    memcpy(d + 3 + 3 * p, m->max, p * sizeof(double));
    memcpy(d + 3 + 4 * p, m->S, p * p * sizeof(double));
    __atomic_store_n((uint64_t *)sl, 1, __ATOMIC_RELEASE);
    return 0;
}

int pt_stats_view(const pt_stats_t *s, size_t b, pt_moments_t *view)
{
    char *sl;
    double *d;
    size_t p = (size_t)s->h->p;
    if (b >= s->h->nblocks)
        return 0;
    sl = slot(s, b);
    if (__atomic_load_n((const uint64_t *)sl, __ATOMIC_ACQUIRE) != 1)
        return 0;
    d = (double *)(sl + sizeof(uint64_t));
    view->p = p;
    view->n = d[0];
    view->ymean = d[1];
    view->syy = d[2];
    view->mean = d + 3;
    view->sxy = d + 3 + p;
    view->min = d + 3 + 2 * p;
    view->max = d + 3 + 3 * p;
    view->S = d + 3 + 4 * p;
    return 1;
}
