/* pt_logreg.c - Spark ML LogisticRegression's objective on row blocks seen through A.
 *
 * One pass over the rows collects the label histogram, the means of the raw rows (for
 * centring) and the sample means and stds of z = A^T x + c (chunks of z are formed in a small
 * scratch buffer with cblas_dgemm and merged with Chan's pairwise update). Every objective
 * evaluation is then one more pass: with V = b' / s (r x q) and W = A V^T (p_raw x r), the
 * margins of a chunk are (X - 1 mu_raw^T) W + b0 (centred only with an intercept) and the
 * gradient is A^T ((X - 1 mu_raw^T)^T R) / s, R the chunk's residuals; the centred chunk is a
 * copy of at most a few hundred rows. See pt_logreg.h for the objective; pt_optim minimises
 * it.
 */
#include "pt_logreg.h"

#include <cblas.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_linreg.h"
#include "pt_optim.h"
#include "pt_scratch.h"

/* The objective's passes cut the rows into ranges (of the rows in block order) whose
 * count depends on the problem only (rows, features, classes), never on the threads: each
 * range's partial sums land in a slot of their own and are added in range order, so the
 * result is bit-identical for any thread count. */
#define LR_RANGE_ROWS 4096      /* rows per range, about */
#define LR_MAX_RANGES 64
#define LR_PART_BUDGET (1 << 20) /* doubles the ranges' partial sums may take in all */
#define LR_MAX_THREADS 64

typedef struct {
    const pt_rowblock_t *blocks;
    size_t nblocks;
    size_t p, q, r; /* raw features, transformed features, coefficient rows */
    const double *A, *c;
    int fit_icpt, multinomial;
    double n;
    size_t rows;    /* rows of all blocks */
    double *mu_raw; /* p: raw means, for centring (fit_icpt) */
    double *mu;     /* q: means of z as the margins see them: A^T mu_raw + c */
    double *inv_s;  /* q: 1/s_j, or 0 for a zero std */
    double *pen2;   /* q: L2 weight regParam (1-alpha) w2_j; 0 for a zero std */
    size_t chunk;
    double *xc;   /* chunk x p: centred copy of a chunk, or z of a chunk in the stats pass */
    double *M;    /* chunk x r: margins, then residuals */
    double *V;    /* r x q */
    double *Wraw; /* p x r */
    double *Graw; /* p x r */
    double *off;  /* r */
    double *gb;   /* r */
    double *scratch; /* the one allocation mu_raw ... gb live in (pt_scratch) */
    size_t nranges;  /* ranges of the objective's passes (>= 1) */
    double *part;    /* nranges x (p r + r + 1): each range's Graw, gb and loss */
    size_t threads;  /* threads of the objective's passes (1..LR_MAX_THREADS) */
    double *tbuf;    /* (threads - 1) x (chunk wide + chunk r): the other threads' xc, M */
} lr__prob_t;

pt_logreg_opts_t pt_logreg_defaults(void)
{
    pt_logreg_opts_t o = {0.0, 0.0, 100, 1e-6, 1, 1, 0.5, PT_FAMILY_AUTO, NULL, 1};
    return o;
}

static double lr__log1pexp(double m)
{
    return m > 0.0 ? m + log1p(exp(-m)) : log1p(exp(m));
}

static double lr__sigmoid(double m)
{
    if (m >= 0.0)
        return 1.0 / (1.0 + exp(-m));
    double e = exp(m);
    return e / (1.0 + e);
}

static double lr__dot(size_t d, const double *a, const double *b)
{
    double s = 0.0;
    for (size_t i = 0; i < d; i++)
        s += a[i] * b[i];
    return s;
}

/* Range k of the rows (P->rows * k / nranges up to the next) through the margins: its
 * logloss, residual sums (gb, r) and X^T R (Graw, p x r) into part (p r + r + 1, in that
 * order: Graw, gb, loss), with xc and M as scratch (a chunk each). */
