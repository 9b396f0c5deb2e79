"""The admin API: auth, limits, validation, and changes a reader sees on the next request,
on both backends (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from starlette.testclient import TestClient

if TYPE_CHECKING:
    from conftest import MakeClient, Node

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ARTICLE = {
    "title": "Hội nghị giao ban Quý IV",
    "published": "2023-09-21",
    "body_html": "<p>Ngày 21/9/2023, Hội nghị giao ban diễn ra tại Hà Nội.</p>",
    "byline": "HQ - TL",
}
VARIANTS = ["", "?theme=dark&size=150", "?theme=high-contrast&size=200&spacing=1", "?size=125"]


@pytest.fixture
def store_db(db: str) -> str:
    return db


@pytest.fixture
def client(make_client: MakeClient) -> TestClient:
    return make_client(admin_token=TOKEN)


def put(client: TestClient, slug: str, data: Any, **kw: Any) -> Any:
    return client.put(f"/api/articles/{slug}", json=data, headers=kw.pop("headers", AUTH), **kw)


def h1(parse_html: Callable[[str], Node], text: str) -> str:
    return parse_html(text).one("h1").text


def teaser_titles(parse_html: Callable[[str], Node], text: str) -> list[str]:
    main = parse_html(text).one("main")
    return [h2.text for h2 in main.find_all("h2")]


# -- access ---------------------------------------------------------------------------------------
def test_api_is_off_without_a_token(make_client: MakeClient) -> None:
    client = make_client()
    assert put(client, "bai", ARTICLE).status_code == 404
    assert client.delete("/api/articles/bai", headers=AUTH).status_code == 404
    assert client.get("/articles/bai").status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": "Bearer "},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
        {"Authorization": f"Token {TOKEN}"},
    ],
    ids=["missing", "wrong", "longer", "empty", "basic", "no-scheme", "other-scheme"],
)
def test_bad_credentials_are_refused(client: TestClient, headers: dict[str, str]) -> None:
    for response in (
        put(client, "bai", ARTICLE, headers=headers),
        client.delete("/api/articles/bai", headers=headers),
    ):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert client.get("/articles/bai").status_code == 404


def test_delete_needs_the_token_too(client: TestClient) -> None:
    assert put(client, "bai", ARTICLE).status_code == 201
    assert client.delete("/api/articles/bai").status_code == 401
    assert client.get("/articles/bai").status_code == 200


# -- limits and validation ------------------------------------------------------------------------
def test_body_over_the_limit_is_413(make_client: MakeClient) -> None:
    client = make_client(admin_token=TOKEN, max_body_mb=0.001)  # about 1 KB
    big = dict(ARTICLE, body_html="<p>" + "chữ " * 400 + "</p>")
    assert put(client, "lon", big).status_code == 413
    assert put(client, "vua", ARTICLE).status_code == 201
    assert client.get("/articles/lon").status_code == 404


def test_streamed_body_over_the_limit_is_413(make_client: MakeClient) -> None:
    client = make_client(admin_token=TOKEN, max_body_mb=0.001)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is checked while reading
        yield b'{"title": "x", "body_html": "'
        for _ in range(10):
            yield b"a" * 200
        yield b'", "published": "2023-01-01"}'

    response = client.put("/api/articles/lon", content=chunks(), headers=AUTH)
    assert response.status_code == 413


@pytest.mark.parametrize("body", [b"{not json", b"", b"\xff\xfe\x00", b'{"title": "x",}'])
def test_malformed_json_is_422(client: TestClient, body: bytes) -> None:
    response = client.put("/api/articles/bai", content=body, headers=AUTH)
    assert response.status_code == 422
    assert "JSON" in response.json()["errors"]["body"]


def test_a_json_value_that_is_not_an_object_is_422(client: TestClient) -> None:
    response = put(client, "bai", [ARTICLE])
    assert response.status_code == 422
    assert "object" in response.json()["errors"]["body"]


def test_every_bad_field_is_listed(client: TestClient) -> None:
    data = {
        "published": "2023-02-30",
        "body_html": "<p>a</p>",
        "tags": "kiem-sat",
        "slug": "slug-khac",
    }
    response = put(client, "bai", data)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"title", "published", "tags", "slug"}
    assert "required" in errors["title"]
    assert "ISO date" in errors["published"]
    assert "list" in errors["tags"]
    assert "bai" in errors["slug"]
    assert client.get("/articles/bai").status_code == 404


@pytest.mark.parametrize("slug", ["Bad_Slug", "hai--gach", "-dau", "co%20dau-cach", "a" * 121])
def test_an_invalid_slug_in_the_url_is_422(client: TestClient, slug: str) -> None:
    response = put(client, slug, ARTICLE)
    assert response.status_code == 422
    assert "slug" in response.json()["errors"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lang": "tiếng việt"}, "lang"),
        ({"updated": "hôm qua"}, "updated"),
        ({"title": 42}, "title"),
        ({"title": "   "}, "title"),
        ({"body_html": ["<p>a</p>"]}, "body_html"),
        ({"extra": 1}, "body"),
        ({"title": "Tiêu\u0000đề"}, "title"),  # PostgreSQL could not store it: 422, not 503
    ],
)
def test_other_bad_fields_are_named(client: TestClient, change: dict[str, Any], field: str) -> None:
    response = put(client, "bai", dict(ARTICLE, **change))
    assert response.status_code == 422
    assert field in response.json()["errors"]


# -- writes a reader sees -------------------------------------------------------------------------
def test_put_creates_and_the_page_shows_it(
    client: TestClient, parse_html: Callable[[str], Node]
) -> None:
    assert client.get("/articles/hoi-nghi").status_code == 404  # also warms the 404 cache
    before = client.get("/")

    response = put(client, "hoi-nghi", ARTICLE)
    assert response.status_code == 201
    assert response.json() == {
        "slug": "hoi-nghi",
        "revision": 1,
        "result": "created",
        "url": "/articles/hoi-nghi",
    }

    page = client.get(response.json()["url"])
    assert page.status_code == 200
    assert h1(parse_html, page.text) == ARTICLE["title"]
    assert ARTICLE["title"] not in before.text
    assert ARTICLE["title"] in teaser_titles(parse_html, client.get("/").text)
    found = client.get("/search", params={"q": "giao ban"})
    assert ARTICLE["title"] in teaser_titles(parse_html, found.text)


def test_put_same_body_is_unchanged(client: TestClient) -> None:
    assert put(client, "bai", ARTICLE).status_code == 201
    response = put(client, "bai", ARTICLE)
    assert response.status_code == 200
    assert response.json()["result"] == "unchanged"
    assert response.json()["revision"] == 1


def test_update_is_visible_in_every_variant_fetched_before(
    client: TestClient, parse_html: Callable[[str], Node]
) -> None:
    assert put(client, "bai", ARTICLE).status_code == 201
    for variant in VARIANTS:
        page = client.get(f"/articles/bai{variant}")
        assert page.status_code == 200, variant
        assert h1(parse_html, page.text) == ARTICLE["title"]
    client.get("/")
    client.get("/?theme=dark&size=150")

    new = dict(ARTICLE, title="Tiêu đề đã sửa", body_html="<p>Nội dung mới hoàn toàn.</p>")
    response = put(client, "bai", new)
    assert response.status_code == 200
    assert response.json()["result"] == "updated"
    assert response.json()["revision"] == 2

    for variant in VARIANTS:
        page = client.get(f"/articles/bai{variant}")
        assert page.status_code == 200, variant
        assert h1(parse_html, page.text) == "Tiêu đề đã sửa", variant
        assert "Nội dung mới hoàn toàn." in page.text
        assert "diễn ra tại Hà Nội" not in page.text
    for index in ("/", "/?theme=dark&size=150"):
        titles = teaser_titles(parse_html, client.get(index).text)
        assert titles == ["Tiêu đề đã sửa"], index


def test_delete_removes_the_article_everywhere(
    client: TestClient, parse_html: Callable[[str], Node]
) -> None:
    assert put(client, "xoa", ARTICLE).status_code == 201
    assert put(client, "giu", dict(ARTICLE, title="Bài được giữ lại")).status_code == 201
    for variant in VARIANTS:
        assert client.get(f"/articles/xoa{variant}").status_code == 200
    assert ARTICLE["title"] in teaser_titles(parse_html, client.get("/").text)
    client.get("/search?q=giao+ban")

    response = client.delete("/api/articles/xoa", headers=AUTH)
    assert response.status_code == 204
    assert response.content == b""

    for variant in VARIANTS:
        page = client.get(f"/articles/xoa{variant}")
        assert page.status_code == 404, variant
        assert ARTICLE["title"] not in page.text
    assert teaser_titles(parse_html, client.get("/").text) == ["Bài được giữ lại"]
    search = client.get("/search?q=hoi+nghi")
    assert ARTICLE["title"] not in teaser_titles(parse_html, search.text)
    assert client.delete("/api/articles/xoa", headers=AUTH).status_code == 404


def test_delete_unknown_is_404(client: TestClient) -> None:
    response = client.delete("/api/articles/khong-co", headers=AUTH)
    assert response.status_code == 404
    assert "khong-co" in response.json()["error"]


def test_put_after_delete_creates_again(client: TestClient) -> None:
    assert put(client, "bai", ARTICLE).status_code == 201
    assert client.delete("/api/articles/bai", headers=AUTH).status_code == 204
    response = put(client, "bai", ARTICLE)
    assert response.status_code == 201
    assert response.json()["revision"] == 1
    assert client.get("/articles/bai").status_code == 200


def test_uppercase_slug_redirect_follows_a_new_article(client: TestClient) -> None:
    assert put(client, "bai-moi", ARTICLE).status_code == 201
    response = client.get("/articles/Bai-Moi")
    assert response.status_code == 301
    assert response.headers["location"] == "/articles/bai-moi"


# -- audit ----------------------------------------------------------------------------------------
def _audit(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "legible.audit"]


def test_every_change_writes_an_audit_line(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="legible.audit"):
        put(client, "bai", ARTICLE)
        put(client, "bai", dict(ARTICLE, title="Sửa"))
        client.delete("/api/articles/bai", headers=AUTH)
    lines = _audit(caplog)
    assert [(line["action"], line["slug"]) for line in lines] == [
        ("put", "bai"),
        ("put", "bai"),
        ("delete", "bai"),
    ]
    assert [line["result"] for line in lines] == ["created", "updated", "deleted"]
    assert all(line["client"] == "testclient" for line in lines)


def test_refused_requests_change_nothing_and_are_not_audited_as_changes(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="legible.audit"):
        put(client, "bai", ARTICLE, headers={"Authorization": "Bearer sai"})
        put(client, "bai", {"title": "thiếu"})
    assert _audit(caplog) == []


# -- source_url -----------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["javascript:alert(1)", "/tin-tuc/bai", "//example.org/tin"])
def test_a_bad_source_url_is_a_422_naming_it(client: TestClient, bad: str) -> None:
    response = put(client, "bai", dict(ARTICLE, source_url=bad))
    assert response.status_code == 422
    assert "absolute http or https URL" in response.json()["errors"]["source_url"]
    assert client.get("/articles/bai").status_code == 404  # nothing stored


def test_source_url_is_stored_and_can_be_cleared(client: TestClient, db: str) -> None:
    from service.store import open_store

    url = "https://vksndtc.gov.vn/tin-tuc/hoi-nghi-giao-ban"
    assert put(client, "bai", dict(ARTICLE, source_url=url)).json()["result"] == "created"
    assert put(client, "bai", dict(ARTICLE, source_url=url)).json()["result"] == "unchanged"
    store = open_store(db)
    try:
        found = store.get("bai")
        assert found is not None and found.source_url == url
        cleared = put(client, "bai", ARTICLE).json()  # left out: back to empty, as any field
        assert (cleared["result"], cleared["revision"]) == ("updated", 2)
        found = store.get("bai")
        assert found is not None and found.source_url == ""
    finally:
        store.close()
