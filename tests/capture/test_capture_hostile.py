"""Hostile captures (issue 16, findings 1 to 5): lengths the file claims, packets real networks carry
that a parser may trip on, timestamps out of any range or going backwards, huge files. Each test
reproduces what the finding saw; none may crash, hang, or grow memory with what the file claims."""

from __future__ import annotations

import json
import socket
import struct
import tracemalloc
from pathlib import Path

import pytest
from capture_files import Frame, pcap, scenario_packets, wrap

from tcpsim.capture import CaptureError, import_capture, read_capture
from tcpsim.capture import reader as reader_module
from tcpsim.export import EPOCH

FORMATS = ("text", "jsonl", "tcpdump", "mermaid")


def write(tmp_path: Path, data: bytes, name: str = "capture.pcap") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def pcap_records(records: list[tuple[float, bytes, int]], linktype: int = 101) -> bytes:
    """A pcap whose records claim the wire lengths given: ``(time, frame, wire length)``."""
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))
    for t, frame, wire in records:
        out += struct.pack("<IIII", int(t), round((t % 1) * 1e6), len(frame), wire) + frame
    return bytes(out)


def peak_bytes(action) -> int:
    """The most memory Python allocated while ``action()`` ran (tracemalloc: exact, not timed)."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def json_notes(out: str) -> list[dict]:
    return [record for record in map(json.loads, out.splitlines()) if record["type"] == "note"]


def notes_of(result, kind: str | None = None) -> list[str]:
    return [n.text for n in result.observation.notes if kind is None or n.kind == kind]


# ---------------------------------------------------------------------------------------- finding 1
def test_a_wire_length_of_4_gb_is_not_trusted(tmp_path: Path) -> None:
    """17 KB of records that each claim 4 GB on the wire: the segments keep the bytes present (their
    IP headers say they are whole), and nothing grows with the claim."""
    frames = scenario_packets("data-transfer")
    records = []
    while sum(16 + len(f) for _, f, _ in records) < 17_000:
        records += [(t, raw, 0xFFFFFFFF) for t, raw in frames]
    path = write(tmp_path, pcap_records(records))
    assert 17_000 < path.stat().st_size < 18_000
    capture = read_capture(path)
    assert [len(p.segment.data) for p in capture.packets[: len(frames)]] == [
        len(raw) - 40 for _, raw in frames
    ]  # IPv4 and TCP headers of 20 bytes each: the payload is what the IP length says
    assert not any(p.missing for p in capture.packets)
    assert peak_bytes(lambda: import_capture(path)) < 40_000_000


def test_a_snap_length_cut_is_padded_to_the_ip_length_only(tmp_path: Path) -> None:
    """A cut packet is padded to what its IP header counts, never to the record's wire length."""
    t, raw = scenario_packets("data-transfer")[3]
    assert len(raw) > 44
    capture = read_capture(write(tmp_path, pcap_records([(t, raw[:44], 0xFFFFFFFF)])))
    (packet,) = capture.packets
    assert packet.missing == len(raw) - 44 and len(packet.segment.data) == len(raw) - 40


def test_an_ip_length_beyond_an_uncut_frame_is_not_decodable(tmp_path: Path) -> None:
    frames = scenario_packets("three-way-handshake")
    t, raw = frames[1]
    bad = bytearray(raw)
    bad[2:4] = struct.pack("!H", 60_000)  # total length far beyond the 40 bytes present
    path = write(tmp_path, pcap([frames[0], (t, bytes(bad)), frames[2]], 101))
    result = import_capture(path)
    (note,) = notes_of(result, "capture")
    assert note.startswith("packet 2 (stamped ")
    assert "not decodable: its IPv4 total length counts 60000 bytes but the frame holds only 40" in note


