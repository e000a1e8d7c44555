"""scaleout.py - workload (o) of `make bench`: the scale-out model (tools/scaleout_sim.py,
docs/scale-out.md) against what happens here with 1-4 paratune-agents on localhost.

Every process is pinned (os.sched_setaffinity before exec, so its threads and an agent's
workers inherit it): the coordinator on the first CPU, agents on the second, first, second,
first CPU in turn, so the simulation knows the placement instead of guessing the kernel's.

Dispatch: the near-empty jobs of (c) run with `tune --listen` and N agents of one slot each.
Calibration, from runs that are never the ones predicted: one agent on the coordinator's CPU
gives the CPU per job of the coordinator, the agent and its worker (utime + stime from
/proc/PID/stat after each process exited, before it is reaped) and the hops' latency; one
agent on the other CPU gives the CPU of a wake-up across cores. The simulation, given those,
predicts the jobs/s of 2, 3 and 4 agents, measured next to it.
Shipping: a 200,000 x 50 dataset (83 MB image) to N agents, the time until every node has its
image (the coordinator's notes). Calibration: one agent on the other CPU, the CPU the
coordinator and the agent spent during the shipping (per-thread schedstat sampled every 5
ms), per byte; the simulation, on cores slowed to the share other processes left (measured
per CPU from /proc/stat during each run), predicts 2, 3 and 4 agents.
Target: every prediction within 25% of the measurement.
"""
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
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


def core_busy(tick):
    """{cpu: busy CPU seconds since boot} for every CPU (the cpuN lines of /proc/stat)."""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu") and line[3].isdigit():
                v = line.split()
                n = [int(x) for x in v[1:]]
                out[int(v[0][3:])] = (n[0] + n[1] + n[2] + n[5] + n[6]) / tick
    return out


def pinned(cpu):
    """A preexec_fn that pins the child (and every thread and process it starts) to cpu."""
    return None if cpu is None else (lambda: os.sched_setaffinity(0, {cpu}))


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


def proc_cpu(pid, tick):
    """A live process's own CPU seconds: the sum over its threads of /proc/PID/task/TID/
    schedstat (nanoseconds, where /proc/PID/stat counts clock ticks); once it has exited, its
    /proc/PID/stat."""
    total, seen = 0, False
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                    total += int(f.read().split()[0])
                    seen = True
            except (OSError, ValueError, IndexError):
                pass
    except OSError:
        pass
    if seen:
        return total / 1e9
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
    except OSError:
        return 0.0
    fl = st[st.rindex(")") + 2:].split()
    return (int(fl[11]) + int(fl[12])) / tick


class Sampler(threading.Thread):
    """Every 5 ms: the time, each CPU's busy seconds (/proc/stat) and each given process's own
    CPU seconds, until stopped; window() then gives what was spent between two instants."""

    def __init__(self, pids, tick):
        super().__init__(daemon=True)
        self.pids, self.tick, self.rows = pids, tick, []
        self.stop = threading.Event()

    def run(self):
        while True:
            self.rows.append((time.perf_counter(), core_busy(self.tick),
                              [proc_cpu(p, self.tick) for p in self.pids]))
            if self.stop.wait(0.005):
                return

    def window(self, t0, t1):
        """(seconds, {cpu: busy seconds}, [CPU seconds of each process]) from the last sample
        at or before t0 to the first at or after t1."""
        a = max((r for r in self.rows if r[0] <= t0), default=self.rows[0], key=lambda r: r[0])
        z = min((r for r in self.rows if r[0] >= t1), default=self.rows[-1], key=lambda r: r[0])
        return (z[0] - a[0], {c: z[1][c] - a[1].get(c, z[1][c]) for c in z[1]},
                [y - x for x, y in zip(a[2], z[2])])


