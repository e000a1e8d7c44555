/* plog_heatmap.c - paratune-log heatmap: the average metric over two grid axes, as SVG.
 *
 * One cell per pair of values of the two params (the distinct values found in the log's
 * param maps, in increasing order; x to the right, y upwards). Grid axes other than x and y
 * are either fixed at the best map's values (the default: the cells are then the maps of the
 * grid's plane through the best map) or, with --average, averaged over (each cell is the
 * mean of the averages of its maps). Colors run along viridis from the worst value shown
 * (dark) to the best (yellow); the best cell also gets a thick outline and "best". A cell
 * whose map failed is grey and says "failed"; one without results yet says so. Every cell
 * is a <rect class="cell ..."> with data-x, data-y, data-maps and, when it has one,
 * data-value (the exact double), for scripts and tests.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plog.h"
#include "pt_common.h"

#define MAX_CELLS 10000 /* a grid beyond this is no picture to look at */

typedef struct {
    long map;           /* fixed mode: the cell's map, -1 when none */
    size_t nmaps;       /* maps in the cell */
    size_t nval;        /* of them, maps with an average (complete or provisional) */
    size_t ncomplete;   /* of them, maps with every fold done */
    size_t nfailed;
    double sum;
    double value;       /* NaN when none */
    char maps[64];      /* "3" or "1 4 7"; cut short when long */
} cell_t;

/* The distinct values of key over the maps that have both keys, sorted. Returns a new array
 * of pointers into the header (*n of them) or NULL when out of memory. */
static const pt_value_t **axis_values(const plog_sweep_t *s, const char *key,
                                      const char *other, size_t *n)
{
    const pt_value_t **v = malloc((s->h->nmaps + 1) * sizeof *v);
    *n = 0;
    if (v == NULL)
        return NULL;
    for (size_t m = 0; m < s->h->nmaps; m++) {
        const pt_value_t *x = pt_paramlist_get(&s->h->param_maps[m], key);
        size_t i;
        if (x == NULL || pt_paramlist_get(&s->h->param_maps[m], other) == NULL)
            continue;
        for (i = 0; i < *n && plog_value_cmp(v[i], x) != 0; i++)
            ;
        if (i == *n)
            v[(*n)++] = x;
    }
    for (size_t i = 1; i < *n; i++) /* insertion sort: grids are small */
        for (size_t j = i; j > 0 && plog_value_cmp(v[j - 1], v[j]) > 0; j--) {
            const pt_value_t *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v;
}

static size_t find_value(const pt_value_t **v, size_t n, const pt_value_t *x)
{
    for (size_t i = 0; i < n; i++)
        if (plog_value_cmp(v[i], x) == 0)
            return i;
    return n;
}

/* Whether key takes more than one value over the maps (missing counts as a value). */
static int varies(const plog_sweep_t *s, const char *key)
{
    const pt_value_t *first = NULL;
    for (size_t m = 0; m < s->h->nmaps; m++) {
        const pt_value_t *v = pt_paramlist_get(&s->h->param_maps[m], key);
        if (m == 0)
            first = v;
        else if ((v == NULL) != (first == NULL) || (v != NULL && plog_value_cmp(v, first) != 0))
            return 1;
    }
    return 0;
}

/* Whether maps a and b agree on every key in keys[0..n) (both missing counts). */
static int agree(const pt_paramlist_t *a, const pt_paramlist_t *b, const char **keys, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        const pt_value_t *u = pt_paramlist_get(a, keys[k]), *v = pt_paramlist_get(b, keys[k]);
        if ((u == NULL) != (v == NULL) || (u != NULL && plog_value_cmp(u, v) != 0))
            return 0;
    }
    return 1;
}

static void value_text(const pt_value_t *v, char *buf, size_t len)
{
    if (v->type == PT_VAL_STRING)
        snprintf(buf, len, "%s", v->str != NULL ? v->str : "");
    else
        pt_value_format(v, buf, len);
}

