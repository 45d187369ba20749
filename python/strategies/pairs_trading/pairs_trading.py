"""Pairs trading with a rolling least-squares hedge ratio.

Over the last ``lookback`` bars where both legs printed, regress log prices:
    log A_t = alpha + beta * log B_t + e_t      (ordinary least squares)
The spread is the residual e_t and its z-score is z_t = (e_t - mean(e)) / stdev(e) over the
window (sample standard deviation). Positions, as target fractions of equity, with
g = gross_exposure split so that the B leg is beta times the A leg in value:
    flat and  entry_z < z <= stop_z: short A (-g / (1 + |beta|)), long B (+g |beta| / (1 + |beta|))
                                                                                   "short_spread"
    flat and -stop_z <= z < -entry_z: long A, short B                              "long_spread"
    in a position and |z| > stop_z: both legs to 0                                 "stop"
    in a position and |z| < exit_z, or z has crossed zero (below 0 while short the spread,
        above 0 while long it): both legs to 0                                     "exit"
(A negative beta flips the sign of the B leg.) A spread already beyond stop_z is not entered: the
pair has broken down, and entering would only be stopped out on the next bar. Both legs are
always signalled in the same slice. The diagnostics are beta, z and the spread.

The state (the window of log prices, the position and the legs) is shaped by lookback, leg_a and
leg_b: a state exported with other values of them is refused (ValueError); the thresholds and
gross_exposure may differ.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from algohost import Signal, Strategy


def hedge_ratio(log_a: np.ndarray, log_b: np.ndarray):
    """OLS of log_a on log_b: (alpha, beta)."""
    x = log_b - log_b.mean()
    y = log_a - log_a.mean()
    sxx = float(x @ x)
    beta = float(x @ y) / sxx if sxx > 0 else 0.0
    alpha = float(log_a.mean() - beta * log_b.mean())
    return alpha, beta


class PairsTrading(Strategy):
    diagnostics = ("beta", "zscore", "spread")

    def __init__(self, params):
        super().__init__(params)
        p = self.params
        self.lookback = p.get_int("lookback")
        self.entry_z = p.get_float("entry_z")
        self.exit_z = p.get_float("exit_z")
        self.stop_z = p.get_float("stop_z")
        self.gross = p.get_float("gross_exposure")
        self.leg_names = (p.get_str("leg_a"), p.get_str("leg_b"))
        if self.exit_z >= self.entry_z:
            raise ValueError(f"exit_z ({self.exit_z}) must be below entry_z ({self.entry_z})")
        if self.stop_z <= self.entry_z:
            raise ValueError(f"stop_z ({self.stop_z}) must be above entry_z ({self.entry_z})")
        if self.leg_names[0] and self.leg_names[0] == self.leg_names[1]:
            raise ValueError(f"leg_a and leg_b are both '{self.leg_names[0]}': a pair needs two symbols")
        self.legs = None  # indexes into the slice, resolved on the first slice
        self.a = deque(maxlen=self.lookback)
        self.b = deque(maxlen=self.lookback)
        self.position = 0  # +1 long spread (long A, short B), -1 short spread, 0 flat

    def _resolve(self, slice):
        names = [n for n in self.leg_names]
        if len(slice.symbols) < 2:
            raise ValueError("pairs_trading needs two symbols; the data has " + str(len(slice.symbols)))
        if not names[0] and not names[1]:
            return 0, 1
        for n in names:
            if n and n not in slice.symbols:
                raise ValueError(f"leg '{n}' is not in the data (symbols: {', '.join(slice.symbols)})")
        a = slice.index(names[0]) if names[0] else next(i for i, s in enumerate(slice.symbols) if s != names[1])
        b = slice.index(names[1]) if names[1] else next(i for i, s in enumerate(slice.symbols) if i != a)
        return a, b

    def on_slice(self, slice):
        if self.legs is None:
            self.legs = self._resolve(slice)
        ia, ib = self.legs
        if not (slice.has_bar[ia] and slice.has_bar[ib]):
            return None  # both legs must print to compare them
        pa, pb = slice.bars[ia].close, slice.bars[ib].close
        if pa <= 0 or pb <= 0:
            return None
        self.a.append(np.log(pa))
        self.b.append(np.log(pb))
        if len(self.a) < self.lookback:
            return None
        la, lb = np.fromiter(self.a, float), np.fromiter(self.b, float)
        alpha, beta = hedge_ratio(la, lb)
        spread = la - alpha - beta * lb
        sd = spread.std(ddof=1)
        if not sd > 0:
            return None
        z = float((spread[-1] - spread.mean()) / sd)
        diag = (beta, z, float(spread[-1]))

        want, reason = self.position, ""
        if self.position == 0:
            if self.entry_z < z <= self.stop_z:
                want, reason = -1, "short_spread"
            elif -self.stop_z <= z < -self.entry_z:
                want, reason = 1, "long_spread"
        elif abs(z) > self.stop_z:
            want, reason = 0, "stop"
        elif abs(z) < self.exit_z or (self.position == 1 and z > 0) or (self.position == -1 and z < 0):
            want, reason = 0, "exit"
        if want == self.position:
            return None
        self.position = want
        w_a = self.gross / (1.0 + abs(beta))
        w_b = self.gross * abs(beta) / (1.0 + abs(beta))
        sign_b = 1.0 if beta >= 0 else -1.0
        confidence = min(1.0, abs(z) / (2.0 * self.entry_z)) if want else 1.0
        return [
            Signal.to_target(want * w_a, confidence, reason=reason, diag=diag, symbol=ia),
            Signal.to_target(-want * sign_b * w_b, confidence, reason=reason, diag=diag, symbol=ib),
        ]

    def _shape(self):
        """The parameters that shape the state."""
        return {"lookback": self.lookback, "leg_a": self.leg_names[0], "leg_b": self.leg_names[1]}

    def export_state(self):
        return {"a": list(self.a), "b": list(self.b), "position": self.position, "legs": self.legs,
                "params": self._shape()}

    def import_state(self, data: bytes, from_version=None) -> None:
        import json

        s = json.loads(data)
        for name, mine in self._shape().items():
            theirs = s["params"][name]
            if theirs != mine:
                raise ValueError(f"state: exported with {name}={theirs!r}, this instance has {name}={mine!r}")
        self.a.clear()
        self.a.extend(s["a"])
        self.b.clear()
        self.b.extend(s["b"])
        self.position = int(s["position"])
        self.legs = tuple(s["legs"]) if s["legs"] is not None else None
