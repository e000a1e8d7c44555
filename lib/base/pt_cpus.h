/* pt_cpus.h - CPU lists for --pin-cpus: the CPUs this process may run on, a list written as
 * "0-3,8", and where each worker goes.
 *
 * Why pin at all: a job is a round trip of ZeroMQ messages, and each message wakes a thread
 * (the sender's I/O thread, then the receiver's). A wake-up on another CPU is an interrupt
 * to that CPU, and in a virtual machine an idle CPU that is woken costs the most. When the
 * coordinator and its I/O thread share a CPU, and each worker and its I/O thread share one,
 * most wake-ups stay on one CPU; with tiny jobs that is the difference between about 13,000
 * and 22,000 jobs per second on 2 cores (make bench, workload c).
 */
#ifndef PT_CPUS_H
#define PT_CPUS_H

#include <sched.h>
#include <stddef.h>

#define PT_CPUS_MAX CPU_SETSIZE

/* The CPUs this process may run on (its affinity mask), ascending, into cpus (cap entries).
 * Returns how many, at least 1 (CPU 0 when the mask cannot be read). */
int pt_cpus_usable(int *cpus, int cap);

/* How many CPUs pt_cpus_usable lists (without the list): at least 1. */
int pt_cpus_count(void);

/* Parses a list such as "0-3,8,10-11" into cpus (cap entries) in the order written. Every
 * CPU must be in usable[0..nusable) (pass nusable 0 to skip that check) and appear once.
 * Returns the count (>= 1), or -1 with the reason in err. */
int pt_cpus_parse(const char *s, const int *usable, int nusable, int *cpus, int cap, char *err);

/* Writes cpus as a compact list ("0-3,8") into buf (len bytes), in their order; runs are
 * ascending ones. Returns buf. */
char *pt_cpus_format(const int *cpus, int n, char *buf, size_t len);

/* The CPUs of worker slot `slot` with `threads` BLAS threads each: the next `threads` CPUs
 * of the list, slot after slot, wrapping around (so slots get distinct CPUs while there are
 * enough, and the fewest share one when there are not). The coordinator takes cpus[0]: it
 * shares with slot 0, whose messages it then exchanges without a cross-CPU wake-up. */
void pt_cpus_slot(const int *cpus, int n, size_t slot, long threads, cpu_set_t *set);

#endif
