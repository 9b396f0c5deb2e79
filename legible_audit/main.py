"""`legible audit`: the matrix against any site. Pages in, reports and an exit code out:

- 0: every page checked, no new failing finding (known ones and findings that need
  review do not fail, unless --fail-on review);
- 1: new failing findings;
- 2: usage or setup errors (and a report that could not be written);
- 3: some pages (or some checks on them) could not be checked, and nothing else
  failed: the run proves less than it was asked to;
- 130: interrupted.

The reports are written whatever happens once the run has started."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from . import baseline
from .findings import TaskResult
from .inputs import fetch_url, origin, sample, select, sitemap_urls
from .options import Options, UsageError
from .progress import Progress
from .reports import html_report, json_report, junit, sarif, write_atomic
from .reports.model import Report
from .runner import BrowserFailed, Run, plan, run

SHOWN = 40  # new findings printed in the summary; the reports hold them all
OK, FAILED, USAGE, NOT_CHECKED, INTERRUPTED = 0, 1, 2, 3, 130


def pages(opts: Options) -> list[str]:
    urls = list(opts.urls)
    if opts.sitemap:
        home = origin(opts.sitemap)  # --header goes to the sitemap's own origin only
        urls += sitemap_urls(
            opts.sitemap, lambda u: fetch_url(u, opts.headers, opts.timeout, allowed=home)
        )
    chosen = select(urls, opts.excludes)
    if not chosen:
        raise UsageError(f"every one of the {len(urls)} URLs is excluded by --exclude")
    return chosen


def write_reports(opts: Options, report: Report) -> tuple[list[str], list[str]]:
    """(the reports written, why others were not): one that fails keeps no other out."""
    written, failed = [], []
    for path, render in (
        (opts.junit, junit),
        (opts.json, json_report),
        (opts.html, html_report),
        (opts.sarif, sarif),
    ):
        if path is None:
            continue
        try:
            write_atomic(path, render.render(report))
        except UsageError as exc:
            failed.append(str(exc))
        else:
            written.append(str(path))
    return written, failed


def audit(opts: Options, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Raises UsageError for bad inputs found before the run (exit code 2)."""
    out, err = out or sys.stdout, err or sys.stderr
    urls = pages(opts)
    if opts.sample or opts.max_pages:  # a large site: each page template, fewer pages
        picked = sample(urls, opts.sample, opts.max_pages, opts.seed)
        urls = picked.urls
        print(f"legible audit: {picked.summary()}", file=err)
    known = baseline.load(opts.baseline) if opts.baseline else set()
    tasks = plan(urls, opts)
    progress = Progress(len(tasks), err)
    reported: set[tuple[str, str]] = set()

    def on_result(result: TaskResult) -> None:
        # Each page, and each check on it, that could not be checked: said once.
        errors = [("", result.error)] if result.error else []
        errors += [(e.split(":", 1)[0], e) for e in result.check_errors]
        for what, error in errors:
            if error.startswith("not checked") or (result.url, what) in reported:
                continue
            reported.add((result.url, what))
            progress.say(f"legible audit: {result.url} ({result.variant}): {error}")
        progress.step(f"{result.url} {result.variant}", len(result.failures), result.error)

    outcome, setup_error = Run(planned=len(tasks)), None
    try:
        outcome = run(tasks, opts, on_result)
    except BrowserFailed as exc:
        setup_error = f"cannot start Chromium: {exc} (set LEGIBLE_CHROMIUM to a Chromium binary"
        setup_error += " or run `playwright install chromium`)"
    except KeyboardInterrupt:
        outcome.interrupted = True
    finally:
        progress.close()
        diff = baseline.diff(outcome.results, known)
        report = Report(
            outcome.results, diff, len(tasks), outcome.interrupted, fail_on=opts.fail_on
        )
        written, unwritten = write_reports(opts, report)
    if not setup_error and outcome.unfinished:  # a worker stopped: do not pass on less
        why = outcome.failures[0] if outcome.failures else "a browser worker stopped"
        setup_error = f"{outcome.unfinished} of {len(tasks)} tasks were not run: {why}"
    for problem in unwritten:
        print(f"legible audit: {problem}", file=err)
    if setup_error:
        print(f"legible audit: {setup_error}", file=err)
        return USAGE
    failing, review = report.failing, report.review
    for label, shown in (("new", failing), ("review", review)):
        for f in shown[:SHOWN]:
            crit = ", ".join(f.criteria) or "-"
            print(
                f"{label}: {f.url} · {f.variant} · {f.rule} · WCAG {crit} · "
                f"{f.selector or '-'} · {f.message}",
                file=out,
            )
        if len(shown) > SHOWN:
            print(f"… {len(shown) - SHOWN} more {label} findings in the reports", file=out)
    unchecked = report.unchecked
    pages_down = len({url for url, _, _ in unchecked})
    print(
        f"legible audit: {len(outcome.results)} of {len(tasks)} tasks on {len(urls)} pages: "
        f"{report.summary()}"
        + (f"; {pages_down} page(s) could not be checked" if unchecked else ""),
        file=out,
    )
    if written:
        print(f"reports: {', '.join(written)}", file=out)
    if outcome.interrupted:
        print("legible audit: interrupted; the reports hold the tasks done", file=err)
        if outcome.stuck:  # a worker is still inside Playwright: do not wait for it
            out.flush()
            err.flush()
            os._exit(INTERRUPTED)
        return INTERRUPTED
    if opts.update_baseline and opts.baseline is not None:
        n = baseline.write(opts.baseline, [f for r in outcome.results for f in r.findings])
        print(f"baseline: {n} known findings written to {opts.baseline}", file=out)
        return USAGE if unwritten else OK
    # New failing findings are the run's verdict; a report that could not be written is
    # next; then pages that could not be checked.
    if failing:
        return FAILED
    return USAGE if unwritten else NOT_CHECKED if unchecked else OK
