/* pt_params.c - pipeline parsing, grid axes and param map enumeration.
 *
 * Stages are found in the stage table (pt_stage.c) by name; nothing here knows a stage.
 */
#include "pt_params.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"

#define MAX_STAGES 16
#define MAX_AXES 32

typedef struct {
    size_t stage;                /* position in the pipeline */
    const pt_param_def_t *def;
    char *key;                   /* "stage.param" */
    pt_value_t *values;
    size_t nvalues;
    char *arg;                   /* the option text, for messages */
    int dist;                    /* random axes: DIST_* */
    double lo, hi;               /* random axes: uniform / loguniform bounds */
} axis_t;

enum { DIST_NONE = 0, DIST_UNIFORM, DIST_LOGUNIFORM, DIST_CHOICE };

/* 1 when the comma-separated list has an empty item: "1,,2", ",1", "1,". strtok_r, which
 * cuts the lists, would skip it silently. */
static int empty_item(const char *list)
{
    size_t n = strlen(list);
    return n == 0 || list[0] == ',' || list[n - 1] == ',' || strstr(list, ",,") != NULL;
}

struct pt_spec {
    const pt_stage_def_t *stage[MAX_STAGES];
    size_t nstages;
    axis_t axes[MAX_AXES];       /* grid axes, then fixed params (nvalues 1) */
    size_t naxes;                /* grid axes */
    axis_t fixed[MAX_AXES];
    size_t nfixed;
    axis_t rnd[MAX_AXES];        /* random-search axes (--random) */
    size_t nrnd;
    size_t samples;              /* --samples: maps drawn per grid point */
    uint64_t seed;
};

