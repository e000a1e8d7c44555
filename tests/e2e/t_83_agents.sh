# t_83_agents.sh - tune --listen with paratune-agents on 127.0.0.1 (each its own shared
# memory and workers): the same summary as a local run, to the bit; keys refused; a tampered
# image never used; bad input.
. "$HERE/agents.sh"

AG_ARGS=(--data "$W/data.csv" --pipeline pca,linearRegression --grid pca.k=3,5,8,12,20
         --grid linearRegression.regParam=0.001,0.01,0.03,0.3 --folds 3 --seed 5)
pt tune "${AG_ARGS[@]}" --parallelism 3 --log "$W/ag_local.log" --quiet >/dev/null 2>&1 ||
    echo "agents: the local run failed"
pt keygen "$W/ag.key"

begin "agents: 3 agents on 127.0.0.1 (1 slot each): the local run's summary and every metric to the bit; each result names its node; agents and workers gone after"
port=$(free_port)
start_coord ag3 "${AG_ARGS[@]}" --parallelism 3 --listen "tcp://127.0.0.1:$port" --key "$W/ag.key" --heartbeat 1 --log "$W/ag3.log"
# n1 holds each job 1 s before running it (an agent failpoint): it holds its first job
# while n2 and n3 join and run the others, so that every run has two nodes or more
PARATUNE_AGENT_FAILPOINT=hold=1 start_agent n1 --connect "tcp://127.0.0.1:$port" --key "$W/ag.key" --slots 1 --node n1 --timeout 20
pid_n1=$APID
wait_line "$W/ag3.err" "agent n1 ready" 20
for n in n2 n3; do
    start_agent "$n" --connect "tcp://127.0.0.1:$port" --key "$W/ag.key" --slots 1 --node $n --timeout 20
    eval "pid_$n=$APID"
done
wait "$CPID"; crc=$?
nodes=$(log_nodes "$W/ag3.log")
all_gone=1
gone_why=
for p in $pid_n1 $pid_n2 $pid_n3; do
    if ! wait_gone "$p" 10; then all_gone=0; gone_why+=" pid $p still running after 10 s;"
    elif [ "$WAIT_RC" -ne 0 ]; then all_gone=0; gone_why+=" pid $p exited $WAIT_RC;"; fi
done
if [ $crc -ne 0 ]; then bad "exit $crc: $(cat "$W/ag3.err" "$W"/n[123].aerr)";
elif ! msg=$(same_bits "$W/ag_local.log" "$W/ag3.log"); then bad "$msg";
elif ! [[ " $nodes " =~ ^(\ n[123])+\ $ ]] || [ "$(echo $nodes | wc -w)" -lt 2 ]; then bad "nodes in the log: $nodes";
elif ! grep -q "agent n1 (1 slots): image of .* MB received in" "$W/ag3.err"; then bad "no shipping line: $(cat "$W/ag3.err")";
elif [ $all_gone -ne 1 ]; then bad "an agent did not exit 0 after the sweep:$gone_why $(cat "$W"/n[123].aerr)";
else check_clean && ok; fi
reap_agents

begin "agents: paratune-log timeline groups the lanes by node (labelled NODE pid N), each bar in its node's lane"
if ! ptlog timeline "$W/ag3.log" --out "$W/ag3.svg" 2>"$W/err"; then bad "$(cat "$W/err")";
elif ! msg=$($PY - "$W/ag3.svg" "$W/ag3.log" <<'PYEOF'
import re, sys, msgpack
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
labels = [(float(t.get("y")), "".join(t.itertext())) for t in root.iter(ns + "text") if t.get("class") == "lane-label"]
lanes = []
for y, text in sorted(labels):
    m = re.match(r"(n[123]) pid (\d+)", text)
    if not m: sys.exit("a lane label: %r" % text)
    lanes.append((y, m.group(1), int(m.group(2))))
nodes = [l[1] for l in lanes]
if nodes != sorted(nodes): sys.exit("lanes not grouped by node: %s" % nodes)
recs = [r for r in msgpack.Unpacker(open(sys.argv[2], "rb"), raw=False, strict_map_key=False) if r.get("record") == "result"]
if {(r["node"], r["worker"]) for r in recs} != {(l[1], l[2]) for l in lanes}: sys.exit("lanes are not the log's (node, worker) pairs")
bars = [r for r in root.iter(ns + "rect") if (r.get("class") or "").startswith("job")]
if len(bars) != len(recs): sys.exit("%d bars, %d results" % (len(bars), len(recs)))
for b in bars:
    y = float(b.get("y"))
    lane = min(lanes, key=lambda l: abs(l[0] - 15 - y))  # a label sits 15 px below its lane top
    if (lane[1], lane[2]) != (b.get("data-node"), int(b.get("data-worker"))): sys.exit("a bar outside its node's lane")
PYEOF
); then bad "$msg";
else ok; fi

