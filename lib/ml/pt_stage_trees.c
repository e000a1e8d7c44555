/* pt_stage_trees.c - the tree stages: decisionTreeClassifier, decisionTreeRegressor,
 * randomForestClassifier and randomForestRegressor, Spark ML's four tree estimators on the
 * learner of pt_forest.h.
 *
 * The four share their params, their glue and their fitted state; they differ in the
 * defaults (impurity, seed) and in which params they have (numTrees, featureSubsetStrategy,
 * subsamplingRate and bootstrap for the forests; thresholds for the classifiers). A tree is
 * not linear in its input, so the stage is a predictor with its own predict (pt_stage.h):
 * the pipeline does not compose it, it reads the raw rows through the stage's map. The tree
 * features are the numeric raw features, then one per categorical column: Spark's category
 * index of its value (stringIndexer's order, the only stage allowed before a tree), as a
 * StringIndexer output column is a NominalAttribute in Spark. Categorical columns sit in the
 * raw rows as global indicator columns (pt_categorical.h); their *global code* (the set
 * indicator's position) is what the learner bins, and the fit maps codes to indices with
 * cat_index, so the codes can be built once per (training set, maxBins) before the fit
 * (pt_stage_codes_t, shared memory) whatever stringIndexer's params.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pt_common.h"
#include "pt_forest.h"
#include "pt_gbt.h"
#include "pt_mpk.h"
#include "pt_stage.h"

/* Spark's default seeds: the hashCode of the estimator's class name (HasSeed). */
#define TREES__SEED_DTC 159147643.0 /* org.apache.spark.ml.classification.DecisionTreeClassifier */
#define TREES__SEED_DTR 926680331.0 /* org.apache.spark.ml.regression.DecisionTreeRegressor */
#define TREES__SEED_RFC 207336481.0 /* org.apache.spark.ml.classification.RandomForestClassifier */
#define TREES__SEED_RFR 235498149.0 /* org.apache.spark.ml.regression.RandomForestRegressor */

/* The params every tree stage has (PT_STAGE_TREE_PARAMS, pt_stage.h), then the ones of
 * some; a stage's table is made of them. */
#define TREES__COMMON(impurity, seed) PT_STAGE_TREE_PARAMS(impurity, seed)
#define TREES__FOREST                                                                         \
    {"numTrees", PT_VAL_INT, 0, 20, 1, 100000, "trees of the forest", NULL},                 \
    {"featureSubsetStrategy", PT_VAL_STRING, 0, 0, 0, 0,                                     \
     "features per node: auto, all, onethird, sqrt, log2, an integer n > 0 or a fraction in " \
     "(0, 1]", "auto|all|onethird|sqrt|log2|*"},                                             \
    {"subsamplingRate", PT_VAL_DOUBLE, 0, 1.0, 0.0, 1.0, "rows per tree, (0, 1]", NULL},     \
    {"bootstrap", PT_VAL_BOOL, 0, 1, 0, 1, "draw each tree's rows with replacement", NULL}
#define TREES__THRESHOLDS PT_STAGE_TREE_THRESHOLDS

static const pt_param_def_t trees__dtc_params[] = {
    TREES__COMMON("gini|entropy", TREES__SEED_DTC), TREES__THRESHOLDS};
static const pt_param_def_t trees__dtr_params[] = {
    TREES__COMMON("variance", TREES__SEED_DTR)};
static const pt_param_def_t trees__rfc_params[] = {
    TREES__COMMON("gini|entropy", TREES__SEED_RFC), TREES__FOREST, TREES__THRESHOLDS};
static const pt_param_def_t trees__rfr_params[] = {
    TREES__COMMON("variance", TREES__SEED_RFR), TREES__FOREST};

/* Rows per chunk of predict's tree-feature buffer; the most threads predict uses. */
#define TREES__CHUNK 1024
#define TREES__MAX_THREADS 64

/* The fitted state: the forest (or the boosted trees) and the map from raw rows to tree
 * features. */
typedef struct {
    pt_forest_t *forest;
    pt_gbt_t *gbt;         /* gbtClassifier, gbtRegressor (pt_stage_gbt.c) instead */
    const double *cx;      /* boosting's margin cache while use > 0: rows x (n cn) have */
    size_t cn, cdone;      /* margins cF of their first cdone trees */
    double *cF;
    size_t use;            /* trees predict uses (0: all): numTrees sharing */
    int threads;           /* predict's threads (set_threads), 0 or 1: this one */
    size_t p_raw, p_num, ncat;
    uint64_t *cat_size;    /* ncat: global codes (indicator columns) of each column */
    int32_t **cat_index;   /* ncat x cat_size: Spark's category index of a code, or -1 */
    uint32_t *arity;       /* ncat: categories the tree knows (numLabels, +1 with keep) */
    int32_t *unseen;       /* ncat: the index of a code not in the training rows (keep:
                            * numLabels), or -1 */
    size_t nclasses;       /* 0 for a regressor */
    double *thresholds;    /* nclasses, or NULL */
} trees__state_t;

void pt_stage_trees_free(void *state)
{
    trees__state_t *s = state;
    if (s == NULL)
        return;
    pt_forest_destroy(&s->forest);
    pt_gbt_destroy(&s->gbt);
    free(s->cF);
    for (size_t k = 0; s->cat_index != NULL && k < s->ncat; k++)
        free(s->cat_index[k]);
    free(s->cat_index);
    free(s->cat_size);
    free(s->arity);
    free(s->unseen);
    free(s->thresholds);
    free(s);
}

static int trees__classifier(const pt_stage_def_t *d)
{
    return d->role == PT_STAGE_CLASSIFIER;
}

static int trees__forest(const pt_stage_def_t *d)
{
    return pt_stage_param(d, "numTrees") != NULL;
}

/* The boosted stages (pt_stage_gbt.c). */
static int trees__boosted(const pt_stage_def_t *d)
{
    return pt_stage_param(d, "stepSize") != NULL;
}

/* Spark's featureSubsetStrategy forms (RandomForestParams): a name, an integer > 0, or a
 * fraction in (0, 1]. 1 when v is one. */
static int trees__subset_ok(const char *v)
{
    static const char *const names[] = {"auto", "all", "onethird", "sqrt", "log2"};
    long n;
    double f;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(v, names[i]) == 0) /* Spark lower-cases the name */
            return 1;
    if (pt_parse_long(v, &n) == 0) /* plain decimal only, as pt_forest reads it */
        return n > 0;
    return pt_parse_double(v, &f) == 0 && f > 0 && f <= 1;
}

/* Parses thresholds "t0:t1:..." into a new array *out of *n (the caller frees; NULL and 0
 * for ""). 0, or -EINVAL with err (Spark: every t >= 0, at most one 0), or -ENOMEM. */
