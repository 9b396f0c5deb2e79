"""JSON Lines (`.jsonl`): one JSON value a line, as `legible export` writes articles
and `legible import` reads them. Read a line at a time, so a file of any size
takes bounded memory, and a bad line is one failure, never the whole file's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from .errors import ImportFailed

MAX_LINE_BYTES = 20 * 1024 * 1024  # one article; the file itself has no limit


def line(value: Any) -> bytes:
    """One value as its line (UTF-8, no escapes for non-ASCII text)."""
    return json.dumps(value, ensure_ascii=False).encode() + b"\n"


def values(stream: IO[bytes], max_line: int = MAX_LINE_BYTES) -> Iterator[tuple[int, Any]]:
    """(line number, value) for each line that is not blank; for a bad line the value is
    the ImportFailed saying why, and reading goes on with the next line."""
    n = 0
    while raw := stream.readline(max_line + 1):
        n += 1
        if len(raw) > max_line and not raw.endswith(b"\n"):
            while (rest := stream.readline(max_line)) and not rest.endswith(b"\n"):
                pass  # the rest of that line, unread
            yield n, ImportFailed(f"is longer than {max_line // (1024 * 1024)} MB")
        elif raw.strip():
            yield n, _parsed(raw)


def _parsed(raw: bytes) -> Any:
    try:
        return json.loads(raw.rstrip(b"\r\n").decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        return ImportFailed(f"is not UTF-8 text (byte {exc.start})")
    except json.JSONDecodeError as exc:
        return ImportFailed(f"is not valid JSON: {exc.msg} at column {exc.colno}")
    except RecursionError:
        return ImportFailed("is not valid JSON: it nests too deeply")
