/* pt_stats.c - the shared moments cache (see pt_stats.h).
 *
 * Layout: a header, the piece table (cut segments: per image block its first stats job and
 * piece count), then nblocks slots of equal size, then (cut segments) kinds x njobs piece
 * slots; a slot is
 *   uint64 ready | double n, ymean, syy | mean[p] | sxy[p] | min[p] | max[p] | S[p*p]
 * and is written before any job reads it; ready is set last with a release store and read
 * with an acquire load, so a reader that sees it set sees the data. Piece slots are set and
 * read sequentially consistent: of two jobs publishing the last two pieces of a block at
 * once, at least one sees the other's (no store-buffer reordering), so the block is always
 * merged; when both see all, both write the same bytes (the merge order is fixed).
 */
#include "pt_stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pt_common.h"
#include "pt_shm.h"

#define STATS_MAGIC 0x5354415453545050ULL /* "PPTSTATS" */

typedef struct {
    uint64_t magic, nblocks, p, slot_bytes;
    uint64_t nimg, njobs; /* cut segments: image blocks and stats jobs (pieces); else 0 */
} hdr_t;

/* The piece table's entry of an image block. */
typedef struct {
    uint64_t first, count;
} cut_t;

struct pt_stats {
    pt_shm_seg_t seg; /* first: the handle is made and freed by pt_shm_attach/detach */
    const hdr_t *h;
    const cut_t *tab; /* the piece table (h->nimg entries) */
};

static size_t slot_bytes(size_t p)
{
    return (4 + 4 * p + p * p) * sizeof(double);
}

size_t pt_stats_plan(size_t nblocks, const size_t *rows, size_t p, size_t kinds, size_t *count)
{
    size_t total = 0, cut = 0, jobs = 0, piece, cap;
    for (size_t b = 0; b < nblocks; b++)
        total += rows[b];
    /* about PT_STATS_PIECES pieces in all, none below PT_STATS_PIECE_ROWS rows */
    piece = (total + PT_STATS_PIECES - 1) / PT_STATS_PIECES;
    if (piece < PT_STATS_PIECE_ROWS)
        piece = PT_STATS_PIECE_ROWS;
    cap = (size_t)(PT_STATS_PIECE_BYTES / ((double)(kinds ? kinds : 1) * slot_bytes(p ? p : 1)));
    for (size_t b = 0; b < nblocks; b++) {
        size_t c = (rows[b] + piece / 2) / piece; /* rounded: 66,667 / 8,334 is 8 */
        count[b] = c > 1 ? c : 1;
        cut += count[b] > 1 ? count[b] : 0;
    }
    for (size_t b = 0; b < nblocks; b++) {
        if (cut > cap) /* wide data: fewer pieces, so that their slots stay within bounds */
            count[b] = count[b] * cap / cut > 1 ? count[b] * cap / cut : 1;
        jobs += count[b];
    }
    return jobs;
}

double pt_stats_plan_bytes(size_t rows, size_t nblocks, size_t p, size_t kinds)
{
    /* pt_stats_plan's jobs: at most PT_STATS_PIECES (or the cap) and, rounded, half a piece
     * more a block, and one for each block left whole; a piece slot of each kind a job */
    double k = (double)(kinds ? kinds : 1), slot, cap;
    if (rows < 2 * PT_STATS_PIECE_ROWS || p == 0 || p > PT_STATS_MAX_FEATURES)
        return 0;
    slot = (double)slot_bytes(p);
    cap = floor(PT_STATS_PIECE_BYTES / (k * slot));
    return k * slot * ((cap < PT_STATS_PIECES ? cap : PT_STATS_PIECES) + 2.0 * (double)nblocks) +
           sizeof(cut_t) * (double)nblocks;
}

int pt_stats_create(size_t nblocks, size_t p, int *fd_out, char *err)
{
    return pt_stats_create_cut(nblocks, p, 0, NULL, fd_out, err);
}

