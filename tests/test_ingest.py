"""`legible import URL`: a portal on loopback behind an RSS feed, an Atom feed, a
sitemap, a sitemap index and a news sitemap (tests/support/portal_site.py), imported
through the command as an operator runs it, then kept in sync.

The pages are the Vietnamese portal pages in tests/fixtures/portal-pages/, each
with what its body must and must not hold written beside it (the article's
sentences; the menus, share buttons, related links and cookie banner around it).
`--purge-urls` points at the same server, which records each PURGE, so a
test sees what a cache in front would have been told.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image as PILImage

from service.cli import main
from service.store import Store, open_store
from service.text import slugify
from service.version import __version__
from tests.support.portal_site import Page, Site, serve

ROOT = Path(__file__).resolve().parents[1]

PAGES = ROOT / "tests/fixtures/portal-pages"
# Each page with, written before the code, what its body must and must not hold.
FIXTURES = {
    urlsplit(spec["url"]).path: spec
    for spec in (json.loads(p.read_text(encoding="utf-8")) for p in sorted(PAGES.glob("*.json")))
}
EDITED, GONE = "/tin-tuc/giao-ban-quy-iv-2023", "/tin-tuc/ket-qua-kiem-sat-9-thang"
LISTED_GONE, NO_ALT = "/tin-tuc/hop-tac-quoc-te-lao", "/tin-tuc/tap-huan-nghiep-vu-kiem-sat-dien-tu"
NEW_SENTENCE = "Hội nghị còn bàn về công tác chuyển đổi số trong toàn ngành."
SOURCES = ["/rss.xml", "/atom.xml", "/sitemap.xml", "/sitemap-index.xml", "/news-sitemap.xml"]
_IMAGE = re.compile(r'src="(/[^"]+\.(?:jpg|jpeg|png|gif))"')


def png(seed: str) -> bytes:
    out = io.BytesIO()
    colour = tuple(hashlib.sha256(seed.encode()).digest()[:3])
    PILImage.new("RGB", (64, 48), colour).save(out, "PNG")
    return out.getvalue()


def edited(path: str, site: Site, sentence: str = NEW_SENTENCE) -> str:
    """The page with `sentence` added to its article (after its first sentence, in the
    body: the page's description may quote that sentence too)."""
    head, first, tail = site.pages[path].html.rpartition(FIXTURES[path]["must"][0])
    return f"{head}{first} {sentence}{tail}"


@pytest.fixture
def site() -> Iterator[Site]:
    portal = Site()
    for path, spec in FIXTURES.items():
        html = (PAGES / (path.rsplit("/", 1)[-1] + ".html")).read_text(encoding="utf-8")
        portal.pages[path] = Page(spec["title"], spec["published"], html)
        for src in _IMAGE.findall(html):
            portal.extra[src] = (200, {"Content-Type": "image/png"}, png(src))
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
    assert capsys.readouterr().out.startswith("5 new, 0 updated, 0 unchanged, 0 failed, 1 images")
    found = articles(db)
    assert set(found) == {site.url(path) for path in FIXTURES}
    for path, spec in FIXTURES.items():
        body = found[site.url(path)][2]
        for sentence in spec["must"]:
            assert sentence in body, (path, sentence)
        for boilerplate in spec["must_not"]:
            assert boilerplate not in body, (path, boilerplate)
        for image in spec["images"]:  # stored here, with the page's alt text
            assert f'alt="{image["alt"]}"' in body and "/media/" in body
        for src in spec["without_alt"]:
            assert urlsplit(src).path not in body


@pytest.mark.parametrize(
    ("source", "asked"),
    [
        ("/sitemap.xml", []),  # dated as before: not even asked for
        ("/atom.xml", []),
        ("/rss.xml", [304] * 5),  # RSS dates only publication: asked, with the ETag
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
    assert capsys.readouterr().out.startswith("0 new, 0 updated, 5 unchanged, 0 failed\n")
    assert writes == [] and site.purges == []
    assert sorted(status for path, _ in site.log if path in FIXTURES for status in [_]) == asked
    assert not [path for path, _ in site.log if path.startswith("/Uploads/")]
    monkeypatch.undo()
    assert articles(db) == before
    # --recheck asks for every page (each a 304 here) and still writes nothing.
    assert run(db, site, site.url(source), "--recheck") == 0
    assert capsys.readouterr().out.startswith("0 new, 0 updated, 5 unchanged, 0 failed\n")
    assert articles(db) == before


def test_an_edit_the_sitemap_does_not_date_is_found_with_recheck(
    site: Site, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CMS that leaves lastmod alone on an edit: the page is not asked for until
    --recheck, which asks for every page."""
    assert run(db, site, site.url("/sitemap.xml")) == 0
    site.pages[EDITED].html = edited(EDITED, site)
    capsys.readouterr()
    assert run(db, site, site.url("/sitemap.xml")) == 0
    assert capsys.readouterr().out.startswith("0 new, 0 updated, 5 unchanged")
    assert run(db, site, site.url("/sitemap.xml"), "--recheck") == 0
    assert capsys.readouterr().out.startswith("0 new, 1 updated, 4 unchanged")
    assert NEW_SENTENCE in articles(db)[site.url(EDITED)][2]


def test_an_edited_page_is_updated_and_a_gone_one_pruned(
    site: Site, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db, site, site.url("/sitemap.xml")) == 0
    before = articles(db)
    site.pages[EDITED].edit(edited(EDITED, site))
    del site.pages[GONE]  # off the sitemap, and a 404
    site.purges.clear()
    capsys.readouterr()

    assert run(db, site, site.url("/sitemap.xml"), "--prune") == 0
    out = capsys.readouterr().out
    assert out.startswith("0 new, 1 updated, 3 unchanged, 0 failed, 1 pruned\n"), out
    after = articles(db)
    assert set(after) == {site.url(p) for p in FIXTURES if p != GONE}
    assert NEW_SENTENCE in after[site.url(EDITED)][2]
    assert after[site.url(EDITED)][1] == before[site.url(EDITED)][1] + 1
    for path in set(FIXTURES) - {EDITED, GONE}:
        assert after[site.url(path)] == before[site.url(path)]
    purged = set(" ".join(site.purges).split())
    assert {f"article:{before[site.url(p)][0]}" for p in (EDITED, GONE)} <= purged
    assert (
        not {f"article:{before[site.url(p)][0]}" for p in FIXTURES}
        - {f"article:{before[site.url(p)][0]}" for p in (EDITED, GONE)}
        & purged
    )


def test_a_page_that_answers_404_while_listed_is_pruned_only_with_prune(
    site: Site, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db, site, site.url("/rss.xml")) == 0
    site.extra[LISTED_GONE] = (404, {}, b"gone")  # still in the feed, but gone
    capsys.readouterr()
    assert run(db, site, site.url("/rss.xml")) == 1
    out = capsys.readouterr().out
    assert f"FAILED {site.url(LISTED_GONE)}: the server answered 404 Not Found" in out
    assert site.url(LISTED_GONE) in articles(db)
    assert run(db, site, site.url("/rss.xml"), "--prune") == 0
    assert "1 pruned" in capsys.readouterr().out
    assert site.url(LISTED_GONE) not in articles(db)


def test_a_feed_prunes_what_fell_off_it_only_when_its_page_is_gone(
    site: Site, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A feed lists only its newest entries: one that falls off is not deleted for that."""
    assert run(db, site, site.url("/rss.xml")) == 0
    kept_page = site.pages.pop(EDITED)
    site.pages.pop(GONE)
    site.extra["/rss.xml"] = (200, {"Content-Type": "application/xml"}, site.rss())
    site.pages[EDITED] = kept_page  # off the feed, but its page still answers
    assert run(db, site, site.url("/rss.xml"), "--prune") == 0
    assert "1 pruned" in capsys.readouterr().out
    assert set(articles(db)) == {site.url(p) for p in FIXTURES if p != GONE}


def test_dry_run_writes_nothing(site: Site, db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db, site, site.url("/sitemap.xml")) == 0
    before = articles(db)
    site.pages[EDITED].edit(edited(EDITED, site))
    del site.pages[GONE]
    site.purges.clear()
    capsys.readouterr()
    assert run(db, site, site.url("/sitemap.xml"), "--prune", "--dry-run") == 0
    out = capsys.readouterr().out
    assert out.startswith("dry run, nothing written: 0 new, 1 updated, 3 unchanged, 0 failed,"
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
    site.extra["/tin-tuc/loi"] = (500, {}, b"")
    site.pages["/tin-tuc/loi"] = Page("Lỗi", "2023-09-30", "")
    report = tmp_path / "report.json"
    assert run(db, site, site.url("/sitemap.xml"), "--json", str(report)) == 1
    out = capsys.readouterr().out
    summary = out.splitlines()[0]
    assert summary.startswith(
        "5 new, 0 updated, 0 unchanged, 1 failed, 1 images without alt left out; stored "
    )
    assert "image without alt left out of " in out
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["summary"] == summary and data["dry_run"] is False
    by_url = {item["url"]: item for item in data["items"]}
    assert set(by_url) == {site.url(p) for p in site.pages}
    assert by_url[site.url("/tin-tuc/loi")]["outcome"] == "failed"
    assert "500" in by_url[site.url("/tin-tuc/loi")]["reason"]
    photo = by_url[site.url(NO_ALT)]
    assert photo["outcome"] == "new" and photo["slug"] == slugify(FIXTURES[NO_ALT]["title"])
    assert photo["images_left_out"] == [
        site.url(urlsplit(src).path) for src in FIXTURES[NO_ALT]["without_alt"]
    ]
    # `-` writes the report to stdout, and the summary goes to stderr.
    assert run(db, site, site.url("/sitemap.xml"), "--json", "-") == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["items"]
    assert captured.err.startswith("0 new, 0 updated, 5 unchanged, 1 failed")


def test_the_feed_content_is_used_only_when_the_page_cannot_be_fetched(
    site: Site, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    site.pages[EDITED].feed_content = "<p>Bản tin rút gọn trong nguồn cấp.</p>"
    assert run(db, site, site.url("/rss.xml")) == 0
    assert "rút gọn" not in articles(db)[site.url(EDITED)][2]  # the page was read
    site.extra[EDITED] = (503, {"Retry-After": "0"}, b"")
    assert run(db, site, site.url("/rss.xml")) == 0
    assert "Bản tin rút gọn trong nguồn cấp." in articles(db)[site.url(EDITED)][2]


def test_a_gzipped_sitemap_is_read(site: Site, db: str, capsys: pytest.CaptureFixture[str]) -> None:
    site.extra["/sitemap.xml.gz"] = (200, {"Content-Type": "application/gzip"},
                                     gzip.compress(site.sitemap()))  # fmt: skip
    assert run(db, site, site.url("/sitemap.xml.gz")) == 0
    assert set(articles(db)) == {site.url(p) for p in FIXTURES}


def test_since_and_limit_choose_the_newest_entries(
    site: Site, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db, site, site.url("/sitemap.xml"), "--since", "2023-11-01") == 0
    newest = {p for p, spec in FIXTURES.items() if spec["published"] >= "2023-11-01"}
    assert len(newest) == 2 and set(articles(db)) == {site.url(p) for p in newest}
    assert run(db, site, site.url("/news-sitemap.xml"), "--limit", "1") == 0
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


def test_the_web_import_runs_inside_a_thread_that_already_runs_a_loop() -> None:
    """`legible import` called from async code (a notebook, or a test session holding
    Playwright's sync API) runs its loop on a thread of its own instead of failing."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from service.ingest import command

    async def outcomes() -> list:  # type: ignore[type-arg]
        return ["done"]

    async def caller() -> list:  # type: ignore[type-arg]
        return command._run(outcomes())

    with ThreadPoolExecutor(1) as pool:  # a thread with no loop yet, whatever this one holds
        assert pool.submit(asyncio.run, caller()).result() == ["done"]
