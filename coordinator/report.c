/* report.c - progress, notes, the table and the closing lines of tune (see report.h). */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pt_common.h"

void pt_report_init(pt_report_t *r, int quiet, const char *metric)
{
    memset(r, 0, sizeof *r);
    r->quiet = quiet;
    r->metric = metric;
    r->tty = isatty(STDERR_FILENO);
    r->t0 = pt_now();
    r->last = r->t0; /* the first plain progress line comes after a few seconds */
}

static void fmt_dur(double sec, char *buf, size_t len)
{
    long t = sec < 0 || !isfinite(sec) ? 0 : (long)(sec + 0.5);
    if (t >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, len, "%02ld:%02ld", t / 60, t % 60);
}

void pt_report_progress(pt_report_t *r, const pt_progress_t *p, const pt_results_t *res,
                        int final)
{
    double now = pt_now(), el = now - r->t0, val = 0;
    char line[320], e1[32], e2[32], bb[96] = "";
    long best;

    if (r->quiet)
        return;
    if (!final && now - r->last < (r->tty ? 0.25 : 5.0))
        return;
    if (final && !r->tty)
        return;
    r->last = now;
    fmt_dur(el, e1, sizeof e1);
    if (p->done > 0 && p->total > p->done)
        fmt_dur(el / (double)p->done * (double)(p->total - p->done), e2, sizeof e2);
    else
        snprintf(e2, sizeof e2, "--:--");
    best = pt_results_best(res, &val);
    if (best >= 0)
        snprintf(bb, sizeof bb, ", best %s %.6g (#%ld)", r->metric, val, best);
    snprintf(line, sizeof line, "paratune: %zu/%zu jobs done, %zu running, %zu failed, %s "
             "elapsed, ETA %s%s", p->done, p->total, p->running, p->failed, e1, e2, bb);
    if (r->tty) {
        fprintf(stderr, "\r\033[K%s", final ? "" : line);
        r->drawn = !final;
    } else {
        fprintf(stderr, "%s\n", line);
    }
    fflush(stderr);
}

void pt_report_note(pt_report_t *r, const char *fmt, ...)
{
    va_list ap;
    if (r->quiet)
        return;
    if (r->tty && r->drawn) { /* move the cursor off the live progress line */
        fputs("\r\033[K", stderr);
        r->drawn = 0;
    }
    fputs("paratune: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int pt_report_table(const pt_results_t *res, const pt_paramlist_t *maps, const char *metric,
                    long best)
{
    char *table = pt_results_table(res, maps, metric, best);
    if (table == NULL)
        return -ENOMEM;
    fputs(table, stdout);
    free(table);
    return 0;
}

void pt_report_timing(const pt_timing_t *t)
{
    char pinned[300] = "";
    size_t n = 0;
    if (t->pinned != NULL)
        n = (size_t)snprintf(pinned, sizeof pinned, "; pinned to CPUs %s", t->pinned);
    if (t->codes_bytes > 0 && n < sizeof pinned)
        n += (size_t)snprintf(pinned + n, sizeof pinned - n, "; tree codes %.1f MiB shared",
                              (double)t->codes_bytes / (1 << 20));
    if (t->nstats > 0 && n < sizeof pinned) /* the moments cache's phase (pt_stats.h) */
        n += (size_t)snprintf(pinned + n, sizeof pinned - n, "; stats %zu jobs %.3fs",
                              t->nstats, t->stats);
    if (t->first_sent > 0 && n < sizeof pinned)
        snprintf(pinned + n, sizeof pinned - n, "; first job sent at %.3fs", t->first_sent);
    fprintf(stderr, "paratune: load %.3fs, shared memory %.3fs, sweep %.3fs (%zu jobs, "
            "parallelism %ld), refit %.3fs; coordinator CPU in the sweep %.3fs (%.1f us "
            "per job)%s\n", t->load, t->shm, t->sweep, t->jobs, t->parallelism, t->refit,
            t->cpu_sweep, t->jobs ? t->cpu_sweep / (double)t->jobs * 1e6 : 0.0, pinned);
}

/* Why map i is not complete, on stderr. Returns 1 when a job of it failed (rather than
 * giving a non-finite metric). */
static int report_incomplete(const pt_results_t *res, const pt_paramlist_t *maps,
                             const char *metric, size_t i)
{
    size_t nfolds = pt_results_nfolds(res), f, bad_fold = nfolds;
    char pbuf[512];
    pt_paramlist_format(&maps[i], pbuf, sizeof pbuf);
    for (f = 0; f < nfolds; f++) {
        double m;
        pt_fold_state_t fs = pt_results_get(res, i, f, &m);
        if (fs == PT_FOLD_FAILED)
            break;
        if (bad_fold == nfolds && fs == PT_FOLD_OK && !isfinite(m))
            bad_fold = f;
    }
    if (f < nfolds)
        fprintf(stderr, "paratune: param map %zu (%s) failed; see the log for the reason\n", i,
                pbuf);
    else
        fprintf(stderr, "paratune: param map %zu (%s): %s is not a finite number in fold %zu "
                "(for example r2 of a constant label); left out of the choice\n", i, pbuf,
                metric, bad_fold);
    return f < nfolds;
}

int pt_report_outcome(const pt_results_t *res, const pt_paramlist_t *maps, const char *metric,
                      long best, size_t not_converged, size_t finished, int quiet)
{
    size_t nmaps = pt_results_nmaps(res), all_failed_jobs = 0;
    if (not_converged > 0 && !quiet)
        fprintf(stderr, "paratune: %zu of %zu fits stopped at maxIter before meeting tol "
                "(\"converged\": false in the log); raise maxIter or tol for those maps\n",
                not_converged, finished);
    for (size_t i = 0; i < nmaps; i++) {
        pt_map_stats_t st;
        pt_results_map(res, i, &st);
        if (st.state == PT_MAP_FAILED) /* partial: left by a time budget or a race */
            all_failed_jobs += (size_t)report_incomplete(res, maps, metric, i);
    }
    if (best < 0) {
        if (all_failed_jobs == nmaps)
            fprintf(stderr, "paratune: every param map failed\n");
        else
            fprintf(stderr, "paratune: no param map has a finite average %s\n", metric);
        return 0;
    }
    {
        char pbuf[1024];
        pt_map_stats_t st;
        pt_results_map(res, (size_t)best, &st);
        pt_paramlist_format(&maps[best], pbuf, sizeof pbuf);
        printf("best: #%ld %s%s%s=%.10g\n", best, pbuf, pbuf[0] ? " " : "", metric, st.avg);
    }
    return 1;
}

void pt_report_resume_hint(int argc, char **argv, int resume)
{
    fputs("paratune: to finish the sweep, run: paratune", stderr);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--overwrite") == 0)
            continue;
        if (a[strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                        "-_=.,:/+@%")] == '\0' && *a != '\0') {
            fprintf(stderr, " %s", a);
        } else {
            fputs(" '", stderr);
            for (; *a; a++)
                fputs(*a == '\'' ? "'\\''" : (char[]){*a, 0}, stderr);
            fputc('\'', stderr);
        }
    }
    fputs(resume ? "\n" : " --resume\n", stderr);
}
