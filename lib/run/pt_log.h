/* pt_log.h - the result log: an append-only file of self-describing msgpack maps.
 *
 * One map per record, each with "record": "header" | "result" | "extend" | "summary". The header comes
 * first; then one result per finished (param map, fold) job, in finishing order; then, when the
 * sweep ended normally, one summary. Each record is written with one write() and fdatasync'd,
 * so a crash leaves whole records plus at most one torn record at the end, which the reader
 * detects and drops. Field names are a public interface, documented in docs/log-format.md.
 *
 * header:  record, format ("paratune-log"), version (1), created (unix seconds),
 *          data {path, rows, features, fingerprint (uint64), label, format,
 *          feature_names? (CSV), weight_col? (--weight-col)},
 *          pipeline [stage...], validator {type "cv"|"tvs", num_folds | train_ratio, seed,
 *          fold_col?, stratify?}, evaluator {name, metric, larger_is_better, num_bins?},
 *          parallelism,
 *          threads_per_job, param_maps [ {"stage.param": value} ... ],
 *          categorical? [{name, values [str], missing? true}] (--categorical columns),
 *          label_values? [str], search? {type "halving", factor, min_resources, resource}
 * result:  record, param_index, fold, params, metric (float, NaN when failed), status
 *          ("ok" | "failed"), error (str, only when not ok), worker (pid), attempt (1-based),
 *          started, finished (seconds since the sweep began, coordinator clock),
 *          fit_seconds, eval_seconds (worker clock), run (1 for the first run of the
 *          coordinator, +1 for each --resume), converged (false, only when an
 *          iterative solver stopped at maxIter before meeting tol), rung?, resource?
 *          (--search halving), node (str, only for a job run by a paratune-agent: its
 *          node's name)
 * extend:  record, param_maps [the extended grid's maps], from_index [per map of the list
 *          before: its index in the new one], run (--extend; later records index the new list)
 * summary: record, avg_metrics [..], std_metrics [..] (NaN for failed maps), best_index (-1
 *          when none), best_params (map or nil), best_metric, wall_seconds, jobs_ok,
 *          jobs_failed, failed_param_maps [index...], and with --select one-se: select
 *          ("one-se"; best_* are then the chosen map), select_top_index, select_se; with
 *          --search halving: rungs [{resource, maps}]
 * Every record ends with crc: the CRC-32C of its bytes before that value, a 5-byte uint32
 * (pt_msgpack_pack_crc). The reader bounds every declared length by the bytes left, checks
 * every field (fold within the header's folds, a known status, finite metric or NaN for "no
 * value"), then the checksum; damage in the middle is "corrupt at offset N", only a last
 * record that no whole checked record follows is a torn tail (docs/log-format.md).
 */
#ifndef PT_LOG_H
#define PT_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "pt_split.h"
#include "pt_value.h"

#define PT_LOG_VERSION 1

typedef struct {
    double created;        /* unix time */
    char *data_path;
    uint64_t rows, features;
    uint64_t fingerprint;
    char *label;
    char *data_format;     /* "csv" | "libsvm" */
    char **feature_names;  /* the feature columns in order (CSV); NULL: not written (LIBSVM,
                              and logs written before the field existed) */
    size_t nfeature_names;
    char *weight_col;      /* the row weights' column (--weight-col); NULL when none */
    char **stages;
    size_t nstages;
    pt_validator_t validator; /* written as its name, "cv" | "tvs" */
    int num_folds;         /* cv */
    double train_ratio;    /* tvs */
    uint64_t seed;
    char *fold_col;        /* NULL when none */
    int stratify;          /* --stratify: written as "stratify": true, absent otherwise */
    char *evaluator;
    char *metric;
    char *metrics;         /* --metric a,b,c: "a,b,c" (the refit metric is metric); NULL when
                              one metric (not written) */
    int larger_is_better;
    int64_t num_bins;      /* binary evaluator's numBins; -1: not written (other evaluators).
                              A writer must set it (a zeroed header means numBins 0). */
    int parallelism;
    int threads_per_job;
    pt_paramlist_t *param_maps; /* nmaps lists */
    size_t nmaps;
    /* categorical columns (--categorical): written as "categorical" [{name, values}] when
     * ncat > 0; column k's values, in code order (byte order of the strings), are the
     * cat_nvalues[k] entries of cat_values after those of the columns before it */
    size_t ncat;
    char **cat_names;
    size_t *cat_nvalues;
    char **cat_values;
    uint64_t cat_missing;  /* bit k: column k has missing values (its indicator
                              "COL?missing" follows the values'): "missing": true */
    char **label_values;   /* a label of class names: "label_values", in class-id order;
                              NULL for a numeric label */
    size_t nlabel_values;
    /* --search halving: written as "search" {type "halving", factor, min_resources (an
     * integer, or "exhaust"), resource ("rows", or the predictor's param)}; search NULL: a
     * grid sweep (not written) */
    char *search;
    int64_t halving_factor;
    int64_t halving_min;   /* 0: "exhaust" */
    char *halving_resource;
} pt_log_header_t;

