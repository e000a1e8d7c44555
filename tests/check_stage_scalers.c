/* check_stage_scalers.c - unit tests of the minMaxScaler and maxAbsScaler stages
 * (pt_stage_minmax, pt_stage_maxabs) and the range helper they share (pt_stage_input_range).
 *
 * Each stage's descriptor is driven directly: fit on moments (the range from the moments)
 * and on rows behind a projection (the range from one pass), the map checked against Spark's
 * rule written out here with plain loops; the params check; pack and unpack give the same map.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "pt_common.h"
#include "pt_moments.h"
#include "pt_params.h"
#include "pt_stage.h"

enum { N = 300, P = 4, Q = 2 };

/* Rows with column 2 constant (3.25) and column 1 mostly negative. */
static void make_rows(double *x, double *y)
{
    uint64_t st = 5;
    for (size_t i = 0; i < N; i++) {
        x[i * P + 0] = 10.0 + 2.0 * pt_rng_normal(&st);
        x[i * P + 1] = -50.0 + 5.0 * pt_rng_normal(&st);
        x[i * P + 2] = 3.25;
        x[i * P + 3] = pt_rng_normal(&st);
        y[i] = x[i * P + 0] - x[i * P + 3];
    }
}

static void column_range(const double *x, size_t p, size_t j, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < N; i++) {
        *lo = fmin(*lo, x[i * p + j]);
        *hi = fmax(*hi, x[i * p + j]);
    }
}

/* st for stage name with p inputs and params "min"/"max" (NAN: not set). */
static void stage_init(pt_stage_fit_t *st, const char *name, size_t p, double lo, double hi)
{
    char key[64];
    memset(st, 0, sizeof *st);
    st->def = pt_stage_lookup(name);
    ck_assert_ptr_nonnull(st->def);
    st->p_in = p;
    for (int k = 0; k < 2; k++) {
        pt_value_t v = {PT_VAL_DOUBLE, k ? hi : lo, NULL};
        if (isnan(v.num))
            continue;
        snprintf(key, sizeof key, "%s.%s", name, k ? "max" : "min");
        ck_assert_int_eq(pt_paramlist_set(&st->params, key, &v), 0);
    }
}

/* Packs st's state as the model file does, unpacks it into a fresh stage and checks that
 * the map is the same, bit for bit. */
