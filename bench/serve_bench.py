#!/usr/bin/env python3
"""The live host end to end (issue 14), each figure a ratio against a baseline measured in the same run.

  1. throughput: `serve` replaying a data set as fast as possible vs `run` on the same data, same
     strategies (4 symbols, MEM off: the engine's common case without MEM; the baseline is `run`'s
     engine time as its report gives it, serve's is its engine thread's life);
  2. 1,000 consecutive swaps of one instance between two versions: the host's resident memory and
     open file descriptors before and after, and the swap pauses on the bar path (/metrics);
  3. the control API: GET /api/v1/instances with 100 concurrent clients while a rate-limited feed
     runs: requests per second, and the feed's throughput with and without that load.

Usage: bench/serve_bench.py BUILD_DIR [--bars N] [--swap-fixtures DIR]
(--swap-fixtures: the swap_probe fixture plugins, for part 2; without them part 2 swaps macd to
itself, which still exercises instance creation, state handover and release.)
"""
import argparse
import json
import os
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path


def start(binary, home, config, extra=(), plugins=()):
    env = {k: v for k, v in os.environ.items() if k != "ALGOHOST_PLUGIN_PATH"}
    env["ALGOHOST_HOME"] = str(home)
    args = [binary] + [a for p in plugins for a in ("--plugins", str(p))]
    args += ["serve", "--config", str(config), "--listen", "127.0.0.1:0", *extra]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    if not line.startswith("listening on "):
        raise SystemExit(f"serve did not start: {line} {proc.stderr.read()}")
    return proc, line.split()[-1].strip()


def call(url, method, path, token=None, body=None):
    req = urllib.request.Request(url + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read().decode() or "null")


def serve_results(home):
    con = sqlite3.connect(home / "catalog.db")
    row = con.execute("SELECT results_json FROM runs WHERE kind = 'serve' ORDER BY started_at DESC, rowid DESC LIMIT 1").fetchone()
    con.close()
    return json.loads(row[0])


def proc_usage(pid):
    rss = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def part_throughput(binary, tmp, bars):
    spec = f"symbols=4,bars={bars},seed=7,timeframe=1h"
    home = tmp / "h1"
    env = dict(os.environ, ALGOHOST_HOME=str(home))
    rep = json.loads(subprocess.run([binary, "run", "--strategy", "macd", "--strategy", "rsi", "--synthetic", spec,
                                     "--mem", "off", "--json"], capture_output=True, text=True, env=env, check=True).stdout)
    run_rate = rep["bars"] / rep["seconds"]
    cfg = tmp / "t.json"
    cfg.write_text(json.dumps({"feed": {"type": "replay", "synthetic": spec, "rate": 0},
                               "strategies": [{"instance": "m", "strategy": "macd", "enhancer": "none"},
                                              {"instance": "r", "strategy": "rsi", "enhancer": "none"}]}))
    proc, _ = start(binary, home, cfg, ["--exit-at-end"])
    proc.communicate(timeout=600)
    res = serve_results(home)
    serve_rate = res["bars_processed"] / res["seconds"]
    print(f"[1] 4 symbols x {bars} bars, macd + rsi, MEM off (common case without MEM)")
    print(f"    run   (batch engine, RunService time): {run_rate / 1e6:8.2f} M bars/s")
    print(f"    serve (replay, as fast as possible):    {serve_rate / 1e6:8.2f} M bars/s")
    print(f"    ratio serve / run: {serve_rate / run_rate:.2f}  (target >= 0.8)")


