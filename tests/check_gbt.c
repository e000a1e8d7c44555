/* check_gbt.c - unit tests for pt_gbt: the prefix property (the first m trees of a boost are
 * the boost with maxIter m, bit for bit, with subsampling and feature subsets too), margins
 * in two steps equal to predict, the pack / unpack round trip, refusals, a one-round
 * boost equal to the variance tree on the labels, and the early stop on validation rows
 * (Spark's rule, the trees kept per maxIter), and models that do not depend on the threads
 * (histograms summed in lanes) or on unit rows read as labels alone. */
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

/* Early stop: the first 400 rows train, the last 200 (coded on the training bins) are the
 * validation rows. The errors per round are the weighted mean loss of predict's margins,
 * the rounds kept pass Spark's rule and the next one fails it, a smaller maxIter is the
 * prefix, and pt_gbt_kept says so. */
START_TEST(early_stop)
{
    for (size_t K = 0; K <= 2; K += 2) {
        gset_t *s = malloc(sizeof *s);
        tu_data_t t;
        tu_mat_t mv = {s->x + 400 * P, P};
        pt_tree_data_t vd;
        char err[512];
        double F[200], pred[200];
        size_t nv, kept;
        make_gset(s, K);
        ck_assert_int_eq(tu_make(&t, s->x, s->y, s->w, 400, P, 0, NULL, K, 32), 0);
        vd = t.d;
        vd.n = 200;
        vd.codes = malloc(pt_bins_code_bytes(&t.bins, 200) + 1);
        pt_bins_code(&t.bins, tu_rows, &mv, 200, 0, 200, (void *)vd.codes);
        vd.y = s->y + 400;
        vd.w = s->w + 400;
        pt_gbt_params_t prm = gparams(K, 80);
        prm.valid = &vd;
        prm.validation_tol = 0.01;
        pt_gbt_t *g = pt_gbt_fit(&t.d, &prm, err);
        ck_assert_msg(g != NULL, "%s", err);
        const double *e = pt_gbt_validation(g, &nv);
        kept = pt_gbt_trees(g);
        ck_assert_uint_lt(kept, 80); /* it stopped: the tree that stopped it went */
        ck_assert_uint_eq(nv, kept + 1);
        for (size_t m = 1; m <= kept; m++) {
            double es = 0, ws = 0;
            pt_gbt_predict(g, m, s->x + 400 * P, 200, pred, F, NULL);
            for (size_t i = 0; i < 200; i++) {
                double y = K ? 2 * s->y[400 + i] - 1 : s->y[400 + i];
                double l = K ? 2 * log1p(exp(-2 * y * F[i])) : (y - F[i]) * (y - F[i]);
                es += s->w[400 + i] * l;
                ws += s->w[400 + i];
            }
            ck_assert_double_eq_tol(e[m - 1], es / ws, 1e-12 * (1 + es / ws));
            if (m > 1) /* each kept round gained at least tol x max(e, 0.01) */
                ck_assert(e[m - 2] - e[m - 1] >= 0.01 * fmax(e[m - 1], 0.01));
            ck_assert_uint_eq(pt_gbt_kept(g, m), m);
        }
        ck_assert(e[kept - 1] - e[kept] < 0.01 * fmax(e[kept], 0.01));
        ck_assert_uint_eq(pt_gbt_kept(g, kept + 1), kept);
        ck_assert_uint_eq(pt_gbt_kept(g, 0), kept);
        ck_assert_uint_eq(pt_gbt_max_iter(g), 80);
        if (kept > 2) { /* maxIter = kept - 1: the prefix, no stop */
            double a[200], b[200];
            prm.max_iter = (int)kept - 1;
            pt_gbt_t *h = pt_gbt_fit(&t.d, &prm, err);
            ck_assert_ptr_nonnull(h);
            ck_assert_uint_eq(pt_gbt_trees(h), kept - 1);
            pt_gbt_predict(g, kept - 1, s->x, 200, a, NULL, NULL);
            pt_gbt_predict(h, 0, s->x, 200, b, NULL, NULL);
            ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
            pt_gbt_destroy(&h);
        }
        prm.validation_tol = -1;
        ck_assert_ptr_null(pt_gbt_fit(&t.d, &prm, err));
        ck_assert_ptr_nonnull(strstr(err, "validationTol"));
        pt_gbt_destroy(&g);
        free((void *)vd.codes);
        tu_free(&t);
        tu_free(&s->t);
        free(s);
    }
}
END_TEST

