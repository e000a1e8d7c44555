/* pt_trainset.h - a job's training set on the image: its blocks, their moments, its validation
 * block, and the caches a worker keeps for them between jobs.
 *
 * Every job of a sweep trains on some blocks of the read-only image and is scored on one:
 * a fit job on fold f of a k-fold image trains on every block but f and is scored on block f;
 * on a train-validation image (TVS) its fold is 0, it trains on block 0 and is scored on
 * block 1; the refit trains on every block and is not scored. The pipeline is fit from the
 * merged moments of the training blocks (and a classifier reads their rows in place), so this
 * module assembles both: the rows as pointers into the image, the moments from the cheapest
 * source that has them (the shared moments segment filled by stats jobs, a block's moments
 * computed earlier by this process and kept, or the rows). The refit, which runs alone, cuts
 * the blocks it must read into fixed pieces computed on several threads, merged in one order
 * so that the model does not depend on the thread count.
 *
 * A pt_trainset_cache_t is the per-process state behind the sets (the worker keeps one for
 * its life: the image is immutable): the per-block moments, one PCA eigen-decomposition per
 * training set (it serves every pca.k), and the scoring scratch. With keep == 0 (--no-cache)
 * nothing is kept between jobs and the results are the same, computed again.
 */
#ifndef PT_TRAINSET_H
#define PT_TRAINSET_H

#include <stddef.h>
#include <stdint.h>

#include "pt_eval.h"
#include "pt_image.h"
#include "pt_moments.h"
#include "pt_msg.h"
#include "pt_pca.h"
#include "pt_pipeline.h"
#include "pt_stats.h"
#include "pt_value.h"

/* A block's rows are cut into this many pieces for the refit, whatever the thread count. */
#define PT_TRAINSET_REFIT_PIECES 8
/* No PCA decompositions are kept above this many features (p x p doubles per training set). */
#define PT_TRAINSET_PCA_MAX_FEATURES 1024

/* Most metrics computed besides the refit one. */
#define PT_TRAINSET_MAX_ALSO 16

typedef struct {
    int keep;            /* keep per-block moments and PCA decompositions between jobs */
    size_t nclasses;     /* labels are 0..nclasses-1 for a classifier (0 for a regression) */
    pt_evaluator_t ev;   /* how a fit is scored on its validation block */
    pt_metric_t metric;
    pt_metric_t also[PT_TRAINSET_MAX_ALSO]; /* more metrics each job computes (--metric a,b) */
    size_t nalso;
    int num_bins;        /* of the binary evaluator */
} pt_trainset_opts_t;

typedef struct pt_trainset_cache pt_trainset_cache_t;

/* One job's training set. Filled by pt_trainset_fold or pt_trainset_all, emptied by
 * pt_trainset_clear; valid while its cache and the image live. */
typedef struct {
    pt_moments_t *moments;  /* the merged moments of the training rows; owned */
    pt_moments_t *wmoments; /* their weighted moments (an image with weights), else NULL;
                             * owned */
    pt_rowblock_t *blocks;  /* the training blocks' rows, in block order (pointers into the
                             * image); the array is owned */
    size_t nblocks;
    int validates;          /* 1 for a fit job's set (scored on vblock), 0 for the refit's */
    size_t vblock;          /* the validation block when validates */
    size_t vrows;           /* a prefix set (pt_trainset_fold_prefix): the validation rows
                             * scored, the first of vblock; 0: the whole block */
    int prefix;             /* 1: a prefix set (its blocks cut short) */
    pt_impute_cache_t *imp; /* this training set's imputer surrogates (median, mode), owned
                             * by the cache (filled by the first fit that needs them), or
                             * NULL */
    pt_pca_eig_t *pca;      /* this training set's PCA decomposition, owned by the cache
                             * (filled by the first fit that needs it), or NULL */
    const pt_stage_codes_t *codes; /* a tree fit's training rows coded before (the shared
                             * codes segment, pt_codes.h), or NULL; set by the caller */
    int threads;            /* threads a tree fit may use (--threads-per-job); set by the caller */
    const pt_fitted_t *warm; /* a fit of the same pipeline on this set with another value of
                              * the predictor's path_param to start from (a regularization
                              * path), or NULL; set by the caller */
} pt_trainset_t;

/* The cache for sets on img (borrowed; must outlive the cache). stats, when not NULL, is the
 * shared moments segment (borrowed) with one slot per image block (two when the image has
 * weights: slots nblocks + b hold the weighted moments of block b). Returns an owned cache, or
 * NULL with the reason in err (a segment that does not match the image, out of memory). */
pt_trainset_cache_t *pt_trainset_cache_new(const pt_image_t *img, pt_stats_t *stats,
                                           const pt_trainset_opts_t *opts, char *err);
