/* check_sched.c - unit tests of pt_sched: queue order, retries, the stats dependency, the
 * outstanding bound. */
#include <check.h>
#include <errno.h>

#include "pt_sched.h"

static pt_sched_t *make(size_t nmaps, size_t nfolds, size_t nstats, size_t par, long retries)
{
    pt_sched_config_t c = {nmaps, nfolds, nstats, par, retries, 0, NULL, NULL, NULL, NULL, 0};
    pt_sched_t *s = pt_sched_new(&c);
    ck_assert_ptr_nonnull(s);
    return s;
}

START_TEST(ids_and_kinds)
{
    pt_sched_t *s = make(2, 3, 3, 1, 0);
    const pt_sched_job_t *jb;
    ck_assert_uint_eq(pt_sched_njobs(s), 2 * 3 + 1 + 3);
    ck_assert_uint_eq(pt_sched_nfits(s), 6);
    ck_assert_int_eq(pt_sched_fit_id(s, 1, 2), 5);
    ck_assert_int_eq(pt_sched_refit_id(s), 6);
    ck_assert_int_eq(pt_sched_stats_id(s, 0), 7);
    jb = pt_sched_job(s, 5);
    ck_assert_int_eq(jb->kind, PT_JOB_FIT);
    ck_assert_int_eq(jb->map, 1);
    ck_assert_int_eq(jb->fold, 2);
    ck_assert_int_eq(pt_sched_job(s, 6)->kind, PT_JOB_REFIT);
    jb = pt_sched_job(s, 9);
    ck_assert_int_eq(jb->kind, PT_JOB_STATS);
    ck_assert_int_eq(jb->map, -1);
    ck_assert_int_eq(jb->fold, 2);
    ck_assert_ptr_null(pt_sched_job(s, 10));
    ck_assert_ptr_null(pt_sched_job(s, -1));
    pt_sched_destroy(&s);
    ck_assert_ptr_null(s);
    pt_sched_destroy(&s);
}
END_TEST

START_TEST(fifo_order_and_resume)
{
    pt_sched_t *s = make(2, 2, 0, 1, 0);
    pt_sched_restore(s, 0, 1, PT_SCHED_DONE, 1);
    pt_sched_restore(s, 1, 0, PT_SCHED_FAILED, 3);
    pt_sched_restore(s, 7, 0, PT_SCHED_DONE, 1); /* out of range: ignored */
    ck_assert_uint_eq(pt_sched_fits_pending(s), 2);
    ck_assert_uint_eq(pt_sched_fits_failed(s), 1);
    pt_sched_queue_sweep(s);
    ck_assert_uint_eq(pt_sched_queued(s), 2);
    ck_assert_int_eq(pt_sched_next(s), 0);
    ck_assert_int_eq(pt_sched_job(s, 0)->state, PT_SCHED_RUNNING);
    ck_assert_int_eq(pt_sched_job(s, 0)->attempts, 1);
    ck_assert_int_eq(pt_sched_next(s), -1); /* parallelism 1 */
    pt_sched_finish(s, 0, 1);
    ck_assert_int_eq(pt_sched_job(s, 0)->state, PT_SCHED_DONE);
    ck_assert_int_eq(pt_sched_next(s), 3);
    pt_sched_finish(s, 3, 0);
    ck_assert_int_eq(pt_sched_job(s, 3)->state, PT_SCHED_FAILED);
    ck_assert_int_eq(pt_sched_next(s), -1);
    ck_assert_uint_eq(pt_sched_running(s), 0);
    ck_assert_uint_eq(pt_sched_fits_pending(s), 0);
    pt_sched_destroy(&s);
}
END_TEST

