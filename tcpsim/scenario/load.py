"""Read a scenario file strictly: every mistake is a :class:`ScenarioError` that names the file,
the table or step, the key, and what was expected — never a traceback.

The format is a public contract (README, "Scenario files"); this module is its one reader.
"""

from __future__ import annotations

import ipaddress
import stat
from pathlib import Path
from typing import Any

from ..core.names import ENDPOINTS, EndpointName
from ..core.personality import PERSONALITIES
from ..core.segment import NO_FLAGS
from ..core.states import State, parse_state
from ..i18n import _
from ..sim.network import Match
from ..sim.trace import round_time
from ..sim.world import Inject
from .model import (
    ENDPOINT_ACTIONS,
    NETWORK_ACTIONS,
    PLACES,
    EndpointSpec,
    Expectation,
    NetworkSpec,
    Scenario,
    SentSpec,
    Step,
)
from .table import ScenarioError, Table, number_text, suggest, type_name

MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_SEGMENT_DATA = 65_535 - 20 - 20
"""The most data one segment can carry: an IPv4 packet's total length is 16 bits, and tcpsim's
IP and TCP headers (no options) take 20 bytes each."""
PCAP_MAGIC = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d", b"\x0a\x0d\x0d\x0a")
"""The first bytes of a pcap (both byte orders, micro- and nanosecond) or a pcapng file."""
SEQ_SPACE = 1 << 32
ENDPOINT_NAMES = ENDPOINTS
STATE_NAMES = [s.value for s in State]
DEFAULT_PORTS = {"client": 49152, "server": 80}


def load_file(path: str | Path) -> Scenario:
    """Read and check a scenario file."""
    path = Path(path)
    source = str(path)
    # Not Path.exists() and is_dir(): on Python 3.11 they raise for a name too long (ENAMETOOLONG)
    # and answer False for a loop of links, which is no missing file. Every OSError says why.
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise ScenarioError(source, "", _("no such file")) from None
    except OSError as exc:  # a name too long, a loop of links, a directory that may not be searched
        raise ScenarioError(
            source, "", _("cannot read the file: {problem}").format(problem=exc.strerror or exc)
        ) from None
    except ValueError:  # a NUL character: no file can have that name
        raise ScenarioError(source, "", _("not a possible file name (it contains a NUL character)")) from None
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioError(source, "", _("is a directory, not a scenario file"))
    try:
        # Read at most one byte past the limit: a device or a pipe reports no size.
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(
            source, "", _("cannot read the file: {problem}").format(problem=exc.strerror or exc)
        ) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(source, "", _("file is too large (a scenario is at most 4 MiB)"))
    return load_bytes(raw, source, path)


def load_bytes(raw: bytes, source: str = "<scenario>", path: Path | None = None) -> Scenario:
    """Check and parse scenario text given as bytes (it must be UTF-8 TOML)."""
    if raw.startswith(PCAP_MAGIC):
        raise ScenarioError(
            source,
            "",
            _("this is a packet capture (pcap or pcapng), not a TOML scenario: open it with `tcpsim import FILE`"),
        )
    if b"\x00" in raw:
        raise ScenarioError(
            source,
            "",
            _("this is a binary file, not a TOML scenario (a packet capture opens with `tcpsim import FILE`)"),
        )
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark is harmless: accept it
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            source, "", _("not UTF-8 text (byte {offset} cannot be decoded)").format(offset=exc.start)
        ) from None
    return load_text(text, source, path)


def load_text(text: str, source: str = "<scenario>", path: Path | None = None) -> Scenario:
    """Check and parse scenario TOML."""
    import tomllib  # here, not at the top: the app starts on the built-in sandbox and reads no TOML

    if not text.strip():
        raise ScenarioError(source, "", _("the file is empty; a scenario needs at least a name and one [[step]]"))
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(source, "", _("invalid TOML: {problem}").format(problem=exc)) from None
    except RecursionError:
        raise ScenarioError(source, "", _("invalid TOML: arrays or tables nested too deeply")) from None
    top = Table(
        source, _("top level"), doc, ("name", "summary", "description", "network", "client", "server", "step", "expect")
    )
    name = top.string("name", required=True)
    if not name.strip():
        top.fail(_("must not be empty"), "name")
    network = _network(top)
    client = _endpoint(top, "client")
    server = _endpoint(top, "server")
    steps = _steps(top)
    expectations = _expectations(top)
    return Scenario(
        name=name,
        path=path,
        network=network,
        client=client,
        server=server,
        steps=steps,
        expectations=expectations,
        summary=top.string("summary", ""),
        description=top.string("description", ""),
    )


