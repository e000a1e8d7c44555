/* pt_pca.h - principal component analysis from moments, as Spark ML's PCA computes it.
 *
 * The covariance is S / (n - 1) of the mean-centred data; the fitted model is the top-k
 * eigenvectors as the columns of V (p x k). Spark's PCAModel.transform does NOT centre:
 * z = V^T x, so the stage is the affine map A = V, c = 0.
 */
#ifndef PT_PCA_H
#define PT_PCA_H

#include <stddef.h>

#include "pt_moments.h"

/* Fits k components (1 <= k <= m->p; needs m->n >= 2) with LAPACKE_dsyevr.
 * V: caller-allocated m->p x k row-major; column j is the eigenvector of the j-th largest
 * eigenvalue, with its sign fixed so that its entry of largest magnitude is positive (Spark's
 * sign is arbitrary; a fixed rule makes runs reproducible). explained: k entries or NULL,
 * eigenvalue_j / sum of all eigenvalues (0 when the total variance is 0).
 * Returns 0 or a negative errno with the reason in err. */
int pt_pca_fit(const pt_moments_t *m, size_t k, double *V, double *explained, char *err);

/* The full eigen-decomposition of a covariance, kept to serve every k: a sweep over pca.k
 * (and whatever follows) on one training set decomposes once (LAPACKE_dsyevd) instead of
 * once per param map. */
typedef struct {
    size_t p;       /* 0: empty */
    double *evals;  /* p, descending, negatives (rounding noise) clipped to 0 */
    double *evecs;  /* p x p row-major; column j belongs to evals[j], sign fixed as above */
    double trace;   /* sum of the covariance's diagonal */
} pt_pca_eig_t;

/* Fills e (which must be empty) from the moments m (m->n >= 2). 0 or a negative errno. */
int pt_pca_eig(const pt_moments_t *m, pt_pca_eig_t *e, char *err);
/* V (p x k) and explained (k, or NULL) from e, as pt_pca_fit computes them. */
int pt_pca_from_eig(const pt_pca_eig_t *e, size_t k, double *V, double *explained, char *err);
/* Frees what e owns and empties it. */
void pt_pca_eig_free(pt_pca_eig_t *e);

#endif
