"""The backup archive: `legible export -o FILE.tar` writes it, `legible import` reads it.

A POSIX tar, written and read as a stream (tarfile's `w|` and `r|*`), so an archive
of any size goes to a pipe or a file without seeking, and never sits in memory:
the export holds one batch of articles or one photo at a time. Its members, in
this order:

- `manifest.json`: {"format": "legible-archive", "version", "legible", "created",
  "counts": {"articles", "media", "bundles"}, "articles_sha256"};
- `bundles/DIGEST.js`: each widget bundle the store keeps, named by its digest
  (widget.bundle_digest), so pinned SRI URLs survive a restore;
- per photo, `media/DIGEST.json` ({"ext", "names", "renditions": [{"width",
  "height"}]}) then `media/DIGEST-WIDTH.EXT`: each width's bytes as stored, the
  very file its `/media/` URL serves; the digest covers them all (media.digest_of);
- `articles.jsonl`, last: one article a line (Article.to_json), checked against
  the manifest's sha256 before any line is imported.

Uncompressed by default: photos, most of an archive's bytes, are JPEG, PNG or
WebP already. `-o FILE.tar.gz` gzips it; `legible import` reads .tar, .tar.gz,
.tgz, .tar.xz and .tar.bz2 alike. Every member is checked on the way in: a
photo or bundle by its digest (a bad one is refused alone, the rest go on), the
articles by the manifest; an archive that is damaged or ends early stops the
import with one line naming the member (`ArchiveBroken`).
"""

from __future__ import annotations

import hashlib
import io
import json
import lzma
import re
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from . import jsonlines
from .errors import ArchiveBroken, ImportFailed
from .media import Image, Rendition
from .photos import checked
from .store import Store
from .version import __version__
from .widget import bundle_digest

FORMAT, VERSION = "legible-archive", 1
MANIFEST, ARTICLES = "manifest.json", "articles.jsonl"
SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".tar.bz2")
SPOOL_BYTES = 8 * 1024 * 1024  # articles.jsonl beyond this waits in a temporary file
MAX_META_BYTES = 1024 * 1024  # the manifest, a photo's .json or a bundle
_BUNDLE = re.compile(r"bundles/([0-9a-f]{16})\.js")
_META = re.compile(r"media/([0-9a-f]{20})\.json")
_WIDTH = re.compile(r"media/([0-9a-f]{20})-([1-9][0-9]{0,4})\.(jpg|png|webp)")
# What a damaged or cut stream raises from tarfile and its decompressors.
_BROKEN = (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError)


def is_archive(name: str, head: bytes = b"") -> bool:
    """By its name, or by its first bytes: a tar header (ustar at 257) or gzip, xz, bzip2."""
    if name.lower().endswith(SUFFIXES):
        return True
    return head[257:262] == b"ustar" or head.startswith((b"\x1f\x8b", b"\xfd7zXZ", b"BZh"))


@dataclass(frozen=True)
class Counts:
    articles: int
    media: int
    bundles: int


# -- writing ---------------------------------------------------------------------------------


def write(store: Store, out: IO[bytes], compress: str = "") -> Counts:
    """The whole store as an archive on `out`, streamed (`compress`: "", gz, xz or bz2)."""
    created = int(time.time())
    with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as spool:
        sha, articles = hashlib.sha256(), 0
        for article in store.all():  # first, for the manifest's count and sha256
            line = jsonlines.line(article.to_json())
            sha.update(line)
            spool.write(line)
            articles += 1
        digests, bundles = store.media_digests(), store.bundle_digests()
        counts = Counts(articles, len(digests), len(bundles))
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "legible": __version__,
            "created": datetime.fromtimestamp(created, UTC).isoformat(),
            "counts": counts.__dict__,
            "articles_sha256": sha.hexdigest(),
        }
        mode = "w|" + compress
        with tarfile.open(fileobj=out, mode=mode, format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]

            def add(name: str, data: IO[bytes], size: int) -> None:
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = size, created, 0o644
                tar.addfile(info, data)

            def add_bytes(name: str, data: bytes) -> None:
                add(name, io.BytesIO(data), len(data))

            add_bytes(MANIFEST, _dumps(manifest))
            for digest in bundles:
                body = store.bundle(digest)
                if body is not None:
                    add_bytes(f"bundles/{digest}.js", body)
            names = _names_by_digest(store)
            for digest in digests:  # one image in memory at a time
                image = store.image(digest)
                if image is None:
                    continue
                meta = {
                    "ext": image.ext,
                    "names": names.get(digest, []),
                    "renditions": [
                        {"width": r.width, "height": r.height} for r in image.renditions
                    ],
                }
                add_bytes(f"media/{digest}.json", _dumps(meta))
                for r in image.renditions:
                    add_bytes(f"media/{digest}-{r.width}.{image.ext}", r.data)
            size = spool.tell()
            spool.seek(0)
            add(ARTICLES, spool, size)
    return counts


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode() + b"\n"