static int trees__parse_thresholds(const char *v, double **out, size_t *n, char *err)
{
    size_t cap = 1, zeros = 0;
    const char *p = v;
    *out = NULL;
    *n = 0;
    if (v == NULL || *v == '\0')
        return 0;
    for (const char *q = v; *q; q++)
        cap += *q == ':';
    if ((*out = malloc(cap * sizeof **out)) == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    for (;;) {
        const char *end = p + strcspn(p, ":");
        char num[64];
        double t = -1;
        if ((size_t)(end - p) < sizeof num) { /* one plain decimal number per piece */
            memcpy(num, p, (size_t)(end - p));
            num[end - p] = '\0';
            if (pt_parse_double(num, &t) != 0)
                t = -1;
        }
        if (!(t >= 0)) {
            pt_seterr(err, "thresholds: expected numbers >= 0 separated by ':', got \"%s\"", v);
            goto bad;
        }
        zeros += t == 0;
        (*out)[(*n)++] = t;
        if (*end == '\0')
            break;
        p = end + 1;
    }
    if (zeros > 1) {
        pt_seterr(err, "thresholds: at most one may be 0, got \"%s\"", v);
        goto bad;
    }
    return 0;
bad:
    free(*out);
    *out = NULL;
    *n = 0;
    return -EINVAL;
}

/* The params together, beyond their ranges (Spark's validators). */
int pt_stage_trees_check(const pt_stage_fit_t *st, char *err)
{
    const char *name = st->def->name, *v;
    char why[PT_ERRLEN];
    double *t;
    size_t nt;
    int rc;
    if (pt_stage_num(st, "minWeightFractionPerNode", 0) >= 0.5) {
        pt_seterr(err, "%s.minWeightFractionPerNode: must be in [0, 0.5), got %g", name,
                  pt_stage_num(st, "minWeightFractionPerNode", 0));
        return -EINVAL;
    }
    if (pt_stage_param(st->def, "subsamplingRate") != NULL &&
        !(pt_stage_num(st, "subsamplingRate", 1) > 0)) {
        pt_seterr(err, "%s.subsamplingRate: must be in (0, 1], got %g", name,
                  pt_stage_num(st, "subsamplingRate", 1));
        return -EINVAL;
    }
    v = pt_stage_str(st, "featureSubsetStrategy");
    if (v != NULL && !trees__subset_ok(v)) {
        pt_seterr(err, "%s.featureSubsetStrategy: expected auto, all, onethird, sqrt, log2, "
                  "an integer > 0 or a fraction in (0, 1], got \"%s\"", name, v);
        return -EINVAL;
    }
    if (!trees__classifier(st->def))
        return 0;
    rc = trees__parse_thresholds(pt_stage_str(st, "thresholds"), &t, &nt, why);
    free(t);
    if (rc != 0)
        pt_seterr(err, "%s.%s", name, why);
    return rc;
}

/* ---------------------------------------------------------------- rows */

/* The training rows as the learner reads them (pt_rows_fn): tree features from raw rows. */
typedef struct {
    const pt_rowblock_t *blocks;
    size_t nblocks;
    const size_t *start;   /* nblocks + 1: first row of each block */
    size_t p_raw, p_num, ncat;
    const uint64_t *cat_size;
} trees__rows_t;

/* The global code of each categorical column of raw row x into out[0..ncat): the position
 * of its set indicator, or -1 when none is set. */
static void trees__codes(const double *x, size_t p_num, size_t ncat, const uint64_t *cat_size,
                         double *out)
{
    size_t off = p_num;
    for (size_t k = 0; k < ncat; k++) {
        out[k] = -1;
        for (size_t v = 0; v < cat_size[k]; v++)
            if (x[off + v] != 0) {
                out[k] = (double)v;
                break;
            }
        off += (size_t)cat_size[k];
    }
}

static void trees__row(void *arg, size_t i, double *out)
{
    const trees__rows_t *r = arg;
    size_t lo = 0, hi = r->nblocks; /* the block b with start[b] <= i < start[b + 1] */
    const double *x;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (r->start[mid] <= i)
            lo = mid;
        else
            hi = mid;
    }
    x = r->blocks[lo].x + (i - r->start[lo]) * r->p_raw;
    memcpy(out, x, r->p_num * sizeof *out);
    trees__codes(x, r->p_num, r->ncat, r->cat_size, out + r->p_num);
    for (size_t k = 0; k < r->ncat; k++) /* a training row has one of the file's values; */
        if (out[r->p_num + k] < 0)       /* never a code the learner cannot take */
            out[r->p_num + k] = 0;
}

/* ---------------------------------------------------------------- fit */

/* s's layout from the fit's input: the raw widths and, after stringIndexer, each column's
 * code -> index map. 0 or a negative errno with err. */
static int trees__layout(trees__state_t *s, const pt_stage_fit_t *st, const pt_stage_in_t *in,
                         char *err)
{
    const pt_stage_catidx_t *ci = NULL;
    size_t cats = 0;
    if (in->prev != NULL && in->prev->def->categorical == 1)
        ci = in->prev->state;
    if ((in->A != NULL && ci == NULL) || in->nmiss > 0 || (in->ncat > 0 && ci == NULL)) {
        pt_seterr(err, "%s: only stringIndexer may stand before a tree stage", st->def->name);
        return -EINVAL;
    }
    s->p_raw = in->p_raw;
    s->ncat = in->ncat;
    for (size_t k = 0; k < s->ncat; k++)
        cats += (size_t)in->cat_size[k];
    s->p_num = s->p_raw - cats;
    s->cat_size = calloc(s->ncat + 1, sizeof *s->cat_size);
    s->cat_index = calloc(s->ncat + 1, sizeof *s->cat_index);
    s->arity = calloc(s->ncat + 1, sizeof *s->arity);
    s->unseen = calloc(s->ncat + 1, sizeof *s->unseen);
    if (s->cat_size == NULL || s->cat_index == NULL || s->arity == NULL || s->unseen == NULL)
        goto nomem;
    for (size_t k = 0; k < s->ncat; k++) {
        size_t size = (size_t)in->cat_size[k];
        s->cat_size[k] = size;
        if ((s->cat_index[k] = malloc((size ? size : 1) * sizeof **s->cat_index)) == NULL)
            goto nomem;
        for (size_t v = 0; v < size; v++)
            s->cat_index[k][v] = -1;
        for (size_t i = 0; i < ci->nlabels[k]; i++)
            s->cat_index[k][ci->labels[k][i]] = (int32_t)i;
        s->arity[k] = (uint32_t)(ci->nlabels[k] + (ci->keep ? 1 : 0));
        s->unseen[k] = ci->keep ? (int32_t)ci->nlabels[k] : -1;
    }
    return 0;
nomem:
    pt_seterr(err, "out of memory");
    return -ENOMEM;
}

/* The learner's params from the stage's, for p tree features (thresholds: s's). 0 or
 * -EINVAL with err. */
