#!/usr/bin/env python3
"""Regenerates sample.csv: three years of daily bars for two correlated symbols (seeded, so the
file is the same on every run). Geometric Brownian motion with switching drift/volatility
regimes; intraday range and volume scale with the day's move. Standard library only."""
import datetime
import math
import random

rng = random.Random(20261124)
symbols = {"ALPHA": 100.0, "BRAVO": 50.0}
regimes = [(0.0006, 0.010), (-0.0004, 0.018), (0.0, 0.007)]  # (daily drift, daily vol)
day = datetime.date(2022, 1, 3)
rows = []
regime = 0
prices = dict(symbols)
while len(rows) < 2 * 756:
    if day.weekday() < 5:
        if rng.random() < 0.02:
            regime = rng.randrange(len(regimes))
        drift, vol = regimes[regime]
        common = rng.gauss(0, 1)
        for sym in symbols:
            z = 0.7 * common + math.sqrt(1 - 0.49) * rng.gauss(0, 1)
            o = prices[sym] * math.exp(rng.gauss(0, vol / 4))
            c = o * math.exp(drift + vol * z)
            hi = max(o, c) * math.exp(abs(rng.gauss(0, vol / 2)))
            lo = min(o, c) * math.exp(-abs(rng.gauss(0, vol / 2)))
            v = int(1_000_000 * (1 + 20 * abs(math.log(c / o))) * math.exp(rng.gauss(0, 0.3)))
            rows.append((day.isoformat(), sym, o, hi, lo, c, v))
            prices[sym] = c
    day += datetime.timedelta(days=1)

with open("sample.csv", "w") as f:
    f.write("timestamp,symbol,open,high,low,close,volume\n")
    for d, s, o, h, l, c, v in rows:
        f.write(f"{d},{s},{o:.4f},{h:.4f},{l:.4f},{c:.4f},{v}\n")
