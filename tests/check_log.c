/* check_log.c - unit tests of pt_log: the result log writer and reader.
 *
 * Round trips of header + results + summary (cv and tvs, optional fields present and absent),
 * a torn tail at every byte cut inside the last records, foreign files refused, malformed
 * records named by offset, a newer version refused, and create's no-replace / replace rules.
 * Every test works in its own mkdtemp directory and removes it.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <msgpack.h>

#include "pt_common.h"
#include "scratch_dir.h"
#include "pt_log.h"
#include "pt_msg.h"

/* ---- scratch directories and files ---- */

static void write_file(const char *path, const void *data, size_t len, int append)
{
    int fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
}

static char *slurp(const char *path, size_t *len)
{
    struct stat st;
    char *buf;
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    buf = malloc((size_t)st.st_size + 1);
    ck_assert_int_eq(read(fd, buf, (size_t)st.st_size), st.st_size);
    close(fd);
    *len = (size_t)st.st_size;
    return buf;
}

static size_t file_size(const char *path)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return (size_t)st.st_size;
}

/* ---- a sample sweep ---- */

#define NMAPS 3
#define NFOLDS 2

typedef struct {
    pt_paramlist_t maps[NMAPS];
    char *stages[2];
    pt_log_header_t h;
} sample_t;

static void sample_init(sample_t *s, int tvs)
{
    static const double regs[NMAPS] = {0.001, 0.1, 10};
    memset(s, 0, sizeof *s);
    for (int i = 0; i < NMAPS; i++) {
        pt_value_t v = {PT_VAL_DOUBLE, regs[i], NULL};
        ck_assert_int_eq(pt_paramlist_set(&s->maps[i], "linearRegression.regParam", &v), 0);
        v = (pt_value_t){PT_VAL_INT, 10 + i, NULL};
        ck_assert_int_eq(pt_paramlist_set(&s->maps[i], "pca.k", &v), 0);
        v = (pt_value_t){PT_VAL_BOOL, i % 2, NULL};
        ck_assert_int_eq(pt_paramlist_set(&s->maps[i], "linearRegression.fitIntercept", &v),
                         0);
        v = (pt_value_t){PT_VAL_STRING, 0, "normal"};
        ck_assert_int_eq(pt_paramlist_set(&s->maps[i], "linearRegression.solver", &v), 0);
    }
    s->stages[0] = "pca";
    s->stages[1] = "linearRegression";
    s->h.created = 1732521600.25;
    s->h.data_path = tvs ? NULL : "data/house.csv";
    s->h.rows = 20640;
    s->h.features = 8;
    s->h.fingerprint = UINT64_C(0xfedcba9876543210); /* above INT64_MAX */
    s->h.label = tvs ? NULL : "price";
    s->h.data_format = "csv";
    s->h.stages = s->stages;
    s->h.nstages = 2;
    s->h.validator = tvs ? PT_VALIDATOR_TVS : PT_VALIDATOR_CV;
    s->h.num_folds = tvs ? 0 : NFOLDS;
    s->h.train_ratio = tvs ? 0.75 : 0;
    s->h.seed = UINT64_MAX;
    s->h.fold_col = tvs ? NULL : "fold";
    s->h.weight_col = tvs ? "wt" : NULL;
    s->h.evaluator = "regression";
    s->h.metric = "rmse";
    s->h.larger_is_better = 0;
    s->h.parallelism = 4;
    s->h.threads_per_job = 1;
    s->h.param_maps = s->maps;
    s->h.nmaps = NMAPS;
}

static void sample_free(sample_t *s)
{
    for (int i = 0; i < NMAPS; i++)
        pt_paramlist_free(&s->maps[i]);
}

/* Result j of the sample: map j / NFOLDS, fold j % NFOLDS; map 2 fold 1 failed. */
static pt_log_result_t sample_result(const sample_t *s, int j)
{
    pt_log_result_t r = {0};
    int failed = j == NMAPS * NFOLDS - 1;
    r.param_index = j / NFOLDS;
    r.fold = j % NFOLDS;
    r.params = &s->maps[r.param_index];
    r.metric = failed ? NAN : 1.0 + j * 0.125;
    r.status = failed ? "failed" : "ok";
    r.error = failed ? "worker died (signal 9)" : NULL;
    r.worker = 4000 + j;
    r.attempt = failed ? 3 : 1;
    r.started = j * 0.5;
    r.finished = j * 0.5 + 0.25;
    r.fit_seconds = 0.2;
    r.eval_seconds = 0.01 * j;
    return r;
}

static double sample_avg[NMAPS] = {1.0625, 1.3125, NAN};
static double sample_std[NMAPS] = {0.0625, 0.0625, NAN};
static int32_t sample_failed[1] = {2};

