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

typedef struct {
    double *mean, *std; /* p_in each */
    int with_mean, with_std;
} scaler_t;

static void scaler__free(void *state)
{
    scaler_t *s = state;
    free(s->mean);
    free(s->std);
    free(s);
}

/* A new state for p features, or NULL. */
static scaler_t *scaler__new(size_t p)
{
    scaler_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->mean = malloc((p ? p : 1) * sizeof(double));
    s->std = malloc((p ? p : 1) * sizeof(double));
    if (s->mean == NULL || s->std == NULL) {
        scaler__free(s);
        return NULL;
    }
    return s;
}

/* A and c from the state. 0 or -ENOMEM. */
static int scaler__map(pt_stage_fit_t *st)
{
    const scaler_t *s = st->state;
    size_t p = st->p_in;
    st->p_out = p;
    st->A = calloc(p > 0 ? p * p : 1, sizeof(double));
    st->c = calloc(p ? p : 1, sizeof(double));
    if (st->A == NULL || st->c == NULL)
        return -ENOMEM;
    for (size_t j = 0; j < p; j++) {
        double sd = s->std[j];
        double scale = s->with_std ? (sd > 0 ? 1.0 / sd : 0.0) : 1.0;
        st->A[j * p + j] = scale;
        st->c[j] = s->with_mean ? -s->mean[j] * scale : 0.0;
    }
    return 0;
}

static int scaler__fit(pt_stage_fit_t *st, const pt_stage_in_t *in, char *err)
{
    const pt_moments_t *m = in->m;
    size_t p = m->p;
    scaler_t *s = scaler__new(p);
    st->state = s;
    if (s == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    s->with_mean = pt_stage_num(st, "withMean", 0) != 0;
    s->with_std = pt_stage_num(st, "withStd", 1) != 0;
    for (size_t j = 0; j < p; j++) {
        double var = m->n > 1 ? m->S[j * p + j] / (m->n - 1) : 0.0;
        s->std[j] = var > 0 ? sqrt(var) : 0.0;
        s->mean[j] = m->mean[j];
    }
    if (scaler__map(st) != 0) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    return 0;
}

static void scaler__pack(const pt_stage_fit_t *st, msgpack_packer *pk)
{
    const scaler_t *s = st->state;
    pt_msgpack_pack_str(pk, "mean");
    pt_stage_pack_doubles(pk, s->mean, st->p_in);
    pt_msgpack_pack_str(pk, "std");
    pt_stage_pack_doubles(pk, s->std, st->p_in);
    pt_msgpack_pack_str(pk, "with_mean");
    pt_stage_pack_bool(pk, s->with_mean);
    pt_msgpack_pack_str(pk, "with_std");
    pt_stage_pack_bool(pk, s->with_std);
}

static int scaler__unpack(pt_stage_fit_t *st, const msgpack_object *o, char *err)
{
    scaler_t *s = calloc(1, sizeof *s);
    int rc;
    st->state = s;
    if (s == NULL)
        return -ENOMEM;
    if ((rc = pt_stage_get_doubles(o, "mean", st->p_in, &s->mean, err)) != 0 ||
        (rc = pt_stage_get_doubles(o, "std", st->p_in, &s->std, err)) != 0 ||
        (rc = pt_msgpack_get_bool(o, "with_mean", &s->with_mean, err)) != 0 ||
        (rc = pt_msgpack_get_bool(o, "with_std", &s->with_std, err)) != 0)
        return rc;
    return scaler__map(st);
}

const pt_stage_def_t pt_stage_scaler = {
    .name = "standardScaler",
    .role = PT_STAGE_TRANSFORMER,
    PT_STAGE_PARAMS(scaler__params),
    .fit = scaler__fit,
    .npack = 4,
    .pack = scaler__pack,
    .unpack = scaler__unpack,
    .free = scaler__free,
};
