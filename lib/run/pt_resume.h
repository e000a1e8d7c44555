/* pt_resume.h - resuming a sweep from its result log: is it the same sweep, which run is this.
 *
 * `paratune tune --resume` reads the log of an earlier run and finishes that sweep. It may
 * only do so when the log was written for the same sweep: the same data (feature columns by
 * name, when both headers record them; fingerprint and shape), pipeline, validator,
 * evaluator and grid; anything else (threads, parallelism, the data's path) may differ. The comparison lives here, beside the log it reads, so that unit
 * tests reach it.
 */
#ifndef PT_RESUME_H
#define PT_RESUME_H

#include <stddef.h>
#include <stdint.h>

#include "pt_log.h"

/* 0 when the log header old describes the same sweep as cur; else 1 with why (len bytes) set
 * to what differs, e.g. "a different grid (3 param maps; now 4)". */
int pt_resume_mismatch(const pt_log_header_t *old, const pt_log_header_t *cur, char *why,
                       size_t len);

/* --extend: as pt_resume_mismatch, but the grids may differ (pt_resume_map_index matches
 * them): 0 when old and cur describe the same data, pipeline, split and evaluator; else 1
 * with why set to the first that differs. */
int pt_resume_extend_mismatch(const pt_log_header_t *old, const pt_log_header_t *cur, char *why,
                              size_t len);

/* --extend: where each of the nold param maps of the log (old, as logged: a param a map
 * leaves out ran at its stage's default) is in the new grid, given as its maps' full param
 * sets (full[0..nnew), pt_spec_full: every param, defaults filled in), for the pipeline
 * stages[0..nstages). Values are compared as values (a float 1 equals an int 1). from[i] :=
 * the first new map equal to old map i. 0; 1 when an old map has no equal in the new grid
 * (the grid is not a superset: why says which map). */
int pt_resume_map_index(char *const *stages, size_t nstages, const pt_paramlist_t *old,
                        size_t nold, const pt_paramlist_t *full, size_t nnew, int32_t *from,
                        char *why, size_t len);

/* This run's number in the log (result records' "run"): one more than the highest there,
 * and at least 2 when the log has results from before runs were recorded (run 0); 1 for a
 * log without results. */
int32_t pt_resume_run(const pt_logfile_t *prev);

#endif
