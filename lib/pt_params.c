/* pt_params.c - stage registry, pipeline parsing, grid axes and param map enumeration.
 *
 * The registry is a static table; adding a stage means adding its row here and its fit in
 * pt_pipeline.c.
 */
#include "pt_params.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"

static const pt_param_def_t pca_params[] = {
    {"k", PT_VAL_INT, 1, 0, 1, 1e9, "number of principal components"},
};

static const pt_param_def_t linreg_params[] = {
    {"regParam", PT_VAL_DOUBLE, 0, 0.0, 0.0, INFINITY, "regularization parameter"},
    {"elasticNetParam", PT_VAL_DOUBLE, 0, 0.0, 0.0, 1.0, "L1 share of the penalty"},
    {"maxIter", PT_VAL_INT, 0, 100, 0, 1e9, "maximum iterations of the iterative solver"},
    {"tol", PT_VAL_DOUBLE, 0, 1e-6, 0.0, INFINITY, "convergence tolerance"},
    {"fitIntercept", PT_VAL_BOOL, 0, 1, 0, 1, "fit an intercept term"},
    {"standardization", PT_VAL_BOOL, 0, 1, 0, 1, "standardize features before fitting"},
};

static const pt_stage_def_t stages[] = {
    {"pca", PT_STAGE_TRANSFORMER, pca_params, sizeof pca_params / sizeof pca_params[0]},
    {"linearRegression", PT_STAGE_PREDICTOR, linreg_params,
     sizeof linreg_params / sizeof linreg_params[0]},
};
#define NSTAGES (sizeof stages / sizeof stages[0])

#define MAX_STAGES 16
#define MAX_AXES 32

typedef struct {
    size_t stage;                /* position in the pipeline */
    const pt_param_def_t *def;
    char *key;                   /* "stage.param" */
    pt_value_t *values;
    size_t nvalues;
    char *arg;                   /* the option text, for messages */
} axis_t;

struct pt_spec {
    const pt_stage_def_t *stage[MAX_STAGES];
    size_t nstages;
    axis_t axes[MAX_AXES];       /* grid axes, then fixed params (nvalues 1) */
    size_t naxes;                /* grid axes */
    axis_t fixed[MAX_AXES];
    size_t nfixed;
};

const pt_stage_def_t *pt_stage_lookup(const char *name)
{
    for (size_t i = 0; i < NSTAGES; i++)
        if (strcmp(stages[i].name, name) == 0)
            return &stages[i];
    return NULL;
}

const char *pt_stage_names(void)
{
    return "pca, linearRegression";
}

const pt_param_def_t *pt_stage_param(const pt_stage_def_t *s, const char *name)
{
    for (size_t i = 0; i < s->nparams; i++)
        if (strcmp(s->params[i].name, name) == 0)
            return &s->params[i];
    return NULL;
}

pt_spec_t *pt_spec_new(const char *pipeline, char *err)
{
    pt_spec_t *s = NULL;
    char *copy = NULL, *tok, *save = NULL;

    if (pipeline == NULL || *pipeline == '\0') {
        pt_seterr(err, "--pipeline: empty pipeline (stages: %s)", pt_stage_names());
        return NULL;
    }
    s = calloc(1, sizeof *s);
    copy = strdup(pipeline);
    if (s == NULL || copy == NULL) {
        pt_seterr(err, "out of memory");
        goto error;
    }
    for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        const pt_stage_def_t *d = pt_stage_lookup(tok);
        if (d == NULL) {
            pt_seterr(err, "--pipeline: unknown stage \"%s\" (stages: %s)", tok,
                      pt_stage_names());
            goto error;
        }
        for (size_t i = 0; i < s->nstages; i++)
            if (s->stage[i] == d) {
                pt_seterr(err, "--pipeline: stage \"%s\" appears twice", tok);
                goto error;
            }
        if (s->nstages == MAX_STAGES) {
            pt_seterr(err, "--pipeline: more than %d stages", MAX_STAGES);
            goto error;
        }
        s->stage[s->nstages++] = d;
    }
    if (s->nstages == 0) {
        pt_seterr(err, "--pipeline: empty pipeline (stages: %s)", pt_stage_names());
        goto error;
    }
    for (size_t i = 0; i < s->nstages; i++) {
        int last = i + 1 == s->nstages;
        if ((s->stage[i]->role == PT_STAGE_PREDICTOR) != last) {
            pt_seterr(err, "--pipeline: \"%s\": the pipeline must end with exactly one "
                      "predictor (linearRegression) after its transformers", pipeline);
            goto error;
        }
    }
    free(copy);
    return s;
