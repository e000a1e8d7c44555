/* agents.c - node agents over CURVE TCP: the link, shipping, liveness (see agents.h). */
#include "agents.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "pt_codes.h"
#include "pt_common.h"
#include "pt_crc32c.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01" /* fixed by RFC 27 */
#define MON_ENDPOINT "inproc://paratune-agents-monitor"
#define ZAP_FRAMES 7 /* a CURVE request: version, id, domain, address, identity, mechanism, key */
#define MAX_AGENTS 1024
#define MAX_NOTES 64

enum { A_FREE, A_SHIPPING, A_READY };

typedef struct {
    int state;
    unsigned char id[256]; /* routing id */
    size_t idlen;
    int fd;                /* its connection (ZMQ_SRCFD of its HELLO) */
    char node[64];
    long slots, cap;
    size_t sent, acked;    /* image bytes */
    int offered;           /* an OFFER awaits HAVE or NEED: nothing shipped meanwhile */
    double joined, last_heard, last_sent;
    long *jobs;            /* outstanding job ids (cap of them) and when each was sent */
    double *sent_at;
    size_t njobs;
} agent_t;

typedef struct {
    long job;
    double started;
    char why[200];
} lost_t;

struct pt_agents {
    pt_agents_config_t cfg;
    void *ctx, *router, *zap, *mon;
    pthread_t zap_thread;
    int zap_started;
    unsigned char client_key[32];
    uint32_t crc;
    unsigned char *cut;    /* the CUT payload (pt_link_cut_encode), or NULL */
    agent_t agents[MAX_AGENTS];
    size_t nagents;        /* slots used so far (dropped ones are reused) */
    double idle_since;     /* when the last ready agent went, or the bind */
    char notes[MAX_NOTES][PT_ERRLEN];
    size_t nnotes;
    lost_t *lost;          /* room for every outstanding job: --parallelism */
    size_t nlost, maxlost;
    long refused, refused_noted;
    zmq_msg_t last;        /* the last RESULT's body (pt_agents_answer_t.body) */
};

