/* plog_text.c - paratune-log: the text commands show, compare, best and csv.
 *
 * show and compare print aligned tables fitted to the terminal: when a table is wider than
 * the terminal, param columns first lose their "stage." prefix (where the rest is unique) and
 * then the widest of them are cut, marked with an ellipsis; the metric columns are never cut.
 * best prints "stage.param=value" lines that `paratune tune --set` accepts. csv writes
 * RFC 4180 fields, one row per result record (or per param map with --maps).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "plog.h"
#include "pt_common.h"

/* ---- tables ---- */

#define MIN_CUT_WIDTH 5 /* a param column is never cut below this */

/* A table of malloc'd cells, rows x cols; row 0 is the header. Column 0 is a left-aligned
 * marker column, the others are right-aligned. */
typedef struct {
    size_t rows, cols;
    char **cell;        /* rows * cols, owned; NULL cells print as "" */
    const char **alt;   /* per column: a shorter header, or NULL (borrowed) */
    unsigned char *cut; /* per column: may be cut to fit the terminal */
} table_t;

static int table_init(table_t *t, size_t rows, size_t cols)
{
    t->rows = rows;
    t->cols = cols;
    t->cell = calloc(rows * cols + 1, sizeof *t->cell);
    t->alt = calloc(cols + 1, sizeof *t->alt);
    t->cut = calloc(cols + 1, 1);
    return t->cell != NULL && t->alt != NULL && t->cut != NULL ? 0 : -ENOMEM;
}

static void table_free(table_t *t)
{
    pt_strv_free(t->cell, t->rows * t->cols);
    free(t->alt);
    free(t->cut);
    memset(t, 0, sizeof *t);
}

static int cell(table_t *t, size_t r, size_t c, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int cell(table_t *t, size_t r, size_t c, const char *fmt, ...)
{
    va_list ap;
    int rc;
    char **p = &t->cell[r * t->cols + c];
    free(*p);
    va_start(ap, fmt);
    rc = vasprintf(p, fmt, ap);
    va_end(ap);
    if (rc < 0)
        *p = NULL;
    return rc < 0 ? -1 : 0;
}

/* Display width of UTF-8 text: one column per character (param values and keys are ASCII in
 * practice; an invalid byte counts as one). */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    return w;
}

/* Prints s in a field of width w, cut with an ellipsis when longer. */
static void put_field(FILE *out, const char *s, size_t w, int left, int last, int utf8)
{
    size_t tw = text_width(s);
    if (tw > w) {
        size_t keep = w > 0 ? w - 1 : 0, n = 0, chars = 0;
        while (s[n] != '\0' && chars < keep) {
            n++;
            while (((unsigned char)s[n] & 0xc0) == 0x80)
                n++;
            chars++;
        }
        fwrite(s, 1, n, out);
        if (w > 0)
            fputs(utf8 ? "\xe2\x80\xa6" : "~", out);
        return;
    }
    if (!left)
        fprintf(out, "%*s", (int)(w - tw), "");
    fputs(s, out);
    if (left && !last)
        fprintf(out, "%*s", (int)(w - tw), "");
}

static const char *table_text(const table_t *t, size_t r, size_t c, int use_alt)
{
    const char *s = t->cell[r * t->cols + c];
    if (r == 0 && use_alt && t->alt[c] != NULL)
        s = t->alt[c];
    return s != NULL ? s : "";
}

/* The width to fit tables to: $COLUMNS when set (an explicit choice), else the terminal's
 * when stdout is one (80 if it will not say), else 0: no limit, for files and pipes. */
static size_t term_width(FILE *out)
{
    const char *env = getenv("COLUMNS");
    struct winsize ws;
    long v;
    if (env != NULL && pt_parse_long(env, &v) == 0 && v > 0)
        return (size_t)v;
    if (isatty(fileno(out))) {
        if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
            return ws.ws_col;
        return 80;
    }
    return 0;
}

