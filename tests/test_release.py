"""Release basics: one version, shown by the CLI and /healthz, and a changelog entry for it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import service
from service.version import __version__

if TYPE_CHECKING:
    from conftest import MakeClient

ROOT = Path(__file__).resolve().parents[1]


def test_the_version_is_written_in_one_place() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    assert service.__version__ == __version__
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert 'path = "service/version.py"' in pyproject
    elsewhere = [
        str(p.relative_to(ROOT))
        for p in [ROOT / "pyproject.toml", *sorted((ROOT / "service").rglob("*.py"))]
        if p.name != "version.py" and __version__ in p.read_text(encoding="utf-8")
    ]
    assert elsewhere == []


def test_cli_prints_the_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert done.stdout.strip() == f"legible {__version__}"


def test_healthz_reports_the_version(make_client: MakeClient) -> None:
    body = make_client().get("/healthz").json()
    assert body["status"] == "ok"
    assert body["version"] == __version__


def test_the_changelog_has_an_entry_for_this_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (v?\d+\.\d+\.\d+|Unreleased)\b", changelog, flags=re.M)
    assert headings, "CHANGELOG.md has no version headings"
    assert __version__ in headings or f"v{__version__}" in headings


def test_the_changelog_records_the_current_widget_hash() -> None:
    from service.themes import data_dir, load_themes
    from service.widget import build_widget, bundle_url

    url = bundle_url(build_widget(load_themes(data_dir("themes"))))
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    name = url.rsplit("/", 1)[1]
    assert name in changelog, f"the widget changed: record {url} in CHANGELOG.md"