static int trees__params(const pt_stage_fit_t *st, const trees__state_t *s, size_t p,
                         int threads, pt_forest_params_t *prm, char *err)
{
    const char *imp = pt_stage_str(st, "impurity"), *fss;
    int forest = trees__forest(st->def), sub = pt_stage_param(st->def, "subsamplingRate") != NULL;
    size_t count = p;
    memset(prm, 0, sizeof *prm);
    prm->max_depth = (int)pt_stage_num(st, "maxDepth", 5);
    prm->max_bins = (int)pt_stage_num(st, "maxBins", 32);
    prm->min_instances_per_node = (int)pt_stage_num(st, "minInstancesPerNode", 1);
    prm->min_weight_fraction = pt_stage_num(st, "minWeightFractionPerNode", 0);
    prm->min_info_gain = pt_stage_num(st, "minInfoGain", 0);
    prm->impurity = imp != NULL && strcmp(imp, "entropy") == 0 ? PT_IMP_ENTROPY
                    : trees__classifier(st->def)                ? PT_IMP_GINI
                                                                : PT_IMP_VARIANCE;
    prm->seed = (uint64_t)(int64_t)pt_stage_num(st, "seed", 0);
    prm->forest = forest;
    prm->num_trees = forest ? (int)pt_stage_num(st, "numTrees", 20) : 1;
    prm->subsampling_rate = sub ? pt_stage_num(st, "subsamplingRate", 1) : 1.0;
    prm->bootstrap = forest ? pt_stage_num(st, "bootstrap", 1) != 0 : 0;
    prm->threads = threads > 0 ? threads : 1;
    fss = sub ? pt_stage_str(st, "featureSubsetStrategy") : "all";
    if (pt_forest_subset(fss != NULL ? fss : "auto", p, trees__classifier(st->def),
                         prm->num_trees, &count, err) != 0)
        return -EINVAL;
    prm->subset = count;
    prm->thresholds = s->thresholds;
    for (size_t k = 0; k < s->ncat; k++)
        if (s->arity[k] > (uint32_t)prm->max_bins) {
            pt_seterr(err, "%s.maxBins: %d is below the %u categories of categorical column "
                      "%zu (maxBins must be >= every categorical feature's arity)",
                      st->def->name, prm->max_bins, s->arity[k], k + 1);
            return -EINVAL;
        }
    return 0;
}

/* The training labels of in's blocks, in block order, into a new array (NULL: no memory),
 * and each block's first row into start (nblocks + 1). */
/* start[b] := the first row of block b in block order (nblocks + 1 entries) and *w := the
 * rows' weights (weightCol) in that order, a new array, or NULL when no block has weights
 * (every row weighs 1). 0 or -ENOMEM. */
static int trees__weights(const pt_rowblock_t *blocks, size_t nblocks, size_t *start,
                          double **w)
{
    int weighted = 0;
    start[0] = 0;
    for (size_t b = 0; b < nblocks; b++) {
        start[b + 1] = start[b] + blocks[b].n;
        weighted |= blocks[b].w != NULL;
    }
    *w = NULL;
    if (!weighted)
        return 0;
    if ((*w = malloc((start[nblocks] ? start[nblocks] : 1) * sizeof **w)) == NULL)
        return -ENOMEM;
    for (size_t b = 0; b < nblocks; b++)
        for (size_t i = 0; i < blocks[b].n; i++)
            (*w)[start[b] + i] = blocks[b].w != NULL ? blocks[b].w[i] : 1.0;
    return 0;
}

/* *order := the training rows (block order, start: trees__weights') in the order of their
 * input row numbers (the file's), a new array, or NULL when a block does not know them or
 * block order is that order already. The blocks are few and each ascending: a k-way merge.
 * 0 or -ENOMEM. */
static int trees__order(const pt_rowblock_t *blocks, size_t nblocks, const size_t *start,
                        uint32_t **order)
{
    size_t n = start[nblocks], *at = NULL;
    int sorted = 1;
    *order = NULL;
    for (size_t b = 0; b < nblocks; b++) {
        if (blocks[b].rid == NULL)
            return 0;
        if (b > 0 && blocks[b].n > 0 && blocks[b - 1].n > 0 &&
            blocks[b].rid[0] < blocks[b - 1].rid[blocks[b - 1].n - 1])
            sorted = 0;
    }
    if (sorted || n > UINT32_MAX)
        return 0;
    if ((*order = malloc(n * sizeof **order)) == NULL ||
        (at = calloc(nblocks, sizeof *at)) == NULL) {
        free(*order);
        *order = NULL;
        return -ENOMEM;
    }
    for (size_t k = 0; k < n; k++) {
        size_t best = nblocks;
        for (size_t b = 0; b < nblocks; b++)
            if (at[b] < blocks[b].n &&
                (best == nblocks || blocks[b].rid[at[b]] < blocks[best].rid[at[best]]))
                best = b;
        (*order)[k] = (uint32_t)(start[best] + at[best]++);
    }
    free(at);
    return 0;
}

/* The training rows' labels in block order (start: trees__weights'), a new array, or NULL. */
static double *trees__labels(const pt_stage_in_t *in, const size_t *start)
{
    double *y;
    if ((y = malloc((start[in->nblocks] ? start[in->nblocks] : 1) * sizeof *y)) == NULL)
        return NULL;
    for (size_t b = 0; b < in->nblocks; b++)
        memcpy(y + start[b], in->blocks[b].y, in->blocks[b].n * sizeof *y);
    return y;
}

/* pt_stage_trees_bins's dst for a fit that codes its own rows: a new array in *arg. */
static void *trees__malloc(void *arg, size_t bytes)
{
    void **p = arg;
    return *p = malloc(bytes + 1);
}

static void trees__code(const pt_bins_t *b, trees__rows_t *rows, size_t n, void *dst,
                        int threads);

/* validationIndicatorCol's hold-out (boosting's early stop): in's blocks split into their
 * training rows (tb, indicator 0) and validation rows (vb), copies in buf*, block by
 * block (each keeps its rows ascending); then the validation rows coded on the training
 * rows' bins (vd). */
typedef struct {
    pt_rowblock_t *tb, *vb;   /* nblocks each, or NULL: no hold-out */
    double *bx, *by, *bw;
    uint64_t *brid;
    size_t nv;                /* validation rows */
    pt_tree_data_t vd;        /* the validation rows for pt_gbt_params_t.valid */
    void *vcodes;
    double *vy, *vw;
    uint32_t *vorder;
} trees__holdout_t;

static void trees__holdout_free(trees__holdout_t *h)
{
    free(h->tb);
    free(h->vb);
    free(h->bx);
    free(h->by);
    free(h->bw);
    free(h->brid);
    free(h->vcodes);
    free(h->vy);
    free(h->vw);
    free(h->vorder);
}

/* The rows of block b with indicator == want, copied to the buffers from row *at on, as
 * the block out. */
