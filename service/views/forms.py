"""The preference form: `GET /preferences` shows it, `POST /preferences` sets the
cookie and sends the reader back to the page in the new variant. Both work
without JavaScript."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..errors import PageError
from ..i18n import N_, Message
from ..preferences import (
    COOKIE,
    COOKIE_MAX_AGE,
    COOKIE_SEPARATOR,
    DEFAULT,
    VARIANT_PARAMS,
    build_url,
    parse_cookie,
    resolve,
    safe_return_path,
)
from ..serving import HTML
from .common import first_values, lenient_pref, preflight, read_limited, redirect, site_of

MAX_FORM = 16 * 1024


async def preferences_form(request: Request) -> Response:
    raw = first_values(request)
    back = safe_return_path(raw.get("back"))
    resolved = preflight(request, {"back": raw.get("back")})
    if resolved.redirect:
        return redirect(resolved)
    body = site_of(request).renderer.page(
        "preferences.html", pref=resolved.preference, here="/preferences", back=back
    )
    headers = {"Cache-Control": "no-cache"}
    if resolved.vary_cookie:
        headers["Vary"] = "Cookie"
    return Response(body, media_type=HTML, headers=headers)


async def preferences_submit(request: Request) -> Response:
    site = site_of(request)
    themes = site.theme_names
    body = await read_limited(request, MAX_FORM)
    if body is None:
        raise PageError(400, "bad_request", [Message(N_("form too large"))])
    fields: dict[str, str] = {}
    for k, v in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        fields[k] = v  # the last value wins: a checkbox follows its hidden "0"
    # The variant the page was showing, in hidden `cur_*` fields, read as a cookie value.
    shown = [
        fields.get(f"cur_{k}", d) for k, d in zip(VARIANT_PARAMS, DEFAULT.fields(), strict=True)
    ]
    current = parse_cookie(COOKIE_SEPARATOR.join(shown), themes) or lenient_pref(request, themes)
    chosen = resolve("/", [(k, fields[k]) for k in VARIANT_PARAMS if k in fields], None, themes)
    if chosen.errors:
        raise PageError(400, "bad_request", chosen.errors)
    new = replace(
        current, **{k: getattr(chosen.preference, k) for k in VARIANT_PARAMS if k in fields}
    )
    target = safe_return_path(fields.get("return"))
    parts = urlsplit(target)
    kept = [(k, v) for k, v in parse_qsl(parts.query) if k not in VARIANT_PARAMS]
    # Back to the content, not to the top of the controls the reader just used.
    location = build_url(parts.path, kept, new) + "#main"
    response = RedirectResponse(location, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        COOKIE,
        new.cookie_value(),
        max_age=COOKIE_MAX_AGE,
        path="/",
        samesite="lax",
        secure=site.settings.https,
        httponly=False,  # the widget on our own pages keeps it in step
    )
    return response
