"""``tcpsim import`` without the printing: read the file, choose the conversation, observe it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..core.names import endpoint_name
from ..scenario.model import EndpointSpec, NetworkSpec, Scenario, Step
from ..sim.trace import CallEvent
from .notes import DEFAULT_MSL
from .observer import Observation, observe
from .reader import Capture, CaptureError, Conversation, endpoint_text, read_capture


@dataclass(slots=True)
class ImportResult:
    """One conversation of a capture file, observed."""

    capture: Capture
    conversations: list[Conversation]
    stream: int
    observation: Observation
    scenario: Scenario
    """A scenario describing the import (names, addresses, ports, MSL, the inferred calls as steps):
    what the UI and the exporters take."""

    @property
    def conversation(self) -> Conversation:
        return self.conversations[self.stream]


def import_capture(
    path: str | os.PathLike[str], stream: int | None = None, msl: float = DEFAULT_MSL, *, frames: bool = True
) -> ImportResult:
    """Read ``path`` and observe its conversation number ``stream`` (0-based; None: the first);
    ``frames``: keep both sides after every packet, for stepping through it in the app.

    Raises :class:`CaptureError` for a file that cannot be read, holds no TCP connection, or has no
    such stream.
    """
    index = 0 if stream is None else stream
    capture = read_capture(path, index)
    convs = capture.conversations
    if not 0 <= index < len(convs):
        raise CaptureError(
            f"{capture.path}: there is no stream {index}: the capture has {len(convs)} TCP conversation"
            f"{'s' if len(convs) != 1 else ''} (0 to {len(convs) - 1})"
        )
    observation = observe(convs[index], msl, capture.notes, capture.unnoted, frames=frames)
    return ImportResult(capture, convs, index, observation, import_scenario(capture.path, index, observation))


def import_scenario(path: Path, stream: int, observation: Observation) -> Scenario:
    """The scenario an import stands for: its endpoints, and the calls inferred, as steps."""
    roles = observation.roles
    steps = tuple(
        Step(index=i, at=e.t, on=endpoint_name(e.endpoint), do=e.call, data=e.data, note=e.note)
        for i, e in enumerate((e for e in observation.trace if isinstance(e, CallEvent)), start=1)
    )
    packets = len(observation.conversation.packets)
    client, server = endpoint_text(roles["client"]), endpoint_text(roles["server"])
    notes = len(observation.notes)
    return Scenario(
        name=f"{path.name}, stream {stream}",
        path=None,
        network=NetworkSpec(latency=0.0, msl=observation.msl),
        client=EndpointSpec(port=roles["client"][1], address=roles["client"][0]),
        server=EndpointSpec(port=roles["server"][1], address=roles["server"][0]),
        steps=steps,
        summary=(
            f"Imported from {path.name}: {client} to {server}, {packets} packets. A record: step, rewind and "
            "play through it; OPEN, SEND, CLOSE and faults are off."
        ),
        description=(
            f"A real capture, {path}, stream {stream}: the client {client} and the server {server}, "
            f"{packets} packets over {observation.end_time:.6f} s. Each side's state is inferred by running the "
            "RFC 9293 state machine on what it sends and receives: a SYN is an OPEN, data a SEND, a FIN a CLOSE. "
            f"{notes} note{'s' if notes != 1 else ''} on the timeline mark what the state machine cannot explain. "
            "Times are seconds since the first packet."
        ),
    )
