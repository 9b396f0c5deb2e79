"""Harness for the browser suite: one server and one Chromium per session.

The server is the real CLI (`python -m service.cli serve`) on a free port with a
fresh SQLite file holding the demo articles and the portal seed. Chromium comes
through pytest-playwright, configured here: LEGIBLE_CHROMIUM, else Debian's
/usr/bin/chromium, else Playwright's own download. Every test gets a new context.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from .checks import Problem
from .matrix import SEED_PATH

E2E = Path(__file__).resolve().parent
ROOT = E2E.parent
ARTIFACTS = E2E / "artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
IN_CI = os.environ.get("CI") == "true"
SHOT_MAX_PX = 4000


# -- marking -------------------------------------------------------------------


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    ledger = config.stash.setdefault(LEDGER, Ledger())
    for item in items:
        if E2E in item.path.parents:
            item.add_marker(pytest.mark.e2e)
            callspec = getattr(item, "callspec", None)
            if callspec is not None and "cell" in callspec.params:
                ledger.cells_collected += 1


# -- the ledger behind the end-of-run summary ------------------------------------


@dataclass
class Ledger:
    cells_collected: int = 0
    cells_run: set[str] = field(default_factory=set)
    run: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    lines: list[str] = field(default_factory=list)
    review: Counter[str] = field(default_factory=Counter)

    def record(self, check: str, where: str, problems: list[Problem]) -> None:
        self.run[check] += 1
        if problems:
            self.failed[check] += 1
            self.lines.extend(p.line(where) for p in problems)


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
    skipped = ledger.cells_collected - len(ledger.cells_run)
    tr.write_line(
        f"matrix cells: {ledger.cells_collected} generated, {len(ledger.cells_run)} run"
        + (f", {skipped} not run (skipped, deselected or stopped early)" if skipped else "")
    )
    total, failed = sum(ledger.run.values()), sum(ledger.failed.values())
    tr.write_line(f"checks: {total} run, {total - failed} passed, {failed} failed")
    for check in sorted(ledger.run):
        n, bad = ledger.run[check], ledger.failed[check]
        tr.write_line(f"  {check:<16} {n:>4} run {n - bad:>4} passed {bad:>4} failed")
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


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


@dataclass(frozen=True)
class Seed:
    slug: str | None  # None: the seed file is missing
    reason: str = ""

    def require(self) -> str:
        """The slug, or skip (fail on CI) a test that needs the seed."""
        if self.slug is None:
            if IN_CI:
                pytest.fail(self.reason, pytrace=False)
            pytest.skip(self.reason)
        return self.slug


@pytest.fixture(scope="session")
def legible_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seed]]:
    from service import cli
    from service.importers import articles_from, demo_files

    workdir = tmp_path_factory.mktemp("legible")
    db = str(workdir / "legible.db")
    # The demo articles go in explicitly: LEGIBLE_DEMO only fills an *empty* store,
    # and the seed import would make it non-empty.
    paths = [str(p) for p in demo_files()]
    if SEED_PATH.is_file():
        seed = Seed(articles_from(SEED_PATH)[0].slug)
        paths.append(str(SEED_PATH))
    else:
        seed = Seed(None, f"seed article missing: {SEED_PATH}")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(["--db", db, "import", *paths])
    if code != 0:
        pytest.fail(f"import failed ({code}): {out.getvalue()}", pytrace=False)

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEGIBLE_")}
    if "LEGIBLE_THEMES_DIR" in os.environ:  # the matrix reads the same folder
        env["LEGIBLE_THEMES_DIR"] = os.environ["LEGIBLE_THEMES_DIR"]
    env |= {"LEGIBLE_DEMO": "1", "PYTHONUNBUFFERED": "1"}
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "--db", db, "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while not _healthy(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log_path.read_text(errors="replace")[-3000:]
                pytest.fail(f"server did not become healthy at {url}:\n{tail}", pytrace=False)
            time.sleep(0.1)
        yield url, seed
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=25)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def base_url(legible_server: tuple[str, Seed]) -> str:
    """Overrides pytest-playwright's: contexts resolve page.goto("/…") against it."""
    return legible_server[0]


@pytest.fixture(scope="session")
def seed(legible_server: tuple[str, Seed]) -> Seed:
    return legible_server[1]


# -- the browser (pytest-playwright's fixtures, pointed at our Chromium) --------------


def chromium_executable() -> str | None:
    configured = os.environ.get("LEGIBLE_CHROMIUM")
    if configured:
        return configured
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return None  # Playwright's bundled build


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
    """report(name, page, {check: problems}, where=...): count each check; if any found
    problems, fail with one line per problem (prefixed by `where`, e.g.
    "page=index theme=dark size=150%") and save e2e/artifacts/<name>.png."""

    def _report(
        name: str, page: Page, checks: dict[str, list[Problem]], where: str | None = None
    ) -> None:
        where = where or name
        for check, problems in checks.items():
            ledger.record(check, where, problems)
        found = [p for problems in checks.values() for p in problems]
        if not found:
            return
        lines = [p.line(where) for p in found]
        path = save_screenshot(page, name)
        if path:
            lines.append(f"screenshot: {path.relative_to(ROOT)}")
        pytest.fail("\n".join(lines), pytrace=False)

    return _report
