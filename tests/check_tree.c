/* check_tree.c - unit tests of one tree (pt_tree through pt_forest_fit with one tree):
 * splits worked by hand for gini, entropy and variance; maxDepth 0; an invalid split
 * (impurity -1); pruning of equal sibling leaves; an ordered categorical split (centroid
 * order) through a global-code map; an unordered multiclass split that no ordered split
 * can find, and the same feature ordered under a small maxBins; maxBins below an arity;
 * minWeightFractionPerNode; subtraction versus direct histograms. */
#include <check.h>
#include <float.h>
#include <math.h>

#include "pt_common.h"
#include "trees_util.h"

static pt_forest_t *fit(tu_data_t *t, const pt_forest_params_t *prm)
{
    char err[512];
    pt_forest_t *f = pt_forest_fit(&t->d, prm, err);
    ck_assert_msg(f != NULL, "%s", err);
    return f;
}

static double predict1(const pt_forest_t *f, double x0)
{
    double x[2] = {x0, 0}, pred;
    pt_forest_predict(f, 0, x, 1, &pred, NULL, NULL);
    return pred;
}

START_TEST(gini_by_hand)
{
    double x[] = {1, 2, 3, 4}, y[] = {0, 0, 1, 1};
    tu_data_t t;
    ck_assert_int_eq(tu_make(&t, x, y, NULL, 4, 1, 0, NULL, 2, 32), 0);
    pt_forest_params_t prm = tu_params(PT_IMP_GINI);
    pt_forest_t *f = fit(&t, &prm);
    const pt_tree_t *tr = pt_forest_tree(f, 0);
    ck_assert_uint_eq(tr->nnodes, 3);
    ck_assert_int_eq(tr->feature[0], 0);
    ck_assert_double_eq(tr->thr[0], 2.5);
    ck_assert_double_eq(tr->gain[0], 0.5);
    ck_assert_double_eq(tr->impurity[0], 0.5);
    ck_assert_double_eq(tr->pred[1], 0);
    ck_assert_double_eq(tr->pred[2], 1);
    ck_assert_double_eq(predict1(f, 2.5), 0);
    ck_assert_double_eq(predict1(f, 2.6), 1);
    ck_assert_double_eq(predict1(f, NAN), 1); /* NaN goes right */
    double prob[2], raw[2], pred, xr[1] = {1};
    pt_forest_predict(f, 0, xr, 1, &pred, prob, raw);
    ck_assert_double_eq(raw[0], 2); /* a decision tree's raw: the leaf's class counts */
    ck_assert_double_eq(raw[1], 0);
    ck_assert_double_eq(prob[0], 1);
    pt_forest_destroy(&f);
    tu_free(&t);
}
END_TEST

/* Entropy, 6 rows x = 1..6, y = 0 0 1 0 1 1: parent H(1/2) = 1. At 2.5: left pure (2 rows),
 * right 1 0 1 1 -> H(1/4); at 3.5: 0 0 1 | 0 1 1, both H(1/3); at 4.5: 0 0 1 0 (H(1/4)) | pure.
 * 2.5 and 4.5 tie at 1 - 4/6 H(1/4) and beat 3.5: the first one, 2.5, wins. */
START_TEST(entropy_by_hand)
{
    double x[] = {1, 2, 3, 4, 5, 6}, y[] = {0, 0, 1, 0, 1, 1};
    tu_data_t t;
    ck_assert_int_eq(tu_make(&t, x, y, NULL, 6, 1, 0, NULL, 2, 32), 0);
    pt_forest_params_t prm = tu_params(PT_IMP_ENTROPY);
    prm.max_depth = 1;
    pt_forest_t *f = fit(&t, &prm);
    const pt_tree_t *tr = pt_forest_tree(f, 0);
    double h14 = -(0.25 * log(0.25) + 0.75 * log(0.75)) / log(2.0);
    ck_assert_double_eq(tr->thr[0], 2.5);
    ck_assert_double_eq_tol(tr->gain[0], 1 - 4.0 / 6 * h14, 1e-15);
    ck_assert_double_eq_tol(tr->impurity[2], h14, 1e-15);
    ck_assert_double_eq(tr->impurity[1], 0);
    pt_forest_destroy(&f);
    tu_free(&t);
}
END_TEST

