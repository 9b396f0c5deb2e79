"""`legible import`: read articles from JSON, Markdown with front matter, and the
portal's plain-text export, then write each one in its own transaction.

- `.json`: one article object, or a list of them (the schema in articles.py;
  `legible export` writes a list), or an export with photos ({"articles", "media"}).
- `.jsonl`: one article a line, read a line at a time (jsonlines.py): no file size
  limit; a bad line is reported by its number and the others are imported.
- `.tar` (`.tar.gz`, …): a backup archive (archive.py): bundles, photos, articles.
- `.md` / `.markdown`: YAML front matter between `---` lines (title,
  published, and the optional fields), then the Markdown body.
- `.txt`: the portal's plain-text export (see portal_text.py).
- `.xml`: a WordPress export (WXR, see ingest/wxr.py), streamed: its published posts
  (and pages with `pages=True`) each stored on its own, a bad post reported and the
  rest kept; what it skips is counted in the report.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

import yaml
from markdown_it import MarkdownIt

from . import archive
from .articles import Article, validate
from .errors import ArticleInvalid, ImportFailed, StoreUnavailable
from .ingest.wxr import read_wxr
from .intake import Intake, Report, problems
from .media import Image
from .photos import Photos
from .portal_text import parse_portal_text
from .settings import Settings
from .store import Store

SUFFIXES = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "portal",
    ".xml": "wxr",
}
MAX_FILE_BYTES = 20 * 1024 * 1024  # a whole .json, .md or .txt file (.jsonl: each line)

_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
# A photo alone in its paragraph with a title, `![alt](photo.jpg "Caption")`, is a figure.
_CAPTIONED = re.compile(r'<p><img src="([^"]*)" alt="([^"]*)" title="([^"]*)" /></p>')
_FIGURE = r'<figure><img src="\1" alt="\2"><figcaption>\3</figcaption></figure>'


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImportFailed(f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"is not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc
    except OSError as exc:
        raise ImportFailed(f"cannot be read: {exc.strerror}") from exc


def parse_json(text: str, photos: Photos | None = None) -> list[dict[str, Any]]:
    """The articles in a JSON file. An export with photos is {"articles", "media"}: its
    media are restored (through `photos`) before the articles are read."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"is not valid JSON: {exc.msg} at line {exc.lineno}") from exc
    except RecursionError:
        raise ImportFailed("is not valid JSON: it nests too deeply") from None
    if isinstance(data, dict) and "articles" in data:
        if photos is not None:
            photos.restore(data.get("media", []))
        data = data["articles"]
    items = data if isinstance(data, list) else [data]
    if not items or not all(isinstance(i, dict) for i in items):
        raise ImportFailed("must hold an article object or a list of article objects")
    return items


def _plain(value: Any) -> Any:
    # YAML turns 2023-09-21 into a date; the schema wants ISO strings.
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def parse_markdown(text: str) -> dict[str, Any]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ImportFailed(
            "must start with front matter: a '---' line, 'title:', 'published:', '---'"
        )
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() in ("---", "..."))
    except StopIteration:
        raise ImportFailed("front matter is not closed: add a '---' line after it") from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        raise ImportFailed(f"front matter is not valid YAML: {exc}") from exc
    except ValueError as exc:  # YAML reads 2023-02-30 as a date and fails to build it
        raise ImportFailed(
            f"front matter has an impossible date ({exc}): use an ISO date such as 2023-09-21"
        ) from exc
    if not isinstance(meta, dict):
        raise ImportFailed("front matter must be 'key: value' lines")
    if "body_html" in meta:
        raise ImportFailed("front matter must not set body_html: the Markdown below it is the body")
    data = {str(k): _plain(v) for k, v in meta.items()}
    data["body_html"] = _CAPTIONED.sub(_FIGURE, _markdown.render("\n".join(lines[end + 1 :])))
    return data


def kind_of(path: Path, sniff: bool = False) -> str | None:
    """The format of a file by its extension; with `sniff`, an archive without one is
    known by its first bytes."""
    if archive.is_archive(path.name):
        return "archive"
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None and sniff:
        try:
            with path.open("rb") as f:
                head = f.read(512)
        except OSError:
            return None
        return "archive" if archive.is_archive("", head) else None
    return kind


def parse_file(path: Path, photos: Photos | None = None) -> list[dict[str, Any]]:
    kind = kind_of(path)
    if kind not in ("json", "markdown", "portal", "wxr"):
        known = ", ".join([*sorted(SUFFIXES), "a .tar archive"])
        raise ImportFailed(f"has an unknown extension; use one of {known}")
    if kind == "wxr":
        return list(read_wxr(path).articles)
    text = _read(path)
    if kind == "json":
        return parse_json(text, photos)
    if kind == "markdown":
        return [parse_markdown(text)]
    return [parse_portal_text(text)]