pt_spec_t *pt_spec_new(const char *pipeline, char *err)
{
    pt_spec_t *s = NULL;
    char *copy = NULL, *tok, *save = NULL;

    if (pipeline == NULL || *pipeline == '\0') {
        pt_seterr(err, "--pipeline: empty pipeline (stages: %s)", pt_stage_names());
        return NULL;
    }
    if (empty_item(pipeline)) {
        pt_seterr(err, "--pipeline %s: an empty stage name (stages are separated by single "
                  "commas)", pipeline);
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
        if ((s->stage[i]->role != PT_STAGE_TRANSFORMER) != last) {
            pt_seterr(err, "--pipeline: \"%s\": the pipeline must end with exactly one "
                      "predictor (%s) after its transformers", pipeline,
                      pt_stage_predictor_names());
            goto error;
        }
    }
    for (size_t i = 1; i < s->nstages; i++)
        if (s->stage[i]->predict != NULL && s->stage[i - 1]->categorical != 1) {
            pt_seterr(err, "--pipeline: \"%s\": only stringIndexer may stand before %s (a "
                      "tree needs no scaling; pca, oneHotEncoder and imputer are not "
                      "supported before trees)", pipeline, s->stage[i]->name);
            goto error;
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
    for (size_t i = 0; i < (*ps)->nrnd; i++)
        axis_free(&(*ps)->rnd[i]);
    free(*ps);
    *ps = NULL;
}

int pt_param_parse(const pt_param_def_t *def, const char *key, const char *text,
                   pt_value_t *out, char *err)
{
    double v;
    memset(out, 0, sizeof *out);
    out->type = def->type;
    if (def->type == PT_VAL_STRING) {
        const char *c = def->choices;
        size_t len = strlen(text);
        while (c != NULL && *c != '\0') {
            const char *bar = strchr(c, '|');
            size_t n = bar ? (size_t)(bar - c) : strlen(c);
            if ((n == len && strncmp(c, text, n) == 0) || (n == 1 && *c == '*')) {
                /* "*": any text, which the stage's check judges */
                out->str = strdup(text);
                return out->str ? 0 : -ENOMEM;
            }
            c = bar ? bar + 1 : NULL;
        }
        pt_seterr(err, "%s: expected one of %s, got \"%s\"", key, def->choices, text);
        return -EINVAL;
    }
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
    if (a->def == NULL && strcmp(param, "weightCol") == 0) {
        /* Spark's weightCol names a column: paratune's column roles are data options */
        pt_seterr(err, "%s %s: row weights are a column of the data, given with --weight-col "
                  "NAME (Spark's weightCol), not a param", opt, arg);
        return -EINVAL;
    }
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
    for (size_t i = 0; i < s->nrnd; i++)
        if (strcmp(s->rnd[i].key, key) == 0)
            return 3;
    for (size_t i = 0; i < s->naxes; i++)
        if (strcmp(s->axes[i].key, key) == 0)
            return 1;
    for (size_t i = 0; i < s->nfixed; i++)
        if (strcmp(s->fixed[i].key, key) == 0)
            return 2;
    return 0;
}

static int same_value(const pt_value_t *a, const pt_value_t *b)
{
    return a->num == b->num && (a->type != PT_VAL_STRING || strcmp(a->str, b->str) == 0);
}

static int cmp_value_at(const void *pa, const void *pb, void *arg)
{
    const pt_value_t *v = arg;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    int r = (v[a].num > v[b].num) - (v[a].num < v[b].num);
    if (r == 0 && v[a].type == PT_VAL_STRING)
        r = strcmp(v[a].str, v[b].str);
    return r != 0 ? r : (a > b) - (a < b);
}

/* The first value (in the order given) equal to an earlier one, or -1. Sorting makes this
 * n log n: a grid axis may hold tens of thousands of values. */
static ssize_t first_repeat(const pt_value_t *v, size_t n)
{
    size_t *ord = n > 1 ? malloc(n * sizeof *ord) : NULL;
    ssize_t first = -1;
    if (ord == NULL) { /* one value, or no memory for the index: compare pairwise */
        for (size_t i = 1; i < n && first < 0; i++)
            for (size_t j = 0; j < i && first < 0; j++)
                if (same_value(&v[i], &v[j]))
                    first = (ssize_t)i;
        return first;
    }
    for (size_t i = 0; i < n; i++)
        ord[i] = i;
    qsort_r(ord, n, sizeof *ord, cmp_value_at, (void *)v);
    for (size_t i = 1; i < n; i++) {
        size_t a = ord[i - 1], b = ord[i];
        if (same_value(&v[a], &v[b]) && (first < 0 || (ssize_t)b < first))
            first = (ssize_t)b; /* sorted by index within equal values: b repeats a */
    }
    free(ord);
    return first;
}

static int add_values(pt_spec_t *s, const char *opt, const char *arg, int fixed, char *err)
{
    axis_t a;
    const char *rest = NULL;
    char *copy = NULL, *tok, *save = NULL, ctx[320];
    const char **toks = NULL; /* each value's text, for the message about a repeat */
    size_t cap = 0;
    ssize_t dup;
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
                  taken == 2   ? "fixed by --set"
                  : taken == 3 ? "drawn by --random"
                  : fixed      ? "a grid axis"
                               : "a grid axis (--grid names it twice)");
        rc = -EINVAL;
        goto error;
    }
    if (*rest != '\0' && empty_item(rest)) {
        pt_seterr(err, "%s %s: an empty value (values are separated by single commas)", opt,
                  arg);
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
        if (a.nvalues == cap) {
            const char **nt = realloc(toks, (cap * 2 + 8) * sizeof *nt);
            nv = realloc(a.values, (cap * 2 + 8) * sizeof *nv);
            if (nt != NULL)
                toks = nt;
            if (nv != NULL)
                a.values = nv;
            if (nt == NULL || nv == NULL) {
                free(v.str);
                rc = -ENOMEM;
                pt_seterr(err, "out of memory");
                goto error;
            }
            cap = cap * 2 + 8;
        }
        toks[a.nvalues] = tok;
        a.values[a.nvalues++] = v;
    }
    if ((dup = first_repeat(a.values, a.nvalues)) >= 0) {
        pt_seterr(err, "%s: value %s appears twice", ctx, toks[dup]);
        rc = -EINVAL;
        goto error;
    }
    if (a.nvalues == 0) {
        pt_seterr(err, "%s %s: no value", opt, arg);
        rc = -EINVAL;
        goto error;
    }
    free(copy);
    free(toks);
    if (fixed)
        s->fixed[s->nfixed++] = a;
    else
        s->axes[s->naxes++] = a;
    return 0;
