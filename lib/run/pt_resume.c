/* pt_resume.c - resuming a sweep from its result log (see pt_resume.h). */
#include "pt_resume.h"

#include <stdio.h>
#include <string.h>

#include "pt_split.h"
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

int pt_resume_mismatch(const pt_log_header_t *old, const pt_log_header_t *cur, char *why,
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
    else if (old->nmaps != cur->nmaps)
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
