# t_79_catimpute.sh - the imputer together with --categorical: numeric columns with missing
# values imputed, string columns indexed (and one-hot encoded), with the stages in either
# order, against tests/ref/categorical_ref.py --impute (Spark's Imputer on the numeric columns,
# StringIndexer, OneHotEncoder in numpy per fold of the file's fold column); missing values in
# a string column (Spark's null: handleInvalid); predict on a file with missing values and
# unseen categories; the stage order refusals; paratune-log show's column roles (sourced by
# run.sh).

$PY - "$W" <<'PYEOF'
import csv, sys
import numpy as np
w = sys.argv[1]
rng = np.random.default_rng(11)
n = 300
x1 = rng.normal(size=n)
x2 = np.round(rng.normal(size=n), 1)  # ties: mode and median differ from the mean
color = rng.choice(["red", "green", "blue", "teal"], size=n, p=[.4, .3, .2, .1]).astype(object)
grp = rng.choice(["a", "b", "c"], size=n).astype(object)
fold = rng.integers(0, 3, size=n)
color[np.nonzero(fold == 1)[0][:4]] = "violet"  # only in fold 1's rows
eff = {"red": 1, "green": -2, "blue": .5, "teal": 3, "violet": 2, "a": .3, "b": -.7, "c": 1.1}
y = (1.5 * x1 - .5 * x2 + np.array([eff[c] for c in color]) + np.array([eff[g] for g in grp])
     + rng.normal(scale=.3, size=n))
m1, m2 = rng.random(n) < .1, rng.random(n) < .15
tok = ["NA", "", "null", "NaN"]
def write(name, label):
    with open(f"{w}/{name}.csv", "w", newline="") as f:
        c = csv.writer(f, lineterminator="\n")
        c.writerow(["x1", "color", "x2", "grp", "label", "fold"])
        for i in range(n):
            c.writerow([tok[i % 4] if m1[i] else f"{x1[i]:.6f}", color[i],
                        tok[i % 3] if m2[i] else f"{x2[i]:g}", grp[i], label[i], fold[i]])
write("ci_f", [f"{v:.6f}" for v in y])
write("cib_f", ["1" if v > np.median(y) + rng.normal(scale=.5) else "0" for v in y])
# for predict: other column order, an id, missing values, a color no row had (cnp: and
# missing colors, no violet)
for name, nulls in (("cip", False), ("cnp", True)):
    with open(f"{w}/{name}.csv", "w", newline="") as f:
        c = csv.writer(f, lineterminator="\n")
        c.writerow(["grp", "id", "x2", "color", "x1"])
        for i in range(40):
            col = ("purple" if i % 7 == 3 else "NA" if nulls and i % 8 == 2 else
                   "red" if nulls and color[i] == "violet" else color[i])
            c.writerow([grp[i], f"r{i}", "" if i % 5 == 0 else f"{x2[i]:g}", col,
                        "NA" if i % 6 == 1 else f"{x1[i]:.6f}"])
# cn_f.csv: ci_f.csv with missing colors (empty, NA, null: Spark's null), first in row 4
rows = list(csv.reader(open(f"{w}/ci_f.csv", newline="")))
for i, r in enumerate(rows[1:]):
    if i % 9 == 4:
        r[1] = ["", "NA", "null"][i % 3]
with open(f"{w}/cn_f.csv", "w", newline="") as f:
    csv.writer(f, lineterminator="\n").writerows(rows)
# ce_f.csv: ci_f.csv without the color only fold 1 has (a model under handleInvalid error)
rows = list(csv.reader(open(f"{w}/ci_f.csv", newline="")))
with open(f"{w}/ce_f.csv", "w", newline="") as f:
    csv.writer(f, lineterminator="\n").writerows([[("red" if v == "violet" else v) for v in r]
                                                 for r in rows])
PYEOF
CCHK=$HERE/catcheck.py
CI=(--fold-col fold --folds 3 --categorical color,grp --quiet)

