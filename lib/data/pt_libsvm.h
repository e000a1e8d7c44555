/* pt_libsvm.h - LIBSVM text ("label idx:val idx:val ...") into a dense dataset.
 *
 * 1-based strictly increasing indices, blank lines and lines starting with '#' skipped, a
 * token starting with '#' comments out the rest of its line; absent entries are 0; the
 * features are named f1..fN and the label "label". pt_dataset_load dispatches here.
 */
#ifndef PT_LIBSVM_H
#define PT_LIBSVM_H

#include <stddef.h>

#include "pt_dataset.h"

/* Parses the LIBSVM text buf[0..len) (followed by PT_SCAN_PAD readable zero bytes; no NUL
 * byte inside) of the file path with the options o (not NULL: o->features, 0 for the largest
 * index seen; o->fold_col must be NULL, o->label is ignored). Returns an owned dataset
 * (format PT_FMT_LIBSVM) or NULL with the reason ("PATH:LINE: ...") in err. */
pt_dataset_t *pt_libsvm_load(const char *path, const char *buf, size_t len,
                             const pt_load_opts_t *o, char *err);

#endif
