/* pt_linreg.c - Spark ML LinearRegression (normal equations, WeightedLeastSquares) from moments.
 *
 * Works in Spark's standardized space on the features with a non-zero population std (the
 * others are decoupled in Spark too: their rows of the system are zeroed, and their
 * coefficient is multiplied by 0 on the way back). With fitIntercept the system is the centred
 * one, which has the same solution as Spark's augmented system with an unpenalized intercept
 * column but loses less to rounding. alpha = 0 (or regParam = 0, where Spark's Auto solver
 * also picks Cholesky): Cholesky, and when the system is singular or numerically so, the
 * solution Spark's fallback (L-BFGS started at coefficients 0, intercept ybar/sigma_y)
 * converges to: the solution nearest that start, computed exactly from an eigen-decomposition.
 * alpha > 0: cyclic coordinate descent with soft thresholding on the same quadratic, with
 * exact solves on the current support (feature-sign steps) so that ill-conditioned problems
 * still reach the optimum; it stops when the step test of the header holds and the
 * subgradient optimality condition holds to tol as well (a small step alone can be far from
 * the optimum when the system is ill-conditioned).
 */
#include "pt_linreg.h"

#include <cblas.h>
#include <errno.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"

/* Reciprocal condition number below which the normal equations count as singular. The
 * moments carry rounding error of order n * eps, so an exactly collinear design shows
 * eigenvalues of that relative size; 1e-12 is well above it and well below any design a
 * Cholesky solve would answer meaningfully. The same cutoff separates the null space in the
 * pseudo-inverse. */
#define PT_LR_RCOND 1e-12

/* A std that is zero, or rounding noise around a constant (|mean| * a few ulps). Moments from
 * pt_moments_from_rows give exactly 0 for a constant column; this also catches moments that
 * were merged or built by other means. */
static int lr__zero_std(double sd, double mean)
{
    return !(sd > 0.0) || sd <= 8.0 * DBL_EPSILON * fabs(mean);
}

/* b := the solution of A b = r (q x q, symmetric) nearest the start point of Spark's L-BFGS
 * fallback. Without intercept (mstd NULL) that is the minimum-norm solution. With intercept
 * Spark solves the augmented system in (b, c), c the scaled intercept, started at
 * (0, ybar/sigma_y); on the solution set c = ybar/sigma_y - mstd.b, so the nearest solution
 * minimizes |b|^2 + (mstd.b)^2. With b0 the minimum-norm solution and N an orthonormal basis
 * of the null space, b = b0 + N z, g = N^T mstd, e = mstd.b0: z = -e g / (1 + |g|^2).
 * work: q*q + q doubles. Returns 0 or -EDOM. */
static int lr__solve_pinv(size_t q, const double *A, const double *r, const double *mstd,
                          double *b, double *work)
{
    double *Z = work, *w = work + q * q, *Ac = NULL;
    lapack_int *isuppz = NULL, found = 0, info;
    double cutoff, e = 0.0, gg = 0.0;
    int rc = -ENOMEM;

    Ac = malloc(q * q * sizeof(double));
    isuppz = malloc(2 * q * sizeof(lapack_int));
    if (Ac == NULL || isuppz == NULL)
        goto out;
    memcpy(Ac, A, q * q * sizeof(double));
    info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'A', 'U', (lapack_int)q, Ac, (lapack_int)q,
                          0.0, 0.0, 0, 0, LAPACKE_dlamch('S'), &found, w, Z, (lapack_int)q,
                          isuppz);
    if (info != 0 || found != (lapack_int)q) {
        rc = -EDOM;
        goto out;
    }
    cutoff = PT_LR_RCOND * (w[q - 1] > 0.0 ? w[q - 1] : 0.0);
    memset(b, 0, q * sizeof(double));
    for (size_t i = 0; i < q; i++) {
        double zr = 0.0;
        if (!(w[i] > cutoff))
            continue;
        for (size_t a = 0; a < q; a++)
            zr += Z[a * q + i] * r[a];
        for (size_t a = 0; a < q; a++)
            b[a] += Z[a * q + i] * zr / w[i];
    }
    if (mstd != NULL) {
        double *g = Ac; /* g_i = (N^T mstd)_i for the null-space columns i; Ac is spent */
        for (size_t a = 0; a < q; a++)
            e += mstd[a] * b[a];
        for (size_t i = 0; i < q; i++) {
            g[i] = 0.0;
            if (w[i] > cutoff)
                continue;
            for (size_t a = 0; a < q; a++)
                g[i] += Z[a * q + i] * mstd[a];
            gg += g[i] * g[i];
        }
        for (size_t i = 0; i < q; i++)
            if (!(w[i] > cutoff))
                for (size_t a = 0; a < q; a++)
                    b[a] -= e / (1.0 + gg) * g[i] * Z[a * q + i];
    }
    rc = 0;