static pt_log_summary_t sample_summary(const sample_t *s)
{
    pt_log_summary_t sm = {0};
    sm.nmaps = NMAPS;
    sm.avg_metrics = sample_avg;
    sm.std_metrics = sample_std;
    sm.best_index = 0;
    sm.best_params = &s->maps[0];
    sm.best_metric = 1.0625;
    sm.wall_seconds = 3.5;
    sm.jobs_ok = NMAPS * NFOLDS - 1;
    sm.jobs_failed = 1;
    sm.failed_maps = sample_failed;
    sm.nfailed_maps = 1;
    return sm;
}

/* Writes the sample log; the offsets of the last result and of the summary go to *last_result
 * and *summary_at (either may be NULL). */
static void write_sample(const char *path, sample_t *s, int with_summary, size_t *last_result,
                         size_t *summary_at)
{
    char err[PT_ERRLEN] = "";
    pt_log_t *lg = pt_log_create(path, &s->h, 0, err);
    ck_assert_msg(lg != NULL, "create: %s", err);
    for (int j = 0; j < NMAPS * NFOLDS; j++) {
        pt_log_result_t r = sample_result(s, j);
        if (j == NMAPS * NFOLDS - 1 && last_result != NULL)
            *last_result = file_size(path);
        ck_assert_int_eq(pt_log_append_result(lg, &r, err), 0);
    }
    if (summary_at != NULL)
        *summary_at = file_size(path);
    if (with_summary) {
        pt_log_summary_t sm = sample_summary(s);
        ck_assert_int_eq(pt_log_append_summary(lg, &sm, err), 0);
    }
    pt_log_close(&lg);
    ck_assert_ptr_null(lg);
    pt_log_close(&lg); /* NULL is fine */
    pt_log_close(NULL);
}

