"""`legible import URL`: a portal on loopback behind an RSS feed, an Atom feed, a
sitemap, a sitemap index and a news sitemap (tests/support/portal_site.py), imported
through the command as an operator runs it, then kept in sync.

What each page must hold and must not is written beside it (MUST, MUST_NOT): the
article's sentences, and the menus, share buttons, related links and cookie banner
around it. `--purge-urls` points at the same server, which records each PURGE, so a
test sees what a cache in front would have been told.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image as PILImage

from service.cli import main
from service.store import Store, open_store
from service.version import __version__
from tests.support.portal_site import Page, Site, portal_page, serve

MUST = {
    "/tin/hoi-nghi.html": [
        "Sáng 21/9, Viện kiểm sát nhân dân tối cao tổ chức hội nghị giao ban quý III.",
        "Hội nghị đã thống nhất các giải pháp trọng tâm cho quý IV năm 2023.",
    ],
    "/tin/thu-vien.html": [
        "Thư viện thành phố mở cửa đến 21 giờ từ tháng 10.",
        "Bạn đọc được mượn tối đa năm cuốn sách mỗi lần.",
    ],
    "/tin/tap-huan.html": [
        "Lớp tập huấn nghiệp vụ kiểm sát kéo dài ba ngày tại Hà Nội.",
        "Các học viên được cấp chứng chỉ sau khi hoàn thành khóa học.",
    ],
}
MUST_NOT = ["Trang chủ", "Chia sẻ", "Tin liên quan", "cookie", "Bản quyền"]
TITLES = {
    "/tin/hoi-nghi.html": "Hội nghị giao ban quý III",
    "/tin/thu-vien.html": "Thư viện thành phố mở cửa đến 21 giờ",
    "/tin/tap-huan.html": "Tập huấn nghiệp vụ kiểm sát",
}
DAYS = {"/tin/hoi-nghi.html": "2023-09-21", "/tin/thu-vien.html": "2023-09-25",
        "/tin/tap-huan.html": "2023-09-28"}  # fmt: skip
SOURCES = ["/rss.xml", "/atom.xml", "/sitemap.xml", "/sitemap-index.xml", "/news-sitemap.xml"]


def png() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (64, 48), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def site() -> Iterator[Site]:
    portal = Site()
    for path, sentences in MUST.items():
        html = portal_page(TITLES[path], sentences)
        portal.pages[path] = Page(TITLES[path], DAYS[path], html)
    with serve(portal) as running:
        yield running


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "legible.db")


def run(db: str, site: Site, *args: str) -> int:
    return main(
        ["--db", db, "import", "--allow-private", "--delay", "0",
         "--purge-urls", site.url("/"), *args]
    )  # fmt: skip


def articles(db: str) -> dict[str, tuple[str, int, str]]:
    """source_url -> (slug, revision, body) of every article."""
    store: Store = open_store(db)
    try:
        return {a.source_url: (a.slug, a.revision, a.body_html) for a in store.all()}
    finally:
        store.close()


@pytest.mark.parametrize("source", SOURCES)
def test_first_import_makes_one_article_per_entry_with_the_real_text(
    source: str,
    site: Site,
    db: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEGIBLE_PUBLIC_URL", "https://tin.example.gov.vn")
    assert run(db, site, site.url(source)) == 0
    assert site.agents == {f"Legible/{__version__} (+https://tin.example.gov.vn)"}
    assert capsys.readouterr().out.startswith("3 new, 0 updated, 0 unchanged, 0 failed")
    found = articles(db)
    assert set(found) == {site.url(path) for path in MUST}
    for path, sentences in MUST.items():
        body = found[site.url(path)][2]
        for sentence in sentences:
            assert sentence in body
        for boilerplate in MUST_NOT:
            assert boilerplate not in body, (path, boilerplate)


@pytest.mark.parametrize(
    ("source", "asked"),
    [
        ("/sitemap.xml", []),  # dated as before: not even asked for
        ("/atom.xml", []),
        ("/rss.xml", [304, 304, 304]),  # RSS dates only publication: asked, with the ETag
    ],
)
def test_a_rerun_writes_nothing_and_purges_nothing(
    source: str,
    asked: list[int],
    site: Site,
    db: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert run(db, site, site.url(source)) == 0
    assert site.purges, "the first import purges the new articles' pages"
    before = articles(db)
    site.purges.clear()
    site.log.clear()
    capsys.readouterr()
    writes: list[str] = []
    for name in ("put", "delete", "put_ingested", "forget_ingested", "put_media"):
        monkeypatch.setattr(
            f"service.store.sqlite.SQLiteStore.{name}", lambda *a, n=name: writes.append(n)
        )
    assert run(db, site, site.url(source), "--prune") == 0
    assert capsys.readouterr().out.startswith("0 new, 0 updated, 3 unchanged, 0 failed\n")
    assert writes == [] and site.purges == []
    assert sorted(status for path, status in site.log if path.startswith("/tin/")) == asked
    monkeypatch.undo()
    assert articles(db) == before
    # --recheck asks for every page (each a 304 here) and still writes nothing.
    assert run(db, site, site.url(source), "--recheck") == 0
    assert capsys.readouterr().out.startswith("0 new, 0 updated, 3 unchanged, 0 failed\n")
    assert articles(db) == before


def test_an_edit_the_sitemap_does_not_date_is_found_with_recheck(
    site: Site, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CMS that leaves lastmod alone on an edit: the page is not asked for until
    --recheck, which asks for every page."""
    assert run(db, site, site.url("/sitemap.xml")) == 0
    path = "/tin/thu-vien.html"
    site.pages[path].html = portal_page(TITLES[path], ["Thư viện đóng cửa ngày lễ."])
    capsys.readouterr()
    assert run(db, site, site.url("/sitemap.xml")) == 0
    assert capsys.readouterr().out.startswith("0 new, 0 updated, 3 unchanged")
    assert run(db, site, site.url("/sitemap.xml"), "--recheck") == 0
    assert capsys.readouterr().out.startswith("0 new, 1 updated, 2 unchanged")
    assert "Thư viện đóng cửa ngày lễ." in articles(db)[site.url(path)][2]