def test_sequence_gaps_claimed_by_a_tiny_file_stay_small(tmp_path: Path) -> None:
    """Data segments whose sequence numbers jump a gigabyte ahead each time: the bytes the capture
    "missed" are not materialized beyond a bound, so a file of a few KB stays a few MB."""
    frames = scenario_packets("three-way-handshake")
    handshake = [dpkt_ip(raw) for _, raw in frames]
    client_isn = handshake[0].data.seq
    server_isn = handshake[1].data.seq
    out = list(frames)
    for k in range(1, 41):
        out.append((frames[-1][0] + k * 0.01, tcp_packet(client_isn + 1 + k * 1_000_000_000, server_isn + 1, b"x")))
    path = write(tmp_path, pcap(out, 101))
    assert path.stat().st_size < 5_000
    peak = peak_bytes(lambda: import_capture(path))
    assert peak < 30_000_000, peak


# ---------------------------------------------------------------------------------------- finding 2
def dpkt_ip(raw: bytes):
    import dpkt

    return dpkt.ip.IP(raw)


def tcp_packet(seqno: int, ack: int, data: bytes, flags: int = 0x18, options: bytes = b"") -> bytes:
    """A client-to-server IPv4 segment between tcpsim's export addresses (10.0.0.1:49152, 10.0.0.2:80)."""
    offset = (20 + len(options)) // 4
    tcp = struct.pack("!HHIIBBHHH", 49152, 80, seqno & 0xFFFFFFFF, ack & 0xFFFFFFFF, offset << 4, flags, 65535, 0, 0)
    tcp += options + data
    ip = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, *map(socket.inet_aton, ("10.0.0.1", "10.0.0.2"))
    )
    return ip + tcp


def ipv6(next_header: int, payload: bytes) -> bytes:
    src, dst = (socket.inet_pton(socket.AF_INET6, a) for a in ("2001:db8::1", "2001:db8::2"))
    return struct.pack("!IHBB", 6 << 28, len(payload), next_header, 64) + src + dst + payload


def ethernet(kind: int, payload: bytes) -> bytes:
    return b"\0" * 12 + struct.pack("!H", kind) + payload


def with_frame(tmp_path: Path, frame: bytes, linktype: int, position: int = 2) -> Path:
    """The three-way handshake in ``linktype``, with ``frame`` put in as packet ``position`` + 1."""
    frames: list[Frame] = [(t, wrap(linktype, raw)) for t, raw in scenario_packets("three-way-handshake")]
    frames.insert(position, (frames[position - 1][0] + 0.0001, frame))
    return write(tmp_path, pcap(frames, linktype))


HOSTILE_FRAMES = {
    # name: (link type, frame, what the import says of it: a skip reason or a note)
    "ipv6-esp": (229, ipv6(50, b"\0" * 24), ("skip", "IP protocol 50 (ESP)")),
    "ethernet-empty-mpls": (1, ethernet(0x8847, b""), ("note", "not decodable: the frame ends inside an MPLS label")),
    "ipv6-fragment-then-esp": (229, ipv6(44, struct.pack("!BBHI", 50, 0, 0, 1) + b"\0" * 16), ("skip", "IP fragments")),
    "mpls-bottom-then-nothing": (1, ethernet(0x8847, b"\0\0\x01\x40"), ("note", "MPLS label stack is not followed")),
    "ipv6-extension-past-end": (229, ipv6(0, b"\x06\xff" + b"\0" * 6), ("note", "runs past the end of the packet")),
    "tcp-offset-too-small": (
        101,
        tcp_packet(1, 1, b"")[:32] + b"\x20" + tcp_packet(1, 1, b"")[33:],
        ("note", "TCP data offset is 2 words"),
    ),
    "tcp-offset-too-large": (
        101,
        tcp_packet(1, 1, b"")[:32] + b"\xf0" + tcp_packet(1, 1, b"")[33:],
        ("note", "runs past the end"),
    ),
    "ipv4-ihl-too-small": (101, b"\x41" + tcp_packet(1, 1, b"")[1:], ("note", "IPv4 header length is 4 bytes")),
    "ipv4-cut-header": (101, tcp_packet(1, 1, b"")[:12], ("note", "ends inside its IPv4 header")),
    "sll-short": (113, b"\0" * 10, ("note", "ends inside a Linux cooked (SLL) header")),
    "vlan-cut": (1, ethernet(0x8100, b"\0\x01"), ("note", "ends inside a VLAN tag")),
    "arp": (1, ethernet(0x0806, b"\0" * 28), ("skip", "ARP")),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_FRAMES))