static int table_print(const table_t *t, FILE *out)
{
    size_t *w = calloc(t->cols + 1, sizeof *w), total = 0, limit = term_width(out);
    int use_alt = 0, utf8 = plog_utf8();
    if (w == NULL)
        return -ENOMEM;
    for (int pass = 0; pass < 2; pass++) {
        total = 0;
        for (size_t c = 0; c < t->cols; c++) {
            w[c] = 0;
            for (size_t r = 0; r < t->rows; r++) {
                size_t n = text_width(table_text(t, r, c, use_alt));
                if (n > w[c])
                    w[c] = n;
            }
            total += w[c] + (c == 0 ? 0 : c == 1 ? 1 : 2);
        }
        if (limit == 0 || total <= limit)
            break;
        use_alt = 1; /* too wide: try the short headers */
    }
    while (limit > 0 && total > limit) {
        size_t widest = t->cols;
        for (size_t c = 0; c < t->cols; c++)
            if (t->cut[c] && w[c] > MIN_CUT_WIDTH && (widest == t->cols || w[c] > w[widest]))
                widest = c;
        if (widest == t->cols)
            break; /* nothing left to cut: the lines wrap */
        w[widest]--;
        total--;
    }
    for (size_t r = 0; r < t->rows; r++) {
        for (size_t c = 0; c < t->cols; c++) {
            if (c > 0)
                fputs(c == 1 ? " " : "  ", out);
            put_field(out, table_text(t, r, c, use_alt), w[c], c == 0, c + 1 == t->cols, utf8);
        }
        fputc('\n', out);
    }
    free(w);
    return 0;
}

/* ---- shared by show and compare ---- */

static const char *pm_sign(void)
{
    return plog_utf8() ? "\xc2\xb1" : "+-";
}

static int fmt_value_cell(table_t *t, size_t r, size_t c, const pt_value_t *v)
{
    char val[128];
    if (v == NULL)
        return cell(t, r, c, "-");
    if (v->type == PT_VAL_STRING)
        return cell(t, r, c, "%s", v->str != NULL ? v->str : "");
    pt_value_format(v, val, sizeof val);
    return cell(t, r, c, "%s", val);
}

static int fmt_seconds(table_t *t, size_t r, size_t c, double x)
{
    return x < 1000 ? cell(t, r, c, "%.3g", x) : cell(t, r, c, "%.0f", x);
}

/* "FILE: cv 3 folds, regression rmse (smaller is better), 6 param maps" */
static void describe(const plog_sweep_t *s, FILE *out, const char *prefix)
{
    char val[64];
    plog_sweep_validator(s, val, sizeof val);
    fprintf(out, "%s%s: %s, %s %s (%s is better%s%s), %zu param maps\n", prefix, s->file,
            val, s->h->evaluator, s->h->metric, s->h->larger_is_better ? "larger" : "smaller",
            s->refit_metric != NULL ? "; the sweep chose by " : "",
            s->refit_metric != NULL ? s->refit_metric : "", s->h->nmaps);
}

int plog_finish_stdout(void)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "paratune-log: stdout: write error\n");
        return PT_EXIT_FAIL;
    }
    return PT_EXIT_OK;
}

int plog_nomem(const char *file)
{
    fprintf(stderr, "paratune-log: %s: out of memory\n", file);
    return PT_EXIT_FAIL;
}

/* ---- show ---- */

static void csv_field_n(FILE *out, const char *s, size_t n, int first);

/* The lines of show_columns, wrapped after a list's commas at width (0: no limit). */
typedef struct {
    FILE *out;
    size_t width, col;
} lines_t;

/* sep, then s as a CSV field (quoted when it holds a comma or a quote; "" when empty), so
 * that a list of values reads back; a sep starting with a comma may break the line. */
static void put_next(lines_t *l, const char *sep, const char *s)
{
    size_t n = strlen(s) + (*s == '\0' || strpbrk(s, ",\"\r\n") != NULL ? 2 : 0);
    if (sep[0] == ',' && l->width > 0 && l->col > 4 && l->col + strlen(sep) + n > l->width) {
        fputs(",\n    ", l->out);
        l->col = 4;
    } else {
        fputs(sep, l->out);
        l->col = sep[0] == '\n' ? strlen(sep) - 1 : l->col + strlen(sep);
    }
    if (*s == '\0')
        fputs("\"\"", l->out);
    else
        csv_field_n(l->out, s, strlen(s), 1);
    l->col += n;
}

/* text (no line break but a last one, which starts the next line). */
static void put_text(lines_t *l, const char *text)
{
    size_t n = strlen(text);
    fputs(text, l->out);
    l->col = n > 0 && text[n - 1] == '\n' ? 0 : l->col + n;
}

/* The number of missing-value indicators "X?missing" (X an earlier feature) ending names. */
static size_t show_nmiss(char *const *names, size_t n)
{
    size_t k = 0;
    while (k < n) {
        const char *q = names[n - 1 - k];
        size_t len = strlen(q), base = len > 8 ? len - 8 : 0, found = 0;
        if (len <= 8 || strcmp(q + base, "?missing") != 0)
            break;
        for (size_t j = 0; j + 1 + k < n && !found; j++)
            found = strncmp(names[j], q, base) == 0 && names[j][base] == '\0';
        if (!found)
            break;
        k++;
    }
    return k;
}

