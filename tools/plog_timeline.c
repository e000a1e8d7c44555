/* plog_timeline.c - paratune-log timeline: a Gantt chart of a sweep's jobs, as SVG.
 *
 * Like the event timeline of the Spark UI: one lane per worker process (labelled with its
 * pid, lanes in order of their first job), one bar per result record from the moment the
 * coordinator sent the job to the moment its result arrived (the record's started and
 * finished, coordinator clock), colored by param map; failed and timed-out jobs get a red
 * outline and hatching. The title gives the largest number of jobs that ran at once.
 *
 * A resumed sweep (--resume) restarts the clock at 0, so its records' times go back; each
 * session found that way is drawn after the previous one (a dashed line marks where), which
 * keeps one time axis. Result records carry the run that wrote them ("run"); for logs
 * written before that field existed the clock going back marks a new session, which misses
 * a resumed run whose first result came later on its clock than the previous run's last. Every bar is a <rect class="job"> ("job failed") with data-map,
 * data-fold, data-worker, data-status, data-start and data-end, for scripts and tests.
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
    double first;        /* start of its first job */
    size_t jobs;
} lane_t;

typedef struct {
    double t;
    int d;               /* +1 a job starts, -1 one ends */
} event_t;

static int cmp_lane(const void *pa, const void *pb)
{
    const lane_t *a = pa, *b = pb;
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
        const pt_value_t *v = &pm->items[i].val;
        if (v->type == PT_VAL_STRING)
            snprintf(val, sizeof val, "%s", v->str != NULL ? v->str : "");
        else
            pt_value_format(v, val, sizeof val);
        n += (size_t)snprintf(buf + n, len - n, " %s=%s",
                              plog_sweep_short_key(s, pm->items[i].key), val);
    }
    if (n >= len && len > 4)
        memcpy(buf + len - 4, "...", 4);
}