int pt_stats_create_cut(size_t nslots, size_t p, size_t nimg, const size_t *count, int *fd_out,
                        char *err)
{
    int fd = -1, rc = 0;
    size_t size, njobs = 0, kinds, any = 0, tbytes;
    hdr_t h;
    cut_t *tab = NULL;

    *fd_out = -1;
    if (p == 0 || p > PT_STATS_MAX_FEATURES || nslots == 0 ||
        (nimg > 0 && nslots % nimg != 0)) {
        pt_seterr(err, "no shared moments for %zu features", p);
        return -EINVAL;
    }
    for (size_t b = 0; b < nimg; b++) {
        njobs += count[b];
        any |= count[b] > 1;
    }
    if (!any) /* nothing cut: a segment without pieces */
        nimg = njobs = 0;
    kinds = nimg > 0 ? nslots / nimg : 0;
    tbytes = nimg * sizeof *tab;
    size = sizeof h + tbytes + (nslots + kinds * njobs) * slot_bytes(p);
    if ((tab = malloc(tbytes + 1)) == NULL) {
        pt_seterr(err, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    for (size_t b = 0, first = 0; b < nimg; first += count[b], b++)
        tab[b] = (cut_t){first, count[b]};
    if ((rc = pt_shm_create(size, &fd, NULL, err)) != 0)
        goto out;
    h = (hdr_t){STATS_MAGIC, nslots, p, slot_bytes(p), nimg, njobs};
    if (pwrite(fd, &h, sizeof h, 0) != (ssize_t)sizeof h ||
        (tbytes > 0 && pwrite(fd, tab, tbytes, sizeof h) != (ssize_t)tbytes)) {
        rc = errno ? -errno : -EIO;
        pt_seterr(err, "writing the shared moments header: %s", strerror(errno));
        close(fd);
        goto out;
    }
    *fd_out = fd;
out:
    free(tab);
    return rc;
}

static int stats_check(const pt_shm_seg_t *seg, int fd, char *err)
{
    const hdr_t *h = seg->base;
    const cut_t *tab = (const cut_t *)(h + 1);
    uint64_t first = 0;
    /* the magic is checked before the rest of the header is read (a short file) */
    int ok = h->magic == STATS_MAGIC && seg->size >= sizeof *h &&
             h->slot_bytes == slot_bytes(h->p) && h->nimg <= h->nblocks && (h->nimg == 0 || h->nblocks % h->nimg == 0) &&
             h->njobs <= (uint64_t)seg->size / h->slot_bytes &&
             sizeof *h + h->nimg * sizeof *tab +
                     (h->nblocks + (h->nimg ? h->nblocks / h->nimg : 0) * h->njobs) *
                         h->slot_bytes ==
                 (uint64_t)seg->size;
    for (uint64_t b = 0; ok && b < h->nimg; first += tab[b].count, b++)
        ok = tab[b].first == first && tab[b].count >= 1 && tab[b].count <= h->njobs;
    if (!ok || first != h->njobs) {
        pt_seterr(err, "stats descriptor %d: not a shared moments segment", fd);
        return -EINVAL;
    }
    return 0;
}

pt_stats_t *pt_stats_map(int fd, char *err)
{
    pt_stats_t *s = pt_shm_attach(sizeof *s, fd, 1, sizeof(uint64_t), "stats", stats_check,
                                   err);
    if (s != NULL) {
        s->h = s->seg.base;
        s->tab = (const cut_t *)(s->h + 1);
    }
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

/* Slot b: a block slot below nblocks, then the piece slots (kind-major). */
static char *slot(const pt_stats_t *s, size_t b)
{
    return (char *)s->seg.base + sizeof(hdr_t) + s->h->nimg * sizeof(cut_t) +
           b * s->h->slot_bytes;
}

/* Writes m into slot sl's data (not its ready word). */
static void slot_write(char *sl, const pt_moments_t *m)
{
    double *d = (double *)(sl + sizeof(uint64_t));
    size_t p = m->p;
    d[0] = m->n;
    d[1] = m->ymean;
    d[2] = m->syy;
    memcpy(d + 3, m->mean, p * sizeof(double));
    memcpy(d + 3 + p, m->sxy, p * sizeof(double));
    memcpy(d + 3 + 2 * p, m->min, p * sizeof(double));
    memcpy(d + 3 + 3 * p, m->max, p * sizeof(double));
    memcpy(d + 3 + 4 * p, m->S, p * p * sizeof(double));
}

int pt_stats_publish(pt_stats_t *s, size_t b, const pt_moments_t *m)
{
    char *sl;
    if (b >= s->h->nblocks || m->p != (size_t)s->h->p)
        return -EINVAL;
    sl = slot(s, b);
    slot_write(sl, m);
    __atomic_store_n((uint64_t *)sl, 1, __ATOMIC_RELEASE);
    return 0;
}

/* A view of slot sl's data (ready or not). */
static void slot_view(const pt_stats_t *s, char *sl, pt_moments_t *view)
{
    double *d = (double *)(sl + sizeof(uint64_t));
    size_t p = (size_t)s->h->p;
    view->p = p;
    view->n = d[0];
    view->ymean = d[1];
    view->syy = d[2];
    view->mean = d + 3;
    view->sxy = d + 3 + p;
    view->min = d + 3 + 2 * p;
    view->max = d + 3 + 3 * p;
    view->S = d + 3 + 4 * p;
}

int pt_stats_view(const pt_stats_t *s, size_t b, pt_moments_t *view)
{
    char *sl;
    if (b >= s->h->nblocks)
        return 0;
    sl = slot(s, b);
    if (__atomic_load_n((const uint64_t *)sl, __ATOMIC_ACQUIRE) != 1)
        return 0;
    slot_view(s, sl, view);
    return 1;
}

size_t pt_stats_njobs(const pt_stats_t *s)
{
    return s->h->nimg > 0 ? (size_t)s->h->njobs : (size_t)s->h->nblocks;
}

int pt_stats_job(const pt_stats_t *s, size_t job, size_t *block, size_t *k, size_t *K)
{
    size_t lo = 0, hi = (size_t)s->h->nimg;
    if (hi == 0) { /* no pieces: job j is block j */
        *block = job;
        *k = 0;
        *K = 1;
        return job < s->h->nblocks ? 0 : -EINVAL;
    }
    if (job >= s->h->njobs)
        return -EINVAL;
    while (hi - lo > 1) { /* the last block whose first job is <= job */
        size_t mid = lo + (hi - lo) / 2;
        if (s->tab[mid].first <= job)
            lo = mid;
        else
            hi = mid;
    }
    *block = lo;
    *k = job - (size_t)s->tab[lo].first;
    *K = (size_t)s->tab[lo].count;
    return 0;
}

int pt_stats_publish_piece(pt_stats_t *s, size_t slt, size_t job, const pt_moments_t *m,
                           pt_moments_t *scratch)
{
    size_t nimg = (size_t)s->h->nimg, b, k, K, base;
    pt_moments_t v;
    char *bs;
    if (nimg == 0 || slt >= s->h->nblocks || pt_stats_job(s, job, &b, &k, &K) != 0 ||
        b != slt % nimg || m->p != (size_t)s->h->p || scratch->p != m->p)
        return -EINVAL;
    base = (size_t)s->h->nblocks + slt / nimg * (size_t)s->h->njobs + (size_t)s->tab[b].first;
    slot_write(slot(s, base + k), m);
    __atomic_store_n((uint64_t *)slot(s, base + k), 1, __ATOMIC_SEQ_CST);
    bs = slot(s, slt);
    if (__atomic_load_n((const uint64_t *)bs, __ATOMIC_SEQ_CST) == 1)
        return 1;
    for (size_t i = 0; i < K; i++)
        if (__atomic_load_n((const uint64_t *)slot(s, base + i), __ATOMIC_SEQ_CST) != 1)
            return 0; /* the job of that piece merges when it is done */
    pt_moments_clear(scratch);
    for (size_t i = 0; i < K; i++) { /* piece order, whoever merges */
        slot_view(s, slot(s, base + i), &v);
        pt_moments_merge(scratch, &v);
    }
    slot_write(bs, scratch);
    __atomic_store_n((uint64_t *)bs, 1, __ATOMIC_RELEASE);
    return 1;
}
