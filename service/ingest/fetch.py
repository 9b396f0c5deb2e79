"""Fetching pages from other people's servers, as a good citizen and safely.

    async with Fetcher(public_url="https://news.example.gov.vn") as fetcher:
        page = await fetcher.fetch(url, etag=stored_etag, last_modified=stored_lm)
        if not page.not_modified:
            ...  # page.body, page.final_url; store page.etag and page.last_modified

`fetch` returns a `FetchResult` for a 2xx or a 304, and raises a `FetchFailed`
(service/errors.py) for everything else, with `reason` in one line a person can
act on. The importers catch `FetchFailed` per item: one bad page never ends a run.

The choices, and why:

- **httpx, HTTP/1.1, no environment.** `trust_env=False`: no proxy from
  HTTP_PROXY (which would bypass the address guard), no .netrc credentials sent
  to strangers. No cookies are kept: each fetch is stateless.
- **Politeness per host.** At most `per_host` requests (default 2) in flight to
  one host name, and `delay` seconds (default 0.5) between the starts of two
  requests to it, robots.txt and redirect hops included. A site's Crawl-delay
  raises the delay, and so does a 429 or 503 (by its Retry-After, else 1 s), both
  capped at 30 s. Time spent waiting for a turn is not charged to the deadline.
- **robots.txt** is obeyed, fetched once per site per run (robots.py says what
  each status means). The User-Agent names Legible, its version and, when given,
  the operator's public URL, so a site's owner knows whom to ask.
- **Redirects are followed by hand** (`max_redirects`, default 5), and every hop
  goes through the URL check, robots.txt and the address guard again.
- **Three clocks.** A connect timeout, a read timeout (no byte for that long),
  and a deadline for the whole fetch, every hop included (robots.txt has its
  own), so a server that trickles one byte a second is still cut.
- **Size cap on the decoded body** (`max_bytes`, default 10 MB), enforced while
  streaming: a body announced too large is not read at all, and a compressed one
  is decoded in small steps (decode.py) so a zip bomb stops at the cap instead
  of in the allocator. We ask for gzip and br and decode them ourselves; httpx's
  decoders would expand a whole network read at once.
- **Conditional GET.** The stored ETag and Last-Modified go out as If-None-Match
  and If-Modified-Since; a 304 comes back as `not_modified` with the validators
  to keep. An error status's body is never downloaded.
- **SSRF guard** (guard.py): loopback, private, link-local, multicast, reserved,
  CGNAT and the like are refused after DNS, on the address actually connected
  to, on every hop. `allow_private=True` opens them for an intranet CMS and tests.
"""

from __future__ import annotations

import email.message
import http
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType

import httpcore
import httpx

from ..errors import (
    FetchFailed,
    FetchRefused,
    FetchStatus,
    FetchTimedOut,
    FetchTooLarge,
    RobotsDisallowed,
    SettingsInvalid,
    TooManyRedirects,
)
from ..version import __version__
from . import robots
from .decode import BadEncoding, TooLarge, read_body
from .guard import ALLOW_HINT, GuardedBackend, GuardedTransport, Refusal, Resolver, check_url
from .guard import system_resolver as _system_resolver
from .hosts import Budget, Hosts

REDIRECTS = frozenset({301, 302, 303, 307, 308})
ACCEPT = "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,*/*;q=0.8"


def user_agent(public_url: str | None = None) -> str:
    """`Legible/VERSION`, and `(+URL)` naming the operator's site when there is one."""
    return f"Legible/{__version__}" + (f" (+{public_url})" if public_url else "")


