# t_40_log.sh - paratune-log on logs of real sweeps: show, csv, json, best, compare, heatmap,
# timeline; torn, live and foreign files (sourced by run.sh). What it prints or draws is
# checked against the log read with python3-msgpack by plogcheck.py; SVGs must parse as XML
# (xmllint, from libxml2-utils).
# Uses the logs earlier files leave in $W: p3.log (tvs, pca.k x regParam, 6 maps), base.log
# (cv 3 folds), fail.log (map 1 failed), hang.log (a timeout), allfail.log, k9.log (resumed),
# cv.log, fc.log (r2), ov3.log (parallelism 3).

CHK=("$PY" "$HERE/plogcheck.py")
KEYS=(--x pca.k --y linearRegression.regParam)

# one_line_error RC WANT_RC ERRFILE FILE: exit WANT_RC and one stderr line naming FILE
one_line_error() {
    local rc=$1 want=$2 err=$3 file=$4
    if [ "$rc" -ne "$want" ]; then echo "exit $rc, want $want: $(head -c 300 "$err")"; return 1; fi
    if [ "$(wc -l <"$err")" -ne 1 ]; then echo "$(wc -l <"$err") stderr lines: $(head -c 300 "$err")"; return 1; fi
    if ! grep -q "^paratune-log: .*$file" "$err"; then echo "message: $(cat "$err")"; return 1; fi
}

begin "paratune-log show: every map once, best first and marked, failed maps last"
msg=""
for l in p3 base fail hang cv fc k9; do
    if ! ptlog show "$W/$l.log" >"$W/t40.show" 2>"$W/t40.err"; then msg="$l: $(cat "$W/t40.err")"; break; fi
    if ! m=$("${CHK[@]}" show "$W/$l.log" "$W/t40.show" 2>&1); then msg="$l: $m"; break; fi
done
if [ -n "$msg" ]; then bad "$msg";
elif ! ptlog "$W/fail.log" | sed '/^$/,$d' | tail -1 | grep -q "failed"; then bad "failed map not last";
elif ! ptlog show "$W/base.log" | sed -n 2p | grep -q "std"; then bad "no std column for cv";
else ok; fi

begin "show fits the terminal width: long param names shortened, metric columns kept"
wide=$(ptlog show "$W/p3.log")
narrow=$(COLUMNS=60 ptlog show "$W/p3.log")
if ! echo "$wide" | grep -q "linearRegression.regParam"; then bad "no full names when not a terminal";
elif echo "$narrow" | sed -n '2,$p' | $PY -c 'import sys; sys.exit(any(len(l.rstrip("\n")) > 60 for l in sys.stdin))'; then
    if echo "$narrow" | grep -q "linearRegression.regParam" || ! echo "$narrow" | grep -q "regParam"; then bad "names: $narrow";
    elif [ "$(echo "$wide" | awk 'NR>2 && NF==0{exit} NR>2{print $(NF-3)}')" != "$(echo "$narrow" | awk 'NR>2 && NF==0{exit} NR>2{print $(NF-3)}')" ]; then bad "metric column changed: $narrow";
    else ok; fi
else bad "a line is wider than 60: $narrow"; fi

begin "csv: one row per result record, every field as in the log"
msg=""
for l in base fail hang mem k9; do
    if ! ptlog csv "$W/$l.log" >"$W/t40.csv" 2>"$W/t40.err"; then msg="$l: $(cat "$W/t40.err")"; break; fi
    if ! m=$("${CHK[@]}" csv "$W/$l.log" "$W/t40.csv" 2>&1); then msg="$l: $m"; break; fi
    if ! ptlog csv --maps "$W/$l.log" >"$W/t40.csv" 2>"$W/t40.err"; then msg="$l --maps: $(cat "$W/t40.err")"; break; fi
    if ! m=$("${CHK[@]}" csvmaps "$W/$l.log" "$W/t40.csv" 2>&1); then msg="$l --maps: $m"; break; fi
done
if [ -n "$msg" ]; then bad "$msg"; else ok; fi

