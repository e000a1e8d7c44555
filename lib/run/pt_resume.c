/* pt_resume.c - resuming a sweep from its result log (see pt_resume.h). */
#include "pt_resume.h"

#include <stdio.h>
#include <string.h>

#include "pt_split.h"
#include "pt_stage.h"
#include "pt_value.h"

static int str_eq(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The first feature column where two headers that both name their features differ (i <
 * both counts, or the shorter count), or -1 when they agree or either names none (LIBSVM, a log
 * from before feature_names). */
static long names_differ(const pt_log_header_t *a, const pt_log_header_t *b)
{
    size_t n = a->nfeature_names < b->nfeature_names ? a->nfeature_names : b->nfeature_names;
    if (a->feature_names == NULL || b->feature_names == NULL)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(a->feature_names[i], b->feature_names[i]) != 0)
            return (long)i;
    return a->nfeature_names != b->nfeature_names ? (long)n : -1;
}

/* The part of the comparison --extend makes too: everything but the grid. */
static int setup_mismatch(const pt_log_header_t *old, const pt_log_header_t *cur, char *why,
                          size_t len)
{
    int same_stages = old->nstages == cur->nstages;
    long nd = names_differ(old, cur);
    for (size_t i = 0; same_stages && i < old->nstages; i++)
        same_stages = strcmp(old->stages[i], cur->stages[i]) == 0;
    if (nd >= 0)
        snprintf(why, len, "different data: other feature columns (%zu: feature %ld was \"%.60s\"; now %zu: "
                 "\"%.60s\")", old->nfeature_names, nd + 1,
                 (size_t)nd < old->nfeature_names ? old->feature_names[nd] : "(none)",
                 cur->nfeature_names,
                 (size_t)nd < cur->nfeature_names ? cur->feature_names[nd] : "(none)");
    else if (!str_eq(old->weight_col, cur->weight_col))
        snprintf(why, len, "different data: weight column %s%.60s%s; now %s%.60s%s",
                 old->weight_col ? "\"" : "", old->weight_col ? old->weight_col : "none",
                 old->weight_col ? "\"" : "", cur->weight_col ? "\"" : "",
                 cur->weight_col ? cur->weight_col : "none", cur->weight_col ? "\"" : "");
    else if (old->fingerprint != cur->fingerprint || old->rows != cur->rows ||
        old->features != cur->features)
        snprintf(why, len, "different data (fingerprint %016llx, %llu x %llu; now %016llx, "
                 "%llu x %llu)", (unsigned long long)old->fingerprint,
                 (unsigned long long)old->rows, (unsigned long long)old->features,
                 (unsigned long long)cur->fingerprint, (unsigned long long)cur->rows,
                 (unsigned long long)cur->features);
    else if (!same_stages)
        snprintf(why, len, "a different pipeline");
    else if (old->validator != cur->validator || old->num_folds != cur->num_folds ||
             old->train_ratio != cur->train_ratio || old->seed != cur->seed ||
             !str_eq(old->fold_col, cur->fold_col) || old->stratify != cur->stratify)
        snprintf(why, len, "a different validator (%s, folds %d, trainRatio %g, seed %llu%s%s%s)",
                 pt_validator_name(old->validator), old->num_folds, old->train_ratio,
                 (unsigned long long)old->seed, old->fold_col ? ", fold column " : "",
                 old->fold_col ? old->fold_col : "", old->stratify ? ", stratified" : "");
    else if (!str_eq(old->evaluator, cur->evaluator) || !str_eq(old->metric, cur->metric) ||
             old->num_bins != cur->num_bins)
        snprintf(why, len, "a different evaluator (%s %s%s)", old->evaluator, old->metric,
                 old->num_bins >= 0 ? " with another numBins" : "");
    else if (!str_eq(old->metrics, cur->metrics))
        snprintf(why, len, "different metrics (the log has --metric %s; now %s)",
                 old->metrics != NULL ? old->metrics : old->metric,
                 cur->metrics != NULL ? cur->metrics : cur->metric);
    else
        return 0;
    return 1;
}

