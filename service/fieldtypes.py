"""The types of value an article field holds, and for each: how untrusted input is
checked and cleaned, how it is kept in a database column, and how it is written
to JSON. `articles.Article` names a type for every field; the validation, the
stores and the export read it from there, so nothing else restates a field.

A `parse` raises `ValueError` with what is wrong, worded to follow the field's
name ("title must be a string"). `to_column`/`from_column` and `to_json` are
the identity unless the type says otherwise (tags are kept as JSON text).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .figures import without_alt
from .sanitize import sanitize_html

# PostgreSQL cannot store U+0000 in text (SQLite can): refused on both, so an article
# that one store takes the other takes too. The body loses it in sanitising.
NUL = "\x00"
NUL_ERROR = "must not contain the NUL character (\\u0000)"
_LANG = re.compile(r"^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*$")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


def parse_when(value: str) -> tuple[str, date]:
    """Normalise an ISO date or datetime; reject impossible dates like 2023-02-30."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return day.isoformat(), day
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment.isoformat(), moment.date()
    except ValueError:
        raise ValueError("must be an ISO date (2023-09-21) or datetime") from None


class FieldType:
    """Plain values: stored and exported as they are."""

    def describe(self) -> str:
        """What the value is, for the schema table in the docs."""
        raise NotImplementedError

    def parse(self, value: Any) -> Any:
        raise NotImplementedError

    def to_column(self, value: Any) -> Any:
        return value

    def from_column(self, value: Any) -> Any:
        return value

    def to_json(self, value: Any) -> Any:
        return value


@dataclass(frozen=True)
class Text(FieldType):
    """Plain text (shown escaped), trimmed, at most `limit` characters."""

    limit: int

    def describe(self) -> str:
        return f"plain text, at most {self.limit} characters"

    def parse(self, value: Any) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValueError("must be a string")
        text = value.strip()
        if len(text) > self.limit:
            raise ValueError(f"must be at most {self.limit} characters")
        if NUL in text:
            raise ValueError(NUL_ERROR)
        return text


class Slug(FieldType):
    """The article's key in URLs; `articles.validate` makes one from the title if absent."""

    def describe(self) -> str:
        return "lower-case letters, digits and hyphens, at most 120 (else made from the title)"

    def parse(self, value: Any) -> str:
        if value is not None and not isinstance(value, str):
            raise ValueError("must be a string")
        return value or ""


class Html(FieldType):
    """Article HTML, cleaned by the one sanitiser (sanitize.py). Every <img> must have
    alt text (WCAG 1.1.1): `alt=""` is accepted and marks it decorative."""

    def describe(self) -> str:
        return "HTML, sanitised on the way in (see Sanitising)"

    def parse(self, value: Any) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValueError("must be a string of HTML")
        clean = sanitize_html(value)
        if value.strip() and not clean.strip():
            raise ValueError("has no allowed content left after sanitising")
        missing = without_alt(clean)
        if missing:
            raise ValueError(
                f"has {len(missing)} <img> without alt (first: {missing[0][:80]!r}): describe"
                ' each image in alt="…", or give alt="" if it is only decoration'
            )
        return clean


class Lang(FieldType):
    def describe(self) -> str:
        return "a language tag (BCP 47) such as vi or en"

    def parse(self, value: Any) -> str:
        if not isinstance(value, str) or not _LANG.fullmatch(value):
            raise ValueError("must be a language tag such as 'vi' or 'en'")
        return value


@dataclass(frozen=True)
class When(FieldType):
    """An ISO date or datetime, normalised (`Z` becomes `+00:00`); empty is None."""

    example: str

    def describe(self) -> str:
        return "an ISO date (2023-09-21) or datetime (2023-09-21T08:00:00+07:00)"

    def parse(self, value: Any) -> str | None:
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            raise ValueError(f"must be a string such as {self.example!r}")
        return parse_when(value.strip())[0]


class Tags(FieldType):
    """A list of strings, trimmed, blanks and repeats dropped; a JSON list in its column."""

    def describe(self) -> str:
        return "a list of strings"

    def parse(self, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise ValueError("must be a list of strings")
        tags = tuple(dict.fromkeys(t.strip() for t in value if t.strip()))
        if any(NUL in t for t in tags):
            raise ValueError(NUL_ERROR)
        return tags

    def to_column(self, value: tuple[str, ...]) -> str:
        return json.dumps(list(value), ensure_ascii=False)

    def from_column(self, value: str) -> tuple[str, ...]:
        return tuple(json.loads(value))

    def to_json(self, value: tuple[str, ...]) -> list[str]:
        return list(value)


@dataclass(frozen=True)
class Url(FieldType):
    """An absolute http or https URL, or empty. Anything a browser would run, or resolve
    against our own origin (javascript:, data:, //host, /path), is refused: the URL
    names a page elsewhere, which a page may link to and an importer may fetch."""

    limit: int = 2000

    def describe(self) -> str:
        return "an absolute http:// or https:// URL, or empty"

    def parse(self, value: Any) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValueError("must be a string")
        url = value.strip()
        if not url:
            return ""
        example = "such as https://example.org/news/1"
        if len(url) > self.limit:
            raise ValueError(f"must be at most {self.limit} characters")
        if _SPACE_OR_CONTROL.search(url):
            raise ValueError("must not contain spaces or control characters (encode them: %20)")
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 (reading it checks the port: ValueError when out of range)
        except ValueError:
            raise ValueError(f"is not a valid URL: give an absolute URL {example}") from None
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError(f"must be an absolute http or https URL {example}")
        if parts.username is not None or parts.password is not None:
            raise ValueError("must not contain a user name or password")
        # Scheme and host are case-insensitive: one spelling, so a source is one key.
        return urlunsplit(parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()))
