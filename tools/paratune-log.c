/* paratune-log.c - the paratune-log program: shows what a result log holds.
 *
 * `paratune-log show FILE` (or just `paratune-log FILE`) reads a result log, recomputes the
 * average and spread of the metric of every param map from its result records, and prints
 * one aligned row per map, best first. It works on logs of unfinished or killed sweeps too
 * (it says so), and on a log whose last record was torn by a crash.
 * Exit codes (pt_common.h): 0 shown, 2 bad usage or a file that is not a readable log,
 * 1 when stdout cannot be written.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_log.h"
#include "pt_value.h"

static const char usage_text[] =
    "usage: paratune-log [show] FILE\n"
    "\n"
    "Prints the param maps of a paratune result log as a table, best first: for each map\n"
    "its index, its params, the mean and population std of the metric over its folds, the\n"
    "number of ok and failed jobs and their total fit time. '*' marks the best map. A map\n"
    "with a failed fold is failed (nan) and sorts last; '-' means no result yet.\n"
    "Averages are recomputed from the result records, so unfinished logs work too;\n"
    "there, maps with folds still missing sort after the complete ones.\n"
    "\n"
    "Exit status: 0 shown, 2 bad usage or not a readable log, 1 output error.\n";

/* What the table shows for one param map. */
typedef struct {
    size_t index;
    int rank;        /* 0 every fold ok, 1 some folds still missing, 2 failed or no result */
    int ok, failed;
    double avg, std; /* NaN when failed or without results */
    double fit_seconds;
} mapstat_t;

/* One result per (map, fold): later records of the same job (a resumed sweep) win. Refits
 * (fold < 0) are not validation folds and are left out. Returns the number of distinct jobs,
 * or -1 when out of memory; slots[m] / nslots[m] list map m's results. */
static long collect(const pt_logfile_t *lf, const pt_log_result_t ***slots, size_t *nslots)
{
    long jobs = 0;
    for (size_t i = 0; i < lf->nresults; i++) {
        const pt_log_result_t *r = &lf->results[i];
        size_t m = (size_t)r->param_index, k;
        const pt_log_result_t **grown;
        if (r->fold < 0)
            continue;
        for (k = 0; k < nslots[m] && slots[m][k]->fold != r->fold; k++)
            ;
        if (k < nslots[m]) {
            slots[m][k] = r;
            continue;
        }
        grown = realloc(slots[m], (nslots[m] + 1) * sizeof *grown);
        if (grown == NULL)
            return -1;
        slots[m] = grown;
        slots[m][nslots[m]++] = r;
        jobs++;
    }
    return jobs;
}

static void map_stats(const pt_log_result_t *const *rs, size_t n, size_t nfolds,
                      mapstat_t *st)
{
    double sum = 0, sq = 0;
    st->ok = st->failed = 0;
    st->fit_seconds = 0;
    for (size_t k = 0; k < n; k++) {
        if (strcmp(rs[k]->status, "ok") == 0) {
            st->ok++;
            sum += rs[k]->metric;
        } else {
            st->failed++;
        }
        if (isfinite(rs[k]->fit_seconds))
            st->fit_seconds += rs[k]->fit_seconds;
    }
    st->avg = st->std = NAN;
    st->rank = 2;
    if (st->failed > 0 || st->ok == 0)
        return;
    st->rank = (size_t)st->ok >= nfolds ? 0 : 1;
    st->avg = sum / st->ok;
    for (size_t k = 0; k < n; k++)
        sq += (rs[k]->metric - st->avg) * (rs[k]->metric - st->avg);
    st->std = sqrt(sq / st->ok); /* ddof 0, as PySpark's stdMetrics */
}

static int larger_is_better; /* for cmp_stats, which qsort cannot pass context to */

/* Best first: maps with every fold done, then (unfinished sweeps) maps with folds missing,
 * each by metric; failed maps and maps without results (NaN) last; ties by index. */