def test_an_edited_page_is_updated_and_a_gone_one_pruned(
    site: Site, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db, site, site.url("/sitemap.xml")) == 0
    before = articles(db)
    edited, gone, kept = list(MUST)
    new_sentence = "Hội nghị còn bàn về công tác chuyển đổi số trong ngành."
    site.pages[edited].edit(portal_page(TITLES[edited], [*MUST[edited], new_sentence]))
    del site.pages[gone]  # off the sitemap, and a 404
    site.purges.clear()
    capsys.readouterr()

    assert run(db, site, site.url("/sitemap.xml"), "--prune") == 0
    out = capsys.readouterr().out
    assert out.startswith("0 new, 1 updated, 1 unchanged, 0 failed, 1 pruned\n"), out
    after = articles(db)
    assert set(after) == {site.url(edited), site.url(kept)}
    assert new_sentence in after[site.url(edited)][2]
    assert after[site.url(edited)][1] == before[site.url(edited)][1] + 1
    assert after[site.url(kept)] == before[site.url(kept)]
    purged = " ".join(site.purges)
    gone_slug, edited_slug = before[site.url(gone)][0], before[site.url(edited)][0]
    assert f"article:{gone_slug}" in purged and f"article:{edited_slug}" in purged
    assert f"article:{before[site.url(kept)][0]}" not in purged


def test_a_page_that_answers_404_while_listed_is_pruned_only_with_prune(
    site: Site, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db, site, site.url("/rss.xml")) == 0
    path = "/tin/thu-vien.html"
    site.extra[path] = (404, {}, b"gone")  # still in the feed, but gone
    capsys.readouterr()
    assert run(db, site, site.url("/rss.xml")) == 1
    out = capsys.readouterr().out
    assert f"FAILED {site.url(path)}: the server answered 404 Not Found" in out
    assert site.url(path) in articles(db)
    assert run(db, site, site.url("/rss.xml"), "--prune") == 0
    assert "1 pruned" in capsys.readouterr().out
    assert site.url(path) not in articles(db)