error:
    free(copy);
    free(toks);
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

pt_stage_role_t pt_spec_predictor_role(const pt_spec_t *s)
{
    return s->stage[s->nstages - 1]->role;
}

size_t pt_spec_nstages(const pt_spec_t *s)
{
    return s->nstages;
}

const char *pt_spec_stage(const pt_spec_t *s, size_t i)
{
    return s->stage[i]->name;
}

static size_t nsamples(const pt_spec_t *s)
{
    return s->nrnd > 0 && s->samples > 0 ? s->samples : 1; /* 0 (never set): one draw */
}

size_t pt_spec_nmaps(const pt_spec_t *s)
{
    size_t n = nsamples(s);
    for (size_t i = 0; i < s->naxes; i++)
        n = n > SIZE_MAX / s->axes[i].nvalues ? SIZE_MAX : n * s->axes[i].nvalues;
    return n;
}

int pt_spec_add_random(pt_spec_t *s, const char *arg, char *err)
{
    axis_t a;
    const char *rest = NULL;
    char ctx[320];
    int rc;

    memset(&a, 0, sizeof a);
    if (s->nrnd == MAX_AXES) {
        pt_seterr(err, "--random %s: more than %d such options", arg, MAX_AXES);
        return -EINVAL;
    }
    if ((rc = parse_key(s, "--random", arg, &a, &rest, err)) != 0)
        goto error;
    snprintf(ctx, sizeof ctx, "--random %s", arg);
    if (key_taken(s, a.key)) {
        pt_seterr(err, "%s: %s is already a grid axis, fixed, or drawn", ctx, a.key);
        rc = -EINVAL;
        goto error;
    }
    if (strncmp(rest, "choice:", 7) == 0 && rest[7] != '\0' && empty_item(rest + 7)) {
        pt_seterr(err, "%s: an empty value (values are separated by single commas)", ctx);
        rc = -EINVAL;
        goto error;
    }
    if (strncmp(rest, "choice:", 7) == 0) {
        char *copy = strdup(rest + 7), *tok, *save = NULL;
        a.dist = DIST_CHOICE;
        for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok != NULL;
             tok = strtok_r(NULL, ",", &save)) {
            pt_value_t v, *nv;
            if ((rc = pt_param_parse(a.def, ctx, tok, &v, err)) != 0) {
                free(copy);
                goto error;
            }
            nv = realloc(a.values, (a.nvalues + 1) * sizeof *nv);
            if (nv == NULL) {
                free(v.str);
                free(copy);
                rc = -ENOMEM;
                pt_seterr(err, "out of memory");
                goto error;
            }
            a.values = nv;
            a.values[a.nvalues++] = v;
        }
        free(copy);
        if (a.nvalues == 0) {
            pt_seterr(err, "%s: choice: needs at least one value", ctx);
            rc = -EINVAL;
            goto error;
        }
    } else {
        char lo[64], hi[64], extra;
        pt_value_t vl, vh;
        int log = strncmp(rest, "loguniform:", 11) == 0;
        if (!log && strncmp(rest, "uniform:", 8) != 0) {
            pt_seterr(err, "%s: expected uniform:LO:HI, loguniform:LO:HI or choice:A,B,...",
                      ctx);
            rc = -EINVAL;
            goto error;
        }
        if (a.def->type != PT_VAL_INT && a.def->type != PT_VAL_DOUBLE) {
            pt_seterr(err, "%s: %s is not numeric; use choice:", ctx, a.key);
            rc = -EINVAL;
            goto error;
        }
        if (sscanf(rest + (log ? 11 : 8), "%63[^:]:%63[^:]%c", lo, hi, &extra) != 2) {
            pt_seterr(err, "%s: expected %s:LO:HI", ctx, log ? "loguniform" : "uniform");
            rc = -EINVAL;
            goto error;
        }
        if ((rc = pt_param_parse(a.def, ctx, lo, &vl, err)) != 0 ||
            (rc = pt_param_parse(a.def, ctx, hi, &vh, err)) != 0)
            goto error;
        if (!(vl.num < vh.num) || (log && !(vl.num > 0))) {
            pt_seterr(err, "%s: needs LO < HI%s", ctx, log ? " and LO > 0" : "");
            rc = -EINVAL;
            goto error;
        }
        a.dist = log ? DIST_LOGUNIFORM : DIST_UNIFORM;
        a.lo = vl.num;
        a.hi = vh.num;
    }
    s->rnd[s->nrnd++] = a;
    return 0;
