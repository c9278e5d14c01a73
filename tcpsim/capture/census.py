"""Every TCP conversation of a capture, each side's state followed, and the census over time.

``tcpsim import FILE --all`` reads the file once, record by record, and hands every packet to the
light observer of its conversation (:mod:`.tracked`), which runs the shared core's endpoints. Per
host, the endpoints in each state are counted as they change (:mod:`.census_hosts`); every
``interval`` seconds of capture time (and at the last packet) those counts are a census
:class:`~.census_records.Sample`, what ``ss -s`` would have said then. Along the way it names what
people debugging TIME-WAIT and CLOSE-WAIT trouble look for (:mod:`.anomalies`).

Memory follows the connections alive at once, not the packets: a conversation is handed out (its
:class:`~.census_records.ConversationRecord`) and forgotten once both sides hold no connection and
:data:`LINGER` seconds have passed without a packet of it (a packet that comes later, on the same
addresses and ports, starts a new conversation; a SYN starts one at once). A 4-tuple that ended
is remembered, without its endpoints, for 2·MSL, to name its reuse.

Everything the census finds goes to a :class:`Sink` as soon as it is final, so that the printed
formats stream: conversations as they end, samples as their time passes, anomalies as they show.
"""

from __future__ import annotations

import gc
import heapq
import math
import socket
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final, Protocol

from ..core.personality import personality
from ..core.segment import ACK, SYN, Segment
from ..core.seq import Seq
from ..core.states import State
from ..i18n import _
from ..sim.trace import round_time
from .anomalies import Anomalies
from .census_hosts import HostCounts
from .census_records import Anomaly, ConversationRecord, Sample, Summary
from .decode import TCP_FLAGS, ipv4_tcp, ipv4_tcp_at
from .files import CaptureError, CaptureFile, Record
from .notes import DEFAULT_MSL
from .reader import Capture, decode_frame
from .tracked import Tracked
from .tracked_sides import GONE, SETTLE, UNLIMITED, shared_config

LINGER: Final = 3.0
"""Seconds a conversation that is over stays in the table for stragglers (a segment that crossed
its RST, a retransmission still on its way) before it is handed out."""
QUIET: Final = 1000
"""Censuses in a stretch without any event beyond which they are left out (but its last)."""
COLLECT_GROWTH: Final = 1 << 18
"""Objects the collector tracks that may be added (net) before it runs again (see :func:`collected_by_hand`)."""
PROGRESS_EVERY: Final = 1 << 14
"""Records between two progress reports (and looks at how much the collector's objects grew)."""


@contextmanager
def collected_by_hand() -> Iterator[None]:
    """Python's cyclic garbage collector stopped while a census reads, and run by hand instead
    (:meth:`Census._read`) once the objects it tracks have grown by :data:`COLLECT_GROWTH` since it
    last ran. Left to itself it walks the young objects every 700 new ones, and every ten such walks
    the older ones too: the conversations alive (hundreds of thousands of objects at a busy server's
    60 s of TIME-WAIT), which took a fifth of a census's time (BENCHMARKS.md); run every so many
    packets, it still walked them all each time, a tenth. A census's objects seldom form cycles (a
    conversation handed out is freed by its reference count), so in a steady state the count of
    tracked objects (``gc.get_count()[0]``: made minus freed since the last collection) stays put and
    the collector need not run at all; cycles that do form count as growth and are freed once it
    reaches the limit, so memory stays bounded. The collector is the process's: stopped for the
    whole process while this runs."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Sink(Protocol):
    """Where a census's findings go, as soon as each is final."""

    def conversation(self, record: ConversationRecord) -> None: ...

    def sample(self, sample: Sample) -> None: ...

    def anomaly(self, anomaly: Anomaly) -> None: ...

    def summary(self, summary: Summary) -> None: ...


