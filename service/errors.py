"""Every error Legible raises on purpose, in one tree:

    LegibleError                 the message is for the person who gave the input
    ├── ArticleInvalid           an article failed validation (field -> what is wrong)
    ├── ImportFailed             a file could not be read as an article
    ├── SettingsInvalid          an environment variable or flag cannot be used
    ├── ThemeInvalid             a theme file cannot be used
    ├── StoreUnavailable         the database cannot be read or written right now
    └── HTTPProblem              a request the service answers with an error status
        ├── PageError            rendered as an HTML error page (views/errors.py)
        └── ApiError             answered as JSON by the admin API's handler

Views raise `PageError`/`ApiError`; the exception handlers in `views/errors.py`
turn them (and `StoreUnavailable`, and routing's 404/405) into responses, so
every 4xx/5xx page comes from one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class LegibleError(Exception):
    """Base class: the message is meant for the person who gave the input."""


class ArticleInvalid(LegibleError):
    """An article failed validation; `errors` maps each field to what is wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        detail = "; ".join(f"{field}: {why}" for field, why in sorted(self.errors.items()))
        super().__init__(f"invalid article: {detail}")


class ImportFailed(LegibleError):
    """A file could not be read as an article."""


class SettingsInvalid(LegibleError):
    """An environment variable or flag holds a value that cannot be used."""


class ThemeInvalid(LegibleError):
    """A theme file is missing, unreadable or incomplete; the message names the file."""


class StoreUnavailable(LegibleError):
    """The article database cannot be read or written right now."""


class HTTPProblem(LegibleError):
    """A request answered with an error status and, optionally, extra headers."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        self.status = status
        self.headers = dict(headers or {})
        super().__init__(message)


class PageError(HTTPProblem):
    """An HTML error page. `kind` names its strings in i18n (`{kind}_title`,
    `{kind}_body`); `details` lists what was wrong with the address."""

    def __init__(
        self,
        status: int,
        kind: str,
        details: Sequence[str] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.kind = kind
        self.details = tuple(details)
        super().__init__(status, f"{status} {kind}: {'; '.join(details)}", headers)


class ApiError(HTTPProblem):
    """A JSON error from the admin API: `body` is the whole JSON object sent."""

    def __init__(
        self, status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> None:
        self.body = dict(body)
        super().__init__(status, f"{status}: {self.body}", headers)
