"""`algohost strategies import`: strategies described by metadata files (the seed's format, or the
flat manifest one) that have no plugin are registered, listed, searched and shown, marked not
runnable; `run` names them with a clear error. The seed's own example file is the fixture."""
import json
import shutil
from pathlib import Path

import pytest

from conftest import SOURCE_DIR

SEED_FILE = SOURCE_DIR / "tests" / "fixtures" / "seed_metadata" / "volatility_managed_momentum.json"
SEED_NAME = "volatility_managed_momentum"  # a built-in Python strategy's name as well


@pytest.fixture
def bare(algohost_bin, run, tmp_path):
    """`algohost` without the built-in plugins (a copy of the binary with no lib/ beside it), with
    its own ALGOHOST_HOME: the seed's strategy is then one the host has no plugin for."""
    bindir = tmp_path / "bare" / "bin"
    bindir.mkdir(parents=True)
    binary = bindir / "algohost"
    shutil.copy(algohost_bin, binary)
    home = tmp_path / "bare" / "home"

    def call(*args):
        return run.__class__(str(binary), {**run.env, "ALGOHOST_HOME": str(home)})(*args)

    def js(*args):
        proc = call(*args)
        assert proc.stdout, proc.stderr
        return proc, json.loads(proc.stdout)

    call.json = js
    return call


