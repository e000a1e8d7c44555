#!/usr/bin/env bash
# cluster.sh - a real, throw-away Slurm cluster of two nodes on this one host, for the tests
# and CI (t_69_slurm.sh runs a sweep with --cluster slurm inside `salloc -N2` on it).
#
#   tests/slurm/cluster.sh start [DIR]   start munged, slurmctld and two slurmd (n1, n2);
#                                        prints DIR (a new temp dir unless given) and writes
#                                        DIR/env.sh (export SLURM_CONF=... PT_SLURM_CONF=...)
#   tests/slurm/cluster.sh stop DIR      cancel every job, wait for squeue to empty, stop the
#                                        slurmd, slurmctld and munged by pid (munged last),
#                                        remove DIR
#
# It installs nothing: it needs the Debian 12 packages slurmctld, slurmd, slurm-client and
# munge (slurm-wlm 22.05, munge 0.5.15) and root (slurmd runs jobs as their user). Nothing is
# written outside DIR: the munge key, munged's socket, seed, log and pid file, slurm.conf,
# slurmctld's state, each slurmd's spool, logs and pid files. No systemd is used. Each daemon
# listens on its own free TCP port of 127.0.0.1; both nodes are this host (NodeAddr 127.0.0.1,
# `slurmd -D -N nK`), each with this host's CPU count (SlurmdParameters=config_overrides: the
# configured figures are taken as they are, so two nodes on one machine are not drained).
# Any SLURM_* variable inherited from an outer allocation is unset first, so the daemons and
# the clients see only this cluster.
set -euo pipefail

die() { echo "cluster.sh: $*" >&2; exit 1; }

# free_port: a TCP port of 127.0.0.1 nobody listens on (a connect that fails), from a range
# chosen per call so that two clusters started at once rarely pick the same ports.
free_port() {
    local p i
    for i in $(seq 200); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
    done
    die "no free TCP port found"
}

# wait_until SECONDS CMD...: poll CMD every 0.1 s until it succeeds; 1 when time runs out.
wait_until() {
    local n=$(($1 * 10)) i
    shift
    for ((i = 0; i < n; i++)); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    return 1
}

nodes_idle() {
    [ "$(sinfo -h -N -o '%N %t' | grep -c ' idle$')" -eq 2 ]
}