static void round_trip(const pt_stage_fit_t *st)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked u;
    pt_stage_fit_t back;
    char err[PT_ERRLEN];
    size_t p = st->p_in;

    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, st->def->npack);
    st->def->pack(st, &pk);
    msgpack_unpacked_init(&u);
    ck_assert_int_eq(msgpack_unpack_next(&u, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    memset(&back, 0, sizeof back);
    back.def = st->def;
    back.p_in = p;
    ck_assert_int_eq(pt_paramlist_copy(&back.params, &st->params), 0);
    ck_assert_msg(st->def->unpack(&back, &u.data, err) == 0, "%s", err);
    ck_assert_uint_eq(back.p_out, p);
    ck_assert_mem_eq(back.A, st->A, p * p * sizeof(double));
    ck_assert_mem_eq(back.c, st->c, p * sizeof(double));
    /* a field of the wrong length is refused */
    pt_stage_fit_free(&back);
    back.p_in = p + 1;
    ck_assert_int_eq(st->def->unpack(&back, &u.data, err), -EBADMSG);
    pt_stage_fit_free(&back);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
}

START_TEST(minmax_from_moments)
{
    double x[N * P], y[N], lo, hi;
    char err[PT_ERRLEN];
    pt_moments_t *m = pt_moments_new(P);
    pt_rowblock_t blk = {.x = x, .y = y, .n = N};
    pt_stage_fit_t st;
    make_rows(x, y);
    ck_assert_int_eq(pt_moments_from_rows(m, x, y, N), 0);
    for (int t = 0; t < 2; t++) {
        double a = t ? -2.0 : 0.0, b = t ? 10.0 : 1.0; /* the defaults, then min -2 max 10 */
        pt_stage_in_t in = {.m = m, .blocks = &blk, .nblocks = 1, .p_raw = P};
        stage_init(&st, "minMaxScaler", P, t ? a : NAN, t ? b : NAN);
        ck_assert_int_eq(st.def->check(&st, err), 0);
        ck_assert_msg(st.def->fit(&st, &in, err) == 0, "%s", err);
        ck_assert_uint_eq(st.p_out, P);
        for (size_t j = 0; j < P; j++) {
            column_range(x, P, j, &lo, &hi);
            for (size_t k = 0; k < P; k++)
                ck_assert(k == j || st.A[j * P + k] == 0.0);
            for (size_t i = 0; i < N; i++) {
                double z = x[i * P + j] * st.A[j * P + j] + st.c[j];
                /* Spark's rule; a constant column maps to the middle of [min, max] */
                double want = hi > lo ? (x[i * P + j] - lo) / (hi - lo) * (b - a) + a
                                      : 0.5 * (a + b);
                ck_assert_msg(fabs(z - want) <= 1e-12 * (fabs(want) + 1), "%zu %zu %g %g", i,
                              j, z, want);
            }
        }
        ck_assert(st.A[2 * P + 2] == 0.0 && st.c[2] == 0.5 * (a + b));
        round_trip(&st);
        pt_stage_fit_free(&st);
    }
    pt_moments_destroy(&m);
}
END_TEST

START_TEST(minmax_check_refuses_min_not_below_max)
{
    char err[PT_ERRLEN];
    pt_stage_fit_t st;
    stage_init(&st, "minMaxScaler", P, 1.0, 1.0);
    ck_assert_int_eq(st.def->check(&st, err), -EINVAL);
    ck_assert_str_eq(err, "minMaxScaler.min (1) must be less than minMaxScaler.max (1)");
    pt_stage_fit_free(&st);
    stage_init(&st, "minMaxScaler", P, NAN, -0.5); /* min defaults to 0 */
    ck_assert_int_eq(st.def->check(&st, err), -EINVAL);
    pt_stage_fit_free(&st);
    stage_init(&st, "minMaxScaler", P, -3, -2.5);
    ck_assert_int_eq(st.def->check(&st, err), 0);
    pt_stage_fit_free(&st);
}
END_TEST

/* The spec check runs the stage's check on every param map and names the options. */
START_TEST(spec_check_runs_the_stage_check)
{
    char err[PT_ERRLEN];
    pt_spec_t *s = pt_spec_new("minMaxScaler,maxAbsScaler,linearRegression", err);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(pt_spec_check(s, 3, err), 0); /* the defaults, 0 < 1 */
    ck_assert_int_eq(pt_spec_set(s, "minMaxScaler.min=1", err), 0);
    ck_assert_int_eq(pt_spec_add_axis(s, "minMaxScaler.max=10,2,1", err), 0);
    ck_assert_int_eq(pt_spec_check(s, 3, err), -EINVAL);
    ck_assert_str_eq(err, "minMaxScaler.min=1, minMaxScaler.max=10,2,1: minMaxScaler.min (1) "
                          "must be less than minMaxScaler.max (1)");
    pt_spec_destroy(&s);
    s = pt_spec_new("minMaxScaler,linearRegression", err);
    ck_assert_int_eq(pt_spec_add_axis(s, "minMaxScaler.max=10,2", err), 0);
    ck_assert_int_eq(pt_spec_check(s, 3, err), 0);
    pt_spec_destroy(&s);
}
END_TEST

/* A projection z = A^T x + c (P -> Q) mixes the features: the moments cannot give the range
 * of z, so the stages read the rows through the map. */
START_TEST(range_after_a_projection)
{
    double x[N * P], y[N], z[N * Q], lo, hi;
    double A[P * Q] = {1, 0.5, -2, 1, 0, 0, 0.25, 3}, c[Q] = {1.5, -4};
    char err[PT_ERRLEN];
    pt_moments_t *m = pt_moments_new(P), *mz = pt_moments_new(Q);
    pt_rowblock_t blk[2];
    pt_stage_fit_t st;
    make_rows(x, y);
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < Q; k++) {
            z[i * Q + k] = c[k];
            for (size_t j = 0; j < P; j++)
                z[i * Q + k] += A[j * Q + k] * x[i * P + j];
        }
    blk[0] = (pt_rowblock_t){.x = x, .y = y, .n = 100}; /* two blocks, as a fold's training set */
    blk[1] = (pt_rowblock_t){.x = x + 100 * P, .y = y + 100, .n = N - 100};
    ck_assert_int_eq(pt_moments_from_rows(m, x, y, N), 0);
    ck_assert_int_eq(pt_moments_affine(m, A, c, Q, mz), 0);
    ck_assert_int_eq(pt_moments_range_known(mz), 0);
    {
        pt_stage_in_t in = {.m = mz, .blocks = blk, .nblocks = 2, .p_raw = P, .A = A, .c = c};
        double rmin[Q], rmax[Q];
        ck_assert_int_eq(pt_stage_input_range(&in, rmin, rmax, err), 0);
        stage_init(&st, "maxAbsScaler", Q, NAN, NAN);
        ck_assert_msg(st.def->fit(&st, &in, err) == 0, "%s", err);
        for (size_t k = 0; k < Q; k++) {
            column_range(z, Q, k, &lo, &hi);
            ck_assert(fabs(rmin[k] - lo) <= 1e-12 * fabs(lo) && fabs(rmax[k] - hi) <= 1e-12 * fabs(hi));
            ck_assert(fabs(st.A[k * Q + k] * fmax(fabs(lo), fabs(hi)) - 1.0) <= 1e-12);
        }
        pt_stage_fit_free(&st);
    }
    pt_moments_destroy(&m);
    pt_moments_destroy(&mz);
}
END_TEST

