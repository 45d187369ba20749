"""Drive a strategy or an enhancer in plain Python, the way the host does — for authors' tests.

``run_bars`` feeds single-symbol bars; ``run_slices`` feeds aligned multi-symbol slices;
``run_batch`` calls a vectorized ``on_batch`` and returns per-bar actions. For enhancers,
``make_context`` and ``make_outcome`` build what the host passes, and ``apply_enhancement`` says
what the host makes of an ``EnhanceResult``. No host is needed.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from algohost.enhancer import ENTRY, EXIT, EnhanceContext, EnhanceResult, MarketContext, TradeOutcome
from algohost.strategy import Strategy
from algohost.types import BUY, TARGET, Bar, BatchSignals, Series, Signal, Slice


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


def make_context(**fields: Any) -> EnhanceContext:
    """An EnhanceContext for an entry (a buy of BAR at 100, size 0.5, confidence 0.6, calm market)
    with ``fields`` replaced; ``market`` may be given as a dict of MarketContext fields."""
    market = MarketContext(True, 0.15, 1.0, "trending", 0.02)
    if isinstance(fields.get("market"), dict):
        fields["market"] = market._replace(**fields["market"])
    base = EnhanceContext(ts=1_577_836_800_000, symbol="BAR", symbol_index=0, strategy="test@1.0.0", role=ENTRY,
                          bar=Bar(1_577_836_800_000, 100.0, 100.0, 100.0, 100.0, 1000.0), market=market, action=BUY,
                          side=1, confidence=0.6, size=0.5, position=0.0)
    return base._replace(**fields)


def make_outcome(won: bool = True, **fields: Any) -> TradeOutcome:
    """A closed long trade of BAR (100 -> 102 when won, 100 -> 98 otherwise) with ``fields`` replaced;
    ``market`` may be given as a dict of MarketContext fields."""
    market = MarketContext(True, 0.15, 1.0, "trending", 0.02)
    if isinstance(fields.get("market"), dict):
        fields["market"] = market._replace(**fields["market"])
    exit_price = 102.0 if won else 98.0
    base = TradeOutcome(symbol="BAR", symbol_index=0, side=1, entry_ts=1_577_836_800_000,
                        exit_ts=1_578_268_800_000, entry_price=100.0, exit_price=exit_price, quantity=10.0,
                        pnl=10.0 * (exit_price - 100.0), trade_return=exit_price / 100.0 - 1.0, won=won,
                        confidence=0.6, market=market, exit_reason="signal")
    return base._replace(**fields)


def apply_enhancement(ctx: EnhanceContext, result: Optional[EnhanceResult],
                      full: bool = True) -> Tuple[Optional[int], float, float]:
    """What the host makes of ``result`` for ``ctx``: ``(action, confidence, size)``.

    ``action`` is None when the signal is vetoed; ``size`` is what the position becomes, a fraction
    of equity. The confidence always applies; with ``full`` (else partial enhancement) an entry
    takes the size and the veto (size 0 vetoes), a resize the size (0 closes: action TARGET), an
    exit neither.
    """
    if result is None:
        return ctx.action, ctx.confidence, ctx.size
    confidence = ctx.confidence if result.confidence is None else result.confidence
    size = ctx.size if result.size is None else result.size
    if not full or ctx.role == EXIT:
        return ctx.action, confidence, ctx.size
    if ctx.role == ENTRY and (result.veto or size == 0):
        return None, confidence, 0.0
    return (TARGET if size == 0 else ctx.action), confidence, size
