/* pt_limits.c - the memory a sweep will take, known before it takes it (see pt_limits.h). */
#include "pt_limits.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "pt_common.h"
#include "pt_stats.h"

/* Bytes of one moments object of p features (pt_moments_t, a pt_stats slot): the p x p
 * scatter matrix and four vectors. */
static double limits__moments(double p)
{
    return (p * p + 4 * p + 4) * sizeof(double);
}

void pt_limits_need(const pt_limits_in_t *in, pt_limits_need_t *out)
{
    double p = (double)in->features, n = (double)in->rows;
    double slots = (double)in->nblocks * (in->weights ? 2 : 1);
    int shared = in->cache && in->features <= PT_STATS_MAX_FEATURES;

    memset(out, 0, sizeof *out);
    /* the header and block table, then y, the weights, x and the input row numbers */
    out->image = 4096 + 8.0 * ((double)in->nblocks + 1) + n * (p + 2 + (in->weights ? 1 : 0)) * 8;
    out->stats = shared ? 64 + slots * limits__moments(p) +
                              pt_stats_plan_bytes(in->rows, in->nblocks, in->features,
                                                  in->weights ? 2 : 1)
                        : 0; /* with the pieces of blocks cut for the stats jobs */
    /* a job: its training set's moments (and weighted ones), a block's moments computed
     * now (or every block's, kept, when they are not shared), and the pipeline's fit */
    out->moments = limits__moments(p);
    out->worker = out->moments * ((in->weights ? 2 : 1) + (in->cache && !shared ? slots : 1)) +
                  pt_spec_work_bytes(in->spec, in->features, in->nclasses, &out->stage,
                                     &out->stage_bytes);
    out->total = out->image + out->stats + (double)in->workers * out->worker;
}

void pt_limits_system(pt_limits_sys_t *out)
{
    struct statvfs sv;
    char line[256];
    FILE *f = fopen("/proc/meminfo", "re");
    unsigned long long kb;

    memset(out, 0, sizeof *out);
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            out->mem_available = (double)kb * 1024;
    if (f != NULL)
        fclose(f);
    if (statvfs("/dev/shm", &sv) == 0)
        out->shm_free = (double)sv.f_bavail * (double)sv.f_frsize;
}

void pt_limits_format(double bytes, char *buf, size_t len)
{
    static const char units[] = "BKMGTPE";
    size_t u = 0;
    if (!isfinite(bytes)) {
        snprintf(buf, len, "inf");
        return;
    }
    while (bytes >= 1024 && u + 1 < sizeof units - 1) {
        bytes /= 1024;
        u++;
    }
    if (u == 0 || bytes >= 100)
        snprintf(buf, len, "%.0f%c", bytes, units[u]);
    else
        snprintf(buf, len, "%.1f%c", bytes, units[u]);
}

int pt_limits_check(const pt_limits_in_t *in, const pt_limits_need_t *need,
                    double max_memory, const pt_limits_sys_t *sys, char *err)
{
    char shared[32], worker[32], total[32], limit[32], mom[32], own[32];
    double lim = max_memory > 0 ? max_memory : sys->mem_available;
    const char *what = max_memory > 0 ? "--max-memory" : "MemAvailable";

    /* not finite: the products overflowed a double; nothing can hold that */
    if (isfinite(need->total) && (lim <= 0 || need->total <= lim)) {
        if (max_memory > 0 || sys->shm_free <= 0 || need->image + need->stats <= sys->shm_free)
            return 0;
        lim = sys->shm_free; /* the shared part alone does not fit in /dev/shm */
        what = "free in /dev/shm";
    }
    pt_limits_format(need->image + need->stats, shared, sizeof shared);
    pt_limits_format(need->worker, worker, sizeof worker);
    pt_limits_format(need->total, total, sizeof total);
    pt_limits_format(lim, limit, sizeof limit);
    pt_limits_format(need->moments, mom, sizeof mom);
    pt_limits_format(need->stage_bytes, own, sizeof own);
    pt_seterr(err, "%zu rows x %zu features need %s of shared memory (the image%s) and %s in "
              "each of %zu worker%s (the %zu x %zu moments: %s each; %s's own work: %s), %s "
              "in all: above %s (%s; --max-memory SIZE to allow more)", in->rows, in->features,
              shared, need->stats > 0 ? " and the moments cache" : "", worker, in->workers,
              in->workers == 1 ? "" : "s", in->features, in->features, mom,
              need->stage != NULL ? need->stage : "the fit", own, total, limit, what);
    return -ENOMEM;
}
