# t_69_slurm.sh - paratune on a real Slurm cluster (sourced by run.sh): the two-node local
# cluster that tests/slurm/cluster.sh starts on this host (.ci/run starts it before the test
# command and exports PT_SLURM_CONF). A sweep with --cluster slurm inside `salloc -N2` must
# give the local run's summary to the bit, with every job run by a worker of an agent that
# srun started (the log's node field is the Slurm node name, n1 or n2, which only a task
# that slurmd started knows; the sweep is short, so the second agent may join only as it
# ends); and nothing may stay behind (agents, the key directory, the
# job). Every salloc carries its time limit inside it: salloc ignores SIGTERM while its
# command runs, so a timeout outside it could not end it. Without PT_SLURM_CONF the cluster
# tests say why they skip; CI always sets it.

# slurm69 CMD...: CMD with this cluster's slurm.conf and none of the SLURM_* variables of an
# allocation this test run itself may be inside.
slurm69() {
    env $(compgen -e | grep '^SLURM_' | sed 's/^/-u /') SLURM_CONF="$PT_SLURM_CONF" "$@"
}

# --cluster slurm outside an allocation: one line, exit 2 (no cluster needed)
saved69=${SLURM_JOB_ID-unset}
unset SLURM_JOB_ID
expect_bad "--cluster slurm outside a Slurm allocation" \
    "--cluster slurm: not inside a Slurm allocation (SLURM_JOB_ID is not set)" \
    --data "$W/data.csv" --pipeline linearRegression --cluster slurm
expect_bad "--cluster with another manager" "--cluster k8s: the only cluster manager is slurm" \
    --data "$W/data.csv" --pipeline linearRegression --cluster k8s
[ "$saved69" = unset ] || export SLURM_JOB_ID=$saved69

if [ -z "${PT_SLURM_CONF:-}" ]; then
    begin "slurm: a sweep with --cluster slurm inside salloc -N2"
    skip "no local Slurm cluster (PT_SLURM_CONF unset; start one with tests/slurm/cluster.sh start and source its env.sh, as .ci/run does)"
else
    P69=(--data "$W/data.csv" --pipeline pca,linearRegression "${GRID[@]}" --folds 3 --seed 5)
    pt tune "${P69[@]}" --parallelism 2 --log "$W/s69local.log" >"$W/s69local.out" 2>&1 ||
        bad "local sweep failed: $(cat "$W/s69local.out")"

    begin "slurm: a two-node allocation runs a step on each node"
    out=$(slurm69 timeout -k 5 60 salloc -N2 -t 2 timeout -k 5 50 \
        srun --ntasks-per-node=1 bash -c 'echo "$SLURMD_NODENAME $SLURM_JOB_ID"' 2>"$W/s69.err" | sort)
    if [ "$(echo "$out" | cut -d' ' -f1 | tr '\n' ' ')" != "n1 n2 " ]; then
        bad "steps ran on '$out': $(head -c 300 "$W/s69.err")"
    else ok; fi

    begin "slurm: --cluster slurm inside salloc -N2: the local summary to the bit, jobs on n1/n2 agents"
    mkdir -p "$W/s69run"
    # the agents srun starts inherit LSAN_OPTIONS (run.sh's ZMQ_LSAN)
    (cd "$W/s69run" && LSAN_OPTIONS=$ZMQ_LSAN \
        slurm69 timeout -k 5 100 salloc -N2 --exclusive -t 2 timeout -k 5 80 \
        "$BIN/paratune" tune "${P69[@]}" --parallelism 4 --cluster slurm --log "$W/s69.log" \
        >"$W/s69.out" 2>"$W/s69.err")
    rc=$?
    nodes=$($PY -c '
import sys, msgpack
res = [r for r in msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False, strict_map_key=False)
       if r.get("record") == "result"]
print(" ".join(sorted(set(str(r.get("node")) for r in res))))' "$W/s69.log" 2>&1)
    if [ $rc -ne 0 ]; then bad "exit $rc: $(grep -v '^salloc' "$W/s69.err" | head -c 400)";
    elif ! msg=$($PY - "$W/s69local.log" "$W/s69.log" <<'PYEOF'
import sys, msgpack
def summary(p):
    recs = list(msgpack.Unpacker(open(p, "rb"), raw=False, strict_map_key=False))
    return recs[-1], [r for r in recs if r.get("record") == "result"]
a, ra = summary(sys.argv[1])
b, rb = summary(sys.argv[2])
for k in ("avg_metrics", "std_metrics", "best_index", "best_params", "best_metric", "jobs_ok"):
    if a.get(k) != b.get(k):  # exact: the same doubles, bit for bit
        sys.exit("%s differs: %r vs %r" % (k, a.get(k), b.get(k)))
if len(rb) != 18 or any(r["status"] != "ok" for r in rb):
    sys.exit("%d results, statuses %s" % (len(rb), sorted(set(r["status"] for r in rb))))
PYEOF
    ); then bad "$msg";
    elif ! diff <(grep -v '^paratune' "$W/s69local.out") "$W/s69.out" >/dev/null; then bad "tables differ";
    elif [ -z "$nodes" ] || [ -n "$(echo "$nodes" | tr ' ' '\n' | grep -vx 'n[12]')" ]; then
        bad "results from nodes '$nodes', want n1 / n2 only";
    elif ! grep -qE 'agent n[12] \([0-9]+ slots\): image of' "$W/s69.err"; then
        bad "no agent got the image: $(grep -v '^salloc' "$W/s69.err" | head -c 400)";
    elif [ -n "$(ls -A "$W/s69run")" ]; then bad "left behind: $(ls -A "$W/s69run")";
    elif pgrep -f "paratune-agent --node n[12] --connect" >/dev/null; then bad "an agent outlived the sweep";
    else check_clean && ok; fi
fi
