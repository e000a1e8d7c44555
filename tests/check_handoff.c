/* check_handoff.c - unit tests of pt_handoff: a command line and descriptors over a socket. */
#include <check.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pt_common.h"
#include "pt_handoff.h"

START_TEST(argv_and_descriptors_arrive)
{
    int sv[2], pp[2];
    char *argv[] = {"paratune-worker", "--image-fd", "7", "", "--x", NULL};
    static pt_handoff_t h;
    char err[PT_ERRLEN], c = 0;
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    ck_assert_int_eq(pipe(pp), 0);
    ck_assert_int_eq(pt_handoff_send(sv[0], argv, &pp[0], 1), 0);
    close(pp[0]);
    ck_assert_int_eq(pt_handoff_recv(sv[1], &h, err), 0);
    ck_assert_int_eq(h.argc, 5);
    for (int i = 0; i < 5; i++)
        ck_assert_str_eq(h.argv[i], argv[i]);
    ck_assert_ptr_null(h.argv[5]);
    ck_assert_int_eq(h.nfds, 1);
    ck_assert_int_eq(h.theirs[0], pp[0]);
    /* the received descriptor is the pipe's read end */
    ck_assert_int_eq(write(pp[1], "x", 1), 1);
    ck_assert_int_eq(read(h.mine[0], &c, 1), 1);
    ck_assert_int_eq(c, 'x');
    close(h.mine[0]);
    close(pp[1]);
    /* the sender gone: end of file */
    close(sv[0]);
    ck_assert_int_eq(pt_handoff_recv(sv[1], &h, err), 1);
    close(sv[1]);
}
END_TEST

START_TEST(refused_sends_and_messages)
{
    int sv[2], fds[PT_HANDOFF_FDS + 1] = {0};
    char *argv[] = {"a", NULL};
    static char big[PT_HANDOFF_MAX + 1];
    char *bigv[] = {"a", big, NULL};
    static pt_handoff_t h;
    char err[PT_ERRLEN];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    ck_assert_int_eq(pt_handoff_send(sv[0], argv, fds, PT_HANDOFF_FDS + 1), -E2BIG);
    memset(big, 'b', PT_HANDOFF_MAX);
    ck_assert_int_eq(pt_handoff_send(sv[0], bigv, NULL, 0), -E2BIG);
    /* not a message: a count that does not match the descriptors, no argument */
    ck_assert_int_eq(write(sv[0], "\1\0\0\0\3\0\0\0a", 10), 10);
    ck_assert_int_eq(pt_handoff_recv(sv[1], &h, err), -EPROTO);
    ck_assert_int_eq(write(sv[0], "\0\0\0\0", 4), 4);
    ck_assert_int_eq(pt_handoff_recv(sv[1], &h, err), -EPROTO);
    ck_assert_int_eq(write(sv[0], "\0\0\0\0abc", 7), 7); /* the last argument not ended */
    ck_assert_int_eq(pt_handoff_recv(sv[1], &h, err), -EPROTO);
    /* a peer gone before sending: -EPIPE, no SIGPIPE */
    close(sv[1]);
    ck_assert_int_eq(pt_handoff_send(sv[0], argv, NULL, 0), -EPIPE);
    close(sv[0]);
}
END_TEST

Suite *suite_handoff(void)
{
    Suite *s = suite_create("handoff");
    TCase *tc = tcase_create("handoff");
    tcase_add_test(tc, argv_and_descriptors_arrive);
    tcase_add_test(tc, refused_sends_and_messages);
    suite_add_tcase(s, tc);
    return s;
}
