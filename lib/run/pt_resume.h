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

/* This run's number in the log (result records' "run"): one more than the highest there,
 * and at least 2 when the log has results from before runs were recorded (run 0); 1 for a
 * log without results. */
int32_t pt_resume_run(const pt_logfile_t *prev);

#endif
