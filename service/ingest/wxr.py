"""A WordPress export file (WXR 1.0, 1.1, 1.2): its published posts as article dicts for
`articles.validate`, read as a stream (one <item> in memory at a time).

- Published posts only (pages too with `pages=True`). Everything else is counted in
  `WxrRead.skipped` under WordPress's own name: its status ("draft", "private",
  "pending", "future", "trash", …) or its type ("page", "attachment", "nav_menu_item",
  …), "password" for password-protected posts and "untitled" for posts with no title.
- Categories and tags both become tags (sections in Legible are tags); WordPress's
  placeholder category "Uncategorized" is dropped.
- The body is WordPress's: core shortcodes first (`[caption]` becomes a <figure> with
  its <figcaption>; `[gallery]`, `[playlist]`, `[audio]`, `[video]` and `[embed]` are
  removed, keeping what they enclose; other brackets stay text; `<!--more-->` and
  `<!--nextpage-->` are dropped: the article is the whole post), then its paragraphs and
  line breaks marked up by Legible's own `paragraphs()` (following the behaviour
  WordPress documents for its wpautop filter) unless the post is block-editor content,
  which is paragraphs already. Images
  still point at the old site.
- The XML is parsed with no DTD, no entities and no network: a DOCTYPE (where entity
  bombs and external entities live) is refused, and so is malformed or truncated XML,
  each with one ImportFailed line.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree

from ..errors import ImportFailed
from ..text import slugify
from .paragraphs import paragraphs

_WP = re.compile(r"^https?://wordpress\.org/export/1\.[012]/$")
_EXCERPT = re.compile(r"^https?://wordpress\.org/export/1\.[012]/excerpt/$")
_CONTENT = "http://purl.org/rss/1.0/modules/content/"
_DC = "http://purl.org/dc/elements/1.1/"
NO_DATE = "0000-00-00 00:00:00"
TITLE_LIMIT, SUMMARY_LIMIT = 500, 2000
TERMS = ("category", "post_tag", "tag")  # the taxonomies that become tags

# The summary's words for skipped.keys() (one, many); anything else is shown as its key.
LABELS = {
    "draft": ("draft", "drafts"),
    "page": ("page", "pages"),
    "attachment": ("attachment", "attachments"),
    "trash": ("trashed item", "trashed items"),
    "private": ("private post", "private posts"),
    "pending": ("post pending review", "posts pending review"),
    "future": ("scheduled post", "scheduled posts"),
    "auto-draft": ("auto-draft", "auto-drafts"),
    "inherit": ("revision", "revisions"),
    "password": ("password-protected post", "password-protected posts"),
    "untitled": ("untitled post", "untitled posts"),
    "nav_menu_item": ("menu item", "menu items"),
    "revision": ("revision", "revisions"),
    "wp_block": ("reusable block", "reusable blocks"),
}


@dataclass
class WxrRead:
    articles: Iterator[dict[str, Any]]
    skipped: Counter[str] = field(default_factory=Counter)  # filled as `articles` is read
    site: dict[str, str] = field(default_factory=dict)  # the channel's title, link, language


def skipped_text(skipped: Counter[str]) -> str:
    """`skipped 3 drafts, 2 pages` for the import summary ("" when nothing was)."""
    parts = [f"{n} {LABELS.get(key, (key, key))[n != 1]}" for key, n in skipped.most_common() if n]
    return "skipped " + ", ".join(parts) if parts else ""


def read_wxr(path: Path, pages: bool = False) -> WxrRead:
    """The channel is read now (the site, its authors); the posts as `articles` is read."""
    events = _events(path)
    site: dict[str, str] = {}
    authors: dict[str, str] = {}
    for event, elem in events:
        if event == "start":
            if elem.getparent() is None:
                _check_root(elem)
            elif _name(elem) == ("", "item"):
                break
            continue
        kind = _name(elem)
        parent = elem.getparent()
        if kind in (("", "title"), ("", "link"), ("", "language")) and _name(parent) == (
            "",
            "channel",
        ):
            site[kind[1]] = (elem.text or "").strip()
        elif kind == ("wp", "author"):
            login, name = (
                _text(elem, "wp", "author_login"),
                _text(elem, "wp", "author_display_name"),
            )
            if login:
                authors[login] = html.unescape(name) or login
            elem.clear()
        elif kind[0] == "wp" and _name(parent) == ("", "channel"):
            elem.clear()  # the site's terms and settings: not needed, and there may be many
    else:  # the document ended before any <item>: a channel with no posts
        return WxrRead(iter(()), Counter(), site)
    read = WxrRead(iter(()), Counter(), site)
    channel = _Channel(authors, _lang(site.get("language", "")), site.get("link", ""), pages)
    read.articles = _posts(events, read.skipped, channel)
    return read


def _events(path: Path) -> Iterator[tuple[str, Any]]:
    parser = None
    try:
        parser = etree.iterparse(
            str(path),
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        for event, elem in parser:
            if event == "start" and elem.getparent() is None:
                info = elem.getroottree().docinfo
                if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
                    raise ImportFailed(
                        "has a DOCTYPE (where entities are declared): refused;"
                        " WordPress exports have none"
                    )
            yield event, elem
    except etree.XMLSyntaxError as exc:
        # This parse's first error says more than the exception ("no element found").
        log = parser.error_log if parser is not None else []
        first = log[0] if len(log) else None
        line, msg = (first.line, first.message) if first else (exc.lineno, exc.msg)
        msg = " ".join(str(msg).split())  # libxml2 may end it with a line break
        if "amplification" in msg or "entity reference loop" in msg:
            raise ImportFailed(
                f"declares entities that expand without bound (line {line}: {msg}): refused;"
                " WordPress exports have none"
            ) from None
        raise ImportFailed(
            f"is not well-formed XML (line {line}: {msg}); is the export complete?"
        ) from None
    except OSError as exc:
        raise ImportFailed(f"cannot be read: {exc.strerror or exc}") from None


def _check_root(root: Any) -> None:
    namespaces = set(root.nsmap.values())
    if _name(root) != ("", "rss") or not any(_WP.match(ns or "") for ns in namespaces):
        raise ImportFailed(
            "is XML but not a WordPress export (WXR): expected <rss> with the"
            " wordpress.org/export namespace; export from WordPress with Tools > Export"
        )


def _name(elem: Any) -> tuple[str, str]:
    """(kind, local name) with kind "wp", "excerpt", "content", "dc" or "" (RSS)."""
    if elem is None or not isinstance(elem.tag, str):
        return ("?", "")
    q = etree.QName(elem)
    ns = q.namespace or ""
    if not ns:
        kind = ""
    elif _WP.match(ns):
        kind = "wp"
    elif _EXCERPT.match(ns):
        kind = "excerpt"
    else:
        kind = {_CONTENT: "content", _DC: "dc"}.get(ns, "?")
    return (kind, q.localname)


def _text(elem: Any, kind: str, local: str) -> str:
    for child in elem:
        if _name(child) == (kind, local):
            return (child.text or "").strip() if kind != "content" else child.text or ""
    return ""


@dataclass(frozen=True)
class _Channel:
    """What every post takes from the channel."""

    authors: dict[str, str]  # login -> display name
    lang: str
    link: str  # the site: relative links and images are resolved against it
    pages: bool


def _posts(
    events: Iterator[tuple[str, Any]], skipped: Counter[str], channel: _Channel
) -> Iterator[dict[str, Any]]:
    for event, elem in events:
        if event != "end" or _name(elem) != ("", "item"):
            continue
        post, reason = _post(elem, channel)
        # Done with this item: free it and what came before it, so memory stays flat.
        elem.clear()
        parent = elem.getparent()
        while parent is not None and elem.getprevious() is not None:
            del parent[0]
        if post is None:
            skipped[reason] += 1
        else:
            yield post


def _post(item: Any, channel: _Channel) -> tuple[dict[str, Any] | None, str]:
    post_type = _text(item, "wp", "post_type") or "post"
    status = _text(item, "wp", "status") or "publish"
    if post_type not in ("post", "page") or (post_type == "page" and not channel.pages):
        return None, post_type
    if status != "publish":
        return None, status
    if _text(item, "wp", "post_password"):
        return None, "password"
    title = _plain(_text(item, "", "title"))
    if not title:
        return None, "untitled"
    creator = _text(item, "dc", "creator")
    post: dict[str, Any] = {
        "title": _cut(title, TITLE_LIMIT),
        "published": _when(item),
        "slug": slugify(unquote(_text(item, "wp", "post_name"))) or slugify(title),
        "tags": _terms(item),
        "byline": channel.authors.get(creator, creator),
        "summary": _cut(_plain(_text(item, "excerpt", "encoded")), SUMMARY_LIMIT),
        "body_html": body_html(_text(item, "content", "encoded"), channel.link),
    }
    modified = _text(item, "wp", "post_modified_gmt")
    if modified and modified != NO_DATE:
        post["updated"] = modified.replace(" ", "T") + "+00:00"
    link = _text(item, "", "link")
    if urlsplit(link).scheme in ("http", "https"):
        post["source_url"] = link
    if channel.lang:
        post["lang"] = channel.lang
    return post, ""


def _when(item: Any) -> str:
    """post_date_gmt (UTC), else post_date (the site's local time), else <pubDate>."""
    gmt = _text(item, "wp", "post_date_gmt")
    if gmt and gmt != NO_DATE:
        return gmt.replace(" ", "T") + "+00:00"
    local = _text(item, "wp", "post_date")
    if local and local != NO_DATE:
        return local.replace(" ", "T")
    try:
        return parsedate_to_datetime(_text(item, "", "pubDate")).isoformat()
    except (TypeError, ValueError):
        return ""  # validate() says "published is required"


def _terms(item: Any) -> list[str]:
    tags = []
    for child in item:
        # WXR 1.0 calls tags "tag"; later versions "post_tag".
        if _name(child) == ("", "category") and child.get("domain") in TERMS:
            if child.get("domain") == "category" and child.get("nicename") == "uncategorized":
                continue
            name = _plain(child.text or "")
            if name:
                tags.append(name)
    return list(dict.fromkeys(tags))  # WXR 1.0 lists a tag twice


def _lang(value: str) -> str:
    """The channel's <language> (vi-VN, en-US) as the article's primary language tag."""
    primary = value.strip().split("-")[0].split("_")[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else ""


_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def _plain(value: str) -> str:
    """Text from WordPress's HTML-ish fields (titles, excerpts, term names)."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", value))).strip()


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


# -- the body -----------------------------------------------------------------------------
_CAPTION = re.compile(r"\[(wp_caption|caption)\b([^\]]*)\](.*?)\[/\1\]", re.S)
_CAPTION_ATTR = re.compile(r'\bcaption="([^"]*)"')
_IMAGE = re.compile(r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$", re.S)
_REMOVED = "gallery|playlist|audio|video|embed"
# The single post shows everything: its teaser break and page breaks are not content.
_MARKERS = re.compile(r"<!--(?:more|nextpage|noteaser)\b.*?-->", re.S)
_ENCLOSING = re.compile(r"\[(" + _REMOVED + r")\b[^\]]*\](.*?)\[/\1\]", re.S)
_SINGLE = re.compile(r"\[/?(?:" + _REMOVED + r")\b[^\]]*\]")


def _figure(match: re.Match[str]) -> str:
    attrs, inner = match.group(2), match.group(3)
    found = _IMAGE.match(inner)
    if not found:
        return inner
    caption = found.group(2).strip()
    if not caption:
        given = _CAPTION_ATTR.search(attrs)
        caption = html.unescape(given.group(1)) if given else ""
    captioned = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f"<figure>{found.group(1)}{captioned}</figure>"


_RELATIVE = re.compile(
    r"""(<(?:img|a)\b[^>]*?\b(?:src|href)=)(["'])(?![a-z][a-z0-9+.-]*:|//|#)([^"']*)\2""", re.I
)


def body_html(content: str, site: str = "") -> str:
    """content:encoded as WordPress shows it (see the module's docstring), its relative
    images and links made absolute against `site` (they still point at the old site)."""
    text = _MARKERS.sub("", content)
    text = _CAPTION.sub(_figure, text)
    if urlsplit(site).scheme in ("http", "https"):
        text = _RELATIVE.sub(lambda m: m[1] + m[2] + urljoin(site + "/", m[3]) + m[2], text)
    text = _ENCLOSING.sub(r"\2", text)
    text = _SINGLE.sub("", text)
    if "<!-- wp:" in text:  # block-editor content: already paragraphs
        return text
    return paragraphs(text)
