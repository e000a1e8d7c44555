/* check_gbt.c - unit tests for pt_gbt: the prefix property (the first m trees of a boost are
 * the boost with maxIter m, bit for bit, with subsampling and feature subsets too), margins
 * in two steps equal to predict, the pack / unpack round trip, refusals, and a one-round
 * boost equal to the variance tree on the labels. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "pt_common.h"
#include "pt_gbt.h"
#include "trees_util.h"

#define N 600
#define P 4

typedef struct {
    double x[N * P], y[N], w[N];
    tu_data_t t;
} gset_t;

/* Rows with an interaction; a binary label (K = 2) or a number (K = 0); weights 0.5..1.5. */
static void make_gset(gset_t *s, size_t K)
{
    uint64_t st = 42;
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < P; j++)
            s->x[i * P + j] = round(pt_rng_uniform(&st) * 1000) / 100;
        double v = s->x[i * P] - 5 + (s->x[i * P + 1] - 5) * (s->x[i * P + 2] - 5) / 4 +
                   pt_rng_uniform(&st) - 0.5;
        s->y[i] = K ? (double)(v > 0) : v;
        s->w[i] = 0.5 + pt_rng_uniform(&st);
    }
    ck_assert_int_eq(tu_make(&s->t, s->x, s->y, s->w, N, P, 0, NULL, K, 32), 0);
}

static pt_gbt_params_t gparams(size_t K, int iters)
{
    pt_gbt_params_t g = {.tree = tu_params(PT_IMP_VARIANCE), .max_iter = iters,
                         .step_size = 0.3, .loss = K ? PT_GBT_LOGISTIC : PT_GBT_SQUARED};
    g.tree.max_depth = 3;
    return g;
}

START_TEST(prefix_is_the_smaller_boost)
{
    for (size_t K = 0; K <= 2; K += 2) {
        gset_t *s = malloc(sizeof *s);
        char err[512];
        make_gset(s, K);
        pt_gbt_params_t prm = gparams(K, 12);
        prm.tree.subsampling_rate = 0.7;
        prm.tree.subset = 2;
        pt_gbt_t *big = pt_gbt_fit(&s->t.d, &prm, err);
        ck_assert_msg(big != NULL, "%s", err);
        ck_assert_uint_eq(pt_gbt_trees(big), 12);
        prm.max_iter = 5;
        pt_gbt_t *small = pt_gbt_fit(&s->t.d, &prm, err);
        ck_assert_ptr_nonnull(small);
        double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
        double *fa = malloc(N * sizeof *fa), *fb = calloc(N, sizeof *fb);
        double *pa = malloc(2 * N * sizeof *pa), *pb = malloc(2 * N * sizeof *pb);
        pt_gbt_predict(big, 5, s->x, N, a, fa, pa);
        pt_gbt_predict(small, 0, s->x, N, b, NULL, pb);
        ck_assert_int_eq(memcmp(a, b, N * sizeof *a), 0);
        if (K)
            ck_assert_int_eq(memcmp(pa, pb, 2 * N * sizeof *pa), 0);
        /* margins in two steps (trees 0..2, then 3..4) are predict's, bit for bit */
        pt_gbt_margins(big, 0, 3, s->x, N, fb);
        pt_gbt_margins(big, 3, 5, s->x, N, fb);
        ck_assert_int_eq(memcmp(fa, fb, N * sizeof *fa), 0);
        pt_gbt_destroy(&big);
        pt_gbt_destroy(&small);
        free(a);
        free(b);
        free(fa);
        free(fb);
        free(pa);
        free(pb);
        tu_free(&s->t);
        free(s);
    }
}
END_TEST

/* One round is the variance tree on the labels (y' = 2y - 1 for the classifier), weight 1:
 * its leaf values are the weighted means of the labels in the leaf. */
START_TEST(first_round_is_the_tree_on_the_labels)
{
    gset_t *s = malloc(sizeof *s);
    char err[512];
    make_gset(s, 0);
    pt_gbt_params_t prm = gparams(0, 1);
    pt_gbt_t *g = pt_gbt_fit(&s->t.d, &prm, err);
    pt_forest_params_t fp = prm.tree;
    pt_forest_t *f = pt_forest_fit(&s->t.d, &fp, err);
    ck_assert_ptr_nonnull(g);
    ck_assert_ptr_nonnull(f);
    double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    pt_gbt_predict(g, 0, s->x, N, a, NULL, NULL);
    pt_forest_predict(f, 0, s->x, N, b, NULL, NULL);
    ck_assert_int_eq(memcmp(a, b, N * sizeof *a), 0);
    pt_gbt_destroy(&g);
    pt_forest_destroy(&f);
    free(a);
    free(b);
    tu_free(&s->t);
    free(s);
}
END_TEST

