/* check_tree_ref.c - the tree learner against the independent numpy reference of Spark's
 * decision tree (tests/ref/spark_trees.py, fit-predict): random data sets (ties, zeros,
 * categorical columns with a category only the test rows have, integer and fractional
 * weights) under a spread of params; the same number of nodes and depth, predictions and
 * probabilities to 1e-12, importances to 1e-9. The categorical columns are strings, coded
 * here as the global codes and StringIndexer's frequencyDesc indices the stages use. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pt_common.h"
#include "scratch_dir.h"
#include "trees_util.h"

#define NTEST 40

typedef struct {
    size_t n, pnum, ncat, K;       /* K = 0: regressor */
    int arity[2];                  /* categories of the training rows (c0 ..) */
    pt_impurity_t imp;
    int depth, bins, min_inst, weights; /* weights: 0 none, 1 integer, 2 fractional */
    double min_gain, min_wfrac;
    int ties;
    uint64_t seed;
} case_t;

/* The numbers after "key": [ in text: count of them (nested brackets skipped) into out. */
static void json_nums(const char *text, const char *key, double *out, size_t count)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": [", key);
    const char *s = strstr(text, pat);
    ck_assert_msg(s != NULL, "no %s in %s", key, text);
    s += strlen(pat);
    for (size_t i = 0; i < count; i++) {
        char *e;
        while (*s == '[' || *s == ',' || *s == ' ' || *s == ']')
            s++;
        out[i] = strtod(s, &e);
        ck_assert_msg(e != s, "%s: too few numbers", key);
        s = e;
    }
}

static long json_int(const char *text, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *s = strstr(text, pat);
    ck_assert_ptr_nonnull(s);
    return strtol(s + strlen(pat), NULL, 10);
}

/* StringIndexer frequencyDesc of values 0..a-1 (strings "c<v>", a <= 10: string order is
 * value order) over counts cnt: index[v], -1 for a value no row has; returns the labels. */
static int freq_desc(const int *cnt, int a, int32_t *index)
{
    int nl = 0;
    for (int v = 0; v < a; v++) {
        index[v] = -1;
        if (cnt[v] == 0)
            continue;
        int r = 0; /* values before v: more rows, or as many and a smaller string */
        for (int u = 0; u < a; u++)
            r += cnt[u] > cnt[v] || (cnt[u] == cnt[v] && cnt[u] > 0 && u < v);
        index[v] = r;
        nl++;
    }
    return nl;
}