int pt_resume_extend_mismatch(const pt_log_header_t *old, const pt_log_header_t *cur, char *why,
                              size_t len)
{
    return setup_mismatch(old, cur, why, len);
}

int pt_resume_mismatch(const pt_log_header_t *old, const pt_log_header_t *cur, char *why,
                       size_t len)
{
    if (setup_mismatch(old, cur, why, len))
        return 1;
    if (old->nmaps != cur->nmaps)
        snprintf(why, len, "a different grid (%zu param maps; now %zu)", old->nmaps,
                 cur->nmaps);
    else {
        for (size_t i = 0; i < old->nmaps; i++)
            if (!pt_paramlist_equal(&old->param_maps[i], &cur->param_maps[i])) {
                char a[256], b[256];
                pt_paramlist_format(&old->param_maps[i], a, sizeof a);
                pt_paramlist_format(&cur->param_maps[i], b, sizeof b);
                snprintf(why, len, "a different grid (param map %zu was %s; now %s)", i, a, b);
                return 1;
            }
        return 0;
    }
    return 1;
}

int32_t pt_resume_run(const pt_logfile_t *prev)
{
    int32_t run = 1;
    for (size_t r = 0; r < prev->nresults; r++) {
        const pt_log_result_t *res = &prev->results[r];
        if (res->run + 1 > run)
            run = res->run + 1;
        if (res->run == 0 && run < 2)
            run = 2;
    }
    return run;
}

/* Two param values as values: strings by their text, numbers (int, float, bool) by number. */
static int same_value(const pt_value_t *a, const pt_value_t *b)
{
    if ((a->type == PT_VAL_STRING) != (b->type == PT_VAL_STRING))
        return 0;
    if (a->type == PT_VAL_STRING)
        return strcmp(a->str != NULL ? a->str : "", b->str != NULL ? b->str : "") == 0;
    return a->num == b->num || (a->num != a->num && b->num != b->num);
}

/* Whether the logged map m, run by the pipeline stages[], is the full param set full: each of
 * the stages' params has full's value in m, or m leaves it out and full has its default; and
 * m names nothing else. */
static int same_map(char *const *stages, size_t nstages, const pt_paramlist_t *m,
                    const pt_paramlist_t *full)
{
    size_t named = 0;
    char key[256], first[64];
    for (size_t st = 0; st < nstages; st++) {
        const pt_stage_def_t *d = pt_stage_lookup(stages[st]);
        if (d == NULL)
            return 0;
        for (size_t j = 0; j < d->nparams; j++) {
            const pt_param_def_t *p = &d->params[j];
            pt_value_t dv = {p->type, p->def, NULL};
            const pt_value_t *v, *f;
            snprintf(key, sizeof key, "%s.%s", d->name, p->name);
            v = pt_paramlist_get(m, key);
            f = pt_paramlist_get(full, key);
            named += v != NULL;
            if (v == NULL && p->type == PT_VAL_STRING) { /* the first choice */
                snprintf(first, sizeof first, "%.*s", (int)strcspn(p->choices, "|"),
                         p->choices);
                dv.str = first;
            }
            if (v == NULL && !p->required) /* a required one has no default */
                v = &dv;
            if ((v == NULL) != (f == NULL) || (v != NULL && !same_value(v, f)))
                return 0;
        }
    }
    return named == m->n;
}

int pt_resume_map_index(char *const *stages, size_t nstages, const pt_paramlist_t *old,
                        size_t nold, const pt_paramlist_t *full, size_t nnew, int32_t *from,
                        char *why, size_t len)
{
    for (size_t i = 0; i < nold; i++) {
        size_t j = 0;
        while (j < nnew && !same_map(stages, nstages, &old[i], &full[j]))
            j++;
        if (j == nnew) {
            char a[256];
            pt_paramlist_format(&old[i], a, sizeof a);
            snprintf(why, len, "param map %zu of the log (%s) is not in the new grid", i, a);
            return 1;
        }
        from[i] = (int32_t)j;
    }
    return 0;
}
