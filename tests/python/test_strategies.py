"""Known-answer tests of the three built-in Python strategies (python/strategies/*).

Every expected number is computed here, independently (closed form, numpy or by hand), never by
calling the strategy's own helpers. Each strategy is loaded through its manifest (module file and
class name) and constructed from the manifest's parameter defaults overlaid with the test's
values, so a manifest default that the code cannot take fails here too. No host needed.

Run: PYTHONPATH=python /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/python/test_strategies.py
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest

from algohost import TARGET, Params, Signal, Strategy
from algohost.testing import align, bars_from_closes, run_bars, run_slices

STRATEGIES = Path(__file__).resolve().parents[2] / "python" / "strategies"
TOL = dict(rel=1e-9, abs=1e-12)


def manifest(folder: str) -> dict:
    return json.loads((STRATEGIES / folder / "manifest.json").read_text())


_classes: dict = {}


def strategy_class(folder: str):
    """The class the manifest names, imported from the module file the manifest names."""
    if folder not in _classes:
        impl = manifest(folder)["implementation"]
        assert impl["language"] == "python"
        path = STRATEGIES / folder / impl["module"]
        spec = importlib.util.spec_from_file_location(f"_test_strategy_{folder}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        cls = getattr(module, impl["class_name"])
        assert issubclass(cls, Strategy)
        _classes[folder] = cls
    return _classes[folder]


def params(folder: str, **overrides) -> Params:
    """The manifest's defaults, overlaid with ``overrides`` (which must name real parameters)."""
    decl = manifest(folder)["parameters"]
    unknown = set(overrides) - set(decl)
    assert not unknown, f"not parameters of {folder}: {unknown}"
    values = {name: p["default"] for name, p in decl.items()}
    values.update(overrides)
    return Params(values)


def make(folder: str, **overrides):
    return strategy_class(folder)(params(folder, **overrides))


def roundtrip(state) -> bytes:
    """What the host hands import_state(): bytes, JSON text for a non-bytes value."""
    if isinstance(state, bytes):
        return state
    return (state if isinstance(state, str) else json.dumps(state)).encode()


@pytest.mark.parametrize("folder", ["volatility_managed_momentum", "pairs_trading", "carry_trade"])
def test_manifest_defaults_construct_and_are_in_range(folder):
    m = manifest(folder)
    for name, p in m["parameters"].items():
        d = p["default"]
        if "min" in p:
            assert p["min"] <= d, name
        if "max" in p:
            assert d <= p["max"], name
        if p["type"] == "integer":
            assert isinstance(d, int) and not isinstance(d, bool), name
    s = make(folder)
    names = tuple(s.diagnostics)
    assert 1 <= len(names) <= 4


# ============================================================================================
# Volatility-managed momentum
#
# Closes with log returns alternating r + a, r - a (the first return is r + a). Over an even
# number of consecutive returns the sum is count * r, and the window of V (even) returns has mean r
# and deviations +-a, so its sample standard deviation is a * sqrt(V / (V - 1)) exactly.

VMM = "volatility_managed_momentum"


def alternating_closes(n: int, r: float, a: float, c0: float = 100.0) -> np.ndarray:
    rets = np.array([r + a if k % 2 == 1 else r - a for k in range(1, n)])
    return c0 * np.exp(np.concatenate([[0.0], np.cumsum(rets)]))


def vmm_expected(closes, t, lookback, skip, vol_lookback, target_vol, max_weight):
    """(momentum, volatility, weight, confidence) at bar index t, straight from the formulas."""
    m = closes[t - skip] / closes[t - lookback] - 1.0
    logret = np.diff(np.log(closes))
    window = logret[t - vol_lookback:t]  # the vol_lookback returns ending at bar t
    sigma = float(np.std(window, ddof=1)) * math.sqrt(252.0)
    w = min(max_weight, target_vol / sigma) if m > 0 else 0.0
    return m, sigma, w, min(1.0, abs(m) / sigma)


SMALL = dict(momentum_lookback=60, skip_period=4, volatility_lookback=40, rebalance_period=10)


