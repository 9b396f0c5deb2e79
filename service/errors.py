"""Every error Legible raises on purpose, in one tree:

    LegibleError                 the message is for the person who gave the input
    ├── ArticleInvalid           an article failed validation (field -> what is wrong)
    ├── ImportFailed             a file could not be read as an article
    ├── SettingsInvalid          an environment variable or flag cannot be used
    ├── ThemeInvalid             a theme file cannot be used
    ├── StoreUnavailable         the database cannot be read or written right now
    ├── FetchFailed              a URL could not be fetched (service/ingest/): `url`, `reason`
    │   ├── FetchRefused         not fetched on purpose: scheme, credentials, a guarded address
    │   │   └── RobotsDisallowed     the site's robots.txt asks Legible not to fetch it
    │   ├── FetchStatus          the server answered with an error status (`status`)
    │   ├── FetchTimedOut        a connect/read timeout, or the whole fetch's deadline
    │   ├── FetchTooLarge        the decoded body passed the size cap
    │   └── TooManyRedirects     more hops than the redirect cap
    ├── ExtractFailed            a fetched page holds no article to import (ingest/extract.py)
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


class FetchFailed(LegibleError):
    """A URL could not be fetched. `reason` is one line saying why (and, where there
    is one, what to do about it); the message is `url: reason`."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


class FetchRefused(FetchFailed):
    """Legible would not fetch the URL: its scheme, credentials in it, or an address
    the SSRF guard refuses (loopback, private, link-local…)."""


class RobotsDisallowed(FetchRefused):
    """The site's robots.txt asks Legible not to fetch the URL (or could not be read)."""


class FetchStatus(FetchFailed):
    """The server answered with an error status, kept in `status`."""

    def __init__(self, url: str, status: int, reason: str) -> None:
        self.status = status
        super().__init__(url, reason)


class FetchTimedOut(FetchFailed):
    """Connecting or reading timed out, or the whole fetch passed its deadline."""


class FetchTooLarge(FetchFailed):
    """The body, decoded, passed the size cap."""


class TooManyRedirects(FetchFailed):
    """The URL redirected more times than the redirect cap allows."""


class ExtractFailed(LegibleError):
    """A page holds no article Legible can import (empty, a list of links, no title).
    `reason` is one line saying why; the message is `url: reason` when the URL is given."""

    def __init__(self, reason: str, url: str = "") -> None:
        self.reason = reason
        self.url = url
        super().__init__(f"{url}: {reason}" if url else reason)


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
