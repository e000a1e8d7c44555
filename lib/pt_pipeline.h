/* pt_pipeline.h - fitting a pipeline of stages from the moments of its training rows.
 *
 * Every transformer paratune has is affine (z = A^T x + c) and the predictor is linear, so a
 * fitted pipeline collapses to one linear model on the raw features:
 * prediction = x . coef + intercept. Workers evaluate that composed model on the validation
 * block with one BLAS call, and never materialise a transformed copy of the data. The fitted
 * state of each stage (PCA's components, the regression's coefficients) is kept for the
 * model file.
 */
#ifndef PT_PIPELINE_H
#define PT_PIPELINE_H

#include <stddef.h>

#include <msgpack.h>

#include "pt_moments.h"
#include "pt_value.h"

typedef struct pt_fitted pt_fitted_t;

/* Fits stages[0..nstages) in order on the moments m of the training rows, each stage seeing
 * the previous stages' output; params holds every "stage.param" (pt_spec_full).
 * Returns an owned fitted pipeline (pt_fitted_destroy) or NULL with the reason in err. */
pt_fitted_t *pt_pipeline_fit(const pt_moments_t *m, char *const *stages, size_t nstages,
                             const pt_paramlist_t *params, char *err);

/* The composed linear model on the m->p raw features; *intercept set. Owned by f. */
const double *pt_fitted_coef(const pt_fitted_t *f, double *intercept);
/* Number of raw features the model takes. */
size_t pt_fitted_features(const pt_fitted_t *f);
/* 1 when an iterative solver stopped at maxIter before meeting tol. */
int pt_fitted_hit_max_iter(const pt_fitted_t *f);

/* Packs the fitted state as a msgpack map:
 *   {features, stages: [{name, params{...}, ...state}], coefficients [p], intercept}
 * pca state: k, components (p_in x k row-major, flat), explained_variance [k];
 * linearRegression state: coefficients [q], intercept, iterations. */
void pt_fitted_pack(const pt_fitted_t *f, msgpack_packer *pk);

void pt_fitted_destroy(pt_fitted_t **pf);

#endif
