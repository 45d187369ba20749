"""regime_win_rate — the built-in Python enhancer: what worked in which market regime.

It learns the strategy's closed trades by (regime at entry, side) and judges each entry by the
win rate w of its own regime and side, once ``min_trades`` outcomes of it are known:

* w < ``min_win_rate``: veto;
* else confidence + (w - 0.5), and size x clamp(2 w, 0.5, 1.5).

Resizes and exits, and entries of a regime and side it knows too little of, pass unchanged.
"""

import json

from algohost import Enhancer, EnhanceResult


class RegimeWinRate(Enhancer):
    def __init__(self, params):
        super().__init__(params)
        self.min_trades = self.params.get_int("min_trades")
        self.min_win_rate = self.params.get_float("min_win_rate")
        self.seen = {}  # "regime/side" -> [outcomes, wins]

    @staticmethod
    def _key(regime, side):
        return f"{regime}/{'long' if side > 0 else 'short'}"

    def enhance(self, ctx):
        if not ctx.is_entry or not ctx.market.ready:
            return None
        key = self._key(ctx.market.regime, ctx.side)
        n, wins = self.seen.get(key, (0, 0))
        if n < self.min_trades:
            return None
        rate = wins / n
        if rate < self.min_win_rate:
            return EnhanceResult.vetoed(f"{key}: {wins}/{n} won ({rate:.2f} < {self.min_win_rate:.2f}): veto")
        scale = min(1.5, max(0.5, 2.0 * rate))
        return EnhanceResult(confidence=ctx.confidence + rate - 0.5, size=ctx.size * scale,
                             reasoning=f"{key}: {wins}/{n} won: conf {ctx.confidence:.2f} -> "
                                       f"{min(1.0, max(0.0, ctx.confidence + rate - 0.5)):.2f}, size x{scale:.2f}")

    def learn(self, outcome):
        if not outcome.market.ready:
            return
        counts = self.seen.setdefault(self._key(outcome.market.regime, outcome.side), [0, 0])
        counts[0] += 1
        counts[1] += 1 if outcome.won else 0

    def export_state(self):
        return {"seen": self.seen}

    def import_state(self, data):
        self.seen = {k: list(v) for k, v in json.loads(data)["seen"].items()}
