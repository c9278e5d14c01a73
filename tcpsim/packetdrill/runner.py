"""Play a packetdrill script with tcpsim's core as the stack under test.

The script drives a :class:`~tcpsim.sim.world.World` with zero latency, like packetdrill's tun
device: the stack under test is one endpoint, driven through :mod:`.sockets` by the script's system
calls; the remote peer is the world's *puppet*, whose every segment is a ``<`` line injected as
written; each ``>`` line is an expectation on the next segment the stack sent. Times follow
packetdrill (``run.c``): a ``+`` time counts from when the previous event happened, or from the
previous inbound packet's script time between two inbound packets; outbound packets and the
returns of blocking calls must happen within the tolerance (``--tolerance_usecs``, widened to
``--tolerance_percent`` of the gap since the previous event). Sequence numbers are relative to
each side's ISN except in SYNs, whose sequence numbers are absolute (packetdrill's convention;
:mod:`.numbers` translates them). Each line's result and the verdict are :mod:`.results`; reading
the file is :mod:`.source`.

:class:`ScriptRun` plays one line per :meth:`~ScriptRun.step`, so a session can step it and show
each line as it holds or fails; :func:`run_script` plays the whole script headless.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

from ..core.names import EndpointName, peer_of
from ..core.personality import personality
from ..core.segment import Flags
from ..core.states import State
from ..core.tcb import EndpointConfig
from ..sim.trace import SendEvent, round_time
from ..sim.world import Inject, World, derive_isn
from .checks import Config, read_options, validate
from .model import Event, Packet, Script, ScriptError, Shell, Syscall
from .numbers import Numbering, flags_of, option
from .parser import parse
from .results import LineNote, LineResult, Mismatch, Verdict
from .segments import Expected, Seen, aggregate, compare, describe_expected, describe_seen
from .shell import Skip, StateCheck, Sysctl, TcpDrop, classify
from .sockets import Sockets, Unsupported
from .source import STACKS, define_map, load_script
from .syscalls import Pending, run_syscall

DEFAULT_RCVBUF = {"rfc9293": 65535, "rfc793": 65535, "linux": 131072, "freebsd": 65536}
"""SO_RCVBUF before any setsockopt or sysctl: tcpsim's window, Linux's net.ipv4.tcp_rmem default,
FreeBSD's net.inet.tcp.recvspace."""
SNIFF_TIMEOUT = 2.0
"""How long after the expected time packetdrill waits for an outbound packet (``run_packet.c``)."""
ANY_TIME_LIMIT = 3600.0
"""How far a ``*`` line may wait for a segment (packetdrill waits for ever)."""
LOCAL_PORT, REMOTE_PORT = 40000, 40001
"""Ephemeral ports for the side that does not bind (packetdrill picks one as a real stack would)."""


