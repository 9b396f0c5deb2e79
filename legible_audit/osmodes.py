"""The OS's modes: forced colours (Windows High Contrast) and reduced motion (2.3.3)."""

from __future__ import annotations

from playwright.sync_api import Page

from .colour import parse_rgb, px, side_drawn
from .nontext import CONTROLS, NATIVE_TOGGLE
from .problem import Problem
from .scripts import script


def forced_colors_problems(page: Page) -> list[Problem]:
    """Under forced colours (Windows High Contrast) backgrounds are gone: every button
    and input keeps a boundary, a border of ≥ 1 px on all sides or an outline, in a
    colour that is not transparent. Run in a context made with forced_colors="active"."""
    bare = []
    for c in page.evaluate(script("forced_colors"), [CONTROLS, NATIVE_TOGGLE]):
        outline = c["outline"]
        outlined = (
            outline["style"] not in ("none", "hidden")
            and px(outline["width"]) >= 1 - 0.01
            and (outline["style"] == "auto" or parse_rgb(outline["color"])[3] > 0)
        )
        if not (all(side_drawn(s) for s in c["sides"]) or outlined):
            bare.append(c["target"])
    if not bare:
        return []
    return [
        Problem(
            "forced-colors",
            "forced-colors-boundary",
            ("1.4.11",),
            tuple(bare),
            "no border or outline under forced colours: the control has no visible edge",
        )
    ]


# -- reduced motion (2.3.3) ---------------------------------------------------------------


def reduced_motion_problems(page: Page, tabs: int = 12, hovers: int = 12) -> list[Problem]:
    """With prefers-reduced-motion: reduce, nothing animates after the reader tabs and
    hovers around, and no interactive element has a transition longer than 0s. Run in a
    context made with reduced_motion="reduce"."""
    for _ in range(tabs):
        page.keyboard.press("Tab")
    for x, y in page.evaluate(script("hover_points"), hovers):
        page.mouse.move(x, y)
    found = page.evaluate(script("motion"))
    problems = []
    names = sorted({str(a["name"]) for a in found["running"]})
    if found["running"]:
        problems.append(
            Problem(
                "reduced-motion",
                "motion-animation",
                ("2.3.3",),
                tuple(dict.fromkeys(a["target"] for a in found["running"])),
                f"still running under reduced motion: {', '.join(names)}",
            )
        )
    if found["slow"]:
        durations = sorted({s["duration"] for s in found["slow"]})
        problems.append(
            Problem(
                "reduced-motion",
                "motion-transition",
                ("2.3.3",),
                tuple(s["target"] for s in found["slow"]),
                f"transition-duration {', '.join(durations)} under reduced motion, want 0s",
            )
        )
    return problems
