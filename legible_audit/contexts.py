"""A worker's browser context and page, kept from cell to cell.

A fresh browser context per page load costs Chromium a renderer process: on a busy
2-core machine that was most of a small page's task (new context, new page and
close: 0.6-1.9 s, against 0.2 s for the load itself). So a worker keeps one
context and one page for its cells and, before every load, puts them back as a
fresh context has them: other pages (popups) closed, the last document left for
about:blank, the mouse pointing at nothing, cookies, every origin's storage
(local and session storage, IndexedDB, service workers, Cache Storage) and the
HTTP cache cleared, the --cookie cookies set again, and the viewport and the
emulated media (light colours, forced colours and reduced motion off unless the
check asks) set for this load. Media features are emulated per page the way a
context option emulates them (CDP Emulation.setEmulatedMedia), so a check sees
the same page either way. Only the browser's history (which links show as
:visited) survives, and no check reads it: styles are read with getComputedStyle,
which never shows :visited colours.

A load's init script (the widget's saved choice, stored before the page's first
script runs) is added for that load only (CDP Page.addScriptToEvaluateOnNewDocument,
removed before the next). After a task that failed the context is closed: a page
that broke is not reused. A page task (tasks.py) makes a `Contexts` of its own,
closed when it ends: the Tab walk starts in a new context, as it always did.
"""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import (
    Browser,
    BrowserContext,
    CDPSession,
    Frame,
    Page,
    Route,
    ViewportSize,
)
from playwright.sync_api import Error as PlaywrightError

from .options import Options, Viewport

# What a fresh context of the audit emulates (new_context): a check's own
# context options (registry `context`) override these for its load.
MEDIA = {"color_scheme": "light", "forced_colors": "none", "reduced_motion": "no-preference"}
# Run in each frame before the kept page leaves it: what lives as long as the tab.
CLEAR_TAB = "() => { try { sessionStorage.clear(); } catch (e) {} window.name = ''; }"


def origin_of(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return (parts.scheme, parts.netloc)


def new_context(
    browser: Browser,
    opts: Options,
    viewport: Viewport,
    headers_for: Any,
    url: str,
    **extra: Any,
) -> BrowserContext:
    """A context as the audit makes them. `headers_for(url)`: whether --header goes
    with a request to `url` (only to the audited page's origin: a login token must
    not reach a CDN or tracker)."""
    args: dict[str, Any] = {
        "viewport": {"width": viewport.width, "height": viewport.height},
        # Contrast is checked in the page's own colours: a light OS, no forced colours.
        "color_scheme": "light",
        "forced_colors": "none",
        # An injected widget must run whatever the host's CSP says.
        "bypass_csp": opts.widget == "inject",
    }
    context = browser.new_context(**{**args, **extra})
    context.set_default_timeout(opts.timeout * 1000)
    if opts.headers:
        headers = dict(opts.headers)

        def add_headers(route: Route) -> None:
            route.continue_(headers={**route.request.headers, **headers})

        context.route(headers_for, add_headers)
    if opts.cookies:
        context.add_cookies([{"name": n, "value": v, "url": url} for n, v in opts.cookies])
    return context


class Contexts:
    """One worker's context and page: `page()` before each load, `drop()` after a
    task that failed, `close()` at the end."""

    def __init__(self, browser: Browser, opts: Options) -> None:
        self.browser, self.opts = browser, opts
        self._context: BrowserContext | None = None  # kept from task to task
        self._page: Page | None = None
        self._cdp: CDPSession | None = None
        self._origins: set[str] = set()  # origins the kept page's frames have been on
        self._used = False  # the kept page has loaded something since its reset
        self._script: str | None = None  # the id of the load's init script (CDP)
        self._media: dict[str, str] = {}  # what the kept page emulates
        self._url = ""  # the task's page: --header goes to its origin only

    def _headers_for(self, url: str) -> bool:
        return origin_of(url) == origin_of(self._url)

    def page(
        self, url: str, viewport: Viewport, init_script: str | None = None, **media: str
    ) -> Page:
        """The page for one load of `url` (not loaded yet) at `viewport`, with `media`
        (a check's context options: forced_colors, reduced_motion) emulated and
        `init_script` run in each new document before its own scripts."""
        self._url = url
        try:
            return self._reset(url, viewport, init_script, media)
        except PlaywrightError:  # the kept page broke: start again
            self.drop()
            return self._reset(url, viewport, init_script, media)

    def drop(self) -> None:
        """Close the kept context (after a task that failed: a page that broke is
        not reused); the next load gets a new one."""
        if self._context is not None:
            with contextlib.suppress(PlaywrightError):
                self._context.close()
        self._context = self._page = self._cdp = None
        self._origins = set()
        self._used = False
        self._script = None
        self._media = {}

    close = drop

    def _track(self, frame: Frame) -> None:
        parts = urlsplit(frame.url)
        if parts.scheme in ("http", "https"):
            self._origins.add(f"{parts.scheme}://{parts.netloc}")

    def _reset(
        self, url: str, viewport: Viewport, init_script: str | None, media: dict[str, str]
    ) -> Page:
        if self._context is None or self._page is None or self._page.is_closed():
            self.drop()
            context = new_context(self.browser, self.opts, viewport, self._headers_for, url)
            context.on("page", lambda p: p.on("framenavigated", self._track))
            self._context, self._page = context, context.new_page()
            self._page.on("framenavigated", self._track)
            self._cdp = context.new_cdp_session(self._page)
        context, page, cdp = self._context, self._page, self._cdp
        assert cdp is not None
        if self._used:
            for other in context.pages:
                if other is not page:
                    other.close()
            for frame in page.frames:  # session storage lives as long as the tab
                with contextlib.suppress(PlaywrightError):
                    frame.evaluate(CLEAR_TAB)
            page.goto("about:blank")  # the last document's unload runs before the clearing
            page.mouse.move(-1, -1)  # hovering nothing, as on a page never pointed at
            context.clear_cookies()
            for origin in sorted(self._origins):
                cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
            cdp.send("Network.clearBrowserCache")
            self._origins = set()
            if self.opts.cookies:
                cookies = [{"name": n, "value": v, "url": url} for n, v in self.opts.cookies]
                context.add_cookies(cookies)  # type: ignore[arg-type]
        if self._script is not None:
            cdp.send("Page.removeScriptToEvaluateOnNewDocument", {"identifier": self._script})
            self._script = None
        if init_script is not None:
            added = cdp.send("Page.addScriptToEvaluateOnNewDocument", {"source": init_script})
            self._script = str(added["identifier"])
        size: ViewportSize = {"width": viewport.width, "height": viewport.height}
        if page.viewport_size != size:
            page.set_viewport_size(size)
        wanted = {**MEDIA, **media}
        if wanted != self._media:
            page.emulate_media(**wanted)  # type: ignore[arg-type]
            self._media = wanted
        self._used = True
        return page
