"""Import a real capture: read pcap/pcapng, pick a TCP conversation, infer both sides' states.

:mod:`.reader` turns a file into TCP segments and conversations (:mod:`.files` walks its records,
:mod:`.decode` decodes each frame);
:mod:`.observer` runs the shared core as a passive observer of each side and produces the same
typed trace as a simulated run, with notes where the capture cannot be explained; :mod:`.load`
puts the two together for ``tcpsim import``.

The names below are loaded on first use (PEP 562), not when the package is imported: every
start of ``tcpsim`` imports :mod:`.options` for the ``import`` command's parser, and must not
pay for the observer and the reader to build it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .load import ImportResult, import_capture, import_scenario
    from .notes import DEFAULT_MSL, CaptureNote
    from .observer import Frame, Observation, Observer, observe
    from .reader import Capture, CaptureError, Conversation, TcpPacket, conversations, read_capture

_SOURCES: dict[str, str] = {
    "ImportResult": "load",
    "import_capture": "load",
    "import_scenario": "load",
    "DEFAULT_MSL": "notes",
    "CaptureNote": "notes",
    "Frame": "observer",
    "Observation": "observer",
    "Observer": "observer",
    "observe": "observer",
    "Capture": "reader",
    "CaptureError": "reader",
    "Conversation": "reader",
    "TcpPacket": "reader",
    "conversations": "reader",
    "read_capture": "reader",
}
"""Each public name and the submodule that defines it."""

__all__ = [
    "DEFAULT_MSL",
    "Capture",
    "CaptureError",
    "CaptureNote",
    "Conversation",
    "Frame",
    "ImportResult",
    "Observation",
    "Observer",
    "TcpPacket",
    "conversations",
    "import_capture",
    "import_scenario",
    "observe",
    "read_capture",
]


def __getattr__(name: str) -> Any:
    """``tcpsim.capture.X``: import X's submodule now, and keep X here for the next lookup."""
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{source}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
