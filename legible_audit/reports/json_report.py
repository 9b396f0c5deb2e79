"""JSON: every task, every finding (new or known, with axe's raw node for axe's), and
the known findings that are fixed."""

from __future__ import annotations

import json
from typing import Any

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
            "pages_failed": sum(1 for r in report.results if r.error),
            "new": len(diff.new),
            "known": len(diff.known),
            "fixed": len(diff.fixed),
        },
        "tasks": [
            {
                "url": r.url,
                "variant": r.variant,
                "theme": r.theme,
                "checks": list(r.checks),
                "error": r.error,
                "seconds": round(r.seconds, 3),
                "axe": r.axe,
                "axe_incomplete_for_review": r.review,
                "axe_rules_run": r.axe_rules,
            }
            for r in report.results
        ],
        "findings": [
            {**f.to_json(), "status": "new" if report.is_new(f) else "known"}
            for r in report.results
            for f in r.findings
        ],
        "fixed": [
            dict(zip(("url", "variant", "rule", "selector"), k, strict=True)) for k in diff.fixed
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
