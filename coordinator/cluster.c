/* cluster.c - tune --cluster slurm: the listen address, the per-sweep key directory and the
 * srun step of one paratune-agent per node (see cluster.h).
 *
 * The port is one the kernel hands out for a socket bound to port 0, closed at once and
 * bound again by the coordinator's ROUTER moments later (the agents need the number on their
 * command line before they start). srun runs in a process group of its own, so a Ctrl-C at
 * the terminal reaches the coordinator only (which then stops as usual and ends the step
 * here), with PR_SET_PDEATHSIG so that a coordinator killed outright takes the step with it.
 */
#include "cluster.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pt_common.h"
#include "pt_exit.h"

#define STEP_EXIT_SECONDS 10.0 /* for the agents to leave after BYE before srun is ended */
#define STEP_TERM_SECONDS 5.0  /* after SIGTERM, before SIGKILL */

static struct {
    int ready;                 /* pt_cluster_setup succeeded */
    int registered;            /* cleanup is registered with atexit */
    char dir[PATH_MAX];        /* the private key directory */
    char key[PATH_MAX + 8];    /* dir/key */
    char listen[64];           /* tcp://HOST:PORT with host '*' */
    char connect[320];         /* tcp://HOSTNAME:PORT, for the agents */
    char agent[PATH_MAX];      /* the paratune-agent program */
    pid_t srun;                /* the agents' step; -1: none */
} cl = {.srun = -1};

static int usage(const char *why)
{
    fprintf(stderr, "paratune: --cluster slurm: %s\n", why);
    return PT_EXIT_USAGE;
}

/* A TCP port of this host free now (any interface), or -errno. */
static int free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port;
    if (fd < 0)
        return -errno;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        port = -errno;
    else
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* Waits up to seconds for the step to end; 1 when it has (or was reaped elsewhere: the
 * sweep's own reaping takes any child). */
static int step_gone(double seconds)
{
    double until = pt_now() + seconds;
    for (;;) {
        pid_t r = waitpid(cl.srun, NULL, WNOHANG);
        if (r == cl.srun || (r < 0 && errno == ECHILD))
            return 1;
        if (pt_now() >= until)
            return 0;
        usleep(20000);
    }
}

/* atexit: the step ends (politely first), then the key directory goes. */
static void cleanup(void)
{
    if (cl.srun > 0) {
        if (!step_gone(STEP_EXIT_SECONDS)) {
            kill(cl.srun, SIGTERM);
            if (!step_gone(STEP_TERM_SECONDS)) {
                kill(cl.srun, SIGKILL);
                step_gone(STEP_TERM_SECONDS);
            }
        }
        cl.srun = -1;
    }
    if (cl.ready) {
        unlink(cl.key);
        rmdir(cl.dir);
        cl.ready = 0;
    }
}

/* The paratune-agent beside this program, or $PARATUNE_AGENT. */
static int agent_path(char *buf, size_t len)
{
    const char *env = getenv("PARATUNE_AGENT");
    char self[PATH_MAX];
    ssize_t n;
    char *slash;
    if (env != NULL && *env != '\0')
        return (size_t)snprintf(buf, len, "%s", env) < len ? 0 : -ENAMETOOLONG;
    if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) < 0)
        return -errno;
    self[n] = '\0';
    if ((slash = strrchr(self, '/')) == NULL)
        return -ENOENT;
    slash[1] = '\0';
    return (size_t)snprintf(buf, len, "%sparatune-agent", self) < len ? 0 : -ENAMETOOLONG;
}

