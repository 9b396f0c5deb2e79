"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers: one result a finding,
with its rule, its WCAG criteria and the page's URL as its location (the selector as
a logical location). A known finding (in the baseline) is `baselineState: unchanged`
with an external, accepted suppression; a page that could not be checked is a tool
notification, not a result. The fingerprint is the baseline's key (page path and
query, variant, rule, selector), so a staging run and a production run match."""

from __future__ import annotations

import hashlib
import json
import re
from importlib import metadata
from typing import Any
from urllib.parse import quote

from ..baseline import key
from ..findings import Finding
from ..problem import FAIL
from .model import Report

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT = "legibleAuditFinding/v1"
_CRITERION = re.compile(r"\d+\.\d+\.\d+")
_URI_SAFE = ":/?#[]@!$&'()*+,;=%~"  # kept as they are; anything else is percent-encoded


def _criteria(f: Finding) -> tuple[list[str], list[str]]:
    """(WCAG success criteria, the other tags such as wcag2aa or best-practice)."""
    sc = [c for c in f.criteria if _CRITERION.fullmatch(c)]
    return sc, [c for c in f.criteria if c not in sc]


def _rule(f: Finding) -> dict[str, Any]:
    sc, levels = _criteria(f)
    raw = f.raw or {}
    help_text = raw.get("help") or f"{f.rule}: Legible's {f.check} check"
    rule: dict[str, Any] = {
        "id": f.rule,
        "shortDescription": {"text": help_text},
        "properties": {
            "tags": ["accessibility", *(f"WCAG {c}" for c in sc), *levels],
            "wcag": sc,
            "check": f.check,
        },
    }
    if raw.get("description"):
        rule["fullDescription"] = {"text": raw["description"]}
    if raw.get("helpUrl"):
        rule["helpUri"] = raw["helpUrl"]
    return rule


def _result(f: Finding, index: int, new: bool) -> dict[str, Any]:
    sc, levels = _criteria(f)
    where = ", ".join(f"WCAG {c}" for c in sc) or "best practice"
    location: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": _uri(f.url)}}}
    if f.selector:
        location["logicalLocations"] = [{"fullyQualifiedName": f.selector, "kind": "element"}]
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index,
        # SARIF 3.27.9: a result that is not a failure has level "none".
        "kind": "fail" if f.outcome == FAIL else "review",
        "level": "error" if f.outcome == FAIL else "none",
        "message": {"text": f"{f.message} [{f.variant}; {where}]"},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT: _fingerprint(f)},
        "baselineState": "new" if new else "unchanged",
        "properties": {
            "variant": f.variant,
            "check": f.check,
            "selector": f.selector,
            "wcag": sc,
            "tags": levels,
        },
    }
    if not new:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": "in the --baseline file"}
        ]
    return result


def _fingerprint(f: Finding) -> str:
    return hashlib.sha256("\x1f".join(key(f)).encode("utf-8")).hexdigest()


def _uri(url: str) -> str:
    """A URI: spaces and non-ASCII characters (a Vietnamese slug) percent-encoded."""
    return quote(url, safe=_URI_SAFE)


def _version() -> str | None:
    """This package's version, when it is installed (the source tree has none)."""
    for name in metadata.packages_distributions().get("legible_audit", []):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def render(report: Report) -> str:
    findings = [f for r in report.results for f in r.findings if f.checked]
    rules: dict[str, dict[str, Any]] = {}
    for f in findings:
        rules.setdefault(f.rule, _rule(f))
    index = {rule: i for i, rule in enumerate(rules)}
    driver: dict[str, Any] = {
        "name": "legible audit",
        "rules": list(rules.values()),
    }
    version = _version()
    if version:
        driver["version"] = version
    failed = [r for r in report.results if r.error]
    notifications = [
        {
            "level": "error",
            "message": {"text": f"{r.url} ({r.variant}) could not be checked: {r.error}"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(r.url)}}}],
        }
        for r in failed
    ]
    invocation: dict[str, Any] = {
        "executionSuccessful": not failed and not report.interrupted,
        "startTimeUtc": report.started.replace("+00:00", "Z"),
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    if report.interrupted:
        invocation["exitCodeDescription"] = "interrupted: the results hold the tasks done"
    run = {
        "tool": {"driver": driver},
        "invocations": [invocation],
        "results": [_result(f, index[f.rule], report.is_new(f)) for f in findings],
    }
    sarif = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(sarif, ensure_ascii=False, indent=1) + "\n"
