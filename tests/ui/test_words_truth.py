"""What the app's words say, read as a new user reads them (tmux at 80×24, 120×36 and 160×48, in
English and Chinese): each line must say the truth and read naturally. Each test failed before its fix."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from types import SimpleNamespace

from textual.pilot import Pilot
from textual.widgets import Static

from tcpsim import i18n
from tcpsim.capture.census_records import KINDS, Anomaly
from tcpsim.capture.census_text import TextSink, _conversation_line
from tcpsim.core.states import State
from tcpsim.richtext import Wrapped
from tcpsim.sim.network import Match
from tcpsim.sim.trace import NoteEvent, TimerEvent
from tcpsim.sim.wording import fault_text
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.screens.dialogs import ScenarioInfo
from tcpsim.ui.widgets.eventlog import log_line

Script = Callable[[TcpsimApp, Pilot], Awaitable[None]]


def drive(script: Script, *, size: tuple[int, int] = (80, 24), stack: str | None = None) -> None:
    app = TcpsimApp(clock=False)

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            if stack is not None:
                app.restack(stack)
                await pilot.pause()
            await script(app, pilot)

    asyncio.run(main())


def records(app: TcpsimApp) -> list[object]:
    view = app.session.view
    return list(view.trace.records[: view.trace.length])


def test_the_log_says_which_segment_d_drops_in_plain_words() -> None:
    """It said "drop the next 1 × from client"."""
    lines: list[str] = []

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("d")
        await pilot.pause()
        lines.extend(log_line(e) for e in records(app) if isinstance(e, NoteEvent))  # type: ignore[arg-type]

    drive(script)
    assert any("drop the client's next segment" in line for line in lines), lines
    assert not any("1 ×" in line for line in lines), lines


def test_a_fault_rule_reads_naturally_for_one_and_for_many() -> None:
    assert fault_text("drop", Match(sender="client"), 1) == "drop the client's next segment"
    assert fault_text("drop", Match(sender="server"), 3) == "drop the server's next 3 segments"
    assert fault_text("drop", Match(sender="client", flags=0x10), 1) == "drop the client's next segment (flags=ACK)"
    assert fault_text("duplicate", Match(), 2) == "duplicate the next 2 segments"
    assert fault_text("delay", Match(sender="client"), 1, 0.5) == "delay the client's next segment by 0.5 s"
    i18n.set_language("zh")
    try:
        assert fault_text("drop", Match(sender="client"), 1) == "丢弃客户端接下来的 1 个报文段"
    finally:
        i18n.set_language("en")


def test_a_timer_says_when_it_expires_in_seconds_as_the_log_writes_time() -> None:
    """It said "RTO timer set (deadline 1)": no unit."""
    assert log_line(TimerEvent(0.0, "client", "rto", "set", 1.0)) == "RTO timer set: it expires at t = 1.000 s"
    lines: list[str] = []

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("o")
        await pilot.pause()
        lines.extend(log_line(e) for e in records(app) if isinstance(e, TimerEvent))  # type: ignore[arg-type]

    drive(script)
    assert any(line.startswith("RTO timer set: it expires at t = ") and line.endswith(" s") for line in lines), lines


def story(app: TcpsimApp) -> str:
    dialog = app.screen
    assert isinstance(dialog, ScenarioInfo)
    texts = [w.content for w in dialog.query(Static)]
    return "\n".join(t.text.plain if isinstance(t, Wrapped) else str(t) for t in texts)


def test_the_story_says_how_long_time_wait_lasts_under_the_stack_playing() -> None:
    """Under --stack linux the sandbox's story spoke of 2·MSL only: Linux waits a fixed 60 s."""
    told: dict[str, str] = {}

    for stack in ("rfc9293", "linux", "freebsd"):

        async def script(app: TcpsimApp, pilot: Pilot, stack: str = stack) -> None:
            await pilot.press("escape", "i")
            await pilot.pause()
            told[stack] = story(app)

        drive(script, size=(120, 36), stack=None if stack == "rfc9293" else stack)
    assert "Played by linux: TIME-WAIT lasts 60 s, whatever the MSL" in told["linux"], told["linux"]
    assert "TCP_TIMEWAIT_LEN" in told["linux"]
    assert "Played by rfc9293: TIME-WAIT lasts 2·MSL = 10 s." in told["rfc9293"], told["rfc9293"]
    assert "Played by freebsd: TIME-WAIT lasts 2·MSL = 10 s." in told["freebsd"], told["freebsd"]
    for text in told.values():
        assert "an RFC 9293 TIME-WAIT (2·MSL)" in " ".join(text.split())


