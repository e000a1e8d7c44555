/* pt_logreg.c - Spark ML LogisticRegression: L-BFGS / OWL-QN on row blocks seen through A.
 *
 * One pass over the rows collects the label histogram, the means of the raw rows (for
 * centring) and the sample means and stds of z = A^T x + c (chunks of z are formed in a small
 * scratch buffer with cblas_dgemm and merged with Chan's pairwise update). Every objective
 * evaluation is then one more pass: with V = b' / s (r x q) and W = A V^T (p_raw x r), the
 * margins of a chunk are (X - 1 mu_raw^T) W + b0 (centred only with an intercept) and the
 * gradient is A^T ((X - 1 mu_raw^T)^T R) / s, R the chunk's residuals; the centred chunk is a
 * copy of at most a few hundred rows. See pt_logreg.h for the objective and stopping rule.
 */
#include "pt_logreg.h"

#include <cblas.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"

#define LR__M 10       /* L-BFGS correction pairs: Spark passes 10 to Breeze */
#define LR__FHIST 20   /* Breeze's fvalMemory of defaultConvergenceCheck */
#define LR__LSMAX 60   /* line-search trials before it counts as failed */
#define LR__C1 1e-4    /* sufficient decrease (Armijo) */
#define LR__C2 0.9     /* curvature (weak Wolfe) */

typedef struct {
    const pt_rowblock_t *blocks;
    size_t nblocks;
    size_t p, q, r; /* raw features, transformed features, coefficient rows */
    const double *A, *c;
    int fit_icpt, multinomial;
    double n;
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
} lr__prob_t;

pt_logreg_opts_t pt_logreg_defaults(void)
{
    pt_logreg_opts_t o = {0.0, 0.0, 100, 1e-6, 1, 1, 0.5, PT_FAMILY_AUTO};
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

static double lr__norm(size_t d, const double *a)
{
    return sqrt(lr__dot(d, a, a));
}

/* The smooth part of the objective (mean logloss + L2) at theta = [b' (r x q), b0 (r) when
 * fit_icpt], and its gradient in g. */
static double lr__smooth(lr__prob_t *P, const double *th, double *g)
{
    size_t p = P->p, q = P->q, r = P->r;
    const double *W = th, *b = P->fit_icpt ? th + r * q : NULL;
    double loss = 0.0, reg = 0.0, inv_n = 1.0 / P->n;

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
        P->gb[k] = 0.0;
    }
    memset(P->Graw, 0, p * r * sizeof(double));

    for (size_t bi = 0; bi < P->nblocks; bi++) {
        const pt_rowblock_t *blk = &P->blocks[bi];
        for (size_t i0 = 0; i0 < blk->n; i0 += P->chunk) {
            size_t ch = blk->n - i0 < P->chunk ? blk->n - i0 : P->chunk;
            const double *X = blk->x + i0 * p, *y = blk->y + i0;
            if (P->fit_icpt) {
                for (size_t i = 0; i < ch; i++)
                    for (size_t a = 0; a < p; a++)
                        P->xc[i * p + a] = X[i * p + a] - P->mu_raw[a];
                X = P->xc;
            }
            for (size_t i = 0; i < ch; i++)
                memcpy(P->M + i * r, P->off, r * sizeof(double));
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)ch, (int)r, (int)p, 1.0,
                        X, (int)p, P->Wraw, (int)r, 1.0, P->M, (int)r);
            for (size_t i = 0; i < ch; i++) {
                double *m = P->M + i * r;
                size_t yi = (size_t)y[i];
                if (!P->multinomial) {
                    loss += lr__log1pexp(m[0]) - y[i] * m[0];
                    m[0] = lr__sigmoid(m[0]) - y[i];
                } else {
                    double mx = m[0], se = 0.0, lse;
                    for (size_t k = 1; k < r; k++)
                        if (m[k] > mx)
                            mx = m[k];
                    for (size_t k = 0; k < r; k++)
                        se += exp(m[k] - mx);
                    lse = mx + log(se);
                    loss += lse - m[yi];
                    for (size_t k = 0; k < r; k++)
                        m[k] = exp(m[k] - lse) - (k == yi ? 1.0 : 0.0);
                }
                for (size_t k = 0; k < r; k++)
                    P->gb[k] += m[k];
            }
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)p, (int)r, (int)ch, 1.0, X,
                        (int)p, P->M, (int)r, 1.0, P->Graw, (int)r);
        }
    }

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