START_TEST(longest_first)
{
    /* maps 1 and 2 cost the most (equal: grid order between them), map 0 the least */
    const double cost[3] = {1, 5, 5};
    pt_sched_config_t c = {3, 2, 1, 1, 1, 0, NULL, NULL, NULL, cost, 0};
    pt_sched_t *s = pt_sched_new(&c);
    long order[6] = {2, 3, 4, 5, 0, 1}, id;
    ck_assert_ptr_nonnull(s);
    pt_sched_restore(s, 1, 1, PT_SCHED_DONE, 1);
    pt_sched_queue_sweep(s);
    /* the stats job first, and the fits wait for it */
    id = pt_sched_next(s);
    ck_assert_int_eq(id, pt_sched_stats_id(s, 0));
    pt_sched_finish(s, id, 1);
    for (size_t i = 0, k = 0; i < 5; i++, k++) {
        if (order[k] == 3) /* done already (--resume) */
            k++;
        id = pt_sched_next(s);
        ck_assert_int_eq(id, order[k]);
        if (i == 0) { /* a worker death: the retry still goes first */
            ck_assert_int_eq(pt_sched_lost(s, id, 0, 0), PT_LOST_RETRY);
            ck_assert_int_eq(pt_sched_next(s), id);
        }
        pt_sched_finish(s, id, 1);
    }
    ck_assert_int_eq(pt_sched_next(s), -1);
    ck_assert_uint_eq(pt_sched_fits_pending(s), 0);
    pt_sched_destroy(&s);
}
END_TEST

START_TEST(retries_go_to_the_front)
{
    pt_sched_t *s = make(3, 1, 0, 2, 1);
    long a, b;
    pt_sched_queue_sweep(s);
    a = pt_sched_next(s);
    b = pt_sched_next(s);
    ck_assert_int_eq(a, 0);
    ck_assert_int_eq(b, 1);
    /* job 1's worker died: it runs again before job 2, with its second attempt */
    ck_assert_int_eq(pt_sched_lost(s, b, 0, 0), PT_LOST_RETRY);
    ck_assert_int_eq(pt_sched_job(s, b)->state, PT_SCHED_PENDING);
    ck_assert_int_eq(pt_sched_next(s), 1);
    ck_assert_int_eq(pt_sched_job(s, 1)->attempts, 2);
    /* max_retries 1: the second loss fails it (left running for the caller to finish) */
    ck_assert_int_eq(pt_sched_lost(s, 1, 0, 0), PT_LOST_FAILED);
    ck_assert_int_eq(pt_sched_running(s), 2);
    pt_sched_finish(s, 1, 0);
    /* a timeout fails at once */
    ck_assert_int_eq(pt_sched_lost(s, 0, 0, 1), PT_LOST_FAILED);
    pt_sched_finish(s, 0, 0);
    /* a send that failed puts the job back as it was */
    ck_assert_int_eq(pt_sched_next(s), 2);
    pt_sched_unsend(s, 2);
    ck_assert_int_eq(pt_sched_job(s, 2)->attempts, 0);
    ck_assert_uint_eq(pt_sched_queued(s), 1);
    ck_assert_int_eq(pt_sched_next(s), 2);
    /* stopping: dropped, not queued, left pending for --resume */
    ck_assert_int_eq(pt_sched_lost(s, 2, 1, 0), PT_LOST_DROPPED);
    ck_assert_int_eq(pt_sched_job(s, 2)->state, PT_SCHED_PENDING);
    ck_assert_uint_eq(pt_sched_queued(s), 0);
    ck_assert_uint_eq(pt_sched_running(s), 0);
    pt_sched_destroy(&s);
}
END_TEST

