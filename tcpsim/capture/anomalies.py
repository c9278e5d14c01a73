"""What a census names for people debugging TIME-WAIT and CLOSE-WAIT trouble, with the packets.

Seven kinds (:data:`~.census_records.KINDS`), each in plain words with the frame numbers of the
packets that show it:

- ``close-wait``: a side stays in CLOSE-WAIT :data:`LASTING` seconds or more: its peer has closed
  and its application has not (a server that never closes its sockets);
- ``time-wait-pile-up``: :data:`PILE_UP` or more endpoints of one host in TIME-WAIT at once, with
  the range of their local ports (an ephemeral range runs out this way);
- ``rst-storm``: one host sends :data:`STORM` or more RSTs within a second, in consecutive seconds;
- ``retransmissions``: a conversation's segments sent again, and those sent again while their
  first copy was unacknowledged (lost on the way, or their acknowledgment was);
- ``half-open``: one side holds a connection the other has lost (RFC 9293 3.5.1): it opens anew,
  or the capture ends with one side synchronized and the other without a connection; or an
  embryonic connection, a SYN answered and never completed;
- ``syn-to-time-wait``: a SYN on addresses and ports one side still holds in TIME-WAIT;
- ``port-reuse``: a new connection on the addresses and ports of one that ended less than 2·MSL
  before (old duplicates of it may still be in the network: what TIME-WAIT is for).

Anomalies go to the census's sink as soon as they are known; the per-kind counts, and for the
conversations, why each matters, go into the summary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.segment import Segment
from ..core.states import State
from ..i18n import _, ngettext, number
from .census_records import KINDS, MATTERS, Anomaly, ConversationRecord
from .reader import endpoint_text

if TYPE_CHECKING:
    from .census import Census
    from .tracked import Tracked

LASTING = 1.0
"""Seconds in CLOSE-WAIT that make it worth naming: a kernel acknowledges the peer's FIN at once,
and an application that reads the end of the stream normally closes within milliseconds."""
PILE_UP = 1000
"""Endpoints of one host in TIME-WAIT at once that make a pile-up."""
STORM = 100
"""RSTs one host sends within one second that make a storm."""
SHOWN = 8
"""Packets listed with an anomaly (the first ones; the text says how many there were)."""
EARLIEST_PORTS = (32768, 60999)
"""Linux's default ephemeral port range (net.ipv4.ip_local_port_range): what a pile-up uses up."""


class _PileUp:
    """TIME-WAIT on one host since it last had none: the ports, the peers, the peak."""

    __slots__ = ("first_frame", "hi", "lo", "open", "peak", "peak_t", "peers", "since")

    def __init__(self, t: float, port: int, frame: int) -> None:
        self.lo = self.hi = port
        self.since = t
        self.first_frame = frame
        self.peak, self.peak_t = 0, t
        self.peers: set[str] = set()
        self.open = False


class _Storm:
    """RSTs one host sent in the current second, and the storm they belong to, if any."""

    __slots__ = ("bucket", "count", "first", "frames", "in_storm", "now_first", "now_frames", "start", "total")

    def __init__(self, bucket: int) -> None:
        self.bucket = bucket
        """The current second (capture time, whole seconds)."""
        self.count = 0
        """RSTs from the host in the current second."""
        self.now_first = 0.0
        self.now_frames: list[tuple[int, int]] = []
        """(frame, conversation) of the current second's first RSTs."""
        self.in_storm = False
        self.start = 0
        self.total = 0
        self.first = 0.0
        self.frames: list[tuple[int, int]] = []