static void trees__holdout_take(const pt_stage_in_t *in, size_t b, int want,
                                trees__holdout_t *h, size_t *at, pt_rowblock_t *out)
{
    const pt_rowblock_t *bl = &in->blocks[b];
    size_t a0 = *at, p = in->p_raw;
    for (size_t i = 0; i < bl->n; i++) {
        if ((bl->valid[i] != 0) != want)
            continue;
        memcpy(h->bx + *at * p, bl->x + i * p, p * sizeof *h->bx);
        h->by[*at] = bl->y[i];
        if (h->bw != NULL)
            h->bw[*at] = bl->w != NULL ? bl->w[i] : 1.0;
        if (h->brid != NULL)
            h->brid[*at] = bl->rid[i];
        ++*at;
    }
    *out = (pt_rowblock_t){h->bx + a0 * p, h->by + a0, *at - a0, h->bw ? h->bw + a0 : NULL,
                           h->brid ? h->brid + a0 : NULL, NULL};
}

/* The hold-out of a boosted stage with validationIndicatorCol set (else h stays empty).
 * 0, -EINVAL (no indicator in the rows, no training or no validation rows) or -ENOMEM,
 * with err. */
static int trees__holdout(const pt_stage_fit_t *st, const pt_stage_in_t *in,
                          trees__holdout_t *h, char *err)
{
    const char *col = trees__boosted(st->def) ? pt_stage_str(st, "validationIndicatorCol")
                                              : NULL;
    size_t n = 0, at = 0, nb = in->nblocks;
    int weighted = 0, rid = nb > 0;
    if (col == NULL || *col == '\0')
        return 0;
    for (size_t b = 0; b < nb; b++) {
        if (in->blocks[b].valid == NULL) {
            pt_seterr(err, "%s.validationIndicatorCol: the rows have no column \"%s\"",
                      st->def->name, col);
            return -EINVAL;
        }
        n += in->blocks[b].n;
        weighted |= in->blocks[b].w != NULL;
        rid &= in->blocks[b].rid != NULL;
        for (size_t i = 0; i < in->blocks[b].n; i++)
            h->nv += in->blocks[b].valid[i] != 0;
    }
    if (h->nv == 0 || h->nv == n) {
        pt_seterr(err, "%s.validationIndicatorCol: column \"%s\" leaves %s", st->def->name,
                  col, h->nv == 0 ? "no validation rows in the training set"
                                  : "no training rows (every row is true)");
        return -EINVAL;
    }
    h->tb = calloc(nb, sizeof *h->tb);
    h->vb = calloc(nb, sizeof *h->vb);
    h->bx = pt_alloc_array(n * (in->p_raw ? in->p_raw : 1), sizeof *h->bx, 0);
    h->by = pt_alloc_array(n, sizeof *h->by, 0);
    h->bw = weighted ? pt_alloc_array(n, sizeof *h->bw, 0) : NULL;
    h->brid = rid ? pt_alloc_array(n, sizeof *h->brid, 0) : NULL;
    if (h->tb == NULL || h->vb == NULL || h->bx == NULL || h->by == NULL ||
        (weighted && h->bw == NULL) || (rid && h->brid == NULL)) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    for (size_t b = 0; b < nb; b++)
        trees__holdout_take(in, b, 0, h, &at, &h->tb[b]);
    for (size_t b = 0; b < nb; b++)
        trees__holdout_take(in, b, 1, h, &at, &h->vb[b]);
    return 0;
}

/* h->vd: the validation rows coded on bins, as d (the training rows' data) has them. 0 or
 * -ENOMEM with err. */
static int trees__holdout_data(trees__holdout_t *h, const pt_stage_in_t *in,
                               const pt_tree_data_t *d, const trees__state_t *s, char *err)
{
    size_t nb = in->nblocks, *start = calloc(nb + 1, sizeof *start), cats = 0;
    trees__rows_t rows;
    int rc = -ENOMEM;
    for (size_t k = 0; k < in->ncat; k++)
        cats += (size_t)in->cat_size[k];
    if (start == NULL || trees__weights(h->vb, nb, start, &h->vw) != 0 ||
        trees__order(h->vb, nb, start, &h->vorder) != 0 ||
        (h->vy = malloc(h->nv * sizeof *h->vy)) == NULL ||
        (h->vcodes = malloc(pt_bins_code_bytes(d->bins, h->nv) + 1)) == NULL)
        goto out;
    for (size_t b = 0; b < nb; b++)
        memcpy(h->vy + start[b], h->vb[b].y, h->vb[b].n * sizeof *h->vy);
    rows = (trees__rows_t){h->vb, nb, start, in->p_raw, in->p_raw - cats, in->ncat,
                           s->cat_size};
    trees__code(d->bins, &rows, h->nv, h->vcodes, in->threads);
    h->vd = *d;
    h->vd.n = h->nv;
    h->vd.codes = h->vcodes;
    h->vd.y = h->vy;
    h->vd.w = h->vw;
    h->vd.order = h->vorder;
    rc = 0;
out:
    if (rc != 0)
        pt_seterr(err, "out of memory");
    free(start);
    return rc;
}

/* A boosted stage's fit on d (valid: the early stop's rows, or NULL): the gbt params from
 * st's on top of the trees' prm. 0 or a negative errno with err. */
static int trees__boost(const pt_stage_fit_t *st, trees__state_t *s, const pt_tree_data_t *d,
                        const pt_forest_params_t *prm, const pt_tree_data_t *valid, char *err)
{
    pt_gbt_params_t gp = {.tree = *prm, .valid = valid};
    char why[PT_ERRLEN];
    gp.max_iter = (int)pt_stage_num(st, "maxIter", 20);
    gp.step_size = pt_stage_num(st, "stepSize", 0.1);
    gp.validation_tol = pt_stage_num(st, "validationTol", 0.01);
    if (pt_gbt_loss(pt_stage_str(st, "lossType"), trees__classifier(st->def), &gp.loss,
                    why) != 0) {
        pt_seterr(err, "%s.%s", st->def->name, why);
        return -EINVAL;
    }
    if ((s->gbt = pt_gbt_fit(d, &gp, why)) == NULL) {
        pt_seterr(err, "%s: %s", st->def->name, why);
        return errno == ENOMEM ? -ENOMEM : -EINVAL;
    }
    return 0;
}

