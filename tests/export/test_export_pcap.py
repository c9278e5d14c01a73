"""The pcap writer: one real IPv4/TCP packet per segment, read back here without dpkt."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from export_support import SCENARIOS, read_pcap, result_of

from tcpsim.export import EPOCH, captured, pcap_bytes, write_pcap
from tcpsim.scenario import load_text, run
from tcpsim.sim.trace import ArriveEvent, SendEvent

ADDRESS = {"client": "10.0.0.1", "server": "10.0.0.2"}


def test_the_epoch_is_new_year_2026() -> None:
    assert datetime.fromtimestamp(EPOCH, UTC) == datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_transmission_is_one_packet_at_the_sender(name: str) -> None:
    result = result_of(name)
    sends = [e for e in result.trace if isinstance(e, SendEvent)]
    linktype, packets = read_pcap(pcap_bytes(result.trace, result.scenario))
    assert linktype == 101  # LINKTYPE_RAW: the packet starts with its IPv4 header
    assert len(packets) == len(sends)
    for send, p in zip(sends, packets, strict=True):
        seg = send.segment
        receiver = "server" if send.endpoint == "client" else "client"
        assert (p.src, p.dst) == (ADDRESS[send.endpoint], ADDRESS[receiver])
        assert (p.sport, p.dport, p.seq, p.ack, p.wnd) == (seg.sport, seg.dport, seg.seq, seg.ack, seg.wnd)
        assert p.flags == int(seg.flags)
        assert p.payload == seg.data
        assert p.ip_ok and p.tcp_ok
        assert (p.ttl, p.df, p.ip_id) == (64, True, send.id)
        assert p.sec * 1_000_000 + p.usec == (EPOCH * 1_000_000) + round(send.t * 1_000_000)
    ids = [p.ip_id for p in packets]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_receiver_sees_what_arrives_when_it_arrives(name: str) -> None:
    result = result_of(name)
    sends = {e.id: e for e in result.trace if isinstance(e, SendEvent)}
    arrivals = [e for e in result.trace if isinstance(e, ArriveEvent)]
    _, packets = read_pcap(pcap_bytes(result.trace, result.scenario, "receiver"))
    assert len(packets) == len(arrivals)
    for arrival, p in zip(arrivals, packets, strict=True):
        send = sends[arrival.id]
        assert p.ip_id == send.id and p.seq == send.segment.seq and p.payload == send.segment.data
        assert p.dst == ADDRESS[arrival.endpoint]
        assert p.sec * 1_000_000 + p.usec == (EPOCH * 1_000_000) + round(arrival.t * 1_000_000)
        assert p.ip_ok and p.tcp_ok


def test_a_dropped_segment_is_on_the_wire_at_the_sender_only() -> None:
    result = result_of("lost-fin")
    _, at_sender = read_pcap(pcap_bytes(result.trace, result.scenario, "sender"))
    _, at_receiver = read_pcap(pcap_bytes(result.trace, result.scenario, "receiver"))
    fins = [(p.sec, p.usec) for p in at_sender if p.flags & 0x01 and p.src == "10.0.0.1"]
    assert fins == [(EPOCH + 1, 0), (EPOCH + 2, 0)]  # the lost FIN and its retransmission
    fins = [(p.sec, p.usec) for p in at_receiver if p.flags & 0x01 and p.src == "10.0.0.1"]
    assert fins == [(EPOCH + 2, 100_000)]  # only the retransmission arrives
    assert len(at_receiver) == len(at_sender) - 1


def test_a_duplicated_segment_is_once_at_the_sender_and_twice_at_the_receiver() -> None:
    result = result_of("duplicate-segment")
    _, at_sender = read_pcap(pcap_bytes(result.trace, result.scenario, "sender"))
    _, at_receiver = read_pcap(pcap_bytes(result.trace, result.scenario, "receiver"))
    data_sender = [p for p in at_sender if p.payload]
    data_receiver = [p for p in at_receiver if p.payload]
    assert len(data_receiver) == len(data_sender) + 1
    first, copy = (p for p in data_receiver if data_receiver.count(p) == 2)
    assert first == copy  # the very same packet, IP ID included, twice


def test_a_delayed_segment_arrives_after_later_ones_at_the_receiver() -> None:
    result = result_of("out-of-order")
    _, at_sender = read_pcap(pcap_bytes(result.trace, result.scenario, "sender"))
    _, at_receiver = read_pcap(pcap_bytes(result.trace, result.scenario, "receiver"))
    order = [p.ip_id for p in at_receiver]
    assert order != sorted(order)
    assert sorted(order) == [p.ip_id for p in at_sender]
    times = [(p.sec, p.usec) for p in at_receiver]
    assert times == sorted(times)


def test_injected_segments_are_packets_too() -> None:
    result = result_of("rst-challenge-ack")
    injected = [e for e in result.trace if isinstance(e, SendEvent) and e.injected]
    assert injected
    _, packets = read_pcap(pcap_bytes(result.trace, result.scenario))
    by_id = {p.ip_id: p for p in packets}
    for e in injected:
        assert by_id[e.id].seq == e.segment.seq and by_id[e.id].flags == int(e.segment.flags)


def test_the_scenario_chooses_the_addresses() -> None:
    scenario = load_text(
        """
        name = "addresses"
        [client]
        address = "192.168.7.10"
        isn = 1
        [server]
        address = "172.16.0.80"
        isn = 2
        [[step]]
        at = 0
        on = "server"
        do = "listen"
        [[step]]
        at = 0
        on = "client"
        do = "connect"
        """.replace("\n        ", "\n")
    )
    result = run(scenario)
    _, packets = read_pcap(pcap_bytes(result.trace, scenario))
    assert [(p.src, p.dst) for p in packets] == [
        ("192.168.7.10", "172.16.0.80"),
        ("172.16.0.80", "192.168.7.10"),
        ("192.168.7.10", "172.16.0.80"),
    ]
    assert all(p.ip_ok and p.tcp_ok for p in packets)


def test_write_pcap_to_a_path_or_a_file_returns_the_count(tmp_path: Path) -> None:
    result = result_of("three-way-handshake")
    path = tmp_path / "out.pcap"
    assert write_pcap(result.trace, result.scenario, path) == 3
    buffer = io.BytesIO()
    assert write_pcap(result.trace, result.scenario, buffer, "receiver") == 3
    assert path.read_bytes() == pcap_bytes(result.trace, result.scenario)
    assert buffer.getvalue() == pcap_bytes(result.trace, result.scenario, "receiver")


def test_a_trace_so_far_and_an_empty_one() -> None:
    scenario = result_of("lost-fin").scenario
    partial = run(scenario, until=0.15)
    _, packets = read_pcap(pcap_bytes(partial.trace, scenario))
    assert len(packets) == 2  # SYN at 0, SYN,ACK at 0.1
    linktype, none = read_pcap(pcap_bytes([], None))
    assert (linktype, none) == (101, [])


def test_an_unknown_capture_point_is_refused_before_any_file_is_made(tmp_path: Path) -> None:
    result = result_of("three-way-handshake")
    with pytest.raises(ValueError, match="capture point"):
        write_pcap(result.trace, result.scenario, tmp_path / "x.pcap", "middle")
    assert not (tmp_path / "x.pcap").exists()
    with pytest.raises(ValueError, match="capture point"):
        captured(result.trace, "middle")


def test_an_unwritable_path_raises_oserror(tmp_path: Path) -> None:
    result = result_of("three-way-handshake")
    with pytest.raises(OSError):
        write_pcap(result.trace, result.scenario, tmp_path / "missing" / "x.pcap")
    with pytest.raises(OSError):
        write_pcap(result.trace, result.scenario, tmp_path)


def test_sequence_numbers_near_the_wrap_are_written_as_they_are() -> None:
    scenario = load_text(
        """
        name = "wrap"
        [client]
        isn = 4294967294
        [server]
        isn = 4294967295
        [[step]]
        at = 0
        on = "server"
        do = "listen"
        [[step]]
        at = 0
        on = "client"
        do = "connect"
        [[step]]
        at = 0.5
        on = "client"
        do = "send"
        data = "hello"
        """.replace("\n        ", "\n")
    )
    result = run(scenario)
    _, packets = read_pcap(pcap_bytes(result.trace, scenario))
    top = 2**32 - 1
    assert [(p.seq, p.ack) for p in packets[:4]] == [(top - 1, 0), (top, top), (top, 0), (top, 0)]
    assert packets[3].payload == b"hello"
    assert all(p.tcp_ok for p in packets)


def test_a_segment_no_packet_can_carry_is_a_documented_error(tmp_path: Path) -> None:
    """Issue 16, finding 6: more than 65,495 bytes in one segment is no IPv4 packet; write_pcap says
    so (PcapError, a WriteError) and writes nothing, instead of dpkt's PackError."""
    from tcpsim.core.segment import Flags, Segment
    from tcpsim.export.pcap import MAX_PAYLOAD, PcapError
    from tcpsim.files import WriteError
    from tcpsim.sim.trace import InjectEvent

    def send(size: int) -> InjectEvent:
        seg = Segment(49152, 80, 1000, 5000, int(Flags.ACK), 65535, b"x" * size)
        return InjectEvent(t=1.0, endpoint="client", id=7, segment=seg, rule="")

    assert len(read_pcap(pcap_bytes([send(MAX_PAYLOAD)]))[1]) == 1
    target = tmp_path / "big.pcap"
    with pytest.raises(PcapError, match=r"segment #7 .* 65,496 bytes .* at most 65,495") as info:
        write_pcap([send(MAX_PAYLOAD + 1)], None, target)
    assert isinstance(info.value, WriteError)
    assert not target.exists()
