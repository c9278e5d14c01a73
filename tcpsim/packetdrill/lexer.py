"""The packetdrill dialect's tokens, and the ``#ifdef`` lines the FreeBSD tcp-testsuite adds to it.

packetdrill's grammar is free-form (an event may span lines, whitespace and comments separate
tokens), so the parser works on a token stream in which every token remembers the line it starts
on: errors and verdicts name ``FILE:LINE`` as packetdrill does. Tokens are recognised as its lexer
recognises them, longest match first and, among equally long ones, the earlier rule: ``0x02`` is
a hexadecimal number rather than a word, ``1000`` a number, ``F.`` the word ``F`` and a dot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import ScriptError

# (kind, pattern) in the order that breaks ties between equally long matches.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ELLIPSIS", re.compile(r"\.\.\.")),
    ("OPTION", re.compile(r"--[A-Za-z0-9_]+")),
    ("FLOAT", re.compile(r"-?[0-9]*\.[0-9]+")),
    ("INT", re.compile(r"-?[0-9]+")),
    ("HEX", re.compile(r"0x[0-9a-fA-F]+")),
    ("WORD", re.compile(r"[A-Za-z0-9_]+")),
    ("IPV4", re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")),
)
_SPACE = re.compile(r"[ \t\r\f\v]+")
MAX_DIRECTIVE_DEPTH = 64


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    """ELLIPSIS OPTION FLOAT INT HEX WORD IPV4 STRING BACKQUOTE CODE PUNCT EOF."""
    text: str
    """The characters as written (a STRING's or BACKQUOTE's without the quotes; an OPTION's name)."""
    line: int
    value: str | None = None
    """An OPTION's value after ``=`` (None: a bare flag)."""

    def describe(self) -> str:
        if self.kind == "EOF":
            return "the end of the script"
        if self.kind == "STRING":
            return f'"{self.text}"'
        if self.kind == "BACKQUOTE":
            return f"`{self.text}`"
        return f"'{self.text}'"


def preprocess(text: str, defined: set[str], path: str) -> str:
    """Blank the lines a false ``#ifdef``/``#ifndef`` excludes, and the directives themselves.

    Line numbers are kept (excluded lines become empty) so that errors still name the line of the
    file. Only the directives the FreeBSD tcp-testsuite uses exist: ``#ifdef``, ``#ifndef``,
    ``#else``, ``#endif``; any other line starting with ``#`` is left to the lexer (outside a
    ``%{ }%`` snippet it is then a syntax error, as for packetdrill, which has no ``#`` comments).
    """
    out: list[str] = []
    stack: list[tuple[int, bool, bool]] = []  # (line, this branch taken, else seen)
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        active = all(taken for _, taken, _ in stack)
        if stripped.startswith("#"):
            words = stripped[1:].split()
            directive = words[0] if words else ""
            if directive in ("ifdef", "ifndef"):
                if len(words) != 2 or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", words[1]):
                    raise ScriptError(path, number, f"#{directive} needs one name, as in #{directive} FreeBSD")
                if len(stack) >= MAX_DIRECTIVE_DEPTH:
                    raise ScriptError(path, number, f"#{directive} nested more than {MAX_DIRECTIVE_DEPTH} deep")
                taken = (words[1] in defined) == (directive == "ifdef")
                stack.append((number, taken, False))
            elif directive in ("else", "endif"):
                if len(words) > 1 and not words[1].startswith("//"):
                    raise ScriptError(path, number, f"#{directive} takes no argument")
                if not stack:
                    raise ScriptError(path, number, f"#{directive} without #ifdef")
                start, taken, seen_else = stack.pop()
                if directive == "else":
                    if seen_else:
                        raise ScriptError(path, number, f"second #else for the #ifdef of line {start}")
                    stack.append((start, not taken, True))
            else:
                # Not ours (a '#' line inside a %{ python }% snippet, say): left for the lexer.
                out.append(line if active else "")
                continue
            out.append("")
        else:
            out.append(line if active else "")
    if stack:
        raise ScriptError(path, stack[-1][0], "#ifdef without #endif")
    return "\n".join(out)


def tokenize(text: str, path: str) -> list[Token]:
    """The tokens of ``text`` (already preprocessed), ending with one EOF token."""
    tokens: list[Token] = []
    pos, line, n = 0, 1, len(text)
    while pos < n:
        ch = text[pos]
        if ch == "\n":
            line += 1
            pos += 1
            continue
        m = _SPACE.match(text, pos)
        if m:
            pos = m.end()
            continue
        if text.startswith("//", pos):
            end = text.find("\n", pos)
            pos = n if end < 0 else end
            continue
        if text.startswith("/*", pos):
            end = text.find("*/", pos + 2)
            if end < 0:
                raise ScriptError(path, line, "comment /* is never closed with */")
            line += text.count("\n", pos, end)
            pos = end + 2
            continue
        if text.startswith("%{", pos):
            end = text.find("}%", pos + 2)
            if end < 0:
                raise ScriptError(path, line, "code snippet %{ is never closed with }%")
            tokens.append(Token("CODE", text[pos + 2 : end].strip(), line))
            line += text.count("\n", pos, end)
            pos = end + 2
            continue
        if ch in '"`':
            end, start_line = pos + 1, line
            while end < n and text[end] != ch:
                if text[end] == "\\" and end + 1 < n:
                    end += 1
                if text[end] == "\n":
                    line += 1
                end += 1
            if end >= n:
                what = "string" if ch == '"' else "shell command"
                raise ScriptError(
                    path, start_line, f"{what} starting {ch}{text[pos + 1 : pos + 21]!s}… is never closed"
                )
            body = text[pos + 1 : end]
            tokens.append(Token("STRING" if ch == '"' else "BACKQUOTE", _unescape(body), start_line))
            pos = end + 1
            continue
        best_kind, best_end = "", pos
        for kind, pattern in _RULES:
            m = pattern.match(text, pos)
            if m and m.end() > best_end:
                best_kind, best_end = kind, m.end()
        if not best_kind:
            tokens.append(Token("PUNCT", ch, line))
            pos += 1
            continue
        word = text[pos:best_end]
        pos = best_end
        if best_kind == "OPTION":
            value = None
            if pos < n and text[pos] == "=":
                m = re.compile(r'"(\\.|[^"\n])*"|[^\s]*').match(text, pos + 1)
                assert m is not None  # the pattern matches the empty string
                raw = m.group(0)
                value = _unescape(raw[1:-1]) if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw
                pos = m.end()
            tokens.append(Token("OPTION", word[2:], line, value))
        else:
            tokens.append(Token(best_kind, word, line))
    tokens.append(Token("EOF", "", line))
    return tokens


def _unescape(body: str) -> str:
    """packetdrill keeps a quoted string's characters, turning ``\\x`` into ``x``."""
    return re.sub(r"\\(.)", r"\1", body, flags=re.DOTALL)
