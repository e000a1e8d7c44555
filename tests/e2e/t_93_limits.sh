# t_93_limits.sh - limits known before anything is allocated (sourced by run.sh): shared-memory
# names another process took first, sizes that do not fit, grids that are too large, values
# that strtod / strtol / strtok would take leniently, options given twice.
LD=(--data "$W/data.csv" --pipeline linearRegression --quiet)

# ------------------------------------------------------------------ shm names taken first
# A preloaded shm_open takes (creates, as another user's process would) the very name
# paratune opens, three times: paratune must go on with other names and leave those alone.
cat >"$W/shmtake.c" <<'CEOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
static int taken;
int shm_open(const char *name, int flags, mode_t mode)
{
    static int (*real)(const char *, int, mode_t);
    const char *log = getenv("SHMTAKE_LOG");
    if (real == NULL)
        real = (int (*)(const char *, int, mode_t))dlsym(RTLD_NEXT, "shm_open");
    if (taken < 3 && (flags & O_EXCL) && strncmp(name, "/paratune-", 10) == 0) {
        int fd = real(name, O_RDWR | O_CREAT | O_EXCL, 0600);
        if (fd >= 0) {
            FILE *f = log != NULL ? fopen(log, "a") : NULL;
            if (write(fd, "decoy", 5) != 5) {}
            close(fd);
            taken++;
            if (f != NULL) {
                fprintf(f, "%s\n", name + 1);
                fclose(f);
            }
        }
    }
    return real(name, flags, mode);
}
CEOF
begin "shared-memory names taken by another process first: other random names, theirs untouched"
rm -f "$W/taken.txt" "$W/t93_shm.log"
pre=()
for i in 1 2 3; do # random-looking names made beforehand, as paratune's now look
    n=paratune-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    printf decoy >"/dev/shm/$n" && pre+=("$n")
done
if ! cc -shared -fPIC -o "$W/shmtake.so" "$W/shmtake.c" -ldl 2>"$W/cc.err"; then
    rm -f "${pre[@]/#//dev/shm/}"
    skip "no C compiler for the preload: $(head -c 200 "$W/cc.err")"
else
    SHMTAKE_LOG="$W/taken.txt" LD_PRELOAD="$W/shmtake.so" \
        ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0" \
        pt tune "${LD[@]}" --log "$W/t93_shm.log" >"$W/shm.out" 2>"$W/shm.err"
    rc=$?
    names=$(cat "$W/taken.txt" 2>/dev/null)
    intact=1
    for n in $names "${pre[@]}"; do
        [ "$(cat "/dev/shm/$n" 2>/dev/null)" = decoy ] || intact=0
        rm -f "/dev/shm/$n"
    done
    if [ $rc -ne 0 ]; then bad "exit $rc: $(head -c 300 "$W/shm.err")";
    elif [ "$(echo "$names" | grep -c '^paratune-[0-9a-f]\{32\}$')" -ne 3 ]; then bad "names taken: $names";
    elif [ $intact -ne 1 ]; then bad "a segment of the other process was changed or removed";
    elif [ "$($PY "$HERE/logtool.py" count "$W/t93_shm.log")" != 3 ]; then bad "results";
    else check_clean && ok; fi
fi

# ------------------------------------------------------------------ sizes
# 10 rows, one index of 20,000,000: a 1.5G image, and p x p moments of petabytes in a worker.
$PY - "$W/wide.svm" <<'PYEOF'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(10):
        f.write(f"{i % 3} 1:{i} 7:{0.5 * i} 20000000:1.5\n")
PYEOF
begin "a 10-row LIBSVM file with index 20000000: exit 2 at once with the sizes, nothing written"
rm -f "$W/t93_wide.log" "$W/t93_wide.ptm"
t0=$(date +%s%N)
pt tune --data "$W/wide.svm" --pipeline linearRegression --log "$W/t93_wide.log" \
    --model-out "$W/t93_wide.ptm" >"$W/wide.out" 2>"$W/wide.err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
