/* check_forest.c - unit tests of forests (pt_forest): featureSubsetStrategy forms, the
 * numTrees prefix property (bit for bit), thread counts 1 and 4 giving the same forest,
 * importances summing to 1, soft-vote probabilities, thresholds, pack / unpack predicting
 * identically, bad params. */
#include <check.h>
#include <math.h>

#include "pt_common.h"
#include "pt_mpk.h"
#include "trees_util.h"

START_TEST(subset_forms)
{
    size_t c;
    char err[512];
    ck_assert_int_eq(pt_forest_subset("auto", 30, 1, 20, &c, err), 0);
    ck_assert_uint_eq(c, 6); /* ceil(sqrt 30) */
    ck_assert_int_eq(pt_forest_subset("auto", 30, 0, 20, &c, err), 0);
    ck_assert_uint_eq(c, 10);
    ck_assert_int_eq(pt_forest_subset("auto", 30, 1, 1, &c, err), 0);
    ck_assert_uint_eq(c, 30);
    ck_assert_int_eq(pt_forest_subset("log2", 30, 1, 5, &c, err), 0);
    ck_assert_uint_eq(c, 5);
    ck_assert_int_eq(pt_forest_subset("log2", 1, 1, 5, &c, err), 0);
    ck_assert_uint_eq(c, 1);
    ck_assert_int_eq(pt_forest_subset("onethird", 31, 1, 5, &c, err), 0);
    ck_assert_uint_eq(c, 11);
    ck_assert_int_eq(pt_forest_subset("1", 30, 1, 5, &c, err), 0);
    ck_assert_uint_eq(c, 1);
    ck_assert_int_eq(pt_forest_subset("1.0", 30, 1, 5, &c, err), 0);
    ck_assert_uint_eq(c, 30);
    ck_assert_int_eq(pt_forest_subset("0.25", 30, 1, 5, &c, err), 0);
    ck_assert_uint_eq(c, 8);
    ck_assert_int_eq(pt_forest_subset("99", 30, 1, 5, &c, err), 0);
    ck_assert_uint_eq(c, 30);
    ck_assert_int_eq(pt_forest_subset("SQRT", 16, 1, 5, &c, err), 0);
    ck_assert_uint_eq(c, 4);
    ck_assert_int_eq(pt_forest_subset("half", 30, 1, 5, &c, err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "featureSubsetStrategy"));
    ck_assert_int_eq(pt_forest_subset("0", 30, 1, 5, &c, err), -EINVAL);
    ck_assert_int_eq(pt_forest_subset("1.5", 30, 1, 5, &c, err), -EINVAL);
    ck_assert_int_eq(pt_forest_subset("-2", 30, 1, 5, &c, err), -EINVAL);
}
END_TEST

/* A 3-class data set of n rows: 6 continuous features, one categorical of 4 codes. */
typedef struct {
    double *x, *y, *w;
    size_t n, p;
    tu_data_t t;
} set_t;

static void make_set(set_t *s, size_t n, size_t K, int weighted)
{
    uint64_t st = 5, cs[] = {4};
    s->n = n;
    s->p = 7;
    s->x = malloc(n * s->p * sizeof *s->x);
    s->y = malloc(n * sizeof *s->y);
    s->w = weighted ? malloc(n * sizeof *s->w) : NULL;
    for (size_t i = 0; i < n; i++) {
        double *r = s->x + i * s->p, z = 0;
        for (size_t j = 0; j < 6; j++) {
            r[j] = pt_rng_normal(&st);
            z += (j < 3 ? 1.0 : 0.2) * r[j];
        }
        r[6] = (double)(pt_rng_next(&st) % 4);
        z += r[6] == 2 ? 1 : 0;
        z += 0.5 * pt_rng_normal(&st);
        s->y[i] = K ? (z < -0.5 ? 0 : z < 0.8 || K == 2 ? 1 : 2) : z * z;
        if (K == 2)
            s->y[i] = z > 0;
        if (weighted)
            s->w[i] = 0.5 + (double)(pt_rng_next(&st) % 3);
    }
    ck_assert_int_eq(tu_make(&s->t, s->x, s->y, s->w, n, 6, 1, cs, K, 32), 0);
}

static void free_set(set_t *s)
{
    tu_free(&s->t);
    free(s->x);
    free(s->y);
    free(s->w);
}

static pt_forest_params_t rf_params(pt_impurity_t imp, int trees)
{
    pt_forest_params_t prm = tu_params(imp);
    prm.forest = 1;
    prm.num_trees = trees;
    prm.subset = 3;
    prm.max_depth = 6;
    return prm;
}

