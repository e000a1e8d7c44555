/* pt_stage_minmax.c - the minMaxScaler stage: Spark ML's MinMaxScaler from each feature's range.
 *
 * Rescales feature j from the training rows' range [Emin_j, Emax_j] to [min, max]:
 * z_j = (x_j - Emin_j) * s_j + min with s_j = (max - min) / (Emax_j - Emin_j); a feature with
 * s_j == 0 (a constant one, Emax_j == Emin_j) maps to 0.5 * (max + min), as Spark's
 * MinMaxScalerModel. Out-of-range values are not clipped. The map is diagonal: A = diag(s),
 * c = min - Emin * s. The range comes from the moments (one pass with the means, merged from
 * the shared cache), or, after a stage that mixes features (pca), from one pass over the
 * training rows through the composed map (pt_stage_input_range). The state is Spark's
 * originalMin / originalMax, which the model file keeps (original_min, original_max) and from
 * which unpack rebuilds the map with the stage's params. Spark requires min < max (check).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "pt_common.h"
#include "pt_mpk.h"
#include "pt_stage.h"

static const pt_param_def_t minmax__params[] = {
    {"min", PT_VAL_DOUBLE, 0, 0.0, -INFINITY, INFINITY, "lower bound of the output range", NULL},
    {"max", PT_VAL_DOUBLE, 0, 1.0, -INFINITY, INFINITY, "upper bound of the output range", NULL},
};

/* The state is a pt_stage_vecs_t: v[0] the training rows' minimum, v[1] their maximum of
 * each feature (Spark's originalMin / originalMax). */
static const char *const minmax__names[] = {"original_min", "original_max"};

static int minmax__check(const pt_stage_fit_t *st, char *err)
{
    double lo = pt_stage_num(st, "min", 0.0), hi = pt_stage_num(st, "max", 1.0);
    char a[40], b[40];
    if (lo < hi)
        return 0;
    pt_format_double(lo, a, sizeof a);
    pt_format_double(hi, b, sizeof b);
    pt_seterr(err, "%s.min (%s) must be less than %s.max (%s)", st->def->name, a,
              st->def->name, b);
    return -EINVAL;
}

/* A and c from the state and the params. 0 or -ENOMEM. */
static int minmax__map(pt_stage_fit_t *st)
{
    const pt_stage_vecs_t *s = st->state;
    size_t p = st->p_in;
    double lo = pt_stage_num(st, "min", 0.0), hi = pt_stage_num(st, "max", 1.0);
    double *scale = malloc((p ? p : 1) * sizeof *scale);
    double *shift = malloc((p ? p : 1) * sizeof *shift);
    int rc = -ENOMEM;
    if (scale != NULL && shift != NULL) {
        for (size_t j = 0; j < p; j++) {
            double range = s->v[1][j] - s->v[0][j];
            scale[j] = range != 0 ? (hi - lo) / range : 0.0;
            shift[j] = scale[j] != 0 ? lo - s->v[0][j] * scale[j] : 0.5 * (lo + hi);
        }
        rc = pt_stage_diagonal_map(st, scale, shift);
    }
    free(scale);
    free(shift);
    return rc;
}

static int minmax__fit(pt_stage_fit_t *st, const pt_stage_in_t *in, char *err)
{
    pt_stage_vecs_t *s = pt_stage_vecs_new(st, 2, err);
    int rc;
    if (s == NULL)
        return -ENOMEM;
    if ((rc = pt_stage_input_range(in, s->v[0], s->v[1], err)) != 0)
        return rc;
    return pt_stage_nomem(minmax__map(st), err);
}

static void minmax__pack(const pt_stage_fit_t *st, msgpack_packer *pk)
{
    pt_stage_vecs_pack(st, pk, minmax__names, 2);
}

static int minmax__unpack(pt_stage_fit_t *st, const msgpack_object *o, char *err)
{
    int rc = pt_stage_vecs_unpack(st, o, minmax__names, 2, err);
    return rc != 0 ? rc : minmax__map(st);
}

const pt_stage_def_t pt_stage_minmax = {
    .name = "minMaxScaler", .role = PT_STAGE_TRANSFORMER, PT_STAGE_PARAMS(minmax__params),
    .fit = minmax__fit, .free = pt_stage_vecs_free, .check = minmax__check,
    .npack = 2, .pack = minmax__pack, .unpack = minmax__unpack,
};