static void lr__range(const lr__prob_t *P, size_t k, double *xc, double *M, double *part)
{
    size_t p = P->p, r = P->r, lo = P->rows * k / P->nranges;
    size_t hi = P->rows * (k + 1) / P->nranges, base = 0;
    double *Graw = part, *gb = part + p * r, loss = 0.0;

    memset(part, 0, (p * r + r) * sizeof(double));
    for (size_t bi = 0; bi < P->nblocks && base < hi; base += P->blocks[bi++].n) {
        const pt_rowblock_t *blk = &P->blocks[bi];
        size_t from = lo > base ? lo - base : 0, to = hi - base < blk->n ? hi - base : blk->n;
        for (size_t i0 = from; i0 < to; i0 += P->chunk) {
            size_t ch = to - i0 < P->chunk ? to - i0 : P->chunk;
            const double *X = blk->x + i0 * p, *y = blk->y + i0;
            const double *wt = blk->w != NULL ? blk->w + i0 : NULL;
            if (P->fit_icpt) {
                for (size_t i = 0; i < ch; i++)
                    for (size_t a = 0; a < p; a++)
                        xc[i * p + a] = X[i * p + a] - P->mu_raw[a];
                X = xc;
            }
            for (size_t i = 0; i < ch; i++)
                memcpy(M + i * r, P->off, r * sizeof(double));
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)ch, (int)r, (int)p, 1.0,
                        X, (int)p, P->Wraw, (int)r, 1.0, M, (int)r);
            for (size_t i = 0; i < ch; i++) {
                double *m = M + i * r, wi = wt != NULL ? wt[i] : 1.0;
                size_t yi = (size_t)y[i];
                if (!P->multinomial) {
                    /* weighted: w_i times the row's loss and residual (1.0 changes no bit) */
                    loss += wi * (lr__log1pexp(m[0]) - y[i] * m[0]);
                    m[0] = wi * (lr__sigmoid(m[0]) - y[i]);
                } else {
                    double mx = m[0], se = 0.0, lse;
                    for (size_t c = 1; c < r; c++)
                        if (m[c] > mx)
                            mx = m[c];
                    for (size_t c = 0; c < r; c++)
                        se += exp(m[c] - mx);
                    lse = mx + log(se);
                    loss += wi * (lse - m[yi]);
                    for (size_t c = 0; c < r; c++)
                        m[c] = wi * (exp(m[c] - lse) - (c == yi ? 1.0 : 0.0));
                }
                for (size_t c = 0; c < r; c++)
                    gb[c] += m[c];
            }
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)p, (int)r, (int)ch, 1.0, X,
                        (int)p, M, (int)r, 1.0, Graw, (int)r);
        }
    }
    part[p * r + r] = loss;
}

/* One thread's share of a pass: ranges t, t + nt, t + 2 nt, ... */
typedef struct {
    const lr__prob_t *P;
    size_t t, nt;
    double *xc, *M;
} lr__share_t;

static void *lr__share(void *arg)
{
    const lr__share_t *sh = arg;
    const lr__prob_t *P = sh->P;
    size_t slot = P->p * P->r + P->r + 1;
    for (size_t k = sh->t; k < P->nranges; k += sh->nt)
        lr__range(P, k, sh->xc, sh->M, P->part + k * slot);
    return NULL;
}

/* Every range of a pass, on P->threads threads; then their sums added in range order into
 * P->Graw and P->gb. Returns the total loss. */
static double lr__pass(lr__prob_t *P)
{
    lr__share_t sh[LR_MAX_THREADS];
    size_t pr = P->p * P->r, slot = pr + P->r + 1, wide = P->p > P->q ? P->p : P->q;
    size_t nt = P->threads < P->nranges ? P->threads : P->nranges;
    double loss;
    for (size_t t = 0; t < nt; t++) {
        double *b = t == 0 ? NULL : P->tbuf + (t - 1) * P->chunk * (wide + P->r);
        sh[t] = (lr__share_t){P, t, nt, t == 0 ? P->xc : b, t == 0 ? P->M : b + P->chunk * wide};
    }
    pt_run_each(sh, nt, sizeof *sh, lr__share);
    memcpy(P->Graw, P->part, pr * sizeof(double));
    memcpy(P->gb, P->part + pr, P->r * sizeof(double));
    loss = P->part[pr + P->r];
    for (size_t k = 1; k < P->nranges; k++) {
        const double *pk = P->part + k * slot;
        for (size_t i = 0; i < pr; i++)
            P->Graw[i] += pk[i];
        for (size_t c = 0; c < P->r; c++)
            P->gb[c] += pk[pr + c];
        loss += pk[pr + P->r];
    }
    return loss;
}

/* The smooth part of the objective (mean logloss + L2) at theta = [b' (r x q), b0 (r) when
 * fit_icpt], and its gradient in g: the pt_optim_fn of the fit, ctx a lr__prob_t. */
