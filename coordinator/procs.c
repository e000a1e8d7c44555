/* procs.c - the coordinator's process table: spawn, reap, stop, the janitor (see procs.h). */
#include "procs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pt_common.h"
#include "pt_cpus.h"
#include "pt_exit.h"
#include "pt_handoff.h"

/* Starts path with argv and envp (NULL-terminated; envp NULL: this environment); the nkeep
 * descriptors keep[] and extra stay open in the child (negative ones are skipped). cpus, when not
 * NULL, is the child's CPU affinity (set before exec, so every thread it starts has it).
 * Returns the child's pid, or a negative errno (fork or exec failed) with err set. */
static pid_t spawn(const char *path, char *const argv[], char *const envp[], const int *keep,
                   size_t nkeep, int extra, const cpu_set_t *cpus, char *err)
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
        if (extra >= 0)
            fcntl(extra, F_SETFD, 0);
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

const char *pt_signame(int sig)
{
    const char *n = sigabbrev_np(sig);
    return n ? n : "?";
}

/* ---------------------------------------------------------------- warm workers */

struct pt_warm {
    size_t n;   /* started */
    size_t cap; /* room in pid and fd */
    const char *path; /* the worker program (borrowed) */
    pid_t *pid; /* each one's pid; -1 once taken or gone */
    int *fd;    /* the coordinator's end of each one's wait socket; -1 once taken or gone */
    char **envp;
    char blas[48];
};

char **pt_procs_env(long threads, char *blas, size_t len)
{
    extern char **environ;
    size_t n = 0, k = 0;
    char **envp;
    for (char **e = environ; *e != NULL; e++)
        n++;
    if ((envp = calloc(n + 2, sizeof *envp)) == NULL)
        return NULL;
    snprintf(blas, len, "OPENBLAS_NUM_THREADS=%ld", threads);
    for (char **e = environ; *e != NULL; e++)
        if (strncmp(*e, "OPENBLAS_NUM_THREADS=", 21) != 0)
            envp[k++] = *e;
    envp[k++] = blas;
    envp[k] = NULL;
    return envp;
}

pt_warm_t *pt_warm_start(const char *path, size_t n, size_t now, long threads)
{
    pt_warm_t *w = calloc(1, sizeof *w);
    if (w == NULL || (w->pid = calloc(n ? n : 1, sizeof *w->pid)) == NULL ||
        (w->fd = calloc(n ? n : 1, sizeof *w->fd)) == NULL ||
        (w->envp = pt_procs_env(threads, w->blas, sizeof w->blas)) == NULL)
        goto fail;
    w->cap = n;
    w->path = path;
    if (pt_warm_more(w, now) > 0)
        return w;
fail:
    pt_warm_destroy(&w);
    return NULL;
}

size_t pt_warm_more(pt_warm_t *w, size_t n)
{
    char fdarg[16], parent[24], err[PT_ERRLEN], pad[PT_HANDOFF_PAD + 1];
    /* pad: room the worker writes its real command line into (what /proc shows of it) */
    char *argv[] = {"paratune-worker", PT_HANDOFF_ARG, fdarg, "--parent", parent, pad, NULL};
    size_t started = 0;

    if (w == NULL)
        return 0;
    snprintf(parent, sizeof parent, "%ld", (long)getpid());
    memset(pad, '-', PT_HANDOFF_PAD);
    pad[PT_HANDOFF_PAD] = '\0';
    for (; started < n && w->n < w->cap; started++) {
        int sv[2];
        pid_t pid;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
            break;
        snprintf(fdarg, sizeof fdarg, "%d", sv[1]);
        pid = spawn(w->path, argv, w->envp, NULL, 0, sv[1], NULL, err);
        close(sv[1]);
        if (pid < 0) {
            close(sv[0]);
            break;
        }
        w->pid[w->n] = pid;
        w->fd[w->n++] = sv[0];
    }
    return started;
}

/* Kills and reaps a warm worker, unless a waitpid(-1) elsewhere (the sweep's reaping) reaped
 * it already: then its pid is no longer this process's child and is left alone. */
