"""Helpers for the command-line tests: write a scenario, read JSON lines (``cli``, which runs ``tcpsim``
in-process, is shared by every folder: tests/conftest.py)."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tcpsim_cli import CliResult


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
def jsonl(write: Callable[..., Path], cli: Callable[..., CliResult]) -> Callable[..., list[dict[str, Any]]]:
    """``jsonl(text, *options)``: write the scenario, run it with ``--format jsonl``, parse the lines."""

    def _jsonl(text: str, *options: object, code: int | None = 0) -> list[dict[str, Any]]:
        result = cli("run", write(text), "--format", "jsonl", *options)
        if code is not None:
            assert result.code == code, result.err
        assert result.err == ""
        return parse_jsonl(result.out)

    return _jsonl