/* g packed (msgpack bytes, *len of them; free after). */
static char *gbt_bytes(const pt_gbt_t *g, size_t *len)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    pt_gbt_pack(g, &pk);
    *len = sb.size;
    return sb.data;
}

/* The boost of prm on d with `threads` threads, packed. */
static char *boost_bytes(const pt_tree_data_t *d, pt_gbt_params_t prm, int threads,
                         size_t *len)
{
    char err[512], *b;
    prm.tree.threads = threads;
    pt_gbt_t *g = pt_gbt_fit(d, &prm, err);
    ck_assert_msg(g != NULL, "%s", err);
    b = gbt_bytes(g, len);
    pt_gbt_destroy(&g);
    return b;
}

/* Rows enough for the root's histograms to be summed in lanes (pt_tree.c, LANE_ROWS): the
 * model (every split, leaf value and node statistic) is the same bit for bit with 1, 2, 3 or
 * 5 threads, with and without subsampling; and the same when weights of 1 are given (the
 * 32-byte records) as without weights (unit rows, the label alone read). */
#define NBIG 70000
START_TEST(threads_do_not_change_the_model)
{
    double *x = malloc(NBIG * P * sizeof *x), *y = malloc(NBIG * sizeof *y);
    double *ones = malloc(NBIG * sizeof *ones);
    uint64_t st = 7;
    for (size_t i = 0; i < NBIG; i++) {
        for (size_t j = 0; j < P; j++)
            x[i * P + j] = pt_rng_uniform(&st) * 10;
        y[i] = sin(x[i * P]) + x[i * P + 1] * x[i * P + 2] / 10 + pt_rng_uniform(&st);
        ones[i] = 1;
    }
    for (size_t K = 0; K <= 2; K += 2) {
        tu_data_t t, tw;
        if (K)
            for (size_t i = 0; i < NBIG; i++)
                y[i] = y[i] > 3;
        ck_assert_int_eq(tu_make(&t, x, y, NULL, NBIG, P, 0, NULL, K, 32), 0);
        ck_assert_int_eq(tu_make(&tw, x, y, ones, NBIG, P, 0, NULL, K, 32), 0);
        for (int sub = 0; sub < 2; sub++) {
            pt_gbt_params_t prm = gparams(K, 4);
            size_t n1, n, nw;
            prm.tree.max_depth = 4;
            prm.tree.subsampling_rate = sub ? 0.7 : 1;
            char *one = boost_bytes(&t.d, prm, 1, &n1), *b;
            int threads[] = {2, 3, 5};
            for (size_t k = 0; k < 3; k++) {
                b = boost_bytes(&t.d, prm, threads[k], &n);
                ck_assert_msg(n == n1 && memcmp(b, one, n) == 0,
                              "K %zu, subsampling %d: %d threads give another model", K, sub,
                              threads[k]);
                free(b);
            }
            b = boost_bytes(&tw.d, prm, 2, &nw);
            ck_assert_msg(nw == n1 && memcmp(b, one, nw) == 0,
                          "K %zu, subsampling %d: weights of 1 give another model", K, sub);
            free(b);
            free(one);
        }
        tu_free(&t);
        tu_free(&tw);
    }
    free(x);
    free(y);
    free(ones);
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
    tcase_add_test(tc, early_stop);
    tcase_add_test(tc, threads_do_not_change_the_model);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}
