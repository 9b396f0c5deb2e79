"""The article first: where a page's title and its first text land on the first screen.

A reader at 200 % text on a phone must not scroll past the site's controls to reach
what they came for. On a freshly loaded page, scrolled to the top:
- the page's `h1` starts in the top half of the viewport;
- the first block of content after it (a paragraph, list item, figure or heading,
  not the date line) starts on the first screen.
A page without an h1, or without a block of text after it, has nothing to place: the
check does not apply (axe's page-has-heading-one reports a missing h1).
Not a WCAG success criterion: the W3C note "Accessibility Requirements for People
with Low Vision" (keeping the reader's place, 3.4) and Legible's own promise.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from .problem import Problem
from .scripts import script

CRITERIA = ("low-vision-note",)


def judge_first_screen(found: dict[str, Any]) -> list[Problem]:
    vh = float(found["vh"])
    h1, content = found["h1"], found["content"]
    if h1 is None:
        return []  # nothing to place: inapplicable
    problems = []
    if h1["top"] > vh / 2:
        screens = h1["top"] / vh
        problems.append(
            Problem(
                "first-screen",
                "first-screen-h1",
                CRITERIA,
                (h1["target"],),
                f"the title starts {screens:.2f} screens down (want the top half)",
            )
        )
    if content is not None and content["top"] >= vh:
        screens = content["top"] / vh
        problems.append(
            Problem(
                "first-screen",
                "first-screen-content",
                CRITERIA,
                (content["target"],),
                f"the content starts {screens:.2f} screens down (want the first screen)",
            )
        )
    return problems


def first_screen_problems(page: Page) -> list[Problem]:
    return judge_first_screen(page.evaluate(script("first_screen")))
