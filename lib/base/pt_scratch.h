/* pt_scratch.h - the working arrays of a numeric routine in one allocation.
 *
 * The solvers need several double arrays of known lengths for the length of one call (the
 * optimizer's gradients and history, logistic regression's centred chunk, margins and
 * gradients). Carving them out of one block gives one allocation to check and one free,
 * where a malloc per array needed a check and a free per array. Each array starts at an even
 * offset, so it keeps the 16-byte alignment malloc gives and the BLAS kernels saw when each
 * array had its own block.
 */
#ifndef PT_SCRATCH_H
#define PT_SCRATCH_H

#include <stddef.h>

/* Allocates one block for k arrays of n[i] doubles (uninitialised) and points *v[i] at the
 * i-th. Returns the block, which the caller frees to release every array, or NULL when out
 * of memory or the total overflows (the *v[i] are then left as they were). */
double *pt_scratch_alloc(double **const v[], const size_t n[], size_t k);

#endif
