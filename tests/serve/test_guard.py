"""The served session's walls, without a browser: the audit hook (tcpsim.serve.guard) in a process
of its own, and the file policies the app's dialogs ask (tcpsim.ui.access)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tcpsim.scenario import bundled
from tcpsim.ui.access import AccessError, BundledOnly, Confined, Local

PROBE = r"""
import json, os, socket, subprocess, sys
from tcpsim.serve.guard import default_guard
files, scenario, outside = sys.argv[1], sys.argv[2], sys.argv[3]
default_guard(files or None, scenario or None).install()
results = {}
def attempt(name, action):
    try:
        action()
        results[name] = "allowed"
    except PermissionError as exc:
        results[name] = "refused: " + str(exc)
def read(path):
    with open(path, "rb") as handle:
        handle.read(1)
def write(path):
    with open(path, "w") as handle:
        handle.write("x")
attempt("read outside", lambda: read(os.path.join(outside, "secret.txt")))
attempt("list outside", lambda: os.listdir(outside))
attempt("read /etc/passwd", lambda: read("/etc/passwd"))
attempt("write outside", lambda: write(os.path.join(outside, "new.txt")))
attempt("remove outside", lambda: os.remove(os.path.join(outside, "secret.txt")))
attempt("link out of files", lambda: read(os.path.join(files, "link")) if files else None)
attempt("read the scenario", lambda: read(scenario))
attempt("read bundled", lambda: read(sys.argv[4]))
attempt("read files", lambda: read(os.path.join(files, "mine.toml")) if files else None)
attempt("write files", lambda: write(os.path.join(files, "saved.toml")) if files else None)
def rename():
    os.replace(os.path.join(files, "saved.toml"), os.path.join(files, "s2.toml"))
attempt("rename in files", lambda: rename() if files else None)
attempt("shell", lambda: os.system("true"))
attempt("subprocess", lambda: subprocess.run(["true"]))
attempt("connect", lambda: socket.create_connection(("127.0.0.1", 9), timeout=1))
attempt("import textual", lambda: __import__("textual.app"))
print(json.dumps(results))
"""


def probe(tmp_path: Path, with_files: bool) -> dict[str, str]:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    scenario = outside / "lesson.toml"
    scenario.write_text("name = 'x'\n")
    files = tmp_path / "files"
    files.mkdir()
    (files / "mine.toml").write_text("name = 'mine'\n")
    (files / "link").symlink_to(outside / "secret.txt")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(files) if with_files else "", str(scenario), str(outside), str(bundled()[0])],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_with_files_only_the_folder_the_scenario_and_the_runtime_are_reachable(tmp_path: Path) -> None:
    seen = probe(tmp_path, with_files=True)
    for allowed in (
        "read the scenario",
        "read bundled",
        "read files",
        "write files",
        "rename in files",
        "import textual",
    ):
        assert seen[allowed] == "allowed", (allowed, seen[allowed])
    for refused in (
        "read outside",
        "list outside",
        "read /etc/passwd",
        "write outside",
        "remove outside",
        "link out of files",
    ):
        assert seen[refused].startswith("refused: "), (refused, seen[refused])
        assert "this served session may not" in seen[refused]
    for refused in ("shell", "subprocess", "connect"):
        assert seen[refused].startswith("refused: [Errno 13] a served session may not"), (refused, seen[refused])
    assert (tmp_path / "outside" / "secret.txt").read_text() == "secret"
    assert not (tmp_path / "outside" / "new.txt").exists()


def test_without_files_nothing_may_be_written(tmp_path: Path) -> None:
    seen = probe(tmp_path, with_files=False)
    assert seen["write outside"].startswith("refused: ")
    assert seen["read outside"].startswith("refused: ")
    assert seen["read the scenario"] == "allowed" and seen["read bundled"] == "allowed"


def test_the_terminal_policy_takes_any_path() -> None:
    policy = Local()
    assert policy.typed_paths and not policy.downloads
    assert policy.load_path("/etc/hosts") == Path("/etc/hosts")
    assert policy.load_choices() == bundled()


def test_served_without_files_the_bundled_scenarios_only_and_downloads() -> None:
    policy = BundledOnly()
    assert not policy.typed_paths and policy.downloads
    assert policy.load_choices() == bundled()
    with pytest.raises(AccessError, match="bundled scenarios only"):
        policy.load_path("/etc/passwd")
    with pytest.raises(AccessError, match="downloading to the browser"):
        policy.save_path("x.toml")


def test_served_with_files_every_name_stays_inside_the_folder(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text("")
    (tmp_path / "c.pcap").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("")
    (tmp_path / "out").symlink_to("/etc")
    policy = Confined(tmp_path)
    assert policy.load_choices() == [tmp_path / "a.toml", tmp_path / "c.pcap", *bundled()]
    assert policy.load_path("a.toml") == tmp_path / "a.toml"
    assert policy.save_path("sub/../b.toml") == tmp_path / "b.toml"
    for escape in ("../x.toml", "/etc/passwd", "out/passwd", str(tmp_path.parent / "x.toml")):
        with pytest.raises(AccessError, match="outside the folder"):
            policy.save_path(escape)
    with pytest.raises(AccessError, match="the folder itself"):
        policy.load_path(".")
    with pytest.raises(AccessError, match="NUL"):
        policy.load_path("a\0b")
    assert os.path.realpath(tmp_path) == str(policy.root)
