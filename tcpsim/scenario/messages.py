"""The text a scenario file shows its reader, as Babel extracts messages from it.

``pybabel extract`` finds the bundled scenarios' text through this extractor (registered as
``tcpsim_scenario`` in ``pyproject.toml``'s ``babel.extractors`` entry points; ``babel.cfg`` maps
``scenarios/*.toml`` to it): the name, the summary, each paragraph of the description as
:func:`tcpsim.wrapping.paragraphs` reflows it, and each step's and expectation's note. They are
translated where they are shown, their English being the message id (:func:`tcpsim.i18n.story`),
so a user's own scenario is shown as written and a bundled one in the user's language.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from typing import IO, Any

from ..wrapping import paragraphs

Message = tuple[int, str | None, str, list[str]]
"""What a Babel extractor yields: line number, function name (None: a plain message), message,
comments for the translator."""


def scenario_messages(data: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(what it is, the English text) for each piece of a scenario's text a reader sees."""
    for key in ("name", "summary"):
        if isinstance(data.get(key), str) and data[key].strip():
            yield key, data[key]
    if isinstance(data.get("description"), str):
        for number, paragraph in enumerate(paragraphs(data["description"]), 1):
            yield f"description, paragraph {number}", paragraph
    for table in ("step", "expect"):
        entries = data.get(table)
        for number, entry in enumerate(entries if isinstance(entries, list) else [], 1):
            note = entry.get("note") if isinstance(entry, dict) else None
            if isinstance(note, str) and note.strip():
                yield f"{table} {number}, note", note


def extract(
    fileobj: IO[bytes], keywords: object, comment_tags: object, options: Mapping[str, str]
) -> Iterator[Message]:
    """Babel's extractor interface: the messages of one scenario file."""
    raw = fileobj.read()
    text = raw.decode("utf-8")
    data = tomllib.loads(text)
    name = getattr(fileobj, "name", "")
    stem = str(name).rsplit("/", 1)[-1].removesuffix(".toml") or "scenario"
    for what, message in scenario_messages(data):
        yield _line_of(text, message), None, message, [f"scenario {stem}: {what}"]


def _line_of(text: str, message: str) -> int:
    """The line where a message starts in the file (its first words), for the translator."""
    probe = message.split(" ", 4)
    needle = " ".join(probe[:4]) if len(probe) > 1 else message
    where = text.find(needle)
    return text.count("\n", 0, where) + 1 if where >= 0 else 1


__all__ = ["extract", "scenario_messages"]