error:
    axis_free(&a);
    return rc;
}

void pt_spec_set_samples(pt_spec_t *s, size_t samples, uint64_t seed)
{
    s->samples = samples;
    s->seed = seed;
}

/* The value random axis r takes in sample `sample`: a splitmix64 stream seeded from the
 * seed, the sample and the axis, so a map's values do not depend on the other axes. */
static void draw(const pt_spec_t *s, size_t r, size_t sample, pt_value_t *out)
{
    const axis_t *a = &s->rnd[r];
    uint64_t st = s->seed ^ (0x5241ULL << 48) ^ ((uint64_t)sample * 0x9e3779b97f4a7c15ULL) ^
                  ((uint64_t)(r + 1) * 0xc2b2ae3d27d4eb4fULL);
    double u;
    pt_rng_next(&st);
    u = pt_rng_uniform(&st);
    memset(out, 0, sizeof *out);
    out->type = a->def->type;
    if (a->dist == DIST_CHOICE) {
        size_t k = (size_t)(u * (double)a->nvalues);
        *out = a->values[k < a->nvalues ? k : a->nvalues - 1];
        return;
    }
    if (a->def->type == PT_VAL_INT) {
        if (a->dist == DIST_UNIFORM) {
            out->num = a->lo + floor(u * (a->hi - a->lo + 1));
        } else {
            double l = log(a->lo), h = log(a->hi + 1);
            out->num = floor(exp(l + u * (h - l)));
        }
        if (out->num > a->hi)
            out->num = a->hi;
        return;
    }
    if (a->dist == DIST_UNIFORM)
        out->num = a->lo + u * (a->hi - a->lo);
    else
        out->num = exp(log(a->lo) + u * (log(a->hi) - log(a->lo)));
}

/* Value index of axis a in map i: the last axis varies fastest. */
static size_t axis_pos(const pt_spec_t *s, size_t a, size_t i)
{
    size_t stride = nsamples(s);
    for (size_t j = s->naxes; j-- > a + 1;)
        stride *= s->axes[j].nvalues;
    return (i / stride) % s->axes[a].nvalues;
}

int pt_spec_map(const pt_spec_t *s, size_t i, pt_paramlist_t *out)
{
    for (size_t a = 0; a < s->naxes; a++)
        if (pt_paramlist_set(out, s->axes[a].key, &s->axes[a].values[axis_pos(s, a, i)]))
            return -ENOMEM;
    for (size_t r = 0; r < s->nrnd; r++) {
        pt_value_t v;
        draw(s, r, i % nsamples(s), &v);
        if (pt_paramlist_set(out, s->rnd[r].key, &v))
            return -ENOMEM;
    }
    for (size_t f = 0; f < s->nfixed; f++)
        if (pt_paramlist_set(out, s->fixed[f].key, &s->fixed[f].values[0]))
            return -ENOMEM;
    return 0;
}

/* The value axis/fixed entry gives key in map i, or NULL when neither sets it; a drawn
 * value is put in *tmp. */
static const pt_value_t *lookup(const pt_spec_t *s, size_t i, size_t stage,
                                const pt_param_def_t *def, const char **arg, pt_value_t *tmp)
{
    for (size_t r = 0; r < s->nrnd; r++)
        if (s->rnd[r].stage == stage && s->rnd[r].def == def) {
            *arg = s->rnd[r].arg;
            draw(s, r, i % nsamples(s), tmp);
            return tmp;
        }
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
            pt_value_t tmp;
            const pt_value_t *v = lookup(s, i, st, &d->params[j], &arg, &tmp);
            pt_value_t dv = {d->params[j].type, d->params[j].def, NULL};
            char first[64];
            if (dv.type == PT_VAL_STRING) {
                size_t n = strcspn(d->params[j].choices, "|");
                snprintf(first, sizeof first, "%.*s", (int)n, d->params[j].choices);
                dv.str = first;
            }
            snprintf(key, sizeof key, "%s.%s", d->name, d->params[j].name);
            if (v == NULL && d->params[j].required)
                continue; /* pt_spec_check refuses such a spec */
            if (pt_paramlist_set(out, key, v ? v : &dv))
                return -ENOMEM;
        }
    }
    return 0;
}

