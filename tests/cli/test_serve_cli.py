"""Issue 14: the live host end to end — `algohost serve` from a config file, its control API, hot
swap under a running feed, automatic rollback, bad requests, graceful stop, and `algohost ctl`."""
import json
import os
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import SAMPLE_CSV, SOURCE_DIR

SWAP_FIXTURES = os.environ.get("ALGOHOST_SWAP_PLUGIN_DIR", "")


class Host:
    """A running `algohost serve`: its process, base URL and token."""

    def __init__(self, proc, url, home):
        self.proc, self.url, self.home = proc, url, Path(home)
        self.token = (self.home / "token").read_text().strip()

    def call(self, method, path, body=None, token=True, raw=None, headers=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + (token if isinstance(token, str) else self.token))
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                text = r.read().decode()
                return r.status, (json.loads(text) if r.headers.get_content_type() == "application/json" else text)
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            try:
                return e.code, json.loads(text)
            except ValueError:
                return e.code, text

    def instance_when(self, name, done, timeout=30):
        """GET the instance until done(instance) holds or `timeout` seconds pass; the last reply."""
        deadline = time.time() + timeout
        while True:
            code, inst = self.call("GET", "/api/v1/instances/" + name, token=False)
            assert code == 200, inst
            if done(inst) or time.time() > deadline:
                return inst
            time.sleep(0.05)

    def wait(self, timeout=120):
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err


def swap_plugins():
    """The swap_probe fixture plugins (1.0.0, 2.0.0 that migrates 1.0.0's state, 3.0.0 that fails at once)."""
    if not SWAP_FIXTURES or not Path(SWAP_FIXTURES).is_dir():
        pytest.fail("ALGOHOST_SWAP_PLUGIN_DIR must name the swap_probe fixture plugins (run through ctest)")
    return SWAP_FIXTURES


def start(algohost_bin, home, config, *extra, plugins=()):
    env = {k: v for k, v in os.environ.items() if k != "ALGOHOST_PLUGIN_PATH"}
    env["ALGOHOST_HOME"] = str(home)
    args = [algohost_bin]
    for p in plugins:
        args += ["--plugins", str(p)]
    args += ["serve", "--config", str(config), "--listen", "127.0.0.1:0", *extra]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    if not line.startswith("listening on "):
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"serve did not start: {line!r} {out} {err}")
    return Host(proc, line.split()[-1].strip(), home)


def write_config(path, cfg):
    path.write_text(json.dumps(cfg))
    return path


def trades_of(db, run_id, name):
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT p.symbol, p.entry_timestamp, p.exit_timestamp, round(p.entry_price, 9), round(p.exit_price, 9), "
        "round(p.quantity, 9), round(p.pnl, 6) FROM strategy_performance p JOIN strategies s USING (strategy_id) "
        "WHERE p.run_id = ? AND s.strategy_name = ? ORDER BY p.exit_timestamp, p.symbol, p.entry_timestamp",
        (run_id, name)).fetchall()
    con.close()
    return rows


def serve_run(db):
    con = sqlite3.connect(db)
    row = con.execute("SELECT run_id, status, results_json FROM runs WHERE kind = 'serve' ORDER BY started_at DESC, rowid DESC LIMIT 1").fetchone()
    con.close()
    return row[0], row[1], json.loads(row[2]) if row[2] else None


def test_a_replay_through_serve_gives_the_trades_of_run(algohost_bin, home, tmp_path):
    cfg = write_config(tmp_path / "serve.json", {
        "feed": {"type": "replay", "data": str(SAMPLE_CSV), "rate": 0},
        "strategies": [{"instance": "m", "strategy": "macd", "enhancer": "none"},
                       {"instance": "r", "strategy": "rsi", "enhancer": "none"}]})
    host = start(algohost_bin, home.path, cfg, "--exit-at-end")
    rc, out, err = host.wait()
    assert rc == 0, err
    db = home.path / "catalog.db"
    run_id, status, results = serve_run(db)
    assert status == "finished"
    assert results["bars_fed"] == results["bars_processed"] > 0
    proc, rep = home.json("run", "--strategy", "macd", "--strategy", "rsi", "--data", SAMPLE_CSV, "--mem", "off", "--json")
    assert proc.returncode == 0, proc.stderr
    for name in ("macd", "rsi"):
        served, ran = trades_of(db, run_id, name), trades_of(db, rep["run_id"], name)
        assert ran, name
        assert served == ran, name
    assert not (home.path / "host.json").exists()  # removed on a clean stop


