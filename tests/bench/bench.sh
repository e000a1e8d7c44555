#!/usr/bin/env bash
# bench.sh - paratune's benchmark (`make bench`; not part of `make check` or CI).
#
# Runs six workloads against the built programs in $BIN and prints, for each, the median
# wall time of the whole `paratune tune` process over BENCH_RUNS runs, the speedup of
# parallelism 2..cores over parallelism 1, and the ratio to scikit-learn's GridSearchCV on
# the same data, pipeline, grid and folds (when /usr/bin/python3 has sklearn); then a table
# of the performance targets with the measured figure and PASS/MISS. (a) and (b) also load a
# copy of their data with every field in double quotes and print the load phase of both side
# by side (medians, quoted/plain ratio; target: within 2x).
#   (a) seed example: 10,000 x 100, pca.k x regParam 4 x 4, tvs 0.8
#   (b) heavy: 200,000 x 200, same grid, 3-fold CV, with and without --no-cache
#   (c) dispatch: 20,000 near-empty jobs (8 rows, 2 features, 10,000 regParams x 2 folds)
#   (d) memory: 700,000 x 190 (~1 GiB of doubles), each worker's private memory
#   (e) forest: 200,000 x 30 binary classification (tests/bench/sk_forest.py gen),
#       randomForestClassifier maxDepth {5,10} x numTrees {50,100} x featureSubsetStrategy
#       {sqrt,onethird}, 3-fold CV, parallelism 1 and 2, against GridSearchCV of
#       RandomForestClassifier (n_jobs 2, equivalent settings): the ratio, both best
#       areaUnderROC (within 1%), the binned image's memory as paratune reports it, p2/p1
#   (f) boosting: the same kind of data, gbtClassifier maxDepth {3,5,7} x stepSize
#       {0.05,0.1,0.2} x maxIter {50,100,200}, maxBins 32, 3-fold CV, parallelism 1 and 2 (and
#       2 with maxIter sharing off, when `paratune tune --help` lists a --no-...shar... switch),
#       against GridSearchCV(n_jobs 2) of XGBoost hist and of scikit-learn's
#       HistGradientBoostingClassifier, one thread per fit, learning rate 2 x stepSize
#       (tests/bench/sk_boost.py): both ratios (targets 3x and 5x), best areaUnderROC (within
#       1%), p2/p1. Quick: BENCH_QUICK=1 BENCH_WORKLOADS=f (20,000 rows, depth {3,5} x
#       stepSize {0.1,0.2} x maxIter {20,50})
#   (g) regularization paths: --path on vs off on a 10-point regParam path, 3-fold CV,
#       parallelism 2, for logistic L2, logistic elastic net (200,000 x 40 binary, made
#       under BENCH_DIR) and linear elastic net (100,000 x 40 `paratune gen`): solver
#       iterations, sweep time, the largest difference of the maps' averages (target 1e-6)
#       and the best map; then the logistic whole process at parallelism 1 vs 2 (target
#       1.8x). Quick: 20,000 rows
#   (p) predict: a randomForestClassifier of 500 trees of depth 10 (fit on 50,000 rows) applied
#       by `paratune predict` to 1,000,000 rows x 30 (BENCH_QUICK: 100 trees, 100,000 rows)
#   (o) scale-out: tools/scaleout_sim.py's predictions for 2-4 paratune-agents on localhost
#       (tune --listen) against the measured dispatch rate and the time until every agent has
#       the image, calibrated on one agent (tests/bench/scaleout.py; target: within 25%)
#   (s) start-up, stats phase, dispatch (issue 16): the seed workload (a) whole process at
#       parallelism 1 and 2 and GridSearchCV n_jobs=1 (targets p1/p2 >= 1.3, >= 40x), the
#       stats phase p2/p1 at 1M x 100 (>= 1.8), near-empty jobs/s at parallelism 2 with the
#       log, pinned and unpinned (>= 30,000); paired runs, medians of max(BENCH_RUNS, 5)
#   (t) tabular: 100,000 rows with 3 string columns (tests/bench/gen_cat.py), stringIndexer +
#       oneHotEncoder (+ imputer) + linearRegression: load, shared memory and sweep seconds
#   (h) successive halving (--search halving) vs the full grid sweep, paired runs at
#       parallelism 2: the seed workload (a) and 30,000 x 30 with pca.k 1..30 x 8 regParam
#       (240 maps, 3-fold cv): fits, wall time, the chosen map's full-sweep rmse beside the
#       full sweep's best (BENCH_QUICK: 3,000 rows)
#   (r) racing: --race against the full sweep, paired runs, 5-fold CV, on the seed example's
#       data and grid (10,000 x 100, 16 maps) and on a 240-map grid (30,000 x 30, pca.k 1..30
#       x 8 regParams): fits run and saved, wall time, the chosen map and its rmse beside the
#       full sweep's best (targets: within 0.5%; >= 25% of the 240-map grid's fits saved)
#   (m) loading and memory: 1,000,000 x 100 (BENCH_QUICK: 100,000), linearRegression, 3-fold
#       CV, parallelism 2: peak RSS of every paratune process / the image's size (target
#       <= 1.2x), the load's MB/s (parse + image; target >= 1 GB/s), and --image-cache's
#       first run (parse, write the cache) against the second (map it); then the load's CPU
#       seconds (per GB of CSV) beside its wall time, paired with BENCH_BASE's build if set
#   (n) agents (tests/bench/bench_agents.py): tune --listen with 2 paratune-agents on
#       127.0.0.1 vs local: dispatch rate over TCP vs ipc, image shipping MB/s and the time
#       until every node has its image (shipped, and read from the shared --image-cache
#       file), the seed workload's overhead
#
# Environment:
#   BIN               directory of paratune and paratune-worker (default build)
#   BENCH_RUNS        runs per measured configuration (default 3); the median is reported
#   BENCH_QUICK=1     small sizes, for a fast sanity run (the targets are for full sizes)
#   BENCH_DIR         where data files, logs and sklearn's .npy caches go (default
#                     /tmp/paratune-bench-UID); data files are reused when present
#   BENCH_WORKLOADS   comma-separated subset of the letters above (default all; e alone:
#                     BENCH_WORKLOADS=e, quick: BENCH_QUICK=1 BENCH_WORKLOADS=e, 20,000 rows)
#   BENCH_SKLEARN=0   skip the scikit-learn side
#   BENCH_SK_HEAVY_RUNS  sklearn runs for (b), (e) and (f) (default 1: one run takes minutes)
#   BENCH_WAIT_QUIET=S   before each workload wait up to S seconds for the machine to be idle
#                     (other processes < 10% of a core), as other users' test runs skew times
#   BENCH_MAX_OTHER=C  a run (>= 1 s) during which other processes kept more than C cores busy
#                     (default 0.15) is repeated, at most twice
#   BENCH_JSON=FILE   also write every measured figure as JSON
#   BENCH_BASE=DIR    (m): another build's programs (e.g. main's build/) measured in paired
#                     runs beside this one: the load's wall time and CPU seconds per GB
#   PYTHON            the python3 to drive the benchmark with (default /usr/bin/python3)
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are left as they are for paratune; the sklearn
# command alone runs with both unset (numpy's own kernel choice), and both kernels are shown.
# A full run takes about 10-15 minutes on 2 cores, the first one a few more to generate data.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${BIN:-build}
PY=${PYTHON:-/usr/bin/python3}
if [ ! -x "$BIN/paratune" ] || [ ! -x "$BIN/paratune-worker" ]; then
    echo "bench.sh: no $BIN/paratune or $BIN/paratune-worker; run make first" >&2
    exit 2
fi
if ! command -v "$PY" >/dev/null 2>&1; then
    echo "bench.sh: needs $PY (python3) to drive the runs" >&2
    exit 2
fi
exec "$PY" "$HERE/bench.py" --bin "$BIN"
