# t_84_agent_faults.sh - node faults under tune --listen: an agent killed (SIGKILL), stopped
# (SIGSTOP) or that stops reading loses its jobs to the other agents, and the sweep ends with
# every job done and the local run's summary; nothing of a lost agent outlives it; --resume
# with other agents.
. "$HERE/agents.sh"

AF_ARGS=(--data "$W/data.csv" --pipeline pca,linearRegression --grid pca.k=3,5,8,12
         --grid linearRegression.regParam=0.001,0.03,0.3 --folds 3 --seed 9)
pt tune "${AF_ARGS[@]}" --parallelism 4 --log "$W/af_local.log" --quiet >/dev/null 2>&1 ||
    echo "agent faults: the local run failed"
[ -e "$W/ag.key" ] || pt keygen "$W/ag.key"

# fault NAME HOW: a victim agent that holds its jobs (the "hold" failpoint) joins first; once
# it holds jobs, HOW is done to it ("kill", "stop", or "deaf": the victim stops reading at its
# first job by itself), and a healthy agent joins. Sets F_RC (the coordinator's exit), F_V
# (the victim's pid) and F_KIDS (its children: workers and janitor, when it held jobs).
fault() {
    local n=$1 how=$2 fp=hold=30
    [ "$how" = deaf ] && fp=deaf
    port=$(free_port)
    start_coord "$n" "${AF_ARGS[@]}" --parallelism 4 --listen "tcp://127.0.0.1:$port" --key "$W/ag.key" --heartbeat 0.5 --log "$W/$n.log"
    PARATUNE_AGENT_FAILPOINT=$fp start_agent "$n.v" --connect "tcp://127.0.0.1:$port" --key "$W/ag.key" --slots 2 --node victim --timeout 20
    F_V=$APID
    wait_line "$W/$n.err" "agent victim ready" 20
    sleep 0.3
    F_KIDS=$(children_of "$F_V")
    case $how in
    kill) kill -KILL "$F_V" ;;
    stop) kill -STOP "$F_V" ;;
    esac
    start_agent "$n.h" --connect "tcp://127.0.0.1:$port" --key "$W/ag.key" --slots 2 --node healthy --timeout 20
    F_H=$APID
    wait "$CPID"; F_RC=$?
}

begin "agent faults: an agent SIGKILLed holding jobs: lost at once, its jobs run on the agent that joins after; the local summary to the bit; its workers die with it"
fault afk kill
sleep 0.5
if [ $F_RC -ne 0 ]; then bad "exit $F_RC: $(cat "$W/afk.err")";
elif ! grep -q "agent victim lost (its connection closed); 2 of its jobs go back to the queue" "$W/afk.err"; then bad "$(cat "$W/afk.err")";
elif ! msg=$(same_bits "$W/af_local.log" "$W/afk.log"); then bad "$msg";
elif [ "$(log_nodes "$W/afk.log")" != healthy ]; then bad "nodes: $(log_nodes "$W/afk.log")";
elif [ -z "$F_KIDS" ] || ! none_alive $F_KIDS; then bad "the victim's children ($F_KIDS) are alive";
elif ! wait_gone "$F_H" 5 || [ "$WAIT_RC" -ne 0 ]; then bad "the healthy agent did not exit 0: $(cat "$W/afk.h.aerr")";
else check_clean && ok; fi
reap_agents

begin "agent faults: an agent SIGSTOPped holding jobs: lost within 3 heartbeats (1.5 s), its jobs run elsewhere; the local summary; continued, it exits 1 and its workers with it"
t0=$(date +%s.%N)
fault afs stop
dt=$(echo "$(date +%s.%N) - $t0" | bc)
kill -CONT "$F_V"
if [ $F_RC -ne 0 ]; then bad "exit $F_RC: $(cat "$W/afs.err")";
elif ! grep -qE "agent victim lost \((nothing heard for 1.5 s|its connection closed)\); 2 of its jobs" "$W/afs.err"; then bad "$(cat "$W/afs.err")";
elif ! msg=$(same_bits "$W/af_local.log" "$W/afs.log"); then bad "$msg";
elif [ "$(log_nodes "$W/afs.log")" != healthy ]; then bad "nodes: $(log_nodes "$W/afs.log")";
elif [ "$(echo "$dt > 20" | bc)" -eq 1 ]; then bad "the sweep took $dt s";
elif ! wait_gone "$F_V" 10 || [ "$WAIT_RC" -ne 1 ]; then bad "the continued victim: still there or exit ${WAIT_RC:-?}: $(cat "$W/afs.v.aerr")";
elif sleep 0.5; [ -z "$F_KIDS" ] || ! none_alive $F_KIDS; then bad "the victim's children ($F_KIDS) are alive";
else check_clean && ok; fi
reap_agents

