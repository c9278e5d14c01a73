"""The view boundary (issue 11): the UI draws the session's view and sends intents.

import-linter's contract (pyproject.toml) keeps ``tcpsim.sim.world`` and ``tcpsim.core.tcb`` out of
the UI's imports; this test reads the UI's sources for what an import check cannot see: a widget
or the app reaching through the session into its world, its endpoints or its history. And the
sessions, the live one, a capture's and a packetdrill script's, are the same protocol, told apart
by nothing the app uses but what their views say.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tcpsim.ui
from tcpsim.capture import import_capture
from tcpsim.capture.session import ImportSession
from tcpsim.packetdrill.session import ScriptSession, open_script
from tcpsim.scenario import load_file, resolve
from tcpsim.scenario.session import Session
from tcpsim.scenario.view import SessionProtocol, View

UI = Path(tcpsim.ui.__file__).parent
OWN = [p for p in UI.rglob("*.py") if p.name != "lab.py" and "lab" not in p.stem]
"""The two-endpoint UI (the TIME-WAIT lab's screen drives its own engine)."""
FORBIDDEN_ATTRIBUTES = {"world", "endpoints_raw", "in_flight", "network", "_history", "trace_len"}
CAPTURES = Path(__file__).resolve().parents[1] / "capture" / "data"


@pytest.mark.parametrize("path", OWN, ids=lambda p: str(p.relative_to(UI)))
def test_no_ui_module_reaches_into_a_world(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    reached = [
        f"{path.name}:{node.lineno} .{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES
    ]
    assert not reached, reached
    imported = [
        f"{path.name}:{node.lineno} {node.module}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith(("sim.world", "core.tcb"))
    ]
    assert not imported, imported


def test_gc_is_not_frozen_on_import_of_the_app() -> None:
    source = (UI / "app.py").read_text(encoding="utf-8")
    assert "gc.freeze()" not in source


def _import() -> ImportSession:
    return ImportSession(import_capture(CAPTURES / "linux-client-closes-lo.pcap"))


def _live() -> Session:
    return Session(load_file(resolve("three-way-handshake")))


def _script() -> ScriptSession:
    return open_script(Path(__file__).resolve().parents[1] / "packetdrill" / "scripts" / "passive-open.pkt")


@pytest.mark.parametrize("make", [_live, _import, _script], ids=["live", "capture", "script"])
def test_every_session_speaks_the_same_protocol(make) -> None:  # type: ignore[no-untyped-def]
    session = make()
    assert isinstance(session, SessionProtocol)
    assert isinstance(session.view, View)
    assert session.step() and session.back()
    assert ImportSession.__mro__[1] is object, "a capture replay is its own session, not a Session switching class"
    assert ScriptSession.__mro__[1] is object, "a script is its own session, not a Session switching class"
