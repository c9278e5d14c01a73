"""Read a packetdrill script into a :class:`~.model.Script`, with every error located.

A recursive-descent parser over the tokens of :mod:`.lexer`, following packetdrill's grammar
(``parser.y``: options, an optional init command, events, an optional cleanup command) and its
semantic checks, worded as packetdrill words them where it has a word for it ("window must be
specified for inbound packets", "inconsistent TCP sequence numbers and payload size"). What the
grammar has but tcpsim cannot play (UDP, ICMP, IP header fields, ECN and urgent flags, Python
snippets) is refused here, before anything runs, as ``unsupported`` with its line.
"""

from __future__ import annotations

from typing import Literal, NoReturn

from .lexer import Token, preprocess, tokenize
from .model import (
    Array,
    Assign,
    Call,
    Code,
    Ellipsis_,
    Event,
    Expr,
    Int,
    Option,
    Or,
    Packet,
    Script,
    ScriptError,
    Shell,
    Str,
    Struct,
    Syscall,
    TcpOption,
    When,
    Word,
)

FLAG_LETTERS = ".FSRPEWAU01234567"
UNMODELLED_FLAGS = {
    "E": "ECE (ECN)",
    "W": "CWR (ECN)",
    "A": "AE (AccECN)",
    "U": "URG (urgent data)",
}
OTHER_PROTOCOLS = {"udp", "icmp", "ipv4", "ipv6", "gre", "GREv0", "mpls"}
U32, U16 = 0xFFFF_FFFF, 0xFFFF
MAX_NESTING = 64
# name -> (how many numbers, allowed range of each)
_OPTION_SHAPES: dict[str, tuple[int | None, int]] = {
    "nop": (0, 0),
    "eol": (0, 0),
    "sackOK": (0, 0),
    "mss": (1, U16),
    "wscale": (1, 14),
    "sack": (None, U32),
    "TS": (2, U32),
    "md5": (None, 0),
    "FO": (None, 0),
    "FOEXP": (None, 0),
    "ECN": (None, 0),
}


def parse(text: str, path: str, defines: dict[str, str] | None = None) -> Script:
    """Parse a whole script. ``defines`` are ``-D`` names (with values, ``"1"`` for a bare name):
    they decide the ``#ifdef`` lines and replace words as packetdrill's ``--define`` does."""
    names = dict(defines or {})
    source = preprocess(text, set(names), path)
    return _Parser(tokenize(source, path), path, source, names).script()


