/* report.h - what tune tells the user: the progress line, notes, the table, the closing lines.
 *
 * stdout gets the results table and the best line (the answer); stderr gets everything about
 * the run: the progress line (redrawn in place on a terminal, a line every few seconds
 * otherwise), notes about jobs, the timing breakdown and the failed maps. --quiet silences
 * the progress, the notes and the timing, never the answer or an error.
 */
#ifndef PT_REPORT_H
#define PT_REPORT_H

#include <stddef.h>

#include "pt_results.h"
#include "pt_value.h"

/* The progress line's state. */
typedef struct {
    int quiet;
    int tty, drawn;     /* stderr is a terminal; a live line is on it */
    double t0, last;    /* the sweep's start; the last line drawn */
    const char *metric; /* the metric's name (borrowed) */
} pt_report_t;

/* The counts the progress line shows. */
typedef struct {
    size_t done, total, running, failed;
} pt_progress_t;

/* Sets up r for a sweep that starts now. */
void pt_report_init(pt_report_t *r, int quiet, const char *metric);
/* Draws the progress line when it is due (final: clears a live line). res gives the best
 * map so far. */
void pt_report_progress(pt_report_t *r, const pt_progress_t *p, const pt_results_t *res,
                        int final);
/* Prints "paratune: <fmt>" on its own line on stderr (moving off a live progress line
 * first), unless quiet. */
void pt_report_note(pt_report_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints the results table on stdout. Returns 0 or -ENOMEM. */
int pt_report_table(const pt_results_t *res, const pt_paramlist_t *maps, const char *metric,
                    long best);

/* The run's timing, for the breakdown line. */
typedef struct {
    double load, shm, sweep, refit, cpu_sweep; /* seconds */
    size_t jobs;                               /* jobs run in this sweep */
    long parallelism;
    const char *pinned;                        /* "0-3" when pinned, else NULL */
    size_t codes_bytes;                        /* the shared tree codes (pt_codes), or 0 */
    double first_sent;                         /* the first job left, seconds into the sweep */
    double stats;                              /* the stats phase's seconds (nstats jobs) */
    size_t nstats;
} pt_timing_t;

/* The timing breakdown line on stderr. */
void pt_report_timing(const pt_timing_t *t);
/* The closing lines: fits that did not converge (stderr, unless quiet), each map that is not
 * complete and why (stderr), then "best: ..." on stdout or why there is none on stderr.
 * Returns 1 when there is a best map, 0 when not. */
int pt_report_outcome(const pt_results_t *res, const pt_paramlist_t *maps, const char *metric,
                      long best, size_t not_converged, size_t finished, int quiet);
/* Tells how to finish the sweep: the command line with --resume (without --overwrite),
 * quoted for a POSIX shell. */
void pt_report_resume_hint(int argc, char **argv, int resume);

#endif
