# t_91_integrity.sh - files that prove their integrity (issue 17, items 5 and 6): byte flips
# in a logistic and a GBT model file are refused or change nothing; a model whose
# coefficient is NaN (with a correct checksum) is refused by the value check; in a log, a
# bad checksum, a result whose fold is out of range and a huge str or array length in a
# middle record are "corrupt at offset N" (exit 2) for paratune-log and for --resume, never a
# silent torn tail or "out of memory"; a log without checksums still reads (sourced by
# run.sh). integcheck.py does the damage and its own CRC-32C, bit by bit.

I=$W/integ
IC=$HERE/integcheck.py
mkdir -p "$I"
head -41 "$HERE/../data/breast_cancer.csv" >"$I/bc40.csv"
LRA=(--data "$HERE/../data/breast_cancer.csv" --pipeline logisticRegression --folds 3
     --grid logisticRegression.regParam=0.01,0.1,1 --evaluator binary --quiet)

begin "model files: byte flips at 300 positions of a logistic and of a GBT model are refused (exit 2, one line) or change nothing"
pt tune "${LRA[@]}" --model-out "$I/lr.ptm" --log "$I/lr.log" >/dev/null 2>"$I/e1" &&
pt tune --data "$HERE/../data/breast_cancer.csv" --pipeline gbtClassifier --folds 2 \
    --set gbtClassifier.maxIter=4 --set gbtClassifier.maxDepth=3 --evaluator binary --quiet \
    --model-out "$I/gbt.ptm" >/dev/null 2>>"$I/e1" &&
pt predict --model "$I/lr.ptm" --data "$I/bc40.csv" --out "$I/lr.pred" 2>>"$I/e1" &&
pt predict --model "$I/gbt.ptm" --data "$I/bc40.csv" --out "$I/gbt.pred" 2>>"$I/e1"
if [ $? -ne 0 ]; then bad "$(cat "$I/e1")";
elif ! m1=$($PY "$IC" flips "$I/lr.ptm" "$I/bc40.csv" "$I/lr.pred" "$BIN/paratune" 300 1 2>&1); then bad "logistic: $m1";
elif ! m2=$($PY "$IC" flips "$I/gbt.ptm" "$I/bc40.csv" "$I/gbt.pred" "$BIN/paratune" 300 2 2>&1); then bad "gbt: $m2";
else ok; echo "     logistic $m1, gbt $m2"; fi

$PY "$IC" nan "$I/lr.ptm" "$I/nan.ptm"
expect_predict_bad "a NaN coefficient under a correct checksum" "nan.ptm: corrupt (not a valid paratune model: field 'coefficients'[0]: not finite)" \
    --model "$I/nan.ptm" --data "$I/bc40.csv"

# expect_log_corrupt NAME LOG OFFSET SUBSTRING: paratune-log show and tune --resume refuse
# LOG with exit 2 and one line naming the offset and SUBSTRING
expect_log_corrupt() {
    local name=$1 log=$2 off=$3 want=$4
    begin "log: $name: paratune-log and --resume say corrupt at offset $off (exit 2)"
    ptlog show "$log" >"$I/out" 2>"$I/err"; local r1=$?
    cp "$log" "$I/res.log"
    pt tune "${LRA[@]}" --log "$I/res.log" --resume >/dev/null 2>"$I/err2"; local r2=$?
    if [ $r1 -ne 2 ] || [ $r2 -ne 2 ]; then bad "exits $r1 $r2: $(cat "$I/err" "$I/err2")";
    elif [ "$(wc -l <"$I/err")" -ne 1 ] || [ "$(wc -l <"$I/err2")" -ne 1 ]; then bad "$(cat "$I/err" "$I/err2")";
    elif ! grep -qF "corrupt at offset $off: " "$I/err" || ! grep -qF -- "$want" "$I/err" ||
         ! grep -qF "corrupt at offset $off: " "$I/err2"; then bad "$(cat "$I/err" "$I/err2")";
    elif ! cmp -s "$log" "$I/res.log"; then bad "--resume changed the log";
    else ok; fi
}

mapfile -t OFFS < <($PY "$IC" recs "$I/lr.log")
# record 4 is a result in the middle: 9 results and the summary follow the header
$PY "$IC" splice "$I/lr.log" "$I/hugestr.log" 4 hugestr
expect_log_corrupt "a str length of 4 GB in a middle record" "$I/hugestr.log" "${OFFS[4]}" "runs past the end of the file"
$PY "$IC" splice "$I/lr.log" "$I/hugearr.log" 4 hugearray
expect_log_corrupt "an array of 2^32-1 elements in a middle record" "$I/hugearr.log" "${OFFS[4]}" "runs past the end of the file"
$PY "$IC" splice "$I/lr.log" "$I/flip.log" 5 flip
expect_log_corrupt "a flipped bit in a metric" "$I/flip.log" "${OFFS[5]}" "checksum mismatch"
$PY "$IC" setfield "$I/lr.log" "$I/fold.log" 3 fold 3
expect_log_corrupt "a fold out of range under a correct checksum" "$I/fold.log" "${OFFS[3]}" "field 'fold': integer out of range [0, 2]"
$PY "$IC" setfield "$I/lr.log" "$I/inf.log" 3 metric 1e999
expect_log_corrupt "an infinite metric under a correct checksum" "$I/inf.log" "${OFFS[3]}" "field 'metric': not finite"

begin "log: a log without checksums (written before them) reads as before"
$PY "$IC" strip "$I/lr.log" "$I/old.log"
cp "$I/lr.log" "$I/new.log"
(cd "$I" && ptlog show new.log >new.show 2>&1); r1=$?
(cd "$I" && ptlog show old.log >old.raw 2>&1); r2=$?
sed 's/^old\.log:/new.log:/' "$I/old.raw" >"$I/old.show"
if [ $r1 -ne 0 ] || [ $r2 -ne 0 ]; then bad "exits $r1 $r2: $(cat "$I/old.show")";
elif ! diff -q "$I/new.show" "$I/old.show" >/dev/null; then bad "$(diff "$I/new.show" "$I/old.show" | head -5)";
else ok; fi
