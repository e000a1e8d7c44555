/* pt_stage_linreg.c - the linearRegression stage: Spark ML's LinearRegression from moments
 * (numerics in pt_linreg.c).
 *
 * The fitted model is one linear function of the stage's input: coef (p_in), icpt (1).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "pt_common.h"
#include "pt_linreg.h"
#include "pt_stage.h"

static const pt_param_def_t linreg__params[] = {
    {"regParam", PT_VAL_DOUBLE, 0, 0.0, 0.0, INFINITY, "regularization parameter", NULL},
    {"elasticNetParam", PT_VAL_DOUBLE, 0, 0.0, 0.0, 1.0, "L1 share of the penalty", NULL},
    {"maxIter", PT_VAL_INT, 0, 100, 0, 1e9, "maximum iterations of the iterative solver",
     NULL},
    {"tol", PT_VAL_DOUBLE, 0, 1e-6, 0.0, INFINITY, "convergence tolerance", NULL},
    {"fitIntercept", PT_VAL_BOOL, 0, 1, 0, 1, "fit an intercept term", NULL},
    {"standardization", PT_VAL_BOOL, 0, 1, 0, 1, "standardize features before fitting", NULL},
};

static int linreg__fit(pt_stage_fit_t *st, const pt_stage_in_t *in, char *err)
{
    pt_linreg_opts_t o;
    pt_linreg_info_t info = {0, 1};
    const double *warm;
    int rc;
    pt_stage_glm_knobs(st, &o.reg_param, &o.elastic_net, &o.max_iter, &o.tol, &o.fit_intercept,
                       &o.standardization);
    st->p_out = 1;
    st->r = 1;
    st->coef = malloc((in->m->p ? in->m->p : 1) * sizeof(double));
    st->icpt = malloc(sizeof(double));
    if (st->coef == NULL || st->icpt == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    /* weightCol: WeightedLeastSquares from the weighted moments */
    /* a path: start from the fit with another regParam on the same input */
    warm = in->warm != NULL && in->warm->def == st->def && in->warm->p_in == st->p_in &&
           in->warm->coef != NULL ? in->warm->coef : NULL;
    if ((rc = pt_linreg_fit_warm(in->wm != NULL ? in->wm : in->m, &o, warm, st->coef, st->icpt,
                                 &info, err)) != 0)
        return rc;
    st->iterations = info.iterations;
    st->converged = info.converged;
    return 0;
}

const pt_stage_def_t pt_stage_linreg = {
    .name = "linearRegression", .role = PT_STAGE_REGRESSOR, PT_STAGE_PARAMS(linreg__params),
    .fit = linreg__fit, .work_bytes = pt_stage_work_dense,
    PT_STAGE_LINEAR_PACKING, .path_param = "regParam", .path_if = "elasticNetParam",
};
