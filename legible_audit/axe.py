"""axe-core: WCAG 2.0-2.2 A/AA and best practice, plus 7:1 contrast on AAA themes."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from .problem import ERROR, REVIEW, Problem, criteria_from_tags

AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice")
CONTRAST_RULES = ("color-contrast", "color-contrast-enhanced")


@dataclass
class AxeOutcome:
    problems: list[Problem] = field(default_factory=list)
    # rule ids axe evaluated: passed, failed, incomplete, or inapplicable (nothing to test)
    ran: set[str] = field(default_factory=set)
    review: list[str] = field(default_factory=list)  # incomplete, non-contrast: for a human
    raw: dict[str, Any] = field(default_factory=dict)  # axe's violations and incomplete, as is


@cache
def _axe() -> Axe:
    return Axe()


def axe_options(level: str) -> dict[str, Any]:
    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": list(AXE_TAGS)},
        "resultTypes": ["violations", "incomplete"],
    }
    if level == "AAA":
        # wcag2aaa is not in the tag list; enable the one AAA rule the theme promises.
        options["rules"] = {"color-contrast-enhanced": {"enabled": True}}
    return options


def run_axe(page: Page, level: str) -> AxeOutcome:
    """axe with the WCAG 2.0-2.2 A/AA and best-practice tags (+ 7:1 contrast for AAA).

    Every violation is a problem. An incomplete contrast result (axe could not decide:
    a background image, a gradient, text over other text) is one for review, with the
    reason axe gives; other incomplete rules are listed in `review`. A contrast rule
    that did not run at all is an error of the set-up, not a finding about the page.
    """
    response = _axe().run(page, options=axe_options(level)).response
    out = AxeOutcome()
    out.raw = {k: response.get(k, []) for k in ("violations", "incomplete")}
    for kind in ("passes", "violations", "incomplete", "inapplicable"):
        out.ran.update(r["id"] for r in response.get(kind, []))
    for rule in response["violations"]:
        out.problems.append(_axe_problem(rule, rule.get("help", "")))
    for rule in response["incomplete"]:
        if rule["id"] in CONTRAST_RULES:
            out.problems.append(_axe_problem(rule, "axe could not decide", REVIEW))
        else:
            out.review.append(rule["id"])
    expected = ["color-contrast"] + (["color-contrast-enhanced"] if level == "AAA" else [])
    for rule_id in expected:
        if rule_id not in out.ran:
            out.problems.append(
                Problem("axe", rule_id, (), (), "did not run: check the axe options", ERROR)
            )
    return out


def _axe_problem(rule: dict[str, Any], message: str, outcome: str = "fail") -> Problem:
    targets = tuple(" ".join(map(str, node["target"])) for node in rule["nodes"])
    detail = ""
    if rule["nodes"]:
        summary = rule["nodes"][0].get("failureSummary") or ""
        detail = " ".join(summary.split())[:300]
        if not detail:
            checks = rule["nodes"][0].get("any", []) + rule["nodes"][0].get("all", [])
            detail = "; ".join(c.get("message", "") for c in checks)[:200]
    text = f"{message} ({detail})" if detail else message
    criteria = criteria_from_tags(rule.get("tags", []))
    return Problem("axe", rule["id"], criteria, targets, text, outcome)
