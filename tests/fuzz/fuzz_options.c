/* fuzz_options.c - libFuzzer target: the command line of `paratune tune` (coordinator/
 * options.c: every option's value, the names lists, --pin-cpus lists, sizes, the checks of
 * options together) and then the pipeline, grid, fixed and random params they name, as tune
 * checks them before reading any file (fuzz_spec.h).
 *
 * The input is the argument list after "tune", one argument a line. Any crash, leak,
 * undefined behaviour, hang or huge allocation is a finding; a refusal (exit code 2 with one
 * line) is the expected answer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../coordinator/options.h"
#include "fuzz_common.h"
#include "fuzz_spec.h"
#include "pt_common.h"
#include "pt_params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Arguments at most: a longer list is cut (getopt's cost is not the parser's). */
#define FUZZ_ARGS_MAX 64

static void spec_from_opts(const opts_t *o)
{
    char err[PT_ERRLEN];
    pt_spec_t *spec = pt_spec_new(o->pipeline, err);
    int rc = spec == NULL;
    for (size_t i = 0; rc == 0 && i < o->ngrid; i++)
        rc = pt_spec_add_axis(spec, o->grid[i], err);
    for (size_t i = 0; rc == 0 && i < o->nset; i++)
        rc = pt_spec_set(spec, o->set[i], err);
    for (size_t i = 0; rc == 0 && i < o->nrandom; i++)
        rc = pt_spec_add_random(spec, o->random[i], err);
    if (rc == 0) {
        pt_spec_set_samples(spec, (size_t)o->samples, o->seed);
        fuzz_spec_maps(spec, 1 + (size_t)o->folds % 64, o->evaluator, o->metric);
    }
    pt_spec_destroy(&spec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text, *argv[FUZZ_ARGS_MAX + 2];
    int argc = 0;
    opts_t o;

    fuzz_quiet();
    text = fuzz_copy(data, size, 1);
    argv[argc++] = "tune";
    for (char *p = text; argc <= FUZZ_ARGS_MAX;) {
        char *nl = memchr(p, '\n', size - (size_t)(p - text));
        argv[argc++] = p;
        if (nl == NULL)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    argv[argc] = NULL;
    if (pt_opts_parse(argc, argv, &o) == 0)
        spec_from_opts(&o);
    pt_opts_free(&o);
    free(text);
    return 0;
}
