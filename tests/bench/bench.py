#!/usr/bin/python3
"""bench.py - the driver of `make bench` (see bench.sh for the workloads and environment).

Measures every `paratune tune` run from outside: wall time from spawn to exit; the CPU time
of the coordinator itself (utime + stime of its threads) and of its reaped children (the
workers), both read from /proc/PID/stat after the process exited but before it is reaped
(waitid WNOWAIT), so the two are separated exactly as getrusage(RUSAGE_SELF / _CHILDREN)
would; the phase breakdown the coordinator prints on stderr; and, for (d), each worker's
/proc/PID/smaps_rollup sampled every 20 ms while it runs. Only the standard library is
needed for the paratune side; msgpack (optional) reads the summary record of the log.
"""
import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time

import bench_agents  # workload (n): tune --listen with paratune-agents
import scaleout  # workload (o): the scale-out simulation against local agents

HERE = os.path.dirname(os.path.abspath(__file__))
TICK = os.sysconf("SC_CLK_TCK")
BREAKDOWN = re.compile(r"load ([0-9.]+)s, shared memory ([0-9.]+)s, sweep ([0-9.]+)s "
                       r"\((\d+) jobs, parallelism (\d+)\), refit ([0-9.]+)s")
FIGS = {}  # everything measured, for BENCH_JSON


def log(msg=""):
    print(msg, flush=True)


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_s(x):
    if x is None:
        return "-"
    return "%.3fs" % x if x < 100 else "%.1fs" % x


# ---------------------------------------------------------------- /proc helpers

def proc_children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(t) for t in f.read().split()]
    except OSError:
        out = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open("/proc/%s/stat" % d) as f:
                        st = f.read()
                    if int(st[st.rindex(")") + 2:].split()[1]) == pid:
                        out.append(int(d))
                except (OSError, ValueError):
                    pass
        return out


def proc_comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return ""


def kb_fields(path, keys):
    """Sums of the 'Key: N kB' lines of a /proc file, per key."""
    out = dict.fromkeys(keys, 0)
    try:
        with open(path) as f:
            for line in f:
                k, _, rest = line.partition(":")
                if k in out:
                    out[k] += int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return out


ROLLUP_KEYS = ("Rss", "Pss", "Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty")


def smaps_split(pid):
    """Private_Clean + Private_Dirty (kB) of the image mapping and of everything else."""
    img = other = 0
    cur_img = False
    try:
        with open("/proc/%d/smaps" % pid) as f:
            for line in f:
                if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                    cur_img = "/paratune-" in line and "/dev/shm" in line or (
                        "/paratune-" in line and "(deleted)" in line)
                elif line.startswith("Private_"):
                    v = int(line.split()[1])
                    if cur_img:
                        img += v
                    else:
                        other += v
    except (OSError, ValueError, IndexError):
        return None
    return img, other


def cpu_busy():
    """(busy, steal) seconds of all CPUs since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal ...
    return (v[0] + v[1] + v[2] + v[5] + v[6]) / TICK, (v[7] if len(v) > 7 else 0) / TICK


def stat_times(pid):
    """(own utime+stime, reaped children's cutime+cstime) in seconds, from /proc/PID/stat."""
    with open("/proc/%d/stat" % pid) as f:
        st = f.read()
    fields = st[st.rindex(")") + 2:].split()
    # fields[0] is state (field 3); utime is field 14 -> index 11
    ut, stt, cut, cst = (int(fields[i]) for i in (11, 12, 13, 14))
    return (ut + stt) / TICK, (cut + cst) / TICK


def wait_quiet(limit, window=3.0, say=True):
    """Waits (up to limit seconds) until the CPUs are < 10% of a core busy for window s."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit:
        b0, _ = cpu_busy()
        time.sleep(window)
        b1, _ = cpu_busy()
        if (b1 - b0) / window < 0.1:
            return True
    if say:
        log("  (the machine did not get quiet within %.0fs; measuring anyway)" % limit)
    return False


# ---------------------------------------------------------------- running things

class Bench:
    def __init__(self, binp):
        self.bin = os.path.abspath(binp)
        self.pt = os.path.join(self.bin, "paratune")
        self.runs = int(os.environ.get("BENCH_RUNS", "3"))
        self.quick = os.environ.get("BENCH_QUICK", "") == "1"
        self.dir = os.environ.get("BENCH_DIR") or "/tmp/paratune-bench-%d" % os.getuid()
        self.cores = len(os.sched_getaffinity(0))
        self.workloads = os.environ.get("BENCH_WORKLOADS", ",".join(workloads())).split(",")
        self.sk_heavy_runs = int(os.environ.get("BENCH_SK_HEAVY_RUNS", "1"))
        self.sk = os.environ.get("BENCH_SKLEARN", "1") != "0" and self.have_sklearn()
        self.targets = []  # (target, figure, pass or None)
        self.quiet = float(os.environ.get("BENCH_WAIT_QUIET", "0") or 0)
        self.max_other = float(os.environ.get("BENCH_MAX_OTHER", "0.15"))
        self.noisy = 0      # runs thrown away because other processes were busy
        self.noisy_kept = 0  # noisy runs kept after the retries ran out
        os.makedirs(os.path.join(self.dir, "run"), exist_ok=True)
        try:
            import msgpack  # noqa: F401
            self.msgpack = True
        except ImportError:
            self.msgpack = False

    def sk_env(self):
        env = dict(os.environ)
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
        return env

    def have_sklearn(self):
        r = subprocess.run(["/usr/bin/python3", "-c", "import sklearn, numpy"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return r.returncode == 0

    def par_list(self):
        return list(range(1, max(self.cores, 2) + 1)) if self.cores >= 2 else [1, 2]

    # ---- data

    def gen(self, rows, feats, seed=7):
        path = os.path.join(self.dir, "gen_%dx%d_s%d.csv" % (rows, feats, seed))
        if not os.path.exists(path):
            t = time.perf_counter()
            subprocess.run([self.pt, "gen", "--rows", str(rows), "--features", str(feats),
                            "--seed", str(seed), "--out", path], check=True)
            log("  generated %s (%.0f MB) in %.1fs" % (os.path.basename(path),
                os.path.getsize(path) / 1e6, time.perf_counter() - t))
        # read it once so every timed run parses from the page cache
        with open(path, "rb") as f:
            while f.read(1 << 24):
                pass
        return path

    # ---- one paratune run

    def run_pt(self, args, sample_mem=False, logpath=None, one_cpu=False):
        """one_cpu: the process may run on the first usable CPU only (so it parses with one
        thread and pins nothing else): the one-core load figure."""
        cmd = [self.pt, "tune"] + args
        first = min(os.sched_getaffinity(0))
        pre = (lambda: os.sched_setaffinity(0, {first})) if one_cpu else None
        if logpath:
            cmd += ["--log", logpath, "--overwrite"]
        out = open(os.path.join(self.dir, "run", "stdout"), "w+")
        err = open(os.path.join(self.dir, "run", "stderr"), "w+")
        busy0, _ = cpu_busy()
        me0 = sum(os.times()[:2])
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, preexec_fn=pre)
        workers = {}  # pid -> max figures
        coord_hwm = coord_data = 0
        while True:
            if sample_mem:
                r = os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG)
            else:
                r = os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)
            if r is not None:
                break
            st = kb_fields("/proc/%d/status" % p.pid, ("VmHWM", "RssAnon", "RssShmem"))
            if st:
                coord_hwm = max(coord_hwm, st["VmHWM"])
                coord_data = max(coord_data, st["RssAnon"] + st["RssShmem"])
            for c in proc_children(p.pid):
                if proc_comm(c) != "paratune-worker":
                    continue
                ro = kb_fields("/proc/%d/smaps_rollup" % c, ROLLUP_KEYS)
                sp = smaps_split(c)
                if ro is None or sp is None:
                    continue
                w = workers.setdefault(c, {k: 0 for k in ROLLUP_KEYS + (
                    "private", "private_image", "private_other", "samples")})
                for k in ROLLUP_KEYS:
                    w[k] = max(w[k], ro[k])
                w["private"] = max(w["private"], ro["Private_Clean"] + ro["Private_Dirty"])
                w["private_image"] = max(w["private_image"], sp[0])
                w["private_other"] = max(w["private_other"], sp[1])
                w["samples"] += 1
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        own, kids = stat_times(p.pid)
        busy1, _ = cpu_busy()
        me = sum(os.times()[:2]) - me0  # this driver's own sampling
        rc = p.wait()
        out.seek(0)
        err.seek(0)
        so, se = out.read(), err.read()
        out.close()
        err.close()
        if rc != 0:
            raise SystemExit("bench: paratune failed (exit %d): %s\n%s" % (
                rc, " ".join(cmd)[:400], se[-2000:]))
        m = BREAKDOWN.search(se)
        res = {"wall": wall, "coord_cpu": own, "workers_cpu": kids, "stdout": so,
               "other_cores": (busy1 - busy0 - own - kids - me) / wall if wall >= 1.0 else None,
               "driver_cpu": me,
               "workers": list(workers.values()), "coord_hwm_kb": coord_hwm,
               "coord_data_kb": coord_data}
        if m:
            res.update(load=float(m.group(1)), shm=float(m.group(2)), sweep=float(m.group(3)),
                       jobs=int(m.group(4)), refit=float(m.group(6)),
                       pinned=bool(re.search(r"; pinned to CPUs \S+", se)))
            ms = re.search(r"; stats (\d+) jobs ([0-9.]+)s", se)
            mf = re.search(r"; first job sent at ([0-9.]+)s", se)
            res.update(stats=float(ms.group(2)) if ms else None,
                       nstats=int(ms.group(1)) if ms else 0,
                       first_sent=float(mf.group(1)) if mf else None)
        it = re.search(r"solver iterations (\d+)", se)  # (g): the fit jobs' solver iterations
        res["iterations"] = int(it.group(1)) if it else None
        res["summary_wall"] = None
        if logpath and self.msgpack:
            import msgpack
            with open(logpath, "rb") as f:
                for rec in msgpack.Unpacker(f, raw=False, strict_map_key=False):
                    if rec.get("record") == "summary":
                        res["summary_wall"] = rec.get("wall_seconds")
        if res["summary_wall"] is None and m:
            res["summary_wall"] = res["sweep"] + res["refit"]
        return res

    def measured(self, fn, n, retries=2):
        """n results of fn(); a run during which other processes kept more than
        BENCH_MAX_OTHER cores busy is repeated (at most `retries` times per run)."""
        out = []
        for _ in range(n):
            for attempt in range(retries + 1):
                if self.quiet > 0:
                    wait_quiet(self.quiet, 1.0, say=False)
                r = fn()
                oc = r.get("other_cores")
                if oc is None or oc <= self.max_other:
                    break
                if attempt < retries:
                    self.noisy += 1
                else:
                    self.noisy_kept += 1
            out.append(r)
        return out

    def runs_pt(self, args, n=None, **kw):
        return self.measured(lambda: self.run_pt(args, **kw), n or self.runs)

    # ---- one sklearn run

    def run_sk(self, args):
        cmd = ["/usr/bin/python3", os.path.join(HERE, "sk_gridsearch.py")] + args
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        busy0, _ = cpu_busy()
        t0 = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=self.sk_env(), text=True)
        wall = time.perf_counter() - t0
        busy1, _ = cpu_busy()
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        own = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
        if r.returncode != 0:
            raise SystemExit("bench: sklearn failed: %s\n%s" % (" ".join(cmd)[:300],
                                                               r.stderr[-2000:]))
        d = json.loads(r.stdout)
        d["wall"] = wall
        d["other_cores"] = (busy1 - busy0 - own) / wall if wall >= 1.0 else None
        return d

    # ---- reporting helpers

    def target(self, name, figure, ok):
        self.targets.append((name, figure, ok))

    def table(self, header, rows):
        w = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
        for r in [header] + rows:
            log("  " + "  ".join(str(c).rjust(w[i]) if i else str(c).ljust(w[i])
                                 for i, c in enumerate(r)))


def parse_table(stdout):
    """paratune's result table -> {(param values...): metric}, best key."""
    lines = stdout.splitlines()
    out, best = {}, None
    for ln in lines[1:]:
        if ln.startswith("best:"):
            break
        t = ln.split()
        star = t[0] == "*"
        if star:
            t = t[1:]
        if len(t) < 4 or t[-2] == "failed":
            continue
        key = tuple(float(v) for v in t[1:-2])
        out[key] = float(t[-2])
        if star:
            best = key
    return out, best


def crosscheck(pt_stdout, sk):
    """Largest relative difference of the per-map rmse, and whether the best agrees."""
    pt, pbest = parse_table(pt_stdout)
    worst = 0.0
    for k, r, v in sk["maps"]:
        key = (float(k), float(r)) if k is not None else (float(r),)
        if key not in pt:
            return None, False
        worst = max(worst, abs(pt[key] - v) / max(abs(v), 1e-300))
    b = sk["best"]
    skbest = (float(b["k"]), float(b["reg"])) if b["k"] is not None else (float(b["reg"]),)
    return worst, skbest == pbest


# ---------------------------------------------------------------- workloads

GRID = ["--pipeline", "pca,linearRegression", "--grid", "pca.k=15,20,40,75",
        "--grid", "linearRegression.regParam=0.001,0.003,0.01,0.03"]
SK_GRID = ["--k", "15,20,40,75", "--reg", "0.001,0.003,0.01,0.03"]


def sk_side(b, label, csv, skargs, runs, pt_stdout=None):
    """Runs GridSearchCV with n_jobs 1 and cores; returns {n_jobs: (fit median, wall median)}."""
    out = {}
    for nj in sorted({1, b.cores}):
        rs = b.measured(lambda: b.run_sk(["--csv", csv, "--n-jobs", str(nj)] + skargs), runs,
                        retries=2 if runs > 1 else 1)
        out[nj] = (med([r["fit_seconds"] for r in rs]), med([r["wall"] for r in rs]))
        if nj == 1:
            blas = rs[0]["blas"]
            ob = [x for x in blas if x.get("internal_api") == "openblas"]
            FIGS.setdefault("numpy_blas", blas)
            b.numpy_kernel = ("%s %s, %s threads" % (ob[0]["internal_api"], ob[0]["architecture"],
                                                    ob[0]["num_threads"]) if ob else str(blas))
        if pt_stdout is not None:
            diff, same = crosscheck(pt_stdout, rs[0])
            out.setdefault("check", (diff, same))
        log("  sklearn GridSearchCV n_jobs=%d: fit %s (median of %d), whole python process %s"
            % (nj, fmt_s(out[nj][0]), runs, fmt_s(out[nj][1])))
    if "check" in out:
        diff, same = out["check"]
        log("  cross-check vs paratune: max relative rmse difference %s, same best map: %s"
            % ("%.1e" % diff if diff is not None else "n/a", "yes" if same else "NO"))
    FIGS[label + "_sklearn"] = {str(k): v for k, v in out.items()}
    return out


def workload_a(b):
    rows, feats = 10000, 100
    log("\n(a) seed example: %d x %d, pca.k {15,20,40,75} x regParam {4 values}, tvs 0.8" %
        (rows, feats))
    csv = b.gen(rows, feats)
    size = os.path.getsize(csv)
    args = ["--data", csv, "--label", "label"] + GRID + [
        "--validator", "tvs", "--train-ratio", "0.8", "--seed", "42", "--evaluator",
        "regression", "--metric", "rmse"]
    log("  cmd: paratune tune " + " ".join(args) + " --parallelism P --log LOG --overwrite")
    lg = os.path.join(b.dir, "run", "a.msgpack")
    res = {}
    rows_out = []
    for p in b.par_list():
        rs = b.runs_pt(args + ["--parallelism", str(p)], logpath=lg)
        res[p] = {k: med([r.get(k) for r in rs]) for k in
                  ("wall", "load", "shm", "sweep", "refit", "summary_wall", "coord_cpu",
                   "workers_cpu")}
        res[p]["stdout"] = rs[0]["stdout"]
    p1 = res[1]["wall"]
    for p in b.par_list():
        r = res[p]
        rows_out.append([p, fmt_s(r["wall"]), "%.2fx" % (p1 / r["wall"]), fmt_s(r["load"]),
                         fmt_s(r["shm"]), fmt_s(r["sweep"]), fmt_s(r["refit"]),
                         fmt_s(r["summary_wall"]), "%.0f" % (size / 1e6 / r["load"])])
    b.table(["parallelism", "whole", "speedup", "load", "shm", "sweep", "refit",
             "start->summary", "load MB/s"], rows_out)
    FIGS["a"] = {p: {k: v for k, v in r.items() if k != "stdout"} for p, r in res.items()}
    bestp = min(res, key=lambda p: res[p]["wall"])
    pt_whole = res[bestp]["wall"]
    pt_sweep = res[bestp]["summary_wall"]
    load_targets(b, "a", args, lg, size, [res[p]["load"] for p in res])
    quoted_target(b, "a", args, lg, csv)
    if b.sk:
        sk = sk_side(b, "a", csv, ["--validator", "tvs", "--train-ratio", "0.8", "--seed", "42"]
                     + SK_GRID, b.runs, res[bestp]["stdout"])
        skbest = min((v[0], nj) for nj, v in sk.items() if nj != "check")
        log("  paratune (parallelism %d) vs fastest GridSearchCV.fit (n_jobs=%d, %s): sweep "
            "(first worker started -> summary written) %.1fx faster, whole process %.1fx "
            "faster" % (bestp, skbest[1], fmt_s(skbest[0]), skbest[0] / pt_sweep,
                        skbest[0] / pt_whole))
        for nj, v in sk.items():
            if nj != "check":
                log("    vs n_jobs=%d: sweep %.1fx, whole %.1fx" % (nj, v[0] / pt_sweep,
                                                                   v[0] / pt_whole))
        b.target("(a) sweep >= 20x faster than GridSearchCV.fit",
                 "%.1fx (%s vs %s)" % (skbest[0] / pt_sweep, fmt_s(pt_sweep),
                                       fmt_s(skbest[0])), skbest[0] / pt_sweep >= 20)
        b.target("(a) whole paratune process >= 10x faster than GridSearchCV.fit",
                 "%.1fx (%s vs %s)" % (skbest[0] / pt_whole, fmt_s(pt_whole),
                                       fmt_s(skbest[0])), skbest[0] / pt_whole >= 10)
    else:
        b.target("(a) sweep >= 20x faster than GridSearchCV.fit", "no sklearn", None)
        b.target("(a) whole paratune process >= 10x faster than GridSearchCV.fit", "no sklearn",
                 None)


def workload_b(b):
    rows, feats = (20000, 100) if b.quick else (200000, 200)
    log("\n(b) heavy: %d x %d, same grid, 3-fold CV, cache on / --no-cache" % (rows, feats))
    csv = b.gen(rows, feats)
    size = os.path.getsize(csv)
    args = ["--data", csv] + GRID + ["--folds", "3", "--seed", "42"]
    log("  cmd: paratune tune " + " ".join(args) + " --parallelism P [--no-cache] --log LOG "
        "--overwrite")
    lg = os.path.join(b.dir, "run", "b.msgpack")
    res = {}
    for cache in ("on", "off"):
        for p in b.par_list():
            rs = b.runs_pt(args + ["--parallelism", str(p)] + (["--no-cache"] if cache == "off"
                                                               else []), logpath=lg)
            r = {k: med([x.get(k) for x in rs]) for k in
                 ("wall", "load", "shm", "sweep", "refit", "coord_cpu", "workers_cpu")}
            r["stdout"] = rs[0]["stdout"]
            res[(cache, p)] = r
    rows_out = []
    for cache in ("on", "off"):
        w1, s1 = res[(cache, 1)]["wall"], res[(cache, 1)]["sweep"]
        for p in b.par_list():
            r = res[(cache, p)]
            rows_out.append([cache, p, fmt_s(r["wall"]), "%.2fx" % (w1 / r["wall"]),
                             fmt_s(r["sweep"]), "%.2fx" % (s1 / r["sweep"]), fmt_s(r["load"]),
                             fmt_s(r["shm"]), fmt_s(r["refit"]), "%.1fs" % r["workers_cpu"],
                             "%.0f" % (size / 1e6 / r["load"])])
    b.table(["cache", "parallelism", "whole", "speedup", "sweep", "sweep speedup", "load",
             "shm", "refit", "workers CPU", "load MB/s"], rows_out)
    FIGS["b"] = {"%s_p%d" % k: {kk: vv for kk, vv in v.items() if kk != "stdout"}
                 for k, v in res.items()}
    pmax = b.par_list()[-1]
    on_off = {p: (res[("off", p)]["sweep"] / res[("on", p)]["sweep"],
                  res[("off", p)]["wall"] / res[("on", p)]["wall"]) for p in b.par_list()}
    for p, (s, w) in on_off.items():
        log("  cache on vs off at parallelism %d: sweep %.1fx faster, whole process %.1fx" %
            (p, s, w))
    sp_sweep = res[("off", 1)]["sweep"] / res[("off", 2)]["sweep"]
    sp_whole = res[("off", 1)]["wall"] / res[("off", 2)]["wall"]
    b.target("(b) parallelism 2 >= 1.8x over 1, cache off: sweep phase",
             "%.2fx (%s -> %s)" % (sp_sweep, fmt_s(res[("off", 1)]["sweep"]),
                                   fmt_s(res[("off", 2)]["sweep"])), sp_sweep >= 1.8)
    b.target("(b) parallelism 2 >= 1.8x over 1, cache off: whole process",
             "%.2fx (%s -> %s)" % (sp_whole, fmt_s(res[("off", 1)]["wall"]),
                                   fmt_s(res[("off", 2)]["wall"])), sp_whole >= 1.8)
    b.target("(b) cache on >= 5x faster than off (sweep, parallelism %d)" % pmax,
             "%.1fx (p1: %.1fx)" % (on_off[pmax][0], on_off[1][0]), on_off[pmax][0] >= 5)
    b.target("(b) cache on >= 5x faster than off (whole process, parallelism %d)" % pmax,
             "%.1fx (p1: %.1fx)" % (on_off[pmax][1], on_off[1][1]), on_off[pmax][1] >= 5)
    load_targets(b, "b", args, lg, size, [r["load"] for r in res.values()])
    quoted_target(b, "b", args, lg, csv)
    if b.sk:
        best = min(res, key=lambda k: res[k]["wall"])
        sk = sk_side(b, "b", csv, ["--validator", "cv", "--folds", "3", "--seed", "42"] + SK_GRID,
                     b.sk_heavy_runs, res[best]["stdout"])
        for nj, v in sk.items():
            if nj == "check":
                continue
            log("  vs GridSearchCV n_jobs=%d fit %s: paratune best whole (cache %s, p%d) %.1fx "
                "faster, sweep %.1fx; cache off p%d whole %.1fx" % (
                    nj, fmt_s(v[0]), best[0], best[1], v[0] / res[best]["wall"],
                    v[0] / res[best]["sweep"], pmax, v[0] / res[("off", pmax)]["wall"]))


def load_targets(b, name, args, lg, size, loads):
    """The CSV loading targets: the load phase with the process on one CPU (so one parse
    thread: the 'on one core' figure), and as measured in the workload's runs."""
    one = med([r.get("load") for r in b.runs_pt(args + ["--parallelism", "1"], logpath=lg,
                                                  one_cpu=True)])
    log("  load phase on one CPU (the process restricted to it, so one parse thread): %s, "
        "%.0f MB/s" % (fmt_s(one), size / 1e6 / one))
    mbps = size / 1e6 / one
    b.target("CSV loading >= 200 MB/s on one core (%s: %.1f MB file, load phase)" % (
        name, size / 1e6), "%.0f MB/s" % mbps, mbps >= 200)
    mbps = size / 1e6 / med(loads)
    b.target("CSV loading, a parse thread per CPU (%s: %.1f MB file, load phase)" % (
        name, size / 1e6), "%.0f MB/s" % mbps, mbps >= 200)


def quoted_copy(b, csv):
    """The same data with every field in double quotes (RFC 4180, as csv.QUOTE_ALL writes
    it), next to csv; made once."""
    path = csv[:-4] + "_quoted.csv"
    if not os.path.exists(path):
        with open(csv) as src, open(path + ".tmp", "w") as dst:
            for line in src:
                dst.write('"' + line.rstrip("\n").replace(",", '","') + '"\n')
        os.rename(path + ".tmp", path)
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass
    return path


def quoted_target(b, name, args, lg, csv):
    """The load phase of the same data with every field quoted against the plain file (both
    at parallelism 1, runs interleaved), medians side by side: quoted files are cut into
    chunks at real row starts and parsed on as many threads, within 2x of the plain load."""
    qcsv = quoted_copy(b, csv)
    qargs = [qcsv if a == csv else a for a in args] + ["--parallelism", "1"]
    plain, quoted = [], []
    for _ in range(b.runs):
        plain += [r.get("load") for r in b.runs_pt(args + ["--parallelism", "1"], n=1,
                                                   logpath=lg)]
        quoted += [r.get("load") for r in b.runs_pt(qargs, n=1, logpath=lg)]
    p, q = med(plain), med(quoted)
    log("  load phase, plain vs every field quoted (%s, %.1f MB vs %.1f MB): %s vs %s, "
        "quoted/plain %.2fx" % (name, os.path.getsize(csv) / 1e6, os.path.getsize(qcsv) / 1e6,
                                fmt_s(p), fmt_s(q), q / p))
    FIGS[name + "_quoted_load"] = {"plain": p, "quoted": q, "ratio": q / p}
    b.target("(%s) quoted CSV load within 2x of the plain file (load phase, medians)" % name,
             "%.2fx (%s vs %s)" % (q / p, fmt_s(q), fmt_s(p)), q / p <= 2.0)


def workload_c(b):
    nmaps = 1000 if b.quick else 10000
    log("\n(c) dispatch: %d near-empty jobs (8 rows x 2 features, linearRegression, %d regParam "
        "values x 2 folds)" % (2 * nmaps, nmaps))
    csv = b.gen(8, 2)
    grid = "linearRegression.regParam=" + ",".join(str(i) for i in range(nmaps))
    args = ["--data", csv, "--pipeline", "linearRegression", "--grid", grid, "--folds", "2",
            "--seed", "1"]
    log("  cmd: paratune tune --data %s --pipeline linearRegression --grid "
        "linearRegression.regParam=0,1,...,%d --folds 2 --seed 1 --parallelism P "
        "[--log LOG --overwrite]" % (csv, nmaps - 1))
    lg = os.path.join(b.dir, "run", "c.msgpack")
    res = {}
    pins = ("auto", "off")
    for withlog in (True, False):
        for pin in pins:
            for p in b.par_list():
                rs = b.runs_pt(args + ["--parallelism", str(p), "--pin-cpus", pin],
                               logpath=lg if withlog else None)
                r = {k: med([x.get(k) for x in rs]) for k in
                     ("wall", "load", "sweep", "coord_cpu", "workers_cpu", "jobs")}
                r["pinned"] = any(x.get("pinned") for x in rs)
                res[(withlog, p, pin)] = r
    rows_out = []
    for withlog in (True, False):
        for pin in pins:
            w1 = res[(withlog, 1, pin)]["wall"]
            for p in b.par_list():
                r = res[(withlog, p, pin)]
                rows_out.append(["--log" if withlog else "none", pin + (" (pinned)" if r["pinned"] else ""),
                                 p, fmt_s(r["wall"]), "%.2fx" % (w1 / r["wall"]), fmt_s(r["sweep"]),
                                 "%.0f" % (r["jobs"] / r["sweep"]),
                                 "%.1f" % (r["coord_cpu"] / r["jobs"] * 1e6),
                                 "%.1f" % (r["workers_cpu"] / r["jobs"] * 1e6)])
    b.table(["log", "--pin-cpus", "parallelism", "whole", "speedup", "sweep", "jobs/s (sweep)",
             "coord CPU us/job", "workers CPU us/job"], rows_out)
    FIGS["c"] = {"%s_p%d_pin%s" % ("log" if k[0] else "nolog", k[1], k[2]): v
                 for k, v in res.items()}
    try:
        fs = subprocess.run(["stat", "-f", "-c", "%T", os.path.join(b.dir, "run")],
                            stdout=subprocess.PIPE, text=True).stdout.strip()
    except OSError:
        fs = "?"
    log("  the log is on %s (%s); coordinator CPU = utime+stime of the paratune process "
        "alone, load phase included; --pin-cpus auto pins when parallelism x threads-per-job "
        ">= usable CPUs" % (os.path.join(b.dir, "run"), fs))
    for pin in pins:
        for withlog in (True, False):
            bp = max(b.par_list(), key=lambda p: res[(withlog, p, pin)]["jobs"] /
                     res[(withlog, p, pin)]["sweep"])
            r = res[(withlog, bp, pin)]
            jps = r["jobs"] / r["sweep"]
            b.target(">= 20,000 jobs/s through the coordinator (%s, --pin-cpus %s, best "
                     "parallelism %d)" % ("--log" if withlog else "no --log", pin, bp),
                     "%.0f jobs/s" % jps, jps >= 20000)
    for withlog in (True, False):
        r = min((res[k] for k in res if k[0] == withlog and k[2] == "auto"),
                key=lambda r: r["coord_cpu"] / r["jobs"])
        b.target("< 50 us coordinator CPU per job (%s, --pin-cpus auto)" % (
            "--log" if withlog else "no --log"), "%.1f us/job" % (
            r["coord_cpu"] / r["jobs"] * 1e6), r["coord_cpu"] / r["jobs"] * 1e6 < 50)
    if b.sk:
        skmaps = 100 if b.quick else 1000
        log("  sklearn: the first %d regParam values only (%d fits; all %d would take minutes)"
            % (skmaps, 2 * skmaps, 2 * nmaps))
        sk = sk_side(b, "c", csv, ["--validator", "cv", "--folds", "2", "--seed", "1", "--reg",
                                   grid.split("=", 1)[1], "--max-maps", str(skmaps)], b.runs)
        best_pt = max(res[(True, p, "auto")]["jobs"] / res[(True, p, "auto")]["sweep"]
                      for p in b.par_list())
        for nj, v in sk.items():
            fps = (2 * skmaps + 1) / v[0]
            log("  GridSearchCV n_jobs=%d: %.0f fits/s; paratune (--log, best) %.0fx that" % (
                nj, fps, best_pt / fps))


def paired(b, cfgs, n):
    """Runs every (name, args, kw) of cfgs in turn, n rounds (interleaved, so that a busy spell
    of the machine falls on all of them); returns {name: [results]}."""
    out = {name: [] for name, _, _ in cfgs}
    for _ in range(n):
        for name, args, kw in cfgs:
            out[name] += b.runs_pt(args, n=1, **kw)
    return out


def seed_cached(b, seed, n, fit):
    """The seed workload with a warm --image-cache: a different condition from the targets'
    (those parse the CSV every run). One run fills the cache, then paired p1 / p2 runs map
    the image instead of parsing; fit: sklearn's GridSearchCV n_jobs=1 fit time, or None."""
    cdir = os.path.join(b.dir, "run", "s_cache")
    shutil.rmtree(cdir, ignore_errors=True)
    os.makedirs(cdir)
    lg = os.path.join(b.dir, "run", "s_cache.msgpack")
    args = seed + ["--image-cache", cdir]
    b.runs_pt(args + ["--parallelism", "1"], n=1, logpath=lg)  # the first run writes it
    rs = paired(b, [(p, args + ["--parallelism", str(p)], {"logpath": lg}) for p in (1, 2)], n)
    w = {p: med([r["wall"] for r in rs[p]]) for p in (1, 2)}
    load = {p: med([r.get("load") for r in rs[p]]) for p in (1, 2)}
    sk = "" if fit is None else "; GridSearchCV n_jobs=1 fit %s = %.1fx p1, %.1fx p2" % (
        fmt_s(fit), fit / w[1], fit / w[2])
    log("  seed workload, warm --image-cache (NOT the targets' condition: each run maps the "
        "image the first run cached instead of parsing the CSV): p1 %s, p2 %s (p1/p2 %.2fx; "
        "load %s / %s)%s" % (fmt_s(w[1]), fmt_s(w[2]), w[1] / w[2], fmt_s(load[1]),
                             fmt_s(load[2]), sk))
    FIGS["s_cached"] = {"p1": w[1], "p2": w[2], "sklearn_fit": fit}
    shutil.rmtree(cdir, ignore_errors=True)


def workload_s(b):
    """Start-up, the stats phase and dispatch (issue 16): the seed workload's whole process at
    parallelism 1 and 2 and scikit-learn's GridSearchCV n_jobs=1 fit; the stats phase (first
    stats job sent -> last one done, as paratune prints it) at parallelism 1 and 2 on 1M x 100
    (BENCH_QUICK: 200,000); near-empty jobs/s at parallelism 2 with the log, pinned (auto) and
    --pin-cpus off. Runs are paired (interleaved), figures are medians."""
    n = max(b.runs, 5)
    log("\n(s) start-up, stats phase, dispatch (paired runs, medians of %d)" % n)
    csv = b.gen(10000, 100)
    seed = ["--data", csv, "--label", "label"] + GRID + [
        "--validator", "tvs", "--train-ratio", "0.8", "--seed", "42", "--evaluator",
        "regression", "--metric", "rmse"]
    lg = os.path.join(b.dir, "run", "s.msgpack")
    rs = paired(b, [(p, seed + ["--parallelism", str(p)], {"logpath": lg}) for p in (1, 2)], n)
    w = {p: med([r["wall"] for r in rs[p]]) for p in (1, 2)}
    first = {p: med([r.get("first_sent") for r in rs[p]]) for p in (1, 2)}
    log("  seed workload whole process: p1 %s, p2 %s (p1/p2 %.2fx); first job sent %s / %s "
        "after the sweep started" % (fmt_s(w[1]), fmt_s(w[2]), w[1] / w[2], fmt_s(first[1]),
                                     fmt_s(first[2])))
    for p in (1, 2):  # where the whole process goes (medians of each phase)
        ph = {k: med([r.get(k) for r in rs[p]]) for k in ("load", "shm", "sweep", "refit", "stats")}
        if None not in (ph["load"], ph["shm"], ph["sweep"], ph["refit"]):
            log("    p%d: load (parse, checks) %s, image %s, sweep %s (first job sent at %s, "
                "stats %s), refit %s, the rest %s (exec and libraries, log, starting and "
                "stopping the workers, exit)" % (
                    p, fmt_s(ph["load"]), fmt_s(ph["shm"]), fmt_s(ph["sweep"]), fmt_s(first[p]),
                    fmt_s(ph["stats"]), fmt_s(ph["refit"]),
                    fmt_s(w[p] - ph["load"] - ph["shm"] - ph["sweep"] - ph["refit"])))
    b.target("(s) seed workload whole process: p2 >= 1.3x faster than p1",
             "%.2fx (%s vs %s)" % (w[1] / w[2], fmt_s(w[1]), fmt_s(w[2])), w[1] / w[2] >= 1.3)
    fit = None
    if b.sk:
        sk = b.measured(lambda: b.run_sk(["--csv", csv, "--n-jobs", "1", "--validator", "tvs",
                                          "--train-ratio", "0.8", "--seed", "42"] + SK_GRID),
                        b.runs)
        fit = med([r["fit_seconds"] for r in sk])
        log("  sklearn GridSearchCV n_jobs=1 fit %s: %.1fx paratune p2's whole process" % (
            fmt_s(fit), fit / w[2]))
        b.target("(s) seed workload: p2 whole process >= 40x faster than GridSearchCV n_jobs=1 "
                 "fit", "%.1fx (%s vs %s)" % (fit / w[2], fmt_s(w[2]), fmt_s(fit)),
                 fit / w[2] >= 40)
    seed_cached(b, seed, n, fit)
    rows = 200000 if b.quick else 1000000
    big = b.gen(rows, 100)
    args = ["--data", big, "--pipeline", "pca,linearRegression", "--grid", "pca.k=75",
            "--grid", "linearRegression.regParam=0.001,0.01", "--folds", "3", "--seed", "42"]
    rs = paired(b, [(p, args + ["--parallelism", str(p)], {}) for p in (1, 2)], n)
    st = {p: med([r.get("stats") for r in rs[p]]) for p in (1, 2)}
    sw = {p: med([r.get("sweep") for r in rs[p]]) for p in (1, 2)}
    if st[1] and st[2]:
        log("  stats phase, %d x 100, 3 folds, %d stats jobs: p1 %s, p2 %s (p2/p1 %.2fx); sweep "
            "(6 fits with pca.k 75, scored from the moments) p1 %s, p2 %s" % (
                rows, rs[1][0]["nstats"], fmt_s(st[1]), fmt_s(st[2]), st[1] / st[2],
                fmt_s(sw[1]), fmt_s(sw[2])))
        b.target("(s) stats phase at %d x 100, 3 folds: p2/p1 >= 1.8x" % rows,
                 "%.2fx (%s -> %s)" % (st[1] / st[2], fmt_s(st[1]), fmt_s(st[2])),
                 st[1] / st[2] >= 1.8)
    tiny = b.gen(8, 2)
    nmaps = 1000 if b.quick else 10000
    grid = "linearRegression.regParam=" + ",".join(str(i) for i in range(nmaps))
    dargs = ["--data", tiny, "--pipeline", "linearRegression", "--grid", grid, "--folds", "2",
             "--seed", "1", "--parallelism", "2"]
    lg = os.path.join(b.dir, "run", "s_c.msgpack")
    rs = paired(b, [(pin, dargs + ["--pin-cpus", pin], {"logpath": lg})
                    for pin in ("auto", "off")], n)
    for pin in ("auto", "off"):
        jps = med([r["jobs"] / r["sweep"] for r in rs[pin]])
        log("  dispatch, %d near-empty jobs, parallelism 2, --log, --pin-cpus %s: %.0f jobs/s "
            "(runs: %s)" % (2 * nmaps, pin, jps, " ".join("%.0f" % (r["jobs"] / r["sweep"])
                                                       for r in rs[pin])))
        b.target("(s) dispatch >= 30,000 jobs/s, parallelism 2, --log, %s" % (
            "pinned (auto)" if pin == "auto" else "unpinned (--pin-cpus off)"),
            "%.0f jobs/s" % jps, jps >= 30000)


def workload_d(b):
    rows, feats = (50000, 190) if b.quick else (700000, 190)
    log("\n(d) memory: %d x %d, same grid, 3-fold CV, workers' private memory" % (rows, feats))
    csv = b.gen(rows, feats)
    size = os.path.getsize(csv)
    data_bytes = rows * (feats + 1) * 8
    args = ["--data", csv] + GRID + ["--folds", "3", "--seed", "42"]
    log("  cmd: paratune tune " + " ".join(args) + " --parallelism P --log LOG --overwrite")
    lg = os.path.join(b.dir, "run", "d.msgpack")
    res = {}
    for p in b.par_list():
        rs = b.runs_pt(args + ["--parallelism", str(p)], sample_mem=True, logpath=lg)
        r = {k: med([x.get(k) for x in rs]) for k in ("wall", "load", "shm", "sweep", "refit")}
        r["workers"] = [w for x in rs for w in x["workers"]]
        r["coord_hwm_kb"] = max(x["coord_hwm_kb"] for x in rs)
        r["coord_data_kb"] = max(x["coord_data_kb"] for x in rs)
        res[p] = r
    rows_out = []
    w1 = res[1]["wall"]
    for p in b.par_list():
        r = res[p]
        ws = r["workers"]
        priv = max(w["private"] for w in ws) * 1024
        other = max(w["private_other"] for w in ws) * 1024
        rss = max(w["Rss"] for w in ws) * 1024
        rows_out.append([p, fmt_s(r["wall"]), "%.2fx" % (w1 / r["wall"]), fmt_s(r["load"]),
                         fmt_s(r["shm"]), fmt_s(r["sweep"]), "%.0f" % (size / 1e6 / r["load"]),
                         "%.1f MiB (%.2f%%)" % (priv / 2**20, 100 * priv / data_bytes),
                         "%.1f MiB (%.2f%%)" % (other / 2**20, 100 * other / data_bytes),
                         "%.0f MiB" % (rss / 2**20), "%.0f MiB" % (r["coord_hwm_kb"] / 1024),
                         "%.0f MiB" % (r["coord_data_kb"] / 1024)])
    b.table(["parallelism", "whole", "speedup", "load", "shm", "sweep", "load MB/s",
             "worker private (rollup)", "private w/o image", "worker Rss", "coord peak",
             "coord anon+shm peak"],
            rows_out)
    log("  dataset: %.0f MiB of doubles (x and label), CSV %.0f MB; 'worker private' is the "
        "largest Private_Clean+Private_Dirty of smaps_rollup over all samples and workers (shm "
        "pages mapped by one process only count as private there); 'w/o image' leaves out the "
        "image mapping; 'coord peak' is the coordinator's VmHWM, which counts the mapped CSV "
        "text (page cache); 'anon+shm' is its largest RssAnon + RssShmem sampled: the memory "
        "the data takes" % (data_bytes / 2**20, size / 1e6))
    FIGS["d"] = res
    ws = res[2]["workers"]
    priv = max(w["private"] for w in ws) * 1024
    other = max(w["private_other"] for w in ws) * 1024
    b.target("(d) each worker's private memory < 5% of the data (smaps_rollup, 2 workers)",
             "%.2f%% (%.1f MiB of %.0f MiB)" % (100 * priv / data_bytes, priv / 2**20,
                                                 data_bytes / 2**20), priv < 0.05 * data_bytes)
    b.target("(d) the same without the image mapping (anonymous + libraries)",
             "%.2f%% (%.1f MiB)" % (100 * other / data_bytes, other / 2**20),
             other < 0.05 * data_bytes)
    mbps = size / 1e6 / med([r["load"] for r in res.values()])
    b.target("CSV loading, a parse thread per CPU (d: %.0f MB file)" % (size / 1e6),
             "%.0f MB/s" % mbps, mbps >= 200)


def forest_grid(trees):
    return ["--pipeline", "randomForestClassifier",
            "--grid", "randomForestClassifier.maxDepth=5,10",
            "--grid", "randomForestClassifier.numTrees=" + trees,
            "--grid", "randomForestClassifier.featureSubsetStrategy=sqrt,onethird"]


BINNED = re.compile(r"[^\n]*\b(?:bins?|binned|codes)\b[^\n]*\d[^\n]*(?:[KMG]i?B|bytes)[^\n]*",
                    re.I)


def forest_best(r, logpath):
    """(best metric, best params) of a forest run: the log's summary, else the best: line."""
    if logpath and b_msgpack():
        import msgpack
        with open(logpath, "rb") as f:
            for rec in msgpack.Unpacker(f, raw=False, strict_map_key=False):
                if rec.get("record") == "summary":
                    return rec.get("best_metric"), rec.get("best_params")
    m = re.search(r"^best:.*metric=([-0-9.eE+]+)", r["stdout"], re.M)
    return (float(m.group(1)) if m else None), None


def b_msgpack():
    try:
        import msgpack  # noqa: F401
        return True
    except ImportError:
        return False


def workload_e(b):
    # BENCH_QUICK: 10,000 rows and numTrees {10, 20} (scikit-learn's side takes ~20 s, not
    # the full size's many minutes)
    rows, feats, trees = (10000, 30, "10,20") if b.quick else (200000, 30, "50,100")
    log("\n(e) forest: %d x %d binary classification, randomForestClassifier maxDepth {5,10} x "
        "numTrees {%s} x featureSubsetStrategy {sqrt,onethird}, 3-fold CV, areaUnderROC"
        % (rows, feats, trees))
    csv = os.path.join(b.dir, "forest_%dx%d.csv" % (rows, feats))
    if not os.path.exists(csv):
        t = time.perf_counter()
        subprocess.run(["/usr/bin/python3", os.path.join(HERE, "sk_forest.py"), "gen", "--out",
                        csv, "--rows", str(rows), "--features", str(feats)], check=True,
                       env=b.sk_env())
        log("  generated %s (%.0f MB) in %.1fs" % (os.path.basename(csv),
            os.path.getsize(csv) / 1e6, time.perf_counter() - t))
    args = ["--data", csv] + forest_grid(trees) + ["--folds", "3", "--seed", "42",
                                                   "--evaluator", "binary"]
    log("  cmd: paratune tune " + " ".join(args) + " --parallelism P --log LOG --overwrite")
    lg = os.path.join(b.dir, "run", "e.msgpack")
    res = {}
    for p in (1, 2):
        rs = b.runs_pt(args + ["--parallelism", str(p)], logpath=lg)
        r = {k: med([x.get(k) for x in rs]) for k in
             ("wall", "load", "shm", "sweep", "refit", "coord_cpu", "workers_cpu")}
        r["stdout"] = rs[0]["stdout"]
        r["best"], r["best_params"] = forest_best(rs[0], lg)
        with open(os.path.join(b.dir, "run", "stderr")) as f:
            r["binned"] = BINNED.findall(f.read())
        res[p] = r
    b.table(["parallelism", "whole", "speedup", "load", "sweep", "refit", "workers CPU",
             "best areaUnderROC"],
            [[p, fmt_s(r["wall"]), "%.2fx" % (res[1]["wall"] / r["wall"]), fmt_s(r["load"]),
              fmt_s(r["sweep"]), fmt_s(r["refit"]), "%.1fs" % r["workers_cpu"],
              "%.4f" % r["best"] if r["best"] is not None else "-"] for p, r in res.items()])
    log("  best map (parallelism 2): %s" % (res[2]["best_params"],))
    # the README's bound: one byte per training row and feature per (fold, maxBins)
    codes = 2 * rows * feats
    log("  binned image: %s; by the README's rule (k - 1) x rows x features bytes for 3 folds "
        "and one maxBins: %.1f MB (the image's doubles: %.1f MB)" % (
            "; ".join(x.strip() for x in res[2]["binned"]) or "not reported on stderr",
            codes / 1e6, rows * (feats + 1) * 8 / 1e6))
    FIGS["e"] = {p: {k: v for k, v in r.items() if k != "stdout"} for p, r in res.items()}
    p21 = res[1]["wall"] / res[2]["wall"]
    b.target("(e) forest: parallelism 2 >= 1.8x over 1 (whole process)",
             "%.2fx (%s -> %s)" % (p21, fmt_s(res[1]["wall"]), fmt_s(res[2]["wall"])),
             p21 >= 1.8)
    if not b.sk:
        b.target("(e) forest: >= 5x faster than GridSearchCV(RandomForestClassifier)",
                 "no sklearn", None)
        return
    log("  sklearn: GridSearchCV(RandomForestClassifier(bootstrap=True), max_depth {5,10} x "
        "n_estimators {%s} x max_features {6,10} (Spark's ceil rule), roc_auc, the same "
        "folds, n_jobs=2" % trees)
    # no retry of a noisy run: one takes many minutes (the noise is reported at the end)
    sk = b.measured(lambda: run_sk_forest(b, csv, trees), b.sk_heavy_runs, retries=0)
    fit_s = med([x["fit_seconds"] for x in sk])
    skbest = sk[0]["best_score"]
    ptbest = res[2]["best"]
    ratio = fit_s / res[2]["wall"]
    log("  sklearn GridSearchCV n_jobs=2: fit %s (median of %d), best roc_auc %.4f %s" % (
        fmt_s(fit_s), len(sk), skbest, sk[0]["best"]))
    log("  paratune (parallelism 2, whole process %s) is %.1fx faster; best areaUnderROC "
        "paratune %.4f vs sklearn %.4f (%.2f%% apart)" % (
            fmt_s(res[2]["wall"]), ratio, ptbest, skbest, 100 * abs(ptbest - skbest) / skbest))
    FIGS["e_sklearn"] = sk
    b.target("(e) forest: whole paratune process >= 5x faster than GridSearchCV.fit (n_jobs 2)",
             "%.1fx (%s vs %s)" % (ratio, fmt_s(res[2]["wall"]), fmt_s(fit_s)), ratio >= 5)
    b.target("(e) forest: best validation areaUnderROC within 1% of sklearn's",
             "%.4f vs %.4f" % (ptbest, skbest), abs(ptbest - skbest) <= 0.01 * skbest)


def run_sk_forest(b, csv, trees):
    return run_sk_cmd(["/usr/bin/python3", os.path.join(HERE, "sk_forest.py"), "fit", "--csv",
                       csv, "--folds", "3", "--seed", "42", "--trees", trees, "--n-jobs", "2"],
                      b.sk_env())


def boost_sizes(b):
    """(rows, depths, stepSizes, maxIters) of workload f; BENCH_QUICK: 20,000 rows and a
    2 x 2 x 2 grid (both other sides take about a minute)."""
    if b.quick:
        return 20000, "3,5", "0.1,0.2", "20,50"
    return 200000, "3,5,7", "0.05,0.1,0.2", "50,100,200"


def share_switch(b):
    """The `paratune tune` option that turns maxIter sharing off, when --help lists one."""
    r = subprocess.run([b.pt, "tune", "--help"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    m = re.search(r"(--no-[\w-]*(?:shar|prefix)[\w-]*)", r.stdout)
    return m.group(1) if m else None


def workload_f(b):
    rows, depths, steps, iters = boost_sizes(b)
    feats = 30
    log("\n(f) boosting: %d x %d binary classification, gbtClassifier maxDepth {%s} x stepSize "
        "{%s} x maxIter {%s}, maxBins 32, 3-fold CV, areaUnderROC" % (rows, feats, depths,
                                                                     steps, iters))
    csv = os.path.join(b.dir, "forest_%dx%d.csv" % (rows, feats))
    if not os.path.exists(csv):
        subprocess.run(["/usr/bin/python3", os.path.join(HERE, "sk_forest.py"), "gen", "--out",
                        csv, "--rows", str(rows), "--features", str(feats)], check=True,
                       env=b.sk_env())
    args = ["--data", csv, "--pipeline", "gbtClassifier",
            "--grid", "gbtClassifier.maxDepth=" + depths,
            "--grid", "gbtClassifier.stepSize=" + steps,
            "--grid", "gbtClassifier.maxIter=" + iters,
            "--folds", "3", "--seed", "42", "--evaluator", "binary"]
    lg = os.path.join(b.dir, "run", "f.msgpack")
    res = {}
    probe = subprocess.run([b.pt, "tune", "--data", csv, "--pipeline", "gbtClassifier",
                            "--folds", "2", "--quiet", "--set", "gbtClassifier.maxIter=1",
                            "--log", lg, "--overwrite"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    if 'unknown stage "gbtClassifier"' in probe.stderr:
        log("  paratune: gbt stages not built (unknown stage \"gbtClassifier\"); the other "
            "sides only")
    else:
        log("  cmd: paratune tune " + " ".join(args) + " --parallelism P --log LOG --overwrite")
        runs = [(1, []), (2, [])]
        off = share_switch(b)
        if off:
            runs.append(("2, " + off, [off]))
        for p, extra in runs:
            par = str(p).split(",")[0]
            rs = b.runs_pt(args + ["--parallelism", par] + extra, logpath=lg)
            r = {k: med([x.get(k) for x in rs]) for k in
                 ("wall", "load", "sweep", "refit", "coord_cpu", "workers_cpu")}
            r["best"], r["best_params"] = forest_best(rs[0], lg)
            res[p] = r
        b.table(["parallelism", "whole", "speedup", "sweep", "refit", "workers CPU",
                 "best areaUnderROC"],
                [[p, fmt_s(r["wall"]), "%.2fx" % (res[1]["wall"] / r["wall"]), fmt_s(r["sweep"]),
                  fmt_s(r["refit"]), "%.1fs" % r["workers_cpu"],
                  "%.4f" % r["best"] if r["best"] is not None else "-"]
                 for p, r in res.items()])
        log("  best map (parallelism 2): %s" % (res[2]["best_params"],))
        if not off:
            # no switch: one run per maxIter value (no grid over it, so nothing to share),
            # the sum of their sweep phases against the sweep of the shared run
            single = args[:args.index("gbtClassifier.maxIter=" + iters) - 1] + args[
                args.index("gbtClassifier.maxIter=" + iters) + 1:]
            sw = 0.0
            for m in iters.split(","):
                rs = b.runs_pt(single + ["--set", "gbtClassifier.maxIter=" + m,
                                         "--parallelism", "2"], logpath=lg)
                sw += med([x.get("sweep") for x in rs])
            res["noshare"] = {"sweep": sw}
            log("  maxIter sharing on vs off (parallelism 2; no switch to turn it off, so off is "
                "one run per maxIter value): sweep %s vs %s summed, %.2fx" % (
                    fmt_s(res[2]["sweep"]), fmt_s(sw), sw / res[2]["sweep"]))
        FIGS["f"] = {str(p): r for p, r in res.items()}
        p21 = res[1]["wall"] / res[2]["wall"]
        b.target("(f) boosting: parallelism 2 >= 1.8x over 1 (whole process)",
                 "%.2fx (%s -> %s)" % (p21, fmt_s(res[1]["wall"]), fmt_s(res[2]["wall"])),
                 p21 >= 1.8)
        log("  parallelism 2 over 1 (whole process): %.2fx (target 1.8x); sweep alone %.2fx, "
            "refit %s -> %s" % (p21, res[1]["sweep"] / res[2]["sweep"], fmt_s(res[1]["refit"]),
                                fmt_s(res[2]["refit"])))
        if off:
            k = "2, " + off
            log("  maxIter sharing on vs off (parallelism 2): sweep %s vs %s, %.2fx; whole "
                "process %s vs %s, %.2fx" % (
                    fmt_s(res[2]["sweep"]), fmt_s(res[k]["sweep"]),
                    res[k]["sweep"] / res[2]["sweep"], fmt_s(res[2]["wall"]),
                    fmt_s(res[k]["wall"]), res[k]["wall"] / res[2]["wall"]))
    if not b.sk:
        return
    env = dict(b.sk_env(), OMP_NUM_THREADS="1")
    for model, name, want in (("xgb", "XGBoost hist", 3), ("hgb", "HistGradientBoosting", 5)):
        log("  %s: GridSearchCV(n_jobs=2), one thread per fit, max_depth {%s} x learning_rate "
            "2 x {%s} x rounds {%s}, 32 bins, the same folds" % (name, depths, steps, iters))
        cmd = ["/usr/bin/python3", os.path.join(HERE, "sk_boost.py"), "fit", "--csv", csv,
               "--model", model, "--depths", depths, "--steps", steps, "--iters", iters,
               "--n-jobs", "2"]
        sk = b.measured(lambda: run_sk_cmd(cmd, env), b.sk_heavy_runs, retries=1)
        fit_s, skbest = med([x["fit_seconds"] for x in sk]), sk[0]["best_score"]
        log("  %s: fit %s, best roc_auc %.4f %s" % (name, fmt_s(fit_s), skbest, sk[0]["best"]))
        FIGS["f_" + model] = sk
        if 2 not in res:
            continue
        ratio, ptbest = fit_s / res[2]["wall"], res[2]["best"]
        log("  paratune (parallelism 2, whole process %s) is %.2fx faster (target %dx); best "
            "areaUnderROC paratune %.4f vs %.4f (%.2f%% apart, target within 1%%)" % (
                fmt_s(res[2]["wall"]), ratio, want, ptbest, skbest,
                100 * (ptbest - skbest) / skbest))
        b.target("(f) boosting: whole paratune process >= %dx faster than GridSearchCV(%s)"
                 % (want, name), "%.2fx (%s vs %s)" % (ratio, fmt_s(res[2]["wall"]),
                                                       fmt_s(fit_s)), ratio >= want)
        b.target("(f) boosting: best areaUnderROC within 1%% of %s's" % name,
                 "%.4f vs %.4f" % (ptbest, skbest), abs(ptbest - skbest) <= 0.01 * skbest)


def run_sk_cmd(cmd, env):
    """One scikit-learn / XGBoost side run: its JSON, with the wall time and other_cores."""
    t0 = time.perf_counter()
    busy0, _ = cpu_busy()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy1, _ = cpu_busy()
    if r.returncode != 0:
        raise SystemExit("bench: %s failed:\n%s" % (" ".join(cmd[:6]), r.stderr[-2000:]))
    d = json.loads(r.stdout)
    own = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    d["wall"] = wall
    d["other_cores"] = (busy1 - busy0 - own) / wall if wall >= 1.0 else None
    return d


def gen_cat(b, rows, missing):
    """tests/bench/gen_cat.py's file (id, x1..x10, string columns c1 c2 c3 of 50, 20 and 8
    values, label; with missing, x1..x3 hold that fraction of missing values)."""
    path = os.path.join(b.dir, "cat_%d_m%g.csv" % (rows, missing))
    if not os.path.exists(path):
        subprocess.run(["/usr/bin/python3", os.path.join(HERE, "gen_cat.py"), path, "--rows",
                        str(rows), "--missing", str(missing)], check=True)
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass
    return path


def workload_t(b):
    rows = 20000 if b.quick else 100000
    log("\n(t) tabular: %d rows, 10 numeric + 3 string columns (50, 20, 8 values: 78 "
        "indicators), id ignored; 16 maps x 3 folds, parallelism 2" % rows)
    plain, miss = gen_cat(b, rows, 0.0), gen_cat(b, rows, 0.05)
    grid = ["--grid", "linearRegression.regParam=0.001,0.01,0.1,1", "--grid",
            "stringIndexer.stringOrderType=frequencyDesc,alphabetAsc", "--folds", "3",
            "--parallelism", "2", "--ignore", "id"]
    cat = ["--categorical", "c1,c2,c3"]
    ohe = ["--grid", "oneHotEncoder.dropLast=true,false"]
    runs = [
        ("numeric only (c1-c3 ignored)", ["--data", plain, "--ignore", "id,c1,c2,c3",
         "--pipeline", "linearRegression", "--grid", "linearRegression.regParam=0.001,0.01,0.1,1",
         "--folds", "3", "--parallelism", "2"]),
        ("stringIndexer,oneHotEncoder,linearRegression", ["--data", plain] + cat + [
         "--pipeline", "stringIndexer,oneHotEncoder,linearRegression"] + grid + ohe),
        ("  the same, --no-cache (a pass per job)", ["--data", plain] + cat + [
         "--pipeline", "stringIndexer,oneHotEncoder,linearRegression", "--no-cache"] + grid + ohe),
        ("imputer(mean),stringIndexer,oneHotEncoder,linReg", ["--data", miss] + cat + [
         "--pipeline", "imputer,stringIndexer,oneHotEncoder,linearRegression"] + grid + ohe),
        ("  imputer median (a pass per fold: order statistics)", ["--data", miss] + cat + [
         "--pipeline", "imputer,stringIndexer,oneHotEncoder,linearRegression",
         "--set", "imputer.strategy=median"] + grid + ohe),
    ]
    log("  cmd: paratune tune --data FILE ARGS (per row below; gen: tests/bench/gen_cat.py)")
    out, res = [], {}
    for name, args in runs:
        try:
            rs = b.runs_pt(args, sample_mem=True)
        except SystemExit as e:  # an older build refuses what it cannot do
            out.append([name, "refused", "", "", "", "", ""])
            log("    %s: %s" % (name, str(e).splitlines()[-1][:200]))
            continue
        r = {k: med([x.get(k) for x in rs]) for k in ("wall", "load", "shm", "sweep", "jobs")}
        r["coord_data_kb"] = max(x["coord_data_kb"] for x in rs)
        res[name.strip()] = r
        out.append([name, fmt_s(r["wall"]), fmt_s(r["load"]), fmt_s(r["shm"]),
                    fmt_s(r["sweep"]), "%d" % r["jobs"],
                    "%.0f MiB" % (r["coord_data_kb"] / 1024)])
    b.table(["pipeline", "whole", "load", "shm", "sweep", "jobs", "coord anon+shm peak"], out)
    log("  one-hot columns and mean-imputed values are affine maps of the stored indicator "
        "columns, fit and scored from the per-block moments the stats jobs share: no job "
        "passes over the rows (--no-cache shows what such passes cost); median/mode need "
        "order statistics: one pass over a fold's training rows (the columns with missing "
        "values), kept for the fold's other param maps")
    FIGS["t"] = res


def gen_logistic(b, rows, feats):
    """A binary classification CSV: correlated features (8 latent factors plus noise), the
    label drawn from a logistic model; made once under BENCH_DIR."""
    path = os.path.join(b.dir, "logistic_%dx%d.csv" % (rows, feats))
    if not os.path.exists(path):
        code = ("import numpy as np, sys\n"
                "n, p, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]\n"
                "r = np.random.default_rng(16)\n"
                "X = r.normal(size=(n, 8)) @ r.normal(size=(8, p)) * 0.5 + r.normal(size=(n, p))\n"
                "m = X @ (r.normal(size=p) * 0.15) + 0.2\n"
                "y = (r.random(n) < 1 / (1 + np.exp(-m))).astype(int)\n"
                "with open(out + '.tmp', 'w') as f:\n"
                "    f.write(','.join(['f%d' % j for j in range(p)] + ['label']) + '\\n')\n"
                "    np.savetxt(f, np.column_stack([X, y]), delimiter=',',\n"
                "               fmt=['%.6g'] * p + ['%d'])\n")
        subprocess.run(["/usr/bin/python3", "-c", code, str(rows), str(feats), path], check=True)
        os.rename(path + ".tmp", path)
    return path


def avg_metrics(logpath):
    import msgpack
    with open(logpath, "rb") as f:
        recs = [r for r in msgpack.Unpacker(f, raw=False, strict_map_key=False)
                if r.get("record") == "summary"]
    return recs[-1]["avg_metrics"], recs[-1]["best_index"]


def workload_g(b):
    """Regularization paths (--path on vs off) on a 10-point regParam path, and the logistic
    whole process at parallelism 1 vs 2 (the refit's passes on every thread)."""
    rows = 20000 if b.quick else 200000
    regs = "1,0.5,0.2,0.1,0.05,0.02,0.01,0.005,0.002,0.001"
    lg, lin = gen_logistic(b, rows, 40), b.gen(rows // 2, 40)
    log("\n(g) regularization paths: %d rows x 40, regParam %s, 3-fold CV, parallelism 2; "
        "--path on vs off (medians of %d paired runs)" % (rows, regs, b.runs))
    cases = [
        ("logistic L2 (L-BFGS)", ["--data", lg, "--pipeline", "logisticRegression",
                                  "--evaluator", "binary", "--grid",
                                  "logisticRegression.regParam=" + regs]),
        ("logistic elastic net 0.5 (OWL-QN)", ["--data", lg, "--pipeline", "logisticRegression",
                                               "--evaluator", "binary", "--grid",
                                               "logisticRegression.regParam=" + regs, "--set",
                                               "logisticRegression.elasticNetParam=0.5"]),
        ("linear elastic net 0.5 (CD, maxIter 10000; %d rows)" % (rows // 2),
         ["--data", lin, "--pipeline", "linearRegression", "--grid",
          "linearRegression.regParam=" + regs, "--set", "linearRegression.elasticNetParam=0.5",
          "--set", "linearRegression.maxIter=10000"]),
    ]
    out, figs = [], {}
    for name, args in cases:
        args = args + ["--folds", "3", "--parallelism", "2"]
        logs = {p: os.path.join(b.dir, "run", "g_%s.log" % p) for p in ("on", "off")}
        rs = {"on": [], "off": []}
        for _ in range(b.runs):  # paired: on and off side by side
            for p in ("on", "off"):
                rs[p] += b.measured(lambda: b.run_pt(args + ["--path", p], logpath=logs[p]), 1)
        r = {p: {"sweep": med([x["sweep"] for x in rs[p]]), "wall": med([x["wall"] for x in rs[p]]),
                 "iterations": rs[p][-1]["iterations"]} for p in rs}
        diff, same = None, None
        if b.msgpack:
            (ma, ba), (mb, bb) = avg_metrics(logs["on"]), avg_metrics(logs["off"])
            diff = max(abs(x - y) / max(1.0, abs(y)) for x, y in zip(ma, mb))
            same = ba == bb
        figs[name] = {"on": r["on"], "off": r["off"], "max_metric_diff": diff, "same_best": same}
        it_on, it_off = r["on"]["iterations"], r["off"]["iterations"]
        out.append([name, "%s / %s" % (it_on, it_off),
                    "%.2fx" % (it_off / it_on) if it_on and it_off else "-",
                    "%s / %s" % (fmt_s(r["on"]["sweep"]), fmt_s(r["off"]["sweep"])),
                    "%.2fx" % (r["off"]["sweep"] / r["on"]["sweep"]),
                    "-" if diff is None else "%.1e" % diff,
                    "-" if same is None else ("yes" if same else "NO")])
        if diff is not None:
            b.target("(g) %s: path metrics = cold to 1e-6, same best map" % name,
                     "%.1e" % diff, diff <= 1e-6 and same)
    b.table(["path (10 regParam values)", "iterations on/off", "fewer", "sweep on/off",
             "faster", "max |avg diff|", "same best"], out)
    # the logistic whole process, parallelism 1 vs 2, paired
    args = ["--data", lg, "--pipeline", "logisticRegression", "--evaluator", "binary",
            "--grid", "logisticRegression.regParam=0.1,0.03,0.01,0.003,0.001", "--grid",
            "logisticRegression.elasticNetParam=0,0.5", "--folds", "3"]
    rs = {1: [], 2: []}
    for _ in range(b.runs):
        for par in (1, 2):
            rs[par] += b.measured(lambda: b.run_pt(args + ["--parallelism", str(par)]), 1)
    w = {par: med([x["wall"] for x in rs[par]]) for par in rs}
    rf = {par: med([x["refit"] for x in rs[par]]) for par in rs}
    sw = {par: med([x["sweep"] for x in rs[par]]) for par in rs}
    log("  logistic whole process (regParam 5 x elasticNetParam {0, 0.5}, 3 folds, --path off): "
        "p1 %s (sweep %s, refit %s), p2 %s (sweep %s, refit %s): p1/p2 %.2fx; refit p1/p2 "
        "%.2fx" % (fmt_s(w[1]), fmt_s(sw[1]), fmt_s(rf[1]), fmt_s(w[2]), fmt_s(sw[2]),
                   fmt_s(rf[2]), w[1] / w[2], rf[1] / rf[2] if rf[2] > 0 else 0))
    figs["logistic_p1_p2"] = {"wall": w, "refit": rf, "sweep": sw}
    b.target("(g) logistic whole process p1/p2 >= 1.8x", "%.2fx" % (w[1] / w[2]),
             w[1] / w[2] >= 1.8)
    FIGS["g"] = figs


# ---------------------------------------------------------------- main

def workload_p(b):
    """A big forest's model file, loaded and applied to 1M rows by `paratune predict`."""
    rows, train, trees = (100000, 20000, 100) if b.quick else (1000000, 50000, 500)
    log("\n(p) predict: randomForestClassifier numTrees %d, maxDepth 10, fit on %d rows x 30 "
        "(tvs); `paratune predict` on %d rows x 30 (load the model, parse, predict, write)"
        % (trees, train, rows))
    big = os.path.join(b.dir, "forest_%dx30.csv" % rows)
    small = os.path.join(b.dir, "forest_fit_%dx30.csv" % train)
    if not os.path.exists(big):
        subprocess.run(["/usr/bin/python3", os.path.join(HERE, "sk_forest.py"), "gen", "--out",
                        big, "--rows", str(rows), "--features", "30"], check=True,
                       env=b.sk_env())
    if not os.path.exists(small):
        with open(big) as f, open(small, "w") as g:
            for i, line in enumerate(f):
                if i > train:
                    break
                g.write(line)
    model = os.path.join(b.dir, "run", "p.model")
    out = os.path.join(b.dir, "run", "p.csv")
    subprocess.run([b.pt, "tune", "--data", small, "--pipeline", "randomForestClassifier",
                    "--set", "randomForestClassifier.numTrees=%d" % trees, "--set",
                    "randomForestClassifier.maxDepth=10", "--validator", "tvs", "--evaluator",
                    "binary", "--model-out", model, "--overwrite", "--quiet"], check=True,
                   stdout=subprocess.DEVNULL)
    walls = []
    for _ in range(b.runs):
        t = time.perf_counter()
        subprocess.run([b.pt, "predict", "--model", model, "--data", big, "--out", out,
                        "--quiet"], check=True)
        walls.append(time.perf_counter() - t)
    log("  model file %.1f MB; predict on %d rows: %s (median of %d)" % (
        os.path.getsize(model) / 1e6, rows, fmt_s(med(walls)), len(walls)))
    FIGS["p"] = {"predict_wall": med(walls), "model_bytes": os.path.getsize(model)}
    if not b.quick:
        b.target("(p) a 500-tree depth-10 forest predicts 1M rows in seconds (< 30 s)",
                 fmt_s(med(walls)), med(walls) < 30)


def log_summary(path):
    import msgpack
    with open(path, "rb") as f:
        return [r for r in msgpack.Unpacker(f, raw=False, strict_map_key=False)
                if r.get("record") == "summary"][-1]


def workload_h(b):
    """Successive halving (--search halving) against the full grid sweep on the same
    command, in paired runs (full, halving, full, ...: medians), at parallelism 2: fits, wall
    time, and the chosen map's full-sweep metric beside the full sweep's best."""
    big = (3000, 30) if b.quick else (30000, 30)
    gb = (3000, 30) if b.quick else (20000, 30)
    reg = "0.0001,0.0003,0.001,0.003,0.01,0.03,0.1,0.3"
    boost = ["--pipeline", "gbtRegressor", "--grid", "gbtRegressor.maxDepth=2,4,6", "--grid",
             "gbtRegressor.stepSize=0.1,0.3", "--grid",
             "gbtRegressor.minInstancesPerNode=1,20", "--folds", "3", "--seed", "7"]
    # (name, data, the sweep's arguments, halving's own)
    cases = [("seed workload (a), 16 maps, tvs", b.gen(10000, 100),
              GRID + ["--validator", "tvs", "--train-ratio", "0.8", "--seed", "42"], []),
             ("%d x %d, pca.k 1..30 x 8 regParam = 240 maps, 3-fold cv" % big, b.gen(*big),
              ["--pipeline", "pca,linearRegression", "--grid",
               "pca.k=" + ",".join(str(k) for k in range(1, 31)),
               "--grid", "linearRegression.regParam=" + reg, "--folds", "3", "--seed", "7"], []),
             ("%d x %d gbtRegressor, 12 maps, maxIter 54, 3-fold cv, rows" % gb, b.gen(*gb),
              boost + ["--set", "gbtRegressor.maxIter=54"], []),
             ("%d x %d gbtRegressor, 12 maps, maxIter 54, 3-fold cv, maxIter" % gb,
              b.gen(*gb), boost + ["--set", "gbtRegressor.maxIter=54"],
              ["--resource", "maxIter"])]
    log("\n(h) successive halving vs the full sweep (paired runs, parallelism 2, medians)")
    if not b.msgpack:
        log("  skipped: python3 msgpack is needed to read the logs")
        return
    rows_out = []
    for name, csv, grid, own in cases:
        args = ["--data", csv, "--label", "label", "--metric", "rmse", "--parallelism", "2"] + grid
        lf, lh = (os.path.join(b.dir, "run", "h_%s.msgpack" % k) for k in ("full", "halving"))
        walls = {"full": [], "halving": []}
        for _ in range(b.runs):
            walls["full"].append(b.measured(lambda: b.run_pt(args, logpath=lf), 1)[0]["wall"])
            walls["halving"].append(b.measured(
                lambda: b.run_pt(args + ["--search", "halving"] + own, logpath=lh), 1)[0]["wall"])
        sf, sh = log_summary(lf), log_summary(lh)
        fits_f = sf["jobs_ok"] + sf["jobs_failed"]
        fits_h = sh["jobs_ok"] + sh["jobs_failed"]
        best_f, best_h = sf["best_index"], sh["best_index"]
        m_f, m_h = sf["avg_metrics"][best_f], sf["avg_metrics"][best_h]
        wf, wh = med(walls["full"]), med(walls["halving"])
        ratio = med([f / h for f, h in zip(walls["full"], walls["halving"])])
        rung = ", ".join("%d x %d" % (len(r["maps"]), r["resource"]) for r in sh["rungs"])
        log("  %s: rungs (maps x %s) %s" % (name, own[1] if own else "rows", rung))
        log("    full sweep %d fits %s, best #%d rmse %.6g; halving %d fits %s (paired ratio "
            "%.2fx), chose #%d, whose full-sweep rmse is %.6g (%+.3f%% of the best)%s" % (
                fits_f, fmt_s(wf), best_f, m_f, fits_h, fmt_s(wh), ratio, best_h, m_h,
                100 * (m_h - m_f) / m_f, ", the same map" if best_f == best_h else ""))
        rows_out.append([name[:36], fits_f, fits_h, fmt_s(wf), fmt_s(wh), "%.2fx" % ratio,
                         "%.6g" % m_f, "%.6g" % m_h])
        FIGS.setdefault("h", {})[name] = {"fits_full": fits_f, "fits_halving": fits_h,
                                          "wall_full": wf, "wall_halving": wh, "ratio": ratio,
                                          "best_full": best_f, "best_halving": best_h,
                                          "rmse_full_best": m_f, "rmse_halving_choice": m_h}
        b.target("(h) halving, %s: chosen map's rmse within 1%% of the full sweep's best" %
                 name, "%.6g vs %.6g (%+.3f%%); %d vs %d fits; %s vs %s (%.2fx)" % (
                     m_h, m_f, 100 * (m_h - m_f) / m_f, fits_h, fits_f, fmt_s(wh), fmt_s(wf),
                     ratio), abs(m_h - m_f) <= 0.01 * abs(m_f))
    b.table(["workload", "fits full", "fits halving", "full", "halving", "full/halving",
             "best rmse", "chosen's rmse"], rows_out)
def last_summary(logpath):
    """The log's last summary record (msgpack), or None."""
    import msgpack
    out = None
    with open(logpath, "rb") as f:
        for rec in msgpack.Unpacker(f, raw=False, strict_map_key=False):
            if rec.get("record") == "summary":
                out = rec
    return out


def race_pair(b, tag, args, nfits):
    """--race and the full sweep of args, alternated BENCH_RUNS times (paired medians): the
    table row of each, and (fits saved %, same map, metric gap %)."""
    lg = {k: os.path.join(b.dir, "run", "r_%s_%s.msgpack" % (tag, k)) for k in ("race", "full")}
    walls, sweeps = {"race": [], "full": []}, {"race": [], "full": []}
    summ = {}
    for _ in range(b.runs):
        for k in ("race", "full"):
            r = b.measured(lambda: b.run_pt(args + (["--race"] if k == "race" else []),
                                            logpath=lg[k]), 1)[0]
            walls[k].append(r["wall"])
            sweeps[k].append(r.get("sweep"))
            summ[k] = last_summary(lg[k])
    rs, fs = summ["race"], summ["full"]
    saved = rs.get("fits_saved", 0)
    gap = 100 * abs(rs["best_metric"] - fs["best_metric"]) / abs(fs["best_metric"])
    same = rs["best_index"] == fs["best_index"]
    rows = []
    for k, sm in (("full", fs), ("race", rs)):
        run = nfits - (saved if k == "race" else 0)
        rows.append([tag + " " + k, "%d / %d" % (run, nfits),
                     "%d (%.0f%%)" % (saved, 100 * saved / nfits) if k == "race" else "-",
                     fmt_s(med(walls[k])), fmt_s(med(sweeps[k])), "#%d" % sm["best_index"],
                     "%.6g" % sm["best_metric"]])
    ratio = med(walls["full"]) / med(walls["race"])
    sratio = med(sweeps["full"]) / med(sweeps["race"]) if med(sweeps["race"]) else None
    FIGS["r_" + tag] = {"fits": nfits, "saved": saved, "wall_race": med(walls["race"]),
                        "wall_full": med(walls["full"]), "sweep_race": med(sweeps["race"]),
                        "sweep_full": med(sweeps["full"]), "same_map": same, "gap_pct": gap,
                        "pruned": len(rs.get("pruned", []))}
    return rows, (100 * saved / nfits, same, gap, ratio, sratio)


def workload_r(b):
    """Racing (--race) against the full sweep: fits saved, time, the chosen map's metric."""
    if not b.msgpack:
        log("\n(r) racing: skipped (needs python3-msgpack to read the logs' summaries)")
        return
    par = ["--parallelism", str(max(2, min(b.cores, 2)))]  # not --quiet: the phases line
    rows_s, feats_s = (2000, 100) if b.quick else (10000, 100)
    rows_g, feats_g = (5000, 30) if b.quick else (30000, 30)
    ks = list(range(1, 31))
    regs = ["0.0001", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1"]
    log("\n(r) racing vs the full sweep, 5-fold CV (racing needs folds, so the seed example "
        "runs as 5-fold CV here): the seed example (%d x %d, pca.k x regParam 4 x 4, 80 fits) "
        "and a %d-map grid (%d x %d, pca.k 1..30 x regParam %s, %d fits); %d paired runs, "
        "medians" % (rows_s, feats_s, len(ks) * len(regs), rows_g, feats_g, ",".join(regs),
                     5 * len(ks) * len(regs), b.runs))
    seed = ["--data", b.gen(rows_s, feats_s), "--label", "label"] + GRID + ["--folds", "5"]
    big = ["--data", b.gen(rows_g, feats_g), "--label", "label", "--pipeline",
           "pca,linearRegression", "--grid", "pca.k=" + ",".join(map(str, ks)),
           "--grid", "linearRegression.regParam=" + ",".join(regs), "--folds", "5"]
    rows, res = [], {}
    for tag, args, n in (("seed", seed, 80), ("grid", big, 5 * len(ks) * len(regs))):
        r, res[tag] = race_pair(b, tag, args + par, n)
        rows += r
    b.table(["run", "fits run", "fits saved", "whole", "sweep phase", "best", "best rmse"],
            rows)
    for tag in ("seed", "grid"):
        pct, same, gap, ratio, sratio = res[tag]
        log("  %s: race saves %.0f%% of the fits; whole process %.2fx, sweep phase %s as fast;"
            " %s map (rmse gap %.3g%%)" % (tag, pct, ratio, "%.2fx" % sratio if sratio else "-",
                                          "the same" if same else "ANOTHER", gap))
        b.target("(r) %s: --race chooses a map within 0.5%% of the full sweep's best rmse"
                 % tag, "%s, gap %.3g%%" % ("same map" if same else "another map", gap),
                 gap <= 0.5)
    pct, _, _, ratio, sratio = res["grid"]
    b.target("(r) %d-map grid: --race saves >= 25%% of the fits" % (len(ks) * len(regs)),
             "%.0f%% saved; whole %.2fx, sweep %s" % (pct, ratio, "%.2fx" % sratio
                                                       if sratio else "-"), pct >= 25)


def workloads():
    """The workloads by letter, in the order a full run takes them (one line each)."""
    return {
        "a": workload_a,
        "b": workload_b,
        "c": workload_c,
        "d": workload_d,
        "e": workload_e,
        "f": workload_f,
        "g": workload_g,
        "p": workload_p,
        "t": workload_t,
        "h": workload_h,
        "r": workload_r,
        "n": lambda b: bench_agents.workload_n(b, log, med, fmt_s, FIGS),
        "s": workload_s,
        "o": lambda b: scaleout.workload_s(b, log, FIGS),
        "m": workload_m,
    }
def image_size_of(cache_dir):
    """The image's bytes in a cache file of `tune --image-cache` (the trailer's first offset:
    the description starts where the image ends)."""
    import struct
    for name in os.listdir(cache_dir):
        if name.endswith(".ptimg"):
            with open(os.path.join(cache_dir, name), "rb") as f:
                f.seek(-32, os.SEEK_END)
                t = f.read(32)
            if t[:6] == b"PTIMGC":
                return struct.unpack("<Q", t[8:16])[0]
    return None


def load_cpu_run(b, pt, args):
    """One `paratune tune` run of pt (a paratune binary) with the coordinator's CPU time
    sampled every 5 ms from /proc: its load + shared memory phases (paratune's stderr) in
    wall seconds and in CPU seconds (user + system of every thread of the coordinator, the
    parse threads included, up to the end of those phases; the workers are other processes)."""
    err = open(os.path.join(b.dir, "run", "stderr"), "w+")
    t0 = time.perf_counter()
    p = subprocess.Popen([pt, "tune"] + args, stdout=subprocess.DEVNULL, stderr=err)
    samples = []
    while os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is None:
        try:
            samples.append((time.perf_counter() - t0, stat_times(p.pid)[0]))
        except (OSError, ValueError):
            pass
        time.sleep(0.005)
    rc = p.wait()
    err.seek(0)
    se = err.read()
    err.close()
    m = BREAKDOWN.search(se)
    if rc != 0 or not m:
        raise SystemExit("bench: %s failed (exit %d): %s" % (pt, rc, se[-2000:]))
    phase = float(m.group(1)) + float(m.group(2))
    # the last sample before the phases ended (the process started a little after t0)
    cpu = max([c for t, c in samples if t <= phase] or [0.0])
    return {"load_shm": phase, "cpu": cpu}


def workload_m(b):
    """Loading and memory at 1M x 100: peak RSS of every paratune process against the image's
    size, the load's MB/s (parse + image), and --image-cache's first and second run."""
    rows, feats = (100000, 100) if b.quick else (1000000, 100)
    log("\n(m) loading and memory: %d x %d, linearRegression x 2 regParams, 3-fold CV, "
        "parallelism 2" % (rows, feats))
    csv = b.gen(rows, feats)
    size = os.path.getsize(csv)
    args = ["--data", csv, "--pipeline", "linearRegression", "--grid",
            "linearRegression.regParam=0.01,0.1", "--folds", "3", "--seed", "42",
            "--parallelism", "2"]
    cdir = os.path.join(b.dir, "run", "imgcache")
    log("  cmd: paratune tune " + " ".join(args) + " [--image-cache %s]" % cdir)
    rs = b.runs_pt(args, sample_mem=True)
    first, second = [], []
    def cold():
        # the cache emptied before every attempt: a noisy run's repeat is a first run too
        shutil.rmtree(cdir, ignore_errors=True)
        return b.run_pt(args + ["--image-cache", cdir])
    for _ in range(b.runs):
        first += b.measured(cold, 1)
        second += b.runs_pt(args + ["--image-cache", cdir], n=1)
    img = image_size_of(cdir) or rows * (feats + 2) * 8 + rows
    shutil.rmtree(cdir, ignore_errors=True)
    coord = max(r["coord_hwm_kb"] for r in rs) * 1024
    work = max([w["Rss"] for r in rs for w in r["workers"]] or [0]) * 1024
    peak = max(coord, work)
    ld = med([r["load"] + r["shm"] for r in rs])
    mbps = size / 1e6 / ld
    fw, sw = med([r["wall"] for r in first]), med([r["wall"] for r in second])
    fl, sl = med([r["load"] + r["shm"] for r in first]), med([r["load"] + r["shm"] for r in second])
    b.table(["run", "whole", "load + shm", "load MB/s", "coordinator peak RSS",
             "largest worker RSS"],
            [["no cache", fmt_s(med([r["wall"] for r in rs])), fmt_s(ld), "%.0f" % mbps,
              "%.0f MiB (%.2fx image)" % (coord / 2**20, coord / img),
              "%.0f MiB (%.2fx)" % (work / 2**20, work / img)],
             ["--image-cache, first", fmt_s(fw), fmt_s(fl), "%.0f" % (size / 1e6 / fl), "", ""],
             ["--image-cache, second", fmt_s(sw), fmt_s(sl), "(mapped)", "", ""]])
    log("  CSV %.0f MB, image %.0f MiB; RSS is VmHWM (coordinator) and the largest sampled Rss "
        "of a worker (the image pages it mapped included); load + shm: the load and shared "
        "memory phases of paratune's stderr (parse + image); the first cached run's includes "
        "writing the cache file, the second's checking and mapping it" % (size / 1e6,
                                                                          img / 2**20))
    FIGS["m"] = {"image": img, "csv": size, "coord_peak": coord, "worker_peak": work,
                 "load_shm": ld, "mbps": mbps, "cache_first": {"wall": fw, "load_shm": fl},
                 "cache_second": {"wall": sw, "load_shm": sl}}
    load_cpu(b, args, size)
    # the target's figure: wall clock of runs that sample nothing (the runs above sample
    # memory or CPU every few ms from /proc, which takes some of the CPU the parse runs on)
    nw = max(b.runs, 5)
    plain = b.runs_pt(args, n=nw)
    wl, wls = med([r["load"] for r in plain]), med([r["load"] + r["shm"] for r in plain])
    FIGS["m"]["load_wall"] = {"runs": nw, "load": wl, "load_shm": wls,
                              "mbps": size / 1e6 / wls, "mbps_load": size / 1e6 / wl}
    log("  wall clock, %d runs sampling nothing (medians): load phase %s (%.0f MB/s), load + "
        "shared memory %s (%.0f MB/s)" % (nw, fmt_s(wl), size / 1e6 / wl, fmt_s(wls),
                                          size / 1e6 / wls))
    b.target("(m) peak RSS of any paratune process <= 1.2x the image (%d x %d)" % (rows, feats),
             "%.2fx (%.0f MiB of %.0f MiB)" % (peak / img, peak / 2**20, img / 2**20),
             peak <= 1.2 * img)
    b.target("(m) loading (parse + image) >= 1 GB/s of CSV on %d cores (wall clock, median of "
             "%d runs)" % (b.cores, nw),
             "%.0f MB/s (load + shared memory %s for %.0f MB; load phase alone %s, %.0f MB/s)"
             % (size / 1e6 / wls, fmt_s(wls), size / 1e6, fmt_s(wl), size / 1e6 / wl),
             size / 1e6 / wls >= 1000)
    b.target("(m) --image-cache: second run vs first (whole process; load + shm)",
             "%.2fx (%s -> %s); %.0fx (%s -> %s)" % (fw / sw, fmt_s(fw), fmt_s(sw), fl / sl,
                                                     fmt_s(fl), fmt_s(sl)), None)


def load_cpu(b, args, size):
    """(m) the load's CPU: paired runs of this build and, with BENCH_BASE=DIR (a directory
    with another build's paratune, e.g. main's), of that one, alternating; medians of the
    load + shared memory phases' wall time and the coordinator's CPU seconds in them."""
    base = os.environ.get("BENCH_BASE")
    builds = [("this build", b.pt)] + ([("BENCH_BASE", os.path.join(base, "paratune"))]
                                       if base else [])
    got = {name: [] for name, _ in builds}
    for _ in range(max(b.runs, 3)):
        for name, pt in builds:
            got[name].append(load_cpu_run(b, pt, args))
    rows = []
    for name, _ in builds:
        ld, cpu = med([r["load_shm"] for r in got[name]]), med([r["cpu"] for r in got[name]])
        rows.append([name, fmt_s(ld), "%.0f" % (size / 1e6 / ld), "%.2f" % cpu,
                     "%.2f" % (cpu / (size / 1e9))])
        FIGS.setdefault("m", {})["load_cpu_" + ("base" if name != "this build" else "this")] = {
            "load_shm": ld, "cpu": cpu, "cpu_per_gb": cpu / (size / 1e9)}
    log("  the load's CPU (paired runs, medians of %d; coordinator user + system CPU up to the "
        "end of the shared memory phase, sampled every 5 ms):" % max(b.runs, 3))
    b.table(["build", "load + shm", "MB/s", "CPU-s", "CPU-s per GB"], rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build")
    a = ap.parse_args()
    b = Bench(a.bin)
    b.numpy_kernel = "not measured"
    t0 = time.perf_counter()
    busy0, steal0 = cpu_busy()
    own0 = os.times()
    kern = subprocess.run(["env", "OPENBLAS_VERBOSE=2", os.path.join(b.bin, "paratune-worker")],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    m = re.search(r"Core: (\S+)", kern)
    log("paratune bench: %d cores, %d runs per configuration (median)%s, data in %s" % (
        b.cores, b.runs, ", QUICK sizes" if b.quick else "", b.dir))
    log("OpenBLAS kernel of paratune (environment as is: OPENBLAS_CORETYPE=%s, "
        "OPENBLAS_L2_SIZE=%s): %s" % (os.environ.get("OPENBLAS_CORETYPE", "unset"),
                                      os.environ.get("OPENBLAS_L2_SIZE", "unset"),
                                      m.group(1) if m else "unknown"))
    if not b.sk:
        log("scikit-learn side skipped (BENCH_SKLEARN=0 or /usr/bin/python3 lacks sklearn)")
    quiet = float(os.environ.get("BENCH_WAIT_QUIET", "0") or 0)
    for w in b.workloads:
        if quiet > 0:
            wait_quiet(quiet)
        workloads()[w.strip()](b)
    if b.sk:
        log("\nnumpy (sklearn runs, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset): %s" %
            b.numpy_kernel)
    log("\nTARGETS%s" % (" (QUICK sizes: the targets are meant for the full sizes)"
                         if b.quick else ""))
    rows = [[n, f, "-" if ok is None else ("PASS" if ok else "MISS")] for n, f, ok in b.targets]
    b.table(["target", "measured", ""], rows)
    log("runs repeated because other processes kept > %.2f cores busy during them: %d%s" % (
        b.max_other, b.noisy, "; noisy runs kept after the retries: %d" % b.noisy_kept
        if b.noisy_kept else ""))
    busy1, steal1 = cpu_busy()
    own1 = os.times()
    mine = sum(own1[:4]) - sum(own0[:4])
    other = busy1 - busy0 - mine
    el = time.perf_counter() - t0
    log("bench: %.0fs in all; CPU busy %.0fs, of which this benchmark's processes %.0fs: other "
        "processes and kernel threads used %.0fs (%.0f%% of one core on average)%s; steal %.0fs"
        % (el, busy1 - busy0, mine, other, 100 * other / el,
           " -- WARNING: the machine was not quiet, figures may be noisy"
           if other > 0.1 * el else "", steal1 - steal0))
    if os.environ.get("BENCH_JSON"):
        with open(os.environ["BENCH_JSON"], "w") as f:
            json.dump({"figures": FIGS, "targets": b.targets}, f, indent=1, default=str)
    shutil.rmtree(os.path.join(b.dir, "run"), ignore_errors=True)


if __name__ == "__main__":
    main()