/* The stages' checks of their params together (pt_stage_def_t.check) on param map i; the
 * message names the options that set the stage's params. 0, -EINVAL or -ENOMEM with err. */
static int check_stages(const pt_spec_t *s, size_t i, char *err)
{
    pt_paramlist_t full = {0, NULL};
    char why[PT_ERRLEN], args[PT_ERRLEN];
    int rc = 0;
    if (pt_spec_full(s, i, &full) != 0) {
        pt_paramlist_free(&full);
        pt_seterr(err, "out of memory");
        return -ENOMEM;
    }
    for (size_t st = 0; rc == 0 && st < s->nstages; st++) {
        const pt_stage_def_t *d = s->stage[st];
        pt_stage_fit_t fs = {.def = d, .params = full}; /* borrows full */
        size_t len = 0;
        if (d->check == NULL || d->check(&fs, why) == 0)
            continue;
        args[0] = '\0';
        for (size_t j = 0; j < d->nparams && len < sizeof args; j++) {
            const char *arg = NULL;
            pt_value_t tmp;
            if (lookup(s, i, st, &d->params[j], &arg, &tmp) != NULL && arg != NULL)
                len += (size_t)snprintf(args + len, sizeof args - len, "%s%s", len ? ", " : "",
                                        arg);
        }
        pt_seterr(err, "%s: %s", len ? args : "--pipeline", why);
        rc = -EINVAL;
    }
    pt_paramlist_free(&full);
    return rc;
}

int pt_spec_check(const pt_spec_t *s, size_t features, char *err)
{
    int checks = 0;
    for (size_t st = 0; st < s->nstages; st++) {
        const pt_stage_def_t *d = s->stage[st];
        for (size_t j = 0; j < d->nparams; j++) {
            const char *arg = NULL;
            pt_value_t tmp;
            if (d->params[j].required && lookup(s, 0, st, &d->params[j], &arg, &tmp) == NULL) {
                pt_seterr(err, "%s.%s has no default: give it with --set or --grid", d->name,
                          d->params[j].name);
                return -EINVAL;
            }
        }
    }
    for (size_t st = 0; st < s->nstages; st++)
        checks |= s->stage[st]->check != NULL;
    for (size_t i = 0; checks && i < pt_spec_nmaps(s); i++) {
        int rc = check_stages(s, i, err);
        if (rc != 0)
            return rc;
    }
    for (size_t i = 0; i < pt_spec_nmaps(s); i++) {
        size_t width = features;
        for (size_t st = 0; st < s->nstages; st++) {
            const pt_stage_def_t *d = s->stage[st];
            const char *arg = NULL;
            pt_value_t tmp;
            const pt_param_def_t *wp;
            const pt_value_t *v;
            double k;
            if (d->width_param == NULL)
                continue;
            wp = pt_stage_param(d, d->width_param);
            v = lookup(s, i, st, wp, &arg, &tmp);
            k = v != NULL ? v->num : wp->def;
            if ((size_t)k > width) {
                pt_seterr(err, "%s: %s.%s must be <= %zu (the %s), got %.0f",
                          arg != NULL ? arg : "--pipeline", d->name, d->width_param, width,
                          st == 0 ? "number of features" : "stage's input width", k);
                return -EINVAL;
            }
            width = (size_t)k;
        }
    }
    return 0;
}

/* Whether v can be a value of def: its kind (a number for INT and DOUBLE, integral for INT;
 * BOOL; STRING among the choices) and range. 0, or -EINVAL with err naming key. */
