"""The pure-Python SDK (python/algohost): Params, Signal, Bar/Slice/Series, the Strategy base
class's defaults and the algohost.testing helpers. No host needed.

Run: PYTHONPATH=python /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/python/test_sdk.py
"""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pytest

import algohost
from algohost import (
    API_VERSION,
    BUY,
    HOLD,
    SELL,
    TARGET,
    Bar,
    BatchSignals,
    Params,
    Series,
    Signal,
    Slice,
    Strategy,
)
from algohost.testing import align, bars_from_closes, run_bars, run_batch, run_slices, series_from_bars

DAY = 86_400_000
T0 = 1_577_836_800_000  # 2020-01-01T00:00:00Z


def bar(ts, close, volume=1000.0):
    return Bar(ts, close, close, close, close, volume)


# --------------------------------------------------------------------------------------------
# Package surface


def test_package_exports():
    assert API_VERSION == "1.1"  # 1.1 added enhancers
    assert (HOLD, BUY, SELL, TARGET) == (0, 1, 2, 3)
    for name in algohost.__all__:
        assert hasattr(algohost, name), name


# --------------------------------------------------------------------------------------------
# Params


def test_params_typed_getters():
    p = Params({"n": 5, "whole_float": 3.0, "x": 0.25, "flag": True, "name": "SPY", "i_as_f": 7})
    assert p.get_int("n") == 5 and type(p.get_int("n")) is int
    assert p.get_int("whole_float") == 3 and type(p.get_int("whole_float")) is int
    assert p.get_float("x") == 0.25
    assert p.get_float("i_as_f") == 7.0 and type(p.get_float("i_as_f")) is float
    assert p.get_bool("flag") is True
    assert p.get_str("name") == "SPY"


def test_params_take_numpy_scalars():
    p = Params({"n": np.int64(4), "x": np.float64(0.5)})
    assert p.get_int("n") == 4 and type(p.get_int("n")) is int
    assert p.get_float("x") == 0.5 and type(p.get_float("x")) is float


@pytest.mark.parametrize(
    "getter,value",
    [
        ("get_int", 2.5),
        ("get_int", "3"),
        ("get_int", True),
        ("get_int", None),
        ("get_int", float("nan")),
        ("get_int", float("inf")),
        ("get_float", "0.5"),
        ("get_float", False),
        ("get_float", None),
        ("get_bool", 1),
        ("get_bool", "true"),
        ("get_str", 5),
        ("get_str", None),
    ],
)
def test_params_wrong_type_names_the_parameter(getter, value):
    p = Params({"my_param": value})
    with pytest.raises(TypeError) as e:
        getattr(p, getter)("my_param")
    assert "my_param" in str(e.value)


def test_params_missing_names_the_parameter_and_what_there_is():
    p = Params({"alpha": 1, "beta": 2})
    for getter in ("get_int", "get_float", "get_bool", "get_str"):
        with pytest.raises(KeyError) as e:
            getattr(p, getter)("gamma")
        assert "gamma" in str(e.value) and "alpha" in str(e.value) and "beta" in str(e.value)
    with pytest.raises(KeyError, match="gamma"):
        p["gamma"]
    with pytest.raises(KeyError, match="none"):
        Params()["x"]


def test_params_attribute_and_key_access():
    p = Params({"lookback": 20, "threshold": 1.5})
    assert p.lookback == 20 and p["lookback"] == 20
    assert p.threshold == 1.5 and p["threshold"] == 1.5
    with pytest.raises(AttributeError, match="missing"):
        p.missing
    with pytest.raises(AttributeError):
        p._private
    assert not hasattr(p, "missing")
    assert getattr(p, "missing", "dflt") == "dflt"


def test_params_is_a_read_only_mapping():
    src = {"a": 1, "b": "x"}
    p = Params(src)
    assert len(p) == 2 and set(p) == {"a", "b"} and "a" in p and "z" not in p
    assert dict(p) == src and p == src and p.to_dict() == src
    assert p.get("z", 9) == 9
    src["a"] = 100  # a copy was taken
    assert p["a"] == 1
    d = p.to_dict()
    d["a"] = 2
    assert p["a"] == 1
    with pytest.raises(TypeError):
        p["a"] = 3  # type: ignore[index]
    assert "Params(" in repr(p)


