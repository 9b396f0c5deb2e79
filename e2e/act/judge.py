"""From the audit's JSON report to ACT outcomes: one per example and rule, the EARL
report (JSON-LD, the shape act-rules/act-tools reads from axe-core, Alfa and
QualWeb) and a readable table per rule.

An example of ACT rule R is *failed* when the audit reports, on its page, a finding
that fails R (the rule's procedures in legible_audit/registry.py); *cantTell* when
the only such findings need review, or the page could not be checked; otherwise
*passed* (ACT counts passed and inapplicable alike for a check that does not fail).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from legible_audit.registry import ACT_BY_ID, BY_ID, procedures
from service.version import __version__

from .cases import Case

FAILED, PASSED, CANT_TELL = "failed", "passed", "cantTell"
BAR = 0.95  # the share of failed examples the claimed rules must catch


@dataclass
class Page:
    """What the audit said about one URL."""

    findings: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


def pages_from(report: dict[str, Any]) -> dict[str, Page]:
    out: dict[str, Page] = defaultdict(Page)
    for task in report["tasks"]:
        if task.get("error"):
            out[task["url"]].error = task["error"]
        else:
            out[task["url"]]
    for f in report["findings"]:
        out[f["url"]].findings.append(f)
    return out


def _outcome(found: list[dict[str, Any]], error: str | None) -> str:
    if any(f.get("outcome", "fail") == "fail" for f in found):
        return FAILED
    if found or error:
        return CANT_TELL
    return PASSED


def procedure_outcomes(case: Case, page: Page | None) -> dict[tuple[str, str], str]:
    """(check, rule) -> outcome, for each procedure of the case's rule."""
    out = {}
    for proc in sorted(procedures(case.rule)):
        if page is None:
            out[proc] = CANT_TELL  # the audit never reported on this page
            continue
        found = [f for f in page.findings if (f["check"], f["rule"]) == proc]
        out[proc] = _outcome(found, page.error)
    return out


def rule_outcome(outcomes: Iterable[str]) -> str:
    seen = set(outcomes)
    return FAILED if FAILED in seen else CANT_TELL if CANT_TELL in seen else PASSED


@dataclass
class Row:
    rule: str
    name: str
    claimed: bool
    examples: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("passed", "failed", "inapplicable"), 0)
    )
    caught: int = 0
    missed: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)
    cant_tell: list[str] = field(default_factory=list)

    @property
    def meets_bar(self) -> bool:
        """0 false positives; failed examples caught is judged over all claimed rules."""
        return not self.false_positives

    @property
    def caught_share(self) -> float:
        failed = self.examples["failed"]
        return self.caught / failed if failed else 1.0


@dataclass
class Judged:
    rows: list[Row]
    outcomes: dict[Case, dict[tuple[str, str], str]]
    said: dict[Case, list[str]] = field(default_factory=dict)  # the procedures' findings

    @property
    def claimed(self) -> list[Row]:
        return [r for r in self.rows if r.claimed]

    def caught_share(self, rows: list[Row] | None = None) -> float:
        rows = self.claimed if rows is None else rows
        failed = sum(r.examples["failed"] for r in rows)
        return sum(r.caught for r in rows) / failed if failed else 1.0


def judge(cases: list[Case], pages: dict[str, Page], url_of: dict[Case, str]) -> Judged:
    rows: dict[str, Row] = {}
    outcomes = {}
    said: dict[Case, list[str]] = {}
    for case in cases:
        act = ACT_BY_ID[case.rule]
        row = rows.setdefault(case.rule, Row(case.rule, act.name, act.claimed))
        row.examples[case.expected] += 1
        page = pages.get(url_of[case])
        per = procedure_outcomes(case, page)
        outcomes[case] = per
        procs = procedures(case.rule)
        said[case] = [
            f"{f.get('outcome', 'fail')} {f['check']}/{f['rule']} {f['selector'] or '-'}: "
            f"{f['message']}"
            for f in (page.findings if page else [])
            if (f["check"], f["rule"]) in procs
        ] + ([f"error: {page.error}"] if page and page.error else [])
        got = rule_outcome(per.values())
        if case.expected == "failed":
            if got == FAILED:
                row.caught += 1
            else:
                row.missed.append(case.title)
        elif got == FAILED:
            row.false_positives.append(case.title)
        if got == CANT_TELL:
            row.cant_tell.append(case.title)
    return Judged(list(rows.values()), outcomes, said)


# -- EARL --------------------------------------------------------------------------

