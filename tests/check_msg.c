/* check_msg.c - unit tests of pt_msg: encode/decode of every message type and the decoder's
 * refusals.
 *
 * Round trips cover every field of every type (NaN metric, empty params, model bytes). The
 * error cases are built with the raw msgpack packer: not a map, a mistyped or missing field
 * for each type, truncated bytes at every length, trailing bytes, invalid msgpack.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "pt_common.h"
#include "pt_msg.h"

/* Encodes m, decodes it back into *back (which the caller clears). */
static void round_trip(const pt_msg_t *m, pt_msg_t *back)
{
    msgpack_sbuffer sb;
    char err[PT_ERRLEN] = "";
    msgpack_sbuffer_init(&sb);
    ck_assert_int_eq(pt_msg_encode(m, &sb), 0);
    ck_assert_msg(pt_msg_decode(sb.data, sb.size, back, err) == 0, "decode: %s", err);
    msgpack_sbuffer_destroy(&sb);
}

static void set_param(pt_paramlist_t *l, const char *key, pt_vtype_t t, double num,
                      const char *str)
{
    pt_value_t v = {t, num, (char *)str};
    ck_assert_int_eq(pt_paramlist_set(l, key, &v), 0);
}

START_TEST(test_hello_stop)
{
    pt_msg_t m = {0}, b;
    m.type = PT_MSG_HELLO;
    m.pid = 123456;
    round_trip(&m, &b);
    ck_assert_int_eq(b.type, PT_MSG_HELLO);
    ck_assert_int_eq(b.pid, 123456);
    pt_msg_clear(&b);

    m.type = PT_MSG_STOP;
    round_trip(&m, &b);
    ck_assert_int_eq(b.type, PT_MSG_STOP);
    ck_assert_int_eq(b.pid, 0);
    pt_msg_clear(&b);
}
END_TEST

START_TEST(test_job)
{
    pt_msg_t m = {0}, b;
    char *stages[] = {"standardScaler", "pca", "linearRegression"};

    m.type = PT_MSG_JOB;
    m.kind = PT_JOB_REFIT;
    m.job_id = INT64_C(1) << 40;
    m.param_index = 17;
    m.fold = -1;
    m.stages = stages;
    m.nstages = 3;
    set_param(&m.params, "pca.k", PT_VAL_INT, 15, NULL);
    set_param(&m.params, "linearRegression.regParam", PT_VAL_DOUBLE, 0.1, NULL);
    set_param(&m.params, "linearRegression.tol", PT_VAL_DOUBLE, NAN, NULL);
    set_param(&m.params, "linearRegression.fitIntercept", PT_VAL_BOOL, 0, NULL);
    set_param(&m.params, "linearRegression.solver", PT_VAL_STRING, 0, "l-bfgs");
    set_param(&m.params, "x.neg", PT_VAL_INT, -9007199254740992.0, NULL);
    round_trip(&m, &b);
    ck_assert_int_eq(b.type, PT_MSG_JOB);
    ck_assert_int_eq(b.kind, PT_JOB_REFIT);
    ck_assert(b.job_id == m.job_id);
    ck_assert_int_eq(b.param_index, 17);
    ck_assert_int_eq(b.fold, -1);
    ck_assert_uint_eq(b.nstages, 3);
    for (size_t i = 0; i < 3; i++)
        ck_assert_str_eq(b.stages[i], stages[i]);
    ck_assert_int_eq(pt_paramlist_equal(&m.params, &b.params), 1);
    pt_msg_clear(&b);
    ck_assert_ptr_null(b.stages);
    pt_paramlist_free(&m.params);

    /* no stages, empty params */
    m.stages = NULL;
    m.nstages = 0;
    round_trip(&m, &b);
    ck_assert_uint_eq(b.nstages, 0);
    ck_assert_uint_eq(b.params.n, 0);
    pt_msg_clear(&b);
}
END_TEST

