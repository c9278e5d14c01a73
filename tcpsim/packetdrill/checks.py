"""Before anything runs: the script's header options, and whether tcpsim can play each line.

packetdrill reads its options from the command line and from the script's first lines
(``--tolerance_usecs=75000``); tcpsim reads the same names. Those that only describe the test
machine (addresses, link speed, verbosity) are accepted and have no effect; those that change what
a verdict means or need another machine (``--non_fatal``, the wire server) are unsupported. The
system calls are checked here too, so that a script tcpsim cannot play is refused (exit 2) before
its first line runs rather than half-way through.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import (
    Array,
    Assign,
    Ellipsis_,
    Event,
    Expr,
    Int,
    Option,
    Or,
    Script,
    ScriptError,
    Struct,
    Syscall,
    Word,
    expr_text,
)
from .symbols import FCNTL_FLAGS, SOCKET_LEVELS, is_errno

DEFAULT_TOLERANCE_USECS = 4000
DEFAULT_TOLERANCE_PERCENT = 12.5

IGNORED_OPTIONS = {
    "local_ip": "addresses only label the packets of an export",
    "remote_ip": "addresses only label the packets of an export",
    "gateway_ip": "tcpsim has no routing",
    "netmask_ip": "tcpsim has no routing",
    "speed": "the simulated link has no speed limit",
    "init_scripts": "tcpsim runs no shell scripts",
    "verbose": "",
    "debug": "",
    "dry_run": "",
    "tcp_ts_tick_usecs": "tcpsim does not model timestamps",
    "tcp_ts_ecr_scaled": "tcpsim does not model timestamps",
    "code_command": "tcpsim runs no code from a script",
    "code_format": "tcpsim runs no code from a script",
    "code_sockopt": "tcpsim runs no code from a script",
    "is_anyip": "",
    "send_omit_free": "",
    "define": "",
}
UNSUPPORTED_OPTIONS = {
    "non_fatal": "non-fatal packet or syscall errors (every tcpsim verdict stops at the first failure)",
    "wire_client": "packetdrill's wire client and server (tcpsim plays both sides in one process)",
    "wire_server": "packetdrill's wire client and server (tcpsim plays both sides in one process)",
    "wire_server_ip": "packetdrill's wire server",
    "wire_server_at": "packetdrill's wire server",
    "wire_server_port": "packetdrill's wire server",
    "wire_client_dev": "packetdrill's wire client",
    "wire_server_dev": "packetdrill's wire server",
    "so_filename": "a stack loaded from a shared object (tcpsim's stack is its own core)",
    "so_flags": "a stack loaded from a shared object",
    "psp_udp_port": "PSP encryption",
}
IP_VERSIONS = {"ipv4": 1460, "ipv4-mapped-ipv6": 1460, "ipv6": 1440}
"""The MSS of each address family on packetdrill's tun device (MTU 1500)."""

SYSCALLS = (
    "socket",
    "fcntl",
    "setsockopt",
    "getsockopt",
    "bind",
    "listen",
    "accept",
    "connect",
    "write",
    "send",
    "read",
    "recv",
    "shutdown",
    "close",
)
ARITY = {
    "socket": (3,),
    "fcntl": (2, 3),
    "setsockopt": (5,),
    "getsockopt": (5,),
    "bind": (3,),
    "listen": (2,),
    "accept": (3,),
    "connect": (3,),
    "write": (3,),
    "send": (4,),
    "read": (3,),
    "recv": (4,),
    "shutdown": (2,),
    "close": (1,),
}
SOCKOPTS = {
    "SO_REUSEADDR": "set, get",
    "SO_REUSEPORT": "set, get",
    "SO_RCVBUF": "set, get: the receive window",
    "SO_LINGER": "set, get: {onoff=1, linger=0} makes close an ABORT",
    "SO_ERROR": "get",
    "TCP_NODELAY": "set to 1, get: tcpsim never delays a segment (no Nagle)",
}
SHUTDOWN_HOW = {
    "SHUT_RD": "SHUT_RD",
    "SHUT_WR": "SHUT_WR",
    "SHUT_RDWR": "SHUT_RDWR",
    0: "SHUT_RD",
    1: "SHUT_WR",
    2: "SHUT_RDWR",
}


