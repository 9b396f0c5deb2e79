"""The naive baseline: Jinja2 renders every request, Starlette's GZipMiddleware compresses it.

Same store, same templates, same page; no cache, no pre-compression.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from service import Settings
from service.preferences import DEFAULT
from service.site import Site

site = Site(Settings.from_env(os.environ))


async def article(request: Request) -> HTMLResponse:
    slug = request.path_params["slug"]
    found = site.store.get(slug)
    if found is None:
        return HTMLResponse("not found", status_code=404)
    html = site.renderer.page(
        "article.html", pref=DEFAULT, here=f"/articles/{slug}", lang=found.lang, article=found
    )
    return HTMLResponse(html)


app = Starlette(
    routes=[Route("/articles/{slug}", article)],
    middleware=[Middleware(GZipMiddleware, minimum_size=500)],
)
