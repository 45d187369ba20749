"""Issue 13, items 1 and 2: a plain backtest is a function of code, data, parameters and flags
(MEM starts from nothing unless --mem-state continue), and MEM's parameter rule cannot break a
strategy (roles from the manifest, scoring part only, replayed before it is written)."""
import json
import shutil
import sqlite3

from conftest import SAMPLE_CSV, SOURCE_DIR


def metrics_of(rep):
    s = rep["strategies"][0]
    m = s["mem"]
    return json.dumps({"metrics": s["metrics"], "scoring": m["scoring"], "trades": s["trades"],
                       "learned_at_split": m["learned_at_split"], "model_updates": m["model"]["updates"]}, sort_keys=True)


def test_same_backtest_same_numbers_after_unrelated_runs(home):
    data = "symbols=3,bars=4000,seed=5,timeframe=1h"  # hourly: hundreds of outcomes for MEM to learn
    args = ["run", "--strategy", "macd", "--synthetic", data, "--mem", "on", "--json"]
    proc, first = home.json(*args)
    assert proc.returncode == 0, proc.stderr
    mem = first["strategies"][0]["mem"]
    assert mem["state"] == "fresh" and mem["state_loaded"] is False
    split = mem["scoring_part"]["from"]
    # unrelated runs: macd with MEM on the data's first part only (its state ends before the split
    # above, so continuing it would change the numbers), and other strategies
    early_to = "2015-02-20"
    assert early_to < split
    assert home("run", "--strategy", "rsi", "--synthetic", data, "--mem", "on").returncode == 0
    assert home("run", "--strategy", "macd", "--data", SAMPLE_CSV, "--mem", "on").returncode == 0
    proc, early = home.json("run", "--strategy", "macd", "--synthetic", data, "--to", early_to, "--mem", "on", "--json")
    assert proc.returncode == 0, proc.stderr
    proc, again = home.json(*args)
    assert proc.returncode == 0, proc.stderr
    assert metrics_of(again) == metrics_of(first)
    assert again["strategies"][0]["mem"]["out_of_sample"] is True
    # asked for, the saved state is continued, and the run it came from is named
    proc, cont = home.json(*args[:-1], "--mem-state", "continue", "--json")
    assert proc.returncode == 0, proc.stderr
    cm = cont["strategies"][0]["mem"]
    if cm["state_loaded"]:  # the last saved state is `again`'s, which saw this scoring part: refused
        raise AssertionError("a state that learned inside the scoring part was continued")
    assert "learned afresh" in cm["state_note"]
    assert cm["out_of_sample"] is True
    # after an early run, continuing loads its state and says so in the headline
    assert home("run", "--strategy", "macd", "--synthetic", data, "--to", early_to, "--mem", "on").returncode == 0
    runs = home.json("runs", "--json")[1]
    early_run = runs[0]["run_id"]
    proc, cont = home.json(*args[:-1], "--mem-state", "continue", "--json")
    cm = cont["strategies"][0]["mem"]
    assert cm["state_loaded"] is True and cm["state_continued_from_run"] == early_run
    assert cm["out_of_sample"] is True and cm["learned_through_at_split"] < split
    # continuing is what changes a run: it starts from what the early run learned
    assert cm["model"]["updates"] > mem["model"]["updates"]
    assert metrics_of(cont) != metrics_of(first)
    # each run saves its state: continue again after another early run, as text this time
    assert home("run", "--strategy", "macd", "--synthetic", data, "--to", early_to, "--mem", "on").returncode == 0
    text = home(*args[:-1], "--mem-state", "continue")
    assert text.returncode == 0, text.stderr
    assert "MEM-enhanced (continued)" in text.stdout and "saved by run" in text.stdout
    # the default headline names the arm
    text = home(*args[:-1])
    assert "ARM" in text.stdout and "MEM-enhanced" in text.stdout and "(continued)" not in text.stdout
    plain = home("run", "--strategy", "macd", "--synthetic", data, "--mem", "off")
    assert " base " in plain.stdout
    # --mem-reset is the default now, and cannot be combined with continue
    bad = home(*args[:-1], "--mem-reset", "--mem-state", "continue")
    assert bad.returncode != 0 and "--mem-reset" in bad.stderr + bad.stdout


