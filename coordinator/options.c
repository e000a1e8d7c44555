/* options.c - parsing and checking the options of `paratune tune`.
 *
 * Every option is checked here, before any file is read or written; a bad one gets one line
 * on stderr naming it and exit code 2.
 */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pt_common.h"
#include "pt_cpus.h"
#include "pt_csv.h"
#include "pt_link.h"
#include "cluster.h"


static void tune_usage(FILE *f)
{
    fputs(
        "usage: paratune tune --data FILE --pipeline STAGE[,STAGE...] [options]\n"
        "  --data FILE            CSV with a header row, or LIBSVM text\n"
        "  --format auto|csv|libsvm   input format (default auto)\n"
        "  --label NAME           label column (default label)\n"
        "  --features COL,...     the feature columns (in the file's order; default: every\n"
        "                         column but the label, the fold and the weight column)\n"
        "  --weight-col NAME      row weights (Spark's weightCol: numbers >= 0) for the\n"
        "                         predictor's fit and the evaluator\n"
        "  --ignore COL,...       columns that are not features (not read at all)\n"
        "  --categorical COL,...  categorical feature columns (values are category strings;\n"
        "                         the pipeline must start with stringIndexer)\n"
        "  --sep auto|,|;|tab|'|'  CSV field separator (default auto: from the header)\n"
        "  --missing TOKENS       what marks a missing value besides an empty field, comma\n"
        "                         separated, any case (default NA,NaN,null; \"\" for none)\n"
        "  --pipeline STAGES      e.g. pca,linearRegression (stages: pca, standardScaler,\n"
        "                         linearRegression, logisticRegression, decisionTreeClassifier,\n"
        "                         decisionTreeRegressor, randomForestClassifier,\n"
        "                         randomForestRegressor)\n"
        "  --grid S.P=V1,V2,...   a grid axis (repeatable; last axis varies fastest)\n"
        "  --set S.P=V            fix a param for every map (repeatable)\n"
        "  --random S.P=DIST      random search: uniform:LO:HI, loguniform:LO:HI, choice:A,B\n"
        "  --samples N            random draws (param maps) per grid point, with --random\n"
        "  --validator cv|tvs     cross-validation (default) or train/validation split\n"
        "  --folds K              cv folds, >= 2 (default 3)\n"
        "  --fold-col NAME        take cv folds from an integer column (0..K-1)\n"
        "  --train-ratio R        tvs training share, in (0,1) (default 0.75)\n"
        "  --seed N               split seed (default 0)\n"
        "  --stratify             folds keep the class proportions (classification)\n"
        "  --evaluator E          regression (default), binary, multiclass\n"
        "  --metric M[,M...]      regression: rmse (default), mse, r2, mae, var;\n"
        "                         binary: areaUnderROC (default), areaUnderPR;\n"
        "                         multiclass: f1 (default), accuracy, weightedPrecision,\n"
        "                         weightedRecall, logLoss, hammingLoss; several (one\n"
        "                         evaluator's): each job computes them all, logged\n"
        "  --refit-metric M       the metric that chooses the best map (default: the first)\n"
        "  --select best|one-se   the chosen map: the best average (default), or the most\n"
        "                         regularized map within one standard error of it (cv)\n"
        "  --num-bins N           binary evaluator's numBins (default 1000; 0 = exact)\n"
        "  --parallelism N        most jobs outstanding at once, >= 1 (default 1)\n"
        "  --threads-per-job T    OpenBLAS and tree-learner threads per worker, >= 1\n"
        "                         (default 1)\n"
        "  --pin-cpus auto|on|off|LIST   pin each worker to its own CPU(s) and the\n"
        "                         coordinator to the first (auto, the default: when\n"
        "                         parallelism x threads-per-job >= usable CPUs, or\n"
        "                         parallelism 1); LIST: 0-3,8\n"
        "  --max-retries N        retries of a job whose worker died (default 2)\n"
        "  --job-timeout SECONDS  kill a job's worker after this long; status timeout\n"
        "  --heartbeat SECONDS    ping workers this often; one silent for 3 pings (stopped,\n"
        "                         disconnected) is killed, its job retried (default 10; 0 off)\n"
        "  --start-timeout SECONDS  kill a worker that has not connected after this long\n"
        "                         (default 60; 0 off); with --listen: fail when no agent\n"
        "                         is ready for this long while jobs wait\n"
        "  --listen tcp://ADDR:PORT  run every job on paratune-agents that connect here\n"
        "                         (CURVE; no local worker); needs --key\n"
        "  --key FILE             the sweep's key file (made when missing, mode 0600;\n"
        "                         paratune keygen FILE); agents get the same file\n"
        "  --cluster slurm        inside a Slurm allocation: listen on a free port with a\n"
        "                         key of this sweep, start one agent per node with srun\n"
        "  --worker-memory SIZE   cap each worker's private memory (e.g. 512M, 4G)\n"
        "  --max-memory SIZE      memory the sweep may plan to use (default: what the\n"
        "                         system has available; see README, Limits)\n"
        "  --max-fits N           most fits (param maps x folds) run (default 1000000)\n"
        "  --time-budget DURATION no fit starts after DURATION (30s, 2m, 1h) from the\n"
        "                         start; the best among maps with every fold done\n"
        "  --race                 drop the remaining folds of maps that lost (paired\n"
        "                         t-test against the leader, p < 0.01; README, Racing)\n"
        "  --race-min-folds N     folds a map has done before it is judged (default 2)\n"
        "  --search grid|halving  every map on every row, or successive halving (as\n"
        "                         HalvingGridSearchCV; README, Successive halving)\n"
        "  --halving-factor N     keep the best 1/N of a rung's maps (default 3)\n"
        "  --min-resources N|exhaust  the first rung's resource (default exhaust)\n"
        "  --resource rows|maxIter|numTrees  what a rung grows (default rows)\n"
        "  --resume               finish the sweep recorded in --log\n"
        "  --extend               run this (larger) grid on top of the sweep in --log:\n"
        "                         reuse its results, fit only the new (map, fold) jobs\n"
        "  --log FILE             msgpack result log (refuses an existing file)\n"
        "  --overwrite            replace an existing --log file\n"
        "  --model-out FILE       write the refit best pipeline (msgpack)\n"
        "  --oof FILE             the best map's out-of-fold predictions (CSV, cv only)\n"
        "  --oof-all              --oof for every map (a long table with param_index)\n"
        "  --keep COL,...         columns copied into the --oof file (ids)\n"
        "  --keep-fold-models DIR each (map, fold) model as DIR/map<M>_fold<F>.ptm\n"
        "  --no-cache             recompute per-fold moments in every job\n"
        "  --image-cache DIR|auto keep the parsed image in DIR (auto: $XDG_CACHE_HOME/\n"
        "                         paratune); a later run on the same data maps it\n"
        "  --no-prefix-sharing    one job per numTrees / maxIter value (no sharing)\n"
        "  --path on|off          regularization paths: one job walks a fold's regParam\n"
        "                         values from the largest down, warm-started (default off)\n"
        "  --quiet                no progress on stderr\n",
        f);
}

