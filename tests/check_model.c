/* check_model.c - unit tests of pt_model: a model file written and read back holds the same
 * pipeline (re-packed byte for byte) and predicts the same; truncated files, other versions,
 * trailing bytes, bad fields and other features are refused with the reason; a changed byte
 * is a checksum mismatch, a NaN coefficient a value refused, a huge count never allocated.
 * Every test works in its own mkdtemp directory and removes it.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "pt_common.h"
#include "pt_model.h"
#include "pt_mpk.h"
#include "pt_params.h"
#include "pt_pipeline.h"

enum { N = 200, P = 5 };

typedef struct {
    char dir[256], path[320];
    double x[N * P], y[N];
    char *names[P];
    pt_paramlist_t params;
    pt_fitted_t *fit;
    msgpack_sbuffer pipeline; /* pt_fitted_pack of fit */
} fixture_t;

/* Fits pipeline (with the --set options sets) on synthetic rows, packs it, writes the model
 * file. classes: 0 regression labels, else class ids 0..classes-1. */
static void setup(fixture_t *t, const char *pipeline, const char *const *sets, size_t classes)
{
    char err[PT_ERRLEN], *stages[8];
    uint64_t st = 5;
    pt_spec_t *s = pt_spec_new(pipeline, err);
    pt_moments_t *m = pt_moments_new(P);
    pt_rowblock_t blk = {0};
    msgpack_packer pk;

    memset(t, 0, sizeof *t);
    snprintf(t->dir, sizeof t->dir, "/tmp/pt_check_model_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(t->dir));
    snprintf(t->path, sizeof t->path, "%s/model.msgpack", t->dir);
    for (size_t i = 0; i < N; i++) {
        double lat = pt_rng_normal(&st);
        for (size_t j = 0; j < P; j++)
            t->x[i * P + j] = 3.0 * (double)j + (1.0 + (double)j) * lat + pt_rng_normal(&st);
        t->y[i] = classes ? (double)((size_t)(fabs(lat) * 2.0) % classes) : 2.0 * lat + 1.0;
    }
    for (size_t j = 0; j < P; j++) {
        t->names[j] = malloc(8);
        snprintf(t->names[j], 8, "x%zu", j);
    }
    ck_assert_msg(s != NULL, "%s", err);
    for (size_t i = 0; sets != NULL && sets[i] != NULL; i++)
        ck_assert_int_eq(pt_spec_set(s, sets[i], err), 0);
    ck_assert_int_eq(pt_spec_full(s, 0, &t->params), 0);
    for (size_t i = 0; i < pt_spec_nstages(s); i++)
        stages[i] = (char *)pt_spec_stage(s, i);
    ck_assert_int_eq(pt_moments_from_rows(m, t->x, t->y, N), 0);
    blk.x = t->x;
    blk.y = t->y;
    blk.n = N;
    t->fit = pt_pipeline_fit(m, &blk, 1, stages, pt_spec_nstages(s), &t->params, classes,
                             NULL, err);
    ck_assert_msg(t->fit != NULL, "%s", err);
    msgpack_sbuffer_init(&t->pipeline);
    msgpack_packer_init(&pk, &t->pipeline, msgpack_sbuffer_write);
    pt_fitted_pack(t->fit, &pk);
    ck_assert_int_eq(pt_model_write(t->path, t->names, P, "label", 3, &t->params,
                                    t->pipeline.data, t->pipeline.size, err), 0);
    pt_moments_destroy(&m);
    pt_spec_destroy(&s);
}

static void teardown(fixture_t *t)
{
    char cmd[400];
    for (size_t j = 0; j < P; j++)
        free(t->names[j]);
    pt_paramlist_free(&t->params);
    pt_fitted_destroy(&t->fit);
    msgpack_sbuffer_destroy(&t->pipeline);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void slurp(const char *path, char **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    *buf = malloc(1 << 20);
    *len = fread(*buf, 1, 1 << 20, f);
    fclose(f);
}

static void spit(const char *path, const char *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
    fclose(f);
}

/* Reads t's model and checks it against the fitted pipeline. */
static void check_round_trip(fixture_t *t, size_t classes)
{
    char err[PT_ERRLEN];
    pt_model_t *m = NULL;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    double pred[N], want[N], prob[N * 4], wprob[N * 4];

    ck_assert_msg(pt_model_read(t->path, &m, err) == 0, "%s", err);
    ck_assert_uint_eq(m->nnames, P);
    ck_assert_str_eq(m->names[2], "x2");
    ck_assert_str_eq(m->label, "label");
    ck_assert_int_eq(m->param_index, 3);
    ck_assert_uint_eq(m->params.n, t->params.n);
    ck_assert_uint_eq(pt_fitted_classes(m->fit), pt_fitted_classes(t->fit));
    /* every stage's state came back: packing the model read gives the same bytes */
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    pt_fitted_pack(m->fit, &pk);
    ck_assert_uint_eq(sb.size, t->pipeline.size);
    ck_assert(memcmp(sb.data, t->pipeline.data, sb.size) == 0);
    msgpack_sbuffer_destroy(&sb);
    ck_assert_int_eq(pt_model_predict(m, t->x, N, pred, prob), 0);
    ck_assert_int_eq(pt_fitted_predict(t->fit, t->x, N, want, NULL, wprob), 0);
    for (size_t i = 0; i < N; i++) {
        ck_assert(fabs(pred[i] - want[i]) <= 1e-12 * (1 + fabs(want[i])));
        for (size_t k = 0; k < classes; k++)
            ck_assert(prob[i * classes + k] == wprob[i * classes + k]);
    }
    pt_model_destroy(&m);
    ck_assert_ptr_null(m);
}

START_TEST(regression_round_trip)
{
    fixture_t t;
    const char *sets[] = {"pca.k=3", "standardScaler.withMean=true", NULL};
    setup(&t, "standardScaler,pca,linearRegression", sets, 0);
    check_round_trip(&t, 0);
    teardown(&t);
}
END_TEST

/* A fold model (tune --keep-fold-models) records its fold; the refit's has none (-1); a
 * model made from the pipeline bytes alone predicts as the file's. */
START_TEST(fold_model_and_pipeline_only)
{
    fixture_t t;
    char err[PT_ERRLEN];
    pt_model_t *m = NULL, *b = NULL;
    pt_model_cols_t cols = {.fold_model = 1, .fold = 2};
    double pred[N], want[N];
    setup(&t, "standardScaler,linearRegression", NULL, 0);
    ck_assert_msg(pt_model_read(t.path, &m, err) == 0, "%s", err);
    ck_assert_int_eq(m->fold, -1);
    pt_model_destroy(&m);
    ck_assert_int_eq(pt_model_write_cols(t.path, t.names, P, "label", 1, &t.params,
                                         t.pipeline.data, t.pipeline.size, &cols, err), 0);
    ck_assert_msg(pt_model_read(t.path, &m, err) == 0, "%s", err);
    ck_assert_int_eq(m->fold, 2);
    ck_assert_int_eq(m->param_index, 1);
    ck_assert_int_eq(pt_model_from_pipeline(t.pipeline.data, t.pipeline.size, P, &b, err), 0);
    ck_assert_int_eq(pt_model_predict(m, t.x, N, want, NULL), 0);
    ck_assert_int_eq(pt_model_predict(b, t.x, N, pred, NULL), 0);
    for (size_t i = 0; i < N; i++)
        ck_assert(pred[i] == want[i]);
    pt_model_destroy(&b);
    ck_assert_int_eq(pt_model_from_pipeline(t.pipeline.data, t.pipeline.size, P + 1, &b, err),
                     -EBADMSG);
    ck_assert_ptr_null(b);
    ck_assert_int_eq(pt_model_from_pipeline(t.pipeline.data, t.pipeline.size - 1, P, &b, err),
                     -EBADMSG);
    pt_model_destroy(&m);
    teardown(&t);
}
END_TEST

START_TEST(classifier_round_trip)
{
    fixture_t t;
    const char *sets[] = {"logisticRegression.regParam=0.01", NULL};
    setup(&t, "standardScaler,logisticRegression", sets, 2);
    check_round_trip(&t, 2);
    teardown(&t);
    setup(&t, "pca,logisticRegression", (const char *[]){"pca.k=4", NULL}, 3);
    check_round_trip(&t, 3);
    teardown(&t);
}
END_TEST

/* pt_model_read of t's file rewritten as buf; returns its result. */
static int read_edited(fixture_t *t, char *buf, size_t len, char *err)
{
    pt_model_t *m = (pt_model_t *)1;
    int rc;
    spit(t->path, buf, len);
    rc = pt_model_read(t->path, &m, err);
    ck_assert(rc == 0 ? m != NULL : m == NULL);
    pt_model_destroy(&m);
    return rc;
}

START_TEST(refusals)
{
    fixture_t t;
    char err[PT_ERRLEN], *buf, *v;
    size_t len;
    pt_model_t *m = NULL;

    setup(&t, "linearRegression", NULL, 0);
    slurp(t.path, &buf, &len);

    ck_assert_int_eq(read_edited(&t, buf, len / 2, err), -EBADMSG);
    ck_assert_ptr_nonnull(strstr(err, "not a paratune model (truncated, or not msgpack)"));

    buf[len] = '\0';
    ck_assert_int_eq(read_edited(&t, buf, len + 1, err), -EBADMSG);
    ck_assert_ptr_nonnull(strstr(err, "1 bytes after the model"));

    v = memmem(buf, len, "version", 7);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(v[7], PT_MODEL_VERSION);
    v[7] = 2;
    ck_assert_int_eq(read_edited(&t, buf, len, err), -EBADMSG);
    ck_assert_ptr_nonnull(strstr(err, "model version 2 is not supported (this paratune reads "
                                      "version 1)"));
    v[7] = PT_MODEL_VERSION;

    v = memmem(buf, len, "paratune-model", 14);
    v[0] = 'P';
    ck_assert_int_eq(read_edited(&t, buf, len, err), -EBADMSG);
    ck_assert_ptr_nonnull(strstr(err, "not a paratune model (no format \"paratune-model\")"));
    v[0] = 'p';

    v = memmem(buf, len, "regression", 10);
    memcpy(v, "regresXion", 10);
    ck_assert_int_eq(read_edited(&t, buf, len, err), -EBADMSG);
    ck_assert_ptr_nonnull(strstr(err, "not a valid paratune model: unknown kind \"regresXion\""));
    memcpy(v, "regression", 10);

    v = memmem(buf, len, "input_features", 14);
    v[0] = 'X';
    ck_assert_int_eq(read_edited(&t, buf, len, err), -EBADMSG);
    ck_assert_ptr_nonnull(strstr(err, "stages[0]: missing field 'input_features'"));
    v[0] = 'i';

    ck_assert_int_eq(read_edited(&t, buf, len, err), 0);
    free(buf);

    ck_assert_int_eq(pt_model_read("/nonexistent/model", &m, err), -ENOENT);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/model: cannot open"));
    teardown(&t);
}
END_TEST

/* The checksum and the bounded read: a changed byte that keeps every field valid is a
 * checksum mismatch; a NaN coefficient is refused by the value check; a 4 GB map count is
 * "truncated", not out of memory; a file written before checksums (no crc) still reads, but
 * not when its crc key was renamed. */
START_TEST(checksum_and_bounds)
{
    fixture_t t;
    char err[PT_ERRLEN], *buf, *v;
    static const char nan_bytes[8] = {0x7f, (char)0xf8, 0, 0, 0, 0, 0, 0};
    size_t len;

    setup(&t, "standardScaler,linearRegression", NULL, 0);
    slurp(t.path, &buf, &len);
    ck_assert_int_eq(read_edited(&t, buf, len, err), 0);
    ck_assert_int_eq((unsigned char)buf[len - 5], 0xce);
    ck_assert_ptr_nonnull(memmem(buf + len - 9, 4, "\xa3" "crc", 4));

    buf[len - 1] ^= 1; /* the checksum itself */
    ck_assert_int_eq(read_edited(&t, buf, len, err), -EBADMSG);
    ck_assert_ptr_nonnull(strstr(err, ": corrupt (checksum mismatch"));
    buf[len - 1] ^= 1;

    v = memmem(buf, len, "\xa5label", 6); /* the label's name: any string will do */
    ck_assert_ptr_nonnull(v);
    v[7] ^= 0x01;
    ck_assert_int_eq(read_edited(&t, buf, len, err), -EBADMSG);
    ck_assert_ptr_nonnull(strstr(err, "checksum mismatch"));
    v[7] ^= 0x01;

    v = memmem(buf, len, "\xac" "coefficients", 13); /* the pipeline's first coefficient */
    ck_assert_ptr_nonnull(v);
    v += 13;
    ck_assert_int_eq((unsigned char)*v & 0xf0, 0x90); /* a fixarray of float64s */
    ck_assert_int_eq((unsigned char)v[1], 0xcb);
    {
        char keep[8];
        memcpy(keep, v + 2, 8);
        memcpy(v + 2, nan_bytes, 8);
        ck_assert_int_eq(read_edited(&t, buf, len, err), -EBADMSG);
        ck_assert_ptr_nonnull(strstr(err, "corrupt (not a valid paratune model: "));
        ck_assert_ptr_nonnull(strstr(err, "field 'coefficients'[0]: not finite"));
        memcpy(v + 2, keep, 8);
    }

    { /* the top map's count made 2^32 - 1: bounded, so "truncated", and no allocation */
        char *big = malloc(len + 4);
        ck_assert_int_eq((unsigned char)buf[0] & 0xf0, 0x80);
        big[0] = (char)0xdf;
        memset(big + 1, 0xff, 4);
        memcpy(big + 5, buf + 1, len - 1);
        ck_assert_int_eq(read_edited(&t, big, len + 4, err), -EBADMSG);
        ck_assert_ptr_nonnull(strstr(err, "not a paratune model (truncated, or not msgpack)"));
        free(big);
    }

    /* no crc (one entry fewer, the last 9 bytes gone): a file from before checksums */
    buf[0]--;
    ck_assert_int_eq(read_edited(&t, buf, len - 9, err), 0);
    buf[0]++;
    buf[len - 8] = 'C'; /* "crC": an unknown field in a file without a checksum */
    ck_assert_int_eq(read_edited(&t, buf, len, err), -EBADMSG);
    ck_assert_ptr_nonnull(strstr(err, "corrupt (no checksum"));
    free(buf);
    teardown(&t);
}
END_TEST

START_TEST(other_features_refused)
{
    fixture_t t;
    char err[PT_ERRLEN], *other[P];
    pt_model_t *m = NULL;
    pt_dataset_t ds;

    setup(&t, "linearRegression", NULL, 0);
    ck_assert_int_eq(pt_model_read(t.path, &m, err), 0);
    memset(&ds, 0, sizeof ds);
    ds.features = P - 1;
    ds.names = t.names;
    ds.format = PT_FMT_CSV;
    ck_assert_int_eq(pt_model_check_data(m, "m.bin", &ds, "d.csv", err), -EINVAL);
    ck_assert_str_eq(err, "d.csv: 4 features, but the model m.bin was fit on 5");
    ds.features = P;
    ck_assert_int_eq(pt_model_check_data(m, "m.bin", &ds, "d.csv", err), 0);
    memcpy(other, t.names, sizeof other);
    other[1] = "years";
    ds.names = other;
    ck_assert_int_eq(pt_model_check_data(m, "m.bin", &ds, "d.csv", err), -EINVAL);
    ck_assert_str_eq(err, "d.csv: feature 2 is \"years\", but the model m.bin was fit on "
                          "\"x1\" there");
    ds.format = PT_FMT_LIBSVM; /* LIBSVM columns have no names to compare */
    ck_assert_int_eq(pt_model_check_data(m, "m.bin", &ds, "d.svm", err), 0);
    pt_model_destroy(&m);
    teardown(&t);
}
END_TEST

Suite *suite_model(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("model");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, regression_round_trip);
    tcase_add_test(tc, classifier_round_trip);
    tcase_add_test(tc, fold_model_and_pipeline_only);
    tcase_add_test(tc, refusals);
    tcase_add_test(tc, checksum_and_bounds);
    tcase_add_test(tc, other_features_refused);
    suite_add_tcase(s, tc);
    return s;
}