/* What the last summary says of a time budget (maps left incomplete) and a race (maps
 * pruned, fits saved); nothing for other sweeps. */
static void show_budget_race(const pt_log_summary_t *sum)
{
    if (sum == NULL)
        return;
    if (sum->nincomplete_maps > 0)
        printf("time budget: %zu param map%s incomplete (folds not run; --resume finishes "
               "them)\n", sum->nincomplete_maps, sum->nincomplete_maps == 1 ? "" : "s");
    if (sum->race)
        printf("race: %zu param map%s pruned, %lld fits saved\n", sum->npruned_maps,
               sum->npruned_maps == 1 ? "" : "s", (long long)sum->fits_saved);
}

/* --search halving: one line per rung with results (its maps and resource), from the results
 * (so an unfinished sweep shows its rungs too); nothing for a grid sweep. */
static void show_rungs(const plog_sweep_t *s)
{
    size_t nr = plog_sweep_rungs(s, 0, NULL, NULL);
    for (size_t r = 0; r < nr; r++) {
        size_t n;
        int64_t res;
        plog_sweep_rungs(s, r, &n, &res);
        printf("%s rung %zu: %zu param map%s on %lld%s", r == 0 ? "halving:" : ",", r, n,
               n == 1 ? "" : "s", (long long)res, r + 1 == nr ? "\n" : "");
    }
    if (nr > 0)
        printf("(each map's average is at the last rung it ran; the last rung's maps first)\n");
}

/* The column roles after show's table: the label (with its class names), the fold and weight
 * columns, the features (numeric ones by name, each categorical column once, the columns
 * whose missing values the imputer fills), then each categorical column's values. */
static void show_columns(const pt_log_header_t *h, FILE *out, size_t width)
{
    lines_t l = {out, width, 0};
    size_t total = 0, nmiss, ncatind, nnum;
    char *const *fn = h->feature_names;
    char buf[64];
    put_next(&l, "\ncolumns: label = ", h->label != NULL ? h->label : "?");
    for (size_t i = 0; i < h->nlabel_values; i++)
        put_next(&l, i == 0 ? " (class names: " : ", ", h->label_values[i]);
    put_text(&l, h->nlabel_values > 0 ? ")" : "");
    if (h->fold_col != NULL)
        put_next(&l, ", fold column = ", h->fold_col);
    if (h->weight_col != NULL)
        put_next(&l, ", weight column = ", h->weight_col);
    put_text(&l, "\n");
    if (fn == NULL) {
        fprintf(out, "features: %" PRIu64 "%s\n", h->features,
                h->data_format != NULL && strcmp(h->data_format, "libsvm") == 0
                    ? " (LIBSVM: by position)" : "");
        return;
    }
    for (size_t k = 0; k < h->ncat; k++) /* the values' indicators, and a missing value's */
        total += h->cat_nvalues[k] + (k < 64 ? (h->cat_missing >> k & 1) : 0);
    nmiss = show_nmiss(fn, h->nfeature_names);
    ncatind = total <= h->nfeature_names - nmiss ? total : 0;
    nnum = h->nfeature_names - nmiss - ncatind;
    snprintf(buf, sizeof buf, "features (%zu):", nnum + h->ncat);
    put_text(&l, buf);
    for (size_t j = 0; j < nnum; j++)
        put_next(&l, j == 0 ? " " : ", ", fn[j]);
    for (size_t k = 0; k < h->ncat; k++) {
        put_next(&l, nnum + k == 0 ? " " : ", ", h->cat_names[k]);
        put_text(&l, " (categorical)");
    }
    put_text(&l, "\n");
    for (size_t k = 0; k < nmiss; k++) {
        const char *q = fn[h->nfeature_names - nmiss + k];
        char *base = strndup(q, strlen(q) - 8);
        put_next(&l, k == 0 ? "missing values (imputer): " : ", ", base != NULL ? base : q);
        free(base);
    }
    put_text(&l, nmiss > 0 ? "\n" : "");
    for (size_t k = 0, off = 0; k < h->ncat; off += h->cat_nvalues[k], k++) {
        put_next(&l, "categorical ", h->cat_names[k]);
        snprintf(buf, sizeof buf, " (%zu values%s):", h->cat_nvalues[k],
                 k < 64 && (h->cat_missing >> k & 1) ? ", and missing values" : "");
        put_text(&l, buf);
        for (size_t v = 0; v < h->cat_nvalues[k]; v++)
            put_next(&l, v == 0 ? " " : ", ", h->cat_values[off + v]);
        put_text(&l, "\n");
    }
}