def test_packets_real_networks_carry_never_stop_the_import(cli, tmp_path: Path, name: str) -> None:
    linktype, frame, (how, what) = HOSTILE_FRAMES[name]
    path = with_frame(tmp_path, frame, linktype)
    result = cli("import", path, "--format", "jsonl")
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    capture = read_capture(path)
    assert len(capture.packets) == 3  # the handshake around it is read
    if how == "skip":
        assert capture.skipped == {what: 1}
    else:
        texts = [n["text"] for n in json_notes(result.out) if n["kind"] == "capture"]
        assert len(texts) == 1 and texts[0].startswith("packet 3 (stamped "), texts
        assert what in texts[0]


def test_options_ending_with_a_bare_kind_byte(tmp_path: Path) -> None:
    """A SYN whose options end with a kind octet and no length: the segment is read (MSS before it
    kept), and the note says what was wrong with the options."""
    frames = scenario_packets("three-way-handshake")
    syn = tcp_packet(1000, 0, b"", flags=0x02, options=b"\x02\x04\x05\xb4\x01\x01\x01\x08")
    path = write(tmp_path, pcap([(frames[0][0], syn), *frames[1:]], 101))
    result = import_capture(path)
    first = result.capture.packets[0]
    assert first.mss == 1460 and first.wscale is None
    (note,) = notes_of(result, "capture")
    assert note.startswith("packet 1 (stamped 0.000000 s): its TCP options are malformed (option kind 8 has no length")


