/* pt_imgcache.c - the image cache's file: writing it, and checking it before it is mapped.
 *
 * The description after the image is a sequence of little-endian 64-bit integers and
 * strings (a 64-bit length, UINT64_MAX for none, then the bytes); its reader checks every
 * length against what is left, so that a damaged file is a miss, never a crash (its CRC is
 * checked first anyway). The image's checksums are one CRC-32C per PT_IMGCACHE_PIECE bytes,
 * computed on every CPU this process may use: a second run reads the whole image once, at
 * page-cache speed, before trusting it.
 */
#include "pt_imgcache.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "pt_common.h"
#include "pt_cpus.h"
#include "pt_crc32c.h"
#include "pt_file.h"
#include "pt_image.h"

#define IMGC__SAMPLE ((size_t)64 << 10) /* bytes of the data file's head and tail hashed */
#define IMGC__THREADS 8                 /* checksum threads, at most */
#define IMGC__NONE UINT64_MAX           /* a string's length: no string (NULL) */

/* libFuzzer's convention (tests/fuzz/fuzz_imgcache.c): the fuzz build defines this macro, and
 * then a checksum, key or identity that does not match is not a miss, so that a mutated file
 * reaches the parsing behind those checks. Never defined in any other build. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define IMGC__MISMATCH_FATAL 0
#else
#define IMGC__MISMATCH_FATAL 1
#endif

typedef struct {
    char magic[8];     /* PT_IMGCACHE_MAGIC */
    uint64_t meta_off; /* the description's offset = the image's size */
    uint64_t meta_len;
    uint32_t meta_crc; /* CRC-32C of the description */
    uint32_t pad;
} imgc__trailer_t;

/* ---------------------------------------------------------------- identity and path */

static uint32_t imgc__crc_range(int fd, off_t off, size_t n, int *rc)
{
    char *buf = malloc(n ? n : 1);
    ssize_t got;
    uint32_t crc = 0;
    if (buf == NULL) {
        *rc = -ENOMEM;
        return 0;
    }
    got = pread(fd, buf, n, off);
    if (got < 0)
        *rc = -errno;
    else
        crc = pt_crc32c(buf, (size_t)got);
    free(buf);
    return crc;
}