START_TEST(test_result)
{
    pt_msg_t m = {0}, b;
    unsigned char model[300];

    for (size_t i = 0; i < sizeof model; i++)
        model[i] = (unsigned char)(i * 7);
    m.type = PT_MSG_RESULT;
    m.job_id = 5;
    m.param_index = 2;
    m.fold = 1;
    m.metric = 0.30000000000000004;
    m.fit_seconds = 1.25;
    m.eval_seconds = 1e-9;
    round_trip(&m, &b);
    ck_assert_int_eq(b.type, PT_MSG_RESULT);
    ck_assert(b.job_id == 5 && b.param_index == 2 && b.fold == 1);
    ck_assert(b.metric == m.metric);
    ck_assert(b.fit_seconds == 1.25 && b.eval_seconds == 1e-9);
    ck_assert_ptr_null(b.model);
    pt_msg_clear(&b);

    m.metric = NAN; /* a failed evaluation */
    m.fold = -1;
    m.model = model;
    m.model_len = sizeof model;
    round_trip(&m, &b);
    ck_assert(isnan(b.metric));
    ck_assert_int_eq(b.fold, -1);
    ck_assert_uint_eq(b.model_len, sizeof model);
    ck_assert_mem_eq(b.model, model, sizeof model);
    pt_msg_clear(&b);

    m.model_len = 0; /* present but empty stays present */
    round_trip(&m, &b);
    ck_assert_ptr_nonnull(b.model);
    ck_assert_uint_eq(b.model_len, 0);
    pt_msg_clear(&b);
}
END_TEST

START_TEST(test_numtrees_sharing)
{
    pt_msg_t m = {0}, b;
    int32_t pairs[4] = {3, 10, 5, 20}, nc[2] = {0, 1};
    double metrics[2] = {0.25, NAN}, path[2] = {0.1, 0.001};
    char *stages[] = {"randomForestRegressor"};

    m.type = PT_MSG_JOB;
    m.kind = PT_JOB_BINS;
    m.param_index = 4;
    m.fold = 1;
    m.stages = stages;
    m.nstages = 1;
    round_trip(&m, &b);
    ck_assert_int_eq(b.kind, PT_JOB_BINS);
    ck_assert_str_eq(pt_job_kind_name(b.kind), "bins");
    ck_assert_uint_eq(b.nshared, 0);
    pt_msg_clear(&b);
    m.kind = PT_JOB_OOF; /* tune --oof: a fold model asked for */
    round_trip(&m, &b);
    ck_assert_int_eq(b.kind, PT_JOB_OOF);
    ck_assert_str_eq(pt_job_kind_name(b.kind), "oof");
    ck_assert_int_eq(b.fold, 1);
    pt_msg_clear(&b);
    m.kind = PT_JOB_FIT;
    m.shared = pairs;
    m.nshared = 2;
    round_trip(&m, &b);
    ck_assert_uint_eq(b.nshared, 2);
    ck_assert_int_eq(b.shared[2], 5);
    ck_assert_int_eq(b.shared[3], 20);
    ck_assert_ptr_null(b.path);
    pt_msg_clear(&b);
    m.path = path; /* a regularization path: the pairs' regParam values */
    round_trip(&m, &b);
    ck_assert(b.nshared == 2 && b.path != NULL);
    ck_assert_double_eq(b.path[0], 0.1);
    ck_assert_double_eq(b.path[1], 0.001);
    pt_msg_clear(&b);
    m.path = NULL;

    memset(&m, 0, sizeof m);
    m.type = PT_MSG_RESULT;
    m.shared_metrics = metrics;
    m.nshared = 2;
    round_trip(&m, &b);
    ck_assert_uint_eq(b.nshared, 2);
    ck_assert_double_eq(b.shared_metrics[0], 0.25);
    ck_assert(isnan(b.shared_metrics[1]));
    ck_assert(b.iterations == 0 && b.shared_nc == NULL);
    pt_msg_clear(&b);
    m.iterations = 77;
    m.shared_nc = nc;
    round_trip(&m, &b);
    ck_assert(b.iterations == 77 && b.shared_nc != NULL);
    ck_assert(b.shared_nc[0] == 0 && b.shared_nc[1] == 1);
    pt_msg_clear(&b);
}
END_TEST

