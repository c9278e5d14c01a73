"""The options of ``tcpsim import``, kept beside the code they drive (the CLI only wires them in)."""

from __future__ import annotations

import argparse
import math

from ..core.personality import PERSONALITIES
from ..i18n import _
from ..sim.trace import FORMATS
from .notes import DEFAULT_MSL  # not the observer's module: every start of `tcpsim` imports this one


def _stream(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("expected a stream number (0, 1, …), got {text}").format(text=repr(text))
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError(_("stream numbers start at 0, got {text}").format(text=repr(text)))
    return value


def _msl(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("expected seconds, got {text}").format(text=repr(text))) from None
    if not math.isfinite(value) or value <= 0 or value > 1e6:
        raise argparse.ArgumentTypeError(_("must be a time > 0 in seconds, got {text}").format(text=repr(text)))
    if value < 1e-9:  # the clock's resolution (tcpsim.sim.trace.RESOLUTION): it would round to 0
        raise argparse.ArgumentTypeError(
            _("must be at least 1e-09 seconds (the clock's resolution), got {text}").format(text=repr(text))
        )
    return value


def _interval(text: str) -> float:
    value = _msl(text)  # the same bounds: a time > 0 in seconds, at least the clock's resolution
    if value < 1e-6:  # a census line per host per microsecond is already more than anyone reads
        raise argparse.ArgumentTypeError(_("must be at least 1e-06 seconds, got {text}").format(text=repr(text)))
    return value


CENSUS_FORMATS = ("text", "jsonl", "csv")
"""``--format`` with ``--all``: the census as a chart and a report, as JSON lines, as CSV."""


def add_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("capture", metavar="FILE", help=_("a pcap or pcapng capture (tcpdump -w, Wireshark, dumpcap)"))
    p.add_argument(
        "--stream",
        type=_stream,
        metavar="N",
        help=_(
            "which TCP conversation, numbered from 0 in order of first packet as Wireshark's tcp.stream "
            "(default: the first; all are listed on stderr when there are several)"
        ),
    )
    p.add_argument(
        "--format",
        choices=tuple(dict.fromkeys((*FORMATS, *CENSUS_FORMATS))),
        metavar="FORMAT",
        help=_(
            "print the inferred trace headless instead of opening the app: text (a ladder diagram), jsonl "
            "(JSON lines), tcpdump (its text) or mermaid (a sequence diagram); with --all: text, jsonl or csv"
        ),
    )
    p.add_argument(
        "--all",
        action="store_true",
        help=_(
            "every TCP conversation in one pass, with the census of states per host over time and the "
            "anomalies (printed: text by default, or --format jsonl or csv)"
        ),
    )
    p.add_argument(
        "--interval",
        type=_interval,
        metavar="S",
        help=_("with --all: seconds of capture time between two census lines (default 1)"),
    )
    p.add_argument(
        "--msl",
        type=_msl,
        default=DEFAULT_MSL,
        metavar="S",
        help=_(
            "maximum segment lifetime for the TIME-WAIT countdown, 2·MSL (default {msl} s, which makes Linux's 60 s)"
        ).format(msl=f"{DEFAULT_MSL:g}"),
    )
    p.add_argument(
        "--stack",
        choices=tuple(PERSONALITIES),
        default="rfc9293",
        metavar="NAME",
        help=_(
            "infer the states as this stack would: {stacks} (default rfc9293; linux: TIME-WAIT 60 s whatever "
            "--msl, its abort RSTs and delayed ACKs)"
        ).format(stacks=", ".join(PERSONALITIES)),
    )
    p.add_argument("--no-rules", action="store_true", help=_("text format: leave out the RFC rule under each line"))
    return p