/* Variance: y = 1 2 10 11 over x = 1..4: parent variance 20.5, at 2.5 both sides 0.25:
 * gain 20.25, leaves 1.5 and 10.5. maxDepth 0 gives the root leaf, the mean 6. */
START_TEST(variance_by_hand)
{
    double x[] = {1, 2, 3, 4}, y[] = {1, 2, 10, 11};
    tu_data_t t;
    ck_assert_int_eq(tu_make(&t, x, y, NULL, 4, 1, 0, NULL, 0, 32), 0);
    pt_forest_params_t prm = tu_params(PT_IMP_VARIANCE);
    prm.max_depth = 1;
    pt_forest_t *f = fit(&t, &prm);
    const pt_tree_t *tr = pt_forest_tree(f, 0);
    ck_assert_double_eq(tr->thr[0], 2.5);
    ck_assert_double_eq(tr->gain[0], 20.25);
    ck_assert_double_eq(tr->pred[1], 1.5);
    ck_assert_double_eq(tr->pred[2], 10.5);
    ck_assert_double_eq(tr->impurity[1], 0.25);
    ck_assert_double_eq(predict1(f, 3), 10.5);
    pt_forest_destroy(&f);
    prm.max_depth = 0;
    f = fit(&t, &prm);
    ck_assert_uint_eq(pt_forest_tree(f, 0)->nnodes, 1);
    ck_assert_double_eq(predict1(f, 3), 6);
    ck_assert_double_eq(pt_forest_tree(f, 0)->impurity[0], 20.5);
    pt_forest_destroy(&f);
    tu_free(&t);
}
END_TEST

/* minInstancesPerNode 3 of 4 rows: every split invalid, the root a leaf of impurity -1. */
START_TEST(invalid_split)
{
    double x[] = {1, 2, 3, 4}, y[] = {1, 2, 10, 11};
    tu_data_t t;
    ck_assert_int_eq(tu_make(&t, x, y, NULL, 4, 1, 0, NULL, 0, 32), 0);
    pt_forest_params_t prm = tu_params(PT_IMP_VARIANCE);
    prm.min_instances_per_node = 3;
    pt_forest_t *f = fit(&t, &prm);
    ck_assert_uint_eq(pt_forest_tree(f, 0)->nnodes, 1);
    ck_assert_double_eq(pt_forest_tree(f, 0)->impurity[0], -1);
    pt_forest_destroy(&f);
    /* minWeightFractionPerNode 0.3 with weights 1 1 1 5: the split at 2.5 leaves 2 of 8 on
     * the left (< 2.4); at 3.5 the right 5 and left 3 pass */
    double w[] = {1, 1, 1, 5};
    tu_free(&t);
    ck_assert_int_eq(tu_make(&t, x, y, w, 4, 1, 0, NULL, 0, 32), 0);
    prm = tu_params(PT_IMP_VARIANCE);
    prm.max_depth = 1;
    prm.min_weight_fraction = 0.3;
    f = fit(&t, &prm);
    ck_assert_double_eq(pt_forest_tree(f, 0)->thr[0], 3.5);
    pt_forest_destroy(&f);
    tu_free(&t);
}
END_TEST

/* y = 0 1 0 0 0 0 over x = 1..6, maxDepth 1, gini: the best split (2.5: 0 1 | 0 0 0 0,
 * gain 1/9) leaves two leaves that both predict 0 (the first of equal counts): merged into
 * one leaf with the root's impurity 10/36; no importance. */