int pt_bad_opt(const char *opt, const char *arg, const char *why)
{
    fprintf(stderr, "paratune: %s%s%s: %s\n", opt, arg ? " " : "", arg ? arg : "", why);
    return PT_EXIT_USAGE;
}

int pt_opt_fail(int c, char *const argv[], const char *unknown)
{
    if (c == ':')
        fprintf(stderr, "paratune: %s: needs a value\n", argv[optind - 1]);
    else
        fprintf(stderr, "paratune: %s: unknown option %s\n", argv[optind - 1], unknown);
    return PT_EXIT_USAGE;
}

int pt_opt_names(const char *opt, const char *arg, const char ***list, size_t *n)
{
    size_t len = strlen(arg), cnt = 1, i = 0;
    const char *p = arg, *why = NULL;
    char *out;
    const char **v;
    for (const char *q = arg; *q; q++)
        cnt += *q == ',';
    free(*list);
    *list = NULL;
    *n = 0;
    v = malloc(cnt * sizeof *v + len + 1);
    if (v == NULL)
        return pt_bad_opt(opt, arg, "out of memory");
    out = (char *)(v + cnt);
    for (;;) {
        char *name = out;
        if (*p == '"') { /* as a CSV header quotes it: commas inside, "" for a quote */
            for (p++; *p != '\0' && (*p != '"' || p[1] == '"'); p++) {
                *out++ = *p;
                p += *p == '"';
            }
            if (*p != '"')
                why = "an unterminated quote";
            else if (*++p != '\0' && *p != ',')
                why = "text after a closing quote (a name with a comma or a quote is given "
                      "in double quotes, \"\" for a quote)";
        } else {
            while (*p != '\0' && *p != ',')
                *out++ = *p++;
        }
        *out++ = '\0';
        if (why == NULL && *name == '\0')
            why = "an empty column name (names are separated by commas)";
        if (why != NULL) {
            free(v);
            return pt_bad_opt(opt, arg, why);
        }
        v[i++] = name;
        if (*p++ == '\0')
            break;
    }
    *list = v;
    *n = i;
    return 0;
}

/* "512M" -> bytes; binary suffixes K, M, G, T (optionally followed by B or iB); "1e6" and
 * "1.5G" too. "1E" is the number 1 with an unfinished exponent, not a suffix: refused. */