def test_vmm_known_answer_closed_form():
    r, a = 0.001, 0.01
    closes = alternating_closes(120, r, a)
    out = run_bars(make(VMM, **SMALL), bars_from_closes(closes))
    # Warm at bar 61 (index 60): 61 closes, 60 returns >= 40; (61 - 1) % 10 == 0.
    assert all(o is None for o in out[:60])
    sig = out[60]
    assert sig is not None and sig.action == TARGET and sig.reason == "rebalance"
    momentum, vol, weight = sig.diag
    # Closed form: 56 returns from t-59 to t-4, half r+a and half r-a.
    assert momentum == pytest.approx(math.exp(56 * r) - 1.0, **TOL)
    assert vol == pytest.approx(a * math.sqrt(40 / 39) * math.sqrt(252.0), **TOL)
    assert weight == pytest.approx(0.12 / (a * math.sqrt(40 / 39) * math.sqrt(252.0)), **TOL)
    assert 0 < weight < 1.0
    assert sig.target == weight
    assert sig.confidence == pytest.approx(min(1.0, (math.exp(56 * r) - 1.0) / vol), **TOL)
    # Every later rebalance agrees with the formulas too (computed with numpy).
    for t in range(60, 120, 10):
        m, s, w, c = vmm_expected(closes, t, 60, 4, 40, 0.12, 1.0)
        assert out[t].diag == pytest.approx((m, s, w), **TOL)
        assert out[t].target == pytest.approx(w, **TOL) and out[t].confidence == pytest.approx(c, **TOL)


def test_vmm_rebalances_every_period_from_the_first_bar():
    closes = alternating_closes(150, 0.001, 0.01)
    out = run_bars(make(VMM, **SMALL), bars_from_closes(closes))
    assert [i for i, o in enumerate(out) if o is not None] == list(range(60, 150, 10))
    # Warm only at bar 64 (index 63), but rebalances are on bars 1, 11, 21, ...: the first is bar 71.
    out = run_bars(make(VMM, momentum_lookback=63, skip_period=3, volatility_lookback=40, rebalance_period=10),
                   bars_from_closes(closes))
    assert [i for i, o in enumerate(out) if o is not None] == list(range(70, 150, 10))
    # Volatility lookback longer than the momentum one: it decides when the strategy is warm.
    out = run_bars(make(VMM, momentum_lookback=30, skip_period=2, volatility_lookback=50, rebalance_period=5),
                   bars_from_closes(closes))
    assert [i for i, o in enumerate(out) if o is not None] == list(range(50, 150, 5))
    m, s, w, _ = vmm_expected(closes, 50, 30, 2, 50, 0.12, 1.0)
    assert out[50].diag == pytest.approx((m, s, w), **TOL)


def test_vmm_manifest_defaults_first_rebalance_on_bar_253():
    closes = alternating_closes(300, 0.0008, 0.012)
    out = run_bars(make(VMM), bars_from_closes(closes))
    assert manifest(VMM)["requirements"]["min_data_points"] == 253
    assert [i for i, o in enumerate(out) if o is not None] == [252, 273, 294]
    m, s, w, c = vmm_expected(closes, 252, 252, 21, 126, 0.12, 1.0)
    # 231 returns (odd) from t-251 to t-21: 116 of r+a (odd k) and 115 of r-a.
    assert m == pytest.approx(math.exp(231 * 0.0008 + 0.012) - 1.0, **TOL)
    assert out[252].diag == pytest.approx((m, s, w), **TOL)
    assert out[252].confidence == pytest.approx(c, **TOL)


def test_vmm_weight_capped_at_max_weight():
    a = 0.002  # annualized vol ~ 3.2%: 12% / 3.2% > 1
    closes = alternating_closes(100, 0.001, a)
    sigma = a * math.sqrt(40 / 39) * math.sqrt(252.0)
    assert 0.12 / sigma > 1.0
    sig = run_bars(make(VMM, **SMALL), bars_from_closes(closes))[60]
    assert sig.target == 1.0 and sig.diag[2] == 1.0
    assert sig.diag[1] == pytest.approx(sigma, **TOL)
    sig = run_bars(make(VMM, max_weight=0.5, **SMALL), bars_from_closes(closes))[60]
    assert sig.target == 0.5 and sig.diag[2] == 0.5
    # target_volatility is honoured below the cap: 30% target at 16% vol -> capped; 5% -> 0.31.
    closes = alternating_closes(100, 0.001, 0.01)
    sigma = 0.01 * math.sqrt(40 / 39) * math.sqrt(252.0)
    sig = run_bars(make(VMM, target_volatility=0.05, **SMALL), bars_from_closes(closes))[60]
    assert sig.target == pytest.approx(0.05 / sigma, **TOL)
    sig = run_bars(make(VMM, target_volatility=0.30, **SMALL), bars_from_closes(closes))[60]
    assert sig.target == 1.0