def part_swaps(binary, tmp, fixtures, n=1000):
    home = tmp / "h2"
    cfg = tmp / "s.json"
    probe = {"instance": "p", "strategy": "swap_probe", "version": "1.0.0", "probation_slices": 0} if fixtures else \
        {"instance": "p", "strategy": "macd", "probation_slices": 0}
    versions = ["2.0.0", "1.0.0"] if fixtures else [None, None]
    cfg.write_text(json.dumps({"feed": {"type": "replay", "synthetic": "symbols=2,bars=5000000,seed=1,timeframe=1m",
                                        "rate": 20000}, "strategies": [probe]}))
    proc, url = start(binary, home, cfg, plugins=[fixtures] if fixtures else [])
    token = (home / "token").read_text().strip()
    own_version = call(url, "GET", "/api/v1/instances/p")["version"]
    for i in range(50):  # warm: the libraries of both versions mapped, caches filled
        call(url, "POST", "/api/v1/instances/p/swap", token, {"version": versions[i % 2] or own_version})
    before = proc_usage(proc.pid)
    t0 = time.perf_counter()
    for i in range(n):
        call(url, "POST", "/api/v1/instances/p/swap", token, {"version": versions[i % 2] or own_version})
    dt = time.perf_counter() - t0
    after = proc_usage(proc.pid)
    metrics = urllib.request.urlopen(url + "/metrics").read().decode()
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=120)
    vals = {l.split()[0]: float(l.split()[1]) for l in metrics.splitlines() if l.startswith("algohost_swap_pause")}
    mean = vals["algohost_swap_pause_seconds_sum"] / max(1, vals["algohost_swap_pause_seconds_count"])
    print(f"[2] {n} consecutive swaps ({'swap_probe 1.0.0 <-> 2.0.0' if fixtures else 'macd to itself'}), feed at 20k bars/s")
    print(f"    swaps per second through the API: {n / dt:.0f}")
    print(f"    resident memory: {before[0]} kB before, {after[0]} kB after ({after[0] / before[0]:.3f}x)")
    print(f"    open file descriptors: {before[1]} before, {after[1]} after")
    print(f"    pause on the bar path: mean {mean * 1e6:.1f} us, max {vals['algohost_swap_pause_seconds_max'] * 1e6:.1f} us "
          f"(p99 from bench_swap_pause)")


def part_api(binary, tmp, clients=100, seconds=5.0):
    spec = "symbols=4,bars=2000000,seed=2,timeframe=1m"
    rate = 400000

    def feed_rate(load):
        home = tmp / ("h3l" if load else "h3")
        cfg = tmp / "a.json"
        cfg.write_text(json.dumps({"feed": {"type": "replay", "synthetic": spec, "rate": rate},
                                   "strategies": [{"instance": "m", "strategy": "macd", "enhancer": "none"},
                                                  {"instance": "r", "strategy": "rsi", "enhancer": "none"}]}))
        proc, url = start(binary, home, cfg)
        time.sleep(0.5)
        done = [0]
        stop = threading.Event()

        def client():
            while not stop.is_set():
                call(url, "GET", "/api/v1/instances")
                done[0] += 1

        threads = [threading.Thread(target=client) for _ in range(clients if load else 0)]
        h0 = call(url, "GET", "/api/v1/health")
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join()
        h1 = call(url, "GET", "/api/v1/health")
        dt = time.perf_counter() - t0
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=120)
        return (h1["bars_processed"] - h0["bars_processed"]) / dt, done[0] / dt

    quiet, _ = feed_rate(False)
    loaded, rps = feed_rate(True)
    print(f"[3] GET /api/v1/instances, {clients} concurrent clients, feed asked for {rate} bars/s (4 symbols, macd + rsi)")
    print(f"    requests per second: {rps:.0f}")
    print(f"    feed throughput: {quiet / 1e3:.0f} k bars/s without the load, {loaded / 1e3:.0f} k bars/s with it "
          f"(ratio {loaded / quiet:.2f})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--bars", type=int, default=500000)
    ap.add_argument("--swap-fixtures", default="")
    ap.add_argument("--parts", default="1,2,3")
    a = ap.parse_args()
    binary = str(Path(a.build_dir) / "bin" / "algohost")
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        parts = a.parts.split(",")
        if "1" in parts:
            part_throughput(binary, tmp, a.bars)
        if "2" in parts:
            part_swaps(binary, tmp, a.swap_fixtures)
        if "3" in parts:
            part_api(binary, tmp)


if __name__ == "__main__":
    main()