class ScriptRun:
    """One script, one world; :meth:`step` plays the next line."""

    def __init__(self, script: Script, stack: str = "rfc9293") -> None:
        if stack not in STACKS:
            raise ValueError(f"unknown stack {stack!r}")
        self.script = script
        self.stack = stack
        self.config: Config = read_options(script)
        validate(script)
        self.local: EndpointName = "client" if _first_open(script) == "connect" else "server"
        self.remote = peer_of(self.local)
        local_port = self.config.bind_port if self.local == "server" else LOCAL_PORT
        remote_port = REMOTE_PORT if self.local == "server" else self.config.connect_port
        self.local_config = EndpointConfig(
            port=local_port,
            peer_port=remote_port,
            isn=derive_isn(0, "packetdrill"),
            mss=self.config.mss,
            personality=personality(stack),
        )
        remote_config = EndpointConfig(port=remote_port, peer_port=local_port, isn=0)
        configs = {self.local: self.local_config, self.remote: remote_config}
        self.world = World(configs["client"], configs["server"], latency=0.0, seed=0, puppet=self.remote)
        self.sockets = Sockets(self.world, self.local, rcvbuf=DEFAULT_RCVBUF[stack], stack=stack)
        self.map = Numbering()
        self.results: list[LineResult] = []
        self.notes: list[str] = []
        self.skipped: list[LineResult] = []
        self.queue: list[SendEvent] = []
        self.pending: Pending | None = None
        self.verdict: Verdict | None = None
        self.index = 0
        self._trace_pos = 0
        self._last_time = 0.0
        self._last_inbound = False
        self._options_noted = False
        for line, what in self.config.ignored:
            self._skip(line, what)
        if script.init_command is not None:
            self._shell_skip_only(*script.init_command)

    # ------------------------------------------------------------------ stepping
    @property
    def finished(self) -> bool:
        return self.verdict is not None

    def step(self) -> LineResult | None:
        """Play the next line; the verdict is set once the script ends or a line fails."""
        if self.verdict is not None:
            return None
        before = len(self.results)
        try:
            if self.index < len(self.script.events):
                event = self.script.events[self.index]
                self.index += 1
                self._play(event)
            else:
                self._finish()
        except Mismatch as exc:
            self._fail(exc.line, 1, exc.message)
        except ScriptError as exc:
            self._fail(exc.line, 2, str(exc), located=True)
        except Unsupported as exc:
            line = self.script.events[self.index - 1].line if self.index else 1
            self._fail(line, 2, f"unsupported: {exc}")
        return self.results[-1] if len(self.results) > before else None

    def run(self) -> Verdict:
        while self.verdict is None:
            self.step()
        return self.verdict

    def _record(self, result: LineResult) -> None:
        """Keep a line's result, and mark it in the trace (a note: ``--format jsonl`` shows it)."""
        self.results.append(result)
        detail = f" ({result.detail})" if result.detail and result.status != "failed" else ""
        status = {"ok": "holds", "blocked": "blocks", "skipped": "skipped", "failed": "FAILS"}[result.status]
        t = self.world.now if result.t is None else result.t
        text = f"script line {result.line} {status}: {result.text}{detail}"
        self.world.trace.append(LineNote(t, text, result.line, result.status, result.text, result.detail))

    def _fail(self, line: int, code: int, message: str, *, located: bool = False) -> None:
        text = message if located else f"{self.script.path}:{line}: {message}"
        self._record(LineResult(line, "failed", self.world.now, self.script.line_text(line), message))
        self.verdict = Verdict(code, text, line)

    def _finish(self) -> None:
        if self.pending is not None:
            self._wait_pending(self.pending.deadline, "the script ended")
        if self.script.cleanup_command is not None:
            self._shell_skip_only(*self.script.cleanup_command)
        self._collect()
        if self.queue:
            sent = "; ".join(describe_seen(self._seen(e), e.t) for e in self.queue[:5])
            more = f" and {len(self.queue) - 5} more" if len(self.queue) > 5 else ""
            self.notes.append(f"after the last line the stack also sent, unchecked: {sent}{more}")
        self.verdict = Verdict(0)

    # ------------------------------------------------------------------ one event
    def _play(self, event: Event) -> None:
        action = event.action
        inbound = isinstance(action, Packet) and action.direction == "<"
        start, end = self._times(event, inbound)
        if isinstance(action, Packet) and action.direction == ">":
            self._outbound(event, action, start, end)
        else:
            if isinstance(action, Syscall) and self.pending is not None:
                # packetdrill runs one system call at a time: this one waits for the blocked one.
                self._wait_pending(max(start, self.pending.deadline), f"line {event.line} needs to run")
            self._advance_to(start)
            if isinstance(action, Packet):
                self._inbound(event, action)
            elif isinstance(action, Syscall):
                self._syscall(event, action, start, end)
            elif isinstance(action, Shell):
                self._shell(event, action)
        self._last_time = start if event.when.kind != "any" else self.world.now
        self._last_inbound = inbound

    def next_time(self) -> float:
        """When the next line starts, as far as can be told before playing it (a session's play
        waits for it): its time as the script gives it, never before now."""
        now = self.world.now
        if self.verdict is not None or self.index >= len(self.script.events):
            return now
        event = self.script.events[self.index]
        inbound = isinstance(event.action, Packet) and event.action.direction == "<"
        try:
            start = self._times(event, inbound)[0]
        except ScriptError:
            return now
        if self.pending is not None:
            start = max(start, self.pending.deadline) if isinstance(event.action, Syscall) else start
        return max(now, start)

    def _times(self, event: Event, inbound: bool) -> tuple[float, float | None]:
        """The event's start (and end) on the simulated clock, as packetdrill computes them."""
        when = event.when
        if when.kind == "any":
            return self.world.now, None
        offset = 0.0
        if when.kind.startswith("relative"):
            offset = self._last_time if (inbound and self._last_inbound) else self.world.now
        start = round_time(offset + when.start)
        end = None if when.end is None else round_time(offset + when.end)
        if isinstance(event.action, Syscall) and event.action.end is not None:
            rel = event.action.end + (offset if when.kind == "relative" else 0.0)
            end = round_time(rel)
        if end is not None and end < start:
            raise ScriptError(self.script.path, event.line, "time range is backwards")
        return start, end

    def _tolerance(self, expected: float, since: float) -> float:
        return max(self.config.tolerance, self.config.tolerance_percent / 100 * max(0.0, expected - since))

    # ------------------------------------------------------------------ the world
    def _advance_to(self, t: float) -> None:
        while (nxt := self.world.next_time()) is not None and nxt <= t:
            self.world.step()
            self._collect()
        self.world.now = max(self.world.now, round_time(t))
        self._collect()
        self._check_pending_deadline()

    def _collect(self) -> None:
        """Take in what the world did since last time: segments sent, the TCB's progress."""
        trace = self.world.trace
        while self._trace_pos < len(trace):
            new = trace[self._trace_pos :]
            self._trace_pos = len(trace)
            self.sockets.sync()
            for e in new:
                if isinstance(e, SendEvent) and e.endpoint == self.local and not e.injected:
                    self.queue.append(e)
            self.sockets.note = "listening socket"
            self.sockets.relisten()
        if self.pending is not None:
            self._try_pending()

    def _try_pending(self) -> None:
        pending = self.pending
        assert pending is not None
        result = pending.retry()
        if result is None:
            return
        self.pending = None
        now = self.world.now
        tolerance = self._tolerance(pending.deadline, pending.start)
        pending.check(result)
        if abs(now - pending.deadline) > tolerance + 1e-9:
            raise Mismatch(
                pending.line,
                f"timing error: expected system call return at {pending.deadline:.6f} sec "
                f"but happened at {now:.6f} sec; tolerance {tolerance:.6f} sec",
            )
        self._record(LineResult(pending.line, "ok", now, self.script.line_text(pending.line), "returned"))

    def _check_pending_deadline(self) -> None:
        pending = self.pending
        if pending is not None and self.world.now > pending.deadline + self._tolerance(pending.deadline, pending.start):
            raise Mismatch(
                pending.line,
                f"timing error: expected system call return at {pending.deadline:.6f} sec, "
                f"but at {self.world.now:.6f} sec it still blocks ({pending.waiting})",
            )

    def _wait_pending(self, until: float, why: str) -> None:
        """Run the world until the blocked call returns; it must by its end time."""
        limit = until + self._tolerance(until, self.pending.start if self.pending else until)
        while self.pending is not None:
            nxt = self.world.next_time()
            if nxt is None or nxt > limit:
                pending = self.pending
                raise Mismatch(
                    pending.line,
                    f"{why}, but the {pending.name}() call started here still blocks ({pending.waiting}); "
                    f"expected it to return at {pending.deadline:.6f} sec",
                )
            self.world.step()
            self._collect()

    # ------------------------------------------------------------------ packets
    def _inbound(self, event: Event, pkt: Packet) -> None:
        flags = flags_of(pkt.flags)
        if flags & Flags.SYN and self.local_state in (State.CLOSED, State.LISTEN, State.SYN_SENT):
            # a SYN that opens a connection sets the remote ISN; one that hits a connection does not
            self.map.remote_syn(pkt)
            self._apply_mss(pkt)
        seq, ack, win = self.map.to_wire(pkt, flags)
        self._note_options(event, pkt)
        self.world.execute(
            Inject(self.remote, flags, seq, ack, bytes(pkt.length), win),
        )
        self._advance_to(self.world.now)
        self._record(LineResult(event.line, "ok", self.world.now, self.script.line_text(event.line)))

    def _apply_mss(self, pkt: Packet) -> None:
        """RFC 9293 §3.7.1: send segments no larger than the peer's MSS option, 536 (IPv4) or
        1220 (IPv6) without one. The core has no options; the runner applies the script's."""
        mss = option(pkt, "mss")
        if mss is None:
            mss = 1220 if self.config.ip_version == "ipv6" else 536
        self.local_config.mss = max(1, min(self.config.mss, mss))

    def _outbound(self, event: Event, pkt: Packet, start: float, end: float | None) -> None:
        any_time = event.when.kind == "any"
        deadline = self.world.now + ANY_TIME_LIMIT if any_time else max(start, end or start) + SNIFF_TIMEOUT
        first = self._next_sent(deadline)
        expected = Expected.of(pkt)
        if first is None:
            when = "at any time" if any_time else f"at {start:.6f} sec"
            raise Mismatch(
                event.line,
                f"error handling packet: timed out waiting for packet: expected {describe_expected(expected)} "
                f"{when}, and the stack sent nothing until {self.world.now:.6f} sec",
            )
        events = [first]
        if not self.config.strict_segments:
            events += self._fragments(first, pkt.length)
        if first.segment.flags & Flags.SYN:
            self.map.local_syn(first.segment.seq, pkt)
        seen = aggregate([self._seen(e) for e in events])
        self._note_options(event, pkt)
        problem = compare(expected, seen)
        t = first.t
        if problem is None and not any_time:
            tolerance = self._tolerance(start, self._last_time)
            low, high = start - tolerance, (end if end is not None else start) + tolerance
            if not low - 1e-9 <= t <= high + 1e-9:
                if end is None:
                    problem = (
                        f"timing error: expected outbound packet at {start:.6f} sec but happened at {t:.6f} sec; "
                        f"tolerance {tolerance:.6f} sec"
                    )
                else:
                    problem = (
                        f"timing error: expected outbound packet in time range {start:.6f}~{end:.6f} sec "
                        f"but happened at {t:.6f} sec"
                    )
        if problem is not None:
            raise Mismatch(
                event.line,
                f"error handling packet: {problem}\n"
                f"script packet: {start:9.6f} {describe_expected(expected)}\n"
                f"actual packet: {t:9.6f} {describe_seen(seen, None)}\n"
                f"(the stack sent it for: {first.rule})",
            )
        detail = first.rule if len(events) == 1 else f"{len(events)} segments at once: {first.rule}"
        self._record(LineResult(event.line, "ok", t, self.script.line_text(event.line), detail))

    def _next_sent(self, deadline: float) -> SendEvent | None:
        while not self.queue:
            nxt = self.world.next_time()
            if nxt is None or nxt > deadline:
                return None
            self.world.step()
            self._collect()
            self._check_pending_deadline()
        return self.queue.pop(0)

    def _fragments(self, first: SendEvent, length: int) -> list[SendEvent]:
        """packetdrill matches one ``>`` line against several segments sent back to back
        (TSO/GSO pieces) until their payloads add up to the line's length."""
        taken: list[SendEvent] = []
        total, end = len(first.segment.data), first.segment.end
        while total < length:
            while not self.queue and self.world.next_time() == first.t:
                self.world.step()
                self._collect()
            if not self.queue:
                break
            nxt = self.queue[0]
            seg = nxt.segment
            if nxt.t != first.t or seg.seq != end or seg.flags & (Flags.SYN | Flags.RST) or not seg.data:
                break
            taken.append(self.queue.pop(0))
            total += len(seg.data)
            end = seg.end
        return taken

    def _seen(self, e: SendEvent) -> Seen:
        """A segment the stack sent, in the script's numbers."""
        return self.map.seen(e.segment)

    def _note_options(self, event: Event, pkt: Packet) -> None:
        if pkt.options and not self._options_noted:
            self._options_noted = True
            self.notes.append(
                f"TCP options are parsed but not compared: tcpsim does not model options (first at line "
                f"{event.line}); the mss and wscale of the SYNs are applied to segment sizes and windows"
            )

    # ------------------------------------------------------------------ system calls
    def _syscall(self, event: Event, sc: Syscall, start: float, end: float | None) -> None:
        self.sockets.note = f"line {event.line}: {self.script.line_text(event.line)}"
        outcome = run_syscall(self, event, sc, start, end)
        self._collect()
        if isinstance(outcome, Pending):
            self.pending = outcome
            self._record(LineResult(event.line, "blocked", self.world.now, self.script.line_text(event.line)))
            self._try_pending()
            return
        self._record(LineResult(event.line, "ok", self.world.now, self.script.line_text(event.line), outcome))
        self._advance_to(self.world.now)

    # ------------------------------------------------------------------ shell lines
    def _skip(self, line: int, why: str) -> None:
        result = LineResult(line, "skipped", None, self.script.line_text(line), why)
        self.skipped.append(result)

    def _shell_skip_only(self, line: int, shell: Shell) -> None:
        command = classify(shell.command)
        why = command.reason if isinstance(command, Skip) else "an init or cleanup command (never run)"
        self._skip(line, f"`{shell.command}`: {why}")

    def _shell(self, event: Event, shell: Shell) -> None:
        from .effects import apply_state_check, apply_sysctl, apply_tcpdrop

        command = classify(shell.command)
        text = self.script.line_text(event.line)
        if isinstance(command, Skip):
            self._skip(event.line, f"`{shell.command}`: {command.reason}")
            self._record(LineResult(event.line, "skipped", self.world.now, text, command.reason))
            return
        if isinstance(command, Sysctl):
            detail = apply_sysctl(self, event, command)
        elif isinstance(command, StateCheck):
            detail = apply_state_check(self, event, shell.command, command)
        else:
            assert isinstance(command, TcpDrop)
            detail = apply_tcpdrop(self, event, command)
        self._collect()
        self._advance_to(self.world.now)
        status = "skipped" if detail.startswith("skipped") else "ok"
        self._record(LineResult(event.line, status, self.world.now, text, detail))

    # ------------------------------------------------------------------ for a session
    def copy(self) -> ScriptRun:
        """A copy to step back to (a session keeps one before each line)."""
        return copy.deepcopy(self)

    @property
    def local_state(self) -> State:
        return self.world.endpoints[self.local].state