static int str_eq_null(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

static void check_header(const pt_log_header_t *got, const pt_log_header_t *want)
{
    ck_assert(got->created == want->created);
    ck_assert(str_eq_null(got->data_path, want->data_path));
    ck_assert(got->rows == want->rows && got->features == want->features);
    ck_assert(got->fingerprint == want->fingerprint);
    ck_assert(str_eq_null(got->label, want->label));
    ck_assert(str_eq_null(got->data_format, want->data_format));
    ck_assert_uint_eq(got->nstages, want->nstages);
    for (size_t i = 0; i < want->nstages; i++)
        ck_assert_str_eq(got->stages[i], want->stages[i]);
    ck_assert_int_eq(got->validator, want->validator);
    ck_assert_int_eq(got->num_folds, want->num_folds);
    ck_assert(got->train_ratio == want->train_ratio);
    ck_assert(got->seed == want->seed);
    ck_assert(str_eq_null(got->fold_col, want->fold_col));
    ck_assert(str_eq_null(got->weight_col, want->weight_col));
    ck_assert_str_eq(got->evaluator, want->evaluator);
    ck_assert_str_eq(got->metric, want->metric);
    ck_assert_int_eq(got->larger_is_better, want->larger_is_better);
    ck_assert_int_eq(got->parallelism, want->parallelism);
    ck_assert_int_eq(got->threads_per_job, want->threads_per_job);
    ck_assert_uint_eq(got->nmaps, want->nmaps);
    for (size_t i = 0; i < want->nmaps; i++)
        ck_assert(pt_paramlist_equal(&got->param_maps[i], &want->param_maps[i]));
}

static void check_results(const pt_logfile_t *lf, const sample_t *s, size_t n)
{
    ck_assert_uint_eq(lf->nresults, n);
    for (size_t j = 0; j < n; j++) {
        pt_log_result_t want = sample_result(s, (int)j);
        const pt_log_result_t *got = &lf->results[j];
        ck_assert_int_eq(got->param_index, want.param_index);
        ck_assert_int_eq(got->fold, want.fold);
        ck_assert_ptr_nonnull(got->params);
        ck_assert_ptr_ne(got->params, want.params);
        ck_assert(pt_paramlist_equal(got->params, want.params));
        ck_assert(same_double(got->metric, want.metric));
        ck_assert_str_eq(got->status, want.status);
        ck_assert(str_eq_null(got->error, want.error));
        ck_assert_int_eq(got->worker, want.worker);
        ck_assert_int_eq(got->attempt, want.attempt);
        ck_assert(got->started == want.started && got->finished == want.finished);
        ck_assert(got->fit_seconds == want.fit_seconds);
        ck_assert(got->eval_seconds == want.eval_seconds);
    }
}

static void check_summary(const pt_log_summary_t *got, const pt_log_summary_t *want)
{
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(got->nmaps, want->nmaps);
    for (size_t i = 0; i < want->nmaps; i++) {
        ck_assert(same_double(got->avg_metrics[i], want->avg_metrics[i]));
        ck_assert(same_double(got->std_metrics[i], want->std_metrics[i]));
    }
    ck_assert_int_eq(got->best_index, want->best_index);
    if (want->best_params == NULL)
        ck_assert_ptr_null(got->best_params);
    else
        ck_assert(got->best_params != NULL &&
                  pt_paramlist_equal(got->best_params, want->best_params));
    ck_assert(same_double(got->best_metric, want->best_metric));
    ck_assert(got->wall_seconds == want->wall_seconds);
    ck_assert(got->jobs_ok == want->jobs_ok && got->jobs_failed == want->jobs_failed);
    ck_assert_uint_eq(got->nfailed_maps, want->nfailed_maps);
    for (size_t i = 0; i < want->nfailed_maps; i++)
        ck_assert_int_eq(got->failed_maps[i], want->failed_maps[i]);
}

/* ---- round trips ---- */

START_TEST(test_round_trip_cv)
{
    char *dir = make_dir("pt_check_log_"), *path = path_in(dir, "sweep.log");
    char err[PT_ERRLEN] = "";
    sample_t s;
    pt_log_summary_t sm;
    pt_logfile_t *lf;

    sample_init(&s, 0);
    write_sample(path, &s, 1, NULL, NULL);
    lf = pt_logfile_read(path, err);
    ck_assert_msg(lf != NULL, "read: %s", err);
    check_header(&lf->header, &s.h);
    check_results(lf, &s, NMAPS * NFOLDS);
    sm = sample_summary(&s);
    check_summary(lf->summary, &sm);
    ck_assert_int_eq(lf->torn, 0);
    ck_assert_uint_eq(lf->valid_bytes, file_size(path));
    ck_assert_int_eq(count_entries(dir), 1); /* no temporary file left behind */
    pt_logfile_destroy(&lf);
    ck_assert_ptr_null(lf);
    pt_logfile_destroy(&lf);
    pt_logfile_destroy(NULL);
    sample_free(&s);
    free(path);
    remove_dir(dir);
}
END_TEST

START_TEST(test_round_trip_categories)
{
    char *dir = make_dir("pt_check_log_"), *path = path_in(dir, "cat.log");
    char err[PT_ERRLEN] = "";
    char *names[2] = {"color", "grp"}, *values[5] = {"blue", "red, dark", "", "a", "b"};
    char *classes[3] = {"high", "low", "mid"};
    size_t nvalues[2] = {3, 2};
    sample_t s;
    pt_logfile_t *lf;

    sample_init(&s, 0);
    s.h.ncat = 2;
    s.h.cat_names = names;
    s.h.cat_nvalues = nvalues;
    s.h.cat_values = values;
    s.h.label_values = classes;
    s.h.nlabel_values = 3;
    write_sample(path, &s, 1, NULL, NULL);
    lf = pt_logfile_read(path, err);
    ck_assert_msg(lf != NULL, "read: %s", err);
    check_header(&lf->header, &s.h);
    ck_assert_uint_eq(lf->header.ncat, 2);
    for (size_t k = 0; k < 2; k++) {
        ck_assert_str_eq(lf->header.cat_names[k], names[k]);
        ck_assert_uint_eq(lf->header.cat_nvalues[k], nvalues[k]);
    }
    for (size_t v = 0; v < 5; v++)
        ck_assert_str_eq(lf->header.cat_values[v], values[v]);
    ck_assert_uint_eq(lf->header.nlabel_values, 3);
    for (size_t i = 0; i < 3; i++)
        ck_assert_str_eq(lf->header.label_values[i], classes[i]);
    pt_logfile_destroy(&lf);
    sample_free(&s);
    free(path);
    remove_dir(dir);
}
END_TEST

START_TEST(test_round_trip_tvs)
{
    char *dir = make_dir("pt_check_log_"), *path = path_in(dir, "tvs.log");
    char err[PT_ERRLEN] = "";
    sample_t s;
    pt_log_t *lg;
    pt_log_summary_t sm = {0};
    double avg[NMAPS] = {NAN, NAN, NAN}, sd[NMAPS] = {NAN, NAN, NAN};
    pt_logfile_t *lf;

    sample_init(&s, 1);
    /* header only: no results, no summary */
    lg = pt_log_create(path, &s.h, 0, err);
    ck_assert_msg(lg != NULL, "create: %s", err);
    pt_log_close(&lg);
    lf = pt_logfile_read(path, err);
    ck_assert_msg(lf != NULL, "read: %s", err);
    check_header(&lf->header, &s.h);
    ck_assert_uint_eq(lf->nresults, 0);
    ck_assert_ptr_null(lf->summary);
    pt_logfile_destroy(&lf);

    /* every map failed: best_index -1, best_params nil, NaN everywhere */
    lg = pt_log_create(path, &s.h, 1, err);
    ck_assert_msg(lg != NULL, "create: %s", err);
    sm.nmaps = NMAPS;
    sm.avg_metrics = avg;
    sm.std_metrics = sd;
    sm.best_index = -1;
    sm.best_metric = NAN;
    sm.jobs_failed = NMAPS;
    sm.failed_maps = sample_failed;
    sm.nfailed_maps = 1;
    ck_assert_int_eq(pt_log_append_summary(lg, &sm, err), 0);
    pt_log_close(&lg);
    lf = pt_logfile_read(path, err);
    ck_assert_msg(lf != NULL, "read: %s", err);
    check_summary(lf->summary, &sm);
    pt_logfile_destroy(&lf);

    sample_free(&s);
    free(path);
    remove_dir(dir);
}
END_TEST

/* ---- torn tails ---- */

START_TEST(test_torn_every_cut)
{
    char *dir = make_dir("pt_check_log_");
    char *path = path_in(dir, "full.log"), *cut = path_in(dir, "cut.log");
    char err[PT_ERRLEN] = "";
    size_t last_result, summary_at, len;
    sample_t s;
    char *data;

    sample_init(&s, 0);
    write_sample(path, &s, 1, &last_result, &summary_at);
    data = slurp(path, &len);
    ck_assert_uint_gt(len, summary_at);
    /* every cut from inside the last result to the last byte of the summary */
    for (size_t n = last_result + 1; n < len; n++) {
        pt_logfile_t *lf;
        write_file(cut, data, n, 0);
        lf = pt_logfile_read(cut, err);
        ck_assert_msg(lf != NULL, "cut %zu: %s", n, err);
        check_header(&lf->header, &s.h);
        ck_assert_ptr_null(lf->summary);
        if (n == summary_at) { /* on the boundary: whole records only, nothing torn */
            ck_assert_int_eq(lf->torn, 0);
            check_results(lf, &s, NMAPS * NFOLDS);
        } else if (n < summary_at) {
            ck_assert_msg(lf->torn == 1, "cut %zu not torn", n);
            ck_assert_uint_eq(lf->valid_bytes, last_result);
            check_results(lf, &s, NMAPS * NFOLDS - 1);
        } else {
            ck_assert_msg(lf->torn == 1, "cut %zu not torn", n);
            ck_assert_uint_eq(lf->valid_bytes, summary_at);
            check_results(lf, &s, NMAPS * NFOLDS);
        }
        pt_logfile_destroy(&lf);
    }
    free(data);
    sample_free(&s);
    free(path);
    free(cut);
    remove_dir(dir);
}
END_TEST

/* ---- files that are not (valid) logs ---- */

/* pt_logfile_read must fail with a reason that starts with the path and contains want.
 * Returns the errno it set. */
static int expect_refused(const char *path, const char *want)
{
    char err[PT_ERRLEN] = "";
    pt_logfile_t *lf = pt_logfile_read(path, err);
    int e = errno;
    ck_assert_msg(lf == NULL, "%s was read, expected \"%s\"", path, want);
    ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "reason \"%s\" lacks the path", err);
    ck_assert_msg(strstr(err, want) != NULL, "reason \"%s\" lacks \"%s\"", err, want);
    return e;
}

