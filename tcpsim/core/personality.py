"""Stack personalities: where RFC 793, Linux and FreeBSD part from RFC 9293, one named rule each.

tcpsim's core is RFC 9293 (with RFC 5961, as RFC 9293 recommends). A :class:`Personality` says
where another stack behaves differently, as a set of hooks: each hook is a :class:`Rule` (that
stack's behaviour, with its source: the RFC section, or the kernel file and function) or ``None``
(RFC 9293's behaviour). :mod:`tcpsim.core.tcb` reads one hook at each place a stack differs, and
when a rule changes what happens it writes the rule into the action it caused, so the trace's
``rule`` and the event log name it. The default, :data:`RFC9293`, has every hook ``None``: the
core then does exactly what it did before personalities existed.

The numbers a stack uses (Linux's 60 s TIME-WAIT, its RTO bounds and retry counts) are fields of
the personality, next to the hooks whose rules cite them. The rules were read from Linux 6.18
(``net/ipv4``, ``include/net/tcp.h``) and from FreeBSD's ``sys/netinet`` as its own tcp-testsuite
expects it to behave (the suite's ``#ifdef FreeBSD`` branches and its insecure sysctls).

Personalities are immutable values shared by every endpoint that has them: copying one (a world's
snapshot deep-copies its endpoints) returns the same object.

This module holds the two RFCs and the registry; :mod:`.hooks` the shape of a personality;
:mod:`.linux` and :mod:`.freebsd` the two kernels, each beside the sources it cites.
"""

from __future__ import annotations

from typing import Final

from ..i18n import N_
from .freebsd import FREEBSD, FREEBSD_DROP_SYNFIN, FREEBSD_INSECURE_RST, FREEBSD_INSECURE_SYN, FREEBSD_RCVBUF
from .hooks import Personality, Rule
from .linux import LINUX, LINUX_RCVBUF

__all__ = [
    "FREEBSD",
    "FREEBSD_DROP_SYNFIN",
    "FREEBSD_INSECURE_RST",
    "FREEBSD_INSECURE_SYN",
    "FREEBSD_RCVBUF",
    "LINUX",
    "LINUX_RCVBUF",
    "PERSONALITIES",
    "RFC793",
    "RFC9293",
    "SOCKET_RULES",
    "Personality",
    "Rule",
    "all_rules",
    "personality",
]


# ----------------------------------------------------------------------------------- RFC 9293
RFC9293: Final = Personality(
    "rfc9293",
    "STANDARD",
    "RFC 9293",
    N_("the standard, with RFC 5961's protections as RFC 9293 recommends (tcpsim's own core)"),
)

# ----------------------------------------------------------------------------------- RFC 793
_R = "rfc793"
RFC793: Final = Personality(
    _R,
    "RFC793",
    "RFC 793",
    N_("RFC 9293 without RFC 5961: RST, SYN and ACK handled as RFC 793 wrote it, open to blind attacks"),
    rst_in_window=Rule(
        _R,
        "R1",
        N_("a RST anywhere in the window resets"),
        "RFC 793 §3.9 SEGMENT ARRIVES, second check the RST bit",
        "RFC 793 resets the connection for any RST whose sequence number is in the receive window; "
        "RFC 5961 §3.2 (and RFC 9293) reset only for one exactly at RCV.NXT and answer the others "
        "with a challenge ACK, so that a blind attacker must guess the exact number.",
    ),
    syn_in_window=Rule(
        _R,
        "R2",
        N_("a SYN in the window is an error: send a RST and close"),
        "RFC 793 §3.9 SEGMENT ARRIVES, fourth check the SYN bit",
        "RFC 793 answers a SYN inside the window of a synchronized connection with a RST "
        "<SEQ=SND.NXT><CTL=RST> and closes the connection; RFC 5961 §4 sends a challenge ACK instead "
        "and keeps it.",
    ),
    old_ack=Rule(
        _R,
        "R3",
        N_("an ACK below the window is a duplicate and is ignored"),
        "RFC 793 §3.9 SEGMENT ARRIVES, fifth check the ACK field",
        "RFC 793 ignores an ACK that acknowledges something already acknowledged, however old; "
        "RFC 5961 §5 drops one older than SND.UNA − MAX.SND.WND and answers it with an ACK.",
    ),
)

PERSONALITIES: Final[dict[str, Personality]] = {p.name: p for p in (RFC9293, RFC793, LINUX, FREEBSD)}
"""Every stack tcpsim can be, by the name ``--stack`` and ``stack =`` take."""

SOCKET_RULES: Final[dict[str, tuple[Rule, ...]]] = {
    "rfc9293": (),
    "rfc793": (),
    "linux": (LINUX_RCVBUF,),
    "freebsd": (FREEBSD_RCVBUF, FREEBSD_INSECURE_RST, FREEBSD_INSECURE_SYN, FREEBSD_DROP_SYNFIN),
}
"""Rules that live in the socket layer or behind a sysctl rather than in a personality's hooks."""


def fixed_time_wait(stack: str) -> float | None:
    """How long ``stack`` holds TIME-WAIT when that is a constant of its own rather than RFC 9293's
    2·MSL (Linux: TCP_TIMEWAIT_LEN, 60 s, include/net/tcp.h); None for a stack that waits 2·MSL, and
    for a name that is no stack (``""``: a packetdrill script's remote peer)."""
    played = PERSONALITIES.get(stack)
    return played.time_wait if played is not None and played.time_wait_length is not None else None


def personality(name: str) -> Personality:
    """The personality called ``name``; ValueError naming the stacks (and the likely one) otherwise."""
    try:
        return PERSONALITIES[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name.lower(), list(PERSONALITIES), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ValueError(f"unknown stack {name!r}{hint}; the stacks are {', '.join(PERSONALITIES)}") from None


def all_rules(name: str) -> tuple[Rule, ...]:
    """Every rule of a stack, the hooks' and the socket layer's, ordered by id."""
    rules = list(personality(name).rules())
    rules += [r for r in SOCKET_RULES[name] if r not in rules]
    return tuple(sorted(rules, key=lambda r: (r.id[0], int(r.id[1:]))))
