/* pt_logreg.h - Spark ML LogisticRegression (binomial and multinomial, elastic net) on row blocks.
 *
 * Fits Spark's objective on the training rows where they lie (contiguous, read-only blocks of
 * the shared-memory image), seen through a fitted affine transform z = A^T x + c (the stages
 * before the classifier; identity when A is NULL). The rows are never copied as a whole and
 * z is never materialised: margins are computed as X (A V) and gradients as A^T (X^T R) over
 * chunks of a few hundred rows, so the memory used is O(chunk * (p_raw + classes)
 * + (p_raw + q) * classes + 10 history pairs of q * classes).
 *
 * Objective (README.md, "Stages and params"; Spark's LogisticRegression.scala with
 * LogisticAggregator / BinaryLogisticBlockAggregator and MultinomialLogisticBlockAggregator),
 * over b (r x q, r = 1 binomial, r = K multinomial) and intercepts b0 (r):
 *   (1/n) sum_i logloss_i + regParam [ (1-alpha)/2 sum_kj w2_j b'_kj^2 + alpha sum_kj w1_j |b'_kj| ]
 * with b'_kj = b_kj s_j, s_j the SAMPLE std of feature z_j. With row weights v_i (the blocks'
 * w) the data term is sum_i v_i logloss_i / sum_i v_i and the means, stds and label
 * histogram are weighted as Spark's summarizer weighs them (std: sqrt(sum v (z - mean)^2 /
 * (V - sum v^2 / V)), V = sum v, which is n - 1 for unit weights); w2_j = w1_j = 1 when
 * standardization is true, else w2_j = 1/s_j^2 and w1_j = 1/s_j (the penalty is then on the
 * raw b, as in Spark, which still optimises in the scaled space). Intercepts are not
 * penalised, the label is not scaled. Binomial logloss: log(1 + e^m) - y m, m = b.z + b0;
 * multinomial: log sum_k e^{m_k} - m_y (softmax over all K classes, no pivot).
 * Features with s_j = 0 (constant, or a std at rounding level of the mean) get coefficient 0
 * and no penalty (Spark). family auto: binomial when nclasses <= 2, else multinomial;
 * binomial with nclasses > 2 is an error (Spark).
 *
 * Optimizer: pt_optim (see pt_optim.h for the method and the stopping rule on tol): L-BFGS
 * when alpha * regParam == 0, OWL-QN otherwise. This module gives it the smooth part (mean
 * logloss + L2) as the objective callback and the L1 weights. It works in Spark's space of
 * scaled coefficients b' (features centred when fitIntercept, which leaves the optimum
 * unchanged and conditions it better) and starts where Spark starts: b' = 0,
 * b0 = log(n_1/n_0) (binomial) or log1p(n_k) - mean_k log1p(n_k) (multinomial).
 * The quasi-Newton steps use a diagonal preconditioner (1 / (curvature bound of the data term
 * + L2 weight) per coordinate), which changes the path but not the optimum: it keeps
 * standardization = false, whose per-feature L2 weights 1/s_j^2 spread over many orders of
 * magnitude, from needing thousands of iterations. The fit stops after max_iter iterations
 * with converged = 0 unless the stopping rule held first.
 *
 * After the fit (Spark): multinomial coefficients are centred across classes per feature
 * when regParam == 0 (not identifiable otherwise), multinomial intercepts are centred when
 * fitIntercept. A constant label with fitIntercept (one class present) is not optimised:
 * coefficients 0; binomial intercept +INFINITY when that class is 1, -INFINITY when it is 0;
 * multinomial intercept +INFINITY for that class and 0 for the others. (Spark's binomial
 * rule is "+Inf when numClasses == 2 else -Inf", which is the same whenever numClasses comes
 * from the labels, i.e. max label + 1; it differs only for all-zero labels declared as two
 * classes by column metadata.) The prediction helpers below keep such models NaN-free.
 */
#ifndef PT_LOGREG_H
#define PT_LOGREG_H

#include <stddef.h>
#include <stdint.h>

/* One contiguous block of training rows: x is n x p_raw row-major, y holds n labels, each an
 * integer class id in [0, nclasses); w their n weights (weightCol: finite, >= 0), or NULL
 * when every row weighs 1. Read-only; never copied whole. */
typedef struct {
    const double *x;
    const double *y;
    size_t n;
    const double *w;
    const uint64_t *rid; /* the rows' input row numbers, ascending, or NULL (unknown) */
    const uint8_t *valid; /* validationIndicatorCol: 1 for a row boosting holds out for its
                             early stop, 0 else; NULL when the data has no such column */
} pt_rowblock_t;

enum { PT_FAMILY_AUTO = 0, PT_FAMILY_BINOMIAL = 1, PT_FAMILY_MULTINOMIAL = 2 };

struct pt_logreg_model;
/* What a fit started from a model reuses (opaque): its f0, the optimizer's last correction
 * pairs and the L2 weights they were taken with (pt_optim_pairs_shift moves them to the new
 * weights, exactly). */
struct pt_logreg_warm;

