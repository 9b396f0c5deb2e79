"""The exception handlers: every error response the app sends comes from here.

Pages get an HTML error page in the reader's variant (as far as it can be
read); `/api/*` gets JSON. A 404 page is cached like any page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..counters import store_error
from ..delivery import Entry
from ..errors import ApiError, PageError, StoreUnavailable, page_text
from ..i18n import Message
from ..preferences import Resolved
from ..purge import LISTS
from ..serving import HTML, not_found_context
from .common import URL_TOO_LONG, lenient_pref, serve_page, site_of, too_long

RETRY_AFTER = {"Retry-After": "30"}


def _api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_page(
    request: Request,
    status: int,
    kind: str,
    details: Sequence[Message] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    """An uncached HTML error page in the site's language; `kind` picks its title and
    text (`errors.PAGE_TEXT`)."""
    site = site_of(request)
    lang = site.renderer.identity.lang
    title, message = page_text(kind, lang)
    body = site.renderer.page(
        "error.html",
        pref=lenient_pref(request, site.theme_names),
        title=title,
        message=message,
        details=[detail.text(lang) for detail in details],
        page="error",
    )
    out = {"Cache-Control": "no-store", **(headers or {})}
    return Response(body, status_code=status, media_type=HTML, headers=out)


async def not_found(request: Request) -> Response:
    """The 404 page, cached per variant like other pages."""
    if too_long(request):
        return error_page(request, 414, "bad_request", [URL_TOO_LONG])
    site = site_of(request)
    site.sync()
    resolved = Resolved(lenient_pref(request, site.theme_names), vary_cookie=True)
    pref = resolved.preference

    def build() -> Entry:
        context = not_found_context(site.renderer.identity.lang)
        return site.pages.html("error.html", pref, [LISTS], status=404, **context)

    return await serve_page(request, ("404",), resolved, [LISTS], build)


async def page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    if exc.status == 404:
        return await not_found(request)
    return error_page(request, exc.status, exc.kind, exc.details, exc.headers)


async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body, exc.status, headers=exc.headers or None)


async def store_unavailable(request: Request, exc: Exception) -> Response:
    store_error()
    if _api(request):
        return JSONResponse({"error": "the store is unavailable; retry"}, 503, RETRY_AFTER)
    return error_page(request, 503, "unavailable", headers=RETRY_AFTER)


async def http_error(request: Request, exc: Exception) -> Response:
    """Routing's own errors: no such route (404), or a method it does not take (405)."""
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if _api(request):
        message = "not found" if exc.status_code == 404 else exc.detail.lower()
        return JSONResponse({"error": message}, exc.status_code, headers or None)
    if exc.status_code == 404:
        return await not_found(request)
    kind = "method_not_allowed" if exc.status_code == 405 else "bad_request"
    return error_page(request, exc.status_code, kind, headers=headers)


HANDLERS = {
    HTTPException: http_error,
    PageError: page_error,
    ApiError: api_error,
    StoreUnavailable: store_unavailable,
}
