"""What a process counts for `/metrics`, in plain integers: cheap enough for the hot
path, and read by `metrics.Exporter` when it publishes (service/metrics.py).

The page cache and the hot path count their own hits, misses and evictions; the
rest (purges, store errors, listener reconnects) are counted here, once per process.
"""

from __future__ import annotations


class Hits:
    """Cache hits answered before routing, counted by the hot path."""

    __slots__ = ("bytes", "count")

    def __init__(self) -> None:
        self.count = 0
        self.bytes = 0  # their bodies (nothing for HEAD or a 304)


class Counters:
    """Events that are not the page cache's."""

    __slots__ = ("listener_reconnects", "purges_failed", "purges_sent", "store_errors")

    def __init__(self) -> None:
        self.purges_sent = 0  # purge requests a cache answered 2xx
        self.purges_failed = 0  # purge attempts that failed (each retry counts)
        self.store_errors = 0  # requests or syncs the store could not serve
        self.listener_reconnects = 0  # invalidation listener connections re-established


COUNTERS = Counters()


def listener_reconnected() -> None:
    """The invalidation listener lost its connection and has it again (its cache was
    cleared: it may have missed notifications)."""
    COUNTERS.listener_reconnects += 1


def store_error() -> None:
    COUNTERS.store_errors += 1
