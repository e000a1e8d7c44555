/* plog_sweep.c - paratune-log: a result log read back, with each param map's statistics.
 *
 * Statistics are recomputed from the result records (not taken from the summary), so logs of
 * sweeps that are still running or were killed work too. The last result of each (map, fold)
 * job counts; the aggregation and the best map are pt_results' (lib/run), the rules tune
 * uses, so the two agree to the bit. Also here: the small value, number and UTF-8 helpers
 * the commands share.
 */
#include <errno.h>
#include <langinfo.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plog.h"
#include "pt_common.h"
#include "pt_eval.h"
#include "pt_params.h"
#include "pt_results.h"

size_t plog_sweep_rungs(const plog_sweep_t *s, size_t r, size_t *nmaps, int64_t *resource)
{
    size_t top = 0, n = 0;
    int64_t res = 0;
    for (size_t i = 0; i < s->lf->nresults; i++) {
        const pt_log_result_t *x = &s->lf->results[i];
        int seen = 0;
        if (x->rung < 0)
            continue;
        if ((size_t)x->rung + 1 > top)
            top = (size_t)x->rung + 1;
        if ((size_t)x->rung != r)
            continue;
        res = x->resource;
        for (size_t j = 0; j < i && !seen; j++) /* a map counted at its first result there */
            seen = s->lf->results[j].rung == x->rung &&
                   s->lf->results[j].param_index == x->param_index;
        n += !seen;
    }
    if (nmaps != NULL)
        *nmaps = n;
    if (resource != NULL)
        *resource = res;
    return top;
}

/* An unfinished halving sweep's provisional best: the best complete map of the highest rung
 * reached (a lower rung's averages are on fewer rows), ties to the lowest index; -1. */
static long halving_best(const plog_sweep_t *s)
{
    long best = -1;
    int top = -1;
    for (size_t m = 0; m < s->h->nmaps; m++)
        if (s->maps[m].rung > top)
            top = s->maps[m].rung;
    for (size_t m = 0; m < s->h->nmaps; m++)
        if (s->maps[m].rung == top && s->maps[m].state == PLOG_OK &&
            (best < 0 || plog_better(s, s->maps[m].avg, s->maps[best].avg)))
            best = (long)m;
    return best;
}

/* Fills s->maps from the latest result of every job (last: nmaps x nfolds, NULL for none):
 * the statistics from pt_results, the module tune and the progress line use too. */
static int map_stats(plog_sweep_t *s, const pt_log_result_t *const *last)
{
    pt_results_t *res = pt_results_new(s->h->nmaps, s->nfolds, s->h->larger_is_better);
    if (res == NULL)
        return -ENOMEM;
    for (size_t m = 0; m < s->h->nmaps; m++)
        for (size_t f = 0; f < s->nfolds; f++) {
            const pt_log_result_t *r = last[m * s->nfolds + f];
            if (r == NULL)
                continue;
            pt_results_set(res, m, f, strcmp(r->status, "ok") == 0 ? PT_FOLD_OK : PT_FOLD_FAILED,
                           r->metric);
            if (isfinite(r->fit_seconds))
                s->maps[m].fit_seconds += r->fit_seconds;
        }
    for (size_t m = 0; m < s->h->nmaps; m++) {
        plog_map_t *st = &s->maps[m];
        pt_map_stats_t ms;
        pt_results_map(res, m, &ms);
        st->index = m;
        st->rung = -1;
        for (size_t f = 0; f < s->nfolds; f++)
            if (last[m * s->nfolds + f] != NULL && last[m * s->nfolds + f]->rung > st->rung)
                st->rung = last[m * s->nfolds + f]->rung;
        st->state = (plog_state_t)ms.state;
        st->ok = ms.ok;
        st->failed = ms.failed;
        st->avg = ms.avg;
        st->std = ms.std;
    }
    s->jobs_done = pt_results_count(res);
    if (s->lf->summary != NULL && s->refit_metric != NULL) {
        /* another metric than the sweep's: its best complete map, a map the race pruned
         * (by the refit metric) left out as tune leaves it out */
        const pt_log_summary_t *sum = s->lf->summary;
        for (size_t i = 0; i < sum->npruned_maps; i++)
            for (size_t f = 0; f < s->nfolds; f++)
                pt_results_set(res, (size_t)sum->pruned_maps[i], f, PT_FOLD_NONE, NAN);
    }
    if (s->lf->summary != NULL && s->refit_metric == NULL)
        s->best = s->lf->summary->best_index;
    else if (plog_sweep_rungs(s, 0, NULL, NULL) > 0)
        s->best = halving_best(s);
    else
        s->best = pt_results_best(res, NULL);
    pt_results_destroy(&res);
    return 0;
}