def full_mode_pairs(tmp_path):
    """pairs_trading copied as 'pairs_full' with enhancement_type full, so the parameter rule applies."""
    src = SOURCE_DIR / "python" / "strategies" / "pairs_trading"
    dst = tmp_path / "plugins" / "pairs_full" / "1.0.0"
    shutil.copytree(src, dst)
    m = json.loads((dst / "manifest.json").read_text())
    m["name"] = "pairs_full"
    m["mem_integration"]["enhancement_type"] = "full"
    (dst / "manifest.json").write_text(json.dumps(m))
    return tmp_path / "plugins"


def test_pairs_trading_with_mem_starts_every_time_and_changes_carry_their_replay(home, tmp_path):
    plugins = full_mode_pairs(tmp_path)
    env = {"ALGOHOST_PLUGIN_PATH": str(plugins)}
    data = "symbols=2,bars=6000,seed=11,timeframe=1h"
    written = []
    for seed in (11, 12, 13):
        for name in ("pairs_trading", "pairs_full"):
            proc = home("run", "--synthetic", f"symbols=2,bars=6000,seed={seed},timeframe=1h", "--strategy", name,
                        "--mem", "on", "--json", env=env)
            assert proc.returncode == 0, proc.stderr  # it starts, whatever earlier runs wrote
            rule = json.loads(proc.stdout)["strategies"][0]["mem"]["parameter_rule"]
            if name == "pairs_trading":  # partial mode: never a change
                assert rule["changes"] == [] and "partial" in rule["note"]
                continue
            for ch in rule["changes"]:
                assert ch["parameter"] in ("stop_z", "gross_exposure")  # the parameters with a role
                assert ch["role"] == {"stop_z": "stop_distance", "gross_exposure": "position_size"}[ch["parameter"]]
                if ch["written"]:
                    written.append(ch)
                    assert rule["replay"]["accepted"] is True
                    assert rule["replay"]["after_sharpe"] >= rule["replay"]["before_sharpe"]
            assert len({c["parameter"] for c in rule["changes"]}) == len(rule["changes"])  # once per run
    # the failure that once kept every later run from starting: stop_z 2.2 x 0.8 would be at or below
    # entry_z 2.0. It is skipped with the constraint named; the other proposal is replayed first.
    stretched = ["--param", "pairs_full.entry_z=2.0", "--param", "pairs_full.exit_z=0.0", "--param", "pairs_full.stop_z=2.2"]
    for attempt in range(2):
        proc = home("run", "--synthetic", "symbols=2,bars=6000,seed=12,timeframe=1h", "--strategy", "pairs_full",
                    "--mem", "on", "--json", *stretched, env=env)
        assert proc.returncode == 0, proc.stderr
        rule = json.loads(proc.stdout)["strategies"][0]["mem"]["parameter_rule"]
        assert rule["scoring_wins"] / rule["scoring_trades"] < 0.45
        assert [s["parameter"] for s in rule["skipped"]] == ["stop_z"]
        assert "stop_z > entry_z" in rule["skipped"][0]["why"]
        assert [c["parameter"] for c in rule["changes"]] == ["gross_exposure"]
        replay = rule["replay"]
        assert replay["accepted"] == (replay["after_sharpe"] >= replay["before_sharpe"])
        assert rule["changes"][0]["written"] == replay["accepted"]
        if replay["accepted"]:
            written.append(rule["changes"][0])
    db = sqlite3.connect(home.path / "catalog.db")
    rows = db.execute("SELECT p.parameter_name, p.changed_by, p.before_sharpe, p.after_sharpe, p.improvement_pct "
                      "FROM strategy_parameters p JOIN strategies s ON s.strategy_id = p.strategy_id "
                      "WHERE s.strategy_name IN ('pairs_full', 'pairs_trading')").fetchall()
    assert len(rows) == len(written)
    for name, by, before, after, imp in rows:
        assert by == "mem_learning" and before is not None and after is not None and after >= before
        if before != 0:
            assert abs(imp - 100 * (after - before) / abs(before)) < 1e-6
    # every value in effect still passes the constraints: the next run starts
    proc = home("run", "--synthetic", data, "--strategy", "pairs_full", "--mem", "on", env=env)
    assert proc.returncode == 0, proc.stderr
    proc = home("strategies", "params", "pairs_full", "--history", "all", env=env)
    assert proc.returncode == 0, proc.stderr