static void pack_fake_header(msgpack_packer *pk, const char *record, const char *format)
{
    msgpack_pack_map(pk, 3);
    pt_msgpack_pack_str(pk, "record");
    pt_msgpack_pack_str(pk, record);
    pt_msgpack_pack_str(pk, "format");
    pt_msgpack_pack_str(pk, format);
    pt_msgpack_pack_str(pk, "version");
    msgpack_pack_int(pk, 1);
}

START_TEST(test_foreign_files)
{
    char *dir = make_dir("pt_check_log_");
    char *path = path_in(dir, "x"), *real = path_in(dir, "real.log");
    static const char json[] =
        "{\"record\": \"header\", \"format\": \"paratune-log\", \"version\": 1}\n";
    static const unsigned char junk[] = {0xc1, 0x00, 0x01};
    msgpack_sbuffer sb;
    msgpack_packer pk;
    sample_t s;
    size_t len;
    char *data;

    write_file(path, json, sizeof json - 1, 0);
    ck_assert_int_eq(expect_refused(path, "not a paratune log"), EINVAL);
    write_file(path, "", 0, 0);
    expect_refused(path, "not a paratune log");
    write_file(path, junk, sizeof junk, 0);
    expect_refused(path, "not a paratune log");

    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    pack_fake_header(&pk, "result", "paratune-log");
    write_file(path, sb.data, sb.size, 0);
    expect_refused(path, "not a paratune log");
    msgpack_sbuffer_clear(&sb);
    pack_fake_header(&pk, "header", "other-log");
    write_file(path, sb.data, sb.size, 0);
    expect_refused(path, "not a paratune log");
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_array(&pk, 1);
    pt_msgpack_pack_str(&pk, "header");
    write_file(path, sb.data, sb.size, 0);
    expect_refused(path, "not a paratune log");
    msgpack_sbuffer_destroy(&sb);

    /* a real log cut inside its header (cannot come from pt_log_create) */
    sample_init(&s, 0);
    write_sample(real, &s, 0, NULL, NULL);
    data = slurp(real, &len);
    write_file(path, data, 40, 0);
    expect_refused(path, "not a paratune log");
    free(data);
    sample_free(&s);

    expect_refused(dir, "is a directory");
    unlink(path);
    ck_assert_int_eq(expect_refused(path, "No such file"), ENOENT);
    free(path);
    free(real);
    remove_dir(dir);
}
END_TEST

