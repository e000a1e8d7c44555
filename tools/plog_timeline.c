/* plog_timeline.c - paratune-log timeline: a Gantt chart of a sweep's jobs, as SVG.
 *
 * Like the event timeline of the Spark UI: one lane per worker process (labelled with its
 * pid, lanes in order of their first job; a sweep run by paratune-agents has its lanes
 * grouped by node, the nodes in name order after the coordinator's own workers, and labelled
 * "NODE pid N"), one bar per result record from the moment the
 * coordinator sent the job to the moment its result arrived (the record's started and
 * finished, coordinator clock), colored by param map; failed and timed-out jobs get a red
 * outline and hatching. The title gives the largest number of jobs that ran at once.
 *
 * A resumed sweep (--resume) restarts the clock at 0, so its records' times go back; each
 * session found that way is drawn after the previous one (a dashed line marks where), which
 * keeps one time axis. Result records carry the run that wrote them ("run"); for logs
 * written before that field existed the clock going back marks a new session, which misses
 * a resumed run whose first result came later on its clock than the previous run's last. Every bar is a <rect class="job"> ("job failed") with data-map,
 * data-fold, data-worker, data-status, data-node (a job of an agent's node), data-start and
 * data-end, for scripts and tests.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plog.h"
#include "pt_common.h"

#define PLOT_W 900.0     /* px of the time axis */
#define LANE_H 22.0
#define LANE_PITCH 28.0
#define LEGEND_MAX 40    /* param maps listed in the legend */

typedef struct {
    const pt_log_result_t *r;
    double start, end;   /* as drawn: seconds, sessions laid end to end */
    size_t lane;
} bar_t;

typedef struct {
    int32_t pid;
    const char *node;    /* the result's node (tune --listen), or NULL */
    double first;        /* start of its first job */
    size_t jobs;
} lane_t;

/* Whether a result of node (may be NULL) and pid belongs to lane l. */
static int in_lane(const lane_t *l, const char *node, int32_t pid)
{
    return l->pid == pid && (l->node == NULL ? node == NULL : node != NULL && strcmp(l->node, node) == 0);
}

typedef struct {
    double t;
    int d;               /* +1 a job starts, -1 one ends */
} event_t;

static int cmp_lane(const void *pa, const void *pb)
{
    const lane_t *a = pa, *b = pb;
    if ((a->node == NULL) != (b->node == NULL))
        return a->node == NULL ? -1 : 1;
    if (a->node != NULL && strcmp(a->node, b->node) != 0)
        return strcmp(a->node, b->node);
    if (a->first != b->first)
        return a->first < b->first ? -1 : 1;
    return a->pid < b->pid ? -1 : a->pid > b->pid;
}

/* an end before a start at the same instant: back-to-back jobs did not overlap */
static int cmp_event(const void *pa, const void *pb)
{
    const event_t *a = pa, *b = pb;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return a->d - b->d;
}


