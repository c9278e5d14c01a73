"""``tcpsim run FILE.pkt``: play a packetdrill script headless and report as packetdrill does.

Exit 0 when every line holds, 1 at the first line that does not (``FILE:LINE:`` and what was
expected against what the stack did, on stderr), 2 when the script is malformed or uses something
tcpsim does not model (located, on stderr). The text format lists each line as it held on stdout
first, so a learner sees how far the script got and why each segment was sent.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ..i18n import N_, _
from ..scenario.model import EndpointSpec, NetworkSpec, Scenario
from .runner import ScriptResult, ScriptRun, run_script

STATUS = {"ok": N_("holds"), "blocked": N_("blocks"), "skipped": N_("skipped"), "failed": N_("FAILS")}
"""How a script line fared, as the text output says it."""
LOCAL = {"client": N_("client"), "server": N_("server")}


def run_command(args: argparse.Namespace) -> int:
    """The ``run`` subcommand for a ``.pkt`` file (``args`` as :mod:`tcpsim.cli` parses them)."""
    from ..render import print_error

    if args.until is not None:
        print_error(_("--until applies to scenarios: a packetdrill script runs to its last line"))
        return 2
    result = run_script(args.scenario, args.stack or "rfc9293", tuple(args.define or ()))
    run = result.run
    if run is not None and args.pcap is not None:
        from ..export import write_pcap
        from ..files import WouldOverwrite

        try:  # never over the script itself; an existing file only with --force (README)
            write_pcap(
                run.world.trace,
                export_scenario(run),
                args.pcap,
                args.capture_point,
                overwrite=args.force,
                inputs=[args.scenario],
            )
        except OSError as exc:
            message = (
                _("cannot write the pcap to {path}: {reason} (--force replaces it)")
                if isinstance(exc, WouldOverwrite)
                else _("cannot write the pcap to {path}: {reason}")
            )
            print_error(message.format(path=args.pcap, reason=exc.strerror or exc))
            return 2
    out = sys.stdout
    if run is not None and args.format == "jsonl":
        from ..render import write_jsonl

        write_jsonl(run.world.trace, out)
    elif run is not None and args.format == "tcpdump":
        from ..export import write_tcpdump

        write_tcpdump(run.world.trace, export_scenario(run), out, args.capture_point)
    elif run is not None and args.format == "mermaid":
        from ..export import write_mermaid

        write_mermaid(run.world.trace, export_scenario(run), out)
    elif args.format == "text":
        for line in text_lines(result, rules=not args.no_rules):
            out.write(line + "\n")
    out.flush()
    if result.verdict.message:
        sys.stderr.write(result.verdict.message.rstrip("\n") + "\n")
        sys.stderr.flush()
    return result.verdict.code


def compare_command(args: argparse.Namespace, first: str | None, second: str) -> int:
    """``run FILE.pkt --compare``: the script played by two stacks; where the stack under test
    differs, and each run's verdict. The exit code is the first run's, as without --compare."""
    import json

    from ..render import print_error
    from ..sim.compare import as_records, compare, describe

    if args.until is not None:
        print_error(_("--until applies to scenarios: a packetdrill script runs to its last line"))
        return 2
    a_name = first or "rfc9293"
    defines = tuple(args.define or ())
    results = [run_script(args.scenario, a_name, defines), run_script(args.scenario, second, defines)]
    runs = [r.run for r in results]
    if runs[0] is None or runs[1] is None:  # unreadable or malformed: the same for both
        print_error(results[0].verdict.message or results[1].verdict.message)
        return 2
    local = runs[0].local
    diffs = compare(runs[0].world.trace, runs[1].world.trace, (local,))
    out = sys.stdout
    if args.format == "jsonl":
        for record in as_records(diffs, a_name, second):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        for name, result in ((a_name, results[0]), (second, results[1])):
            record = {"type": "verdict", "stack": name, "code": result.verdict.code, "message": result.verdict.message}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        title = _("{name}: {a} (a) against {b} (b); the stack under test is the {local}")
        out.write(title.format(name=Path(args.scenario).name, a=a_name, b=second, local=_(LOCAL[local])) + "\n")
        for line in describe(diffs, a_name, second):
            out.write(line + "\n")
        for name, result in ((a_name, results[0]), (second, results[1])):
            verdict = result.verdict
            if verdict.code == 0:
                said = _("pass — every line holds")
            elif verdict.code == 1:
                said = _("FAIL at line {line}").format(line=verdict.line)
            else:
                said = _("cannot be played")
            detail = verdict.message.split("\n")[0] if verdict.code else ""
            out.write(f"{name}: {said}" + (f": {detail}" if detail else "") + "\n")
    out.flush()
    return results[0].verdict.code


def text_lines(result: ScriptResult, *, rules: bool = True) -> Iterator[str]:
    """Each line of the script as it held, then the skipped lines, notes and the verdict."""
    run = result.run
    names = ", ".join(sorted(result.defines))
    if run is None:
        return
    name = Path(run.script.path).name
    yield _("{name}: stack {stack} (defined: {names}); the stack under test is the {local}").format(
        name=name, stack=run.stack, names=names, local=_(LOCAL[run.local])
    )
    width = max((len(r.text) for r in run.results), default=0)
    width = min(width, 64)
    for r in run.results:
        t = "" if r.t is None else f"{r.t:9.6f}"
        status = _(STATUS[r.status])
        detail = r.detail if rules or r.status != "ok" or r.detail.startswith("=") else ""
        if r.status == "failed":
            detail = _("see below")
        line = f"{t:>9}  {r.line:>4}  {r.text[:width]:<{width}}  {status}"
        yield line + (f"  {detail}" if detail else "")
    skipped = [s for s in run.skipped if s.t is None]
    for s in skipped:
        yield _("skipped: line {line}: {detail}").format(line=s.line, detail=s.detail)
    for note in run.notes:
        yield _("note: {note}").format(note=note)
    verdict = result.verdict
    held = sum(1 for r in run.results if r.status == "ok")
    if verdict.code == 0:
        yield _("{name}: pass — every line holds ({held} checked, {skipped} skipped)").format(
            name=name, held=held, skipped=len(run.skipped)
        )
    elif verdict.code == 1:
        yield _("{name}: FAIL at line {line} (exit 1; the reason is on stderr)").format(name=name, line=verdict.line)
    else:
        yield _("{name}: cannot be played (exit 2; the reason is on stderr)").format(name=name)


def export_scenario(run: ScriptRun) -> Scenario:
    """The run described as a scenario, for the exporters' titles, addresses and ports."""
    local = EndpointSpec(port=run.local_config.port, isn=run.local_config.isn, address="192.168.0.1")
    remote = EndpointSpec(port=run.local_config.peer_port, isn=0, address="192.0.2.1")
    client, server = (local, remote) if run.local == "client" else (remote, local)
    return Scenario(
        name=Path(run.script.path).name,
        path=Path(run.script.path),
        network=NetworkSpec(latency=0.0, msl=run.local_config.msl, rto=run.local_config.rto),
        client=client,
        server=server,
        steps=(),
    )


def write_report(result: ScriptResult, out: IO[str]) -> None:
    for line in text_lines(result):
        out.write(line + "\n")