static pt_gbt_t *gbt_round_trip(const pt_gbt_t *g)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked u;
    pt_gbt_t *out = NULL;
    char err[512];
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    pt_gbt_pack(g, &pk);
    msgpack_unpacked_init(&u);
    ck_assert(msgpack_unpack_next(&u, sb.data, sb.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    ck_assert_msg(pt_gbt_unpack(&u.data, &out, err) == 0, "%s", err);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
    return out;
}

START_TEST(pack_round_trip)
{
    for (size_t K = 0; K <= 2; K += 2) {
        gset_t *s = malloc(sizeof *s);
        char err[512];
        double th[2] = {0.3, 0.7};
        make_gset(s, K);
        pt_gbt_params_t prm = gparams(K, 6);
        if (K)
            prm.tree.thresholds = th;
        pt_gbt_t *g = pt_gbt_fit(&s->t.d, &prm, err), *h;
        ck_assert_ptr_nonnull(g);
        h = gbt_round_trip(g);
        ck_assert_uint_eq(pt_gbt_trees(h), 6);
        double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b), ia[P], ib[P], sum = 0;
        pt_gbt_predict(g, 0, s->x, N, a, NULL, NULL);
        pt_gbt_predict(h, 0, s->x, N, b, NULL, NULL);
        ck_assert_int_eq(memcmp(a, b, N * sizeof *a), 0);
        pt_gbt_importances(g, 0, ia);
        pt_gbt_importances(h, 0, ib);
        ck_assert_int_eq(memcmp(ia, ib, sizeof ia), 0);
        for (size_t j = 0; j < P; j++)
            sum += ia[j];
        ck_assert(fabs(sum - 1) < 1e-12);
        ck_assert(ia[3] < ia[0]); /* the noise feature matters least */
        pt_gbt_destroy(&g);
        pt_gbt_destroy(&h);
        free(a);
        free(b);
        tu_free(&s->t);
        free(s);
    }
}
END_TEST

START_TEST(refusals)
{
    gset_t *s = malloc(sizeof *s);
    char err[512];
    pt_gbt_loss_t loss;
    ck_assert_int_eq(pt_gbt_loss("Absolute", 0, &loss, err), 0);
    ck_assert_int_eq(loss, PT_GBT_ABSOLUTE);
    ck_assert_int_eq(pt_gbt_loss(NULL, 1, &loss, err), 0);
    ck_assert_int_eq(loss, PT_GBT_LOGISTIC);
    ck_assert_int_eq(pt_gbt_loss("squared", 1, &loss, err), -EINVAL);
    ck_assert_int_eq(pt_gbt_loss("huber", 0, &loss, err), -EINVAL);
    make_gset(s, 0);
    pt_gbt_params_t prm = gparams(0, 3);
    prm.step_size = 0;
    ck_assert_ptr_null(pt_gbt_fit(&s->t.d, &prm, err));
    ck_assert_ptr_nonnull(strstr(err, "stepSize"));
    prm = gparams(0, 0);
    ck_assert_ptr_null(pt_gbt_fit(&s->t.d, &prm, err));
    ck_assert_ptr_nonnull(strstr(err, "maxIter"));
    s->t.d.nclasses = 3; /* a classifier on three classes */
    prm = gparams(3, 3);
    ck_assert_ptr_null(pt_gbt_fit(&s->t.d, &prm, err));
    ck_assert_ptr_nonnull(strstr(err, "binary only"));
    tu_free(&s->t);
    free(s);
}
END_TEST

Suite *suite_gbt(void)
{
    Suite *s = suite_create("gbt");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, prefix_is_the_smaller_boost);
    tcase_add_test(tc, first_round_is_the_tree_on_the_labels);
    tcase_add_test(tc, pack_round_trip);
    tcase_add_test(tc, refusals);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}
