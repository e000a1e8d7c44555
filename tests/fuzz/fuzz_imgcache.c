/* fuzz_imgcache.c - libFuzzer target: the image cache's reader (pt_imgcache_open), the file
 * `tune --image-cache` maps instead of parsing the data again.
 *
 * The input is the cache file. Its description and image are guarded by CRC-32C, the key and
 * the data file's identity; the fuzz build defines FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION,
 * which makes those mismatches non-fatal in pt_imgcache.c (libFuzzer's convention), so that a
 * mutated file reaches the parsing behind them. A hit must be usable as the coordinator uses
 * it: every string of the dataset's description read, every input row's fold a block of the
 * image and its position a row of it, its label and weight read there. Any crash, leak,
 * undefined behaviour (a misaligned array too) or huge allocation is a finding.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "pt_common.h"
#include "pt_image.h"
#include "pt_imgcache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#error "fuzz_imgcache needs the fuzz build's -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
#endif

static volatile size_t sink; /* keeps the reads below */

static void strv(char *const *v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        sink += strlen(v[i]);
}

static void use(const pt_imgcache_hit_t *hit)
{
    const pt_image_hdr_t *h = hit->base;
    const pt_dataset_t *ds = hit->ds;
    double sum = 0;
    if (hit->fd < 0 || hit->len < sizeof *h || ds == NULL || ds->x != NULL || ds->y == NULL ||
        ds->rows != h->rows || ds->features != h->features || ds->ncat != h->ncat)
        abort();
    sink += strlen(ds->label_name) + (ds->weight_name ? strlen(ds->weight_name) : 0);
    strv(ds->names, ds->features);
    strv(ds->cat_names, ds->ncat);
    strv(ds->label_values, ds->nlabel_values);
    for (size_t k = 0; k < ds->ncat; k++)
        sink += ds->cat_size[k];
    for (size_t k = 0; k < ds->nmiss; k++)
        sink += ds->miss_col[k];
    for (size_t r = 0; r < ds->rows; r++) {
        if (hit->fold[r] < 0 || (uint64_t)hit->fold[r] >= h->nblocks || hit->pos[r] >= ds->rows)
            abort();
        sum += ds->y[hit->pos[r]] + (ds->w != NULL ? ds->w[hit->pos[r]] : 0.0);
    }
    sink += sum != 0.5; /* any comparison keeps the loads */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[PT_ERRLEN];
    pt_imgcache_ident_t id;
    pt_imgcache_hit_t hit;
    int rc;

    fuzz_quiet();
    memset(&id, 0, sizeof id); /* any identity and key: their mismatch is not fatal here */
    rc = pt_imgcache_open(fuzz_file(data, size), "fuzz", &id, &hit, why);
    if (rc == 1)
        use(&hit);
    else if (hit.fd != -1 || hit.base != NULL || hit.ds != NULL || hit.fold != NULL ||
             hit.pos != NULL)
        abort(); /* a miss leaves nothing open or mapped */
    pt_imgcache_hit_free(&hit);
    return 0;
}
