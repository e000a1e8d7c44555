/* tune.c - `paratune tune`: load, lay out in shared memory, sweep, pick, refit, report.
 *
 * pt_tune_main runs the phases in order, each a function below: check the options (bad
 * input is refused before anything is created), load and check the data, make the jobs,
 * check a resumed log, build the shared-memory image, open the log, run the sweep
 * (sweep.c), pick the best map (pt_results), refit it on all rows, log the summary, report. With --resume the log
 * of an earlier run of the same sweep is read back, checked against this one, and only the
 * jobs without a result are run. Phases return 0, a signal number (the sweep was stopped)
 * or a negative errno: -EINVAL for the user's input, anything else for the system; one
 * function (exit_code) turns that into the exit code.
 */
#include "tune.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "imgcache.h"
#include "oof.h"
#include "options.h"
#include "procs.h"
#include "pt_categorical.h"
#include "pt_codes.h"
#include "pt_missing.h"
#include "pt_common.h"
#include "pt_cpus.h"
#include "pt_dataset.h"
#include "pt_eval.h"
#include "pt_exit.h"
#include "pt_file.h"
#include "pt_halving.h"
#include "pt_image.h"
#include "pt_limits.h"
#include "pt_link.h"
#include "cluster.h"
#include "pt_log.h"
#include "pt_model.h"
#include "pt_msg.h"
#include "pt_params.h"
#include "pt_results.h"
#include "pt_race.h"
#include "pt_resume.h"
#include "pt_sched.h"
#include "pt_split.h"
#include "pt_stats.h"
#include "report.h"
#include "sweep.h"

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

/* One run of tune: the options, the sweep's definition and what each phase hands to the
 * next (the name is the one write_model takes). */
/* Most metrics --metric lists (there are 13, and a name may be given once). */
#define PT_TUNE_MAX_METRICS 16

typedef struct {
    const opts_t *o;
    pt_spec_t *spec;
    pt_paramlist_t *maps, *full;   /* per param map: the map (for logs), every param (jobs) */
    size_t nmaps, nfolds, nstats;  /* nstats: stats jobs (image blocks, or pieces of them) */
    size_t *stats_count;           /* each image block's stats jobs (pt_stats_plan) */
    pt_evaluator_t ev;
    pt_metric_t metric;
    char metric_name[32];
    /* --metric a,b,c: the names in the given order (metric_list "a,b,c", "" for one), the
     * refit metric's place among them, and the others in order for the workers (also) */
    const char *metric_names[PT_TUNE_MAX_METRICS];
    size_t nmetrics, refit_pos;
    char metric_list[512], also[512];
    int larger_is_better, classify, resuming;
    size_t nclasses;               /* classifier: labels are 0..nclasses-1; else 0 */
    char worker_path[4096];
    pt_logfile_t *prev;            /* the log being resumed */
    int extending, grown;          /* --extend; its grid is not the log's list (see extend) */
    int32_t *from;                 /* --extend: each of the log's maps' index in this grid */
    pt_dataset_t *ds;
    pt_tune_cache_t cache;         /* --image-cache: the lookup, and a hit's parts */
    char shared_path[PATH_MAX];    /* its file's real path, OFFERed to agents (--listen) */
    int cached;                    /* the image is the cache file's (no parse) */
    place_t pl;
    int32_t *fold;                 /* each row's image block */
    uint64_t fp;
    pt_log_header_t hdr;
    void *held;                    /* the image's build mapping, kept */
    size_t held_len;
    int image_fd, stats_fd;
    pt_codes_key_t *codes_keys;    /* tree pipelines: the shared codes segment's slots, */
    int32_t *bins_map, *bins_fold; /* one bins job each (map, fold) */
    size_t nbins, codes_bytes;
    int codes_fd;
    int32_t *lead;                 /* numTrees sharing: each map's lead map, or NULL */
    pt_log_t *log;
    int32_t run;                   /* this run's number in the log */
    pt_results_t *results;
    pt_sched_t *sched;
    pt_race_t *race;               /* --race: the rule that prunes maps; NULL */
    pt_halving_t *halving;         /* --search halving; NULL. The scheduler then runs rung
                                    * maps (rung r of map m is r x nmaps + m), with vmaps and
                                    * vfull (shallow copies of maps and full) and vresults;
                                    * results gets each map's cells at its last rung (pick) */
    pt_paramlist_t *vmaps, *vfull;
    pt_results_t *vresults;
    char rkey[128];                /* --resource maxIter|numTrees: "STAGE.PARAM" (vfull then
                                    * holds deep copies with the rung's value); "": rows */
    int vfull_deep;                /* vfull's lists are deep copies (resource_params) */
    long long rmax;                /* ... its max_resources: its grid axis' largest value, or
                                    * its value in every map (--set, else the default) */
    pt_sweep_t *sweep;
    pt_warm_t *warm;               /* workers started before the load (procs.h); NULL */
    size_t total_to_run;
    double *avg, *sd;
    long best;
    long top;                      /* --select one-se: the best-average map; se its std error */
    double se;
    unsigned char *model;          /* the refit's fitted pipeline, msgpack */
    size_t model_len;
    double t_start, t_load, t_shm, t_sweep, t_refit, cpu_sweep;
    pt_link_key_t key;             /* --listen: the sweep's keys */
} sweep_t;

static int write_model(const sweep_t *s, const pt_dataset_t *ds, long best, char *err)
{
    pt_model_cols_t cols = {.ncat = ds->ncat, .cats = ds->cat_names, .cat_size = ds->cat_size,
                            .label_values = ds->label_values, .nlabels = ds->nlabel_values,
                            .weight_col = ds->weight_name};
    const pt_paramlist_t *params = &s->full[best];
    if (s->halving != NULL && s->rkey[0] != '\0') /* the last rung's value of the resource */
        params = &s->vfull[(pt_halving_get_plan(s->halving)->nrungs - 1) * s->nmaps +
                           (size_t)best];
    return pt_model_write_cols(s->o->model_out, ds->names, ds->features, ds->label_name, best,
                               params, s->model, s->model_len, &cols, err);
}

/* The header's categorical columns (their values: not a column's missing-value slot) and
 * class names (borrowed from ds; h->cat_values, which points into the indicator names
 * "COL=VALUE", and h->cat_nvalues are the caller's to free). 0 or -ENOMEM. */