int plog_cmd_show(const plog_args_t *a)
{
    plog_sweep_t *s;
    const pt_log_header_t *h;
    size_t *order = NULL, c;
    double *avgs = NULL;
    table_t t = {0, 0, NULL, NULL, NULL};
    int rc, digits, cv;

    if ((s = plog_sweep_load(a->file[0], a->metric, &rc)) == NULL)
        return rc;
    h = s->h;
    cv = h->validator == PT_VALIDATOR_CV; /* tvs has one fold: no spread to show */
    if ((order = plog_sweep_order(s)) == NULL ||
        (avgs = malloc((h->nmaps + 1) * sizeof *avgs)) == NULL ||
        table_init(&t, h->nmaps + 1, s->nkeys + (cv ? 7 : 6)) != 0)
        goto nomem;
    for (size_t m = 0; m < h->nmaps; m++)
        avgs[m] = s->maps[m].avg;
    digits = plog_digits(avgs, h->nmaps, 6, 12);

    c = 0;
    if (cell(&t, 0, c++, " ") || cell(&t, 0, c++, "#"))
        goto nomem;
    for (size_t k = 0; k < s->nkeys; k++) {
        t.cut[c] = 1;
        t.alt[c] = plog_sweep_short_key(s, s->keys[k]);
        if (cell(&t, 0, c++, "%s", s->keys[k]))
            goto nomem;
    }
    if (cell(&t, 0, c++, "%s", h->metric) || (cv && cell(&t, 0, c++, "std")) ||
        cell(&t, 0, c++, "folds") || cell(&t, 0, c++, "failed") || cell(&t, 0, c++, "fit s"))
        goto nomem;

    for (size_t r = 1; r <= h->nmaps; r++) {
        const plog_map_t *st = &s->maps[order[r - 1]];
        const pt_paramlist_t *pm = &h->param_maps[st->index];
        int has = st->state == PLOG_OK || st->state == PLOG_PARTIAL;
        c = 0;
        if (cell(&t, r, c++, "%s", (long)st->index == s->best ? "*" : " ") ||
            cell(&t, r, c++, "%zu", st->index))
            goto nomem;
        for (size_t k = 0; k < s->nkeys; k++)
            if (fmt_value_cell(&t, r, c++, pt_paramlist_get(pm, s->keys[k])))
                goto nomem;
        if ((has ? cell(&t, r, c++, "%.*g", digits, st->avg)
                 : cell(&t, r, c++, "%s", st->state == PLOG_FAILED ? "failed" : "-")) ||
            (cv && (has ? cell(&t, r, c++, "%s %.3g", pm_sign(), st->std)
                        : cell(&t, r, c++, "-"))) ||
            cell(&t, r, c++, "%d/%zu", st->ok, s->nfolds) || cell(&t, r, c++, "%d", st->failed) ||
            fmt_seconds(&t, r, c++, st->fit_seconds))
            goto nomem;
    }

    describe(s, stdout, "");
    if (table_print(&t, stdout) != 0)
        goto nomem;
    if (!s->finished)
        printf("(sweep not finished: %zu of %zu jobs have a result)\n", s->jobs_done,
               s->jobs_total);
    if (s->lf->torn)
        printf("(last record torn, ignored)\n");
    show_budget_race(s->lf->summary);
    show_rungs(s);
    show_columns(h, stdout, term_width(stdout));
    rc = plog_finish_stdout();
    goto out;
nomem:
    rc = plog_nomem(a->file[0]);
out:
    table_free(&t);
    free(avgs);
    free(order);
    plog_sweep_destroy(&s);
    return rc;
}

/* ---- compare ---- */

/* "0.5231 ± 0.012", "failed" or "-" */
static int fmt_stat(table_t *t, size_t r, size_t c, const plog_sweep_t *s, const plog_map_t *m,
                    int digits)
{
    if (m->state == PLOG_FAILED)
        return cell(t, r, c, "failed");
    if (m->state == PLOG_NONE)
        return cell(t, r, c, "-");
    if (s->h->validator != PT_VALIDATOR_CV)
        return cell(t, r, c, "%.*g%s", digits, m->avg, m->state == PLOG_PARTIAL ? "?" : "");
    return cell(t, r, c, "%.*g %s %.3g%s", digits, m->avg, pm_sign(), m->std,
                m->state == PLOG_PARTIAL ? "?" : "");
}

