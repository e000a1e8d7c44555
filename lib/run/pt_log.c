/* pt_log.c - the result log: writer (create, append, close) and reader.
 *
 * The writer never leaves a half-made log under the final name: the header is written through
 * pt_file (temporary file, fsync, then the final name: a link refuses an existing file,
 * a rename replaces it; the directory fsync'd) and its descriptor kept for the appends. Each
 * later record is packed into memory and written with one write() and an fdatasync, so a
 * crash can only tear the last record. If an append fails half-way the file is cut back to
 * its last whole record; if even that fails the writer refuses further appends rather than
 * write after a torn record.
 *
 * Every record ends with its CRC-32C (pt_msgpack_pack_crc). The reader loads the whole file
 * and walks it with pt_msgpack_unpack_bounded, so no declared length is believed beyond the
 * bytes left. An incomplete object at the end is a torn tail (dropped and reported) only when
 * no whole record with a good checksum follows its start; anything else that is wrong is
 * "corrupt at offset N" naming the byte offset of the record. Every reason starts with the
 * path.
 */
#include "pt_log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pthread.h>
#include <unistd.h>

#include <msgpack.h>

#include "pt_common.h"
#include "pt_file.h"
#include "pt_mpk.h"

#define LOG_FORMAT "paratune-log"

struct pt_log {
    int fd;      /* -1 while the creator thread runs, or after it failed */
    char *path;
    size_t nmaps; /* of the header: records are checked against it, as the reader will */
    off_t size;  /* bytes of whole records in the file */
    int broken;  /* a failed append could not be cut back: no more appends */
    int deferred; /* group commit: appends write() at once, pt_log_sync fdatasyncs */
    int dirty;    /* written since the last fdatasync */
    /* pt_log_create_async: the header's commit on a thread, joined by log_ready */
    int creating;        /* the thread runs (or ran and is not joined yet) */
    pthread_t creator;
    pt_file_t *pending;  /* the temporary file, the thread's until joined */
    msgpack_sbuffer hdr; /* the packed header it writes */
    int commit_flags;
    int create_rc;       /* its result, and the reason */
    char create_err[PT_ERRLEN];
};

/* ---- writing ---- */

/* An array field of n numbers: key, then the array. */
static void pack_doubles(msgpack_packer *pk, const char *key, const double *v, size_t n)
{
    pt_msgpack_pack_str(pk, key);
    msgpack_pack_array(pk, n);
    for (size_t i = 0; i < n; i++)
        msgpack_pack_double(pk, v[i]);
}

static void pack_header(msgpack_packer *pk, const pt_log_header_t *h)
{
    int cv = h->validator == PT_VALIDATOR_CV;

    msgpack_pack_map(pk, 12 + (h->ncat > 0) + (h->label_values != NULL) +
                             (h->search != NULL)); /* + crc */
    pt_msgpack_kv_str(pk, "record", "header");
    pt_msgpack_kv_str(pk, "format", LOG_FORMAT);
    pt_msgpack_kv_int(pk, "version", PT_LOG_VERSION);
    pt_msgpack_kv_double(pk, "created", h->created);

    pt_msgpack_pack_str(pk, "data");
    msgpack_pack_map(pk, 6 + (h->feature_names != NULL) + (h->weight_col != NULL));
    pt_msgpack_kv_str(pk, "path", h->data_path);
    pt_msgpack_kv_uint(pk, "rows", h->rows);
    pt_msgpack_kv_uint(pk, "features", h->features);
    pt_msgpack_kv_uint(pk, "fingerprint", h->fingerprint);
    pt_msgpack_kv_str(pk, "label", h->label);
    pt_msgpack_kv_str(pk, "format", h->data_format);
    if (h->feature_names != NULL)
        pt_msgpack_kv_strs(pk, "feature_names", h->feature_names, h->nfeature_names);
    if (h->weight_col != NULL)
        pt_msgpack_kv_str(pk, "weight_col", h->weight_col);

    pt_msgpack_kv_strs(pk, "pipeline", h->stages, h->nstages);

    pt_msgpack_pack_str(pk, "validator");
    msgpack_pack_map(pk, 3 + (h->fold_col != NULL) + (h->stratify != 0));
    pt_msgpack_kv_str(pk, "type", pt_validator_name(h->validator));
    if (cv)
        pt_msgpack_kv_int(pk, "num_folds", h->num_folds);
    else
        pt_msgpack_kv_double(pk, "train_ratio", h->train_ratio);
    pt_msgpack_kv_uint(pk, "seed", h->seed);
    if (h->fold_col != NULL)
        pt_msgpack_kv_str(pk, "fold_col", h->fold_col);
    if (h->stratify)
        pt_msgpack_kv_bool(pk, "stratify", 1);

    pt_msgpack_pack_str(pk, "evaluator");
    msgpack_pack_map(pk, 3 + (h->num_bins >= 0) + (h->metrics != NULL));
    pt_msgpack_kv_str(pk, "name", h->evaluator);
    pt_msgpack_kv_str(pk, "metric", h->metric);
    if (h->metrics != NULL)
        pt_msgpack_kv_str(pk, "metrics", h->metrics);
    pt_msgpack_kv_bool(pk, "larger_is_better", h->larger_is_better);
    if (h->num_bins >= 0)
        pt_msgpack_kv_int(pk, "num_bins", h->num_bins);

    pt_msgpack_kv_int(pk, "parallelism", h->parallelism);
    pt_msgpack_kv_int(pk, "threads_per_job", h->threads_per_job);
    pt_msgpack_pack_str(pk, "param_maps");
    msgpack_pack_array(pk, h->nmaps);
    for (size_t i = 0; i < h->nmaps; i++)
        pt_msgpack_pack_params(pk, &h->param_maps[i]);
    if (h->ncat > 0) {
        pt_msgpack_pack_str(pk, "categorical");
        msgpack_pack_array(pk, h->ncat);
        for (size_t k = 0, off = 0; k < h->ncat; off += h->cat_nvalues[k], k++) {
            int null = k < 64 && (h->cat_missing >> k & 1);
            msgpack_pack_map(pk, 2 + null);
            pt_msgpack_kv_str(pk, "name", h->cat_names[k]);
            pt_msgpack_kv_strs(pk, "values", h->cat_values + off, h->cat_nvalues[k]);
            if (null)
                pt_msgpack_kv_bool(pk, "missing", 1);
        }
    }
    if (h->label_values != NULL)
        pt_msgpack_kv_strs(pk, "label_values", h->label_values, h->nlabel_values);
    if (h->search != NULL) {
        pt_msgpack_pack_str(pk, "search");
        msgpack_pack_map(pk, 4);
        pt_msgpack_kv_str(pk, "type", h->search);
        pt_msgpack_kv_int(pk, "factor", h->halving_factor);
        if (h->halving_min > 0)
            pt_msgpack_kv_int(pk, "min_resources", h->halving_min);
        else
            pt_msgpack_kv_str(pk, "min_resources", "exhaust");
        pt_msgpack_kv_str(pk, "resource", h->halving_resource ? h->halving_resource : "rows");
    }
}

