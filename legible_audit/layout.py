"""Layout: reflow (1.4.10) and target size (2.5.8, and Legible's own 44 px)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from .problem import Problem
from .scripts import script


def reflow_problems(page: Page) -> list[Problem]:
    """No horizontal scrolling at the current viewport width (WCAG 1.4.10)."""
    found = page.evaluate(script("reflow"))
    if found["scrollWidth"] <= found["innerWidth"]:
        return []
    return [
        Problem(
            "reflow",
            "reflow",
            ("1.4.10",),
            tuple(found["wide"]),
            f"scrollWidth {found['scrollWidth']}px > innerWidth {found['innerWidth']}px",
        )
    ]


# -- target size (2.5.8, and Legible's own 44 px) -----------------------------------

TARGET_MIN = 24.0  # WCAG 2.5.8 (AA)
OWN_TARGET_MIN = 44.0  # what Legible promises for its own controls (2.5.5, AAA)
# Legible's own controls. For a radio or checkbox the target is the input plus its
# label, which is what a reader actually hits.
OWN_CONTROLS = (
    ".controls button, form.search input, form.search button, .prefs-page input, "
    ".prefs-page button, details.prefs > summary, legible-widget"
)


def _gap(point: tuple[float, float], box: dict[str, float]) -> float:
    """Distance from a point to a target's box (0 inside it)."""
    dx = max(box["x"] - point[0], 0.0, point[0] - (box["x"] + box["w"]))
    dy = max(box["y"] - point[1], 0.0, point[1] - (box["y"] + box["h"]))
    return float((dx * dx + dy * dy) ** 0.5)


def judge_targets(items: list[dict[str, Any]]) -> list[Problem]:
    """Every target ≥ 24 × 24 CSS px, unless it is a link inside a sentence or the
    2.5.8 spacing exception holds (a 24 px circle on its centre touches no other target
    and no other undersized target's circle); Legible's own controls ≥ 44 × 44."""
    eps = 0.01
    small: dict[str, list[str]] = {}
    own_small: dict[str, list[str]] = {}

    def centre(i: dict[str, Any]) -> tuple[float, float]:
        return (i["x"] + i["w"] / 2, i["y"] + i["h"] / 2)

    def undersized(i: dict[str, Any]) -> bool:
        return not i["inline"] and (i["w"] < TARGET_MIN - eps or i["h"] < TARGET_MIN - eps)

    for i in items:
        size = f"{i['w']:.0f}×{i['h']:.0f}px"
        if i["own"]:
            if i["w"] < OWN_TARGET_MIN - eps or i["h"] < OWN_TARGET_MIN - eps:
                own_small.setdefault(size, []).append(i["target"])
            continue
        if not undersized(i):
            continue
        c = centre(i)
        crowded = any(
            o is not i
            and (
                (undersized(o) and not o["own"] and _dist(c, centre(o)) < TARGET_MIN - eps)
                or _gap(c, o) < TARGET_MIN / 2 - eps
            )
            for o in items
        )
        if crowded:
            small.setdefault(size, []).append(i["target"])
    problems = [
        Problem(
            "target-size",
            "target-size-24",
            ("2.5.8",),
            tuple(targets),
            f"{size} < {TARGET_MIN:g}×{TARGET_MIN:g}px, and too close to another target",
        )
        for size, targets in small.items()
    ]
    problems += [
        Problem(
            "target-size",
            "target-size-44",
            ("2.5.5",),
            tuple(targets),
            f"Legible's own control is {size} < {OWN_TARGET_MIN:g}×{OWN_TARGET_MIN:g}px",
        )
        for size, targets in own_small.items()
    ]
    return problems


def _dist(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5)


def target_size_problems(page: Page) -> list[Problem]:
    return judge_targets(page.evaluate(script("target_size"), OWN_CONTROLS))
