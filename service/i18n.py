"""Interface strings: the gettext catalogs in service/locale, one per language.

Every string Legible shows readers (the pages' chrome, the error pages, the widget's
panel) is an English msgid in `service/locale/messages.pot`, translated in
`service/locale/{vi,en}/LC_MESSAGES/messages.po`. Templates say `_("…")` (Jinja2's
i18n extension, `render.Renderer`); Python marks a msgid with `N_("…")` where it is
named and translates it with `translate(lang, …)` where it is shown; the widget's
strings are built into widget/src/i18n.js from the same catalogs by
scripts/build-widget. `scripts/update-catalogs` extracts them all with Babel
(babel.cfg) and updates the catalogs; tests/test_catalogs.py fails on a msgid a
catalog lacks or leaves empty.

The catalogs are read once per process and compiled in memory from the .po files
into the standard library's gettext (about 10 ms each; importing Babel's reader
about 100 ms, once, at start-up): no binary .mo is committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from gettext import GNUTranslations
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
LANGS = ("vi", "en")  # the languages of the catalogs (LEGIBLE_SITE_LANG, the widget)


def N_(message: str) -> str:
    """Mark `message` as a msgid for extraction; `translate` shows it."""
    return message


def lang_of(lang: str) -> str:
    """The catalog for a language tag: English for English, Vietnamese for the rest."""
    return "en" if lang.split("-")[0].lower() == "en" else "vi"


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def translations(lang: str) -> GNUTranslations:
    """The catalog of `lang` (see `lang_of`), compiled once per process."""
    return _compiled(lang_of(lang))


@cache
def _compiled(lang: str) -> GNUTranslations:
    with po_path(lang).open("rb") as source:
        catalog = read_po(source, domain=DOMAIN)  # its plural forms: the .po's header
    compiled = BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries left out, as gettext does
    compiled.seek(0)
    return GNUTranslations(compiled)


def translate(lang: str, message: str, context: str | None = None) -> str:
    """`message` (a msgid) in `lang`."""
    found = translations(lang)
    return found.pgettext(context, message) if context else found.gettext(message)


@dataclass(frozen=True)
class Message:
    """A msgid with its values, translated where it is shown (an error page's line)."""

    msgid: str
    values: dict[str, object] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        found = translate(lang, self.msgid)
        return found % self.values if self.values else found

    def __str__(self) -> str:  # logs and exception messages: the English
        return self.text("en")