static void pack_result(msgpack_packer *pk, const pt_log_result_t *r)
{
    static const pt_paramlist_t none = {0, NULL};
    int has_error = r->error != NULL && (r->status == NULL || strcmp(r->status, "ok") != 0);

    msgpack_pack_map(pk, 13 + (has_error ? 1 : 0) + (r->not_converged ? 1 : 0) + (r->run > 0) +
                             (r->nmetrics > 0) + 2 * (r->resource > 0) + (r->node != NULL));
    pt_msgpack_kv_str(pk, "record", "result");
    pt_msgpack_kv_int(pk, "param_index", r->param_index);
    pt_msgpack_kv_int(pk, "fold", r->fold);
    pt_msgpack_pack_str(pk, "params");
    pt_msgpack_pack_params(pk, r->params != NULL ? r->params : &none);
    /* no value is NaN: an infinite metric (a diverged fit) counts as failed anyway, and the
     * reader takes only finite metrics and NaN */
    pt_msgpack_kv_double(pk, "metric", isfinite(r->metric) ? r->metric : NAN);
    pt_msgpack_kv_str(pk, "status", r->status);
    if (has_error)
        pt_msgpack_kv_str(pk, "error", r->error);
    pt_msgpack_kv_int(pk, "worker", r->worker);
    pt_msgpack_kv_int(pk, "attempt", r->attempt);
    pt_msgpack_kv_double(pk, "started", r->started);
    pt_msgpack_kv_double(pk, "finished", r->finished);
    pt_msgpack_kv_double(pk, "fit_seconds", r->fit_seconds);
    pt_msgpack_kv_double(pk, "eval_seconds", r->eval_seconds);
    if (r->not_converged)
        pt_msgpack_kv_bool(pk, "converged", 0);
    if (r->run > 0)
        pt_msgpack_kv_int(pk, "run", r->run);
    if (r->node != NULL)
        pt_msgpack_kv_str(pk, "node", r->node);
    if (r->nmetrics > 0) {
        pt_msgpack_pack_str(pk, "metrics");
        msgpack_pack_map(pk, r->nmetrics);
        for (size_t i = 0; i < r->nmetrics; i++)
            pt_msgpack_kv_double(pk, r->metric_names[i],
                                 isfinite(r->metrics[i]) ? r->metrics[i] : NAN);
    }
    if (r->resource > 0) {
        pt_msgpack_kv_int(pk, "rung", r->rung);
        pt_msgpack_kv_int(pk, "resource", r->resource);
    }
}

static void pack_summary(msgpack_packer *pk, const pt_log_summary_t *s)
{
    /* the budget's, the race's and --select's fields only when they say something: logs
     * of other sweeps are as before */
    msgpack_pack_map(pk, 11 + (s->nincomplete_maps > 0) + 3 * (s->race != 0) +
                             3 * (s->select != NULL) + (s->nrungs > 0)); /* + crc */
    pt_msgpack_kv_str(pk, "record", "summary");
    pack_doubles(pk, "avg_metrics", s->avg_metrics, s->nmaps);
    pack_doubles(pk, "std_metrics", s->std_metrics, s->nmaps);
    pt_msgpack_kv_int(pk, "best_index", s->best_index);
    pt_msgpack_pack_str(pk, "best_params");
    if (s->best_params != NULL)
        pt_msgpack_pack_params(pk, s->best_params);
    else
        msgpack_pack_nil(pk);
    pt_msgpack_kv_double(pk, "best_metric", s->best_metric);
    pt_msgpack_kv_double(pk, "wall_seconds", s->wall_seconds);
    pt_msgpack_kv_int(pk, "jobs_ok", s->jobs_ok);
    pt_msgpack_kv_int(pk, "jobs_failed", s->jobs_failed);
    pt_msgpack_kv_int32s(pk, "failed_param_maps", s->failed_maps, s->nfailed_maps);
    if (s->nincomplete_maps > 0)
        pt_msgpack_kv_int32s(pk, "incomplete", s->incomplete_maps, s->nincomplete_maps);
    if (s->race) {
        pt_msgpack_kv_int32s(pk, "pruned", s->pruned_maps, s->npruned_maps);
        pt_msgpack_kv_int32s(pk, "pruned_folds", s->pruned_folds, s->npruned_maps);
        pt_msgpack_kv_int(pk, "fits_saved", s->fits_saved);
    }
    if (s->select != NULL) {
        pt_msgpack_kv_str(pk, "select", s->select);
        pt_msgpack_kv_int(pk, "select_top_index", s->select_top);
        pt_msgpack_kv_double(pk, "select_se", s->select_se);
    }
    if (s->nrungs > 0) {
        pt_msgpack_pack_str(pk, "rungs");
        msgpack_pack_array(pk, s->nrungs);
        for (size_t r = 0, off = 0; r < s->nrungs; off += (size_t)s->rung_counts[r], r++) {
            msgpack_pack_map(pk, 2);
            pt_msgpack_kv_int(pk, "resource", s->rung_resources[r]);
            pt_msgpack_kv_int32s(pk, "maps", s->rung_maps + off, (size_t)s->rung_counts[r]);
        }
    }
}

/* The writer of a new log whose header is packed into lg->hdr and written into the
 * temporary file lg->pending, not committed yet. NULL with err and errno set. */
static pt_log_t *log_begin(const char *path, const pt_log_header_t *h, int overwrite, char *err)
{
    pt_msgpack_writer_t w;
    pt_log_t *lg = NULL;
    int rc = EINVAL;

    if (pt_validator_name(h->validator) == NULL) {
        pt_seterr(err, "%s: validator must be \"cv\" or \"tvs\"", path);
        goto error;
    }
    if (h->evaluator == NULL || h->metric == NULL || (h->nstages > 0 && h->stages == NULL) ||
        (h->nmaps > 0 && h->param_maps == NULL)) {
        pt_seterr(err, "%s: incomplete log header", path);
        goto error;
    }
    rc = ENOMEM;
    if ((lg = calloc(1, sizeof *lg)) == NULL) {
        pt_seterr(err, "%s: out of memory", path);
        goto error;
    }
    lg->fd = -1;
    msgpack_sbuffer_init(&lg->hdr);
    pt_msgpack_writer_init(&w, &lg->hdr);
    pack_header(&w.pk, h);
    pt_msgpack_pack_crc(&w, 0);
    if (w.failed || (lg->path = strdup(path)) == NULL) {
        pt_seterr(err, "%s: out of memory", path);
        goto error;
    }
    /* a link refuses an existing log, a rename replaces it; the descriptor stays open for the
     * appends that follow */
    lg->commit_flags = PT_FILE_KEEP_OPEN | (overwrite ? 0 : PT_FILE_NOREPLACE);
    if ((lg->pending = pt_file_begin(path, err)) == NULL) {
        rc = errno;
        goto error;
    }
    lg->nmaps = h->nmaps;
    lg->size = (off_t)lg->hdr.size;
    return lg;

error:
    if (lg != NULL) {
        msgpack_sbuffer_destroy(&lg->hdr);
        free(lg->path);
        free(lg);
    }
    errno = rc;
    return NULL;
}

/* Writes and commits lg's header (the whole of pt_log_create's durable part): lg->fd, or
 * lg->create_rc and lg->create_err. */
static void log_commit(pt_log_t *lg)
{
    int rc = pt_file_write(lg->pending, lg->hdr.data, lg->hdr.size, lg->create_err);
    if (rc == 0)
        rc = pt_file_commit(&lg->pending, lg->commit_flags, lg->create_err);
    if (rc == 0)
        lg->fd = pt_file_release(&lg->pending);
    pt_file_abort(&lg->pending);
    msgpack_sbuffer_destroy(&lg->hdr);
    lg->create_rc = rc;
}

static void *log_creator(void *arg)
{
    log_commit(arg);
    return NULL;
}

/* Waits for pt_log_create_async's thread: 0 once the header is durable under the log's
 * name, else its error (in err, which may be NULL) and the log refuses every append. */
