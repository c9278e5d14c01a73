"""The command line's grammar: ``tcpsim``'s parser with every subcommand, and the app's own.

Built at every start, so a subcommand's options come from its own package (lab, capture, bench,
serve) without importing what the command runs (tests/cli/test_startup_imports.py).
"""

from __future__ import annotations

import argparse
import math
from typing import cast

from .. import __version__, argtext, i18n
from ..core.personality import PERSONALITIES, personality
from ..i18n import _
from ..lab.options import add_arguments as add_load_arguments
from ..sim.trace import FORMATS


def _time(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("expected a time in seconds, got {text}").format(text=repr(text))) from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(_("must be a time ≥ 0 in seconds, got {text}").format(text=repr(text)))
    return value


def _add_language(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``--lang``, accepted by every command anywhere on the line (:func:`main` reads it first, so
    that the help and the errors are in that language too)."""
    p.add_argument(
        "--lang",
        choices=i18n.languages(),
        default=argparse.SUPPRESS,
        help=_("language of the output and the app (default: from LANGUAGE, LC_ALL, LC_MESSAGES or LANG, else en)"),
    )
    return p


def parser() -> argparse.ArgumentParser:
    p = argtext.ArgumentParser(
        prog="tcpsim",
        description=_("Two TCP endpoints on one RFC 9293 state machine: play scenarios, watch every transition."),
        epilog=_(
            "Run `tcpsim [FILE|NAME]` to open the interactive simulator, on a scenario file or a bundled scenario "
            "(see `tcpsim list`), and `tcpsim --predict [FILE|NAME]` in predict mode; "
            "`tcpsim COMMAND --help` describes a command. --lang works with every command."
        ),
    )
    p.add_argument("--version", action="version", version=f"tcpsim {__version__}", help=_(argtext.VERSION_HELP))
    _add_language(p)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    r = _add_language(sub.add_parser("run", help=_("play a scenario headless and check its expectations")))
    r.add_argument(
        "scenario",
        metavar="FILE|NAME",
        help=_("a scenario file, the name of a bundled one, or a packetdrill FILE.pkt"),
    )
    r.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help=_("ladder diagram, JSON lines, tcpdump's text, or a Mermaid sequence diagram"),
    )
    r.add_argument("--until", type=_time, metavar="T", help=_("stop after every event with t ≤ T"))
    r.add_argument("--no-rules", action="store_true", help=_("text format: leave out the RFC rule under each line"))
    r.add_argument(
        "--pcap",
        metavar="FILE",
        help=_(
            "also write every segment to FILE as a pcap, for Wireshark (an existing FILE only with --force; "
            "never the scenario being run)"
        ),
    )
    r.add_argument("--force", action="store_true", help=_("--pcap may replace an existing FILE"))
    r.add_argument(
        "--capture-point",
        choices=("sender", "receiver"),
        default="sender",
        help=_(
            "--pcap and --format tcpdump: capture as segments leave the sender (every transmission, "
            "dropped ones too) or as they arrive (no drops, duplicates twice, at arrival time)"
        ),
    )
    r.add_argument(
        "--stack",
        type=stack_name,
        metavar="NAME",
        help=_("the TCP stack both endpoints behave as: {stacks} (default: the file's, else rfc9293)").format(
            stacks=", ".join(PERSONALITIES)
        ),
    )
    r.add_argument(
        "--compare",
        metavar="NAME|A,B",
        help=_(
            "play it twice, as NAME and as the file (or --stack) says, or as A and as B, and print where "
            "each endpoint's states and segments differ, with the rule behind each difference"
        ),
    )
    r.add_argument(
        "-D", "--define", action="append", metavar="NAME[=VALUE]", help=_("FILE.pkt: define NAME for #ifdef lines")
    )
    _add_language(sub.add_parser("list", help=_("the bundled scenarios")))
    _add_language(sub.add_parser("states", help=_("the eleven states, in plain words")))
    load = _add_language(
        sub.add_parser(
            "load", help=_("the TIME-WAIT lab: many short connections, headless, counts per state over time")
        )
    )
    add_load_arguments(load)
    load.add_argument(
        "--ui",
        action="store_true",
        help=_(
            "show the lab live in the app instead, with these settings (change them there; without "
            "--rate and --duration, 100/s for 300 s; --interval is the chart's step, --format does not apply); "
            "escape or q leaves the lab and ends tcpsim"
        ),
    )
    from ..bench import add_arguments as add_bench_arguments

    add_bench_arguments(  # its options are the benchmarks' own: passed on as they are (tcpsim/bench.py)
        sub.add_parser(
            "bench",
            help=_("measure the speed figures on this machine (from a clone: the benchmarks are not installed)"),
            add_help=False,
            prefix_chars="\0",
        )
    )
    from ..capture.options import add_arguments as add_import_arguments

    add_import_arguments(
        _add_language(
            sub.add_parser(
                "import", help=_("a real capture (pcap, pcapng) with each side's state inferred, in the app")
            )
        )
    )
    from ..serve import add_arguments as add_serve_arguments  # its options only: no web server imported

    add_serve_arguments(
        sub.add_parser(
            "serve",
            parents=[cast(argtext.ArgumentParser, ui_parser())],  # the app's own options, for every session
            conflict_handler="resolve",  # the parent's -h gives way to serve's own
            help=_('serve the app to browsers, one process per tab (a classroom: README, "Teach with it")'),
            description=_("Serve the app to web browsers: every tab is its own tcpsim."),
        )
    )
    return p


def ui_parser() -> argparse.ArgumentParser:
    p = argtext.ArgumentParser(prog="tcpsim", description=_("Open the interactive simulator."))
    p.add_argument(
        "scenario",
        nargs="?",
        metavar="FILE|NAME",
        help=_("open this scenario, paused at t = 0 (or a packetdrill FILE.pkt, a capture)"),
    )
    p.add_argument(
        "--stack",
        type=stack_name,
        metavar="NAME",
        help=_("the TCP stack it is played by: {stacks} (default: the file's, else rfc9293; k changes it)").format(
            stacks=", ".join(PERSONALITIES)
        ),
    )
    p.add_argument(
        "-D", "--define", action="append", metavar="NAME[=VALUE]", help=_("FILE.pkt: define NAME for #ifdef lines")
    )
    p.add_argument(
        "--predict",
        action="store_true",
        help=_("predict mode: before each state change, choose the next state; the score is kept (key g)"),
    )
    return _add_language(p)


def stack_name(text: str) -> str:
    """``--stack``'s argument: one of the personalities, else argparse's exit 2 with the names."""
    try:
        return personality(text).name
    except ValueError:
        from ..compare import unknown_stack

        raise argparse.ArgumentTypeError(unknown_stack(text)) from None