static int value_fits(const pt_param_def_t *def, const char *key, const pt_value_t *v,
                      char *err)
{
    pt_value_t tmp;
    int num = v->type == PT_VAL_INT || v->type == PT_VAL_DOUBLE;
    if (def->type == PT_VAL_STRING) {
        if (v->type != PT_VAL_STRING || v->str == NULL) {
            pt_seterr(err, "param %s: expected a string", key);
            return -EINVAL;
        }
        if (pt_param_parse(def, key, v->str, &tmp, err) != 0)
            return -EINVAL;
        free(tmp.str);
        return 0;
    }
    if (def->type == PT_VAL_BOOL ? v->type != PT_VAL_BOOL
                                 : !num || (def->type == PT_VAL_INT && v->num != floor(v->num))) {
        pt_seterr(err, "param %s: expected %s", key,
                  def->type == PT_VAL_BOOL ? "true or false"
                  : def->type == PT_VAL_INT ? "an integer" : "a number");
        return -EINVAL;
    }
    if (!(v->num >= def->lo && v->num <= def->hi)) {
        pt_seterr(err, "param %s: must be in [%g, %g], got %g", key, def->lo, def->hi, v->num);
        return -EINVAL;
    }
    return 0;
}

int pt_param_check_list(char *const *stages, size_t nstages, const pt_paramlist_t *params,
                        char *err)
{
    for (size_t i = 0; i < params->n; i++) {
        const char *key = params->items[i].key, *dot = strchr(key, '.');
        const pt_stage_def_t *d = NULL;
        const pt_param_def_t *def = NULL;
        for (size_t s = 0; dot != NULL && d == NULL && s < nstages; s++)
            if (strlen(stages[s]) == (size_t)(dot - key) &&
                strncmp(stages[s], key, (size_t)(dot - key)) == 0)
                d = pt_stage_lookup(stages[s]);
        if (d != NULL)
            def = pt_stage_param(d, dot + 1);
        if (def == NULL) {
            pt_seterr(err, "param %.200s: %s", key,
                      d != NULL ? "unknown param of the stage" : "not a param of a stage of "
                      "the pipeline");
            return -EINVAL;
        }
        if (value_fits(def, key, &params->items[i].val, err) != 0)
            return -EINVAL;
    }
    return 0;
}

/* Bytes of a pt_moments_t of p features: the p x p scatter matrix and four vectors. */
static double moments_bytes(double p)
{
    return (p * p + 4 * p + 4) * sizeof(double);
}

/* pt_spec_work_bytes for map i, from its full param list; *stage: the stage with the
 * largest working memory of its own. */
static double map_work(const pt_spec_t *s, const pt_paramlist_t *full, size_t p,
                       size_t nclasses, const char **stage, double *own)
{
    double width = (double)p, sum = moments_bytes(width), most = -1;
    for (size_t st = 0; st < s->nstages; st++) {
        const pt_stage_def_t *d = s->stage[st];
        pt_stage_fit_t fs = {.def = d, .params = *full, .nclasses = nclasses,
                             .p_in = (size_t)width}; /* borrows full */
        double q = width, w;
        if (d->width_param != NULL)
            q = pt_stage_num(&fs, d->width_param, pt_stage_param(d, d->width_param)->def);
        if (d->role == PT_STAGE_TRANSFORMER) /* its map, the composed one, its moments */
            sum += (width * q + (double)p * q) * sizeof(double) + moments_bytes(q);
        w = d->work_bytes != NULL ? d->work_bytes(&fs, (size_t)width) : 0;
        sum += w;
        if (w > most) {
            most = w;
            *stage = d->name;
            *own = w;
        }
        width = q;
    }
    return sum;
}

double pt_spec_work_bytes(const pt_spec_t *s, size_t p, size_t nclasses, const char **stage,
                          double *stage_bytes)
{
    double most = 0;
    size_t n = pt_spec_nmaps(s);
    *stage = s->stage[s->nstages - 1]->name;
    *stage_bytes = 0;
    for (size_t i = 0; i < n; i++) {
        pt_paramlist_t full = {0, NULL};
        const char *name = NULL;
        double w, own = 0;
        if (pt_spec_full(s, i, &full) != 0) {
            pt_paramlist_free(&full);
            return INFINITY; /* no memory even for the params: nothing fits */
        }
        w = map_work(s, &full, p, nclasses, &name, &own);
        pt_paramlist_free(&full);
        if (w > most) {
            most = w;
            *stage = name;
            *stage_bytes = own;
        }
    }
    return most;
}
