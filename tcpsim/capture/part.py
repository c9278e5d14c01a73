"""One conversation of a whole-capture census, imported to be stepped through in the app.

The census (:mod:`.census`) numbers conversations as connections: a 4-tuple used again after its
connection ended is a new conversation, where the reader (:mod:`.reader`) keeps one per 4-tuple. So
a census row is found again by its two ends and its first and last packet: the file is read up to
that last packet, the packets between the two ends in that range are kept, and they are observed
as ``tcpsim import`` observes a conversation (:func:`.load.import_capture`), a snapshot after every
packet, within the app's limits.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..i18n import _
from ..sim.trace import CallEvent
from .files import CaptureError, CaptureFile
from .load import APP_BYTES, APP_PACKETS, ImportResult, import_scenario
from .notes import DEFAULT_MSL
from .observer import Observer, merged
from .reader import MAX_CAPTURE_BYTES, Capture, Conversation, TcpPacket, decode_frame


def import_part(
    path: str | os.PathLike[str],
    ends: tuple[tuple[str, int], tuple[str, int]],
    frames: tuple[int, int],
    ident: int,
    msl: float = DEFAULT_MSL,
    *,
    stack: str = "rfc9293",
) -> ImportResult:
    """The conversation between ``ends`` (each an address and a port) whose packets are the file's
    frames ``frames`` (first, last: 1-based, inclusive), observed as conversation ``ident``.

    Raises :class:`CaptureError` for a file that cannot be read, one with no such packets (it changed
    since the census), or a conversation longer than the app steps through."""
    first, last = frames
    source = CaptureFile(path, MAX_CAPTURE_BYTES)
    capture = Capture(source.path, source.format, source.link_types, 0, [])
    packets: list[TcpPacket] = []
    kept = 0
    wanted = set(ends)
    try:
        for record in source.records():
            if record.number < first:
                continue
            if record.number > last:
                break
            capture.frames = record.number
            packet = decode_frame(record, capture)
            if packet is None or packet.source not in wanted or packet.destination not in wanted:
                continue
            packets.append(packet)
            kept += len(packet.segment.data)
            if len(packets) > APP_PACKETS or kept > APP_BYTES:
                raise CaptureError(
                    _(
                        "{path}: conversation {ident} has more than {limit} packets or {limit2} MiB of payload, "
                        "more than the app steps through; print it instead (tcpsim import FILE --all --format "
                        "jsonl, or cut it out with tcpdump -r FILE -w SMALL 'port N')"
                    ).format(path=source.name, ident=ident, limit=f"{APP_PACKETS:,}", limit2=APP_BYTES >> 20)
                )
    finally:
        source.close()
    if not packets:
        raise CaptureError(
            _("{path}: conversation {ident} is not where the census found it (packets {first} to {last})").format(
                path=source.name, ident=ident, first=first, last=last
            )
        )
    conv = Conversation(ident, packets[0].source, packets[0].destination, packets)
    capture.packets = packets
    capture.conversations = [conv]
    capture.first_ns = packets[0].time_ns
    observation = Observer(conv, msl, merged(packets, capture.notes), capture.unnoted, frames=True, stack=stack).run()
    calls = [e for e in observation.trace if isinstance(e, CallEvent)]
    scenario = import_scenario(Path(source.path), ident, observation.roles, msl, calls, observation, stack)
    return ImportResult(capture, [conv], 0, scenario, observation)
