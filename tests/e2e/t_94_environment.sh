# t_94_environment.sh - a hostile machine (sourced by run.sh): a full disk under the log and
# under --model-out, a /dev/shm too small for the image. Each runs in a private mount
# namespace (unshare -m, root) on a small tmpfs the test mounts itself, so nothing outside the
# test is touched; where the namespace cannot be made, the tests say skip.
# shellcheck disable=SC2016 # the quoted commands expand in the namespace's own shell
E=$W/t94
mkdir -p "$E/full"
pt gen --rows 2000 --features 10 --seed 3 --out "$E/d.csv" >/dev/null 2>&1
T94_GRID="linearRegression.regParam=$(seq -s, 1 400)"
T94=(--data "$E/d.csv" --pipeline linearRegression --folds 3 --quiet)
t94_ns=1
if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then t94_ns=0; fi
# t94_in SIZE DIR CMD: CMD in a private mount namespace with a tmpfs of SIZE on DIR.
t94_in() {
    unshare -m sh -c 'mount -t tmpfs -o size="$1" tmpfs "$2" && shift 2 && eval "$@"' \
        t94 "$1" "$2" "$3"
}

begin "a full disk under --log: exit 1, one line; the results written are readable; --resume finishes"
if [ $t94_ns = 0 ]; then skip "needs root and unshare -m"; else
    export T94_BIN=$BIN T94_E=$E T94_GRID
    t94_in 24k "$E/full" '"$T94_BIN/paratune" tune --data "$T94_E/d.csv" \
        --pipeline linearRegression --folds 3 --quiet --grid "$T94_GRID" \
        --log "$T94_E/full/l.log" >"$T94_E/out" 2>"$T94_E/err"; echo $? >"$T94_E/rc";
        "$T94_BIN/paratune-log" csv "$T94_E/full/l.log" >"$T94_E/part.csv" 2>"$T94_E/err2";
        echo $? >"$T94_E/rc2"; cp "$T94_E/full/l.log" "$T94_E/l.log"'
    pt tune "${T94[@]}" --grid "$T94_GRID" --log "$E/clean.log" >/dev/null 2>&1
    nres=$(($(wc -l <"$E/part.csv") - 1))
    if [ "$(cat "$E/rc")" != 1 ]; then bad "exit $(cat "$E/rc"), want 1: $(cat "$E/err")"
    elif [ "$(wc -l <"$E/err")" -ne 1 ] || ! grep -q "l.log.*No space left on device" "$E/err"
    then bad "$(cat "$E/err")"
    elif [ "$(cat "$E/rc2")" != 0 ] || [ "$nres" -lt 1 ] || [ "$nres" -ge 1200 ]; then
        bad "the partial log: exit $(cat "$E/rc2"), $nres results: $(cat "$E/err2")"
    elif ! pt tune "${T94[@]}" --grid "$T94_GRID" --log "$E/l.log" --resume >/dev/null 2>"$E/err"
    then bad "resume: $(cat "$E/err")"
    elif [ "$(ptlog best "$E/l.log")" != "$(ptlog best "$E/clean.log")" ]; then
        bad "resumed best $(ptlog best "$E/l.log"), clean $(ptlog best "$E/clean.log")"
    else check_clean && ok; fi
fi

begin "a full disk under --model-out: exit 1, one line; the model that was there stays whole"
if [ $t94_ns = 0 ]; then skip "needs root and unshare -m"; else
    t94_in 8k "$E/full" 'echo oldmodel >"$T94_E/full/m.ptm"; head -c 4000 /dev/zero \
        >"$T94_E/full/fill"; "$T94_BIN/paratune" tune --data "$T94_E/d.csv" \
        --pipeline linearRegression --folds 3 --quiet --grid linearRegression.regParam=1,2 \
        --model-out "$T94_E/full/m.ptm" >/dev/null 2>"$T94_E/err"; echo $? >"$T94_E/rc";
        cat "$T94_E/full/m.ptm" >"$T94_E/m.after"; ls -A "$T94_E/full" >"$T94_E/ls"'
    if [ "$(cat "$E/rc")" != 1 ]; then bad "exit $(cat "$E/rc"), want 1: $(cat "$E/err")"
    elif [ "$(wc -l <"$E/err")" -ne 1 ] || ! grep -q "m.ptm.*No space left on device" "$E/err"
    then bad "$(cat "$E/err")"
    elif [ "$(cat "$E/m.after")" != oldmodel ]; then bad "the old model changed"
    elif [ "$(tr '\n' ' ' <"$E/ls")" != "fill m.ptm " ]; then bad "left: $(cat "$E/ls")"
    else check_clean && ok; fi
fi

begin "a /dev/shm too small for the image: exit 2 with the sizes; with --max-memory, exit 1, one line"
if [ $t94_ns = 0 ]; then skip "needs root and unshare -m"; else
    t94_in 64k /dev/shm '"$T94_BIN/paratune" tune --data "$T94_E/d.csv" \
        --pipeline linearRegression --folds 3 --quiet --grid linearRegression.regParam=1,2 \
        >/dev/null 2>"$T94_E/err"; echo $? >"$T94_E/rc";
        "$T94_BIN/paratune" tune --data "$T94_E/d.csv" --max-memory 1G \
        --pipeline linearRegression --folds 3 --quiet --grid linearRegression.regParam=1,2 \
        >/dev/null 2>"$T94_E/err2"; echo $? >"$T94_E/rc2"; ls -A /dev/shm >"$T94_E/ls"'
    if [ "$(cat "$E/rc")" != 2 ] || [ "$(wc -l <"$E/err")" -ne 1 ] ||
       ! grep -q "free in /dev/shm" "$E/err"; then
        bad "exit $(cat "$E/rc"): $(cat "$E/err")"
    elif [ "$(cat "$E/rc2")" != 1 ] || [ "$(wc -l <"$E/err2")" -ne 1 ] ||
         ! grep -q "shared memory.*No space left on device" "$E/err2"; then
        bad "--max-memory: exit $(cat "$E/rc2"): $(cat "$E/err2")"
    elif [ -s "$E/ls" ]; then bad "left in /dev/shm: $(cat "$E/ls")"
    else check_clean && ok; fi
fi
unset T94_BIN T94_E T94_GRID
