/* peer_probe.c - a foreign peer on the coordinator's worker socket, for tests/e2e/t_92_peers.sh.
 *
 *   peer_probe ENDPOINT PID SECONDS [PIPE]
 * plays a process of the same user that tries to take a worker's slot: it connects two
 * DEALER sockets to ENDPOINT, one with ZeroMQ's NULL mechanism and one with PLAIN and a
 * guessed password (or, given PIPE, the worker's secret pipe as /proc/PID/fd/N, the secret
 * copied out of it with tee(2), which leaves it there for the worker), says HELLO for PID (a live worker's pid) on both, sends forged RESULTs
 * for job ids 0..63, and for SECONDS answers every JOB it gets with a RESULT of metric 0 (the
 * best rmse). Prints "jobs N": the jobs it was given, which must be 0 when the coordinator
 * refuses peers without a worker's secret. Exit 0, or 2 on bad arguments or a ZeroMQ error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "pt_common.h"
#include "pt_msg.h"

/* Sends m, without waiting: a refused peer's messages are dropped. */
static void send_msg(void *sock, const pt_msg_t *m)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    if (pt_msg_encode(m, &sb) == 0)
        zmq_send(sock, sb.data, sb.size, ZMQ_DONTWAIT);
    msgpack_sbuffer_destroy(&sb);
}

/* A forged RESULT for job id with metric 0. */
static void forge(void *sock, int64_t id, int32_t map, int32_t fold)
{
    pt_msg_t r;
    memset(&r, 0, sizeof r);
    r.type = PT_MSG_RESULT;
    r.job_id = id;
    r.param_index = map;
    r.fold = fold;
    send_msg(sock, &r);
}

/* Answers the JOBs that come on sock within ms; returns how many came. */
static long answer(void *sock, int ms)
{
    long jobs = 0;
    zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
    while (zmq_poll(&it, 1, ms) > 0) {
        zmq_msg_t f;
        pt_msg_t m;
        char err[PT_ERRLEN];
        zmq_msg_init(&f);
        if (zmq_msg_recv(&f, sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&f);
            break;
        }
        if (pt_msg_decode(zmq_msg_data(&f), zmq_msg_size(&f), &m, err) == 0 &&
            m.type == PT_MSG_JOB) {
            jobs++;
            forge(sock, m.job_id, m.param_index, m.fold);
        }
        pt_msg_clear(&m);
        zmq_msg_close(&f);
        ms = 1;
    }
    return jobs;
}

/* Copies 64 bytes out of the pipe at path without taking them (tee), into out. 0 or -1. */
static int copy_secret(const char *path, char *out)
{
    int in = open(path, O_RDONLY | O_NONBLOCK), p[2] = {-1, -1}, rc = -1;
    if (in >= 0 && pipe(p) == 0 && tee(in, p[1], 64, SPLICE_F_NONBLOCK) == 64 &&
        read(p[0], out, 64) == 64)
        rc = 0;
    if (in >= 0)
        close(in);
    if (p[0] >= 0) {
        close(p[0]);
        close(p[1]);
    }
    return rc;
}

int main(int argc, char **argv)
{
    void *ctx, *sock[2];
    long pid, seconds, jobs = 0;
    double until;
    pt_msg_t hello;
    char guess[65];
    int zero = 0;

    if ((argc != 4 && argc != 5) || pt_parse_long(argv[2], &pid) != 0 ||
        pt_parse_long(argv[3], &seconds) != 0) {
        fprintf(stderr, "usage: peer_probe ENDPOINT PID SECONDS [PIPE]\n");
        return 2;
    }
    memset(guess, 'a', 64);
    guess[64] = '\0';
    if (argc == 5 && copy_secret(argv[4], guess) != 0) {
        fprintf(stderr, "peer_probe: cannot copy the secret out of %s\n", argv[4]);
        return 2;
    }
    ctx = zmq_ctx_new();
    memset(&hello, 0, sizeof hello);
    hello.type = PT_MSG_HELLO;
    hello.pid = (int32_t)pid;
    for (int i = 0; i < 2; i++) {
        sock[i] = zmq_socket(ctx, ZMQ_DEALER);
        zmq_setsockopt(sock[i], ZMQ_LINGER, &zero, sizeof zero);
        if (i == 1) {
            zmq_setsockopt(sock[i], ZMQ_PLAIN_USERNAME, "paratune-worker", 15);
            zmq_setsockopt(sock[i], ZMQ_PLAIN_PASSWORD, guess, 64);
        }
        if (zmq_connect(sock[i], argv[1]) != 0) {
            fprintf(stderr, "peer_probe: connect %s: %s\n", argv[1], zmq_strerror(errno));
            return 2;
        }
        send_msg(sock[i], &hello);
        for (int64_t id = 0; id < 64; id++)
            forge(sock[i], id, (int32_t)(id % 6), (int32_t)(id / 6 % 3));
    }
    until = pt_now() + (double)seconds;
    while (pt_now() < until)
        for (int i = 0; i < 2; i++)
            jobs += answer(sock[i], 50);
    printf("jobs %ld\n", jobs);
    zmq_close(sock[0]);
    zmq_close(sock[1]);
    zmq_ctx_term(ctx);
    return 0;
}
