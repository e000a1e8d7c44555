/* fuzz_common.h - what the libFuzzer targets of tests/fuzz share.
 *
 * Readers that take a path (the log, the model file) are handed the input through a memfd,
 * named /proc/self/fd/N, so that every execution reads the bytes libFuzzer gave without a
 * file on disk. Readers that take a buffer get a heap copy of exactly the input's length
 * (plus the zero padding the text loaders promise), so that AddressSanitizer sees any read
 * past it. The targets' stdout and stderr stdio streams go to /dev/null: the programs' own
 * messages are not findings, while the sanitizers' reports still reach descriptor 2.
 * Memory limits are run.sh's (a single allocation above FUZZ_MALLOC_MB is a finding).
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The path of a file that holds exactly data[0..size) (the same memfd each call). Aborts
 * when the memfd cannot be made or written: that is the harness failing, not the reader. */
static inline const char *fuzz_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    size_t done = 0;
    if (fd < 0) {
        fd = memfd_create("paratune-fuzz", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0)
        abort();
    while (done < size) {
        ssize_t n = pwrite(fd, data + done, size - done, (off_t)done);
        if (n <= 0)
            abort();
        done += (size_t)n;
    }
    return path;
}

/* A malloc'd copy of data[0..size) followed by pad zero bytes (the caller frees it). */
static inline char *fuzz_copy(const uint8_t *data, size_t size, size_t pad)
{
    char *buf = malloc(size + pad);
    if (buf == NULL)
        abort();
    if (size > 0)
        memcpy(buf, data, size);
    memset(buf + size, 0, pad);
    return buf;
}

/* Sends the stdio streams stdout and stderr to /dev/null (once). */
static inline void fuzz_quiet(void)
{
    static int done;
    FILE *null;
    if (done)
        return;
    done = 1;
    null = fopen("/dev/null", "w");
    if (null == NULL)
        abort();
    stdout = null;
    stderr = null;
}

#endif