static void same_tree(const pt_tree_t *a, const pt_tree_t *b)
{
    ck_assert_uint_eq(a->nnodes, b->nnodes);
    ck_assert_uint_eq(a->ncats, b->ncats);
    ck_assert_int_eq(memcmp(a->feature, b->feature, a->nnodes * sizeof *a->feature), 0);
    ck_assert_int_eq(memcmp(a->left, b->left, a->nnodes * sizeof *a->left), 0);
    ck_assert_int_eq(memcmp(a->thr, b->thr, a->nnodes * sizeof *a->thr), 0);
    ck_assert_int_eq(memcmp(a->pred, b->pred, a->nnodes * sizeof *a->pred), 0);
    ck_assert_int_eq(memcmp(a->gain, b->gain, a->nnodes * sizeof *a->gain), 0);
    ck_assert_int_eq(memcmp(a->impurity, b->impurity, a->nnodes * sizeof *a->impurity), 0);
    ck_assert_int_eq(memcmp(a->stats, b->stats, a->nnodes * a->nstat * sizeof *a->stats), 0);
    ck_assert_int_eq(memcmp(a->cats, b->cats, a->ncats * sizeof *a->cats), 0);
}

/* The first 3 trees of a 7-tree forest are the 3-tree forest; 4 threads give the 1-thread
 * forest (trees over threads), and a single tree with 4 threads (histograms over threads)
 * the 1-thread tree. */
START_TEST(prefix_and_threads)
{
    set_t s;
    char err[512];
    make_set(&s, 2000, 3, 1);
    pt_forest_params_t prm = rf_params(PT_IMP_ENTROPY, 7);
    pt_forest_t *a = pt_forest_fit(&s.t.d, &prm, err), *b, *c;
    ck_assert_ptr_nonnull(a);
    prm.num_trees = 3;
    b = pt_forest_fit(&s.t.d, &prm, err);
    prm.num_trees = 7;
    prm.threads = 4;
    c = pt_forest_fit(&s.t.d, &prm, err);
    for (size_t t = 0; t < 3; t++)
        same_tree(pt_forest_tree(a, t), pt_forest_tree(b, t));
    for (size_t t = 0; t < 7; t++)
        same_tree(pt_forest_tree(a, t), pt_forest_tree(c, t));
    ck_assert(memcmp(pt_forest_tree(a, 0)->thr, pt_forest_tree(a, 1)->thr,
                     sizeof(double) * 3) != 0); /* the trees differ */
    double pa[3 * 50], pb[3 * 50], ya[50], yb[50];
    pt_forest_predict(a, 3, s.x, 50, ya, pa, NULL);
    pt_forest_predict(b, 0, s.x, 50, yb, pb, NULL);
    ck_assert_int_eq(memcmp(pa, pb, sizeof pa), 0);
    ck_assert_int_eq(memcmp(ya, yb, sizeof ya), 0);
    pt_forest_destroy(&a);
    pt_forest_destroy(&b);
    pt_forest_destroy(&c);
    prm = tu_params(PT_IMP_GINI);
    prm.max_depth = 10;
    a = pt_forest_fit(&s.t.d, &prm, err);
    prm.threads = 4;
    b = pt_forest_fit(&s.t.d, &prm, err);
    same_tree(pt_forest_tree(a, 0), pt_forest_tree(b, 0));
    pt_forest_destroy(&a);
    pt_forest_destroy(&b);
    free_set(&s);
}
END_TEST

/* Importances sum to 1 and favour the informative features; a forest's probabilities are
 * the average of its trees' leaf frequencies (soft vote) and its prediction their first
 * maximum; thresholds move the prediction to argmax p / t. */
START_TEST(importances_and_votes)
{
    set_t s;
    char err[512];
    make_set(&s, 1500, 3, 0);
    pt_forest_params_t prm = rf_params(PT_IMP_GINI, 5);
    pt_forest_t *f = pt_forest_fit(&s.t.d, &prm, err);
    double imp[7], sum = 0;
    pt_forest_importances(f, 0, imp);
    for (int j = 0; j < 7; j++)
        sum += imp[j];
    ck_assert_double_eq_tol(sum, 1, 1e-12);
    ck_assert(imp[0] > imp[4] && imp[1] > imp[5]);
    double x[7 * 4], pred[4], prob[12], raw[12];
    memcpy(x, s.x, sizeof x);
    pt_forest_predict(f, 0, x, 4, pred, prob, raw);
    for (int i = 0; i < 4; i++) {
        double r[3] = {0, 0, 0};
        for (size_t t = 0; t < 5; t++) {
            const pt_tree_t *tr = pt_forest_tree(f, t);
            size_t l = pt_tree_leaf(tr, 6, s.t.arity, x + i * 7);
            double tot = tr->stats[l * 3] + tr->stats[l * 3 + 1] + tr->stats[l * 3 + 2];
            for (int k = 0; k < 3; k++)
                r[k] += tr->stats[l * 3 + k] / tot;
        }
        size_t b = 0;
        for (int k = 0; k < 3; k++) {
            ck_assert_double_eq_tol(raw[i * 3 + k], r[k], 1e-12);
            ck_assert_double_eq_tol(prob[i * 3 + k], r[k] / 5, 1e-12);
            if (r[k] > r[b])
                b = (size_t)k;
        }
        ck_assert_double_eq(pred[i], (double)b);
    }
    pt_forest_destroy(&f);
    double th[3] = {1, 1, 0};
    prm.thresholds = th; /* class 2 whenever its probability is positive */
    f = pt_forest_fit(&s.t.d, &prm, err);
    pt_forest_predict(f, 0, x, 4, pred, prob, raw);
    for (int i = 0; i < 4; i++)
        if (prob[i * 3 + 2] > 0)
            ck_assert_double_eq(pred[i], 2);
    pt_forest_destroy(&f);
    free_set(&s);
}
END_TEST

