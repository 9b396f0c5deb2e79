"""Article + variant -> HTML. Jinja2 with autoescape; nothing here sees the request.

Every URL in a page is relative and keeps the reader's variant, and no value
from the Host header or any other request header reaches a rendered page, so a
cached page is the same for every reader of that variant.

An article page is assembled, not rendered per variant: the article's own
blocks (title, main) are rendered once per revision (`article_parts`), the
layout around them (the chrome, in the site's language) once per variant with
markers where the article's values go (`_shell`), and a variant's page joins the
two and points the article's local links at the variant (`article_page`). The
result is the page `page("article.html", …)` renders, UTF-8 encoded
(tests/test_render.py checks every variant).
"""

from __future__ import annotations

import hashlib
import html
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from gettext import GNUTranslations
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import jinja2
from markupsafe import Markup, escape

from .articles import Article
from .i18n import LANGS, po_path, translations
from .identity import Identity
from .preferences import (
    CHOICE_LABELS,
    CHOICE_NAMES,
    CHOICE_STATES,
    DEFAULT,
    DEFAULT_SIZE,
    FONTS,
    MEASURES,
    SIZES,
    VARIANT_PARAMS,
    Preference,
    build_url,
)
from .themes import Theme

TEMPLATES = Path(__file__).resolve().parent / "templates"
ARTICLE = "article.html"
# Where an article's values go in a layout rendered once per variant. Lower-case letters
# and digits only, like a slug: escaping and URL-encoding leave them as they are.
SLUG_MARK, TITLE_MARK, MAIN_MARK = (
    f"x0legible0{name}0mark0x" for name in ("slug", "title", "main")
)
_MARKS = re.compile(f"({SLUG_MARK}|{TITLE_MARK}|{MAIN_MARK})")
# Layouts kept (about 4-5 KB each): 540 variants, with room.
# More variants than this only cost a layout render for the least recent ones.
SHELLS = 2048


def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _isodmy(value: str) -> str:
    return _dmy(date.fromisoformat(value))


_LOCAL_HREF = re.compile(r'href="(/(?!/)[^"]*)"')


@dataclass(frozen=True, slots=True)
class Link:
    """A local link in an article, parsed once: where it points in each variant."""

    raw: str  # the href as written: the bare variant keeps it
    path: str
    query: str  # its own parameters, the variant's left out, URL-encoded
    fragment: str  # "#…" or ""

    @classmethod
    def of(cls, raw: str) -> Link:
        parts = urlsplit(html.unescape(raw))
        kept = [(k, v) for k, v in parse_qsl(parts.query) if k not in VARIANT_PARAMS]
        return cls(raw, parts.path, urlencode(kept), f"#{parts.fragment}" if parts.fragment else "")

    def href(self, pref: Preference) -> str:
        """`href="…"` for `pref`: `build_url(path, own parameters, pref)` and the fragment."""
        if pref.is_bare:
            return f'href="{self.raw}"'
        query = "&".join(q for q in (self.query, _variant_query(pref)) if q)
        return f'href="{html.escape(self.path + (f"?{query}" if query else "") + self.fragment)}"'


@lru_cache(maxsize=1024)
def _variant_query(pref: Preference) -> str:
    return urlencode(pref.params())


def split_links(text: str) -> list[str | Link]:
    """`text` cut at its local links: text, Link, text, …, text."""
    return [Link.of(p) if i % 2 else p for i, p in enumerate(_LOCAL_HREF.split(text))]


def keep_variant(body_html: str, pref: Preference) -> str:
    """Point the article's own local links at the reader's variant, as the
    template's links already are (the page is cached per variant anyway)."""
    if pref.is_bare:
        return body_html
    return "".join(p if isinstance(p, str) else p.href(pref) for p in split_links(body_html))


def tag_path(tag: str) -> str:
    """A tag page's path: every character but unreserved ones percent-encoded."""
    return "/tags/" + quote(tag, safe="")