int pt_cluster_setup(const char *name, const char **listen, const char **key)
{
    const char *job = getenv("SLURM_JOB_ID"), *base = getenv("PARATUNE_KEY_DIR");
    char host[256], why[PATH_MAX + 64];
    int port;
    if (strcmp(name, "slurm") != 0) {
        fprintf(stderr, "paratune: --cluster %s: the only cluster manager is slurm\n", name);
        return PT_EXIT_USAGE;
    }
    if (*listen != NULL || *key != NULL)
        return usage("chooses its own --listen address and --key file (leave both out)");
    if (job == NULL || *job == '\0')
        return usage("not inside a Slurm allocation (SLURM_JOB_ID is not set): run it under "
                     "salloc or sbatch (tools/paratune.sbatch)");
    if (cl.ready) /* a second command line in one process (the options fuzzer) */
        cleanup();
    cl.agent[0] = '\0';
    if (agent_path(cl.agent, sizeof cl.agent) != 0 || access(cl.agent, X_OK) != 0) {
        snprintf(why, sizeof why, "cannot find the agent program %s (set PARATUNE_AGENT)",
                 cl.agent);
        return usage(why);
    }
    if (gethostname(host, sizeof host) != 0 || host[0] == '\0')
        return usage("this host has no name for the agents to connect to");
    host[sizeof host - 1] = '\0';
    if ((port = free_port()) < 0)
        return usage("no free TCP port on this host");
    if (base == NULL || *base == '\0')
        base = ".";
    if ((size_t)snprintf(cl.dir, sizeof cl.dir, "%s/.paratune-key-XXXXXX", base) >= sizeof cl.dir)
        return usage("PARATUNE_KEY_DIR is too long");
    if (mkdtemp(cl.dir) == NULL) {
        snprintf(why, sizeof why, "cannot make the key directory in %s: %s (the agents read "
                 "the key from there; set PARATUNE_KEY_DIR to a directory every node shares)",
                 base, strerror(errno));
        return usage(why);
    }
    /* the key file inside is made by tune (pt_link_key_load), mode 0600 */
    snprintf(cl.key, sizeof cl.key, "%s/key", cl.dir);
    snprintf(cl.listen, sizeof cl.listen, "tcp://*:%d", port);
    snprintf(cl.connect, sizeof cl.connect, "tcp://%s:%d", host, port);
    cl.ready = 1;
    if (!cl.registered)
        atexit(cleanup);
    cl.registered = 1;
    *listen = cl.listen;
    *key = cl.key;
    return 0;
}

/* The child's side: own process group, dies with the coordinator, stdin from /dev/null,
 * stdout to stderr (the coordinator's stdout is the result table), then exec srun. */
static void exec_srun(char *const argv[])
{
    int fd = open("/dev/null", O_RDONLY);
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (fd >= 0 && fd != 0) {
        dup2(fd, 0);
        close(fd);
    }
    dup2(2, 1);
    execvp(argv[0], argv);
    fprintf(stderr, "paratune: --cluster slurm: cannot run srun: %s\n", strerror(errno));
    _exit(127);
}

int pt_cluster_launch(char *err)
{
    char nodes[64] = "--nodes=1";
    const char *nn = getenv("SLURM_JOB_NUM_NODES");
    pid_t pid;
    if (!cl.ready)
        return 0;
    if (nn == NULL || *nn == '\0')
        nn = getenv("SLURM_NNODES");
    if (nn != NULL && *nn != '\0')
        snprintf(nodes, sizeof nodes, "--nodes=%s", nn);
    {
        /* one task per node of the allocation, each with all of its node's CPUs; a task
         * that fails does not end the others (the sweep goes on with the nodes it has).
         * The agent names its node as Slurm does (SLURMD_NODENAME, set in each task), which
         * is what the log's node field then shows. */
        char *argv[] = {"srun", nodes, "--ntasks-per-node=1", "--whole", "--mpi=none",
                        "--kill-on-bad-exit=0", "--job-name=paratune-agent", "--quiet",
                        "/bin/sh", "-c",
                        "exec \"$0\" --node \"${SLURMD_NODENAME:-$(hostname)}\" \"$@\"",
                        cl.agent, "--connect", cl.connect, "--key", cl.key, NULL};
        if (nn == NULL || *nn == '\0')
            memmove(&argv[1], &argv[2], sizeof argv - 2 * sizeof argv[0]);
        fflush(NULL);
        pid = fork();
        if (pid < 0) {
            pt_seterr(err, "--cluster slurm: fork: %s", strerror(errno));
            return -EAGAIN;
        }
        if (pid == 0)
            exec_srun(argv);
    }
    cl.srun = pid;
    return 0;
}
