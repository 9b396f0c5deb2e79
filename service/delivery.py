"""Cache entries, compression, content negotiation and conditional responses:
how bytes leave the service.

An `Entry` is one rendered page, frozen: its identity body and the compressed
bodies made so far, each with its own strong ETag. A page entry starts with
identity only; a request adds the one encoding it accepts (brotli at a fast
quality, or gzip with mtime=0 so every replica makes the same bytes), and a
page asked for again is upgraded to brotli 11 in the background
(`service/pagecache.py`). Different bytes always get a different ETag.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

import brotli
from starlette.responses import Response

ENCODINGS = ("br", "gzip", "identity")  # our preference order when q-values tie
BROTLI_QUALITY = 11  # the best brotli: 30-40x slower than BROTLI_FAST, never on the event loop
BROTLI_FAST = 5  # a miss's brotli: a few % bigger than 11, as fast as gzip
GZIP_LEVEL = 9
ENTRY_OVERHEAD = 2816  # the Entry, its dicts, key, hot route and answer: ~2.7 KB (tracemalloc)


@dataclass(frozen=True, slots=True)
class Entry:
    bodies: Mapping[str, bytes]  # the encodings made so far; identity always
    etags: Mapping[str, str]
    media_type: str
    size: int
    tags: frozenset[str] = frozenset()
    status: int = 200
    offers: tuple[str, ...] = ENCODINGS  # what it may be served in; missing bodies are made
    final: bool = True  # nothing left to upgrade (brotli at BROTLI_QUALITY, or not offered)

    def lacks(self, encoding: str) -> bool:
        """True when `encoding` is offered but its body is not made yet."""
        return encoding in self.offers and encoding not in self.bodies

    def with_encoding(self, encoding: str) -> Entry:
        """This entry with `encoding` made too (brotli at BROTLI_FAST; off the event loop)."""
        if not self.lacks(encoding):
            return self
        body = self.bodies["identity"]
        if encoding == "gzip":
            return self._with("gzip", gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0))
        return self._with("br", _brotli(body, BROTLI_FAST), BROTLI_FAST)

    def upgraded_brotli(self) -> bytes:
        """The body at BROTLI_QUALITY: slow (~10 ms for a 6 KB page), never on the event loop."""
        return _brotli(self.bodies["identity"], BROTLI_QUALITY)

    def with_upgrade(self, br: bytes) -> Entry:
        """This entry with `br` (from upgraded_brotli) as its brotli body: final."""
        return self._with("br", br, BROTLI_QUALITY)

    def _with(self, encoding: str, body: bytes, quality: int = 0) -> Entry:
        bodies = {**self.bodies, encoding: body}
        digest = self.etags["identity"].strip('"')
        # The fast brotli's ETag names its quality: upgraded bytes never reuse it.
        label = f"br{quality}" if encoding == "br" and quality != BROTLI_QUALITY else encoding
        etags = {**self.etags, encoding: f'"{digest}-{label}"'}
        final = self.final or (encoding == "br" and quality == BROTLI_QUALITY)
        return replace(self, bodies=bodies, etags=etags, size=_sized(bodies), final=final)


def _brotli(body: bytes, quality: int) -> bytes:
    # A window just big enough for the body: same output, far less memory per build.
    lgwin = max(16, min(24, len(body).bit_length() + 1))
    return bytes(brotli.compress(body, quality=quality, lgwin=lgwin))


def _sized(bodies: Mapping[str, bytes]) -> int:
    return sum(len(b) for b in bodies.values()) + ENTRY_OVERHEAD


def make_entry(
    body: bytes,
    media_type: str,
    tags: Iterable[str] = (),
    status: int = 200,
    compress: bool = True,
    eager: bool = True,
) -> Entry:
    """An entry for `body`. `compress`: offer br and gzip too. `eager`: make both now,
    brotli at BROTLI_QUALITY (slow: call it off the event loop); else only identity,
    and each encoding is made when a request first needs it (`with_encoding`)."""
    digest = hashlib.sha256(body).hexdigest()[:20]
    offers = ENCODINGS if compress else ("identity",)
    bodies = {"identity": body}
    entry = Entry(
        bodies, {"identity": f'"{digest}"'}, media_type, _sized(bodies), frozenset(tags),
        status, offers, final=not compress,
    )  # fmt: skip
    if compress and eager:
        entry = entry.with_encoding("gzip").with_upgrade(entry.upgraded_brotli())
    return entry


def _parse_q(value: str) -> float | None:
    try:
        q = float(value)
    except ValueError:
        return None
    return q if 0.0 <= q <= 1.0 else None


def parse_accept_encoding(header: str) -> dict[str, float]:
    """`br;q=1.0, gzip;q=0.5, *;q=0` -> {"br": 1.0, "gzip": 0.5, "*": 0.0}.

    Items with a malformed q-value are skipped."""
    prefs: dict[str, float] = {}
    for item in header.split(",")[:32]:
        coding, _, params = item.partition(";")
        coding = coding.strip().lower()
        if not coding:
            continue
        q: float | None = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                q = _parse_q(value.strip())
        if q is not None and coding not in prefs:
            prefs[coding] = q
    return prefs


def negotiate(header: str | None, available: Iterable[str] = ENCODINGS) -> str | None:
    """The encoding to send, or None when nothing acceptable exists (406).

    No header means identity (RFC 9110 12.5.3). `*` covers every coding the
    header does not name; identity stays acceptable unless excluded by
    `identity;q=0` or by `*;q=0` without an explicit identity.
    """
    if header is None:
        return "identity"
    prefs = parse_accept_encoding(header)
    star = prefs.get("*")
    best: tuple[float, int, str] | None = None
    for rank, coding in enumerate(c for c in ENCODINGS if c in set(available)):
        if coding in prefs:
            q = prefs[coding]
        elif star is not None:
            q = star
        elif coding == "identity":
            q = 0.001  # acceptable, but only when nothing else is
        else:
            q = 0.0
        if q > 0 and (best is None or (q, -rank) > (best[0], -best[1])):
            best = (q, rank, coding)
    return best[2] if best else None


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 13.1.2), with `*` and comma-separated lists."""
    if if_none_match.strip() == "*":
        return True
    mine = _opaque(etag)
    return any(_opaque(t) == mine for t in if_none_match.split(",")[:64])


