"""A packetdrill script as data: its options, and its events, each a timed action on one line.

The records are what the parser builds and the runner plays; they keep what the script wrote (the
numbers as written, relative to each side's ISN) and leave every interpretation to the runner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

TimeKind = Literal["absolute", "relative", "any", "absolute_range", "relative_range"]


class ScriptError(Exception):
    """A script tcpsim cannot play: malformed (``unsupported`` False) or using something tcpsim
    does not model (``unsupported`` True). Either way the verdict is exit 2, located."""

    def __init__(self, path: str, line: int, message: str, *, unsupported: bool = False) -> None:
        super().__init__(f"{path}:{line}: {'unsupported: ' if unsupported else ''}{message}")
        self.path = path
        self.line = line
        self.message = message
        self.unsupported = unsupported


@dataclass(frozen=True, slots=True)
class When:
    """An event's time, in seconds as written: ``0.1``, ``+0.1``, ``*``, ``1~2``, ``+1~+2``."""

    kind: TimeKind
    start: float = 0.0
    end: float | None = None

    def text(self) -> str:
        if self.kind == "any":
            return "*"
        plus = "+" if self.kind.startswith("relative") else ""
        if self.end is None:
            return f"{plus}{self.start:g}"
        return f"{plus}{self.start:g}~{plus}{self.end:g}"


# ----------------------------------------------------------------------------- expressions
@dataclass(frozen=True, slots=True)
class Ellipsis_:
    """``...``: any value (an address, a buffer)."""


@dataclass(frozen=True, slots=True)
class Int:
    value: int


@dataclass(frozen=True, slots=True)
class Word:
    name: str
    """A symbol: ``SOCK_STREAM``, ``O_NONBLOCK``, ``SHUT_WR``…"""


@dataclass(frozen=True, slots=True)
class Str:
    text: str
    ellipsis: bool = False


@dataclass(frozen=True, slots=True)
class Or:
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Assign:
    """``name=value`` inside a struct: ``{onoff=1, linger=0}``."""

    target: Expr
    value: Expr


@dataclass(frozen=True, slots=True)
class Array:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Struct:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Call:
    """``htons(8080)``, ``inet_addr("192.0.2.1")``."""

    name: str
    args: tuple[Expr, ...]


Expr = Ellipsis_ | Int | Word | Str | Or | Assign | Array | Struct | Call


def expr_text(e: Expr) -> str:
    """An expression written back as packetdrill writes it."""
    if isinstance(e, Ellipsis_):
        return "..."
    if isinstance(e, Int):
        return str(e.value)
    if isinstance(e, Word):
        return e.name
    if isinstance(e, Str):
        return f'"{e.text}"' + ("..." if e.ellipsis else "")
    if isinstance(e, Or):
        return f"{expr_text(e.left)}|{expr_text(e.right)}"
    if isinstance(e, Assign):
        return f"{expr_text(e.target)}={expr_text(e.value)}"
    if isinstance(e, Array):
        return "[" + ", ".join(expr_text(i) for i in e.items) + "]"
    if isinstance(e, Struct):
        return "{" + ", ".join(expr_text(i) for i in e.items) + "}"
    return f"{e.name}(" + ", ".join(expr_text(a) for a in e.args) + ")"


# ----------------------------------------------------------------------------- actions
@dataclass(frozen=True, slots=True)
class TcpOption:
    """One TCP option as written: ``mss 1460``, ``wscale 7``, ``sackOK``, ``TS val 100 ecr 0``."""

    name: str
    values: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Packet:
    """``< S. 0:0(0) ack 1 win 32768 <mss 1000>``: a segment the remote sends (``<``) or one the
    stack under test is expected to send (``>``). Numbers are as written: relative to the sender's
    ISN, except in a SYN, whose sequence number is absolute (packetdrill's convention)."""

    direction: Literal["<", ">"]
    flags: str
    """The flag letters as written, ``.`` for ACK: ``S.``, ``F.``, ``R``, ``-`` for none."""
    start: int
    end: int
    length: int
    ack: int | None = None
    win: int | None = None
    options: tuple[TcpOption, ...] | None = None
    """None: no ``<...>`` list was written (``<>`` is an empty one)."""
    any_options: bool = False
    """``<...>``: the options are not to be checked."""
    any_seq: bool = False
    """``...(0)`` in place of ``start:end(length)``: any sequence number (outbound only, as the
    FreeBSD tcp-testsuite writes a SYN,ACK whose ISN the stack chooses)."""


@dataclass(frozen=True, slots=True)
class Syscall:
    """``+0.1...0.2 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)``."""

    name: str
    args: tuple[Expr, ...]
    result: Expr
    errno: str | None = None
    note: str | None = None
    end: float | None = None
    """The end time after ``...``: the call blocks and returns then (relative like the start)."""


@dataclass(frozen=True, slots=True)
class Shell:
    """A backtick command: never executed; recognised ones take effect (see :mod:`.shell`)."""

    command: str


@dataclass(frozen=True, slots=True)
class Code:
    """A ``%{ python }%`` snippet: tcpsim runs no code from a script."""

    code: str


Action = Packet | Syscall | Shell | Code


@dataclass(frozen=True, slots=True)
class Event:
    line: int
    when: When
    action: Action


@dataclass(frozen=True, slots=True)
class Option:
    """``--name=value`` in the script's header (as on packetdrill's command line)."""

    line: int
    name: str
    value: str | None


@dataclass(frozen=True, slots=True)
class Script:
    path: str
    source: str
    options: tuple[Option, ...] = ()
    init_command: tuple[int, Shell] | None = None
    events: tuple[Event, ...] = ()
    cleanup_command: tuple[int, Shell] | None = None
    defines: dict[str, str] = field(default_factory=dict)
    """The names defined when it was read (``-D``, the stack's own name, ``--define`` lines)."""

    def line_text(self, line: int) -> str:
        """The source line, stripped, for display (empty if out of range)."""
        lines = self.source.split("\n")
        return lines[line - 1].strip() if 0 < line <= len(lines) else ""
