"""The Enhancer base class — the Python mirror of the C ABI in ``algohost/enhancer_api.h``.

An enhancer sits between a strategy's signals and the paper broker, as the built-in MEM stage
does: it may change a signal's confidence and size or veto an entry, and it learns from every
closed trade. Its manifest says ``"kind": "enhancer"``, ``"language": "python"``, ``module`` and
``class_name`` (a subclass of :class:`Enhancer`), and ``sdk_api_version`` 1.1 or later. A strategy
chooses it with ``mem_integration.enhancer`` in its manifest, a run with ``algohost run
--enhancer NAME`` (docs/mem.md, "Enhancer plugins").

The host makes one instance per strategy per run and calls it from one thread at a time:

* ``enhance(ctx)`` for every signal of the strategy that would change its account (an entry, a
  resize or an exit) on a bar in the run's scoring part. Return None (no change) or an
  :class:`EnhanceResult`. The confidence is always applied; the size and the veto only in
  ``full`` enhancement, an entry taking both (a size of 0 vetoes too), a resize only the size, an
  exit neither — an enhancer never holds a position open.
* ``learn(outcome)`` for every closed trade of the strategy's unenhanced (base) arm, in close
  order, each once: trades of the training part as they close, the rest after the run.
* ``export_state()`` / ``import_state(data)`` carry what was learned to the next run of the same
  strategy (JSON-serialisable values, str or bytes; ``import_state`` gets bytes).

An exception in any call is logged and counted and the signal passes unchanged; after a number of
failed calls in a row (``algohost run --enhancer-max-failures``, default 5) the host stops calling
the instance for the rest of the run and says so in the run's report.
"""

from __future__ import annotations

import math
from typing import NamedTuple, Optional

from algohost._plugin import _Plugin
from algohost.types import Bar

#: Roles of a signal for the strategy's account on its symbol (``EnhanceContext.role``).
ENTRY, RESIZE, EXIT = "entry", "resize", "exit"

#: The C ABI keeps this many bytes of a reasoning text (including its terminating NUL).
REASONING_LEN = 256


class MarketContext(NamedTuple):
    """The market of one symbol as of a bar (from that bar and the 20 before it, never later ones).

    Until the window is full ``ready`` is False, ``regime`` is ``"unknown"`` and ``volatility``
    and ``window_return`` are 0.
    """

    ready: bool
    volatility: float  # annualized stdev of the window's simple returns
    volume_ratio: float  # this bar's volume / mean volume of the window's bars before it
    regime: str  # "trending", "mean_reverting", "volatile" or "unknown"
    window_return: float  # close / close at the window's start - 1


class EnhanceContext(NamedTuple):
    """One signal to judge, with what the host knows around it."""

    ts: int  # the signal's bar, UTC milliseconds at its open
    symbol: str
    symbol_index: int
    strategy: str  # "name@version"
    role: str  # ENTRY, RESIZE or EXIT
    bar: Bar
    market: MarketContext
    action: int  # BUY, SELL or TARGET
    side: int  # +1 long, -1 short, 0 flat: what the position becomes
    confidence: float  # the base signal's, 0..1
    size: float  # its size as a fraction of equity (the host default when it gives none)
    position: float  # the account's quantity on the symbol now (signed; 0 = flat)

    @property
    def is_entry(self) -> bool:
        return self.role == ENTRY


class TradeOutcome(NamedTuple):
    """One closed trade of the strategy's unenhanced arm."""

    symbol: str
    symbol_index: int
    side: int  # +1 long, -1 short
    entry_ts: int
    exit_ts: int
    entry_price: float
    exit_price: float
    quantity: float  # units, > 0
    pnl: float  # net of commission
    trade_return: float  # pnl / entry notional, a fraction
    won: bool
    confidence: float  # the entry signal's
    market: MarketContext  # as of the entry signal's bar
    exit_reason: str  # "signal", "stop_loss", "take_profit" or "end_of_data"


def _unit(name: str, value: Optional[float]) -> Optional[float]:
    if value is None:
        return None
    v = float(value)
    if math.isnan(v):
        raise ValueError(f"{name} is NaN")
    return min(1.0, max(0.0, v))


class EnhanceResult:
    """What ``enhance`` returns: the fields it changes (None leaves one as the strategy gave it).

    ``confidence`` and ``size`` are clamped to 0..1 (NaN is an error); ``reasoning`` is recorded
    with the trade, cut to the ABI's 255 bytes on a character boundary.
    """

    __slots__ = ("confidence", "size", "veto", "reasoning")

    def __init__(self, confidence: Optional[float] = None, size: Optional[float] = None, *, veto: bool = False,
                 reasoning: str = "") -> None:
        self.confidence = _unit("confidence", confidence)
        self.size = _unit("size", size)
        self.veto = bool(veto)
        self.reasoning = str(reasoning).encode("utf-8")[: REASONING_LEN - 1].decode("utf-8", "ignore")

    @classmethod
    def vetoed(cls, reasoning: str = "") -> "EnhanceResult":
        """Veto an entry (a resize or an exit is never vetoed)."""
        return cls(veto=True, reasoning=reasoning)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__ if getattr(self, k) not in (None, False, ""))
        return f"EnhanceResult({fields})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EnhanceResult):
            return NotImplemented
        return all(getattr(self, k) == getattr(other, k) for k in self.__slots__)


class Enhancer(_Plugin):
    """Base class of every Python enhancer (``self.params``, ``export_state``, ``import_state``:
    see :class:`algohost._plugin._Plugin`)."""

    def enhance(self, ctx: EnhanceContext) -> Optional[EnhanceResult]:
        """Judge one signal; None leaves it unchanged."""
        return None

    def learn(self, outcome: TradeOutcome) -> None:
        """One closed trade of the strategy's unenhanced arm, in close order."""
        return None
