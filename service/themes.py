"""Themes are data: one TOML file per theme in `themes/`, plus `themes/base.css`.

This module loads and validates those files, refuses one whose colour pairs miss the
level it declares (the WCAG 2 arithmetic is `legible_contrast`), and generates the
theme CSS (custom properties) that the pages and the widget share. Adding a file is
enough; nothing here names a theme except the two the contract requires.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from legible_contrast import LEVELS, NON_TEXT_MIN, contrast_ratio

from .errors import LegibleError, ThemeInvalid

REQUIRED_THEMES = ("default", "high-contrast")

# Token name -> CSS custom property. Every theme file must set all of them.
TOKENS = {
    "background": "--bg",
    "surface": "--surface",
    "text": "--text",
    "muted": "--muted",
    "link": "--link",
    "visited": "--visited",
    "focus": "--focus",
    "border": "--border",
    "accent": "--accent",
    "accent_text": "--accent-text",
    "mark_background": "--mark-bg",
    "mark_text": "--mark-text",
}
# (foreground, background) pairs a reader reads as text: held to the level the theme
# declares (AA 4.5:1, AAA 7:1). The widget's panel uses these same pairs.
TEXT_PAIRS = (
    ("text", "background"),
    ("text", "surface"),
    ("muted", "background"),
    ("muted", "surface"),
    ("link", "background"),
    ("link", "surface"),
    ("visited", "background"),
    ("visited", "surface"),
    ("accent_text", "accent"),
    ("mark_text", "mark_background"),
)
# Boundaries and indicators (WCAG 1.4.11): at least 3:1. The focus ring is drawn on
# the background or a surface (with the background between ring and control).
NON_TEXT_PAIRS = (
    ("focus", "background"),
    ("focus", "surface"),
    ("border", "background"),
    ("border", "surface"),
    ("accent", "background"),
    ("accent", "surface"),
)
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Theme:
    name: str
    label_vi: str
    label_en: str
    level: str
    scheme: str  # CSS color-scheme: "light" or "dark"
    colors: dict[str, str]
    underline_links: bool = False
    media: str | None = None  # OS preference that picks this theme when the reader chose none
    order: int = 100

    def label(self, lang: str) -> str:
        return self.label_vi if lang == "vi" else self.label_en

    @property
    def minimum(self) -> float:
        return LEVELS[self.level]


def contrast_problems(theme: Theme) -> list[str]:
    """Every token pair below what the theme promises, worst first, as phrases."""
    found = []
    for pairs, minimum, what in (
        (TEXT_PAIRS, theme.minimum, f"{theme.level} {theme.minimum:g}:1"),
        (NON_TEXT_PAIRS, NON_TEXT_MIN, f"{NON_TEXT_MIN:g}:1 (WCAG 1.4.11)"),
    ):
        for fg, bg in pairs:
            ratio = contrast_ratio(theme.colors[fg], theme.colors[bg])
            if ratio < minimum:
                phrase = (
                    f"{fg} {theme.colors[fg]} on {bg} {theme.colors[bg]} is {ratio:.2f}:1,"
                    f" below {what}"
                )
                found.append((ratio / minimum, phrase))
    return [phrase for _, phrase in sorted(found, key=lambda f: f[0])]


def load_theme(path: Path) -> Theme:
    """One theme file, checked; raises ThemeInvalid with a one-line message naming it."""
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ThemeInvalid(f"{where}: cannot be read as TOML: {exc}") from exc
    name = data.get("name")
    if name != path.stem or not isinstance(name, str) or not _NAME.match(name):
        raise ThemeInvalid(f"{where}: 'name' must equal the file name ({path.stem!r})")
    label = data.get("label")
    if not isinstance(label, dict) or not all(
        isinstance(label.get(k), str) and label[k].strip() for k in ("vi", "en")
    ):
        raise ThemeInvalid(f"{where}: needs [label] with non-empty 'vi' and 'en'")
    level = data.get("level")
    if level not in LEVELS:
        raise ThemeInvalid(f"{where}: 'level' must be one of {', '.join(LEVELS)}, not {level!r}")
    scheme = data.get("scheme", "light")
    if scheme not in ("light", "dark"):
        raise ThemeInvalid(f"{where}: 'scheme' must be 'light' or 'dark'")
    colors = data.get("colors")
    if not isinstance(colors, dict):
        raise ThemeInvalid(f"{where}: needs a [colors] table with {', '.join(TOKENS)}")
    missing = [t for t in TOKENS if t not in colors]
    if missing:
        raise ThemeInvalid(f"{where}: [colors] is missing {', '.join(missing)}")
    unknown = sorted(set(colors) - set(TOKENS))
    if unknown:
        raise ThemeInvalid(f"{where}: [colors] has unknown token(s) {', '.join(unknown)}")
    for token, value in colors.items():
        if not isinstance(value, str) or not _HEX.match(value):
            raise ThemeInvalid(f"{where}: colors.{token} = {value!r} is not a #rrggbb colour")
    media = data.get("media")
    if media is not None and (
        not isinstance(media, str) or not re.fullmatch(r"[\w\s():,-]+", media)
    ):
        raise ThemeInvalid(
            f"{where}: 'media' must be a media query such as '(prefers-contrast: more)'"
        )
    order = data.get("order", 100)
    if not isinstance(order, int):
        raise ThemeInvalid(f"{where}: 'order' must be an integer")
    theme = Theme(
        name=name,
        label_vi=label["vi"].strip(),
        label_en=label["en"].strip(),
        level=level,
        scheme=scheme,
        colors={k: v.lower() for k, v in colors.items()},
        underline_links=bool(data.get("underline_links", False)),
        media=media,
        order=order,
    )
    # One line for all of them: the operator fixes the file once, not once per start.
    problems = contrast_problems(theme)
    if problems:
        raise ThemeInvalid(f"{where}: contrast too low: {'; '.join(problems)}")
    return theme


def load_themes(directory: Path) -> dict[str, Theme]:
    """All themes in `directory`, in menu order; raises ThemeInvalid with the file to fix."""
    themes = [load_theme(p) for p in sorted(directory.glob("*.toml"))]
    names = {t.name for t in themes}
    missing = [n for n in REQUIRED_THEMES if n not in names]
    if missing:
        raise ThemeInvalid(f"{directory}: required theme file(s) missing: {', '.join(missing)}")
    themes.sort(key=lambda t: (t.name != "default", t.order, t.name))
    return {t.name: t for t in themes}


def _block(theme: Theme) -> str:
    props = ";".join(f"{TOKENS[k]}:{theme.colors[k]}" for k in TOKENS)
    underline = "underline" if theme.underline_links else "none"
    return f"{props};--link-decoration:{underline};color-scheme:{theme.scheme}"


def theme_css(themes: dict[str, Theme]) -> str:
    """Custom properties for every theme.

    `html[data-theme=X]` is the reader's choice. Without one, the default
    theme applies, unless the OS asks for another through a theme's `media`.
    """
    default = themes["default"]
    out = [f":root{{{_block(default)}}}"]
    # When several OS preferences match, the theme earlier in the menu wins,
    # so its rule comes last.
    for theme in reversed(themes.values()):
        if theme.media:
            out.append(f"@media {theme.media}{{:root:not([data-theme]){{{_block(theme)}}}}}")
    for theme in themes.values():
        out.append(f':root[data-theme="{theme.name}"]{{{_block(theme)}}}')
    return "\n".join(out) + "\n"


@cache
def data_dir(kind: str) -> Path:
    """`themes/` or `widget/`: inside the installed package, else the source tree."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data" / kind, here.parent / kind):
        if candidate.is_dir():
            return candidate
    raise LegibleError(f"cannot find the {kind}/ folder next to {here}")
