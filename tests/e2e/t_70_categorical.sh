# t_70_categorical.sh - string categories: --categorical columns, the stringIndexer and
# oneHotEncoder stages against tests/ref/categorical_ref.py (Spark's StringIndexer and
# OneHotEncoder written in numpy, per fold of paratune's documented split), categories seen
# only in a validation fold (handleInvalid error: the job fails; keep), and bad input
# (sourced by run.sh).

# cat.csv: numeric x1, x2 and string columns color, grp (quoted values, a comma inside one),
# a numeric label; catu.csv: the same with categories that only one fold has (split seed 7);
# catb.csv: a 0/1 label
$PY - "$W" "$REF" <<'PYEOF'
import csv, sys
import numpy as np
sys.path.insert(0, sys.argv[2])
import split_ref
w = sys.argv[1]
rng = np.random.default_rng(1)
n = 300
x1, x2 = rng.normal(size=n), rng.normal(size=n)
color = rng.choice(["red", "green", "blue", "teal", "sky, blue"], size=n, p=[.35, .3, .15, .1, .1])
grp = rng.choice(["a", "b", "c"], size=n, p=[.34, .33, .33])
eff = {"red": 1.0, "green": -2.0, "blue": 0.5, "teal": 3.0, "sky, blue": -1, "a": .3, "b": -.7,
       "c": 1.1, "violet": 2, "zz": -1}
fold = split_ref.kfold(n, 3, 7)
def write(name, color, grp, label):
    with open(f"{w}/{name}.csv", "w", newline="") as f:
        c = csv.writer(f, lineterminator="\n")
        c.writerow(["x1", "color", "x2", "grp", "label"])
        for i in range(n):
            c.writerow([f"{x1[i]:.6f}", color[i], f"{x2[i]:.6f}", grp[i], label[i]])
    with open(f"{w}/{name}_f.csv", "w", newline="") as f:
        c = csv.writer(f, lineterminator="\n")
        c.writerow(["x1", "color", "x2", "grp", "label", "fold"])
        for i in range(n):
            c.writerow([f"{x1[i]:.6f}", color[i], f"{x2[i]:.6f}", grp[i], label[i], fold[i]])
def y_of(color, grp):
    return (1.5 * x1 - 0.5 * x2 + np.array([eff[c] for c in color])
            + np.array([eff[g] for g in grp]) + rng.normal(scale=.3, size=n))