static int has_value(const plog_map_t *m)
{
    return m->state == PLOG_OK || m->state == PLOG_PARTIAL;
}

int plog_cmd_compare(const plog_args_t *a)
{
    plog_sweep_t *s[2] = {NULL, NULL};
    size_t *order = NULL, *match = NULL, ncommon = 0, c;
    double *vals = NULL;
    table_t t = {0, 0, NULL, NULL, NULL};
    int rc, digits, same_metric, partial = 0;
    char notes[256];

    for (int i = 0; i < 2; i++)
        if ((s[i] = plog_sweep_load(a->file[i], a->metric, &rc)) == NULL)
            goto out;
    same_metric = strcmp(s[0]->h->metric, s[1]->h->metric) == 0 &&
                  s[0]->h->larger_is_better == s[1]->h->larger_is_better;
    if ((order = plog_sweep_order(s[0])) == NULL ||
        (match = malloc((s[0]->h->nmaps + 1) * sizeof *match)) == NULL ||
        (vals = malloc((2 * s[0]->h->nmaps + 1) * sizeof *vals)) == NULL)
        goto nomem;
    /* match[i]: the map of B with the same params as A's map i, or SIZE_MAX */
    for (size_t i = 0; i < s[0]->h->nmaps; i++) {
        match[i] = SIZE_MAX;
        for (size_t j = 0; j < s[1]->h->nmaps && match[i] == SIZE_MAX; j++)
            if (plog_params_equal(&s[0]->h->param_maps[i], &s[1]->h->param_maps[j]))
                match[i] = j;
        if (match[i] != SIZE_MAX) {
            vals[2 * ncommon] = s[0]->maps[i].avg;
            vals[2 * ncommon + 1] = s[1]->maps[match[i]].avg;
            ncommon++;
        }
    }
    if (ncommon == 0) {
        fprintf(stderr, "paratune-log: %s and %s have no param map in common\n", a->file[0],
                a->file[1]);
        rc = PT_EXIT_FAIL;
        goto out;
    }
    digits = plog_digits(vals, 2 * ncommon, 6, 12);

    if (table_init(&t, ncommon + 1, 3 + s[0]->nkeys + (same_metric ? 3 : 2)) != 0)
        goto nomem;
    c = 0;
    if (cell(&t, 0, c++, " ") || cell(&t, 0, c++, "#A") || cell(&t, 0, c++, "#B"))
        goto nomem;
    for (size_t k = 0; k < s[0]->nkeys; k++) {
        t.cut[c] = 1;
        t.alt[c] = plog_sweep_short_key(s[0], s[0]->keys[k]);
        if (cell(&t, 0, c++, "%s", s[0]->keys[k]))
            goto nomem;
    }
    if (cell(&t, 0, c++, "A %s", s[0]->h->metric) || cell(&t, 0, c++, "B %s", s[1]->h->metric) ||
        (same_metric && cell(&t, 0, c++, "B - A")))
        goto nomem;
    for (size_t i = 0, r = 1; i < s[0]->h->nmaps; i++) {
        size_t ma = order[i], mb = match[ma];
        const plog_map_t *x, *y;
        if (mb == SIZE_MAX)
            continue;
        x = &s[0]->maps[ma];
        y = &s[1]->maps[mb];
        partial |= x->state == PLOG_PARTIAL || y->state == PLOG_PARTIAL;
        c = 0;
        if (cell(&t, r, c++, "%s%s", (long)ma == s[0]->best ? "A" : "",
                 (long)mb == s[1]->best ? "B" : "") ||
            cell(&t, r, c++, "%zu", ma) || cell(&t, r, c++, "%zu", mb))
            goto nomem;
        for (size_t k = 0; k < s[0]->nkeys; k++)
            if (fmt_value_cell(&t, r, c++,
                               pt_paramlist_get(&s[0]->h->param_maps[ma], s[0]->keys[k])))
                goto nomem;
        if (fmt_stat(&t, r, c++, s[0], x, digits) || fmt_stat(&t, r, c++, s[1], y, digits))
            goto nomem;
        if (same_metric && (has_value(x) && has_value(y)
                                ? cell(&t, r, c++, "%+.3g", y->avg - x->avg)
                                : cell(&t, r, c++, "-")))
            goto nomem;
        r++;
    }

    describe(s[0], stdout, "A: ");
    describe(s[1], stdout, "B: ");
    if (s[0]->h->fingerprint != s[1]->h->fingerprint)
        printf("(different data: A %llu rows x %llu features, B %llu rows x %llu features%s)\n",
               (unsigned long long)s[0]->h->rows, (unsigned long long)s[0]->h->features,
               (unsigned long long)s[1]->h->rows, (unsigned long long)s[1]->h->features,
               s[0]->h->rows == s[1]->h->rows && s[0]->h->features == s[1]->h->features
                   ? ", other values" : "");
    if (!same_metric)
        printf("(different metrics: the values are not comparable)\n");
    if (table_print(&t, stdout) != 0)
        goto nomem;
    printf("%zu param maps in common; %zu only in A, %zu only in B. A and B in the first "
           "column mark each sweep's best map%s.\n",
           ncommon, s[0]->h->nmaps - ncommon, s[1]->h->nmaps - ncommon,
           partial ? "; '?': folds still missing" : "");
    for (int i = 0; i < 2; i++) {
        plog_sweep_notes(s[i], notes, sizeof notes);
        if (notes[0] != '\0')
            printf("%s: %s\n", i == 0 ? "A" : "B", notes);
    }
    rc = plog_finish_stdout();
    goto out;
nomem:
    rc = plog_nomem(a->file[0]);
out:
    table_free(&t);
    free(vals);
    free(match);
    free(order);
    plog_sweep_destroy(&s[0]);
    plog_sweep_destroy(&s[1]);
    return rc;
}

