/* pt_stage_scaler.c - the standardScaler stage: Spark ML's StandardScaler from moments.
 *
 * Scales each feature by 1 / its sample std (withStd) and centres it (withMean); a feature
 * whose std is 0 maps to 0 (Spark). The map is diagonal: A = diag(scale), c = -mean * scale
 * when centring. Its state is the mean and std of each feature, which the model file keeps
 * (with the two flags) and from which unpack rebuilds the map.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "pt_common.h"
#include "pt_mpk.h"
#include "pt_stage.h"

static const pt_param_def_t scaler__params[] = {
    {"withMean", PT_VAL_BOOL, 0, 0, 0, 1, "centre the features", NULL},
    {"withStd", PT_VAL_BOOL, 0, 1, 0, 1, "scale the features to unit sample std", NULL},
};

/* The state is a pt_stage_vecs_t: v[0] the mean, v[1] the sample std of each feature, flag[0]
 * withMean, flag[1] withStd. */
static const char *const scaler__names[] = {"mean", "std"};

/* A and c from the state. 0 or -ENOMEM. */
static int scaler__map(pt_stage_fit_t *st)
{
    const pt_stage_vecs_t *s = st->state;
    size_t p = st->p_in;
    double *scale = malloc((p ? p : 1) * sizeof *scale);
    double *shift = malloc((p ? p : 1) * sizeof *shift);
    int rc = -ENOMEM;
    if (scale != NULL && shift != NULL) {
        for (size_t j = 0; j < p; j++) {
            double sd = s->v[1][j];
            scale[j] = s->flag[1] ? (sd > 0 ? 1.0 / sd : 0.0) : 1.0;
            shift[j] = s->flag[0] ? -s->v[0][j] * scale[j] : 0.0;
        }
        rc = pt_stage_diagonal_map(st, scale, shift);
    }
    free(scale);
    free(shift);
    return rc;
}

static int scaler__fit(pt_stage_fit_t *st, const pt_stage_in_t *in, char *err)
{
    const pt_moments_t *m = in->m;
    size_t p = m->p;
    pt_stage_vecs_t *s = pt_stage_vecs_new(st, 2, err);
    if (s == NULL)
        return -ENOMEM;
    s->flag[0] = pt_stage_num(st, "withMean", 0) != 0;
    s->flag[1] = pt_stage_num(st, "withStd", 1) != 0;
    for (size_t j = 0; j < p; j++) {
        double var = m->n > 1 ? m->S[j * p + j] / (m->n - 1) : 0.0;
        s->v[1][j] = var > 0 ? sqrt(var) : 0.0;
        s->v[0][j] = m->mean[j];
    }
    return pt_stage_nomem(scaler__map(st), err);
}

static void scaler__pack(const pt_stage_fit_t *st, msgpack_packer *pk)
{
    const pt_stage_vecs_t *s = st->state;
    pt_stage_vecs_pack(st, pk, scaler__names, 2);
    pt_msgpack_kv_bool(pk, "with_mean", s->flag[0]);
    pt_msgpack_kv_bool(pk, "with_std", s->flag[1]);
}

static int scaler__unpack(pt_stage_fit_t *st, const msgpack_object *o, char *err)
{
    int rc = pt_stage_vecs_unpack(st, o, scaler__names, 2, err);
    pt_stage_vecs_t *s = st->state;
    if (rc == 0 && ((rc = pt_msgpack_get_bool(o, "with_mean", &s->flag[0], err)) != 0 ||
                    (rc = pt_msgpack_get_bool(o, "with_std", &s->flag[1], err)) != 0))
        return rc;
    for (size_t j = 0; rc == 0 && j < st->p_in; j++)
        if (s->v[1][j] < 0) { /* a standard deviation */
            pt_seterr(err, "field 'std'[%zu]: negative", j);
            return -EBADMSG;
        }
    return rc != 0 ? rc : scaler__map(st);
}

const pt_stage_def_t pt_stage_scaler = {
    .name = "standardScaler", .role = PT_STAGE_TRANSFORMER, PT_STAGE_PARAMS(scaler__params),
    .fit = scaler__fit, .free = pt_stage_vecs_free,
    .npack = 4, .pack = scaler__pack, .unpack = scaler__unpack,
};