def test_a_hundred_swaps_during_a_fast_feed_lose_nothing(algohost_bin, home, tmp_path):
    feed = {"type": "replay", "synthetic": "symbols=2,bars=60000,seed=3,timeframe=1h", "rate": 60000}
    cfg = write_config(tmp_path / "serve.json", {
        "feed": feed,
        "strategies": [{"instance": "probe", "strategy": "swap_probe", "version": "1.0.0", "probation_slices": 0},
                       {"instance": "m", "strategy": "macd"}]})
    host = start(algohost_bin, home.path, cfg, "--exit-at-end", plugins=[swap_plugins()])
    versions = ["2.0.0", "1.0.0"] * 50
    for v in versions:
        code, body = host.call("POST", "/api/v1/instances/probe/swap", {"version": v})
        assert code == 200, body
        assert body["version"] == v
    code, health = host.call("GET", "/api/v1/health", token=False)
    assert code == 200
    assert health["replay_done"] is False, "the feed ended before the swaps did: raise its size"
    rc, out, err = host.wait()
    assert rc == 0, err
    db = home.path / "catalog.db"
    run_id, status, results = serve_run(db)
    assert status == "finished"
    assert results["bars_fed"] == results["bars_processed"] == 120000
    assert results["errors"] == 0 and results["swaps"] == 100
    inst = results["instances"]["probe"]
    assert inst["slices"] == 60000  # every slice processed once, by one version at a time
    con = sqlite3.connect(db)
    recorded = con.execute("SELECT count(*) FROM strategy_performance WHERE run_id = ?", (run_id,)).fetchone()[0]
    audits = con.execute("SELECT count(*) FROM audit_log WHERE action = 'live_swap'").fetchone()[0]
    con.close()
    assert recorded == results["trades_recorded"] == sum(i["trades"] for i in results["instances"].values())
    assert audits == 100
    # the state went across every swap: the trades are those of one uninterrupted run of 1.0.0
    proc, rep = home.json("--plugins", SWAP_FIXTURES, "run", "--strategy", "swap_probe@1.0.0", "--synthetic",
                          "symbols=2,bars=60000,seed=3,timeframe=1h", "--json")
    assert proc.returncode == 0, proc.stderr
    assert trades_of(db, run_id, "swap_probe") == trades_of(db, rep["run_id"], "swap_probe")


def test_a_version_that_fails_at_once_is_rolled_back_and_the_feed_goes_on(algohost_bin, home, tmp_path):
    cfg = write_config(tmp_path / "serve.json", {
        "feed": {"type": "replay", "synthetic": "symbols=2,bars=20000,seed=4", "rate": 20000},
        "strategies": [{"instance": "probe", "strategy": "swap_probe", "version": "1.0.0", "probation_slices": 5}]})
    host = start(algohost_bin, home.path, cfg, "--exit-at-end", plugins=[swap_plugins()])
    code, body = host.call("POST", "/api/v1/instances/probe/swap", {"version": "3.0.0"})
    assert code == 200, body
    inst = host.instance_when("probe", lambda i: i["version"] == "1.0.0")
    assert inst["version"] == "1.0.0", inst
    assert inst["status"] == "running"
    assert inst["last_error"]
    rc, out, err = host.wait()
    assert rc == 0, err
    run_id, status, results = serve_run(home.path / "catalog.db")
    assert results["bars_fed"] == results["bars_processed"] == 40000
    assert results["rollbacks"] == 1
    assert results["instances"]["probe"]["slices"] == 20000
    con = sqlite3.connect(home.path / "catalog.db")
    rows = con.execute("SELECT actor, after_json FROM audit_log WHERE action = 'live_rollback'").fetchall()
    con.close()
    assert len(rows) == 1 and json.loads(rows[0][1])["automatic"] is True