/* Frees the cache and what it keeps; accepts NULL and *pc == NULL; sets *pc to NULL. */
void pt_trainset_cache_destroy(pt_trainset_cache_t **pc);

/* 0 when a job's kind, param map and fold go together as pt_msg.h says (stats: map -1 and
 * fold the block; fit, bins and oof: a map and a fold >= 0; refit: a map and fold -1); else
 * -EINVAL with err naming the combination (a job of an unknown kind included). */
int pt_trainset_check_job(const pt_msg_t *job, char *err);

/* Stats job `job` (pt_stats_job: an image block, or a piece of one in a cut segment):
 * computes the block's moments (and weighted moments, when the image has weights) from its
 * rows, or those of the piece's rows, and publishes them in the shared segment (a cut
 * block's slot once all its pieces are in, pt_stats_publish_piece). Returns 0, -EINVAL (no
 * segment, or no such job) or -ENOMEM, with err set. */
int pt_trainset_publish(pt_trainset_cache_t *c, int job, char *err);

/* *ts := the training set of a fit job scored on fold `fold` (k-fold: every block but fold;
 * TVS: fold must be 0, block 0 trains and block 1 validates). Returns 0, or -EINVAL (no such
 * fold) / -ENOMEM with err set and *ts empty. */
int pt_trainset_fold(pt_trainset_cache_t *c, int fold, pt_trainset_t *ts, char *err);

/* pt_trainset_fold on a prefix of every block (successive halving's rungs, pt_halving.h):
 * training block b gives its first min(rows[b], its rows) rows, and the set is scored on the
 * first rows[vblock] of its validation block (ts->vrows); nrows must be the image's block
 * count. The prefixes' moments are computed from their rows; with keep, the cache keeps them
 * (and a PCA decomposition and imputer surrogates per set) for the jobs with the same rows,
 * until a job with other rows comes (the next rung). A block whose prefix is all of it is
 * served as pt_trainset_fold serves it. A tree fit on a prefix codes its rows itself (the
 * caller leaves ts->codes NULL). Returns as pt_trainset_fold; -EINVAL also for nrows not the
 * block count. */
int pt_trainset_fold_prefix(pt_trainset_cache_t *c, int fold, const int32_t *rows,
                            size_t nrows, pt_trainset_t *ts, char *err);

/* *ts := the rows of fold `fold`'s training set, as pt_trainset_fold but without its
 * moments (empty): for a bins job, which reads the rows only. 0 or -EINVAL / -ENOMEM. */
int pt_trainset_rows(pt_trainset_cache_t *c, int fold, pt_trainset_t *ts, char *err);

/* *ts := the refit's training set, every block. Blocks whose moments are known are merged
 * as they are; the others are read in PT_TRAINSET_REFIT_PIECES pieces each by `threads`
 * threads (at most 64), which run on cpus[0..ncpus) when ncpus > 0 (the CPUs of the slots the
 * refit has to itself; the process's affinity is restored afterwards). Returns 0 or -ENOMEM
 * with err set and *ts empty. */
int pt_trainset_all(pt_trainset_cache_t *c, size_t threads, const int32_t *cpus, size_t ncpus,
                    pt_trainset_t *ts, char *err);

/* Frees what ts owns and empties it; accepts an empty set. */
void pt_trainset_clear(pt_trainset_t *ts);

/* Fits stages with params on ts (pt_pipeline_fit with the cache's class count and the set's
 * PCA decomposition). Returns an owned fitted pipeline or NULL with the reason in err and
 * errno set (ENOMEM when memory ran out). */
pt_fitted_t *pt_trainset_fit(const pt_trainset_cache_t *c, const pt_trainset_t *ts,
                             char *const *stages, size_t nstages, const pt_paramlist_t *params,
                             char *err);

/* Scores fit on the validation block of ts (which must validate) with the cache's evaluator:
 * a regressor's rmse, mse, r2 or var from the block's moments when they are known without
 * reading the rows and kept moments are allowed (keep), else from its predictions; weighted
 * (Spark's metrics with weightCol) when the image has weights, r2 then from the rows. Returns 0
 * with *metric set, or -EINVAL (a classification evaluator on a regressor) / -ENOMEM with
 * err set. */
int pt_trainset_score(pt_trainset_cache_t *c, const pt_trainset_t *ts, const pt_fitted_t *fit,
                      double *metric, char *err);
/* pt_trainset_score, and the options' also metrics from the same predictions into also[nalso]
 * (each as pt_trainset_score would give it alone: from the block's moments when that metric
 * can be, else from the rows, predicted once for all). Returns as pt_trainset_score. */
int pt_trainset_score_also(pt_trainset_cache_t *c, const pt_trainset_t *ts,
                           const pt_fitted_t *fit, double *metric, double *also, char *err);

#endif