START_TEST(maxabs_from_moments)
{
    double x[N * P], y[N], lo, hi;
    char err[PT_ERRLEN];
    pt_moments_t *m = pt_moments_new(P);
    pt_rowblock_t blk = {.x = x, .y = y, .n = N};
    pt_stage_in_t in = {.m = m, .blocks = &blk, .nblocks = 1, .p_raw = P};
    pt_stage_fit_t st;
    make_rows(x, y);
    for (size_t i = 0; i < N; i++)
        x[i * P + 2] = 0.0; /* a column of zeros keeps scale 1 */
    ck_assert_int_eq(pt_moments_from_rows(m, x, y, N), 0);
    stage_init(&st, "maxAbsScaler", P, NAN, NAN);
    ck_assert_msg(st.def->fit(&st, &in, err) == 0, "%s", err);
    for (size_t j = 0; j < P; j++) {
        double want;
        column_range(x, P, j, &lo, &hi);
        want = fmax(fabs(lo), fabs(hi));
        want = want == 0 ? 1.0 : 1.0 / want;
        ck_assert_msg(st.A[j * P + j] == want, "column %zu: %g vs %g", j, st.A[j * P + j], want);
        ck_assert(st.c[j] == 0.0);
    }
    ck_assert(st.A[1 * P + 1] < 0.03); /* the negative column's |min| is its maxAbs */
    ck_assert(st.A[2 * P + 2] == 1.0);
    round_trip(&st);
    pt_stage_fit_free(&st);
    pt_moments_destroy(&m);
}
END_TEST

Suite *suite_stage_scalers(void)
{
    Suite *s = suite_create("stage_scalers");
    TCase *tc = tcase_create("stage_scalers");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, minmax_from_moments);
    tcase_add_test(tc, minmax_check_refuses_min_not_below_max);
    tcase_add_test(tc, spec_check_runs_the_stage_check);
    tcase_add_test(tc, range_after_a_projection);
    tcase_add_test(tc, maxabs_from_moments);
    suite_add_tcase(s, tc);
    return s;
}