static double lr__l1term(size_t d, const double *x, const double *l1)
{
    double s = 0.0;
    if (l1 != NULL)
        for (size_t i = 0; i < d; i++)
            s += l1[i] * fabs(x[i]);
    return s;
}

/* OWL-QN's pseudo-gradient of f + sum l1_i |x_i| (the gradient when l1 is NULL). */
static void lr__pseudo(size_t d, const double *x, const double *g, const double *l1,
                       double *pg)
{
    for (size_t i = 0; i < d; i++) {
        double l = l1 != NULL ? l1[i] : 0.0;
        if (l == 0.0 || x[i] > 0.0)
            pg[i] = g[i] + l;
        else if (x[i] < 0.0)
            pg[i] = g[i] - l;
        else if (g[i] + l < 0.0)
            pg[i] = g[i] + l;
        else if (g[i] - l > 0.0)
            pg[i] = g[i] - l;
        else
            pg[i] = 0.0;
    }
}

typedef struct {
    size_t d;
    const double *pre;        /* d: diagonal preconditioner (H0 = gamma diag(pre)) */
    double *S, *Y, *rho, *al; /* LR__M x d pairs, ring buffer */
    size_t count, head;       /* pairs stored; index of the oldest */
} lr__hist_t;

/* dir = -H v by the two-loop recursion, H0 = gamma diag(pre) with gamma = s.y / y.(pre y)
 * of the newest pair (gamma = 1 without pairs). */
static void lr__direction(const lr__hist_t *h, const double *v, double *dir)
{
    size_t d = h->d;
    double gamma = 1.0;
    for (size_t i = 0; i < d; i++)
        dir[i] = -v[i];
    for (size_t t = h->count; t-- > 0;) {
        size_t s = (h->head + t) % LR__M;
        h->al[s] = h->rho[s] * lr__dot(d, h->S + s * d, dir);
        cblas_daxpy((int)d, -h->al[s], h->Y + s * d, 1, dir, 1);
    }
    if (h->count > 0) {
        size_t s = (h->head + h->count - 1) % LR__M;
        const double *y = h->Y + s * d;
        double ypy = 0.0;
        for (size_t i = 0; i < d; i++)
            ypy += y[i] * h->pre[i] * y[i];
        gamma = 1.0 / (h->rho[s] * ypy);
    }
    for (size_t i = 0; i < d; i++)
        dir[i] *= gamma * h->pre[i];
    for (size_t t = 0; t < h->count; t++) {
        size_t s = (h->head + t) % LR__M;
        double be = h->rho[s] * lr__dot(d, h->Y + s * d, dir);
        cblas_daxpy((int)d, h->al[s] - be, h->S + s * d, 1, dir, 1);
    }
}

/* Stores the pair (s, y) = (xn - x, gn - g) when its curvature is positive. */
static void lr__push(lr__hist_t *h, const double *x, const double *xn, const double *g,
                     const double *gn)
{
    size_t d = h->d, s;
    double sy = 0.0, ss = 0.0, yy = 0.0;
    for (size_t i = 0; i < d; i++) {
        double si = xn[i] - x[i], yi = gn[i] - g[i];
        sy += si * yi;
        ss += si * si;
        yy += yi * yi;
    }
    if (!(sy > 1e-12 * sqrt(ss * yy)))
        return;
    if (h->count < LR__M) {
        s = (h->head + h->count) % LR__M;
        h->count++;
    } else {
        s = h->head;
        h->head = (h->head + 1) % LR__M;
    }
    for (size_t i = 0; i < d; i++) {
        h->S[s * d + i] = xn[i] - x[i];
        h->Y[s * d + i] = gn[i] - g[i];
    }
    h->rho[s] = 1.0 / sy;
}

