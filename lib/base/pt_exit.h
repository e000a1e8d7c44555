/* pt_exit.h - the process exit codes of paratune, paratune-worker and paratune-log.
 *
 * Written down here once and documented in README.md ("Exit codes"). Programs choose them
 * from return values (a negative errno, or a status a phase returns), never from message text.
 */
#ifndef PT_EXIT_H
#define PT_EXIT_H

/* Process exit codes of paratune, paratune-worker and paratune-log. */
enum {
    PT_EXIT_OK = 0,       /* finished; every param map has a metric */
    PT_EXIT_FAIL = 1,     /* finished abnormally: every param map failed, or a system error */
    PT_EXIT_USAGE = 2,    /* bad input: option, file, param value; nothing was written */
    PT_EXIT_WORKER_SETUP = 2, /* paratune-worker: a fatal setup error before HELLO (bad
                             arguments, unmappable image, cannot connect); the
                             coordinator never starts another worker after it (nginx's rule) */
    PT_EXIT_FAILPOINT = 3, /* paratune-worker: the "exit" failpoint (tests only) */
    PT_EXIT_SIGINT = 130, /* stopped by SIGINT, log resumable */
    PT_EXIT_SIGTERM = 143 /* stopped by SIGTERM, log resumable */
};

#endif
