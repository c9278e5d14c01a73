"""The TIME-WAIT lab: many short connections between two hosts, on the same core as the rest.

The names below come from :mod:`.model` and :mod:`.engine`, loaded on first use (PEP 562) rather
than with the package: every start of ``tcpsim`` imports :mod:`.options` to build the ``load``
command's parser, and should not load the engine to do so.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import LoadLab
    from .model import DEFAULT_PORTS, EADDRNOTAVAIL, LoadConfig, Sample, Summary, Theory, theory

__all__ = ["DEFAULT_PORTS", "EADDRNOTAVAIL", "LoadConfig", "LoadLab", "Sample", "Summary", "Theory", "theory"]


def __getattr__(name: str) -> Any:
    """``tcpsim.lab.X``: import its module now, and keep X here for the next lookup."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = "engine" if name == "LoadLab" else "model"
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
