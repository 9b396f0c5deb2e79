"""The article record and the validation every way in (API, importers) shares.

The JSON schema, also used by `legible export`:

    {
      "title": "…",                        required, plain text
      "published": "2023-09-21",           required, ISO date or datetime
      "body_html": "<p>…</p>",             required, sanitised on the way in
      "slug": "hoi-nghi-giao-ban",         optional, else made from the title
      "lang": "vi",                        optional, BCP 47, default "vi"
      "summary": "…", "byline": "HQ - TL", optional, plain text
      "tags": ["kiem-sat"],                optional, list of strings
      "updated": "2023-09-22T08:00:00+07:00" optional
    }
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .errors import ArticleInvalid
from .sanitize import sanitize_html
from .text import is_slug, slugify

FIELDS = ("slug", "title", "lang", "published", "updated", "summary", "byline", "tags", "body_html")
REQUIRED = ("title", "published", "body_html")
_LANG = re.compile(r"^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*$")
MAX_TITLE = 500
MAX_TEXT = 2000


@dataclass(frozen=True)
class Article:
    slug: str
    title: str
    published: str
    body_html: str
    lang: str = "vi"
    updated: str | None = None
    summary: str = ""
    byline: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)
    revision: int = 0

    @property
    def published_date(self) -> date:
        return _parse_when(self.published)[1]

    def to_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "lang": self.lang,
            "published": self.published,
            "updated": self.updated,
            "summary": self.summary,
            "byline": self.byline,
            "tags": list(self.tags),
            "body_html": self.body_html,
        }


def _parse_when(value: str) -> tuple[str, date]:
    """Normalise an ISO date or datetime; reject impossible dates like 2023-02-30."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return day.isoformat(), day
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment.isoformat(), moment.date()
    except ValueError:
        raise ValueError("must be an ISO date (2023-09-21) or datetime") from None


# PostgreSQL cannot store U+0000 in text (SQLite can): refused on both, so an article
# that one store takes the other takes too. The body loses it in sanitising.
NUL = "\x00"
NUL_ERROR = "must not contain the NUL character (\\u0000)"


def _text(value: Any, name: str, errors: dict[str, str], limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[name] = "must be a string"
        return ""
    text: str = value.strip()
    if len(text) > limit:
        errors[name] = f"must be at most {limit} characters"
    elif NUL in text:
        errors[name] = NUL_ERROR
    return text


def _encodable(value: Any) -> bool:
    """False for text that cannot be stored as UTF-8 (lone surrogates from JSON escapes)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, list | tuple):
        return all(_encodable(v) for v in value)
    if isinstance(value, dict):
        return all(_encodable(k) and _encodable(v) for k, v in value.items())
    return True


def validate(data: Any, slug: str | None = None) -> Article:
    """Turn untrusted input into an Article, or raise ArticleInvalid listing every problem.

    `slug`, when given (the API's URL), wins over the body's and must match it.
    """
    if not isinstance(data, dict):
        raise ArticleInvalid({"body": "must be a JSON object"})
    broken = {
        str(name): "is not valid Unicode text (it holds a lone surrogate such as \\ud800)"
        for name, value in data.items()
        if not _encodable(value)
    }
    if broken:
        raise ArticleInvalid(broken)
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - set(FIELDS) - {"revision"})
    if unknown:
        errors["body"] = f"unknown field(s): {', '.join(unknown)}"
    for name in REQUIRED:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors[name] = "is required"

    title = _text(data.get("title"), "title", errors, MAX_TITLE)
    summary = _text(data.get("summary"), "summary", errors, MAX_TEXT)
    byline = _text(data.get("byline"), "byline", errors, 200)

    body = data.get("body_html")
    body_html = ""
    if body is not None and not isinstance(body, str):
        errors["body_html"] = "must be a string of HTML"
    elif isinstance(body, str):
        body_html = sanitize_html(body)
        if body.strip() and not body_html.strip():
            errors["body_html"] = "has no allowed content left after sanitising"

    lang = data.get("lang", "vi")
    if not isinstance(lang, str) or not _LANG.fullmatch(lang):
        errors["lang"] = "must be a language tag such as 'vi' or 'en'"
        lang = "vi"

    published = ""
    raw = data.get("published")
    if raw not in (None, ""):
        if not isinstance(raw, str):
            errors["published"] = "must be a string such as '2023-09-21'"
        else:
            try:
                published = _parse_when(raw.strip())[0]
            except ValueError as exc:
                errors["published"] = str(exc)
    updated = None
    raw = data.get("updated")
    if raw not in (None, ""):
        if not isinstance(raw, str):
            errors["updated"] = "must be a string such as '2023-09-21T08:00:00+07:00'"
        else:
            try:
                updated = _parse_when(raw.strip())[0]
            except ValueError as exc:
                errors["updated"] = str(exc)

    tags_raw = data.get("tags", [])
    tags: tuple[str, ...] = ()
    if not isinstance(tags_raw, list) or not all(isinstance(t, str) for t in tags_raw):
        errors["tags"] = "must be a list of strings"
    else:
        tags = tuple(dict.fromkeys(t.strip() for t in tags_raw if t.strip()))
        if any(NUL in t for t in tags):
            errors["tags"] = NUL_ERROR

    body_slug = data.get("slug")
    if body_slug is not None and not isinstance(body_slug, str):
        errors["slug"] = "must be a string"
        body_slug = None
    if slug is not None and body_slug not in (None, "", slug):
        errors["slug"] = f"does not match the URL's slug {slug!r}"
    final_slug = slug or body_slug or slugify(title)
    if not final_slug and "title" not in errors:
        errors["slug"] = "cannot be made from the title; give a slug"
    elif final_slug and not is_slug(final_slug):
        errors["slug"] = "must be lower-case letters, digits and single hyphens (at most 120)"

    if errors:
        raise ArticleInvalid(errors)
    return Article(
        slug=final_slug,
        title=title,
        lang=lang,
        published=published,
        updated=updated,
        summary=summary,
        byline=byline,
        tags=tags,
        body_html=body_html,
    )
