"""What a Strategy and an Enhancer have in common: typed parameters and state to carry over."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Union

from algohost.params import Params


class _Plugin:
    """Base of :class:`~algohost.Strategy` and :class:`~algohost.Enhancer` (not used directly)."""

    def __init__(self, params: Union[Params, Mapping[str, Any], str, None] = None) -> None:
        self.params = params if isinstance(params, Params) else Params(params)

    def export_state(self) -> Union[bytes, str, Any, None]:
        """State to carry over (None: nothing): into another version's instance on hot swap (a
        strategy), into the next run of the same strategy (an enhancer). A strategy that does not
        override it (and import_state) is warmed up on recent bars on hot swap instead."""
        return None

    def import_state(self, data: bytes, from_version: Optional[str] = None) -> None:
        """Restores what export_state() returned (as bytes; JSON text for non-bytes values).

        A strategy's override may take ``from_version``: the host then passes the semver text of
        the version that exported the state (on hot swap, possibly an older version whose layout
        it migrates). Raise NotImplementedError for a state it cannot import (the host warms the
        instance up on recent bars instead), any other exception for a bad state."""
        return None
