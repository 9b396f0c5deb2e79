"""The app factory: routes wired to the preference -> cache -> render -> response flow."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from . import assets
from .articles import validate
from .delivery import Entry, PageCache, make_entry, respond
from .errors import ArticleInvalid, StoreUnavailable
from .hotpath import HotPath, HotRoute, HotRoutes, Tail
from .i18n import strings
from .middleware.accesslog import AccessLog
from .middleware.security import SecurityHeaders
from .preferences import (
    COOKIE,
    COOKIE_MAX_AGE,
    DEFAULT,
    VARIANT_PARAMS,
    Preference,
    Resolved,
    build_url,
    parse_cookie,
    resolve,
    safe_return_path,
)
from .render import Renderer, page_links, template_hash
from .rsgi import Lifespan, RSGIProtocol, RSGIScope, serve_asgi
from .settings import Settings
from .store import Store
from .themes import data_dir, load_themes
from .widget import widget_assets

log = logging.getLogger("legible")
audit = logging.getLogger("legible.audit")

PAGE_SIZE = 10
SYNC_SECONDS = 0.05  # how stale a page may be after another process commits
MAX_QUERY = 200
MAX_URL = 4096
HTML = "text/html; charset=utf-8"
# Browsers revalidate after a minute; shared caches keep pages 5 minutes and
# are purged by Surrogate-Key on change; stale copies bridge a slow or failing origin.
PAGE_CACHE_CONTROL = (
    "public, max-age=60, s-maxage=300, stale-while-revalidate=60, stale-if-error=86400"
)
ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"


class Legible:
    """Everything a request needs, built once at start-up."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        themes_dir = Path(settings.themes_dir) if settings.themes_dir else data_dir("themes")
        self.themes = load_themes(themes_dir)
        css = assets.build_css(themes_dir, self.themes)
        self.css_url = f"/assets/legible.{assets.content_hash(css)}.css"
        self.widget: dict[str, tuple[Entry, str]] = {}
        self.assets: dict[str, Entry] = {
            self.css_url: make_entry(css, "text/css; charset=utf-8"),
        }
        for item in widget_assets(self.themes, css_url=self.css_url):
            self.widget[item.url] = (make_entry(item.body, item.media_type), item.cache_control)
        for path in sorted(assets.STATIC.rglob("*.svg")):
            url = "/static/" + path.relative_to(assets.STATIC).as_posix()
            self.assets[url] = make_entry(path.read_bytes(), "image/svg+xml")
        # Any change to templates, themes or CSS gives every cached page a new key.
        self.version = template_hash() + assets.content_hash(css)[:8]
        self.renderer = Renderer(self.themes, self.css_url)
        self.store = Store(settings.db)
        self.hot = HotRoutes()
        self.cache = PageCache(settings.cache_bytes, on_drop=self.hot.drop)
        self.tick = 0  # counts sync periods; the hot path touches the LRU once per tick
        self.revisions: dict[str, int] = {}
        self._data_version: int | None = None
        self._next_sync = 0.0
        if settings.demo and self.store.count() == 0:
            from .importers import demo_files, import_paths  # markdown-it, YAML: demo only

            report = import_paths(self.store, demo_files())
            log.info("loaded demo content: %s", report.summary().splitlines()[0])
        self.sync()

    # -- keeping the cache in step with the store ------------------------------
    def sync(self) -> None:
        """Notice commits by any process (an import, another worker) cheaply.

        At most every SYNC_SECONDS: the check is a SQLite call, a tenth of a
        cache hit. The service's own API writes invalidate at once (`changed`).
        """
        now = time.monotonic()
        if now < self._next_sync:
            return
        self._next_sync = now + SYNC_SECONDS
        self.tick += 1
        try:
            version = self.store.data_version()
            if version == self._data_version:
                return
            self.revisions = {a: r for a, r in self.store.revisions()}
        except StoreUnavailable:
            self._data_version = None  # resync fully once the store is back
            return  # keep serving what is cached
        self._data_version = version
        self.hot.clear()
        self.cache.invalidate({"lists"})

    def changed(self, slug: str) -> None:
        self.hot.clear()
        self.cache.invalidate({f"article:{slug}", "lists"})

    # -- rendering -------------------------------------------------------------
    def html(
        self,
        template: str,
        pref: Preference,
        tags: Sequence[str],
        status: int = 200,
        **context: Any,
    ) -> Entry:
        body = self.renderer.page(template, pref=pref, **context)
        return make_entry(body.encode(), HTML, tags, status)


