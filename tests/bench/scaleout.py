"""scaleout.py - workload (s) of `make bench`: the scale-out model (tools/scaleout_sim.py,
docs/scale-out.md) against what happens here with 1-4 paratune-agents on localhost.

Dispatch: the near-empty jobs of (c) run with `tune --listen` and N agents of one slot each
(N = 1..4). The CPU per job of the coordinator, of the agents and of their workers is taken
from the 1-agent run (utime + stime from /proc/PID/stat after each process exited, before it
is reaped); the simulation, given those costs and this host's cores, predicts the jobs/s of
2, 3 and 4 agents, which are measured next to it. Shipping: a 200,000 x 50 dataset (80 MB
image) to N agents: the agents' "image received" notes give the time until every node has
its image; the per-byte costs of the sending coordinator and of a receiving agent come from
the 1-agent run and the simulation predicts 2-4. Target: every prediction within 25% of the
measurement (the model is meant to place the saturation points, not to the percent).
"""
import json
import os
import re
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SIM = os.path.join(HERE, "..", "..", "tools", "scaleout_sim.py")
NOTE_IMG = re.compile(r"image of ([0-9.]+) MB received in ([0-9.]+) s")
CPU_PER_JOB = re.compile(r"coordinator CPU ([0-9.]+) us/job")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def times_of(pid, tick, limit=120.0):
    """(own, reaped children) CPU seconds of a process once it has exited, read before it is
    reaped; None when it is still running after limit seconds."""
    until = time.monotonic() + limit
    while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is None:
        if time.monotonic() > until:
            return None
        time.sleep(0.005)
    with open("/proc/%d/stat" % pid) as f:
        st = f.read()
    fl = st[st.rindex(")") + 2:].split()
    return (int(fl[11]) + int(fl[12])) / tick, (int(fl[13]) + int(fl[14])) / tick


def run_agents(b, args, nagents, tag):
    """One `tune --listen` run with nagents local agents of one slot each. Returns wall,
    the coordinator's sweep seconds and jobs, the CPU seconds of the coordinator, the agents
    and their workers, and the image notes (MB, seconds) per agent."""
    tick = os.sysconf("SC_CLK_TCK")
    d = os.path.join(b.dir, "run", "s_" + tag)
    os.makedirs(d, exist_ok=True)
    key = os.path.join(d, "key")
    if os.path.exists(key):
        os.unlink(key)
    subprocess.run([b.pt, "keygen", key], check=True)
    url = "tcp://127.0.0.1:%d" % free_port()
    err = open(os.path.join(d, "stderr"), "w+")
    t0 = time.perf_counter()
    coord = subprocess.Popen([b.pt, "tune"] + args + ["--listen", url, "--key", key,
                             "--parallelism", str(nagents)],
                             stdout=subprocess.DEVNULL, stderr=err)
    agent = os.path.join(b.bin, "paratune-agent")
    agents = [subprocess.Popen([agent, "--connect", url, "--key", key, "--slots", "1",
                                "--node", "a%d" % i], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL) for i in range(nagents)]
    ct = times_of(coord.pid, tick)
    wall = time.perf_counter() - t0
    if ct is None:
        coord.kill()
    rc = coord.wait()
    a_own = w_cpu = 0.0
    for a in agents:
        at = times_of(a.pid, tick, 30.0)
        if at is None:
            a.kill()
        else:
            a_own += at[0]
            w_cpu += at[1]
        a.wait()
    err.seek(0)
    se = err.read()
    err.close()
    if rc != 0:
        raise SystemExit("bench (s): paratune --listen failed (exit %d): %s" % (rc, se[-1500:]))
    m = b.BREAKDOWN.search(se)
    imgs = [(float(x), float(y)) for x, y in NOTE_IMG.findall(se)]
    return {"wall": wall, "sweep": float(m.group(3)) if m else wall,
            "jobs": int(m.group(4)) if m else 0, "coord_cpu": ct[0] if ct else 0.0, "agents_cpu": a_own,
            "workers_cpu": w_cpu, "images": imgs, "stderr": se}


def sim(*args):
    out = subprocess.run([sys.executable, SIM] + [str(a) for a in args] + ["--json"],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    return json.loads(out)
