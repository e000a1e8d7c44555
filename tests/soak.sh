#!/usr/bin/env bash
# soak.sh - the soak test (make soak; not part of make check): SOAK_FITS tiny fits (default
# 1,000,000) in one sweep with the result log on, the coordinator's resident memory (VmRSS)
# sampled every second; then the same sweep with a worker SIGKILLed every SOAK_KILL_EVERY
# seconds (default 2).
#
# The sweep: linearRegression on a 40-row, 2-feature CSV, SOAK_FITS / 5 param maps drawn by
# random search (--random regParam, --samples) times 5 folds, --parallelism 2. Checked for
# each run: exit 0; the coordinator's RSS during the sweep (after a warm-up: once the log
# holds a tenth of the fits; until the summary record) grows by at most SOAK_RSS_GROWTH_MB
# (default 8) over its value then -- the report and the refit after the sweep take memory
# for the table of every map, which is printed, not checked; the log holds
# exactly one result record per job, all ok, and a summary; `paratune-log show` (its rows'
# metrics, the best map's mark) and `paratune-log csv --maps` (the exact averages) equal the
# summary record; tune's `best:` line equals paratune-log best's map. The killed run must
# give the very same summary as the quiet one (the same maps, the same averages, bit for
# bit). Prints the figures: fits, seconds, fits/s, RSS at warm-up / peak / end, kills.
set -u
BIN=${BIN:-build}
BIN=$(cd "$BIN" && pwd)
PY=${PYTHON:-/usr/bin/python3}
FITS=${SOAK_FITS:-1000000}
FOLDS=5
KILL_EVERY=${SOAK_KILL_EVERY:-2}
GROWTH_MB=${SOAK_RSS_GROWTH_MB:-8}
SAMPLES=$((FITS / FOLDS))
[ "$SAMPLES" -ge 1 ] || { echo "soak: SOAK_FITS must be at least $FOLDS"; exit 2; }
FITS=$((SAMPLES * FOLDS))
W=$(mktemp -d "${TMPDIR:-/tmp}/paratune-soak.XXXXXX")
COORD=""
KILLER=""
cleanup() {
    [ -n "$KILLER" ] && kill "$KILLER" 2>/dev/null
    [ -n "$COORD" ] && kill "$COORD" 2>/dev/null && wait "$COORD" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT
fail=0

"$BIN/paratune" gen --rows 40 --features 2 --seed 11 --out "$W/d.csv" >/dev/null || exit 1
# a build with a cap on the fits of a sweep (--max-fits) gets this sweep's size as the cap
LIMIT=()
"$BIN/paratune" tune --help 2>&1 | grep -q -- --max-fits && LIMIT=(--max-fits "$FITS")

# run NAME KILL: one sweep; writes $W/NAME.{log,out,err,rss} and prints its figures.
run() {
    local name=$1 kill=$2 t0 t1 rc kills=0
    t0=$(date +%s.%N)
    "$BIN/paratune" tune --data "$W/d.csv" --pipeline linearRegression \
        --random linearRegression.regParam=uniform:0:1 --samples "$SAMPLES" --folds $FOLDS \
        --seed 5 --parallelism 2 --max-retries 10 "${LIMIT[@]}" --log "$W/$name.log" --quiet \
        >"$W/$name.out" 2>"$W/$name.err" &
    COORD=$!
    : >"$W/$name.rss"
    if [ "$kill" = 1 ]; then
        ( while sleep "$KILL_EVERY"; do
              w=$(pgrep -P "$COORD" -f paratune-worker | head -1)
              [ -n "$w" ] && kill -KILL "$w" 2>/dev/null && echo "$w" >>"$W/$name.kills"
          done ) &
        KILLER=$!
    fi
    # every second: seconds since start, VmRSS (kB), log bytes
    while kill -0 "$COORD" 2>/dev/null; do
        r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$COORD/status" 2>/dev/null)
        [ -n "$r" ] && echo "$(date +%s.%N) $r $(stat -c %s "$W/$name.log" 2>/dev/null || echo 0)" \
            >>"$W/$name.rss"
        sleep 1
    done
    wait "$COORD"
    rc=$?
    COORD=""
    t1=$(date +%s.%N)
    if [ -n "$KILLER" ]; then
        kill "$KILLER" 2>/dev/null
        wait "$KILLER" 2>/dev/null
        KILLER=""
    fi
    [ -f "$W/$name.kills" ] && kills=$(wc -l <"$W/$name.kills")
    if [ "$rc" -ne 0 ]; then
        echo "soak $name: FAIL: paratune tune exited $rc: $(tail -1 "$W/$name.err")"
        fail=1
        return
    fi
    "$BIN/paratune-log" show "$W/$name.log" >"$W/$name.show" || { echo "soak $name: FAIL: show"; fail=1; }
    "$BIN/paratune-log" csv --maps "$W/$name.log" >"$W/$name.csv" || { echo "soak $name: FAIL: csv"; fail=1; }
    "$BIN/paratune-log" best "$W/$name.log" >"$W/$name.best" || { echo "soak $name: FAIL: best"; fail=1; }
    "$PY" - "$W" "$name" "$FITS" "$t0" "$t1" "$kills" "$GROWTH_MB" <<'P' || fail=1
import csv, math, sys
import msgpack
w, name, fits, t0, t1, kills, growth_mb = sys.argv[1:]
fits, t0, t1, kills, growth_mb = int(fits), float(t0), float(t1), int(kills), float(growth_mb)
bad = []
header, summary, jobs, nres = None, None, set(), 0
with open(f'{w}/{name}.log', 'rb') as f:
    for r in msgpack.Unpacker(f, raw=False, strict_map_key=False):
        kind = r.get('record')
        if kind == 'header':
            header = r
        elif kind == 'summary':
            summary = r
        elif kind == 'result':
            nres += 1
            if r['status'] != 'ok':
                bad.append(f"result {r['param_index']}/{r['fold']}: {r['status']} {r.get('error')}")
            jobs.add((r['param_index'], r['fold']))
nmaps = len(header['param_maps'])
if nres != fits or len(jobs) != fits:
    bad.append(f'{nres} result records for {len(jobs)} distinct jobs; expected {fits}')
if summary is None:
    bad.append('no summary record')
else:
    avg = summary['avg_metrics']
    # paratune-log csv --maps: the exact averages
    with open(f'{w}/{name}.csv') as f:
        rows = list(csv.DictReader(f))
    if len(rows) != nmaps:
        bad.append(f'csv --maps: {len(rows)} maps, the log {nmaps}')
    for row in rows:
        i = int(row['param_index'])
        if float(row['avg_metric']) != avg[i]:
            bad.append(f"csv --maps: map {i}: {row['avg_metric']} != summary {avg[i]!r}")
            break
        if (row['best'] == 'true') != (i == summary['best_index']):
            bad.append(f'csv --maps: map {i} best mark wrong')
            break
    # paratune-log show: each row's metric (as printed) and the best map's mark
    shown = {}
    star = None
    with open(f'{w}/{name}.show') as f:
        for line in f:
            t = line.split()
            if len(t) >= 3 and (t[0] == '*' and t[1].isdigit() or t[0].isdigit()):
                if t[0] == '*':
                    star = int(t[1])
                    t = t[1:]
                shown[int(t[0])] = float(t[2])
    if len(shown) != nmaps:
        bad.append(f'show: {len(shown)} rows, the log {nmaps} maps')
    for i, v in shown.items():
        if not math.isclose(v, avg[i], rel_tol=1e-5):
            bad.append(f'show: map {i}: {v} != summary {avg[i]!r}')
            break
    if star != summary['best_index']:
        bad.append(f"show: best mark on {star}, summary best_index {summary['best_index']}")
    best = open(f'{w}/{name}.best').read().split()
    params = summary['best_params'] or {}
    if sorted(best) != sorted(f'{k}={v!r}' for k, v in params.items()):
        bad.append(f'best: {best} != summary {params}')
    with open(f'{w}/{name}.out') as f:
        tline = [l for l in f if l.startswith('best: ')]
    if not tline or not tline[-1].startswith(f"best: #{summary['best_index']} "):
        bad.append(f"tune's best line {tline[-1:]} != summary #{summary['best_index']}")
# memory: the sweep runs while the log grows (the summary ends it; the report and the refit
# come after); its warm-up ends when the log holds a tenth of its final size
samples = [tuple(float(x) for x in l.split()) for l in open(f'{w}/{name}.rss') if l.strip()]
final = max(s[2] for s in samples) if samples else 0
sweep = [s for s in samples if final / 10 <= s[2] < final]
tail = [s for s in samples if s[2] >= final]
warm = sweep[0][1] if sweep else float('nan')
peak = max(s[1] for s in sweep) if sweep else float('nan')
endpeak = max(s[1] for s in tail) if tail else float('nan')
if len(sweep) < 2:
    print(f'soak {name}: note: only {len(sweep)} RSS samples in the sweep after warm-up (a short run)')
elif peak - warm > growth_mb * 1024:
    bad.append(f'RSS grew {(peak - warm) / 1024:.1f} MB during the sweep (bound {growth_mb:g} MB)')
secs = t1 - t0
print(f'soak {name}: {fits} fits ({nmaps} maps x {fits // nmaps} folds) in {secs:.1f} s = '
      f'{fits / secs:.0f} fits/s; log {final / 1e6:.0f} MB, {nres} results; coordinator RSS '
      f'in the sweep {warm / 1024:.1f} MB after warm-up, peak {peak / 1024:.1f} MB '
      f'({len(sweep)} samples); after it (table, refit) peak {endpeak / 1024:.1f} MB; '
      f'workers killed: {kills}')
for b in bad:
    print(f'soak {name}: FAIL: {b}')
if summary is not None:
    with open(f'{w}/{name}.summary', 'wb') as f:
        f.write(msgpack.packb([summary['avg_metrics'], summary['std_metrics'],
                               summary['best_index'], summary['best_params']]))
sys.exit(1 if bad else 0)
P
}

run quiet 0
run killed 1
if [ -f "$W/quiet.summary" ] && [ -f "$W/killed.summary" ]; then
    if cmp -s "$W/quiet.summary" "$W/killed.summary"; then
        echo "soak: the killed run's summary equals the quiet run's (averages, stds, best)"
    else
        echo "soak: FAIL: the killed run's summary differs from the quiet run's"
        fail=1
    fi
fi
[ "$fail" = 0 ] && echo "soak: ok" || echo "soak: FAILED"
exit $fail
