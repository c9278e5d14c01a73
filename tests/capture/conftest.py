"""Fixtures of the import tests: ``tcpdump`` and ``tshark`` as the export tests find or install them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

HERE = Path(__file__).resolve().parent


def _export_fixtures() -> ModuleType:
    """tests/export/conftest.py, whose tool finder installs tcpdump and tshark non-interactively."""
    folder = HERE.parent / "export"
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))  # it imports its export_support helper
    spec = importlib.util.spec_from_file_location("tcpsim_export_fixtures", folder / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def tcpdump() -> str:
    """``tcpdump``: on the PATH, else installed with apt-get (as root), else the test is skipped."""
    return _export_fixtures()._tool("tcpdump")


@pytest.fixture(scope="session")
def tshark() -> str:
    return _export_fixtures()._tool("tshark")


@pytest.fixture(autouse=True)
def strict_decoder(monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception of tcpsim's own frame decoder fails the test instead of becoming a note."""
    monkeypatch.setenv("TCPSIM_STRICT", "1")
