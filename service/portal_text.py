"""Parse the plain-text export of a Vietnamese government news portal into an article.

The export (see /work/shared/seeds/000_*.txt) is the page's visible text, top to bottom:

    CỔNG THÔNG TIN ĐIỆN TỬ                      portal chrome (dropped, see CHROME)
    VIỆN KIỂM SÁT NHÂN DÂN TỐI CAO              upper-case lines before the title: chrome
    The Supreme People’s Procuracy of Viet Nam  chrome
    VKSND tối cao tổ chức Hội nghị …            title: first non-chrome line before the date
    21/09/2023                                  first line that is only dd/mm/yyyy: published
    Cỡ chữ:   Tương phản                        chrome (text-size / contrast toolbar)
    Ngày 21/9/2023, VKSND tối cao …             paragraph: ends in final punctuation or is long
    Đồng chí …, Viện trưởng VKSND tối cao …     photo caption: short, no final punctuation;
     phát biểu tại Hội nghị                       adjacent caption lines join into one caption
    …
    HQ - TL                                     byline: last short line after the last paragraph
    Tìm kiếm                                    chrome

Blocks are usually separated by blank lines, but not always (the first paragraph follows the
toolbar line directly, a caption follows a paragraph directly), so each line is classified on
its own. Text is NFC-normalised, whitespace (including no-break spaces) is collapsed, and all
text is HTML-escaped before it is wrapped in ``<p>`` or ``<figure><figcaption>``. ``title``,
``byline`` and ``summary`` are plain text.
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import date

from .errors import ImportFailed

__all__ = ["CHROME", "parse_portal_text"]


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(unicodedata.normalize("NFC", text))


# Portal chrome: each pattern must match a whole line after whitespace is collapsed to single
# spaces and the line is case-folded. Chrome lines are dropped wherever they occur.
CHROME: tuple[re.Pattern[str], ...] = (
    _pattern(r"cổng thông tin điện tử"),  # portal banner
    _pattern(r"viện kiểm sát nhân dân tối cao"),  # procuracy name
    _pattern(r"the supreme people[’']s procuracy of viet ?nam"),  # procuracy name, English
    _pattern(r"cỡ chữ ?:?( ?tương phản)?|tương phản"),  # text-size / contrast toolbar
    _pattern(r"tìm kiếm"),  # search box
)

# A line ending in one of these is a sentence, so a paragraph rather than a caption or byline.
FINAL_PUNCTUATION = '.!?…:;”"»'
MAX_CAPTION = 160  # longer lines are paragraphs even without final punctuation
MAX_BYLINE = 40
MAX_SUMMARY = 200

_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
_SPACE = re.compile(r"\s+")
_INVISIBLE = re.compile("[\u200b\ufeff]")


def parse_portal_text(text: str) -> dict[str, object]:
    """Return ``{"title", "published", "body_html", "byline", "summary"}`` for a portal export.

    Raises ImportFailed when the text has no title, no dd/mm/yyyy date line (or an impossible
    date), or no body paragraph.
    """
    lines = [_clean(line) for line in unicodedata.normalize("NFC", text).splitlines()]
    date_at = next((i for i, line in enumerate(lines) if _DATE.fullmatch(line)), None)
    if date_at is None:
        raise ImportFailed(
            "no publication date found: the portal text needs a line containing only the "
            "date as dd/mm/yyyy (for example 21/09/2023) below the title"
        )
    published = _iso_date(lines[date_at])

    title_at = next(
        (
            i
            for i in range(date_at)
            if lines[i] and not _is_chrome(lines[i]) and not lines[i].isupper()
        ),
        None,
    )
    if title_at is None:
        raise ImportFailed(
            "no title found: the portal text needs the article title on its own line above "
            f"the date line {lines[date_at]!r}"
        )

    # Everything after the title except the date line is body; chrome separates blocks.
    body = [
        "" if _is_chrome(line) else line
        for i, line in enumerate(lines[title_at + 1 :], start=title_at + 1)
        if i != date_at
    ]
    byline = _take_byline(body)
    paragraphs, blocks = _blocks(body)
    if not paragraphs:
        raise ImportFailed(
            "no body paragraph found: the portal text needs at least one paragraph of article "
            "text (ending in . ! ? or longer than a caption) after the date line"
        )
    return {
        "title": lines[title_at],
        "published": published,
        "body_html": "\n".join(blocks),
        "byline": byline,
        "summary": _summary(paragraphs[0]),
    }


def _clean(line: str) -> str:
    return _SPACE.sub(" ", _INVISIBLE.sub("", line)).strip()


def _is_chrome(line: str) -> bool:
    folded = line.casefold()
    return any(pattern.fullmatch(folded) for pattern in CHROME)


def _is_sentence(line: str) -> bool:
    return line.endswith(tuple(FINAL_PUNCTUATION))


def _is_caption_line(line: str) -> bool:
    return len(line) <= MAX_CAPTION and not _is_sentence(line)


def _iso_date(line: str) -> str:
    match = _DATE.fullmatch(line)
    assert match is not None
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        raise ImportFailed(
            f"impossible publication date {line!r}: expected a real date as dd/mm/yyyy"
        ) from None


def _take_byline(body: list[str]) -> str:
    """Remove and return the byline: the last line if short, unpunctuated, after a paragraph.

    A short last line directly below a caption line (no blank between) is the rest of that
    caption, not a byline.
    """
    filled = [i for i, line in enumerate(body) if line]
    if len(filled) < 2:
        return ""
    last, before = filled[-1], filled[-2]
    line = body[last]
    if len(line) > MAX_BYLINE or _is_sentence(line):
        return ""
    if before == last - 1 and _is_caption_line(body[before]):
        return ""
    if not any(not _is_caption_line(body[i]) for i in filled[:-1]):
        return ""
    body[last] = ""
    return line


def _blocks(body: list[str]) -> tuple[list[str], list[str]]:
    """Group body lines into paragraphs and captions; return (paragraph texts, HTML blocks).

    Adjacent caption lines form one caption. A paragraph line that does not end in final
    punctuation (a hard wrap) continues with the next line of its block.
    """
    paragraphs: list[str] = []
    blocks: list[str] = []
    kind = ""  # "p", "caption" or "" (nothing open)
    parts: list[str] = []

    def close() -> None:
        nonlocal kind
        if parts:
            joined = " ".join(parts)
            if kind == "p":
                paragraphs.append(joined)
                blocks.append(f"<p>{html.escape(joined)}</p>")
            else:
                blocks.append(f"<figure><figcaption>{html.escape(joined)}</figcaption></figure>")
        parts.clear()
        kind = ""

    for line in body:
        if not line:
            close()
            continue
        if kind == "p" and not _is_sentence(parts[-1]):
            parts.append(line)  # hard-wrapped paragraph continues
            continue
        line_kind = "caption" if _is_caption_line(line) else "p"
        if kind != line_kind or kind == "p":
            close()
            kind = line_kind
        parts.append(line)
    close()
    return paragraphs, blocks


def _summary(paragraph: str) -> str:
    """The paragraph cut at a word boundary to at most MAX_SUMMARY characters (with "…")."""
    if len(paragraph) <= MAX_SUMMARY:
        return paragraph
    cut = paragraph[: MAX_SUMMARY - 1]
    if paragraph[MAX_SUMMARY - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—") + "…"
