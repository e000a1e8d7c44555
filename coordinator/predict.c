/* predict.c - `paratune predict`: apply a model file written by `tune --model-out`.
 *
 *   paratune predict --model FILE --data FILE --out FILE|- [--format auto|csv|libsvm]
 *                    [--keep COL,...] [--sep auto|,|;|tab|'|'] [--missing TOKENS]
 *                    [--quiet]
 *
 * The model's pipeline is stored composed into one linear model on the raw features
 * (coefficients r x p, intercepts r), so prediction is one matrix product: the number for a
 * regressor; for a classifier the class, as Spark's LogisticRegressionModel predicts it, and
 * its probabilities. A CSV's columns are picked by name: the loader is given the model's
 * feature names as its feature list, in the model's order (pt_columns), so the file may
 * hold them in any order among other columns, which are not read; LIBSVM stays positional.
 * The output is a CSV, written whole through a temporary file and rename (or through to
 * standard output for "-", a FIFO or a device: pt_file): the --keep columns' text, then "prediction" and, for a binary classifier, "probability" (of class 1), for a
 * multiclass one "probability_0".."_{K-1}".
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "pt_categorical.h"
#include "pt_missing.h"
#include "pt_image.h"
#include "pt_common.h"
#include "pt_cpus.h"
#include "pt_csv.h"
#include "pt_dataset.h"
#include "pt_file.h"
#include "pt_model.h"
#include "tune.h"

/* Writes s as a CSV field: as it is, or in double quotes (doubled inside) when it holds a
 * comma, a quote or a line end, or starts or ends with a blank. */
