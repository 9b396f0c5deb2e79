"""`legible export`: the store as JSON, JSON Lines or a backup archive, on stdout or
in a file that appears only once complete (written beside it, then renamed).

- `json` (for stdout and `.json`, as always): a list of articles, or
  {"articles", "media"} with each photo in base64 when the store has photos.
  Built in memory, so meant for small stores; `legible import` reads files up to
  20 MB of it.
- `jsonl` (for `.jsonl`): one article a line, streamed; photos are not in it.
- `archive` (for `.tar`, `.tar.gz`, `.tgz`, `.tar.xz`, `.tar.bz2`): articles, photos
  and widget bundles, streamed, of any size (archive.py): the backup format.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from . import archive, jsonlines
from .errors import LegibleError
from .photos import exported
from .store import Store

FORMATS = ("json", "jsonl", "archive")
_COMPRESSED = {".gz": "gz", ".tgz": "gz", ".xz": "xz", ".bz2": "bz2"}


def format_for(output: str, given: str | None) -> str:
    """The format asked for, else the one the output's name says (json for stdout)."""
    if given:
        return given
    if archive.is_archive(output):
        return "archive"
    return "jsonl" if output.lower().endswith(".jsonl") else "json"


def export(store: Store, output: str, fmt: str) -> str:
    """Write the store to `output` ("-": stdout); what was written, for the operator."""
    compress = _COMPRESSED.get(Path(output).suffix.lower(), "") if fmt == "archive" else ""
    if output == "-" and fmt == "archive" and sys.stdout.isatty():
        raise LegibleError("an archive is binary: give -o FILE.tar, or pipe stdout")
    target = Path(output)
    partial = target.with_name(target.name + ".partial")
    try:
        if output == "-":
            sys.stdout.flush()
            return _write(store, sys.stdout.buffer, fmt, compress)
        with partial.open("wb") as out:
            said = _write(store, out, fmt, compress)
        os.replace(partial, target)
    except OSError as exc:
        # The archive's articles wait in a temporary file first: that disk may be full.
        spool = f" (or {tempfile.gettempdir()}, see TMPDIR)" if fmt == "archive" else ""
        raise LegibleError(f"cannot write {output}{spool}: {exc.strerror}") from exc
    finally:
        if output != "-":
            partial.unlink(missing_ok=True)
    return f"{said} to {output}"


def _write(store: Store, out: IO[bytes], fmt: str, compress: str) -> str:
    if fmt == "archive":
        counts = archive.write(store, out, compress)
        return (
            f"exported {counts.articles} articles, {counts.media} photos and"
            f" {counts.bundles} widget bundles"
        )
    if fmt == "jsonl":
        n = 0
        for article in store.all():
            out.write(jsonlines.line(article.to_json()))
            n += 1
        media = len(store.media_digests())
        left = f" (not its {media} photos: use an archive, -o FILE.tar)" if media else ""
        return f"exported {n} articles{left}"
    articles = [a.to_json() for a in store.all()]
    names: dict[str, list[str]] = {}
    for name, digest in store.media_names().items():
        names.setdefault(digest, []).append(name)
    media_items = [exported(image, names.get(image.digest, [])) for image in store.all_media()]
    # A store with photos exports {"articles", "media"}; without, the list it always was.
    data: Any = {"articles": articles, "media": media_items} if media_items else articles
    out.write((json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode())
    return f"exported {len(articles)} articles and {len(media_items)} photos"
