"""The catalogue of malformed scenarios in tests/bad_inputs/: every one is a clean error.

For each file, ``tcpsim run FILE`` must exit 2 with nothing on stdout and a short message on stderr
that names the file, the place in it (the step, table or key) and what was expected — never a
traceback. ``EXPECTED`` says, per file, where the error must point and what it must say; a file
added to the catalogue without an entry here fails ``test_every_bad_input_has_an_expectation``.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tcpsim.cli import main
from tcpsim.scenario import ScenarioError, load_file, load_text

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "bad_inputs"

# file name -> (where: the location the message must name, or "" for a whole-file problem;
#               what: the substring that says what is wrong / what was expected)
EXPECTED: dict[str, tuple[str, str]] = {
    # --- the file itself
    "empty.toml": ("", "empty"),
    "whitespace-only.toml": ("", "empty"),
    "comment-only.toml": ("key 'name'", "is required"),
    "binary.toml": ("", "binary file"),
    "not-utf8.toml": ("", "not UTF-8"),
    "utf16.toml": ("", "not a TOML scenario"),
    # --- TOML syntax (tomllib's message, with its line and column)
    "toml-unclosed-string.toml": ("line 1", "invalid TOML"),
    "toml-missing-value.toml": ("line 1", "invalid TOML"),
    "toml-duplicate-key.toml": ("line 2", "invalid TOML"),
    "toml-bad-table-header.toml": ("line 3", "invalid TOML"),
    "toml-unquoted-string.toml": ("line 5", "invalid TOML"),
    "toml-table-twice.toml": ("line 6", "invalid TOML"),
    # --- top level
    "missing-name.toml": ("key 'name'", "is required"),
    "empty-name.toml": ("key 'name'", "must not be empty"),
    "name-not-string.toml": ("key 'name'", "expected a string, got an integer"),
    "summary-not-string.toml": ("key 'summary'", "expected a string, got an array"),
    "no-step.toml": ("top level", "at least one [[step]]"),
    "step-as-table.toml": ("key 'step'", "expected an array of tables written [[step]], got a table"),
    "step-not-tables.toml": ("[[step]] #1", "expected a table, got an integer"),
    "expect-as-table.toml": ("key 'expect'", "expected an array of tables written [[expect]], got a table"),
    "unknown-section.toml": ("top level", "unknown key 'netwrok' (did you mean 'network'?)"),
    "unknown-top-key.toml": ("top level", "unknown key 'sumary' (did you mean 'summary'?)"),
    "network-as-array.toml": ("[network]", "expected a table, got an array"),
    "client-as-string.toml": ("[client]", "expected a table, got a string"),
    # --- [network]
    "typo-network-key.toml": ("[network]", "unknown key 'latncy' (did you mean 'latency'?)"),
    "latency-negative.toml": ("[network], key 'latency'", "must be ≥ 0, got -0.1"),
    "latency-string.toml": ("[network], key 'latency'", "expected a number, got a string"),
    "latency-nan.toml": ("[network], key 'latency'", "finite"),
    "latency-overflows-to-inf.toml": ("[network], key 'latency'", "expected a finite number, got inf"),
    "msl-zero.toml": ("[network], key 'msl'", "must be > 0, got 0"),
    "msl-negative.toml": ("[network], key 'msl'", "must be > 0, got -30"),
    "msl-infinite.toml": ("[network], key 'msl'", "finite"),
    "rto-zero.toml": ("[network], key 'rto'", "must be > 0, got 0"),
    "rto-negative.toml": ("[network], key 'rto'", "must be > 0, got -1"),
    "rto-bool.toml": ("[network], key 'rto'", "expected a number, got a boolean"),
    "seed-float.toml": ("[network], key 'seed'", "expected an integer, got a number"),
    # --- [client] / [server]
    "isn-too-big.toml": ("[client], key 'isn'", "between 0 and 4294967295, got 4294967296"),
    "isn-negative.toml": ("[server], key 'isn'", "between 0 and 4294967295, got -1"),
    "isn-float.toml": ("[client], key 'isn'", "expected an integer, got a number"),
    "isn-string.toml": ("[client], key 'isn'", "expected an integer, got a string"),
    "isn-huge-int.toml": ("[client], key 'isn'", "between 0 and 4294967295, got 99999999999999999999999"),
    "port-negative.toml": ("[server], key 'port'", "between 0 and 65535, got -1"),
    "port-65536.toml": ("[client], key 'port'", "between 0 and 65535, got 65536"),
    "port-bool.toml": ("[server], key 'port'", "expected an integer, got a boolean"),
    "time-wait-string.toml": ("[client], key 'time_wait'", "expected true or false, got a string"),
    "typo-endpoint-key.toml": ("[client]", "unknown key 'isnn' (did you mean 'isn'?)"),
    # --- steps: at, on, do
    "at-missing.toml": ("[[step]] #1, key 'at'", "is required"),
    "negative-at.toml": ("[[step]] #1", "must be ≥ 0, got -1"),
    "at-string.toml": ("[[step]] #1, key 'at'", "expected a number, got a string"),
    "at-bool.toml": ("[[step]] #1, key 'at'", "expected a number, got a boolean"),
    "at-array.toml": ("[[step]] #1, key 'at'", "expected a number, got an array"),
    "at-infinite.toml": ("[[step]] #1", "expected a finite number, got inf"),
    "at-nan.toml": ("[[step]] #1", "expected a finite number, got nan"),
    "at-datetime.toml": ("[[step]] #1, key 'at'", "expected a number"),
    "on-missing.toml": ("[[step]] #1", "key 'on': is required"),
    "on-typo.toml": ("[[step]] #1", "'netwrok' is not one of client, server, network (did you mean 'network'?)"),
    "on-number.toml": ("[[step]] #1", "key 'on': expected a string, got an integer"),
    "on-capitalised.toml": ("[[step]] #1", "'Server' is not one of client, server, network (did you mean 'server'?)"),
    "do-missing.toml": ("[[step]] #1", "key 'do': is required"),
    "do-number.toml": ("[[step]] #1", "key 'do': expected a string, got an integer"),
    "unknown-action.toml": ("[[step]] #3 (at = 1)", "unknown action 'clsoe' for on = 'client' (did you mean 'close'?)"),
    "unknown-network-action.toml": ("[[step]] #3", "unknown action 'dorp' for on = 'network' (did you mean 'drop'?)"),
    "network-action-on-endpoint.toml": ("[[step]] #3", "'drop' is done on = \"network\""),
    "endpoint-action-on-network.toml": ("[[step]] #3", "unknown action 'close' for on = 'network'"),
    "typo-step-key.toml": ("[[step]] #3 (at = 0.5)", "unknown key 'dat' (did you mean 'data'?)"),
    "step-unknown-key.toml": ("[[step]] #3 (at = 0.5)", "unknown key 'when'"),
    # --- keys that do not belong to the action
    "by-on-drop.toml": ("[[step]] #3", "key 'by': does not apply to do = 'drop'"),
    "data-on-close.toml": ("[[step]] #3", "key 'data': does not apply to do = 'close'"),
    "match-on-send.toml": ("[[step]] #3", "key 'match': does not apply to do = 'send'"),
    "count-on-inject.toml": ("[[step]] #3", "key 'count': does not apply to do = 'inject'"),
    "segment-on-drop.toml": ("[[step]] #3", "key 'segment': does not apply to do = 'drop'"),
    # --- send, delay, count
    "send-without-data.toml": ("[[step]] #3", "key 'data': is required for do = \"send\""),
    "send-empty-data.toml": ("[[step]] #3", "key 'data': must not be empty"),
    "send-data-number.toml": ("[[step]] #3", "key 'data': expected a string, got an integer"),
    "delay-without-by.toml": ("[[step]] #3", "key 'by': is required for do = \"delay\""),
    "by-negative.toml": ("[[step]] #3", "key 'by': must be ≥ 0, got -0.5"),
    "by-string.toml": ("[[step]] #3", "key 'by': expected a number, got a string"),
    "count-zero.toml": ("[[step]] #3", "key 'count': must be between 1 and"),
    "count-negative.toml": ("[[step]] #3", "key 'count': must be between 1 and"),
    "count-float.toml": ("[[step]] #3", "key 'count': expected an integer, got a number"),
    "count-bool.toml": ("[[step]] #3", "key 'count': expected an integer, got a boolean"),
    # --- match
    "match-unknown-flag.toml": ("key 'match', key 'flags'", "unknown flag 'AKC'"),
    "match-has-unknown-flag.toml": ("key 'match', key 'has'", "unknown flag 'URG'"),
    "match-not-table.toml": ("[[step]] #3", "key 'match': expected a table, got an array"),
    "match-bad-from.toml": ("key 'match', key 'from'", "'network' is not one of client, server"),
    "match-unknown-key.toml": ("key 'match'", "unknown key 'sender'"),
    "match-data-string.toml": ("key 'match', key 'data'", "expected true or false, got a string"),
    "match-flags-number.toml": ("key 'match', key 'flags'", "expected a string, got an integer"),
    "match-flags-syn-ack-dash.toml": ("key 'match', key 'flags'", "unknown flag 'SYN-ACK'"),
    # --- inject
    "inject-without-segment.toml": ("[[step]] #3", "key 'segment': is required for do = \"inject\""),
    "segment-without-flags.toml": ("key 'segment', key 'flags'", "is required"),
    "segment-without-from.toml": ("key 'segment', key 'from'", "is required"),
    "segment-unknown-flag.toml": ("key 'segment', key 'flags'", "unknown flag 'RTS'"),
    "segment-seq-too-big.toml": ("key 'segment', key 'seq'", "between 0 and 4294967295, got 4294967296"),
    "segment-ack-negative.toml": ("key 'segment', key 'ack'", "between 0 and 4294967295, got -1"),
    "segment-unknown-key.toml": ("key 'segment'", "unknown key 'sqe' (did you mean 'seq'?)"),
    "segment-not-table.toml": ("[[step]] #3", "key 'segment': expected a table, got a string"),
    # --- expect
    "expect-unknown-state.toml": ("[[expect]] #1", "unknown state 'TIMEWAIT' (did you mean 'TIME-WAIT'?)"),
    "expect-state-lowercase-typo.toml": ("[[expect]] #1", "unknown state 'establised' (did you mean 'ESTABLISHED'?)"),
    "expect-state-number.toml": ("[[expect]] #1", "key 'client': expected a string, got an integer"),
    "expect-checks-nothing.toml": ("[[expect]] #1", "checks nothing"),
    "expect-at-missing.toml": ("[[expect]] #1, key 'at'", "is required"),
    "expect-negative-at.toml": ("[[expect]] #1, key 'at'", "must be ≥ 0, got -2.5"),
    "expect-unknown-key.toml": ("[[expect]] #1", "unknown key 'clinet' (did you mean 'client'?)"),
    "received-unknown-endpoint.toml": ("key 'received'", "unknown key 'network'"),
    "received-not-table.toml": ("key 'received'", "expected a table, got a string"),
    "last-sent-unknown-flag.toml": ("key 'last_sent', key 'flags'", "unknown flag 'FYN'"),
    "last-sent-unknown-key.toml": ("key 'last_sent'", "unknown key 'flag' (did you mean 'flags'?)"),
    "last-sent-bad-from.toml": ("key 'last_sent', key 'from'", "'sever' is not one of client, server"),
    "last-sent-seq-string.toml": ("key 'last_sent', key 'seq'", "expected an integer, got a string"),
}

BAD_FILES = sorted(p.name for p in BAD.glob("*.toml"))


def squash(text: str) -> str:
    """The message with Rich's line wrapping undone (whitespace runs become one space)."""
    return " ".join(text.split())


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse errors
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err