START_TEST(test_newer_version)
{
    char *dir = make_dir("pt_check_log_"), *path = path_in(dir, "v2.log");
    msgpack_sbuffer sb;
    msgpack_packer pk;

    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 3);
    pt_msgpack_pack_str(&pk, "record");
    pt_msgpack_pack_str(&pk, "header");
    pt_msgpack_pack_str(&pk, "format");
    pt_msgpack_pack_str(&pk, "paratune-log");
    pt_msgpack_pack_str(&pk, "version");
    msgpack_pack_int(&pk, PT_LOG_VERSION + 1);
    write_file(path, sb.data, sb.size, 0);
    ck_assert_int_eq(expect_refused(path, "version 2 is newer"), ENOTSUP);
    /* version 1 with the rest of the header missing is malformed, at offset 0 */
    sb.data[sb.size - 1] = 1;
    write_file(path, sb.data, sb.size, 0);
    ck_assert_int_eq(expect_refused(path, "offset 0: header record: missing field 'created'"),
                     EBADMSG);
    msgpack_sbuffer_destroy(&sb);
    free(path);
    remove_dir(dir);
}
END_TEST

static void v_str(msgpack_packer *pk) { pt_msgpack_pack_str(pk, "soon"); }

/* A whole result record, with the value of field packed by val instead (field "" for none). */
static void pack_result_with(msgpack_packer *pk, const sample_t *s, const char *field,
                             void (*val)(msgpack_packer *))
{
    static const char *const keys[] = {"record", "param_index", "fold", "params", "metric",
                                       "status", "worker", "attempt", "started", "finished",
                                       "fit_seconds", "eval_seconds"};
    msgpack_pack_map(pk, sizeof keys / sizeof keys[0]);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        pt_msgpack_pack_str(pk, keys[i]);
        if (strcmp(keys[i], field) == 0)
            val(pk);
        else if (i == 0)
            pt_msgpack_pack_str(pk, "result");
        else if (i == 3)
            pt_msgpack_pack_params(pk, &s->maps[0]);
        else if (i == 5)
            pt_msgpack_pack_str(pk, "ok");
        else
            msgpack_pack_int(pk, 0);
    }
}

/* A valid sample log followed by one record packed by fn: refused naming its offset. */
typedef void (*packfn)(msgpack_packer *pk, const sample_t *s);

static void expect_bad_record(packfn fn, int with_summary, const char *want)
{
    char *dir = make_dir("pt_check_log_"), *path = path_in(dir, "bad.log");
    char where[64], err[PT_ERRLEN] = "";
    msgpack_sbuffer sb;
    msgpack_packer pk;
    size_t at;
    sample_t s;
    pt_logfile_t *lf;

    sample_init(&s, 0);
    write_sample(path, &s, with_summary, NULL, NULL);
    at = file_size(path);
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    fn(&pk, &s);
    write_file(path, sb.data, sb.size, 1);
    snprintf(where, sizeof where, "offset %zu: ", at);
    expect_refused(path, where);
    expect_refused(path, want);
    /* the same record followed by a whole valid one is still that error (not a torn tail) */
    msgpack_sbuffer_clear(&sb);
    pack_result_with(&pk, &s, "", NULL);
    write_file(path, sb.data, sb.size, 1);
    lf = pt_logfile_read(path, err);
    ck_assert_ptr_null(lf);
    ck_assert_msg(strstr(err, where) != NULL && strstr(err, want) != NULL, "%s", err);
    msgpack_sbuffer_destroy(&sb);
    sample_free(&s);
    free(path);
    remove_dir(dir);
}

static void pack_bad_params(msgpack_packer *pk, const sample_t *s)
{
    pack_result_with(pk, s, "params", v_str);
}

