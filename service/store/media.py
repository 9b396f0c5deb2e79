"""The media store's rows, the same on both engines: two tables beside the articles,
so every replica reads the same photos.

- `media`: one row per width of an image, keyed by (digest, width). Rows are never
  changed: a digest names its bytes (media.digest_of).
- `media_names`: the name an operator uploaded under -> the image's digest. Putting
  a name again points it at the new image; the old image stays, as articles may
  show it. Nothing here deletes an image, and deleting an article leaves the media
  alone: an image may be shown by any number of articles (and pages cached
  elsewhere), so an article's delete must not take it away from the others.

The engines give the connection (`_media_write`: one transaction) and the reads
(`_read`); the SQL is plain enough for both, with `PARAM` as the placeholder.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any, ClassVar, Literal

from ..media import Image, Rendition

MediaResult = Literal["created", "updated", "unchanged"]


class MediaRows:
    PARAM: ClassVar[str] = "?"

    @abstractmethod
    def _read(self, sql: str, params: tuple[object, ...] = ()) -> list[Any]: ...

    @abstractmethod
    def _media_write(self) -> AbstractContextManager[Any]:
        """One write transaction; its connection has `execute(sql, params)`."""

    def _sql(self, sql: str) -> str:
        return sql.replace("?", self.PARAM)

    def put_media(self, name: str | None, image: Image) -> MediaResult:
        """Store the image (if new) and point `name` at it, in one transaction. Without
        a name (an export's image no name points at any more): "unchanged" if it was
        stored already. Other processes are told with the commit (`_media_stored`)."""
        with self._media_write() as conn:
            result = self._put_media(conn, name, image)
            if result != "unchanged":
                self._media_stored(conn, image.digest)
            return result

    def _media_stored(self, conn: Any, digest: str) -> None:
        """Tell the other processes, inside the transaction (PostgreSQL's NOTIFY); SQLite's
        see the file change, without a name (`Site.sync`)."""

    def _put_media(self, conn: Any, name: str | None, image: Image) -> MediaResult:
        q = self._sql
        new = 0
        for r in image.renditions:
            new += conn.execute(
                q(
                    "INSERT INTO media (digest, width, height, ext, data) VALUES (?,?,?,?,?)"
                    " ON CONFLICT (digest, width) DO NOTHING"
                ),
                (image.digest, r.width, r.height, image.ext, r.data),
            ).rowcount
        if name is None:
            return "created" if new else "unchanged"
        row = conn.execute(q("SELECT digest FROM media_names WHERE name = ?"), (name,)).fetchone()
        if row is not None and row[0] == image.digest:
            return "unchanged"
        if row is None:
            conn.execute(
                q("INSERT INTO media_names (name, digest) VALUES (?, ?)"), (name, image.digest)
            )
            return "created"
        conn.execute(q("UPDATE media_names SET digest = ? WHERE name = ?"), (image.digest, name))
        return "updated"

    def media_file(self, digest: str, width: int) -> tuple[str, bytes] | None:
        """One width's (extension, bytes), or None."""
        rows = self._read(
            self._sql("SELECT ext, data FROM media WHERE digest = ? AND width = ?"), (digest, width)
        )
        return (rows[0][0], bytes(rows[0][1])) if rows else None

    def media_sizes(self, digests: list[str]) -> dict[str, Image]:
        """The stored images among `digests`, without their bytes (data=b""): what a
        page needs for srcset, width and height."""
        found: dict[str, list[tuple[str, Rendition]]] = {}
        for digest in dict.fromkeys(digests):
            rows = self._read(
                self._sql("SELECT ext, width, height FROM media WHERE digest = ? ORDER BY width"),
                (digest,),
            )
            found[digest] = [(r[0], Rendition(int(r[1]), int(r[2]), b"")) for r in rows]
        return {
            digest: Image(digest, rows[0][0], tuple(r for _, r in rows))
            for digest, rows in found.items()
            if rows
        }

    def media_names(self) -> dict[str, str]:
        """name -> digest, for every uploaded name."""
        return {
            r[0]: r[1] for r in self._read("SELECT name, digest FROM media_names ORDER BY name")
        }

    def media_digests(self) -> list[str]:
        """Every stored image's digest, in order."""
        return [r[0] for r in self._read("SELECT DISTINCT digest FROM media ORDER BY digest")]

    def image(self, digest: str) -> Image | None:
        """One stored image with the bytes of every width, or None."""
        rows = self._read(
            self._sql("SELECT ext, width, height, data FROM media WHERE digest = ? ORDER BY width"),
            (digest,),
        )
        if not rows:
            return None
        return Image(
            digest, rows[0][0], tuple(Rendition(int(r[1]), int(r[2]), bytes(r[3])) for r in rows)
        )

    def all_media(self) -> Iterator[Image]:
        """Every stored image with its bytes, one at a time, for the export."""
        for digest in self.media_digests():
            image = self.image(digest)
            if image is not None:
                yield image