/* A tree's leaves found from the training codes (boosting's way) are the leaves its values
 * reach, categorical splits included; a row of a category the fit never saw goes as an
 * unseen one. */
START_TEST(leaves_from_codes)
{
    set_t s;
    char err[512];
    make_set(&s, 1200, 3, 0);
    s.t.ci[0][3] = -1; /* code 3: no Spark index (as a category only validation rows have) */
    s.t.arity[0] = 3;
    for (size_t i = 0; i < s.n; i++)
        if (s.x[i * 7 + 6] == 3)
            s.x[i * 7 + 6] = -1;
    pt_forest_params_t prm = rf_params(PT_IMP_GINI, 3);
    prm.subset = 7;
    pt_forest_t *f = pt_forest_fit(&s.t.d, &prm, err);
    ck_assert_ptr_nonnull(f);
    uint32_t *a = malloc(s.n * sizeof *a), *b = malloc(s.n * sizeof *b);
    for (size_t t = 0; t < 3; t++) {
        const pt_tree_t *tr = pt_forest_tree(f, t);
        ck_assert(tr->has_cat);
        pt_tree_leaves(tr, 6, s.t.arity, s.x, s.n, 7, a);
        pt_tree_leaves_codes(tr, &s.t.d, NULL, s.n, b);
        ck_assert_int_eq(memcmp(a, b, s.n * sizeof *a), 0);
    }
    free(a);
    free(b);
    pt_forest_destroy(&f);
    free_set(&s);
}
END_TEST

