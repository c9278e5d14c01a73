"""``tcpsim`` run in this process, as the tests of every command use it (the ``cli`` fixture of
tests/conftest.py): the exit code it would give the shell, and what it printed."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pytest

from tcpsim.cli import main


@dataclass
class CliResult:
    """What ``tcpsim`` did in-process: the exit code and what it printed."""

    code: int
    out: str
    err: str

    @property
    def flat(self) -> str:
        """stdout with Rich's wrapping undone: every whitespace run becomes one space."""
        return " ".join(self.out.split())

    @property
    def flat_err(self) -> str:
        return " ".join(self.err.split())


def exit_code(exc: SystemExit) -> int:
    """The status the interpreter would exit with: None is 0, an int is itself, anything else is
    printed to stderr and is 1."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def run_cli(capsys: pytest.CaptureFixture[str], *argv: object) -> CliResult:
    """``tcpsim ARGV…`` in this process; argparse's exits become exit codes."""
    capsys.readouterr()
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exit_code(exc)
    out, err = capsys.readouterr()
    return CliResult(code, out, err)
