"""Which pages: the URLs given, a sitemap's pages (sitemap indexes followed), minus
the excluded patterns; on a large site, a sample that covers each page template."""

from __future__ import annotations

import fnmatch
import random
import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
import xml.parsers.expat as expat
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from .options import UsageError, check_url

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit, uncompressed
MAX_SITEMAPS = 200  # an index of indexes stops here
Fetch = Callable[[str], bytes]
# A reader's variant on Legible's pages (service/preferences.py VARIANT_PARAMS), not
# part of a page template.
VARIANT_PARAMS = ("theme", "size", "spacing", "measure", "font")


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


# -- large sites: a sample that covers every page template ---------------------------

# A path segment (or query value) that names one page of many, not a template: any
# digit (ids, dates, "bai-viet-12345"), or a slug of three or more words.
_ID = re.compile(r"\d")
_SLUG_WORDS = 3
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")  # kept: .html and .php pages differ
# Templates that differ only in one segment, more than this many of them, are one
# template with a name there (/tag/economy, /tag/sport, … -> /tag/{name}).
MANY_NAMES = 20


def _generalise(part: str) -> str:
    text = unquote(part)
    ext = _EXTENSION.search(text)
    stem, suffix = (text[: ext.start()], ext.group()) if ext else (text, "")
    if not stem:
        return text
    if _ID.search(stem):
        return "{id}" + suffix
    if len([w for w in re.split(r"[-_+\s]+", stem) if w]) >= _SLUG_WORDS:
        return "{slug}" + suffix
    return stem.lower() + suffix


def page(url: str) -> str:
    """`url` without scheme, host and fragment: what stays the same on another host."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _shape(url: str) -> tuple[str, tuple[str, ...], str]:
    """(origin, generalised path segments, generalised query) of `url`."""
    parts = urlsplit(url)
    segments = tuple(_generalise(s) for s in parts.path.split("/")[1:])
    query = "&".join(
        f"{k}={_generalise(v)}"
        for k, v in sorted(parse_qsl(parts.query, keep_blank_values=True))
        if k not in VARIANT_PARAMS
    )
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}", segments, query


def templates(urls: Sequence[str]) -> dict[str, list[str]]:
    """Page templates, each a pattern such as `https://site/news/{slug}.html`, with
    its URLs in the order given; templates in order of first appearance."""
    shapes = {u: _shape(u) for u in dict.fromkeys(urls)}
    segments = {u: list(s[1]) for u, s in shapes.items()}
    for i in range(max((len(s) for s in segments.values()), default=0)):
        families: dict[tuple[object, ...], set[str]] = defaultdict(set)
        for u, segs in segments.items():
            if len(segs) > i:
                origin_, _, query = shapes[u]
                families[(origin_, len(segs), *segs[:i], "", *segs[i + 1 :], query)].add(segs[i])
        for u, segs in segments.items():
            if len(segs) > i:
                origin_, _, query = shapes[u]
                family = (origin_, len(segs), *segs[:i], "", *segs[i + 1 :], query)
                if len(families[family]) > MANY_NAMES:
                    segs[i] = "{name}"
    grouped: dict[str, list[str]] = {}
    for u, (origin_, _, query) in shapes.items():
        pattern = origin_ + "/" + "/".join(segments[u]) + (f"?{query}" if query else "")
        grouped.setdefault(pattern, []).append(u)
    return grouped


@dataclass(frozen=True)
class Sample:
    urls: list[str]  # in the order given
    of: int  # pages before sampling
    templates: int
    covered: int  # templates with at least one page chosen

    def summary(self) -> str:
        left = self.templates - self.covered
        gaps = f"; {left} template{'s' * (left > 1)} left out by --max-pages" if left else ""
        return (
            f"{len(self.urls)} of {self.of} pages, from {self.covered} of {self.templates}"
            f" page templates{gaps}"
        )


def sample(urls: Sequence[str], per_template: int | None, most: int | None, seed: int) -> Sample:
    """`per_template` pages of each template (all of them when None), then at most
    `most` pages, taken in turn from each template, largest template first. Which
    pages is fixed by `seed` and the URLs' paths, whatever their order or host."""
    groups = templates(urls)
    picks = []
    # Largest template first, then by pattern: the order given does not matter. The draw
    # leaves the host out, so staging and production sample the same pages.
    for pattern, members in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0])):
        order = sorted(members, key=lambda u: (page(u), u))
        draw = random.Random(f"{seed}:{page(pattern)}")  # noqa: S311  (a sample, not a secret)
        draw.shuffle(order)
        picks.append(order[:per_template] if per_template else order)
    chosen: list[str] = []
    for rank in range(max((len(p) for p in picks), default=0)):
        chosen += [p[rank] for p in picks if rank < len(p)]
    if most is not None:
        chosen = chosen[:most]
    keep = set(chosen)
    covered = sum(1 for p in picks if keep.intersection(p))
    return Sample(
        [u for u in dict.fromkeys(urls) if u in keep], len(set(urls)), len(groups), covered
    )
