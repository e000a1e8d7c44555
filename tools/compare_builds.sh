#!/usr/bin/env bash
# compare_builds.sh NEW_BIN_DIR BASE_BIN_DIR - byte-compares the outputs of the README example
# (tune stdout, model file, predict, every paratune-log command, gen) between two builds.
# Timings are stripped from stderr; log-reading commands run on the same log file.
set -u
NEW=$(cd "${1:-build}" && pwd); BASE=$(cd "${2:?usage: compare_builds.sh NEW_BIN_DIR BASE_BIN_DIR}" && pwd); DATA=$(cd "$(dirname "$0")/../tests/data" && pwd)
W=$(mktemp -d /tmp/cmp.XXXXXX); trap 'rm -rf "$W"' EXIT
fail=0
same() { if cmp -s "$1" "$2"; then echo "same  $3"; else echo "DIFF  $3"; diff "$1" "$2" | head -10; fail=1; fi; }
strip() { grep -v -E 'seconds|[0-9.]+ ?(s|ms|us)\b|jobs/s|elapsed|load |shared memory|sweep |refit |coordinator CPU|CPUs' "$1"; }
for who in base new; do
  B=$BASE; [ $who = new ] && B=$NEW
  mkdir -p $W/$who; cd $W/$who
  $B/paratune gen --rows 10000 --features 100 --seed 7 --out data.csv
  $B/paratune tune --data data.csv --label label --pipeline pca,linearRegression --grid pca.k=15,20,40,75 --grid linearRegression.regParam=0.001,0.003,0.01,0.03 --validator tvs --train-ratio 0.8 --seed 42 --evaluator regression --metric rmse --parallelism 3 --log results.msgpack --overwrite --model-out model.msgpack >tune.out 2>tune.err; echo "rc=$?" >>tune.out
  $B/paratune tune --data data.csv --label label --pipeline standardScaler,pca,linearRegression --grid pca.k=5,20 --grid linearRegression.elasticNetParam=0,0.5 --set linearRegression.regParam=0.01 --folds 3 --seed 3 --parallelism 2 --log cv.msgpack --model-out cvmodel.msgpack --quiet >cv.out 2>cv.err; echo "rc=$?" >>cv.out
  python3 -c "
import csv,sys
r=list(csv.reader(open('data.csv'))); h=r[0]; li=h.index('label')
import statistics; ys=[float(x[li]) for x in r[1:]]; m=statistics.median(ys)
w=csv.writer(open('bin.csv','w',newline='')); w.writerow(h)
for x in r[1:3001]: x=list(x); x[li]='1' if float(x[li])>m else '0'; w.writerow(x)
"
  $B/paratune tune --data bin.csv --label label --pipeline standardScaler,logisticRegression --grid logisticRegression.regParam=0.001,0.1 --evaluator binary --folds 3 --parallelism 2 --log bin.msgpack --model-out binmodel.msgpack --quiet >bin.out 2>bin.err; echo "rc=$?" >>bin.out
  $B/paratune tune --data $DATA/iris.csv --pipeline logisticRegression --grid logisticRegression.regParam=0.001,0.1 --evaluator multiclass --folds 3 --parallelism 2 --log iris.msgpack --model-out irismodel.msgpack --quiet >iris.out 2>iris.err; echo "rc=$?" >>iris.out
done
cd $W
same base/data.csv new/data.csv "gen data.csv"
for t in tune cv bin iris; do same base/$t.out new/$t.out "$t stdout+rc"; strip base/$t.err > base/$t.errs; strip new/$t.err > new/$t.errs; same base/$t.errs new/$t.errs "$t stderr (timings stripped)"; done
for m in model cvmodel binmodel irismodel; do same base/$m.msgpack new/$m.msgpack "$m.msgpack"; done
# log readers and predict: both builds on the same (new) files
for who in base new; do
  B=$BASE; [ $who = new ] && B=$NEW
  L=$W/new/results.msgpack
  $B/paratune-log show $L > $who/show.txt 2>&1
  $B/paratune-log compare $L $W/new/cv.msgpack > $who/compare.txt 2>&1
  $B/paratune-log best $L > $who/best.txt 2>&1
  $B/paratune-log csv $L > $who/csv.txt 2>&1
  $B/paratune-log csv $L --maps > $who/csvmaps.txt 2>&1
  $B/paratune-log json $L > $who/json.txt 2>&1
  $B/paratune-log show $W/new/iris.msgpack > $who/showiris.txt 2>&1
  $B/paratune-log heatmap $L --x pca.k --y linearRegression.regParam --out $who/heat.svg > $who/heat.txt 2>&1
  $B/paratune-log heatmap $W/new/cv.msgpack --x pca.k --y linearRegression.elasticNetParam --average --out $who/heat2.svg > $who/heat2.txt 2>&1
  $B/paratune-log timeline $L --out $who/timeline.svg > $who/tl.txt 2>&1
  $B/paratune predict --model $W/new/model.msgpack --data $W/new/data.csv --out $who/pred.csv > $who/pred.txt 2>&1
  $B/paratune predict --model $W/new/binmodel.msgpack --data $W/new/bin.csv --out $who/predbin.csv > $who/predbin.txt 2>&1
  $B/paratune predict --model $W/new/irismodel.msgpack --data $DATA/iris.csv --out $who/prediris.csv > $who/prediris.txt 2>&1
done
for f in show.txt compare.txt best.txt csv.txt csvmaps.txt json.txt showiris.txt heat.svg heat.txt heat2.svg timeline.svg tl.txt pred.csv pred.txt predbin.csv prediris.csv; do same base/$f new/$f "$f"; done
exit $fail
