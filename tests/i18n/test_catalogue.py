"""The catalogues are complete and current: every string a user sees, in the source (``_()``,
``N_()``, ``ngettext``, ``pgettext``) and in the bundled scenarios, has a Chinese translation, and
the translations keep their placeholders (issue 11: "a test extracts the messages and fails on any
user-visible string missing from the zh catalogue")."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest
from catalogues import COMMANDS, TEMPLATE, compiled, extracted, live, placeholders, po_files, read_catalogue

from tcpsim.i18n import DOMAIN, LOCALE_DIR


def test_there_is_a_chinese_catalogue() -> None:
    assert LOCALE_DIR / "zh" / "LC_MESSAGES" / f"{DOMAIN}.po" in po_files()


def test_the_template_is_current() -> None:
    template = live(read_catalogue(TEMPLATE))
    source = extracted()
    missing = sorted(f"{e.where}: {e.key[1]!r}" for key, e in source.items() if key not in template)
    stale = sorted(repr(key[1]) for key in template if key not in source)
    assert not missing, "messages in the source but not in tcpsim.pot; run\n" + COMMANDS + "\n" + "\n".join(missing)
    assert not stale, "messages in tcpsim.pot no longer in the source; run\n" + COMMANDS + "\n" + "\n".join(stale)


@pytest.mark.parametrize("po", po_files(), ids=lambda p: p.parent.parent.name)
def test_every_message_is_translated(po) -> None:
    catalogue = live(read_catalogue(po))
    problems = []
    for key, e in sorted(extracted().items(), key=lambda kv: kv[1].where):
        message = catalogue.get(key)
        if message is None:
            problems.append(f"{e.where}: missing (or only obsolete): {key[1]!r}")
        elif message.fuzzy:
            problems.append(f"{e.where}: fuzzy: {key[1]!r}")
        elif not all(message.string if isinstance(message.string, tuple) else [message.string]):
            problems.append(f"{e.where}: untranslated: {key[1]!r}")
    stale = [repr(key[1]) for key in catalogue if key not in extracted()]
    assert not problems, f"{po}: {len(problems)} messages need a translation; run\n{COMMANDS}\n" + "\n".join(problems)
    assert not stale, f"{po}: messages no longer in the source; run\n{COMMANDS}\n" + "\n".join(stale)


@pytest.mark.parametrize("po", po_files(), ids=lambda p: p.parent.parent.name)
def test_translations_keep_their_placeholders(po) -> None:
    wrong = []
    for message in read_catalogue(po):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = {tuple(placeholders(i)) for i in ids}
        for text in strings:
            if text and tuple(placeholders(text)) not in expected:
                wrong.append(f"{ids[0]!r}: {placeholders(ids[0])} but {text!r} has {placeholders(text)}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("po", po_files(), ids=lambda p: p.parent.parent.name)
def test_the_compiled_catalogue_matches_its_source(po) -> None:
    """The ``.mo`` the running tcpsim reads says what the ``.po`` says (an edit of the ``.po``
    needs ``pybabel compile``, which ``pip install`` does too)."""
    language = po.parent.parent.name
    mo = compiled(language)
    assert mo is not None, f"no compiled catalogue for {language}: run pybabel compile -d tcpsim/locale -D tcpsim"
    stale = []
    for message in read_catalogue(po):
        if not message.id or message.fuzzy or not message.string:
            continue
        if isinstance(message.id, tuple):
            got = tuple(mo.ngettext(message.id[0], message.id[1], n) for n in (1, 2))
            forms = message.string
            want = (forms[0], forms[min(1, len(forms) - 1)])
        elif message.context:
            got, want = mo.pgettext(message.context, message.id), message.string
        else:
            got, want = mo.gettext(message.id), message.string
        if got != want:
            stale.append(repr(message.id))
    command = "pybabel compile -d tcpsim/locale -D tcpsim"
    assert not stale, f"the .mo is older than the .po; run {command}\n" + "\n".join(stale)


def test_pybabel_finds_the_scenario_extractor() -> None:
    """``babel.cfg`` names ``tcpsim_scenario``: the package registers it for ``pybabel extract``."""
    names = {ep.name: ep.value for ep in entry_points(group="babel.extractors")}
    assert names.get("tcpsim_scenario") == "tcpsim.scenario.messages:extract"


def test_no_message_is_marked_inside_an_f_string() -> None:
    """``f"{_('paused')}"`` is a call pybabel cannot see (an f-string is one token to it), so the
    message would never reach a catalogue: mark outside f-strings (a variable in one is fine)."""
    import io
    import re
    import tokenize

    from catalogues import ROOT

    literal_call = re.compile(r"""\b(?:N_|_|ngettext|pgettext)\(\s*['"]""")
    found = []
    for path in sorted((ROOT / "tcpsim").rglob("*.py")):
        for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
            is_f_string = token.type == tokenize.STRING and token.string.lstrip("rbRB").lower().startswith("f")
            if is_f_string and literal_call.search(token.string):
                found.append(f"{path.relative_to(ROOT)}:{token.start[0]}: {token.string[:60]}")
    assert not found, "\n".join(found)
