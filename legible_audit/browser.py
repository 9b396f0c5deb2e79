"""Which Chromium, launched how: shared by the e2e suite, `legible audit` and the gallery."""

from __future__ import annotations

import os
from pathlib import Path

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
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")


def chromium_executable() -> str | None:
    """LEGIBLE_CHROMIUM, else Debian's /usr/bin/chromium, else None: Playwright's own."""
    configured = os.environ.get("LEGIBLE_CHROMIUM")
    if configured:
        return configured
    if DEBIAN_CHROMIUM.exists():
        return str(DEBIAN_CHROMIUM)
    return None
