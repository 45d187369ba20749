"""Errors where the user looks (issue 12, item 6): an invalid manifest named by run/signals/inspect
and warned about by a run of every strategy; the known names after "unknown strategy"; read-only
commands on a catalog the user cannot write; every exit code documented; I/O failures exit 8;
trades and perf of one run; signals of a Python strategy on every bar; search operators and
case-insensitive tags."""
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import SAMPLE_CSV, SOURCE_DIR, fixture_manifest, install_fixture

NOBODY = 65534


# ---- An invalid manifest, named -----------------------------------------------------------------


def invalid_plugins(root: Path):
    """Two invalid plugins: `badthr` (a bad max, named in its manifest) and one with no name at
    all in a folder called `nameless`."""
    m = fixture_manifest("badthr")
    m["parameters"]["threshold"]["max"] = "high"
    bad = install_fixture(root, os.environ["ALGOHOST_FIXTURE_C"], m)
    nameless = root / "nameless" / "1.0.0" / "manifest.json"
    nameless.parent.mkdir(parents=True)
    doc = fixture_manifest("x")
    del doc["name"]
    nameless.write_text(json.dumps(doc))
    return bad, nameless


def test_run_signals_and_inspect_name_an_invalid_manifest(home, tmp_path):
    bad, nameless = invalid_plugins(tmp_path / "plugins")
    plugins = ["--plugins", tmp_path / "plugins"]
    for args in (["run", "--strategy", "badthr", "--data", SAMPLE_CSV], ["signals", "badthr", "--data", SAMPLE_CSV],
                 ["plugins", "inspect", "badthr"], ["run", "--strategy", "badthr@1.0.0", "--data", SAMPLE_CSV]):
        proc = home(*plugins, *args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert f"found at {bad} but invalid: " in proc.stderr, (args, proc.stderr)
        assert "parameters.threshold.max: expected a number" in proc.stderr, proc.stderr
        assert "unknown strategy" not in proc.stderr
    proc = home(*plugins, "run", "--strategy", "nameless", "--data", SAMPLE_CSV)
    assert proc.returncode == 2 and f"nameless: found at {nameless} but invalid: name: " in proc.stderr, proc.stderr


def test_a_run_of_every_strategy_warns_once_for_each_invalid_plugin(home, tmp_path):
    bad, nameless = invalid_plugins(tmp_path / "plugins")
    proc = home("--plugins", tmp_path / "plugins", "run", "--data", SAMPLE_CSV, "--from", "2023-06-01", "--json")
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if "invalid manifest" in line]
    assert len(warnings) == 2, proc.stderr
    assert any(line.startswith(f"warning: {bad}: ") and "parameters.threshold.max: expected a number" in line
               for line in warnings), warnings
    assert any(line.startswith(f"warning: {nameless}: ") and "name: " in line for line in warnings), warnings
    assert {s["strategy"].split("@")[0] for s in json.loads(proc.stdout)["strategies"]} >= {"rsi", "macd"}


def test_unknown_strategy_lists_strategies_only(run):
    for args in (["run", "--strategy", "nosuch"], ["signals", "nosuch", "--data", SAMPLE_CSV]):
        proc = run(*args)
        assert proc.returncode == 3, proc.stderr
        known = re.search(r"unknown strategy 'nosuch' \(known: ([^)]*)\)", proc.stderr)
        assert known, proc.stderr
        names = set(known.group(1).split(", "))
        assert {"rsi", "macd", "pairs_trading"} <= names
        assert not names & {"vol_gate", "regime_win_rate", "mem (built-in)"}, names


# ---- Exit codes ------------------------------------------------------------------------------


def documented_codes(text: str):
    return {int(c) for c in re.findall(r"^\s+(\d+)\s{2,}\S", text, re.M)}


def test_every_exit_code_is_documented_in_help_and_readme(run):
    header = (SOURCE_DIR / "host" / "cli" / "exit_codes.h").read_text()
    constants = {int(v) for v in re.findall(r"constexpr int kExit\w+ = (\d+);", header)}
    assert {0, 1, 2, 3, 4, 5, 6, 7, 8, 70, 130} <= constants
    proc = run("--help")
    assert proc.returncode == 0
    footer = proc.stdout[proc.stdout.index("Exit codes:"):]
    assert documented_codes(footer) == constants, footer
    readme = (SOURCE_DIR / "README.md").read_text()
    table = readme[readme.index("Exit codes"):]
    table = table[:table.index("\n\n", table.index("|"))]
    assert {int(c) for c in re.findall(r"^\| (\d+) \|", table, re.M)} == constants, table


# ---- A catalog the user cannot write ----------------------------------------------------------