static void v_index_big(msgpack_packer *pk) { msgpack_pack_int(pk, NMAPS); }
static void v_nil(msgpack_packer *pk) { msgpack_pack_nil(pk); }
static void pack_index_big(msgpack_packer *pk, const sample_t *s)
{
    pack_result_with(pk, s, "param_index", v_index_big);
}
static void pack_started_str(msgpack_packer *pk, const sample_t *s)
{
    pack_result_with(pk, s, "started", v_str);
}
static void pack_status_nil(msgpack_packer *pk, const sample_t *s)
{
    pack_result_with(pk, s, "status", v_nil);
}
static void pack_int(msgpack_packer *pk, const sample_t *s)
{
    (void)s;
    msgpack_pack_int(pk, 7);
}
static void pack_unknown(msgpack_packer *pk, const sample_t *s)
{
    (void)s;
    msgpack_pack_map(pk, 1);
    pt_msgpack_pack_str(pk, "record");
    pt_msgpack_pack_str(pk, "comment");
}
static void pack_header_again(msgpack_packer *pk, const sample_t *s)
{
    (void)s;
    pack_fake_header(pk, "header", "paratune-log");
}
static void pack_summary_again(msgpack_packer *pk, const sample_t *s)
{
    (void)s;
    msgpack_pack_map(pk, 1);
    pt_msgpack_pack_str(pk, "record");
    pt_msgpack_pack_str(pk, "summary");
}
static void pack_summary_short(msgpack_packer *pk, const sample_t *s)
{
    (void)s;
    msgpack_pack_map(pk, 2);
    pt_msgpack_pack_str(pk, "record");
    pt_msgpack_pack_str(pk, "summary");
    pt_msgpack_pack_str(pk, "avg_metrics");
    msgpack_pack_array(pk, 2);
    msgpack_pack_double(pk, 1);
    msgpack_pack_double(pk, 2);
}
static void pack_invalid(msgpack_packer *pk, const sample_t *s)
{
    static const char bad = (char)0xc1;
    (void)s;
    pk->callback(pk->data, &bad, 1);
}

START_TEST(test_malformed_records)
{
    expect_bad_record(pack_bad_params, 0, "result record: field 'params': expected a map");
    expect_bad_record(pack_index_big, 0, "field 'param_index': integer out of range [0, 2]");
    expect_bad_record(pack_started_str, 0, "field 'started': expected a number, got str");
    expect_bad_record(pack_status_nil, 0, "field 'status': expected str, got nil");
    expect_bad_record(pack_int, 0, "record is not a map (got positive integer)");
    expect_bad_record(pack_unknown, 0, "unknown record type 'comment'");
    expect_bad_record(pack_header_again, 0, "a second header record");
    expect_bad_record(pack_summary_again, 1, "summary record: a second summary");
    expect_bad_record(pack_summary_short, 0, "field 'avg_metrics': 2 values for 3 param maps");
    expect_bad_record(pack_invalid, 0, "not valid msgpack");
}
END_TEST

/* ---- create: no-replace and replace ---- */

START_TEST(test_create_existing)
{
    char *dir = make_dir("pt_check_log_"), *path = path_in(dir, "sweep.log");
    static const char precious[] = "results of last week\n";
    char err[PT_ERRLEN] = "";
    size_t len;
    char *data;
    sample_t s;
    pt_log_t *lg;
    pt_logfile_t *lf;

    sample_init(&s, 0);
    write_file(path, precious, sizeof precious - 1, 0);
    errno = 0;
    lg = pt_log_create(path, &s.h, 0, err);
    ck_assert_ptr_null(lg);
    ck_assert_int_eq(errno, EEXIST);
    ck_assert_msg(strstr(err, path) != NULL && strstr(err, "already exists") != NULL, "%s",
                  err);
    data = slurp(path, &len);
    ck_assert_uint_eq(len, sizeof precious - 1);
    ck_assert_mem_eq(data, precious, len);
    free(data);
    ck_assert_int_eq(count_entries(dir), 1);

    lg = pt_log_create(path, &s.h, 1, err);
    ck_assert_msg(lg != NULL, "overwrite: %s", err);
    pt_log_close(&lg);
    ck_assert_int_eq(count_entries(dir), 1);
    lf = pt_logfile_read(path, err);
    ck_assert_msg(lf != NULL, "read: %s", err);
    check_header(&lf->header, &s.h);
    ck_assert_uint_eq(lf->nresults, 0);
    pt_logfile_destroy(&lf);
    sample_free(&s);
    free(path);
    remove_dir(dir);
}
END_TEST