/* --search halving: a fit job on a prefix of each image block carries the rows per block. */
START_TEST(test_prefix)
{
    pt_msg_t m = {0}, b;
    int32_t rows[3] = {37, 37, 36};
    char *stages[] = {"linearRegression"};
    m.type = PT_MSG_JOB;
    m.kind = PT_JOB_FIT;
    m.stages = stages;
    m.nstages = 1;
    round_trip(&m, &b);
    ck_assert_uint_eq(b.nprefix, 0); /* absent: every row */
    ck_assert_ptr_null(b.prefix);
    pt_msg_clear(&b);
    m.prefix = rows;
    m.nprefix = 3;
    round_trip(&m, &b);
    ck_assert_uint_eq(b.nprefix, 3);
    ck_assert(b.prefix[0] == 37 && b.prefix[1] == 37 && b.prefix[2] == 36);
    pt_msg_clear(&b);
}
END_TEST

START_TEST(test_error_msg)
{
    pt_msg_t m = {0}, b;
    m.type = PT_MSG_ERROR;
    m.job_id = 9;
    m.param_index = 0;
    m.fold = 2;
    m.error = "linearRegression: singular matrix";
    round_trip(&m, &b);
    ck_assert_int_eq(b.type, PT_MSG_ERROR);
    ck_assert(b.job_id == 9 && b.param_index == 0 && b.fold == 2);
    ck_assert_str_eq(b.error, m.error);
    pt_msg_clear(&b);
}
END_TEST

