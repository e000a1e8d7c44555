/* pt_moments.c - count, means and centred scatter matrices of row blocks; merge; affine maps.
 *
 * pt_moments_from_rows makes two passes over a block that stays where it is (the shared
 * image): column sums, then centred chunks of PT_MOM_CHUNK rows copied into a small scratch
 * buffer and accumulated with cblas_dsyrk / cblas_dgemv. The second pass also sums the centred
 * values and applies the usual correction (the "corrected two-pass" algorithm of Chan, Golub
 * and LeVeque), which removes the rounding error of the first-pass mean. A column whose values
 * are all equal gets that value as its mean and exactly zero scatter, so a constant
 * feature or label is recognised exactly downstream (Spark zeroes such features). The first
 * pass keeps each column's minimum and maximum, which is also how a constant column is
 * recognised (min == max, and no NaN), so the range costs no pass of its own.
 */
#include "pt_moments.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h> /* the two passes' row loops: SSE2, and AVX2 when the CPU has it */
#endif

/* Rows per centred chunk: big enough for dsyrk to run at speed, small enough that the
 * scratch buffer (PT_MOM_CHUNK x p doubles) stays in cache for moderate p. */
#define PT_MOM_CHUNK 1024

pt_moments_t *pt_moments_new(size_t p)
{
    pt_moments_t *m = calloc(1, sizeof(*m));
    size_t pp = p > 0 ? p : 1;
    if (m == NULL)
        return NULL;
    m->p = p;
    m->mean = calloc(pp, sizeof(double));
    m->S = calloc(pp * pp, sizeof(double));
    m->sxy = calloc(pp, sizeof(double));
    m->min = malloc(pp * sizeof(double));
    m->max = malloc(pp * sizeof(double));
    if (m->mean == NULL || m->S == NULL || m->sxy == NULL || m->min == NULL || m->max == NULL)
        pt_moments_destroy(&m);
    else
        pt_moments_clear(m);
    return m;
}

void pt_moments_destroy(pt_moments_t **pm)
{
    if (pm == NULL || *pm == NULL)
        return;
    free((*pm)->mean);
    free((*pm)->S);
    free((*pm)->sxy);
    free((*pm)->min);
    free((*pm)->max);
    free(*pm);
    *pm = NULL;
}

void pt_moments_clear(pt_moments_t *m)
{
    m->n = 0.0;
    m->ymean = 0.0;
    m->syy = 0.0;
    if (m->p == 0)
        return;
    memset(m->mean, 0, m->p * sizeof(double));
    memset(m->S, 0, m->p * m->p * sizeof(double));
    memset(m->sxy, 0, m->p * sizeof(double));
    for (size_t j = 0; j < m->p; j++) {
        m->min[j] = INFINITY;
        m->max[j] = -INFINITY;
    }
}

void pt_moments_copy(pt_moments_t *dst, const pt_moments_t *src)
{
    size_t p = src->p;
    if (dst == src)
        return;
    dst->n = src->n;
    dst->ymean = src->ymean;
    dst->syy = src->syy;
    if (p == 0)
        return;
    memcpy(dst->mean, src->mean, p * sizeof(double));
    memcpy(dst->S, src->S, p * p * sizeof(double));
    memcpy(dst->sxy, src->sxy, p * sizeof(double));
    memcpy(dst->min, src->min, p * sizeof(double));
    memcpy(dst->max, src->max, p * sizeof(double));
}

int pt_moments_range_known(const pt_moments_t *m)
{
    for (size_t j = 0; j < m->p; j++)
        if (isnan(m->min[j]) || isnan(m->max[j]))
            return 0;
    return 1;
}

/* Copies the upper triangle of the p x p row-major matrix A onto its lower triangle. */
static void mom__symmetrize_upper(double *A, size_t p)
{
    for (size_t i = 0; i < p; i++)
        for (size_t j = i + 1; j < p; j++)
            A[j * p + i] = A[i * p + j];
}

