/* agent.c - paratune-agent: one node's share of a sweep, over authenticated ZeroMQ TCP.
 *
 *   paratune-agent --connect tcp://HOST:PORT --key FILE [--slots N] [--timeout S] [--node NAME]
 *                  [--reconnect] [--no-shared-read]
 *
 * The agent connects to a coordinator started with `tune --listen` (a DEALER, CURVE client
 * with the key file's client pair, the coordinator's public key as the server key), says
 * HELLO with its slots, and receives the sweep's setup (WELCOME: the image's size and
 * fingerprint, the heartbeat, its share of --parallelism, the workers' arguments; the shared
 * moments and codes segments' sizes; CUT, the coordinator's stats cut: how many row-range
 * pieces each image block's moments are computed in, so that this node lays out its
 * moments segment as the coordinator and runs the same stats pieces, merged in the same
 * order (the same bits); the stats and bins jobs), then the dataset image in
 * chunks, acknowledging each, the coordinator keeping at most PT_LINK_WINDOW unacknowledged
 * (credit-based flow control: the image crosses the network once per node, never faster
 * than the node takes it). The received bytes are checked against the coordinator's CRC-32C
 * and the header's data fingerprint before anything uses them; a mismatch is reported (BAD)
 * and the agent exits 1 without starting a worker. The image then lies in this node's POSIX
 * shared memory exactly as the coordinator's (an unlinked segment, the same bytes), handed
 * read-only to the same paratune-worker processes the coordinator forks locally, over an
 * ipc socket of the agent's own with the same per-process secrets (procs.c, peers.c); they
 * die with the agent (PR_SET_PDEATHSIG). The setup jobs run first (each node fills its own
 * moments and codes, as the coordinator's workers do); then READY, and the agent relays JOB
 * messages to idle workers and their answers back (RESULT, with the worker's pid). A worker
 * that dies holding a job is reported (LOST), and the coordinator retries the job as after
 * a local crash. Liveness: ZMTP heartbeats on the TCP connection, and a PING each way every
 * heartbeat; an agent that hears nothing from the coordinator for PT_LINK_MISSES heartbeats,
 * or is told it was dropped, exits 1 (start it again to rejoin). With --reconnect it joins
 * again instead (a network blip, the coordinator still there): everything but a verified
 * image is torn down (workers, segments, queue, the ZeroMQ context), and a new link is made
 * (a new connection and CURVE handshake, retried with a back-off from 20 ms doubling to 1 s,
 * for up to --timeout, then exit 1); REJOIN offers the kept image (its CRC-32C recomputed),
 * which the coordinator does not ship again when it is the sweep's. The node then runs its
 * setup jobs again and takes jobs as a new node. Off by default: an agent whose coordinator
 * is gone would otherwise wait --timeout more, and a dropped agent exits (a Slurm step
 * ends).
 *
 * A shared filesystem: a coordinator with --image-cache OFFERs its cache file's absolute
 * path instead of the first chunk (the file begins with the image's bytes). The agent reads
 * them from there into its shared memory, where the chunks would have gone, and checks the
 * WELCOME's size, CRC-32C and fingerprint: HAVE, and nothing is shipped; on any failure (no
 * such file here, other bytes, no permission) NEED, and the chunks come as without OFFER,
 * overwriting what was read. A wrong or stale file is never used. --no-shared-read always
 * says NEED (a shared filesystem slower than the network).
 *
 * PARATUNE_AGENT_FAILPOINT (tests only; unset it does nothing): "tamper" changes one byte
 * of the image received before it is checked; "deaf" stops the agent's loop for 3 s at its
 * first job (it reads and sends nothing; ZeroMQ's I/O thread still answers the heartbeats);
 * "hold=S" keeps every job S seconds before handing it to a worker (a slow node).
 *
 * Exit codes: 0 told to stop (BYE) at the sweep's end; 1 the coordinator lost (with
 * --reconnect: not reached again within --timeout), a bad image, a system error; 2 bad
 * input: an option, the key file, an unreachable coordinator (within --timeout) or a
 * refused handshake (another sweep's key).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "../coordinator/peers.h"
#include "../coordinator/procs.h"
#include "pt_codes.h"
#include "pt_common.h"
#include "pt_cpus.h"
#include "pt_crc32c.h"
#include "pt_exit.h"
#include "pt_image.h"
#include "pt_link.h"
#include "pt_msg.h"
#include "pt_shm.h"
#include "pt_stats.h"

#define MON_ENDPOINT "inproc://paratune-agent-monitor"
#define POLL_MS 100
#define MAX_ARGS 48

typedef struct {
    unsigned char *data;
    size_t len;
    long id;
    int setup;                   /* 0 a fit; a setup job: 1 bins, 2 stats */
    double not_before; /* the "hold" failpoint: not handed out before this time */
} job_t;

typedef struct {
    const char *url, *keyfile;
    char node[64];
    long slots;
    double timeout;
    int reconnect;               /* --reconnect: a lost coordinator is joined again */
    int no_shared_read;          /* --no-shared-read: an OFFER is always answered NEED */
    int rejoining;               /* this link is a reconnection (REJOIN, when an image is kept) */
    pt_link_key_t key;
    void *ctx, *dealer, *mon, *router;
    pt_procs_t *procs;
    pt_peers_t *peers;
    char sockdir[256], endpoint[300], fdarg[4][16], secret_arg[16], worker[4096];
    char *argv[MAX_ARGS];
    char *wargs;                 /* the coordinator's worker arguments, NUL-separated */
    /* WELCOME */
    int welcomed;
    size_t img_size, stats_slots, stats_p, ncodes;
    uint32_t crc;
    uint64_t fp;
    double hb;
    long cap;
    unsigned char *codes_keys;
    size_t *cut, ncut;           /* CUT: each image block's stats pieces (NULL: whole blocks) */
    long stats_ok;               /* stats setup jobs run and published here */
    /* the image */
    void *img;
    int img_fd, ro_fd, stats_fd, codes_fd;
    size_t got;
    int image_ok, ready_sent;
    int matched;                 /* the bytes were found to be the WELCOME's (image_matches,
                                  * or a REJOIN's fresh CRC-32C) and nothing wrote them since:
                                  * verify_image does not compute the CRC-32C again */
    /* jobs: queued ones, then per slot the one it holds */
    job_t *queue;
    size_t nqueue, qcap;
    int *slot_setup;             /* slot i holds a setup job: 1 bins, 2 stats */
    size_t setup_left;
    double last_heard, last_sent;
} agent_t;

