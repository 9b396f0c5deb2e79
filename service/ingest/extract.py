"""A web page in, an article out: `extract(html, url, hints)`.

No networking here: the caller fetched the page (fetch.py) and fetches the images
this lists. The body is not sanitised here either; `validate()` does that, with
the one sanitiser (sanitize.py).

The text is trafilatura's (https://trafilatura.readthedocs.io); nothing here
decides what is article and what is boilerplate. Its options, chosen on purpose
and measured on the article-extraction benchmark (`python -m bench.extraction`,
tests/fixtures/extraction-benchmark/, numbers in docs/contributing/benchmarks.md):

- `favor_precision=True`. On the benchmark sample it scores F1 0.963
  (precision 0.959, recall 0.967) against 0.956 (0.940, 0.973) for
  trafilatura's balance: recall falls by 0.006, precision rises by 0.019. On the
  portal pages (tests/fixtures/portal-pages/) both keep every sentence, but the
  balance reads a page of nothing but menu links as an article (precision refuses
  it), and, on a portal whose frame is not recognised (below), it let the
  header's "CỔNG THÔNG TIN ĐIỆN TỬ" lines into every body.
- `include_tables=True`: statistics tables are article content on the portals
  we import, and the sanitiser keeps tables. Without them F1 is 0.952.
- `include_images=True`: photos with their captions are half of a news page.
  It costs 0.006 of F1 on the benchmark (0.969 without), whose reference text
  leaves captions out; a reader of Legible gets them.
- `include_links=True`, `include_formatting=True`: links and emphasis are
  content; the sanitiser keeps them and drops everything else.
- `include_comments=False`: readers' comments are not the article.

What is done around it, and only where trafilatura's output falls short:

- Parsing: trafilatura's parser options and repairs (lxml's defaults lost a
  third of the text of some benchmark pages), without libxml2's depth limit of
  256, past which it drops the rest of a page silently. Bytes are decoded first
  by charset.py (BOM, the server's charset, `<meta>`, else detection).
- Before (pictures.py): every URL is made absolute against `url` (links, and
  each image's src: data-src when src is a lazy-loading placeholder, srcset when
  there is no src). An `<img>` with no alt attribute is taken out and listed in
  `without_alt` (Legible never invents alt text, and `validate()` refuses an
  image without it), with its caption when it has one; `alt=""` stays and marks
  the image decorative. A `<figure>`'s caption, and the portals' "photo table"
  (a table holding one photo and a line of caption), are noted, because
  trafilatura drops `<figcaption>`, loses `alt=""` and keeps only images whose
  address ends in .jpg, .png…: each kept image goes through it under a
  placeholder address. The article's frame is named for trafilatura when only
  a Vietnamese portal's class says it (`_mark_container`): without it
  trafilatura falls back to loose paragraphs and drops the headings and lists.
- After: each kept image becomes `<figure><img src alt><figcaption>`, with its
  own alt (empty included) and caption; a table's `<caption>`, which trafilatura
  turns into a first row, is a caption again; a heading repeating the title is
  removed (the page shows the title itself).
- Metadata: the feed's hints win for the date, title, author and summary (the
  operator's own feed says what the page is); else the page's, as trafilatura
  reads them (the date by htmldate). The language is `<html lang>`, then the
  hint, then the site's default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from typing import Any

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.htmlprocessing import convert_to_html
from trafilatura.settings import Document
from trafilatura.utils import load_html, repair_faulty_html

from ..errors import ExtractFailed
from .charset import decode_page
from .pictures import Picture, clean_text, content, figures, prepare

__all__ = ["ExtractFailed", "Extracted", "Hints", "Picture", "extract"]

OPTIONS: dict[str, Any] = {
    "favor_precision": True,
    "include_tables": True,
    "include_images": True,
    "include_links": True,
    "include_formatting": True,
    "include_comments": False,
    "deduplicate": False,
}
PARSER_OPTIONS = {  # trafilatura's (utils.HTML_PARSER), and no depth limit of 256
    "collect_ids": False,
    "default_doctype": False,
    "encoding": "utf-8",
    "remove_comments": True,
    "remove_pis": True,
    "huge_tree": True,  # the body's size is capped by the fetcher (10 MB), its depth below
}
MAX_DEPTH = 400  # elements nested deeper than this are unwrapped (trafilatura recurses)
_LANG = re.compile(r"^([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]{1,8})*$")


@dataclass(frozen=True)
class Hints:
    """What a feed or sitemap already says about the page."""

    title: str | None = None
    published: str | None = None  # ISO 8601 date or datetime
    author: str | None = None
    lang: str | None = None
    summary: str | None = None


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


def _parse(html: str | bytes, charset: str | None) -> tuple[Any, bool]:
    """The page's tree, and whether libxml2 cut it (nested past 2,048 even so)."""
    text = decode_page(html, charset) if isinstance(html, bytes) else html
    text = text.replace("\x00", "")
    if not text.strip():
        raise ExtractFailed("the page is empty")
    # trafilatura's own parsing (its heuristics are tuned to it: lxml's defaults lost
    # text on benchmark pages), but without libxml2's depth limit of 256, past which
    # it silently drops the rest of the page; _flatten bounds the depth after.
    text = repair_faulty_html(text, text[:50].lower())
    parser = lxml.html.HTMLParser(**PARSER_OPTIONS)  # one per call: parsers keep state
    try:
        root = lxml.html.fromstring(text, parser=parser)
    except ValueError:  # a str with an XML encoding declaration: as UTF-8 bytes
        root = lxml.html.fromstring(text.encode("utf-8", "surrogatepass"), parser=parser)
    except etree.ParserError:
        root = None
    if root is None or load_html(root) is None:
        raise ExtractFailed("the page cannot be read as HTML")
    cut = any("Excessive depth" in error.message for error in parser.error_log)
    return root, cut


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


