/* check_halving.c - unit tests of pt_halving: the schedule against scikit-learn's
 * HalvingGridSearchCV (n_candidates_, n_resources_ printed by the scikit-learn of
 * /usr/lib/python3/dist-packages for the cases below; the last one shows its floating
 * log(243) / log(3) = 4.999..., so 5 rungs, not 6), the division of a rung's rows among fold blocks, and which maps a rung keeps. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "pt_common.h"
#include "pt_halving.h"
#include "pt_results.h"
#include "pt_sched.h"

/* {ncand, factor, min_resources (0: exhaust), smallest, max_resources, rungs, candidates...,
 * resources...} as HalvingGridSearchCV(factor, min_resources, cv) computed them (smallest is
 * its 2 x n_splits before exhaust). */
typedef struct {
    size_t ncand;
    long factor;
    long long minr, smallest, maxr;
    size_t nrungs;
    size_t cand[6];
    long long res[6];
} sched_case_t;

static const sched_case_t cases[] = {
    {27, 3, 0, 6, 2700, 4, {27, 9, 3, 1}, {100, 300, 900, 2700}},
    {27, 3, 0, 8, 3000, 4, {27, 9, 3, 1}, {111, 333, 999, 2997}},
    {15, 3, 0, 6, 1000, 3, {15, 5, 2}, {111, 333, 999}},
    {10, 2, 0, 10, 1000, 4, {10, 5, 3, 2}, {125, 250, 500, 1000}},
    {8, 3, 100, 6, 3000, 2, {8, 3}, {100, 300}},
    {81, 3, 50, 6, 1000, 3, {81, 27, 9}, {50, 150, 450}},  /* n_possible < n_required */
    {30, 4, 0, 6, 200, 3, {30, 8, 2}, {12, 48, 192}},
    {9, 3, 0, 2, 1000, 3, {9, 3, 1}, {111, 333, 999}},
    {1, 3, 0, 6, 3000, 1, {1}, {3000}},
    {243, 3, 0, 6, 100000, 5, {243, 81, 27, 9, 3}, {1234, 3702, 11106, 33318, 99954}},
};

START_TEST(plan_matches_sklearn)
{
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const sched_case_t *c = &cases[i];
        pt_halving_plan_t p;
        char err[PT_ERRLEN] = "";
        ck_assert_int_eq(pt_halving_plan(c->ncand, c->factor, c->minr, c->smallest, c->maxr,
                                         &p, err), 0);
        ck_assert_msg(p.nrungs == c->nrungs, "case %zu: %zu rungs, want %zu", i, p.nrungs,
                      c->nrungs);
        for (size_t r = 0; r < p.nrungs; r++) {
            ck_assert_msg(p.candidates[r] == c->cand[r], "case %zu rung %zu: %zu maps", i, r,
                          p.candidates[r]);
            ck_assert_msg(p.resources[r] == c->res[r], "case %zu rung %zu: %lld rows", i, r,
                          p.resources[r]);
        }
    }
}
END_TEST

START_TEST(plan_refuses_min_above_max)
{
    pt_halving_plan_t p;
    char err[PT_ERRLEN] = "";
    ck_assert_int_eq(pt_halving_plan(9, 3, 5000, 6, 1000, &p, err), -EINVAL);
    ck_assert_msg(strstr(err, "min_resources 5000 is greater than max_resources 1000") != NULL,
                  "%s", err);
    /* exhaust's smallest alone above the rows (tiny data, many classes) */
    ck_assert_int_eq(pt_halving_plan(9, 3, 0, 60, 50, &p, err), -EINVAL);
    ck_assert_int_eq(pt_halving_plan(0, 3, 0, 6, 50, &p, err), -EINVAL);
    ck_assert_int_eq(pt_halving_plan(9, 1, 0, 6, 50, &p, err), -EINVAL);
}
END_TEST

START_TEST(block_rows_divides_exactly)
{
    const size_t n[] = {334, 333, 333};
    size_t out[3];
    pt_halving_block_rows(111, n, 3, out);
    ck_assert_uint_eq(out[0] + out[1] + out[2], 111);
    ck_assert_uint_eq(out[0], 38); /* floor(111 x 334 / 1000) = 37, + 1 of the 2 left */
    ck_assert_uint_eq(out[1], 37); /* floor(111 x 333 / 1000) = 36, + 1 */
    ck_assert_uint_eq(out[2], 36);
    pt_halving_block_rows(1000, n, 3, out);
    ck_assert(out[0] == 334 && out[1] == 333 && out[2] == 333);
    pt_halving_block_rows(5000, n, 3, out); /* more than there is: every row */
    ck_assert(out[0] == 334 && out[1] == 333 && out[2] == 333);
    {
        const size_t m[] = {1, 10};
        pt_halving_block_rows(10, m, 2, out); /* floor: 0 and 9; the one left goes to 0 */
        ck_assert(out[0] == 1 && out[1] == 9);
        pt_halving_block_rows(11, m, 2, out);
        ck_assert(out[0] == 1 && out[1] == 10);
    }
}
END_TEST

