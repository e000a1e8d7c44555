/* pt_pid.c - getpid() answered from memory (see pt_pid.h). */
#include "pt_pid.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

static int pid_on;       /* pt_pid_cache was called */
static pid_t pid_cached; /* 0: not read yet (or a fork made it stale) */

/* In a forked child: the parent's pid is not ours. */
static void pid_forget(void)
{
    __atomic_store_n(&pid_cached, 0, __ATOMIC_RELAXED);
}

static void pid_register(void)
{
    pthread_atfork(NULL, NULL, pid_forget);
    __atomic_store_n(&pid_on, 1, __ATOMIC_RELEASE);
}

void pt_pid_cache(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, pid_register);
}

pid_t getpid(void)
{
    pid_t p;
    if (!__atomic_load_n(&pid_on, __ATOMIC_ACQUIRE))
        return (pid_t)syscall(SYS_getpid);
    if ((p = __atomic_load_n(&pid_cached, __ATOMIC_RELAXED)) == 0) {
        p = (pid_t)syscall(SYS_getpid);
        __atomic_store_n(&pid_cached, p, __ATOMIC_RELAXED);
    }
    return p;
}
