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


/* A heatmap in the making: the axes, the cells and their values, the text around the grid
 * and the layout. */
typedef struct {
    const plog_args_t *a;
    plog_sweep_t *s;
    const char *kx, *ky, **others; /* the axes' keys; the other axes that vary */
    size_t nothers;
    const pt_value_t **xs, **ys;   /* the values along each axis */
    size_t nx, ny;
    cell_t *cells;                 /* ny rows of nx, row 0 the smallest y */
    double worst, bestv;           /* the values shown at either end of the scale */
    long ref, bestcell;            /* the map whose plane is shown; the outlined cell */
    int digits;
    char line2[1024], line3[2048], notes[256];
    double cw, chh, gx, gy, width, height; /* cell size, the grid's corner, the picture */
} heat_t;

/* --x and --y as keys of the log, their values, and the other axes. 0 or an exit code (one
 * line printed); -1 when out of memory. */
static int heat_axes(heat_t *h)
{
    plog_sweep_t *s = h->s;
    h->kx = plog_sweep_key(s, h->a->x);
    h->ky = plog_sweep_key(s, h->a->y);
    if (h->kx == NULL || h->ky == NULL) {
        const char *bad = h->kx == NULL ? h->a->x : h->a->y;
        fprintf(stderr, "paratune-log: %s: --%s %s: no such param in this log (params:",
                s->file, h->kx == NULL ? "x" : "y", bad);
        for (size_t k = 0; k < s->nkeys; k++)
            fprintf(stderr, "%s %s", k > 0 ? "," : "", s->keys[k]);
        fprintf(stderr, "%s)\n", s->nkeys == 0 ? " none" : "");
        return PT_EXIT_USAGE;
    }
    if (h->kx == h->ky) {
        fprintf(stderr, "paratune-log: %s: --x and --y both name %s\n", s->file, h->kx);
        return PT_EXIT_USAGE;
    }
    if ((h->xs = axis_values(s, h->kx, h->ky, &h->nx)) == NULL ||
        (h->ys = axis_values(s, h->ky, h->kx, &h->ny)) == NULL)
        return -1;
    if (h->nx > 0 && h->ny > MAX_CELLS / h->nx) {
        /* e.g. a random search, where every map has values of its own */
        fprintf(stderr, "paratune-log: %s: %s and %s take %zu x %zu values: too many cells "
                "for a heatmap (at most %d)\n", s->file, h->kx, h->ky, h->nx, h->ny, MAX_CELLS);
        return PT_EXIT_USAGE;
    }
    plog_sweep_warn(s, stderr);
    if ((h->others = malloc((s->nkeys + 1) * sizeof *h->others)) == NULL ||
        (h->cells = calloc(h->nx * h->ny + 1, sizeof *h->cells)) == NULL)
        return -1;
    for (size_t k = 0; k < s->nkeys; k++)
        if (s->keys[k] != h->kx && s->keys[k] != h->ky && varies(s, s->keys[k]))
            h->others[h->nothers++] = s->keys[k];
    return 0;
}

/* Adds map m to the cells (in fixed mode only a map of the reference plane, and the first
 * of duplicates). */