def test_bad_requests_get_a_json_error_and_leave_the_host_unaffected(algohost_bin, home, tmp_path):
    cfg = write_config(tmp_path / "serve.json", {
        "feed": {"type": "replay", "data": str(SAMPLE_CSV), "rate": 2000},
        "strategies": [{"instance": "m", "strategy": "macd"}]})
    host = start(algohost_bin, home.path, cfg)
    try:
        cases = [
            ("POST", "/api/v1/instances/m/swap", None, b"{not json", True, 400),
            ("POST", "/api/v1/instances/nope/swap", {"version": "1.0.0"}, None, True, 404),
            ("POST", "/api/v1/instances/m/swap", {"version": "9.9.9"}, None, True, 404),
            ("POST", "/api/v1/instances/m/swap", {"version": 2}, None, True, 400),
            ("POST", "/api/v1/instances/m/swap", {"version": "1.0.0"}, None, False, 401),
            ("POST", "/api/v1/instances/m/swap", {"version": "1.0.0"}, None, "wrong-token", 403),
            ("POST", "/api/v1/instances/m/params", {"name": "fast_period", "value": -5}, None, True, 400),
            ("POST", "/api/v1/instances/m/params", {"name": "no_such", "value": 1}, None, True, 400),
            ("POST", "/api/v1/instances/m/rollback", None, b"{}", True, 409),
            ("POST", "/api/v1/bars", None, b"x" * (2 << 20), True, 413),
            ("GET", "/api/v1/no/such/path", None, None, False, 404),
        ]
        for method, path, body, raw, token, want in cases:
            code, reply = host.call(method, path, body, token=token, raw=raw)
            assert code == want, (path, body, reply)
            assert isinstance(reply, dict) and reply["error"]["message"], (path, reply)
        code, inst = host.call("GET", "/api/v1/instances/m", token=False)
        assert code == 200 and inst["status"] == "running" and inst["version"]
        code, metrics = host.call("GET", "/metrics", token=False)
        assert code == 200 and "algohost_bars_processed_total" in metrics
        values = {l.rsplit(" ", 1)[0]: float(l.rsplit(" ", 1)[1]) for l in metrics.splitlines() if l and not l.startswith("#")}
        assert values['algohost_instance_bars_total{instance="m"}'] > 0
        assert "algohost_recorder_queue_depth" in values and "algohost_swap_pause_seconds_max" in values
        con = sqlite3.connect(home.path / "catalog.db")
        refused = con.execute("SELECT count(*) FROM audit_log WHERE action LIKE 'live_%' AND after_json LIKE '%refused%'").fetchone()[0]
        con.close()
        assert refused >= 3  # unknown version, bad parameter value, unknown parameter
    finally:
        host.proc.send_signal(signal.SIGINT)
        rc, out, err = host.wait()
    assert rc == 0, err


def test_a_thousand_connections_and_a_slow_client_leave_the_host_running(algohost_bin, home, tmp_path):
    import resource
    import socket
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 4096 if hard == resource.RLIM_INFINITY else min(hard, 4096)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))  # this process's 1,000 sockets; serve inherits it
    cfg = write_config(tmp_path / "serve.json", {
        "feed": {"type": "replay", "synthetic": "symbols=2,bars=20000,seed=2,timeframe=1h", "rate": 2000},
        "strategies": [{"instance": "m", "strategy": "macd"}]})
    host = start(algohost_bin, home.path, cfg)
    port = int(host.url.rsplit(":", 1)[1])
    try:
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")  # and never the end of its header
        conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(1000)]
        # Beyond its connection limit the host answers 503 and closes; it neither hangs nor dies.
        probe = socket.create_connection(("127.0.0.1", port), timeout=10)
        probe.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        status = probe.recv(64).split(b" ")[1]
        probe.close()
        assert status in (b"200", b"503"), status
        for c in conns:
            c.close()
        deadline = time.time() + 10
        code, health = host.call("GET", "/api/v1/health", token=False)
        while code != 200 and time.time() < deadline:
            time.sleep(0.1)
            code, health = host.call("GET", "/api/v1/health", token=False)
        assert code == 200, health
        first = health["bars_processed"]
        time.sleep(0.3)
        assert host.call("GET", "/api/v1/health", token=False)[1]["bars_processed"] > first, "the feed goes on"
        # The slow client is closed once its read deadline passes (10 s), with a 408 or nothing.
        slow.settimeout(20)
        reply = slow.recv(256)
        assert reply == b"" or b" 408 " in reply.split(b"\r\n")[0] + b" ", reply
        slow.close()
    finally:
        host.proc.send_signal(signal.SIGINT)
        rc, out, err = host.wait()
    assert rc == 0, err