def _names_by_digest(store: Store) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for name, digest in store.media_names().items():
        names.setdefault(digest, []).append(name)
    return names


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Photo:
    image: Image
    names: list[str]


@dataclass(frozen=True)
class Bundle:
    digest: str
    body: bytes


@dataclass(frozen=True)
class Refused:
    """One photo or bundle that failed its check; the rest of the archive goes on."""

    member: str
    reason: str


@dataclass(frozen=True)
class Lines:
    """articles.jsonl, verified: its lines, numbered from 1."""

    stream: IO[bytes]


Item = Photo | Bundle | Refused | Lines


def read(stream: IO[bytes], max_pixels: int) -> Iterator[Item]:
    """What an archive holds, in its order, each member checked. Raises ArchiveBroken
    (naming the member) when the archive is damaged, cut short or not an archive."""
    reader = _Reader(max_pixels)
    try:
        with tarfile.open(fileobj=stream, mode="r|*") as tar:
            for member in tar:
                yield from reader.member(tar, member)
    except ArchiveBroken:
        raise
    except _BROKEN as exc:
        where = f"after {reader.last}" if reader.last else "at its start"
        raise ArchiveBroken(
            f"{reader.current or 'the archive'}: cannot be read {where} ({_why(exc)}):"
            " the archive is damaged or cut short"
        ) from None
    reader.finish()


