"""`legible import`: read articles from JSON, Markdown with front matter, and the
portal's plain-text export, then write each one in its own transaction.

- `.json`: one article object, or a list of them (the schema in articles.py;
  `legible export` writes a list).
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
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

import yaml
from markdown_it import MarkdownIt

from .articles import Article, validate
from .errors import ArticleInvalid, ImportFailed, StoreUnavailable
from .ingest.wxr import read_wxr, skipped_text
from .media import Image
from .photos import Photos
from .portal_text import parse_portal_text
from .settings import Settings
from .store import Store

SUFFIXES = {
    ".json": "json",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "portal",
    ".xml": "wxr",
}
MAX_FILE_BYTES = 20 * 1024 * 1024

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


def parse_file(path: Path, photos: Photos | None = None) -> list[dict[str, Any]]:
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ImportFailed(f"has an unknown extension; use one of {', '.join(sorted(SUFFIXES))}")
    if kind == "wxr":
        return list(read_wxr(path).articles)
    text = _read(path)
    if kind == "json":
        return parse_json(text, photos)
    if kind == "markdown":
        return [parse_markdown(text)]
    return [parse_portal_text(text)]


def find_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given, and the importable files under each folder, sorted."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
            )
        else:
            yield path


@dataclass
class Report:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file or URL, reason)
    media: list[str] = field(default_factory=list)  # digests of the images stored
    pruned: list[str] = field(default_factory=list)  # slugs removed by --prune
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (slug, image without alt)
    skipped: Counter[str] = field(default_factory=Counter)  # WordPress drafts, pages, …
    dry_run: bool = False  # --dry-run: what would have been done; nothing was written

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        counts = [
            f"{len(self.created)} new",
            f"{len(self.updated)} updated",
            f"{len(self.unchanged)} unchanged",
            f"{len(self.failed)} failed",
        ]
        if self.pruned:
            counts.append(f"{len(self.pruned)} pruned")
        if self.left_out:
            counts.append(f"{len(self.left_out)} images without alt left out")
        lines = [
            ("dry run, nothing written: " if self.dry_run else "")
            + ", ".join(counts)
            + (f"; stored {len(self.media)} photos" if self.media else "")
            + (f"; {skipped_text(self.skipped)}" if +self.skipped else "")
        ]
        for label, slugs in (
            ("new", self.created),
            ("updated", self.updated),
            ("pruned", self.pruned),
        ):
            if slugs:
                shown = ", ".join(slugs[:20]) + (
                    f", … ({len(slugs) - 20} more)" if len(slugs) > 20 else ""
                )
                lines.append(f"  {label}: {shown}")
        for slug, src in self.left_out[:20]:
            lines.append(f"  image without alt left out of {slug}: {src}")
        for name, reason in self.failed:
            lines.append(f"  FAILED {name}: {reason}")
        return "\n".join(lines)


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
            raise ImportFailed(
                where + "; ".join(f"{k} {v}" for k, v in sorted(exc.errors.items()))
            ) from exc
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
            wxr = SUFFIXES.get(path.suffix.lower()) == "wxr"
            articles = _wxr_articles(path, pages, report) if wxr else articles_from(path, photos)
            for article in articles:
                result, _revision = store.put(article)
                getattr(report, result).append(article.slug)
                if result != "unchanged" and on_change is not None:
                    on_change(article.slug)
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
