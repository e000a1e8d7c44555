/* pt_stage_maxabs.c - the maxAbsScaler stage: Spark ML's MaxAbsScaler from each feature's range.
 *
 * Divides feature j by its largest absolute value over the training rows,
 * maxAbs_j = max(|Emin_j|, |Emax_j|); a feature with maxAbs_j == 0 is left as it is (scale 1),
 * as Spark's MaxAbsScalerModel. No params, no centring, no clipping: the map is diagonal,
 * A = diag(1 / maxAbs), c = 0. The range comes from the moments, or after pca from one pass
 * over the training rows (pt_stage_input_range). The state is Spark's maxAbs, kept in the
 * model file as max_abs.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "pt_common.h"
#include "pt_mpk.h"
#include "pt_stage.h"

/* A and c from maxabs (p_in). 0 or -ENOMEM. */
static int maxabs__map(pt_stage_fit_t *st, const double *maxabs)
{
    size_t p = st->p_in;
    double *scale = malloc((p ? p : 1) * sizeof *scale);
    double *zero = calloc(p ? p : 1, sizeof *zero);
    int rc = -ENOMEM;
    if (scale != NULL && zero != NULL) {
        for (size_t j = 0; j < p; j++)
            scale[j] = maxabs[j] == 0 ? 1.0 : 1.0 / maxabs[j];
        rc = pt_stage_diagonal_map(st, scale, zero);
    }
    free(scale);
    free(zero);
    return rc;
}

static int maxabs__fit(pt_stage_fit_t *st, const pt_stage_in_t *in, char *err)
{
    size_t p = in->m->p;
    double *lo = malloc((p ? p : 1) * sizeof *lo);
    double *hi = malloc((p ? p : 1) * sizeof *hi);
    int rc = -ENOMEM;

    st->state = hi; /* becomes maxAbs */
    if (lo == NULL || hi == NULL) {
        pt_seterr(err, "out of memory");
        goto out;
    }
    if ((rc = pt_stage_input_range(in, lo, hi, err)) != 0)
        goto out;
    for (size_t j = 0; j < p; j++)
        hi[j] = fmax(fabs(lo[j]), fabs(hi[j]));
    if ((rc = maxabs__map(st, hi)) != 0)
        pt_seterr(err, "out of memory");
out:
    free(lo);
    return rc;
}

static void maxabs__pack(const pt_stage_fit_t *st, msgpack_packer *pk)
{
    pt_msgpack_pack_str(pk, "max_abs");
    pt_stage_pack_doubles(pk, st->state, st->p_in);
}

static int maxabs__unpack(pt_stage_fit_t *st, const msgpack_object *o, char *err)
{
    double *maxabs;
    int rc = pt_stage_get_doubles(o, "max_abs", st->p_in, &maxabs, err);
    st->state = maxabs;
    for (size_t j = 0; rc == 0 && j < st->p_in; j++)
        if (maxabs[j] < 0) { /* a largest magnitude; a negative one would flip the sign */
            pt_seterr(err, "field 'max_abs'[%zu]: negative", j);
            rc = -EBADMSG;
        }
    return rc != 0 ? rc : maxabs__map(st, maxabs);
}

const pt_stage_def_t pt_stage_maxabs = {
    .name = "maxAbsScaler", .role = PT_STAGE_TRANSFORMER,
    .fit = maxabs__fit,
    .npack = 1, .pack = maxabs__pack, .unpack = maxabs__unpack,
};
