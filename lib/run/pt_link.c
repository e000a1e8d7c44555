/* pt_link.c - the sweep's key file, URL checks and link headers (see pt_link.h). */
#include "pt_link.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "pt_common.h"
#include "pt_file.h"

static const char *const key_names[4] = {"server-public", "server-secret", "client-public",
                                         "client-secret"};

static char *key_field(pt_link_key_t *k, int i)
{
    char *f[4] = {k->server_public, k->server_secret, k->client_public, k->client_secret};
    return f[i];
}

int pt_link_keygen(const char *path, pt_link_key_t *k, char *err)
{
    pt_link_key_t mine;
    char text[512];
    int len, rc;
    pt_file_t *f;
    if (k == NULL)
        k = &mine;
    if (zmq_curve_keypair(k->server_public, k->server_secret) != 0 ||
        zmq_curve_keypair(k->client_public, k->client_secret) != 0) {
        pt_seterr(err, "%s: zmq_curve_keypair: %s", path, zmq_strerror(errno));
        return -EIO;
    }
    len = snprintf(text, sizeof text, "# paratune sweep key: whoever reads it may join the "
                   "sweep; keep it private (mode 0600)\n");
    for (int i = 0; i < 4; i++)
        len += snprintf(text + len, sizeof text - (size_t)len, "%s %s\n", key_names[i],
                        key_field(k, i));
    if ((f = pt_file_begin(path, err)) == NULL)
        return -EIO;
    /* before any byte is written: the secret keys are never in a file others may read */
    if (fchmod(pt_file_fd(f), 0600) != 0) {
        pt_seterr(err, "%s: chmod: %s", path, strerror(errno));
        pt_file_abort(&f);
        return -EIO;
    }
    if ((rc = pt_file_write(f, text, (size_t)len, err)) != 0) {
        pt_file_abort(&f);
        return rc;
    }
    memset(text, 0, sizeof text);
    memset(&mine, 0, sizeof mine);
    return pt_file_commit(&f, PT_FILE_NOREPLACE, err);
}

/* Parses the key file's text into *k: 0 or -EINVAL when a key is missing or malformed. */
static int parse_keys(char *text, pt_link_key_t *k)
{
    int have = 0;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        for (int i = 0; i < 4; i++) {
            size_t n = strlen(key_names[i]);
            if (strncmp(line, key_names[i], n) == 0 && line[n] == ' ' &&
                strlen(line + n + 1) == PT_LINK_Z85 - 1) {
                memcpy(key_field(k, i), line + n + 1, PT_LINK_Z85);
                have |= 1 << i;
            }
        }
    }
    return have == 15 ? 0 : -EINVAL;
}

int pt_link_key_read(const char *path, pt_link_key_t *k, char *err)
{
    char text[1024];
    struct stat st;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
    if (fd < 0) {
        int e = errno;
        pt_seterr(err, "%s: %s", path, strerror(e));
        return -e;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        pt_seterr(err, "%s: not a regular file", path);
        rc = -EINVAL;
    } else if ((st.st_mode & 077) != 0) {
        pt_seterr(err, "%s: group or others may read it (mode %03o); chmod 600 %s", path,
                  (unsigned)(st.st_mode & 0777), path);
        rc = -EPERM;
    } else if ((n = read(fd, text, sizeof text - 1)) < 0) {
        pt_seterr(err, "%s: %s", path, strerror(errno));
        rc = -EIO;
    } else {
        text[n] = '\0';
        if (parse_keys(text, k) != 0) {
            pt_seterr(err, "%s: not a paratune key file (paratune keygen FILE makes one)", path);
            rc = -EINVAL;
        }
    }
    memset(text, 0, sizeof text);
    close(fd);
    return rc;
}

int pt_link_key_load(const char *path, pt_link_key_t *k, char *err)
{
    struct stat st;
    if (lstat(path, &st) != 0 && errno == ENOENT)
        return pt_link_keygen(path, k, err);
    return pt_link_key_read(path, k, err);
}

int pt_link_url_check(const char *url, int bind, char *err)
{
    const char *host, *colon;
    char *end;
    long port;
    if (strncmp(url, "tcp://", 6) != 0) {
        pt_seterr(err, "%s: not a tcp://HOST:PORT address", url);
        return -EINVAL;
    }
    host = url + 6;
    colon = strrchr(host, ':');
    if (colon == NULL || colon == host) {
        pt_seterr(err, "%s: no host or no port (tcp://HOST:PORT)", url);
        return -EINVAL;
    }
    errno = 0;
    port = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || errno != 0 || port < 1 || port > 65535) {
        pt_seterr(err, "%s: the port must be a number in 1..65535", url);
        return -EINVAL;
    }
    if (!bind && colon - host == 1 && host[0] == '*') {
        pt_seterr(err, "%s: '*' is an address to listen on, not to connect to", url);
        return -EINVAL;
    }
    return 0;
}

