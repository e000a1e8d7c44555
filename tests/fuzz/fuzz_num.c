/* fuzz_num.c - libFuzzer target: the number scanner (pt_scan_num) against glibc's strtod.
 *
 * The input is the text, copied with the zero padding the loaders promise; pt_scan_num must
 * end where strtod ends and give the same bits (the fast conversions of pt_decimal are
 * exact, not within an ulp), or return NULL exactly where strtod takes nothing or the text
 * starts with whitespace (which strtod would skip). Any difference aborts: a finding.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "pt_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = fuzz_copy(data, size, PT_SCAN_PAD), *end;
    double v = 0.0, want;
    const char *q;

    /* strtod stops at the first NUL; so does the text pt_scan_num may see */
    want = strtod(buf, &end);
    q = pt_scan_num(buf, &v);
    if (end == buf || isspace((unsigned char)buf[0])) {
        if (q != NULL) {
            fprintf(stderr, "fuzz_num: \"%.80s\" parsed, strtod takes nothing\n", buf);
            abort();
        }
    } else if (q != end || memcmp(&v, &want, sizeof v) != 0) {
        fprintf(stderr, "fuzz_num: \"%.80s\": end %td value %a, strtod's %td %a\n", buf,
                q != NULL ? q - buf : (ptrdiff_t)-1, v, end - buf, want);
        abort();
    }
    free(buf);
    return 0;
}
