# t_65_columns.sh - choosing columns: --features / --ignore in tune, predict by column name
# and --keep (sourced by run.sh). Files with and without the extra columns are written by
# Python from the same numbers; the runs on them must agree exactly, and a feature subset's
# metrics must equal numpy's least squares on the same folds.
C=$W/cols
mkdir -p "$C"
# full.csv: an id (text, leading zeros, some quoted with blanks), a string column, a mostly
# empty note, the fold column of addfold (kfold 3, seed 11) and the 30 features of data.csv,
# interleaved; shuffled.csv: the same columns in a random order; sub.csv: f3, f7, f20, label
# and fold only; plain.csv: the features and the label only.
$PY - "$W/data.csv" "$C" "$REF" <<'PYEOF'
import os, random, sys
src, out = sys.argv[1:3]
sys.path.insert(0, sys.argv[3])
import split_ref
lines = open(src).read().splitlines()
head = lines[0].split(","); rows = [l.split(",") for l in lines[1:]]
fold = split_ref.kfold(len(rows), 3, 11)
names = ["id"] + head[:15] + ["firm"] + head[15:30] + ["label", "fold", "note"]
def row(i, r):
    ident = ('" id %03d "' % i) if i % 5 == 0 else "%05d" % i
    d = {"id": ident, "firm": "Acme %d" % (i % 4), "label": r[30], "fold": str(fold[i]),
         "note": "x y" if i % 9 == 0 else ""}
    d.update(zip(head[:30], r[:30]))
    return d
full = [row(i, r) for i, r in enumerate(rows)]
def write(path, cols):
    with open(os.path.join(out, path), "w") as f:
        f.write(",".join(cols) + "\n")
        for d in full:
            f.write(",".join(d[c] for c in cols) + "\n")
write("full.csv", names)
perm = names[:]; random.Random(5).shuffle(perm)
write("shuffled.csv", perm)
write("sub.csv", ["f3", "f7", "f20", "label", "fold"])
write("plain.csv", head[:30] + ["label"])
PYEOF
GRIDC=(--pipeline pca,linearRegression --grid pca.k=2,5 --grid linearRegression.regParam=0,0.01)

# same_sweep A B: the two logs have the same fingerprint, feature_names and avg/std metrics
same_sweep() {
    $PY - "$1" "$2" <<'PYEOF'
import sys, msgpack
def recs(p):
    u = msgpack.Unpacker(open(p, "rb"), raw=False)
    return list(u)
a, b = recs(sys.argv[1]), recs(sys.argv[2])
ha, hb = a[0]["data"], b[0]["data"]
assert ha["fingerprint"] == hb["fingerprint"], (ha, hb)
assert ha["feature_names"] == hb["feature_names"], (ha["feature_names"], hb["feature_names"])
sa, sb = a[-1], b[-1]
assert sa["record"] == "summary" and sb["record"] == "summary"
assert sa["avg_metrics"] == sb["avg_metrics"], (sa["avg_metrics"], sb["avg_metrics"])
assert sa["std_metrics"] == sb["std_metrics"]
PYEOF
}

begin "--ignore id,firm,fold,note: the metrics and fingerprint of the file without them"
if ! pt tune --data "$C/full.csv" --ignore id,firm,fold,note "${GRIDC[@]}" --seed 5 --quiet \
        --log "$C/ign.log" >/dev/null 2>"$C/e" ||
   ! pt tune --data "$C/plain.csv" "${GRIDC[@]}" --seed 5 --quiet --log "$C/plain.log" \
        >/dev/null 2>>"$C/e"; then bad "$(cat "$C/e")";
elif ! same_sweep "$C/ign.log" "$C/plain.log" 2>"$C/e"; then bad "$(tail -2 "$C/e")";
else ok; fi

begin "--features f20,f3,f7 --fold-col: a file with only those columns, numpy's lstsq, file order"
if ! pt tune --data "$C/full.csv" --features f20,f3,f7 --fold-col fold --pipeline linearRegression \
        --quiet --log "$C/feat.log" >/dev/null 2>"$C/e" ||
   ! pt tune --data "$C/sub.csv" --fold-col fold --pipeline linearRegression --quiet \
        --log "$C/sub.log" >/dev/null 2>>"$C/e"; then bad "$(cat "$C/e")";
elif ! same_sweep "$C/feat.log" "$C/sub.log" 2>"$C/e"; then bad "$(tail -2 "$C/e")";
elif ! $PY - "$C/sub.csv" "$C/feat.log" 2>"$C/e" <<'PYEOF'
import sys, msgpack, numpy as np
d = np.genfromtxt(sys.argv[1], delimiter=",", names=True)
X = np.column_stack([d["f3"], d["f7"], d["f20"]]); y = d["label"]; fold = d["fold"].astype(int)
rmse = []
for k in range(3):
    tr, va = fold != k, fold == k
    A = np.column_stack([X[tr], np.ones(tr.sum())])
    b = np.linalg.lstsq(A, y[tr], rcond=None)[0]
    p = X[va] @ b[:3] + b[3]
    rmse.append(np.sqrt(np.mean((y[va] - p) ** 2)))
recs = list(msgpack.Unpacker(open(sys.argv[2], "rb"), raw=False))
assert recs[0]["data"]["feature_names"] == ["f3", "f7", "f20"], recs[0]["data"]
got = recs[-1]["avg_metrics"][0]
assert abs(got - np.mean(rmse)) < 1e-6 * max(1, abs(got)), (got, np.mean(rmse))
PYEOF
then bad "$(tail -2 "$C/e")";
else ok; fi

