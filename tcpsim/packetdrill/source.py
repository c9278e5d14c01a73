"""A script file read for playing: its text (refused, located, when it is not text), the names
``#ifdef`` lines test (the stack's own, then ``-D``), parsed."""

from __future__ import annotations

from pathlib import Path

from ..core.personality import PERSONALITIES
from .model import Script, ScriptError
from .parser import parse

STACKS = {name: p.define for name, p in PERSONALITIES.items()}
"""The stacks tcpsim can be, and the name each defines for ``#ifdef``."""


def load_script(path: str | Path, stack: str = "rfc9293", defines: list[str] | tuple[str, ...] = ()) -> Script:
    """Read and parse a script file; errors are :class:`ScriptError` (exit 2), located."""
    return parse(read_text(path), str(path), define_map(stack, defines))


def read_text(path: str | Path) -> str:
    """A script file's text; :class:`ScriptError` (located) for one that cannot be read or is not text."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ScriptError(name, 0, f"cannot read the script: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScriptError(name, line, "not UTF-8 text (a packetdrill script is text)") from None
    if "\0" in text:
        raise ScriptError(name, text[: text.index("\0")].count("\n") + 1, "a NUL byte: not a text file")
    return text


def define_map(stack: str, defines: list[str] | tuple[str, ...]) -> dict[str, str]:
    names = {STACKS[stack]: "1"}
    for d in defines:
        name, _, value = d.partition("=")
        names[name] = value or "1"
    return names
