"""What a run found: one finding per (url, variant, rule, selector), and each task's
outcome per check. Pure data: the reports and the baseline read it without a browser.

Outcomes: a finding *fails* (it counts toward the exit status) or *needs review* (a
check, or axe, could not decide: listed apart, never failing unless --fail-on
review). A check with no finding on a task *passed*, or was *inapplicable* (nothing
on the page for it to test). A page the audit could not load or check is an
*error*: the task's `error`, never a finding (exit status 3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .problem import ERROR, FAIL, REVIEW, Problem
from .registry import LOAD as LOAD  # the pseudo-check of a page not in its variant
from .registry import act_for

# Outcomes of a check on one task, besides FAIL and REVIEW (problem.py).
PASSED, INAPPLICABLE = "passed", "inapplicable"
# Rule ids that older runs gave a page that did not load or whose checks broke: such
# a page is now the task's `error`, and never a known finding in a baseline. (A
# variant the widget did not apply, or a page without the widget, is a real finding.)
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
    outcome: str = FAIL  # FAIL or REVIEW

    @property
    def act(self) -> tuple[str, ...]:
        """The W3C ACT rules this finding fails (legible_audit/registry.py)."""
        return act_for(self.check, self.rule) if self.outcome == FAIL else ()

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
            "act": list(self.act),
            "outcome": self.outcome,
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
    outcomes: dict[str, str] = field(default_factory=dict)  # check -> its outcome here
    check_errors: list[str] = field(default_factory=list)  # "check: why" it could not run

    @property
    def complete(self) -> bool:
        """Every check ran: a baseline entry missing from here is fixed."""
        return self.error is None and not self.check_errors

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if f.outcome == FAIL]

    @property
    def to_review(self) -> list[Finding]:
        return [f for f in self.findings if f.outcome == REVIEW]


def check_outcomes(
    checks: tuple[str, ...],
    findings: list[Finding],
    applicable: dict[str, bool],
    errors: dict[str, str],
) -> dict[str, str]:
    """Each check's outcome on one task: error, fail, review, inapplicable or passed."""
    out = {}
    for check in checks:
        mine = {f.outcome for f in findings if f.check == check}
        if check in errors:
            out[check] = ERROR
        elif FAIL in mine:
            out[check] = FAIL
        elif REVIEW in mine:
            out[check] = REVIEW
        elif not applicable.get(check, True):
            out[check] = INAPPLICABLE
        else:
            out[check] = PASSED
    return out


def findings_from(
    url: str,
    variant: str,
    problems: list[Problem],
    axe_raw: dict[str, Any] | None = None,
) -> list[Finding]:
    """One finding per problem target; an axe finding carries axe's node for it. A
    problem whose outcome is ERROR is not a finding: the caller reports it apart."""
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
        if p.outcome == ERROR:
            continue
        for selector in p.targets or ("",):
            shown = nodes.get((p.rule, selector)) if p.check == "axe" else None
            out.append(
                Finding(
                    url,
                    variant,
                    p.check,
                    p.rule,
                    p.criteria,
                    selector,
                    p.message,
                    raw=shown,
                    outcome=p.outcome,
                )
            )
    return list(dict.fromkeys(out))
