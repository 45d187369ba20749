"""algohost Python SDK — write a trading strategy as one class.

A strategy subclasses :class:`Strategy` and answers bars with signals::

    from algohost import Strategy, Signal

    class Crossing(Strategy):
        diagnostics = ("level",)

        def __init__(self, params):
            super().__init__(params)
            self.level = self.params.get_float("level")

        def on_bar(self, bar):
            if bar.close > self.level:
                return Signal.buy(0.8, reason="above", diag=(self.level,))
            return None  # hold

An enhancer (a stage between a strategy's signals and the broker, like the built-in MEM stage)
subclasses :class:`Enhancer` and answers signals with an :class:`EnhanceResult` or None::

    from algohost import Enhancer, EnhanceResult

    class CalmOnly(Enhancer):
        def enhance(self, ctx):
            if ctx.is_entry and ctx.market.volatility > self.params.get_float("max_volatility"):
                return EnhanceResult.vetoed("too volatile")
            return None  # unchanged

Next to the module goes a ``manifest.json`` with ``implementation.language = "python"``,
``module`` (this file, relative to the manifest) and ``class_name``. The host (``algohost``)
loads it in its embedded interpreter; the same class runs in plain Python through
:mod:`algohost.testing` for tests. See docs/python.md.
"""

from algohost.enhancer import (
    ENTRY,
    EXIT,
    RESIZE,
    EnhanceContext,
    Enhancer,
    EnhanceResult,
    MarketContext,
    TradeOutcome,
)
from algohost.params import Params
from algohost.strategy import Strategy
from algohost.types import (
    API_VERSION,
    BUY,
    HOLD,
    SELL,
    TARGET,
    Bar,
    BatchSignals,
    Series,
    Signal,
    Slice,
)

__all__ = [
    "API_VERSION",
    "BUY",
    "ENTRY",
    "EXIT",
    "HOLD",
    "SELL",
    "TARGET",
    "Bar",
    "BatchSignals",
    "EnhanceContext",
    "EnhanceResult",
    "Enhancer",
    "MarketContext",
    "Params",
    "RESIZE",
    "Series",
    "Signal",
    "Slice",
    "Strategy",
    "TradeOutcome",
]