begin "predict picks the model's columns by name: the tuning file, a shuffled copy, the plain file"
if ! pt tune --data "$C/plain.csv" --pipeline standardScaler,linearRegression --quiet \
        --model-out "$C/m.model" >/dev/null 2>"$C/e"; then bad "$(cat "$C/e")";
elif ! pt predict --model "$C/m.model" --data "$C/plain.csv" --out "$C/p_plain.csv" 2>"$C/e" ||
     ! pt predict --model "$C/m.model" --data "$C/full.csv" --out "$C/p_full.csv" 2>>"$C/e" ||
     ! pt predict --model "$C/m.model" --data "$C/shuffled.csv" --out "$C/p_shuf.csv" 2>>"$C/e"
then bad "$(cat "$C/e")";
elif ! cmp -s "$C/p_plain.csv" "$C/p_full.csv" || ! cmp -s "$C/p_plain.csv" "$C/p_shuf.csv"
then bad "predictions differ";
elif [ "$(wc -l <"$C/p_plain.csv")" -ne 3001 ]; then bad "$(wc -l <"$C/p_plain.csv") lines";
else ok; fi

begin "predict --keep id,note copies the columns' text before the predictions"
if ! pt predict --model "$C/m.model" --data "$C/shuffled.csv" --keep id,note \
        --out "$C/p_keep.csv" 2>"$C/e"; then bad "$(cat "$C/e")";
elif ! $PY - "$C/full.csv" "$C/p_keep.csv" "$C/p_plain.csv" 2>"$C/e" <<'PYEOF'
import csv, sys
full = list(csv.DictReader(open(sys.argv[1], newline="")))
out = list(csv.reader(open(sys.argv[2], newline="")))
plain = list(csv.reader(open(sys.argv[3], newline="")))
assert out[0] == ["id", "note", "prediction"], out[0]
assert len(out) == len(full) + 1
for d, o, p in zip(full, out[1:], plain[1:]):
    # the field's value as Python's csv reads it: the quotes removed, the text inside kept
    assert o[0] == d["id"], (o, d["id"])
    assert o[1] == d["note"], (o, d["note"])
    assert o[2:] == p, (o, p)
assert out[1][0] == " id 000 " and out[2][0] == "00001", out[1:3]
PYEOF
then bad "$(tail -2 "$C/e")";
else ok; fi

printf '1 1:2 2:3\n0 1:1 2:0.5\n1 1:3 2:1\n0 1:0 2:1\n1 1:2 2:2\n0 1:1 2:1\n' >"$C/s.libsvm"
FULL=(--data "$C/full.csv" --pipeline linearRegression)
expect_bad "--features names an absent column" "--features: $C/full.csv:1: no column named \"f99\"" "${FULL[@]}" --features f1,f99
expect_bad "--features names a column twice" "--features: column \"f1\" is named twice" "${FULL[@]}" --features f1,f2,f1
expect_bad "--features names the label" "--features: column \"label\" is the label column" "${FULL[@]}" --features f1,label
expect_bad "--features names the fold column" "--features: column \"fold\" is the fold column" "${FULL[@]}" --fold-col fold --features fold,f1
expect_bad "--ignore names an absent column" "--ignore: $C/full.csv:1: no column named \"ID\"" "${FULL[@]}" --ignore ID
expect_bad "--ignore names a column twice" "--ignore: column \"id\" is named twice" "${FULL[@]}" --ignore id,firm,id
expect_bad "--features and --ignore together" "--ignore contradict" "${FULL[@]}" --features f1 --ignore id
expect_bad "--features with an empty name" "--features f1,,f2: an empty column name" "${FULL[@]}" --features f1,,f2
expect_bad "a string column left in" "full.csv:2: field 17 (\"firm\"): not a number: \"Acme 0\" (leave the column out with --ignore firm)" "${FULL[@]}" --ignore id,fold,note
expect_bad "a string column named in --features" "(leave it out of --features)" "${FULL[@]}" --features f1,firm
expect_bad "--features on LIBSVM" "--features: $C/s.libsvm is LIBSVM" --data "$C/s.libsvm" --pipeline linearRegression --features f1

expect_predict_bad "a missing feature column" "--model $C/m.model: $C/sub.csv:1: no column named \"f0\"" --model "$C/m.model" --data "$C/sub.csv"
expect_predict_bad "a missing --keep column" "--keep: $C/full.csv:1: no column named \"ident\"" --model "$C/m.model" --data "$C/full.csv" --keep ident
expect_predict_bad "--keep named twice" "--keep: column \"id\" is named twice" --model "$C/m.model" --data "$C/full.csv" --keep id,id
expect_predict_bad "--keep of an output column" "the output has a column \"prediction\"" --model "$C/m.model" --data "$C/full.csv" --keep prediction
expect_predict_bad "a string in a feature column" "field 2 (\"f0\"): not a number: \"x\"" --model "$C/m.model" --data <(sed '2s/^\([^,]*\),[^,]*,/\1,x,/' "$C/full.csv")

begin "--resume refuses another feature selection, and leaves the log as it was"
cp "$C/ign.log" "$C/ign2.log"
pt tune --data "$C/full.csv" --ignore id,firm,fold,note,f0 "${GRIDC[@]}" --seed 5 --quiet \
    --log "$C/ign2.log" --resume >/dev/null 2>"$C/e"
rc=$?
if [ $rc -ne 2 ]; then bad "exit $rc: $(cat "$C/e")";
elif ! grep -qF "other feature columns (30: feature 1 was \"f0\"; now 29: \"f1\")" "$C/e"; then bad "$(cat "$C/e")";
elif ! cmp -s "$C/ign.log" "$C/ign2.log"; then bad "the log changed";
else ok; fi