static void run_case(const case_t *c)
{
    size_t n = c->n, p = c->pnum + c->ncat;
    uint64_t st = c->seed;
    double *x = calloc(n * p, sizeof *x), *y = calloc(n, sizeof *y), *w = NULL;
    double *xt = calloc(NTEST * p, sizeof *xt), z;
    int cnt[2][11] = {{0}}, tcat[2][NTEST];
    char *dir = make_dir("pt_tree_ref"), path[2][4200], cmd[9000];
    if (c->weights)
        w = calloc(n, sizeof *w);
    for (size_t i = 0; i < n + NTEST; i++) {
        int tr = i < n;
        double *r = tr ? x + i * p : xt + (i - n) * p;
        z = 0;
        for (size_t j = 0; j < c->pnum; j++) {
            double v = pt_rng_normal(&st);
            if (c->ties)
                v = pt_rng_uniform(&st) < 0.3 ? 0 : round(v * 2) / 2;
            r[j] = v;
            z += j < 2 ? v : 0.3 * v;
        }
        for (size_t k = 0; k < c->ncat; k++) { /* test rows may have the value c<arity> */
            int v = (int)(pt_rng_next(&st) % (uint64_t)(c->arity[k] + !tr));
            r[c->pnum + k] = v;
            z += (v % 3) * 0.7;
            if (tr)
                cnt[k][v]++;
            else
                tcat[k][i - n] = v;
        }
        z += 0.5 * pt_rng_normal(&st);
        if (!tr)
            continue;
        y[i] = c->K ? (double)(z < -0.3 ? 0 : (size_t)(z > 0.6) + (size_t)(z > 1.5)) : z;
        if (c->K)
            y[i] = y[i] < (double)c->K ? y[i] : (double)(c->K - 1);
        if (c->ties && !c->K)
            y[i] = round(z * 4) / 4;
        if (w != NULL)
            w[i] = c->weights == 1 ? (double)(1 + pt_rng_next(&st) % 3)
                                   : 3 * pt_rng_uniform(&st);
    }
    /* the CSV files: x0.., k0.., y, w */
    for (int f = 0; f < 2; f++) {
        snprintf(path[f], sizeof path[f], "%s/%s.csv", dir, f ? "test" : "train");
        FILE *fp = fopen(path[f], "w");
        size_t rows = f ? NTEST : n;
        for (size_t j = 0; j < c->pnum; j++)
            fprintf(fp, "%sx%zu", j ? "," : "", j);
        for (size_t k = 0; k < c->ncat; k++)
            fprintf(fp, ",k%zu", k);
        fprintf(fp, "%s%s\n", f ? "" : ",y", f || !w ? "" : ",w");
        for (size_t i = 0; i < rows; i++) {
            const double *r = (f ? xt : x) + i * p;
            for (size_t j = 0; j < c->pnum; j++)
                fprintf(fp, "%s%.17g", j ? "," : "", r[j]);
            for (size_t k = 0; k < c->ncat; k++)
                fprintf(fp, ",c%d", (int)r[c->pnum + k]);
            if (!f)
                fprintf(fp, ",%.17g", y[i]);
            if (!f && w)
                fprintf(fp, ",%.17g", w[i]);
            fprintf(fp, "\n");
        }
        fclose(fp);
    }
    static const char *imps[] = {"", "gini", "entropy", "variance"};
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 tests/ref/spark_trees.py fit-predict --train %s --test %s "
             "--label y --kind %s --impurity %s --max-depth %d --max-bins %d "
             "--min-instances %d --min-info-gain %.17g --min-weight-fraction %.17g "
             "--handle-invalid keep %s %s %s",
             path[0], path[1], c->K ? "classifier" : "regressor", imps[c->imp], c->depth,
             c->bins, c->min_inst, c->min_gain, c->min_wfrac,
             c->ncat ? "--categorical" : "", c->ncat == 2 ? "k0,k1" : c->ncat ? "k0" : "",
             w ? "--weight-col w" : "");
    FILE *pp = popen(cmd, "r");
    static char out[1 << 20];
    size_t got = fread(out, 1, sizeof out - 1, pp);
    out[got] = 0;
    ck_assert_int_eq(pclose(pp), 0);
    if (c->K)
        ck_assert_msg(json_int(out, "nodes") > 0, "%s", out);

    /* the same with pt_forest: global codes are the values, cat_index frequencyDesc */
    tu_data_t t;
    uint64_t cs[2] = {(uint64_t)c->arity[0] + 1, (uint64_t)c->arity[1] + 1};
    ck_assert_int_eq(tu_make(&t, x, y, w, n, c->pnum, c->ncat, cs, c->K, c->bins), 0);
    for (size_t k = 0; k < c->ncat; k++) {
        int nl = freq_desc(cnt[k], c->arity[k] + 1, t.ci[k]);
        t.arity[k] = (uint32_t)nl + 1; /* handleInvalid keep */
        for (int i = 0; i < NTEST; i++) {
            int32_t ix = t.ci[k][tcat[k][i]];
            xt[i * p + c->pnum + k] = ix >= 0 ? ix : nl;
        }
    }
    pt_forest_params_t prm = tu_params(c->imp);
    prm.max_depth = c->depth;
    prm.max_bins = c->bins;
    prm.min_instances_per_node = c->min_inst;
    prm.min_info_gain = c->min_gain;
    prm.min_weight_fraction = c->min_wfrac;
    char err[512];
    pt_forest_t *f = pt_forest_fit(&t.d, &prm, err);
    ck_assert_msg(f != NULL, "%s", err);
    const pt_tree_t *tr = pt_forest_tree(f, 0);
    double pred[NTEST], ref[NTEST * 4], prob[NTEST * 4], imp[8], rimp[8];
    ck_assert_int_eq(json_int(out, "nodes"), (long)tr->nnodes);
    ck_assert_int_eq(json_int(out, "depth"), tr->depth);
    pt_forest_predict(f, 0, xt, NTEST, pred, c->K ? prob : NULL, NULL);
    json_nums(out, "prediction", ref, NTEST);
    for (int i = 0; i < NTEST; i++)
        ck_assert_double_eq_tol(pred[i], ref[i], 1e-12);
    if (c->K) {
        json_nums(out, "probability", ref, NTEST * c->K);
        for (size_t i = 0; i < NTEST * c->K; i++)
            ck_assert_double_eq_tol(prob[i], ref[i], 1e-12);
    }
    pt_forest_importances(f, 0, imp);
    json_nums(out, "importances", rimp, p);
    for (size_t j = 0; j < p; j++)
        ck_assert_double_eq_tol(imp[j], rimp[j], 1e-9);
    pt_forest_destroy(&f);
    tu_free(&t);
    unlink(path[0]);
    unlink(path[1]);
    rmdir(dir);
    free(dir);
    free(x);
    free(xt);
    free(y);
    free(w);
}

/* {n, pnum, ncat, K, arity, impurity, depth, bins, minInst, weights, minGain, minWFrac,
 * ties, seed} */
static const case_t cases[] = {
    {400, 2, 1, 3, {4, 0}, PT_IMP_ENTROPY, 6, 32, 1, 0, 0, 0, 0, 2},   /* unordered */
    {400, 2, 1, 3, {7, 0}, PT_IMP_GINI, 6, 32, 1, 1, 0, 0, 1, 3},      /* ordered (8 > 5) */
    {300, 3, 1, 0, {5, 0}, PT_IMP_VARIANCE, 8, 32, 1, 0, 0, 0, 0, 4},
    {500, 4, 2, 0, {3, 6}, PT_IMP_VARIANCE, 10, 16, 2, 2, 0, 0.05, 1, 5},
    {500, 3, 2, 2, {6, 2}, PT_IMP_ENTROPY, 7, 8, 3, 2, 0.001, 0, 1, 6}, /* stride rule */
    {250, 2, 1, 3, {3, 0}, PT_IMP_ENTROPY, 4, 100, 1, 2, 0, 0.02, 0, 7}, /* fractional */
    {600, 2, 1, 0, {3, 0}, PT_IMP_VARIANCE, 12, 4, 5, 1, 0.01, 0, 1, 9}, /* 4 bins */
    {800, 3, 1, 3, {5, 0}, PT_IMP_GINI, 9, 300, 1, 0, 0, 0, 0, 10},    /* uint16 codes */
};

START_TEST(against_reference)
{
    run_case(&cases[_i]);
}
END_TEST

Suite *suite_tree_ref(void)
{
    Suite *s = suite_create("tree_ref");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, against_reference, 0, (int)(sizeof cases / sizeof *cases));
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}