def test_vmm_falling_series_is_flat_long_only():
    r, a = -0.002, 0.01
    closes = alternating_closes(100, r, a)
    out = run_bars(make(VMM, **SMALL), bars_from_closes(closes))
    for t in (60, 70, 80, 90):
        sig = out[t]
        assert sig is not None and sig.action == TARGET
        assert sig.target == 0.0 and sig.diag[2] == 0.0
        assert sig.diag[0] == pytest.approx(math.exp(56 * r) - 1.0, **TOL) and sig.diag[0] < 0
        vol = a * math.sqrt(40 / 39) * math.sqrt(252.0)
        assert sig.diag[1] == pytest.approx(vol, **TOL)
        assert sig.confidence == pytest.approx(min(1.0, abs(math.exp(56 * r) - 1.0) / vol), **TOL)


def test_vmm_skip_not_below_lookback_refused():
    with pytest.raises(ValueError, match="skip_period"):
        make(VMM, momentum_lookback=30, skip_period=30)


def random_walk_closes(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 100.0 * np.exp(np.cumsum(rng.normal(0.0004, 0.011, n)))


@pytest.mark.parametrize("split", [1, 61, 125, 130, 400])
def test_vmm_export_import_continues_identically(split):
    closes = random_walk_closes(700, seed=11)
    bars = bars_from_closes(closes)
    p = dict(SMALL)
    whole = run_bars(make(VMM, **p), bars)
    first = make(VMM, **p)
    head = run_bars(first, bars[:split])
    second = make(VMM, **p)
    second.import_state(roundtrip(first.export_state()))
    assert second.export_state() == first.export_state()
    tail = run_bars(second, bars[split:])
    assert head + tail == whole  # exactly: same bars, same signals, same diagnostics
    assert sum(o is not None for o in whole) == len(range(60, 700, 10))
    # And the uninterrupted run matches the formulas on random data too.
    for t in range(60, 700, 10):
        m, s, w, c = vmm_expected(closes, t, 60, 4, 40, 0.12, 1.0)
        assert whole[t].diag == pytest.approx((m, s, w), **TOL)


# ============================================================================================
# Pairs trading
#
# log B is a seeded random walk; log A = alpha + 2 log B + a small sine (its z-score never passes
# ~1.4, so nothing trades by itself). A one-bar shock of the spread at a known bar pushes z past
# entry_z. z and beta are recomputed here by numpy least squares over the same window.

PAIRS = "pairs_trading"
SHOCK_AT = 150


def pair_logs(n=220, seed=20240601, alpha=0.25, beta=2.0):
    rng = np.random.default_rng(seed)
    log_b = math.log(40.0) + np.cumsum(rng.normal(0.0, 0.012, n))
    log_a = alpha + beta * log_b + 0.001 * np.sin(2 * np.pi * np.arange(n) / 7.3)
    return log_a, log_b


def ols_z(log_a, log_b, t, lookback):
    """(beta, z, spread) at bar t from lstsq over the `lookback` bars ending at t."""
    y = log_a[t - lookback + 1:t + 1]
    x = log_b[t - lookback + 1:t + 1]
    X = np.column_stack([np.ones_like(x), x])
    (alpha, beta), *_ = np.linalg.lstsq(X, y, rcond=None)
    e = y - alpha - beta * x
    return float(beta), float((e[-1] - e.mean()) / e.std(ddof=1)), float(e[-1])


def expected_pairs_events(log_a, log_b, lookback=60, entry=2.0, exit_=0.5, stop=5.0):
    """{bar: (position, reason)} from the documented rules, on numpy's z."""
    pos, events = 0, {}
    for t in range(lookback - 1, len(log_a)):
        _, z, _ = ols_z(log_a, log_b, t, lookback)
        want, reason = pos, ""
        if pos == 0:
            if entry < z <= stop:
                want, reason = -1, "short_spread"
            elif -stop <= z < -entry:
                want, reason = 1, "long_spread"
        elif abs(z) > stop:
            want, reason = 0, "stop"
        elif abs(z) < exit_ or (pos == 1 and z > 0) or (pos == -1 and z < 0):
            want, reason = 0, "exit"
        if want != pos:
            events[t] = (want, reason)
            pos = want
    return events


def pair_slices(log_a, log_b, names=("A", "B"), extra=None):
    series = {names[0]: bars_from_closes(np.exp(log_a)), names[1]: bars_from_closes(np.exp(log_b))}
    if extra:
        series.update(extra)
    return align(series)


def signalled(out):
    return {i: o for i, o in enumerate(out) if o}


def test_pairs_no_trade_without_a_shock_and_beta_close_to_2():
    log_a, log_b = pair_logs()
    assert expected_pairs_events(log_a, log_b) == {}
    s = make(PAIRS)
    out = run_slices(s, pair_slices(log_a, log_b))
    assert signalled(out) == {}
    # The beta diagnostic, seen through a shock: close to 2, and equal to numpy's least squares.
    la = log_a.copy()
    la[SHOCK_AT] += 0.003
    out = run_slices(make(PAIRS), pair_slices(la, log_b))
    beta = out[SHOCK_AT][0].diag[0]
    assert beta == pytest.approx(2.0, abs=0.02)
    assert out[SHOCK_AT][0].diag == pytest.approx(ols_z(la, log_b, SHOCK_AT, 60), rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("gross", [1.0, 0.6])
def test_pairs_short_spread_at_the_shock_then_exit(gross):
    log_a, log_b = pair_logs()
    la = log_a.copy()
    la[SHOCK_AT] += 0.003
    beta, z, spread = ols_z(la, log_b, SHOCK_AT, 60)
    assert 2.0 < z <= 5.0  # the shock is a clean entry
    out = run_slices(make(PAIRS, gross_exposure=gross), pair_slices(la, log_b))
    events = signalled(out)
    expected = expected_pairs_events(la, log_b)
    assert sorted(events) == sorted(expected)
    assert min(events) == SHOCK_AT and expected[SHOCK_AT] == (-1, "short_spread")

    a_sig, b_sig = sorted(out[SHOCK_AT], key=lambda s: s.symbol)
    assert (a_sig.symbol, b_sig.symbol) == (0, 1)  # both legs in the same slice
    assert a_sig.action == b_sig.action == TARGET
    assert a_sig.reason == b_sig.reason == "short_spread"
    assert a_sig.target == pytest.approx(-gross / (1 + abs(beta)), rel=1e-7)
    assert b_sig.target == pytest.approx(gross * abs(beta) / (1 + abs(beta)), rel=1e-7)
    assert abs(a_sig.target) + abs(b_sig.target) == pytest.approx(gross, rel=1e-12)
    assert b_sig.target / -a_sig.target == pytest.approx(beta, rel=1e-7)  # B leg = beta x A leg
    assert a_sig.diag == pytest.approx((beta, z, spread), rel=1e-7, abs=1e-9)
    assert a_sig.confidence == pytest.approx(min(1.0, z / 4.0), rel=1e-7)

    # The spread is back on the next bar: both legs to 0, together.
    exit_bar = min(t for t in events if t > SHOCK_AT)
    assert exit_bar == SHOCK_AT + 1 and expected[exit_bar] == (0, "exit")
    assert ols_z(la, log_b, exit_bar, 60)[1] < 0  # z crossed zero: out of the short spread
    assert sorted((s.symbol, s.target, s.reason) for s in out[exit_bar]) == [(0, 0.0, "exit"), (1, 0.0, "exit")]


def test_pairs_exit_inside_exit_z():
    # A shock that only partly reverts: on the next bar z is still positive but inside exit_z, so
    # the exit comes from |z| < exit_z, not from a zero crossing.
    log_a, log_b = pair_logs()
    la = log_a.copy()
    fade = [0.0035, 0.0012, 0.0012, 0.0012]
    la[SHOCK_AT:SHOCK_AT + len(fade)] += fade
    expected = expected_pairs_events(la, log_b)
    out = run_slices(make(PAIRS), pair_slices(la, log_b))
    events = signalled(out)
    assert sorted(events) == sorted(expected)
    assert expected[SHOCK_AT] == (-1, "short_spread")
    t_exit = min(t for t in expected if t > SHOCK_AT)
    _, z_exit, _ = ols_z(la, log_b, t_exit, 60)
    assert t_exit == SHOCK_AT + 1
    assert 0 < z_exit < 0.5  # inside the band, not a crossing
    assert [s.reason for s in out[t_exit]] == ["exit", "exit"]
    for t, (pos, reason) in expected.items():
        assert {s.reason for s in events[t]} == {reason}


def test_pairs_long_spread_for_a_negative_shock():
    log_a, log_b = pair_logs()
    la = log_a.copy()
    la[SHOCK_AT] -= 0.003
    beta, z, _ = ols_z(la, log_b, SHOCK_AT, 60)
    assert -5.0 <= z < -2.0
    out = run_slices(make(PAIRS), pair_slices(la, log_b))
    assert min(signalled(out)) == SHOCK_AT
    a_sig, b_sig = sorted(out[SHOCK_AT], key=lambda s: s.symbol)
    assert a_sig.reason == b_sig.reason == "long_spread"
    assert a_sig.target == pytest.approx(1.0 / (1 + abs(beta)), rel=1e-7) and a_sig.target > 0
    assert b_sig.target == pytest.approx(-abs(beta) / (1 + abs(beta)), rel=1e-7)
    assert a_sig.diag[1] == pytest.approx(z, rel=1e-7)


def test_pairs_stop_when_the_pair_breaks_and_no_entry_beyond_stop():
    log_a, log_b = pair_logs()
    # Entry at the shock, then A jumps away for good: |z| passes stop_z while in the position.
    la = log_a.copy()
    la[SHOCK_AT] += 0.003
    la[SHOCK_AT + 1:] += 0.03
    expected = expected_pairs_events(la, log_b)
    assert expected[SHOCK_AT] == (-1, "short_spread") and expected[SHOCK_AT + 1] == (0, "stop")
    out = run_slices(make(PAIRS), pair_slices(la, log_b))
    events = signalled(out)
    assert sorted(events) == sorted(expected)
    assert [s.reason for s in out[SHOCK_AT + 1]] == ["stop", "stop"]
    assert [s.target for s in out[SHOCK_AT + 1]] == [0.0, 0.0]
    # A spike already beyond stop_z is not entered (it would be stopped out next bar).
    la = log_a.copy()
    la[SHOCK_AT] += 0.02
    assert ols_z(la, log_b, SHOCK_AT, 60)[1] > 5.0
    assert expected_pairs_events(la, log_b) == {}
    assert signalled(run_slices(make(PAIRS), pair_slices(la, log_b))) == {}


def test_pairs_legs_by_name():
    log_a, log_b = pair_logs()
    la = log_a.copy()
    la[SHOCK_AT] += 0.003
    rng = np.random.default_rng(3)
    other = {"AAA": bars_from_closes(30.0 * np.exp(np.cumsum(rng.normal(0, 0.01, len(la)))))}
    slices = pair_slices(la, log_b, names=("PX", "QY"), extra=other)
    assert slices[0].symbols == ("AAA", "PX", "QY")
    beta, z, _ = ols_z(la, log_b, SHOCK_AT, 60)
    out = run_slices(make(PAIRS, leg_a="PX", leg_b="QY"), slices)
    assert min(signalled(out)) == SHOCK_AT
    sigs = {s.symbol: s for s in out[SHOCK_AT]}
    assert set(sigs) == {1, 2}
    assert sigs[1].target == pytest.approx(-1 / (1 + abs(beta)), rel=1e-7)
    assert sigs[2].target == pytest.approx(abs(beta) / (1 + abs(beta)), rel=1e-7)
    # Legs swapped: the regression is of QY on PX (beta about 1/2).
    out = run_slices(make(PAIRS, leg_a="QY", leg_b="PX"), slices)
    first = signalled(out)[min(signalled(out))]
    assert {s.symbol for s in first} == {1, 2}
    assert first[0].diag[0] == pytest.approx(ols_z(log_b, la, min(signalled(out)), 60)[0], rel=1e-7)
    assert first[0].diag[0] == pytest.approx(0.5, abs=0.01)
    # Only leg_b named: leg A is the first other symbol.
    s = make(PAIRS, leg_b="QY")
    run_slices(s, slices[:1])
    assert s.legs == (0, 2)
    s = make(PAIRS, leg_a="QY")
    run_slices(s, slices[:1])
    assert s.legs == (2, 0)
    # Default: the first two symbols of the data.
    s = make(PAIRS)
    run_slices(s, slices[:1])
    assert s.legs == (0, 1)


def test_pairs_unknown_or_missing_legs_refused():
    log_a, log_b = pair_logs(n=5)
    slices = pair_slices(log_a, log_b)
    with pytest.raises(ValueError, match="NOPE"):
        run_slices(make(PAIRS, leg_a="NOPE"), slices)
    with pytest.raises(ValueError, match="ZZZ"):
        run_slices(make(PAIRS, leg_a="A", leg_b="ZZZ"), slices)
    with pytest.raises(ValueError, match="two symbols"):
        run_slices(make(PAIRS), align({"A": bars_from_closes([1.0, 2.0])}))
    with pytest.raises(ValueError, match="two symbols"):
        run_slices(make(PAIRS, leg_a="A"), align({"A": bars_from_closes([1.0, 2.0])}))
    with pytest.raises(ValueError, match="leg_a"):
        make(PAIRS, leg_a="A", leg_b="A")


@pytest.mark.parametrize("entry,exit_", [(1.0, 1.0), (1.0, 1.5), (0.5, 2.0)])
def test_pairs_exit_not_below_entry_refused(entry, exit_):
    with pytest.raises(ValueError, match="exit_z"):
        make(PAIRS, entry_z=entry, exit_z=exit_)


def test_pairs_stop_not_above_entry_refused():
    with pytest.raises(ValueError, match="stop_z"):
        make(PAIRS, entry_z=3.0, stop_z=2.5)


def test_pairs_skips_slices_where_a_leg_did_not_print():
    log_a, log_b = pair_logs()
    la = log_a.copy()
    la[SHOCK_AT] += 0.003
    a_bars = bars_from_closes(np.exp(la))
    b_bars = bars_from_closes(np.exp(log_b))
    # B misses bar 100: that slice is skipped, so the window is over the bars where both printed.
    slices = align({"A": a_bars, "B": b_bars[:100] + b_bars[101:]})
    assert slices[100].has_bar == (True, False)
    out = run_slices(make(PAIRS), slices)
    assert out[100] == []
    keep = np.r_[0:100, 101:len(la)]
    la2, lb2 = la[keep], log_b[keep]
    beta, z, _ = ols_z(la2, lb2, SHOCK_AT - 1, 60)
    assert out[SHOCK_AT][0].diag[:2] == pytest.approx((beta, z), rel=1e-7)


def test_pairs_export_import_continues_identically():
    log_a, log_b = pair_logs()
    la = log_a.copy()
    la[SHOCK_AT] += 0.003
    slices = pair_slices(la, log_b)
    whole = run_slices(make(PAIRS), slices)
    for split in (30, SHOCK_AT, SHOCK_AT + 1):  # before warm-up, inside the position, after it
        first = make(PAIRS)
        head = run_slices(first, slices[:split + 1])
        second = make(PAIRS)
        second.import_state(roundtrip(first.export_state()))
        tail = run_slices(second, slices[split + 1:])
        assert [[(s.symbol, s.target, s.reason) for s in o] for o in head + tail] == \
               [[(s.symbol, s.target, s.reason) for s in o] for o in whole]


# ============================================================================================
# Carry trade

CARRY = "carry_trade"
CARRIES = (0.05, 0.01, -0.02)  # AUD, EUR, JPY (sorted names: indexes 0, 1, 2)


def carry_slices(n, carries=CARRIES, names=("AUD", "EUR", "JPY"), swap_at=None, swapped=None):
    series = {s: bars_from_closes([100.0 + i for i in range(n)]) for s in names}
    carry = {}
    for j, s in enumerate(names):
        carry[s] = [carries[j] if swap_at is None or i < swap_at else swapped[j] for i in range(n)]
    return align(series, carry)


def targets(sigs):
    assert all(s.action == TARGET for s in sigs)
    return {s.symbol: s.target for s in sigs}


def test_carry_first_slice_ranks_and_waits_for_the_next_rebalance():
    assert manifest(CARRY)["parameters"]["rebalance_period"]["default"] == 21
    out = run_slices(make(CARRY), carry_slices(50))
    assert targets(out[0]) == {0: 0.5, 1: 0.0, 2: -0.5}
    by_symbol = {s.symbol: s for s in out[0]}
    assert by_symbol[0].diag == (0.05, 0.0) and by_symbol[1].diag == (0.01, 1.0)
    assert by_symbol[2].diag == (-0.02, 2.0)
    assert all(s.reason == "rebalance" and s.confidence == 1.0 for s in out[0])
    # Carries unchanged: nothing again, not even at the rebalances (only changes are signalled).
    assert all(o == [] for o in out[1:])


def test_carry_swap_takes_effect_at_the_next_rebalance_only():
    # Rebalances at 0, 5, 10, 15; the carries of AUD and JPY swap from slice 7.
    out = run_slices(make(CARRY, rebalance_period=5),
                     carry_slices(18, swap_at=7, swapped=(-0.02, 0.01, 0.05)))
    assert targets(out[0]) == {0: 0.5, 1: 0.0, 2: -0.5}
    assert [i for i, o in enumerate(out) if o] == [0, 10]
    assert targets(out[10]) == {0: -0.5, 2: 0.5}  # EUR stays at 0: not signalled again
    assert {s.symbol: s.diag for s in out[10]} == {0: (-0.02, 2.0), 2: (0.05, 0.0)}


def test_carry_long_only_and_gross_exposure():
    out = run_slices(make(CARRY, n_long=2, n_short=0), carry_slices(3))
    assert targets(out[0]) == {0: 0.5, 1: 0.5, 2: 0.0}
    out = run_slices(make(CARRY, gross_exposure=0.6), carry_slices(3))
    assert targets(out[0]) == pytest.approx({0: 0.3, 1: 0.0, 2: -0.3}, abs=1e-15)
    # More wanted than there are symbols: the long side first, the short side gets what remains.
    out = run_slices(make(CARRY, n_long=2, n_short=2), carry_slices(3))
    assert targets(out[0]) == pytest.approx({0: 1 / 3, 1: 1 / 3, 2: -1 / 3}, abs=1e-15)


def test_carry_ties_broken_by_symbol_order():
    out = run_slices(make(CARRY), carry_slices(2, carries=(0.01, 0.03, 0.03)))
    assert targets(out[0]) == {1: 0.5, 2: 0.0, 0: -0.5}


def test_carry_without_carry_data_is_an_error():
    slices = align({"AUD": bars_from_closes([1.0, 2.0]), "EUR": bars_from_closes([1.0, 2.0])})
    assert slices[0].carry is None
    with pytest.raises(ValueError, match="carry"):
        run_slices(make(CARRY), slices)


def test_carry_symbols_that_have_not_started_are_not_ranked():
    n = 12
    series = {
        "AUD": bars_from_closes([100.0] * n),
        "EUR": bars_from_closes([100.0] * n),
        "NZD": bars_from_closes([100.0] * (n - 3), start_ms=1_577_836_800_000 + 3 * 86_400_000),
    }
    carry = {"AUD": [0.05] * n, "EUR": [0.01] * n, "NZD": [0.10] * (n - 3)}
    slices = align(series, carry)
    assert slices[0].bars[2] is None and slices[0].carry == (0.05, 0.01, 0.0)
    out = run_slices(make(CARRY, rebalance_period=5), slices)
    # Slice 0: NZD has no bar yet (its 0 carry would otherwise rank it in the middle).
    assert targets(out[0]) == {0: 0.5, 1: -0.5}
    assert [i for i, o in enumerate(out) if o] == [0, 5]
    # Slice 5: NZD ranks first; AUD goes to 0, EUR stays short (not signalled again).
    assert targets(out[5]) == {2: 0.5, 0: 0.0}
    assert {s.symbol: s.diag for s in out[5]} == {2: (0.10, 0.0), 0: (0.05, 1.0)}


def test_carry_export_import_continues_identically():
    slices = carry_slices(30, swap_at=8, swapped=(-0.02, 0.01, 0.05))
    whole = run_slices(make(CARRY, rebalance_period=4), slices)
    for split in (0, 3, 9, 20):
        first = make(CARRY, rebalance_period=4)
        head = run_slices(first, slices[:split])
        second = make(CARRY, rebalance_period=4)
        second.import_state(roundtrip(first.export_state()))
        assert head + run_slices(second, slices[split:]) == whole
