"""`legible import URL…`: every source read, every listed page brought in, on one
event loop, several pages at once within the Fetcher's per-host limits; then the
WordPress exports given (exports.py), whose photos are fetched the same way.

A source that cannot be read (its feed is a 404, its sitemap is not XML) fails as
one item, named by its URL; the other sources go on. Then each listed page goes
through the pipeline (pipeline.py). Last, with `--prune`, each source that was
read whole loses the articles it no longer lists: what "from that source" means,
for each kind of source:

- a sitemap (or a sitemap index): the articles an earlier import of the same
  sitemap URL brought in (the `ingested` table's origin), that it lists no more;
- a feed lists only its newest entries, so falling off it proves nothing: an
  article an earlier import of the same feed URL brought in, that the feed no
  longer lists, is removed only when its page now answers 404 or 410;
- any kind: a listed page that answers 404 or 410 is removed (not failed).

Nothing is pruned from a source whose listing was read only in part.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..errors import FetchFailed, FetchStatus, ImportFailed, LegibleError
from ..photos import Photos
from ..store import Store
from ..store.ingested import Ingested
from .fetch import Fetcher
from .guard import Resolver
from .guard import system_resolver as _system_resolver
from .pipeline import GONE, Outcome, Pipeline
from .sources import Source, discover, normalised

PAGES_AT_ONCE = 16  # items in flight; the Fetcher's per-host turns decide the rest


@dataclass(frozen=True)
class Options:
    since: date | None = None
    limit: int | None = None
    prune: bool = False
    dry_run: bool = False
    recheck: bool = False  # ask for every page, even one its source dates as before
    pages: bool = False  # a WordPress export's pages too
    allow_private: bool = False
    per_host: int = 2
    delay: float = 0.5
    public_url: str | None = None
    site_lang: str = "vi"
    deadline: float = 60.0  # for one fetch, every hop included
    resolver: Resolver = _system_resolver  # tests give a fake one


async def sync(
    store: Store,
    photos: Photos,
    urls: Sequence[str],
    options: Options,
    *,
    exports: Sequence[Path] = (),
    skipped: Counter[str] | None = None,
    on_total: Callable[[int], None] | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Every item's outcome, in the order they finished. `exports`: WordPress export
    files (exports.py), whose skipped posts are counted in `skipped`."""
    outcomes: list[Outcome] = []

    def done(outcome: Outcome) -> None:
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    async with Fetcher(
        public_url=options.public_url,
        allow_private=options.allow_private,
        per_host=options.per_host,
        delay=options.delay,
        deadline=options.deadline,
        resolver=options.resolver,
    ) as fetcher:
        pipeline = Pipeline(
            store,
            fetcher,
            photos,
            site_lang=options.site_lang,
            prune=options.prune,
            dry_run=options.dry_run,
            recheck=options.recheck,
        )
        sources = []
        for url in dict.fromkeys(urls):
            source = await _source(store, fetcher, url, options, done)
            if source is not None:
                sources.append(source)
        if on_total is not None:
            on_total(sum(len(s.entries) for s in sources))
        turns = asyncio.Semaphore(PAGES_AT_ONCE)

        async def one(source: Source, index: int) -> None:
            async with turns:
                page = source.page if source.kind == "page" else None
                done(await pipeline.item(source.origin, source.entries[index], page))

        await asyncio.gather(*(one(s, i) for s in sources for i in range(len(s.entries))))
        counted = Counter[str]() if skipped is None else skipped
        if exports:
            from .exports import import_export  # lxml, only when there is an export
        for path in exports:
            await import_export(pipeline, path, options.pages, counted, done)
        if options.prune:
            for source in sources:
                for outcome in await _prune(store, fetcher, pipeline, source):
                    done(outcome)
    return outcomes


async def _source(
    store: Store,
    fetcher: Fetcher,
    url: str,
    options: Options,
    done: Callable[[Outcome], None],
) -> Source | None:
    origin = normalised(url)
    known = store.ingested_row(origin)
    try:
        source = await discover(
            fetcher,
            url,
            since=options.since,
            limit=options.limit,
            whole=options.prune,
            known_page=known is not None and known.origin == origin,
        )
    except FetchFailed as exc:
        done(Outcome(origin, origin, "failed", reason=exc.reason))
        return None
    except ImportFailed as exc:
        done(Outcome(origin, origin, "failed", reason=str(exc)))
        return None
    for child, reason in source.failed:
        done(Outcome(child, origin, "failed", reason=reason))
    return source


async def _prune(
    store: Store, fetcher: Fetcher, pipeline: Pipeline, source: Source
) -> list[Outcome]:
    if not source.complete or source.kind == "page":
        return []
    out = []
    for url, row in sorted(store.ingested(source.origin).items()):
        if url in source.listed:
            continue
        outcome = Outcome(url, source.origin, "pruned", slug=row.slug)
        if source.kind == "sitemap":
            out.append(pipeline.remove(outcome, row, "the sitemap no longer lists it"))
        elif await _gone(fetcher, row):
            out.append(pipeline.remove(outcome, row, "the feed no longer lists it and it is gone"))
    return out


async def _gone(fetcher: Fetcher, row: Ingested) -> bool:
    """A page off its feed: gone for good only when it answers 404 or 410 now."""
    try:
        await fetcher.fetch(row.url, etag=row.etag, last_modified=row.last_modified)
    except FetchStatus as exc:
        return exc.status in GONE
    except LegibleError:
        return False
    return False
