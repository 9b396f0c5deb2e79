"""One task: a url × variant cell (the checks that depend on theme and size), or a
url × viewport page task (the keyboard, the skip link, forced colours and reduced
motion, which the OS or the page decide, not the theme).

Cells run in the worker's browser context and page, kept from cell to cell and put
back as a fresh context has them before every load (contexts.py). A page task gets
a context of its own, as every task did before, and its loads (one per set of
emulated media its checks need) share that context's page.

Which checks a task runs, in which order and on which load comes from the registry
(registry.py); each check's step below says how it is called. A check that breaks
is that check's error on that task: the others still run."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from .cell import STEPS, Env
from .contexts import Contexts
from .findings import Finding, TaskResult, check_outcomes, findings_from
from .options import Options, Variant
from .problem import ERROR, REVIEW, Problem, criteria_from_tags
from .registry import CELL, PAGE, Check, audited
from .scripts import script
from .variants import PageFailed, load, open_variant, seed_script

SHOTS_PER_PAGE = 12
SHOT_MAX = (800, 600)  # CSS px: a finding's element, cropped to this


@dataclass(frozen=True)
class Task:
    url: str
    variant: Variant  # a page task's variant is the page as it is, at its viewport
    kind: str  # "cell" or "page"

    @property
    def label(self) -> str:
        if self.kind == "page":
            return f"page checks viewport={self.variant.viewport}"
        return self.variant.label


@dataclass
class Shared:
    """What the workers learn about pages as they go."""

    legible: set[str] = field(default_factory=set)  # URLs that are Legible's own pages
    failed: dict[str, str] = field(default_factory=dict)  # URL -> why it did not load


class VariantFailed(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@dataclass
class Run:
    """One task under way: what its steps share, and where their results go."""

    opts: Options
    task: Task
    result: TaskResult
    env: Env


def checks_for(kind: str, opts: Options) -> tuple[Check, ...]:
    return audited(CELL if kind == "cell" else PAGE, opts.checks)


def run_task(contexts: Contexts, opts: Options, task: Task, shared: Shared) -> TaskResult:
    start = time.monotonic()
    checks = checks_for(task.kind, opts)
    result = TaskResult(task.url, task.label, task.variant.theme, tuple(c.id for c in checks))
    if task.url in shared.failed:  # reported once, by the task that found it
        result.error = f"not checked: {shared.failed[task.url]}"
        return result

    # A page task (the Tab walk, the keyboard's own state) gets a context of its own,
    # as before; its loads share that context's page. Cells share the worker's.
    own = Contexts(contexts.browser, opts) if task.kind == "page" else None
    used = own or contexts

    def page_in(init_script: str | None = None, **media: str) -> Page:
        return used.page(task.url, task.variant.viewport, init_script, **media)

    run = Run(opts, task, result, Env(task.variant.level))
    try:
        if task.kind == "cell":
            _run_cell(page_in, checks, run, shared.legible)
        else:
            _run_page(page_in, checks, run)
    except Exception as exc:  # the page did not load, or not in its variant: not checked
        used.drop()  # a page that broke is not reused
        what = "could not load" if isinstance(exc, PageFailed) else "could not check"
        known = (PageFailed, VariantFailed, PlaywrightError)
        why = _first_line(exc) if isinstance(exc, known) else f"{type(exc).__name__}: {exc}"
        result.error = f"{what}: {why}"
        # A variant the widget did not apply is a finding about the page; a page that
        # did not load is an error only, reported once.
        problems = exc.problems if isinstance(exc, VariantFailed) else []
        result.findings = findings_from(task.url, task.label, problems)
        if isinstance(exc, PageFailed):
            shared.failed.setdefault(task.url, result.error)
    finally:
        if own is not None:
            own.close()
        result.seconds = time.monotonic() - start
    return result


def _run_steps(page: Page, checks: tuple[Check, ...], run: Run) -> dict[str, bool]:
    """Each check's step on `page`, in order; findings (pictured with --html) go to the
    result and a step that breaks to its errors. Returns whether each check applied."""
    out = run.result
    try:
        found = page.evaluate(
            "(sels) => sels.map((s) => !s || !!document.querySelector(s))",
            [c.applies or "" for c in checks],
        )
    except PlaywrightError:  # the checks themselves will say what is wrong
        found = [True] * len(checks)
    applies = {c.id: bool(a) for c, a in zip(checks, found, strict=True)}
    pending: list[Finding] = []  # not pictured yet
    for check in checks:
        if check.restyles and run.opts.html and pending:
            # Pictured as the variant shows them: before this check's stylesheet,
            # with focus and scroll where a load has them.
            page.evaluate(script("reset_focus"))
            out.findings += shoot(page, pending, len(out.findings))
            pending = []
        try:
            problems = STEPS[check.id](page, run.env)
        except PageFailed:
            raise
        except Exception as exc:  # this check could not run here; the others still do
            out.check_errors.append(f"{check.id}: could not check: {_first_line(exc)}")
            continue
        out.check_errors += [f"{check.id}: {p.message}" for p in problems if p.outcome == ERROR]
        axe = run.env.axe
        if check.id == "axe" and axe is not None:
            out.axe, out.review, out.axe_rules = axe.raw, axe.review, sorted(axe.ran)
            problems = problems + _axe_incomplete(axe.raw, problems)
        found_here = findings_from(out.url, out.variant, problems, out.axe)
        if check.id == "axe":
            found_here = _review_incomplete(found_here)
        pending += found_here
    if run.opts.html:
        out.findings += shoot(page, pending, len(out.findings))
    else:
        out.findings += pending
    return applies


def _axe_incomplete(raw: dict[str, Any], problems: list[Problem]) -> list[Problem]:
    """Each node axe could not decide, as a problem that needs review (unless axe's
    outcome already made one of it)."""
    have = {(p.rule, t) for p in problems for t in p.targets}
    out = []
    for rule in raw.get("incomplete", []):
        targets = tuple(
            t
            for t in (" ".join(map(str, n.get("target", []))) for n in rule.get("nodes", []))
            if (rule["id"], t) not in have
        )
        if targets:
            what = "needs review: axe could not decide"
            help_ = rule.get("help", "")
            out.append(
                Problem(
                    "axe",
                    rule["id"],
                    criteria_from_tags(rule.get("tags", [])),
                    targets,
                    f"{what} ({help_})" if help_ else what,
                    outcome=REVIEW,
                )
            )
    return out


def _review_incomplete(findings: list[Finding]) -> list[Finding]:
    """An axe finding on a node axe could not decide needs review, whatever axe.py made
    of it: axe's "incomplete" is never a failure."""
    return [
        replace(f, outcome=REVIEW) if f.raw and f.raw.get("result") == "incomplete" else f
        for f in findings
    ]


