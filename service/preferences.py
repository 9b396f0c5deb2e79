"""Request -> the reader's variant: (theme, size, spacing, measure, font).

Order: the URL, then the first-party preference cookie, then the defaults.
The URL carries the variant so a shared cache can key on the URL alone; the
cookie only restores a choice when the reader arrives at a bare URL.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode, urlsplit

from . import fonts
from .i18n import N_, Message

SIZES = (100, 125, 150, 175, 200)
DEFAULT_SIZE = 100
# Line length (the W3C low-vision note's "line length"; Firefox Reader View's width):
# the CSS maps each to a max-width in ch (themes/base.css).
MEASURES = ("narrow", "normal", "wide")
DEFAULT_MEASURE = "normal"
# Typeface: the system sans, a serif, a face designed for legibility (service/fonts.py).
FONTS = tuple(fonts.FONTS)
DEFAULT_FONT = fonts.DEFAULT
# What the display options call line length and typeface, each choice, and a choice
# other than the default in the summary of what is in use (msgids: service/i18n.py).
CHOICE_NAMES = {"measure": N_("Line length"), "font": N_("Typeface")}
CHOICE_LABELS = {
    "measure": {"narrow": N_("Short"), "normal": N_("Medium"), "wide": N_("Long")},
    "font": {"sans": N_("Default"), "serif": N_("Serif"), "legible": N_("Easy to read")},
}
CHOICE_STATES = {
    "measure": {"narrow": N_("Short lines"), "wide": N_("Long lines")},
    "font": {"serif": N_("Serif typeface"), "legible": N_("Easy-to-read typeface")},
}
COOKIE = "legible_pref"
COOKIE_MAX_AGE = 365 * 24 * 3600
VARIANT_PARAMS = ("theme", "size", "spacing", "measure", "font")
# The cookie holds the VARIANT_PARAMS fields in that order: "dark.125.1.wide.serif".
# Cookies written before measure and font existed hold only the first three.
COOKIE_SEPARATOR = "."
_LEGACY_COOKIE_FIELDS = 3


@dataclass(frozen=True)
class Preference:
    theme: str | None = None  # None: the reader chose nothing, the OS may pick
    size: int = DEFAULT_SIZE
    spacing: bool = False
    measure: str = DEFAULT_MEASURE
    font: str = DEFAULT_FONT

    @property
    def is_bare(self) -> bool:
        return self == DEFAULT

    def params(self) -> list[tuple[str, str]]:
        """The canonical query parameters: fixed order, defaults left out."""
        out = []
        if self.theme is not None:
            out.append(("theme", self.theme))
        if self.size != DEFAULT_SIZE:
            out.append(("size", str(self.size)))
        if self.spacing:
            out.append(("spacing", "1"))
        if self.measure != DEFAULT_MEASURE:
            out.append(("measure", self.measure))
        if self.font != DEFAULT_FONT:
            out.append(("font", self.font))
        return out

    def fields(self) -> tuple[str, ...]:
        """The VARIANT_PARAMS values as the cookie and the form's `cur_*` fields hold them."""
        spacing = str(int(self.spacing))
        return (self.theme or "", str(self.size), spacing, self.measure, self.font)

    def key(self) -> str:
        return COOKIE_SEPARATOR.join(self.fields())

    def cookie_value(self) -> str:
        return self.key()

    def step(self, delta: int) -> int:
        """The size `delta` steps away, clamped to the menu."""
        i = SIZES.index(self.size) + delta
        return SIZES[max(0, min(len(SIZES) - 1, i))]


DEFAULT = Preference()


@dataclass(frozen=True)
class Resolved:
    """What to do with a request: render `preference`, redirect, or explain an error.

    With `errors`, `preference` still holds every valid choice (from the URL, else
    the cookie), so the error page explaining the bad value is in the reader's variant.
    """

    preference: Preference = DEFAULT
    redirect: str | None = None
    errors: tuple[Message, ...] = ()
    vary_cookie: bool = False  # a bare URL: the answer depends on the cookie
    private: bool = False  # the answer is this reader's own: never in a shared cache


def _theme(value: str, themes: Iterable[str]) -> str | None:
    v = value.strip().lower().replace("_", "-").replace(" ", "-")
    return v if v in themes else None


def _size(value: str) -> int | None:
    v = value.strip().rstrip("%").strip()
    return int(v) if v.isascii() and v.isdigit() and len(v) <= 4 and int(v) in SIZES else None


def _spacing(value: str) -> bool | None:
    v = value.strip().lower()
    if v in ("1", "on", "true", "yes"):
        return True
    if v in ("", "0", "off", "false", "no"):
        return False
    return None


