"""Decode one captured frame down to its TCP segment: link layer, IPv4 or IPv6, TCP.

tcpsim decodes the few headers it needs itself instead of handing the bytes to a general
packet library, for two reasons. A capture is input from the wild: every length in it (an IP
total length, an IPv6 extension header's, a TCP data offset, an option's) is checked against the
bytes actually present before it is used, so no length can make this code read past a frame,
allocate more than the frame holds, or raise on a hostile value. And speed: a frame decodes here
in about 1.5 µs, against about 7 µs through dpkt's object per layer (measured on a data segment
in Ethernet), which matters for captures of millions of packets.

A frame is either a TCP segment (:class:`Decoded`), something else to count and leave out (a
:class:`Skip` with its reason: ``UDP``, ``ARP``, ``IP fragments``…), or not decodable: then
:class:`Undecodable` is raised with what is wrong, for the reader to note with the frame's
number. Any other exception from here is a bug in tcpsim, not a property of the capture (the
reader tells the two apart; see :func:`tcpsim.capture.reader.decode_frame`).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import Final

LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_LOOP = 0, 1, 108
LINKTYPE_RAW, LINKTYPE_RAW_BSD, LINKTYPE_RAW_OPENBSD = 101, 12, 14
LINKTYPE_IPV4, LINKTYPE_IPV6 = 228, 229
LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2 = 113, 276
LINK_NAMES = {
    LINKTYPE_NULL: "BSD loopback (NULL)",
    LINKTYPE_ETHERNET: "Ethernet",
    LINKTYPE_LOOP: "OpenBSD loopback (LOOP)",
    LINKTYPE_RAW: "raw IP",
    LINKTYPE_RAW_BSD: "raw IP",
    LINKTYPE_RAW_OPENBSD: "raw IP",
    LINKTYPE_IPV4: "raw IPv4",
    LINKTYPE_IPV6: "raw IPv6",
    LINKTYPE_LINUX_SLL: "Linux cooked capture (SLL)",
    LINKTYPE_LINUX_SLL2: "Linux cooked capture v2 (SLL2)",
}
SUPPORTED = "Ethernet, Linux cooked capture (SLL, SLL2), BSD loopback and raw IP"

TCP_FLAGS: Final = 0x1F
"""SYN FIN RST PSH ACK: the bits the state machine models (URG, ECE and CWR are kept apart)."""
_OPT_MSS, _OPT_WSCALE = 2, 3

_ETH_IPV4, _ETH_IPV6 = 0x0800, 0x86DD
_ETH_VLAN = (0x8100, 0x88A8, 0x9100)  # 802.1Q, 802.1ad (QinQ) and the older QinQ tag
_ETH_MPLS = (0x8847, 0x8848)
_ETH_PPPOE_SESSION = 0x8864
_ETH_NAMES = {0x0806: "ARP", 0x88CC: "LLDP", 0x8035: "RARP", 0x88E5: "MACsec", 0x8863: "PPPoE discovery"}
_BSD_INET6 = (10, 24, 28, 30)  # AF_INET6 on Linux, the BSDs, macOS and FreeBSD
_PLAIN_NAMES = {1: "ICMP", 17: "UDP", 58: "ICMPv6"}
_IP_NAMES = {50: "ESP", 51: "AH", 47: "GRE", 132: "SCTP", 2: "IGMP", 41: "IPv6 in IP"}
_IPV6_EXTENSIONS = (0, 43, 60, 135, 139, 140)  # hop-by-hop, routing, destination options, mobility, HIP, shim6
_IPV6_FRAGMENT, _IPV6_AH, _IPV6_NO_NEXT = 44, 51, 59
_MAX_TAGS = 8
"""VLAN tags or MPLS labels followed before giving up (real stacks carry two or three)."""

_TCP = struct.Struct("!HHIIBBH")
_U16 = struct.Struct("!H")


class Undecodable(Exception):
    """The frame's bytes contradict themselves (a length beyond the bytes present, a header too
    short…); the message says what, for the reader's note."""


@dataclass(frozen=True, slots=True)
class Skip:
    """A frame that is not a TCP segment, and why (counted by reason, never noted one by one)."""

    reason: str


