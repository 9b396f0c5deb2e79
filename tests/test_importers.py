"""`import_paths`: the three formats, folders, bad files, idempotence and sanitising."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from service.importers import Report, import_paths
from service.sanitize import sanitize_html
from service.store import Store
from tests.support import portal_article as portal

if TYPE_CHECKING:
    from conftest import Node

ARTICLE = {
    "title": "Hội nghị giao ban Quý IV/2023",
    "published": "2023-09-21",
    "body_html": "<p>Ngày 21/9/2023, Hội nghị diễn ra.</p>",
}

MARKDOWN = """\
---
title: Thư viện mở cửa đến 21 giờ
published: 2023-10-12
updated: 2023-10-13 08:30:00+07:00
byline: Ban biên tập
summary: Giờ mở cửa mới.
tags: [thu-vien, van-hoa]
---
Từ tháng Mười, thư viện **mở cửa** đến 21 giờ.

<script>alert("md")</script>

<div onclick="steal()">khối HTML</div> và <img src=x onerror="steal()">
"""


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def run(store: Store, *paths: Path) -> Report:
    return import_paths(store, list(paths))


# -- the three formats ----------------------------------------------------------------------------
def test_json_single_object_with_defaults(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "one.json", json.dumps(ARTICLE, ensure_ascii=False))
    report = run(store, path)

    assert report.created == ["hoi-nghi-giao-ban-quy-iv-2023"]
    assert report.ok
    found = store.get("hoi-nghi-giao-ban-quy-iv-2023")
    assert found is not None
    assert found.title == ARTICLE["title"]
    assert found.published == "2023-09-21"
    assert found.lang == "vi"
    assert found.body_html == ARTICLE["body_html"]
    assert found.revision == 1


def test_slug_from_a_title_folds_d_with_stroke(store: Store, tmp_path: Path) -> None:
    article = dict(ARTICLE, title="Đại biểu Đảng ủy đến dự")
    run(store, write(tmp_path / "d.json", json.dumps(article, ensure_ascii=False)))
    assert store.get("dai-bieu-dang-uy-den-du") is not None


def test_json_list_imports_every_article(store: Store, tmp_path: Path) -> None:
    items = [
        dict(ARTICLE, slug="bai-mot", tags=["a"]),
        dict(ARTICLE, slug="bai-hai", title="Bài hai", lang="en", byline="AB"),
    ]
    report = run(store, write(tmp_path / "list.json", json.dumps(items, ensure_ascii=False)))
    assert report.created == ["bai-mot", "bai-hai"]
    two = store.get("bai-hai")
    assert two is not None and (two.title, two.lang, two.byline) == ("Bài hai", "en", "AB")
    one = store.get("bai-mot")
    assert one is not None and one.tags == ("a",)


def test_markdown_with_front_matter(
    store: Store, tmp_path: Path, parse_html: Callable[[str], Node]
) -> None:
    report = run(store, write(tmp_path / "thu-vien.md", MARKDOWN))
    assert report.ok, report.summary()
    slug = "thu-vien-mo-cua-den-21-gio"
    assert report.created == [slug]
    found = store.get(slug)
    assert found is not None
    # YAML reads these as date/datetime; they are stored as ISO strings.
    assert found.published == "2023-10-12"
    assert found.updated == "2023-10-13T08:30:00+07:00"
    assert (found.byline, found.summary, found.tags) == (
        "Ban biên tập",
        "Giờ mở cửa mới.",
        ("thu-vien", "van-hoa"),
    )
    assert "thư viện <strong>mở cửa</strong> đến 21 giờ." in found.body_html

    # Raw HTML in Markdown is shown as text, never passed through as markup.
    tags = {n.tag for n in parse_html(found.body_html).iter()} - {"#document"}
    assert tags <= {"p", "strong"}
    assert not any(
        name.startswith("on") for n in parse_html(found.body_html).iter() for name in n.attrs
    )
    assert "&lt;script&gt;" in found.body_html


def test_markdown_headings_lists_and_links(
    store: Store, tmp_path: Path, parse_html: Callable[[str], Node]
) -> None:
    text = (
        "---\ntitle: Hướng dẫn\npublished: 2024-01-18\n---\n"
        "# Một tiêu đề\n\n## Các bước\n\n1. Đăng nhập\n2. Gửi\n\n"
        "[Xem thêm](https://example.org/a) và [xấu](javascript:alert(1))\n"
    )
    run(store, write(tmp_path / "huong-dan.markdown", text))
    found = store.get("huong-dan")
    assert found is not None
    body = found.body_html
    assert "<h1" not in body  # the page's title is the only h1
    assert "<h2>Một tiêu đề</h2>" in body and "<h2>Các bước</h2>" in body
    assert "<ol>" in body and "<li>Đăng nhập</li>" in body
    links = parse_html(body).find_all("a")
    assert [a.attrs.get("href") for a in links] == ["https://example.org/a"]


def test_portal_text(store: Store, portal_path: Path) -> None:
    report = run(store, portal_path)
    assert report.created == [portal.SLUG]
    found = store.get(portal.SLUG)
    assert found is not None
    assert found.title == portal.TITLE
    assert found.published == portal.PUBLISHED
    assert found.byline == portal.BYLINE
    assert found.lang == "vi"
    assert found.body_html.count("<figcaption>") == len(portal.CAPTIONS)
    assert portal.KEY_SENTENCE in found.body_html
    for chrome in [*portal.CHROME, portal.BYLINE]:
        assert chrome not in found.body_html


def test_folder_import_finds_files_recursively(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "content"
    write(root / "top.json", json.dumps(dict(ARTICLE, slug="tren-cung"), ensure_ascii=False))
    write(root / "a" / "b" / "c" / "sau.MD", MARKDOWN.replace("Thư viện", "Sâu"))
    write(root / "a" / "ghi-chu.rst", "not an article")
    write(root / "a" / "anh.png", b"\x89PNG\r\n")
    report = run(store, root)
    assert report.ok, report.summary()
    assert sorted(report.created) == ["sau-mo-cua-den-21-gio", "tren-cung"]


# -- bad files ------------------------------------------------------------------------------------
GOOD = json.dumps(dict(ARTICLE, slug="bai-tot"), ensure_ascii=False)


BAD_FILES: list[tuple[str, str | bytes, str]] = [
    ("hong.json", '{"title": "Thiếu dấu ngoặc"', r"not valid JSON.*line 1"),
    ("khong-phai-bai.json", "[1, 2]", r"article object"),
    ("thieu.json", json.dumps({"title": "x", "body_html": "<p>a</p>"}), r"published.*required"),
    ("ngay-sai.json", json.dumps(dict(ARTICLE, published="2023-02-30")), r"published.*ISO date"),
    ("the.json", json.dumps(dict(ARTICLE, tags="a, b")), r"tags.*list of strings"),
    ("chi-script.json", json.dumps(dict(ARTICLE, body_html="<script>x()</script>")),
     r"body_html"),
    ("danh-sach.json", json.dumps([ARTICLE, {"title": "x"}]), r"article 2: .*published"),
    ("ngay-sai.md", "---\ntitle: Ngày sai\npublished: 2023-02-30\n---\nThân bài.\n",
     r"(published|date).*(2023-02-30|ISO|real|out of range)"),
    ("khong-co-front-matter.md", "# Chỉ có Markdown\n\nThân bài.\n", r"front matter"),
    ("front-matter-mo.md", "---\ntitle: Mở mãi\npublished: 2023-01-01\n", r"not closed"),
    ("yaml-hong.md", "---\ntitle: [mở\n---\nThân.\n", r"YAML"),
    ("ngay-sai.txt", "Tiêu đề\n\n30/02/2023\nMột đoạn văn.\n", r"30/02/2023"),
    ("khong-ngay.txt", "Tiêu đề\n\nMột đoạn văn.\n", r"dd/mm/yyyy"),
    ("latin1.json", '{"title": "Tiêu"}'.encode("latin-1"), r"not UTF-8"),
    ("latin1.txt", "Tiêu\n21/09/2023\nÂm.".encode("latin-1"), r"not UTF-8"),
    ("bai.docx", b"PK\x03\x04", r"unknown extension.*\.json"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "content", "reason"), BAD_FILES, ids=[name for name, _, _ in BAD_FILES]
)
def test_a_bad_file_is_named_with_a_reason_and_the_rest_still_land(
    store: Store, tmp_path: Path, name: str, content: str | bytes, reason: str
) -> None:
    bad = write(tmp_path / name, content)
    good = write(tmp_path / "tot.json", GOOD)
    report = run(store, bad, good)

    assert report.created == ["bai-tot"]
    assert store.get("bai-tot") is not None
    assert len(report.failed) == 1
    failed_file, why = report.failed[0]
    assert Path(failed_file).name == name
    assert re.search(reason, why), why
    assert not report.ok
    assert f"FAILED {bad}: " in report.summary()
    assert store.count() == 1  # nothing from the bad file


def test_a_missing_path_is_reported(store: Store, tmp_path: Path) -> None:
    report = run(store, tmp_path / "khong-co.json", write(tmp_path / "tot.json", GOOD))
    assert report.created == ["bai-tot"]
    assert report.failed == [(str(tmp_path / "khong-co.json"), "does not exist")]


def test_bad_files_in_a_folder_do_not_stop_the_good_ones(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "batch"
    write(root / "1-hong.json", "{")
    write(root / "2-tot.json", GOOD)
    write(root / "3-khong-fm.md", "Thân bài.\n")
    write(root / "4-tot.md", MARKDOWN)
    report = run(store, root)
    assert sorted(report.created) == ["bai-tot", "thu-vien-mo-cua-den-21-gio"]
    assert sorted(Path(f).name for f, _ in report.failed) == ["1-hong.json", "3-khong-fm.md"]
    assert report.summary().startswith("2 new, 0 updated, 0 unchanged, 2 failed")


# -- idempotence ----------------------------------------------------------------------------------
def test_reimport_is_unchanged_and_a_modified_file_updates(store: Store, tmp_path: Path) -> None:
    md = write(tmp_path / "bai.md", MARKDOWN)
    js = write(tmp_path / "bai.json", GOOD)
    first = run(store, md, js)
    assert sorted(first.created) == ["bai-tot", "thu-vien-mo-cua-den-21-gio"]

    again = run(store, md, js)
    assert (again.created, again.updated) == ([], [])
    assert sorted(again.unchanged) == ["bai-tot", "thu-vien-mo-cua-den-21-gio"]
    assert sorted(store.revisions()) == [("bai-tot", 1), ("thu-vien-mo-cua-den-21-gio", 1)]

    write(md, MARKDOWN.replace("đến 21 giờ.", "đến 22 giờ."))
    changed = run(store, md, js)
    assert changed.updated == ["thu-vien-mo-cua-den-21-gio"]
    assert changed.unchanged == ["bai-tot"]
    found = store.get("thu-vien-mo-cua-den-21-gio")
    assert found is not None and found.revision == 2
    assert "đến 22 giờ." in found.body_html
    assert dict(store.revisions())["bai-tot"] == 1


def test_portal_text_reimport_is_unchanged(store: Store, portal_path: Path) -> None:
    assert run(store, portal_path).created == [portal.SLUG]
    again = run(store, portal_path)
    assert again.unchanged == [portal.SLUG]
    found = store.get(portal.SLUG)
    assert found is not None and found.revision == 1


def test_changed_articles_are_announced(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "bai.json", GOOD)
    seen: list[str] = []
    import_paths(store, [path], on_change=seen.append)
    import_paths(store, [path], on_change=seen.append)  # unchanged: no announcement
    write(path, GOOD.replace("diễn ra", "kết thúc"))
    import_paths(store, [path], on_change=seen.append)
    assert seen == ["bai-tot", "bai-tot"]


# -- sanitising -----------------------------------------------------------------------------------
DIRTY = (
    '<p onclick="steal()" style="color:red" onmouseover="x()">Đoạn'
    "<script>alert('s')</script>"
    '<a href="javascript:alert(1)">js</a> <a href=" JaVaScRiPt:alert(2)">js2</a>'
    '<a href="https://example.org/" onfocus="x()">ok</a></p>'
    '<iframe src="https://evil.example/"></iframe>'
    "<style>body{display:none}</style>"
    '<object data="x.swf"></object><embed src="x.swf">'
    '<form action="https://evil.example/"><input name="pw"><button>Gửi</button></form>'
    '<svg onload="x()"><circle r="1"/></svg>'
    '<img src="javascript:alert(3)" alt="xấu">'
    '<figure><img src="/static/demo/a.svg" alt="Mô tả ảnh" onerror="x()" style="width:1px">'
    "<figcaption>Chú thích ảnh</figcaption></figure>"
    "<h1>Tiêu đề phụ</h1>"
)
ALLOWED_TAGS = {"#document", "p", "a", "figure", "img", "figcaption", "h2", "button"}


def _check_clean(body: str, parse_html: Callable[[str], Node]) -> None:
    doc = parse_html(body)
    tags = {n.tag for n in doc.iter()}
    assert not tags & {"script", "style", "iframe", "object", "embed", "form", "input", "svg"}
    assert "h1" not in tags
    for node in doc.iter():
        for name, value in node.attrs.items():
            assert not name.startswith("on"), (node.tag, name)
            assert name != "style", node.tag
            if name in ("href", "src"):
                assert not (value or "").strip().lower().startswith("javascript:"), value
    for text in ("alert('s')", "display:none"):
        assert text not in body
    figure = doc.one("figure")
    assert figure.one("img").attrs.get("alt") == "Mô tả ảnh"
    assert figure.one("figcaption").text == "Chú thích ảnh"
    assert doc.one("a", href="https://example.org/").text == "ok"
    assert doc.one("h2").text == "Tiêu đề phụ"


def test_sanitiser_drops_dangerous_markup_and_keeps_figures(
    parse_html: Callable[[str], Node],
) -> None:
    _check_clean(sanitize_html(DIRTY), parse_html)


def test_imported_bodies_are_sanitised(
    store: Store, tmp_path: Path, parse_html: Callable[[str], Node]
) -> None:
    data: dict[str, Any] = dict(ARTICLE, slug="ban", body_html=DIRTY)
    run(store, write(tmp_path / "ban.json", json.dumps(data, ensure_ascii=False)))
    found = store.get("ban")
    assert found is not None
    _check_clean(found.body_html, parse_html)


# -- source_url -----------------------------------------------------------------------------------
SOURCE = "https://vksndtc.gov.vn/tin-tuc/thu-vien-mo-cua"


def test_source_url_from_json_and_front_matter(store: Store, tmp_path: Path) -> None:
    item = dict(ARTICLE, slug="tu-json", source_url=SOURCE)
    write(tmp_path / "a.json", json.dumps(item, ensure_ascii=False))
    write(tmp_path / "b.md", MARKDOWN.replace("---\nTừ", f"source_url: {SOURCE}/md\n---\nTừ"))
    report = run(store, tmp_path)
    assert report.ok, report.summary()
    from_json, from_md = store.get("tu-json"), store.get("thu-vien-mo-cua-den-21-gio")
    assert from_json is not None and from_json.source_url == SOURCE
    assert from_md is not None and from_md.source_url == f"{SOURCE}/md"


def test_a_bad_source_url_fails_its_file_saying_why(store: Store, tmp_path: Path) -> None:
    bad_md = MARKDOWN.replace("---\nTừ", "source_url: javascript:alert(1)\n---\nTừ")
    write(tmp_path / "1-bad.md", bad_md)
    write(tmp_path / "2-bad.json", json.dumps(dict(ARTICLE, source_url="/tin/1")))
    write(tmp_path / "3-good.json", GOOD)
    report = run(store, tmp_path)
    assert report.created == ["bai-tot"]
    assert [Path(f).name for f, _ in report.failed] == ["1-bad.md", "2-bad.json"]
    for _, reason in report.failed:
        assert reason.startswith("source_url must be an absolute http or https URL"), reason
