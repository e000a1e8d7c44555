/* fuzz_libsvm.c - libFuzzer target: the LIBSVM loader (pt_libsvm_load).
 *
 * The first byte of an input chooses the feature count the caller asks for (0: the largest
 * index seen, as tune; else 1-8, as predict asks for a model's width); the rest is the file.
 * A file with a NUL byte is refused before the loader, as pt_dataset_load does. A feature
 * index in the millions makes a dense matrix of that width: the memory limit of the run
 * (make fuzz) turns such an allocation into a finding.
 */
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
    if (memchr(data + 1, '\0', size - 1) != NULL)
        return 0;
    buf = fuzz_copy(data + 1, size - 1, PT_SCAN_PAD);
    ds = pt_libsvm_load("fuzz.libsvm", buf, size - 1, &o, err);
    pt_dataset_destroy(&ds);
    free(buf);
    return 0;
}
