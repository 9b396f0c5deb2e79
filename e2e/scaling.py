"""Larger text really grows: the widget's largest size step on a host page.

Read in the page by scaling.js, judged here:
- every element with text of its own grows by at least MIN_GROWTH (WCAG 1.4.4:
  200 % text; the step is 2×, rounding and minimum font sizes allowed for),
  content the host added after the step included;
- a heading larger than the body text before stays larger after;
- a line height set in px grows with its text (lines never overlap);
- the host's fixed elements stay fixed, and html/body get no zoom, transform or filter;
- Reset gives every element back exactly the font size and line height it had.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from legible_audit.problem import Problem

CHECK = "larger-text"
CRITERIA = ("1.4.4",)
MIN_GROWTH = 1.9
_JS = (Path(__file__).with_suffix(".js")).read_text(encoding="utf-8")


def remember_base(page: Page) -> int:
    """Record every element's sizes before the widget changes them; returns how many."""
    return int(page.evaluate(_JS, {"mode": "base", "late": False}))


def _problem(rule: str, targets: list[str], message: str) -> Problem:
    return Problem(CHECK, rule, CRITERIA, tuple(targets), message)


def judge_scaled(found: dict[str, Any], step: float) -> list[Problem]:
    samples = [s for s in found["samples"] if s["text"]]
    if not samples:
        return [_problem("text-grows", ["body"], "no text found on the page")]
    problems = []
    small: dict[str, list[str]] = {}
    for s in samples:
        growth = s["now"]["fs"] / s["was"]["fs"]
        if growth < MIN_GROWTH:
            what = "added after the step: " if s["late"] else ""
            sizes = f"{s['was']['fs']:g}px → {s['now']['fs']:g}px"
            key = f"{what}{sizes} ({growth:.2f}×, want ≥ {MIN_GROWTH}× at {step:g}×)"
            small.setdefault(key, []).append(s["target"])
    problems += [_problem("text-grows", targets, key) for key, targets in small.items()]
    body = [s for s in samples if not s["heading"]]
    if body:
        body_was = statistics.median(s["was"]["fs"] for s in body)
        body_now = statistics.median(s["now"]["fs"] for s in body)
        shrunk = [
            s["target"]
            for s in samples
            if s["heading"] and s["was"]["fs"] > body_was and s["now"]["fs"] <= body_now
        ]
        if shrunk:
            message = f"headings no larger than the body text ({body_now:g}px) any more"
            problems.append(_problem("headings-stay-larger", shrunk, message))
    tight = [
        s["target"]
        for s in samples
        if s["was"]["lh"]
        and s["now"]["lh"] is not None
        and s["now"]["lh"] / s["now"]["fs"] < s["was"]["lh"] / s["was"]["fs"] - 0.05
    ]
    if tight:
        problems.append(
            _problem(
                "line-height-grows", tight, "line height did not grow with the text: lines overlap"
            )
        )
    unfixed = [
        s["target"] for s in found["samples"] if s["was"]["position"] != s["now"]["position"]
    ]
    if unfixed:
        problems.append(_problem("position-kept", unfixed, "the host's positioning changed"))
    for name, value in zip(("html", "body"), found["page"], strict=True):
        if value.split() != ["none", "none", "1", value.split()[-1]]:
            problems.append(_problem("no-zoom", [name], f"transform, filter, zoom: {value}"))
    return problems


def scaled_problems(page: Page, step: float, late: bool = False) -> list[Problem]:
    """After the largest step: against the sizes `remember_base` recorded. `late`: ask the
    host to add content first (window.hostAddStories, hostNavigate)."""
    return judge_scaled(page.evaluate(_JS, {"mode": "scaled", "late": late}), step)


def reset_problems(page: Page) -> list[Problem]:
    changed = page.evaluate(_JS, {"mode": "reset", "late": False})["changed"]
    found: dict[str, list[str]] = {}
    for item in changed:
        was, now = item["was"], item["now"]
        key = f"font {was['fs']:g}px → {now['fs']:g}px, line height {was['lh']} → {now['lh']}"
        found.setdefault(key, []).append(item["target"])
    return [
        _problem("reset-exact", targets, f"after Reset: {key}") for key, targets in found.items()
    ]


# Two frames and a task after the panel closed: long enough for anything the widget
# scheduled while it was open (reading sizes ahead of a step) to have run.
_LEFT_ON_PAGE = """() => new Promise((done) => requestAnimationFrame(() => setTimeout(() =>
  done([...document.querySelectorAll("[data-legible-fs],[data-legible-lh],[data-legible-grow]")]
    .slice(0, 5).map((e) => e.localName + (e.className ? "." + e.className : ""))), 50)))"""


def leftover_problems(page: Page) -> list[Problem]:
    """After Reset and closing the panel: nothing of the widget's is left on the page."""
    left = page.evaluate(_LEFT_ON_PAGE)
    if not left:
        return []
    return [_problem("reset-clean", left, "after Reset, closed: data-legible-* still on elements")]
