"""Which Chromium, launched how: shared by the e2e suite, `legible audit` and the gallery.

Pure standard library: `legible audit` checks there is a Chromium before it starts
Playwright, so a first run on a machine without one gets one line saying which
command installs it, never Playwright's boxed traceback.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

from .options import UsageError

# No sandbox (containers, CI), no GPU, and nothing running in the background that
# could make a request or eat a core while a page is measured.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
# A distribution's Chromium on PATH (Debian and Fedora: chromium; older Debian and
# Alpine: chromium-browser). Ubuntu's chromium-browser only starts the snap, whose
# confinement Playwright cannot drive: a snap is skipped, Playwright's own is used.
PATH_NAMES = ("chromium", "chromium-browser")
INSTALL = (
    "run `playwright install chromium` (or install your distribution's chromium package,"
    " or set LEGIBLE_CHROMIUM to a Chromium binary)"
)


class ChromiumMissing(UsageError):
    """No Chromium to launch: one line naming the command that installs one (exit 2)."""


def _is_snap(path: str) -> bool:
    if os.path.realpath(path).startswith("/snap/"):
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return head.startswith(b"#!") and b"/snap/" in head


def chromium_executable() -> str | None:
    """LEGIBLE_CHROMIUM, else a distribution's Chromium on PATH, else None: Playwright's
    own download."""
    configured = os.environ.get("LEGIBLE_CHROMIUM")
    if configured:
        return configured
    for name in PATH_NAMES:
        found = shutil.which(name)
        if found and not _is_snap(found):
            return found
    return None


def playwright_browsers() -> Path:
    """Where `playwright install` puts its browsers (PLAYWRIGHT_BROWSERS_PATH, as
    Playwright's registry resolves it)."""
    configured = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if configured == "0":  # inside the installed playwright package
        spec = importlib.util.find_spec("playwright")
        root = Path(spec.origin).parent if spec and spec.origin else Path()
        return root / "driver" / "package" / ".local-browsers"
    if configured:
        return Path(configured).absolute()
    home = Path.home()
    if sys.platform == "darwin":
        cache = home / "Library" / "Caches"
    elif sys.platform == "win32":
        cache = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    else:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")
    return cache / "ms-playwright"


def require_chromium() -> str | None:
    """The Chromium to launch (None: Playwright's own, which is downloaded), checked
    before any browser starts; ChromiumMissing when there is none. A download of
    another Playwright version still gets Playwright's own error, in one line, at
    launch."""
    configured = os.environ.get("LEGIBLE_CHROMIUM")
    if configured and not (os.path.isfile(configured) and os.access(configured, os.X_OK)):
        raise ChromiumMissing(
            f"LEGIBLE_CHROMIUM={configured} is not an executable file: point it at a"
            " Chromium, or unset it and run `playwright install chromium`"
        )
    found = chromium_executable()
    if found:
        return found
    browsers = playwright_browsers()
    if any(browsers.glob("chromium-*")) or any(browsers.glob("chromium_headless_shell-*")):
        return None
    raise ChromiumMissing(f"no Chromium found: {INSTALL}")
