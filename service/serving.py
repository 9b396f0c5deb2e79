"""The serving unit: what a page response is, decided in one place.

An article page's response is decided here and nowhere else:

- its cache key: (article, slug, revision, variant, pages version);
- its purge tags (`article:SLUG`, and `media:DIGEST` for each photo it shows), sent
  as `xkey`, `Surrogate-Key` and `Cache-Tag`;
- its headers: Cache-Control, `Vary: Cookie` on a bare URL, then the validators
  (ETag per encoding, `Vary: Accept-Encoding`) from `delivery.prepare_headers`;
- its build on a miss: the article's shared blocks (rendered once per revision)
  around the variant's chrome, or the 404 page when the article is gone.

`Pages.article` answers with a `HotRoute`: the cached entry, its headers and the
prepared answers. The ASGI and RSGI hot paths (`hotpath.py`) and the Starlette
view (`views/pages.py`) all call it and send what the route prepares, so the
three cannot disagree. The other pages (the index, search, the 404) go through
`Pages.page` with their own key, tags and build. The security headers are not
here: the one middleware at the edge adds them to every response
(`middleware/security.py`).

The page cache, its hot routes, the articles' shared blocks and the revisions
live here too. Only the write path (`writes.py`) changes or drops them.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

from cachetools import LRUCache

from .answers import HotRoute, HotRoutes
from .articles import Article
from .delivery import ENCODINGS, Entry, make_entry, negotiate_cached
from .errors import page_text
from .figures import media_digests, with_sizes
from .media import PHOTO_PENDING, media_tag
from .pagecache import PageCache
from .preferences import Preference
from .purge import article_tag
from .render import ArticleParts, Renderer
from .store import Store
from .text import is_slug

HTML = "text/html; charset=utf-8"
PARTS_SHARE = 4  # 1/4 of the cache budget holds articles' shared blocks, the rest pages
# Browsers revalidate after a minute; shared caches keep pages 5 minutes and
# are purged by tag on change (xkey, Surrogate-Key, Cache-Tag: service/purge.py);
# stale copies bridge a slow or failing origin.
PAGE_CACHE_CONTROL = (
    "public, max-age=60, s-maxage=300, stale-while-revalidate=60, stale-if-error=86400"
)
NOT_FOUND_CACHE_CONTROL = "public, max-age=60"
Shared = tuple[ArticleParts, tuple[str, ...]]  # an article's blocks, its photos' tags


def page_headers(tags: Sequence[str], vary_cookie: bool, status: int = 200) -> dict[str, str]:
    """A cached page's own headers; `delivery.prepare_headers` adds the validators."""
    headers = {"Cache-Control": PAGE_CACHE_CONTROL if status != 404 else NOT_FOUND_CACHE_CONTROL}
    if vary_cookie:  # a bare URL: a reader's cookie may redirect it elsewhere
        headers["Vary"] = "Cookie"
    keys = " ".join(tags)
    headers["Surrogate-Key"] = keys  # Fastly
    headers["Cache-Tag"] = keys.replace(" ", ",")  # Cloudflare
    headers["xkey"] = keys  # Varnish's xkey vmod (deploy/varnish/default.vcl)
    return headers


def not_found_context(lang: str) -> dict[str, Any]:
    """The error template's values for a 404 in `lang`, rendered into a cached entry."""
    title, message = page_text("not_found", lang)
    return {"title": title, "message": message, "details": [], "page": "error"}


