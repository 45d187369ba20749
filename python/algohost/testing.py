"""Drive a strategy in plain Python, the way the host does — for strategy authors' tests.

``run_bars`` feeds single-symbol bars; ``run_slices`` feeds aligned multi-symbol slices;
``run_batch`` calls a vectorized ``on_batch`` and returns per-bar actions. No host is needed.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from algohost.strategy import Strategy
from algohost.types import Bar, BatchSignals, Series, Signal, Slice


def bars_from_closes(closes: Sequence[float], start_ms: int = 1_577_836_800_000, step_ms: int = 86_400_000,
                     volume: float = 1000.0) -> List[Bar]:
    """Daily bars whose open, high, low and close are all the given close (for known-answer tests)."""
    return [Bar(start_ms + i * step_ms, c, c, c, c, volume) for i, c in enumerate(closes)]


def run_bars(strategy: Strategy, bars: Iterable[Bar]) -> List[Optional[Signal]]:
    """One entry per bar: the strategy's signal, or None for a hold."""
    return [strategy.on_bar(b) for b in bars]


def align(series: Dict[str, Sequence[Bar]], carry: Optional[Dict[str, Sequence[float]]] = None) -> List[Slice]:
    """Time-aligned slices of several symbols' bars (symbols sorted by name), as the host makes them.

    One slice per distinct timestamp. A symbol without a bar at a slice's timestamp has
    ``has_bar`` False and repeats its last bar (None before its first). With ``carry`` (one value
    per bar, for some or all symbols) each slice holds every symbol's carry as of its latest bar,
    0.0 before its first bar or without a carry series; without it, ``slice.carry`` is None.
    Each symbol's bars must have strictly increasing timestamps (ValueError otherwise).
    """
    symbols = tuple(sorted(series))
    for s in symbols:
        bars = series[s]
        for i in range(1, len(bars)):
            if not bars[i].ts > bars[i - 1].ts:
                raise ValueError(f"{s}: bar {i} (ts {bars[i].ts}) is not after bar {i - 1} (ts {bars[i - 1].ts})")
        if carry is not None and s in carry and len(carry[s]) != len(bars):
            raise ValueError(f"{s}: {len(carry[s])} carry values for {len(bars)} bars")
    times = sorted({b.ts for s in symbols for b in series[s]})
    pos = {s: 0 for s in symbols}
    last: Dict[str, Optional[Bar]] = {s: None for s in symbols}
    last_carry: Dict[str, float] = {s: 0.0 for s in symbols}
    out: List[Slice] = []
    for ts in times:
        has: List[bool] = []
        for s in symbols:
            bars = series[s]
            if pos[s] < len(bars) and bars[pos[s]].ts == ts:
                last[s] = bars[pos[s]]
                if carry is not None and s in carry:
                    last_carry[s] = float(carry[s][pos[s]])
                pos[s] += 1
                has.append(True)
            else:
                has.append(False)
        out.append(Slice(ts, symbols, tuple(last[s] for s in symbols), tuple(has),
                         tuple(last_carry[s] for s in symbols) if carry is not None else None))
    return out


def run_slices(strategy: Strategy, slices: Iterable[Slice]) -> List[List[Signal]]:
    """One list of signals per slice (symbols given by name are turned into indexes)."""
    out: List[List[Signal]] = []
    for sl in slices:
        r = strategy.on_slice(sl)
        sigs = [] if r is None else [r] if isinstance(r, Signal) else list(r)
        for s in sigs:
            if isinstance(s.symbol, str):
                s.symbol = sl.index(s.symbol)
        out.append(sigs)
    return out


def series_from_bars(symbol: str, bars: Sequence[Bar], carry: Optional[Sequence[float]] = None) -> Series:
    import numpy as np

    cols = list(zip(*bars)) if bars else [[]] * 6
    return Series(symbol, np.asarray(cols[0], dtype=np.int64), *(np.asarray(c, dtype=np.float64) for c in cols[1:]),
                  carry=None if carry is None else np.asarray(carry, dtype=np.float64))


def run_batch(strategy: Strategy, series: Series) -> Tuple[list, BatchSignals]:
    """Calls a vectorized on_batch; returns (list of action codes, the BatchSignals)."""
    r = strategy.on_batch(series)
    if not isinstance(r, BatchSignals):
        r = BatchSignals(r)
    return [int(a) for a in r.action], r