start() {
    local d=${1:-}
    for c in munged mungekey slurmctld slurmd sinfo squeue scancel salloc srun; do
        command -v "$c" >/dev/null || die "$c not found (apt-get install slurmctld slurmd slurm-client munge)"
    done
    [ "$(id -u)" -eq 0 ] || die "needs root (slurmd starts jobs as their user)"
    if [ -z "$d" ]; then d=$(mktemp -d /tmp/pt-slurm.XXXXXX); fi
    mkdir -p "$d"
    d=$(cd "$d" && pwd)
    # munged refuses a socket directory its clients cannot traverse: o+x on the way down
    chmod 0711 "$d"
    mkdir -p "$d/munge" "$d/state" "$d/spool/n1" "$d/spool/n2" "$d/log" "$d/run"
    chmod 0711 "$d/munge"
    mungekey --create --keyfile="$d/munge/munge.key" >/dev/null 2>&1 ||
        dd if=/dev/urandom of="$d/munge/munge.key" bs=1024 count=1 status=none
    chmod 0400 "$d/munge/munge.key"
    local sock=$d/munge/munge.socket
    munged -F --key-file="$d/munge/munge.key" --socket="$sock" --pid-file="$d/run/munged.pid" \
        --log-file="$d/log/munged.log" --seed-file="$d/munge/munged.seed" \
        </dev/null >>"$d/log/munged.out" 2>&1 &
    echo $! >"$d/run/munged.pid.bg"
    wait_until 10 test -S "$sock" || die "munged did not start: $(tail -3 "$d/log/munged.out" "$d/log/munged.log" 2>/dev/null)"

    local cpus pc p1 p2
    cpus=$(nproc)
    pc=$(free_port)
    p1=$(free_port)
    p2=$(free_port)
    while [ "$p1" = "$pc" ]; do p1=$(free_port); done
    while [ "$p2" = "$pc" ] || [ "$p2" = "$p1" ]; do p2=$(free_port); done
    cat >"$d/slurm.conf" <<EOF
# a two-node cluster on one host, written by tests/slurm/cluster.sh
ClusterName=paratune
SlurmctldHost=localhost
SlurmctldPort=$pc
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool/%n
SlurmctldPidFile=$d/run/slurmctld.pid
SlurmdPidFile=$d/run/slurmd-%n.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SlurmdParameters=config_overrides
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=2
NodeName=n1 NodeHostname=localhost NodeAddr=127.0.0.1 Port=$p1 CPUs=$cpus State=UNKNOWN
NodeName=n2 NodeHostname=localhost NodeAddr=127.0.0.1 Port=$p2 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=n1,n2 Default=YES MaxTime=30 State=UP
EOF
    export SLURM_CONF=$d/slurm.conf
    slurmctld -D -i -f "$SLURM_CONF" </dev/null >>"$d/log/slurmctld.out" 2>&1 &
    echo $! >"$d/run/slurmctld.pid.bg"
    local n
    for n in n1 n2; do
        slurmd -D -N "$n" -f "$SLURM_CONF" </dev/null >>"$d/log/slurmd-$n.out" 2>&1 &
        echo $! >"$d/run/slurmd-$n.pid.bg"
    done
    if ! wait_until 30 nodes_idle; then
        echo "cluster.sh: the nodes did not come up idle:" >&2
        sinfo -N >&2 || true
        tail -5 "$d/log/slurmctld.log" "$d/log/slurmd-n1.log" "$d/log/slurmd-n2.log" >&2 || true
        stop "$d"
        exit 1
    fi
    printf 'export SLURM_CONF=%q\nexport PT_SLURM_CONF=%q\n' "$SLURM_CONF" "$SLURM_CONF" >"$d/env.sh"
    echo "$d"
}

# kill_pidfile FILE: SIGTERM the process whose pid FILE holds, SIGKILL it after 10 s.
kill_pidfile() {
    local f=$1 pid
    [ -s "$f" ] || return 0
    pid=$(cat "$f")
    kill -TERM "$pid" 2>/dev/null || return 0
    if ! wait_until 10 bash -c "! kill -0 $pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    wait_until 5 bash -c "! kill -0 $pid" || true
}

queue_empty() {
    [ -z "$(squeue -h -o %i 2>/dev/null)" ]
}

stop() {
    local d=${1:-}
    [ -n "$d" ] && [ -f "$d/slurm.conf" ] || die "stop: $d is not a cluster directory"
    d=$(cd "$d" && pwd)
    export SLURM_CONF=$d/slurm.conf
    # slurmstepd outlives a slurmd killed mid-step: end the jobs first, while slurmd can
    if [ -s "$d/run/slurmctld.pid.bg" ] && kill -0 "$(cat "$d/run/slurmctld.pid.bg")" 2>/dev/null; then
        scancel --full $(squeue -h -o %i 2>/dev/null) 2>/dev/null || true
        wait_until 30 queue_empty || echo "cluster.sh: jobs still queued after 30 s" >&2
    fi
    local n
    for n in n1 n2; do kill_pidfile "$d/run/slurmd-$n.pid.bg"; done
    kill_pidfile "$d/run/slurmctld.pid.bg"
    kill_pidfile "$d/run/munged.pid.bg"
    rm -rf "$d"
}

# the daemons and clients of this cluster only
for v in $(compgen -e | grep '^SLURM_' || true); do unset "$v"; done
case "${1:-}" in
start) start "${2:-}" ;;
stop) stop "${2:-}" ;;
*) die "usage: cluster.sh start [DIR] | stop DIR" ;;
esac