static int header_categories(const pt_dataset_t *ds, pt_log_header_t *h)
{
    size_t off = ds->features - ds->nmiss, total = 0, n = 0; /* the indicators end before
                                                                the missing-value ones */
    h->label_values = ds->label_values;
    h->nlabel_values = ds->nlabel_values;
    if (ds->ncat == 0 || ds->names == NULL)
        return 0;
    for (size_t k = 0; k < ds->ncat; k++)
        total += ds->cat_size[k];
    h->cat_values = calloc(total, sizeof *h->cat_values);
    h->cat_nvalues = calloc(ds->ncat, sizeof *h->cat_nvalues);
    if (h->cat_values == NULL || h->cat_nvalues == NULL)
        return -ENOMEM;
    off -= total;
    for (size_t k = 0; k < ds->ncat; off += ds->cat_size[k], k++) {
        h->cat_nvalues[k] = ds->cat_size[k] - (k < 64 ? (ds->cat_missing >> k & 1) : 0);
        for (size_t v = 0; v < h->cat_nvalues[k]; v++)
            h->cat_values[n++] = ds->names[off + v] + strlen(ds->cat_names[k]) + 1;
    }
    h->ncat = ds->ncat;
    h->cat_names = ds->cat_names;
    h->cat_missing = ds->cat_missing;
    return 0;
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
    if (ds->format == PT_FMT_CSV) { /* LIBSVM's features are positional */
        h->feature_names = ds->names;
        h->nfeature_names = ds->features;
    }
    h->weight_col = ds->weight_name;
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
    h->metrics = s->nmetrics > 1 ? (char *)s->metric_list : NULL;
    h->larger_is_better = pt_eval_larger_is_better(s->metric);
    h->num_bins = s->ev == PT_EVAL_BINARY ? o->num_bins : -1;
    h->stratify = o->stratify;
    h->parallelism = (int)o->parallelism;
    h->threads_per_job = (int)o->threads;
    h->param_maps = s->maps;
    h->nmaps = s->nmaps;
    if (o->halving) {
        h->search = "halving";
        h->halving_factor = o->halving_factor > 0 ? o->halving_factor : 3;
        h->halving_min = o->min_resources;
        h->halving_resource = (char *)(o->resource != NULL ? o->resource : "rows");
    }
    return header_categories(ds, h);
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
static int check_labels(sweep_t *s, const pt_dataset_t *ds, const size_t *pos,
                        const char *path, char *err)
{
    double maxl = 0;
    for (size_t r = 0; r < ds->rows; r++) {
        double y = ds->y[pos != NULL ? pos[r] : r]; /* data row r, wherever it is stored */
        if (!(y >= 0) || y != floor(y) || y > 1e6) {
            pt_seterr(err, "%s: data row %zu: label %.17g is not a class id (the classifiers "
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
                      double **w, const size_t **pos, char *err)
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
    if (pt_image_begin(rows, features, pl->nblocks, pl->kind, &pl->img, x, y, w, err) != 0) {
        pl->system_error = 1;
        return -EIO;
    }
    *pos = pl->dst;
    return 0;
}

/* ---------------------------------------------------------------- phases */

/* The outputs (--log, --model-out, the report on standard output) before anything is read:
 * their directories, none an input or another output (pt_file_check_outputs). */
static int check_outputs(const opts_t *o, char *err)
{
    char probe[4096]; /* a fold model's name in --keep-fold-models: its directory checked */
    const pt_file_arg_t out[] = {{"the report on standard output", "-", PT_FILE_COMPARE_ONLY},
                                 {"--log", o->log, PT_FILE_REGULAR},
                                 {"--model-out", o->model_out, 0},
                                 {"--oof", o->oof, PT_FILE_REGULAR},
                                 {"--keep-fold-models", o->fold_models ? probe : NULL,
                                  PT_FILE_REGULAR}};
    const pt_file_arg_t in[] = {{"--data", o->data, 0}};
    if (o->fold_models != NULL &&
        (size_t)snprintf(probe, sizeof probe, "%s/map0_fold0.ptm", o->fold_models) >=
            sizeof probe) {
        pt_seterr(err, "--keep-fold-models %s: path too long", o->fold_models);
        return -EINVAL;
    }
    return pt_file_check_outputs(out, 5, in, 1, err);
}

/* The grid's size, before anything is made per map: at most --max-fits (param map, fold)
 * fits. 0, or -EINVAL with the sizes in err. */
static int check_fits(const sweep_t *s, char *err)
{
    size_t nmaps = pt_spec_nmaps(s->spec);
    double folds = s->o->validator == PT_VALIDATOR_CV ? (double)s->o->folds : 1;
    double fits = (double)nmaps * folds;
    if (nmaps < SIZE_MAX && fits <= (double)s->o->max_fits)
        return 0;
    pt_seterr(err, "the grid has %s%zu param maps x %.0f folds = %s%.0f fits, more than %ld "
              "(--max-fits N to allow more)", nmaps == SIZE_MAX ? "over " : "", nmaps, folds,
              nmaps == SIZE_MAX ? "over " : "", fits, s->o->max_fits);
    return -EINVAL;
}

/* pt_load_opts_t.check_size, and the same check once the data is loaded (its width and
 * classes known): the image, the shared moments and parallelism workers' fits must fit in
 * --max-memory or what the system has (pt_limits.h). 0, or -EINVAL with the sizes in err. */
static int check_memory(void *arg, size_t rows, size_t features, char *err)
{
    const sweep_t *s = arg;
    pt_limits_in_t in = {s->spec, rows, features, s->pl.nblocks, s->o->weight_col != NULL,
                         s->nclasses, !s->o->no_cache, (size_t)s->o->parallelism};
    pt_limits_need_t need;
    pt_limits_sys_t sys;
    pt_limits_need(&in, &need);
    pt_limits_system(&sys);
    if (pt_limits_check(&in, &need, (double)s->o->max_memory, &sys, err) == 0)
        return 0;
    pt_err_prefix(err, ": ");
    pt_err_prefix(err, s->o->data);
    return -EINVAL;
}

/* Appends name to the comma list buf of len bytes. */
static void list_add(char *buf, size_t len, const char *name)
{
    size_t n = strlen(buf);
    snprintf(buf + n, len - n, "%s%s", n > 0 ? "," : "", name);
}

/* --metric (one name or several of one evaluator, each once) and --refit-metric (one of them;
 * default the first): s->metric is the refit metric, the others go to the workers. 0 or
 * -EINVAL with err. */
static int parse_metrics(sweep_t *s, char *err)
{
    const opts_t *o = s->o;
    const char *p = o->metric;
    pt_metric_t mt, refit = 0;
    char name[64];

    s->nmetrics = 0;
    do {
        size_t n = p != NULL ? strcspn(p, ",") : 0;
        snprintf(name, sizeof name, "%.*s", (int)(n < 63 ? n : 63), p != NULL ? p : "");
        if (pt_eval_lookup(o->evaluator, p != NULL ? name : NULL, &s->ev, &mt, err) != 0) {
            pt_err_prefix(err, p != NULL ? "--metric: " : "--evaluator: ");
            return -EINVAL;
        }
        for (size_t i = 0; i < s->nmetrics; i++)
            if (strcmp(s->metric_names[i], pt_eval_metric_name(mt)) == 0) {
                pt_seterr(err, "--metric: %s is given twice", name);
                return -EINVAL;
            }
        if (s->nmetrics == PT_TUNE_MAX_METRICS) {
            pt_seterr(err, "--metric: more than %d metrics", PT_TUNE_MAX_METRICS);
            return -EINVAL;
        }
        s->metric_names[s->nmetrics++] = pt_eval_metric_name(mt);
        p = p != NULL && p[n] == ',' ? p + n + 1 : NULL;
    } while (p != NULL);
    s->refit_pos = 0;
    if (o->refit_metric != NULL) {
        pt_evaluator_t ev;
        if (pt_eval_lookup(o->evaluator, o->refit_metric, &ev, &refit, err) != 0) {
            pt_err_prefix(err, "--refit-metric: ");
            return -EINVAL;
        }
        for (s->refit_pos = 0; s->refit_pos < s->nmetrics; s->refit_pos++)
            if (strcmp(s->metric_names[s->refit_pos], pt_eval_metric_name(refit)) == 0)
                break;
        if (s->refit_pos == s->nmetrics) {
            pt_seterr(err, "--refit-metric: %s is not among --metric", o->refit_metric);
            return -EINVAL;
        }
    }
    pt_eval_lookup(o->evaluator, s->metric_names[s->refit_pos], &s->ev, &s->metric, err);
    snprintf(s->metric_name, sizeof s->metric_name, "%s", pt_eval_metric_name(s->metric));
    s->metric_list[0] = s->also[0] = '\0';
    for (size_t i = 0; s->nmetrics > 1 && i < s->nmetrics; i++) {
        list_add(s->metric_list, sizeof s->metric_list, s->metric_names[i]);
        if (i != s->refit_pos)
            list_add(s->also, sizeof s->also, s->metric_names[i]);
    }
    return 0;
}

/* --search halving --resource maxIter|numTrees: the pipeline's predictor must have that
 * param as the rounds or trees it grows (its prefix param: maxIter of gbtClassifier /
 * gbtRegressor, numTrees of the random forests); s->rkey := "STAGE.PARAM". Not with
 * --random on it, nor --oof / --keep-fold-models (the fold models would be the last
 * rung's). 0 or -EINVAL with err. */
static int halving_resource(sweep_t *s, char *err)
{
    const opts_t *o = s->o;
    const char *last = pt_spec_stage(s->spec, pt_spec_nstages(s->spec) - 1);
    const pt_stage_def_t *d = pt_stage_lookup(last);
    size_t n;
    s->rkey[0] = '\0';
    if (!o->halving || o->resource == NULL || strcmp(o->resource, "rows") == 0)
        return 0;
    if (d == NULL || d->prefix_param == NULL || strcmp(d->prefix_param, o->resource) != 0) {
        pt_seterr(err, "--resource %s: the pipeline's predictor %s has no %s to grow (maxIter: "
                  "gbtClassifier, gbtRegressor; numTrees: randomForestClassifier, "
                  "randomForestRegressor)", o->resource, last, o->resource);
        return -EINVAL;
    }
    snprintf(s->rkey, sizeof s->rkey, "%s.%s", last, o->resource);
    n = strlen(s->rkey);
    for (size_t i = 0; i < o->nrandom; i++)
        if (strncmp(o->random[i], s->rkey, n) == 0 && o->random[i][n] == '=') {
            pt_seterr(err, "--random %s: the rungs set %s (--resource %s)", o->random[i],
                      s->rkey, o->resource);
            return -EINVAL;
        }
    if (o->oof != NULL || o->fold_models != NULL) {
        pt_seterr(err, "%s: not with --search halving --resource %s (yet)",
                  o->oof != NULL ? "--oof" : "--keep-fold-models", o->resource);
        return -EINVAL;
    }
    return 0;
}

/* A --grid axis of the --resource param (s->rkey): not an axis, its largest value is the
 * max_resources (sklearn's resource param is not part of the grid; each rung sets it).
 * Returns 1 when the axis is it (s->rmax set), 0 when not, -EINVAL with err for a value that
 * is not an integer >= 1. */
static int resource_axis(sweep_t *s, const char *axis, char *err)
{
    size_t n = strlen(s->rkey);
    const char *p = axis + n + 1;
    if (n == 0 || strncmp(axis, s->rkey, n) != 0 || axis[n] != '=')
        return 0;
    do {
        char val[64];
        size_t len = strcspn(p, ",");
        long v;
        snprintf(val, sizeof val, "%.*s", (int)(len < 63 ? len : 63), p);
        if (pt_parse_long(val, &v) != 0 || v < 1) {
            pt_seterr(err, "--grid %s: %s: expected an integer >= 1", s->rkey, val);
            return -EINVAL;
        }
        if (v > s->rmax)
            s->rmax = v;
        p = p[len] == ',' ? p + len + 1 : NULL;
    } while (p != NULL);
    return 1;
}

/* Every check of the options that needs no file: the pipeline and grid, the evaluator, what
 * the last stage must be; then the log (exists? --resume reads it) and the worker program. */
static int check_options(sweep_t *s, char *err)
{
    const opts_t *o = s->o;
    struct stat st;
    int rc = check_outputs(o, err);

    if (rc != 0)
        return rc;
    s->spec = pt_spec_new(o->pipeline, err);
    if (s->spec == NULL)
        return -EINVAL;
    if ((rc = halving_resource(s, err)) != 0)
        return rc;
    for (size_t i = 0; i < o->ngrid; i++) {
        if ((rc = resource_axis(s, o->grid[i], err)) < 0)
            return rc;
        if (rc == 0 && pt_spec_add_axis(s->spec, o->grid[i], err) != 0)
            return -EINVAL;
    }
    for (size_t i = 0; i < o->nset; i++)
        if (pt_spec_set(s->spec, o->set[i], err) != 0)
            return -EINVAL;
    for (size_t i = 0; i < o->nrandom; i++)
        if (pt_spec_add_random(s->spec, o->random[i], err) != 0)
            return -EINVAL;
    pt_spec_set_samples(s->spec, (size_t)o->samples, o->seed);
    if (check_fits(s, err) != 0)
        return -EINVAL;
    if ((rc = parse_metrics(s, err)) != 0)
        return rc;
    s->classify = pt_spec_predictor_role(s->spec) == PT_STAGE_CLASSIFIER;
    if (s->ev != PT_EVAL_REGRESSION && !s->classify) {
        pt_seterr(err, "--evaluator %s: needs a classifier as the last stage "
                  "(logisticRegression, decisionTreeClassifier, randomForestClassifier, "
                  "gbtClassifier)",
                  pt_eval_evaluator_name(s->ev));
        return -EINVAL;
    }
    if (o->stratify && !s->classify) {
        pt_seterr(err, "--stratify: needs a classifier as the last stage (logisticRegression)");
        return -EINVAL;
    }
    s->larger_is_better = pt_eval_larger_is_better(s->metric);
    if (o->log != NULL && lstat(o->log, &st) == 0) {
        if (o->resume || o->extend) {
            s->prev = pt_logfile_read(o->log, err);
            if (s->prev == NULL) {
                pt_err_prefix(err, o->extend ? "--extend: " : "--resume: ");
                return -EINVAL;
            }
            s->resuming = 1;
            s->extending = o->extend;
        } else if (!o->overwrite) {
            pt_seterr(err, "--log %s: file exists (use --resume to finish that sweep, or "
                      "--overwrite to replace it)", o->log);
            return -EINVAL;
        }
    } else if (o->extend) {
        pt_seterr(err, "--extend: --log %s: no such file (the log of the sweep to extend)",
                  o->log);
        return -EINVAL;
    }
    if (o->listen != NULL) { /* bad input, before anything is written but the key file */
        if (pt_link_key_load(o->key, &s->key, err) != 0) {
            pt_err_prefix(err, "--key ");
            return -EINVAL;
        }
        if (pt_link_bind_probe(o->listen, err) != 0) {
            pt_err_prefix(err, "--listen ");
            return -EINVAL;
        }
    }
    if (pt_worker_path(s->worker_path, sizeof s->worker_path) != 0 ||
        access(s->worker_path, X_OK) != 0) {
        pt_seterr(err, "cannot find the worker program %s (set PARATUNE_WORKER)",
                  s->worker_path);
        return -ENOENT;
    }
    return 0;
}

/* With --fold-col, every fold must leave a non-empty training and validation set. */
static int check_fold_column(const opts_t *o, const pt_dataset_t *ds, const int32_t *fold,
                             char *err)
{
    size_t *count = calloc((size_t)o->folds, sizeof *count);
    int rc = 0;
    if (count == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    for (size_t r = 0; r < ds->rows; r++)
        count[fold[r]]++;
    for (long f = 0; f < o->folds; f++)
        if (count[f] == 0 || count[f] == ds->rows) {
            pt_seterr(err, "%s: fold column \"%s\": fold %ld leaves an empty %s set", o->data,
                      o->fold_col, f, count[f] == 0 ? "validation" : "training");
            rc = -EINVAL;
            break;
        }
    free(count);
    return rc;
}

/* Each row's image block: drawn before parsing, from the fold column, or drawn now. */
static int make_folds(sweep_t *s, char *err)
{
    const opts_t *o = s->o;
    const pt_dataset_t *ds = s->ds;
    int is_cv = o->validator == PT_VALIDATOR_CV, rc;

    if (s->pl.fold != NULL) { /* drawn before parsing */
        s->fold = s->pl.fold;
        s->pl.fold = NULL;
        return 0;
    }
    if ((s->fold = malloc((ds->rows ? ds->rows : 1) * sizeof *s->fold)) == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    if (is_cv && o->fold_col != NULL) {
        memcpy(s->fold, ds->fold, ds->rows * sizeof *s->fold);
        return check_fold_column(o, ds, s->fold, err);
    }
    /* ds->y is in file order here: only a split drawn early moves rows */
    rc = split_rows(o, is_cv, ds->rows, ds->y, s->nclasses, s->fold, err);
    return rc == -ENOMEM ? rc : rc != 0 ? -EINVAL : 0;
}

/* The pipeline indexes the categorical columns exactly when there are some: stringIndexer
 * first, or second right after the imputer; the imputer is first, or second right after
 * stringIndexer (either order gives the same fit: Spark's Imputer takes the numeric columns,
 * the indexer the strings); an encoder follows the indexer (or the imputer right after it). */
static int check_categorical(const sweep_t *s, char *err)
{
    int indexes = 0;
    for (size_t i = 0; i < pt_spec_nstages(s->spec); i++) {
        const pt_stage_def_t *di = pt_stage_lookup(pt_spec_stage(s->spec, i));
        const pt_stage_def_t *dp = i > 0 ? pt_stage_lookup(pt_spec_stage(s->spec, i - 1)) : NULL;
        const pt_stage_def_t *d0 = pt_stage_lookup(pt_spec_stage(s->spec, 0));
        int pair = i == 1 && di != NULL && dp != NULL &&
                   ((di->imputes && dp->categorical == 1) || (di->categorical == 1 && dp->imputes));
        if (di == NULL)
            continue;
        if (di->imputes && i > 0 && !pair) {
            pt_seterr(err, "--pipeline: imputer must be the first stage (or the second, "
                      "right after stringIndexer)");
            return -EINVAL;
        }
        if ((di->categorical == 1 && i > 0 && !pair) ||
            (di->categorical == 2 && (dp == NULL || (dp->categorical != 1 &&
                                                     !(dp->imputes && i == 2 && d0 != NULL &&
                                                       d0->categorical == 1))))) {
            pt_seterr(err, "--pipeline: %s", di->categorical == 1
                                                 ? "stringIndexer must be the first stage (or "
                                                   "the second, right after imputer)"
                                                 : "oneHotEncoder must follow stringIndexer");
            return -EINVAL;
        }
        indexes |= di->categorical == 1;
    }
    if (indexes == (s->ds->ncat > 0))
        return 0;
    pt_seterr(err, indexes ? "--pipeline: stringIndexer indexes the categorical columns; "
                             "declare them with --categorical"
                           : "--categorical: the pipeline must start with stringIndexer");
    return -EINVAL;
}

/* --categorical: the columns are read as text (lo's kept columns), not as features: taken out
 * of --features, added to --ignore (*cols: the lists made, one block the caller frees); the
 * rows load into the dataset's memory, as the indicator columns widen them afterwards (into
 * the image: categorical_data). The
 * label among them (class names): read as text too, kept last (*text_label set). */
static int categorical_opts(const opts_t *o, pt_load_opts_t *lo, const char ***cols,
                            int *text_label, char *err)
{
    const char **src = o->features != NULL ? o->features : o->ignore, **keep;
    const char *label = o->label ? o->label : "label";
    size_t nsrc = o->features != NULL ? o->nfeatures : o->nignore, n = 0, nk = 0;
    *cols = NULL;
    *text_label = 0;
    if (o->categorical == NULL)
        return 0;
    if (o->ncategorical > PT_IMAGE_MAX_CAT) {
        pt_seterr(err, "--categorical: more than %d columns", PT_IMAGE_MAX_CAT);
        return -EINVAL;
    }
    for (size_t i = 0; i < o->ncategorical; i++) {
        const char *c = o->categorical[i];
        if ((o->fold_col != NULL && strcmp(c, o->fold_col) == 0) ||
            (o->weight_col != NULL && strcmp(c, o->weight_col) == 0)) {
            pt_seterr(err, "--categorical: column \"%s\" is the %s column", c,
                      o->fold_col != NULL && strcmp(c, o->fold_col) == 0 ? "fold" : "weight");
            return -EINVAL;
        }
        for (size_t j = 0; o->ignore != NULL && j < o->nignore; j++)
            if (strcmp(c, o->ignore[j]) == 0) {
                pt_seterr(err, "--categorical: column \"%s\" is also in --ignore", c);
                return -EINVAL;
            }
    }
    if ((*cols = malloc((nsrc + 2 * o->ncategorical + 1) * sizeof **cols)) == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    keep = *cols + nsrc + o->ncategorical + 1;
    for (size_t i = 0; i < nsrc; i++) {
        int cat = 0;
        for (size_t j = 0; o->features != NULL && j < o->ncategorical; j++)
            cat |= strcmp(src[i], o->categorical[j]) == 0;
        if (!cat)
            (*cols)[n++] = src[i];
    }
    for (size_t j = 0; j < o->ncategorical; j++) {
        if (strcmp(o->categorical[j], label) == 0)
            *text_label = 1;
        else
            keep[nk++] = o->categorical[j];
        if (o->features == NULL)
            (*cols)[n++] = o->categorical[j];
    }
    if (*text_label) {
        keep[nk++] = label;
        lo->no_label = 1;
    }
    if (o->features != NULL) {
        lo->feature_cols = *cols;
        lo->nfeature_cols = n;
    } else {
        lo->ignore_cols = *cols;
        lo->nignore_cols = n;
    }
    lo->keep_cols = keep;
    lo->nkeep_cols = nk;
    lo->place = NULL;
    return 0;
}

/* 1 when the pipeline has the imputer (pt_missing.h; check_categorical refuses it when it is
 * not first, or second after stringIndexer). */
static int imputes(const sweep_t *s)
{
    for (size_t i = 0; i < pt_spec_nstages(s->spec); i++) {
        const pt_stage_def_t *d = pt_stage_lookup(pt_spec_stage(s->spec, i));
        if (d != NULL && d->imputes)
            return 1;
    }
    return 0;
}

/* 1 when a param map's stringIndexer takes a missing category (handleInvalid keep or skip:
 * Spark's null), so that a missing value in a categorical column is read, not refused (a
 * map with error then fails its jobs, with the reason). */
static int indexes_missing(const sweep_t *s)
{
    int any = 0;
    for (size_t i = 0; i < pt_spec_nmaps(s->spec) && !any; i++) {
        pt_paramlist_t pl = {0};
        const pt_value_t *v;
        if (pt_spec_full(s->spec, i, &pl) != 0)
            return 0;
        v = pt_paramlist_get(&pl, "stringIndexer.handleInvalid");
        any = v != NULL && v->str != NULL && strcmp(v->str, "error") != 0;
        pt_paramlist_free(&pl);
    }
    return any;
}

/* A boosted last stage's validationIndicatorCol (a column of the data, read by the loader):
 * one name for every param map, not a grid axis. *col := a copy (the caller frees), or NULL
 * when unset. 0, -EINVAL with err, or -ENOMEM. */
static int valid_col(const sweep_t *s, char **col, char *err)
{
    const char *last = pt_spec_stage(s->spec, pt_spec_nstages(s->spec) - 1);
    char key[128];
    int rc = 0;
    *col = NULL;
    snprintf(key, sizeof key, "%s.validationIndicatorCol", last);
    for (size_t i = 0; rc == 0 && i < pt_spec_nmaps(s->spec); i++) {
        pt_paramlist_t pl = {0};
        const pt_value_t *v;
        const char *name;
        if (pt_spec_full(s->spec, i, &pl) != 0)
            return -ENOMEM;
        v = pt_paramlist_get(&pl, key);
        name = v != NULL && v->str != NULL && v->str[0] != '\0' ? v->str : NULL;
        if (i == 0 && name != NULL && (*col = strdup(name)) == NULL)
            rc = -ENOMEM;
        else if (i > 0 && (name == NULL ? *col != NULL : *col == NULL || strcmp(name, *col))) {
            pt_seterr(err, "%s: one column for every param map (not a grid axis)", key);
            rc = -EINVAL;
        }
        pt_paramlist_free(&pl);
    }
    for (size_t k = 0; rc == 0 && *col != NULL && k < s->o->ncategorical; k++)
        if (strcmp(s->o->categorical[k], *col) == 0) {
            pt_seterr(err, "--categorical: column \"%s\" is the validation indicator column "
                      "(%s)", *col, key);
            rc = -EINVAL;
        }
    if (rc != 0) {
        free(*col);
        *col = NULL;
    }
    return rc;
}

/* The categorical columns' indicators, and class ids from a label of class names. */
static int categorical_data(sweep_t *s, int text_label, char *err)
{
    pt_dataset_t *ds = s->ds;
    size_t nk = ds->nkept - (text_label ? 1 : 0);
    int rc;
    if (ds->format == PT_FMT_LIBSVM) {
        pt_seterr(err, "--categorical: %s is LIBSVM, whose features are numbers", s->o->data);
        return -EINVAL;
    }
    if (text_label && !s->classify) {
        pt_seterr(err, "--categorical: the label \"%s\" holds class names: the pipeline must "
                  "end with a classifier", ds->kept_names[nk]);
        return -EINVAL;
    }
    if (text_label && (rc = pt_categorical_label(ds, s->o->data, nk, s->o->missing, err)) != 0)
        return rc;
    /* the wide rows straight into the shared-memory image */
    return pt_categorical_expand_into(ds, s->o->data, nk, s->o->missing, indexes_missing(s),
                                      place_rows, &s->pl, err);
}

/* A pipeline ending with a tree stage, against the data (pt_stage_trees_check_data): every
 * param map's maxBins against the categorical columns' arity, its thresholds against the
 * classes. */
static int check_trees(const sweep_t *s, char *err)
{
    const pt_stage_def_t *last =
        pt_stage_lookup(pt_spec_stage(s->spec, pt_spec_nstages(s->spec) - 1));
    uint64_t *size = calloc(s->ds->ncat + 1, sizeof *size);
    int rc = size == NULL ? -ENOMEM : 0;
    for (size_t k = 0; size != NULL && k < s->ds->ncat; k++)
        size[k] = s->ds->cat_size[k];
    for (size_t i = 0; rc == 0 && last != NULL && last->predict != NULL &&
                       i < pt_spec_nmaps(s->spec); i++) {
        pt_paramlist_t full = {0, NULL};
        rc = pt_spec_full(s->spec, i, &full) != 0
                 ? -ENOMEM
                 : pt_stage_trees_check_data(last, &full, s->ds->ncat, size, s->ds->cat_names,
                                             s->classify ? s->nclasses : 0, err);
        pt_paramlist_free(&full);
    }
    free(size);
    if (rc == -ENOMEM)
        pt_seterr(err, "out of memory");
    return rc;
}

/* --image-cache: the image of an earlier run with the same data and layout, mapped. On a
 * hit the dataset is its description (labels and weights read from the image), and the
 * split is the image's (as make_folds would draw it again). 1 on a hit. */
static int cache_lookup(sweep_t *s, int impute, const char *vcol)
{
    pt_tune_cache_layout_t l = {impute, s->o->categorical != NULL && indexes_missing(s), vcol};
    if (pt_tune_cache_lookup(&s->cache, s->o, &l) != 1)
        return 0;
    s->ds = s->cache.hit.ds;
    s->pl.fold = s->cache.hit.fold;
    s->pl.dst = s->cache.hit.pos;
    s->cache.hit.ds = NULL;
    s->cache.hit.fold = NULL;
    s->cache.hit.pos = NULL;
    s->cached = 1;
    return 1;
}

/* A cached image's label of class names needs a classifier, as categorical_data says. */
static int cached_label(const sweep_t *s, char *err)
{
    if (s->ds->label_values == NULL || s->classify)
        return 0;
    pt_seterr(err, "--categorical: the label \"%s\" holds class names: the pipeline must end "
              "with a classifier", s->ds->label_name);
    return -EINVAL;
}

/* The stats jobs: each image block's rows in pieces (pt_stats_plan), so that the stats
 * phase keeps every worker busy; the cut depends on the data's shape only. 0 or -ENOMEM. */
static int plan_stats(sweep_t *s, char *err)
{
    size_t *rows = calloc(s->pl.nblocks, sizeof *rows);
    s->stats_count = calloc(s->pl.nblocks, sizeof *s->stats_count);
    if (rows == NULL || s->stats_count == NULL) {
        free(rows);
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    for (size_t r = 0; r < s->ds->rows; r++)
        rows[s->fold[r]]++;
    s->nstats = pt_stats_plan(s->pl.nblocks, rows, s->ds->features, s->ds->w != NULL ? 2 : 1,
                              s->stats_count);
    free(rows);
    return 0;
}

/* Loads the data (CSV rows straight into the image being built) and checks it against the
 * pipeline, the evaluator and the split. */
static int load_data(sweep_t *s, char *err)
{
    const opts_t *o = s->o;
    int is_cv = o->validator == PT_VALIDATOR_CV, rc;
    pt_load_opts_t lo;
    const char **cat_cols;
    char *vcol;
    int text_label, has_vcol;

    if ((rc = valid_col(s, &vcol, err)) != 0)
        return rc;
    memset(&lo, 0, sizeof lo);
    lo.valid_col = vcol;
    lo.format = o->format;
    lo.label = o->label;
    lo.fold_col = o->fold_col;
    lo.weight_col = o->weight_col;
    lo.num_folds = (int)o->folds;
    lo.feature_cols = o->features;
    lo.nfeature_cols = o->nfeatures;
    lo.ignore_cols = o->ignore;
    lo.nignore_cols = o->nignore;
    lo.sep = o->sep;
    lo.keep_cols = o->keep; /* --oof's id columns (not with --categorical: options.c) */
    lo.nkeep_cols = o->nkeep;
    lo.missing = o->missing;
    lo.place = place_rows;
    lo.place_arg = &s->pl;
    lo.check_size = check_memory;
    lo.check_size_arg = s;
    s->pl.o = o;
    s->pl.is_cv = is_cv;
    s->pl.nblocks = is_cv ? (uint32_t)o->folds : 2;
    s->pl.kind = is_cv ? PT_IMAGE_CV : PT_IMAGE_TVS;
    if ((rc = categorical_opts(o, &lo, &cat_cols, &text_label, err)) != 0) {
        free(vcol);
        return rc;
    }
    lo.impute = imputes(s) ? 1 : 2;
    if (lo.impute == 1)
        lo.place = NULL; /* the indicator columns widen the rows afterwards */
    if (!cache_lookup(s, lo.impute, vcol))
        s->ds = pt_dataset_load(o->data, &lo, err);
    free(cat_cols);
    has_vcol = vcol != NULL;
    free(vcol);
    if (s->ds == NULL)
        return s->pl.system_error ? -EIO : -EINVAL;
    /* the missing-value indicators, then the categorical ones go before them (the raw
     * layout: numeric, categorical, missing), widening the rows into the image */
    if (!s->cached && lo.impute == 1 && (rc = pt_missing_expand(s->ds, o->data, err)) != 0)
        return rc;
    if (o->categorical != NULL && (rc = s->cached ? cached_label(s, err)
                                                  : categorical_data(s, text_label, err)) != 0)
        return rc;
    if (s->ds->format == PT_FMT_LIBSVM &&
        (o->features != NULL || o->ignore != NULL || o->weight_col != NULL || has_vcol)) {
        pt_seterr(err, "%s: %s is LIBSVM, whose features have no names (the options name CSV "
                  "columns)", o->features != NULL ? "--features"
                              : o->ignore != NULL ? "--ignore"
                              : o->weight_col != NULL ? "--weight-col" : "validationIndicatorCol",
                  o->data);
        return -EINVAL;
    }
    if (s->ds->features == 0) {
        pt_seterr(err, "%s: no feature column besides the label", o->data);
        return -EINVAL;
    }
    if (pt_spec_check(s->spec, s->ds->features, err) != 0 || check_categorical(s, err) != 0)
        return -EINVAL;
    if (s->classify && (rc = check_labels(s, s->ds, s->pl.dst, o->data, err)) != 0)
        return rc;
    if ((rc = check_memory(s, s->ds->rows, s->ds->features, err)) != 0)
        return rc; /* again: the width with the indicator columns, and the classes */
    if ((rc = check_trees(s, err)) != 0)
        return rc;
    if ((rc = make_folds(s, err)) != 0)
        return rc;
    s->nfolds = is_cv ? (size_t)o->folds : 1;
    return plan_stats(s, err);
}

/* The shared codes may take the image's size plus this much (the thresholds' room makes
 * small data's codes larger than its image). */
#define PT_TUNE_CODES_SLACK ((size_t)64 << 20)

/* A tree pipeline's bins jobs: one slot of the shared codes segment per (fold, maxBins,
 * seed when findSplits samples) that the maps need (pt_codes_plan), unless --no-cache or
 * the codes would take more memory than the image itself and PT_TUNE_CODES_SLACK (then each
 * fit codes its rows). */
static int plan_codes(sweep_t *s)
{
    const pt_stage_def_t *last =
        pt_stage_lookup(pt_spec_stage(s->spec, pt_spec_nstages(s->spec) - 1));
    const pt_dataset_t *ds = s->ds;
    size_t *ntrain = calloc(s->pl.nblocks, sizeof *ntrain), p = ds->features + ds->ncat;
    int *mb = calloc(s->nmaps, sizeof *mb);
    uint64_t *seed = calloc(s->nmaps, sizeof *seed);
    int rc = -ENOMEM;

    s->codes_keys = calloc(s->nmaps * s->nfolds, sizeof *s->codes_keys);
    s->bins_map = calloc(s->nmaps * s->nfolds, sizeof *s->bins_map);
    s->bins_fold = calloc(s->nmaps * s->nfolds, sizeof *s->bins_fold);
    if (ntrain == NULL || mb == NULL || seed == NULL || s->codes_keys == NULL ||
        s->bins_map == NULL || s->bins_fold == NULL)
        goto out;
    rc = 0;
    if (last == NULL || last->predict == NULL || s->o->no_cache)
        goto out;
    for (size_t k = 0; k < ds->ncat; k++)
        p -= ds->cat_size[k];
    for (size_t r = 0; r < ds->rows; r++)
        ntrain[s->fold[r]]++;
    for (size_t f = 0; f < s->nfolds; f++) /* TVS: block 0 trains; k-fold: all but f */
        ntrain[f] = s->pl.kind == PT_IMAGE_TVS ? ntrain[0] : ds->rows - ntrain[f];
    for (size_t i = 0; i < s->nmaps; i++)
        mb[i] = pt_stage_trees_max_bins(last, &s->full[i], &seed[i]);
    s->nbins = pt_codes_plan(mb, seed, s->nmaps, ntrain, s->nfolds, p, s->codes_keys,
                             s->bins_map);
    for (size_t b = 0; b < s->nbins; b++) {
        s->bins_fold[b] = s->codes_keys[b].fold;
        s->codes_bytes += pt_codes_slot_bytes(&s->codes_keys[b]);
    }
    if (s->codes_bytes > ds->rows * ds->features * sizeof(double) + PT_TUNE_CODES_SLACK)
        s->nbins = s->codes_bytes = 0; /* the bound: the image's size, and some slack */
out:
    free(ntrain);
    free(mb);
    free(seed);
    return rc;
}

/* 1 when full param lists a and b (one spec's: the same keys in the same order) differ at
 * most in key skip. */
static int same_but(const pt_paramlist_t *a, const pt_paramlist_t *b, const char *skip)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        const pt_value_t *x = &a->items[i].val, *y = &b->items[i].val;
        if (strcmp(a->items[i].key, b->items[i].key) != 0)
            return 0;
        if (strcmp(a->items[i].key, skip) != 0 &&
            (x->num != y->num || (x->type == PT_VAL_STRING && strcmp(x->str, y->str) != 0)))
            return 0;
    }
    return 1;
}

/* The param a fit job shares over (pt_stage.h) for the predictor d: its prefix_param
 * (numTrees, maxIter) unless --no-prefix-sharing, else its path_param (regParam, a
 * regularization path) with --path on; *path says which. NULL: no sharing. */
static const char *share_param(const sweep_t *s, const pt_stage_def_t *d, int *path)
{
    *path = 0;
    if (d == NULL)
        return NULL;
    if (d->use_trees != NULL && d->prefix_param != NULL)
        return s->o->no_prefix_sharing ? NULL : d->prefix_param;
    *path = 1;
    return d->path_param != NULL && s->o->path ? d->path_param : NULL;
}

/* Whether map i may not share (lead itself): a one-tree map with featureSubsetStrategy auto
 * (for a forest it means all features, not a larger forest's subset; for boosting auto is
 * always all, so such a map just runs alone), a path map whose fit is not iterative (the
 * stage's path_if param is 0). */
static int alone(const sweep_t *s, const pt_stage_def_t *d, size_t i, const char *key,
                 int path)
{
    const char *last = d->name;
    char k2[128];
    if (path) {
        const pt_value_t *v;
        if (d->path_if == NULL)
            return 0;
        snprintf(k2, sizeof k2, "%s.%s", last, d->path_if);
        v = pt_paramlist_get(&s->full[i], k2);
        return v == NULL || !(v->num > 0.0);
    }
    const pt_value_t *ti = pt_paramlist_get(&s->full[i], key), *fi;
    snprintf(k2, sizeof k2, "%s.featureSubsetStrategy", last);
    fi = pt_paramlist_get(&s->full[i], k2);
    return ti != NULL && ti->num == 1 && fi != NULL && fi->str != NULL &&
           strcasecmp(fi->str, "auto") == 0;
}

/* A path runs its maps one after another: when the paths (one job per lead and fold) are
 * fewer than twice the workers, each is cut into segments of consecutive values, largest
 * first, each led by its largest (started cold), so that every worker has jobs to the end.
 * key: the path param's key. 0 or -ENOMEM. */
static int split_paths(sweep_t *s, const char *key)
{
    size_t leads = 0, want, *mem;
    for (size_t i = 0; i < s->nmaps; i++)
        leads += s->lead[i] == (int32_t)i;
    if (leads * s->nfolds >= 2 * (size_t)s->o->parallelism)
        return 0;
    want = (2 * (size_t)s->o->parallelism + leads * s->nfolds - 1) / (leads * s->nfolds);
    if ((mem = malloc(2 * s->nmaps * sizeof *mem + 1)) == NULL)
        return -ENOMEM;
    for (size_t i = 0, n = 0; i < s->nmaps; i++) /* the paths' leads, before any is cut */
        if (s->lead[i] == (int32_t)i)
            mem[s->nmaps + n++] = i;
    for (size_t g = 0; g < leads; g++) {
        size_t m = 0, segs, l = mem[s->nmaps + g];
        for (size_t i = 0; i < s->nmaps; i++) /* its maps, largest value first (stable) */
            if (s->lead[i] == (int32_t)l) {
                double v = pt_paramlist_get(&s->full[i], key)->num;
                size_t j = m++;
                for (; j > 0 && pt_paramlist_get(&s->full[mem[j - 1]], key)->num < v; j--)
                    mem[j] = mem[j - 1];
                mem[j] = i;
            }
        segs = want < m ? want : m;
        for (size_t k = 0; k < m; k++) /* segment of k: k * segs / m; its first leads */
            s->lead[mem[k]] = (int32_t)mem[(k * segs / m) * m / segs +
                                            ((k * segs / m) * m % segs != 0)];
    }
    free(mem);
    return 0;
}

/* Sharing for a pipeline whose predictor has a prefix param (numTrees of a forest, maxIter
 * of boosting) or a path param (regParam): each map's lead, the first map with the largest
 * value among the maps that differ from it only in that param (s->lead stays NULL when no
 * map shares). The lead's job fits the largest value: the model whose prefixes the others
 * are, or the start of the path. 0 or -ENOMEM. */
static int plan_leads(sweep_t *s)
{
    const char *last = pt_spec_stage(s->spec, pt_spec_nstages(s->spec) - 1);
    const pt_stage_def_t *d = pt_stage_lookup(last);
    const char *param;
    char key[128];
    int shares = 0, path;
    if ((param = share_param(s, d, &path)) == NULL)
        return 0;
    if (s->nmetrics > 1) /* a shared job scores its maps with the refit metric only */
        return 0;
    snprintf(key, sizeof key, "%s.%s", last, param);
    if ((s->lead = malloc(s->nmaps * sizeof *s->lead + 1)) == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < s->nmaps; i++) {
        const pt_value_t *ti = pt_paramlist_get(&s->full[i], key);
        s->lead[i] = (int32_t)i;
        if (alone(s, d, i, key, path))
            continue;
        for (size_t j = 0; ti != NULL && j < s->nmaps; j++) {
            const pt_value_t *tj = pt_paramlist_get(&s->full[j], key);
            const pt_value_t *tl = pt_paramlist_get(&s->full[s->lead[i]], key);
            if (tj != NULL && tj->num > tl->num && same_but(&s->full[i], &s->full[j], key))
                s->lead[i] = (int32_t)j;
        }
        shares |= s->lead[i] != (int32_t)i;
    }
    if (!shares) {
        free(s->lead);
        s->lead = NULL;
    }
    return path && shares ? split_paths(s, key) : 0;
}

/* --race: the rule (pt_race.h), judged after --race-min-folds folds. Prefix sharing is off:
 * a shared job runs several maps' fits at once, so a pruned lead would starve the maps it
 * stands for. */
static int make_race(sweep_t *s, char *err)
{
    long k = s->o->race_min_folds > 0 ? s->o->race_min_folds : 2;
    if ((size_t)k > s->nfolds) {
        pt_seterr(err, "--race-min-folds %ld: is more than the %zu folds", k, s->nfolds);
        return -EINVAL;
    }
    free(s->lead);
    s->lead = NULL;
    s->race = pt_race_new(s->nmaps, (size_t)k, s->larger_is_better, PT_RACE_ALPHA);
    if (s->race == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    return 0;
}

/* Each map's estimated fit time (the last stage's cost op) into an owned array for the
 * scheduler's longest-first order; *out stays NULL when the stage has none (grid order).
 * 0 or -ENOMEM. */
static int plan_costs(sweep_t *s, double **out)
{
    const pt_stage_def_t *d =
        pt_stage_lookup(pt_spec_stage(s->spec, pt_spec_nstages(s->spec) - 1));
    size_t n = s->nfolds > 1 ? s->ds->rows - s->ds->rows / s->nfolds : s->ds->rows;
    *out = NULL;
    if (d == NULL || d->cost == NULL)
        return 0;
    if ((*out = malloc(s->nmaps * sizeof **out + 1)) == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < s->nmaps; i++) {
        pt_stage_fit_t fs = {.def = d, .params = s->full[i]}; /* borrows the params */
        double c = d->cost(&fs, n, s->ds->features);
        (*out)[i] = c >= 0 && c <= HUGE_VAL ? c : 1;
    }
    return 0;
}

/* --resource maxIter|numTrees: each rung map's params, a deep copy of its map's with the
 * rung's value of the param (s->vfull then owns them: tune_free). 0 or -ENOMEM. */
static int resource_params(sweep_t *s, const pt_halving_plan_t *plan)
{
    size_t nv = plan->nrungs * s->nmaps;
    for (size_t j = 0; j < nv; j++)
        memset(&s->vfull[j], 0, sizeof s->vfull[j]);
    s->vfull_deep = 1;
    for (size_t j = 0; j < nv; j++) {
        pt_value_t v = {PT_VAL_INT, (double)plan->resources[j / s->nmaps], NULL};
        if (pt_paramlist_copy(&s->vfull[j], &s->full[j % s->nmaps]) != 0 ||
            pt_paramlist_set(&s->vfull[j], s->rkey, &v) != 0)
            return -ENOMEM;
    }
    return 0;
}

/* A classifier's first rung: a block's prefix is its first rows in the file's order, so a
 * file sorted by its label gives the early rungs a few classes only. Says so on stderr when
 * a block's first rung has fewer classes than the block (n[b] rows, of them pre[b]). */
static void note_prefix_classes(const sweep_t *s, const size_t *n, const size_t *pre, size_t nb)
{
    size_t *seen = calloc(nb, sizeof *seen), *cls = calloc(2 * nb, sizeof *cls);
    unsigned char *has = calloc(2 * nb * s->nclasses + 1, 1);
    if (seen == NULL || cls == NULL || has == NULL)
        goto out;
    for (size_t r = 0; r < s->ds->rows; r++) { /* a block's rows are in the file's order */
        size_t b = (size_t)s->fold[r], c = (size_t)s->ds->y[s->pl.dst ? s->pl.dst[r] : r];
        int in_prefix = seen[b]++ < pre[b];
        for (int k = 0; k < 1 + in_prefix; k++) /* k 0: the block; 1: its prefix */
            if (c < s->nclasses && !has[(2 * b + (size_t)k) * s->nclasses + c]) {
                has[(2 * b + (size_t)k) * s->nclasses + c] = 1;
                cls[2 * b + (size_t)k]++;
            }
    }
    for (size_t b = 0; b < nb; b++)
        if (cls[2 * b + 1] < cls[2 * b]) {
            fprintf(stderr, "paratune: --search halving: the first rung's %zu rows of fold "
                    "block %zu (of %zu) hold %zu of its %zu classes: rungs read each block's "
                    "first rows in the file's order (shuffle a file sorted by its label)\n",
                    pre[b], b, n[b], cls[2 * b + 1], cls[2 * b]);
            break;
        }
out:
    free(seen);
    free(cls);
    free(has);
}

/* --search halving: the plan over the image's fold blocks (pt_halving.h; rows are the
 * resource), the rung maps the scheduler runs (rung r of map m is r x nmaps + m: shallow
 * copies of maps and full) and their results. Prefix sharing and the shared codes are off:
 * a rung reads a prefix of each block, which a fold's codes do not describe, and each rung
 * map is a job of its own. 0, -EINVAL with err (min_resources), or -ENOMEM. */
static int make_halving(sweep_t *s, char *err)
{
    const opts_t *o = s->o;
    pt_halving_plan_t plan;
    size_t nb = s->pl.nblocks, nv, *bn = calloc(2 * nb, sizeof *bn);
    long long smallest = 2 * (long long)s->nfolds * (s->classify ? (long long)s->nclasses : 1);
    long long maxr = (long long)s->ds->rows;
    int rc = -ENOMEM;

    if (bn == NULL)
        goto out;
    for (size_t r = 0; r < s->ds->rows; r++)
        bn[s->fold[r]]++;
    if (s->rkey[0] != '\0') { /* sklearn: min_resources 1 before exhaust for a param */
        const pt_value_t *v = pt_paramlist_get(&s->full[0], s->rkey);
        smallest = 1;
        if (s->rmax == 0 && v != NULL)
            s->rmax = (long long)v->num;
        maxr = s->rmax > 0 ? s->rmax : 1;
        nb = 0; /* every job on every row */
    }
    if (pt_halving_plan(s->nmaps, o->halving_factor > 0 ? o->halving_factor : 3,
                        o->min_resources, smallest, maxr, &plan, err) != 0) {
        char pfx[160];
        snprintf(pfx, sizeof pfx, "--search halving: %s: ", o->data);
        pt_err_prefix(err, pfx);
        rc = -EINVAL;
        goto out;
    }
    if (nb > 0)
        pt_halving_block_rows(plan.resources[0], bn, nb, bn + nb);
    for (size_t b = 0; b < nb; b++)
        if (bn[nb + b] == 0) {
            pt_seterr(err, "--min-resources %lld: the first rung's rows leave fold block %zu "
                      "without a row (%zu blocks need at least one each)", plan.resources[0],
                      b, nb);
            rc = -EINVAL;
            goto out;
        }
    if (nb > 0 && s->classify && !o->quiet)
        note_prefix_classes(s, bn, bn + nb, nb);
    s->halving = pt_halving_new(s->nmaps, &plan, s->larger_is_better, nb > 0, bn, nb);
    nv = plan.nrungs * s->nmaps;
    s->vmaps = malloc(nv * sizeof *s->vmaps);
    s->vfull = malloc(nv * sizeof *s->vfull);
    s->vresults = pt_results_new(nv, s->nfolds, s->larger_is_better);
    if (s->halving == NULL || s->vmaps == NULL || s->vfull == NULL || s->vresults == NULL)
        goto out;
    for (size_t j = 0; j < nv; j++) { /* the lists stay maps' and full's (freed once) */
        s->vmaps[j] = s->maps[j % s->nmaps];
        s->vfull[j] = s->full[j % s->nmaps];
    }
    if (s->rkey[0] != '\0' && resource_params(s, &plan) != 0)
        goto out;
    free(s->lead);
    s->lead = NULL;
    if (s->rkey[0] == '\0') /* a fold's codes are of its whole training rows */
        s->nbins = 0;
    rc = 0;
out:
    if (rc == -ENOMEM)
        pt_seterr(err, "out of memory");
    free(bn);
    return rc;
}

/* The param maps, the results and the scheduler's jobs; the log header of this sweep. */
static int make_jobs(sweep_t *s, char *err)
{
    pt_sched_config_t sc;
    int rc;
    double *cost = NULL;
    s->nmaps = pt_spec_nmaps(s->spec);
    s->maps = calloc(s->nmaps, sizeof *s->maps);
    s->full = calloc(s->nmaps, sizeof *s->full);
    s->results = pt_results_new(s->nmaps, s->nfolds, s->larger_is_better);
    if (s->maps == NULL || s->full == NULL || s->results == NULL)
        goto nomem;
    for (size_t i = 0; i < s->nmaps; i++)
        if (pt_spec_map(s->spec, i, &s->maps[i]) != 0 || pt_spec_full(s->spec, i, &s->full[i]) != 0)
            goto nomem;
    if (plan_codes(s) != 0 || plan_leads(s) != 0 || plan_costs(s, &cost) != 0)
        goto nomem;
    if ((s->o->race && (rc = make_race(s, err)) != 0) ||
        (s->o->halving && (rc = make_halving(s, err)) != 0)) {
        free(cost);
        return rc;
    }
    if (s->halving != NULL) { /* the rung maps, in the grid's order */
        free(cost);
        cost = NULL;
    }
    memset(&sc, 0, sizeof sc);
    sc.nmaps = s->halving != NULL ? pt_halving_get_plan(s->halving)->nrungs * s->nmaps
                                  : s->nmaps;
    sc.queue_maps = s->halving != NULL ? s->nmaps : 0; /* rung 0; the rest as rungs end */
    sc.nfolds = s->nfolds;
    sc.nstats = s->o->no_cache || s->ds->features > PT_STATS_MAX_FEATURES ? 0 : s->nstats;
    sc.nbins = s->nbins;
    sc.bins_map = s->bins_map;
    sc.bins_fold = s->bins_fold;
    sc.lead = s->lead;
    sc.cost = cost;
    sc.parallelism = (size_t)s->o->parallelism;
    sc.max_retries = s->o->max_retries;
    s->sched = pt_sched_new(&sc);
    free(cost);
    cost = NULL;
    if (s->sched == NULL)
        goto nomem;
    pt_sched_set_fold_major(s->sched, s->race != NULL);
    s->fp = pt_dataset_fingerprint(s->ds);
    if (make_header(s, s->ds, s->fp, &s->hdr) != 0)
        goto nomem;
    return 0;
nomem:
    pt_seterr(err, "out of memory");
    return -ENOMEM;
}

/* The log's results, as done or failed jobs of this sweep (the log's map i is this grid's
 * s->from[i] with --extend, map i otherwise). */
static void restore_results(sweep_t *s)
{
    for (size_t r = 0; r < s->prev->nresults; r++) {
        const pt_log_result_t *res = &s->prev->results[r];
        int ok = strcmp(res->status, "ok") == 0;
        size_t m;
        if (res->param_index < 0 || (size_t)res->param_index >= s->prev->header.nmaps ||
            res->fold < 0 || (size_t)res->fold >= s->nfolds)
            continue;
        m = s->from != NULL ? (size_t)s->from[res->param_index] : (size_t)res->param_index;
        if (m >= s->nmaps)
            continue;
        if (s->halving != NULL) { /* rung r's result: rung map r x nmaps + m */
            if (res->rung < 0 ||
                (size_t)res->rung >= pt_halving_get_plan(s->halving)->nrungs)
                continue;
            m += (size_t)res->rung * s->nmaps;
        }
        /* should a job have two records, the later counts (as paratune-log reads it) */
        pt_sched_restore(s->sched, m, (size_t)res->fold, ok ? PT_SCHED_DONE : PT_SCHED_FAILED,
                         res->attempt);
        pt_results_set(s->halving != NULL ? s->vresults : s->results, m, (size_t)res->fold,
                       ok ? PT_FOLD_OK : PT_FOLD_FAILED, res->metric);
    }
    if (!s->o->quiet && s->prev->torn)
        fprintf(stderr, "paratune: --%s: %s ended inside a record (a crash while writing); "
                "that record is dropped and its job runs again\n",
                s->extending ? "extend" : "resume", s->o->log);
}

/* With --extend: the log must be of this data, pipeline, split and evaluator, and each of its
 * param maps one of this grid's (a param it leaves out at its default); its results are
 * reused under this grid's indices, the rest will run. s->grown when the log's list is not
 * this grid's maps as they are: the log then gets an "extend" record and a new summary. */
static int check_extend(sweep_t *s, char *err)
{
    const pt_log_header_t *ph = &s->prev->header;
    char why[768];
    if (pt_resume_extend_mismatch(ph, &s->hdr, why, sizeof why)) {
        pt_seterr(err, "--extend: %s was written for %.400s", s->o->log, why);
        return -EINVAL;
    }
    if ((s->from = calloc(ph->nmaps + 1, sizeof *s->from)) == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    if (pt_resume_map_index(ph->stages, ph->nstages, ph->param_maps, ph->nmaps, s->full,
                            s->nmaps, s->from, why, sizeof why)) {
        pt_seterr(err, "--extend: %s: %.400s (--extend only adds maps)", s->o->log, why);
        return -EINVAL;
    }
    s->grown = ph->nmaps != s->nmaps;
    for (size_t i = 0; !s->grown && i < ph->nmaps; i++)
        s->grown = s->from[i] != (int32_t)i || !pt_paramlist_equal(&ph->param_maps[i],
                                                                    &s->maps[i]);
    s->run = pt_resume_run(s->prev);
    restore_results(s);
    return 0;
}

/* How a header's search reads in a message ("--search halving --halving-factor 3 ..."). */
static void describe_search(const pt_log_header_t *h, char *buf, size_t len)
{
    char mr[32];
    if (h->search == NULL) {
        snprintf(buf, len, "a grid sweep (no --search halving)");
        return;
    }
    if (h->halving_min > 0)
        snprintf(mr, sizeof mr, "%lld", (long long)h->halving_min);
    else
        snprintf(mr, sizeof mr, "exhaust");
    snprintf(buf, len, "--search %s --halving-factor %lld --min-resources %s --resource %s",
             h->search, (long long)h->halving_factor, mr,
             h->halving_resource != NULL ? h->halving_resource : "rows");
}

/* --resume: the log's search (--search halving and its options) must be this command's;
 * its rungs' results are then reused. 0, or -EINVAL with err saying what differs. */
static int check_resume_search(const sweep_t *s, char *err)
{
    char was[200], now[200];
    describe_search(&s->prev->header, was, sizeof was);
    describe_search(&s->hdr, now, sizeof now);
    if (strcmp(was, now) == 0)
        return 0;
    pt_seterr(err, "--resume: %s was written for %s, not %s", s->o->log, was, now);
    return -EINVAL;
}

/* With --resume: the log must describe this sweep; the jobs that have a result there are
 * done, the rest will run. */
static int check_resume(sweep_t *s, char *err)
{
    const opts_t *o = s->o;
    char why[768];
    s->run = 1;
    if (!s->resuming)
        return 0;
    if (s->extending)
        return check_extend(s, err);
    if (pt_resume_mismatch(&s->prev->header, &s->hdr, why, sizeof why)) {
        pt_seterr(err, "--resume: %s was written for %.400s", o->log, why);
        return -EINVAL;
    }
    if (check_resume_search(s, err) != 0)
        return -EINVAL;
    if (s->prev->summary != NULL && s->prev->summary->race && !o->race) {
        /* its pruned maps' folds were never meant to run */
        pt_seterr(err, "--resume: %s is of a --race sweep: give --race again", o->log);
        return -EINVAL;
    }
    s->run = pt_resume_run(s->prev);
    restore_results(s);
    return 0;
}

/* --search halving: the fits its rungs run (sklearn's n_candidates_ x folds each) without a
 * result in a resumed log, and the schedule on stderr. */
static void count_halving(sweep_t *s)
{
    const pt_halving_plan_t *p = pt_halving_get_plan(s->halving);
    size_t nfits = pt_sched_nfits(s->sched), all = 0, have = nfits - s->total_to_run;
    char line[1024] = "";
    for (size_t r = 0; r < p->nrungs; r++) {
        size_t n = strlen(line);
        all += p->candidates[r] * s->nfolds;
        snprintf(line + n, sizeof line - n, "%s%zu x %lld", r > 0 ? ", " : "",
                 p->candidates[r], p->resources[r]);
    }
    s->total_to_run = all > have ? all - have : 0;
    if (!s->o->quiet)
        fprintf(stderr, "paratune: successive halving: %zu rung%s of param maps x %s (%s) x "
                "%zu fold%s = %zu fits, then the refit\n", p->nrungs,
                p->nrungs == 1 ? "" : "s", s->rkey[0] != '\0' ? s->o->resource : "rows", line,
                s->nfolds, s->nfolds == 1 ? "" : "s", all);
    if (!s->o->quiet && s->resuming)
        fprintf(stderr, "paratune: --resume: %zu of them have a result in %s (reused); "
                "running up to %zu\n", have, s->o->log, s->total_to_run);
}

/* The jobs to run: the fits without a result (all of them unless resuming). */
static void count_jobs(sweep_t *s)
{
    size_t nfits = pt_sched_nfits(s->sched);
    s->total_to_run = pt_sched_fits_pending(s->sched);
    if (s->halving != NULL) {
        count_halving(s);
        return;
    }
    if (s->extending && !s->o->quiet)
        fprintf(stderr, "paratune: --extend: %zu of %zu jobs have a result in %s (reused); "
                "running %zu\n", nfits - s->total_to_run, nfits, s->o->log, s->total_to_run);
    else if (s->resuming && !s->o->quiet)
        fprintf(stderr, "paratune: --resume: %zu of %zu jobs already have a result; running "
                "%zu\n", nfits - s->total_to_run, nfits, s->total_to_run);
    else if (!s->o->quiet) /* the size of what starts now (--max-fits bounds it) */
        fprintf(stderr, "paratune: %zu param map%s x %zu fold%s = %zu fits, then the refit\n",
                s->nmaps, s->nmaps == 1 ? "" : "s", s->nfolds, s->nfolds == 1 ? "" : "s",
                s->nmaps * s->nfolds);
}

/* The shared-memory image of the data (the rows are in it; the dataset lets go of them). */
static int build_image(sweep_t *s, char *err)
{
    const opts_t *o = s->o;
    pt_dataset_t *ds = s->ds;
    int rc;
    if (s->cached) { /* the cache file is the image */
        s->image_fd = s->cache.hit.fd;
        s->held = s->cache.hit.base;
        s->held_len = s->cache.hit.len;
        s->cache.hit.fd = -1;
        s->cache.hit.base = NULL;
        return 0;
    }
    if (s->pl.img != NULL) /* the layout of a categorical load written into it */
        pt_image_describe(s->pl.img, ds);
    rc = s->pl.img != NULL
             ? pt_image_end(&s->pl.img, s->fold, s->pl.dst, s->fp, &s->image_fd, &s->held, err)
             : pt_image_build(ds, s->fold, s->pl.nblocks, s->pl.kind, s->fp, &s->image_fd,
                              &s->held, err);
    if (rc != 0) /* -EINVAL: a fold without rows, the input's fault; else the system's */
        return rc == -EINVAL && o->fold_col == NULL ? -EINVAL : rc == -EINVAL ? -EIO : rc;
    if (!ds->borrowed) /* the image holds the data now (borrowed x and y are in it) */
        free(ds->x);
    ds->x = NULL;
    if (s->held != NULL)
        s->held_len = (size_t)((const pt_image_hdr_t *)s->held)->total_size; /* kept mapped */
    pt_tune_cache_store(&s->cache, o, ds, s->held, s->held_len);
    return 0;
}

/* The result log: created, or opened for appending when resuming. A new log's fsyncs run
 * on a thread while the workers start (pt_log_create_async): the first result waits for
 * them, so none is written before the header is durable. */
static int open_log(sweep_t *s, char *err)
{
    const opts_t *o = s->o;
    if (o->log == NULL)
        return 0;
    s->log = s->resuming ? pt_log_open_append(o->log, s->prev, err)
                         : pt_log_create_async(o->log, &s->hdr, o->overwrite, err);
    if (s->log == NULL)
        return -EIO;
    if (s->grown && pt_log_append_extend(s->log, s->maps, s->nmaps, s->from, s->run, err) != 0)
        return -EIO;
    pt_log_set_deferred(s->log, 1);
    return 0;
}

/* Starts the local workers before the data is loaded, so that their start (the dynamic
 * loading, OpenBLAS's) overlaps the parse; the slots take them when the image is ready
 * (procs.h). Not with --listen (no local worker), nor when pinned with threads per job: a
 * warm worker's OpenBLAS threads would keep its unpinned affinity (only its main thread is
 * moved when a slot takes it). Best effort: without them the slots fork their own. */
static void start_warm(sweep_t *s)
{
    const opts_t *o = s->o;
    long n = o->parallelism < o->nusable ? o->parallelism : o->nusable;
    if (o->listen != NULL || n < 1 || (o->threads > 1 && pt_opts_pinned(o)))
        return;
    /* no more than the CPUs: they overlap the parse, which has every CPU (a sweep with
     * fewer jobs than --parallelism would not use the rest either). One now, the rest once
     * the data is parsed (start_more_warm): a worker's start takes about 3 ms of CPU, which
     * during the parse the parse threads would lose, while after it the other CPUs are idle
     * until the first jobs (the coordinator alone builds the image and the log, the first
     * worker takes the first stats job). With --image-cache all at once: a hit maps the
     * image in a few ms, too soon for a worker started after it. */
    s->warm = pt_warm_start(s->worker_path, (size_t)n, o->image_cache != NULL ? (size_t)n : 1,
                            o->threads);
}

/* The warm workers start_warm left for after the parse. */
static void start_more_warm(sweep_t *s)
{
    pt_warm_more(s->warm, (size_t)s->o->parallelism);
}

/* The scheduler's loop, configured from the options and what the phases made. */
static int make_sweep(sweep_t *s, char *err)
{
    const opts_t *o = s->o;
    pt_sweep_config_t c;
    memset(&c, 0, sizeof c);
    c.worker_path = s->worker_path;
    c.evaluator = pt_eval_evaluator_name(s->ev);
    c.metric = s->metric_name;
    if (s->nmetrics > 1) {
        c.also_metrics = s->also;
        c.metric_names = s->metric_names;
        c.nmetrics = s->nmetrics;
        c.refit_pos = s->refit_pos;
    }
    c.threads = o->threads;
    c.worker_memory = o->worker_memory;
    c.no_cache = o->no_cache;
    c.nclasses = s->nclasses;
    c.num_bins = o->num_bins;
    c.image_fd = s->image_fd;
    c.stats_fd = s->stats_fd;
    c.codes_fd = s->codes_fd;
    c.tree_threads = pt_stage_lookup(pt_spec_stage(s->spec, pt_spec_nstages(s->spec) - 1))
                         ->predict != NULL;
    c.cpus = pt_opts_pinned(o) ? o->cpus : NULL;
    c.warm = s->warm;
    c.ncpus = o->ncpus;
    c.nusable = o->nusable;
    c.parallelism = o->parallelism;
    c.max_retries = o->max_retries;
    c.job_timeout = o->job_timeout;
    c.heartbeat = o->heartbeat;
    c.start_timeout = o->start_timeout;
    c.quiet = o->quiet;
    c.deadline = o->time_budget > 0 ? s->t_start + o->time_budget : 0;
    c.race = s->race;
    c.halving = s->halving;
    c.spec = s->spec;
    c.maps = s->halving != NULL ? s->vmaps : s->maps;
    c.full = s->halving != NULL ? s->vfull : s->full;
    c.sched = s->sched;
    c.results = s->halving != NULL ? s->vresults : s->results;
    c.log = s->log;
    c.run = s->run;
    c.total = s->total_to_run;
    c.failed_before = pt_sched_fits_failed(s->sched);
    if (o->listen != NULL) {
        c.listen = o->listen;
        c.key = &s->key;
        c.image = s->held;
        /* the image's bytes, not a whole cache file's (held_len on a hit: with its
         * description and trailer after the image) */
        c.image_size = s->held != NULL ? (size_t)((const pt_image_hdr_t *)s->held)->total_size
                                       : s->held_len;
        c.fingerprint = s->fp;
        /* the cache file begins with the image: agents on a shared filesystem read it */
        if (s->cache.on && realpath(s->cache.path, s->shared_path) != NULL)
            c.shared_path = s->shared_path;
        c.nstats = s->stats_fd >= 0 ? s->nstats : 0;
        c.stats_slots = s->stats_fd >= 0 ? s->pl.nblocks * (s->ds->w != NULL ? 2 : 1) : 0;
        c.stats_p = s->ds->features;
        c.stats_count = s->stats_count; /* the agents cut the blocks as this node does */
        c.stats_nblocks = s->pl.nblocks;
        c.codes_keys = s->codes_fd >= 0 ? s->codes_keys : NULL;
        c.ncodes = s->codes_fd >= 0 ? s->nbins : 0;
        c.cpus = NULL; /* the agents' nodes are not pinned; nor is this one, which runs none */
    }
    s->sweep = pt_sweep_new(&c);
    if (s->sweep == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    return 0;
}

/* A sweep stopped by signal sig: what has a result, how to finish it. */
static void report_stopped(const sweep_t *s, int sig, int refit)
{
    const opts_t *o = s->o;
    if (refit) {
        fprintf(stderr, "paratune: stopped by SIG%s during the refit\n", pt_signame(sig));
    } else {
        size_t nfits = pt_sched_nfits(s->sched), have = 0;
        for (size_t j = 0; j < nfits; j++) {
            pt_sched_state_t st = pt_sched_job(s->sched, (long)j)->state;
            have += st == PT_SCHED_DONE || st == PT_SCHED_FAILED;
        }
        fprintf(stderr, "paratune: stopped by SIG%s; %zu of %zu jobs have a result%s%s\n",
                pt_signame(sig), have, nfits, o->log ? " in " : " (no --log: lost)",
                o->log ? o->log : "");
    }
    if (o->log != NULL)
        pt_report_resume_hint(o->argc, o->argv, o->resume || o->extend);
}

/* The sweep: the stats jobs (the shared moments cache), then every fit without a result. */
/* Starts the workers, or listens for agents; with --cluster, then starts them (srun). */
static int start_sweep(sweep_t *s, size_t want, char *err)
{
    int rc = pt_sweep_start(s->sweep, want, err);
    return rc != 0 ? rc : pt_cluster_launch(err);
}

static int run_sweep(sweep_t *s, char *err)
{
    int rc;
    if (!s->o->no_cache && s->ds->features <= PT_STATS_MAX_FEATURES && s->total_to_run > 0 &&
        pt_stats_create_cut(s->pl.nblocks * (s->ds->w != NULL ? 2 : 1), s->ds->features,
                            s->pl.nblocks, s->stats_count, &s->stats_fd,
                            err) != 0) /* with weights a block has two slots (pt_trainset.h) */
        return -EIO;
    if (s->nbins > 0 && s->total_to_run > 0 &&
        pt_codes_create(s->codes_keys, s->nbins, &s->codes_fd, err) != 0)
        return -EIO;
    if ((rc = make_sweep(s, err)) != 0)
        return rc;
    if (s->total_to_run > 0)
        pt_sched_queue_sweep(s->sched);
    /* --resume of a halving sweep: the rungs its log finished, and the next one's jobs */
    if (s->halving != NULL && pt_halving_advance(s->halving, s->vresults, s->sched) < 0) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    if (s->total_to_run == 0 && !(s->resuming && (s->prev->summary == NULL || s->grown)))
        return 0;
    if (s->race != NULL) { /* --resume: the maps that lost on the results so far */
        size_t m;
        while ((m = pt_race_next_pruned(s->race, s->results)) != (size_t)-1)
            pt_sched_drop_map(s->sched, m);
    }
    s->cpu_sweep = -self_cpu();
    if ((rc = start_sweep(s, s->total_to_run > 0 ? s->total_to_run : 1, err)) != 0 ||
        (rc = pt_sweep_run(s->sweep, err)) < 0)
        return rc == -EINVAL ? -EIO : rc == -EADDRINUSE ? -EINVAL : rc;
    {
        pt_sweep_counts_t c;
        pt_sweep_counts(s->sweep, &c);
        s->t_sweep = pt_now() - c.t0;
    }
    s->cpu_sweep += self_cpu();
    if (rc > 0)
        report_stopped(s, rc, 0);
    return rc;
}

/* --search halving: each map's cells at the last rung it ran into s->results (the table,
 * the summary's averages). */
static void halving_results(sweep_t *s)
{
    for (size_t m = 0; m < s->nmaps; m++) {
        size_t j = pt_halving_map_rung(s->halving, m) * s->nmaps + m;
        for (size_t f = 0; f < s->nfolds; f++) {
            double v;
            pt_fold_state_t st = pt_results_get(s->vresults, j, f, &v);
            pt_results_set(s->results, m, f, st, v);
        }
    }
}

/* Each map's average and std over the folds (NaN unless complete), and the best map (with
 * --search halving: the best of the last rung). */
static int pick(sweep_t *s, char *err)
{
    s->avg = calloc(s->nmaps, sizeof *s->avg);
    s->sd = calloc(s->nmaps, sizeof *s->sd);
    if (s->avg == NULL || s->sd == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    if (s->halving != NULL) {
        halving_results(s);
        pt_results_averages(s->results, s->avg, s->sd);
        s->best = pt_halving_best(s->halving, s->vresults, NULL);
        return 0;
    }
    pt_results_averages(s->results, s->avg, s->sd);
    s->best = pt_results_best(s->results, NULL);
    if (s->race != NULL && s->best >= 0 && pt_race_pruned(s->race, (size_t)s->best)) {
        /* a pruned map whose running folds finished stays out: the best of the others */
        s->best = -1;
        for (size_t i = 0; i < s->nmaps; i++)
            if (!isnan(s->avg[i]) && !pt_race_pruned(s->race, i) &&
                (s->best < 0 ||
                 pt_results_better(s->larger_is_better, s->avg[i], s->avg[s->best])))
                s->best = (long)i;
    }
    if (s->o->select_one_se)
        s->best = pt_results_one_se(s->results, s->maps, &s->top, &s->se);
    return 0;
}

/* The scheduler's map of the refit: the best map, or with --search halving --resource
 * maxIter|numTrees its last rung's (whose params have the last rung's value, as sklearn's
 * best_params_ with resource n_estimators). */
static size_t refit_map(const sweep_t *s)
{
    if (s->halving == NULL || s->rkey[0] == '\0')
        return (size_t)s->best;
    return (pt_halving_get_plan(s->halving)->nrungs - 1) * s->nmaps + (size_t)s->best;
}

/* The best map, refit on all rows (as Spark does) when there are workers or a model to
 * write; the model file. */
static int refit(sweep_t *s, char *err)
{
    double tr = pt_now();
    long id;
    int rc;

    if (s->best < 0 || (!pt_sweep_started(s->sweep) && s->o->model_out == NULL))
        return 0;
    if (!pt_sweep_started(s->sweep) && (rc = start_sweep(s, 1, err)) != 0)
        return rc == -EINVAL ? -EIO : rc;
    id = pt_sched_queue_refit(s->sched, refit_map(s)); /* the loop tops the pool up */
    rc = pt_sweep_run(s->sweep, err);
    if (rc < 0)
        return rc == -EINVAL ? -EIO : rc;
    if (rc > 0) {
        report_stopped(s, rc, 1);
        return rc;
    }
    s->t_refit = pt_now() - tr;
    if (pt_sched_job(s->sched, id)->state != PT_SCHED_DONE) {
        fprintf(stderr, "paratune: refit of param map %ld failed: %s\n", s->best,
                pt_sweep_refit_error(s->sweep));
        return 0;
    }
    s->model = pt_sweep_take_model(s->sweep, &s->model_len);
    /* without --oof or --keep-fold-models no job is left: the workers are killed now, and
     * their exit overlaps the model file, the summary's fsync and the report (tune_free
     * reaps them) */
    if (s->o->oof == NULL && s->o->fold_models == NULL)
        pt_sweep_release(s->sweep);
    if (s->o->model_out != NULL && write_model(s, s->ds, s->best, err) != 0)
        return -EIO;
    return 0;
}

/* The maps with fit jobs left pending: pruned by the race (into the summary's pruned maps,
 * with their done folds, and the fits saved) or stopped by the time budget (incomplete).
 * im and pm: room for nmaps; pf too. */
static void pending_maps(const sweep_t *s, pt_log_summary_t *sum, int32_t *im, int32_t *pm,
                         int32_t *pf)
{
    sum->race = s->race != NULL;
    sum->incomplete_maps = im;
    sum->pruned_maps = pm;
    sum->pruned_folds = pf;
    for (size_t i = 0; i < s->nmaps; i++) {
        size_t pending = 0, done = 0;
        for (size_t f = 0; f < s->nfolds; f++) {
            pt_sched_state_t st = pt_sched_job(s->sched, pt_sched_fit_id(s->sched, i, f))->state;
            pending += st == PT_SCHED_PENDING;
            done += st == PT_SCHED_DONE;
        }
        if (s->race != NULL && pt_race_pruned(s->race, i)) {
            pf[sum->npruned_maps] = (int32_t)done;
            pm[sum->npruned_maps++] = (int32_t)i;
            sum->fits_saved += (int64_t)pending;
        } else if (pending > 0) {
            im[sum->nincomplete_maps++] = (int32_t)i;
        }
    }
}

/* --oof, --keep-fold-models: the fold models' jobs after the refit (oof.h). */
static int out_of_fold(sweep_t *s, char *err)
{
    pt_oof_config_t c = {s->o, s->sched, s->sweep, s->ds, s->full, s->nmaps, s->nfolds,
                         s->best, s->image_fd};
    int rc = pt_oof_run(&c, err);
    if (rc > 0)
        fprintf(stderr, "paratune: stopped by SIG%s during the out-of-fold fits\n",
                pt_signame(rc));
    return rc;
}

/* --search halving: the summary's rungs reached (their resource and maps), into owned arrays
 * of sum (the caller frees them). 0 or -ENOMEM. */
static int summary_rungs(const sweep_t *s, pt_log_summary_t *sum)
{
    const pt_halving_plan_t *p = pt_halving_get_plan(s->halving);
    size_t total = 0;
    sum->rung_resources = calloc(p->nrungs, sizeof *sum->rung_resources);
    sum->rung_counts = calloc(p->nrungs, sizeof *sum->rung_counts);
    sum->rung_maps = calloc(p->nrungs * s->nmaps, sizeof *sum->rung_maps);
    if (sum->rung_resources == NULL || sum->rung_counts == NULL || sum->rung_maps == NULL)
        return -ENOMEM;
    for (size_t r = 0; r < p->nrungs; r++) {
        const size_t *maps;
        size_t n = pt_halving_rung_maps(s->halving, r, &maps);
        if (n == 0)
            break;
        sum->rung_resources[r] = p->resources[r];
        sum->rung_counts[r] = (int32_t)n;
        for (size_t i = 0; i < n; i++)
            sum->rung_maps[total++] = (int32_t)maps[i];
        sum->nrungs = r + 1;
    }
    return 0;
}

/* The summary record: not when a resumed log has one already, unless that one left maps
 * incomplete (a sweep stopped by its time budget: this run appends the new summary). */
static int log_summary(sweep_t *s, char *err)
{
    pt_log_summary_t sum;
    pt_sweep_counts_t c;
    int32_t *fm;
    int rc;
    if (s->log == NULL || (s->resuming && s->prev->summary != NULL && !s->grown &&
                           s->prev->summary->nincomplete_maps == 0))
        return 0;
    pt_sweep_counts(s->sweep, &c);
    fm = calloc(4 * s->nmaps + 1, sizeof *fm);
    if (fm == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    memset(&sum, 0, sizeof sum);
    sum.nmaps = s->nmaps;
    sum.avg_metrics = s->avg;
    sum.std_metrics = s->sd;
    sum.best_index = (int32_t)s->best;
    sum.best_params = s->best >= 0 ? &s->maps[s->best] : NULL;
    sum.best_metric = s->best >= 0 ? s->avg[s->best] : NAN;
    if (s->o->select_one_se) {
        sum.select = "one-se";
        sum.select_top = (int32_t)s->top;
        sum.select_se = s->se;
    }
    sum.wall_seconds = c.t0 > 0 ? pt_now() - c.t0 : 0;
    for (size_t j = 0; j < pt_sched_nfits(s->sched); j++) {
        pt_sched_state_t st = pt_sched_job(s->sched, (long)j)->state;
        sum.jobs_ok += st == PT_SCHED_DONE;
        sum.jobs_failed += st == PT_SCHED_FAILED;
    }
    pending_maps(s, &sum, fm + s->nmaps, fm + 2 * s->nmaps, fm + 3 * s->nmaps);
    if (s->halving != NULL && summary_rungs(s, &sum) != 0) {
        free(fm);
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    sum.failed_maps = fm;
    for (size_t i = 0, k = 0; i < s->nmaps; i++) { /* failed: NaN, neither left nor pruned */
        while (k < sum.nincomplete_maps && (size_t)sum.incomplete_maps[k] < i)
            k++;
        if (isnan(s->avg[i]) && !(k < sum.nincomplete_maps && (size_t)sum.incomplete_maps[k] == i) &&
            !(s->race != NULL && pt_race_pruned(s->race, i)))
            fm[sum.nfailed_maps++] = (int32_t)i;
    }
    rc = pt_log_append_summary(s->log, &sum, err);
    free(sum.rung_resources);
    free(sum.rung_counts);
    free(sum.rung_maps);
    if (rc == 0)
        rc = pt_log_sync(s->log, err);
    if (rc == 0 && !s->o->quiet && sum.nincomplete_maps > 0)
        fprintf(stderr, "paratune: %zu param map%s left incomplete by the time budget\n",
                sum.nincomplete_maps, sum.nincomplete_maps == 1 ? "" : "s");
    if (rc == 0 && !s->o->quiet && s->race != NULL)
        fprintf(stderr, "paratune: race: %zu param map%s pruned, %lld fits saved\n",
                sum.npruned_maps, sum.npruned_maps == 1 ? "" : "s", (long long)sum.fits_saved);
    free(fm);
    return rc != 0 ? -EIO : 0;
}

/* --search halving: one line per rung reached, before the table (whose averages are each
 * map's at the last rung it ran). */
static void report_rungs(const sweep_t *s)
{
    const pt_halving_plan_t *p = pt_halving_get_plan(s->halving);
    for (size_t r = 0; r < p->nrungs; r++) {
        const size_t *maps;
        size_t n = pt_halving_rung_maps(s->halving, r, &maps);
        if (n == 0)
            break;
        printf("rung %zu: %zu param map%s on %lld %s", r, n, n == 1 ? "" : "s",
               p->resources[r], s->rkey[0] != '\0' ? s->o->resource : "rows");
        for (size_t i = 0; r > 0 && n <= 12 && i < n; i++)
            printf("%s#%zu", i == 0 ? ": " : " ", maps[i]);
        printf("\n");
    }
    printf("(successive halving: the table shows each map's average at the last rung it "
           "ran; the best is the last rung's)\n");
}

/* The table and the closing lines. Returns 0 when there is a best map, -ESRCH when not
 * (said on stderr), -ENOMEM. */
static int report(sweep_t *s, char *err)
{
    const opts_t *o = s->o;
    pt_sweep_counts_t c;
    int rc = -ESRCH;
    if (s->halving != NULL)
        report_rungs(s);
    if (pt_report_table(s->results, s->maps, s->metric_name, s->best) != 0) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    pt_sweep_counts(s->sweep, &c);
    if (!o->quiet) {
        char list[256];
        pt_timing_t t = {s->t_load, s->t_shm, s->t_sweep, s->t_refit, s->cpu_sweep,
                         s->total_to_run, o->parallelism, NULL,
                         s->codes_fd >= 0 ? s->codes_bytes : 0, c.first_sent, c.stats,
                         c.nstats};
        if (pt_opts_pinned(o) && o->listen == NULL)
            t.pinned = pt_cpus_format(o->cpus, o->ncpus, list, sizeof list);
        pt_report_timing(&t);
        if (c.iterations > 0) /* what regularization paths save (README, Paths) */
            fprintf(stderr, "paratune: solver iterations %lld in the fit jobs (%zu shared jobs "
                    "ran %zu fits)\n", c.iterations, c.shared_jobs, c.shared_fits);
    }
    if (o->select_one_se && s->best >= 0)
        printf("select: one-se: #%ld, the most regularized map within one standard error "
               "(%.6g) of the best average (#%ld)\n", s->best, s->se, s->top);
    /* failed maps are listed on stderr and in the log; the run is still a success */
    if (pt_report_outcome(s->results, s->maps, s->metric_name, s->best, c.not_converged,
                          c.finished, o->quiet))
        rc = 0;
    if (pt_sweep_budget_spent(s->sweep) && pt_sched_fits_pending(s->sched) > 0) {
        /* stopped by the budget: a success with what it has; the rest is for --resume */
        fprintf(stderr, "paratune: time budget spent; %zu fits not run\n",
                pt_sched_fits_pending(s->sched));
        if (o->log != NULL)
            pt_report_resume_hint(o->argc, o->argv, o->resume);
        rc = 0;
    }
    return rc;
}

/* ---------------------------------------------------------------- main */

/* The exit code for a phase's return: 0 done; a signal that stopped the sweep; -EINVAL the
 * user's input (options, data, a log that does not fit); -ESRCH no best map; anything else
 * the system's. */
static int exit_code(int rc)
{
    if (rc == 0)
        return PT_EXIT_OK;
    if (rc > 0)
        return rc == SIGINT ? PT_EXIT_SIGINT : PT_EXIT_SIGTERM;
    return rc == -EINVAL ? PT_EXIT_USAGE : PT_EXIT_FAIL;
}

static void tune_free(sweep_t *s)
{
    pt_sweep_destroy(&s->sweep);
    pt_warm_destroy(&s->warm);
    if (s->held != NULL)
        munmap(s->held, s->held_len);
    if (s->image_fd >= 0)
        close(s->image_fd);
    if (s->stats_fd >= 0)
        close(s->stats_fd);
    if (s->codes_fd >= 0)
        close(s->codes_fd);
    free(s->codes_keys);
    free(s->bins_map);
    free(s->bins_fold);
    free(s->lead);
    free(s->from);
    pt_log_close(&s->log);
    for (size_t i = 0; s->maps != NULL && i < s->nmaps; i++) {
        pt_paramlist_free(&s->maps[i]);
        pt_paramlist_free(&s->full[i]);
    }
    free(s->hdr.stages);
    free(s->hdr.cat_values);
    free(s->hdr.cat_nvalues);
    free(s->maps);
    free(s->full);
    free(s->model);
    free(s->avg);
    free(s->sd);
    free(s->fold);
    free(s->stats_count);
    free(s->pl.fold);
    free(s->pl.dst);
    pt_image_abort(&s->pl.img);
    pt_results_destroy(&s->results);
    pt_sched_destroy(&s->sched);
    pt_race_destroy(&s->race);
    free(s->vmaps); /* shallow copies: their lists are maps' and full's */
    for (size_t j = 0; s->vfull_deep && j < pt_halving_get_plan(s->halving)->nrungs * s->nmaps;
         j++)
        pt_paramlist_free(&s->vfull[j]); /* deep copies with the rung's value */
    free(s->vfull);
    pt_halving_destroy(&s->halving);
    pt_results_destroy(&s->vresults);
    pt_spec_destroy(&s->spec);
    pt_dataset_destroy(&s->ds);
    pt_tune_cache_free(&s->cache);
    pt_logfile_destroy(&s->prev);
}

int pt_tune_main(int argc, char **argv)
{
    opts_t o;
    sweep_t s;
    char err[PT_ERRLEN] = "";
    int rc;

    memset(&s, 0, sizeof s);
    s.o = &o;
    s.image_fd = s.stats_fd = s.codes_fd = -1;
    s.cache.hit.fd = -1;
    s.best = -1;
    s.t_start = pt_now();
    rc = pt_opts_parse(argc, argv, &o);
    if (rc != 0) {
        pt_opts_free(&o);
        return rc < 0 ? PT_EXIT_OK : rc;
    }
    if ((rc = check_options(&s, err)) == 0)
        start_warm(&s);
    if (rc != 0 || (rc = load_data(&s, err)) != 0)
        goto out;
    start_more_warm(&s);
    if ((rc = make_jobs(&s, err)) != 0 || (rc = check_resume(&s, err)) != 0)
        goto out;
    count_jobs(&s);
    s.t_load = pt_now() - s.t_start;
    /* from here on the failures are the system's, not the input's (but a fold without rows) */
    if ((rc = build_image(&s, err)) != 0)
        goto out;
    pt_sep_note(o.data, s.ds, o.sep, o.quiet); /* once the input is accepted: one line */
    s.t_shm = pt_now() - s.t_start - s.t_load;
    if ((rc = open_log(&s, err)) == 0 && (rc = run_sweep(&s, err)) == 0 &&
        (rc = pick(&s, err)) == 0 && (rc = refit(&s, err)) == 0 &&
        (rc = log_summary(&s, err)) == 0 && (rc = out_of_fold(&s, err)) == 0)
        rc = report(&s, err);
out:
    if (rc < 0 && rc != -ESRCH)
        fprintf(stderr, "paratune: %s\n", err);
    tune_free(&s);
    pt_opts_free(&o);
    return exit_code(rc);
}
