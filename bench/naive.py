"""The naive baseline: Jinja2 renders every request, Starlette's GZipMiddleware compresses it.

Same store, same templates, same page in the reader's variant (`?theme=…&size=…`);
no cache, no pre-compression. `app` is ASGI (for uvicorn); `rsgi_app` serves
it under granian through the same RSGI -> ASGI bridge `legible serve` sends its
misses through, so a comparison with it measures the cache, not the server.
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
from service.preferences import resolve
from service.rsgi import RSGIProtocol, RSGIScope, serve_asgi
from service.site import Site

site = Site(Settings.from_env(os.environ))


async def article(request: Request) -> HTMLResponse:
    slug = request.path_params["slug"]
    found = site.store.get(slug)
    if found is None:
        return HTMLResponse("not found", status_code=404)
    query = request.query_params.multi_items()
    resolved = resolve(request.url.path, query, None, site.theme_names)
    if resolved.errors:
        return HTMLResponse("bad variant", status_code=400)
    html = site.renderer.page(
        "article.html",
        pref=resolved.preference,
        here=f"/articles/{slug}",
        article=found,
    )
    return HTMLResponse(html)


app = Starlette(
    routes=[Route("/articles/{slug}", article)],
    middleware=[Middleware(GZipMiddleware, minimum_size=500)],
)


class NaiveRSGI:
    """`app` over granian's RSGI interface, through Legible's own bridge."""

    async def __rsgi__(self, scope: RSGIScope, proto: RSGIProtocol) -> None:
        await serve_asgi(app, scope, proto)


rsgi_app = NaiveRSGI()