error:
    free(copy);
    free(s);
    return NULL;
}

static void axis_free(axis_t *a)
{
    for (size_t i = 0; i < a->nvalues; i++)
        free(a->values[i].str);
    free(a->values);
    free(a->key);
    free(a->arg);
    memset(a, 0, sizeof *a);
}

void pt_spec_destroy(pt_spec_t **ps)
{
    if (ps == NULL || *ps == NULL)
        return;
    for (size_t i = 0; i < (*ps)->naxes; i++)
        axis_free(&(*ps)->axes[i]);
    for (size_t i = 0; i < (*ps)->nfixed; i++)
        axis_free(&(*ps)->fixed[i]);
    free(*ps);
    *ps = NULL;
}

int pt_param_parse(const pt_param_def_t *def, const char *key, const char *text,
                   pt_value_t *out, char *err)
{
    double v;
    memset(out, 0, sizeof *out);
    out->type = def->type;
    if (def->type == PT_VAL_BOOL) {
        if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
            out->num = 1;
        else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
            out->num = 0;
        else {
            pt_seterr(err, "%s: expected true or false, got \"%s\"", key, text);
            return -EINVAL;
        }
        return 0;
    }
    if (pt_parse_double(text, &v) != 0) {
        pt_seterr(err, "%s: not a number: \"%s\"", key, text);
        return -EINVAL;
    }
    if (def->type == PT_VAL_INT && (v != floor(v) || fabs(v) > 1e15)) {
        pt_seterr(err, "%s: expected an integer, got \"%s\"", key, text);
        return -EINVAL;
    }
    if (v < def->lo || v > def->hi) {
        if (isinf(def->hi))
            pt_seterr(err, "%s: must be >= %g, got %s", key, def->lo, text);
        else
            pt_seterr(err, "%s: must be in [%g, %g], got %s", key, def->lo, def->hi, text);
        return -EINVAL;
    }
    out->num = v;
    return 0;
}

