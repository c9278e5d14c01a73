"""The two modelled sides of one conversation of a whole capture, and what the census learns
when they move.

Part of :class:`~.tracked.Tracked` (one class in three layers, one module each): this one holds
each side's :class:`~tcpsim.core.tcb.Endpoint` and is the only place that calls into it and
watches it change state, so that every state change reaches the census's counts, exactly once,
whatever made it (a call explained from the capture, a segment arriving, a timer firing, a new
connection cutting TIME-WAIT short). :mod:`.tracked_sent` explains what a side sent;
:mod:`.tracked` takes the packets and decides when each reaches its receiver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, cast

from ..core import actions as act
from ..core import seq as sq
from ..core.segment import ACK, SYN, Segment
from ..core.seq import Seq
from ..core.states import State
from ..core.tcb import Endpoint, EndpointConfig
from ..i18n import _

if TYPE_CHECKING:
    from .census import Census
    from .tracked import Tracked


UNLIMITED: Final = 1 << 30
"""The window every segment is taken to advertise, and the MSS: windows are not checked."""
SETTLE: Final = 3.0
"""Seconds after which a segment its receiver has not answered is taken to have arrived: longer
than a first retransmission takes (RFC 6298's initial RTO is 1 s, then 2 s), so that a copy sent
again finds the first one still on its way, and takes it as lost."""
MAX_GAP: Final = 1 << 20
"""The most octets missing at one place that are made up (as zeros) to keep the numbers right."""
MAX_NOTES: Final = 20
"""The notes kept on one conversation (the first)."""
MAX_QUEUE: Final = 512
"""Segments one side may have outstanding in its model before the model takes them as
acknowledged: a capture of one direction only would otherwise keep every byte sent."""

# The states by their own names, and the groups of them the census asks about. ``Final``: compiled
# (setup.py), each is then read from a C variable, not looked up in the module's dict every time.
CLOSED: Final = State.CLOSED
LISTEN: Final = State.LISTEN
SYN_SENT: Final = State.SYN_SENT
SYN_RECEIVED: Final = State.SYN_RECEIVED
ESTABLISHED: Final = State.ESTABLISHED
FIN_WAIT_1: Final = State.FIN_WAIT_1
FIN_WAIT_2: Final = State.FIN_WAIT_2
CLOSE_WAIT: Final = State.CLOSE_WAIT
CLOSING: Final = State.CLOSING
LAST_ACK: Final = State.LAST_ACK
TIME_WAIT: Final = State.TIME_WAIT
GONE: Final = (CLOSED, LISTEN)
"""States in which a side holds no connection (a listener is not one)."""
SENDING: Final = (ESTABLISHED, CLOSE_WAIT)
ABORTABLE: Final = (SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK)
CLOSED_AFTER_FIN: Final = (FIN_WAIT_1, FIN_WAIT_2, CLOSING, LAST_ACK, TIME_WAIT)
WAITING_FOR_ACK: Final = (FIN_WAIT_1, CLOSING)
"""States in which a side that closed first waits for the acknowledgment of its FIN (LAST-ACK is
the one of a side that closed second)."""
PAST_ITS_ACK: Final = (FIN_WAIT_2, TIME_WAIT)
"""States a side enters only once its FIN is acknowledged (RFC 9293 3.10.7.4, fifth): one that
sends its FIN again there never had that acknowledgment."""
SIDES = ("a", "b")
NAME: Final = {state: state.value for state in State}
"""Each state's RFC spelling: a dict lookup, where ``state.value`` is a call into Python's enum
module on every state change (measured: a tenth of a census's time, BENCHMARKS.md)."""


def shared_config(msl: float, personality: object) -> EndpointConfig:
    """One configuration for every endpoint of a census: quiet, since only the state changes are
    read here (the segments it sends are in the capture), so its ports would go nowhere."""
    return EndpointConfig(
        port=0,
        peer_port=0,
        isn=0,
        msl=msl,
        mss=UNLIMITED,
        rcv_wnd=UNLIMITED,
        personality=personality,  # type: ignore[arg-type]
        quiet=True,
    )


class Flight:
    """A segment on its way to a side's model: what it is, when and where it was captured."""

    __slots__ = ("frame", "seg", "t")

    def __init__(self, seg: Segment, t: float, frame: int) -> None:
        self.seg = seg
        self.t = t
        self.frame = frame


class Sides:
    """One conversation's state: both sides' endpoints, what is on its way to each, and what it
    showed (the attributes of :class:`~.tracked.Tracked`, all declared here).

    Side 0 is the sender of the conversation's first packet, side 1 its receiver; :attr:`client`
    says which of them is the client (the sender of the first SYN seen).
    """

    __slots__ = (
        "addr",
        "again_frames",
        "again_t",
        "census",
        "client",
        "close_wait",
        "ended",
        "eps",
        "fin_acked",
        "fins",
        "first",
        "first_frame",
        "gaps",
        "hosts",
        "ident",
        "inbox",
        "key",
        "last",
        "last_frame",
        "last_syn",
        "lasting_close_wait",
        "lost",
        "mid",
        "notes",
        "octets",
        "packets",
        "resets",
        "retransmissions",
        "rkey",
        "scheduled",
        "states",
        "syn_ack_note",
        "syn_again",
        "syn_frame",
        "syn_seen",
        "synacks",
        "time_wait_since",
        "unacknowledged",
    )

    def __init__(
        self,
        census: Census,
        ident: int,
        key: bytes,
        rkey: bytes,
        addr: tuple[tuple[str, int], tuple[str, int]],
        config: EndpointConfig,
    ) -> None:
        self.census = census
        self.ident = ident
        self.key, self.rkey = key, rkey
        self.addr = addr
        """(host, port) of side 0 and side 1."""
        self.hosts = (addr[0][0], addr[1][0])
        self.eps = [Endpoint(config), Endpoint(config)]
        self.client = 0
        self.states: tuple[list[str], list[str]] = ([], [])
        """Every state each side entered, in order (RFC spellings)."""
        self.inbox: tuple[list[Flight], list[Flight]] = ([], [])
        """Segments on their way to each side, oldest first."""
        self.first = self.last = 0.0
        self.first_frame = self.last_frame = 0
        self.packets = 0
        self.octets = 0
        """Payload bytes both ways, retransmissions included (what the app's census table shows)."""
        self.notes: list[str] = []
        self.mid = False
        """The capture starts in the middle of this connection."""
        self.syn_seen = False
        self.syn_frame = 0
        self.retransmissions = [0, 0]
        self.again_frames: tuple[list[int], list[int]] = ([], [])
        """The first few packets each side sent again."""
        self.again_t = [0.0, 0.0]
        """When each side first sent something again."""
        self.synacks = [0, 0]
        self.syn_again = [0, 0]
        """The frame of the last SYN each side sent again from SYN-SENT (0: none)."""
        self.syn_ack_note: tuple[int, int, int] | None = None
        """(index in :attr:`notes`, first copy, copy) of the two-readings note on a SYN,ACK taken as
        lost, which its receiver's SYN sent again would settle (one reading, then)."""
        self.last_syn: list[Segment | None] = [None, None]
        """The last SYN each side sent (a SYN,ACK that comes late still answers it)."""
        self.lasting_close_wait = 0.0
        """The longest stay in CLOSE-WAIT that ended, in seconds."""
        self.lost = [0, 0]
        """Segments sent again while their first copy was still unacknowledged, by sender."""
        self.resets: list[tuple[int, int]] = []
        """(side, frame) of each RST sent."""
        self.fins = [0, 0]
        """The frame of each side's first FIN."""
        self.close_wait: list[tuple[float, int] | None] = [None, None]
        """When and at which packet each side entered CLOSE-WAIT (None: not in it)."""
        self.time_wait_since: list[tuple[float, int] | None] = [None, None]
        self.fin_acked: list[tuple[float, int] | None] = [None, None]
        """When and by which packet each side's FIN was last taken as acknowledged (it left
        FIN-WAIT-1 or CLOSING for FIN-WAIT-2 or TIME-WAIT, or LAST-ACK for CLOSED): its FIN sent
        again afterwards shows that acknowledgment never reached it."""
        self.gaps: tuple[list[tuple[Seq, Seq]], list[tuple[Seq, Seq]]] = ([], [])
        """Sequence ranges each side sent that the capture has not shown yet (filled with zeros)."""
        self.scheduled = [0.0, 0.0]
        """The deadline last queued for each side's timer (to queue each only once)."""
        self.unacknowledged = False
        self.ended: float | None = None
        """When both sides were last seen holding no connection (None: at least one holds one)."""

    # ------------------------------------------------------------------ reading
    @property
    def whole(self) -> Tracked:
        """This conversation as the census knows it: every :class:`Sides` is a
        :class:`~.tracked.Tracked` (the class is split in layers only to keep each module to one job)."""
        return cast("Tracked", self)

    @property
    def server(self) -> int:
        return 1 - self.client

    def role(self, side: int) -> str:
        """The side's role, in the language spoken (for the notes' and anomalies' words)."""
        return _("client") if side == self.client else _("server")

    def final(self, side: int) -> str:
        return NAME[self.eps[side].state]

    def note(self, text: str) -> None:
        if len(self.notes) < MAX_NOTES:
            self.notes.append(text)

    # ------------------------------------------------------------------ what arrived
    def _arrive(self, side: int, seg: Segment, t: float, answer: Segment | None, frame: int) -> None:
        """SEGMENT ARRIVES at ``side``'s model (the packet ``frame``; 0: one the capture lacks);
        ``answer``: the SYN,ACK with which ``side`` answers, when ``seg`` is a SYN."""
        ep = self.eps[side]
        old = ep.state
        flags = seg.flags
        if (
            flags & SYN
            and not flags & ACK
            and old in GONE
            and answer is not None
            and answer.flags & ACK
            and answer.ack == sq.add(seg.seq, 1)
        ):
            if old is CLOSED:  # it answers a SYN with SYN,ACK: it was listening
                self._call(side, ep.open_passive(t), t, frame)
                old = ep.state
            ep.next_iss = answer.seq  # the ISS its SYN,ACK shows (RFC 9293 3.4.1: the host's choice)
        actions = ep.segment_arrives(seg, t)
        if ep.received:
            del ep.received[:]  # the application reads it: nothing here needs the bytes
        if ep.state is not old or old is TIME_WAIT:
            self._changed(side, old, actions, t, frame)

    # ------------------------------------------------------------------ what the core did
    def _call(self, side: int, actions: list[act.Action], t: float, frame: int) -> None:
        """A call on ``side``'s endpoint has returned ``actions``: follow any state change."""
        for a in actions:
            if isinstance(a, act.StateChanged):
                self._changed(side, a.old, actions, t, frame)
                return
        if self.eps[side].state is TIME_WAIT:
            self._timers(side)

    def _changed(self, side: int, old: State, actions: list[act.Action], t: float, frame: int) -> None:
        """``side`` moved from ``old`` (through any states ``actions`` show) to where it is now."""
        ep = self.eps[side]
        new = ep.state
        states = self.states[side]
        for a in actions:
            if isinstance(a, act.StateChanged):
                states.append(NAME[a.new])
        if new is not old:
            self.census.moved(self.hosts[side], old, new)
            if old is CLOSE_WAIT:
                since = self.close_wait[side]
                if since is not None:
                    self.lasting_close_wait = max(self.lasting_close_wait, t - since[0])
                    self.census.close_wait_ended(self.whole, side, since, t, frame)
                self.close_wait[side] = None
            if new is CLOSE_WAIT:
                self.close_wait[side] = (t, frame or self.last_frame)
            if (old is LAST_ACK and new is CLOSED) or (old in WAITING_FOR_ACK and new in PAST_ITS_ACK):
                self.fin_acked[side] = (t, frame or self.last_frame)
            if new is TIME_WAIT:
                self.time_wait_since[side] = (t, frame or self.last_frame)
                self.census.time_wait_entered(self.whole, side, t)
            elif old is TIME_WAIT:
                self.time_wait_since[side] = None
        if ep.timers and (len(ep.timers) > 1 or "rto" not in ep.timers):
            self._timers(side)

    def _timers(self, side: int) -> None:
        """Queue the endpoint's timers that end states (never the retransmission timer)."""
        for name, deadline in self.eps[side].timers.items():
            if name != "rto" and deadline != self.scheduled[side]:
                self.scheduled[side] = deadline
                self.census.schedule(deadline, self.whole, side, name)

    def fire(self, side: int, name: str, deadline: float) -> None:
        """A queued timer's deadline has come (ignored if the endpoint has moved it since)."""
        ep = self.eps[side]
        if ep.timers.get(name) != deadline:
            return
        old = ep.state
        actions = ep.timer_expired(name, deadline)  # type: ignore[arg-type]
        if ep.state is not old:
            self._changed(side, old, actions, deadline, 0)
        elif ep.timers:
            self._timers(side)
        self.check_ended(deadline)

    def cut_short(self, side: int, t: float) -> None:
        """A new connection on these addresses and ports ends ``side``'s TIME-WAIT: its TCB is
        deleted (as ABORT in TIME-WAIT does, RFC 9293 3.10.5)."""
        ep = self.eps[side]
        self._call(side, ep.abort(t), t, 0)
        if ep.state is not CLOSED:  # not expected of the core; never leave a state counted twice
            self.census.moved(self.hosts[side], ep.state, CLOSED)
            ep.state = CLOSED

    def check_ended(self, t: float) -> None:
        if self.eps[0].state in GONE and self.eps[1].state in GONE and not self.inbox[0] and not self.inbox[1]:
            if self.ended is None:
                self.ended = t
                self.census.ended(self.whole)
        else:
            self.ended = None

    def new_connection_ends_this(self, side: int) -> bool:
        """Whether a SYN ``side`` sends now begins a new conversation on these addresses and ports:
        nothing of this one is left but a TIME-WAIT, which the SYN cuts short (or meets)."""
        mine, peer = self.eps[side].state, self.eps[1 - side].state
        return mine in (CLOSED, LISTEN, TIME_WAIT) and peer in (CLOSED, LISTEN, TIME_WAIT)
