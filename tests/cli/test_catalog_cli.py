"""The catalog from the CLI: strategies list/search/show/versions/deprecate/link/params/set-param and
audit, against a throw-away ALGOHOST_HOME, including bad input."""
import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import builtin_versions

BUILTIN = {"momentum", "rsi", "macd", "mfi", "vwap", "volatility_managed_momentum", "pairs_trading", "carry_trade"}


@pytest.fixture
def cat(run, tmp_path):
    """Runs algohost with ALGOHOST_HOME in a temporary folder."""
    home = tmp_path / "home"

    def call(*args, env=None):
        e = {"ALGOHOST_HOME": str(home)}
        e.update(env or {})
        return run(*args, env=e)

    def js(*args):
        proc = call(*args)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    call.json = js
    call.home = home
    return call


def test_sync_registers_builtins_once(cat):
    rows = cat.json("strategies", "list", "--json")
    assert {r["strategy_name"] for r in rows} == BUILTIN
    versions = builtin_versions()
    assert all(r["current_version"] == versions[r["strategy_name"]] and r["version_count"] == 1 for r in rows)
    assert (cat.home / "catalog.db").exists()
    audit_before = cat.json("audit", "--json", "--limit", "1000")
    cat.json("strategies", "list", "--json")  # a second sync changes nothing
    assert len(cat.json("audit", "--json", "--limit", "1000")) == len(audit_before)
    ids = {r["strategy_id"] for r in rows}
    assert {p.stem for p in (cat.home / "metadata").glob("*.json")} == ids
    meta = json.loads((cat.home / "metadata" / f"{rows[0]['strategy_id']}.json").read_text())
    assert meta["schema_version"] == "1.0.0" and meta["strategy"]["name"] == rows[0]["strategy_name"]


def test_filters_search_and_show(cat):
    names = lambda rows: [r["strategy_name"] for r in rows]
    assert names(cat.json("strategies", "list", "--json", "--category", "mean_reversion")) == ["mfi", "rsi", "vwap"]
    assert names(cat.json("strategies", "list", "--json", "--tag", "oscillator", "--tag", "volume")) == ["mfi"]
    assert names(cat.json("strategies", "list", "--json", "--any-tag", "wilder", "--any-tag", "ema")) == ["macd", "rsi"]
    assert names(cat.json("strategies", "list", "--json", "--sort", "name", "--desc", "--limit", "2")) == ["vwap", "volatility_managed_momentum"]
    hits = names(cat.json("strategies", "search", "rsi", "--json"))
    assert hits[0] == "rsi"
    assert names(cat.json("strategies", "search", "oscill", "--json"))[:2] == ["rsi", "mfi"] or \
        set(names(cat.json("strategies", "search", "oscill", "--json"))[:2]) == {"rsi", "mfi"}
    show = cat.json("strategies", "show", "macd", "--json")
    assert show["versions"][0]["version_number"] == "1.0.0"
    assert show["parameters"] == {"fast": 12, "slow": 26, "signal": 9}
    assert len(show["versions"][0]["artifact_sha256"]) == 64
    proc = cat("strategies", "show", "nope")
    assert proc.returncode == 3 and "unknown strategy 'nope'" in proc.stderr


def test_list_search_is_the_search_within_the_filters(cat):
    names = lambda rows: [r["strategy_name"] for r in rows]
    searched = cat.json("strategies", "search", "oscill", "--json")
    listed = cat.json("strategies", "list", "--search", "oscill", "--json")
    assert names(listed) == names(searched) and all("rank" in r for r in listed)
    in_category = names(cat.json("strategies", "list", "--search", "oscill", "--category", "mean_reversion", "--json"))
    assert in_category == [n for n in names(searched) if n in {"mfi", "rsi", "vwap"}] and in_category
    assert names(cat.json("strategies", "list", "--search", "oscill", "--sort", "name", "--json")) == sorted(names(searched))
    assert cat.json("strategies", "list", "--search", "oscill", "--category", "nothing_like_it", "--json") == []