static int log_ready(pt_log_t *lg, char *err)
{
    if (lg->creating) {
        pthread_join(lg->creator, NULL);
        lg->creating = 0;
        if (lg->create_rc != 0)
            lg->broken = 1;
    }
    if (lg->create_rc != 0 && err != NULL)
        pt_seterr(err, "%s", lg->create_err);
    return lg->create_rc;
}

pt_log_t *pt_log_create(const char *path, const pt_log_header_t *h, int overwrite, char *err)
{
    pt_log_t *lg = log_begin(path, h, overwrite, err);
    int rc;
    if (lg == NULL)
        return NULL;
    log_commit(lg);
    if ((rc = lg->create_rc) != 0) {
        pt_seterr(err, "%s", lg->create_err);
        pt_log_close(&lg);
        errno = -rc;
    }
    return lg;
}

pt_log_t *pt_log_create_async(const char *path, const pt_log_header_t *h, int overwrite,
                              char *err)
{
    pt_log_t *lg = log_begin(path, h, overwrite, err);
    if (lg == NULL)
        return NULL;
    if (pthread_create(&lg->creator, NULL, log_creator, lg) == 0)
        lg->creating = 1;
    else /* no thread: the commit in line, its error at the first append as with one */
        log_commit(lg);
    return lg;
}

pt_log_t *pt_log_open_append(const char *path, const pt_logfile_t *lf, char *err)
{
    pt_log_t *lg = NULL;
    struct stat st;
    int fd = -1;

    fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
        pt_seterr(err, "%s: cannot open for appending: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || (uint64_t)st.st_size < lf->valid_bytes) {
        pt_seterr(err, "%s: changed since it was read", path);
        goto error;
    }
    /* Drop a torn last record (and only that) so the next record starts on a boundary. */
    if ((uint64_t)st.st_size > lf->valid_bytes) {
        if (ftruncate(fd, (off_t)lf->valid_bytes) != 0 || fsync(fd) != 0) {
            pt_seterr(err, "%s: cannot cut the torn last record: %s", path, strerror(errno));
            goto error;
        }
    }
    lg = calloc(1, sizeof *lg);
    if (lg == NULL || (lg->path = strdup(path)) == NULL) {
        pt_seterr(err, "%s: out of memory", path);
        free(lg);
        lg = NULL;
        goto error;
    }
    lg->fd = fd;
    lg->nmaps = lf->header.nmaps;
    lg->size = (off_t)lf->valid_bytes;
    return lg;
error:
    close(fd);
    return NULL;
}

static int append_record(pt_log_t *lg, const msgpack_sbuffer *sb, char *err)
{
    int rc;
    if ((rc = log_ready(lg, err)) != 0)
        return rc;
    if (lg->broken) {
        pt_seterr(err, "%s: an earlier append failed; the log is closed to appends", lg->path);
        return -EIO;
    }
    rc = pt_write_all(lg->fd, sb->data, sb->size);
    if (rc != 0) {
        pt_seterr(err, "%s: cannot append: %s", lg->path, strerror(-rc));
        if (ftruncate(lg->fd, lg->size) != 0)
            lg->broken = 1;
        return rc;
    }
    lg->size += (off_t)sb->size;
    lg->dirty = 1;
    return lg->deferred ? 0 : pt_log_sync(lg, err);
}

/* Appends the record packed in sb (unless packing failed: -ENOMEM) and frees sb. */
static int append_packed(pt_log_t *lg, msgpack_sbuffer *sb, int failed, char *err)
{
    int rc;
    if (failed) {
        pt_seterr(err, "%s: out of memory", lg->path);
        rc = -ENOMEM;
    } else {
        rc = append_record(lg, sb, err);
    }
    msgpack_sbuffer_destroy(sb);
    return rc;
}

void pt_log_set_deferred(pt_log_t *lg, int deferred)
{
    lg->deferred = deferred;
}

int pt_log_sync(pt_log_t *lg, char *err)
{
    int rc;
    if (lg == NULL)
        return 0;
    if ((rc = log_ready(lg, err)) != 0 || !lg->dirty)
        return rc;
    if (fdatasync(lg->fd) != 0) {
        rc = -errno;
        pt_seterr(err, "%s: cannot sync: %s", lg->path, strerror(errno));
        /* after a failed sync the kernel may have dropped the data: trust nothing more */
        lg->broken = 1;
        return rc;
    }
    lg->dirty = 0;
    return 0;
}

int pt_log_append_result(pt_log_t *lg, const pt_log_result_t *r, char *err)
{
    msgpack_sbuffer sb;
    pt_msgpack_writer_t w;

    /* a record the reader would refuse must not reach the file */
    if (r->param_index < 0 || (size_t)r->param_index >= lg->nmaps || r->status == NULL) {
        pt_seterr(err, "%s: invalid result (param_index %d of %zu maps, status %s)", lg->path,
                  (int)r->param_index, lg->nmaps, r->status != NULL ? r->status : "missing");
        return -EINVAL;
    }
    msgpack_sbuffer_init(&sb);
    pt_msgpack_writer_init(&w, &sb);
    pack_result(&w.pk, r);
    pt_msgpack_pack_crc(&w, 0);
    return append_packed(lg, &sb, w.failed, err);
}

int pt_log_append_summary(pt_log_t *lg, const pt_log_summary_t *s, char *err)
{
    msgpack_sbuffer sb;
    pt_msgpack_writer_t w;
    int rc;

    /* a record the reader would refuse must not reach the file */
    rc = s->nmaps == lg->nmaps && s->best_index >= -1 && s->best_index < (int64_t)s->nmaps &&
         s->jobs_ok >= 0 && s->jobs_failed >= 0;
    for (size_t i = 0; rc && i < s->nfailed_maps; i++)
        rc = s->failed_maps[i] >= 0 && (size_t)s->failed_maps[i] < s->nmaps;
    for (size_t i = 0; rc && i < s->nincomplete_maps; i++)
        rc = s->incomplete_maps[i] >= 0 && (size_t)s->incomplete_maps[i] < s->nmaps;
    for (size_t i = 0; rc && s->race && i < s->npruned_maps; i++)
        rc = s->pruned_maps[i] >= 0 && (size_t)s->pruned_maps[i] < s->nmaps &&
             s->pruned_folds[i] >= 0;
    if (!rc) {
        pt_seterr(err, "%s: invalid summary (for %zu param maps)", lg->path, lg->nmaps);
        return -EINVAL;
    }
    msgpack_sbuffer_init(&sb);
    pt_msgpack_writer_init(&w, &sb);
    pack_summary(&w.pk, s);
    pt_msgpack_pack_crc(&w, 0);
    return append_packed(lg, &sb, w.failed, err);
}

