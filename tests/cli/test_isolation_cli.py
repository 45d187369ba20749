"""Plugin isolation through the CLI (issue 15): a faulty plugin run in a worker process beside a
healthy built-in strategy, in `run` and in `serve`. Each fault fails that plugin alone, with an
error naming the cause; the healthy strategy trades as in a run without the faulty one; in `serve`
the faulty instance comes back (restarted) and the feed's bar count is whole.

The fixtures (tests/fixtures/fault_plugins, ALGOHOST_FAULT_PLUGIN_DIR): `faulty` (C++) and
`py_faulty` (Python), healthy with fail_in=none, else failing in the chosen way once `after` bars
were seen; their manifests limit a call to 2 s and a worker to 4 GiB.
"""
import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from test_serve_cli import serve_run, start, trades_of, write_config

FAULTS = [
    ("faulty", "segv", "killed by signal 11 (SIGSEGV)"),
    ("faulty", "abort", "killed by signal 6 (SIGABRT)"),
    ("faulty", "hang", "time limit of 2000 ms"),
    ("faulty", "alloc", "bad_alloc"),
    ("faulty", "exit", "exited with code 3"),
    ("py_faulty", "exit", "exited with code 3"),
]


def fault_plugins():
    d = os.environ.get("ALGOHOST_FAULT_PLUGIN_DIR")
    if not d or not Path(d).is_dir():
        pytest.fail("ALGOHOST_FAULT_PLUGIN_DIR must name the fault fixture plugins (run through ctest)")
    return d


def strategy(report, prefix):
    return next(s for s in report["strategies"] if s["strategy"].startswith(prefix))


@pytest.mark.parametrize("plugin,fault,cause", FAULTS, ids=[f"{p}-{f}" for p, f, _ in FAULTS])
def test_run_a_fault_in_a_worker_fails_that_strategy_alone(home, plugin, fault, cause):
    data = ["--synthetic", "symbols=2,bars=800,seed=5"]
    proc, alone = home.json("run", "--strategy", "rsi", *data, "--json")
    assert proc.returncode == 0, proc.stderr
    proc, both = home.json("--plugins", fault_plugins(), "run", "--strategy", "rsi", "--strategy", plugin,
                           "--param", f"{plugin}.fail_in={fault}", "--param", f"{plugin}.after=300",
                           "--isolate", *data, "--json")
    bad = strategy(both, plugin + "@")
    assert bad["error"] and cause in bad["error"], bad["error"]
    assert plugin + "@1.0.0" in bad["error"], bad["error"]
    if fault != "alloc":  # a death or a time limit names the bars the worker was given; bad_alloc is the plugin's own error
        assert " at bar" in bad["error"], bad["error"]
    good, ref = strategy(both, "rsi@"), strategy(alone, "rsi@")
    assert good["error"] is None
    assert (good["trades"], good["final_equity"]) == (ref["trades"], ref["final_equity"])
    db = home.path / "catalog.db"
    assert trades_of(db, both["run_id"], "rsi") == trades_of(db, alone["run_id"], "rsi")


def test_run_isolated_equals_in_process_for_a_healthy_plugin(home):
    data = ["--synthetic", "symbols=3,bars=1500,seed=9"]
    proc, inproc = home.json("--plugins", fault_plugins(), "run", "--strategy", "faulty", "--strategy", "macd",
                             *data, "--json", "--isolation", "inproc")
    assert proc.returncode == 0, proc.stderr
    proc, worker = home.json("--plugins", fault_plugins(), "run", "--strategy", "faulty", "--strategy", "macd",
                             *data, "--json", "--isolate")
    assert proc.returncode == 0, proc.stderr
    db = home.path / "catalog.db"
    for name in ("faulty", "macd"):
        assert trades_of(db, worker["run_id"], name) == trades_of(db, inproc["run_id"], name) != []
    bad = home("run", "--isolation", "sandbox")
    assert bad.returncode == 2 and "--isolation" in bad.stderr