static double nice_step(double span, int ticks)
{
    double raw = span / ticks, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/* Black or white text on color "#rrggbb". */
static const char *ink_on(const char *color)
{
    unsigned r = 0, g = 0, b = 0;
    if (sscanf(color, "#%02x%02x%02x", &r, &g, &b) != 3)
        return "#000";
    return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? "#000" : "#fff";
}

/* Times as drawn: a non-finite or negative time (a damaged record) is put at 0. */
static double finite_or_0(double x)
{
    return isfinite(x) && x > 0 ? x : 0;
}

/* "#3 k=5 regParam=0.001" with short keys, cut to about len bytes */
static void map_label(const plog_sweep_t *s, size_t m, char *buf, size_t len)
{
    const pt_paramlist_t *pm = &s->h->param_maps[m];
    size_t n = (size_t)snprintf(buf, len, "#%zu", m);
    for (size_t i = 0; i < pm->n && n < len; i++) {
        char val[64];
        plog_value_text(&pm->items[i].val, val, sizeof val);
        n += (size_t)snprintf(buf + n, len - n, " %s=%s",
                              plog_sweep_short_key(s, pm->items[i].key), val);
    }
    if (n >= len && len > 4)
        memcpy(buf + len - 4, "...", 4);
}

/* A timeline in the making: the bars, lanes and sessions, then the layout. */
typedef struct {
    plog_sweep_t *s;
    size_t n;                  /* jobs (result records) */
    bar_t *bars;               /* n */
    lane_t *lanes;             /* nlanes, in drawing order */
    size_t nlanes;
    double *bounds;            /* nbounds: where each resumed session begins, as drawn */
    size_t nbounds, nfailed;
    double tmax, first;        /* the last end and the first start, as drawn */
    int conc;                  /* jobs that ran at once, at most */
    char notes[256];
    double left, top, axis_y, width, height, step; /* layout */
    size_t nleg, per_row;      /* legend entries and entries per row */
    char line1[512], line2[512];
} tl_t;

/* The bars, one session after the other. Results are appended as they arrive, so within
 * one run of the coordinator their finished times never go back; when they do, a resumed
 * session began. */
static void tl_bars(tl_t *t)
{
    double prev_finished = -INFINITY, offset = 0;
    int32_t prev_run = 0;
    for (size_t i = 0; i < t->n; i++) {
        const pt_log_result_t *r = &t->s->lf->results[i];
        double st = finite_or_0(r->started), fi = finite_or_0(r->finished);
        /* the record's run number says it; logs without one fall back on the clock */
        if (i > 0 && (r->run > 0 && prev_run > 0 ? r->run != prev_run : fi < prev_finished)) {
            offset = t->tmax;
            t->bounds[t->nbounds++] = offset;
        }
        prev_finished = fi;
        prev_run = r->run;
        if (st > fi)
            st = fi;
        t->bars[i].r = r;
        t->bars[i].start = st + offset;
        t->bars[i].end = fi + offset;
        if (t->bars[i].end > t->tmax)
            t->tmax = t->bars[i].end;
        if (t->bars[i].start < t->first)
            t->first = t->bars[i].start;
        t->nfailed += strcmp(r->status, "ok") != 0;
    }
}

/* Lanes, one per worker pid in order of its first job, and the largest number of jobs that
 * ran at once (ev: 2 n events of scratch). */
static void tl_lanes(tl_t *t, event_t *ev)
{
    bar_t *bars = t->bars;
    int cur = 0;
    for (size_t i = 0; i < t->n; i++) {
        size_t l;
        for (l = 0; l < t->nlanes && !in_lane(&t->lanes[l], bars[i].r->node, bars[i].r->worker);
             l++)
            ;
        if (l == t->nlanes) {
            t->lanes[t->nlanes].node = bars[i].r->node;
            t->lanes[t->nlanes].pid = bars[i].r->worker;
            t->lanes[t->nlanes++].first = bars[i].start;
        }
        if (bars[i].start < t->lanes[l].first)
            t->lanes[l].first = bars[i].start;
        t->lanes[l].jobs++;
    }
    qsort(t->lanes, t->nlanes, sizeof *t->lanes, cmp_lane);
    for (size_t i = 0; i < t->n; i++) {
        for (bars[i].lane = 0;
             !in_lane(&t->lanes[bars[i].lane], bars[i].r->node, bars[i].r->worker); bars[i].lane++)
            ;
        ev[2 * i].t = bars[i].start;
        ev[2 * i].d = 1;
        ev[2 * i + 1].t = bars[i].end;
        ev[2 * i + 1].d = -1;
    }
    qsort(ev, 2 * t->n, sizeof *ev, cmp_event);
    for (size_t i = 0; i < 2 * t->n; i++) {
        cur += ev[i].d;
        if (cur > t->conc)
            t->conc = cur;
    }
}

/* The title lines, the room for the lane labels, the picture's size and the time step. */
static void tl_layout(tl_t *t)
{
    const plog_sweep_t *s = t->s;
    size_t nlines = 2 + (t->nbounds > 0) + (t->notes[0] != '\0'), leg_rows;
    char lab[160], v[64];

    t->left = 24;
    t->nleg = s->h->nmaps < LEGEND_MAX ? s->h->nmaps : LEGEND_MAX;
    for (size_t l = 0; l < t->nlanes; l++) {
        snprintf(lab, sizeof lab, "%.100s%spid %ld", t->lanes[l].node ? t->lanes[l].node : "",
                 t->lanes[l].node ? " " : "", (long)t->lanes[l].pid);
        if (24 + plog_svg_text_px(lab, 12) + 10 > t->left)
            t->left = 24 + plog_svg_text_px(lab, 12) + 10;
    }
    plog_sweep_validator(s, v, sizeof v);
    snprintf(t->line1, sizeof t->line1, "%s: %zu jobs on %zu workers, max concurrency %d "
             "(parallelism %d)", s->file, t->n, t->nlanes, t->conc, s->h->parallelism);
    snprintf(t->line2, sizeof t->line2, "%s, %s %s; %.3g s from the first job sent to the "
             "last result; %zu failed or timed out (red)", v, s->h->evaluator, s->h->metric,
             t->n > 0 ? t->tmax - t->first : 0.0, t->nfailed);
    t->top = 30 + 18.0 * (double)nlines + 10;
    t->axis_y = t->top + (double)t->nlanes * LANE_PITCH + 4;
    t->per_row = (size_t)(PLOT_W / 240);
    leg_rows = (t->nleg + t->per_row - 1) / t->per_row + 1; /* + the failure key */
    t->height = t->axis_y + 56 + 18.0 * (double)leg_rows + 30;
    t->width = t->left + PLOT_W + 40;
    if (20 + plog_svg_text_px(t->line1, 15) > t->width)
        t->width = 20 + plog_svg_text_px(t->line1, 15);
    t->step = nice_step(t->tmax, 8);
}

/* The start of the picture: the svg tag, the hatching, the title lines. */
static void tl_draw_head(const tl_t *t, plog_buf_t *b)
{
    double y = 66;
    plog_svg_open(b, t->width, t->height);
    plog_buf_printf(b, "data-jobs=\"%zu\" data-workers=\"%zu\" data-max-concurrency=\"%d\">\n",
                    t->n, t->nlanes, t->conc);
    plog_buf_printf(b, "<title>job timeline of ");
    plog_buf_xml(b, t->s->file);
    plog_buf_printf(b, "</title>\n<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" "
                    "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
                    "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#b00000\" "
                    "stroke-width=\"2\"/></pattern></defs>\n"
                    "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    plog_buf_printf(b, "<text class=\"title\" x=\"20\" y=\"28\" font-size=\"15\" "
                    "font-weight=\"bold\">");
    plog_buf_xml(b, t->line1);
    plog_buf_printf(b, "</text>\n");
    plog_svg_line(b, "subtitle", 48, "", t->line2);
    if (t->nbounds > 0) {
        plog_buf_printf(b, "<text class=\"sessions\" x=\"20\" y=\"%.0f\" font-size=\"12\">"
                        "resumed %zu time%s: the clock restarts with each run, so each is "
                        "drawn after the one before (dashed lines)</text>\n", y, t->nbounds,
                        t->nbounds > 1 ? "s" : "");
        y += 18;
    }
    if (t->notes[0] != '\0')
        plog_svg_line(b, "notes", y, " fill=\"#b00000\"", t->notes);
}

/* The lanes, the time axis with its grid, the session boundaries. */
static void tl_draw_axis(const tl_t *t, plog_buf_t *b)
{
    double left = t->left, top = t->top, axis_y = t->axis_y, tmax = t->tmax, step = t->step;
    for (size_t l = 0; l < t->nlanes; l++) {
        double y = top + (double)l * LANE_PITCH;
        plog_buf_printf(b, "<rect class=\"lane\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                        "height=\"%.1f\" fill=\"%s\"/>\n", left, y - 3, PLOT_W, LANE_PITCH,
                        l % 2 ? "#ffffff" : "#f4f4f4");
        plog_buf_printf(b, "<text class=\"lane-label\" x=\"%.1f\" y=\"%.1f\" "
                        "font-size=\"12\" text-anchor=\"end\">", left - 8, y + LANE_H / 2 + 4);
        if (t->lanes[l].node != NULL) { /* the log's text: escaped */
            plog_buf_xml(b, t->lanes[l].node);
            plog_buf_printf(b, " ");
        }
        plog_buf_printf(b, "pid %ld<title>worker pid %ld: %zu jobs</title></text>\n",
                        (long)t->lanes[l].pid, (long)t->lanes[l].pid, t->lanes[l].jobs);
    }
    for (int k = 0; k * step <= tmax * (1 + 1e-9); k++) {
        double x = left + k * step / tmax * PLOT_W;
        plog_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                        "stroke=\"#dddddd\"/>\n<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
                        "font-size=\"11\" text-anchor=\"middle\">%g</text>\n", x, top - 4, x,
                        axis_y + 4, x, axis_y + 18, k * step);
    }
    plog_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    "stroke=\"#000\"/>\n", left, axis_y, left + PLOT_W, axis_y);
    plog_buf_printf(b, "<text class=\"xlabel\" x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
                    "text-anchor=\"middle\">seconds since the sweep began (coordinator "
                    "clock)</text>\n", left + PLOT_W / 2, axis_y + 36);
    for (size_t i = 0; i < t->nbounds; i++) {
        double x = left + t->bounds[i] / tmax * PLOT_W;
        plog_buf_printf(b, "<line class=\"resume\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"#000\" stroke-dasharray=\"4 3\"/>\n"
                        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\">resumed</text>\n", x,
                        top - 8, x, axis_y, x + 3, top - 10);
    }
}

