# t_69_slurm.sh - paratune on a real Slurm cluster (sourced by run.sh): the two-node local
# cluster that tests/slurm/cluster.sh starts on this host (.ci/run starts it before the test
# command and exports PT_SLURM_CONF). Every salloc carries its own time limit inside it
# (salloc ignores SIGTERM while its command runs, so a timeout outside would not end it).
# Without PT_SLURM_CONF the tests say why they skip; CI always sets it.

# slurm69 CMD...: CMD with this cluster's slurm.conf and none of the SLURM_* variables of an
# allocation this test run itself may be inside.
slurm69() {
    env $(compgen -e | grep '^SLURM_' | sed 's/^/-u /') SLURM_CONF="$PT_SLURM_CONF" "$@"
}

if [ -z "${PT_SLURM_CONF:-}" ]; then
    begin "slurm: a two-node allocation runs a step on each node"
    skip "no local Slurm cluster (PT_SLURM_CONF unset; start one with tests/slurm/cluster.sh start and source its env.sh, as .ci/run does)"
else
    begin "slurm: a two-node allocation runs a step on each node"
    out=$(slurm69 timeout -k 5 60 salloc -N2 -t 2 timeout -k 5 50 \
        srun --ntasks-per-node=1 bash -c 'echo "$SLURMD_NODENAME $SLURM_JOB_ID"' 2>"$W/s69.err" | sort)
    if [ "$(echo "$out" | cut -d' ' -f1 | tr '\n' ' ')" != "n1 n2 " ]; then
        bad "steps ran on '$out': $(head -c 300 "$W/s69.err")"
    else ok; fi
fi