START_TEST(test_create_errors)
{
    char *dir = make_dir("pt_check_log_");
    char *path = path_in(dir, "no/such/dir.log"), *ok = path_in(dir, "a.log");
    char err[PT_ERRLEN] = "";
    sample_t s;

    sample_init(&s, 0);
    ck_assert_ptr_null(pt_log_create(path, &s.h, 0, err));
    ck_assert_msg(strstr(err, path) != NULL && strstr(err, "No such file") != NULL, "%s", err);
    s.h.validator = (pt_validator_t)7;
    ck_assert_ptr_null(pt_log_create(ok, &s.h, 0, err));
    ck_assert_msg(strstr(err, "validator") != NULL, "%s", err);
    ck_assert_int_eq(count_entries(dir), 0);
    sample_free(&s);
    free(path);
    free(ok);
    remove_dir(dir);
}
END_TEST

/* Records the reader would refuse are refused by the writer and leave the file unchanged. */
START_TEST(test_append_invalid)
{
    char *dir = make_dir("pt_check_log_"), *path = path_in(dir, "a.log");
    char err[PT_ERRLEN] = "";
    sample_t s;
    pt_log_t *lg;
    pt_log_result_t r;
    pt_log_summary_t sm;
    int32_t bad_failed[1] = {NMAPS};
    size_t size;
    pt_logfile_t *lf;

    sample_init(&s, 0);
    lg = pt_log_create(path, &s.h, 0, err);
    ck_assert_msg(lg != NULL, "create: %s", err);
    size = file_size(path);
    r = sample_result(&s, 0);
    r.param_index = NMAPS;
    ck_assert_int_eq(pt_log_append_result(lg, &r, err), -EINVAL);
    r.param_index = -1;
    ck_assert_int_eq(pt_log_append_result(lg, &r, err), -EINVAL);
    r.param_index = 0;
    r.status = NULL;
    ck_assert_int_eq(pt_log_append_result(lg, &r, err), -EINVAL);
    sm = sample_summary(&s);
    sm.nmaps = NMAPS - 1;
    ck_assert_int_eq(pt_log_append_summary(lg, &sm, err), -EINVAL);
    sm = sample_summary(&s);
    sm.best_index = NMAPS;
    ck_assert_int_eq(pt_log_append_summary(lg, &sm, err), -EINVAL);
    sm = sample_summary(&s);
    sm.failed_maps = bad_failed;
    ck_assert_int_eq(pt_log_append_summary(lg, &sm, err), -EINVAL);
    ck_assert_uint_eq(file_size(path), size);
    /* an ok result without error and a failed one without a reason are fine */
    r = sample_result(&s, 1);
    ck_assert_int_eq(pt_log_append_result(lg, &r, err), 0);
    r.status = "failed";
    r.metric = NAN;
    ck_assert_int_eq(pt_log_append_result(lg, &r, err), 0);
    pt_log_close(&lg);
    lf = pt_logfile_read(path, err);
    ck_assert_msg(lf != NULL, "read: %s", err);
    ck_assert_uint_eq(lf->nresults, 2);
    ck_assert_ptr_null(lf->results[1].error);
    ck_assert_str_eq(lf->results[1].status, "failed");
    pt_logfile_destroy(&lf);
    sample_free(&s);
    free(path);
    remove_dir(dir);
}
END_TEST

/* ---- damage: bounded lengths, checksums, validation ---- */

/* path := data[0..at) + ins[0..n) + data[at..len) */
static void write_spliced(const char *path, const char *data, size_t len, size_t at,
                          const void *ins, size_t n)
{
    write_file(path, data, at, 0);
    write_file(path, ins, n, 1);
    write_file(path, data + at, len - at, 1);
}

