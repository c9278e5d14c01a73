"""Reading capture files: every supported link type, pcap and pcapng, both byte orders, IPv4 and
IPv6; and every kind of bad file is a clear error (exit 2, the file named), never a traceback."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from capture_files import (
    pcap,
    pcapng,
    pcapng_two_interfaces,
    scenario_packets,
    to_ipv6,
    udp_packet,
    wrap,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tcpsim.capture import CaptureError, conversations, import_capture, read_capture
from tcpsim.export import EPOCH
from tcpsim.scenario import bundled, load_file, run
from tcpsim.sim.trace import SendEvent

LINK_TYPES = [1, 113, 276, 0, 108, 101, 12, 14]


def expected_segments(name: str = "active-close-client") -> list:
    result = run(load_file(next(p for p in bundled() if p.stem == name)))
    return [e.segment for e in result.trace if isinstance(e, SendEvent)]


def write(tmp_path: Path, data: bytes, name: str = "capture.pcap") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("linktype", "version"),
    [(lt, v) for lt in LINK_TYPES for v in (4, 6)] + [(228, 4), (229, 6)],  # raw IPv4, raw IPv6
)
def test_every_link_type_reads_the_same_segments(tmp_path: Path, linktype: int, version: int) -> None:
    frames = scenario_packets()
    if version == 6:
        frames = [(t, to_ipv6(raw)) for t, raw in frames]
    capture = read_capture(write(tmp_path, pcap([(t, wrap(linktype, raw)) for t, raw in frames], linktype)))
    assert capture.link_types == [linktype]
    assert [p.segment for p in capture.packets] == expected_segments()
    client = "10.0.0.1" if version == 4 else "2001:db8::1"
    assert capture.packets[0].src == client
    assert [c.a for c in conversations(capture.packets)] == [(client, 49152)]


def test_bsd_loopback_in_either_byte_order(tmp_path: Path) -> None:
    frames = [(t, wrap(0, raw, big_endian_null=True)) for t, raw in scenario_packets()]
    assert [p.segment for p in read_capture(write(tmp_path, pcap(frames, 0))).packets] == expected_segments()


@pytest.mark.parametrize("nano", [False, True])
@pytest.mark.parametrize("big_endian", [False, True])
def test_pcap_byte_orders_and_resolutions(tmp_path: Path, nano: bool, big_endian: bool) -> None:
    frames = scenario_packets()
    capture = read_capture(write(tmp_path, pcap(frames, 101, nano=nano, big_endian=big_endian)))
    assert [p.segment for p in capture.packets] == expected_segments()
    times = [round((p.time_ns - capture.packets[0].time_ns) / 1e9, 6) for p in capture.packets]
    assert times == [round(t - frames[0][0], 6) for t, _ in frames]
    assert capture.packets[0].time_ns == EPOCH * 10**9


@pytest.mark.parametrize("linktype", [1, 113, 276, 101])
def test_pcapng(tmp_path: Path, linktype: int) -> None:
    frames = [(t, wrap(linktype, raw)) for t, raw in scenario_packets()]
    capture = read_capture(write(tmp_path, pcapng(frames, linktype), "capture.pcapng"))
    assert capture.format == "pcapng"
    assert [p.segment for p in capture.packets] == expected_segments()


def test_pcapng_with_two_interfaces_of_different_link_types(tmp_path: Path) -> None:
    capture = read_capture(write(tmp_path, pcapng_two_interfaces(scenario_packets()), "two.pcapng"))
    assert capture.link_types == [1, 101]
    assert [p.segment for p in capture.packets] == expected_segments()


def test_other_traffic_is_counted_and_left_out(tmp_path: Path) -> None:
    frames = scenario_packets()
    mixed = [udp_packet(frames[0][0]), *frames, udp_packet(frames[-1][0])]
    capture = read_capture(write(tmp_path, pcap(mixed, 101)))
    assert capture.frames == len(frames) + 2
    assert capture.skipped == {"UDP": 2}
    assert len(capture.packets) == len(frames)


def test_a_snap_length_cut_is_noted_and_padded(tmp_path: Path) -> None:
    frames = scenario_packets()
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 44, 101))
    for t, raw in frames:  # every packet cut to 44 bytes: IP and TCP headers and 4 octets of payload
        cut = raw[:44]
        out += struct.pack("<IIII", int(t), round((t % 1) * 1e6), len(cut), len(raw)) + cut
    result = import_capture(write(tmp_path, bytes(out)))
    data = [p for p in result.capture.packets if p.missing]
    assert data and data[0].segment.data[:4] == expected_segments()[3].data[:4]
    assert len(data[0].segment.data) == len(expected_segments()[3].data)
    assert any(n.kind == "gap" and "snap length" in n.text for n in result.observation.notes)


# ---------------------------------------------------------------------------------------- bad files
def good_pcap() -> bytes:
    return pcap(scenario_packets(), 101)


BAD_FILES = {
    "empty": (b"", "the file is empty"),
    "text": (b"hello, this is not a capture\n", "not a pcap or pcapng capture"),
    "toml": (b'name = "x"\n[[step]]\n', "not a pcap or pcapng capture"),
    "short-header": (good_pcap()[:10], "truncated inside its pcap header"),
    "cut-in-record-header": (good_pcap()[: 24 + 8], "truncated: it ends in the middle of a packet record's header"),
    "cut-in-packet": (good_pcap()[: 24 + 16 + 10], "truncated: it ends in the middle of a packet"),
    "cut-later": (good_pcap()[:-7], f"the {len(scenario_packets()) - 1} packets before it are complete"),
    "header-only": (good_pcap()[:24], "the capture holds no packets"),
    "802.11": (pcap(scenario_packets()[:2], 105), "link type 105 is not supported"),
    "udp-only": (pcap([udp_packet(EPOCH), udp_packet(EPOCH + 1)], 101), "no TCP segment in the capture"),
    "pcapng-cut": (pcapng(scenario_packets(), 101)[:-5], "truncated"),
    "pcapng-no-bom": (b"\x0a\x0d\x0d\x0a" + b"\x1c\0\0\0" + b"\0" * 20, "no valid byte-order mark"),
    "pcapng-bad-length": (
        pcapng(scenario_packets(), 101)[:28] + struct.pack("<II", 6, 7) + b"\0" * 8,
        "impossible length",
    ),
    "huge-record": (good_pcap()[:24] + struct.pack("<IIII", 0, 0, 1 << 30, 1 << 30), "claims"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_are_clear_errors(cli, tmp_path: Path, name: str) -> None:
    data, expected = BAD_FILES[name]
    path = write(tmp_path, data, f"{name}.pcap")
    result = cli("import", path, "--format", "jsonl")
    assert result.code == 2
    assert result.out == ""
    assert result.err.startswith("tcpsim: error: ") and str(path) in result.err
    assert expected in " ".join(result.err.split())
    assert "Traceback" not in result.err


def test_ip_fragments_are_not_tcp(cli, tmp_path: Path) -> None:
    t, raw = scenario_packets()[3]
    fragment = bytearray(raw)
    fragment[6:8] = struct.pack("!H", 0x2000)  # more fragments
    result = cli("import", write(tmp_path, pcap([(t, bytes(fragment))], 101)), "--format", "jsonl")
    assert result.code == 2 and "1 IP fragments" in result.err


@pytest.mark.parametrize("missing", ["no-such.pcap", "."])
def test_unreadable_paths(cli, tmp_path: Path, missing: str) -> None:
    result = cli("import", tmp_path / missing, "--format", "text")
    assert result.code == 2 and ("no such file" in result.err or "is a directory" in result.err)


def test_a_device_or_pipe_of_something_else_is_refused_at_once(cli) -> None:
    result = cli("import", "/dev/zero", "--format", "text")
    assert result.code == 2 and "/dev/zero: not a pcap or pcapng capture" in result.err


def test_a_capture_over_the_size_limit_is_refused_with_a_hint(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tcpsim.capture import reader

    path = write(tmp_path, pcap(scenario_packets(), 101))  # 101: raw IP
    monkeypatch.setattr(reader, "MAX_CAPTURE_BYTES", path.stat().st_size - 1)
    result = cli("import", path, "--format", "text")
    assert result.code == 2 and "larger than" in result.err and "tcpdump -r" in result.err
    monkeypatch.setattr(reader, "MAX_CAPTURE_BYTES", path.stat().st_size)
    assert cli("import", path, "--format", "text").code == 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.data(),
    kind=st.sampled_from(["pcap", "pcapng"]),
)
def test_damaged_files_never_raise_anything_but_a_capture_error(tmp_path: Path, data: st.DataObject, kind: str) -> None:
    original = bytearray(good_pcap() if kind == "pcap" else pcapng(scenario_packets(), 101))
    for _ in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(0, len(original) - 1))
        original[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        original = original[: data.draw(st.integers(0, len(original)))]
    path = tmp_path / f"damaged.{kind}"
    path.write_bytes(bytes(original))
    try:
        result = import_capture(path)
    except CaptureError as exc:
        assert str(path) in str(exc)
    else:
        assert result.observation.trace