typedef struct {
    int32_t param_index;
    int32_t fold;
    const pt_paramlist_t *params; /* writer: the map's params; reader: owned copy */
    double metric;
    char *status;          /* "ok", "failed" */
    char *error;           /* NULL when ok */
    int32_t worker;
    int32_t attempt;
    double started, finished;
    double fit_seconds, eval_seconds;
    int32_t run;           /* which run of the coordinator wrote it: 1, then 2 after the first
                              --resume, ...; 0 = not recorded (not written) */
    const char *const *metric_names; /* --metric a,b,c: written as "metrics" {name: value}
                              with metrics[i] under metric_names[i]; writer only */
    const double *metrics;
    size_t nmetrics;       /* 0: not written */
    int not_converged;     /* 1: an iterative solver stopped at maxIter before meeting tol;
                              written as "converged": false, absent otherwise */
    int32_t rung;          /* --search halving: the rung (0-based) and its resource (rows, or
                              the predictor's param value), written as "rung", "resource";
                              resource 0: neither written (a grid sweep); reader: -1, 0 */
    int64_t resource;
    char *node;            /* the node whose agent ran it (tune --listen); NULL: the
                              coordinator's own workers (not written). Writer: borrowed;
                              reader: owned */
} pt_log_result_t;

typedef struct {
    size_t nmaps;
    double *avg_metrics;
    double *std_metrics;
    int32_t best_index;    /* -1 when every map failed */
    const pt_paramlist_t *best_params; /* writer: borrowed; reader: owned copy; NULL if none */
    double best_metric;
    double wall_seconds;
    int64_t jobs_ok, jobs_failed;
    int32_t *failed_maps;
    size_t nfailed_maps;
    /* --time-budget: the maps left with folds not run ("incomplete"; written only when
     * there are some). A later summary (the sweep resumed) may follow such a summary. */
    int32_t *incomplete_maps;
    size_t nincomplete_maps;
    /* --race: the maps pruned ("pruned"), the folds each had completed ("pruned_folds", as
     * many) and the fit jobs not run because of it ("fits_saved"); written only with
     * race set. */
    int race;
    int32_t *pruned_maps, *pruned_folds;
    size_t npruned_maps;
    int64_t fits_saved;
    const char *select;    /* "one-se" (--select one-se; best_index is then the map it chose)
                              or NULL (the best average: not written); writer only */
    int32_t select_top;    /* with select: the best-average map */
    double select_se;      /* with select: the standard error of select_top's average */
    /* --search halving: "rungs" [{resource, maps [index...]}], rung after rung; written only
     * when nrungs > 0. rung_maps holds every rung's maps, rung_counts[r] of them for rung r */
    size_t nrungs;
    int64_t *rung_resources;
    int32_t *rung_counts;
    int32_t *rung_maps;
} pt_log_summary_t;

typedef struct pt_log pt_log_t;

/* Creates a new log at path holding the header, through pt_file: the header is written and
 * fsync'd to a temporary file in the same directory, which then takes path's place (a link
 * when overwrite is 0, so an existing file is never replaced: -EEXIST with "already exists";
 * a rename when 1), and the directory is fsync'd. Returns an owned writer or NULL with the reason in err and errno set
 * (EEXIST, EINVAL for a header the reader would refuse, ENOMEM, or the failing call's). */
pt_log_t *pt_log_create(const char *path, const pt_log_header_t *h, int overwrite, char *err);
/* pt_log_create with the durable part (the header's write, fsync, the name, the directory's
 * fsync) on a thread of its own, so that the caller goes on meanwhile (the coordinator
 * starts its workers): returns the writer, or NULL with err for what fails at once (a header
 * the reader would refuse, no memory, no temporary file). The first append, pt_log_sync or
 * pt_log_close waits for the thread; an append or sync then returns the creation's error
 * (its reason in err, as pt_log_create's) and the log takes no record: a result is never
 * written before the header is durable under the log's name. The header is copied: h may
 * go once this returns. */
