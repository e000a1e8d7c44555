/* pt_cpus.c - CPU lists for --pin-cpus (see pt_cpus.h). */
#include "pt_cpus.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"

/* This process's affinity mask; 0 when it cannot be read or is empty. */
static int read_mask(cpu_set_t *set)
{
    return sched_getaffinity(0, sizeof *set, set) == 0 && CPU_COUNT(set) > 0;
}

int pt_cpus_count(void)
{
    cpu_set_t set;
    return read_mask(&set) ? CPU_COUNT(&set) : 1;
}

int pt_cpus_usable(int *cpus, int cap)
{
    cpu_set_t set;
    int n = 0;
    if (cap < 1)
        return 0;
    if (read_mask(&set))
        for (int c = 0; c < CPU_SETSIZE && n < cap; c++)
            if (CPU_ISSET(c, &set))
                cpus[n++] = c;
    if (n == 0)
        cpus[n++] = 0;
    return n;
}

/* A CPU number at *p: digits only, below CPU_SETSIZE. */
static int cpu_num(const char **p, int *out)
{
    long v = 0;
    const char *q = *p;
    if (!isdigit((unsigned char)*q))
        return -1;
    while (isdigit((unsigned char)*q)) {
        v = v * 10 + (*q - '0');
        if (v >= CPU_SETSIZE)
            return -2;
        q++;
    }
    *p = q;
    *out = (int)v;
    return 0;
}

static int bad_num(int r, const char *p, char *err)
{
    if (r == -2)
        pt_seterr(err, "a CPU number of %d or more", CPU_SETSIZE);
    else
        pt_seterr(err, "expected a CPU number at \"%.20s\" (a list such as 0-3,8)", p);
    return -1;
}

int pt_cpus_parse(const char *s, const int *usable, int nusable, int *cpus, int cap, char *err)
{
    const char *p = s;
    int n = 0;
    unsigned char seen[CPU_SETSIZE];
    char list[256];

    memset(seen, 0, sizeof seen);
    if (*p == '\0') {
        pt_seterr(err, "an empty CPU list");
        return -1;
    }
    for (;;) {
        int lo, hi, r;
        if ((r = cpu_num(&p, &lo)) != 0)
            return bad_num(r, p, err);
        hi = lo;
        if (*p == '-') {
            p++;
            if ((r = cpu_num(&p, &hi)) != 0)
                return bad_num(r, p, err);
            if (hi < lo) {
                pt_seterr(err, "the range %d-%d runs backwards", lo, hi);
                return -1;
            }
        }
        for (int c = lo; c <= hi; c++) {
            int ok = nusable == 0;
            for (int k = 0; k < nusable && !ok; k++)
                ok = usable[k] == c;
            if (!ok) {
                pt_seterr(err, "CPU %d is not one this process may run on (it may use %s)", c,
                          pt_cpus_format(usable, nusable, list, sizeof list));
                return -1;
            }
            if (seen[c]) {
                pt_seterr(err, "CPU %d is listed twice", c);
                return -1;
            }
            if (n == cap) {
                pt_seterr(err, "more than %d CPUs", cap);
                return -1;
            }
            seen[c] = 1;
            cpus[n++] = c;
        }
        if (*p == '\0')
            return n;
        if (*p != ',') {
            pt_seterr(err, "expected ',' or '-' at \"%.20s\" (a list such as 0-3,8)", p);
            return -1;
        }
        p++;
    }
}

char *pt_cpus_format(const int *cpus, int n, char *buf, size_t len)
{
    size_t used = 0;
    if (len == 0)
        return buf;
    buf[0] = '\0';
    for (int i = 0; i < n;) {
        int j = i;
        int w;
        while (j + 1 < n && cpus[j + 1] == cpus[j] + 1)
            j++;
        if (j >= i + 2)
            w = snprintf(buf + used, len - used, "%s%d-%d", i ? "," : "", cpus[i], cpus[j]);
        else if (j == i + 1)
            w = snprintf(buf + used, len - used, "%s%d,%d", i ? "," : "", cpus[i], cpus[j]);
        else
            w = snprintf(buf + used, len - used, "%s%d", i ? "," : "", cpus[i]);
        if (w < 0 || (size_t)w >= len - used) {
            /* out of room: end with "..." where it fits */
            if (len >= 4)
                strcpy(buf + (used + 4 <= len ? used : len - 4), "...");
            return buf;
        }
        used += (size_t)w;
        i = j + 1;
    }
    return buf;
}

void pt_cpus_slot(const int *cpus, int n, size_t slot, long threads, cpu_set_t *set)
{
    long t = threads < 1 ? 1 : threads;
    CPU_ZERO(set);
    if (n < 1)
        return;
    if (t > n)
        t = n;
    for (long k = 0; k < t; k++)
        CPU_SET(cpus[(size_t)((slot * (size_t)t + (size_t)k) % (size_t)n)], set);
}