begin "imputer + stringIndexer + oneHotEncoder + linearRegression, both stage orders, strategy x stringIndexer.handleInvalid keep/skip: numpy (1e-6), with and without the moments cache"
ok=1
for pl in imputer,stringIndexer,oneHotEncoder,linearRegression stringIndexer,imputer,oneHotEncoder,linearRegression \
          stringIndexer,imputer,linearRegression; do
    for c in "" --no-cache; do
        rm -f "$W/ci.log"
        pt tune --data "$W/ci_f.csv" "${CI[@]}" --pipeline $pl --grid imputer.strategy=mean,median,mode \
            --grid stringIndexer.handleInvalid=keep,skip --set linearRegression.regParam=0.1 $c \
            --log "$W/ci.log" >/dev/null 2>"$W/e"
        if [ $? -ne 0 ]; then bad "$pl $c: $(cat "$W/e")"; ok=0; break 2; fi
        if ! msg=$($PY "$CCHK" "$W/ci.log" "$W/ci_f.csv" color,grp 1e-6 2>&1); then bad "$pl $c: $msg"; ok=0; break 2; fi
    done
done
[ $ok = 1 ] && ok

begin "stringIndexer + imputer + oneHotEncoder + logisticRegression (binary AUC): numpy + scipy (1e-4)"
pt tune --data "$W/cib_f.csv" "${CI[@]}" --pipeline stringIndexer,imputer,oneHotEncoder,logisticRegression \
    --grid imputer.strategy=mean,median --set stringIndexer.handleInvalid=keep \
    --set logisticRegression.tol=1e-10 --set logisticRegression.maxIter=2000 \
    --set logisticRegression.regParam=0.05 --evaluator binary --log "$W/cib.log" >/dev/null 2>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$CCHK" "$W/cib.log" "$W/cib_f.csv" color,grp 1e-4 --evaluator binary 2>&1); then bad "$msg"; else ok; fi

begin "predict with imputer and categories (either order): missing values filled by the refit's surrogates, an unseen category kept (numLabels) or its row dropped (skip): numpy refit (1e-6)"
ok=1
for pl in imputer,stringIndexer,oneHotEncoder,linearRegression stringIndexer,imputer,oneHotEncoder,linearRegression; do
    for hi in keep skip; do
        rm -f "$W/cim.model"
        pt tune --data "$W/ci_f.csv" "${CI[@]}" --pipeline $pl --set imputer.strategy=median \
            --set stringIndexer.handleInvalid=$hi --set linearRegression.regParam=0.1 \
            --model-out "$W/cim.model" >/dev/null 2>"$W/e" &&
        pt predict --model "$W/cim.model" --data "$W/cip.csv" --out "$W/cim.pred" --keep id --quiet 2>>"$W/e"
        if [ $? -ne 0 ]; then bad "$pl $hi: $(cat "$W/e")"; ok=0; break 2; fi
        if ! msg=$($PY - "$REF/categorical_ref.py" "$W" $hi 2>&1 <<'PYEOF'
import csv, json, subprocess, sys
ref, w, hi = sys.argv[1:4]
want = json.loads(subprocess.check_output([sys.executable, ref, "--data", f"{w}/ci_f.csv",
    "--fold-col", "fold", "--categorical", "color,grp", "--si-invalid", hi, "--reg", "0.1",
    "--ohe", "--impute", "median", "--predict", f"{w}/cip.csv"]))
rows = list(csv.DictReader(open(f"{w}/cim.pred", newline="")))
assert len(rows) == len(want["kept_rows"]) == (40 if hi == "keep" else 34), len(rows)
for r, i, p in zip(rows, want["kept_rows"], want["predictions"]):
    assert r["id"] == f"r{i}", (r, i)
    assert abs(float(r["prediction"]) - p) <= 1e-6 * max(1, abs(p)), (i, r["prediction"], p)
PYEOF
        ); then bad "$pl $hi: $msg"; ok=0; break 2; fi
    done
done
[ $ok = 1 ] && ok

