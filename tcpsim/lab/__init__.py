"""The TIME-WAIT lab: many short connections between two hosts, on the same core as the rest.

The names below come from :mod:`.engine`, loaded on first use (PEP 562) rather than with the
package: every start of ``tcpsim`` imports :mod:`.options` to build the ``load`` command's parser,
and should not load the engine to do so.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import (
        DEFAULT_PORTS,
        EADDRNOTAVAIL,
        LoadConfig,
        LoadLab,
        Sample,
        Summary,
        Theory,
        theory,
    )

__all__ = ["DEFAULT_PORTS", "EADDRNOTAVAIL", "LoadConfig", "LoadLab", "Sample", "Summary", "Theory", "theory"]


def __getattr__(name: str) -> Any:
    """``tcpsim.lab.X``: import the engine now, and keep X here for the next lookup."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.engine"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