/* Weak-Wolfe line search along dir (gd = g.dir < 0) by bracketing and bisection. On success
 * xn, fn, gn hold the accepted point and 0 is returned; -1 when no step was accepted. */
static int lr__wolfe(lr__prob_t *P, size_t d, const double *x, double f, const double *dir,
                     double gd, double t, double *xn, double *fn, double *gn)
{
    double lo = 0.0, hi = INFINITY;
    for (int it = 0; it < LR__LSMAX; it++) {
        for (size_t i = 0; i < d; i++)
            xn[i] = x[i] + t * dir[i];
        *fn = lr__smooth(P, xn, gn);
        if (!(*fn <= f + LR__C1 * t * gd))
            hi = t;
        else if (lr__dot(d, gn, dir) < LR__C2 * gd)
            lo = t;
        else
            return 0;
        t = isfinite(hi) ? 0.5 * (lo + hi) : 2.0 * t;
    }
    if (lo > 0.0) { /* Armijo held at lo: take it rather than nothing */
        for (size_t i = 0; i < d; i++)
            xn[i] = x[i] + lo * dir[i];
        *fn = lr__smooth(P, xn, gn);
        return 0;
    }
    return -1;
}

/* OWL-QN's backtracking line search on F = f + l1 term along dir, each trial projected onto
 * the orthant of x (sign of -pg where x is 0). Returns 0 or -1 as lr__wolfe. */
static int lr__owl_search(lr__prob_t *P, size_t d, const double *x, double F,
                          const double *pg, const double *l1, const double *dir, double t,
                          double shrink, double *xn, double *fn, double *Fn, double *gn)
{
    for (int it = 0; it < LR__LSMAX; it++) {
        double dec = 0.0;
        for (size_t i = 0; i < d; i++) {
            double v = x[i] + t * dir[i];
            if (l1[i] > 0.0) {
                double orth = x[i] != 0.0 ? x[i] : -pg[i];
                if (v * orth <= 0.0)
                    v = 0.0;
            }
            xn[i] = v;
            dec += pg[i] * (v - x[i]);
        }
        *fn = lr__smooth(P, xn, gn);
        *Fn = *fn + lr__l1term(d, xn, l1);
        if (*Fn <= F + LR__C1 * dec)
            return 0;
        t *= shrink;
    }
    return -1;
}

/* Minimises lr__smooth + sum l1_i |x_i| from x (d variables) as described in pt_logreg.h.
 * Returns 0 or -ENOMEM. */
