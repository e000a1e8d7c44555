/* pt_msg.h - the messages between coordinator and workers, as msgpack maps.
 *
 * Every message is one ZeroMQ frame holding one msgpack map with a "type" key:
 *   hello  {type, pid}                                         worker -> coordinator
 *   job    {type, kind, job_id, param_index, fold, attempt, stages, params, threads?, cpus?,
 *           shared?, prefix?, path?}
 *                                                              coordinator -> worker
 *   result {type, job_id, param_index, fold, metric, fit_seconds, eval_seconds, model?,
 *           converged? (false when an iterative fit stopped at maxIter), shared_metrics?,
 *           shared_not_converged?, iterations?,
 *           metrics? (the worker's --also-metrics, in that order, from the same predictions)}
 *   error  {type, job_id, param_index, fold, error}            worker -> coordinator
 *   stop   {type}                                              coordinator -> worker
 * A job's kind says what it asks for (pt_job_kind_t, "kind" on the wire):
 *   "stats"  the moments of image block `fold`, published in the shared moments cache
 *            (param_index -1; its result has metric 0);
 *   "fit"    fit param map param_index on every block but `fold`, score it on block `fold`
 *            (TVS: fold 0, the validation block);
 *   "refit"  fit param map param_index on all rows (fold -1); the result carries the fitted
 *            pipeline as "model" (msgpack bytes made by pt_pipeline);
 *   "bins"   the tree codes of the training rows of `fold` for the maxBins and seed of param
 *            map param_index (a tree pipeline), published in the shared codes segment
 *            (pt_codes.h; its result has metric 0);
 *   "oof"    fit param map param_index on every block but `fold` (as its fit job) and return
 *            that fold model as "model", as a refit does (tune --oof, --keep-fold-models: the
 *            coordinator predicts block `fold` with it and writes it).
 * A forest or boosting fit job may stand for the maps that differ from its own only in the
 * predictor's prefix param, numTrees or maxIter (prefix sharing, pt_stage.h prefix_param):
 * "shared" lists them as pairs [map, value, map, value, ...]; the worker fits its own map's
 * model (the largest) once and scores its first `value` trees for each of them, returned as
 * "shared_metrics" in the same order.
 * A fit job of successive halving's rung reads only a prefix of each image block: "prefix"
 * lists the rows of each block (training and validation blocks alike).
 * "shared_metrics" in the same order. A logistic or elastic-net fit job may stand for the
 * maps that differ from its own only in regParam (a regularization path, pt_stage.h
 * path_param): "shared" lists them as pairs [map, 0, ...] and "path" their regParam values
 * in the same order; the worker fits its own map (the largest value) cold, then the others
 * from the largest value down, each started from the one before, and returns their metrics
 * as "shared_metrics" (and "shared_not_converged": 1 for each that stopped at maxIter). A
 * result's "iterations" (absent: 0) counts the optimizer iterations
 * of every fit the job ran.
 * Results and errors name their job by job_id and echo param_index and fold.
 * Unknown keys are ignored on decode so that the format can grow.
 */
#ifndef PT_MSG_H
#define PT_MSG_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "pt_mpk.h"
#include "pt_value.h"

typedef enum {
    PT_MSG_HELLO = 1,
    PT_MSG_JOB,
    PT_MSG_RESULT,
    PT_MSG_ERROR,
    PT_MSG_STOP
} pt_msg_type_t;

/* What a job asks the worker to do (see above). New kinds go at the end. */
typedef enum {
    PT_JOB_STATS = 1,
    PT_JOB_FIT,
    PT_JOB_REFIT,
    PT_JOB_BINS,
    PT_JOB_OOF
} pt_job_kind_t;
#define PT_JOB_KIND_MAX PT_JOB_OOF

/* Name of a job kind ("stats", "fit", "refit", "bins", "oof"), or "unknown". */
const char *pt_job_kind_name(pt_job_kind_t k);

typedef struct {
    pt_msg_type_t type;
    pt_job_kind_t kind;    /* job */
    int32_t pid;           /* hello */
    int64_t job_id;        /* job, result, error */
    int32_t param_index;   /* job, result, error */
    int32_t fold;          /* job, result, error */
    int32_t attempt;       /* job: 1 for the first try, 2 for the first retry...; absent = 1 */
    char **stages;         /* job: pipeline stage names, owned */
    size_t nstages;
    pt_paramlist_t params; /* job: every param of every stage, owned */
    int32_t threads;       /* job: threads it may use (a refit, which runs alone); absent = 1 */
    int32_t *cpus;         /* job: the CPUs those threads may run on (pinned runs), owned */
    size_t ncpus;
    int32_t *prefix;       /* job: a fit on the first prefix[b] rows of each image block b
                            * (successive halving's rungs, pt_halving.h), owned; NULL: all */
    size_t nprefix;
    int32_t *shared;       /* job: pairs (map, trees) scored on this job's model, owned */
    size_t nshared;        /* pairs */
    double *path;          /* job: a regularization path: the path param's value of each
                              pair (nshared), owned; NULL for prefix sharing */
    double *shared_metrics; /* result: nshared metrics, one per pair of the job, owned */
    int32_t iterations;    /* result: optimizer iterations of the job's fits (0: none) */
    int32_t *shared_nc;    /* result: nshared flags, 1 when that map's fit stopped at maxIter
                              ("shared_not_converged"; absent: none did), owned, or NULL */
    double metric;         /* result */
    double *metrics;       /* result: the other metrics (worker --also-metrics), owned */
    size_t nmetrics;
    double fit_seconds;    /* result: time in the fit, seconds */
    double eval_seconds;   /* result: time predicting and evaluating, seconds */
    int not_converged;     /* result: an iterative fit stopped at maxIter ("converged": false) */
    unsigned char *model;  /* result of a refit or an oof job: msgpack bytes, owned; NULL otherwise */
    size_t model_len;
    char *error;           /* error: one-line reason, owned */
} pt_msg_t;

/* Name of a message type ("hello", ...). */
const char *pt_msg_type_name(pt_msg_type_t t);

/* Encodes m into out (appended; the caller inits and destroys the sbuffer).
 * Returns 0 or -EINVAL (unknown type) / -ENOMEM. */
int pt_msg_encode(const pt_msg_t *m, msgpack_sbuffer *out);

/* Decodes one message from len bytes into *m (which it zeroes first; the caller frees with
 * pt_msg_clear even on failure). Returns 0 or -EBADMSG with the reason in err (not a map,
 * trailing bytes, missing or mistyped field, a declared length beyond the bytes: nothing is
 * allocated for a length before it is bounded by len). */
int pt_msg_decode(const void *buf, size_t len, pt_msg_t *m, char *err);

/* Frees what m owns and zeroes it. */
void pt_msg_clear(pt_msg_t *m);

#endif
