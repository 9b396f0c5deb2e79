"""Baselines: the findings a team already knows about, keyed by (url, variant, rule,
selector). Only new findings fail a run, so a fix and a regression never cancel out;
a known finding that is gone from a page that was fully checked is reported fixed.
A page that could not be loaded or checked is never known: it is new every time."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .findings import NOT_CHECKED, Finding, Key, TaskResult
from .options import UsageError

FORMAT = 1


@dataclass(frozen=True)
class Diff:
    new: list[Finding]
    known: list[Finding]
    fixed: list[Key]

    def summary(self) -> str:
        return f"{len(self.new)} new, {len(self.known)} still known, {len(self.fixed)} fixed"


def load(path: Path) -> set[Key]:
    """The baseline's keys; a missing file is an empty baseline (the first run)."""
    if not path.exists():
        return set()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"--baseline: cannot read {path}: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UsageError(f"--baseline {path}: not a legible audit baseline (format {FORMAT})")
    keys: set[Key] = set()
    for entry in data.get("findings", []):
        try:
            key = (entry["url"], entry["variant"], entry["rule"], entry["selector"])
        except (KeyError, TypeError) as exc:
            raise UsageError(f"--baseline {path}: an entry lacks {exc}") from exc
        if key[2] not in NOT_CHECKED:  # an older baseline's page that was down
            keys.add(key)
    return keys


def write(path: Path, findings: Iterable[Finding]) -> int:
    keys = sorted({f.key for f in findings if f.checked})
    entries = [dict(zip(("url", "variant", "rule", "selector"), k, strict=True)) for k in keys]
    text = json.dumps({"format": FORMAT, "findings": entries}, ensure_ascii=False, indent=1)
    try:
        path.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--baseline: cannot write {path}: {exc}") from exc
    return len(keys)


def diff(results: Sequence[TaskResult], known: set[Key]) -> Diff:
    findings = [f for r in results for f in r.findings]
    new = [f for f in findings if not f.checked or f.key not in known]
    still = [f for f in findings if f.checked and f.key in known]
    found = {f.key for f in findings}
    checked = {(r.url, r.variant) for r in results if r.complete}
    fixed = sorted(k for k in known - found if (k[0], k[1]) in checked)
    return Diff(new, still, fixed)
