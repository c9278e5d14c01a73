"""tcpsim.files.write_atomically: atomic, never over an input, no replacing without consent."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from tcpsim import files
from tcpsim.files import WouldOverwrite, WouldOverwriteInput, WriteError, check_writable, write_atomically


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".tcpsim-"))


def test_a_new_file_is_written_with_the_usual_permissions(tmp_path: Path) -> None:
    target = tmp_path / "out.pcap"
    old = os.umask(0o022)
    try:
        assert write_atomically(target, b"abc", overwrite=False) == target
    finally:
        os.umask(old)
    assert target.read_bytes() == b"abc"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert leftovers(tmp_path) == []


def test_text_is_written_as_utf8(tmp_path: Path) -> None:
    target = tmp_path / "s.toml"
    write_atomically(target, 'name = "中"\n', overwrite=False)
    assert target.read_bytes() == 'name = "中"\n'.encode()


def test_an_existing_file_is_not_replaced_without_consent(tmp_path: Path) -> None:
    target = tmp_path / "keep.txt"
    target.write_bytes(b"precious")
    with pytest.raises(WouldOverwrite, match="already exists") as info:
        write_atomically(target, b"new", overwrite=False)
    assert info.value.path == str(target)
    assert target.read_bytes() == b"precious"
    with pytest.raises(WouldOverwrite):
        check_writable(target, overwrite=False)
    assert leftovers(tmp_path) == []


def test_consent_replaces_and_keeps_the_permissions(tmp_path: Path) -> None:
    target = tmp_path / "keep.txt"
    target.write_bytes(b"old")
    target.chmod(0o600)
    write_atomically(target, b"new", overwrite=True)
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.parametrize("overwrite", [False, True])
def test_an_input_is_never_replaced_by_any_name(tmp_path: Path, overwrite: bool) -> None:
    source = tmp_path / "s.toml"
    source.write_text("name = 'x'\n")
    (tmp_path / "link.toml").symlink_to(source)
    os.link(source, tmp_path / "hard.toml")
    for name in (source, tmp_path / "link.toml", tmp_path / "hard.toml", tmp_path / "sub" / ".." / "s.toml"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        with pytest.raises(WouldOverwriteInput, match="input of this run"):
            write_atomically(name, b"pcap bytes", overwrite=overwrite, inputs=[source])
    assert source.read_text() == "name = 'x'\n"


def test_an_input_given_by_a_relative_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("s.toml").write_text("x")
    with pytest.raises(WouldOverwriteInput):
        write_atomically(tmp_path / "s.toml", b"y", overwrite=True, inputs=["s.toml", None])


def test_a_symbolic_link_is_followed_and_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.pcap"
    real.write_bytes(b"old")
    link = tmp_path / "link.pcap"
    link.symlink_to(real)
    write_atomically(link, b"new", overwrite=True)
    assert link.is_symlink()
    assert real.read_bytes() == b"new"


def test_a_failed_write_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "keep.txt"
    target.write_bytes(b"precious")

    def full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "write", full)
    with pytest.raises(WriteError, match="No space left on device"):
        write_atomically(target, b"new", overwrite=True)
    monkeypatch.undo()
    assert target.read_bytes() == b"precious"
    assert leftovers(tmp_path) == []


def test_a_file_that_appears_meanwhile_is_not_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "race.txt"
    real_create = files._create_temporary

    def create_then_race(path: object, directory: Path) -> tuple[Path, int]:
        result = real_create(path, directory)  # type: ignore[arg-type]
        target.write_bytes(b"someone else's")
        return result

    monkeypatch.setattr(files, "_create_temporary", create_then_race)
    with pytest.raises(WouldOverwrite):
        write_atomically(target, b"mine", overwrite=False)
    assert target.read_bytes() == b"someone else's"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "no file name given"),
        ("a\0b", "NUL character"),
        ("missing-dir/x.pcap", "No such file or directory"),
        (".", "Is a directory"),
    ],
)
def test_bad_targets_are_clear_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(WriteError, match=message):
        write_atomically(name, b"x", overwrite=True)


def test_a_character_device_is_written_in_place() -> None:
    assert write_atomically("/dev/null", b"x", overwrite=False) == Path("/dev/null")


def test_a_named_pipe_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    read_end = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_atomically(fifo, b"through", overwrite=False)
        assert os.read(read_end, 100) == b"through"
    finally:
        os.close(read_end)
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_directory_is_refused_up_front(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(WriteError, match="Permission denied"):
            check_writable(folder / "x", overwrite=False)
    finally:
        folder.chmod(0o700)


def test_control_characters_in_the_name_are_shown_escaped(tmp_path: Path) -> None:
    with pytest.raises(WriteError) as info:
        write_atomically(tmp_path / "no\x1b[2Jdir" / "x", b"", overwrite=False)
    assert "\x1b" not in str(info.value)
    assert "\\x1b[2J" in str(info.value)