/* ---- best ---- */

int plog_cmd_best(const plog_args_t *a)
{
    plog_sweep_t *s;
    int rc;

    if ((s = plog_sweep_load(a->file[0], a->metric, &rc)) == NULL)
        return rc;
    if (s->lf->torn)
        fprintf(stderr, "paratune-log: %s: last record torn (ignored)\n", s->file);
    rc = PT_EXIT_FAIL;
    if (!s->finished && !a->partial) {
        fprintf(stderr, "paratune-log: %s: no best param map yet: the sweep is not finished "
                "(%zu of %zu jobs have a result); --partial picks the best of the maps whose "
                "folds are all done\n", s->file, s->jobs_done, s->jobs_total);
    } else if (s->best < 0 && s->finished) {
        fprintf(stderr, "paratune-log: %s: no best param map: every param map failed\n",
                s->file);
    } else if (s->best < 0) {
        fprintf(stderr, "paratune-log: %s: no best param map yet: no param map has all its "
                "folds done (%zu of %zu jobs have a result)\n", s->file, s->jobs_done,
                s->jobs_total);
    } else {
        const pt_paramlist_t *pm = &s->h->param_maps[s->best];
        if (!s->finished)
            fprintf(stderr, "paratune-log: %s: sweep not finished (%zu of %zu jobs have a "
                    "result): map %ld is the best of the maps done so far\n", s->file,
                    s->jobs_done, s->jobs_total, s->best);
        for (size_t i = 0; i < pm->n; i++) {
            char val[128];
            const pt_value_t *v = &pm->items[i].val;
            if (v->type != PT_VAL_STRING)
                pt_value_format(v, val, sizeof val);
            printf("%s=%s\n", pm->items[i].key,
                   v->type == PT_VAL_STRING ? (v->str != NULL ? v->str : "") : val);
        }
        rc = plog_finish_stdout();
    }
    plog_sweep_destroy(&s);
    return rc;
}

/* ---- csv ---- */

/* One field of n bytes, quoted when it holds a comma, a quote or a line break (RFC 4180). */
static void csv_field_n(FILE *out, const char *s, size_t n, int first)
{
    if (!first)
        fputc(',', out);
    if (memchr(s, ',', n) == NULL && memchr(s, '"', n) == NULL && memchr(s, '\r', n) == NULL &&
        memchr(s, '\n', n) == NULL) {
        fwrite(s, 1, n, out);
        return;
    }
    fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            fputc('"', out);
        fputc(s[i], out);
    }
    fputc('"', out);
}

static void csv_field(FILE *out, const char *s, int first)
{
    csv_field_n(out, s, strlen(s), first);
}

/* NaN ("no value") is an empty field; infinities are "inf" / "-inf". */
static void csv_double(FILE *out, double x)
{
    char buf[48];
    if (isnan(x))
        buf[0] = '\0';
    else
        plog_fmt_double(x, buf, sizeof buf);
    csv_field(out, buf, 0);
}

