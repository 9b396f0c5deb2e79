"""One task in one fresh browser context: a url × variant cell (the checks that depend
on theme and size), or a url × viewport page task (keyboard, skip link, forced colours
and reduced motion, which the OS or the page decide, not the theme)."""

from __future__ import annotations

import base64
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, Route
from playwright.sync_api import Error as PlaywrightError

from .axe import run_axe
from .findings import CELL_CHECKS, LOAD, PAGE_CHECKS, Finding, TaskResult, findings_from
from .first_screen import first_screen_problems
from .focus import focus_problems
from .keyboard import skip_link_problems, tab_walk
from .language import lang_problems
from .layout import reflow_problems, target_size_problems
from .nontext import non_text_contrast_problems
from .options import Options, Variant
from .osmodes import (
    forced_colors_problems,
    orientation_problems,
    reduced_motion_problems,
    viewport_problems,
)
from .problem import Problem
from .scripts import script
from .text import text_contrast_problems, text_spacing_problems
from .variants import PageFailed, load, open_variant, seed_widget

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


def new_context(browser: Browser, opts: Options, task: Task, **extra: Any) -> BrowserContext:
    vp = task.variant.viewport
    args: dict[str, Any] = {
        "viewport": {"width": vp.width, "height": vp.height},
        # Contrast is checked in the page's own colours: a light OS, no forced colours.
        "color_scheme": "light",
        "forced_colors": "none",
        # An injected widget must run whatever the host's CSP says.
        "bypass_csp": opts.widget == "inject",
    }
    context = browser.new_context(**{**args, **extra})
    context.set_default_timeout(opts.timeout * 1000)
    if opts.headers:
        # Only to the audited page's origin: a login token must not reach a CDN or tracker.
        origin = _origin(task.url)
        headers = dict(opts.headers)

        def add_headers(route: Route) -> None:
            route.continue_(headers={**route.request.headers, **headers})

        context.route(lambda url: _origin(url) == origin, add_headers)
    if opts.cookies:
        context.add_cookies([{"name": n, "value": v, "url": task.url} for n, v in opts.cookies])
    return context


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return (parts.scheme, parts.netloc)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def run_task(browser: Browser, opts: Options, task: Task, shared: Shared) -> TaskResult:
    start = time.monotonic()
    checks = CELL_CHECKS if task.kind == "cell" else PAGE_CHECKS
    result = TaskResult(task.url, task.label, task.variant.theme, checks)
    if task.url in shared.failed:  # reported once, by the task that found it
        result.error = f"not checked: {shared.failed[task.url]}"
        return result
    contexts: list[BrowserContext] = []

    def page_in(**extra: Any) -> Page:
        contexts.append(new_context(browser, opts, task, **extra))
        return contexts[-1].new_page()

    try:
        if task.kind == "cell":
            _run_cell(page_in, opts, task, shared.legible, result)
        else:
            _run_page(page_in, opts, task, result)
    except Exception as exc:  # a page that breaks a check is that page's finding, not the run's
        what = "could not load" if isinstance(exc, PageFailed) else "could not check"
        known = (PageFailed, VariantFailed, PlaywrightError)
        why = _first_line(exc) if isinstance(exc, known) else f"{type(exc).__name__}: {exc}"
        result.error = f"{what}: {why}"
        rule = "page-load" if isinstance(exc, PageFailed) else "page-check"
        problems = exc.problems if isinstance(exc, VariantFailed) else []
        problems = problems or [Problem(LOAD, rule, (), ("",), result.error)]
        result.findings = findings_from(task.url, task.label, problems)
        if isinstance(exc, PageFailed):
            shared.failed.setdefault(task.url, result.error)
    finally:
        for context in contexts:
            with contextlib.suppress(PlaywrightError):
                context.close()
        result.seconds = time.monotonic() - start
    return result


def _run_cell(
    page_in: Callable[..., Page], opts: Options, task: Task, legible: set[str], out: TaskResult
) -> None:
    page = page_in()
    if task.variant.theme is not None and opts.widget != "off":
        seed_widget(page.context, task.variant)
    opened = open_variant(page, task.url, task.variant, opts.widget, opts.widget_origin, legible)
    if opened:
        raise VariantFailed(opened)
    level = task.variant.level
    problems = first_screen_problems(page)
    outcome = run_axe(page, level)
    out.axe, out.review, out.axe_rules = outcome.raw, outcome.review, sorted(outcome.ran)
    problems += outcome.problems + focus_problems(page)
    problems += target_size_problems(page) + non_text_contrast_problems(page)
    problems += lang_problems(page)
    root = "main" if page.locator("main").count() else "body"
    minimum = 7.0 if level == "AAA" else 4.5
    problems += text_contrast_problems(page, minimum, root, expect_content=False)
    problems += reflow_problems(page)
    out.findings = findings_from(task.url, task.label, problems, outcome.raw)
    if opts.html:  # pictured as the variant shows them: before the spacing stylesheet,
        page.evaluate(script("reset_focus"))  # with focus and scroll where a load has them
        out.findings = shoot(page, out.findings)
    # Last: its stylesheet stays on the page, so its findings are pictured with it.
    spacing = findings_from(task.url, task.label, text_spacing_problems(page))
    out.findings += shoot(page, spacing, len(out.findings)) if opts.html else spacing


def _open_as_is(page: Page, opts: Options, url: str) -> None:
    load(page, url)
    if opts.widget == "inject" and not page.evaluate("() => !!window.legibleWidget"):
        page.add_script_tag(url=f"{opts.widget_origin}/widget.js")


def _run_page(page_in: Callable[..., Page], opts: Options, task: Task, out: TaskResult) -> None:
    page = page_in()
    _open_as_is(page, opts, task.url)
    walk = tab_walk(page)
    problems = walk.problems + skip_link_problems(page, walk)
    problems += viewport_problems(page) + orientation_problems(page)  # last: it turns the page
    found = findings_from(task.url, task.label, problems)
    out.findings += shoot(page, found) if opts.html else found
    for extra, check in (
        ({"forced_colors": "active"}, forced_colors_problems),
        ({"reduced_motion": "reduce"}, reduced_motion_problems),
    ):
        page = page_in(**extra)
        _open_as_is(page, opts, task.url)
        found = findings_from(task.url, task.label, check(page))
        out.findings += shoot(page, found) if opts.html else found


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
