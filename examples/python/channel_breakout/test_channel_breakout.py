"""The example's own test: plain Python, no host (run with Debian's pytest, PYTHONPATH=python)."""
import importlib.util
from pathlib import Path

from algohost.testing import bars_from_closes, run_bars

spec = importlib.util.spec_from_file_location("channel_breakout", Path(__file__).with_name("channel_breakout.py"))
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)


def test_breaks_out_above_the_channel():
    strategy = module.ChannelBreakout({"window": 3, "confidence": 0.8})
    signals = run_bars(strategy, bars_from_closes([10, 11, 10, 12, 9]))
    assert signals[:3] == [None, None, None]
    assert signals[3].action_name == "buy" and signals[3].stop_loss == 10  # above 11, stop at the low 10
    assert signals[4].action_name == "sell" and signals[4].diag == (12.0, 10.0)
