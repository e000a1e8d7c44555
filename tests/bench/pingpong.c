/* pingpong.c - the cost of a cross-CPU wake-up on this host, for workload (o) of `make bench`.
 *
 * Two processes pass a byte back and forth over two pipes; every pass wakes the other,
 * sleeping process. Pinned to one CPU, each wake-up runs on its waker's core (a context
 * switch, no more); pinned to two CPUs, each is a wake-up on another core (an inter-processor
 * interrupt, the idle core's exit, the cache lines moving). The difference in CPU per pass is
 * the `wake_us` of tools/scaleout_sim.py's Host.
 * Usage: pingpong CPU_A CPU_B PASSES; prints "cpu_us_per_pass X wall_us_per_pass Y" (user +
 * system of both processes, and wall time, per pass). Built by tests/bench/scaleout.py. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Runs one side on CPU cpu: reads then writes (or writes then reads) n times; exits. */
static void side(int cpu, int in, int out, long n, int first)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        _exit(1);
    char c = 0;
    for (long i = 0; i < n; i++) {
        if (first && write(out, &c, 1) != 1)
            _exit(1);
        if (read(in, &c, 1) != 1)
            _exit(1);
        if (!first && write(out, &c, 1) != 1)
            _exit(1);
    }
    _exit(0);
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return 2;
    long n = atol(argv[3]);
    int ab[2], ba[2];
    if (n <= 0 || pipe(ab) != 0 || pipe(ba) != 0)
        return 2;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (fork() == 0)
        side(atoi(argv[1]), ab[0], ba[1], n, 0);
    if (fork() == 0)
        side(atoi(argv[2]), ba[0], ab[1], n, 1);
    int st, bad = 0;
    while (wait(&st) > 0)
        bad |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    double cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
                 (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
    double wall = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    printf("cpu_us_per_pass %.3f wall_us_per_pass %.3f\n", cpu / (2.0 * n) * 1e6,
           wall / (2.0 * n) * 1e6);
    return bad;
}
