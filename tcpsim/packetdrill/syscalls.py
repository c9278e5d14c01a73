"""A script's system call lines: run one on the socket layer and check what it returned.

Return values and errno names are checked as packetdrill checks them (``run_system_call.c``):
``socket`` and ``accept`` return the descriptor the script names (any non-negative result holds,
as packetdrill maps descriptors); everything else must return exactly the number written, and
the errno written. A call that would block on a blocking socket either blocks (when the line
gives an end time, ``+0...0.2 accept(...)``) and returns later, or is a failure: packetdrill would
wait there for ever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..core.personality import LINUX_RCVBUF
from ..core.states import State
from ..sim.trace import NoteEvent
from .checks import SHUTDOWN_HOW, array_int, flag_names, linger, word
from .model import Array, Ellipsis_, Event, Int, Syscall, Word
from .sockets import Result, Sock, Unsupported
from .symbols import O_NONBLOCK, O_RDWR, errno_name, errno_number, errno_text

if TYPE_CHECKING:
    from .runner import ScriptRun


@dataclass
class Pending:
    """A blocking call in progress: the runner retries it as the world moves on."""

    line: int
    name: str
    start: float
    deadline: float
    retry: Callable[[], Result | None]
    check: Callable[[Result], None]
    waiting: str


WAITING = {
    "connect": "the handshake has not finished",
    "accept": "no connection is established yet",
    "read": "nothing to read",
    "recv": "nothing to read",
    "write": "the connection is not established yet",
    "send": "the connection is not established yet",
}


def run_syscall(run: ScriptRun, event: Event, sc: Syscall, start: float, end: float | None) -> str | Pending:
    """Run the call now; its detail text for the output, or the :class:`Pending` blocked call."""
    from .results import Mismatch

    sockets = run.sockets
    name = sc.name
    fd = sc.args[0].value if isinstance(sc.args[0], Int) else -1

    def check(result: Result) -> None:
        message = _check_result(sc, result)
        if message is not None:
            raise Mismatch(event.line, f"runtime error in {name} call: {message}")

    if name == "socket":
        result = sockets.socket(_expected_fd(sc, 3))
        check(result)
        return f"= {result.value}"
    target = sockets.sock(fd)
    if isinstance(target, Result):
        check(target)
        return _detail(target)
    s = target
    call: Callable[[], Result | None]
    if name == "connect":
        first = sockets.connect(s)
        if first is None:

            def call() -> Result | None:
                return sockets.connect_done(s)

        else:
            check(first)
            return _detail(first)
    elif name == "accept":
        new_fd = _expected_fd(sc, max(sockets.fds, default=2) + 1)

        def call() -> Result | None:
            return sockets.accept(s, new_fd)

    elif name in ("write", "send"):
        count = _count(sc)

        def call() -> Result | None:
            return sockets.write(s, count)

    elif name in ("read", "recv"):
        count = _count(sc)

        def call() -> Result | None:
            return sockets.read(s, count)

    else:
        result = _immediate(run, sc, s)
        check(result)
        return _detail(result)
    result_now = call()
    if result_now is not None:
        if end is not None:
            _check_return_time(run, event, start, end)
        check(result_now)
        return _detail(result_now)
    if end is None:
        raise Mismatch(
            event.line,
            f"runtime error in {name} call: the call blocks ({WAITING[name]}) on a blocking socket, and "
            f"packetdrill would wait here for ever; expect it to block with an end time "
            f"(+0...0.1 {name}(...)) or make the socket non-blocking (fcntl O_NONBLOCK)",
        )
    return Pending(event.line, name, start, end, call, check, WAITING[name])


def _check_return_time(run: ScriptRun, event: Event, start: float, deadline: float) -> None:
    from .results import Mismatch

    tolerance = run._tolerance(deadline, start)
    if abs(run.world.now - deadline) > tolerance + 1e-9:
        raise Mismatch(
            event.line,
            f"timing error: expected system call return at {deadline:.6f} sec but happened at "
            f"{run.world.now:.6f} sec; tolerance {tolerance:.6f} sec",
        )


def _immediate(run: ScriptRun, sc: Syscall, s: Sock) -> Result:
    """The calls that never block."""
    sockets = run.sockets
    name, args = sc.name, sc.args
    if name == "fcntl":
        if word(args[1]) == "F_GETFL":
            return Result(O_RDWR | (O_NONBLOCK if s.nonblocking else 0))
        s.nonblocking = "O_NONBLOCK" in flag_names(args[2], run.script.path, run.script.events[run.index - 1])
        return Result(0)
    if name == "bind":
        return Result(0) if s.kind == "new" else Result(-1, "EINVAL")
    if name == "listen":
        return sockets.listen(s)
    if name == "shutdown":
        how = word(args[1]) or (args[1].value if isinstance(args[1], Int) else None)
        return sockets.shutdown(s, SHUTDOWN_HOW[how])
    if name == "close":
        return sockets.close(s)
    if name == "setsockopt":
        return _setsockopt(run, s, word(args[2]) or "", args[3])
    if name == "getsockopt":
        return _getsockopt(run, sc, s)
    raise Unsupported(f"the system call {name}()")


def _setsockopt(run: ScriptRun, s: Sock, opt: str, value: object) -> Result:
    if opt in ("SO_REUSEADDR", "SO_REUSEPORT"):
        s.reuseaddr = array_int(value) or 0  # type: ignore[arg-type]
    elif opt == "SO_LINGER":
        s.linger = linger(value)  # type: ignore[arg-type]
    elif opt == "TCP_NODELAY":
        s.nodelay = 1
    elif opt == "SO_RCVBUF":
        size = array_int(value) or 0  # type: ignore[arg-type]
        if run.local_state not in (State.CLOSED, State.LISTEN) and s.kind == "connection":
            raise Unsupported("SO_RCVBUF on a connected socket (tcpsim's receive window is fixed once open)")
        s.rcvbuf = size
        if run.stack == "linux":
            # Linux L13 (net/core/sock.c __sock_set_rcvbuf): twice the size, at most twice
            # net.core.rmem_max (212992); about half of it is the window, the size asked for.
            s.rcvbuf = max(2 * min(size, RMEM_MAX), SOCK_MIN_RCVBUF)
            run.world.trace.append(NoteEvent(run.world.now, f"SO_RCVBUF {size} → {s.rcvbuf}; {LINUX_RCVBUF.cite}"))
        run.local_config.rcv_wnd = min(size, 65535)
        run.world.endpoints[run.local].rcv_wnd = run.local_config.rcv_wnd
    return Result(0)


RMEM_MAX = 212992
"""Linux's net.core.rmem_max default: setsockopt(SO_RCVBUF) asks for at most this."""
SOCK_MIN_RCVBUF = 2304
"""Linux's smallest receive buffer on x86-64 (include/net/sock.h SOCK_MIN_RCVBUF: 2048 and an sk_buff)."""