def _network(top: Table) -> NetworkSpec:
    t = top.table("network", ("latency", "msl", "rto", "seed", "retries", "stack"), "[network]")
    if t is None:
        return NetworkSpec()
    return NetworkSpec(
        latency=t.number("latency", 0.1, duration=True),
        msl=t.number("msl", 30.0, strict_low=True, duration=True),
        rto=t.number("rto", 1.0, strict_low=True, duration=True),
        seed=t.integer("seed", 0, low=-(1 << 63), high=(1 << 63) - 1),
        retries=t.optional_integer("retries", low=0, high=100),
        stack=t.choice("stack", tuple(PERSONALITIES), required=False, default="rfc9293"),
    )


def _endpoint(top: Table, name: str) -> EndpointSpec:
    t = top.table(name, ("isn", "port", "time_wait", "isn_step", "address", "stack"), f"[{name}]")
    if t is None:
        return EndpointSpec(port=DEFAULT_PORTS[name])
    return EndpointSpec(
        port=t.integer("port", DEFAULT_PORTS[name], low=0, high=65535),  # 0 too: captures carry it
        isn=t.optional_integer("isn", low=0, high=SEQ_SPACE - 1),
        isn_step=t.integer("isn_step", 64000, low=0, high=SEQ_SPACE - 1),
        time_wait=t.boolean("time_wait", True),
        address=_address(t),
        stack=t.choice("stack", tuple(PERSONALITIES)) if t.has("stack") else None,
    )


def _address(t: Table) -> str | None:
    if not t.has("address"):
        return None
    text = t.string("address")
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        t.fail(_("expected an IPv4 address such as 10.0.0.1, got {text}").format(text=repr(text)), "address")


def _array_of_tables(top: Table, key: str, label: str) -> list[Any]:
    raw = top.raw.get(key, [])
    if not isinstance(raw, list):
        message = _("expected an array of tables written [[{key}]], got {type}")
        top.fail(message.format(key=key, type=type_name(raw)), key)
    return raw


_STEP_KEYS = ("at", "on", "do", "data", "match", "count", "by", "segment", "since", "note")
_KEYS_FOR = {
    "data": ("send",),
    "match": ("drop", "duplicate", "delay"),
    "count": ("drop", "duplicate", "delay"),
    "since": ("drop", "duplicate", "delay"),
    "by": ("delay",),
    "segment": ("inject",),
}


def _steps(top: Table) -> tuple[Step, ...]:
    raw_steps = _array_of_tables(top, "step", "step")
    if not raw_steps:
        top.fail(_("a scenario needs at least one [[step]]"))
    steps = [_step(top.source, i, raw) for i, raw in enumerate(raw_steps, start=1)]
    # Steps run in time order, and in file order within one instant (a stable sort keeps that).
    return tuple(sorted(steps, key=lambda s: s.at))


def _step(source: str, index: int, raw: object) -> Step:
    where = f"[[step]] #{index}"
    if isinstance(raw, dict) and isinstance(raw.get("at"), int | float) and not isinstance(raw.get("at"), bool):
        where += f" (at = {number_text(raw['at'])})"
    t = Table(source, where, raw, _STEP_KEYS)
    at = round_time(t.number("at", 0.0)) if t.has("at") else t.fail(_("is required"), "at")
    on = t.choice("on", PLACES)
    actions = NETWORK_ACTIONS if on == "network" else ENDPOINT_ACTIONS
    if not t.has("do"):
        t.fail(_("is required: one of {actions}").format(actions=", ".join(actions)), "do")
    do = t.string("do")
    if do not in actions:
        other = ENDPOINT_ACTIONS if on == "network" else NETWORK_ACTIONS
        hint = (
            _(' ({action} is done on = "{place}")').format(
                action=repr(do), place="client" if on == "network" else "network"
            )
            if do in other
            else suggest(do, actions)
        )
        message = _("unknown action {action} for on = {place}{hint}; expected one of {actions}")
        t.fail(message.format(action=repr(do), place=repr(on), hint=hint, actions=", ".join(actions)), "do")
    for key, valid_for in _KEYS_FOR.items():
        if t.has(key) and do not in valid_for:
            message = _("does not apply to do = {action} (it is for do = {actions})")
            t.fail(message.format(action=repr(do), actions=_(" or ").join(repr(v) for v in valid_for)), key)
    data = b""
    if do == "send":
        if not t.has("data"):
            t.fail(_('is required for do = "send" (the text to send)'), "data")
        data = t.data("data") or b""
        if not data:
            t.fail(_("must not be empty: sending nothing sends no segment"), "data")
    match = _match(t.table("match", ("from", "flags", "has", "data"))) if do in _KEYS_FOR["match"] else Match()
    count = t.integer("count", 1, low=1, high=1_000_000) if do in _KEYS_FOR["count"] else 1
    since = t.choice("since", ("instant", "step"), required=False, default="instant")
    by = 0.0
    if do == "delay":
        if not t.has("by"):
            t.fail(_('is required for do = "delay" (extra seconds in flight)'), "by")
        by = t.number("by", 0.0, duration=True)
    segment = None
    if do == "inject":
        seg_table = t.table("segment", ("from", "flags", "seq", "ack", "data", "wnd"))
        if seg_table is None:
            t.fail(
                _('is required for do = "inject", e.g. segment = {{ from = "client", flags = "RST" }}').format(),
                "segment",
            )
        segment = _segment(seg_table)
    return Step(
        index=index,
        at=at,
        on=on,
        do=do,
        data=data,
        match=match,
        count=count,
        by=by,
        segment=segment,
        note=t.string("note", ""),
        since=since,
    )


