"""The values that cross between the host and a Python strategy: bars, slices, series, signals.

``Bar``, ``Slice`` and ``Series`` are named tuples: immutable, cheap to make (the host builds
them in C without calling Python code) and read by attribute (``bar.close``). Timestamps are UTC
milliseconds since the Unix epoch at the bar's open, as in the C ABI (docs/abi.md).
"""

from __future__ import annotations

import datetime as _dt
import operator
from typing import Any, NamedTuple, Optional, Sequence, Tuple, Union

#: Version of the Python plugin contract, MAJOR.MINOR. A manifest's
#: ``implementation.sdk_api_version`` must have the same major and a minor not newer than this.
#: 1.1 added enhancers (:class:`algohost.Enhancer`); an enhancer's manifest declares 1.1 or later.
API_VERSION = "1.1"

#: Signal actions (the same codes as the C ABI's ``ah_action``).
HOLD, BUY, SELL, TARGET = 0, 1, 2, 3

_ACTION_NAMES = {HOLD: "hold", BUY: "buy", SELL: "sell", TARGET: "target"}
_REASON_LEN = 23  # the C ABI keeps 23 bytes of a reason
_MAX_DIAG = 4
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def _truncate_reason(reason: str) -> str:
    """At most _REASON_LEN bytes of UTF-8, cut on a character boundary (never inside one)."""
    if len(reason) <= _REASON_LEN and reason.isascii():
        return reason
    return reason.encode("utf-8")[:_REASON_LEN].decode("utf-8", "ignore")


class Bar(NamedTuple):
    """One OHLCV bar of one symbol."""

    ts: int
    open: float
    high: float
    low: float
    close: float
    volume: float

    @property
    def time(self) -> _dt.datetime:
        """The bar's open time as an aware UTC datetime."""
        # Integer milliseconds, not ts / 1000.0: a float loses the milliseconds of late dates.
        return _EPOCH + _dt.timedelta(milliseconds=int(self.ts))


class Slice(NamedTuple):
    """The bars of several symbols at one timestamp.

    ``bars[i]`` belongs to ``symbols[i]``. ``has_bar[i]`` is False when symbol i printed no bar
    at ``ts``: ``bars[i]`` then repeats its last bar (or is None before its first bar).
    ``carry[i]`` is symbol i's annual carry as of its latest bar, or ``carry`` is None when the
    data has no carry.
    """

    ts: int
    symbols: Tuple[str, ...]
    bars: Tuple[Optional[Bar], ...]
    has_bar: Tuple[bool, ...]
    carry: Optional[Tuple[float, ...]] = None

    def index(self, symbol: str) -> int:
        """Position of ``symbol`` in this slice; ValueError (naming it) when absent."""
        try:
            return self.symbols.index(symbol)
        except ValueError:
            raise ValueError(f"symbol {symbol!r} is not in this slice (symbols: {', '.join(self.symbols)})") from None

    def bar(self, symbol: Union[str, int]) -> Optional[Bar]:
        """The latest bar of ``symbol`` (a name or an index)."""
        return self.bars[self.index(symbol) if isinstance(symbol, str) else operator.index(symbol)]


class Series(NamedTuple):
    """The bars of one symbol as numpy arrays (oldest first), for vectorized ``on_batch``.

    Inside the host the arrays are read-only views of the host's memory (no copy).
    """

    symbol: str
    ts: Any  # numpy int64 array, UTC milliseconds
    open: Any
    high: Any
    low: Any
    close: Any
    volume: Any
    carry: Any = None  # numpy float64 array, or None when the data has no carry

    def __len__(self) -> int:  # type: ignore[override]
        return len(self.ts)


class BatchSignals(NamedTuple):
    """What a vectorized ``on_batch`` returns: one entry per bar of the series.

    ``action`` holds action codes (HOLD, BUY, SELL, TARGET). The other arrays are optional;
    missing ones mean confidence 1, the host's default size, no stop, no target, and a target
    position of 0. A plain array of actions may be returned instead of a BatchSignals.
    """

    action: Any
    confidence: Any = None
    size: Any = None
    stop_loss: Any = None
    take_profit: Any = None
    target: Any = None


class Signal:
    """One signal: what a strategy asks for on one bar of one symbol.

    Make one with :meth:`buy`, :meth:`sell`, :meth:`target` or :meth:`hold`. ``symbol`` is the
    index of the symbol in the slice (or its name); single-symbol strategies leave it at 0.
    Numeric fields left at 0 mean "none" (stop_loss, take_profit) or "the host's default"
    (size), as in the C ABI.
    """

    __slots__ = ("action", "confidence", "size", "stop_loss", "take_profit", "target", "reason", "diag", "symbol")

    def __init__(
        self,
        action: int = HOLD,
        confidence: float = 0.0,
        *,
        size: float = 0.0,
        stop_loss: float = 0.0,
        take_profit: float = 0.0,
        target: float = 0.0,
        reason: str = "",
        diag: Sequence[float] = (),
        symbol: Union[int, str] = 0,
    ) -> None:
        if action not in _ACTION_NAMES:
            raise ValueError(f"action must be HOLD, BUY, SELL or TARGET, not {action!r}")
        if len(diag) > _MAX_DIAG:
            raise ValueError(f"at most {_MAX_DIAG} diagnostics, got {len(diag)}")
        self.action = action
        self.confidence = min(1.0, max(0.0, float(confidence))) if confidence == confidence else 0.0
        self.size = float(size)
        self.stop_loss = float(stop_loss)
        self.take_profit = float(take_profit)
        self.target = float(target)
        self.reason = _truncate_reason(str(reason))
        self.diag = tuple(float(d) for d in diag)
        self.symbol = symbol

    @classmethod
    def buy(cls, confidence: float = 1.0, **kw: Any) -> "Signal":
        """Go long (or close a short)."""
        return cls(BUY, confidence, **kw)

    @classmethod
    def sell(cls, confidence: float = 1.0, **kw: Any) -> "Signal":
        """Go short where the manifest allows it (or close a long)."""
        return cls(SELL, confidence, **kw)

    @classmethod
    def to_target(cls, fraction: float, confidence: float = 1.0, **kw: Any) -> "Signal":
        """Hold ``fraction`` of equity in the symbol (negative = short), -1..1."""
        return cls(TARGET, confidence, target=fraction, **kw)

    @classmethod
    def hold(cls, **kw: Any) -> "Signal":
        """No change (a hold may still carry diagnostics)."""
        return cls(HOLD, 0.0, **kw)

    @property
    def action_name(self) -> str:
        return _ACTION_NAMES[self.action]

    def __repr__(self) -> str:
        extra = "".join(
            f", {k}={getattr(self, k)!r}"
            for k in ("size", "stop_loss", "take_profit", "target", "reason", "diag", "symbol")
            if getattr(self, k) not in (0, 0.0, "", ())
        )
        return f"Signal({self.action_name}, confidence={self.confidence}{extra})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Signal):
            return NotImplemented
        return all(getattr(self, k) == getattr(other, k) for k in self.__slots__)
