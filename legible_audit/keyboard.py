"""The keyboard: a Tab walk from the top of the page (no trap, 2.1.2; every stop judged
as `focus` judges it) and the skip link (2.4.1).

A keyboard trap is judged as ACT 80af7b (a1b64e, ebe86a) judges it: focus that comes
round without ever reaching the browser's UI is trapped only if Tab, Shift+Tab and
Escape all fail to take it out (standard navigation), and no key the page's visible
help names (say "Ctrl+M"), found on the page or behind a control in the trap, does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Page

from .focus import FOCUS_CRITERIA, judge_focus
from .problem import ERROR, FAIL, REVIEW, Problem
from .scripts import script

MAX_TAB_STOPS = 80
# A trap's focus handlers often move focus back from a timer (ACT 80af7b's examples use
# 10 ms): each stop is read after this long.
SETTLE_MS = 25
MAX_ESCAPE_PRESSES = 20


@dataclass
class TabWalk:
    stops: list[dict[str, Any]]
    problems: list[Problem]
    focusable: int = 0  # elements in the tab order; 0: nothing to walk
    trapped: list[dict[str, Any]] = field(default_factory=list)


def _stop(page: Page) -> dict[str, Any] | None:
    item: dict[str, Any] | None = page.evaluate(script("tab_stop"), SETTLE_MS)
    return item


def _leaves(page: Page, start: dict[str, Any], key: str) -> bool:
    """From `start`, does pressing `key` again and again reach the browser's UI?"""
    if not page.evaluate(script("focus_stop"), start["key"]):
        return True  # it no longer exists: nothing holds focus there
    seen: set[int] = set()
    for _ in range(MAX_ESCAPE_PRESSES):
        page.keyboard.press(key)
        item = _stop(page)
        if item is None:
            return True
        if item["key"] in seen:
            return False
        seen.add(item["key"])
    return False


def _leaves_after(page: Page, start: dict[str, Any], keys: str) -> bool:
    """Focus `start`, press `keys` once (Escape, or a combination the help names),
    then Tab on: does focus reach the browser's UI?"""
    if not page.evaluate(script("focus_stop"), start["key"]):
        return True
    page.keyboard.press(keys)
    item = _stop(page)
    return item is None or _leaves(page, item, "Tab")


# "Ctrl+M", "Control + Alt + X", "press F6": the keys a page's help can name.
_MODIFIER = r"(?:ctrl|control|alt|option|shift|cmd|command|meta)"
_KEYS = re.compile(
    rf"\b((?:{_MODIFIER}\s*\+\s*)+)([a-z0-9]|f\d{{1,2}}|esc(?:ape)?|enter|tab|space|home|end)\b",
    re.IGNORECASE,
)
_PLAYWRIGHT = {
    "ctrl": "Control",
    "control": "Control",
    "alt": "Alt",
    "option": "Alt",
    "shift": "Shift",
    "cmd": "Meta",
    "command": "Meta",
    "meta": "Meta",
    "esc": "Escape",
    "escape": "Escape",
    "enter": "Enter",
    "tab": "Tab",
    "space": "Space",
    "home": "Home",
    "end": "End",
}


def help_keys(text: str) -> list[str]:
    """The key combinations a page's help text names, as Playwright writes them."""
    out = []
    for m in _KEYS.finditer(text):
        mods = [_PLAYWRIGHT[p.strip().lower()] for p in m.group(1).split("+") if p.strip()]
        key = m.group(2)
        key = _PLAYWRIGHT.get(key.lower(), key.upper() if len(key) > 1 else key.lower())
        out.append("+".join([*mods, key]))
    return list(dict.fromkeys(out))


def _escapes(page: Page, cycle: list[dict[str, Any]]) -> str | None:
    """How focus gets out of `cycle`, or None: standard keys first, then the help's."""
    start = cycle[0]
    if _leaves(page, start, "Shift+Tab") or _leaves_after(page, start, "Escape"):
        return "standard"
    helps = help_keys(page.evaluate(script("page_text")))
    for stop in cycle:  # help behind a control in the trap ("How do I leave?")
        if helps or not stop["activates"]:
            break
        if page.evaluate(script("focus_stop"), stop["key"]):
            page.keyboard.press("Enter")
            helps = help_keys(page.evaluate(script("page_text")))
    for keys in helps:
        if _leaves_after(page, start, keys):
            return keys
    return None


