"""Baselines: the findings a team already knows about, keyed by (page, variant, rule,
selector), where the page is the URL's path and query without its scheme and host: a
baseline taken on staging holds on production. Only new findings fail a run, so a fix
and a regression never cancel out; a known finding that is gone from a page that was
fully checked is reported fixed. A page that could not be loaded or checked is never
known: it is new every time.

Format 1 (legible 0.2) keyed findings by the whole URL; it is still read, each URL
taken as its path and query. `--update-baseline` writes format 2."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .findings import NOT_CHECKED, Finding, Key, TaskResult
from .inputs import page
from .options import UsageError

FORMAT = 2
READ = {1: "url", 2: "page"}  # format -> the field that names the page


@dataclass(frozen=True)
class Diff:
    new: list[Finding]
    known: list[Finding]
    fixed: list[Key]  # each with the URL of this run's page

    def summary(self) -> str:
        return f"{len(self.new)} new, {len(self.known)} still known, {len(self.fixed)} fixed"


def key(finding: Finding) -> Key:
    url, variant, rule, selector = finding.key
    return (page(url), variant, rule, selector)


def load(path: Path) -> set[Key]:
    """The baseline's keys, by page; a missing file is an empty baseline (the first run)."""
    if not path.exists():
        return set()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"--baseline: cannot read {path}: {exc}") from exc
    version = data.get("format") if isinstance(data, dict) else None
    field = READ.get(version) if isinstance(version, int) else None
    if field is None:
        formats = " or ".join(map(str, READ))
        raise UsageError(f"--baseline {path}: not a legible audit baseline (format {formats})")
    keys: set[Key] = set()
    for entry in data.get("findings", []):
        try:
            where = entry[field] if field == "page" else page(entry[field])
            found = (where, entry["variant"], entry["rule"], entry["selector"])
        except (KeyError, TypeError) as exc:
            raise UsageError(f"--baseline {path}: an entry lacks {exc}") from exc
        if found[2] not in NOT_CHECKED:  # an older baseline's page that was down
            keys.add(found)
    return keys


def write(path: Path, findings: Iterable[Finding]) -> int:
    keys = sorted({key(f) for f in findings if f.checked})
    entries = [dict(zip(("page", "variant", "rule", "selector"), k, strict=True)) for k in keys]
    text = json.dumps({"format": FORMAT, "findings": entries}, ensure_ascii=False, indent=1)
    try:
        path.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--baseline: cannot write {path}: {exc}") from exc
    return len(keys)


def diff(results: Sequence[TaskResult], known: set[Key]) -> Diff:
    findings = [f for r in results for f in r.findings]
    new = [f for f in findings if not f.checked or key(f) not in known]
    still = [f for f in findings if f.checked and key(f) in known]
    found = {key(f) for f in findings}
    urls = {page(r.url): r.url for r in results}
    checked = {(page(r.url), r.variant) for r in results if r.complete}
    fixed = sorted(
        (urls[where], variant, rule, selector)
        for where, variant, rule, selector in known - found
        if (where, variant) in checked
    )
    return Diff(new, still, fixed)