begin "agent faults: an agent that stops reading (its ZeroMQ I/O thread still answers the heartbeats): lost within 3 heartbeats, its jobs run elsewhere; the local summary; it exits 1 by itself, its workers with it"
fault afd deaf
if [ $F_RC -ne 0 ]; then bad "exit $F_RC: $(cat "$W/afd.err")";
elif ! grep -q "agent victim lost (nothing heard for 1.5 s)" "$W/afd.err"; then bad "$(cat "$W/afd.err")";
elif ! msg=$(same_bits "$W/af_local.log" "$W/afd.log"); then bad "$msg";
elif [ "$(log_nodes "$W/afd.log")" != healthy ]; then bad "nodes: $(log_nodes "$W/afd.log")";
elif ! wait_gone "$F_V" 10 || [ "$WAIT_RC" -ne 1 ]; then bad "the deaf victim: still there or exit ${WAIT_RC:-?}";
elif sleep 0.5; [ -z "$F_KIDS" ] || ! none_alive $F_KIDS; then bad "the victim's children ($F_KIDS) are alive";
else check_clean && ok; fi
reap_agents

begin "agent faults: a sweep stopped (SIGTERM) while an agent holds its jobs, resumed with another agent: the local summary"
port=$(free_port)
start_coord afr "${AF_ARGS[@]}" --parallelism 4 --listen "tcp://127.0.0.1:$port" --key "$W/ag.key" --heartbeat 0.5 --log "$W/afr.log"
PARATUNE_AGENT_FAILPOINT=hold=30 start_agent afr.v --connect "tcp://127.0.0.1:$port" --key "$W/ag.key" --slots 2 --node victim --timeout 20
v=$APID
wait_line "$W/afr.err" "agent victim ready" 20
sleep 0.3
tp=$(pgrep -P "$CPID")     # paratune under timeout: signalled twice, it stops at once
kill -TERM $tp; sleep 0.2; kill -TERM $tp; wait "$CPID"; rc1=$?
wait_gone "$v" 10; vrc=$WAIT_RC
port=$(free_port)
start_coord afr2 "${AF_ARGS[@]}" --parallelism 4 --listen "tcp://127.0.0.1:$port" --key "$W/ag.key" --heartbeat 0.5 --log "$W/afr.log" --resume
start_agent afr.h --connect "tcp://127.0.0.1:$port" --key "$W/ag.key" --slots 3 --node other --timeout 20
wait "$CPID"; rc2=$?
if [ $rc1 -ne 143 ]; then bad "the stopped run: exit $rc1: $(cat "$W/afr.err")";
elif [ "$vrc" -ne 0 ]; then bad "the agent of the stopped run: exit $vrc";
elif [ $rc2 -ne 0 ]; then bad "the resumed run: exit $rc2: $(cat "$W/afr2.err")";
elif ! msg=$(same_bits "$W/af_local.log" "$W/afr.log"); then bad "$msg";
else check_clean && ok; fi
reap_agents

begin "agent faults: an agent cut off from the network (its veth link set down, in network namespaces of their own): lost within 3 heartbeats, its jobs run elsewhere; the local summary; it exits 1 by itself, its workers with it"
if ! unshare -n true 2>/dev/null || ! command -v ip >/dev/null || ! command -v nsenter >/dev/null; then
    skip "needs unshare -n, ip and nsenter (network namespaces)"
else
    rm -f "$W"/nc.*
    timeout -k 5 90 unshare -n "$HERE/netcut.sh" "$BIN" "$W" "$W/ag.key" 5555 "${AF_ARGS[@]}" --parallelism 4
    nrc=$?
    if [ $nrc -eq 3 ]; then skip "no veth link here";
    elif [ "$(cat "$W/nc.rc" 2>/dev/null)" != 0 ]; then bad "exit $(cat "$W/nc.rc" 2>/dev/null) ($nrc): $(cat "$W/nc.err")";
    elif ! grep -qE "agent victim lost \((nothing heard for 1.5 s|its connection closed)\); 2 of its jobs" "$W/nc.err"; then bad "$(cat "$W/nc.err")";
    elif ! msg=$(same_bits "$W/af_local.log" "$W/nc.log"); then bad "$msg";
    elif [ "$(log_nodes "$W/nc.log")" != healthy ]; then bad "nodes: $(log_nodes "$W/nc.log")";
    elif [ "$(cat "$W/nc.vrc")" != 1 ]; then bad "the victim exited $(cat "$W/nc.vrc")";
    elif [ -z "$(cat "$W/nc.kids")" ] || ! none_alive $(cat "$W/nc.kids"); then bad "the victim's children are alive";
    else check_clean && ok; fi
