/* predict.c - `paratune predict`: apply a model file written by `tune --model-out`.
 *
 *   paratune predict --model FILE --data FILE --out FILE [--format auto|csv|libsvm]
 *                    [--sep auto|,|;|tab|'|'] [--quiet]
 *
 * The model's pipeline is stored composed into one linear model on the raw features
 * (coefficients r x p, intercepts r), so prediction is one matrix product: the number for a
 * regressor; for a classifier the class, as Spark's LogisticRegressionModel predicts it, and
 * its probabilities. The data's feature columns must be those the model was fit on, by name
 * and order (a column named like the model's label is ignored when present). The output is a
 * CSV, written whole through a temporary file and rename: "prediction" and, for a binary
 * classifier, "probability" (of class 1), for a multiclass one "probability_0".."_{K-1}".
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "pt_common.h"
#include "pt_csv.h"
#include "pt_dataset.h"
#include "pt_file.h"
#include "pt_model.h"
#include "tune.h"

/* Writes the predictions as CSV through a temporary file (pt_file): "prediction", then the
 * probability of class 1 for a binomial model or of every class for a multinomial one. */
static int write_predictions(const char *path, const pt_model_t *m, const double *pred,
                             const double *prob, size_t n, char *err)
{
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
    fputs("prediction", f);
    if (binary)
        fputs(",probability", f);
    else
        for (size_t k = 0; k < K; k++)
            fprintf(f, ",probability_%zu", k);
    fputc('\n', f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%.17g", pred[i]);
        if (binary)
            fprintf(f, ",%.17g", prob[i * 2 + 1]);
        else
            for (size_t k = 0; k < K; k++)
                fprintf(f, ",%.17g", prob[i * K + k]);
        fputc('\n', f);
    }
    return pt_file_commit(&pf, 0, err);
}

int pt_predict_main(int argc, char **argv)
{
    static const struct option lo[] = {{"model", required_argument, NULL, 'm'},
                                       {"data", required_argument, NULL, 'd'},
                                       {"out", required_argument, NULL, 'o'},
                                       {"format", required_argument, NULL, 'f'},
                                       {"sep", required_argument, NULL, 's'},
                                       {"quiet", no_argument, NULL, 'q'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    const char *model_path = NULL, *data = NULL, *out = NULL;
    pt_load_opts_t opts;
    pt_dataset_t *ds = NULL;
    pt_model_t *m = NULL;
    char err[PT_ERRLEN];
    double *pred = NULL, *prob = NULL;
    size_t K;
    int c, code = PT_EXIT_USAGE, quiet = 0;

    memset(&opts, 0, sizeof opts);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
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
        case 's':
            if (pt_csv_parse_sep(optarg, &opts.sep) != 0)
                return pt_bad_opt("--sep", optarg, "expected auto, ',', ';', tab or '|'");
            break;
        case 'q': quiet = 1; break;
        case 'h':
            puts("usage: paratune predict --model FILE --data FILE --out FILE "
                 "[--format auto|csv|libsvm] [--sep auto|,|;|tab|'|'] [--quiet]");
            return PT_EXIT_OK;
        case ':':
            fprintf(stderr, "paratune: %s: needs a value\n", argv[optind - 1]);
            return PT_EXIT_USAGE;
        default:
            fprintf(stderr, "paratune: %s: unknown option of predict\n", argv[optind - 1]);
            return PT_EXIT_USAGE;
        }
    }
    if (model_path == NULL || data == NULL || out == NULL)
        return pt_bad_opt("predict:", NULL, "--model, --data and --out are required");
    if (opts.sep != 0 && opts.format == PT_FMT_LIBSVM)
        return pt_bad_opt("--sep", NULL, "applies to CSV, not --format libsvm");
    if (pt_model_read(model_path, &m, err) != 0)
        goto fail;
    opts.label = m->label;
    opts.label_optional = 1;
    opts.features = m->nnames;
    ds = pt_dataset_load(data, &opts, err);
    if (ds == NULL || pt_model_check_data(m, model_path, ds, data, err) != 0)
        goto fail;
    code = PT_EXIT_FAIL;
    K = pt_fitted_classes(m->fit);
    pred = malloc(ds->rows * sizeof *pred);
    prob = malloc(ds->rows * (K ? K : 1) * sizeof *prob);
    if (pred == NULL || prob == NULL || pt_model_predict(m, ds->x, ds->rows, pred, prob) != 0) {
        pt_seterr(err, "out of memory");
        goto fail;
    }
    if (write_predictions(out, m, pred, prob, ds->rows, err) != 0)
        goto fail;
    pt_sep_note(data, ds, opts.sep, quiet);
    code = PT_EXIT_OK;
    goto done;
fail:
    fprintf(stderr, "paratune: %s\n", err);
done:
    free(pred);
    free(prob);
    pt_model_destroy(&m);
    pt_dataset_destroy(&ds);
    return code;
}
