/* fuzz_model.c - libFuzzer target: the model file reader (pt_model_read, with each stage's
 * state through pt_fitted_unpack) and a prediction with what it accepted.
 *
 * A model the reader accepts must be safe to predict with: three rows of the model's width
 * (zeros, ones, -2.5) go through the same calls as `paratune predict` (the score column when
 * the predictor has one, the rows kept). Any crash, leak, undefined behaviour or huge
 * allocation is a finding; a refusal with a reason is the expected answer to a bad file.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "pt_common.h"
#include "pt_model.h"
#include "pt_pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Rows predicted on an accepted model; a model wider than this is only read. */
#define FUZZ_MODEL_ROWS 3
#define FUZZ_MODEL_WIDTH_MAX 4096

static void predict_rows(const pt_model_t *m)
{
    size_t p = m->nnames, k = pt_fitted_classes(m->fit), n = FUZZ_MODEL_ROWS;
    double *x = calloc(n * (p ? p : 1), sizeof *x);
    double *pred = calloc(n, sizeof *pred);
    double *prob = calloc(n * (k ? k : 1), sizeof *prob);
    double *score = calloc(n, sizeof *score);
    unsigned char keep[FUZZ_MODEL_ROWS];
    if (x == NULL || pred == NULL || prob == NULL || score == NULL)
        abort();
    for (size_t j = 0; j < p; j++) {
        x[p + j] = 1.0;
        x[2 * p + j] = -2.5;
    }
    pt_fitted_set_threads(m->fit, 1);
    if (pt_fitted_score_name(m->fit) != NULL)
        (void)pt_fitted_predict(m->fit, x, n, pred, score, prob);
    else
        (void)pt_model_predict(m, x, n, pred, prob);
    (void)pt_fitted_keep_rows(m->fit, x, n, keep);
    free(x);
    free(pred);
    free(prob);
    free(score);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[PT_ERRLEN];
    pt_model_t *m = NULL;

    fuzz_quiet();
    if (pt_model_read(fuzz_file(data, size), &m, err) == 0 && m->nnames <= FUZZ_MODEL_WIDTH_MAX)
        predict_rows(m);
    pt_model_destroy(&m);
    return 0;
}