fi

begin "agent faults: --job-timeout with agents: a fit hanging on an agent's worker is cancelled after 1 s (the agent kills that worker) and recorded as timeout, not retried; every other result the local run's bits; the agent lives on and exits 0"
port=$(free_port)
start_coord aft "${AF_ARGS[@]}" --parallelism 2 --listen "tcp://127.0.0.1:$port" --key "$W/ag.key" --heartbeat 0.5 --job-timeout 1 --log "$W/aft.log"
# the agent's workers inherit its environment: job (map 0, fold 1) hangs there
PARATUNE_FAILPOINT='hang@0:1' start_agent aft --connect "tcp://127.0.0.1:$port" --key "$W/ag.key" --slots 2 --node hangs --timeout 20
ta=$APID
wait "$CPID"; crc=$?
wait_gone "$ta" 10; arc=$?
if [ $crc -ne 0 ]; then bad "exit $crc: $(cat "$W/aft.err" "$W/aft.aerr")";
elif [ $arc -ne 0 ] || [ "$WAIT_RC" -ne 0 ]; then bad "the agent: still there or exit $WAIT_RC: $(cat "$W/aft.aerr")";
elif grep -q retrying "$W/aft.err"; then bad "retried: $(cat "$W/aft.err")";
elif ! msg=$($PY - "$W/af_local.log" "$W/aft.log" <<'PYEOF'
import struct, sys, msgpack
def recs(p):
    return list(msgpack.Unpacker(open(p, "rb"), raw=False, strict_map_key=False))
loc = {(r["param_index"], r["fold"]): r for r in recs(sys.argv[1]) if r.get("record") == "result"}
got = [r for r in recs(sys.argv[2]) if r.get("record") == "result"]
keys = [(r["param_index"], r["fold"]) for r in got]
if sorted(keys) != sorted(loc): sys.exit("results for %s, want one for each of the local run's" % sorted(keys))
for r in got:
    k = (r["param_index"], r["fold"])
    if k == (0, 1):
        if r["status"] != "timeout" or "--job-timeout" not in r.get("error", "") or r.get("node") != "hangs":
            sys.exit("the hanging job: %r" % r)
    elif r["status"] != "ok" or struct.pack("<d", r["metric"]) != struct.pack("<d", loc[k]["metric"]):
        sys.exit("job %s: %s %r, local %r" % (k, r["status"], r["metric"], loc[k]["metric"]))
PYEOF
); then bad "$msg";
else check_clean && ok; fi
reap_agents

begin "agent faults: --time-budget with agents: a fit hanging on an agent's worker is cancelled after the 5 s grace; exit 0, a summary with its map incomplete; --resume on another agent gives the local summary to the bit"
port=$(free_port)
t0=$(date +%s.%N)
start_coord afb "${AF_ARGS[@]}" --parallelism 2 --listen "tcp://127.0.0.1:$port" --key "$W/ag.key" --heartbeat 0.5 --time-budget 2s --log "$W/afb.log"
PARATUNE_FAILPOINT='hang@1:0' start_agent afb --connect "tcp://127.0.0.1:$port" --key "$W/ag.key" --slots 2 --node hangs --timeout 20
ta=$APID
wait "$CPID"; crc=$?
el=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
wait_gone "$ta" 10; arc=$?
clean1=$(leftovers)
port=$(free_port)
start_coord afb2 "${AF_ARGS[@]}" --parallelism 2 --listen "tcp://127.0.0.1:$port" --key "$W/ag.key" --heartbeat 0.5 --log "$W/afb.log" --resume
start_agent afb.h --connect "tcp://127.0.0.1:$port" --key "$W/ag.key" --slots 2 --node other --timeout 20
wait "$CPID"; rc2=$?
if [ $crc -ne 0 ]; then bad "exit $crc after ${el}s: $(cat "$W/afb.err" "$W/afb.aerr")";
elif awk -v e="$el" 'BEGIN { exit !(e < 6.9 || e > 25) }'; then bad "stopped after ${el}s, want 2 s + the 5 s grace";
elif [ $arc -ne 0 ] || [ "$WAIT_RC" -ne 0 ]; then bad "the agent: still there or exit $WAIT_RC: $(cat "$W/afb.aerr")";
elif [ -n "$clean1" ]; then bad "left behind after the budget: $clean1";
elif [ $rc2 -ne 0 ]; then bad "the resumed run: exit $rc2: $(cat "$W/afb2.err")";
elif ! m=$("$PY" "$HERE/sweepcheck.py" budget "$W/afb.log" "$W/af_local.log" 2>&1); then bad "$m";
elif ! [[ " $m " == *" 1 "* ]]; then bad "incomplete maps '$m', want the hanging fit's map 1 among them";
elif ! msg=$(same_bits "$W/af_local.log" "$W/afb.log"); then bad "$msg";
else check_clean && ok; fi
reap_agents

