/* pt_codes.c - the shared codes segment (see pt_codes.h).
 *
 * Layout: a header, nslots slot records, then each slot's data at its offset: the codes
 * (rows x features x width bytes, width 2 when maxBins > 256), then room for the packed
 * thresholds (msgpack, pt_bins_pack). A record's ready word is set last with a release
 * store and read with an acquire load, so a reader that sees it set sees the data.
 */
#include "pt_codes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "pt_common.h"
#include "pt_shm.h"

#define CODES_MAGIC 0x534544434f435050ULL /* "PPCOCDES" */

typedef struct {
    uint64_t magic, nslots, size;
} hdr_t;

typedef struct {
    pt_codes_key_t key;
    uint64_t ready;       /* 0, then 1 (release store) */
    uint64_t off;         /* the slot's data, from the segment's start */
    uint64_t codes_bytes; /* room for the codes */
    uint64_t bins_cap;    /* room for the packed thresholds, after the codes */
    uint64_t bins_len;    /* their length once ready */
} rec_t;

struct pt_codes {
    pt_shm_seg_t seg; /* first: the handle is made and freed by pt_shm_attach/detach */
    const hdr_t *h;
    rec_t *rec;
};

uint64_t pt_codes_seed_key(size_t n, int max_bins, uint64_t seed)
{
    double required = (double)max_bins * (double)max_bins;
    return (double)n > (required > 10000 ? required : 10000) ? seed : 0;
}

size_t pt_codes_plan(const int *max_bins, const uint64_t *seed, size_t nmaps,
                     const size_t *ntrain, size_t nfolds, size_t features,
                     pt_codes_key_t *keys, int32_t *map)
{
    size_t n = 0;
    for (size_t i = 0; i < nmaps; i++)
        for (size_t f = 0; max_bins[i] > 0 && f < nfolds; f++) {
            pt_codes_key_t k = {(int32_t)f, max_bins[i],
                                pt_codes_seed_key(ntrain[f], max_bins[i], seed[i]),
                                ntrain[f], features};
            size_t j = 0;
            while (j < n && !(keys[j].fold == k.fold && keys[j].max_bins == k.max_bins &&
                              keys[j].seed_key == k.seed_key))
                j++;
            if (j == n) {
                keys[n] = k;
                map[n++] = (int32_t)i;
            }
        }
    return n;
}

static uint64_t codes_bytes(const pt_codes_key_t *k)
{
    return k->rows * k->features * (k->max_bins > 256 ? 2 : 1);
}

/* The packed thresholds: at most min(maxBins, rows) doubles per feature (9 bytes each in
 * msgpack) and a little per feature and map. */
static uint64_t bins_cap(const pt_codes_key_t *k)
{
    uint64_t per = (uint64_t)k->max_bins < k->rows ? (uint64_t)k->max_bins : k->rows;
    return k->features * (9 * (per + 1) + 64) + 1024;
}

static uint64_t round8(uint64_t v)
{
    return (v + 7) & ~(uint64_t)7;
}

size_t pt_codes_slot_bytes(const pt_codes_key_t *k)
{
    return (size_t)(round8(codes_bytes(k)) + round8(bins_cap(k)));
}

int pt_codes_create(const pt_codes_key_t *keys, size_t nslots, int *fd_out, char *err)
{
    uint64_t off = round8(sizeof(hdr_t) + nslots * sizeof(rec_t));
    rec_t *rec = calloc(nslots ? nslots : 1, sizeof *rec);
    hdr_t h;
    int fd = -1, rc = 0;

    *fd_out = -1;
    if (rec == NULL || nslots == 0) {
        pt_seterr(err, rec == NULL ? "out of memory" : "no codes slots");
        rc = rec == NULL ? -ENOMEM : -EINVAL;
        goto out;
    }
    for (size_t i = 0; i < nslots; i++) {
        rec[i].key = keys[i];
        rec[i].off = off;
        rec[i].codes_bytes = round8(codes_bytes(&keys[i]));
        rec[i].bins_cap = round8(bins_cap(&keys[i]));
        off += rec[i].codes_bytes + rec[i].bins_cap;
    }
    h = (hdr_t){CODES_MAGIC, nslots, off};
    if ((rc = pt_shm_create((size_t)off, &fd, NULL, err)) != 0)
        goto out;
    if (pwrite(fd, &h, sizeof h, 0) != (ssize_t)sizeof h ||
        pwrite(fd, rec, nslots * sizeof *rec, sizeof h) != (ssize_t)(nslots * sizeof *rec)) {
        rc = errno ? -errno : -EIO;
        pt_seterr(err, "writing the codes segment's header: %s", strerror(-rc));
        close(fd);
        goto out;
    }
    *fd_out = fd;
out:
    free(rec);
    return rc;
}

