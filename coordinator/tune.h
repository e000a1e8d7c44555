/* tune.h - `paratune tune`: the coordinator of a tuning sweep, and `paratune gen`. */
#ifndef PT_TUNE_H
#define PT_TUNE_H

/* Runs `paratune tune` with its arguments (argv[0] is "tune"). Returns the exit code. */
int pt_tune_main(int argc, char **argv);
/* Runs `paratune predict`. Returns the exit code. */
int pt_predict_main(int argc, char **argv);
/* Runs `paratune gen`. Returns the exit code. */
int pt_gen_main(int argc, char **argv);

#endif