def _getsockopt(run: ScriptRun, sc: Syscall, s: Sock) -> Result:
    from .results import Mismatch

    opt = word(sc.args[2])
    value: int | tuple[int, int]
    if opt in ("SO_REUSEADDR", "SO_REUSEPORT"):
        value = s.reuseaddr
    elif opt == "SO_RCVBUF":
        value = s.conn.rcvbuf if s.conn is not None and s.conn.rcvbuf is not None else s.rcvbuf
    elif opt == "TCP_NODELAY":
        value = s.nodelay
    elif opt == "SO_LINGER":
        value = s.linger or (0, 0)
    else:  # SO_ERROR: the pending error, then cleared
        conn = s.conn
        error = conn.error if conn is not None else None
        if conn is not None:
            conn.error = None
        value = errno_number(error) or 0 if error else 0
        expected = sc.args[3]
        if isinstance(expected, Array) and len(expected.items) == 1 and isinstance(expected.items[0], Word):
            want = errno_name(expected.items[0].name)
            if want != (error or "0"):
                got = errno_text(error) if error else "0 (no error)"
                raise Mismatch(run.script.events[run.index - 1].line, f"SO_ERROR: expected {want}, got {got}")
            return Result(0)
    expected = sc.args[3]
    if isinstance(value, tuple):
        want_linger = linger(expected)
        if want_linger is not None and want_linger != value:
            raise Mismatch(
                run.script.events[run.index - 1].line,
                f"getsockopt SO_LINGER: expected {{onoff={want_linger[0]}, linger={want_linger[1]}}}, "
                f"got {{onoff={value[0]}, linger={value[1]}}}",
            )
        return Result(0)
    want_int = array_int(expected)
    if want_int is not None and want_int != value:
        raise Mismatch(
            run.script.events[run.index - 1].line,
            f"getsockopt {opt}: expected [{want_int}] but the value is [{value}]",
        )
    if want_int is None and not isinstance(expected, Ellipsis_):
        raise Mismatch(run.script.events[run.index - 1].line, f"getsockopt {opt}: cannot compare with its value")
    return Result(0)


def _check_result(sc: Syscall, result: Result) -> str | None:
    expected = sc.result
    with_errno = f" with errno {errno_text(result.errno)}" if result.errno else ""
    if isinstance(expected, Int):
        want = expected.value
        if sc.name in ("socket", "accept") and want >= 0:
            if result.value < 0:
                return f"Expected non-negative result but got {result.value}{with_errno}"
        elif result.value != want:
            return f"Expected result {want} but got {result.value}{with_errno}"
    if sc.errno is not None:
        want_errno = errno_name(sc.errno)
        if result.errno is None or errno_name(result.errno) != want_errno:
            got = errno_text(result.errno) if result.errno else "no error"
            return f"Expected errno {errno_text(sc.errno)} but got {got}"
    return None


def _expected_fd(sc: Syscall, default: int) -> int:
    return sc.result.value if isinstance(sc.result, Int) and sc.result.value >= 0 else default


def _count(sc: Syscall) -> int:
    count = sc.args[2]
    return count.value if isinstance(count, Int) else 0


def _detail(result: Result) -> str:
    return f"= {result.value}" + (f" {errno_text(result.errno)}" if result.errno else "")
