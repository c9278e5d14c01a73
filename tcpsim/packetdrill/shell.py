"""Backtick lines: never executed (a script is data), but the ones tcpsim understands take effect.

Three kinds are recognised:

* ``sysctl -w name=value`` (and ``sysctl -q``, several settings, ``/proc/sys`` echoes): each setting
  tcpsim models changes the run (:data:`MODELLED`); a setting that asks for behaviour tcpsim cannot
  give yet is refused as unsupported; any other is listed as skipped.
* State checks: ``sockstat``, ``netstat`` or ``ss`` piped into ``grep``s, as the FreeBSD
  tcp-testsuite writes them (``sockstat -4 -P tcp -s | grep packetdril | grep -c TIME_WAIT | grep
  1``). The pipeline is evaluated over the sockets of the run as that tool would list them, and it
  must succeed, as packetdrill requires of a command: a state assertion.
* ``tcpdrop -s STATE``: FreeBSD's tool that drops every connection in that state (an ABORT).

Anything else is skipped, and the output lists it with its line.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from ..core.states import State


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Sysctl:
    settings: tuple[Setting, ...]


@dataclass(frozen=True, slots=True)
class Grep:
    pattern: str
    count: bool = False
    invert: bool = False
    ignore_case: bool = False
    word: bool = False
    quiet: bool = False


@dataclass(frozen=True, slots=True)
class StateCheck:
    tool: str
    """sockstat, netstat or ss: it decides how each state is spelt."""
    greps: tuple[Grep, ...]


@dataclass(frozen=True, slots=True)
class TcpDrop:
    state: State


@dataclass(frozen=True, slots=True)
class Skip:
    reason: str


Command = Sysctl | StateCheck | TcpDrop | Skip

# Each tool's spelling of the states (what `grep` sees in its listing).
SPELLING: dict[str, dict[State, str]] = {
    "sockstat": {
        State.CLOSED: "CLOSED",
        State.LISTEN: "LISTEN",
        State.SYN_SENT: "SYN_SENT",
        State.SYN_RECEIVED: "SYN_RCVD",
        State.ESTABLISHED: "ESTABLISHED",
        State.CLOSE_WAIT: "CLOSE_WAIT",
        State.FIN_WAIT_1: "FIN_WAIT_1",
        State.CLOSING: "CLOSING",
        State.LAST_ACK: "LAST_ACK",
        State.FIN_WAIT_2: "FIN_WAIT_2",
        State.TIME_WAIT: "TIME_WAIT",
    },
    "netstat": {
        State.CLOSED: "CLOSE",
        State.LISTEN: "LISTEN",
        State.SYN_SENT: "SYN_SENT",
        State.SYN_RECEIVED: "SYN_RECV",
        State.ESTABLISHED: "ESTABLISHED",
        State.CLOSE_WAIT: "CLOSE_WAIT",
        State.FIN_WAIT_1: "FIN_WAIT1",
        State.CLOSING: "CLOSING",
        State.LAST_ACK: "LAST_ACK",
        State.FIN_WAIT_2: "FIN_WAIT2",
        State.TIME_WAIT: "TIME_WAIT",
    },
    "ss": {
        State.CLOSED: "UNCONN",
        State.LISTEN: "LISTEN",
        State.SYN_SENT: "SYN-SENT",
        State.SYN_RECEIVED: "SYN-RECV",
        State.ESTABLISHED: "ESTAB",
        State.CLOSE_WAIT: "CLOSE-WAIT",
        State.FIN_WAIT_1: "FIN-WAIT-1",
        State.CLOSING: "CLOSING",
        State.LAST_ACK: "LAST-ACK",
        State.FIN_WAIT_2: "FIN-WAIT-2",
        State.TIME_WAIT: "TIME-WAIT",
    },
}

_SETTING = re.compile(r"^([A-Za-z0-9_.]+)=(.*)$")


def classify(command: str) -> Command:
    """What a backtick line means to tcpsim (never run)."""
    text = command.strip()
    try:
        words = shlex.split(text)
    except ValueError:
        return Skip("a shell command tcpsim cannot read")
    if not words:
        return Skip("an empty command")
    if any(op in text for op in (";", "&", "||", ">", "<", "$(")):
        return Skip("a compound shell command (tcpsim reads single commands and pipelines)")
    head = words[0].rsplit("/", 1)[-1]
    if head == "sysctl":
        return _sysctl(words[1:])
    if head == "echo" and len(words) == 2 and "/proc/sys/" in text:
        return Skip("a write to /proc/sys (a Linux setting; tcpsim models none of /proc)")
    if head in SPELLING:
        return _state_check(head, text)
    if head == "tcpdrop" and len(words) == 3 and words[1] == "-s":
        state = _state_by_spelling("sockstat", words[2])
        if state is not None:
            return TcpDrop(state)
    if head.endswith(".sh"):
        return Skip("a shell script (tcpsim runs no shell commands)")
    return Skip("a shell command tcpsim does not model")


def _sysctl(args: list[str]) -> Command:
    settings = []
    for arg in args:
        if arg in ("-w", "-q", "-n", "-e"):
            continue
        m = _SETTING.match(arg)
        if m is None:
            return Skip("a sysctl read, not a setting")
        settings.append(Setting(m.group(1), m.group(2).strip().strip('"')))
    if not settings:
        return Skip("a sysctl without a setting")
    return Sysctl(tuple(settings))


def _state_check(tool: str, text: str) -> Command:
    stages = [s.strip() for s in text.split("|")]
    greps = []
    for stage in stages[1:]:
        grep = _grep(stage)
        if grep is None:
            return Skip(f"a {tool} pipeline with a stage tcpsim does not read ({stage!r})")
        greps.append(grep)
    if not greps:
        return Skip(f"a {tool} listing without a grep to check (nothing to assert)")
    return StateCheck(tool, tuple(greps))


def _grep(stage: str) -> Grep | None:
    try:
        words = shlex.split(stage)
    except ValueError:
        return None
    if not words or words[0] not in ("grep", "egrep", "fgrep"):
        return None
    flags = {"count": False, "invert": False, "ignore_case": False, "word": False, "quiet": False}
    letters = {"c": "count", "v": "invert", "i": "ignore_case", "w": "word", "q": "quiet", "F": "", "E": ""}
    pattern = None
    for word in words[1:]:
        if word.startswith("-") and pattern is None and len(word) > 1:
            for ch in word[1:]:
                if ch not in letters:
                    return None
                if letters[ch]:
                    flags[letters[ch]] = True
        elif pattern is None:
            pattern = word
        else:
            return None  # a file argument: not a pipeline stage
    if pattern is None or any(ch in pattern for ch in "[]*^$\\(){}+?.|"):
        return None  # only fixed words: what the scripts grep for
    return Grep(pattern, **flags)


def _state_by_spelling(tool: str, name: str) -> State | None:
    for state, spelt in SPELLING[tool].items():
        if spelt == name:
            return state
    return None


def run_greps(lines: list[str], greps: tuple[Grep, ...]) -> tuple[bool, list[str]]:
    """Run ``grep`` stages over a listing: the pipeline's success and its final output."""
    ok = True
    for g in greps:
        kept = [line for line in lines if _matches(g, line) != g.invert]
        ok = bool(kept)
        lines = [str(len(kept))] if g.count else kept
        if g.quiet:
            lines = []
    return ok, lines


def _matches(g: Grep, line: str) -> bool:
    pattern, text = (g.pattern.lower(), line.lower()) if g.ignore_case else (g.pattern, line)
    if g.word:
        return re.search(rf"(?<![A-Za-z0-9_]){re.escape(pattern)}(?![A-Za-z0-9_])", text) is not None
    return pattern in text
