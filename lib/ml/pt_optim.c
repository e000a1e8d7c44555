/* pt_optim.c - L-BFGS / OWL-QN (see pt_optim.h).
 *
 * The history of correction pairs is a ring buffer of HIST_M pairs; the preconditioned
 * two-loop recursion gives the direction; the line searches call the objective's callback.
 * The operation order is that of the solver this was taken out of (pt_logreg), so fits are
 * bit-identical to it.
 */
#include "pt_optim.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_scratch.h"

#define HIST_M PT_OPTIM_PAIRS /* L-BFGS correction pairs: Spark passes 10 to Breeze */
#define FHIST 20    /* Breeze's fvalMemory of defaultConvergenceCheck */
#define LS_MAX 60   /* line-search trials before it counts as failed */
#define C1 1e-4     /* sufficient decrease (Armijo) */
#define C2 0.9      /* curvature (weak Wolfe) */

static double dot(size_t d, const double *a, const double *b)
{
    double s = 0.0;
    for (size_t i = 0; i < d; i++)
        s += a[i] * b[i];
    return s;
}

static double norm2(size_t d, const double *a)
{
    return sqrt(dot(d, a, a));
}

static double l1term(size_t d, const double *x, const double *l1)
{
    double s = 0.0;
    if (l1 != NULL)
        for (size_t i = 0; i < d; i++)
            s += l1[i] * fabs(x[i]);
    return s;
}

/* OWL-QN's pseudo-gradient of f + sum l1_i |x_i| (the gradient when l1 is NULL). */
static void pseudo(size_t d, const double *x, const double *g, const double *l1,
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
    double *S, *Y, *rho, *al; /* HIST_M x d pairs, ring buffer */
    size_t count, head;       /* pairs stored; index of the oldest */
} hist_t;

/* dir = -H v by the two-loop recursion, H0 = gamma diag(pre) with gamma = s.y / y.(pre y)
 * of the newest pair (gamma = 1 without pairs). */
static void direction_2loop(const hist_t *h, const double *v, double *dir)
{
    size_t d = h->d;
    double gamma = 1.0;
    for (size_t i = 0; i < d; i++)
        dir[i] = -v[i];
    for (size_t t = h->count; t-- > 0;) {
        size_t s = (h->head + t) % HIST_M;
        h->al[s] = h->rho[s] * dot(d, h->S + s * d, dir);
        cblas_daxpy((int)d, -h->al[s], h->Y + s * d, 1, dir, 1);
    }
    if (h->count > 0) {
        size_t s = (h->head + h->count - 1) % HIST_M;
        const double *y = h->Y + s * d;
        double ypy = 0.0;
        for (size_t i = 0; i < d; i++)
            ypy += y[i] * (h->pre != NULL ? h->pre[i] : 1.0) * y[i];
        gamma = 1.0 / (h->rho[s] * ypy);
    }
    for (size_t i = 0; i < d; i++)
        dir[i] *= gamma * (h->pre != NULL ? h->pre[i] : 1.0);
    for (size_t t = 0; t < h->count; t++) {
        size_t s = (h->head + t) % HIST_M;
        double be = h->rho[s] * dot(d, h->Y + s * d, dir);
        cblas_daxpy((int)d, h->al[s] - be, h->S + s * d, 1, dir, 1);
    }
}

/* Stores the pair (s, y) = (xn - x, gn - g) when its curvature is positive. */
static void push(hist_t *h, const double *x, const double *xn, const double *g,
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
    if (h->count < HIST_M) {
        s = (h->head + h->count) % HIST_M;
        h->count++;
    } else {
        s = h->head;
        h->head = (h->head + 1) % HIST_M;
    }
    for (size_t i = 0; i < d; i++) {
        h->S[s * d + i] = xn[i] - x[i];
        h->Y[s * d + i] = gn[i] - g[i];
    }
    h->rho[s] = 1.0 / sy;
}

/* Weak-Wolfe line search along dir (gd = g.dir < 0) by bracketing and bisection. On success
 * xn, fn, gn hold the accepted point and 0 is returned; -1 when no step was accepted. */
