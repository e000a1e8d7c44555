/* gen.c - `paratune gen`: writes a synthetic regression dataset as CSV.
 *
 * The data comes from pt_synth_regression (correlated features, linear label plus noise) and
 * is written by pt_csv_write through a temporary file and rename, so the output is whole or
 * absent.
 */
#include <getopt.h>
#include <stdio.h>

#include "options.h"
#include "pt_common.h"
#include "pt_csv.h"
#include "pt_dataset.h"
#include "pt_synth.h"
#include "tune.h"

int pt_gen_main(int argc, char **argv)
{
    static const struct option lo[] = {{"rows", required_argument, NULL, 'r'},
                                       {"features", required_argument, NULL, 'f'},
                                       {"seed", required_argument, NULL, 's'},
                                       {"out", required_argument, NULL, 'o'},
                                       {NULL, 0, NULL, 0}};
    long rows = 0, features = 0, seed = 0;
    const char *out = NULL;
    int c;
    unsigned char seen[256] = {0};
    pt_dataset_t *ds;
    char err[PT_ERRLEN];

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
        if (pt_opt_once(seen, sizeof seen, c, lo, optarg, "given twice") != 0)
            return PT_EXIT_USAGE;
        switch (c) {
        case 'r':
            if (pt_parse_long(optarg, &rows) != 0 || rows < 2)
                return pt_bad_opt("--rows", optarg, "must be an integer >= 2");
            break;
        case 'f':
            if (pt_parse_long(optarg, &features) != 0 || features < 1 || features > 100000)
                return pt_bad_opt("--features", optarg, "must be an integer in [1, 100000]");
            break;
        case 's':
            if (pt_parse_long(optarg, &seed) != 0 || seed < 0)
                return pt_bad_opt("--seed", optarg, "must be an integer >= 0");
            break;
        case 'o': out = optarg; break;
        default:
            return pt_opt_fail(c, argv, "of gen");
        }
    }
    if (rows == 0 || features == 0 || out == NULL)
        return pt_bad_opt("gen", NULL, "--rows, --features and --out are required");
    ds = pt_synth_regression((size_t)rows, (size_t)features, (uint64_t)seed);
    if (ds == NULL) {
        fprintf(stderr, "paratune: gen: out of memory\n");
        return PT_EXIT_FAIL;
    }
    if (pt_csv_write(ds, out, err) != 0) {
        fprintf(stderr, "paratune: %s\n", err);
        pt_dataset_destroy(&ds);
        return PT_EXIT_USAGE;
    }
    pt_dataset_destroy(&ds);
    return PT_EXIT_OK;
}