/* The end of both passes: the correction for the rounding error of the first-pass means,
 * with d = x - mean~ (weighted: dsum = sum w d, ydsum alike, n = sum w),
 * sum w (x - mean)(x - mean)^T = sum w d d^T - (sum w d)(sum w d)^T / n. Constant columns
 * have d == 0 exactly and stay exact. Sets m->n = n. */
static void mom__correct(pt_moments_t *m, const double *dsum, double ydsum, double n)
{
    size_t p = m->p;
    for (size_t i = 0; i < p; i++)
        for (size_t j = i; j < p; j++)
            m->S[i * p + j] -= dsum[i] * dsum[j] / n;
    for (size_t j = 0; j < p; j++) {
        m->sxy[j] -= dsum[j] * ydsum / n;
        m->mean[j] += dsum[j] / n;
    }
    m->syy -= ydsum * ydsum / n;
    if (m->syy < 0.0)
        m->syy = 0.0;
    m->ymean += ydsum / n;
    for (size_t j = 0; j < p; j++)
        if (m->S[j * p + j] < 0.0)
            m->S[j * p + j] = 0.0;
    mom__symmetrize_upper(m->S, p);
    m->n = n;
}

/* The scratch of both passes in one zeroed allocation: the returned chunk x p buffer, *yc
 * and *sw (chunk each: the centred labels, the rows' square-root weights) and *dsum (p).
 * NULL when out of memory. */
static double *mom__scratch(size_t p, size_t chunk, double **yc, double **sw, double **dsum)
{
    size_t pp = p > 0 ? p : 1;
    double *buf = calloc(pp * chunk + 2 * chunk + pp, sizeof(double));
    if (buf != NULL) {
        *yc = buf + pp * chunk;
        *sw = *yc + chunk;
        *dsum = *sw + chunk;
    }
    return buf;
}

/* The row loops of both passes, the bulk of their time besides dsyrk. Each adds a column's
 * values in row order, as the plain loops do, so every vector lane gives the plain loops'
 * bits. Pass 1 adds w x[i][j] to sum[j] over rows of positive weight (the unweighted moments
 * use w = 1, and 1 * v is v) and keeps min and max (v < lo ? v : lo, which is what MINPD
 * computes, NaN included; MAXPD alike). The centring writes buf[i][j] = sw (x[i][j] - mean[j])
 * (0 for sw = 0: 0 * NaN is not 0) and adds sw buf[i][j] to dsum[j]. Four rows go through each
 * column's accumulators held in registers, which saves most of their loads and stores. */
static void mom__pass1_row(const double *xi, double wi, size_t j, size_t p, double *sum,
                           double *mn, double *mx)
{
    for (; j < p; j++) {
        double v = xi[j];
        sum[j] += wi * v;
        mn[j] = v < mn[j] ? v : mn[j];
        mx[j] = v > mx[j] ? v : mx[j];
    }
}

static void mom__centre_row(const double *xi, double sw, size_t j, size_t p,
                            const double *mean, double *bi, double *dsum)
{
    for (; j < p; j++) {
        bi[j] = sw > 0.0 ? sw * (xi[j] - mean[j]) : 0.0;
        dsum[j] += sw * bi[j];
    }
}

/* Pass 1 over k <= 4 rows r (in row order, not necessarily adjacent) of weights wk > 0; the
 * centring of the n rows x scaled by sw[i]. */
static void mom__pass1_plain(const double *const *r, const double *wk, size_t k, size_t p,
                             double *sum, double *mn, double *mx)
{
    for (size_t t = 0; t < k; t++)
        mom__pass1_row(r[t], wk[t], 0, p, sum, mn, mx);
}

