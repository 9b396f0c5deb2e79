"""The real portal export in ../shared/seeds, imported and served (CI-only when it is missing).

Everything else runs on tests/fixtures/portal-article.txt; these check that the parser still
reads the export it was written for. See conftest.py at the root for when they run.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from service.cli import main
from service.portal_text import parse_portal_text

if TYPE_CHECKING:
    from conftest import MakeClient, Node

pytestmark = pytest.mark.seed

TITLE = "VKSND tối cao tổ chức Hội nghị giao ban công tác Quý IV/2023"
SLUG = "vksnd-toi-cao-to-chuc-hoi-nghi-giao-ban-cong-tac-quy-iv-2023"
KEY_SENTENCE = "113/134 nhiệm vụ trọng tâm năm 2023, đạt tỷ lệ 84,3%"
# Counted by hand in the seed file.
PARAGRAPH_COUNT = 17
# Every photo caption in the seed, in order; the 4th, 5th and 6th are split over two lines.
CAPTIONS = [
    "Đồng chí Lê Minh Trí, Viện trưởng VKSND tối cao phát biểu chỉ đạo Hội nghị",
    "Lãnh đạo VKSND tối cao tham dự Hội nghị",
    "Đồng chí Nguyễn Huy Tiến, Phó Viện trưởng Thường trực VKSND tối cao phát biểu tại Hội nghị",
    "Đồng chí Nguyễn Hải Trâm, Phó Viện trưởng VKSND tối cao phát biểu tại Hội nghị",
    "Đồng chí Nguyễn Quang Dũng, Phó Viện trưởng VKSND tối cao phát biểu tại Hội nghị",
    "Đồng chí Trung tướng Tạ Quang Khải, Viện trưởng VKSQS Trung ương, Phó Viện trưởng VKSND "
    "tối cao phát biểu tại Hội nghị",
    "Đại biểu tham dự Hội nghị",
]
CHROME = ["CỔNG THÔNG TIN", "VIỆN KIỂM SÁT NHÂN DÂN", "The Supreme People", "Cỡ chữ"]
CHROME += ["Tương phản", "Tìm kiếm"]


def test_seed_parses_to_its_title_date_paragraphs_and_byline(seed_path: Path) -> None:
    parsed = parse_portal_text(seed_path.read_text(encoding="utf-8"))
    assert parsed["title"] == TITLE
    assert parsed["published"] == "2023-09-21"
    assert parsed["byline"] == "HQ - TL"
    body = parsed["body_html"]
    assert isinstance(body, str)
    paragraphs = [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", body, re.S)]
    assert len(paragraphs) == PARAGRAPH_COUNT
    assert paragraphs[0].startswith("Ngày 21/9/2023, VKSND tối cao tổ chức Hội nghị")
    assert paragraphs[-1].startswith("Năm 2023 là năm đột phá về ứng dụng công nghệ thông tin")
    assert not any("  " in p or "\xa0" in p for p in paragraphs)
    for chrome in [*CHROME, "HQ - TL", "21/09/2023"]:
        assert chrome not in body, chrome


def test_seed_captions_exactly(seed_path: Path) -> None:
    body = parse_portal_text(seed_path.read_text(encoding="utf-8"))["body_html"]
    assert isinstance(body, str)
    found = re.findall(r"<figure><figcaption>(.*?)</figcaption></figure>", body, re.S)
    assert [html.unescape(c) for c in found] == CAPTIONS


def test_seed_import_then_the_page_passes_acceptance(
    db_path: Path,
    seed_path: Path,
    make_client: MakeClient,
    parse_html: Callable[[str], Node],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--db", str(db_path), "import", str(seed_path)]) == 0
    out = capsys.readouterr().out
    assert "1 new," in out and SLUG in out

    client = make_client()
    response = client.get(f"/articles/{SLUG}")
    assert response.status_code == 200
    doc = parse_html(response.text)
    assert doc.one("html").attrs["lang"] == "vi"
    assert [h.text for h in doc.find_all("h1")] == [TITLE]
    article = doc.one("article")
    assert [(t.attrs["datetime"], t.text) for t in article.find_all("time")] == [
        ("2023-09-21", "21/09/2023")
    ]
    assert [f.text for f in article.find_all("figcaption")] == CAPTIONS
    assert article.one("p", class_="byline").text.endswith("HQ - TL")
    body = article.one("div", class_="body")
    assert len(body.find_all("p")) == PARAGRAPH_COUNT
    assert KEY_SENTENCE in body.text
    for chrome in [*CHROME, "HQ - TL"]:
        assert chrome not in body.text, chrome
    # Every sentence line of the export is on the page, in reading order.
    text = unicodedata.normalize("NFC", seed_path.read_text(encoding="utf-8"))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    sentences = [line for line in lines if line.endswith(".") and len(line) > 40]
    assert len(sentences) >= 15
    for line in sentences:
        assert line in article.text, line[:60]
    positions = [article.text.index(line) for line in sentences]
    assert positions == sorted(positions)

    hits = parse_html(client.get("/search?q=vien+kiem+sat").text).one("main").find_all("h2")
    assert [h.text for h in hits] == [TITLE]
