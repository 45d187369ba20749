"""The Strategy base class — the Python mirror of the C++ SDK's algohost::sdk::Strategy.

The host makes one instance per symbol for single-symbol strategies (manifest
``requirements.symbols = 1``) and one for all symbols otherwise, and calls it from one thread at
a time. What a strategy overrides decides how the host drives it:

* ``on_bar(bar)`` — single-symbol strategies, one call per bar, oldest first. Return a
  :class:`~algohost.types.Signal` or None (hold).
* ``on_slice(slice)`` — strategies that need several symbols at once (pairs, baskets). Return
  None, a Signal, or a list of Signals (each naming its symbol by index or name).
* ``on_batch(series)`` — vectorized single-symbol strategies: numpy arrays of a whole series in,
  one action per bar out (a :class:`~algohost.types.BatchSignals` or an array of actions). Signal
  i must depend only on bars i-L..i, where L is the class's ``lookback`` (or else the manifest's
  ``requirements.min_data_points``): the host may call it on consecutive parts of a series,
  handing each part the L bars before it, and drives it bar by bar the same way when it must.

An exception raised by any of these is logged with its traceback and counted, the signal is
skipped, and after ``max_consecutive_failures`` failures in a row (a host setting) the instance
is stopped; the host and the other strategies go on.

Hot swap: ``export_state()`` returns bytes, str or a JSON-serialisable value, and
``import_state(data: bytes, from_version=None)`` restores it, ``from_version`` being the version
that exported it (so that a newer version can migrate an older layout; a method without the
parameter is called without it). A strategy that overrides neither, or whose ``import_state``
raises NotImplementedError, is warmed up on recent bars instead. A vectorized strategy's state is
its lookback window, which the host replays: its export_state and import_state are not called.
"""

from __future__ import annotations

from typing import Any, ClassVar, List, Optional, Sequence, Union

from algohost._plugin import _Plugin
from algohost.types import Bar, Signal, Slice

SliceResult = Union[None, Signal, Sequence[Signal]]


class Strategy(_Plugin):
    """Base class of every Python strategy (``self.params``, ``export_state``, ``import_state``:
    see :class:`algohost._plugin._Plugin`)."""

    #: Names of the ``diag`` readings its signals carry (at most 4), shown by ``algohost signals``.
    diagnostics: ClassVar[Sequence[str]] = ()

    #: Bars of history a vectorized ``on_batch`` needs before the bar it signals on (None: the
    #: manifest's ``requirements.min_data_points``).
    lookback: ClassVar[Optional[int]] = None

    #: Set ``on_batch`` to a method in a subclass to make the strategy vectorized.
    on_batch: Any = None

    def on_bar(self, bar: Bar) -> Optional[Signal]:
        """One bar of this instance's symbol; return a Signal or None (hold)."""
        return None

    def on_slice(self, slice: Slice) -> SliceResult:
        """The bars of all symbols at one timestamp. Default: on_bar() for each new bar."""
        out: List[Signal] = []
        for i, has in enumerate(slice.has_bar):
            if not has:
                continue
            sig = self.on_bar(slice.bars[i])
            if sig is not None:
                sig.symbol = i
                out.append(sig)
        return out
