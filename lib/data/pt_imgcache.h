/* pt_imgcache.h - the image cache: a parsed, fold-partitioned data image kept in a file.
 *
 * Tuning is done in many runs over one data file; each run would parse the CSV again. With
 * `tune --image-cache DIR` the coordinator stores the shared-memory image (pt_image) it built,
 * with the dataset's description (column names, categories, class names, fingerprint), in
 * one file of DIR, and a later run with the same data file and the same layout options maps
 * that file instead of parsing: the file's bytes are the image, so the workers map the page
 * cache directly (no copy, no shared memory of its own).
 *
 * A cache file is: the image (pt_image_hdr_t first, total_size bytes) | a description
 * (length-prefixed fields) | a fixed trailer (magic, offsets, the description's CRC-32C).
 * The description holds the key (the caller's text naming the layout options, compared byte
 * for byte), the data file's identity (pt_imgcache_ident_t) and the CRC-32C of every
 * PT_IMGCACHE_PIECE bytes of the image. pt_imgcache_open checks all of it before the file is
 * used: a file whose data has changed (stale) or whose bytes do not add up (corrupt) is a
 * miss, which the caller rebuilds; it is never used. Files are written through pt_file
 * (temporary file, fsync, rename), so a reader sees a whole file or the old one.
 */
#ifndef PT_IMGCACHE_H
#define PT_IMGCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "pt_dataset.h"

#define PT_IMGCACHE_MAGIC "PTIMGC\0\1" /* the trailer's first 8 bytes; the last is the version */
#define PT_IMGCACHE_PIECE ((size_t)32 << 20) /* bytes of image per checksum (checked in
                                                parallel) */
#define PT_IMGCACHE_SUFFIX ".ptimg"

/* What identifies the data file's content without reading all of it: device, inode, size,
 * modification time (nanoseconds) and the CRC-32C of its first and last 64 KiB. A file
 * rewritten in place keeps its inode but not its mtime; one replaced by rename gets a new
 * inode. */
typedef struct {
    uint64_t dev, ino, size, mtime_sec, mtime_nsec;
    uint32_t head_crc, tail_crc;
} pt_imgcache_ident_t;

/* The identity of the file at path. 0, or a negative errno with the reason in err. */
int pt_imgcache_ident(const char *path, pt_imgcache_ident_t *id, char *err);

/* The cache file of key in dir: "DIR/<16 hex digits of a hash of key>.ptimg" into path
 * (len bytes). 0, or -ENAMETOOLONG with the reason in err. */
int pt_imgcache_path(const char *dir, const char *key, char *path, size_t len, char *err);

/* What a hit gives: the cache file, mapped, and the dataset it describes. */
typedef struct {
    int fd;            /* read-only, close-on-exec descriptor of the cache file: the image's
                          (pt_image_map accepts it); the caller's to close */
    void *base;        /* read-only shared mapping of the whole file (len bytes); the
                          caller's to munmap */
    size_t len;
    pt_dataset_t *ds;  /* owned: the description, with y and w borrowed from the mapping in
                          the image's row order (borrowed = 1), x NULL, fingerprint valid */
    int32_t *fold;     /* owned (malloc): each input row's image block */
    size_t *pos;       /* owned (malloc): each input row's row in the image */
} pt_imgcache_hit_t;

/* Opens the cache file path for key and the data file identity id, and checks it: trailer,
 * description, key, identity, the image's header and every piece's checksum, and that the
 * image's row numbers are a permutation. Returns 1 with *hit filled (the caller owns its
 * parts: pt_imgcache_hit_free releases them), 0 for a miss with the reason in why (an empty
 * why when there is no such file; "the data file has changed", "checksum mismatch", ...), or
 * a negative errno with the reason in why for the machine's failures (out of memory), which
 * the caller treats as a miss too. Nothing is left open or mapped unless it returns 1. */
int pt_imgcache_open(const char *path, const char *key, const pt_imgcache_ident_t *id,
                     pt_imgcache_hit_t *hit, char *why);

/* Releases what *hit owns (descriptor, mapping, dataset, fold, pos) that the caller has not
 * taken (set to -1 / NULL); accepts a zeroed hit with fd -1. */
void pt_imgcache_hit_free(pt_imgcache_hit_t *hit);

/* Writes the cache file path: the image's len bytes at image (a whole pt_image, header
 * first), the description of ds (names, categories, class names; not its rows), key and id.
 * Refused (-ENOSPC) when the file system would keep less than PT_IMGCACHE_RESERVE or 5% of
 * its size free after it; -ESTALE when the data file at data no longer has identity id.
 * Through pt_file: whole or absent. 0, or a negative errno with the reason in err. */
#define PT_IMGCACHE_RESERVE ((uint64_t)256 << 20)
int pt_imgcache_write(const char *path, const char *key, const char *data,
                      const pt_imgcache_ident_t *id, const pt_dataset_t *ds, const void *image,
                      size_t len, char *err);

#endif