def size(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n / 1000:g} kB"


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A page as fetched: a 2xx with its body, or a 304 (`not_modified`, empty body)."""

    url: str  # as asked
    final_url: str  # after redirects
    status: int
    headers: Mapping[str, str]  # the final answer's, case-insensitive (httpx.Headers)
    body: bytes  # decoded (Content-Encoding undone); b"" when not modified
    not_modified: bool
    etag: str | None  # the validators to store for the next conditional fetch
    last_modified: str | None
    redirects: tuple[str, ...] = field(default=())  # each URL that redirected, in order

    @property
    def media_type(self) -> str:
        """`text/html`, `application/rss+xml`… from Content-Type, lowercase; "" if none."""
        return self._content_type().get_content_type() if "content-type" in self.headers else ""

    @property
    def charset(self) -> str | None:
        """The charset parameter of Content-Type, if the server sent one."""
        found = self._content_type().get_param("charset")
        return found if isinstance(found, str) else None

    def _content_type(self) -> email.message.Message:
        message = email.message.Message()
        message["content-type"] = self.headers.get("content-type", "")
        return message


@dataclass(slots=True)
class _Answer:
    url: httpx.URL
    status: int
    headers: httpx.Headers
    body: bytes = b""
    location: httpx.URL | None = None


class Fetcher:
    """Fetches URLs politely and safely; use it as `async with Fetcher(...) as f`.

    Every argument is a keyword, with the defaults the module docstring explains.
    `resolver` maps (host, port) to addresses; tests give a fake one.
    """

    def __init__(
        self,
        *,
        public_url: str | None = None,
        allow_private: bool = False,
        per_host: int = 2,
        delay: float = 0.5,
        connect_timeout: float = 10.0,
        read_timeout: float = 20.0,
        deadline: float = 60.0,
        max_bytes: int = 10_000_000,
        max_redirects: int = 5,
        resolver: Resolver = _system_resolver,
    ) -> None:
        for name, value, least in (
            ("per_host", per_host, 1),
            ("delay", delay, 0),
            ("max_bytes", max_bytes, 1),
            ("max_redirects", max_redirects, 0),
        ):
            if value < least:
                raise SettingsInvalid(f"{name} must be at least {least}, not {value}")
        for name, seconds in (
            ("connect_timeout", connect_timeout),
            ("read_timeout", read_timeout),
            ("deadline", deadline),
        ):
            if not seconds > 0:
                raise SettingsInvalid(f"{name} must be more than 0 seconds, not {seconds}")
        self.user_agent = user_agent(public_url)
        self.allow_private = allow_private
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.deadline = deadline
        self._timeout = httpx.Timeout(connect_timeout, read=read_timeout)
        self._backend = GuardedBackend(resolver, allow_private)
        self._hosts = Hosts(per_host, delay)
        self._robots = robots.RobotsCache(self._robots_txt)
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Fetcher:
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=20)
        self._client = httpx.AsyncClient(
            transport=GuardedTransport(self._backend, limits),
            headers={"User-Agent": self.user_agent, "Accept": ACCEPT},
            timeout=self._timeout,
            follow_redirects=False,
            trust_env=False,
            cookies=CookieJar(DefaultCookiePolicy(allowed_domains=[])),  # keeps none
        )
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """The page at `url`; FetchFailed (one of its kinds) when it cannot be had."""
        conditions = {"If-None-Match": etag, "If-Modified-Since": last_modified}
        headers = {name: value for name, value in conditions.items() if value}
        answer, hops = await self._follow(url, check_url(url, self.allow_private), headers)
        if answer.status != 304 and not 200 <= answer.status < 300:
            if answer.status in (429, 503):  # "too many" / "busy": give the host room
                self._hosts.back_off(answer.url.host, _retry_after(answer.headers))
            where = f" at {answer.url}" if hops else ""
            raise FetchStatus(url, answer.status, f"the server answered {_status(answer)}{where}")
        not_modified = answer.status == 304
        return FetchResult(
            url=url,
            final_url=str(answer.url),
            status=answer.status,
            headers=answer.headers,
            body=answer.body,
            not_modified=not_modified,
            # A 304 may leave the validators out: then the stored ones still hold.
            etag=answer.headers.get("etag") or (etag if not_modified else None),
            last_modified=answer.headers.get("last-modified")
            or (last_modified if not_modified else None),
            redirects=tuple(hops),
        )

    async def robots_rules(self, url: str) -> robots.Rules:
        """The robots.txt rules for `url`'s site, as this run obeys them."""
        return await self._robots.rules(check_url(url, self.allow_private))

    async def _robots_txt(self, url: httpx.URL) -> tuple[int, bytes]:
        answer, _ = await self._follow(str(url), url, {}, limit=robots.MAX_BYTES, obey=False)
        return answer.status, answer.body

    async def _follow(
        self,
        asked: str,
        target: httpx.URL,
        headers: dict[str, str],
        *,
        limit: int | None = None,
        obey: bool = True,
    ) -> tuple[_Answer, list[str]]:
        """The last answer after redirects, and the URLs that redirected.

        `obey=False` is robots.txt's own fetch: no robots check, and a body over
        `limit` is cut there rather than refused.
        """
        budget = Budget(self.deadline)
        hops: list[str] = []
        for _ in range(self.max_redirects + 1):
            try:
                if obey:
                    # The host first, so a refused one is named as itself, not as its
                    # robots.txt; the connection is checked again (GuardedBackend).
                    port = target.port or (443 if target.scheme == "https" else 80)
                    await self._backend.addresses(target.host, port, self._timeout.connect)
                    await self._obey_robots(asked, target)
                answer = await self._exchange(asked, target, headers, limit, obey, budget)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                raise FetchFailed(asked, f"could not fetch {target}: {exc}") from None
            except Refusal as exc:
                where = f", at the redirect to {target}" if hops else ""
                raise FetchRefused(asked, f"refused: {exc}{where} {ALLOW_HINT}") from None
            if answer.location is None:
                return answer, hops
            hops.append(str(target))
            try:
                target = check_url(answer.location, self.allow_private)
            except FetchFailed as exc:
                kind = type(exc) if isinstance(exc, FetchRefused) else FetchFailed
                reason = exc.reason.removesuffix(f" {ALLOW_HINT}")
                hint = f" {ALLOW_HINT}" if reason != exc.reason else ""
                raise kind(asked, f"{reason}, at the redirect to {exc.url}{hint}") from None
        raise TooManyRedirects(
            asked, f"more than {self.max_redirects} redirects (the last one to {target})"
        )

    async def _obey_robots(self, asked: str, target: httpx.URL) -> None:
        rules = await self._robots.rules(target)
        self._hosts.slow_down(target.host, rules.crawl_delay)
        if why := rules.refusal(str(target)):
            raise RobotsDisallowed(asked, f"not fetched: {why}")

    async def _exchange(
        self,
        asked: str,
        target: httpx.URL,
        headers: dict[str, str],
        limit: int | None,
        strict: bool,
        budget: Budget,
    ) -> _Answer:
        """One request and its answer, within the host's turn and the fetch's budget."""
        if self._client is None:
            raise RuntimeError("use the Fetcher as `async with Fetcher(...) as fetcher`")
        limit = limit or self.max_bytes
        try:
            async with self._hosts.turn(target.host), budget.running():
                request = self._client.build_request("GET", target, headers=headers)
                request.headers["Accept-Encoding"] = "gzip, br"
                response = await self._client.send(request, stream=True)
                try:
                    return await _answer(response, limit, strict)
                finally:
                    await response.aclose()
        except TimeoutError:
            raise FetchTimedOut(
                asked, f"not finished within the {self.deadline:g} s deadline for a fetch"
            ) from None
        except TooLarge:
            raise FetchTooLarge(
                asked, f"the body is larger than {size(limit)}, the size cap; not read further"
            ) from None
        except BadEncoding as exc:
            raise FetchFailed(asked, str(exc)) from None
        except httpx.TimeoutException as exc:
            raise FetchTimedOut(asked, _timed_out(exc, self._timeout)) from None
        except httpx.HTTPError as exc:
            why = str(exc) or type(exc).__name__
            raise FetchFailed(asked, f"could not fetch {target} ({why})") from None