/* Finishes every queued fit job of the scheduler with metric[map % ncand] (+ the rung). */
static void run_queued(pt_sched_t *s, pt_results_t *res, const double *metric, size_t ncand)
{
    long id;
    while ((id = pt_sched_next(s)) >= 0) {
        const pt_sched_job_t *jb = pt_sched_job(s, id);
        pt_results_set(res, (size_t)jb->map, (size_t)jb->fold, PT_FOLD_OK,
                       metric[(size_t)jb->map % ncand] + (double)jb->fold * 1e-3);
        pt_sched_finish(s, id, 1);
    }
}

START_TEST(advance_keeps_best_by_mean)
{
    /* 9 maps, factor 3: rungs of 9, 3, 1 maps; smaller is better; map 7 fails a fold */
    const double metric[9] = {5, 1, 4, 1, 9, 2, 3, NAN, 0.5};
    pt_halving_plan_t p;
    char err[PT_ERRLEN];
    size_t nfolds = 2, nb[2] = {500, 500};
    const size_t *maps;
    pt_sched_config_t sc;
    pt_halving_t *h;
    pt_results_t *res;
    pt_sched_t *s;

    ck_assert_int_eq(pt_halving_plan(9, 3, 0, 4, 1000, &p, err), 0);
    ck_assert_uint_eq(p.nrungs, 3);
    h = pt_halving_new(9, &p, 0, 1, nb, 2);
    res = pt_results_new(27, nfolds, 0);
    memset(&sc, 0, sizeof sc);
    sc.nmaps = 27;
    sc.nfolds = nfolds;
    sc.parallelism = 100;
    sc.queue_maps = 9;
    s = pt_sched_new(&sc);
    ck_assert(h != NULL && res != NULL && s != NULL);
    pt_sched_queue_sweep(s);
    ck_assert_uint_eq(pt_sched_queued(s), 18); /* rung 0 only */
    run_queued(s, res, metric, 9);
    pt_results_set(res, 7, 1, PT_FOLD_FAILED, NAN);
    ck_assert_int_eq(pt_halving_advance(h, res, s), 6); /* 3 maps x 2 folds of rung 1 */
    ck_assert_uint_eq(pt_halving_rung(h), 1);
    ck_assert_uint_eq(pt_halving_rung_maps(h, 1, &maps), 3);
    /* means 0.5 (#8), then 1 and 1 (#1, #3: the tie to the lower index, both kept) */
    ck_assert(maps[0] == 1 && maps[1] == 3 && maps[2] == 8);
    ck_assert_int_eq(pt_halving_advance(h, res, s), 0); /* rung 1 not finished */
    run_queued(s, res, metric, 9);
    ck_assert_int_eq(pt_halving_advance(h, res, s), 2);
    ck_assert_uint_eq(pt_halving_rung_maps(h, 2, &maps), 1);
    ck_assert_uint_eq(maps[0], 8);
    ck_assert(!pt_halving_done(h, s));
    run_queued(s, res, metric, 9);
    ck_assert(pt_halving_done(h, s));
    ck_assert_int_eq(pt_halving_best(h, res, NULL), 8);
    ck_assert_uint_eq(pt_halving_map_rung(h, 8), 2);
    ck_assert_uint_eq(pt_halving_map_rung(h, 3), 1);
    ck_assert_uint_eq(pt_halving_map_rung(h, 4), 0);
    {
        size_t n;
        const int32_t *pre = pt_halving_prefix(h, 0, &n); /* 111 rows: 56 + 55 */
        ck_assert(pre != NULL && n == 2 && pre[0] == 56 && pre[1] == 55);
        pre = pt_halving_prefix(h, 2, &n); /* 999 of the 1000 rows: still a prefix */
        ck_assert(pre != NULL && n == 2 && pre[0] == 500 && pre[1] == 499);
    }
    pt_sched_destroy(&s);
    pt_results_destroy(&res);
    pt_halving_destroy(&h);
}
END_TEST

Suite *suite_halving(void)
{
    Suite *s = suite_create("halving");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, plan_matches_sklearn);
    tcase_add_test(tc, plan_refuses_min_above_max);
    tcase_add_test(tc, block_rows_divides_exactly);
    tcase_add_test(tc, advance_keeps_best_by_mean);
    suite_add_tcase(s, tc);
    return s;
}
