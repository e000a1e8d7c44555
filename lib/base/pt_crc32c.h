/* pt_crc32c.h - CRC-32C (Castagnoli), the checksum of the model file and of the log's records.
 *
 * The same CRC as iSCSI, ext4 and Python's crc32c packages: polynomial 0x1EDC6F41 (reflected
 * 0x82F63B78), initial value and final XOR 0xFFFFFFFF, so crc32c("123456789") = 0xE3069283.
 * Table-driven (slicing by 8), with no machine-specific instructions, so that every build
 * computes the same value at a few GB/s: more than the files it checks need.
 */
#ifndef PT_CRC32C_H
#define PT_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32C of the len bytes at p. */
uint32_t pt_crc32c(const void *p, size_t len);

/* Continues a CRC: pt_crc32c_update(pt_crc32c(a, n), b, m) is the CRC of a followed by b;
 * crc 0 starts one (pt_crc32c(p, n) = pt_crc32c_update(0, p, n)). */
uint32_t pt_crc32c_update(uint32_t crc, const void *p, size_t len);

#endif
