"""Cross-sectional carry trade.

Every ``rebalance_period`` bars (counted from the first slice) the symbols are ranked by their
carry as of their latest bar (ties broken by symbol order). The top ``n_long`` get a target of
+g/k, the bottom ``n_short`` -g/k, the rest 0, where g = gross_exposure and k = n_long + n_short
(a symbol is never both: with fewer than n_long + n_short symbols the short side gets what
remains). Only symbols whose target changes are signalled. Data without carry is an error.

The state is the slice count and the targets last signalled, which stay meaningful under any
parameters: an instance given a state exported with other parameters goes on from what was
signalled (the rebalance phase counted from the first slice), so a parameter change keeps it.
"""

from __future__ import annotations

from algohost import Signal, Strategy


class CarryTrade(Strategy):
    diagnostics = ("carry", "rank")

    def __init__(self, params):
        super().__init__(params)
        p = self.params
        self.rebalance = p.get_int("rebalance_period")
        self.n_long = p.get_int("n_long")
        self.n_short = p.get_int("n_short")
        self.gross = p.get_float("gross_exposure")
        self.count = 0
        self.targets = {}

    def targets_for(self, carry, started):
        """Target fraction per symbol index, from carries (only symbols that have started)."""
        ranked = sorted((i for i in range(len(carry)) if started[i]), key=lambda i: (-carry[i], i))
        n_long = min(self.n_long, len(ranked))
        n_short = min(self.n_short, len(ranked) - n_long)
        k = n_long + n_short
        out = {i: 0.0 for i in ranked}
        if k == 0:
            return out, ranked
        for i in ranked[:n_long]:
            out[i] = self.gross / k
        for i in ranked[len(ranked) - n_short:] if n_short else []:
            out[i] = -self.gross / k
        return out, ranked

    def on_slice(self, slice):
        if slice.carry is None:
            raise ValueError("carry_trade needs carry data: give the CSV a 'carry' column, or use --synthetic")
        started = [b is not None for b in slice.bars]
        due = self.count % self.rebalance == 0
        self.count += 1
        if not due:
            return None
        targets, ranked = self.targets_for(slice.carry, started)
        out = []
        for rank, i in enumerate(ranked):
            t = targets[i]
            if self.targets.get(i) == t:
                continue
            self.targets[i] = t
            out.append(Signal.to_target(t, 1.0, reason="rebalance", diag=(slice.carry[i], rank), symbol=i))
        return out

    def export_state(self):
        return {"count": self.count, "targets": {str(k): v for k, v in self.targets.items()}}

    def import_state(self, data: bytes, from_version=None) -> None:
        import json

        s = json.loads(data)
        self.count = int(s["count"])
        self.targets = {int(k): float(v) for k, v in s["targets"].items()}
