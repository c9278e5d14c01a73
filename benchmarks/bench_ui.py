"""The UI figures. **timeline**: one full redraw of the timeline with 100, 10,000 and 100,000
segments in history; target: the 100,000 figure within 1.5× of the 100 figure. **keypress**: ``n``
(step) to the updated frame with 10,000 segments in history, median: the first frame drawn after
the step, which shows it in the panes, the timeline and the status line; target < 50 ms. The frames
that follow by themselves (the event log's deferred scroll, a pane whose height changed) are
reported too, as the time until every widget has settled, and that is its own figure,
**settled**: ``n`` to the last frame the press causes (none for 0.1 s after it), median, target
< 50 ms (issue 11: "every widget settled"); from the same presses as **keypress**.
**diagram**: the same key press with the state diagram shown (its ``show`` and the redraw of the
cells that changed), target < 50 ms; with the cost of ``show`` alone and of drawing every visible
row of the figure from scratch.

Frames are timed where Textual makes them (the screen's compositor refresh) and encoded to the
terminal's escape sequences as a real terminal driver would, although the app runs headless."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from bench_common import TERMINAL, Figure, profile_top

if TYPE_CHECKING:
    import asyncio

FIGURES = {
    "timeline": "UI timeline frames",
    "keypress": "UI key press",
    "settled": "UI key press, settled",
    "diagram": "UI state diagram",
}
TIMELINE_SIZES = (100, 10_000, 100_000)
QUICK_TIMELINE_SIZES = (100, 1_000, 5_000)


def measure(keys: set[str], quick: bool, profile: bool) -> dict[str, Figure]:
    figures = {}
    if "timeline" in keys:
        figures["timeline"] = bench_timeline(quick, profile)
    if keys & {"keypress", "settled"}:  # one run of presses gives both
        pressed = bench_keypress(quick, profile)
        if "keypress" in keys:
            figures["keypress"] = pressed
        if "settled" in keys:
            figures["settled"] = settled_figure(pressed)
    if "diagram" in keys:
        figures["diagram"] = bench_keypress(quick, profile, view="diagram")
    return figures


def synthetic_trace(segments: int) -> list[Any]:
    """A session's trace holding ``segments`` segments, as a long exchange makes it: the client
    sends a line, the server ACKs it, again and again (the same records a real world writes)."""
    from tcpsim.core.segment import Flags, Segment
    from tcpsim.core.seq import Seq
    from tcpsim.sim.trace import ArriveEvent, CallEvent, DeliverEvent, SendEvent, StateEvent, TimerEvent

    trace: list[Any] = [
        CallEvent(0.0, "server", "listen"),
        StateEvent(0.0, "server", "CLOSED", "LISTEN", "passive OPEN", "3.10.1 OPEN: passive"),
        CallEvent(0.0, "client", "connect"),
        StateEvent(0.0, "client", "CLOSED", "SYN-SENT", "active OPEN", "3.10.1 OPEN: active, send SYN"),
        StateEvent(0.15, "client", "SYN-SENT", "ESTABLISHED", "rcv SYN,ACK", "3.10.7.3"),
        StateEvent(0.2, "server", "SYN-RECEIVED", "ESTABLISHED", "rcv ACK of SYN", "3.10.7.4"),
    ]
    data = b"hello"
    ack_flags, data_flags = Flags.ACK, Flags.ACK | Flags.PSH
    client_seq, server_seq = 1001, 5001
    sid = 0
    t = 1.0
    for _ in range(segments // 2):
        sid += 1
        trace.append(CallEvent(t, "client", "send", data))
        seg = Segment(49152, 80, Seq(client_seq), Seq(server_seq), data_flags, 65535, data)
        trace.append(SendEvent(t, "client", sid, seg, "3.10.2 SEND: ESTABLISHED, segmentize and send"))
        trace.append(TimerEvent(t, "client", "rto", "set", t + 1.0))
        client_seq += len(data)
        trace.append(ArriveEvent(t + 0.1, "server", sid))
        trace.append(DeliverEvent(t + 0.1, "server", data))
        sid += 1
        ack = Segment(80, 49152, Seq(server_seq), Seq(client_seq), ack_flags, 65535)
        trace.append(SendEvent(t + 0.1, "server", sid, ack, "3.10.7.4 seventh: acknowledge the text"))
        trace.append(ArriveEvent(t + 0.2, "client", sid))
        trace.append(TimerEvent(t + 0.2, "client", "rto", "cancel", None))
        t += 0.5
    return trace


def long_session_scenario(sends: int) -> Any:
    """A real session: the server listens, the client connects and sends a line every 0.5 s."""
    from tcpsim.scenario.model import EndpointSpec, NetworkSpec, Scenario, Step

    steps = [Step(1, 0.0, "server", "listen"), Step(2, 0.0, "client", "connect")]
    steps += [Step(3 + i, 1.0 + 0.5 * i, "client", "send", data=b"hello") for i in range(sends)]
    return Scenario(
        name="bench: a long session",
        path=None,
        network=NetworkSpec(msl=5.0),
        client=EndpointSpec(port=49152, isn=1000),
        server=EndpointSpec(port=80, isn=5000),
        steps=tuple(steps),
    )


class _FrameClock:
    """Times the frames Textual makes: wraps the screen's compositor refresh (the frame's work) and
    the app's display (adding the terminal encoding a headless driver skips)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.frames: list[tuple[float, float]] = []
        self.waiter: asyncio.Event | None = None
        screen = app.screen
        refresh = screen._compositor_refresh
        display = app._display

        def timed_refresh() -> None:
            started = time.perf_counter()
            refresh()
            self.frames.append((started, time.perf_counter()))
            if self.waiter is not None:
                self.waiter.set()

        def encoding_display(target: Any, renderable: Any) -> None:
            display(target, renderable)
            if renderable is not None and hasattr(renderable, "render_segments"):
                renderable.render_segments(app.console)

        screen._compositor_refresh = timed_refresh
        app._display = encoding_display

    def arm(self) -> asyncio.Event:
        import asyncio

        self.waiter = asyncio.Event()
        return self.waiter

    async def next_frame(self, timeout: float = 10.0) -> tuple[float, float]:
        import asyncio

        assert self.waiter is not None
        await asyncio.wait_for(self.waiter.wait(), timeout)
        self.waiter = None
        return self.frames[-1]