def _outcomes(run: Run, checks: tuple[Check, ...], applies: dict[str, bool]) -> None:
    out = run.result
    errors = {e.split(":", 1)[0]: e for e in out.check_errors}
    out.outcomes = check_outcomes(tuple(c.id for c in checks), out.findings, applies, errors)


def _run_cell(
    page_in: Callable[..., Page], checks: tuple[Check, ...], run: Run, legible: set[str]
) -> None:
    opts, task = run.opts, run.task
    if task.variant.theme is not None and opts.widget != "off":
        page = page_in(seed_script(task.variant))
    else:
        page = page_in()
    opened = open_variant(page, task.url, task.variant, opts.widget, opts.widget_origin, legible)
    if opened:
        raise VariantFailed(opened)
    _outcomes(run, checks, _run_steps(page, checks, run))


def _open_as_is(page: Page, opts: Options, url: str) -> None:
    load(page, url)
    if opts.widget == "inject" and not page.evaluate("() => !!window.legibleWidget"):
        page.add_script_tag(url=f"{opts.widget_origin}/widget.js")


def _run_page(page_in: Callable[..., Page], checks: tuple[Check, ...], run: Run) -> None:
    """The page as it is: one fresh load per set of context options the checks need
    (emulated media), in the registry's order (the keyboard and the skip link share
    one)."""
    applies: dict[str, bool] = {}
    i = 0
    while i < len(checks):
        group = [checks[i]]
        while i + len(group) < len(checks) and checks[i + len(group)].context == group[0].context:
            group.append(checks[i + len(group)])
        page = page_in(None, **dict(group[0].context))
        _open_as_is(page, run.opts, run.task.url)
        applies |= _run_steps(page, tuple(group), run)
        i += len(group)
    _outcomes(run, checks, applies)


def shoot(page: Page, findings: list[Finding], before: int = 0) -> list[Finding]:
    """The findings with a JPEG of each one's element (the first SHOTS_PER_PAGE of a
    page, `before` of them already taken)."""
    out = []
    for i, f in enumerate(findings, before):
        shot = _element_shot(page, f.selector) if i < SHOTS_PER_PAGE and f.selector else None
        out.append(Finding(**{**f.__dict__, "screenshot": shot}))
    return out


def _element_shot(page: Page, selector: str) -> str | None:
    try:
        # `host >>> inner`: Playwright's CSS pierces open shadow roots by itself.
        target = page.locator(selector.replace(" >>> ", " ")).first
        target.scroll_into_view_if_needed(timeout=1500)
        box = target.bounding_box(timeout=1500)
        if not box or box["width"] < 1 or box["height"] < 1:
            return None
        x, y = max(box["x"] - 4, 0), max(box["y"] - 4, 0)
        clip = {
            "x": x,
            "y": y,
            "width": min(box["width"] + 8, SHOT_MAX[0]),
            "height": min(box["height"] + 8, SHOT_MAX[1]),
        }
        data = page.screenshot(clip=clip, type="jpeg", quality=60, timeout=3000)  # type: ignore[arg-type]
    except PlaywrightError:
        return None  # a screenshot never hides the finding
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")
