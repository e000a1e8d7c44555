/* oof.h - `tune --oof` and `--keep-fold-models`: out-of-fold predictions and fold models.
 *
 * After the sweep (and the refit) the best map is known. For each map asked for (the best;
 * every map with --oof-all or --keep-fold-models) and each fold, one "oof" job (pt_msg.h)
 * fits the map on the fold's training rows, as its fit job did, and returns that fold model.
 * The coordinator writes it as DIR/map<M>_fold<F>.ptm (--keep-fold-models; the file records
 * param_index M and fold F) as soon as it arrives, reads it back in memory
 * (pt_model_from_pipeline) and predicts the fold's validation block of the shared-memory
 * image with it (pt_model_predict, what `paratune predict` runs), placing each prediction at
 * its input row (the image's row numbers). A map's predictions are written to the --oof CSV
 * once its folds are done, then dropped: one map's predictions in memory at a time. The jobs
 * run one at a time in the refit's slot, each with the refit's threads.
 */
#ifndef PT_OOF_H
#define PT_OOF_H

#include <stddef.h>

#include "options.h"
#include "pt_dataset.h"
#include "pt_params.h"
#include "sweep.h"

typedef struct {
    const opts_t *o;             /* --oof, --oof-all, --keep, --keep-fold-models */
    pt_sched_t *sched;           /* the sweep's scheduler and loop (borrowed) */
    pt_sweep_t *sweep;
    const pt_dataset_t *ds;      /* names, label, class names, the --keep columns */
    const pt_paramlist_t *full;  /* every param of each map, nmaps */
    size_t nmaps, nfolds;
    long best;                   /* the best map, or -1 */
    int image_fd;                /* the image (k-fold: block f is fold f) */
} pt_oof_config_t;

/* Runs the oof jobs c->o asks for and writes their outputs. Returns 0 (also when nothing is
 * asked, or there is no best map for --oof alone), a signal number when the run was stopped
 * (nothing written for --oof; the fold models written so far stay), or a negative errno with
 * err set: -EIO (an output that cannot be written, an oof job of a map whose predictions go
 * to --oof that failed), -ENOMEM. */
int pt_oof_run(const pt_oof_config_t *c, char *err);

#endif