RawHeaders = list[tuple[bytes, bytes]]
REFUSED = b"406 Not Acceptable: this resource is available as br, gzip or identity.\n"


@lru_cache(maxsize=512)
def negotiate_cached(header: str | None, available: tuple[str, ...]) -> str | None:
    return negotiate(header, available)


def choose(entry: Entry, accept_encoding: str | None) -> str | None:
    """The encoding to answer in: the best one the entry offers. Callers make it first
    (`PageCache.get`); if they did not, the best one already made."""
    header = accept_encoding[:512] if accept_encoding is not None else None
    encoding = negotiate_cached(header, entry.offers)
    if encoding is not None and encoding not in entry.bodies:
        encoding = negotiate_cached(header, tuple(entry.bodies))
    return encoding


def prepare(
    entry: Entry,
    accept_encoding: str | None,
    if_none_match: str | None,
    method: str,
    headers: Mapping[str, str],
) -> tuple[int, RawHeaders, bytes]:
    """Negotiate the encoding, answer If-None-Match, and set the validators.

    Returns (status, raw headers, body). `headers` carries Cache-Control and
    friends; Vary always includes Accept-Encoding, on 200, 304 and 406 alike.
    """
    status, out, body = prepare_headers(entry, accept_encoding, if_none_match, headers)
    return status, _raw(out), b"" if method == "HEAD" else body


def prepare_headers(
    entry: Entry,
    accept_encoding: str | None,
    if_none_match: str | None,
    headers: Mapping[str, str],
) -> tuple[int, dict[str, str], bytes]:
    """`prepare` for GET, with the headers as a dict (name -> value)."""
    vary = headers.get("Vary", "")
    vary = "Accept-Encoding" + (f", {vary}" if vary else "")
    encoding = choose(entry, accept_encoding)
    if encoding is None:
        refused = {
            "Vary": vary,
            "Cache-Control": "no-store",
            "Content-Type": "text/plain; charset=utf-8",
            "Content-Length": str(len(REFUSED)),
        }
        return 406, refused, REFUSED
    out = {**headers, "Vary": vary, "ETag": entry.etags[encoding]}
    if (
        if_none_match is not None
        and entry.status == 200
        and etag_matches(if_none_match, out["ETag"])
    ):
        return 304, out, b""
    if encoding != "identity":
        out["Content-Encoding"] = encoding
    body = entry.bodies[encoding]
    out["Content-Length"] = str(len(body))
    out["Content-Type"] = entry.media_type
    return entry.status, out, body


def _raw(headers: Mapping[str, str]) -> RawHeaders:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


class RawResponse(Response):
    """A Response whose headers are already final (no content-length guessing)."""

    def __init__(self, status: int, headers: RawHeaders, body: bytes) -> None:
        self.status_code = status
        self.body = body
        self.background = None
        self.raw_headers = headers


def respond(
    entry: Entry,
    request_headers: Mapping[str, str],
    method: str,
    headers: Mapping[str, str],
) -> Response:
    status, raw, body = prepare(
        entry,
        request_headers.get("accept-encoding"),
        request_headers.get("if-none-match"),
        method,
        headers,
    )
    return RawResponse(status, raw, body)
