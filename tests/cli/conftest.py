"""Helpers for the command-line tests: write a scenario, run ``tcpsim`` in-process, read JSON lines."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tcpsim.cli import main


@dataclass
class CliResult:
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


def strict_json(line: str) -> dict[str, Any]:
    """Parse one line as RFC 8259 JSON (no NaN or Infinity) holding an object."""

    def reject(name: str) -> Any:
        raise ValueError(f"not JSON: {name}")

    obj = json.loads(line, parse_constant=reject)
    assert isinstance(obj, dict), line
    return obj


def parse_jsonl(out: str) -> list[dict[str, Any]]:
    assert out.endswith("\n") or out == ""
    return [strict_json(line) for line in out.splitlines()]


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """``write(text, name="scenario.toml")``: a scenario file in tmp_path (text is dedented)."""

    def _write(text: str, name: str = "scenario.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """``cli("run", path, ...)``: run ``tcpsim`` in this process; argparse's exits become codes."""

    def _cli(*argv: object) -> CliResult:
        capsys.readouterr()
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return _cli


@pytest.fixture
def jsonl(write: Callable[..., Path], cli: Callable[..., CliResult]) -> Callable[..., list[dict[str, Any]]]:
    """``jsonl(text, *options)``: write the scenario, run it with ``--format jsonl``, parse the lines."""

    def _jsonl(text: str, *options: object, code: int | None = 0) -> list[dict[str, Any]]:
        result = cli("run", write(text), "--format", "jsonl", *options)
        if code is not None:
            assert result.code == code, result.err
        assert result.err == ""
        return parse_jsonl(result.out)

    return _jsonl