static double lr__smooth(void *ctx, const double *th, double *g)
{
    lr__prob_t *P = ctx;
    size_t p = P->p, q = P->q, r = P->r;
    const double *W = th, *b = P->fit_icpt ? th + r * q : NULL;
    double loss, reg = 0.0, inv_n = 1.0 / P->n;

    for (size_t k = 0; k < r; k++)
        for (size_t j = 0; j < q; j++)
            P->V[k * q + j] = W[k * q + j] * P->inv_s[j];
    if (P->A != NULL)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)p, (int)r, (int)q, 1.0, P->A,
                    (int)q, P->V, (int)q, 0.0, P->Wraw, (int)r);
    else
        for (size_t a = 0; a < p; a++)
            for (size_t k = 0; k < r; k++)
                P->Wraw[a * r + k] = P->V[k * q + a];
    for (size_t k = 0; k < r; k++) {
        P->off[k] = b != NULL ? b[k] : 0.0;
        if (b == NULL && P->c != NULL)
            P->off[k] += lr__dot(q, P->c, P->V + k * q);
    }
    loss = lr__pass(P);

    if (P->A != NULL)
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)r, (int)q, (int)p, inv_n,
                    P->Graw, (int)r, P->A, (int)q, 0.0, g, (int)q);
    else
        for (size_t k = 0; k < r; k++)
            for (size_t j = 0; j < q; j++)
                g[k * q + j] = P->Graw[j * r + k] * inv_n;
    for (size_t k = 0; k < r; k++) {
        for (size_t j = 0; j < q; j++) {
            double w = W[k * q + j], gj = g[k * q + j];
            if (b == NULL && P->c != NULL)
                gj += P->c[j] * P->gb[k] * inv_n;
            g[k * q + j] = gj * P->inv_s[j] + P->pen2[j] * w;
            reg += 0.5 * P->pen2[j] * w * w;
        }
        if (b != NULL)
            g[r * q + k] = P->gb[k] * inv_n;
    }
    return loss * inv_n + reg;
}

/* The stats pass: label checks and histogram, raw means, sample means/stds of z, all
 * weighted by the rows' weights (unit weights when a block has none: every product with 1.0
 * is exact, so those numbers are the unweighted ones bit for bit). Fills P->n (the total
 * weight), P->mu_raw, P->mu, P->inv_s (as 1/s, 0 for a zero std) and sd (q). Returns 0 or
 * -EINVAL with the reason in err. */