/* Job i's bar with its data- attributes and tooltip, hatching when it failed, a label when
 * it is wide enough. */
static void tl_draw_job(const tl_t *t, plog_buf_t *b, size_t i)
{
    const plog_sweep_t *s = t->s;
    const bar_t *bar = &t->bars[i];
    const pt_log_result_t *r = bar->r;
    const char *color = plog_category_color((size_t)r->param_index);
    int failed = strcmp(r->status, "ok") != 0;
    double x = t->left + bar->start / t->tmax * PLOT_W;
    double w = (bar->end - bar->start) / t->tmax * PLOT_W;
    double y = t->top + (double)bar->lane * LANE_PITCH;
    char pb[512], val[64], lab[160];

    if (w < 1)
        w = 1; /* a job too short to see still shows */
    plog_buf_printf(b, "<rect class=\"job%s\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" "
                    "height=\"%.1f\" fill=\"%s\"%s data-map=\"%d\" data-fold=\"%d\" "
                    "data-worker=\"%ld\" data-status=\"", failed ? " failed" : "", x, y, w,
                    LANE_H, color, failed ? " stroke=\"#b00000\" stroke-width=\"2\"" : "",
                    (int)r->param_index, (int)r->fold, (long)r->worker);
    plog_buf_xml(b, r->status);
    if (r->node != NULL) {
        plog_buf_printf(b, "\" data-node=\"");
        plog_buf_xml(b, r->node);
    }
    plog_fmt_double(bar->start, val, sizeof val);
    plog_buf_printf(b, "\" data-start=\"%s\"", val);
    plog_fmt_double(bar->end, val, sizeof val);
    plog_buf_printf(b, " data-end=\"%s\"><title>map #%d, fold %d: ", val, (int)r->param_index,
                    (int)r->fold);
    plog_buf_xml(b, r->status);
    if (!failed) {
        plog_buf_printf(b, ", ");
        plog_buf_xml(b, s->h->metric);
        plog_buf_printf(b, " %.10g", r->metric);
    } else if (r->error != NULL) {
        plog_buf_printf(b, ": ");
        plog_buf_xml(b, r->error);
    }
    pt_paramlist_format(&s->h->param_maps[r->param_index], pb, sizeof pb);
    plog_buf_printf(b, "\n");
    plog_buf_xml(b, pb);
    plog_buf_printf(b, "\nworker pid %ld, attempt %d\nsent at %.4g s, result at %.4g s (fit "
                    "%.3g s, evaluation %.3g s)</title></rect>\n", (long)r->worker,
                    (int)r->attempt, r->started, r->finished, r->fit_seconds, r->eval_seconds);
    if (failed)
        plog_buf_printf(b, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
                        "fill=\"url(#hatch)\" pointer-events=\"none\"/>\n", x, y, w, LANE_H);
    if (w < 36)
        return;
    if (s->nfolds > 1)
        snprintf(lab, sizeof lab, "#%d f%d", (int)r->param_index, (int)r->fold);
    else
        snprintf(lab, sizeof lab, "#%d", (int)r->param_index);
    if (plog_svg_text_px(lab, 10) + 4 <= w)
        plog_buf_printf(b, "<text x=\"%.2f\" y=\"%.1f\" font-size=\"10\" "
                        "text-anchor=\"middle\" fill=\"%s\" pointer-events=\"none\">%s</text>\n",
                        x + w / 2, y + LANE_H / 2 + 4, ink_on(color), lab);
}

