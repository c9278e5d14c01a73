"""Walk a capture file's records (classic pcap or pcapng) one by one, never holding the file.

A capture file is a chain of records, each saying how long it is; a file cut short or corrupt
breaks the chain, and nothing after the break can be trusted. So every length the file claims is
checked against a fixed bound and against the bytes actually there before anything is read or
allocated for it, and :meth:`CaptureFile.validate` walks the whole chain first, reading only the
record headers, so that a broken file is refused before anything is printed, in a fraction of the
time decoding takes. Then :meth:`CaptureFile.records` reads it again, record by record, in chunks:
memory stays the same whatever the file's size.

Input that cannot seek (a pipe, ``<(tcpdump -w - …)``) is first copied to an anonymous temporary
file, so that it can be walked twice like any other.

Every problem with the file itself is a :class:`CaptureError` whose message names the file and
says what is wrong and where, for ``tcpsim import`` to print (exit code 2).
"""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

from ..i18n import _, ngettext
from .decode import LINK_NAMES, SUPPORTED

PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1_000),
    b"\xa1\xb2\xc3\xd4": (">", 1_000),
    b"\x4d\x3c\xb2\xa1": ("<", 1),
    b"\xa1\xb2\x3c\x4d": (">", 1),
}
"""The classic pcap magic numbers: byte order, and nanoseconds per tick of the fraction."""
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
MAX_RECORD = 1 << 20
"""The most bytes a pcap record may capture (libpcap's own limit is 256 KiB for most link types;
four times that leaves room for odd writers, and bounds what one record can make tcpsim read)."""
MAX_BLOCK = 16 << 20
"""The longest pcapng block accepted (Wireshark's reader uses the same bound)."""
MAX_INTERFACES = 1 << 16
"""Interfaces one pcapng section may describe (their list is kept; a packet names one by a number)."""
_CHUNK = 1 << 20

_PCAPNG_SHB, _PCAPNG_IDB, _PCAPNG_PB, _PCAPNG_SPB, _PCAPNG_EPB = 0x0A0D0D0A, 1, 2, 3, 6
_OPT_TSRESOL, _OPT_TSOFFSET = 9, 14


class CaptureError(Exception):
    """The capture cannot be read or holds nothing to import; the message says why, naming the file."""


class Record(NamedTuple):
    """One packet record of a capture file."""

    number: int
    """1-based position of the packet in the file (Wireshark's frame number)."""
    offset: int
    """Where its record starts in the file, in bytes."""
    time_ns: int
    """Capture time, nanoseconds since the Unix epoch; any integer (a file may claim any time)."""
    linktype: int
    data: bytes
    """The bytes captured (empty when the file is only being validated)."""
    wire: int
    """The length the file claims the frame had on the wire: a hint that it was cut, never a size
    to trust."""


Frame = tuple[int, int, int, int, bytes, int]
"""A :class:`Record`'s fields as a plain tuple, in its order (:meth:`CaptureFile.frames`)."""


class _Reader:
    """Sequential reads in chunks from a binary file; ``pos`` is the offset in the file."""

    def __init__(self, f: BinaryIO, start: int) -> None:
        self.f = f
        self.buf = b""
        self.at = 0
        self.pos = start

    def fill(self, n: int) -> bool:
        """Make ``n`` bytes available at ``self.at``; False if the file ends first."""
        if len(self.buf) - self.at >= n:
            return True
        rest = self.buf[self.at :]
        self.buf, self.at = b"", 0  # let the old chunk go before reading the next
        more = self.f.read(max(_CHUNK, n - len(rest)))
        self.buf = rest + more if rest else more
        return len(self.buf) >= n

    def take(self, n: int) -> bytes:
        data = self.buf[self.at : self.at + n]
        self.at += n
        self.pos += n
        return data

    def skip(self, n: int) -> None:
        """Move ``n`` bytes on (after :meth:`fill` said they are there, or to be checked by the next read)."""
        held = len(self.buf) - self.at
        if n <= held:
            self.at += n
        else:
            self.f.seek(n - held, os.SEEK_CUR)
            self.buf, self.at = b"", 0
        self.pos += n