static void note(pt_agents_t *a, const char *fmt, ...)
{
    va_list ap;
    if (a->nnotes == MAX_NOTES)
        return;
    va_start(ap, fmt);
    vsnprintf(a->notes[a->nnotes++], PT_ERRLEN, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------------------- ZAP */

/* The ZAP thread: a CURVE client with the sweep's client key is admitted (user id "agent"),
 * anything else refused, until the context is shut down. */
static void *zap_main(void *arg)
{
    pt_agents_t *a = arg;
    for (;;) {
        zmq_msg_t f[ZAP_FRAMES + 1];
        int n = 0, more = 1, ok;
        for (; more && n <= ZAP_FRAMES; n++) {
            zmq_msg_init(&f[n]);
            if (zmq_msg_recv(&f[n], a->zap, 0) < 0) {
                for (int i = 0; i <= n; i++)
                    zmq_msg_close(&f[i]);
                if (errno == EINTR)
                    goto next;
                return NULL;
            }
            more = zmq_msg_more(&f[n]);
        }
        while (more) { /* frames beyond a CURVE request's: dropped */
            zmq_msg_t x;
            zmq_msg_init(&x);
            if (zmq_msg_recv(&x, a->zap, 0) < 0)
                more = 0;
            else
                more = zmq_msg_more(&x);
            zmq_msg_close(&x);
        }
        ok = n == ZAP_FRAMES && zmq_msg_size(&f[5]) == 5 &&
             memcmp(zmq_msg_data(&f[5]), "CURVE", 5) == 0 && zmq_msg_size(&f[6]) == 32 &&
             memcmp(zmq_msg_data(&f[6]), a->client_key, 32) == 0;
        if (n >= 2) {
            zmq_send(a->zap, "1.0", 3, ZMQ_SNDMORE);
            zmq_send(a->zap, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE);
            zmq_send(a->zap, ok ? "200" : "400", 3, ZMQ_SNDMORE);
            zmq_send(a->zap, ok ? "OK" : "not this sweep's key", ok ? 2 : 20, ZMQ_SNDMORE);
            zmq_send(a->zap, ok ? "agent" : "", ok ? 5 : 0, ZMQ_SNDMORE);
            zmq_send(a->zap, "", 0, 0);
        }
        for (int i = 0; i < n; i++)
            zmq_msg_close(&f[i]);
    next:;
    }
}

/* ---------------------------------------------------------------- open and close */

static int open_socket(pt_agents_t *a, char *err)
{
    int one = 1, zero = 0, recv_ms = 0;
    int ivl = (int)(a->cfg.heartbeat * 1000 + 0.5), tmo = PT_LINK_MISSES * ivl;
    a->router = zmq_socket(a->ctx, ZMQ_ROUTER);
    if (a->router == NULL) {
        pt_seterr(err, "zmq: %s", zmq_strerror(errno));
        return -EIO;
    }
    zmq_setsockopt(a->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt(a->router, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(a->router, ZMQ_RCVTIMEO, &recv_ms, sizeof recv_ms);
    zmq_setsockopt(a->router, ZMQ_CURVE_SERVER, &one, sizeof one);
    zmq_setsockopt(a->router, ZMQ_CURVE_SECRETKEY, a->cfg.key->server_secret, PT_LINK_Z85);
    zmq_setsockopt(a->router, ZMQ_ZAP_DOMAIN, "paratune", 8);
    zmq_setsockopt(a->router, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt(a->router, ZMQ_HEARTBEAT_TIMEOUT, &tmo, sizeof tmo);
    if (zmq_socket_monitor(a->router, MON_ENDPOINT,
                           ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0 ||
        (a->mon = zmq_socket(a->ctx, ZMQ_PAIR)) == NULL ||
        zmq_setsockopt(a->mon, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_connect(a->mon, MON_ENDPOINT) != 0) {
        pt_seterr(err, "zmq: the socket monitor: %s", zmq_strerror(errno));
        return -EIO;
    }
    if (zmq_bind(a->router, a->cfg.url) != 0) {
        pt_seterr(err, "--listen %s: %s", a->cfg.url, zmq_strerror(errno));
        return -EADDRINUSE;
    }
    return 0;
}

pt_agents_t *pt_agents_open(const pt_agents_config_t *cfg, char *err)
{
    pt_agents_t *a = calloc(1, sizeof *a);
    int zero = 0;
    if (a == NULL ||
        (a->lost = calloc((size_t)cfg->parallelism + 1, sizeof *a->lost)) == NULL) {
        free(a);
        pt_seterr(err, "out of memory");
        return NULL;
    }
    a->cfg = *cfg;
    a->maxlost = (size_t)cfg->parallelism + 1;
    if (a->cfg.heartbeat <= 0)
        a->cfg.heartbeat = 10;
    zmq_msg_init(&a->last);
    a->crc = pt_crc32c(cfg->image, cfg->image_size);
    a->idle_since = pt_now();
    if (cfg->stats_slots > 0 && cfg->stats_count != NULL &&
        ((a->cut = malloc(4 * cfg->stats_nblocks + 1)) == NULL ||
         pt_link_cut_encode(cfg->stats_count, cfg->stats_nblocks, a->cut) != 0)) {
        pt_seterr(err, "the stats cut of %zu blocks cannot be sent", cfg->stats_nblocks);
        goto error;
    }
    if (zmq_z85_decode(a->client_key, cfg->key->client_public) == NULL) {
        pt_seterr(err, "--key: a malformed client key");
        goto error;
    }
    a->ctx = zmq_ctx_new();
    a->zap = a->ctx ? zmq_socket(a->ctx, ZMQ_REP) : NULL;
    if (a->zap == NULL || zmq_setsockopt(a->zap, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_bind(a->zap, ZAP_ENDPOINT) != 0) {
        pt_seterr(err, "zmq: the ZAP handler: %s", zmq_strerror(errno));
        goto error;
    }
    if (pthread_create(&a->zap_thread, NULL, zap_main, a) != 0) {
        pt_seterr(err, "cannot start the ZAP thread");
        goto error;
    }
    a->zap_started = 1;
    if (open_socket(a, err) != 0)
        goto error;
    return a;
error:
    pt_agents_close(&a);
    return NULL;
}

static int say(pt_agents_t *a, agent_t *g, const void *data, size_t len, const char *fmt, ...)
{
    char hdr[320];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = pt_link_hdr_vformat(hdr, sizeof hdr, fmt, ap);
    va_end(ap);
    if (n < 0 || zmq_send(a->router, g->id, g->idlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(a->router, hdr, (size_t)n, (data != NULL ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT) < 0 ||
        (data != NULL && zmq_send(a->router, data, len, ZMQ_DONTWAIT) < 0))
        return -1;
    g->last_sent = pt_now();
    return 0;
}

void pt_agents_close(pt_agents_t **pa)
{
    pt_agents_t *a;
    if (pa == NULL || (a = *pa) == NULL)
        return;
    for (size_t i = 0; a->router != NULL && i < a->nagents; i++)
        if (a->agents[i].state != A_FREE)
            say(a, &a->agents[i], NULL, 0, "BYE the sweep is over");
    if (a->router != NULL) {
        int linger = 500; /* the BYEs go out (at most 0.5 s for a node that does not read) */
        zmq_setsockopt(a->router, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(a->router);
    }
    if (a->mon != NULL)
        zmq_close(a->mon);
    zmq_msg_close(&a->last);
    if (a->ctx != NULL)
        zmq_ctx_shutdown(a->ctx); /* wakes the ZAP thread */
    if (a->zap_started)
        pthread_join(a->zap_thread, NULL);
    if (a->zap != NULL)
        zmq_close(a->zap);
    if (a->ctx != NULL)
        zmq_ctx_term(a->ctx);
    for (size_t i = 0; i < a->nagents; i++) {
        free(a->agents[i].jobs);
        free(a->agents[i].sent_at);
    }
    free(a->lost);
    free(a->cut);
    free(a);
    *pa = NULL;
}

/* ---------------------------------------------------------------- agents */

/* Agent g is gone (why): its outstanding jobs become lost ones, its slot free. */
static void drop(pt_agents_t *a, agent_t *g, const char *why)
{
    int was_ready = g->state == A_READY;
    note(a, "agent %s lost (%s); %zu of its jobs go back to the queue", g->node, why, g->njobs);
    for (size_t k = 0; k < g->njobs && a->nlost < a->maxlost; k++) {
        lost_t *l = &a->lost[a->nlost++];
        l->job = g->jobs[k];
        l->started = g->sent_at[k];
        snprintf(l->why, sizeof l->why, "agent %s lost (%s)", g->node, why);
    }
    say(a, g, NULL, 0, "BYE dropped");
    free(g->jobs);
    free(g->sent_at);
    memset(g, 0, sizeof *g);
    g->state = A_FREE;
    if (was_ready && pt_agents_ready(a) == 0)
        a->idle_since = pt_now();
}

static agent_t *by_id(pt_agents_t *a, const void *id, size_t len)
{
    for (size_t i = 0; i < a->nagents; i++)
        if (a->agents[i].state != A_FREE && a->agents[i].idlen == len &&
            memcmp(a->agents[i].id, id, len) == 0)
            return &a->agents[i];
    return NULL;
}

/* Sends image chunks while the window has room. */
static void ship(pt_agents_t *a, agent_t *g)
{
    while (!g->offered && g->sent < a->cfg.image_size &&
           g->sent - g->acked < PT_LINK_WINDOW * PT_LINK_CHUNK) {
        size_t n = a->cfg.image_size - g->sent;
        if (n > PT_LINK_CHUNK)
            n = PT_LINK_CHUNK;
        if (say(a, g, (const char *)a->cfg.image + g->sent, n, "CHUNK %zu", g->sent) != 0)
            return; /* the pipe is full: the next ACK or check sends more */
        g->sent += n;
    }
}

static void watch(pt_agents_t *a);

/* HELLO slots pid node: a new agent, welcomed and sent its setup and the image; or REJOIN
 * slots pid size crc fingerprint node: an agent that lost this coordinator (--reconnect) and
 * kept an image: when its size, CRC-32C and fingerprint are this image's, nothing is shipped
 * (the agent, which applies the same rule to the WELCOME, checks its bytes again). The monitor's
 * events are read first: a descriptor closed (a refused peer's) and reused by this
 * connection was reported closed before this connection could say anything (one ZeroMQ I/O
 * thread does both), so that report is not taken for this agent's. */
static void on_hello(pt_agents_t *a, zmq_msg_t *idf, zmq_msg_t *hf)
{
    pt_link_hdr_t h;
    agent_t *g = NULL;
    int fd = zmq_msg_get(hf, ZMQ_SRCFD);
    int rejoin = pt_link_hdr_is(zmq_msg_data(hf), zmq_msg_size(hf), "REJOIN"), kept;
    watch(a);
    if (pt_link_hdr_parse(zmq_msg_data(hf), zmq_msg_size(hf), rejoin ? 5 : 2, &h) != 0 ||
        h.n[0] < 1 || zmq_msg_size(idf) > sizeof g->id)
        return;
    kept = rejoin && (size_t)h.n[2] == a->cfg.image_size && (uint32_t)h.n[3] == a->crc &&
           (uint64_t)h.n[4] == a->cfg.fingerprint;
    for (size_t i = 0; i < a->nagents && g == NULL; i++)
        if (a->agents[i].state == A_FREE)
            g = &a->agents[i];
    if (g == NULL && a->nagents < MAX_AGENTS)
        g = &a->agents[a->nagents++];
    if (g == NULL)
        return;
    memset(g, 0, sizeof *g);
    g->slots = (long)h.n[0];
    g->cap = g->slots < a->cfg.parallelism ? g->slots : a->cfg.parallelism;
    if ((g->jobs = calloc((size_t)g->cap, sizeof *g->jobs)) == NULL ||
        (g->sent_at = calloc((size_t)g->cap, sizeof *g->sent_at)) == NULL) {
        free(g->jobs);
        g->state = A_FREE;
        return;
    }
    g->state = A_SHIPPING;
    g->idlen = zmq_msg_size(idf);
    memcpy(g->id, zmq_msg_data(idf), g->idlen);
    g->fd = fd;
    snprintf(g->node, sizeof g->node, "%.63s", h.text[0] ? h.text : "?");
    g->joined = g->last_heard = pt_now();
    if (kept) {
        g->sent = g->acked = a->cfg.image_size;
        note(a, "agent %s rejoined: its image kept (the same fingerprint), not shipped again",
             g->node);
    } else if (rejoin) {
        note(a, "agent %s rejoined: its image is not this sweep's; shipped again", g->node);
    }
    say(a, g, a->cfg.wargs, a->cfg.wargs_len, "WELCOME %zu %lu %llu %ld %ld %zu %zu %zu",
        a->cfg.image_size, (unsigned long)a->crc, (unsigned long long)a->cfg.fingerprint,
        (long)(a->cfg.heartbeat * 1000 + 0.5), g->cap, a->cfg.stats_slots, a->cfg.stats_p,
        a->cfg.ncodes);
    if (a->cfg.ncodes > 0)
        say(a, g, a->cfg.codes_keys, a->cfg.ncodes * sizeof(pt_codes_key_t), "CODES");
    if (a->cut != NULL) /* before the stats jobs, which are its pieces */
        say(a, g, a->cut, 4 * a->cfg.stats_nblocks, "CUT %zu", a->cfg.stats_nblocks);
    for (size_t k = 0; k < a->cfg.nsetup; k++)
        say(a, g, a->cfg.setup[k], a->cfg.setup_len[k], "SETUP");
    if (!kept && a->cfg.shared_path != NULL) /* the chunks wait for its answer */
        g->offered = say(a, g, a->cfg.shared_path, strlen(a->cfg.shared_path),
                         "OFFER %zu %lu %llu", a->cfg.image_size, (unsigned long)a->crc,
                         (unsigned long long)a->cfg.fingerprint) == 0;
    ship(a, g);
}

/* HAVE: the agent read the image from the shared file (as a kept image: nothing shipped);
 * NEED why: it could not, and the image is shipped. */
static void on_offer_answer(pt_agents_t *a, agent_t *g, zmq_msg_t *hf, int have)
{
    pt_link_hdr_t h;
    g->offered = 0;
    if (have) {
        g->sent = g->acked = a->cfg.image_size;
        note(a, "agent %s read the image from the shared file %s (%.1f MB in %.3f s); "
             "nothing shipped", g->node, a->cfg.shared_path, a->cfg.image_size / 1e6,
             pt_now() - g->joined);
        return;
    }
    if (pt_link_hdr_parse(zmq_msg_data(hf), zmq_msg_size(hf), 0, &h) != 0)
        h.text[0] = '\0';
    note(a, "agent %s cannot use the shared file (%.200s); shipping the image", g->node,
         h.text);
    ship(a, g);
}

static void on_ack(pt_agents_t *a, agent_t *g, zmq_msg_t *hf)
{
    pt_link_hdr_t h;
    if (pt_link_hdr_parse(zmq_msg_data(hf), zmq_msg_size(hf), 1, &h) != 0 || h.n[0] < 0 ||
        (size_t)h.n[0] > g->sent)
        return;
    g->acked = (size_t)h.n[0];
    if (g->acked == a->cfg.image_size) {
        double t = pt_now() - g->joined;
        note(a, "agent %s (%ld slots): image of %.1f MB received in %.3f s (%.1f MB/s)",
             g->node, g->slots, a->cfg.image_size / 1e6, t, a->cfg.image_size / 1e6 / (t > 0 ? t : 1e-9));
    }
    ship(a, g);
}

/* LOST job why: a worker of the agent died holding job. */
static void on_lost(pt_agents_t *a, agent_t *g, zmq_msg_t *hf)
{
    pt_link_hdr_t h;
    double started;
    long job;
    if (pt_link_hdr_parse(zmq_msg_data(hf), zmq_msg_size(hf), 1, &h) != 0)
        return;
    job = (long)h.n[0];
    if (pt_agents_take(a, g - a->agents, job, &started) && a->nlost < a->maxlost) {
        lost_t *l = &a->lost[a->nlost++];
        l->job = job;
        l->started = started;
        snprintf(l->why, sizeof l->why, "%.190s", h.text);
    }
}

int pt_agents_recv(pt_agents_t *a, int ms, pt_agents_answer_t *ans)
{
    zmq_pollitem_t it = {a->router, 0, ZMQ_POLLIN, 0};
    zmq_msg_t idf, hf;
    agent_t *g;
    int rc = 0, more;
    const void *d;
    size_t n;
    if (zmq_poll(&it, 1, ms) <= 0)
        return 0;
    zmq_msg_init(&idf);
    zmq_msg_init(&hf);
    if (zmq_msg_recv(&idf, a->router, ZMQ_DONTWAIT) < 0 || !zmq_msg_more(&idf) ||
        zmq_msg_recv(&hf, a->router, 0) < 0)
        goto out;
    more = zmq_msg_more(&hf);
    zmq_msg_close(&a->last);
    zmq_msg_init(&a->last);
    if (more && zmq_msg_recv(&a->last, a->router, 0) < 0)
        goto out;
    d = zmq_msg_data(&hf);
    n = zmq_msg_size(&hf);
    g = by_id(a, zmq_msg_data(&idf), zmq_msg_size(&idf));
    if (g == NULL) {
        if (pt_link_hdr_is(d, n, "HELLO") || pt_link_hdr_is(d, n, "REJOIN"))
            on_hello(a, &idf, &hf);
        else if (zmq_send(a->router, zmq_msg_data(&idf), zmq_msg_size(&idf),
                          ZMQ_SNDMORE | ZMQ_DONTWAIT) == 0)
            zmq_send(a->router, "BYE unknown agent", 17, ZMQ_DONTWAIT);
        goto out;
    }
    g->last_heard = pt_now();
    if (pt_link_hdr_is(d, n, "RESULT") && g->state == A_READY) {
        pt_link_hdr_t h;
        if (pt_link_hdr_parse(d, n, 1, &h) == 0) {
            ans->agent = g - a->agents;
            ans->pid = (pid_t)h.n[0];
            ans->body = zmq_msg_data(&a->last);
            ans->len = zmq_msg_size(&a->last);
            rc = 1;
        }
    } else if (pt_link_hdr_is(d, n, "ACK")) {
        on_ack(a, g, &hf);
    } else if ((pt_link_hdr_is(d, n, "HAVE") || pt_link_hdr_is(d, n, "NEED")) && g->offered) {
        on_offer_answer(a, g, &hf, pt_link_hdr_is(d, n, "HAVE"));
    } else if (pt_link_hdr_is(d, n, "READY") && g->state == A_SHIPPING &&
               g->acked == a->cfg.image_size) {
        pt_link_hdr_t h;
        g->state = A_READY;
        if (pt_link_hdr_parse(d, n, 1, &h) == 0) /* an agent that says how many stats jobs */
            note(a, "agent %s ready: %ld slots, %ld jobs at a time; %lld stats jobs run there",
                 g->node, g->slots, g->cap, h.n[0]);
        else
            note(a, "agent %s ready: %ld slots, %ld jobs at a time", g->node, g->slots, g->cap);
    } else if (pt_link_hdr_is(d, n, "LOST")) {
        on_lost(a, g, &hf);
    } else if (pt_link_hdr_is(d, n, "BAD")) {
        drop(a, g, "it refused the image: its bytes did not match the fingerprint");
    }
out:
    zmq_msg_close(&idf);
    zmq_msg_close(&hf);
    return rc;
}

/* Closed connections and refused handshakes, from the socket monitor. */
static void watch(pt_agents_t *a)
{
    int32_t value = 0;
    int event;
    while ((event = pt_link_monitor_event(a->mon, ZMQ_DONTWAIT, &value)) >= 0) {
        if (event == ZMQ_EVENT_DISCONNECTED) {
            for (size_t i = 0; i < a->nagents; i++)
                if (a->agents[i].state != A_FREE && a->agents[i].fd == value)
                    drop(a, &a->agents[i], "its connection closed");
        } else if (event != 0) {
            a->refused++;
        }
    }
    if (a->refused > a->refused_noted) {
        if (a->refused_noted == 0)
            note(a, "refused a connection to --listen without this sweep's key (further "
                 "refusals are not reported)");
        a->refused_noted = a->refused;
    }
}

void pt_agents_check(pt_agents_t *a)
{
    double now = pt_now(), hb = a->cfg.heartbeat;
    watch(a);
    for (size_t i = 0; i < a->nagents; i++) {
        agent_t *g = &a->agents[i];
        char why[96];
        if (g->state == A_FREE)
            continue;
        if (now - g->last_heard > PT_LINK_MISSES * hb) {
            snprintf(why, sizeof why, "nothing heard for %g s", PT_LINK_MISSES * hb);
            drop(a, g, why);
            continue;
        }
        if (now - g->last_sent >= hb)
            say(a, g, NULL, 0, "PING");
        if (g->state == A_SHIPPING)
            ship(a, g);
    }
}

int pt_agents_next_lost(pt_agents_t *a, long *job, double *started, char *why)
{
    if (a->nlost == 0)
        return 0;
    a->nlost--;
    *job = a->lost[a->nlost].job;
    *started = a->lost[a->nlost].started;
    snprintf(why, PT_ERRLEN, "%s", a->lost[a->nlost].why);
    return 1;
}

int pt_agents_next_note(pt_agents_t *a, char *line)
{
    if (a->nnotes == 0)
        return 0;
    snprintf(line, PT_ERRLEN, "%s", a->notes[0]);
    memmove(a->notes[0], a->notes[1], (a->nnotes - 1) * sizeof a->notes[0]);
    a->nnotes--;
    return 1;
}

long pt_agents_pick(const pt_agents_t *a)
{
    long best = -1, best_free = 0;
    for (size_t i = 0; i < a->nagents; i++) {
        const agent_t *g = &a->agents[i];
        long free_slots = g->cap - (long)g->njobs;
        if (g->state == A_READY && free_slots > best_free) {
            best = (long)i;
            best_free = free_slots;
        }
    }
    return best;
}

int pt_agents_send(pt_agents_t *a, long i, long job, const void *msg, size_t len)
{
    agent_t *g = &a->agents[i];
    if (g->njobs >= (size_t)g->cap || say(a, g, msg, len, "JOB") != 0) {
        drop(a, g, "a job could not be sent");
        return -EHOSTUNREACH;
    }
    g->jobs[g->njobs] = job;
    g->sent_at[g->njobs++] = pt_now();
    return 0;
}

int pt_agents_take(pt_agents_t *a, long i, long job, double *started)
{
    agent_t *g = &a->agents[i];
    for (size_t k = 0; k < g->njobs; k++)
        if (g->jobs[k] == job) {
            *started = g->sent_at[k];
            g->jobs[k] = g->jobs[g->njobs - 1];
            g->sent_at[k] = g->sent_at[g->njobs - 1];
            g->njobs--;
            return 1;
        }
    return 0;
}

int pt_agents_job_at(const pt_agents_t *a, size_t k, long *agent, long *job, double *started)
{
    for (size_t i = 0; i < a->nagents; k -= a->agents[i].njobs, i++) {
        const agent_t *g = &a->agents[i];
        if (g->state == A_FREE || k >= g->njobs)
            continue; /* a free slot holds no job (njobs 0) */
        *agent = (long)i;
        *job = g->jobs[k];
        *started = g->sent_at[k];
        return 1;
    }
    return 0;
}

int pt_agents_cancel(pt_agents_t *a, long i, long job, const char *why, double *started)
{
    if (!pt_agents_take(a, i, job, started))
        return 0;
    say(a, &a->agents[i], NULL, 0, "KILL %ld %.200s", job, why);
    return 1;
}

const char *pt_agents_node(const pt_agents_t *a, long i)
{
    return a->agents[i].node;
}

size_t pt_agents_ready(const pt_agents_t *a)
{
    size_t n = 0;
    for (size_t i = 0; i < a->nagents; i++)
        n += a->agents[i].state == A_READY;
    return n;
}

double pt_agents_idle_for(const pt_agents_t *a)
{
    return pt_agents_ready(a) > 0 ? 0 : pt_now() - a->idle_since;
}
