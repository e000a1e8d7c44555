/* plog.h - what the files of the paratune-log program share.
 *
 * paratune-log is one program spread over the .c files of tools/: paratune-log.c parses the
 * command line and runs a command; plog_sweep.c reads a log and works out each param map's
 * statistics; plog_text.c prints the terminal commands (show, compare, best) and csv;
 * plog_json.c decodes the records again as plain msgpack (for csv and json) and writes JSON
 * lines; plog_svg.c holds the SVG helpers and the atomic --out writer; plog_heatmap.c and
 * plog_timeline.c draw the two pictures. Like any program (STYLE.md, habit 3) the commands
 * print one line on failure ("paratune-log: FILE: reason") and return an exit code of
 * pt_common.h: 0 done, 1 no answer (no best map, nothing in common) or a system error,
 * 2 bad usage or a file that is not a readable log.
 */
#ifndef PLOG_H
#define PLOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <msgpack.h>

#include "pt_log.h"
#include "pt_results.h"
#include "pt_value.h"

/* ---- the command line ---- */

typedef struct {
    const char *cmd;      /* "show", "csv", ... */
    const char *file[2];  /* compare takes two */
    size_t nfiles;
    const char *x, *y;    /* heatmap axes */
    const char *out;      /* --out FILE ("-" is stdout) */
    int average;          /* heatmap --average */
    int maps;             /* csv --maps */
    int partial;          /* best --partial */
    const char *metric;   /* --metric M: one of the log's recorded metrics; NULL: the refit
                           * metric */
} plog_args_t;

int plog_cmd_show(const plog_args_t *a);
int plog_cmd_csv(const plog_args_t *a);
int plog_cmd_best(const plog_args_t *a);
int plog_cmd_compare(const plog_args_t *a);
int plog_cmd_json(const plog_args_t *a);
int plog_cmd_heatmap(const plog_args_t *a);
int plog_cmd_timeline(const plog_args_t *a);

/* ---- a log and its statistics (plog_sweep.c) ---- */

/* How far a param map got: pt_results' pt_map_state_t under the names the commands use. A
 * map fails when any of its jobs failed or gave a non-finite metric, as tune decides. */
typedef enum {
    PLOG_OK = PT_MAP_OK,           /* every fold has an ok result */
    PLOG_PARTIAL = PT_MAP_PARTIAL, /* some folds ok, the others not run yet (unfinished sweep) */
    PLOG_FAILED = PT_MAP_FAILED,   /* a fold failed */
    PLOG_NONE = PT_MAP_NONE        /* no result yet */
} plog_state_t;

typedef struct {
    size_t index;
    plog_state_t state;
    int ok, failed;      /* jobs with a result, by status (a later result of a job wins) */
    double avg, std;     /* over the ok folds, in fold order, std with ddof 0; NaN unless OK
                          * or PARTIAL */
    double fit_seconds;  /* sum over the map's jobs */
    int rung;            /* --search halving: the last rung it ran (its results are that
                          * rung's); -1 for a grid sweep */
} plog_map_t;

typedef struct {
    const char *file;          /* borrowed: as given on the command line */
    pt_logfile_t *lf;          /* owned */
    const pt_log_header_t *h;  /* &lf->header */
    size_t nfolds;             /* cv: num_folds; tvs: 1 */
    plog_map_t *maps;          /* h->nmaps, by index; owned */
    const char **keys;         /* every param key, in order of first appearance; the array is
                                * owned, the strings belong to lf */
    size_t nkeys;
    size_t jobs_done;          /* distinct (map, fold) jobs with a result */
    size_t jobs_total;         /* nmaps * nfolds */
    int finished;              /* a summary, or every job has a result */
    long best;                 /* the best map or -1: the summary's when there is one, else
                                * the best map whose folds are all ok (provisional while the
                                * sweep is not finished); with refit_metric, always the
                                * latter (pruned maps left out) */
    char *refit_metric;        /* --metric M other than the log's refit metric: the refit
                                * metric's name (owned); the header (h->metric,
                                * larger_is_better) and every result's metric are then M's,
                                * taken from the results' "metrics" maps. NULL otherwise */
} plog_sweep_t;