static void mom__centre_plain(const double *x, const double *sw, size_t n, size_t p,
                              const double *mean, double *buf, double *dsum)
{
    for (size_t i = 0; i < n; i++)
        mom__centre_row(x + i * p, sw[i], 0, p, mean, buf + i * p, dsum);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define MOM_KERNELS(SUF, ATTR, VEC, W, LOADU, STOREU, ADD, SUB, MUL, MIN, MAX, SET1, ZERO)        \
    static ATTR void mom__pass1_##SUF(const double *const *r, const double *wk, size_t k,        \
                                      size_t p, double *sum, double *mn, double *mx)             \
    {                                                                                            \
        size_t j = 0;                                                                            \
        for (; j + W <= p; j += W) {                                                             \
            VEC s = LOADU(sum + j), lo = LOADU(mn + j), hi = LOADU(mx + j);                      \
            for (size_t t = 0; t < k; t++) {                                                     \
                VEC v = LOADU(r[t] + j);                                                         \
                s = ADD(s, MUL(SET1(wk[t]), v));                                                 \
                lo = MIN(v, lo);                                                                 \
                hi = MAX(v, hi);                                                                 \
            }                                                                                    \
            STOREU(sum + j, s);                                                                  \
            STOREU(mn + j, lo);                                                                  \
            STOREU(mx + j, hi);                                                                  \
        }                                                                                        \
        for (size_t t = 0; j < p && t < k; t++)                                                  \
            mom__pass1_row(r[t], wk[t], j, p, sum, mn, mx);                                      \
    }                                                                                            \
    static ATTR void mom__centre_##SUF(const double *x, const double *sw, size_t n, size_t p,    \
                                       const double *mean, double *buf, double *dsum)            \
    {                                                                                            \
        size_t i = 0;                                                                            \
        for (; i + 4 <= n; i += 4) {                                                             \
            const double *r = x + i * p;                                                         \
            double *b = buf + i * p;                                                             \
            size_t j = 0;                                                                        \
            for (; j + W <= p; j += W) {                                                         \
                VEC mu = LOADU(mean + j), d = LOADU(dsum + j);                                   \
                for (size_t k = 0; k < 4; k++) {                                                 \
                    VEC f = SET1(sw[i + k]);                                                     \
                    VEC c = sw[i + k] > 0.0 ? MUL(f, SUB(LOADU(r + k * p + j), mu)) : ZERO();    \
                    STOREU(b + k * p + j, c);                                                    \
                    d = ADD(d, MUL(f, c));                                                       \
                }                                                                                \
                STOREU(dsum + j, d);                                                             \
            }                                                                                    \
            for (size_t k = 0; j < p && k < 4; k++)                                              \
                mom__centre_row(r + k * p, sw[i + k], j, p, mean, b + k * p, dsum);              \
        }                                                                                        \
        for (; i < n; i++)                                                                       \
            mom__centre_row(x + i * p, sw[i], 0, p, mean, buf + i * p, dsum);                    \
    }
MOM_KERNELS(sse2, , __m128d, 2, _mm_loadu_pd, _mm_storeu_pd, _mm_add_pd, _mm_sub_pd, _mm_mul_pd,
            _mm_min_pd, _mm_max_pd, _mm_set1_pd, _mm_setzero_pd)
MOM_KERNELS(avx2, __attribute__((target("avx2"))), __m256d, 4, _mm256_loadu_pd, _mm256_storeu_pd,
            _mm256_add_pd, _mm256_sub_pd, _mm256_mul_pd, _mm256_min_pd, _mm256_max_pd,
            _mm256_set1_pd, _mm256_setzero_pd)
#endif

/* The loops for this CPU (or the ones a test chose). */
typedef struct {
    void (*pass1)(const double *const *r, const double *wk, size_t k, size_t p, double *sum,
                  double *mn, double *mx);
    void (*centre)(const double *x, const double *sw, size_t n, size_t p, const double *mean,
                   double *buf, double *dsum);
} mom_loops_t;

static int mom_loops_which; /* pt_moments_set_loops */

void pt_moments_set_loops(int which)
{
    mom_loops_which = which;
}

static mom_loops_t mom__loops(void)
{
    mom_loops_t l = {mom__pass1_plain, mom__centre_plain};
#if defined(__x86_64__) && defined(__GNUC__)
    int avx2 = __builtin_cpu_supports("avx2") && mom_loops_which != 2;
    if (mom_loops_which != 1) {
        l.pass1 = avx2 ? mom__pass1_avx2 : mom__pass1_sse2;
        l.centre = avx2 ? mom__centre_avx2 : mom__centre_sse2;
    }
#endif
    return l;
}

