"""Everything a request needs, built once at start-up: themes, assets, the
store, the renderer, the cached pages (`serving.Pages`) and the write path.

Views reach it as `request.app.state.site`; the hot path holds it directly.
`sync` keeps the pages in step with other processes' commits, through the
same write path as this process's own writes (`writes.WritePath`).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from cachetools import LRUCache

from . import assets
from .admin_auth import AdminTokens
from .counters import store_error
from .delivery import Entry, make_entry
from .errors import StoreUnavailable
from .fonts import shipped
from .identity import Identity
from .preferences import build_url, variants
from .purge import Purger
from .render import Renderer, template_hash
from .serving import Pages
from .settings import Settings
from .store import open_store
from .themes import data_dir, load_themes
from .widget import BUNDLE_PREFIX, Bundles, widget_assets
from .writes import WritePath

log = logging.getLogger("legible")

SYNC_SECONDS = 0.05  # how stale a page may be after another process commits
RETRY_SECONDS = 0.5  # between syncs while the store is unavailable
MEDIA_CACHE_BYTES = 32 * 1024 * 1024  # photos served lately (views/media.py), beside the pages


def pages_version(css: bytes) -> str:
    """Changes with any template, translation, theme or CSS change: every cached page
    gets a new key, and the README's gallery (e2e/gallery.py) is out of date."""
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
        css = assets.build_css(themes_dir, self.themes)
        self.css_url = f"/assets/legible.{assets.content_hash(css)}.css"
        self.widget: dict[str, tuple[Entry, str]] = {}
        self.assets: dict[str, Entry] = {
            self.css_url: make_entry(css, "text/css; charset=utf-8"),
        }
        widget = widget_assets(self.themes, css_url=self.css_url)
        for item in widget:
            self.widget[item.url] = (make_entry(item.body, item.media_type), item.cache_control)
        for font in shipped().files:  # woff2 is compressed already
            self.assets[font.url] = make_entry(font.body, font.media_type, compress=False)
        for path in sorted(assets.STATIC.rglob("*.svg")):
            url = "/static/" + path.relative_to(assets.STATIC).as_posix()
            self.assets[url] = make_entry(path.read_bytes(), "image/svg+xml")
        self.identity = Identity.from_settings(settings)
        if self.identity.logo is not None:  # compressed already
            logo = self.identity.logo
            self.assets[logo.url] = make_entry(logo.body, logo.media_type, compress=False)
        # A start with another name, logo or language must not serve the old pages.
        self.version = pages_version(css) + self.identity.digest
        self.renderer = Renderer(self.themes, self.css_url, self.identity)
        self.store = open_store(settings.db)
        # Every bundle served stays servable at its hashed URL (pinned with SRI).
        self.bundles = Bundles(self.store)
        self.bundles.keep(next(w.body for w in widget if w.url.startswith(BUNDLE_PREFIX)))
        self.purger = Purger(settings.purge_urls)  # the HTTP caches in front, after a write
        self.pages = Pages(settings.cache_bytes, self.renderer, self.store, self.version)
        self.cache, self.hot = self.pages.cache, self.pages.hot
        self.revisions = self.pages.revisions  # the same dict, changed in place
        self.writes = WritePath(self.purger, self.pages)
        # Photos by URL: a URL names its bytes, so an entry is never stale (nothing drops it).
        self.media_files: LRUCache[str, Entry] = LRUCache(
            MEDIA_CACHE_BYTES, getsizeof=lambda entry: entry.size + 200
        )
        self.tick = 0  # counts sync periods; the hot path touches the LRU once per tick
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
        another replica's purge must not get the old page. What it hears ends in the
        write path, as this process's own writes do (`writes.WritePath.wrote`).
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
            if self._resync:  # the pages are dropped after every revision is read again
                self.writes.wrote(None, heard=True, clear=self._clear)
                self._resync = self._clear = False
            elif news is not None and news.slugs:  # one pass over the cache for an import
                self.writes.wrote(news.slugs, revisions=news.slugs, heard=True)
            if news is not None and news.media:  # photos: the pages that show them
                self.writes.wrote_media(news.media, heard=True)
        except StoreUnavailable:  # keep serving what is cached; resync once it is back,
            store_error()
            self._next_sync = now + RETRY_SECONDS  # asking seldom: each try may wait