static volatile sig_atomic_t got_chld, got_stop;

static void on_chld(int sig)
{
    (void)sig;
    got_chld = 1;
}

static void on_stop(int sig)
{
    got_stop = sig;
}

/* One line on stderr, then exit code. */
static void die(int code, const char *fmt, ...)
{
    va_list ap;
    fputs("paratune-agent: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(code);
}

static void usage_exit(void)
{
    die(PT_EXIT_USAGE, "usage: paratune-agent --connect tcp://HOST:PORT --key FILE [--slots N] "
        "[--timeout SECONDS] [--node NAME] [--reconnect] [--no-shared-read]");
}

/* The node's slots: --slots, else SLURM_CPUS_ON_NODE, else the CPUs this process may use. */
static long default_slots(void)
{
    const char *s = getenv("SLURM_CPUS_ON_NODE");
    long v;
    if (s != NULL && pt_parse_long(s, &v) == 0 && v >= 1)
        return v;
    v = pt_cpus_count();
    return v >= 1 ? v : 1;
}

static void parse_args(int argc, char **argv, agent_t *a)
{
    static const struct option opts[] = {
        {"connect", required_argument, NULL, 'c'}, {"key", required_argument, NULL, 'k'},
        {"slots", required_argument, NULL, 's'},   {"timeout", required_argument, NULL, 't'},
        {"node", required_argument, NULL, 'n'},    {"help", no_argument, NULL, 'h'},
        {"reconnect", no_argument, NULL, 'r'},     {"no-shared-read", no_argument, NULL, 'S'},
        {NULL, 0, NULL, 0}};
    int c;
    char *end;
    a->timeout = 30;
    a->slots = 0;
    gethostname(a->node, sizeof a->node - 1);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c': a->url = optarg; break;
        case 'k': a->keyfile = optarg; break;
        case 'r': a->reconnect = 1; break;
        case 'S': a->no_shared_read = 1; break;
        case 's':
            if (pt_parse_long(optarg, &a->slots) != 0 || a->slots < 1 || a->slots > 4096)
                die(PT_EXIT_USAGE, "--slots: '%s' is not a whole number in 1..4096", optarg);
            break;
        case 't':
            a->timeout = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !(a->timeout > 0 && a->timeout <= 86400))
                die(PT_EXIT_USAGE, "--timeout: '%s' is not a number of seconds in (0, 86400]",
                    optarg);
            break;
        case 'n':
            if (*optarg == '\0' || strlen(optarg) >= sizeof a->node || strchr(optarg, ' '))
                die(PT_EXIT_USAGE, "--node: a name of 1..63 characters without blanks");
            snprintf(a->node, sizeof a->node, "%s", optarg);
            break;
        case 'h':
            printf("usage: paratune-agent --connect tcp://HOST:PORT --key FILE [--slots N] "
                   "[--timeout SECONDS] [--node NAME] [--reconnect] [--no-shared-read]\n");
            exit(0);
        default: usage_exit();
        }
    }
    if (optind < argc)
        die(PT_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
    if (a->url == NULL || a->keyfile == NULL)
        die(PT_EXIT_USAGE, "--connect and --key are required");
    if (a->slots == 0)
        a->slots = default_slots();
    if (strchr(a->node, ' ') != NULL || a->node[0] == '\0')
        snprintf(a->node, sizeof a->node, "node");
}

/* ---------------------------------------------------------------- the link */

/* Sends a header (printf-style) and, when data is not NULL, a payload frame. 0 or -1. */
static int say(agent_t *a, const void *data, size_t len, const char *fmt, ...)
{
    char hdr[320];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = pt_link_hdr_vformat(hdr, sizeof hdr, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if (zmq_send(a->dealer, hdr, (size_t)n, data != NULL ? ZMQ_SNDMORE : 0) < 0 ||
        (data != NULL && zmq_send(a->dealer, data, len, 0) < 0))
        return -1;
    a->last_sent = pt_now();
    return 0;
}

/* The next monitor event of the DEALER within ms (-1 none). */
static int next_event(agent_t *a, int ms)
{
    zmq_pollitem_t it = {a->mon, 0, ZMQ_POLLIN, 0};
    int32_t value;
    if (zmq_poll(&it, 1, ms) <= 0)
        return -1;
    return pt_link_monitor_event(a->mon, ZMQ_DONTWAIT, &value);
}

/* Waits for the CURVE handshake: it succeeds, or the agent exits 2 with one line (refused:
 * a handshake failure, or connections closed during the handshake twice; unreachable: no
 * handshake within --timeout). */
static void await_handshake(agent_t *a)
{
    double until = pt_now() + a->timeout;
    int connected = 0, closed = 0;
    while (pt_now() < until) {
        int ev = next_event(a, POLL_MS);
        if (got_stop)
            die(PT_EXIT_FAIL, "stopped by signal %d (%s)", (int)got_stop, strsignal((int)got_stop));
        if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
            return;
        if (ev == ZMQ_EVENT_CONNECTED)
            connected = 1;
        if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH || ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
            ev == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL ||
            (ev == ZMQ_EVENT_DISCONNECTED && ++closed >= 2))
            die(PT_EXIT_USAGE, "%s: the coordinator refused the CURVE handshake (a key file "
                "of another sweep?)", a->url);
    }
    if (a->rejoining) /* the coordinator went away, not a wrong address */
        die(PT_EXIT_FAIL, "%s: lost the coordinator and could not reach it again within %g s "
            "(--timeout)", a->url, a->timeout);
    die(PT_EXIT_USAGE, connected ? "%s: no CURVE handshake within %g s (--timeout)"
                                 : "%s: cannot reach the coordinator within %g s (--timeout)",
        a->url, a->timeout);
}