def test_the_catalogue_is_big_enough() -> None:
    assert len(BAD_FILES) >= 35


def test_every_bad_input_has_an_expectation() -> None:
    assert sorted(EXPECTED) == BAD_FILES


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_input_is_a_clean_error(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A short relative path, so that the file name is never folded by the terminal width.
    monkeypatch.chdir(ROOT)
    rel = f"tests/bad_inputs/{name}"
    code, out, err = run_main(["run", rel], capsys)
    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err
    message = squash(err)
    where, what = EXPECTED[name]
    assert f"{rel}:" in message
    assert squash(where) in message, message
    assert squash(what) in message, message


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_input_raises_scenario_error_from_the_loader(name: str) -> None:
    """The library gives the same located error: ``str(ScenarioError)`` is ``FILE: WHERE: MESSAGE``."""
    path = BAD / name
    with pytest.raises(ScenarioError) as info:
        load_file(path)
    text = str(info.value)
    assert text.startswith(f"{path}: ")
    where, what = EXPECTED[name]
    assert where in text and what in text, text
    if where and not where.startswith("line "):
        assert info.value.where, "a problem inside the file must say where it is"


@pytest.mark.parametrize(
    "name",
    [
        "unknown-action.toml",
        "negative-at.toml",
        "not-utf8.toml",
        "toml-unclosed-string.toml",
        "expect-unknown-state.toml",
    ],
)
def test_bad_input_end_to_end(name: str) -> None:
    """Through a real process, as a user runs it."""
    rel = f"tests/bad_inputs/{name}"
    proc = subprocess.run(
        [sys.executable, "-m", "tcpsim.cli", "run", rel], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    where, what = EXPECTED[name]
    message = squash(proc.stderr)
    assert rel in message and squash(where) in message and squash(what) in message


# ---------------------------------------------------------------- inputs that are not files in the catalogue


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nowhere.toml"
    code, out, err = run_main(["run", str(path)], capsys)
    assert (code, out) == (2, "")
    assert "Traceback" not in err
    assert "no such file" in squash(err)
    assert "nowhere.toml" in err


def test_missing_file_in_missing_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(["run", str(tmp_path / "no" / "such" / "dir" / "x.toml")], capsys)
    assert (code, out) == (2, "")
    assert "no such file" in squash(err)


def test_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "folder.toml").mkdir()
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(["run", "folder.toml"], capsys)
    assert (code, out) == (2, "")
    assert "Traceback" not in err
    assert "folder.toml: is a directory" in squash(err)


def test_a_directory_given_with_a_trailing_slash(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(["run", str(BAD) + "/"], capsys)
    assert (code, out) == (2, "")
    assert "is a directory" in squash(err)


def test_huge_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "huge.toml"
    line = 'note = "' + "x" * 1000 + '"\n'
    with path.open("w") as f:
        f.write('name = "huge"\n[[step]]\nat = 0.0\non = "server"\ndo = "listen"\n')
        for i in range(5 * 1024):
            f.write(f'[[step]]\nat = {i}.0\non = "client"\ndo = "abort"\n{line}')
    assert path.stat().st_size > 4 * 1024 * 1024
    code, out, err = run_main(["run", str(path)], capsys)
    assert (code, out) == (2, "")
    assert "Traceback" not in err
    assert "too large" in squash(err)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "secret.toml"
    path.write_text('name = "x"\n[[step]]\nat = 0\non = "server"\ndo = "listen"\n')
    path.chmod(0)
    code, out, err = run_main(["run", str(path)], capsys)
    assert (code, out) == (2, "")
    assert "cannot read" in squash(err)
    assert "secret.toml" in err


@pytest.mark.parametrize("name", ["x" * 300 + ".toml", "x" * 300], ids=["file", "name"])
def test_a_name_too_long_for_the_file_system(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENAMETOOLONG: with or without .toml (a NAME is looked up as a file first), run and the app."""
    monkeypatch.chdir(tmp_path)
    for argv in (["run", name], [name]):
        code, out, err = run_main(argv, capsys)
        assert (code, out) == (2, ""), err
        assert "Traceback" not in err
        assert f"{name}: cannot read the file: File name too long" in squash(err)
    with pytest.raises(ScenarioError, match="File name too long"):
        load_file(tmp_path / name)


def test_a_loop_of_symbolic_links(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """ELOOP is no missing file: the message says what the system said."""
    (tmp_path / "a.toml").symlink_to(tmp_path / "b.toml")
    (tmp_path / "b.toml").symlink_to(tmp_path / "a.toml")
    code, out, err = run_main(["run", str(tmp_path / "a.toml")], capsys)
    assert (code, out) == (2, "")
    assert "Traceback" not in err
    assert "a.toml: cannot read the file: Too many levels of symbolic links" in squash(err)


def test_permission_denied_even_as_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """EACCES, as an unprivileged user meets it (chmod 000 does not stop root: the error is faked)."""
    path = tmp_path / "secret.toml"
    path.write_text('name = "x"\n[[step]]\nat = 0\non = "server"\ndo = "listen"\n')

    def denied(self: Path, *args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", denied)
    code, out, err = run_main(["run", str(path)], capsys)
    assert (code, out) == (2, "")
    assert "Traceback" not in err
    assert "secret.toml: cannot read the file: Permission denied" in squash(err)


def test_a_nul_in_the_name_is_a_scenario_error() -> None:
    with pytest.raises(ScenarioError, match="not a possible file name"):
        load_file("x\0.toml")


def test_empty_argument(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(["run", ""], capsys)
    assert (code, out) == (2, "")
    assert "Traceback" not in err


@pytest.mark.parametrize("kind", ["array", "inline-table"])
def test_deeply_nested_toml(kind: str, tmp_path: Path) -> None:
    base = 'name = "deep"\n[[step]]\nat = 0\non = "server"\ndo = "listen"\n'
    nested = "x = " + "[" * 5000 + "]" * 5000 if kind == "array" else "x = " + "{a=" * 3000 + "1" + "}" * 3000
    path = tmp_path / "deep.toml"
    path.write_text(nested + "\n" + base)
    proc = subprocess.run(
        [sys.executable, "-m", "tcpsim.cli", "run", str(path)], capture_output=True, text=True, timeout=60
    )
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "deep.toml" in proc.stderr


def _limit_memory() -> None:
    limit = 512 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_input_is_bounded() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tcpsim.cli", "run", "/dev/zero"],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_memory,
    )
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 2
    assert re.search(r"too large|binary", squash(proc.stderr))


def test_error_message_is_one_line_whatever_the_path_length(tmp_path: Path) -> None:
    deep = tmp_path / ("a-rather-long-directory-name-" * 3) / "another-long-segment-of-the-path"
    deep.mkdir(parents=True)
    path = deep / "unknown-action.toml"
    path.write_bytes((BAD / "unknown-action.toml").read_bytes())
    env = {**os.environ, "COLUMNS": "80"}
    proc = subprocess.run(
        [sys.executable, "-m", "tcpsim.cli", "run", str(path)], capture_output=True, text=True, timeout=60, env=env
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert f"{path}: [[step]] #3 (at = 1), key 'do': unknown action 'clsoe'" in lines[0]


def test_error_message_shows_the_value_verbatim(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "x.toml"
    path.write_text('name = "x"\n[[step]]\nat = 0\non = "client"\ndo = \'clo\\[red]se\'\n')
    with pytest.raises(ScenarioError) as info:
        load_file(path)
    assert "'clo\\\\[red]se'" in str(info.value)  # the repr in the loader's message
    code, _, err = run_main(["run", str(path)], capsys)
    assert code == 2
    assert "'clo\\\\[red]se'" in squash(err)


def test_utf8_byte_order_mark(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'name = "bom"\n[[step]]\nat = 0\non = "server"\ndo = "listen"\n')
    code, _out, err = run_main(["run", str(path)], capsys)
    # either it loads (the BOM is skipped) or the message names the BOM
    assert code == 0 or ("byte-order mark" in squash(err) or "BOM" in err), err


def test_markup_in_the_message_is_printed_literally(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "markup.toml"
    path.write_text('name = "x"\n"[bold red]oops[/]" = 1\n[[step]]\nat = 0\non = "server"\ndo = "listen"\n')
    code, out, err = run_main(["run", str(path)], capsys)
    assert (code, out) == (2, "")
    assert "unknown key '[bold red]oops[/]'" in squash(err)


def test_load_text_names_its_source() -> None:
    with pytest.raises(ScenarioError) as info:
        load_text('name = "x"\n[[step]]\nat = -1\non = "server"\ndo = "listen"\n', "inline.toml")
    err = info.value
    assert (err.source, err.message) == ("inline.toml", "must be ≥ 0, got -1")
    assert "[[step]] #1" in err.where and "'at'" in err.where
    assert str(err) == f"inline.toml: {err.where}: {err.message}"