/* --search halving: the number of rungs with results (0 for a grid sweep); per rung r < it,
 * the distinct maps with a result there into *nmaps and the rung's resource into *resource
 * (pointers may be NULL). */
size_t plog_sweep_rungs(const plog_sweep_t *s, size_t r, size_t *nmaps, int64_t *resource);

/* Reads file and computes the statistics under metric (NULL or the log's refit metric: as
 * logged; another name: one of the header's evaluator.metrics, see refit_metric). On failure
 * prints one line and returns NULL with *rc the exit code (2 not a readable log or a metric
 * the log does not record, 1 out of memory). Free with plog_sweep_destroy. */
plog_sweep_t *plog_sweep_load(const char *file, const char *metric, int *rc);
void plog_sweep_destroy(plog_sweep_t **ps);

/* Map indices best first: complete maps by average, then maps with folds missing by their
 * provisional average, then failed maps and maps without results, ties by index. Returns an
 * owned array of h->nmaps indices, or NULL when out of memory. */
size_t *plog_sweep_order(const plog_sweep_t *s);

/* One-line notes for a log that is not whole: "sweep not finished: 7 of 18 jobs have a
 * result" and "last record torn (ignored)". Writes each as "paratune-log: FILE: note" to f
 * (stderr for the machine-readable commands). */
void plog_sweep_warn(const plog_sweep_t *s, FILE *f);
/* The same notes as "(note)" fragments joined with spaces into buf ("" when whole). */
void plog_sweep_notes(const plog_sweep_t *s, char *buf, size_t len);
/* "cv 3 folds" / "tvs train ratio 0.8" into buf. */
void plog_sweep_validator(const plog_sweep_t *s, char *buf, size_t len);

/* The key named by name: an exact key, or the one key whose part after the last '.' is name
 * ("regParam" for "linearRegression.regParam"). NULL when none or ambiguous. */
const char *plog_sweep_key(const plog_sweep_t *s, const char *name);
/* key without its "stage." prefix when no other key of s has the same short name. */
const char *plog_sweep_short_key(const plog_sweep_t *s, const char *key);

/* True when a is better than b under the log's direction (NaN is never better). */
int plog_better(const plog_sweep_t *s, double a, double b);

/* ---- small helpers (plog_sweep.c) ---- */

/* Orders values: numbers (int, double, bool) by value before strings, strings by strcmp. */
int plog_value_cmp(const pt_value_t *a, const pt_value_t *b);
/* Whether a and b set every param alike: keys in any order, a key that only one of them has
 * counting as equal when it is at its stage's default (Spark ML's, from the registry), since a
 * map that does not set a param runs with the default. */
int plog_params_equal(const pt_paramlist_t *a, const pt_paramlist_t *b);
/* The shortest %.15g..%.17g form that reads back exactly; "nan", "inf", "-inf". */
void plog_fmt_double(double x, char *buf, size_t len);
/* The fewest significant digits in [lo, hi] with which the distinct finite values of v[0..n)
 * all print differently with %.*g (NaNs ignored). */
int plog_digits(const double *v, size_t n, int lo, int hi);
/* Whether the terminal takes UTF-8 (from LC_CTYPE; main calls setlocale). */
int plog_utf8(void);
/* Decodes one UTF-8 character of s[0..n) into *cp. Returns its length, or 0 when the bytes
 * are not valid UTF-8 (overlong forms, surrogates and values above U+10FFFF included). */
size_t plog_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/* ---- the records as msgpack objects (plog_json.c) ---- */

/* Every whole record of a log, decoded again as plain msgpack objects, so that fields this
 * program does not know reach the output too. */
