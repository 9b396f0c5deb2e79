"""Harness for the browser suite: one server and one Chromium per session.

The server is the real CLI (`python -m service.cli serve`) on a free port with a
fresh SQLite file holding the demo articles, the portal-format article of
tests/fixtures/ and, when it is there, the real portal seed. Chromium comes
through pytest-playwright, launched as `legible audit` launches it
(legible_audit/browser.py): LEGIBLE_CHROMIUM, else Debian's /usr/bin/chromium, else
Playwright's own download. Every test gets a new context.
"""

from __future__ import annotations

import contextlib
import io
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from legible_audit.browser import LAUNCH_ARGS, chromium_executable
from legible_audit.problem import Problem
from tests.support import portal_article
from tests.support.live import ServerFailed, serve, server_env

from .known import KnownBug

E2E = Path(__file__).resolve().parent
ROOT = E2E.parent
ARTIFACTS = E2E / "artifacts"
SHOT_MAX_PX = 4000


# -- marking -------------------------------------------------------------------


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    ledger = config.stash.setdefault(LEDGER, Ledger())
    for item in items:
        if E2E in item.path.parents:
            item.add_marker(pytest.mark.e2e)
            callspec = getattr(item, "callspec", None)
            if callspec is not None and "cell" in callspec.params:
                ledger.cells_collected[item.originalname] += 1


# -- the ledger behind the end-of-run summary ------------------------------------


@dataclass
class Ledger:
    # Cells by test function: test_cell (page × theme × size), test_widget_cell, ...
    cells_collected: Counter[str] = field(default_factory=Counter)
    cells_run: set[tuple[str, str]] = field(default_factory=set)
    run: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    known: Counter[str] = field(default_factory=Counter)  # failed only by a known bug
    lines: list[str] = field(default_factory=list)
    known_lines: dict[str, str] = field(default_factory=dict)  # bug id -> reason
    review: Counter[str] = field(default_factory=Counter)

    def cell_ran(self, kind: str, cell_id: str) -> None:
        self.cells_run.add((kind, cell_id))

    def record(self, check: str, where: str, problems: list[Problem], known: int = 0) -> None:
        """`known`: how many of `problems` are known product bugs (see known.py)."""
        self.run[check] += 1
        if len(problems) > known:
            self.failed[check] += 1
            self.lines.extend(p.line(where) for p in problems)
        elif problems:
            self.known[check] += 1


LEDGER = pytest.StashKey[Ledger]()


@pytest.fixture(scope="session")
def ledger(pytestconfig: pytest.Config) -> Ledger:
    return pytestconfig.stash.setdefault(LEDGER, Ledger())


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    ledger = config.stash.get(LEDGER, None)
    if ledger is None or not ledger.run:
        return
    tr = terminalreporter
    tr.section("Legible e2e summary")
    collected = sum(ledger.cells_collected.values())
    skipped = collected - len(ledger.cells_run)
    tr.write_line(
        f"matrix cells: {collected} generated, {len(ledger.cells_run)} run"
        + (f", {skipped} not run (skipped, deselected or stopped early)" if skipped else "")
    )
    for kind, n in sorted(ledger.cells_collected.items()):
        ran = sum(1 for k, _ in ledger.cells_run if k == kind)
        tr.write_line(f"  {kind:<34} {n:>4} generated {ran:>4} run")
    total, failed = sum(ledger.run.values()), sum(ledger.failed.values())
    known = sum(ledger.known.values())
    tr.write_line(
        f"checks: {total} run, {total - failed - known} passed, {failed} failed"
        + (f", {known} failed only by a known product bug (xfail)" if known else "")
    )
    for check in sorted(ledger.run):
        n, bad, k = ledger.run[check], ledger.failed[check], ledger.known[check]
        tr.write_line(
            f"  {check:<18} {n:>4} run {n - bad - k:>4} passed {bad:>4} failed"
            + (f" {k:>4} known bug" if k else "")
        )
    for bug, reason in sorted(ledger.known_lines.items()):
        tr.write_line(f"known product bug {bug}: {reason}")
    if ledger.review:
        shown = ", ".join(f"{rule} ×{n}" for rule, n in ledger.review.most_common())
        tr.write_line(f"axe incomplete (not failing, review by hand): {shown}")
    if ledger.lines:
        tr.write_line(f"problems ({len(ledger.lines)}; one line each):")
        for line in ledger.lines[:60]:
            tr.write_line(f"  {line}")
        if len(ledger.lines) > 60:
            tr.write_line(f"  … {len(ledger.lines) - 60} more")
        tr.write_line(f"screenshots: {ARTIFACTS}")


# -- the server -------------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    """The real seed's article (../shared/seeds), for the tests marked `seed`."""

    slug: str | None  # None: the seed file is missing
    reason: str = ""

    def require(self) -> str:
        """The slug, or fail: outside CI the conftest.py above deselects the `seed` tests
        when the file is missing, so getting here without it is a CI run that needs it."""
        if self.slug is None:
            pytest.fail(self.reason, pytrace=False)
        return self.slug