def run_agents(b, args, nagents, tag, slots=1, place=None, sample=False):
    """One `tune --listen` run with nagents local agents of `slots` slots each; place, when
    given, is (the coordinator's CPU, [each agent's CPU]): every process is pinned there
    (an agent's workers with it). Returns wall, the coordinator's sweep seconds and jobs, the
    CPU seconds of the coordinator, the agents and their workers (also per agent), the image
    notes (MB, seconds) per agent, and per CPU the share other processes took; with sample,
    also the CPU of the coordinator and of each agent and the others' share of each CPU
    during the shipping (sampled every 5 ms: Sampler)."""
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
    ccpu, acpus = place if place else (None, [None] * nagents)
    busy0 = cpu_busy(tick)
    cores0 = core_busy(tick)
    me0 = sum(os.times()[:2])
    t0 = time.perf_counter()
    coord = subprocess.Popen([b.pt, "tune"] + args + ["--listen", url, "--key", key,
                             "--parallelism", str(nagents * slots), "--pin-cpus", "off"],
                             stdout=subprocess.DEVNULL, stderr=err, preexec_fn=pinned(ccpu))
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
                               stderr=aerr, preexec_fn=pinned(acpus[i]))
              for i in range(nagents)]
    t_agents = time.perf_counter()
    sampler = Sampler([coord.pid] + [a.pid for a in agents], tick) if sample else None
    if sampler:
        sampler.start()
    ct = times_of(coord.pid, tick)
    if sampler:
        sampler.stop.set()
        sampler.join()
    wall = time.perf_counter() - t0
    if ct is None:
        coord.kill()
    rc = coord.wait()
    a_own = w_cpu = 0.0
    per_agent = []
    for a in agents:
        at = times_of(a.pid, tick, 30.0)
        if at is None:
            a.kill()
            at = (0.0, 0.0)
        a_own += at[0]
        w_cpu += at[1]
        per_agent.append(at)
        a.wait()
    cores1 = core_busy(tick)
    # per CPU: what processes other than the sweep's kept it busy (the sweep's own CPU is
    # known per CPU when it is pinned; this bench's own polling is spread evenly)
    me = sum(os.times()[:2]) - me0
    other_core = {c: cores1[c] - cores0.get(c, cores1[c]) - me / len(cores1) for c in cores1}
    if place:
        other_core[ccpu] -= (ct[0] + ct[1]) if ct else 0.0
        for c, at in zip(acpus, per_agent):
            other_core[c] -= at[0] + at[1]
    other = cpu_busy(tick) - busy0 - me
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
    ship = None
    if imgs and sampler:
        # the shipping: from the agents' start to the last image acknowledged (the notes
        # count from each agent's HELLO, a few ms after its start: 20 ms allowed for it)
        secs, busy, cpus = sampler.window(t_agents, t_agents + max(t for _, t in imgs) + 0.02)
        others = dict(busy)
        if place:
            others[ccpu] -= cpus[0]
            for c, x in zip(acpus, cpus[1:]):
                others[c] -= x
        ship = {"seconds": secs, "coord_cpu": cpus[0], "agent_cpu": cpus[1:],
                "other_core": {c: max(0.0, v / secs) for c, v in others.items()}}
    return {"wall": wall, "sweep": float(m.group(3)) if m else wall,
            "jobs": int(m.group(4)) if m else 0, "coord_cpu": ct[0] if ct else 0.0, "agents_cpu": a_own,
            "workers_cpu": w_cpu, "per_agent": per_agent, "images": imgs, "stderr": se,
            "ship": ship,
            "other_core": {c: v / wall for c, v in other_core.items()},
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


def two_cpus():
    """The two CPUs the bench pins the sweep to: the first two this process may use."""
    cpus = sorted(os.sched_getaffinity(0))
    return cpus[0], cpus[1 % len(cpus)]


def place(n, how):
    """Where the coordinator and n agents run: (the coordinator's CPU, [each agent's CPU]) and
    the simulation's --place. "same": everything on the first CPU; "cross": the agents on
    the second; "rr": the coordinator on the first, agents alternating second, first, ..."""
    c0, c1 = two_cpus()
    idx = {"same": [0] * n, "cross": [1] * n, "rr": [(i + 1) % 2 for i in range(n)]}[how]
    return (c0, [(c0, c1)[i] for i in idx]), "0:" + ",".join(str(i) for i in idx)


def speeds(r):
    """Per core (the simulation's 0 and 1): the share of it other processes left to the
    sweep during run r (measured per CPU from /proc/stat, the sweep's own CPU taken out)."""
    c0, c1 = two_cpus()
    return ",".join("%.3f" % min(1.0, max(0.25, 1.0 - r["other_core"].get(c, 0.0)))
                    for c in (c0, c1))


def med_run(rs):
    """The medians of a configuration's runs (jobs/s, CPU per job of each process, the
    others' share of each CPU), and the best rate (the least disturbed run)."""
    m = {"rate": statistics.median(r["jobs"] / r["sweep"] for r in rs),
         "best": max(r["jobs"] / r["sweep"] for r in rs)}
    for k in ("coord_cpu", "agents_cpu", "workers_cpu"):
        m[k] = statistics.median(r[k] / r["jobs"] * 1e6 for r in rs)
    m["cpu"] = m["coord_cpu"] + m["agents_cpu"] + m["workers_cpu"]
    c0, c1 = two_cpus()
    m["other_core"] = {c: statistics.median(r["other_core"].get(c, 0.0) for r in rs)
                       for c in (c0, c1)}
    m["jobs"] = int(statistics.median(r["jobs"] for r in rs))
    return m


def dispatch_part(b, log):
    nmaps = 1000 if b.quick else 5000
    # 200 rows, not (c)'s 8: an image of a few hundred bytes is refused by the agents now
    csv = b.gen(200, 2)
    grid = "linearRegression.regParam=" + ",".join(str(i) for i in range(nmaps))
    args = ["--data", csv, "--pipeline", "linearRegression", "--grid", grid, "--folds", "2",
            "--seed", "1"]
    c0, c1 = two_cpus()
    log("  dispatch: %d near-empty jobs (200 x 2 rows), tune --listen on 127.0.0.1 with N agents "
        "of one slot each, every process pinned: the coordinator on CPU %d, the agents (each "
        "with its worker) on CPU %d, %d, %d, %d in turn" % (2 * nmaps, c0, c1, c0, c1, c0))
    meas = {}
    for n in ("same", "cross", 2, 3, 4):
        how = n if isinstance(n, str) else "rr"
        k = 1 if isinstance(n, str) else n
        meas[n] = med_run(b.measured(lambda: run_agents(b, args, k, "d%s" % n, 1,
                                                        place(k, how)[0]), b.runs))
    same, cross = meas["same"], meas["cross"]
    jobs = same["jobs"]
    # calibration, never from the runs predicted: one agent on the coordinator's CPU (a relay
    # on one core: the processes' own CPU per job, the hops' latency) and one agent on the
    # other CPU (every message crosses to the other core: the CPU such a wake-up costs; its
    # jobs/s is not used: it varies 2x with what else runs, its CPU per job does not)
    cost = {"coord": same["coord_cpu"], "agent": same["agents_cpu"],
            "worker": same["workers_cpu"], "cycle": 1e6 / same["best"]}
    common = ["--jobs", jobs, "--coord-us", cost["coord"], "--agent-us", cost["agent"],
              "--worker-us", cost["worker"], "--switch-us", 0, "--wake-us", 0]
    lat = max(0.0, cost["cycle"] - same["cpu"]) / 2
    cal = sim("local", "--agents", 1, "--place", place(1, "cross")[1], "--lat-us", lat,
              "--fit-cpu", cross["cpu"], *common)
    cost.update(lat=lat, wake=cal["wake_us"])
    log("  calibration (1 agent on the coordinator's CPU, %d runs): coordinator %.1f, agent "
        "%.1f, worker %.1f us of CPU per job; %.0f jobs/s at best (%.1f us per job: each hop "
        "%.1f us beyond the CPU)" % (b.runs, cost["coord"], cost["agent"], cost["worker"],
                                     same["best"], cost["cycle"], lat))
    log("  calibration (1 agent on the other CPU): %.0f us of CPU per job (%.0f jobs/s, not "
        "used): a message woken on the other CPU costs %.1f us of CPU more (%.1f such wake-ups "
        "per job)" % (cross["cpu"], cross["rate"], cost["wake"],
                      cal["cross_wakeups_per_job"]))
    wake = wake_cost(b, log)
    if wake is not None:
        log("  (pingpong's cross-CPU pass, %.1f us, is the same kind of cost for a bare pipe; "
            "a ZeroMQ message over TCP, two threads a side, costs %.1f us)" % (wake, cost["wake"]))
    log("  (the runs predicted below are not used by the calibration; 'others' is the share of "
        "each CPU other processes took during the run, /proc/stat less the sweep's own CPU)")
    rows = []
    figs = {"calibration_us": cost}
    for n in (2, 3, 4):
        m = meas[n]
        base = ["local", "--agents", n, "--place", place(n, "rr")[1], "--lat-us", lat] + \
            common[:-1] + [cost["wake"]]
        # the prediction is the simulation on whole cores: these processes run in bursts of
        # tens of microseconds and sleep between, and the kernel runs a thread woken from
        # sleep ahead of ones that kept running (CFS), so other processes take the time the
        # sweep leaves rather than slowing it; "less others" is the bound if they did not
        quiet = sim(*base)
        busy = sim(*(base + ["--speeds", speeds(m)]))
        p = quiet["jobs_per_s"]
        err = (p - m["rate"]) / m["rate"]
        rows.append([n, "%.0f" % m["rate"], "%.0f" % p, "%.0f" % busy["jobs_per_s"],
                     "%+.0f%%" % (100 * err), "pass" if abs(err) <= 0.25 else "FAIL",
                     "%.0f / %.0f" % (m["cpu"], quiet["cpu_us_per_job"]),
                     "%.2f / %.2f" % (m["other_core"][c0], m["other_core"][c1])])
        figs["agents%d" % n] = {"measured": m["rate"], "predicted": p,
                                "predicted_less_others": busy["jobs_per_s"],
                                "cpu_measured": m["cpu"], "cpu_predicted": quiet["cpu_us_per_job"],
                                "others": m["other_core"]}
        b.target("(o) simulated dispatch rate with %d agents within 25%% of the measured"
                 % n, "%.0f predicted, %.0f measured jobs/s (%+.0f%%)" % (p, m["rate"], 100 * err),
                 abs(err) <= 0.25)
    b.table(["agents", "measured jobs/s", "simulated", "sim less others", "error",
             "25%", "CPU us/job measured / sim", "others CPU %d / %d" % (c0, c1)], rows)
    return figs


def ship_run(b, args, n, how):
    """One shipping run to n agents placed `how` (place()): the time until every agent has its
    image, the coordinator's and the agents' CPU during it, the others' share of each CPU."""
    r = run_agents(b, args, n, "s%s%d" % (how, n), 1, place(n, how)[0], sample=True)
    if len(r["images"]) != n or not r["ship"]:
        r["other_cores"] = 99.0  # not every agent reported its image: repeated
        r["all"] = None
        return r
    r["all"] = max(t for _, t in r["images"])
    r["mb"] = r["images"][0][0]
    r["other_cores"] = sum(r["ship"]["other_core"].values())
    return r


def shipping_part(b, log):
    rows_n = 50000 if b.quick else 200000
    csv = b.gen(rows_n, 50)
    args = ["--data", csv, "--pipeline", "linearRegression", "--grid",
            "linearRegression.regParam=0.1", "--folds", "2", "--seed", "1"]
    c0, c1 = two_cpus()
    log("  shipping: %d x 50 (image %.0f MB) to N agents placed as above; the time until every "
        "node has its image, from the coordinator's notes; CPU and the others' share of each "
        "CPU sampled during it" % (rows_n, rows_n * 51 * 8 / 1e6))
    meas = {}
    for n in ("cross", "same", 2, 3, 4):
        how = n if isinstance(n, str) else "rr"
        k = 1 if isinstance(n, str) else n
        ok = [r for r in b.measured(lambda: ship_run(b, args, k, how), b.runs) if r["all"]]
        if ok:
            med = statistics.median
            meas[n] = {"mb": ok[0]["mb"], "all": med(r["all"] for r in ok),
                       "coord": med(r["ship"]["coord_cpu"] for r in ok),
                       "agent": med(sum(r["ship"]["agent_cpu"]) / k for r in ok),
                       "other": {c: med(r["ship"]["other_core"].get(c, 0.0) for r in ok)
                                 for c in (c0, c1)}}
        else:
            log("  shipping to %s agents: no run where every agent reported its image" % n)
    if "cross" not in meas:
        return {}
    cal = meas["cross"]
    mb = cal["mb"]
    # calibration, never from the runs predicted: one agent on the other CPU than the
    # coordinator's; the CPU each side spent during the shipping, per byte
    send = cal["coord"] / (mb * 1e6) * 1e9
    recv = cal["agent"] / (mb * 1e6) * 1e9
    log("  calibration (1 agent on the other CPU, %d runs): %.1f MB in %.3f s (%.0f MB/s); CPU "
        "during it: the coordinator %.3f s (%.2f ns/byte to send: encryption, the copy), the "
        "agent %.3f s (%.2f ns/byte to receive: decryption, CRC-32C, the copy into shared "
        "memory)" % (b.runs, mb, cal["all"], mb / cal["all"], cal["coord"], send, cal["agent"],
                     recv))
    log("  (the runs predicted below are not used by the calibration; 'others' is the share of "
        "each CPU other processes took during the shipping)")
    rows = []
    figs = {"calibration": {"send_ns_per_byte": send, "recv_ns_per_byte": recv}}
    for n in ("cross", "same", 2, 3, 4):
        if n not in meas:
            continue
        k = 1 if isinstance(n, str) else n
        m = meas[n]
        sp = ",".join("%.3f" % min(1.0, max(0.25, 1.0 - m["other"][c])) for c in (c0, c1))
        base = ["shiplocal", "--agents", k, "--place", place(k, "rr" if k > 1 else n)[1],
                "--mb", mb, "--coord-ns-per-byte", send, "--agent-ns-per-byte", recv,
                "--lat-us", 0]
        quiet = sim(*base)["seconds"]
        p = sim(*(base + ["--speeds", sp]))["seconds"]
        err = (p - m["all"]) / m["all"]
        label = {"cross": "1 (other CPU)", "same": "1 (same CPU)"}.get(n, str(n))
        rows.append([label, "%.3f s" % m["all"], "%.0f MB/s" % (k * mb / m["all"]),
                     "%.3f s" % quiet, "%.3f s" % p, "%.0f MB/s" % (k * mb / p),
                     "%+.0f%%" % (100 * err),
                     "calibration" if n == "cross" else "pass" if abs(err) <= 0.25 else "FAIL",
                     "%.2f / %.2f" % (m["other"][c0], m["other"][c1])])
        figs["agents_%s" % n] = {"measured_s": m["all"], "predicted_s": p,
                                 "predicted_quiet_s": quiet, "others": m["other"]}
        if isinstance(n, int):
            b.target("(o) simulated time until %d agents have the image within 25%% of the "
                     "measured" % n, "%.3f s predicted, %.3f s measured (%+.0f%%)" % (
                         p, m["all"], 100 * err), abs(err) <= 0.25)
    b.table(["agents", "every image after", "shipped", "sim (idle cores)", "sim (less others)",
             "shipped (sim)", "error", "25%", "others CPU %d / %d" % (c0, c1)], rows)
    return figs


def workload_s(b, log, figs):
    log("\n(o) scale-out model (tools/scaleout_sim.py, docs/scale-out.md) against 1-4 local "
        "agents over CURVE TCP")
    if not os.access(os.path.join(b.bin, "paratune-agent"), os.X_OK):
        log("  no paratune-agent in %s; skipped" % b.bin)
        return
    with open("/proc/loadavg") as f:
        load0 = " ".join(f.read().split()[:3])
    log("  load average at the start: %s (the machine's other users; see 'others' below)" % load0)
    figs["s"] = {"dispatch": dispatch_part(b, log), "shipping": shipping_part(b, log)}
    with open("/proc/loadavg") as f:
        log("  load average at the end: %s" % " ".join(f.read().split()[:3]))
