"""scaleout.py - workload (o) of `make bench`: the scale-out model (tools/scaleout_sim.py,
docs/scale-out.md) against what happens here with 1-4 paratune-agents on localhost.

Dispatch: the near-empty jobs of (c) run with `tune --listen` and N agents of one slot each
(N = 1..4). Calibration, from runs that are not the ones predicted: the CPU per job of the
coordinator, of the agent and of its worker and the time per job come from the 1-agent run
(utime + stime from /proc/PID/stat after each process exited, before it is reaped); the
cost of a cross-CPU wake-up from tests/bench/pingpong.c (two processes pinned to two CPUs vs
one); the cost of a wake-up queued behind another thread from one agent with two slots.
The simulation, given those and this host's cores, predicts the jobs/s of 2, 3 and 4 agents,
which are measured next to it. Shipping: a 200,000 x 50 dataset (80 MB image) to N agents:
the agents' "image received" notes give the time until every node has its image; the CPU
per byte of sending comes from the 1-agent run's coordinator against a local run's, the
round trip of a chunk from the 1-agent time (its window of 8 x 1 MiB), and the simulation
predicts 2-4. Target: every prediction within 25% of the measurement (the model is meant to
place the saturation points, not to the percent).
"""
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SIM = os.path.join(HERE, "..", "..", "tools", "scaleout_sim.py")
NOTE_IMG = re.compile(r"image of ([0-9.]+) MB received in ([0-9.]+) s")
BREAKDOWN = re.compile(r"load ([0-9.]+)s, shared memory ([0-9.]+)s, sweep ([0-9.]+)s "
                       r"\((\d+) jobs, parallelism (\d+)\)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    """Whether something listens on TCP port (state 0A in /proc/net/tcp), found without
    connecting (a connection without the sweep's key would be counted as refused)."""
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                for line in f.readlines()[1:]:
                    fl = line.split()
                    if fl[3] == "0A" and int(fl[1].rsplit(":", 1)[1], 16) == port:
                        return True
        except OSError:
            pass
    return False


def cpu_busy(tick):
    """Busy CPU seconds of all CPUs since boot (/proc/stat), as bench.py counts them."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (v[0] + v[1] + v[2] + v[5] + v[6]) / tick


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


def run_agents(b, args, nagents, tag, slots=1):
    """One `tune --listen` run with nagents local agents of `slots` slots each. Returns wall,
    the coordinator's sweep seconds and jobs, the CPU seconds of the coordinator, the agents
    and their workers, and the image notes (MB, seconds) per agent."""
    tick = os.sysconf("SC_CLK_TCK")
    d = os.path.join(b.dir, "run", "s_" + tag)
    os.makedirs(d, exist_ok=True)
    key = os.path.join(d, "key")
    if os.path.exists(key):
        os.unlink(key)
    subprocess.run([b.pt, "keygen", key], check=True)
    port = free_port()
    url = "tcp://127.0.0.1:%d" % port
    err = open(os.path.join(d, "stderr"), "w+")
    busy0 = cpu_busy(tick)
    me0 = sum(os.times()[:2])
    t0 = time.perf_counter()
    coord = subprocess.Popen([b.pt, "tune"] + args + ["--listen", url, "--key", key,
                             "--parallelism", str(nagents * slots)],
                             stdout=subprocess.DEVNULL, stderr=err)
    agent = os.path.join(b.bin, "paratune-agent")
    # the agents start once the coordinator listens (it loads the data first), so the
    # time until every node has its image counts from the same instant for all of them
    until = time.monotonic() + 60
    while not listening(port) and coord.poll() is None and time.monotonic() < until:
        time.sleep(0.002)
    os.makedirs(d, exist_ok=True)  # BENCH_DIR may be shared with another bench run
    aerr = open(os.path.join(d, "agents.stderr"), "w+")
    agents = [subprocess.Popen([agent, "--connect", url, "--key", key, "--slots", str(slots),
                                "--node", "a%d" % i], stdout=subprocess.DEVNULL,
                               stderr=aerr) for i in range(nagents)]
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
    other = cpu_busy(tick) - busy0 - (sum(os.times()[:2]) - me0)
    other -= (ct[0] + ct[1] if ct else 0.0) + a_own + w_cpu
    err.seek(0)
    se = err.read()
    err.close()
    aerr.seek(0)
    ae = aerr.read()
    aerr.close()
    if rc != 0:
        raise SystemExit("bench (o): paratune --listen failed (exit %d): %s\nagents: %s" % (
            rc, se[-1500:], ae[-800:]))
    m = BREAKDOWN.search(se)
    imgs = [(float(x), float(y)) for x, y in NOTE_IMG.findall(se)]
    return {"wall": wall, "sweep": float(m.group(3)) if m else wall,
            "jobs": int(m.group(4)) if m else 0, "coord_cpu": ct[0] if ct else 0.0, "agents_cpu": a_own,
            "workers_cpu": w_cpu, "images": imgs, "stderr": se,
            "other_cores": other / wall if wall >= 1.0 else None}


def sim(*args):
    out = subprocess.run([sys.executable, SIM] + [str(a) for a in args] + ["--json"],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    return json.loads(out)


def avail(b, other):
    """This host's cores less what other processes kept busy (at least a quarter core)."""
    return max(0.25, b.cores - (other or 0.0))


def within(pred, meas, tol=0.25):
    return meas > 0 and abs(pred - meas) / meas <= tol


def wake_cost(b, log):
    """The CPU of a cross-CPU wake-up on this host (tests/bench/pingpong.c, built here): a
    pass between two processes pinned to two CPUs less one between two pinned to the same
    CPU, medians of three. None when there is one CPU or no C compiler."""
    cpus = sorted(os.sched_getaffinity(0))
    exe = os.path.join(b.dir, "pingpong")
    if len(cpus) < 2 or subprocess.run(["cc", "-O2", "-o", exe, os.path.join(HERE, "pingpong.c")],
                                       stderr=subprocess.DEVNULL).returncode != 0:
        return None

    def per_pass(x, y):
        out = subprocess.run([exe, str(x), str(y), "50000"], stdout=subprocess.PIPE,
                             text=True, check=True).stdout.split()
        return float(out[1]), float(out[3])
    same = [per_pass(cpus[0], cpus[0]) for _ in range(3)]
    cross = [per_pass(cpus[0], cpus[1]) for _ in range(3)]
    s = statistics.median(c for c, _ in same)
    c = statistics.median(c for c, _ in cross)
    log("  wake-up cost (pingpong, a byte passed between two processes): pinned to one CPU "
        "%.1f us of CPU per pass, to two CPUs %.1f us (wall %.1f us): a cross-CPU wake-up "
        "costs %.1f us of CPU" % (s, c, statistics.median(w for _, w in cross), c - s))
    return max(0.0, c - s)


def dispatch_part(b, log):
    nmaps = 1000 if b.quick else 5000
    # 200 rows, not (c)'s 8: an image of a few hundred bytes is refused by the agents now
    csv = b.gen(200, 2)
    grid = "linearRegression.regParam=" + ",".join(str(i) for i in range(nmaps))
    args = ["--data", csv, "--pipeline", "linearRegression", "--grid", grid, "--folds", "2",
            "--seed", "1"]
    log("  dispatch: %d near-empty jobs (200 x 2 rows), tune --listen on 127.0.0.1 with N agents of "
        "one slot each, parallelism N" % (2 * nmaps))
    meas = {}
    for n in ("1x2", 1, 2, 3, 4):
        rs = b.measured(lambda: run_agents(b, args, 1, "d1x2", 2) if n == "1x2" else
                        run_agents(b, args, n, "d%d" % n), b.runs)
        meas[n] = {k: statistics.median([r[k] for r in rs]) for k in
                   ("sweep", "jobs", "coord_cpu", "agents_cpu", "workers_cpu")}
        meas[n]["other"] = statistics.median([r["other_cores"] or 0.0 for r in rs])
    one = meas[1]
    jobs = one["jobs"]
    cost = {"coord": one["coord_cpu"] / jobs * 1e6, "agent": one["agents_cpu"] / jobs * 1e6,
            "worker": one["workers_cpu"] / jobs * 1e6, "cycle": one["sweep"] / jobs * 1e6}
    log("  calibration (1 agent): coordinator %.1f us/job, agent %.1f us/job, worker %.1f "
        "us/job of CPU; %.1f us per job in all (the rest: the hops' latency)" % (
            cost["coord"], cost["agent"], cost["worker"], cost["cycle"]))
    wake = wake_cost(b, log)
    if wake is None:
        wake = 30.0
        log("  wake-up cost: not measured (one CPU or no cc); the simulation's default 30 us")
    cost["wake"] = wake
    # one agent with two slots: more runnable threads than one relay, on the same processes;
    # its rate pins the cost of a wake-up that queues behind another thread
    two = meas["1x2"]
    cal = sim("local", "--agents", 1, "--slots", 2, "--cores", avail(b, two["other"]),
              "--cycle-cores", avail(b, one["other"]), "--jobs", int(jobs),
              "--coord-us", cost["coord"], "--agent-us", cost["agent"],
              "--worker-us", cost["worker"], "--cycle-us", cost["cycle"], "--wake-us", wake,
              "--fit-rate", two["jobs"] / two["sweep"])
    cost["switch"] = cal["switch_us"]
    log("  calibration (1 agent, 2 slots): %.0f jobs/s, %.0f us of CPU per job: a wake-up "
        "queued behind another thread costs %.1f us" % (
            two["jobs"] / two["sweep"],
            (two["coord_cpu"] + two["agents_cpu"] + two["workers_cpu"]) / two["jobs"] * 1e6,
            cost["switch"]))
    rows = []
    figs = {"calibration_us": cost}
    for n in (1, 2, 3, 4):
        m = meas[n]["jobs"] / meas[n]["sweep"]
        # the cores other processes left to the sweep (the run's own measure)
        pr = sim("local", "--agents", n, "--cores", avail(b, meas[n]["other"]),
                "--cycle-cores", avail(b, one["other"]), "--jobs", int(jobs),
                "--coord-us", cost["coord"], "--agent-us", cost["agent"],
                "--worker-us", cost["worker"], "--cycle-us", cost["cycle"],
                "--wake-us", wake, "--switch-us", cost["switch"])
        p = pr["jobs_per_s"]
        cpu = (meas[n]["coord_cpu"] + meas[n]["agents_cpu"] + meas[n]["workers_cpu"]) / \
            meas[n]["jobs"] * 1e6
        rows.append([n, "%.0f" % m, "%.0f" % p, "%+.0f%%" % (100 * (p - m) / m),
                     "%.0f / %.0f" % (cpu, pr["cpu_us_per_job"]),
                     "%.1f" % pr["cross_wakeups_per_job"], "%.2f" % meas[n]["other"]])
        figs["agents%d" % n] = {"measured": m, "predicted": p}
        if n >= 2:
            b.target("(o) simulated dispatch rate with %d agents within 25%% of the measured"
                     % n, "%.0f predicted, %.0f measured jobs/s" % (p, m), within(p, m))
    b.table(["agents", "measured jobs/s", "simulated", "error", "CPU us/job measured / sim",
             "sim cross-CPU wake-ups/job", "other processes (cores)"], rows)
    return figs


def shipping_part(b, log):
    rows_n = 50000 if b.quick else 200000
    csv = b.gen(rows_n, 50)
    args = ["--data", csv, "--pipeline", "linearRegression", "--grid",
            "linearRegression.regParam=0.1", "--folds", "2", "--seed", "1"]
    log("  shipping: %d x 50 (image %.0f MB) to N agents; the time until every node has its "
        "image, from the agents' notes" % (rows_n, rows_n * 51 * 8 / 1e6))
    meas = {}
    for n in (1, 2, 3, 4):
        rs = b.measured(lambda: run_agents(b, args, n, "s%d" % n), b.runs)
        ok = [r for r in rs if len(r["images"]) == n]
        if not ok:
            log("  shipping to %d agents: not every agent reported its image; skipped" % n)
            continue
        meas[n] = {"mb": ok[0]["images"][0][0],
                   "all": statistics.median([max(t for _, t in r["images"]) for r in ok]),
                   "coord_cpu": statistics.median([r["coord_cpu"] for r in ok]),
                   "other": statistics.median([r["other_cores"] or 0.0 for r in ok])}
    if 1 not in meas:
        return {}
    mb, t1 = meas[1]["mb"], meas[1]["all"]
    # per byte: the coordinator's CPU beyond a local run's of the same sweep (what sending
    # the image costs it), and the same for the receiving agent (both sides encrypt or
    # decrypt, checksum and copy every byte); the 1-agent time then pins the round trip
    loc = b.measured(lambda: b.run_pt(args + ["--parallelism", "1"]), b.runs)
    extra = meas[1]["coord_cpu"] - statistics.median([r["coord_cpu"] for r in loc])
    ns = max(0.1, extra / (mb * 1e6) * 1e9)
    cal = sim("shiplocal", "--agents", 1, "--cores", avail(b, meas[1]["other"]), "--mb", mb,
              "--coord-ns-per-byte", ns, "--agent-ns-per-byte", ns, "--fit-seconds", t1)
    log("  calibration (1 agent and a local run): %.1f MB in %.3f s, %.0f MB/s; the "
        "coordinator's CPU %.2f s over the local run's: %.1f ns/byte to send (and as much to "
        "receive); the window of 8 x 1 MiB then means a chunk round trip of %.0f us (one-way "
        "latency beyond the CPU %.0f us)" % (mb, t1, mb / t1, extra, ns, cal["rtt_us"],
                                              cal["lat_us"]))
    rows = []
    figs = {"calibration": {"ns_per_byte": ns, "lat_us": cal["lat_us"], "rtt_us": cal["rtt_us"]}}
    for n in sorted(meas):
        m = meas[n]["all"]
        p = sim("shiplocal", "--agents", n, "--cores", avail(b, meas[n]["other"]), "--mb", mb,
                "--coord-ns-per-byte", ns, "--agent-ns-per-byte", ns,
                "--lat-us", cal["lat_us"])["seconds"]
        rows.append([n, "%.3f s" % m, "%.0f MB/s" % (n * mb / m), "%.3f s" % p,
                     "%+.0f%%" % (100 * (p - m) / m), "%.2f" % meas[n]["other"]])
        figs["agents%d" % n] = {"measured_s": m, "predicted_s": p}
        if n >= 2:
            b.target("(o) simulated time until %d agents have the image within 25%% of the "
                     "measured" % n, "%.3f s predicted, %.3f s measured" % (p, m), within(p, m))
    b.table(["agents", "every image after", "shipped", "simulated", "error",
             "other processes (cores)"], rows)
    return figs


def workload_s(b, log, figs):
    log("\n(o) scale-out model (tools/scaleout_sim.py, docs/scale-out.md) against 1-4 local "
        "agents over CURVE TCP")
    if not os.access(os.path.join(b.bin, "paratune-agent"), os.X_OK):
        log("  no paratune-agent in %s; skipped" % b.bin)
        return
    figs["s"] = {"dispatch": dispatch_part(b, log), "shipping": shipping_part(b, log)}
