/* pt_follow.h - keeps a process's ZeroMQ I/O threads on the CPU its main thread runs on.
 *
 * A near-empty job's round trip is six thread wake-ups: on each side the application thread
 * and the ZeroMQ I/O thread wake each other, and the two I/O threads wake each other over the
 * socket. A wake-up on another CPU costs several times one on the same CPU (an
 * inter-processor interrupt; in a virtual machine often the wake-up of a halted virtual CPU).
 * Unpinned (--pin-cpus off), the kernel places every thread on its own and often separates a
 * process from its I/O thread. This module is the soft placement used then: the application
 * thread runs wherever the kernel puts it, and its I/O threads follow it there (their
 * affinity is set to the thread's current CPU, and set again when the kernel moves the
 * thread). No thread is held on a fixed CPU: the owner's own affinity is never touched, and
 * its I/O threads go wherever it goes.
 */
#ifndef PT_FOLLOW_H
#define PT_FOLLOW_H

#include <sys/types.h>

#define PT_FOLLOW_MAX 4

typedef struct {
    pid_t tids[PT_FOLLOW_MAX]; /* the I/O threads found (Linux thread ids) */
    int n;                     /* how many were found */
    int want;                  /* how many the context has; 0: following is off */
    int scans;                 /* /proc scans made (a new thread names itself a little late) */
    int cpu;                   /* the CPU they are held on now; -1: none yet */
} pt_follow_t;

/* Follows the io_threads (ZMQ_IO_THREADS of the context, normally 1) ZeroMQ I/O threads of
 * this process from now on, found by name ("ZMQbg/IO/N") in /proc/self/task: a context starts
 * them with its first socket, so call it after that. Nothing is followed (every step is a
 * no-op) when io_threads is 0 or the caller may run on one CPU only (pinned). No error: where
 * the threads cannot be found (no /proc) the process runs as without this module. */
void pt_follow_init(pt_follow_t *f, int io_threads);

/* Moves the I/O threads to the calling thread's current CPU if they are not held there yet.
 * While the thread stays where it is, this is one read of its CPU number (no system call). */
void pt_follow_step(pt_follow_t *f);

#endif
