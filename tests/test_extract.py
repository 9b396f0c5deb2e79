"""`extract()`: a web page in, an article out (service/ingest/extract.py).

The portal pages in tests/fixtures/portal-pages/ are written in the seed portal's
markup (menus, text-size and contrast controls, search, share buttons, related
links, a cookie banner, the agency's footer); next to each, a JSON written
before the code says what its body must and must not hold."""

from __future__ import annotations

import html
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from service.articles import Article, validate
from service.errors import ExtractFailed
from service.ingest.extract import Extracted, Hints, extract

PORTAL = Path(__file__).parent / "fixtures" / "portal-pages"
NAMES = sorted(p.stem for p in PORTAL.glob("*.html"))


def stored(found: Extracted, **more: Any) -> Article:
    """The article as `legible import` stores it: through validate()."""
    return validate(
        {
            "title": found.title,
            "published": found.published or "2023-01-01",  # the feed's job when the page has none
            "lang": found.lang,
            "byline": found.byline,
            "body_html": found.body_html,
            **more,
        }
    )


def words(body_html: str) -> str:
    """The reader's text of a body: tags are spaces, runs of space one space."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]*>", " ", body_html))).strip()


def load(name: str) -> tuple[bytes, dict[str, Any]]:
    expected = json.loads((PORTAL / f"{name}.json").read_text(encoding="utf-8"))
    return (PORTAL / f"{name}.html").read_bytes(), expected


def test_every_portal_page_has_its_expectations() -> None:
    assert len(NAMES) >= 4
    assert all((PORTAL / f"{name}.json").exists() for name in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_portal_page_body_keeps_the_article_and_drops_the_chrome(name: str) -> None:
    page, expected = load(name)
    found = extract(page, expected["url"])
    article = stored(found)
    text = words(article.body_html)
    missing = [s for s in expected["must"] if words(s) not in text]
    assert missing == [], text
    kept = [s for s in expected["must_not"] if words(s) in text]
    assert kept == [], text
    assert article.title == expected["title"]
    assert article.published == expected["published"]
    assert article.lang == expected["lang"]


@pytest.mark.parametrize("name", NAMES)
def test_portal_page_images_keep_alt_and_caption(name: str) -> None:
    page, expected = load(name)
    found = extract(page, expected["url"])
    got = [{"src": p.src, "alt": p.alt, "caption": p.caption} for p in found.images]
    assert got == expected["images"]
    assert list(found.without_alt) == expected["without_alt"]
    body = stored(found).body_html
    for picture in expected["images"]:
        alt = html.escape(picture["alt"], quote=True)
        img = f'<img src="{picture["src"]}" alt="{alt}">'
        if picture["caption"]:
            assert f"<figure>{img}<figcaption>{picture['caption']}</figcaption></figure>" in body
        else:
            assert f"<figure>{img}</figure>" in body
    for src in expected["without_alt"]:
        assert src not in body  # left out, not given an invented alt


def test_portal_structure_survives() -> None:
    page, expected = load("hop-tac-quoc-te-lao")
    body = stored(extract(page, expected["url"])).body_html
    for heading in expected["headings"]:
        assert re.search(rf"<h[2-6]>{heading}</h[2-6]>", body), body
    assert re.search(r"<blockquote>\s*<p>" + expected["blockquote"], body), body

    page, expected = load("ket-qua-kiem-sat-9-thang")
    body = stored(extract(page, expected["url"])).body_html
    assert "<table>" in body and "<th>" in body
    cells = re.findall(r"<td>([^<]*)</td>", body)
    assert cells[:4] == expected["table_cells"]

    page, expected = load("tap-huan-nghiep-vu-kiem-sat-dien-tu")
    body = stored(extract(page, expected["url"])).body_html
    assert body.count("<li>") == expected["list_items"]


def test_lazy_srcset_and_handler_images_get_their_real_address() -> None:
    page = (
        '<html lang="vi"><head><title>Tin</title></head><body><article><h1>Tin</h1>'
        + ARTICLE * 2
        + '<p><img src="data:image/gif;base64,R0lGOD" data-src="/anh/lazy.jpg" alt="Ảnh một"></p>'
        + ARTICLE
        + '<p><img srcset="/anh/nho.jpg 480w, /anh/lon.jpg 960w" alt="Ảnh hai"></p>'
        + ARTICLE
        + "</article></body></html>"
    )
    page = page.replace("</article>", '<p><img src="/Image.ashx?id=31" alt="Ảnh ba"></p></article>')
    found = extract(page, "https://vks.example/tin/a")
    assert [p.src for p in found.images] == [
        "https://vks.example/anh/lazy.jpg",
        "https://vks.example/anh/nho.jpg",
        "https://vks.example/Image.ashx?id=31",  # a portal's photo handler: no .jpg
    ]
    assert "data:" not in found.body_html
    assert "legible.invalid" not in found.body_html


def test_links_and_images_are_made_absolute() -> None:
    page = (
        '<html lang="vi"><head><title>Tin</title></head><body><article><h1>Tin</h1>'
        + "<p>Một đoạn văn đủ dài để là nội dung bài viết, với "
        + '<a href="../van-ban/quyet-dinh.pdf">quyết định</a> đính kèm.</p>' * 3
        + '<p><img src="anh/a.jpg" alt="Ảnh"></p></article></body></html>'
    )
    found = extract(page, "https://vks.example/tin-tuc/2023/bai.html")
    assert 'href="https://vks.example/tin-tuc/van-ban/quyet-dinh.pdf"' in found.body_html
    assert found.images[0].src == "https://vks.example/tin-tuc/2023/anh/a.jpg"
    assert 'src="anh/' not in found.body_html


def test_the_feed_wins_for_the_date_and_title() -> None:
    page, expected = load("giao-ban-quy-iv-2023")
    hints = Hints(title="Giao ban Quý IV", published="2023-09-22T08:00:00+07:00", author="HQ")
    found = extract(page, expected["url"], hints)
    assert (found.title, found.published, found.byline) == (
        "Giao ban Quý IV",
        "2023-09-22T08:00:00+07:00",
        "HQ",
    )
    stored(found)


# Hostile and odd pages


ARTICLE = (
    "<p>Viện kiểm sát nhân dân tối cao tổ chức hội nghị tổng kết công tác năm, "
    "đánh giá kết quả đạt được và đề ra nhiệm vụ trọng tâm cho năm tới.</p>"
)


@pytest.mark.parametrize("page", ["", b"", "   \n", "\x00\x00", b"\xff\xfe"])
def test_an_empty_page_fails_with_a_reason(page: str | bytes) -> None:
    with pytest.raises(ExtractFailed) as caught:
        extract(page, "https://vks.example/a")
    assert "empty" in str(caught.value) or "no article" in str(caught.value)


def test_a_page_with_no_article_fails_with_a_reason() -> None:
    menu = "".join(f'<li><a href="/muc-{i}">Mục {i}</a></li>' for i in range(40))
    page = (
        '<html lang="vi"><head><title>Trang chủ</title></head>'
        f"<body><nav><ul>{menu}</ul></nav></body></html>"
    )
    with pytest.raises(ExtractFailed, match="no article text"):
        extract(page, "https://vks.example/")


def nested(depth: int) -> str:
    return (
        '<html lang="vi"><head><title>Sâu</title></head><body>'
        + "<div>" * depth
        + ARTICLE * 4
        + "</div>" * depth
        + "</body></html>"
    )


def test_deep_nesting_is_read() -> None:
    """Past libxml2's usual limit of 256 levels, which would drop the article silently."""
    found = extract(nested(1500), "https://vks.example/sau")
    assert "Viện kiểm sát nhân dân tối cao" in stored(found).body_html