def _one_of(value: str, choices: Sequence[str]) -> str | None:
    v = value.strip().lower()
    return v if v in choices else None


def _parse_field(name: str, value: str, themes: Sequence[str]) -> object | None:
    """One variant parameter's value, or None when it is not a valid one."""
    if name == "theme":
        return _theme(value, themes)
    if name == "size":
        return _size(value)
    if name == "spacing":
        return _spacing(value)
    return _one_of(value, MEASURES if name == "measure" else FONTS)


def _invalid(name: str, value: str, themes: Sequence[str]) -> Message:
    """The error page's line for a bad value, translated where the page is rendered."""
    shown = repr(value[:40])
    if name == "spacing":
        return Message(N_("spacing=%(value)s: use 1 (on) or 0 (off)"), {"value": shown})
    valid = {"theme": themes, "size": [str(s) for s in SIZES], "measure": MEASURES}
    listed = ", ".join(valid.get(name, FONTS))
    return Message(
        N_("%(name)s=%(value)s: choose one of %(valid)s"),
        {"name": name, "value": shown, "valid": listed},
    )


def parse_cookie(value: str | None, themes: Iterable[str]) -> Preference | None:
    """The stored choice, or None for anything missing or malformed."""
    if not value or len(value) > 100:
        return None
    parts = value.strip('"').split(COOKIE_SEPARATOR)
    if len(parts) not in (len(VARIANT_PARAMS), _LEGACY_COOKIE_FIELDS):
        return None
    names = list(themes)
    found: dict[str, Any] = {}
    for name, part in zip(VARIANT_PARAMS, parts, strict=False):
        if name == "theme" and not part:
            continue  # no theme chosen
        parsed = _parse_field(name, part, names)
        if parsed is None:
            return None
        found[name] = parsed
    return Preference(**found)


def build_url(path: str, params: Sequence[tuple[str, str]], pref: Preference) -> str:
    query = urlencode([*params, *pref.params()])
    return f"{path}?{query}" if query else path


def resolve(
    path: str,
    query: Sequence[tuple[str, str]],
    cookie: str | None,
    themes: Iterable[str],
    route_params: Mapping[str, str | None] | None = None,
) -> Resolved:
    """Turn the URL and cookie into a variant, a canonical redirect or a 400.

    `route_params` are the page's own parameters (for example `q`, `page`) in
    canonical order, with their canonical values already decided by the caller.
    """
    theme_names = list(themes)
    route_params = route_params or {}
    seen: dict[str, str] = {}
    canonical = True
    for name, value in query:
        if name in seen or (name not in VARIANT_PARAMS and name not in route_params):
            canonical = False  # duplicates and unknown parameters are dropped
            continue
        seen[name] = value

    errors = []
    chosen: dict[str, Any] = {}
    for name in VARIANT_PARAMS:
        if name in seen:
            parsed = _parse_field(name, seen[name], theme_names)
            if parsed is None:
                errors.append(_invalid(name, seen[name], theme_names))
            else:
                chosen[name] = parsed
    if errors:
        # Keep every valid choice: the URL's, else the reader's cookie.
        base = parse_cookie(cookie, theme_names) or DEFAULT
        return Resolved(replace(base, **chosen), errors=tuple(errors))

    pref = Preference(**chosen)
    from_url = any(name in seen for name in VARIANT_PARAMS)
    params = [(k, v) for k, v in route_params.items() if v is not None]
    if not from_url:
        stored = parse_cookie(cookie, theme_names)
        if stored is not None and not stored.is_bare:
            return Resolved(
                stored,
                redirect=build_url(path, params, stored),
                vary_cookie=True,
                private=True,
            )
    if not canonical or list(query) != [*params, *pref.params()]:
        return Resolved(pref, redirect=build_url(path, params, pref), vary_cookie=not from_url)
    return Resolved(pref, vary_cookie=not from_url)


def variants(themes: Iterable[str]) -> Iterator[Preference]:
    """Every canonical variant a page has for these theme names: each field's
    closed set of values, crossed. A new field adds one line to `choices`
    (tests/test_preferences.py fails until every field of Preference is here)."""
    choices: dict[str, Sequence[object]] = {
        "theme": (None, *themes),  # None: the bare URL, no choice made
        "size": SIZES,
        "spacing": (False, True),
        "measure": MEASURES,
        "font": FONTS,
    }
    for values in itertools.product(*choices.values()):
        yield Preference(**dict(zip(choices, values, strict=True)))  # type: ignore[arg-type]


def safe_return_path(value: str | None) -> str:
    """A local path to send the reader back to; anything else becomes `/`."""
    if not value or len(value) > 2000 or any(ord(c) < 32 or c == "\\" for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return "/"
    return value