START_TEST(pruning)
{
    double x[] = {1, 2, 3, 4, 5, 6}, y[] = {0, 1, 0, 0, 0, 0}, imp[1];
    tu_data_t t;
    ck_assert_int_eq(tu_make(&t, x, y, NULL, 6, 1, 0, NULL, 2, 32), 0);
    pt_forest_params_t prm = tu_params(PT_IMP_GINI);
    prm.max_depth = 1;
    pt_forest_t *f = fit(&t, &prm);
    const pt_tree_t *tr = pt_forest_tree(f, 0);
    ck_assert_uint_eq(tr->nnodes, 1);
    ck_assert_double_eq(tr->pred[0], 0);
    ck_assert_double_eq_tol(tr->impurity[0], 10.0 / 36, 1e-15);
    ck_assert_double_eq(tr->stats[0], 5);
    ck_assert_double_eq(tr->stats[1], 1);
    pt_forest_importances(f, 0, imp);
    ck_assert_double_eq(imp[0], 0);
    pt_forest_destroy(&f);
    tu_free(&t);
}
END_TEST

/* A categorical feature with global codes 0..3 mapped to Spark's indices 0 -> 2, 1 -> 0,
 * 2 -> 1, 3 unseen. Category means: index 2 (code 0) 5, index 0 (code 1) 1, index 1 (code
 * 2) 3; centroid order 0, 1, 2; splits {0} | {1, 2} and {0, 1} | {2} tie at gain 2: the
 * first, left set {0}, is stored as the left set (1 <= 3 / 2): an unseen category goes
 * right. */
START_TEST(categorical_ordered)
{
    double x[] = {0, 0, 1, 1, 2, 2}, y[] = {5, 5, 1, 1, 3, 3};
    uint64_t cs[] = {4};
    tu_data_t t;
    ck_assert_int_eq(tu_make(&t, x, y, NULL, 6, 0, 1, cs, 0, 32), 0);
    t.ci[0][0] = 2;
    t.ci[0][1] = 0;
    t.ci[0][2] = 1;
    t.ci[0][3] = -1;
    t.arity[0] = 3;
    pt_forest_params_t prm = tu_params(PT_IMP_VARIANCE);
    prm.max_depth = 1;
    pt_forest_t *f = fit(&t, &prm);
    const pt_tree_t *tr = pt_forest_tree(f, 0);
    ck_assert_int_eq(tr->feature[0], 0);
    ck_assert_double_eq(tr->gain[0], 2);
    ck_assert_uint_eq(tr->cats[tr->cat_off[0]], 1); /* {0} */
    ck_assert_int_eq(tr->unseen_left[0], 0);
    ck_assert_double_eq(predict1(f, 0), 1);  /* Spark index 0 */
    ck_assert_double_eq(predict1(f, 1), 4);
    ck_assert_double_eq(predict1(f, 2), 4);
    ck_assert_double_eq(predict1(f, -1), 4); /* unseen */
    pt_forest_destroy(&f);
    /* maxBins 2 < arity 3: refused, naming maxBins */
    char err[512];
    prm.max_bins = 2;
    ck_assert_ptr_null(pt_forest_fit(&t.d, &prm, err));
    ck_assert_ptr_nonnull(strstr(err, "maxBins"));
    tu_free(&t);
}
END_TEST

/* Three classes, one categorical feature of arity 3 with class counts per category
 * [4 0 0], [0 6 2], [3 0 3]. Weighted child gini of the three bipartitions: {0}: 0.5,
 * {1}: 0.4, {0,1}: 0.574. Unordered (maxBins 32 allows 5 categories) finds {1}; ordered
 * (maxBins 4 allows 2) sorts by gini 0, 0.375, 0.5 and sees only {0} and {0, 1}. */
