/* pt_shm.h - unlinked POSIX shared-memory segments.
 *
 * The dataset image (pt_image) and the shared moments cache (pt_stats) live in segments made
 * here: shm_open (O_EXCL) on a random name that is unlinked at once, so the segment lives exactly as long
 * as some process holds a descriptor or a mapping of it and a run killed with SIGKILL leaves
 * nothing in /dev/shm; sized with ftruncate (sparse: a page is made and zeroed by the thread
 * that first writes it, so the loader's threads share that work) after checking that /dev/shm
 * has the room (fstatvfs), so that a full /dev/shm is an error at creation rather than a
 * SIGBUS later. Children reach a segment through an inherited descriptor and map it with
 * pt_shm_map.
 */
#ifndef PT_SHM_H
#define PT_SHM_H

#include <stddef.h>

/* A segment's name: "/paratune-" and PT_SHM_RANDOM_BYTES random bytes in hex (getrandom),
 * created with O_EXCL, so a name another process made first (by chance or to get in the way)
 * is never opened: another name is drawn, PT_SHM_TRIES names in all. The prefix is what
 * finds paratune's segments in /dev/shm (the tests check none is left). */
#define PT_SHM_PREFIX "/paratune-"
#define PT_SHM_RANDOM_BYTES 16
#define PT_SHM_NAME_MAX (sizeof PT_SHM_PREFIX + 2 * PT_SHM_RANDOM_BYTES)
#define PT_SHM_TRIES 8

/* Formats the name made of bytes into name. */
void pt_shm_name(const unsigned char bytes[PT_SHM_RANDOM_BYTES], char name[PT_SHM_NAME_MAX]);

/* Fills buf with n random bytes; 0 or a negative errno. */
typedef int (*pt_shm_random_fn)(void *buf, size_t n);
/* For tests: names from fn instead of getrandom(2) (NULL: back to getrandom). */
void pt_shm_set_random(pt_shm_random_fn fn);

/* Creates an unlinked segment of size bytes (size > 0), zero-filled. Returns 0 with a
 * read-write, close-on-exec descriptor in *fd_out (the caller closes it) and, when base is not
 * NULL, a read-write shared mapping of the whole segment in *base (the caller unmaps it with
 * pt_shm_unmap); or a negative errno with the reason in err, *fd_out = -1 and *base = NULL. */
int pt_shm_create(size_t size, int *fd_out, void **base, char *err);

/* Maps the whole segment behind fd, shared, read-only unless writable. what names the
 * segment in the reasons ("image" gives "image descriptor 5: ..."). Returns 0 with the
 * mapping in *base and its length in *size, or a negative errno with the reason in err
 * (-EINVAL when the segment is smaller than min_size). fd may be closed after the call. */
int pt_shm_map(int fd, int writable, size_t min_size, const char *what, void **base,
               size_t *size, char *err);

/* A new read-only, close-on-exec descriptor of the segment behind the read-write fd (through
 * /proc/self/fd), for children that must not be able to write it. Returns it, or a negative
 * errno with the reason in err. */
int pt_shm_reopen_readonly(int fd, char *err);

/* Unmaps a mapping of size bytes made by pt_shm_create or pt_shm_map; accepts NULL. */
void pt_shm_unmap(void *base, size_t size);

/* The mapping of a whole segment. The handles of modules whose segment is "a header, then
 * data" (pt_image_t, pt_stats_t) start with one, so that mapping, checking the header and
 * freeing are done once, here. */
typedef struct {
    void *base;
    size_t size;
} pt_shm_seg_t;

/* Says whether seg (mapped from descriptor fd) starts with a header its module accepts:
 * 0, or -EINVAL with the reason in err. */
typedef int (*pt_shm_check_fn)(const pt_shm_seg_t *seg, int fd, char *err);

/* Maps the segment behind fd as pt_shm_map does (header_size is the smallest size accepted)
 * and lets check() judge its header; returns a zeroed handle of handle_size bytes whose
 * first member, a pt_shm_seg_t, holds the mapping (the caller owns it: pt_shm_detach). On
 * error returns NULL with the reason in err; nothing stays mapped. */
void *pt_shm_attach(size_t handle_size, int fd, int writable, size_t header_size,
                    const char *what, pt_shm_check_fn check, char *err);

/* Unmaps the segment of a handle made by pt_shm_attach and frees the handle (seg is its
 * first member); accepts NULL. */
void pt_shm_detach(pt_shm_seg_t *seg);

#endif