def test_absurd_nesting_is_refused_with_a_reason() -> None:
    with pytest.raises(ExtractFailed, match="deep"):
        extract(nested(100_000), "https://vks.example/sau")


def test_a_wrong_declared_charset_is_not_believed() -> None:
    """UTF-8 bytes that declare windows-1252: read as UTF-8, not as mojibake."""
    page = (
        '<html lang="vi"><head><meta charset="windows-1252"><title>Hội nghị</title></head>'
        f"<body><article><h1>Hội nghị</h1>{ARTICLE * 3}</article></body></html>"
    ).encode()
    found = extract(page, "https://vks.example/a")
    assert "Viện kiểm sát nhân dân tối cao" in found.body_html
    assert "Ã" not in found.body_html


def test_a_declared_charset_is_respected() -> None:
    """A windows-1258 page that says so is read in windows-1258 (and so is one that says
    nothing but the server's Content-Type)."""
    text = (
        '<html lang="vi"><head><meta http-equiv="Content-Type" content="text/html; '
        'charset=windows-1258"><title>Hội nghị</title></head>'
        f"<body><article><h1>Hội nghị</h1>{ARTICLE * 3}</article></body></html>"
    )
    data = b"".join(_cp1258(ch) for ch in text)
    found = extract(data, "https://vks.example/a")
    assert "Viện kiểm sát" in unicodedata_nfc(found.body_html)
    bare = data.replace(b"charset=windows-1258", b"")
    found = extract(bare, "https://vks.example/a", charset="windows-1258")
    assert "Viện kiểm sát" in unicodedata_nfc(found.body_html)


