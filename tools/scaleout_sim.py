#!/usr/bin/python3
"""scaleout_sim.py - a discrete-event simulation of a paratune sweep over many nodes: the
coordinator's dispatch, the agents, their workers, the network and the result log. It checks
the model of docs/scale-out.md: where one coordinator saturates (jobs/s) and what batched job
messages, agents that schedule their own share and a hierarchical fan-out do then.

What is simulated. Every process is one thread that runs CPU bursts in order; a burst needs a
core of its host (a FIFO of waiting threads per host, so processes that share a machine slow
each other down, as the agents and workers on this 2-core test host do). Messages cross a
link with a latency and a bandwidth (the sender's uplink is a FIFO). A job is: a coordinator
burst (encode + send), the link, an agent burst (relay to a worker), the worker's fit, an
agent burst (relay the result), the link, a coordinator burst (decode, account, log write).
Designs (--design):
  direct      one message per job and per result (paratune's protocol today)
  batched:B   up to B jobs per message, results sent back in batches of up to B
  share:G     agents schedule their own share: they pull ranges of G jobs (one small
              message each), run them on their workers, return results in batches
  tree:F      hierarchical fan-out: the root talks to relays, each relay to F agents
              (share mode below it); the root only merges result batches and writes the log
Costs are per job or per message, in microseconds of CPU, calibrated on this machine (see
docs/scale-out.md and `calibrate`); the dataset shipping is simulated chunk by chunk.

Commands:
  scaleout_sim.py table [--fit-ms MS] [--slots S]   the scale table of docs/scale-out.md
  scaleout_sim.py run --nodes N [--design D] [...]  one sweep; prints jobs/s and utilisations
  scaleout_sim.py ship --nodes N --mb MB [--fanout F] [--gbps G]
                                                    time until every node has its image
  scaleout_sim.py local --agents N --coord-us C --agent-us A --worker-us W --jobs J
                        [--cores K] [--slots S] [--parallelism P]
                                                    the localhost case the tests measure:
                                                    every process on one host of K cores
  scaleout_sim.py shiplocal --agents N --mb MB --coord-ns-per-byte X --agent-ns-per-byte Y
                        [--cores K]                 the localhost shipping the tests measure
Every command prints plain text; `--json` prints one JSON object instead.
"""
import argparse
import collections
import heapq
import json
import math
import random
import sys


class Sim:
    """The event loop: callbacks at simulated times (seconds), in time then insertion order."""

    def __init__(self):
        self.now = 0.0
        self.heap = []
        self.seq = 0

    def at(self, t, fn, *args):
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, fn, args))

    def run(self, until=math.inf):
        while self.heap and self.heap[0][0] <= until:
            t, _, fn, args = heapq.heappop(self.heap)
            self.now = t
            fn(*args)


class Host:
    """A machine: `cores` cores shared by its threads, first come first served. A fractional
    count (the CPU other processes leave to the sweep) is ceil(cores) cores, each running
    bursts at the speed cores / ceil(cores)."""

    def __init__(self, sim, cores):
        self.sim = sim
        self.free = max(1, math.ceil(cores))
        self.speed = cores / self.free
        self.wait = collections.deque()

    def release(self):
        if self.wait:
            self.wait.popleft().start()
        else:
            self.free += 1


class Proc:
    """One thread on a host: runs its CPU bursts one after another, each on a free core."""

    def __init__(self, sim, host):
        self.sim = sim
        self.host = host
        self.q = collections.deque()
        self.busy = False
        self.waiting = False
        self.used = 0.0

    def burst(self, cost, cb, *args):
        self.q.append((cost, cb, args))
        self.kick()

    def kick(self):
        if self.busy or self.waiting or not self.q:
            return
        if self.host.free > 0:
            self.host.free -= 1
            self.start()
        else:
            self.waiting = True
            self.host.wait.append(self)

    def start(self):
        self.waiting = False
        self.busy = True
        cost = self.q[0][0] / self.host.speed
        self.used += cost
        self.sim.at(self.sim.now + cost, self.done)

    def done(self):
        _, cb, args = self.q.popleft()
        self.busy = False
        self.host.release()
        cb(*args)
        self.kick()