begin "json: every record round-trips (equal to python3-msgpack's records, NaN as null)"
msg=""
for l in p3 base fail hang mem cv fc k9; do
    if ! ptlog json "$W/$l.log" >"$W/t40.jsonl" 2>"$W/t40.err"; then msg="$l: $(cat "$W/t40.err")"; break; fi
    if [ -s "$W/t40.err" ]; then msg="$l: stderr $(cat "$W/t40.err")"; break; fi
    if ! m=$("${CHK[@]}" json "$W/$l.log" "$W/t40.jsonl" 2>&1); then msg="$l: $m"; break; fi
done
if [ -n "$msg" ]; then bad "$msg"; else ok; fi

begin "best: the map a python3-msgpack script finds; its lines work as --set options"
msg=""
for l in p3 base fail cv fc k9; do
    if ! ptlog best "$W/$l.log" >"$W/t40.best" 2>"$W/t40.err"; then msg="$l: $(cat "$W/t40.err")"; break; fi
    if ! m=$("${CHK[@]}" best "$W/$l.log" "$W/t40.best" 2>&1); then msg="$l: $m"; break; fi
done
if [ -n "$msg" ]; then bad "$msg";
else
    # fc.log's best map has an int, a float and a bool (standardization=false)
    args=()
    while IFS= read -r s; do args+=(--set "$s"); done < <(ptlog best "$W/fc.log")
    if ! pt tune --data "$W/data.csv" --pipeline pca,linearRegression "${args[@]}" --validator tvs \
        --log "$W/t40set.log" --quiet >/dev/null 2>"$W/t40.err"; then bad "tune --set: $(cat "$W/t40.err")";
    elif ! $PY -c '
import sys, msgpack
a = list(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False))
b = list(msgpack.Unpacker(open(sys.argv[2], "rb"), raw=False))
assert b[0]["param_maps"] == [a[-1]["best_params"]], (b[0]["param_maps"], a[-1]["best_params"])' \
        "$W/fc.log" "$W/t40set.log"; then bad "the --set sweep ran another map";
    else check_clean && ok; fi
fi

$PY "$HERE/logtool.py" cut "$W/base.log" "$W/t40torn.log"

begin "best without a best map exits 1 and says why; --partial takes the best so far"
ptlog best "$W/allfail.log" >"$W/t40.out" 2>"$W/t40.err"; r1=$?
ptlog best "$W/t40torn.log" >"$W/t40.out2" 2>"$W/t40.err2"; r2=$?
ptlog best --partial "$W/t40torn.log" >"$W/t40.out3" 2>"$W/t40.err3"; r3=$?
if [ $r1 -ne 1 ] || ! grep -q "every param map failed" "$W/t40.err"; then bad "all failed: exit $r1: $(cat "$W/t40.err")";
elif [ -s "$W/t40.out" ] || [ -s "$W/t40.out2" ]; then bad "printed a best anyway";
elif [ $r2 -ne 1 ] || ! grep -q "not finished (17 of 18 jobs" "$W/t40.err2"; then bad "unfinished: exit $r2: $(cat "$W/t40.err2")";
elif [ $r3 -ne 0 ] || ! grep -q "pca.k=" "$W/t40.out3" || ! grep -q "torn" "$W/t40.err3"; then bad "--partial: exit $r3: $(cat "$W/t40.out3" "$W/t40.err3")";
else ok; fi

begin "compare: two sweeps side by side over their common param maps"
pt tune --data "$W/data.csv" --pipeline pca,linearRegression "${GRID[@]}" \
    --grid linearRegression.elasticNetParam=0,0.5 --validator tvs --parallelism 3 \
    --log "$W/t40axes.log" --quiet >/dev/null 2>"$W/t40.err" || bad "3-axis sweep: $(cat "$W/t40.err")"
