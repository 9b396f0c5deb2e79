"""The device's and OS's modes: forced colours (Windows High Contrast), reduced motion
(2.3.3), orientation (1.3.4) and pinch zoom (1.4.4)."""

from __future__ import annotations

import re

from playwright.sync_api import Page

from .colour import parse_rgb, px, side_drawn
from .nontext import CONTROLS, NATIVE_TOGGLE
from .problem import REVIEW, Problem
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


# -- orientation (1.3.4) and zoom (1.4.4) -------------------------------------------

ORIENTATION_TOLERANCE_DEG = 1.0


def orientation_problems(page: Page) -> list[Problem]:
    """No element is turned a quarter turn between portrait and landscape by a style
    rule under an orientation media query (ACT b33eff: that undoes the device's own
    rotation, locking the content to one orientation). The viewport is turned to find
    out, and turned back. A page whose style sheets come from another origin cannot
    all be read: if nothing readable locks it, that is for review."""
    found = page.evaluate(script("orientation"), "find")
    size = page.viewport_size
    problems: list[Problem] = []
    if found["count"] and size and size["width"] != size["height"]:
        before = page.evaluate(script("orientation"), "angles")
        page.set_viewport_size({"width": size["height"], "height": size["width"]})
        try:
            after = page.evaluate(script("orientation"), "angles")
        finally:
            page.set_viewport_size(size)
        locked = []
        for one, other in zip(before, after, strict=True):
            turn = (one["deg"] - other["deg"]) % 360
            if min(abs(turn - 90), abs(turn - 270)) <= ORIENTATION_TOLERANCE_DEG:
                locked.append(one["target"])
        if locked:
            problems.append(
                Problem(
                    "orientation",
                    "orientation-lock",
                    ("1.3.4",),
                    tuple(locked),
                    "turned a quarter turn in one orientation only: the content stays "
                    "locked to the other",
                )
            )
    if not problems and found["unreadable"]:
        problems.append(
            Problem(
                "orientation",
                "orientation-lock",
                ("1.3.4",),
                ("html",),
                f"{found['unreadable']} style sheet(s) from another origin could not be read "
                "for orientation rules",
                REVIEW,
            )
        )
    return problems


_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?", re.IGNORECASE)


def _viewport_number(value: str) -> float | None:
    """A viewport value as the CSS Device Adaptation translation reads it: yes 1, no 0,
    device-width/height None (large), a leading number, anything else 0."""
    value = value.strip().lower()
    if value in ("device-width", "device-height"):
        return None
    if value == "yes":
        return 1.0
    m = _NUMBER.match(value)
    return float(m.group(0)) if m else 0.0


def viewport_zoom_problem(content: str) -> str | None:
    """Why a `<meta name=viewport>` content stops a reader zooming to 200 %, or None
    (ACT b4f0c3: user-scalable not fixed, maximum-scale not below 2)."""
    pairs = {}
    for part in re.split(r"[,;]", content):
        key, _, value = part.partition("=")
        if key.strip():
            pairs[key.strip().lower()] = value.strip()
    if "user-scalable" in pairs:
        n = _viewport_number(pairs["user-scalable"])
        if n is not None and -1 < n < 1:
            return f"user-scalable={pairs['user-scalable']} stops zooming"
    if "maximum-scale" in pairs:
        n = _viewport_number(pairs["maximum-scale"])
        if n is not None and 0 <= n < 2:
            return f"maximum-scale={pairs['maximum-scale']} stops zooming to 200%"
    return None


def viewport_problems(page: Page) -> list[Problem]:
    """Every `<meta name=viewport>` lets a reader zoom to 200 % (1.4.4, ACT b4f0c3).
    axe's meta-viewport misses invalid values (user-scalable=invalid)."""
    contents = page.evaluate(
        "() => [...document.querySelectorAll('meta[name=viewport i][content]')]"
        ".map((m) => m.getAttribute('content'))"
    )
    found = [why for c in contents if (why := viewport_zoom_problem(c))]
    return [
        Problem("viewport", "viewport-zoom", ("1.4.4",), ('meta[name="viewport"]',), why)
        for why in found
    ]
