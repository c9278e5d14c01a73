"""Issue 16, findings 6, 12 and 14: limits the loader states, with the bound in the message."""

from __future__ import annotations

import pytest

from tcpsim.scenario import ScenarioError, load_bytes, load_text, resolve
from tcpsim.scenario.load import MAX_SEGMENT_DATA

HEAD = 'name = "x"\n'
LISTEN = '[[step]]\nat = 0\non = "server"\ndo = "listen"\n'


def error(text: str) -> str:
    with pytest.raises(ScenarioError) as info:
        load_text(text, "s.toml")
    return str(info.value)


@pytest.mark.parametrize("key", ["rto", "msl", "latency"])
@pytest.mark.parametrize("value", ["5e-324", "1e-10", "9.99e-10"])
def test_a_duration_below_the_clock_resolution_is_refused(key: str, value: str) -> None:
    message = error(f"{HEAD}[network]\n{key} = {value}\n{LISTEN}")
    assert f"[network], key '{key}'" in message
    assert "at least 1e-09 seconds" in message and "resolution" in message
    assert f"got {float(value)!r}" in message


def test_a_delay_below_the_resolution_is_refused_and_zero_is_fine() -> None:
    delay = '[[step]]\nat = 0\non = "network"\ndo = "delay"\nby = {}\n'
    assert "at least 1e-09 seconds" in error(HEAD + LISTEN + delay.format("1e-10"))
    assert load_text(HEAD + LISTEN + delay.format("0")).steps[1].by == 0.0
    assert load_text(HEAD + LISTEN + delay.format("1e-9")).steps[1].by == 1e-9


def test_latency_zero_and_one_nanosecond_are_fine() -> None:
    assert load_text(f"{HEAD}[network]\nlatency = 0\n{LISTEN}").network.latency == 0.0
    assert load_text(f"{HEAD}[network]\nrto = 1e-9\nmsl = 1e-9\n{LISTEN}").network.rto == 1e-9


def test_a_time_just_past_the_limit_shows_the_difference() -> None:
    message = error(f'{HEAD}[[step]]\nat = 1000000.0000000001\non = "server"\ndo = "listen"\n')
    assert "(at = 1000000.0000000001)" in message
    assert "must be at most 1e+06 seconds, got 1000000.0000000001" in message


def test_an_injected_segment_larger_than_a_packet_is_refused_with_the_bound() -> None:
    inject = (
        '[[step]]\nat = 1\non = "network"\ndo = "inject"\nsegment = {{ from = "client", flags = "ACK", data = "{}" }}\n'
    )
    assert load_text(HEAD + LISTEN + inject.format("x" * MAX_SEGMENT_DATA)).steps[1].segment is not None
    message = error(HEAD + LISTEN + inject.format("x" * (MAX_SEGMENT_DATA + 1)))
    assert "65,496 bytes; one segment holds at most 65,495" in message
    assert "[[step]] #2 (at = 1), key 'segment', key 'data'" in message


@pytest.mark.parametrize(
    "magic", [b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d", b"\x0a\x0d\x0d\x0a"]
)
def test_a_capture_given_as_a_scenario_points_at_import(magic: bytes) -> None:
    with pytest.raises(ScenarioError, match=r"packet capture .*tcpsim import FILE"):
        load_bytes(magic + b"\x02\x00\x04\x00" + b"\x00" * 16, "x.pcap")


def test_any_binary_file_mentions_import() -> None:
    with pytest.raises(ScenarioError, match=r"binary file, not a TOML scenario \(a packet capture opens with"):
        load_bytes(b"\x7fELF\x00\x00", "a.out")


def test_an_empty_name_says_so() -> None:
    with pytest.raises(ScenarioError, match="argument is empty"):
        resolve("")


def test_hex_data_is_checked() -> None:
    send = '[[step]]\nat = 1\non = "client"\ndo = "send"\ndata = {}\n'
    assert load_text(HEAD + LISTEN + send.format('{ hex = "00ff7F" }')).steps[1].data == b"\x00\xff\x7f"
    assert "hexadecimal" in error(HEAD + LISTEN + send.format('{ hex = "0g" }'))
    assert "unknown key 'base64'" in error(HEAD + LISTEN + send.format('{ base64 = "AA==" }'))
    assert "got an integer (bytes that are not text: { hex" in error(HEAD + LISTEN + send.format("3"))
