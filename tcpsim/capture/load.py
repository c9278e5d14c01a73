"""``tcpsim import`` without the printing: read the file, choose the conversation, observe it.

Two ways. :func:`import_capture` keeps the chosen conversation's packets and the whole trace, with
a snapshot of both sides after every packet: what the app steps through. With ``streaming=True``
the file is read twice instead, once to count its conversations and once for the chosen one's
packets, and :meth:`ImportResult.records` hands each trace record out as soon as it is final:
what the printed formats write, in memory that does not grow with the capture.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..core.names import endpoint_name
from ..i18n import ngettext
from ..scenario.model import EndpointSpec, NetworkSpec, Scenario, Step
from ..sim.trace import CallEvent, TraceEvent
from .notes import DEFAULT_MSL
from .observer import Observation, Observer, merged
from .reader import Capture, CaptureError, CaptureReader, Conversation, endpoint_text

APP_PACKETS = 100_000
"""The most packets of one conversation the app steps through: it keeps both sides after every
packet (about 3 KB a packet, measured: 100,000 packets take about 300 MB). The printed formats
stream, and have no such limit."""
APP_BYTES = 128 << 20
"""…and the most payload bytes: a capture cut by a snap length claims up to 64 KiB a packet, which
the app would hold (the printed formats hold none of it)."""


@dataclass(slots=True)
class ImportResult:
    """One conversation of a capture file, observed (or, streaming, being observed)."""

    capture: Capture
    conversations: list[Conversation]
    stream: int
    scenario: Scenario
    """A scenario describing the import (names, addresses, ports, MSL, the inferred calls as steps):
    what the UI and the exporters take. Streaming, it has no steps (they are in the records)."""
    _observation: Observation | None = None
    _pending: Iterator[TraceEvent] | None = field(default=None, repr=False)

    @property
    def conversation(self) -> Conversation:
        return self.conversations[self.stream]

    @property
    def roles(self) -> dict[str, tuple[str, int]]:
        """The client's and the server's (address, port)."""
        client, server = self.scenario.client, self.scenario.server
        return {"client": (client.address or "", client.port), "server": (server.address or "", server.port)}

    @property
    def observation(self) -> Observation:
        """What the observers made of the conversation (streaming: once :meth:`records` is read)."""
        if self._observation is None:
            raise RuntimeError("the observation is complete only once its records have been read")
        return self._observation

    def records(self) -> Iterator[TraceEvent]:
        """The trace, in order: handed out as the observer goes when streaming (once only)."""
        if self._pending is None:
            return iter(self.observation.trace)
        pending, self._pending = self._pending, None
        return pending


def several_conversations(path: str | os.PathLike[str]) -> bool:
    """Whether the capture holds more than one TCP conversation, read only as far as its second.

    ``tcpsim import FILE`` and the app's open ask it first: several conversations open their census,
    which reads the file itself, and one opens in the two-endpoint view. Importing the first
    conversation to find out would read a big capture once for nothing, and would refuse one whose
    first conversation is over the app's limit (:data:`APP_PACKETS`) though its census can be shown.
    Raises :class:`CaptureError` as :func:`import_capture` does for a file it cannot read, or that
    holds no TCP connection."""
    with CaptureReader(path, -1, enough=2) as reader:
        return len(reader.capture.conversations) > 1


def import_capture(
    path: str | os.PathLike[str],
    stream: int | None = None,
    msl: float = DEFAULT_MSL,
    *,
    frames: bool = True,
    streaming: bool = False,
    stack: str = "rfc9293",
) -> ImportResult:
    """Read ``path`` and observe its conversation number ``stream`` (0-based; None: the first);
    ``frames``: keep both sides after every packet, for stepping through it in the app;
    ``streaming``: keep nothing, and observe as :meth:`ImportResult.records` is read; ``stack``:
    the stack personality the observers behave as (``tcpsim import --stack``).

    Raises :class:`CaptureError` for a file that cannot be read, holds no TCP connection, or has no
    such stream (streaming, all before any record).
    """
    index = 0 if stream is None else stream
    reader = CaptureReader(
        path, -1 if streaming else index, (APP_PACKETS, APP_BYTES) if frames and not streaming else None
    )
    try:
        capture = reader.capture
        convs = capture.conversations
        if not 0 <= index < len(convs):
            raise CaptureError(
                ngettext(
                    "{path}: there is no stream {index}: the capture has {n} TCP conversation (0 to {last})",
                    "{path}: there is no stream {index}: the capture has {n} TCP conversations (0 to {last})",
                    len(convs),
                ).format(path=capture.path, index=index, n=len(convs), last=len(convs) - 1)
            )
        conv = convs[index]
        if not streaming:
            items = merged(conv.packets, capture.notes)
            observation = Observer(conv, msl, items, capture.unnoted, frames=frames, stack=stack).run()
            calls = [e for e in observation.trace if isinstance(e, CallEvent)]
            scenario = import_scenario(capture.path, index, observation.roles, msl, calls, observation, stack)
            return ImportResult(capture, convs, index, scenario, observation)
        observer = Observer(conv, msl, reader.items(index), capture.unnoted, frames=False, stack=stack)
    except BaseException:
        reader.close()
        raise
    scenario = import_scenario(capture.path, index, observer.roles, msl, (), None, stack)
    result = ImportResult(capture, convs, index, scenario)
    result._pending = _observing(result, observer, reader)
    return result


def observe_as(result: ImportResult, stack: str) -> ImportResult:
    """The same conversation observed again by observers that behave as ``stack`` (what the app's
    stack key does to a capture: ``tcpsim import --stack`` without reading the file again). Only
    for a result that kept its packets (not streaming). ValueError for an unknown stack."""
    observation = result.observation
    capture, conv = result.capture, result.conversation
    items = merged(conv.packets, capture.notes)
    again = Observer(conv, observation.msl, items, capture.unnoted, frames=True, stack=stack).run()
    calls = [e for e in again.trace if isinstance(e, CallEvent)]
    scenario = import_scenario(capture.path, conv.index, again.roles, again.msl, calls, again, stack)
    return ImportResult(capture, result.conversations, result.stream, scenario, again)


def _observing(result: ImportResult, observer: Observer, reader: CaptureReader) -> Iterator[TraceEvent]:
    try:
        yield from observer.records()
        result._observation = observer.observation
    finally:
        reader.close()


def import_scenario(
    path: Path,
    stream: int,
    roles: dict[str, tuple[str, int]],
    msl: float,
    calls: Iterable[CallEvent],
    observation: Observation | None,
    stack: str = "rfc9293",
) -> Scenario:
    """The scenario an import stands for: its endpoints, and the calls inferred, as steps (the
    observation, when there is one yet, for its figures)."""
    steps = tuple(
        Step(index=i, at=e.t, on=endpoint_name(e.endpoint), do=e.call, data=e.data, note=e.note)
        for i, e in enumerate(calls, start=1)
    )
    client, server = endpoint_text(roles["client"]), endpoint_text(roles["server"])
    if observation is not None:
        packets, notes = observation.packets, observation.note_count
        figures = (
            f"{packets} packet{'s' if packets != 1 else ''} over {observation.end_time:.6f} s. "
            "Each side's state is inferred by running the RFC 9293 state machine on what it sends and receives: "
            "a SYN is an OPEN, data a SEND, a FIN a CLOSE. "
            f"{notes} note{'s' if notes != 1 else ''} on the timeline mark what the state machine cannot explain. "
        )
        summary_packets = f", {packets} packet{'s' if packets != 1 else ''}"
    else:
        figures = "Each side's state is inferred by running the RFC 9293 state machine on what it sends and receives. "
        summary_packets = ""
    return Scenario(
        name=f"{path.name}, stream {stream}",
        path=None,
        network=NetworkSpec(latency=0.0, msl=msl, stack=stack),
        client=EndpointSpec(port=roles["client"][1], address=roles["client"][0]),
        server=EndpointSpec(port=roles["server"][1], address=roles["server"][0]),
        steps=steps,
        summary=(
            f"Imported from {path.name}: {client} to {server}{summary_packets}. A record: step, rewind and "
            "play through it; OPEN, SEND, CLOSE and faults are off."
        ),
        description=(
            f"A real capture, {path}, stream {stream}: the client {client} and the server {server}, "
            f"{figures}Times are seconds since the first packet."
        ),
    )