@dataclass(slots=True)
class Decoded:
    """A TCP segment as the frame carried it."""

    src: str
    dst: str
    sport: int
    dport: int
    seq: int
    ack: int
    flags: int
    """All the TCP flag bits, URG, ECE and CWR included."""
    window: int
    payload: bytes
    """The payload bytes present in the frame (a snap length may have cut some off)."""
    missing: int
    """Payload octets the IP header counts but the capture cut off (never more than an IP packet holds)."""
    mss: int | None = None
    wscale: int | None = None
    bad_options: str | None = None
    """What is wrong with the TCP options, when they cannot be read to the end (the segment itself is fine)."""


def decode(linktype: int, frame: bytes, cut: bool) -> Decoded | Skip:
    """The TCP segment in ``frame``; ``cut`` says the capture kept fewer bytes than were on the wire.

    Raises :class:`Undecodable`.
    """
    if linktype == LINKTYPE_ETHERNET:
        return _ethernet(frame, cut)
    if linktype == LINKTYPE_LINUX_SLL:
        _need(frame, 16, "a Linux cooked (SLL) header")
        return _ethertype(frame, 16, _U16.unpack_from(frame, 14)[0], cut)
    if linktype == LINKTYPE_LINUX_SLL2:
        _need(frame, 20, "a Linux cooked v2 (SLL2) header")
        return _ethertype(frame, 20, _U16.unpack_from(frame, 0)[0], cut)
    if linktype in (LINKTYPE_NULL, LINKTYPE_LOOP):
        _need(frame, 4, "a loopback header (the address family)")
        family = int.from_bytes(frame[:4], "big" if linktype == LINKTYPE_LOOP else "little")
        if family > 0xFFFF:  # NULL is in the capturing host's byte order, which may not be ours
            family = int.from_bytes(frame[:4], "big")
        if family == socket.AF_INET or family in _BSD_INET6:
            return _ip(frame, 4, cut)
        return Skip("not IP")
    return _ip(frame, 0, cut)


def _need(frame: bytes, end: int, what: str) -> None:
    if len(frame) < end:
        raise Undecodable(f"the frame ends inside {what} ({len(frame)} bytes, {what} needs {end})")


def _ethernet(frame: bytes, cut: bool) -> Decoded | Skip:
    _need(frame, 14, "its Ethernet header")
    kind = _U16.unpack_from(frame, 12)[0]
    if kind < 0x0600:  # an 802.3 length: IP only behind an LLC/SNAP header
        if frame[14:17] != b"\xaa\xaa\x03":
            return Skip("not IP")
        _need(frame, 22, "an LLC/SNAP header")
        return _ethertype(frame, 22, _U16.unpack_from(frame, 20)[0], cut)
    return _ethertype(frame, 14, kind, cut)


def _ethertype(frame: bytes, at: int, kind: int, cut: bool) -> Decoded | Skip:
    """What follows an EtherType (also Linux cooked captures' protocol field), VLAN tags and MPLS
    labels included."""
    for _ in range(_MAX_TAGS + 1):
        if kind in (_ETH_IPV4, _ETH_IPV6):
            announced = "IPv4" if kind == _ETH_IPV4 else "IPv6"
            if at >= len(frame):
                raise Undecodable(f"the frame ends where its {announced} header should begin")
            version = frame[at] >> 4
            if version != (4 if kind == _ETH_IPV4 else 6):
                raise Undecodable(f"the link layer announces {announced} but the packet says IP version {version}")
            return _ip(frame, at, cut)
        if kind in _ETH_VLAN:
            _need(frame, at + 4, "a VLAN tag")
            kind = _U16.unpack_from(frame, at + 2)[0]
            at += 4
        elif kind in _ETH_MPLS:
            for _label in range(_MAX_TAGS):
                _need(frame, at + 4, "an MPLS label")
                bottom = frame[at + 2] & 1
                at += 4
                if bottom:
                    break
            else:
                return Skip("not IP")
            if at >= len(frame):
                raise Undecodable("the MPLS label stack is not followed by any packet")
            version = frame[at] >> 4
            if version not in (4, 6):
                return Skip("not IP")
            return _ip(frame, at, cut)
        elif kind == _ETH_PPPOE_SESSION:
            _need(frame, at + 8, "a PPPoE session header")
            protocol = _U16.unpack_from(frame, at + 6)[0]
            at += 8
            if protocol not in (0x0021, 0x0057):
                return Skip("not IP")
            kind = _ETH_IPV4 if protocol == 0x0021 else _ETH_IPV6
        else:
            return Skip(_ETH_NAMES.get(kind, "not IP"))
    return Skip("not IP")