begin "agents: another sweep's key and no key at all are refused (one line, exit 2, within 5 s); the sweep is unaffected"
port=$(free_port)
pt keygen "$W/other.key"
start_coord agk "${AG_ARGS[@]}" --parallelism 2 --listen "tcp://127.0.0.1:$port" --key "$W/ag.key" --heartbeat 1 --log "$W/agk.log"
start_agent wrong --connect "tcp://127.0.0.1:$port" --key "$W/other.key" --timeout 20
wpid=$APID
nokey=$($PY - "$port" <<'PYEOF'
import socket, sys, time
# a ZMTP 3.0 peer with the NULL mechanism (no CURVE key): the server must close on it
for i in range(100):
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5); break
    except OSError:
        time.sleep(0.05)
s.sendall(b"\xff" + b"\0" * 8 + b"\x7f" + b"\x03\x00" + b"NULL" + b"\0" * 16 + b"\0" + b"\0" * 31)
body = b"\x05READY" + b"\x0bSocket-Type" + b"\0\0\0\x06DEALER"
s.sendall(bytes([4, len(body)]) + body)
try:
    while s.recv(4096):
        pass
    print("closed")
except socket.timeout:
    print("still open")
except OSError:
    print("closed")
PYEOF
)
wait_gone "$wpid" 5; wrc=$?
start_agent good --connect "tcp://127.0.0.1:$port" --key "$W/ag.key" --slots 2 --node good --timeout 20
wait "$CPID"; crc=$?
if [ $wrc -ne 0 ]; then bad "the wrong-key agent still runs after 5 s";
elif [ "$WAIT_RC" -ne 2 ] || [ "$(wc -l <"$W/wrong.aerr")" -ne 1 ] || ! grep -q "refused the CURVE handshake" "$W/wrong.aerr"; then bad "wrong key: exit $WAIT_RC: $(cat "$W/wrong.aerr")";
elif [ "$nokey" != closed ]; then bad "a peer without a key: $nokey";
elif [ $crc -ne 0 ]; then bad "exit $crc: $(cat "$W/agk.err")";
elif ! grep -q "refused a connection to --listen" "$W/agk.err"; then bad "no refusal noted: $(cat "$W/agk.err")";
elif ! msg=$(same_bits "$W/ag_local.log" "$W/agk.log"); then bad "$msg";
elif [ "$(log_nodes "$W/agk.log")" != good ]; then bad "nodes: $(log_nodes "$W/agk.log")";
else check_clean && ok; fi
reap_agents

begin "agents: an image changed in transit fails its fingerprint check: that agent says so and exits 1 without starting a worker; another agent runs the sweep"
port=$(free_port)
start_coord agt "${AG_ARGS[@]}" --parallelism 2 --listen "tcp://127.0.0.1:$port" --key "$W/ag.key" --heartbeat 1 --log "$W/agt.log"
PARATUNE_AGENT_FAILPOINT=tamper start_agent tamper --connect "tcp://127.0.0.1:$port" --key "$W/ag.key" --slots 2 --node tamper --timeout 20
tpid=$APID
wait_gone "$tpid" 10; trc=$?
start_agent good2 --connect "tcp://127.0.0.1:$port" --key "$W/ag.key" --slots 2 --node good2 --timeout 20
wait "$CPID"; crc=$?
if [ $trc -ne 0 ]; then bad "the tampered agent still runs: $(cat "$W/agt.err")";
elif [ "$WAIT_RC" -ne 1 ] || [ "$(wc -l <"$W/tamper.aerr")" -ne 1 ] || ! grep -q "does not match the coordinator's fingerprint; not used" "$W/tamper.aerr"; then bad "exit $WAIT_RC: $(cat "$W/tamper.aerr")";
elif [ $crc -ne 0 ]; then bad "exit $crc: $(cat "$W/agt.err" "$W/good2.aerr")";
elif ! grep -q "agent tamper lost" "$W/agt.err"; then bad "not noted: $(cat "$W/agt.err")";
elif ! msg=$(same_bits "$W/ag_local.log" "$W/agt.log"); then bad "$msg";
elif [ "$(log_nodes "$W/agt.log")" != good2 ]; then bad "nodes: $(log_nodes "$W/agt.log")";
else check_clean && ok; fi
reap_agents