static int parse_size(const char *s, unsigned long long *out)
{
    char num[64];
    const char *end = s + strspn(s, "0123456789.eE+-");
    double v;
    unsigned long long mul = 1;
    /* the number before the suffix in plain decimal (no blanks, hexadecimal, inf, nan) */
    if ((size_t)(end - s) >= sizeof num)
        return -EINVAL;
    memcpy(num, s, (size_t)(end - s));
    num[end - s] = '\0';
    if (pt_parse_double(num, &v) != 0 || !(v >= 0))
        return -EINVAL;
    switch (*end) {
    case 'k': case 'K': mul = 1ULL << 10; end++; break;
    case 'm': case 'M': mul = 1ULL << 20; end++; break;
    case 'g': case 'G': mul = 1ULL << 30; end++; break;
    case 't': case 'T': mul = 1ULL << 40; end++; break;
    default: break;
    }
    if (mul > 1 && (strcmp(end, "B") == 0 || strcmp(end, "iB") == 0))
        end += strlen(end);
    if (*end != '\0' || v * (double)mul > 1e18)
        return -EINVAL;
    *out = (unsigned long long)(v * (double)mul);
    return 0;
}

enum { O_DATA = 256, O_FORMAT, O_LABEL, O_PIPE, O_GRID, O_SET, O_VALID, O_FOLDS, O_FOLDCOL,
       O_RATIO, O_SEED, O_EVAL, O_METRIC, O_PAR, O_THREADS, O_RETRY, O_LOG, O_OVER, O_MODEL,
       O_NOCACHE, O_NOPREFIX, O_QUIET, O_HELP, O_TIMEOUT, O_MEM, O_RESUME, O_RANDOM, O_SAMPLES, O_BINS,
       O_STRAT, O_PIN, O_FEATURES, O_IGNORE, O_SEP, O_CAT, O_MISSING, O_WEIGHT, O_MAXMEM,
       O_MAXFITS };
/* Groups numbered apart from the list above (and from each other), all below O_DATA + 128,
 * the size of the table pt_opt_once checks repeats in. */
/* the options of stalled workers (sweep.h) */
enum { O_HEARTBEAT = O_DATA + 100, O_START_TIMEOUT };
/* the time budget and racing */
enum { O_BUDGET = O_DATA + 104, O_RACE, O_RACE_MIN };
/* --oof, --oof-all, --keep-fold-models, --keep (out-of-fold predictions, fold models) */
enum { O_OOF = O_DATA + 110, O_OOF_ALL, O_KEEP_FOLDS, O_KEEP };
/* --select, --refit-metric */
enum { O_SELECT = O_DATA + 120, O_REFIT_METRIC };
enum { O_EXTEND = O_DATA + 124 }; /* --extend */
/* --search, --halving-factor, --min-resources, --resource (successive halving) */
enum { O_SEARCH = O_DATA + 128, O_HFACTOR, O_MINRES, O_RESOURCE };
enum { O_PATH = O_DATA + 93 }; /* --path */
enum { O_IMAGE_CACHE = O_DATA + 126 }; /* --image-cache */
enum { O_LISTEN = O_DATA + 132, O_KEY }; /* --listen, --key (node agents) */
enum { O_CLUSTER = O_DATA + 108 };         /* --cluster slurm (cluster.h) */
#define O_END (O_DATA + 136)

static const struct option long_opts[] = {
    {"data", required_argument, NULL, O_DATA},
    {"format", required_argument, NULL, O_FORMAT},
    {"label", required_argument, NULL, O_LABEL},
    {"pipeline", required_argument, NULL, O_PIPE},
    {"grid", required_argument, NULL, O_GRID},
    {"set", required_argument, NULL, O_SET},
    {"validator", required_argument, NULL, O_VALID},
    {"folds", required_argument, NULL, O_FOLDS},
    {"fold-col", required_argument, NULL, O_FOLDCOL},
    {"train-ratio", required_argument, NULL, O_RATIO},
    {"seed", required_argument, NULL, O_SEED},
    {"evaluator", required_argument, NULL, O_EVAL},
    {"metric", required_argument, NULL, O_METRIC},
    {"parallelism", required_argument, NULL, O_PAR},
    {"threads-per-job", required_argument, NULL, O_THREADS},
    {"max-retries", required_argument, NULL, O_RETRY},
    {"log", required_argument, NULL, O_LOG},
    {"overwrite", no_argument, NULL, O_OVER},
    {"model-out", required_argument, NULL, O_MODEL},
    {"no-cache", no_argument, NULL, O_NOCACHE},
    {"no-prefix-sharing", no_argument, NULL, O_NOPREFIX},
    {"path", required_argument, NULL, O_PATH},
    {"quiet", no_argument, NULL, O_QUIET},
    {"help", no_argument, NULL, O_HELP},
    {"job-timeout", required_argument, NULL, O_TIMEOUT},
    {"heartbeat", required_argument, NULL, O_HEARTBEAT},
    {"start-timeout", required_argument, NULL, O_START_TIMEOUT},
    {"listen", required_argument, NULL, O_LISTEN},
    {"key", required_argument, NULL, O_KEY},
    {"cluster", required_argument, NULL, O_CLUSTER},
    {"worker-memory", required_argument, NULL, O_MEM},
    {"resume", no_argument, NULL, O_RESUME},
    {"extend", no_argument, NULL, O_EXTEND},
    {"random", required_argument, NULL, O_RANDOM},
    {"samples", required_argument, NULL, O_SAMPLES},
    {"num-bins", required_argument, NULL, O_BINS},
    {"stratify", no_argument, NULL, O_STRAT},
    {"pin-cpus", required_argument, NULL, O_PIN},
    {"features", required_argument, NULL, O_FEATURES},
    {"ignore", required_argument, NULL, O_IGNORE},
    {"sep", required_argument, NULL, O_SEP},
    {"categorical", required_argument, NULL, O_CAT},
    {"missing", required_argument, NULL, O_MISSING},
    {"weight-col", required_argument, NULL, O_WEIGHT},
    {"max-memory", required_argument, NULL, O_MAXMEM},
    {"max-fits", required_argument, NULL, O_MAXFITS},
    {"time-budget", required_argument, NULL, O_BUDGET},
    {"race", no_argument, NULL, O_RACE},
    {"race-min-folds", required_argument, NULL, O_RACE_MIN},
    {"oof", required_argument, NULL, O_OOF},
    {"oof-all", no_argument, NULL, O_OOF_ALL},
    {"keep-fold-models", required_argument, NULL, O_KEEP_FOLDS},
    {"keep", required_argument, NULL, O_KEEP},
    {"image-cache", required_argument, NULL, O_IMAGE_CACHE},
    {"select", required_argument, NULL, O_SELECT},
    {"refit-metric", required_argument, NULL, O_REFIT_METRIC},
    {"search", required_argument, NULL, O_SEARCH},
    {"halving-factor", required_argument, NULL, O_HFACTOR},
    {"min-resources", required_argument, NULL, O_MINRES},
    {"resource", required_argument, NULL, O_RESOURCE},
    {NULL, 0, NULL, 0}};