if [ $rc -ne 2 ]; then bad "exit $rc: $(head -c 300 "$W/wide.err")";
elif [ "$(wc -l <"$W/wide.err")" -ne 1 ]; then bad "$(cat "$W/wide.err")";
elif ! grep -q "wide.svm: 10 rows x 20000000 features need 1.5G of shared memory" "$W/wide.err" ||
     ! grep -q "the 20000000 x 20000000 moments: 2.8P each" "$W/wide.err" ||
     ! grep -q -- "--max-memory" "$W/wide.err"; then bad "$(cat "$W/wide.err")";
elif [ -e "$W/t93_wide.log" ] || [ -e "$W/t93_wide.ptm" ] || [ -s "$W/wide.out" ]; then bad "wrote output";
elif [ $ms -gt 3000 ]; then bad "took $ms ms";
else check_clean && ok; fi
# 1.5G: 10 x (20000000 + 2) doubles and a page; 2.8P: (p^2 + 4p + 4) doubles, p = 2e7
begin "the sizes in that line are the image's and the moments' (numpy)"
if ! $PY - "$W/wide.err" <<'PYEOF'
import re, sys
line = open(sys.argv[1]).read()
p, n = 20_000_000, 10
img = (4096 + 8 * 4 + n * (p + 2) * 8) / 2**30
mom = (p * p + 4 * p + 4) * 8 / 2**50
assert f"need {img:.1f}G of shared" in line, (img, line)
assert f"moments: {mom:.1f}P each" in line, (mom, line)
PYEOF
then bad "sizes"; else ok; fi
expect_bad "a trees pipeline on that file, even under --max-memory 1T" "above 1.0T (--max-memory" \
    --data "$W/wide.svm" --pipeline decisionTreeRegressor --max-memory 1T
pt gen --rows 5000 --features 40 --seed 3 --out "$W/mid.csv" # a 1.6M image
expect_bad "--max-memory below a small sweep's need" "5000 rows x 40 features need 1.6M of shared memory" \
    --data "$W/mid.csv" --pipeline linearRegression --max-memory 1M
begin "--max-memory above a sweep's need: it runs"
if pt tune --data "$W/data.csv" --pipeline linearRegression --max-memory 64M --quiet \
    >/dev/null 2>"$W/mm.err"; then check_clean && ok; else bad "$(cat "$W/mm.err")"; fi

# ------------------------------------------------------------------ grid size
begin "a grid of 30^5 maps is refused at once, before any per-map array"
rm -f "$W/t93_grid.log"
v30=$(seq -s, 1 30)
f30=$(seq -s, 0.01 0.01 0.30)
t0=$(date +%s%N)
pt tune --data "$W/data.csv" --pipeline pca,linearRegression --grid pca.k="$v30" \
    --grid linearRegression.regParam="$f30" --grid linearRegression.elasticNetParam="$f30" \
    --grid linearRegression.maxIter="$v30" --grid linearRegression.tol="$f30" \
    --log "$W/t93_grid.log" >/dev/null 2>"$W/g.err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
if [ $rc -ne 2 ]; then bad "exit $rc: $(head -c 300 "$W/g.err")";
elif [ "$(wc -l <"$W/g.err")" -ne 1 ] ||
     ! grep -q "the grid has 24300000 param maps x 3 folds = 72900000 fits, more than 1000000 (--max-fits N" "$W/g.err"; then
    bad "$(cat "$W/g.err")";
elif [ -e "$W/t93_grid.log" ]; then bad "wrote a log";
elif [ $ms -gt 3000 ]; then bad "took $ms ms";
else check_clean && ok; fi
expect_bad "--max-fits below the grid's fits" "the grid has 6 param maps x 2 folds = 12 fits, more than 11" \
    "${LD[@]}" --grid linearRegression.regParam=0.1,0.2,0.3 --grid linearRegression.fitIntercept=true,false \
    --folds 2 --max-fits 11
begin "the number of fits is said on stderr before the sweep (one line, not with --quiet)"
G6=(--data "$W/data.csv" --pipeline linearRegression --grid linearRegression.regParam=0.1,0.2,0.3
    --grid linearRegression.fitIntercept=true,false --folds 2 --max-fits 12)