def _cp1258(ch: str) -> bytes:
    """One letter in windows-1258, which has "ê" but writes "ệ" as "ê" + a combining dot."""
    try:
        return ch.encode("cp1258")
    except UnicodeEncodeError:
        base, *marks = unicodedata.normalize("NFD", ch)
        for mark in marks:  # the letter with one of its marks, and the other as a combining one
            try:
                letter = unicodedata.normalize("NFC", base + mark).encode("cp1258")
            except UnicodeEncodeError:
                continue
            return letter + "".join(m for m in marks if m != mark).encode("cp1258")
        return (base + "".join(marks)).encode("cp1258")


def unicodedata_nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def test_an_undeclared_legacy_charset_is_detected() -> None:
    """A windows-1258 page that names no charset anywhere."""
    text = (
        '<html lang="vi"><head><title>Hội nghị</title></head>'
        f"<body><article><h1>Hội nghị</h1>{ARTICLE * 3}</article></body></html>"
    )
    found = extract(b"".join(_cp1258(ch) for ch in text), "https://vks.example/a")
    assert "Viện kiểm sát nhân dân tối cao" in unicodedata_nfc(found.body_html)


def test_an_unknown_declared_charset_falls_back_to_detection() -> None:
    page = (
        '<html lang="vi"><head><meta charset="x-no-such-charset"><title>Hội nghị</title></head>'
        f"<body><article><h1>Hội nghị</h1>{ARTICLE * 3}</article></body></html>"
    ).encode()
    assert "Viện kiểm sát" in extract(page, "https://vks.example/a").body_html


def test_an_english_page_on_a_vietnamese_site_is_english() -> None:
    page = (
        '<html lang="en-GB"><head><title>Annual conference</title></head><body><article>'
        "<h1>Annual conference</h1>"
        + "<p>The Supreme People's Procuracy held its annual conference to review the "
        "results of the year and set the priorities for the next one.</p>"
        * 3
        + "</article></body></html>"
    )
    found = extract(page, "https://vks.example/en/a", site_lang="vi")
    assert found.lang == "en"
    assert stored(found).lang == "en"


def test_language_falls_back_to_the_hint_then_the_site() -> None:
    page = (
        "<html><head><title>Hội nghị</title></head>"
        f"<body><article>{ARTICLE * 3}</article></body></html>"
    )
    assert extract(page, "https://vks.example/a", Hints(lang="vi-VN"), site_lang="en").lang == "vi"
    assert extract(page, "https://vks.example/a", site_lang="vi").lang == "vi"
