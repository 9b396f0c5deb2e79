"""Every setting, declared once: each field of `Settings` is one row of the table, with its
default, help, range and the commands that take it as a flag. From the row come its
`LEGIBLE_*` variable, its flag, the parsing of both (flags override the environment),
`legible serve --help` and docs/operators/settings.md (`legible settings --markdown`).
Adding a setting is adding a field here."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal, TypeVar

from .admin_auth import check_token
from .clientaddr import parse_network
from .errors import SettingsInvalid
from .purge import check_url

T = TypeVar("T")
CHECKS = {"urls": check_url, "networks": parse_network, "tokens": check_token}
Kind = Literal["text", "int", "number", "bool", "hosts", "urls", "networks", "tokens"]
TOP = "legible"  # a flag taken before the command: `legible --db PATH import …`
SERVE = ("serve",)


def setting(
    default: T,
    help: str,
    *,
    commands: tuple[str, ...] = SERVE,
    low: float | None = None,
    high: float | None = None,
    shown: str | None = None,
    values: str | None = None,
    see: str | None = None,
    secret: bool = False,
    kind: Kind | None = None,
) -> T:
    """One row of the table. `commands` take it as a flag (none: environment only);
    numbers must be above 0 and within [low, high]; `shown` is the default as the docs
    say it when the value does not; `values` says what it takes when its type does not;
    `see` is the docs page that says more; a `secret` is never printed."""
    row = dict(help=help, commands=commands, low=low, high=high, shown=shown, values=values)
    row.update(see=see, secret=secret, kind=kind)
    return field(default=default, metadata={"row": row})


@dataclass(frozen=True)
class Settings:
    """The settings a command runs with: `Settings.from_env(env, **flags)`."""

    db: str = setting(
        "./data/legible.db",
        "where the articles are: a file path is an SQLite file (WAL mode; created and"
        " migrated on start), a postgresql://user:password@host:port/database URL a"
        " PostgreSQL database shared by replicas (migrated on start)",
        commands=(TOP, "serve", "import", "export"),
        values="a file path or a `postgresql://` URL",
        see="production.md#postgresql",
    )
    host: str = setting("127.0.0.1", "address to listen on")
    port: int = setting(8000, "port to listen on", low=1, high=65535)
    admin_token: str | None = setting(
        None,
        "bearer tokens of the admin API, off without any; no flag: `ps` would show it",
        commands=(),
        secret=True,
        kind="tokens",
        values="comma-separated tokens of 32 characters or more",
        see="production.md#admin-tokens-and-client-addresses",
    )
    admin_token_file: str | None = setting(
        None,
        "more admin tokens, one a line (`#` comments); re-read on change or SIGHUP",
        commands=(),  # none: `--admin-token` would abbreviate `--admin-token-file`
        see="production.md#admin-tokens-and-client-addresses",
    )
    trusted_proxies: tuple[str, ...] = setting(
        (),
        "proxies whose `X-Forwarded-For` names the client: the right-most hop not in them",
        shown="none",
        kind="networks",
        values="comma-separated addresses or CIDR networks",
        see="production.md#admin-tokens-and-client-addresses",
    )
    cache_mb: float = setting(
        64.0,
        "byte budget of the page cache in MB: three quarters for rendered pages, a"
        " quarter for the article blocks their variants share",
        see="caching.md",
    )
    demo: bool = setting(True, "load the demo articles into an empty store")
    https: bool = setting(False, "served over https: `Secure` cookie and HSTS")
    allowed_hosts: tuple[str, ...] = setting(
        (),
        "`Host` names to accept (others get 400); unset accepts any",
        shown="any",
        kind="hosts",
    )
    themes_dir: str | None = setting(
        None,
        "folder of theme files",
        commands=("serve", "widget-snippet", "audit"),
        shown="the bundled `themes/`",
        see="themes.md",
    )
    max_body_mb: float = setting(2.0, "largest admin API body in MB")
    access_log: bool = setting(True, "one JSON line per request on stderr (batched every 0.5 s)")
    workers: int = setting(
        1, "server processes, each with its own page cache", low=1, see="caching.md"
    )
    max_connections: int | None = setting(
        None,
        "connections each worker holds at once, idle keep-alives included",
        low=1,
        shown="what the open-file limit allows, up to 16384",
        see="connections.md",
    )
    header_timeout: float = setting(
        5.0,
        "seconds a connection has to send a whole request head, counted from its connect"
        " or its last response: slow senders and idle keep-alive connections are closed"
        " after it",
        low=0.1,
        high=3600,
        see="connections.md",
    )
    backlog: int = setting(
        4096,
        "listen queue for connections not yet accepted (the kernel caps it at"
        " `net.core.somaxconn`)",
        low=128,  # granian raises anything lower to 128
        high=65535,
    )
    purge_urls: tuple[str, ...] = setting(
        (),
        "URLs of HTTP caches in front (Varnish with xkey): every PUT, DELETE and import"
        " sends them `PURGE` with `xkey-purge: article:SLUG lists`, in the background,"
        " retried on failure",
        commands=("serve", "import"),
        shown="unset",
        kind="urls",
        see="production.md#reference-deployment",
    )
    metrics: bool = setting(
        False,
        "serve `/metrics` in Prometheus' text format, summed over the workers",
        see="production.md#metrics",
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, /, **flags: object) -> Settings:
        """The environment's `LEGIBLE_*` values, then the flags given (None: not given)
        over them. A bad value raises SettingsInvalid naming the variable or flag."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for row in SETTINGS:
            raw = env.get(row.env, "")
            if raw.strip():
                values[row.name] = row.parse(raw, f"{row.env}={raw!r}")
            given = flags.pop(row.name, None)
            if given is not None and given != "":
                values[row.name] = row.parse(given, f"{row.flag} {given}")
        if flags:
            raise TypeError(f"no such settings: {', '.join(flags)}")
        return replace(cls(), **values)  # type: ignore[arg-type]

    def as_env(self) -> dict[str, str]:
        """These settings as `LEGIBLE_*` variables (for `legible serve`'s workers, which
        read the environment): `Settings.from_env(s.as_env()) == s`."""
        out = {}
        for row in SETTINGS:
            value = getattr(self, row.name)
            if value is not None and value != ():
                out[row.env] = row.text(value)
        return out

    @property
    def cache_bytes(self) -> int:
        return int(self.cache_mb * 1024 * 1024)

    @property
    def max_body_bytes(self) -> int:
        return int(self.max_body_mb * 1024 * 1024)


