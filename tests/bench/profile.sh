#!/usr/bin/env bash
# profile.sh - where the time of the benchmark workloads goes (not part of make check/bench).
#
#   BIN=build tests/bench/profile.sh [a|b|c|load ...]     (default: a b c)
#
# Uses the data files `make bench` left in BENCH_DIR (run it first). Needs perf (linux-perf;
# the cpu-clock software event works in VMs without hardware counters) and, for the log
# analysis, python3-msgpack. Writes perf.data files and reports to PROF_DIR (default
# BENCH_DIR/prof) and prints, per workload:
#   - CPU per thread (coordinator main thread, its ZeroMQ I/O thread, workers and theirs),
#     per library, and the top symbols, from `perf record -e cpu-clock` of the process tree;
#   - (a), (b): logstats.py of the result log (start-up, work, per-job overhead);
#   - (c): syscalls per job and thread from `perf trace -s` (slow under tracing: the counts
#     matter, not the times).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$(cd "${BIN:-build}" && pwd)
D=${BENCH_DIR:-/tmp/paratune-bench-$(id -u)}
P=${PROF_DIR:-$D/prof}
F=${PROF_FREQ:-10000}
mkdir -p "$P"
command -v perf >/dev/null || { echo "profile.sh: needs perf (apt-get install linux-perf)" >&2; exit 2; }
GRID=(--pipeline pca,linearRegression --grid pca.k=15,20,40,75
      --grid linearRegression.regParam=0.001,0.003,0.01,0.03)

# rec NAME ARGS...: perf record of `paratune tune ARGS`, then the summaries.
rec() {
    local name=$1
    shift
    echo "== $name: paratune tune $*" | cut -c1-300
    perf record -q -o "$P/$name.data" -e cpu-clock -F "$F" -- "$BIN/paratune" tune "$@" \
        >"$P/$name.out" 2>"$P/$name.err" || { tail -3 "$P/$name.err"; return 1; }
    grep -a "paratune: load" "$P/$name.err" || true
    echo "-- CPU per thread (ms; sampled at $F Hz)"
    perf report -i "$P/$name.data" --sort pid -n --stdio 2>/dev/null | grep -v '^#' |
        awk -v f="$F" 'NF >= 3 {printf "   %8.1f ms  %s\n", $2 * 1000 / f, $3}' | head -8
    echo "-- per thread name and library (ms)"
    perf report -i "$P/$name.data" --sort comm,dso -n --stdio 2>/dev/null | grep -v '^#' |
        awk -v f="$F" 'NF >= 4 {printf "   %8.1f ms  %-16s %s\n", $2 * 1000 / f, $3, $4}' |
        head -12
    echo "-- top symbols"
    perf report -i "$P/$name.data" --sort comm,dso,sym --stdio 2>/dev/null | grep -v '^#' |
        grep -v '^$' | head -"${PROF_TOP:-20}"
}

logstats() {
    /usr/bin/python3 "$HERE/logstats.py" "$@" 2>&1 | sed 's/^/   /' || true
}

for w in "${@:-a b c}"; do
    case $w in
    a)
        for p in 1 2; do
            rec a_p$p --data "$D/gen_10000x100_s7.csv" "${GRID[@]}" --validator tvs \
                --train-ratio 0.8 --seed 42 --parallelism $p --log "$P/a.log" --overwrite
            logstats "$P/a.log" $p
        done ;;
    b)
        for cfg in "1 " "2 " "1 --no-cache" "2 --no-cache"; do
            set -- $cfg
            rec "b_p$1${2:+_nocache}" --data "$D/gen_200000x200_s7.csv" "${GRID[@]}" \
                --folds 3 --seed 42 --parallelism "$@" --log "$P/b.log" --overwrite
            logstats "$P/b.log" "$1"
        done ;;
    load)
        rec load --data "$D/gen_700000x190_s7.csv" --pipeline linearRegression \
            --folds 2 --seed 1 --parallelism 1 ;;
    c)
        G="linearRegression.regParam=$(seq -s, 0 9999)"
        for p in 1 2; do
            rec c_nolog_p$p --data "$D/gen_8x2_s7.csv" --pipeline linearRegression --grid "$G" \
                --folds 2 --seed 1 --parallelism $p
            rec c_log_p$p --data "$D/gen_8x2_s7.csv" --pipeline linearRegression --grid "$G" \
                --folds 2 --seed 1 --parallelism $p --log "$P/c.log" --overwrite
            logstats "$P/c.log" $p
        done
        echo "== c: syscalls per job (perf trace -s, no log, parallelism 1; 20000 jobs)"
        perf trace -s -o "$P/c_trace.txt" -- "$BIN/paratune" tune --data "$D/gen_8x2_s7.csv" \
            --pipeline linearRegression --grid "$G" --folds 2 --seed 1 --parallelism 1 \
            >/dev/null 2>&1
        awk '/events,/ {t=$1" "$2} /^ +[a-z_0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+/ {
                 if ($2 >= 2000) printf "   %-24s %-14s %6.2f per job\n", t, $1, $2 / 20000 }' \
            "$P/c_trace.txt" ;;
    *) echo "profile.sh: unknown workload $w" >&2; exit 2 ;;
    esac
done