int pt_log_append_extend(pt_log_t *lg, const pt_paramlist_t *maps, size_t nmaps,
                         const int32_t *from_index, int32_t run, char *err)
{
    msgpack_sbuffer sb;
    pt_msgpack_writer_t w;
    int rc;

    /* a record the reader would refuse must not reach the file */
    rc = nmaps > 0 && nmaps <= INT32_MAX && maps != NULL && (from_index != NULL || lg->nmaps == 0);
    for (size_t i = 0; rc && i < lg->nmaps; i++)
        rc = from_index[i] >= 0 && (size_t)from_index[i] < nmaps;
    if (!rc) {
        pt_seterr(err, "%s: invalid extend record (%zu param maps from %zu)", lg->path, nmaps,
                  lg->nmaps);
        return -EINVAL;
    }
    msgpack_sbuffer_init(&sb);
    pt_msgpack_writer_init(&w, &sb);
    msgpack_pack_map(&w.pk, 5); /* + crc */
    pt_msgpack_kv_str(&w.pk, "record", "extend");
    pt_msgpack_pack_str(&w.pk, "param_maps");
    msgpack_pack_array(&w.pk, nmaps);
    for (size_t i = 0; i < nmaps; i++)
        pt_msgpack_pack_params(&w.pk, &maps[i]);
    pt_msgpack_kv_int32s(&w.pk, "from_index", from_index, lg->nmaps);
    pt_msgpack_kv_int(&w.pk, "run", run);
    pt_msgpack_pack_crc(&w, 0);
    rc = append_packed(lg, &sb, w.failed, err);
    if (rc == 0) /* the records that follow index the new list */
        lg->nmaps = nmaps;
    return rc;
}

void pt_log_close(pt_log_t **plg)
{
    if (plg == NULL || *plg == NULL)
        return;
    pt_log_sync(*plg, NULL);
    if ((*plg)->fd >= 0)
        close((*plg)->fd);
    free((*plg)->path);
    free(*plg);
    *plg = NULL;
}

/* ---- reading ---- */

/* Loads the whole file (reading to EOF, so a log that grows meanwhile is fine). */
static int read_whole(const char *path, char **pbuf, size_t *plen, char *err)
{
    struct stat st;
    char *buf = NULL;
    size_t len = 0, cap;
    int fd, rc = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        pt_seterr(err, "%s: %s", path, strerror(errno));
        return rc;
    }
    if (fstat(fd, &st) != 0) {
        rc = -errno;
        pt_seterr(err, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = -EISDIR;
        pt_seterr(err, "%s: is a directory", path);
        goto out;
    }
    /* st_size is only a first guess: pipes say 0, and a live log grows while we read */
    cap = (size_t)st.st_size + 1;
    buf = malloc(cap);
    for (;;) {
        ssize_t n;
        if (buf == NULL) {
            rc = -ENOMEM;
            pt_seterr(err, "%s: out of memory", path);
            goto out;
        }
        n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            pt_seterr(err, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == cap) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL)
                free(buf);
            buf = nb;
            cap *= 2;
        }
    }
out:
    close(fd);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *pbuf = buf;
    *plen = len;
    return 0;
}

static int str_is(const msgpack_object *o, const char *s)
{
    size_t n = strlen(s);
    return o != NULL && o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
           memcmp(o->via.str.ptr, s, n) == 0;
}

/* Optional string field: absent or nil gives NULL. */
static int get_opt_str(const msgpack_object *o, const char *key, char **out, char *why)
{
    const msgpack_object *v = pt_msgpack_map_get(o, key);
    char what[64];
    *out = NULL;
    if (v == NULL || v->type == MSGPACK_OBJECT_NIL)
        return 0;
    snprintf(what, sizeof what, "field '%s'", key);
    return pt_msgpack_to_str(v, what, out, why);
}

/* An array of exactly n numbers into a new array *out (the caller frees it, also on failure). */
static int get_doubles(const msgpack_object *o, const char *key, size_t n, double **out,
                       char *why)
{
    const msgpack_object *a = pt_msgpack_get_obj(o, key, MSGPACK_OBJECT_ARRAY, why);
    char what[64];
    if (a == NULL)
        return -EBADMSG;
    if (a->via.array.size != n) {
        pt_seterr(why, "field '%s': %u values for %zu param maps", key,
                  (unsigned)a->via.array.size, n);
        return -EBADMSG;
    }
    *out = malloc((n > 0 ? n : 1) * sizeof **out);
    if (*out == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        snprintf(what, sizeof what, "field '%s'[%zu]", key, i);
        if (pt_msgpack_to_double(&a->via.array.ptr[i], what, &(*out)[i], why) != 0)
            return -EBADMSG;
        if (isinf((*out)[i])) { /* NaN is "no value"; nothing is infinite */
            pt_seterr(why, "%s: not finite", what);
            return -EBADMSG;
        }
    }
    return 0;
}

/* A map of params into a new heap list (NULL for nil when nil_ok). The log structs hold such
 * lists through const pointers; free_params casts the const away again, which is sound since
 * the list was allocated non-const here. */
static int get_params(const msgpack_object *o, const char *key, int nil_ok,
                      const pt_paramlist_t **out, char *why)
{
    const msgpack_object *v = pt_msgpack_map_get(o, key);
    pt_paramlist_t *l;
    char reason[PT_ERRLEN];
    int rc;

    *out = NULL;
    if (v == NULL) {
        pt_seterr(why, "missing field '%s'", key);
        return -EBADMSG;
    }
    if (nil_ok && v->type == MSGPACK_OBJECT_NIL)
        return 0;
    l = calloc(1, sizeof *l);
    if (l == NULL)
        return -ENOMEM;
    *out = l;
    rc = pt_msgpack_unpack_params(v, l, reason);
    if (rc != 0)
        pt_seterr(why, "field '%s': %s", key, reason);
    return rc;
}

static void free_params(const pt_paramlist_t **p)
{
    pt_paramlist_t *l = (pt_paramlist_t *)*p;
    if (l != NULL) {
        pt_paramlist_free(l);
        free(l);
    }
    *p = NULL;
}

void pt_log_header_free(pt_log_header_t *h)
{
    size_t nvalues;
    free(h->data_path);
    free(h->label);
    free(h->data_format);
    pt_strv_free(h->feature_names, h->nfeature_names);
    free(h->weight_col);
    pt_strv_free(h->stages, h->nstages);
    free(h->fold_col);
    free(h->evaluator);
    free(h->metric);
    free(h->metrics);
    for (size_t i = 0; i < h->nmaps; i++)
        pt_paramlist_free(&h->param_maps[i]);
    free(h->param_maps);
    nvalues = 0;
    for (size_t k = 0; h->cat_nvalues != NULL && k < h->ncat; k++)
        nvalues += h->cat_nvalues[k];
    pt_strv_free(h->cat_values, nvalues);
    pt_strv_free(h->cat_names, h->ncat);
    free(h->cat_nvalues);
    pt_strv_free(h->label_values, h->nlabel_values);
    free(h->search);
    free(h->halving_resource);
    memset(h, 0, sizeof *h);
}

static void result_free(pt_log_result_t *r)
{
    free_params(&r->params);
    free(r->status);
    free(r->error);
    free(r->node);
    memset(r, 0, sizeof *r);
}

static void summary_free(pt_log_summary_t *s)
{
    free(s->avg_metrics);
    free(s->std_metrics);
    free_params(&s->best_params);
    free(s->failed_maps);
    free(s->incomplete_maps);
    free(s->pruned_maps);
    free(s->pruned_folds);
    free(s->rung_resources);
    free(s->rung_counts);
    free(s->rung_maps);
    memset(s, 0, sizeof *s);
}

/* Puts "ctx: " before the reason of a malformed nested field. Returns rc. */
static int nest(int rc, const char *ctx, char *why)
{
    char inner[PT_ERRLEN];
    if (rc == -EBADMSG) {
        snprintf(inner, sizeof inner, "%s", why);
        pt_seterr(why, "%s: %s", ctx, inner);
    }
    return rc;
}

/* The optional "categorical" [{name, values}] of header o into h. 0 or a negative errno
 * with why. */
