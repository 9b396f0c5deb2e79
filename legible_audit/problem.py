"""What a check returns: one thing wrong, readable on one line."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# What a check concluded about its targets. A check that cannot decide says REVIEW (a
# person must look: never a failure by default); one that could not run on this page
# says ERROR (the page was not checked by it, which is not the page's fault).
FAIL, REVIEW, ERROR = "fail", "review", "error"
OUTCOMES = (FAIL, REVIEW, ERROR)


@dataclass(frozen=True)
class Problem:
    """One thing wrong, readable on one line."""

    # axe, focus, keyboard, skip-link, target-size, non-text-contrast, lang, text-spacing,
    # forced-colors, reduced-motion, text-contrast, font-scale, reflow, first-screen, page
    check: str
    rule: str  # an axe rule id or our own check's id
    criteria: tuple[str, ...]  # WCAG success criteria and tags, e.g. ("1.4.6", "wcag2aaa")
    targets: tuple[str, ...]  # CSS selectors (`host >>> inner` inside a shadow root)
    message: str = ""
    outcome: str = FAIL  # FAIL, REVIEW or ERROR

    def line(self, where: str = "") -> str:
        crit = ", ".join(self.criteria) or "-"
        shown = list(self.targets[:4])
        if len(self.targets) > 4:
            shown.append(f"… {len(self.targets) - 4} more")
        parts = [where, self.rule, f"WCAG {crit}", " | ".join(shown) or "-", self.message]
        return " · ".join(p for p in parts if p)


def criteria_from_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """axe tags -> ('1.4.3', 'wcag2aa', ...): success criteria first, then levels."""
    sc, levels = [], []
    for tag in tags:
        m = re.fullmatch(r"wcag(\d)(\d)(\d+)", tag)
        if m:
            sc.append(".".join(m.groups()))
        elif re.fullmatch(r"wcag2\d?a{1,3}|best-practice", tag):
            levels.append(tag)
    return (*sc, *levels)
