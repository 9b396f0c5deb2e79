"""The embeddable widget's files, built at start-up from `widget/` and the themes.

One script holds the whole widget: the theme tokens from `themes/*.toml`, the
preference rules from `service/preferences.py` (parameter names, sizes, the
cookie) and the panel CSS from `widget/widget.css` are embedded here into
`widget/widget.min.js`, so themes stay data and the widget never restates a
rule the server owns. `widget.min.js` is the ES modules in `widget/src/` (the
readable source, one concern per file) bundled by `scripts/build-widget` with a
pinned esbuild and minified with a pinned terser, committed, so neither the
server nor its image needs Node. It is served twice, byte for byte:

- `/widget.js`, the stable URL operators embed, with a short cache;
- `/widget/legible-widget.<sha256-16>.js`, immutable, for operators who pin a
  version with Subresource Integrity (`integrity_for`, `snippets`).

Every bundle a deployment has served stays servable at its hashed URL (`Bundles`):
start-up stores the current one in the store once, by its hash, so after a theme
edit or an upgrade a pinned URL still answers the same bytes, and its SRI holds.

A loader that injected the hashed file would cost a second, serial request and
a Trusted Types policy (assigning `script.src` is a TT sink, and a host's
`trusted-types` directive may forbid the policy name). Brotli makes the whole
widget small enough that the embedded URL can simply be the widget.

`/widget/demo` is a host page served by Legible that shows the widget and the
embedding snippets. `legible widget-snippet https://legible.example` prints
the snippets for a deployment.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from string import Template

from cachetools import LRUCache, TTLCache

from .delivery import Entry, make_entry
from .i18n import LANGS, translate
from .preferences import (
    CHOICE_LABELS,
    CHOICE_NAMES,
    COOKIE,
    COOKIE_MAX_AGE,
    COOKIE_SEPARATOR,
    DEFAULT_FONT,
    DEFAULT_MEASURE,
    DEFAULT_SIZE,
    FONTS,
    MEASURES,
    SIZES,
    VARIANT_PARAMS,
)
from .store import Store
from .themes import TOKENS, Theme, data_dir

LOADER_URL = "/widget.js"
BUNDLE_PREFIX = "/widget/legible-widget."
DEMO_URL = "/widget/demo"
JS = "text/javascript; charset=utf-8"
HTML = "text/html; charset=utf-8"
# Five minutes fresh; a stale copy is used while it is revalidated in the background.
SHORT_CACHE = "public, max-age=300, stale-while-revalidate=86400"
IMMUTABLE = "public, max-age=31536000, immutable"
# A bundle not stored (yet: another replica may be starting with it) is asked for again soon.
UNKNOWN_SECONDS = 60
UNKNOWN_CACHE = f"public, max-age={UNKNOWN_SECONDS}"
BUNDLE_PATH = re.compile(r"/widget/legible-widget\.([0-9a-f]{16})\.js")
OLD_BUNDLES_BYTES = 512 * 1024  # older bundles in memory: about 16 (32 KB each, all encodings)
UNKNOWN_KEPT = 1024  # hashes remembered as not stored, for UNKNOWN_SECONDS
EXAMPLE_ORIGIN = "https://legible.example"
_PLACEHOLDER = re.compile(r"__LEGIBLE_[A-Z]+__")


@dataclass(frozen=True)
class WidgetAsset:
    url: str  # "/widget.js" (the stable loader) or "/widget/…"
    body: bytes
    media_type: str
    cache_control: str


_BUILT = re.compile(r"// Built from widget/src sha256=([0-9a-f]{64}) [^\n]*\n")
SOURCES = "src"  # the widget's ES modules, inside widget/


def source_digest(folder: Path) -> str:
    """The sha256 over every module in `folder`/src, by name, as scripts/widget-tools/
    build.mjs computes it: an edit to any of them changes it."""
    digest = hashlib.sha256()
    for path in sorted((folder / SOURCES).glob("*.js"), key=lambda p: p.name):
        one = hashlib.sha256(path.read_bytes()).hexdigest()
        digest.update(f"{path.name}\n{one}\n".encode())
    return digest.hexdigest()


def minified_js(folder: Path) -> str:
    """widget.min.js without its first line, which records the modules it was built
    from: a build older than any of them is refused, not served."""
    built = (folder / "widget.min.js").read_text(encoding="utf-8")
    header = _BUILT.match(built)
    if header is None or header.group(1) != source_digest(folder):
        raise RuntimeError(
            f"{folder / 'widget.min.js'} was not built from the current widget/src: "
            "run `make widget` (scripts/build-widget)"
        )
    return built[header.end() :]


def minify_css(source: str) -> str:
    """Drop comments and collapse whitespace; spaces that are selectors (descendant
    combinators) or operators (`calc(a + b)`) stay."""
    text = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s*([{};,])\s*", r"\1", text)
    # A colon followed by a space is always a declaration, never a pseudo-class.
    text = text.replace(": ", ":").replace(" !important", "!important")
    return text.replace(";}", "}").strip()


def _json(value: object) -> str:
    out = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return out.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _preference_rules() -> dict[str, object]:
    """What the widget must agree on with `service.preferences`, as it reads it.

    The cookie's value is its fields' values in `params` order, joined by
    `separator` (`Preference.cookie_value`).
    """
    return {
        "params": list(VARIANT_PARAMS),
        "sizes": list(SIZES),
        "defaultSize": DEFAULT_SIZE,
        "cookie": {"name": COOKIE, "maxAge": COOKIE_MAX_AGE, "separator": COOKIE_SEPARATOR},
        # Choices only Legible's own pages can apply (the widget offers them there).
        "choices": {
            name: {
                "values": list(values),
                "default": default,
                "legend": {lang: translate(lang, CHOICE_NAMES[name]) for lang in LANGS},
                "labels": {
                    lang: [translate(lang, CHOICE_LABELS[name][v]) for v in values]
                    for lang in LANGS
                },
            }
            for name, values, default in (
                ("measure", MEASURES, DEFAULT_MEASURE),
                ("font", FONTS, DEFAULT_FONT),
            )
        },
    }


def build_widget(themes: dict[str, Theme]) -> bytes:
    """widget.min.js (widget/src, bundled by scripts/build-widget) with the themes,
    preference rules and CSS filled in."""
    folder = data_dir("widget")
    css = minify_css((folder / "widget.css").read_text(encoding="utf-8"))
    data = [
        {
            "name": t.name,
            "labels": {"vi": t.label_vi, "en": t.label_en},
            "scheme": t.scheme,
            "media": t.media,
            "underlineLinks": t.underline_links,
            "colors": {token: t.colors[token] for token in TOKENS},
        }
        for t in themes.values()
    ]
    values = {
        "__LEGIBLE_THEMES__": _json(data),
        "__LEGIBLE_PROPS__": _json(TOKENS),
        "__LEGIBLE_PREFERENCES__": _json(_preference_rules()),
        "__LEGIBLE_CSS__": _json(css),
    }
    script = minified_js(folder)
    # Both ways: a placeholder left unfilled, or a value the script no longer
    # reads, is a widget/src/config.js and widget.py mismatch worth failing start-up for.
    wanted = set(_PLACEHOLDER.findall(script))
    if wanted != set(values):
        raise RuntimeError(
            f"widget/src/config.js and service/widget.py disagree: the script has "
            f"{sorted(wanted)}, widget.py fills {sorted(values)}"
        )
    script = _PLACEHOLDER.sub(lambda m: values[m.group(0)], script)
    return script.encode()


def bundle_digest(body: bytes) -> str:
    """What names a bundle in its URL and in the store: its sha256, 16 hex digits."""
    return hashlib.sha256(body).hexdigest()[:16]


def bundle_url(body: bytes) -> str:
    return f"{BUNDLE_PREFIX}{bundle_digest(body)}.js"


def integrity_for(body: bytes) -> str:
    """The Subresource Integrity value of `body` (sha384)."""
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


def snippets(themes: dict[str, Theme], origin: str = EXAMPLE_ORIGIN) -> dict[str, str]:
    """The one-line embed (`plain`) and the version-pinned one with SRI (`pinned`)."""
    origin = origin.rstrip("/")
    body = build_widget(themes)
    return {
        "plain": f'<script src="{origin}{LOADER_URL}" async></script>',
        "pinned": (
            f'<script src="{origin}{bundle_url(body)}" integrity="{integrity_for(body)}"'
            ' crossorigin="anonymous" async></script>'
        ),
    }


def demo_page(themes: dict[str, Theme], css_url: str) -> bytes:
    shown = snippets(themes)
    page = Template((data_dir("widget") / "demo.html").read_text(encoding="utf-8"))
    return page.substitute(
        css_url=html.escape(css_url),
        plain=html.escape(shown["plain"]),
        pinned=html.escape(shown["pinned"]),
    ).encode()


def widget_assets(themes: dict[str, Theme], css_url: str) -> list[WidgetAsset]:
    body = build_widget(themes)
    return [
        WidgetAsset(LOADER_URL, body, JS, SHORT_CACHE),
        WidgetAsset(bundle_url(body), body, JS, IMMUTABLE),
        WidgetAsset(DEMO_URL, demo_page(themes, css_url), HTML, SHORT_CACHE),
    ]


class _Unknown:
    """`Bundles.find`'s answer for a hash known not to be stored."""


