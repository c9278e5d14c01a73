"""What the recognised backtick lines do to a run: sysctl settings, state checks, tcpdrop.

The sysctl names tcpsim models, and what each does to the stack under test, are in
:data:`MODELLED`; a value tcpsim cannot give is refused as unsupported with the reason. Settings
of features tcpsim does not have (SACK, ECN, timestamps, the host cache…) are listed as skipped:
they only matter to a script through segments, where a difference shows as a mismatch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..core.personality import FREEBSD_DROP_SYNFIN, FREEBSD_INSECURE_RST, FREEBSD_INSECURE_SYN, Rule
from ..core.states import State
from .model import Event
from .shell import SPELLING, StateCheck, Sysctl, TcpDrop, run_greps
from .sockets import Unsupported

if TYPE_CHECKING:
    from .runner import ScriptRun


def _freebsd_switch(hook: str, rule: Rule, on: str, off: str, what: str) -> Callable[[ScriptRun, str], str]:
    """A FreeBSD sysctl that turns one of its rules on (1) or off (0): modelled by the freebsd stack;
    elsewhere accepted only where it asks for what that stack already does."""

    def apply(run: ScriptRun, value: str) -> str:
        enabled = _int(value) != 0
        endpoint = run.world.endpoints[run.local]
        if run.stack == "freebsd":
            endpoint.stack = endpoint.stack.with_rule(hook, rule if enabled else None)
            run.local_config.personality = endpoint.stack
            return f"{on}; {rule.cite}" if enabled else off
        already = getattr(endpoint.stack, hook) is not None
        if enabled == already:
            return f"{on if enabled else off}: already the {run.stack} stack's behaviour"
        raise Unsupported(
            f"{what if enabled else 'the opposite of ' + what} ({rule.title.split(':')[0]}, FreeBSD's setting): "
            f"the {run.stack} stack {'never does it' if enabled else 'always does it'}; play the script with "
            "--stack freebsd"
            + (" (or --stack rfc793, which has no RFC 5961)" if hook != "drop_synfin" and enabled else "")
        )

    return apply


def _recvspace(run: ScriptRun, value: str) -> str:
    size = _int(value)
    run.sockets.rcvbuf = size
    return f"new sockets get a {size}-byte receive buffer (window {min(size, 65535)})"


def _tcp_rmem(run: ScriptRun, value: str) -> str:
    parts = value.split()
    if len(parts) != 3:
        raise ValueError("tcp_rmem is three numbers: min default max")
    return _recvspace(run, parts[1])


def _msl(run: ScriptRun, value: str) -> str:
    ms = _int(value)
    if ms <= 0:
        raise ValueError("the MSL must be > 0")
    run.local_config.msl = ms / 1000
    return f"MSL {ms / 1000:g} s: TIME-WAIT lasts {2 * ms / 1000:g} s"


def _rexmit_initial(run: ScriptRun, value: str) -> str:
    ms = _int(value)
    if ms <= 0:
        raise ValueError("the initial retransmission timeout must be > 0")
    config = run.local_config
    config.rto = ms / 1000
    endpoint = run.world.endpoints[run.local]
    if endpoint.state in (State.CLOSED, State.LISTEN):
        endpoint.rto = endpoint.base_rto = config.rto
    return f"initial RTO {ms / 1000:g} s"


MODELLED: dict[str, Callable[[ScriptRun, str], str]] = {
    "net.inet.tcp.drop_synfin": _freebsd_switch(
        "drop_synfin",
        FREEBSD_DROP_SYNFIN,
        "a segment with SYN and FIN is dropped",
        "a SYN with FIN is processed as RFC 9293 says",
        "dropping SYN+FIN segments",
    ),
    "net.inet.tcp.insecure_rst": _freebsd_switch(
        "rst_in_window",
        FREEBSD_INSECURE_RST,
        "a RST anywhere in the window resets (RFC 793)",
        "a RST in the window resets only at RCV.NXT (RFC 5961 §3.2)",
        "a RST anywhere in the window resetting, without RFC 5961 §3.2",
    ),
    "net.inet.tcp.insecure_syn": _freebsd_switch(
        "syn_in_window",
        FREEBSD_INSECURE_SYN,
        "a SYN in the window drops the connection (RFC 793)",
        "a SYN in a synchronized state gets a challenge ACK (RFC 5961 §4)",
        "a SYN in the window resetting, without RFC 5961 §4",
    ),
    "net.inet.tcp.recvspace": _recvspace,
    "net.ipv4.tcp_rmem": _tcp_rmem,
    "net.inet.tcp.msl": _msl,
    "net.inet.tcp.rexmit_initial": _rexmit_initial,
}


def apply_sysctl(run: ScriptRun, event: Event, command: Sysctl) -> str:
    done, skipped = [], []
    for setting in command.settings:
        apply = MODELLED.get(setting.name)
        if apply is None:
            skipped.append(setting.name)
            continue
        try:
            done.append(f"{setting.name}={setting.value}: {apply(run, setting.value)}")
        except ValueError as exc:
            from .model import ScriptError

            raise ScriptError(run.script.path, event.line, f"sysctl {setting.name}={setting.value}: {exc}") from None
    if skipped:
        run._skip(event.line, f"sysctl {', '.join(skipped)}: not modelled by tcpsim")
    if not done:
        return f"skipped: {', '.join(skipped)} (not modelled by tcpsim)"
    return "; ".join(done)


def listing(run: ScriptRun, tool: str) -> list[str]:
    """The run's sockets as ``tool`` lists them, one line each (what ``grep`` then reads)."""
    spelling = SPELLING[tool]
    sockets = run.sockets
    local, remote = run.local_config.port, run.local_config.peer_port
    lines = []
    owned = False
    for fd, s in sorted(sockets.fds.items()):
        if s.closed:
            continue
        if s.kind == "listener":
            state = State.LISTEN
        elif s.kind == "connection":
            state = sockets._state_of(s)
            owned = owned or state is not State.CLOSED
        else:
            state = State.CLOSED
        peer = f"192.0.2.1:{remote}" if s.kind == "connection" else "*:*"
        lines.append(f"root packetdrill 1 {fd} tcp4 192.168.0.1:{local} {peer} {spelling[state]}")
    state = run.local_state
    listener = sockets.listener
    pending = listener is not None and listener.pending is not None and state is not State.LISTEN
    if state not in (State.CLOSED, State.LISTEN) and (not owned or pending):
        # the TCB without an open descriptor: orphaned by close(), or not yet accepted
        lines.append(f"?? ?? ?? ?? tcp4 192.168.0.1:{local} 192.0.2.1:{remote} {spelling[state]}")
    return lines


def apply_state_check(run: ScriptRun, event: Event, command_text: str, check: StateCheck) -> str:
    from .results import Mismatch

    lines = listing(run, check.tool)
    ok, output = run_greps(lines, check.greps)
    if not ok:
        shown = "; ".join(
            line.split()[-1] + ("" if line.startswith("??") else f" (fd {line.split()[3]})") for line in lines
        )
        raise Mismatch(
            event.line,
            f"error executing `{command_text}` command: the state check does not hold "
            f"(the stack's sockets now: {shown or 'none'}; the pipeline's output: {' '.join(output) or 'nothing'})",
        )
    return f"state check holds: {'; '.join(line.split()[-1] for line in lines) or 'no sockets'}"


def apply_tcpdrop(run: ScriptRun, event: Event, command: TcpDrop) -> str:
    if run.local_state is not command.state:
        return f"no connection in {command.state.value} to drop"
    run.sockets.note = f"line {event.line}: tcpdrop"
    run.sockets._core("abort", f"tcpdrop drops the connection in {command.state.value}")
    return f"dropped the connection in {command.state.value} (ABORT)"


def _int(value: str) -> int:
    try:
        return int(value, 0)
    except ValueError:
        raise ValueError(f"expected a number, got {value!r}") from None
