/* imgcache.c - `tune --image-cache`: the key, the directory and the messages around
 * pt_imgcache (see imgcache.h).
 *
 * The key is plain text, one "name=value" per line, lists with each element's length before
 * it (so that no column name can make two lists read alike); the cache file's name is a hash
 * of it and the file holds it whole, compared byte for byte.
 */
#include "imgcache.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pt_common.h"

typedef struct {
    char *buf;
    size_t len, cap;
    int failed;
} keybuf_t;

static void key_add(keybuf_t *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void key_add(keybuf_t *k, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (k->failed)
        return;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || k->len + (size_t)n + 1 > k->cap) {
        size_t cap = k->cap * 2 + (size_t)(n > 0 ? n : 0) + 256;
        char *b = n < 0 ? NULL : realloc(k->buf, cap);
        if (b == NULL) {
            k->failed = 1;
            return;
        }
        k->buf = b;
        k->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(k->buf + k->len, k->cap - k->len, fmt, ap);
    va_end(ap);
    k->len += (size_t)n;
}

static void key_list(keybuf_t *k, const char *name, const char *const *v, size_t n)
{
    key_add(k, "%s=%zu", name, v != NULL ? n : (size_t)0);
    for (size_t i = 0; v != NULL && i < n; i++)
        key_add(k, " %zu:%s", strlen(v[i]), v[i]);
    key_add(k, "\n");
}

static void key_str(keybuf_t *k, const char *name, const char *s)
{
    if (s == NULL)
        key_add(k, "%s=-\n", name);
    else
        key_add(k, "%s=%zu:%s\n", name, strlen(s), s);
}

/* The key of this run's image (owned), or NULL when memory runs out. */
static char *make_key(const opts_t *o, const char *real, const pt_tune_cache_layout_t *l)
{
    keybuf_t k = {0};
    key_add(&k, "paratune image cache 1\n");
    key_str(&k, "data", real);
    key_add(&k, "format=%d\nsep=%d\nimpute=%d\nindex_missing=%d\n", (int)o->format,
            (int)o->sep, l->impute, l->index_missing);
    key_str(&k, "label", o->label);
    key_str(&k, "fold_col", o->fold_col);
    key_str(&k, "weight_col", o->weight_col);
    key_str(&k, "valid_col", l->valid_col);
    key_str(&k, "missing", o->missing);
    key_list(&k, "features", o->features, o->nfeatures);
    key_list(&k, "ignore", o->ignore, o->nignore);
    key_list(&k, "categorical", o->categorical, o->ncategorical);
    key_add(&k, "validator=%d\nfolds=%ld\ntrain_ratio=%.17g\nseed=%llu\nstratify=%d\n",
            (int)o->validator, o->folds, o->train_ratio, o->seed, o->stratify);
    if (k.failed) {
        free(k.buf);
        return NULL;
    }
    return k.buf;
}

/* mkdir -p of dir (0700 for what is made). 0 or a negative errno. */
static int make_dirs(char *dir)
{
    struct stat st;
    for (char *p = dir + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            int e = -errno;
            *p = '/';
            return e;
        }
        *p = '/';
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -errno;
    if (stat(dir, &st) != 0)
        return -errno;
    return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* The cache directory: the option's, or auto's ($XDG_CACHE_HOME/paratune, an absolute
 * XDG_CACHE_HOME only, as the XDG spec says; else $HOME/.cache/paratune). 0, or a negative
 * errno with the reason in err. */
static int cache_dir(const char *opt, char *dir, size_t len, char *err)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (strcmp(opt, "auto") != 0)
        n = snprintf(dir, len, "%s", opt);
    else if (xdg != NULL && xdg[0] == '/')
        n = snprintf(dir, len, "%s/paratune", xdg);
    else if (home != NULL && home[0] == '/')
        n = snprintf(dir, len, "%s/.cache/paratune", home);
    else {
        pt_seterr(err, "--image-cache auto: neither XDG_CACHE_HOME nor HOME is set");
        return -ENOENT;
    }
    if (n < 0 || (size_t)n >= len) {
        pt_seterr(err, "--image-cache %s: path too long", opt);
        return -ENAMETOOLONG;
    }
    return 0;
}

int pt_tune_cache_lookup(pt_tune_cache_t *c, const opts_t *o, const pt_tune_cache_layout_t *l)
{
    char real[PATH_MAX], err[PT_ERRLEN] = "", why[PT_ERRLEN] = "";
    double t0 = pt_now();
    int rc;

    memset(c, 0, sizeof *c);
    c->hit.fd = -1;
    if (o->image_cache == NULL)
        return 0;
    if (realpath(o->data, real) == NULL)
        return 0; /* the loader says why the data cannot be read */
    if (cache_dir(o->image_cache, c->dir, sizeof c->dir, err) != 0 ||
        (c->key = make_key(o, real, l)) == NULL ||
        pt_imgcache_path(c->dir, c->key, c->path, sizeof c->path, err) != 0 ||
        pt_imgcache_ident(o->data, &c->id, err) != 0) {
        fprintf(stderr, "paratune: warning: image cache: %s (the run goes on without it)\n",
                err[0] ? err : "out of memory");
        return 0;
    }
    c->on = 1;
    rc = pt_imgcache_open(c->path, c->key, &c->id, &c->hit, why);
    if (rc == 1) {
        if (!o->quiet)
            fprintf(stderr, "paratune: image cache: mapped %s (%.1f MB, checked in %.3f s; "
                    "%s not parsed)\n", c->path, (double)c->hit.len / 1e6, pt_now() - t0,
                    o->data);
        return 1;
    }
    if (why[0] != '\0')
        fprintf(stderr, "paratune: image cache: %s: %s; reading %s again\n", c->path, why,
                o->data);
    return 0;
}

void pt_tune_cache_store(pt_tune_cache_t *c, const opts_t *o, const pt_dataset_t *ds,
                         const void *image, size_t len)
{
    char err[PT_ERRLEN] = "";
    double t0 = pt_now();
    int rc;
    if (!c->on || image == NULL)
        return;
    /* made now, not at the lookup: a run refused for its input writes nothing */
    if ((rc = make_dirs(c->dir)) != 0)
        pt_seterr(err, "--image-cache %s: cannot make the directory: %s", c->dir, strerror(-rc));
    if (rc != 0 || pt_imgcache_write(c->path, c->key, o->data, &c->id, ds, image, len, err) != 0) {
        fprintf(stderr, "paratune: warning: image cache: %s (the run goes on without it)\n",
                err);
        return;
    }
    if (!o->quiet)
        fprintf(stderr, "paratune: image cache: wrote %s (%.1f MB in %.3f s)\n", c->path,
                (double)len / 1e6, pt_now() - t0);
}

void pt_tune_cache_free(pt_tune_cache_t *c)
{
    free(c->key);
    c->key = NULL;
    pt_imgcache_hit_free(&c->hit);
}
