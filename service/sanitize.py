"""The one place article HTML is cleaned (nh3, an allowlist).

Allowed: text structure (p, h2–h6, lists, blockquote, pre/code, tables),
inline emphasis, links (http, https, mailto, relative; rel="noopener
noreferrer" added), images (http, https, relative), figure/figcaption
and time. Dropped: script, style, iframe, object, embed, form and input, base,
svg/math, every event handler and every `style` attribute. `h1` is demoted to
`h2` so a page keeps one `h1`.
"""

from __future__ import annotations

import re

import nh3

TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6",
    "ul", "ol", "li", "dl", "dt", "dd", "blockquote", "pre", "code",
    "a", "em", "strong", "b", "i", "u", "s", "small", "sub", "sup", "mark", "abbr", "q", "cite",
    "span", "figure", "figcaption", "img", "time",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "abbr": {"title"},
    "time": {"datetime"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
    "*": {"lang"},
}
URL_SCHEMES = {"http", "https", "mailto"}
_H1 = re.compile(r"<(/?)h1(\s|>)", re.IGNORECASE)


def sanitize_html(html: str) -> str:
    html = _H1.sub(r"<\1h2\2", html)
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()