static void csv_value(FILE *out, const pt_value_t *v)
{
    char val[128];
    if (v == NULL) {
        csv_field(out, "", 0);
    } else if (v->type == PT_VAL_STRING) {
        csv_field(out, v->str != NULL ? v->str : "", 0);
    } else {
        pt_value_format(v, val, sizeof val);
        csv_field(out, val, 0);
    }
}

/* A msgpack value as one field: missing or nil empty, numbers as above, bools true/false,
 * strings as they are, arrays and maps as JSON. */
static void csv_obj(FILE *out, const msgpack_object *o, int first)
{
    char buf[48];
    if (o == NULL || o->type == MSGPACK_OBJECT_NIL) {
        csv_field(out, "", first);
        return;
    }
    switch (o->type) {
    case MSGPACK_OBJECT_BOOLEAN:
        csv_field(out, o->via.boolean ? "true" : "false", first);
        break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        snprintf(buf, sizeof buf, "%" PRIu64, o->via.u64);
        csv_field(out, buf, first);
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        snprintf(buf, sizeof buf, "%" PRId64, o->via.i64);
        csv_field(out, buf, first);
        break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        if (isnan(o->via.f64))
            buf[0] = '\0';
        else
            plog_fmt_double(o->via.f64, buf, sizeof buf);
        csv_field(out, buf, first);
        break;
    case MSGPACK_OBJECT_STR:
        csv_field_n(out, o->via.str.ptr, o->via.str.size, first);
        break;
    case MSGPACK_OBJECT_BIN:
        csv_field_n(out, o->via.bin.ptr, o->via.bin.size, first);
        break;
    default: {
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        if (m != NULL) {
            plog_json_value(m, o);
            if (fclose(m) == 0) {
                csv_field_n(out, text, len, first);
                free(text);
                break;
            }
            free(text);
        }
        csv_field(out, "", first);
        break;
    }
    }
}

/* A column: a key of a result record (or of its params), not NUL-terminated. */
typedef struct {
    const char *p;
    size_t n;
} col_t;

static int key_is(const msgpack_object *k, const char *p, size_t n)
{
    return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
           memcmp(k->via.str.ptr, p, n) == 0;
}

static const msgpack_object *get_n(const msgpack_object *map, const char *p, size_t n)
{
    if (map == NULL || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    for (uint32_t i = 0; i < map->via.map.size; i++)
        if (key_is(&map->via.map.ptr[i].key, p, n))
            return &map->via.map.ptr[i].val;
    return NULL;
}

/* Adds each string key of map o that keys[] lacks and skip[] does not name. -ENOMEM. */
static int add_keys(col_t **keys, size_t *nkeys, size_t *cap, const msgpack_object *o,
                    const char *const *skip, size_t nskip)
{
    if (o == NULL || o->type != MSGPACK_OBJECT_MAP)
        return 0;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key;
        size_t j;
        if (k->type != MSGPACK_OBJECT_STR)
            continue;
        for (j = 0; j < nskip && !key_is(k, skip[j], strlen(skip[j])); j++)
            ;
        if (j < nskip)
            continue;
        for (j = 0; j < *nkeys && !key_is(k, (*keys)[j].p, (*keys)[j].n); j++)
            ;
        if (j < *nkeys)
            continue;
        if (*nkeys == *cap) {
            col_t *g = realloc(*keys, (*cap = *cap ? 2 * *cap : 16) * sizeof *g);
            if (g == NULL)
                return -ENOMEM;
            *keys = g;
        }
        (*keys)[(*nkeys)++] = (col_t){k->via.str.ptr, k->via.str.size};
    }
    return 0;
}

static int is_result(const msgpack_object *o)
{
    const msgpack_object *r = get_n(o, "record", 6);
    return r != NULL && key_is(r, "result", 6);
}

/* One row per result record, from the records as written: param_index, fold, the params
 * (header keys first), the documented fields, then any other field a record has (written by
 * a later paratune), so that every field of every result is in the table. */