/* The legend: the param maps' colors, then the failure mark. */
static void tl_draw_legend(const tl_t *t, plog_buf_t *b)
{
    const plog_sweep_t *s = t->s;
    double left = t->left, ly = t->axis_y + 56, y;
    size_t per_row = t->per_row;
    char lab[160];

    plog_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
                    "font-weight=\"bold\">param maps%s</text>\n", left, ly - 6,
                    s->h->nmaps > 20 ? " (colors repeat every 20 maps)" : "");
    for (size_t m = 0; m < t->nleg; m++) {
        double x = left + (double)(m % per_row) * 240;
        y = ly + (double)(m / per_row) * 18;
        map_label(s, m, lab, 36);
        plog_buf_printf(b, "<rect class=\"swatch\" x=\"%.1f\" y=\"%.1f\" width=\"12\" "
                        "height=\"12\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\" "
                        "font-size=\"11\">", x, y, plog_category_color(m), x + 16, y + 10);
        plog_buf_xml(b, lab);
        plog_buf_printf(b, "</text>\n");
    }
    y = ly + (double)((t->nleg + per_row - 1) / per_row) * 18;
    plog_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" "
                    "fill=\"#ffffff\" stroke=\"#b00000\" stroke-width=\"2\"/>"
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" "
                    "fill=\"url(#hatch)\"/><text x=\"%.1f\" y=\"%.1f\" "
                    "font-size=\"11\">failed or timed out%s</text>\n", left, y, left, y,
                    left + 16, y + 10, s->h->nmaps > LEGEND_MAX ? "; more maps than listed" : "");
}