static int lr__minimize(lr__prob_t *P, size_t d, double *x, const double *l1,
                        const double *pre, int max_iter, double tol, int *iters,
                        int *converged, double *fval)
{
    double *g = NULL, *pg = NULL, *dir = NULL, *xn = NULL, *gn = NULL;
    double fh[LR__FHIST];
    size_t nfh = 0;
    lr__hist_t h = {d, pre, NULL, NULL, NULL, NULL, 0, 0};
    double f, F, F0;
    int iter = 0, failed_once = 0, conv = 0, rc = -ENOMEM;

    g = malloc(d * sizeof(double));
    pg = malloc(d * sizeof(double));
    dir = malloc(d * sizeof(double));
    xn = malloc(d * sizeof(double));
    gn = malloc(d * sizeof(double));
    h.S = malloc(LR__M * d * sizeof(double));
    h.Y = malloc(LR__M * d * sizeof(double));
    h.rho = malloc(LR__M * sizeof(double));
    h.al = malloc(LR__M * sizeof(double));
    if (g == NULL || pg == NULL || dir == NULL || xn == NULL || gn == NULL ||
        h.S == NULL || h.Y == NULL || h.rho == NULL || h.al == NULL)
        goto out;

    f = lr__smooth(P, x, g);
    F = f + lr__l1term(d, x, l1);
    F0 = F;
    lr__pseudo(d, x, g, l1, pg);
    fh[nfh++] = INFINITY; /* Breeze's initial convergence info */
    if (lr__norm(d, pg) <= fmax(tol * fabs(F), 1e-8))
        conv = 1;
    while (!conv && iter < max_iter) {
        double gd, Fn, fn;
        int ls;
        lr__direction(&h, pg, dir);
        if (l1 != NULL)
            for (size_t i = 0; i < d; i++)
                if (!(dir[i] * pg[i] < 0.0))
                    dir[i] = 0.0;
        gd = lr__dot(d, dir, pg);
        if (!(gd < 0.0)) { /* not a descent direction: restart from steepest descent */
            h.count = h.head = 0;
            lr__direction(&h, pg, dir);
            gd = lr__dot(d, dir, pg);
        }
        if (l1 == NULL) {
            ls = lr__wolfe(P, d, x, f, dir, gd, h.count == 0 ? 1.0 / lr__norm(d, dir) : 1.0,
                           xn, &fn, gn);
            Fn = fn;
        } else {
            ls = lr__owl_search(P, d, x, F, pg, l1, dir,
                                h.count == 0 ? 0.5 / lr__norm(d, dir) : 1.0,
                                h.count == 0 ? 0.1 : 0.5, xn, &fn, &Fn, gn);
        }
        if (ls != 0 || !(Fn <= F)) {
            if (failed_once) {
                conv = 1; /* Breeze: SearchFailed ends the run, Spark keeps the state */
                break;
            }
            failed_once = 1;
            h.count = h.head = 0;
            continue;
        }
        failed_once = 0;
        lr__push(&h, x, xn, g, gn);
        memcpy(x, xn, d * sizeof(double));
        memcpy(g, gn, d * sizeof(double));
        f = fn;
        F = Fn;
        lr__pseudo(d, x, g, l1, pg);
        iter++;
        if (nfh == LR__FHIST) {
            memmove(fh, fh + 1, (LR__FHIST - 1) * sizeof(double));
            nfh--;
        }
        fh[nfh++] = F;
        if (nfh >= 2) {
            double mx = fh[0];
            for (size_t i = 1; i < nfh; i++)
                mx = fmax(mx, fh[i]);
            if (fabs(F - mx) <= tol * fabs(F0))
                conv = 1;
        }
        if (lr__norm(d, pg) <= fmax(tol * fabs(F), 1e-8))
            conv = 1;
    }
    *iters = iter;
    *converged = conv;
    *fval = F;
    rc = 0;
out:
    free(g);
    free(pg);
    free(dir);
    free(xn);
    free(gn);
    free(h.S);
    free(h.Y);
    free(h.rho);
    free(h.al);
    return rc;
}

/* The stats pass: label checks and histogram, raw means, sample means/stds of z. Fills
 * P->mu_raw, P->mu, P->inv_s (as 1/s, 0 for a zero std) and sd (q). Returns 0 or -EINVAL
 * with the reason in err. */
