/* options.h - the options of `paratune tune`, parsed and checked. */
#ifndef PT_OPTIONS_H
#define PT_OPTIONS_H

#include "pt_dataset.h"
#include "pt_split.h"

typedef struct {
    const char *data, *label, *fold_col, *pipeline, *evaluator, *metric;
    const char **features, **ignore; /* --features / --ignore names (pt_opt_names); NULL */
    size_t nfeatures, nignore;
    const char **categorical; /* --categorical names: read as text, coded as categories */
    size_t ncategorical;
    pt_validator_t validator;
    const char *log, *model_out;
    pt_format_t format;
    const char **grid, **set;
    size_t ngrid, nset;
    long folds, parallelism, threads, max_retries;
    int folds_given, ratio_given;
    double train_ratio;
    unsigned long long seed;
    int overwrite, quiet, no_cache, resume;
    int extend;             /* --extend: the sweep in --log, grown to this grid */
    int no_prefix_sharing;  /* --no-prefix-sharing: every numTrees / maxIter map its own job */
    int path;               /* --path on: regularization paths (off by default) */
    double job_timeout;             /* seconds; 0: none */
    double heartbeat, start_timeout; /* --heartbeat, --start-timeout seconds; 0: none */
    unsigned long long worker_memory; /* bytes of private memory per worker; 0: no cap */
    unsigned long long max_memory;  /* --max-memory: bytes the sweep may plan to use; 0: the
                                       default, from what the system has available */
    long max_fits;                  /* --max-fits: most (param map, fold) fits */
    const char **random;            /* --random S.P=DIST */
    size_t nrandom;
    long samples;                   /* --samples N (0: not given) */
    long num_bins;                  /* --num-bins of the binary evaluator */
    int stratify;
    const char *refit_metric;       /* --refit-metric (NULL: the first of --metric) */
    int select_one_se;              /* --select one-se (0: best) */
    char sep;                       /* --sep: ',', ';', '\t', '|'; 0: auto */
    const char *missing;            /* --missing: the missing-value tokens; NULL: default */
    const char *weight_col;         /* --weight-col: the row weights' column (weightCol) */
    int pin;                        /* --pin-cpus: PT_PIN_AUTO (default), _OFF, _ON */
    int *cpus;                      /* the CPUs to pin to, in order (malloc'd): the given list,
                                       else every usable CPU */
    int ncpus;
    int nusable;                    /* CPUs this process may run on */
    double time_budget;             /* --time-budget seconds; 0: none */
    int race;                       /* --race: prune maps that lost (pt_race.h) */
    long race_min_folds;            /* --race-min-folds: folds done before a map is judged */
    int halving;                    /* --search halving (0: grid, every map on every row) */
    long halving_factor;            /* --halving-factor (default 3) */
    long long min_resources;        /* --min-resources N; 0: exhaust (the default) */
    const char *resource;           /* --resource rows|maxIter|numTrees; NULL: rows */
    const char *oof;                /* --oof FILE: out-of-fold predictions; NULL: none */
    int oof_all;                    /* --oof-all: of every map, not only the best */
    const char **keep;              /* --keep: columns copied into the --oof file */
    size_t nkeep;
    const char *fold_models;        /* --keep-fold-models DIR; NULL: none */
    const char *image_cache;        /* --image-cache DIR or "auto"; NULL: none (imgcache.h) */
    const char *listen;             /* --listen tcp://ADDR:PORT: jobs go to paratune-agents */
    const char *key;                /* --key FILE: the sweep's CURVE keys (pt_link.h) */
    const char *cluster;            /* --cluster slurm: agents started by srun (cluster.h) */
    int argc;                       /* the command line, for the resume hint */
    char **argv;
} opts_t;

enum { PT_PIN_AUTO, PT_PIN_OFF, PT_PIN_ON };

/* The most fits (param maps x folds) a sweep runs without --max-fits. */
#define PT_MAX_FITS_DEFAULT 1000000L

/* Whether workers (and the coordinator) are pinned: --pin-cpus on or a list, or auto when
 * parallelism x threads-per-job covers every usable CPU (the machine is the sweep's) or the
 * parallelism is 1 (the worker and the coordinator then share the first CPU). */
int pt_opts_pinned(const opts_t *o);

/* Parses argv (argv[0] is "tune") into o. Returns 0; -1 after printing --help; or
 * PT_EXIT_USAGE after printing one line naming the bad option. o is freed with
 * pt_opts_free in every case. */
int pt_opts_parse(int argc, char **argv, opts_t *o);
void pt_opts_free(opts_t *o);

/* Prints "paratune: OPT ARG: WHY" on stderr and returns PT_EXIT_USAGE. */
int pt_bad_opt(const char *opt, const char *arg, const char *why);

/* Refuses an option given a second time: which of two values was meant is not for
 * paratune to guess (the caller leaves out the repeatable ones). c is what getopt_long
 * returned, opts its table (for the option's name), seen a byte per code below nseen,
 * zeroed before the first option. 0, or PT_EXIT_USAGE after "paratune: --OPT ARG: why". */
struct option;
int pt_opt_once(unsigned char *seen, size_t nseen, int c, const struct option *opts,
                const char *arg, const char *why);

/* A --missing value (pt_csv_check_missing): 0, or PT_EXIT_USAGE after one line on stderr. */
int pt_missing_opt(const char *arg);

/* Reports what getopt_long returned c (':' or an unknown option) for the option at
   argv[optind - 1]: "paratune: OPT: needs a value" or "paratune: OPT: unknown option
   UNKNOWN" on stderr (unknown says whose option it is not, e.g. "of gen"). Returns
   PT_EXIT_USAGE. */
int pt_opt_fail(int c, char *const argv[], const char *unknown);

/* Splits the value arg of option opt, "A,B,...", into *list (*n names; one malloc'd block,
 * names inside it: free(*list) releases all; a previous *list is freed first). A name may be
 * in double quotes as in a CSV header (commas inside, "" for a quote). Returns 0, or
 * PT_EXIT_USAGE after printing why (an empty name; a quote not closed or followed by more
 * than a comma; out of memory). */
int pt_opt_names(const char *opt, const char *arg, const char ***list, size_t *n);

/* States on stderr the separator of the CSV file path when it was detected (given 0, no
 * --sep) and is not a comma, unless quiet: one line. */
void pt_sep_note(const char *path, const pt_dataset_t *ds, char given, int quiet);

#endif