out:
    free(Ac);
    free(isuppz);
    return rc;
}

/* Solves A b = r: Cholesky when A is numerically positive definite, else lr__solve_pinv.
 * work: q*q + q doubles. Returns 0 or a negative errno. */
static int lr__solve_direct(size_t q, const double *A, const double *r, const double *mstd,
                            double *b, double *work)
{
    double *L = work, anorm = 0.0, rcond = 0.0;
    lapack_int info;

    memcpy(L, A, q * q * sizeof(double));
    memcpy(b, r, q * sizeof(double));
    for (size_t j = 0; j < q; j++) {
        double s = 0.0;
        for (size_t i = 0; i < q; i++)
            s += fabs(A[i * q + j]);
        if (s > anorm)
            anorm = s;
    }
    info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', (lapack_int)q, L, (lapack_int)q);
    if (info == 0)
        info = LAPACKE_dpocon(LAPACK_ROW_MAJOR, 'U', (lapack_int)q, L, (lapack_int)q, anorm,
                              &rcond);
    if (info == 0 && rcond >= PT_LR_RCOND) {
        info = LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'U', (lapack_int)q, 1, L, (lapack_int)q, b, 1);
        if (info == 0)
            return 0;
    }
    return lr__solve_pinv(q, A, r, mstd, b, work);
}

/* A step towards the exact minimizer of the objective on the orthant face of b (support A,
 * signs s): c solves (G_AA + diag l2_A) c = r_A - l1_A s_A, the minimizer of the quadratic
 * the objective equals on that face. The objective decreases along b -> c as long as no sign
 * flips, so b moves to c, or to the first point where a coordinate reaches 0 (that coordinate
 * is set to 0 exactly) - the feature-sign step of Lee et al. (2007). Returns 1 when b = c and
 * every coordinate off the support satisfies |(G c - r)_j| <= l1_j (b is then the optimum),
 * 0 after another step, -1 when no step was possible (empty support, singular face).
 * work: q*q + 2q doubles, iw: q indices. */
static int lr__face_step(size_t q, const double *G, const double *r, const double *l1,
                         const double *l2, double *b, double *work, size_t *iw)
{
    size_t na = 0, hit = (size_t)-1;
    double *H = work, *c = work + q * q, *g = c + q, t = 1.0;
    for (size_t j = 0; j < q; j++)
        if (b[j] != 0.0)
            iw[na++] = j;
    if (na == 0)
        return -1;
    for (size_t a = 0; a < na; a++) {
        size_t ja = iw[a];
        for (size_t k = 0; k < na; k++)
            H[a * na + k] = G[ja * q + iw[k]];
        H[a * na + a] += l2[ja];
        c[a] = r[ja] - (b[ja] > 0.0 ? l1[ja] : -l1[ja]);
    }
    if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', (lapack_int)na, H, (lapack_int)na) != 0 ||
        LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'U', (lapack_int)na, 1, H, (lapack_int)na, c, 1) != 0)
        return -1;
    for (size_t a = 0; a < na; a++) {
        double ba = b[iw[a]];
        if (!(c[a] * ba > 0.0)) {
            double ta = ba / (ba - c[a]); /* where the coordinate reaches 0, in (0, 1] */
            if (ta < t) {
                t = ta;
                hit = a;
            }
        }
    }
    for (size_t a = 0; a < na; a++)
        b[iw[a]] = a == hit ? 0.0 : (t == 1.0 ? c[a] : b[iw[a]] + t * (c[a] - b[iw[a]]));
    if (hit != (size_t)-1)
        return 0;
    cblas_dsymv(CblasRowMajor, CblasUpper, (int)q, 1.0, G, (int)q, b, 1, 0.0, g, 1);
    for (size_t j = 0; j < q; j++) {
        double gj = g[j] - r[j];
        if (b[j] == 0.0 && fabs(gj) > l1[j] * (1.0 + 1e-12) + 1e-15 * (fabs(g[j]) + fabs(r[j])))
            return 0;
    }
    return 1;
}

