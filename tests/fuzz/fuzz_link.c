/* fuzz_link.c - libFuzzer target: the readers of the coordinator-agent link (pt_link): the
 * header frame parser (pt_link_hdr_parse with every count of numbers 0..8, pt_link_hdr_is
 * with every word of the protocol), the stats cut's payload (pt_link_cut_decode, for every
 * block count the input's length could hold, checked by encoding it again), the shared image
 * file's path of an OFFER (pt_link_offer_decode: what it accepts is the input, absolute,
 * NUL-free, NUL-terminated, within PT_LINK_PATH_MAX), the sweep's key
 * file reader (pt_link_key_read) and the URL check (pt_link_url_check, to connect and to
 * bind).
 *
 * The header gets a heap copy of exactly the input (a frame is not NUL-terminated), the URL
 * a NUL-terminated copy, the key reader the memfd of fuzz_file made mode 0600 here: the
 * reader refuses a file that group or others may read before it parses anything, and the
 * harness must not weaken that check to reach the parser. What a reader accepts must be
 * well formed (a key of 40 Z85 characters, a header word that is a NUL-terminated prefix of
 * the frame with the numbers asked for); any crash, leak or undefined behaviour is a finding.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"
#include "pt_common.h"
#include "pt_link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The words of pt_link.h, both directions. */
static const char *const words[] = {"HELLO", "ACK",   "READY", "RESULT", "LOST",
                                    "BAD",   "PING",  "WELCOME", "CODES", "SETUP",
                                    "CHUNK", "JOB",   "BYE", "CUT", "KILL", "REJOIN",
                                    "OFFER", "HAVE",  "NEED"};

static void headers(const uint8_t *data, size_t size)
{
    char *frame = fuzz_copy(data, size, 0);
    pt_link_hdr_t h;
    for (int nnum = 0; nnum <= 8; nnum++) {
        if (pt_link_hdr_parse(frame, size, nnum, &h) != 0)
            continue;
        size_t w = strnlen(h.word, sizeof h.word);
        /* a NUL-terminated, non-empty word that starts the frame, the numbers asked for */
        if (w == 0 || w >= sizeof h.word || w > size || memcmp(h.word, frame, w) != 0 ||
            h.nn != nnum || strnlen(h.text, sizeof h.text) >= sizeof h.text)
            abort();
    }
    if (pt_link_hdr_parse(frame, size, 9, &h) == 0)
        abort(); /* more numbers than the header holds */
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (pt_link_hdr_is(frame, size, words[i]) &&
            (size < strlen(words[i]) || memcmp(frame, words[i], strlen(words[i])) != 0))
            abort();
    free(frame);
}

/* A CUT payload: what the decoder accepts is counts of 1.. whose sum it returns, and encodes
 * back to the same bytes. */
static void cut(const uint8_t *data, size_t size)
{
    char err[PT_ERRLEN];
    unsigned char *copy = (unsigned char *)fuzz_copy(data, size, 0);
    size_t nb = size / 4 + 1, *count = calloc(nb, sizeof *count);
    unsigned char *again = malloc(4 * nb + 1);
    if (count == NULL || again == NULL)
        abort();
    for (size_t b = size / 4 > 0 ? size / 4 - 1 : 0; b <= size / 4 + 1; b++) {
        long sum = pt_link_cut_decode(copy, size, b, count, err), check = 0;
        if (sum < 0)
            continue;
        for (size_t i = 0; i < b; i++) {
            if (count[i] < 1)
                abort();
            check += (long)count[i];
        }
        if (check != sum || sum > PT_LINK_MAX_PIECES || 4 * b != size ||
            pt_link_cut_encode(count, b, again) != 0 || memcmp(again, copy, size) != 0)
            abort();
    }
    free(again);
    free(count);
    free(copy);
}

/* An OFFER payload: an accepted path is the input's bytes, absolute and NUL-free. */
static void offer(const uint8_t *data, size_t size)
{
    char err[PT_ERRLEN], path[PT_LINK_PATH_MAX];
    char *copy = fuzz_copy(data, size, 0);
    if (pt_link_offer_decode(copy, size, path, err) == 0 &&
        (size == 0 || size >= PT_LINK_PATH_MAX || strlen(path) != size || path[0] != '/' ||
         memcmp(path, data, size) != 0))
        abort();
    free(copy);
}

static void key_file(const uint8_t *data, size_t size)
{
    char err[PT_ERRLEN];
    const char *path = fuzz_file(data, size);
    pt_link_key_t k;
    if (chmod(path, 0600) != 0) /* a memfd is made 0777 */
        abort();
    memset(&k, 0, sizeof k);
    if (pt_link_key_read(path, &k, err) != 0)
        return;
    const char *f[4] = {k.server_public, k.server_secret, k.client_public, k.client_secret};
    for (int i = 0; i < 4; i++)
        if (strnlen(f[i], PT_LINK_Z85) != PT_LINK_Z85 - 1)
            abort();
}

static void url(const uint8_t *data, size_t size)
{
    char err[PT_ERRLEN];
    char *u = fuzz_copy(data, size, 1);
    int connect_ok = pt_link_url_check(u, 0, err) == 0;
    int bind_ok = pt_link_url_check(u, 1, err) == 0;
    if (connect_ok && !bind_ok)
        abort(); /* an address to connect to is one to bind too */
    free(u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet();
    headers(data, size);
    cut(data, size);
    offer(data, size);
    key_file(data, size);
    url(data, size);
    return 0;
}