START_TEST(fits_wait_for_stats)
{
    pt_sched_t *s = make(2, 2, 2, 4, 2);
    long s0, s1;
    pt_sched_queue_sweep(s);
    ck_assert_uint_eq(pt_sched_queued(s), 6);
    s0 = pt_sched_next(s);
    s1 = pt_sched_next(s);
    ck_assert_int_eq(pt_sched_job(s, s0)->kind, PT_JOB_STATS);
    ck_assert_int_eq(pt_sched_job(s, s1)->kind, PT_JOB_STATS);
    ck_assert_int_eq(pt_sched_next(s), -1); /* the fits wait though slots are free */
    pt_sched_finish(s, s0, 1);
    ck_assert_int_eq(pt_sched_next(s), -1);
    /* a stats job retried keeps the fits waiting */
    ck_assert_int_eq(pt_sched_lost(s, s1, 0, 0), PT_LOST_RETRY);
    ck_assert_int_eq(pt_sched_next(s), s1);
    ck_assert_int_eq(pt_sched_next(s), -1);
    pt_sched_finish(s, s1, 0); /* a failed stats job releases them too */
    ck_assert_int_eq(pt_sched_next(s), 0);
    ck_assert_int_eq(pt_sched_next(s), 1);
    pt_sched_destroy(&s);
}
END_TEST

START_TEST(outstanding_bound_and_refit)
{
    pt_sched_t *s = make(4, 3, 0, 3, 0);
    long r;
    pt_sched_queue_sweep(s);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(pt_sched_next(s), i);
    ck_assert_int_eq(pt_sched_next(s), -1);
    ck_assert_uint_eq(pt_sched_running(s), 3);
    ck_assert_uint_eq(pt_sched_queued(s), 9);
    pt_sched_finish(s, 1, 1);
    ck_assert_int_eq(pt_sched_next(s), 3);
    ck_assert_int_eq(pt_sched_next(s), -1);
    /* running: 0, 2, 3; each finish lets exactly one more job go, in order */
    {
        long run[3] = {0, 2, 3};
        for (long j = 4; j < 12; j++) {
            pt_sched_finish(s, run[j % 3], 1);
            run[j % 3] = j;
            ck_assert_int_eq(pt_sched_next(s), j);
            ck_assert_int_eq(pt_sched_next(s), -1);
            ck_assert_uint_eq(pt_sched_running(s), 3);
        }
    }
    ck_assert_int_eq(pt_sched_queue_refit(s, 4), -EINVAL);
    r = pt_sched_queue_refit(s, 2);
    ck_assert_int_eq(r, pt_sched_refit_id(s));
    ck_assert_int_eq(pt_sched_job(s, r)->map, 2);
    ck_assert_int_eq(pt_sched_queue_refit(s, 2), -EINVAL); /* queued already */
    pt_sched_destroy(&s);
}
END_TEST

START_TEST(bins_jobs_come_before_the_fits)
{
    int32_t map[2] = {1, 0}, fold[2] = {0, 1};
    pt_sched_config_t c = {2, 2, 1, 4, 0, 2, map, fold, NULL, NULL, 0};
    pt_sched_t *s = pt_sched_new(&c);
    long st, b0, b1;
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(pt_sched_njobs(s), 4 + 1 + 1 + 2);
    ck_assert_int_eq(pt_sched_bins_id(s, 1), 7);
    ck_assert_int_eq(pt_sched_job(s, 6)->kind, PT_JOB_BINS);
    ck_assert_int_eq(pt_sched_job(s, 6)->map, 1);
    ck_assert_int_eq(pt_sched_job(s, 7)->fold, 1);
    pt_sched_queue_sweep(s);
    st = pt_sched_next(s);
    b0 = pt_sched_next(s);
    b1 = pt_sched_next(s);
    ck_assert_int_eq(pt_sched_job(s, st)->kind, PT_JOB_STATS);
    ck_assert_int_eq(b0, 6);
    ck_assert_int_eq(b1, 7); /* bins jobs do not wait for the stats job */
    ck_assert_int_eq(pt_sched_next(s), -1);
    pt_sched_finish(s, st, 1);
    pt_sched_finish(s, b0, 1);
    ck_assert_int_eq(pt_sched_next(s), -1); /* a bins job still runs */
    pt_sched_finish(s, b1, 0);               /* failed: the fits code their rows */
    ck_assert_int_eq(pt_sched_next(s), 0);
    pt_sched_destroy(&s);
}
END_TEST

