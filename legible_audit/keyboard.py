"""The keyboard: a Tab walk from the top of the page (no trap, 2.1.2; every stop judged
as `focus` judges it) and the skip link (2.4.1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page

from .focus import FOCUS_CRITERIA, judge_focus
from .problem import Problem
from .scripts import script

MAX_TAB_STOPS = 80


@dataclass
class TabWalk:
    stops: list[dict[str, Any]]
    problems: list[Problem]


def tab_walk(page: Page, limit: int = MAX_TAB_STOPS) -> TabWalk:
    """Press Tab from the top of a freshly loaded page until focus leaves the page, comes
    back round, or `limit` stops; judge every stop as `focus_problems` does, and report
    a trap (2.1.2) if focus cycles without ever leaving the page."""
    page.evaluate(script("tab_setup"))
    stops: list[dict[str, Any]] = []
    seen: set[int] = set()
    problems: list[Problem] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        item = page.evaluate(script("tab_stop"))
        if item is None:
            break  # past the last stop: focus went back to the document
        if item["key"] in seen:
            if item["key"] != stops[0]["key"]:
                problems.append(
                    Problem(
                        "keyboard",
                        "focus-trap",
                        FOCUS_CRITERIA["focus-trap"],
                        (item["target"],),
                        f"Tab came back to this element after {len(stops)} stops",
                    )
                )
            break
        seen.add(item["key"])
        stops.append(item)
    if not stops:
        problems.append(
            Problem("keyboard", "focus-setup", (), ("body",), "Tab never focused anything")
        )
    return TabWalk(stops, judge_focus(stops, "keyboard") + problems)


# -- skip link (2.4.1) ------------------------------------------------------------

SKIP_CRITERIA = ("2.4.1",)


def skip_link_problems(page: Page, walk: TabWalk) -> list[Problem]:
    """The first Tab stop is a link to <main> (or into it), it is on screen and on top
    when focused, and Enter on it moves focus into <main>. Run after `tab_walk`."""
    problems = []
    first = walk.stops[0] if walk.stops else None
    if first is None or not first["skipsToMain"]:
        got = first["target"] if first else "nothing"
        problems.append(
            Problem(
                "skip-link",
                "skip-link-first",
                SKIP_CRITERIA,
                (got,),
                "the first Tab stop is not a link to <main>",
            )
        )
    else:
        box = first["box"]
        if first["coveredBy"] or box["width"] < 1 or box["height"] < 1:
            problems.append(
                Problem(
                    "skip-link",
                    "skip-link-visible",
                    ("2.4.1", "2.4.7"),
                    (first["target"],),
                    f"focused skip link is not visible ({first['coveredBy'] or 'no size'})",
                )
            )
    # Activate the skip link (the first one found, wherever it is) with the keyboard.
    if not page.evaluate(script("find_skip")):
        return problems  # none at all: skip-link-first says so
    page.locator("[data-legible-skip]").first.focus()
    page.keyboard.press("Enter")
    found = page.evaluate(script("skip_target"))
    if not found["inMain"]:
        problems.append(
            Problem(
                "skip-link",
                "skip-link-target",
                SKIP_CRITERIA,
                ("[data-legible-skip]",),
                f"after Enter focus is on {found['active']}, not in <main>",
            )
        )
    return problems
