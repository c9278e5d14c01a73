"""Issue 16, finding 9: ``--pcap FILE`` never loses data.

The rule (README, "Wireshark and tcpdump"): a new FILE is written; an existing one is replaced only
with ``--force``; the scenario being run is never replaced, even with ``--force``; a device or a
pipe (``/dev/null``) is written to; the write is atomic (a temporary file renamed into place).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from export_support import read_pcap, result_of
from tcpsim_cli import CliResult

from tcpsim.export import pcap_bytes, write_pcap
from tcpsim.files import WouldOverwrite, WouldOverwriteInput, WriteError

Cli = Callable[..., CliResult]
SCENARIO = """\
name = "Handshake"
[[step]]
at = 0
on = "server"
do = "listen"
[[step]]
at = 0
on = "client"
do = "connect"
"""


def test_the_scenario_being_run_is_never_overwritten(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "s.toml"
    source.write_text(SCENARIO)
    for extra in ((), ("--force",)):
        result = cli("run", source, "--pcap", source, *extra)
        assert result.code == 2, result.err
        assert result.out == ""
        assert "input of this run" in result.err
        assert source.read_text() == SCENARIO


def test_the_input_by_another_name_is_refused_too(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "s.toml"
    source.write_text(SCENARIO)
    (tmp_path / "link.pcap").symlink_to(source)
    result = cli("run", source, "--pcap", tmp_path / "link.pcap", "--force")
    assert result.code == 2
    assert source.read_text() == SCENARIO


def test_an_existing_file_needs_force(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "old.pcap"
    target.write_bytes(b"someone's capture")
    result = cli("run", "lost-fin", "--pcap", target)
    assert result.code == 2
    assert result.out == ""  # refused before anything is printed
    assert result.err.startswith(f"tcpsim: error: cannot write the pcap to {target}: already exists")
    assert "--force" in result.err
    assert target.read_bytes() == b"someone's capture"
    result = cli("run", "lost-fin", "--pcap", target, "--force")
    assert result.code == 0, result.err
    expected = result_of("lost-fin")
    assert target.read_bytes() == pcap_bytes(expected.trace, expected.scenario)


def test_a_device_needs_no_force(cli: Cli) -> None:
    assert cli("run", "lost-fin", "--pcap", os.devnull, "--format", "jsonl").code == 0


def test_an_expectation_failure_still_writes_the_pcap(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "s.toml"
    source.write_text(SCENARIO + '[[expect]]\nat = 5\nclient = "CLOSED"\n')
    target = tmp_path / "out.pcap"
    assert cli("run", source, "--pcap", target, "--format", "jsonl").code == 1
    assert len(read_pcap(target.read_bytes())[1]) == 3


def test_write_pcap_refuses_without_consent_and_keeps_inputs(tmp_path: Path) -> None:
    result = result_of("three-way-handshake")
    target = tmp_path / "x.pcap"
    target.write_bytes(b"old")
    with pytest.raises(WouldOverwrite):
        write_pcap(result.trace, result.scenario, target)
    assert target.read_bytes() == b"old"
    assert write_pcap(result.trace, result.scenario, target, overwrite=True) == 3
    with pytest.raises(WouldOverwriteInput):
        write_pcap(result.trace, result.scenario, target, overwrite=True, inputs=[target])


def test_a_killed_write_leaves_no_half_file(tmp_path: Path) -> None:
    """The old file stays whole until the new one is complete: a write that dies half-way (here a
    process killed while writing, by a file-size limit) leaves the old bytes."""
    target = tmp_path / "big.pcap"
    target.write_bytes(b"old capture")
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100))\n"
        "import signal; signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "from tcpsim.cli import main\n"
        f"sys.exit(main(['run', 'give-up', '--pcap', {str(target)!r}, '--force', '--format', 'jsonl']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert "File too large" in done.stderr and "Traceback" not in done.stderr
    assert target.read_bytes() == b"old capture"
    assert [p.name for p in tmp_path.iterdir()] == ["big.pcap"]


def test_write_errors_are_oserrors_for_older_callers(tmp_path: Path) -> None:
    assert issubclass(WriteError, OSError)


def test_a_packetdrill_script_is_never_overwritten_by_its_pcap(cli: Cli, tmp_path: Path) -> None:
    script = tmp_path / "t.pkt"
    script.write_text("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n")
    before = script.read_text()
    for extra in ((), ("--force",)):
        result = cli("run", script, "--pcap", script, *extra)
        assert result.code == 2
        assert script.read_text() == before
