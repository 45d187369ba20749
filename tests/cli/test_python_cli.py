"""Python strategies through the `algohost` CLI: the built-in ones listed, run and recorded like
native ones; broken Python plugins reported with file and line; data a strategy cannot use; the
consecutive-failure limit; and a host whose Python SDK is missing."""
import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import SAMPLE_CSV, SOURCE_DIR

FIXTURES = SOURCE_DIR / "tests" / "fixtures" / "python"
PYTHON_BUILTIN = {"volatility_managed_momentum", "pairs_trading", "carry_trade"}


def python_plugin(root: Path, name: str, module_file: str, cls: str, version="1.0.0", symbols=1, **impl):
    target = root / name / version
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / module_file, target / "strategy.py")
    manifest = {
        "name": name, "display_name": name, "version": version,
        "implementation": {"language": "python", "module": "strategy.py", "class_name": cls,
                           "sdk_api_version": "1.0", **impl},
        "parameters": {"level": {"type": "float", "default": 100.0, "min": 0, "max": 1e6},
                       "window": {"type": "integer", "default": 5, "min": 1, "max": 100}},
        "requirements": {"symbols": symbols, "min_data_points": 5},
    }
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target / "manifest.json"


def test_builtin_python_strategies_load_and_inspect(run):
    proc, rows = run.json("plugins", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    loaded = {r["name"]: r for r in rows if r["load_status"] == "loaded"}
    assert PYTHON_BUILTIN <= set(loaded)
    for name in PYTHON_BUILTIN:
        assert loaded[name]["language"] == "python"
    proc, info = run.json("plugins", "inspect", "volatility_managed_momentum", "--json")
    assert proc.returncode == 0, proc.stderr
    assert info["host_api_version"] == "1.1" and info["load_status"] == "loaded"
    assert info["diagnostics"] == ["momentum", "volatility", "weight"]
    assert [p["name"] for p in info["parameters"]][:4] == ["momentum_lookback", "skip_period", "volatility_lookback",
                                                          "target_volatility"]


def test_python_and_native_strategies_run_and_are_recorded_alike(home):
    proc, rep = home.json("run", "--synthetic", "symbols=3,bars=600,seed=5", "--strategy", "pairs_trading",
                          "--strategy", "carry_trade", "--strategy", "volatility_managed_momentum",
                          "--param", "momentum_lookback=60", "--param", "volatility_lookback=30",
                          "--strategy", "rsi", "--json")
    assert proc.returncode == 0, proc.stderr
    assert rep["status"] == "finished"
    by_label = {s["strategy"].split("@")[0]: s for s in rep["strategies"]}
    assert set(by_label) == {"pairs_trading", "carry_trade", "volatility_managed_momentum", "rsi"}
    total = 0
    for name, s in by_label.items():
        assert s["error"] is None, (name, s["error"])
        assert s["call_errors"] == 0
        proc, trades = home.json("trades", name, "--run", rep["run_id"], "--json")
        assert proc.returncode == 0, proc.stderr
        assert len(trades) == s["trades"], name
        total += len(trades)
    assert by_label["pairs_trading"]["trades"] > 0 and by_label["volatility_managed_momentum"]["trades"] > 0
    assert rep["trades_recorded"] == total


def test_a_run_is_deterministic_with_python_strategies(home, tmp_path):
    outs = []
    for i in range(2):
        tr = tmp_path / f"trades{i}.csv"
        proc = home("run", "--synthetic", "symbols=2,bars=400,seed=9", "--strategy", "pairs_trading",
                    "--trades-csv", tr, "--json")
        assert proc.returncode == 0, proc.stderr
        outs.append(tr.read_text())
    assert outs[0] == outs[1] and outs[0].count("\n") > 1


def test_signals_for_a_python_strategy(run):
    proc = run("signals", "volatility_managed_momentum", "--data", SAMPLE_CSV, "--csv")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "momentum" in lines[0] and "volatility" in lines[0]
    assert any(",target," in line for line in lines[1:])


def test_carry_needs_carry_data(home):
    proc = home("run", "--data", SAMPLE_CSV, "--strategy", "carry_trade")
    assert proc.returncode == 2
    assert "carry_trade@1.0.0 needs carry data" in proc.stderr
    # Running every strategy leaves it out with a warning instead.
    proc, rep = home.json("run", "--data", SAMPLE_CSV, "--json")
    assert proc.returncode == 0, proc.stderr
    labels = {s["strategy"].split("@")[0] for s in rep["strategies"]}
    assert "carry_trade" not in labels and "pairs_trading" in labels
    assert any("carry_trade" in w and "left out" in w for w in rep["warnings"])


def test_carry_column_in_a_csv_reaches_the_strategy(home, tmp_path):
    rows = ["timestamp,symbol,open,high,low,close,volume,carry"]
    for d in range(1, 29):
        for sym, carry in (("AUD", 0.04), ("EUR", -0.01), ("USD", 0.02)):
            rows.append(f"2024-02-{d:02d},{sym},100,101,99,100,1000,{carry}")
    data = tmp_path / "carry.csv"
    data.write_text("\n".join(rows) + "\n")
    proc, rep = home.json("run", "--data", data, "--strategy", "carry_trade", "--trades-csv", tmp_path / "t.csv",
                          "--json")
    assert proc.returncode == 0, proc.stderr
    trades = (tmp_path / "t.csv").read_text().splitlines()
    header = trades[0].split(",")
    sym, side = header.index("symbol"), header.index("side")
    sides = {tuple(r.split(",")[i] for i in (sym, side)) for r in trades[1:]}
    assert ("AUD", "long") in sides and ("EUR", "short") in sides
    assert not any(s == "USD" for s, _ in sides)
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,open,high,low,close,volume,carry\n2024-01-02,1,1,1,1,1,high\n")
    proc = home("run", "--data", bad, "--strategy", "rsi")
    assert proc.returncode == 2 and "bad.csv:2: carry 'high' is not a finite number" in proc.stderr


def test_broken_python_plugins_are_reported_with_file_and_line(run, tmp_path):
    python_plugin(tmp_path, "syntaxbad", "syntax_error.py", "Broken")
    python_plugin(tmp_path, "importbad", "import_error.py", "X")
    python_plugin(tmp_path, "good", "good.py", "Threshold")
    proc, rows = run.json("--plugins", tmp_path, "plugins", "list", "--json")
    status = {r["name"]: r for r in rows}
    assert status["good"]["load_status"] == "loaded"
    assert status["syntaxbad"]["load_status"] == "load_failed"
    assert "strategy.py:4: SyntaxError" in status["syntaxbad"]["load_message"]
    assert "strategy.py:3: ModuleNotFoundError" in status["importbad"]["load_message"]
    assert status["rsi"]["load_status"] == "loaded"  # neighbours are unaffected
    proc = run("plugins", "validate", tmp_path / "syntaxbad")
    assert proc.returncode != 0 and "SyntaxError" in proc.stdout


def test_a_failing_python_strategy_stops_alone_after_the_limit(run, tmp_path):
    python_plugin(tmp_path, "raiser", "failing.py", "RaisesFrom")
    manifest = tmp_path / "raiser" / "1.0.0" / "manifest.json"
    doc = json.loads(manifest.read_text())
    doc["parameters"]["from_bar"] = {"type": "integer", "default": 50, "min": 1, "max": 100000}
    manifest.write_text(json.dumps(doc))
    home = {"ALGOHOST_HOME": str(tmp_path / "home")}
    proc = run("--plugins", tmp_path, "--python-max-failures", "3", "run", "--data", SAMPLE_CSV,
               "--strategy", "raiser", "--strategy", "rsi", "--json", env=home)
    assert proc.returncode == 5, proc.stderr
    rep = json.loads(proc.stdout)
    by = {s["strategy"].split("@")[0]: s for s in rep["strategies"]}
    assert by["rsi"]["error"] is None
    assert "stopped after 3 consecutive failed calls" in by["raiser"]["error"]
    assert "strategy.py:39: RuntimeError: broken from here" in by["raiser"]["error"]
    assert "Traceback" in proc.stderr  # logged with its traceback
    proc = run("--python-max-failures", "0", "plugins", "list")
    assert proc.returncode == 2


def test_two_versions_of_a_python_strategy_in_one_run(home, run, tmp_path):
    python_plugin(tmp_path, "thr", "good.py", "Threshold", version="1.0.0")
    python_plugin(tmp_path, "thr", "good.py", "Threshold", version="1.1.0")
    proc = home("--plugins", tmp_path, "run", "--data", SAMPLE_CSV, "--strategy", "thr@1.0.0",
                "--strategy", "thr@1.1.0", "--param", "level=101", "--json")
    assert proc.returncode == 0, proc.stderr
    rep = json.loads(proc.stdout)
    a, b = rep["strategies"]
    assert a["strategy"] == "thr@1.0.0" and b["strategy"] == "thr@1.1.0"
    assert a["trades"] == b["trades"] > 0


def test_a_host_without_its_python_sdk_says_where_it_looked(algohost_bin, tmp_path):
    lonely = tmp_path / "bin" / "algohost"
    lonely.parent.mkdir()
    shutil.copy(algohost_bin, lonely)
    python_plugin(tmp_path / "plugins", "good", "good.py", "Noop")
    env = {k: v for k, v in os.environ.items() if k != "ALGOHOST_PLUGIN_PATH"}
    import subprocess

    proc = subprocess.run([str(lonely), "--plugins", str(tmp_path / "plugins"), "plugins", "inspect", "good", "--json"],
                          capture_output=True, text=True, env=env, timeout=60)
    info = json.loads(proc.stdout)
    assert info["load_status"] == "load_failed"
    assert "the algohost Python SDK is not at" in info["load_message"]


def test_the_documented_python_example_runs(home):
    example = SOURCE_DIR / "examples" / "python"
    proc, rep = home.json("--plugins", example, "run", "--data", SAMPLE_CSV, "--strategy", "channel_breakout",
                          "--param", "window=30", "--json")
    assert proc.returncode == 0, proc.stderr
    assert rep["strategies"][0]["strategy"] == "channel_breakout@1.0.0" and rep["strategies"][0]["trades"] > 0