def test_a_bug_in_the_decoder_is_noted_as_tcpsims_own_or_raised_when_strict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Undecodable means the capture is wrong; any other exception is tcpsim's bug: the user gets a
    note saying so and the import goes on, and a strict run (the tests, the fuzzer) raises it."""
    path = write(tmp_path, pcap(scenario_packets("three-way-handshake"), 101))
    real = reader_module.decode

    def buggy(linktype: int, frame: bytes, cut: bool):
        if len(frame) == 40 and frame[33] == 0x10:  # the final ACK
            return {}["a bug"]
        return real(linktype, frame, cut)

    monkeypatch.setattr(reader_module, "decode", buggy)
    monkeypatch.delenv(reader_module.STRICT_ENV, raising=False)
    result = import_capture(path)
    (note,) = notes_of(result, "capture")
    assert "tcpsim's decoder failed on it (KeyError: 'a bug'). This is a bug in tcpsim" in note
    monkeypatch.setenv(reader_module.STRICT_ENV, "1")
    with pytest.raises(KeyError):
        import_capture(path)


def test_frames_noted_are_bounded(tmp_path: Path) -> None:
    frames = scenario_packets("three-way-handshake")
    junk = [(frames[0][0] + i * 1e-6, b"\x45\0\0") for i in range(300)]
    result = import_capture(write(tmp_path, pcap([*frames[:1], *junk, *frames[1:]], 101)))
    notes = notes_of(result, "capture")
    assert len(notes) == reader_module.MAX_FRAME_NOTES + 1
    assert notes[-1].startswith("200 more packets of the file were left out or read with an assumption")
    assert result.capture.skipped == {"not decodable": 300}


# ---------------------------------------------------------------------------------------- finding 3
def pcapng_with_time(frames: list[Frame], *, resolution: int = 6, offset: int = 0, ticks: list[int]) -> bytes:
    """A pcapng file whose interface has ``if_tsresol`` and ``if_tsoffset``, packets at ``ticks``."""

    def block(kind: int, body: bytes) -> bytes:
        body += b"\0" * (-len(body) % 4)
        return struct.pack("<II", kind, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))

    options = struct.pack("<HHB3x", 9, 1, resolution) + struct.pack("<HHq", 14, 8, offset) + struct.pack("<HH", 0, 0)
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", 101, 0, 262144) + options)
    for tick, (_, raw) in zip(ticks, frames, strict=True):
        out += block(6, struct.pack("<IIIII", 0, tick >> 32, tick & 0xFFFFFFFF, len(raw), len(raw)) + raw)
    return out


@pytest.mark.parametrize(
    ("case", "resolution", "offset", "start"),
    [
        ("year-38504", 0, 0, 1_152_920_000_000),  # seconds: far beyond the year 9999
        ("negative-offset", 6, -(1 << 62), 0),  # if_tsoffset of -2^62 seconds
        ("huge-offset", 6, (1 << 63) - 1, 0),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_timestamps_out_of_any_calendar_print_in_every_format(
    cli, tmp_path: Path, case: str, resolution: int, offset: int, start: int, fmt: str
) -> None:
    frames = scenario_packets("three-way-handshake")
    ticks = [start + i * (1 if resolution == 0 else 100_000) for i in range(len(frames))]
    path = write(tmp_path, pcapng_with_time(frames, resolution=resolution, offset=offset, ticks=ticks), "t.pcapng")
    result = cli("import", path, "--format", fmt)
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    if fmt == "tcpdump":
        assert "seconds since the Unix epoch" in result.out.splitlines()[0]


# ---------------------------------------------------------------------------------------- finding 4
def test_timestamps_going_backwards_are_said_where(cli, tmp_path: Path) -> None:
    frames = scenario_packets("three-way-handshake")
    backwards = [(EPOCH + 100, frames[0][1]), (EPOCH + 50, frames[1][1]), (EPOCH + 0, frames[2][1])]
    result = cli("import", write(tmp_path, pcap(backwards, 101)), "--format", "jsonl")
    assert result.code == 0
    times = [n for n in json_notes(result.out) if n["kind"] == "time"]
    assert len(times) == 2
    assert times[0]["text"].startswith("packet 2 is stamped -50.000000 s, 50.000000 s before packet 1 just before it")
    assert times[1]["text"].startswith("packet 3 is stamped -100.000000 s, 50.000000 s before packet 2 just before it")
    assert all("taken in the capture's order" in n["text"] for n in times)


# ---------------------------------------------------------------------------------------- finding 5
def test_a_header_followed_by_zeros_is_refused_at_its_first_record(cli, tmp_path: Path) -> None:
    """250 MB of zeros took 243 s to be called truncated: the first record, empty, is already wrong."""
    path = write(tmp_path, struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1) + bytes(4 << 20))
    result = cli("import", path, "--format", "jsonl")
    assert result.code == 2 and result.out == ""
    assert "packet 1 (at byte 24) is empty, 0 bytes captured of 0 on the wire" in result.err


def test_pcapng_zeros_are_refused_at_the_first_block(cli, tmp_path: Path) -> None:
    path = write(tmp_path, bytes.fromhex("0a0d0d0a") + bytes(4 << 20), "zeros.pcapng")
    result = cli("import", path, "--format", "jsonl")
    assert result.code == 2 and "no valid byte-order mark" in result.err


def test_a_file_cut_short_is_refused_before_anything_is_printed(cli, tmp_path: Path) -> None:
    data = pcap(scenario_packets("data-transfer") * 20, 101)
    result = cli("import", write(tmp_path, data[:-3]), "--format", "jsonl")
    assert result.code == 2 and result.out == "" and "truncated" in result.err


def test_memory_follows_the_conversation_not_the_file(tmp_path: Path) -> None:
    """Importing stream 0 keeps none of the other conversations' packets: ten times the traffic
    elsewhere in the file costs no more memory."""
    first = scenario_packets("three-way-handshake")

    def other_stream(copies: int) -> list[Frame]:
        out = []
        for k in range(copies):
            for t, raw in scenario_packets("data-transfer"):
                packet = bytearray(raw)
                at = 20 if raw[12:16] == socket.inet_aton("10.0.0.1") else 22  # the client's port
                packet[at : at + 2] = struct.pack("!H", 50000 + k)
                out.append((t + 1 + k * 0.001, bytes(packet)))
        return out

    small = write(tmp_path, pcap(first + other_stream(20), 101), "small.pcap")
    large = write(tmp_path, pcap(first + other_stream(200), 101), "large.pcap")
    assert large.stat().st_size > 9 * small.stat().st_size
    peak_small = peak_bytes(lambda: import_capture(small))
    peak_large = peak_bytes(lambda: import_capture(large))
    assert peak_large < 1.5 * peak_small, (peak_small, peak_large)
    result = import_capture(large)
    assert len(result.conversations) == 201 and result.conversations[1].packets == []
    assert result.conversations[1].count == len(scenario_packets("data-transfer"))


def test_a_pipe_is_read_like_a_file(cli, tmp_path: Path) -> None:
    import os
    import threading

    fifo = tmp_path / "capture.fifo"
    os.mkfifo(fifo)
    data = pcap(scenario_packets("three-way-handshake"), 101)

    def feed() -> None:
        with open(fifo, "wb") as f:
            f.write(data)

    writer = threading.Thread(target=feed)
    writer.start()
    result = cli("import", fifo, "--format", "jsonl")
    writer.join()
    assert result.code == 0 and '"send"' in result.out


def test_a_capture_error_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match=r"capture\.pcap: the capture holds no packets"):
        read_capture(write(tmp_path, pcap([], 101)))


def test_the_app_refuses_a_conversation_longer_than_it_steps_through(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app keeps both sides after every packet; past its limit the import is refused at once,
    naming the way out, and the printed formats (which stream) still take it."""
    from tcpsim.capture import load

    monkeypatch.setattr(load, "APP_PACKETS", 5)
    monkeypatch.setattr("tcpsim.ui.launch_import", lambda result, language: 0)
    path = write(tmp_path, pcap(scenario_packets("data-transfer"), 101))
    refused = cli("import", path)
    assert refused.code == 2 and "stream 0 has more than 5 packets or 128 MiB of payload" in refused.err
    assert cli("import", path, "--format", "text").code == 0


