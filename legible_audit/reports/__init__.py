"""The run's reports: JUnit XML, JSON and one self-contained HTML file. Each is
written to a temporary file and renamed, so a reader never sees half of one."""

from __future__ import annotations

from pathlib import Path

from ..options import UsageError


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc}") from exc