begin "missing values in a string column (Spark's null, never a label): keep indexes them numLabels, with the imputer, both orders: numpy (1e-6); error fails every job with the reason"
ok=1
for pl in imputer,stringIndexer,oneHotEncoder,linearRegression stringIndexer,imputer,linearRegression; do
    rm -f "$W/cn.log"
    pt tune --data "$W/cn_f.csv" "${CI[@]}" --pipeline $pl --grid stringIndexer.handleInvalid=error,keep \
        --grid stringIndexer.stringOrderType=frequencyDesc,alphabetDesc --set linearRegression.regParam=0.1 \
        --log "$W/cn.log" >/dev/null 2>"$W/e"
    if [ $? -ne 0 ]; then bad "$pl: $(cat "$W/e")"; ok=0; break; fi
    if ! msg=$($PY "$CCHK" "$W/cn.log" "$W/cn_f.csv" color,grp 1e-6 2>&1); then bad "$pl: $msg"; ok=0; break; fi
    if ! grep -q "categorical column 1 has missing values (handleInvalid error" "$W/cn.log"; then bad "$pl: no reason"; ok=0; break; fi
done
[ $ok = 1 ] && ok

begin "missing values in a string column under handleInvalid skip: the jobs whose training rows have one fail with the reason (dropping training rows needs the rows)"
rm -f "$W/cns.log"
pt tune --data "$W/cn_f.csv" "${CI[@]}" --pipeline stringIndexer,imputer,linearRegression \
    --grid stringIndexer.handleInvalid=skip,keep --log "$W/cns.log" >/dev/null 2>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY - "$W/cns.log" 2>&1 <<'PYEOF'
import sys, msgpack
recs = list(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False))
res = [r for r in recs if r.get("record") == "result"]
skip = [r for r in res if r["param_index"] == 0]
assert len(skip) == 3 and all(r["status"] == "failed" for r in skip), skip
assert all("training rows have a missing value in categorical column 1" in r["error"] for r in skip)
assert all(r["status"] == "ok" for r in res if r["param_index"] == 1)
PYEOF
); then bad "$msg"; else ok; fi

begin "predict of a model with missing colors (keep): a missing or unseen color takes the missing slot (index numLabels): numpy refit (1e-6)"
rm -f "$W/cn.model"
pt tune --data "$W/cn_f.csv" "${CI[@]}" --pipeline imputer,stringIndexer,oneHotEncoder,linearRegression \
    --set stringIndexer.handleInvalid=keep --set linearRegression.regParam=0.1 \
    --model-out "$W/cn.model" >/dev/null 2>"$W/e" &&
pt predict --model "$W/cn.model" --data "$W/cnp.csv" --out "$W/cn.pred" --keep id --quiet 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY - "$REF/categorical_ref.py" "$W" 2>&1 <<'PYEOF'
import csv, json, subprocess, sys
ref, w = sys.argv[1:3]
want = json.loads(subprocess.check_output([sys.executable, ref, "--data", f"{w}/cn_f.csv",
    "--fold-col", "fold", "--categorical", "color,grp", "--si-invalid", "keep", "--reg", "0.1",
    "--ohe", "--impute", "mean", "--predict", f"{w}/cnp.csv"]))
rows = list(csv.DictReader(open(f"{w}/cn.pred", newline="")))
assert len(rows) == len(want["predictions"]) == 40, len(rows)
for i, (r, p) in enumerate(zip(rows, want["predictions"])):
    assert r["id"] == f"r{i}", (r, i)
    assert abs(float(r["prediction"]) - p) <= 1e-6 * max(1, abs(p)), (i, r["prediction"], p)
PYEOF
); then bad "$msg"; else ok; fi

CIP=(--data "$W/ci_f.csv" --fold-col fold --categorical color,grp)
expect_bad "a missing value in a string column under handleInvalid error" "cn_f.csv:6: column color: missing value (set stringIndexer.handleInvalid to keep, or leave the column out with --ignore color)" \
    --data "$W/cn_f.csv" --fold-col fold --categorical color,grp --pipeline imputer,stringIndexer,linearRegression
