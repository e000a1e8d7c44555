/* fuzz_msg.c - libFuzzer target: the decoder of the messages between coordinator and workers
 * (pt_msg_decode: job messages as a worker reads them, results, errors and hellos as the
 * coordinator reads them).
 *
 * A message that decodes is encoded again and the encoding must decode too (what one side
 * accepts, the other can send). Any crash, leak, undefined behaviour or huge allocation (a
 * declared array, map, str or bin length far beyond the bytes that remain) is a finding.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <msgpack.h>

#include "fuzz_common.h"
#include "pt_common.h"
#include "pt_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[PT_ERRLEN];
    pt_msg_t m, back;
    msgpack_sbuffer sb;

    fuzz_quiet();
    if (pt_msg_decode(data, size, &m, err) == 0) {
        msgpack_sbuffer_init(&sb);
        if (pt_msg_encode(&m, &sb) == 0) {
            if (pt_msg_decode(sb.data, sb.size, &back, err) != 0)
                abort(); /* a decoded message that does not survive its own encoding */
            pt_msg_clear(&back);
        }
        msgpack_sbuffer_destroy(&sb);
    }
    pt_msg_clear(&m);
    return 0;
}
