/* pt_stage_gbt.c - the boosted tree stages: gbtClassifier and gbtRegressor, Spark ML's
 * GBTClassifier (binary, logistic loss) and GBTRegressor (squared or absolute loss) on the
 * boosting loop of pt_gbt.h.
 *
 * The params are the trees' (PT_STAGE_TREE_PARAMS) and GBTParams': maxIter (20 rounds),
 * stepSize (0.1, in (0, 1]), lossType, subsamplingRate (Bernoulli rows per round) and
 * featureSubsetStrategy (default all, as GBTParams overrides the forests' auto). The glue
 * is the tree stages' (PT_STAGE_TREE_OPS): the same raw-row map, codes, model layout and
 * predict; the fit boosts because the stage has stepSize. maxIter is the prefix param: the
 * sweep runs a maxIter grid as one fit to the largest value per (fold, other params).
 * validationIndicatorCol names a boolean column of the data (not a feature: the loader
 * reads it into the image, pt_image.h) whose true rows the fit holds out of its training
 * rows for Spark's early stop (pt_gbt.h, validationTol); it is one value, not a grid axis.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>

#include "pt_common.h"
#include "pt_gbt.h"
#include "pt_stage.h"

/* Spark's default seeds: the hashCode of the estimator's class name (HasSeed). */
#define GBT__SEED_C -1287390502.0 /* org.apache.spark.ml.classification.GBTClassifier */
#define GBT__SEED_R -131597770.0  /* org.apache.spark.ml.regression.GBTRegressor */

#define GBT__PARAMS                                                                           \
    {"maxIter", PT_VAL_INT, 0, 20, 1, 100000, "boosting rounds (trees)", NULL},              \
    {"stepSize", PT_VAL_DOUBLE, 0, 0.1, 0.0, INFINITY, "learning rate, (0, 1]", NULL},            \
    {"subsamplingRate", PT_VAL_DOUBLE, 0, 1.0, 0.0, 1.0, "rows per round, (0, 1]", NULL},    \
    {"featureSubsetStrategy", PT_VAL_STRING, 0, 0, 0, 0,                                     \
     "features per node: all, auto (all), onethird, sqrt, log2, an integer n > 0 or a "       \
     "fraction in (0, 1]", "all|auto|onethird|sqrt|log2|*"},                               \
    {"validationTol", PT_VAL_DOUBLE, 0, 0.01, 0.0, INFINITY,                                 \
     "early stop when the validation error gains less than this x max(error, 0.01), >= 0",   \
     NULL},                                                                                   \
    {"validationIndicatorCol", PT_VAL_STRING, 0, 0, 0, 0,                                    \
     "boolean column of the data: its true rows are held out of the training rows for the "  \
     "early stop (none: no early stop)", "|*"}

static const pt_param_def_t gbt__c_params[] = {
    PT_STAGE_TREE_PARAMS("variance", GBT__SEED_C), GBT__PARAMS,
    {"lossType", PT_VAL_STRING, 0, 0, 0, 0, "loss: logistic", "logistic"},
    PT_STAGE_TREE_THRESHOLDS};
static const pt_param_def_t gbt__r_params[] = {
    PT_STAGE_TREE_PARAMS("variance", GBT__SEED_R), GBT__PARAMS,
    {"lossType", PT_VAL_STRING, 0, 0, 0, 0, "loss: squared or absolute", "squared|absolute"}};

/* The trees' checks, then stepSize in (0, 1] (its range above only says >= 0, so that 0
 * and 1.5 get the same message) and lossType (Spark's validators). */
static int gbt__check(const pt_stage_fit_t *st, char *err)
{
    double step = pt_stage_num(st, "stepSize", 0.1);
    pt_gbt_loss_t loss;
    char why[PT_ERRLEN];
    int rc = pt_stage_trees_check(st, err);
    if (rc != 0)
        return rc;
    if (!(step > 0 && step <= 1)) {
        pt_seterr(err, "%s.stepSize: must be in (0, 1], got %g", st->def->name, step);
        return -EINVAL;
    }
    if (pt_gbt_loss(pt_stage_str(st, "lossType"), st->def->role == PT_STAGE_CLASSIFIER, &loss,
                    why) != 0) {
        pt_seterr(err, "%s.%s", st->def->name, why);
        return -EINVAL;
    }
    return 0;
}

#define GBT__DEF(var, spark, role_, list, score)                                              \
    const pt_stage_def_t var = {                                                              \
        .name = spark, .role = role_, PT_STAGE_PARAMS(list), PT_STAGE_TREE_OPS,               \
        .check = gbt__check, .prefix_param = "maxIter", .score_name = score,                  \
    }

/* the classifier's margin F: Spark's rawPrediction is [-F, F] */
GBT__DEF(pt_stage_gbtc, "gbtClassifier", PT_STAGE_CLASSIFIER, gbt__c_params, "margin");
GBT__DEF(pt_stage_gbtr, "gbtRegressor", PT_STAGE_REGRESSOR, gbt__r_params, NULL);