/* Splits "stage.param=rest" and resolves stage and param. */
static int parse_key(const pt_spec_t *s, const char *opt, const char *arg, axis_t *a,
                     const char **rest, char *err)
{
    const char *eq = strchr(arg, '='), *dot;
    char stage[128], param[128];
    const pt_stage_def_t *d = NULL;
    size_t i;

    dot = eq ? memchr(arg, '.', (size_t)(eq - arg)) : NULL;
    if (eq == NULL || dot == NULL || dot == arg || dot + 1 == eq ||
        (size_t)(dot - arg) >= sizeof stage || (size_t)(eq - dot - 1) >= sizeof param) {
        pt_seterr(err, "%s %s: expected stage.param=value", opt, arg);
        return -EINVAL;
    }
    memcpy(stage, arg, (size_t)(dot - arg));
    stage[dot - arg] = '\0';
    memcpy(param, dot + 1, (size_t)(eq - dot - 1));
    param[eq - dot - 1] = '\0';
    for (i = 0; i < s->nstages; i++)
        if (strcmp(s->stage[i]->name, stage) == 0) {
            d = s->stage[i];
            break;
        }
    if (d == NULL) {
        pt_seterr(err, "%s %s: stage \"%s\" is not in the pipeline", opt, arg, stage);
        return -EINVAL;
    }
    a->stage = i;
    a->def = pt_stage_param(d, param);
    if (a->def == NULL) {
        char names[256] = "";
        for (size_t j = 0; j < d->nparams; j++) {
            strncat(names, j ? ", " : "", sizeof names - strlen(names) - 1);
            strncat(names, d->params[j].name, sizeof names - strlen(names) - 1);
        }
        pt_seterr(err, "%s %s: unknown param \"%s\" of %s (params: %s)", opt, arg, param,
                  stage, names);
        return -EINVAL;
    }
    a->key = strndup(arg, (size_t)(eq - arg));
    a->arg = strdup(arg);
    if (a->key == NULL || a->arg == NULL) {
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    *rest = eq + 1;
    return 0;
}

static int key_taken(const pt_spec_t *s, const char *key)
{
    for (size_t i = 0; i < s->naxes; i++)
        if (strcmp(s->axes[i].key, key) == 0)
            return 1;
    for (size_t i = 0; i < s->nfixed; i++)
        if (strcmp(s->fixed[i].key, key) == 0)
            return 2;
    return 0;
}

static int add_values(pt_spec_t *s, const char *opt, const char *arg, int fixed, char *err)
{
    axis_t a;
    const char *rest = NULL;
    char *copy = NULL, *tok, *save = NULL, ctx[320];
    int rc, taken;

    memset(&a, 0, sizeof a);
    if ((fixed ? s->nfixed : s->naxes) == MAX_AXES) {
        pt_seterr(err, "%s %s: more than %d such options", opt, arg, MAX_AXES);
        return -EINVAL;
    }
    if ((rc = parse_key(s, opt, arg, &a, &rest, err)) != 0)
        goto error;
    if ((taken = key_taken(s, a.key)) != 0) {
        pt_seterr(err, "%s %s: %s is already %s", opt, arg, a.key,
                  taken == 2 ? "fixed by --set"
                  : fixed    ? "a grid axis"
                             : "a grid axis (--grid names it twice)");
        rc = -EINVAL;
        goto error;
    }
    copy = strdup(rest);
    if (copy == NULL) {
        rc = -ENOMEM;
        pt_seterr(err, "out of memory");
        goto error;
    }
    snprintf(ctx, sizeof ctx, "%s %s", opt, arg);
    for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        pt_value_t v, *nv;
        if (fixed && a.nvalues == 1) {
            pt_seterr(err, "%s: --set takes one value (use --grid for several)", ctx);
            rc = -EINVAL;
            goto error;
        }
        if ((rc = pt_param_parse(a.def, ctx, tok, &v, err)) != 0)
            goto error;
        for (size_t j = 0; j < a.nvalues; j++)
            if (a.values[j].num == v.num) {
                pt_seterr(err, "%s: value %s appears twice", ctx, tok);
                rc = -EINVAL;
                goto error;
            }
        nv = realloc(a.values, (a.nvalues + 1) * sizeof *nv);
        if (nv == NULL) {
            rc = -ENOMEM;
            pt_seterr(err, "out of memory");
            goto error;
        }
        a.values = nv;
        a.values[a.nvalues++] = v;
    }
    if (a.nvalues == 0) {
        pt_seterr(err, "%s %s: no value", opt, arg);
        rc = -EINVAL;
        goto error;
    }
    free(copy);
    if (fixed)
        s->fixed[s->nfixed++] = a;
    else
        s->axes[s->naxes++] = a;
    return 0;
error:
    free(copy);
    axis_free(&a);
    return rc;
}

int pt_spec_add_axis(pt_spec_t *s, const char *arg, char *err)
{
    return add_values(s, "--grid", arg, 0, err);
}

int pt_spec_set(pt_spec_t *s, const char *arg, char *err)
{
    return add_values(s, "--set", arg, 1, err);
}

size_t pt_spec_nstages(const pt_spec_t *s)
{
    return s->nstages;
}

const char *pt_spec_stage(const pt_spec_t *s, size_t i)
{
    return s->stage[i]->name;
}