/* The largest violation of the optimality condition of the problem below at b: with
 * g = G b - r + l2 b, |g_j + l1_j sign(b_j)| for b_j != 0, max(|g_j| - l1_j, 0) for b_j = 0.
 * Gb: q doubles of scratch. */
static double lr__kkt_violation(size_t q, const double *G, const double *r, const double *l1,
                                const double *l2, const double *b, double *Gb)
{
    double worst = 0.0;
    cblas_dsymv(CblasRowMajor, CblasUpper, (int)q, 1.0, G, (int)q, b, 1, 0.0, Gb, 1);
    for (size_t j = 0; j < q; j++) {
        double g = Gb[j] - r[j] + l2[j] * b[j], v;
        if (b[j] > 0.0)
            v = fabs(g + l1[j]);
        else if (b[j] < 0.0)
            v = fabs(g - l1[j]);
        else
            v = fabs(g) > l1[j] ? fabs(g) - l1[j] : 0.0;
        if (v > worst)
            worst = v;
    }
    return worst;
}

/* Cyclic coordinate descent for min 1/2 b^T G b - r^T b + sum_j (l2_j/2 b_j^2 + l1_j |b_j|),
 * from b as given (0 for a cold fit). Stops when the largest change of a sweep is <= tol * the largest |b_j| and the
 * optimality condition holds to tol, or at an exact optimum, or after max_iter sweeps. Gb is
 * recomputed each sweep so rounding does not drift. CD alone crawls on ill-conditioned G (no
 * intercept with features far from 0, strongly correlated features), so whenever a sweep
 * leaves the support and signs as they were, and when the step test is met, a face step
 * (lr__face_step) follows; an optimum found that way ends the descent, as converged.
 * Returns 0 or -ENOMEM. */
static int lr__cd(size_t q, const double *G, const double *r, const double *l1,
                  const double *l2, int max_iter, double tol, double *b,
                  pt_linreg_info_t *inf)
{
    double *Gb = malloc(q * sizeof(double));
    double *work = malloc((q * q + 2 * q) * sizeof(double));
    size_t *iw = malloc(q * sizeof(size_t));
    signed char *sg = calloc(q, 1);
    int rc = -ENOMEM;

    inf->iterations = 0;
    inf->converged = 0;
    if (Gb == NULL || work == NULL || iw == NULL || sg == NULL)
        goto out;
    for (int it = 0; it < max_iter; it++) {
        double maxd = 0.0, maxb = 0.0;
        int same = 1;
        cblas_dsymv(CblasRowMajor, CblasUpper, (int)q, 1.0, G, (int)q, b, 1, 0.0, Gb, 1);
        for (size_t j = 0; j < q; j++) {
            double gjj = G[j * q + j];
            double rho = r[j] - Gb[j] + gjj * b[j];
            double nb = 0.0, d;
            if (rho > l1[j])
                nb = (rho - l1[j]) / (gjj + l2[j]);
            else if (rho < -l1[j])
                nb = (rho + l1[j]) / (gjj + l2[j]);
            d = nb - b[j];
            if (d != 0.0) {
                for (size_t k = 0; k < q; k++)
                    Gb[k] += G[j * q + k] * d;
                b[j] = nb;
            }
            if (fabs(d) > maxd)
                maxd = fabs(d);
            if (fabs(nb) > maxb)
                maxb = fabs(nb);
        }
        inf->iterations = it + 1;
        for (size_t j = 0; j < q; j++) {
            signed char s = (signed char)((b[j] > 0.0) - (b[j] < 0.0));
            same &= s == sg[j];
            sg[j] = s;
        }
        if (maxd <= tol * maxb) {
            /* Small steps also happen far from the optimum when G is ill-conditioned: finish
             * with a face step, and stop only if the optimality condition then holds to tol
             * too (in standardized units: r holds correlations when there is an
             * intercept). */
            int fs = lr__face_step(q, G, r, l1, l2, b, work, iw);
            if (fs == 1 || lr__kkt_violation(q, G, r, l1, l2, b, Gb) <= tol) {
                inf->converged = 1;
                break;
            }
            continue;
        }
        if (same && lr__face_step(q, G, r, l1, l2, b, work, iw) == 1) {
            inf->converged = 1;
            break;
        }
    }
    rc = 0;
out:
    free(Gb);
    free(work);
    free(iw);
    free(sg);
    return rc;
}

