/* pt_results.c - a sweep's results: aggregation, the best map, the table (see pt_results.h). */
#include "pt_results.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    pt_fold_state_t state;
    double metric;
} cell_t;

struct pt_results {
    size_t nmaps, nfolds;
    int larger;
    cell_t cell[]; /* nmaps x nfolds, map-major: one allocation with the struct */
};

pt_results_t *pt_results_new(size_t nmaps, size_t nfolds, int larger)
{
    pt_results_t *r;
    if (nfolds > 0 && nmaps > (SIZE_MAX - sizeof *r) / sizeof(cell_t) / nfolds)
        return NULL;
    if ((r = calloc(1, sizeof *r + nmaps * nfolds * sizeof(cell_t))) == NULL)
        return NULL;
    r->nmaps = nmaps;
    r->nfolds = nfolds;
    r->larger = larger;
    for (size_t i = 0; i < nmaps * nfolds; i++)
        r->cell[i].metric = NAN;
    return r;
}

void pt_results_destroy(pt_results_t **r)
{
    if (r != NULL) {
        free(*r);
        *r = NULL;
    }
}

size_t pt_results_nmaps(const pt_results_t *r)
{
    return r->nmaps;
}

size_t pt_results_nfolds(const pt_results_t *r)
{
    return r->nfolds;
}

void pt_results_set(pt_results_t *r, size_t map, size_t fold, pt_fold_state_t state,
                    double metric)
{
    cell_t *c;
    if (map >= r->nmaps || fold >= r->nfolds)
        return;
    c = &r->cell[map * r->nfolds + fold];
    c->state = state;
    c->metric = state == PT_FOLD_OK ? metric : NAN;
}

pt_fold_state_t pt_results_get(const pt_results_t *r, size_t map, size_t fold, double *metric)
{
    const cell_t *c;
    if (map >= r->nmaps || fold >= r->nfolds) {
        if (metric != NULL)
            *metric = NAN;
        return PT_FOLD_NONE;
    }
    c = &r->cell[map * r->nfolds + fold];
    if (metric != NULL)
        *metric = c->metric;
    return c->state;
}

size_t pt_results_count(const pt_results_t *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nmaps * r->nfolds; i++)
        n += r->cell[i].state != PT_FOLD_NONE;
    return n;
}

void pt_results_map(const pt_results_t *r, size_t map, pt_map_stats_t *out)
{
    const cell_t *c;
    double sum = 0, ss = 0;

    memset(out, 0, sizeof *out);
    out->avg = out->std = NAN;
    out->state = PT_MAP_NONE;
    if (map >= r->nmaps)
        return;
    c = &r->cell[map * r->nfolds];
    for (size_t f = 0; f < r->nfolds; f++) {
        if (c[f].state == PT_FOLD_OK && isfinite(c[f].metric)) {
            out->ok++;
            sum += c[f].metric;
        } else if (c[f].state != PT_FOLD_NONE) {
            out->failed++;
        }
    }
    if (out->failed > 0)
        out->state = PT_MAP_FAILED;
    else if (out->ok == 0)
        out->state = PT_MAP_NONE;
    else
        out->state = (size_t)out->ok == r->nfolds ? PT_MAP_OK : PT_MAP_PARTIAL;
    if (out->state != PT_MAP_OK && out->state != PT_MAP_PARTIAL)
        return;
    /* the sum in fold order, then the deviations from the mean: the same operations in the
     * same order wherever a map's statistics are computed, so they agree to the bit */
    out->avg = sum / (double)out->ok;
    for (size_t f = 0; f < r->nfolds; f++)
        if (c[f].state == PT_FOLD_OK) {
            double d = c[f].metric - out->avg;
            ss += d * d;
        }
    out->std = sqrt(ss / (double)out->ok);
}

void pt_results_averages(const pt_results_t *r, double *avg, double *sd)
{
    for (size_t i = 0; i < r->nmaps; i++) {
        pt_map_stats_t st;
        pt_results_map(r, i, &st);
        avg[i] = st.state == PT_MAP_OK ? st.avg : NAN;
        sd[i] = st.state == PT_MAP_OK ? st.std : NAN;
    }
}

int pt_results_better(int larger, double a, double b)
{
    if (isnan(a))
        return 0;
    if (isnan(b))
        return 1;
    return larger ? a > b : a < b;
}

long pt_results_best(const pt_results_t *r, double *avg)
{
    long best = -1;
    double val = NAN;
    for (size_t i = 0; i < r->nmaps; i++) {
        pt_map_stats_t st;
        pt_results_map(r, i, &st);
        if (st.state != PT_MAP_OK)
            continue;
        if (best < 0 || pt_results_better(r->larger, st.avg, val)) {
            best = (long)i;
            val = st.avg;
        }
    }
    if (avg != NULL)
        *avg = val;
    return best;
}