begin "agent faults: --reconnect: an agent SIGSTOPped past 3 heartbeats is dropped; continued, it joins again on a new link, keeps its image (the same fingerprint: not shipped again) and runs the sweep to the local summary; it exits 0"
port=$(free_port)
start_coord afj "${AF_ARGS[@]}" --parallelism 2 --listen "tcp://127.0.0.1:$port" --key "$W/ag.key" --heartbeat 0.5 --log "$W/afj.log"
# its job (map 0, fold 0) takes 3 s (the workers' "slow" failpoint): it holds it when stopped
PARATUNE_FAILPOINT='slow@0:0' start_agent afj --connect "tcp://127.0.0.1:$port" --key "$W/ag.key" --slots 2 --node again --timeout 20 --reconnect
ta=$APID
wait_line "$W/afj.err" "agent again ready" 20
sleep 0.3
kids=$(children_of "$ta")
kill -STOP "$ta"; sleep 2.5; kill -CONT "$ta"
wait "$CPID"; crc=$?
wait_gone "$ta" 10; arc=$?
if [ $crc -ne 0 ]; then bad "exit $crc: $(cat "$W/afj.err" "$W/afj.aerr")";
elif ! grep -qE "agent again lost \((nothing heard for 1.5 s|its connection closed)\)" "$W/afj.err"; then bad "not dropped: $(cat "$W/afj.err")";
elif ! grep -q "agent again rejoined: its image kept (the same fingerprint), not shipped again" "$W/afj.err"; then bad "no rejoin: $(cat "$W/afj.err" "$W/afj.aerr")";
elif [ "$(grep -c "MB received in" "$W/afj.err")" -ne 1 ]; then bad "shipped again: $(cat "$W/afj.err")";
elif ! grep -q "joining again (--reconnect" "$W/afj.aerr" || ! grep -q "the image kept (the same fingerprint)" "$W/afj.aerr"; then bad "the agent: $(cat "$W/afj.aerr")";
elif ! msg=$(same_bits "$W/af_local.log" "$W/afj.log"); then bad "$msg";
elif [ "$(log_nodes "$W/afj.log")" != again ]; then bad "nodes: $(log_nodes "$W/afj.log")";
elif [ $arc -ne 0 ] || [ "$WAIT_RC" -ne 0 ]; then bad "the agent: still there or exit $WAIT_RC: $(cat "$W/afj.aerr")";
elif [ -z "$kids" ] || ! none_alive $kids; then bad "the workers of its first link ($kids) are alive";
else check_clean && ok; fi
reap_agents

begin "agent faults: --reconnect: a coordinator gone for good (SIGKILL) is tried again for --timeout, then the agent exits 1, its workers with it"
port=$(free_port)
start_coord afg "${AF_ARGS[@]}" --parallelism 2 --listen "tcp://127.0.0.1:$port" --key "$W/ag.key" --heartbeat 0.5 --log "$W/afg.log"
PARATUNE_AGENT_FAILPOINT=hold=30 start_agent afg --connect "tcp://127.0.0.1:$port" --key "$W/ag.key" --slots 2 --node gone --timeout 2 --reconnect
ta=$APID
wait_line "$W/afg.err" "agent gone ready" 20
kids=$(children_of "$ta")
kill -KILL $(pgrep -P "$CPID") 2>/dev/null; wait "$CPID"
t0=$(date +%s.%N)
wait_gone "$ta" 15; arc=$?
el=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
if [ $arc -ne 0 ]; then bad "the agent still runs after 15 s";
elif [ "$WAIT_RC" -ne 1 ] || ! grep -q "lost the coordinator and could not reach it again within 2 s (--timeout)" "$W/afg.aerr"; then bad "exit $WAIT_RC: $(cat "$W/afg.aerr")";
elif awk -v e="$el" 'BEGIN { exit !(e < 3 || e > 10) }'; then bad "gone after ${el}s, want 1.5 s of silence + 2 s";
elif [ -z "$kids" ] || ! none_alive $kids; then bad "its workers ($kids) are alive";
else check_clean && ok; fi
reap_agents
