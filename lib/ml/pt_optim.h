/* pt_optim.h - L-BFGS and OWL-QN: minimising a smooth function plus an optional L1 term.
 *
 * The solver knows nothing of the model it fits: the caller gives the smooth part f as a
 * callback (value and gradient at a point) with its context, the L1 weights, and a diagonal
 * preconditioner, as LIBLINEAR's tron.h separates function and solver. pt_logreg is the
 * caller today; any objective with a gradient can use it.
 *
 * Method: L-BFGS with 10 correction pairs (Spark's m) and a weak-Wolfe line search
 * (bracketing and bisection) when there is no L1 term; OWL-QN (Andrew & Gao 2007, as Breeze's
 * OWLQN) with a backtracking, orthant-projected line search otherwise. The two-loop recursion
 * starts from H0 = gamma diag(pre), gamma = s.y / y.(pre y) of the newest pair.
 * Stopping rule (Breeze's defaultConvergenceCheck with tol, relative): after an iteration,
 * converged when |F - max(F over the last 20 iterations)| <= tol |F_0| (the window counts
 * only once 20 values exist, F_0 = the starting objective, or fscale when given), or
 * when the Euclidean norm of the (pseudo-)gradient <= max(tol |F|, 1e-8); the gradient test
 * is also applied at the start. A line search that fails twice in a row (the second time
 * after dropping the history) ends the run as Breeze's SearchFailed does and counts as
 * converged (it only happens when no representable step lowers F). Otherwise the run stops
 * after max_iter iterations with converged = 0.
 */
#ifndef PT_OPTIM_H
#define PT_OPTIM_H

#include <stddef.h>

/* The correction pairs of a run, kept for the next run on a nearby problem (a warm start:
 * a regularization path), so that it starts with the curvature the last one learnt. */
typedef struct {
    size_t d;      /* variables */
    size_t count;  /* pairs held, oldest first (at most PT_OPTIM_PAIRS) */
    double *S, *Y; /* PT_OPTIM_PAIRS x d each (steps and gradient changes); owned */
} pt_optim_pairs_t;
#define PT_OPTIM_PAIRS 10

/* Room for the pairs of d variables, none held. 0 or -ENOMEM (p then holds nothing). */
int pt_optim_pairs_init(pt_optim_pairs_t *p, size_t d);
/* Frees what p holds and zeroes it; accepts a zeroed p and a second call. */
void pt_optim_pairs_free(pt_optim_pairs_t *p);
/* The pairs for the objective f + sum_i shift_i x_i^2 / 2 (another L2 weight): y += shift s
 * for each pair, exact for that change; a pair whose curvature s.y is then no longer
 * positive is dropped. */
void pt_optim_pairs_shift(pt_optim_pairs_t *p, const double *shift);

/* The smooth part f: returns f(x) and writes its gradient (d values) to g. */
typedef double (*pt_optim_fn)(void *ctx, const double *x, double *g);

typedef struct {
    pt_optim_fn f;     /* the smooth part */
    void *ctx;         /* passed to f */
    size_t d;          /* number of variables */
    const double *l1;  /* d weights >= 0 of the term sum l1_i |x_i| (OWL-QN), or NULL (L-BFGS) */
    const double *pre; /* d positive values of the diagonal preconditioner, or NULL for 1 */
    double fscale;     /* > 0: the |F_0| the relative test scales tol by (a warm start gives
                          the objective at the cold start, so that tol means what it means
                          for a cold fit); 0: |F| at the starting x */
    pt_optim_pairs_t *pairs; /* d variables: the run starts with these pairs (a warm start)
                                and leaves its last ones there; NULL: none */
} pt_optim_problem_t;

typedef struct {
    int iterations; /* iterations run (accepted steps) */
    int converged;  /* 1 when the stopping rule held, 0 when max_iter stopped the run */
    double fval;    /* F = f + the L1 term at the returned x */
    double fstart;  /* F at the starting x */
} pt_optim_result_t;

/* Minimises f + sum l1_i |x_i| from x (d values, overwritten with the result), with at most
 * max_iter >= 0 iterations and the relative tolerance tol >= 0. Fills *res. Returns 0, or
 * -ENOMEM (x then unchanged). The arrays of pb are only read. */
int pt_optim_minimize(const pt_optim_problem_t *pb, double *x, int max_iter, double tol,
                      pt_optim_result_t *res);

#endif
