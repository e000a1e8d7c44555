/* pt_halving.c - successive halving: the schedule, the rungs' prefixes, the maps kept (see
 * pt_halving.h). */
#include "pt_halving.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"

struct pt_halving {
    pt_halving_plan_t plan;
    size_t ncand, nblocks;
    int larger;
    size_t rung;          /* the rung running now */
    size_t *maps;         /* nrungs x ncand: rung r's maps in maps[r * ncand ..], ascending */
    size_t *nmaps;        /* nrungs: how many (0 until the rung is reached) */
    int32_t *prefix;      /* nrungs x nblocks rows per block, with rows; NULL otherwise */
    unsigned char *full;  /* nrungs: rung r uses every row (no prefix) */
};

/* floor(log(x) / log(base)), as Python's math.log(x, base) computes it (sklearn's rule, so
 * the same integers even where the quotient is a hair below an integer). */
static size_t log_floor(double x, double base)
{
    return (size_t)floor(log(x) / log(base));
}

int pt_halving_plan(size_t ncand, long factor, long long min_resources, long long smallest,
                    long long max_resources, pt_halving_plan_t *plan, char *err)
{
    long long minr = min_resources > 0 ? min_resources : smallest;
    size_t n = ncand;
    memset(plan, 0, sizeof *plan);
    if (ncand == 0 || factor < 2 || max_resources < 1 || minr < 1) {
        pt_seterr(err, "successive halving: bad arguments");
        return -EINVAL;
    }
    plan->n_required = 1 + log_floor((double)ncand, (double)factor);
    if (min_resources <= 0) { /* exhaust: the largest start whose last rung still fits */
        long long pw = 1;
        for (size_t i = 0; i + 1 < plan->n_required && pw <= max_resources; i++)
            pw *= factor;
        if (max_resources / pw > minr)
            minr = max_resources / pw;
    }
    if (minr > max_resources) {
        pt_seterr(err, "min_resources %lld is greater than max_resources %lld", minr,
                  max_resources);
        return -EINVAL;
    }
    plan->min_resources = minr;
    plan->max_resources = max_resources;
    plan->n_possible = 1 + log_floor((double)(max_resources / minr), (double)factor);
    plan->nrungs = plan->n_required < plan->n_possible ? plan->n_required : plan->n_possible;
    if (plan->nrungs > PT_HALVING_MAX_RUNGS)
        plan->nrungs = PT_HALVING_MAX_RUNGS;
    for (size_t r = 0; r < plan->nrungs; r++) {
        long long res = minr;
        for (size_t i = 0; i < r && res <= max_resources; i++)
            res *= factor;
        plan->resources[r] = res < max_resources ? res : max_resources;
        plan->candidates[r] = n;
        n = (n + (size_t)factor - 1) / (size_t)factor;
    }
    return 0;
}

void pt_halving_block_rows(long long R, const size_t *n, size_t nblocks, size_t *out)
{
    long long N = 0, left = R;
    for (size_t b = 0; b < nblocks; b++)
        N += (long long)n[b];
    if (R >= N) {
        memcpy(out, n, nblocks * sizeof *out);
        return;
    }
    for (size_t b = 0; b < nblocks; b++) {
        /* floor(R n_b / N) without overflow for any realistic size (long double's 64 bits) */
        out[b] = (size_t)((long double)R * (long double)n[b] / (long double)N);
        while ((long long)out[b] * N > R * (long long)n[b] && out[b] > 0) /* rounding */
            out[b]--;
        left -= (long long)out[b];
    }
    for (size_t b = 0; left > 0; b = (b + 1) % nblocks)
        if (out[b] < n[b]) {
            out[b]++;
            left--;
        }
}

pt_halving_t *pt_halving_new(size_t ncand, const pt_halving_plan_t *plan, int larger, int rows,
                             const size_t *block_n, size_t nblocks)
{
    pt_halving_t *h = calloc(1, sizeof *h);
    size_t nr = plan->nrungs, *tmp = NULL;
    if (h == NULL || ncand == 0 || nr == 0)
        goto error;
    h->plan = *plan;
    h->ncand = ncand;
    h->nblocks = nblocks;
    h->larger = larger;
    h->maps = malloc(nr * ncand * sizeof *h->maps);
    h->nmaps = calloc(nr, sizeof *h->nmaps);
    h->full = calloc(nr, 1);
    if (h->maps == NULL || h->nmaps == NULL || h->full == NULL)
        goto error;
    for (size_t m = 0; m < ncand; m++)
        h->maps[m] = m;
    h->nmaps[0] = ncand;
    for (size_t r = 0; r < nr; r++)
        h->full[r] = 1;
    if (rows && nblocks > 0) {
        h->prefix = malloc(nr * nblocks * sizeof *h->prefix);
        tmp = malloc(nblocks * sizeof *tmp);
        if (h->prefix == NULL || tmp == NULL)
            goto error;
        for (size_t r = 0; r < nr; r++) {
            pt_halving_block_rows(plan->resources[r], block_n, nblocks, tmp);
            for (size_t b = 0; b < nblocks; b++) {
                h->prefix[r * nblocks + b] = (int32_t)(tmp[b] < INT32_MAX ? tmp[b] : INT32_MAX);
                h->full[r] &= tmp[b] == block_n[b];
            }
        }
    }
    free(tmp);
    return h;
error:
    free(tmp);
    pt_halving_destroy(&h);
    return NULL;
}

