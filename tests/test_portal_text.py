"""The portal plain-text importer, against the real seed export and small synthetic inputs."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from service.errors import ImportFailed
from service.portal_text import parse_portal_text

TITLE = "VKSND tối cao tổ chức Hội nghị giao ban công tác Quý IV/2023"

# Counted by hand in the seed file: 17 paragraphs, 7 photo captions, byline "HQ - TL".
PARAGRAPH_COUNT = 17

# The opening words of every paragraph, in order.
PARAGRAPH_STARTS = [
    "Ngày 21/9/2023, VKSND tối cao tổ chức Hội nghị",
    "Tham dự Hội nghị có đồng chí Nguyễn Huy Tiến",
    "Cùng dự Hội nghị tại điểm cầu VKSND tối cao",
    "Hội nghị được tổ chức trực tiếp tại trụ sở",
    "Theo Báo cáo kết quả công tác 9 tháng năm 2023",
    "Căn cứ vào đó, Thủ trưởng các đơn vị",
    "Công tác thực hành quyền công tố",
    "Chất lượng, hiệu quả công tác nghiệp vụ",
    "Trong công tác tổ chức cán bộ",
    "Trong công tác xây dựng, hướng dẫn thi hành pháp luật",
    "Thanh tra VKSND tối cao tiếp tục siết chặt",
    "Trong công tác hợp tác quốc tế",
    "Công tác xây dựng Ngành chuyển biến tích cực",
    "Phát biểu chỉ đạo tại Hội nghị, đồng chí Lê Minh Trí",
    "Đồng chí Viện trưởng VKSND tối cao lưu ý",
    "Đề cập đến vấn đề kỷ cương, kỷ luật trong Ngành",
    "Năm 2023 là năm đột phá về ứng dụng công nghệ thông tin",
]

# A few paragraphs in full, as a reader sees them (no-break spaces collapsed).
FULL_PARAGRAPHS = [
    "Ngày 21/9/2023, VKSND tối cao tổ chức Hội nghị giao ban công tác Quý IV/2023. Đồng chí Lê "
    "Minh Trí, Ủy viên Trung ương Đảng, Bí thư Ban cán sự đảng, Viện trưởng VKSND tối cao dự và "
    "chủ trì Hội nghị.",
    "Căn cứ vào đó, Thủ trưởng các đơn vị thuộc VKSND tối cao, Viện trưởng VKSND cấp cao đã chủ "
    "động xây dựng chương trình, kế hoạch công tác của đơn vị và hướng dẫn công tác chuyên môn "
    "nghiệp vụ trong toàn Ngành; kịp thời quán triệt triển khai thực hiện nghiêm những yêu cầu, "
    "nhiệm vụ trọng tâm và chỉ đạo của Lãnh đạo VKSND tối cao năm 2023. Theo đó, đã tham mưu ban "
    "hành nhiều chỉ thị, quy chế, quy định, quy trình nghiệp vụ và quan tâm chỉ đạo công tác "
    "chuyên môn nghiệp vụ; chú trọng nâng cao hiệu quả công tác hướng dẫn, trả lời thỉnh thị; kịp "
    "thời tổ chức hội nghị, hội thảo, tập huấn nghiệp vụ trong toàn Ngành. Kết quả, các đơn vị "
    "thuộc VKSND tối cao đã hoàn thành 113/134 nhiệm vụ trọng tâm năm 2023, đạt tỷ lệ 84,3%.",
    "Đồng chí Viện trưởng VKSND tối cao lưu ý, VKSND các cấp cần chủ động, tích cực tham mưu với "
    "cấp ủy, phối hợp tốt với các cơ quan hữu quan trong công tác đấu tranh phòng, chống tội phạm "
    "và vi phạm pháp luật.",
    "Năm 2023 là năm đột phá về ứng dụng công nghệ thông tin và chuyển đổi số trong ngành Kiểm "
    "sát nhân dân. Do vậy, đồng chí Viện trưởng VKSND tối cao yêu cầu các đơn vị triển khai quyết "
    "liệt nhiều biện pháp đổi mới hệ thống công nghệ thông tin nhằm góp phần nâng cao năng lực "
    "quản lý, chỉ đạo, điều hành và công tác chuyên môn nghiệp vụ theo hướng chuyên nghiệp, minh "
    "bạch, tăng năng suất, chất lượng lao động của mỗi cá nhân, đơn vị.",
]

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

CHROME = ["CỔNG THÔNG TIN", "VIỆN KIỂM SÁT NHÂN DÂN", "Cỡ chữ", "Tương phản", "Tìm kiếm"]
CHROME += ["The Supreme People"]


@pytest.fixture(scope="module")
def seed_article(seed_path: Path) -> dict[str, object]:
    return parse_portal_text(seed_path.read_text(encoding="utf-8"))


def _body(article: dict[str, object]) -> str:
    body = article["body_html"]
    assert isinstance(body, str)
    return body


def _paragraphs(body: str) -> list[str]:
    return [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", body, re.S)]


def _captions(body: str) -> list[str]:
    found = re.findall(r"<figure><figcaption>(.*?)</figcaption></figure>", body, re.S)
    return [html.unescape(c) for c in found]


def test_seed_title_date_and_byline(seed_article: dict[str, object]) -> None:
    assert seed_article["title"] == TITLE
    assert seed_article["published"] == "2023-09-21"
    assert seed_article["byline"] == "HQ - TL"


def test_seed_paragraphs_each_in_their_own_p(seed_article: dict[str, object]) -> None:
    body = _body(seed_article)
    paragraphs = _paragraphs(body)
    assert len(paragraphs) == PARAGRAPH_COUNT
    assert body.count("<p>") == PARAGRAPH_COUNT
    for paragraph, start in zip(paragraphs, PARAGRAPH_STARTS, strict=True):
        assert paragraph.startswith(start)
    for full in FULL_PARAGRAPHS:
        assert f"<p>{html.escape(full)}</p>" in body
    assert not any("  " in p or "\xa0" in p for p in paragraphs)


def test_seed_captions_exactly(seed_article: dict[str, object]) -> None:
    body = _body(seed_article)
    assert _captions(body) == CAPTIONS
    assert body.count("<figcaption>") == len(CAPTIONS)
    assert TITLE not in _captions(body)


def test_seed_has_no_chrome_and_byline_not_in_body(seed_article: dict[str, object]) -> None:
    body = _body(seed_article)
    title = seed_article["title"]
    assert isinstance(title, str)
    for chrome in CHROME:
        assert chrome not in body
        assert chrome not in title
    assert "HQ - TL" not in body
    assert "21/09/2023" not in body


def test_seed_summary_is_first_paragraph_within_200_chars(
    seed_article: dict[str, object],
) -> None:
    summary = seed_article["summary"]
    assert isinstance(summary, str)
    assert 0 < len(summary) <= 200
    assert FULL_PARAGRAPHS[0].startswith(summary.removesuffix("…"))


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
