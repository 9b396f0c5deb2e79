"""A WordPress export through `legible import`: the same pipeline as the web's (photos
fetched from the old site into the media store, images without alt left out and
listed, the sync, --prune), and what it skips counted in the summary."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image as PILImage

from service.cli import main
from service.store import open_store
from tests.support.portal_site import Site, serve

ROOT = Path(__file__).resolve().parents[1]


def png() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (40, 30), (20, 90, 160)).save(out, "PNG")
    return out.getvalue()


def item(n: int, title: str, body: str, status: str = "publish", kind: str = "post") -> str:
    return f"""<item><title>{title}</title><link>http://cu.example/?p={n}</link>
<pubDate>Thu, 21 Sep 2023 01:00:00 +0000</pubDate><dc:creator>admin</dc:creator>
<content:encoded><![CDATA[{body}]]></content:encoded><excerpt:encoded><![CDATA[]]></excerpt:encoded>
<wp:post_id>{n}</wp:post_id><wp:post_date_gmt>2023-09-21 01:00:00</wp:post_date_gmt>
<wp:post_name>bai-{n}</wp:post_name><wp:status>{status}</wp:status><wp:post_type>{kind}</wp:post_type>
<category domain="category" nicename="tin-tuc"><![CDATA[Tin tức]]></category></item>"""


def export(items: list[str]) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>Cổng cũ</title>
<link>http://cu.example</link><language>vi</language><wp:wxr_version>1.2</wp:wxr_version>
{"".join(items)}</channel></rss>"""


@pytest.fixture
def site() -> Iterator[Site]:
    old = Site()
    old.extra["/anh/hoi-truong.png"] = (200, {"Content-Type": "image/png"}, png())
    with serve(old) as running:
        yield running


def posts(site: Site) -> list[str]:
    photo = f'<img src="{site.url("/anh/hoi-truong.png")}" alt="Hội trường">'
    return [
        item(1, "Hội nghị giao ban", f"Khai mạc hội nghị.\n\n{photo}\n\nBế mạc."),
        item(2, "Thư viện mở cửa", f'Thư viện mở cửa.\n\n<img src="{site.url("/anh/x.png")}">'),
        item(3, "Bản nháp", "Chưa xong.", status="draft"),
        item(4, "Giới thiệu", "Trang giới thiệu.", kind="page"),
        item(5, "anh.png", "", status="inherit", kind="attachment"),
    ]


def run(db: str, *args: str) -> int:
    return main(["--db", db, "import", "--allow-private", "--delay", "0", *args])


def test_a_wordpress_export_goes_through_the_pipeline_and_stays_in_sync(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, wxr = str(tmp_path / "l.db"), tmp_path / "cu.WordPress.xml"
    wxr.write_text(export(posts(site)), encoding="utf-8")
    report = tmp_path / "r.json"
    assert run(db, str(wxr), "--json", str(report)) == 0
    out = capsys.readouterr().out.splitlines()[0]
    assert out.startswith("2 new, 0 updated, 0 unchanged, 0 failed, 1 images without alt left out")
    for skipped in ("1 draft", "1 page", "1 attachment"):
        assert skipped in out
    store = open_store(db)
    found = {a.slug: a for a in store.all()}
    store.close()
    assert set(found) == {"bai-1", "bai-2"}
    assert found["bai-1"].source_url == "http://cu.example/?p=1"
    assert 'alt="Hội trường"' in found["bai-1"].body_html and "/media/" in found["bai-1"].body_html
    assert "<img" not in found["bai-2"].body_html and "Thư viện mở cửa." in found["bai-2"].body_html
    assert found["bai-1"].tags == ("Tin tức",)
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["skipped"] == {"draft": 1, "page": 1, "attachment": 1}
    left = {i["slug"]: i["images_left_out"] for i in data["items"]}
    assert left["bai-2"] == [site.url("/anh/x.png")]

    # Again: nothing changed, nothing written; then a post trashed, with --prune.
    site.log.clear()
    assert run(db, str(wxr)) == 0
    assert capsys.readouterr().out.startswith("0 new, 0 updated, 2 unchanged, 0 failed")
    assert site.log == []  # an unchanged post's photos are not fetched again
    changed = posts(site)
    changed[1] = changed[1].replace("<wp:status>publish", "<wp:status>trash")
    wxr.write_text(export(changed), encoding="utf-8")
    assert run(db, str(wxr), "--prune") == 0
    assert "1 pruned" in capsys.readouterr().out
    assert run(db, str(wxr), "--pages") == 0
    assert capsys.readouterr().out.startswith("1 new, 0 updated, 1 unchanged")


def test_wordpress_s_own_export_imports_its_published_post_by_title(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "l.db")
    assert run(db, str(ROOT / "tests/fixtures/wordpress/valid-wxr-1.1.xml")) == 0
    store = open_store(db)
    titles = [a.title for a in store.all()]
    store.close()
    assert titles == ["Hello world!"]
    assert "1 page" in capsys.readouterr().out
