/* pt_follow.c - ZeroMQ I/O threads that follow their process's main thread (see pt_follow.h).
 *
 * The threads are found by name in /proc/self/task; a thread names itself after it starts,
 * so a scan that finds fewer than the context has is repeated at the next steps (at most
 * SCANS times). A move is one sched_setaffinity per I/O thread, made only when the kernel
 * has moved the calling thread.
 */
#include "pt_follow.h"

#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IO_NAME "ZMQbg/IO/" /* libzmq's name for its I/O threads (Linux) */
#define SCANS 64            /* /proc scans before giving up on a thread not named yet */

/* Whether thread tid of this process is named like a ZeroMQ I/O thread. */
static int is_io_thread(const char *tid)
{
    char path[300], comm[32] = "";
    FILE *fp;
    int yes;
    snprintf(path, sizeof path, "/proc/self/task/%s/comm", tid);
    if ((fp = fopen(path, "r")) == NULL)
        return 0;
    yes = fgets(comm, sizeof comm, fp) != NULL && strncmp(comm, IO_NAME, strlen(IO_NAME)) == 0;
    fclose(fp);
    return yes;
}

/* Looks for the I/O threads again: f->tids, f->n. */
static void scan(pt_follow_t *f)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    f->scans++;
    f->n = 0;
    f->cpu = -1; /* a thread found now is not held anywhere yet */
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL && f->n < PT_FOLLOW_MAX && f->n < f->want)
        if (e->d_name[0] != '.' && is_io_thread(e->d_name))
            f->tids[f->n++] = (pid_t)atol(e->d_name);
    closedir(d);
}

void pt_follow_init(pt_follow_t *f, int io_threads)
{
    cpu_set_t mine;
    memset(f, 0, sizeof *f);
    f->cpu = -1;
    if (io_threads <= 0 || sched_getaffinity(0, sizeof mine, &mine) != 0 || CPU_COUNT(&mine) < 2)
        return;
    f->want = io_threads;
    scan(f);
}

void pt_follow_step(pt_follow_t *f)
{
    cpu_set_t one;
    int cpu;
    if (f->n < f->want && f->scans < SCANS)
        scan(f);
    if (f->n == 0 || (cpu = sched_getcpu()) < 0 || cpu == f->cpu)
        return;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    for (int i = 0; i < f->n; i++)
        sched_setaffinity(f->tids[i], sizeof one, &one);
    f->cpu = cpu;
}
