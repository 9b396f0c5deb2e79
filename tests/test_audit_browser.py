"""Which Chromium `legible audit` launches, and the one line a first run gets when
there is none (legible_audit/browser.py). No browser starts here."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from legible_audit import browser
from legible_audit.browser import ChromiumMissing, chromium_executable, require_chromium
from tests.support.live import server_env

ROOT = Path(__file__).resolve().parents[1]


def executable(path: Path, text: str = "#!/bin/sh\nexit 0\n") -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No LEGIBLE_CHROMIUM, a PATH with no Chromium, and an empty Playwright browser
    folder: a fresh machine. Returns the PATH folder."""
    bin_dir, browsers = tmp_path / "bin", tmp_path / "browsers"
    bin_dir.mkdir()
    browsers.mkdir()
    monkeypatch.delenv("LEGIBLE_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(browsers))
    return bin_dir


def test_nothing_found_names_the_install_command(nowhere: Path) -> None:
    assert chromium_executable() is None
    with pytest.raises(ChromiumMissing) as raised:
        require_chromium()
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("no Chromium found: run `playwright install chromium`")
    assert "chromium package" in message and "LEGIBLE_CHROMIUM" in message


def test_a_chromium_on_path_is_used(nowhere: Path) -> None:
    found = executable(nowhere / "chromium")
    assert chromium_executable() == str(found) == require_chromium()


def test_a_snap_wrapper_is_skipped_for_playwrights_own(nowhere: Path) -> None:
    # Ubuntu's chromium-browser only starts the snap, which Playwright cannot drive.
    executable(nowhere / "chromium-browser", '#!/bin/sh\nexec /snap/bin/chromium "$@"\n')
    assert chromium_executable() is None
    with pytest.raises(ChromiumMissing):
        require_chromium()


def test_playwrights_own_download_is_enough(nowhere: Path, tmp_path: Path) -> None:
    (tmp_path / "browsers" / "chromium_headless_shell-1200").mkdir()
    assert require_chromium() is None  # Playwright launches its own


def test_playwright_browsers_path_0_is_inside_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", "0")
    import playwright

    where = browser.playwright_browsers()
    assert where == Path(playwright.__file__).parent / "driver" / "package" / ".local-browsers"


def test_the_default_browser_folder_follows_xdg_cache_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PLAYWRIGHT_BROWSERS_PATH", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if sys.platform.startswith("linux"):
        assert browser.playwright_browsers() == tmp_path / "ms-playwright"


def test_legible_chromium_must_be_an_executable(
    nowhere: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEGIBLE_CHROMIUM", str(tmp_path / "no-such-chromium"))
    with pytest.raises(ChromiumMissing, match=r"LEGIBLE_CHROMIUM=.*no-such-chromium is not an"):
        require_chromium()
    monkeypatch.setenv("LEGIBLE_CHROMIUM", str(executable(tmp_path / "my-chromium")))
    assert require_chromium() == str(tmp_path / "my-chromium")


def test_the_cli_says_one_line_and_exits_2_without_a_traceback(tmp_path: Path) -> None:
    """The command as a user runs it on a machine with no Chromium at all."""
    browsers = tmp_path / "browsers"
    browsers.mkdir()
    env = server_env({"PATH": str(tmp_path), "PLAYWRIGHT_BROWSERS_PATH": str(browsers)})
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "audit", "http://127.0.0.1:9/", "--widget", "off"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "legible audit: no Chromium found: run `playwright install chromium` (or install"
        " your distribution's chromium package, or set LEGIBLE_CHROMIUM to a Chromium binary)"
    ]