static int read_categorical(const msgpack_object *o, pt_log_header_t *h, char *why)
{
    const msgpack_object *c = pt_msgpack_map_get(o, "categorical");
    size_t total = 0;
    if (c == NULL)
        return 0;
    if (c->type != MSGPACK_OBJECT_ARRAY) {
        pt_seterr(why, "field 'categorical': expected an array");
        return -EBADMSG;
    }
    if ((h->cat_names = calloc(c->via.array.size + 1, sizeof *h->cat_names)) == NULL ||
        (h->cat_nvalues = calloc(c->via.array.size + 1, sizeof *h->cat_nvalues)) == NULL)
        return -ENOMEM;
    for (uint32_t k = 0; k < c->via.array.size; k++) {
        const msgpack_object *e = &c->via.array.ptr[k];
        char **vals = NULL, **all;
        size_t n = 0;
        int rc = e->type != MSGPACK_OBJECT_MAP ? -EBADMSG
                 : pt_msgpack_get_str(e, "name", &h->cat_names[k], why) != 0 ? -EBADMSG
                 : pt_msgpack_get_strs(e, "values", &vals, &n, why);
        h->ncat = k + 1; /* what is set so far is freed with the header */
        if (rc == 0 && (all = realloc(h->cat_values, (total + n + 1) * sizeof *all)) == NULL)
            rc = -ENOMEM;
        if (rc != 0) {
            pt_strv_free(vals, n);
            if (rc != -ENOMEM)
                pt_seterr(why, "field 'categorical'[%u]: expected {name, values}", (unsigned)k);
            return rc;
        }
        if (pt_msgpack_map_get(e, "missing") != NULL) {
            int null = 0;
            if ((rc = pt_msgpack_get_bool(e, "missing", &null, why)) != 0) {
                pt_strv_free(vals, n);
                return rc;
            }
            if (null && k < 64)
                h->cat_missing |= (uint64_t)1 << k;
        }
        h->cat_values = all;
        memcpy(all + total, vals, n * sizeof *all);
        free(vals);
        total += n;
        h->cat_nvalues[k] = n;
    }
    return 0;
}

/* The optional "search" {type, factor, min_resources, resource} of header o (--search
 * halving) into h. 0 or a negative errno with why. */
static int read_search(const msgpack_object *o, pt_log_header_t *h, char *why)
{
    const msgpack_object *sr = pt_msgpack_map_get(o, "search"), *mr;
    int rc;
    if (sr == NULL)
        return 0;
    if ((sr = pt_msgpack_get_obj(o, "search", MSGPACK_OBJECT_MAP, why)) == NULL)
        return -EBADMSG;
    if ((rc = pt_msgpack_get_str(sr, "type", &h->search, why)) != 0 ||
        (rc = pt_msgpack_get_int(sr, "factor", 2, INT64_MAX, &h->halving_factor, why)) != 0 ||
        (rc = pt_msgpack_get_str(sr, "resource", &h->halving_resource, why)) != 0)
        return nest(rc, "search", why);
    mr = pt_msgpack_map_get(sr, "min_resources");
    if (mr != NULL && str_is(mr, "exhaust"))
        return 0;
    rc = pt_msgpack_get_int(sr, "min_resources", 1, INT64_MAX, &h->halving_min, why);
    return nest(rc, "search", why);
}

static int read_header(const msgpack_object *o, pt_log_header_t *h, char *why)
{
    const msgpack_object *d, *a, *v, *e;
    char *vname = NULL;
    int64_t x;
    int rc;

    if ((rc = pt_msgpack_get_double(o, "created", &h->created, why)) != 0)
        return rc;

    if ((d = pt_msgpack_get_obj(o, "data", MSGPACK_OBJECT_MAP, why)) == NULL)
        return -EBADMSG;
    if ((rc = get_opt_str(d, "path", &h->data_path, why)) != 0 ||
        (rc = pt_msgpack_get_uint(d, "rows", &h->rows, why)) != 0 ||
        (rc = pt_msgpack_get_uint(d, "features", &h->features, why)) != 0 ||
        (rc = pt_msgpack_get_uint(d, "fingerprint", &h->fingerprint, why)) != 0 ||
        (rc = get_opt_str(d, "label", &h->label, why)) != 0 ||
        (rc = get_opt_str(d, "format", &h->data_format, why)) != 0)
        return nest(rc, "data", why);
    if (pt_msgpack_map_get(d, "feature_names") != NULL &&
        (rc = pt_msgpack_get_strs(d, "feature_names", &h->feature_names, &h->nfeature_names,
                                  why)) != 0)
        return nest(rc, "data", why);
    if ((rc = get_opt_str(d, "weight_col", &h->weight_col, why)) != 0)
        return nest(rc, "data", why);

    if ((rc = pt_msgpack_get_strs(o, "pipeline", &h->stages, &h->nstages, why)) != 0)
        return rc;

    if ((v = pt_msgpack_get_obj(o, "validator", MSGPACK_OBJECT_MAP, why)) == NULL)
        return -EBADMSG;
    if ((rc = pt_msgpack_get_str(v, "type", &vname, why)) != 0)
        return nest(rc, "validator", why);
    if (pt_validator_parse(vname, &h->validator) != 0) {
        pt_seterr(why, "validator: unknown type '%.100s'", vname);
        free(vname);
        return -EBADMSG;
    }
    free(vname);
    if (h->validator == PT_VALIDATOR_CV) {
        if ((rc = pt_msgpack_get_int(v, "num_folds", 1, INT_MAX, &x, why)) != 0)
            return nest(rc, "validator", why);
        h->num_folds = (int)x;
    } else {
        if ((rc = pt_msgpack_get_double(v, "train_ratio", &h->train_ratio, why)) != 0)
            return nest(rc, "validator", why);
    }
    if ((rc = pt_msgpack_get_uint(v, "seed", &h->seed, why)) != 0 ||
        (rc = get_opt_str(v, "fold_col", &h->fold_col, why)) != 0)
        return nest(rc, "validator", why);
    if (pt_msgpack_map_get(v, "stratify") != NULL &&
        (rc = pt_msgpack_get_bool(v, "stratify", &h->stratify, why)) != 0)
        return nest(rc, "validator", why);

    if ((e = pt_msgpack_get_obj(o, "evaluator", MSGPACK_OBJECT_MAP, why)) == NULL)
        return -EBADMSG;
    if ((rc = pt_msgpack_get_str(e, "name", &h->evaluator, why)) != 0 ||
        (rc = pt_msgpack_get_str(e, "metric", &h->metric, why)) != 0 ||
        (rc = pt_msgpack_get_bool(e, "larger_is_better", &h->larger_is_better, why)) != 0 ||
        (rc = get_opt_str(e, "metrics", &h->metrics, why)) != 0)
        return nest(rc, "evaluator", why);
    h->num_bins = -1;
    if (pt_msgpack_map_get(e, "num_bins") != NULL &&
        (rc = pt_msgpack_get_int(e, "num_bins", 0, INT64_MAX, &h->num_bins, why)) != 0)
        return nest(rc, "evaluator", why);

    if ((rc = pt_msgpack_get_int(o, "parallelism", INT_MIN, INT_MAX, &x, why)) != 0)
        return rc;
    h->parallelism = (int)x;
    if ((rc = pt_msgpack_get_int(o, "threads_per_job", INT_MIN, INT_MAX, &x, why)) != 0)
        return rc;
    h->threads_per_job = (int)x;

    if ((a = pt_msgpack_get_obj(o, "param_maps", MSGPACK_OBJECT_ARRAY, why)) == NULL)
        return -EBADMSG;
    if (a->via.array.size > 0 &&
        (h->param_maps = calloc(a->via.array.size, sizeof *h->param_maps)) == NULL)
        return -ENOMEM;
    for (uint32_t i = 0; i < a->via.array.size; i++) {
        char reason[PT_ERRLEN];
        h->nmaps = i + 1;
        if ((rc = pt_msgpack_unpack_params(&a->via.array.ptr[i], &h->param_maps[i],
                                           reason)) != 0) {
            pt_seterr(why, "field 'param_maps'[%u]: %s", (unsigned)i, reason);
            return rc;
        }
    }
    if ((rc = read_categorical(o, h, why)) != 0)
        return rc;
    if (pt_msgpack_map_get(o, "label_values") != NULL &&
        (rc = pt_msgpack_get_strs(o, "label_values", &h->label_values, &h->nlabel_values,
                                  why)) != 0)
        return rc;
    return read_search(o, h, why);
}