def _match(t: Table | None) -> Match:
    if t is None:
        return Match()
    sender = t.choice("from", ENDPOINT_NAMES) if t.has("from") else None
    data = t.boolean("data", False) if t.has("data") else None
    return Match(sender=sender, flags=t.flags("flags"), has=t.flags("has"), data=data)


def _segment(t: Table) -> Inject:
    sender = t.choice("from", ENDPOINT_NAMES)
    if not t.has("flags"):
        t.fail(_('is required, e.g. flags = "RST" or flags = "SYN"'), "flags")
    data = t.data("data") or b""
    if len(data) > MAX_SEGMENT_DATA:
        message = _(
            "carries {size} bytes; one segment holds at most {most} (an IPv4 packet is at "
            "most 65,535 bytes with its 40 bytes of headers): inject several segments, or send the data"
        )
        t.fail(message.format(size=f"{len(data):,}", most=f"{MAX_SEGMENT_DATA:,}"), "data")
    return Inject(
        sender=sender,
        flags=t.flags("flags") or NO_FLAGS,
        seq=t.optional_integer("seq", low=0, high=SEQ_SPACE - 1),
        ack=t.optional_integer("ack", low=0, high=SEQ_SPACE - 1),
        data=data,
        wnd=t.optional_integer("wnd", low=0, high=65535),
    )


def _expectations(top: Table) -> tuple[Expectation, ...]:
    raw_list = _array_of_tables(top, "expect", "expect")
    result = []
    for index, raw in enumerate(raw_list, start=1):
        where = f"[[expect]] #{index}"
        t = Table(top.source, where, raw, ("at", "client", "server", "received", "last_sent", "note"))
        at = round_time(t.number("at", 0.0)) if t.has("at") else t.fail(_("is required"), "at")
        t.where = f"{where} (at = {number_text(at)})"
        states: dict[EndpointName, State] = {}
        for name in ENDPOINT_NAMES:
            if t.has(name):
                text = t.string(name)
                try:
                    states[name] = parse_state(text)
                except ValueError:
                    message = _("unknown state {state}{hint}; states are {states}")
                    t.fail(
                        message.format(
                            state=repr(text), hint=suggest(text, STATE_NAMES), states=", ".join(STATE_NAMES)
                        ),
                        name,
                    )
        received: dict[EndpointName, bytes] = {}
        rt = t.table("received", ENDPOINT_NAMES)
        if rt is not None:
            for name in ENDPOINT_NAMES:
                if rt.has(name):
                    received[name] = rt.data(name) or b""
        last_sent = None
        st = t.table("last_sent", ("from", "flags", "has", "seq", "ack", "len", "data"))
        if st is not None:
            last_sent = SentSpec(
                sender=st.choice("from", ENDPOINT_NAMES) if st.has("from") else None,
                flags=st.flags("flags"),
                has=st.flags("has"),
                seq=st.optional_integer("seq", low=0, high=SEQ_SPACE - 1),
                ack=st.optional_integer("ack", low=0, high=SEQ_SPACE - 1),
                len=st.optional_integer("len", low=0, high=1 << 31),
                data=st.data("data"),
            )
        if not states and not received and last_sent is None:
            t.fail("checks nothing: give client, server, received or last_sent")
        result.append(
            Expectation(
                index=index, at=at, states=states, received=received, last_sent=last_sent, note=t.string("note", "")
            )
        )
    return tuple(result)