START_TEST(test_encode_misc)
{
    msgpack_sbuffer sb;
    pt_msg_t m = {0}, b;
    char err[PT_ERRLEN];

    ck_assert_str_eq(pt_msg_type_name(PT_MSG_HELLO), "hello");
    ck_assert_str_eq(pt_msg_type_name(PT_MSG_JOB), "job");
    ck_assert_str_eq(pt_msg_type_name(PT_MSG_RESULT), "result");
    ck_assert_str_eq(pt_msg_type_name(PT_MSG_ERROR), "error");
    ck_assert_str_eq(pt_msg_type_name(PT_MSG_STOP), "stop");
    ck_assert_str_eq(pt_msg_type_name((pt_msg_type_t)99), "unknown");
    ck_assert_str_eq(pt_job_kind_name(PT_JOB_STATS), "stats");
    ck_assert_str_eq(pt_job_kind_name(PT_JOB_FIT), "fit");
    ck_assert_str_eq(pt_job_kind_name(PT_JOB_REFIT), "refit");
    ck_assert_str_eq(pt_job_kind_name((pt_job_kind_t)0), "unknown");

    msgpack_sbuffer_init(&sb);
    m.type = (pt_msg_type_t)0;
    ck_assert_int_eq(pt_msg_encode(&m, &sb), -EINVAL);
    ck_assert_uint_eq(sb.size, 0);
    m.type = PT_MSG_JOB; /* a job without a kind is not sent */
    ck_assert_int_eq(pt_msg_encode(&m, &sb), -EINVAL);
    ck_assert_uint_eq(sb.size, 0);
    /* encode appends: two messages in one buffer, each decodable from its own offset */
    m.type = PT_MSG_HELLO;
    m.pid = 1;
    ck_assert_int_eq(pt_msg_encode(&m, &sb), 0);
    {
        size_t first = sb.size;
        m.type = PT_MSG_STOP;
        ck_assert_int_eq(pt_msg_encode(&m, &sb), 0);
        ck_assert_int_eq(pt_msg_decode(sb.data + first, sb.size - first, &b, err), 0);
        ck_assert_int_eq(b.type, PT_MSG_STOP);
        pt_msg_clear(&b);
        ck_assert_int_eq(pt_msg_decode(sb.data, first, &b, err), 0);
        ck_assert_int_eq(b.type, PT_MSG_HELLO);
        pt_msg_clear(&b);
    }
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

/* ---- raw messages for the decoder's refusals ---- */

static const char *const fields_of[][8] = {
    {"hello", "pid", NULL},
    {"job", "kind", "job_id", "param_index", "fold", "stages", "params", NULL},
    {"result", "job_id", "param_index", "fold", "metric", "fit_seconds", "eval_seconds", NULL},
    {"error", "job_id", "param_index", "fold", "error", NULL},
};

/* Packs a valid value for field; a mistyped one when bad. */
static void pack_value(msgpack_packer *pk, const char *type, const char *field, int bad)
{
    int is_str = strcmp(field, "type") == 0 || strcmp(field, "error") == 0 ||
                 strcmp(field, "kind") == 0;
    if (bad) {
        if (is_str)
            msgpack_pack_int(pk, 7);
        else
            pt_msgpack_pack_str(pk, "x");
    } else if (strcmp(field, "type") == 0) {
        pt_msgpack_pack_str(pk, type);
    } else if (strcmp(field, "error") == 0) {
        pt_msgpack_pack_str(pk, "boom");
    } else if (strcmp(field, "kind") == 0) {
        pt_msgpack_pack_str(pk, "fit");
    } else if (strcmp(field, "stages") == 0) {
        msgpack_pack_array(pk, 1);
        pt_msgpack_pack_str(pk, "linearRegression");
    } else if (strcmp(field, "params") == 0) {
        msgpack_pack_map(pk, 1);
        pt_msgpack_pack_str(pk, "linearRegression.regParam");
        msgpack_pack_double(pk, 0.5);
    } else if (strstr(field, "seconds") != NULL || strcmp(field, "metric") == 0) {
        msgpack_pack_double(pk, 0.25);
    } else {
        msgpack_pack_int(pk, 3);
    }
}

/* A message of row t of fields_of with "type" first, field omit left out and field bad
 * mistyped (either may be NULL), plus an unknown key that must be ignored. */
static void build(msgpack_sbuffer *sb, size_t t, const char *omit, const char *bad)
{
    msgpack_packer pk;
    size_t n = 0;
    const char *type = fields_of[t][0];
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    for (size_t i = 1; fields_of[t][i] != NULL; i++)
        n += omit == NULL || strcmp(omit, fields_of[t][i]) != 0;
    n += omit == NULL || strcmp(omit, "type") != 0;
    msgpack_pack_map(&pk, n + 1);
    pt_msgpack_pack_str(&pk, "future_field");
    msgpack_pack_array(&pk, 0);
    if (omit == NULL || strcmp(omit, "type") != 0) {
        pt_msgpack_pack_str(&pk, "type");
        pack_value(&pk, type, "type", bad != NULL && strcmp(bad, "type") == 0);
    }
    for (size_t i = 1; fields_of[t][i] != NULL; i++) {
        const char *f = fields_of[t][i];
        if (omit != NULL && strcmp(omit, f) == 0)
            continue;
        pt_msgpack_pack_str(&pk, f);
        pack_value(&pk, type, f, bad != NULL && strcmp(bad, f) == 0);
    }
}

/* Decodes sb, expecting failure with a reason containing want. */
static void expect_bad(const void *buf, size_t len, const char *want)
{
    pt_msg_t m;
    char err[PT_ERRLEN] = "";
    int rc = pt_msg_decode(buf, len, &m, err);
    ck_assert_msg(rc == -EBADMSG, "decoded, expected \"%s\"", want);
    ck_assert_msg(strstr(err, want) != NULL, "reason \"%s\" lacks \"%s\"", err, want);
    pt_msg_clear(&m);
}

START_TEST(test_raw_valid)
{
    /* the builder's messages decode, unknown keys ignored */
    for (size_t t = 0; t < sizeof fields_of / sizeof fields_of[0]; t++) {
        msgpack_sbuffer sb;
        pt_msg_t m;
        char err[PT_ERRLEN] = "";
        msgpack_sbuffer_init(&sb);
        build(&sb, t, NULL, NULL);
        ck_assert_msg(pt_msg_decode(sb.data, sb.size, &m, err) == 0, "%s: %s",
                      fields_of[t][0], err);
        ck_assert_str_eq(pt_msg_type_name(m.type), fields_of[t][0]);
        pt_msg_clear(&m);
        msgpack_sbuffer_destroy(&sb);
    }
}
END_TEST

START_TEST(test_missing_and_mistyped)
{
    for (size_t t = 0; t < sizeof fields_of / sizeof fields_of[0]; t++) {
        for (size_t i = 0; fields_of[t][i] != NULL; i++) {
            const char *f = i == 0 ? "type" : fields_of[t][i];
            msgpack_sbuffer sb;
            char want[128];

            msgpack_sbuffer_init(&sb);
            build(&sb, t, f, NULL);
            snprintf(want, sizeof want, "missing field '%s'", f);
            expect_bad(sb.data, sb.size, want);
            msgpack_sbuffer_clear(&sb);

            build(&sb, t, NULL, f);
            snprintf(want, sizeof want, "field '%s': expected", f);
            expect_bad(sb.data, sb.size, want);
            msgpack_sbuffer_destroy(&sb);
        }
    }
}
END_TEST

/* Packs {type: type, <key>: <one value packed by fn>} with the other fields valid. */
typedef void (*packfn)(msgpack_packer *pk);
static void build_with(msgpack_sbuffer *sb, size_t t, const char *key, packfn fn)
{
    msgpack_packer pk;
    size_t n = 0;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    for (size_t i = 1; fields_of[t][i] != NULL; i++)
        n += strcmp(fields_of[t][i], key) != 0;
    msgpack_pack_map(&pk, n + 2);
    pt_msgpack_pack_str(&pk, "type");
    pt_msgpack_pack_str(&pk, fields_of[t][0]);
    for (size_t i = 1; fields_of[t][i] != NULL; i++) {
        if (strcmp(fields_of[t][i], key) == 0)
            continue;
        pt_msgpack_pack_str(&pk, fields_of[t][i]);
        pack_value(&pk, fields_of[t][0], fields_of[t][i], 0);
    }
    pt_msgpack_pack_str(&pk, key);
    fn(&pk);
}

static void p_int_max(msgpack_packer *pk) { msgpack_pack_int64(pk, (int64_t)INT32_MAX + 1); }
static void p_u64_big(msgpack_packer *pk) { msgpack_pack_uint64(pk, UINT64_MAX); }
static void p_neg(msgpack_packer *pk) { msgpack_pack_int64(pk, -3); }
static void p_int_for_double(msgpack_packer *pk) { msgpack_pack_int(pk, 2); }
static void p_float32(msgpack_packer *pk) { msgpack_pack_float(pk, 0.5f); }
static void p_bool(msgpack_packer *pk) { msgpack_pack_true(pk); }
static void p_nil(msgpack_packer *pk) { msgpack_pack_nil(pk); }
static void p_str(msgpack_packer *pk) { pt_msgpack_pack_str(pk, "x"); }
static void p_str_nul(msgpack_packer *pk) { msgpack_pack_str_with_body(pk, "a\0b", 3); }
static void p_stages_bad(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 2);
    pt_msgpack_pack_str(pk, "pca");
    msgpack_pack_int(pk, 1);
}
static void p_params_keyint(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 1);
    msgpack_pack_int(pk, 1);
    msgpack_pack_int(pk, 1);
}
static void p_params_array(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 1);
    pt_msgpack_pack_str(pk, "pca.k");
    msgpack_pack_array(pk, 0);
}
static void p_params_nil(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 1);
    pt_msgpack_pack_str(pk, "pca.k");
    msgpack_pack_nil(pk);
}
static void p_params_dup(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 2);
    pt_msgpack_pack_str(pk, "pca.k");
    msgpack_pack_int(pk, 1);
    pt_msgpack_pack_str(pk, "pca.k");
    msgpack_pack_int(pk, 2);
}
static void p_params_huge(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 1);
    pt_msgpack_pack_str(pk, "pca.k");
    msgpack_pack_uint64(pk, UINT64_C(1) << 60);
}
static void p_params_mixed(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 3);
    pt_msgpack_pack_str(pk, "a.neg");
    msgpack_pack_int64(pk, -5);
    pt_msgpack_pack_str(pk, "a.f32");
    msgpack_pack_float(pk, 0.25f);
    pt_msgpack_pack_str(pk, "a.b");
    msgpack_pack_false(pk);
}

