"""Which pages: the URLs given, a sitemap's pages (sitemap indexes followed), minus
the excluded patterns."""

from __future__ import annotations

import fnmatch
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
import xml.parsers.expat as expat
import zlib
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import urljoin, urlsplit

from .options import UsageError, check_url

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit, uncompressed
MAX_SITEMAPS = 200  # an index of indexes stops here
Fetch = Callable[[str], bytes]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Dtd(Exception):
    pass


def _refuse_dtd(data: bytes, source: str) -> None:
    """A sitemap has no DTD and no entities: expat reads it first (in whatever
    encoding it declares) and stops at the first doctype or entity declaration."""

    def refuse(*_: object) -> None:
        raise _Dtd

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(data, True)
    except _Dtd:
        raise UsageError(
            f"--sitemap {source}: a sitemap with a DTD or entities is not read"
        ) from None
    except expat.ExpatError as exc:
        raise UsageError(f"--sitemap {source}: not XML ({exc})") from exc


def parse_sitemap(data: bytes, source: str) -> tuple[list[str], list[str]]:
    """A sitemap's bytes -> (page URLs, nested sitemap URLs). Relative locs resolve
    against `source`."""
    if data[:2] == b"\x1f\x8b":  # sitemap.xml.gz
        inflate = zlib.decompressobj(wbits=31)
        data = inflate.decompress(data, MAX_SITEMAP_BYTES + 1)
        if len(data) > MAX_SITEMAP_BYTES:
            raise UsageError(f"--sitemap {source}: larger than {MAX_SITEMAP_BYTES} bytes unpacked")
    _refuse_dtd(data, source)
    try:
        root = ET.fromstring(data)  # noqa: S314  (no DTD/entities: refused above)
    except ET.ParseError as exc:
        raise UsageError(f"--sitemap {source}: not XML ({exc})") from exc
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise UsageError(f"--sitemap {source}: <{kind}> is neither <urlset> nor <sitemapindex>")
    locs = [
        urljoin(source, (el.text or "").strip())
        for el in root.iter()
        if _local(el.tag) == "loc" and (el.text or "").strip()
    ]
    return (locs, []) if kind == "urlset" else ([], locs)


def origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return (parts.scheme.lower(), parts.netloc.lower())


class _SameOriginHeaders(urllib.request.HTTPRedirectHandler):
    """Follows redirects, dropping `names` (the --header ones) on any hop that leaves
    `allowed`: a login token never reaches a CDN or another host."""

    def __init__(self, names: Iterable[str], allowed: tuple[str, str]) -> None:
        super().__init__()
        self.names = {n.capitalize() for n in names}  # urllib's spelling of header names
        self.allowed = allowed

    def redirect_request(  # type: ignore[no-untyped-def]
        self, req, fp, code, msg, headers, newurl
    ) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and origin(newurl) != self.allowed:
            for name in self.names:
                new.remove_header(name)
        return new


def fetch_url(
    url: str,
    headers: Sequence[tuple[str, str]] = (),
    timeout: float = 30,
    allowed: tuple[str, str] | None = None,
) -> bytes:
    """`headers` go only to `allowed` (an origin; by default `url`'s own), also
    across redirects."""
    allowed = allowed or origin(url)
    sent = dict(headers) if origin(url) == allowed else {}
    request = urllib.request.Request(url, headers=sent)  # noqa: S310  (http(s) only)
    opener = urllib.request.build_opener(_SameOriginHeaders(sent, allowed))
    try:
        with opener.open(request, timeout=timeout) as response:
            data: bytes = response.read(MAX_SITEMAP_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise UsageError(f"--sitemap: cannot fetch {url}: {exc}") from exc
    if len(data) > MAX_SITEMAP_BYTES:
        raise UsageError(f"--sitemap: {url} is larger than {MAX_SITEMAP_BYTES} bytes")
    return data


def sitemap_urls(start: str, fetch: Fetch) -> list[str]:
    """Every page URL of the sitemap at `start`, following sitemap indexes."""
    pages: list[str] = []
    queue, seen = [start], set()
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        if len(seen) > MAX_SITEMAPS:
            raise UsageError(f"--sitemap: more than {MAX_SITEMAPS} sitemaps under {start}")
        found, nested = parse_sitemap(fetch(url), url)
        pages += [check_url(u, f"--sitemap {url}") for u in found]
        queue += [check_url(u, f"--sitemap {url}") for u in nested]
    if not pages:
        raise UsageError(f"--sitemap {start}: no pages in it")
    return pages


def excluded(url: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(url, p) for p in patterns)


def select(urls: Iterable[str], patterns: Sequence[str]) -> list[str]:
    """`urls` without duplicates and without those matching an exclude glob."""
    return [u for u in dict.fromkeys(urls) if not excluded(u, patterns)]