def _cookie(request: Request) -> str | None:
    return request.cookies.get(COOKIE)


def _page_headers(resolved: Resolved, tags: Sequence[str]) -> dict[str, str]:
    headers = {"Cache-Control": PAGE_CACHE_CONTROL}
    if resolved.vary_cookie:
        headers["Vary"] = "Cookie"
    keys = " ".join(tags)
    headers["Surrogate-Key"] = keys
    headers["Cache-Tag"] = keys.replace(" ", ",")
    return headers


def create_app(settings: Settings | None = None) -> LegibleApp:
    settings = settings or Settings.from_env()
    app_state = Legible(settings)
    themes = list(app_state.themes)
    security = SecurityHeaders.for_settings(settings.https)
    security_tail = Tail.of(security)

    def redirect(resolved: Resolved) -> Response:
        assert resolved.redirect is not None
        if resolved.private:
            headers = {"Cache-Control": "private, no-cache", "Vary": "Cookie"}
            return RedirectResponse(resolved.redirect, status_code=302, headers=headers)
        headers = {"Cache-Control": "public, max-age=3600"}
        if resolved.vary_cookie:
            headers["Vary"] = "Cookie"
        return RedirectResponse(resolved.redirect, status_code=301, headers=headers)

    def error_page(
        request: Request,
        status: int,
        title_key: str,
        body_key: str,
        details: Sequence[str] = (),
        pref: Preference | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        if pref is None:
            pref = _lenient_pref(request, themes)
        t = strings("vi")
        body = app_state.renderer.page(
            "error.html",
            pref=pref,
            title=t[title_key],
            message=t[body_key],
            details=list(details),
            page="error",
        )
        out = {"Cache-Control": "no-store"} | (headers or {})
        return Response(body, status_code=status, media_type=HTML, headers=out)

    def bad_request(request: Request, errors: Sequence[str]) -> Response:
        return error_page(request, 400, "bad_request_title", "bad_request_body", errors, DEFAULT)

    async def serve_page(
        request: Request,
        key: tuple[Any, ...],
        resolved: Resolved,
        tags: Sequence[str],
        build: Callable[[], Entry],
    ) -> Response:
        full_key = (*key, resolved.preference, app_state.version)
        try:
            entry = await app_state.cache.get(full_key, build)
        except StoreUnavailable:
            return error_page(
                request, 503, "unavailable_title", "unavailable_body", headers={"Retry-After": "30"}
            )
        headers = _page_headers(resolved, tags)
        if entry.status == 404:
            headers["Cache-Control"] = "public, max-age=60"
        elif entry.status == 200 and app_state.cache.peek(full_key) is entry:
            # Stored, so the cache's drop of this key will also reach the route.
            path, query = request.url.path, request.scope["query_string"]
            route = HotRoute(
                full_key, entry, headers, resolved.vary_cookie, security_tail,
                path, query.decode("latin-1"),
            )  # fmt: skip
            app_state.hot.add(path, query, route)
        return respond(entry, request.headers, request.method, headers)

    def page_param(raw: dict[str, str]) -> tuple[int | None, str | None]:
        """(page number, canonical value) from ?page=; (None, None) when invalid."""
        value = raw.get("page")
        if value is None:
            return 1, None
        value = value.strip()
        if not (value.isascii() and value.isdigit()) or len(value) > 6 or int(value) < 1:
            return None, None
        return int(value), (str(int(value)) if int(value) > 1 else None)

    def first_values(request: Request) -> dict[str, str]:
        out: dict[str, str] = {}
        for k, v in request.query_params.multi_items():
            out.setdefault(k, v)
        return out

    def too_long(request: Request) -> bool:
        scope = request.scope
        return len(scope.get("raw_path") or b"") + len(scope["query_string"]) > MAX_URL

    def preflight(request: Request, route_params: dict[str, str | None]) -> Resolved | Response:
        if too_long(request):
            return error_page(
                request, 414, "bad_request_title", "bad_request_body", ["URI too long"]
            )
        app_state.sync()
        resolved = resolve(
            request.url.path,
            request.query_params.multi_items(),
            _cookie(request),
            themes,
            route_params,
        )
        if resolved.errors:
            return bad_request(request, resolved.errors)
        if resolved.redirect:
            return redirect(resolved)
        return resolved

    async def index(request: Request) -> Response:
        page_no, canon = page_param(first_values(request))
        if page_no is None:
            return bad_request(request, ["page: use a whole number from 1"])
        resolved = preflight(request, {"page": canon})
        if isinstance(resolved, Response):
            return resolved
        pref = resolved.preference
        params = [("page", canon)] if canon else []

        def build() -> Entry:
            articles, total = app_state.store.latest(PAGE_SIZE, (page_no - 1) * PAGE_SIZE)
            pages = max(1, -(-total // PAGE_SIZE))
            if page_no > pages:
                return app_state.html("error.html", pref, ["lists"], status=404, **_not_found())
            return app_state.html(
                "index.html",
                pref,
                ["lists"],
                here=build_url("/", params, DEFAULT),
                articles=articles,
                page_no=page_no,
                pages=pages,
                page_url=page_links("/", [], pref),
            )

        return await serve_page(request, ("index", page_no), resolved, ["lists"], build)

    async def article(request: Request) -> Response:
        slug = request.path_params["slug"]
        if slug != slug.lower() and slug.lower() in app_state.revisions:
            target = build_url("/articles/" + slug.lower(), [], DEFAULT)
            query = request.url.query
            return RedirectResponse(target + (f"?{query}" if query else ""), status_code=301)
        resolved = preflight(request, {})
        if isinstance(resolved, Response):
            return resolved
        pref = resolved.preference
        revision = app_state.revisions.get(slug)
        if revision is None:
            return await not_found(request, resolved)
        tags = [f"article:{slug}"]

        def build() -> Entry:
            found = app_state.store.get(slug)
            if found is None:
                return app_state.html("error.html", pref, tags, status=404, **_not_found())
            return app_state.html(
                "article.html",
                pref,
                tags,
                here=f"/articles/{slug}",
                lang=found.lang,
                article=found,
            )

        return await serve_page(request, ("article", slug, revision), resolved, tags, build)

    async def search(request: Request) -> Response:
        raw = first_values(request)
        query = " ".join(unicodedata.normalize("NFC", raw.get("q", "")).split())
        if len(query) > MAX_QUERY:
            return bad_request(request, [f"q: use at most {MAX_QUERY} characters"])
        page_no, canon = page_param(raw)
        if page_no is None:
            return bad_request(request, ["page: use a whole number from 1"])
        resolved = preflight(request, {"q": query or None, "page": canon if query else None})
        if isinstance(resolved, Response):
            return resolved
        pref = resolved.preference
        params = [("q", query)] if query else []

        def build() -> Entry:
            hits, total = (
                app_state.store.search(query, PAGE_SIZE, (page_no - 1) * PAGE_SIZE)
                if query
                else ([], 0)
            )
            pages = max(1, -(-total // PAGE_SIZE))
            return app_state.html(
                "search.html",
                pref,
                ["lists"],
                here=build_url("/search", params + ([("page", canon)] if canon else []), DEFAULT),
                query=query,
                hits=hits,
                total=total,
                page_no=page_no,
                pages=pages,
                page_url=page_links("/search", params, pref),
            )

        return await serve_page(request, ("search", query, page_no), resolved, ["lists"], build)

    async def not_found(request: Request, resolved: Resolved | None = None) -> Response:
        if too_long(request):
            return error_page(
                request, 414, "bad_request_title", "bad_request_body", ["URI too long"], DEFAULT
            )
        app_state.sync()
        if resolved is None:
            resolved = Resolved(_lenient_pref(request, themes), vary_cookie=True)
        pref = resolved.preference

        def build() -> Entry:
            return app_state.html("error.html", pref, ["lists"], status=404, **_not_found())

        response = await serve_page(request, ("404",), resolved, ["lists"], build)
        response.headers["Cache-Control"] = "public, max-age=60"
        return response

    async def preferences_form(request: Request) -> Response:
        raw = first_values(request)
        back = safe_return_path(raw.get("back"))
        resolved = preflight(request, {"back": raw.get("back")})
        if isinstance(resolved, Response):
            return resolved
        body = app_state.renderer.page(
            "preferences.html", pref=resolved.preference, here="/preferences", back=back
        )
        headers = {"Cache-Control": "no-cache"}
        if resolved.vary_cookie:
            headers["Vary"] = "Cookie"
        return Response(body, media_type=HTML, headers=headers)

    async def preferences_submit(request: Request) -> Response:
        body = await _read_limited(request, 16 * 1024)
        if body is None:
            return bad_request(request, ["the form is too large"])
        fields: dict[str, str] = {}
        for k, v in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            fields[k] = v  # the last value wins: a checkbox follows its hidden "0"
        shown = [
            fields.get(f"cur_{k}", d) for k, d in (("theme", ""), ("size", "100"), ("spacing", "0"))
        ]
        current = parse_cookie(".".join(shown), themes) or _lenient_pref(request, themes)
        chosen = resolve(
            "/",
            [(k, fields[k]) for k in VARIANT_PARAMS if k in fields],
            None,
            themes,
        )
        if chosen.errors:
            return bad_request(request, chosen.errors)
        new = Preference(
            theme=chosen.preference.theme if "theme" in fields else current.theme,
            size=chosen.preference.size if "size" in fields else current.size,
            spacing=chosen.preference.spacing if "spacing" in fields else current.spacing,
        )
        target = safe_return_path(fields.get("return"))
        parts = urlsplit(target)
        kept = [(k, v) for k, v in parse_qsl(parts.query) if k not in VARIANT_PARAMS]
        response = RedirectResponse(build_url(parts.path, kept, new), status_code=303)
        response.headers["Cache-Control"] = "no-store"
        response.set_cookie(
            COOKIE,
            new.cookie_value(),
            max_age=COOKIE_MAX_AGE,
            path="/",
            samesite="lax",
            secure=settings.https,
            httponly=False,  # the widget on our own pages keeps it in step
        )
        return response

    async def healthz(request: Request) -> Response:
        ok = app_state.store.healthy()
        body = {
            "status": "ok" if ok else "degraded",
            "store": "ok" if ok else "unavailable",
            "cached_pages": len(app_state.cache),
            "cached_bytes": app_state.cache.current_bytes,
        }
        return JSONResponse(
            body, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"}
        )

    async def asset(request: Request) -> Response:
        entry = app_state.assets.get(request.url.path)
        if entry is None:
            return await not_found(request)
        immutable = request.url.path.startswith("/assets/")
        headers = {"Cache-Control": ASSET_CACHE_CONTROL if immutable else "public, max-age=86400"}
        return respond(entry, request.headers, request.method, headers)

    async def widget_file(request: Request) -> Response:
        found = app_state.widget.get(request.url.path)
        if found is None:
            return await not_found(request)
        entry, cache_control = found
        # Embedded on other origins: CORS and CORP always, not only when Origin is sent,
        # so a shared cache never holds a copy without them.
        headers = {
            "Cache-Control": cache_control,
            "Access-Control-Allow-Origin": "*",
            "Cross-Origin-Resource-Policy": "cross-origin",
        }
        return respond(entry, request.headers, request.method, headers)

    # -- admin API -------------------------------------------------------------
    def authorised(request: Request) -> Response | None:
        token = settings.admin_token
        if not token:
            return JSONResponse({"error": "the admin API is off: set LEGIBLE_ADMIN_TOKEN"}, 404)
        given = request.headers.get("authorization", "")
        scheme, _, credential = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            credential.strip().encode(), token.encode()
        ):
            return JSONResponse(
                {"error": "send Authorization: Bearer <LEGIBLE_ADMIN_TOKEN>"},
                401,
                headers={"WWW-Authenticate": 'Bearer realm="legible"'},
            )
        return None

    def audit_line(request: Request, action: str, slug: str, result: str) -> None:
        client = request.client.host if request.client else None
        audit.info(json.dumps({"action": action, "slug": slug, "result": result, "client": client}))

    async def api_put(request: Request) -> Response:
        denied = authorised(request)
        if denied:
            return denied
        slug = request.path_params["slug"]
        body = await _read_limited(request, settings.max_body_bytes)
        if body is None:
            return JSONResponse({"error": f"body is larger than {settings.max_body_mb:g} MB"}, 413)
        try:
            data = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            return JSONResponse({"errors": {"body": f"is not valid JSON: {exc}"}}, 422)
        try:
            article = validate(data, slug=slug)
        except ArticleInvalid as exc:
            return JSONResponse({"errors": exc.errors}, 422)
        try:
            result, revision = await asyncio.to_thread(app_state.store.put, article)
        except StoreUnavailable:
            return JSONResponse(
                {"error": "the store is unavailable; retry"}, 503, headers={"Retry-After": "30"}
            )
        if result != "unchanged":
            app_state.changed(slug)
        app_state.revisions[slug] = revision
        audit_line(request, "put", slug, result)
        status = 201 if result == "created" else 200
        return JSONResponse(
            {"slug": slug, "revision": revision, "result": result, "url": f"/articles/{slug}"},
            status,
        )

    async def api_delete(request: Request) -> Response:
        denied = authorised(request)
        if denied:
            return denied
        slug = request.path_params["slug"]
        try:
            existed = await asyncio.to_thread(app_state.store.delete, slug)
        except StoreUnavailable:
            return JSONResponse(
                {"error": "the store is unavailable; retry"}, 503, headers={"Retry-After": "30"}
            )
        audit_line(request, "delete", slug, "deleted" if existed else "absent")
        if not existed:
            return JSONResponse({"error": f"no article {slug!r}"}, 404)
        app_state.revisions.pop(slug, None)
        app_state.changed(slug)
        return Response(status_code=204)

    async def fallback(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "not found"}, 404)
        return await not_found(request)

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/articles/{slug}", article, methods=["GET"]),
        Route("/search", search, methods=["GET"]),
        Route("/preferences", preferences_form, methods=["GET"]),
        Route("/preferences", preferences_submit, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/assets/{name}", asset, methods=["GET"]),
        Route("/static/{path:path}", asset, methods=["GET"]),
        Route("/widget.js", widget_file, methods=["GET"]),
        Route("/widget/{path:path}", widget_file, methods=["GET"]),
        Route("/api/articles/{slug}", api_put, methods=["PUT"]),
        Route("/api/articles/{slug}", api_delete, methods=["DELETE"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders, headers=security)],
        exception_handlers={404: fallback},
    )
    app.router.redirect_slashes = False  # its redirect would echo the Host header
    app.state.legible = app_state
    hot = HotPath(app, app_state, allowed_hosts=settings.allowed_hosts)
    outer: ASGIApp = hot
    if settings.access_log:
        outer = hot.access_log = AccessLog(outer)
    if settings.allowed_hosts:
        # Outside the app, so its 400 for a wrong Host gets the security headers here.
        outer = SecurityHeaders(HealthzOrTrustedHost(outer, settings.allowed_hosts), security)
    return LegibleApp(outer, app, hot)


class HealthzOrTrustedHost:
    """Trusted hosts for every path but /healthz, which local probes (the Docker
    HEALTHCHECK, a kubelet) ask by IP address; /healthz renders nothing from the Host."""

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str]) -> None:
        self.app = app
        self.checked = TrustedHostMiddleware(app, allowed_hosts=list(allowed_hosts))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/healthz":
            await self.app(scope, receive, send)
        else:
            await self.checked(scope, receive, send)


class LegibleApp:
    """The app, over ASGI (`__call__`) or granian's RSGI (`__rsgi__`): the trusted
    hosts, the access log and the hot path around the Starlette app."""

    def __init__(self, outer: ASGIApp, inner: Starlette, hot: HotPath) -> None:
        self.outer = outer
        self.inner = inner
        self.hot = hot
        self.state = inner.state
        self._lifespan = Lifespan(outer)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.outer(scope, receive, send)

    # RSGI: a cache hit is one response_bytes call; the rest goes through ASGI.
    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.run_until_complete(self._lifespan.startup())

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.run_until_complete(self._lifespan.shutdown())

    async def __rsgi__(self, scope: RSGIScope, proto: RSGIProtocol) -> None:
        if scope.proto != "http":
            raise RuntimeError("legible serves HTTP only")  # granian runs without websockets
        if not self.hot.rsgi(scope, proto):
            await serve_asgi(self.outer, scope, proto)


def _not_found() -> dict[str, Any]:
    t = strings("vi")
    return {
        "title": t["not_found_title"],
        "message": t["not_found_body"],
        "details": [],
        "page": "error",
    }


def _lenient_pref(request: Request, themes: Sequence[str]) -> Preference:
    """For error pages: the reader's variant if it can be read, else the default."""
    resolved = resolve("/", request.query_params.multi_items(), _cookie(request), themes)
    return DEFAULT if resolved.errors else resolved.preference


async def _read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None once it passes `limit` bytes (checked while streaming)."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        return None
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
