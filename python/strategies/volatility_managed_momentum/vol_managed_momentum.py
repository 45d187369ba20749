"""Volatility-managed momentum (Barroso and Santa-Clara, "Momentum Has Its Moments", JFE 2015).

Per symbol, on daily bars:

* momentum  m_t = close[t - skip] / close[t - lookback] - 1  (12-1 momentum with the defaults:
  the return from twelve months ago to one month ago, skipping the last month's reversal);
* realized volatility  sigma_t = stdev(log returns over the last volatility_lookback bars) * sqrt(252)
  (sample standard deviation);
* weight  w_t = min(max_weight, target_volatility / sigma_t)  when m_t > 0, else 0 (long only: the
  manifest allows no short selling).

Every rebalance_period bars (monthly by default) it asks for a target position of w_t of equity:
on the bars numbered 1, 1 + R, 1 + 2R, ... counted from the first bar it sees (R =
rebalance_period), from the first of them that has momentum_lookback + 1 closes and
volatility_lookback log returns (the 253rd bar with the defaults). The confidence is the
momentum's size in units of volatility, |m_t| / sigma_t, capped at 1.

sigma_t is computed afresh from the window at each rebalance (two-pass, not running sums), so it
is exact to rounding and depends only on the window: an instance restored by import_state()
continues with exactly the signals the original would have given. The state is shaped by
momentum_lookback and volatility_lookback: a state exported with other values of them is refused
(ValueError); the other parameters may differ.
"""

from __future__ import annotations

import math
from collections import deque

from algohost import Signal, Strategy


class VolatilityManagedMomentum(Strategy):
    diagnostics = ("momentum", "volatility", "weight")

    def __init__(self, params):
        super().__init__(params)
        p = self.params
        self.lookback = p.get_int("momentum_lookback")
        self.skip = p.get_int("skip_period")
        self.vol_lookback = p.get_int("volatility_lookback")
        self.target_vol = p.get_float("target_volatility")
        self.rebalance = p.get_int("rebalance_period")
        self.max_weight = p.get_float("max_weight")
        if self.skip >= self.lookback:
            raise ValueError(f"skip_period ({self.skip}) must be below momentum_lookback ({self.lookback})")
        self.closes = deque(maxlen=max(self.lookback, self.vol_lookback) + 1)
        self.returns = deque(maxlen=self.vol_lookback)
        self.bars = 0

    def realized_volatility(self) -> float:
        """Sample standard deviation of the log returns in the window, annualized (sqrt(252))."""
        n = len(self.returns)
        if n < 2:
            return float("nan")
        mean = math.fsum(self.returns) / n
        var = math.fsum((r - mean) ** 2 for r in self.returns) / (n - 1)
        return math.sqrt(var) * math.sqrt(252.0)

    def on_bar(self, bar):
        if self.closes and self.closes[-1] > 0 and bar.close > 0:
            self.returns.append(math.log(bar.close / self.closes[-1]))
        self.closes.append(bar.close)
        self.bars += 1
        if len(self.closes) <= self.lookback or len(self.returns) < self.vol_lookback:
            return None  # not enough history yet
        if (self.bars - 1) % self.rebalance != 0:
            return None
        past = self.closes[-1 - self.lookback]
        recent = self.closes[-1 - self.skip]
        if past <= 0:
            return None
        momentum = recent / past - 1.0
        vol = self.realized_volatility()
        if not vol > 0:
            return None
        weight = min(self.max_weight, self.target_vol / vol) if momentum > 0 else 0.0
        confidence = min(1.0, abs(momentum) / vol)
        return Signal.to_target(weight, confidence, reason="rebalance", diag=(momentum, vol, weight))

    def _shape(self):
        """The parameters that shape the state."""
        return {"momentum_lookback": self.lookback, "volatility_lookback": self.vol_lookback}

    def export_state(self):
        return {"closes": list(self.closes), "returns": list(self.returns), "bars": self.bars,
                "params": self._shape()}

    def import_state(self, data: bytes, from_version=None) -> None:
        import json

        state = json.loads(data)
        for name, mine in self._shape().items():
            theirs = state["params"][name]
            if theirs != mine:
                raise ValueError(f"state: exported with {name}={theirs}, this instance has {name}={mine}")
        self.closes.clear()
        self.closes.extend(state["closes"])
        self.returns.clear()
        self.returns.extend(float(r) for r in state["returns"])
        self.bars = int(state["bars"])
