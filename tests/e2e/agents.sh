# agents.sh - helpers of the node-agent tests (t_83_agents.sh, t_84_agent_faults.sh): a
# coordinator with --listen and paratune-agents on 127.0.0.1, every wait bounded.
AGENT=$BIN/paratune-agent
AG_PIDS=()

# A TCP port free on 127.0.0.1 now.
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_coord NAME ARGS...: paratune tune in the background (pid CPID), output in $W/NAME.out
# and $W/NAME.err, bounded to 120 s.
start_coord() {
    local n=$1
    shift
    LSAN_OPTIONS=$ZMQ_LSAN timeout -k 5 120 "$BIN/paratune" tune "$@" >"$W/$n.out" 2>"$W/$n.err" &
    CPID=$!
}

# start_agent NAME ARGS...: a paratune-agent in the background (pid APID; stderr in
# $W/NAME.aerr). An agent bounds itself: --timeout to connect, then the heartbeats.
start_agent() {
    local n=$1
    shift
    LSAN_OPTIONS=$ZMQ_LSAN "$AGENT" "$@" >/dev/null 2>"$W/$n.aerr" &
    APID=$!
    AG_PIDS+=("$APID")
}

# wait_line FILE TEXT SECONDS: until FILE has TEXT; 1 when it did not come in time.
wait_line() {
    local i
    for ((i = 0; i < $3 * 20; i++)); do
        grep -qF -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# wait_gone PID SECONDS: until PID has exited (it is reaped when it is our child); its exit
# code in WAIT_RC; 1 when it is still alive after SECONDS.
wait_gone() {
    local i
    for ((i = 0; i < $2 * 20; i++)); do
        if ! kill -0 "$1" 2>/dev/null; then
            wait "$1" 2>/dev/null
            WAIT_RC=$?
            return 0
        fi
        if [ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" = Z ]; then
            wait "$1" 2>/dev/null
            WAIT_RC=$?
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# Kills (SIGKILL, after SIGCONT for a stopped one) every agent these tests started that is
# still there, and reaps it.
reap_agents() {
    local p
    for p in "${AG_PIDS[@]}"; do
        if kill -0 "$p" 2>/dev/null; then
            kill -CONT "$p" 2>/dev/null
            kill -KILL "$p" 2>/dev/null
        fi
        wait "$p" 2>/dev/null
    done
    AG_PIDS=()
}

# No process of pids "$@" (agents and their workers) is alive.
none_alive() {
    local p
    for p in "$@"; do
        if kill -0 "$p" 2>/dev/null && [ "$(ps -o stat= -p "$p" | cut -c1)" != Z ]; then
            return 1
        fi
    done
    return 0
}

# The pids of agent PID's children (its workers and janitor).
children_of() { pgrep -P "$1" | tr '\n' ' '; }

# same_bits LOG1 LOG2: both summaries' averages, stds and best map equal to the bit, and the
# metric of every (map, fold) too; prints what differs.
same_bits() {
    $PY - "$1" "$2" <<'PYEOF'
import struct, sys, msgpack
def load(p):
    recs = list(msgpack.Unpacker(open(p, "rb"), raw=False, strict_map_key=False))
    summ = [r for r in recs if r.get("record") == "summary"][-1]
    res = {(r["param_index"], r["fold"]): r["metric"] for r in recs
           if r.get("record") == "result" and r["status"] == "ok"}
    return summ, res
def bits(v):
    return [struct.pack("<d", x) for x in v]
(a, ra), (b, rb) = load(sys.argv[1]), load(sys.argv[2])
if bits(a["avg_metrics"]) != bits(b["avg_metrics"]): sys.exit("avg_metrics differ")
if bits(a["std_metrics"]) != bits(b["std_metrics"]): sys.exit("std_metrics differ")
if a["best_index"] != b["best_index"]: sys.exit("best_index differs")
if set(ra) != set(rb): sys.exit("different jobs have results")
if any(struct.pack("<d", ra[k]) != struct.pack("<d", rb[k]) for k in ra): sys.exit("a metric differs")
PYEOF
}

# log_nodes LOG: the sorted distinct node names of LOG's results ("-" for none).
log_nodes() {
    $PY - "$1" <<'PYEOF'
import sys, msgpack
recs = list(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False, strict_map_key=False))
print(" ".join(sorted({r.get("node", "-") for r in recs if r.get("record") == "result"})))
PYEOF
}
