/* peers.h - who may talk on the coordinator's worker socket, and which connections died.
 *
 * Each worker process gets a secret of its own: 32 random bytes (getrandom) as 64 hex
 * characters, which procs.c writes into a pipe that only that process inherits (the pipe's
 * descriptor number is on its command line, the secret is not: argv and the environment can
 * be read by other processes). The worker presents it with ZeroMQ's PLAIN mechanism; the
 * ROUTER is a PLAIN server, and this module answers its ZAP requests (RFC 27, on
 * inproc://zeromq.zap.01) from a thread of its own. A connection is accepted only with the
 * current secret of a slot, made by that slot's process (the kernel's SO_PEERCRED pid, which
 * ZeroMQ puts at the end of an ipc peer's address: ":UID:GID:PID"), and each secret only
 * once; so a process that copied a secret (from /proc/PID/fd) is refused without using it
 * up. The secret is armed with the pid before it is written to the pipe, so a worker never
 * connects before its entry is ready. The connection's messages then carry
 * the ZAP user id "SLOT.GEN" (ZeroMQ's "User-Id" message property), which names the worker
 * process the secret was made for. ZAP rather than a secret inside HELLO: a peer without the
 * secret never gets a connection, so nothing it sends reaches the loop, and the check is
 * ZeroMQ's own (the mechanism runs before any message is delivered).
 * pt_peers_pid_of reads the pid from such an address (the loop checks a HELLO's too).
 *
 * Liveness: the ROUTER sends ZMTP heartbeats (ZMQ_HEARTBEAT_IVL / _TIMEOUT), which the
 * worker's ZeroMQ I/O thread answers whatever its job is doing, so a long fit is never taken
 * for a stall; a stopped process stops answering, and ZeroMQ closes its connection. The
 * ROUTER does not tell the application about a closed connection, so this module also reads
 * the socket monitor: each closed connection is reported by its file descriptor, which the
 * loop maps to the slot that said HELLO on it (ZMQ_SRCFD of that message).
 *
 * Threads: the ZAP thread reads the secrets under a mutex; everything else is the loop's.
 */
#ifndef PT_PEERS_H
#define PT_PEERS_H

#include <stddef.h>
#include <sys/types.h>

#define PT_PEERS_SECRET_LEN 64 /* hex characters */
#define PT_PEERS_USER "paratune-worker" /* the PLAIN user name every worker gives */

typedef struct pt_peers pt_peers_t;

/* Secrets for nslots slots (none armed), the ZAP handler bound in ctx and its thread
 * started: create it before binding a PLAIN server socket in ctx. Returns an owned object
 * (pt_peers_destroy) or NULL with err set. */
pt_peers_t *pt_peers_new(void *ctx, size_t nslots, char *err);
/* Stops the ZAP thread and closes the monitor. The context must have been shut down
 * (zmq_ctx_shutdown) first: that is what wakes the thread. Frees *p, sets it to NULL;
 * accepts NULL. */
void pt_peers_destroy(pt_peers_t **p);

/* Watches sock's closed connections and failed handshakes (zmq_socket_monitor). Returns 0
 * or -EIO with err set. */
int pt_peers_watch(pt_peers_t *p, void *sock, char *err);

/* A new secret for slot's process pid (the old one, used or not, is revoked): written to
 * out as PT_PEERS_SECRET_LEN hex characters and a NUL. Returns 0, or a negative errno with
 * err set (getrandom failed). */
int pt_peers_arm(pt_peers_t *p, size_t slot, pid_t pid, char *out, char *err);
/* Revokes slot's secret (its process is gone). */
void pt_peers_disarm(pt_peers_t *p, size_t slot);

/* The pid at the end of an ipc peer address (":UID:GID:PID", len bytes, need not be
 * NUL-terminated), or 0 when it carries none. */
pid_t pt_peers_pid_of(const char *addr, size_t len);

/* Whether user_id (a message's "User-Id" property, may be NULL) names slot's current
 * process: 1 yes, 0 no. */
int pt_peers_is(const pt_peers_t *p, const char *user_id, size_t slot);

/* The next closed connection's file descriptor, or -1 when none is pending. Failed
 * handshakes seen on the way are counted (pt_peers_refused). Never blocks. */
int pt_peers_lost(pt_peers_t *p);
/* Connections refused so far: failed handshakes (no PLAIN, a wrong or used secret). */
long pt_peers_refused(const pt_peers_t *p);

#endif