def test_the_time_wait_hint_does_not_promise_2msl_under_linux() -> None:
    hints: list[str] = []

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("o", "n", "n", "n", "c", "n", "n", "tab", "c", "n", "n")
        await pilot.pause()
        assert app.session.view.endpoints["client"].state is State.TIME_WAIT
        await pilot.press("tab")
        await pilot.pause()
        hints.append(app.query_one("#client").hint_text)  # type: ignore[attr-defined]

    drive(script, size=(120, 36), stack="linux")
    assert hints == ["n step: jump past TIME-WAIT"], hints


def test_the_census_counts_one_packet_as_one() -> None:
    """It said "(packets 7)" for one packet, and "1 packets"."""
    sink = TextSink(io.StringIO())
    sink.anomaly(Anomaly(KINDS[0], 1.0, "something odd", [7]))
    sink.anomaly(Anomaly(KINDS[0], 2.0, "something odd again", [8, 9]))
    sink._anomalies()
    out = sink.out.getvalue()  # type: ignore[attr-defined]
    assert "(packet 7)" in out and "(packets 8, 9)" in out, out
    record = SimpleNamespace(
        id=1, client="a", server="b", first=0.0, last=1.0, packets=1, final={"client": "X", "server": "Y"}
    )
    assert ", 1 packet: client X" in _conversation_line(record, "")  # type: ignore[arg-type]
    head = sink._heading(SimpleNamespace(path="f.pcap", conversations=1, packets=1, end=0.5))  # type: ignore[arg-type]
    assert "1 TCP conversation in 1 packet over" in head, head


def test_the_time_wait_hint_says_when_n_stops_before_the_wait_ends() -> None:
    """lost-final-ack, the client in TIME-WAIT with its last ACK lost: the hint said "n step: jump
    past TIME-WAIT", yet n stepped to the server's FIN coming again."""
    from tcpsim.scenario.library import resolve
    from tcpsim.scenario.load import load_file
    from tcpsim.scenario.session import Session
    from tcpsim.ui.words import pane_hint

    session = Session(load_file(resolve("lost-final-ack")))
    hints: list[tuple[float, str]] = []
    while True:
        view = session.view
        if view.endpoints["client"].state is State.TIME_WAIT:
            hints.append((view.t, pane_hint(view, "client", "client")))
        if not session.step():
            break
    early = [hint for t, hint in hints if t < 2.0]  # before the server's FIN comes again (its RTO)
    assert early and set(early) == {"n step: something happens before TIME-WAIT ends"}, hints
    assert hints[-1][1] == "n step: jump past TIME-WAIT", hints  # nothing else left before it ends


def test_the_handshake_hint_says_a_dropped_segment_is_sent_again() -> None:
    """Sandbox, d, o, n: the SYN was lost, yet the client's hint still said "n step: watch the SYN
    travel"; what n does next is the retransmission timer sending it again at t = 1 s."""
    from test_issue11 import widget_text

    from tcpsim.ui.words import pane_hint

    seen: list[str] = []

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("d", "o")
        seen.append(pane_hint(app.session.view, "client", "client"))  # the SYN, being dropped
        await pilot.press("n")
        seen.append(pane_hint(app.session.view, "client", "client"))  # lost
        await pilot.pause()
        shown = " ".join(widget_text(app, "#client").replace("│", " ").split())
        assert "retransmission timer sends it again at t = 1 s" in shown, shown
        await pilot.press("n")  # t = 1: sent again, and on its way
        seen.append(pane_hint(app.session.view, "client", "client"))

    drive(script, size=(120, 36))
    lost = "n step: the SYN is lost; the retransmission timer sends it again at t = 1 s"
    assert seen == [lost, lost, "n step: watch the SYN travel"], seen


def test_the_sandbox_welcome_leaves_at_the_first_step() -> None:
    """o, n, n, n, n at 120x36: the sandbox's welcome toast still said "the client is closed: open a
    connection" beside two ESTABLISHED panes. It describes the start, so it leaves once that is past."""

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.pause()
        assert [n for n in app._notifications if "the client is closed" in n.message]
        await pilot.press("o")
        await pilot.pause()
        assert not [n for n in app._notifications if "the client is closed" in n.message]

    drive(script, size=(120, 36))


def test_the_drop_toast_leaves_once_the_segment_is_dropped() -> None:
    """d, o, n: "The next segment the client sends will be dropped." stayed up after the SYN was
    lost, beside the timeline's ✕. The toast is true while the rule is armed; d again cancels it."""

    def armed_toasts(app: TcpsimApp) -> list[str]:
        return [n.message for n in app._notifications if "will be dropped" in n.message]

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("d")
        assert armed_toasts(app) == ["The next segment the client sends will be dropped."]
        await pilot.press("o")  # the SYN is caught now, in flight to be lost: the rule is used up
        assert armed_toasts(app) == []
        await pilot.press("n", "n")
        assert armed_toasts(app) == []

    drive(script, size=(120, 36))
