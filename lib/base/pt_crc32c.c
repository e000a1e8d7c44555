/* pt_crc32c.c - CRC-32C by slicing (eight 256-entry tables, built once on first use).
 *
 * The tables are made on first use under pthread_once, so the module needs no init call and
 * the worker's threads may checksum at once.
 */
#include "pt_crc32c.h"

#include <pthread.h>

#define CRC32C_POLY 0x82F63B78u /* 0x1EDC6F41 reflected */

static uint32_t crc32c__table[8][256];
static pthread_once_t crc32c__once = PTHREAD_ONCE_INIT;

static void crc32c__init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ CRC32C_POLY : c >> 1;
        crc32c__table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            crc32c__table[t][i] = (crc32c__table[t - 1][i] >> 8) ^
                                  crc32c__table[0][crc32c__table[t - 1][i] & 0xff];
}

uint32_t pt_crc32c_update(uint32_t crc, const void *p, size_t len)
{
    const unsigned char *b = p;
    uint32_t c = ~crc;
    pthread_once(&crc32c__once, crc32c__init);
    /* eight bytes per step, read bytewise: no alignment or byte-order assumptions */
    while (len >= 8) {
        uint32_t lo = c ^ ((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                           (uint32_t)b[3] << 24);
        c = crc32c__table[7][lo & 0xff] ^ crc32c__table[6][(lo >> 8) & 0xff] ^
            crc32c__table[5][(lo >> 16) & 0xff] ^ crc32c__table[4][lo >> 24] ^
            crc32c__table[3][b[4]] ^ crc32c__table[2][b[5]] ^ crc32c__table[1][b[6]] ^
            crc32c__table[0][b[7]];
        b += 8;
        len -= 8;
    }
    while (len-- > 0)
        c = (c >> 8) ^ crc32c__table[0][(c ^ *b++) & 0xff];
    return ~c;
}

uint32_t pt_crc32c(const void *p, size_t len)
{
    return pt_crc32c_update(0, p, len);
}