class Anomalies:
    """The census's anomaly detectors (one instance per census)."""

    def __init__(self, census: Census) -> None:
        self.census = census
        self._counts: dict[str, int] = {}
        self._matters: dict[str, int] = {}
        self.pile_ups: dict[str, _PileUp] = {}
        self.storms: dict[str, _Storm] = {}
        self.retained_peaks: list[tuple[int, str, dict[str, tuple[int, float]]]] = []

    def emit(self, anomaly: Anomaly) -> None:
        self._counts[anomaly.kind] = self._counts.get(anomaly.kind, 0) + 1
        self.census.sink.anomaly(anomaly)

    def counts(self) -> dict[str, int]:
        return {kind: self._counts[kind] for kind in KINDS if kind in self._counts}

    def matter_counts(self) -> dict[str, int]:
        return {why: self._matters[why] for why in MATTERS if why in self._matters}

    # ------------------------------------------------------------------ per conversation
    @staticmethod
    def _who(conv: Tracked, side: int) -> str:
        return _("the {role} {endpoint}").format(role=conv.role(side), endpoint=endpoint_text(conv.addr[side]))

    def close_wait(self, conv: Tracked, side: int, since: tuple[float, int], t: float, frame: int) -> None:
        """``side`` left CLOSE-WAIT at ``t`` (its own FIN at ``frame``, or a RST, or a timer)."""
        began, fin = since
        if t - began < LASTING:
            return
        self.emit(
            Anomaly(
                "close-wait",
                began,
                _(
                    "{who} stayed in CLOSE-WAIT for {seconds} s: its peer closed (packet {fin}) and its "
                    "application closed only {seconds} s later (packet {frame})"
                ).format(who=self._who(conv, side), seconds=f"{t - began:.3f}", fin=fin, frame=frame or fin),
                [p for p in (fin, frame) if p],
                [conv.ident],
                conv.hosts[side],
            )
        )

    def half_open(self, conv: Tracked, side: int, frame: int, t: float, state: str) -> None:
        """``side`` opens a new connection while its model holds the old one in ``state``."""
        self.emit(
            Anomaly(
                "half-open",
                t,
                _(
                    "{who} opens a new connection (packet {frame}) while it was {state} as far as the capture "
                    "shows: it had lost the old connection (a reboot, a crash?) and its peer may still hold it "
                    "(RFC 9293 3.5.1, half-open connections)"
                ).format(who=self._who(conv, side), frame=frame, state=state),
                [frame],
                [conv.ident],
                conv.hosts[side],
            )
        )

    def lost(self, conv: Tracked, side: int, frame: int) -> None:
        """Counted by the conversation; named when it is handed out."""

    def new_syn(self, conv: Tracked, side: int, seg: Segment, t: float, frame: int) -> bool:
        """A SYN from ``side`` begins a new conversation on ``conv``'s addresses and ports: named
        when a side still held the old one in TIME-WAIT (True); otherwise the new conversation's
        opening names the reuse (:meth:`port_reuse`)."""
        for s in (0, 1):
            since = conv.time_wait_since[s]
            if conv.eps[s].state is State.TIME_WAIT and since is not None:
                left = conv.eps[s].timers.get("2msl", t) - t
                self.emit(
                    Anomaly(
                        "syn-to-time-wait",
                        t,
                        _(
                            "a SYN from {who} (packet {frame}) on addresses and ports that {holder} still held "
                            "in TIME-WAIT (since packet {since}, {left} s of it left): the old connection's "
                            "TIME-WAIT ends early (RFC 9293 answers such a SYN with an ACK; Linux accepts it when "
                            "its sequence number is above the old connection's)"
                        ).format(
                            who=self._who(conv, side),
                            frame=frame,
                            holder=self._who(conv, s),
                            since=since[1],
                            left=f"{max(left, 0.0):.3f}",
                        ),
                        [since[1], frame],
                        [conv.ident, self.census.next_id],
                        conv.hosts[s],
                    )
                )
                return True
        return False

    def port_reuse(
        self,
        conv: Tracked,
        before: tuple[float, int, int],
        t: float,
        frame: int,
    ) -> None:
        """A new connection on the 4-tuple of conversation ``before`` (when it ended, its id, its last
        packet), which ended less than 2·MSL ago."""
        ended, ident, last = before
        if t - ended > self.census.two_msl:
            return
        self.emit(
            Anomaly(
                "port-reuse",
                t,
                _(
                    "{a} and {b} are used again by a new connection (packet {frame}) {seconds} s after "
                    "conversation {ident} on them ended (packet {last}): within 2·MSL ({two_msl} s), old "
                    "duplicates of it may still be in the network"
                ).format(
                    a=endpoint_text(conv.addr[0]),
                    b=endpoint_text(conv.addr[1]),
                    frame=frame,
                    seconds=f"{t - ended:.6f}",
                    ident=ident,
                    last=last,
                    two_msl=f"{self.census.two_msl:g}",
                ),
                [last, frame],
                [ident, conv.ident],
            )
        )

    def reset(self, conv: Tracked, side: int, frame: int, t: float) -> None:
        """A RST from ``side``: counted per sending host in one-second buckets, for storms."""
        host = conv.hosts[side]
        bucket = int(t)
        storm = self.storms.get(host)
        if storm is None:
            storm = self.storms[host] = _Storm(bucket)
        elif storm.bucket != bucket:
            self._close_second(host, storm, bucket)
        if not storm.count:
            storm.now_first = t
        storm.count += 1
        if len(storm.now_frames) < SHOWN:
            storm.now_frames.append((frame, conv.ident))

    def _close_second(self, host: str, storm: _Storm, bucket: int) -> None:
        """``storm``'s second is over and ``bucket`` begins: a second with :data:`STORM` RSTs or
        more begins a storm or goes on with it; a storm ends with the first second that has fewer."""
        if storm.count >= STORM:
            if not storm.in_storm:
                storm.in_storm, storm.start, storm.first, storm.total = True, storm.bucket, storm.now_first, 0
                storm.frames = storm.now_frames
            storm.total += storm.count
            if bucket != storm.bucket + 1:
                self._storm_over(host, storm, storm.bucket + 1)
        elif storm.in_storm:
            self._storm_over(host, storm, storm.bucket)
        storm.bucket, storm.count, storm.now_frames = bucket, 0, []

    def _storm_over(self, host: str, storm: _Storm, end: int) -> None:
        self.emit(
            Anomaly(
                "rst-storm",
                storm.first,
                ngettext(
                    "{host} sent {n} RST in {seconds} s (from {start} s), at least {storm} a second: connections "
                    "refused or aborted en masse",
                    "{host} sent {n} RSTs in {seconds} s (from {start} s), at least {storm} a second: connections "
                    "refused or aborted en masse",
                    storm.total,
                ).format(host=host, n=number(storm.total), seconds=end - storm.start, start=storm.start, storm=STORM),
                [frame for frame, _conv in storm.frames],
                list(dict.fromkeys(conv for _frame, conv in storm.frames)),
                host,
            )
        )
        storm.in_storm, storm.total, storm.frames = False, 0, []

    def time_wait(self, conv: Tracked, side: int, n: int, t: float) -> None:
        """An endpoint of ``conv`` entered TIME-WAIT, the ``n``-th on its host now."""
        host = conv.hosts[side]
        port = conv.addr[side][1]
        pile = self.pile_ups.get(host)
        if pile is None:
            pile = self.pile_ups[host] = _PileUp(t, port, conv.last_frame)
        pile.lo, pile.hi = min(pile.lo, port), max(pile.hi, port)
        if len(pile.peers) < 4:
            pile.peers.add(endpoint_text(conv.addr[1 - side]))
        if n > pile.peak:
            pile.peak, pile.peak_t = n, t
            if n >= PILE_UP:
                pile.open = True

    def sampled(self, t: float) -> None:
        """A census was taken: pile-ups whose host has no TIME-WAIT left are over; storms whose
        second has passed without enough RSTs too."""
        counts = self.census.hosts.counts
        for host in [h for h in self.pile_ups if not counts.get(h, {}).get(State.TIME_WAIT.value)]:
            pile = self.pile_ups.pop(host)
            if pile.open:
                self._pile_up(host, pile, t)
        bucket = int(t)
        for host, storm in list(self.storms.items()):
            if storm.bucket < bucket:
                self._close_second(host, storm, bucket)
                if not storm.in_storm:
                    del self.storms[host]

    def _pile_up(self, host: str, pile: _PileUp, end: float) -> None:
        lo, hi = EARLIEST_PORTS
        within = lo <= pile.lo and pile.hi <= hi
        share = (
            _("; Linux's default ephemeral range {lo}-{hi} has {count} ports").format(
                lo=lo, hi=hi, count=number(hi - lo + 1)
            )
            if within
            else ""
        )
        self.emit(
            Anomaly(
                "time-wait-pile-up",
                pile.since,
                _(
                    "TIME-WAIT piles up on {host}: {peak} endpoints at once at {t} s, local ports {lo} to {hi}, "
                    "toward {peers}; each holds its 4-tuple for {two_msl} s{share}"
                ).format(
                    host=host,
                    peak=number(pile.peak),
                    t=f"{pile.peak_t:.3f}",
                    lo=pile.lo,
                    hi=pile.hi,
                    peers=", ".join(sorted(pile.peers)),
                    two_msl=f"{self.census.two_msl:g}",
                    share=share,
                ),
                [pile.first_frame],
                [],
                host,
            )
        )

    # ------------------------------------------------------------------ a conversation handed out
    def conversation_done(self, conv: Tracked, t: float, *, at_end: bool) -> ConversationRecord:
        """The record of ``conv``, its anomalies named; ``at_end``: the capture ends with it."""
        c, s = conv.client, conv.server
        notes = list(conv.notes)
        longest = 0.0
        matters: list[str] = []
        for side in (0, 1):
            since = conv.close_wait[side]
            if since is not None and at_end:
                lasted = t - since[0]
                longest = max(longest, lasted)
                if lasted >= LASTING:
                    text = _(
                        "{who} is in CLOSE-WAIT at the end of the capture, for {seconds} s since its peer closed "
                        "(packet {fin}): its application has not closed the connection"
                    ).format(who=self._who(conv, side), seconds=f"{lasted:.3f}", fin=since[1])
                    notes.append(text)
                    self.emit(Anomaly("close-wait", since[0], text, [since[1]], [conv.ident], conv.hosts[side]))
        if conv.lasting_close_wait > longest:
            longest = conv.lasting_close_wait
        if longest >= LASTING:
            matters.append("close-wait")
        finals = (conv.eps[0].state, conv.eps[1].state)
        if at_end and any(state in (State.ESTABLISHED, State.SYN_SENT, State.SYN_RECEIVED) for state in finals):
            matters.append("never-closed")
        half = self._half_open_at_end(conv, finals, t) if at_end else None
        if half is not None:
            notes.append(half)
            matters.append("half-open")
        if conv.resets:
            matters.append("reset")
        retransmissions = sum(conv.retransmissions)
        if retransmissions:
            matters.append("retransmitting")
            self._retransmissions(conv)
        if at_end:
            for side in (0, 1):
                deadline = conv.eps[side].timers.get("2msl")
                if conv.eps[side].state is State.TIME_WAIT and deadline is not None:
                    notes.append(
                        _(
                            "the capture ends with {who} in TIME-WAIT: it ends at {deadline} s, {length} s after "
                            "it began"
                        ).format(
                            who=self._who(conv, side), deadline=f"{deadline:.6f}", length=f"{self.census.two_msl:g}"
                        )
                    )
        for why in matters:
            self._matters[why] = self._matters.get(why, 0) + 1
        return ConversationRecord(
            id=conv.ident,
            client=endpoint_text(conv.addr[c]),
            server=endpoint_text(conv.addr[s]),
            first=conv.first,
            last=conv.last,
            packets=conv.packets,
            states={"client": list(conv.states[c]), "server": list(conv.states[s])},
            final={"client": conv.final(c), "server": conv.final(s)},
            notes=notes,
            first_frame=conv.first_frame,
            last_frame=conv.last_frame,
            resets=len(conv.resets),
            retransmissions=retransmissions,
            lost=sum(conv.lost),
            close_wait=longest,
            matters=tuple(matters),
            octets=conv.octets,
        )

    def _half_open_at_end(self, conv: Tracked, finals: tuple[State, State], t: float) -> str | None:
        for side in (0, 1):
            mine, peer = finals[side], finals[1 - side]
            if mine is State.SYN_RECEIVED and peer in (State.CLOSED, State.LISTEN, State.SYN_SENT):
                text = _(
                    "{who} answered a SYN (packet {frame}) and the handshake never completed: an embryonic, "
                    "half-open connection (a SYN flood leaves many)"
                ).format(who=self._who(conv, side), frame=conv.syn_frame)
                self.emit(Anomaly("half-open", conv.first, text, [conv.syn_frame], [conv.ident], conv.hosts[side]))
                return text
            if mine.synchronized and mine is not State.TIME_WAIT and peer in (State.CLOSED, State.LISTEN):
                text = _(
                    "the capture ends with {who} in {state} and its peer without the connection: one side holds a "
                    "connection the other has dropped (RFC 9293 3.5.1)"
                ).format(who=self._who(conv, side), state=mine.value)
                self.emit(Anomaly("half-open", t, text, [conv.last_frame], [conv.ident], conv.hosts[side]))
                return text
        return None

    def _retransmissions(self, conv: Tracked) -> None:
        for side in (0, 1):
            n = conv.retransmissions[side]
            if not n:
                continue
            lost = conv.lost[side]
            frames = conv.again_frames[side]
            text = ngettext(
                "{who} sent {n} segment again (packets {frames}); {lost} of them while the first copy was still "
                "unacknowledged: lost on the way, or its acknowledgment was",
                "{who} sent {n} segments again (packets {frames}); {lost} of them while the first copy was still "
                "unacknowledged: lost on the way, or their acknowledgments were",
                n,
            ).format(
                who=self._who(conv, side),
                n=number(n),
                frames=", ".join(str(f) for f in frames) + (", …" if n > len(frames) else ""),
                lost=number(lost),
            )
            self.emit(
                Anomaly("retransmissions", conv.again_t[side], text, list(frames), [conv.ident], conv.hosts[side])
            )

    # ------------------------------------------------------------------ the end
    def finish(self, end: float) -> None:
        for host, pile in sorted(self.pile_ups.items()):
            if pile.open:
                self._pile_up(host, pile, end)
        self.pile_ups.clear()
        for host, storm in sorted(self.storms.items()):
            self._close_second(host, storm, storm.bucket + 2)  # the capture's last second is over
        self.storms.clear()
