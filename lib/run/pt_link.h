/* pt_link.h - the coordinator-agent link: the sweep's key file, TCP URLs, message headers.
 *
 * A sweep spread over nodes (tune --listen, paratune-agent --connect) talks over ZeroMQ TCP
 * with the CURVE mechanism only. Its key file holds two CURVE key pairs made by
 * zmq_curve_keypair: the coordinator's (server) and the one every agent of the sweep presents
 * (client); the coordinator's ZAP handler admits that client key and nothing else. The file
 * is text, one "NAME Z85" line per key, mode 0600; one that group or others may read is
 * refused (it lets whoever reads it join the sweep and receive its data).
 *
 * Every message on the link is a header frame, "WORD N1 N2 ... [TEXT]" in ASCII, then at
 * most one payload frame (a job or result in pt_msg's encoding, or image bytes). The words:
 *   agent -> coordinator: HELLO slots pid node | REJOIN slots pid size crc fingerprint node
 *                         | ACK bytes | READY [nstats] | RESULT pid (+ result) | LOST job why
 *                         | BAD why | PING | HAVE | NEED why
 *   coordinator -> agent: WELCOME size crc fingerprint heartbeat_ms cap nslots p ncodes
 *                         (+ worker arguments, NUL-separated) | CODES (+ keys) | CUT nblocks
 *                         (+ the stats cut) | SETUP (+ job) | CHUNK offset (+ bytes) | JOB
 *                         (+ job) | KILL job why | PING | BYE why
 *                         | OFFER size crc fingerprint (+ a path)
 * WELCOME's nslots is the moments segment's block slots (image blocks x kinds, 0: none).
 * CUT, sent before the SETUP jobs and the image, carries the coordinator's stats cut
 * (pt_stats_plan: how many row-range pieces each image block is computed in): the agent
 * lays out its moments segment with the same pieces, so that its stats SETUP jobs (one per
 * piece) are the coordinator's. A coordinator that sends no CUT cuts no block (an agent
 * then makes a segment of whole blocks). READY's nstats: the stats jobs that the agent's
 * workers ran and published. KILL: the coordinator cancelled a job it sent (--job-timeout,
 * --time-budget); the agent kills the worker that holds it, or drops it from its queue.
 * REJOIN: HELLO from an agent that lost its coordinator and joins again (--reconnect) with
 * the image it kept (its size, CRC-32C recomputed, fingerprint): when they are the WELCOME's
 * (both sides apply that rule) no CHUNK is sent, and the agent checks the kept bytes again.
 * OFFER (instead of the first CHUNK, with --image-cache): the image is the first size bytes
 * of the coordinator's cache file at that absolute path; an agent that reads them there
 * (a shared filesystem) and finds the WELCOME's size, CRC-32C and fingerprint says HAVE, and
 * no CHUNK is sent (as for a kept image); any failure (no such file, other bytes, no
 * permission, --no-shared-read) is NEED, and the image is shipped as without OFFER.
 */
#ifndef PT_LINK_H
#define PT_LINK_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define PT_LINK_Z85 41 /* a 32-byte key in Z85 and a NUL */
#define PT_LINK_CHUNK (1u << 20) /* image bytes per CHUNK message */
#define PT_LINK_WINDOW 8         /* CHUNK messages a node may have unacknowledged */
#define PT_LINK_MISSES 3         /* heartbeats a peer may miss before it is lost */
#define PT_LINK_MAX_PIECES 65536 /* stats jobs (pieces) a CUT may declare in all */
#define PT_LINK_PATH_MAX 4096    /* an OFFER's path, with its NUL */

typedef struct {
    char server_public[PT_LINK_Z85], server_secret[PT_LINK_Z85];
    char client_public[PT_LINK_Z85], client_secret[PT_LINK_Z85];
} pt_link_key_t;

/* Makes a new key file at path (mode 0600, durable, never replacing a file: -EEXIST) with
 * fresh key pairs, which are also written to *k when k is not NULL. Returns 0 or a negative
 * errno with err set. */
int pt_link_keygen(const char *path, pt_link_key_t *k, char *err);
/* Reads the key file at path into *k. A file that group or others may access (-EPERM), not
 * a regular file, or without the four keys (-EINVAL) is refused with err naming it. */
int pt_link_key_read(const char *path, pt_link_key_t *k, char *err);
/* Reads path when it exists, else makes it (pt_link_keygen). 0 or a negative errno. */
int pt_link_key_load(const char *path, pt_link_key_t *k, char *err);

/* Checks url is "tcp://HOST:PORT" (PORT 1..65535, HOST not empty; '*' allowed when bind).
 * Returns 0 or -EINVAL with err saying what is wrong. */
int pt_link_url_check(const char *url, int bind, char *err);

/* Whether url can be bound now (a plain TCP socket bound and closed, never listening, so
 * that no agent connects to it): 0, or -EADDRINUSE (or another negative errno) with err
 * "URL: Address already in use". Checked before anything is written, so that a port in use
 * is refused as bad input; the sweep binds it again. A host it cannot resolve: 0. */
int pt_link_bind_probe(const char *url, char *err);

/* The next event of a socket monitor's PAIR socket mon (zmq_socket_monitor): its number
 * (ZMQ_EVENT_*) with its value in *value (a closed connection's descriptor), or -1 when
 * none came (flags: ZMQ_DONTWAIT, or 0 to wait as the socket's timeout says). */
int pt_link_monitor_event(void *mon, int flags, int32_t *value);

/* A parsed header: its word, up to 8 numbers (unsigned decimal, up to 2^64 - 1, kept as
 * the bit pattern: a fingerprint), and the rest of the line as text. */
typedef struct {
    char word[16];
    long long n[8];
    int nn;
    char text[256];
} pt_link_hdr_t;

/* Parses a header frame (len bytes, not NUL-terminated). nnum: the numbers the word has
 * (then the text, if any). Returns 0 or -EINVAL (not a header). */
int pt_link_hdr_parse(const void *data, size_t len, int nnum, pt_link_hdr_t *h);
/* Formats a header (vsnprintf of fmt and ap) into hdr (cap bytes). Returns its length, or
 * -1 when it does not fit (a header is never sent cut). */
int pt_link_hdr_vformat(char *hdr, size_t cap, const char *fmt, va_list ap);

/* Whether header data (len bytes) starts with word w followed by a blank or its end. */
int pt_link_hdr_is(const void *data, size_t len, const char *w);

/* The CUT payload: count[b] (the pieces of image block b, pt_stats_plan) for b < nblocks,
 * each as 4 bytes little-endian, into out (4 x nblocks bytes). Returns 0, or -EINVAL when a
 * count is 0 or their sum is above PT_LINK_MAX_PIECES (nothing a plan makes). */
int pt_link_cut_encode(const size_t *count, size_t nblocks, unsigned char *out);
/* Reads a CUT payload of len bytes (untrusted) for nblocks blocks into count (nblocks
 * entries): len must be 4 x nblocks, every count at least 1, their sum at most
 * PT_LINK_MAX_PIECES. Returns the sum (the stats jobs), or -EINVAL with err saying what is
 * wrong. */
long pt_link_cut_decode(const void *data, size_t len, size_t nblocks, size_t *count, char *err);

/* Reads an OFFER payload of len bytes (untrusted): an absolute path of 1..PT_LINK_PATH_MAX
 * - 1 bytes, without NUL, copied NUL-terminated into path (PT_LINK_PATH_MAX bytes). Returns
 * 0, or -EINVAL with err saying what is wrong (path then empty). */
int pt_link_offer_decode(const void *data, size_t len, char *path, char *err);

#endif
