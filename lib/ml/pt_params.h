/* pt_params.h - the pipeline spec and the param grid.
 *
 * Stages and params use Spark ML's names. A spec is a pipeline (stage names in order) plus
 * grid axes (--grid stage.param=v1,v2,...) and fixed params (--set stage.param=v). Param maps
 * are the cartesian product of the axes in the order they were added, the last axis varying
 * fastest (PySpark's ParamGridBuilder). A param map lists only grid and fixed params (as
 * Spark's estimatorParamMaps); the full param set of a job adds every default. Random-search
 * axes (--random, with --samples N) multiply each grid point by N drawn maps (the draw index
 * varies fastest). Stages and their param defs come from the stage table (pt_stage.h, which
 * this header includes).
 */
#ifndef PT_PARAMS_H
#define PT_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "pt_stage.h"
#include "pt_value.h"

typedef struct pt_spec pt_spec_t;

/* Parses a pipeline "pca,linearRegression": known stages, no repeats, exactly one predictor
 * (a regressor or classifier) and it last. Returns an owned spec (pt_spec_destroy) or NULL
 * with the reason in err. */
pt_spec_t *pt_spec_new(const char *pipeline, char *err);
void pt_spec_destroy(pt_spec_t **ps);

/* Adds a grid axis from "stage.param=v1,v2,..." (values parsed and range-checked; an axis
 * named twice, or both gridded and fixed, is refused). Returns 0 or -EINVAL with err. */
int pt_spec_add_axis(pt_spec_t *s, const char *arg, char *err);
/* Fixes a param from "stage.param=value". Returns 0 or -EINVAL with err. */
int pt_spec_set(pt_spec_t *s, const char *arg, char *err);
/* Adds a random-search axis from "stage.param=uniform:LO:HI", "loguniform:LO:HI" (LO > 0)
 * or "choice:A,B,...". Integer params draw integers in [LO, HI]. With random axes, each grid
 * point is combined with `samples` draws (pt_spec_set_samples); sample s of axis r is drawn
 * from a splitmix64 stream seeded by (seed, s, r), so maps are reproducible.
 * Returns 0 or -EINVAL with err. */
int pt_spec_add_random(pt_spec_t *s, const char *arg, char *err);
/* Sets the number of random draws per grid point and their seed. */
void pt_spec_set_samples(pt_spec_t *s, size_t samples, uint64_t seed);

/* Checks the spec against the data: every required param is set or gridded, each stage's
 * check of its params together passes for every param map (minMaxScaler's min < max), and
 * params that depend on the data are in range for every param map (a stage's width param,
 * pca.k, <= the stage's input width).
 * Returns 0 or -EINVAL with err naming the option (-ENOMEM when out of memory). */
int pt_spec_check(const pt_spec_t *s, size_t features, char *err);

size_t pt_spec_nstages(const pt_spec_t *s);
/* Role of the last stage (PT_STAGE_REGRESSOR or PT_STAGE_CLASSIFIER). */
pt_stage_role_t pt_spec_predictor_role(const pt_spec_t *s);
const char *pt_spec_stage(const pt_spec_t *s, size_t i);
/* Number of param maps (product of the axis lengths; 1 with no axis); SIZE_MAX when the
 * product is larger. */
size_t pt_spec_nmaps(const pt_spec_t *s);
/* out := param map i (grid values then fixed params). out must be empty. 0 or -ENOMEM. */
int pt_spec_map(const pt_spec_t *s, size_t i, pt_paramlist_t *out);
/* out := every param of every stage for map i, defaults filled in. 0 or -ENOMEM. */
int pt_spec_full(const pt_spec_t *s, size_t i, pt_paramlist_t *out);

/* The most memory, in bytes, that the pipeline of one param map takes to fit on p raw
 * features with nclasses label classes (0: not known), over every map of the spec: the
 * moments of each stage's input, the transformers' maps, and each stage's own working
 * memory (pt_stage_def_t.work_bytes). *stage is the stage whose own part is the largest,
 * in the map that takes the most, and *stage_bytes that part (for messages). A double:
 * computed before anything is allocated, it may exceed any size_t. Walks every map: call it
 * after the spec's map count is checked. */
double pt_spec_work_bytes(const pt_spec_t *s, size_t p, size_t nclasses, const char **stage,
                          double *stage_bytes);

/* Parses text as a value of def's type and range; key is for the message.
 * Returns 0 or -EINVAL with err. */
int pt_param_parse(const pt_param_def_t *def, const char *key, const char *text,
                   pt_value_t *out, char *err);

/* Checks a param list received from elsewhere (a job's params, which the worker fits with):
 * every key is "stage.param" of one of the nstages stages named and a param of it, and every
 * value is of that param's kind and in its range. A key nothing would read is refused, not
 * ignored: it is a mistyped name or a coordinator of another version (a protocol error).
 * Returns 0, or -EINVAL with the reason in err. */
int pt_param_check_list(char *const *stages, size_t nstages, const pt_paramlist_t *params,
                        char *err);

#endif
