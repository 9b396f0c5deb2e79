"""Focus visible (2.4.7), focus appearance (2.4.13, 1.4.11) and focus not obscured
(2.4.11): axe has no rule for them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page

from .colour import NON_TEXT_MIN, RGBA, blend, composite, css, parse_rgb, px, wcag_ratio
from .problem import ERROR, FAIL, REVIEW, Problem
from .scripts import script


def _outline_drawn(style: dict[str, str]) -> bool:
    return (
        style["outlineStyle"] not in ("none", "hidden")
        and px(style["outlineWidth"]) > 0
        and (style["outlineStyle"] == "auto" or parse_rgb(style["outlineColor"])[3] > 0)
    )


_SHADOW = re.compile(
    r"(rgba?\([^)]*\)|transparent)((?:\s+-?[\d.]+px){2,4})(\s+inset)?|"
    r"((?:-?[\d.]+px\s+){2,4})(rgba?\([^)]*\))(\s+inset)?"
)


def parse_box_shadows(value: str) -> list[tuple[RGBA, float, float]]:
    """A computed box-shadow -> [(colour, spread px, blur px)]; Chromium writes the colour
    first ('rgb(0, 0, 0) 0px 0px 0px 2px')."""
    if not value or value == "none":
        return []
    out = []
    for m in _SHADOW.finditer(value):
        colour = m.group(1) or m.group(5)
        lengths = [px(v) for v in (m.group(2) or m.group(4)).split()]
        blur = lengths[2] if len(lengths) > 2 else 0.0
        spread = lengths[3] if len(lengths) > 3 else 0.0
        out.append((parse_rgb(colour), spread, blur))
    return out


@dataclass(frozen=True)
class Ring:
    """One way a focused element shows focus: an outline, a box-shadow ring or a border."""

    kind: str
    width: float
    colour: RGBA | None  # None: the browser's own two-tone ring (outline-style: auto)


def focus_rings(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Ring]:
    """The indicators that focus added or changed (with no baseline: whatever is drawn)."""
    rings = []
    outline_now = _outline_drawn(after)
    if outline_now and (
        before is None
        or not _outline_drawn(before)
        or any(before[k] != after[k] for k in ("outlineColor", "outlineWidth", "outlineStyle"))
    ):
        auto = after["outlineStyle"] == "auto"
        colour = None if auto else parse_rgb(after["outlineColor"])
        rings.append(Ring("outline", px(after["outlineWidth"]), colour))
    if after["boxShadow"] != "none" and (
        before is None or before["boxShadow"] != after["boxShadow"]
    ):
        for colour, spread, blur in parse_box_shadows(after["boxShadow"]):
            if colour[3] > 0:
                rings.append(Ring("box-shadow", max(spread, blur / 2), colour))
    if before is not None and before["border"] != after["border"]:
        widths = [px(w) for w in after["borderWidths"]]
        rings.append(Ring("border", min(widths), parse_rgb(after["borderColor"])))
    return rings


FOCUS_CRITERIA = {
    "focus-visible": ("2.4.7",),
    "focus-contrast": ("1.4.11", "2.4.13"),
    "focus-thickness": ("2.4.13",),
    "focus-obscured": ("2.4.11",),
    "focus-offscreen": ("2.4.7", "2.4.11"),
    "focus-trap": ("2.1.2",),
    "focus-setup": (),
}
FOCUS_MIN_PX = 2.0
_FOCUS_KEYS = (
    "outlineColor",
    "outlineWidth",
    "outlineStyle",
    "boxShadow",
    "border",
    "background",
    "decoration",
)


def ring_ratio(ring: Ring, around: RGBA) -> float:
    """A ring's contrast against the colour around the element (99 for the browser's
    own two-tone ring)."""
    if ring.colour is None:
        return 99.0
    return wcag_ratio(blend(ring.colour, around), around)


def judge_focus(items: list[dict[str, Any]], check: str = "focus") -> list[Problem]:
    """Each focused element: something visible changes (2.4.7); the change is an outline,
    ring or border ≥ 2 px (2.4.13) at ≥ 3:1 against the colour around it (1.4.11); the
    element is inside the page and its centre is not under another element (2.4.11).

    An `outline-style: auto` ring is the browser's own two-tone ring: it counts as
    thick and contrasting enough. An indicator drawn by something else (a parent, a
    box beside the element, its ::before or ::after: the item's `near` changes) counts
    as visible, and its rings are judged like the element's own; one that has no ring
    (a box that appears or fills) is for review, as its size is not measured.
    """
    problems: dict[tuple[str, str], list[str]] = {}
    notes: dict[tuple[str, str], str] = {}
    outcomes: dict[tuple[str, str], str] = {}

    def add(rule: str, what: str, target: str, note: str = "", outcome: str = FAIL) -> None:
        problems.setdefault((rule, what), []).append(target)
        outcomes[(rule, what)] = outcome
        if note:
            notes[(rule, what)] = note

    for item in items:
        if not item["focused"] or not item["focusVisible"]:
            continue  # cannot take focus here, or not in keyboard mode: nothing to judge
        before, after = item["before"], item["after"]
        near = item.get("near") or []
        rings = focus_rings(before, after)
        rings += [r for n in near for r in focus_rings(n["before"], n["after"])]
        changed = before is None or any(before[k] != after[k] for k in _FOCUS_KEYS)
        if not near and (not changed or (before is None and not rings)):
            add("focus-visible", "no visible change when focused", item["target"])
            continue
        around = composite([layer["color"] for layer in item["around"]])
        thick = [r for r in rings if r.colour is None or r.width >= FOCUS_MIN_PX - 0.01]
        if not rings and near:
            add(
                "focus-thickness",
                f"shown by {near[0]['target']}",
                item["target"],
                f"focus shows on {near[0]['target']}, with no outline, ring or border: "
                "whether it is large enough needs a person",
                REVIEW,
            )
        elif not rings:
            add(
                "focus-thickness",
                "only a colour or underline change",
                item["target"],
                "focus shows only as a colour or underline change: no outline, ring or "
                f"border of {FOCUS_MIN_PX:g}px",
            )
        elif not thick:
            widest = max(rings, key=lambda r: r.width)
            add(
                "focus-thickness",
                f"{widest.kind} {widest.width:g}px",
                item["target"],
                f"focus {widest.kind} {widest.width:g}px < {FOCUS_MIN_PX:g}px",
            )
        else:
            ring = max(thick, key=lambda r: ring_ratio(r, around))
            ratio = ring_ratio(ring, around)
            if ratio < NON_TEXT_MIN:
                assert ring.colour is not None
                shown = blend(ring.colour, around)
                add(
                    "focus-contrast",
                    f"{ring.kind} {css(shown)} on {css(around)}",
                    item["target"],
                    f"focus {ring.kind} {css(shown)} on {css(around)} is {ratio:.2f}:1 "
                    f"< {NON_TEXT_MIN}:1",
                )
        box = item["box"]
        if box["right"] <= 0 or box["bottom"] <= 0 or box["width"] < 1 or box["height"] < 1:
            add("focus-offscreen", "focused element is outside the page", item["target"])
        elif item["coveredBy"]:
            what = item["coveredBy"]
            note = f"{what} when focused" if what.startswith("not ") else f"covered by {what}"
            add("focus-obscured", what, item["target"], note)
    if items and not any(item["focusVisible"] for item in items):
        problems[("focus-setup", "no element matched :focus-visible")] = []
    return [
        Problem(
            check,
            rule,
            FOCUS_CRITERIA[rule],
            tuple(targets),
            notes.get((rule, what), what),
            ERROR if rule == "focus-setup" else outcomes[(rule, what)],
        )
        for (rule, what), targets in problems.items()
    ]


def focus_problems(page: Page) -> list[Problem]:
    """Every element in the tab order, focused in turn by script (so unchecked radios and
    the like are judged too), after one Tab so `:focus-visible` styles apply. Each is
    compared with its unfocused style by `judge_focus`."""
    page.keyboard.press("Tab")
    return judge_focus(page.evaluate(script("focus")), "focus")