int pt_stage_trees_fit(pt_stage_fit_t *st, const pt_stage_in_t *in, char *err)
{
    trees__state_t *s = calloc(1, sizeof *s);
    size_t *start = calloc(in->nblocks + 1, sizeof *start), n;
    pt_bins_t own = {0};
    const pt_bins_t *bins = &own;
    void *own_codes = NULL;
    const void *codes;
    double *y = NULL, *t = NULL, *w = NULL;
    uint32_t *order = NULL;
    pt_forest_params_t prm;
    pt_tree_data_t d;
    trees__holdout_t ho = {0};
    pt_stage_in_t tin;
    size_t nt;
    int rc = -ENOMEM;

    st->state = s;
    if ((rc = trees__holdout(st, in, &ho, err)) != 0)
        goto out;
    if (ho.tb != NULL) { /* the early stop's rows held out: the fit sees the others only */
        tin = *in;
        tin.blocks = ho.tb;
        tin.codes = NULL; /* Spark bins the training rows alone */
        in = &tin;
    }
    if (s == NULL || start == NULL || trees__weights(in->blocks, in->nblocks, start, &w) != 0 ||
        (y = trees__labels(in, start)) == NULL ||
        trees__order(in->blocks, in->nblocks, start, &order) != 0)
        goto nomem;
    n = start[in->nblocks];
    s->nclasses = trees__classifier(st->def) ? (in->nclasses > 2 ? in->nclasses : 2) : 0;
    if (s->nclasses > 0 &&
        (rc = trees__parse_thresholds(pt_stage_str(st, "thresholds"), &t, &nt, err)) != 0)
        goto out;
    s->thresholds = t;
    if (t != NULL && nt != s->nclasses) {
        pt_seterr(err, "%s.thresholds: %zu values, but the label has %zu classes",
                  st->def->name, nt, s->nclasses);
        rc = -EINVAL;
        goto out;
    }
    if ((rc = trees__layout(s, st, in, err)) != 0 ||
        (rc = trees__params(st, s, st->p_in, in->threads, &prm, err)) != 0)
        goto out;
    if (trees__classifier(st->def) && in->nclasses < 1) {
        pt_seterr(err, "%s needs class labels", st->def->name);
        rc = -EINVAL;
        goto out;
    }
    if (in->codes != NULL && in->codes->max_bins == prm.max_bins && in->codes->n == n) {
        bins = in->codes->bins; /* coded before the fit (shared memory): read in place */
        codes = in->codes->codes;
    } else {
        pt_stage_rows_t r = {in->blocks, in->nblocks, in->p_raw, in->ncat, in->cat_size,
                             in->threads};
        if ((rc = pt_stage_trees_bins(&r, prm.max_bins, prm.seed, &own, &n,
                                      trees__malloc, &own_codes, err)) != 0)
            goto out;
        codes = own_codes;
    }
    d = (pt_tree_data_t){.n = n, .bins = bins, .codes = codes, .y = y, .w = w,
                         .nclasses = s->nclasses, .cat_index = (const int32_t *const *)s->cat_index,
                         .arity = s->arity, .order = order};
    if (ho.tb != NULL && (rc = trees__holdout_data(&ho, in, &d, s, err)) != 0)
        goto out;
    if (trees__boosted(st->def) ? (rc = trees__boost(st, s, &d, &prm, ho.tb ? &ho.vd : NULL,
                                                     err)) != 0
                                : (s->forest = pt_forest_fit(&d, &prm, err)) == NULL) {
        rc = rc != 0 ? rc : errno == ENOMEM ? -ENOMEM : -EINVAL;
        goto out;
    }
    st->p_out = st->r = 1;
    st->nclasses = s->nclasses;
    st->multinomial = s->nclasses > 2;
    st->converged = 1;
    rc = 0;
    goto out;
nomem:
    pt_seterr(err, "out of memory");
    rc = -ENOMEM;
out:
    pt_bins_free(&own);
    free(own_codes);
    free(start);
    free(y);
    free(w);
    free(order);
    trees__holdout_free(&ho);
    return rc;
}

/* ---------------------------------------------------------------- predict */

/* Tree features of n raw rows x into t (n x p_in): numerics, then category indices. */
static void trees__features(const trees__state_t *s, const double *x, size_t n, size_t p_in,
                            double *t)
{
    for (size_t i = 0; i < n; i++) {
        const double *xi = x + i * s->p_raw;
        double *ti = t + i * p_in;
        memcpy(ti, xi, s->p_num * sizeof *ti);
        trees__codes(xi, s->p_num, s->ncat, s->cat_size, ti + s->p_num);
        for (size_t k = 0; k < s->ncat; k++) {
            int32_t idx = ti[s->p_num + k] >= 0 ? s->cat_index[k][(size_t)ti[s->p_num + k]] : -1;
            ti[s->p_num + k] = idx >= 0 ? idx : s->unseen[k];
        }
    }
}

/* trees__predict on rows [0, n) of its arguments, on this thread. Boosting: F (n) holds
 * the rows' margins of trees [0, t0) and gets the rest of the used trees added (the margin
 * cache), or is NULL (margins from tree 0). */
static int trees__predict_rows(const pt_stage_fit_t *st, const double *x, size_t n,
                               double *pred, double *score, double *prob, double *F, size_t t0)
{
    const trees__state_t *s = st->state;
    size_t K = s->nclasses, p = st->p_in, chunk = n < TREES__CHUNK ? n : TREES__CHUNK;
    size_t use = s->gbt != NULL && s->use == 0 ? pt_gbt_trees(s->gbt) : s->use;
    double *t = malloc((chunk ? chunk : 1) * (p ? p : 1) * sizeof *t);
    double *pr = K > 0 ? malloc((chunk ? chunk : 1) * K * sizeof *pr) : NULL;
    double *raw = K > 0 ? malloc((chunk ? chunk : 1) * K * sizeof *raw) : NULL;
    double *fb = s->gbt != NULL && F == NULL ? malloc((chunk ? chunk : 1) * sizeof *fb) : NULL;
    int rc = -ENOMEM;

    if (t == NULL || (K > 0 && (pr == NULL || raw == NULL)) || (s->gbt && !F && !fb))
        goto out;
    for (size_t i0 = 0; i0 < n; i0 += chunk) {
        size_t m = n - i0 < chunk ? n - i0 : chunk;
        if (s->gbt != NULL) { /* score: the margin F, Spark's rawPrediction(1) */
            double *f = F != NULL ? F + i0 : fb;
            if (F == NULL)
                memset(f, 0, m * sizeof *f);
            if ((F != NULL ? t0 : 0) < use) {
                trees__features(s, x + i0 * s->p_raw, m, p, t);
                pt_gbt_margins(s->gbt, F != NULL ? t0 : 0, use, t, m, f);
            }
            pt_gbt_finish(s->gbt, f, m, pred + i0, score != NULL ? score + i0 : NULL,
                          prob != NULL ? prob + i0 * K : NULL);
            continue;
        }
        trees__features(s, x + i0 * s->p_raw, m, p, t);
        if ((rc = pt_forest_predict(s->forest, s->use, t, m, pred + i0, pr, raw)) != 0)
            goto out;
        if (K > 0 && prob != NULL)
            memcpy(prob + i0 * K, pr, m * K * sizeof *pr);
        for (size_t i = 0; score != NULL && i < m; i++) /* Spark: rawPrediction(1) */
            score[i0 + i] = K > 0 ? raw[i * K + 1] : pred[i0 + i];
    }
    rc = 0;
out:
    free(t);
    free(pr);
    free(raw);
    free(fb);
    return rc;
}

/* One thread's share of a prediction: rows [lo, hi). */
typedef struct {
    const pt_stage_fit_t *st;
    const double *x;
    size_t lo, hi;
    double *pred, *score, *prob, *F;
    size_t t0;
    int rc;
} trees__part_t;