static int lr__stats(lr__prob_t *P, size_t nclasses, double *hist, double *sd, char *err)
{
    size_t p = P->p, q = P->q;
    double *zm = NULL, *m2 = NULL, *zmin = NULL, *zmax = NULL, *cm = NULL, n = 0.0, w2 = 0.0;
    int rc = -ENOMEM;

    zm = calloc(q, sizeof(double));
    m2 = calloc(q, sizeof(double));
    zmin = malloc(q * sizeof(double));
    zmax = malloc(q * sizeof(double));
    cm = malloc(q * sizeof(double));
    if (zm == NULL || m2 == NULL || zmin == NULL || zmax == NULL || cm == NULL) {
        pt_seterr(err, "logisticRegression: out of memory for %zu features", q);
        goto out;
    }
    for (size_t j = 0; j < q; j++) {
        zmin[j] = INFINITY;
        zmax[j] = -INFINITY;
    }
    memset(P->mu_raw, 0, p * sizeof(double));
    for (size_t bi = 0; bi < P->nblocks; bi++) {
        const pt_rowblock_t *blk = &P->blocks[bi];
        for (size_t i0 = 0; i0 < blk->n; i0 += P->chunk) {
            size_t ch = blk->n - i0 < P->chunk ? blk->n - i0 : P->chunk;
            const double *X = blk->x + i0 * p, *y = blk->y + i0, *Z = X;
            const double *wt = blk->w != NULL ? blk->w + i0 : NULL;
            double nb = 0.0, na = n;
            for (size_t i = 0; i < ch; i++) {
                double wi = wt != NULL ? wt[i] : 1.0;
                if (!(y[i] >= 0.0 && y[i] < (double)nclasses && y[i] == floor(y[i]))) {
                    pt_seterr(err, "logisticRegression: labels must be integers in [0, %zu); "
                              "found %g", nclasses, y[i]);
                    rc = -EINVAL;
                    goto out;
                }
                hist[(size_t)y[i]] += wi;
                nb += wi;
                w2 += wi * wi;
                for (size_t a = 0; a < p; a++)
                    P->mu_raw[a] += wi * X[i * p + a];
            }
            if (nb == 0.0)
                continue; /* rows of weight 0 add nothing */
            if (P->A != NULL || P->c != NULL) {
                if (P->A != NULL)
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)ch, (int)q,
                                (int)p, 1.0, X, (int)p, P->A, (int)q, 0.0, P->xc, (int)q);
                else
                    memcpy(P->xc, X, ch * q * sizeof(double));
                if (P->c != NULL)
                    for (size_t i = 0; i < ch; i++)
                        for (size_t j = 0; j < q; j++)
                            P->xc[i * q + j] += P->c[j];
                Z = P->xc;
            }
            /* chunk mean and scatter, then Chan et al.'s merge */
            for (size_t j = 0; j < q; j++)
                cm[j] = 0.0;
            for (size_t i = 0; i < ch; i++)
                for (size_t j = 0; j < q; j++)
                    cm[j] += (wt != NULL ? wt[i] : 1.0) * Z[i * q + j];
            for (size_t j = 0; j < q; j++)
                cm[j] /= nb;
            for (size_t j = 0; j < q; j++) {
                double s = 0.0, delta = cm[j] - zm[j];
                for (size_t i = 0; i < ch; i++) {
                    double v = Z[i * q + j], wi = wt != NULL ? wt[i] : 1.0;
                    if (wi == 0.0)
                        continue; /* Spark's summarizer skips such rows (min, max too) */
                    s += wi * ((v - cm[j]) * (v - cm[j]));
                    zmin[j] = fmin(zmin[j], v);
                    zmax[j] = fmax(zmax[j], v);
                }
                zm[j] += delta * nb / (na + nb);
                m2[j] += s + delta * delta * na * nb / (na + nb);
            }
            n += nb;
        }
    }
    P->n = n;
    if (!(n > 0.0)) {
        pt_seterr(err, "logisticRegression: the training rows' weights sum to 0");
        rc = -EINVAL;
        goto out;
    }
    for (size_t a = 0; a < p; a++)
        P->mu_raw[a] /= n;
    /* The means the margins see: A^T mu_raw + c, so that centring in the raw space and the
     * intercept conversion agree exactly. */
    if (P->A != NULL)
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)p, (int)q, 1.0, P->A, (int)q, P->mu_raw, 1,
                    0.0, P->mu, 1);
    else
        memcpy(P->mu, P->mu_raw, q * sizeof(double));
    if (P->c != NULL)
        for (size_t j = 0; j < q; j++)
            P->mu[j] += P->c[j];
    for (size_t j = 0; j < q; j++) {
        /* Spark's unbiased weighted variance: m2 / (W - sum w^2 / W), which for unit weights
         * is m2 / (n - 1) exactly (n / n == 1) */
        double den = n - w2 / n, s = den > 0.0 ? sqrt(fmax(m2[j], 0.0) / den) : 0.0;
        /* exactly constant, or a std that is rounding noise around the mean */
        if (zmax[j] == zmin[j] || !(s > 8.0 * DBL_EPSILON * fabs(zm[j])))
            s = 0.0;
        sd[j] = s;
        P->inv_s[j] = s > 0.0 ? 1.0 / s : 0.0;
    }
    rc = 0;
out:
    free(zm);
    free(m2);
    free(zmin);
    free(zmax);
    free(cm);
    return rc;
}

void pt_logreg_model_free(pt_logreg_model_t *m)
{
    if (m == NULL)
        return;
    free(m->coef);
    free(m->intercept);
    pt_logreg_warm_free(&m->warm_state);
    memset(m, 0, sizeof *m);
}

int pt_logreg_fit(const pt_rowblock_t *blocks, size_t nblocks, size_t p_raw, const double *A,
                  size_t q, size_t nclasses, const pt_logreg_opts_t *o,
                  pt_logreg_model_t *out, char *err)
{
    return pt_logreg_fit_affine(blocks, nblocks, p_raw, A, NULL, q, nclasses, o, out, err);
}