/* The keys of all param maps in order of first appearance (grids may be uneven). */
static int collect_keys(plog_sweep_t *s)
{
    size_t cap = 0;
    for (size_t m = 0; m < s->h->nmaps; m++)
        for (size_t i = 0; i < s->h->param_maps[m].n; i++) {
            const char *k = s->h->param_maps[m].items[i].key;
            size_t j;
            for (j = 0; j < s->nkeys && strcmp(s->keys[j], k) != 0; j++)
                ;
            if (j < s->nkeys)
                continue;
            if (s->nkeys == cap) {
                const char **g = realloc(s->keys, (cap = cap ? cap * 2 : 8) * sizeof *g);
                if (g == NULL)
                    return -ENOMEM;
                s->keys = g;
            }
            s->keys[s->nkeys++] = k;
        }
    return 0;
}

/* Whether name is one of the comma-separated list. */
static int in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p != NULL; p = strchr(p, ','), p = p != NULL ? p + 1 : NULL)
        if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

/* --metric M, not the log's refit metric: M must be among the header's evaluator.metrics;
 * each result's metric becomes its "metrics" map's value of M (NaN when not ok), and the
 * header's metric and direction M's. 0, or an exit code after one line on stderr. */
static int choose_metric(plog_sweep_t *s, const char *metric)
{
    pt_log_header_t *h = &s->lf->header;
    plog_raw_t *raw = NULL;
    pt_evaluator_t ev;
    pt_metric_t mt;
    char err[PT_ERRLEN], *name = NULL;
    int rc = PT_EXIT_USAGE;

    if (h->metrics == NULL || !in_list(h->metrics, metric) ||
        pt_eval_lookup(h->evaluator, metric, &ev, &mt, err) != 0) {
        fprintf(stderr, "paratune-log: %s: --metric %s: not recorded in the log (its metrics: "
                "%s)\n", s->file, metric, h->metrics != NULL ? h->metrics : h->metric);
        return PT_EXIT_USAGE;
    }
    if ((raw = plog_raw_load(s, &rc)) == NULL)
        return rc;
    for (size_t i = 0, ri = 0; i < raw->nrec && ri < s->lf->nresults; i++) {
        pt_log_result_t *r;
        const msgpack_object *v;
        if (!plog_raw_is(&raw->rec[i], "result"))
            continue;
        r = &s->lf->results[ri++];
        if (strcmp(r->status, "ok") != 0)
            continue; /* its metric is NaN already */
        v = plog_raw_get(plog_raw_get(&raw->rec[i], "metrics"), metric);
        if (v == NULL || (v->type != MSGPACK_OBJECT_FLOAT64 && v->type != MSGPACK_OBJECT_FLOAT32
                          && v->type != MSGPACK_OBJECT_NIL)) {
            fprintf(stderr, "paratune-log: %s: --metric %s: result %zu (param map %d, fold %d) "
                    "has no value of it\n", s->file, metric, ri - 1, (int)r->param_index,
                    (int)r->fold);
            goto out;
        }
        r->metric = v->type == MSGPACK_OBJECT_NIL ? NAN : v->via.f64;
    }
    if ((name = strdup(metric)) == NULL) {
        rc = plog_nomem(s->file);
        goto out;
    }
    s->refit_metric = h->metric;
    h->metric = name;
    h->larger_is_better = pt_eval_larger_is_better(mt);
    rc = 0;
out:
    plog_raw_destroy(&raw);
    return rc;
}

