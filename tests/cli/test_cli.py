"""The algohost CLI end to end: plugins list/validate/inspect and signals, including bad input."""
import json
import os
from pathlib import Path

from conftest import SAMPLE_CSV, builtin_versions, fixture_manifest, install_fixture

PYTHON_BUILTIN = {"volatility_managed_momentum", "pairs_trading", "carry_trade"}
BUILTIN = {"momentum", "rsi", "macd", "mfi", "vwap", "volatility_managed_momentum", "pairs_trading", "carry_trade"}
ENHANCERS = {"vol_gate": "cpp", "regime_win_rate": "python"}  # built-in enhancer plugins (kind enhancer)


def test_plugins_list_json_shows_the_builtins_loaded_with_their_kind(run):
    proc, rows = run.json("plugins", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    loaded = {r["name"]: r for r in rows if r["load_status"] == "loaded"}
    assert set(loaded) == BUILTIN | set(ENHANCERS)
    for r in loaded.values():
        if r["name"] in ENHANCERS:
            assert r["kind"] == "enhancer" and r["language"] == ENHANCERS[r["name"]]
            continue
        assert r["kind"] == "strategy"
        assert r["language"] == ("python" if r["name"] in PYTHON_BUILTIN else "cpp")
        assert r["version"] == builtin_versions()[r["name"]]
        assert len(r["sha256"]) == 64 and Path(r["path"]).is_dir()


def test_plugins_list_table_and_help(run):
    proc = run("plugins", "list")
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[0].split() == ["NAME", "VERSION", "KIND", "LANG", "STATUS", "LOAD", "PATH"]
    for cmd in (["--help"], ["plugins", "--help"], ["plugins", "list", "--help"], ["plugins", "validate", "--help"],
                ["plugins", "inspect", "--help"], ["signals", "--help"]):
        assert run(*cmd).returncode == 0, cmd


def test_bad_plugin_is_listed_with_its_error_and_the_others_still_load(run, tmp_path):
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "manifest.json").write_text('{"name": "broken", "version": 1}')
    proc, rows = run.json("--plugins", tmp_path, "plugins", "list", "--json")
    assert proc.returncode == 1  # problems found, listed, not fatal
    invalid = [r for r in rows if r["load_status"] == "invalid"]
    assert len(invalid) == 1
    paths = {e["path"] for e in invalid[0]["errors"]}
    assert {"version", "display_name", "implementation"} <= paths
    assert {r["name"] for r in rows if r["load_status"] == "loaded"} == BUILTIN | set(ENHANCERS)


def test_plugin_path_env_is_searched(run, tmp_path):
    install_fixture(tmp_path, os.environ["ALGOHOST_FIXTURE_C"], fixture_manifest("cthreshold"))
    proc = run("plugins", "list", "--json", env={"ALGOHOST_PLUGIN_PATH": str(tmp_path)})
    rows = json.loads(proc.stdout)
    row = next(r for r in rows if r["name"] == "cthreshold")
    assert row["load_status"] == "loaded" and row["origin"] == "ALGOHOST_PLUGIN_PATH"


def test_validate_reports_every_error_and_exit_code(run, tmp_path):
    bad = tmp_path / "bad" / "manifest.json"
    bad.parent.mkdir()
    bad.write_text(json.dumps({
        "name": "bad", "display_name": "Bad", "version": "1.0.0",
        "implementation": {"language": "cpp", "library": "nope.so", "sdk_api_version": "1.0"},
        "parameters": {"period": {"type": "integer", "default": 500, "min": 2, "max": 100},
                       "level": {"type": "float", "default": 1, "max": "high"}},
        "surprise": True,
    }))
    proc = run("plugins", "validate", bad)
    assert proc.returncode != 0
    assert "parameters.period.default: 500 is outside" in proc.stdout
    assert "parameters.level.max: expected a number, got a string" in proc.stdout
    assert "warning: surprise: unknown field" in proc.stdout

    good = install_fixture(tmp_path / "good", os.environ["ALGOHOST_FIXTURE_C"], fixture_manifest("good"))
    proc = run("plugins", "validate", good)
    assert proc.returncode == 0, proc.stdout
    assert "valid" in proc.stdout

    missing_lib = tmp_path / "nolib" / "manifest.json"
    missing_lib.parent.mkdir()
    missing_lib.write_text(json.dumps(fixture_manifest("nolib")))
    proc, out = run.json("plugins", "validate", "--json", missing_lib)
    assert proc.returncode != 0
    assert any("does not exist" in e["message"] for e in out[0]["errors"])

    proc = run("plugins", "validate", tmp_path / "does-not-exist.json")
    assert proc.returncode != 0 and "cannot read the file" in proc.stdout


