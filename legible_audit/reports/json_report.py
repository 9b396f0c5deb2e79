"""JSON: the checks (from the registry), every task with each check's outcome, every
finding (new or known, failing or for review, with its check, WCAG criteria and the
ACT rules it fails, and axe's raw node for axe's), the pages that could not be
checked, and the known findings that are fixed."""

from __future__ import annotations

import json
from typing import Any

from ..registry import ACT_BY_ID, CHECKS, E2E
from .model import Report


def render(report: Report) -> str:
    diff = report.diff
    data: dict[str, Any] = {
        "tool": "legible audit",
        "started": report.started,
        "interrupted": report.interrupted,
        "summary": {
            "tasks_planned": report.planned,
            "tasks_done": len(report.results),
            "pages_failed": len({url for url, _, _ in report.unchecked}),
            "new": len(diff.new),
            "failing": len(report.failing),
            "review": len(report.review),
            "known": len(diff.known),
            "fixed": len(diff.fixed),
            "fail_on": list(report.fail_on),
            "checks": report.counts(),
        },
        "checks": [
            {
                "id": c.id,
                "title": c.title,
                "criteria": list(c.criteria),
                "act": [
                    {"id": a, "claimed": ACT_BY_ID[a].claimed} for a in dict.fromkeys(c.act_ids)
                ],
            }
            for c in CHECKS
            if c.runs != E2E
        ],
        "errors": [{"url": u, "variant": v, "error": e} for u, v, e in report.unchecked],
        "tasks": [
            {
                "url": r.url,
                "variant": r.variant,
                "theme": r.theme,
                "checks": list(r.checks),
                "error": r.error,
                "check_errors": r.check_errors,
                "outcomes": r.outcomes,
                "seconds": round(r.seconds, 3),
                "axe": r.axe,
                "axe_incomplete_for_review": r.review,
                "axe_rules_run": r.axe_rules,
            }
            for r in report.results
        ],
        "findings": [
            {
                **f.to_json(),
                "status": "new" if report.is_new(f) else "known",
                "fails_run": report.fails(f),
            }
            for r in report.results
            for f in r.findings
        ],
        "fixed": [
            dict(zip(("url", "variant", "rule", "selector"), k, strict=True)) for k in diff.fixed
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
