/* pt_stage_logreg.c - the logisticRegression stage: Spark ML's LogisticRegression on the
 * training rows (numerics in pt_logreg.c).
 *
 * Unlike the stages fit from moments, it reads the raw training rows in place through the
 * composed map of the stages before it. The fitted model is r linear functions of the
 * stage's input (r = 1 binomial, the number of classes multinomial) and the threshold; its
 * state is what a fit warm-started from this one (a regularization path over regParam)
 * reuses: the objective at Spark's starting point and the optimizer's last correction pairs
 * (pt_logreg_model_t.warm_state).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_logreg.h"
#include "pt_stage.h"

static const pt_param_def_t logreg__params[] = {
    {"regParam", PT_VAL_DOUBLE, 0, 0.0, 0.0, INFINITY, "regularization parameter", NULL},
    {"elasticNetParam", PT_VAL_DOUBLE, 0, 0.0, 0.0, 1.0, "L1 share of the penalty", NULL},
    {"maxIter", PT_VAL_INT, 0, 100, 0, 1e9, "maximum optimizer iterations", NULL},
    {"tol", PT_VAL_DOUBLE, 0, 1e-6, 0.0, INFINITY, "convergence tolerance", NULL},
    {"fitIntercept", PT_VAL_BOOL, 0, 1, 0, 1, "fit an intercept term", NULL},
    {"standardization", PT_VAL_BOOL, 0, 1, 0, 1, "standardize features before fitting", NULL},
    {"threshold", PT_VAL_DOUBLE, 0, 0.5, 0.0, 1.0, "binary prediction threshold", NULL},
    {"family", PT_VAL_STRING, 0, 0, 0, 0, "label distribution", "auto|binomial|multinomial"},
};

static int logreg__fit(pt_stage_fit_t *st, const pt_stage_in_t *in, char *err)
{
    pt_logreg_opts_t o = pt_logreg_defaults();
    pt_logreg_model_t lm, warm;
    const char *fam = pt_stage_str(st, "family");
    int rc;

    pt_stage_glm_knobs(st, &o.reg_param, &o.elastic_net, &o.max_iter, &o.tol, &o.fit_intercept,
                       &o.standardization);
    o.threshold = pt_stage_num(st, "threshold", 0.5);
    o.family = PT_FAMILY_AUTO;
    if (fam != NULL && strcmp(fam, "binomial") == 0)
        o.family = PT_FAMILY_BINOMIAL;
    else if (fam != NULL && strcmp(fam, "multinomial") == 0)
        o.family = PT_FAMILY_MULTINOMIAL;
    if (in->nclasses < 1) {
        pt_seterr(err, "logisticRegression needs class labels");
        return -EINVAL;
    }
    memset(&lm, 0, sizeof lm);
    o.threads = in->threads;
    if (in->warm != NULL && in->warm->def == st->def && in->warm->state != NULL) {
        /* the warm fit's model, borrowed, with its warm state */
        warm = (pt_logreg_model_t){.q = in->warm->p_in, .nclasses = in->nclasses,
                                   .ncoef_rows = in->warm->r, .multinomial = in->warm->multinomial,
                                   .coef = in->warm->coef, .intercept = in->warm->icpt,
                                   .f0 = NAN, .warm_state = in->warm->state};
        o.warm = &warm;
    }
    rc = pt_logreg_fit_affine(in->blocks, in->nblocks, in->p_raw, in->A, in->c, in->m->p,
                              in->nclasses, &o, &lm, err);
    if (rc != 0)
        return rc;
    st->p_out = st->r = lm.ncoef_rows;
    st->coef = lm.coef;
    st->icpt = lm.intercept;
    lm.coef = lm.intercept = NULL;
    st->iterations = lm.iterations;
    st->converged = lm.converged;
    st->multinomial = lm.multinomial;
    st->nclasses = lm.multinomial ? lm.ncoef_rows : 2;
    st->threshold = o.threshold;
    st->state = lm.warm_state; /* for a fit that starts from this one */
    lm.warm_state = NULL;
    pt_logreg_model_free(&lm);
    return 0;
}

static void logreg__free(void *state)
{
    struct pt_logreg_warm *w = state;
    pt_logreg_warm_free(&w);
}

const pt_stage_def_t pt_stage_logreg = {
    .name = "logisticRegression", .role = PT_STAGE_CLASSIFIER, PT_STAGE_PARAMS(logreg__params),
    .fit = logreg__fit, .free = logreg__free, .work_bytes = pt_stage_work_lbfgs,
    PT_STAGE_LINEAR_PACKING, .path_param = "regParam",
};
