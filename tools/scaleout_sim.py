#!/usr/bin/python3
"""scaleout_sim.py - a discrete-event simulation of a paratune sweep over many nodes: the
coordinator's dispatch, the agents, their workers, the network and the result log. It checks
the model of docs/scale-out.md: where one coordinator saturates (jobs/s) and what batched job
messages, agents that schedule their own share and a hierarchical fan-out do then.

What is simulated. Every process is one thread that runs CPU bursts in order; a burst needs a
core of its host (a run queue per core, threads pinned to a core or placed as the kernel
places them, with the cost of context switches and cross-CPU wake-ups: Host; so processes
that share a machine slow each other down, as the agents and workers on this 2-core test
host do). Messages cross a
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
docs/scale-out.md and tests/bench/scaleout.py); the dataset shipping is simulated chunk by
chunk, with a window of unacknowledged chunks per receiver.

Commands:
  scaleout_sim.py table [--fit-ms MS] [--slots S]   the scale table of docs/scale-out.md
  scaleout_sim.py run --nodes N [--design D] [...]  one sweep; prints jobs/s and utilisations
  scaleout_sim.py ship --nodes N --mb MB [--fanout F] [--gbps G]
                                                    time until every node has its image
  scaleout_sim.py local --agents N --coord-us C --agent-us A --worker-us W --jobs J
                        [--cores K] [--slots S] [--wake-us X]
                        [--switch-us Y | --fit-rate R]
                        [--place C:A1,A2,... [--speeds S0,S1] [--fit-cpu U]]
                                                    the localhost case the tests measure:
                                                    every process on one host of K cores
  scaleout_sim.py shiplocal --agents N --mb MB --coord-ns-per-byte X --agent-ns-per-byte Y
                        [--cores K] [--window W] [--lat-us L | --fit-seconds S]
                        [--place C:A1,A2,... [--speeds S0,S1]]
                                                    the localhost shipping the tests measure
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
    """A machine: `cores` cores, each with its own run queue, shared by its threads. A
    fractional count (the CPU other processes leave to the sweep) is ceil(cores) cores, each
    running bursts at the speed cores / ceil(cores); `speeds` instead gives each core its own
    (the share of it other processes leave). A thread pinned to a core (Proc.pin, as taskset
    does) runs there only, and a wake-up by a thread on another core costs it `wake` more
    CPU. The placement of the other threads follows the kernel's:
      - a thread woken by another's message joins its waker's core (wake-affine: the waker
        is about to sleep, and the wakee will use what the waker just wrote); a thread that
        starts on its own stays on its last core;
      - a core whose run queue is empty takes a waiting thread from another core only once it
        has been idle `spread` seconds (the kernel's migration cost, 0.5 ms: shorter idle
        spells are not worth pulling a cache-hot thread over);
      - a wake-up whose thread has to queue behind another runnable thread costs `switch`
        seconds of CPU (a real context switch, each thread's cache lines evicted by the
        other's), one whose thread runs on another core than its waker's costs `wake` more
        (the inter-processor interrupt, the idle core's exit, the cache lines moving).
    So a relay of processes handing each other the CPU (one agent) runs on one core at no
    extra cost, and more runnable threads than that add the switches."""

    def __init__(self, sim, cores, wake=0.0, switch=0.0, spread=0.5e-3, speeds=None):
        self.sim = sim
        n = len(speeds) if speeds else max(1, math.ceil(cores))
        self.speed = cores / n if not speeds else 1.0
        # per core: the share of it other processes leave to these threads
        self.speeds = list(speeds) if speeds else [self.speed] * n
        self.n = n
        self.running = [None] * n
        self.queues = [collections.deque() for _ in range(n)]
        self.idle_since = [0.0] * n
        self.wake = wake
        self.switch = switch
        self.spread = spread
        self.cross = 0
        self.switches = 0
        self.timer = [False] * n

    def place(self, proc):
        """Queues proc on its core (its own when pinned, else its waker's, else its last, else
        an idle one)."""
        if proc.pin is not None:
            core = proc.pin
        else:
            core = proc.want if proc.want is not None else proc.last
        if core is None:
            core = next((c for c in range(self.n) if self.running[c] is None), 0)
        proc.queued_at = self.sim.now
        # the wakee runs right after its waker (a hand-off) unless others queue there too
        proc.first = self.running[core] in (None, proc.src) and not self.queues[core]
        self.queues[core].append(proc)
        self.next(core)
        for c in range(self.n):
            if self.running[c] is None and not self.queues[c]:
                self.balance_later(c)

    def next(self, core):
        if self.running[core] is not None:
            return
        if not self.queues[core]:
            self.idle_since[core] = self.sim.now
            self.balance_later(core)
            return
        p = self.queues[core].popleft()
        self.running[core] = p
        p.start(core, self.charge(p, core))

    def balance_later(self, core):
        if self.spread <= 0 or self.timer[core]:
            return
        self.timer[core] = True
        self.sim.at(max(self.sim.now, self.idle_since[core] + self.spread), self.balance, core)

    def balance(self, core):
        """An idle core pulls the thread that waits longest on another core."""
        self.timer[core] = False
        if self.running[core] is not None or self.queues[core]:
            return
        if self.sim.now < self.idle_since[core] + self.spread:
            self.balance_later(core)
            return
        waiting = [(q[0].queued_at, c) for c, q in enumerate(self.queues)
                   if q and c != core and q[0].pin is None]
        if waiting:
            p = self.queues[min(waiting)[1]].popleft()
            self.running[core] = p
            p.start(core, self.charge(p, core))

    def charge(self, proc, core):
        """The CPU a burst costs beyond its own: see the class comment."""
        if proc.pin is not None:
            # pinned (taskset): a message from a thread on another core costs `wake`, whether
            # or not that core was idle (the bench's calibration measures it so)
            if proc.woken and proc.src is not None and proc.src.core != core:
                self.cross += 1
                return self.wake
            return 0.0
        if proc.want is None:
            return 0.0
        extra = 0.0
        if not proc.first:
            self.switches += 1
            extra += self.switch
        if core != proc.want:
            self.cross += 1
            extra += self.wake
        return extra

    def release(self, core):
        self.running[core] = None
        self.next(core)


class Proc:
    """One thread on a host: runs its CPU bursts one after another on a core of its host. A
    burst given `src` (the thread whose message it handles) while this thread sleeps (nothing
    running or queued) is a wake-up by src (see Host)."""

    def __init__(self, sim, host):
        self.sim = sim
        self.host = host
        self.q = collections.deque()
        self.busy = False
        self.waiting = False
        self.used = 0.0
        self.core = None
        self.want = None
        self.last = None
        self.first = True
        self.queued_at = 0.0
        self.src = None
        self.pin = None         # the one core this thread may run on (taskset), or None
        self.woken = False

    def burst(self, cost, cb, *args, src=None):
        if not self.busy and not self.waiting and not self.q:
            self.want = src.core if src is not None and src.host is self.host else None
            self.src = src
            self.woken = src is not None
        self.q.append((cost, cb, args))
        self.kick()

    def kick(self):
        if self.busy or self.waiting or not self.q:
            return
        self.waiting = True
        self.host.place(self)

    def start(self, core, extra):
        self.waiting = False
        self.busy = True
        self.core = core
        self.last = core
        self.want = None
        self.used += self.q[0][0] + extra
        cost = (self.q[0][0] + extra) / self.host.speeds[core]
        self.sim.at(self.sim.now + cost, self.done)

    def done(self):
        _, cb, args = self.q.popleft()
        self.busy = False
        core = self.core
        cb(*args)
        self.host.release(core)
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
    # a cross-CPU wake-up (Host): CPU beyond a wake-up on the waker's own core, microseconds
    "wake_us": 30.0,
    # a wake-up queued behind another runnable thread (Host): a context switch, cold caches
    "switch_us": 5.0,
    # network
    "lat": 50e-6,       # one-way latency, seconds
    "gbps": 10.0,       # link bandwidth, Gbit/s
    "job_bytes": 120,
    "res_bytes": 160,
    # shipping CPU per byte (CURVE, CRC-32C, the copy into shared memory), nanoseconds:
    # measured apart for each side by `make bench` (o); a forwarding node pays both
    "send_ns": 1.6,
    "recv_ns": 2.0,
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
            h = Host(self.sim, a.cores or a.slots + 1, self.us("wake_us"), self.us("switch_us"))
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
        ag["proc"].burst(self.us("a_msg") + self.us("a_job", n=n) / 2, self.start_fits, ag,
                         src=self.coord)

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
            w.burst(self.fit_time() + self.us("w_job"), self.fit_done, ag, w, src=ag["proc"])
        if self.kind in ("share", "tree"):
            self.pull(ag)

    def fit_done(self, ag, w):
        ag["idle"].append(w)
        ag["out"] += 1
        ag["proc"].burst(self.us("a_job") / 2, self.result_in, ag, src=w)

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
        self.coord.burst(self.us("c_msg") + self.us("c_item", "c_log", n=n), self.accounted, ag, n,
                         src=ag["proc"])

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
         cores=None, window=8, place=None, speeds=None):
    """Seconds until every node holds the image: the coordinator sends the dataset in chunks,
    at most `window` of them unacknowledged per receiver (an acknowledgement leaves a
    receiver once it has stored the chunk and takes `lat` back), so one stream moves at most
    window x chunk per round trip; fanout 0: straight to every node (its uplink carries N
    copies); fanout F: over a tree in which each node forwards every chunk to F children as
    it arrives (the same window on every edge). cpu_coord / cpu_agent: seconds of CPU per
    byte to send / receive (checksum, encryption, the copy into shared memory); cores: when
    given, every process shares one host of that many cores (the localhost case); place (the
    sender's core, then each receiver's) pins them there, speeds (per core) is the share of
    each core other processes leave."""
    sim = Sim()
    bw = gbps * 1e9 / 8
    nchunks = max(1, math.ceil(nbytes / chunk))
    size = [min(chunk, nbytes - i * chunk) for i in range(nchunks)]
    if place and not speeds:
        speeds = [1.0] * (max(place) + 1)
    shared = Host(sim, cores, spread=0.0 if place else 0.5e-3, speeds=speeds) \
        if cores or place else None
    procs = [Proc(sim, shared or Host(sim, 1)) for _ in range(nodes + 1)]
    for v, p in enumerate(procs):
        p.pin = place[v] if place else None
    links = [Link(sim, bw, lat) for _ in range(nodes + 1)]
    got = [nchunks] + [0] * nodes
    nxt = [0] * (nodes + 1)     # per receiver: the next chunk its parent sends it
    acked = [0] * (nodes + 1)   # per receiver: chunks acknowledged to its parent
    finish = [0.0]
    kids, parent = {}, {}
    for v in range(1, nodes + 1):
        p = 0 if fanout <= 0 or v <= fanout else (v - 1) // fanout
        kids.setdefault(p, []).append(v)
        parent[v] = p
    win = window if window > 0 else nchunks

    def arrive(v, i):
        procs[v].burst(size[i] * cpu_agent, stored, v, i)

    def stored(v, i):
        got[v] += 1
        if got[v] == nchunks:
            finish[0] = max(finish[0], sim.now)
        sim.at(sim.now + lat, ack, v)
        pump(v)

    def ack(k):
        acked[k] += 1
        pump(parent[k])

    def pump(v):
        for k in kids.get(v, []):
            while nxt[k] < got[v] and nxt[k] - acked[k] < win:
                i = nxt[k]
                nxt[k] += 1
                procs[v].burst(size[i] * cpu_coord, links[v].send, size[i], arrive, k, i)

    pump(0)
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
        cpu = {"cpu_coord": DEFAULTS["send_ns"] * 1e-9, "cpu_agent": DEFAULTS["recv_ns"] * 1e-9}
        row["ship direct s"] = ship(n, a.mb * 1e6, 10.0, 0, **cpu)
        row["ship tree s"] = ship(n, a.mb * 1e6, 10.0, 2, **cpu)
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


class LocalSweep:
    """The localhost case the tests measure: a coordinator and N agents of one slot each, all
    on one host of `cores` cores. Every process is two threads, its own and ZeroMQ's I/O
    thread, and every message is a relay of four wake-ups: the sender's thread, its I/O
    thread, the receiver's I/O thread, the receiver's thread (Host: a wake-up onto another
    core than the waker's costs `wake` more). A job goes coordinator -> agent -> worker ->
    agent -> coordinator. Each process's measured CPU per job is split evenly over the
    messages it handles, `io` of it in its I/O thread; `lat` is each TCP hop's latency
    beyond the CPU (the loopback, the wake-ups' own delay)."""

    def __init__(self, a, lat, io):
        self.sim = Sim()
        place = parse_place(a.place, a.agents) if a.place else None
        speeds = [float(x) for x in a.speeds.split(",")] if a.speeds else None
        if place and not speeds:
            speeds = [1.0] * (max([place[0]] + place[1]) + 1)
        self.host = Host(self.sim, a.cores, a.wake_us * 1e-6, a.switch_us * 1e-6,
                         spread=0.0 if place else 0.5e-3, speeds=speeds)
        self.left = a.jobs
        self.done = 0
        self.stamps = []
        self.lat = lat
        # CPU bursts vary (coefficient of variation `cv`): without it the agents' relays fall
        # into lock-step patterns no real host keeps
        self.rng = random.Random(a.seed)
        self.s2 = math.log(1 + a.cv ** 2)
        us = 1e-6
        self.cost = {"c": a.coord_us * us * (1 - io) / 2, "cio": a.coord_us * us * io / 2,
                     "a": a.agent_us * us * (1 - io) / 2, "aio": a.agent_us * us * io / 4,
                     "w": a.worker_us * us * (1 - io), "wio": a.worker_us * us * io / 2}
        self.c, self.cio = self.proc(place and place[0]), self.proc(place and place[0])
        self.agents = []
        for i in range(a.agents):
            pin = place[1][i] if place else None
            self.agents.append({"a": self.proc(pin), "aio": self.proc(pin),
                                "free": [(self.proc(pin), self.proc(pin))
                                         for _ in range(a.slots)]})
        self.slots = a.slots

    def proc(self, pin=None):
        p = Proc(self.sim, self.host)
        p.pin = pin
        return p

    def hop(self, chain, done):
        """Bursts of (thread, cost name, delay before it) one after another, each woken by the
        previous one; then done()."""
        if not chain:
            done()
            return
        (p, k, delay), rest = chain[0], chain[1:]
        prev = self.prev

        def go():
            p.burst(self.cost[k] * self.rng.lognormvariate(-self.s2 / 2, self.s2 ** 0.5),
                    self.step, p, rest, done, src=prev)
        if delay:
            self.sim.at(self.sim.now + delay, go)
        else:
            go()

    def step(self, p, rest, done):
        self.prev = p
        self.hop(rest, done)

    def send(self, ag):
        if self.left <= 0:
            return
        self.left -= 1
        self.prev = None
        x = ag
        w, wio = x["free"].pop()
        chain = [(self.c, "c", 0), (self.cio, "cio", 0), (x["aio"], "aio", self.lat),
                 (x["a"], "a", 0), (x["aio"], "aio", 0), (wio, "wio", 0), (w, "w", 0),
                 (wio, "wio", 0), (x["aio"], "aio", 0), (x["a"], "a", 0),
                 (x["aio"], "aio", 0), (self.cio, "cio", self.lat), (self.c, "c", 0)]
        self.hop(chain, lambda: self.result(ag, (w, wio)))

    def result(self, ag, worker):
        ag["free"].append(worker)
        self.done += 1
        self.stamps.append((self.sim.now, self.done))
        self.send(ag)

    def run(self):
        for ag in self.agents:
            for _ in range(self.slots):
                self.sim.at(0.0, self.send, ag)
        self.sim.run()
        threads = [self.c, self.cio] + [t for ag in self.agents
                                        for t in [ag["a"], ag["aio"]] + [x for pair in ag["free"]
                                                                         for x in pair]]
        n = max(1, self.done)
        return {"agents": len(self.agents), "jobs": self.done,
                "jobs_per_s": steady_rate(self.stamps),
                "cross_wakeups_per_job": self.host.cross / n,
                "cpu_us_per_job": sum(t.used for t in threads) / n * 1e6}


def parse_place(text, agents):
    """--place C:A1,A2,...: the coordinator's core and each agent's (with its workers); a
    list shorter than the agents repeats round-robin; "rr" is 0:1,0 (the bench's)."""
    if text == "rr":
        text = "0:1,0"
    c, _, rest = text.partition(":")
    cores = [int(x) for x in rest.split(",")] if rest else [int(c)]
    return [int(c), [cores[i % len(cores)] for i in range(agents)]]


def fit_wake(a, lat):
    """Pinned calibration: with one agent on another core than the coordinator's (every
    message crosses cores), --fit-cpu C finds the CPU of a cross-core wake-up (--wake-us)
    that gives C us of CPU per job (the CPU grows linearly with it: two runs)."""
    a.wake_us = 0.0
    r = LocalSweep(a, lat * 1e-6, a.io_share).run()
    a.wake_us = max(0.0, (a.fit_cpu - r["cpu_us_per_job"]) / max(1e-9, r["cross_wakeups_per_job"]))


def cmd_local(a):
    """Every process on one host of `cores` cores (what other processes leave to the sweep:
    a fraction is a slower core), one slot per agent (LocalSweep). The costs are the measured
    CPU per job of the coordinator, of an agent and of a worker with one agent; `cycle_us` is
    that run's time per job (one job at a time) on a host of `cycle_cores` cores: its part
    beyond the CPU is the latency of the two TCP hops. With one agent its processes form one
    relay on one core (no cross-CPU wake-up), so these costs hold; more agents on the same
    cores add the cross-CPU wake-ups."""
    cpu = a.coord_us + a.agent_us + a.worker_us
    if a.cycle_us:
        lat = max(0.0, a.cycle_us - cpu / local_cpu_share(a.cycle_cores or a.cores)) / 2
    else:
        lat = a.lat_us
    if a.place and a.fit_cpu:
        fit_wake(a, lat)
    elif a.fit_rate:
        # a measured rate with more runnable threads than a relay (one agent, two slots) pins
        # the cost of a queued wake-up: bisect switch_us until the simulation gives that rate
        lo, hi = 0.0, 200.0
        for _ in range(20):
            a.switch_us = (lo + hi) / 2
            if LocalSweep(a, lat * 1e-6, a.io_share).run()["jobs_per_s"] > a.fit_rate:
                lo = a.switch_us
            else:
                hi = a.switch_us
        a.switch_us = (lo + hi) / 2
    r = LocalSweep(a, lat * 1e-6, a.io_share).run()
    r["latency_us"] = lat
    r["switch_us"] = a.switch_us
    r["wake_us"] = a.wake_us
    print(json.dumps(r) if a.json else "%d agents on %g cores: %.0f jobs/s predicted, %.1f "
          "cross-CPU wake-ups and %.0f us of CPU per job" % (
              a.agents, a.cores, r["jobs_per_s"], r["cross_wakeups_per_job"], r["cpu_us_per_job"]))


def cmd_ship(a):
    t = ship(a.nodes, a.mb * 1e6, a.gbps, a.fanout, cpu_coord=a.send_ns * 1e-9,
             cpu_agent=a.recv_ns * 1e-9)
    print(json.dumps({"seconds": t}) if a.json else
          "%d nodes, %.0f MB, %s: every node has its image after %.2f s" % (
              a.nodes, a.mb, "fan-out %d" % a.fanout if a.fanout else "direct", t))


def cmd_shiplocal(a):
    """The localhost shipping the tests measure: 1 MiB chunks, a window of 8 per agent, every
    process on one host; `lat_us` is each way's delay beyond the CPU (loopback, wake-ups),
    measured from one agent's run by `calibrate`: lat_us 0 and --time S finds it."""
    place = parse_place(a.place, a.agents) if a.place else None
    speeds = [float(x) for x in a.speeds.split(",")] if a.speeds else None

    def run(lat):
        return ship(a.agents, a.mb * 1e6, 1000.0, 0, chunk=1 << 20, lat=lat * 1e-6,
                    cpu_coord=a.coord_ns_per_byte * 1e-9, cpu_agent=a.agent_ns_per_byte * 1e-9,
                    cores=a.cores, window=a.window,
                    place=[place[0]] + place[1] if place else None, speeds=speeds)
    lat = a.lat_us
    if a.fit_seconds:
        # the one-agent run's time pins the round trip: bisect the latency that gives it
        lo, hi = 0.0, 1e5
        if run(0.0) < a.fit_seconds:
            for _ in range(40):
                mid = (lo + hi) / 2
                lo, hi = (mid, hi) if run(mid) < a.fit_seconds else (lo, mid)
        lat = lo
    t = run(lat)
    r = {"seconds": t, "lat_us": lat,
         "rtt_us": 2 * lat + (1 << 20) * (a.coord_ns_per_byte + a.agent_ns_per_byte) * 1e-3}
    print(json.dumps(r) if a.json else
          "%d agents on %g cores, %.0f MB: every image after %.3f s predicted (one-way latency "
          "%.0f us, chunk round trip %.0f us)" % (a.agents, a.cores, a.mb, t, lat, r["rtt_us"]))


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
    s.add_argument("--send-ns", type=float, default=DEFAULTS["send_ns"],
                   help="sender's CPU per byte (0: the link alone)")
    s.add_argument("--recv-ns", type=float, default=DEFAULTS["recv_ns"],
                   help="receiver's CPU per byte")
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
    lo.add_argument("--wake-us", type=float, default=DEFAULTS["wake_us"])
    lo.add_argument("--io-share", type=float, default=0.5)
    lo.add_argument("--switch-us", type=float, default=DEFAULTS["switch_us"])
    lo.add_argument("--fit-rate", type=float, default=0.0,
                    help="find --switch-us so that this configuration gives this jobs/s")
    lo.add_argument("--place", help="pin threads: COORD_CORE:AGENT_CORE,... (or rr)")
    lo.add_argument("--speeds", help="per core: the share other processes leave, e.g. 0.9,1")
    lo.add_argument("--fit-cpu", type=float, default=0.0,
                    help="with --place: find --wake-us so that this gives this CPU us/job")
    lo.add_argument("--cv", type=float, default=0.3)
    lo.add_argument("--seed", type=int, default=1)
    sl = sub.add_parser("shiplocal")
    sl.add_argument("--agents", type=int, required=True)
    sl.add_argument("--cores", type=float, default=2)
    sl.add_argument("--mb", type=float, required=True)
    sl.add_argument("--coord-ns-per-byte", type=float, required=True)
    sl.add_argument("--agent-ns-per-byte", type=float, required=True)
    sl.add_argument("--window", type=int, default=8)
    sl.add_argument("--place", help="pin: SENDER_CORE:RECEIVER_CORE,... (or rr)")
    sl.add_argument("--speeds", help="per core: the share other processes leave, e.g. 0.9,1")
    sl.add_argument("--lat-us", type=float, default=20.0)
    sl.add_argument("--fit-seconds", type=float, default=0.0,
                    help="find --lat-us so that these agents take this long (calibration)")
    for p in (t, r, s, lo, sl):
        p.add_argument("--json", action="store_true")
    a = ap.parse_args()
    {"table": cmd_table, "run": cmd_run, "ship": cmd_ship, "local": cmd_local,
     "shiplocal": cmd_shiplocal}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