static int codes_check(const pt_shm_seg_t *seg, int fd, char *err)
{
    const hdr_t *h = seg->base;
    if (h->magic != CODES_MAGIC || h->size != (uint64_t)seg->size ||
        h->nslots > (seg->size - sizeof *h) / sizeof(rec_t)) {
        pt_seterr(err, "codes descriptor %d: not a shared codes segment", fd);
        return -EINVAL;
    }
    return 0;
}

pt_codes_t *pt_codes_map(int fd, char *err)
{
    pt_codes_t *c = pt_shm_attach(sizeof *c, fd, 1, sizeof(hdr_t), "codes", codes_check, err);
    if (c == NULL)
        return NULL;
    c->h = c->seg.base;
    c->rec = (rec_t *)((char *)c->seg.base + sizeof(hdr_t));
    for (size_t i = 0; i < c->h->nslots; i++)
        if (c->rec[i].off + c->rec[i].codes_bytes + c->rec[i].bins_cap > c->h->size) {
            pt_seterr(err, "codes descriptor %d: slot %zu out of the segment", fd, i);
            pt_codes_unmap(&c);
            return NULL;
        }
    return c;
}

void pt_codes_unmap(pt_codes_t **pc)
{
    if (pc == NULL || *pc == NULL)
        return;
    pt_shm_detach(&(*pc)->seg);
    *pc = NULL;
}

long pt_codes_find(const pt_codes_t *c, int32_t fold, int32_t max_bins, uint64_t seed_key)
{
    for (size_t i = 0; c != NULL && i < c->h->nslots; i++)
        if (c->rec[i].key.fold == fold && c->rec[i].key.max_bins == max_bins &&
            c->rec[i].key.seed_key == seed_key)
            return (long)i;
    return -1;
}

const pt_codes_key_t *pt_codes_key(const pt_codes_t *c, size_t i)
{
    return &c->rec[i].key;
}

void *pt_codes_dst(pt_codes_t *c, size_t i, size_t bytes)
{
    return bytes <= c->rec[i].codes_bytes ? (char *)c->seg.base + c->rec[i].off : NULL;
}

int pt_codes_publish(pt_codes_t *c, size_t i, const pt_bins_t *b, char *err)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    rec_t *r = &c->rec[i];
    int rc = 0;

    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    pt_bins_pack(b, &pk);
    if (sb.data == NULL || sb.size == 0) {
        pt_seterr(err, "out of memory");
        rc = -ENOMEM;
    } else if (sb.size > r->bins_cap ||
               pt_bins_code_bytes(b, (size_t)r->key.rows) > r->codes_bytes) {
        pt_seterr(err, "codes slot %zu: %zu bytes of thresholds, room for %llu", i, sb.size,
                  (unsigned long long)r->bins_cap);
        rc = -ENOSPC;
    } else {
        memcpy((char *)c->seg.base + r->off + r->codes_bytes, sb.data, sb.size);
        r->bins_len = sb.size;
        __atomic_store_n(&r->ready, 1, __ATOMIC_RELEASE);
    }
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

int pt_codes_view(const pt_codes_t *c, size_t i, pt_bins_t *b, const void **codes, char *err)
{
    const rec_t *r = &c->rec[i];
    msgpack_unpacked u;
    int rc;
    if (!__atomic_load_n(&r->ready, __ATOMIC_ACQUIRE))
        return 0;
    msgpack_unpacked_init(&u);
    if (r->bins_len > r->bins_cap ||
        msgpack_unpack_next(&u, (const char *)c->seg.base + r->off + r->codes_bytes,
                            (size_t)r->bins_len, NULL) != MSGPACK_UNPACK_SUCCESS) {
        pt_seterr(err, "codes slot %zu: thresholds do not unpack", i);
        rc = -EBADMSG;
    } else {
        rc = pt_bins_unpack(&u.data, b, err);
    }
    msgpack_unpacked_destroy(&u);
    if (rc != 0)
        return rc;
    *codes = (const char *)c->seg.base + r->off;
    return 1;
}
