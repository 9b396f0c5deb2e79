"""Legible's browser checks, shipped: the e2e suite and `legible audit` share them.

Each check is a function that takes a loaded Playwright page and returns a list of
`Problem`s (empty: passed). They live one family per module, with their JavaScript
beside them in `js/`:

- `colour`: computed CSS colours for the contrast checks (the WCAG arithmetic itself is
  `legible_contrast`, shared with the theme loader; pure Python);
- `axe`: axe-core with the WCAG 2.0-2.2 A/AA and best-practice tags (+ 7:1 for AAA);
- `focus`: focus visible, appearance and not obscured; `keyboard`: the Tab walk and
  the skip link;
- `text`: text contrast, font scaling, text-spacing clipping;
- `layout`: reflow and target size; `nontext`: control boundaries and icons;
- `language`: lang attributes; `osmodes`: forced colours and reduced motion;
- `first_screen`: the article on the first screen;
- `cell`: what every matrix cell runs; `browser`: how Chromium is launched.

Importing this package needs nothing beyond the standard library; the check modules
need the `audit` extra (`pip install 'legible-news[audit]'`: Playwright and axe).
"""

from __future__ import annotations

from .colour import blend, composite, parse_rgb, relative_luminance, wcag_ratio
from .problem import Problem

__all__ = ["Problem", "blend", "composite", "parse_rgb", "relative_luminance", "wcag_ratio"]