def test_sigterm_under_load_stops_gracefully_and_loses_nothing(algohost_bin, home, tmp_path):
    cfg = write_config(tmp_path / "serve.json", {
        "feed": {"type": "replay", "synthetic": "symbols=3,bars=200000,seed=9,timeframe=1h", "rate": 100000},
        "strategies": [{"instance": "m", "strategy": "macd"}, {"instance": "r", "strategy": "rsi"}]})
    host = start(algohost_bin, home.path, cfg)
    time.sleep(1.0)
    host.proc.send_signal(signal.SIGTERM)
    rc, out, err = host.wait()
    assert rc == 0, err
    run_id, status, results = serve_run(home.path / "catalog.db")
    assert status == "finished"
    assert 0 < results["bars_fed"] == results["bars_processed"] < 600000
    con = sqlite3.connect(home.path / "catalog.db")
    recorded = con.execute("SELECT count(*) FROM strategy_performance WHERE run_id = ?", (run_id,)).fetchone()[0]
    live = con.execute("SELECT status FROM live_instances").fetchall()
    con.close()
    assert recorded == results["trades_recorded"] == sum(i["trades"] for i in results["instances"].values()) > 0
    assert live and all(s == "stopped" for (s,) in live)


def test_ctl_finds_the_host_and_changes_what_runs(algohost_bin, home, tmp_path):
    cfg = write_config(tmp_path / "serve.json", {
        "feed": {"type": "replay", "data": str(SAMPLE_CSV), "rate": 200},
        "strategies": [{"instance": "m", "strategy": "macd"}]})
    host = start(algohost_bin, home.path, cfg)
    try:
        hj = json.loads((home.path / "host.json").read_text())
        assert hj["pid"] == host.proc.pid and host.url.endswith(str(hj["port"]))
        assert (os.stat(home.path / "token").st_mode & 0o777) == 0o600
        proc, st = home.json("ctl", "--json", "status")
        assert proc.returncode == 0, proc.stderr
        assert [i["instance"] for i in st["instances"]] == ["m"]
        proc = home("ctl", "load", "rsi", "--instance", "r2", "--param", "period=10")
        assert proc.returncode == 0, proc.stderr
        proc, inst = home.json("ctl", "--json", "set-param", "r2", "period", "12")
        assert proc.returncode == 0, proc.stderr
        assert inst["parameters"]["period"] == 12  # typed as the manifest types it
        bad = home("ctl", "set-param", "r2", "period", "-3")
        assert bad.returncode == 2 and "period" in bad.stderr
        proc = home("ctl", "rollback", "r2")  # back to the value before set-param
        assert proc.returncode == 0, proc.stderr
        proc, inst = home.json("ctl", "--json", "status")
        r2 = [i for i in inst["instances"] if i["instance"] == "r2"][0]
        assert r2["parameters"]["period"] == 10
        proc = home("ctl", "unload", "r2")
        assert proc.returncode == 0, proc.stderr
        missing = home("ctl", "swap", "r2", "1.0.0")
        assert missing.returncode == 3, missing.stderr
        # A canary is compared with the running version: ctl status shows both arms and a verdict.
        proc = home("ctl", "canary", "m", "1.0.0")
        assert proc.returncode == 0, proc.stderr
        host.instance_when("m", lambda i: (i.get("stats", {}).get("canary", {}).get("comparison") or {}).get("days", 0) >= 5)
        text = home("ctl", "status")
        assert text.returncode == 0, text.stderr
        assert "canary of m: macd@1.0.0 against macd@1.0.0" in text.stdout, text.stdout
        assert "Sharpe" in text.stdout and "max drawdown" in text.stdout and "verdict" in text.stdout, text.stdout
        proc, inst = home.json("ctl", "--json", "promote", "m")
        assert proc.returncode == 0, proc.stderr
        assert inst["canary_version"] is None
    finally:
        host.proc.send_signal(signal.SIGINT)
        rc, out, err = host.wait()
    assert rc == 0, err
    gone = home("ctl", "status")
    assert gone.returncode == 3 and "no algohost serve is running" in gone.stderr


