"""Where a capture's two observers start: who is the client, how windows scale, and both sides'
states when the capture begins after the handshake or just after the client's SYN.

Kept apart from :mod:`.observer` because it runs once, before the first packet, and reads ahead
in the packet window (the SYNs' window-scale options, the first segment each side sends) where
the observer otherwise takes the packets one at a time.
"""

from __future__ import annotations

from ..core import seq as sq
from ..core.names import EndpointName, peer_of
from ..core.personality import Personality
from ..core.segment import Segment
from ..core.seq import Seq
from ..core.tcb import Endpoint, EndpointConfig
from ..i18n import _
from ..sim.trace import CallEvent
from .arrival import NAMES
from .explain import ACK, SYN
from .observer_trace import TraceKeeping
from .reader import TcpPacket, endpoint_text

UNLIMITED = 1 << 30
"""The window (and MSS) an observer assumes where the capture does not tell: never the limit."""


class Starting(TraceKeeping):
    """The observer's set-up (its :class:`~.observer.Observer` subclass runs the packets)."""

    # What the observer provides (set in its __init__).
    first: TcpPacket
    msl: float
    personality: Personality
    scale: dict[str, int | None]
    roles: dict[str, tuple[str, int]]
    side: dict[tuple[str, int], EndpointName]

    def _config(self, port: int, peer: int) -> EndpointConfig:
        return EndpointConfig(
            port=port, peer_port=peer, isn=0, msl=self.msl, mss=UNLIMITED, rcv_wnd=65535, personality=self.personality
        )

    @staticmethod
    def _roles(first: TcpPacket) -> tuple[dict[str, tuple[str, int]], str | None]:
        flags = first.segment.flags
        if flags & SYN and not flags & ACK:
            return {"client": first.source, "server": first.destination}, None
        if flags & SYN and flags & ACK:
            return {"client": first.destination, "server": first.source}, None
        a, b = first.source, first.destination
        client, server = (a, b) if a[1] >= b[1] else (b, a)
        return {"client": client, "server": server}, (
            f"The capture starts in the middle of a connection: its first packet (frame {first.frame}) is not a "
            "SYN. Both sides are taken to be ESTABLISHED, with the sequence numbers of the first segments they "
            f"send; the client is taken to be {endpoint_text(client)}, the side with the higher (ephemeral) port, "
            "and window scaling is unknown, so windows are not checked."
        )

    def _window_scales(self) -> dict[str, int | None]:
        """The shift of each side's windows (RFC 7323): only when both SYNs offered one; None when the
        SYNs are not in sight (the window is then unknown, and taken as no limit)."""
        offered: dict[str, int | None] = {}
        for k in self.window.ahead(-1):
            packet = self.window.get(k)
            if packet is not None and packet.segment.flags & SYN:
                offered.setdefault(self.window.sender(k), packet.wscale)
                if len(offered) == 2:
                    break
        if len(offered) < 2:
            return {n: None for n in NAMES}
        if offered["client"] is None or offered["server"] is None:
            return {n: 0 for n in NAMES}
        return dict(offered)

    def _view(self, k: int) -> Segment:
        """The segment at position ``k`` as the core takes it: the window scaled to octets."""
        seg = self.window.segment(k)
        if seg.flags & SYN:
            return seg
        shift = self.scale[self.window.sender(k)]
        return seg.with_(wnd=UNLIMITED if shift is None else seg.wnd << shift)

    def _seed_mid_connection(self) -> None:
        """Both sides ESTABLISHED, numbered from the first segments each sends (or its peer acknowledges)."""
        first: dict[str, Segment] = {}
        for k in self.window.ahead(-1):
            first.setdefault(self.window.sender(k), self.window.segment(k))
            if len(first) == 2:
                break
        for name in NAMES:
            own, other = first.get(name), first.get(peer_of(name))
            snd = own.seq if own is not None else (other.ack if other is not None else Seq(0))
            rcv = other.seq if other is not None else Seq(0)
            if own is not None and own.flags & ACK:
                rcv = own.ack
            self.eps[name] = Endpoint.resumed(
                self.eps[name].config, snd, rcv, snd_wnd=UNLIMITED, rcv_wnd=UNLIMITED, passive=name == "server"
            )

    def _seed_before_syn_ack(self) -> None:
        """The capture starts with the server's SYN,ACK: the client's SYN went just before it."""
        synack = self.first.segment
        client, server = self.eps["client"], self.eps["server"]
        syn = Segment(synack.dport, synack.sport, sq.add(synack.ack, -1), Seq(0), SYN, 65535)
        self._note(
            _(
                "The capture starts with the server's SYN,ACK: the client's SYN (ISN {seq}, from its "
                "acknowledgment) is not in it, and is taken to have been sent, and to have reached a listening "
                "server, just before."
            ).format(seq=syn.seq),
            "start",
            t=0.0,
        )
        client.next_iss = syn.seq
        self.trace.append(CallEvent(0.0, "client", "connect", b"", "inferred: the SYN before the capture began"))
        self._record("client", client.open_active(0.0), predict=False)
        self.trace.append(CallEvent(0.0, "server", "listen", b"", "inferred: it answered a SYN with SYN,ACK"))
        self._record("server", server.open_passive(0.0))
        server.next_iss = synack.seq
        self.last_arrival["server"] = syn
        self._record("server", server.segment_arrives(syn, 0.0))