START_TEST(test_damage_in_the_middle)
{
    char *dir = make_dir("pt_check_log_"), *path = path_in(dir, "full.log");
    char *bad = path_in(dir, "bad.log"), err[PT_ERRLEN] = "", where[96], *data;
    /* a result whose "record" value declares a str of 4 GB, and a map of 2^32-1 entries */
    static const unsigned char huge_str[] = {0x81, 0xa6, 'r', 'e', 'c', 'o', 'r', 'd',
                                             0xdb, 0xff, 0xff, 0xff, 0x00, 'r'};
    static const unsigned char huge_map[] = {0xdf, 0xff, 0xff, 0xff, 0xff, 0xa6, 'r'};
    static const unsigned char huge_arr[] = {0xdd, 0xff, 0xff, 0xff, 0xff, 0x01};
    size_t last_result, summary_at, len;
    pt_logfile_t *lf;
    sample_t s;

    sample_init(&s, 0);
    write_sample(path, &s, 1, &last_result, &summary_at);
    data = slurp(path, &len);
    snprintf(where, sizeof where, "corrupt at offset %zu: ", last_result);

    /* before whole records: corrupt at its offset, not a torn tail, never out of memory */
    write_spliced(bad, data, len, last_result, huge_str, sizeof huge_str);
    ck_assert_int_eq(expect_refused(bad, where), EBADMSG);
    expect_refused(bad, "runs past the end of the file, and whole records follow");
    write_spliced(bad, data, len, last_result, huge_map, sizeof huge_map);
    ck_assert_int_eq(expect_refused(bad, where), EBADMSG);
    write_spliced(bad, data, len, last_result, huge_arr, sizeof huge_arr);
    ck_assert_int_eq(expect_refused(bad, where), EBADMSG);

    /* at the end, nothing whole after it: a torn tail, as a crash leaves */
    write_spliced(bad, data, len, len, huge_str, sizeof huge_str);
    lf = pt_logfile_read(bad, err);
    ck_assert_msg(lf != NULL, "%s", err);
    ck_assert_int_eq(lf->torn, 1);
    ck_assert_int_eq(lf->checked, 1);
    ck_assert_uint_eq(lf->unverified, 0);
    ck_assert_uint_eq(lf->valid_bytes, len);
    ck_assert_ptr_nonnull(lf->summary);
    check_results(lf, &s, NMAPS * NFOLDS);
    pt_logfile_destroy(&lf);

    /* one bit of the last result's checksum */
    data[summary_at - 1] ^= 1;
    write_file(bad, data, len, 0);
    ck_assert_int_eq(expect_refused(bad, where), EBADMSG);
    expect_refused(bad, "checksum mismatch");
    /* or of its metric, a float64 whose value stays finite */
    data[summary_at - 1] ^= 1;
    {
        char *m = memmem(data + last_result, summary_at - last_result, "\xa6metric\xcb", 8);
        ck_assert_ptr_nonnull(m);
        m[15] ^= 1;
        write_file(bad, data, len, 0);
        expect_refused(bad, "checksum mismatch");
        m[15] ^= 1;
    }
    /* the "crc" key renamed: no checksum in a log whose header has one */
    {
        char *k = memmem(data + last_result, summary_at - last_result, "\xa3" "crc\xce", 5);
        ck_assert_ptr_nonnull(k);
        k[1] = 'C';
        write_file(bad, data, len, 0);
        expect_refused(bad, "no checksum");
        k[1] = 'c';
    }
    write_file(bad, data, len, 0);
    lf = pt_logfile_read(bad, err);
    ck_assert_msg(lf != NULL, "%s", err);
    pt_logfile_destroy(&lf);
    free(data);
    sample_free(&s);
    free(path);
    free(bad);
    remove_dir(dir);
}
END_TEST

/* Result records with a value out of its range (fields are checked before the checksum, so
 * these records need none to be refused for what they hold). */
static void pack_fold_out(msgpack_packer *pk, const sample_t *s)
{
    pack_result_with(pk, s, "fold", v_index_big);
}
static void v_inf(msgpack_packer *pk) { msgpack_pack_double(pk, INFINITY); }
static void pack_metric_inf(msgpack_packer *pk, const sample_t *s)
{
    pack_result_with(pk, s, "metric", v_inf);
}
static void v_status_odd(msgpack_packer *pk) { pt_msgpack_pack_str(pk, "fine"); }
static void pack_status_odd(msgpack_packer *pk, const sample_t *s)
{
    pack_result_with(pk, s, "status", v_status_odd);
}

START_TEST(test_result_values)
{
    /* NFOLDS folds: fold NMAPS (3) is out of range when NFOLDS <= 3 */
    ck_assert_int_le(NFOLDS, NMAPS);
    expect_bad_record(pack_fold_out, 0, "field 'fold': integer out of range");
    expect_bad_record(pack_metric_inf, 0, "field 'metric': not finite");
    expect_bad_record(pack_status_odd, 0, "unknown status 'fine'");
}
END_TEST

Suite *suite_log(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("round_trip");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_round_trip_cv);
    tcase_add_test(tc, test_round_trip_tvs);
    tcase_add_test(tc, test_round_trip_categories);
    suite_add_tcase(s, tc);
    tc = tcase_create("torn");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_torn_every_cut);
    suite_add_tcase(s, tc);
    tc = tcase_create("refused");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_foreign_files);
    tcase_add_test(tc, test_newer_version);
    tcase_add_test(tc, test_malformed_records);
    tcase_add_test(tc, test_damage_in_the_middle);
    tcase_add_test(tc, test_result_values);
    suite_add_tcase(s, tc);
    tc = tcase_create("create");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_create_existing);
    tcase_add_test(tc, test_create_errors);
    tcase_add_test(tc, test_append_invalid);
    suite_add_tcase(s, tc);
    return s;
}