def serve_with(algohost_bin, home, tmp_path, strategies, rate=0, plugins=()):
    cfg = write_config(tmp_path / "serve.json", {
        "feed": {"type": "replay", "synthetic": "symbols=2,bars=2000,seed=4,timeframe=1h", "rate": rate},
        "strategies": strategies})
    return start(algohost_bin, home, cfg, "--exit-at-end", plugins=plugins)


@pytest.mark.parametrize("plugin,fault,cause", FAULTS, ids=[f"{p}-{f}" for p, f, _ in FAULTS])
def test_serve_a_fault_in_a_worker_restarts_that_instance_and_loses_no_bar(algohost_bin, home, tmp_path, plugin,
                                                                           fault, cause):
    healthy = {"instance": "r", "strategy": "rsi"}
    alone = serve_with(algohost_bin, home.path, tmp_path, [healthy])
    rc, _, err = alone.wait()
    assert rc == 0, err
    alone_run, _, _ = serve_run(home.path / "catalog.db")
    # Plugins from outside the built-in folder run in a worker by default in serve.
    host = serve_with(algohost_bin, home.path, tmp_path, [
        healthy, {"instance": "f", "strategy": plugin, "on_failure": "restart",
                  "parameters": {"fail_in": fault, "after": 700}}], plugins=[fault_plugins()])
    rc, _, err = host.wait()
    assert rc == 0, err
    db = home.path / "catalog.db"
    run_id, status, results = serve_run(db)
    assert status == "finished"
    assert results["bars_fed"] == results["bars_processed"] == 4000
    assert results["restarts"] >= 1, results
    f = results["instances"]["f"]
    assert f["core_status"] == "running" and f["slices"] > 1900, f
    assert trades_of(db, run_id, "rsi") == trades_of(db, alone_run, "rsi")
    con = sqlite3.connect(db)
    rows = con.execute("SELECT action, after_json FROM audit_log WHERE action IN ('live_failure', 'live_restart') "
                       "ORDER BY audit_id").fetchall()
    con.close()
    failures = [json.loads(a)["why"] for act, a in rows if act == "live_failure"]
    assert failures and all(cause in w and plugin + "@1.0.0" in w for w in failures), failures
    assert any(act == "live_restart" and json.loads(a)["outcome"] == "ok" for act, a in rows)