class Link:
    """A sender's uplink: messages leave one after another at `bw` bytes/s, arrive `lat` later."""

    def __init__(self, sim, bw, lat):
        self.sim = sim
        self.bw = bw
        self.lat = lat
        self.free_at = 0.0

    def send(self, nbytes, cb, *args):
        start = max(self.sim.now, self.free_at)
        self.free_at = start + nbytes / self.bw
        self.sim.at(self.free_at + self.lat, cb, *args)


# ------------------------------------------------------------------ the sweep model

DEFAULTS = {
    # coordinator CPU, microseconds (calibrated: docs/scale-out.md, "Calibration")
    "c_msg": 9.0,       # one message sent or received: system calls, ZeroMQ, poll turn
    "c_item": 2.0,      # one job encoded or one result decoded and accounted
    "c_log": 3.0,       # one result record packed and written to the log
    # agent CPU per job (relay to a worker and back), microseconds
    "a_job": 20.0,
    "a_msg": 9.0,
    # worker CPU beyond the fit itself (receive, reply), microseconds
    "w_job": 15.0,
    # network
    "lat": 50e-6,       # one-way latency, seconds
    "gbps": 10.0,       # link bandwidth, Gbit/s
    "job_bytes": 120,
    "res_bytes": 160,
}


class Sweep:
    """One sweep of `jobs` jobs on `nodes` agents of `slots` workers each."""

    def __init__(self, a):
        self.a = a
        self.sim = Sim()
        self.rng = random.Random(a.seed)
        k = vars(a)
        self.c = {n: k[n] if k.get(n) is not None else v for n, v in DEFAULTS.items()}
        bw = self.c["gbps"] * 1e9 / 8
        if not a.jobs:
            a.jobs = max(2000, 6 * a.nodes * a.slots)
        self.queue = a.jobs
        self.done = 0
        self.stamps = []
        design = a.design.split(":")
        self.kind = design[0]
        self.batch = int(design[1]) if len(design) > 1 else 1
        self.coord = Proc(self.sim, Host(self.sim, 1))
        self.clink = Link(self.sim, bw, self.c["lat"])
        self.relays = []
        if self.kind == "tree":
            for _ in range(max(1, math.ceil(a.nodes / self.batch))):
                self.relays.append({"proc": Proc(self.sim, Host(self.sim, 1)),
                                    "link": Link(self.sim, bw, self.c["lat"]),
                                    "stock": 0, "asking": False, "out": 0, "waiters": []})
        self.agents = []
        cap = a.parallelism or a.nodes * a.slots
        for i in range(a.nodes):
            h = Host(self.sim, a.cores or a.slots + 1)
            share = cap // a.nodes + (1 if i < cap % a.nodes else 0)
            ag = {"proc": Proc(self.sim, h), "link": Link(self.sim, bw, self.c["lat"]),
                  "slots": min(a.slots, share),
                  "credit": min(a.slots, share) * (2 if self.kind == "batched" else 1),
                  "pending": 0, "asking": False, "out": 0,
                  "relay": self.relays[i % len(self.relays)] if self.relays else None}
            ag["idle"] = [Proc(self.sim, h) for _ in range(min(a.slots, share))]
            self.agents.append(ag)

    def us(self, *names, n=1):
        return sum(self.c[x] for x in names) * n * 1e-6

    def fit_time(self):
        m = self.a.fit_ms / 1e3
        if self.a.fit_cv <= 0 or m <= 0:
            return m
        s = math.sqrt(math.log(1 + self.a.fit_cv ** 2))
        return self.rng.lognormvariate(math.log(m) - s * s / 2, s)

    # --- direct and batched: the coordinator pushes jobs while an agent has credit
    def push(self, ag):
        while ag["credit"] > 0 and self.queue > 0:
            n = min(self.batch, self.queue, ag["credit"])
            self.queue -= n
            ag["credit"] -= n
            self.coord.burst(self.us("c_msg") + self.us("c_item", n=n), self.clink.send,
                             n * self.c["job_bytes"], self.agent_jobs, ag, n)

    def agent_jobs(self, ag, n):
        ag["pending"] += n
        ag["proc"].burst(self.us("a_msg") + self.us("a_job", n=n) / 2, self.start_fits, ag)

    # --- share and tree: agents pull ranges of jobs and schedule them themselves
    def pull(self, ag):
        if ag["asking"] or ag["pending"] >= ag["slots"] or self.queue <= 0 and not ag["relay"]:
            return
        ag["asking"] = True
        if ag["relay"]:
            ag["proc"].burst(self.us("a_msg"), ag["link"].send, 64, self.relay_ask, ag)
        else:
            ag["proc"].burst(self.us("a_msg"), ag["link"].send, 64, self.coord_ask, ag)

    def coord_ask(self, ag):
        def grant():
            n = min(self.batch, self.queue)
            self.queue -= n
            self.clink.send(64, self.granted, ag, n)
        self.coord.burst(self.us("c_msg"), grant)

    def relay_ask(self, ag):
        r = ag["relay"]
        r["waiters"].append(ag)
        r["proc"].burst(self.us("a_msg"), self.relay_serve, r)

    def relay_serve(self, r):
        while r["waiters"] and r["stock"] > 0:
            ag = r["waiters"].pop(0)
            n = min(self.a.pull, r["stock"])
            r["stock"] -= n
            r["link"].send(64, self.granted, ag, n)
        if r["stock"] < self.batch * self.a.pull and not r["asking"] and self.queue > 0:
            r["asking"] = True
            r["link"].send(64, lambda: self.coord.burst(self.us("c_msg"), self.relay_grant, r))
        elif r["waiters"] and self.queue <= 0 and r["stock"] <= 0 and not r["asking"]:
            for ag in r["waiters"]:
                ag["asking"] = False
            r["waiters"] = []

    def relay_grant(self, r):
        n = min(self.batch * self.a.pull, self.queue)
        self.queue -= n

        def got():
            r["stock"] += n
            r["asking"] = False
            r["proc"].burst(self.us("a_msg"), self.relay_serve, r)
        self.clink.send(64, got)

    def granted(self, ag, n):
        ag["proc"].burst(self.us("a_msg"), self.got_range, ag, n)

    def got_range(self, ag, n):
        ag["asking"] = False
        ag["pending"] += n
        self.start_fits(ag)
        if n > 0:
            self.pull(ag)

    # --- on every agent
    def start_fits(self, ag):
        while ag["idle"] and ag["pending"] > 0:
            ag["pending"] -= 1
            w = ag["idle"].pop()
            w.burst(self.fit_time() + self.us("w_job"), self.fit_done, ag, w)
        if self.kind in ("share", "tree"):
            self.pull(ag)

    def fit_done(self, ag, w):
        ag["idle"].append(w)
        ag["out"] += 1
        ag["proc"].burst(self.us("a_job") / 2, self.result_in, ag)

    def result_in(self, ag):
        """Results leave one per message (direct), or in batches: when the batch is full or
        `linger` after its first result (so a batch waits at most that long)."""
        self.start_fits(ag)
        limit = 1 if self.kind == "direct" else self.batch if self.kind != "tree" else self.a.pull
        self.flush_later(ag, limit, lambda n: ag["proc"].burst(self.us("a_msg"), self.agent_send, ag, n))

    def flush_later(self, box, limit, send):
        if box["out"] >= limit:
            n, box["out"] = box["out"], 0
            box["timer"] = box.get("timer", 0) + 1
            send(n)
        elif box["out"] and box.get("armed") != box.get("timer", 0):
            box["armed"] = box.get("timer", 0)
            gen = box["armed"]

            def fire():
                if box.get("timer", 0) == gen and box["out"]:
                    n, box["out"] = box["out"], 0
                    box["timer"] = gen + 1
                    send(n)
            self.sim.at(self.sim.now + self.a.linger_ms / 1e3, fire)

    def agent_send(self, ag, n):
        dest = self.relay_results if ag["relay"] else self.coord_results
        ag["link"].send(n * self.c["res_bytes"], dest, ag, n)

    def relay_results(self, ag, n):
        r = ag["relay"]

        def merged():
            r["out"] += n
            self.flush_later(r, self.batch * self.a.pull,
                             lambda m: r["link"].send(m * self.c["res_bytes"], self.coord_results, ag, m))
        r["proc"].burst(self.us("a_msg") + self.us("c_item", n=n), merged)

    def coord_results(self, ag, n):
        self.coord.burst(self.us("c_msg") + self.us("c_item", "c_log", n=n), self.accounted, ag, n)

    def accounted(self, ag, n):
        self.done += n
        self.stamps.append((self.sim.now, self.done))
        if self.kind in ("direct", "batched"):
            ag["credit"] += n
            self.push(ag)

    def run(self):
        for ag in self.agents:
            self.sim.at(0.0, self.push if self.kind in ("direct", "batched") else self.pull, ag)
        self.sim.run()
        t = self.stamps[-1][0] if self.stamps else 0.0
        return {"nodes": self.a.nodes, "slots": self.a.slots, "design": self.a.design,
                "jobs": self.done, "seconds": t, "jobs_per_s": steady_rate(self.stamps),
                "coord_util": self.coord.used / t if t > 0 else 0.0,
                "ideal_jobs_per_s": ideal(self.a)}