def test_watch_swaps_opted_in_instances_to_a_new_version_folder(algohost_bin, home, tmp_path):
    import shutil
    plugins = tmp_path / "plugins"
    shutil.copytree(Path(swap_plugins()) / "swap_probe" / "1.0.0", plugins / "swap_probe" / "1.0.0")
    cfg = write_config(tmp_path / "serve.json", {
        "feed": {"type": "replay", "synthetic": "symbols=2,bars=200000,seed=5", "rate": 5000},
        "strategies": [{"instance": "watched", "strategy": "swap_probe", "watch": True},
                       {"instance": "pinned", "strategy": "swap_probe"}]})
    host = start(algohost_bin, home.path, cfg, "--watch", plugins=[plugins])
    try:
        code, inst = host.call("GET", "/api/v1/instances/watched", token=False)
        assert inst["version"] == "1.0.0"
        # a new version folder, written the way an installer would: files first, then moved in
        staging = tmp_path / "staging"
        shutil.copytree(Path(swap_plugins()) / "swap_probe" / "2.0.0", staging)
        staging.rename(plugins / "swap_probe" / "2.0.0")
        inst = host.instance_when("watched", lambda i: i["version"] == "2.0.0")
        assert inst["version"] == "2.0.0", inst
        code, pinned = host.call("GET", "/api/v1/instances/pinned", token=False)
        assert pinned["version"] == "1.0.0"  # not opted in
        con = sqlite3.connect(home.path / "catalog.db")
        published = con.execute("SELECT count(*) FROM strategy_versions v JOIN strategies s USING (strategy_id) "
                                "WHERE s.strategy_name = 'swap_probe' AND v.version_number = '2.0.0'").fetchone()[0]
        swaps = con.execute("SELECT actor FROM audit_log WHERE action = 'live_watch_swap'").fetchall()
        con.close()
        assert published == 1 and swaps == [("watch",)]
    finally:
        host.proc.send_signal(signal.SIGINT)
        rc, out, err = host.wait()
    assert rc == 0, err


def test_bars_pushed_over_tcp_and_http_reach_the_strategies(algohost_bin, home, tmp_path):
    import socket
    cfg = write_config(tmp_path / "serve.json", {
        "feed": {"type": "push", "symbols": ["AAA", "BBB"]}, "bars_listen": "127.0.0.1:0",
        "strategies": [{"instance": "m", "strategy": "macd", "enhancer": "none"}]})
    host = start(algohost_bin, home.path, cfg)
    try:
        code, health = host.call("GET", "/api/v1/health", token=False)
        assert code == 200
        events = []

        def listen():  # the event stream sees the load below
            req = urllib.request.Request(host.url + "/api/v1/events")
            with urllib.request.urlopen(req, timeout=20) as r:
                for raw in r:
                    line = raw.decode().strip()
                    if line.startswith("event:"):
                        events.append(line.split(":", 1)[1].strip())
                        if "load" in events:
                            return

        t = threading.Thread(target=listen, daemon=True)
        t.start()
        time.sleep(0.3)
        def bar(i, s):
            o, c = 100 + i % 7, 100.5 + (i * 37 % 11) / 3
            return {"symbol": s, "ts": 1704067200000 + i * 86400000, "open": o, "high": max(o, c) + 1,
                    "low": min(o, c) - 1, "close": c, "volume": 1000}
        bars = [bar(i, s) for i in range(60) for s in ("AAA", "BBB")]
        code, reply = host.call("POST", "/api/v1/bars", bars[:40])
        assert code == 200 and reply["accepted"] == 40, reply
        code, reply = host.call("POST", "/api/v1/bars", [bars[0], {"symbol": "ZZZ"}])  # old bar, bad bar
        assert code == 400 and reply["refused"] == 2, reply
        assert "older than the last slice" in reply["errors"][0]["error"] and "bars[1]" in reply["errors"][1]["error"]
        code, reply = host.call("POST", "/api/v1/bars", bars[40:42], token=False)
        assert code == 401
        tcp_port = int(health["bars_listen"].rsplit(":", 1)[1])  # ephemeral too
        assert tcp_port > 0
        with socket.create_connection(("127.0.0.1", tcp_port), timeout=10) as s:
            f = s.makefile("rwb")
            for b in bars[40:]:
                f.write((json.dumps(b) + "\n").encode())
            f.write(b'{"symbol":"AAA","ts":"not a time"}\n')
            f.flush()
            replies = [json.loads(f.readline()) for _ in range(len(bars) - 40 + 1)]
        assert all(r["ok"] for r in replies[:-1]) and replies[-1]["ok"] is False
        code, reply = host.call("POST", "/api/v1/instances", {"instance": "r", "strategy": "rsi", "enhancer": "none"})
        assert code == 201, reply
        t.join(10)
        assert "load" in events
        inst = host.instance_when("m", lambda i: i.get("stats", {}).get("bars", 0) >= 120)
        # every bar reached the strategy: a slice goes as soon as every symbol has its bar
        assert inst["stats"]["bars"] == 120, inst
    finally:
        host.proc.send_signal(signal.SIGINT)
        rc, out, err = host.wait()
    assert rc == 0, err
    run_id, status, results = serve_run(home.path / "catalog.db")
    assert results["bars_fed"] == results["bars_processed"] == 120


