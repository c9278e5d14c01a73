"""The socket layer a script's system calls meet: file descriptors over tcpsim's one TCB.

RFC 9293 §3.9.1 gives the user calls OPEN, SEND, RECEIVE, CLOSE and ABORT; a packetdrill script
speaks BSD sockets. This module is the translation, and where the two differ it says how:

* ``listen`` is a passive OPEN, ``connect`` an active one (blocking until ESTABLISHED, or
  ``EINPROGRESS`` on a non-blocking socket);
* ``write``/``send`` are SEND of that many zero bytes (packetdrill's buffers are zeroed); tcpsim has
  no send-buffer limit, so a write takes every byte;
* ``read``/``recv`` take bytes the TCB delivered and the application has not read yet: 0 at the
  end of the stream (the peer's FIN, or after ``SHUT_RD``), ``EAGAIN`` or a block when nothing is
  there, the connection's error once when it was reset;
* ``shutdown(SHUT_WR)`` is CLOSE (§3.10.4: "I have no more to send"); ``SHUT_RD`` only makes reads
  return 0 once the received bytes are read (what Linux does; the RFC has no such call); closing
  the descriptor afterwards releases it, and the TCB finishes on its own (a stack personality may
  react to that release: Linux starts its FIN-WAIT-2 timeout);
* ``close`` is CLOSE, or ABORT with ``SO_LINGER`` {1, 0}; the bytes received and not read go with
  it, for a stack that resets then (Linux); on a listening socket it deletes the TCB in LISTEN, and
  resets a connection not yet accepted;
* a listening socket whose connection was accepted keeps the port: when that connection's TCB is
  deleted while the listener is open, the TCB returns to LISTEN, as segments that match no
  connection go to the listener in a real stack.

tcpsim runs one TCB, so a script gets one connection at a time; a second one while the first is
alive is refused as unsupported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.names import EndpointName
from ..core.personality import FREEBSD_RCVBUF
from ..core.states import State
from ..sim.trace import DeliverEvent, NoteEvent, SignalEvent, StateEvent, TraceEvent
from ..sim.world import World

SYNCHRONIZED = (
    State.ESTABLISHED,
    State.FIN_WAIT_1,
    State.FIN_WAIT_2,
    State.CLOSE_WAIT,
    State.CLOSING,
    State.LAST_ACK,
    State.TIME_WAIT,
)
SEND_CLOSED = (State.FIN_WAIT_1, State.FIN_WAIT_2, State.CLOSING, State.LAST_ACK, State.TIME_WAIT)


class Unsupported(Exception):
    """A call tcpsim cannot model (exit 2 at its line)."""


@dataclass(slots=True)
class Conn:
    """One connection of the TCB, from its SYN to its deletion."""

    received: int = 0
    """Bytes the TCB delivered on this connection."""
    read: int = 0
    eof: bool = False
    error: str | None = None
    """The pending error (``ECONNRESET``…), reported once by the next call or by ``SO_ERROR``."""
    established: bool = False
    ended: bool = False
    rcvbuf: int | None = None
    """The receive buffer once the stack sized it for the connection (FreeBSD F1), else None."""


@dataclass(slots=True)
class Sock:
    fd: int
    rcvbuf: int
    kind: str = "new"
    """new, listener or connection."""
    nonblocking: bool = False
    reuseaddr: int = 0
    linger: tuple[int, int] | None = None
    nodelay: int = 0
    conn: Conn | None = None
    pending: Conn | None = None
    """A listener's connection, not yet accepted."""
    shut_rd: bool = False
    shut_wr: bool = False
    closed: bool = False


@dataclass(frozen=True, slots=True)
class Result:
    value: int
    errno: str | None = None


BLOCK = None
"""What a call returns when it would block: the runner retries it as the world moves on."""