void pt_predict_put_field(FILE *f, const char *s)
{
    size_t n = strlen(s);
    if (strpbrk(s, ",\"\r\n") == NULL && (n == 0 || (s[0] != ' ' && s[0] != '\t' &&
                                                   s[n - 1] != ' ' && s[n - 1] != '\t'))) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Writes the predictions as CSV through pt_file (a temporary file; "-": standard output):
 * the first nkept kept columns of ds (--keep's; a categorical model's columns follow them),
 * "prediction", then the probability of class 1 for a binomial model or of every class for a
 * multinomial one; only the rows with keep[i] set (the others are dropped: a skipping
 * stringIndexer). */
static int write_predictions(const char *path, const pt_model_t *m, const pt_dataset_t *ds,
                             size_t nkept, const unsigned char *keep, const double *pred,
                             const double *prob, const double *score, char *err)
{
    const char *sname = pt_fitted_score_name(m->fit);
    size_t n = ds->rows;
    size_t K = pt_fitted_classes(m->fit);
    int binary = K == 2 && !pt_fitted_multinomial(m->fit);
    pt_file_t *pf = pt_file_begin(path, err);
    FILE *f = pf != NULL ? pt_file_stream(pf) : NULL;

    if (f == NULL) {
        if (pf != NULL)
            pt_seterr(err, "%s: cannot create: %s", path, strerror(errno));
        pt_file_abort(&pf);
        return -EIO;
    }
    for (size_t k = 0; k < nkept; k++) {
        pt_predict_put_field(f, ds->kept_names[k]);
        fputc(',', f);
    }
    fputs("prediction", f);
    if (binary)
        fputs(",probability", f);
    else
        for (size_t k = 0; k < K; k++)
            fprintf(f, ",probability_%zu", k);
    if (sname != NULL)
        fprintf(f, ",%s", sname);
    fputc('\n', f);
    for (size_t i = 0; i < n; i++) {
        if (!keep[i])
            continue;
        for (size_t k = 0; k < nkept; k++) {
            pt_predict_put_field(f, pt_dataset_kept(ds, i, k));
            fputc(',', f);
        }
        if (m->label_values != NULL && pred[i] >= 0 && pred[i] < (double)m->nlabel_values)
            pt_predict_put_field(f, m->label_values[(size_t)pred[i]]);
        else
            fprintf(f, "%.17g", pred[i]);
        if (binary)
            fprintf(f, ",%.17g", prob[i * 2 + 1]);
        else
            for (size_t k = 0; k < K; k++)
                fprintf(f, ",%.17g", prob[i * K + k]);
        if (sname != NULL)
            fprintf(f, ",%.17g", score[i]);
        fputc('\n', f);
    }
    return pt_file_commit(&pf, 0, err);
}

/* A tree model's featureImportances on stderr, one line: "name value" per tree feature (the
 * numeric features in the model's order, then its categorical columns), as the model file
 * keeps them (pipeline.stages[-1].feature_importances). Nothing for other models. */
static void print_importances(const pt_model_t *m)
{
    size_t n, p_num;
    double *imp = pt_fitted_importances(m->fit, &n);
    if (imp == NULL)
        return;
    p_num = n >= m->ncat ? n - m->ncat : 0;
    fputs("paratune: featureImportances:", stderr);
    for (size_t j = 0; j < n; j++)
        fprintf(stderr, "%s %s %.6g", j ? "," : "",
                j < p_num ? (j < m->nnames ? m->names[j] : "?") : m->cat_names[j - p_num],
                imp[j]);
    fputc('\n', stderr);
    free(imp);
}

/* Whether name is a column predict writes for model m ("prediction", "probability..."). */
static int output_column(const pt_model_t *m, const char *name)
{
    size_t K = pt_fitted_classes(m->fit), k;
    char tail;
    const char *sname = pt_fitted_score_name(m->fit);
    if (strcmp(name, "prediction") == 0 || (sname != NULL && strcmp(name, sname) == 0) ||
        (K == 2 && !pt_fitted_multinomial(m->fit) && strcmp(name, "probability") == 0))
        return 1;
    return K > 0 && !(K == 2 && !pt_fitted_multinomial(m->fit)) &&
           sscanf(name, "probability_%zu%c", &k, &tail) == 1 && k < K;
}

/* A model with categorical columns: its numeric features by name, and its categorical
 * columns read as text with the --keep ones (*cols: that list, which the caller frees; kept[k]
 * the kept index of categorical column k, one of --keep's when it names it too). 0 or
 * -ENOMEM. */
static int categorical_opts(const pt_model_t *m, const char **keep, size_t nkeep,
                            pt_load_opts_t *o, const char ***cols, size_t *kept)
{
    size_t n = nkeep;
    if ((*cols = malloc((nkeep + m->ncat) * sizeof **cols)) == NULL)
        return -ENOMEM;
    for (size_t k = 0; k < nkeep; k++)
        (*cols)[k] = keep[k];
    for (size_t k = 0; k < m->ncat; k++) {
        kept[k] = n;
        for (size_t j = 0; j < nkeep; j++)
            if (strcmp(keep[j], m->cat_names[k]) == 0)
                kept[k] = j;
        if (kept[k] == n)
            (*cols)[n++] = m->cat_names[k];
    }
    o->nfeature_cols = m->cat_first;
    o->keep_cols = *cols;
    o->nkeep_cols = n;
    return 0;
}

/* The model's indicator columns from the categorical columns' text (kept[k]); a value the
 * model does not have follows its stringIndexer's handleInvalid (error: refused; keep: every
 * indicator 0, index numLabels; skip: the same, and the row is dropped, pt_fitted_keep_rows). */
static int apply_categorical(const pt_model_t *m, pt_dataset_t *ds, const char *data,
                             const size_t *kept, const char *missing, char *err)
{
    const pt_value_t *hi = pt_paramlist_get(&m->params, "stringIndexer.handleInvalid");
    int unknown_error = hi == NULL || hi->str == NULL ||
                        (strcmp(hi->str, "keep") != 0 && strcmp(hi->str, "skip") != 0);
    return pt_categorical_apply(ds, data, kept, m->ncat, m->cat_names, m->cat_size,
                                m->names + m->cat_first, missing, unknown_error, err);
}


/* A model whose pipeline has the imputer: each missing value of ds (NaN; its numeric
 * columns, before any categorical indicators, which are never missing) replaced by its
 * column's surrogate, and the model's indicator columns appended as 0 (the value is imputed
 * already). 0 or -ENOMEM with err. */
static int impute_rows(const pt_model_t *m, pt_dataset_t *ds, const double *surr, size_t nmiss,
                       char *err)
{
    size_t p = ds->features, q = p + nmiss;
    double *x = malloc((ds->rows ? ds->rows : 1) * q * sizeof *x);
    char **names = ds->names != NULL ? realloc(ds->names, q * sizeof *names) : NULL;
    if (names != NULL)
        ds->names = names;
    if (x == NULL || (ds->names != NULL && names == NULL)) {
        free(x);
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    for (size_t k = 0; names != NULL && k < nmiss; k++)
        if ((names[p + k] = strdup(m->names[p + k])) == NULL) {
            for (size_t i = 0; i < k; i++)
                free(names[p + i]);
            free(x);
            pt_seterr(err, "out of memory");
            return -ENOMEM;
        }
    pt_missing_fill(ds->x, ds->rows, p, surr, nmiss, x);
    free(ds->x); /* predict's rows are the dataset's own (no place) */
    ds->x = x;
    ds->features = q;
    return 0;
}

/* The rows of data as the model takes them: its numeric features (a missing value filled by
 * an imputer's surrogate), its categorical columns' indicators (kept[k]: their kept index),
 * then the imputer's indicators (0). An owned dataset, or NULL with err. */
static pt_dataset_t *read_rows(const pt_model_t *m, const char *model_path, const char *data,
                               pt_load_opts_t *opts, const size_t *kept, char *err)
{
    size_t nmiss = 0;
    const double *surr = pt_fitted_imputer(m->fit, &nmiss);
    pt_dataset_t *ds;
    if (surr != NULL) {
        opts->impute = 1; /* the imputer fills a missing value of any column */
        if (m->ncat == 0) /* else the numeric columns are the names before cat_first */
            opts->nfeature_cols = opts->features = m->nnames - nmiss;
    }
    if ((ds = pt_dataset_load(data, opts, err)) == NULL)
        return NULL;
    if (m->ncat > 0 && ds->format != PT_FMT_CSV) {
        pt_seterr(err, "%s: the model %s has categorical columns: the data must be CSV", data,
                  model_path);
        pt_dataset_destroy(&ds);
    } else if ((m->ncat > 0 && apply_categorical(m, ds, data, kept, opts->missing, err) != 0) ||
               (surr != NULL && impute_rows(m, ds, surr, nmiss, err) != 0)) {
        pt_dataset_destroy(&ds);
    }
    return ds;
}

int pt_predict_main(int argc, char **argv)
{
    static const struct option lo[] = {{"model", required_argument, NULL, 'm'},
                                       {"data", required_argument, NULL, 'd'},
                                       {"out", required_argument, NULL, 'o'},
                                       {"format", required_argument, NULL, 'f'},
                                       {"keep", required_argument, NULL, 'k'},
                                       {"sep", required_argument, NULL, 's'},
                                       {"missing", required_argument, NULL, 'M'},
                                       {"quiet", no_argument, NULL, 'q'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    const char *model_path = NULL, *data = NULL, *out = NULL, *keep_arg = NULL, **keep = NULL;
    const char **cols = NULL;
    size_t kept[PT_IMAGE_MAX_CAT];
    size_t nkeep = 0;
    pt_load_opts_t opts;
    pt_dataset_t *ds = NULL;
    pt_model_t *m = NULL;
    char err[PT_ERRLEN], src[PT_ERRLEN / 2];
    double *pred = NULL, *prob = NULL, *score = NULL;
    unsigned char *rowkeep = NULL;
    size_t K, nout;
    int c, code = PT_EXIT_USAGE, quiet = 0;
    unsigned char seen[256] = {0};

    memset(&opts, 0, sizeof opts);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
        if (pt_opt_once(seen, sizeof seen, c, lo, optarg, "given twice") != 0)
            return PT_EXIT_USAGE;
        switch (c) {
        case 'm': model_path = optarg; break;
        case 'd': data = optarg; break;
        case 'o': out = optarg; break;
        case 'f':
            if (strcmp(optarg, "csv") == 0) opts.format = PT_FMT_CSV;
            else if (strcmp(optarg, "libsvm") == 0) opts.format = PT_FMT_LIBSVM;
            else if (strcmp(optarg, "auto") != 0)
                return pt_bad_opt("--format", optarg, "expected auto, csv or libsvm");
            break;
        case 'k': keep_arg = optarg; break;
        case 's':
            if (pt_csv_parse_sep(optarg, &opts.sep) != 0)
                return pt_bad_opt("--sep", optarg, "expected auto, ',', ';', tab or '|'");
            break;
        case 'M':
            if (pt_missing_opt(optarg) != 0)
                return PT_EXIT_USAGE;
            opts.missing = optarg;
            break;
        case 'q': quiet = 1; break;
        case 'h':
            puts("usage: paratune predict --model FILE --data FILE --out FILE|- "
                 "[--format auto|csv|libsvm] [--keep COL,...] [--sep auto|,|;|tab|'|'] "
                 "[--missing TOKENS] [--quiet]");
            return PT_EXIT_OK;
        default:
            return pt_opt_fail(c, argv, "of predict");
        }
    }
    if (model_path == NULL || data == NULL || out == NULL)
        return pt_bad_opt("predict:", NULL, "--model, --data and --out are required");
    if (opts.sep != 0 && opts.format == PT_FMT_LIBSVM)
        return pt_bad_opt("--sep", NULL, "applies to CSV, not --format libsvm");
    if (opts.missing != NULL && opts.format == PT_FMT_LIBSVM)
        return pt_bad_opt("--missing", NULL, "applies to CSV, not --format libsvm");
    if (keep_arg != NULL && pt_opt_names("--keep", keep_arg, &keep, &nkeep) != 0)
        return PT_EXIT_USAGE;
    /* before anything is read: --out may not be an input, its directory must take it */
    if (pt_file_check_outputs(&(pt_file_arg_t){"--out", out, 0}, 1,
                              (const pt_file_arg_t[]){{"--model", model_path, 0},
                                                      {"--data", data, 0}},
                              2, err) != 0)
        goto fail;
    if (pt_model_read(model_path, &m, err) != 0)
        goto fail;
    for (size_t k = 0; k < nkeep; k++)
        if (output_column(m, keep[k])) {
            pt_seterr(err, "--keep %s: the output has a column \"%.60s\" of its own", keep_arg,
                      keep[k]);
            goto fail;
        }
    /* CSV: the model's features by name, in its order (LIBSVM ignores the names) */
    snprintf(src, sizeof src, "--model %s", model_path);
    opts.no_label = 1;
    opts.feature_cols = (const char *const *)m->names;
    opts.nfeature_cols = m->nnames;
    opts.features_from = src;
    opts.list_order = 1;
    opts.keep_cols = keep;
    opts.nkeep_cols = nkeep;
    opts.features = m->nnames;
    if (m->ncat > PT_IMAGE_MAX_CAT) {
        pt_seterr(err, "%s: more than %d categorical columns", model_path, PT_IMAGE_MAX_CAT);
        goto fail;
    }
    if (m->ncat > 0 && categorical_opts(m, keep, nkeep, &opts, &cols, kept) != 0) {
        pt_seterr(err, "out of memory");
        goto fail;
    }
    if ((ds = read_rows(m, model_path, data, &opts, kept, err)) == NULL)
        goto fail;
    if (ds->format == PT_FMT_LIBSVM && nkeep > 0) {
        pt_seterr(err, "--keep %s: %s is LIBSVM, which has no named columns", keep_arg, data);
        goto fail;
    }
    if (pt_model_check_data(m, model_path, ds, data, err) != 0)
        goto fail;
    code = PT_EXIT_FAIL;
    K = pt_fitted_classes(m->fit);
    pred = malloc(ds->rows * sizeof *pred);
    prob = malloc(ds->rows * (K ? K : 1) * sizeof *prob);
    pt_fitted_set_threads(m->fit, pt_cpus_count()); /* a forest's rows over every CPU */
    rowkeep = malloc(ds->rows ? ds->rows : 1);
    score = pt_fitted_score_name(m->fit) != NULL ? malloc(ds->rows * sizeof *score + 1) : NULL;
    if (pred == NULL || prob == NULL || rowkeep == NULL ||
        (pt_fitted_score_name(m->fit) != NULL && score == NULL) ||
        (score != NULL ? pt_fitted_predict(m->fit, ds->x, ds->rows, pred, score, prob)
                       : pt_model_predict(m, ds->x, ds->rows, pred, prob)) != 0) {
        pt_seterr(err, "out of memory");
        goto fail;
    }
    nout = pt_fitted_keep_rows(m->fit, ds->x, ds->rows, rowkeep);
    if (write_predictions(out, m, ds, nkeep, rowkeep, pred, prob, score, err) != 0)
        goto fail;
    pt_sep_note(data, ds, opts.sep, quiet);
    if (!quiet)
        print_importances(m);
    if (nout < ds->rows && !quiet)
        fprintf(stderr, "paratune: %zu of %zu rows dropped (a category not among the model's: "
                "stringIndexer handleInvalid skip)\n", ds->rows - nout, ds->rows);
    code = PT_EXIT_OK;
    goto done;
fail:
    fprintf(stderr, "paratune: %s\n", err);
done:
    free(keep);
    free(cols);
    free(pred);
    free(prob);
    free(rowkeep);
    free(score);
    pt_model_destroy(&m);
    pt_dataset_destroy(&ds);
    return code;
}