class CaptureFile:
    """An open capture file whose header has been read: :meth:`validate`, then :meth:`records`."""

    def __init__(self, path: str | os.PathLike[str], spool_limit: int | None = None) -> None:
        """Open ``path`` and read its header; input that cannot seek is copied to a temporary
        file, at most ``spool_limit`` bytes and one more (enough to tell it is longer)."""
        self.path = Path(path)
        self.spool_limit = spool_limit
        self.name = str(path)
        self.format = ""
        self.link_types: list[int] = []
        self.size = 0
        self._f = self._open()
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ opening
    def _open(self) -> BinaryIO:
        name = self.name
        if "\0" in name:  # open() would raise ValueError: no file can have that name
            raise CaptureError(_("{name}: not a possible file name (it contains a NUL character)").format(name=name))
        if not name:
            raise CaptureError(_("the capture file name is empty"))
        try:
            f = open(self.path, "rb")  # noqa: SIM115 (closed by close(), or on a failed start)
        except FileNotFoundError:
            raise CaptureError(_("{name}: no such file").format(name=name)) from None
        except IsADirectoryError:
            raise CaptureError(_("{name}: is a directory, not a capture file").format(name=name)) from None
        except OSError as exc:
            raise CaptureError(_("{name}: cannot read it ({exc})").format(name=name, exc=exc.strerror or exc)) from None
        return f

    def _start(self) -> None:
        name = self.name
        try:
            head = self._f.read(4)
            if head not in PCAP_MAGICS and head != PCAPNG_MAGIC:
                if not head:
                    raise CaptureError(
                        _("{name}: the file is empty (a capture file starts with a pcap or pcapng header)").format(
                            name=name
                        )
                    )
                raise CaptureError(
                    _(
                        "{name}: not a pcap or pcapng capture (it starts with the bytes {hex}; a pcap "
                        "file starts with d4 "
                        "c3 b2 a1 or a1 b2 c3 d4, a pcapng file with 0a 0d 0d 0a)"
                    ).format(name=name, hex=head.hex(" "))
                )
            if not self._f.seekable():  # a pipe or a device: copy it, to walk it twice
                spool = tempfile.TemporaryFile()  # noqa: SIM115 (it becomes self._f, closed by close())
                spool.write(head)
                if self.spool_limit is None:
                    shutil.copyfileobj(self._f, spool, _CHUNK)
                else:
                    left = self.spool_limit + 1 - len(head)
                    while left > 0 and (chunk := self._f.read(min(_CHUNK, left))):
                        spool.write(chunk)
                        left -= len(chunk)
                self._f.close()
                self._f = spool
            self.size = self._f.seek(0, os.SEEK_END)
            self._f.seek(0)
        except OSError as exc:
            raise CaptureError(_("{name}: cannot read it ({exc})").format(name=name, exc=exc.strerror or exc)) from None
        self.format = "pcap" if head in PCAP_MAGICS else "pcapng"
        if self.format == "pcap":
            self._pcap_header()

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> CaptureFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ walking
    def validate(self) -> int:
        """Walk every record's header, reading no packet: raise :class:`CaptureError` where the
        chain breaks. Returns the number of packets."""
        count = 0
        for fields in self._walk(data=False):
            count = fields[0]
        return count

    def records(self) -> Iterator[Record]:
        """Every packet record, in file order (raises :class:`CaptureError` where the chain breaks)."""
        for fields in self._walk(data=True):
            yield Record(*fields)

    def frames(self) -> Iterator[Frame]:
        """:meth:`records` as plain tuples: the whole-capture census reads millions, and a tuple
        is made without the call into Python that a NamedTuple's constructor is."""
        return self._walk(data=True)

    def _walk(self, *, data: bool) -> Iterator[Frame]:
        self._f.seek(0)
        try:
            if self.format == "pcap":
                yield from self._pcap(data)
            else:
                yield from self._pcapng(data)
        except OSError as exc:
            raise CaptureError(
                _("{name}: cannot read it ({exc})").format(name=self.name, exc=exc.strerror or exc)
            ) from None

    def _truncated(self, frame: int, offset: int, what: str) -> CaptureError:
        complete = frame - 1
        return CaptureError(
            ngettext(
                "{name}: the file is truncated: it ends in the middle of {what} (packet {frame}, at byte {offset}); "
                "the {complete} packet before it is complete. Was the capture stopped abruptly, or the file cut "
                "short while copying?",
                "{name}: the file is truncated: it ends in the middle of {what} (packet {frame}, at byte {offset}); "
                "the {complete} packets before it are complete. Was the capture stopped abruptly, or the file cut "
                "short while copying?",
                complete,
            ).format(name=self.name, what=what, frame=frame, offset=offset, complete=complete)
        )

    def _corrupt(self, frame: int, offset: int, what: str) -> CaptureError:
        complete = frame - 1
        return CaptureError(
            ngettext(
                "{name}: packet {frame} (at byte {offset}) {what}: the file is corrupt or not really a {format} "
                "capture ({complete} packet before it is complete)",
                "{name}: packet {frame} (at byte {offset}) {what}: the file is corrupt or not really a {format} "
                "capture ({complete} packets before it are complete)",
                complete,
            ).format(name=self.name, frame=frame, offset=offset, what=what, format=self.format, complete=complete)
        )

    def _check_link(self, linktype: int) -> None:
        if linktype not in LINK_NAMES:
            raise CaptureError(
                _("{name}: link type {linktype} is not supported (tcpsim reads {SUPPORTED} captures)").format(
                    name=self.name, linktype=linktype, SUPPORTED=SUPPORTED
                )
            )
        if linktype not in self.link_types:
            self.link_types.append(linktype)

    # ------------------------------------------------------------------ classic pcap
    def _pcap_header(self) -> None:
        header = self._f.read(24)
        self._f.seek(0)
        if len(header) < 24:
            raise CaptureError(
                _("{name}: the file is truncated inside its pcap header ({header} bytes)").format(
                    name=self.name, header=len(header)
                )
            )
        self._pcap_order, self._pcap_unit = PCAP_MAGICS[header[:4]]
        snaplen, linktype = struct.unpack(self._pcap_order + "II", header[16:24])
        self._check_link(linktype & 0xFFFF)  # the upper bits say whether frames end with an FCS
        self._pcap_linktype = linktype & 0xFFFF
        self._pcap_snaplen = snaplen

    def _pcap(self, data: bool) -> Iterator[Frame]:
        unit = self._pcap_unit
        record = struct.Struct(self._pcap_order + "IIII")
        limit = max(self._pcap_snaplen, MAX_RECORD)
        linktype = self._pcap_linktype
        reader = _Reader(self._f, 0)
        reader.fill(24)
        reader.skip(24)
        frame = 0
        size = self.size
        while reader.fill(16):
            frame += 1
            offset = reader.pos
            seconds, fraction, caplen, wire = record.unpack_from(reader.buf, reader.at)
            if caplen > limit:
                raise self._corrupt(frame, offset, f"claims {caplen} bytes captured (at most {limit})")
            if caplen == 0 and wire == 0:
                raise self._corrupt(frame, offset, "is empty, 0 bytes captured of 0 on the wire")
            reader.skip(16)
            if reader.pos + caplen > size:
                raise self._truncated(frame, offset, "a packet")
            if data:
                reader.fill(caplen)
                payload = reader.take(caplen)
            else:
                reader.skip(caplen)
                payload = b""
            yield frame, offset, seconds * 1_000_000_000 + fraction * unit, linktype, payload, wire
        if reader.at < len(reader.buf):
            raise self._truncated(frame + 1, reader.pos, "a packet record's header")

    # ------------------------------------------------------------------ pcapng
    def _pcapng(self, data: bool) -> Iterator[Frame]:
        reader = _Reader(self._f, 0)
        interfaces: list[tuple[int, int, int]] = []  # (link type, ticks per second, offset in seconds)
        order = "<"
        frame = 0
        last_time = 0
        size = self.size
        while reader.fill(1):
            offset = reader.pos
            if not reader.fill(12):
                raise self._truncated(frame + 1, offset, "a block header")
            head = reader.buf[reader.at : reader.at + 12]
            if head[:4] == PCAPNG_MAGIC:  # a section header: fixes the byte order for its section
                bom = head[8:12]
                if bom == b"\x4d\x3c\x2b\x1a":
                    order = "<"
                elif bom == b"\x1a\x2b\x3c\x4d":
                    order = ">"
                else:
                    raise CaptureError(
                        _("{name}: pcapng section header at byte {offset} has no valid byte-order mark").format(
                            name=self.name, offset=offset
                        )
                    )
                interfaces = []
            kind, length = struct.unpack(order + "II", head[:8])
            if length < 12 or length % 4 or length > MAX_BLOCK:
                raise CaptureError(
                    _("{name}: pcapng block at byte {offset} has an impossible length {length}: corrupt file").format(
                        name=self.name, offset=offset, length=length
                    )
                )
            if offset + length > size:
                raise self._truncated(frame + 1, offset, "a block")
            is_packet = kind in (_PCAPNG_EPB, _PCAPNG_PB, _PCAPNG_SPB)
            if not data and is_packet:  # validating: the packet's bytes are not needed
                reader.fill(28)
                block = reader.buf[reader.at : reader.at + min(28, length)]
                reader.skip(length - 4)
                reader.fill(4)
                trailer = reader.take(4)
            else:
                reader.fill(length)
                block = reader.take(length)
                trailer = block[-4:]
            if struct.unpack(order + "I", trailer)[0] != length:
                raise CaptureError(
                    _(
                        "{name}: pcapng block at byte {offset} does not end with its length {length}: corrupt file"
                    ).format(name=self.name, offset=offset, length=length)
                )
            if kind == _PCAPNG_IDB:
                if len(interfaces) >= MAX_INTERFACES:
                    raise CaptureError(
                        _(
                            "{name}: pcapng block at byte {offset} describes more than {MAX_INTERFACES} "
                            "interfaces in one "
                            "section: corrupt file"
                        ).format(name=self.name, offset=offset, MAX_INTERFACES=MAX_INTERFACES)
                    )
                interfaces.append(self._interface(block, order, offset))
            elif is_packet:
                frame += 1
                if not interfaces:
                    raise self._corrupt(frame, offset, "comes before any interface is described")
                iface, stamp, captured, wire = self._packet_fields(kind, block, order, length, frame, offset)
                if iface >= len(interfaces):
                    raise self._corrupt(frame, offset, f"names interface {iface}, which is not described")
                linktype, ticks, shift = interfaces[iface]
                if stamp is not None:
                    last_time = shift * 1_000_000_000 + stamp * 1_000_000_000 // ticks
                payload = block[captured[0] : captured[1]] if data else b""
                yield frame, offset, last_time, linktype, payload, wire

    def _interface(self, block: bytes, order: str, offset: int) -> tuple[int, int, int]:
        if len(block) < 20:
            raise CaptureError(
                _("{name}: pcapng interface block at byte {offset} is too short: corrupt file").format(
                    name=self.name, offset=offset
                )
            )
        linktype = struct.unpack(order + "H", block[8:10])[0]
        self._check_link(linktype)
        ticks, shift = 1_000_000, 0
        at, end = 16, len(block) - 4
        while at + 4 <= end:
            code, length = struct.unpack(order + "HH", block[at : at + 4])
            value = block[at + 4 : at + 4 + length]
            if code == 0 or len(value) < length:
                break
            if code == _OPT_TSRESOL and value:
                ticks = 2 ** (value[0] & 0x7F) if value[0] & 0x80 else 10 ** (value[0] & 0x7F)
            elif code == _OPT_TSOFFSET and length >= 8:
                shift = struct.unpack(order + "q", value[:8])[0]
            at += 4 + length + (-length % 4)
        return linktype, ticks, shift

    def _packet_fields(
        self, kind: int, block: bytes, order: str, length: int, frame: int, offset: int
    ) -> tuple[int, int | None, tuple[int, int], int]:
        """(interface, timestamp in ticks or None, where the captured bytes are in the block, wire length)."""
        if kind == _PCAPNG_SPB:  # simple packet block: interface 0, no timestamp
            if length < 16:
                raise self._corrupt(frame, offset, "is a simple packet block too short for its header")
            wire = struct.unpack(order + "I", block[8:12])[0]
            return 0, None, (12, 12 + min(wire, length - 16)), wire
        if length < 32:
            raise self._corrupt(frame, offset, f"is a packet block of {length} bytes, too short for its header")
        if kind == _PCAPNG_EPB:
            iface, high, low, captured, wire = struct.unpack(order + "IIIII", block[8:28])
        else:  # the obsolete packet block: a 16-bit interface and a drops count
            iface, _, high, low, captured, wire = struct.unpack(order + "HHIIII", block[8:28])
        if captured > length - 32:
            raise self._corrupt(frame, offset, f"claims {captured} bytes captured in a block of {length}")
        return iface, (high << 32) | low, (28, 28 + captured), wire