static void *trees__part(void *arg)
{
    trees__part_t *a = arg;
    size_t K = ((const trees__state_t *)a->st->state)->nclasses, p_raw =
        ((const trees__state_t *)a->st->state)->p_raw;
    a->rc = trees__predict_rows(a->st, a->x + a->lo * p_raw, a->hi - a->lo, a->pred + a->lo,
                                a->score != NULL ? a->score + a->lo : NULL,
                                a->prob != NULL ? a->prob + a->lo * K : NULL,
                                a->F != NULL ? a->F + a->lo : NULL, a->t0);
    return NULL;
}

/* Boosting's margin cache for prefix scoring (use_trees m > 0): the margins of the rows at
 * x (n) after s->cdone trees, restarted when the rows or a smaller prefix are asked for.
 * Sets *F and *t0 for trees__predict_rows (NULL, 0 when off). 0 or -ENOMEM. */
static int trees__margin_cache(trees__state_t *s, const double *x, size_t n, double **F,
                               size_t *t0)
{
    *F = NULL;
    *t0 = 0;
    if (s->gbt == NULL || s->use == 0)
        return 0;
    if (s->cx != x || s->cn != n || s->cdone > s->use) {
        free(s->cF);
        if ((s->cF = calloc(n ? n : 1, sizeof *s->cF)) == NULL) {
            s->cx = NULL;
            return -ENOMEM;
        }
        s->cx = x;
        s->cn = n;
        s->cdone = 0;
    }
    *F = s->cF;
    *t0 = s->cdone;
    s->cdone = s->use; /* what the call adds (on failure the cache is dropped) */
    return 0;
}

/* Rows are independent: with threads (set_threads), contiguous shares of at least
 * TREES__CHUNK rows each go to threads of their own; the numbers are the same. */
int pt_stage_trees_predict(const pt_stage_fit_t *st, const double *x, size_t n, double *pred,
                           double *score, double *prob)
{
    trees__state_t *s = st->state;
    trees__part_t part[TREES__MAX_THREADS];
    size_t t = s->threads > 1 ? (size_t)s->threads : 1, t0;
    double *F;
    int rc = trees__margin_cache(s, x, n, &F, &t0);
    if (rc != 0)
        return rc;
    if (t > n / TREES__CHUNK)
        t = n / TREES__CHUNK;
    if (t > TREES__MAX_THREADS)
        t = TREES__MAX_THREADS;
    if (t <= 1) {
        rc = trees__predict_rows(st, x, n, pred, score, prob, F, t0);
    } else {
        for (size_t i = 0; i < t; i++)
            part[i] = (trees__part_t){st, x, n * i / t, n * (i + 1) / t, pred, score, prob,
                                      F, t0, 0};
        pt_run_each(part, t, sizeof *part, trees__part);
        for (size_t i = 0; i < t; i++)
            rc = rc != 0 ? rc : part[i].rc;
    }
    if (rc != 0)
        s->cx = NULL;
    return rc;
}

void pt_stage_trees_set_threads(pt_stage_fit_t *st, int threads)
{
    trees__state_t *s = st->state;
    s->threads = threads;
}

size_t pt_stage_trees_use(pt_stage_fit_t *st, size_t m)
{
    trees__state_t *s = st->state;
    /* boosting: the maxIter asked for, whose model is the first pt_gbt_kept(m) trees (the
     * early stop's; m itself without it) */
    size_t n = s->gbt != NULL ? pt_gbt_max_iter(s->gbt) : pt_forest_trees(s->forest);
    s->use = m == 0 || m > n ? 0 : s->gbt != NULL ? pt_gbt_kept(s->gbt, m) : m;
    if (m == 0) { /* the end of prefix scoring: boosting's margin cache goes */
        free(s->cF);
        s->cF = NULL;
        s->cx = NULL;
        s->cdone = 0;
    }
    return n;
}

/* ---------------------------------------------------------------- model file */

int pt_stage_trees_importances(const pt_stage_fit_t *st, double *imp)
{
    const trees__state_t *s = st->state;
    /* Spark's featureImportances over the tree features (numerics, then the categorical
     * columns) of the trees in use: boosting's without the per-tree normalisation */
    if (s->gbt != NULL)
        pt_gbt_importances(s->gbt, s->use, imp);
    else
        pt_forest_importances(s->forest, s->use, imp);
    return 0;
}

void pt_stage_trees_pack(const pt_stage_fit_t *st, msgpack_packer *pk)
{
    const trees__state_t *s = st->state;
    double *imp = calloc(st->p_in ? st->p_in : 1, sizeof *imp);
    pt_msgpack_kv_uint(pk, "raw_features", s->p_raw);
    pt_msgpack_kv_uint(pk, "numeric_features", s->p_num);
    pt_msgpack_kv_uint(pk, "num_classes", s->nclasses);
    pt_msgpack_pack_str(pk, "category_sizes");
    msgpack_pack_array(pk, s->ncat);
    for (size_t k = 0; k < s->ncat; k++)
        msgpack_pack_uint64(pk, s->cat_size[k]);
    pt_msgpack_pack_str(pk, "category_index");
    msgpack_pack_array(pk, s->ncat);
    for (size_t k = 0; k < s->ncat; k++) {
        msgpack_pack_array(pk, (size_t)s->cat_size[k]);
        for (size_t v = 0; v < s->cat_size[k]; v++)
            msgpack_pack_int32(pk, s->cat_index[k][v]);
    }
    pt_msgpack_kv_int32s(pk, "unseen_index", s->unseen, s->ncat);
    /* all zero if memory ran out (the model itself does not need them) */
    if (imp != NULL)
        pt_stage_trees_importances(st, imp);
    pt_msgpack_pack_str(pk, "feature_importances");
    msgpack_pack_array(pk, st->p_in);
    for (size_t j = 0; j < st->p_in; j++)
        msgpack_pack_double(pk, imp != NULL ? imp[j] : 0.0);
    free(imp);
    pt_msgpack_pack_str(pk, s->gbt != NULL ? "gbt" : "forest");
    if (s->gbt != NULL)
        pt_gbt_pack(s->gbt, pk);
    else
        pt_forest_pack(s->forest, pk);
}

/* category_index[k] of map o into s (cat_size[k] set). 0 or -EBADMSG / -ENOMEM with err. */
static int trees__unpack_index(trees__state_t *s, size_t k, const msgpack_object *a, char *err)
{
    size_t size = (size_t)s->cat_size[k];
    if (a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size != size) {
        pt_seterr(err, "category_index[%zu]: expected an array of %zu indices", k, size);
        return -EBADMSG;
    }
    if ((s->cat_index[k] = malloc((size ? size : 1) * sizeof **s->cat_index)) == NULL)
        return -ENOMEM;
    for (size_t v = 0; v < size; v++) {
        int64_t idx;
        char what[64];
        snprintf(what, sizeof what, "category_index[%zu][%zu]", k, v);
        if (pt_msgpack_to_int(&a->via.array.ptr[v], what, -1, (int64_t)size, &idx, err) != 0)
            return -EBADMSG;
        s->cat_index[k][v] = (int32_t)idx;
    }
    return 0;
}

