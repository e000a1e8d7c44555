/* fuzz_grid.c - libFuzzer target: the pipeline and param grid parser (lib/ml/pt_params:
 * pt_spec_new, pt_spec_add_axis, pt_spec_set, pt_spec_add_random, and through them every
 * stage's param value parser, pt_param_parse), without the option layer in front.
 *
 * The input is text: the first line is the pipeline, every further line one of "g S.P=V,..."
 * (--grid), "s S.P=V" (--set), "r S.P=DIST" (--random), "n N" (--samples; 1 when not
 * given) or "f N" (the data's width for pt_spec_check). The maps are then made as tune makes them (fuzz_spec.h).
 * Any crash, leak, undefined behaviour, hang or huge allocation is a finding.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "fuzz_spec.h"
#include "pt_common.h"
#include "pt_params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One line after the pipeline; 0 or the parser's error. */
static int one_line(pt_spec_t *spec, const char *line, size_t *features)
{
    char err[PT_ERRLEN];
    long n;
    if (line[0] == '\0' || line[1] != ' ')
        return 0;
    switch (line[0]) {
    case 'g': return pt_spec_add_axis(spec, line + 2, err);
    case 's': return pt_spec_set(spec, line + 2, err);
    case 'r': return pt_spec_add_random(spec, line + 2, err);
    case 'n':
        if (pt_parse_long(line + 2, &n) == 0 && n >= 1 && n <= 10000000)
            pt_spec_set_samples(spec, (size_t)n, 7);
        return 0;
    case 'f':
        if (pt_parse_long(line + 2, &n) == 0 && n >= 1 && n <= 1000000)
            *features = (size_t)n;
        return 0;
    default: return 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[PT_ERRLEN], *text, *p, *nl;
    size_t features = 10;
    pt_spec_t *spec;
    int rc = 0;

    fuzz_quiet();
    text = fuzz_copy(data, size, 1);
    nl = strchr(text, '\n');
    if (nl != NULL)
        *nl = '\0';
    spec = pt_spec_new(text, err);
    if (spec != NULL) /* as tune: random axes always come with --samples N >= 1 */
        pt_spec_set_samples(spec, 1, 7);
    for (p = nl != NULL ? nl + 1 : NULL; spec != NULL && rc == 0 && p != NULL; p = nl) {
        nl = strchr(p, '\n');
        if (nl != NULL)
            *nl++ = '\0';
        rc = one_line(spec, p, &features);
    }
    if (spec != NULL && rc == 0)
        fuzz_spec_maps(spec, features, "regression", NULL);
    pt_spec_destroy(&spec);
    free(text);
    return 0;
}
