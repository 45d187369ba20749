"""`algohost run` and the commands over its recorded results, end to end, including bad input,
a strategy that fails mid-run, and an interrupted run."""
import csv
import json
import os
import signal
import statistics
import subprocess
import time

import pytest

from conftest import SAMPLE_CSV, fixture_manifest, install_fixture


def test_run_records_every_trade_and_the_run(home, tmp_path):
    eq, tr = tmp_path / "equity.csv", tmp_path / "trades.csv"
    proc, rep = home.json("run", "--data", SAMPLE_CSV, "--strategy", "rsi", "--strategy", "macd", "--commission", "1",
                          "--slippage-bps", "5", "--equity-csv", eq, "--trades-csv", tr, "--json")
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr  # no progress bar when stderr is not a terminal
    assert rep["status"] == "finished" and rep["symbols"] == 2 and rep["bars"] == 1512
    by_name = {s["strategy"]: s for s in rep["strategies"]}
    assert set(by_name) == {"rsi@1.0.0", "macd@1.0.0"}
    total = sum(s["trades"] for s in rep["strategies"])
    assert rep["trades_recorded"] == total > 0
    for name in ("rsi", "macd"):
        _, trades = home.json("trades", name, "--run", rep["run_id"], "--json")
        assert len(trades) == by_name[f"{name}@1.0.0"]["trades"]
        assert all(t["run_id"] == rep["run_id"] and t["commission"] > 0 for t in trades)
        assert all(t["entry_timestamp"] < t["exit_timestamp"] or t["entry_timestamp"] == t["exit_timestamp"] for t in trades)
    _, runs = home.json("runs", "--json")
    assert runs[0]["run_id"] == rep["run_id"] and runs[0]["status"] == "finished"
    assert runs[0]["data"]["symbols"] == ["ALPHA", "BRAVO"]
    # exports reconcile: each strategy's final equity - capital == sum of its trades' PnL, to the cent
    rows = list(csv.DictReader(open(tr)))
    assert len(rows) == total
    curve = {}
    for r in csv.DictReader(open(eq)):
        curve[r["strategy"]] = float(r["equity"])
    for label, s in by_name.items():
        pnl = sum(float(r["pnl"]) for r in rows if r["strategy"] == label)
        assert abs(curve[label] - 100000 - pnl) < 0.01, label
        assert abs(s["final_equity"] - curve[label]) < 0.01
    # the version carries the measured metrics
    show = home.json("strategies", "show", "rsi", "--json")[1]
    assert show["versions"][0]["sharpe_ratio"] == pytest.approx(by_name["rsi@1.0.0"]["metrics"]["sharpe"])
    assert show["total_trades"] == by_name["rsi@1.0.0"]["trades"]


def test_same_seed_same_results_and_batch_equals_slices(home):
    def metrics(*extra):
        proc, rep = home.json("run", "--synthetic", "symbols=3,bars=1500,seed=5", "--strategy", "rsi",
                              "--strategy", "vwap", *extra, "--json")
        assert proc.returncode == 0, proc.stderr
        return [(s["strategy"], s["trades"], json.dumps(s["metrics"], sort_keys=True)) for s in rep["strategies"]]

    first = metrics()
    assert first == metrics()
    assert first == metrics("--no-batch")
    other = home.json("run", "--synthetic", "symbols=3,bars=1500,seed=6", "--strategy", "rsi", "--json")[1]
    assert json.dumps(other["strategies"][0]["metrics"]) != first[0][2]


def test_perf_compare_and_date_ranges(home):
    assert home("run", "--data", SAMPLE_CSV, "--json").returncode == 0
    _, perf = home.json("perf", "momentum", "--json")
    _, trades = home.json("trades", "momentum", "--json")
    assert perf["trades"] == len(trades) > 0
    assert perf["wins"] == sum(1 for t in trades if t["pnl"] > 0)
    _, early = home.json("perf", "momentum", "--to", "2022-12-31", "--json")
    assert early["trades"] == sum(1 for t in trades if t["exit_timestamp"] <= "2022-12-31T23:59:59.999Z")
    _, cmp = home.json("compare", "rsi", "macd@1.0.0", "--json")
    assert [c["strategy_name"] for c in cmp] == ["rsi", "macd@1.0.0"]
    assert home("perf", "rsi", "--version", "9.9.9").returncode == 3


def test_per_trade_sharpe_is_named_shown_and_filtered_on(home):
    assert home("run", "--data", SAMPLE_CSV, "--strategy", "momentum", "--json").returncode == 0
    _, perf = home.json("perf", "momentum", "--json")
    _, trades = home.json("trades", "momentum", "--json", "--limit", "100000")
    pct = [t["pnl_percentage"] for t in trades]
    assert len(pct) == perf["trades"] >= 2
    want = statistics.fmean(pct) / statistics.stdev(pct)  # computed here, independently
    assert perf["per_trade_sharpe"] == pytest.approx(want, rel=1e-9)
    assert perf["sharpe_ratio"] == perf["per_trade_sharpe"]  # the older key, kept
    assert "SHARPE/TRADE" in home("perf", "momentum").stdout
    _, listed = home.json("strategies", "list", "--json")
    (row,) = [s for s in listed if s["strategy_name"] == "momentum"]
    assert row["lifetime_per_trade_sharpe"] == pytest.approx(want, rel=1e-9)
    assert row["lifetime_sharpe_ratio"] == row["lifetime_per_trade_sharpe"]
    table = home("strategies", "list").stdout
    assert "SHARPE/TRADE" in table.splitlines()[0]

    def names(*flags):
        return [s["strategy_name"] for s in home.json("strategies", "list", *flags, "--json")[1]]

    assert "momentum" in names("--min-per-trade-sharpe", str(want - 1e-6))
    assert "momentum" not in names("--min-per-trade-sharpe", str(want + 1e-6))
    assert "momentum" not in names("--min-sharpe", str(want + 1e-6))  # the older name of the flag
    assert "per-trade" in home("strategies", "list", "--help").stdout


