"""`pip install 'legible-news[audit]'` gives a working `legible audit`: the wheel is
built from this tree, installed with its dependencies into a fresh venv, and the
installed command (run from outside the source tree) audits a page on a local
server. A first run with no Chromium gets one line naming the install command."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow  # about a minute: a wheel, a venv and its dependencies

DISTRIBUTION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
    "name"
]
# One real failure (an image with no text alternative) the installed tool must catch.
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>A page to audit</title></head>
<body><main><h1>A page to audit</h1>
<p>Plain text in the browser's own colours.</p>
<img src="logo.svg" width="40" height="40"></main></body></html>
"""
LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4"/></svg>'
)


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with this tree's wheel and its `audit` extra, as a user installs it."""
    where = tmp_path_factory.mktemp("install")
    run = functools.partial(subprocess.run, check=True, capture_output=True, text=True)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "wheel", "--quiet", "--no-deps", "-w", str(where), str(ROOT)], timeout=300)
    (wheel,) = where.glob("*.whl")
    assert wheel.name.startswith(DISTRIBUTION.replace("-", "_") + "-")
    run([sys.executable, "-m", "venv", str(where / "venv")], timeout=300)
    python = where / "venv" / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--quiet", f"{wheel}[audit]"], timeout=600)
    return where / "venv"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("site")
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    (folder / "logo.svg").write_text(LOGO, encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def legible(
    venv: Path, cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed command, from a folder outside the source tree."""
    return subprocess.run(
        [str(venv / "bin" / "legible"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_installed_package_is_the_one_that_runs(venv: Path, tmp_path: Path) -> None:
    code = "import legible_audit, service, playwright; print(legible_audit.__file__)"
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(done.stdout.strip()).is_relative_to(venv)
    shown = legible(venv, tmp_path, "audit", "--help")
    assert shown.returncode == 0, shown.stderr
    for flag in ("--sitemap", "--sample", "--max-pages", "--sarif", "--baseline"):
        assert flag in shown.stdout


def test_the_installed_audit_checks_a_local_page(venv: Path, site: str, tmp_path: Path) -> None:
    report, sarif = tmp_path / "audit.json", tmp_path / "audit.sarif"
    args = [site, "--widget", "off", "--viewports", "320x640"]
    done = legible(venv, tmp_path, "audit", *args, "--json", str(report), "--sarif", str(sarif))
    assert "Traceback" not in done.stderr
    assert done.returncode == 1, done.stdout + done.stderr  # the image has no alt
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["summary"]["tasks_done"] == data["summary"]["tasks_planned"] == 2
    assert data["summary"]["pages_failed"] == 0
    assert ("image-alt", "img") in {(f["rule"], f["selector"]) for f in data["findings"]}
    results = json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"]
    assert "image-alt" in {r["ruleId"] for r in results}


def test_a_first_run_without_chromium_names_the_install_command(
    venv: Path, site: str, tmp_path: Path
) -> None:
    empty = tmp_path / "browsers"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "LEGIBLE_CHROMIUM"}
    env |= {"PATH": str(venv / "bin"), "PLAYWRIGHT_BROWSERS_PATH": str(empty)}
    done = legible(venv, tmp_path, "audit", site, "--widget", "off", env=env)
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("legible audit: no Chromium found: run `playwright install chromium`")
