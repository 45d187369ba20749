"""Cross-parameter constraints from the command line: a value that breaks one of a built-in
strategy's constraints is refused before its constructor runs (the constraint's message, not the
plugin's own error), by `run --param`, `signals --param` and `strategies set-param`."""
import json

from conftest import SAMPLE_CSV

PAIRS_STOP = "pairs_trading: constraint stop_z > entry_z fails: stop_z = 2.0, entry_z = 2.0"


def test_run_refuses_a_violating_param_before_the_python_constructor(home):
    proc = home("run", "--synthetic", "symbols=2,bars=300,seed=3", "--strategy", "pairs_trading",
                "--param", "stop_z=2.0")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert PAIRS_STOP in proc.stderr
    # pairs_trading's own check would say "stop_z (2.0) must be above entry_z (2.0)" from a ValueError.
    assert "ValueError" not in proc.stderr and "must be above" not in proc.stderr
    proc, runs = home.json("runs", "--json")
    assert runs == [] or all(r["status"] != "finished" for r in runs)


def test_run_refuses_a_violating_native_param(home):
    proc = home("run", "--data", SAMPLE_CSV, "--strategy", "macd", "--param", "fast=30")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "macd: constraint fast < slow fails: fast = 30, slow = 26" in proc.stderr
    assert "must be smaller" not in proc.stderr


def test_signals_refuses_a_violating_param(run):
    proc = run("signals", "pairs_trading", "--data", SAMPLE_CSV, "--param", "exit_z=2")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "pairs_trading: constraint exit_z < entry_z fails: exit_z = 2.0, entry_z = 2.0" in proc.stderr


def test_set_param_refuses_a_violation_and_keeps_the_value(home):
    proc = home("strategies", "set-param", "pairs_trading", "stop_z", "2.0", "--reason", "tighter stop")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert PAIRS_STOP in proc.stderr
    proc, params = home.json("strategies", "params", "pairs_trading", "--json")
    assert {p["name"]: p["value"] for p in params}["stop_z"] == 5.0
    # A value that keeps the constraint is taken, and the one in force then counts for the others.
    proc = home("strategies", "set-param", "pairs_trading", "stop_z", "3", "--reason", "tighter stop")
    assert proc.returncode == 0, proc.stderr
    proc = home("strategies", "set-param", "pairs_trading", "entry_z", "3", "--reason", "wider entry")
    assert proc.returncode == 2
    assert "pairs_trading: constraint stop_z > entry_z fails: stop_z = 3.0, entry_z = 3.0" in proc.stderr


def test_inspect_shows_the_constraints(run):
    proc = run("plugins", "inspect", "pairs_trading", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["constraints"] == ["exit_z < entry_z", "stop_z > entry_z"]
    assert "constraint:   fast < slow" in run("plugins", "inspect", "macd").stdout