/* viridis at t in [0, 1], sampled at 11 points and interpolated */
static void viridis(double t, char out[8])
{
    static const unsigned char p[11][3] = {
        {0x44, 0x01, 0x54}, {0x48, 0x24, 0x75}, {0x41, 0x44, 0x87}, {0x35, 0x5f, 0x8d},
        {0x2a, 0x78, 0x8e}, {0x21, 0x91, 0x8c}, {0x22, 0xa8, 0x84}, {0x44, 0xbf, 0x70},
        {0x7a, 0xd1, 0x51}, {0xbd, 0xdf, 0x26}, {0xfd, 0xe7, 0x25}};
    double x = (t < 0 ? 0 : t > 1 ? 1 : t) * 10;
    int i = (int)x;
    double f;
    unsigned rgb[3];
    if (i >= 10)
        i = 9;
    f = x - i;
    for (int k = 0; k < 3; k++)
        rgb[k] = (unsigned)lround(p[i][k] + f * (p[i + 1][k] - p[i][k]));
    snprintf(out, 8, "#%02x%02x%02x", rgb[0] & 0xff, rgb[1] & 0xff, rgb[2] & 0xff);
}


int plog_cmd_heatmap(const plog_args_t *a)
{
    plog_sweep_t *s;
    const char *kx, *ky, **others = NULL;
    const pt_value_t **xs = NULL, **ys = NULL;
    size_t nx = 0, ny = 0, nothers = 0;
    cell_t *cells = NULL;
    double *vals = NULL, worst = NAN, bestv = NAN;
    long ref = -1, bestcell = -1;
    plog_buf_t b = {NULL, 0, 0, 0};
    char line2[1024], line3[2048], notes[256], val[128];
    int rc, digits;

    if ((s = plog_sweep_load(a->file[0], &rc)) == NULL)
        return rc;
    kx = plog_sweep_key(s, a->x);
    ky = plog_sweep_key(s, a->y);
    if (kx == NULL || ky == NULL) {
        const char *bad = kx == NULL ? a->x : a->y;
        fprintf(stderr, "paratune-log: %s: --%s %s: no such param in this log (params:",
                s->file, kx == NULL ? "x" : "y", bad);
        for (size_t k = 0; k < s->nkeys; k++)
            fprintf(stderr, "%s %s", k > 0 ? "," : "", s->keys[k]);
        fprintf(stderr, "%s)\n", s->nkeys == 0 ? " none" : "");
        rc = PT_EXIT_USAGE;
        goto out;
    }
    if (kx == ky) {
        fprintf(stderr, "paratune-log: %s: --x and --y both name %s\n", s->file, kx);
        rc = PT_EXIT_USAGE;
        goto out;
    }
    if ((xs = axis_values(s, kx, ky, &nx)) == NULL || (ys = axis_values(s, ky, kx, &ny)) == NULL)
        goto nomem;
    if (nx > 0 && ny > MAX_CELLS / nx) {
        /* e.g. a random search, where every map has values of its own */
        fprintf(stderr, "paratune-log: %s: %s and %s take %zu x %zu values: too many cells "
                "for a heatmap (at most %d)\n", s->file, kx, ky, nx, ny, MAX_CELLS);
        rc = PT_EXIT_USAGE;
        goto out;
    }
    plog_sweep_warn(s, stderr);
    if ((others = malloc((s->nkeys + 1) * sizeof *others)) == NULL ||
        (cells = calloc(nx * ny + 1, sizeof *cells)) == NULL ||
        (vals = malloc((nx * ny + 1) * sizeof *vals)) == NULL)
        goto nomem;
    for (size_t k = 0; k < s->nkeys; k++)
        if (s->keys[k] != kx && s->keys[k] != ky && varies(s, s->keys[k]))
            others[nothers++] = s->keys[k];

    /* the plane through the best map; without one (yet), through the best map so far or
     * the first */
    if (!a->average) {
        size_t *order = NULL;
        ref = s->best;
        if (ref < 0 && (order = plog_sweep_order(s)) == NULL)
            goto nomem;
        if (ref < 0)
            ref = s->h->nmaps > 0 ? (long)order[0] : -1;
        free(order);
    }
    for (size_t i = 0; i < nx * ny; i++) {
        cells[i].map = -1;
        cells[i].value = NAN;
    }
    for (size_t m = 0; m < s->h->nmaps; m++) {
        const pt_paramlist_t *pm = &s->h->param_maps[m];
        const pt_value_t *x = pt_paramlist_get(pm, kx), *y = pt_paramlist_get(pm, ky);
        const plog_map_t *st = &s->maps[m];
        cell_t *c;
        size_t used;
        if (x == NULL || y == NULL)
            continue;
        if (!a->average && (ref < 0 || !agree(pm, &s->h->param_maps[ref], others, nothers)))
            continue;
        c = &cells[find_value(ys, ny, y) * nx + find_value(xs, nx, x)];
        if (!a->average && c->map >= 0)
            continue; /* a duplicate map: the first counts */
        c->map = (long)m;
        c->nmaps++;
        c->nfailed += st->state == PLOG_FAILED;
        c->ncomplete += st->state == PLOG_OK;
        if (st->state == PLOG_OK || st->state == PLOG_PARTIAL) {
            c->nval++;
            c->sum += st->avg;
        }
        used = strlen(c->maps);
        if (used + 24 < sizeof c->maps)
            snprintf(c->maps + used, sizeof c->maps - used, "%s%zu", used ? " " : "", m);
        else if (used + 4 < sizeof c->maps && strcmp(c->maps + used - 3, "...") != 0)
            snprintf(c->maps + used, sizeof c->maps - used, "...");
    }
    for (size_t i = 0; i < nx * ny; i++) {
        cell_t *c = &cells[i];
        if (c->nval > 0)
            c->value = c->sum / (double)c->nval;
        vals[i] = c->value;
        if (isnan(c->value))
            continue;
        if (isnan(worst) || plog_better(s, worst, c->value))
            worst = c->value;
        if (isnan(bestv) || plog_better(s, c->value, bestv))
            bestv = c->value;
        /* the best cell: the best map's, or (averaging) the best cell whose maps are all
         * complete */
        if (a->average ? c->ncomplete == c->nmaps &&
                             (bestcell < 0 || plog_better(s, c->value, cells[bestcell].value))
                       : c->map == s->best && s->best >= 0)
            bestcell = (long)i;
    }
    digits = plog_digits(vals, nx * ny, 4, 12);

    /* ---- the text around the grid ---- */
    {
        char v[64];
        plog_sweep_validator(s, v, sizeof v);
        if (s->best >= 0) {
            char pb[768];
            pt_paramlist_format(&s->h->param_maps[s->best], pb, sizeof pb);
            snprintf(line2, sizeof line2, "%s: %s, %s evaluator, %s is better; best map #%ld "
                     "(%s)%s", s->file, v, s->h->evaluator,
                     s->h->larger_is_better ? "larger" : "smaller", s->best, pb,
                     s->finished ? "" : " so far");
        } else {
            snprintf(line2, sizeof line2, "%s: %s, %s evaluator, %s is better; no best map%s",
                     s->file, v, s->h->evaluator, s->h->larger_is_better ? "larger" : "smaller",
                     s->finished ? " (every map failed)" : " yet");
        }
    }
    if (nothers == 0) {
        snprintf(line3, sizeof line3, "no other grid axes");
    } else {
        size_t n;
        if (a->average)
            n = (size_t)snprintf(line3, sizeof line3, "averaged over the other axes:");
        else if (s->best >= 0)
            n = (size_t)snprintf(line3, sizeof line3, "other axes fixed at the best map's "
                                 "values:");
        else
            n = (size_t)snprintf(line3, sizeof line3, "other axes fixed at map #%ld's values "
                                 "(no best map%s):", ref, s->finished ? "" : " yet");
        for (size_t k = 0; k < nothers && n < sizeof line3; k++) {
            const pt_value_t *v = ref >= 0 ? pt_paramlist_get(&s->h->param_maps[ref], others[k])
                                           : NULL;
            if (a->average || v == NULL)
                n += (size_t)snprintf(line3 + n, sizeof line3 - n, "%s %s", k ? "," : "",
                                      others[k]);
            else {
                value_text(v, val, sizeof val);
                n += (size_t)snprintf(line3 + n, sizeof line3 - n, "%s %s=%s", k ? "," : "",
                                      others[k], val);
            }
        }
    }
    plog_sweep_notes(s, notes, sizeof notes);

    /* ---- layout ---- */
    {
        double cw = 76, chh = 46, ylab = 0, xlab = 0, left, top, width, height, gx, gy;
        char color[8];
        for (size_t i = 0; i < nx; i++) {
            value_text(xs[i], val, sizeof val);
            if (plog_svg_text_px(val, 12) + 12 > cw)
                cw = plog_svg_text_px(val, 12) + 12;
        }
        for (size_t i = 0; i < nx * ny; i++)
            if (!isnan(cells[i].value)) {
                snprintf(val, sizeof val, "%.*g", digits, cells[i].value);
                if (plog_svg_text_px(val, 13) + 14 > cw)
                    cw = plog_svg_text_px(val, 13) + 14;
            }
        for (size_t i = 0; i < ny; i++) {
            value_text(ys[i], val, sizeof val);
            if (plog_svg_text_px(val, 12) > ylab)
                ylab = plog_svg_text_px(val, 12);
        }
        xlab = plog_svg_text_px(kx, 13);
        left = 20 + ylab + 10;
        top = notes[0] != '\0' ? 122 : 104;
        gx = left;
        gy = top;
        width = left + (double)nx * cw + 30;
        if (width < gx + xlab + 30)
            width = gx + xlab + 30;
        if (width < 40 + plog_svg_text_px(ky, 13))
            width = 40 + plog_svg_text_px(ky, 13);
        if (width < 320 + 60)
            width = 380;
        {
            double t1 = 20 + plog_svg_text_px(line2, 12), t2 = 20 + plog_svg_text_px(line3, 12);
            if (t1 > width)
                width = t1;
            if (t2 > width)
                width = t2;
        }
        height = top + (double)ny * chh + 100;

        plog_buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
                        "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" "
                        "data-cells=\"%zu\">\n", width, height, width, height, nx * ny);
        plog_buf_printf(&b, "<title>");
        plog_buf_xml(&b, s->h->metric);
        plog_buf_printf(&b, " by ");
        plog_buf_xml(&b, kx);
        plog_buf_printf(&b, " and ");
        plog_buf_xml(&b, ky);
        plog_buf_printf(&b, "</title>\n<defs><linearGradient id=\"scale\">");
        for (int i = 0; i <= 10; i++) {
            viridis(i / 10.0, color);
            plog_buf_printf(&b, "<stop offset=\"%d%%\" stop-color=\"%s\"/>", i * 10, color);
        }
        plog_buf_printf(&b, "</linearGradient></defs>\n"
                        "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
        /* title: what is shown, then the sweep, then how the other axes were handled */
        plog_buf_printf(&b, "<text class=\"title\" x=\"20\" y=\"28\" font-size=\"17\" "
                        "font-weight=\"bold\">average ");
        plog_buf_xml(&b, s->h->metric);
        plog_buf_printf(&b, " by ");
        plog_buf_xml(&b, kx);
        plog_buf_printf(&b, " and ");
        plog_buf_xml(&b, ky);
        plog_buf_printf(&b, "</text>\n<text class=\"subtitle\" x=\"20\" y=\"50\" "
                        "font-size=\"12\">");
        plog_buf_xml(&b, line2);
        plog_buf_printf(&b, "</text>\n<text class=\"axes-note\" x=\"20\" y=\"68\" "
                        "font-size=\"12\">");
        plog_buf_xml(&b, line3);
        plog_buf_printf(&b, "</text>\n");
        if (notes[0] != '\0') {
            plog_buf_printf(&b, "<text class=\"notes\" x=\"20\" y=\"86\" font-size=\"12\" "
                            "fill=\"#b00000\">");
            plog_buf_xml(&b, notes);
            plog_buf_printf(&b, "</text>\n");
        }

        /* the cells; row 0 is the largest y, at the top */
        for (size_t yi = 0; yi < ny; yi++)
            for (size_t xi = 0; xi < nx; xi++) {
                const cell_t *c = &cells[yi * nx + xi];
                double x = gx + (double)xi * cw, y = gy + (double)(ny - 1 - yi) * chh;
                int isbest = (long)(yi * nx + xi) == bestcell, faded = 0;
                const char *cls, *fill, *ink = "#000", *sub = NULL;
                char sub_buf[64], text[64];
                double g = 1;

                text[0] = '\0';
                if (!isnan(c->value)) {
                    if (!isnan(worst) && bestv != worst)
                        g = (c->value - worst) / (bestv - worst);
                    viridis(g, color);
                    fill = color;
                    ink = g < 0.6 ? "#fff" : "#000";
                    cls = isbest ? "cell best" : "cell";
                    snprintf(text, sizeof text, "%.*g", digits, c->value);
                    if (c->nval < c->nmaps) {
                        snprintf(sub_buf, sizeof sub_buf, "%zu of %zu maps", c->nval, c->nmaps);
                        sub = sub_buf;
                    } else if (c->ncomplete < c->nmaps) {
                        sub = "folds missing";
                    }
                    faded = sub != NULL && !isbest; /* provisional: lighter, dark text */
                    if (faded)
                        ink = "#000";
                    if (isbest)
                        sub = a->average ? "\xe2\x98\x85 best mean" : "\xe2\x98\x85 best";
                } else if (c->nfailed > 0) {
                    cls = "cell failed";
                    fill = "#bdbdbd";
                    snprintf(text, sizeof text, "failed");
                } else if (c->nmaps > 0) {
                    cls = "cell pending";
                    fill = "#eeeeee";
                    snprintf(text, sizeof text, "no result");
                } else {
                    cls = "cell empty";
                    fill = "#ffffff";
                    snprintf(text, sizeof text, "no map");
                }
                plog_buf_printf(&b, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                                "height=\"%.1f\" fill=\"%s\"%s stroke=\"%s\" "
                                "stroke-width=\"%s\" data-x=\"", cls, x, y, cw, chh, fill,
                                faded ? " fill-opacity=\"0.55\"" : "",
                                isbest ? "#d00000" : "#ffffff", isbest ? "4" : "1");
                value_text(xs[xi], val, sizeof val);
                plog_buf_xml(&b, val);
                plog_buf_printf(&b, "\" data-y=\"");
                value_text(ys[yi], val, sizeof val);
                plog_buf_xml(&b, val);
                plog_buf_printf(&b, "\" data-maps=\"%s\"", c->maps);
                if (!isnan(c->value)) {
                    plog_fmt_double(c->value, val, sizeof val);
                    plog_buf_printf(&b, " data-value=\"%s\"", val);
                }
                plog_buf_printf(&b, "><title>");
                value_text(xs[xi], val, sizeof val);
                plog_buf_xml(&b, kx);
                plog_buf_printf(&b, "=");
                plog_buf_xml(&b, val);
                value_text(ys[yi], val, sizeof val);
                plog_buf_printf(&b, ", ");
                plog_buf_xml(&b, ky);
                plog_buf_printf(&b, "=");
                plog_buf_xml(&b, val);
                if (c->nmaps == 1 && !isnan(c->value))
                    plog_buf_printf(&b, ": %s %.*g%s%.3g over %d folds (map #%ld)",
                                    s->h->metric, digits, c->value,
                                    plog_utf8() ? " \xc2\xb1 " : " +- ",
                                    s->maps[c->map].std, s->maps[c->map].ok, c->map);
                else if (c->nmaps > 0)
                    plog_buf_printf(&b, ": %s (maps %s)", text, c->maps);
                plog_buf_printf(&b, "</title></rect>\n");
                plog_buf_printf(&b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" "
                                "text-anchor=\"middle\" fill=\"%s\"%s>%s</text>\n",
                                x + cw / 2, y + (sub != NULL ? chh / 2 - 2 : chh / 2 + 5), ink,
                                isbest ? " font-weight=\"bold\"" : "", text);
                if (sub != NULL)
                    plog_buf_printf(&b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
                                    "text-anchor=\"middle\" fill=\"%s\">%s</text>\n", x + cw / 2,
                                    y + chh / 2 + 12, ink, sub);
            }
        /* axes: the values along the grid, the param names beyond them */
        for (size_t xi = 0; xi < nx; xi++) {
            value_text(xs[xi], val, sizeof val);
            plog_buf_printf(&b, "<text class=\"xtick\" x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
                            "text-anchor=\"middle\">", gx + (xi + 0.5) * cw,
                            gy + (double)ny * chh + 17);
            plog_buf_xml(&b, val);
            plog_buf_printf(&b, "</text>\n");
        }
        plog_buf_printf(&b, "<text class=\"xlabel\" x=\"%.1f\" y=\"%.1f\" font-size=\"13\" "
                        "font-weight=\"bold\" text-anchor=\"middle\">", gx + nx * cw / 2,
                        gy + (double)ny * chh + 36);
        plog_buf_xml(&b, kx);
        plog_buf_printf(&b, "</text>\n");
        for (size_t yi = 0; yi < ny; yi++) {
            value_text(ys[yi], val, sizeof val);
            plog_buf_printf(&b, "<text class=\"ytick\" x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
                            "text-anchor=\"end\">", gx - 8,
                            gy + (double)(ny - 1 - yi) * chh + chh / 2 + 4);
            plog_buf_xml(&b, val);
            plog_buf_printf(&b, "</text>\n");
        }
        /* horizontal, above the y values: a rotated name would not fit beside a short grid */
        plog_buf_printf(&b, "<text class=\"ylabel\" x=\"%.1f\" y=\"%.1f\" font-size=\"13\" "
                        "font-weight=\"bold\">", 20.0, gy - 10);
        plog_buf_xml(&b, ky);
        plog_buf_printf(&b, " \xe2\x86\x91</text>\n");

        /* the color scale: worst on the left, best on the right */
        {
            double sx = gx, sy = gy + (double)ny * chh + 56;
            plog_buf_printf(&b, "<rect class=\"scale\" x=\"%.1f\" y=\"%.1f\" width=\"240\" "
                            "height=\"12\" fill=\"url(#scale)\"/>\n", sx, sy);
            if (!isnan(worst)) {
                plog_buf_printf(&b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%.*g</text>\n",
                                sx, sy + 26, digits, worst);
                plog_buf_printf(&b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
                                "text-anchor=\"end\">%.*g</text>\n", sx + 240, sy + 26, digits,
                                bestv);
            }
            plog_buf_printf(&b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">worse "
                            "\xe2\x86\x90 ", sx + 252, sy + 10);
            plog_buf_xml(&b, s->h->metric);
            plog_buf_printf(&b, " \xe2\x86\x92 better; grey: failed</text>\n");
        }
        plog_buf_printf(&b, "</svg>\n");
    }
    rc = plog_write_out(a->out, &b);
    goto out;
nomem:
    rc = PT_EXIT_FAIL;
    fprintf(stderr, "paratune-log: %s: out of memory\n", s->file);
out:
    plog_buf_free(&b);
    free(vals);
    free(cells);
    free(others);
    free(xs);
    free(ys);
    plog_sweep_destroy(&s);
    return rc;
}
