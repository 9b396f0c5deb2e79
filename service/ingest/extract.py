"""A web page in, an article out: `extract(html, url, hints)`.

No networking here: the caller fetched the page (fetch.py) and fetches the images
this lists. The body is not sanitised here either; `validate()` does that, with
the one sanitiser (sanitize.py).

The text is trafilatura's (https://trafilatura.readthedocs.io); nothing here
decides what is article and what is boilerplate. Its options, chosen on purpose
and measured on the article-extraction benchmark (`python -m bench.extraction`,
tests/fixtures/extraction-benchmark/, numbers in docs/contributing/benchmarks.md):

- `favor_precision=False` (trafilatura's balance): on the benchmark sample
  precision mode gained little precision and lost more recall, and a sentence
  missing from an imported article is worse than a share button left in (the
  sanitiser drops scripts and forms; an editor can cut a stray line).
- `include_tables=True`: statistics tables are article content on the portals
  we import (a report of 401 appeals is a table), and the sanitiser keeps tables.
- `include_images=True`: photos with their captions are half of a news page.
- `include_links=True`, `include_formatting=True`: links and emphasis are
  content; the sanitiser keeps them and drops everything else.
- `include_comments=False`: readers' comments are not the article.

What is done around it, and only where trafilatura's output falls short:

- Before: every URL is made absolute against `url` (links, and each image's
  src, data-src when the src is a lazy-loading placeholder). An `<img>` with no
  alt attribute is taken out and listed in `without_alt` (Legible never invents
  alt text, and `validate()` refuses an image without it); `alt=""` stays and
  marks the image decorative. A `<figure>`'s caption, and the portals' older
  "photo table" (a table holding one photo and a line of caption), are noted,
  because trafilatura drops `<figcaption>` and loses `alt=""`.
- After: each kept image becomes `<figure><img src alt><figcaption>`, with its
  own alt (empty included) and caption; a heading repeating the title is removed
  (the page shows the title itself).
- Metadata: the feed's hints win for the date, title, author and summary (the
  operator's own feed says what the page is); else the page's, as trafilatura
  reads them (the date by htmldate). The language is `<html lang>`, then the
  hint, then the site's default.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from html import escape
from typing import Any

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.htmlprocessing import convert_to_html
from trafilatura.settings import Document
from trafilatura.utils import load_html

from ..errors import ExtractFailed
from .charset import decode_page

OPTIONS: dict[str, Any] = {
    "favor_precision": False,
    "include_tables": True,
    "include_images": True,
    "include_links": True,
    "include_formatting": True,
    "include_comments": False,
    "deduplicate": False,
}
MAX_CAPTION = 300  # characters: a photo table's text longer than this is not a caption
MAX_DEPTH = 400  # elements nested deeper than this are unwrapped (trafilatura recurses)
_LANG = re.compile(r"^([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]{1,8})*$")
_SPACE = re.compile(r"\s+")
_HEADINGS = ("h1", "h2", "h3")


@dataclass(frozen=True)
class Hints:
    """What a feed or sitemap already says about the page."""

    title: str | None = None
    published: str | None = None  # ISO 8601 date or datetime
    author: str | None = None
    lang: str | None = None
    summary: str | None = None


@dataclass(frozen=True)
class Picture:
    src: str  # absolute URL
    alt: str  # "" = decorative
    caption: str


@dataclass(frozen=True)
class Extracted:
    title: str
    published: str | None  # ISO 8601: the hint's, else the page's; None if neither
    byline: str  # "" if none
    lang: str
    body_html: str  # for Article.body_html: NOT sanitised here (validate() does that)
    images: tuple[Picture, ...]  # the images body_html shows, in order
    without_alt: tuple[str, ...]  # absolute URLs of images left out: no alt attribute
    summary: str = ""  # the hint's, else the page's description


def _text(value: str | None) -> str:
    return _SPACE.sub(" ", value or "").strip()


def _content(element: Any) -> str:
    return _text("".join(element.itertext()))


def _parse(html: str | bytes, charset: str | None) -> Any:
    text = decode_page(html, charset) if isinstance(html, bytes) else html
    text = text.replace("\x00", "")
    if not text.strip():
        raise ExtractFailed("the page is empty")
    root = load_html(text)  # trafilatura's own parsing: its heuristics are tuned to it
    if root is None:
        raise ExtractFailed("the page cannot be read as HTML")
    return root


def _flatten(root: Any) -> None:
    """Unwrap elements nested deeper than MAX_DEPTH (their text and children stay)."""
    deep = []
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH and isinstance(node.tag, str):
            deep.append(node)
        stack.extend((child, depth + 1) for child in node)
    for node in reversed(deep):  # innermost first
        if node.getparent() is not None:
            node.drop_tag()


def _src(img: Any) -> str:
    """The image's real address: data-src when src is a placeholder (lazy loading)."""
    src = (img.get("src") or "").strip()
    lazy = (img.get("data-src") or img.get("data-original") or "").strip()
    if lazy and (not src or src.startswith("data:")):
        return lazy
    return src


