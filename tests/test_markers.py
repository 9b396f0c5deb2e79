"""The area markers conftest.py gives (unit, engines, browser, slow) select what they say:
`-m` on real test files picks exactly the tests that reach an engine, or are slow."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # five collections in subprocesses: about a minute on a busy machine

ROOT = Path(__file__).resolve().parents[1]
FILES = [
    "tests/test_outage.py",  # the `db` fixture: SQLite (unit) and PostgreSQL (engines)
    "tests/test_purge.py",  # no engine at all
    "tests/test_postgres_store.py",  # pg_cluster in some fixtures, not in others
    "tests/test_varnish.py",  # tests.support.varnish: engines and slow
    "e2e/test_reader.py",  # browser; its theme x size sweeps slow
]


COLLECT = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]


def selected(expression: str | None) -> set[str]:
    """The node ids of FILES that `-m expression` selects (None: all of them)."""
    found = subprocess.run(
        [*COLLECT, *(["-m", expression] if expression else []), *FILES],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "CI": "true"},  # the seed tests are not deselected
    )
    assert found.returncode == 0, found.stdout + found.stderr
    return {line for line in found.stdout.splitlines() if "::" in line}


@pytest.fixture(scope="module")
def every() -> set[str]:
    return selected(None)


def test_every_test_has_exactly_one_area(every: set[str]) -> None:
    areas = {area: selected(area) for area in ("unit", "engines", "browser")}
    assert set().union(*areas.values()) == every
    assert sum(len(ids) for ids in areas.values()) == len(every)
    assert {i for i in every if i.startswith("e2e/")} == areas["browser"]
    engines, unit = areas["engines"], areas["unit"]
    outage = "tests/test_outage.py::test_outage_serves_cached_pages_fails_writes_and_recovers"
    assert f"{outage}[postgresql]" in engines
    assert f"{outage}[sqlite]" in unit
    assert not {i for i in engines if i.startswith("tests/test_purge.py")}
    assert {i for i in every if i.startswith("tests/test_varnish.py")} <= engines
    assert "tests/test_postgres_store.py::test_a_busy_pool_is_not_an_outage" in engines
    assert "tests/test_postgres_store.py::test_an_unparsable_url_is_not_shown_at_all" in unit


def test_slow_is_the_varnish_cluster_and_the_browser_sweeps(every: set[str]) -> None:
    slow = selected("slow")
    assert {i for i in every if i.startswith("tests/test_varnish.py")} <= slow
    assert not {i for i in slow if i.startswith(("tests/test_outage", "tests/test_purge"))}
    reader = {i for i in every if i.startswith("e2e/test_reader.py")}
    assert reader & slow, "the reader's theme sweeps are slow"
    assert reader - slow, "the reader's single checks are not"
