"""pytest for the algohost_registry extension module (the registry bindings, issue 5 item 6).

Run by ctest (python_registry_pytest) with PYTHONPATH set to <build>/lib/algohost/python, or by hand:

    PYTHONPATH=build/lib/algohost/python /usr/bin/python3 -m pytest -q tests/python/test_registry_bindings.py

Every test works on its own temporary catalog.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading

import pytest

try:
    import algohost_registry as ar
except ImportError as e:  # pragma: no cover - a setup problem, said plainly
    raise ImportError(f"{e}: build the algohost_registry target and put <build>/lib/algohost/python on "
                      "PYTHONPATH (ctest does both)") from e
from algohost_registry import (
    AlreadyExistsError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    Registry,
    RegistryError,
)

# The seed's JSON metadata example: Barroso and Santa-Clara's volatility-managed momentum.
VMM_PARAMETERS = {
    "momentum_lookback": {"value": 252, "type": "integer", "min": 21, "max": 504, "optimizable": True,
                          "description": "Days to lookback for momentum calculation"},
    "skip_period": {"value": 21, "type": "integer", "min": 0, "max": 63, "optimizable": True,
                    "description": "Days to skip to avoid reversal"},
    "volatility_lookback": {"value": 126, "type": "integer", "min": 21, "max": 252, "optimizable": True,
                            "description": "Days for volatility calculation"},
    "target_volatility": {"value": 0.12, "type": "float", "min": 0.05, "max": 0.30, "optimizable": True,
                          "description": "Target annual volatility"},
}


@pytest.fixture
def registry(tmp_path):
    with Registry(tmp_path / "catalog.db", data_dir=tmp_path / "data", actor="pytest") as r:
        yield r


def register(registry, name, *, category="momentum", tags=("momentum",), **fields):
    return registry.register(name=name, display_name=name.replace("_", " ").title(), language="python",
                             category=category, tags=list(tags), **fields)


def trade(strategy, exit_day, pnl_pct, *, symbol="SPY", capital=10_000.0, **fields):
    """A closed long trade entered the day before `exit_day` (ISO date) returning pnl_pct."""
    exit_at = dt.datetime.fromisoformat(exit_day + "T16:00:00")
    entry_price = 100.0
    quantity = capital / entry_price
    record = {
        "strategy_id": strategy, "symbol": symbol, "signal_action": "buy",
        "entry_price": entry_price, "exit_price": entry_price * (1 + pnl_pct), "quantity": quantity,
        "entry_timestamp": exit_at - dt.timedelta(days=1), "exit_timestamp": exit_at,
        "duration_seconds": 86_400, "pnl": capital * pnl_pct, "pnl_percentage": pnl_pct,
    }
    record.update(fields)
    return record


def with_version(registry, name, version="1.0.0", **fields):
    return registry.create_version(name, version, parameters=VMM_PARAMETERS,
                                   artifact_sha256=fields.pop("artifact_sha256", "a" * 64), **fields)


# ---- The seed's usage example ------------------------------------------------------------------


def test_seed_usage_example(tmp_path, capsys):
    registry = Registry(tmp_path / "strategy_registry" / "catalog.db",
                        data_dir=tmp_path / "strategy_registry")

    # Register new strategy
    strategy_id = registry.register(
        name="volatility_managed_momentum",
        display_name="Volatility-Managed Momentum",
        description="Scales momentum positions by volatility",
        category="momentum",
        language="python",
        file_path="/strategyGrpDev02/implementations/strategy1_vol_managed_momentum.py",
        class_name="VolatilityManagedMomentum",
        origin="research",
        tags=["momentum", "volatility_scaling", "academic"],
    )
    # Two more momentum strategies: one is not academic, one does not perform.
    registry.register(name="plain_momentum", display_name="Plain Momentum", category="momentum",
                      language="cpp", tags=["momentum"])
    registry.register(name="noisy_momentum", display_name="Noisy Momentum", category="momentum",
                      language="python", origin="research", tags=["momentum", "academic"])

    # Trades: 2024 results, and some outside the range asked for below.
    returns = {"2024-01-31": 0.020, "2024-03-28": 0.015, "2024-05-31": 0.030,
               "2024-07-31": -0.005, "2024-09-30": 0.025, "2024-10-21": 0.010}
    for day, r in returns.items():
        registry.record_trade(trade(strategy_id, day, r, was_mem_enhanced=False))
    registry.record_trade(trade(strategy_id, "2023-12-29", 0.040))
    registry.record_trade(trade(strategy_id, "2024-10-22", 0.035))
    for day, r in {"2024-02-29": 0.03, "2024-04-30": -0.05, "2024-06-28": 0.04, "2024-08-30": -0.06}.items():
        registry.record_trade(trade("noisy_momentum", day, r))
    for day, r in {"2024-02-29": 0.03, "2024-04-30": 0.02, "2024-06-28": 0.025}.items():
        registry.record_trade(trade("plain_momentum", day, r))

    # Find high-performing strategies
    top_strategies = registry.list(min_sharpe=1.0, category="momentum", tags=["academic"])
    assert [s["strategy_name"] for s in top_strategies] == ["volatility_managed_momentum"]

    # Get performance
    performance = registry.performance(strategy_id, start="2024-01-01", end="2024-10-21")

    print(f"Sharpe: {performance['sharpe_ratio']:.2f}")
    print(f"Win Rate: {performance['win_rate']:.1%}")

    assert performance["trades"] == 6  # the two trades outside the range are left out
    assert performance["wins"] == 5 and performance["losses"] == 1
    assert performance["win_rate"] == pytest.approx(5 / 6)
    pct = list(returns.values())
    mean = sum(pct) / len(pct)
    stdev = (sum((x - mean) ** 2 for x in pct) / (len(pct) - 1)) ** 0.5
    assert performance["sharpe_ratio"] == pytest.approx(mean / stdev)
    assert performance["per_trade_sharpe"] == performance["sharpe_ratio"]  # the name, and the seed's
    assert performance["from"] == "2024-01-01" and performance["to"] == "2024-10-21"
    assert capsys.readouterr().out == f"Sharpe: {mean / stdev:.2f}\nWin Rate: {5 / 6:.1%}\n"

    # The lifetime figures count every trade; the JSON mirror follows the seed's layout.
    lifetime = registry.get("volatility_managed_momentum")
    assert lifetime["total_trades"] == 8
    assert (tmp_path / "strategy_registry" / "metadata" / f"{strategy_id}.json").is_file()
    registry.close()


# ---- Module surface ----------------------------------------------------------------------------


def test_exception_hierarchy():
    assert issubclass(RegistryError, Exception)
    for cls in (NotFoundError, InvalidArgumentError, AlreadyExistsError, FailedPreconditionError):
        assert issubclass(cls, RegistryError)
        assert cls.__module__ == "algohost_registry"
    assert issubclass(NotFoundError, LookupError)
    assert issubclass(InvalidArgumentError, ValueError)


def test_docstrings_and_signatures():
    assert "Registry" in ar.__doc__ and len(ar.__doc__) > 200
    assert "read_only" in Registry.__doc__
    methods = [n for n in dir(Registry) if not n.startswith("_") and callable(getattr(Registry, n))]
    assert {"list", "discover", "get", "show", "search", "register", "update", "deprecate", "archive",
            "create_version", "versions", "get_version", "record_trade", "record_trades", "performance",
            "compare", "trades", "runs", "is_mem_enhanced", "mark_mem_enhanced", "learned_patterns",
            "update_parameter", "current_parameters", "parameter_history", "link", "related", "audit",
            "mem_state", "mem_runs", "version_parameters", "close"} <= set(methods)
    for name in methods:
        doc = getattr(Registry, name).__doc__
        assert doc and doc.startswith(name + "("), name
        signature, _, text = doc.partition("\n")
        assert "self: algohost_registry.Registry" in signature, name
        assert len(text.strip()) > 10, f"{name} has no description"
    assert "min_sharpe: Optional[float] = None" in Registry.list.__doc__
    assert "tags: Optional[Union[str, List[str]]] = None" in Registry.list.__doc__
    assert "id_or_name: str" in Registry.get.__doc__


# ---- Discovery ---------------------------------------------------------------------------------


def test_register_get_and_show(registry, tmp_path):
    sid = register(registry, "vmm", description="Scales momentum by volatility", sub_category="volatility_scaled",
                   complexity="moderate", origin="research", class_name="VolatilityManagedMomentum",
                   academic_source="Barroso and Santa-Clara (2015)", search_keywords="barroso santa-clara",
                   requires_short_selling=True, metadata={"name": "vmm", "parameters": VMM_PARAMETERS})
    by_id, by_name = registry.get(sid), registry.get("vmm")
    assert by_id == by_name
    assert by_id["strategy_id"] == sid and by_id["strategy_name"] == "vmm"
    assert by_id["display_name"] == "Vmm" and by_id["status"] == "experimental"
    assert by_id["requires_short_selling"] is True and by_id["requires_margin"] is False
    assert by_id["lifetime_sharpe_ratio"] is None and by_id["total_trades"] == 0
    assert by_id["created_by"] == "pytest"
    assert by_id["runnable"] is True  # False only for strategies imported from metadata (strategies import)
    assert by_id["metadata"]["parameters"]["target_volatility"]["value"] == 0.12
    assert (tmp_path / "data" / "metadata" / f"{sid}.json").is_file()

    with_version(registry, "vmm")
    registry.record_trade(trade("vmm", "2024-02-01", 0.01))
    shown = registry.show("vmm")
    assert shown["strategy_id"] == sid
    assert [v["version_number"] for v in shown["versions"]] == ["1.0.0"]
    assert shown["parameters"] == {"momentum_lookback": 252, "skip_period": 21, "volatility_lookback": 126,
                                   "target_volatility": 0.12}
    assert shown["related"] == [] and shown["performance"]["trades"] == 1

    register(registry, "bare")
    assert registry.show("bare")["parameters"] is None and registry.get("bare")["metadata"] is None


def test_list_filters(registry):
    register(registry, "alpha", tags=["momentum", "academic"], origin="research", sub_category="trend")
    register(registry, "beta", tags=["momentum"], status="active")
    register(registry, "gamma", category="mean_reversion", tags=["reversion", "academic"])
    registry.register(name="delta", display_name="Delta", language="cpp", category="momentum", tags=["fx"])
    for day, r in {"2024-01-02": 0.02, "2024-01-03": 0.01, "2024-01-04": 0.015}.items():
        registry.record_trade(trade("alpha", day, r))
    for day, r in {"2024-01-02": 0.02, "2024-01-03": -0.03}.items():
        registry.record_trade(trade("beta", day, r))

    names = lambda rows: [s["strategy_name"] for s in rows]  # noqa: E731
    assert names(registry.list()) == ["alpha", "beta", "delta", "gamma"]
    assert registry.discover(category="momentum") == registry.list(category="momentum")
    assert names(registry.list(category="momentum")) == ["alpha", "beta", "delta"]
    assert names(registry.list(sub_category="trend")) == ["alpha"]
    assert names(registry.list(status="active")) == ["beta"]
    assert names(registry.list(status=["active", "experimental"], language="python")) == ["alpha", "beta", "gamma"]
    assert names(registry.list(language="cpp")) == ["delta"]
    assert names(registry.list(origin="research")) == ["alpha"]
    assert names(registry.list(tags="academic")) == ["alpha", "gamma"]
    assert names(registry.list(tags=["academic", "momentum"])) == ["alpha"]
    assert names(registry.list(any_tags=["fx", "reversion"])) == ["delta", "gamma"]
    assert names(registry.list(min_sharpe=1.0)) == ["alpha"]
    assert names(registry.list(min_win_rate=0.5)) == ["alpha", "beta"]
    assert names(registry.list(min_win_rate=0.6)) == ["alpha"]
    assert names(registry.list(sort="pnl", descending=True)) == ["alpha", "delta", "gamma", "beta"]
    assert names(registry.list(sort="sharpe", descending=True)) == ["alpha", "beta", "delta", "gamma"]
    assert names(registry.list(sort="trades", descending=True))[:2] == ["alpha", "beta"]
    assert names(registry.list(limit=2, offset=1)) == ["beta", "delta"]
    assert registry.list(limit=0) == []

    registry.deprecate("gamma", "superseded")
    assert names(registry.list()) == ["alpha", "beta", "delta"]
    assert names(registry.list(include_inactive=True)) == ["alpha", "beta", "delta", "gamma"]
    assert names(registry.list(status="deprecated")) == ["gamma"]

    with pytest.raises(InvalidArgumentError, match="sort"):
        registry.list(sort="sharpe; DROP TABLE strategies")
    with pytest.raises(InvalidArgumentError):
        registry.list(limit=-1)


def test_search(registry):
    register(registry, "volatility_managed_momentum", description="Scales momentum positions by volatility",
             tags=["momentum", "academic"])
    register(registry, "pairs_trading", category="stat_arb", description="Cointegrated pairs, z-score of the spread",
             tags=["pairs"])
    hits = registry.search("volatility")
    assert [h["strategy_name"] for h in hits] == ["volatility_managed_momentum"]
    assert isinstance(hits[0]["rank"], float)
    assert [h["strategy_name"] for h in registry.search("volat")] == ["volatility_managed_momentum"]  # prefix
    assert [h["strategy_name"] for h in registry.search("spread z score")] == ["pairs_trading"]
    assert registry.search("nothing like this") == [] and registry.search("") == []
    assert len(registry.search("momentum pairs")) == 0
    assert sorted(h["strategy_name"] for h in registry.search("momentum OR pairs")) == ["pairs_trading", "volatility_managed_momentum"]
    assert registry.search("momentum NOT academic") == []
    with pytest.raises(InvalidArgumentError, match="search 'momentum OR': OR needs a search term on each side"):
        registry.search("momentum OR")
    assert len(registry.search("a", limit=0)) == 0
    registry.archive("pairs_trading")
    assert registry.search("pairs") == []
    assert [h["strategy_name"] for h in registry.search("pairs", include_inactive=True)] == ["pairs_trading"]


# ---- Registration ------------------------------------------------------------------------------


def test_update_deprecate_archive(registry):
    register(registry, "old", tags=["a", "b"])
    register(registry, "new")
    registry.update("old", display_name="Old One", description="changed", status="active", tags=["c"],
                    requires_margin=True, metadata={"k": [1, 2.5, None, True, "x"]})
    old = registry.get("old")
    assert old["display_name"] == "Old One" and old["description"] == "changed" and old["status"] == "active"
    assert old["tags"] == ["c"] and old["requires_margin"] is True
    assert old["metadata"] == {"k": [1, 2.5, None, True, "x"]}
    registry.update("old", category="trend")  # others unchanged
    assert registry.get("old")["display_name"] == "Old One" and registry.get("old")["category"] == "trend"
    with pytest.raises(InvalidArgumentError, match="status"):
        registry.update("old", status="retired")

    registry.deprecate("old", "replaced by new", replacement="new")
    old = registry.get("old")
    assert old["status"] == "deprecated" and old["deprecation_reason"] == "replaced by new"
    assert old["replacement_strategy_id"] == registry.get("new")["strategy_id"]
    assert [(r["strategy_name"], r["relationship_type"], r["direction"]) for r in registry.related("old")] == [
        ("new", "replaces", "parent")]
    with pytest.raises(InvalidArgumentError, match="reason"):
        registry.deprecate("new", "")
    with pytest.raises(NotFoundError, match="replacement"):
        registry.deprecate("new", "why", "missing")

    registry.archive("new")
    assert registry.get("new")["status"] == "archived"
    with pytest.raises(AlreadyExistsError, match="already registered"):
        register(registry, "new")
    with pytest.raises(InvalidArgumentError, match="origin"):
        register(registry, "x", origin="somewhere")
    with pytest.raises(TypeError):
        registry.register(name="only_a_name")  # display_name and language are required


# ---- Versions ----------------------------------------------------------------------------------


def test_versions(registry, tmp_path):
    register(registry, "vmm")
    artifact = tmp_path / "vmm.py"
    artifact.write_text("class VolatilityManagedMomentum: pass\n")
    v1 = with_version(registry, "vmm", "1.0.0", changelog="first", artifact_path=artifact,
                      backtest_results={"sharpe_ratio": 1.197})
    assert v1["version_number"] == "1.0.0" and v1["version_type"] == "initial"
    assert v1["default_parameters"] == {"momentum_lookback": 252, "skip_period": 21, "volatility_lookback": 126,
                                        "target_volatility": 0.12}
    assert v1["backtest_results"] == {"sharpe_ratio": 1.197} and v1["created_by"] == "pytest"
    assert v1["code_snapshot"].startswith("code_snapshots/")
    assert (tmp_path / "data" / v1["code_snapshot"]).read_text().startswith("class VolatilityManagedMomentum")

    # The same version and hash again: nothing changes. Another hash: refused.
    assert with_version(registry, "vmm", "1.0.0")["version_id"] == v1["version_id"]
    with pytest.raises(AlreadyExistsError, match="vmm@1.0.0"):
        with_version(registry, "vmm", "1.0.0", artifact_sha256="b" * 64)

    with_version(registry, "vmm", "1.10.0", artifact_sha256="c" * 64, default_parameters={"skip_period": 0})
    with_version(registry, "vmm", "1.2.0", artifact_sha256="d" * 64)
    assert [v["version_number"] for v in registry.versions("vmm")] == ["1.10.0", "1.2.0", "1.0.0"]
    assert registry.get("vmm")["current_version"] == "1.10.0" and registry.get("vmm")["version_count"] == 3
    assert registry.get_version(v1["version_id"]) == registry.get_version("vmm", "1.0.0")
    assert registry.get_version("vmm", "1.10.0")["default_parameters"] == {"skip_period": 0}
    with pytest.raises(NotFoundError):
        registry.get_version("vmm", "9.9.9")
    with pytest.raises(NotFoundError):
        registry.get_version("no-such-version-id")
    with pytest.raises(InvalidArgumentError, match="semantic version"):
        registry.create_version("vmm", "one")
    with pytest.raises(InvalidArgumentError, match="validation_status"):
        registry.create_version("vmm", "2.0.0", validation_status="maybe")


# ---- Performance and runs ----------------------------------------------------------------------


def test_trades_performance_compare_and_runs(registry):
    register(registry, "a")
    register(registry, "b")
    v = with_version(registry, "a")
    run_id = registry.start_run("backtest", strategies=["a", "b"], data={"synthetic": "seed=7"}, config={"capital": 1e5},
                                engine_version="0.1.0")
    pid = registry.record_trade(trade("a", "2024-01-02", 0.02, run_id=run_id, version_id=v["version_id"],
                                      stop_loss=95.0, market_regime="trending", commission=1.5))
    assert isinstance(pid, str) and len(pid) == 36
    # Keywords, and keywords overriding the dict.
    registry.record_trade(trade("a", "2024-01-03", 0.5), pnl_percentage=-0.01, pnl=-100.0, run_id=run_id)
    registry.record_trade(strategy_id="b", symbol="QQQ", signal_action="sell", entry_price=10, exit_price=9,
                          quantity=5, entry_timestamp="2024-01-02T10:00:00Z", exit_timestamp=dt.date(2024, 1, 3),
                          pnl=5, pnl_percentage=0.1)
    ids = registry.record_trades([trade("b", "2024-02-0" + str(d), 0.01 * d) for d in range(1, 4)],
                                 refresh_summaries=False)
    assert len(ids) == 3 and len(set(ids)) == 3
    assert registry.get("b")["total_trades"] == 1  # summaries deferred
    registry.refresh_summaries(["b"])
    assert registry.get("b")["total_trades"] == 4

    trades = registry.trades("a")
    assert [t["exit_timestamp"] for t in trades] == ["2024-01-02T16:00:00.000Z", "2024-01-03T16:00:00.000Z"]
    assert trades[0]["stop_loss"] == 95.0 and trades[0]["market_regime"] == "trending" and trades[0]["run_id"] == run_id
    assert trades[1]["pnl_percentage"] == -0.01
    assert len(registry.trades("a", run_id=run_id, limit=1)) == 1
    assert registry.trades("b", run_id=run_id) == []

    perf = registry.performance("a", "2024-01-01", "2024-01-02")
    assert perf["trades"] == 1 and perf["total_commission"] == 1.5 and perf["sharpe_ratio"] is None
    assert registry.performance("a", from_=dt.datetime(2024, 1, 3, tzinfo=dt.timezone.utc))["trades"] == 1
    eastern = dt.timezone(dt.timedelta(hours=-5))
    assert registry.performance("a", to=dt.datetime(2024, 1, 2, 10, 59, tzinfo=eastern))["trades"] == 0  # 15:59Z
    assert registry.performance("a", to=dt.datetime(2024, 1, 2, 11, 0, tzinfo=eastern))["trades"] == 1  # 16:00Z
    assert registry.performance("a", version_id=v["version_id"])["trades"] == 1
    # A trade read back can be recorded again as it is.
    registry.record_trade(registry.trades("a")[0])
    assert registry.performance("a", version_id=v["version_id"])["trades"] == 2
    with pytest.raises(TypeError, match="not both"):
        registry.performance("a", from_="2024-01-01", start="2024-01-01")

    compared = registry.compare(["a", "b"])
    assert [m["strategy_name"] for m in compared] == ["a", "b"]
    assert compared[1]["trades"] == 4 and compared[1]["wins"] == 4

    registry.finish_run(run_id, "finished", results={"trades": 2})
    run = registry.get_run(run_id)
    assert run["status"] == "finished" and run["results"] == {"trades": 2} and run["strategies"] == ["a", "b"]
    assert run["config"] == {"capital": 100000.0} and run["finished_at"]
    assert [r["run_id"] for r in registry.runs()] == [run_id]
    with pytest.raises(InvalidArgumentError, match="run status"):
        registry.finish_run(run_id, "done")
    with pytest.raises(NotFoundError):
        registry.get_run("missing")

    with pytest.raises(InvalidArgumentError, match="exit is before entry"):
        registry.record_trade(trade("a", "2024-01-05", 0.01), entry_timestamp="2024-01-06")
    with pytest.raises(InvalidArgumentError, match="ISO-8601"):
        registry.record_trade(trade("a", "2024-01-05", 0.01), exit_timestamp="yesterday")
    with pytest.raises(InvalidArgumentError, match="signal_action"):
        registry.record_trade(trade("a", "2024-01-05", 0.01), signal_action="short")
    with pytest.raises(InvalidArgumentError, match="finite"):
        registry.record_trade(trade("a", "2024-01-05", float("nan")))
    with pytest.raises(InvalidArgumentError, match="run_id"):
        registry.record_trade(trade("a", "2024-01-05", 0.01), run_id="not-a-run")
    with pytest.raises(NotFoundError):
        registry.record_trade(trade("missing", "2024-01-05", 0.01))
    assert registry.performance("a")["trades"] == 3  # nothing of the refused ones


# ---- MEM ---------------------------------------------------------------------------------------


def test_mem_flags_and_learned_patterns(registry, tmp_path):
    base = register(registry, "vmm")
    enhanced = register(registry, "vmm_mem", origin="learned", learned_from_strategy_id="vmm")
    assert registry.is_mem_enhanced("vmm_mem") is False
    registry.mark_mem_enhanced("vmm_mem", base="vmm")
    assert registry.is_mem_enhanced(enhanced) is True and registry.is_mem_enhanced(base) is False
    rec = registry.get("vmm_mem")
    assert rec["mem_learning_enabled"] is True and rec["last_mem_update"] and rec["learned_from_strategy_id"] == base
    assert [(r["strategy_name"], r["relationship_type"], r["direction"]) for r in registry.related("vmm")] == [
        ("vmm_mem", "mem_enhanced_version", "child")]
    assert registry.learned_patterns("vmm") == []
    assert registry.mem_state("vmm") is None

    # The MEM loop writes patterns and its state; the bindings read them.
    db = sqlite3.connect(tmp_path / "catalog.db")
    with db:
        db.execute("INSERT INTO mem_models (strategy_id, state_json, learned_outcomes, updated_at) VALUES (?,?,?,?)",
                   (base, json.dumps({"model": {"w": [0.5, -1.0]}, "last_learned_exit_ms": 7}), 12, "x"))
        db.execute("INSERT INTO mem_learned_patterns (pattern_id, strategy_id, pattern_key, conditions_json, occurrences,"
                   " wins, win_rate, first_seen, last_seen, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                   ("p1", base, "rsi<30&trend=up", json.dumps({"rsi": {"lt": 30}, "trend": "up"}), 7, 6, 6 / 7,
                    "2024-01-01T00:00:00.000Z", "2024-06-01T00:00:00.000Z", "2024-06-01T00:00:00.000Z",
                    "2024-06-01T00:00:00.000Z"))
    db.close()
    patterns = registry.learned_patterns("vmm")
    assert len(patterns) == 1
    assert patterns[0]["conditions"] == {"rsi": {"lt": 30}, "trend": "up"}
    assert patterns[0]["occurrences"] == 7 and patterns[0]["win_rate"] == pytest.approx(6 / 7)
    assert registry.mem_state("vmm") == {"model": {"w": [0.5, -1.0]}, "last_learned_exit_ms": 7}

    # A run's MEM results, read back per strategy, newest first.
    assert registry.mem_runs("vmm") == []
    mem = {"scoring": {"verdict": "within noise", "improvement_pct": 0.5}}
    runs = []
    for label in ("vmm@1.0.0", "vmm@1.1.0"):
        run_id = registry.start_run("backtest", strategies=[label])
        registry.finish_run(run_id, "finished", results={"strategies": [
            {"strategy": label, "strategy_id": base, "mem": mem},
            {"strategy": "vmm_mem@1.0.0", "strategy_id": enhanced, "mem": None}]})
        runs.append(run_id)
    found = registry.mem_runs("vmm")
    assert [(m["run_id"], m["strategy"], m["mem"]) for m in found] == [
        (runs[1], "vmm@1.1.0", mem), (runs[0], "vmm@1.0.0", mem)]
    assert [m["run_id"] for m in registry.mem_runs("vmm", run_id=runs[0])] == [runs[0]]
    assert len(registry.mem_runs(base, limit=1)) == 1
    assert registry.mem_runs("vmm_mem") == []  # its entries have no MEM block
    with pytest.raises(NotFoundError):
        registry.mem_runs("nobody")


# ---- Parameters --------------------------------------------------------------------------------


def test_parameters(registry):
    register(registry, "vmm")
    with pytest.raises(NotFoundError, match="no version"):
        registry.current_parameters("vmm")
    with_version(registry, "vmm")
    assert registry.current_parameters("vmm")["momentum_lookback"] == 252

    registry.update_parameter("vmm", "momentum_lookback", 189, "shorter lookback tested better")
    registry.update_parameter("vmm", "target_volatility", 0.10, "lower risk", changed_by="mem_learning",
                              ab_test_group="B")
    registry.update_parameter("vmm", "momentum_lookback", 200, "compromise", changed_by="backtest_optimization")
    assert registry.current_parameters("vmm") == {"momentum_lookback": 200, "skip_period": 21,
                                                  "volatility_lookback": 126, "target_volatility": 0.10}
    assert registry.version_parameters("vmm", "1.0.0") == registry.current_parameters("vmm")
    with pytest.raises(NotFoundError):
        registry.version_parameters("vmm", "9.9.9")
    history = registry.parameter_history("vmm", "momentum_lookback")
    assert [(h["value"], h["previous"], h["changed_by"]) for h in history] == [
        (200, 189, "backtest_optimization"), (189, 252, "manual")]
    assert history[0]["parameter_value"] == "200" and history[1]["applied_to"] is not None
    everything = registry.parameter_history("vmm")
    assert len(everything) == 3
    ab = [h for h in everything if h["parameter_name"] == "target_volatility"][0]
    assert ab["is_ab_test"] is True and ab["ab_test_group"] == "B" and ab["parameter_type"] == "decimal"

    with pytest.raises(InvalidArgumentError, match="momentum_lookback") as err:
        registry.update_parameter("vmm", "momentum_lookback", 10_000, "too long")
    assert err.value.code == "invalid_argument"
    with pytest.raises(InvalidArgumentError):
        registry.update_parameter("vmm", "target_volatility", 0.5, "too risky")
    with pytest.raises(InvalidArgumentError):
        registry.update_parameter("vmm", "momentum_lookback", "long", "not a number")
    with pytest.raises(NotFoundError, match="no parameter 'lookback'"):
        registry.update_parameter("vmm", "lookback", 10, "typo")
    with pytest.raises(InvalidArgumentError, match="changed_by"):
        registry.update_parameter("vmm", "skip_period", 10, "who", changed_by="someone")
    with pytest.raises(InvalidArgumentError, match="reason"):
        registry.update_parameter("vmm", "skip_period", 10, "")
    assert registry.current_parameters("vmm")["momentum_lookback"] == 200


# ---- Relationships and audit -------------------------------------------------------------------


def test_link_related_and_audit(registry):
    register(registry, "rsi")
    register(registry, "rsi_fast")
    register(registry, "macd")
    registry.link("rsi", "rsi_fast", "derived_from", "faster period", similarity=0.9)
    registry.link("rsi", "macd", "combined_with")
    related = registry.related("rsi")
    assert [(r["strategy_name"], r["relationship_type"], r["direction"]) for r in related] == [
        ("rsi_fast", "derived_from", "child"), ("macd", "combined_with", "child")]
    assert related[0]["similarity_score"] == 0.9 and related[0]["description"] == "faster period"
    assert [r["direction"] for r in registry.related("rsi_fast")] == ["parent"]
    with pytest.raises(AlreadyExistsError):
        registry.link("rsi", "rsi_fast", "derived_from")
    with pytest.raises(InvalidArgumentError, match="relationship type"):
        registry.link("rsi", "macd", "cousin_of")
    with pytest.raises(InvalidArgumentError, match="itself"):
        registry.link("rsi", "rsi", "alternative_to")
    with pytest.raises(InvalidArgumentError, match="similarity"):
        registry.link("macd", "rsi", "alternative_to", similarity=1.5)

    entries = registry.audit()
    assert entries[0]["action"] == "link" and entries[-1]["action"] == "register"
    assert {e["actor"] for e in entries} == {"pytest"}
    assert [e["action"] for e in registry.audit("macd")] == ["link", "register"]
    assert len(registry.audit(limit=2)) == 2

    registry.actor = "operator"
    assert registry.actor == "operator"
    registry.update("macd", description="changed by the operator")
    last = registry.audit("macd", limit=1)[0]
    assert last["actor"] == "operator" and last["action"] == "update"
    assert last["before"]["description"] == "" and last["after"]["description"] == "changed by the operator"
    with pytest.raises(InvalidArgumentError):
        registry.actor = ""


# ---- Errors ------------------------------------------------------------------------------------


def test_unknown_strategy_raises_not_found_everywhere(registry):
    calls = [
        lambda: registry.get("ghost"), lambda: registry.show("ghost"), lambda: registry.versions("ghost"),
        lambda: registry.performance("ghost"), lambda: registry.compare(["ghost"]), lambda: registry.trades("ghost"),
        lambda: registry.related("ghost"), lambda: registry.audit("ghost"), lambda: registry.deprecate("ghost", "r"),
        lambda: registry.archive("ghost"), lambda: registry.update("ghost", description="x"),
        lambda: registry.create_version("ghost", "1.0.0"), lambda: registry.is_mem_enhanced("ghost"),
        lambda: registry.mark_mem_enhanced("ghost"), lambda: registry.learned_patterns("ghost"),
        lambda: registry.update_parameter("ghost", "p", 1, "r"), lambda: registry.current_parameters("ghost"),
        lambda: registry.parameter_history("ghost"), lambda: registry.link("ghost", "ghost2", "derived_from"),
    ]
    for call in calls:
        with pytest.raises(NotFoundError, match="ghost") as err:
            call()
        assert err.value.code == "not_found"
        assert isinstance(err.value, LookupError) and isinstance(err.value, RegistryError)
    try:
        registry.get("ghost")
    except LookupError as e:  # catchable the Python way too
        assert str(e) == "unknown strategy 'ghost'"


def test_bad_argument_types_raise_type_error(registry):
    register(registry, "s")
    with_version(registry, "s")
    bad_calls = [
        lambda: registry.get(123),
        lambda: registry.get(None),
        lambda: registry.get(b"s"),
        lambda: registry.list(tags=123),
        lambda: registry.list(tags=[1, 2]),
        lambda: registry.list(limit="5"),
        lambda: registry.list(limit=1.5),
        lambda: registry.list(min_sharpe="high"),
        lambda: registry.list("momentum"),  # filters are keyword-only
        lambda: registry.list(colour="red"),
        lambda: registry.search(["s"]),
        lambda: registry.register(name=1, display_name="x", language="python"),
        lambda: registry.register(name="x", display_name="x", language="python", metadata=[1]),
        lambda: registry.register(name="x", display_name="x", language="python", metadata={1: "non-str key"}),
        lambda: registry.register(name="x", display_name="x", language="python", metadata={"k": object()}),
        lambda: registry.update("s", requires_margin="yes"),
        lambda: registry.create_version("s", 2),
        lambda: registry.create_version("s", "2.0.0", parameters="not a dict"),
        lambda: registry.record_trade("s"),
        lambda: registry.record_trade([1, 2]),
        lambda: registry.record_trade(trade("s", "2024-01-02", 0.01), pnl="a lot"),
        lambda: registry.record_trade(trade("s", "2024-01-02", 0.01), pnl=True),
        lambda: registry.record_trade(trade("s", "2024-01-02", 0.01), pnl_pct=0.01),  # unknown field
        lambda: registry.record_trade(trade("s", "2024-01-02", 0.01), exit_timestamp=20240102),
        lambda: registry.record_trade(trade("s", "2024-01-02", 0.01), was_mem_enhanced=1),
        lambda: registry.record_trade(trade("s", "2024-01-02", 0.01), duration_seconds=1.5),
        lambda: registry.record_trade({1: "x"}),
        lambda: registry.record_trades(trade("s", "2024-01-02", 0.01)),
        lambda: registry.record_trades([None]),
        lambda: registry.performance("s", from_=20240101),
        lambda: registry.compare("s"),
        lambda: registry.update_parameter("s", "skip_period", object(), "r"),
        lambda: registry.update_parameter("s", "skip_period", {"a": {1, 2}}, "r"),
        lambda: registry.link("s", "s", 3),
        lambda: registry.audit(limit=None),
        lambda: Registry(123),
        lambda: Registry(":memory:", actor=None),
    ]
    for i, call in enumerate(bad_calls):
        with pytest.raises(TypeError):
            call()
            pytest.fail(f"bad call {i} did not raise")
    # Values with no JSON form are ValueErrors, not crashes.
    looped = []
    looped.append(looped)
    for value in (float("nan"), float("inf"), 2 ** 70, looped):
        with pytest.raises(ValueError):
            registry.update_parameter("s", "skip_period", value, "r")
    with pytest.raises(OverflowError):
        registry.record_trade(trade("s", "2024-01-02", 0.01), duration_seconds=2 ** 80)
    assert registry.trades("s") == [] and registry.current_parameters("s")["skip_period"] == 21


def test_injection_looking_inputs_are_harmless(registry, tmp_path):
    evil = "x'); DROP TABLE strategies; --"
    sid = registry.register(name=evil, display_name='Robert"); DELETE FROM audit_log; --', language="python",
                            category="momentum' OR '1'='1", tags=["'; DELETE FROM strategy_tags; --", "a\"b"],
                            description="NEAR(a b) OR * AND \"", search_keywords="%' OR 1=1 --")
    register(registry, "innocent")
    assert registry.get(evil)["strategy_id"] == sid
    assert registry.get(sid)["tags"] == ["'; DELETE FROM strategy_tags; --", 'a"b']
    assert registry.list(category="' OR '1'='1") == []
    assert [s["strategy_name"] for s in registry.list(category="momentum' OR '1'='1")] == [evil]
    assert [s["strategy_name"] for s in registry.list(tags="'; DELETE FROM strategy_tags; --")] == [evil]
    for text in ["NEAR(a b)", "*", "innocent OR x", "strategies_fts MATCH '*'", "^", "a:b"]:
        assert isinstance(registry.search(text), list)
    # FTS5 operators work; malformed syntax is refused naming the query, never run as SQL.
    assert sorted(h["strategy_name"] for h in registry.search("innocent OR drop")) == sorted(["innocent", evil])
    for text in ['" OR 1=1 --', ")("]:
        with pytest.raises(InvalidArgumentError, match="search '"):
            registry.search(text)
    registry.record_trade(trade(evil, "2024-01-02", 0.01, symbol="'; DROP TABLE strategy_performance; --"))
    assert registry.trades(evil)[0]["symbol"] == "'; DROP TABLE strategy_performance; --"
    with pytest.raises(NotFoundError):
        registry.get("' OR '1'='1")
    with pytest.raises(NotFoundError):
        registry.get("%")
    with pytest.raises(InvalidArgumentError):
        registry.list(sort="name; DROP TABLE strategies")
    with pytest.raises(InvalidArgumentError):
        registry.register(name="line\nbreak", display_name="x", language="python")
    # Everything is still there.
    assert len(registry.list()) == 2 and len(registry.audit()) >= 3
    db = sqlite3.connect(tmp_path / "catalog.db")
    assert db.execute("SELECT count(*) FROM strategies").fetchone()[0] == 2
    assert db.execute("SELECT count(*) FROM strategy_tags").fetchone()[0] == 3
    db.close()


# ---- Read-only, lifetime, threads --------------------------------------------------------------


def test_read_only_refuses_writes(tmp_path):
    path = tmp_path / "catalog.db"
    with Registry(path) as writer:
        register(writer, "vmm")
        with_version(writer, "vmm")
    with Registry(str(path), read_only=True) as reader:
        assert reader.read_only is True
        assert reader.get("vmm")["strategy_name"] == "vmm"
        assert [s["strategy_name"] for s in reader.list()] == ["vmm"]
        assert reader.current_parameters("vmm")["skip_period"] == 21
        writes = [
            lambda: register(reader, "other"),
            lambda: reader.update("vmm", description="x"),
            lambda: reader.deprecate("vmm", "r"),
            lambda: reader.record_trade(trade("vmm", "2024-01-02", 0.01)),
            lambda: reader.update_parameter("vmm", "skip_period", 5, "r"),
            lambda: reader.create_version("vmm", "2.0.0"),
            lambda: reader.mark_mem_enhanced("vmm"),
        ]
        for write in writes:
            with pytest.raises(RegistryError, match="read-only") as err:
                write()
            assert err.value.code == "io_error" and not isinstance(err.value, FailedPreconditionError)
        assert reader.get("vmm")["description"] == "" and reader.trades("vmm") == []
    with pytest.raises(RegistryError):
        Registry(tmp_path / "missing.db", read_only=True)
    assert not (tmp_path / "missing.db").exists()


def test_context_manager_and_close(tmp_path):
    with Registry(tmp_path / "c.db", actor="me") as r:
        assert not r.closed and r.actor == "me" and r.path == str(tmp_path / "c.db")
        assert repr(r) == f"<Registry {str(tmp_path / 'c.db')!r} actor='me'>"
        register(r, "s")
    assert r.closed
    assert repr(r).endswith("closed>")
    with pytest.raises(FailedPreconditionError, match="closed"):
        r.get("s")
    r.close()  # again: harmless
    with pytest.raises(ZeroDivisionError):  # exceptions pass through __exit__
        with Registry(tmp_path / "c.db") as r2:
            1 / 0
    assert r2.closed
    with Registry(tmp_path / "c.db") as r3:  # the data is still there
        assert r3.get("s")["strategy_name"] == "s"


def test_threads_share_one_registry(registry):
    register(registry, "s")
    errors = []

    def worker(k):
        try:
            for i in range(20):
                registry.record_trade(trade("s", f"2024-{k + 1:02d}-{i + 1:02d}", 0.001 * (i - 5)))
                registry.performance("s")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert registry.performance("s")["trades"] == 80 and registry.get("s")["total_trades"] == 80