typedef struct {
    char *buf;            /* the file's first lf->valid_bytes bytes; strings point into it */
    msgpack_zone zone;    /* holds the objects */
    msgpack_object *rec;  /* nrec records, in file order */
    size_t nrec;
} plog_raw_t;

/* Reads the whole records of the log s was loaded from (a log only grows, so they are the
 * bytes pt_logfile_read checked). On failure prints one line and returns NULL with *rc the
 * exit code. Free with plog_raw_destroy. */
plog_raw_t *plog_raw_load(const plog_sweep_t *s, int *rc);
void plog_raw_destroy(plog_raw_t **pr);
/* The value at string key in msgpack map o, or NULL (o not a map, or no such key). */
msgpack_object *plog_raw_get(const msgpack_object *o, const char *key);
/* Whether o is a record of the given kind ("result", "summary", ...). */
int plog_raw_is(const msgpack_object *o, const char *kind);
/* Writes o as JSON (see plog_json.c for NaN, infinities, integers and strings). */
void plog_json_value(FILE *f, const msgpack_object *o);

/* ---- output (plog_svg.c) ---- */

/* A growing text buffer. An allocation failure sets failed and later appends do nothing. */
typedef struct {
    char *data;
    size_t len, cap;
    int failed;
} plog_buf_t;

void plog_buf_printf(plog_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s escaped for XML text and for attribute values in double quotes: & < > " as
 * entities, control characters XML forbids and invalid UTF-8 as U+FFFD. */
void plog_buf_xml(plog_buf_t *b, const char *s);
void plog_buf_free(plog_buf_t *b);

/* Writes b to path through pt_file (temporary file, fsync, rename, directory fsync), so
 * readers never see half a file; "-" writes to stdout. Prints one line on failure. Returns an
 * exit code: 0, 2 when the file cannot be created there, 1 for a failed write or rename. */
int plog_write_out(const char *path, const plog_buf_t *b);
/* Ends the SVG document in b (</svg> and a newline), writes it to path with plog_write_out
 * and frees b. Returns plog_write_out's exit code. */
int plog_svg_close(plog_buf_t *b, const char *path);

/* The i-th of the categorical colors (20, then they repeat), "#rrggbb". */
const char *plog_category_color(size_t i);

/* An estimate of the width in px of UTF-8 text at a font size (SVG cannot measure). */
double plog_svg_text_px(const char *s, double size);

/* ---- pieces the two pictures share (plog_svg.c) ---- */

/* v as text for a picture: a string as it is (no quotes), anything else as pt_value_format
 * gives it. */
void plog_value_text(const pt_value_t *v, char *buf, size_t len);
/* The XML declaration and the <svg> start tag up to and including font-family (width,
 * height, the viewBox from them) and a space: the caller adds its data- attributes and
 * closes the tag. */
void plog_svg_open(plog_buf_t *b, double width, double height);
/* A line of 12 px text at x 20: <text class="CLS" x="20" y="Y" font-size="12"ATTRS>, text
 * escaped, </text> and a newline. attrs is "" or starts with a space. */
void plog_svg_line(plog_buf_t *b, const char *cls, double y, const char *attrs,
                   const char *text);

/* ---- the commands' beginnings (plog_json.c) and endings (plog_text.c) ---- */

/* Loads file under metric (plog_sweep_load), prints its notes on stderr (plog_sweep_warn)
 * and, when raw is not NULL, reads
 * its records again into *raw (the caller frees it with plog_raw_destroy). Returns the
 * sweep (plog_sweep_destroy), or NULL with one line printed and *rc the exit code. */
plog_sweep_t *plog_open(const char *file, const char *metric, plog_raw_t **raw, int *rc);

/* Flushes stdout: PT_EXIT_OK, or PT_EXIT_FAIL after "paratune-log: stdout: write error". */
int plog_finish_stdout(void);
/* Prints "paratune-log: FILE: out of memory" and returns PT_EXIT_FAIL. */
int plog_nomem(const char *file);

#endif
