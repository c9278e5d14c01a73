"""``tcpsim run``: a scenario (or a packetdrill script) played headless, printed in one of the
formats, optionally written as a pcap too; ``--compare`` plays it by two stacks."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from rich.console import Console

from ..i18n import _
from ..scenario import ScenarioError, load_file, resolve, run
from ..scenario.storm import BUDGET as STORM_BUDGET
from ..scenario.storm import AckStormError
from ..sim.world import RunawayError
from .output import EXIT_FAILED, EXIT_OK, emit, error, pcap_error

if TYPE_CHECKING:
    from ..scenario import RunResult


def _storm_advice(exc: AckStormError) -> str:
    hint = f"--until {exc.storm.until_hint()} shows ten rounds"
    if exc.until is None or exc.needed is None:
        return f"Nothing planned ends it, so the run would never go quiet: use --until T to watch it ({hint})."
    needed = f"{exc.needed:,}" if exc.needed < 10**9 else f"about {exc.needed:.1e}"
    return (
        f"--until {exc.until:g} would take {needed} more of its segments, and a run shows at most "
        f"{STORM_BUDGET:,}: use a smaller --until ({hint})."
    )


def play(args: argparse.Namespace) -> int:
    if args.scenario.endswith(".pkt"):
        from ..packetdrill.command import run_command

        return run_command(args)
    if args.define:
        return error(_("-D/--define applies to packetdrill scripts (FILE.pkt), not to scenarios"))
    try:
        scenario = load_file(resolve(args.scenario))
    except ScenarioError as exc:
        return error(str(exc))
    if args.stack is not None:
        from ..scenario.runner import with_stack

        scenario = with_stack(scenario, args.stack)
    if args.pcap is not None:
        from ..files import WriteError, check_writable

        try:  # refused before the run, so that nothing is printed when the pcap cannot be written
            check_writable(args.pcap, overwrite=args.force, inputs=[scenario.path])
        except WriteError as exc:
            return pcap_error(args.pcap, exc)
    try:
        result = run(scenario, until=args.until)
    except ScenarioError as exc:
        return error(str(exc))
    except AckStormError as exc:
        return error(f"{args.scenario}: {exc.storm.describe()}. {_storm_advice(exc)}")
    except RunawayError as exc:
        if args.until is not None:
            return error(
                f"{args.scenario}: the run does not reach --until {args.until:g} ({exc}); something keeps "
                "sending. Use a smaller --until to see how it starts."
            )
        return error(
            _(
                "{scenario}: the run does not go quiet ({problem}); something keeps sending for ever. "
                "Use --until T to see how it starts."
            ).format(scenario=args.scenario, problem=exc)
        )
    if args.pcap is not None:
        from ..export import write_pcap
        from ..files import WriteError

        try:
            write_pcap(
                result.trace, scenario, args.pcap, args.capture_point, overwrite=args.force, inputs=[scenario.path]
            )
        except WriteError as exc:
            return pcap_error(args.pcap, exc)
    return emit(EXIT_OK if result.ok else EXIT_FAILED, lambda: _print_run(args, result))


def compare(args: argparse.Namespace) -> int:
    """``run FILE --compare``: the same file played by two stacks, and where they part."""
    from ..compare import CompareError, check_options, compare_pair, compare_scenario

    try:
        first, second = compare_pair(args.compare, args.stack)
        check_options(args)
        if args.scenario.endswith(".pkt"):
            from ..packetdrill.command import compare_command

            return compare_command(args, first, second)
        return compare_scenario(args, first, second)
    except CompareError as exc:
        return error(str(exc))


def _print_run(args: argparse.Namespace, result: RunResult) -> None:
    out, scenario = sys.stdout, result.scenario
    if args.format == "jsonl":
        from ..render import write_jsonl

        write_jsonl(result.trace, out)
    elif args.format == "tcpdump":
        from ..export import write_tcpdump

        write_tcpdump(result.trace, scenario, out, args.capture_point)
    elif args.format == "mermaid":
        from ..export import write_mermaid

        write_mermaid(result.trace, scenario, out)
    else:
        from ..render import render_text

        render_text(result, Console(highlight=False), rules=not args.no_rules)