static int csv_results(const plog_sweep_t *s, const plog_raw_t *raw, FILE *out)
{
    static const char *const fixed[] = {"record", "param_index", "fold", "params", "metric",
                                        "status", "error", "worker", "attempt", "started",
                                        "finished", "fit_seconds", "eval_seconds", "crc"};
    /* the last, crc (the record's checksum, checked when the log was read), is no column */
    size_t nfixed = sizeof fixed / sizeof *fixed, nshown = nfixed - 1;
    col_t *pk = NULL, *ek = NULL;
    size_t npk = 0, pcap = 0, nek = 0, ecap = 0;
    int rc = 0;

    for (size_t k = 0; k < s->nkeys && rc == 0; k++) {
        if (npk == pcap) {
            col_t *g = realloc(pk, (pcap = pcap ? 2 * pcap : 16) * sizeof *g);
            if (g == NULL) {
                rc = -ENOMEM;
                break;
            }
            pk = g;
        }
        pk[npk++] = (col_t){s->keys[k], strlen(s->keys[k])};
    }
    for (size_t i = 0; i < raw->nrec && rc == 0; i++)
        if (is_result(&raw->rec[i]))
            rc = add_keys(&pk, &npk, &pcap, get_n(&raw->rec[i], "params", 6), NULL, 0) ||
                 add_keys(&ek, &nek, &ecap, &raw->rec[i], fixed, nfixed) ? -ENOMEM : 0;
    if (rc != 0)
        goto out;

    for (size_t i = 1; i < nshown; i++) {
        if (i == 3) { /* the params, one column each */
            for (size_t k = 0; k < npk; k++)
                csv_field_n(out, pk[k].p, pk[k].n, 0);
            continue;
        }
        csv_field(out, fixed[i], i == 1);
    }
    for (size_t k = 0; k < nek; k++)
        csv_field_n(out, ek[k].p, ek[k].n, 0);
    fputc('\n', out);
    for (size_t i = 0, ri = 0; i < raw->nrec; i++) {
        const msgpack_object *o = &raw->rec[i], *params = get_n(o, "params", 6);
        if (!is_result(o))
            continue;
        for (size_t f = 1; f < nshown; f++) {
            if (f == 1 && ri < s->lf->nresults) { /* the index in the log's last map list (a
                                                     record before an "extend" is renumbered) */
                fprintf(out, "%d", (int)s->lf->results[ri++].param_index);
                continue;
            }
            if (f == 4 && s->refit_metric != NULL && ri > 0) { /* --metric: that one's value */
                csv_double(out, s->lf->results[ri - 1].metric);
                continue;
            }
            if (f == 3) {
                for (size_t k = 0; k < npk; k++)
                    csv_obj(out, get_n(params, pk[k].p, pk[k].n), 0);
                continue;
            }
            csv_obj(out, get_n(o, fixed[f], strlen(fixed[f])), f == 1);
        }
        for (size_t k = 0; k < nek; k++)
            csv_obj(out, get_n(o, ek[k].p, ek[k].n), 0);
        fputc('\n', out);
    }
out:
    free(pk);
    free(ek);
    return rc;
}

static void csv_maps(const plog_sweep_t *s, FILE *out)
{
    static const char *const tail[] = {"avg_metric", "std_metric", "folds_ok", "jobs_failed",
                                       "fit_seconds", "state", "best"};
    static const char *const state[] = {"ok", "partial", "failed", "none"};
    csv_field(out, "param_index", 1);
    for (size_t k = 0; k < s->nkeys; k++)
        csv_field(out, s->keys[k], 0);
    for (size_t i = 0; i < sizeof tail / sizeof *tail; i++)
        csv_field(out, tail[i], 0);
    fputc('\n', out);
    for (size_t m = 0; m < s->h->nmaps; m++) {
        const plog_map_t *st = &s->maps[m];
        fprintf(out, "%zu", m);
        for (size_t k = 0; k < s->nkeys; k++)
            csv_value(out, pt_paramlist_get(&s->h->param_maps[m], s->keys[k]));
        csv_double(out, st->avg);
        csv_double(out, st->std);
        fprintf(out, ",%d,%d", st->ok, st->failed);
        csv_double(out, st->fit_seconds);
        fprintf(out, ",%s,%s\n", state[st->state], (long)m == s->best ? "true" : "false");
    }
}

int plog_cmd_csv(const plog_args_t *a)
{
    plog_raw_t *raw = NULL;
    int rc;
    plog_sweep_t *s = plog_open(a->file[0], a->metric, a->maps ? NULL : &raw, &rc);

    if (s == NULL)
        return rc;
    if (a->maps)
        csv_maps(s, stdout);
    if (!a->maps && csv_results(s, raw, stdout) != 0) {
        rc = plog_nomem(a->file[0]);
        goto out;
    }
    rc = plog_finish_stdout();
out:
    plog_raw_destroy(&raw);
    plog_sweep_destroy(&s);
    return rc;
}