plog_sweep_t *plog_sweep_load(const char *file, const char *metric, int *rc)
{
    char err[PT_ERRLEN];
    plog_sweep_t *s = NULL;
    const pt_log_result_t **last = NULL;

    if ((s = calloc(1, sizeof *s)) == NULL)
        goto nomem;
    s->file = file;
    s->best = -1;
    if ((s->lf = pt_logfile_read(file, err)) == NULL) {
        int e = errno;
        fprintf(stderr, "paratune-log: %s\n", err); /* err starts with the file name */
        free(s);
        *rc = e == ENOMEM ? PT_EXIT_FAIL : PT_EXIT_USAGE;
        return NULL;
    }
    s->h = &s->lf->header;
    if (metric != NULL && strcmp(metric, s->h->metric) != 0 &&
        (*rc = choose_metric(s, metric)) != 0) {
        plog_sweep_destroy(&s);
        return NULL;
    }
    s->nfolds = s->h->validator == PT_VALIDATOR_CV ? (size_t)s->h->num_folds : 1;
    s->jobs_total = s->h->nmaps > 0 && s->nfolds > SIZE_MAX / s->h->nmaps
                        ? SIZE_MAX : s->h->nmaps * s->nfolds;
    if (s->nfolds > 0 && s->h->nmaps > SIZE_MAX / sizeof *last / s->nfolds)
        goto nomem;
    if ((s->maps = calloc(s->h->nmaps + 1, sizeof *s->maps)) == NULL ||
        (last = calloc(s->h->nmaps * s->nfolds + 1, sizeof *last)) == NULL ||
        collect_keys(s) != 0)
        goto nomem;

    /* validation folds only (a refit would have fold -1); in file order, so each job's last
     * result is the one that counts */
    for (size_t i = 0; i < s->lf->nresults; i++) {
        const pt_log_result_t *r = &s->lf->results[i];
        if (r->fold >= 0 && (size_t)r->fold < s->nfolds && r->param_index >= 0 &&
            (size_t)r->param_index < s->h->nmaps)
            last[(size_t)r->param_index * s->nfolds + (size_t)r->fold] = r;
    }
    if (map_stats(s, last) != 0)
        goto nomem;
    s->finished = s->lf->summary != NULL || s->jobs_done == s->jobs_total;
    free(last);
    return s;

nomem:
    free(last);
    plog_sweep_destroy(&s);
    *rc = plog_nomem(file);
    return NULL;
}

void plog_sweep_destroy(plog_sweep_t **ps)
{
    if (ps == NULL || *ps == NULL)
        return;
    pt_logfile_destroy(&(*ps)->lf);
    free((*ps)->refit_metric);
    free((*ps)->maps);
    free((*ps)->keys);
    free(*ps);
    *ps = NULL;
}

int plog_better(const plog_sweep_t *s, double a, double b)
{
    return pt_results_better(s->h->larger_is_better, a, b);
}

static int rank(plog_state_t st)
{
    return st == PLOG_OK ? 0 : st == PLOG_PARTIAL ? 1 : 2;
}