typedef struct {
    double reg_param;   /* regParam >= 0 (Spark default 0) */
    double elastic_net; /* elasticNetParam alpha in [0, 1] (0) */
    int max_iter;       /* maxIter >= 0 (100) */
    double tol;         /* tol >= 0 (1e-6) */
    int fit_intercept;  /* (1) */
    int standardization; /* (1) */
    double threshold;   /* in [0, 1] (0.5); not used by the fit, kept for prediction */
    int family;         /* PT_FAMILY_AUTO / BINOMIAL / MULTINOMIAL */
    /* A warm start (a regularization path): a model fitted on the same rows, map, classes,
     * family and fitIntercept with another regParam (or elasticNetParam), or NULL. The fit
     * starts from its coefficients instead of Spark's starting point, with the optimizer's
     * correction pairs of that fit (its warm_state, when it has one), and the stopping
     * rule's relative test is scaled by its f0 (the objective at Spark's starting point,
     * where the penalty is 0, so the same for every regParam): each solve stops by the
     * thresholds of a cold fit. A model of another shape (or with a non-finite intercept)
     * is ignored. */
    const struct pt_logreg_model *warm;
    /* Threads of the objective's passes (0 or 1: the calling thread). The rows are cut into
     * ranges that do not depend on it and their sums are added in a fixed order: the model
     * is bit-identical for any thread count. */
    int threads;
} pt_logreg_opts_t;

/* Spark's defaults. */
pt_logreg_opts_t pt_logreg_defaults(void);

typedef struct pt_logreg_model {
    size_t q;          /* features the coefficients apply to (z) */
    size_t nclasses;   /* K as given to the fit */
    size_t ncoef_rows; /* r: 1 binomial, nclasses multinomial */
    int multinomial;
    double *coef;      /* ncoef_rows x q row-major; owned by the model */
    double *intercept; /* ncoef_rows; owned; may hold +-INFINITY (constant label) */
    double objective;  /* objective at the returned coefficients (NaN for a constant label) */
    int iterations;    /* optimizer iterations run */
    int converged;     /* 1 when the stopping rule above held, 0 when max_iter stopped it */
    double f0;         /* the objective at Spark's starting point (coefficients 0), which a
                          warm start scales its tolerance by; NaN when not optimised */
    struct pt_logreg_warm *warm_state; /* for a fit that starts from this one; owned (free
                          with pt_logreg_warm_free), NULL when not optimised */
} pt_logreg_model_t;

/* Frees *w and sets it to NULL; accepts NULL. */
void pt_logreg_warm_free(struct pt_logreg_warm **w);

/* Fits on the rows of blocks[0..nblocks) (total n >= 1), each seen as z = A^T x: A is
 * p_raw x q row-major, or NULL for the identity (then q must equal p_raw). nclasses >= 1;
 * every label must be an integer in [0, nclasses). On success fills *out (free its arrays
 * with pt_logreg_model_free) and returns 0; otherwise returns -EINVAL (bad option, label,
 * size) or -ENOMEM with the reason in err, and *out holds no memory. */
int pt_logreg_fit(const pt_rowblock_t *blocks, size_t nblocks, size_t p_raw, const double *A,
                  size_t q, size_t nclasses, const pt_logreg_opts_t *o,
                  pt_logreg_model_t *out, char *err);

/* The same with an affine transform z = A^T x + c: c has q entries or is NULL for 0. (With
 * fitIntercept c only moves the intercept; without it c is part of the features.) */
int pt_logreg_fit_affine(const pt_rowblock_t *blocks, size_t nblocks, size_t p_raw,
                         const double *A, const double *c, size_t q, size_t nclasses,
                         const pt_logreg_opts_t *o, pt_logreg_model_t *out, char *err);

/* Frees the arrays m owns and zeroes *m; accepts NULL, a zeroed model, and a second call.
 * The struct itself belongs to the caller. */
void pt_logreg_model_free(pt_logreg_model_t *m);

/* The model on the raw features, for z = A^T x + c: coef_raw (r x p_raw, caller-allocated)
 * = coef A^T, icpt_raw (r) = intercept + coef c. A NULL means identity (p_raw == q), c NULL
 * means 0. */
void pt_logreg_compose(const pt_logreg_model_t *m, size_t p_raw, const double *A,
                       const double *c, double *coef_raw, double *icpt_raw);

/* margins (n x r, caller-allocated) = x coef^T + intercept for n rows of x (n x p
 * row-major), coef r x p row-major, with one cblas_dgemm. */
void pt_logreg_margins(const double *x, size_t n, size_t p, const double *coef,
                       const double *intercept, size_t r, double *margins);

/* Class probabilities (n x K, caller-allocated) from margins (n x r), as Spark's
 * raw2probability: binomial (multinomial = 0, r = 1, K = 2): p1 = 1/(1 + e^-m), p0 = 1 - p1;
 * multinomial (K = r): softmax with the largest margin subtracted, and when the largest
 * margin is +INFINITY probability 1 for the first such class and 0 for the others. */
void pt_logreg_probabilities(const double *margins, size_t n, size_t r, int multinomial,
                             double *prob);

/* Predicted class (as a double, like Spark's prediction column) from prob (n x K):
 * binomial (multinomial = 0, K = 2): 1 when prob[i][1] > threshold (strict), else 0;
 * multinomial: the index of the largest probability, ties to the lowest index. */
void pt_logreg_predict(const double *prob, size_t n, size_t K, int multinomial,
                       double threshold, double *pred);

/* Score for the binary evaluator: Spark's rawPrediction(1), i.e. the margin m for a binomial
 * model (rawPrediction = [-m, m]) and the class-1 margin for a multinomial one (r >= 2; a
 * one-class multinomial model, where Spark has no rawPrediction(1), scores 0). */
void pt_logreg_scores(const double *margins, size_t n, size_t r, int multinomial,
                      double *score);

#endif
