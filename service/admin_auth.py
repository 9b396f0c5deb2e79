"""Who may use the admin API.

Tokens come from LEGIBLE_ADMIN_TOKEN (comma-separated) and LEGIBLE_ADMIN_TOKEN_FILE
(one a line; blank lines and `#` comments skipped), all valid at once, each at least
MIN_LENGTH characters. The file is re-read without a restart when it changes (a
stat, at most once a second, on an admin request) or on SIGHUP, so a token rotates
by add-new, deploy, remove-old. A file that turns unreadable, empty or holds a
short token keeps the last good set and logs one line.

A credential is hashed and compared with every token's hash (constant time, no
early exit), so neither which token matched nor a token's length leaks. The audit
line names a token by its fingerprint: the first 12 hex digits of its SHA-256.

Bad tokens are limited per client address: FAILURES in WINDOW seconds, then 429
with Retry-After until the window ends. The limit is kept in memory by each worker,
so with N workers an address gets up to N x FAILURES tries a window.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import mmap
import multiprocessing
import os
import signal
import time
from collections.abc import Iterable
from ipaddress import IPv6Address, ip_address
from types import FrameType

from .errors import ApiError, SettingsInvalid

MIN_LENGTH = 32
CHECK_SECONDS = 1.0  # the token file's stat, at most this often
FAILURES = 10  # bad tokens an address may send a WINDOW, per worker
WINDOW = 60.0
ADDRESSES_KEPT = 4096  # addresses the limit remembers, per worker
FILE = "LEGIBLE_ADMIN_TOKEN_FILE"

log = logging.getLogger("legible")
# SIGHUP's count, in memory the server's forked workers share with its main process.
_hangups = mmap.mmap(-1, 8)


def check_token(token: str) -> None:
    """ValueError, never showing the token, unless it is long enough to be a secret."""
    if len(token) < MIN_LENGTH:
        raise ValueError(
            f"a token is {len(token)} characters; each must be at least {MIN_LENGTH}"
            " (make one with: openssl rand -hex 32)"
        )
    if not (token.isascii() and token.isprintable()) or " " in token:
        raise ValueError("a token holds a space or a character outside printable ASCII")


def fingerprint(token: str) -> str:
    """What the audit line names a token by: `printf %s TOKEN | sha256sum | cut -c1-12`."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def read_tokens(path: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The tokens in the file and the file's identity (inode, size, mtime); ValueError
    saying what is wrong, never showing a token."""
    try:
        with open(path, encoding="utf-8") as f:
            seen = _identity(os.fstat(f.fileno()))
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(
            f"{path}: cannot read it: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    tokens = tuple(t for t in (line.strip() for line in lines) if t and not t.startswith("#"))
    if not tokens:
        raise ValueError(f"{path} holds no tokens")
    for number, token in enumerate(tokens, 1):
        try:
            check_token(token)
        except ValueError as exc:
            raise ValueError(f"{path}, token {number}: {exc}") from None
    return tokens, seen


def _identity(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _hangups_seen() -> int:
    return int.from_bytes(_hangups[:8], "little")


def _hangup(signum: int, frame: FrameType | None) -> None:
    _hangups[:8] = (_hangups_seen() + 1).to_bytes(8, "little")
    log.info("SIGHUP: each worker re-reads the admin tokens on its next admin request")


def reload_on_hangup() -> None:
    """For `legible serve`'s main process, after granian set its signals (its startup
    hook): SIGHUP makes the workers re-read the token file in place, instead of
    granian respawning them with empty page caches. Forked workers share the count;
    where granian spawns them instead (Python 3.14's default), its SIGHUP stays."""
    if multiprocessing.get_start_method() == "fork":
        signal.signal(signal.SIGHUP, _hangup)


class Failures:
    """Bad tokens per address in fixed windows; bounded: the oldest address is
    forgotten first. IPv6 addresses count by their /64, what one host is given."""

    def __init__(self, limit: int = FAILURES, window: float = WINDOW) -> None:
        self.limit, self.window = limit, window
        self._by: dict[str, list[float]] = {}  # key -> [window start, failures]

    @staticmethod
    def key(address: str) -> str:
        try:
            parsed = ip_address(address)
        except ValueError:
            return address[:64]
        if isinstance(parsed, IPv6Address):
            if parsed.ipv4_mapped is not None:
                return str(parsed.ipv4_mapped)
            return parsed.exploded[:19]  # the first four groups: the /64
        return str(parsed)

    def wait(self, address: str, now: float) -> float:
        """Seconds `address` must wait before it may try a token again (0: now)."""
        seen = self._by.get(self.key(address))
        if seen is None or now - seen[0] >= self.window or seen[1] < self.limit:
            return 0.0
        return seen[0] + self.window - now

    def failed(self, address: str, now: float) -> bool:
        """Count a bad token; True if it used the address's last try."""
        key = self.key(address)
        seen = self._by.pop(key, None)
        if seen is None or now - seen[0] >= self.window:
            seen = [now, 0.0]
        seen[1] += 1
        self._by[key] = seen  # last in order: the most recently active
        while len(self._by) > ADDRESSES_KEPT:
            del self._by[next(iter(self._by))]
        return seen[1] >= self.limit


class AdminTokens:
    """The admin tokens of one worker (or of `legible serve` checking them at start)."""

    def __init__(self, tokens: Iterable[str], path: str | None = None) -> None:
        self.fixed = tuple(tokens)
        self.path = path
        self.failures = Failures()
        self._from_file: tuple[str, ...] = ()
        self._seen: tuple[int, ...] | None = None
        self._hangups = _hangups_seen()
        self._next_check = time.monotonic() + CHECK_SECONDS
        if path is not None:
            self._from_file, self._seen = read_tokens(path)  # ValueError: refused at start
        self._use()

    @classmethod
    def from_settings(cls, token: str | None, path: str | None) -> AdminTokens:
        """LEGIBLE_ADMIN_TOKEN's (comma-separated; their length is checked when the
        setting is read) and the file's tokens; SettingsInvalid for a bad file."""
        tokens = [t.strip() for t in (token or "").split(",") if t.strip()]
        try:
            return cls(tokens, path or None)
        except ValueError as exc:
            raise SettingsInvalid(f"{FILE}: {exc}") from None

    @property
    def on(self) -> bool:
        return bool(self.fixed) or self.path is not None

    def _use(self) -> None:
        tokens = dict.fromkeys(self.fixed + self._from_file)
        self._digests = [(hashlib.sha256(t.encode()).digest(), fingerprint(t)) for t in tokens]

    def refresh(self, now: float) -> None:
        """Re-read the file if it changed (or SIGHUP came) since it was last read; a bad
        file keeps the tokens in use and is reported once per version of it."""
        if self.path is None:
            return
        hangups = _hangups_seen()
        if now < self._next_check and hangups == self._hangups:
            return
        self._next_check = now + CHECK_SECONDS
        try:
            current: tuple[int, ...] | None = _identity(os.stat(self.path))
        except OSError:
            current = None
        if current == self._seen and hangups == self._hangups:
            return
        self._hangups = hangups
        try:
            self._from_file, self._seen = read_tokens(self.path)
        except ValueError as exc:  # once per version of the file (or SIGHUP)
            log.warning("%s: %s; the admin API keeps the tokens it had", FILE, exc)
            self._seen = current
            return
        self._use()
        log.info("%s: re-read, %d tokens", FILE, len(self._from_file))

    def match(self, credential: str) -> str | None:
        """The fingerprint of the token `credential` is, or None: compared with every
        token, by hash, so the time taken does not depend on which one or how long."""
        given = hashlib.sha256(credential.encode()).digest()
        found = None
        for digest, print_ in self._digests:
            if hmac.compare_digest(given, digest):
                found = print_
        return found

    def authorise(self, authorization: str, client: str) -> str:
        """The matched token's fingerprint for an `Authorization` header from `client`;
        ApiError 404 (the API is off), 429 (too many bad tokens) or 401 otherwise."""
        if not self.on:
            raise ApiError(404, {"error": "the admin API is off: set LEGIBLE_ADMIN_TOKEN"})
        now = time.monotonic()
        wait = self.failures.wait(client, now)
        if wait > 0:
            raise ApiError(
                429,
                {"error": "too many bad tokens from this address: try again later"},
                {"Retry-After": str(math.ceil(wait))},
            )
        self.refresh(now)
        scheme, _, credential = authorization.partition(" ")
        found = self.match(credential.strip()) if scheme.lower() == "bearer" else None
        if found is None:
            if self.failures.failed(client, now):  # one line per address and window
                log.warning(
                    "admin API: %d bad tokens from %s: it gets 429 for up to %g s",
                    self.failures.limit, client, self.failures.window,
                )  # fmt: skip
            raise ApiError(
                401,
                {"error": "send Authorization: Bearer <an admin token>"},
                {"WWW-Authenticate": 'Bearer realm="legible"'},
            )
        return found
