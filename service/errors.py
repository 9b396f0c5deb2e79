"""Every error Legible raises on purpose, in one tree:

    LegibleError                 the message is for the person who gave the input
    ├── ArticleInvalid           an article failed validation (field -> what is wrong)
    ├── ImportFailed             a file could not be read as an article
    │   └── ArchiveBroken        a backup archive cannot be read on (archive.py): its file stops
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

from .i18n import N_, Message, translate


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


class ArchiveBroken(ImportFailed):
    """A backup archive is damaged, cut short or not one: nothing more of it is read."""


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


# An error page's title and text, by kind (msgids: service/i18n.py).
PAGE_TEXT = {
    "not_found": (
        N_("Page not found"),
        N_("The page you asked for does not exist or was removed."),
    ),
    "bad_request": (
        N_("Bad request"),
        N_("The address has a value that cannot be used:"),
    ),
    "unavailable": (
        N_("Temporarily unavailable"),
        N_("Something is wrong on our side. Please try again in a few minutes."),
    ),
    "method_not_allowed": (
        N_("Not supported here"),
        N_("This address is for reading; it does not take the action your browser sent."),
    ),
}


def page_text(kind: str, lang: str) -> tuple[str, str]:
    """The title and text of a `kind` error page, in `lang`."""
    return (translate(lang, PAGE_TEXT[kind][0]), translate(lang, PAGE_TEXT[kind][1]))


class PageError(HTTPProblem):
    """An HTML error page. `kind` names its title and text (`PAGE_TEXT`); `details`
    lists what was wrong with the address, translated where the page is rendered."""

    def __init__(
        self,
        status: int,
        kind: str,
        details: Sequence[Message] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        assert kind in PAGE_TEXT, kind
        self.kind = kind
        self.details = tuple(details)
        shown = "; ".join(map(str, details))
        super().__init__(status, f"{status} {kind}: {shown}", headers)


class ApiError(HTTPProblem):
    """A JSON error from the admin API: `body` is the whole JSON object sent."""

    def __init__(
        self, status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> None:
        self.body = dict(body)
        super().__init__(status, f"{status}: {self.body}", headers)
