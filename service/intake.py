"""Where `legible import` puts what it reads: each article, photo and widget bundle
stored, and counted in the `Report`. JSON Lines go a line at a time and archives a
member at a time (archive.py), a bad line or photo reported alone."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, TextIO

from . import archive, jsonlines
from .articles import Article, validate
from .errors import ArticleInvalid, ImportFailed, StoreUnavailable
from .ingest.wxr import skipped_text
from .photos import Photos
from .store import Store

LINES_SHOWN = 1000  # the progress of a .jsonl file or an archive's articles


@dataclass
class Report:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, line or URL, reason)
    media: list[str] = field(default_factory=list)  # digests of the images stored
    bundles: int = 0  # widget bundles an archive brought that the store lacked
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
            + (f"; kept {self.bundles} widget bundles" if self.bundles else "")
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


@dataclass
class Intake:
    """Where an import's articles, photos and bundles go, and what is reported of them."""

    store: Store
    photos: Photos
    report: Report
    on_change: Callable[[str], None] | None
    progress: TextIO | None = None  # a line every LINES_SHOWN lines of a .jsonl or archive

    def article(self, article: Article) -> None:
        result, _revision = self.store.put(article)
        getattr(self.report, result).append(article.slug)
        if result != "unchanged" and self.on_change is not None:
            self.on_change(article.slug)

    def lines(self, stream: IO[bytes], where: str, folder: Path | None) -> None:
        """JSON Lines; a bad line is reported ("WHERE line N") and the rest go on.
        `folder`: where the lines' local images are read from."""
        for n, item in jsonlines.values(stream):
            if self.progress is not None and n % LINES_SHOWN == 0:
                print(f"{where}: line {n:,}", file=self.progress, flush=True)
            try:
                if isinstance(item, ImportFailed):
                    raise item
                self.line(item, folder)
            except ImportFailed as exc:
                self.report.failed.append((f"{where} line {n}", str(exc)))
            except StoreUnavailable as exc:
                reason = f"the database refused the write: {exc}"
                self.report.failed.append((f"{where} line {n}", reason))

    def line(self, item: Any, folder: Path | None) -> None:
        try:
            article = validate(item)
        except ArticleInvalid as exc:
            raise ImportFailed(problems(exc)) from None
        if folder is not None:
            body, found = self.photos.local_images(article.body_html, folder)
            article = replace(article, body_html=body)
            self.photos.put(found)
        self.article(article)

    def archive(self, path: Path) -> None:
        """A backup archive: each photo or bundle that fails its check is reported alone;
        a damaged archive stops here (ArchiveBroken, naming the member)."""
        with path.open("rb") as stream:
            for item in archive.read(stream, self.photos.max_pixels):
                if isinstance(item, archive.Photo):
                    names: list[str | None] = [*item.names] or [None]
                    self.photos.put([(name, item.image) for name in names])
                elif isinstance(item, archive.Bundle):
                    self.report.bundles += self.store.keep_bundle(item.digest, item.body)
                elif isinstance(item, archive.Refused):
                    self.report.failed.append((f"{path}: {item.member}", item.reason))
                else:
                    self.lines(item.stream, f"{path}: {archive.ARTICLES}", None)


def problems(exc: ArticleInvalid) -> str:
    return "; ".join(f"{k} {v}" for k, v in sorted(exc.errors.items()))