async def _settle(pilot: Any) -> None:
    """Wait until the app is idle (no CPU used for 20 ms): every frame a change causes is drawn."""
    await pilot.pause()


async def _quiet(clock: _FrameClock, quiet: float = 0.1, limit: float = 2.0) -> None:
    """Wait until no frame has been drawn for ``quiet`` seconds (without forcing one, as
    ``Pilot.pause`` does): the frames a change causes come in their own time."""
    import asyncio

    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        await asyncio.sleep(quiet / 4)
        last = clock.frames[-1][1] if clock.frames else started
        if time.perf_counter() - last >= quiet:
            return


def _timeline_frames(segments: int, repeats: int, profile: bool) -> dict[str, Any]:
    import asyncio
    import cProfile
    import statistics

    from tcpsim.ui.app import TcpsimApp
    from tcpsim.ui.widgets.timeline import Timeline

    trace = synthetic_trace(segments)
    app = TcpsimApp(clock=False)
    out: dict[str, Any] = {}

    async def main() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            await _settle(pilot)
            clock = _FrameClock(app)
            timeline = app.query_one("#timeline", Timeline)
            lines = [0]
            render_line = timeline.render_line

            def counted(y: int) -> Any:
                lines[0] += 1
                return render_line(y)

            timeline.render_line = counted  # type: ignore[method-assign]
            from dataclasses import replace

            from tcpsim.scenario.view import TraceView

            view = replace(app.session.view, t=trace[-1].t + 0.3, trace=TraceView(trace, len(trace), 0), flights={})
            started = time.perf_counter()
            timeline.show(view, relative=False)
            out["sync_ms"] = round(1000 * (time.perf_counter() - started), 2)
            await _settle(pilot)
            draws, latencies, drawn = [], [], []
            prof = cProfile.Profile() if profile else None
            for _ in range(repeats):
                lines[0] = 0
                clock.arm()
                asked = time.perf_counter()
                if prof:
                    prof.enable()
                timeline.refresh()
                begin, end = await clock.next_frame()
                if prof:
                    prof.disable()
                draws.append(end - begin)
                latencies.append(end - asked)
                drawn.append(lines[0])
                await _settle(pilot)
            out["frame_ms"] = round(1000 * statistics.median(draws), 3)
            out["frame_ms_min"] = round(1000 * min(draws), 3)
            out["refresh_to_frame_ms"] = round(1000 * statistics.median(latencies), 3)
            out["lines_drawn"] = statistics.median(drawn)
            out["rows"] = len(timeline.rows)
            out["height"] = timeline.size.height
            if prof:
                out["profile"] = profile_top(prof)

    asyncio.run(main())
    return out