static int wolfe(const pt_optim_problem_t *P, size_t d, const double *x, double f,
                 const double *dir, double gd, double t, double *xn, double *fn, double *gn)
{
    double lo = 0.0, hi = INFINITY;
    for (int it = 0; it < LS_MAX; it++) {
        for (size_t i = 0; i < d; i++)
            xn[i] = x[i] + t * dir[i];
        *fn = P->f(P->ctx, xn, gn);
        if (!(*fn <= f + C1 * t * gd))
            hi = t;
        else if (dot(d, gn, dir) < C2 * gd)
            lo = t;
        else
            return 0;
        t = isfinite(hi) ? 0.5 * (lo + hi) : 2.0 * t;
    }
    if (lo > 0.0) { /* Armijo held at lo: take it rather than nothing */
        for (size_t i = 0; i < d; i++)
            xn[i] = x[i] + lo * dir[i];
        *fn = P->f(P->ctx, xn, gn);
        return 0;
    }
    return -1;
}

/* OWL-QN's backtracking line search on F = f + l1 term along dir, each trial projected onto
 * the orthant of x (sign of -pg where x is 0). Returns 0 or -1 as wolfe. */
static int owl_search(const pt_optim_problem_t *P, size_t d, const double *x, double F,
                      const double *pg, const double *l1, const double *dir, double t,
                      double shrink, double *xn, double *fn, double *Fn, double *gn)
{
    for (int it = 0; it < LS_MAX; it++) {
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
        *fn = P->f(P->ctx, xn, gn);
        *Fn = *fn + l1term(d, xn, l1);
        if (*Fn <= F + C1 * dec)
            return 0;
        t *= shrink;
    }
    return -1;
}

/* The working arrays of one run. */
typedef struct {
    double *g, *pg, *dir, *xn, *gn; /* d each: gradient, pseudo-gradient, direction, trial */
    double fh[FHIST];               /* the last objective values, for the stopping rule */
    size_t nfh;
    hist_t h;
    double *buf;                    /* the one allocation g ... gn and h's arrays live in */
} run_t;

static void run_free(run_t *w)
{
    free(w->buf);
    w->buf = NULL;
}

static int run_alloc(run_t *w, size_t d, const double *pre)
{
    double **const v[] = {&w->g, &w->pg, &w->dir, &w->xn, &w->gn,
                          &w->h.S, &w->h.Y, &w->h.rho, &w->h.al};
    const size_t n[] = {d, d, d, d, d, HIST_M * d, HIST_M * d, HIST_M, HIST_M};

    memset(w, 0, sizeof *w);
    w->h.d = d;
    w->h.pre = pre;
    w->buf = pt_scratch_alloc(v, n, sizeof n / sizeof n[0]);
    return w->buf != NULL ? 0 : -ENOMEM;
}

/* The search direction from pg: the quasi-Newton one (restricted to the orthant with L1),
 * or steepest descent after dropping the history when that is not a descent direction.
 * Returns dir . pg. */
static double direction(run_t *w, size_t d, const double *l1)
{
    double gd;
    direction_2loop(&w->h, w->pg, w->dir);
    if (l1 != NULL)
        for (size_t i = 0; i < d; i++)
            if (!(w->dir[i] * w->pg[i] < 0.0))
                w->dir[i] = 0.0;
    gd = dot(d, w->dir, w->pg);
    if (!(gd < 0.0)) { /* not a descent direction: restart from steepest descent */
        w->h.count = w->h.head = 0;
        direction_2loop(&w->h, w->pg, w->dir);
        gd = dot(d, w->dir, w->pg);
    }
    return gd;
}

/* Records F after an iteration; 1 when Breeze's stopping rule holds. */
static int converged_after(run_t *w, size_t d, double F, double F0, double tol)
{
    int conv = 0;
    if (w->nfh == FHIST) {
        memmove(w->fh, w->fh + 1, (FHIST - 1) * sizeof(double));
        w->nfh--;
    }
    w->fh[w->nfh++] = F;
    if (w->nfh >= 2) {
        double mx = w->fh[0];
        for (size_t i = 1; i < w->nfh; i++)
            mx = fmax(mx, w->fh[i]);
        if (fabs(F - mx) <= tol * fabs(F0))
            conv = 1;
    }
    if (norm2(d, w->pg) <= fmax(tol * fabs(F), 1e-8))
        conv = 1;
    return conv;
}

int pt_optim_pairs_init(pt_optim_pairs_t *p, size_t d)
{
    memset(p, 0, sizeof *p);
    p->S = pt_alloc_array(HIST_M * d, sizeof(double), 0);
    p->Y = pt_alloc_array(HIST_M * d, sizeof(double), 0);
    if (p->S == NULL || p->Y == NULL) {
        pt_optim_pairs_free(p);
        return -ENOMEM;
    }
    p->d = d;
    return 0;
}

void pt_optim_pairs_free(pt_optim_pairs_t *p)
{
    if (p == NULL)
        return;
    free(p->S);
    free(p->Y);
    memset(p, 0, sizeof *p);
}

