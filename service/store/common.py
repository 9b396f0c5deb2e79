"""What every store does, whichever engine holds the articles, and the helpers
both engines share: the columns and row mapping (from the article's schema),
plain text from a body, a search snippet, the sort instant.

A store raises `StoreUnavailable` whenever the engine cannot answer right now;
the caller serves what it has cached and says 503 for the rest.
"""

from __future__ import annotations

import html
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, TypeVar

from ..articles import FIELDS, KEY, SCHEMA, Article, Stamp, Teaser
from ..fieldtypes import FieldType
from ..text import fold
from .ingested import IngestedRows
from .media import MediaRows

_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|figcaption|blockquote|td|th|dd|dt)>", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
MAX_TERMS = 16  # of a reader's query; the rest is ignored
ALL_BATCH = 500  # articles a Store.all() read holds at once
Shape = TypeVar("Shape", Stamp, Teaser)  # a few of an article's fields (articles.py)
STREAM_ROWS = 2000  # rows fetched at a time by a streamed read (Store._stream)


def html_to_text(body_html: str) -> str:
    text = _BLOCK_END.sub(lambda m: m.group(0) + "\n", body_html)
    text = html.unescape(_TAG.sub(" ", text))
    return "\n".join(_SPACE.sub(" ", line).strip() for line in text.splitlines() if line.strip())


# The article's columns are its schema's fields (articles.SCHEMA), in that order, each
# kept as its type's `to_column` makes it; `revision` is the store's own count. The
# engines build their SQL from these names, so a new field needs only its migration.
COLUMNS: tuple[str, ...] = FIELDS
VALUE_COLUMNS = tuple(name for name in COLUMNS if name != KEY)  # beside the key
READ = (*COLUMNS, "revision")  # what a read selects, in this order: see article_from_row
_VALUE_TYPES = tuple((name, SCHEMA[name].type) for name in VALUE_COLUMNS)
# Only the types whose column differs from their value (tags: JSON text) convert on a read.
_LOADERS = tuple(
    (name, spec.type.from_column)
    for name, spec in SCHEMA.items()
    if type(spec.type).from_column is not FieldType.from_column
)


def column_list(names: tuple[str, ...], prefix: str = "") -> str:
    """`a.slug, a.title, …` for SQL: names are ours (the schema's), never input."""
    return ", ".join(prefix + name for name in names)


def stored_values(article: Article) -> tuple[Any, ...]:
    """What both engines store of an article beside its key, in VALUE_COLUMNS order."""
    return tuple(kind.to_column(getattr(article, name)) for name, kind in _VALUE_TYPES)


def article_from_row(row: Sequence[Any]) -> Article:
    """The Article in a row that starts with the READ columns (more may follow)."""
    values = dict(zip(READ, row, strict=False))
    for name, load in _LOADERS:
        values[name] = load(values[name])
    return Article(**values)


