"""`algohost run --mem` and `algohost compare --mem` end to end (issue 6, docs/mem.md)."""
import json
import sqlite3


def test_mem_run_compare_and_catalog(home):
    data = "symbols=2,bars=1500,seed=3,timeframe=1d"
    proc, rep = home.json("run", "--synthetic", data, "--strategy", "rsi", "--mem", "on", "--json")
    assert proc.returncode == 0, proc.stderr
    s = rep["strategies"][0]
    mem = s["mem"]
    assert mem["mode"] == "full" and mem["out_of_sample"] is True
    assert mem["training_part"]["until_before"] == mem["scoring_part"]["from"]
    assert mem["scoring"]["verdict"] in ("gain", "loss", "within noise")
    assert isinstance(mem["mem_improvement_pct"], float)
    assert mem["base_arm_metrics"]["trades"] > 0
    # the measured difference is on the version
    db = sqlite3.connect(home.path / "catalog.db")
    (pct,) = db.execute("SELECT mem_improvement_pct FROM strategy_versions v JOIN strategies s "
                        "ON s.strategy_id = v.strategy_id WHERE s.strategy_name = 'rsi'").fetchone()
    assert pct == mem["mem_improvement_pct"]
    # only the enhanced arm is recorded; MEM fields on trades entered in the scoring part
    rows = db.execute("SELECT entry_timestamp, was_mem_enhanced, mem_reasoning FROM strategy_performance "
                      "WHERE run_id = ?", (rep["run_id"],)).fetchall()
    assert len(rows) == s["trades"]
    for entry, enhanced, why in rows:
        if entry < mem["scoring_part"]["from"]:
            assert enhanced == 0
        if enhanced:
            assert "P=" in why
    # state saved in the catalog, summarised in the audit log
    (learned,) = db.execute("SELECT learned_outcomes FROM mem_models m JOIN strategies s "
                            "ON s.strategy_id = m.strategy_id WHERE s.strategy_name = 'rsi'").fetchone()
    assert learned > 0
    assert mem["state_saved_to"].startswith("catalog")
    # compare --mem: the same block, side by side
    proc, cmp = home.json("compare", "--mem", "rsi", "--json")
    assert proc.returncode == 0
    assert cmp["run_id"] == rep["run_id"] and cmp["mem"]["scoring"] == mem["scoring"]
    text = home("compare", "--mem", "rsi")
    assert text.returncode == 0 and "base" in text.stdout and "enhanced" in text.stdout
    assert "scored on" in text.stdout
    # a rerun over the same data gives the same figures
    _, again = home.json("run", "--synthetic", data, "--strategy", "rsi", "--mem", "on", "--json")
    assert json.dumps(again["strategies"][0]["mem"]["scoring"]) == json.dumps(mem["scoring"])
    # an earlier run by id, and every MEM run newest first; a run without MEM is not one
    assert home("run", "--synthetic", data, "--strategy", "rsi", "--mem", "off").returncode == 0
    proc, first = home.json("compare", "--mem", "rsi", "--run", rep["run_id"], "--json")
    assert proc.returncode == 0 and first["run_id"] == rep["run_id"]
    proc, hist = home.json("compare", "--mem", "rsi", "--history", "--json")
    assert proc.returncode == 0
    assert [h["run_id"] for h in hist] == [again["run_id"], rep["run_id"]]
    for h, r in zip(hist, (again, rep)):
        sc = r["strategies"][0]["mem"]["scoring"]
        assert (h["improvement_pct"], h["verdict"], h["enhancer"]) == (sc["improvement_pct"], sc["verdict"], "mem")
    _, hist1 = home.json("compare", "--mem", "rsi", "--history", "--limit", "1", "--json")
    assert [h["run_id"] for h in hist1] == [again["run_id"]]
    text = home("compare", "--mem", "rsi", "--history")
    assert text.returncode == 0 and rep["run_id"] in text.stdout and "VERDICT" in text.stdout
    # bad input: an unknown run, a run without this strategy's MEM result, misused options
    assert "unknown run" in home("compare", "--mem", "rsi", "--run", "no-such-run").stderr
    _, runs = home.json("runs", "--json")
    no_mem = home("compare", "--mem", "rsi", "--run", runs[0]["run_id"])
    assert no_mem.returncode != 0 and "has no MEM result for rsi" in no_mem.stderr
    assert home("compare", "--mem", "no_such_strategy", "--history").returncode != 0
    assert home("compare", "--run", rep["run_id"]).returncode != 0  # --run needs --mem
    assert home("compare", "--mem", "rsi", "--limit", "2").returncode != 0  # --limit needs --history


def test_mem_off_and_bad_fraction(home):
    proc, rep = home.json("run", "--synthetic", "symbols=1,bars=600,seed=3", "--strategy", "rsi", "--mem", "off", "--json")
    assert proc.returncode == 0
    assert rep["strategies"][0]["mem"] is None
    assert home("compare", "--mem", "rsi").returncode != 0  # no MEM run recorded
    bad = home("run", "--synthetic", "symbols=1,bars=600,seed=3", "--strategy", "rsi", "--mem-train-fraction", "1.5")
    assert bad.returncode != 0
