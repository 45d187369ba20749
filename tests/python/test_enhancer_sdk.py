"""The Python enhancer SDK (algohost.Enhancer, EnhanceResult, the testing helpers) and the built-in
Python enhancer (python/enhancers/regime_win_rate), in plain Python — no host needed.

Run: PYTHONPATH=python /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/python/test_enhancer_sdk.py
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

import algohost
from algohost import (
    API_VERSION,
    BUY,
    EXIT,
    RESIZE,
    TARGET,
    EnhanceContext,
    Enhancer,
    EnhanceResult,
    MarketContext,
    Params,
    TradeOutcome,
)
from algohost.testing import apply_enhancement, make_context, make_outcome

ENHANCERS = Path(__file__).resolve().parents[2] / "python" / "enhancers"


def test_api_version_is_1_1_and_the_names_are_exported():
    assert API_VERSION == "1.1"
    for name in ("Enhancer", "EnhanceResult", "EnhanceContext", "TradeOutcome", "MarketContext", "ENTRY", "RESIZE",
                 "EXIT"):
        assert name in algohost.__all__


def test_the_base_class_changes_nothing_and_keeps_typed_params():
    e = Enhancer({"level": 2})
    assert isinstance(e.params, Params) and e.params.get_int("level") == 2
    assert Enhancer('{"level": 3}').params["level"] == 3
    assert e.enhance(make_context()) is None
    assert e.learn(make_outcome()) is None
    assert e.export_state() is None and e.import_state(b"") is None


def test_enhance_result_clamps_refuses_nan_and_cuts_reasoning():
    r = EnhanceResult(confidence=1.7, size=-0.2, reasoning="ok")
    assert (r.confidence, r.size, r.veto, r.reasoning) == (1.0, 0.0, False, "ok")
    assert EnhanceResult().confidence is None and EnhanceResult().size is None
    with pytest.raises(ValueError, match="confidence is NaN"):
        EnhanceResult(confidence=math.nan)
    with pytest.raises(ValueError, match="size is NaN"):
        EnhanceResult(size=float("nan"))
    long = "é" * 300  # 2 bytes each: cut on a character boundary within 255 bytes
    cut = EnhanceResult(reasoning=long).reasoning
    assert len(cut.encode("utf-8")) <= 255 and cut == "é" * 127
    v = EnhanceResult.vetoed("too wild")
    assert v.veto and v.reasoning == "too wild" and v.confidence is None
    assert v == EnhanceResult(veto=True, reasoning="too wild") and v != EnhanceResult()
    assert repr(v) == "EnhanceResult(veto=True, reasoning='too wild')"


def test_context_and_outcome_builders():
    ctx = make_context(role=RESIZE, market={"volatility": 0.4, "regime": "volatile"}, size=0.3)
    assert isinstance(ctx, EnhanceContext) and isinstance(ctx.market, MarketContext)
    assert (ctx.role, ctx.market.volatility, ctx.market.regime, ctx.market.ready, ctx.size) == (
        RESIZE, 0.4, "volatile", True, 0.3)
    assert not ctx.is_entry and make_context().is_entry
    assert ctx.bar.close == 100.0 and ctx.action == BUY and ctx.side == 1
    lost = make_outcome(won=False, side=-1)
    assert isinstance(lost, TradeOutcome)
    assert (lost.won, lost.pnl < 0, lost.trade_return, lost.side) == (False, True, pytest.approx(-0.02), -1)
    assert make_outcome().pnl == pytest.approx(20.0)


def test_apply_enhancement_mirrors_the_host_rules():
    entry = make_context(size=0.5, confidence=0.6)
    assert apply_enhancement(entry, None) == (BUY, 0.6, 0.5)
    assert apply_enhancement(entry, EnhanceResult(confidence=0.9, size=0.2)) == (BUY, 0.9, 0.2)
    assert apply_enhancement(entry, EnhanceResult.vetoed()) == (None, 0.6, 0.0)
    assert apply_enhancement(entry, EnhanceResult(size=0.0)) == (None, 0.6, 0.0)  # size 0 vetoes an entry
    # partial: confidence only
    assert apply_enhancement(entry, EnhanceResult(confidence=0.9, size=0.2, veto=True), full=False) == (BUY, 0.9, 0.5)
    # a resize takes the size (0 closes), never a veto; an exit takes neither
    resize = make_context(role=RESIZE, action=TARGET, size=0.8)
    assert apply_enhancement(resize, EnhanceResult(size=0.4, veto=True)) == (TARGET, 0.6, 0.4)
    assert apply_enhancement(resize, EnhanceResult(size=0.0)) == (TARGET, 0.6, 0.0)
    exit_ = make_context(role=EXIT, side=0)
    assert apply_enhancement(exit_, EnhanceResult(confidence=0.1, size=0.1, veto=True)) == (BUY, 0.1, 0.5)


def regime_win_rate(**params):
    folder = ENHANCERS / "regime_win_rate"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "enhancer" and manifest["implementation"]["sdk_api_version"] == "1.1"
    spec = importlib.util.spec_from_file_location("regime_win_rate", folder / manifest["implementation"]["module"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cls = getattr(module, manifest["implementation"]["class_name"])
    assert issubclass(cls, Enhancer)
    values = {k: v["default"] for k, v in manifest["parameters"].items()}
    values.update(params)
    return cls(values)


def test_regime_win_rate_waits_then_judges_each_regime_and_side_by_its_own_record():
    e = regime_win_rate(min_trades=4, min_win_rate=0.4)
    calm_long = make_context(market={"regime": "trending"}, side=1, confidence=0.6, size=0.5)
    for won in (True, True, True):
        e.learn(make_outcome(won=won, market={"regime": "trending"}))
    assert e.enhance(calm_long) is None  # 3 of 4 needed outcomes
    e.learn(make_outcome(won=False, market={"regime": "trending"}))  # 3/4 = 0.75
    r = e.enhance(calm_long)
    action, confidence, size = apply_enhancement(calm_long, r)
    assert action == BUY and confidence == pytest.approx(0.6 + 0.25) and size == pytest.approx(0.5 * 1.5)
    assert "trending/long: 3/4 won" in r.reasoning
    # shorts in the same regime have no record yet; a losing regime is vetoed
    assert e.enhance(make_context(market={"regime": "trending"}, side=-1)) is None
    for _ in range(4):
        e.learn(make_outcome(won=False, market={"regime": "volatile"}))
    wild = make_context(market={"regime": "volatile"})
    assert apply_enhancement(wild, e.enhance(wild))[0] is None
    # not entries, and unready markets, pass; unready outcomes are not learned
    assert e.enhance(make_context(role=EXIT, market={"regime": "volatile"})) is None
    assert e.enhance(make_context(market={"regime": "volatile", "ready": False})) is None
    e.learn(make_outcome(market={"ready": False, "regime": "unknown"}))
    assert "unknown/long" not in e.seen


def test_regime_win_rate_state_round_trips_through_json_bytes():
    e = regime_win_rate(min_trades=1)
    e.learn(make_outcome(won=True, market={"regime": "mean_reverting"}))
    text = json.dumps(e.export_state())
    f = regime_win_rate(min_trades=1)
    f.import_state(text.encode())
    assert f.seen == e.seen == {"mean_reverting/long": [1, 1]}
    ctx = make_context(market={"regime": "mean_reverting"})
    assert e.enhance(ctx) is not None and f.enhance(ctx) == e.enhance(ctx)
