/* pt_csv.h - CSV text: loading it into a dataset (on several threads) and writing one.
 *
 * The format (pt_dataset.h gives the rules and errors in full): RFC 4180 text with a header
 * row, fields separated by ',', ';', tab or '|' (detected from the header unless given), LF
 * or CRLF line ends, double quotes around any field (separators, doubled quotes and newlines
 * inside them); the label column found by name, an optional integer fold column and weight
 * column, the feature columns chosen by pt_columns (by default every other column), numeric;
 * columns that are none of these are not parsed as numbers (kept ones are copied as text).
 * pt_dataset_load dispatches here; the writer is `paratune gen`'s.
 */
#ifndef PT_CSV_H
#define PT_CSV_H

#include <stddef.h>

#include "pt_dataset.h"

/* The separators a CSV file may use, in the order that breaks ties when detecting one. */
#define PT_CSV_SEPS ",;\t|"

/* The separator of a file whose header row is [p, eol): the one of PT_CSV_SEPS that occurs
 * most often outside double quotes; a tie goes to the first in PT_CSV_SEPS, and a header
 * with none of them (one column) is comma separated. */
char pt_csv_detect_sep(const char *p, const char *eol);

/* The tokens that mark a missing value in a numeric feature or the label (besides an empty
 * field), comma separated, compared ignoring ASCII case; pt_load_opts_t.missing replaces
 * them. A missing feature value is refused ("column C: missing value"), a missing label
 * ("column C: missing label") too. */
#define PT_CSV_MISSING "NA,NaN,null"

/* Whether the field value [a, a + n) is missing: empty, or a token of list (comma
 * separated; NULL: PT_CSV_MISSING), ASCII case ignored. */
int pt_csv_is_missing(const char *list, const char *a, size_t n);

/* A --missing list: tokens separated by commas, none empty, none with a quote or a blank,
 * none a number (the loader only looks at a field that is not a number); "" (no token) is
 * fine. 0, or -EINVAL with what is wrong in err. */
int pt_csv_check_missing(const char *list, char *err);

/* A --sep value: "auto" (*sep = 0: detect), ",", ";", "|", "tab", a tab character or the two
 * characters "\t". 0, or -1 for anything else. */
int pt_csv_parse_sep(const char *s, char *sep);

/* The separator as a message names it: "','", "';'", "tab", "'|'". Static string. */
const char *pt_csv_sep_name(char sep);

/* How the loader cuts the CSV body [p, end) (whole rows, end after a newline or at a last row
 * without one) for threads parsing threads: fills starts[k] and rows[k] (at most
 * PT_CSV_CHUNKS_MAX entries) with each chunk's first row and its row count, rows cut at
 * newlines outside quotes when the body has any. Returns the number of chunks. For tests. */
#define PT_CSV_CHUNKS_MAX 8
int pt_csv_chunk_rows(const char *p, const char *end, int threads, const char **starts,
                      size_t *rows);

/* Parses the CSV text buf[0..len) (followed by PT_SCAN_PAD readable zero bytes, as
 * pt_scan_read_file gives it; a byte order mark already skipped) of the file path with the
 * options o (not NULL). Returns an owned dataset (format PT_FMT_CSV, fingerprint computed
 * while parsing unless there is no label column) or NULL with the reason in err. */
pt_dataset_t *pt_csv_load(const char *path, const char *buf, size_t len,
                          const pt_load_opts_t *o, char *err);

/* As pt_csv_load, for text that is a private mapping of a file that nothing writes (the
 * mapping pt_scan_read_file makes of a regular file): the pages each pass has read are
 * dropped from the process's memory (MADV_DONTNEED) every PT_CSV_WINDOW bytes per thread,
 * so that the text is never resident whole; they stay in the page cache and are mapped again
 * when read again. Never for malloc'd text (dropping would zero it). */
#define PT_CSV_WINDOW ((size_t)4 << 20)
pt_dataset_t *pt_csv_load_mapped(const char *path, const char *buf, size_t len,
                                 const pt_load_opts_t *o, char *err);

/* For tests: the window of pt_csv_load_mapped in bytes (rounded down to a multiple of 64;
 * 0: nothing dropped; PT_CSV_WINDOW restores the default). */
void pt_csv_set_window(size_t bytes);

/* For tests: 0 turns off the plain-row path (a file without quotes whose columns are all
 * features and the label, read row by row in one loop), so that every row is read by the
 * general rules; 1 (the default) turns it on again. Both give the same dataset or error. */
void pt_csv_set_plain(int on);

/* Writes ds as CSV (header f0..,label; or the dataset's names; features and label only,
 * never the fold ids) to path through pt_file (temporary file, fsync, rename, directory
 * fsync), so that path is either absent/old or complete. Returns 0 or a negative errno with
 * the reason in err (-EINVAL for a column name the loader would not read back). */
int pt_csv_write(const pt_dataset_t *ds, const char *path, char *err);

#endif