/* The integer options: each a range and the line that refuses a value outside it. */
static const struct {
    int code;
    const char *name;
    long lo, hi;
    size_t off; /* of the long in opts_t */
    const char *why;
} int_opts[] = {
    {O_FOLDS, "--folds", 2, 1000000, offsetof(opts_t, folds), "numFolds must be an integer >= 2"},
    {O_PAR, "--parallelism", 1, 4096, offsetof(opts_t, parallelism),
     "must be an integer in [1, 4096]"},
    {O_THREADS, "--threads-per-job", 1, 1024, offsetof(opts_t, threads),
     "must be an integer in [1, 1024]"},
    {O_RETRY, "--max-retries", 0, 100, offsetof(opts_t, max_retries),
     "must be an integer in [0, 100]"},
    {O_SAMPLES, "--samples", 1, 10000000, offsetof(opts_t, samples),
     "must be an integer in [1, 10000000]"},
    {O_BINS, "--num-bins", 0, 100000000, offsetof(opts_t, num_bins),
     "numBins must be an integer >= 0"},
    {O_MAXFITS, "--max-fits", 1, 1000000000000L, offsetof(opts_t, max_fits),
     "must be an integer in [1, 10^12]"},
    {O_HFACTOR, "--halving-factor", 2, 1000000, offsetof(opts_t, halving_factor),
     "must be an integer in [2, 1000000]"},
};

/* Sets an integer option of the table. Returns 1 when c is not one, 0 when set, or
 * PT_EXIT_USAGE after printing why the value is refused. */
static int int_opt(opts_t *o, int c, const char *arg)
{
    for (size_t i = 0; i < sizeof int_opts / sizeof *int_opts; i++) {
        long v;
        if (int_opts[i].code != c)
            continue;
        if (pt_parse_long(arg, &v) != 0 || v < int_opts[i].lo || v > int_opts[i].hi)
            return pt_bad_opt(int_opts[i].name, arg, int_opts[i].why);
        *(long *)((char *)o + int_opts[i].off) = v;
        o->folds_given |= c == O_FOLDS;
        return 0;
    }
    return 1;
}

/* --image-cache DIR|auto: a directory (made when missing) or auto; "" and an existing
 * non-directory are refused. */
static int image_cache_opt(opts_t *o, const char *arg)
{
    struct stat st;
    if (arg[0] == '\0')
        return pt_bad_opt("--image-cache", NULL, "an empty directory name (a directory, or "
                          "auto)");
    if (strcmp(arg, "auto") != 0 && stat(arg, &st) == 0 && !S_ISDIR(st.st_mode))
        return pt_bad_opt("--image-cache", arg, "is not a directory");
    o->image_cache = arg;
    return 0;
}

/* --pin-cpus auto|on|off|LIST. */
static int pin_opt(opts_t *o, const char *arg)
{
    static const struct {
        const char *name;
        int pin;
    } modes[] = {{"auto", PT_PIN_AUTO}, {"off", PT_PIN_OFF}, {"on", PT_PIN_ON}};
    int usable[PT_CPUS_MAX], nu, n;
    char err[PT_ERRLEN];
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++)
        if (strcmp(arg, modes[i].name) == 0) {
            o->pin = modes[i].pin;
            o->ncpus = 0;
            return 0;
        }
    nu = pt_cpus_usable(usable, PT_CPUS_MAX);
    n = pt_cpus_parse(arg, usable, nu, o->cpus, PT_CPUS_MAX, err);
    if (n < 0)
        return pt_bad_opt("--pin-cpus", arg, err);
    o->pin = PT_PIN_ON;
    o->ncpus = n;
    return 0;
}