int pt_linreg_check_knobs(const char *model, double reg_param, double elastic_net,
                          int max_iter, double tol, char *err)
{
    if (!(reg_param >= 0.0) || !isfinite(reg_param)) {
        pt_seterr(err, "%s: regParam must be a finite number >= 0 (got %g)", model, reg_param);
        return -EINVAL;
    }
    if (!(elastic_net >= 0.0 && elastic_net <= 1.0)) {
        pt_seterr(err, "%s: elasticNetParam must be in [0, 1] (got %g)", model, elastic_net);
        return -EINVAL;
    }
    if (max_iter < 0 || !(tol >= 0.0)) {
        pt_seterr(err, "%s: maxIter and tol must be >= 0 (got %d, %g)", model, max_iter, tol);
        return -EINVAL;
    }
    return 0;
}

int pt_linreg_fit(const pt_moments_t *m, const pt_linreg_opts_t *o, double *coef,
                  double *intercept, pt_linreg_info_t *info, char *err)
{
    return pt_linreg_fit_warm(m, o, NULL, coef, intercept, info, err);
}

int pt_linreg_fit_warm(const pt_moments_t *m, const pt_linreg_opts_t *o, const double *start,
                       double *coef, double *intercept, pt_linreg_info_t *info, char *err)
{
    size_t p = m->p, q = 0;
    double n = m->n, ybar = m->ymean, sy, lam, alpha = o->elastic_net;
    size_t *idx = NULL;
    double *sd = NULL, *G = NULL, *r = NULL, *l1 = NULL, *l2 = NULL, *mstd = NULL, *b = NULL;
    double *work = NULL;
    pt_linreg_info_t inf = {0, 1};
    int rc = -ENOMEM;

    if ((rc = pt_linreg_check_knobs("linearRegression", o->reg_param, alpha, o->max_iter,
                                    o->tol, err)) != 0)
        return rc;
    /* weighted moments (weightCol) have n = sum of the weights, which may be below 1: like
     * WeightedLeastSquares, refuse only a sum of 0 */
    if (!(n > 0.0) || !isfinite(n)) {
        pt_seterr(err, "linearRegression: no training rows (or their weights sum to 0)");
        return -EINVAL;
    }
    for (size_t j = 0; j < p; j++)
        coef[j] = 0.0;
    *intercept = 0.0;

    sy = sqrt((m->syy > 0.0 ? m->syy : 0.0) / n);
    if (lr__zero_std(sy, ybar)) {
        if (o->fit_intercept) {
            *intercept = ybar;
            rc = 0;
            goto out;
        }
        if (ybar == 0.0) {
            rc = 0;
            goto out;
        }
        if (o->reg_param > 0.0) {
            /* WeightedLeastSquares' require(): Spark fails this fit. */
            pt_seterr(err, "linearRegression: the standard deviation of the label is zero; "
                      "the model cannot be regularized when labels are standardized (set "
                      "fitIntercept=true or regParam=0)");
            rc = -EDOM;
            goto out;
        }
        sy = fabs(ybar);
    }

    idx = malloc((p > 0 ? p : 1) * sizeof(size_t));
    sd = malloc((p > 0 ? p : 1) * sizeof(double));
    if (idx == NULL || sd == NULL)
        goto nomem;
    for (size_t j = 0; j < p; j++) {
        double s = sqrt((m->S[j * p + j] > 0.0 ? m->S[j * p + j] : 0.0) / n);
        if (!lr__zero_std(s, m->mean[j])) {
            idx[q] = j;
            sd[q] = s;
            q++;
        }
    }
    if (q == 0) {
        *intercept = o->fit_intercept ? ybar : 0.0;
        rc = 0;
        goto out;
    }
    G = malloc(q * q * sizeof(double));
    r = malloc(q * sizeof(double));
    l1 = malloc(q * sizeof(double));
    l2 = malloc(q * sizeof(double));
    mstd = malloc(q * sizeof(double));
    b = malloc(q * sizeof(double));
    work = malloc((q * q + q) * sizeof(double));
    if (G == NULL || r == NULL || l1 == NULL || l2 == NULL || mstd == NULL || b == NULL ||
        work == NULL)
        goto nomem;

    /* Standardized system: with intercept the centred second moments, without it the raw
     * ones (E[x x^T] = S/n + mu mu^T), both divided by the population stds. */
    lam = o->reg_param / sy;
    for (size_t a = 0; a < q; a++) {
        size_t ja = idx[a];
        double mua = o->fit_intercept ? 0.0 : m->mean[ja];
        for (size_t c = 0; c < q; c++) {
            size_t jc = idx[c];
            double muc = o->fit_intercept ? 0.0 : m->mean[jc];
            G[a * q + c] = (m->S[ja * p + jc] / n + mua * muc) / (sd[a] * sd[c]);
        }
        r[a] = (m->sxy[ja] / n + mua * (o->fit_intercept ? 0.0 : ybar)) / (sd[a] * sy);
        mstd[a] = m->mean[ja] / sd[a];
        l2[a] = lam * (1.0 - alpha) / (o->standardization ? 1.0 : sd[a] * sd[a]);
        l1[a] = lam * alpha / (o->standardization ? 1.0 : sd[a]);
    }

    if (alpha == 0.0 || o->reg_param == 0.0) {
        for (size_t a = 0; a < q; a++)
            G[a * q + a] += l2[a];
        rc = lr__solve_direct(q, G, r, o->fit_intercept ? mstd : NULL, b, work);
        if (rc != 0) {
            pt_seterr(err, "linearRegression: the normal equations of %zu features could not "
                      "be solved (%s)", q, rc == -ENOMEM ? "out of memory"
                                                          : "eigen-decomposition failed");
            goto out;
        }
    } else {
        for (size_t a = 0; a < q; a++) /* the start in the standardized space */
            b[a] = start != NULL && isfinite(start[idx[a]]) ? start[idx[a]] * sd[a] / sy : 0.0;
        rc = lr__cd(q, G, r, l1, l2, o->max_iter, o->tol, b, &inf);
        if (rc != 0)
            goto nomem;
    }

    for (size_t a = 0; a < q; a++)
        coef[idx[a]] = b[a] * sy / sd[a];
    if (o->fit_intercept) {
        double s = ybar;
        for (size_t j = 0; j < p; j++)
            s -= coef[j] * m->mean[j];
        *intercept = s;
    }
    rc = 0;
    goto out;
nomem:
    pt_seterr(err, "linearRegression: out of memory for %zu features", p);
    rc = -ENOMEM;
out:
    if (info != NULL)
        *info = inf;
    free(idx);
    free(sd);
    free(G);
    free(r);
    free(l1);
    free(l2);
    free(mstd);
    free(b);
    free(work);
    return rc;
}

void pt_linear_predict(const double *x, size_t n, size_t p, const double *coef,
                       double intercept, double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = intercept;
    if (n == 0 || p == 0)
        return;
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)p, 1.0, x, (int)p, coef, 1, 1.0, out,
                1);
}
