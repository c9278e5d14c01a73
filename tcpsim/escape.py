"""Text from a file, made safe to show: shown, never interpreted.

A scenario's ``name``, ``summary`` and notes, a payload, a capture's file name: all come from files
that people share, and a terminal interprets some characters instead of showing them. ESC starts
a sequence that can clear the screen, recolour what follows or set the window title; a newline
can forge a line of output (a packet line in the tcpdump format); a bidirectional override can
show text in an order other than the bytes'. Every string from a file passes through
:func:`visible` before it reaches a terminal or a text format, in every view (the command line's
formats and messages, the app).

The escapes are those of Python's ``repr``: ``\\x1b``, ``\\n``, ``\\u202e``. A backslash already in
the text is kept as it is (a name such as ``C:\\temp`` stays readable), so the escaping cannot be
undone unambiguously; it is for showing, not for storing (files keep the exact text).

Nothing here imports the rest of tcpsim, Textual or Rich.
"""

from __future__ import annotations

import unicodedata

HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Control characters (C0, DEL, C1), format characters (bidirectional overrides, zero-width
characters), lone surrogates, and the line and paragraph separators."""

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def is_hidden(ch: str) -> bool:
    """Whether a terminal could act on ``ch`` instead of showing it (see :data:`HIDDEN_CATEGORIES`)."""
    return unicodedata.category(ch) in HIDDEN_CATEGORIES


def visible(text: str, *, multiline: bool = False) -> str:
    """``text`` with every character a terminal could act on written as ``repr`` writes it.

    ``multiline`` keeps newlines and tabs (a description, a note shown wrapped); otherwise they are
    escaped too, so that the result is always one line.
    """
    if text.isprintable():  # the common case, checked at C speed (space is printable)
        return text
    keep = "\n\t" if multiline else ""
    return "".join(_escape_char(ch) if ch not in keep and is_hidden(ch) else ch for ch in text)


def visible_bytes(data: bytes) -> str:
    """A payload as text to show: UTF-8 where it is, ``\\xNN`` for each byte that is not, and
    :func:`visible` for the rest. The result is one line."""
    return visible(data.decode("utf-8", "backslashreplace"))


def json_visible(line: str) -> str:
    """A line of JSON (as ``json.dumps(..., ensure_ascii=False)`` writes it) with every hidden
    character that JSON leaves raw written as a ``\\uXXXX`` escape.

    JSON escapes only the C0 controls; DEL, the C1 controls (``\\x9b`` is CSI to some terminals)
    and the format characters would reach the terminal raw. A ``\\uXXXX`` escape is the same
    string to every JSON reader, so the trace's values do not change.
    """
    if line.isprintable():
        return line
    return "".join(_json_escape(ch) if is_hidden(ch) else ch for ch in line)


def _json_escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # beyond the BMP: a surrogate pair, as JSON writes it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
