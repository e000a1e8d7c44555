#!/usr/bin/env bash
# netcut.sh BIN DIR KEY PORT TUNE-ARGS... - run inside `unshare -n` by t_84_agent_faults.sh: a
# coordinator listening on a veth link, a victim agent in a network namespace of its own on
# the other end of it, which is set down once the victim holds jobs (a network cut), and a
# healthy agent on lo. Writes DIR/nc.err (the coordinator's stderr), DIR/nc.log, DIR/nc.rc
# (its exit), DIR/nc.vrc (the victim's), DIR/nc.kids (the victim's children then). Every
# process it starts is gone when it returns: the namespaces with them.
set -u
BIN=$1 D=$2 KEY=$3 PORT=$4
shift 4
ip link set lo up || exit 3
unshare -n -- sleep 60 &                       # holds the victim's namespace
holder=$!
sleep 0.2
ip link add ptc0 type veth peer name ptc1 netns $holder || { kill $holder; exit 3; }
ip addr add 10.213.7.1/24 dev ptc0 && ip link set ptc0 up || { kill $holder; exit 3; }
nsenter -t $holder -n sh -c 'ip link set lo up && ip addr add 10.213.7.2/24 dev ptc1 && ip link set ptc1 up' ||
    { kill $holder; exit 3; }
"$BIN/paratune" tune "$@" --listen "tcp://*:$PORT" --key "$KEY" --heartbeat 0.5 --log "$D/nc.log" >/dev/null 2>"$D/nc.err" &
c=$!
PARATUNE_AGENT_FAILPOINT=hold=30 nsenter -t $holder -n "$BIN/paratune-agent" --connect "tcp://10.213.7.1:$PORT" --key "$KEY" --slots 2 --node victim --timeout 20 2>/dev/null &
v=$!
for i in $(seq 400); do grep -q "agent victim ready" "$D/nc.err" && break; sleep 0.05; done
sleep 0.3
pgrep -P $v | tr '\n' ' ' >"$D/nc.kids"
ip link set ptc0 down                          # the cut
"$BIN/paratune-agent" --connect "tcp://127.0.0.1:$PORT" --key "$KEY" --slots 2 --node healthy --timeout 20 2>/dev/null &
h=$!
wait $c; echo $? >"$D/nc.rc"
wait $v; echo $? >"$D/nc.vrc"
wait $h
kill $holder; wait $holder 2>/dev/null
exit 0