def _ip(frame: bytes, at: int, cut: bool) -> Decoded | Skip:
    if at >= len(frame):
        return Skip("not IP")
    version = frame[at] >> 4
    if version == 4:
        return _ipv4(frame, at, cut)
    if version == 6:
        return _ipv6(frame, at, cut)
    return Skip("not IP")


def _ip_end(frame: bytes, at: int, length: int, what: str, cut: bool) -> tuple[int, int]:
    """Where the IP packet ends in the frame and how many of its octets the capture cut off.

    The IP length is trusted only as far as the frame's bytes go: beyond them only if the capture
    says it kept fewer bytes than the wire carried (a snap length), and then never more than the
    length field can count (64 KiB). Bytes after the IP length are link-layer padding.
    """
    present = len(frame) - at
    if length <= present:
        return at + length, 0
    if not cut:
        raise Undecodable(f"its {what} counts {length} bytes but the frame holds only {present}, and was not cut short")
    return len(frame), length - present


def _ipv4(frame: bytes, at: int, cut: bool) -> Decoded | Skip:
    _need(frame, at + 20, "its IPv4 header")
    ihl = (frame[at] & 0x0F) * 4
    if ihl < 20:
        raise Undecodable(f"its IPv4 header length is {ihl} bytes (at least 20)")
    _need(frame, at + ihl, "its IPv4 header and options")
    total = _U16.unpack_from(frame, at + 2)[0]
    if total == 0:  # TCP segmentation offload on the capturing host: the length is the frame's
        total = len(frame) - at
    if total < ihl:
        raise Undecodable(f"its IPv4 total length {total} is shorter than its {ihl}-byte header")
    fragment = _U16.unpack_from(frame, at + 6)[0]
    if fragment & 0x3FFF:  # more fragments, or an offset
        return Skip("IP fragments")
    protocol = frame[at + 9]
    if protocol != 6:
        return Skip(_protocol_name(protocol))
    end, missing = _ip_end(frame, at, total, "IPv4 total length", cut)
    src = socket.inet_ntop(socket.AF_INET, frame[at + 12 : at + 16])
    dst = socket.inet_ntop(socket.AF_INET, frame[at + 16 : at + 20])
    return _tcp(frame, at + ihl, end, missing, src, dst)


def _ipv6(frame: bytes, at: int, cut: bool) -> Decoded | Skip:
    _need(frame, at + 40, "its IPv6 header")
    payload = _U16.unpack_from(frame, at + 4)[0]
    header = frame[at + 6]
    if payload == 0:  # a jumbogram (RFC 2675), or TSO: the length is the frame's
        payload = len(frame) - at - 40
    end, missing = _ip_end(frame, at, 40 + payload, "IPv6 payload length", cut)
    offset = at + 40
    for _ in range(_MAX_TAGS * 2):
        if header == 6:
            src = socket.inet_ntop(socket.AF_INET6, frame[at + 8 : at + 24])
            dst = socket.inet_ntop(socket.AF_INET6, frame[at + 24 : at + 40])
            return _tcp(frame, offset, end, missing, src, dst)
        if header == _IPV6_FRAGMENT:
            return Skip("IP fragments")
        if header == _IPV6_NO_NEXT:
            return Skip("IPv6 without payload")
        if header in _IPV6_EXTENSIONS or header == _IPV6_AH:
            if offset + 2 > end:
                raise Undecodable(f"an IPv6 extension header (next header {header}) runs past the end of the packet")
            size = (frame[offset + 1] + 2) * 4 if header == _IPV6_AH else (frame[offset + 1] + 1) * 8
            header = frame[offset]
            offset += size
            if offset > end:
                raise Undecodable(f"an IPv6 extension header of {size} bytes runs past the end of the packet")
            continue
        return Skip(_protocol_name(header))
    raise Undecodable("more than 16 IPv6 extension headers")


def _protocol_name(protocol: int) -> str:
    if protocol in _PLAIN_NAMES:
        return _PLAIN_NAMES[protocol]
    name = _IP_NAMES.get(protocol)
    return f"IP protocol {protocol} ({name})" if name else f"IP protocol {protocol}"


def _tcp(frame: bytes, at: int, end: int, missing: int, src: str, dst: str) -> Decoded:
    """The TCP header at ``at``; the packet's bytes in the frame end at ``end``."""
    if at + 20 > end:
        raise Undecodable(f"the packet ends inside its TCP header ({max(end - at, 0)} of 20 bytes)")
    sport, dport, sequence, ack, offset, flags, window = _TCP.unpack_from(frame, at)
    header = (offset >> 4) * 4
    if header < 20:
        raise Undecodable(f"its TCP data offset is {header // 4} words (at least 5)")
    if at + header > end:
        raise Undecodable(f"its TCP header of {header} bytes (data offset) runs past the end of the packet")
    decoded = Decoded(src, dst, sport, dport, sequence, ack, flags, window, frame[at + header : end], missing)
    if header > 20:
        _options(decoded, frame, at + 20, at + header)
    return decoded