if ! pt tune "${G6[@]}" >/dev/null 2>"$W/f.err"; then bad "$(cat "$W/f.err")";
elif [ "$(grep -c '^paratune: 6 param maps x 2 folds = 12 fits, then the refit$' "$W/f.err")" -ne 1 ]; then
    bad "$(cat "$W/f.err")";
elif ! pt tune "${G6[@]}" --quiet >/dev/null 2>"$W/fq.err" || [ -s "$W/fq.err" ]; then
    bad "with --quiet: $(cat "$W/fq.err")";
else check_clean && ok; fi

# ------------------------------------------------------------------ lenient values
R=linearRegression.regParam
expect_bad "an empty list element" "an empty value" "${LD[@]}" --grid "$R=1,,2"
expect_bad "a trailing comma" "an empty value" "${LD[@]}" --grid "$R=1,2,"
expect_bad "an empty stage name" "an empty stage name" --data "$W/data.csv" --pipeline "pca,,linearRegression"
expect_bad "hexadecimal param" "not a number: \"0x10\"" "${LD[@]}" --set "$R=0x10"
expect_bad "hexadecimal integer param" "not a number: \"0x10\"" "${LD[@]}" --set linearRegression.maxIter=0x10
expect_bad "a blank before a param value" "not a number" "${LD[@]}" --set "$R= 1"
expect_bad "inf as a param" "not a number: \"inf\"" "${LD[@]}" --set "$R=inf"
expect_bad "trailing text after a param" "not a number: \"1e-2x\"" "${LD[@]}" --set "$R=1e-2x"
expect_bad "a random bound in hexadecimal" "not a number" "${LD[@]}" --random "$R=uniform:0:0x1" --samples 2
expect_bad "an option given twice" "--folds 4: given twice" "${LD[@]}" --folds 3 --folds 4
expect_bad "a flag given twice" "--no-cache: given twice" "${LD[@]}" --no-cache --no-cache
expect_bad "--folds in hexadecimal" "--folds 0x10" "${LD[@]}" --folds 0x10
expect_bad "--folds with a blank" "--folds  4" "${LD[@]}" --folds " 4"
expect_bad "--folds negative" "--folds -3" "${LD[@]}" --folds -3
expect_bad "--parallelism past a long" "--parallelism 99999999999999999999" "${LD[@]}" --parallelism 99999999999999999999
expect_bad "--seed negative after a blank" "--seed  -1" "${LD[@]}" --seed " -1"
expect_bad "--seed with a sign" "--seed +1" "${LD[@]}" --seed "+1"
expect_bad "--train-ratio in hexadecimal" "--train-ratio 0x0.8p0" "${LD[@]}" --validator tvs --train-ratio 0x0.8p0
expect_bad "--job-timeout inf" "--job-timeout inf" "${LD[@]}" --job-timeout inf
expect_bad "--worker-memory in hexadecimal" "--worker-memory 0x10G" "${LD[@]}" --worker-memory 0x10G
expect_bad "--max-memory with a blank" "--max-memory  4G" "${LD[@]}" --max-memory " 4G"
expect_bad "--max-fits 0" "--max-fits 0" "${LD[@]}" --max-fits 0
expect_bad "featureSubsetStrategy with a blank" "featureSubsetStrategy" --data "$W/data.csv" \
    --pipeline randomForestRegressor --set "randomForestRegressor.featureSubsetStrategy= 5"
expect_predict_bad "an option given twice" "--data $W/data.csv: given twice" \
    --model "$W/t93_none.ptm" --data "$W/data.csv" --data "$W/data.csv"
begin "gen refuses an option given twice, writes nothing"
rm -f "$W/t93_gen.csv"
pt gen --rows 5 --features 2 --rows 6 --out "$W/t93_gen.csv" 2>"$W/gen.err"
rc=$?
if [ $rc -ne 2 ] || [ "$(cat "$W/gen.err")" != "paratune: --rows 6: given twice" ]; then
    bad "exit $rc: $(cat "$W/gen.err")";
elif [ -e "$W/t93_gen.csv" ]; then bad "wrote the file";
else ok; fi