def test_inspect_shows_parameters_api_and_hash(run):
    proc, info = run.json("plugins", "inspect", "rsi@1.0.0", "--json")
    assert proc.returncode == 0, proc.stderr
    assert info["api_version"] == "1.0" and info["load_status"] == "loaded"
    assert len(info["sha256"]) == 64
    assert [p["name"] for p in info["parameters"]] == ["period", "oversold", "overbought"]
    assert info["diagnostics"][0] == "rsi"
    text = run("plugins", "inspect", "macd").stdout
    assert "PARAMETER" in text and "API version:  1.0" in text
    proc = run("plugins", "inspect", "nosuch")
    assert proc.returncode == 3 and "unknown strategy 'nosuch'" in proc.stderr


def test_signals_json_csv_and_summary(run):
    proc, out = run.json("signals", "macd", "--data", SAMPLE_CSV, "--json")
    assert proc.returncode == 0, proc.stderr
    assert out["diagnostics"] == ["macd", "signal", "histogram"]
    sigs = out["signals"]
    assert len(sigs) == out["data"]["rows_read"] == 1512
    actions = {s["action"] for s in sigs}
    assert {"buy", "sell", "hold"} <= actions
    confs = {round(s["confidence"], 6) for s in sigs if s["action"] != "hold"}
    assert len(confs) > 5  # derived from the indicator, not a constant
    csv = run("signals", "rsi", "--data", SAMPLE_CSV, "--csv", "--param", "period=10").stdout.splitlines()
    assert csv[0].startswith("time,symbol,close,action,confidence") and csv[0].endswith(",rsi,avg_gain,avg_loss")
    assert len(csv) == 1513
    summary = run("signals", "vwap", "--data", SAMPLE_CSV, "--summary").stdout
    assert "ALPHA" in summary and "BRAVO" in summary


def test_signals_bad_input_gets_clear_errors(run, tmp_path):
    proc = run("signals", "rsi", "--data", SAMPLE_CSV, "--param", "period=1")
    assert proc.returncode == 2 and "parameter 'period': 1 is outside" in proc.stderr
    proc = run("signals", "rsi", "--data", SAMPLE_CSV, "--param", "period")
    assert proc.returncode == 2 and "expected NAME=VALUE" in proc.stderr
    proc = run("signals", "rsi", "--data", SAMPLE_CSV, "--param", "nosuch=3")
    assert proc.returncode == 2 and "has no such parameter" in proc.stderr
    bad_csv = tmp_path / "X.csv"
    bad_csv.write_text("timestamp,open,high,low,close,volume\n2024-01-02,1,1,1,1,1\n2024-01-03,1,1,1,zz,1\n")
    proc = run("signals", "rsi", "--data", bad_csv)
    assert proc.returncode == 2 and f"{bad_csv}:3: close 'zz' is not a number" in proc.stderr
    proc = run("signals", "rsi", "--data", bad_csv, "--skip-bad-rows", "--json")
    assert proc.returncode == 0 and "skipped:" in proc.stderr
    assert json.loads(proc.stdout)["data"]["rows_skipped"] == 1
    proc = run("signals", "rsi")
    assert proc.returncode == 2 and "--data" in proc.stderr
    proc = run("signals", "rsi", "--data", SAMPLE_CSV, "--json", "--csv")
    assert proc.returncode == 2
    proc = run("nonsense-command")
    assert proc.returncode == 2


def test_a_strategy_that_throws_mid_run_is_reported_not_fatal(run, tmp_path):
    m = fixture_manifest("faulty")
    m["parameters"] = {"fail_in": {"type": "string", "default": "bar", "choices": ["none", "bar", "create"]},
                       "after": {"type": "integer", "default": 3, "min": 0}}
    install_fixture(tmp_path, os.environ["ALGOHOST_FIXTURE_FAULTY"], m)
    proc = run("--plugins", tmp_path, "signals", "faulty", "--data", SAMPLE_CSV, "--json")
    assert proc.returncode == 5
    out = json.loads(proc.stdout)
    assert len(out["signals"]) == 3 and "on_bar exploded" in out["error"]
    proc = run("--plugins", tmp_path, "signals", "faulty", "--data", SAMPLE_CSV, "--param", "fail_in=create")
    assert proc.returncode == 5 and "create failed: faulty: refusing to be created" in proc.stderr