void pt_optim_pairs_shift(pt_optim_pairs_t *p, const double *shift)
{
    size_t d = p->d, kept = 0;
    for (size_t t = 0; t < p->count; t++) {
        double *s = p->S + t * d, *y = p->Y + t * d, sy = 0.0, ss = 0.0, yy = 0.0;
        for (size_t i = 0; i < d; i++) {
            y[i] += shift[i] * s[i];
            sy += s[i] * y[i];
            ss += s[i] * s[i];
            yy += y[i] * y[i];
        }
        if (!(sy > 1e-12 * sqrt(ss * yy))) /* push's test: no longer a curvature pair */
            continue;
        if (kept != t) {
            memcpy(p->S + kept * d, s, d * sizeof(double));
            memcpy(p->Y + kept * d, y, d * sizeof(double));
        }
        kept++;
    }
    p->count = kept;
}

/* The run's history from the pairs of an earlier run (oldest first), or back into them. */
static void pairs_load(hist_t *h, const pt_optim_pairs_t *p)
{
    size_t d = h->d;
    h->count = h->head = 0;
    if (p == NULL || p->d != d)
        return;
    for (size_t t = 0; t < p->count && t < HIST_M; t++) {
        double sy = dot(d, p->S + t * d, p->Y + t * d);
        if (!(sy > 0.0))
            continue;
        memcpy(h->S + h->count * d, p->S + t * d, d * sizeof(double));
        memcpy(h->Y + h->count * d, p->Y + t * d, d * sizeof(double));
        h->rho[h->count++] = 1.0 / sy;
    }
}

static void pairs_save(const hist_t *h, pt_optim_pairs_t *p)
{
    size_t d = h->d;
    if (p == NULL || p->d != d)
        return;
    for (size_t t = 0; t < h->count; t++) {
        size_t s = (h->head + t) % HIST_M;
        memcpy(p->S + t * d, h->S + s * d, d * sizeof(double));
        memcpy(p->Y + t * d, h->Y + s * d, d * sizeof(double));
    }
    p->count = h->count;
}

int pt_optim_minimize(const pt_optim_problem_t *P, double *x, int max_iter, double tol,
                      pt_optim_result_t *res)
{
    size_t d = P->d;
    const double *l1 = P->l1;
    run_t w;
    double f, F, F0;
    int iter = 0, failed_once = 0, conv = 0;

    if (run_alloc(&w, d, P->pre) != 0)
        return -ENOMEM;
    pairs_load(&w.h, P->pairs);
    f = P->f(P->ctx, x, w.g);
    F = f + l1term(d, x, l1);
    res->fstart = F;
    F0 = P->fscale > 0.0 ? P->fscale : F;
    pseudo(d, x, w.g, l1, w.pg);
    w.fh[w.nfh++] = INFINITY; /* Breeze's initial convergence info */
    if (norm2(d, w.pg) <= fmax(tol * fabs(F), 1e-8))
        conv = 1;
    while (!conv && iter < max_iter) {
        double gd = direction(&w, d, l1), Fn, fn;
        int ls;
        if (l1 == NULL) {
            ls = wolfe(P, d, x, f, w.dir, gd, w.h.count == 0 ? 1.0 / norm2(d, w.dir) : 1.0,
                       w.xn, &fn, w.gn);
            Fn = fn;
        } else {
            ls = owl_search(P, d, x, F, w.pg, l1, w.dir,
                            w.h.count == 0 ? 0.5 / norm2(d, w.dir) : 1.0,
                            w.h.count == 0 ? 0.1 : 0.5, w.xn, &fn, &Fn, w.gn);
        }
        if (ls != 0 || !(Fn <= F)) {
            if (failed_once) {
                conv = 1; /* Breeze: SearchFailed ends the run, Spark keeps the state */
                break;
            }
            failed_once = 1;
            w.h.count = w.h.head = 0;
            continue;
        }
        failed_once = 0;
        push(&w.h, x, w.xn, w.g, w.gn);
        memcpy(x, w.xn, d * sizeof(double));
        memcpy(w.g, w.gn, d * sizeof(double));
        f = fn;
        F = Fn;
        pseudo(d, x, w.g, l1, w.pg);
        iter++;
        conv = converged_after(&w, d, F, F0, tol);
    }
    res->iterations = iter;
    res->converged = conv;
    res->fval = F;
    pairs_save(&w.h, P->pairs);
    run_free(&w);
    return 0;
}