/* Checks the options and sizes; 0 or -EINVAL with the reason in err. */
static int lr__check(const pt_rowblock_t *blocks, size_t nblocks, size_t p_raw, const double *A,
                     size_t q, size_t nclasses, const pt_logreg_opts_t *o, char *err)
{
    double total = 0.0;
    int rc;

    if ((rc = pt_linreg_check_knobs("logisticRegression", o->reg_param, o->elastic_net,
                                    o->max_iter, o->tol, err)) != 0)
        return rc;
    if (!(o->threshold >= 0.0 && o->threshold <= 1.0)) {
        pt_seterr(err, "logisticRegression: threshold must be in [0, 1] (got %g)",
                  o->threshold);
        return -EINVAL;
    }
    if (o->family != PT_FAMILY_AUTO && o->family != PT_FAMILY_BINOMIAL &&
        o->family != PT_FAMILY_MULTINOMIAL) {
        pt_seterr(err, "logisticRegression: unknown family %d (auto, binomial, multinomial)",
                  o->family);
        return -EINVAL;
    }
    if (nclasses < 1 || p_raw < 1 || q < 1 || (A == NULL && q != p_raw)) {
        pt_seterr(err, "logisticRegression: bad sizes (%zu classes, %zu raw features, %zu "
                  "features%s)", nclasses, p_raw, q, A == NULL ? ", no transform" : "");
        return -EINVAL;
    }
    if (o->family == PT_FAMILY_BINOMIAL && nclasses > 2) {
        pt_seterr(err, "logisticRegression: Binomial family only supports 1 or 2 outcome "
                  "classes but found %zu", nclasses);
        return -EINVAL;
    }
    for (size_t b = 0; b < nblocks; b++)
        total += (double)blocks[b].n;
    if (!(total >= 1.0)) {
        pt_seterr(err, "logisticRegression: no training rows");
        return -EINVAL;
    }
    return 0;
}

static void lr__prob_free(lr__prob_t *P)
{
    free(P->scratch);
    P->scratch = NULL;
}

/* The ranges of the objective's passes for rows rows of p x r partial sums: about
 * LR_RANGE_ROWS rows each, at most LR_MAX_RANGES, and their partial sums within
 * LR_PART_BUDGET doubles; at least 1. A function of the problem alone. */
static size_t lr__nranges(size_t rows, size_t p, size_t r)
{
    size_t n = (rows + LR_RANGE_ROWS - 1) / LR_RANGE_ROWS, cap = LR_PART_BUDGET / (p * r + r + 1);
    if (n > LR_MAX_RANGES)
        n = LR_MAX_RANGES;
    if (n > cap)
        n = cap;
    return n > 0 ? n : 1;
}

/* Sets up P for p raw features seen as q through A (and c), r coefficient rows, with its
 * scratch arrays, for passes on up to threads threads. 0 or -ENOMEM; either way
 * lr__prob_free releases P. */
static int lr__prob_init(lr__prob_t *P, const pt_rowblock_t *blocks, size_t nblocks, size_t p,
                         const double *A, const double *c, size_t q, size_t r, int fit_icpt,
                         int multinomial, int threads)
{
    size_t wide = p > q ? p : q, chunk = 65536 / wide, rows = 0, nr, nt;
    /* a few hundred rows, fewer when rows are wide: the chunk buffer stays near 512 KiB */
    chunk = chunk < 16 ? 16 : (chunk > 256 ? 256 : chunk);
    for (size_t b = 0; b < nblocks; b++)
        rows += blocks[b].n;
    nr = lr__nranges(rows, p, r);
    nt = threads > 1 ? (size_t)threads : 1;
    nt = nt > LR_MAX_THREADS ? LR_MAX_THREADS : (nt > nr ? nr : nt);
    double **const v[] = {&P->mu_raw, &P->mu, &P->inv_s, &P->pen2, &P->xc, &P->M,
                          &P->V, &P->Wraw, &P->Graw, &P->off, &P->gb, &P->part, &P->tbuf};
    const size_t n[] = {p, q, q, q, chunk * wide, chunk * r, r * q, p * r, p * r, r, r,
                        nr * (p * r + r + 1), (nt - 1) * chunk * (wide + r)};

    memset(P, 0, sizeof *P);
    P->blocks = blocks;
    P->nblocks = nblocks;
    P->p = p;
    P->q = q;
    P->r = r;
    P->A = A;
    P->c = c;
    P->fit_icpt = fit_icpt;
    P->multinomial = multinomial;
    P->chunk = chunk;
    P->rows = rows;
    P->nranges = nr;
    P->threads = nt;
    P->scratch = pt_scratch_alloc(v, n, sizeof n / sizeof n[0]);
    return P->scratch != NULL ? 0 : -ENOMEM;
}

/* Penalty weights (P->pen2, l1), and the diagonal preconditioner of the quasi-Newton steps:
 * the inverse of a bound on the Hessian's diagonal, data part (at most 1/4 times the mean
 * square of the scaled feature: 1 when centred, 1 + mu^2/s^2 when not) plus the L2 weight. It
 * only matters when those differ between coordinates (standardization = false spreads the L2
 * weights over many orders of magnitude, no intercept leaves large uncentred features). */