UNKNOWN = _Unknown()


class Bundles:
    """Every widget bundle this deployment has served, by the hash in its URL.

    The current bundle is served from memory like any asset (`Site.widget`); this
    class only stores it, once, at start-up (`keep`), and answers the older
    hashed URLs. An older bundle is read from the store on its first request,
    compressed once (gzip, brotli 11: the same bytes and ETags as when it was
    current) off the event loop, and kept in a small LRU bounded by bytes, so a
    deployment with many old bundles never holds them all. A hash not stored is
    remembered for UNKNOWN_SECONDS, as long as its 404 may be cached.
    """

    def __init__(self, store: Store, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self._old: LRUCache[str, Entry] = LRUCache(OLD_BUNDLES_BYTES, getsizeof=_entry_size)
        self._unknown: TTLCache[str, bool] = TTLCache(UNKNOWN_KEPT, UNKNOWN_SECONDS, clock)
        self._lock = threading.Lock()  # held only around the two caches, never over I/O
        self._loading: dict[str, threading.Lock] = {}  # one store read per hash at a time

    def keep(self, body: bytes) -> bool:
        """Store `body`, the bundle this process serves, unless it is stored already.
        Start-up only: never on a request. True if this call stored it."""
        return self.store.keep_bundle(bundle_digest(body), body)

    def find(self, digest: str) -> Entry | _Unknown | None:
        """What memory holds for `digest` (an entry, or UNKNOWN); None: ask `load`.
        Never waits for I/O, so the event loop may call it."""
        with self._lock:
            if digest in self._unknown:
                return UNKNOWN
            return self._old.get(digest)

    def load(self, digest: str) -> Entry | None:
        """The stored bundle `digest`, ready to serve, or None if it is not stored.
        Blocks on the store and compresses: call it in a worker thread. Raises
        StoreUnavailable when the store cannot say."""
        with self._lock:
            gate = self._loading.setdefault(digest, threading.Lock())
        try:
            with gate:  # a second request for the same hash waits, then finds it cached
                found = self.find(digest)
                if found is not None:
                    return None if isinstance(found, _Unknown) else found
                body = self.store.bundle(digest)
                if body is not None and bundle_digest(body) != digest:
                    body = None  # not what the URL names: its SRI could not hold
                entry = make_entry(body, JS) if body is not None else None
                with self._lock:
                    if entry is None:
                        self._unknown[digest] = True
                    else:
                        self._old[digest] = entry
                return entry
        finally:
            with self._lock:
                self._loading.pop(digest, None)


def _entry_size(entry: Entry) -> int:
    return entry.size
