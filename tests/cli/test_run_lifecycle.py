"""Trust in what the catalog records and in how runs end (issue 12, items 1-3, 5 and parts of 6),
through the `algohost` CLI:
 - a rebuilt library or an edited module under a published name@version is refused (exit 4), or
   run as a development version of its own with --allow-unpublished; every run records the sha256
   of what ran; an artifact that fails its load checks is not published;
 - a run whose process died (segfault, abort(), kill -9, os._exit()) is marked "crashed" by the
   next command, its recorded trades kept, and perf says how many trades come from such runs;
 - SIGTERM, or a second SIGINT, ends a run within two seconds even inside a plugin call that never
   returns, with the run marked "interrupted"; Python calls can be given a time limit;
 - concurrent first starts on a fresh catalog all succeed;
 - a constructor that throws fails alone; --param STRATEGY.NAME=VALUE."""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from conftest import SAMPLE_CSV, SOURCE_DIR, fixture_manifest, install_fixture

FIXTURES = SOURCE_DIR / "tests" / "fixtures" / "python"


def faulty_plugin(root: Path, mode="none", after=300):
    m = fixture_manifest("faulty")
    m["parameters"] = {
        "fail_in": {"type": "string", "default": "none", "choices": ["none", "bar", "create", "segv", "abort", "hang"]},
        "after": {"type": "integer", "default": after, "min": 0},
    }
    install_fixture(root, os.environ["ALGOHOST_FIXTURE_FAULTY"], m)
    return ["--param", f"faulty.fail_in={mode}"]


def stalling_plugin(root: Path, after=300):
    target = root / "stalling" / "1.0.0"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "stalling.py", target / "stalling.py")
    (target / "manifest.json").write_text(json.dumps({
        "name": "stalling", "display_name": "Stalling", "version": "1.0.0",
        "implementation": {"language": "python", "module": "stalling.py", "class_name": "Stalling",
                           "sdk_api_version": "1.0"},
        "parameters": {"mode": {"type": "string", "default": "none", "choices": ["none", "loop", "sleep", "exit"]},
                       "after": {"type": "integer", "default": after, "min": 0}},
    }))
    return target