ptlog compare "$W/base.log" "$W/p3.log" >"$W/t40.cmp" 2>"$W/t40.err"; r1=$?
ptlog compare "$W/p3.log" "$W/t40axes.log" >"$W/t40.cmp2" 2>&1; r2=$?
ptlog compare "$W/base.log" "$W/lr.log" >/dev/null 2>"$W/t40.err3"; r3=$?
rows=$(grep -cE '^(A|B|AB)? +[0-9]+ +[0-9]+ ' "$W/t40.cmp")
if [ $r1 -ne 0 ]; then bad "exit $r1: $(cat "$W/t40.err")";
elif [ "$rows" -ne 6 ] || ! grep -q "^A: .*base.log" "$W/t40.cmp" || ! grep -q "^B: .*p3.log" "$W/t40.cmp" ||
     ! grep -q "6 param maps in common" "$W/t40.cmp" || ! grep -q "B - A" "$W/t40.cmp"; then bad "$(cat "$W/t40.cmp")";
elif [ $r2 -ne 0 ] || ! grep -q "6 param maps in common; 0 only in A, 6 only in B" "$W/t40.cmp2"; then bad "defaults not matched: $(cat "$W/t40.cmp2")";
elif [ $r3 -ne 1 ] || ! grep -q "no param map in common" "$W/t40.err3"; then bad "disjoint: exit $r3: $(cat "$W/t40.err3")";
else ok; fi

begin "heatmap: valid SVG, one cell per grid point with its map's average, best marked"
msg=""
for l in p3 base fail; do
    rm -f "$W/t40.svg"
    if ! ptlog heatmap "$W/$l.log" "${KEYS[@]}" --out "$W/t40.svg" 2>"$W/t40.err"; then msg="$l: $(cat "$W/t40.err")"; break; fi
    if ! xmllint --noout "$W/t40.svg" 2>"$W/t40.err"; then msg="$l: not XML: $(head -3 "$W/t40.err")"; break; fi
    if ! m=$("${CHK[@]}" heatmap "$W/$l.log" "$W/t40.svg" pca.k linearRegression.regParam fixed 2>&1); then msg="$l: $m"; break; fi
