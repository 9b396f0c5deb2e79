"""The `legible` command in-process: import, export, and the round trip between them."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from service.cli import main
from service.importers import demo_files
from service.site import SYNC_SECONDS
from service.store import open_store
from tests.support import live
from tests.support import portal_article as portal

if TYPE_CHECKING:
    from conftest import MakeClient, Node

GOOD = {
    "title": "Thư viện mở cửa đến 21 giờ",
    "published": "2023-10-12",
    "body_html": "<p>Từ tháng Mười, thư viện mở cửa đến 21 giờ.</p>",
    "slug": "thu-vien",
}


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def articles(db: Path) -> dict[str, dict[str, Any]]:
    store = open_store(db)
    try:
        return {a.slug: a.to_json() for a in store.all()}
    finally:
        store.close()


def revisions(db: Path) -> dict[str, int]:
    store = open_store(db)
    try:
        return dict(store.revisions())
    finally:
        store.close()


# -- import ---------------------------------------------------------------------------------------
def test_import_prints_counts_and_slugs(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = write(tmp_path / "in" / "thu-vien.json", json.dumps(GOOD, ensure_ascii=False))
    two = write(
        tmp_path / "in" / "sub" / "xe-buyt.md",
        "---\ntitle: Trạm xe buýt mới\npublished: 2023-12-05\n---\nNền trạm **nâng cao**.\n",
    )
    code = main(["--db", str(db_path), "import", str(one), str(two)])
    out = capsys.readouterr().out
    assert code == 0
    assert "2 new, 0 updated, 0 unchanged, 0 failed" in out
    assert "thu-vien" in out and "tram-xe-buyt-moi" in out
    assert set(articles(db_path)) == {"thu-vien", "tram-xe-buyt-moi"}

    code = main(["--db", str(db_path), "import", str(tmp_path / "in")])  # the folder, again
    out = capsys.readouterr().out
    assert code == 0
    assert "0 new, 0 updated, 2 unchanged, 0 failed" in out
    assert revisions(db_path) == {"thu-vien": 1, "tram-xe-buyt-moi": 1}


def test_import_of_a_changed_file_reports_the_update(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "thu-vien.json", json.dumps(GOOD, ensure_ascii=False))
    assert main(["--db", str(db_path), "import", str(path)]) == 0
    write(path, json.dumps(dict(GOOD, title="Thư viện mở cửa đến 22 giờ"), ensure_ascii=False))
    capsys.readouterr()
    assert main(["--db", str(db_path), "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "0 new, 1 updated, 0 unchanged, 0 failed" in out
    assert "updated: thu-vien" in out
    assert revisions(db_path) == {"thu-vien": 2}


def test_import_with_a_bad_file_exits_1_names_it_and_keeps_the_good_one(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path / "hong.json", '{"title": "thiếu dấu ngoặc"')
    good = write(tmp_path / "tot.json", json.dumps(GOOD, ensure_ascii=False))
    code = main(["--db", str(db_path), "import", str(bad), str(good)])
    captured = capsys.readouterr()
    assert code == 1
    assert "1 new, 0 updated, 0 unchanged, 1 failed" in captured.out
    failure = next(line for line in captured.out.splitlines() if "hong.json" in line)
    assert "FAILED" in failure and "not valid JSON" in failure
    assert "Traceback" not in captured.out + captured.err
    assert set(articles(db_path)) == {"thu-vien"}


def test_import_of_a_missing_path_exits_1(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--db", str(db_path), "import", str(tmp_path / "khong-co.json")])
    out = capsys.readouterr().out
    assert code == 1
    assert "khong-co.json" in out and "does not exist" in out


def test_import_shows_progress_for_a_large_batch(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for n in range(25):
        article = dict(GOOD, slug=f"bai-{n:02d}", title=f"Bài {n}")
        write(tmp_path / "lo" / f"{n:02d}.json", json.dumps(article, ensure_ascii=False))
    assert main(["--db", str(db_path), "import", str(tmp_path / "lo")]) == 0
    captured = capsys.readouterr()
    assert "25/25" in captured.err
    assert "25 new," in captured.out
    assert "more" in captured.out  # the slug list is shortened, not 25 names long
    assert len(articles(db_path)) == 25


def test_db_flag_wins_over_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env_db = tmp_path / "env.db"
    flag_db = tmp_path / "flag.db"
    monkeypatch.setenv("LEGIBLE_DB", str(env_db))
    path = write(tmp_path / "a.json", json.dumps(GOOD, ensure_ascii=False))
    assert main(["--db", str(flag_db), "import", str(path)]) == 0
    assert set(articles(flag_db)) == {"thu-vien"}
    assert not env_db.exists()
    assert main(["import", str(path)]) == 0  # no flag: the environment decides
    assert set(articles(env_db)) == {"thu-vien"}


# -- export and the round trip --------------------------------------------------------------------
TRICKY = [
    {
        "slug": "ky-tu-dac-biet",
        "title": "Giá 5 < 6 & “ngoặc kép” 'đơn'",
        "lang": "vi",
        "published": "2023-09-21T08:00:00Z",
        "updated": "2023-09-22T09:30:00+07:00",
        "summary": "Tóm tắt có & và <b>",
        "byline": "HQ - TL",
        "tags": ["kiểm sát", "hội nghị"],
        "body_html": (
            '<p>Một &amp; hai &lt; ba <a href="https://example.org/?a=1&amp;b=2">liên kết</a></p>'
            '<figure><img src="/static/demo/library.svg" alt="Ảnh “thư viện”" width="640">'
            "<figcaption>Chú thích</figcaption></figure>"
            '<table><tr><th scope="col">A</th></tr><tr><td>1</td></tr></table>'
        ),
    },
    {
        "slug": "tieng-anh",
        "title": "An English article",
        "lang": "en-GB",
        "published": "2024-06-14",
        "body_html": "<h1>Demoted</h1><p>Text with <em>emphasis</em>.</p>",
    },
]


def test_export_then_import_into_a_fresh_database_is_unchanged(
    db_path: Path, tmp_path: Path, portal_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tricky = write(tmp_path / "tricky.json", json.dumps(TRICKY, ensure_ascii=False))
    markdown = write(
        tmp_path / "md.md",
        "---\ntitle: Từ Markdown\npublished: 2024-02-02\n---\n**Đậm** và _nghiêng_.\n",
    )
    sources = [*map(str, demo_files()), str(portal_path), str(tricky), str(markdown)]
    assert main(["--db", str(db_path), "import", *sources]) == 0
    original = articles(db_path)
    assert len(original) == 10

    exported = tmp_path / "export.json"
    assert main(["--db", str(db_path), "export", "-o", str(exported)]) == 0
    assert "exported 10 articles" in capsys.readouterr().err
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert isinstance(data, list) and len(data) == 10

    fresh = tmp_path / "fresh.db"
    assert main(["--db", str(fresh), "import", str(exported)]) == 0
    assert "10 new, 0 updated, 0 unchanged, 0 failed" in capsys.readouterr().out
    assert articles(fresh) == original

    # Importing the export back into the original store changes nothing either.
    assert main(["--db", str(db_path), "import", str(exported)]) == 0
    assert "0 new, 0 updated, 10 unchanged, 0 failed" in capsys.readouterr().out
    assert set(revisions(db_path).values()) == {1}


def test_export_to_stdout_is_json_of_every_article(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "tricky.json", json.dumps(TRICKY, ensure_ascii=False))
    assert main(["--db", str(db_path), "import", str(path)]) == 0
    capsys.readouterr()
    assert main(["--db", str(db_path), "export"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {item["slug"] for item in data} == {"ky-tu-dac-biet", "tieng-anh"}
    first = next(item for item in data if item["slug"] == "ky-tu-dac-biet")
    assert first["title"] == TRICKY[0]["title"]
    assert first["published"] == "2023-09-21T08:00:00+00:00"
    assert first["tags"] == ["kiểm sát", "hội nghị"]
    assert "Giá 5 < 6" in first["title"]  # ensure_ascii is off: readable Vietnamese


def test_export_of_an_empty_store_is_an_empty_list(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(db_path), "export"]) == 0
    assert json.loads(capsys.readouterr().out) == []


# -- a portal export, end to end (the real seed: test_seed.py) ------------------------------------
def test_import_portal_text_then_the_page_passes_acceptance(
    db_path: Path,
    portal_path: Path,
    make_client: MakeClient,
    parse_html: Callable[[str], Node],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--db", str(db_path), "import", str(portal_path)]) == 0
    out = capsys.readouterr().out
    assert "1 new," in out and portal.SLUG in out

    client = make_client()
    response = client.get(f"/articles/{portal.SLUG}")
    assert response.status_code == 200
    doc = parse_html(response.text)
    assert doc.one("html").attrs["lang"] == "vi"
    assert [h.text for h in doc.find_all("h1")] == [portal.TITLE]
    body = doc.one("article")
    assert body.one("time").attrs["datetime"] == portal.PUBLISHED
    assert portal.KEY_SENTENCE in body.text
    assert [f.text for f in body.find_all("figcaption")] == portal.CAPTIONS
    assert body.one("p", class_="byline").text.endswith(portal.BYLINE)
    for chrome in portal.CHROME:
        assert chrome not in body.text, chrome


def test_import_while_the_service_runs_shows_on_the_next_request(
    db_path: Path,
    portal_path: Path,
    make_client: MakeClient,
    parse_html: Callable[[str], Node],
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = make_client()
    assert client.get("/").status_code == 200
    assert main(["--db", str(db_path), "import", str(portal_path)]) == 0
    capsys.readouterr()
    time.sleep(SYNC_SECONDS * 2)  # another process's commit is noticed within SYNC_SECONDS
    titles = [h2.text for h2 in parse_html(client.get("/").text).one("main").find_all("h2")]
    assert titles == [portal.TITLE]
    hits = parse_html(client.get("/search?q=vien+kiem+sat").text).one("main").find_all("h2")
    assert [h.text for h in hits] == [portal.TITLE]


# -- settings on the command line -------------------------------------------------------------
@pytest.mark.parametrize("where", ["before", "after"])
def test_serve_starts_on_the_db_given_before_or_after_the_command(
    where: str, db_path: Path, tmp_path: Path
) -> None:
    """`legible --db PATH serve` and `legible serve --db PATH` serve the same store (the
    variable names another, which the flag overrides)."""
    source = write(tmp_path / "in" / "thu-vien.json", json.dumps(GOOD, ensure_ascii=False))
    assert main(["--db", str(db_path), "import", str(source)]) == 0
    port = live.free_port()
    db = ["--db", str(db_path)]
    where_args = [*db, "serve"] if where == "before" else ["serve", *db]
    argv = [*live.PYTHON_CLI, *where_args, "--host", live.HOST, "--port", str(port)]
    env = live.server_env({"LEGIBLE_DB": str(tmp_path / "other.db"), "LEGIBLE_DEMO": "0"})
    with live.spawn(argv, port=port, env=env, log=tmp_path / "serve.log") as server:
        status, _, body = server.request("GET", "/articles/thu-vien")
        assert status == 200 and GOOD["title"].encode() in body
    assert not (tmp_path / "other.db").exists()