def test_a_feed_prunes_what_fell_off_it_only_when_its_page_is_gone(
    site: Site, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A feed lists only its newest entries: one that falls off is not deleted for that."""
    assert run(db, site, site.url("/rss.xml")) == 0
    still_there, gone = "/tin/hoi-nghi.html", "/tin/thu-vien.html"
    kept_page = site.pages.pop(still_there)
    site.pages.pop(gone)
    site.extra["/rss.xml"] = (200, {"Content-Type": "application/xml"}, site.rss())
    site.pages[still_there] = kept_page  # off the feed, but its page still answers
    assert run(db, site, site.url("/rss.xml"), "--prune") == 0
    assert "1 pruned" in capsys.readouterr().out
    assert set(articles(db)) == {site.url(still_there), site.url("/tin/tap-huan.html")}


def test_dry_run_writes_nothing(site: Site, db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db, site, site.url("/sitemap.xml")) == 0
    before = articles(db)
    edited, gone, _ = list(MUST)
    site.pages[edited].edit(portal_page(TITLES[edited], ["Một đoạn hoàn toàn mới."]))
    del site.pages[gone]
    site.purges.clear()
    capsys.readouterr()
    assert run(db, site, site.url("/sitemap.xml"), "--prune", "--dry-run") == 0
    out = capsys.readouterr().out
    assert out.startswith("dry run, nothing written: 0 new, 1 updated, 1 unchanged, 0 failed,"
                          " 1 pruned\n"), out  # fmt: skip
    assert articles(db) == before and site.purges == []


def test_without_allow_private_nothing_on_loopback_is_fetched(
    site: Site, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--db", db, "import", site.url("/rss.xml")])
    out = capsys.readouterr().out
    assert code == 1
    assert site.log == []
    failed = [line for line in out.splitlines() if "FAILED" in line]
    assert failed == [
        f"  FAILED {site.url('/rss.xml')}: refused: 127.0.0.1 is loopback"
        " (use --allow-private for an intranet CMS)"
    ]


def test_the_json_report_names_every_item_and_its_outcome(
    site: Site, db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site.pages["/tin/anh.html"] = Page(
        "Ảnh hội nghị",
        "2023-09-29",
        portal_page(
            "Ảnh hội nghị",
            ["Toàn cảnh hội nghị tổng kết năm."],
            image='<img src="/anh/hoi-nghi.png" alt="Toàn cảnh hội trường">'
            '<img src="/anh/khong-alt.png">',
        ),
    )
    site.extra["/anh/hoi-nghi.png"] = (200, {"Content-Type": "image/png"}, png())
    site.extra["/anh/khong-alt.png"] = (200, {"Content-Type": "image/png"}, png())
    site.extra["/tin/loi.html"] = (500, {}, b"")
    site.pages["/tin/loi.html"] = Page("Lỗi", "2023-09-30", "")
    report = tmp_path / "report.json"
    assert run(db, site, site.url("/sitemap.xml"), "--json", str(report)) == 1
    out = capsys.readouterr().out
    summary = "4 new, 0 updated, 0 unchanged, 1 failed, 1 images without alt left out"
    assert out.startswith(summary + "; stored 1 photos\n")
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["summary"] == summary + "; stored 1 photos"
    by_url = {item["url"]: item for item in data["items"]}
    assert set(by_url) == {site.url(p) for p in site.pages}
    assert by_url[site.url("/tin/loi.html")]["outcome"] == "failed"
    assert "500" in by_url[site.url("/tin/loi.html")]["reason"]
    photo = by_url[site.url("/tin/anh.html")]
    assert photo["outcome"] == "new" and photo["slug"] == "anh-hoi-nghi"
    assert photo["images_left_out"] == [site.url("/anh/khong-alt.png")]
    body = articles(db)[site.url("/tin/anh.html")][2]
    assert 'alt="Toàn cảnh hội trường"' in body and "/media/" in body
    assert "khong-alt" not in body and site.url("/anh/") not in body
    # `-` writes the report to stdout, and the summary goes to stderr.
    assert run(db, site, site.url("/sitemap.xml"), "--json", "-") == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["items"]
    assert captured.err.startswith("0 new, 0 updated, 4 unchanged, 1 failed")


def test_the_feed_content_is_used_only_when_the_page_cannot_be_fetched(
    site: Site, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = "/tin/hoi-nghi.html"
    site.pages[path].feed_content = "<p>Bản tin rút gọn trong nguồn cấp.</p>"
    assert run(db, site, site.url("/rss.xml")) == 0
    assert "rút gọn" not in articles(db)[site.url(path)][2]  # the page was read
    site.extra[path] = (503, {"Retry-After": "0"}, b"")
    site.pages[path].html += " "  # so the feed is not the same
    assert run(db, site, site.url("/rss.xml")) == 0
    assert "Bản tin rút gọn trong nguồn cấp." in articles(db)[site.url(path)][2]


def test_since_and_limit_choose_the_newest_entries(
    site: Site, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db, site, site.url("/sitemap.xml"), "--since", "2023-09-24") == 0
    assert set(articles(db)) == {site.url("/tin/thu-vien.html"), site.url("/tin/tap-huan.html")}
    assert run(db, site, site.url("/news-sitemap.xml"), "--limit", "1", "--delay", "0") == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("0 new, 0 updated, 1 unchanged")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--since", "21/9/2023"], "is not a date"),
        (["--limit", "0"], "is not a whole number"),
        (["--per-host", "x"], "is not a whole number"),
        (["--delay", "-1"], "seconds from 0 to 60"),
    ],
)
def test_usage_errors_exit_2(
    args: list[str], words: str, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--db", db, "import", *args, "http://portal.example/rss.xml"])
    assert exited.value.code == 2
    assert words in capsys.readouterr().err


def test_dry_run_with_files_is_a_usage_error(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.json").write_text("[]", encoding="utf-8")
    assert main(["--db", db, "import", "--dry-run", str(tmp_path / "a.json")]) == 2
    assert "--dry-run and --prune are for URLs" in capsys.readouterr().err