/* --heartbeat and --start-timeout: seconds in [0, 1 day], 0 turning the check off, a
 * non-zero value at least a millisecond (ZeroMQ's unit). */
static int seconds_opt(const char *opt, const char *arg, double *out)
{
    double d;
    if (pt_parse_double(arg, &d) != 0 || !(d == 0 || (d >= 0.001 && d <= 86400)))
        return pt_bad_opt(opt, arg, "must be a number of seconds in [0.001, 86400], or 0 "
                          "for none");
    *out = d;
    return 0;
}

/* --time-budget DURATION: a number > 0 (decimals allowed) followed by s, m or h. */
static int budget_opt(opts_t *o, const char *arg)
{
    size_t len = strlen(arg);
    double d, mul = 0;
    char num[64];
    if (len >= 2 && len < sizeof num) {
        mul = arg[len - 1] == 's' ? 1 : arg[len - 1] == 'm' ? 60 : arg[len - 1] == 'h' ? 3600 : 0;
        memcpy(num, arg, len - 1);
        num[len - 1] = '\0';
    }
    if (mul == 0 || pt_parse_double(num, &d) != 0 || !(d > 0) || d * mul > 1e9)
        return pt_bad_opt("--time-budget", arg, "must be a duration > 0 with a unit: s, m or h "
                          "(e.g. 90s, 2m, 1.5h)");
    o->time_budget = d * mul;
    return 0;
}

/* --race-min-folds N: an integer >= 2 (at most the folds: checked with them). */
static int race_min_opt(opts_t *o, const char *arg)
{
    long v;
    if (pt_parse_long(arg, &v) != 0 || v < 2 || v > 1000000)
        return pt_bad_opt("--race-min-folds", arg, "must be an integer >= 2 (and <= the folds)");
    o->race_min_folds = v;
    return 0;
}

/* --search grid|halving, --min-resources N|exhaust, --resource rows|maxIter|numTrees. 1 when
 * c is none of them, else as value_opt. */
static int halving_opt(opts_t *o, int c, const char *arg)
{
    long v;
    switch (c) {
    case O_SEARCH:
        if (strcmp(arg, "grid") != 0 && strcmp(arg, "halving") != 0)
            return pt_bad_opt("--search", arg, "expected grid or halving");
        o->halving = strcmp(arg, "halving") == 0;
        return 0;
    case O_MINRES:
        if (strcmp(arg, "exhaust") == 0)
            return 0;
        if (pt_parse_long(arg, &v) != 0 || v < 1 || v > 1000000000000L)
            return pt_bad_opt("--min-resources", arg, "expected an integer >= 1 or exhaust");
        o->min_resources = v;
        return 0;
    case O_RESOURCE:
        if (strcmp(arg, "rows") != 0 && strcmp(arg, "maxIter") != 0 &&
            strcmp(arg, "numTrees") != 0)
            return pt_bad_opt("--resource", arg, "expected rows, maxIter or numTrees");
        o->resource = arg;
        return 0;
    default:
        return 1;
    }
}

