"""The capture import's small shared definitions: its trace notes and its default MSL.

They live apart from :mod:`.observer` (which loads the whole core) and :mod:`.reader` so that
what only needs them does not load those: the timeline draws :class:`CaptureNote` rows and the
``import`` command's parser shows :data:`DEFAULT_MSL`, on every start of ``tcpsim``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..sim.trace import NoteEvent

DEFAULT_MSL = 30.0
"""Linux waits 60 s in TIME-WAIT whatever the path; 2·MSL with MSL = 30 s is the same."""


@dataclass(slots=True, unsafe_hash=True)
class CaptureNote(NoteEvent):
    """What the observer could not explain, or had to assume, about a capture.

    ``kind``: ``start`` (the capture begins mid-connection), ``unexplained`` (a segment the
    inferred state does not allow), ``gap`` (bytes missing from the capture), ``lost`` (taken as
    lost on the way), ``late`` (arrived late), ``missing`` (a segment the model would send is not
    in the capture), ``time-wait`` (TIME-WAIT ended before 2·MSL), ``projection`` (what
    happens after the capture ends), ``capture`` (a frame of the file left out or read with an
    assumption: not decodable, malformed options) and ``time`` (a packet stamped before the one
    before it).
    """

    endpoint: str | None = None
    kind: str = "note"

    def _fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"text": self.text, "kind": self.kind}
        if self.endpoint is not None:
            fields["endpoint"] = self.endpoint
        return fields


__all__ = ["DEFAULT_MSL", "CaptureNote"]