static void lr__weights(lr__prob_t *P, const pt_logreg_opts_t *o, const double *sd, size_t d,
                        double *l1, double *pre)
{
    double alpha = o->elastic_net, lam = o->reg_param;
    size_t q = P->q, r = P->r;

    for (size_t j = 0; j < q; j++) {
        int z = sd[j] == 0.0;
        double ms = P->fit_icpt || z ? 1.0 : 1.0 + (P->mu[j] / sd[j]) * (P->mu[j] / sd[j]);
        P->pen2[j] = z ? 0.0 : lam * (1.0 - alpha) / (o->standardization ? 1.0 : sd[j] * sd[j]);
        for (size_t k = 0; k < r; k++) {
            l1[k * q + j] = z ? 0.0 : lam * alpha / (o->standardization ? 1.0 : sd[j]);
            pre[k * q + j] = 1.0 / (0.25 * ms + P->pen2[j]);
        }
    }
    for (size_t k = r * q; k < d; k++)
        pre[k] = 4.0;
}

/* Spark's starting intercepts from the label histogram (its coefficients start at 0). */
static void lr__start(const lr__prob_t *P, const double *hist, double *theta)
{
    size_t q = P->q, r = P->r;
    if (!P->fit_icpt)
        return;
    if (!P->multinomial) {
        theta[r * q] = log(hist[1] / hist[0]);
    } else {
        double mean = 0.0;
        for (size_t k = 0; k < r; k++)
            mean += log1p(hist[k]);
        mean /= (double)r;
        for (size_t k = 0; k < r; k++)
            theta[r * q + k] = log1p(hist[k]) - mean;
    }
}

struct pt_logreg_warm {
    double f0;              /* the objective at Spark's starting point */
    double *pen2;           /* q: the L2 weights (lr__prob_t.pen2) the pairs were taken with */
    pt_optim_pairs_t pairs; /* the optimizer's last correction pairs */
};

void pt_logreg_warm_free(struct pt_logreg_warm **w)
{
    if (w == NULL || *w == NULL)
        return;
    free((*w)->pen2);
    pt_optim_pairs_free(&(*w)->pairs);
    free(*w);
    *w = NULL;
}

/* The f0 of a model to start from: its warm state's, else its own. */
static double lr__f0(const pt_logreg_model_t *w)
{
    return w->warm_state != NULL ? w->warm_state->f0 : w->f0;
}

/* A new warm state for a fit of d variables (pairs) with P's L2 weights, holding the pairs
 * of the fit it starts from (w's, when warm and of d variables) moved to these weights.
 * NULL when out of memory. */
static struct pt_logreg_warm *lr__warm_state(const lr__prob_t *P, const pt_logreg_model_t *w,
                                             int warm, size_t d)
{
    struct pt_logreg_warm *ws = calloc(1, sizeof *ws);
    const struct pt_logreg_warm *old = warm ? w->warm_state : NULL;
    double *shift = NULL;
    size_t q = P->q;
    if (ws == NULL || (ws->pen2 = malloc((q ? q : 1) * sizeof(double))) == NULL ||
        pt_optim_pairs_init(&ws->pairs, d) != 0)
        goto nomem;
    memcpy(ws->pen2, P->pen2, q * sizeof(double));
    if (old != NULL && old->pairs.d == d && old->pairs.count > 0) {
        if ((shift = calloc(d, sizeof(double))) == NULL)
            goto nomem;
        for (size_t k = 0; k < P->r; k++)
            for (size_t j = 0; j < q; j++)
                shift[k * q + j] = P->pen2[j] - old->pen2[j];
        ws->pairs.count = old->pairs.count;
        memcpy(ws->pairs.S, old->pairs.S, old->pairs.count * d * sizeof(double));
        memcpy(ws->pairs.Y, old->pairs.Y, old->pairs.count * d * sizeof(double));
        pt_optim_pairs_shift(&ws->pairs, shift);
        free(shift);
    }
    return ws;
nomem:
    pt_logreg_warm_free(&ws);
    return NULL;
}

/* A warm start: theta (scaled, centred) from the model w of the same problem with another
 * penalty, the inverse of lr__unscale (any point is a valid start; the centring it undid
 * does not matter). Returns 1 when theta was set, 0 when w is NULL or of another shape (the
 * caller starts cold). */
static int lr__warm(const lr__prob_t *P, const pt_logreg_model_t *w, const double *sd,
                    double *theta)
{
    size_t q = P->q, r = P->r;
    if (w == NULL || w->q != q || w->ncoef_rows != r || w->multinomial != P->multinomial ||
        w->coef == NULL || w->intercept == NULL || !isfinite(lr__f0(w)) || !(lr__f0(w) != 0.0))
        return 0;
    for (size_t k = 0; k < r; k++)
        if (!isfinite(w->intercept[k]))
            return 0;
    for (size_t k = 0; k < r; k++) {
        double icpt = w->intercept[k];
        for (size_t j = 0; j < q; j++) {
            theta[k * q + j] = w->coef[k * q + j] * sd[j];
            icpt += w->coef[k * q + j] * P->mu[j];
        }
        if (P->fit_icpt)
            theta[r * q + k] = icpt;
    }
    return 1;
}