async def _answer(response: httpx.Response, limit: int, strict: bool) -> _Answer:
    answer = _Answer(response.url, response.status_code, response.headers)
    if answer.status in REDIRECTS and "location" in response.headers:
        try:
            answer.location = response.url.join(response.headers["location"])
        except httpx.InvalidURL as exc:
            raise BadEncoding(f"the server redirected to an unusable URL ({exc})") from None
        return answer
    if answer.status == 304 or not 200 <= answer.status < 300:
        return answer  # no body worth downloading
    answer.body = await read_body(response, limit, strict)
    return answer


def _retry_after(headers: httpx.Headers) -> float:
    """Retry-After in seconds when given as a number, else one second; at most the cap
    a Crawl-delay has, so one answer cannot stall a whole import."""
    given = headers.get("retry-after", "").strip()
    seconds = float(given) if given.isdigit() else 1.0
    return min(max(seconds, 1.0), robots.MAX_CRAWL_DELAY)


def _status(answer: _Answer) -> str:
    try:
        return f"{answer.status} {http.HTTPStatus(answer.status).phrase}"
    except ValueError:
        return str(answer.status)


def _timed_out(exc: httpx.TimeoutException, timeout: httpx.Timeout) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return f"could not connect within {timeout.connect:g} s"
    if isinstance(exc, httpx.ReadTimeout):
        return f"the server sent nothing for {timeout.read:g} s"
    return f"timed out ({exc or type(exc).__name__})"
