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
    "NON_TEXT_MIN",
    "RGBA",
    "blend",
    "composite",
    "css",
    "parse_rgb",
    "px",
    "relative_luminance",
    "side_drawn",
    "wcag_ratio",
]

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
