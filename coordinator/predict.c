/* predict.c - `paratune predict`: apply a model file written by `tune --model-out`.
 *
 *   paratune predict --model FILE --data FILE --out FILE [--format auto|csv|libsvm]
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
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <msgpack.h>

#include "options.h"
#include "pt_common.h"
#include "pt_dataset.h"
#include "pt_logreg.h"
#include "pt_msg.h"
#include "tune.h"

#define MODEL_VERSION 1

typedef struct {
    char *label;
    char **names;
    size_t nnames;
    size_t p, r, nclasses;
    int classifier, multinomial;
    double threshold;
    double *coef, *icpt;
} model_t;

static void model_free(model_t *m)
{
    free(m->label);
    for (size_t i = 0; i < m->nnames; i++)
        free(m->names[i]);
    free(m->names);
    free(m->coef);
    free(m->icpt);
    memset(m, 0, sizeof *m);
}

/* Reads an array of n numbers (field key of map o) into a new array. */
static int get_doubles(const msgpack_object *o, const char *key, size_t n, double **out,
                       char *err)
{
    const msgpack_object *a = pt_msgpack_get_obj(o, key, MSGPACK_OBJECT_ARRAY, err);
    if (a == NULL)
        return -EBADMSG;
    if (a->via.array.size != n) {
        pt_seterr(err, "field '%s': %u values, expected %zu", key, a->via.array.size, n);
        return -EBADMSG;
    }
    *out = malloc((n ? n : 1) * sizeof **out);
    if (*out == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (pt_msgpack_to_double(&a->via.array.ptr[i], key, &(*out)[i], err) != 0)
            return -EBADMSG;
    return 0;
}

static int read_model(const char *path, model_t *m, char *err)
{
    char *buf = NULL, why[PT_ERRLEN] = "";
    size_t len = 0, off = 0;
    FILE *f;
    msgpack_unpacked u;
    const msgpack_object *o, *pl;
    char *s = NULL;
    int64_t v;
    int rc = -EBADMSG, b;
    uint64_t feats;

    memset(m, 0, sizeof *m);
    msgpack_unpacked_init(&u);
    f = fopen(path, "rb");
    if (f == NULL) {
        pt_seterr(err, "%s: cannot open: %s", path, strerror(errno));
        return -errno;
    }
    for (;;) {
        char *nb = realloc(buf, len + 65536);
        size_t n;
        if (nb == NULL) {
            fclose(f);
            free(buf);
            pt_seterr(err, "%s: out of memory", path);
            return -ENOMEM;
        }
        buf = nb;
        n = fread(buf + len, 1, 65536, f);
        len += n;
        if (n < 65536)
            break;
    }
    fclose(f);
    if (msgpack_unpack_next(&u, buf, len, &off) != MSGPACK_UNPACK_SUCCESS ||
        u.data.type != MSGPACK_OBJECT_MAP) {
        pt_seterr(err, "%s: not a paratune model (truncated, or not msgpack)", path);
        goto out;
    }
    o = &u.data;
    if (pt_msgpack_get_str(o, "format", &s, why) != 0 || strcmp(s, "paratune-model") != 0) {
        pt_seterr(err, "%s: not a paratune model (no format \"paratune-model\")", path);
        goto out;
    }
    if (pt_msgpack_get_int(o, "version", 0, INT32_MAX, &v, why) != 0) {
        pt_seterr(err, "%s: not a valid paratune model: %s", path, why);
        goto out;
    }
    if (v != MODEL_VERSION) {
        pt_seterr(err, "%s: model version %lld is not supported (this paratune reads version %d)",
                  path, (long long)v, MODEL_VERSION);
        goto out;
    }
    if (off != len) {
        pt_seterr(err, "%s: %zu bytes after the model (corrupt file)", path, len - off);
        goto out;
    }
    pl = pt_msgpack_get_obj(o, "pipeline", MSGPACK_OBJECT_MAP, why);
    if (pl == NULL || pt_msgpack_get_strs(o, "feature_names", &m->names, &m->nnames, why) != 0 ||
        pt_msgpack_get_str(o, "label", &m->label, why) != 0 ||
        pt_msgpack_get_uint(pl, "features", &feats, why) != 0)
        goto bad;
    free(s);
    s = NULL;
    if (pt_msgpack_get_str(pl, "kind", &s, why) != 0)
        goto bad;
    m->p = (size_t)feats;
    if (m->p != m->nnames) {
        snprintf(why, sizeof why, "%zu feature names for %zu features", m->nnames, m->p);
        goto bad;
    }
    m->classifier = strcmp(s, "classification") == 0;
    if (!m->classifier && strcmp(s, "regression") != 0) {
        snprintf(why, sizeof why, "unknown kind \"%.40s\"", s);
        goto bad;
    }
    if (m->classifier) {
        uint64_t k;
        double th;
        if (pt_msgpack_get_uint(pl, "num_classes", &k, why) != 0 ||
            pt_msgpack_get_bool(pl, "multinomial", &b, why) != 0 ||
            pt_msgpack_get_double(pl, "threshold", &th, why) != 0)
            goto bad;
        m->nclasses = (size_t)k;
        m->multinomial = b;
        m->threshold = th;
        m->r = b ? m->nclasses : 1;
        if (m->nclasses < 1 || m->nclasses > 1000000 || (!b && m->nclasses != 2)) {
            snprintf(why, sizeof why, "bad num_classes %zu", m->nclasses);
            goto bad;
        }
        if ((rc = get_doubles(pl, "intercept", m->r, &m->icpt, why)) != 0)
            goto bad;
    } else {
        m->r = 1;
        m->icpt = malloc(sizeof *m->icpt);
        if (m->icpt == NULL || pt_msgpack_get_double(pl, "intercept", m->icpt, why) != 0)
            goto bad;
    }
    if ((rc = get_doubles(pl, "coefficients", m->r * m->p, &m->coef, why)) != 0)
        goto bad;
    rc = 0;
    goto out;
bad:
    rc = -EBADMSG;
    pt_seterr(err, "%s: not a valid paratune model: %s", path, why);
out:
    free(s);
    free(buf);
    msgpack_unpacked_destroy(&u);
    if (rc != 0)
        model_free(m);
    return rc;
}

static int write_predictions(const char *path, const model_t *m, const double *pred,
                             const double *prob, size_t n, char *err)
{
    char *tmp = malloc(strlen(path) + 32);
    FILE *f = NULL;
    int fd = -1, rc = 0;
    size_t K = m->classifier ? m->nclasses : 0;

    if (tmp == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    sprintf(tmp, "%s.tmp.%ld", path, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
        rc = -errno;
        pt_seterr(err, "%s: cannot create: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        free(tmp);
        return rc;
    }
    fputs("prediction", f);
    if (K == 2 && !m->multinomial)
        fputs(",probability", f);
    else
        for (size_t k = 0; k < K; k++)
            fprintf(f, ",probability_%zu", k);
    fputc('\n', f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%.17g", pred[i]);
        if (K == 2 && !m->multinomial)
            fprintf(f, ",%.17g", prob[i * 2 + 1]);
        else
            for (size_t k = 0; k < K; k++)
                fprintf(f, ",%.17g", prob[i * K + k]);
        fputc('\n', f);
    }
    if (fflush(f) != 0 || fsync(fileno(f)) != 0 || ferror(f)) {
        rc = -EIO;
        pt_seterr(err, "%s: write: %s", path, strerror(errno));
    }
    if (fclose(f) != 0 && rc == 0) {
        rc = -EIO;
        pt_seterr(err, "%s: write: %s", path, strerror(errno));
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = -errno;
        pt_seterr(err, "%s: rename: %s", path, strerror(errno));
    }
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

int pt_predict_main(int argc, char **argv)
{
    static const struct option lo[] = {{"model", required_argument, NULL, 'm'},
                                       {"data", required_argument, NULL, 'd'},
                                       {"out", required_argument, NULL, 'o'},
                                       {"format", required_argument, NULL, 'f'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    const char *model_path = NULL, *data = NULL, *out = NULL;
    pt_load_opts_t opts;
    pt_dataset_t *ds = NULL;
    model_t m;
    char err[PT_ERRLEN];
    double *pred = NULL, *prob = NULL, *margins = NULL;
    int c, code = PT_EXIT_USAGE;

    memset(&opts, 0, sizeof opts);
    memset(&m, 0, sizeof m);
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
        case 'h':
            puts("usage: paratune predict --model FILE --data FILE --out FILE "
                 "[--format auto|csv|libsvm]");
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
    if (read_model(model_path, &m, err) != 0)
        goto fail;
    opts.label = m.label;
    opts.label_optional = 1;
    opts.features = m.p;
    ds = pt_dataset_load(data, &opts, err);
    if (ds == NULL)
        goto fail;
    if (ds->features != m.p) {
        pt_seterr(err, "%s: %zu features, but the model %s was fit on %zu", data, ds->features,
                  model_path, m.p);
        goto fail;
    }
    if (ds->format == PT_FMT_CSV)
        for (size_t j = 0; j < m.p; j++)
            if (strcmp(ds->names[j], m.names[j]) != 0) {
                pt_seterr(err, "%s: feature %zu is \"%.60s\", but the model %s was fit on "
                          "\"%.60s\" there", data, j + 1, ds->names[j], model_path, m.names[j]);
                goto fail;
            }
    code = PT_EXIT_FAIL;
    pred = malloc(ds->rows * sizeof *pred);
    margins = malloc(ds->rows * m.r * sizeof *margins);
    prob = malloc(ds->rows * (m.nclasses ? m.nclasses : 1) * sizeof *prob);
    if (pred == NULL || margins == NULL || prob == NULL) {
        pt_seterr(err, "out of memory");
        goto fail;
    }
    pt_logreg_margins(ds->x, ds->rows, m.p, m.coef, m.icpt, m.r, margins);
    if (m.classifier) {
        pt_logreg_probabilities(margins, ds->rows, m.r, m.multinomial, prob);
        pt_logreg_predict(prob, ds->rows, m.nclasses, m.multinomial, m.threshold, pred);
    } else {
        memcpy(pred, margins, ds->rows * sizeof *pred);
    }
    if (write_predictions(out, &m, pred, prob, ds->rows, err) != 0)
        goto fail;
    code = PT_EXIT_OK;
    goto done;
fail:
    fprintf(stderr, "paratune: %s\n", err);
done:
    free(pred);
    free(prob);
    free(margins);
    model_free(&m);
    pt_dataset_destroy(&ds);
    return code;
}