/* The widths and categorical tables of map o into s. 0 or a negative errno with err. */
static int trees__unpack_layout(trees__state_t *s, const pt_stage_fit_t *st,
                                const msgpack_object *o, char *err)
{
    const msgpack_object *sz, *ix, *un;
    uint64_t v, cats = 0;
    int rc;
    if ((rc = pt_msgpack_get_uint(o, "raw_features", &v, err)) != 0)
        return rc;
    s->p_raw = (size_t)v;
    if ((rc = pt_msgpack_get_uint(o, "numeric_features", &v, err)) != 0)
        return rc;
    s->p_num = (size_t)v;
    if ((rc = pt_msgpack_get_uint(o, "num_classes", &v, err)) != 0)
        return rc;
    s->nclasses = (size_t)v;
    if ((sz = pt_msgpack_get_obj(o, "category_sizes", MSGPACK_OBJECT_ARRAY, err)) == NULL ||
        (ix = pt_msgpack_get_obj(o, "category_index", MSGPACK_OBJECT_ARRAY, err)) == NULL ||
        (un = pt_msgpack_get_obj(o, "unseen_index", MSGPACK_OBJECT_ARRAY, err)) == NULL)
        return -EBADMSG;
    s->ncat = sz->via.array.size;
    if (ix->via.array.size != s->ncat || un->via.array.size != s->ncat ||
        s->p_num + s->ncat != st->p_in || s->p_num > s->p_raw ||
        (trees__classifier(st->def) ? s->nclasses < 2 || s->nclasses > 100000 : s->nclasses)) {
        pt_seterr(err, "the tree's widths do not match (features %zu, categorical %zu)",
                  st->p_in, s->ncat);
        return -EBADMSG;
    }
    s->cat_size = calloc(s->ncat + 1, sizeof *s->cat_size);
    s->cat_index = calloc(s->ncat + 1, sizeof *s->cat_index);
    s->unseen = calloc(s->ncat + 1, sizeof *s->unseen);
    if (s->cat_size == NULL || s->cat_index == NULL || s->unseen == NULL)
        return -ENOMEM;
    for (size_t k = 0; k < s->ncat; k++) {
        int64_t u, x;
        if ((rc = pt_msgpack_to_int(&sz->via.array.ptr[k], "category_sizes", 1, 1 << 20, &u,
                                    err)) != 0 ||
            (rc = pt_msgpack_to_int(&un->via.array.ptr[k], "unseen_index", -1, 1 << 20, &x,
                                    err)) != 0)
            return rc;
        s->cat_size[k] = (uint64_t)u;
        cats += (uint64_t)u;
        s->unseen[k] = (int32_t)x;
        if ((rc = trees__unpack_index(s, k, &ix->via.array.ptr[k], err)) != 0)
            return rc;
    }
    if (s->p_num + cats != s->p_raw) {
        pt_seterr(err, "category_sizes: %llu indicator columns, expected %zu",
                  (unsigned long long)cats, s->p_raw - s->p_num);
        return -EBADMSG;
    }
    return 0;
}

int pt_stage_trees_unpack(pt_stage_fit_t *st, const msgpack_object *o, char *err)
{
    trees__state_t *s = calloc(1, sizeof *s);
    const msgpack_object *fo;
    size_t nt;
    int rc;
    st->state = s;
    if (s == NULL)
        return -ENOMEM;
    if ((rc = trees__unpack_layout(s, st, o, err)) != 0)
        return rc;
    fo = pt_msgpack_get_obj(o, trees__boosted(st->def) ? "gbt" : "forest", MSGPACK_OBJECT_MAP,
                            err);
    if (fo == NULL)
        return -EBADMSG;
    if ((rc = trees__boosted(st->def) ? pt_gbt_unpack(fo, &s->gbt, err)
                                      : pt_forest_unpack(fo, &s->forest, err)) != 0)
        return rc;
    if (s->gbt != NULL) { /* predict reads rows of p_in tree features: the trees must agree */
        size_t pn, p = pt_gbt_features(s->gbt, &pn);
        if (p != st->p_in || pn != s->p_num || pt_gbt_nclasses(s->gbt) != s->nclasses) {
            pt_seterr(err, "gbt: %zu features (%zu continuous), %zu classes; the stage has "
                      "%zu (%zu), %zu", p, pn, pt_gbt_nclasses(s->gbt), st->p_in, s->p_num,
                      s->nclasses);
            return -EBADMSG;
        }
    }
    if (s->forest != NULL) { /* the same for a forest: its trees index rows of p_in */
        size_t pn;
        pt_forest_arity(s->forest, &pn);
        if (pt_forest_features(s->forest) != st->p_in || pn != s->p_num ||
            pt_forest_nclasses(s->forest) != s->nclasses) {
            pt_seterr(err, "forest: %zu features (%zu continuous), %zu classes; the stage has "
                      "%zu (%zu), %zu", pt_forest_features(s->forest), pn,
                      pt_forest_nclasses(s->forest), st->p_in, s->p_num, s->nclasses);
            return -EBADMSG;
        }
    }
    if (s->nclasses > 0 &&
        (rc = trees__parse_thresholds(pt_stage_str(st, "thresholds"), &s->thresholds, &nt,
                                      err)) != 0)
        return -EBADMSG;
    if (s->thresholds != NULL && nt != s->nclasses) {
        pt_seterr(err, "thresholds: %zu values for %zu classes", nt, s->nclasses);
        return -EBADMSG;
    }
    st->p_out = st->r = 1;
    st->nclasses = s->nclasses;
    st->multinomial = s->nclasses > 2;
    st->converged = 1;
    return 0;
}

/* ---------------------------------------------------------------- checks against the data */

int pt_stage_trees_max_bins(const pt_stage_def_t *last, const pt_paramlist_t *full,
                            uint64_t *seed)
{
    pt_stage_fit_t fs = {.def = last, .params = *full}; /* borrows full */
    if (last == NULL || last->predict != pt_stage_trees_predict)
        return 0;
    if (seed != NULL)
        *seed = (uint64_t)(int64_t)pt_stage_num(&fs, "seed", 0);
    return (int)pt_stage_num(&fs, "maxBins", 32);
}

/* One thread's rows [lo, hi) of the codes. */
typedef struct {
    const pt_bins_t *b;
    trees__rows_t *rows;
    size_t n, lo, hi;
    void *dst;
} trees__coder_t;

static void *trees__code_part(void *arg)
{
    trees__coder_t *c = arg;
    pt_bins_code(c->b, trees__row, c->rows, c->n, c->lo, c->hi, c->dst);
    return NULL;
}

/* The codes of the n rows into dst, in contiguous ranges of at least 4096 rows on up to
 * threads threads (pt_bins_code writes each range's bytes only). */