START_TEST(numtrees_sharing)
{
    /* maps 0 and 2 are led by map 1 (the largest numTrees), map 3 leads itself */
    int32_t lead[4] = {1, 1, 1, 3};
    pt_sched_config_t c = {4, 2, 0, 2, 1, 0, NULL, NULL, lead, NULL, 0};
    pt_sched_t *s = pt_sched_new(&c);
    long cov[4], id;
    ck_assert_ptr_nonnull(s);
    pt_sched_restore(s, 2, 1, PT_SCHED_DONE, 1); /* (2, 1) has a result already */
    pt_sched_queue_sweep(s);
    ck_assert_uint_eq(pt_sched_queued(s), 4); /* (1, 0), (1, 1), (3, 0), (3, 1) */
    id = pt_sched_next(s);
    ck_assert_int_eq(id, pt_sched_fit_id(s, 1, 0));
    ck_assert_uint_eq(pt_sched_cover(s, id, cov), 2);
    ck_assert_int_eq(cov[0], pt_sched_fit_id(s, 0, 0));
    ck_assert_int_eq(cov[1], pt_sched_fit_id(s, 2, 0));
    ck_assert_int_eq(pt_sched_job(s, cov[0])->state, PT_SCHED_RUNNING);
    ck_assert_uint_eq(pt_sched_running(s), 1); /* one slot for the three */
    ck_assert_uint_eq(pt_sched_covered_by(s, id, cov), 2);
    /* its worker died: retried, and covers the same jobs again */
    ck_assert_int_eq(pt_sched_lost(s, id, 0, 0), PT_LOST_RETRY);
    ck_assert_int_eq(pt_sched_job(s, cov[0])->state, PT_SCHED_PENDING);
    ck_assert_uint_eq(pt_sched_covered_by(s, id, cov), 0);
    ck_assert_int_eq(pt_sched_next(s), id);
    ck_assert_uint_eq(pt_sched_cover(s, id, cov), 2);
    pt_sched_finish(s, cov[0], 1);
    pt_sched_finish(s, cov[1], 1);
    ck_assert_uint_eq(pt_sched_running(s), 1);
    pt_sched_finish(s, id, 1);
    ck_assert_uint_eq(pt_sched_running(s), 0);
    /* (1, 1) covers only (0, 1); its second loss (max_retries 1) fails it, and (0, 1)
     * is queued to run on its own */
    id = pt_sched_next(s);
    ck_assert_int_eq(id, pt_sched_fit_id(s, 1, 1));
    ck_assert_uint_eq(pt_sched_cover(s, id, cov), 1);
    ck_assert_int_eq(pt_sched_lost(s, id, 0, 0), PT_LOST_RETRY);
    ck_assert_int_eq(pt_sched_next(s), id);
    ck_assert_uint_eq(pt_sched_cover(s, id, cov), 1);
    ck_assert_int_eq(pt_sched_lost(s, id, 0, 0), PT_LOST_FAILED);
    pt_sched_finish(s, id, 0);
    ck_assert_int_eq(pt_sched_job(s, cov[0])->state, PT_SCHED_PENDING);
    ck_assert_int_eq(pt_sched_next(s), pt_sched_fit_id(s, 3, 0));
    ck_assert_uint_eq(pt_sched_cover(s, pt_sched_fit_id(s, 3, 0), cov), 0);
    ck_assert_int_eq(pt_sched_next(s), pt_sched_fit_id(s, 3, 1));
    pt_sched_finish(s, pt_sched_fit_id(s, 3, 0), 1);
    ck_assert_int_eq(pt_sched_next(s), pt_sched_fit_id(s, 0, 1));
    pt_sched_destroy(&s);
}
END_TEST

/* --race: fold-major order (every map's fold 0 first), a lost map's queued jobs dropped;
 * --time-budget: every queued fit dropped, the refit still runs. Dropped jobs stay pending. */