class Pages:
    """Cached pages for one process: the page cache, its hot routes, each article's
    shared blocks and its revision. One per `Site`."""

    def __init__(self, cache_bytes: int, renderer: Renderer, store: Store, version: str) -> None:
        self.renderer = renderer
        self.store = store
        self.version = version  # templates, themes and CSS: part of every key
        self.hot = HotRoutes()
        parts_bytes = cache_bytes // PARTS_SHARE
        self.cache = PageCache(
            cache_bytes - parts_bytes, on_drop=self.hot.drop, on_replace=self.hot.replace
        )
        # Each article's own blocks, by slug: every variant of its page shares them; with
        # the tags of the photos they show (a photo stored later drops them: writes.py).
        self.parts: LRUCache[str, Shared] = LRUCache(parts_bytes, getsizeof=_parts_size)
        self.parts_lock = threading.Lock()  # builds run on several threads
        # Counts the drops for photos stored (writes.py): blocks built with the sizes read
        # before one are not kept, as they may lack the photo's.
        self.photo_epoch = 0
        self.revisions: dict[str, int] = {}  # slug -> revision: which articles exist

    # -- the article response ---------------------------------------------------
    async def article(
        self,
        slug: str,
        pref: Preference,
        vary_cookie: bool,
        accept: str | None,
        path: str,
        query: str,
    ) -> HotRoute | None:
        """The article's page in `pref` (None: there is no such article), from the
        cache or built once on a miss, compressed the way `accept` (Accept-Encoding)
        wants. `vary_cookie`: the bare URL, which a reader's cookie may redirect."""
        revision = self.revisions.get(slug)
        if revision is None:
            return None
        tags = (article_tag(slug),)
        build = partial(self._article_entry, slug, revision, pref, tags)
        return await self.page(("article", slug, revision), tags, build, pref, vary_cookie,
                               accept, path, query)  # fmt: skip

    def _article_entry(
        self, slug: str, revision: int, pref: Preference, tags: Sequence[str]
    ) -> Entry:
        """The build on a miss (slow: on a build thread): the page from the blocks it
        shares with the article's other variants, or the 404 page if it is gone."""
        with self.parts_lock:
            shared = self.parts.get(slug)
        if shared is None or shared[0].revision != revision:
            epoch = self.photo_epoch
            found = self.store.get(slug)
            if found is None:  # deleted since its revision was read
                lang = self.renderer.identity.lang
                return self.html("error.html", pref, tags, status=404, **not_found_context(lang))
            if not is_slug(found.slug):  # the marks stand for a slug: nothing to escape
                return self.html("article.html", pref, tags, here=f"/articles/{slug}",
                                 article=found)  # fmt: skip
            shown, photos = with_photos(found, self.store)
            shared = (self.renderer.article_parts(shown), photos)
            with self.parts_lock, contextlib.suppress(ValueError):  # larger than the budget
                if epoch == self.photo_epoch:
                    self.parts[slug] = shared
        parts, photos = shared
        page = self.renderer.article_page(parts, pref)
        return make_entry(page, HTML, (*tags, *photos), eager=False)

    # -- any cached page --------------------------------------------------------
    async def page(
        self,
        key: tuple[Hashable, ...],
        tags: Sequence[str],
        build: Callable[[], Entry],
        pref: Preference,
        vary_cookie: bool,
        accept: str | None,
        path: str,
        query: str,
    ) -> HotRoute:
        """A page from the cache, built once on a miss; a stored 200 is registered
        for the hot path under its URL (`path`, raw `query`)."""
        full_key = (*key, pref, self.version)
        encoding = negotiate_cached(accept[:512] if accept is not None else None, ENCODINGS)
        entry = await self.cache.get(full_key, build, encoding)
        # The build may add tags (an article's photos): the caches in front get them all.
        headers = page_headers([*tags, *sorted(entry.tags.difference(tags))], vary_cookie,
                               entry.status)  # fmt: skip
        route = HotRoute(full_key, entry, headers, vary_cookie, path, query)
        # Only a stored entry: the cache's drop of this key must also reach the route.
        if entry.status == 200 and self.cache.peek(full_key) is entry:
            self.hot.add(path, query, route)
        return route

    def html(
        self,
        template: str,
        pref: Preference,
        tags: Sequence[str],
        status: int = 200,
        **context: Any,
    ) -> Entry:
        """A page rendered into a cache entry, identity only: the cache compresses it
        the way a request needs (slow: off the event loop)."""
        body = self.renderer.page(template, pref=pref, **context)
        return make_entry(body.encode(), HTML, tags, status, eager=False)


def with_photos(article: Article, store: Store) -> tuple[Article, tuple[str, ...]]:
    """The article with its stored photos' srcset, sizes, width and height (read with
    the article, once per revision: the blocks every variant shares keep them), and the
    tags of the photos it shows: `media:DIGEST` each, and `PHOTO_PENDING` while one of
    them is not stored yet. Storing a photo later drops the pages by these (writes.py)."""
    digests = media_digests(article.body_html)
    if not digests:
        return article, ()
    images = store.media_sizes(digests)
    shown = dict.fromkeys(digests)
    tags = [media_tag(d) for d in shown] + ([PHOTO_PENDING] if len(images) < len(shown) else [])
    return replace(article, body_html=with_sizes(article.body_html, images)), tuple(tags)


def _parts_size(shared: Shared) -> int:
    parts = shared[0]
    return sum(map(sys.getsizeof, (parts.title, *parts.main, parts.main))) + 200
