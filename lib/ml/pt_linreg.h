/* pt_linreg.h - Spark ML LinearRegression (squared error, normal-equation path) from moments.
 *
 * Follows Spark's WeightedLeastSquares: population stds sigma_j of the features and sigma_y of
 * the label; the standardized problem
 *   minimize 1/(2n) sum_i ( sum_j b'_j (x_ij - mu_j)/sigma_j - (y_i - ybar)/sigma_y )^2
 *            + lambda [ (1-alpha)/2 ||b'||^2 + alpha ||b'||_1 ],   lambda = regParam / sigma_y
 * (no centring when fitIntercept is false: raw second moments E[x x^T], E[x y] are used
 * instead, still divided by the centred stds); b_j = b'_j sigma_y / sigma_j (0 when
 * sigma_j = 0); intercept = ybar - sum_j b_j mu_j (0 without fitIntercept).
 * standardization = false divides the L2 penalty of feature j by sigma_j^2 and the L1 penalty
 * by sigma_j. alpha = 0: Cholesky (LAPACKE_dpotrf/dpotrs), falling back to a minimum-norm
 * least-squares solve when the system is singular; alpha > 0: cyclic coordinate descent on
 * the same quadratic, stopping when the largest coefficient change is below tol (relative to
 * the largest coefficient) or after max_iter sweeps.
 * A constant label with fitIntercept gives coefficients 0 and intercept ybar; a constant label
 * without fitIntercept: zeros when ybar = 0, else sigma_y is taken as |ybar| (Spark does this).
 */
#ifndef PT_LINREG_H
#define PT_LINREG_H

#include <stddef.h>

#include "pt_moments.h"

typedef struct {
    double reg_param;   /* >= 0 */
    double elastic_net; /* alpha in [0, 1] */
    int max_iter;       /* >= 0, coordinate descent sweeps */
    double tol;         /* >= 0 */
    int fit_intercept;
    int standardization;
} pt_linreg_opts_t;

typedef struct {
    int iterations; /* coordinate-descent sweeps run (0 for the direct solve) */
    int converged;  /* 1 when tol was met or the solve was direct */
} pt_linreg_info_t;

/* Checks the knobs linear and logistic regression share: regParam finite >= 0,
 * elasticNetParam in [0, 1], maxIter and tol >= 0. 0, or -EINVAL with the reason, which
 * starts with model ("linearRegression: ..."), in err. */
int pt_linreg_check_knobs(const char *model, double reg_param, double elastic_net,
                          int max_iter, double tol, char *err);

/* Fits on the moments m (m->n > 0; of weighted moments the sum of the weights). coef:
 * caller-allocated m->p; *intercept set. info may be NULL. Returns 0 or a negative errno
 * with the reason in err. */
int pt_linreg_fit(const pt_moments_t *m, const pt_linreg_opts_t *o, double *coef,
                  double *intercept, pt_linreg_info_t *info, char *err);

/* The same, the coordinate descent (alpha > 0) started from start (m->p coefficients on
 * the original scale: a fit on the same moments with another regParam, a regularization
 * path) instead of 0; NULL: from 0. The stopping rule is the cold fit's (it does not depend
 * on the start), and the direct solves ignore start. */
int pt_linreg_fit_warm(const pt_moments_t *m, const pt_linreg_opts_t *o, const double *start,
                       double *coef, double *intercept, pt_linreg_info_t *info, char *err);

/* out[i] = x_i . coef + intercept for n rows of x (n x p row-major), with cblas_dgemv. */
void pt_linear_predict(const double *x, size_t n, size_t p, const double *coef,
                       double intercept, double *out);

#endif