def test_params_from_json_text_and_from_none():
    p = Params('{"n": 10, "x": 0.5, "flag": false, "s": "EURUSD"}')
    assert p.get_int("n") == 10 and p.get_float("x") == 0.5
    assert p.get_bool("flag") is False and p.get_str("s") == "EURUSD"
    assert len(Params()) == 0 and len(Params(None)) == 0 and len(Params("{}")) == 0
    with pytest.raises(TypeError, match="object"):
        Params("[1, 2]")
    with pytest.raises(json.JSONDecodeError):
        Params("{not json")


# --------------------------------------------------------------------------------------------
# Signal


def test_signal_constructors():
    b = Signal.buy()
    assert (b.action, b.confidence, b.action_name) == (BUY, 1.0, "buy")
    s = Signal.sell(0.3, reason="down")
    assert (s.action, s.confidence, s.reason, s.action_name) == (SELL, 0.3, "down", "sell")
    t = Signal.to_target(-0.4, 0.7, symbol=2)
    assert (t.action, t.target, t.confidence, t.symbol, t.action_name) == (TARGET, -0.4, 0.7, 2, "target")
    h = Signal.hold(diag=(1.0, 2.0))
    assert (h.action, h.confidence, h.diag, h.action_name) == (HOLD, 0.0, (1.0, 2.0), "hold")
    d = Signal()
    assert (d.action, d.confidence, d.size, d.stop_loss, d.take_profit, d.target, d.reason, d.diag, d.symbol) == (
        HOLD, 0.0, 0.0, 0.0, 0.0, 0.0, "", (), 0)


def test_signal_fields_are_floats():
    s = Signal.buy(1, size=1, stop_loss=95, take_profit=110, diag=[1, np.float64(2.5)], symbol="SPY")
    assert all(type(getattr(s, k)) is float for k in ("confidence", "size", "stop_loss", "take_profit", "target"))
    assert s.diag == (1.0, 2.5) and all(type(d) is float for d in s.diag)
    assert s.symbol == "SPY"


@pytest.mark.parametrize(
    "given,expected",
    [(1.5, 1.0), (-0.2, 0.0), (0.0, 0.0), (1.0, 1.0), (0.42, 0.42), (float("nan"), 0.0), (np.nan, 0.0),
     (float("inf"), 1.0), (float("-inf"), 0.0), (np.float32(2.0), 1.0)],
)
def test_signal_confidence_clamped(given, expected):
    assert Signal.buy(given).confidence == expected
    assert Signal(SELL, given).confidence == expected


def test_signal_reason_truncated_to_23():
    assert Signal.buy(reason="x" * 23).reason == "x" * 23
    assert Signal.buy(reason="abcdefghijklmnopqrstuvwxyz0123").reason == "abcdefghijklmnopqrstuvw"
    assert len(Signal.buy(reason="r" * 100).reason) == 23
    assert Signal.buy(reason=12345).reason == "12345"


def test_signal_reason_truncated_to_23_utf8_bytes_on_a_character_boundary():
    # The C ABI keeps 23 bytes: a non-ASCII reason is cut before the character that would not fit.
    r = Signal.buy(reason="é" * 20).reason  # 2 bytes each
    assert r == "é" * 11 and len(r.encode()) == 22
    r = Signal.buy(reason="abc€€€€€€€€").reason  # 3 + 3 bytes each
    assert r == "abc" + "€" * 6 and len(r.encode()) == 21
    assert Signal.buy(reason="naïve").reason == "naïve"


def test_signal_diagnostics_at_most_four():
    assert Signal.buy(diag=(1, 2, 3, 4)).diag == (1.0, 2.0, 3.0, 4.0)
    assert Signal.buy(diag=np.arange(4.0)).diag == (0.0, 1.0, 2.0, 3.0)
    with pytest.raises(ValueError, match="4"):
        Signal.buy(diag=(1, 2, 3, 4, 5))
    with pytest.raises(ValueError):
        Signal.hold(diag=[0.0] * 5)


@pytest.mark.parametrize("action", [4, -1, 7, "buy", None, 1.5])
def test_signal_bad_action_refused(action):
    with pytest.raises(ValueError, match="action"):
        Signal(action)


