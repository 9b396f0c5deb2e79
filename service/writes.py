"""The one write path: every change to the store ends in `WritePath.wrote`.

Its callers: the admin API's PUT and DELETE (views/api.py); `legible import`
(cli.py: a process of its own, with no pages); and every other process's
commits, heard by `Site.sync` (PostgreSQL's LISTEN/NOTIFY, SQLite's
data_version); the media API and import, which store images and call `wrote_media`
(so does `Site.sync` for another process's photos, heard through NOTIFY).
A new writer (ingest) stores, then calls `wrote`: nothing
else drops a cached page or purges a cache (tests/test_architecture.py).

The order is fixed, because readers and replicas see each step as it happens:

1. The other replicas are told by the commit itself. PostgreSQL's NOTIFY is sent
   inside the write's transaction (store/postgres.py), so it is heard if and only
   if the article is stored, and only once it is: a message sent apart from the
   commit could be lost if this process died in between, or arrive before the
   commit and have a replica render the old article again. SQLite's other workers
   see the file's data_version change at the commit.
2. This process's pages: the revisions first, so every request from now on asks
   for the new cache key; then the cached variants and lists (the front page,
   search, the sitemap and feed: tag `lists`) are dropped (a build
   that began before is not stored: `PageCache.invalidate`).
3. Last, the caches in front are purged (queued: `purge.Purger`). A purge makes
   Varnish fetch the page again at once, from any replica, so every origin it may
   ask must have let go of the old page first: this one (step 2) and the others
   (step 1; a replica that had not yet taken the note is covered by the purge's
   repeat, `purge.REPEAT`). Purging before step 2 would let Varnish cache the old
   page again from this very process.

A change heard from another process takes step 2 only: its writer has done 1
and 3, and a purge from every replica would multiply each purge by their number.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from .media import PHOTO_PENDING, media_tag
from .purge import LISTS, Purger, write_tags
from .serving import Pages


class WritePath:
    """After a write: this process's pages (none in `legible import`), then the caches
    in front."""

    def __init__(self, purger: Purger, pages: Pages | None = None) -> None:
        self.purger = purger
        self.pages = pages

    def wrote(
        self,
        slugs: Collection[str] | None,
        *,
        revisions: Mapping[str, int | None] | None = None,
        heard: bool = False,
        clear: bool = False,
    ) -> None:
        """The articles `slugs` changed in the store (committed already).

        `revisions`: each one's new revision (None: deleted), when the writer knows
        them; otherwise they are read again from the store. `heard`: another process
        wrote, and `slugs=None` means it cannot say what (re-read every revision);
        `clear` also drops every cached page, as notifications may have been lost.
        Raises `StoreUnavailable` when the store must be read and cannot be.
        """
        if slugs is None and not heard:
            raise ValueError("a writer names what it changed: only heard changes may not")
        if self.pages is not None:  # step 2 (step 1 was the commit)
            self._drop_local(self.pages, slugs, revisions or {}, heard, clear)
        if not heard and slugs:  # step 3
            self.purger.purge(write_tags(slugs))

    def wrote_media(self, digests: Collection[str], *, heard: bool = False) -> None:
        """Images were stored (committed already; `heard`: by another process). Their
        URLs are new (a digest names its bytes) and no process keeps a miss for one, but
        a page showing one may have been built before it was stored, without its srcset,
        width and height: the pages tagged `media:DIGEST` are dropped here, with their
        shared blocks, in the same order as `wrote` (PostgreSQL's NOTIFY went with the
        commit). Then the caches in front are purged by the same tags, which reach those
        pages and the image's own URLs (a cache may have kept a 404 from before)."""
        tags = {media_tag(d) for d in digests}
        if not tags:
            return
        if self.pages is not None:
            pages = self.pages
            with pages.parts_lock:  # a build that read the sizes before keeps no blocks
                pages.photo_epoch += 1
                showing = [slug for slug, (_, shown) in pages.parts.items() if tags & set(shown)]
                for slug in showing:
                    pages.parts.pop(slug, None)
            pages.cache.invalidate(tags)
        if not heard:
            self.purger.purge(sorted(tags))

    @staticmethod
    def _drop_local(
        pages: Pages,
        slugs: Collection[str] | None,
        revisions: Mapping[str, int | None],
        heard: bool,
        clear: bool,
    ) -> None:
        if slugs is None or clear or not all(slug in revisions for slug in slugs):
            fresh = pages.store.revisions()  # may raise: the caller tries again later
            pages.revisions.clear()
            pages.revisions.update(fresh)
            if clear:
                pages.cache.clear()
            # Unchanged articles keep their cached pages; the routes go, as any of
            # them may name a revision that is no longer current.
            pages.hot.clear()
            with pages.parts_lock:
                pages.photo_epoch += 1
                pages.parts.clear()
            # Without names, a photo may have been stored too: pages waiting for one go.
            pages.cache.invalidate(write_tags(slugs) if slugs else [LISTS, PHOTO_PENDING])
            return
        for slug in slugs:
            revision = revisions[slug]
            if revision is None:
                pages.revisions.pop(slug, None)
            elif heard:
                pages.revisions[slug] = revision
            else:  # a newer revision heard while this write ran must not be undone
                pages.revisions[slug] = max(revision, pages.revisions.get(slug, 0))
        with pages.parts_lock:
            for slug in slugs:
                pages.parts.pop(slug, None)
        # Their variants and the lists; the hot routes of those pages go with them.
        pages.cache.invalidate(write_tags(slugs))
