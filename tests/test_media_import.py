"""Photos through `legible import` (Markdown and JSON with local images) and through
`legible export` and back, byte for byte, on both backends."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image

from service.cli import main
from service.store import Store, open_store

MEDIA_URL = re.compile(r'src="(/media/[0-9a-f]{20}-\d+\.(?:jpg|png|webp))"')


def picture(path: Path, size: tuple[int, int], fmt: str = "PNG") -> bytes:
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    out = io.BytesIO()
    image.save(out, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())
    return out.getvalue()


def opened(db: str) -> Store:
    return open_store(db)


def contents(db: str) -> tuple[dict[str, str], list[object], dict[str, str]]:
    """(slug -> body, every image with its bytes, name -> digest)."""
    store = opened(db)
    try:
        return (
            {a.slug: a.body_html for a in store.all()},
            list(store.all_media()),
            store.media_names(),
        )
    finally:
        store.close()


MARKDOWN = """---
title: Hội nghị có ảnh
published: 2023-09-21
slug: hoi-nghi-co-anh
---
Mở đầu bài.

![Đồng chí phát biểu tại Hội nghị](anh/phat-bieu.jpg "Đồng chí … phát biểu tại Hội nghị")

![](trang-tri.png)
"""


def test_markdown_with_relative_images_stores_them_and_points_at_the_site(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    picture(folder / "anh" / "phat-bieu.jpg", (1200, 800), "JPEG")
    picture(folder / "trang-tri.png", (300, 40))
    (folder / "bai.md").write_text(MARKDOWN, encoding="utf-8")
    assert main(["--db", db, "import", str(folder)]) == 0
    assert "stored 2 photos" in capsys.readouterr().out
    bodies, media, names = contents(db)
    body = bodies["hoi-nghi-co-anh"]
    assert "anh/phat-bieu.jpg" not in body and "trang-tri.png" not in body
    urls = MEDIA_URL.findall(body)
    assert [u.rsplit(".", 1)[1] for u in urls] == ["jpg", "png"]
    assert 'alt="Đồng chí phát biểu tại Hội nghị"' in body and 'alt=""' in body
    # A titled photo alone in its paragraph is a figure, its title the caption.
    assert re.search(r"<figure><img [^>]+><figcaption>Đồng chí … phát biểu", body)
    assert set(names) == {"phat-bieu.jpg", "trang-tri.png"}
    assert len(media) == 2
    # Imported again: the same photos, the same article.
    assert main(["--db", db, "import", str(folder)]) == 0
    assert contents(db) == (bodies, media, names)


def test_json_reads_images_relative_to_its_own_folder(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "json"
    picture(folder / "photos" / "a.webp", (500, 500), "WEBP")
    article = {
        "slug": "json-anh",
        "title": "JSON có ảnh",
        "published": "2023-09-21",
        "body_html": (
            '<figure><img src="photos/a.webp" alt="Ảnh A"><figcaption>A</figcaption></figure>'
        ),
    }
    (folder / "a.json").write_text(json.dumps(article), encoding="utf-8")
    assert main(["--db", db, "import", str(folder / "a.json")]) == 0
    bodies, media, names = contents(db)
    assert MEDIA_URL.search(bodies["json-anh"])
    assert names == {"a.webp": media[0].digest}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("src", "says"),
    [
        ("../outside.png", "outside the folder"),
        ("sub/../../outside.png", "outside the folder"),
        ("missing.png", "cannot be read"),
        ("not-an-image.png", "not an image"),
    ],
)
def test_a_bad_local_image_fails_its_file_and_nothing_is_stored(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], src: str, says: str
) -> None:
    picture(tmp_path / "outside.png", (100, 100))
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "not-an-image.png").write_text("hello", encoding="utf-8")
    picture(folder / "good.png", (100, 100))
    body = f'<img src="good.png" alt="tốt"><img src="{src}" alt="xấu">'
    article = {"slug": "xau", "title": "Xấu", "published": "2023-09-21", "body_html": body}
    (folder / "a.json").write_text(json.dumps(article), encoding="utf-8")
    assert main(["--db", db, "import", str(folder / "a.json")]) == 1
    out = capsys.readouterr().out
    assert says in out and src in out
    assert contents(db) == ({}, [], {})  # not even the good image of that file


def test_export_holds_the_photos_and_import_restores_them_byte_for_byte(
    db: str, tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    picture(folder / "anh" / "phat-bieu.jpg", (2000, 1500), "JPEG")
    picture(folder / "trang-tri.png", (300, 40))
    (folder / "bai.md").write_text(MARKDOWN, encoding="utf-8")
    assert main(["--db", db, "import", str(folder)]) == 0
    # A name re-pointed: its old image stays (an article may show it) and is exported.
    picture(folder / "v2" / "trang-tri.png", (200, 40))
    picture(folder / "v2" / "v2.png", (100, 40))
    (folder / "v2" / "b.md").write_text(
        MARKDOWN.replace("hoi-nghi-co-anh", "b").replace("anh/phat-bieu.jpg", "v2.png"),
        encoding="utf-8",
    )
    assert main(["--db", db, "import", str(folder / "v2")]) == 0
    dump = tmp_path / "all.json"
    assert main(["--db", db, "export", "-o", str(dump)]) == 0
    exported = json.loads(dump.read_text(encoding="utf-8"))
    assert len(exported["articles"]) == 2 and len(exported["media"]) == 4

    target = str(db_path.with_name("restored.db"))
    assert main(["--db", target, "import", str(dump)]) == 0
    assert contents(target) == contents(db)  # articles, every width's bytes, the names
    again = tmp_path / "again.json"
    assert main(["--db", target, "export", "-o", str(again)]) == 0
    assert again.read_bytes() == dump.read_bytes()
    capsys.readouterr()


def test_an_export_whose_photo_was_altered_is_refused(
    db: str, tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    picture(folder / "trang-tri.png", (300, 40))
    (folder / "bai.md").write_text(MARKDOWN.replace("anh/phat-bieu.jpg", "trang-tri.png"), "utf-8")
    assert main(["--db", db, "import", str(folder)]) == 0
    dump = tmp_path / "all.json"
    assert main(["--db", db, "export", "-o", str(dump)]) == 0
    data = json.loads(dump.read_text(encoding="utf-8"))
    raw = bytearray(base64.b64decode(data["media"][0]["renditions"][0]["data"]))
    raw[-20] ^= 0xFF
    data["media"][0]["renditions"][0]["data"] = base64.b64encode(bytes(raw)).decode()
    dump.write_text(json.dumps(data), encoding="utf-8")
    target = str(db_path.with_name("restored.db"))
    assert main(["--db", target, "import", str(dump)]) == 1
    assert "do not match its digest" in capsys.readouterr().out
    assert contents(target) == ({}, [], {})
