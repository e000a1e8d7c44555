# t_15_listen_big.sh - tune --listen on data large enough that the coordinator cuts its image
# blocks into row-range pieces for the moments (pt_stats_plan: a block of 6,144 rows or more): the agents
# get the cut (CUT) and run the same stats pieces, so the summary and every metric equal the
# local run's to the bit; each agent ran the plan's stats jobs itself (sourced by run.sh).
. "$HERE/agents.sh"

# 40,000 rows x 10 features, and the same with a weight column (two moments slots a block)
pt gen --rows 40000 --features 10 --seed 9 --out "$W/lb.csv" >/dev/null 2>&1
$PY - "$W/lb.csv" "$W/lbw.csv" <<'PYEOF'
import sys
src, dst = sys.argv[1:3]
with open(src) as f, open(dst, "w") as g:
    g.write(f.readline().rstrip("\n") + ",w\n")
    for i, line in enumerate(f):
        g.write(line.rstrip("\n") + ",%g\n" % (0.5 + (i * 7919 % 13) / 4))
PYEOF

# plan_jobs ROWS... : the stats jobs of blocks of these rows, by the rule the README states
# (pieces of about total / 24 rows, none under 4,096: a block of n rows in round(n / piece))
plan_jobs() {
    $PY - "$@" <<'PYEOF'
import sys
rows = [int(v) for v in sys.argv[1:]]
piece = max(-(-sum(rows) // 24), 4096)
print(sum(max(1, (n + piece // 2) // piece) for n in rows))
PYEOF
}

# big_case NAME WANT_JOBS ARGS...: a local run and a --listen run with two agents (1 slot
# each) of ARGS; the same bits; both agents ready with WANT_JOBS stats jobs run there.
big_case() {
    local name=$1 want=$2 port crc nodes
    shift 2
    pt tune "$@" --parallelism 2 --log "$W/${name}_local.log" --quiet >/dev/null 2>"$W/${name}_local.err" ||
        { bad "the local run failed: $(cat "$W/${name}_local.err")"; return; }
    port=$(free_port)
    start_coord "$name" "$@" --parallelism 2 --listen "tcp://127.0.0.1:$port" --key "$W/lb.key" --heartbeat 1 --log "$W/$name.log"
    # b1 holds each fit 0.5 s (an agent failpoint): b2, started once b1 is ready, gets the
    # fits that come while b1 holds one, so both nodes run some
    PARATUNE_AGENT_FAILPOINT=hold=0.5 start_agent b1 --connect "tcp://127.0.0.1:$port" --key "$W/lb.key" --slots 1 --node b1 --timeout 20
    wait_line "$W/$name.err" "agent b1 ready" 20
    start_agent b2 --connect "tcp://127.0.0.1:$port" --key "$W/lb.key" --slots 1 --node b2 --timeout 20
    wait "$CPID"; crc=$?
    nodes=$(log_nodes "$W/$name.log")
    reap_agents
    if [ $crc -ne 0 ]; then bad "exit $crc: $(cat "$W/$name.err" "$W"/b[12].aerr)";
    elif ! msg=$(same_bits "$W/${name}_local.log" "$W/$name.log"); then bad "$msg";
    elif [ "$nodes" != "b1 b2" ]; then bad "nodes in the log: $nodes";
    elif ! grep -q "agent b1 ready: .*; $want stats jobs run there" "$W/$name.err" ||
         ! grep -q "agent b2 ready: .*; $want stats jobs run there" "$W/$name.err"; then
        bad "not $want stats jobs on each agent: $(grep ready "$W/$name.err")";
    else check_clean && ok; fi
}

pt keygen "$W/lb.key"
BIGG=(--pipeline pca,linearRegression --grid pca.k=2,6 --grid linearRegression.regParam=0.001,0.1 --seed 4)

begin "listen big: 40,000 rows in 3 folds (blocks cut in pieces) on 2 agents: the local run's bits; each agent ran the plan's stats pieces"
# k-fold: shuffled position i goes to fold floor(3 i / n)
big_case bigcv "$(plan_jobs 13334 13333 13333)" --data "$W/lb.csv" --folds 3 "${BIGG[@]}"

begin "listen big: weighted rows, train/validation split (two moments slots a block): the local run's bits on 2 agents"
# tvs: round(0.75 n) rows train, the rest validate
big_case bigw "$(plan_jobs 30000 10000)" --data "$W/lbw.csv" --weight-col w --validator tvs "${BIGG[@]}"