/* A float field that must be finite, or NaN where NaN means "no value" (nan_ok). */
static int get_metricish(const msgpack_object *o, const char *key, int nan_ok, double *out,
                         char *why)
{
    int rc = pt_msgpack_get_double(o, key, out, why);
    if (rc == 0 && !isfinite(*out) && !(nan_ok && isnan(*out))) {
        pt_seterr(why, "field '%s': %s", key, isnan(*out) ? "NaN" : "not finite");
        rc = -EBADMSG;
    }
    return rc;
}

/* Reads a result record o of the log whose header is h, checking every field against it:
 * param_index and fold in range, a known status, a finite metric (NaN only for no value,
 * and always for a status other than "ok"), finite times. The one place both paratune-log
 * and --resume take a result from. */
static int read_result(const msgpack_object *o, const pt_log_header_t *h, pt_log_result_t *r,
                       char *why)
{
    size_t nmaps = h->nmaps;
    int32_t last = nmaps - 1 > INT32_MAX ? INT32_MAX : (int32_t)(nmaps - 1);
    int32_t folds = h->validator == PT_VALIDATOR_CV ? h->num_folds : 1;
    int rc;
    if (nmaps == 0) {
        pt_seterr(why, "a result, but the header lists no param maps");
        return -EBADMSG;
    }
    if ((rc = pt_msgpack_get_int32(o, "param_index", 0, last, &r->param_index, why)) != 0 ||
        (rc = pt_msgpack_get_int32(o, "fold", 0, folds - 1, &r->fold, why)) != 0 ||
        (rc = get_params(o, "params", 0, &r->params, why)) != 0 ||
        (rc = get_metricish(o, "metric", 1, &r->metric, why)) != 0 ||
        (rc = pt_msgpack_get_str(o, "status", &r->status, why)) != 0 ||
        (rc = get_opt_str(o, "error", &r->error, why)) != 0 ||
        (rc = get_opt_str(o, "node", &r->node, why)) != 0 ||
        (rc = pt_msgpack_get_int32(o, "worker", INT32_MIN, INT32_MAX, &r->worker, why)) != 0 ||
        (rc = pt_msgpack_get_int32(o, "attempt", INT32_MIN, INT32_MAX, &r->attempt, why)) != 0 ||
        (rc = get_metricish(o, "started", 0, &r->started, why)) != 0 ||
        (rc = get_metricish(o, "finished", 0, &r->finished, why)) != 0 ||
        (rc = get_metricish(o, "fit_seconds", 0, &r->fit_seconds, why)) != 0 ||
        (rc = get_metricish(o, "eval_seconds", 0, &r->eval_seconds, why)) != 0)
        return rc;
    if (strcmp(r->status, "ok") != 0 && strcmp(r->status, "failed") != 0 &&
        strcmp(r->status, "timeout") != 0) {
        pt_seterr(why, "field 'status': unknown status '%.60s'", r->status);
        return -EBADMSG;
    }
    if (strcmp(r->status, "ok") != 0 && !isnan(r->metric)) {
        pt_seterr(why, "field 'metric': a value for a job with status '%s'", r->status);
        return -EBADMSG;
    }
    if (pt_msgpack_map_get(o, "converged") != NULL) {
        int conv;
        if ((rc = pt_msgpack_get_bool(o, "converged", &conv, why)) != 0)
            return rc;
        r->not_converged = !conv;
    }
    if (pt_msgpack_map_get(o, "run") != NULL &&
        (rc = pt_msgpack_get_int32(o, "run", 1, INT32_MAX, &r->run, why)) != 0)
        return rc;
    r->rung = -1;
    if (pt_msgpack_map_get(o, "rung") != NULL &&
        ((rc = pt_msgpack_get_int32(o, "rung", 0, INT32_MAX, &r->rung, why)) != 0 ||
         (rc = pt_msgpack_get_int(o, "resource", 1, INT64_MAX, &r->resource, why)) != 0))
        return rc;
    return 0;
}

/* The array of ints in [lo, hi] at key into a malloc'd *out (*n of them; NULL when empty). */
static int get_ints(const msgpack_object *o, const char *key, int64_t lo, int64_t hi,
                    int32_t **out, size_t *n, char *why)
{
    const msgpack_object *a;
    int64_t x;
    int rc;
    if ((a = pt_msgpack_get_obj(o, key, MSGPACK_OBJECT_ARRAY, why)) == NULL)
        return -EBADMSG;
    if (a->via.array.size > 0 && (*out = malloc(a->via.array.size * sizeof **out)) == NULL)
        return -ENOMEM;
    for (uint32_t i = 0; i < a->via.array.size; i++) {
        char what[64];
        snprintf(what, sizeof what, "field '%s'[%u]", key, (unsigned)i);
        if ((rc = pt_msgpack_to_int(&a->via.array.ptr[i], what, lo, hi, &x, why)) != 0)
            return rc;
        (*out)[i] = (int32_t)x;
        *n = i + 1;
    }
    return 0;
}

/* The optional fields of a budgeted or raced sweep (--time-budget, --race). */
static int read_summary_extra(const msgpack_object *o, size_t nmaps, pt_log_summary_t *s,
                              char *why)
{
    size_t nf = 0;
    int rc;
    if (pt_msgpack_map_get(o, "incomplete") != NULL &&
        (rc = get_ints(o, "incomplete", 0, (int64_t)nmaps - 1, &s->incomplete_maps,
                       &s->nincomplete_maps, why)) != 0)
        return rc;
    if (pt_msgpack_map_get(o, "pruned") == NULL)
        return 0;
    s->race = 1;
    if ((rc = get_ints(o, "pruned", 0, (int64_t)nmaps - 1, &s->pruned_maps, &s->npruned_maps,
                       why)) != 0 ||
        (rc = get_ints(o, "pruned_folds", 0, INT32_MAX, &s->pruned_folds, &nf, why)) != 0 ||
        (rc = pt_msgpack_get_int(o, "fits_saved", 0, INT64_MAX, &s->fits_saved, why)) != 0)
        return rc;
    if (nf != s->npruned_maps) {
        pt_seterr(why, "field 'pruned_folds': %zu entries for %zu pruned maps", nf,
                  s->npruned_maps);
        return -EBADMSG;
    }
    return 0;
}