/* index into fields_of */
enum { T_HELLO, T_JOB, T_RESULT, T_ERROR };

static void expect_bad_with(size_t t, const char *key, packfn fn, const char *want)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    build_with(&sb, t, key, fn);
    expect_bad(sb.data, sb.size, want);
    msgpack_sbuffer_destroy(&sb);
}

static void expect_ok_with(size_t t, const char *key, packfn fn, pt_msg_t *m)
{
    msgpack_sbuffer sb;
    char err[PT_ERRLEN] = "";
    msgpack_sbuffer_init(&sb);
    build_with(&sb, t, key, fn);
    ck_assert_msg(pt_msg_decode(sb.data, sb.size, m, err) == 0, "%s: %s", key, err);
    msgpack_sbuffer_destroy(&sb);
}

START_TEST(test_field_values)
{
    pt_msg_t m;
    const pt_value_t *v;

    expect_bad_with(T_HELLO, "pid", p_int_max, "field 'pid': integer out of range");
    expect_bad_with(T_JOB, "job_id", p_u64_big, "field 'job_id': integer out of range");
    expect_bad_with(T_JOB, "fold", p_str, "field 'fold': expected an integer, got str");
    expect_bad_with(T_JOB, "kind", p_str, "field 'kind': unknown job kind 'x'");
    expect_bad_with(T_RESULT, "metric", p_bool, "field 'metric': expected a number, got bool");
    expect_bad_with(T_RESULT, "metric", p_nil, "field 'metric': expected a number, got nil");
    expect_bad_with(T_RESULT, "model", p_str, "field 'model': expected bin, got str");
    expect_bad_with(T_ERROR, "error", p_str_nul, "field 'error': string contains a NUL");
    expect_bad_with(T_JOB, "stages", p_str, "field 'stages': expected array, got str");
    expect_bad_with(T_JOB, "stages", p_stages_bad, "field 'stages'[1]: expected str");
    expect_bad_with(T_JOB, "params", p_str, "field 'params': expected a map, got str");
    expect_bad_with(T_JOB, "params", p_params_keyint, "field 'params': key: expected str");
    expect_bad_with(T_JOB, "params", p_params_array,
                    "field 'params': 'pca.k': expected int, float, bool or str, got array");
    expect_bad_with(T_JOB, "params", p_params_nil, "got nil");
    expect_bad_with(T_JOB, "params", p_params_dup, "field 'params': duplicate key 'pca.k'");
    expect_bad_with(T_JOB, "params", p_params_huge, "too large");

    /* negative integers, an integer where a double is expected, float32, nil model */
    expect_ok_with(T_JOB, "fold", p_neg, &m);
    ck_assert_int_eq(m.fold, -3);
    pt_msg_clear(&m);
    expect_ok_with(T_RESULT, "metric", p_int_for_double, &m);
    ck_assert(m.metric == 2.0);
    pt_msg_clear(&m);
    expect_ok_with(T_RESULT, "fit_seconds", p_float32, &m);
    ck_assert(m.fit_seconds == 0.5);
    pt_msg_clear(&m);
    expect_ok_with(T_RESULT, "model", p_nil, &m);
    ck_assert_ptr_null(m.model);
    pt_msg_clear(&m);
    expect_ok_with(T_JOB, "params", p_params_mixed, &m);
    ck_assert_uint_eq(m.params.n, 3);
    v = pt_paramlist_get(&m.params, "a.neg");
    ck_assert(v != NULL && v->type == PT_VAL_INT && v->num == -5);
    v = pt_paramlist_get(&m.params, "a.f32");
    ck_assert(v != NULL && v->type == PT_VAL_DOUBLE && v->num == 0.25);
    v = pt_paramlist_get(&m.params, "a.b");
    ck_assert(v != NULL && v->type == PT_VAL_BOOL && v->num == 0);
    pt_msg_clear(&m);
}
END_TEST

