/* tune.c - `paratune tune`: load, lay out in shared memory, sweep, pick, refit, report.
 *
 * Every option and the data are checked first (bad input is refused before anything is
 * created); then the shared-memory image and the log are made, the scheduler (sweep.c) runs
 * the (param map, fold) jobs, and the results are averaged over folds, the best map is
 * picked and refit on all rows, the summary is logged and the table printed. With --resume
 * the log of an earlier run of the same sweep is read back, checked against this one, and
 * only the jobs without a result are run.
 */
#include "tune.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "options.h"
#include "pt_common.h"
#include "pt_cpus.h"
#include "pt_dataset.h"
#include "pt_eval.h"
#include "pt_image.h"
#include "pt_log.h"
#include "pt_msg.h"
#include "pt_params.h"
#include "pt_results.h"
#include "pt_split.h"
#include "pt_stats.h"
#include "spawn.h"
#include "sweep.h"


static int write_model(const sweep_t *s, const pt_dataset_t *ds, long best, char *err)
{
    char tmp[4096];
    msgpack_sbuffer sb;
    msgpack_packer pk;
    int fd = -1, rc = 0;
    size_t off = 0;
    const char *path = s->o->model_out;

    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path) >= sizeof tmp) {
        pt_seterr(err, "%s: path too long", path);
        return -ENAMETOOLONG;
    }
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 7);
    pt_msgpack_pack_str(&pk, "format");
    pt_msgpack_pack_str(&pk, "paratune-model");
    pt_msgpack_pack_str(&pk, "version");
    msgpack_pack_int(&pk, 1);
    pt_msgpack_pack_str(&pk, "feature_names");
    msgpack_pack_array(&pk, ds->features);
    for (size_t i = 0; i < ds->features; i++)
        pt_msgpack_pack_str(&pk, ds->names[i]);
    pt_msgpack_pack_str(&pk, "label");
    pt_msgpack_pack_str(&pk, ds->label_name);
    pt_msgpack_pack_str(&pk, "param_index");
    msgpack_pack_long(&pk, best);
    pt_msgpack_pack_str(&pk, "params");
    pt_msgpack_pack_params(&pk, &s->full[best]);
    pt_msgpack_pack_str(&pk, "pipeline");
    msgpack_sbuffer_write(&sb, (const char *)s->model, s->model_len); /* one msgpack map */

    fd = mkstemp(tmp);
    if (fd < 0) {
        rc = -errno;
        pt_seterr(err, "%s: cannot create: %s", path, strerror(errno));
        goto out;
    }
    while (off < sb.size) {
        ssize_t n = write(fd, sb.data + off, sb.size - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            pt_seterr(err, "%s: write: %s", path, strerror(errno));
            goto out;
        }
        off += (size_t)n;
    }
    fchmod(fd, 0644);
    if (fsync(fd) != 0 || close(fd) != 0) {
        fd = -1;
        rc = -EIO;
        pt_seterr(err, "%s: fsync: %s", path, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        rc = -errno;
        pt_seterr(err, "%s: rename: %s", path, strerror(errno));
        goto out;
    }
    tmp[0] = '\0';
out:
    if (fd >= 0)
        close(fd);
    if (tmp[0] != '\0' && rc != 0)
        unlink(tmp);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

static int make_header(const sweep_t *s, const pt_dataset_t *ds, uint64_t fp,
                       pt_log_header_t *h)
{
    const opts_t *o = s->o;
    memset(h, 0, sizeof *h);
    h->created = (double)time(NULL);
    h->data_path = (char *)o->data;
    h->rows = ds->rows;
    h->features = ds->features;
    h->fingerprint = fp;
    h->label = ds->label_name;
    h->data_format = ds->format == PT_FMT_LIBSVM ? "libsvm" : "csv";
    h->nstages = pt_spec_nstages(s->spec);
    h->stages = calloc(h->nstages, sizeof *h->stages);
    if (h->stages == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < h->nstages; i++)
        h->stages[i] = (char *)pt_spec_stage(s->spec, i);
    h->validator = o->validator;
    h->num_folds = o->validator == PT_VALIDATOR_CV ? (int)o->folds : 0;
    h->train_ratio = o->validator == PT_VALIDATOR_TVS ? o->train_ratio : 0;
    h->seed = o->seed;
    h->fold_col = (char *)o->fold_col;
    h->evaluator = (char *)pt_eval_evaluator_name(s->ev);
    h->metric = (char *)s->metric_name;
    h->larger_is_better = pt_eval_larger_is_better(s->metric);
    h->num_bins = s->ev == PT_EVAL_BINARY ? o->num_bins : -1;
    h->stratify = o->stratify;
    h->parallelism = (int)o->parallelism;
    h->threads_per_job = (int)o->threads;
    h->param_maps = s->maps;
    h->nmaps = s->nmaps;
    return 0;
}

static int str_eq(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* 0 when the log header old describes the same sweep as cur; else 1 with why set. */
static int header_differs(const pt_log_header_t *old, const pt_log_header_t *cur, char *why,
                          size_t len)
{
    int same_stages = old->nstages == cur->nstages;
    for (size_t i = 0; same_stages && i < old->nstages; i++)
        same_stages = strcmp(old->stages[i], cur->stages[i]) == 0;
    if (old->fingerprint != cur->fingerprint || old->rows != cur->rows ||
        old->features != cur->features)
        snprintf(why, len, "different data (fingerprint %016llx, %llu x %llu; now %016llx, "
                 "%llu x %llu)", (unsigned long long)old->fingerprint,
                 (unsigned long long)old->rows, (unsigned long long)old->features,
                 (unsigned long long)cur->fingerprint, (unsigned long long)cur->rows,
                 (unsigned long long)cur->features);
    else if (!same_stages)
        snprintf(why, len, "a different pipeline");
    else if (old->validator != cur->validator || old->num_folds != cur->num_folds ||
             old->train_ratio != cur->train_ratio || old->seed != cur->seed ||
             !str_eq(old->fold_col, cur->fold_col) || old->stratify != cur->stratify)
        snprintf(why, len, "a different validator (%s, folds %d, trainRatio %g, seed %llu%s%s%s)",
                 pt_validator_name(old->validator), old->num_folds, old->train_ratio,
                 (unsigned long long)old->seed, old->fold_col ? ", fold column " : "",
                 old->fold_col ? old->fold_col : "", old->stratify ? ", stratified" : "");
    else if (!str_eq(old->evaluator, cur->evaluator) || !str_eq(old->metric, cur->metric) ||
             old->num_bins != cur->num_bins)
        snprintf(why, len, "a different evaluator (%s %s%s)", old->evaluator, old->metric,
                 old->num_bins >= 0 ? " with another numBins" : "");
    else if (old->nmaps != cur->nmaps)
        snprintf(why, len, "a different grid (%zu param maps; now %zu)", old->nmaps,
                 cur->nmaps);
    else {
        for (size_t i = 0; i < old->nmaps; i++)
            if (!pt_paramlist_equal(&old->param_maps[i], &cur->param_maps[i])) {
                char a[256], b[256];
                pt_paramlist_format(&old->param_maps[i], a, sizeof a);
                pt_paramlist_format(&cur->param_maps[i], b, sizeof b);
                snprintf(why, len, "a different grid (param map %zu was %s; now %s)", i, a, b);
                return 1;
            }
        return 0;
    }
    return 1;
}

/* Prints the command line with --resume, quoted for a POSIX shell. */
static void print_resume_hint(const opts_t *o)
{
    fputs("paratune: to finish the sweep, run: paratune", stderr);
    for (int i = 0; i < o->argc; i++) {
        const char *a = o->argv[i];
        if (strcmp(a, "--overwrite") == 0)
            continue;
        if (a[strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                        "-_=.,:/+@%")] == '\0' && *a != '\0') {
            fprintf(stderr, " %s", a);
        } else {
            fputs(" '", stderr);
            for (; *a; a++)
                fputs(*a == '\'' ? "'\\''" : (char[]){*a, 0}, stderr);
            fputc('\'', stderr);
        }
    }
    fputs(o->resume ? "\n" : " --resume\n", stderr);
}

/* CPU seconds (user + system) of this process so far, ZeroMQ's I/O thread included. */
static double self_cpu(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* Labels of a classifier must be class ids 0, 1, ..., K-1 (Spark's requirement); sets
 * s->nclasses = K. The binary evaluator takes at most 2 classes, and family binomial too. */
static int check_classes(sweep_t *s, const pt_dataset_t *ds, const size_t *pos,
                         const char *path, char *err)
{
    double maxl = 0;
    for (size_t r = 0; r < ds->rows; r++) {
        double y = ds->y[pos != NULL ? pos[r] : r]; /* data row r, wherever it is stored */
        if (!(y >= 0) || y != floor(y) || y > 1e6) {
            pt_seterr(err, "%s: data row %zu: label %.17g is not a class id (logisticRegression "
                      "and the classification evaluators need labels 0, 1, ..., K-1)", path,
                      r + 1, y);
            return -EINVAL;
        }
        if (y > maxl)
            maxl = y;
    }
    s->nclasses = (size_t)maxl + 1;
    if (s->ev == PT_EVAL_BINARY && s->nclasses > 2) {
        pt_seterr(err, "--evaluator binary: %s has %zu classes (labels 0..%zu); use --evaluator "
                  "multiclass", path, s->nclasses, s->nclasses - 1);
        return -EINVAL;
    }
    for (size_t i = 0; s->nclasses > 2 && i < pt_spec_nmaps(s->spec); i++) {
        pt_paramlist_t full = {0, NULL};
        const pt_value_t *fam;
        int bad;
        if (pt_spec_full(s->spec, i, &full) != 0) {
            pt_seterr(err, "out of memory");
            return -ENOMEM;
        }
        fam = pt_paramlist_get(&full, "logisticRegression.family");
        bad = fam != NULL && fam->str != NULL && strcmp(fam->str, "binomial") == 0;
        pt_paramlist_free(&full);
        if (bad) {
            pt_seterr(err, "logisticRegression.family=binomial: %s has %zu classes; binomial "
                      "takes at most 2", path, s->nclasses);
            return -EINVAL;
        }
    }
    return 0;
}

/* The CSV loader's pt_place_fn: rows go straight into the shared-memory image. When the
 * split depends only on the row count (no --fold-col, no --stratify) it is drawn here, before
 * parsing, and every row is written at its final position; otherwise rows are written in
 * file order and pt_image_end moves them into their folds in place. Either way the data is
 * in memory once, not twice. */
typedef struct {
    const opts_t *o;
    int is_cv;
    uint32_t nblocks;          /* image blocks: the folds, or train and validation */
    pt_image_kind_t kind;
    pt_image_builder_t *img;
    int32_t *fold;     /* the split, when drawn here */
    size_t *dst;       /* row r's position in the image, when drawn here */
    int system_error;  /* the failure was the machine's (shared memory), not the input's */
} place_t;

static int split_rows(const opts_t *o, int is_cv, size_t rows, const double *y, size_t nclasses,
                      int32_t *fold, char *err)
{
    if (is_cv) {
        if ((o->stratify ? pt_split_kfold_strat(rows, y, nclasses, (int)o->folds, o->seed, fold,
                                                err)
                         : pt_split_kfold(rows, (int)o->folds, o->seed, fold, err)) != 0) {
            char pfx[64];
            snprintf(pfx, sizeof pfx, "--folds %ld: ", o->folds);
            pt_err_prefix(err, pfx);
            return -EINVAL;
        }
        return 0;
    }
    return o->stratify ? pt_split_tvs_strat(rows, y, nclasses, o->train_ratio, o->seed, fold, err)
                       : pt_split_tvs(rows, o->train_ratio, o->seed, fold, err);
}

static int place_rows(void *arg, size_t rows, size_t features, double **x, double **y,
                      const size_t **pos, char *err)
{
    place_t *pl = arg;
    if (pl->o->fold_col == NULL && !pl->o->stratify) {
        pl->fold = malloc(rows * sizeof *pl->fold);
        pl->dst = malloc(rows * sizeof *pl->dst);
        if (pl->fold == NULL || pl->dst == NULL) {
            pt_seterr(err, "out of memory");
            pl->system_error = 1;
            return -ENOMEM;
        }
        if (split_rows(pl->o, pl->is_cv, rows, NULL, 0, pl->fold, err) != 0 ||
            pt_image_positions(pl->fold, rows, pl->nblocks, pl->dst, err) != 0) {
            /* a split that cannot be made is reported after the parse, as a bad row found
             * by the parse comes first; the rows go in file order meanwhile */
            free(pl->fold);
            free(pl->dst);
            pl->fold = NULL;
            pl->dst = NULL;
        }
    }
    if (pt_image_begin(rows, features, pl->nblocks, pl->kind, &pl->img, x, y, err) != 0) {
        pl->system_error = 1;
        return -EIO;
    }
    *pos = pl->dst;
    return 0;
}

int pt_tune_main(int argc, char **argv)
{
    opts_t o;
    sweep_t s;
    pt_dataset_t *ds = NULL;
    pt_load_opts_t lo;
    pt_logfile_t *prev = NULL;
    int32_t *fold = NULL;
    char err[PT_ERRLEN] = "";
    int rc, exit_code = PT_EXIT_FAIL, is_cv, resuming = 0, classify = 0;
    uint64_t fp;
    double *avg = NULL, *sd = NULL;
    long best = -1;
    double t_start = pt_now(), t_load = 0, t_shm = 0, t_sweep = 0, t_refit = 0, cpu_sweep = 0;
    pt_log_header_t hdr;
    struct stat st;
    void *held = NULL;
    size_t held_len = 0, all_failed_jobs = 0;
    place_t pl;

    memset(&hdr, 0, sizeof hdr);
    memset(&pl, 0, sizeof pl);
    rc = pt_opts_parse(argc, argv, &o);
    pt_sweep_init(&s, &o);
    if (rc != 0) {
        exit_code = rc < 0 ? PT_EXIT_OK : rc;
        goto out;
    }
    is_cv = o.validator == PT_VALIDATOR_CV;
    exit_code = PT_EXIT_USAGE;

    /* Every check of the options comes before any file is read or written. */
    s.spec = pt_spec_new(o.pipeline, err);
    if (s.spec == NULL)
        goto fail_msg;
    for (size_t i = 0; i < o.ngrid; i++)
        if (pt_spec_add_axis(s.spec, o.grid[i], err) != 0)
            goto fail_msg;
    for (size_t i = 0; i < o.nset; i++)
        if (pt_spec_set(s.spec, o.set[i], err) != 0)
            goto fail_msg;
    for (size_t i = 0; i < o.nrandom; i++)
        if (pt_spec_add_random(s.spec, o.random[i], err) != 0)
            goto fail_msg;
    pt_spec_set_samples(s.spec, (size_t)o.samples, o.seed);
    if (pt_eval_lookup(o.evaluator, o.metric, &s.ev, &s.metric, err) != 0) {
        pt_err_prefix(err, o.metric ? "--metric: " : "--evaluator: ");
        goto fail_msg;
    }
    snprintf(s.metric_name, sizeof s.metric_name, "%s", pt_eval_metric_name(s.metric));
    classify = pt_spec_predictor_role(s.spec) == PT_STAGE_CLASSIFIER;
    if (s.ev != PT_EVAL_REGRESSION && !classify) {
        pt_seterr(err, "--evaluator %s: needs a classifier as the last stage "
                  "(logisticRegression)", pt_eval_evaluator_name(s.ev));
        goto fail_msg;
    }
    if (o.stratify && !classify) {
        pt_seterr(err, "--stratify: needs a classifier as the last stage (logisticRegression)");
        goto fail_msg;
    }
    s.larger_is_better = pt_eval_larger_is_better(s.metric);
    if (o.log != NULL && lstat(o.log, &st) == 0) {
        if (o.resume) {
            prev = pt_logfile_read(o.log, err);
            if (prev == NULL) {
                pt_err_prefix(err, "--resume: ");
                goto fail_msg;
            }
            resuming = 1;
        } else if (!o.overwrite) {
            pt_seterr(err, "--log %s: file exists (use --resume to finish that sweep, or "
                      "--overwrite to replace it)", o.log);
            goto fail_msg;
        }
    }
    if (pt_worker_path(s.worker_path, sizeof s.worker_path) != 0 ||
        access(s.worker_path, X_OK) != 0) {
        pt_seterr(err, "cannot find the worker program %s (set PARATUNE_WORKER)",
                  s.worker_path);
        exit_code = PT_EXIT_FAIL;
        goto fail_msg;
    }

    memset(&lo, 0, sizeof lo);
    lo.format = o.format;
    lo.label = o.label;
    lo.fold_col = o.fold_col;
    lo.num_folds = (int)o.folds;
    lo.place = place_rows;
    lo.place_arg = &pl;
    pl.o = &o;
    pl.is_cv = is_cv;
    pl.nblocks = is_cv ? (uint32_t)o.folds : 2;
    pl.kind = is_cv ? PT_IMAGE_CV : PT_IMAGE_TVS;
    ds = pt_dataset_load(o.data, &lo, err);
    if (ds == NULL) {
        if (pl.system_error)
            exit_code = PT_EXIT_FAIL;
        goto fail_msg;
    }
    if (ds->features == 0) {
        pt_seterr(err, "%s: no feature column besides the label", o.data);
        goto fail_msg;
    }
    if (pt_spec_check(s.spec, ds->features, err) != 0)
        goto fail_msg;
    if (classify && check_classes(&s, ds, pl.dst, o.data, err) != 0)
        goto fail_msg;

    if (pl.fold != NULL) { /* drawn before parsing */
        fold = pl.fold;
        pl.fold = NULL;
    } else if ((fold = malloc((ds->rows ? ds->rows : 1) * sizeof *fold)) == NULL) {
        pt_seterr(err, "out of memory");
        exit_code = PT_EXIT_FAIL;
        goto fail_msg;
    } else if (is_cv && o.fold_col != NULL) {
        size_t *count = calloc((size_t)o.folds, sizeof *count);
        if (count == NULL) {
            pt_seterr(err, "out of memory");
            exit_code = PT_EXIT_FAIL;
            goto fail_msg;
        }
        memcpy(fold, ds->fold, ds->rows * sizeof *fold);
        for (size_t r = 0; r < ds->rows; r++)
            count[fold[r]]++;
        for (long f = 0; f < o.folds; f++)
            if (count[f] == 0 || count[f] == ds->rows) {
                pt_seterr(err, "%s: fold column \"%s\": fold %ld leaves an empty %s set",
                          o.data, o.fold_col, f, count[f] == 0 ? "validation" : "training");
                free(count);
                goto fail_msg;
            }
        free(count);
    } else if (split_rows(&o, is_cv, ds->rows, ds->y, s.nclasses, fold, err) != 0) {
        goto fail_msg; /* ds->y is in file order here: only a split drawn early moves rows */
    }
    s.nfolds = is_cv ? (size_t)o.folds : 1;

    /* Param maps and jobs. */
    s.nmaps = pt_spec_nmaps(s.spec);
    s.maps = calloc(s.nmaps, sizeof *s.maps);
    s.full = calloc(s.nmaps, sizeof *s.full);
    s.njobs = s.nmaps * s.nfolds;
    s.nstats = pl.nblocks; /* one stats job per image block */
    s.jobs = calloc(s.njobs + 1 + s.nstats, sizeof *s.jobs);
    s.qcap = s.njobs + s.nstats + 2;
    s.queue = calloc(s.qcap, sizeof *s.queue);
    s.results = pt_results_new(s.nmaps, s.nfolds, s.larger_is_better);
    if (s.maps == NULL || s.full == NULL || s.jobs == NULL || s.queue == NULL ||
        s.results == NULL) {
        pt_seterr(err, "out of memory");
        exit_code = PT_EXIT_FAIL;
        goto fail_msg;
    }
    for (size_t i = 0; i < s.nmaps; i++)
        if (pt_spec_map(s.spec, i, &s.maps[i]) != 0 || pt_spec_full(s.spec, i, &s.full[i]) != 0) {
            pt_seterr(err, "out of memory");
            exit_code = PT_EXIT_FAIL;
            goto fail_msg;
        }
    for (size_t j = 0; j < s.njobs; j++) {
        s.jobs[j].map = (int32_t)(j / s.nfolds);
        s.jobs[j].fold = (int32_t)(j % s.nfolds);
    }
    fp = pt_dataset_fingerprint(ds);
    if (make_header(&s, ds, fp, &hdr) != 0) {
        pt_seterr(err, "out of memory");
        exit_code = PT_EXIT_FAIL;
        goto fail_msg;
    }

    /* With --resume, the jobs that have a result are done; the rest are queued. */
    s.run = 1;
    if (resuming) {
        char why[768];
        if (header_differs(&prev->header, &hdr, why, sizeof why)) {
            pt_seterr(err, "--resume: %s was written for %.400s", o.log, why);
            goto fail_msg;
        }
        for (size_t r = 0; r < prev->nresults; r++) {
            const pt_log_result_t *res = &prev->results[r];
            job_t *jb;
            if (res->run + 1 > s.run)
                s.run = res->run + 1;
            if (res->run == 0 && s.run < 2)
                s.run = 2;
            if (res->param_index < 0 || (size_t)res->param_index >= s.nmaps || res->fold < 0 ||
                (size_t)res->fold >= s.nfolds)
                continue;
            /* should a job have two records, the later counts (as paratune-log reads it) */
            jb = &s.jobs[(size_t)res->param_index * s.nfolds + (size_t)res->fold];
            jb->state = strcmp(res->status, "ok") == 0 ? J_DONE : J_FAILED;
            jb->metric = jb->state == J_DONE ? res->metric : NAN;
            jb->attempts = res->attempt;
            pt_results_set(s.results, (size_t)res->param_index, (size_t)res->fold,
                           jb->state == J_DONE ? PT_FOLD_OK : PT_FOLD_FAILED, jb->metric);
        }
        if (!o.quiet && prev->torn)
            fprintf(stderr, "paratune: --resume: %s ended inside a record (a crash while "
                    "writing); that record is dropped and its job runs again\n", o.log);
    }
    for (size_t j = 0; j < s.njobs; j++) {
        s.total_to_run += s.jobs[j].state == J_PENDING;
        s.failed += s.jobs[j].state == J_FAILED;
    }
    if (resuming && !o.quiet)
        fprintf(stderr, "paratune: --resume: %zu of %zu jobs already have a result; running "
                "%zu\n", s.njobs - s.total_to_run, s.njobs, s.total_to_run);
    t_load = pt_now() - t_start;

    /* From here on the failures are the system's, not the input's. */
    exit_code = PT_EXIT_FAIL;
    if ((pl.img != NULL ? pt_image_end(&pl.img, fold, pl.dst, fp, &s.image_fd, &held, err)
                        : pt_image_build(ds, fold, pl.nblocks, pl.kind, fp, &s.image_fd, &held,
                                         err)) != 0) {
        if (o.fold_col == NULL && strstr(err, "has no rows") != NULL)
            exit_code = PT_EXIT_USAGE;
        goto fail_msg;
    }
    if (!ds->borrowed) /* the image holds the data now (borrowed x and y are in it) */
        free(ds->x);
    ds->x = NULL;
    if (held != NULL)
        held_len = (size_t)((const pt_image_hdr_t *)held)->total_size; /* kept mapped */
    t_shm = pt_now() - t_start - t_load;

    if (o.log != NULL) {
        s.log = resuming ? pt_log_open_append(o.log, prev, err)
                         : pt_log_create(o.log, &hdr, o.overwrite, err);
        if (s.log == NULL)
            goto fail_msg;
        pt_log_set_deferred(s.log, 1);
    }

    s.nslots = (size_t)o.parallelism;
    s.slots = calloc(s.nslots, sizeof *s.slots);
    if (s.slots == NULL) {
        pt_seterr(err, "out of memory");
        goto fail_msg;
    }
    /* The shared moments cache: one stats job per block first, then the sweep's jobs. */
    if (!o.no_cache && ds->features <= PT_STATS_MAX_FEATURES && s.total_to_run > 0) {
        if (pt_stats_create(s.nstats, ds->features, &s.stats_fd, err) != 0)
            goto fail_msg;
        for (size_t b = 0; b < s.nstats; b++) {
            s.jobs[s.njobs + 1 + b].map = -1;
            s.jobs[s.njobs + 1 + b].fold = (int32_t)b;
            pt_sweep_queue(&s, (long)(s.njobs + 1 + b), 0);
        }
    }
    if (s.total_to_run > 0 || (resuming && prev->summary == NULL)) {
        s.start_workers = s.total_to_run > 0 ? s.total_to_run : 1;
        cpu_sweep = -self_cpu();
        if (pt_sweep_start(&s, err) != 0)
            goto fail_msg;
        rc = s.qlen > 0 ? pt_sweep_run(&s, err) : 0; /* the stats phase */
        if (rc == 0) {
            for (size_t j = 0; j < s.njobs; j++)
                if (s.jobs[j].state == J_PENDING)
                    pt_sweep_queue(&s, (long)j, 0);
            rc = pt_sweep_run(&s, err);
        }
        if (rc < 0)
            goto fail_msg;
        t_sweep = pt_now() - s.t0;
        cpu_sweep += self_cpu();
        if (rc > 0) {
            size_t have = 0;
            for (size_t j = 0; j < s.njobs; j++)
                have += s.jobs[j].state == J_DONE || s.jobs[j].state == J_FAILED;
            fprintf(stderr, "paratune: stopped by SIG%s; %zu of %zu jobs have a result%s%s\n",
                    pt_signame(rc), have, s.njobs, o.log ? " in " : " (no --log: lost)",
                    o.log ? o.log : "");
            if (o.log != NULL)
                print_resume_hint(&o);
            exit_code = rc == SIGINT ? PT_EXIT_SIGINT : PT_EXIT_SIGTERM;
            goto out;
        }
    }

    avg = calloc(s.nmaps, sizeof *avg);
    sd = calloc(s.nmaps, sizeof *sd);
    if (avg == NULL || sd == NULL) {
        pt_seterr(err, "out of memory");
        goto fail_msg;
    }
    pt_results_averages(s.results, avg, sd);
    best = pt_results_best(s.results, NULL);

    /* Refit the best map on all rows (as Spark does). */
    if (best >= 0 && (s.router != NULL || o.model_out != NULL)) {
        double tr = pt_now();
        if (s.router == NULL && pt_sweep_start(&s, err) != 0)
            goto fail_msg;
        s.jobs[s.njobs].map = (int32_t)best;
        s.jobs[s.njobs].fold = -1;
        pt_sweep_queue(&s, (long)s.njobs, 0); /* pt_sweep_run tops the pool up for it */
        rc = pt_sweep_run(&s, err);
        if (rc < 0)
            goto fail_msg;
        if (rc > 0) {
            fprintf(stderr, "paratune: stopped by SIG%s during the refit\n", pt_signame(rc));
            if (o.log != NULL)
                print_resume_hint(&o);
            exit_code = rc == SIGINT ? PT_EXIT_SIGINT : PT_EXIT_SIGTERM;
            goto out;
        }
        t_refit = pt_now() - tr;
        if (s.jobs[s.njobs].state != J_DONE)
            fprintf(stderr, "paratune: refit of param map %ld failed: %s\n", best,
                    s.refit_error);
        else if (o.model_out != NULL && write_model(&s, ds, best, err) != 0)
            goto fail_msg;
    }

    if (s.log != NULL && !(resuming && prev->summary != NULL)) {
        pt_log_summary_t sum;
        int32_t *fm = calloc(s.nmaps, sizeof *fm);
        memset(&sum, 0, sizeof sum);
        sum.nmaps = s.nmaps;
        sum.avg_metrics = avg;
        sum.std_metrics = sd;
        sum.best_index = (int32_t)best;
        sum.best_params = best >= 0 ? &s.maps[best] : NULL;
        sum.best_metric = best >= 0 ? avg[best] : NAN;
        sum.wall_seconds = s.t0 > 0 ? pt_now() - s.t0 : 0;
        for (size_t j = 0; j < s.njobs; j++) {
            sum.jobs_ok += s.jobs[j].state == J_DONE;
            sum.jobs_failed += s.jobs[j].state == J_FAILED;
        }
        sum.failed_maps = fm;
        for (size_t i = 0; fm != NULL && i < s.nmaps; i++)
            if (isnan(avg[i]))
                fm[sum.nfailed_maps++] = (int32_t)i;
        rc = pt_log_append_summary(s.log, &sum, err);
        if (rc == 0)
            rc = pt_log_sync(s.log, err);
        free(fm);
        if (rc != 0)
            goto fail_msg;
    }

    {
        char *table = pt_results_table(s.results, s.maps, s.metric_name, best);
        if (table == NULL) {
            pt_seterr(err, "out of memory");
            goto fail_msg;
        }
        fputs(table, stdout);
        free(table);
    }
    if (!o.quiet) {
        char pinned[300] = "";
        if (pt_opts_pinned(&o)) {
            char list[256];
            snprintf(pinned, sizeof pinned, "; pinned to CPUs %s",
                     pt_cpus_format(o.cpus, o.ncpus, list, sizeof list));
        }
        fprintf(stderr, "paratune: load %.3fs, shared memory %.3fs, sweep %.3fs (%zu jobs, "
                "parallelism %ld), refit %.3fs; coordinator CPU in the sweep %.3fs (%.1f us "
                "per job)%s\n", t_load, t_shm, t_sweep, s.total_to_run, o.parallelism, t_refit,
                cpu_sweep, s.total_to_run ? cpu_sweep / (double)s.total_to_run * 1e6 : 0.0,
                pinned);
    }
    if (s.not_converged > 0 && !o.quiet)
        fprintf(stderr, "paratune: %zu of %zu fits stopped at maxIter before meeting tol "
                "(\"converged\": false in the log); raise maxIter or tol for those maps\n",
                s.not_converged, s.finished);
    for (size_t i = 0; i < s.nmaps; i++) {
        char pbuf[512];
        size_t f, bad_fold = s.nfolds;
        if (!isnan(avg[i]))
            continue;
        pt_paramlist_format(&s.maps[i], pbuf, sizeof pbuf);
        for (f = 0; f < s.nfolds; f++) {
            double metric;
            pt_fold_state_t fs = pt_results_get(s.results, i, f, &metric);
            if (fs == PT_FOLD_FAILED)
                break;
            if (bad_fold == s.nfolds && fs == PT_FOLD_OK && !isfinite(metric))
                bad_fold = f;
        }
        if (f < s.nfolds)
            fprintf(stderr, "paratune: param map %zu (%s) failed; see the log for the "
                    "reason\n", i, pbuf);
        else
            fprintf(stderr, "paratune: param map %zu (%s): %s is not a finite number in fold "
                    "%zu (for example r2 of a constant label); left out of the choice\n", i,
                    pbuf, s.metric_name, bad_fold);
        all_failed_jobs += f < s.nfolds;
    }
    if (best < 0) {
        if (all_failed_jobs == s.nmaps)
            fprintf(stderr, "paratune: every param map failed\n");
        else
            fprintf(stderr, "paratune: no param map has a finite average %s\n", s.metric_name);
        exit_code = PT_EXIT_FAIL;
    } else {
        char pbuf[1024];
        pt_paramlist_format(&s.maps[best], pbuf, sizeof pbuf);
        printf("best: #%ld %s%s%s=%.10g\n", best, pbuf, pbuf[0] ? " " : "", s.metric_name,
               avg[best]);
        exit_code = PT_EXIT_OK; /* failed maps are listed above and in the log */
    }
    goto out;

fail_msg:
    fprintf(stderr, "paratune: %s\n", err);
out:
    pt_sweep_shutdown(&s);
    if (held != NULL)
        munmap(held, held_len);
    if (s.image_fd >= 0)
        close(s.image_fd);
    if (s.stats_fd >= 0)
        close(s.stats_fd);
    pt_log_close(&s.log);
    for (size_t i = 0; s.maps != NULL && i < s.nmaps; i++) {
        pt_paramlist_free(&s.maps[i]);
        pt_paramlist_free(&s.full[i]);
    }
    free(hdr.stages);
    free(s.maps);
    free(s.full);
    free(s.jobs);
    free(s.queue);
    free(s.slots);
    free(s.model);
    pt_results_destroy(&s.results);
    free(avg);
    free(sd);
    free(fold);
    free(pl.fold);
    free(pl.dst);
    pt_image_abort(&pl.img);
    pt_opts_free(&o);
    pt_spec_destroy(&s.spec);
    pt_dataset_destroy(&ds);
    pt_logfile_destroy(&prev);
    return exit_code;
}
