# t_60_rfc4180.sh - CSV as RFC 4180 (sourced by run.sh): the same data written by Python's csv
# module with other separators and quoting gives the same results and data fingerprint as the
# plain comma file; the detected separator is stated on stderr; predict reads a ';' file; each
# quoting error is refused with one line and exit 2.

# The variants of a comma file: NAME SEP QUOTING [crlf]. QUOTE_NONNUMERIC writes the values as
# Python floats (repr: the same doubles) unquoted and the header quoted.
rfc_variants() { # SRC DSTPREFIX
    $PY - "$1" "$2" <<'PYEOF'
import csv, sys
src, pre = sys.argv[1:]
rows = list(csv.reader(open(src, newline="")))
for name, sep, quoting in (("semi_all", ";", csv.QUOTE_ALL), ("tab_nonnum", "\t", csv.QUOTE_NONNUMERIC),
                           ("pipe_min", "|", csv.QUOTE_MINIMAL), ("comma_all", ",", csv.QUOTE_ALL)):
    with open("%s_%s.csv" % (pre, name), "w", newline="") as f:
        # csv's default line end is \r\n; the pipe file gets \n
        w = csv.writer(f, delimiter=sep, quoting=quoting,
                       lineterminator="\n" if sep == "|" else "\r\n")
        w.writerow(rows[0])
        for r in rows[1:]:
            w.writerow([float(v) for v in r] if quoting == csv.QUOTE_NONNUMERIC else r)
PYEOF
}

# The fingerprint of a log's data, and its per-map metrics (param_index, fold, metric).
rfc_fp() { $PY -c 'import sys, msgpack; print(next(iter(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False)))["data"]["fingerprint"])' "$1"; }
rfc_metrics() { ptlog csv "$1" | $PY -c '
import csv, sys
r = list(csv.DictReader(sys.stdin))
for x in sorted(r, key=lambda x: (int(x["param_index"]), int(x["fold"]))):
    print(x["param_index"], x["fold"], x["metric"])'; }

begin "the same data with ; tab | separators and QUOTE_ALL / QUOTE_NONNUMERIC: same metrics and fingerprint"
rfc_variants "$W/data.csv" "$W/rfc"
r=0
pt tune --data "$W/data.csv" --pipeline pca,linearRegression "${GRID[@]}" \
    --folds 4 --seed 2 --log "$W/rfc_plain.log" --model-out "$W/rfc_plain.model" >/dev/null 2>"$W/rfc_plain.err" || r=1
grep -q "separator" "$W/rfc_plain.err" && r=2 # a comma file: nothing new on stderr
rfc_metrics "$W/rfc_plain.log" >"$W/rfc_plain.metrics"
for v in semi_all tab_nonnum pipe_min comma_all; do
    pt tune --data "$W/rfc_$v.csv" --pipeline pca,linearRegression "${GRID[@]}" \
        --folds 4 --seed 2 --log "$W/rfc_$v.log" >/dev/null 2>"$W/rfc_$v.err" || { r=3; break; }
    rfc_metrics "$W/rfc_$v.log" >"$W/rfc_$v.metrics"
    cmp -s "$W/rfc_plain.metrics" "$W/rfc_$v.metrics" || { r=4; break; }
    [ "$(rfc_fp "$W/rfc_plain.log")" = "$(rfc_fp "$W/rfc_$v.log")" ] || { r=5; break; }
    case $v in
    semi_all) want="paratune: $W/rfc_semi_all.csv: separator ';' (detected from the header; --sep to choose)" ;;
    tab_nonnum) want="paratune: $W/rfc_tab_nonnum.csv: separator tab (detected from the header; --sep to choose)" ;;
    pipe_min) want="paratune: $W/rfc_pipe_min.csv: separator '|' (detected from the header; --sep to choose)" ;;
    *) want="" ;;
    esac
    got=$(grep "separator" "$W/rfc_$v.err")
    [ "$got" = "$want" ] || { r=6; break; }
done
# --sep given: no statement; --quiet: none either
pt tune --data "$W/rfc_semi_all.csv" --sep ';' --pipeline linearRegression --log "$W/rfc_s.log" \
    >/dev/null 2>"$W/rfc_s.err" || r=7
grep -q separator "$W/rfc_s.err" && r=8
pt tune --data "$W/rfc_semi_all.csv" --quiet --pipeline linearRegression --log "$W/rfc_q.log" \
    >/dev/null 2>"$W/rfc_q.err" || r=9
[ -s "$W/rfc_q.err" ] && r=10
if [ $r -ne 0 ]; then bad "code $r ($v)"; else check_clean && ok; fi

begin "a quoted ';' file parsed by a thread per CPU: the plain file's fingerprint and results"
# 2 MB of text and more: two parse threads cut the quoted file at real row starts
pt gen --rows 4000 --features 40 --seed 5 --out "$W/rfc_mt.csv"
rfc_variants "$W/rfc_mt.csv" "$W/rfc_mt"
read -r C0 C1 <<<"$($PY -c 'import os; print(*sorted(os.sched_getaffinity(0))[:2])')"
r=0
for d in rfc_mt rfc_mt_semi_all rfc_mt_tab_nonnum; do
    for set in "$C0" "$C0${C1:+,$C1}"; do
        taskset -c "$set" "$BIN/paratune" tune --data "$W/$d.csv" --pipeline linearRegression \
            --grid linearRegression.regParam=0.01,1 --folds 3 --log "$W/$d.$set.log" --quiet \
            >/dev/null 2>&1 || r=1
        [ "$(rfc_fp "$W/$d.$set.log")" = "$(rfc_fp "$W/rfc_mt.$C0.log")" ] || r=2
        $PY "$HERE/logtool.py" same "$W/rfc_mt.$C0.log" "$W/$d.$set.log" 0 || r=3
    done
