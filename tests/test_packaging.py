"""The wheel (what the Docker image installs) carries everything the service reads at run
time, and `legible audit` with its scripts behind the `audit` extra."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from service.version import __version__

ROOT = Path(__file__).resolve().parents[1]


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
    (wheel,) = tmp_path.glob("legible-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        *(f"service/_data/themes/{p.name}" for p in (ROOT / "themes").iterdir()),
        *(f"service/_data/widget/{p.name}" for p in (ROOT / "widget").iterdir() if p.is_file()),
        *(f"service/templates/{p.name}" for p in (ROOT / "service/templates").glob("*.html")),
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
    assert f"\nVersion: {__version__}\n" in zipfile.ZipFile(wheel).read(metadata).decode()
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "legible = service.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    meta = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Provides-Extra: audit" in meta
    assert "playwright" in meta and "extra == 'audit'" in meta