void pt_halving_destroy(pt_halving_t **ph)
{
    pt_halving_t *h = ph != NULL ? *ph : NULL;
    if (h == NULL)
        return;
    free(h->maps);
    free(h->nmaps);
    free(h->prefix);
    free(h->full);
    free(h);
    *ph = NULL;
}

const pt_halving_plan_t *pt_halving_get_plan(const pt_halving_t *h)
{
    return &h->plan;
}

size_t pt_halving_ncand(const pt_halving_t *h)
{
    return h->ncand;
}

const int32_t *pt_halving_prefix(const pt_halving_t *h, size_t rung, size_t *n)
{
    *n = 0;
    if (h->prefix == NULL || rung >= h->plan.nrungs || h->full[rung])
        return NULL;
    *n = h->nblocks;
    return h->prefix + rung * h->nblocks;
}

size_t pt_halving_rung(const pt_halving_t *h)
{
    return h->rung;
}

size_t pt_halving_rung_maps(const pt_halving_t *h, size_t r, const size_t **maps)
{
    if (r >= h->plan.nrungs) {
        *maps = NULL;
        return 0;
    }
    *maps = h->maps + r * h->ncand;
    return h->nmaps[r];
}

/* 1 when every fit job of rung r's maps is done or failed. */
static int rung_finished(const pt_halving_t *h, const pt_sched_t *sched, size_t r)
{
    size_t nfolds = pt_sched_nfits(sched) / (h->plan.nrungs * h->ncand);
    for (size_t i = 0; i < h->nmaps[r]; i++)
        for (size_t f = 0; f < nfolds; f++) {
            long id = pt_sched_fit_id(sched, r * h->ncand + h->maps[r * h->ncand + i], f);
            pt_sched_state_t st = pt_sched_job(sched, id)->state;
            if (st != PT_SCHED_DONE && st != PT_SCHED_FAILED)
                return 0;
        }
    return 1;
}

/* A rung map's rank key: its mean when complete, else NaN (ranked last). */
typedef struct {
    double avg;
    size_t m;
    int larger;
} ranked_t;

/* qsort order: the better mean first, NaN last, equal means by the lower index. */
static int by_mean(const void *pa, const void *pb)
{
    const ranked_t *a = pa, *b = pb;
    if (pt_results_better(a->larger, a->avg, b->avg))
        return -1;
    if (pt_results_better(a->larger, b->avg, a->avg))
        return 1;
    return (a->m > b->m) - (a->m < b->m);
}

static int by_index(const void *pa, const void *pb)
{
    const size_t *a = pa, *b = pb;
    return (*a > *b) - (*a < *b);
}

/* Rung r + 1's maps: the best ceil(n / factor) of rung r's. 0 or -ENOMEM. */
static int keep_best(pt_halving_t *h, const pt_results_t *res, size_t r)
{
    size_t n = h->nmaps[r], keep = h->plan.candidates[r + 1];
    ranked_t *rk = malloc(n * sizeof *rk + 1);
    if (rk == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        pt_map_stats_t st;
        size_t m = h->maps[r * h->ncand + i];
        pt_results_map(res, r * h->ncand + m, &st);
        rk[i] = (ranked_t){st.state == PT_MAP_OK ? st.avg : NAN, m, h->larger};
    }
    qsort(rk, n, sizeof *rk, by_mean);
    if (keep > n)
        keep = n;
    for (size_t i = 0; i < keep; i++)
        h->maps[(r + 1) * h->ncand + i] = rk[i].m;
    qsort(h->maps + (r + 1) * h->ncand, keep, sizeof *h->maps, by_index);
    h->nmaps[r + 1] = keep;
    free(rk);
    return 0;
}

long pt_halving_advance(pt_halving_t *h, const pt_results_t *res, pt_sched_t *sched)
{
    long queued = 0;
    while (h->rung + 1 < h->plan.nrungs && rung_finished(h, sched, h->rung)) {
        if (keep_best(h, res, h->rung) != 0)
            return -ENOMEM;
        h->rung++;
        for (size_t i = 0; i < h->nmaps[h->rung]; i++)
            queued += (long)pt_sched_queue_map(sched, h->rung * h->ncand +
                                                          h->maps[h->rung * h->ncand + i]);
    }
    return queued;
}

int pt_halving_done(const pt_halving_t *h, const pt_sched_t *sched)
{
    return h->rung + 1 == h->plan.nrungs && rung_finished(h, sched, h->rung);
}

long pt_halving_best(const pt_halving_t *h, const pt_results_t *res, double *avg)
{
    size_t last = h->plan.nrungs - 1;
    long best = -1;
    double bavg = NAN;
    for (size_t i = 0; i < h->nmaps[last]; i++) {
        size_t m = h->maps[last * h->ncand + i];
        pt_map_stats_t st;
        pt_results_map(res, last * h->ncand + m, &st);
        if (st.state == PT_MAP_OK && (best < 0 || pt_results_better(h->larger, st.avg, bavg))) {
            best = (long)m;
            bavg = st.avg;
        }
    }
    if (avg != NULL)
        *avg = bavg;
    return best;
}

size_t pt_halving_map_rung(const pt_halving_t *h, size_t m)
{
    size_t top = 0;
    for (size_t r = 1; r < h->plan.nrungs; r++)
        for (size_t i = 0; i < h->nmaps[r]; i++)
            if (h->maps[r * h->ncand + i] == m)
                top = r;
    return top;
}