/* The optional "rungs" [{resource, maps}] of a halving sweep's summary o into s. */
static int read_rungs(const msgpack_object *o, size_t nmaps, pt_log_summary_t *s, char *why)
{
    const msgpack_object *a = pt_msgpack_map_get(o, "rungs");
    size_t total = 0;
    int rc = 0;
    if (a == NULL)
        return 0;
    if ((a = pt_msgpack_get_obj(o, "rungs", MSGPACK_OBJECT_ARRAY, why)) == NULL)
        return -EBADMSG;
    s->rung_resources = calloc(a->via.array.size + 1, sizeof *s->rung_resources);
    s->rung_counts = calloc(a->via.array.size + 1, sizeof *s->rung_counts);
    if (s->rung_resources == NULL || s->rung_counts == NULL)
        return -ENOMEM;
    for (uint32_t r = 0; rc == 0 && r < a->via.array.size; r++) {
        const msgpack_object *e = &a->via.array.ptr[r];
        int32_t *maps = NULL, *all;
        size_t n = 0;
        if (e->type != MSGPACK_OBJECT_MAP) {
            pt_seterr(why, "field 'rungs'[%u]: expected {resource, maps}", (unsigned)r);
            return -EBADMSG;
        }
        rc = pt_msgpack_get_int(e, "resource", 1, INT64_MAX, &s->rung_resources[r], why);
        if (rc == 0)
            rc = get_ints(e, "maps", 0, (int64_t)nmaps - 1, &maps, &n, why);
        if (rc == 0 && (all = realloc(s->rung_maps, (total + n + 1) * sizeof *all)) == NULL)
            rc = -ENOMEM;
        if (rc == 0) {
            s->rung_maps = all;
            memcpy(all + total, maps, n * sizeof *all);
            total += n;
            s->rung_counts[r] = (int32_t)n;
            s->nrungs = r + 1;
        }
        free(maps);
    }
    return nest(rc, "rungs", why);
}

static int read_summary(const msgpack_object *o, size_t nmaps, pt_log_summary_t *s, char *why)
{
    int64_t x;
    int rc;

    s->nmaps = nmaps;
    if ((rc = get_doubles(o, "avg_metrics", nmaps, &s->avg_metrics, why)) != 0 ||
        (rc = get_doubles(o, "std_metrics", nmaps, &s->std_metrics, why)) != 0 ||
        (rc = pt_msgpack_get_int(o, "best_index", -1, (int64_t)nmaps - 1, &x, why)) != 0)
        return rc;
    s->best_index = (int32_t)x;
    if ((rc = get_params(o, "best_params", 1, &s->best_params, why)) != 0 ||
        (rc = get_metricish(o, "best_metric", 1, &s->best_metric, why)) != 0 ||
        (rc = get_metricish(o, "wall_seconds", 0, &s->wall_seconds, why)) != 0 ||
        (rc = pt_msgpack_get_int(o, "jobs_ok", 0, INT64_MAX, &s->jobs_ok, why)) != 0 ||
        (rc = pt_msgpack_get_int(o, "jobs_failed", 0, INT64_MAX, &s->jobs_failed, why)) != 0 ||
        (rc = get_ints(o, "failed_param_maps", 0, (int64_t)nmaps - 1, &s->failed_maps,
                       &s->nfailed_maps, why)) != 0)
        return rc;
    if ((rc = read_summary_extra(o, nmaps, s, why)) != 0)
        return rc;
    return read_rungs(o, nmaps, s, why);
}

/* An "extend" record o (--extend): from here on the param maps are its list. The results read
 * so far are renumbered into it (their "from_index"), the summary before it is dropped (it
 * was the smaller grid's: a new one follows when the extended sweep ends), and the header's
 * list is replaced, so every reader sees one list, the latest. Nothing changes unless the
 * whole record checks out. */