/* The options that take a value needing more than a range check. */
static int value_opt(opts_t *o, int c, const char *arg)
{
    double d;
    char *end;
    switch (c) {
    case O_FORMAT:
        if (strcmp(arg, "auto") == 0) o->format = PT_FMT_AUTO;
        else if (strcmp(arg, "csv") == 0) o->format = PT_FMT_CSV;
        else if (strcmp(arg, "libsvm") == 0) o->format = PT_FMT_LIBSVM;
        else return pt_bad_opt("--format", arg, "expected auto, csv or libsvm");
        return 0;
    case O_VALID:
        if (pt_validator_parse(arg, &o->validator) != 0)
            return pt_bad_opt("--validator", arg, "expected cv or tvs");
        return 0;
    case O_RATIO:
        if (pt_parse_double(arg, &d) != 0 || !(d > 0.0 && d < 1.0))
            return pt_bad_opt("--train-ratio", arg, "trainRatio must be in (0, 1)");
        o->train_ratio = d;
        o->ratio_given = 1;
        return 0;
    case O_SEED:
        errno = 0;
        o->seed = strtoull(arg, &end, 10);
        /* digits only: strtoull would take blanks and a '-' after them (wrapping around) */
        if (*arg == '\0' || strspn(arg, "0123456789") != strlen(arg) || errno != 0)
            return pt_bad_opt("--seed", arg, "expected an integer in [0, 2^64)");
        return 0;
    case O_TIMEOUT:
        if (pt_parse_double(arg, &d) != 0 || !(d > 0.0) || d > 1e9)
            return pt_bad_opt("--job-timeout", arg, "must be a number of seconds > 0");
        o->job_timeout = d;
        return 0;
    case O_SELECT:
        if (strcmp(arg, "best") != 0 && strcmp(arg, "one-se") != 0)
            return pt_bad_opt("--select", arg, "expected best or one-se");
        o->select_one_se = strcmp(arg, "one-se") == 0;
        return 0;
    case O_LISTEN:
        o->listen = arg;
        return 0;
    case O_KEY:
        o->key = arg;
        return 0;
    case O_CLUSTER:
        o->cluster = arg;
        return 0;
    case O_HEARTBEAT:
        return seconds_opt("--heartbeat", arg, &o->heartbeat);
    case O_START_TIMEOUT:
        return seconds_opt("--start-timeout", arg, &o->start_timeout);
    case O_MEM:
        if (parse_size(arg, &o->worker_memory) != 0 || o->worker_memory < (32ULL << 20))
            return pt_bad_opt("--worker-memory", arg,
                              "must be a size of at least 32M (bytes, or with K, M, G, T)");
        return 0;
    case O_MAXMEM:
        if (parse_size(arg, &o->max_memory) != 0 || o->max_memory < (1ULL << 20))
            return pt_bad_opt("--max-memory", arg,
                              "must be a size of at least 1M (bytes, or with K, M, G, T)");
        return 0;
    case O_PIN:
        return pin_opt(o, arg);
    case O_PATH:
        if (strcmp(arg, "on") != 0 && strcmp(arg, "off") != 0)
            return pt_bad_opt("--path", arg, "expected on or off");
        o->path = strcmp(arg, "on") == 0;
        return 0;
    case O_BUDGET:
        return budget_opt(o, arg);
    case O_RACE:
        o->race = 1;
        return 0;
    case O_RACE_MIN:
        return race_min_opt(o, arg);
    case O_FEATURES:
        return pt_opt_names("--features", arg, &o->features, &o->nfeatures);
    case O_IGNORE:
        return pt_opt_names("--ignore", arg, &o->ignore, &o->nignore);
    case O_CAT:
        return pt_opt_names("--categorical", arg, &o->categorical, &o->ncategorical);
    case O_OOF: o->oof = arg; return 0;
    case O_OOF_ALL: o->oof_all = 1; return 0;
    case O_KEEP_FOLDS: o->fold_models = arg; return 0;
    case O_KEEP:
        return pt_opt_names("--keep", arg, &o->keep, &o->nkeep);
    case O_IMAGE_CACHE:
        return image_cache_opt(o, arg);
    case O_MISSING:
        o->missing = arg;
        return pt_missing_opt(arg);
    case O_SEP:
        if (pt_csv_parse_sep(arg, &o->sep) != 0)
            return pt_bad_opt("--sep", arg, "expected auto, ',', ';', tab or '|'");
        return 0;
    case O_SEARCH:
    case O_MINRES:
    case O_RESOURCE:
        return halving_opt(o, c, arg);
    default:
        return int_opt(o, c, arg);
    }
}

int pt_opt_once(unsigned char *seen, size_t nseen, int c, const struct option *opts,
                const char *arg, const char *why)
{
    if (c < 0 || (size_t)c >= nseen || c == ':' || c == '?')
        return 0;
    if (seen[c]++ == 0)
        return 0;
    for (size_t i = 0; opts[i].name != NULL; i++)
        if (opts[i].val == c) {
            char name[64];
            snprintf(name, sizeof name, "--%s", opts[i].name);
            return pt_bad_opt(name, arg, why);
        }
    return 0;
}

/* One option c (with its value arg). Returns 0, -1 after --help, or PT_EXIT_USAGE after
 * printing why. */
static int one_opt(opts_t *o, int c, char *arg, char **argv)
{
    int rc;
    switch (c) {
    case O_DATA: o->data = arg; break;
    case O_LABEL: o->label = arg; break;
    case O_PIPE: o->pipeline = arg; break;
    case O_GRID: o->grid[o->ngrid++] = arg; break;
    case O_SET: o->set[o->nset++] = arg; break;
    case O_FOLDCOL: o->fold_col = arg; break;
    case O_WEIGHT: o->weight_col = arg; break;
    case O_EVAL: o->evaluator = arg; break;
    case O_METRIC: o->metric = arg; break;
    case O_REFIT_METRIC: o->refit_metric = arg; break;
    case O_LOG: o->log = arg; break;
    case O_OVER: o->overwrite = 1; break;
    case O_MODEL: o->model_out = arg; break;
    case O_NOCACHE: o->no_cache = 1; break;
    case O_NOPREFIX: o->no_prefix_sharing = 1; break;
    case O_QUIET: o->quiet = 1; break;
    case O_RESUME: o->resume = 1; break;
    case O_EXTEND: o->extend = 1; break;
    case O_RANDOM: o->random[o->nrandom++] = arg; break;
    case O_STRAT: o->stratify = 1; break;
    case O_HELP: tune_usage(stdout); return -1;
    case ':':
        return pt_opt_fail(c, argv, "");
    default:
        if ((rc = value_opt(o, c, arg)) != 1)
            return rc;
        return pt_opt_fail(c, argv, "(paratune tune --help)");
    }
    return 0;
}

