# t_16_listen_shared.sh - tune --listen with --image-cache: the coordinator OFFERs its cache
# file (which begins with the image) and agents on this host, which share its filesystem,
# read the image there instead of receiving it: nothing shipped, the local run's bits. A file
# that is not the sweep's image (replaced after the coordinator mapped it) or an agent with
# --no-shared-read answers NEED and gets the image shipped, with the same bits (sourced by
# run.sh).
. "$HERE/agents.sh"

SH_ARGS=(--data "$W/data.csv" --pipeline pca,linearRegression --grid pca.k=3,8
         --grid linearRegression.regParam=0.001,0.1 --folds 3 --seed 6)
pt tune "${SH_ARGS[@]}" --parallelism 2 --log "$W/sh_local.log" --quiet >/dev/null 2>&1 ||
    echo "listen shared: the local run failed"
pt keygen "$W/sh.key"

# shared_run NAME AGENT_ARGS...: a --listen run with --image-cache $W/shc and two agents
# (1 slot each, nodes NAME1 and NAME2; AGENT_ARGS go to the second); before the agents start,
# $SH_BEFORE is run (a shell command). The coordinator's stderr in $W/NAME.err.
shared_run() {
    local name=$1 port
    shift
    port=$(free_port)
    start_coord "$name" "${SH_ARGS[@]}" --parallelism 2 --listen "tcp://127.0.0.1:$port" --key "$W/sh.key" --heartbeat 1 --image-cache "$W/shc" --log "$W/$name.log"
    wait_line "$W/$name.err" "paratune: image cache: " 20
    eval "${SH_BEFORE:-:}"
    # the first holds each fit 0.5 s, so that the second, started once it is ready, runs some
    PARATUNE_AGENT_FAILPOINT=hold=0.5 start_agent "${name}1" --connect "tcp://127.0.0.1:$port" --key "$W/sh.key" --slots 1 --node "${name}1" --timeout 20
    wait_line "$W/$name.err" "agent ${name}1 ready" 20
    start_agent "${name}2" --connect "tcp://127.0.0.1:$port" --key "$W/sh.key" --slots 1 --node "${name}2" --timeout 20 "$@"
    wait "$CPID"; SH_RC=$?
    SH_NODES=$(log_nodes "$W/$name.log")
    reap_agents
}

# shipped NAME NODE: the coordinator's line that NODE received the image over the link
shipped() { grep -q "agent $2 (1 slots): image of .* MB received in" "$W/$1.err"; }
# read_shared NAME NODE: its line that NODE read the image itself, and the agent's
read_shared() {
    grep -q "agent $2 read the image from the shared file $(realpath "$W/shc")/[0-9a-f]*\.ptimg .*nothing shipped" "$W/$1.err" &&
        grep -q "image read from the shared file" "$W/$2.aerr"
}

# both_read NAME CACHE_LINE: the run NAME (whose coordinator said "image cache: CACHE_LINE")
# ended with the local run's bits, on both its nodes, each having read the image itself
both_read() {
    local n=$1
    if [ $SH_RC -ne 0 ]; then bad "exit $SH_RC: $(cat "$W/$n.err" "$W/${n}1.aerr" "$W/${n}2.aerr")";
    elif ! grep -q "image cache: $2" "$W/$n.err"; then bad "no 'image cache: $2': $(cat "$W/$n.err")";
    elif ! msg=$(same_bits "$W/sh_local.log" "$W/$n.log"); then bad "$msg";
    elif [ "$SH_NODES" != "${n}1 ${n}2" ]; then bad "nodes in the log: $SH_NODES";
    elif ! read_shared "$n" "${n}1" || ! read_shared "$n" "${n}2"; then
        bad "not read from the shared file: $(cat "$W/$n.err" "$W/${n}1.aerr" "$W/${n}2.aerr")";
    elif grep -q "MB received in" "$W/$n.err"; then bad "an image was shipped: $(grep received "$W/$n.err")";
    else check_clean && ok; fi
}

begin "listen shared: --image-cache (written by this run) read by 2 agents on 127.0.0.1: no image byte shipped, the local run's bits"
SH_BEFORE=: shared_run shw
both_read shw wrote

begin "listen shared: a cache hit (the coordinator maps the file) read by 2 agents: nothing shipped, the local run's bits"
SH_BEFORE=: shared_run shh
both_read shh mapped

begin "listen shared: the cache file replaced by a copy with one image byte changed after the coordinator mapped it: both agents say NEED, get the image shipped, the local run's bits"
# a new file renamed over the old: the coordinator keeps its mapping (the old bytes); the
# path now names other bytes, which an agent must not use
SH_BEFORE='f=$(ls "$W"/shc/*.ptimg); cp "$f" "$f.new"; printf "\\377" | dd of="$f.new" bs=1 seek=5000 conv=notrunc 2>/dev/null; mv "$f.new" "$f"'
shared_run shc
if [ $SH_RC -ne 0 ]; then bad "exit $SH_RC: $(cat "$W/shc.err" "$W"/shc[12].aerr)";
elif ! grep -q "image cache: mapped" "$W/shc.err"; then bad "no cache hit: $(cat "$W/shc.err")";
elif ! msg=$(same_bits "$W/sh_local.log" "$W/shc.log"); then bad "$msg";
elif [ "$SH_NODES" != "shc1 shc2" ]; then bad "nodes in the log: $SH_NODES";
elif ! grep -q "agent shc1 cannot use the shared file (.*does not hold the sweep's image" "$W/shc.err" ||
     ! grep -q "agent shc2 cannot use the shared file (.*does not hold the sweep's image" "$W/shc.err"; then
    bad "no NEED: $(cat "$W/shc.err")";
elif ! shipped shc shc1 || ! shipped shc shc2; then bad "not shipped: $(cat "$W/shc.err")";
elif grep -q "read the image from the shared file" "$W/shc.err"; then bad "the changed file was used";
else check_clean && ok; fi

begin "listen shared: --no-shared-read: that agent's image is shipped, the other reads the (good) file; the local run's bits"
rm -f "$W"/shc/*.ptimg
SH_BEFORE=: shared_run shn --no-shared-read
if [ $SH_RC -ne 0 ]; then bad "exit $SH_RC: $(cat "$W/shn.err" "$W"/shn[12].aerr)";
elif ! msg=$(same_bits "$W/sh_local.log" "$W/shn.log"); then bad "$msg";
elif [ "$SH_NODES" != "shn1 shn2" ]; then bad "nodes in the log: $SH_NODES";
elif ! read_shared shn shn1; then bad "shn1 did not read the file: $(cat "$W/shn.err" "$W/shn1.aerr")";
elif ! grep -q "agent shn2 cannot use the shared file (--no-shared-read)" "$W/shn.err" || ! shipped shn shn2; then
    bad "shn2 not shipped: $(cat "$W/shn.err")";
else check_clean && ok; fi
