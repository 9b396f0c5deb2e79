"""Non-text contrast (1.4.11): control boundaries and icons."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from .colour import NON_TEXT_MIN, blend, composite, css, parse_rgb, side_drawn, wcag_ratio
from .problem import Problem
from .scripts import script

# Natively drawn radios and checkboxes: the browser paints their boundary, and its
# colours are not in the computed style.
NATIVE_TOGGLE = "input[type=radio], input[type=checkbox], input[type=range], input[type=color]"
CONTROLS = (
    "button, input, select, textarea, [role=button], [role=radio], [role=checkbox], [role=switch]"
)


def judge_non_text(found: dict[str, Any]) -> list[Problem]:
    """A control's boundary is ≥ 3:1 against what is behind it: its border, or else its
    own background. A button with neither is identified by its text; a text field is
    not. Every painted stroke or fill of an inline SVG icon is ≥ 3:1 against what is
    behind the icon."""
    problems: dict[str, list[str]] = {}
    for c in found["controls"]:
        behind = composite([layer["color"] for layer in c["around"]])
        if c["image"] != "none" or any(layer["image"] != "none" for layer in c["around"]):
            problems.setdefault("a background image is behind this control", []).append(c["target"])
            continue
        fill = blend(parse_rgb(c["bg"]), behind)
        fill_ratio = wcag_ratio(fill, behind)
        drawn = [s for s in c["sides"] if side_drawn(s)]
        if fill_ratio >= NON_TEXT_MIN:
            continue
        if drawn:
            worst = min(
                drawn, key=lambda s: wcag_ratio(blend(parse_rgb(s["color"]), behind), behind)
            )
            colour = blend(parse_rgb(worst["color"]), behind)
            ratio = wcag_ratio(colour, behind)
            if ratio < NON_TEXT_MIN:
                key = (
                    f"border {css(colour)} on {css(behind)} is {ratio:.2f}:1 "
                    f"< {NON_TEXT_MIN:g}:1 (fill {fill_ratio:.2f}:1)"
                )
                problems.setdefault(key, []).append(c["target"])
        elif c["field"]:
            key = f"no border and a fill of {fill_ratio:.2f}:1: the field has no visible edge"
            problems.setdefault(key, []).append(c["target"])
    for icon in found["icons"]:
        behind = composite([layer["color"] for layer in icon["around"]])
        for paint in icon["paints"]:
            try:
                colour = blend(parse_rgb(paint), behind)
            except ValueError:
                problems.setdefault(f"icon paint {paint} cannot be measured", []).append(
                    icon["target"]
                )
                continue
            ratio = wcag_ratio(colour, behind)
            if ratio < NON_TEXT_MIN:
                key = f"icon {css(colour)} on {css(behind)} is {ratio:.2f}:1 < {NON_TEXT_MIN:g}:1"
                problems.setdefault(key, []).append(icon["target"])
    return [
        Problem("non-text-contrast", "non-text-contrast", ("1.4.11",), tuple(targets), what)
        for what, targets in problems.items()
    ]


def non_text_contrast_problems(page: Page) -> list[Problem]:
    return judge_non_text(page.evaluate(script("non_text"), [CONTROLS, NATIVE_TOGGLE]))