/* --search halving with the other options: what it cannot be combined with. */
static int check_halving(const opts_t *o)
{
    const char *opt = o->halving_factor > 0 ? "--halving-factor"
                      : o->min_resources > 0 ? "--min-resources"
                      : o->resource != NULL ? "--resource" : NULL;
    if (!o->halving)
        return opt != NULL ? pt_bad_opt(opt, NULL, "applies to --search halving only") : 0;
    if (o->race)
        return pt_bad_opt("--search", "halving", "and --race contradict each other (give one: "
                          "both drop maps early)");
    if (o->extend)
        return pt_bad_opt("--search", "halving", "cannot --extend a sweep (a rung's maps "
                          "depend on every map of the rung before)");
    if (o->time_budget > 0)
        return pt_bad_opt("--search", "halving", "and --time-budget: not supported together");
    if (o->select_one_se)
        return pt_bad_opt("--select", "one-se", "applies to a grid sweep, not --search halving");
    return 0;
}

/* The checks of options taken together, once all are read. */
/* --listen and --key go together; the URL must be a tcp one (--job-timeout and --time-budget
 * work with agents: the coordinator cancels the jobs, the agents kill their workers). */
static int check_listen(const opts_t *o)
{
    char err[PT_ERRLEN];
    if (o->listen == NULL && o->key != NULL)
        return pt_bad_opt("--key", NULL, "needs --listen tcp://ADDR:PORT");
    if (o->listen == NULL)
        return 0;
    if (o->key == NULL)
        return pt_bad_opt("--listen", NULL, "needs --key FILE (paratune keygen FILE makes one)");
    if (pt_link_url_check(o->listen, 1, err) != 0)
        return pt_bad_opt("--listen", NULL, err);
    return 0;
}

static int check_combination(const opts_t *o)
{
    int rc;
    if (o->data == NULL)
        return pt_bad_opt("--data", NULL, "is required");
    if (o->pipeline == NULL)
        return pt_bad_opt("--pipeline", NULL, "is required (e.g. pca,linearRegression)");
    if (o->features != NULL && o->ignore != NULL)
        return pt_bad_opt("--features", NULL, "and --ignore contradict each other (give one)");
    if (o->validator == PT_VALIDATOR_TVS) {
        if (o->folds_given)
            return pt_bad_opt("--folds", NULL, "applies to --validator cv only");
        if (o->fold_col != NULL)
            return pt_bad_opt("--fold-col", o->fold_col, "applies to --validator cv only");
    } else if (o->ratio_given) {
        return pt_bad_opt("--train-ratio", NULL, "applies to --validator tvs only");
    }
    if (o->select_one_se && o->validator == PT_VALIDATOR_TVS)
        return pt_bad_opt("--select", "one-se", "needs --validator cv (tvs has one split, so "
                          "no standard error)");
    if (o->nrandom > 0 && o->samples == 0)
        return pt_bad_opt("--random", o->random[0], "needs --samples N (maps to draw)");
    if (o->nrandom == 0 && o->samples > 0)
        return pt_bad_opt("--samples", NULL, "applies to --random only");
    if (o->stratify && o->fold_col != NULL)
        return pt_bad_opt("--stratify", NULL, "and --fold-col contradict each other");
    if (o->sep != 0 && o->format == PT_FMT_LIBSVM)
        return pt_bad_opt("--sep", NULL, "applies to CSV, not --format libsvm");
    if (o->missing != NULL && o->format == PT_FMT_LIBSVM)
        return pt_bad_opt("--missing", NULL, "applies to CSV, not --format libsvm");
    if (o->weight_col != NULL && o->format == PT_FMT_LIBSVM)
        return pt_bad_opt("--weight-col", NULL, "applies to CSV, not --format libsvm");
    if (o->weight_col != NULL && o->weight_col[0] == '\0')
        return pt_bad_opt("--weight-col", NULL, "an empty column name");
    if (o->race && o->validator == PT_VALIDATOR_TVS)
        return pt_bad_opt("--race", NULL, "needs --validator cv (tvs has one split: nothing "
                          "to race across)");
    if (o->race_min_folds > 0 && !o->race)
        return pt_bad_opt("--race-min-folds", NULL, "applies to --race only");
    if (o->race && o->select_one_se)
        return pt_bad_opt("--select", "one-se", "and --race contradict each other (one-se "
                          "weighs every map within a standard error; racing drops maps early)");
    if (o->race && o->fold_col == NULL && o->race_min_folds > o->folds)
        return pt_bad_opt("--race-min-folds", NULL, "is more than --folds");
    if (o->resume && o->log == NULL)
        return pt_bad_opt("--resume", NULL, "needs --log FILE (the log of the sweep to finish)");
    if (o->resume && o->overwrite)
        return pt_bad_opt("--resume", NULL, "and --overwrite contradict each other");
    if (o->extend && o->log == NULL)
        return pt_bad_opt("--extend", NULL, "needs --log FILE (the log of the sweep to extend)");
    if (o->extend && (o->overwrite || o->resume))
        return pt_bad_opt("--extend", NULL, o->overwrite ? "and --overwrite contradict each other"
                                                          : "and --resume: give one (--extend "
                                                            "also finishes the sweep)");
    if (o->log != NULL && o->model_out != NULL && strcmp(o->log, o->model_out) == 0)
        return pt_bad_opt("--model-out", o->model_out, "is the same file as --log");
    if (check_listen(o) != 0)
        return PT_EXIT_USAGE;
    if (o->oof_all && o->oof == NULL)
        return pt_bad_opt("--oof-all", NULL, "needs --oof FILE");
    if (o->keep != NULL && o->oof == NULL)
        return pt_bad_opt("--keep", NULL, "applies to --oof only");
    if (o->keep != NULL && o->categorical != NULL)
        return pt_bad_opt("--keep", NULL, "is not supported with --categorical yet");
    if ((rc = check_halving(o)) != 0)
        return rc;
    if (o->keep != NULL && o->image_cache != NULL)
        return pt_bad_opt("--image-cache", NULL, "is not supported with --keep yet (the kept "
                          "columns' text is not in the image)");
    if ((o->oof != NULL || o->fold_models != NULL) && o->validator == PT_VALIDATOR_TVS)
        return pt_bad_opt(o->oof != NULL ? "--oof" : "--keep-fold-models", NULL,
                          "needs --validator cv (a train-validation split has one model, "
                          "which predicts only the validation rows)");
    return 0;
}