static int read_extend(const msgpack_object *o, pt_logfile_t *lf, char *why)
{
    pt_log_header_t *h = &lf->header;
    const msgpack_object *a, *f;
    pt_paramlist_t *maps = NULL;
    int32_t *from = NULL;
    size_t n = 0, nfrom = 0;
    int64_t x;
    int rc = -EBADMSG;

    if ((a = pt_msgpack_get_obj(o, "param_maps", MSGPACK_OBJECT_ARRAY, why)) == NULL ||
        (f = pt_msgpack_get_obj(o, "from_index", MSGPACK_OBJECT_ARRAY, why)) == NULL)
        return -EBADMSG;
    if (a->via.array.size == 0 || f->via.array.size != h->nmaps) {
        pt_seterr(why, "%u param maps, from_index of %u for %zu earlier maps",
                  (unsigned)a->via.array.size, (unsigned)f->via.array.size, h->nmaps);
        return -EBADMSG;
    }
    if (pt_msgpack_map_get(o, "run") != NULL &&
        (rc = pt_msgpack_get_int(o, "run", 1, INT32_MAX, &x, why)) != 0)
        return rc;
    if ((maps = calloc(a->via.array.size, sizeof *maps)) == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (n = 0; n < a->via.array.size; n++) {
        char reason[PT_ERRLEN];
        if ((rc = pt_msgpack_unpack_params(&a->via.array.ptr[n], &maps[n], reason)) != 0) {
            pt_seterr(why, "field 'param_maps'[%zu]: %s", n, reason);
            n++;
            goto out;
        }
    }
    if ((rc = get_ints(o, "from_index", 0, (int64_t)n - 1, &from, &nfrom, why)) != 0)
        goto out;
    for (size_t r = 0; r < lf->nresults; r++)
        lf->results[r].param_index = from[lf->results[r].param_index];
    for (size_t i = 0; i < h->nmaps; i++)
        pt_paramlist_free(&h->param_maps[i]);
    free(h->param_maps);
    h->param_maps = maps;
    h->nmaps = n;
    maps = NULL;
    n = 0;
    if (lf->summary != NULL) {
        summary_free(lf->summary);
        free(lf->summary);
        lf->summary = NULL;
    }
    lf->extends++;
    rc = 0;
out:
    for (size_t i = 0; i < n; i++)
        pt_paramlist_free(&maps[i]);
    free(maps);
    free(from);
    return rc;
}

/* Checks and reads the first record. Anything that is not a paratune header map is "not a
 * paratune log"; a header of a newer version is refused; a bad field is malformed. */
static int read_first(const char *path, const msgpack_object *o, pt_log_header_t *h,
                      char *err)
{
    char why[PT_ERRLEN];
    int64_t version;
    int rc;

    if (o->type != MSGPACK_OBJECT_MAP || !str_is(pt_msgpack_map_get(o, "record"), "header") ||
        !str_is(pt_msgpack_map_get(o, "format"), LOG_FORMAT)) {
        pt_seterr(err, "%s: not a paratune log", path);
        return -EINVAL;
    }
    if ((rc = pt_msgpack_get_int(o, "version", 1, INT64_MAX, &version, why)) != 0) {
        pt_seterr(err, "%s: corrupt at offset 0: header record: %s", path, why);
        return rc;
    }
    if (version > PT_LOG_VERSION) {
        pt_seterr(err, "%s: log format version %lld is newer than this program reads (%d)",
                  path, (long long)version, PT_LOG_VERSION);
        return -ENOTSUP;
    }
    if ((rc = read_header(o, h, why)) != 0) {
        if (rc == -ENOMEM)
            pt_seterr(err, "%s: out of memory", path);
        else
            pt_seterr(err, "%s: corrupt at offset 0: header record: %s", path, why);
    }
    return rc;
}

/* Reads one later record at offset off into lf. */
static int read_record(const char *path, const msgpack_object *o, size_t off, pt_logfile_t *lf,
                       size_t *rcap, char *err)
{
    const msgpack_object *kind;
    char why[PT_ERRLEN];
    const char *name = "";
    int rc = -EBADMSG;

    if (o->type != MSGPACK_OBJECT_MAP) {
        pt_seterr(why, "record is not a map (got %s)", pt_msgpack_type_name(o->type));
        goto bad;
    }
    kind = pt_msgpack_map_get(o, "record");
    if (kind == NULL || kind->type != MSGPACK_OBJECT_STR) {
        pt_seterr(why, "field 'record': missing or not a str");
        goto bad;
    }
    if (str_is(kind, "result")) {
        name = "result record: ";
        if (lf->nresults == *rcap) {
            size_t ncap = *rcap ? *rcap * 2 : 64;
            pt_log_result_t *nr = realloc(lf->results, ncap * sizeof *nr);
            if (nr == NULL)
                goto nomem;
            lf->results = nr;
            *rcap = ncap;
        }
        memset(&lf->results[lf->nresults], 0, sizeof *lf->results);
        /* counted before reading so that a half-read record is freed with the rest */
        lf->nresults++;
        rc = read_result(o, &lf->header, &lf->results[lf->nresults - 1], why);
    } else if (str_is(kind, "summary")) {
        name = "summary record: ";
        /* a sweep stopped by its time budget and resumed has a summary per run: the
         * last counts; any other second summary is corruption */
        if (lf->summary != NULL && lf->summary->nincomplete_maps == 0) {
            pt_seterr(why, "a second summary");
            goto bad;
        }
        if (lf->summary != NULL) {
            summary_free(lf->summary);
            free(lf->summary);
            lf->summary = NULL;
        }
        if ((lf->summary = calloc(1, sizeof *lf->summary)) == NULL)
            goto nomem;
        rc = read_summary(o, lf->header.nmaps, lf->summary, why);
    } else if (str_is(kind, "extend")) {
        name = "extend record: ";
        rc = read_extend(o, lf, why);
    } else if (str_is(kind, "header")) {
        pt_seterr(why, "a second header record");
    } else {
        pt_seterr(why, "unknown record type '%.*s'",
                  (int)(kind->via.str.size > 64 ? 64 : kind->via.str.size), kind->via.str.ptr);
    }
    if (rc == -ENOMEM)
        goto nomem;
    if (rc == 0)
        return 0;
bad:
    pt_seterr(err, "%s: corrupt at offset %zu: %s%s", path, off, name, why);
    return -EBADMSG;
nomem:
    pt_seterr(err, "%s: out of memory", path);
    return -ENOMEM;
}

/* 1 when a whole record that checks out starts somewhere in buf[from..len): a map with a str
 * "record" whose checksum matches (in a log without checksums, one without "crc"). This
 * tells damage in the middle of a log, which whole records follow, from a torn tail, which
 * only a crash during the last append leaves. A candidate is any map header byte; each is
 * scanned without allocating for more than the bytes after it can hold. */
static int later_record(const char *buf, size_t len, size_t from, int need_crc)
{
    msgpack_unpacked u;
    int found = 0;
    msgpack_unpacked_init(&u);
    for (size_t q = from; !found && q < len; q++) {
        unsigned char t = (unsigned char)buf[q];
        size_t end = q;
        int c;
        if (!((t >= 0x80 && t <= 0x8f) || t == 0xde || t == 0xdf) ||
            pt_msgpack_unpack_bounded(&u, buf, len, &end) != 0)
            continue;
        if (u.data.type != MSGPACK_OBJECT_MAP ||
            pt_msgpack_map_get(&u.data, "record") == NULL ||
            pt_msgpack_map_get(&u.data, "record")->type != MSGPACK_OBJECT_STR)
            continue;
        c = pt_msgpack_check_crc(buf + q, end - q, &u.data, NULL);
        found = c == 1 || (c == 0 && !need_crc);
    }
    msgpack_unpacked_destroy(&u);
    return found;
}

/* The checksum of the record buf[start..end), decoded as o, after its fields were read: a
 * log whose header has one (lf->checked) needs one in every record; a log written before
 * checksums has none in its header, and its records are read unverified (counted), but a
 * record appended to it by a later --resume carries one, which must match. 0 or -EBADMSG
 * with err naming the offset. */
static int record_crc(const char *path, const char *buf, size_t start, size_t end,
                      const msgpack_object *o, pt_logfile_t *lf, int first, char *err)
{
    char why[PT_ERRLEN] = "";
    int c = pt_msgpack_check_crc(buf + start, end - start, o, why);
    if (first)
        lf->checked = c == 1;
    if (c == 0 && lf->checked) {
        pt_seterr(why, "no checksum (field 'crc'), in a log whose records have one");
        c = -EBADMSG;
    }
    if (c < 0) {
        pt_seterr(err, "%s: corrupt at offset %zu: %s", path, start, why);
        return -EBADMSG;
    }
    lf->unverified += (size_t)(c == 0);
    return 0;
}

pt_logfile_t *pt_logfile_read(const char *path, char *err)
{
    pt_logfile_t *lf = NULL;
    msgpack_unpacked u;
    char *buf = NULL;
    size_t len = 0, off = 0, nrec = 0, rcap = 0;
    int rc;

    msgpack_unpacked_init(&u);
    if ((rc = read_whole(path, &buf, &len, err)) != 0)
        goto error;
    if ((lf = calloc(1, sizeof *lf)) == NULL) {
        rc = -ENOMEM;
        pt_seterr(err, "%s: out of memory", path);
        goto error;
    }
    while (off < len) {
        size_t start = off;
        rc = pt_msgpack_unpack_bounded(&u, buf, len, &off);
        /* the file ends inside a record: a crash during an append, unless whole records
         * follow it (then a declared length is wrong: damage in the middle) */
        if (rc == -EAGAIN && nrec > 0 && !later_record(buf, len, start + 1, lf->checked)) {
            lf->torn = 1;
            break;
        }
        if (rc == -ENOMEM) {
            pt_seterr(err, "%s: offset %zu: out of memory decoding a record", path, start);
            goto error;
        }
        if (rc != 0) {
            int past_end = rc == -EAGAIN;
            rc = nrec == 0 ? -EINVAL : -EBADMSG;
            if (nrec == 0)
                pt_seterr(err, "%s: not a paratune log", path);
            else
                pt_seterr(err, "%s: corrupt at offset %zu: %s", path, start,
                          past_end ? "a length runs past the end of the file, and "
                                          "whole records follow"
                                        : "not valid msgpack");
            goto error;
        }
        if (nrec == 0)
            rc = read_first(path, &u.data, &lf->header, err);
        else
            rc = read_record(path, &u.data, start, lf, &rcap, err);
        if (rc == 0)
            rc = record_crc(path, buf, start, off, &u.data, lf, nrec == 0, err);
        if (rc != 0)
            goto error;
        nrec++;
        lf->valid_bytes = off;
    }
    if (nrec == 0) {
        rc = -EINVAL;
        pt_seterr(err, "%s: not a paratune log", path);
        goto error;
    }
    msgpack_unpacked_destroy(&u);
    free(buf);
    return lf;

error:
    msgpack_unpacked_destroy(&u);
    free(buf);
    pt_logfile_destroy(&lf);
    errno = -rc;
    return NULL;
}

void pt_logfile_destroy(pt_logfile_t **plf)
{
    pt_logfile_t *lf;
    if (plf == NULL || *plf == NULL)
        return;
    lf = *plf;
    pt_log_header_free(&lf->header);
    for (size_t i = 0; i < lf->nresults; i++)
        result_free(&lf->results[i]);
    free(lf->results);
    if (lf->summary != NULL) {
        summary_free(lf->summary);
        free(lf->summary);
    }
    free(lf);
    *plf = NULL;
}
