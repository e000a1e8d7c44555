/* peers.c - worker secrets, the ZAP handler thread and the socket monitor (see peers.h). */
#include "peers.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <zmq.h>

#include "pt_common.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01" /* fixed by RFC 27 */
#define MON_ENDPOINT "inproc://paratune-monitor"
#define ZAP_FRAMES 8 /* a PLAIN request: version, id, domain, address, identity, mechanism,
                      * user name, password */

typedef struct {
    char secret[PT_PEERS_SECRET_LEN + 1];
    pid_t pid;      /* the process it is for */
    unsigned gen;   /* incremented by each pt_peers_arm: names the process */
    int armed;      /* a secret waits for its connection */
} entry_t;

struct pt_peers {
    void *ctx, *zap, *mon;
    pthread_t thread;
    int thread_started;
    pthread_mutex_t lock; /* entries: written by the loop, read by the ZAP thread */
    entry_t *entries;
    size_t nslots;
    long refused;         /* the loop's */
};

/* Constant-time comparison of two n-byte strings: 1 when equal. The secret is compared
 * without an early exit, so that the time a refusal takes says nothing about it. */
static int same_secret(const char *a, const char *b, size_t n)
{
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

pid_t pt_peers_pid_of(const char *addr, size_t len)
{
    long v = 0;
    size_t i = len;
    while (i > 0 && addr[i - 1] >= '0' && addr[i - 1] <= '9')
        i--;
    if (i == 0 || i == len || addr[i - 1] != ':' || len - i > 9)
        return 0;
    for (; i < len; i++)
        v = v * 10 + (addr[i] - '0');
    return (pid_t)v;
}

/* The ZAP decision for a PLAIN user name and password from the peer at addr: 200 with the
 * user id "SLOT.GEN" of the slot whose armed secret it is, when the peer is that slot's
 * process or its address carries no pid (the secret is used up), else 400. */
static int zap_check(pt_peers_t *p, zmq_msg_t *addr, zmq_msg_t *mech, zmq_msg_t *user,
                     zmq_msg_t *pass, char *user_id, size_t len)
{
    pid_t peer = pt_peers_pid_of(zmq_msg_data(addr), zmq_msg_size(addr));
    int status = 400;
    if (zmq_msg_size(mech) != 5 || memcmp(zmq_msg_data(mech), "PLAIN", 5) != 0 ||
        zmq_msg_size(user) != strlen(PT_PEERS_USER) ||
        memcmp(zmq_msg_data(user), PT_PEERS_USER, strlen(PT_PEERS_USER)) != 0 ||
        zmq_msg_size(pass) != PT_PEERS_SECRET_LEN)
        return status;
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->nslots; i++) {
        entry_t *e = &p->entries[i];
        if (e->armed && same_secret(e->secret, zmq_msg_data(pass), PT_PEERS_SECRET_LEN) &&
            (peer == 0 || peer == e->pid)) {
            e->armed = 0; /* one connection per secret: a copy or a reconnect is refused */
            snprintf(user_id, len, "%zu.%u", i, e->gen);
            status = 200;
        }
    }
    pthread_mutex_unlock(&p->lock);
    return status;
}

/* Sends one reply frame; more: another follows. */
static void zap_frame(void *sock, const void *data, size_t len, int more)
{
    zmq_send(sock, data, len, more ? ZMQ_SNDMORE : 0);
}

/* The ZAP thread: answers requests until the context is shut down. */
static void *zap_main(void *arg)
{
    pt_peers_t *p = arg;
    for (;;) {
        zmq_msg_t f[ZAP_FRAMES];
        char user_id[48] = "";
        int n = 0, more = 1, status = 400;
        for (; more; n++) {
            zmq_msg_t extra;
            zmq_msg_t *m = n < ZAP_FRAMES ? &f[n] : &extra; /* frames beyond: dropped */
            zmq_msg_init(m);
            if (zmq_msg_recv(m, p->zap, 0) < 0) {
                zmq_msg_close(m);
                for (int i = 0; i < n && i < ZAP_FRAMES; i++)
                    zmq_msg_close(&f[i]);
                if (errno == EINTR)
                    goto next;
                return NULL; /* ETERM: the context is shutting down */
            }
            more = zmq_msg_more(m);
            if (m == &extra)
                zmq_msg_close(m);
        }
        if (n < 2) { /* not even a request id to answer */
            for (int i = 0; i < n; i++)
                zmq_msg_close(&f[i]);
            continue;
        }
        if (n == ZAP_FRAMES && zmq_msg_size(&f[0]) == 3 && memcmp(zmq_msg_data(&f[0]), "1.0", 3) == 0)
            status = zap_check(p, &f[3], &f[5], &f[6], &f[7], user_id, sizeof user_id);
        zap_frame(p->zap, "1.0", 3, 1);
        zap_frame(p->zap, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), 1);
        zap_frame(p->zap, status == 200 ? "200" : "400", 3, 1);
        zap_frame(p->zap, status == 200 ? "OK" : "no worker secret", status == 200 ? 2 : 16, 1);
        zap_frame(p->zap, user_id, strlen(user_id), 1);
        zap_frame(p->zap, "", 0, 0);
        for (int i = 0; i < n && i < ZAP_FRAMES; i++)
            zmq_msg_close(&f[i]);
    next:;
    }
}