START_TEST(test_not_a_map)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    static const unsigned char invalid[] = {0xc1};

    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 1);
    pt_msgpack_pack_str(&pk, "type");
    expect_bad(sb.data, sb.size, "not a map (got array)");
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_int(&pk, 42);
    expect_bad(sb.data, sb.size, "not a map (got positive integer)");
    msgpack_sbuffer_clear(&sb);
    pt_msgpack_pack_str(&pk, "hello");
    expect_bad(sb.data, sb.size, "not a map (got str)");
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 1);
    pt_msgpack_pack_str(&pk, "type");
    pt_msgpack_pack_str(&pk, "helo");
    expect_bad(sb.data, sb.size, "unknown message type 'helo'");
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 0);
    expect_bad(sb.data, sb.size, "missing field 'type'");
    msgpack_sbuffer_destroy(&sb);

    expect_bad("", 0, "empty message");
    expect_bad(invalid, sizeof invalid, "not valid msgpack");
    expect_bad("{\"type\": \"hello\"}", 17, "trailing bytes"); /* '{' is fixint 123 */
}
END_TEST

/* Declared lengths beyond the message: a 4 GB str, a 2^32-1 element array or map, a bin
 * of 4 GB, each inside an otherwise short job, is "truncated message" (bounded before any
 * allocation), never out of memory. */