pt_log_t *pt_log_create_async(const char *path, const pt_log_header_t *h, int overwrite,
                              char *err);
/* Appends one record with a single write() and fdatasync. 0 or a negative errno; -EINVAL
 * (nothing written) for a record the reader would refuse: param_index outside the header's
 * param maps, a NULL status, a summary whose nmaps differs from the header's or whose
 * best_index / failed_maps are out of range. After a failed write the file is cut back to its
 * last whole record; if that or fdatasync fails, every later append returns -EIO. */
int pt_log_append_result(pt_log_t *lg, const pt_log_result_t *r, char *err);
int pt_log_append_summary(pt_log_t *lg, const pt_log_summary_t *s, char *err);
/* Group commit: with deferred set, an append write()s its record at once (a reader, or a
 * resume after the process is killed, sees it) but leaves the fdatasync to pt_log_sync, which
 * the coordinator calls once per batch of results, so thousands of short jobs a second do not
 * each wait for the disk. Without it (the default) every append is fdatasync'd. */
void pt_log_set_deferred(pt_log_t *lg, int deferred);
/* fdatasync when anything was appended since the last sync; 0 or a negative errno. */
int pt_log_sync(pt_log_t *lg, char *err);
/* --extend: appends an "extend" record: from here on the log's param maps are maps[0..nmaps)
 * (the extended grid), and the map i of the list before (lg's, lg->nmaps of them) is
 * from_index[i] in it; later results and the summary index the new list. 0, a negative
 * errno, or -EINVAL (nothing written) for an empty list or an index out of range. */
int pt_log_append_extend(pt_log_t *lg, const pt_paramlist_t *maps, size_t nmaps,
                         const int32_t *from_index, int32_t run, char *err);
/* Syncs (see above) and closes; accepts NULL and *plg == NULL; sets *plg to NULL. */
void pt_log_close(pt_log_t **plg);

/* A log read back. */
typedef struct {
    pt_log_header_t header;
    pt_log_result_t *results; /* nresults, in file order */
    size_t nresults;
    pt_log_summary_t *summary; /* NULL when absent (sweep unfinished or killed) */
    int torn;                  /* 1 when the file ended inside a record (dropped) */
    uint64_t valid_bytes;      /* length of the whole records */
    int checked;               /* 1: the header has a checksum, so every record needs one */
    size_t unverified;         /* records read without a checksum (a log written before
                                  checksums, header included) */
    size_t extends;            /* "extend" records read (--extend): header.param_maps is the
                                  last one's list, results' param_index index it */
} pt_logfile_t;

/* Reads path. A file that does not start with a paratune header record is refused
 * (-EINVAL, "not a paratune log"); a torn last record sets torn and is ignored; a complete
 * record that is malformed is an error naming its byte offset. Returns an owned object
 * (free with pt_logfile_destroy) or NULL with the reason in err, which starts with path, and
 * errno set: EINVAL not a log, ENOTSUP a newer version, EBADMSG a malformed record, or the
 * failing call's (ENOENT, ENOMEM, ...). The results' params and the summary's best_params are
 * heap copies owned by the pt_logfile_t (held through the structs' const pointers).
 * Version 1 knows four record types: another type, a second header or a second summary is
 * malformed, but a summary may follow one with incomplete maps (a --time-budget sweep
 * resumed: the last summary counts) or an "extend" record. An "extend" record renumbers the
 * results before it into its list, replaces header.param_maps and drops the summary before
 * it (see read_extend), so callers see the extended sweep only. A record's fields are
 * checked, then its checksum; the reason of any damage
 * before the end reads "corrupt at offset N: what" (EBADMSG). A log whose header has no crc
 * (written before checksums) is read unverified (lf->unverified counts such records). */
pt_logfile_t *pt_logfile_read(const char *path, char *err);
void pt_logfile_destroy(pt_logfile_t **plf);

/* Reopens the log lf was read from (pt_logfile_read) for appending, for --resume: a torn
 * last record is cut off (the file is truncated to lf->valid_bytes), whole records are kept.
 * Returns an owned writer or NULL with the reason in err. */
pt_log_t *pt_log_open_append(const char *path, const pt_logfile_t *lf, char *err);

/* Frees what a header owns (used for read-back headers). */
void pt_log_header_free(pt_log_header_t *h);

#endif
