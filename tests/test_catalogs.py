"""The interface strings' gettext catalogs (service/locale): every string the templates,
the Python code and the widget show is extracted with Babel (babel.cfg, as
scripts/update-catalogs does) and must be translated in both catalogs; the committed
.pot and .po files hold exactly the extracted msgids; the widget's strings are the
catalogs'."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from service.i18n import LANGS, LOCALE, po_path, translate
from tests.support.live import ROOT

Key = tuple[str, str | None]  # (msgid, msgctxt)


def extract(root: Path, out: Path) -> Catalog:
    """Every msgid under `root`, extracted as scripts/update-catalogs extracts them."""
    pot = out / "extracted.pot"
    argv = ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-o", str(pot), str(root)]
    CommandLineInterface().run(argv)
    with pot.open("rb") as source:
        return read_po(source)


def keys(catalog: Catalog) -> set[Key]:
    return {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in catalog if m.id}


def read(path: Path) -> Catalog:
    with path.open("rb") as source:
        return read_po(source)


def untranslated(wanted: set[Key], catalog: Catalog) -> list[Key]:
    """The msgids of `wanted` that `catalog` lacks, leaves empty (any plural form) or
    marks fuzzy (gettext does not use a fuzzy translation)."""
    missing = []
    for msgid, context in sorted(wanted, key=repr):
        found = catalog.get(msgid, context)
        strings = [] if found is None else found.string
        strings = [strings] if isinstance(strings, str) else list(strings)
        if found is None or found.fuzzy or not strings or not all(strings):
            missing.append((msgid, context))
    return missing


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[Key]:
    found = keys(extract(ROOT, tmp_path_factory.mktemp("pot")))
    assert ("Skip to main content", None) in found  # a template's
    assert ("Page not found", None) in found  # Python's (N_)
    assert ("Reset all", None) in found  # the widget's
    assert ("Search", "button") in found  # a msgctxt
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_every_interface_string_is_translated(extracted: set[Key], lang: str) -> None:
    missing = untranslated(extracted, read(po_path(lang)))
    assert not missing, f"untranslated in service/locale/{lang}: run scripts/update-catalogs"


@pytest.mark.parametrize(
    "path", ["messages.pot", *(f"{lang}/LC_MESSAGES/messages.po" for lang in LANGS)]
)
def test_the_catalogs_are_current(extracted: set[Key], path: str) -> None:
    """No msgid missing, none stale: the committed catalogs are what extraction gives."""
    committed = keys(read(LOCALE / path))
    assert committed - extracted == set(), "stale: run scripts/update-catalogs"
    assert extracted - committed == set(), "missing: run scripts/update-catalogs"


def test_a_new_string_without_a_translation_is_caught(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "service" / "templates", tree / "service" / "templates")
    (tree / "service" / "templates" / "new.html").write_text(
        '<p>{{ _("A sentence nobody translated") }}</p>\n', encoding="utf-8"
    )
    (tree / "service" / "new.py").write_text(
        'from .i18n import N_\n\nLINE = N_("A line nobody translated")\n', encoding="utf-8"
    )
    found = keys(extract(tree, tmp_path))
    assert ("Display options", None) in found
    new = [("A line nobody translated", None), ("A sentence nobody translated", None)]
    for lang in LANGS:
        assert untranslated(found, read(po_path(lang))) == new, lang
    # An empty msgstr counts as missing too.
    catalog = read(po_path("vi"))
    message = catalog.get("Display options")
    assert message is not None
    message.string = ""
    assert untranslated(found, catalog) == [*new, ("Display options", None)]


def test_the_widget_strings_are_the_catalogs() -> None:
    """widget/src/i18n.js (written by scripts/build-widget) holds each key's msgstr."""
    messages = (ROOT / "widget" / "messages.mjs").read_text(encoding="utf-8")
    msgids = dict(re.findall(r'^  (\w+): _\("([^"]+)"\),$', messages, re.M))
    assert len(msgids) >= 12
    built = (ROOT / "widget" / "src" / "i18n.js").read_text(encoding="utf-8")
    for lang in LANGS:
        block = re.search(rf"^  {lang}: \{{\n(.*?)^  \}},$", built, re.M | re.S)
        assert block, lang
        table = {k: v for k, v in re.findall(r'^    (\w+): "([^"]*)",$', block.group(1), re.M)}
        expected = {key: translate(lang, msgid) for key, msgid in msgids.items()}
        assert table == expected, f"widget/src/i18n.js is stale ({lang}): run make widget"
    assert "Đặt lại tất cả" in built and "Reset all" in built


def test_python_and_templates_agree_on_shared_words() -> None:
    """One msgid, one translation: the pages' and the widget's "Text size" are the same."""
    assert translate("vi", "Text size") == "Cỡ chữ"
    assert translate("vi", "Search") == "Tìm kiếm"
    assert translate("vi", "Search", "button") == "Tìm"
    assert translate("en-GB", "Search") == "Search"