def test_hostile_values_are_bound_not_executed(cat):
    for args in (["--tag", "'; DROP TABLE strategies; --"], ["--category", "x' OR '1'='1"], ["--any-tag", "%"],
                 ["--tag", "_"], ["--tag", '"']):
        assert cat.json("strategies", "list", "--json", *args) == [], args
    for text in ("'; DROP TABLE strategies; --", "rsi OR macd", "*", "-foo", "col:val", "%_"):
        proc = cat("strategies", "search", "--json", "--", text)
        assert proc.returncode == 0, (text, proc.stderr)
    for text in ("NEAR(", '"', "' OR 1=1 --"):  # malformed FTS5 syntax: refused, naming the query, without SQL
        proc = cat("strategies", "search", "--json", "--", text)
        assert proc.returncode == 2 and proc.stderr.startswith(f"error: search '{text}': "), (text, proc.stderr)
        assert "sql" not in proc.stderr.lower() and "fts5" not in proc.stderr.lower(), proc.stderr
    assert len(cat.json("strategies", "list", "--json")) == len(BUILTIN)


def test_runs_use_the_parameters_set_in_the_catalog(cat):
    """A value changed in the catalog (set-param, or MEM's parameter rule) is what the next run of
    that version uses; --param overrides it for one run. The run record says which came from where."""
    def last_run_parameters():
        db = sqlite3.connect(cat.home / "catalog.db")
        (text,) = db.execute("SELECT strategies_json FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1").fetchone()
        entry = json.loads(text)[0]
        return entry["parameters"], entry["parameters_from_catalog"]

    data = ["--synthetic", "symbols=1,bars=400,seed=2", "--strategy", "rsi", "--mem", "off", "--json"]
    proc = cat("strategies", "set-param", "rsi", "period", "21", "--reason", "slower market")
    assert proc.returncode == 0, proc.stderr
    tuned = cat.json("run", *data)
    params, from_catalog = last_run_parameters()
    assert params["period"] == 21 and from_catalog == ["period"]
    cat.json("run", *data, "--param", "period=14")
    params, from_catalog = last_run_parameters()
    assert params["period"] == 14 and from_catalog == []
    default = cat.json("run", *data, "--param", "period=14")
    assert tuned["strategies"][0]["signals"] != default["strategies"][0]["signals"]


def test_parameters_within_bounds_with_history(cat):
    proc = cat("strategies", "set-param", "rsi", "period", "21", "--reason", "slower market")
    assert proc.returncode == 0, proc.stderr
    proc = cat("strategies", "set-param", "rsi", "period", "500", "--reason", "too far")
    assert proc.returncode == 2 and "parameter 'period': 500 is outside [2, 100]" in proc.stderr
    proc = cat("strategies", "set-param", "rsi", "period", "fast", "--reason", "x")
    assert proc.returncode == 2 and "is not an integer" in proc.stderr
    proc = cat("strategies", "set-param", "rsi", "nosuch", "1", "--reason", "x")
    assert proc.returncode == 3
    proc = cat("strategies", "set-param", "rsi", "oversold", "25", "--reason", "test B", "--ab-group", "B")
    assert proc.returncode == 0
    values = {p["name"]: p["value"] for p in cat.json("strategies", "params", "rsi", "--json")}
    assert values == {"period": 21, "oversold": 25.0, "overbought": 70.0}
    hist = cat.json("strategies", "params", "rsi", "--history", "period", "--json")
    assert len(hist) == 1 and hist[0]["previous_value"] == "14" and hist[0]["changed_by"] == "manual"
    assert hist[0]["change_reason"] == "slower market"
    every = cat.json("strategies", "params", "rsi", "--history", "all", "--json")
    assert [h["parameter_name"] for h in every] == ["oversold", "period"] and every[0]["ab_test_group"] == "B"
    proc = cat("strategies", "params", "rsi", "--history", "nosuch")
    assert proc.returncode == 3 and "has a parameter 'nosuch'" in proc.stderr
    proc = cat("strategies", "list", "--limit", "-1")
    assert proc.returncode == 2 and "--limit: -1 is not 0 or more" in proc.stderr


