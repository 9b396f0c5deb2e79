"""The operator's portal: no demo content unless asked, the empty site, the site's
identity, and what search engines read (canonical links, sitemap, feed, robots.txt)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from live import ROOT, serve, server_env
from starlette.testclient import TestClient

from service import create_app
from service.settings import Settings
from service.store import open_store

if TYPE_CHECKING:
    from conftest import Node

Parse = Callable[[str], "Node"]


# -- demo content only on request ----------------------------------------------------------------
def test_demo_is_off_unless_asked() -> None:
    assert Settings().demo is False
    assert Settings.from_env({}).demo is False
    assert Settings.from_env({"LEGIBLE_DEMO": "1"}).demo is True


def test_an_empty_store_shows_the_no_articles_page(tmp_path: Path, parse_html: Parse) -> None:
    db = tmp_path / "t.db"
    with TestClient(create_app(Settings(db=str(db)))) as client:
        response = client.get("/")
        themed = client.get("/?theme=dark&size=150")
    for answer in (response, themed):
        assert answer.status_code == 200
        doc = parse_html(answer.text)
        assert doc.one("html").attrs["lang"] == "vi"
        assert doc.one("h1").text.strip() == "Chưa có bài viết nào"
        assert "ngay khi được đăng" in doc.one("main").text
        assert doc.one("title").text.startswith("Chưa có bài viết nào")
        assert not doc.find("ol")  # no empty list, no pagination
        assert doc.one("main").attrs["id"] == "main"  # the skip link's target is there
    found = open_store(str(db))
    try:
        assert found.count() == 0
    finally:
        found.close()


def test_legible_serve_without_demo_starts_empty(tmp_path: Path, parse_html: Parse) -> None:
    env = server_env({"LEGIBLE_DB": str(tmp_path / "t.db")})
    del env["LEGIBLE_DEMO"]  # the production default, not the test servers'
    with serve(env=env, log=tmp_path / "server.log") as server:
        status, _, body = server.request("GET", "/")
        demo, _, _ = server.request("GET", "/articles/thu-vien-thanh-pho-mo-cua-den-21-gio")
    assert status == 200
    assert parse_html(body.decode()).one("h1").text.strip() == "Chưa có bài viết nào"
    assert demo == 404


def test_make_run_asks_for_the_demo_and_the_image_and_compose_do_not() -> None:
    makefile = (ROOT / "Makefile").read_text()
    run = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert run and "LEGIBLE_DEMO=1 " in run.group(1)
    for shipped in ("Dockerfile", "deploy/compose.yaml"):
        assert "LEGIBLE_DEMO" not in (ROOT / shipped).read_text(), shipped