static int cmp_stats(const void *pa, const void *pb)
{
    const mapstat_t *a = pa, *b = pb;
    if (a->rank != b->rank)
        return a->rank - b->rank;
    if (a->rank < 2 && a->avg != b->avg)
        return (a->avg < b->avg) == larger_is_better ? 1 : -1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* A table of malloc'd cells, rows x cols, printed with aligned columns. */
typedef struct {
    size_t rows, cols;
    char **cell;
} table_t;

static int cell(table_t *t, size_t r, size_t c, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int cell(table_t *t, size_t r, size_t c, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = vasprintf(&t->cell[r * t->cols + c], fmt, ap);
    va_end(ap);
    if (rc < 0)
        t->cell[r * t->cols + c] = NULL;
    return rc < 0 ? -1 : 0;
}

static void table_print(const table_t *t, FILE *out)
{
    size_t *w = calloc(t->cols, sizeof *w);
    if (w == NULL)
        return;
    for (size_t r = 0; r < t->rows; r++)
        for (size_t c = 0; c < t->cols; c++) {
            size_t n = strlen(t->cell[r * t->cols + c]);
            if (n > w[c])
                w[c] = n;
        }
    for (size_t r = 0; r < t->rows; r++) {
        /* column 0 is the one-character best-row marker */
        fputs(t->cell[r * t->cols], out);
        for (size_t c = 1; c < t->cols; c++)
            fprintf(out, "%s%*s", c == 1 ? " " : "  ", (int)w[c], t->cell[r * t->cols + c]);
        fputc('\n', out);
    }
    free(w);
}

/* The keys of all param maps in order of first appearance (grids may be uneven). */
static const char **param_columns(const pt_log_header_t *h, size_t *ncols)
{
    const char **keys = NULL;
    size_t n = 0, cap = 0;
    for (size_t m = 0; m < h->nmaps; m++)
        for (size_t i = 0; i < h->param_maps[m].n; i++) {
            const char *k = h->param_maps[m].items[i].key;
            size_t j;
            for (j = 0; j < n && strcmp(keys[j], k) != 0; j++)
                ;
            if (j < n)
                continue;
            if (n == cap) {
                const char **g = realloc(keys, (cap = cap ? cap * 2 : 8) * sizeof *g);
                if (g == NULL) {
                    free(keys);
                    return NULL;
                }
                keys = g;
            }
            keys[n++] = k;
        }
    *ncols = n;
    return keys != NULL ? keys : calloc(1, sizeof *keys);
}

/* Prints the table of lf. 0, or -1 when out of memory. */
static int show(const char *file, const pt_logfile_t *lf, FILE *out)
{
    const pt_log_header_t *h = &lf->header;
    size_t nfolds = strcmp(h->validator, "cv") == 0 ? (size_t)h->num_folds : 1;
    const pt_log_result_t ***slots = calloc(h->nmaps + 1, sizeof *slots);
    size_t *nslots = calloc(h->nmaps + 1, sizeof *nslots);
    mapstat_t *st = calloc(h->nmaps + 1, sizeof *st);
    const char **keys = NULL;
    size_t nkeys = 0;
    table_t t = {0, 0, NULL};
    long jobs;
    int rc = -1;

    if (slots == NULL || nslots == NULL || st == NULL)
        goto out;
    if ((jobs = collect(lf, slots, nslots)) < 0)
        goto out;
    for (size_t m = 0; m < h->nmaps; m++) {
        st[m].index = m;
        map_stats(slots[m], nslots[m], nfolds, &st[m]);
    }
    larger_is_better = h->larger_is_better;
    qsort(st, h->nmaps, sizeof *st, cmp_stats);
    if ((keys = param_columns(h, &nkeys)) == NULL)
        goto out;

    t.rows = h->nmaps + 1;
    t.cols = nkeys + 7;
    if ((t.cell = calloc(t.rows * t.cols, sizeof *t.cell)) == NULL)
        goto out;
    {
        size_t c = 0;
        if (cell(&t, 0, c++, " ") || cell(&t, 0, c++, "#"))
            goto out;
        for (size_t k = 0; k < nkeys; k++)
            if (cell(&t, 0, c++, "%s", keys[k]))
                goto out;
        if (cell(&t, 0, c++, "avg %s", h->metric) || cell(&t, 0, c++, "std") ||
            cell(&t, 0, c++, "ok") || cell(&t, 0, c++, "failed") || cell(&t, 0, c++, "fit_s"))
            goto out;
    }
    for (size_t r = 0; r < h->nmaps; r++) {
        const mapstat_t *s = &st[r];
        const pt_paramlist_t *pm = &h->param_maps[s->index];
        int none = s->ok == 0 && s->failed == 0;
        size_t c = 0;
        char val[128];

        /* sorted best first, so only the first row can be the best; a map whose folds are
         * not all done is no candidate yet */
        if (cell(&t, r + 1, c++, "%s", r == 0 && s->rank == 0 ? "*" : " ") ||
            cell(&t, r + 1, c++, "%zu", s->index))
            goto out;
        for (size_t k = 0; k < nkeys; k++) {
            const pt_value_t *v = pt_paramlist_get(pm, keys[k]);
            if (v != NULL)
                pt_value_format(v, val, sizeof val);
            if (cell(&t, r + 1, c++, "%s", v != NULL ? val : "-"))
                goto out;
        }
        if ((none ? cell(&t, r + 1, c++, "-") : cell(&t, r + 1, c++, "%.6g", s->avg)) ||
            (none ? cell(&t, r + 1, c++, "-") : cell(&t, r + 1, c++, "%.3g", s->std)) ||
            cell(&t, r + 1, c++, "%d", s->ok) || cell(&t, r + 1, c++, "%d", s->failed) ||
            (s->fit_seconds < 1000 ? cell(&t, r + 1, c++, "%.3g", s->fit_seconds)
                                   : cell(&t, r + 1, c++, "%.0f", s->fit_seconds)))
            goto out;
    }

    fprintf(out, "%s: %s", file, h->validator);
    if (strcmp(h->validator, "cv") == 0)
        fprintf(out, " %d folds", h->num_folds);
    else
        fprintf(out, " train ratio %g", h->train_ratio);
    fprintf(out, ", %s %s (%s is better), %zu param maps\n", h->evaluator, h->metric,
            h->larger_is_better ? "larger" : "smaller", h->nmaps);
    table_print(&t, out);
    if (lf->summary == NULL)
        fprintf(out, "(sweep not finished: %ld of %zu jobs)\n", jobs, h->nmaps * nfolds);
    if (lf->torn)
        fprintf(out, "(last record torn, ignored)\n");
    rc = 0;
out:
    if (t.cell != NULL)
        for (size_t i = 0; i < t.rows * t.cols; i++)
            free(t.cell[i]);
    free(t.cell);
    free(keys);
    for (size_t m = 0; slots != NULL && m < h->nmaps; m++)
        free(slots[m]);
    free(slots);
    free(nslots);
    free(st);
    return rc;
}

int main(int argc, char **argv)
{
    const char *file = NULL;
    char err[PT_ERRLEN];
    pt_logfile_t *lf;
    int rc;

    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage_text, stdout);
        return PT_EXIT_OK;
    }
    if (argc == 3 && strcmp(argv[1], "show") == 0)
        file = argv[2];
    else if (argc == 2 && strcmp(argv[1], "show") != 0)
        file = argv[1];
    if (file == NULL || (file[0] == '-' && file[1] != '\0')) {
        if (file != NULL)
            fprintf(stderr, "paratune-log: %s: unknown option (try --help)\n", file);
        else
            fprintf(stderr, "paratune-log: usage: paratune-log [show] FILE (try --help)\n");
        return PT_EXIT_USAGE;
    }

    lf = pt_logfile_read(file, err);
    if (lf == NULL) {
        fprintf(stderr, "paratune-log: %s\n", err); /* err starts with the file name */
        return PT_EXIT_USAGE;
    }
    rc = show(file, lf, stdout);
    pt_logfile_destroy(&lf);
    if (rc != 0) {
        fprintf(stderr, "paratune-log: %s: out of memory\n", file);
        return PT_EXIT_FAIL;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "paratune-log: stdout: write error\n");
        return PT_EXIT_FAIL;
    }
    return PT_EXIT_OK;
}
