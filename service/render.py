"""Article + variant -> HTML. Jinja2 with autoescape; nothing here sees the request.

Every URL in a page is relative and keeps the reader's variant, and no value
from the Host header or any other request header reaches a rendered page, so a
cached page is the same for every reader of that variant.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jinja2

from .i18n import strings
from .preferences import (
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


def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _isodmy(value: str) -> str:
    return _dmy(date.fromisoformat(value))


_LOCAL_HREF = re.compile(r'href="(/(?!/)[^"]*)"')


def keep_variant(body_html: str, pref: Preference) -> str:
    """Point the article's own local links at the reader's variant, as the
    template's links already are (the page is cached per variant anyway)."""
    if pref.is_bare:
        return body_html

    def swap(match: re.Match[str]) -> str:
        parts = urlsplit(html.unescape(match.group(1)))
        kept = [(k, v) for k, v in parse_qsl(parts.query) if k not in VARIANT_PARAMS]
        url = build_url(parts.path, kept, pref) + (f"#{parts.fragment}" if parts.fragment else "")
        return f'href="{html.escape(url)}"'

    return _LOCAL_HREF.sub(swap, body_html)


def template_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(TEMPLATES.glob("*.html")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


class Renderer:
    def __init__(self, themes: dict[str, Theme], css_url: str) -> None:
        self.themes = themes
        self.css_url = css_url
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=False,
            auto_reload=False,
        )
        self.env.filters["dmy"] = _dmy
        self.env.filters["isodmy"] = _isodmy
        self.env.filters["keep_variant"] = keep_variant

    def page(
        self,
        template: str,
        *,
        pref: Preference,
        here: str = "/",
        lang: str = "vi",
        **context: Any,
    ) -> str:
        """Render `template` for one variant. `here` is the page's own path and
        query without variant parameters: the controls send the reader back to it."""

        def url(path: str, **params: str) -> str:
            return build_url(path, [(k, v) for k, v in params.items() if v], pref)

        return self.env.get_template(template).render(
            pref=pref,
            themes=self.themes,
            sizes=SIZES,
            default_size=DEFAULT_SIZE,
            measures=MEASURES,
            fonts=FONTS,
            variant_fields=list(zip(VARIANT_PARAMS, pref.fields(), strict=True)),
            lang=lang,
            t=strings(lang),
            css_url=self.css_url,
            url=url,
            here=here,
            page=context.pop("page", template.removesuffix(".html")),
            query=context.pop("query", None),
            **context,
        )


def page_links(path: str, params: Sequence[tuple[str, str]], pref: Preference) -> Any:
    """`page_url(n)` for pagination, keeping the other parameters and the variant."""

    def page_url(n: int) -> str:
        extra = [("page", str(n))] if n > 1 else []
        return build_url(path, [*params, *extra], pref)

    return page_url
