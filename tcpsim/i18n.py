"""tcpsim's messages in the user's language: Python's :mod:`gettext` over the catalogues in
``tcpsim/locale`` (``locale/README.md`` says how they are made, updated and added to).

Strings are marked where they are written, in English, and that English is the message id:
``_("{n} checks hold")`` translates now; ``N_("…")`` only marks a string that is defined before the
language is known (a module-level table) and is translated where it is shown, with ``_(text)``.
Data in English from elsewhere (a bundled scenario's title and story, a state's description) is
translated the same way at display time, its English being the message id.

RFC terms stay as the RFC spells them in every language: state names, SYN/FIN/ACK, SND.NXT, the
RFC's error strings ("error: connection closing"). They are what a learner meets in the RFC, in
Wireshark and in ``ss``; the sentences around them are translated.

The language is chosen once per process: by ``--lang`` when given, else from the environment as
gettext reads it (``LANGUAGE``, then ``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else English. Only
languages with a compiled catalogue are offered, so adding a language is adding a catalogue.

Nothing here imports the rest of tcpsim, Textual or Rich: every layer may use it (the core only
for :func:`N_`, which changes nothing).
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "tcpsim"
"""The gettext domain: the catalogues are ``locale/LANG/LC_MESSAGES/tcpsim.mo``."""

LOCALE_DIR = Path(__file__).resolve().parent / "locale"

SOURCE_LANGUAGE = "en"
"""The language the message ids are written in: it needs no catalogue."""

ENVIRONMENT = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
"""Where gettext looks for the user's language, in its order (LANGUAGE may list several)."""

_translations: dict[str, _gettext.NullTranslations] = {}
_current: _gettext.NullTranslations = _gettext.NullTranslations()
_language = SOURCE_LANGUAGE


def N_(message: str) -> str:
    """Mark a string for translation without translating it (it is defined before the language is
    known); translate it where it is shown, with :func:`_`."""
    return message


def _(message: str) -> str:
    """``message`` in the current language (itself, when the catalogue has no translation)."""
    return _current.gettext(message) if message else message


gettext = _


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for the count ``n``: Chinese has one form, English two, others more."""
    return _current.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, told apart by ``context`` from the same English used
    elsewhere with another meaning."""
    return _current.pgettext(context, message)


def story(text: str) -> list[str]:
    """A text written with hard line breaks (a scenario's description) as paragraphs in the current
    language: each paragraph is a message (:mod:`tcpsim.scenario.messages` extracts them)."""
    from .wrapping import paragraphs

    return [_(paragraph) for paragraph in paragraphs(text)]


def languages() -> tuple[str, ...]:
    """The languages tcpsim speaks here: English and each one with a compiled catalogue."""
    found = {SOURCE_LANGUAGE}
    if LOCALE_DIR.is_dir():
        found.update(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    return tuple(sorted(found))


def _base(code: str) -> str:
    """``zh_CN.UTF-8`` → ``zh_CN``; ``C``, ``POSIX`` and empty → ``""``."""
    code = code.split(".", 1)[0].split("@", 1)[0].strip()
    return "" if code in ("C", "POSIX") else code


def match_language(code: str, available: tuple[str, ...] | None = None) -> str | None:
    """The available language for a locale name (``zh_CN.UTF-8`` → ``zh``), or None."""
    available = languages() if available is None else available
    code = _base(code).replace("-", "_")
    for candidate in (code, code.split("_", 1)[0]):
        if candidate in available:
            return candidate
    return None


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for, as gettext reads it, among the available ones;
    English when it asks for none of them (or for the C locale)."""
    environ = os.environ if environ is None else environ
    available = languages()
    for variable in ENVIRONMENT:
        value = environ.get(variable, "")
        if not value:
            continue
        for code in value.split(":") if variable == "LANGUAGE" else (value,):
            found = match_language(code, available)
            if found is not None:
                return found
        if variable != "LANGUAGE":  # the first locale variable that is set decides, as in gettext
            break
    return SOURCE_LANGUAGE


def translation(code: str) -> _gettext.NullTranslations:
    """The catalogue of a language (loaded once); English and unknown languages translate nothing."""
    if code not in _translations:
        _translations[code] = _gettext.translation(DOMAIN, LOCALE_DIR, languages=[code], fallback=True)
    return _translations[code]


def set_language(code: str | None) -> str:
    """Speak ``code`` from now on (None: the environment's language). Returns the language chosen.
    Raises ValueError for a language without a catalogue."""
    global _current, _language
    if code is None:
        code = language_from_environment()
    found = match_language(code)
    if found is None:
        raise ValueError(f"unknown language {code!r}; choose one of {', '.join(languages())}")
    _language = found
    _current = translation(found) if found != SOURCE_LANGUAGE else _gettext.NullTranslations()
    return found


def language() -> str:
    """The language in use: ``en``, ``zh``, …"""
    return _language


def number(value: float, decimals: int = 0) -> str:
    """A number as the language writes it: digit grouping and decimal mark from the catalogue
    (``12,345.6`` in English and Chinese alike; a German catalogue would say ``12.345,6``)."""
    text = f"{value:,.{decimals}f}"
    group = pgettext("digit grouping separator", ",")
    point = pgettext("decimal separator", ".")
    if (group, point) == (",", "."):
        return text
    return text.replace(",", "\0").replace(".", point).replace("\0", group)


__all__ = [
    "DOMAIN",
    "LOCALE_DIR",
    "N_",
    "_",
    "gettext",
    "language",
    "language_from_environment",
    "languages",
    "match_language",
    "ngettext",
    "number",
    "pgettext",
    "set_language",
    "story",
    "translation",
]
