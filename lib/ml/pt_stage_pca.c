/* pt_stage_pca.c - the pca stage: Spark ML's PCA as a pipeline stage (numerics in pt_pca.c).
 *
 * The fitted map is z = V^T x (Spark's PCAModel does not centre): A = V (p_in x k), c = 0.
 * Its state is the explained variance of each component. A first stage may take its
 * eigen-decomposition from the caller's cache, which serves every k on one training set.
 */
#include <errno.h>
#include <stdlib.h>

#include "pt_common.h"
#include "pt_mpk.h"
#include "pt_pca.h"
#include "pt_stage.h"

static const pt_param_def_t pca__params[] = {
    {"k", PT_VAL_INT, 1, 0, 1, 1e9, "number of principal components", NULL},
};

static int pca__fit(pt_stage_fit_t *st, const pt_stage_in_t *in, char *err)
{
    size_t p = in->m->p, k = (size_t)pt_stage_num(st, "k", 0);
    double *explained;
    if (k < 1 || k > p) {
        pt_seterr(err, "pca.k = %zu is out of range [1, %zu]", k, p);
        return -EINVAL;
    }
    st->p_out = k;
    st->A = malloc(p * k * sizeof(double));
    st->state = explained = malloc(k * sizeof(double));
    if (st->A == NULL || explained == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    if (in->eig == NULL)
        return pt_pca_fit(in->m, k, st->A, explained, err);
    if (in->eig->p == 0) {
        int rc = pt_pca_eig(in->m, in->eig, err);
        if (rc != 0)
            return rc;
    }
    return pt_pca_from_eig(in->eig, k, st->A, explained, err);
}

static void pca__pack(const pt_stage_fit_t *st, msgpack_packer *pk)
{
    pt_msgpack_pack_str(pk, "components");
    pt_stage_pack_doubles(pk, st->A, st->p_in * st->p_out);
    pt_msgpack_pack_str(pk, "explained_variance");
    pt_stage_pack_doubles(pk, st->state, st->p_out);
}

static int pca__unpack(pt_stage_fit_t *st, const msgpack_object *o, char *err)
{
    double *explained = NULL;
    int rc = pt_stage_get_len(o, "explained_variance", &st->p_out, err);
    if (rc == 0)
        rc = pt_stage_get_doubles(o, "explained_variance", st->p_out, &explained, err);
    st->state = explained;
    if (rc == 0)
        rc = pt_stage_get_doubles(o, "components", st->p_in * st->p_out, &st->A, err);
    return rc;
}

const pt_stage_def_t pt_stage_pca = {
    .name = "pca", .role = PT_STAGE_TRANSFORMER, PT_STAGE_PARAMS(pca__params), .width_param = "k",
    .fit = pca__fit,
    .npack = 2, .pack = pca__pack, .unpack = pca__unpack,
    .work_bytes = pt_stage_work_dense,
};
