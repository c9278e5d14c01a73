"""Import a real capture: read pcap/pcapng, pick a TCP conversation, infer both sides' states.

:mod:`.reader` turns a file into TCP segments and conversations (dpkt does the decoding);
:mod:`.observer` runs the shared core as a passive observer of each side and produces the same
typed trace as a simulated run, with notes where the capture cannot be explained; :mod:`.load`
puts the two together for ``tcpsim import``.
"""

from .load import ImportResult, import_capture, import_scenario
from .observer import DEFAULT_MSL, CaptureNote, Frame, Observation, Observer, observe
from .reader import Capture, CaptureError, Conversation, TcpPacket, conversations, read_capture

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