@dataclass
class Sockets:
    """The descriptors of the script, over the local endpoint ``name`` of ``world``."""

    world: World
    name: EndpointName
    rcvbuf: int
    stack: str = "rfc9293"
    fds: dict[int, Sock] = field(default_factory=dict)
    current: Conn | None = None
    listener: Sock | None = None
    note: str = ""
    """The script line being run, written into the trace with each core call."""
    seen: int = 0
    """How much of the world's trace :meth:`sync` has followed."""
    state: str = "CLOSED"
    """The TCB's state as the trace has shown it so far."""

    @property
    def endpoint_state(self) -> State:
        return self.world.endpoints[self.name].state

    # ------------------------------------------------------------------ following the TCB
    def sync(self) -> None:
        """Follow what the TCB did since last time (the world's new trace records, in order)."""
        trace = self.world.trace
        if self.seen < len(trace):
            new, self.seen = trace[self.seen :], len(trace)
            self._observe(new)
            self.update_space()

    def _observe(self, events: list[TraceEvent]) -> None:
        for e in events:
            if getattr(e, "endpoint", None) != self.name:
                continue
            if isinstance(e, DeliverEvent):
                if self.current is not None:
                    self.current.received += len(e.data)
            elif isinstance(e, StateEvent):
                if (
                    e.new == "CLOSED"
                    and e.old in ("CLOSING", "LAST-ACK")
                    and e.event in ("rcv RST", "rcv SYN")
                    and self.stack in ("linux", "freebsd")
                    and self.current is not None
                ):
                    # RFC 9293 tells the user nothing here; Linux (tcp_reset) and FreeBSD
                    # (tcp_do_segment: so_error) still set ECONNRESET.
                    self.current.error = "ECONNRESET"
                self.state = e.new
                self._state_changed(e.old, e.new)
            elif isinstance(e, SignalEvent) and self.current is not None:
                message = e.message
                if message == "connection closing":
                    self.current.eof = True
                elif "reset" in message:
                    # The socket API's errno for a reset depends on the state it hit: refused
                    # before ESTABLISHED; in CLOSE-WAIT EPIPE for Linux (tcp_reset, which tcpsim's
                    # RFC stacks follow) and ECONNRESET for FreeBSD (tcp_do_segment).
                    refused = self.state in ("SYN-SENT", "SYN-RECEIVED")
                    pipe = self.state == "CLOSE-WAIT" and self.stack != "freebsd"
                    self.current.error = "ECONNREFUSED" if refused else "EPIPE" if pipe else "ECONNRESET"
                elif "refused" in message:
                    self.current.error = "ECONNREFUSED"
                elif "aborted" in message:
                    self.current.error = "ETIMEDOUT"

    def _state_changed(self, old: str, new: str) -> None:
        if old == "TIME-WAIT" and new == "SYN-RECEIVED" and self.current is not None:
            # A SYN reopened TIME-WAIT (Linux L7, FreeBSD F11): the old connection is over, and the
            # listening socket gets a new one.
            self.current.ended = True
            self.current = None
            old = "LISTEN"
        if new in ("SYN-SENT", "SYN-RECEIVED") and old in ("CLOSED", "LISTEN"):
            self.current = Conn()
            if old == "LISTEN" and self.listener is not None:
                self.listener.pending = self.current
        elif new == "ESTABLISHED" and self.current is not None:
            self.current.established = True
        elif new in ("CLOSED", "LISTEN") and self.current is not None:
            if old == "SYN-RECEIVED" and new == "LISTEN" and self.listener is not None:
                self.listener.pending = None  # the embryonic connection was reset
            self.current.ended = True
            if self.current.error is None and old == "SYN-SENT":
                self.current.error = "ECONNREFUSED"
            self.current = None
        conn = self.current
        # FreeBSD's tcp_mss runs when the peer's SYN (and MSS) reaches SYN-SENT, or when the
        # syncache makes the accepted socket: then the buffer is rounded.
        mss_known = (old == "SYN-SENT" and new == "SYN-RECEIVED") or new == "ESTABLISHED"
        if self.stack == "freebsd" and conn is not None and conn.rcvbuf is None and mss_known:
            self._round_rcvbuf(conn)

    def _round_rcvbuf(self, conn: Conn) -> None:
        """FreeBSD F1 (tcp_input.c tcp_mss): the receive buffer becomes a whole number of MSS."""
        owner = next((s for s in self.fds.values() if s.conn is conn and not s.closed), self.listener)
        size = owner.rcvbuf if owner is not None else self.rcvbuf
        mss = self.world.endpoints[self.name].config.mss
        rounded = -(-size // mss) * mss if size > mss else size
        conn.rcvbuf = rounded
        if rounded != size:
            self.world.trace.append(
                NoteEvent(self.world.now, f"receive buffer {size} → {rounded} bytes; {FREEBSD_RCVBUF.cite}")
            )
        self.update_space()

    def update_space(self) -> None:
        """Tell the TCB the receive buffer's free space (FreeBSD F2 accepts segments up to it)."""
        conn = self.current
        if conn is not None and conn.rcvbuf is not None:
            self.world.endpoints[self.name].rcv_space = max(0, conn.rcvbuf - (conn.received - conn.read))

    def relisten(self) -> bool:
        """Give the port back to an open listener once its accepted connection is deleted."""
        if self.listener is None or self.listener.closed or self.endpoint_state is not State.CLOSED:
            return False
        self._core("listen", "the listening socket takes the port back")
        return True

    # ------------------------------------------------------------------ descriptors
    def sock(self, fd: int) -> Sock | Result:
        s = self.fds.get(fd)
        if s is None or s.closed:
            return Result(-1, "EBADF")
        return s

    def socket(self, fd: int) -> Result:
        if fd in self.fds and not self.fds[fd].closed:
            raise Unsupported(f"socket() returning descriptor {fd}, which is already open")
        self.fds[fd] = Sock(fd, self.rcvbuf)
        return Result(fd)

    def _state_of(self, s: Sock) -> State:
        """The state of the TCB as this socket sees it (CLOSED once its connection is gone)."""
        conn = s.conn
        if conn is None or conn.ended or conn is not self.current:
            return State.CLOSED
        return self.endpoint_state

    def _busy(self) -> bool:
        return self.endpoint_state is not State.CLOSED

    # ------------------------------------------------------------------ calls
    def listen(self, s: Sock) -> Result:
        if s.kind == "listener":
            return Result(0)
        if s.kind == "connection":
            return Result(-1, "EINVAL")
        if self._busy():
            raise Unsupported("a second socket listening while the TCB is in use (tcpsim runs one TCB)")
        s.kind = "listener"
        self.listener = s
        self._core("listen")
        return Result(0)

    def connect(self, s: Sock) -> Result | None:
        if s.kind == "listener":
            return Result(-1, "EISCONN" if s.pending else "EINVAL")
        if s.kind == "connection":
            conn = s.conn
            state = self._state_of(s)
            if conn is not None and conn.error is not None:
                error, conn.error = conn.error, None
                return Result(-1, error)
            if state in (State.SYN_SENT, State.SYN_RECEIVED):
                return Result(-1, "EALREADY") if s.nonblocking else BLOCK
            return Result(-1, "EISCONN")
        if self._busy():
            raise Unsupported("a second connection while the TCB is in use (tcpsim runs one TCB per script)")
        s.kind = "connection"
        self._core("connect")
        s.conn = self.current
        return Result(-1, "EINPROGRESS") if s.nonblocking else BLOCK

    def connect_done(self, s: Sock) -> Result | None:
        """A blocking connect, once the handshake has finished one way or the other."""
        conn = s.conn
        if conn is not None and conn.established:
            return Result(0)
        if conn is None or conn.ended:
            error = (conn.error if conn else None) or "ECONNREFUSED"
            if conn is not None:
                conn.error = None
            return Result(-1, error)
        return BLOCK

    def accept(self, s: Sock, new_fd: int) -> Result | None:
        if s.kind != "listener":
            return Result(-1, "EINVAL")
        conn = s.pending
        if conn is None or not (conn.established or conn.ended):
            return Result(-1, "EAGAIN") if s.nonblocking else BLOCK
        if new_fd in self.fds and not self.fds[new_fd].closed:
            raise Unsupported(f"accept() returning descriptor {new_fd}, which is already open")
        s.pending = None
        self.fds[new_fd] = Sock(new_fd, s.rcvbuf, "connection", conn=conn, linger=s.linger, nodelay=s.nodelay)
        return Result(new_fd)

    def write(self, s: Sock, count: int) -> Result | None:
        if s.kind != "connection":
            return Result(-1, "EPIPE" if s.kind == "listener" else "ENOTCONN")
        conn = s.conn
        if conn is not None and conn.error is not None:
            error, conn.error = conn.error, None
            return Result(-1, error)
        state = self._state_of(s)
        if s.shut_wr or state in SEND_CLOSED or state in (State.CLOSED, State.LISTEN):
            return Result(-1, "EPIPE")
        if state in (State.SYN_SENT, State.SYN_RECEIVED):
            return Result(-1, "EAGAIN") if s.nonblocking else BLOCK
        if count:
            self._core("send", data=bytes(count))
        return Result(count)

    def read(self, s: Sock, count: int) -> Result | None:
        if s.kind != "connection":
            return Result(-1, "ENOTCONN")
        conn = s.conn
        assert conn is not None
        available = conn.received - conn.read
        if available > 0 and count > 0:
            n = min(count, available)
            conn.read += n
            self.update_space()
            return Result(n)
        if conn.error is not None:
            error, conn.error = conn.error, None
            return Result(-1, error)
        if conn.eof or s.shut_rd or conn.ended or count == 0:
            return Result(0)
        return Result(-1, "EAGAIN") if s.nonblocking else BLOCK

    def shutdown(self, s: Sock, how: str) -> Result:
        state = self._state_of(s)
        if s.kind != "connection" or state in (State.CLOSED, State.LISTEN):
            return Result(-1, "ENOTCONN")
        if how in ("SHUT_RD", "SHUT_RDWR"):
            s.shut_rd = True
            if self.stack == "linux":  # RCV_SHUTDOWN: new data in FIN-WAIT then resets (L17)
                self.world.endpoints[self.name].receive_shut = True
        if how in ("SHUT_WR", "SHUT_RDWR") and not s.shut_wr:
            s.shut_wr = True
            if state in (State.ESTABLISHED, State.CLOSE_WAIT, State.SYN_SENT, State.SYN_RECEIVED):
                self._core("shutdown")
        return Result(0)

    def close(self, s: Sock) -> Result:
        s.closed = True
        if s.kind == "listener":
            self.listener = None
            state = self.endpoint_state
            if state is State.LISTEN:
                self._core("close")
            elif s.pending is not None and not s.pending.ended:
                self._core("abort", "the listening socket closes with a connection not yet accepted")
            else:
                self.world.endpoints[self.name].listener = False  # nothing listens on the port any more
            return Result(0)
        if s.kind != "connection":
            return Result(0)
        state = self._state_of(s)
        if state is State.CLOSED:
            return Result(0)
        conn = s.conn
        unread = conn.received - conn.read if conn is not None else 0
        if s.linger == (1, 0) or (s.linger is not None and s.linger[0] and s.linger[1] == 0):
            self._core("abort", "SO_LINGER {onoff=1, linger=0}: close is an ABORT")
        elif not s.shut_wr and state in (State.ESTABLISHED, State.CLOSE_WAIT, State.SYN_SENT, State.SYN_RECEIVED):
            self._core("close", "", unread=unread)
        else:  # shut down already: the descriptor goes, the TCB finishes on its own
            self._core("release", "the socket was shut down for writing; now it is closed", unread=unread)
        return Result(0)

    # ------------------------------------------------------------------ the core
    def _core(self, call: str, why: str = "", data: bytes = b"", unread: int = 0) -> None:
        note = self.note if not why else f"{self.note} — {why}" if self.note else why
        self.world.call(self.name, call, data, note, unread)
        self.sync()
