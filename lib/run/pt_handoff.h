/* pt_handoff.h - a worker's command line and descriptors, handed to a worker that waits.
 *
 * The coordinator starts its workers before the data is loaded (coordinator/procs.h, "warm
 * workers"): each is exec'd with only PT_HANDOFF_ARG N (one end of a SOCK_SEQPACKET pair) and
 * its parent's pid, loads its libraries, and blocks on that socket. When a slot needs it, the
 * coordinator sends one message: the command line the worker would have been exec'd with
 * and, as SCM_RIGHTS, the descriptors it would have inherited, with their numbers in the
 * coordinator (the command line names those numbers: --image-fd 4), so that the worker can
 * put each where the command line says (h->theirs[k] is where h->mine[k] goes). End of file on the socket means
 * the coordinator will never need it: it exits quietly.
 *
 * The message: int32 n, n int32 descriptor numbers (the sender's), then the arguments, each
 * NUL-terminated, argv[0] first; at most PT_HANDOFF_MAX bytes and PT_HANDOFF_FDS descriptors.
 */
#ifndef PT_HANDOFF_H
#define PT_HANDOFF_H

#include <stddef.h>

#define PT_HANDOFF_ARG "--wait-fd" /* a waiting worker's first argument */
#define PT_HANDOFF_MAX 8192        /* bytes in a message, at most */
#define PT_HANDOFF_FDS 8           /* descriptors in a message, at most */
#define PT_HANDOFF_ARGS 64         /* arguments in a message, at most */
#define PT_HANDOFF_PAD 1024        /* the padding argument of a waiting worker (the room for
                                    * the command line it is handed, as /proc shows it) */

/* What a waiting worker received: argv (argc strings and a NULL, pointing into buf), and
 * for each of the nfds descriptors the sender's number and its own. */
typedef struct {
    char buf[PT_HANDOFF_MAX];
    char *argv[PT_HANDOFF_ARGS + 1];
    int argc;
    int nfds;
    int theirs[PT_HANDOFF_FDS], mine[PT_HANDOFF_FDS];
} pt_handoff_t;

/* Sends argv (NULL-terminated) and the nfds descriptors fds[] (at most PT_HANDOFF_FDS) on
 * sock in one message, without SIGPIPE. Returns 0, -E2BIG (too many arguments, bytes or
 * descriptors), or a negative errno of sendmsg (-EPIPE: the worker is gone). */
int pt_handoff_send(int sock, char *const argv[], const int *fds, size_t nfds);

/* Waits for one message on sock and fills h (its descriptors close-on-exec). Returns 0, 1 at
 * end of file (nothing sent), or a negative errno with err set (a system error, or a message
 * that is not one: -EPROTO; any descriptors it carried are closed). */
int pt_handoff_recv(int sock, pt_handoff_t *h, char *err);

#endif
