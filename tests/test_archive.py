"""The backup archive (`legible export -o FILE.tar`, `legible import FILE.tar`): a
store with photos and widget bundles goes SQLite -> archive -> PostgreSQL -> archive
-> SQLite unchanged, a photo over 20 MB included; a damaged archive is one line
naming the member; a restore onto a running site purges only what changed."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image as PILImage

from service.cli import main
from service.errors import StoreUnavailable
from service.media import process
from service.store import Store, open_store
from service.widget import bundle_digest
from tests.support import pg
from tests.support.live import serve, server_env
from tests.support.purges import running

# docs/operators/production.md#backups, word for word: an online copy of a live SQLite file.
SQLITE_BACKUP = (
    "import sqlite3, sys; sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2]))"
)
BIG_MB = 20  # the old limit of an importable file; the large photo's widest width beats it
MARKDOWN = """---
title: {title}
published: 2023-09-21
slug: {slug}
---
Mở đầu bài.

![Toàn cảnh hội nghị]({photo} "Toàn cảnh hội nghị")
"""


def noise_png(path: Path, size: tuple[int, int]) -> None:
    """A PNG of random pixels: it does not compress, so its bytes are its pixels."""
    image = PILImage.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "PNG", compress_level=1)


def gradient_jpeg(path: Path, size: tuple[int, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    PILImage.linear_gradient("L").resize(size).convert("RGB").save(path, "JPEG")


def write_article(folder: Path, slug: str, photo: str, title: str = "Hội nghị") -> None:
    text = MARKDOWN.format(title=title, slug=slug, photo=photo)
    (folder / f"{slug}.md").write_text(text, encoding="utf-8")


def everything(db: str) -> dict[str, Any]:
    """What a restore must bring back: articles, every width's bytes, names, bundles."""
    store = open_store(db)
    try:
        return {
            "articles": [a.to_json() for a in store.all()],
            "media": {
                image.digest: [(r.width, r.height, r.data) for r in image.renditions]
                for image in store.all_media()
            },
            "names": store.media_names(),
            "bundles": {d: store.bundle(d) for d in store.bundle_digests()},
        }
    finally:
        store.close()


def members(path: Path) -> dict[str, bytes]:
    """Each member's bytes, the manifest without its creation time."""
    out = {}
    with tarfile.open(path) as tar:
        for member in tar:
            data = tar.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "manifest.json":
                manifest = json.loads(data)
                del manifest["created"]
                data = json.dumps(manifest).encode()
            out[member.name] = data
    return out


def small_store(tmp_path: Path, db: str) -> None:
    """Two articles with a photo each, a nameless older photo and a widget bundle."""
    folder = tmp_path / "in"
    gradient_jpeg(folder / "anh.jpg", (1200, 800))
    noise_png(folder / "nho.png", (300, 200))
    write_article(folder, "mot", "anh.jpg")
    write_article(folder, "hai", "nho.png", "Hai")
    assert main(["--db", db, "import", str(folder)]) == 0
    store = open_store(db)
    try:
        body = b"/* widget bundle of an earlier release */"
        store.keep_bundle(bundle_digest(body), body)
        old = io.BytesIO()
        PILImage.new("RGB", (64, 32), "navy").save(old, "PNG")
        store.put_media(None, process(old.getvalue(), 1_000_000))
    finally:
        store.close()