def steady_rate(stamps):
    """Jobs/s between 20% and 80% of the jobs done: the steady state, without the start (the
    first fits) and the tail (the last fits ending one by one)."""
    if len(stamps) < 2:
        return 0.0
    total = stamps[-1][1]
    lo = next(s for s in stamps if s[1] >= 0.2 * total)
    hi = next(s for s in stamps if s[1] >= 0.8 * total)
    if hi[0] <= lo[0]:
        return total / stamps[-1][0] if stamps[-1][0] > 0 else 0.0
    return (hi[1] - lo[1]) / (hi[0] - lo[0])


def ideal(a):
    """Jobs/s of the workers alone (every slot always busy, no coordinator cost)."""
    per = a.fit_ms / 1e3 + DEFAULTS["w_job"] * 1e-6
    return min(a.parallelism or a.nodes * a.slots, a.nodes * a.slots) / per


# ------------------------------------------------------------------ shipping

def ship(nodes, nbytes, gbps, fanout, chunk=4 << 20, lat=50e-6, cpu_coord=0.0, cpu_agent=0.0,
         cores=None):
    """Seconds until every node holds the image: the coordinator sends the dataset in chunks
    with a window per receiver; fanout 0: straight to every node (its uplink carries N copies);
    fanout F: over a tree in which each node forwards every chunk to F children as it arrives.
    cpu_coord / cpu_agent: seconds of CPU per byte to send / receive (checksum, shm write);
    cores: when given, every process shares one host of that many cores (the localhost case)."""
    sim = Sim()
    bw = gbps * 1e9 / 8
    nchunks = max(1, math.ceil(nbytes / chunk))
    size = [min(chunk, nbytes - i * chunk) for i in range(nchunks)]
    shared = Host(sim, cores) if cores else None
    procs = [Proc(sim, shared or Host(sim, 1)) for _ in range(nodes + 1)]
    links = [Link(sim, bw, lat) for _ in range(nodes + 1)]
    got = [0] * (nodes + 1)
    finish = [0.0]
    kids = {}
    if fanout <= 0:
        kids[0] = list(range(1, nodes + 1))
    else:
        for v in range(1, nodes + 1):
            kids.setdefault((v - 1) // fanout if v > fanout else 0, []).append(v)

    def arrive(v, i):
        procs[v].burst(size[i] * cpu_agent, stored, v, i)

    def stored(v, i):
        got[v] += 1
        if got[v] == nchunks:
            finish[0] = max(finish[0], sim.now)
        forward(v, i)

    def forward(v, i):
        for k in kids.get(v, []):
            procs[v].burst(size[i] * cpu_coord, links[v].send, size[i], arrive, k, i)

    for i in range(nchunks):
        forward(0, i)
    sim.run()
    return finish[0]


# ------------------------------------------------------------------ commands

def sweep_args(**kw):
    a = argparse.Namespace(nodes=2, slots=32, cores=None, parallelism=0, jobs=0, fit_ms=100.0,
                           fit_cv=0.3, design="direct", seed=1, pull=64,
                           linger_ms=1.0)
    for n in DEFAULTS:
        setattr(a, n, None)
    for k, v in kw.items():
        setattr(a, k, v)
    return a


def cmd_table(a):
    designs = ["direct", "batched:16", "share:64", "tree:32"]
    rows = []
    for n in (10, 30, 100, 300, 1000):
        row = {"nodes": n, "ideal": ideal(sweep_args(nodes=n, slots=a.slots, fit_ms=a.fit_ms))}
        for d in designs:
            r = Sweep(sweep_args(nodes=n, slots=a.slots, fit_ms=a.fit_ms, design=d,
                                 jobs=4 * n * a.slots, linger_ms=a.linger_ms)).run()
            row[d] = r["jobs_per_s"]
            row[d + " util"] = r["coord_util"]
        row["ship direct s"] = ship(n, a.mb * 1e6, 10.0, 0)
        row["ship tree s"] = ship(n, a.mb * 1e6, 10.0, 2)
        rows.append(row)
    if a.json:
        print(json.dumps(rows))
        return
    print("fits of %.0f ms (cv %.1f), %d slots per node, 10 Gbit/s links, %.0f MB dataset" % (
        a.fit_ms, 0.3, a.slots, a.mb))
    print("%6s %10s" % ("nodes", "ideal") + "".join("%17s" % d for d in designs) +
          "%11s %9s" % ("ship 1:N", "ship tree"))
    for r in rows:
        print("%6d %10.0f" % (r["nodes"], r["ideal"]) +
              "".join("%11.0f (%2.0f%%)" % (r[d], 100 * r[d + " util"]) for d in designs) +
              "%10.1fs %8.1fs" % (r["ship direct s"], r["ship tree s"]))


def cmd_run(a):
    r = Sweep(a).run()
    print(json.dumps(r) if a.json else
          "%(nodes)d nodes x %(slots)d slots, %(design)s: %(jobs_per_s).0f jobs/s "
          "(workers alone %(ideal_jobs_per_s).0f), coordinator busy %(coord_util).0f%%" %
          dict(r, coord_util=100 * r["coord_util"]))


def local_cpu_share(cores):
    """The speed of one core of a host with `cores` (possibly fractional) cores."""
    return cores / max(1, math.ceil(cores))


def cmd_local(a):
    """Every process on one host of `cores` cores (what other processes leave to the sweep:
    a fraction is a slower core). The costs are the measured CPU per job of the coordinator
    (half per message: the job out, the result in), of an agent and of a worker; `cycle_us`
    is one slot's measured time per job with one agent (its jobs strictly one after
    another) on a host of `cycle_cores` cores; its part beyond the CPU is the latency of the
    four hops (coordinator, agent, worker and back: ZeroMQ I/O threads waking up), split
    over the two links."""
    cpu = a.coord_us + a.agent_us + a.worker_us
    if a.cycle_us:
        lat = max(0.0, a.cycle_us - cpu / local_cpu_share(a.cycle_cores or a.cores)) / 2
    else:
        lat = a.lat_us
    s = sweep_args(nodes=a.agents, slots=a.slots, cores=None, parallelism=a.parallelism,
                   jobs=a.jobs, fit_ms=0.0, fit_cv=0.0, design="direct",
                   c_msg=a.coord_us / 2, c_item=0.0, c_log=0.0, a_job=a.agent_us, a_msg=0.0,
                   w_job=a.worker_us, lat=lat * 1e-6, gbps=100.0, linger_ms=0.0)
    sw = Sweep(s)
    host = Host(sw.sim, a.cores)
    sw.coord.host = host
    for ag in sw.agents:
        ag["proc"].host = host
        for w in ag["idle"]:
            w.host = host
    r = sw.run()
    r["latency_us"] = lat
    print(json.dumps(r) if a.json else "%d agents on %g cores: %.0f jobs/s predicted" % (
        a.agents, a.cores, r["jobs_per_s"]))


def cmd_ship(a):
    t = ship(a.nodes, a.mb * 1e6, a.gbps, a.fanout)
    print(json.dumps({"seconds": t}) if a.json else
          "%d nodes, %.0f MB, %s: every node has its image after %.2f s" % (
              a.nodes, a.mb, "fan-out %d" % a.fanout if a.fanout else "direct", t))


def cmd_shiplocal(a):
    t = ship(a.agents, a.mb * 1e6, 1000.0, 0, chunk=1 << 20, lat=20e-6,
             cpu_coord=a.coord_ns_per_byte * 1e-9, cpu_agent=a.agent_ns_per_byte * 1e-9,
             cores=a.cores)
    print(json.dumps({"seconds": t}) if a.json else
          "%d agents on %d cores, %.0f MB: every image after %.3f s predicted" % (
              a.agents, a.cores, a.mb, t))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("table")
    t.add_argument("--fit-ms", type=float, default=100.0)
    t.add_argument("--slots", type=int, default=32)
    t.add_argument("--mb", type=float, default=1000.0)
    t.add_argument("--linger-ms", type=float, default=5.0)
    r = sub.add_parser("run")
    r.add_argument("--nodes", type=int, required=True)
    r.add_argument("--slots", type=int, default=32)
    r.add_argument("--cores", type=int)
    r.add_argument("--parallelism", type=int, default=0)
    r.add_argument("--jobs", type=int, default=0)
    r.add_argument("--fit-ms", type=float, default=100.0)
    r.add_argument("--fit-cv", type=float, default=0.3)
    r.add_argument("--design", default="direct")
    r.add_argument("--pull", type=int, default=64)
    r.add_argument("--linger-ms", type=float, default=1.0)
    r.add_argument("--seed", type=int, default=1)
    for n in DEFAULTS:
        r.add_argument("--" + n.replace("_", "-"), dest=n, type=float)
    s = sub.add_parser("ship")
    s.add_argument("--nodes", type=int, required=True)
    s.add_argument("--mb", type=float, required=True)
    s.add_argument("--gbps", type=float, default=10.0)
    s.add_argument("--fanout", type=int, default=0)
    lo = sub.add_parser("local")
    lo.add_argument("--agents", type=int, required=True)
    lo.add_argument("--cores", type=float, default=2)
    lo.add_argument("--cycle-cores", type=float, default=0.0)
    lo.add_argument("--slots", type=int, default=1)
    lo.add_argument("--parallelism", type=int, default=0)
    lo.add_argument("--jobs", type=int, default=20000)
    lo.add_argument("--coord-us", type=float, required=True)
    lo.add_argument("--agent-us", type=float, required=True)
    lo.add_argument("--worker-us", type=float, required=True)
    lo.add_argument("--lat-us", type=float, default=20.0)
    lo.add_argument("--cycle-us", type=float, default=0.0)
    sl = sub.add_parser("shiplocal")
    sl.add_argument("--agents", type=int, required=True)
    sl.add_argument("--cores", type=float, default=2)
    sl.add_argument("--mb", type=float, required=True)
    sl.add_argument("--coord-ns-per-byte", type=float, required=True)
    sl.add_argument("--agent-ns-per-byte", type=float, required=True)
    for p in (t, r, s, lo, sl):
        p.add_argument("--json", action="store_true")
    a = ap.parse_args()
    {"table": cmd_table, "run": cmd_run, "ship": cmd_ship, "local": cmd_local,
     "shiplocal": cmd_shiplocal}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