def _lang(root: Any, hints: Hints, site_lang: str) -> str:
    for value in (root.get("lang"), root.get("xml:lang"), hints.lang):
        found = _LANG.match((value or "").strip())
        if found:
            return found[1].lower()
    return site_lang


def extract(  # the sources importer: extract(r.body, r.final_url, hints, charset=r.charset)
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
    root, cut = _parse(html, charset)
    _flatten(root)
    lang = _lang(root, hints, site_lang)
    kept, missing = prepare(root, url)
    captions = {content(caption) for caption in root.iter("caption")}
    html_title = clean_text(root.findtext(".//title"))  # trafilatura consumes the tree
    try:
        doc = trafilatura.bare_extraction(
            root, url=url, with_metadata=True, output_format="html", **OPTIONS
        )
    except RecursionError as exc:
        raise ExtractFailed("the page is nested too deeply to be read") from exc
    if not isinstance(doc, Document) or doc.body is None or not content(doc.body):
        if cut:
            raise ExtractFailed("the page nests its elements over 2,048 deep: it cannot be read")
        raise ExtractFailed(
            "no article text found: the page may be a list, a login or a script-only page"
        )
    page_title = clean_text(doc.title) or html_title
    title = clean_text(hints.title) or page_title
    if not title:
        raise ExtractFailed("the page has no title (no <title>, no heading, none in the feed)")
    body = convert_to_html(doc.body)[0]
    pictures = figures(body, kept, title, captions)
    body_html = "".join(
        lxml.html.tostring(child, encoding="unicode", method="html") for child in body
    ).strip()
    if body.text and body.text.strip():
        body_html = f"<p>{escape(body.text.strip())}</p>{body_html}"
    if not content(body):
        raise ExtractFailed("no article text found: the page holds only images or links")
    # Positional, in the order the fields are declared above.
    return Extracted(
        title,
        clean_text(hints.published) or doc.date or None,
        (clean_text(hints.author) or clean_text(doc.author))[:200],
        lang,
        body_html,
        tuple(pictures),
        tuple(missing),
        clean_text(hints.summary) or clean_text(doc.description),
    )