def test_the_seeds_example_file_is_imported_listed_searched_and_shown(bare):
    assert "//" in SEED_FILE.read_text()  # the file as the seed gives it, comments included
    proc = bare("strategies", "import", SEED_FILE)
    assert proc.returncode == 0, proc.stderr
    assert SEED_NAME + "@1.0.0" in proc.stdout and "registered" in proc.stdout

    proc, rows = bare.json("strategies", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    (row,) = [r for r in rows if r["strategy_name"] == SEED_NAME]
    assert row["origin"] == "imported" and row["runnable"] is False
    assert row["current_version"] == "1.0.0" and row["language"] == "python"
    table = bare("strategies", "list", "--origin", "imported").stdout.splitlines()
    assert "RUNNABLE" in table[0].split()
    assert table[2].split()[0] == SEED_NAME and " no " in table[2]  # under the header and its rule

    proc, hits = bare.json("strategies", "search", "momentum volatility", "--json")
    assert proc.returncode == 0, proc.stderr
    assert [h["strategy_name"] for h in hits] == [SEED_NAME]

    proc, shown = bare.json("strategies", "show", SEED_NAME, "--json")
    assert proc.returncode == 0, proc.stderr
    assert shown["runnable"] is False and shown["origin"] == "imported"
    assert shown["display_name"] == "Volatility-Managed Momentum"
    assert shown["parameters"] == {"momentum_lookback": 252, "skip_period": 21, "volatility_lookback": 126,
                                   "target_volatility": 0.12}
    assert [v["version_number"] for v in shown["versions"]] == ["1.0.0"]
    text = bare("strategies", "show", SEED_NAME).stdout
    assert "runnable:     no — metadata only (imported from " + str(SEED_FILE) + ")" in text


def test_importing_the_same_file_twice_changes_nothing(bare):
    assert bare("strategies", "import", SEED_FILE).returncode == 0
    before = bare.json("audit", "--json")[1]
    proc, out = bare.json("strategies", "import", SEED_FILE, "--json")
    assert proc.returncode == 0, proc.stderr
    assert out == [{"file": str(SEED_FILE), "strategy": SEED_NAME + "@1.0.0", "action": "unchanged", "error": None,
                    "errors": [], "warnings": []}]
    assert bare.json("audit", "--json")[1] == before


def test_a_changed_file_under_the_same_version_is_refused_naming_both(bare, tmp_path):
    assert bare("strategies", "import", SEED_FILE).returncode == 0
    changed = tmp_path / "changed.json"
    changed.write_text(SEED_FILE.read_text().replace('"moderate"', '"complex"'))
    proc = bare("strategies", "import", changed)
    assert proc.returncode == 6, proc.stderr
    assert str(SEED_FILE) in proc.stderr and str(changed) in proc.stderr
    assert SEED_NAME + "@1.0.0 is imported already" in proc.stderr and "new version" in proc.stderr
    # A new version of it is welcome.
    changed.write_text(SEED_FILE.read_text().replace('"version": "1.0.0"', '"version": "1.1.0"'))
    proc = bare("strategies", "import", changed)
    assert proc.returncode == 0, proc.stderr
    assert "version_added" in proc.stdout
    proc, versions = bare.json("strategies", "versions", SEED_NAME, "--json")
    assert [v["version_number"] for v in versions] == ["1.1.0", "1.0.0"]


def test_a_directory_with_a_bad_file_registers_the_good_ones(bare, tmp_path):
    d = tmp_path / "metadata"
    d.mkdir()
    shutil.copy(SEED_FILE, d / "a_seed.json")
    (d / "b_bad.json").write_text(json.dumps({"schema_version": "1.0.0", "strategy": {
        "name": "broken", "display_name": "Broken", "version": "1.0.0",
        "parameters": {"n": {"type": "integer", "value": 5, "max": "many"}},
        "constraints": ["n < m"]}}))
    (d / "c_flat.json").write_text("""{
      // the flat shape, with a comment
      "name": "legacy_macd", "display_name": "Legacy MACD", "version": "0.3.0",
      "description": "the old C# MACD",
      "implementation": {"language": "multi", "file_path": "/backend/Strategies/MACDStrategy.cs"},
      "parameters": {"fast": {"type": "integer", "default": 12}, "slow": {"type": "integer", "default": 26}},
      "constraints": ["fast < slow"]
    }""")
    (d / "notes.txt").write_text("not metadata")
    proc, out = bare.json("strategies", "import", d, "--json")
    assert proc.returncode == 2, proc.stderr
    by_file = {Path(o["file"]).name: o for o in out}
    assert set(by_file) == {"a_seed.json", "b_bad.json", "c_flat.json"}
    assert by_file["a_seed.json"]["action"] == "registered"
    assert by_file["c_flat.json"]["action"] == "registered"
    bad = by_file["b_bad.json"]
    assert bad["action"] is None
    assert "strategy.parameters.n.max: expected a number, got a string" in bad["errors"]
    assert "strategy.constraints[0]: unknown parameter 'm' (parameters: n)" in bad["errors"]
    assert "b_bad.json: strategy.parameters.n.max: expected a number" in proc.stderr
    proc, rows = bare.json("strategies", "list", "--origin", "imported", "--json")
    assert sorted(r["strategy_name"] for r in rows) == ["legacy_macd", SEED_NAME]
    proc, shown = bare.json("strategies", "show", "legacy_macd", "--json")
    assert shown["language"] == "multi" and shown["runnable"] is False and shown["current_version"] == "0.3.0"


def test_run_of_an_imported_strategy_says_why_it_cannot_run(bare):
    assert bare("strategies", "import", SEED_FILE).returncode == 0
    proc = bare("run", "--synthetic", "symbols=1,bars=300,seed=1", "--strategy", SEED_NAME)
    assert proc.returncode == 7, proc.stderr
    assert (SEED_NAME + " is in the catalog from imported metadata (" + str(SEED_FILE) +
            ") but has no artifact the host can load; install a plugin with a manifest for it") in proc.stderr


def test_a_strategy_with_a_plugin_is_not_overwritten_by_an_import(home):
    proc = home("strategies", "import", SEED_FILE)
    assert proc.returncode == 6
    assert "strategy '" + SEED_NAME + "' is in the catalog already (origin built_in)" in proc.stderr
    proc, shown = home.json("strategies", "show", SEED_NAME, "--json")
    assert shown["origin"] == "built_in" and shown["runnable"] is True


def test_import_of_a_missing_path_is_not_found(bare, tmp_path):
    proc = bare("strategies", "import", tmp_path / "nothing.json")
    assert proc.returncode == 3
    assert "nothing.json: no such file or directory" in proc.stderr