CONTEXT = {
    "@vocab": "http://www.w3.org/ns/earl#",
    "earl": "http://www.w3.org/ns/earl#",
    "WCAG2": "http://www.w3.org/TR/WCAG21/#",
    "dct": "http://purl.org/dc/terms/",
    "sch": "https://schema.org/",
    "doap": "http://usefulinc.com/ns/doap#",
    "testRuns": "@graph",
    "name": "doap:name",
    "shortDesc": "doap:shortdesc",
    "release": "doap:release",
    "revision": "doap:revision",
    "source": "doap:source",
    "title": "dct:title",
    "WebPage": "sch:WebPage",
    "assertedBy": {"@type": "@id"},
    "outcome": {"@type": "@id"},
    "mode": {"@type": "@id"},
    "isPartOf": {"@id": "dct:isPartOf", "@type": "@id"},
    "assertions": {"@reverse": "subject"},
}


def earl(judged: Judged) -> dict[str, Any]:
    """One test subject per example (its ACT website URL), one assertion per procedure:
    the test's title is the audit's `check/rule`, part of the WCAG criteria it tests."""
    runs = []
    for case, per in judged.outcomes.items():
        assertions = []
        for (check, rule), outcome in per.items():
            parts = [
                {"@type": "TestRequirement", "title": f"WCAG2: {sc}"}
                for sc in BY_ID[check].criteria
                if sc[0].isdigit()
            ]
            assertions.append(
                {
                    "@type": "Assertion",
                    "mode": "earl:automatic",
                    "result": {"@type": "TestResult", "outcome": f"earl:{outcome}"},
                    "test": {"@type": "TestCase", "title": f"{check}/{rule}", "isPartOf": parts},
                    "assertedBy": "_:assertor",
                }
            )
        runs.append(
            {"@type": ["TestSubject", "WebPage"], "source": case.source, "assertions": assertions}
        )
    return {
        "@context": CONTEXT,
        "@id": "_:assertor",
        "@type": "Assertor",
        "name": "legible audit",
        "shortDesc": "Legible's browser checks and axe-core, run by `legible audit --widget off`",
        "release": {"revision": __version__},
        "testRuns": runs,
    }


# -- the readable table ----------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def table(judged: Judged) -> str:
    head = (
        "| ACT rule | name | claimed | passed / inapplicable / failed examples | failed caught"
        " | false positives | could not tell |\n|---|---|---|---|---|---|---|\n"
    )
    lines = []
    for r in sorted(judged.rows, key=lambda r: (not r.claimed, r.rule)):
        e = r.examples
        fps = (
            f"**{len(r.false_positives)}** ({', '.join(_short(t) for t in r.false_positives)})"
            if r.false_positives
            else "0"
        )
        tell = (
            f"{len(r.cant_tell)} ({', '.join(_short(t) for t in r.cant_tell)})"
            if r.cant_tell
            else "0"
        )
        lines.append(
            f"| [{r.rule}](https://act-rules.github.io/rules/{r.rule}) | {r.name} | "
            f"{'yes' if r.claimed else 'no'} | "
            f"{e['passed']} / {e['inapplicable']} / {e['failed']} | "
            f"{r.caught} of {e['failed']} ({_pct(r.caught_share)}) | {fps} | {tell} |"
        )
    total = [r for r in judged.rows]
    summary = (
        f"\n{len(judged.outcomes)} examples of {len(judged.rows)} rules. "
        f"Claimed rules: {len(judged.claimed)}, catching {_pct(judged.caught_share())} of their "
        f"failed examples with {sum(len(r.false_positives) for r in judged.claimed)} false "
        f"positives. All rules: {_pct(judged.caught_share(total))} of failed examples caught, "
        f"{sum(len(r.false_positives) for r in total)} false positives on "
        f"{sum(r.examples['passed'] + r.examples['inapplicable'] for r in total)} passed and "
        "inapplicable examples.\n"
    )
    return head + "\n".join(lines) + "\n" + summary


def details(judged: Judged) -> str:
    """Each false positive, missed failure and could-not-tell, with what the audit said."""
    out = []
    for case, per in judged.outcomes.items():
        got = rule_outcome(per.values())
        wrong = (case.expected == "failed") != (got == FAILED) or got == CANT_TELL
        if not wrong:
            continue
        what = "; ".join(judged.said.get(case, [])) or "nothing"
        out.append(
            f"- {case.rule} {case.title} (expected {case.expected}, got {got}, "
            f"testcases/{case.rule}/{case.id}): {what}"
        )
    return "\n".join(out) + "\n"


def _short(title: str) -> str:
    """'Failed Example 3' -> 'F3'."""
    words = title.split()
    return f"{words[0][0]}{words[-1]}" if len(words) >= 2 else title


def qualifies(judged: Judged) -> list[str]:
    """The rules that meet the bar on this run: 0 false positives and, together,
    ≥ 95 % of their failed examples caught (the weakest dropped until they do)."""
    rows = [r for r in judged.rows if r.meets_bar]
    while rows and judged.caught_share(rows) < BAR:
        rows.remove(min(rows, key=lambda r: r.caught_share))
    return sorted(r.rule for r in rows)
