/* fuzz_spec.h - what the option and grid targets do with a parsed spec: what tune does
 * before it reads a file (pt_spec_check against a data width, for grids of at most
 * FUZZ_SPEC_CHECK_MAX maps; the evaluator) and the param maps it makes (the first
 * FUZZ_SPEC_MAPS and the last, each with its defaults filled in).
 */
#ifndef FUZZ_SPEC_H
#define FUZZ_SPEC_H

#include <stddef.h>

#include "pt_common.h"
#include "pt_eval.h"
#include "pt_params.h"
#include "pt_value.h"

#define FUZZ_SPEC_MAPS 32
#define FUZZ_SPEC_CHECK_MAX 20000

/* Checks spec against data of width features and evaluator/metric, then makes its maps. */
static inline void fuzz_spec_maps(const pt_spec_t *spec, size_t features, const char *evaluator,
                                  const char *metric)
{
    char err[PT_ERRLEN];
    pt_evaluator_t ev;
    pt_metric_t mt;
    size_t n;
    (void)pt_eval_lookup(evaluator, metric, &ev, &mt, err);
    n = pt_spec_nmaps(spec);
    /* pt_spec_check goes through every map, by design: a grid of millions takes seconds, and
     * tune refuses one that large before (--max-fits), so a huge one is only counted here */
    if (n > FUZZ_SPEC_CHECK_MAX || pt_spec_check(spec, features, err) != 0)
        return;
    for (size_t i = 0; i < n; i = i + 1 < FUZZ_SPEC_MAPS || i + 1 == n ? i + 1 : n - 1) {
        pt_paramlist_t map = {0, NULL}, full = {0, NULL};
        (void)pt_spec_map(spec, i, &map);
        (void)pt_spec_full(spec, i, &full);
        pt_paramlist_free(&map);
        pt_paramlist_free(&full);
    }
}

#endif
