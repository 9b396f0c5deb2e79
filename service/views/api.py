"""The admin API: `PUT` and `DELETE /api/articles/{slug}` with a bearer token.
Off (404) unless an admin token is set (service/admin_auth.py); every write leaves an
audit line naming the client's address and the token's fingerprint."""

from __future__ import annotations

import asyncio
import json
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..articles import validate
from ..errors import ApiError, ArticleInvalid
from .common import read_limited, site_of

audit = logging.getLogger("legible.audit")


def authorise(request: Request) -> str:
    """The fingerprint of the admin token the request carries; raise (404: the API is
    off, 429: too many bad tokens from its address, 401) otherwise."""
    credential = request.headers.get("authorization", "")
    return site_of(request).admin.authorise(credential, client_of(request))


def client_of(request: Request) -> str:
    """The client's address (a trusted proxy's X-Forwarded-For already applied)."""
    return request.client.host if request.client else "unknown"


def audit_line(request: Request, action: str, slug: str, result: str, token: str) -> None:
    client = client_of(request)
    line = {"action": action, "slug": slug, "result": result, "client": client, "token": token}
    audit.info(json.dumps(line))


async def put_article(request: Request) -> Response:
    token = authorise(request)
    site = site_of(request)
    slug = request.path_params["slug"]
    settings = site.settings
    body = await read_limited(request, settings.max_body_bytes)
    if body is None:
        raise ApiError(413, {"error": f"body is larger than {settings.max_body_mb:g} MB"})
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ApiError(422, {"errors": {"body": f"is not valid JSON: {exc}"}}) from None
    try:
        article = validate(data, slug=slug)
    except ArticleInvalid as exc:
        raise ApiError(422, {"errors": exc.errors}) from None
    result, revision = await asyncio.to_thread(site.store.put, article)
    if result != "unchanged":
        site.writes.wrote([slug], revisions={slug: revision})
    audit_line(request, "put", slug, result, token)
    return JSONResponse(
        {"slug": slug, "revision": revision, "result": result, "url": f"/articles/{slug}"},
        201 if result == "created" else 200,
    )


async def delete_article(request: Request) -> Response:
    token = authorise(request)
    site = site_of(request)
    slug = request.path_params["slug"]
    existed = await asyncio.to_thread(site.store.delete, slug)
    audit_line(request, "delete", slug, "deleted" if existed else "absent", token)
    if not existed:
        raise ApiError(404, {"error": f"no article {slug!r}"})
    site.writes.wrote([slug], revisions={slug: None})
    return Response(status_code=204)