static pt_forest_t *round_trip(const pt_forest_t *f)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked u;
    pt_forest_t *g = NULL;
    char err[512];
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    pt_forest_pack(f, &pk);
    msgpack_unpacked_init(&u);
    ck_assert_int_eq(msgpack_unpack_next(&u, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    ck_assert_msg(pt_forest_unpack(&u.data, &g, err) == 0, "%s", err);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
    return g;
}

START_TEST(pack_round_trip)
{
    for (int K = 0; K <= 3; K += 3) {
        set_t s;
        char err[512];
        make_set(&s, 800, (size_t)K, K == 0);
        pt_forest_params_t prm = rf_params(K ? PT_IMP_GINI : PT_IMP_VARIANCE, 4);
        pt_forest_t *f = pt_forest_fit(&s.t.d, &prm, err), *g;
        ck_assert_ptr_nonnull(f);
        g = round_trip(f);
        ck_assert_uint_eq(pt_forest_trees(g), 4);
        ck_assert_uint_eq(pt_forest_nclasses(g), (size_t)K);
        double *p1 = malloc(800 * 4 * sizeof *p1), *p2 = malloc(800 * 4 * sizeof *p2);
        double *r1 = malloc(800 * 3 * sizeof *r1), *r2 = malloc(800 * 3 * sizeof *r2);
        pt_forest_predict(f, 0, s.x, 800, p1, K ? r1 : NULL, NULL);
        pt_forest_predict(g, 0, s.x, 800, p2, K ? r2 : NULL, NULL);
        ck_assert_int_eq(memcmp(p1, p2, 800 * sizeof *p1), 0);
        if (K)
            ck_assert_int_eq(memcmp(r1, r2, 800 * 3 * sizeof *r1), 0);
        double i1[7], i2[7];
        pt_forest_importances(f, 0, i1);
        pt_forest_importances(g, 0, i2);
        ck_assert_int_eq(memcmp(i1, i2, sizeof i1), 0);
        pt_forest_destroy(&f);
        pt_forest_destroy(&g);
        free(p1);
        free(p2);
        free(r1);
        free(r2);
        free_set(&s);
    }
}
END_TEST

/* A damaged model: a child index out of range, a feature out of range, a categorical set
 * past the words, a wrong array length: each refused by unpack, not read by predict. */
START_TEST(unpack_refuses_damage)
{
    set_t s;
    char err[512];
    make_set(&s, 300, 3, 0);
    pt_forest_params_t prm = rf_params(PT_IMP_GINI, 1);
    prm.subset = 7;
    pt_forest_t *f = pt_forest_fit(&s.t.d, &prm, err), *g = NULL;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    pt_forest_pack(f, &pk);
    const pt_tree_t *tr = pt_forest_tree(f, 0);
    size_t cat = 0;
    while (cat < tr->nnodes && tr->feature[cat] < 6)
        cat++;
    ck_assert_uint_lt(cat, tr->nnodes); /* some node splits the categorical feature */
    for (int damage = 0; damage < 4; damage++) {
        msgpack_unpacked u;
        msgpack_unpacked_init(&u);
        ck_assert_int_eq(msgpack_unpack_next(&u, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
        msgpack_object *t0 = (msgpack_object *)pt_msgpack_map_get(&u.data, "trees");
        t0 = &t0->via.array.ptr[0];
        msgpack_object *left = (msgpack_object *)pt_msgpack_map_get(t0, "left");
        msgpack_object *feat = (msgpack_object *)pt_msgpack_map_get(t0, "feature");
        msgpack_object *coff = (msgpack_object *)pt_msgpack_map_get(t0, "cat_off");
        msgpack_object *pred = (msgpack_object *)pt_msgpack_map_get(t0, "pred");
        if (damage == 0)
            left->via.array.ptr[0].via.u64 = tr->nnodes - 1; /* right child past the end */
        else if (damage == 1)
            feat->via.array.ptr[0].via.u64 = 7; /* p is 7 */
        else if (damage == 2)
            coff->via.array.ptr[cat].via.u64 = 1000;
        else
            pred->via.array.size--;
        ck_assert_int_eq(pt_forest_unpack(&u.data, &g, err), -EBADMSG);
        ck_assert_ptr_null(g);
        msgpack_unpacked_destroy(&u);
    }
    msgpack_sbuffer_destroy(&sb);
    pt_forest_destroy(&f);
    free_set(&s);
}
END_TEST

START_TEST(bad_params)
{
    set_t s;
    char err[512];
    make_set(&s, 100, 2, 0);
    pt_forest_params_t prm = rf_params(PT_IMP_GINI, 0);
    ck_assert_ptr_null(pt_forest_fit(&s.t.d, &prm, err));
    ck_assert_ptr_nonnull(strstr(err, "numTrees"));
    prm = rf_params(PT_IMP_GINI, 2);
    prm.max_depth = 31;
    ck_assert_ptr_null(pt_forest_fit(&s.t.d, &prm, err));
    ck_assert_ptr_nonnull(strstr(err, "maxDepth"));
    prm = rf_params(PT_IMP_VARIANCE, 2);
    ck_assert_ptr_null(pt_forest_fit(&s.t.d, &prm, err));
    ck_assert_ptr_nonnull(strstr(err, "impurity"));
    prm = rf_params(PT_IMP_GINI, 2);
    prm.subsampling_rate = 0;
    ck_assert_ptr_null(pt_forest_fit(&s.t.d, &prm, err));
    ck_assert_ptr_nonnull(strstr(err, "subsamplingRate"));
    prm = rf_params(PT_IMP_GINI, 2);
    prm.min_weight_fraction = 0.5;
    ck_assert_ptr_null(pt_forest_fit(&s.t.d, &prm, err));
    ck_assert_ptr_nonnull(strstr(err, "minWeightFractionPerNode"));
    prm = rf_params(PT_IMP_GINI, 2);
    s.y[7] = 2; /* a binary classifier's label 2 */
    ck_assert_ptr_null(pt_forest_fit(&s.t.d, &prm, err));
    ck_assert_ptr_nonnull(strstr(err, "label"));
    s.y[7] = 1;
    double w[100];
    for (int i = 0; i < 100; i++)
        w[i] = i == 50 ? -1 : 1;
    s.t.d.w = w;
    ck_assert_ptr_null(pt_forest_fit(&s.t.d, &prm, err));
    ck_assert_ptr_nonnull(strstr(err, "weight"));
    s.t.d.w = NULL;
    pt_forest_t *f = pt_forest_fit(&s.t.d, &prm, err);
    ck_assert_ptr_nonnull(f);
    pt_forest_destroy(&f);
    free_set(&s);
}
END_TEST

Suite *suite_forest(void)
{
    Suite *s = suite_create("forest");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, subset_forms);
    tcase_add_test(tc, prefix_and_threads);
    tcase_add_test(tc, importances_and_votes);
    tcase_add_test(tc, pack_round_trip);
    tcase_add_test(tc, leaves_from_codes);
    tcase_add_test(tc, unpack_refuses_damage);
    tcase_add_test(tc, bad_params);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}
