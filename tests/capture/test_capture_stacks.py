"""``tcpsim import --stack linux``: real Linux loopback captures, observed by the linux personality,
end in the states ``ss`` showed, with none of the three allowances the RFC 9293 model needs there.

Under rfc9293 the observer allows for three known differences of Linux: its abort RST carries an
ACK (a seen RST,ACK matches a predicted RST), its ACK of a FIN may ride on the FIN,ACK that
follows (a pure ACK the model predicted is covered by any later acknowledgment), and its TIME-WAIT
is 60 s (which ``--msl 30`` only happens to give). Under linux none applies: the model predicts the
RST,ACK (L2) and the delayed ACK (L5), and waits 60 s whatever ``--msl`` (L6).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from capture_support import EXCHANGES, CaptureUnavailable, capture

from tcpsim.capture import import_capture
from tcpsim.capture.explain import RULE_EXTRA_ACK, RULE_RETRANSMISSION
from tcpsim.core.personality import LINUX
from tcpsim.sim.trace import SendEvent, TimerEvent

DATA = Path(__file__).resolve().parent / "data"
EXPECTED = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))


def check_linux(path: Path, ss: dict[str, str], exchange: str) -> None:
    result = import_capture(path, stack="linux", msl=1.0)  # --msl has no say over Linux's TIME-WAIT
    obs = result.observation
    assert {name: state.value for name, state in obs.end_states.items()} == ss
    assert obs.problems == [], [n.text for n in obs.problems]
    sent = [e for e in obs.trace if isinstance(e, SendEvent) and not e.injected]
    # Every segment seen is one the model predicted, flag for flag: none is only allowed.
    assert not [e for e in sent if e.rule in (RULE_EXTRA_ACK, RULE_RETRANSMISSION)]
    for e in sent:
        if e.segment.flags & 0x04:  # a RST: Linux's RST,ACK, predicted as such (L2)
            assert e.segment.flag_text == "RST,ACK" and LINUX.reset_carries_ack.cite in e.rule  # type: ignore[union-attr]
    if exchange != "client-resets":
        closer = "client" if exchange == "client-closes" else "server"
        other = "server" if closer == "client" else "client"
        timers = [e for e in obs.trace if isinstance(e, TimerEvent)]
        # the passive closer's ACK of the FIN waited (L5) and rode on its FIN,ACK
        assert [(e.name, e.action) for e in timers if e.endpoint == other and e.name == "delack"] == [
            ("delack", "set"),
            ("delack", "cancel"),
        ]
        # TIME-WAIT: 60 s after it began, with --msl 1
        wait = next(e for e in timers if e.endpoint == closer and e.name == "2msl" and e.action == "set")
        assert wait.deadline == pytest.approx(wait.t + 60.0)
        assert "linux L6" in next(n.text for n in obs.notes if n.kind == "projection")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shipped_capture_matches_ss_under_linux_without_allowances(name: str) -> None:
    record = EXPECTED[name]
    check_linux(DATA / name, record["ss"], record["exchange"])


@pytest.mark.parametrize("exchange", EXCHANGES)
def test_live_loopback_capture_matches_ss_under_linux(tcpdump: str, tmp_path: Path, exchange: str) -> None:
    try:
        live = capture(exchange, tmp_path / f"{exchange}.pcap", tcpdump)
    except CaptureUnavailable as exc:
        pytest.skip(str(exc))
    check_linux(Path(live.path), live.ss, exchange)


def test_the_rfc9293_model_needs_the_allowances_on_the_same_captures() -> None:
    """What --stack linux does without: under rfc9293 the RST,ACK is matched to a plain RST, and
    the FIN's ACK is predicted at once (then covered by the FIN,ACK)."""
    obs = import_capture(DATA / "linux-client-resets-lo.pcap").observation
    rst = next(e for e in obs.trace if isinstance(e, SendEvent) and e.segment.flags & 0x04)
    assert rst.segment.flag_text == "RST,ACK" and "linux" not in rst.rule  # the model sent a plain RST
    obs = import_capture(DATA / "linux-client-closes-lo.pcap").observation
    assert not [e for e in obs.trace if isinstance(e, TimerEvent) and e.name == "delack"]


def test_import_stack_option(cli, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    result = cli("import", DATA / "linux-server-closes-lo.pcap", "--stack", "linux", "--format", "jsonl")
    assert result.code == 0
    rules = " ".join(json.loads(line).get("rule", "") for line in result.out.splitlines())
    assert "linux L1" in rules and "linux L6" in rules
    bad = cli("import", DATA / "linux-server-closes-lo.pcap", "--stack", "bsd", "--format", "jsonl")
    assert bad.code == 2 and "bsd" in bad.err