class Census:
    """One pass over a capture file (:meth:`run`), everything found handed to ``sink``.

    Raises :class:`~.files.CaptureError` for a file that cannot be read at all; a file that breaks
    part way is read up to the break, which the summary says (:attr:`Summary.broken`).
    """

    def __init__(
        self,
        path: str,
        sink: Sink,
        *,
        interval: float = 1.0,
        msl: float = DEFAULT_MSL,
        stack: str = "rfc9293",
        progress: Callable[[float], None] | None = None,
    ) -> None:
        if not interval > 0:
            raise ValueError("interval must be > 0")
        self.path = path
        self.sink = sink
        self.interval = interval
        self.msl = msl
        self.stack = stack
        self.personality = personality(stack)
        self.progress = progress
        self.config = shared_config(msl, self.personality)
        wait = self.personality.time_wait if self.personality.time_wait_length is not None else 2 * msl
        self.two_msl = wait
        """How long a TIME-WAIT lasts here: 2·MSL, or the stack's own length (Linux: 60 s)."""
        self.table: dict[bytes, Tracked] = {}
        """Both directions' keys (source, destination, ports) → the conversation."""
        self.hosts = HostCounts()
        self.timers: list[tuple[float, int, Tracked, int, str]] = []
        self.flights: deque[tuple[float, Tracked]] = deque()
        self.lingering: deque[tuple[float, Tracked]] = deque()
        self.recent: dict[bytes, tuple[float, int, int]] = {}
        """A 4-tuple whose conversation ended in the last 2·MSL → (when, its id, its last packet)."""
        self.recent_order: deque[tuple[float, bytes]] = deque()
        self.anomalies = Anomalies(self)
        self.next_id = 0
        self.order = 0
        self.now = 0.0
        self.due = 0.0
        """The earliest time at which something other than a packet happens (see :meth:`_advance`)."""
        self.next_sample = 0.0
        self.capture = Capture(Path(path), "", [], 0, [])  # the reader's counts of frames left out
        self.tcp = 0
        self.backwards = 0
        self.readings = 0
        """Places where the packets fit two readings (each said in its conversation's notes)."""
        self.quiet = 0
        """Censuses left out: each would have repeated the one before (see :meth:`_skip_quiet`)."""

    # ------------------------------------------------------------------ the pass
    def run(self, source: CaptureFile | None = None) -> Summary:
        """Read the capture (``source``: already open, which this closes) and hand out everything."""
        if source is None:
            source = CaptureFile(self.path)
        with collected_by_hand():  # one stretch: the collector turned on between would walk everything
            return self._run(source)

    def _run(self, source: CaptureFile) -> Summary:
        broken: str | None = None
        try:
            self._read(source)
        except CaptureError as exc:  # the file breaks part way: what came before stands
            broken = str(exc)
        finally:
            source.close()
        if self.capture.frames == 0 and broken is not None:
            raise CaptureError(broken)
        if self.tcp == 0:
            if broken is not None:
                raise CaptureError(broken)
            what = ", ".join(f"{count} {reason}" for reason, count in sorted(self.capture.skipped.items()))
            raise CaptureError(
                _("{name}: no TCP segment in the capture ({n} packets: {what})").format(
                    name=self.path, n=self.capture.frames, what=what or _("none")
                )
            )
        return self._finish(source, broken)

    def _read(self, source: CaptureFile) -> None:
        table = self.table
        capture = self.capture
        progress, size = self.progress, max(source.size, 1)
        origin = -1
        for number, offset, time_ns, linktype, frame, wire in source.frames():
            capture.frames = number
            if origin < 0:
                origin = time_ns
            t = (time_ns - origin) / 1e9
            if t < self.now:
                self.backwards += 1
                t = self.now
            if t >= self.due:
                self._advance(t)
            self.now = t
            if not number % PROGRESS_EVERY:
                if progress is not None:
                    progress(offset / size)
                if gc.get_count()[0] > COLLECT_GROWTH:
                    gc.collect()
            at = ipv4_tcp_at(linktype, frame) if wire <= len(frame) else -1
            fields = ipv4_tcp(frame, at) if at >= 0 else None
            if fields is not None:
                sequence, ack, flags, start, end = fields
                key = frame[at + 12 : at + 24]
                flags &= TCP_FLAGS
                seg = Segment(0, 0, Seq(sequence), Seq(ack if flags & ACK else 0), flags, UNLIMITED, frame[start:end])
            else:
                packet = decode_frame(Record(number, offset, time_ns, linktype, frame, wire), capture)
                if packet is None:
                    continue
                family = socket.AF_INET6 if ":" in packet.src else socket.AF_INET
                s = packet.segment
                key = (
                    socket.inet_pton(family, packet.src)
                    + socket.inet_pton(family, packet.dst)
                    + s.sport.to_bytes(2, "big")
                    + s.dport.to_bytes(2, "big")
                )
                flags = s.flags
                seg = Segment(0, 0, s.seq, s.ack, flags, UNLIMITED, s.data)
            self.tcp += 1
            conv = table.get(key)
            if conv is None:
                conv = self._open(key, seg, t, number)
                side = 0
            else:
                side = 0 if key == conv.key else 1
                if (
                    flags & SYN
                    and not flags & ACK
                    and conv.new_connection_ends_this(side)
                    and (conv.eps[side].iss != seg.seq or conv.eps[side].state is not State.SYN_SENT)
                ):  # a new connection (not the same SYN again): the old one is over
                    named = self.anomalies.new_syn(conv, side, seg, t, number)
                    self._hand_out(conv, t, cut=True)
                    conv = self._open(key, seg, t, number, reuse=not named)
                    side = 0
            conv.packet(side, seg, t, number)

    def _open(self, key: bytes, seg: Segment, t: float, frame: int, *, reuse: bool = True) -> Tracked:
        """A new conversation, whose first packet goes from side 0 to side 1 (``reuse``: a SYN on
        a 4-tuple used in the last 2·MSL is named, unless already named otherwise)."""
        size = (len(key) - 4) // 2
        rkey = key[size : 2 * size] + key[:size] + key[2 * size + 2 :] + key[2 * size : 2 * size + 2]
        family = socket.AF_INET if size == 4 else socket.AF_INET6
        a = (socket.inet_ntop(family, key[:size]), int.from_bytes(key[2 * size : 2 * size + 2], "big"))
        b = (socket.inet_ntop(family, key[size : 2 * size]), int.from_bytes(key[2 * size + 2 :], "big"))
        conv = Tracked(self, self.next_id, key, rkey, (a, b), self.config)
        self.next_id += 1
        self.table[key] = self.table[rkey] = conv
        conv.start(0, seg, t, frame)
        if reuse and seg.flags & SYN and not seg.flags & ACK:
            canonical = min(key, rkey)
            before = self.recent.get(canonical)
            if before is not None:
                self.anomalies.port_reuse(conv, before, t, frame)
        return conv

    # ------------------------------------------------------------------ time
    def _advance(self, t: float) -> None:
        """Everything due by ``t``, in time order: timers (deadline ≤ t), segments nobody answered
        (captured ≤ t - SETTLE), conversations over for LINGER (≤ t), samples (< t)."""
        while True:
            nxt, kind = self._next_event()
            if kind == "sample":
                if nxt >= t:
                    break
            elif nxt > t:
                break
            if kind == "timer":
                deadline, _order, conv, side, name = heapq.heappop(self.timers)
                self.now = max(self.now, deadline)
                if conv.ident >= 0:
                    conv.fire(side, name, deadline)
            elif kind == "flight":
                _t0, conv = self.flights.popleft()
                if conv.ident >= 0:
                    oldest = conv.settle_by(nxt - SETTLE)
                    conv.check_ended(nxt)
                    if oldest is not None:
                        self.flights.append((oldest, conv))
            elif kind == "linger":
                ended, conv = self.lingering.popleft()
                if conv.ident >= 0 and conv.ended == ended:
                    self._hand_out(conv, nxt)
            else:
                self._sample(nxt)
                self.next_sample = round_time(self.next_sample + self.interval)
                self._skip_quiet(t)
        self.due = nxt  # the next event's time: nothing has happened since it was found

    def _skip_quiet(self, t: float) -> None:
        """Nothing happens before ``t`` (the next packet) or the next timer: when that leaves more
        than :data:`QUIET` censuses that could only repeat the last one, they are left out but
        the last before that moment (counted in the summary). A capture with an hour without
        packets, or a timestamp years ahead, is not a flood of identical lines."""
        nxt, kind = self._next_event()
        if kind != "sample":
            return
        other = t
        if self.timers:
            other = min(other, self.timers[0][0])
        if self.flights:
            other = min(other, self.flights[0][0] + SETTLE)
        if self.lingering:
            other = min(other, self.lingering[0][0] + LINGER)
        steps = (other - nxt) / self.interval
        if steps <= QUIET:
            return
        last = round_time((math.ceil((other - nxt) / self.interval) - 1) * self.interval + nxt)
        if last <= nxt:
            return
        self.quiet += round((last - nxt) / self.interval)
        self.next_sample = last

    def _next_event(self) -> tuple[float, str]:
        best, kind = self.next_sample, "sample"
        if self.timers and self.timers[0][0] <= best:
            best, kind = self.timers[0][0], "timer"
        if self.flights and self.flights[0][0] + SETTLE <= best:
            best, kind = self.flights[0][0] + SETTLE, "flight"
        if self.lingering and self.lingering[0][0] + LINGER <= best:
            best, kind = self.lingering[0][0] + LINGER, "linger"
        return best, kind

    def _sample(self, t: float) -> None:
        """The census at ``t``: each host with endpoints in some state now (or at the last one)."""
        sink = self.sink
        for sample in self.hosts.census(t):
            sink.sample(sample)
        self.anomalies.sampled(t)

    # ------------------------------------------------------------------ what the conversations report
    def moved(self, host: str, old: State, new: State) -> None:
        """An endpoint on ``host`` went from ``old`` to ``new``."""
        self.hosts.moved(host, old, new)

    def schedule(self, deadline: float, conv: Tracked, side: int, name: str) -> None:
        self.order += 1
        heapq.heappush(self.timers, (deadline, self.order, conv, side, name))
        if deadline < self.due:
            self.due = deadline

    def flying(self, conv: Tracked, t: float) -> None:
        """``conv`` has a segment on its way again (its receiver's next packet will settle it)."""
        self.flights.append((t, conv))
        if t + SETTLE < self.due:
            self.due = t + SETTLE

    def ended(self, conv: Tracked) -> None:
        """Both sides of ``conv`` hold no connection: handed out after LINGER, unless revived."""
        assert conv.ended is not None
        self.lingering.append((conv.ended, conv))
        if conv.ended + LINGER < self.due:
            self.due = conv.ended + LINGER

    def reset(self, conv: Tracked, side: int, frame: int, t: float) -> None:
        self.anomalies.reset(conv, side, frame, t)

    def lost(self, conv: Tracked, side: int, frame: int) -> None:
        self.anomalies.lost(conv, side, frame)

    def half_open(self, conv: Tracked, side: int, frame: int, t: float, state: str) -> None:
        self.anomalies.half_open(conv, side, frame, t, state)

    def close_wait_ended(self, conv: Tracked, side: int, since: tuple[float, int], t: float, frame: int) -> None:
        self.anomalies.close_wait(conv, side, since, t, frame)

    def time_wait_entered(self, conv: Tracked, side: int, t: float) -> None:
        self.anomalies.time_wait(conv, side, self.hosts.time_waits(conv.hosts[side]), t)

    # ------------------------------------------------------------------ handing out
    def _hand_out(self, conv: Tracked, t: float, *, cut: bool = False) -> None:
        """``conv`` is over (or, ``cut``, ended by a new connection on its 4-tuple): its record
        goes out, its endpoints are forgotten, its 4-tuple remembered for 2·MSL."""
        if cut:
            for side in (0, 1):
                if conv.eps[side].state not in GONE:  # a TIME-WAIT the new SYN cuts short
                    conv.cut_short(side, t)
        record = self.anomalies.conversation_done(conv, t, at_end=False)
        self.sink.conversation(record)
        for key in (conv.key, conv.rkey):
            if self.table.get(key) is conv:
                del self.table[key]
        canonical = min(conv.key, conv.rkey)
        self.recent[canonical] = (conv.last, conv.ident, conv.last_frame)
        self.recent_order.append((conv.last, canonical))
        while self.recent_order and self.recent_order[0][0] + self.two_msl < t:
            when, old = self.recent_order.popleft()
            if self.recent.get(old, (None,))[0] == when:
                del self.recent[old]
        conv.ident = -1 - conv.ident  # queued timers, flights and lingering entries now skip it

    def _finish(self, source: CaptureFile, broken: str | None) -> Summary:
        """The end of the capture: what is on its way arrives, timers due by the last packet fire,
        the last census is taken at the last packet, and every conversation still open goes out."""
        end = self.now
        self._advance(end)
        for conv in list({id(c): c for c in self.table.values()}.values()):
            conv.settle_by(end)
        self._advance(end)
        self._sample(end)
        alive = sorted({id(c): c for c in self.table.values()}.values(), key=lambda c: c.ident)
        for conv in alive:
            self.sink.conversation(self.anomalies.conversation_done(conv, end, at_end=True))
        self.anomalies.finish(end)
        summary = Summary(
            path=self.path,
            format=source.format,
            packets=self.capture.frames,
            tcp=self.tcp,
            conversations=self.next_id,
            end=end,
            interval=self.interval,
            msl=self.msl,
            stack=self.stack,
            skipped=dict(self.capture.skipped),
            frame_notes=[f"packet {n.frame}: {n.text}" for n in self.capture.notes[:10]],
            anomalies=self.anomalies.counts(),
            matters=self.anomalies.matter_counts(),
            peaks=self.hosts.top_peaks(),
            broken=broken,
            backwards=self.backwards,
            two_msl=self.two_msl,
            quiet=self.quiet,
            readings=self.readings,
        )
        self._release()
        self.sink.summary(summary)
        return summary

    def _release(self) -> None:
        """Every conversation is handed out: let go of them. Each points back to this census (a
        cycle), so held here they would wait for the garbage collector, which at a busy server's
        end (thousands in TIME-WAIT) walks them for a tenth of the census's time; let go, their
        reference counts free them at once."""
        self.table.clear()
        self.timers.clear()
        self.flights.clear()
        self.lingering.clear()