START_TEST(test_huge_declared_lengths)
{
    static const unsigned char huge[][16] = {
        {0x81, 0xa4, 't', 'y', 'p', 'e', 0xdb, 0xff, 0xff, 0xff, 0xf0, 'j', 'o', 'b'},
        {0x81, 0xa6, 's', 't', 'a', 'g', 'e', 's', 0xdd, 0xff, 0xff, 0xff, 0xff, 0xa3, 'p',
         'c'},
        {0xdf, 0xff, 0xff, 0xff, 0xff, 0xa4, 't', 'y', 'p', 'e', 0xa3, 'j', 'o', 'b'},
        {0x81, 0xa5, 'm', 'o', 'd', 'e', 'l', 0xc6, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4},
        {0x81, 0xa5, 'm', 'o', 'd', 'e', 'l', 0xc9, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4},
    };
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        pt_msg_t b;
        char err[PT_ERRLEN] = "";
        ck_assert_int_eq(pt_msg_decode(huge[i], sizeof huge[i], &b, err), -EBADMSG);
        ck_assert_msg(strstr(err, "truncated message") != NULL, "case %zu: %s", i, err);
        pt_msg_clear(&b);
    }
}
END_TEST

START_TEST(test_truncated_and_trailing)
{
    msgpack_sbuffer sb;
    pt_msg_t m = {0};
    unsigned char model[40] = {1, 2, 3};
    char *stages[] = {"pca", "linearRegression"};
    char *buf;
    size_t job_len;

    msgpack_sbuffer_init(&sb);
    m.type = PT_MSG_JOB;
    m.kind = PT_JOB_FIT;
    m.stages = stages;
    m.nstages = 2;
    set_param(&m.params, "pca.k", PT_VAL_INT, 3, NULL);
    set_param(&m.params, "linearRegression.solver", PT_VAL_STRING, 0, "normal");
    ck_assert_int_eq(pt_msg_encode(&m, &sb), 0);
    job_len = sb.size;
    pt_paramlist_free(&m.params);
    memset(&m, 0, sizeof m);
    m.type = PT_MSG_RESULT;
    m.metric = NAN;
    m.model = model;
    m.model_len = sizeof model;
    ck_assert_int_eq(pt_msg_encode(&m, &sb), 0);

    /* every cut of the two messages: the job is truncated or followed by garbage, except
     * the cut right after the job */
    for (size_t len = 1; len < sb.size; len++) {
        pt_msg_t b;
        char err[PT_ERRLEN] = "";
        int rc = pt_msg_decode(sb.data, len, &b, err);
        pt_msg_clear(&b);
        if (len == job_len) {
            ck_assert_int_eq(rc, 0);
            continue;
        }
        ck_assert_int_eq(rc, -EBADMSG);
        ck_assert_msg(strstr(err, "truncated") != NULL || strstr(err, "trailing bytes") != NULL,
                      "len %zu: %s", len, err);
    }
    /* copies on the heap so that ASan sees reads past the end */
    for (size_t len = 1; len < sb.size; len++) {
        pt_msg_t b;
        buf = malloc(len);
        memcpy(buf, sb.data, len);
        ck_assert_int_eq(pt_msg_decode(buf, len, &b, NULL), len == job_len ? 0 : -EBADMSG);
        pt_msg_clear(&b);
        free(buf);
    }
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

START_TEST(test_params_helpers)
{
    msgpack_sbuffer sb;
    pt_msgpack_writer_t w;
    pt_paramlist_t a = {0, NULL}, b = {0, NULL};
    msgpack_unpacked u;
    size_t off = 0;
    char err[PT_ERRLEN];

    set_param(&a, "pca.k", PT_VAL_INT, 4, NULL);
    set_param(&a, "lr.regParam", PT_VAL_DOUBLE, 1e-300, NULL);
    set_param(&a, "lr.standardization", PT_VAL_BOOL, 1, NULL);
    set_param(&a, "lr.family", PT_VAL_STRING, 0, "");
    msgpack_sbuffer_init(&sb);
    pt_msgpack_writer_init(&w, &sb);
    pt_msgpack_pack_params(&w.pk, &a);
    ck_assert_int_eq(w.failed, 0);
    msgpack_unpacked_init(&u);
    ck_assert_int_eq(msgpack_unpack_next(&u, sb.data, sb.size, &off), MSGPACK_UNPACK_SUCCESS);
    ck_assert_int_eq(pt_msgpack_unpack_params(&u.data, &b, err), 0);
    ck_assert_int_eq(pt_paramlist_equal(&a, &b), 1);
    ck_assert_ptr_nonnull(pt_msgpack_map_get(&u.data, "lr.family"));
    ck_assert_ptr_null(pt_msgpack_map_get(&u.data, "lr.famil"));
    ck_assert_ptr_null(pt_msgpack_map_get(&u.data.via.map.ptr[0].val, "x")); /* not a map */
    msgpack_unpacked_destroy(&u);
    pt_paramlist_free(&a);
    pt_paramlist_free(&b);
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

Suite *suite_msg(void)
{
    Suite *s = suite_create("msg");
    TCase *tc = tcase_create("round_trip");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_hello_stop);
    tcase_add_test(tc, test_job);
    tcase_add_test(tc, test_result);
    tcase_add_test(tc, test_prefix);
    tcase_add_test(tc, test_error_msg);
    tcase_add_test(tc, test_numtrees_sharing);
    tcase_add_test(tc, test_encode_misc);
    tcase_add_test(tc, test_params_helpers);
    suite_add_tcase(s, tc);
    tc = tcase_create("decode_errors");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_raw_valid);
    tcase_add_test(tc, test_missing_and_mistyped);
    tcase_add_test(tc, test_field_values);
    tcase_add_test(tc, test_not_a_map);
    tcase_add_test(tc, test_truncated_and_trailing);
    tcase_add_test(tc, test_huge_declared_lengths);
    suite_add_tcase(s, tc);
    return s;
}