def _drop_keep_tail(node: Any) -> None:
    parent = node.getparent()
    if parent is None:
        return
    tail = node.tail or ""
    prev = node.getprevious()
    if prev is not None:
        prev.tail = (prev.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(node)


def _prepare(root: Any, url: str) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """Absolute URLs; images without alt out; each kept image's (alt, caption) by src."""
    root.make_links_absolute(url, resolve_base_href=True, handle_failures="discard")
    kept: dict[str, tuple[str, str]] = {}
    missing: list[str] = []
    for img in list(root.iter("img")):
        src = _src(img)
        if src:
            src = lxml.html.urljoin(url, src) if "://" not in src else src
        if not src or src.startswith("data:") or img.get("alt") is None:
            if src and not src.startswith("data:") and src not in missing:
                missing.append(src)
            _drop_keep_tail(img)
            continue
        for name in [a for a in img.attrib if a.startswith("data-") or a == "srcset"]:
            del img.attrib[name]
        img.set("src", src)
        kept.setdefault(src, (img.get("alt", "").strip(), ""))
    for figure in list(root.iter("figure")) + _photo_tables(root):
        images = figure.findall(".//img")
        if len(images) != 1:
            continue
        caption_el = figure.find(".//figcaption")
        if figure.tag == "figure":
            caption = _content(caption_el) if caption_el is not None else ""
        else:
            caption = _content(figure)
        src = images[0].get("src")
        kept[src] = (kept[src][0], caption)
        # trafilatura drops <figcaption> and photo tables' cells: the photo and its
        # caption go in as two paragraphs, put back together by _figures().
        block = lxml.html.fromstring("<div><p></p><p></p></div>")
        block[0].append(images[0])
        images[0].tail = None
        block[1].text = caption
        block.tail = figure.tail
        figure.getparent().replace(figure, block)
    return kept, missing


def _photo_tables(root: Any) -> list[Any]:
    """Tables used as a photo frame: one photo, no header cell, a caption's worth of text."""
    found = []
    for table in root.iter("table"):
        if (
            len(table.findall(".//img")) == 1
            and table.find(".//th") is None
            and table.find(".//table") is None
            and len(_content(table)) <= MAX_CAPTION
        ):
            found.append(table)
    return found


def _figures(body: Any, kept: dict[str, tuple[str, str]], title: str) -> list[Picture]:
    """trafilatura's <img> as <figure>s with their own alt and caption; the title's
    repeated heading removed."""
    for heading in body.iter(*_HEADINGS):
        if _content(heading).casefold() == title.casefold():
            _drop_keep_tail(heading)
        break
    pictures: list[Picture] = []
    for img in list(body.iter("img")):
        src = img.get("src", "")
        if src not in kept:  # not one the page gave (cannot happen; never keep it)
            _drop_keep_tail(img)
            continue
        alt, caption = kept[src]
        figure = etree.Element("figure")
        clean = etree.SubElement(figure, "img", src=src, alt=alt)
        clean.tail = None
        if caption:
            etree.SubElement(figure, "figcaption").text = caption
        holder = img.getparent()
        if holder is body:
            index = body.index(img)
            _drop_keep_tail(img)
            body.insert(index, figure)
        else:
            _drop_keep_tail(img)
            while holder.getparent() is not body:
                holder = holder.getparent()
            holder.addprevious(figure)
            if not _content(holder) and not len(holder):
                body.remove(holder)
        after = figure.getnext()
        if caption and after is not None and _content(after) == caption:
            body.remove(after)
        pictures.append(Picture(src, alt, caption))
    return pictures


def _lang(root: Any, hints: Hints, site_lang: str) -> str:
    for value in (root.get("lang"), root.get("xml:lang"), hints.lang):
        found = _LANG.match((value or "").strip())
        if found:
            return found[1].lower()
    return site_lang


def extract(
    html: str | bytes,
    url: str,
    hints: Hints = Hints(),
    site_lang: str = "vi",
    *,
    charset: str | None = None,
) -> Extracted:
    """The article in a page; ExtractFailed when the page holds no article text.

    `charset`: the one the server sent in Content-Type, for bytes (FetchResult.charset).
    """
    root = _parse(html, charset)
    _flatten(root)
    lang = _lang(root, hints, site_lang)
    kept, missing = _prepare(root, url)
    try:
        doc = trafilatura.bare_extraction(
            copy.deepcopy(root), url=url, with_metadata=True, output_format="html", **OPTIONS
        )
    except RecursionError as exc:
        raise ExtractFailed("the page is nested too deeply to be read") from exc
    if not isinstance(doc, Document) or doc.body is None or not _text("".join(doc.body.itertext())):
        raise ExtractFailed(
            "no article text found: the page may be a list, a login or a script-only page"
        )
    title = _text(hints.title) or _text(doc.title) or _text(root.findtext(".//title"))
    if not title:
        raise ExtractFailed("the page has no title (no <title>, no heading, none in the feed)")
    body = convert_to_html(doc.body)[0]
    pictures = _figures(body, kept, title)
    body_html = "".join(
        lxml.html.tostring(child, encoding="unicode", method="html") for child in body
    ).strip()
    if body.text and body.text.strip():
        body_html = f"<p>{escape(body.text.strip())}</p>{body_html}"
    if not _content(body):
        raise ExtractFailed("no article text found: the page holds only images or links")
    # Positional, in the order the fields are declared above.
    return Extracted(
        title,
        _text(hints.published) or doc.date or None,
        (_text(hints.author) or _text(doc.author))[:200],
        lang,
        body_html,
        tuple(pictures),
        tuple(missing),
        _text(hints.summary) or _text(doc.description),
    )