def template_hash() -> str:
    """Changes with any template or translation (the catalogs' words are the pages')."""
    digest = hashlib.sha256()
    for lang in LANGS:
        digest.update(lang.encode() + b"\0" + po_path(lang).read_bytes())
    for path in sorted(TEMPLATES.glob("*.html")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def gettext_functions(catalog: GNUTranslations) -> dict[str, Callable[..., str]]:
    """`_`, `gettext`, `ngettext` and `pgettext` for the templates, as jinja2.ext.i18n's
    newstyle ones behave (values by name, escaped; `%%` is a percent sign), but plain
    functions, not context calls: 5 us a string instead of 20 (a page has about 30).
    The translation is escaped too: a catalog holds text, never markup."""

    @cache
    def plain(message: str, context: str | None = None) -> Markup:
        found = catalog.pgettext(context, message) if context else catalog.gettext(message)
        return escape(found) % {}

    def gettext(message: str, /, **values: Any) -> str:
        return escape(catalog.gettext(message)) % values if values else plain(message)

    def pgettext(context: str, message: str, /, **values: Any) -> str:
        if values:
            return escape(catalog.pgettext(context, message)) % values
        return plain(message, context)

    def ngettext(singular: str, plural: str, num: int, /, **values: Any) -> str:
        return escape(catalog.ngettext(singular, plural, num)) % {"num": num, **values}

    return {"_": gettext, "gettext": gettext, "pgettext": pgettext, "ngettext": ngettext}


@dataclass(frozen=True, slots=True)
class ArticleParts:
    """An article's own blocks, rendered once per revision and shared by every variant."""

    slug: str
    revision: int
    lang: str
    title: bytes  # the title block, escaped, UTF-8
    main: tuple[bytes | Link, ...]  # the main block, UTF-8, cut at its local links


class Renderer:
    def __init__(self, themes: dict[str, Theme], css_url: str, identity: Identity) -> None:
        self.themes = themes
        self.css_url = css_url
        self.identity = identity  # the site's name, language, logo, footer
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=False,
            auto_reload=False,
            extensions=["jinja2.ext.i18n"],
        )
        # The chrome speaks the site's language, whatever an article's (service/i18n.py).
        catalog = translations(identity.lang)
        self.env.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
        self.env.globals.update(gettext_functions(catalog))
        self.env.filters["dmy"] = _dmy
        self.env.filters["isodmy"] = _isodmy
        self.env.filters["keep_variant"] = keep_variant
        self.env.globals["tag_path"] = tag_path
        self._shells: dict[Preference, list[bytes | str]] = {}
        self._lock = threading.Lock()  # builds run on several threads

    def page(
        self,
        template: str,
        *,
        pref: Preference,
        here: str = "/",
        **context: Any,
    ) -> str:
        """Render `template` for one variant. `here` is the page's own path and
        query without variant parameters: the controls send the reader back to it."""
        return self.env.get_template(template).render(self._values(template, pref, here, context))

    def _values(
        self, template: str, pref: Preference, here: str, context: dict[str, Any]
    ) -> dict[str, Any]:
        def url(path: str, **params: str) -> str:
            return build_url(path, [(k, v) for k, v in params.items() if v], pref)

        return {
            "pref": pref,
            "themes": self.themes,
            "sizes": SIZES,
            "default_size": DEFAULT_SIZE,
            "measures": MEASURES,
            "fonts": FONTS,
            "variant_fields": list(zip(VARIANT_PARAMS, pref.fields(), strict=True)),
            "lang": self.identity.lang,  # the chrome's: <html lang>
            "choice_names": CHOICE_NAMES,
            "choice_labels": CHOICE_LABELS,
            "choice_states": CHOICE_STATES,
            "css_url": self.css_url,
            "site": self.identity,
            "url": url,
            "here": here,
            "page": context.pop("page", template.removesuffix(".html")),
            "query": context.pop("query", None),
            **context,
        }

    # -- article pages, assembled ---------------------------------------------------------------
    def article_parts(self, article: Article) -> ArticleParts:
        """The article's title and main blocks, the same for every variant (slow: once
        per revision, off the event loop)."""
        template = self.env.get_template(ARTICLE)
        here = f"/articles/{article.slug}"
        context = template.new_context(self._values(ARTICLE, DEFAULT, here, {"article": article}))
        title, main = ("".join(template.blocks[name](context)) for name in ("title", "main"))
        pieces = tuple(p.encode() if isinstance(p, str) else p for p in split_links(main))
        return ArticleParts(article.slug, article.revision, article.lang, title.encode(), pieces)

    def article_page(self, parts: ArticleParts, pref: Preference) -> bytes:
        """The article's page in `pref`: what `page("article.html", …)` renders, encoded."""
        out: list[bytes] = []
        for piece in self._shell(pref):
            if isinstance(piece, bytes):
                out.append(piece)
            elif piece == MAIN_MARK:
                out += [p if isinstance(p, bytes) else p.href(pref).encode() for p in parts.main]
            else:
                out.append(parts.title if piece == TITLE_MARK else parts.slug.encode())
        return b"".join(out)

    def warm(self, prefs: Iterable[Preference]) -> None:
        """Compile the templates and render the article layout for `prefs` now, so the
        first misses after a start (a deploy) do not pay for it."""
        for pref in prefs:
            self._shell(pref)

    def _shell(self, pref: Preference) -> list[bytes | str]:
        """The article layout in one variant, UTF-8, cut at the marks (str)."""
        found = self._shells.get(pref)
        if found is None:
            # The article template with its own blocks replaced by marks.
            shell = self.env.from_string(
                f'{{% extends "{ARTICLE}" %}}{{% block title %}}{TITLE_MARK}{{% endblock %}}'
                f"{{% block main %}}{MAIN_MARK}{{% endblock %}}"
            )
            values = self._values(ARTICLE, pref, f"/articles/{SLUG_MARK}", {})
            pieces = _MARKS.split(shell.render(values))
            found = [p if i % 2 else p.encode() for i, p in enumerate(pieces)]
            with self._lock:
                if len(self._shells) >= SHELLS:  # the oldest goes, not all of them
                    self._shells.pop(next(iter(self._shells)))
                self._shells[pref] = found
        return found


def page_links(path: str, params: Sequence[tuple[str, str]], pref: Preference) -> Any:
    """`page_url(n)` for pagination, keeping the other parameters and the variant."""

    def page_url(n: int) -> str:
        extra = [("page", str(n))] if n > 1 else []
        return build_url(path, [*params, *extra], pref)

    return page_url