def bench_timeline(quick: bool, profile: bool = False) -> Figure:
    sizes = QUICK_TIMELINE_SIZES if quick else TIMELINE_SIZES
    repeats = 5 if quick else 20
    results = {n: _timeline_frames(n, repeats, profile and n == sizes[-1]) for n in sizes}
    small, big = results[sizes[0]]["frame_ms"], results[sizes[-1]]["frame_ms"]
    ratio = big / small
    fig = Figure(
        key="timeline",
        title=f"Timeline frame: {sizes[-1]:,} vs {sizes[0]:,} segments",
        value=round(ratio, 3),
        unit="×",
        target="≤ 1.5×",
        met=ratio <= 1.5,
        summary="; ".join(f"{n:,}: {r['frame_ms']:.2f} ms" for n, r in results.items())
        + f" (full redraw of {results[sizes[-1]]['lines_drawn']:g} lines, median of {repeats})",
        details={str(n): {k: v for k, v in r.items() if k != "profile"} for n, r in results.items()},
    )
    if profile:
        fig.profile = results[sizes[-1]].get("profile")
    return fig


def bench_keypress(quick: bool, profile: bool = False, view: str = "timeline") -> Figure:
    """``n`` to the updated frame; ``view`` "diagram": with the state diagram shown instead of the timeline."""
    import asyncio
    import cProfile
    import statistics

    from tcpsim.scenario.session import Session
    from tcpsim.ui.app import TcpsimApp

    segments = 2_000 if quick else 10_000
    presses = 10 if quick else 40
    scenario = long_session_scenario(segments // 2 + presses + 50)
    session = Session(scenario)  # the app's own kind, kept here: its world is stepped behind the app's back
    app = TcpsimApp(clock=False, session=session)
    world = session.world
    sent = 0
    while sent < segments:  # build the history headless (no snapshots: only the presses need them)
        processed = world.step()
        assert processed is not None
        if processed.kind == "arrive":
            sent += 1
    out: dict[str, Any] = {}

    async def main() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            await _settle(pilot)
            if view == "diagram":
                await pilot.press("v")
                await _settle(pilot)
                out.update(_diagram_costs(app, repeats=5 if quick else 20))
            clock = _FrameClock(app)
            action_step = app.action_step
            spans: list[tuple[float, float]] = []

            def timed_step() -> None:
                started = time.perf_counter()
                action_step()
                spans.append((started, time.perf_counter()))
                clock.arm()  # the first frame after the step is the updated one

            app.action_step = timed_step  # type: ignore[method-assign]
            from textual import events

            totals, actions, draws, lasts, counts = [], [], [], [], []
            prof = cProfile.Profile() if profile else None
            for _ in range(presses):
                key = events.Key("n", "n")
                key.set_sender(app)
                pressed = time.perf_counter()
                if prof:
                    prof.enable()
                app._driver.send_message(key)  # type: ignore[union-attr]  # as a terminal's input arrives
                while clock.waiter is None:
                    await asyncio.sleep(0)
                begin, end = await clock.next_frame()
                if prof:
                    prof.disable()
                totals.append(end - pressed)
                actions.append(spans[-1][1] - spans[-1][0])
                draws.append(end - begin)
                await _quiet(clock)  # the follow-up frames the press causes, at their own pace
                after = [f for f in clock.frames if f[0] >= pressed]
                counts.append(len(after))
                lasts.append(after[-1][1] - pressed)
            out["press_to_frame_ms"] = round(1000 * statistics.median(totals), 2)
            out["press_to_frame_ms_p90"] = round(1000 * sorted(totals)[int(0.9 * (len(totals) - 1))], 2)
            out["press_to_last_frame_ms"] = round(1000 * statistics.median(lasts), 2)
            out["frames_per_press"] = statistics.median(counts)
            out["action_ms"] = round(1000 * statistics.median(actions), 2)
            out["frame_ms"] = round(1000 * statistics.median(draws), 2)
            out["trace_records"] = len(session.trace)
            if prof:
                out["profile"] = profile_top(prof)

    asyncio.run(main())
    ms = out["press_to_frame_ms"]
    summary = (
        f"median of {presses}: step and publish {out['action_ms']:.1f} ms, frame {out['frame_ms']:.1f} ms, "
        f"p90 {out['press_to_frame_ms_p90']:.1f} ms; every widget settled after "
        f"{out['press_to_last_frame_ms']:.0f} ms ({out['frames_per_press']:g} frames)"
    )
    if view == "diagram":
        summary += (
            f"; show() {out['show_ms']:.2f} ms, every visible row drawn afresh {out['rows_ms']:.2f} ms "
            f"({out['rows']} rows)"
        )
    fig = Figure(
        key="keypress" if view == "timeline" else view,
        title=f"Key press (n, step) to the updated frame at {segments:,} segments"
        + (", state diagram shown" if view == "diagram" else ""),
        value=ms,
        unit="ms",
        target="< 50 ms",
        met=ms < 50.0,
        summary=summary,
        details={k: v for k, v in out.items() if k != "profile"} | {"segments": segments, "presses": presses},
    )
    if profile:
        fig.profile = out.get("profile")
    return fig


def settled_figure(pressed: Figure) -> Figure:
    """The key press until every widget has settled: the last frame the press causes."""
    details = pressed.details
    ms = details["press_to_last_frame_ms"]
    return Figure(
        key="settled",
        title=f"Key press (n, step) to every widget settled at {details['segments']:,} segments",
        value=ms,
        unit="ms",
        target="< 50 ms",
        met=ms < 50.0,
        summary=(
            f"median of {details['presses']}: {details['frames_per_press']:g} frame(s) per press, the first "
            f"after {details['press_to_frame_ms']:.1f} ms (the same presses as the key press figure)"
        ),
        details={k: details[k] for k in ("press_to_last_frame_ms", "frames_per_press", "segments", "presses")},
    )


def _diagram_costs(app: Any, repeats: int) -> dict[str, Any]:
    """What a step costs the state diagram: ``show`` with a new state (the cells it lights change),
    and drawing every visible row of the figure with no row cached (after a resize or a theme)."""
    import statistics

    from tcpsim.core.states import State
    from tcpsim.ui.widgets.diagram import DiagramCanvas, StateDiagram

    diagram = app.query_one(StateDiagram)
    canvas = app.query_one(DiagramCanvas)
    walked = dict.fromkeys(canvas.figure.route_cells if canvas.figure else (), 3)
    shows, rows = [], []
    for i in range(repeats):
        states = {"client": State.ESTABLISHED, "server": State.CLOSE_WAIT if i % 2 else State.FIN_WAIT_1}
        last = {"client": ("SYN-SENT", "rcv SYN,ACK", "ESTABLISHED"), "server": None}
        started = time.perf_counter()
        diagram.show(states, last, walked, "server")
        shows.append(time.perf_counter() - started)
        canvas._strips.clear()
        started = time.perf_counter()
        for y in range(canvas.size.height):
            canvas.render_line(y)
        rows.append(time.perf_counter() - started)
    return {
        "show_ms": round(1000 * statistics.median(shows), 3),
        "rows_ms": round(1000 * statistics.median(rows), 3),
        "rows": canvas.size.height,
        "layout": canvas.layout_in_use.name if canvas.layout_in_use else None,
    }
