/* spawn.c - starting worker processes (see spawn.h). */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pt_common.h"

pid_t pt_spawn(const char *path, char *const argv[], char *const envp[], const int *keep,
               size_t nkeep, const cpu_set_t *cpus, char *err)
{
    int pfd[2], child_errno = 0;
    pid_t pid;
    ssize_t n;

    if (pipe2(pfd, O_CLOEXEC) != 0) {
        pt_seterr(err, "pipe: %s", strerror(errno));
        return -errno;
    }
    pid = fork();
    if (pid < 0) {
        int e = errno;
        close(pfd[0]);
        close(pfd[1]);
        pt_seterr(err, "fork: %s", strerror(e));
        return -e;
    }
    if (pid == 0) {
        sigset_t none;
        struct sigaction dfl;
        int e;
        setpgid(0, 0);
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        for (int s = 1; s < NSIG; s++)
            if (s != SIGKILL && s != SIGSTOP)
                sigaction(s, &dfl, NULL);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (size_t i = 0; i < nkeep; i++)
            if (keep[i] >= 0)
                fcntl(keep[i], F_SETFD, 0);
        if (cpus != NULL)
            sched_setaffinity(0, sizeof *cpus, cpus); /* a plain system call */
        if (envp != NULL)
            execve(path, argv, envp);
        else
            execv(path, argv);
        e = errno;
        (void)!write(pfd[1], &e, sizeof e);
        _exit(127);
    }
    close(pfd[1]);
    do {
        n = read(pfd[0], &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    close(pfd[0]);
    if (n == (ssize_t)sizeof child_errno) {
        pt_seterr(err, "cannot run %s: %s", path, strerror(child_errno));
        return -child_errno;
    }
    return pid;
}

int pt_worker_path(char *buf, size_t len)
{
    const char *env = getenv("PARATUNE_WORKER");
    char self[4096];
    ssize_t n;
    char *slash;

    if (env != NULL && *env != '\0') {
        if (strlen(env) >= len)
            return -ENAMETOOLONG;
        strcpy(buf, env);
        return 0;
    }
    n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n < 0)
        return -errno;
    self[n] = '\0';
    slash = strrchr(self, '/');
    if (slash == NULL)
        return -ENOENT;
    slash[1] = '\0';
    if ((size_t)snprintf(buf, len, "%sparatune-worker", self) >= len)
        return -ENAMETOOLONG;
    return 0;
}
