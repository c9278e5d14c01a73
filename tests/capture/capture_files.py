"""Build capture files for the reader's tests: any link type, pcap or pcapng, either byte order.

The packets come from a bundled scenario's export (raw IPv4 with tcpsim's addresses) and are
wrapped in the link-layer header each capture tool writes; IPv6 copies carry the same TCP.
"""

from __future__ import annotations

import io
import socket
import struct
from pathlib import Path

import dpkt
import dpkt.pcapng

from tcpsim.export import EPOCH, captured, packet_bytes
from tcpsim.export.capture import addresses
from tcpsim.scenario import bundled, load_file, run

Frame = tuple[float, bytes]
"""(seconds since the epoch, link-layer frame)."""


def scenario_packets(name: str | Path = "active-close-client") -> list[Frame]:
    """The raw IPv4 packets of a bundled scenario (by name) or of a scenario file, as its pcap
    export holds them."""
    path = name if isinstance(name, Path) else next(p for p in bundled() if p.stem == name)
    result = run(load_file(path))
    addr = addresses(result.scenario)
    return [
        (EPOCH + p.t, packet_bytes(p.send.segment, addr[p.sender], addr[p.receiver], p.send.id))
        for p in captured(result.trace, "sender")
    ]


def to_ipv6(raw: bytes) -> bytes:
    """The same TCP segment in IPv6, between 2001:db8::1 and 2001:db8::2."""
    ip = dpkt.ip.IP(raw)
    tcp = bytes(ip.data)
    src = socket.inet_pton(socket.AF_INET6, "2001:db8::1" if ip.src == socket.inet_aton("10.0.0.1") else "2001:db8::2")
    dst = socket.inet_pton(socket.AF_INET6, "2001:db8::2" if src.endswith(b"\x01") else "2001:db8::1")
    header = struct.pack("!IHBB", 6 << 28, len(tcp), 6, 64) + src + dst
    return header + tcp


def wrap(linktype: int, raw: bytes, *, big_endian_null: bool = False) -> bytes:
    """A raw IP packet inside the link-layer header of ``linktype``."""
    v6 = raw[0] >> 4 == 6
    ethertype = 0x86DD if v6 else 0x0800
    if linktype == 1:  # Ethernet, zero MACs as on Linux loopback
        return b"\0" * 12 + struct.pack("!H", ethertype) + raw
    if linktype == 113:  # Linux cooked v1: packet type, ARPHRD, address length, address, protocol
        return struct.pack("!HHH8sH", 0, 772, 6, b"\0" * 8, ethertype) + raw
    if linktype == 276:  # Linux cooked v2: protocol, reserved, ifindex, ARPHRD, type, address length, address
        return struct.pack("!HHIHBB8s", ethertype, 0, 1, 772, 0, 6, b"\0" * 8) + raw
    if linktype == 0:  # BSD loopback: the address family in the capturing host's byte order
        family = 30 if v6 else socket.AF_INET
        return struct.pack(">I" if big_endian_null else "<I", family) + raw
    if linktype == 108:  # OpenBSD loopback: the family in network byte order
        return struct.pack(">I", 24 if v6 else socket.AF_INET) + raw
    return raw  # raw IP: 101, 12, 14, 228, 229


def pcap(frames: list[Frame], linktype: int, *, nano: bool = False, big_endian: bool = False) -> bytes:
    """A classic pcap file, by hand so that both byte orders and both resolutions can be made."""
    order = ">" if big_endian else "<"
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = io.BytesIO()
    out.write(struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, 262144, linktype))
    for t, frame in frames:
        sec = int(t)
        frac = round((t - sec) * (1e9 if nano else 1e6))
        out.write(struct.pack(order + "IIII", sec, frac, len(frame), len(frame)) + frame)
    return out.getvalue()


def pcapng(frames: list[Frame], linktype: int) -> bytes:
    """A pcapng file with one interface, written by dpkt."""
    out = io.BytesIO()
    writer = dpkt.pcapng.Writer(out, snaplen=262144, linktype=linktype)
    for t, frame in frames:
        writer.writepkt(frame, ts=t)
    return out.getvalue()


def pcapng_two_interfaces(frames: list[Frame]) -> bytes:
    """A pcapng file whose packets alternate between an Ethernet and a raw-IP interface (as
    ``dumpcap -i eth0 -i lo`` writes), little-endian, microsecond timestamps."""

    def block(kind: int, body: bytes) -> bytes:
        body += b"\0" * (-len(body) % 4)
        length = 12 + len(body)
        return struct.pack("<II", kind, length) + body + struct.pack("<I", length)

    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", 1, 0, 262144))
    out += block(1, struct.pack("<HHI", 101, 0, 262144))
    for i, (t, raw) in enumerate(frames):
        iface = i % 2
        frame = wrap(1, raw) if iface == 0 else raw
        micros = round(t * 1e6)
        out += block(6, struct.pack("<IIIII", iface, micros >> 32, micros & 0xFFFFFFFF, len(frame), len(frame)) + frame)
    return out


def udp_packet(t: float) -> Frame:
    udp = dpkt.udp.UDP(sport=5353, dport=5353, data=b"hello")
    udp.ulen = len(bytes(udp))
    ip = dpkt.ip.IP(src=socket.inet_aton("10.0.0.1"), dst=socket.inet_aton("10.0.0.2"), p=17, data=udp)
    return (t, bytes(ip))


def two_streams(path: Path) -> Path:
    """Write a capture of two conversations, the second on other ports, interleaved in time."""
    first = scenario_packets("three-way-handshake")
    second = []
    for t, raw in scenario_packets("active-close-server"):
        packet = bytearray(raw)
        packet[20:24] = bytes(reversed(packet[20:22])) + bytes(reversed(packet[22:24]))  # other ports
        second.append((t + 0.05, bytes(packet)))
    path.write_bytes(pcap(sorted(first + second), 101))
    return path
