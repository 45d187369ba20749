"""Enhancer plugins through the `algohost` CLI (issue 6, docs/mem.md "Enhancer plugins"): the built-in
native and Python enhancers listed with their kind and run with --enhancer, both arms recorded; a
strategy manifest that chooses its enhancer; unknown enhancers; and a throwing enhancer that is
disabled without stopping the run."""
import json
import sqlite3
import os
import shutil

from conftest import fixture_manifest, install_fixture

DATA = "symbols=2,bars=1500,seed=3,timeframe=1d"


def assert_two_arms(mem, enhancer):
    assert mem["enhancer"] == enhancer
    assert mem["mode"] == "full" and mem["out_of_sample"] is True
    assert mem["training_part"]["until_before"] == mem["scoring_part"]["from"]
    assert mem["base_arm_metrics"]["trades"] > 0
    assert set(mem["scoring"]) >= {"base", "enhanced", "improvement_pct", "verdict"}
    assert isinstance(mem["mem_improvement_pct"], float)


def test_plugins_list_and_inspect_show_the_kind(run):
    proc, rows = run.json("plugins", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    by = {r["name"]: r for r in rows}
    assert by["vol_gate"]["kind"] == "enhancer" and by["vol_gate"]["language"] == "cpp"
    assert by["regime_win_rate"]["kind"] == "enhancer" and by["regime_win_rate"]["language"] == "python"
    assert by["rsi"]["kind"] == "strategy"
    for name in ("vol_gate", "regime_win_rate"):
        assert by[name]["load_status"] == "loaded", by[name]["load_message"]
    text = run("plugins", "list").stdout
    assert "KIND" in text and "enhancer" in text
    proc, info = run.json("plugins", "inspect", "vol_gate", "--json")
    assert proc.returncode == 0, proc.stderr
    assert info["kind"] == "enhancer" and info["load_status"] == "loaded" and info["host_api_version"] == "1.0"


def test_run_with_the_native_enhancer_records_both_arms_and_names_it(home):
    proc, rep = home.json("run", "--synthetic", DATA, "--strategy", "macd", "--enhancer", "vol_gate",
                          "--enhancer-param", "max_volatility=0.3", "--json")
    assert proc.returncode == 0, proc.stderr
    s = rep["strategies"][0]
    mem = s["mem"]
    assert_two_arms(mem, "vol_gate@1.0.0")
    plugin = mem["plugin"]
    assert plugin["calls"] > 0 and plugin["changed"] > 0 and plugin["failed_calls"] == 0
    assert plugin["learned_total"] == mem["base_arm_metrics"]["trades"]  # every base-arm trade, once
    # the run record names the enhancer; trades entered in the scoring part carry its reasoning
    proc, runs = home.json("runs", "--json", "--limit", "1")
    assert runs[0]["run_id"] == rep["run_id"]
    assert runs[0]["strategies"][0]["enhancer"] == "vol_gate@1.0.0"
    proc, trades = home.json("trades", "macd", "--run", rep["run_id"], "--json")
    reasons = [t["mem_reasoning"] for t in trades if t["was_mem_enhanced"]]
    assert reasons and all(r.startswith("vol_gate@1.0.0: vol ") for r in reasons)
    assert all(t["entry_timestamp"] >= mem["scoring_part"]["from"] for t in trades if t["was_mem_enhanced"])
    # the built-in measure on the version is MEM's own; a plugin run does not overwrite it
    def improvement():
        db = sqlite3.connect(home.path / "catalog.db")
        (pct,) = db.execute("SELECT mem_improvement_pct FROM strategy_versions v JOIN strategies s "
                            "ON s.strategy_id = v.strategy_id WHERE s.strategy_name = 'macd'").fetchone()
        db.close()
        return pct
    before = improvement()
    text = home("run", "--synthetic", DATA, "--strategy", "macd", "--enhancer", "vol_gate")
    assert text.returncode == 0 and "enhancer vol_gate@1.0.0" in text.stdout and "base" in text.stdout
    assert improvement() == before


def test_run_with_the_python_enhancer_learns_and_keeps_its_state(home):
    args = ("run", "--synthetic", DATA, "--strategy", "macd", "--enhancer", "regime_win_rate",
            "--enhancer-param", "min_trades=2", "--json")
    proc, rep = home.json(*args)
    assert proc.returncode == 0, proc.stderr
    mem = rep["strategies"][0]["mem"]
    assert_two_arms(mem, "regime_win_rate@1.0.0")
    assert mem["plugin"]["entries_judged"] > 0 and mem["plugin"]["learned_total"] > 0
    assert mem["plugin"]["learned_after_scoring"] > 0  # the scoring part's outcomes, after the run
    assert mem["state_saved_to"] == "catalog (enhancer_states)"
    db = sqlite3.connect(home.path / "catalog.db")
    (text,) = db.execute("SELECT state_json FROM enhancer_states e JOIN strategies s ON s.strategy_id = e.strategy_id "
                         "WHERE s.strategy_name = 'macd' AND e.enhancer = 'regime_win_rate'").fetchone()
    state = json.loads(text)
    assert state["format"] == "algohost-enhancer-state/1" and state["enhancer"] == "regime_win_rate@1.0.0"
    assert json.loads(state["state"])["seen"]
    # a rerun over the same data: the saved state has seen its scoring part, so it learns afresh
    proc, again = home.json(*args, "--mem-state", "continue")
    assert again["strategies"][0]["mem"]["state_loaded"] is False
    assert "inside this run's scoring part" in again["strategies"][0]["mem"]["state_note"]
    assert again["strategies"][0]["mem"]["scoring"] == mem["scoring"]  # deterministic
    # new data after old: a state learned before this run's split continues
    proc, early = home.json(*args, "--to", "2016-06-30")
    assert proc.returncode == 0, proc.stderr
    proc, fresh = home.json(*args)  # by default a run starts from nothing
    assert fresh["strategies"][0]["mem"]["state_loaded"] is False and "state_note" not in fresh["strategies"][0]["mem"]
    proc, early = home.json(*args, "--to", "2016-06-30")
    proc, later = home.json(*args, "--mem-state", "continue")
    assert later["strategies"][0]["mem"]["state_loaded"] is True
    assert later["strategies"][0]["mem"]["state_loaded_from"] == mem["state_saved_to"]
    assert later["strategies"][0]["mem"]["state_loaded_through"] <= "2016-06-30T23:59:59Z"
    assert later["strategies"][0]["mem"]["plugin"]["skipped"] > 0  # what the state had learned


def test_a_strategy_manifest_chooses_its_enhancer_and_the_run_overrides_it(home, tmp_path):
    m = fixture_manifest("fx")
    m["mem_integration"] = {"enabled": True, "enhancement_type": "full", "enhancer": "vol_gate"}
    install_fixture(tmp_path, os.environ["ALGOHOST_FIXTURE_C"], m)
    base = ("--plugins", tmp_path, "run", "--synthetic", DATA, "--strategy", "fx", "--param", "threshold=100", "--json")
    proc, rep = home.json(*base)
    assert proc.returncode == 0, proc.stderr
    assert rep["strategies"][0]["mem"]["enhancer"] == "vol_gate@1.0.0"
    proc, rep = home.json(*base, "--enhancer", "mem")
    assert rep["strategies"][0]["mem"]["enhancer"] == "mem" and "plugin" not in rep["strategies"][0]["mem"]
    proc = home(*base, "--mem", "off")
    assert proc.returncode == 0 and json.loads(proc.stdout)["strategies"][0]["mem"] is None

    m["mem_integration"]["enhancer"] = "nope"
    install_fixture(tmp_path, os.environ["ALGOHOST_FIXTURE_C"], m)
    proc = home(*base)
    assert proc.returncode == 3
    assert "manifest.json: mem_integration.enhancer: unknown enhancer 'nope'" in proc.stderr


def test_unknown_or_contradictory_enhancer_choices_are_errors(home):
    run = ("run", "--synthetic", "symbols=1,bars=300,seed=1", "--strategy", "rsi")
    proc = home(*run, "--enhancer", "nope")
    assert proc.returncode == 3
    assert "--enhancer: unknown enhancer 'nope' (known: mem (built-in), regime_win_rate, vol_gate" in proc.stderr
    proc = home(*run, "--enhancer", "rsi")
    assert proc.returncode == 3 and "'rsi' is a strategy, not an enhancer" in proc.stderr
    proc = home(*run, "--enhancer", "vol_gate@9.9.9")
    assert proc.returncode == 3 and "has no version 9.9.9" in proc.stderr
    proc = home(*run, "--enhancer", "vol_gate", "--mem", "off")
    assert proc.returncode == 2
    proc = home(*run, "--enhancer-param", "max_volatility=0.2")
    assert proc.returncode == 2 and "--enhancer-param" in proc.stderr
    proc = home(*run, "--enhancer", "vol_gate", "--enhancer-param", "max_volatility=99")
    assert proc.returncode == 2 and "max_volatility" in proc.stderr
    proc = home(*run, "--enhancer", "vol_gate", "--enhancer-param", "max_volatility")
    assert proc.returncode == 2 and "--enhancer-param 'max_volatility': expected NAME=VALUE" in proc.stderr


def test_a_throwing_enhancer_is_disabled_and_the_run_goes_on(home, tmp_path):
    target = tmp_path / "faulty" / "1.0.0"
    target.mkdir(parents=True)
    lib = os.environ["ALGOHOST_FIXTURE_FAULTY_ENHANCER"]
    shutil.copy(lib, target)
    (target / "manifest.json").write_text(json.dumps({
        "kind": "enhancer", "name": "faulty", "display_name": "Faulty", "version": "1.0.0",
        "implementation": {"language": "cpp", "library": os.path.basename(lib), "sdk_api_version": "1.0"},
        "parameters": {"fail_in": {"type": "string", "default": "enhance"},
                       "after": {"type": "integer", "default": 1, "min": 0, "max": 100}},
    }))
    proc, rep = home.json("--plugins", tmp_path, "run", "--synthetic", DATA, "--strategy", "macd", "--enhancer",
                          "faulty", "--enhancer-max-failures", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    assert rep["status"] == "finished"
    mem = rep["strategies"][0]["mem"]
    plugin = mem["plugin"]
    assert plugin["disabled"] is True and plugin["failed_calls"] == 2
    assert "enhancer faulty@1.0.0 was disabled for the rest of the run after 2 consecutive failed calls" in \
        plugin["disabled_reason"]
    assert "faulty enhancer: enhance exploded at call 1" in plugin["last_error"]
    assert any("faulty@1.0.0 was disabled" in w for w in rep["warnings"])
    assert "enhance exploded" in proc.stderr  # logged
    assert_two_arms(mem, "faulty@1.0.0")
