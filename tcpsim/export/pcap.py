"""Write a trace as a pcap file: every segment a real IPv4/TCP packet that Wireshark decodes.

Packets are built and written with dpkt (small and quick to import; see the README). The link
type is raw IPv4 (LINKTYPE_RAW): tcpsim simulates no link layer, so it invents no MAC addresses.
Each packet has the segment's ports, sequence and acknowledgment numbers, flags, window and
payload, TTL 64 and Don't Fragment as Linux sends them, and valid IP and TCP checksums. The IP ID
is the trace's segment id (``#7`` in the ladder is ``ip.id == 7`` in Wireshark), so it goes up
by one per transmission. Timestamps are the simulated clock from a fixed epoch,
2026-01-01T00:00:00Z, so that Wireshark shows sane dates and the same run gives the same file.
"""

from __future__ import annotations

import io
import os
import socket
import struct
from collections.abc import Iterable
from typing import Any, BinaryIO

from ..core.segment import Segment
from ..files import PathLike, WriteError, write_atomically
from ..scenario.load import MAX_SEGMENT_DATA
from ..scenario.model import Scenario
from ..sim.trace import TraceEvent
from .capture import Packet, addresses, captured

# dpkt is imported where a packet is built or a file written, not here: its package loads 70-odd
# protocol modules (~20 ms), which nothing that merely imports the exporters (`from tcpsim.export
# import ...`) should pay for, least of all the start of the app, which writes a pcap only on `p`.

EPOCH = 1_767_225_600
"""2026-01-01T00:00:00Z as a Unix time: simulated t = 0 in the pcap."""
LINKTYPE_RAW = 101
"""Raw IPv4/IPv6, no link-layer header (the pcap value; dpkt's DLT_RAW is the BSD header value)."""
TTL = 64
SNAPLEN = 65535
MAX_PAYLOAD = MAX_SEGMENT_DATA
"""The most data one IPv4 packet with tcpsim's option-less headers can carry (its total length is 16 bits)."""


class PcapError(WriteError):
    """The pcap was not written because a segment cannot be a packet (the file is untouched)."""


def packet_bytes(seg: Segment, src: str, dst: str, ip_id: int = 0) -> bytes:
    """One segment as the bytes of an IPv4 packet with its TCP header, checksums filled in.

    Raises :class:`ValueError` for a segment no IPv4 packet can carry (more than
    :data:`MAX_PAYLOAD` bytes of data) or an address or field that does not fit.
    """
    import dpkt

    if len(seg.data) > MAX_PAYLOAD:
        raise ValueError(
            f"it carries {len(seg.data):,} bytes of data, and an IPv4 packet holds at most {MAX_PAYLOAD:,} "
            "(65,535 with its headers)"
        )
    try:
        return _pack(dpkt, seg, src, dst, ip_id)
    except (dpkt.Error, struct.error, OSError, ValueError, TypeError, OverflowError) as exc:
        raise ValueError(f"it cannot be written as a packet ({exc})") from None


def _pack(dpkt: Any, seg: Segment, src: str, dst: str, ip_id: int) -> bytes:
    tcp = dpkt.tcp.TCP(
        sport=seg.sport,
        dport=seg.dport,
        seq=seg.seq,
        ack=seg.ack,
        flags=int(seg.flags),
        # tcpsim has no window scaling, and its windows fit in 16 bits; never write a wrong one.
        win=min(seg.wnd, 0xFFFF),
        data=seg.data,
    )
    ip = dpkt.ip.IP(
        src=socket.inet_aton(src),
        dst=socket.inet_aton(dst),
        p=dpkt.ip.IP_PROTO_TCP,
        ttl=TTL,
        id=ip_id & 0xFFFF,
        df=1,
        data=tcp,
    )
    return bytes(ip)  # packing fills in the total length and both checksums


def _timestamp(t: float) -> float:
    micros = round(t * 1_000_000)
    return EPOCH + micros // 1_000_000 + (micros % 1_000_000) / 1_000_000


def _write(packets: Iterable[Packet], addr: dict[str, str], out: BinaryIO) -> int:
    import dpkt

    writer = dpkt.pcap.Writer(out, snaplen=SNAPLEN, linktype=LINKTYPE_RAW)
    count = 0
    for p in packets:
        try:
            data = packet_bytes(p.send.segment, addr[p.sender], addr[p.receiver], p.send.id)
            writer.writepkt_time(data, _timestamp(p.t))
        except (ValueError, struct.error, OverflowError) as exc:  # struct.error: a time past 2106
            raise ValueError(f"segment #{p.send.id} (sent at t={p.send.t:g}): {exc}") from None
        count += 1
    return count


def pcap_bytes(trace: Iterable[TraceEvent], scenario: Scenario | None = None, capture_point: str = "sender") -> bytes:
    """The whole pcap file for a trace, in memory. Raises :class:`ValueError` for an unknown capture
    point or a segment that cannot be a packet (see :func:`packet_bytes`)."""
    buffer = io.BytesIO()
    _write(captured(trace, capture_point), addresses(scenario), buffer)
    return buffer.getvalue()


def write_pcap(
    trace: Iterable[TraceEvent],
    scenario: Scenario | None,
    path: PathLike | BinaryIO,
    capture_point: str = "sender",
    *,
    overwrite: bool = False,
    inputs: Iterable[PathLike | None] = (),
) -> int:
    """Write the trace's packets to ``path`` as a pcap; returns how many.

    A file name is written with :func:`tcpsim.files.write_atomically`: an existing file is
    replaced only with ``overwrite``, never one of ``inputs``, and a failed write leaves it as it
    was. A binary file object is written to as it is. Raises only :class:`ValueError` for an
    unknown capture point (before any file is made), :class:`PcapError` for a segment that cannot
    be a packet, and :class:`tcpsim.files.WriteError` (:class:`~tcpsim.files.WouldOverwrite`,
    :class:`~tcpsim.files.WouldOverwriteInput`, or the system's reason) for the file; every one
    of them leaves the file system as it was.
    """
    packets = captured(trace, capture_point)
    name: PathLike = path if isinstance(path, (str, os.PathLike)) else getattr(path, "name", "<stream>")
    buffer = io.BytesIO()
    try:
        count = _write(packets, addresses(scenario), buffer)
    except ValueError as exc:
        raise PcapError(name, f"not written: {exc}") from None
    if isinstance(path, (str, os.PathLike)):
        write_atomically(path, buffer.getvalue(), overwrite=overwrite, inputs=inputs)
    else:
        try:
            path.write(buffer.getvalue())
        except OSError as exc:
            raise WriteError(name, exc.strerror or str(exc), exc.errno) from None
    return count
