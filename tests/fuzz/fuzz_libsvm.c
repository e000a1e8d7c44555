/* fuzz_libsvm.c - libFuzzer target: the LIBSVM loader (pt_libsvm_load).
 *
 * The first byte of an input chooses the feature count the caller asks for (0: the largest
 * index seen, as tune; else 1-8, as predict asks for a model's width); the rest is the file.
 * A file with a NUL byte is refused before the loader, as pt_dataset_load does. A feature
 * index in the millions makes a dense matrix of that width: the memory limit of the run
 * (make fuzz) turns such an allocation into a finding, unless the loader's caller may refuse
 * it first (check_size, below).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "pt_common.h"
#include "pt_dataset.h"
#include "pt_libsvm.h"
#include "pt_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#if __has_include("pt_limits.h")
/* With the memory limits (pt_limits.h, the same change) the loader asks its caller before it
 * allocates the matrix (pt_load_opts_t.check_size): tune answers from --max-memory or what
 * the system has; this target stands for a user who allows FUZZ_LIBSVM_MAX_BYTES. */
#define FUZZ_LIBSVM_MAX_BYTES ((size_t)32 << 20)
static int check_size(void *arg, size_t rows, size_t features, char *err)
{
    (void)arg;
    if (features != 0 && rows > FUZZ_LIBSVM_MAX_BYTES / sizeof(double) / features) {
        pt_seterr(err, "%zu rows x %zu features: over the limit", rows, features);
        return -EINVAL;
    }
    return 0;
}
#define FUZZ_CHECK_SIZE check_size
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[PT_ERRLEN];
    pt_load_opts_t o;
    pt_dataset_t *ds;
    char *buf;

    if (size < 1)
        return 0;
    fuzz_quiet();
    memset(&o, 0, sizeof o);
    o.format = PT_FMT_LIBSVM;
    o.features = data[0] & 8 ? (size_t)(data[0] & 7) + 1 : 0;
#ifdef FUZZ_CHECK_SIZE
    o.check_size = FUZZ_CHECK_SIZE;
#endif
    if (memchr(data + 1, '\0', size - 1) != NULL)
        return 0;
    buf = fuzz_copy(data + 1, size - 1, PT_SCAN_PAD);
    ds = pt_libsvm_load("fuzz.libsvm", buf, size - 1, &o, err);
    pt_dataset_destroy(&ds);
    free(buf);
    return 0;
}