pt_peers_t *pt_peers_new(void *ctx, size_t nslots, char *err)
{
    pt_peers_t *p = calloc(1, sizeof *p);
    int zero = 0;
    if (p == NULL || (p->entries = calloc(nslots ? nslots : 1, sizeof *p->entries)) == NULL) {
        free(p);
        pt_seterr(err, "out of memory");
        return NULL;
    }
    p->ctx = ctx;
    p->nslots = nslots;
    pthread_mutex_init(&p->lock, NULL);
    p->zap = zmq_socket(ctx, ZMQ_REP);
    if (p->zap == NULL || zmq_setsockopt(p->zap, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_bind(p->zap, ZAP_ENDPOINT) != 0) {
        pt_seterr(err, "zmq: the ZAP handler: %s", zmq_strerror(errno));
        goto error;
    }
    if (pthread_create(&p->thread, NULL, zap_main, p) != 0) {
        pt_seterr(err, "cannot start the ZAP thread");
        goto error;
    }
    p->thread_started = 1;
    return p;
error:
    pt_peers_destroy(&p);
    return NULL;
}

void pt_peers_destroy(pt_peers_t **pp)
{
    pt_peers_t *p;
    if (pp == NULL || (p = *pp) == NULL)
        return;
    if (p->thread_started)
        pthread_join(p->thread, NULL);
    else if (p->zap != NULL)
        zmq_close(p->zap);
    if (p->thread_started)
        zmq_close(p->zap); /* the thread has returned: the socket is ours again */
    if (p->mon != NULL)
        zmq_close(p->mon);
    pthread_mutex_destroy(&p->lock);
    free(p->entries);
    free(p);
    *pp = NULL;
}

int pt_peers_watch(pt_peers_t *p, void *sock, char *err)
{
    int zero = 0;
    if (zmq_socket_monitor(sock, MON_ENDPOINT,
                           ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0 ||
        (p->mon = zmq_socket(p->ctx, ZMQ_PAIR)) == NULL ||
        zmq_setsockopt(p->mon, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_connect(p->mon, MON_ENDPOINT) != 0) {
        pt_seterr(err, "zmq: the socket monitor: %s", zmq_strerror(errno));
        return -EIO;
    }
    return 0;
}

int pt_peers_arm(pt_peers_t *p, size_t slot, pid_t pid, char *out, char *err)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[PT_PEERS_SECRET_LEN / 2];
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            pt_seterr(err, "getrandom: %s", strerror(e));
            return -e;
        }
        got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof raw; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[PT_PEERS_SECRET_LEN] = '\0';
    pthread_mutex_lock(&p->lock);
    memcpy(p->entries[slot].secret, out, PT_PEERS_SECRET_LEN + 1);
    p->entries[slot].pid = pid;
    p->entries[slot].gen++;
    p->entries[slot].armed = 1;
    pthread_mutex_unlock(&p->lock);
    memset(raw, 0, sizeof raw);
    return 0;
}

void pt_peers_disarm(pt_peers_t *p, size_t slot)
{
    pthread_mutex_lock(&p->lock);
    p->entries[slot].armed = 0;
    p->entries[slot].gen++; /* a connection the old process still has names no one now */
    memset(p->entries[slot].secret, 0, sizeof p->entries[slot].secret);
    pthread_mutex_unlock(&p->lock);
}

int pt_peers_is(const pt_peers_t *p, const char *user_id, size_t slot)
{
    char want[48];
    if (user_id == NULL || slot >= p->nslots)
        return 0;
    /* gen is written only by this thread (the loop's): no lock for reading it here */
    snprintf(want, sizeof want, "%zu.%u", slot, p->entries[slot].gen);
    return strcmp(user_id, want) == 0;
}

int pt_peers_lost(pt_peers_t *p)
{
    for (;;) {
        zmq_msg_t ev, addr;
        uint16_t event;
        int32_t value;
        int ok;
        if (p->mon == NULL)
            return -1;
        zmq_msg_init(&ev);
        if (zmq_msg_recv(&ev, p->mon, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&ev);
            return -1;
        }
        ok = zmq_msg_size(&ev) >= 6;
        if (ok) { /* version 1 events: a 16-bit event and a 32-bit value, host order */
            memcpy(&event, zmq_msg_data(&ev), 2);
            memcpy(&value, (char *)zmq_msg_data(&ev) + 2, 4);
        }
        if (zmq_msg_more(&ev)) { /* the endpoint frame: not needed */
            zmq_msg_init(&addr);
            zmq_msg_recv(&addr, p->mon, 0);
            zmq_msg_close(&addr);
        }
        zmq_msg_close(&ev);
        if (!ok)
            continue;
        if (event == ZMQ_EVENT_DISCONNECTED)
            return (int)value;
        p->refused++;
    }
}

long pt_peers_refused(const pt_peers_t *p)
{
    return p->refused;
}