@dataclass
class ScriptResult:
    run: ScriptRun | None
    verdict: Verdict
    defines: dict[str, str] = field(default_factory=dict)


def run_script(path: str | Path, stack: str = "rfc9293", defines: list[str] | tuple[str, ...] = ()) -> ScriptResult:
    """Play a script file headless to its verdict (never raises for a bad script)."""
    try:
        script = load_script(path, stack, defines)
    except ScriptError as exc:
        return ScriptResult(None, Verdict(2, str(exc), exc.line), define_map(stack, defines))
    return play(script, stack)


def run_text(
    text: str, path: str = "script.pkt", stack: str = "rfc9293", defines: tuple[str, ...] = ()
) -> ScriptResult:
    """Play a script given as text (tests, and a session that holds the text already)."""
    try:
        script = parse(text, path, define_map(stack, defines))
    except ScriptError as exc:
        return ScriptResult(None, Verdict(2, str(exc), exc.line), define_map(stack, defines))
    return play(script, stack)


def play(script: Script, stack: str = "rfc9293") -> ScriptResult:
    try:
        run = ScriptRun(script, stack)
    except ScriptError as exc:
        return ScriptResult(None, Verdict(2, str(exc), exc.line), script.defines)
    return ScriptResult(run, run.run(), script.defines)


def _first_open(script: Script) -> str | None:
    for event in script.events:
        if isinstance(event.action, Syscall) and event.action.name in ("connect", "listen"):
            return event.action.name
    return None