int plog_cmd_timeline(const plog_args_t *a)
{
    plog_sweep_t *s;
    bar_t *bars = NULL;
    lane_t *lanes = NULL;
    event_t *ev = NULL;
    double *bounds = NULL, tmax = 0, prev_finished = -INFINITY, offset = 0, first = INFINITY;
    int32_t prev_run = 0;
    size_t n, nlanes = 0, nbounds = 0, nfailed = 0;
    int rc, conc = 0, cur = 0;
    plog_buf_t b = {NULL, 0, 0, 0};
    char notes[256], val[64];

    if ((s = plog_sweep_load(a->file[0], &rc)) == NULL)
        return rc;
    plog_sweep_warn(s, stderr);
    n = s->lf->nresults;
    if ((bars = calloc(n + 1, sizeof *bars)) == NULL ||
        (lanes = calloc(n + 1, sizeof *lanes)) == NULL ||
        (ev = calloc(2 * n + 1, sizeof *ev)) == NULL ||
        (bounds = calloc(n + 1, sizeof *bounds)) == NULL)
        goto nomem;

    /* Results are appended as they arrive, so within one run of the coordinator their
     * finished times never go back; when they do, a resumed session began. */
    for (size_t i = 0; i < n; i++) {
        const pt_log_result_t *r = &s->lf->results[i];
        double st = finite_or_0(r->started), fi = finite_or_0(r->finished);
        /* the record's run number says it; logs without one fall back on the clock */
        if (i > 0 && (r->run > 0 && prev_run > 0 ? r->run != prev_run : fi < prev_finished)) {
            offset = tmax;
            bounds[nbounds++] = offset;
        }
        prev_finished = fi;
        prev_run = r->run;
        if (st > fi)
            st = fi;
        bars[i].r = r;
        bars[i].start = st + offset;
        bars[i].end = fi + offset;
        if (bars[i].end > tmax)
            tmax = bars[i].end;
        if (bars[i].start < first)
            first = bars[i].start;
        nfailed += strcmp(r->status, "ok") != 0;
    }
    /* lanes: one per worker pid, in order of its first job */
    for (size_t i = 0; i < n; i++) {
        size_t l;
        for (l = 0; l < nlanes && lanes[l].pid != bars[i].r->worker; l++)
            ;
        if (l == nlanes) {
            lanes[nlanes].pid = bars[i].r->worker;
            lanes[nlanes++].first = bars[i].start;
        }
        if (bars[i].start < lanes[l].first)
            lanes[l].first = bars[i].start;
        lanes[l].jobs++;
    }
    qsort(lanes, nlanes, sizeof *lanes, cmp_lane);
    for (size_t i = 0; i < n; i++) {
        for (bars[i].lane = 0; lanes[bars[i].lane].pid != bars[i].r->worker; bars[i].lane++)
            ;
        ev[2 * i].t = bars[i].start;
        ev[2 * i].d = 1;
        ev[2 * i + 1].t = bars[i].end;
        ev[2 * i + 1].d = -1;
    }
    qsort(ev, 2 * n, sizeof *ev, cmp_event);
    for (size_t i = 0; i < 2 * n; i++) {
        cur += ev[i].d;
        if (cur > conc)
            conc = cur;
    }
    if (!(tmax > 0))
        tmax = 1;
    plog_sweep_notes(s, notes, sizeof notes);

    {
        double left = 24, top, axis_y, height, width, step;
        size_t nleg = s->h->nmaps < LEGEND_MAX ? s->h->nmaps : LEGEND_MAX, per_row, leg_rows;
        char line1[512], line2[512], lab[160];
        size_t nlines = 2 + (nbounds > 0) + (notes[0] != '\0');

        for (size_t l = 0; l < nlanes; l++) {
            snprintf(lab, sizeof lab, "pid %ld", (long)lanes[l].pid);
            if (24 + plog_svg_text_px(lab, 12) + 10 > left)
                left = 24 + plog_svg_text_px(lab, 12) + 10;
        }
        {
            char v[64];
            plog_sweep_validator(s, v, sizeof v);
            snprintf(line1, sizeof line1, "%s: %zu jobs on %zu workers, max concurrency %d "
                     "(parallelism %d)", s->file, n, nlanes, conc, s->h->parallelism);
            snprintf(line2, sizeof line2, "%s, %s %s; %.3g s from the first job sent to the "
                     "last result; %zu failed or timed out (red)", v, s->h->evaluator,
                     s->h->metric, n > 0 ? tmax - first : 0.0, nfailed);
        }
        top = 30 + 18.0 * (double)nlines + 10;
        axis_y = top + (double)nlanes * LANE_PITCH + 4;
        per_row = (size_t)(PLOT_W / 240);
        leg_rows = (nleg + per_row - 1) / per_row + 1; /* + the failure key */
        height = axis_y + 56 + 18.0 * (double)leg_rows + 30;
        width = left + PLOT_W + 40;
        if (20 + plog_svg_text_px(line1, 15) > width)
            width = 20 + plog_svg_text_px(line1, 15);
        step = nice_step(tmax, 8);

        plog_buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
                        "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" "
                        "data-jobs=\"%zu\" data-workers=\"%zu\" data-max-concurrency=\"%d\">\n",
                        width, height, width, height, n, nlanes, conc);
        plog_buf_printf(&b, "<title>job timeline of ");
        plog_buf_xml(&b, s->file);
        plog_buf_printf(&b, "</title>\n<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" "
                        "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
                        "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#b00000\" "
                        "stroke-width=\"2\"/></pattern></defs>\n"
                        "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
        plog_buf_printf(&b, "<text class=\"title\" x=\"20\" y=\"28\" font-size=\"15\" "
                        "font-weight=\"bold\">");
        plog_buf_xml(&b, line1);
        plog_buf_printf(&b, "</text>\n<text class=\"subtitle\" x=\"20\" y=\"48\" "
                        "font-size=\"12\">");
        plog_buf_xml(&b, line2);
        plog_buf_printf(&b, "</text>\n");
        {
            double y = 66;
            if (nbounds > 0) {
                plog_buf_printf(&b, "<text class=\"sessions\" x=\"20\" y=\"%.0f\" "
                                "font-size=\"12\">resumed %zu time%s: the clock restarts with "
                                "each run, so each is drawn after the one before (dashed "
                                "lines)</text>\n", y, nbounds, nbounds > 1 ? "s" : "");
                y += 18;
            }
            if (notes[0] != '\0') {
                plog_buf_printf(&b, "<text class=\"notes\" x=\"20\" y=\"%.0f\" "
                                "font-size=\"12\" fill=\"#b00000\">", y);
                plog_buf_xml(&b, notes);
                plog_buf_printf(&b, "</text>\n");
            }
        }

        /* lanes */
        for (size_t l = 0; l < nlanes; l++) {
            double y = top + (double)l * LANE_PITCH;
            plog_buf_printf(&b, "<rect class=\"lane\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                            "height=\"%.1f\" fill=\"%s\"/>\n", left, y - 3, PLOT_W, LANE_PITCH,
                            l % 2 ? "#ffffff" : "#f4f4f4");
            plog_buf_printf(&b, "<text class=\"lane-label\" x=\"%.1f\" y=\"%.1f\" "
                            "font-size=\"12\" text-anchor=\"end\">pid %ld<title>worker pid %ld: "
                            "%zu jobs</title></text>\n", left - 8, y + LANE_H / 2 + 4,
                            (long)lanes[l].pid, (long)lanes[l].pid, lanes[l].jobs);
        }
        /* ticks and grid lines */
        for (int k = 0; k * step <= tmax * (1 + 1e-9); k++) {
            double x = left + k * step / tmax * PLOT_W;
            plog_buf_printf(&b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                            "stroke=\"#dddddd\"/>\n<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
                            "font-size=\"11\" text-anchor=\"middle\">%g</text>\n", x, top - 4,
                            x, axis_y + 4, x, axis_y + 18, k * step);
        }
        plog_buf_printf(&b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                        "stroke=\"#000\"/>\n", left, axis_y, left + PLOT_W, axis_y);
        plog_buf_printf(&b, "<text class=\"xlabel\" x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
                        "text-anchor=\"middle\">seconds since the sweep began (coordinator "
                        "clock)</text>\n", left + PLOT_W / 2, axis_y + 36);
        for (size_t i = 0; i < nbounds; i++) {
            double x = left + bounds[i] / tmax * PLOT_W;
            plog_buf_printf(&b, "<line class=\"resume\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                            "y2=\"%.1f\" stroke=\"#000\" stroke-dasharray=\"4 3\"/>\n"
                            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\">resumed</text>\n", x,
                            top - 8, x, axis_y, x + 3, top - 10);
        }

        /* the jobs */
        for (size_t i = 0; i < n; i++) {
            const pt_log_result_t *r = bars[i].r;
            const char *color = plog_category_color((size_t)r->param_index);
            int failed = strcmp(r->status, "ok") != 0;
            double x = left + bars[i].start / tmax * PLOT_W;
            double w = (bars[i].end - bars[i].start) / tmax * PLOT_W;
            double y = top + (double)bars[i].lane * LANE_PITCH;
            char pb[512];
            if (w < 1)
                w = 1; /* a job too short to see still shows */
            plog_buf_printf(&b, "<rect class=\"job%s\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" "
                            "height=\"%.1f\" fill=\"%s\"%s data-map=\"%d\" data-fold=\"%d\" "
                            "data-worker=\"%ld\" data-status=\"", failed ? " failed" : "", x, y,
                            w, LANE_H, color,
                            failed ? " stroke=\"#b00000\" stroke-width=\"2\"" : "",
                            (int)r->param_index, (int)r->fold, (long)r->worker);
            plog_buf_xml(&b, r->status);
            plog_fmt_double(bars[i].start, val, sizeof val);
            plog_buf_printf(&b, "\" data-start=\"%s\"", val);
            plog_fmt_double(bars[i].end, val, sizeof val);
            plog_buf_printf(&b, " data-end=\"%s\"><title>map #%d, fold %d: ", val,
                            (int)r->param_index, (int)r->fold);
            plog_buf_xml(&b, r->status);
            if (!failed) {
                plog_buf_printf(&b, ", ");
                plog_buf_xml(&b, s->h->metric);
                plog_buf_printf(&b, " %.10g", r->metric);
            } else if (r->error != NULL) {
                plog_buf_printf(&b, ": ");
                plog_buf_xml(&b, r->error);
            }
            pt_paramlist_format(&s->h->param_maps[r->param_index], pb, sizeof pb);
            plog_buf_printf(&b, "\n");
            plog_buf_xml(&b, pb);
            plog_buf_printf(&b, "\nworker pid %ld, attempt %d\nsent at %.4g s, result at "
                            "%.4g s (fit %.3g s, evaluation %.3g s)</title></rect>\n",
                            (long)r->worker, (int)r->attempt, r->started, r->finished,
                            r->fit_seconds, r->eval_seconds);
            if (failed)
                plog_buf_printf(&b, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
                                "fill=\"url(#hatch)\" pointer-events=\"none\"/>\n", x, y, w,
                                LANE_H);
            if (w >= 36) {
                if (s->nfolds > 1)
                    snprintf(lab, sizeof lab, "#%d f%d", (int)r->param_index, (int)r->fold);
                else
                    snprintf(lab, sizeof lab, "#%d", (int)r->param_index);
                if (plog_svg_text_px(lab, 10) + 4 <= w)
                    plog_buf_printf(&b, "<text x=\"%.2f\" y=\"%.1f\" font-size=\"10\" "
                                    "text-anchor=\"middle\" fill=\"%s\" "
                                    "pointer-events=\"none\">%s</text>\n", x + w / 2,
                                    y + LANE_H / 2 + 4, ink_on(color), lab);
            }
        }

        /* legend: the param maps' colors, then the failure mark */
        {
            double ly = axis_y + 56;
            plog_buf_printf(&b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
                            "font-weight=\"bold\">param maps%s</text>\n", left, ly - 6,
                            s->h->nmaps > 20 ? " (colors repeat every 20 maps)" : "");
            for (size_t m = 0; m < nleg; m++) {
                double x = left + (double)(m % per_row) * 240, y = ly + (double)(m / per_row) * 18;
                map_label(s, m, lab, 36);
                plog_buf_printf(&b, "<rect class=\"swatch\" x=\"%.1f\" y=\"%.1f\" width=\"12\" "
                                "height=\"12\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\" "
                                "font-size=\"11\">", x, y, plog_category_color(m), x + 16,
                                y + 10);
                plog_buf_xml(&b, lab);
                plog_buf_printf(&b, "</text>\n");
            }
            {
                double y = ly + (double)((nleg + per_row - 1) / per_row) * 18;
                plog_buf_printf(&b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" "
                                "fill=\"#ffffff\" stroke=\"#b00000\" stroke-width=\"2\"/>"
                                "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" "
                                "fill=\"url(#hatch)\"/><text x=\"%.1f\" y=\"%.1f\" "
                                "font-size=\"11\">failed or timed out%s</text>\n", left, y,
                                left, y, left + 16, y + 10,
                                s->h->nmaps > LEGEND_MAX ? "; more maps than listed" : "");
            }
        }
        plog_buf_printf(&b, "</svg>\n");
    }
    rc = plog_write_out(a->out, &b);
    goto out;
nomem:
    fprintf(stderr, "paratune-log: %s: out of memory\n", s->file);
    rc = PT_EXIT_FAIL;
out:
    plog_buf_free(&b);
    free(bars);
    free(lanes);
    free(ev);
    free(bounds);
    plog_sweep_destroy(&s);
    return rc;
}
