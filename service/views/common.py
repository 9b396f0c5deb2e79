"""What every page view shares: the site, the preference preflight, redirects,
and sending the serving unit's answer (`serving.Pages`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..answers import HotRoute
from ..delivery import Entry, RawResponse
from ..delivery import respond as delivery_respond
from ..errors import PageError
from ..i18n import N_, Message
from ..preferences import COOKIE, Preference, Resolved, resolve
from ..site import Site

MAX_URL = 4096
URL_TOO_LONG = Message(N_("address too long"))


def site_of(request: Request) -> Site:
    return cast(Site, request.app.state.site)


def first_values(request: Request) -> dict[str, str]:
    """Each query parameter's first value."""
    out: dict[str, str] = {}
    for k, v in request.query_params.multi_items():
        out.setdefault(k, v)
    return out


def too_long(request: Request) -> bool:
    scope = request.scope
    return len(scope.get("raw_path") or b"") + len(scope["query_string"]) > MAX_URL


def lenient_pref(request: Request, themes: Sequence[str]) -> Preference:
    """For error pages: every valid choice of the reader's (URL, then cookie)."""
    cookie = request.cookies.get(COOKIE)
    return resolve("/", request.query_params.multi_items(), cookie, themes).preference


def page_param(raw: dict[str, str]) -> tuple[int, str | None]:
    """(page number, canonical value) from ?page=; raises a 400 when invalid."""
    value = raw.get("page")
    if value is None:
        return 1, None
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 6 or int(value) < 1:
        raise PageError(400, "bad_request", [Message(N_("page: use a whole number from 1"))])
    return int(value), (str(int(value)) if int(value) > 1 else None)


def preflight(
    request: Request, route_params: dict[str, str | None], path: str | None = None
) -> Resolved:
    """The request's variant (or the redirect to its canonical URL); bad values raise a
    400. `path`: the page's path as its redirects spell it (request.url.path's, decoded,
    may not be ASCII)."""
    if too_long(request):
        raise PageError(414, "bad_request", [URL_TOO_LONG])
    site = site_of(request)
    site.sync()
    resolved = resolve(
        path or request.url.path,
        request.query_params.multi_items(),
        request.cookies.get(COOKIE),
        site.theme_names,
        route_params,
    )
    if resolved.errors:
        raise PageError(400, "bad_request", resolved.errors)
    return resolved


def redirect(resolved: Resolved) -> Response:
    assert resolved.redirect is not None
    if resolved.private:
        headers = {"Cache-Control": "private, no-cache", "Vary": "Cookie"}
        return RedirectResponse(resolved.redirect, status_code=302, headers=headers)
    headers = {"Cache-Control": "public, max-age=3600"}
    if resolved.vary_cookie:
        headers["Vary"] = "Cookie"
    return RedirectResponse(resolved.redirect, status_code=301, headers=headers)


def respond(request: Request, route: HotRoute) -> Response:
    """Send the serving unit's prepared answer for `route`, as the hot paths do."""
    headers = request.headers
    answer = route.respond(headers.get("accept-encoding"), headers.get("if-none-match"), False)
    if answer is None:  # the encoding it needs was not kept (the cache was too small)
        return delivery_respond(route.entry, headers, request.method, route.headers)
    body = b"" if request.method == "HEAD" else answer.body
    return RawResponse(answer.status, list(answer.headers), body)


async def serve_page(
    request: Request,
    key: tuple[Any, ...],
    resolved: Resolved,
    tags: Sequence[str],
    build: Callable[[], Entry],
) -> Response:
    """A page other than an article's (the index, search, the 404), through the
    serving unit with its own key, tags and build."""
    route = await site_of(request).pages.page(
        key, tags, build, resolved.preference, resolved.vary_cookie,
        request.headers.get("accept-encoding"), request.url.path, query_of(request),
    )  # fmt: skip
    return respond(request, route)


def query_of(request: Request) -> str:
    """The raw query string, as the hot routes key it."""
    return cast(bytes, request.scope["query_string"]).decode("latin-1")


async def read_limited(request: Request, limit: int) -> bytes | None:
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