/* The params that order maps by regularization, in priority order: +1 a larger value is more
 * regularized, -1 a smaller one. */
static const struct {
    const char *name;
    int dir;
} reg_order[] = {
    {"regParam", 1},  {"maxDepth", -1}, {"maxIter", -1},  {"numTrees", -1},
    {"k", -1},        {"minInstancesPerNode", 1}, {"minInfoGain", 1},
    {"minWeightFractionPerNode", 1}, {"stepSize", -1}, {"maxBins", -1},
};

/* The param's name after its stage prefix ("pca.k" -> "k"). */
static const char *param_name(const char *key)
{
    const char *dot = strrchr(key, '.');
    return dot != NULL ? dot + 1 : key;
}

int pt_results_more_regularized(const pt_paramlist_t *a, const pt_paramlist_t *b)
{
    for (size_t o = 0; o < sizeof reg_order / sizeof reg_order[0]; o++)
        for (size_t i = 0; i < a->n; i++) {
            const pt_param_t *p = &a->items[i];
            const pt_value_t *q;
            if (strcmp(param_name(p->key), reg_order[o].name) != 0 ||
                (q = pt_paramlist_get(b, p->key)) == NULL || p->val.type == PT_VAL_STRING ||
                q->type == PT_VAL_STRING || p->val.num == q->num)
                continue;
            return reg_order[o].dir > 0 ? p->val.num > q->num : p->val.num < q->num;
        }
    return 0;
}

long pt_results_one_se(const pt_results_t *r, const pt_paramlist_t *maps, long *top, double *se)
{
    double best_avg, ss = 0, s = NAN, limit;
    long best = pt_results_best(r, &best_avg), pick = best;
    const cell_t *c;

    if (best >= 0) {
        c = &r->cell[(size_t)best * r->nfolds];
        for (size_t f = 0; f < r->nfolds; f++)
            ss += (c[f].metric - best_avg) * (c[f].metric - best_avg);
        s = r->nfolds > 1 ? sqrt(ss / (double)(r->nfolds - 1)) / sqrt((double)r->nfolds) : 0;
        limit = r->larger ? best_avg - s : best_avg + s;
        for (size_t i = 0; i < r->nmaps; i++) {
            pt_map_stats_t st;
            pt_results_map(r, i, &st);
            if (st.state != PT_MAP_OK || (r->larger ? st.avg < limit : st.avg > limit))
                continue;
            if (pt_results_more_regularized(&maps[i], &maps[pick]) ||
                ((long)i < pick && !pt_results_more_regularized(&maps[pick], &maps[i])))
                pick = (long)i;
        }
    }
    if (top != NULL)
        *top = best;
    if (se != NULL)
        *se = s;
    return pick;
}

/* The table's rows into f (a memory stream). */
static void table_rows(FILE *f, const pt_results_t *r, const pt_paramlist_t *maps,
                       const char *metric_name, long best)
{
    static const pt_paramlist_t none = {0, NULL};
    const pt_paramlist_t *m0 = r->nmaps > 0 ? &maps[0] : &none;
    int w[64];
    size_t nk = m0->n < 64 ? m0->n : 64;
    char buf[64];

    fprintf(f, "  %4s", "#");
    for (size_t k = 0; k < nk; k++) {
        w[k] = (int)strlen(m0->items[k].key);
        for (size_t i = 0; i < r->nmaps; i++) {
            pt_value_format(&maps[i].items[k].val, buf, sizeof buf);
            if ((int)strlen(buf) > w[k])
                w[k] = (int)strlen(buf);
        }
        fprintf(f, "  %*s", w[k], m0->items[k].key);
    }
    fprintf(f, "  %14s  %12s\n", metric_name, "std");
    for (size_t i = 0; i < r->nmaps; i++) {
        pt_map_stats_t st;
        pt_results_map(r, i, &st);
        fprintf(f, "%c %4zu", (long)i == best ? '*' : ' ', i);
        for (size_t k = 0; k < nk; k++) {
            pt_value_format(&maps[i].items[k].val, buf, sizeof buf);
            fprintf(f, "  %*s", w[k], buf);
        }
        if (st.state != PT_MAP_OK) /* folds not run: a time budget or a race */
            fprintf(f, "  %14s  %12s\n", st.state == PT_MAP_FAILED ? "failed" : "incomplete",
                    "-");
        else
            fprintf(f, "  %14.8g  %12.6g\n", st.avg, st.std);
    }
}

char *pt_results_table(const pt_results_t *r, const pt_paramlist_t *maps,
                       const char *metric_name, long best)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return NULL;
    table_rows(f, r, maps, metric_name, best);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}
