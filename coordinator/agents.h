/* agents.h - the coordinator's side of tune --listen: node agents over CURVE TCP.
 *
 * A ROUTER bound to the --listen URL in a ZeroMQ context of its own, a CURVE server with the
 * sweep key's server pair (pt_link.h); a ZAP handler thread in that context admits only the
 * key file's client key, so a peer without the sweep's key (no CURVE, another sweep's key)
 * never gets a connection, and its refusal is counted from the socket monitor. Each agent
 * says HELLO with its slots and node name and gets the sweep's setup (WELCOME, the codes
 * keys, the stats cut, the stats and bins jobs, SETUP) and then the image in chunks of PT_LINK_CHUNK bytes,
 * unless it read the image from cfg.shared_path itself (OFFER answered HAVE; NEED: shipped),
 * at most PT_LINK_WINDOW of them unacknowledged (credit-based flow control). Once it says
 * READY it takes jobs, at most cap = min(its slots, --parallelism) at a time; the sweep's
 * scheduler bounds the total by --parallelism, and each job goes to the ready agent with
 * the most free slots (among equals, the first in the table). An answer counts only for a job
 * that was sent to the agent that sends it (pt_agents_take).
 *
 * Liveness: ZMTP heartbeats on every connection (--heartbeat), and a PING each way every
 * heartbeat: an agent from which nothing came for PT_LINK_MISSES heartbeats, or whose
 * connection closed (the socket monitor), is dropped, and its outstanding jobs are handed
 * back as lost (pt_agents_next_lost), to be retried as after a worker crash. A dropped agent
 * that speaks again is told BYE (it exits; started again, it joins as a new node).
 */
#ifndef PT_AGENTS_H
#define PT_AGENTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pt_link.h"

typedef struct {
    const char *url;               /* --listen tcp://ADDR:PORT */
    const pt_link_key_t *key;
    double heartbeat;              /* seconds; 0: 10 */
    long parallelism;
    const void *image;             /* the image's bytes (borrowed) */
    size_t image_size;
    uint64_t fingerprint;
    const char *shared_path;       /* an absolute path of a file that begins with the image
                                    * (the --image-cache file), OFFERed to every agent before
                                    * shipping; NULL: none */
    const char *wargs;             /* the workers' arguments, NUL-separated (wargs_len bytes) */
    size_t wargs_len;
    size_t stats_slots, stats_p;   /* the moments segment's block slots (image blocks x
                                    * kinds, pt_stats_create_cut) and width; 0: none */
    const size_t *stats_count;     /* the stats cut (pt_stats_plan): each image block's */
    size_t stats_nblocks;          /* pieces, sent as CUT; NULL: none */
    const void *codes_keys;        /* the codes segment's keys (pt_codes_key_t), or NULL */
    size_t ncodes;
    unsigned char *const *setup;   /* encoded stats and bins jobs every node runs first */
    const size_t *setup_len;
    size_t nsetup;
} pt_agents_config_t;

typedef struct pt_agents pt_agents_t;

/* Binds the ROUTER (cfg is copied; what it points to is borrowed). Returns an owned object
 * (pt_agents_close) or NULL with err set ("--listen URL: Address already in use"). */
pt_agents_t *pt_agents_open(const pt_agents_config_t *cfg, char *err);
/* Tells every agent BYE, closes the socket and the context, frees *a; accepts NULL. */
void pt_agents_close(pt_agents_t **a);

/* An answer from an agent (pt_agents_recv). */
typedef struct {
    long agent;              /* its index (pt_agents_node) */
    pid_t pid;               /* the worker that ran the job */
    const void *body;        /* the pt_msg bytes; valid until the next pt_agents_recv */
    size_t len;
} pt_agents_answer_t;

/* Waits up to ms for one message and handles the link's own (HELLO, ACK, READY, PING, BAD,
 * LOST). Returns 1 with *ans filled for a RESULT, 0 otherwise (nothing, or handled). */
int pt_agents_recv(pt_agents_t *a, int ms, pt_agents_answer_t *ans);

/* Drops the agents that are silent too long or whose connection closed, and sends PINGs
 * that are due. */
void pt_agents_check(pt_agents_t *a);

/* The next job lost with an agent (dropped, or its worker died): 1 with *job, *started
 * and why (PT_ERRLEN) filled, 0 when none is pending. */
int pt_agents_next_lost(pt_agents_t *a, long *job, double *started, char *why);
/* The next line to report (an agent joined, its image shipped, it was lost, a connection
 * refused): 1 with line (PT_ERRLEN) filled, 0 when none. */
int pt_agents_next_note(pt_agents_t *a, char *line);

/* The ready agent to send the next job to (the most free slots), or -1. */
long pt_agents_pick(const pt_agents_t *a);
/* Sends job id (its encoded message) to agent i. Returns 0, or -EHOSTUNREACH (the agent is
 * dropped; the job was not sent and is not among its lost ones). */
int pt_agents_send(pt_agents_t *a, long i, long job, const void *msg, size_t len);
/* Whether job was sent to agent i and is outstanding there: 1 (it no longer is, *started
 * set to when it was sent), else 0. */
int pt_agents_take(pt_agents_t *a, long i, long job, double *started);
/* The k-th job outstanding on the agents (k from 0, over every agent in table order): 1 with
 * *agent, *job and *started (when it was sent) set, 0 when k is past the last. */
int pt_agents_job_at(const pt_agents_t *a, size_t k, long *agent, long *job, double *started);
/* Cancels job on agent i (--job-timeout, --time-budget): it is no longer outstanding there
 * (a late answer or LOST for it does not count) and the agent is told KILL job why: it
 * kills the worker that holds it, or drops it from its queue, and reports nothing of it.
 * Returns 1 with *started set when it was outstanding there, else 0. Agent i's slot is free
 * again for the coordinator; the agent starts the next job it gets once a worker is. */
int pt_agents_cancel(pt_agents_t *a, long i, long job, const char *why, double *started);
/* Agent i's node name. */
const char *pt_agents_node(const pt_agents_t *a, long i);
/* Agents ready now; seconds since the last time one was ready (or since the socket was
 * bound, when none ever was). */
size_t pt_agents_ready(const pt_agents_t *a);
double pt_agents_idle_for(const pt_agents_t *a);

#endif
