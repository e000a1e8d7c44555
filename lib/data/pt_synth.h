/* pt_synth.h - synthetic regression data for `paratune gen` and the benchmarks.
 *
 * Correlated features (a low-rank latent structure plus noise, so that PCA has something to
 * find) and a linear label plus noise, from one seeded splitmix64 stream.
 */
#ifndef PT_SYNTH_H
#define PT_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "pt_dataset.h"

/* rows x features with label = x . beta + 3 + noise, features named f0.., the label
 * "label". Deterministic for a given seed. Owned (pt_dataset_destroy); NULL when out of
 * memory. */
pt_dataset_t *pt_synth_regression(size_t rows, size_t features, uint64_t seed);

#endif