def test_deprecate_link_and_audit(cat):
    proc = cat("strategies", "deprecate", "momentum", "--reason", "superseded", "--replacement", "macd")
    assert proc.returncode == 0, proc.stderr
    assert "momentum" not in {r["strategy_name"] for r in cat.json("strategies", "list", "--json")}
    everything = {r["strategy_name"]: r for r in cat.json("strategies", "list", "--json", "--all")}
    assert everything["momentum"]["status"] == "deprecated"
    assert everything["momentum"]["deprecation_reason"] == "superseded"
    rel = cat.json("strategies", "related", "macd", "--json")
    assert [(r["strategy_name"], r["relationship_type"], r["direction"]) for r in rel] == [("momentum", "replaces", "child")]
    assert cat("strategies", "deprecate", "rsi").returncode == 2  # --reason is required
    assert cat("strategies", "link", "rsi", "mfi", "--type", "alternative_to").returncode == 0
    proc = cat("strategies", "link", "rsi", "mfi", "--type", "cousin_of")
    assert proc.returncode == 2 and "is not one of" in proc.stderr
    proc = cat("strategies", "link", "rsi", "rsi", "--type", "derived_from")
    assert proc.returncode == 2 and "cannot be linked to itself" in proc.stderr
    proc = cat("strategies", "link", "rsi", "ghost", "--type", "derived_from")
    assert proc.returncode == 3
    entries = cat.json("audit", "--json", "--strategy", "momentum")
    assert entries[0]["action"] == "deprecate" and entries[0]["before"]["status"] == "active"
    assert entries[0]["after"]["status"] == "deprecated"
    assert {e["action"] for e in cat.json("audit", "--json")} >= {"register", "create_version", "deprecate", "link"}
    # a deprecated status set by an operator survives the next sync
    assert cat.json("strategies", "show", "momentum", "--json")["status"] == "deprecated"


def test_new_version_side_by_side_and_immutable_versions(cat, tmp_path, algohost_bin):
    builtin = Path(algohost_bin).parent.parent / "lib" / "algohost" / "plugins" / "rsi" / "1.0.0"
    plugins = tmp_path / "plugins"
    newer = plugins / "rsi" / "1.1.0"
    shutil.copytree(builtin, newer)
    manifest = json.loads((newer / "manifest.json").read_text())
    manifest["version"] = "1.1.0"
    manifest["description"] = "RSI, now with a new description"
    (newer / "manifest.json").write_text(json.dumps(manifest))
    rows = cat.json("--plugins", plugins, "strategies", "versions", "rsi", "--json")
    assert [v["version_number"] for v in rows] == ["1.1.0", "1.0.0"]
    show = cat.json("--plugins", plugins, "strategies", "show", "rsi", "--json")
    assert show["current_version"] == "1.1.0" and show["description"] == "RSI, now with a new description"
    # Same name and version, another artifact: refused, the registered hash stays.
    with open(newer / "libalgohost_rsi.so", "ab") as f:
        f.write(b"\0tampered")
    proc = cat("--plugins", plugins, "strategies", "versions", "rsi", "--json", "--log-level", "warn")
    assert proc.returncode == 0
    assert "rsi@1.1.0" in proc.stderr and "publish a new version" in proc.stderr
    assert json.loads(proc.stdout)[0]["artifact_sha256"] == rows[0]["artifact_sha256"]


def test_bad_catalog_files_get_clear_errors(cat, tmp_path):
    newer = tmp_path / "newer.db"
    con = sqlite3.connect(newer)
    con.execute("PRAGMA user_version = 99")
    con.commit()
    con.close()
    proc = cat("--catalog", newer, "strategies", "list")
    assert proc.returncode == 4 and "schema version 99 is newer" in proc.stderr
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    proc = cat("--catalog", garbage, "strategies", "list")
    assert proc.returncode == 8 and str(garbage) in proc.stderr
    # a damaged table (a readable header, one page of junk): the command stops on it, naming the
    # file, instead of warning once per manifest and listing what it can still read
    damaged = tmp_path / "damaged.db"
    assert cat("--catalog", damaged, "strategies", "list").returncode == 0
    con = sqlite3.connect(damaged)
    page = con.execute("PRAGMA page_size").fetchone()[0]
    root = con.execute("SELECT rootpage FROM sqlite_schema WHERE name = 'strategy_versions'").fetchone()[0]
    con.close()
    with open(damaged, "r+b") as f:
        f.seek((root - 1) * page)
        f.write(b"\xff" * page)
    proc = cat("--catalog", damaged, "strategies", "list")
    assert proc.returncode == 8, proc.stderr
    assert str(damaged) in proc.stderr and "damaged" in proc.stderr and ".recover" in proc.stderr
    assert "catalog sync:" not in proc.stderr and proc.stdout == ""
    custom = tmp_path / "elsewhere" / "cat.db"
    assert {r["strategy_name"] for r in cat.json("--catalog", custom, "strategies", "list", "--json")} == BUILTIN
    assert custom.exists() and (custom.parent / "metadata").is_dir()