static int cmp_order(const void *pa, const void *pb, void *ctx)
{
    const plog_sweep_t *s = ctx;
    const plog_map_t *a = &s->maps[*(const size_t *)pa], *b = &s->maps[*(const size_t *)pb];
    if (a->rung != b->rung) /* halving: the maps of the last rung first */
        return a->rung > b->rung ? -1 : 1;
    if (rank(a->state) != rank(b->state))
        return rank(a->state) - rank(b->state);
    if (rank(a->state) < 2 && a->avg != b->avg)
        return plog_better(s, a->avg, b->avg) ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

size_t *plog_sweep_order(const plog_sweep_t *s)
{
    size_t *o = malloc((s->h->nmaps + 1) * sizeof *o);
    if (o == NULL)
        return NULL;
    for (size_t m = 0; m < s->h->nmaps; m++)
        o[m] = m;
    qsort_r(o, s->h->nmaps, sizeof *o, cmp_order, (void *)s);
    return o;
}

void plog_sweep_warn(const plog_sweep_t *s, FILE *f)
{
    if (!s->finished)
        fprintf(f, "paratune-log: %s: sweep not finished: %zu of %zu jobs have a result\n",
                s->file, s->jobs_done, s->jobs_total);
    if (s->lf->torn)
        fprintf(f, "paratune-log: %s: last record torn (ignored)\n", s->file);
}

void plog_sweep_notes(const plog_sweep_t *s, char *buf, size_t len)
{
    int n = 0;
    buf[0] = '\0';
    if (!s->finished)
        n = snprintf(buf, len, "(sweep not finished: %zu of %zu jobs have a result)",
                     s->jobs_done, s->jobs_total);
    if (n < 0 || (size_t)n >= len)
        return;
    if (s->lf->torn)
        snprintf(buf + n, len - (size_t)n, "%s(last record torn, ignored)", n > 0 ? " " : "");
}

void plog_sweep_validator(const plog_sweep_t *s, char *buf, size_t len)
{
    if (s->h->validator == PT_VALIDATOR_CV)
        snprintf(buf, len, "cv %d folds", s->h->num_folds);
    else
        snprintf(buf, len, "tvs train ratio %g", s->h->train_ratio);
}

static const char *short_name(const char *key)
{
    const char *dot = strrchr(key, '.');
    return dot != NULL ? dot + 1 : key;
}

const char *plog_sweep_key(const plog_sweep_t *s, const char *name)
{
    const char *found = NULL;
    for (size_t k = 0; k < s->nkeys; k++)
        if (strcmp(s->keys[k], name) == 0)
            return s->keys[k];
    for (size_t k = 0; k < s->nkeys; k++)
        if (strcmp(short_name(s->keys[k]), name) == 0) {
            if (found != NULL)
                return NULL; /* ambiguous */
            found = s->keys[k];
        }
    return found;
}

const char *plog_sweep_short_key(const plog_sweep_t *s, const char *key)
{
    const char *sh = short_name(key);
    for (size_t k = 0; k < s->nkeys; k++)
        if (strcmp(s->keys[k], key) != 0 && strcmp(short_name(s->keys[k]), sh) == 0)
            return key;
    return sh;
}

/* ---- helpers ---- */

int plog_value_cmp(const pt_value_t *a, const pt_value_t *b)
{
    int sa = a->type == PT_VAL_STRING, sb = b->type == PT_VAL_STRING;
    if (sa != sb)
        return sa - sb;
    if (sa)
        return strcmp(a->str != NULL ? a->str : "", b->str != NULL ? b->str : "");
    return a->num < b->num ? -1 : a->num > b->num;
}

/* Sets *out to the default of "stage.param" in the stage registry and returns 1; 0 when the
 * param is unknown or has no default. */
static int default_of(const char *key, pt_value_t *out)
{
    const char *dot = strchr(key, '.');
    const pt_stage_def_t *st;
    const pt_param_def_t *p;
    char stage[128];
    if (dot == NULL || (size_t)(dot - key) >= sizeof stage)
        return 0;
    memcpy(stage, key, (size_t)(dot - key));
    stage[dot - key] = '\0';
    if ((st = pt_stage_lookup(stage)) == NULL || (p = pt_stage_param(st, dot + 1)) == NULL ||
        p->required)
        return 0;
    memset(out, 0, sizeof *out);
    out->type = p->type;
    out->num = p->def;
    return 1;
}

/* Whether every key of a has the same value in b, or is missing from b and a has it at its
 * default. */
static int covers(const pt_paramlist_t *a, const pt_paramlist_t *b)
{
    for (size_t i = 0; i < a->n; i++) {
        const pt_value_t *v = pt_paramlist_get(b, a->items[i].key);
        pt_value_t d;
        if (v == NULL && default_of(a->items[i].key, &d))
            v = &d;
        if (v == NULL || plog_value_cmp(&a->items[i].val, v) != 0)
            return 0;
    }
    return 1;
}

int plog_params_equal(const pt_paramlist_t *a, const pt_paramlist_t *b)
{
    return covers(a, b) && covers(b, a);
}

void plog_fmt_double(double x, char *buf, size_t len)
{
    pt_format_double(x, buf, len);
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b;
}

int plog_digits(const double *v, size_t n, int lo, int hi)
{
    double *d = malloc((n + 1) * sizeof *d);
    size_t m = 0;
    int p = lo;
    if (d == NULL)
        return hi;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]))
            d[m++] = v[i];
    qsort(d, m, sizeof *d, cmp_double);
    for (; p < hi; p++) {
        size_t i;
        for (i = 1; i < m; i++) {
            char a[328], b[328]; /* %.*g of any double at any precision fits */
            if (d[i] == d[i - 1])
                continue;
            snprintf(a, sizeof a, "%.*g", p, d[i - 1]);
            snprintf(b, sizeof b, "%.*g", p, d[i]);
            if (strcmp(a, b) == 0)
                break;
        }
        if (i >= m)
            break;
    }
    free(d);
    return p;
}

int plog_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

size_t plog_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t c, min;
    if (n == 0)
        return 0;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xe0) == 0xc0) {
        len = 2, c = s[0] & 0x1f, min = 0x80;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3, c = s[0] & 0x0f, min = 0x800;
    } else if ((s[0] & 0xf8) == 0xf0) {
        len = 4, c = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}