def test_a_store_goes_sqlite_to_postgresql_and_back_byte_for_byte(
    tmp_path: Path,
    pg_cluster: pg.Cluster,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LEGIBLE_MEDIA_MAX_MB", "64")  # the upload of the large photo
    first = str(tmp_path / "first.db")
    small_store(tmp_path, first)
    # 1600 x 4600 random pixels: the stored 1600-wide PNG alone is over 20 MB.
    noise_png(tmp_path / "big" / "lon.png", (1600, 4600))
    write_article(tmp_path / "big", "lon", "lon.png", "Ảnh lớn")
    assert main(["--db", first, "import", str(tmp_path / "big")]) == 0
    original = everything(first)
    widest = max(len(data) for widths in original["media"].values() for *_, data in widths)
    assert widest > BIG_MB * 1024 * 1024
    assert len(original["media"]) == 4 and len(original["bundles"]) == 1

    to_pg, from_pg = tmp_path / "first.tar", tmp_path / "pg.tar"
    assert main(["--db", first, "export", "-o", str(to_pg)]) == 0
    assert "exported 3 articles, 4 photos and 1 widget bundles" in capsys.readouterr().err
    url = pg_cluster.database()
    try:
        assert main(["--db", url, "import", str(to_pg)]) == 0
        assert "3 new," in capsys.readouterr().out
        assert everything(url) == original
        assert main(["--db", url, "export", "-o", str(from_pg)]) == 0
    finally:
        pg_cluster.release(url)
    last = str(tmp_path / "last.db")
    assert main(["--db", last, "import", str(from_pg)]) == 0
    out = capsys.readouterr().out
    assert "3 new, 0 updated, 0 unchanged, 0 failed; stored 4 photos" in out
    assert "kept 1 widget bundles" in out
    assert everything(last) == original
    assert members(from_pg) == members(to_pg)  # the same archive, member for member
    # The archive is plain tar: each width is the very file its /media/ URL serves.
    digest = next(d for d, w in original["media"].items() if len(w[-1][2]) == widest)
    assert members(to_pg)[f"media/{digest}-1600.png"] == original["media"][digest][-1][2]
    # Restored again: nothing is written.
    assert main(["--db", last, "import", str(from_pg)]) == 0
    assert "0 new, 0 updated, 3 unchanged, 0 failed\n" in capsys.readouterr().out


def test_an_archive_can_be_gzipped_piped_and_named_anything(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    db = str(tmp_path / "t.db")
    small_store(tmp_path, db)
    capsysbinary.readouterr()
    assert main(["--db", db, "export", "--format", "archive"]) == 0  # to stdout
    piped = capsysbinary.readouterr().out
    assert piped[257:262] == b"ustar"
    nameless = tmp_path / "backup-2026-12-07"  # no extension: known by its first bytes
    nameless.write_bytes(piped)
    zipped = tmp_path / "backup.tar.gz"
    assert main(["--db", db, "export", "-o", str(zipped)]) == 0
    assert gzip.decompress(zipped.read_bytes())[257:262] == b"ustar"
    for source in (nameless, zipped):
        target = str(tmp_path / f"{source.name}.db")
        assert main(["--db", target, "import", str(source)]) == 0
        assert everything(target) == everything(db)


def damage(archive: Path, member: str, how: str) -> str:
    """`archive` with the first member matching `member` damaged: a byte flipped in its
    data, or the file cut in its data or just before its header. Returns its name."""
    with tarfile.open(archive) as tar:
        info = next(m for m in tar.getmembers() if re.fullmatch(member, m.name))
    data = bytearray(archive.read_bytes())
    if how == "flipped":
        data[info.offset_data + info.size // 2] ^= 0xFF
    elif how == "cut inside":
        del data[info.offset_data + info.size // 2 :]
    else:  # cut before it: the members before it are whole
        del data[info.offset :]
    archive.write_bytes(bytes(data))
    return info.name


WIDTH = r"media/.*-\d+\.(jpg|png)"


@pytest.mark.parametrize(
    ("member", "how", "says"),
    [
        (WIDTH, "cut inside", "{named}: cannot be read after media/"),
        ("articles.jsonl", "cut inside", "articles.jsonl: cannot be read after media/"),
        ("articles.jsonl", "cut before", ": the archive ends after it, before articles.jsonl"),
        ("articles.jsonl", "flipped", "articles.jsonl: its bytes do not match the manifest"),
        ("manifest.json", "flipped", "manifest.json: not the manifest of a Legible archive"),
    ],
)
def test_a_damaged_archive_stops_with_one_line_naming_the_member(
    tmp_path: Path, member: str, how: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db, archive = str(tmp_path / "t.db"), tmp_path / "b.tar"
    small_store(tmp_path, db)
    assert main(["--db", db, "export", "-o", str(archive)]) == 0
    named = damage(archive, member, how)
    capsys.readouterr()
    target = str(tmp_path / "restored.db")
    assert main(["--db", target, "import", str(archive)]) == 1
    out, err = capsys.readouterr()
    failed = [line for line in out.splitlines() if "FAILED" in line]
    assert len(failed) == 1 and says.format(named=named) in failed[0], out
    assert f"FAILED {archive}: " in failed[0]
    if how == "cut before":
        assert named == "articles.jsonl" and "media/" in failed[0]  # the last whole member
    assert "Traceback" not in out + err
    assert everything(target)["articles"] == []  # no article of a damaged archive


def test_a_damaged_photo_is_refused_alone_and_the_rest_is_restored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, archive = str(tmp_path / "t.db"), tmp_path / "b.tar"
    small_store(tmp_path, db)
    assert main(["--db", db, "export", "-o", str(archive)]) == 0
    named = damage(archive, WIDTH, "flipped")  # the first photo's first width
    target = str(tmp_path / "restored.db")
    capsys.readouterr()
    assert main(["--db", target, "import", str(archive)]) == 1
    out = capsys.readouterr().out
    digest = named.split("/")[1].split("-")[0].split(".")[0]
    assert f"FAILED {archive}: media/{digest}: media '{digest}': its bytes do not match" in out
    restored = everything(target)
    assert len(restored["articles"]) == 2 and len(restored["media"]) == 2
    assert digest not in restored["media"] and restored["bundles"]


def test_a_newer_archive_or_another_file_is_refused_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    newer = tmp_path / "newer.tar"
    manifest = json.dumps(
        {
            "format": "legible-archive",
            "version": 9,
            "legible": "9.0",
            "counts": {},
            "articles_sha256": "",
        }
    ).encode()
    with tarfile.open(newer, "w") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
    other = tmp_path / "photos.tar"
    with tarfile.open(other, "w") as tar:
        info = tarfile.TarInfo("IMG_0001.jpg")
        tar.addfile(info, io.BytesIO(b""))
    garbage = tmp_path / "garbage.tar"
    garbage.write_bytes(b"not a tar at all\n" * 100)
    db = str(tmp_path / "t.db")
    assert main(["--db", db, "import", str(newer), str(other), str(garbage)]) == 1
    out = capsys.readouterr().out
    assert "format version 9 (Legible 9.0) is newer than this Legible reads (1): upgrade" in out
    assert "IMG_0001.jpg: a Legible archive starts with manifest.json" in out
    assert f"FAILED {garbage}: the archive: cannot be read at its start" in out


def test_a_restore_onto_a_running_site_purges_only_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db, archive = tmp_path / "t.db", tmp_path / "b.tar"
    small_store(tmp_path, str(db))
    original = everything(str(db))
    assert main(["--db", str(db), "export", "-o", str(archive)]) == 0
    # After the backup: "hai" is edited, and the name nho.png points at a new photo.
    noise_png(tmp_path / "later" / "nho.png", (200, 100))
    write_article(tmp_path / "later", "hai", "nho.png", "Hai, sửa sau")
    assert main(["--db", str(db), "import", str(tmp_path / "later")]) == 0
    env = server_env({"LEGIBLE_DEMO": "0"})
    with serve(env=env, log=tmp_path / "server.log", db=db) as live, running() as cache:
        status, _, page = live.request("GET", "/articles/hai")
        assert status == 200 and "Hai, sửa sau" in page.decode()
        monkeypatch.setenv("LEGIBLE_PURGE_URLS", cache.url)
        capsys.readouterr()
        assert main(["--db", str(db), "import", str(archive)]) == 0
        out = capsys.readouterr().out
        assert "0 new, 1 updated, 1 unchanged, 0 failed; stored 1 photos" in out
        tags = set().union(*cache.tags())
        restored = everything(str(db))
        # "mot" and anh.jpg were unchanged: not purged.
        assert tags == {"article:hai", "lists", f"media:{original['names']['nho.png']}"}
        # The running site serves the restored article at once.
        status, _, page = live.request("GET", "/articles/hai")
        assert status == 200 and "Hai, sửa sau" not in page.decode()
    assert restored["articles"] == original["articles"]
    assert restored["names"] == original["names"]


def test_the_documented_native_backups_restore_every_article_photo_and_bundle(
    tmp_path: Path, pg_cluster: pg.Cluster
) -> None:
    """docs/operators/production.md#backups: SQLite's online backup API, and
    pg_dump --format=custom then pg_restore into an empty database."""
    live = str(tmp_path / "live.db")
    small_store(tmp_path, live)
    original = everything(live)
    copy = tmp_path / "backup.db"
    recipe = (
        "import sqlite3, sys; sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2]))"
    )
    subprocess.run([sys.executable, "-c", recipe, live, str(copy)], check=True, timeout=60)
    assert everything(str(copy)) == original

    source, target = pg_cluster.database(), pg_cluster.database()
    dump = tmp_path / "legible.dump"
    try:
        assert main(["--db", source, "import", str(tmp_path / "in")]) == 0
        store = open_store(source)
        for digest, body in original["bundles"].items():
            store.keep_bundle(digest, body)
        store.close()
        tools = pg_cluster.programs
        dumped = [str(tools / "pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
        subprocess.run([*dumped, f"--file={dump}", source], check=True, timeout=120)
        restore = [str(tools / "pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
        subprocess.run(
            [*restore, "--single-transaction", f"--dbname={target}", dump], check=True, timeout=120
        )
        restored = everything(target)
        assert restored == everything(source)
        assert restored["articles"] == original["articles"] and len(restored["media"]) == 2
    finally:
        pg_cluster.release(source)
        pg_cluster.release(target)


def test_an_export_that_fails_leaves_no_file_and_a_terminal_gets_no_archive(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db, archive = str(tmp_path / "t.db"), tmp_path / "b.tar"
    small_store(tmp_path, db)
    assert main(["--db", db, "export", "-o", str(archive)]) == 0
    kept = archive.read_bytes()

    def down(self: object, digest: str) -> None:
        raise StoreUnavailable("the database went away")

    with monkeypatch.context() as patched:
        patched.setattr(Store, "image", down)
        assert main(["--db", db, "export", "-o", str(archive)]) == 2
    assert "legible: the database went away" in capsys.readouterr().err
    assert archive.read_bytes() == kept  # the last good backup, not half of a new one
    assert [p.name for p in tmp_path.glob("b.tar*")] == ["b.tar"]

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["--db", db, "export", "--format", "archive"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "an archive is binary: give -o FILE.tar, or pipe stdout" in err