def as_user(binary, args, env):
    """Runs algohost as user nobody when we are root (file modes do not stop root)."""
    kw = {}
    if os.geteuid() == 0:
        kw = {"user": NOBODY, "group": NOBODY, "extra_groups": []}
    return subprocess.run([binary, *map(str, args)], capture_output=True, text=True, env=env, timeout=120, **kw)


@pytest.fixture
def shared_dir():
    """A folder user nobody can reach (pytest's tmp_path is closed to other users)."""
    d = Path(tempfile.mkdtemp(prefix="algohost-ro-", dir="/tmp"))
    d.chmod(0o755)
    yield d
    for p in [d, *d.rglob("*")]:
        if p.is_dir():
            p.chmod(0o755)
    shutil.rmtree(d)


READ_COMMANDS = [["runs"], ["runs", "--json"], ["perf", "rsi"], ["trades", "rsi"], ["compare", "rsi", "macd"],
                 ["strategies", "list"], ["strategies", "search", "rsi"], ["strategies", "show", "rsi"],
                 ["strategies", "versions", "rsi"], ["strategies", "params", "rsi"], ["strategies", "related", "rsi"],
                 ["audit"]]
WRITE_COMMANDS = [["strategies", "deprecate", "rsi", "--reason", "x"], ["strategies", "archive", "rsi"],
                  ["strategies", "set-param", "rsi", "period", "10", "--reason", "x"],
                  ["strategies", "link", "rsi", "macd", "--type", "combined_with"],
                  ["run", "--strategy", "rsi", "--data", SAMPLE_CSV]]


