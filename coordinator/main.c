/* main.c - paratune: entry point and sub-command dispatch.
 *
 *   paratune gen  ...   write a synthetic regression dataset
 *   paratune tune ...   tune a pipeline's params (the coordinator)
 *   paratune predict    apply a model written by tune --model-out
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <cblas.h>

#include "pt_common.h"
#include "pt_exit.h"
#include "pt_link.h"
#include "pt_pid.h"
#include "tune.h"

#define PT_VERSION "0.1.0"

static void usage(FILE *f)
{
    fputs("usage: paratune tune --data FILE --pipeline STAGES [options]   (paratune tune --help)\n"
          "       paratune predict --model FILE --data FILE --out FILE\n"
          "       paratune gen --rows N --features P [--seed S] --out FILE\n"
          "       paratune keygen FILE   (a sweep's key file for --listen and paratune-agent)\n"
          "       paratune --version\n", f);
}

/* OpenBLAS's pthread build starts cores-1 helper threads when it is loaded, and each spins
 * (sched_yield) for about 0.1 s waiting for work before it sleeps: on a small machine that
 * takes a core from the CSV parse and the workers' start-up. The coordinator's own BLAS calls
 * are small (statistics merges, metric checks), so tune runs them on its own thread and stops
 * the helpers at once. blas_thread_shutdown_ is what OpenBLAS's fork handler calls; it is
 * looked up rather than linked, as builds without a thread server lack it. */
static void blas_single_thread(void)
{
    void *shutdown = dlsym(RTLD_DEFAULT, "blas_thread_shutdown_");
    openblas_set_num_threads(1);
    if (shutdown != NULL)
        ((int (*)(void))shutdown)();
}

/* paratune keygen FILE: a new key file for one sweep (tune --listen --key FILE, and
 * paratune-agent --key FILE on every node); an existing FILE is never replaced. */
static int keygen(int argc, char **argv)
{
    char err[PT_ERRLEN];
    if (argc != 2 || argv[1][0] == '-') {
        fputs("usage: paratune keygen FILE\n", stderr);
        return PT_EXIT_USAGE;
    }
    if (pt_link_keygen(argv[1], NULL, err) != 0) {
        fprintf(stderr, "paratune: keygen: %s\n", err);
        return PT_EXIT_USAGE;
    }
    return PT_EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return PT_EXIT_USAGE;
    }
    if (strcmp(argv[1], "tune") == 0) {
        pt_pid_cache(); /* ZeroMQ's fork checks: no system call each (pt_pid.h) */
        blas_single_thread();
        return pt_tune_main(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "predict") == 0)
        return pt_predict_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "keygen") == 0)
        return keygen(argc - 1, argv + 1);
    if (strcmp(argv[1], "gen") == 0)
        return pt_gen_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "--version") == 0) {
        printf("paratune %s\n", PT_VERSION);
        return PT_EXIT_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return PT_EXIT_OK;
    }
    fprintf(stderr, "paratune: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return PT_EXIT_USAGE;
}