int pt_imgcache_ident(const char *path, pt_imgcache_ident_t *id, char *err)
{
    struct stat st;
    int fd, rc = 0;
    size_t n;

    memset(id, 0, sizeof *id);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        rc = -errno;
        pt_seterr(err, "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    id->dev = (uint64_t)st.st_dev;
    id->ino = (uint64_t)st.st_ino;
    id->size = (uint64_t)st.st_size;
    id->mtime_sec = (uint64_t)st.st_mtim.tv_sec;
    id->mtime_nsec = (uint64_t)st.st_mtim.tv_nsec;
    n = id->size < IMGC__SAMPLE ? (size_t)id->size : IMGC__SAMPLE;
    id->head_crc = imgc__crc_range(fd, 0, n, &rc);
    id->tail_crc = imgc__crc_range(fd, (off_t)(id->size - n), n, &rc);
    if (rc != 0)
        pt_seterr(err, "%s: cannot read: %s", path, strerror(-rc));
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

int pt_imgcache_path(const char *dir, const char *key, char *path, size_t len, char *err)
{
    uint64_t h = pt_mix64(pt_hash64(PT_FNV_SEED, key, strlen(key)));
    if ((size_t)snprintf(path, len, "%s/%016llx%s", dir, (unsigned long long)h,
                         PT_IMGCACHE_SUFFIX) >= len) {
        pt_seterr(err, "%s: path too long", dir);
        return -ENAMETOOLONG;
    }
    return 0;
}

/* ---------------------------------------------------------------- piece checksums */

typedef struct {
    const char *base;
    size_t len, npieces;
    uint32_t *crc;
    size_t first, step; /* pieces first, first + step, ... */
} imgc__crc_job_t;

static void *imgc__crc_thread(void *arg)
{
    imgc__crc_job_t *j = arg;
    for (size_t k = j->first; k < j->npieces; k += j->step) {
        size_t off = k * PT_IMGCACHE_PIECE;
        size_t n = j->len - off < PT_IMGCACHE_PIECE ? j->len - off : PT_IMGCACHE_PIECE;
        j->crc[k] = pt_crc32c(j->base + off, n);
    }
    return NULL;
}

/* crc[k] := CRC-32C of piece k of base[0..len), on up to IMGC__THREADS threads (a thread that
 * cannot be started leaves its pieces to the caller's thread). */
static void imgc__crc_pieces(const void *base, size_t len, uint32_t *crc, size_t npieces)
{
    imgc__crc_job_t jobs[IMGC__THREADS];
    pthread_t tid[IMGC__THREADS];
    int started[IMGC__THREADS] = {0};
    size_t n = (size_t)pt_cpus_count();
    if (n > IMGC__THREADS)
        n = IMGC__THREADS;
    if (n > npieces)
        n = npieces ? npieces : 1;
    for (size_t t = 0; t < n; t++) {
        jobs[t] = (imgc__crc_job_t){.base = base, .len = len, .npieces = npieces, .crc = crc,
                                    .first = t, .step = n};
        if (t > 0)
            started[t] = pthread_create(&tid[t], NULL, imgc__crc_thread, &jobs[t]) == 0;
    }
    imgc__crc_thread(&jobs[0]);
    for (size_t t = 1; t < n; t++) {
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            imgc__crc_thread(&jobs[t]);
    }
}

static size_t imgc__npieces(size_t len)
{
    return (len + PT_IMGCACHE_PIECE - 1) / PT_IMGCACHE_PIECE;
}

/* ---------------------------------------------------------------- the description */

typedef struct {
    char *buf;
    size_t len, cap;
    int failed;
} imgc__out_t;

static void imgc__put(imgc__out_t *o, const void *p, size_t n)
{
    if (o->failed)
        return;
    if (o->len + n > o->cap) {
        size_t cap = (o->cap ? o->cap * 2 : 4096) + n;
        char *b = realloc(o->buf, cap);
        if (b == NULL) {
            o->failed = 1;
            return;
        }
        o->buf = b;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

static void imgc__put_u64(imgc__out_t *o, uint64_t v)
{
    imgc__put(o, &v, sizeof v);
}

static void imgc__put_str(imgc__out_t *o, const char *s)
{
    imgc__put_u64(o, s != NULL ? (uint64_t)strlen(s) : IMGC__NONE);
    if (s != NULL)
        imgc__put(o, s, strlen(s));
}

static void imgc__put_strv(imgc__out_t *o, char *const *v, size_t n)
{
    imgc__put_u64(o, v != NULL ? (uint64_t)n : IMGC__NONE);
    for (size_t i = 0; v != NULL && i < n; i++)
        imgc__put_str(o, v[i]);
}

typedef struct {
    const char *p, *end;
    size_t image_len; /* the bytes before the description: the image */
    int bad;
} imgc__in_t;

static uint64_t imgc__get_u64(imgc__in_t *in)
{
    uint64_t v = 0;
    if (in->bad || (size_t)(in->end - in->p) < sizeof v) {
        in->bad = 1;
        return 0;
    }
    memcpy(&v, in->p, sizeof v);
    in->p += sizeof v;
    return v;
}

/* An owned copy of the next string (NULL for none, or when the input is bad: in->bad). */
static char *imgc__get_str(imgc__in_t *in)
{
    uint64_t n = imgc__get_u64(in);
    char *s;
    if (in->bad || n == IMGC__NONE)
        return NULL;
    if (n > (uint64_t)(in->end - in->p) || (s = malloc((size_t)n + 1)) == NULL) {
        in->bad = 1;
        return NULL;
    }
    memcpy(s, in->p, (size_t)n);
    s[n] = '\0';
    in->p += n;
    return s;
}

/* An owned vector of the next strings; *n their count (0 and NULL for none). */
static char **imgc__get_strv(imgc__in_t *in, size_t *n)
{
    uint64_t k = imgc__get_u64(in);
    char **v;
    *n = 0;
    if (in->bad || k == IMGC__NONE)
        return NULL;
    if (k > (uint64_t)(in->end - in->p) / sizeof(uint64_t) ||
        (v = calloc(k ? (size_t)k : 1, sizeof *v)) == NULL) {
        in->bad = 1;
        return NULL;
    }
    for (size_t i = 0; i < k; i++)
        if ((v[i] = imgc__get_str(in)) == NULL)
            in->bad = 1;
    *n = (size_t)k;
    return v;
}

static void imgc__put_ident(imgc__out_t *o, const pt_imgcache_ident_t *id)
{
    uint64_t v[7] = {id->dev, id->ino, id->size, id->mtime_sec, id->mtime_nsec, id->head_crc,
                     id->tail_crc};
    for (size_t i = 0; i < 7; i++)
        imgc__put_u64(o, v[i]);
}

static int imgc__same_ident(imgc__in_t *in, const pt_imgcache_ident_t *id)
{
    uint64_t v[7] = {id->dev, id->ino, id->size, id->mtime_sec, id->mtime_nsec, id->head_crc,
                     id->tail_crc};
    int same = 1;
    for (size_t i = 0; i < 7; i++)
        same &= imgc__get_u64(in) == v[i];
    return same && !in->bad;
}

/* The description of a cache file: key, identity, piece checksums, then the dataset's. */
static void imgc__describe(imgc__out_t *o, const char *key, const pt_imgcache_ident_t *id,
                           const uint32_t *crc, size_t npieces, size_t len,
                           const pt_dataset_t *ds)
{
    imgc__put_str(o, key);
    imgc__put_ident(o, id);
    imgc__put_u64(o, len);
    imgc__put_u64(o, npieces);
    for (size_t k = 0; k < npieces; k++)
        imgc__put_u64(o, crc[k]);
    imgc__put_u64(o, (uint64_t)ds->format);
    imgc__put_u64(o, (uint64_t)(unsigned char)ds->sep);
    imgc__put_u64(o, ds->rows);
    imgc__put_u64(o, ds->features);
    imgc__put_str(o, ds->label_name);
    imgc__put_str(o, ds->weight_name);
    imgc__put_strv(o, ds->names, ds->features);
    imgc__put_strv(o, ds->cat_names, ds->ncat);
    imgc__put_strv(o, ds->label_values, ds->nlabel_values);
}

/* ---------------------------------------------------------------- writing */

/* -ENOSPC with the sizes in err when writing len bytes into dir's file system would leave
 * less than the reserve free. */
static int imgc__room(int fd, const char *path, uint64_t len, char *err)
{
    struct statvfs vfs;
    uint64_t avail, total, reserve;
    if (fstatvfs(fd, &vfs) != 0)
        return 0; /* the write itself says whether it fits */
    avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
    total = (uint64_t)vfs.f_blocks * vfs.f_frsize;
    reserve = total / 20 > PT_IMGCACHE_RESERVE ? total / 20 : PT_IMGCACHE_RESERVE;
    if (avail >= len && avail - len >= reserve)
        return 0;
    pt_seterr(err, "%s: not written: %.1f MB would leave %.1f MB free of %.1f MB (the cache "
              "keeps %.0f MB or 5%% free)", path, (double)len / 1e6,
              avail > len ? (double)(avail - len) / 1e6 : 0.0, (double)total / 1e6,
              (double)reserve / 1e6);
    return -ENOSPC;
}

int pt_imgcache_write(const char *path, const char *key, const char *data,
                      const pt_imgcache_ident_t *id, const pt_dataset_t *ds, const void *image,
                      size_t len, char *err)
{
    pt_imgcache_ident_t now;
    imgc__out_t o = {0};
    imgc__trailer_t t;
    size_t npieces = imgc__npieces(len);
    uint32_t *crc = calloc(npieces ? npieces : 1, sizeof *crc);
    pt_file_t *f = NULL;
    int rc;

    if (crc == NULL) {
        pt_seterr(err, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    if ((rc = pt_imgcache_ident(data, &now, err)) != 0)
        goto out;
    if (memcmp(&now, id, sizeof now) != 0) {
        pt_seterr(err, "%s: not written: %s changed while it was read", path, data);
        rc = -ESTALE;
        goto out;
    }
    imgc__crc_pieces(image, len, crc, npieces);
    imgc__describe(&o, key, id, crc, npieces, len, ds);
    if (o.failed) {
        pt_seterr(err, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    memset(&t, 0, sizeof t);
    memcpy(t.magic, PT_IMGCACHE_MAGIC, sizeof t.magic);
    t.meta_off = len;
    t.meta_len = o.len;
    t.meta_crc = pt_crc32c(o.buf, o.len);
    if ((f = pt_file_begin(path, err)) == NULL) {
        rc = errno ? -errno : -EIO;
        goto out;
    }
    if ((rc = imgc__room(pt_file_fd(f), path, len + o.len + sizeof t, err)) != 0 ||
        (rc = pt_file_write(f, image, len, err)) != 0 ||
        (rc = pt_file_write(f, o.buf, o.len, err)) != 0 ||
        (rc = pt_file_write(f, &t, sizeof t, err)) != 0)
        goto out;
    rc = pt_file_commit(&f, 0, err);
out:
    pt_file_abort(&f);
    free(o.buf);
    free(crc);
    return rc;
}

/* ---------------------------------------------------------------- reading */

/* Whether n items of size bytes at offset off fit in the first end bytes, aligned for their
 * type (the offsets and counts are the file's: a sum or product of them may not wrap). */
static int imgc__within(uint64_t off, uint64_t n, size_t size, uint64_t end)
{
    return off % size == 0 && off <= end && n <= (end - off) / size;
}

/* The image's header against the description's size, and its arrays within it. */
static int imgc__check_image(const char *base, size_t len, const pt_dataset_t *ds)
{
    const pt_image_hdr_t *h = (const void *)base;
    if (len < sizeof *h || memcmp(h->magic, PT_IMAGE_MAGIC, sizeof PT_IMAGE_MAGIC) != 0 ||
        h->version != PT_IMAGE_VERSION || h->total_size != len || h->rows != ds->rows ||
        h->features != ds->features || h->ncat != ds->ncat || h->ncat > PT_IMAGE_MAX_CAT ||
        h->nmiss > PT_IMAGE_MAX_MISS || h->nblocks == 0 || h->nblocks > INT32_MAX ||
        !imgc__within(h->block_off, h->nblocks + 1, sizeof(uint64_t), h->y_off) ||
        !imgc__within(h->y_off, h->rows, sizeof(double), len) ||
        !imgc__within(h->rid_off, h->rows, sizeof(uint64_t), len) ||
        (h->w_off != 0 && !imgc__within(h->w_off, h->rows, sizeof(double), len)))
        return -EINVAL;
    return 0;
}

/* The dataset's description from the input (after the checksums), and its rows' labels and
 * weights from the image. NULL when the description is bad or memory runs out. */
static pt_dataset_t *imgc__read_dataset(imgc__in_t *in, const char *base)
{
    const pt_image_hdr_t *h = (const void *)base;
    pt_dataset_t *ds = calloc(1, sizeof *ds);
    size_t n;
    if (ds == NULL)
        return NULL;
    ds->format = (pt_format_t)imgc__get_u64(in);
    ds->sep = (char)imgc__get_u64(in);
    ds->rows = (size_t)imgc__get_u64(in);
    ds->features = (size_t)imgc__get_u64(in);
    ds->label_name = imgc__get_str(in);
    ds->weight_name = imgc__get_str(in);
    ds->names = imgc__get_strv(in, &n);
    if (ds->names != NULL && n != ds->features) {
        /* freed by its own count: pt_dataset_destroy's would be the file's features */
        pt_strv_free(ds->names, n);
        ds->names = NULL;
        in->bad = 1;
    }
    ds->cat_names = imgc__get_strv(in, &ds->ncat);
    ds->label_values = imgc__get_strv(in, &ds->nlabel_values);
    ds->borrowed = 1; /* y and w are the mapping's */
    if (in->bad || in->p != in->end || ds->label_name == NULL ||
        imgc__check_image(base, in->image_len, ds) != 0 ||
        (h->w_off != 0) != (ds->weight_name != NULL))
        goto bad;
    ds->y = (double *)(base + h->y_off);
    ds->w = h->w_off != 0 ? (double *)(base + h->w_off) : NULL;
    ds->fp_valid = 1;
    ds->fingerprint = h->fingerprint;
    ds->cat_missing = h->cat_missing;
    ds->nmiss = (size_t)h->nmiss;
    ds->cat_size = malloc((ds->ncat ? ds->ncat : 1) * sizeof *ds->cat_size);
    ds->miss_col = malloc((ds->nmiss ? ds->nmiss : 1) * sizeof *ds->miss_col);
    if (ds->cat_size == NULL || ds->miss_col == NULL)
        goto bad;
    for (size_t k = 0; k < ds->ncat; k++)
        ds->cat_size[k] = (size_t)h->cat_size[k];
    for (size_t k = 0; k < ds->nmiss; k++)
        ds->miss_col[k] = h->miss_col[k];
    return ds;
bad:
    pt_dataset_destroy(&ds);
    return NULL;
}

/* fold and pos of every input row from the image's block table and row numbers; -EINVAL
 * when those are not a partition of 0..rows-1 into ascending blocks. */
static int imgc__rows(const char *base, int32_t *fold, size_t *pos)
{
    const pt_image_hdr_t *h = (const void *)base;
    const uint64_t *start = (const uint64_t *)(base + h->block_off);
    const uint64_t *rid = (const uint64_t *)(base + h->rid_off);
    if (start[0] != 0 || start[h->nblocks] != h->rows)
        return -EINVAL;
    for (size_t r = 0; r < h->rows; r++)
        fold[r] = -1;
    for (uint64_t b = 0; b < h->nblocks; b++) {
        if (start[b + 1] <= start[b] || start[b + 1] > h->rows)
            return -EINVAL;
        for (uint64_t i = start[b]; i < start[b + 1]; i++) {
            if (rid[i] >= h->rows || fold[rid[i]] != -1)
                return -EINVAL;
            fold[rid[i]] = (int32_t)b;
            pos[rid[i]] = (size_t)i;
        }
    }
    return 0;
}

/* Maps and reads the trailer of the file behind fd; the description's bounds in *in. */
static int imgc__map(int fd, pt_imgcache_hit_t *hit, imgc__in_t *in, char *why)
{
    struct stat st;
    imgc__trailer_t t;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size < sizeof t ||
        pread(fd, &t, sizeof t, st.st_size - (off_t)sizeof t) != (ssize_t)sizeof t ||
        memcmp(t.magic, PT_IMGCACHE_MAGIC, sizeof t.magic) != 0 ||
        t.meta_off > (uint64_t)st.st_size || t.meta_len > (uint64_t)st.st_size ||
        t.meta_off + t.meta_len + sizeof t != (uint64_t)st.st_size) {
        pt_seterr(why, "not a paratune image cache file of this version (or cut short)");
        return -EINVAL;
    }
    /* MAP_POPULATE: the checksums read every page next; one call maps them all */
    hit->base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
    if (hit->base == MAP_FAILED) {
        hit->base = NULL;
        pt_seterr(why, "mmap: %s", strerror(errno));
        return -errno;
    }
    hit->len = (size_t)st.st_size;
    in->image_len = (size_t)t.meta_off;
    in->p = (const char *)hit->base + t.meta_off;
    in->end = in->p + t.meta_len;
    if (pt_crc32c(in->p, (size_t)t.meta_len) != t.meta_crc && IMGC__MISMATCH_FATAL) {
        pt_seterr(why, "checksum mismatch in its description");
        return -EINVAL;
    }
    return 0;
}

/* The description's key, identity and image checksums. */
static int imgc__check(imgc__in_t *in, const pt_imgcache_hit_t *hit, const char *key,
                       const pt_imgcache_ident_t *id, char *why)
{
    char *k = imgc__get_str(in);
    int same = k != NULL && (strcmp(k, key) == 0 || !IMGC__MISMATCH_FATAL), rc = -EINVAL;
    uint64_t len, npieces;
    uint32_t *crc = NULL;
    free(k);
    if (!same) {
        pt_seterr(why, "written for other options (a hash collision of its name)");
        goto out;
    }
    if (!imgc__same_ident(in, id) && (IMGC__MISMATCH_FATAL || in->bad)) {
        pt_seterr(why, "the data file has changed since it was written");
        goto out;
    }
    len = imgc__get_u64(in);
    npieces = imgc__get_u64(in);
    if (in->bad || len != in->image_len || npieces != imgc__npieces((size_t)len) ||
        npieces > (uint64_t)(in->end - in->p) / sizeof(uint64_t)) {
        pt_seterr(why, "a damaged description");
        goto out;
    }
    if ((crc = malloc((npieces ? npieces : 1) * sizeof *crc)) == NULL) {
        pt_seterr(why, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    imgc__crc_pieces(hit->base, (size_t)len, crc, (size_t)npieces);
    rc = 0;
    for (size_t i = 0; i < npieces; i++)
        if (imgc__get_u64(in) != crc[i] && rc == 0 && IMGC__MISMATCH_FATAL) {
            pt_seterr(why, "checksum mismatch in the image (bytes %zu..%zu)",
                      i * PT_IMGCACHE_PIECE, (i + 1) * PT_IMGCACHE_PIECE - 1);
            rc = -EINVAL;
        }
out:
    free(crc);
    return rc;
}

int pt_imgcache_open(const char *path, const char *key, const pt_imgcache_ident_t *id,
                     pt_imgcache_hit_t *hit, char *why)
{
    imgc__in_t in = {0};
    int rc;

    memset(hit, 0, sizeof *hit);
    pt_seterr(why, "%s", "");
    hit->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (hit->fd < 0) {
        rc = errno;
        if (rc != ENOENT)
            pt_seterr(why, "cannot open: %s", strerror(rc));
        rc = 0;
        goto out;
    }
    if ((rc = imgc__map(hit->fd, hit, &in, why)) != 0 ||
        (rc = imgc__check(&in, hit, key, id, why)) != 0)
        goto out;
    if ((hit->ds = imgc__read_dataset(&in, hit->base)) == NULL) {
        pt_seterr(why, "a damaged description");
        rc = -EINVAL;
        goto out;
    }
    hit->fold = malloc((hit->ds->rows ? hit->ds->rows : 1) * sizeof *hit->fold);
    hit->pos = malloc((hit->ds->rows ? hit->ds->rows : 1) * sizeof *hit->pos);
    if (hit->fold == NULL || hit->pos == NULL) {
        pt_seterr(why, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    if (imgc__rows(hit->base, hit->fold, hit->pos) != 0) {
        pt_seterr(why, "a damaged image (its rows are not a partition)");
        rc = -EINVAL;
        goto out;
    }
    return 1;
out:
    pt_imgcache_hit_free(hit);
    hit->fd = -1;
    return rc == -ENOMEM ? rc : 0;
}

void pt_imgcache_hit_free(pt_imgcache_hit_t *hit)
{
    if (hit->fd >= 0)
        close(hit->fd);
    if (hit->base != NULL)
        munmap(hit->base, hit->len);
    pt_dataset_destroy(&hit->ds);
    free(hit->fold);
    free(hit->pos);
    memset(hit, 0, sizeof *hit);
    hit->fd = -1;
}
