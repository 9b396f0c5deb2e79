"""One self-contained HTML file: the summary, then every finding with its element's
screenshot, selector, WCAG criteria and ACT rules side by side, filterable by page,
theme, rule and outcome (failing, needs review, known), then the pages that could
not be checked. The report itself is accessible: landmarks, headings, labelled filters, a live
count of what is shown, alt text, and colours well above 4.5:1."""

from __future__ import annotations

from html import escape
from pathlib import Path

from ..findings import Finding
from .model import Report

HERE = Path(__file__).resolve().parent


def _options(name: str, label: str, values: list[str]) -> str:
    opts = "".join(f'<option value="{escape(v)}">{escape(v)}</option>' for v in values)
    return (
        f'<label>{label} <select name="{name}"><option value="">all</option>{opts}</select></label>'
    )


def _status(report: Report, f: Finding) -> str:
    """The finding's filter value: fail (new, failing the run), review or known."""
    if not report.is_new(f):
        return "known"
    return "fail" if report.fails(f) else "review"


STATUS = {"fail": "new, failing", "review": "needs review", "known": "known (baseline)"}


def _finding(f: Finding, status: str, theme: str) -> str:
    new = status != "known"
    crit = ", ".join(f.criteria) or "none (best practice)"
    act = ", ".join(
        f'<a href="https://act-rules.github.io/rules/{escape(a)}">{escape(a)}</a>' for a in f.act
    )
    figure = "<p>No screenshot: the element could not be captured.</p>"
    if f.screenshot:
        alt = f"Screenshot of {f.selector or 'the page'} in {f.variant}"
        figure = (
            f'<figure><img src="{escape(f.screenshot)}" alt="{escape(alt)}">'
            f"<figcaption>The element, as the check saw it</figcaption></figure>"
        )
    return (
        f'<li class="finding{"" if new else " known"}" data-page="{escape(f.url)}" '
        f'data-theme="{escape(theme)}" data-rule="{escape(f.rule)}" data-outcome="{status}"><div>'
        f'<h3>{escape(f.rule)} <span class="status">({STATUS[status]})</span></h3>'
        f"<p>{escape(f.message)}</p><dl>"
        f'<dt>Page</dt><dd><a href="{escape(f.url)}">{escape(f.url)}</a></dd>'
        f"<dt>Variant</dt><dd>{escape(f.variant)}</dd>"
        f"<dt>Selector</dt><dd><code>{escape(f.selector or '-')}</code></dd>"
        f"<dt>WCAG</dt><dd>{escape(crit)}</dd>"
        + (f"<dt>ACT rules</dt><dd>{act}</dd>" if act else "")
        + f"<dt>Check</dt><dd>{escape(f.check)}</dd></dl></div>{figure}</li>"
    )


def render(report: Report) -> str:
    diff = report.diff
    rows = [(f, r.theme or "as-is") for r in report.results for f in r.findings]
    order = {"fail": 0, "review": 1, "known": 2}
    rows.sort(key=lambda row: (order[_status(report, row[0])], row[0].url, row[0].variant))
    pages = sorted({f.url for f, _ in rows})
    themes = sorted({t for _, t in rows})
    rules = sorted({f.rule for f, _ in rows})
    failed = report.unchecked
    state = " The run was interrupted: this report holds the tasks done." * report.interrupted
    summary = (
        f"{len(report.results)} of {report.planned} tasks checked; {report.summary()};"
        f" {len(failed)} could not be checked.{state}"
    )
    items = "".join(_finding(f, _status(report, f), theme) for f, theme in rows)
    errors = "".join(
        f"<tr><td>{escape(url)}</td><td>{escape(variant)}</td><td>{escape(why)}</td></tr>"
        for url, variant, why in failed
    )
    fixed = "".join(
        f"<li><code>{escape(rule)}</code> {escape(sel or '-')} · {escape(url)} · {escape(v)}</li>"
        for url, v, rule, sel in diff.fixed
    )
    filters = "".join(
        _options(name, name.title(), values)
        for name, values in (("page", pages), ("theme", themes), ("rule", rules))
    )
    shown = {_status(report, f) for f, _ in rows}
    filters += _options("outcome", "Outcome", [s for s in STATUS if s in shown])
    if errors:
        errors = (
            "<h2>Pages that could not be checked</h2><table><caption>Each with the reason"
            "</caption><thead><tr><th scope=col>Page</th><th scope=col>Variant</th>"
            f"<th scope=col>Why</th></tr></thead><tbody>{errors}</tbody></table>"
        )
    if fixed:
        fixed = f"<h2>Fixed since the baseline</h2><ul>{fixed}</ul>"
    css = (HERE / "report.css").read_text(encoding="utf-8")
    js = (HERE / "report.js").read_text(encoding="utf-8")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>legible audit: {len(report.failing)} new failing findings</title>
<style>{css}</style>
</head>
<body>
<header><h1>legible audit</h1><p>{escape(report.started)}. {escape(summary)}</p></header>
<main>
<h2 id="findings-title">Findings</h2>
<form id="filters" class="filters" hidden aria-labelledby="findings-title">
{filters}
<button type="reset">Show all</button>
</form>
<p id="shown" role="status">{len(rows)} findings</p>
<ul class="findings">{items}</ul>
{errors}
{fixed}
</main>
<script>{js}</script>
</body>
</html>
"""
