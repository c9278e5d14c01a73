"""Helpers for the lab's tests: run ``tcpsim`` in this process, with argparse's exits as codes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tcpsim.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def tcpsim(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """``tcpsim("load", "--rate", 10, ...)``: the command's exit code and what it printed."""

    def _run(*argv: object) -> Result:
        capsys.readouterr()
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return _run
