/* tune.h - `paratune tune`: the coordinator of a tuning sweep, and `paratune gen`. */
#ifndef PT_TUNE_H
#define PT_TUNE_H

#include <stdio.h>

/* Runs `paratune tune` with its arguments (argv[0] is "tune"). Returns the exit code. */
int pt_tune_main(int argc, char **argv);
/* Runs `paratune predict`. Returns the exit code. */
int pt_predict_main(int argc, char **argv);
/* Writes s as a CSV field (predict.c): as it is, or in double quotes (doubled inside) when it
 * holds a comma, a quote or a line end, or starts or ends with a blank. */
void pt_predict_put_field(FILE *f, const char *s);
/* Runs `paratune gen`. Returns the exit code. */
int pt_gen_main(int argc, char **argv);

#endif