# ------------------------------------------------------------------ bad input
expect_bad "--listen without --key" "--listen: needs --key FILE" "${AG_ARGS[@]}" --listen tcp://127.0.0.1:1
expect_bad "--key without --listen" "--key: needs --listen" "${AG_ARGS[@]}" --key "$W/ag.key"
expect_bad "--listen with a URL that is not tcp" "--listen: ipc:///tmp/x: not a tcp://HOST:PORT address" "${AG_ARGS[@]}" --listen ipc:///tmp/x --key "$W/ag.key"
expect_bad "--listen with a bad port" "the port must be a number in 1..65535" "${AG_ARGS[@]}" --listen tcp://127.0.0.1:70000 --key "$W/ag.key"
cp "$W/ag.key" "$W/open.key"; chmod 644 "$W/open.key"
expect_bad "--key readable by others" "group or others may read it (mode 644)" "${AG_ARGS[@]}" --listen tcp://127.0.0.1:1 --key "$W/open.key"
printf 'not a key\n' >"$W/junk.key"; chmod 600 "$W/junk.key"
expect_bad "--key that is not a key file" "not a paratune key file" "${AG_ARGS[@]}" --listen tcp://127.0.0.1:1 --key "$W/junk.key"
port=$(free_port)
$PY -c 'import socket, sys, time; s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(8)' "$port" &
hold=$!
sleep 0.3
expect_bad "--listen on a port in use" "Address already in use" "${AG_ARGS[@]}" --listen "tcp://127.0.0.1:$port" --key "$W/ag.key"
kill "$hold" 2>/dev/null; wait "$hold" 2>/dev/null

begin "keygen: a new file has mode 0600 and four keys; an existing file is not replaced (exit 2)"
rm -f "$W/k1"
pt keygen "$W/k1"; rc1=$?
cp "$W/k1" "$W/k1.before"
pt keygen "$W/k1" 2>"$W/err"; rc2=$?
if [ $rc1 -ne 0 ] || [ "$(stat -c %a "$W/k1")" != 600 ]; then bad "rc $rc1, mode $(stat -c %a "$W/k1")";
elif [ "$(grep -cE '^(server|client)-(public|secret) .{40}$' "$W/k1")" -ne 4 ]; then bad "$(cat "$W/k1")";
elif [ $rc2 -ne 2 ] || [ "$(wc -l <"$W/err")" -ne 1 ] || ! cmp -s "$W/k1" "$W/k1.before"; then bad "rc $rc2: $(cat "$W/err")";
else ok; fi

begin "tune --listen --key FILE makes FILE (mode 0600) when it does not exist; no agent within --start-timeout: one line, exit 1"
rm -f "$W/new.key"
port=$(free_port)
t0=$(date +%s.%N)
pt tune "${AG_ARGS[@]}" --listen "tcp://127.0.0.1:$port" --key "$W/new.key" --start-timeout 1 --quiet >/dev/null 2>"$W/err"; rc=$?
dt=$(echo "$(date +%s.%N) - $t0" | bc)
if [ $rc -ne 1 ] || ! grep -q "no agent ready on tcp://127.0.0.1:$port for 1 s (--start-timeout)" "$W/err" || [ "$(grep -c . "$W/err")" -ne 1 ]; then bad "rc $rc: $(cat "$W/err")";
elif [ "$(stat -c %a "$W/new.key" 2>/dev/null)" != 600 ]; then bad "the key file: $(ls -l "$W/new.key" 2>&1)";
elif [ "$(echo "$dt > 10" | bc)" -eq 1 ]; then bad "took $dt s";
else check_clean && ok; fi

agent_bad() {
    local name=$1 want=$2
    shift 2
    begin "paratune-agent refuses: $name"
    timeout -k 2 15 "$AGENT" "$@" >/dev/null 2>"$W/err"
    local rc=$?
    if [ $rc -ne 2 ]; then bad "exit $rc: $(cat "$W/err")";
    elif [ "$(wc -l <"$W/err")" -ne 1 ]; then bad "$(cat "$W/err")";
    elif ! grep -qF -- "$want" "$W/err"; then bad "lacks '$want': $(cat "$W/err")";
    else check_clean && ok; fi
}
port=$(free_port)
agent_bad "an unreachable coordinator (after --timeout)" "cannot reach the coordinator within 0.5 s (--timeout)" --connect "tcp://127.0.0.1:$port" --key "$W/ag.key" --timeout 0.5
agent_bad "a key file readable by others" "group or others may read it" --connect "tcp://127.0.0.1:$port" --key "$W/open.key"
agent_bad "a missing key file" "No such file or directory" --connect "tcp://127.0.0.1:$port" --key "$W/nokey"
agent_bad "--connect to '*'" "'*' is an address to listen on" --connect "tcp://*:$port" --key "$W/ag.key"
agent_bad "--connect without a port" "no host or no port" --connect "tcp://127.0.0.1" --key "$W/ag.key"
agent_bad "no --key" "--connect and --key are required" --connect "tcp://127.0.0.1:$port"
agent_bad "--slots 0" "--slots: '0' is not a whole number in 1..4096" --connect "tcp://127.0.0.1:$port" --key "$W/ag.key" --slots 0