@dataclass
class Config:
    """What the header options set."""

    tolerance: float = DEFAULT_TOLERANCE_USECS / 1e6
    tolerance_percent: float = DEFAULT_TOLERANCE_PERCENT
    ip_version: str = "ipv4"
    mss: int = 1460
    bind_port: int = 8080
    connect_port: int = 8080
    strict_segments: bool = False
    ignored: list[tuple[int, str]] = field(default_factory=list)
    """(line, what) for each accepted option without effect."""


def read_options(script: Script) -> Config:
    config = Config()
    mss_given = False
    for opt in script.options:
        name, value = opt.name, opt.value

        def number(low: float, high: float, *, integer: bool = True, _o: Option = opt) -> float:
            try:
                v = int(_o.value or "", 0) if integer else float(_o.value or "")
            except ValueError:
                raise ScriptError(script.path, _o.line, f"--{_o.name} needs a number, got {_o.value!r}") from None
            if not low <= v <= high:
                raise ScriptError(script.path, _o.line, f"--{_o.name} out of range ({v}; {low:g}..{high:g})")
            return v

        if name == "tolerance_usecs":
            config.tolerance = number(0, 10**9) / 1e6
        elif name == "tolerance_percent":
            config.tolerance_percent = number(0, 100, integer=False)
        elif name == "ip_version":
            if value not in IP_VERSIONS:
                raise ScriptError(script.path, opt.line, f"--ip_version must be one of {', '.join(IP_VERSIONS)}")
            config.ip_version = value
        elif name == "mss":
            config.mss, mss_given = int(number(1, 65535)), True
        elif name == "mtu":
            config.mss, mss_given = int(number(68, 65535)) - 40, True
        elif name in ("bind_port", "connect_port"):
            setattr(config, name, int(number(1, 65535)))
        elif name == "strict_segments":
            config.strict_segments = True
        elif name in IGNORED_OPTIONS:
            why = IGNORED_OPTIONS[name]
            if why:
                config.ignored.append((opt.line, f"--{name}: {why}"))
        elif name in UNSUPPORTED_OPTIONS:
            raise ScriptError(script.path, opt.line, f"--{name}: {UNSUPPORTED_OPTIONS[name]}", unsupported=True)
        else:
            raise ScriptError(script.path, opt.line, f"unrecognized option --{name}")
    if not mss_given:
        config.mss = IP_VERSIONS[config.ip_version]
    return config


def validate(script: Script) -> None:
    """Refuse, located, every system call tcpsim cannot play."""
    for event in script.events:
        if isinstance(event.action, Syscall):
            _check_syscall(script.path, event, event.action)


def _unsupported(path: str, event: Event, message: str) -> ScriptError:
    return ScriptError(path, event.line, message, unsupported=True)