def _why(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


class _Reader:
    """The state between members: the manifest, and the photo being read."""

    def __init__(self, max_pixels: int) -> None:
        self.max_pixels = max_pixels
        self.manifest: dict[str, Any] | None = None
        self.seen = {"media": 0, "bundles": 0}
        self.photo: tuple[str, str, list[str], list[tuple[int, int]], list[Rendition]] | None = None
        self.last = ""  # the last member read whole
        self.current = ""
        self.articles_read = False

    def member(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> Iterator[Item]:
        name = self.current = member.name
        if self.articles_read:
            raise ArchiveBroken(f"{name}: nothing may follow {ARTICLES}")
        if self.manifest is None:
            if name != MANIFEST:
                raise ArchiveBroken(f"{name}: a Legible archive starts with {MANIFEST}")
            self.manifest = self._manifest(self._small(tar, member))
        elif m := _BUNDLE.fullmatch(name):
            body = self._small(tar, member)
            self.seen["bundles"] += 1
            if bundle_digest(body) != m[1]:
                yield Refused(name, "its bytes do not match its digest")
            else:
                yield Bundle(m[1], body)
        elif m := _META.fullmatch(name):
            yield from self._photo_done()
            self._photo_begins(m[1], self._small(tar, member))
        elif m := _WIDTH.fullmatch(name):
            # An encoded width within the pixel limit: at most 4 bytes a pixel, and headers.
            data = self._data(tar, member, 5 * self.max_pixels + MAX_META_BYTES)
            yield from self._width(m[1], int(m[2]), m[3], data)
        elif name == ARTICLES:
            yield from self._photo_done()
            with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as spool:
                self._articles(tar, member, spool)
                yield Lines(spool)
            self.articles_read = True
        else:
            raise ArchiveBroken(f"{name}: not a member of a Legible archive")
        self.last = name

    def finish(self) -> None:
        if self.manifest is None:
            raise ArchiveBroken("the archive is empty: it has no manifest.json")
        if not self.articles_read:
            raise ArchiveBroken(
                f"{self.last}: the archive ends after it, before {ARTICLES}: it was cut short"
            )
        expected = self.manifest["counts"]
        for kind, count in self.seen.items():
            if count != expected.get(kind):
                raise ArchiveBroken(
                    f"{MANIFEST}: it lists {expected.get(kind)} {kind}, the archive holds {count}"
                )

    def _manifest(self, raw: bytes) -> dict[str, Any]:
        try:
            manifest = json.loads(raw)
            assert manifest["format"] == FORMAT and isinstance(manifest["counts"], dict)
            version = int(manifest["version"])
            str(manifest["articles_sha256"])
        except (ValueError, KeyError, TypeError, AssertionError):
            raise ArchiveBroken(f"{MANIFEST}: not the manifest of a Legible archive") from None
        if version > VERSION:
            raise ArchiveBroken(
                f"{MANIFEST}: format version {version} (Legible {manifest.get('legible')}) is"
                f" newer than this Legible reads ({VERSION}): upgrade Legible to restore it"
            )
        return dict(manifest)

    @staticmethod
    def _data(tar: tarfile.TarFile, member: tarfile.TarInfo, limit: int) -> bytes:
        """A member's bytes, refused past `limit` before any is read (a damaged header
        may claim any size)."""
        if not member.isfile() or member.size > limit:
            raise ArchiveBroken(f"{member.name}: not a file of at most {limit:,} bytes")
        data = tar.extractfile(member)
        assert data is not None  # a regular file has data
        return data.read()

    def _small(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
        return self._data(tar, member, MAX_META_BYTES)

    def _photo_begins(self, digest: str, raw: bytes) -> None:
        try:
            meta = json.loads(raw)
            ext, names = str(meta["ext"]), [str(n) for n in meta["names"]]
            sizes = [(int(r["width"]), int(r["height"])) for r in meta["renditions"]]
        except (ValueError, KeyError, TypeError):
            raise ArchiveBroken(f"media/{digest}.json: not a photo's description") from None
        self.photo = (digest, ext, names, sizes, [])
        self.seen["media"] += 1

    def _width(self, digest: str, width: int, ext: str, data: bytes) -> Iterator[Item]:
        if self.photo is None or self.photo[0] != digest:
            raise ArchiveBroken(f"media/{digest}-{width}.{ext}: no media/{digest}.json before it")
        _, want_ext, _, sizes, got = self.photo
        if len(got) >= len(sizes) or sizes[len(got)][0] != width or ext != want_ext:
            raise ArchiveBroken(f"media/{digest}-{width}.{ext}: not listed in media/{digest}.json")
        got.append(Rendition(width, sizes[len(got)][1], data))
        if len(got) == len(sizes):
            yield from self._photo_done()

    def _photo_done(self) -> Iterator[Item]:
        if self.photo is None:
            return
        digest, ext, names, sizes, got = self.photo
        self.photo = None
        if len(got) != len(sizes):
            raise ArchiveBroken(
                f"media/{digest}.json: {len(sizes)} widths listed, {len(got)} found"
            )
        try:
            yield Photo(checked(Image(digest, ext, tuple(got)), self.max_pixels), names)
        except ImportFailed as exc:
            yield Refused(f"media/{digest}", str(exc))

    def _articles(self, tar: tarfile.TarFile, member: tarfile.TarInfo, spool: IO[bytes]) -> None:
        """The member copied aside (memory, then a temporary file) and checked whole
        before any line is imported."""
        assert self.manifest is not None
        source = tar.extractfile(member)
        if source is None:
            raise ArchiveBroken(f"{ARTICLES}: not a file")
        sha = hashlib.sha256()
        while chunk := source.read(1024 * 1024):
            sha.update(chunk)
            spool.write(chunk)
        if sha.hexdigest() != self.manifest["articles_sha256"]:
            raise ArchiveBroken(
                f"{ARTICLES}: its bytes do not match the manifest's sha256: it is damaged"
            )
        spool.seek(0)
