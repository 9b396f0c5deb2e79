"""Taking turns per host, and the clock of one fetch.

`Hosts.turn(host)` admits at most `per_host` requests to a host at once, and starts
them at least `delay` seconds apart (a site's Crawl-delay, or a 429/503 asking us
to wait, can only raise that).
`Budget` is a fetch's deadline, spent only while a request is on the wire: waiting
for a turn is the importer's queue, not the page's slowness.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class _Host:
    def __init__(self, per_host: int, delay: float) -> None:
        self.slots = asyncio.Semaphore(per_host)
        self.pace = asyncio.Lock()
        self.delay = delay
        self.next_start = 0.0


class Hosts:
    def __init__(self, per_host: int, delay: float) -> None:
        self.per_host = per_host
        self.delay = delay
        self._hosts: dict[str, _Host] = {}

    def _get(self, host: str) -> _Host:
        key = host.lower()
        if key not in self._hosts:
            self._hosts[key] = _Host(self.per_host, self.delay)
        return self._hosts[key]

    def slow_down(self, host: str, delay: float) -> None:
        """Space `host`'s requests at least `delay` seconds apart from now on."""
        state = self._get(host)
        state.delay = max(state.delay, delay)

    def back_off(self, host: str, seconds: float) -> None:
        """`host` asked us to wait (429, 503): no request to it for `seconds`, and
        none closer together than that for the rest of the run."""
        state = self._get(host)
        state.delay = max(state.delay, seconds)
        state.next_start = max(state.next_start, asyncio.get_running_loop().time() + seconds)

    @contextlib.asynccontextmanager
    async def turn(self, host: str) -> AsyncIterator[None]:
        """Hold one of `host`'s slots, entered no sooner than its delay allows."""
        state = self._get(host)
        loop = asyncio.get_running_loop()
        async with state.slots:
            async with state.pace:
                if (wait := state.next_start - loop.time()) > 0:
                    await asyncio.sleep(wait)
                state.next_start = loop.time() + state.delay
            yield


class Budget:
    """Seconds left for one fetch; `running()` raises TimeoutError when they run out."""

    def __init__(self, seconds: float) -> None:
        self.left = seconds

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            async with asyncio.timeout(max(self.left, 0.0)):
                yield
        finally:
            self.left -= loop.time() - started