@dataclass(frozen=True)
class Row:
    """One setting as the table declares it (a field of `Settings` and its metadata)."""

    name: str
    kind: Kind
    default: object
    help: str
    commands: tuple[str, ...]
    low: float | None
    high: float | None
    shown: str | None
    values: str | None
    see: str | None
    secret: bool

    @property
    def env(self) -> str:
        return f"LEGIBLE_{self.name.upper()}"

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def parse(self, raw: object, given: str) -> object:
        """`raw` (text from the environment or a flag, or an already typed value) as
        this setting's value; SettingsInvalid naming `given` and what to use if not."""
        if self.kind == "bool":
            if isinstance(raw, bool):
                return raw
            word = str(raw).strip().lower()
            if word in ("1", "true", "yes", "on") or word in ("0", "false", "no", "off"):
                return word in ("1", "true", "yes", "on")
            raise SettingsInvalid(f"{given} is not a yes or no: use {self.what()}")
        if self.kind in ("int", "number"):
            return self._number(raw, given)
        text = str(raw).strip()
        if self.kind == "hosts":
            return tuple(h.strip().lower() for h in text.split(",") if h.strip())
        if self.kind in CHECKS:  # a list whose items are each checked
            items = tuple(u.strip() for u in text.split(",") if u.strip())
            for item in items:
                try:
                    CHECKS[self.kind](item)
                except ValueError as exc:  # names the variable or flag, never a secret value
                    raise SettingsInvalid(f"{given.split('=')[0].split(' ')[0]}: {exc}") from None
            return ",".join(items) if self.kind == "tokens" else items
        return text

    def _number(self, raw: object, given: str) -> object:
        whole = self.kind == "int"
        try:
            value: float = int(str(raw).strip()) if whole else float(str(raw))
        except ValueError:
            problem = "not a whole number" if whole else "not a number"
            raise SettingsInvalid(f"{given} is {problem}: use {self.what()}") from None
        low = self.low if self.low is not None else -math.inf
        high = self.high if self.high is not None else math.inf
        if not (math.isfinite(value) and value > 0 and low <= value <= high):
            raise SettingsInvalid(f"{given} is out of range: use {self.what()}")
        return value

    def what(self) -> str:
        """What the setting takes, in words: for messages, `--help` and the docs."""
        if self.values:
            return self.values.replace("`", "")
        if self.kind == "bool":
            return "1 or 0 (or true/false, yes/no, on/off)"
        if self.kind == "hosts":
            return "comma-separated host names"
        if self.kind == "urls":
            return "comma-separated http:// or https:// URLs"
        if self.kind == "text":
            return "text"
        number = "a whole number" if self.kind == "int" else "a number"
        if self.low is None and self.high is None:
            return f"{number} above 0"
        if self.high is None:
            return f"{number} of at least {self.low:g}"
        return f"{number} from {self.low:g} to {self.high:g}"

    def text(self, value: object) -> str:
        """`value` as the environment would spell it."""
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, tuple):
            return ",".join(value)
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    def default_text(self) -> str:
        if self.shown is not None:
            return self.shown
        return "unset" if self.default is None else self.text(self.default)