static void heat_add_map(heat_t *h, size_t m)
{
    plog_sweep_t *s = h->s;
    const pt_paramlist_t *pm = &s->h->param_maps[m];
    const pt_value_t *x = pt_paramlist_get(pm, h->kx), *y = pt_paramlist_get(pm, h->ky);
    const plog_map_t *st = &s->maps[m];
    cell_t *c;
    size_t used;
    if (x == NULL || y == NULL)
        return;
    if (!h->a->average &&
        (h->ref < 0 || !agree(pm, &s->h->param_maps[h->ref], h->others, h->nothers)))
        return;
    c = &h->cells[find_value(h->ys, h->ny, y) * h->nx + find_value(h->xs, h->nx, x)];
    if (!h->a->average && c->map >= 0)
        return; /* a duplicate map: the first counts */
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

/* The cells' values, the ends of the scale, the best cell and the digits shown. 0 or -1
 * when out of memory. */
static int heat_fill(heat_t *h)
{
    plog_sweep_t *s = h->s;
    size_t ncells = h->nx * h->ny;
    double *vals = malloc((ncells + 1) * sizeof *vals);

    if (vals == NULL)
        return -1;
    /* the plane through the best map; without one (yet), through the best map so far or
     * the first */
    if (!h->a->average) {
        size_t *order = NULL;
        h->ref = s->best;
        if (h->ref < 0 && (order = plog_sweep_order(s)) == NULL) {
            free(vals);
            return -1;
        }
        if (h->ref < 0)
            h->ref = s->h->nmaps > 0 ? (long)order[0] : -1;
        free(order);
    }
    for (size_t i = 0; i < ncells; i++) {
        h->cells[i].map = -1;
        h->cells[i].value = NAN;
    }
    for (size_t m = 0; m < s->h->nmaps; m++)
        heat_add_map(h, m);
    for (size_t i = 0; i < ncells; i++) {
        cell_t *c = &h->cells[i];
        if (c->nval > 0)
            c->value = c->sum / (double)c->nval;
        vals[i] = c->value;
        if (isnan(c->value))
            continue;
        if (isnan(h->worst) || plog_better(s, h->worst, c->value))
            h->worst = c->value;
        if (isnan(h->bestv) || plog_better(s, c->value, h->bestv))
            h->bestv = c->value;
        /* the best cell: the best map's, or (averaging) the best cell whose maps are all
         * complete */
        if (h->a->average ? c->ncomplete == c->nmaps &&
                                (h->bestcell < 0 ||
                                 plog_better(s, c->value, h->cells[h->bestcell].value))
                          : c->map == s->best && s->best >= 0)
            h->bestcell = (long)i;
    }
    h->digits = plog_digits(vals, ncells, 4, 12);
    free(vals);
    return 0;
}

/* The lines above the grid: the sweep and its best map (line2), how the other axes were
 * handled (line3), and the notes of a log that is not whole. */
static void heat_texts(heat_t *h)
{
    plog_sweep_t *s = h->s;
    char v[64], val[128];
    size_t n;

    plog_sweep_validator(s, v, sizeof v);
    if (s->best >= 0) {
        char pb[768];
        pt_paramlist_format(&s->h->param_maps[s->best], pb, sizeof pb);
        snprintf(h->line2, sizeof h->line2, "%s: %s, %s evaluator, %s is better; best map "
                 "#%ld (%s)%s", s->file, v, s->h->evaluator,
                 s->h->larger_is_better ? "larger" : "smaller", s->best, pb,
                 s->finished ? "" : " so far");
    } else {
        snprintf(h->line2, sizeof h->line2, "%s: %s, %s evaluator, %s is better; no best "
                 "map%s", s->file, v, s->h->evaluator,
                 s->h->larger_is_better ? "larger" : "smaller",
                 s->finished ? " (every map failed)" : " yet");
    }
    plog_sweep_notes(s, h->notes, sizeof h->notes);
    if (h->nothers == 0) {
        snprintf(h->line3, sizeof h->line3, "no other grid axes");
        return;
    }
    if (h->a->average)
        n = (size_t)snprintf(h->line3, sizeof h->line3, "averaged over the other axes:");
    else if (s->best >= 0)
        n = (size_t)snprintf(h->line3, sizeof h->line3, "other axes fixed at the best map's "
                             "values:");
    else
        n = (size_t)snprintf(h->line3, sizeof h->line3, "other axes fixed at map #%ld's "
                             "values (no best map%s):", h->ref, s->finished ? "" : " yet");
    for (size_t k = 0; k < h->nothers && n < sizeof h->line3; k++) {
        const pt_value_t *pv =
            h->ref >= 0 ? pt_paramlist_get(&s->h->param_maps[h->ref], h->others[k]) : NULL;
        if (h->a->average || pv == NULL) {
            n += (size_t)snprintf(h->line3 + n, sizeof h->line3 - n, "%s %s", k ? "," : "",
                                  h->others[k]);
        } else {
            plog_value_text(pv, val, sizeof val);
            n += (size_t)snprintf(h->line3 + n, sizeof h->line3 - n, "%s %s=%s",
                                  k ? "," : "", h->others[k], val);
        }
    }
}

/* Cell size from the widest value and tick, the grid's corner, the picture's size. */
static void heat_layout(heat_t *h)
{
    double ylab = 0, xlab, left, top, t1, t2;
    char val[128];

    h->cw = 76;
    h->chh = 46;
    for (size_t i = 0; i < h->nx; i++) {
        plog_value_text(h->xs[i], val, sizeof val);
        if (plog_svg_text_px(val, 12) + 12 > h->cw)
            h->cw = plog_svg_text_px(val, 12) + 12;
    }
    for (size_t i = 0; i < h->nx * h->ny; i++)
        if (!isnan(h->cells[i].value)) {
            snprintf(val, sizeof val, "%.*g", h->digits, h->cells[i].value);
            if (plog_svg_text_px(val, 13) + 14 > h->cw)
                h->cw = plog_svg_text_px(val, 13) + 14;
        }
    for (size_t i = 0; i < h->ny; i++) {
        plog_value_text(h->ys[i], val, sizeof val);
        if (plog_svg_text_px(val, 12) > ylab)
            ylab = plog_svg_text_px(val, 12);
    }
    xlab = plog_svg_text_px(h->kx, 13);
    left = 20 + ylab + 10;
    top = h->notes[0] != '\0' ? 122 : 104;
    h->gx = left;
    h->gy = top;
    h->width = left + (double)h->nx * h->cw + 30;
    if (h->width < h->gx + xlab + 30)
        h->width = h->gx + xlab + 30;
    if (h->width < 40 + plog_svg_text_px(h->ky, 13))
        h->width = 40 + plog_svg_text_px(h->ky, 13);
    if (h->width < 320 + 60)
        h->width = 380;
    t1 = 20 + plog_svg_text_px(h->line2, 12);
    t2 = 20 + plog_svg_text_px(h->line3, 12);
    if (t1 > h->width)
        h->width = t1;
    if (t2 > h->width)
        h->width = t2;
    h->height = top + (double)h->ny * h->chh + 100;
}

/* "METRIC by KX and KY", escaped. */
static void heat_what(const heat_t *h, plog_buf_t *b)
{
    plog_buf_xml(b, h->s->h->metric);
    plog_buf_printf(b, " by ");
    plog_buf_xml(b, h->kx);
    plog_buf_printf(b, " and ");
    plog_buf_xml(b, h->ky);
}

/* The start of the picture: the svg tag, the scale's gradient, the title lines. */
static void heat_draw_head(const heat_t *h, plog_buf_t *b)
{
    char color[8];
    plog_svg_open(b, h->width, h->height);
    plog_buf_printf(b, "data-cells=\"%zu\">\n<title>", h->nx * h->ny);
    heat_what(h, b);
    plog_buf_printf(b, "</title>\n<defs><linearGradient id=\"scale\">");
    for (int i = 0; i <= 10; i++) {
        viridis(i / 10.0, color);
        plog_buf_printf(b, "<stop offset=\"%d%%\" stop-color=\"%s\"/>", i * 10, color);
    }
    plog_buf_printf(b, "</linearGradient></defs>\n"
                    "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    /* title: what is shown, then the sweep, then how the other axes were handled */
    plog_buf_printf(b, "<text class=\"title\" x=\"20\" y=\"28\" font-size=\"17\" "
                    "font-weight=\"bold\">average ");
    heat_what(h, b);
    plog_buf_printf(b, "</text>\n");
    plog_svg_line(b, "subtitle", 50, "", h->line2);
    plog_svg_line(b, "axes-note", 68, "", h->line3);
    if (h->notes[0] != '\0')
        plog_svg_line(b, "notes", 86, " fill=\"#b00000\"", h->notes);
}

/* How a cell looks: its class, fill, ink, main text and the line below it (NULL for none). */
typedef struct {
    const char *cls, *fill, *ink, *sub;
    char color[8], text[64], sub_buf[64];
    int isbest, faded;
} look_t;

static void heat_look(const heat_t *h, const cell_t *c, int isbest, look_t *k)
{
    k->isbest = isbest;
    k->faded = 0;
    k->ink = "#000";
    k->sub = NULL;
    k->text[0] = '\0';
    if (!isnan(c->value)) {
        double g = 1;
        if (!isnan(h->worst) && h->bestv != h->worst)
            g = (c->value - h->worst) / (h->bestv - h->worst);
        viridis(g, k->color);
        k->fill = k->color;
        k->ink = g < 0.6 ? "#fff" : "#000";
        k->cls = isbest ? "cell best" : "cell";
        snprintf(k->text, sizeof k->text, "%.*g", h->digits, c->value);
        if (c->nval < c->nmaps) {
            snprintf(k->sub_buf, sizeof k->sub_buf, "%zu of %zu maps", c->nval, c->nmaps);
            k->sub = k->sub_buf;
        } else if (c->ncomplete < c->nmaps) {
            k->sub = "folds missing";
        }
        k->faded = k->sub != NULL && !isbest; /* provisional: lighter, dark text */
        if (k->faded)
            k->ink = "#000";
        if (isbest)
            k->sub = h->a->average ? "\xe2\x98\x85 best mean" : "\xe2\x98\x85 best";
    } else if (c->nfailed > 0) {
        k->cls = "cell failed";
        k->fill = "#bdbdbd";
        snprintf(k->text, sizeof k->text, "failed");
    } else if (c->nmaps > 0) {
        k->cls = "cell pending";
        k->fill = "#eeeeee";
        snprintf(k->text, sizeof k->text, "no result");
    } else {
        k->cls = "cell empty";
        k->fill = "#ffffff";
        snprintf(k->text, sizeof k->text, "no map");
    }
}

/* One cell: its rect with data- attributes and a tooltip, its value and the line below. */
static void heat_draw_cell(const heat_t *h, plog_buf_t *b, size_t xi, size_t yi)
{
    const plog_sweep_t *s = h->s;
    const cell_t *c = &h->cells[yi * h->nx + xi];
    double x = h->gx + (double)xi * h->cw, y = h->gy + (double)(h->ny - 1 - yi) * h->chh;
    char val[128];
    look_t k;

    heat_look(h, c, (long)(yi * h->nx + xi) == h->bestcell, &k);
    plog_buf_printf(b, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                    "height=\"%.1f\" fill=\"%s\"%s stroke=\"%s\" stroke-width=\"%s\" data-x=\"",
                    k.cls, x, y, h->cw, h->chh, k.fill, k.faded ? " fill-opacity=\"0.55\"" : "",
                    k.isbest ? "#d00000" : "#ffffff", k.isbest ? "4" : "1");
    plog_value_text(h->xs[xi], val, sizeof val);
    plog_buf_xml(b, val);
    plog_buf_printf(b, "\" data-y=\"");
    plog_value_text(h->ys[yi], val, sizeof val);
    plog_buf_xml(b, val);
    plog_buf_printf(b, "\" data-maps=\"%s\"", c->maps);
    if (!isnan(c->value)) {
        plog_fmt_double(c->value, val, sizeof val);
        plog_buf_printf(b, " data-value=\"%s\"", val);
    }
    plog_buf_printf(b, "><title>");
    plog_value_text(h->xs[xi], val, sizeof val);
    plog_buf_xml(b, h->kx);
    plog_buf_printf(b, "=");
    plog_buf_xml(b, val);
    plog_value_text(h->ys[yi], val, sizeof val);
    plog_buf_printf(b, ", ");
    plog_buf_xml(b, h->ky);
    plog_buf_printf(b, "=");
    plog_buf_xml(b, val);
    if (c->nmaps == 1 && !isnan(c->value))
        plog_buf_printf(b, ": %s %.*g%s%.3g over %d folds (map #%ld)", s->h->metric, h->digits,
                        c->value, plog_utf8() ? " \xc2\xb1 " : " +- ", s->maps[c->map].std,
                        s->maps[c->map].ok, c->map);
    else if (c->nmaps > 0)
        plog_buf_printf(b, ": %s (maps %s)", k.text, c->maps);
    plog_buf_printf(b, "</title></rect>\n");
    plog_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" text-anchor=\"middle\" "
                    "fill=\"%s\"%s>%s</text>\n", x + h->cw / 2,
                    y + (k.sub != NULL ? h->chh / 2 - 2 : h->chh / 2 + 5), k.ink,
                    k.isbest ? " font-weight=\"bold\"" : "", k.text);
    if (k.sub != NULL)
        plog_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
                        "text-anchor=\"middle\" fill=\"%s\">%s</text>\n", x + h->cw / 2,
                        y + h->chh / 2 + 12, k.ink, k.sub);
}

