"""The real portal export in ../shared/seeds, for the tests in tests/ and e2e/ marked `seed`.

Every other test uses tests/fixtures/portal-article.txt, so a fresh clone without ../shared
runs them all. The `seed` tests check the real export: they run whenever it is there, fail
under CI=true when it is missing, and elsewhere are deselected at collection with one line
saying so (a missing seed is never a skip). LEGIBLE_SEED_PATH points them at another file
(only these tests read it).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

SEED = Path(
    os.environ.get("LEGIBLE_SEED_PATH")
    or Path(__file__).resolve().parent.parent / "shared" / "seeds" / "000_fe6bc2d69edf9f80.txt"
)
IN_CI = os.environ.get("CI") == "true"
NOT_RUN = pytest.StashKey[int]()


@pytest.hookimpl(tryfirst=True)  # before e2e/conftest.py counts the matrix cells
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if SEED.is_file() or IN_CI:
        return
    deselected = [item for item in items if item.get_closest_marker("seed")]
    if deselected:
        items[:] = [item for item in items if not item.get_closest_marker("seed")]
        config.hook.pytest_deselected(items=deselected)
        config.stash[NOT_RUN] = len(deselected)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    not_run = config.stash.get(NOT_RUN, 0)
    if not_run:
        checks = "check" if not_run == 1 else "checks"
        terminalreporter.write_line(
            f"{not_run} {checks} of ../shared/seeds not run: {SEED} missing "
            "(they run, and fail if it is missing, under CI=true)",
            yellow=True,
        )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """A `seed` test fails, not errors, when the export is missing (only under CI=true)."""
    if item.get_closest_marker("seed") and not SEED.is_file():
        pytest.fail(f"seed file {SEED} is missing (CI=true runs its checks)", pytrace=False)


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """Where the real seed export is, for tests marked `seed` (the only ones that may use it)."""
    return SEED