def tab_walk(page: Page, limit: int = MAX_TAB_STOPS) -> TabWalk:
    """Press Tab from the top of a freshly loaded page until focus leaves the page (for
    the browser's UI), comes round, or `limit` stops; judge every stop as
    `focus_problems` does. Focus that comes round without leaving is a trap (2.1.2)
    unless standard keys or the page's documented keys take it out."""
    focusable = int(page.evaluate(script("tab_setup")))
    stops: list[dict[str, Any]] = []
    seen: dict[int, int] = {}
    problems: list[Problem] = []
    cycle: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        item = _stop(page)
        if item is None:
            break  # past the last stop: focus went to the browser's UI
        if item["key"] in seen:
            cycle = stops[seen[item["key"]] :]
            break
        seen[item["key"]] = len(stops)
        stops.append(item)
    walk = TabWalk(stops, [], focusable)
    if cycle and _escapes(page, cycle) is None:
        walk.trapped = cycle
        problems.append(
            Problem(
                "keyboard",
                "focus-trap",
                FOCUS_CRITERIA["focus-trap"],
                tuple(s["target"] for s in cycle),
                f"focus goes round {len(cycle)} element(s) and never leaves the page: "
                "Tab, Shift+Tab and Escape keep it, and no help on the page names a key "
                "that frees it",
            )
        )
    if focusable and not stops:
        problems.append(
            Problem(
                "keyboard",
                "focus-setup",
                (),
                ("body",),
                f"Tab focused nothing, though {focusable} element(s) are in the tab order",
                ERROR,
            )
        )
    walk.problems = judge_focus(stops, "keyboard") + problems
    return walk


# -- skip link (2.4.1) ------------------------------------------------------------

SKIP_CRITERIA = ("2.4.1",)


def _skip(
    rule: str,
    target: str,
    message: str,
    criteria: tuple[str, ...] = SKIP_CRITERIA,
    outcome: str = FAIL,
) -> Problem:
    return Problem("skip-link", rule, criteria, (target,), message, outcome)


def skip_link_problems(page: Page, walk: TabWalk) -> list[Problem]:
    """The first Tab stop is a same-page link to the main content (<main>, inside it,
    around it or just before it), it is on screen and on top when focused, and
    activating it with Enter moves the reader there: focus goes into the target, or (a
    target that takes no focus) the next Tab lands inside or after it. Without <main>
    the audit cannot tell where the main content starts: a working link there is for
    review. Run after `tab_walk`. A page with nothing in its tab order, or not an HTML
    page, has nothing to skip: inapplicable."""
    if not walk.stops or not page.evaluate("() => !!document.body"):
        return []
    problems = []
    first = walk.stops[0]
    skip = first["skip"]
    if skip is None:
        problems.append(
            _skip("skip-link-first", first["target"], "the first Tab stop is not a same-page link")
        )
    elif not skip["found"]:
        problems.append(
            _skip("skip-link-target", first["target"], f"links to {skip['href']}: not on the page")
        )
    elif not skip["after"] or skip["toMain"] is False:
        where = "before the link" if not skip["after"] else "not the main content"
        problems.append(
            _skip("skip-link-target", first["target"], f"links to {skip['dest']}, {where}")
        )
    elif skip["toMain"] is None:
        problems.append(
            _skip(
                "skip-link-target",
                first["target"],
                f"links to {skip['dest']}; the page has no <main>, so whether that is where "
                "the main content starts needs a person",
                outcome=REVIEW,
            )
        )
    if skip is not None:
        box = first["box"]
        if first["coveredBy"] or box["width"] < 1 or box["height"] < 1:
            problems.append(
                _skip(
                    "skip-link-visible",
                    first["target"],
                    f"focused skip link is not visible ({first['coveredBy'] or 'no size'})",
                    ("2.4.1", "2.4.7"),
                )
            )
    if any(p.rule == "skip-link-target" and p.outcome == FAIL for p in problems):
        return problems  # it goes nowhere useful: nothing to activate
    # Activate the skip link (the first one found, wherever it is) with the keyboard.
    if not page.evaluate(script("find_skip"), first["key"]):
        return problems  # none at all: skip-link-first says so
    page.locator("[data-legible-skip]").first.focus()
    page.keyboard.press("Enter")
    entered = page.evaluate(script("skip_target"), ["enter", SETTLE_MS])
    if entered["inDest"]:
        return problems  # focus moved into the target
    page.keyboard.press("Tab")
    tabbed = page.evaluate(script("skip_target"), ["tab", SETTLE_MS])
    # Nothing focusable in or after the target: Tab leaves the page (or comes round),
    # and the fragment shows the starting point moved.
    moved = tabbed["last"] and entered["targeted"]
    if not (tabbed["inDest"] or tabbed["afterDest"] or moved):
        problems = [p for p in problems if p.outcome == FAIL]  # it fails, whatever the target
        problems.append(
            _skip(
                "skip-link-target",
                "[data-legible-skip]",
                f"after Enter and Tab focus is on {tabbed['active']}, not in or after "
                f"{tabbed['dest']}",
            )
        )
    return problems