def test_signal_equality_and_repr():
    a = Signal.to_target(0.5, 0.8, reason="r", diag=(1.0,), symbol=1)
    assert a == Signal.to_target(0.5, 0.8, reason="r", diag=(1.0,), symbol=1)
    assert a == Signal(TARGET, 0.8, target=0.5, reason="r", diag=[1], symbol=1)
    for other in (
        Signal.to_target(0.4, 0.8, reason="r", diag=(1.0,), symbol=1),
        Signal.to_target(0.5, 0.7, reason="r", diag=(1.0,), symbol=1),
        Signal.to_target(0.5, 0.8, reason="s", diag=(1.0,), symbol=1),
        Signal.to_target(0.5, 0.8, reason="r", diag=(2.0,), symbol=1),
        Signal.to_target(0.5, 0.8, reason="r", diag=(1.0,), symbol=0),
        Signal.buy(0.8, reason="r", diag=(1.0,), symbol=1),
    ):
        assert a != other
    assert Signal.buy() != "buy" and (Signal.buy() == 1) is False
    r = repr(a)
    assert r.startswith("Signal(target") and "target=0.5" in r and "reason='r'" in r and "symbol=1" in r
    assert repr(Signal.buy()) == "Signal(buy, confidence=1.0)"


# --------------------------------------------------------------------------------------------
# Bar, Slice, Series, BatchSignals


def test_bar_fields_and_time_is_utc():
    b = Bar(T0 + 1, 1.0, 2.0, 0.5, 1.5, 300.0)
    assert (b.ts, b.open, b.high, b.low, b.close, b.volume) == (T0 + 1, 1.0, 2.0, 0.5, 1.5, 300.0)
    assert b[4] == 1.5 and tuple(b) == (T0 + 1, 1.0, 2.0, 0.5, 1.5, 300.0)
    assert b.time == dt.datetime(2020, 1, 1, 0, 0, 0, 1000, tzinfo=dt.timezone.utc)
    assert b.time.utcoffset() == dt.timedelta(0)
    assert Bar(0, 1, 1, 1, 1, 1).time == dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    assert Bar(-1, 1, 1, 1, 1, 1).time == dt.datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=dt.timezone.utc)
    # Late dates keep their milliseconds exactly.
    late = Bar(253_402_300_799_999, 1, 1, 1, 1, 1).time
    assert late == dt.datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=dt.timezone.utc)
    with pytest.raises(AttributeError):
        b.close = 2.0  # type: ignore[misc]


def test_slice_index_and_bar_by_name_and_index():
    a, c = bar(T0, 10.0), bar(T0, 30.0)
    s = Slice(T0, ("A", "B", "C"), (a, None, c), (True, False, True), (0.01, 0.0, -0.02))
    assert s.index("A") == 0 and s.index("C") == 2
    assert s.bar("A") is a and s.bar("B") is None and s.bar("C") is c
    assert s.bar(0) is a and s.bar(2) is c and s.bar(-1) is c
    assert s.bar(np.int64(2)) is c
    with pytest.raises(ValueError, match="'Z'"):
        s.index("Z")
    with pytest.raises(ValueError, match="'Z'"):
        s.bar("Z")
    with pytest.raises(IndexError):
        s.bar(3)
    assert s.carry[2] == -0.02
    assert Slice(T0, ("A",), (a,), (True,)).carry is None


