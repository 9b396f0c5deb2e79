"""Network jail for the fetcher's tests: every TCP connection httpcore attempts is
recorded, PUBLIC (a made-up public address the tests' resolvers give) goes to
127.0.0.1, and anything else fails the test, so nothing leaves this machine."""

from __future__ import annotations

from typing import Any

import httpcore
import pytest

PUBLIC = "93.184.215.14"  # a public address in name only: connections to it reach loopback


def jail(monkeypatch: pytest.MonkeyPatch, loopback: bool = False) -> list[str]:
    """Patch httpcore; return the list of hosts connections were attempted to. With
    `loopback`, 127.0.0.1 and ::1 may be reached directly too."""
    attempts: list[str] = []
    real = httpcore.AnyIOBackend.connect_tcp
    allowed = ("127.0.0.1", "::1") if loopback else ()

    async def connect(self: Any, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        attempts.append(host)
        if host == PUBLIC:
            host = "127.0.0.1"
        elif host not in allowed:
            raise AssertionError(f"a test tried to connect to {host}")
        return await real(self, host, port, *args, **kwargs)

    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", connect)
    return attempts
