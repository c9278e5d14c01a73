"""Sequence-number arithmetic modulo 2**32 (RFC 9293 §3.4).

Raw ``<`` on two sequence numbers is wrong as soon as the space wraps, and a wrap can happen in any
connection whose ISN is near 2**32: every comparison of sequence or acknowledgment numbers in the
core is one of these functions, called, or inlined on the hot paths of :mod:`tcpsim.core.tcb` as
the same expression with a comment naming the function (see :data:`MASK`). The comparisons are the
usual serial-number ones (RFC 1982 style): ``a`` is before ``b`` when ``b - a`` taken modulo 2**32
lies in (0, 2**31).

They are plain functions on ints rather than a wrapper class because the simulator calls them on
every segment; :data:`Seq` gives the type checker the distinction for free.
"""

from __future__ import annotations

from typing import Final, NewType

Seq = NewType("Seq", int)
"""A 32-bit sequence number. Construct with :func:`seq` so that it is always reduced."""

# Final literals: compiled (setup.py), the code that uses them does native arithmetic, no lookups.
MOD: Final = 0x1_0000_0000
HALF: Final = 0x8000_0000
MASK: Final = 0xFFFF_FFFF
"""2**32, 2**31 and 2**32 - 1. The hot paths of :mod:`tcpsim.core.tcb` inline these functions'
expressions with MASK and HALF (``lt(a, b)`` is ``0 < ((b - a) & MASK) < HALF``): a Python call
costs more than the arithmetic. Each inlined comparison names the function it stands for in a
comment; the property tests (tests/sim) draw half of their ISNs just below 2**32, so that
connections cross the wrap."""
_MASK = MASK


def seq(value: int) -> Seq:
    """Reduce any integer into sequence space."""
    return Seq(value & _MASK)


def add(a: Seq, n: int) -> Seq:
    """``a + n`` modulo 2**32 (``n`` may be negative)."""
    return Seq((a + n) & _MASK)


def diff(a: Seq, b: Seq) -> int:
    """Signed distance from ``b`` to ``a``: positive when ``a`` is after ``b``."""
    d = (a - b) & _MASK
    return d - MOD if d >= HALF else d


def lt(a: Seq, b: Seq) -> bool:
    """``a < b`` in sequence space."""
    return 0 < ((b - a) & _MASK) < HALF


def le(a: Seq, b: Seq) -> bool:
    """``a =< b`` in sequence space (RFC 9293 writes "=<")."""
    return ((b - a) & _MASK) < HALF


def gt(a: Seq, b: Seq) -> bool:
    """``a > b`` in sequence space."""
    return lt(b, a)


def ge(a: Seq, b: Seq) -> bool:
    """``a >= b`` in sequence space."""
    return le(b, a)


def in_window(x: Seq, start: Seq, size: int) -> bool:
    """``start =< x < start + size``: the half-open window the acceptability test uses."""
    return ((x - start) & _MASK) < size