done
if [ -n "$msg" ]; then bad "$msg";
elif [ "$(grep -c 'class="cell' "$W/t40.svg")" -ne 6 ]; then bad "not 6 cells";
elif [ "$(grep -c 'class="cell failed"' "$W/t40.svg")" -ne 1 ] || ! grep -q '>failed<' "$W/t40.svg"; then bad "failed map not grey";
elif ! grep -q 'class="xtick"[^>]*>12<' "$W/t40.svg" || ! grep -q 'class="ytick"[^>]*>0.001<' "$W/t40.svg" ||
     ! grep -q 'class="xlabel"[^>]*>pca.k<' "$W/t40.svg"; then bad "axes not labelled";
else ok; fi

begin "heatmap over a 3-axis grid: other axis fixed at the best map's value, or averaged"
msg=""
for mode in fixed average; do
    extra=()
    [ $mode = average ] && extra=(--average)
    if ! ptlog heatmap "$W/t40axes.log" --x k --y regParam "${extra[@]}" --out "$W/t40.svg" 2>"$W/t40.err"; then msg="$mode: $(cat "$W/t40.err")"; break; fi
    if ! xmllint --noout "$W/t40.svg" 2>/dev/null; then msg="$mode: not XML"; break; fi
    if ! m=$("${CHK[@]}" heatmap "$W/t40axes.log" "$W/t40.svg" pca.k linearRegression.regParam $mode 2>&1); then msg="$mode: $m"; break; fi
    if [ $mode = fixed ] && ! grep -q "fixed at the best map's values: linearRegression.elasticNetParam=" "$W/t40.svg"; then msg="title: $(grep axes-note "$W/t40.svg")"; break; fi
    if [ $mode = average ] && ! grep -q "averaged over the other axes: linearRegression.elasticNetParam" "$W/t40.svg"; then msg="title: $(grep axes-note "$W/t40.svg")"; break; fi
done
if [ -n "$msg" ]; then bad "$msg"; else ok; fi

begin "timeline: valid SVG, one bar per job in one lane per worker, max concurrency"
msg=""
for l in base p3 hang ov3 k9; do
    if ! ptlog timeline "$W/$l.log" --out "$W/t40.svg" 2>"$W/t40.err"; then msg="$l: $(cat "$W/t40.err")"; break; fi
    if ! xmllint --noout "$W/t40.svg" 2>"$W/t40.err"; then msg="$l: not XML: $(head -3 "$W/t40.err")"; break; fi
    if ! m=$("${CHK[@]}" timeline "$W/$l.log" "$W/t40.svg" 2>&1); then msg="$l: $m"; break; fi
    cp "$W/t40.svg" "$W/t40_$l.svg"
done
if [ -n "$msg" ]; then bad "$msg";
elif [ "$(grep -c '<rect class="job' "$W/t40_base.svg")" -ne 18 ]; then bad "not 18 bars";
elif [ "$(grep -c 'class="job failed"' "$W/t40_hang.svg")" -ne 1 ] || ! grep -q 'data-status="timeout"' "$W/t40_hang.svg"; then bad "timeout not marked";
elif ! grep -q "max concurrency $($PY "$HERE/logtool.py" overlap "$W/ov3.log")" "$W/t40_ov3.svg"; then bad "concurrency differs from logtool's";
else ok; fi

begin "timeline of a resumed sweep: the second run is drawn after the first"
# The first run does 11 slow jobs before it hangs and is killed, the resumed run one: its
# clock, which restarts at 0, goes back, which is how the runs are told apart.
RS=(--data "$W/big.csv" --pipeline pca,linearRegression --grid pca.k=10,50
    --grid linearRegression.regParam=0.01,0.1 --folds 3 --no-cache --parallelism 1)
PARATUNE_FAILPOINT="hang@3:2" "$BIN/paratune" tune "${RS[@]}" --log "$W/t40res.log" --quiet \
    >/dev/null 2>&1 &
cpid=$!
for i in $(seq 600); do
    [ "$($PY "$HERE/logtool.py" count "$W/t40res.log" 2>/dev/null || echo 0)" -ge 11 ] && break
    sleep 0.1
done
{ kill -9 $cpid; wait $cpid; } 2>/dev/null
for i in $(seq 100); do [ -z "$(leftovers)" ] && break; sleep 0.1; done
if ! pt tune "${RS[@]}" --log "$W/t40res.log" --resume --quiet >/dev/null 2>"$W/t40.err"; then bad "resume: $(cat "$W/t40.err")";
elif ! ptlog timeline "$W/t40res.log" --out "$W/t40.svg" 2>"$W/t40.err"; then bad "$(cat "$W/t40.err")";
elif ! xmllint --noout "$W/t40.svg" 2>/dev/null; then bad "not XML";
elif ! m=$("${CHK[@]}" timeline "$W/t40res.log" "$W/t40.svg" 2>&1); then bad "$m";
elif [ "$(grep -c 'class="resume"' "$W/t40.svg")" -ne 1 ] || ! grep -q "resumed 1 time" "$W/t40.svg"; then bad "the resume is not marked";
elif ! $PY -c '
import sys, xml.etree.ElementTree as ET
bars = [e for e in ET.parse(sys.argv[1]).getroot().iter("{http://www.w3.org/2000/svg}rect") if e.get("class", "").startswith("job")]
assert len(bars) == 12 and float(bars[-1].get("data-start")) >= max(float(b.get("data-end")) for b in bars[:-1])' "$W/t40.svg"; then bad "the runs overlap";
else check_clean && ok; fi

begin "a torn last record: every command says so and shows the whole records"
ptlog show "$W/t40torn.log" >"$W/t40.out" 2>&1; r1=$?
ptlog csv "$W/t40torn.log" >"$W/t40.csv" 2>"$W/t40.err"; r2=$?
ptlog json "$W/t40torn.log" >"$W/t40.jsonl" 2>"$W/t40.err2"; r3=$?
ptlog timeline "$W/t40torn.log" --out "$W/t40.svg" 2>"$W/t40.err3"; r4=$?
ptlog heatmap "$W/t40torn.log" "${KEYS[@]}" --out "$W/t40h.svg" 2>"$W/t40.err4"; r5=$?
ptlog compare "$W/t40torn.log" "$W/base.log" >"$W/t40.cmp" 2>&1; r6=$?
if [ "$r1$r2$r3$r4$r5$r6" != 000000 ]; then bad "exits $r1 $r2 $r3 $r4 $r5 $r6";
elif ! grep -q "torn" "$W/t40.out" || ! grep -q "torn" "$W/t40.cmp"; then bad "show/compare do not say torn";
elif ! grep -q "torn" "$W/t40.err" || ! grep -q "torn" "$W/t40.err2" || ! grep -q "torn" "$W/t40.err3" || ! grep -q "torn" "$W/t40.err4"; then bad "a command does not say torn";
elif ! m=$("${CHK[@]}" csv "$W/t40torn.log" "$W/t40.csv" 2>&1) || ! m=$("${CHK[@]}" json "$W/t40torn.log" "$W/t40.jsonl" 2>&1); then bad "$m";
elif [ "$(grep -c '<rect class="job' "$W/t40.svg")" -ne 17 ] || ! grep -q 'class="notes".*torn' "$W/t40.svg" ||
     ! xmllint --noout "$W/t40.svg" "$W/t40h.svg" 2>/dev/null; then bad "timeline of the torn log";
else ok; fi

begin "a file that is not a paratune log is refused by every command: exit 2, one line"
printf 'a,b\n1,2\n' >"$W/t40.csvfile"
: >"$W/t40empty.log"
$PY -c 'import msgpack,sys; open(sys.argv[1],"wb").write(msgpack.packb({"record": "header", "format": "other"}))' "$W/t40other.log"
head -c 40 "$W/base.log" >"$W/t40head.log"
mkdir -p "$W/t40out"
msg=""
for f in "$W/t40.csvfile" "$W/t40empty.log" "$W/t40other.log" "$W/t40head.log" "$W/t40nope.log" "$W/t40out"; do
    for c in show csv json best "compare $W/base.log" heatmap timeline; do
        extra=()
        case $c in heatmap) extra=("${KEYS[@]}" --out "$W/t40out/x.svg") ;; timeline) extra=(--out "$W/t40out/x.svg") ;; esac
        # shellcheck disable=SC2086
        ptlog $c "$f" "${extra[@]}" >"$W/t40.out" 2>"$W/t40.err"
        if ! m=$(one_line_error $? 2 "$W/t40.err" "$(basename "$f")"); then msg="$c $f: $m"; break 2; fi
    done
done
if [ -n "$msg" ]; then bad "$msg";
elif ! grep -q "not a paratune log" <(ptlog show "$W/t40other.log" 2>&1); then bad "no reason";
elif [ -n "$(ls -A "$W/t40out")" ]; then bad "left files: $(ls "$W/t40out")";
else ok; fi

begin "bad usage: exit 2, one line, and no half-written picture"
msg=""
while IFS='|' read -r want args; do
    # shellcheck disable=SC2086
    ptlog $args >/dev/null 2>"$W/t40.err"
    rc=$?
    if [ $rc -ne 2 ] || [ "$(wc -l <"$W/t40.err")" -ne 1 ] || ! grep -qF -- "$want" "$W/t40.err"; then
        msg="$args: exit $rc: $(cat "$W/t40.err")"; break
    fi
done <<EOF
unknown command|frobnicate $W/base.log
unknown option --x|show $W/base.log --x pca.k
missing --out|timeline $W/base.log
missing --y|heatmap $W/base.log --x pca.k --out $W/t40out/h.svg
no such param|heatmap $W/base.log --x pca.k --y nope --out $W/t40out/h.svg
both name|heatmap $W/base.log --x k --y pca.k --out $W/t40out/h.svg
needs two log files|compare $W/base.log
cannot create|timeline $W/base.log --out $W/t40nodir/t.svg
EOF
if [ -n "$msg" ]; then bad "$msg";
elif [ -n "$(ls -A "$W/t40out")" ] || [ -e "$W/t40nodir" ]; then bad "left files";
else ok; fi

begin "--out replaces a picture whole, leaves no temporary file; --out - is stdout"
echo "old" >"$W/t40out/r.svg"
ptlog timeline "$W/base.log" --out "$W/t40out/r.svg" && ptlog timeline "$W/base.log" --out "$W/t40out/r.svg"
r1=$?
ptlog heatmap "$W/p3.log" "${KEYS[@]}" --out - >"$W/t40.stdout.svg"; r2=$?
if [ $r1 -ne 0 ] || [ $r2 -ne 0 ]; then bad "exit $r1 $r2";
elif [ "$(ls -A "$W/t40out")" != r.svg ]; then bad "files: $(ls -A "$W/t40out")";
elif ! xmllint --noout "$W/t40out/r.svg" "$W/t40.stdout.svg" 2>/dev/null; then bad "not XML";
else ok; fi

begin "a log still being written: every command works and says the sweep is not finished"
LV=(--data "$W/data.csv" --pipeline pca,linearRegression "${GRID[@]}" --folds 3 --seed 5)
PARATUNE_FAILPOINT="hang@2:0" "$BIN/paratune" tune "${LV[@]}" --parallelism 2 --log "$W/t40live.log" \
    >/dev/null 2>&1 &
cpid=$!
for i in $(seq 300); do
    [ "$($PY "$HERE/logtool.py" count "$W/t40live.log" 2>/dev/null || echo 0)" -ge 5 ] && break
    sleep 0.1
done
msg=""
ptlog show "$W/t40live.log" >"$W/t40.out" 2>&1 || msg="show failed"
grep -q "sweep not finished" "$W/t40.out" || msg="show: $(cat "$W/t40.out")"
for c in csv json "csv --maps" "best --partial"; do
    # shellcheck disable=SC2086
    ptlog $c "$W/t40live.log" >/dev/null 2>"$W/t40.err" || msg="$c failed: $(cat "$W/t40.err")"
    grep -q "not finished" "$W/t40.err" || msg="$c: $(cat "$W/t40.err")"
done
ptlog best "$W/t40live.log" >/dev/null 2>"$W/t40.err" && msg="best gave an answer"
grep -q "not finished" "$W/t40.err" || msg="best: $(cat "$W/t40.err")"
ptlog heatmap "$W/t40live.log" "${KEYS[@]}" --out "$W/t40l1.svg" 2>/dev/null || msg="heatmap failed"
ptlog timeline "$W/t40live.log" --out "$W/t40l2.svg" 2>/dev/null || msg="timeline failed"
xmllint --noout "$W/t40l1.svg" "$W/t40l2.svg" 2>/dev/null || msg="SVG not XML"
grep -q 'class="notes".*(sweep not finished' "$W/t40l2.svg" || msg="timeline does not say so"
kill -TERM $cpid; sleep 0.2; kill -TERM $cpid 2>/dev/null
wait $cpid
for i in $(seq 100); do [ -z "$(leftovers)" ] && break; sleep 0.1; done
if [ -n "$msg" ]; then bad "$msg"; else check_clean && ok; fi

begin "docs/log-format.md's Python example reads a log"
$PY - "$HERE/../../docs/log-format.md" "$W/base.log" >"$W/t40.py" <<'PYEOF'
import re, sys
code = re.search(r"```python\n(.*?)```", open(sys.argv[1]).read(), re.S).group(1)
print(code.replace('"sweep.log"', repr(sys.argv[2])))
PYEOF
if [ "$(sed '/^$/d' "$W/t40.py" | wc -l)" -gt 5 ]; then bad "the example is longer than five lines: $(cat "$W/t40.py")";
elif ! $PY "$W/t40.py" >"$W/t40.out" 2>"$W/t40.err"; then bad "$(cat "$W/t40.err")";
elif [ "$(wc -l <"$W/t40.out")" -ne "$($PY "$HERE/logtool.py" count "$W/base.log")" ]; then bad "$(cat "$W/t40.out")";
else ok; fi