/* The axes (the values along the grid, the param names beyond them) and the color scale,
 * worst on the left, best on the right. */
static void heat_draw_axes(const heat_t *h, plog_buf_t *b)
{
    double gx = h->gx, gy = h->gy, cw = h->cw, chh = h->chh, sx, sy;
    size_t nx = h->nx, ny = h->ny;
    char val[128];

    for (size_t xi = 0; xi < nx; xi++) {
        plog_value_text(h->xs[xi], val, sizeof val);
        plog_buf_printf(b, "<text class=\"xtick\" x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
                        "text-anchor=\"middle\">", gx + (xi + 0.5) * cw,
                        gy + (double)ny * chh + 17);
        plog_buf_xml(b, val);
        plog_buf_printf(b, "</text>\n");
    }
    plog_buf_printf(b, "<text class=\"xlabel\" x=\"%.1f\" y=\"%.1f\" font-size=\"13\" "
                    "font-weight=\"bold\" text-anchor=\"middle\">", gx + nx * cw / 2,
                    gy + (double)ny * chh + 36);
    plog_buf_xml(b, h->kx);
    plog_buf_printf(b, "</text>\n");
    for (size_t yi = 0; yi < ny; yi++) {
        plog_value_text(h->ys[yi], val, sizeof val);
        plog_buf_printf(b, "<text class=\"ytick\" x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
                        "text-anchor=\"end\">", gx - 8,
                        gy + (double)(ny - 1 - yi) * chh + chh / 2 + 4);
        plog_buf_xml(b, val);
        plog_buf_printf(b, "</text>\n");
    }
    /* horizontal, above the y values: a rotated name would not fit beside a short grid */
    plog_buf_printf(b, "<text class=\"ylabel\" x=\"%.1f\" y=\"%.1f\" font-size=\"13\" "
                    "font-weight=\"bold\">", 20.0, gy - 10);
    plog_buf_xml(b, h->ky);
    plog_buf_printf(b, " \xe2\x86\x91</text>\n");

    sx = gx;
    sy = gy + (double)ny * chh + 56;
    plog_buf_printf(b, "<rect class=\"scale\" x=\"%.1f\" y=\"%.1f\" width=\"240\" "
                    "height=\"12\" fill=\"url(#scale)\"/>\n", sx, sy);
    if (!isnan(h->worst)) {
        plog_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%.*g</text>\n", sx,
                        sy + 26, h->digits, h->worst);
        plog_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
                        "text-anchor=\"end\">%.*g</text>\n", sx + 240, sy + 26, h->digits,
                        h->bestv);
    }
    plog_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">worse "
                    "\xe2\x86\x90 ", sx + 252, sy + 10);
    plog_buf_xml(b, h->s->h->metric);
    plog_buf_printf(b, " \xe2\x86\x92 better; grey: failed</text>\n");
}

int plog_cmd_heatmap(const plog_args_t *a)
{
    heat_t h = {.a = a, .worst = NAN, .bestv = NAN, .ref = -1, .bestcell = -1};
    plog_buf_t b = {NULL, 0, 0, 0};
    int rc;

    if ((h.s = plog_sweep_load(a->file[0], a->metric, &rc)) == NULL)
        return rc;
    if ((rc = heat_axes(&h)) != 0 || (rc = heat_fill(&h)) != 0) {
        if (rc < 0)
            rc = plog_nomem(h.s->file);
        goto out;
    }
    heat_texts(&h);
    heat_layout(&h);
    heat_draw_head(&h, &b);
    /* the cells; row 0 is the largest y, at the top */
    for (size_t yi = 0; yi < h.ny; yi++)
        for (size_t xi = 0; xi < h.nx; xi++)
            heat_draw_cell(&h, &b, xi, yi);
    heat_draw_axes(&h, &b);
    rc = plog_svg_close(&b, a->out); /* frees b, which nothing fills before here */
out:
    free(h.cells);
    free(h.others);
    free(h.xs);
    free(h.ys);
    plog_sweep_destroy(&h.s);
    return rc;
}