def test_mem_state_learned_by_serve_persists_across_restarts(algohost_bin, home, tmp_path):
    cfg = write_config(tmp_path / "serve.json", {
        "feed": {"type": "replay", "synthetic": "symbols=2,bars=3000,seed=8,timeframe=1h", "rate": 0},
        "strategies": [{"instance": "m", "strategy": "macd", "enhancer": "mem"}]})
    mems, trades = [], []
    for _ in range(2):
        host = start(algohost_bin, home.path, cfg, "--exit-at-end")
        rc, out, err = host.wait()
        assert rc == 0, err
        run_id, status, results = serve_run(home.path / "catalog.db")
        mems.append(results["instances"]["m"]["mem"])
        trades.append(trades_of(home.path / "catalog.db", run_id, "macd"))
    first, second = mems
    assert first["state_loaded"] is False and first["learned"] > 10 and first["vetoed"] == 0
    # the second start continued the state the first one saved: the same outcomes are known
    # already (skipped, not learned twice), and what was learned is still counted
    assert second["state_loaded"] is True
    assert second["skipped"] >= first["learned"] - 5 and second["learned"] >= first["learned"]
    assert trades[0] == trades[1]  # partial mode: MEM annotates, the trades are the strategy's own


def test_a_config_that_cannot_start_says_which_field_and_leaves_no_running_run(run, home, tmp_path):
    base = {"feed": {"type": "replay", "data": str(SAMPLE_CSV), "rate": 0}}
    cases = [
        ({"strategies": [{"strategy": "macd", "version": "9.9.9"}]}, 3, "strategies[0]"),
        ({"strategies": [{"strategy": "rsi", "symbols": ["NOPE"]}]}, 2, "strategies[0].symbols[0]"),
        ({"strategies": [{"strategy": "rsi", "isolation": "sandbox"}]}, 2, "strategies[0].isolation"),
        ({"strategies": [{"strategy": "rsi", "parameters": {"period": -4}}]}, 2, "period"),
        ({"strategies": [{"strategy": "rsi", "colour": "red"}]}, 2, "colour"),
    ]
    for extra, code, needle in cases:
        cfg = write_config(tmp_path / "bad.json", {**base, **extra})
        proc = home("serve", "--config", cfg, "--listen", "127.0.0.1:0")
        assert proc.returncode == code, (extra, proc.stdout, proc.stderr)
        assert needle in proc.stderr and "bad.json" in proc.stderr, (extra, proc.stderr)
    bad_listen = home("serve", "--config", write_config(tmp_path / "ok.json", {**base, "strategies": []}),
                      "--listen", "nowhere")
    assert bad_listen.returncode == 2 and "--listen" in bad_listen.stderr
    con = sqlite3.connect(home.path / "catalog.db")
    running = con.execute("SELECT count(*) FROM runs WHERE status = 'running'").fetchone()[0]
    con.close()
    assert running == 0