/* The model in the original space of z from theta (scaled, centred), then Spark's centring of
 * multinomial coefficients (regParam 0) and intercepts (fitIntercept). */
static void lr__unscale(const lr__prob_t *P, const double *theta, double lam,
                        pt_logreg_model_t *m)
{
    size_t q = P->q, r = P->r;
    for (size_t k = 0; k < r; k++) {
        double icpt = P->fit_icpt ? theta[r * q + k] : 0.0;
        for (size_t j = 0; j < q; j++) {
            m->coef[k * q + j] = theta[k * q + j] * P->inv_s[j];
            if (P->fit_icpt)
                icpt -= m->coef[k * q + j] * P->mu[j];
        }
        m->intercept[k] = icpt;
    }
    if (P->multinomial && lam == 0.0) {
        for (size_t j = 0; j < q; j++) {
            double cen = 0.0;
            for (size_t k = 0; k < r; k++)
                cen += m->coef[k * q + j];
            cen /= (double)r;
            for (size_t k = 0; k < r; k++)
                m->coef[k * q + j] -= cen;
        }
    }
    if (P->multinomial && P->fit_icpt) {
        double cen = 0.0;
        for (size_t k = 0; k < r; k++)
            cen += m->intercept[k];
        cen /= (double)r;
        for (size_t k = 0; k < r; k++)
            m->intercept[k] -= cen;
    }
}

/* With an intercept and one class present Spark does not train: coefficients 0, the class
 * gets an infinite intercept. Returns 1 when that is the case (m filled), else 0. */
static int lr__constant_label(const lr__prob_t *P, const double *hist, size_t nclasses,
                              pt_logreg_model_t *m)
{
    size_t nonzero = 0, only = 0;
    for (size_t k = 0; k < nclasses; k++)
        if (hist[k] > 0.0) {
            nonzero++;
            only = k;
        }
    if (!P->fit_icpt || nonzero != 1)
        return 0;
    if (P->multinomial)
        m->intercept[only] = INFINITY;
    else
        m->intercept[0] = only == 1 ? INFINITY : -INFINITY;
    m->objective = NAN;
    m->converged = 1;
    return 1;
}

int pt_logreg_fit_affine(const pt_rowblock_t *blocks, size_t nblocks, size_t p_raw,
                         const double *A, const double *c, size_t q, size_t nclasses,
                         const pt_logreg_opts_t *o, pt_logreg_model_t *out, char *err)
{
    lr__prob_t P;
    pt_logreg_model_t m;
    pt_optim_problem_t op;
    pt_optim_result_t res;
    double *hist = NULL, *sd = NULL, *theta = NULL, *l1 = NULL, *pre = NULL;
    size_t r, d;
    int multinomial, rc, warm;

    memset(&m, 0, sizeof m);
    memset(out, 0, sizeof *out);
    m.f0 = NAN;
    if ((rc = lr__check(blocks, nblocks, p_raw, A, q, nclasses, o, err)) != 0)
        return rc;
    multinomial = o->family == PT_FAMILY_MULTINOMIAL ||
                  (o->family == PT_FAMILY_AUTO && nclasses > 2);
    r = multinomial ? nclasses : 1;
    d = r * q + (o->fit_intercept ? r : 0);
    rc = lr__prob_init(&P, blocks, nblocks, p_raw, A, c, q, r, o->fit_intercept != 0,
                       multinomial, o->threads);
    hist = calloc(nclasses, sizeof(double));
    sd = malloc(q * sizeof(double));
    theta = calloc(d, sizeof(double));
    l1 = calloc(d, sizeof(double));
    pre = malloc(d * sizeof(double));
    m.coef = calloc(r * q, sizeof(double));
    m.intercept = calloc(r, sizeof(double));
    if (rc != 0 || hist == NULL || sd == NULL || theta == NULL || l1 == NULL || pre == NULL ||
        m.coef == NULL || m.intercept == NULL) {
        rc = -ENOMEM;
        pt_seterr(err, "logisticRegression: out of memory for %zu features, %zu classes", q,
                  nclasses);
        goto out;
    }
    m.q = q;
    m.nclasses = nclasses;
    m.ncoef_rows = r;
    m.multinomial = multinomial;

    if ((rc = lr__stats(&P, nclasses, hist, sd, err)) != 0 ||
        lr__constant_label(&P, hist, nclasses, &m))
        goto out;
    lr__weights(&P, o, sd, d, l1, pre);
    warm = lr__warm(&P, o->warm, sd, theta);
    if (!warm)
        lr__start(&P, hist, theta);
    if ((m.warm_state = lr__warm_state(&P, o->warm, warm, d)) == NULL) {
        rc = -ENOMEM;
        pt_seterr(err, "logisticRegression: out of memory for the optimizer (%zu variables)",
                  d);
        goto out;
    }
    op = (pt_optim_problem_t){lr__smooth, &P, d,
                              o->elastic_net * o->reg_param > 0.0 ? l1 : NULL, pre,
                              warm ? fabs(lr__f0(o->warm)) : 0.0, &m.warm_state->pairs};
    if ((rc = pt_optim_minimize(&op, theta, o->max_iter, o->tol, &res)) != 0) {
        pt_seterr(err, "logisticRegression: out of memory for the optimizer (%zu variables)",
                  d);
        goto out;
    }
    m.iterations = res.iterations;
    m.converged = res.converged;
    m.objective = res.fval;
    m.f0 = warm ? lr__f0(o->warm) : res.fstart;
    m.warm_state->f0 = m.f0;
    lr__unscale(&P, theta, o->reg_param, &m);
out:
    if (rc == 0)
        *out = m;
    else
        pt_logreg_model_free(&m);
    lr__prob_free(&P);
    free(hist);
    free(sd);
    free(theta);
    free(l1);
    free(pre);
    return rc;
}