int plog_cmd_timeline(const plog_args_t *a)
{
    tl_t t = {.first = INFINITY};
    event_t *ev = NULL;
    plog_buf_t b = {NULL, 0, 0, 0};
    int rc;

    if ((t.s = plog_open(a->file[0], a->metric, NULL, &rc)) == NULL)
        return rc;
    t.n = t.s->lf->nresults;
    if ((t.bars = calloc(t.n + 1, sizeof *t.bars)) == NULL ||
        (t.lanes = calloc(t.n + 1, sizeof *t.lanes)) == NULL ||
        (ev = calloc(2 * t.n + 1, sizeof *ev)) == NULL ||
        (t.bounds = calloc(t.n + 1, sizeof *t.bounds)) == NULL) {
        rc = plog_nomem(t.s->file);
        goto out;
    }
    tl_bars(&t);
    tl_lanes(&t, ev);
    if (!(t.tmax > 0))
        t.tmax = 1;
    plog_sweep_notes(t.s, t.notes, sizeof t.notes);
    tl_layout(&t);
    tl_draw_head(&t, &b);
    tl_draw_axis(&t, &b);
    for (size_t i = 0; i < t.n; i++)
        tl_draw_job(&t, &b, i);
    tl_draw_legend(&t, &b);
    rc = plog_svg_close(&b, a->out); /* frees b, which nothing fills before here */
out:
    free(t.bars);
    free(t.lanes);
    free(ev);
    free(t.bounds);
    plog_sweep_destroy(&t.s);
    return rc;
}
