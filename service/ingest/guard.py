"""The SSRF guard: which URLs and addresses Legible fetches from.

A URL someone else wrote (a feed entry, a sitemap, a redirect) must not make
Legible reach into the network it runs in: the cloud metadata service at
169.254.169.254, an admin port on loopback, a database on 10.x. So:

- `check_url` refuses other schemes than http and https, and credentials in the
  URL, before anything is sent;
- `GuardedBackend` is where every connection is opened (httpcore calls it for each
  new connection, including each redirect hop to a new host). It resolves the name
  itself, refuses the host if ANY answer (A or AAAA) is not a public address, and
  connects to the address it checked. A name that answers "public" to the check
  and "127.0.0.1" to the connection (DNS rebinding) has no second lookup to win.
  TLS still runs against the name: httpcore passes it as the SNI hostname and the
  certificate is verified for it; the Host header comes from the URL.

`allow_private=True` lets intranet addresses through (an intranet CMS, tests); the
scheme and credentials rules still hold.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import httpcore
import httpx

from ..errors import FetchFailed, FetchRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) -> its addresses as strings, in the order to try them.
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

ALLOW_HINT = "(use --allow-private for an intranet CMS)"
SCHEMES = ("http", "https")
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# What makes an address unfit, most specific first; the last catches what is left
# (documentation, benchmarking and protocol ranges), so only global unicast passes.
_KINDS: tuple[tuple[str, Callable[[Any], bool]], ...] = (
    ("is unspecified", lambda ip: ip.is_unspecified),
    ("is loopback", lambda ip: ip.is_loopback),
    ("is link-local", lambda ip: ip.is_link_local),
    ("is multicast", lambda ip: ip.is_multicast),
    ("is in the carrier-grade NAT range 100.64.0.0/10", lambda ip: ip in _CGNAT),
    ("is private", lambda ip: ip.is_private),
    ("is reserved", lambda ip: ip.is_reserved),
    ("is site-local", lambda ip: getattr(ip, "is_site_local", False)),
    ("is not a public address", lambda ip: not ip.is_global),
)


class Refusal(Exception):  # raised inside httpcore, turned into FetchRefused
    """The guard refused a host; the message says which address and why."""


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries to (mapped, 6to4, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_problem(ip: IPAddress) -> str | None:
    """Why `ip` is refused ("is loopback", …), or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            problem = address_problem(inner)
            return problem and f"carries {inner}, which {problem}"
    for problem, applies in _KINDS:
        if applies(ip):
            return problem
    return None


def as_ip(host: str) -> IPAddress | None:
    """`host` as an IP address when it is a literal one (brackets and zone allowed)."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def without_credentials(url: httpx.URL) -> str:
    """The URL as text without its user name and password, to quote in a message."""
    return str(httpx.URL(scheme=url.scheme, host=url.host, port=url.port, raw_path=url.raw_path))


def check_url(url: str | httpx.URL, allow_private: bool = False) -> httpx.URL:
    """The URL to request (without its fragment), or FetchRefused/FetchFailed saying why not.

    An IP literal is checked here, so it is refused before any connection; a name
    is checked when it is resolved, in GuardedBackend.
    """
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise FetchFailed(str(url), f"not a URL Legible can fetch ({exc})") from None
    if parsed.scheme not in SCHEMES:
        scheme = f"{parsed.scheme}:" if parsed.scheme else "a relative URL"
        raise FetchRefused(str(url), f"refused: only http and https URLs are fetched, not {scheme}")
    if parsed.userinfo:
        raise FetchRefused(
            without_credentials(parsed),
            "refused: the URL carries a user name or password, and Legible sends no credentials",
        )
    if not parsed.host:
        raise FetchFailed(str(url), "the URL names no host")
    literal = as_ip(parsed.host)
    if literal is not None and not allow_private and (problem := address_problem(literal)):
        raise FetchRefused(str(url), f"refused: {literal} {problem} {ALLOW_HINT}")
    return parsed.copy_with(fragment=None)


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host`, without repeats."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, resolving and checking each host before connecting."""

    def __init__(self, resolver: Resolver = system_resolver, allow_private: bool = False) -> None:
        self._resolver = resolver
        self._allow_private = allow_private
        self._inner = httpcore.AnyIOBackend()

    async def addresses(self, host: str, port: int, timeout: float | None = None) -> list[str]:
        """The addresses to connect to for `host`, all checked; Refusal if any is unfit."""
        literal = as_ip(host)
        if literal is not None:
            found: list[IPAddress] = [literal]
        else:
            try:
                async with asyncio.timeout(timeout):
                    answers = await self._resolver(host, port)
            except TimeoutError:
                raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
            except OSError as exc:  # socket.gaierror: no such name, no DNS
                raise httpcore.ConnectError(f"{host} does not resolve ({exc})") from None
            found = [ip for a in answers if (ip := as_ip(a)) is not None]
            if not found:
                raise httpcore.ConnectError(f"{host} has no address")
        if not self._allow_private:
            for ip in found:
                if problem := address_problem(ip):
                    named = "" if literal is not None else f"{host} resolves to "
                    raise Refusal(f"{named}{ip}{', which' if named else ''} {problem}")
        return [str(ip) for ip in found]

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        last: Exception = httpcore.ConnectError(f"cannot connect to {host}")
        for address in await self.addresses(host, port, timeout):
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise Refusal("a Unix socket is never fetched from")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@functools.cache
def _tls() -> ssl.SSLContext:
    """One verifying TLS context for every fetcher (loading the CA bundle takes 0.3 s)."""
    return httpx.create_ssl_context(trust_env=False)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's HTTP/1.1 transport, opening its connections through GuardedBackend.

    httpx takes no network backend of its own, so the connection pool it builds is
    replaced by the same pool with ours (httpx < 1 keeps it in `_pool`). If a new
    httpx stops using it, tests/test_fetch.py's guard tests fail rather than pass.
    """

    def __init__(self, backend: GuardedBackend, limits: httpx.Limits) -> None:
        super().__init__(verify=_tls(), trust_env=False, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_tls(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )
