"""bench_agents.py - workload (n) of tests/bench/bench.py: tune --listen with paratune-agents
on this machine (127.0.0.1, CURVE TCP), side by side with the local run, paired runs:

  dispatch   near-empty jobs (8 rows x 2 features, linearRegression, N regParams x 2 folds),
             parallelism 2: two local workers over ipc vs two agents of one slot over TCP;
             jobs/s of the sweep phase
  shipping   the image of a larger dataset sent to two agents at once: MB/s of each and the
             time until every node has its image (the coordinator's "image of ... received"
             notes: from an agent's HELLO to its last chunk acknowledged)
  shared     the same image read by the two agents from the --image-cache file (a shared
             filesystem: here, this host's page cache), nothing shipped: the time until
             every node has its image (the "read the image from the shared file" notes)
  overhead   the seed workload (a: 10,000 x 100, pca.k x regParam 4 x 4, tvs 0.8),
             parallelism 2: whole wall of the local run vs --listen with two agents; and
             1,000,000 x 100 (linearRegression, 4 regParams, 3-fold CV), where the image
             (800 MB) is shipped to each agent

The agents are started just before each coordinator (they retry the connection until it
listens), so the --listen figures include the agents' start, the shipping and their setup.
"""
import os
import re
import socket
import subprocess
import time

SHIP = re.compile(r"agent (\S+) \((\d+) slots\): image of ([0-9.]+) MB received in ([0-9.]+) s")
SHARED = re.compile(r"agent (\S+) read the image from the shared file \S+ \(([0-9.]+) MB in "
                    r"([0-9.]+) s\)")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def listen_run(b, args, key, nagents):
    """One `paratune tune ARGS --listen` run with nagents agents of one slot: the run's
    figures (bench.run_pt) and its stderr."""
    port = free_port()
    agent = os.path.join(b.bin, "paratune-agent")
    ags = [subprocess.Popen([agent, "--connect", "tcp://127.0.0.1:%d" % port, "--key", key,
                             "--slots", "1", "--node", "n%d" % i, "--timeout", "60"],
                            stderr=subprocess.DEVNULL) for i in range(nagents)]
    try:
        r = b.run_pt(args + ["--listen", "tcp://127.0.0.1:%d" % port, "--key", key])
    finally:
        for a in ags:
            try:
                a.wait(timeout=10)
            except subprocess.TimeoutExpired:
                a.kill()
                a.wait()
    with open(os.path.join(b.dir, "run", "stderr")) as f:
        r["stderr"] = f.read()
    return r


def paired(b, args, key, nagents, n):
    """n pairs (local run, --listen run), one after the other."""
    loc, rem = [], []
    for _ in range(n):
        loc.append(b.run_pt(args))
        rem.append(listen_run(b, args, key, nagents))
    return loc, rem


def workload_n(b, log, med, fmt_s, figs):
    key = os.path.join(b.dir, "agents.key")
    if not os.path.exists(key):
        subprocess.run([b.pt, "keygen", key], check=True)
    nmaps = 500 if b.quick else 2000
    log("\n(n) agents: tune --listen with paratune-agents on 127.0.0.1 (CURVE TCP) vs the "
        "local run, %d paired runs (medians)" % b.runs)
    # dispatch
    csv = b.gen(8, 2)
    grid = "linearRegression.regParam=" + ",".join(str(i) for i in range(nmaps))
    args = ["--data", csv, "--pipeline", "linearRegression", "--grid", grid, "--folds", "2",
            "--seed", "1", "--parallelism", "2", "--pin-cpus", "off"]
    loc, rem = paired(b, args, key, 2, b.runs)
    jl = med([r["jobs"] / r["sweep"] for r in loc])
    jr = med([r["jobs"] / r["sweep"] for r in rem])
    log("  dispatch, %d near-empty jobs, parallelism 2: ipc (2 local workers) %.0f jobs/s, "
        "TCP (2 agents x 1 slot) %.0f jobs/s: %.2fx" % (2 * nmaps, jl, jr, jr / jl))
    # shipping
    rows, feats = (100000, 50) if b.quick else (500000, 100)
    big = b.gen(rows, feats, seed=3)
    sargs = ["--data", big, "--pipeline", "linearRegression", "--grid",
             "linearRegression.regParam=0.1", "--validator", "tvs", "--seed", "1",
             "--parallelism", "2"]
    ships = []
    for _ in range(b.runs):
        r = listen_run(b, sargs, key, 2)
        got = [(m.group(1), float(m.group(3)), float(m.group(4)))
               for m in SHIP.finditer(r["stderr"])]
        if len(got) == 2:
            ships.append((got[0][1], max(g[2] for g in got),
                          med([g[1] / g[2] for g in got])))
    if ships:
        mb, tall, rate = ships[0][0], med([s[1] for s in ships]), med([s[2] for s in ships])
        log("  shipping, %d x %d (an image of %.0f MB) to 2 agents at once: %.0f MB/s each, "
            "%.2f s until every node has its image" % (rows, feats, mb, rate, tall))
    else:
        rate = tall = float("nan")
        log("  shipping: no image notes found")
    # the same image read from the shared --image-cache file (the first run writes it)
    cdir = os.path.join(b.dir, "agents-cache")
    shares = []
    for _ in range(b.runs):
        r = listen_run(b, sargs + ["--image-cache", cdir], key, 2)
        got = [float(m.group(3)) for m in SHARED.finditer(r["stderr"])]
        if len(got) == 2 and not SHIP.search(r["stderr"]):
            shares.append(max(got))
    sall = med(shares) if shares else float("nan")
    log("  shared file (--image-cache), the same image read by 2 agents at once, nothing "
        "shipped: %.2f s until every node has its image (shipped: %.2f s)" % (sall, tall))
    # overhead on the seed workload
    seed = b.gen(1000 if b.quick else 10000, 100)
    oargs = ["--data", seed, "--pipeline", "pca,linearRegression",
             "--grid", "pca.k=15,20,40,75", "--grid",
             "linearRegression.regParam=0.001,0.003,0.01,0.03", "--validator", "tvs",
             "--train-ratio", "0.8", "--seed", "42", "--parallelism", "2"]
    loc2, rem2 = paired(b, oargs, key, 2, b.runs)
    wl, wr = med([r["wall"] for r in loc2]), med([r["wall"] for r in rem2])
    log("  seed workload (a), parallelism 2: local %s, --listen with 2 agents %s: %.2fx "
        "(the agents' start, shipping and setup included)" % (fmt_s(wl), fmt_s(wr), wr / wl))
    # overhead on 1M rows: the image (800 MB) crosses to each agent, as it does on a cluster
    rows_b = 100000 if b.quick else 1000000
    mil = b.gen(rows_b, 100)
    margs = ["--data", mil, "--pipeline", "linearRegression", "--grid",
             "linearRegression.regParam=0.001,0.01,0.1,1", "--folds", "3", "--seed", "1",
             "--parallelism", "2"]
    loc3, rem3 = paired(b, margs, key, 2, b.runs)
    ml, mr = med([r["wall"] for r in loc3]), med([r["wall"] for r in rem3])
    log("  %d x 100, linearRegression regParam x 4, 3-fold CV, parallelism 2: local %s, "
        "--listen with 2 agents %s: %.2fx (+%.2f s: the image shipped to both agents and laid "
        "out again there)" % (rows_b, fmt_s(ml), fmt_s(mr), mr / ml, mr - ml))
    figs["n"] = {"dispatch_ipc_jobs_s": jl, "dispatch_tcp_jobs_s": jr, "ship_mb_s": rate,
                 "ship_all_s": tall, "shared_all_s": sall, "seed_local_s": wl, "seed_listen_s": wr,
                 "million_local_s": ml, "million_listen_s": mr}
    b.target("dispatch over TCP to 2 agents >= 0.5x of ipc to 2 local workers (jobs/s)",
             "%.2fx (%.0f vs %.0f jobs/s)" % (jr / jl, jr, jl), jr >= 0.5 * jl)
    b.target(">= 100 MB/s image shipping per agent on localhost (2 at once)",
             "%.0f MB/s, all in %.2f s" % (rate, tall), rate >= 100)
    b.target("images from the shared --image-cache file: every agent has its image sooner "
             "than by shipping (2 agents on localhost)",
             "%.2f s vs %.2f s shipped" % (sall, tall), sall < tall)
    b.target("--listen with 2 local agents: < 0.2 s over the local run on the seed workload "
             "(a fixed cost: agents' start, shipping, setup)",
             "+%.3f s (%.2fx)" % (wr - wl, wr / wl), wr - wl < 0.2)
    b.target("--listen with 2 local agents on %d x 100 vs the local run (a figure: the "
             "image shipped twice and laid out again)" % rows_b,
             "+%.2f s (%.2fx: %s vs %s)" % (mr - ml, mr / ml, fmt_s(mr), fmt_s(ml)), None)