def _options(decoded: Decoded, frame: bytes, at: int, end: int) -> None:
    """MSS and window scale, when present; a malformed option ends the reading (RFC 9293 3.1:
    an option's length covers its kind and length octets)."""
    while at < end:
        kind = frame[at]
        if kind == 0:  # end of option list
            return
        if kind == 1:  # no-operation
            at += 1
            continue
        if at + 1 >= end:
            decoded.bad_options = f"option kind {kind} has no length octet"
            return
        length = frame[at + 1]
        if length < 2 or at + length > end:
            decoded.bad_options = f"option kind {kind} claims {length} bytes, {end - at} are left"
            return
        if kind == _OPT_MSS and length == 4:
            decoded.mss = _U16.unpack_from(frame, at + 2)[0]
        elif kind == _OPT_WSCALE and length == 3:
            decoded.wscale = min(frame[at + 2], 14)  # RFC 7323 §2.3: larger shifts are taken as 14
        at += length


# ---------------------------------------------------------------------------------------- the common case
_IPV4_MARK: Final = {
    LINKTYPE_ETHERNET: (12, (b"\x08\x00",)),
    LINKTYPE_LINUX_SLL: (14, (b"\x08\x00",)),
    LINKTYPE_LINUX_SLL2: (0, (b"\x08\x00",)),
    LINKTYPE_NULL: (0, (b"\x02\x00\x00\x00", b"\x00\x00\x00\x02")),  # AF_INET in either byte order
    LINKTYPE_LOOP: (0, (b"\x00\x00\x00\x02",)),
}
"""Where a link header says "IPv4" and how: the EtherType (or a cooked capture's protocol
field), or the loopback header's address family."""
_IP_AT: Final = {
    LINKTYPE_ETHERNET: 14,
    LINKTYPE_LINUX_SLL: 16,
    LINKTYPE_LINUX_SLL2: 20,
    LINKTYPE_NULL: 4,
    LINKTYPE_LOOP: 4,
    LINKTYPE_RAW: 0,
    LINKTYPE_RAW_BSD: 0,
    LINKTYPE_RAW_OPENBSD: 0,
    LINKTYPE_IPV4: 0,
}
"""Where an IPv4 packet starts in a frame of each link type, when nothing (a VLAN tag) comes between."""
_IPV4_TCP: Final = struct.Struct("!BxHxxHxB14xIIBB")
"""IPv4 without options and the TCP header behind it, in one unpack: version and header length,
total length, fragment field, protocol; sequence number, acknowledgment number, data offset, flags."""


def ipv4_tcp_at(linktype: int, frame: bytes) -> int:
    """Where the IPv4 packet of an untagged IPv4 frame starts, or -1 for anything else (which
    :func:`decode` reads). The whole-capture census asks this first, for the common case."""
    at = _IP_AT.get(linktype, -1)
    if at < 0 or len(frame) < at + 40:
        return -1
    mark = _IPV4_MARK.get(linktype)
    if mark is not None:
        where, values = mark
        if frame[where : where + len(values[0])] not in values:
            return -1
    return at


def ipv4_tcp(frame: bytes, at: int) -> tuple[int, int, int, int, int] | None:
    """The TCP segment of an IPv4 packet at ``at`` without IP options or fragmentation, whose
    lengths all agree with the bytes present: (SEG.SEQ, SEG.ACK, all flag bits, where the payload
    starts, where it ends). None for anything else, which :func:`decode` reads (and explains).

    The same checks as :func:`decode` in one unpack: every length is checked against the frame, so
    this reads no further than :func:`decode` would."""
    version_ihl, total, fragment, protocol, sequence, ack, offset, flags = _IPV4_TCP.unpack_from(frame, at)
    if version_ihl != 0x45 or protocol != 6 or fragment & 0x3FFF:
        return None
    header = (offset >> 4) * 4
    end = at + total
    if header < 20 or end > len(frame) or at + 20 + header > end:
        return None  # a TSO frame (total 0), a cut one, or a broken one: decode() says which
    return sequence, ack, flags, at + 20 + header, end
