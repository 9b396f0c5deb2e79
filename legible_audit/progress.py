"""Progress on stderr: a bar redrawn in place on a terminal, a plain line per task
otherwise (CI logs)."""

from __future__ import annotations

import time
from typing import TextIO

BAR = 24


class Progress:
    def __init__(self, total: int, stream: TextIO, tty: bool | None = None) -> None:
        self.total, self.done, self.stream = total, 0, stream
        self.tty = stream.isatty() if tty is None else tty
        self.start = time.monotonic()

    def step(self, what: str, found: int, error: str | None = None) -> None:
        self.done += 1
        state = error or (f"{found} finding{'s' * (found != 1)}" if found else "clean")
        if not self.tty:
            self.stream.write(f"[{self.done}/{self.total}] {what}: {state}\n")
            self.stream.flush()
            return
        filled = BAR * self.done // max(self.total, 1)
        elapsed = time.monotonic() - self.start
        line = f"[{'#' * filled}{'.' * (BAR - filled)}] {self.done}/{self.total} {elapsed:.0f}s"
        self.stream.write(f"\r\x1b[2K{line} {what[:60]}")
        self.stream.flush()

    def say(self, line: str) -> None:
        """A line that stays (an unreachable page), above the bar on a terminal."""
        self.stream.write(("\r\x1b[2K" if self.tty else "") + line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
