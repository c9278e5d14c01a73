"""The trace a capture's observers write, and how it is handed out in bounded memory.

Kept apart from :mod:`.observer`, which decides what each packet means, because the trace has
its own rules: a record goes out (:meth:`TraceKeeping._final`) only once nothing can change it,
and nothing can while no segment sent before it is still taken as lost, since a drop found later
goes in just after that segment's send (:meth:`TraceKeeping._insert`), shifting the app's frames
after it. The app steps through frames (a snapshot of both sides after each packet); the printed
formats take the records as they become final and need no frames.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core import actions as act
from ..core.names import EndpointName
from ..core.segment import Segment
from ..core.states import State
from ..core.tcb import Endpoint
from ..sim.recording import trace_record
from ..sim.trace import TraceEvent, round_time
from .arrival import Arrivals
from .clone import snapshot
from .explain import RST, Account, Later, Prediction, account
from .notes import CaptureNote
from .observation import Frame
from .reader import TcpPacket

KEPT_RECEIVED = 4096
"""The bytes each side has received that its endpoint keeps, for display (the trace has them all)."""


class TraceKeeping(Arrivals):
    """The observer's trace and frames (its :class:`~.observer.Observer` subclass decides what goes in)."""

    # What the observer provides (set in its __init__).
    origin_ns: int
    flushed: int
    """Records handed out already (and no longer in :attr:`trace`)."""
    frames: list[Frame]
    keep_frames: bool
    _notes: int
    _problems: int

    def _t(self, packet: TcpPacket) -> float:
        return round_time((packet.time_ns - self.origin_ns) / 1e9)

    def _t_at(self, k: int) -> float:
        packet = self.window.get(k)
        assert packet is not None
        return self._t(packet)

    def _note(self, text: str, kind: str, endpoint: str | None = None, t: float | None = None) -> None:
        self.trace.append(CaptureNote(self.now if t is None else t, text, endpoint, kind))

    def _record(
        self,
        name: EndpointName,
        actions: list[act.Action],
        arriving: int = 0,
        *,
        predict: bool = True,
        rule: str = "",
    ) -> None:
        """Put what an observer did in the trace; what it asked to send becomes predictions. ``rule``
        replaces the rule of a state change the host forced (it is not the RFC's doing)."""
        now, trace = self.now, self.trace
        for a in actions:
            if isinstance(a, act.Send):
                if predict:
                    self.preds[name].append(Prediction(a.segment, a.rule, a.retransmission, now))
                continue
            if isinstance(a, act.TimerChanged) and a.name == "rto":
                continue  # the retransmission timer is the real stack's, not the model's
            trace.append(trace_record(now, name, a, arriving, rule))
            if isinstance(a, act.StateChanged) and a.new is State.CLOSED:
                # no TCB, nothing more to send but the RST it just asked for
                self.preds[name] = [p for p in self.preds[name] if p.segment.flags & RST]
        ep = self.eps[name]
        ep.timers.pop("rto", None)
        if len(ep.received) > KEPT_RECEIVED:  # the application reads what arrives: keep only the last
            del ep.received[:-KEPT_RECEIVED]

    def _account(
        self,
        name: EndpointName,
        seg: Segment,
        ep: Endpoint,
        preds: list[Prediction],
        abort_ok: bool,
        last: Segment | None = None,
        later: Later | None = None,
    ) -> Account:
        return account(
            name,
            seg,
            ep,
            preds,
            self.now,
            abort_ok=abort_ok,
            last=self.last_arrival[name] if last is None else last,
            gap_budget=self.gap_budget,
            later=later,
        )

    def _insert(self, index: int, events: list[TraceEvent]) -> None:
        """Put ``events`` into the trace at (absolute) ``index``; the frames after it shift."""
        self.trace[index - self.flushed : index - self.flushed] = events
        for position in range(len(self.frames) - 1, -1, -1):
            frame = self.frames[position]
            if frame.trace_len < index:
                break
            self.frames[position] = Frame(frame.t, frame.trace_len + len(events), frame.endpoints)

    def _index_after(self, event: TraceEvent) -> int:
        """The absolute position just after ``event`` in the trace (which still holds it)."""
        for index in range(len(self.trace) - 1, -1, -1):
            if self.trace[index] is event:
                return self.flushed + index + 1
        raise ValueError("the record was handed out already")  # the oldest lost send holds the flush back

    def _frame(self) -> None:
        if not self.keep_frames:  # only the app steps through frames; the printed formats need none
            return
        length = self.flushed + len(self.trace)
        if self.frames and self.frames[-1].trace_len == length and self.frames[-1].t == self.now:
            return  # nothing happened since the last one
        self.frames.append(Frame(self.now, length, {n: snapshot(ep) for n, ep in self.eps.items()}))

    def _final(self) -> Iterator[TraceEvent]:
        """Hand out the records nothing can change any more: those before the oldest lost send."""
        oldest = self._oldest_lost()
        end = len(self.trace) if oldest is None else self._index_after(oldest) - 1 - self.flushed  # the send stays
        if end <= 0:
            return
        done, self.trace = self.trace[:end], self.trace[end:]
        self.flushed += end
        for record in done:
            if isinstance(record, CaptureNote):
                self._notes += 1
                self._problems += record.kind != "projection"
        yield from done