def _kind(annotation: object) -> Kind:
    spelled = str(annotation)
    for prefix, kind in (("bool", "bool"), ("int", "int"), ("float", "number")):
        if spelled.startswith(prefix):
            return kind  # type: ignore[return-value]
    if spelled.startswith("str"):
        return "text"
    raise TypeError(f"give the setting of type {spelled} a kind")


SETTINGS: tuple[Row, ...] = tuple(
    Row(
        name=f.name,
        default=f.default,
        **{**f.metadata["row"], "kind": f.metadata["row"]["kind"] or _kind(f.type)},
    )
    for f in fields(Settings)
)


def add_flags(parser: argparse.ArgumentParser, command: str) -> None:
    """The flags of the settings `command` takes. A flag not given stays out of the
    namespace (SUPPRESS), so `legible --db A serve` keeps A and `serve --db B` wins."""
    for row in SETTINGS:
        if command not in row.commands:
            continue
        takes = "" if row.kind == "text" else f": {row.what()}"
        where = f"{row.env}{takes}; default {row.default_text()}".replace("`", "")
        text = f"{row.help} ({where})".replace("`", "").replace("%", "%%")
        if row.kind == "bool":
            parser.add_argument(
                row.flag,
                dest=row.name,
                action=argparse.BooleanOptionalAction,
                default=argparse.SUPPRESS,
                help=text,
            )
        else:
            metavar = {"int": "N", "number": "N", "hosts": "HOSTS", "urls": "URLS"}
            parser.add_argument(
                row.flag,
                dest=row.name,
                default=argparse.SUPPRESS,
                metavar=metavar.get(row.kind, row.name.split("_")[-1].upper()),
                help=text,
            )


def flags_given(args: argparse.Namespace) -> dict[str, Any]:
    """The setting flags on a parsed command line, by setting name."""
    given = vars(args)
    return {row.name: given[row.name] for row in SETTINGS if row.name in given}


def effective(settings: Settings, env: Mapping[str, str]) -> Iterable[str]:
    """`LEGIBLE_X=value` lines for `legible settings`, secrets hidden, each saying
    whether the environment set it."""
    for row in SETTINGS:
        value = getattr(settings, row.name)
        source = "environment" if env.get(row.env, "").strip() else "default"
        if value is None or value == ():
            unset = "" if row.default_text() == "unset" else f": {row.default_text()}"
            yield f"{row.env} unset{unset}".replace("`", "")
        else:
            yield f"{row.env}={'***' if row.secret else row.text(value)}  ({source})"
