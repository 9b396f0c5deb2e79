"""A WordPress export (WXR) given to `legible import`: its published posts go through
the same pipeline as pages from the web (pipeline.py `Pipeline.record`): photos
fetched from the old site into the media store, images without alt left out and
listed, one sanitiser, the content hash, and the sync.

The file is read as a stream (wxr.py): posts are taken a few at a time, so a large
export is not held in memory. What it skips (drafts, pages without `--pages`,
attachments, trash…) is counted in `skipped` for the summary.

"From that source" (`--prune`) means the posts an earlier import of an export of
the same site (the channel's `<link>`) brought in: a post that a new export no
longer holds as published (deleted, trashed, made a draft) is removed. Nothing is
pruned when the file could not be read to its end.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from ..errors import ImportFailed
from .pipeline import Outcome, Pipeline
from .sources import normalised
from .wxr import read_wxr

AT_ONCE = 8  # posts in flight (their photos are fetched within the per-host turns)


async def import_export(
    pipeline: Pipeline,
    path: Path,
    pages: bool,
    skipped: Counter[str],
    done: Callable[[Outcome], None],
) -> None:
    """Every post of the export at `path` through `pipeline`, each outcome to `done`."""
    try:
        read = read_wxr(path, pages)
    except ImportFailed as exc:
        done(Outcome(str(path), str(path), "failed", reason=str(exc)))
        return
    site = read.site.get("link", "")
    origin = f"wxr:{normalised(site)}" if site else f"wxr:{path.resolve()}"
    listed: set[str] = set()
    turns = asyncio.Semaphore(AT_ONCE)
    running: set[asyncio.Task[None]] = set()

    async def one(data: dict[str, object]) -> None:
        try:
            label = f"{path} post {data.get('title', '')!r}"
            done(await pipeline.record(origin, dict(data), label))
        finally:
            turns.release()

    complete = True
    try:
        for data in read.articles:
            url = str(data.get("source_url") or "")
            if url and url in listed:  # one page of the old site is one article
                label = f"{path} post {data.get('title', '')!r}"
                why = f"its link {url} is an earlier post's here"
                done(Outcome(url, origin, "failed", reason=why, label=label))
                continue
            listed.add(url)
            await turns.acquire()
            task = asyncio.create_task(one(data))
            running.add(task)
            task.add_done_callback(running.discard)
    except ImportFailed as exc:
        done(Outcome(str(path), origin, "failed", reason=str(exc)))
        complete = False
    await asyncio.gather(*running)
    skipped.update(read.skipped)
    if pipeline.prune and complete:
        for url, row in sorted(pipeline.store.ingested(origin).items()):
            if url not in listed:
                gone = Outcome(url, origin, "pruned", slug=row.slug)
                done(pipeline.remove(gone, row, "the export no longer holds it as published"))