def find_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given, and the importable files under each folder (not archives), sorted."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
            )
        else:
            yield path


def articles_from(path: Path, photos: Photos | None = None) -> list[Article]:
    """Every article in one file, validated; the whole file fails if one is bad. With
    `photos`, the file's local images are stored and the articles point at them."""
    items = parse_file(path, photos)
    out = []
    images: list[tuple[str, Image]] = []
    for n, item in enumerate(items, 1):
        try:
            article = validate(item)
            if photos is not None:  # its local images, read from the file's folder
                body, found = photos.local_images(article.body_html, path.parent)
                article, images = replace(article, body_html=body), images + found
            out.append(article)
        except ArticleInvalid as exc:
            where = f"article {n}: " if len(items) > 1 else ""
            raise ImportFailed(where + problems(exc)) from exc
    if photos is not None:
        photos.put(images)  # every article and image is good: store the images first
    return out


def import_paths(
    store: Store,
    paths: Iterable[Path],
    on_change: Callable[[str], None] | None = None,
    progress: TextIO | None = None,
    photos: Photos | None = None,
    pages: bool = False,
) -> Report:
    """Import every file; a bad file is reported and skipped, the rest still land.
    Photos are stored through `photos` (the media limits of default settings if not
    given); `report.media` lists the images written. A WordPress export brings its pages
    too with `pages`."""
    if photos is None:
        defaults = Settings()
        photos = Photos(store, defaults.media_max_bytes, defaults.media_max_pixels)
    report_media: set[str] = set()
    photos.stored = report_media
    files = list(find_files(paths))
    report = Report()
    bar = _Progress(len(files), progress) if progress is not None else None
    for path in files:
        try:
            if not path.exists():
                raise ImportFailed("does not exist")
            _one_file(path, Intake(store, photos, report, on_change, progress), pages)
        except ImportFailed as exc:
            report.failed.append((str(path), str(exc)))
        except StoreUnavailable as exc:
            report.failed.append((str(path), f"the database refused the write: {exc}"))
        if bar is not None:
            bar.step(path.name)
    if bar is not None:
        bar.done()
    report.media = sorted(report_media)
    return report


def _one_file(path: Path, put: Intake, pages: bool = False) -> None:
    kind = kind_of(path, sniff=True)
    if kind == "wxr":
        for article in _wxr_articles(path, pages, put.report):
            put.article(article)
        return
    if kind not in ("archive", "jsonl"):
        for article in articles_from(path, put.photos):
            put.article(article)
        return
    try:
        if kind == "archive":
            put.archive(path)
        else:
            with path.open("rb") as stream:
                put.lines(stream, str(path), path.parent)
    except OSError as exc:
        raise ImportFailed(f"cannot be read: {exc.strerror}") from exc


def _wxr_articles(path: Path, pages: bool, report: Report) -> Iterator[Article]:
    """A WordPress export's posts, one at a time; a post that fails validation is reported
    (by its title) and the others still land. Its images stay where they are."""
    read = read_wxr(path, pages)
    seen: set[str] = set()  # a page and a post may share a slug: the first one wins
    try:
        for item in read.articles:
            where = f"{path} post {item.get('title', '')!r}"
            try:
                article = validate(item)
            except ArticleInvalid as exc:
                reason = "; ".join(f"{k} {v}" for k, v in sorted(exc.errors.items()))
                report.failed.append((where, reason))
                continue
            if article.slug in seen:
                report.failed.append((where, f"slug {article.slug} is an earlier post's here"))
                continue
            seen.add(article.slug)
            yield article
    finally:
        report.skipped.update(read.skipped)


class _Progress:
    """A one-line progress bar on a terminal; plain milestones otherwise. `unit` names
    what is counted (files, pages); a web import learns its total once its sources
    are read (`start`)."""

    def __init__(self, total: int, out: TextIO, unit: str = "files") -> None:
        self.out, self.unit, self.n = out, unit, 0
        self.tty = out.isatty()
        self.start(total)

    def start(self, total: int) -> None:
        self.total = total
        self.enabled = total >= 20

    def step(self, name: str) -> None:
        self.n += 1
        if not self.enabled:
            return
        if self.tty:
            width = 30
            filled = width * self.n // self.total
            self.out.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {self.n}/{self.total} {name[:30]:<30}"
            )
            self.out.flush()
        elif self.n % max(1, self.total // 10) == 0 or self.n == self.total:
            self.out.write(f"{self.n}/{self.total} {self.unit}\n")

    def done(self) -> None:
        if self.enabled and self.tty:
            self.out.write("\n")


def demo_files() -> list[Path]:
    return sorted((Path(__file__).resolve().parent / "demo").glob("*.json"))
