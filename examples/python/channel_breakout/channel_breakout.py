"""Channel breakout, in Python: buy when the close breaks above the highest high of the previous
`window` bars, sell when it breaks below the lowest low; the stop goes at the other side of the
channel. The worked example of docs/python.md."""
from collections import deque

from algohost import Signal, Strategy


class ChannelBreakout(Strategy):
    diagnostics = ("upper", "lower")

    def __init__(self, params):
        super().__init__(params)
        self.window = self.params.get_int("window")
        self.confidence = self.params.get_float("confidence")
        self.highs = deque(maxlen=self.window)
        self.lows = deque(maxlen=self.window)

    def on_bar(self, bar):
        signal = None
        if len(self.highs) == self.window:
            upper, lower = max(self.highs), min(self.lows)
            if bar.close > upper:
                signal = Signal.buy(self.confidence, reason="breakout_up", stop_loss=lower, diag=(upper, lower))
            elif bar.close < lower:
                signal = Signal.sell(self.confidence, reason="breakout_down", stop_loss=upper, diag=(upper, lower))
        self.highs.append(bar.high)
        self.lows.append(bar.low)
        return signal

    # Hot swap: the channel travels to the next version's instance.
    def export_state(self):
        return {"highs": list(self.highs), "lows": list(self.lows)}

    def import_state(self, data):
        import json

        state = json.loads(data)
        self.highs.extend(state["highs"])
        self.lows.extend(state["lows"])