def test_bad_run_input_gets_clear_errors(home, tmp_path):
    cases = [
        (["--data", SAMPLE_CSV, "--symbols", "NOPE"], 2, "the data has no NOPE"),
        (["--data", SAMPLE_CSV, "--from", "2030-01-01"], 2, "no bars between 2030-01-01"),
        (["--data", SAMPLE_CSV, "--from", "someday"], 2, "--from: 'someday' is not a date"),
        (["--data", SAMPLE_CSV, "--synthetic", "bars=10"], 2, ""),
        (["--synthetic", "bars=10,colour=red"], 2, "unknown key 'colour'"),
        (["--synthetic", "symbols=0"], 2, "symbols=0"),
        (["--strategy", "ghost"], 3, "unknown strategy 'ghost'"),
        (["--data", SAMPLE_CSV, "--param", "nosuch=1"], 2, "none of the strategies has a parameter 'nosuch'"),
        (["--data", SAMPLE_CSV, "--strategy", "rsi", "--param", "period=1"], 2, "parameter 'period': 1 is outside"),
        (["--data", tmp_path / "missing.csv"], 3, "cannot open"),
    ]
    for args, code, text in cases:
        proc = home("run", *args)
        assert proc.returncode == code, (args, proc.stderr)
        assert text in proc.stderr, (args, proc.stderr)


def test_a_strategy_that_throws_mid_run_stops_alone(home, tmp_path):
    m = fixture_manifest("faulty")
    m["parameters"] = {"fail_in": {"type": "string", "default": "bar"}, "after": {"type": "integer", "default": 100, "min": 0}}
    install_fixture(tmp_path / "plugins", os.environ["ALGOHOST_FIXTURE_FAULTY"], m)
    proc, rep = home.json("--plugins", tmp_path / "plugins", "run", "--data", SAMPLE_CSV, "--strategy", "faulty",
                          "--strategy", "rsi", "--json")
    assert proc.returncode == 5
    by_name = {s["strategy"]: s for s in rep["strategies"]}
    assert "on_bar exploded at bar 100" in by_name["faulty@1.0.0"]["error"]
    assert by_name["rsi@1.0.0"]["error"] is None and by_name["rsi@1.0.0"]["bars"] == 1512
    _, runs = home.json("runs", "--json")
    assert runs[0]["status"] == "failed" and "on_bar exploded" in runs[0]["error"]


def test_sigint_ends_the_run_cleanly(home, algohost_bin):
    env = dict(os.environ, ALGOHOST_HOME=str(home.path))
    env.pop("ALGOHOST_PLUGIN_PATH", None)
    proc = subprocess.Popen([algohost_bin, "run", "--synthetic", "symbols=40,bars=400000,timeframe=1m", "--strategy", "rsi",
                             "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    rep = json.loads(out)
    assert rep["status"] == "interrupted"
    _, runs = home.json("runs", "--json")
    assert runs[0]["run_id"] == rep["run_id"] and runs[0]["status"] == "interrupted"
    _, trades = home.json("trades", "rsi", "--run", rep["run_id"], "--json", "--limit", "1000000")
    assert len(trades) == rep["trades_recorded"]


def test_a_synthetic_spec_running_past_year_9999_is_refused_before_anything_runs(home):
    # 3,000,000 daily bars from 2015 run past year 9999, which the catalog's ISO-8601 times cannot
    # hold: refused up front (exit 2) with the most bars that fit, and no run is recorded.
    proc = home("run", "--strategy", "rsi", "--synthetic", "symbols=1,bars=3000000,seed=8", "--mem", "off")
    assert proc.returncode == 2, proc.stderr
    assert "bars=3000000 of 1d" in proc.stderr and "past 9999-12-31" in proc.stderr, proc.stderr
    last_ms, start_ms, day_ms = 253402300799999, 1420070400000, 86400000  # 9999-12-31T23:59:59.999, 2015-01-01
    assert f"at most {(last_ms - start_ms) // day_ms + 1} bars" in proc.stderr, proc.stderr
    _, runs = home.json("runs", "--json")
    assert runs == []
    # Bars that end on the last day are accepted (1,000 one-minute bars from its midnight).
    ok = home("run", "--strategy", "rsi", "--synthetic", "symbols=1,bars=1000,timeframe=1m,start=9999-12-31T00:00:00Z",
              "--mem", "off")
    assert ok.returncode == 0, ok.stderr
