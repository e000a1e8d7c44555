/* check_follow.c - unit tests of pt_follow: a ZeroMQ context's I/O thread found by name and
 * held on the CPU of the thread that follows it, moved when that thread moves; nothing
 * followed by a thread that may use one CPU only. */
#include <check.h>
#include <sched.h>
#include <unistd.h>

#include <zmq.h>

#include "pt_follow.h"

/* The CPUs thread tid may use. */
static cpu_set_t mask_of(pid_t tid)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    ck_assert_int_eq(sched_getaffinity(tid, sizeof set, &set), 0);
    return set;
}

/* Steps until the I/O thread is found (it names itself shortly after it starts) and held;
 * at least once (pt_follow_init may have found it, but holds it nowhere yet). */
static void step_until_found(pt_follow_t *f)
{
    for (int i = 0; i < 50; i++) {
        pt_follow_step(f);
        if (f->n > 0)
            return;
        usleep(2000);
    }
}

START_TEST(io_thread_follows_the_caller)
{
    cpu_set_t mine = mask_of(0), set;
    int other = -1;
    void *ctx, *sock;
    pt_follow_t f;
    if (CPU_COUNT(&mine) < 2)
        return; /* one CPU: nothing to follow (one_cpu_follows_nothing) */
    ctx = zmq_ctx_new();
    sock = zmq_socket(ctx, ZMQ_PAIR); /* starts the context's I/O thread */
    ck_assert_ptr_nonnull(sock);
    pt_follow_init(&f, 1);
    ck_assert_int_eq(f.want, 1);
    step_until_found(&f);
    ck_assert_int_eq(f.n, 1);
    ck_assert_int_ne(f.tids[0], getpid());
    set = mask_of(f.tids[0]); /* held on the CPU we ran on at the step */
    ck_assert_int_eq(CPU_COUNT(&set), 1);
    ck_assert(CPU_ISSET(f.cpu, &set));
    set = mask_of(0); /* ours untouched */
    ck_assert(CPU_EQUAL(&set, &mine));
    /* moved to another CPU, this thread takes its I/O thread along at the next step */
    for (int c = 0; c < CPU_SETSIZE && other < 0; c++)
        if (CPU_ISSET(c, &mine) && c != f.cpu)
            other = c;
    CPU_ZERO(&set);
    CPU_SET(other, &set);
    ck_assert_int_eq(sched_setaffinity(0, sizeof set, &set), 0);
    pt_follow_step(&f);
    ck_assert_int_eq(f.cpu, other);
    set = mask_of(f.tids[0]);
    ck_assert_int_eq(CPU_COUNT(&set), 1);
    ck_assert(CPU_ISSET(other, &set));
    sched_setaffinity(0, sizeof mine, &mine); /* as before, should the tests not fork */
    zmq_close(sock);
    zmq_ctx_term(ctx);
}
END_TEST

START_TEST(one_cpu_follows_nothing)
{
    cpu_set_t mine = mask_of(0), one;
    void *ctx = zmq_ctx_new(), *sock;
    pt_follow_t f;
    int cpu = sched_getcpu();
    CPU_ZERO(&one);
    CPU_SET(cpu >= 0 && CPU_ISSET(cpu, &mine) ? cpu : 0, &one);
    ck_assert_int_eq(sched_setaffinity(0, sizeof one, &one), 0); /* pinned, as --pin-cpus */
    sock = zmq_socket(ctx, ZMQ_PAIR);
    pt_follow_init(&f, 1);
    ck_assert_int_eq(f.want, 0);
    pt_follow_step(&f);
    ck_assert_int_eq(f.n, 0);
    pt_follow_init(&f, 0); /* nor with no I/O thread asked for */
    ck_assert_int_eq(f.want, 0);
    sched_setaffinity(0, sizeof mine, &mine);
    zmq_close(sock);
    zmq_ctx_term(ctx);
}
END_TEST

Suite *suite_follow(void)
{
    Suite *s = suite_create("follow");
    TCase *tc = tcase_create("follow");
    tcase_add_test(tc, io_thread_follows_the_caller);
    tcase_add_test(tc, one_cpu_follows_nothing);
    suite_add_tcase(s, tc);
    return s;
}
