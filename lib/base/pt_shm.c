/* pt_shm.c - unlinked POSIX shared-memory segments (see pt_shm.h). */
#include "pt_shm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "pt_common.h"

/* Where a segment name's random bytes come from: getrandom(2), or a test's source. */
static pt_shm_random_fn random_source;

void pt_shm_set_random(pt_shm_random_fn fn)
{
    random_source = fn;
}

/* getrandom(2) without GRND_NONBLOCK: a few bytes, which the kernel gives at once once its
 * pool is initialised (it is long before a user runs paratune). */
static int shm__getrandom(void *buf, size_t n)
{
    ssize_t got;
    do
        got = getrandom(buf, n, 0);
    while (got < 0 && errno == EINTR);
    return got == (ssize_t)n ? 0 : -(got < 0 ? errno : EIO);
}

void pt_shm_name(const unsigned char bytes[PT_SHM_RANDOM_BYTES], char name[PT_SHM_NAME_MAX])
{
    static const char hex[] = "0123456789abcdef";
    char *p = name + sizeof PT_SHM_PREFIX - 1;
    memcpy(name, PT_SHM_PREFIX, sizeof PT_SHM_PREFIX - 1);
    for (size_t i = 0; i < PT_SHM_RANDOM_BYTES; i++) {
        *p++ = hex[bytes[i] >> 4];
        *p++ = hex[bytes[i] & 15];
    }
    *p = '\0';
}

/* Opens a new segment under a random name (O_EXCL: never one that exists, whoever made it;
 * another name on EEXIST, PT_SHM_TRIES in all) and unlinks the name. Returns the descriptor,
 * or a negative errno with the reason in err. */
static int shm__open_new(char *err)
{
    unsigned char bytes[PT_SHM_RANDOM_BYTES];
    char name[PT_SHM_NAME_MAX];
    int fd = -EEXIST, rc;

    for (int t = 0; t < PT_SHM_TRIES && fd == -EEXIST; t++) {
        rc = (random_source != NULL ? random_source : shm__getrandom)(bytes, sizeof bytes);
        if (rc != 0) {
            pt_seterr(err, "no random bytes for a shared-memory name: %s", strerror(-rc));
            return rc;
        }
        pt_shm_name(bytes, name);
        fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
            fd = -errno;
    }
    if (fd < 0) {
        pt_seterr(err, "shm_open %s: %s%s", name, strerror(-fd),
                  fd == -EEXIST ? " (every name tried was taken)" : "");
        return fd;
    }
    shm_unlink(name);
    return fd;
}

/* The segment's file system (tmpfs) must have size bytes free: checked here, so that a full
 * /dev/shm is an error at creation (ENOSPC) rather than a SIGBUS when a page is first
 * written. (posix_fallocate would make that certain, at the price of zeroing every page on
 * one thread before anything is written; the check leaves a window in which another process
 * may take the room, which the limits' own margin covers in practice.) */
static int shm__room(int fd, size_t size, char *err)
{
    struct statvfs vfs;
    uint64_t avail;
    if (fstatvfs(fd, &vfs) != 0 || vfs.f_blocks == 0)
        return 0; /* no figures (a tmpfs without a size limit): nothing to check */
    avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
    if ((uint64_t)size <= avail)
        return 0;
    pt_seterr(err, "cannot allocate %zu bytes of shared memory: %s (%llu bytes free)", size,
              strerror(ENOSPC), (unsigned long long)avail);
    return -ENOSPC;
}

/* Sets the new segment's size (sparse: its pages are made when first written). */
static int shm__size(int fd, size_t size, char *err)
{
    if (ftruncate(fd, (off_t)size) == 0)
        return 0;
    pt_seterr(err, "cannot allocate %zu bytes of shared memory: %s", size, strerror(errno));
    return -errno;
}

int pt_shm_create(size_t size, int *fd_out, void **base, char *err)
{
    void *m;
    int fd, rc;

    *fd_out = -1;
    if (base != NULL)
        *base = NULL;
    if (size == 0 || size > (size_t)INT64_MAX) {
        pt_seterr(err, "cannot make a shared-memory segment of %zu bytes", size);
        return -EINVAL;
    }
    if ((fd = shm__open_new(err)) < 0)
        return fd;
    if ((rc = shm__room(fd, size, err)) != 0 || (rc = shm__size(fd, size, err)) != 0)
        goto error;
    if (base != NULL) {
        /* No MAP_POPULATE, and no posix_fallocate: either would allocate and zero every page
         * here, on one thread; the writers (the parse threads of the loader) take those
         * faults in parallel, each zeroing the pages it is about to fill. */
        m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED) {
            rc = -errno;
            pt_seterr(err, "mmap of a new shared-memory segment: %s", strerror(errno));
            goto error;
        }
        *base = m;
    }
    *fd_out = fd;
    return 0;
error:
    close(fd);
    return rc;
}

int pt_shm_map(int fd, int writable, size_t min_size, const char *what, void **base,
               size_t *size, char *err)
{
    struct stat st;
    void *m;
    int rc;

    *base = NULL;
    *size = 0;
    if (fstat(fd, &st) != 0) {
        rc = -errno;
        pt_seterr(err, "%s descriptor %d: %s", what, fd, strerror(errno));
        return rc;
    }
    if (st.st_size <= 0 || (size_t)st.st_size < min_size) {
        pt_seterr(err, "%s descriptor %d: too small to be one (%lld bytes)", what, fd,
                  (long long)st.st_size);
        return -EINVAL;
    }
    m = mmap(NULL, (size_t)st.st_size, writable ? PROT_READ | PROT_WRITE : PROT_READ,
             MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        rc = -errno;
        pt_seterr(err, "mmap of %s descriptor %d: %s", what, fd, strerror(errno));
        return rc;
    }
    *base = m;
    *size = (size_t)st.st_size;
    return 0;
}

int pt_shm_reopen_readonly(int fd, char *err)
{
    char proc[64];
    int ro;

    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    ro = open(proc, O_RDONLY | O_CLOEXEC);
    if (ro < 0) {
        ro = -errno;
        pt_seterr(err, "reopening a shared-memory segment read-only: %s", strerror(errno));
    }
    return ro;
}

void pt_shm_unmap(void *base, size_t size)
{
    if (base != NULL)
        munmap(base, size);
}

void *pt_shm_attach(size_t handle_size, int fd, int writable, size_t header_size,
                    const char *what, pt_shm_check_fn check, char *err)
{
    pt_shm_seg_t seg, *handle;

    if (pt_shm_map(fd, writable, header_size, what, &seg.base, &seg.size, err) != 0)
        return NULL;
    if (check(&seg, fd, err) != 0)
        goto fail;
    if ((handle = calloc(1, handle_size)) == NULL) {
        pt_seterr(err, "out of memory");
        goto fail;
    }
    *handle = seg;
    return handle;
fail:
    pt_shm_unmap(seg.base, seg.size);
    return NULL;
}

void pt_shm_detach(pt_shm_seg_t *seg)
{
    if (seg == NULL)
        return;
    pt_shm_unmap(seg->base, seg->size);
    free(seg); /* the handle it starts */
}
