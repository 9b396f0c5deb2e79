"""Markers by area for every test, and the real portal export for the tests marked `seed`.

Every test gets one area marker from what it uses (AREAS below; docs/contributing/tests.md):
`browser` (e2e/), `engines` (PostgreSQL, Varnish, nginx or hitch), or else `unit` (Python
alone, `legible serve` in a subprocess included); and `slow` when it uses what is slow
(SLOW). A new test file gets its markers without editing a list.

The real portal export in ../shared/seeds is for the tests in tests/ and e2e/ marked `seed`.

Every other test uses tests/fixtures/portal-article.txt, so a fresh clone without ../shared
runs them all. The `seed` tests check the real export: they run whenever it is there, fail
under CI=true when it is missing, and elsewhere are deselected at collection with one line
saying so (a missing seed is never a skip). LEGIBLE_SEED_PATH points them at another file
(only these tests read it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType, FunctionType, ModuleType
from typing import Any

import pytest

SEED = Path(
    os.environ.get("LEGIBLE_SEED_PATH")
    or Path(__file__).resolve().parent.parent / "shared" / "seeds" / "000_fe6bc2d69edf9f80.txt"
)
IN_CI = os.environ.get("CI") == "true"
NOT_RUN = pytest.StashKey[int]()


ROOT = Path(__file__).resolve().parent


# -- areas -------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A test gets `marker` when it matches any one of these."""

    marker: str
    folders: tuple[str, ...] = ()  # its file is under one (from the checkout's root)
    helpers: frozenset[str] = frozenset()  # it reaches one of these tests.support modules
    params: Mapping[str, object] = field(default_factory=dict)  # parametrized with this
    # value (ANY: with any value) ...
    params_only_in: str | None = None  # ... and already has this marker


ANY = object()
# The first of browser and engines that matches is the test's area; neither: `unit`.
# "Reaches a helper" means the test function, its fixtures, or a function or class of
# their own modules that they call, names the helper module or something from it
# (so `from tests.support.varnish import Cluster` in a new file is enough).
AREAS = (
    Rule("browser", folders=("e2e",)),
    Rule(
        "engines",
        helpers=frozenset({"tests.support.pg", "tests.support.varnish", "tests.support.edge"}),
        params={"db": "postgresql"},  # tests/conftest.py's `db`, on its PostgreSQL run
    ),
)
SLOW = (
    Rule(
        "slow",
        # two replicas behind varnishd, hitch and nginx, thousands of held connections
        helpers=frozenset({"tests.support.varnish", "tests.support.edge", "tests.support.crowd"}),
    ),
    # the browser suite's theme x size x page sweeps; each check also runs once outside them
    Rule("slow", params={"cell": ANY, "theme": ANY}, params_only_in="browser"),
)
AREA_MARKERS = ("unit", *(rule.marker for rule in AREAS))


def _helpers_reached(item: pytest.Item) -> set[str]:
    """The tests.support modules that `item`'s function and fixtures reach (see AREAS)."""
    starts: list[Any] = [getattr(item, "function", None)]
    info = getattr(item, "_fixtureinfo", None)
    if info is not None:
        starts += [d.func for defs in info.name2fixturedefs.values() for d in defs]
    todo: list[tuple[CodeType, dict[str, Any]]] = [
        (f.__code__, f.__globals__) for f in starts if isinstance(f, FunctionType)
    ]
    seen: set[CodeType] = set()
    found: set[str] = set()
    while todo:
        code, names = todo.pop()
        if code in seen:
            continue
        seen.add(code)
        todo += [(c, names) for c in code.co_consts if isinstance(c, CodeType)]
        for name in code.co_names:
            value = names.get(name)
            module = value.__name__ if isinstance(value, ModuleType) else None
            module = module or getattr(value, "__module__", None)
            if isinstance(module, str) and module.startswith("tests.support."):
                found.add(module)
            elif module == names.get("__name__"):  # the module's own function or class
                todo += [(f.__code__, names) for f in _functions(value)]
    return found


def _functions(value: object) -> Iterator[FunctionType]:
    if isinstance(value, FunctionType):
        yield value
    elif isinstance(value, type):
        yield from (v for v in vars(value).values() if isinstance(v, FunctionType))


def _matches(rule: Rule, item: pytest.Item, helpers: set[str]) -> bool:
    path = item.path.resolve()
    if any(ROOT / folder in path.parents for folder in rule.folders):
        return True
    if rule.helpers & helpers:
        return True
    if rule.params_only_in and not item.get_closest_marker(rule.params_only_in):
        return False
    params = getattr(getattr(item, "callspec", None), "params", {})
    return any(
        name in params and (value is ANY or params[name] == value)
        for name, value in rule.params.items()
    )


def mark_areas(items: list[pytest.Item]) -> None:
    """One area marker for each test (unless it has one already), and `slow` if it is."""
    for item in items:
        helpers = _helpers_reached(item)
        if not any(item.get_closest_marker(m) for m in AREA_MARKERS):
            area = next((r.marker for r in AREAS if _matches(r, item, helpers)), "unit")
            item.add_marker(area)
        if any(_matches(rule, item, helpers) for rule in SLOW):
            item.add_marker("slow")


# -- the real seed --------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)  # before -m selects, and before e2e/conftest.py counts cells
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    mark_areas(items)
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
