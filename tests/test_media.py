"""The media store: `PUT /api/media/NAME`, the immutable `/media/…` URLs, what Pillow
keeps and drops, every refusal (nothing stored), and photos in article pages, on both
backends (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image
from starlette.testclient import TestClient

from service.store import Store, open_store

if TYPE_CHECKING:
    from conftest import MakeClient, Node

TOKEN = "s3cret-token-0123456789abcdefghijk"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
URL = re.compile(r"^/media/[0-9a-f]{20}-(\d+)\.(jpg|png|webp)$")


def picture(
    size: tuple[int, int] = (2000, 1000),
    fmt: str = "PNG",
    mode: str = "RGB",
    **save: Any,
) -> bytes:
    """A picture with something in it (a gradient), so encoders have work to do."""
    image = Image.linear_gradient("L").resize(size).convert(mode)
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


@pytest.fixture
def store_db(db: str) -> str:
    return db


@pytest.fixture
def client(make_client: MakeClient) -> TestClient:
    return make_client(admin_token=TOKEN)


def upload(client: TestClient, name: str, data: bytes, headers: Any = AUTH) -> Any:
    return client.put(f"/api/media/{name}", content=data, headers=headers)


def nothing_stored(db: str) -> bool:
    store = open_store(db)
    try:
        return not store.media_names() and not list(store.all_media())
    finally:
        store.close()


# -- upload and serving ----------------------------------------------------------------------------
def test_an_upload_is_stored_at_hashed_widths_never_upscaled(client: TestClient) -> None:
    response = upload(client, "anh-hoi-nghi.png", picture((2000, 1000)))
    assert response.status_code == 201
    body = response.json()
    assert body["result"] == "created"
    assert URL.match(body["url"]) and body["url"].endswith("-1600.png")
    assert (body["width"], body["height"]) == (1600, 800)
    widths = [int(URL.match(part.split()[0])[1]) for part in body["srcset"].split(", ")]  # type: ignore[index]
    assert widths == [480, 960, 1600]
    for part in body["srcset"].split(", "):
        url, width = part.split()
        got = client.get(url)
        assert got.status_code == 200
        assert got.headers["content-type"] == "image/png"
        assert "immutable" in got.headers["cache-control"]
        assert Image.open(io.BytesIO(got.content)).size[0] == int(width.rstrip("w"))
        again = client.get(url, headers={"If-None-Match": got.headers["etag"]})
        assert again.status_code == 304 and again.content == b""

    small = upload(client, "nho.jpg", picture((300, 200), "JPEG")).json()
    assert small["srcset"].count("w") == 1 and small["url"].endswith("-300.jpg")
    assert (small["width"], small["height"]) == (300, 200)


def test_the_same_bytes_again_answer_200_and_other_bytes_repoint_the_name(
    client: TestClient, db: str
) -> None:
    first = upload(client, "a.png", picture((600, 400)))
    same = upload(client, "a.png", picture((600, 400)))
    assert (first.status_code, same.status_code) == (201, 200)
    assert same.json()["result"] == "unchanged" and same.json()["url"] == first.json()["url"]
    other = upload(client, "a.png", picture((500, 400)))
    assert other.status_code == 201 and other.json()["url"] != first.json()["url"]
    assert client.get(first.json()["url"]).status_code == 200  # articles may still show it


def test_exif_is_stripped_and_orientation_applied(client: TestClient) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {1: "N", 2: (21.0, 1.0, 30.0)}  # GPS
    raw = picture((400, 200), "JPEG", exif=exif.tobytes(), comment=b"private note")
    assert b"SecretCam" in raw
    body = upload(client, "xoay.jpg", raw).json()
    assert (body["width"], body["height"]) == (200, 400)  # turned upright
    stored = client.get(body["url"]).content
    assert b"SecretCam" not in stored and b"private note" not in stored and b"Exif" not in stored
    image = Image.open(io.BytesIO(stored))
    assert image.size == (200, 400) and not image.getexif()
    assert "icc_profile" not in image.info and "exif" not in image.info


@pytest.mark.parametrize(
    ("fmt", "mode", "ext"),
    [("JPEG", "RGB", "jpg"), ("PNG", "RGBA", "png"), ("WEBP", "RGB", "webp"), ("GIF", "P", "png")],
)
def test_each_family_stays_itself_and_a_still_gif_becomes_png(
    client: TestClient, fmt: str, mode: str, ext: str
) -> None:
    body = upload(client, f"x.{fmt.lower()}", picture((700, 300), fmt, mode)).json()
    assert body["url"].endswith(f"-700.{ext}")
    got = client.get(body["url"])
    assert Image.open(io.BytesIO(got.content)).format == {"jpg": "JPEG"}.get(ext, ext.upper())


def test_unknown_media_urls_are_404_and_not_cached(client: TestClient) -> None:
    body = upload(client, "a.png", picture((600, 400))).json()
    for url in (
        body["url"].replace("-600.", "-500."),  # no such width
        body["url"].replace(".png", ".jpg"),  # not its type
        "/media/" + "0" * 20 + "-600.png",
        "/media/x.png",
    ):
        got = client.get(url)
        assert got.status_code == 404, url
        assert got.headers.get("cache-control") in ("no-store", None), url


# -- refusals: a clear 4xx, and nothing stored -----------------------------------------------------
def _animated_gif() -> bytes:
    frames = [Image.new("RGB", (40, 40), c) for c in ("red", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(out).n_frames == 2  # type: ignore[attr-defined]
    return out.getvalue()


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)
REFUSED = {
    "text": ("a.png", b"hello, not an image", 415, "not an image"),
    "svg": ("a.svg", SVG, 415, "SVG"),
    "bare-svg": ("b.png", b"  <svg onload=alert(1)></svg>", 415, "SVG"),
    "bmp": ("a.bmp", picture((50, 50), "BMP"), 415, "JPEG, PNG, WebP"),
    "truncated": ("t.png", picture((800, 800))[:3000], 415, "damaged"),
    "animated-gif": ("a.gif", _animated_gif(), 415, "animated"),
    "too-many-pixels": ("big.png", picture((3000, 2000)), 422, "pixels"),
    "too-many-bytes": (
        "huge.png",
        picture((2000, 2000), "PNG", "RGB") + b"\0" * 3_000_000,
        413,
        "MB",
    ),
    "dot-dot": ("%2E%2E", picture((50, 50)), 400, "name"),
    "dot-dot-path": ("x%2F..%2Fy.png", picture((50, 50)), 400, "name"),
    "dot-dot-in": ("a..png", picture((50, 50)), 400, "name"),
    "slash": ("a%2Fb.png", picture((50, 50)), 400, "name"),
    "nested": ("sub/b.png", picture((50, 50)), 400, "name"),
    "backslash": ("a%5Cb.png", picture((50, 50)), 400, "name"),
    "control": ("a%0Ab.png", picture((50, 50)), 400, "name"),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_bad_input_is_refused_with_its_reason_and_nothing_stored(
    make_client: MakeClient, db: str, case: str
) -> None:
    name, data, status, says = REFUSED[case]
    client = make_client(admin_token=TOKEN, media_max_pixels=5_000_000, media_max_mb=2.0)
    response = upload(client, name, data)
    assert response.status_code == status, response.text
    assert says in response.text
    assert nothing_stored(db)


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}], ids=["missing", "wrong"]
)
def test_a_missing_or_bad_token_is_401_and_nothing_stored(
    client: TestClient, db: str, headers: dict[str, str]
) -> None:
    response = upload(client, "a.png", picture((60, 60)), headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert nothing_stored(db)


def test_the_media_api_is_off_without_a_token(make_client: MakeClient, db: str) -> None:
    assert upload(make_client(), "a.png", picture((60, 60))).status_code == 404
    assert nothing_stored(db)


# -- photos in articles ----------------------------------------------------------------------------
def article(body_html: str, title: str = "Hội nghị có ảnh") -> dict[str, Any]:
    return {"title": title, "published": "2023-09-21", "body_html": body_html}


def figure(url: str, alt: str = "Đồng chí phát biểu tại Hội nghị") -> str:
    return (
        f'<p>Mở đầu.</p><figure><img src="{url}" alt="{alt}">'
        "<figcaption>Đồng chí … phát biểu tại Hội nghị</figcaption></figure>"
    )


@pytest.mark.parametrize(
    "theme", ["default", "dark", "sepia", "high-contrast", "high-contrast-light"]
)
def test_a_figure_renders_in_every_theme_with_srcset_sizes_width_height(
    client: TestClient, parse_html: Callable[[str], Node], theme: str
) -> None:
    photo = upload(client, "p.jpg", picture((2000, 1500), "JPEG")).json()
    assert (
        client.put(
            "/api/articles/co-anh", json=article(figure(photo["url"])), headers=AUTH
        ).status_code
        == 201
    )
    page = client.get(f"/articles/co-anh?theme={theme}")
    assert page.status_code == 200
    fig = parse_html(page.text).one("figure")
    img = fig.one("img")
    assert img.attrs["alt"] == "Đồng chí phát biểu tại Hội nghị"
    assert (img.attrs["width"], img.attrs["height"]) == ("1600", "1200")
    assert img.attrs["srcset"] == photo["srcset"]
    assert img.attrs["sizes"] and img.attrs["src"].endswith("-960.jpg")
    assert fig.one("figcaption").text.startswith("Đồng chí")
    assert client.get(img.attrs["src"]).status_code == 200


def test_an_img_without_alt_is_refused_naming_alt_and_empty_alt_is_decorative(
    client: TestClient,
) -> None:
    photo = upload(client, "p.png", picture((600, 400))).json()
    refused = client.put(
        "/api/articles/khong-alt", json=article(f'<p><img src="{photo["url"]}"></p>'), headers=AUTH
    )
    assert refused.status_code == 422
    assert "alt" in refused.json()["errors"]["body_html"]
    assert client.get("/articles/khong-alt").status_code == 404
    decorative = client.put(
        "/api/articles/trang-tri", json=article(figure(photo["url"], alt="")), headers=AUTH
    )
    assert decorative.status_code == 201
    assert 'alt=""' in client.get("/articles/trang-tri").text


def test_deleting_an_article_leaves_the_photos_another_shows(
    client: TestClient, parse_html: Callable[[str], Node]
) -> None:
    photo = upload(client, "chung.png", picture((800, 600))).json()
    for slug in ("mot", "hai"):
        client.put(f"/api/articles/{slug}", json=article(figure(photo["url"]), slug), headers=AUTH)
    assert client.delete("/api/articles/mot", headers=AUTH).status_code == 204
    page = client.get("/articles/hai")
    for part in parse_html(page.text).one("figure").one("img").attrs["srcset"].split(", "):
        assert client.get(part.split()[0]).status_code == 200


# -- the store, both engines -----------------------------------------------------------------------
def test_the_store_keeps_names_and_widths(any_store: Store) -> None:
    from service.media import process

    image = process(picture((1000, 500)), 10_000_000)
    assert any_store.put_media("a.png", image) == "created"
    assert any_store.put_media("a.png", image) == "unchanged"
    assert any_store.put_media("b.png", image) == "created"
    assert any_store.media_names() == {"a.png": image.digest, "b.png": image.digest}
    for r in image.renditions:
        assert any_store.media_file(image.digest, r.width) == ("png", r.data)
    assert any_store.media_file(image.digest, 7) is None
    sizes = any_store.media_sizes([image.digest, "f" * 20])
    assert list(sizes) == [image.digest]
    assert [(r.width, r.height) for r in sizes[image.digest].renditions] == [
        (480, 240),
        (960, 480),
        (1000, 500),
    ]
    assert list(any_store.all_media()) == [image]
    other = process(picture((300, 300)), 10_000_000)
    assert any_store.put_media("a.png", other) == "updated"
    assert any_store.put_media(None, other) == "unchanged"
    assert {i.digest for i in any_store.all_media()} == {image.digest, other.digest}


# -- the write path and the themes ----------------------------------------------------------------
def test_a_stored_photo_is_purged_by_its_tag_once_through_the_write_path(
    client: TestClient,
) -> None:
    """A cache in front may hold an answer for the URL from before it existed."""
    purged: list[list[str]] = []

    class Purger:
        def purge(self, tags: Any) -> None:
            purged.append(sorted(tags))

    client.app.state.site.writes.purger = Purger()  # type: ignore[attr-defined]
    body = upload(client, "a.png", picture((600, 400))).json()
    digest = body["url"].split("/")[-1].split("-")[0]
    assert purged == [[f"media:{digest}"]]
    assert client.get(body["url"]).headers["xkey"] == f"media:{digest}"
    assert upload(client, "a.png", picture((600, 400))).status_code == 200
    assert purged == [[f"media:{digest}"]]


def test_a_photo_stored_after_its_article_gets_the_page_its_srcset_and_purges_it(
    client: TestClient, parse_html: Callable[[str], Node]
) -> None:
    """The page built before the photo existed (cached, in every variant asked for) is
    dropped when the photo is stored, and the caches in front are purged by the tag the
    page carries; a photo stored again under another name changes nothing."""
    from service.media import process

    purged: list[list[str]] = []

    class Purger:
        def purge(self, tags: Any) -> None:
            purged.append(sorted(tags))

    client.app.state.site.writes.purger = Purger()  # type: ignore[attr-defined]
    data = picture((1000, 500))
    image = process(data, 10_000_000)
    client.put("/api/articles/anh-sau", json=article(figure(image.url)), headers=AUTH)
    purged.clear()
    for theme in ("default", "dark"):
        img = parse_html(client.get(f"/articles/anh-sau?theme={theme}").text).one("img")
        assert "srcset" not in img.attrs and "width" not in img.attrs
    page = client.get("/articles/anh-sau?theme=dark")
    tags = ["article:anh-sau", f"media:{image.digest}", "media:pending"]
    assert page.headers["xkey"].split() == tags
    assert upload(client, "sau.png", data).status_code == 201
    assert purged == [[f"media:{image.digest}"]]
    for theme in ("default", "dark"):
        img = parse_html(client.get(f"/articles/anh-sau?theme={theme}").text).one("img")
        assert img.attrs["srcset"] == image.srcset()
        assert (img.attrs["width"], img.attrs["height"]) == ("1000", "500")
    assert client.get("/articles/anh-sau").headers["xkey"].split() == tags[:2]
    assert upload(client, "ten-khac.png", data).status_code == 201  # the same photo
    assert purged == [[f"media:{image.digest}"]] * 2


def test_photos_get_a_thicker_border_in_the_themes_that_promise_aaa() -> None:
    from service.themes import _block, data_dir, load_themes

    themes = load_themes(data_dir("themes"))
    assert {t.level for t in themes.values()} == {"AA", "AAA"}
    for theme in themes.values():
        width = "0.1875rem" if theme.level == "AAA" else "0.0625rem"
        assert f"--image-border:{width};" in _block(theme), theme.name
    css = (data_dir("themes") / "base.css").read_text(encoding="utf-8")
    rule = re.search(r"\.article img \{([^}]*)\}", css)
    assert rule is not None
    assert "var(--image-border" in rule[1] and "var(--border)" in rule[1]
    assert "filter: none" in rule[1]


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width x height but holds one row: what a decompression bomb's
    header looks like. Decoding it would need width x height x 3 bytes."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = zlib.compress(b"\0" + b"\0" * 3 * min(width, 1000))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", row) + chunk(b"IEND", b"")


@pytest.mark.parametrize("size", [(20_000, 20_000), (60_000, 60_000)], ids=["limit", "pillow"])
def test_a_bomb_is_refused_from_its_header_before_decoding(
    client: TestClient, db: str, size: tuple[int, int]
) -> None:
    """Over our limit (40 million by default), and over Pillow's own error (2 x 89.5
    million): both answered 422 at once, from the header, nothing stored."""
    response = upload(client, "bom.png", _png_header_only(*size))
    assert response.status_code == 422 and "pixels" in response.text
    assert nothing_stored(db)


def test_figure_img_and_figcaption_survive_sanitising_and_markup_in_alt_stays_text() -> None:
    from service.figures import without_alt
    from service.sanitize import sanitize_html

    dirty = (
        '<figure onclick="x()"><img src="/media/0123456789abcdef0123-480.jpg" alt="a &quot;b&quot;'
        ' <i>c</i>" srcset="https://evil.example/x.jpg 1x" style="filter:invert(1)">'
        "<figcaption>Chú thích <script>x()</script></figcaption></figure>"
    )
    clean = sanitize_html(dirty)
    assert clean.startswith("<figure><img ") and "<figcaption>Chú thích </figcaption>" in clean
    assert "srcset" not in clean and "style" not in clean and "onclick" not in clean
    assert without_alt(clean) == []
    assert without_alt(sanitize_html('<p><img src="a.png"><img src="b.png" alt=""></p>')) == [
        "a.png"
    ]


@pytest.mark.parametrize("orientation", [1, 6, 8])
def test_a_large_jpeg_decoded_at_a_reduced_scale_keeps_its_shape(orientation: int) -> None:
    """libjpeg's draft scaling (1/2 here) must still leave every width at full quality
    size, also when the orientation swaps the sides."""
    from service.media import process

    exif = Image.Exif()
    exif[0x0112] = orientation
    image = process(picture((3400, 2000), "JPEG", exif=exif.tobytes()), 40_000_000)
    tall = orientation != 1
    expected = (
        [(480, 816), (960, 1632), (1600, 2720)] if tall else [(480, 282), (960, 565), (1600, 941)]
    )
    assert [(r.width, r.height) for r in image.renditions] == expected
    for r in image.renditions:
        assert Image.open(io.BytesIO(r.data)).size == (r.width, r.height)
