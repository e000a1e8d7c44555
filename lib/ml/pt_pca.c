/* pt_pca.c - Spark ML PCA fitted from moments: the top-k eigenvectors of S / (n - 1).
 *
 * Only the k wanted eigenpairs are computed (LAPACKE_dsyevr, range 'I'); the total variance
 * for explainedVariance is the trace of the covariance, which equals the sum of all its
 * eigenvalues, so the rest of the spectrum is never needed. Spark takes the eigenvectors from
 * an SVD of the covariance, whose signs are arbitrary; ours are fixed by a documented rule.
 */
#include "pt_pca.h"

#include <errno.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"

int pt_pca_fit(const pt_moments_t *m, size_t k, double *V, double *explained, char *err)
{
    size_t p = m->p;
    double *cov = NULL, *w = NULL, *Z = NULL;
    lapack_int *isuppz = NULL;
    lapack_int found = 0, info;
    double trace = 0.0;
    int rc = -ENOMEM;

    if (k < 1 || k > p) {
        pt_seterr(err, "pca: k = %zu must be between 1 and the number of features (%zu)", k, p);
        return -EINVAL;
    }
    if (!(m->n >= 2.0)) {
        pt_seterr(err, "pca: needs at least 2 rows, got %g", m->n);
        return -EINVAL;
    }
    cov = malloc(p * p * sizeof(double));
    w = malloc(p * sizeof(double));
    Z = malloc(p * k * sizeof(double));
    isuppz = malloc(2 * k * sizeof(lapack_int));
    if (cov == NULL || w == NULL || Z == NULL || isuppz == NULL) {
        pt_seterr(err, "pca: out of memory for %zu features", p);
        goto out;
    }
    for (size_t i = 0; i < p * p; i++)
        cov[i] = m->S[i] / (m->n - 1.0);
    for (size_t j = 0; j < p; j++)
        trace += cov[j * p + j];

    /* Eigenvalues il..iu in ascending order: the k largest are p-k+1 .. p (1-based). */
    info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', (lapack_int)p, cov, (lapack_int)p,
                          0.0, 0.0, (lapack_int)(p - k + 1), (lapack_int)p,
                          LAPACKE_dlamch('S'), &found, w, Z, (lapack_int)k, isuppz);
    if (info != 0 || found != (lapack_int)k) {
        pt_seterr(err, "pca: eigen-decomposition failed (LAPACKE_dsyevr info %d, %d of %zu "
                  "eigenvalues found)", (int)info, (int)found, k);
        rc = -EDOM;
        goto out;
    }
    /* Column j of V is the eigenvector of the j-th largest eigenvalue, i.e. column k-1-j of Z. */
    for (size_t j = 0; j < k; j++) {
        size_t src = k - 1 - j;
        size_t imax = 0;
        double amax = -1.0, sign;
        for (size_t i = 0; i < p; i++) {
            double a = fabs(Z[i * k + src]);
            if (a > amax) { /* first index of the largest magnitude wins ties */
                amax = a;
                imax = i;
            }
        }
        sign = Z[imax * k + src] < 0.0 ? -1.0 : 1.0;
        for (size_t i = 0; i < p; i++)
            V[i * k + j] = sign * Z[i * k + src];
        if (explained != NULL) {
            /* A tiny negative eigenvalue is rounding noise of a zero one (Spark's SVD would
             * report its magnitude, which is as negligible). */
            double lam = w[src] > 0.0 ? w[src] : 0.0;
            explained[j] = trace > 0.0 ? lam / trace : 0.0;
        }
    }
    rc = 0;
out:
    free(cov);
    free(w);
    free(Z);
    free(isuppz);
    return rc;
}

int pt_pca_eig(const pt_moments_t *m, pt_pca_eig_t *e, char *err)
{
    size_t p = m->p;
    double *cov = NULL, *w = NULL;
    lapack_int info;
    int rc = -ENOMEM;

    memset(e, 0, sizeof *e);
    if (!(m->n >= 2.0)) {
        pt_seterr(err, "pca: needs at least 2 rows, got %g", m->n);
        return -EINVAL;
    }
    cov = malloc(p * p * sizeof(double));
    w = malloc(p * sizeof(double));
    e->evals = malloc(p * sizeof(double));
    e->evecs = malloc(p * p * sizeof(double));
    if (cov == NULL || w == NULL || e->evals == NULL || e->evecs == NULL) {
        pt_seterr(err, "pca: out of memory for %zu features", p);
        goto out;
    }
    for (size_t i = 0; i < p * p; i++)
        cov[i] = m->S[i] / (m->n - 1.0);
    for (size_t j = 0; j < p; j++)
        e->trace += cov[j * p + j];
    /* ascending eigenvalues; the eigenvectors overwrite cov, column i for w[i] */
    info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)p, cov, (lapack_int)p, w);
    if (info != 0) {
        pt_seterr(err, "pca: eigen-decomposition failed (LAPACKE_dsyevd info %d)", (int)info);
        rc = -EDOM;
        goto out;
    }
    for (size_t j = 0; j < p; j++) {
        size_t src = p - 1 - j, imax = 0;
        double amax = -1.0, sign;
        for (size_t i = 0; i < p; i++) {
            double a = fabs(cov[i * p + src]);
            if (a > amax) {
                amax = a;
                imax = i;
            }
        }
        sign = cov[imax * p + src] < 0.0 ? -1.0 : 1.0;
        for (size_t i = 0; i < p; i++)
            e->evecs[i * p + j] = sign * cov[i * p + src];
        e->evals[j] = w[src] > 0.0 ? w[src] : 0.0;
    }
    e->p = p;
    rc = 0;
out:
    free(cov);
    free(w);
    if (rc != 0)
        pt_pca_eig_free(e);
    return rc;
}

int pt_pca_from_eig(const pt_pca_eig_t *e, size_t k, double *V, double *explained, char *err)
{
    size_t p = e->p;
    if (k < 1 || k > p) {
        pt_seterr(err, "pca: k = %zu must be between 1 and the number of features (%zu)", k, p);
        return -EINVAL;
    }
    for (size_t i = 0; i < p; i++)
        memcpy(V + i * k, e->evecs + i * p, k * sizeof(double));
    if (explained != NULL)
        for (size_t j = 0; j < k; j++)
            explained[j] = e->trace > 0.0 ? e->evals[j] / e->trace : 0.0;
    return 0;
}

void pt_pca_eig_free(pt_pca_eig_t *e)
{
    free(e->evals);
    free(e->evecs);
    memset(e, 0, sizeof *e);
}