y = y_of(color, grp)
write("cat", color, grp, [f"{v:.6f}" for v in y])
cu, gu = color.astype(object), grp.astype(object)
cu[[i for i in range(n) if fold[i] == 1][:3]] = "violet"
gu[[i for i in range(n) if fold[i] == 2][:2]] = "zz"
yu = y_of(cu, gu)
write("catu", cu, gu, [f"{v:.6f}" for v in yu])
write("catb", cu, gu, ["1" if v > np.median(yu) + rng.normal(scale=.5) else "0" for v in yu])
def unseen(src, dst):  # a copy with values no training row has
    rows = list(csv.reader(open(f"{w}/{src}.csv", newline="")))
    rows[5][1], rows[9][3] = "purple", "new"
    with open(f"{w}/{dst}.csv", "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
# cats.csv: the label as class names, 100 rows each (equal counts: Spark's label indexer then
# orders them by the names: high 0, low 1, mid 2); catn.csv: the same with those class ids
rank = np.argsort(np.argsort(yu))
names = np.array(["low", "mid", "high"])[rank * 3 // n]
write("cats", cu, gu, list(names))
write("catn", cu, gu, [str({"high": 0, "low": 1, "mid": 2}[v]) for v in names])
unseen("catu", "catp")
unseen("cat", "catp_e")
with open(f"{w}/many.csv", "w") as f:
    f.write("x,c,label\n")
    for i in range(300):
        f.write(f"{i},v{i % 280},{i * 0.5}\n")
PYEOF
CCHK=$HERE/catcheck.py
CAT=(--categorical color,grp --folds 3 --seed 7 --quiet)

begin "stringIndexer + oneHotEncoder + linearRegression, grid over all four orders, dropLast and handleInvalid: numpy (1e-6), with and without the moments cache"
GR=(--grid stringIndexer.stringOrderType=frequencyDesc,frequencyAsc,alphabetDesc,alphabetAsc
    --grid oneHotEncoder.dropLast=true,false --grid oneHotEncoder.handleInvalid=error,keep
    --set stringIndexer.handleInvalid=keep --set linearRegression.regParam=0.1)
pt tune --data "$W/cat.csv" "${CAT[@]}" --pipeline stringIndexer,oneHotEncoder,linearRegression \
    "${GR[@]}" --parallelism 2 --log "$W/c1.log" >/dev/null 2>"$W/e" &&
pt tune --data "$W/cat.csv" "${CAT[@]}" --pipeline stringIndexer,oneHotEncoder,linearRegression \
    "${GR[@]}" --no-cache --log "$W/c1n.log" >/dev/null 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$CCHK" "$W/c1.log" "$W/cat_f.csv" color,grp 1e-6 2>&1); then bad "$msg";
elif ! msg=$($PY "$CCHK" "$W/c1n.log" "$W/cat_f.csv" color,grp 1e-6 2>&1); then bad "$msg"; else ok; fi

begin "stringIndexer alone (the index as a feature), every order, regParam 0 and 0.1: numpy (1e-6)"
pt tune --data "$W/cat.csv" "${CAT[@]}" --pipeline stringIndexer,linearRegression \
    --grid stringIndexer.stringOrderType=frequencyDesc,frequencyAsc,alphabetDesc,alphabetAsc \
    --grid linearRegression.regParam=0,0.1 --log "$W/c2.log" >/dev/null 2>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$CCHK" "$W/c2.log" "$W/cat_f.csv" color,grp 1e-6 2>&1); then bad "$msg"; else ok; fi

begin "categories only in a validation fold: handleInvalid error fails those jobs (with the reason), keep indexes them numLabels: numpy (1e-6)"
pt tune --data "$W/catu.csv" "${CAT[@]}" --pipeline stringIndexer,oneHotEncoder,linearRegression \
    --grid stringIndexer.stringOrderType=frequencyDesc,alphabetDesc --grid oneHotEncoder.dropLast=true,false \
    --grid oneHotEncoder.handleInvalid=error,keep --grid stringIndexer.handleInvalid=error,keep \
    --set linearRegression.regParam=0.1 --log "$W/c3.log" >/dev/null 2>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$CCHK" "$W/c3.log" "$W/catu_f.csv" color,grp 1e-6 2>&1); then bad "$msg";
elif ! grep -q "categories not in the training rows (handleInvalid error)" "$W/c3.log"; then bad "no reason in the log";
else ok; fi

begin "string features, logisticRegression (binary AUC), unseen categories kept: numpy + scipy (1e-4)"
pt tune --data "$W/catb.csv" "${CAT[@]}" --pipeline stringIndexer,oneHotEncoder,logisticRegression \
    --grid stringIndexer.stringOrderType=frequencyAsc,alphabetAsc --set stringIndexer.handleInvalid=keep \
    --grid oneHotEncoder.dropLast=true,false --set logisticRegression.tol=1e-10 \
    --set logisticRegression.maxIter=2000 --grid logisticRegression.regParam=0.01,0.1 \
    --evaluator binary --log "$W/c4.log" >/dev/null 2>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$CCHK" "$W/c4.log" "$W/catb_f.csv" color,grp 1e-4 --evaluator binary 2>&1); then bad "$msg"; else ok; fi

begin "predict with handleInvalid keep: values the file lacked get index numLabels (the refit's numpy predictions, 1e-6), --keep of a categorical column"
ok=1
for pl in stringIndexer,oneHotEncoder,linearRegression stringIndexer,linearRegression; do
    rm -f "$W/ck.model"
    pt tune --data "$W/catu.csv" "${CAT[@]}" --pipeline $pl --set stringIndexer.handleInvalid=keep \
        --set linearRegression.regParam=0.1 --model-out "$W/ck.model" >/dev/null 2>"$W/e" &&
    pt predict --model "$W/ck.model" --data "$W/catp.csv" --out "$W/ck.pred" --keep color 2>>"$W/e"
    if [ $? -ne 0 ]; then bad "$pl: $(cat "$W/e")"; ok=0; break; fi
    ohe=(); [ $pl = stringIndexer,linearRegression ] || ohe=(--ohe)
    if ! msg=$($PY - "$REF/categorical_ref.py" "$W" "${ohe[@]}" 2>&1 <<'PYEOF'
import csv, json, subprocess, sys
ref, w, ohe = sys.argv[1], sys.argv[2], sys.argv[3:]
want = json.loads(subprocess.check_output([sys.executable, ref, "--data", f"{w}/catu_f.csv",
    "--fold-col", "fold", "--categorical", "color,grp", "--si-invalid", "keep", "--reg", "0.1",
    "--predict", f"{w}/catp.csv"] + ohe))["predictions"]
rows = list(csv.DictReader(open(f"{w}/ck.pred", newline="")))
src = list(csv.DictReader(open(f"{w}/catp.csv", newline="")))
assert [r["color"] for r in rows] == [r["color"] for r in src], "kept color"
for i, (r, p) in enumerate(zip(rows, want)):
    assert abs(float(r["prediction"]) - p) <= 1e-6 * max(1, abs(p)), (i, r["prediction"], p)
assert len(rows) == len(want)
PYEOF
    ); then bad "$pl: $msg"; ok=0; break; fi
done
[ $ok = 1 ] && ok

pt tune --data "$W/cat.csv" "${CAT[@]}" --pipeline stringIndexer,oneHotEncoder,linearRegression \
    --model-out "$W/ce.model" >/dev/null 2>&1
expect_predict_bad "a value the model lacks under handleInvalid error" \
    "catp_e.csv:6: column color: category \"purple\" is not among the model's (stringIndexer handleInvalid error)" \
    --model "$W/ce.model" --data "$W/catp_e.csv"

begin "a label of class names (--categorical label, equal counts): multiclass f1 and accuracy equal numpy + scipy (1e-4); predict writes the names"
LS=(--pipeline stringIndexer,oneHotEncoder,logisticRegression --set stringIndexer.handleInvalid=keep
    --set logisticRegression.tol=1e-10 --set logisticRegression.maxIter=2000
    --set logisticRegression.regParam=0.05 --evaluator multiclass --folds 3 --seed 7 --quiet)
pt tune --data "$W/cats.csv" --categorical color,grp,label "${LS[@]}" --log "$W/c5.log" \
    --model-out "$W/cs.model" >/dev/null 2>"$W/e" &&
pt tune --data "$W/cats.csv" --categorical color,grp,label "${LS[@]}" --metric accuracy \
    --log "$W/c6.log" >/dev/null 2>>"$W/e" &&
pt tune --data "$W/catn.csv" --categorical color,grp "${LS[@]}" --model-out "$W/cn.model" >/dev/null 2>>"$W/e" &&
pt predict --model "$W/cs.model" --data "$W/cats.csv" --out "$W/cs.pred" --keep label 2>>"$W/e" &&
pt predict --model "$W/cn.model" --data "$W/catn.csv" --out "$W/cn.pred" 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$CCHK" "$W/c5.log" "$W/cats_f.csv" color,grp 1e-4 --label-strings --evaluator multiclass 2>&1); then bad "$msg";
elif ! msg=$($PY "$CCHK" "$W/c6.log" "$W/cats_f.csv" color,grp 1e-4 --label-strings --evaluator multiclass 2>&1); then bad "$msg";
elif ! msg=$($PY - "$W" 2>&1 <<'PYEOF'
import csv, sys, msgpack
w = sys.argv[1]
m = msgpack.unpackb(open(f"{w}/cs.model", "rb").read(), raw=False)
assert m["label_values"] == ["high", "low", "mid"], m["label_values"]
s = list(csv.DictReader(open(f"{w}/cs.pred", newline="")))
n = list(csv.DictReader(open(f"{w}/cn.pred", newline="")))
assert len(s) == len(n) == 300
for a, b in zip(s, n):
    assert a["prediction"] == m["label_values"][int(float(b["prediction"]))], (a, b)
    for k in ("probability_0", "probability_1", "probability_2"):
        assert abs(float(a[k]) - float(b[k])) < 1e-12, (a, b)
assert sum(a["prediction"] == a["label"] for a in s) > 150
PYEOF
); then bad "$msg"; else ok; fi

CP=(--data "$W/cat.csv" --pipeline stringIndexer,linearRegression)
expect_bad "too many categories" "many.csv:258: column c: more than 256 distinct values" \
    --data "$W/many.csv" --categorical c --pipeline stringIndexer,linearRegression
expect_bad "an undeclared string column" "not a number: \"green\" (leave the column out with --ignore color); a column of categories: --categorical color" \
    --data "$W/cat.csv" --categorical grp --pipeline stringIndexer,linearRegression
expect_bad "categorical columns without stringIndexer" "--categorical: the pipeline must start with stringIndexer" \
    --data "$W/cat.csv" --categorical color,grp --pipeline linearRegression
expect_bad "stringIndexer without categorical columns" "declare them with --categorical" \
    "${CP[@]}" --ignore color,grp
expect_bad "oneHotEncoder not after stringIndexer" "oneHotEncoder must follow stringIndexer" \
    --data "$W/cat.csv" --categorical color,grp --pipeline stringIndexer,standardScaler,oneHotEncoder,linearRegression
expect_bad "a label of class names with a regressor" "the label \"label\" holds class names: the pipeline must end with a classifier" \
    "${CP[@]}" --categorical color,grp,label
expect_bad "a label of class names not declared" "label is not a number: \"low\" (a label of class names: --categorical label)" \
    --data "$W/cats.csv" --categorical color,grp --pipeline stringIndexer,logisticRegression --evaluator multiclass
expect_bad "a bad stringOrderType" "expected one of frequencyDesc|frequencyAsc|alphabetDesc|alphabetAsc" \
    "${CP[@]}" --categorical color,grp --set stringIndexer.stringOrderType=random
expect_bad "a bad handleInvalid" "expected one of error|keep|skip" \
    "${CP[@]}" --categorical color,grp --set stringIndexer.handleInvalid=drop

begin "handleInvalid skip: validation rows with a category not in the training rows are dropped from scoring (indices and one-hot, every order): numpy (1e-6), with and without the moments cache"
SK=(--set stringIndexer.handleInvalid=skip --set linearRegression.regParam=0.1
    --grid stringIndexer.stringOrderType=frequencyDesc,alphabetAsc)
pt tune --data "$W/catu.csv" "${CAT[@]}" --pipeline stringIndexer,oneHotEncoder,linearRegression \
    "${SK[@]}" --grid oneHotEncoder.dropLast=true,false --grid oneHotEncoder.handleInvalid=error,keep \
    --log "$W/s1.log" >/dev/null 2>"$W/e" &&
pt tune --data "$W/catu.csv" "${CAT[@]}" --pipeline stringIndexer,oneHotEncoder,linearRegression \
    "${SK[@]}" --no-cache --log "$W/s1n.log" >/dev/null 2>>"$W/e" &&
pt tune --data "$W/catu.csv" "${CAT[@]}" --pipeline stringIndexer,linearRegression \
    "${SK[@]}" --metric mae --log "$W/s2.log" >/dev/null 2>>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$CCHK" "$W/s1.log" "$W/catu_f.csv" color,grp 1e-6 2>&1); then bad "$msg";
elif ! msg=$($PY "$CCHK" "$W/s1n.log" "$W/catu_f.csv" color,grp 1e-6 2>&1); then bad "$msg";
elif ! msg=$($PY "$CCHK" "$W/s2.log" "$W/catu_f.csv" color,grp 1e-6 2>&1); then bad "$msg";
elif ! msg=$($PY "$CCHK" "$W/c3.log" "$W/catu_f.csv" color,grp 1e-6 --si-invalid skip 2>&1); then
    ok  # the keep/error log differs from skip's numbers: the reference sees the difference
else bad "the skip reference does not tell skip from keep"; fi

begin "handleInvalid skip with row weights: the dropped validation rows' weights leave the weighted metric (weights_ref, 1e-6)"
$PY - "$W" <<'PYEOF'
import csv, sys
import numpy as np
w = sys.argv[1]
rng = np.random.default_rng(3)
for name in ("catu", "catu_f"):
    rows = list(csv.reader(open(f"{w}/{name}.csv", newline="")))
    wt = rng.uniform(0.2, 3.0, size=len(rows) - 1) if name == "catu" else wt
    rows[0].append("w")
    for r, v in zip(rows[1:], wt):
        r.append(f"{v:.4f}")
    with open(f"{w}/{name}w.csv".replace("_fw", "w_f"), "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
PYEOF
pt tune --data "$W/catuw.csv" "${CAT[@]}" --weight-col w --pipeline stringIndexer,oneHotEncoder,linearRegression \
    --set stringIndexer.handleInvalid=skip --grid linearRegression.regParam=0,0.1 --log "$W/s5.log" >/dev/null 2>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$CCHK" "$W/s5.log" "$W/catuw_f.csv" color,grp 1e-6 --weight-col w 2>&1); then bad "$msg"; else ok; fi

begin "handleInvalid skip, logisticRegression (binary AUC): numpy + scipy (1e-4)"
pt tune --data "$W/catb.csv" "${CAT[@]}" --pipeline stringIndexer,oneHotEncoder,logisticRegression \
    --set stringIndexer.handleInvalid=skip --set logisticRegression.tol=1e-10 \
    --set logisticRegression.maxIter=2000 --grid logisticRegression.regParam=0.01,0.1 \
    --evaluator binary --log "$W/s3.log" >/dev/null 2>"$W/e"
if [ $? -ne 0 ]; then bad "$(cat "$W/e")";
elif ! msg=$($PY "$CCHK" "$W/s3.log" "$W/catb_f.csv" color,grp 1e-4 --evaluator binary 2>&1); then bad "$msg"; else ok; fi

begin "handleInvalid skip: a fold whose every validation row is dropped fails that job with the reason; the others match numpy"
$PY - "$W" <<'PYEOF'
import csv, sys
w = sys.argv[1]
rows = list(csv.reader(open(f"{w}/cat_f.csv", newline="")))
for r in rows[1:]:
    if r[5] == "2":
        r[1] = "only2"  # a color no training row of fold 2 has
with open(f"{w}/cat2_f.csv", "w", newline="") as f:
    csv.writer(f, lineterminator="\n").writerows(rows)
PYEOF
pt tune --data "$W/cat2_f.csv" --fold-col fold --categorical color,grp --folds 3 --quiet \
    --pipeline stringIndexer,oneHotEncoder,linearRegression --set stringIndexer.handleInvalid=skip \
    --set linearRegression.regParam=0.1 --log "$W/s4.log" >/dev/null 2>"$W/e"
rc=$?
if [ $rc -eq 2 ] || [ $rc -gt 3 ]; then bad "exit $rc: $(cat "$W/e")";
elif ! msg=$($PY "$CCHK" "$W/s4.log" "$W/cat2_f.csv" color,grp 1e-6 2>&1); then bad "$msg";
elif ! grep -q "nothing left to score" "$W/s4.log"; then bad "no reason in the log";
else ok; fi

begin "predict with handleInvalid skip: rows with a value the model lacks are dropped, --keep of the categorical column joins: the refit's numpy predictions (1e-6)"
rm -f "$W/sk.model"
pt tune --data "$W/catu.csv" "${CAT[@]}" --pipeline stringIndexer,oneHotEncoder,linearRegression \
    --set stringIndexer.handleInvalid=skip --set linearRegression.regParam=0.1 \
    --model-out "$W/sk.model" >/dev/null 2>"$W/e" &&
pt predict --model "$W/sk.model" --data "$W/catp.csv" --out "$W/sk.pred" --keep x1,color 2>"$W/pe"
if [ $? -ne 0 ]; then bad "$(cat "$W/e" "$W/pe")";
elif ! grep -q "2 of 300 rows dropped" "$W/pe"; then bad "no note: $(cat "$W/pe")";
elif ! msg=$($PY - "$REF/categorical_ref.py" "$W" 2>&1 <<'PYEOF'
import csv, json, subprocess, sys
ref, w = sys.argv[1], sys.argv[2]
want = json.loads(subprocess.check_output([sys.executable, ref, "--data", f"{w}/catu_f.csv",
    "--fold-col", "fold", "--categorical", "color,grp", "--si-invalid", "skip", "--reg", "0.1",
    "--ohe", "--predict", f"{w}/catp.csv"]))
rows = list(csv.DictReader(open(f"{w}/sk.pred", newline="")))
src = list(csv.DictReader(open(f"{w}/catp.csv", newline="")))
assert len(want["kept_rows"]) == 298 and len(rows) == 298, (len(rows), len(want["kept_rows"]))
for r, i, p in zip(rows, want["kept_rows"], want["predictions"]):
    assert (r["x1"], r["color"]) == (src[i]["x1"], src[i]["color"]), (r, src[i])
    assert abs(float(r["prediction"]) - p) <= 1e-6 * max(1, abs(p)), (i, r["prediction"], p)
PYEOF
); then bad "$msg"; else ok; fi