static void trees__code(const pt_bins_t *b, trees__rows_t *rows, size_t n, void *dst,
                        int threads)
{
    trees__coder_t part[TREES__MAX_THREADS];
    size_t t = threads > 1 ? (size_t)threads : 1;
    if (t > n / 4096)
        t = n / 4096 > 0 ? n / 4096 : 1;
    if (t > TREES__MAX_THREADS)
        t = TREES__MAX_THREADS;
    for (size_t i = 0; i < t; i++)
        part[i] = (trees__coder_t){b, rows, n, n * i / t, n * (i + 1) / t, dst};
    pt_run_each(part, t, sizeof *part, trees__code_part);
}

int pt_stage_trees_bins(const pt_stage_rows_t *r, int max_bins, uint64_t seed,
                        pt_bins_t *out, size_t *n, void *(*dst)(void *arg, size_t bytes),
                        void *dst_arg, char *err)
{
    size_t *start = calloc(r->nblocks + 1, sizeof *start), cats = 0;
    trees__rows_t rows;
    double *w = NULL;
    void *to;
    int rc = 0;
    memset(out, 0, sizeof *out);
    if (start == NULL || trees__weights(r->blocks, r->nblocks, start, &w) != 0) {
        free(start);
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    for (size_t k = 0; k < r->ncat; k++)
        cats += (size_t)r->cat_size[k];
    *n = start[r->nblocks];
    rows = (trees__rows_t){r->blocks, r->nblocks, start, r->p_raw, r->p_raw - cats, r->ncat,
                           r->cat_size};
    if ((rc = pt_bins_find(trees__row, &rows, *n, rows.p_num, r->ncat, r->cat_size, w,
                           max_bins, seed, out, err)) != 0)
        goto out;
    if (dst != NULL) {
        if ((to = dst(dst_arg, pt_bins_code_bytes(out, *n))) == NULL) {
            pt_seterr(err, "no memory for the codes of %zu rows", *n);
            rc = -ENOMEM;
            goto out;
        }
        trees__code(out, &rows, *n, to, r->threads);
    }
out:
    if (rc != 0)
        pt_bins_free(out);
    free(w);
    free(start);
    return rc;
}

int pt_stage_trees_check_data(const pt_stage_def_t *last, const pt_paramlist_t *full,
                              size_t ncat, const uint64_t *cat_size, char *const *names,
                              size_t nclasses, char *err)
{
    const pt_value_t *hi = pt_paramlist_get(full, "stringIndexer.handleInvalid");
    pt_stage_fit_t fs = {.def = last, .params = *full}; /* borrows full */
    int keep = hi != NULL && hi->str != NULL && strcmp(hi->str, "keep") == 0;
    int max_bins = pt_stage_trees_max_bins(last, full, NULL);
    double *t = NULL;
    size_t nt = 0;
    if (max_bins == 0)
        return 0;
    for (size_t k = 0; k < ncat; k++)
        if ((uint64_t)max_bins < cat_size[k] + (keep ? 1 : 0)) {
            pt_seterr(err, "%s.maxBins: %d is below the %llu categories of categorical column "
                      "\"%s\"%s (maxBins must be >= the arity of every categorical feature)",
                      last->name, max_bins, (unsigned long long)(cat_size[k] + (keep ? 1 : 0)),
                      names != NULL ? names[k] : "?", keep ? " with handleInvalid keep" : "");
            return -EINVAL;
        }
    if (!trees__classifier(last))
        return 0;
    if (trees__boosted(last) && nclasses > 2) {
        pt_seterr(err, "%s: Spark's GBT is binary only (the label has %zu classes); use "
                  "randomForestClassifier", last->name, nclasses);
        return -EINVAL;
    }
    if (trees__parse_thresholds(pt_stage_str(&fs, "thresholds"), &t, &nt, err) != 0)
        return -EINVAL;
    free(t);
    if (nt > 0 && nt != (nclasses > 2 ? nclasses : 2)) {
        pt_seterr(err, "%s.thresholds: %zu values, but the label has %zu classes", last->name,
                  nt, nclasses > 2 ? nclasses : 2);
        return -EINVAL;
    }
    return 0;
}

/* ---------------------------------------------------------------- descriptors */

#define TREES__DEF(var, spark, role_, list, prefix)                                           \
    const pt_stage_def_t var = {                                                              \
        .name = spark, .role = role_, PT_STAGE_PARAMS(list), PT_STAGE_TREE_OPS,               \
        .check = pt_stage_trees_check, .prefix_param = prefix,                                \
    }

TREES__DEF(pt_stage_dtc, "decisionTreeClassifier", PT_STAGE_CLASSIFIER, trees__dtc_params, NULL);
TREES__DEF(pt_stage_dtr, "decisionTreeRegressor", PT_STAGE_REGRESSOR, trees__dtr_params, NULL);
TREES__DEF(pt_stage_rfc, "randomForestClassifier", PT_STAGE_CLASSIFIER, trees__rfc_params,
           "numTrees");
TREES__DEF(pt_stage_rfr, "randomForestRegressor", PT_STAGE_REGRESSOR, trees__rfr_params,
           "numTrees");

double pt_stage_trees_work(const pt_stage_fit_t *st, size_t p)
{
    /* per feature and bin: the gradient / weight / count sums of a node and its two
     * children, and the bin's threshold; one set per learner thread */
    double bins = pt_stage_num(st, "maxBins", 32) + 1;
    return 8.0 * (double)p * bins * sizeof(double);
}

double pt_stage_trees_cost(const pt_stage_fit_t *st, size_t n, size_t p)
{
    /* One tree at depth d on n rows of f candidate features, in ms, fitted to the per-tree
     * times of one boost on 133,333 x 30 (3.1 + 0.83 d + 0.039 x 2^d at 32 bins: a level's
     * histogram pass over the rows, and its nodes' split searches over the bins); levels
     * stop at log2 n (a node needs rows). */
    const char *prefix = st->def->prefix_param, *fss = NULL;
    double trees = prefix != NULL ? pt_stage_num(st, prefix, 20) : 1;
    double depth = pt_stage_num(st, "maxDepth", 5), bins = pt_stage_num(st, "maxBins", 32);
    double rows = (double)n, f = p > 0 ? (double)p : 1;
    size_t count = 0;
    char err[PT_ERRLEN];
    if (pt_stage_param(st->def, "subsamplingRate") != NULL) /* as trees__params reads it */
        fss = pt_stage_str(st, "featureSubsetStrategy");
    if (pt_stage_param(st->def, "subsamplingRate") != NULL && p > 0 &&
        pt_forest_subset(fss != NULL ? fss : "auto", p, trees__classifier(st->def),
                         trees__forest(st->def) ? (int)trees : 1, &count, err) == 0 &&
        count > 0)
        f = (double)count;
    if (rows >= 2 && depth > log2(rows))
        depth = floor(log2(rows));
    if (bins > rows)
        bins = rows;
    return trees * f / 30 *
           (rows / 133333 * (3.1 + 0.83 * depth) + 0.039 * exp2(depth) * bins / 32);
}