def _check_syscall(path: str, event: Event, sc: Syscall) -> None:
    name = sc.name
    if name not in SYSCALLS:
        raise _unsupported(path, event, f"the system call {name}() (tcpsim plays {', '.join(SYSCALLS)})")
    if len(sc.args) not in ARITY[name]:
        want = " or ".join(str(n) for n in ARITY[name])
        raise ScriptError(path, event.line, f"{name}() takes {want} arguments, got {len(sc.args)}")
    if name != "socket" and not isinstance(sc.args[0], Int):
        raise ScriptError(path, event.line, f"{name}()'s first argument must be a descriptor number")
    if not isinstance(sc.result, Int | Ellipsis_):
        raise ScriptError(path, event.line, f"{name}()'s expected result must be a number, as in = 0 or = -1 EAGAIN")
    if sc.errno is not None and not is_errno(sc.errno):
        raise ScriptError(path, event.line, f"unknown errno {sc.errno}")
    args = sc.args
    if name == "socket":
        kind, proto = args[1], args[2]
        if not (isinstance(kind, Ellipsis_) or word(kind) == "SOCK_STREAM"):
            raise _unsupported(path, event, f"socket type {expr_text(kind)} (tcpsim models SOCK_STREAM)")
        if not (isinstance(proto, Ellipsis_) or word(proto) == "IPPROTO_TCP" or _int(proto) == 0):
            raise _unsupported(path, event, f"protocol {expr_text(proto)} (tcpsim models TCP)")
    elif name == "fcntl":
        cmd = word(args[1])
        if cmd not in ("F_GETFL", "F_SETFL") or (cmd == "F_SETFL") != (len(args) == 3):
            raise _unsupported(path, event, f"fcntl {expr_text(args[1])} (tcpsim plays F_GETFL and F_SETFL)")
        if cmd == "F_SETFL":
            flag_names(args[2], path, event)
    elif name in ("setsockopt", "getsockopt"):
        level, opt = word(args[1]), word(args[2])
        if level not in SOCKET_LEVELS:
            raise _unsupported(path, event, f"{name} at level {expr_text(args[1])}")
        if opt not in SOCKOPTS or (name == "setsockopt" and opt == "SO_ERROR"):
            known = ", ".join(SOCKOPTS)
            raise _unsupported(path, event, f"{name} {expr_text(args[2])} (tcpsim models {known})")
        if name == "setsockopt":
            _check_setsockopt(path, event, opt, args[3])
    elif name in ("send", "recv"):
        if _int(args[3]) != 0:
            raise _unsupported(path, event, f"{name}() flags {expr_text(args[3])} (tcpsim plays flags 0)")
    elif name == "shutdown":
        how = word(args[1]) or _int(args[1])
        if how not in SHUTDOWN_HOW:
            raise ScriptError(path, event.line, "shutdown()'s second argument is SHUT_RD, SHUT_WR or SHUT_RDWR")
    if name in ("write", "send", "read", "recv") and not isinstance(args[1], Ellipsis_):
        raise _unsupported(path, event, f"a {name}() buffer other than ... (packetdrill's zeroed buffer)")
    if name in ("write", "send", "read", "recv") and (_int(args[2]) is None or (_int(args[2]) or 0) < 0):
        raise ScriptError(path, event.line, f"{name}()'s byte count must be a number ≥ 0")


def _check_setsockopt(path: str, event: Event, opt: str | None, value: Expr) -> None:
    if opt == "SO_LINGER":
        fields = linger(value)
        if fields is None:
            raise ScriptError(path, event.line, "SO_LINGER's value is {onoff=N, linger=N}")
        if fields[0] and fields[1] > 0:
            raise _unsupported(path, event, "SO_LINGER with a timeout (a close that blocks until the data is sent)")
        return
    number = array_int(value)
    if number is None:
        raise ScriptError(path, event.line, f"{opt}'s value is a number in brackets, as in [1]")
    if opt == "TCP_NODELAY" and number == 0:
        raise _unsupported(path, event, "TCP_NODELAY 0: Nagle's algorithm (tcpsim never delays a segment)")
    if opt == "SO_RCVBUF" and number < 0:
        raise ScriptError(path, event.line, "SO_RCVBUF must be ≥ 0")


# ----------------------------------------------------------------------------- expression helpers
def word(e: Expr) -> str | None:
    return e.name if isinstance(e, Word) else None


def _int(e: Expr) -> int | None:
    return e.value if isinstance(e, Int) else None


def array_int(e: Expr) -> int | None:
    """``[1]`` or ``1``: the number (None for anything else)."""
    if isinstance(e, Array) and len(e.items) == 1:
        e = e.items[0]
    return e.value if isinstance(e, Int) else None


def linger(e: Expr) -> tuple[int, int] | None:
    """``{onoff=1, linger=0}`` (or ``[{...}]``) as (onoff, linger)."""
    if isinstance(e, Array) and len(e.items) == 1:
        e = e.items[0]
    if not isinstance(e, Struct):
        return None
    values: dict[str, int] = {}
    for item in e.items:
        if isinstance(item, Assign) and isinstance(item.target, Word) and isinstance(item.value, Int):
            values[item.target.name] = item.value.value
    if set(values) != {"onoff", "linger"}:
        return None
    return values["onoff"], values["linger"]


def flag_names(e: Expr, path: str, event: Event) -> set[str]:
    """``O_RDWR|O_NONBLOCK`` as names (numbers are decoded)."""
    if isinstance(e, Or):
        return flag_names(e.left, path, event) | flag_names(e.right, path, event)
    if isinstance(e, Word) and e.name in FCNTL_FLAGS:
        return {e.name}
    if isinstance(e, Int):
        return {n for n, bit in FCNTL_FLAGS.items() if bit and e.value & bit == bit and n != "O_NDELAY"}
    raise ScriptError(path, event.line, f"unknown file flag {expr_text(e)} (known: {', '.join(FCNTL_FLAGS)})")