int pt_opts_parse(int argc, char **argv, opts_t *o)
{
    unsigned char seen[O_END] = {0};
    int c, rc;

    memset(o, 0, sizeof *o);
    o->argc = argc;
    o->argv = argv;
    o->label = "label";
    o->validator = PT_VALIDATOR_CV;
    o->evaluator = "regression";
    o->folds = 3;
    o->train_ratio = 0.75;
    o->parallelism = 1;
    o->threads = 1;
    o->max_retries = 2;
    o->heartbeat = 10;
    o->start_timeout = 60;
    o->num_bins = 1000;
    o->max_fits = PT_MAX_FITS_DEFAULT;
    o->grid = calloc((size_t)argc, sizeof *o->grid);
    o->set = calloc((size_t)argc, sizeof *o->set);
    o->random = calloc((size_t)argc, sizeof *o->random);
    o->cpus = malloc(PT_CPUS_MAX * sizeof *o->cpus);
    if (o->grid == NULL || o->set == NULL || o->random == NULL || o->cpus == NULL)
        return pt_bad_opt("paratune:", NULL, "out of memory");
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", long_opts, NULL)) != -1)
        if ((c != O_GRID && c != O_SET && c != O_RANDOM &&
             (rc = pt_opt_once(seen, sizeof seen, c, long_opts, optarg,
                               "given twice (only --grid, --set and --random are "
                               "repeatable)")) != 0) ||
            (rc = one_opt(o, c, optarg, argv)) != 0)
            return rc;
    if (optind < argc)
        return pt_bad_opt(argv[optind], NULL, "unexpected argument (paratune tune --help)");
    o->nusable = pt_cpus_count();
    if (o->ncpus == 0) /* no list given: every usable CPU, ascending */
        o->ncpus = pt_cpus_usable(o->cpus, PT_CPUS_MAX);
    /* --cluster fills in --listen and --key, which the checks then take as given */
    if (o->cluster != NULL && pt_cluster_setup(o->cluster, &o->listen, &o->key) != 0)
        return PT_EXIT_USAGE;
    return check_combination(o);
}

int pt_opts_pinned(const opts_t *o)
{
    /* auto: the sweep has the machine, or it is one worker, which then shares the first CPU
     * with the coordinator (every message a wake-up on the same CPU: 2x the jobs/s) */
    if (o->pin == PT_PIN_AUTO)
        return o->parallelism * o->threads >= o->nusable || o->parallelism == 1;
    return o->pin == PT_PIN_ON;
}

void pt_opts_free(opts_t *o)
{
    free(o->cpus);
    o->cpus = NULL;
    free(o->grid);
    free(o->set);
    free(o->random);
    o->grid = o->set = o->random = NULL;
    free(o->features);
    free(o->ignore);
    free(o->categorical);
    o->features = o->ignore = o->categorical = NULL;
    free(o->keep);
    o->keep = NULL;
}

int pt_missing_opt(const char *arg)
{
    char err[PT_ERRLEN];
    if (pt_csv_check_missing(arg, err) != 0)
        return pt_bad_opt("--missing", arg, err);
    return 0;
}

void pt_sep_note(const char *path, const pt_dataset_t *ds, char given, int quiet)
{
    if (!quiet && given == 0 && ds->format == PT_FMT_CSV && ds->sep != ',')
        fprintf(stderr, "paratune: %s: separator %s (detected from the header; --sep to "
                "choose)\n", path, pt_csv_sep_name(ds->sep));
}