static void warm_end(pid_t pid)
{
    if (waitpid(pid, NULL, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
}

void pt_warm_destroy(pt_warm_t **pw)
{
    pt_warm_t *w;
    if (pw == NULL || (w = *pw) == NULL)
        return;
    for (size_t i = 0; i < w->n; i++)
        if (w->pid[i] > 0) {
            close(w->fd[i]); /* end of file: it exits by itself if the kill misses it */
            warm_end(w->pid[i]);
        }
    free(w->pid);
    free(w->fd);
    free(w->envp);
    free(w);
    *pw = NULL;
}

/* A warm worker given the command line and descriptors of a spawn (as spawn()'s); cpus, when
 * not NULL, set as its affinity first (before it starts any thread). Its pid, or 0 when no
 * warm worker is left. */
static pid_t warm_take(pt_warm_t *w, char *const argv[], const int *keep, size_t nkeep,
                       int extra, const cpu_set_t *cpus)
{
    int fds[PT_HANDOFF_FDS];
    size_t nfds = 0;
    for (size_t k = 0; k <= nkeep; k++) {
        int fd = k < nkeep ? keep[k] : extra;
        if (fd >= 0 && nfds < PT_HANDOFF_FDS)
            fds[nfds++] = fd;
    }
    for (size_t i = 0; w != NULL && i < w->n; i++) {
        pid_t pid = w->pid[i];
        int ok;
        if (pid <= 0)
            continue;
        if (cpus != NULL)
            sched_setaffinity(pid, sizeof *cpus, cpus);
        ok = pt_handoff_send(w->fd[i], argv, fds, nfds) == 0;
        close(w->fd[i]);
        w->fd[i] = -1;
        w->pid[i] = -1;
        if (ok)
            return pid;
        warm_end(pid); /* gone before it was needed */
    }
    return 0;
}

/* ---------------------------------------------------------------- the table */

#define STOP_POLL_US 200 /* pt_procs_stop: the first polls' interval ... */
#define STOP_FAST_S 0.01 /* ... for this long */
#define MAX_START_FAILURES 5 /* more workers dying before HELLO than this: stop respawning */

struct pt_procs {
    pt_procs_config_t cfg;
    pt_slot_t *slots;
    size_t nslots;
    int start_failures; /* workers that died before saying HELLO */
    int fatal_start;    /* one exited 2 at start-up: start no more */
    pid_t janitor;
    int janitor_fd;
    char dir[256];      /* the janitor's directory */
};

pt_procs_t *pt_procs_new(size_t nslots, const pt_procs_config_t *cfg)
{
    pt_procs_t *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->slots = calloc(nslots ? nslots : 1, sizeof *p->slots);
    if (p->slots == NULL) {
        free(p);
        return NULL;
    }
    p->cfg = *cfg;
    p->nslots = nslots;
    p->janitor = -1;
    p->janitor_fd = -1;
    return p;
}

void pt_procs_destroy(pt_procs_t **pp)
{
    pt_procs_t *p;
    if (pp == NULL || (p = *pp) == NULL)
        return;
    if (p->janitor_fd >= 0) /* first: its exit overlaps the workers' */
        close(p->janitor_fd);
    p->janitor_fd = -1;
    pt_procs_stop(p, 0);
    if (p->janitor > 0)
        while (waitpid(p->janitor, NULL, 0) < 0 && errno == EINTR)
            ;
    free(p->slots);
    free(p);
    *pp = NULL;
}

int pt_procs_janitor(pt_procs_t *p, const char *dir, char *err)
{
    int fds[2];
    pid_t pid;
    snprintf(p->dir, sizeof p->dir, "%s", dir);
    if (pipe2(fds, O_CLOEXEC) != 0) {
        int e = errno;
        pt_seterr(err, "pipe: %s", strerror(e));
        return -e;
    }
    pid = fork();
    if (pid < 0) {
        pt_seterr(err, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -EAGAIN;
    }
    if (pid == 0) {
        char c, sock[320];
        struct sigaction ign;
        memset(&ign, 0, sizeof ign);
        ign.sa_handler = SIG_IGN;
        sigaction(SIGINT, &ign, NULL);
        sigaction(SIGTERM, &ign, NULL);
        sigaction(SIGHUP, &ign, NULL);
        setpgid(0, 0);
        for (int fd = 0; fd < 1024; fd++)
            if (fd != fds[0] && fd != 2)
                close(fd);
        while (read(fds[0], &c, 1) < 0 && errno == EINTR)
            ;
        snprintf(sock, sizeof sock, "%s/ctl", p->dir);
        unlink(sock);
        rmdir(p->dir);
        _exit(0);
    }
    close(fds[0]);
    p->janitor = pid;
    p->janitor_fd = fds[1];
    return 0;
}

size_t pt_procs_nslots(const pt_procs_t *p)
{
    return p->nslots;
}

pt_slot_t *pt_procs_slot(pt_procs_t *p, size_t i)
{
    return &p->slots[i];
}

pt_slot_t *pt_procs_by_pid(pt_procs_t *p, pid_t pid)
{
    for (size_t i = 0; i < p->nslots; i++)
        if (p->slots[i].state != W_FREE && p->slots[i].pid == pid)
            return &p->slots[i];
    return NULL;
}

pt_slot_t *pt_procs_by_id(pt_procs_t *p, const void *id, size_t len)
{
    for (size_t i = 0; i < p->nslots; i++)
        if ((p->slots[i].state == W_IDLE || p->slots[i].state == W_BUSY) &&
            p->slots[i].idlen == len && memcmp(p->slots[i].id, id, len) == 0)
            return &p->slots[i];
    return NULL;
}

size_t pt_procs_live(const pt_procs_t *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nslots; i++)
        n += p->slots[i].state != W_FREE;
    return n;
}

int pt_procs_start_failures(const pt_procs_t *p)
{
    return p->start_failures;
}

/* Slot i's new process pid gets its secret, written into the pipe's write end wfd (then
 * closed: the worker reads the secret, then end-of-file). 0, or a negative errno with err
 * set. */
static int give_secret(pt_procs_t *p, size_t i, pid_t pid, int wfd, char *err)
{
    char secret[256];
    size_t len;
    ssize_t n;
    int rc = p->cfg.secret(p->cfg.secret_arg, i, pid, secret, err);
    if (rc == 0) {
        len = strlen(secret); /* far below PIPE_BUF: one write, never blocks */
        while ((n = write(wfd, secret, len)) < 0 && errno == EINTR)
            ;
        if (n != (ssize_t)len) {
            pt_seterr(err, "cannot write a worker secret into its pipe");
            rc = -EIO;
        }
    }
    memset(secret, 0, sizeof secret);
    close(wfd);
    return rc;
}

int pt_procs_spawn(pt_procs_t *p, size_t i, char *err)
{
    pt_slot_t *w = &p->slots[i];
    cpu_set_t cpus;
    pid_t pid;
    int sp[2] = {-1, -1}; /* the secret's pipe: both ends close-on-exec in this process */
    if (p->cfg.secret != NULL) {
        if (pipe2(sp, O_CLOEXEC) != 0) {
            int e = errno;
            pt_seterr(err, "pipe: %s", strerror(e));
            return -e;
        }
        snprintf(p->cfg.secret_fd_arg, 16, "%d", sp[0]);
    }
    if (p->cfg.cpus != NULL)
        pt_cpus_slot(p->cfg.cpus, p->cfg.ncpus, i, p->cfg.threads, &cpus);
    pid = warm_take(p->cfg.warm, p->cfg.argv, p->cfg.keep, p->cfg.nkeep, sp[0],
                    p->cfg.cpus != NULL ? &cpus : NULL);
    if (pid == 0)
        pid = spawn(p->cfg.path, p->cfg.argv, p->cfg.envp, p->cfg.keep, p->cfg.nkeep, sp[0],
                    p->cfg.cpus != NULL ? &cpus : NULL, err);
    if (sp[0] >= 0)
        close(sp[0]); /* the worker has its copy; no later child may inherit it */
    if (pid < 0) {
        if (sp[1] >= 0)
            close(sp[1]);
        return (int)pid;
    }
    if (sp[1] >= 0 && give_secret(p, i, pid, sp[1], err) != 0) {
        kill(pid, SIGKILL); /* it would wait for its secret forever */
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        return -EIO;
    }
    memset(w, 0, sizeof *w);
    w->pid = pid;
    w->state = W_STARTING;
    w->job = -1;
    w->spawned = pt_now();
    w->fd = -1;
    return 0;
}

int pt_procs_top_up(pt_procs_t *p, size_t want, char *err)
{
    size_t live = pt_procs_live(p);
    if (p->fatal_start || p->start_failures > MAX_START_FAILURES)
        return 0;
    for (size_t i = 0; i < p->nslots && live < want; i++)
        if (p->slots[i].state == W_FREE) {
            int rc = pt_procs_spawn(p, i, err);
            if (rc != 0)
                return rc;
            live++;
        }
    return 0;
}

int pt_procs_reap(pt_procs_t *p, pt_death_t *d)
{
    int st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        pt_slot_t *w = pt_procs_by_pid(p, pid);
        if (w == NULL) {
            if (pid == p->janitor)
                p->janitor = -1;
            continue;
        }
        memset(d, 0, sizeof *d);
        d->pid = pid;
        d->slot = (size_t)(w - p->slots);
        if (w->kill_reason[0] != '\0')
            snprintf(d->why, sizeof d->why, "%s", w->kill_reason);
        else if (WIFSIGNALED(st))
            snprintf(d->why, sizeof d->why, "worker %ld killed by signal %d (SIG%s)", (long)pid,
                     WTERMSIG(st), pt_signame(WTERMSIG(st)));
        else
            snprintf(d->why, sizeof d->why, "worker %ld exited with code %d", (long)pid,
                     WEXITSTATUS(st));
        d->job = w->state == W_BUSY ? w->job : -1;
        d->started = w->started;
        d->timed_out = w->timed_out;
        d->was_starting = w->state == W_STARTING;
        if (d->was_starting) {
            p->start_failures++;
            /* Exit code 2 is a fatal setup error: the same spawn would fail the same way. */
            if (WIFEXITED(st) && WEXITSTATUS(st) == PT_EXIT_WORKER_SETUP)
                p->fatal_start = 1;
        }
        w->state = W_FREE;
        w->fd = -1;
        return 1;
    }
    return 0;
}

void pt_procs_kill(pt_slot_t *w, const char *reason)
{
    snprintf(w->kill_reason, sizeof w->kill_reason, "%s", reason);
    kill(w->pid, SIGKILL);
}

void pt_procs_stop(pt_procs_t *p, double stop_seconds)
{
    double start = pt_now(), until = start + stop_seconds;
    useconds_t delay = STOP_POLL_US;
    for (size_t i = 0; i < p->nslots; i++)
        if (p->slots[i].state != W_FREE && p->slots[i].state != W_IDLE)
            kill(p->slots[i].pid, SIGKILL);
    while (pt_procs_live(p) > 0) {
        int st;
        pid_t pid = waitpid(-1, &st, WNOHANG);
        if (pid > 0) {
            pt_slot_t *w = pt_procs_by_pid(p, pid);
            if (w != NULL)
                w->state = W_FREE;
            else if (pid == p->janitor)
                p->janitor = -1;
            continue;
        }
        if (pid < 0 && errno == ECHILD)
            break;
        if (pt_now() > until) {
            pt_procs_kill_all(p);
            until = pt_now() + 3600;
        }
        /* polled every STOP_POLL_US for the first STOP_FAST_S (a worker's exit after STOP
         * takes a millisecond or two, and the whole run waits for it), then with doubling
         * delays (as nginx's master waits for its workers): a slow exit costs few wake-ups */
        usleep(delay);
        if (pt_now() - start > STOP_FAST_S && delay < 64000)
            delay *= 2;
    }
}

void pt_procs_kill_all(pt_procs_t *p)
{
    for (size_t i = 0; i < p->nslots; i++)
        if (p->slots[i].state != W_FREE)
            kill(p->slots[i].pid, SIGKILL); /* a zombie not reaped yet ignores it */
}

void pt_procs_end(pt_procs_t *p)
{
    pt_procs_kill_all(p);
    for (size_t i = 0; i < p->nslots; i++)
        if (p->slots[i].state != W_FREE) {
            /* ECHILD: reaped already (cannot happen: only this table reaps its slots) */
            while (waitpid(p->slots[i].pid, NULL, 0) < 0 && errno == EINTR)
                ;
            p->slots[i].state = W_FREE;
        }
}

void pt_procs_signals(void (*on_chld)(int), void (*on_stop)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    sa.sa_handler = on_stop;
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}