START_TEST(categorical_unordered)
{
    int cnt[3][3] = {{4, 0, 0}, {0, 6, 2}, {3, 0, 3}};
    double x[18], y[18];
    size_t n = 0;
    uint64_t cs[] = {3};
    for (int c = 0; c < 3; c++)
        for (int k = 0; k < 3; k++)
            for (int r = 0; r < cnt[c][k]; r++) {
                x[n] = c;
                y[n++] = k;
            }
    tu_data_t t;
    ck_assert_int_eq(tu_make(&t, x, y, NULL, n, 0, 1, cs, 3, 32), 0);
    pt_forest_params_t prm = tu_params(PT_IMP_GINI);
    prm.max_depth = 1;
    pt_forest_t *f = fit(&t, &prm);
    const pt_tree_t *tr = pt_forest_tree(f, 0);
    ck_assert_uint_eq(tr->cats[tr->cat_off[0]], 2); /* {1} */
    ck_assert_double_eq_tol(tr->gain[0], 1 - (49.0 + 36 + 25) / 324 - 0.4, 1e-15);
    ck_assert_double_eq(predict1(f, 1), 1);
    ck_assert_double_eq(predict1(f, 0), 0);
    pt_forest_destroy(&f);
    prm.max_bins = 4;
    f = fit(&t, &prm);
    tr = pt_forest_tree(f, 0);
    ck_assert_uint_eq(tr->cats[tr->cat_off[0]], 1); /* {0} */
    pt_forest_destroy(&f);
    ck_assert_int_eq(pt_tree_max_unordered(32), 5);
    ck_assert_int_eq(pt_tree_max_unordered(4), 2);
    tu_free(&t);
}
END_TEST

/* The same tree whether histograms are subtracted (the default pool) or all built from
 * rows (a pool so small that few parents' histograms are kept): 9 classes, exact sums. */
START_TEST(subtraction_equals_direct)
{
    size_t n = 3000, p = 5;
    double *x = malloc(n * p * sizeof *x), *y = malloc(n * sizeof *y);
    uint64_t st = 11;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < p; j++)
            x[i * p + j] = (double)(pt_rng_next(&st) % 50);
        y[i] = (double)(((int)x[i * p] + (int)x[i * p + 1] * 3 + (int)(pt_rng_next(&st) % 7)) % 9);
    }
    tu_data_t t;
    char err[512];
    ck_assert_int_eq(tu_make(&t, x, y, NULL, n, p, 0, NULL, 9, 32), 0);
    pt_tree_cfg_t cfg = {.max_depth = 12, .max_bins = 32, .min_instances = 1,
                         .impurity = PT_IMP_GINI, .subset = p, .threads = 1};
    pt_tree_t a, b;
    pt_tree_ws_t *ws = pt_tree_ws_new(&t.d, &cfg, err);
    ck_assert_int_eq(pt_tree_grow(ws, y, NULL, NULL, 1, &a, err), 0);
    pt_tree_ws_destroy(&ws);
    cfg.hist_mb = 0;
    cfg.hist_mb = 1; /* 1 MB / (5 x 32 x 10 x 8 bytes): 81 buffers, fewer than the nodes */
    cfg.threads = 3;
    ws = pt_tree_ws_new(&t.d, &cfg, err);
    ck_assert_int_eq(pt_tree_grow(ws, y, NULL, NULL, 1, &b, err), 0);
    pt_tree_ws_destroy(&ws);
    ck_assert_uint_gt(a.nnodes, 400);
    ck_assert_uint_eq(a.nnodes, b.nnodes);
    ck_assert_int_eq(memcmp(a.feature, b.feature, a.nnodes * sizeof *a.feature), 0);
    ck_assert_int_eq(memcmp(a.thr, b.thr, a.nnodes * sizeof *a.thr), 0);
    ck_assert_int_eq(memcmp(a.pred, b.pred, a.nnodes * sizeof *a.pred), 0);
    pt_tree_free(&a);
    pt_tree_free(&b);
    tu_free(&t);
    free(x);
    free(y);
}
END_TEST

Suite *suite_tree(void)
{
    Suite *s = suite_create("tree");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, gini_by_hand);
    tcase_add_test(tc, entropy_by_hand);
    tcase_add_test(tc, variance_by_hand);
    tcase_add_test(tc, invalid_split);
    tcase_add_test(tc, pruning);
    tcase_add_test(tc, categorical_ordered);
    tcase_add_test(tc, categorical_unordered);
    tcase_add_test(tc, subtraction_equals_direct);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    return s;
}
