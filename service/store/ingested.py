"""What `legible import` remembers of each page it brought in from the web, the same
on both engines: one row per source page (`ingested`), beside the articles.

- `url`: the page's URL as its source listed it (the article's `source_url`);
- `origin`: the source that first listed it, as given on the command line (a feed's or a
  sitemap's URL, a single page's own URL, a WordPress export's site): what
  `--prune` means by "from that source" (docs/operators/move-your-portal.md);
- `slug`: the article it became, kept when the title changes so its URL stays;
- `etag`, `last_modified`: the validators of the last fetch, sent back as a
  conditional GET, so a page that did not change is a 304 and is not even read;
- `listed`: the date the source gave the page at the last import (a sitemap's
  lastmod, an Atom entry's updated): while the source gives the same date again,
  the page is not asked for at all.

The article's `content_hash` (articles.py) says whether what was extracted changed;
this table only says where it came from and how to ask again.
"""

from __future__ import annotations

from abc import abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Ingested:
    url: str
    origin: str
    slug: str
    etag: str | None = None
    last_modified: str | None = None
    listed: str | None = None


class IngestedRows:
    PARAM: ClassVar[str] = "?"

    @abstractmethod
    def _read(self, sql: str, params: tuple[object, ...] = ()) -> list[Any]: ...

    @abstractmethod
    def _media_write(self) -> AbstractContextManager[Any]:
        """One write transaction; its connection has `execute(sql, params)`."""

    def _q(self, sql: str) -> str:
        return sql.replace("?", self.PARAM)

    def ingested(self, origin: str | None = None) -> dict[str, Ingested]:
        """url -> its row, for one origin (every row without one)."""
        sql = "SELECT url, origin, slug, etag, last_modified, listed FROM ingested"
        if origin is None:
            rows = self._read(sql)
        else:
            rows = self._read(self._q(sql + " WHERE origin = ?"), (origin,))
        return {r[0]: Ingested(*r) for r in rows}

    def ingested_row(self, url: str) -> Ingested | None:
        rows = self._read(
            self._q(
                "SELECT url, origin, slug, etag, last_modified, listed FROM ingested WHERE url = ?"
            ),
            (url,),
        )
        return Ingested(*rows[0]) if rows else None

    def put_ingested(self, row: Ingested) -> None:
        with self._media_write() as conn:
            conn.execute(
                self._q(
                    "INSERT INTO ingested (url, origin, slug, etag, last_modified, listed)"
                    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET"
                    " origin = excluded.origin, slug = excluded.slug, etag = excluded.etag,"
                    " last_modified = excluded.last_modified, listed = excluded.listed"
                ),
                (row.url, row.origin, row.slug, row.etag, row.last_modified, row.listed),
            )

    def forget_ingested(self, url: str) -> None:
        with self._media_write() as conn:
            conn.execute(self._q("DELETE FROM ingested WHERE url = ?"), (url,))