class _Parser:
    def __init__(self, tokens: list[Token], path: str, source: str, defines: dict[str, str]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.path = path
        self.source = source
        self.defines = defines
        self.depth = 0

    # ------------------------------------------------------------------ tokens
    def peek(self, ahead: int = 0) -> Token:
        tok = self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]
        if tok.kind == "WORD" and tok.text in self.defines:
            value = self.defines[tok.text]
            kind = "INT" if _is_int(value) else "WORD"
            return Token(kind, value, tok.line)
        return tok

    def next(self) -> Token:
        tok = self.peek()
        self.pos = min(self.pos + 1, len(self.tokens) - 1)
        return tok

    def at(self, kind: str, text: str | None = None, ahead: int = 0) -> bool:
        tok = self.peek(ahead)
        return tok.kind == kind and (text is None or tok.text == text)

    def punct(self, ch: str, ahead: int = 0) -> bool:
        return self.at("PUNCT", ch, ahead)

    def expect_punct(self, ch: str, what: str) -> Token:
        if not self.punct(ch):
            self.fail(f"expected '{ch}' {what}")
        return self.next()

    def fail(self, message: str, tok: Token | None = None) -> NoReturn:
        tok = tok or self.peek()
        raise ScriptError(self.path, tok.line, f"syntax error at {tok.describe()}: {message}")

    def semantic(self, line: int, message: str) -> NoReturn:
        raise ScriptError(self.path, line, message)

    def unsupported(self, line: int, message: str) -> NoReturn:
        raise ScriptError(self.path, line, message, unsupported=True)

    def integer(self, what: str, low: int, high: int) -> int:
        tok = self.peek()
        if tok.kind not in ("INT", "HEX"):
            self.fail(f"expected {what} (a number)")
        self.next()
        value = int(tok.text, 0) if tok.kind == "HEX" else int(tok.text)
        if not low <= value <= high:
            self.semantic(tok.line, f"{what} out of range ({value}; {low}..{high})")
        return value

    # ------------------------------------------------------------------ script
    def script(self) -> Script:
        options = []
        while self.at("OPTION"):
            tok = self.next()
            options.append(Option(tok.line, tok.text, tok.value))
            if tok.text == "define" and tok.value:
                name, _, value = tok.value.partition("=")
                self.defines[name] = value or "1"
        init = None
        if self.at("BACKQUOTE") and not self.at("EOF", ahead=1):
            tok = self.next()
            init = (tok.line, Shell(tok.text))
        events: list[Event] = []
        cleanup = None
        while not self.at("EOF"):
            if self.at("BACKQUOTE") and self.at("EOF", ahead=1) and events:
                tok = self.next()
                cleanup = (tok.line, Shell(tok.text))
                break
            if self.at("OPTION"):
                self.fail("options (--name=value) belong before the first event")
            events.append(self.event())
        if not events:
            self.fail("a script needs at least one timed event (such as `0 socket(...) = 3`)")
        first = events[0]
        if first.when.kind != "any" and first.when.start != 0:
            self.semantic(first.line, "first event should be at time 0")
        return Script(self.path, self.source, tuple(options), init, tuple(events), cleanup, dict(self.defines))

    # ------------------------------------------------------------------ events
    def event(self) -> Event:
        line = self.peek().line
        when = self.when()
        action = self.action()
        outbound = isinstance(action, Packet) and action.direction == ">"
        if when.kind == "any" and not outbound:
            self.semantic(line, "event time <star> can only be used with outbound packets")
        if when.end is not None:
            if not outbound:
                self.semantic(line, "event time range can only be used with outbound packets")
            if when.end < when.start:
                self.semantic(line, "time range is backwards")
        return Event(line, when, action)

    def when(self) -> When:
        if self.punct("*"):
            self.next()
            return When("any")
        if self.punct("+"):
            self.next()
            start = self.time()
            if self.punct("~"):
                self.next()
                if not self.punct("+"):
                    self.fail("a relative time range is written +A~+B")
                self.next()
                return When("relative_range", start, self.time())
            return When("relative", start)
        if self.at("INT") or self.at("FLOAT"):
            start = self.time()
            if self.punct("~"):
                self.next()
                return When("absolute_range", start, self.time())
            return When("absolute", start)
        if self.at("BACKQUOTE"):
            self.fail("a shell command in the middle of a script needs a time, as in +0 `sysctl ...`")
        self.fail("expected a time (0.1, +0.1, 1~2 or *) at the start of an event")

    def time(self) -> float:
        tok = self.peek()
        if tok.kind not in ("INT", "FLOAT"):
            self.fail("expected a time in seconds")
        self.next()
        value = float(tok.text)
        if value < 0:
            self.semantic(tok.line, "negative time")
        if value > 1e6:
            self.semantic(tok.line, "time beyond 10^6 seconds")
        return value

    def action(self) -> Packet | Syscall | Shell | Code:
        tok = self.peek()
        if tok.kind == "PUNCT" and tok.text in "<>":
            return self.packet()
        if tok.kind == "BACKQUOTE":
            self.next()
            return Shell(tok.text)
        if tok.kind == "CODE":
            self.unsupported(tok.line, "%{ python }% code snippets (tcpsim runs no code from a script)")
        if tok.kind == "ELLIPSIS" or (tok.kind == "WORD" and self.punct("(", 1)):
            return self.syscall()
        self.fail("expected a packet (< or >), a system call or a `shell command` after the time")

    # ------------------------------------------------------------------ packets
    def packet(self) -> Packet:
        direction_tok = self.next()
        direction: Literal["<", ">"] = "<" if direction_tok.text == "<" else ">"
        line = direction_tok.line
        tok = self.peek()
        if tok.kind == "PUNCT" and tok.text in "([":
            self.unsupported(line, "IP header fields in a packet line (tos, ECN codepoint, TTL, flow label)")
        if tok.kind == "WORD" and tok.text in OTHER_PROTOCOLS:
            what = {"udp": "UDP", "icmp": "ICMP"}.get(tok.text, f"{tok.text} encapsulation")
            self.unsupported(line, f"{what} packets (tcpsim models TCP only)")
        if tok.kind == "INT" and self.punct(">", 1):
            self.unsupported(line, "port numbers in a packet line (tcpsim runs one connection on fixed ports)")
        flags = self.flags(line)
        any_seq = False
        if self.at("ELLIPSIS"):
            self.next()
            if direction == "<":
                self.semantic(line, "... for the sequence numbers can only be used with outbound packets")
            any_seq, start, end = True, 0, 0
            self.expect_punct("(", "before the payload length (...(length))")
            length = self.integer("TCP payload size", 0, U16)
            self.expect_punct(")", "after the payload length")
            end = length
        else:
            start = self.integer("TCP start sequence number", 0, U32)
            self.expect_punct(":", "between the start and end sequence numbers (start:end(length))")
            end = self.integer("TCP end sequence number", 0, U32)
            self.expect_punct("(", "before the payload length (start:end(length))")
            length = self.integer("TCP payload size", 0, U16)
            self.expect_punct(")", "after the payload length")
            if end != start + length:
                self.semantic(line, "inconsistent TCP sequence numbers and payload size")
        ack = win = None
        if self.at("WORD", "ack"):
            self.next()
            ack = self.integer("TCP ack sequence number", 0, U32)
        if self.at("WORD", "win"):
            self.next()
            win = self.integer("TCP window value", 0, U16)
        if self.at("WORD", "urg"):
            self.unsupported(line, "the urgent pointer (tcpsim does not model urgent data)")
        options, any_options = None, False
        if self.punct("<"):
            self.next()
            if self.at("ELLIPSIS"):
                self.next()
                any_options = True
                if direction == "<":
                    self.semantic(line, "<...> for TCP options can only be used with outbound packets")
            else:
                options = self.tcp_options()
            self.expect_punct(">", "to close the TCP option list")
        if self.punct("/"):
            self.unsupported(line, "TCP encapsulated in UDP (/udp(...)): tcpsim models plain TCP")
        if direction == "<" and win is None:
            self.semantic(line, "window must be specified for inbound packets")
        return Packet(direction, flags, start, end, length, ack, win, options, any_options, any_seq)

    def flags(self, line: int) -> str:
        tok = self.peek()
        if tok.kind == "PUNCT" and tok.text in ".-":
            self.next()
            return tok.text
        if tok.kind != "WORD":
            self.fail("expected TCP flags (S, F, R, P, '.' for ACK, combined as in S. or F.)")
        self.next()
        letters = tok.text
        if self.punct("."):
            self.next()
            letters += "."
        for ch in letters:
            if ch not in FLAG_LETTERS:
                self.semantic(line, f"Invalid TCP flag: '{ch}' (flags are S F R P and '.' for ACK)")
        for ch in letters:
            if ch in UNMODELLED_FLAGS or ch.isdigit():
                what = UNMODELLED_FLAGS.get(ch, "an AccECN counter")
                self.unsupported(line, f"the TCP flag '{ch}', {what}: tcpsim models S F R P and ACK only")
        return letters

    def tcp_options(self) -> tuple[TcpOption, ...]:
        options = []
        while True:
            tok = self.peek()
            if tok.kind != "WORD":
                self.fail("expected a TCP option (mss, wscale, sackOK, nop, eol, TS, sack)")
            if tok.text not in _OPTION_SHAPES:
                self.fail(f"unknown TCP option {tok.text!r}", tok)
            self.next()
            options.append(self.tcp_option(tok))
            if self.punct(","):
                self.next()
                continue
            return tuple(options)

    def tcp_option(self, tok: Token) -> TcpOption:
        name = tok.text
        count, high = _OPTION_SHAPES[name]
        values: list[int] = []
        if name == "TS":
            for key in ("val", "ecr"):
                if not self.at("WORD", key):
                    self.fail(f"expected '{key}' in TS val N ecr N")
                self.next()
                values.append(self.integer(f"ts {key}", 0, U32))
        elif name == "sack":
            while self.at("INT"):
                values.append(self.integer("TCP SACK left sequence number", 0, U32))
                self.expect_punct(":", "in a SACK block (left:right)")
                values.append(self.integer("TCP SACK right sequence number", 0, U32))
            if not values:
                self.fail("expected SACK blocks (left:right ...)")
        elif count is None:  # md5, FO, FOEXP, ECN: a blob or fields; parsed loosely, never compared
            while self.peek().kind in ("WORD", "INT", "HEX") or self.punct(":"):
                self.next()
        else:
            for _ in range(count):
                values.append(self.integer(f"{name} value", 0, high))
        return TcpOption(name, tuple(values))

    # ------------------------------------------------------------------ system calls
    def syscall(self) -> Syscall:
        end = None
        if self.at("ELLIPSIS"):
            self.next()
            end = self.time()
        tok = self.peek()
        if tok.kind != "WORD" or not self.punct("(", 1):
            self.fail("expected a system call, as in connect(3, ..., ...) = 0")
        self.next()
        self.next()
        args = self.expression_list(")")
        self.expect_punct("=", "and the expected result after the system call (= 0, = -1 EAGAIN)")
        result = self.expression()
        errno = note = None
        if self.at("WORD"):
            errno = self.next().text
        if self.punct("("):
            note = self.note()
        return Syscall(tok.text, tuple(args), result, errno, note, end)

    def note(self) -> str:
        self.next()
        depth, words = 1, list[str]()
        while True:
            tok = self.peek()
            if tok.kind == "EOF":
                self.fail("the note in parentheses is never closed")
            self.next()
            if tok.kind == "PUNCT" and tok.text == "(":
                depth += 1
            elif tok.kind == "PUNCT" and tok.text == ")":
                depth -= 1
                if depth == 0:
                    return " ".join(words)
            words.append(tok.text)

    def expression_list(self, close: str) -> list[Expr]:
        items: list[Expr] = []
        if self.punct(close):
            self.next()
            return items
        while True:
            items.append(self.expression())
            if self.punct(","):
                self.next()
                continue
            self.expect_punct(close, "to close the list")
            return items

    def expression(self) -> Expr:
        self.depth += 1
        if self.depth > MAX_NESTING:
            self.fail(f"expressions nested more than {MAX_NESTING} deep")
        try:
            left = self.primary()
            while self.punct("|"):
                self.next()
                left = Or(left, self.primary())
            return left
        finally:
            self.depth -= 1

    def primary(self) -> Expr:
        tok = self.peek()
        if tok.kind == "ELLIPSIS":
            self.next()
            return Ellipsis_()
        if tok.kind in ("INT", "HEX"):
            self.next()
            return Int(int(tok.text, 0) if tok.kind == "HEX" else int(tok.text))
        if tok.kind == "STRING":
            self.next()
            if self.at("ELLIPSIS"):
                self.next()
                return Str(tok.text, ellipsis=True)
            return Str(tok.text)
        if tok.kind == "WORD":
            self.next()
            target: Expr
            if self.punct("("):
                self.next()
                target = Call(tok.text, tuple(self.expression_list(")")))
            else:
                target = Word(tok.text)
            if self.punct("="):
                self.next()
                return Assign(target, self.expression())
            return target
        if tok.kind == "PUNCT" and tok.text == "[":
            self.next()
            return Array(tuple(self.expression_list("]")))
        if tok.kind == "PUNCT" and tok.text == "{":
            self.next()
            return Struct(tuple(self.expression_list("}")))
        self.fail("expected a value (a number, a NAME, ..., [array] or {struct})")


def _is_int(text: str) -> bool:
    try:
        int(text, 0)
    except ValueError:
        return False
    return True