@pytest.mark.parametrize("how", ["file", "folder"])
def test_read_only_catalog_reads_with_one_warning_and_refuses_writes(algohost_bin, shared_dir, how):
    home = shared_dir / "home"
    env = {k: v for k, v in os.environ.items() if k != "ALGOHOST_PLUGIN_PATH"}
    env["ALGOHOST_HOME"] = str(home)
    made = subprocess.run([algohost_bin, "run", "--strategy", "rsi", "--data", str(SAMPLE_CSV), "--json"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert made.returncode == 0, made.stderr
    run_id = json.loads(made.stdout)["run_id"]
    db = home / "catalog.db"
    if how == "file":
        db.chmod(0o444)
        home.chmod(0o777)  # the folder is writable: only the file stops a write
    else:
        db.chmod(0o666)
        home.chmod(0o555)  # the file is writable: only the folder stops a write
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    warning = f"catalog {db} is read-only: not synced with the plugins; showing what it holds"
    for args in READ_COMMANDS:
        proc = as_user(algohost_bin, args, env)
        assert proc.returncode == 0, (args, proc.stderr)
        assert proc.stderr.count(warning) == 1, (args, proc.stderr)
        assert "error" not in proc.stderr.lower(), (args, proc.stderr)
    assert run_id in as_user(algohost_bin, ["runs"], env).stdout
    trades = json.loads(as_user(algohost_bin, ["trades", "rsi", "--json", "--run", run_id], env).stdout)
    assert trades and all(t["run_id"] == run_id for t in trades)
    for args in WRITE_COMMANDS:
        proc = as_user(algohost_bin, args, env)
        assert proc.returncode == 8, (args, proc.returncode, proc.stderr)
        assert f"catalog {db} is read-only" in proc.stderr, (args, proc.stderr)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before, "a read-only catalog changed"


def test_io_failures_are_exit_8(home, algohost_bin, shared_dir):
    # An export that cannot be written: the run is recorded, the warning names the file, exit 8.
    target = shared_dir / "no-such-folder" / "trades.csv"
    proc = home("run", "--strategy", "rsi", "--data", SAMPLE_CSV, "--trades-csv", target, "--json")
    assert proc.returncode == 8, proc.stderr
    assert f"warning: {target}: cannot write" in proc.stderr
    assert json.loads(proc.stdout)["status"] == "finished"
    assert home.json("runs", "--json")[1][0]["status"] == "finished"
    # A data file that is there but cannot be read is I/O (8); one that is not there is not found (3).
    data = shared_dir / "bars.csv"
    shutil.copy(SAMPLE_CSV, data)
    data.chmod(0o000)
    env = {k: v for k, v in os.environ.items() if k != "ALGOHOST_PLUGIN_PATH"}
    proc = as_user(algohost_bin, ["signals", "rsi", "--data", data], env)
    assert proc.returncode == 8 and f"{data}: cannot open: Permission denied" in proc.stderr, proc.stderr
    proc = as_user(algohost_bin, ["signals", "rsi", "--data", shared_dir / "missing.csv"], env)
    assert proc.returncode == 3 and "cannot open: no such file" in proc.stderr, proc.stderr


# ---- trades and perf of one run -----------------------------------------------------------------


def test_trades_show_their_run_and_perf_takes_a_run(home):
    reports = []
    for frm in ("2022-01-01", "2023-06-01"):
        proc, rep = home.json("run", "--strategy", "rsi", "--data", SAMPLE_CSV, "--from", frm, "--json")
        assert proc.returncode == 0, proc.stderr
        reports.append(rep)
    first, second = reports
    n1, n2 = first["strategies"][0]["trades"], second["strategies"][0]["trades"]
    assert n1 > n2 > 0
    table = home("trades", "rsi").stdout.splitlines()
    assert table[0].split()[0] == "RUN"
    assert sum(line.startswith(first["run_id"]) for line in table) == n1
    assert sum(line.startswith(second["run_id"]) for line in table) == n2
    _, trades = home.json("trades", "rsi", "--run", second["run_id"], "--json")
    assert len(trades) == n2 and {t["run_id"] for t in trades} == {second["run_id"]}
    _, perf = home.json("perf", "rsi", "--run", first["run_id"], "--json")
    assert perf["trades"] == n1
    assert perf["total_pnl"] == pytest.approx(sum(t["pnl"] for t in home.json("trades", "rsi", "--run", first["run_id"], "--json")[1]))
    _, everything = home.json("perf", "rsi", "--json")
    assert everything["trades"] == n1 + n2
    for args in (["trades", "rsi", "--run", "nope"], ["perf", "rsi", "--run", "nope"],
                 ["compare", "--mem", "rsi", "--run", "nope"]):
        proc = home(*args)
        assert proc.returncode == 3 and "unknown run 'nope'" in proc.stderr, (args, proc.returncode, proc.stderr)
        assert proc.stdout == ""


# ---- signals of a Python strategy --------------------------------------------------------------


@pytest.mark.parametrize("name", ["volatility_managed_momentum", "pairs_trading"])
def test_signals_of_a_python_strategy_show_every_bar(run, name):
    proc, out = run.json("signals", name, "--data", SAMPLE_CSV, "--json")
    assert proc.returncode == 0, proc.stderr
    sigs = out["signals"]
    assert len(sigs) == out["data"]["rows_read"] == 1512
    assert sum(s["action"] == "hold" for s in sigs) > 0 and sum(s["action"] != "hold" for s in sigs) > 0
    for symbol in ("ALPHA", "BRAVO"):
        times = [s["time"] for s in sigs if s["symbol"] == symbol]
        assert len(times) == len(set(times)) == 756, symbol


# ---- search and tags --------------------------------------------------------------------------


def names_of(rows):
    return {r["strategy_name"] for r in rows}


def test_search_operators_work(home):
    search = lambda q: names_of(home.json("strategies", "search", "--json", "--", q)[1])
    rsi, macd = search('"rsi"'), search('"macd"')  # phrases: exact words, as the words of an operator query are
    assert "rsi" in rsi and "macd" in macd and rsi != macd
    assert search("rsi OR macd") == rsi | macd
    assert search("rsi AND macd") == rsi & macd
    assert search("rsi NOT macd") == rsi - macd
    assert search("(rsi OR macd) NOT oscillator") == (rsi | macd) - search('"oscillator"')
    assert "macd" in search('"moving average"')
    assert "momentum" in search("mom*") and "momentum" not in search('"mom"')
    assert "macd" in search("NEAR(moving average, 2)")
    assert search("rsi or macd") <= rsi & macd  # lower-case words are words, as in FTS5


def test_malformed_search_is_refused_with_a_clear_message(home):
    for q, what in (("rsi OR", "OR needs a search term on each side"), ("NOT rsi", "write 'a NOT b'"),
                    ("(rsi", "'(' is not closed"), ("rsi)", "')' has no '(' before it"), ('"rsi', "is not closed"),
                    ("NEAR(", "not closed"), ("()", "holds nothing"), ("NEAR(a b, x)", "must be a number")):
        proc = home("strategies", "search", "--", q)
        assert proc.returncode == 2, (q, proc.returncode, proc.stderr)
        assert proc.stderr.startswith(f"error: search '{q}': ") and what in proc.stderr, (q, proc.stderr)
        assert "fts5" not in proc.stderr.lower() and "sql" not in proc.stderr.lower(), proc.stderr


def test_tag_filters_ignore_case(home):
    listed = lambda *a: names_of(home.json("strategies", "list", "--json", *a)[1])
    assert listed("--tag", "oscillator") == listed("--tag", "OSCILLATOR") == listed("--tag", "Oscillator") != set()
    assert listed("--any-tag", "WILDER", "--any-tag", "Ema") == listed("--any-tag", "wilder", "--any-tag", "ema") != set()
