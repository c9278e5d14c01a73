"""Import a real capture: read pcap/pcapng, pick a TCP conversation, infer both sides' states.

The modules, in the order the data goes through them:

- :mod:`.files` walks a file's records (pcap or pcapng), checking every length it claims;
- :mod:`.decode` decodes one frame down to its TCP segment (link layer, IPv4/IPv6, TCP);
- :mod:`.reader` reads the file into conversations, noting what it cannot decode;
- :mod:`.window` hands the observer one conversation's packets with a bounded look ahead;
- :mod:`.observer` runs the shared core as a passive observer of each side and produces the same
  typed trace as a simulated run, with notes where the capture cannot be explained; it explains
  what each side sends with :mod:`.explain` and decides when segments arrive with :mod:`.arrival`
  (copies of endpoints for its dry runs: :mod:`.clone`);
- :mod:`.observation` is what the observer hands back; :mod:`.load` puts them together for
  ``tcpsim import``; :mod:`.session` replays an import in the app.

The names below are loaded on first use (PEP 562), not when the package is imported: every
start of ``tcpsim`` imports :mod:`.options` for the ``import`` command's parser, and must not
pay for the observer and the reader to build it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .load import ImportResult, import_capture, import_scenario, several_conversations
    from .notes import DEFAULT_MSL, CaptureNote
    from .observation import Frame, Observation
    from .observer import Observer, observe
    from .reader import Capture, CaptureError, Conversation, TcpPacket, conversations, read_capture

_SOURCES: dict[str, str] = {
    "ImportResult": "load",
    "import_capture": "load",
    "import_scenario": "load",
    "several_conversations": "load",
    "DEFAULT_MSL": "notes",
    "CaptureNote": "notes",
    "Frame": "observation",
    "Observation": "observation",
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
    "several_conversations",
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
