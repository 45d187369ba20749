"""Typed access to a strategy's parameters.

The host resolves every parameter of the manifest (defaults overlaid by ``--param`` values,
checked against type, min and max) before it constructs the strategy, and passes them as a
:class:`Params`. Read them with the typed getters, by key or by attribute.
"""

from __future__ import annotations

import json
import math
import numbers
from typing import Any, Iterator, Mapping, Optional, Union


class Params(Mapping[str, Any]):
    """A read-only mapping of parameter name to value, with typed getters."""

    def __init__(self, values: Optional[Union[Mapping[str, Any], str]] = None) -> None:
        if isinstance(values, str):
            values = json.loads(values)
            if not isinstance(values, dict):
                raise TypeError(f"parameters as JSON text must be an object, not {type(values).__name__}")
        self._values = dict(values or {})

    def __getitem__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise KeyError(f"no parameter '{name}' (have: {', '.join(sorted(self._values)) or 'none'})") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError as e:
            raise AttributeError(str(e)) from None

    def get_int(self, name: str) -> int:
        v = self[name]
        # numbers.Real also takes numpy scalars; a NaN or an infinity is no integer either (and
        # int() of one would raise an error that does not name the parameter).
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v) or int(v) != v:
            raise TypeError(f"parameter '{name}' is {v!r}, not an integer")
        return int(v)

    def get_float(self, name: str) -> float:
        v = self[name]
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"parameter '{name}' is {v!r}, not a number")
        return float(v)

    def get_bool(self, name: str) -> bool:
        v = self[name]
        if not isinstance(v, bool):
            raise TypeError(f"parameter '{name}' is {v!r}, not a boolean")
        return v

    def get_str(self, name: str) -> str:
        v = self[name]
        if not isinstance(v, str):
            raise TypeError(f"parameter '{name}' is {v!r}, not a string")
        return v

    def to_dict(self) -> dict:
        return dict(self._values)

    def __repr__(self) -> str:
        return f"Params({self._values!r})"
