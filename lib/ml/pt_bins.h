/* pt_bins.h - Spark ML's findSplits (bin thresholds of the features) and the binned codes.
 *
 * A tree learner sees each feature as small integer codes: a continuous feature's value x
 * becomes bin b when thr[b-1] < x <= thr[b] (so split s, "x <= thr[s]", sends bins 0..s
 * left), a categorical feature's value is its global code (0..size-1). The thresholds come
 * from the training rows of a fold only, as Spark's RandomForest.findSplits computes them
 * (its sample rule, its inferred weight of the value 0, midpoints, its stride rule); the
 * codes are written once per (training set, maxBins), column-major, so that the histogram
 * builder (pt_hist) reads one feature's codes as one contiguous array, in shared memory or
 * not. Every tree learner (decision trees, forests, boosting) reads the same codes.
 *
 * Spark samples the rows with its XORShiftRandom; paratune draws its Bernoulli sample from a
 * splitmix64 stream seeded from the seed (documented below), so on data large enough to be
 * sampled (more than max(maxBins^2, 10000) rows) the thresholds are Spark's rule on a
 * different sample, not Spark's numbers bit for bit. Without sampling they are exact.
 */
#ifndef PT_BINS_H
#define PT_BINS_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

/* Reads training row i (0 <= i < n) as p tree-feature values into out[0..p): continuous
 * values, then categorical global codes as doubles. Called from one thread at a time by
 * pt_bins_find; pt_bins_code calls it for its range only (so ranges may be coded by
 * different threads when the reader allows it). */
typedef void (*pt_rows_fn)(void *arg, size_t i, double *out);

typedef struct {
    size_t p, p_num;       /* features; the first p_num are continuous */
    uint32_t *nbins;       /* p: bins of each feature (continuous: thresholds + 1;
                              categorical: its size, the number of global codes) */
    double **thr;          /* p: a continuous feature's nbins-1 ascending thresholds
                              (x <= thr[s] goes left of split s); NULL for categorical */
    int wide;              /* codes are uint16 (some nbins > 256), else uint8 */
    int max_bins;          /* maxBins they were found with (min(maxBins, n) in effect) */
} pt_bins_t;

/* Spark's findSplits on n training rows read through rows (w: n instance weights >= 0, or
 * NULL for 1), with max_bins (>= 2) and seed. cat_size[k] (k < ncat): global codes of
 * categorical feature k (1..65536).
 *
 * The rule (Spark's, DecisionTreeMetadata and RandomForest.findSplitsBySorting): maxPossibleBins
 * = min(max_bins, n); required = max(maxPossibleBins^2, 10000); when required < n each row is
 * kept with probability required / n (a Bernoulli sample: row i is kept when the i-th uniform
 * of the splitmix64 stream seeded with pt_mix64(seed ^ 0x62696e73) -- "bins" -- is below the
 * fraction), else every row is used. Per continuous feature, the sampled rows' non-zero values
 * and their weights are gathered; the weight of 0 is inferred as fraction * W_total minus
 * their sum and added when above 100 * DBL_EPSILON * (non-zero rows). Distinct sorted values
 * v_0 < ... < v_{d-1}: no threshold when d = 1 (or no non-zero value at all), every midpoint
 * when d - 1 <= maxPossibleBins - 1, else Spark's stride walk (stride = fraction * W_total /
 * maxPossibleBins) which may give fewer thresholds.
 *
 * Fills *out (free with pt_bins_free). 0, or -EINVAL (NaN or infinite value, a code outside
 * its size, a bad argument) / -ENOMEM with err. */
int pt_bins_find(pt_rows_fn rows, void *arg, size_t n, size_t p_num, size_t ncat,
                 const uint64_t *cat_size, const double *w, int max_bins, uint64_t seed,
                 pt_bins_t *out, char *err);
/* Frees what *b holds and zeroes it; accepts a zeroed or NULL b. */
void pt_bins_free(pt_bins_t *b);
/* Bytes of the codes of n rows. */
size_t pt_bins_code_bytes(const pt_bins_t *b, size_t n);
/* The bin of value x of continuous feature j: the number of thresholds below x (NaN: the
 * last bin, as it goes right of every split). */
uint32_t pt_bins_bin(const pt_bins_t *b, size_t j, double x);
/* Writes the codes of rows [lo, hi) of n into dst (pt_bins_code_bytes(b, n) bytes,
 * column-major: feature j's n codes at byte offset j * n * (wide ? 2 : 1)). Ranges may be
 * written by different processes or threads. A categorical value is written as it is (the
 * caller checked it is a code below its size). */
void pt_bins_code(const pt_bins_t *b, pt_rows_fn rows, void *arg, size_t n, size_t lo,
                  size_t hi, void *dst);
/* The thresholds as a msgpack map {max_bins, p_num, nbins: [p], thr: [[...] per continuous
 * feature]}; unpack reads it back into a zeroed *b (free with pt_bins_free on success and
 * failure). 0, or -EBADMSG / -ENOMEM with err. */
void pt_bins_pack(const pt_bins_t *b, msgpack_packer *pk);
int pt_bins_unpack(const msgpack_object *o, pt_bins_t *b, char *err);

#endif