int pt_moments_from_rows(pt_moments_t *m, const double *x, const double *y, size_t n)
{
    size_t p = m->p;
    size_t chunk = n < PT_MOM_CHUNK ? n : PT_MOM_CHUNK;
    double *buf = NULL, *yc = NULL, *dsum = NULL, *ones = NULL;
    double ysum = 0.0, ydsum = 0.0;
    int yconst = 1, rc = -ENOMEM;
    const mom_loops_t loops = mom__loops();

    pt_moments_clear(m);
    if (n == 0)
        return 0;
    if ((buf = mom__scratch(p, chunk, &yc, &ones, &dsum)) == NULL)
        goto out;
    for (size_t i = 0; i < chunk; i++) /* every row's weight, and its square root */
        ones[i] = 1.0;

    /* Pass 1: column sums, minima and maxima (which skip NaN). A column is constant when its
     * minimum equals its maximum and its sum is not NaN (no NaN among its values). */
    for (size_t i = 0; i < n; i += 4) {
        size_t k = n - i < 4 ? n - i : 4;
        const double *r[4];
        for (size_t t = 0; t < k; t++)
            r[t] = x + (i + t) * p;
        loops.pass1(r, ones, k, p, m->mean, m->min, m->max);
    }
    for (size_t j = 0; j < p; j++)
        m->mean[j] = m->min[j] == m->max[j] && !isnan(m->mean[j]) ? x[j]
                                                                    : m->mean[j] / (double)n;
    if (y != NULL) {
        for (size_t i = 0; i < n; i++) {
            ysum += y[i];
            yconst &= y[i] == y[0];
        }
        m->ymean = yconst ? y[0] : ysum / (double)n;
    }

    /* Pass 2: centred chunks into the scratch buffer; S (upper) += C^T C, sxy += C^T yc. */
    for (size_t r0 = 0; r0 < n; r0 += chunk) {
        size_t rows = n - r0 < chunk ? n - r0 : chunk;
        loops.centre(x + r0 * p, ones, rows, p, m->mean, buf, dsum);
        if (p > 0)
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)p, (int)rows, 1.0, buf,
                        (int)p, 1.0, m->S, (int)p);
        if (y != NULL) {
            for (size_t i = 0; i < rows; i++) {
                yc[i] = y[r0 + i] - m->ymean;
                ydsum += yc[i];
                m->syy += yc[i] * yc[i];
            }
            if (p > 0)
                cblas_dgemv(CblasRowMajor, CblasTrans, (int)rows, (int)p, 1.0, buf, (int)p, yc,
                            1, 1.0, m->sxy, 1);
        }
    }

    mom__correct(m, dsum, ydsum, (double)n);
    rc = 0;
out:
    free(buf);
    return rc;
}

/* Pass 1 of the weighted moments: the total weight, weighted column sums into m->mean, and
 * minima and maxima of the rows of positive weight; the label's weighted sum. Then the
 * first-pass means (a column constant over those rows gets its value exactly). Returns the
 * total weight. */
static double mom__wpass1(pt_moments_t *m, const double *x, const double *y, const double *w,
                          size_t n, const mom_loops_t *loops)
{
    size_t p = m->p, first = n, k = 0;
    double W = 0.0, ysum = 0.0, wk[4];
    const double *r[4];
    int yconst = 1;
    for (size_t i = 0; i < n; i++) { /* the rows of positive weight, four at a time */
        double wi = w[i];
        if (wi == 0.0)
            continue;
        if (first == n)
            first = i;
        W += wi;
        r[k] = x + i * p;
        wk[k++] = wi;
        if (k == 4) {
            loops->pass1(r, wk, k, p, m->mean, m->min, m->max);
            k = 0;
        }
        if (y != NULL) {
            ysum += wi * y[i];
            yconst &= y[i] == y[first];
        }
    }
    if (k > 0)
        loops->pass1(r, wk, k, p, m->mean, m->min, m->max);
    if (W == 0.0)
        return 0.0;
    for (size_t j = 0; j < p; j++)
        m->mean[j] = m->min[j] == m->max[j] && !isnan(m->mean[j]) ? x[first * p + j]
                                                                    : m->mean[j] / W;
    if (y != NULL)
        m->ymean = yconst ? y[first] : ysum / W;
    return W;
}