static void open_link(agent_t *a)
{
    char err[PT_ERRLEN];
    int zero = 0, ivl = 1000, tmo = PT_LINK_MISSES * 1000, retry_ms = 20, retry_max = 1000;
    if (!a->rejoining && pt_link_url_check(a->url, 0, err) != 0)
        die(PT_EXIT_USAGE, "--connect %s", err);
    if (!a->rejoining && pt_link_key_read(a->keyfile, &a->key, err) != 0)
        die(PT_EXIT_USAGE, "--key %s", err);
    a->ctx = zmq_ctx_new();
    a->dealer = a->ctx ? zmq_socket(a->ctx, ZMQ_DEALER) : NULL;
    if (a->dealer == NULL)
        die(PT_EXIT_FAIL, "zmq: %s", zmq_strerror(errno));
    zmq_setsockopt(a->dealer, ZMQ_LINGER, &zero, sizeof zero);
    /* a coordinator that is not listening yet is tried again every 20 ms (not 100) */
    zmq_setsockopt(a->dealer, ZMQ_RECONNECT_IVL, &retry_ms, sizeof retry_ms);
    if (a->rejoining) /* back-off: 20 ms doubling up to 1 s between attempts */
        zmq_setsockopt(a->dealer, ZMQ_RECONNECT_IVL_MAX, &retry_max, sizeof retry_max);
    zmq_setsockopt(a->dealer, ZMQ_CURVE_SERVERKEY, a->key.server_public, PT_LINK_Z85);
    zmq_setsockopt(a->dealer, ZMQ_CURVE_PUBLICKEY, a->key.client_public, PT_LINK_Z85);
    zmq_setsockopt(a->dealer, ZMQ_CURVE_SECRETKEY, a->key.client_secret, PT_LINK_Z85);
    zmq_setsockopt(a->dealer, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt(a->dealer, ZMQ_HEARTBEAT_TIMEOUT, &tmo, sizeof tmo);
    if (!a->reconnect) /* with --reconnect the client secret is needed again */
        memset(&a->key.client_secret, 0, sizeof a->key.client_secret);
    memset(&a->key.server_secret, 0, sizeof a->key.server_secret);
    if (zmq_socket_monitor(a->dealer, MON_ENDPOINT, ZMQ_EVENT_ALL) != 0 ||
        (a->mon = zmq_socket(a->ctx, ZMQ_PAIR)) == NULL ||
        zmq_setsockopt(a->mon, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_connect(a->mon, MON_ENDPOINT) != 0)
        die(PT_EXIT_FAIL, "zmq: the socket monitor: %s", zmq_strerror(errno));
    if (zmq_connect(a->dealer, a->url) != 0)
        die(PT_EXIT_USAGE, "--connect %s: %s", a->url, zmq_strerror(errno));
    await_handshake(a);
    if (a->img != NULL) { /* a rejoining node offers the image it kept, re-verified now */
        a->crc = pt_crc32c(a->img, a->img_size);
        a->fp = ((const pt_image_hdr_t *)a->img)->fingerprint;
        if (say(a, NULL, 0, "REJOIN %ld %ld %zu %lu %llu %s", a->slots, (long)getpid(),
                a->img_size, (unsigned long)a->crc, (unsigned long long)a->fp, a->node) != 0)
            die(PT_EXIT_FAIL, "%s: cannot send REJOIN: %s", a->url, zmq_strerror(errno));
    } else if (say(a, NULL, 0, "HELLO %ld %ld %s", a->slots, (long)getpid(), a->node) != 0) {
        die(PT_EXIT_FAIL, "%s: cannot send HELLO: %s", a->url, zmq_strerror(errno));
    }
    a->last_heard = pt_now();
}

/* ---------------------------------------------------------------- the image */

/* WELCOME: the sweep's setup for this node. */
static void on_welcome(agent_t *a, const pt_link_hdr_t *h, zmq_msg_t *body)
{
    char err[PT_ERRLEN];
    size_t n = body != NULL ? zmq_msg_size(body) : 0;
    if (a->welcomed || h->n[0] <= 0 || h->n[3] <= 0 || h->n[4] <= 0 || h->n[5] < 0 ||
        h->n[6] < 0 || h->n[7] < 0)
        die(PT_EXIT_FAIL, "%s: a bad WELCOME", a->url);
    a->welcomed = 1;
    if (a->img != NULL && (size_t)h->n[0] == a->img_size && (uint32_t)h->n[1] == a->crc &&
        (uint64_t)h->n[2] == a->fp) {
        /* REJOIN with the coordinator's image: it sends no CHUNK (the same rule there). The
         * kept bytes were verified on the last link and their CRC-32C, computed for the
         * REJOIN, is the WELCOME's: verify_image need not compute it again */
        a->got = a->img_size;
        a->matched = 1;
        fprintf(stderr, "paratune-agent: rejoined %s; the image kept (the same fingerprint), "
                "not received again\n", a->url);
    } else if (a->img != NULL) { /* another image: the kept one goes */
        pt_shm_unmap(a->img, a->img_size);
        close(a->img_fd);
        a->img = NULL;
        a->img_fd = -1;
    }
    a->img_size = (size_t)h->n[0];
    a->crc = (uint32_t)h->n[1];
    a->fp = (uint64_t)h->n[2];
    a->hb = (double)h->n[3] / 1000;
    a->cap = h->n[4] < a->slots ? (long)h->n[4] : a->slots;
    a->stats_slots = (size_t)h->n[5];
    a->stats_p = (size_t)h->n[6];
    a->ncodes = (size_t)h->n[7];
    if ((a->wargs = calloc(1, n + 1)) == NULL)
        die(PT_EXIT_FAIL, "out of memory");
    if (n > 0)
        memcpy(a->wargs, zmq_msg_data(body), n);
    if (a->img == NULL && pt_shm_create(a->img_size, &a->img_fd, &a->img, err) != 0)
        die(PT_EXIT_FAIL, "the image (%zu bytes): %s", a->img_size, err);
}

static void on_chunk(agent_t *a, const pt_link_hdr_t *h, zmq_msg_t *body)
{
    size_t off = (size_t)h->n[0], n = body != NULL ? zmq_msg_size(body) : 0;
    if (!a->welcomed || h->n[0] < 0 || off != a->got || n > a->img_size - off)
        die(PT_EXIT_FAIL, "%s: an image chunk out of order (at %zu of %zu bytes, %zu more, "
            "%zu here)", a->url, off, a->img_size, n, a->got);
    memcpy((char *)a->img + off, zmq_msg_data(body), n);
    a->got += n;
    say(a, NULL, 0, "ACK %zu", a->got);
}

/* CUT nblocks (+ counts): the coordinator's stats cut, read as untrusted input (once, after
 * WELCOME, for a moments segment; the blocks a multiple of its slots, one or two kinds). */
static void on_cut(agent_t *a, const pt_link_hdr_t *h, zmq_msg_t *body)
{
    char err[PT_ERRLEN] = "";
    size_t nb = (size_t)h->n[0];
    if (!a->welcomed || a->cut != NULL || a->stats_slots == 0 || body == NULL || nb == 0 ||
        nb > a->stats_slots || a->stats_slots % nb != 0 || a->stats_slots / nb > 2 ||
        (a->cut = calloc(nb, sizeof *a->cut)) == NULL ||
        pt_link_cut_decode(zmq_msg_data(body), zmq_msg_size(body), nb, a->cut, err) < 0)
        die(PT_EXIT_FAIL, "%s: a bad CUT message%s%s", a->url, err[0] ? ": " : "", err);
    a->ncut = nb;
}

/* The cut against the verified image: its blocks and width, and no piece without a row
 * (a piece of a block of n rows holds n / pieces of them). 0 or -EINVAL with err set. */
static int check_cut(agent_t *a, char *err)
{
    pt_image_t *img;
    const pt_image_hdr_t *hdr;
    int rc = 0;
    if (a->cut == NULL)
        return 0; /* a coordinator that cuts no block */
    if ((img = pt_image_map(a->ro_fd, err)) == NULL)
        return -EINVAL;
    hdr = pt_image_header(img);
    if (hdr->nblocks != a->ncut || hdr->features != a->stats_p) {
        pt_seterr(err, "a stats cut of %zu blocks x %zu features for an image of %llu x %llu",
                  a->ncut, a->stats_p, (unsigned long long)hdr->nblocks,
                  (unsigned long long)hdr->features);
        rc = -EINVAL;
    }
    for (size_t b = 0; rc == 0 && b < a->ncut; b++) {
        size_t n = 0;
        pt_image_block(img, b, NULL, &n);
        if (a->cut[b] > n) {
            pt_seterr(err, "a stats cut of block %zu (%zu rows) in %zu pieces", b, n, a->cut[b]);
            rc = -EINVAL;
        }
    }
    pt_image_unmap(&img);
    return rc;
}

/* Whether the image's bytes are the WELCOME's: its CRC-32C, and a header with its
 * fingerprint and size. */
static int image_matches(const agent_t *a)
{
    const pt_image_hdr_t *hdr = a->img;
    return a->img_size >= sizeof *hdr && pt_crc32c(a->img, a->img_size) == a->crc &&
           hdr->fingerprint == a->fp && hdr->total_size == a->img_size;
}

/* Reads the image's bytes from the start of the shared file path into the image. 0, or a
 * negative errno with err saying why. */
static int read_shared(agent_t *a, const char *path, char *err)
{
    struct stat st;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), rc = 0; /* a FIFO: no wait */
    if (fd < 0 || fstat(fd, &st) != 0) {
        rc = -errno;
        pt_seterr(err, "cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < a->img_size) {
        pt_seterr(err, "%s is not a file of at least %zu bytes", path, a->img_size);
        rc = -EINVAL;
        goto out;
    }
    while (got < a->img_size) {
        ssize_t n = pread(fd, (char *)a->img + got, a->img_size - got, (off_t)got);
        if (n <= 0) {
            rc = n < 0 ? -errno : -EIO;
            pt_seterr(err, "cannot read %s: %s", path, n < 0 ? strerror(errno) : "it shrank");
            goto out;
        }
        got += (size_t)n;
    }
    if (!image_matches(a)) {
        pt_seterr(err, "%s does not hold the sweep's image (CRC-32C or fingerprint)", path);
        rc = -EINVAL;
    }
    a->matched = rc == 0;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

/* OFFER size crc fingerprint (+ path): the image may be read from a shared file (once,
 * before any CHUNK). HAVE when its bytes are the WELCOME's, else NEED (the chunks follow). */
static void on_offer(agent_t *a, const pt_link_hdr_t *h, zmq_msg_t *body)
{
    char path[PT_LINK_PATH_MAX] = "", err[PT_ERRLEN] = "";
    double t0 = pt_now();
    if (!a->welcomed || a->got != 0 || a->image_ok)
        die(PT_EXIT_FAIL, "%s: an OFFER out of order", a->url);
    if ((size_t)h->n[0] != a->img_size || (uint32_t)h->n[1] != a->crc ||
        (uint64_t)h->n[2] != a->fp)
        pt_seterr(err, "an OFFER of another image than the WELCOME's");
    else if (a->no_shared_read)
        pt_seterr(err, "--no-shared-read");
    else if (pt_link_offer_decode(body != NULL ? zmq_msg_data(body) : NULL,
                                  body != NULL ? zmq_msg_size(body) : 0, path, err) == 0)
        read_shared(a, path, err);
    if (err[0] == '\0') {
        a->got = a->img_size; /* read_shared matched it: verify_image takes it as is */
        fprintf(stderr, "paratune-agent: image read from the shared file %s (%.1f MB in "
                "%.3f s), not shipped\n", path, a->img_size / 1e6, pt_now() - t0);
        say(a, NULL, 0, "HAVE");
    } else {
        fprintf(stderr, "paratune-agent: the shared image file not used (%s); it is shipped\n",
                err);
        say(a, NULL, 0, "NEED %.250s", err);
    }
}

/* The whole image is here: its bytes must be the coordinator's before anything reads them. */
static void verify_image(agent_t *a)
{
    char err[PT_ERRLEN];
    const char *fail = getenv("PARATUNE_AGENT_FAILPOINT");
    if (fail != NULL && strcmp(fail, "tamper") == 0) { /* tests: a byte changed in transit */
        ((unsigned char *)a->img)[a->img_size / 2] ^= 1;
        a->matched = 0;
    }
    if (!a->matched && !image_matches(a)) {
        int linger = 2000; /* the BAD message goes out before the exit (at most 2 s) */
        say(a, NULL, 0, "BAD the image's bytes do not match the coordinator's fingerprint");
        zmq_setsockopt(a->dealer, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(a->dealer);
        zmq_close(a->mon);
        zmq_ctx_term(a->ctx);
        die(PT_EXIT_FAIL, "%s: the image received does not match the coordinator's "
            "fingerprint; not used", a->url);
    }
    if ((a->ro_fd = pt_shm_reopen_readonly(a->img_fd, err)) < 0)
        die(PT_EXIT_FAIL, "the image: %s", err);
    if (a->stats_slots > 0 && (check_cut(a, err) != 0 ||
                               pt_stats_create_cut(a->stats_slots, a->stats_p, a->ncut, a->cut,
                                                   &a->stats_fd, err) != 0))
        die(PT_EXIT_FAIL, "the moments segment: %s", err);
    if (a->ncodes > 0 && pt_codes_create((const pt_codes_key_t *)a->codes_keys, a->ncodes,
                                         &a->codes_fd, err) != 0)
        die(PT_EXIT_FAIL, "the codes segment: %s", err);
    a->image_ok = 1;
}

/* ---------------------------------------------------------------- workers */

static int arm_secret(void *arg, size_t slot, pid_t pid, char *out, char *err)
{
    agent_t *a = arg;
    return pt_peers_arm(a->peers, slot, pid, out, err);
}

/* The workers' command line: the agent's endpoint and descriptors, then the coordinator's
 * arguments (evaluator, metric, threads, ...). OPENBLAS_NUM_THREADS follows --threads. */
static void make_argv(agent_t *a)
{
    int n = 0;
    snprintf(a->fdarg[0], sizeof a->fdarg[0], "%d", a->ro_fd);
    snprintf(a->fdarg[1], sizeof a->fdarg[1], "%ld", (long)getpid());
    snprintf(a->fdarg[2], sizeof a->fdarg[2], "%d", a->stats_fd);
    snprintf(a->fdarg[3], sizeof a->fdarg[3], "%d", a->codes_fd);
    a->argv[n++] = "paratune-worker";
    a->argv[n++] = "--endpoint";
    a->argv[n++] = a->endpoint;
    a->argv[n++] = "--image-fd";
    a->argv[n++] = a->fdarg[0];
    a->argv[n++] = "--parent";
    a->argv[n++] = a->fdarg[1];
    a->argv[n++] = "--secret-fd";
    a->argv[n++] = a->secret_arg;
    if (a->stats_fd >= 0) {
        a->argv[n++] = "--stats-fd";
        a->argv[n++] = a->fdarg[2];
    }
    if (a->codes_fd >= 0) {
        a->argv[n++] = "--codes-fd";
        a->argv[n++] = a->fdarg[3];
    }
    for (char *p = a->wargs; *p != '\0' && n < MAX_ARGS - 1; p += strlen(p) + 1) {
        if (n > 0 && strcmp(a->argv[n - 1], "--threads") == 0)
            setenv("OPENBLAS_NUM_THREADS", p, 1);
        a->argv[n++] = p;
    }
    a->argv[n] = NULL;
}

/* The local side: a private socket directory (and its janitor), the ROUTER the workers
 * connect to with their secrets, the process table. */
static void start_workers(agent_t *a)
{
    char err[PT_ERRLEN];
    const char *tmp = getenv("TMPDIR");
    int one = 1, zero = 0, keep[3] = {a->ro_fd, a->stats_fd, a->codes_fd};
    int ivl = (int)(a->hb * 1000 + 0.5), tmo = PT_LINK_MISSES * ivl;
    pt_procs_config_t pc;
    static int keep_static[3];
    snprintf(a->sockdir, sizeof a->sockdir, "%s/paratune-agent-XXXXXX",
             tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
    if (mkdtemp(a->sockdir) == NULL)
        die(PT_EXIT_FAIL, "cannot create a socket directory: %s", strerror(errno));
    snprintf(a->endpoint, sizeof a->endpoint, "ipc://%s/ctl", a->sockdir);
    if (pt_worker_path(a->worker, sizeof a->worker) != 0)
        die(PT_EXIT_FAIL, "cannot find paratune-worker");
    make_argv(a);
    memcpy(keep_static, keep, sizeof keep);
    memset(&pc, 0, sizeof pc);
    pc.path = a->worker;
    pc.argv = a->argv;
    pc.keep = keep_static;
    pc.nkeep = 3;
    pc.threads = 1;
    pc.secret = arm_secret;
    pc.secret_arg = a;
    pc.secret_fd_arg = a->secret_arg;
    if ((a->procs = pt_procs_new((size_t)a->cap, &pc)) == NULL ||
        (a->slot_setup = calloc((size_t)a->cap, sizeof *a->slot_setup)) == NULL)
        die(PT_EXIT_FAIL, "out of memory");
    if (pt_procs_janitor(a->procs, a->sockdir, err) != 0 ||
        (a->peers = pt_peers_new(a->ctx, (size_t)a->cap, err)) == NULL)
        die(PT_EXIT_FAIL, "%s", err);
    a->router = zmq_socket(a->ctx, ZMQ_ROUTER);
    if (a->router == NULL)
        die(PT_EXIT_FAIL, "zmq: %s", zmq_strerror(errno));
    zmq_setsockopt(a->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt(a->router, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(a->router, ZMQ_PLAIN_SERVER, &one, sizeof one);
    zmq_setsockopt(a->router, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl); /* as the coordinator's */
    zmq_setsockopt(a->router, ZMQ_HEARTBEAT_TIMEOUT, &tmo, sizeof tmo);
    if (pt_peers_watch(a->peers, a->router, err) != 0 || zmq_bind(a->router, a->endpoint) != 0)
        die(PT_EXIT_FAIL, "the worker socket %s: %s", a->endpoint, zmq_strerror(errno));
}

static void enqueue(agent_t *a, zmq_msg_t *body, int setup)
{
    const char *fail;
    pt_msg_t m;
    char err[PT_ERRLEN];
    job_t *j;
    memset(&m, 0, sizeof m);
    if (body == NULL || pt_msg_decode(zmq_msg_data(body), zmq_msg_size(body), &m, err) != 0 ||
        m.type != PT_MSG_JOB)
        die(PT_EXIT_FAIL, "%s: a broken job message", a->url);
    if (a->nqueue == a->qcap) {
        size_t c = a->qcap ? 2 * a->qcap : 16;
        job_t *q = realloc(a->queue, c * sizeof *q);
        if (q == NULL)
            die(PT_EXIT_FAIL, "out of memory");
        a->queue = q;
        a->qcap = c;
    }
    j = &a->queue[a->nqueue++];
    j->len = zmq_msg_size(body);
    if ((j->data = malloc(j->len ? j->len : 1)) == NULL)
        die(PT_EXIT_FAIL, "out of memory");
    memcpy(j->data, zmq_msg_data(body), j->len);
    j->id = (long)m.job_id;
    j->setup = setup ? 1 + (m.kind == PT_JOB_STATS) : 0;
    j->not_before = 0;
    if (!setup && (fail = getenv("PARATUNE_AGENT_FAILPOINT")) != NULL &&
        strncmp(fail, "hold=", 5) == 0)
        j->not_before = pt_now() + atof(fail + 5);
    a->setup_left += setup;
    pt_msg_clear(&m);
}

/* Hands queued jobs to idle workers (setup jobs first: they were queued first; the others
 * only once the image is verified and the setup done). */
static void dispatch(agent_t *a)
{
    if (a->procs == NULL)
        return;
    for (size_t i = 0; i < pt_procs_nslots(a->procs) && a->nqueue > 0; i++) {
        pt_slot_t *w = pt_procs_slot(a->procs, i);
        job_t j = a->queue[0];
        if (w->state != W_IDLE || w->kill_reason[0] != '\0' || (!j.setup && a->setup_left > 0))
            continue;
        if (j.not_before > pt_now())
            break;
        memmove(a->queue, a->queue + 1, (a->nqueue - 1) * sizeof *a->queue);
        a->nqueue--;
        if (zmq_send(a->router, w->id, w->idlen, ZMQ_SNDMORE) < 0 ||
            zmq_send(a->router, j.data, j.len, 0) < 0) {
            pt_procs_kill(w, "its connection is gone");
        }
        w->state = W_BUSY;
        w->job = j.id;
        w->started = pt_now();
        a->slot_setup[i] = j.setup;
        free(j.data);
    }
}

/* A worker's message on the local ROUTER: HELLO binds it; an answer goes to the coordinator
 * (a setup job's is only counted). */
static void on_worker(agent_t *a)
{
    zmq_msg_t idf, body;
    pt_msg_t m;
    char err[PT_ERRLEN];
    pt_slot_t *w;
    zmq_msg_init(&idf);
    zmq_msg_init(&body);
    memset(&m, 0, sizeof m);
    if (zmq_msg_recv(&idf, a->router, ZMQ_DONTWAIT) < 0 || !zmq_msg_more(&idf) ||
        zmq_msg_recv(&body, a->router, 0) < 0 ||
        pt_msg_decode(zmq_msg_data(&body), zmq_msg_size(&body), &m, err) != 0)
        goto out;
    if (m.type == PT_MSG_HELLO) {
        w = pt_procs_by_pid(a->procs, m.pid);
        if (w != NULL && w->state == W_STARTING && zmq_msg_size(&idf) <= sizeof w->id &&
            pt_peers_is(a->peers, zmq_msg_gets(&body, "User-Id"),
                        (size_t)(w - pt_procs_slot(a->procs, 0)))) {
            w->idlen = zmq_msg_size(&idf);
            memcpy(w->id, zmq_msg_data(&idf), w->idlen);
            w->fd = zmq_msg_get(&body, ZMQ_SRCFD);
            w->state = W_IDLE;
        }
    } else if (m.type == PT_MSG_RESULT || m.type == PT_MSG_ERROR) {
        w = pt_procs_by_id(a->procs, zmq_msg_data(&idf), zmq_msg_size(&idf));
        if (w == NULL || w->state != W_BUSY || w->job != m.job_id)
            goto out;
        w->state = W_IDLE;
        w->job = -1;
        if (a->slot_setup[w - pt_procs_slot(a->procs, 0)]) {
            a->setup_left--;
            a->stats_ok += a->slot_setup[w - pt_procs_slot(a->procs, 0)] == 2 &&
                           m.type == PT_MSG_RESULT;
        } else
            say(a, zmq_msg_data(&body), zmq_msg_size(&body), "RESULT %ld", (long)w->pid);
    }
out:
    pt_msg_clear(&m);
    zmq_msg_close(&idf);
    zmq_msg_close(&body);
}

/* Dead workers: a held fit goes back to the coordinator (LOST), which retries it; a setup
 * job's fits compute what it would have shared themselves. */
static void reap(agent_t *a)
{
    pt_death_t d;
    if (a->procs == NULL)
        return;
    while (pt_procs_reap(a->procs, &d)) {
        pt_peers_disarm(a->peers, d.slot);
        if (d.job < 0)
            continue;
        if (a->slot_setup[d.slot])
            a->setup_left--;
        else if (!d.timed_out) /* a cancelled job's worker: the coordinator knows */
            say(a, NULL, 0, "LOST %ld %s on %s", d.job, d.why, a->node);
    }
}

/* Workers whose connection died (no answer to the heartbeats: stopped or frozen; or closed)
 * are killed; reaping them reports their jobs LOST. */
static void lost_workers(agent_t *a)
{
    int fd;
    if (a->peers == NULL)
        return;
    while ((fd = pt_peers_lost(a->peers)) >= 0)
        for (size_t i = 0; i < pt_procs_nslots(a->procs); i++) {
            pt_slot_t *w = pt_procs_slot(a->procs, i);
            if ((w->state == W_IDLE || w->state == W_BUSY) && w->fd == fd &&
                w->kill_reason[0] == '\0')
                pt_procs_kill(w, "its connection died (no answer to the heartbeats, or closed)");
        }
}

/* KILL job why: the coordinator cancelled a fit (--job-timeout, --time-budget): dropped from
 * the queue, or its worker killed; either way nothing of it is reported (the coordinator
 * recorded it already). */
static void on_kill(agent_t *a, const pt_link_hdr_t *h)
{
    long job = (long)h->n[0];
    char why[300];
    for (size_t k = 0; k < a->nqueue; k++)
        if (!a->queue[k].setup && a->queue[k].id == job) {
            free(a->queue[k].data);
            memmove(a->queue + k, a->queue + k + 1, (a->nqueue - k - 1) * sizeof *a->queue);
            a->nqueue--;
            return;
        }
    snprintf(why, sizeof why, "cancelled by the coordinator (%.200s)", h->text);
    for (size_t i = 0; a->procs != NULL && i < pt_procs_nslots(a->procs); i++) {
        pt_slot_t *w = pt_procs_slot(a->procs, i);
        if (w->state == W_BUSY && w->job == job && !a->slot_setup[i] &&
            w->kill_reason[0] == '\0') {
            w->timed_out = 1; /* its death is not a LOST job */
            pt_procs_kill(w, why);
        }
    }
}

/* ---------------------------------------------------------------- the loop */

#define LOST_LINK 3 /* run(): the coordinator lost, to be joined again (--reconnect) */

/* The coordinator is lost (why): without --reconnect the agent exits 1; with it, the caller
 * joins again (LOST_LINK). */
static int lost_link(agent_t *a, const char *why)
{
    if (!a->reconnect)
        die(PT_EXIT_FAIL, "%s: %s", a->url, why);
    fprintf(stderr, "paratune-agent: %s: %s; joining again (--reconnect, for up to %g s)\n",
            a->url, why, a->timeout);
    return LOST_LINK;
}

/* Whether the header frame hf is WORD with nnum numbers (parsed into h). */
static int is_msg(zmq_msg_t *hf, const char *word, int nnum, pt_link_hdr_t *h)
{
    return pt_link_hdr_parse(zmq_msg_data(hf), zmq_msg_size(hf), nnum, h) == 0 &&
           strcmp(h->word, word) == 0;
}

/* One message from the coordinator. Returns 1 when told to stop, LOST_LINK when dropped
 * (--reconnect). */
static int on_coordinator(agent_t *a)
{
    zmq_msg_t hf, body;
    pt_link_hdr_t h;
    zmq_msg_t *b;
    int has_body, stop = 0;
    zmq_msg_init(&hf);
    zmq_msg_init(&body);
    if (zmq_msg_recv(&hf, a->dealer, ZMQ_DONTWAIT) < 0)
        goto out;
    has_body = zmq_msg_more(&hf) && zmq_msg_recv(&body, a->dealer, 0) >= 0;
    b = has_body ? &body : NULL;
    a->last_heard = pt_now();
    if (pt_link_hdr_is(zmq_msg_data(&hf), zmq_msg_size(&hf), "JOB")) {
        const char *fail = getenv("PARATUNE_AGENT_FAILPOINT");
        enqueue(a, b, 0);
        if (fail != NULL && strcmp(fail, "deaf") == 0) { /* tests: stop reading for 3 s */
            dispatch(a);
            sleep(3);
        }
    }
    else if (is_msg(&hf, "CHUNK", 1, &h))
        on_chunk(a, &h, b);
    else if (is_msg(&hf, "WELCOME", 8, &h))
        on_welcome(a, &h, b);
    else if (is_msg(&hf, "KILL", 1, &h))
        on_kill(a, &h);
    else if (is_msg(&hf, "CUT", 1, &h))
        on_cut(a, &h, b);
    else if (is_msg(&hf, "OFFER", 3, &h))
        on_offer(a, &h, b);
    else if (pt_link_hdr_is(zmq_msg_data(&hf), zmq_msg_size(&hf), "SETUP"))
        enqueue(a, b, 1);
    else if (pt_link_hdr_is(zmq_msg_data(&hf), zmq_msg_size(&hf), "CODES") && has_body &&
             zmq_msg_size(&body) == a->ncodes * sizeof(pt_codes_key_t) && a->codes_keys == NULL) {
        if ((a->codes_keys = malloc(zmq_msg_size(&body) + 1)) == NULL)
            die(PT_EXIT_FAIL, "out of memory");
        memcpy(a->codes_keys, zmq_msg_data(&body), zmq_msg_size(&body));
    } else if (is_msg(&hf, "BYE", 0, &h)) {
        char why[320];
        snprintf(why, sizeof why, "the coordinator dropped this agent (%.250s)", h.text);
        stop = strcmp(h.text, "the sweep is over") == 0 ? 1 : lost_link(a, why);
    }
out:
    zmq_msg_close(&hf);
    zmq_msg_close(&body);
    return stop;
}

/* The relay: until BYE, a signal, or the coordinator's silence. Returns the exit code, or
 * LOST_LINK (--reconnect). */
static int run(agent_t *a)
{
    for (;;) {
        zmq_pollitem_t it[2] = {{a->dealer, 0, ZMQ_POLLIN, 0}, {a->router, 0, ZMQ_POLLIN, 0}};
        double now = pt_now(), hb = a->hb > 0 ? a->hb : a->timeout / PT_LINK_MISSES;
        char err[PT_ERRLEN];
        if (got_stop) {
            fprintf(stderr, "paratune-agent: stopped by signal %d (%s)\n", (int)got_stop,
                    strsignal((int)got_stop));
            return 1;
        }
        if (got_chld) {
            got_chld = 0;
            reap(a);
        }
        if (a->welcomed && !a->image_ok && a->got == a->img_size &&
            (a->ncodes == 0 || a->codes_keys != NULL)) {
            verify_image(a);
            start_workers(a);
        }
        if (a->procs != NULL && pt_procs_top_up(a->procs, (size_t)a->cap, err) != 0)
            die(PT_EXIT_FAIL, "%s", err);
        if (a->procs != NULL && pt_procs_live(a->procs) == 0) /* none could start: the jobs
                                                               * must go to other nodes */
            die(PT_EXIT_FAIL, "no worker could start (%d start-up failures)",
                pt_procs_start_failures(a->procs));
        lost_workers(a);
        dispatch(a);
        if (a->image_ok && a->setup_left == 0 && !a->ready_sent &&
            say(a, NULL, 0, "READY %ld", a->stats_ok) == 0)
            a->ready_sent = 1;
        if (now - a->last_sent >= hb)
            say(a, NULL, 0, "PING");
        if (now - a->last_heard > PT_LINK_MISSES * hb) {
            char why[96];
            snprintf(why, sizeof why, "lost the coordinator (nothing heard for %g s)",
                     PT_LINK_MISSES * hb);
            return lost_link(a, why);
        }
        if (zmq_poll(it, a->router != NULL ? 2 : 1, POLL_MS) < 0 && errno != EINTR)
            die(PT_EXIT_FAIL, "zmq_poll: %s", zmq_strerror(errno));
        for (int k = 0; k < 256 && (it[0].revents & ZMQ_POLLIN); k++) {
            int ev = 0;
            size_t sz = sizeof ev;
            int stop = on_coordinator(a);
            if (stop != 0)
                return stop == 1 ? 0 : stop;
            zmq_getsockopt(a->dealer, ZMQ_EVENTS, &ev, &sz);
            if (!(ev & ZMQ_POLLIN))
                break;
        }
        for (int k = 0; a->router != NULL && k < 256; k++) {
            int ev = 0;
            size_t sz = sizeof ev;
            zmq_getsockopt(a->router, ZMQ_EVENTS, &ev, &sz);
            if (!(ev & ZMQ_POLLIN))
                break;
            on_worker(a);
        }
    }
}

/* Everything but the image (when keep: for a REJOIN): the workers (killed and reaped, then
 * the janitor), the socket directory, the ZeroMQ context and its sockets, the moments and
 * codes segments, the queue and the setup. */
static void teardown(agent_t *a, int keep)
{
    if (a->procs != NULL)
        pt_procs_destroy(&a->procs); /* kills and reaps the workers, then the janitor */
    if (a->sockdir[0] != '\0') {
        char path[320];
        snprintf(path, sizeof path, "%s/ctl", a->sockdir);
        unlink(path);
        rmdir(a->sockdir);
        a->sockdir[0] = '\0';
    }
    zmq_close(a->dealer);
    zmq_close(a->mon);
    if (a->router != NULL)
        zmq_close(a->router);
    zmq_ctx_shutdown(a->ctx);
    pt_peers_destroy(&a->peers);
    zmq_ctx_term(a->ctx);
    a->ctx = a->dealer = a->mon = a->router = NULL;
    for (size_t i = 0; i < a->nqueue; i++)
        free(a->queue[i].data);
    free(a->queue);
    free(a->wargs);
    free(a->codes_keys);
    free(a->cut);
    free(a->slot_setup);
    a->queue = NULL;
    a->wargs = NULL;
    a->codes_keys = NULL;
    a->cut = NULL;
    a->slot_setup = NULL;
    a->nqueue = a->qcap = a->ncut = a->setup_left = a->got = 0;
    a->stats_ok = 0;
    a->welcomed = a->image_ok = a->ready_sent = a->matched = 0;
    for (int k = 0, *fds[3] = {&a->ro_fd, &a->stats_fd, &a->codes_fd}; k < 3; k++)
        if (*fds[k] >= 0) {
            close(*fds[k]);
            *fds[k] = -1;
        }
    if (!keep && a->img != NULL) {
        pt_shm_unmap(a->img, a->img_size);
        close(a->img_fd);
        a->img = NULL;
        a->img_fd = -1;
    }
}

int main(int argc, char **argv)
{
    static agent_t a;
    int rc;
    a.img_fd = a.ro_fd = a.stats_fd = a.codes_fd = -1;
    parse_args(argc, argv, &a);
    pt_procs_signals(on_chld, on_stop);
    /* Launched by srun or a shell that may die: go with it (the workers go with us). */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    open_link(&a);
    while ((rc = run(&a)) == LOST_LINK) {
        /* --reconnect: a new link (a new connection, handshake and routing id) and a new
         * node for the coordinator; a verified image is kept (REJOIN), nothing else */
        teardown(&a, a.img != NULL && a.got == a.img_size && a.image_ok);
        a.rejoining = 1;
        open_link(&a);
    }
    teardown(&a, 0);
    return rc;
}