def test_the_app_refuses_payload_a_snap_length_claims_past_its_limit(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cut packets whose IP headers claim 60,000 bytes each: padded, they would be the app's to
    hold (the printed formats stream them); past its byte limit the app refuses at once."""
    from tcpsim.capture import load

    monkeypatch.setattr(load, "APP_BYTES", 1 << 20)
    monkeypatch.setattr("tcpsim.ui.launch_import", lambda result, language: 0)
    frames = scenario_packets("three-way-handshake")
    records = [(t, raw, len(raw)) for t, raw in frames]
    for k in range(40):
        big = bytearray(tcp_packet(10_000 + k * 59_960, 1, b"x" * 20))
        big[2:4] = struct.pack("!H", 60_000)
        records.append((frames[-1][0] + 0.01 * (k + 1), bytes(big), 60_000))
    path = write(tmp_path, pcap_records(records))
    assert path.stat().st_size < 5_000
    refused = cli("import", path)
    assert refused.code == 2 and "more than the app steps through" in refused.err
    assert cli("import", path, "--format", "jsonl").code == 0


def count_lookups(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the observer reads a packet of its look ahead (the unit of its work)."""
    from tcpsim.capture.window import PacketWindow

    calls = [0]
    real = PacketWindow.get

    def get(self: PacketWindow, k: int):  # type: ignore[no-untyped-def]
        calls[0] += 1
        return real(self, k)

    monkeypatch.setattr(PacketWindow, "get", get)
    return calls


def one_way(tmp_path: Path, seqs: list[int]) -> Path:
    """The handshake, then data segments from the client only, at the sequence numbers given
    (offsets after its ISN): what a capture of one direction of asymmetric routing holds."""
    frames = scenario_packets("three-way-handshake")
    client_isn = dpkt_ip(frames[0][1]).data.seq
    server_isn = dpkt_ip(frames[1][1]).data.seq
    out = list(frames)
    for n, offset in enumerate(seqs):
        out.append((frames[-1][0] + 0.001 * (n + 1), tcp_packet(client_isn + 1 + offset, server_isn + 1, b"x")))
    return write(tmp_path, pcap(out, 101))


def test_a_one_way_capture_costs_a_few_lookups_a_packet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's packets are not in the capture: its "next packet" is asked for after every
    packet; the answer (none) must not cost a walk through the whole look ahead each time."""
    path = one_way(tmp_path, list(range(8000)))
    calls = count_lookups(monkeypatch)
    result = import_capture(path, streaming=True)
    assert sum(1 for _ in result.records()) > 8000
    assert calls[0] < 40 * 8000, calls[0]


def test_copies_sent_again_far_ahead_cost_linear_time_and_are_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every segment sent again 3,000 packets later: looking ahead for each one's loss would walk
    3,000 packets per packet; the look ahead has a budget per packet, and the note says when it ran out."""
    seqs = [n % 3000 for n in range(12_000)]
    path = one_way(tmp_path, seqs)
    calls = count_lookups(monkeypatch)
    result = import_capture(path, streaming=True)
    notes = [r.text for r in result.records() if r.type == "note" and "stops looking ahead" in r.text]
    assert len(notes) == 1
    assert calls[0] < 200 * 12_000, calls[0]


def test_conversations_and_interfaces_remembered_are_bounded(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file of SYNs to ever new ports (or of pcapng interface blocks) would make the tables of
    conversations (or interfaces) grow with it: both have a bound, said when reached."""
    from tcpsim.capture import files, reader

    monkeypatch.setattr(reader, "MAX_CONVERSATIONS", 3)

    def syn_to(port: int) -> bytes:
        packet = bytearray(tcp_packet(1000, 0, b"", flags=0x02))
        packet[22:24] = struct.pack("!H", port)
        return bytes(packet)

    frames = [(EPOCH + i, syn_to(1000 + i)) for i in range(10)]
    capture = read_capture(write(tmp_path, pcap(frames, 101)))
    assert len(capture.conversations) == 3
    assert capture.skipped == {"TCP, beyond the first 3 conversations": 7}

    monkeypatch.setattr(files, "MAX_INTERFACES", 2)
    path = write(tmp_path, pcapng_with_time(frames[:1], ticks=[0]), "many.pcapng")
    data = path.read_bytes()
    idb_at = 28  # after the section header
    idb_length = struct.unpack_from("<I", data, idb_at + 4)[0]
    idb = data[idb_at : idb_at + idb_length]
    path.write_bytes(data[:idb_at] + idb * 3 + data[idb_at + idb_length :])
    result = cli("import", path, "--format", "jsonl")
    assert result.code == 2 and "describes more than 2 interfaces in one section" in result.err


@pytest.mark.parametrize("fmt", ["tcpdump", "mermaid", "text"])
def test_a_file_name_with_control_characters_is_shown_escaped_in_every_format(tmp_path: Path, cli, fmt: str) -> None:
    """Issue 16 finding 7 for imports: the capture's own name reaches the output's header line; an ESC
    there would be interpreted by the terminal, a newline would forge a line of tcpdump output."""
    name = "evil\x1b]0;pwned\x07\n10.0.0.1.1 > 10.0.0.2.2: Flags [R].pcap"
    path = write(tmp_path, pcap([*scenario_packets()], 101), name)
    result = cli("import", str(path), "--format", fmt)
    assert result.code == 0, result.err
    assert "\x1b" not in result.out and "\x07" not in result.out
    if fmt == "tcpdump":
        assert all(line.startswith("#") or " IP " in line for line in result.out.splitlines()), result.out
        assert not any(line.startswith("10.0.0.1.1 >") for line in result.out.splitlines())
