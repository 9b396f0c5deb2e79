"""The admin API: `PUT` and `DELETE /api/articles/{slug}` with a bearer token.
Off (404) unless LEGIBLE_ADMIN_TOKEN is set; every write leaves an audit line."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..articles import validate
from ..errors import ApiError, ArticleInvalid
from .common import read_limited, site_of

audit = logging.getLogger("legible.audit")


def authorise(request: Request) -> None:
    """Raise unless the request carries the admin token (and the API is on)."""
    token = site_of(request).settings.admin_token
    if not token:
        raise ApiError(404, {"error": "the admin API is off: set LEGIBLE_ADMIN_TOKEN"})
    given = request.headers.get("authorization", "")
    scheme, _, credential = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        credential.strip().encode(), token.encode()
    ):
        raise ApiError(
            401,
            {"error": "send Authorization: Bearer <LEGIBLE_ADMIN_TOKEN>"},
            {"WWW-Authenticate": 'Bearer realm="legible"'},
        )


def audit_line(request: Request, action: str, slug: str, result: str) -> None:
    client = request.client.host if request.client else None
    audit.info(json.dumps({"action": action, "slug": slug, "result": result, "client": client}))


async def put_article(request: Request) -> Response:
    authorise(request)
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
    audit_line(request, "put", slug, result)
    return JSONResponse(
        {"slug": slug, "revision": revision, "result": result, "url": f"/articles/{slug}"},
        201 if result == "created" else 200,
    )


async def delete_article(request: Request) -> Response:
    authorise(request)
    site = site_of(request)
    slug = request.path_params["slug"]
    existed = await asyncio.to_thread(site.store.delete, slug)
    audit_line(request, "delete", slug, "deleted" if existed else "absent")
    if not existed:
        raise ApiError(404, {"error": f"no article {slug!r}"})
    site.writes.wrote([slug], revisions={slug: None})
    return Response(status_code=204)
