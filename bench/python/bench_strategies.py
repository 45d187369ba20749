"""Strategies for bench_python: a body that does nothing, a per-bar Wilder RSI in plain Python,
and a vectorized moving-average crossing in numpy."""
import numpy as np

from algohost import BUY, HOLD, SELL, BatchSignals, Signal, Strategy


class Noop(Strategy):
    def on_bar(self, bar):
        return None


class Rsi(Strategy):
    """Wilder RSI: buy when it crosses back above `oversold`, sell when back below `overbought`."""

    diagnostics = ("rsi",)

    def __init__(self, params=None):
        super().__init__(params or {"period": 14})
        self.period = int(self.params["period"])
        self.prev = None
        self.n = 0
        self.avg_gain = 0.0
        self.avg_loss = 0.0
        self.last_rsi = None

    def on_bar(self, bar):
        c = bar.close
        prev = self.prev
        self.prev = c
        if prev is None:
            return None
        change = c - prev
        gain = change if change > 0 else 0.0
        loss = -change if change < 0 else 0.0
        p = self.period
        self.n += 1
        if self.n <= p:
            self.avg_gain += gain / p
            self.avg_loss += loss / p
            if self.n < p:
                return None
        else:
            self.avg_gain = (self.avg_gain * (p - 1) + gain) / p
            self.avg_loss = (self.avg_loss * (p - 1) + loss) / p
        rsi = 100.0 if self.avg_loss == 0 else 100.0 - 100.0 / (1.0 + self.avg_gain / self.avg_loss)
        last = self.last_rsi
        self.last_rsi = rsi
        if last is not None:
            if last < 30.0 <= rsi:
                return Signal.buy(0.7, reason="oversold", diag=(rsi,))
            if last > 70.0 >= rsi:
                return Signal.sell(0.7, reason="overbought", diag=(rsi,))
        return None


class VecCross(Strategy):
    """Vectorized: close crossing its 200-bar simple moving average (signal i uses bars i-200..i)."""

    lookback = 201

    def on_batch(self, s):
        c = s.close
        w = 200
        csum = np.cumsum(c)
        sma = np.empty_like(c)
        sma[: w - 1] = np.nan
        sma[w - 1] = csum[w - 1] / w
        sma[w:] = (csum[w:] - csum[:-w]) / w
        above = c > sma
        cross_up = np.zeros(len(c), dtype=bool)
        cross_up[1:] = above[1:] & ~above[:-1]
        cross_dn = np.zeros(len(c), dtype=bool)
        cross_dn[1:] = ~above[1:] & above[:-1]
        cross_up[:w] = False
        cross_dn[:w] = False
        action = np.where(cross_up, BUY, np.where(cross_dn, SELL, HOLD)).astype(np.int8)
        return BatchSignals(action)


class VecLevel(Strategy):
    """Vectorized and nearly free: close crossing a fixed level (the host's ceiling for on_batch)."""

    def on_batch(self, s):
        above = s.close > 100.0
        action = np.zeros(len(above), dtype=np.int8)
        action[1:][above[1:] & ~above[:-1]] = BUY
        action[1:][~above[1:] & above[:-1]] = SELL
        return action
