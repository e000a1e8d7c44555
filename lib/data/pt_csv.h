/* pt_csv.h - CSV text: loading it into a dataset (on several threads) and writing one.
 *
 * The format (pt_dataset.h gives the rules and errors in full): a header row, comma
 * separated, LF or CRLF line ends, optional double quotes around a field; the label column
 * found by name, an optional integer fold column, the feature columns chosen by pt_columns
 * (by default every other column), numeric; columns that are none of these are not parsed.
 * pt_dataset_load dispatches here; the writer is `paratune gen`'s.
 */
#ifndef PT_CSV_H
#define PT_CSV_H

#include <stddef.h>

#include "pt_dataset.h"

/* Parses the CSV text buf[0..len) (followed by PT_SCAN_PAD readable zero bytes, as
 * pt_scan_read_file gives it; a byte order mark already skipped) of the file path with the
 * options o (not NULL). Returns an owned dataset (format PT_FMT_CSV, fingerprint computed
 * while parsing unless there is no label column) or NULL with the reason in err. */
pt_dataset_t *pt_csv_load(const char *path, const char *buf, size_t len,
                          const pt_load_opts_t *o, char *err);

/* Writes ds as CSV (header f0..,label; or the dataset's names; features and label only,
 * never the fold ids) to path through pt_file (temporary file, fsync, rename, directory
 * fsync), so that path is either absent/old or complete. Returns 0 or a negative errno with
 * the reason in err (-EINVAL for a column name the loader would not read back). */
int pt_csv_write(const pt_dataset_t *ds, const char *path, char *err);

#endif
