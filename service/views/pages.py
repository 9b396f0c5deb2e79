"""The reader's pages: the latest articles, one article, search results."""

from __future__ import annotations

import unicodedata

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..delivery import Entry
from ..errors import PageError
from ..i18n import N_, Message
from ..preferences import DEFAULT, build_url
from ..purge import LISTS
from ..render import page_links, tag_path
from ..serving import not_found_context
from .common import (
    first_values,
    page_param,
    preflight,
    query_of,
    redirect,
    respond,
    serve_page,
    site_of,
)

PAGE_SIZE = 10
MAX_QUERY = 200


async def index(request: Request) -> Response:
    return await _listing(request, "/", "index.html", None)


async def _listing(request: Request, path: str, template: str, tag: str | None) -> Response:
    """The front page (`tag` None) or a tag's page: newest first, PAGE_SIZE a page,
    a 404 past the last page (or for a tag no article has)."""
    page_no, canon = page_param(first_values(request))
    resolved = preflight(request, {"page": canon}, path)
    if resolved.redirect:
        return redirect(resolved)
    site = site_of(request)
    pref = resolved.preference
    params = [("page", canon)] if canon else []

    def build() -> Entry:
        offset = (page_no - 1) * PAGE_SIZE
        if tag is None:
            articles, total = site.store.latest(PAGE_SIZE, offset)
        else:
            articles, total = site.store.tagged(tag, PAGE_SIZE, offset)
        pages = max(1, -(-total // PAGE_SIZE))
        if page_no > pages or (tag and not total):
            context = not_found_context(site.renderer.identity.lang)
            return site.pages.html("error.html", pref, [LISTS], status=404, **context)
        return site.pages.html(
            template,
            pref,
            [LISTS],
            here=build_url(path, params, DEFAULT),
            articles=articles,
            page_no=page_no,
            pages=pages,
            page_url=page_links(path, [], pref),
            tag=tag,
        )

    key = ("tag", tag, page_no) if tag else ("index", page_no)
    return await serve_page(request, key, resolved, [LISTS], build)


async def article(request: Request) -> Response:
    site = site_of(request)
    slug = request.path_params["slug"]
    if slug != slug.lower() and slug.lower() in site.revisions:
        target = build_url("/articles/" + slug.lower(), [], DEFAULT)
        query = request.url.query
        return RedirectResponse(target + (f"?{query}" if query else ""), status_code=301)
    resolved = preflight(request, {})
    if resolved.redirect:
        return redirect(resolved)
    route = await site.pages.article(
        slug, resolved.preference, resolved.vary_cookie,
        request.headers.get("accept-encoding"), request.url.path, query_of(request),
    )  # fmt: skip
    if route is None:
        raise PageError(404, "not_found")
    return respond(request, route)


async def tag(request: Request) -> Response:
    """`/tags/TAG`: the articles with that tag, newest first, paged."""
    name = request.path_params["tag"]
    if not name or len(name) > MAX_QUERY:
        raise PageError(404, "not_found")
    return await _listing(request, tag_path(name), "tag.html", name)


async def search(request: Request) -> Response:
    raw = first_values(request)
    query = " ".join(unicodedata.normalize("NFC", raw.get("q", "")).split())
    if len(query) > MAX_QUERY:
        too_long = Message(N_("q: at most %(max)s characters"), {"max": MAX_QUERY})
        raise PageError(400, "bad_request", [too_long])
    page_no, canon = page_param(raw)
    resolved = preflight(request, {"q": query or None, "page": canon if query else None})
    if resolved.redirect:
        return redirect(resolved)
    site = site_of(request)
    pref = resolved.preference
    params = [("q", query)] if query else []

    def build() -> Entry:
        hits, total = (
            site.store.search(query, PAGE_SIZE, (page_no - 1) * PAGE_SIZE) if query else ([], 0)
        )
        pages = max(1, -(-total // PAGE_SIZE))
        return site.pages.html(
            "search.html",
            pref,
            [LISTS],
            here=build_url("/search", params + ([("page", canon)] if canon else []), DEFAULT),
            query=query,
            hits=hits,
            total=total,
            page_no=page_no,
            pages=pages,
            page_url=page_links("/search", params, pref),
        )

    return await serve_page(request, ("search", query, page_no), resolved, [LISTS], build)