def worker_pids(pid):
    """The algohost-worker processes whose parent is `pid`."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            comm = stat.read_text().split("(", 1)[1].rsplit(")", 1)[0]
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and comm.startswith("algohost-work"):
            out.append(int(stat.parent.name))
    return out


def test_serve_a_worker_killed_from_outside_comes_back(algohost_bin, home, tmp_path):
    host = serve_with(algohost_bin, home.path, tmp_path, [
        {"instance": "r", "strategy": "rsi"},
        {"instance": "f", "strategy": "faulty", "on_failure": "restart"}], rate=2000, plugins=[fault_plugins()])
    try:
        inst = host.instance_when("f", lambda i: i.get("stats", {}).get("slices", 0) > 200)
        assert inst["isolation"] == "process"
        assert host.instance_when("r", lambda i: True)["isolation"] == "inproc"
        pids = worker_pids(host.proc.pid)
        assert len(pids) == 2, pids  # one worker per instance: faulty runs on 2 symbols
        os.kill(pids[0], signal.SIGKILL)
        back = host.instance_when("f", lambda i: i["status"] == "running" and i["stats"].get("errors", 0) >= 1)
        assert back["status"] == "running", back
        assert pids[0] not in worker_pids(host.proc.pid)
        assert len(worker_pids(host.proc.pid)) == 2, "the restart started new workers"
    finally:
        rc, _, err = host.wait()
    assert rc == 0, err
    _, status, results = serve_run(home.path / "catalog.db")
    assert results["bars_fed"] == results["bars_processed"] == 4000
    assert results["restarts"] == 1
    con = sqlite3.connect(home.path / "catalog.db")
    why = [json.loads(a)["why"] for (a,) in con.execute("SELECT after_json FROM audit_log WHERE action = 'live_failure'")]
    con.close()
    assert len(why) == 1 and "killed by signal 9 (SIGKILL)" in why[0], why


def test_run_an_enhancer_that_crashes_in_a_worker_is_disabled_and_the_run_finishes(home):
    """`run --isolate` runs an enhancer plugin in a worker too: faulty_enhancer segfaults on its 4th
    enhance call; the host lives, the run finishes, and rsi's report says the enhancer was disabled
    with the worker's signal, the call and the signal's bar."""
    data = ["--synthetic", "symbols=2,bars=800,seed=5"]
    proc, rep = home.json("--plugins", fault_plugins(), "run", "--strategy", "rsi", "--enhancer", "faulty_enhancer",
                          "--enhancer-param", "fail_in=segv", "--enhancer-param", "after=3", "--isolate", *data, "--json")
    assert proc.returncode == 0, proc.stderr
    assert rep["status"] == "finished"
    rsi = strategy(rep, "rsi@")
    assert rsi["error"] is None
    plugin = rsi["mem"]["plugin"]
    assert plugin["disabled"] is True and plugin["failed_calls"] >= 1, plugin
    assert plugin["calls"] > 3, plugin  # it judged signals before it crashed
    for text in (plugin["disabled_reason"], plugin["last_error"]):
        assert "faulty_enhancer@1.0.0: worker " in text, text
        assert "killed by signal 11 (SIGSEGV) in enhance at bar " in text, text
    assert "enhancer faulty_enhancer@1.0.0 was disabled for the rest of the run" in plugin["disabled_reason"]
    assert any("SIGSEGV" in w for w in rep["warnings"]), rep["warnings"]


def test_run_a_worker_killed_from_outside_fails_that_strategy_alone(home, tmp_path):
    """`faulty` (healthy) isolated by its manifest, rsi in process; its worker is killed with SIGKILL
    while the run walks the data: faulty fails naming SIGKILL, rsi's trades are those of a run
    without it, the run finishes and is recorded."""
    import shutil
    import subprocess
    plugins = tmp_path / "plugins"
    shutil.copytree(Path(fault_plugins()) / "faulty", plugins / "faulty")
    manifest = plugins / "faulty" / "1.0.0" / "manifest.json"
    m = json.loads(manifest.read_text())
    m["runtime"]["isolation"] = "process"
    manifest.write_text(json.dumps(m))
    data = ["--synthetic", "symbols=2,bars=4000000,seed=8,timeframe=1h", "--mem", "off"]
    proc, alone = home.json("run", "--strategy", "rsi", *data, "--json")
    assert proc.returncode == 0, proc.stderr
    env = {k: v for k, v in os.environ.items() if k != "ALGOHOST_PLUGIN_PATH"}
    env["ALGOHOST_HOME"] = str(home.path)
    run = subprocess.Popen([os.environ["ALGOHOST_BIN"], "--plugins", str(plugins), "run", "--strategy", "rsi",
                            "--strategy", "faulty", *data, "--json"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    killed = None
    deadline = time.time() + 60
    while killed is None and time.time() < deadline and run.poll() is None:
        pids = worker_pids(run.pid)
        if len(pids) == 2:  # one faulty worker per symbol, both started: the walk is under way
            time.sleep(0.05)
            killed = pids[0]
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.01)
    out, err = run.communicate(timeout=120)
    assert killed is not None, err
    both = json.loads(out)
    bad = strategy(both, "faulty@")
    assert bad["error"] and "killed by signal 9 (SIGKILL)" in bad["error"] and " at bar" in bad["error"], bad["error"]
    good = strategy(both, "rsi@")
    assert good["error"] is None
    db = home.path / "catalog.db"
    assert trades_of(db, both["run_id"], "rsi") == trades_of(db, alone["run_id"], "rsi") != []
