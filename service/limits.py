"""How many connections `legible serve` holds at once, and the open-file limit under it.

Measured for issue 17 (README, Operations): granian gives every connection, busy or
idle, one permit of a per-worker semaphore (its `backpressure`, by default backlog //
workers = 1024) and accepts nothing more until a connection closes; a new reader then
waits in the kernel's listen queue. Each connection is also an open file, and a worker
that has none left cannot open its own (SQLite, logs, threads), so the cap sits below
the open-file limit, with a reserve. hyper's header-read timer also runs while a
keep-alive connection waits for its next request, so one timeout closes slow header
senders and idle keep-alive connections alike.

granian's native module already raises the soft open-file limit to the hard one when it
is imported (measured: 1024/4096 became 4096/4096); `raise_open_files` does it on
purpose, before the cap is sized from it, rather than rely on that side effect.
"""

from __future__ import annotations

import resource
from dataclasses import dataclass
from pathlib import Path

from .errors import SettingsInvalid
from .settings import Settings

RESERVE_FILES = 128  # a worker's own: SQLite and its WAL, logs, epoll, threads, the listener
DEFAULT_CONNECTIONS = 16384  # per worker; about 11 KB each when idle (README, Operations)
SOMAXCONN = Path("/proc/sys/net/core/somaxconn")


def raise_open_files(want: int) -> tuple[int, int]:
    """Raise the soft open-file limit towards `want`, never past the hard limit and never
    down; (soft, hard) after. Worker processes inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft, hard


def kernel_backlog_cap() -> int | None:
    """net.core.somaxconn: the kernel shortens any longer listen queue to it."""
    try:
        return int(SOMAXCONN.read_text())
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class Capacity:
    """What `legible serve` will hold, once the open-file limit is raised."""

    per_worker: int  # granian's backpressure
    workers: int
    open_files: int  # soft limit in force
    hard_limit: int
    backlog: int  # asked for
    kernel_backlog: int | None
    header_timeout: float

    @property
    def total(self) -> int:
        return self.per_worker * self.workers

    def line(self) -> str:
        """The one start-up log line."""
        queue = self.backlog
        if self.kernel_backlog is not None and self.kernel_backlog < queue:
            queue = self.kernel_backlog
        hard = "unlimited" if self.hard_limit == resource.RLIM_INFINITY else self.hard_limit
        short = ""
        if self.per_worker < DEFAULT_CONNECTIONS and self.per_worker + RESERVE_FILES >= (
            self.open_files
        ):
            short = " (bounded by the open-file limit: raise the hard limit, ulimit -Hn)"
        return (
            f"connections: up to {self.total} ({self.per_worker} per worker x {self.workers})"
            f"{short}; open files {self.open_files} (hard limit {hard});"
            f" listen queue {queue}; request heads and idle keep-alives time out"
            f" after {self.header_timeout:g} s"
        )


def plan(settings: Settings) -> Capacity:
    """Raise this process's open-file limit for `settings` and size the connection cap.

    Unset LEGIBLE_MAX_CONNECTIONS takes what the limit allows, up to DEFAULT_CONNECTIONS;
    a value the hard limit cannot carry is refused rather than left to spin at accept."""
    wanted = settings.max_connections or DEFAULT_CONNECTIONS
    soft, hard = raise_open_files(wanted + RESERVE_FILES)
    room = soft - RESERVE_FILES
    if settings.max_connections is None:
        per_worker = max(1, min(DEFAULT_CONNECTIONS, room))
    elif settings.max_connections > room:
        raise SettingsInvalid(
            f"LEGIBLE_MAX_CONNECTIONS={settings.max_connections} needs"
            f" {settings.max_connections + RESERVE_FILES} open files per worker, and this"
            f" process may open {soft} (hard limit {hard}): raise the hard limit"
            " (ulimit -Hn, systemd LimitNOFILE=, docker --ulimit nofile=) or lower it"
        )
    else:
        per_worker = settings.max_connections
    return Capacity(
        per_worker=per_worker,
        workers=settings.workers,
        open_files=soft,
        hard_limit=hard,
        backlog=settings.backlog,
        kernel_backlog=kernel_backlog_cap(),
        header_timeout=settings.header_timeout,
    )