START_TEST(fold_major_drop_and_halt)
{
    pt_sched_t *s = make(3, 2, 0, 1, 0);
    long id;
    pt_sched_set_fold_major(s, 1);
    pt_sched_queue_sweep(s);
    id = pt_sched_next(s);
    ck_assert_int_eq(id, pt_sched_fit_id(s, 0, 0));
    pt_sched_finish(s, id, 1);
    ck_assert_uint_eq(pt_sched_drop_map(s, 1), 2);
    ck_assert_uint_eq(pt_sched_drop_map(s, 7), 0);
    id = pt_sched_next(s);
    ck_assert_int_eq(id, pt_sched_fit_id(s, 2, 0));
    pt_sched_finish(s, id, 1);
    ck_assert_int_eq(pt_sched_next(s), pt_sched_fit_id(s, 0, 1));
    ck_assert_uint_eq(pt_sched_queued(s), 1);
    ck_assert_int_eq(pt_sched_queue_refit(s, 2), pt_sched_refit_id(s));
    ck_assert_uint_eq(pt_sched_halt(s), 1); /* map 2 fold 1; the refit stays */
    pt_sched_finish(s, pt_sched_fit_id(s, 0, 1), 1);
    ck_assert_int_eq(pt_sched_next(s), pt_sched_refit_id(s));
    ck_assert_uint_eq(pt_sched_fits_pending(s), 3);
    ck_assert_int_eq(pt_sched_job(s, pt_sched_fit_id(s, 1, 1))->state, PT_SCHED_PENDING);
    pt_sched_destroy(&s);
}
END_TEST

START_TEST(oof_jobs_use_the_refit_slot)
{
    pt_sched_config_t c = {3, 2, 0, 2, 0, 0, NULL, NULL, NULL, NULL, 0};
    pt_sched_t *s = pt_sched_new(&c);
    long id;
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(pt_sched_queue_oof(s, 1, 2), -EINVAL); /* no fold 2 */
    ck_assert_int_eq(pt_sched_queue_oof(s, 3, 0), -EINVAL); /* no map 3 */
    id = pt_sched_queue_oof(s, 1, 1);
    ck_assert_int_eq(id, pt_sched_refit_id(s));
    ck_assert_int_eq(pt_sched_job(s, id)->kind, PT_JOB_OOF);
    ck_assert_int_eq(pt_sched_job(s, id)->map, 1);
    ck_assert_int_eq(pt_sched_job(s, id)->fold, 1);
    ck_assert_int_eq(pt_sched_queue_oof(s, 1, 0), -EINVAL); /* one at a time */
    ck_assert_int_eq(pt_sched_next(s), id);
    pt_sched_finish(s, id, 1);
    ck_assert_int_eq(pt_sched_job(s, id)->state, PT_SCHED_DONE);
    /* the slot is a refit again when the refit is queued */
    ck_assert_int_eq(pt_sched_queue_refit(s, 0), id);
    ck_assert_int_eq(pt_sched_job(s, id)->kind, PT_JOB_REFIT);
    ck_assert_int_eq(pt_sched_job(s, id)->fold, -1);
    ck_assert_int_eq(pt_sched_job(s, id)->state, PT_SCHED_PENDING);
    pt_sched_destroy(&s);
}
END_TEST

Suite *suite_sched(void)
{
    Suite *s = suite_create("sched");
    TCase *tc = tcase_create("sched");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, ids_and_kinds);
    tcase_add_test(tc, fifo_order_and_resume);
    tcase_add_test(tc, retries_go_to_the_front);
    tcase_add_test(tc, longest_first);
    tcase_add_test(tc, fits_wait_for_stats);
    tcase_add_test(tc, outstanding_bound_and_refit);
    tcase_add_test(tc, bins_jobs_come_before_the_fits);
    tcase_add_test(tc, numtrees_sharing);
    tcase_add_test(tc, fold_major_drop_and_halt);
    tcase_add_test(tc, oof_jobs_use_the_refit_slot);
    suite_add_tcase(s, tc);
    return s;
}