pt tune --data "$W/ce_f.csv" "${CI[@]}" --pipeline imputer,stringIndexer,linearRegression \
    --model-out "$W/cim_e.model" >/dev/null 2>&1
expect_predict_bad "a missing value in a string column for a model with handleInvalid error" "cnp.csv:4: column color: missing value (the model's stringIndexer handleInvalid is error)" \
    --model "$W/cim_e.model" --data "$W/cnp.csv"
expect_bad "imputer after another stage" "--pipeline: imputer must be the first stage (or the second, right after stringIndexer)" \
    "${CIP[@]}" --pipeline stringIndexer,standardScaler,imputer,linearRegression
expect_bad "stringIndexer after another stage" "--pipeline: stringIndexer must be the first stage (or the second, right after imputer)" \
    "${CIP[@]}" --pipeline imputer,standardScaler,stringIndexer,linearRegression
expect_bad "oneHotEncoder before the imputer" "--pipeline: imputer must be the first stage" \
    "${CIP[@]}" --pipeline stringIndexer,oneHotEncoder,imputer,linearRegression
expect_bad "categorical columns and the imputer without stringIndexer" "--categorical: the pipeline must start with stringIndexer" \
    "${CIP[@]}" --pipeline imputer,linearRegression
expect_bad "missing values and categories without the imputer" "ci_f.csv:2: column x2: missing value (leave the column out with --ignore x2, or add the imputer stage" \
    "${CIP[@]}" --pipeline stringIndexer,linearRegression

begin "paratune-log show: the column roles (label with its class names, fold and weight columns, features, imputed columns) and each categorical column's values, from the log header"
rm -f "$W/cis.log"
$PY - "$W" <<'PYEOF'
import csv, sys
w = sys.argv[1]
rows = list(csv.reader(open(f"{w}/cib_f.csv", newline="")))
with open(f"{w}/cibw_f.csv", "w", newline="") as f:
    csv.writer(f, lineterminator="\n").writerows(
        [rows[0] + ["wt"]] + [r + [str(1 + i % 3)] for i, r in enumerate(rows[1:])])
PYEOF
pt tune --data "$W/cibw_f.csv" "${CI[@]:0:4}" --quiet --categorical color,grp,label --weight-col wt \
    --pipeline imputer,stringIndexer,oneHotEncoder,logisticRegression --set stringIndexer.handleInvalid=keep \
    --evaluator multiclass --log "$W/cis.log" >/dev/null 2>"$W/e" && COLUMNS= ptlog show "$W/cis.log" >"$W/cis.show" 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY - "$W" 2>&1 <<'PYEOF'
import csv, sys, msgpack
w = sys.argv[1]
rows = list(csv.DictReader(open(f"{w}/cibw_f.csv", newline="")))
cnt = {}
for r in rows:
    cnt[r["label"]] = cnt.get(r["label"], 0) + 1
classes = sorted(cnt, key=lambda s: (-cnt[s], s))  # Spark's label indexer: frequencyDesc
vals = {c: sorted({r[c] for r in rows}) for c in ("color", "grp")}
want = ["columns: label = label (class names: %s), fold column = fold, weight column = wt"
        % ", ".join(classes),
        "features (4): x1, x2, color (categorical), grp (categorical)",
        "missing values (imputer): x1, x2"]
want += ["categorical %s (%d values): %s" % (c, len(v), ", ".join(v)) for c, v in vals.items()]
lines = open(f"{w}/cis.show").read().splitlines()
got = lines[lines.index("") + 1:]
assert got == want, (got, want)
head = next(iter(msgpack.Unpacker(open(f"{w}/cis.log", "rb"), raw=False)))
assert head["categorical"] == [{"name": c, "values": v} for c, v in vals.items()], head["categorical"]
assert head["label_values"] == classes, head["label_values"]
PYEOF
); then bad "$msg"; else ok; fi
