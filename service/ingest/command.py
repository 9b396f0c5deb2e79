"""`legible import` from the web: the flags, and the run behind them (cli.py `_import`
hands URLs and WordPress exports here, files to importers.py).

Exit status (cli.py): 0 when every listed item was imported, updated, unchanged or
pruned; 1 when some failed, each named with its reason; 2 for a usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import logging
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from ..errors import SettingsInvalid
from ..importers import _Progress
from ..intake import Report
from ..photos import Photos
from ..settings import Settings
from ..store import Store
from .pipeline import Outcome
from .sync import Options, sync

WEB = ("http://", "https://")
_INTO = {"new": "created", "updated": "updated", "unchanged": "unchanged", "pruned": "pruned"}


def is_web(source: str) -> bool:
    return source.lower().startswith(WEB)


def options(args: argparse.Namespace, settings: Settings) -> Options:
    return Options(
        since=args.since,
        limit=args.limit,
        prune=args.prune,
        dry_run=args.dry_run,
        recheck=args.recheck,
        pages=args.pages,
        allow_private=args.allow_private,
        per_host=args.per_host,
        delay=args.delay,
        public_url=settings.public_url,
        site_lang=settings.site_lang or "vi",
    )


def is_export(source: str) -> bool:
    """A WordPress export: an `.xml` file (a URL ending in .xml is a feed or sitemap)."""
    return not is_web(source) and source.lower().endswith(".xml")


def import_web(
    store: Store,
    photos: Photos,
    urls: list[str],
    opts: Options,
    report: Report,
    exports: list[Path] | None = None,
) -> list[Outcome]:
    """Run the web import (and the WordPress exports), adding each item's outcome to
    `report`."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request is noise here
    bar = _Progress(0, sys.stderr, "pages")
    outcomes = _run(
        sync(
            store,
            photos,
            urls,
            opts,
            exports=exports or [],
            skipped=report.skipped,
            on_total=bar.start,
            on_outcome=lambda o: bar.step(o.url.rsplit("/", 1)[-1] or o.url),
        )
    )
    bar.done()
    add_outcomes(report, outcomes)
    return outcomes


def _run(work: Coroutine[Any, Any, list[Outcome]]) -> list[Outcome]:
    """`asyncio.run`, or on a thread of its own when this thread already runs a loop
    (the import called from async code, a notebook, or a test session holding
    Playwright's sync API): the store opens a connection per thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="legible-import") as pool:
        return pool.submit(asyncio.run, work).result()


def add_outcomes(report: Report, outcomes: list[Outcome]) -> None:
    for o in outcomes:
        if o.outcome == "failed":
            report.failed.append((o.label or o.url, o.reason))
        else:
            getattr(report, _INTO[o.outcome]).append(o.slug)
        report.left_out += [(o.slug, src) for src in o.images_left_out]
        report.media += o.media


def write_json(where: str, report: Report, outcomes: list[Outcome]) -> None:
    """Every item and its outcome: the web's from `outcomes`, the files' from `report`."""
    items: list[dict[str, Any]] = [o.as_json() for o in outcomes]
    web = {o.label or o.url for o in outcomes if o.outcome == "failed"} | {o.slug for o in outcomes}
    for outcome, slugs in (("new", report.created), ("updated", report.updated)):
        items += [_file_item(slug, outcome) for slug in slugs if slug not in web]
    items += [_file_item(s, "unchanged") for s in report.unchanged if s not in web]
    items += [
        {**_file_item("", "failed"), "file": name, "reason": why}
        for name, why in report.failed
        if name not in web
    ]
    data = {
        "summary": report.summary().splitlines()[0],
        "dry_run": report.dry_run,
        "skipped": dict(report.skipped),
        "items": items,
    }
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if where == "-":
        sys.stdout.write(text)
        return
    try:
        Path(where).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SettingsInvalid(f"--json {where}: cannot be written ({exc.strerror})") from None


def _file_item(slug: str, outcome: str) -> dict[str, Any]:
    return {"url": None, "slug": slug or None, "outcome": outcome, "reason": None}