void pt_logreg_compose(const pt_logreg_model_t *m, size_t p_raw, const double *A,
                       const double *c, double *coef_raw, double *icpt_raw)
{
    size_t q = m->q, r = m->ncoef_rows;
    if (A != NULL)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)r, (int)p_raw, (int)q, 1.0,
                    m->coef, (int)q, A, (int)q, 0.0, coef_raw, (int)p_raw);
    else
        memcpy(coef_raw, m->coef, r * q * sizeof(double));
    for (size_t k = 0; k < r; k++)
        icpt_raw[k] = m->intercept[k] + (c != NULL ? lr__dot(q, m->coef + k * q, c) : 0.0);
}

void pt_logreg_margins(const double *x, size_t n, size_t p, const double *coef,
                       const double *intercept, size_t r, double *margins)
{
    for (size_t i = 0; i < n; i++)
        memcpy(margins + i * r, intercept, r * sizeof(double));
    if (n == 0 || p == 0 || r == 0)
        return;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)r, (int)p, 1.0, x, (int)p,
                coef, (int)p, 1.0, margins, (int)r);
}

void pt_logreg_probabilities(const double *margins, size_t n, size_t r, int multinomial,
                             double *prob)
{
    for (size_t i = 0; i < n; i++) {
        const double *m = margins + i * r;
        if (!multinomial) {
            double p1 = 1.0 / (1.0 + exp(-m[0]));
            prob[2 * i] = 1.0 - p1;
            prob[2 * i + 1] = p1;
            continue;
        }
        double *pr = prob + i * r, mx = m[0], s = 0.0;
        size_t am = 0;
        for (size_t k = 1; k < r; k++)
            if (m[k] > mx) {
                mx = m[k];
                am = k;
            }
        if (mx == INFINITY) {
            for (size_t k = 0; k < r; k++)
                pr[k] = k == am ? 1.0 : 0.0;
            continue;
        }
        for (size_t k = 0; k < r; k++) {
            pr[k] = exp(m[k] - mx);
            s += pr[k];
        }
        for (size_t k = 0; k < r; k++)
            pr[k] /= s;
    }
}

void pt_logreg_predict(const double *prob, size_t n, size_t K, int multinomial,
                       double threshold, double *pred)
{
    for (size_t i = 0; i < n; i++) {
        if (!multinomial) {
            pred[i] = prob[2 * i + 1] > threshold ? 1.0 : 0.0;
            continue;
        }
        size_t am = 0;
        for (size_t k = 1; k < K; k++)
            if (prob[i * K + k] > prob[i * K + am])
                am = k;
        pred[i] = (double)am;
    }
}

void pt_logreg_scores(const double *margins, size_t n, size_t r, int multinomial,
                      double *score)
{
    for (size_t i = 0; i < n; i++)
        score[i] = multinomial ? (r >= 2 ? margins[i * r + 1] : 0.0) : margins[i];
}
