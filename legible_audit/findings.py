"""What a run found: one finding per (url, variant, rule, selector), and each task's
outcome. Pure data: the reports and the baseline read it without a browser."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .problem import Problem

# The checks each kind of task runs, in order: a JUnit testcase each.
CELL_CHECKS = (
    "first-screen",
    "axe",
    "focus",
    "target-size",
    "non-text-contrast",
    "lang",
    "text-contrast",
    "reflow",
    "text-spacing",
)
PAGE_CHECKS = (
    "keyboard",
    "skip-link",
    "orientation",
    "viewport",
    "forced-colors",
    "reduced-motion",
)
LOAD = "page"  # the check name of a page that did not load, or not in its variant
# A page that did not load, or whose checks broke, was not checked: new in every run
# it happens, never a known finding, so never in a baseline. (A variant the widget
# did not apply, or a page without the widget, is a real finding and can be known.)
NOT_CHECKED = ("page-load", "page-check")

Key = tuple[str, str, str, str]  # url, variant, rule, selector


@dataclass(frozen=True)
class Finding:
    url: str
    variant: str
    check: str
    rule: str
    criteria: tuple[str, ...]
    selector: str
    message: str
    screenshot: str | None = field(default=None, compare=False)  # data: URI (JPEG)
    raw: dict[str, Any] | None = field(default=None, compare=False, hash=False)  # axe's node

    @property
    def key(self) -> Key:
        # A page that does not load is reported by whichever of its tasks got there
        # first (a race with --jobs 2): its key is the URL alone.
        variant = "" if self.rule == "page-load" else self.variant
        return (self.url, variant, self.rule, self.selector)

    @property
    def checked(self) -> bool:
        """A finding about the page, not about its failing to be checked."""
        return self.rule not in NOT_CHECKED

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "variant": self.variant,
            "check": self.check,
            "rule": self.rule,
            "criteria": list(self.criteria),
            "selector": self.selector,
            "message": self.message,
            "screenshot": self.screenshot,
            "axe": self.raw,
        }


@dataclass
class TaskResult:
    """One url × variant: which checks ran, what they found, or why it could not run."""

    url: str
    variant: str
    theme: str | None
    checks: tuple[str, ...]
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # the page did not load (its findings hold one `page` finding)
    axe: dict[str, Any] | None = None  # axe's raw violations and incomplete
    review: list[str] = field(default_factory=list)  # axe incomplete, non-contrast
    axe_rules: list[str] = field(default_factory=list)  # the rules axe evaluated
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        """Every check ran: a baseline entry missing from here is fixed."""
        return self.error is None


def findings_from(
    url: str,
    variant: str,
    problems: list[Problem],
    axe_raw: dict[str, Any] | None = None,
) -> list[Finding]:
    """One finding per problem target; an axe finding carries axe's node for it."""
    nodes: dict[tuple[str, str], dict[str, Any]] = {}
    shown: dict[str, Any] | None
    for kind, rules in (axe_raw or {}).items():
        for rule in rules:
            for node in rule.get("nodes", []):
                selector = " ".join(map(str, node.get("target", [])))
                raw = {k: v for k, v in rule.items() if k != "nodes"}
                nodes[(rule["id"], selector)] = {**raw, "result": kind, "node": node}
    out = []
    for p in problems:
        for selector in p.targets or ("",):
            shown = nodes.get((p.rule, selector)) if p.check == "axe" else None
            out.append(
                Finding(url, variant, p.check, p.rule, p.criteria, selector, p.message, raw=shown)
            )
    return list(dict.fromkeys(out))