def test_series_fields_and_len():
    bars = [Bar(T0 + i * DAY, 1.0 + i, 2.0 + i, 0.5 + i, 1.5 + i, 10.0 * i) for i in range(5)]
    s = series_from_bars("SPY", bars, carry=[0.01] * 5)
    assert s.symbol == "SPY" and len(s) == 5
    assert s.ts.dtype == np.int64 and s.close.dtype == np.float64 and s.carry.dtype == np.float64
    np.testing.assert_array_equal(s.ts, [T0 + i * DAY for i in range(5)])
    np.testing.assert_array_equal(s.open, [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(s.high, [2, 3, 4, 5, 6])
    np.testing.assert_array_equal(s.low, [0.5, 1.5, 2.5, 3.5, 4.5])
    np.testing.assert_array_equal(s.close, [1.5, 2.5, 3.5, 4.5, 5.5])
    np.testing.assert_array_equal(s.volume, [0, 10, 20, 30, 40])
    assert series_from_bars("X", bars).carry is None
    empty = series_from_bars("E", [])
    assert len(empty) == 0 and empty.close.dtype == np.float64
    direct = Series("Q", np.arange(3), *(np.zeros(3) for _ in range(5)))
    assert len(direct) == 3 and direct.carry is None


def test_batch_signals_defaults():
    b = BatchSignals(np.array([HOLD, BUY]))
    assert b.confidence is None and b.size is None and b.stop_loss is None
    assert b.take_profit is None and b.target is None
    assert BatchSignals._fields == ("action", "confidence", "size", "stop_loss", "take_profit", "target")


# --------------------------------------------------------------------------------------------
# Strategy defaults


class Threshold(Strategy):
    diagnostics = ("close",)

    def __init__(self, params=None):
        super().__init__(params)
        self.level = self.params.get_float("level")
        self.seen = []

    def on_bar(self, b):
        self.seen.append(b)
        if b.close > self.level:
            return Signal.buy(0.9, reason="above", diag=(b.close,))
        return None


def test_strategy_params_from_dict_json_or_params():
    assert Threshold({"level": 2}).level == 2.0
    assert Threshold('{"level": 3.5}').level == 3.5
    p = Params({"level": 1})
    assert Threshold(p).params is p
    assert Strategy().params == {}


def test_strategy_base_defaults():
    s = Strategy()
    assert s.on_bar(bar(T0, 1.0)) is None
    assert s.export_state() is None and s.import_state(b"anything") is None
    assert s.on_batch is None and s.lookback is None and tuple(s.diagnostics) == ()
    assert s.on_slice(Slice(T0, ("A",), (bar(T0, 1.0),), (True,))) == []


def test_state_calls_tells_the_host_which_state_calls_a_strategy_makes():
    """What the host inspects once per instance: overrides of export_state and import_state, and
    whether import_state takes from_version= (then it is told the exporting version)."""
    from algohost._host import state_calls

    class Versioned(Strategy):
        def export_state(self):
            return {}

        def import_state(self, data, from_version=None):
            pass

    class Plain(Strategy):
        def export_state(self):
            return {}

        def import_state(self, data):
            pass

    class Kwargs(Plain):
        def import_state(self, data, **kwargs):
            pass

    class OtherSecond(Plain):
        def import_state(self, data, strict=False):  # a second parameter, but not from_version
            pass

    class ExportOnly(Strategy):
        def export_state(self):
            return {}

    assert state_calls(Strategy()) == (False, False, False)
    assert state_calls(Versioned()) == (True, True, True)
    assert state_calls(Plain()) == (True, True, False)
    assert state_calls(Kwargs()) == (True, True, True)
    assert state_calls(OtherSecond()) == (True, True, False)
    assert state_calls(ExportOnly()) == (True, False, False)
    # The base's import_state accepts from_version and ignores it.
    assert Strategy().import_state(b"x", from_version="1.0.0") is None


def test_default_on_slice_calls_on_bar_per_new_bar_and_sets_symbol_indexes():
    s = Threshold({"level": 5.0})
    a, b, c = bar(T0, 10.0), bar(T0 - DAY, 7.0), bar(T0, 1.0)
    sl = Slice(T0, ("A", "B", "C"), (a, b, c), (True, False, True))
    out = s.on_slice(sl)
    assert s.seen == [a, c]  # B has no new bar: skipped
    assert out == [Signal.buy(0.9, reason="above", diag=(10.0,), symbol=0)]
    sl2 = Slice(T0 + DAY, ("A", "B", "C"), (bar(T0 + DAY, 1.0), bar(T0 + DAY, 8.0), bar(T0 + DAY, 9.0)),
                (True, True, True))
    out2 = s.on_slice(sl2)
    assert [x.symbol for x in out2] == [1, 2]
    assert [x.diag for x in out2] == [(8.0,), (9.0,)]
    none_yet = Slice(T0, ("A", "B"), (None, None), (False, False))
    assert s.on_slice(none_yet) == []


# --------------------------------------------------------------------------------------------
# algohost.testing


def test_bars_from_closes():
    bars = bars_from_closes([1.0, 2.0, 3.0])
    assert bars == [Bar(T0, 1.0, 1.0, 1.0, 1.0, 1000.0), Bar(T0 + DAY, 2.0, 2.0, 2.0, 2.0, 1000.0),
                    Bar(T0 + 2 * DAY, 3.0, 3.0, 3.0, 3.0, 1000.0)]
    assert bars[0].time == dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    custom = bars_from_closes([5.0, 6.0], start_ms=1000, step_ms=60_000, volume=7.0)
    assert [b.ts for b in custom] == [1000, 61_000] and custom[1].volume == 7.0
    assert bars_from_closes([]) == []


def test_run_bars():
    s = Threshold({"level": 2.5})
    out = run_bars(s, bars_from_closes([1.0, 3.0, 2.0, 4.0]))
    assert [o is None for o in out] == [True, False, True, False]
    assert out[3] == Signal.buy(0.9, reason="above", diag=(4.0,))


def test_align_sorted_symbols_has_bar_and_repeated_last_bar():
    # "B" prints every day; "A" starts on day 1 and misses day 3; given out of name order.
    b = bars_from_closes([10.0, 11.0, 12.0, 13.0, 14.0])
    a = [bar(T0 + DAY, 1.0), bar(T0 + 2 * DAY, 2.0), bar(T0 + 4 * DAY, 4.0)]
    slices = align({"B": b, "A": a})
    assert [s.ts for s in slices] == [T0 + i * DAY for i in range(5)]
    assert all(s.symbols == ("A", "B") for s in slices)
    assert [s.has_bar for s in slices] == [(False, True), (True, True), (True, True), (False, True), (True, True)]
    assert slices[0].bars == (None, b[0])  # A has not started
    assert slices[1].bars == (a[0], b[1])
    assert slices[3].bars == (a[1], b[3])  # A repeats its last bar
    assert slices[4].bars == (a[2], b[4])
    assert all(s.carry is None for s in slices)


def test_align_union_of_timestamps():
    a = [bar(T0, 1.0), bar(T0 + 2 * DAY, 2.0)]
    b = [bar(T0 + DAY, 5.0), bar(T0 + 2 * DAY, 6.0), bar(T0 + 3 * DAY, 7.0)]
    slices = align({"A": a, "B": b})
    assert [s.ts for s in slices] == [T0, T0 + DAY, T0 + 2 * DAY, T0 + 3 * DAY]
    assert [s.has_bar for s in slices] == [(True, False), (False, True), (True, True), (False, True)]
    assert slices[3].bars == (a[1], b[2])  # A ended: still repeats its last bar
    assert slices[0].bar("B") is None


def test_align_carry_as_of_latest_bar_and_zero_before_start():
    b = bars_from_closes([10.0, 11.0, 12.0, 13.0])
    a = [bar(T0 + DAY, 1.0), bar(T0 + 3 * DAY, 2.0)]
    c = [bar(T0 + 2 * DAY, 3.0)]
    slices = align({"A": a, "B": b, "C": c},
                   carry={"A": [0.05, 0.07], "B": [0.01, 0.02, 0.03, 0.04]})  # C has no carry series
    assert [s.carry for s in slices] == [
        (0.0, 0.01, 0.0),   # A not started: 0
        (0.05, 0.02, 0.0),
        (0.05, 0.03, 0.0),  # A has no bar: carried from its latest bar
        (0.07, 0.04, 0.0),
    ]
    assert all(type(x) is float for s in slices for x in s.carry)


def test_align_refuses_unsorted_or_duplicate_timestamps_and_short_carry():
    with pytest.raises(ValueError, match="A"):
        align({"A": [bar(T0, 1.0), bar(T0, 2.0)]})
    with pytest.raises(ValueError, match="B"):
        align({"A": [bar(T0, 1.0)], "B": [bar(T0 + DAY, 1.0), bar(T0, 2.0)]})
    with pytest.raises(ValueError, match="carry"):
        align({"A": bars_from_closes([1.0, 2.0])}, carry={"A": [0.1]})
    assert align({}) == []


def test_run_slices_turns_names_into_indexes():
    class ByName(Strategy):
        def on_slice(self, sl):
            if sl.ts == T0:
                return Signal.to_target(0.5, symbol="B")
            if sl.ts == T0 + DAY:
                return [Signal.to_target(-0.5, symbol="A"), Signal.to_target(0.2, symbol=1)]
            return None

    slices = align({"A": bars_from_closes([1.0, 2.0, 3.0]), "B": bars_from_closes([4.0, 5.0, 6.0])})
    out = run_slices(ByName(), slices)
    assert [[(s.symbol, s.target) for s in o] for o in out] == [[(1, 0.5)], [(0, -0.5), (1, 0.2)], []]


def test_run_batch_plain_array_and_batch_signals():
    bars = bars_from_closes([1.0, 3.0, 2.0, 4.0])

    class Above(Strategy):
        lookback = 0

        def on_batch(self, series):
            return np.where(series.close > 2.5, BUY, HOLD)

    class AboveFull(Strategy):
        def on_batch(self, series):
            act = np.where(series.close > 2.5, BUY, HOLD)
            return BatchSignals(act, confidence=np.full(len(series), 0.5))

    actions, full = run_batch(Above(), series_from_bars("X", bars))
    assert actions == [HOLD, BUY, HOLD, BUY] and all(type(a) is int for a in actions)
    assert isinstance(full, BatchSignals) and full.confidence is None
    actions2, full2 = run_batch(AboveFull(), series_from_bars("X", bars))
    assert actions2 == actions and full2.confidence.tolist() == [0.5] * 4
