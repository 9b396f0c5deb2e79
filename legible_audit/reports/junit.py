"""JUnit XML: one testsuite per URL, one testcase per url × variant × check. A check
with new failing findings fails; findings that need review and known ones are listed
in its system-out; a check that found nothing to test is skipped ("inapplicable"); a
check that could not run is an error, and a page that did not load is one error
testcase with its checks skipped. The checks of one task share one page load, so
each testcase's time is its task's time split evenly among them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from ..findings import INAPPLICABLE, LOAD, Finding, TaskResult
from .model import Report


def _case(suite: ET.Element, result: TaskResult, name: str, seconds: float) -> ET.Element:
    return ET.SubElement(
        suite,
        "testcase",
        classname=f"{result.url} [{result.variant}]",
        name=name,
        time=f"{seconds:.3f}",
    )


def render(report: Report) -> str:
    root = ET.Element("testsuites", name="legible audit")
    by_url: dict[str, list[TaskResult]] = defaultdict(list)
    for result in report.results:
        by_url[result.url].append(result)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for url, results in by_url.items():
        suite = ET.SubElement(root, "testsuite", name=url)
        counts = dict.fromkeys(totals, 0)
        for result in results:
            per_check = result.seconds / max(len(result.checks), 1)
            # A page that did not load is one error, on the task that found it; its
            # other tasks' checks are skipped.
            if result.error and not result.error.startswith("not checked"):
                case = _case(suite, result, LOAD, result.seconds)
                detail = "\n".join(f"{f.rule}: {f.message}" for f in result.findings)
                error = ET.SubElement(case, "error", message=result.error, type="page")
                error.text = detail
                counts["tests"] += 1
                counts["errors"] += 1
            for check in result.checks:
                case = _case(suite, result, check, per_check)
                counts["tests"] += 1
                if result.error:
                    ET.SubElement(case, "skipped", message=f"not checked: {result.error}")
                    counts["skipped"] += 1
                    continue
                found = [f for f in result.findings if f.check == check]
                new = [f for f in found if report.fails(f)]
                review = [f for f in found if report.is_new(f) and not report.fails(f)]
                known = [f for f in found if not report.is_new(f)]
                broke = [e for e in result.check_errors if e.split(":", 1)[0] == check]
                if broke:
                    error = ET.SubElement(case, "error", message=broke[0], type="check")
                    error.text = "\n".join(broke)
                    counts["errors"] += 1
                elif result.outcomes.get(check) == INAPPLICABLE and not found:
                    ET.SubElement(case, "skipped", message="inapplicable: nothing to test")
                    counts["skipped"] += 1
                if new:
                    rules = " ".join(sorted({f.rule for f in new}))
                    failure = ET.SubElement(
                        case, "failure", message=f"{len(new)} new: {rules}", type=rules
                    )
                    failure.text = "\n".join(_line(f) for f in new)
                    counts["failures"] += 1
                said = []
                if review:
                    said.append("needs review:\n" + "\n".join(_line(f) for f in review))
                if known:
                    said.append("known (baseline):\n" + "\n".join(_line(f) for f in known))
                if said:
                    out = ET.SubElement(case, "system-out")
                    out.text = "\n".join(said)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{report.seconds:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _line(f: Finding) -> str:
    crit = ", ".join(f.criteria) or "-"
    act = f" · ACT {', '.join(f.act)}" if f.act else ""
    return f"{f.rule} · WCAG {crit}{act} · {f.selector or '-'} · {f.message}"
