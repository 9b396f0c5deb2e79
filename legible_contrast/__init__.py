"""WCAG 2 contrast arithmetic: relative luminance and contrast ratios, written once.

The product (`service.themes` refuses a theme file that misses its level) and the
audit (`legible_audit.colour`, on colours computed in a browser) both use this. It
lives in neither: `legible_audit` must not import the product it judges
(tests/test_architecture.py), and the service must not need the audit to start. So
it is its own package, standard library only, and imports nothing from either.

Definitions: WCAG 2.2, "relative luminance" and "contrast ratio" (sRGB, 0-255
channels; the 0.04045 threshold of IEC 61966-2-1, as the W3C errata use).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = [
    "LEVELS",
    "NON_TEXT_MIN",
    "Colour",
    "contrast_ratio",
    "parse_hex",
    "relative_luminance",
]

# Text and images of text (1.4.3 AA, 1.4.6 AAA), by the level a theme promises.
LEVELS = {"AA": 4.5, "AAA": 7.0}
# Control boundaries, icons and focus indicators against what is next to them (1.4.11).
NON_TEXT_MIN = 3.0

Colour = str | Sequence[float]  # "#rgb", "#rrggbb", or (r, g, b[, alpha]) with 0-255 channels

_HEX = re.compile(r"#([0-9a-fA-F]{3}){1,2}")


def parse_hex(colour: str) -> tuple[int, int, int]:
    """'#f0f0f0' or '#fff' -> (r, g, b)."""
    if not _HEX.fullmatch(colour):
        raise ValueError(f"{colour!r} is not a #rgb or #rrggbb colour")
    digits = colour[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _linear(channel: float) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: Colour) -> float:
    """0 for black to 1 for white. An alpha channel, if any, is ignored: blend first."""
    rgb = parse_hex(colour) if isinstance(colour, str) else colour
    r, g, b = (_linear(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: Colour, b: Colour) -> float:
    """(L1 + 0.05) / (L2 + 0.05), lighter over darker: 1.0 to 21.0, in either order."""
    hi, lo = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