def db_rows(home_path: Path, sql: str, *args):
    con = sqlite3.connect(home_path / "catalog.db", timeout=30)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def start(run, home_path: Path, *args):
    env = dict(run.env)
    env["ALGOHOST_HOME"] = str(home_path)
    return subprocess.Popen([run.binary, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def wait_until_running(home_path: Path, proc, seconds=60.0, settle=1.5):
    """Waits for the run's row to say 'running', then `settle` seconds (the recorder writes what is
    queued at least once a second)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if (home_path / "catalog.db").exists():
            try:
                if db_rows(home_path, "SELECT run_id FROM runs WHERE status = 'running'"):
                    time.sleep(settle)
                    return
            except sqlite3.OperationalError:
                pass  # the schema is being created
        time.sleep(0.05)
    pytest.fail("the run never started")


# ---- 1. The catalog records what actually ran -------------------------------------------------

def test_a_rebuilt_library_under_a_published_version_is_refused_or_run_as_a_development_version(home, tmp_path):
    plugins = tmp_path / "plugins"
    manifest = install_fixture(plugins, os.environ["ALGOHOST_FIXTURE_C"], fixture_manifest("thr"))
    library = manifest.parent / Path(os.environ["ALGOHOST_FIXTURE_C"]).name
    args = ["--plugins", plugins, "run", "--strategy", "thr", "--data", SAMPLE_CSV, "--param", "threshold=100"]
    proc, first = home.json(*args, "--json")
    assert proc.returncode == 0, proc.stderr
    entry = json.loads(db_rows(home.path, "SELECT strategies_json FROM runs WHERE run_id = ?", first["run_id"])[0][0])[0]
    published_sha = entry["artifact_sha256"]
    assert entry["published"] is True and len(published_sha) == 64
    (published_id,) = db_rows(home.path, "SELECT v.version_id FROM strategy_versions v JOIN strategies s USING (strategy_id) "
                                         "WHERE s.strategy_name = 'thr' AND v.version_number = '1.0.0'")[0]
    assert entry["version_id"] == published_id
    trades_before = db_rows(home.path, "SELECT count(*) FROM strategy_performance WHERE version_id = ?", published_id)[0][0]
    assert trades_before > 0

    with open(library, "ab") as f:  # a rebuild: the same code loads, the bytes differ
        f.write(b"\0rebuilt")
    proc = home(*args)
    assert proc.returncode == 4, proc.stderr
    assert published_sha in proc.stderr and "publish the change as a new version" in proc.stderr
    new_sha = [w for w in proc.stderr.replace(",", " ").split() if len(w) == 64 and w != published_sha]
    assert new_sha, proc.stderr
    assert db_rows(home.path, "SELECT count(*) FROM runs")[0][0] == 1  # nothing started, nothing recorded

    proc, dev = home.json(*args, "--allow-unpublished", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "unpublished development build" in proc.stderr
    entry = json.loads(db_rows(home.path, "SELECT strategies_json FROM runs WHERE run_id = ?", dev["run_id"])[0][0])[0]
    assert entry["published"] is False and entry["published_sha256"] == published_sha
    assert entry["artifact_sha256"] == new_sha[0] and entry["version"] == "1.0.0-dev-" + new_sha[0][:12]
    dev_rows = db_rows(home.path, "SELECT version_id, development, artifact_sha256 FROM strategy_versions WHERE version_number = ?",
                       entry["version"])
    assert dev_rows and dev_rows[0][1] == 1 and dev_rows[0][2] == new_sha[0] and dev_rows[0][0] == entry["version_id"]
    # The development run's trades are its own; the published version's are as they were.
    assert db_rows(home.path, "SELECT count(*) FROM strategy_performance WHERE run_id = ? AND version_id = ?",
                   dev["run_id"], entry["version_id"])[0][0] > 0
    assert db_rows(home.path, "SELECT count(*) FROM strategy_performance WHERE version_id = ?", published_id)[0][0] == trades_before
    proc, info = home.json("--plugins", plugins, "strategies", "show", "thr", "--json")
    assert info["current_version"] == "1.0.0"


def test_an_edited_python_module_under_a_published_version_is_refused(home, tmp_path):
    plugins = tmp_path / "plugins"
    target = stalling_plugin(plugins)
    args = ["--plugins", plugins, "run", "--strategy", "stalling", "--data", SAMPLE_CSV]
    proc = home(*args)
    assert proc.returncode == 0, proc.stderr
    with open(target / "stalling.py", "a") as f:
        f.write("\n# edited after publishing\n")
    proc = home(*args)
    assert proc.returncode == 4 and "stalling@1.0.0" in proc.stderr and "was published with sha256" in proc.stderr
    assert db_rows(home.path, "SELECT count(*) FROM runs")[0][0] == 1


def test_the_run_record_holds_the_sha256_of_every_strategy_and_enhancer_that_ran(home):
    proc, rep = home.json("run", "--strategy", "rsi", "--enhancer", "vol_gate", "--data", SAMPLE_CSV, "--json")
    assert proc.returncode == 0, proc.stderr
    (strategies,) = db_rows(home.path, "SELECT strategies_json FROM runs WHERE run_id = ?", rep["run_id"])[0]
    (entry,) = json.loads(strategies)
    assert len(entry["artifact_sha256"]) == 64 and len(entry["enhancer_artifact_sha256"]) == 64
    (published,) = db_rows(home.path, "SELECT artifact_sha256 FROM strategy_versions WHERE version_id = ?", entry["version_id"])[0]
    assert entry["artifact_sha256"] == published


def test_an_artifact_that_fails_its_load_checks_is_not_published(home, tmp_path):
    plugins = tmp_path / "plugins"
    target = plugins / "textlib" / "1.0.0"
    target.mkdir(parents=True)
    (target / "libtextlib.so").write_text("this is not a shared library\n" * 50)
    m = fixture_manifest("textlib")
    m["implementation"]["library"] = "libtextlib.so"
    (target / "manifest.json").write_text(json.dumps(m))
    proc, rows = home.json("--plugins", plugins, "strategies", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "textlib" not in {r["strategy_name"] for r in rows} and "rsi" in {r["strategy_name"] for r in rows}
    assert "textlib@1.0.0: not published" in proc.stderr
    assert not list((home.path / "code_snapshots").rglob("libtextlib.so"))


# ---- 2. Runs never stay "running" after the process is gone ------------------------------------

@pytest.mark.parametrize("mode,code", [("segv", -signal.SIGSEGV), ("abort", -signal.SIGABRT)])
def test_a_run_whose_plugin_kills_the_process_is_marked_crashed(home, tmp_path, mode, code):
    plugins = tmp_path / "plugins"
    args = faulty_plugin(plugins, mode=mode, after=200)
    proc = home("--plugins", plugins, "run", "--strategy", "faulty", "--strategy", "rsi", "--no-batch",
                "--data", SAMPLE_CSV, *args)
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert db_rows(home.path, "SELECT status FROM runs") == [("running",)]
    proc, runs = home.json("runs", "--json")
    assert proc.returncode == 0, proc.stderr
    assert runs[0]["status"] == "crashed" and "ended without finishing" in proc.stderr
    assert "ended without finishing" in runs[0]["error"] and runs[0]["pid"] > 0 and runs[0]["host"]
    # Once only: the next command finds nothing left to mark.
    proc = home("runs")
    assert "ended without finishing" not in proc.stderr


def test_kill_9_keeps_the_recorded_trades_and_perf_counts_them_as_unfinished(run, home, tmp_path):
    plugins = tmp_path / "plugins"
    args = faulty_plugin(plugins, mode="hang", after=600)
    p = start(run, home.path, "--plugins", plugins, "run", "--strategy", "faulty", "--strategy", "rsi", "--no-batch",
              "--data", SAMPLE_CSV, *args)
    try:
        wait_until_running(home.path, p)
    finally:
        p.kill()
        p.communicate()
    recorded = db_rows(home.path, "SELECT count(*) FROM strategy_performance p JOIN strategies s USING (strategy_id) "
                                  "WHERE s.strategy_name = 'rsi'")[0][0]
    assert recorded > 0
    proc, perf = home.json("perf", "rsi", "--json")
    assert proc.returncode == 0 and "marked crashed" in proc.stderr
    assert perf["trades"] == recorded and perf["unfinished_trades"] == recorded and perf["unfinished_runs"] == 1
    proc = home("perf", "rsi")
    assert f"{recorded} of the {recorded} trades of rsi come from 1 run that did not finish" in proc.stdout
    proc = home("compare", "rsi")
    assert "did not finish" in proc.stdout
    # A finished run of the same strategy afterwards: only the crashed run's trades are unfinished.
    proc = home("run", "--strategy", "rsi", "--data", SAMPLE_CSV)
    assert proc.returncode == 0, proc.stderr
    proc, perf = home.json("perf", "rsi", "--json")
    assert perf["trades"] > recorded and perf["unfinished_trades"] == recorded


def test_python_os_exit_leaves_a_crashed_run(home, tmp_path):
    plugins = tmp_path / "plugins"
    stalling_plugin(plugins, after=100)
    proc = home("--plugins", plugins, "run", "--strategy", "stalling", "--data", SAMPLE_CSV, "--param", "mode=exit")
    assert proc.returncode == 3, proc.stderr
    proc, runs = home.json("runs", "--json")
    assert runs[0]["status"] == "crashed", runs[0]


# ---- 3. Ending a run always works -------------------------------------------------------------

def end_and_time(run, home_path, args, signals, settle=1.5):
    p = start(run, home_path, *args)
    wait_until_running(home_path, p, settle=settle)
    for s in signals[:-1]:
        p.send_signal(s)
        time.sleep(0.3)
    t0 = time.monotonic()
    p.send_signal(signals[-1])
    try:
        out, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        pytest.fail("the process did not end within 10 s")
    return time.monotonic() - t0, p.returncode, err


@pytest.mark.parametrize("kind,mode", [("native", "hang"), ("python", "loop"), ("python", "sleep")])
def test_sigterm_ends_a_run_stuck_in_a_plugin_call_within_two_seconds(run, home, tmp_path, kind, mode):
    plugins = tmp_path / "plugins"
    if kind == "native":
        args = ["--strategy", "faulty", *faulty_plugin(plugins, mode=mode, after=600)]
    else:
        stalling_plugin(plugins, after=600)
        args = ["--strategy", "stalling", "--param", f"stalling.mode={mode}"]
    elapsed, code, err = end_and_time(run, home.path, ["--plugins", plugins, "run", *args, "--strategy", "rsi",
                                                       "--no-batch", "--data", SAMPLE_CSV], [signal.SIGTERM])
    assert elapsed < 2.0, (elapsed, err)
    assert code == 128 + signal.SIGTERM, err
    (status, error) = db_rows(home.path, "SELECT status, error FROM runs")[0]
    assert status == "interrupted" and "SIGTERM" in error, (status, error)
    assert db_rows(home.path, "SELECT count(*) FROM strategy_performance")[0][0] > 0


def test_a_second_ctrl_c_ends_a_run_stuck_in_a_plugin_call(run, home, tmp_path):
    plugins = tmp_path / "plugins"
    args = faulty_plugin(plugins, mode="hang", after=600)
    elapsed, code, err = end_and_time(run, home.path, ["--plugins", plugins, "run", "--strategy", "faulty", *args,
                                                       "--no-batch", "--data", SAMPLE_CSV], [signal.SIGINT, signal.SIGINT])
    assert elapsed < 2.0 and code == 128 + signal.SIGINT, (elapsed, code, err)
    assert "Ctrl-C again" in err
    assert db_rows(home.path, "SELECT status FROM runs") == [("interrupted",)]


def test_a_single_ctrl_c_stops_a_healthy_run_cleanly(run, home):
    elapsed, code, err = end_and_time(run, home.path, ["run", "--synthetic", "symbols=4,bars=2000000,seed=3",
                                                       "--strategy", "rsi", "--no-batch"], [signal.SIGINT], settle=0.1)
    assert code == 128 + signal.SIGINT, err
    (status, results) = db_rows(home.path, "SELECT status, results_json FROM runs")[0]
    assert status == "interrupted" and json.loads(results)["strategies"], results  # results computed the normal way


def test_a_python_call_time_limit_raises_inside_the_strategy(home, tmp_path):
    plugins = tmp_path / "plugins"
    stalling_plugin(plugins, after=50)
    t0 = time.monotonic()
    proc, rep = home.json("--plugins", plugins, "--python-call-timeout", "0.2", "--python-max-failures", "2", "run",
                          "--strategy", "stalling", "--param", "mode=sleep", "--data", SAMPLE_CSV, "--json")
    assert time.monotonic() - t0 < 30
    assert proc.returncode == 5, proc.stderr
    (s,) = rep["strategies"]
    assert "TimeoutError" in s["error"] and "time limit" in s["error"], s["error"]
    assert "TimeoutError" in proc.stderr
    assert s["bars"] >= 50


# ---- 5. Concurrent starts on a fresh catalog --------------------------------------------------

def test_concurrent_first_starts_on_fresh_homes_all_succeed(run, tmp_path):
    for i in range(10):
        home_path = tmp_path / f"home{i}"
        procs = [start(run, home_path, "strategies", "list", "--json") for _ in range(2)]
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, (i, err)
            assert {r["strategy_name"] for r in json.loads(out)} >= {"rsi", "macd", "pairs_trading"}


# ---- 6. A constructor that throws fails alone; scoped --param -----------------------------------

def test_a_strategy_whose_constructor_throws_fails_alone(home, tmp_path):
    plugins = tmp_path / "plugins"
    args = faulty_plugin(plugins, mode="create")
    proc, rep = home.json("--plugins", plugins, "run", "--strategy", "faulty", "--strategy", "rsi", "--data", SAMPLE_CSV,
                          *args, "--json")
    assert proc.returncode == 5, proc.stderr
    by = {s["strategy"]: s for s in rep["strategies"]}
    assert "refusing to be created" in by["faulty@1.0.0"]["error"]
    assert by["rsi@1.0.0"]["error"] is None and by["rsi@1.0.0"]["trades"] > 0
    assert rep["status"] == "failed" and rep["trades_recorded"] == by["rsi@1.0.0"]["trades"]


def test_param_scoped_to_one_strategy(home):
    proc, rep = home.json("run", "--strategy", "rsi", "--strategy", "mfi", "--data", SAMPLE_CSV,
                          "--param", "rsi.period=10", "--json")
    assert proc.returncode == 0, proc.stderr
    (strategies,) = db_rows(home.path, "SELECT strategies_json FROM runs WHERE run_id = ?", rep["run_id"])[0]
    params = {e["strategy"]: e["parameters"] for e in json.loads(strategies)}
    assert params["rsi@1.0.0"]["period"] == 10 and params["mfi@1.0.1"]["period"] == 14
    proc = home("run", "--strategy", "rsi", "--data", SAMPLE_CSV, "--param", "macd.fast=3")
    assert proc.returncode == 2 and "'macd' is not a strategy of this run" in proc.stderr
    proc = home("run", "--strategy", "rsi", "--data", SAMPLE_CSV, "--param", "rsi.nope=3")
    assert proc.returncode == 2 and "rsi@1.0.0 has no parameter 'nope'" in proc.stderr
    proc = home("run", "--strategy", "rsi", "--strategy", "mfi", "--data", SAMPLE_CSV, "--param", "period=500")
    assert proc.returncode == 2 and "rsi@1.0.0" in proc.stderr and "period" in proc.stderr


def test_vwap_price_parameter_from_the_cli(home):
    runs = {}
    for price in ("typical", "close"):
        proc, rep = home.json("run", "--strategy", "vwap", "--data", SAMPLE_CSV, "--mem", "off",
                              "--param", f"vwap.price={price}", "--json")
        assert proc.returncode == 0, proc.stderr
        (strategies,) = db_rows(home.path, "SELECT strategies_json FROM runs WHERE run_id = ?", rep["run_id"])[0]
        (entry,) = json.loads(strategies)
        assert entry["strategy"] == "vwap@1.1.0" and entry["parameters"]["price"] == price
        runs[price] = rep["strategies"][0]["metrics"]
    # Without --param: the typical price, the default. (MEM off: its saved state would carry over.)
    proc, rep = home.json("run", "--strategy", "vwap", "--data", SAMPLE_CSV, "--mem", "off", "--json")
    assert proc.returncode == 0, proc.stderr
    assert rep["strategies"][0]["metrics"] == runs["typical"]
    assert runs["close"] != runs["typical"]
    proc = home("run", "--strategy", "vwap", "--data", SAMPLE_CSV, "--param", "vwap.price=open")
    assert proc.returncode == 2 and "price" in proc.stderr and "typical, close" in proc.stderr, proc.stderr