int pt_link_bind_probe(const char *url, char *err)
{
    char host[256], port[8];
    const char *h = url + 6, *colon = strrchr(h, ':');
    struct addrinfo hints, *res = NULL;
    int rc = 0, one = 1, fd;
    if (strncmp(url, "tcp://", 6) != 0 || colon == NULL || (size_t)(colon - h) >= sizeof host ||
        strlen(colon + 1) >= sizeof port)
        return 0; /* pt_link_url_check's to refuse */
    memcpy(host, h, (size_t)(colon - h));
    host[colon - h] = '\0';
    snprintf(port, sizeof port, "%s", colon + 1);
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    /* a plain socket bound and closed, never listening: an agent already trying to connect
     * cannot reach it; an address ZeroMQ names otherwise (an interface) is left to zmq_bind */
    if (getaddrinfo(strcmp(host, "*") == 0 ? NULL : host, port, &hints, &res) != 0)
        return 0;
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); /* as ZeroMQ's listener */
        if (bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
            rc = -errno;
            pt_seterr(err, "%s: %s", url, strerror(errno));
        }
        close(fd);
    }
    freeaddrinfo(res);
    return rc;
}

int pt_link_monitor_event(void *mon, int flags, int32_t *value)
{
    zmq_msg_t ev, addr;
    uint16_t event = 0;
    int ok;
    zmq_msg_init(&ev);
    if (zmq_msg_recv(&ev, mon, flags) < 0) {
        zmq_msg_close(&ev);
        return -1;
    }
    ok = zmq_msg_size(&ev) >= 6; /* version 1: a 16-bit event and a 32-bit value */
    if (ok) {
        memcpy(&event, zmq_msg_data(&ev), 2);
        memcpy(value, (char *)zmq_msg_data(&ev) + 2, 4);
    }
    if (zmq_msg_more(&ev)) { /* the endpoint frame: not needed */
        zmq_msg_init(&addr);
        zmq_msg_recv(&addr, mon, 0);
        zmq_msg_close(&addr);
    }
    zmq_msg_close(&ev);
    return ok ? event : 0;
}

int pt_link_hdr_is(const void *data, size_t len, const char *w)
{
    size_t n = strlen(w);
    return len >= n && memcmp(data, w, n) == 0 && (len == n || ((const char *)data)[n] == ' ');
}

int pt_link_hdr_parse(const void *data, size_t len, int nnum, pt_link_hdr_t *h)
{
    char buf[512], *p, *end;
    size_t w;
    memset(h, 0, sizeof *h);
    if (len >= sizeof buf || nnum > 8)
        return -EINVAL;
    memcpy(buf, data, len);
    buf[len] = '\0';
    w = strcspn(buf, " ");
    if (w == 0 || w >= sizeof h->word)
        return -EINVAL;
    memcpy(h->word, buf, w);
    p = buf + w;
    for (int i = 0; i < nnum; i++) {
        if (*p != ' ')
            return -EINVAL;
        errno = 0; /* unsigned 64-bit (a fingerprint), kept as its bit pattern */
        if (p[1] < '0' || p[1] > '9')
            return -EINVAL;
        h->n[i] = (long long)strtoull(p + 1, &end, 10);
        if (errno != 0)
            return -EINVAL;
        p = end;
        h->nn++;
    }
    if (*p == ' ')
        snprintf(h->text, sizeof h->text, "%s", p + 1);
    else if (*p != '\0')
        return -EINVAL;
    return 0;
}

int pt_link_hdr_vformat(char *hdr, size_t cap, const char *fmt, va_list ap)
{
    int n = vsnprintf(hdr, cap, fmt, ap);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

int pt_link_cut_encode(const size_t *count, size_t nblocks, unsigned char *out)
{
    size_t sum = 0;
    for (size_t b = 0; b < nblocks; b++) {
        sum += count[b];
        if (count[b] == 0 || sum > PT_LINK_MAX_PIECES)
            return -EINVAL;
        for (int k = 0; k < 4; k++) /* little-endian whatever the host */
            out[4 * b + (size_t)k] = (unsigned char)(count[b] >> (8 * k));
    }
    return 0;
}

long pt_link_cut_decode(const void *data, size_t len, size_t nblocks, size_t *count, char *err)
{
    const unsigned char *p = data;
    size_t sum = 0;
    if (nblocks == 0 || nblocks > PT_LINK_MAX_PIECES || len != 4 * nblocks) {
        pt_seterr(err, "a stats cut of %zu bytes for %zu blocks", len, nblocks);
        return -EINVAL;
    }
    for (size_t b = 0; b < nblocks; b++) {
        uint32_t c = (uint32_t)p[4 * b] | (uint32_t)p[4 * b + 1] << 8 |
                     (uint32_t)p[4 * b + 2] << 16 | (uint32_t)p[4 * b + 3] << 24;
        if (c == 0 || c > PT_LINK_MAX_PIECES || (sum += c) > PT_LINK_MAX_PIECES) {
            pt_seterr(err, "a stats cut with %lu pieces in block %zu (1..%d in all)",
                      (unsigned long)c, b, PT_LINK_MAX_PIECES);
            return -EINVAL;
        }
        count[b] = c;
    }
    return (long)sum;
}

int pt_link_offer_decode(const void *data, size_t len, char *path, char *err)
{
    path[0] = '\0';
    if (data == NULL || len == 0 || len >= PT_LINK_PATH_MAX) {
        pt_seterr(err, "an offered path of %zu bytes (1..%d)", len, PT_LINK_PATH_MAX - 1);
        return -EINVAL;
    }
    if (memchr(data, '\0', len) != NULL || *(const char *)data != '/') {
        pt_seterr(err, "an offered path that is not absolute or holds a NUL");
        return -EINVAL;
    }
    memcpy(path, data, len);
    path[len] = '\0';
    return 0;
}
