/* imgcache.h - `tune --image-cache`: the run's image looked up in, and stored into, the cache.
 *
 * The glue between tune's load phase and pt_imgcache: the cache directory (DIR, or `auto`:
 * $XDG_CACHE_HOME/paratune, else ~/.cache/paratune), the key (every option that shapes the
 * image or the dataset's description: the data file's real path, format, columns, label,
 * fold / weight / validation columns, separator, missing tokens, categorical columns, the
 * imputer, the split: validator, folds, train ratio, seed, stratify) and the messages. The
 * cache never fails a run: a miss parses, a failed write is a warning line.
 */
#ifndef PT_TUNE_IMGCACHE_H
#define PT_TUNE_IMGCACHE_H

#include <stddef.h>

#include "options.h"
#include "pt_imgcache.h"

/* What the image depends on beyond the options: the loader's imputation mode
 * (pt_load_opts_t.impute), whether a categorical column's missing value gets an indicator,
 * the validation indicator column (NULL: none). */
typedef struct {
    int impute;
    int index_missing;
    const char *valid_col;
} pt_tune_cache_layout_t;

typedef struct {
    int on;                  /* a cache file is looked up and written */
    char dir[4096];          /* its directory (made by pt_tune_cache_store) */
    char path[4096];         /* the cache file */
    char *key;               /* owned */
    pt_imgcache_ident_t id;  /* the data file's identity before it was read */
    pt_imgcache_hit_t hit;   /* a hit's parts (the caller takes what it keeps) */
} pt_tune_cache_t;

/* Looks the run's image up in --image-cache (nothing when it is not given). Returns 1 on a
 * hit (c->hit filled), 0 otherwise; a stale or corrupt file is a note on stderr and a miss;
 * a missing directory is a miss (made by pt_tune_cache_store, once the input is accepted). */
int pt_tune_cache_lookup(pt_tune_cache_t *c, const opts_t *o, const pt_tune_cache_layout_t *l);

/* After a miss: makes the directory when missing (mkdir -p, 0700) and writes the image (len
 * bytes at image) and ds's description to the cache file; a failure is one warning line on
 * stderr, and the run goes on. */
void pt_tune_cache_store(pt_tune_cache_t *c, const opts_t *o, const pt_dataset_t *ds,
                         const void *image, size_t len);

/* Frees the key and what is left of a hit. */
void pt_tune_cache_free(pt_tune_cache_t *c);

#endif
