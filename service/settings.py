"""Settings from `LEGIBLE_*` environment variables (flags override them in the CLI)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

from .errors import SettingsInvalid
from .purge import check_url


@dataclass(frozen=True)
class Settings:
    """Every setting, its environment variable, and its default.

    db               LEGIBLE_DB               SQLite file or postgresql:// URL  ./data/legible.db
    host             LEGIBLE_HOST             address to listen on         127.0.0.1
    port             LEGIBLE_PORT             port to listen on            8000
    admin_token      LEGIBLE_ADMIN_TOKEN      bearer token for /api; unset = API off
    cache_mb         LEGIBLE_CACHE_MB         page cache budget in MB      64
    demo             LEGIBLE_DEMO             demo articles into an empty store  1
    https            LEGIBLE_HTTPS            served over https: Secure cookies, HSTS  0
    allowed_hosts    LEGIBLE_ALLOWED_HOSTS    comma-separated Host names; empty = any
    themes_dir       LEGIBLE_THEMES_DIR       folder of theme files        (bundled themes/)
    max_body_mb      LEGIBLE_MAX_BODY_MB      largest API body in MB       2
    access_log       LEGIBLE_ACCESS_LOG       one JSON line per request    1
    workers          LEGIBLE_WORKERS          server processes             1
    max_connections  LEGIBLE_MAX_CONNECTIONS  connections a worker holds   (open files, <= 16384)
    header_timeout   LEGIBLE_HEADER_TIMEOUT   s to send a request head, from connect or the
                                              last response (ends idle keep-alives too)  5
    backlog          LEGIBLE_BACKLOG          listen queue length          4096
    purge_urls       LEGIBLE_PURGE_URLS       comma-separated caches to purge by tag after a write
    metrics          LEGIBLE_METRICS          serve /metrics (Prometheus)  0
    """

    db: str = "./data/legible.db"
    host: str = "127.0.0.1"
    port: int = 8000
    admin_token: str | None = None
    cache_mb: float = 64.0
    demo: bool = True
    https: bool = False
    allowed_hosts: tuple[str, ...] = field(default_factory=tuple)
    themes_dir: str | None = None
    max_body_mb: float = 2.0
    access_log: bool = True
    workers: int = 1
    max_connections: int | None = None
    header_timeout: float = 5.0
    backlog: int = 4096
    purge_urls: tuple[str, ...] = field(default_factory=tuple)
    metrics: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"LEGIBLE_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.name, raw, f.type)
        for name, value in overrides.items():  # flags, already typed by argparse
            if value is not None:
                flag = f"--{name.replace('_', '-')} {value}"
                values[name] = _check(name, value, flag)
        return replace(cls(), **values)  # type: ignore[arg-type]

    @property
    def cache_bytes(self) -> int:
        return int(self.cache_mb * 1024 * 1024)

    @property
    def max_body_bytes(self) -> int:
        return int(self.max_body_mb * 1024 * 1024)


# Numbers with bounds, inclusive (None: no upper bound). Others need only be > 0.
RANGES: dict[str, tuple[float, float | None]] = {
    "port": (1, 65535),
    "workers": (1, None),
    "max_connections": (1, None),
    "header_timeout": (0.1, 3600),
    "backlog": (128, 65535),  # granian raises anything lower to 128
}


def _convert(name: str, raw: str, kind: object) -> object:
    var = f"LEGIBLE_{name.upper()}"
    text = str(kind)
    try:
        if "bool" in text:
            low = raw.strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if text.startswith("int"):
            return _check(name, int(raw), f"{var}={raw!r}")
        if text == "float":
            return _check(name, float(raw), f"{var}={raw!r}")
        if name == "purge_urls":
            return _urls(raw, var)
        if "tuple" in text:
            return tuple(h.strip().lower() for h in raw.split(",") if h.strip())
    except ValueError:
        what = "whole number" if text.startswith("int") else text.replace("str | None", "text")
        raise SettingsInvalid(f"{var}={raw!r} is not a valid {what}") from None
    return raw


def _check(name: str, value: object, given: str) -> object:
    """`value` if it is in the setting's range, else SettingsInvalid naming `given`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    low, high = RANGES.get(name, (0, None))
    if value == value and value >= low and (high is None or value <= high) and value > 0:
        return value  # (NaN fails value == value)
    whole = "a whole number" if isinstance(value, int) else "a number"
    if name not in RANGES:
        bounds = "above 0"
    elif high is None:
        bounds = f"of at least {low:g}"
    else:
        bounds = f"from {low:g} to {high:g}"
    raise SettingsInvalid(f"{given} is out of range: use {whole} {bounds}")


def _urls(raw: str, var: str) -> tuple[str, ...]:
    """Comma-separated http(s) URLs, each checked (purge.check_url)."""
    urls = tuple(u.strip() for u in raw.split(",") if u.strip())
    for url in urls:
        try:
            check_url(url)
        except ValueError as exc:
            raise SettingsInvalid(f"{var}: {exc}") from None
    return urls