size_t pt_spec_nmaps(const pt_spec_t *s)
{
    size_t n = 1;
    for (size_t i = 0; i < s->naxes; i++)
        n *= s->axes[i].nvalues;
    return n;
}

/* Value index of axis a in map i: the last axis varies fastest. */
static size_t axis_pos(const pt_spec_t *s, size_t a, size_t i)
{
    size_t stride = 1;
    for (size_t j = s->naxes; j-- > a + 1;)
        stride *= s->axes[j].nvalues;
    return (i / stride) % s->axes[a].nvalues;
}

int pt_spec_map(const pt_spec_t *s, size_t i, pt_paramlist_t *out)
{
    for (size_t a = 0; a < s->naxes; a++)
        if (pt_paramlist_set(out, s->axes[a].key, &s->axes[a].values[axis_pos(s, a, i)]))
            return -ENOMEM;
    for (size_t f = 0; f < s->nfixed; f++)
        if (pt_paramlist_set(out, s->fixed[f].key, &s->fixed[f].values[0]))
            return -ENOMEM;
    return 0;
}

/* The value axis/fixed entry gives key in map i, or NULL when neither sets it. */
static const pt_value_t *lookup(const pt_spec_t *s, size_t i, size_t stage,
                                const pt_param_def_t *def, const char **arg)
{
    for (size_t a = 0; a < s->naxes; a++)
        if (s->axes[a].stage == stage && s->axes[a].def == def) {
            *arg = s->axes[a].arg;
            return &s->axes[a].values[axis_pos(s, a, i)];
        }
    for (size_t f = 0; f < s->nfixed; f++)
        if (s->fixed[f].stage == stage && s->fixed[f].def == def) {
            *arg = s->fixed[f].arg;
            return &s->fixed[f].values[0];
        }
    return NULL;
}

int pt_spec_full(const pt_spec_t *s, size_t i, pt_paramlist_t *out)
{
    char key[256];
    for (size_t st = 0; st < s->nstages; st++) {
        const pt_stage_def_t *d = s->stage[st];
        for (size_t j = 0; j < d->nparams; j++) {
            const char *arg = NULL;
            const pt_value_t *v = lookup(s, i, st, &d->params[j], &arg);
            pt_value_t dv = {d->params[j].type, d->params[j].def, NULL};
            snprintf(key, sizeof key, "%s.%s", d->name, d->params[j].name);
            if (v == NULL && d->params[j].required)
                continue; /* pt_spec_check refuses such a spec */
            if (pt_paramlist_set(out, key, v ? v : &dv))
                return -ENOMEM;
        }
    }
    return 0;
}

int pt_spec_check(const pt_spec_t *s, size_t features, char *err)
{
    for (size_t st = 0; st < s->nstages; st++) {
        const pt_stage_def_t *d = s->stage[st];
        for (size_t j = 0; j < d->nparams; j++) {
            const char *arg = NULL;
            if (d->params[j].required && lookup(s, 0, st, &d->params[j], &arg) == NULL) {
                pt_seterr(err, "%s.%s has no default: give it with --set or --grid", d->name,
                          d->params[j].name);
                return -EINVAL;
            }
        }
    }
    for (size_t i = 0; i < pt_spec_nmaps(s); i++) {
        size_t width = features;
        for (size_t st = 0; st < s->nstages; st++) {
            const pt_stage_def_t *d = s->stage[st];
            if (strcmp(d->name, "pca") == 0) {
                const char *arg = NULL;
                const pt_value_t *k = lookup(s, i, st, pt_stage_param(d, "k"), &arg);
                if ((size_t)k->num > width) {
                    pt_seterr(err, "%s: pca.k must be <= %zu (the %s), got %.0f",
                              arg, width, st == 0 ? "number of features" : "stage's input width",
                              k->num);
                    return -EINVAL;
                }
                width = (size_t)k->num;
            }
        }
    }
    return 0;
}
