#!/usr/bin/env bash
# seeds.sh - writes the fuzz targets' seed corpora, tests/fuzz/corpus/<target>/: small real
# files, the logs, model files, image cache files and key file made by the built programs on
# tiny data (BIN, default build), the messages encoded as the protocol writes them (python3
# msgpack), the link's header lines and URLs. Run it again
# when a format changes; the files are committed, so make fuzz does not need it.
# The CSV seeds start with the two option bytes fuzz_csv.c reads (sep, fold and weight
# columns, imputing, threads, --missing, categorical), the LIBSVM ones with the feature byte.
set -euo pipefail
BIN=${BIN:-build}
PY=${PYTHON:-/usr/bin/python3}
HERE=$(cd "$(dirname "$0")" && pwd)
C=$HERE/corpus
W=$(mktemp -d /tmp/paratune-seeds.XXXXXX)
trap 'rm -rf "$W"' EXIT
rm -rf "$C"
mkdir -p "$C"/{csv,libsvm,log,model,msg,options,grid,link,imgcache,num}
pt() { "$BIN/paratune" "$@" --quiet >/dev/null; }

# ---- data, which are also the CSV seeds (option bytes first) ----
cat >"$W/reg.csv" <<'D'
a,b,c,label
0.5,1,x,1.25
1.5,-2,y,0.5
2,3e-1,x,2.75
-1,4,z,-0.5
3,0.25,y,3.5
0,1.5,z,0
2.5,-1,x,2
1,2,y,1.5
-0.5,0,z,-1
4,1,x,4.5
1.25,0.5,y,1
-2,3,z,-2.5
D
cat >"$W/bin.csv" <<'D'
a,b,c,label
0.5,1,x,1
1.5,-2,y,0
2,0.3,x,1
-1,4,z,0
3,0.25,y,1
0,1.5,z,0
2.5,-1,x,1
1,2,y,0
-0.5,0,z,0
4,1,x,1
1.25,0.5,y,1
-2,3,z,0
D
awk -F, 'NR == 3 || NR == 7 { $1 = "NA" } 1' OFS=, "$W/reg.csv" >"$W/miss.csv"
awk -F, 'BEGIN { OFS = "," } NR == 1 { print "a,b,c,w,fold,label"; next }
         { print $1, $2, $3, (NR % 3) + 0.5, NR % 3, $4 }' "$W/reg.csv" >"$W/wf.csv"
awk -F, 'BEGIN { OFS = "," } NR > 1 { print $4, "1:" $1, "2:" $2 }' "$W/reg.csv" >"$W/reg.libsvm"
# f0: sep & 7 | 8 fold | 16 weight | impute << 5; f1: threads - 1 | 4 missing | 8 "" |
#     16 categorical c | 32 text label | 64 ignore c | 128 allow missing categories
seed() { { printf "$1"; cat; } >"$C/csv/$2"; }
seed '\x00\x40' plain.csv <"$W/reg.csv"
seed '\x00\x51' cat.csv <"$W/reg.csv"
seed '\x00\x71' catlabel.csv <"$W/bin.csv"
seed '\x20\x02' impute.csv <"$W/miss.csv"
seed '\x18\x53' foldweight.csv <"$W/wf.csv"
seed '\x02\x41' semicolon.csv < <(tr , ';' <"$W/reg.csv")
seed '\x03\x41' tab.csv < <(tr , '\t' <"$W/reg.csv")
seed '\x00\x43' quoted.csv <<'D'
"a","b c","d ""q""",label
"1.5","x, y","line
two",2
" 2 ",plain,"",3.5
"-1e2","a""b",z,-4
D
seed '\x00\x41' bom_crlf.csv < <(printf '\xef\xbb\xbf'; sed 's/$/\r/' "$W/reg.csv")
seed '\x00\x45' missing.csv <<'D'
a|b|label
1|?|2
NA|none|3
4|5|6
D

# ---- LIBSVM ----
{ printf '\x00'; cat "$W/reg.libsvm"; } >"$C/libsvm/reg.libsvm"
{ printf '\x0b'; printf '# comment\n1 1:0.5 3:2 # tail\n\n0 2:1e-3\n-1.5 1:1 2:2 3:3 4:4\n'; } \
    >"$C/libsvm/sparse.libsvm"
{ printf '\x00'; printf '+1 1:1 2:0.5\r\n-1 2:-1\r\n'; } >"$C/libsvm/crlf.libsvm"