static int lr__stats(lr__prob_t *P, size_t nclasses, double *hist, double *sd, char *err)
{
    size_t p = P->p, q = P->q;
    double *zm = NULL, *m2 = NULL, *zmin = NULL, *zmax = NULL, *cm = NULL, n = 0.0;
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
            double nb = (double)ch, na = n;
            for (size_t i = 0; i < ch; i++) {
                if (!(y[i] >= 0.0 && y[i] < (double)nclasses && y[i] == floor(y[i]))) {
                    pt_seterr(err, "logisticRegression: labels must be integers in [0, %zu); "
                              "found %g", nclasses, y[i]);
                    rc = -EINVAL;
                    goto out;
                }
                hist[(size_t)y[i]] += 1.0;
                for (size_t a = 0; a < p; a++)
                    P->mu_raw[a] += X[i * p + a];
            }
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
                    cm[j] += Z[i * q + j];
            for (size_t j = 0; j < q; j++)
                cm[j] /= nb;
            for (size_t j = 0; j < q; j++) {
                double s = 0.0, delta = cm[j] - zm[j];
                for (size_t i = 0; i < ch; i++) {
                    double v = Z[i * q + j];
                    s += (v - cm[j]) * (v - cm[j]);
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
        double s = n > 1.0 ? sqrt(fmax(m2[j], 0.0) / (n - 1.0)) : 0.0;
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
    memset(m, 0, sizeof *m);
}

int pt_logreg_fit(const pt_rowblock_t *blocks, size_t nblocks, size_t p_raw, const double *A,
                  size_t q, size_t nclasses, const pt_logreg_opts_t *o,
                  pt_logreg_model_t *out, char *err)
{
    return pt_logreg_fit_affine(blocks, nblocks, p_raw, A, NULL, q, nclasses, o, out, err);
}

int pt_logreg_fit_affine(const pt_rowblock_t *blocks, size_t nblocks, size_t p_raw,
                         const double *A, const double *c, size_t q, size_t nclasses,
                         const pt_logreg_opts_t *o, pt_logreg_model_t *out, char *err)
{
    lr__prob_t P;
    pt_logreg_model_t m;
    double *hist = NULL, *sd = NULL, *theta = NULL, *l1 = NULL, *pre = NULL;
    double alpha = o->elastic_net, lam = o->reg_param, total = 0.0;
    size_t r, d, nonzero = 0, only = 0;
    int multinomial, rc = -ENOMEM;

    memset(&P, 0, sizeof P);
    memset(&m, 0, sizeof m);
    memset(out, 0, sizeof *out);
    if (!(lam >= 0.0) || !isfinite(lam)) {
        pt_seterr(err, "logisticRegression: regParam must be a finite number >= 0 (got %g)",
                  lam);
        return -EINVAL;
    }
    if (!(alpha >= 0.0 && alpha <= 1.0)) {
        pt_seterr(err, "logisticRegression: elasticNetParam must be in [0, 1] (got %g)", alpha);
        return -EINVAL;
    }
    if (o->max_iter < 0 || !(o->tol >= 0.0)) {
        pt_seterr(err, "logisticRegression: maxIter and tol must be >= 0 (got %d, %g)",
                  o->max_iter, o->tol);
        return -EINVAL;
    }
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
    multinomial = o->family == PT_FAMILY_MULTINOMIAL ||
                  (o->family == PT_FAMILY_AUTO && nclasses > 2);
    r = multinomial ? nclasses : 1;
    d = r * q + (o->fit_intercept ? r : 0);

    P.blocks = blocks;
    P.nblocks = nblocks;
    P.p = p_raw;
    P.q = q;
    P.r = r;
    P.A = A;
    P.c = c;
    P.fit_icpt = o->fit_intercept != 0;
    P.multinomial = multinomial;
    /* a few hundred rows, fewer when rows are wide: the chunk buffer stays near 512 KiB */
    P.chunk = 65536 / (p_raw > q ? p_raw : q);
    P.chunk = P.chunk < 16 ? 16 : (P.chunk > 256 ? 256 : P.chunk);
    P.mu_raw = malloc(p_raw * sizeof(double));
    P.mu = malloc(q * sizeof(double));
    P.inv_s = malloc(q * sizeof(double));
    P.pen2 = malloc(q * sizeof(double));
    P.xc = malloc(P.chunk * (p_raw > q ? p_raw : q) * sizeof(double));
    P.M = malloc(P.chunk * r * sizeof(double));
    P.V = malloc(r * q * sizeof(double));
    P.Wraw = malloc(p_raw * r * sizeof(double));
    P.Graw = malloc(p_raw * r * sizeof(double));
    P.off = malloc(r * sizeof(double));
    P.gb = malloc(r * sizeof(double));
    hist = calloc(nclasses, sizeof(double));
    sd = malloc(q * sizeof(double));
    theta = calloc(d, sizeof(double));
    l1 = calloc(d, sizeof(double));
    pre = malloc(d * sizeof(double));
    m.coef = calloc(r * q, sizeof(double));
    m.intercept = calloc(r, sizeof(double));
    if (P.mu_raw == NULL || P.mu == NULL || P.inv_s == NULL || P.pen2 == NULL || P.xc == NULL ||
        P.M == NULL || P.V == NULL || P.Wraw == NULL || P.Graw == NULL || P.off == NULL ||
        P.gb == NULL || hist == NULL || sd == NULL || theta == NULL || l1 == NULL || pre == NULL ||
        m.coef == NULL || m.intercept == NULL) {
        pt_seterr(err, "logisticRegression: out of memory for %zu features, %zu classes", q,
                  nclasses);
        goto out;
    }
    m.q = q;
    m.nclasses = nclasses;
    m.ncoef_rows = r;
    m.multinomial = multinomial;

    rc = lr__stats(&P, nclasses, hist, sd, err);
    if (rc != 0)
        goto out;
    for (size_t k = 0; k < nclasses; k++)
        if (hist[k] > 0.0) {
            nonzero++;
            only = k;
        }
    if (P.fit_icpt && nonzero == 1) {
        /* Spark: no training; coefficients 0, the one class gets an infinite intercept. */
        if (multinomial)
            m.intercept[only] = INFINITY;
        else
            m.intercept[0] = only == 1 ? INFINITY : -INFINITY;
        m.objective = NAN;
        m.converged = 1;
        rc = 0;
        goto out;
    }

    /* Penalty weights, and the diagonal preconditioner of the quasi-Newton steps: the inverse
     * of a bound on the Hessian's diagonal, data part (at most 1/4 times the mean square of
     * the scaled feature: 1 when centred, 1 + mu^2/s^2 when not) plus the L2 weight. It only
     * matters when those differ between coordinates (standardization = false spreads the L2
     * weights over many orders of magnitude, no intercept leaves large uncentred features). */
    for (size_t j = 0; j < q; j++) {
        int z = sd[j] == 0.0;
        double ms = P.fit_icpt || z ? 1.0 : 1.0 + (P.mu[j] / sd[j]) * (P.mu[j] / sd[j]);
        P.pen2[j] = z ? 0.0 : lam * (1.0 - alpha) / (o->standardization ? 1.0 : sd[j] * sd[j]);
        for (size_t k = 0; k < r; k++) {
            l1[k * q + j] = z ? 0.0 : lam * alpha / (o->standardization ? 1.0 : sd[j]);
            pre[k * q + j] = 1.0 / (0.25 * ms + P.pen2[j]);
        }
    }
    for (size_t k = r * q; k < d; k++)
        pre[k] = 4.0;
    /* Spark's starting intercepts (its coefficients start at 0). */
    if (P.fit_icpt) {
        if (!multinomial) {
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
    rc = lr__minimize(&P, d, theta, alpha * lam > 0.0 ? l1 : NULL, pre, o->max_iter, o->tol,
                      &m.iterations, &m.converged, &m.objective);
    if (rc != 0) {
        pt_seterr(err, "logisticRegression: out of memory for the optimizer (%zu variables)",
                  d);
        goto out;
    }

    /* Back to the original space of z. */
    for (size_t k = 0; k < r; k++) {
        double icpt = P.fit_icpt ? theta[r * q + k] : 0.0;
        for (size_t j = 0; j < q; j++) {
            m.coef[k * q + j] = theta[k * q + j] * P.inv_s[j];
            if (P.fit_icpt)
                icpt -= m.coef[k * q + j] * P.mu[j];
        }
        m.intercept[k] = icpt;
    }
    if (multinomial && lam == 0.0) {
        for (size_t j = 0; j < q; j++) {
            double cen = 0.0;
            for (size_t k = 0; k < r; k++)
                cen += m.coef[k * q + j];
            cen /= (double)r;
            for (size_t k = 0; k < r; k++)
                m.coef[k * q + j] -= cen;
        }
    }
    if (multinomial && P.fit_icpt) {
        double cen = 0.0;
        for (size_t k = 0; k < r; k++)
            cen += m.intercept[k];
        cen /= (double)r;
        for (size_t k = 0; k < r; k++)
            m.intercept[k] -= cen;
    }
    rc = 0;
out:
    if (rc == 0) {
        *out = m;
    } else {
        pt_logreg_model_free(&m);
    }
    free(P.mu_raw);
    free(P.mu);
    free(P.inv_s);
    free(P.pen2);
    free(P.xc);
    free(P.M);
    free(P.V);
    free(P.Wraw);
    free(P.Graw);
    free(P.off);
    free(P.gb);
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
