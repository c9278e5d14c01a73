"""The ``tcpsim`` command.

Exit codes are a contract: 0 when every expectation holds, 1 when one fails, 2 on bad input
(a missing or malformed file, an unknown scenario name, a bad option).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, cast

from rich.console import Console
from rich.table import Table
from rich.text import Text

from . import __version__, argtext, i18n, why
from .core.personality import PERSONALITIES, personality
from .core.states import State
from .escape import visible
from .i18n import N_, _
from .lab.options import add_arguments as add_load_arguments
from .scenario import ScenarioError, course, load_file, resolve, run
from .scenario.storm import BUDGET as STORM_BUDGET
from .scenario.storm import AckStormError
from .sim.trace import FORMATS
from .sim.world import RunawayError
from .stdio import OutputClosed, OutputFailed, Progress, abandon_stdout, guarded

if TYPE_CHECKING:
    from .files import WriteError
    from .lab.model import Sample
    from .scenario import RunResult

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


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
    from .bench import add_arguments as add_bench_arguments

    add_bench_arguments(  # its options are the benchmarks' own: passed on as they are (tcpsim/bench.py)
        sub.add_parser(
            "bench",
            help=_("measure the speed figures on this machine (from a clone: the benchmarks are not installed)"),
            add_help=False,
            prefix_chars="\0",
        )
    )
    from .capture.options import add_arguments as add_import_arguments

    add_import_arguments(
        _add_language(
            sub.add_parser(
                "import", help=_("a real capture (pcap, pcapng) with each side's state inferred, in the app")
            )
        )
    )
    from .serve import add_arguments as add_serve_arguments  # its options only: no web server imported

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


def take_language(args: list[str]) -> tuple[str | None, list[str]]:
    """The ``--lang`` asked for anywhere on the command line (the last one wins), and the command
    line without it; a language tcpsim does not have is left in, for argparse to refuse."""
    language, rest, i = None, [], 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        if arg == "--lang" and i + 1 < len(args):
            value, width = args[i + 1], 2
        elif arg.startswith("--lang="):
            value, width = arg.removeprefix("--lang="), 1
        else:
            value, width = None, 1
        if value is not None and value in i18n.languages():
            language = value
        else:
            rest += args[i : i + width]
        i += width
    return language, rest


SUBCOMMANDS = ("run", "list", "states", "load", "bench", "import", "serve")


def main(argv: Sequence[str] | None = None) -> int:
    language, args_list = take_language(list(sys.argv[1:] if argv is None else argv))
    i18n.set_language(language)  # None: the environment's
    argtext.speak()
    if not args_list or (args_list[0] not in (*SUBCOMMANDS, "-h", "--help", "--version")):
        ui_args = ui_parser().parse_args(args_list)
        return _open_ui(ui_args, i18n.language())
    p = parser()
    with guarded():  # see tcpsim.stdio: a closed pipe is exit 0, an unwritable output exit 2
        try:
            args = p.parse_args(args_list)  # --help writes to stdout too
            if not _opens_app(args):
                code = _dispatch(p, args)
                sys.stdout.flush()
                return code
        except OutputClosed:  # `tcpsim states | head -1` is fine
            abandon_stdout()
            return EXIT_OK
        except OutputFailed as exc:
            abandon_stdout()
            return _error(_("cannot write the output: {problem}").format(problem=exc))
    return _dispatch(p, args)  # the app, on the terminal itself


def _opens_app(args: argparse.Namespace) -> bool:
    """Commands that hold the terminal (the app, the server) run outside the guarded output."""
    return (
        (args.command == "load" and args.ui)
        or (args.command == "import" and args.format is None and not args.all)
        or (args.command == "serve")
    )


def stack_name(text: str) -> str:
    """``--stack``'s argument: one of the personalities, else argparse's exit 2 with the names."""
    try:
        return personality(text).name
    except ValueError:
        from .compare import unknown_stack

        raise argparse.ArgumentTypeError(unknown_stack(text)) from None


def _dispatch(p: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "run":
        if args.compare is not None:
            return _compare(args)
        return _run(args)
    if args.command == "list":
        return _list()
    if args.command == "states":
        return _states()
    if args.command == "load":
        return _load(args)
    if args.command == "bench":
        return _bench(args)
    if args.command == "import":
        return _import(args)
    if args.command == "serve":
        from .serve import main_from_args

        return main_from_args(args, ui_parser())
    p.print_help()
    return EXIT_BAD_INPUT


def _emit(code: int, write: Callable[[], object]) -> int:
    """Write a command's output; a reader that goes away early (``| head``) does not change the
    exit code the work earned (an expectation that failed is still 1)."""
    try:
        write()
        sys.stdout.flush()
    except OutputClosed:
        abandon_stdout()
    return code


def _error(message: str) -> int:
    from .render import print_error

    print_error(message)
    return EXIT_BAD_INPUT


def _pcap_error(path: str, exc: WriteError) -> int:
    from .escape import visible
    from .files import WouldOverwrite

    if isinstance(exc, WouldOverwrite):
        message = _("cannot write the pcap to {path}: {reason} (--force replaces it)")
    else:
        message = _("cannot write the pcap to {path}: {reason}")
    return _error(message.format(path=visible(path), reason=exc.reason))


def _storm_advice(exc: AckStormError) -> str:
    hint = f"--until {exc.storm.until_hint()} shows ten rounds"
    if exc.until is None or exc.needed is None:
        return f"Nothing planned ends it, so the run would never go quiet: use --until T to watch it ({hint})."
    needed = f"{exc.needed:,}" if exc.needed < 10**9 else f"about {exc.needed:.1e}"
    return (
        f"--until {exc.until:g} would take {needed} more of its segments, and a run shows at most "
        f"{STORM_BUDGET:,}: use a smaller --until ({hint})."
    )


def _run(args: argparse.Namespace) -> int:
    if args.scenario.endswith(".pkt"):
        from .packetdrill.command import run_command

        return run_command(args)
    if args.define:
        return _error(_("-D/--define applies to packetdrill scripts (FILE.pkt), not to scenarios"))
    try:
        scenario = load_file(resolve(args.scenario))
    except ScenarioError as exc:
        return _error(str(exc))
    if args.stack is not None:
        from .scenario.runner import with_stack

        scenario = with_stack(scenario, args.stack)
    if args.pcap is not None:
        from .files import WriteError, check_writable

        try:  # refused before the run, so that nothing is printed when the pcap cannot be written
            check_writable(args.pcap, overwrite=args.force, inputs=[scenario.path])
        except WriteError as exc:
            return _pcap_error(args.pcap, exc)
    try:
        result = run(scenario, until=args.until)
    except ScenarioError as exc:
        return _error(str(exc))
    except AckStormError as exc:
        return _error(f"{args.scenario}: {exc.storm.describe()}. {_storm_advice(exc)}")
    except RunawayError as exc:
        if args.until is not None:
            return _error(
                f"{args.scenario}: the run does not reach --until {args.until:g} ({exc}); something keeps "
                "sending. Use a smaller --until to see how it starts."
            )
        return _error(
            _(
                "{scenario}: the run does not go quiet ({problem}); something keeps sending for ever. "
                "Use --until T to see how it starts."
            ).format(scenario=args.scenario, problem=exc)
        )
    if args.pcap is not None:
        from .export import write_pcap
        from .files import WriteError

        try:
            write_pcap(
                result.trace, scenario, args.pcap, args.capture_point, overwrite=args.force, inputs=[scenario.path]
            )
        except WriteError as exc:
            return _pcap_error(args.pcap, exc)
    return _emit(EXIT_OK if result.ok else EXIT_FAILED, lambda: _print_run(args, result))


def _compare(args: argparse.Namespace) -> int:
    """``run FILE --compare``: the same file played by two stacks, and where they part."""
    from .compare import CompareError, check_options, compare_pair, compare_scenario

    try:
        first, second = compare_pair(args.compare, args.stack)
        check_options(args)
        if args.scenario.endswith(".pkt"):
            from .packetdrill.command import compare_command

            return compare_command(args, first, second)
        return compare_scenario(args, first, second)
    except CompareError as exc:
        return _error(str(exc))


def _print_run(args: argparse.Namespace, result: RunResult) -> None:
    out, scenario = sys.stdout, result.scenario
    if args.format == "jsonl":
        from .render import write_jsonl

        write_jsonl(result.trace, out)
    elif args.format == "tcpdump":
        from .export import write_tcpdump

        write_tcpdump(result.trace, scenario, out, args.capture_point)
    elif args.format == "mermaid":
        from .export import write_mermaid

        write_mermaid(result.trace, scenario, out)
    else:
        from .render import render_text

        render_text(result, Console(highlight=False), rules=not args.no_rules)


def _list() -> int:
    from .richtext import Wrapped

    table = Table(title=_("Bundled scenarios (tcpsim run NAME)"), title_justify="left")
    table.add_column("NAME", style="bold cyan", no_wrap=True)
    table.add_column(_("title"))
    table.add_column(_("summary"), style="dim")
    for path in course():  # in the order a course tells the story (scenario.COURSE)
        try:  # Text, not str: a name is shown as it is, never read as Rich markup
            s = load_file(path)
            table.add_row(Text(path.stem), Wrapped(visible(_(s.name))), Wrapped(visible(_(s.summary))))
        except ScenarioError as exc:
            table.add_row(Text(path.stem), Text(_("invalid"), style="red"), Wrapped(visible(str(exc))))
    Console().print(table)
    return EXIT_OK


PHASES = {"opening": N_("opening"), "established": N_("established"), "closing": N_("closing"), "closed": N_("closed")}
"""The phase of a state (:attr:`State.phase`, a key) as ``tcpsim states`` names it."""


def _states() -> int:
    from .richtext import Wrapped

    table = Table(title=_("RFC 9293 connection states"), title_justify="left")
    table.add_column(_("state"), style="bold", no_wrap=True)
    table.add_column(_("phase"), style="dim", no_wrap=True)
    table.add_column(_("meaning"))
    for state in State:
        table.add_row(state.value, _(PHASES[state.phase]), Wrapped(_(state.description)))
    console = Console()
    console.print(table)
    for title, text in why.SECTIONS:  # the "why" the help screen tells, for a reader without the app
        console.print()
        console.print(Text(_(title), style="bold"))
        console.print(Wrapped(_(text)))
    return EXIT_OK


def _load(args: argparse.Namespace) -> int:
    """``tcpsim load``: the TIME-WAIT lab headless, samples then a summary."""
    from rich import box

    from .lab import LoadLab, report
    from .lab.options import check_headless, config_from_args
    from .richtext import Wrapped

    if args.ui:
        if args.format != "text":
            return _error(_("--format applies to the headless run: with --ui the lab is shown live"))
        from .ui import launch_lab

        return launch_lab(args, i18n.language())
    try:
        config = config_from_args(args)
        check_headless(config)
        lab = LoadLab(config)
    except ValueError as exc:
        return _error(str(exc))
    progress = Progress("simulating")
    total = max(1, lab.config.connections)

    def tracked() -> Iterator[Sample]:
        """The samples, and how far the run has got on stderr (a terminal only): each connection is
        begun (or refused) and later ended (its TIME-WAIT over), so the two counts make the work."""
        try:
            for sample in lab.samples():
                done = (lab.attempted + lab.completed + lab.failed) / (2 * total)
                progress.update(done, f"t = {sample.t:g} s, {lab.attempted:,} connects")
                yield sample
        finally:
            progress.done()

    if args.format == "jsonl":
        for sample in tracked():
            sys.stdout.write(report.json_line(sample.to_dict()))
        sys.stdout.write(report.json_line(report.summary_dict(lab.summary())))
        sys.stdout.flush()
        return EXIT_OK
    samples = list(tracked())
    headers, rows = report.table(samples)
    table = Table(
        title=_("TIME-WAIT lab: TCBs per state over time (as ss -s counts them)"),
        title_justify="left",
        caption=report.legend(samples),
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for header in headers:
        table.add_column(header, justify="right")
    for row in rows:
        table.add_row(*row)
    console = Console(highlight=False)
    console.print(table)
    for label, text in report.summary_items(lab.summary()):
        console.print(Wrapped(Text.assemble((_("{label}: ").format(label=label), "bold"), text)))
    return EXIT_OK


def _bench(args: argparse.Namespace) -> int:
    """``tcpsim bench``: the speed figures measured here, as a table or JSON (exit 0 whatever the verdicts)."""
    from .bench import main_from_args

    return main_from_args(args)


def _import(args: argparse.Namespace) -> int:
    """``tcpsim import``: a capture's conversation with both sides' states inferred, in the app or printed."""
    from .capture import CaptureError, import_capture

    if not args.capture:  # "" would be read as ".", the current directory
        return _error(_("import: no capture given (the FILE argument is empty)"))
    if args.all:
        return _import_all(args)
    if args.interval is not None:
        return _error(_("--interval applies to --all (the census of every conversation)"))
    if args.format == "csv":
        return _error(_("--format csv applies to --all (the census as columns)"))
    try:
        streaming = args.format is not None  # printed as observed, in bounded memory; the app keeps it all
        result = import_capture(
            args.capture, args.stream, args.msl, frames=not streaming, streaming=streaming, stack=args.stack
        )
    except CaptureError as exc:
        return _error(str(exc))
    if len(result.conversations) > 1 and args.stream is None:
        origin = (result.capture.first_ns or 0) / 1e9
        err = Console(stderr=True, highlight=False, soft_wrap=True)
        count = len(result.conversations)
        message = i18n.ngettext(
            "{file}: {n} TCP conversation; showing stream 0 (--stream N):",
            "{file}: {n} TCP conversations; showing stream 0 (--stream N):",
            count,
        )
        err.print(Text(message.format(file=visible(args.capture), n=count)))
        for conv in result.conversations:
            err.print(Text(f"  {visible(conv.describe(origin))}"))
    if args.format is None:
        from .ui import launch_import

        return launch_import(result, i18n.language())
    if args.format == "jsonl":
        from .render import write_jsonl

        write_jsonl(result.records(), sys.stdout)
    elif args.format == "tcpdump":
        from .export.imported import write_import_tcpdump

        write_import_tcpdump(result, sys.stdout)
    elif args.format == "mermaid":
        from .export.imported import write_import_mermaid

        write_import_mermaid(result, sys.stdout)
    else:
        from .render import render_import

        render_import(result, Console(highlight=False), rules=not args.no_rules)
    sys.stdout.flush()
    return EXIT_OK


def _import_all(args: argparse.Namespace) -> int:
    """``tcpsim import FILE --all``: every conversation, the census over time, the anomalies, in one pass."""
    from .capture.census import Census
    from .capture.census_text import TextSink
    from .capture.census_writers import CsvSink, JsonlSink
    from .capture.files import CaptureError, CaptureFile

    if args.stream is not None:
        return _error(_("--stream picks one conversation; --all reads every one: give one of them"))
    fmt = args.format or "text"
    if fmt not in ("text", "jsonl", "csv"):
        return _error(_("--all prints --format text, jsonl or csv (not {format})").format(format=fmt))
    sink: JsonlSink | CsvSink | TextSink
    if fmt == "text":
        sink = TextSink(sys.stdout, Console().width)
    else:
        sink = JsonlSink(sys.stdout) if fmt == "jsonl" else CsvSink(sys.stdout)
    progress = Progress(_("reading {file}").format(file=visible(args.capture)))
    spoken = i18n.language()
    try:
        source = CaptureFile(args.capture)  # a file that cannot be read is said in the user's language
        census = Census(
            args.capture, sink, interval=args.interval or 1.0, msl=args.msl, stack=args.stack, progress=progress.update
        )
        if fmt != "text":
            i18n.set_language("en")  # output that other programs read is not translated (tcpsim/locale/README.md)
        summary = census.run(source)
    except CaptureError as exc:
        return _error(str(exc))
    finally:
        i18n.set_language(spoken)
        progress.done()
    sys.stdout.flush()
    if summary.broken is not None:  # what came before the break is printed; the file is still bad
        return _error(_("{problem} (the census above covers the packets before it)").format(problem=summary.broken))
    return EXIT_OK


def _open_ui(args: argparse.Namespace, language: str) -> int:
    from .ui import launch

    if args.define and not (args.scenario or "").endswith(".pkt"):
        return _error(_("-D/--define applies to packetdrill scripts (FILE.pkt), not to scenarios"))
    return launch(args.scenario, language, stack=args.stack, defines=tuple(args.define or ()), predict=args.predict)


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
