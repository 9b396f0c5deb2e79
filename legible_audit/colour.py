"""Computed CSS colours for the contrast checks: parsing, alpha blending, messages.

The WCAG arithmetic itself (luminance, ratios, the 3:1 floor) is `legible_contrast`,
the one implementation the product's theme loader uses too. It is a standalone,
standard-library package, so the audit still imports nothing from the product it
judges. `wcag_ratio` and `relative_luminance` are re-exported under the names the
checks use.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from legible_contrast import NON_TEXT_MIN, relative_luminance
from legible_contrast import contrast_ratio as wcag_ratio

__all__ = [
    "LARGE_BOLD_PX",
    "LARGE_PX",
    "NON_TEXT_MIN",
    "RGBA",
    "blend",
    "composite",
    "css",
    "halo",
    "is_large_text",
    "parse_rgb",
    "px",
    "relative_luminance",
    "side_drawn",
    "text_minimum",
    "wcag_ratio",
]

# WCAG "large scale": at least 18 pt, or 14 pt bold (700), in CSS px.
LARGE_PX, LARGE_BOLD_PX = 18 * 4 / 3, 14 * 4 / 3  # 24 px, 18.67 px

RGBA = tuple[float, float, float, float]

_RGB = re.compile(r"rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)")


def parse_rgb(value: str) -> RGBA:
    """'rgb(1, 2, 3)' / 'rgba(1, 2, 3, 0.5)' / 'rgb(1 2 3 / 50%)' -> (r, g, b, alpha)."""
    if value.strip() == "transparent":
        return (0.0, 0.0, 0.0, 0.0)
    m = _RGB.fullmatch(value.strip())
    if not m:
        raise ValueError(f"cannot read the colour {value!r}")
    r, g, b = (float(m.group(i)) for i in (1, 2, 3))
    raw = m.group(4)
    alpha = 1.0 if raw is None else float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    return (r, g, b, alpha)


def blend(top: RGBA, bottom: RGBA) -> RGBA:
    """`top` painted over an opaque `bottom`."""
    a = top[3]
    return (
        top[0] * a + bottom[0] * (1 - a),
        top[1] * a + bottom[1] * (1 - a),
        top[2] * a + bottom[2] * (1 - a),
        1.0,
    )


def composite(layers_inner_to_outer: Sequence[str], canvas: RGBA = (255, 255, 255, 1)) -> RGBA:
    """The opaque colour behind an element: its own and its ancestors' backgrounds."""
    out = canvas
    for layer in reversed(layers_inner_to_outer):
        out = blend(parse_rgb(layer), out)
    return out


def css(rgb: Sequence[float]) -> str:
    """An opaque colour as CSS, for messages."""
    return "rgb({}, {}, {})".format(*(round(v) for v in rgb[:3]))


def px(value: str) -> float:
    """'12.5px' -> 12.5 (0 for anything else)."""
    m = re.match(r"(-?[\d.]+)px", value)
    return float(m.group(1)) if m else 0.0


def side_drawn(side: dict[str, str]) -> bool:
    """A border side (width, style, color) that paints at least 1 px of some colour."""
    return (
        side["style"] not in ("none", "hidden")
        and px(side["width"]) >= 1 - 0.01
        and parse_rgb(side["color"])[3] > 0
    )


def is_large_text(font_px: float, weight: float) -> bool:
    """WCAG large-scale text: ≥ 18 pt (24 px), or ≥ 14 pt (18.66 px) at weight ≥ 700."""
    return font_px >= LARGE_PX - 0.01 or (font_px >= LARGE_BOLD_PX - 0.01 and weight >= 700)


def text_minimum(minimum: float, large: bool) -> float:
    """The contrast text needs: 4.5 (AA) or 7 (AAA), and 3 or 4.5 for large text."""
    if not large:
        return minimum
    return 4.5 if minimum >= 7 else 3.0


_TEXT_SHADOW = re.compile(
    r"(rgba?\([^)]*\)|transparent)\s+(-?[\d.]+)px\s+(-?[\d.]+)px(?:\s+([\d.]+)px)?"
)


def halo(value: str, behind: RGBA) -> RGBA | None:
    """The colour a text-shadow halo gives the glyphs' edges over `behind`, or None if
    no shadow surrounds the glyphs (a drop shadow to one side, or none). A shadow
    surrounds them when its blur reaches past its offset; at the edge a blurred shadow
    shows about half its colour, a sharp one all of it, and several add up."""
    if not value or value == "none":
        return None
    out, found = behind, False
    for m in _TEXT_SHADOW.finditer(value):
        colour = parse_rgb(m.group(1))
        dx, dy, blur = float(m.group(2)), float(m.group(3)), float(m.group(4) or 0)
        if colour[3] <= 0 or max(abs(dx), abs(dy)) > blur:
            continue
        share = colour[3] * (0.5 if blur > 0 else 1.0)
        out = blend((colour[0], colour[1], colour[2], share), out)
        found = True
    return out if found else None
