"""The shared ``cli`` fixture (tests/tcpsim_cli.py) reports the exit status the shell would see.
A copy of it once turned ``SystemExit(None)``, a success, into 2."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tcpsim_cli import CliResult, exit_code


@pytest.mark.parametrize(("code", "status"), [(None, 0), (0, 0), (2, 2), (3, 3), ("a message", 1)])
def test_exit_code_is_the_interpreters(code: object, status: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_code(SystemExit(code)) == status
    assert capsys.readouterr().err == ("a message\n" if isinstance(code, str) else "")


def test_version_and_help_exit_0(cli: Callable[..., CliResult]) -> None:
    assert cli("--version").code == 0
    assert cli("run", "--help").code == 0
    assert cli("run").code == 2  # argparse: the scenario is missing
