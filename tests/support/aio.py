"""Running coroutines from tests, whatever the main thread is doing.

When the e2e suite shares the pytest session, Playwright's sync API keeps an
event loop running on the main thread, and asyncio.run() refuses to start
there. These helpers run on a fresh thread instead, as granian runs a
worker's loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def on_own_thread(fn: Callable[[], T]) -> T:
    """`fn()` on a fresh thread; its result or its exception."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


def run(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run(coro) on a fresh thread."""
    return on_own_thread(lambda: asyncio.run(coro))