done
if [ $r -ne 0 ]; then bad "code $r ($d, CPUs $set)"; else check_clean && ok; fi

begin "predict reads a ';' file (quoted, CRLF) as the comma file"
r=0
pt predict --model "$W/rfc_plain.model" --data "$W/data.csv" --out "$W/rfc_p1.csv" 2>"$W/rfc_p1.err" || r=1
pt predict --model "$W/rfc_plain.model" --data "$W/rfc_semi_all.csv" --out "$W/rfc_p2.csv" 2>"$W/rfc_p2.err" || r=2
pt predict --model "$W/rfc_plain.model" --data "$W/rfc_semi_all.csv" --sep ';' --quiet --out "$W/rfc_p3.csv" 2>"$W/rfc_p3.err" || r=3
cmp -s "$W/rfc_p1.csv" "$W/rfc_p2.csv" || r=4
cmp -s "$W/rfc_p1.csv" "$W/rfc_p3.csv" || r=5
[ -s "$W/rfc_p1.err" ] && r=6
[ "$(cat "$W/rfc_p2.err")" = "paratune: $W/rfc_semi_all.csv: separator ';' (detected from the header; --sep to choose)" ] || r=7
[ -s "$W/rfc_p3.err" ] && r=8
[ "$(wc -l <"$W/rfc_p1.csv")" -eq 3001 ] || r=9
if [ $r -ne 0 ]; then bad "code $r"; else check_clean && ok; fi

# ------------------------------------------------------------------ bad input
printf 'a,b,label\n1,2,3\n4,"5,6\n7,8,9\n' >"$W/rfc_unterm.csv"
printf 'a,b,label\n1,2,3\n4,5"x,6\n7,8,9\n' >"$W/rfc_stray.csv"
printf 'a,b,label\n1,2,3\n4,"5"x,6\n7,8,9\n' >"$W/rfc_after.csv"
printf '"a";"b";"label"\r\n"1";"2";"3"\r\n"4";"5;6"\r\n' >"$W/rfc_ragged.csv"
printf '"a";"b";"label"\n"1";"2";"3"\n"4";"x";"6"\n' >"$W/rfc_nonnum.csv"
printf 'a,"b,label\n1,2,3\n4,5,6\n' >"$W/rfc_hdr.csv"
printf '1 1:2\n0 1:3\n1 1:1\n' >"$W/rfc.libsvm"
R=(--pipeline linearRegression)
expect_bad "unterminated quote" 'rfc_unterm.csv:3: field 2 ("b"): unterminated quote' --data "$W/rfc_unterm.csv" "${R[@]}"
expect_bad "quote inside an unquoted field" 'rfc_stray.csv:3: field 2 ("b"): a quote inside an unquoted field' --data "$W/rfc_stray.csv" "${R[@]}"
expect_bad "text after a closing quote" 'rfc_after.csv:3: field 2 ("b"): text after the closing quote: x' --data "$W/rfc_after.csv" "${R[@]}"
expect_bad "ragged row in a quoted ; file" "rfc_ragged.csv:3: expected 3 fields, found 2" --data "$W/rfc_ragged.csv" "${R[@]}"
expect_bad "quoted non-number" 'rfc_nonnum.csv:3: field 2 ("b"): not a number: "x"' --data "$W/rfc_nonnum.csv" "${R[@]}"
expect_bad "unterminated quote in the header" "rfc_hdr.csv:1: column 2: unterminated quote" --data "$W/rfc_hdr.csv" "${R[@]}"
expect_bad "--sep with a LIBSVM file" "a field separator (--sep) applies to CSV; this is LIBSVM" --data "$W/rfc.libsvm" --sep ';' "${R[@]}"
expect_bad "--sep with --format libsvm" "--sep: applies to CSV, not --format libsvm" --data "$W/rfc.libsvm" --format libsvm --sep tab "${R[@]}"
expect_bad "--sep unknown" "--sep :: expected auto, ',', ';', tab or '|'" --data "$W/data.csv" --sep : "${R[@]}"

begin "predict refuses a quoting error with one line, exit 2, no output"
rm -f "$W/rfc_bad_pred.csv"
# the model's columns (predict picks them by name), field 2 of line 3 opening a quote
head -3 "$W/data.csv" | awk -F, -v OFS=, 'NR == 3 { $2 = "\"" $2 } { print }' >"$W/rfc_unterm_pred.csv"
pt predict --model "$W/rfc_plain.model" --data "$W/rfc_unterm_pred.csv" --out "$W/rfc_bad_pred.csv" 2>"$W/rfc_pe.err"
rc=$?
if [ $rc -ne 2 ]; then bad "exit $rc"
elif [ "$(wc -l <"$W/rfc_pe.err")" -ne 1 ] || ! grep -q 'rfc_unterm_pred.csv:3: field 2 ("f1"): unterminated quote' "$W/rfc_pe.err"; then bad "$(cat "$W/rfc_pe.err")"
elif [ -e "$W/rfc_bad_pred.csv" ]; then bad "an output was written"
else ok; fi
