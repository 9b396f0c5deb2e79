"""One listed page into one article: fetch -> extract -> images -> validate -> store.

`Pipeline.item` never raises for the page's sake: whatever goes wrong with one page
(a 404, a timeout, a refused address, a page nothing can be extracted from) is its
`Outcome`, "failed" with a one-line reason, and the run goes on.

The sync rules (docs/operators/move-your-portal.md):

- A page the source dates (a sitemap's lastmod, an Atom entry's updated) with the
  same date as at the last import is "unchanged" without a request (`--recheck`
  asks anyway). Any other page is fetched with the ETag and Last-Modified stored
  from the last run; a 304 is "unchanged" and nothing is extracted.
- `content_hash` is the SHA-256 of the article as extracted and validated, before
  its images are fetched: every field as it would be stored except the slug and
  the hash itself, with each image still at its source URL and with its alt text.
  A page whose menus, banners or related links change but whose article does not
  hashes the same, and is "unchanged": no image is fetched, nothing is written,
  nothing is purged.
- An article keeps the slug it was first given, so its URL here stays when the
  title is edited at the source; a new title that another source's article holds
  already gets `-2`, `-3`… rather than overwrite it.
- An image is fetched through the same Fetcher (politeness, SSRF guard, size cap)
  and stored like an upload (media.py). One without alt text is left out, never
  given an invented one, and listed for an editor; one that cannot be fetched is
  left out and listed with its reason. Neither fails the article.
- The entry's own content (a feed's `content:encoded` or Atom `content`) is used
  only when the page itself cannot be fetched.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

from ..articles import Article, validate
from ..errors import ArticleInvalid, FetchFailed, FetchStatus, LegibleError
from ..figures import attributes, replace_sources, without_alt
from ..media import Image, MediaRefused, process
from ..photos import Photos
from ..store import Store, html_to_text
from ..store.ingested import Ingested
from ..text import slugify
from . import extract as extraction
from .fetch import Fetcher, FetchResult
from .listings import Entry

GONE = (404, 410)  # with --prune, a listed page answering these is removed
_IMG = re.compile(r"<img\b([^>]*)>", re.IGNORECASE)
_FIGURE = re.compile(r"<figure\b[^>]*>(?:(?!</figure>).)*?</figure>", re.IGNORECASE | re.DOTALL)


@dataclass(slots=True)
class Outcome:
    """What became of one listed item: `outcome` is new, updated, unchanged, failed or
    pruned (with --dry-run: what would have become of it)."""

    url: str
    origin: str
    outcome: str
    slug: str = ""
    reason: str = ""
    images_left_out: list[str] = field(default_factory=list)  # without alt text
    images_failed: list[str] = field(default_factory=list)  # "src: reason"
    media: list[str] = field(default_factory=list)  # digests of the images stored
    label: str = ""  # how the report names it when not by its URL (a post of an export)

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "source": self.origin,
            "slug": self.slug or None,
            "outcome": self.outcome,
            "reason": self.reason or None,
            "images_left_out": self.images_left_out,
            "images_failed": self.images_failed,
        }


def content_hash(article: Article) -> str:
    data = article.to_json()
    for name in ("slug", "content_hash"):
        data.pop(name, None)
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def drop_images(body_html: str, sources: set[str]) -> str:
    """The body without the images whose src is in `sources` (their figure too)."""
    if not sources:
        return body_html

    def dropped(tag: str) -> bool:
        return attributes(tag).get("src", "") in sources

    def figure(m: re.Match[str]) -> str:
        tags = _IMG.findall(m[0])
        return "" if tags and all(dropped(t) for t in tags) else m[0]

    body = _FIGURE.sub(figure, body_html)
    return _IMG.sub(lambda m: "" if dropped(m[1]) else m[0], body)


class Pipeline:
    """Brings listed pages in, one `item` at a time (several may run at once)."""

    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        photos: Photos,
        *,
        site_lang: str = "vi",
        prune: bool = False,
        dry_run: bool = False,
        recheck: bool = False,
    ) -> None:
        self.store, self.fetcher, self.photos = store, fetcher, photos
        self.site_lang, self.prune, self.dry_run = site_lang, prune, dry_run
        self.recheck = recheck
        self._claimed: dict[str, str] = {}  # slug -> url, taken by this run

    async def item(self, origin: str, entry: Entry, page: FetchResult | None = None) -> Outcome:
        out = Outcome(entry.url, origin, "failed")
        try:
            return await self._item(out, entry, page)
        except LegibleError as exc:
            out.outcome, out.reason = "failed", str(exc)
            return out

    async def _item(self, out: Outcome, entry: Entry, page: FetchResult | None) -> Outcome:
        row = self.store.ingested_row(entry.url)
        out.slug = row.slug if row else ""
        same_date = row is not None and bool(entry.modified) and row.listed == entry.modified
        if same_date and not self.recheck and page is None and self.store.get(out.slug):
            out.outcome = "unchanged"  # the source says so: not even asked for
            return out
        fallback = ""
        if page is None:
            try:
                page = await self.fetcher.fetch(
                    entry.url,
                    etag=row.etag if row else None,
                    last_modified=row.last_modified if row else None,
                )
            except FetchStatus as exc:
                if self.prune and row is not None and exc.status in GONE:
                    return self.remove(out, row, f"the page answers {exc.status}")
                if not entry.content:
                    return self._failed(out, exc.reason)
                fallback = f"the page could not be fetched ({exc.reason}): the feed's content used"
            except FetchFailed as exc:
                if not entry.content:
                    return self._failed(out, exc.reason)
                fallback = f"the page could not be fetched ({exc.reason}): the feed's content used"
        if page is not None and page.not_modified and row is not None:
            if self.store.get(row.slug) is not None:
                out.outcome = "unchanged"
                if not self.dry_run and row.listed != (entry.modified or None):
                    self.store.put_ingested(replace(row, listed=entry.modified or None))
                return out
            page = await self.fetcher.fetch(entry.url)  # the article went: fetch it whole
        data, left_out = await self._extracted(entry, page)
        out.images_left_out = left_out
        out.reason = fallback
        return await self._store(out, entry, page, data, row)

    async def record(self, origin: str, data: dict[str, Any], label: str = "") -> Outcome:
        """An article already read, not fetched (a WordPress export's post): the same
        steps from its images on; its slug is kept when no other source holds it."""
        url = str(data.get("source_url") or "")
        out = Outcome(url, origin, "failed", label=label)
        try:
            row = self.store.ingested_row(url) if url else None
            given = str(data.pop("slug", "") or "")
            out.slug = row.slug if row else self._free_slug(given or str(data.get("title")), url)
            missing = set(without_alt(str(data.get("body_html") or "")))
            data["body_html"] = drop_images(str(data.get("body_html") or ""), missing)
            out.images_left_out = sorted(s for s in missing if s)
            return await self._store(out, Entry(url), None, data, row)
        except LegibleError as exc:
            return self._failed(out, str(exc))

    def _failed(self, out: Outcome, reason: str) -> Outcome:
        out.outcome, out.reason = "failed", reason
        return out

    async def _extracted(
        self, entry: Entry, page: FetchResult | None
    ) -> tuple[dict[str, Any], list[str]]:
        """The article's fields from the page (or the entry's content), before validation,
        with its images without alt left out (and listed)."""
        # What the source says of the page: title, published, author, lang, summary.
        given = (entry.headline, entry.issued, entry.writer, entry.language, entry.abstract)
        hints = extraction.Hints(*(value or None for value in given))
        if page is not None:
            found = await asyncio.to_thread(
                extraction.extract,
                page.body,
                page.final_url,
                hints=hints,
                site_lang=self.site_lang,
                charset=page.charset,
            )
            title, body, byline = found.title, found.body_html, found.byline or ""
            published = _text(found.published) or entry.issued or entry.modified
            lang = found.lang or entry.language or self.site_lang
            missing = set(found.without_alt) | set(without_alt(body))
            summary_html = found.summary
        else:
            title, body, byline = entry.headline, entry.content, entry.writer
            published, lang = entry.issued or entry.modified, entry.language or self.site_lang
            missing = set(without_alt(body))
            summary_html = entry.abstract
        if not published and page is not None and page.last_modified:
            published = _http_date(page.last_modified)
        data: dict[str, Any] = {
            "title": title,
            "published": published,
            "byline": byline[:200],
            "lang": lang,
            "body_html": drop_images(body, missing),
            "source_url": entry.url,
            "tags": list(entry.terms),
        }
        summary = html_to_text(summary_html).replace("\n", " ")
        if summary:
            data["summary"] = summary[:1000].rsplit(" ", 1)[0] if len(summary) > 1000 else summary
        return data, sorted(s for s in missing if s)

    async def _store(
        self,
        out: Outcome,
        entry: Entry,
        page: FetchResult | None,
        data: dict[str, Any],
        row: Ingested | None,
    ) -> Outcome:
        slug = out.slug or self._free_slug(str(data.get("title") or ""), entry.url)
        try:
            article = validate({**data, "slug": slug})
        except ArticleInvalid as exc:
            reasons = "; ".join(f"{k} {v}" for k, v in sorted(exc.errors.items()))
            what = "" if out.label else "the extracted article is not valid: "
            return self._failed(out, what + reasons)
        out.slug, digest = slug, content_hash(article)
        stored = self.store.get(slug)
        etag = page.etag if page is not None else None
        last_modified = page.last_modified if page is not None else None
        # The source that first brought the page in keeps it (what --prune goes by).
        origin, listed = row.origin if row else out.origin, entry.modified or None
        keep = Ingested(entry.url, origin, slug, etag, last_modified, listed)
        if stored is not None and stored.content_hash == digest:
            out.outcome = "unchanged"
            if not self.dry_run and row != keep and entry.url:
                self.store.put_ingested(keep)  # new validators (or origin) for next time
            return out
        out.outcome = "updated" if stored is not None else "new"
        if self.dry_run:
            return out
        body, images = await self._images(article.body_html, out)
        known = set(self.photos.stored)
        self.photos.put((None, image) for image in images)  # no await: nothing between
        out.media = sorted(self.photos.stored - known)  # the ones new to the store
        result, _ = self.store.put(replace(article, body_html=body, content_hash=digest))
        out.outcome = {"created": "new"}.get(result, result)
        if entry.url:  # a post without a link can be imported, not kept in sync
            self.store.put_ingested(keep)
        return out

    def _free_slug(self, title: str, url: str) -> str:
        """`title` as a slug no other page's article holds (-2, -3… when it is)."""
        base = slugify(title) or "bai-viet"
        for n in range(1, 1000):
            slug = base if n == 1 else f"{base[:75]}-{n}"
            held = self.store.get(slug)
            claimed = self._claimed.get(slug)
            mine = held is None or (bool(url) and held.source_url == url)
            if mine and claimed in (None, url):
                self._claimed[slug] = url
                return slug
        raise ArticleInvalid({"slug": f"{base}-2 … -999 are all taken"})

    async def _images(self, body: str, out: Outcome) -> tuple[str, list[Image]]:
        """The body with each image fetched and stored at its media URL; an image that
        cannot be had is left out and named in `out.images_failed`."""
        sources = list(dict.fromkeys(attributes(t).get("src", "") for t in _IMG.findall(body)))
        got = await asyncio.gather(*(self._image(src) for src in sources if src))
        urls: dict[str, str] = {}
        images, failed = [], set()
        for src, result in zip([s for s in sources if s], got, strict=True):
            if isinstance(result, Image):
                images.append(result)
                urls[src] = result.url
            else:
                failed.add(src)
                out.images_failed.append(f"{src}: {result}")
        body = drop_images(body, failed)
        return replace_sources(body, lambda src: urls.get(src)), images

    async def _image(self, src: str) -> Image | str:
        try:
            fetched = await self.fetcher.fetch(src)
            if len(fetched.body) > self.photos.max_bytes:
                return f"larger than {self.photos.max_bytes:,} bytes, the photo size cap"
            return await asyncio.to_thread(process, fetched.body, self.photos.max_pixels)
        except FetchFailed as exc:
            return exc.reason
        except MediaRefused as exc:
            return str(exc)

    def remove(self, out: Outcome, row: Ingested, why: str) -> Outcome:
        """--prune: the article this page became is deleted (not with --dry-run)."""
        out.outcome, out.slug, out.reason = "pruned", row.slug, why
        if not self.dry_run:
            self.store.delete(row.slug)
            self.store.forget_ingested(row.url)
        return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _http_date(value: str) -> str:
    try:
        return parsedate_to_datetime(value).astimezone(UTC).isoformat()
    except (TypeError, ValueError):
        return ""