def published_instant(published: str) -> datetime | None:
    """The moment `published` names, in UTC without a zone (a date is its midnight
    UTC), as SQLite's datetime() reads it: lists sort by the instant, not the text."""
    try:
        moment = datetime.fromisoformat(published.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


@dataclass(frozen=True)
class Hit:
    article: Article
    snippet_html: str  # escaped text with <mark> around matches


@dataclass(frozen=True)
class Changes:
    """What other writers changed since the last `Store.poll`.

    `slugs` maps each changed article to its new revision (None: deleted). When
    it is None the store cannot tell which articles changed: re-read them all;
    `clear` also drops every cached page (the notifications in between may be lost).
    `media`: the digests of the photos stored meanwhile (when the store can tell).
    """

    slugs: dict[str, int | None] | None = field(default=None)
    clear: bool = False
    media: frozenset[str] = frozenset()


WriteResult = Literal["created", "updated", "unchanged"]


class Store(MediaRows, IngestedRows, ABC):
    """The articles, by slug, the media (store/media.py) and what ingest remembers of
    each source page (store/ingested.py). Every article is written
    in its own transaction."""

    @abstractmethod
    def migrate(self) -> int:
        """Bring the schema up to date; the number of migrations it has."""

    @abstractmethod
    def close(self) -> None:
        """Let go of the connections this store holds (it may reconnect later)."""

    @abstractmethod
    def healthy(self) -> bool:
        """True if the engine answers a fresh query right now."""

    def stale_reason(self) -> str | None:
        """Why this process may be serving old pages although the engine answers
        (PostgreSQL: its listener is disconnected), or None."""
        return None

    # Other processes' commits wait to be polled: sync() at once, not after SYNC_SECONDS.
    # An attribute, not a method, as the hot path reads it on every hit.
    news_waiting: bool = False

    @abstractmethod
    def poll(self) -> Changes | None:
        """Commits by other connections since the last call (None: nothing new).
        Cheap enough to call on every request; raises StoreUnavailable when it
        cannot tell."""

    @property
    def reconnects(self) -> int:
        """Times the feed of other writers' changes was lost and reopened, each time
        clearing the page cache (PostgreSQL's listener; SQLite has no such feed)."""
        return 0

    @abstractmethod
    def get(self, slug: str) -> Article | None: ...

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def latest(self, limit: int, offset: int = 0) -> tuple[list[Article], int]:
        """Newest first by published instant; the page and the total."""

    @abstractmethod
    def tagged(self, tag: str, limit: int, offset: int = 0) -> tuple[list[Article], int]:
        """The articles with `tag` (exactly, as stored), newest first; the page and the
        total."""

    @abstractmethod
    def revisions(self) -> list[tuple[str, int]]: ...

    def all(self) -> Iterator[Article]:
        """Every article, oldest first, read ALL_BATCH rows at a time (by id, not OFFSET):
        an export of any size holds one batch, never the whole store."""
        sql = (
            f"SELECT {column_list(READ)}, id FROM articles WHERE id > {self.PARAM}"
            f" ORDER BY id LIMIT {ALL_BATCH}"
        )
        last = 0
        while True:
            rows = self._read(sql, (last,))
            yield from (article_from_row(row) for row in rows)
            if len(rows) < ALL_BATCH:
                return
            last = int(rows[-1][-1])

    NEWEST: ClassVar[str]  # the engine's ORDER BY for newest first (the lists' index)

    def stamps(self, limit: int, offset: int = 0) -> Iterator[Stamp]:
        """Each article's slug and dates, newest first as `latest` lists them, streamed:
        what a sitemap needs, without reading any body or holding every row."""
        return self._newest(Stamp, limit, offset)

    def teasers(self, limit: int) -> list[Teaser]:
        """The newest articles as the feed shows them: no body, byline or tags read."""
        return list(self._newest(Teaser, limit, 0))

    def _newest(self, shape: type[Shape], limit: int, offset: int) -> Iterator[Shape]:
        p = self.PARAM
        sql = f"SELECT {column_list(shape._fields)} FROM articles ORDER BY {self.NEWEST}"
        for row in self._stream(f"{sql} LIMIT {p} OFFSET {p}", (limit, offset)):
            yield shape._make(row)

    @abstractmethod
    def _stream(self, sql: str, params: tuple[object, ...] = ()) -> Iterator[Sequence[Any]]:
        """The rows of a read-only query, fetched STREAM_ROWS at a time (the connection is
        held until the last one is read); StoreUnavailable if the engine cannot answer."""

    @abstractmethod
    def search(self, query: str, limit: int, offset: int = 0) -> tuple[list[Hit], int]:
        """Ranked matches for every word (the last one as a prefix), ignoring case
        and diacritics; the page and the total."""

    @abstractmethod
    def put(self, article: Article) -> tuple[WriteResult, int]:
        """Create or update by slug; the revision goes up only when something changed."""

    @abstractmethod
    def delete(self, slug: str) -> bool:
        """Remove an article; False if there was none."""

    # -- the widget's bundles: every one this deployment has served, by its URL's hash --
    PARAM: ClassVar[str] = "?"  # the engine's placeholder, for the SQL written once here

    @abstractmethod
    def _read(self, sql: str, params: tuple[object, ...] = ()) -> list[Any]:
        """The rows a read-only query returns; StoreUnavailable if the engine cannot answer."""

    @abstractmethod
    def keep_bundle(self, digest: str, body: bytes) -> bool:
        """Store a widget bundle under `digest` unless one is there already (replicas
        starting together may race: the first wins, the rest change nothing). True if
        this call stored it."""

    def bundle(self, digest: str) -> bytes | None:
        """The widget bundle stored under `digest` (hex, as widget.BUNDLE_PATH checks), or None."""
        rows = self._read(f"SELECT body FROM widget_bundles WHERE digest = {self.PARAM}", (digest,))
        return bytes(rows[0][0]) if rows else None

    def bundle_digests(self) -> list[str]:
        """Every stored bundle's digest, oldest first."""
        rows = self._read("SELECT digest FROM widget_bundles ORDER BY stored_at, digest")
        return [str(r[0]) for r in rows]


def snippet(text: str, terms: list[str], width: int = 220) -> str:
    """An escaped excerpt of `text` around the first match, matches in <mark>."""
    folded = fold(text)
    spans: list[tuple[int, int]] = []
    for term in terms:
        for m in re.finditer(rf"(?<!\w){re.escape(term)}\w*", folded):
            spans.append((m.start(), m.end()))
    spans.sort()
    start = max(0, spans[0][0] - width // 3) if spans else 0
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < spans[0][0] else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    out: list[str] = ["… " if start else ""]
    pos = start
    for s, e in spans:
        if s < pos or e > end:
            continue
        out.append(html.escape(text[pos:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    out.append(" …" if end < len(text) else "")
    return "".join(out).replace("\n", " ")