@pytest.fixture(scope="session")
def legible_server(
    tmp_path_factory: pytest.TempPathFactory, seed_path: Path
) -> Iterator[tuple[str, Seed]]:
    from service import cli
    from service.importers import articles_from, demo_files

    workdir = tmp_path_factory.mktemp("legible")
    db = str(workdir / "legible.db")
    # The demo articles go in explicitly: LEGIBLE_DEMO only fills an *empty* store,
    # and the other imports would make it non-empty.
    paths = [str(p) for p in demo_files()] + [str(portal_article.PATH)]
    if seed_path.is_file():
        seed = Seed(articles_from(seed_path)[0].slug)
        paths.append(str(seed_path))
    else:
        seed = Seed(None, f"seed article missing: {seed_path}")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(["--db", db, "import", *paths])
    if code != 0:
        pytest.fail(f"import failed ({code}): {out.getvalue()}", pytrace=False)

    env = server_env(
        {"LEGIBLE_DEMO": "1", "PYTHONUNBUFFERED": "1"},
        keep=["LEGIBLE_THEMES_DIR"],  # the matrix reads the same folder
    )
    try:
        server = serve(env=env, log=workdir / "server.log", db=db)
    except ServerFailed as exc:
        pytest.fail(f"server did not become healthy: {exc}", pytrace=False)
    with server:
        yield server.url, seed


@pytest.fixture(scope="session", autouse=True)
def empty_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second server on an empty store (LEGIBLE_DEMO=0): the matrix's `empty-site`
    page (pages.ORIGINS["empty"]) and e2e/test_portal.py."""
    from .pages import ORIGINS

    workdir = tmp_path_factory.mktemp("empty")
    env = server_env({"LEGIBLE_DB": str(workdir / "t.db"), "LEGIBLE_DEMO": "0"})
    try:
        server = serve(env=env, log=workdir / "server.log")
    except ServerFailed as exc:
        pytest.fail(f"the empty site did not become healthy: {exc}", pytrace=False)
    with server:
        ORIGINS["empty"] = server.url
        yield server.url
        ORIGINS.pop("empty", None)


@pytest.fixture(scope="session")
def base_url(legible_server: tuple[str, Seed]) -> str:
    """Overrides pytest-playwright's: contexts resolve page.goto("/…") against it."""
    return legible_server[0]


@pytest.fixture(scope="session")
def seed(legible_server: tuple[str, Seed]) -> Seed:
    return legible_server[1]


# -- the browser (pytest-playwright's fixtures, pointed at our Chromium) --------------


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], browser_name: str
) -> dict[str, Any]:
    args = dict(browser_type_launch_args)
    if browser_name == "chromium" and "channel" not in args:
        args["executable_path"] = chromium_executable()
    args["args"] = [*args.get("args", []), *LAUNCH_ARGS]
    return args


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # Contrast is checked in the page's own colours: no forced colours, a light OS.
    return {
        **browser_context_args,
        "color_scheme": "light",
        "forced_colors": "none",
        "locale": "vi-VN",
        "viewport": {"width": 1280, "height": 800},
    }


def save_screenshot(page: Page, name: str) -> Path | None:
    """e2e/artifacts/<name>.png, overwritten each run (the folder is never wiped, so a
    concurrent run's screenshots survive; `make clean` removes it)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    try:
        # The whole page, but no taller than SHOT_MAX_PX: a long article at 200 % and
        # 320 px is tens of thousands of pixels, and slow to encode.
        height = int(page.evaluate("document.documentElement.scrollHeight"))
        width = int(page.evaluate("document.documentElement.scrollWidth"))
        clip = {"x": 0, "y": 0, "width": width, "height": min(height, SHOT_MAX_PX)}
        page.screenshot(path=str(path), full_page=True, clip=clip)
    except Exception:  # a screenshot must never hide the real failure
        return None
    return path


@pytest.fixture
def report(ledger: Ledger) -> Any:
    """report(name, page, {check: problems}, where=..., known=...): count each check; if
    any found problems, fail with one line per problem (prefixed by `where`, e.g.
    "page=index theme=dark size=150%") and save e2e/artifacts/<name>.png.

    `known`: the known product bugs (known.py) that apply here. If they are the only
    problems the test is an xfail with their reasons; if one of them did not show up,
    the test fails (the bug is fixed: remove its entry)."""

    def _report(
        name: str,
        page: Page,
        checks: dict[str, list[Problem]],
        where: str | None = None,
        known: Sequence[KnownBug] = (),
    ) -> None:
        where = where or name
        seen: set[str] = set()
        for check, problems in checks.items():
            matched = [p for p in problems if any(bug.matches(p) for bug in known)]
            seen.update(bug.id for bug in known for p in matched if bug.matches(p))
            ledger.record(check, where, problems, known=len(matched))
        found = [p for problems in checks.values() for p in problems]
        unknown = [p for p in found if not any(bug.matches(p) for bug in known)]
        gone = [bug for bug in known if bug.id not in seen]
        if not found and not gone:
            return
        lines = [p.line(where) for p in unknown]
        lines += [f"known product bug {bug.id} no longer shows up: remove it" for bug in gone]
        lines += [f"(known bug) {p.line(where)}" for p in found if p not in unknown]
        path = save_screenshot(page, name)
        if path:
            lines.append(f"screenshot: {path.relative_to(ROOT)}")
        if unknown or gone:
            pytest.fail("\n".join(lines), pytrace=False)
        for bug in known:
            ledger.known_lines[bug.id] = bug.reason
        pytest.xfail("\n".join([*(f"{bug.id}: {bug.reason}" for bug in known), *lines]))

    return _report


MakePage = Callable[..., Page]


@pytest.fixture
def make_page(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[MakePage]:
    """make_page(**context_overrides): a page in a fresh context made from this suite's
    context arguments with some replaced (forced_colors="active", bypass_csp=True, …)."""
    contexts: list[BrowserContext] = []

    def make(**overrides: Any) -> Page:
        context = browser.new_context(**{**browser_context_args, **overrides})
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
