# t_19_follow.sh - unpinned soft placement (lib/run/pt_follow, README "--pin-cpus"): with
# --pin-cpus off every process keeps every CPU it may use, and its ZeroMQ I/O thread is held
# on one of them (the one its main thread ran on at its last message); pinned, the I/O thread
# shares its process's CPU as before. Results do not depend on it (t_57 compares the bits of
# an unpinned sweep with the pinned one's). Sourced by run.sh.

FW=(--data "$W/data.csv" --pipeline pca,linearRegression "${GRID[@]}" --folds 3 --seed 5)

# wait_until COND_CMD...: up to 30 s until the command succeeds
wait_until() {
    local i
    for i in $(seq 300); do "$@" && return 0; sleep 0.1; done
    return 1
}
# the CPUs thread TID of process PID may use, as a list
cpus_of_task() { awk '/^Cpus_allowed_list/ {print $2}' "/proc/$1/task/$2/status" 2>/dev/null; }
# the thread of PID named like a ZeroMQ I/O thread
io_task_of() { grep -l '^ZMQbg/IO/' /proc/"$1"/task/*/comm 2>/dev/null | head -1 | cut -d/ -f5; }
hung_workers() { [ "$(pgrep -P "$1" -f 'paratune-worker --endpoint' | wc -l)" -ge 2 ]; }

# follow_case NAME MAIN_WANT IO_RULE TASKSET_LIST [tune options...]: two jobs hang (until
# --job-timeout) so that both workers hold a job while their threads are read; IO_RULE is
# "one" (a single CPU of the list) or a list the I/O threads must have exactly.
follow_case() {
    local name=$1 main_want=$2 io_rule=$3 set=$4 cpid p io got bad_at="" rc
    shift 4
    begin "placement: $name"
    PARATUNE_FAILPOINT="hang@2:0:1;hang@2:1:1" taskset -c "$set" "$BIN/paratune" tune \
        "${FW[@]}" "$@" --parallelism 2 --job-timeout 1.5 --quiet --overwrite \
        --log "$W/follow.log" >/dev/null 2>"$W/follow.err" &
    cpid=$!
    wait_until hung_workers $cpid || { kill -9 $cpid; wait $cpid; bad "no workers"; return; }
    sleep 0.3 # both hanging jobs received (they are the 7th and 8th of 18)
    for p in $cpid $(pgrep -P $cpid -f 'paratune-worker --endpoint'); do
        io=$(io_task_of "$p")
        got=$(cpus_of_task "$p" "$p")
        [ "$got" = "$main_want" ] || bad_at="$bad_at process $p may use $got, want $main_want;"
        got=$(cpus_of_task "$p" "$io")
        if [ -z "$io" ]; then bad_at="$bad_at process $p: no I/O thread;"
        elif [ "$io_rule" = one ]; then
            case ",$set," in *",$got,"*) ;; *) bad_at="$bad_at process $p: I/O thread on '$got';";; esac
        elif [ "$got" != "$io_rule" ]; then bad_at="$bad_at process $p: I/O thread on '$got';"; fi
    done
    wait $cpid
    rc=$?
    if [ $rc -ne 0 ]; then bad "exit $rc: $(cat "$W/follow.err")";
    elif [ -n "$bad_at" ]; then bad "$bad_at";
    elif [ "$($PY "$HERE/logtool.py" count "$W/follow.log")" != 18 ]; then bad "results missing";
    else ok; fi
}
# the first two CPUs this shell may use, and the pair as Cpus_allowed_list writes it
read -r F0 F1 <<<"$($PY -c 'import os; print(*sorted(os.sched_getaffinity(0))[:2])')"
fboth=$F0,${F1:-}
[ -n "${F1:-}" ] && [ $((F1 - F0)) -eq 1 ] && fboth=$F0-$F1
if [ -n "${F1:-}" ]; then
    follow_case "off: every process keeps both CPUs, its I/O thread follows it on one" \
        "$fboth" one "$F0,$F1" --pin-cpus off
    follow_case "a one-CPU list: the I/O threads share it" "$F1" "$F1" "$F0,$F1" --pin-cpus "$F1"
else
    begin "placement"; skip "needs 2 CPUs, this process may use only CPU $F0"
fi