# ---- logs and models from real sweeps ----
common=(--seed 3 --folds 3)
pt tune --data "$W/reg.csv" --ignore c --pipeline linearRegression \
    --grid linearRegression.regParam=0,0.1 "${common[@]}" --log "$C/log/linreg.ptlog" \
    --model-out "$C/model/linreg.ptm"
pt tune --data "$W/bin.csv" --ignore c --pipeline pca,standardScaler,logisticRegression \
    --set pca.k=2 --grid logisticRegression.regParam=0,0.5 --evaluator binary --validator tvs \
    --seed 3 --log "$C/log/logreg_tvs.ptlog" --model-out "$C/model/logreg.ptm"
pt tune --data "$W/bin.csv" --categorical c --pipeline stringIndexer,oneHotEncoder,logisticRegression \
    --grid stringIndexer.handleInvalid=keep,skip --evaluator multiclass "${common[@]}" \
    --log "$C/log/categorical.ptlog" --model-out "$C/model/categorical.ptm"
pt tune --data "$W/miss.csv" --ignore c --pipeline imputer,minMaxScaler,linearRegression \
    --grid imputer.strategy=mean,median "${common[@]}" --model-out "$C/model/imputer.ptm"
pt tune --data "$W/reg.csv" --ignore c --pipeline decisionTreeRegressor \
    --set decisionTreeRegressor.maxDepth=2 "${common[@]}" --model-out "$C/model/tree.ptm"
pt tune --data "$W/bin.csv" --categorical c --pipeline stringIndexer,randomForestClassifier \
    --set randomForestClassifier.maxDepth=2 --grid randomForestClassifier.numTrees=1,2 \
    --evaluator binary "${common[@]}" --log "$C/log/forest.ptlog" --model-out "$C/model/forest.ptm"
pt tune --data "$W/bin.csv" --ignore c --pipeline gbtClassifier --set gbtClassifier.maxDepth=1 \
    --set gbtClassifier.maxIter=2 --evaluator binary "${common[@]}" --model-out "$C/model/gbt.ptm"
pt tune --data "$W/wf.csv" --ignore c --weight-col w --fold-col fold --pipeline linearRegression \
    --grid linearRegression.elasticNetParam=0,1 --set linearRegression.regParam=0.1 \
    --log "$C/log/weights.ptlog"
# a torn tail and a sweep without its summary, as a crash leaves them
f=$C/log/linreg.ptlog
head -c $(($(stat -c %s "$f") - 7)) "$f" >"$C/log/torn.ptlog"
"$PY" - "$f" "$C/log/nosummary.ptlog" <<'P'
import sys, msgpack
recs = list(msgpack.Unpacker(open(sys.argv[1], 'rb'), raw=False, strict_map_key=False))
with open(sys.argv[2], 'wb') as out:
    for r in recs:
        if r.get('record') != 'summary':
            out.write(msgpack.packb(r, use_bin_type=True))
P

