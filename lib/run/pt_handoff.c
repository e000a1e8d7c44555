/* pt_handoff.c - a worker's command line and descriptors, handed over a socket (see
 * pt_handoff.h). */
#include "pt_handoff.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pt_common.h"

/* The control buffer of a message with up to PT_HANDOFF_FDS descriptors, aligned. */
typedef union {
    struct cmsghdr h;
    char space[CMSG_SPACE(sizeof(int) * PT_HANDOFF_FDS)];
} control_t;

int pt_handoff_send(int sock, char *const argv[], const int *fds, size_t nfds)
{
    char buf[PT_HANDOFF_MAX];
    control_t cm;
    int32_t n = (int32_t)nfds;
    size_t len, argc = 0;
    struct iovec iov;
    struct msghdr mh;
    ssize_t sent;

    if (nfds > PT_HANDOFF_FDS)
        return -E2BIG;
    memcpy(buf, &n, sizeof n);
    len = sizeof n;
    for (size_t k = 0; k < nfds; k++, len += sizeof(int32_t)) {
        int32_t v = fds[k];
        memcpy(buf + len, &v, sizeof v);
    }
    for (; argv[argc] != NULL; argc++) {
        size_t l = strlen(argv[argc]) + 1;
        if (len + l > sizeof buf || argc == PT_HANDOFF_ARGS)
            return -E2BIG;
        memcpy(buf + len, argv[argc], l);
        len += l;
    }
    memset(&mh, 0, sizeof mh);
    memset(&cm, 0, sizeof cm);
    iov.iov_base = buf;
    iov.iov_len = len;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (nfds > 0) {
        mh.msg_control = cm.space;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        cm.h.cmsg_level = SOL_SOCKET;
        cm.h.cmsg_type = SCM_RIGHTS;
        cm.h.cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(&cm.h), fds, sizeof(int) * nfds);
    }
    while ((sent = sendmsg(sock, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    if (sent < 0)
        return -errno;
    return sent == (ssize_t)len ? 0 : -EIO;
}

/* The descriptors of a received message's control data into h->mine; how many, or -1 when
 * the control data is not one SCM_RIGHTS block (every descriptor found is closed). */
static int take_fds(struct msghdr *mh, pt_handoff_t *h)
{
    int n = 0, bad = (mh->msg_flags & MSG_CTRUNC) != 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
        size_t k;
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
            bad = 1;
            continue;
        }
        k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            if (n < PT_HANDOFF_FDS) {
                h->mine[n++] = fd;
            } else {
                close(fd);
                bad = 1;
            }
        }
    }
    if (bad) {
        for (int i = 0; i < n; i++)
            close(h->mine[i]);
        return -1;
    }
    return n;
}

int pt_handoff_recv(int sock, pt_handoff_t *h, char *err)
{
    control_t cm;
    struct iovec iov;
    struct msghdr mh;
    ssize_t got;
    int32_t n;
    size_t at;
    int nfds;

    memset(h, 0, sizeof *h);
    memset(&mh, 0, sizeof mh);
    iov.iov_base = h->buf;
    iov.iov_len = sizeof h->buf - 1; /* room for a NUL that ends the last argument */
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cm.space;
    mh.msg_controllen = sizeof cm.space;
    while ((got = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    if (got < 0) {
        int e = errno;
        pt_seterr(err, "recvmsg: %s", strerror(e));
        return -e;
    }
    if (got == 0)
        return 1;
    if ((nfds = take_fds(&mh, h)) < 0)
        goto bad;
    h->nfds = nfds;
    if ((mh.msg_flags & MSG_TRUNC) || (size_t)got < sizeof n)
        goto bad_fds;
    memcpy(&n, h->buf, sizeof n);
    at = sizeof n + (size_t)n * sizeof(int32_t);
    if (n != nfds || at > (size_t)got || h->buf[got - 1] != '\0')
        goto bad_fds;
    for (int k = 0; k < n; k++) {
        int32_t v;
        memcpy(&v, h->buf + sizeof n + (size_t)k * sizeof v, sizeof v);
        h->theirs[k] = v;
    }
    while (at < (size_t)got) {
        if (h->argc == PT_HANDOFF_ARGS)
            goto bad_fds;
        h->argv[h->argc++] = h->buf + at;
        at += strlen(h->buf + at) + 1;
    }
    if (h->argc == 0)
        goto bad_fds;
    h->argv[h->argc] = NULL;
    return 0;
bad_fds:
    for (int i = 0; i < h->nfds; i++)
        close(h->mine[i]);
bad:
    memset(h, 0, sizeof *h);
    pt_seterr(err, "a handed-over command line that is not one (%zd bytes)", got);
    return -EPROTO;
}