int pt_moments_from_rows_w(pt_moments_t *m, const double *x, const double *y, const double *w,
                           size_t n)
{
    size_t p = m->p;
    size_t chunk = n < PT_MOM_CHUNK ? n : PT_MOM_CHUNK;
    double *buf = NULL, *yc = NULL, *dsum = NULL, *sw = NULL, W, ydsum = 0.0;
    int rc = -ENOMEM;
    const mom_loops_t loops = mom__loops();

    pt_moments_clear(m);
    if (n == 0)
        return 0;
    if ((buf = mom__scratch(p, chunk, &yc, &sw, &dsum)) == NULL)
        goto out;
    if ((W = mom__wpass1(m, x, y, w, n, &loops)) == 0.0) {
        pt_moments_clear(m); /* no weight: the empty set */
        rc = 0;
        goto out;
    }
    /* Pass 2: the centred rows scaled by sqrt(w) (a row of weight 0 becomes 0), so that
     * dsyrk and dgemv sum w d d^T and w d dy; dsum and ydsum sum w d and w dy. */
    for (size_t r0 = 0; r0 < n; r0 += chunk) {
        size_t rows = n - r0 < chunk ? n - r0 : chunk;
        for (size_t i = 0; i < rows; i++)
            sw[i] = sqrt(w[r0 + i]);
        loops.centre(x + r0 * p, sw, rows, p, m->mean, buf, dsum);
        for (size_t i = 0; y != NULL && i < rows; i++) {
            yc[i] = sw[i] > 0.0 ? sw[i] * (y[r0 + i] - m->ymean) : 0.0;
            ydsum += sw[i] * yc[i];
            m->syy += yc[i] * yc[i];
        }
        if (p > 0)
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)p, (int)rows, 1.0, buf,
                        (int)p, 1.0, m->S, (int)p);
        if (y != NULL && p > 0)
            cblas_dgemv(CblasRowMajor, CblasTrans, (int)rows, (int)p, 1.0, buf, (int)p, yc, 1,
                        1.0, m->sxy, 1);
    }
    mom__correct(m, dsum, ydsum, W);
    rc = 0;
out:
    free(buf);
    return rc;
}

void pt_moments_merge(pt_moments_t *dst, const pt_moments_t *src)
{
    size_t p = dst->p;
    double na = dst->n, nb = src->n, n, f, dy;

    if (nb == 0.0 || dst == src) {
        if (dst == src && nb != 0.0) {
            /* Union of a set with itself: means unchanged, scatter doubles. */
            dst->n *= 2.0;
            dst->syy *= 2.0;
            for (size_t i = 0; i < p * p; i++)
                dst->S[i] *= 2.0;
            for (size_t j = 0; j < p; j++)
                dst->sxy[j] *= 2.0;
        }
        return;
    }
    if (na == 0.0) {
        pt_moments_copy(dst, src);
        return;
    }
    for (size_t j = 0; j < p; j++) { /* exact; NaN (not known) on either side stays NaN */
        double a = dst->min[j], b = src->min[j];
        dst->min[j] = isnan(a) || isnan(b) ? NAN : (b < a ? b : a);
        a = dst->max[j], b = src->max[j];
        dst->max[j] = isnan(a) || isnan(b) ? NAN : (b > a ? b : a);
    }
    /* Chan et al.: with delta = mean_b - mean_a,
     * S = S_a + S_b + delta delta^T * na nb / n, mean = mean_a + delta * nb / n. */
    n = na + nb;
    f = na * nb / n;
    dy = src->ymean - dst->ymean;
    for (size_t i = 0; i < p; i++) {
        double di = src->mean[i] - dst->mean[i];
        for (size_t j = 0; j < p; j++) {
            double dj = src->mean[j] - dst->mean[j];
            dst->S[i * p + j] += src->S[i * p + j] + di * dj * f;
        }
        dst->sxy[i] += src->sxy[i] + di * dy * f;
    }
    for (size_t i = 0; i < p; i++)
        dst->mean[i] += (src->mean[i] - dst->mean[i]) * (nb / n);
    dst->syy += src->syy + dy * dy * f;
    dst->ymean += dy * (nb / n);
    dst->n = n;
}