# ---- image cache files (tune --image-cache) of those data ----
cache() { # NAME, then tune's arguments: the cache file the run writes, as corpus/imgcache/NAME
    rm -rf "$W/cache" && mkdir "$W/cache"
    pt tune --image-cache "$W/cache" "${@:2}"
    cp "$W"/cache/*.ptimg "$C/imgcache/$1.ptimg"
}
cache reg --data "$W/reg.csv" --ignore c --pipeline linearRegression "${common[@]}"
cache weights --data "$W/wf.csv" --ignore c --weight-col w --fold-col fold \
    --pipeline linearRegression
cache categorical --data "$W/miss.csv" --categorical c --pipeline stringIndexer,imputer,linearRegression \
    "${common[@]}"
awk -F, 'BEGIN { OFS = "," } NR > 1 { $4 = $4 ? "yes" : "no" } 1' "$W/bin.csv" >"$W/names.csv"
cache classes --data "$W/names.csv" --categorical c,label \
    --pipeline stringIndexer,oneHotEncoder,logisticRegression --evaluator binary "${common[@]}"

# ---- messages, as pt_msg_encode writes them ----
"$PY" - "$C/msg" "$C/model/linreg.ptm" <<'P'
import sys, msgpack
d = sys.argv[1]
pipeline = msgpack.unpackb(open(sys.argv[2], 'rb').read(), raw=False)['pipeline']
ids = {'job_id': 17, 'param_index': 1, 'fold': 2}
params = {'pca.k': 2, 'linearRegression.regParam': 0.1, 'linearRegression.fitIntercept': True,
          'imputer.strategy': 'mean'}
msgs = {
  'hello': {'type': 'hello', 'pid': 4242},
  'stop': {'type': 'stop'},
  'job_fit': dict(type='job', kind='fit', **ids, attempt=1,
                  stages=['pca', 'linearRegression'], params=params),
  'job_refit': dict(type='job', kind='refit', job_id=40, param_index=1, fold=-1, attempt=2,
                    stages=['pca', 'linearRegression'], params=params, threads=2, cpus=[0, 1]),
  'job_stats': dict(type='job', kind='stats', job_id=1, param_index=-1, fold=0, attempt=1,
                    stages=['linearRegression'], params={}),
  'job_shared': dict(type='job', kind='fit', **ids, attempt=1, stages=['randomForestRegressor'],
                     params={'randomForestRegressor.numTrees': 4}, shared=[0, 1, 3, 2]),
  'job_bins': dict(type='job', kind='bins', **ids, attempt=1, stages=['gbtRegressor'],
                   params={'gbtRegressor.maxBins': 32}),
  'result': dict(type='result', **ids, metric=0.75, fit_seconds=0.001, eval_seconds=0.0005),
  'result_refit': dict(type='result', job_id=40, param_index=1, fold=-1, metric=0.0,
                       fit_seconds=0.01, eval_seconds=0.0,
                       model=msgpack.packb(pipeline, use_bin_type=True), converged=False),
  'result_shared': dict(type='result', **ids, metric=0.5, fit_seconds=0.1, eval_seconds=0.1,
                        shared_metrics=[0.25, 0.125]),
  'error': dict(type='error', **ids, error='out of memory'),
}
for name, m in msgs.items():
    open(f'{d}/{name}.msg', 'wb').write(msgpack.packb(m, use_bin_type=True))
P

# ---- declared sizes far beyond the bytes: refused, never allocated (regression seeds) ----
"$PY" - "$C" <<'P'
import sys, msgpack
c = sys.argv[1]
big32 = b'\xff\xff\xff\xff'
open(f'{c}/msg/huge_array.msg', 'wb').write(b'\x81\xa4type\xdd' + big32)
open(f'{c}/model/huge_array.ptm', 'wb').write(
    b'\x83\xa6format\xaeparatune-model\xa7version\x01\xadfeature_names\xdd' + big32)
log = open(f'{c}/log/linreg.ptlog', 'rb').read()
u = msgpack.Unpacker(raw=False, strict_map_key=False)
u.feed(log)
next(u)
n = u.tell()  # the header's end
open(f'{c}/log/huge_map.ptlog', 'wb').write(log[:n] + b'\xdf' + big32 + b'\xa6record')
open(f'{c}/log/huge_str_middle.ptlog', 'wb').write(
    log[:n] + b'\x81\xa6record\xdb' + big32 + log[n:])
P
printf '\x00\x31 48371651:555\n' >"$C/libsvm/huge_index.libsvm"

# ---- the link: a key file, a header line of every word (pt_link.h), URLs ----
"$BIN/paratune" keygen "$C/link/sweep.key" >/dev/null
l=$C/link
printf 'HELLO 4 12345 node-a.example' >"$l/hello"
printf 'ACK 8388608' >"$l/ack"
printf 'READY' >"$l/ready"
printf 'RESULT 4242' >"$l/result"
printf 'LOST 17 worker 4242 exited' >"$l/lost"
printf 'BAD cannot map the image' >"$l/bad"
printf 'PING' >"$l/ping"
printf 'WELCOME 1288 3735928559 18446744073709551615 1000 2 3 4 1' >"$l/welcome"
printf 'CODES' >"$l/codes"
printf 'SETUP' >"$l/setup"
printf 'CHUNK 1048576' >"$l/chunk"
printf 'JOB' >"$l/job"
printf 'BYE the sweep is over' >"$l/bye"
printf 'READY 6' >"$l/ready_n"
printf 'CUT 3' >"$l/cut"
printf '\x02\x00\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00' >"$l/cut_payload"
printf 'KILL 17 --job-timeout' >"$l/kill"
printf 'REJOIN 2 4242 1288 3735928559 18446744073709551615 node-a' >"$l/rejoin"
printf 'OFFER 1288 3735928559 18446744073709551615' >"$l/offer"
printf '/shared/cache/0123456789abcdef.ptimg' >"$l/offer_path"
printf '/shared/a\x00b.ptimg' >"$l/offer_nul"
printf 'HAVE' >"$l/have"
printf 'NEED cannot open /shared/cache/0123456789abcdef.ptimg: No such file or directory' >"$l/need"
printf 'tcp://127.0.0.1:5555' >"$l/url_connect"
printf 'tcp://*:65535' >"$l/url_bind"
printf 'tcp://[::1]:1' >"$l/url_v6"
printf 'tcp://node-a.example:0' >"$l/url_port0"

# ---- command lines (options: one argument a line) and grids ----
o=$C/options
printf '%s\n' --data d.csv --pipeline pca,linearRegression --grid pca.k=1,2 \
    --grid linearRegression.regParam=0.001,0.01 --folds 3 --seed 42 --parallelism 2 \
    --log r.ptlog --overwrite >"$o/basic"
printf '%s\n' --data d.csv --pipeline logisticRegression --evaluator binary --metric areaUnderPR \
    --validator tvs --train-ratio 0.8 --num-bins 0 --stratify \
    --random logisticRegression.regParam=loguniform:1e-4:1 --samples 5 >"$o/random"
printf '%s\n' --data d.csv --pipeline stringIndexer,oneHotEncoder,randomForestClassifier \
    --categorical 'c,"d, e"' --features 'a,b,c,"d, e"' --sep ';' --missing 'NA,?' \
    --evaluator multiclass --metric logLoss --grid randomForestClassifier.numTrees=2,4 \
    --set randomForestClassifier.featureSubsetStrategy=sqrt --pin-cpus 0-1 \
    --worker-memory 512M --job-timeout 2.5 --max-retries 0 --threads-per-job 2 >"$o/categorical"
printf '%s\n' --data d.csv --pipeline imputer,gbtRegressor --ignore id --fold-col f --folds 4 \
    --weight-col w --grid gbtRegressor.maxIter=5,10 --grid imputer.strategy=mean,median \
    --no-cache --no-prefix-sharing --resume --log r.ptlog --quiet >"$o/imputer"
g=$C/grid
printf '%s\n' pca,standardScaler,linearRegression 'g pca.k=1,2,3' \
    'g linearRegression.regParam=0,0.5' 's standardScaler.withMean=true' 'f 4' >"$g/linear"
printf '%s\n' stringIndexer,oneHotEncoder,logisticRegression \
    'g stringIndexer.handleInvalid=keep,skip' 'r logisticRegression.elasticNetParam=uniform:0:1' \
    'r logisticRegression.family=choice:binomial,multinomial' 'n 3' 's oneHotEncoder.dropLast=false' \
    >"$g/random"
printf '%s\n' imputer,minMaxScaler,maxAbsScaler,logisticRegression \
    'g decisionTreeClassifier.maxDepth=0,3,30' 'g decisionTreeClassifier.impurity=gini,entropy' \
    's minMaxScaler.min=-1' 'g decisionTreeClassifier.minWeightFractionPerNode=0,0.25' >"$g/tree"
printf '%s\n' gbtClassifier 'g gbtClassifier.maxIter=1,20' 's gbtClassifier.stepSize=0.5' \
    'r gbtClassifier.maxDepth=uniform:1:6' 'n 2' >"$g/gbt"
printf '%s\n' randomForestRegressor 'g randomForestRegressor.featureSubsetStrategy=auto,0.5,3,log2' \
    's randomForestRegressor.seed=-5' >"$g/forest"
# ---- numbers for the scanner against strtod (fuzz_num.c) ----
i=0
for n in 0 -0.0 1.513008808 -0.05780960444 9007199254740993 1.7976931348623157e308 4.9e-324 \
    2.2250738585072011e-308 0.1000000000000000055511151231257827 12345678901234567890e-5 \
    1e 1e+5x .5 - inf nan 0x1p3 00012 1e-400; do
    printf '%s' "$n" >"$C/num/n$i"
    i=$((i + 1))
done
ls "$C"/* | wc -l
