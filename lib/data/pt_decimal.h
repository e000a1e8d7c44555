/* pt_decimal.h - a decimal w x 10^q (w below 2^64) to the nearest double, without strtod.
 *
 * The number scanner (pt_scan_num) reads the digits of a number into an integer w and a
 * power of ten q; this turns the pair into the double that glibc's strtod returns for the same
 * text (round to nearest, ties to even), bit for bit, in a few multiplications:
 *   - w <= 2^53 and 0 <= q <= 22: w * 10^q in double arithmetic, both operands exact, so the
 *     one rounding of the product is the correct one (Clinger);
 *   - otherwise Eisel-Lemire: w, shifted so its top bit is set, times the 128-bit truncated
 *     mantissa of 10^q (pt_decimal_pow10, -342 <= q <= 308), which gives the top 54 bits of
 *     the exact product unless the truncation could have changed them or the product lies
 *     exactly halfway between two doubles; those cases, subnormal and out of range results
 *     and q outside the table are refused (-1), and the caller asks strtod (rare: about one
 *     number in a million random 17-digit ones). The algorithm is Lemire's ("Number Parsing at
 *     a Gigabyte per Second", 2021, section 5) in the form of Nigel Tao's write-up (wuffs, Go's
 *     strconv), with the powers of ten rounded down.
 * Inline: it runs once per number of a CSV file.
 */
#ifndef PT_DECIMAL_H
#define PT_DECIMAL_H

#include <float.h>
#include <stdint.h>
#include <string.h>

#define PT_DECIMAL_QMIN (-342) /* the smallest power of ten in the table */
#define PT_DECIMAL_QMAX 308    /* the largest */

/* 10^q as a 128-bit mantissa with its top bit set, rounded down: {high, low} 64 bits, row
 * q - PT_DECIMAL_QMIN. */
extern const uint64_t pt_decimal_pow10[PT_DECIMAL_QMAX - PT_DECIMAL_QMIN + 1][2];

/* The high and low 64 bits of a * b. */
static inline uint64_t pt_decimal_mul(uint64_t a, uint64_t b, uint64_t *lo)
{
#ifdef __SIZEOF_INT128__
    unsigned __int128 r = (unsigned __int128)a * b;
    *lo = (uint64_t)r;
    return (uint64_t)(r >> 64);
#else
    uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
    *lo = (mid << 32) | (uint32_t)p00;
    return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
}

/* The double nearest to w x 10^q (negated when neg), as strtod rounds it, into *v: 0; or -1
 * when this cannot tell it cheaply (then *v is untouched and strtod must decide). */
static inline int pt_decimal_to_double(uint64_t w, int64_t q, int neg, double *v)
{
    static const double exact10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    uint64_t hi, lo, m, bits;
    int64_t e2;
    int lz, top;

    if (w == 0) {
        *v = neg ? -0.0 : 0.0;
        return 0;
    }
#if FLT_EVAL_METHOD == 0
    if (w <= (UINT64_C(1) << 53) && q >= 0 && q <= 22) {
        double d = (double)w * exact10[q];
        *v = neg ? -d : d;
        return 0;
    }
#endif
    if (q < PT_DECIMAL_QMIN || q > PT_DECIMAL_QMAX)
        return -1;
    lz = __builtin_clzll(w);
    w <<= lz;
    /* the binary exponent: floor(q * log2(10)) (exact for |q| < 1600) + 64, biased, less
     * the normalising shift; one less again below when the product has its top bit clear */
    e2 = ((217706 * q) >> 16) + 64 + 1023 - lz;
    hi = pt_decimal_mul(w, pt_decimal_pow10[q - PT_DECIMAL_QMIN][0], &lo);
    if ((hi & 0x1ff) == 0x1ff && lo + w < w) {
        /* the low half of the power could carry into the bits that decide: add its product */
        uint64_t lo2, hi2 = pt_decimal_mul(w, pt_decimal_pow10[q - PT_DECIMAL_QMIN][1], &lo2);
        uint64_t mlo = lo + hi2, mhi = hi + (mlo < lo);
        if ((mhi & 0x1ff) == 0x1ff && mlo + 1 == 0 && lo2 + w < w)
            return -1; /* still undecided */
        hi = mhi;
        lo = mlo;
    }
    top = (int)(hi >> 63);
    m = hi >> (top + 9); /* 54 bits: the double's 53 and the rounding bit */
    e2 -= 1 ^ top;
    if (lo == 0 && (hi & 0x1ff) == 0 && (m & 3) == 1)
        return -1; /* maybe exactly halfway, where ties go to even */
    m += m & 1;
    m >>= 1;
    if (m >> 53) { /* rounding carried into a new top bit */
        m >>= 1;
        e2++;
    }
    if (e2 <= 0 || e2 >= 0x7ff)
        return -1; /* subnormal, or out of range */
    bits = ((uint64_t)e2 << 52) | (m & ((UINT64_C(1) << 52) - 1)) | ((uint64_t)(neg != 0) << 63);
    memcpy(v, &bits, sizeof bits);
    return 0;
}

#endif
