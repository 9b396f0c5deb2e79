"""Around trafilatura, in a page's tree: the photos, their alt text and captions,
and the article's frame (extract.py's docstring says why each is needed).

`prepare` runs on the page before trafilatura, `figures` on its output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import lxml.html
from lxml import etree

MAX_CAPTION = 300  # characters: a photo table's text longer than this is not a caption
MIN_FRAME_TEXT = 200  # characters: less is a teaser or a widget, not the article's frame
_PORTAL_FRAME = re.compile(
    r"(?:news|detail|tin)[-_]?(?:content|body|detail)|content[-_]?(?:detail|news)"
    r"|noi[-_]?dung|chi[-_]?tiet",
    re.IGNORECASE,
)
PLACEHOLDER = "https://legible.invalid/"
_SPACE = re.compile(r"\s+")
_HEADINGS = ("h1", "h2", "h3")


@dataclass(frozen=True)
class Picture:
    src: str  # absolute URL
    alt: str  # "" = decorative
    caption: str


def clean_text(value: str | None) -> str:
    return _SPACE.sub(" ", value or "").strip()


def content(element: Any) -> str:
    return clean_text("".join(element.itertext()))


def _src(img: Any) -> str:
    """The image's real address: data-src when src is a placeholder (lazy loading),
    the first of srcset when there is no src at all."""
    src = (img.get("src") or "").strip()
    lazy = (img.get("data-src") or img.get("data-original") or "").strip()
    if lazy and (not src or src.startswith("data:")):
        return lazy
    if not src:
        candidates = (img.get("srcset") or "").strip().split(",")[0].split()
        return candidates[0] if candidates else ""
    return src


def drop_keep_tail(node: Any) -> None:
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


def _absolute_src(img: Any, url: str) -> str:
    """The image's absolute address, set as its src ("" for none or a data: URL)."""
    src = _src(img)
    src = urljoin(url, src) if src and "://" not in src else src
    if src.startswith("data:"):
        src = ""
    for name in [a for a in img.attrib if a.startswith("data-") or a == "srcset"]:
        del img.attrib[name]
    img.set("src", src)
    return src


def prepare(root: Any, url: str) -> tuple[dict[str, Picture], list[str]]:
    """Absolute URLs; images without alt out (their URLs listed); each kept image
    given a placeholder src, and its Picture noted under it.

    trafilatura keeps only an image whose address ends like an image file, and
    loses alt="": the placeholders (https://legible.invalid/N.jpg, RFC 6761) keep a
    portal's /image.ashx?id=3 photos, and `figures` puts back each one's own."""
    root.make_links_absolute(url, resolve_base_href=True, handle_failures="discard")
    for br in root.iter("br"):
        br.tail = " " + (br.tail or "")  # "tối cao<br>phát biểu": two words
    kept: dict[str, Picture] = {}
    missing: list[str] = []

    def keep(img: Any, src: str, caption: str) -> None:
        placeholder = f"{PLACEHOLDER}{len(kept)}.jpg"
        kept[placeholder] = Picture(src, img.get("alt", "").strip(), caption)
        img.set("src", placeholder)

    def leave_out(src: str, node: Any) -> None:
        if src and src not in missing:
            missing.append(src)
        drop_keep_tail(node)

    for figure in list(root.iter("figure")) + _photo_tables(root):
        images = figure.findall(".//img")
        if len(images) != 1 or figure.getparent() is None:
            continue
        img = images[0]
        src = _absolute_src(img, url)
        if not src or img.get("alt") is None:
            leave_out(src, figure)  # its caption describes the photo left out: out too
            continue
        caption_el = figure.find(".//figcaption")
        if figure.tag != "figure":
            caption = content(figure)
        else:
            caption = content(caption_el) if caption_el is not None else ""
        keep(img, src, caption)
        # trafilatura drops <figcaption> and photo tables' cells: the photo and its
        # caption go in as two paragraphs, put back together by figures().
        block = lxml.html.fromstring("<div><p></p><p></p></div>")
        block[0].append(img)
        img.tail = None
        block[1].text = caption
        block.tail = figure.tail
        figure.getparent().replace(figure, block)
    for img in list(root.iter("img")):
        if img.get("src", "").startswith(PLACEHOLDER):
            continue  # kept with its figure above
        src = _absolute_src(img, url)
        if not src or img.get("alt") is None:
            leave_out(src, img)
        else:
            keep(img, src, "")
    _mark_container(root)
    return kept, missing


def _mark_container(root: Any) -> None:
    """Name the article's frame for trafilatura when only a portal's class says it.

    trafilatura finds the frame by names English-language sites use (article-content,
    post-body, itemprop=articleBody…); without one it falls back to gathering
    loose paragraphs, and drops the headings and lists. Vietnamese portals call it
    news-content, detail-content, noi-dung, chi-tiet…: the first such element
    holding a paragraph's worth of text gets itemprop="articleBody", unless the
    page already marks its article.
    """
    if root.find(".//article") is not None or root.xpath("//*[@itemprop='articleBody']"):
        return
    for element in root.iter("div", "section", "td"):
        names = f"{element.get('class', '')} {element.get('id', '')}"
        if _PORTAL_FRAME.search(names) and len(content(element)) >= MIN_FRAME_TEXT:
            element.set("itemprop", "articleBody")
            return


def _photo_tables(root: Any) -> list[Any]:
    """Tables used as a photo frame: one photo, no header cell, a caption's worth of text."""
    found = []
    for table in root.iter("table"):
        if (
            len(table.findall(".//img")) == 1
            and table.find(".//th") is None
            and table.find(".//table") is None
            and len(content(table)) <= MAX_CAPTION
        ):
            found.append(table)
    return found


def figures(body: Any, kept: dict[str, Picture], title: str, captions: set[str]) -> list[Picture]:
    """trafilatura's <img> as <figure>s with their own alt and caption; the title's
    repeated heading removed."""
    for heading in body.iter(*_HEADINGS):
        if content(heading).casefold() == title.casefold():
            drop_keep_tail(heading)
        break
    for table in body.iter("table"):
        first = table.find("tr")
        cells = [] if first is None else [content(cell) for cell in first]
        # trafilatura turns a <caption> into a first row: one cell of text, the rest empty
        if cells and cells[0] in captions and not any(cells[1:]):
            table.remove(first)
            etree.SubElement(table, "caption").text = cells[0]
            table.insert(0, table[-1])
    pictures: list[Picture] = []
    for img in list(body.iter("img")):
        picture = kept.get(img.get("src", ""))
        if picture is None:  # not one the page gave (cannot happen; never keep it)
            drop_keep_tail(img)
            continue
        caption = picture.caption
        figure = etree.Element("figure")
        clean = etree.SubElement(figure, "img", src=picture.src, alt=picture.alt)
        clean.tail = None
        if caption:
            etree.SubElement(figure, "figcaption").text = caption
        holder = img.getparent()
        if holder is body:
            index = body.index(img)
            drop_keep_tail(img)
            body.insert(index, figure)
        else:
            drop_keep_tail(img)
            while holder.getparent() is not body:
                holder = holder.getparent()
            holder.addprevious(figure)
            if not content(holder) and not len(holder):
                body.remove(holder)
        after = figure.getnext()
        if caption and after is not None and content(after) == caption:
            body.remove(after)
        pictures.append(picture)
    return pictures
