"""Everything a request needs, built once at start-up: themes, assets, the
store, the renderer, the page cache and its hot routes.

Views reach it as `request.app.state.site`; the hot path holds it directly.
It also keeps the cache in step with the store (`sync`, `changed`).
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cachetools import LRUCache

from . import assets
from .admin_auth import AdminTokens
from .answers import HotRoutes, Tail
from .counters import store_error
from .delivery import Entry, make_entry
from .errors import StoreUnavailable
from .fonts import shipped
from .middleware.security import SecurityHeaders
from .pagecache import PageCache
from .preferences import Preference, build_url, variants
from .purge import Purger
from .render import ArticleParts, Renderer, template_hash
from .settings import Settings
from .store import open_store
from .text import is_slug
from .themes import data_dir, load_themes
from .widget import widget_assets

log = logging.getLogger("legible")

SYNC_SECONDS = 0.05  # how stale a page may be after another process commits
RETRY_SECONDS = 0.5  # between syncs while the store is unavailable
HTML = "text/html; charset=utf-8"
PARTS_SHARE = 4  # 1/4 of the cache budget holds articles' shared blocks, the rest pages


def pages_version(css: bytes) -> str:
    """Changes with any template, theme or CSS change: every cached page gets a new
    key, and the README's gallery (e2e/gallery.py) is out of date."""
    return template_hash() + assets.content_hash(css)[:8]


class Site:
    """The service's shared state; one per app (so one per worker process)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.admin = AdminTokens.from_settings(settings.admin_token, settings.admin_token_file)
        themes_dir = Path(settings.themes_dir) if settings.themes_dir else data_dir("themes")
        self.themes = load_themes(themes_dir)
        self.theme_names = list(self.themes)
        # Canonical query string -> its variant ("" is the bare URL).
        self.variant_queries = {
            build_url("", [], pref).removeprefix("?"): pref for pref in variants(self.theme_names)
        }
        self.security_headers = SecurityHeaders.for_settings(settings.https)
        self.tail = Tail.of(self.security_headers)  # the same headers, for hot answers
        css = assets.build_css(themes_dir, self.themes)
        self.css_url = f"/assets/legible.{assets.content_hash(css)}.css"
        self.widget: dict[str, tuple[Entry, str]] = {}
        self.assets: dict[str, Entry] = {
            self.css_url: make_entry(css, "text/css; charset=utf-8"),
        }
        for item in widget_assets(self.themes, css_url=self.css_url):
            self.widget[item.url] = (make_entry(item.body, item.media_type), item.cache_control)
        for font in shipped().files:  # woff2 is compressed already
            self.assets[font.url] = make_entry(font.body, font.media_type, compress=False)
        for path in sorted(assets.STATIC.rglob("*.svg")):
            url = "/static/" + path.relative_to(assets.STATIC).as_posix()
            self.assets[url] = make_entry(path.read_bytes(), "image/svg+xml")
        self.version = pages_version(css)
        self.renderer = Renderer(self.themes, self.css_url)
        self.store = open_store(settings.db)
        self.purger = Purger(settings.purge_urls)  # the HTTP caches in front, after a write
        self.hot = HotRoutes()
        parts_bytes = settings.cache_bytes // PARTS_SHARE
        self.cache = PageCache(
            settings.cache_bytes - parts_bytes, on_drop=self.hot.drop, on_replace=self.hot.replace
        )
        # Each article's own blocks, by slug: every variant of its page shares them.
        self._parts: LRUCache[str, ArticleParts] = LRUCache(parts_bytes, getsizeof=_parts_size)
        self._parts_lock = threading.Lock()  # builds run on several threads
        self.tick = 0  # counts sync periods; the hot path touches the LRU once per tick
        self.revisions: dict[str, int] = {}
        self._resync = True  # read every revision on the next sync
        self._clear = False  # and drop every cached page first
        self._next_sync = 0.0
        if settings.demo and self.store.count() == 0:
            from .importers import demo_files, import_paths  # markdown-it, YAML: demo only

            report = import_paths(self.store, demo_files())
            log.info("loaded demo content: %s", report.summary().splitlines()[0])
        self.sync()

    # -- keeping the cache in step with the store ------------------------------
    def sync(self) -> None:
        """Notice commits by any process (an import, another worker or replica) cheaply.

        At most every SYNC_SECONDS: SQLite's check is a call, a tenth of a cache
        hit; PostgreSQL's listener has already collected what changed, and says so
        (`news_waiting`), which skips the wait: a Varnish refetch right after
        another replica's purge must not get the old page. The service's own API
        writes invalidate at once (`changed`).
        """
        now = time.monotonic()
        if now < self._next_sync and not self.store.news_waiting:
            return
        self._next_sync = now + SYNC_SECONDS
        self.tick += 1
        try:
            news = self.store.poll()
            if news is not None and news.slugs is None:
                self._resync = True
                self._clear = self._clear or news.clear
            if self._resync:
                self.revisions = {a: r for a, r in self.store.revisions()}
        except StoreUnavailable:  # keep serving what is cached; resync once it is back,
            store_error()
            self._next_sync = now + RETRY_SECONDS  # asking seldom: each try may wait
            return
        if self._resync:
            self._resync = False
            if self._clear:  # notifications may have been missed
                self._clear = False
                self.cache.clear()
            self.hot.clear()
            with self._parts_lock:
                self._parts.clear()
            self.cache.invalidate({"lists"})
        elif news is not None and news.slugs:
            for slug, revision in news.slugs.items():
                if revision is None:
                    self.revisions.pop(slug, None)
                else:
                    self.revisions[slug] = revision
            self.changed(*news.slugs)  # one pass over the cache for a whole import

    def changed(self, *slugs: str) -> None:
        self.hot.clear()
        with self._parts_lock:
            for slug in slugs:
                self._parts.pop(slug, None)
        self.cache.invalidate({*(f"article:{slug}" for slug in slugs), "lists"})

    # -- rendering -------------------------------------------------------------
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

    def article_html(
        self, slug: str, revision: int, pref: Preference, tags: Sequence[str]
    ) -> Entry | None:
        """An article's page in `pref` as a cache entry, assembled from the blocks it
        shares with its other variants (rendered once per revision); None when there
        is no such article. Slow: off the event loop."""
        with self._parts_lock:
            parts = self._parts.get(slug)
        if parts is None or parts.revision != revision:
            found = self.store.get(slug)
            if found is None:
                return None
            if not is_slug(found.slug):  # the marks stand for a slug: nothing to escape
                return self.html(
                    "article.html",
                    pref,
                    tags,
                    here=f"/articles/{slug}",
                    lang=found.lang,
                    article=found,
                )
            parts = self.renderer.article_parts(found)
            with self._parts_lock, contextlib.suppress(ValueError):  # larger than the budget
                self._parts[slug] = parts
        return make_entry(self.renderer.article_page(parts, pref), HTML, tags, eager=False)


def _parts_size(parts: ArticleParts) -> int:
    return sum(map(sys.getsizeof, (parts.title, *parts.main, parts.main))) + 200
