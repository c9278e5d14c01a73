"""The message catalogues as the tests read them: extracted from the source in this process with
Babel (as ``pybabel extract -F babel.cfg`` does), and the ``.pot`` and ``.po`` files in the tree."""

from __future__ import annotations

import gettext
import re
import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tcpsim.i18n import DOMAIN, LOCALE_DIR
from tcpsim.scenario.messages import extract as extract_scenario

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
COMMANDS = """\
    pybabel extract -F babel.cfg -c TRANSLATORS: --add-location=file --project=tcpsim \\
        --copyright-holder="tcpsim developers" -o tcpsim/locale/tcpsim.pot .
    pybabel update -i tcpsim/locale/tcpsim.pot -d tcpsim/locale -D tcpsim --ignore-obsolete
    (translate every new or fuzzy message)
    pybabel compile -d tcpsim/locale -D tcpsim --statistics
(tcpsim/locale/README.md)"""

Key = tuple[str | None, str]
"""A message's identity: its context, and its id (the singular, for a plural)."""


@dataclass(frozen=True)
class Extracted:
    key: Key
    plural: str | None
    where: str


def key_of(message: Message) -> Key:
    msgid = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
    return message.context, msgid


@cache
def extracted() -> dict[Key, Extracted]:
    """Every message in the package and the bundled scenarios, extracted now with Babel over the
    mapping in babel.cfg (the scenario extractor called directly, so that a stale install cannot
    hide a change)."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    methods = [(pattern, extract_scenario if method == "tcpsim_scenario" else method) for pattern, method in method_map]
    found: dict[Key, Extracted] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        ROOT, methods, options_map, keywords=DEFAULT_KEYWORDS, directory_filter=_wanted
    ):
        msgid, plural = (message[0], message[1]) if isinstance(message, tuple) else (message, None)
        if msgid:
            found.setdefault((context, msgid), Extracted((context, msgid), plural, f"{filename}:{lineno}"))
    return found


def _wanted(path: str) -> bool:
    name = Path(path).name
    return not name.startswith(".") and name not in ("build", "dist", "__pycache__", "node_modules")


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def po_files() -> list[Path]:
    return sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def live(catalogue: Catalog) -> dict[Key, Message]:
    """The messages of a catalogue, obsolete ones left out (they are not translations any more)."""
    return {key_of(m): m for m in catalogue if m.id}


_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def placeholders(text: str) -> list[str]:
    """The ``{name}`` fields and ``%(name)s``/``%s`` conversions of a message, sorted (their order
    may change in a translation, their set may not)."""
    fields = []
    try:
        fields = [f"{{{name}}}" for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        fields = ["<unbalanced braces>"]
    return sorted(fields + [m for m in _FIELD.findall(text) if m != "%%"])


def compiled(language: str) -> gettext.GNUTranslations | None:
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not path.exists():
        return None
    with path.open("rb") as f:
        return gettext.GNUTranslations(f)
