"""``tcpsim run FILE --compare NAME|A,B``: one scenario or script played by two stacks, and where
each endpoint's runs part (:mod:`tcpsim.sim.compare` finds the differences and their rules).

``--compare B`` plays it as the file (or ``--stack``) says and as B; ``--compare A,B`` as A and
as B. The exit code is the first run's, as without ``--compare``: the comparison is the output.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys

from .core.personality import PERSONALITIES, personality
from .escape import visible
from .i18n import _, ngettext
from .scenario import ScenarioError, load_file, resolve, run
from .scenario.runner import stacks_label, stacks_of, with_stack
from .sim.compare import as_records, compare, describe
from .sim.world import RunawayError


class CompareError(ValueError):
    """Bad ``--compare`` input: ``str()`` is the message (exit 2)."""


def unknown_stack(text: str) -> str:
    """The error for a stack name that is none of the personalities, with the likely one."""
    close = difflib.get_close_matches(text.lower(), list(PERSONALITIES), n=1)
    if close:
        message = _("unknown stack {name} (did you mean {close}?); the stacks are {stacks}")
    else:
        message = _("unknown stack {name}; the stacks are {stacks}")
    return message.format(name=repr(text), close=close[0] if close else "", stacks=", ".join(PERSONALITIES))


def compare_pair(compare_text: str, stack: str | None) -> tuple[str | None, str]:
    """``--compare B`` (against ``--stack`` or the file) or ``--compare A,B``: (A or None, B)."""
    names = [n.strip() for n in compare_text.split(",")]
    if len(names) > 2 or not all(names):
        raise CompareError(
            _("--compare {value}: give one stack, or two separated by a comma (linux,freebsd)").format(
                value=visible(compare_text)
            )
        )
    for name in names:
        try:
            personality(name)
        except ValueError:
            raise CompareError(f"--compare: {unknown_stack(name)}") from None
    if len(names) == 2:
        if stack is not None:
            raise CompareError(_("--compare A,B names both stacks: leave out --stack, or give --compare one name"))
        return names[0], names[1]
    return stack, names[0]


def check_options(args: argparse.Namespace) -> None:
    """What --compare cannot go with."""
    if args.format not in ("text", "jsonl"):
        raise CompareError(_("--compare prints a comparison: --format text or jsonl"))
    if args.pcap is not None:
        raise CompareError(_("--pcap writes one run: leave out --compare"))
    if args.define and not args.scenario.endswith(".pkt"):
        raise CompareError(_("-D/--define applies to packetdrill scripts (FILE.pkt), not to scenarios"))


def compare_scenario(args: argparse.Namespace, first: str | None, second: str) -> int:
    """Play the scenario twice and print the comparison; raises CompareError for bad input."""
    try:
        scenario = load_file(resolve(args.scenario))
        a = with_stack(scenario, first) if first is not None else scenario
        b = with_stack(scenario, second)
        results = [run(a, until=args.until), run(b, until=args.until)]
    except ScenarioError as exc:
        raise CompareError(str(exc)) from None
    except RunawayError as exc:
        raise CompareError(
            _("{file}: a run does not go quiet ({problem}). Use --until T.").format(
                file=visible(args.scenario), problem=exc
            )
        ) from None
    label_a = first or stacks_label(stacks_of(scenario))
    diffs = compare(results[0].trace, results[1].trace, ("client", "server"))
    out = sys.stdout
    if args.format == "jsonl":
        for record in as_records(diffs, label_a, second):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        title = _("{name}: {a} (a) against {b} (b)").format(name=visible(scenario.name), a=label_a, b=second)
        out.write(title + "\n")
        for line in describe(diffs, label_a, second):
            out.write(line + "\n")
        for label, result in ((label_a, results[0]), (second, results[1])):
            failed = len(result.failures)
            if result.ok:
                verdict = _("every expectation holds")
            else:
                verdict = ngettext("{n} expectation fails", "{n} expectations fail", failed).format(n=failed)
            out.write(f"{label}: {verdict}\n")
    return 0 if results[0].ok else 1