/* out's min and max from in's through z = A^T x + c: exact for a diagonal A (q == in->p),
 * else NaN. */
static void mom__affine_range(const pt_moments_t *in, const double *A, const double *c,
                              size_t q, pt_moments_t *out)
{
    size_t p = in->p;
    int diagonal = q == p;
    for (size_t i = 0; diagonal && i < p; i++)
        for (size_t j = 0; j < q; j++)
            if (i != j && A[i * q + j] != 0.0) {
                diagonal = 0;
                break;
            }
    for (size_t j = 0; j < q; j++) {
        double a = diagonal ? A[j * q + j] : NAN, cj = c != NULL ? c[j] : 0.0;
        /* not diagonal: unknown (and q may exceed p: in->min[j] is not read) */
        double lo = diagonal ? a * in->min[j] + cj : NAN;
        double hi = diagonal ? a * in->max[j] + cj : NAN;
        if (in->n == 0.0) {
            lo = INFINITY;
            hi = -INFINITY;
        } else if (a == 0.0) {
            lo = hi = cj; /* also for an infinite or unknown range */
        } else if (a < 0.0) {
            double t = lo;
            lo = hi;
            hi = t;
        }
        out->min[j] = lo;
        out->max[j] = hi;
    }
}

int pt_moments_affine(const pt_moments_t *in, const double *A, const double *c, size_t q,
                      pt_moments_t *out)
{
    size_t p = in->p;
    size_t qq = q > 0 ? q : 1;
    double *SA = NULL, *Sz = NULL, *mz = NULL, *sz = NULL;
    int rc = -ENOMEM;

    if (out->p != q)
        return -EINVAL;
    SA = calloc((p > 0 ? p : 1) * qq, sizeof(double));
    Sz = calloc(qq * qq, sizeof(double));
    mz = calloc(qq, sizeof(double));
    sz = calloc(qq, sizeof(double));
    if (SA == NULL || Sz == NULL || mz == NULL || sz == NULL)
        goto out;
    if (c != NULL)
        memcpy(mz, c, q * sizeof(double));
    if (p > 0 && q > 0) {
        /* mean_z = A^T mean + c; sxy_z = A^T sxy; S_z = A^T (S A). */
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)p, (int)q, 1.0, A, (int)q, in->mean, 1, 1.0,
                    mz, 1);
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)p, (int)q, 1.0, A, (int)q, in->sxy, 1, 0.0,
                    sz, 1);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)p, (int)q, (int)p, 1.0,
                    in->S, (int)p, A, (int)q, 0.0, SA, (int)q);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)q, (int)q, (int)p, 1.0, A,
                    (int)q, SA, (int)q, 0.0, Sz, (int)q);
        /* Rounding leaves A^T S A slightly asymmetric; consumers expect exact symmetry. */
        for (size_t i = 0; i < q; i++)
            for (size_t j = i + 1; j < q; j++) {
                double v = 0.5 * (Sz[i * q + j] + Sz[j * q + i]);
                Sz[i * q + j] = Sz[j * q + i] = v;
            }
    }
    mom__affine_range(in, A, c, q, out);
    out->n = in->n;
    out->ymean = in->ymean;
    out->syy = in->syy;
    if (q > 0) {
        memcpy(out->mean, mz, q * sizeof(double));
        memcpy(out->S, Sz, q * q * sizeof(double));
        memcpy(out->sxy, sz, q * sizeof(double));
    }
    rc = 0;
out:
    free(SA);
    free(Sz);
    free(mz);
    free(sz);
    return rc;
}
