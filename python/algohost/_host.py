"""Helpers the host calls from its embedded interpreter (not part of the author-facing SDK).

``load_module`` imports a strategy module from a file under a name unique to the plugin version,
so two versions of one strategy (or two plugins with the same module file name) never clash;
the module is the only member of a synthetic package whose ``__path__`` is the plugin's folder,
so ``from . import helper`` finds the plugin's own files. ``describe_exception`` turns an
exception into a one-line "file:line: Type: message" (the line in the plugin's own code where
possible) and the full traceback text. ``state_calls`` tells which state calls a strategy object
makes (inspected once, when an instance is created).
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import sys
import traceback
import types
from typing import Optional, Tuple

from algohost._plugin import _Plugin

_PACKAGE = "_algohost_plugins"


def state_calls(obj: object) -> Tuple[bool, bool, bool]:
    """(overrides export_state, overrides import_state, import_state takes from_version=)."""
    cls = type(obj)
    exports = getattr(cls, "export_state", _Plugin.export_state) is not _Plugin.export_state
    imports = getattr(cls, "import_state", _Plugin.import_state) is not _Plugin.import_state
    takes_version = False
    if imports:
        try:
            inspect.signature(obj.import_state).bind(b"", from_version="")  # type: ignore[attr-defined]
            takes_version = True
        except (TypeError, ValueError):  # no such parameter, or no signature to inspect
            takes_version = False
    return exports, imports, takes_version


def _root() -> types.ModuleType:
    root = sys.modules.get(_PACKAGE)
    if root is None:
        root = types.ModuleType(_PACKAGE)
        root.__path__ = []  # type: ignore[attr-defined]
        sys.modules[_PACKAGE] = root
    return root


def load_module(path: str, unique: str) -> types.ModuleType:
    """Imports the module file ``path`` as ``_algohost_plugins.<unique>.<stem>``."""
    _root()
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.append(folder)
    pkg_name = f"{_PACKAGE}.{unique}"
    pkg = types.ModuleType(pkg_name)
    pkg.__path__ = [folder]  # type: ignore[attr-defined]
    pkg.__package__ = pkg_name
    sys.modules[pkg_name] = pkg
    stem = os.path.splitext(os.path.basename(path))[0]
    name = f"{pkg_name}.{stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}: not a Python module file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        del sys.modules[pkg_name]
        raise
    return module


def _where(exc: BaseException, prefer_dir: Optional[str]) -> Tuple[str, int]:
    if isinstance(exc, SyntaxError) and exc.filename:
        return exc.filename, exc.lineno or 0
    frames = traceback.extract_tb(exc.__traceback__)
    if prefer_dir:
        prefer = os.path.abspath(prefer_dir) + os.sep
        mine = [f for f in frames if os.path.abspath(f.filename).startswith(prefer)]
        if mine:
            return mine[-1].filename, mine[-1].lineno or 0
    if frames:
        return frames[-1].filename, frames[-1].lineno or 0
    return "", 0


def describe_exception(exc: BaseException, prefer_dir: Optional[str] = None) -> Tuple[str, str]:
    """("file:line: Type: message", full traceback text)."""
    file, line = _where(exc, prefer_dir)
    kind = type(exc).__name__
    msg = exc.msg if isinstance(exc, SyntaxError) and exc.msg else str(exc)
    head = f"{file}:{line}: " if file else ""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return f"{head}{kind}: {msg}", text
