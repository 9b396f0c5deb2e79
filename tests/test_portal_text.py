"""The portal plain-text importer, on tests/fixtures/portal-article.txt and small synthetic
inputs (the real seed export is checked in test_seed.py)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from service.errors import ImportFailed
from service.portal_text import parse_portal_text
from tests.support import portal_article as portal


@pytest.fixture(scope="module")
def parsed(portal_path: Path) -> dict[str, object]:
    return parse_portal_text(portal_path.read_text(encoding="utf-8"))


def _body(article: dict[str, object]) -> str:
    body = article["body_html"]
    assert isinstance(body, str)
    return body


def _paragraphs(body: str) -> list[str]:
    return [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", body, re.S)]


def _captions(body: str) -> list[str]:
    found = re.findall(r"<figure><figcaption>(.*?)</figcaption></figure>", body, re.S)
    return [html.unescape(c) for c in found]


def test_title_date_and_byline(parsed: dict[str, object]) -> None:
    assert parsed["title"] == portal.TITLE
    assert parsed["published"] == portal.PUBLISHED
    assert parsed["byline"] == portal.BYLINE


def test_paragraphs_each_in_their_own_p(parsed: dict[str, object]) -> None:
    body = _body(parsed)
    paragraphs = _paragraphs(body)
    assert paragraphs == portal.PARAGRAPHS
    assert body.count("<p>") == len(portal.PARAGRAPHS)
    for full in portal.PARAGRAPHS:
        assert f"<p>{html.escape(full)}</p>" in body
    assert not any("  " in p or "\xa0" in p for p in paragraphs)


def test_captions_exactly(parsed: dict[str, object]) -> None:
    body = _body(parsed)
    assert _captions(body) == portal.CAPTIONS
    assert body.count("<figcaption>") == len(portal.CAPTIONS)
    assert portal.TITLE not in _captions(body)
    # Each block in reading order: the caption right below the first paragraph stays there.
    blocks = re.findall(r"<p>|<figure>", body)
    assert blocks[:4] == ["<p>", "<figure>", "<p>", "<figure>"]


def test_no_chrome_and_byline_not_in_body(parsed: dict[str, object]) -> None:
    body = _body(parsed)
    title = parsed["title"]
    assert isinstance(title, str)
    for chrome in portal.CHROME:
        assert chrome not in body
        assert chrome not in title
    assert portal.BYLINE not in body
    assert portal.DATE_LINE not in body


def test_summary_is_first_paragraph_within_200_chars(parsed: dict[str, object]) -> None:
    summary = parsed["summary"]
    assert isinstance(summary, str)
    assert 0 < len(summary) <= 200
    assert portal.PARAGRAPHS[0].startswith(summary.removesuffix("…"))


def _synthetic(*body: str, date_line: str = "21/09/2023") -> str:
    header = [
        "CỔNG THÔNG TIN ĐIỆN TỬ",
        "",
        "Tiêu đề bài viết",
        "",
        date_line,
        "Cỡ chữ:  Tương phản",
    ]
    return "\n".join([*header, *body, "", "AB - CD", "Tìm kiếm"])


def test_missing_date_line_names_the_format() -> None:
    text = _synthetic("Một đoạn văn.").replace("21/09/2023\n", "")
    with pytest.raises(ImportFailed, match="dd/mm/yyyy"):
        parse_portal_text(text)


def test_impossible_date_is_rejected() -> None:
    with pytest.raises(ImportFailed, match="30/02/2023"):
        parse_portal_text(_synthetic("Một đoạn văn.", date_line="30/02/2023"))


def test_missing_title_and_missing_body_are_rejected() -> None:
    with pytest.raises(ImportFailed, match="title"):
        parse_portal_text("CỔNG THÔNG TIN ĐIỆN TỬ\n\n21/09/2023\nMột đoạn văn.\n")
    with pytest.raises(ImportFailed, match="paragraph"):
        parse_portal_text("Tiêu đề\n21/09/2023\nCỡ chữ: Tương phản\nTìm kiếm\n")


def test_html_in_text_is_escaped() -> None:
    article = parse_portal_text(_synthetic("Xin chào <script>alert(1)</script> & tạm biệt."))
    body = _body(article)
    assert "<script>" not in body
    assert "<p>Xin chào &lt;script&gt;alert(1)&lt;/script&gt; &amp; tạm biệt.</p>" in body


def test_caption_split_over_two_lines_joins() -> None:
    text = _synthetic(
        "Đoạn mở đầu.",
        "",
        "Đồng chí Nguyễn Văn A, Giám đốc",
        "\u00a0 phát biểu  tại Hội nghị",
        "",
        "Đoạn kết thúc.",
    )
    article = parse_portal_text(text)
    body = _body(article)
    assert _captions(body) == ["Đồng chí Nguyễn Văn A, Giám đốc phát biểu tại Hội nghị"]
    assert _paragraphs(body) == ["Đoạn mở đầu.", "Đoạn kết thúc."]
    assert article["byline"] == "AB - CD"


def test_long_first_paragraph_summary_cut_at_word_boundary() -> None:
    paragraph = " ".join(["chữ"] * 80) + "."
    summary = parse_portal_text(_synthetic(paragraph))["summary"]
    assert isinstance(summary, str)
    assert len(summary) <= 200
    assert summary.endswith("chữ…")
    assert paragraph.startswith(summary.removesuffix("…"))
