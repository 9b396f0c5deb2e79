"""Every setting, declared once: each field of `Settings` is one row of the table, with its
default, help, range and the commands that take it as a flag. From the row come its
`LEGIBLE_*` variable, its flag, the parsing of both (flags override the environment),
`legible serve --help` and docs/operators/settings.md (`legible settings --markdown`).
Adding a setting is adding a field here."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from .settings_table import SERVE, TOP, Row, kind_of, setting

__all__ = ["SERVE", "SETTINGS", "TOP", "Row", "Settings", "setting"]


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
    demo: bool = setting(
        False,
        "load the six demo articles into an empty store (`make run` sets it; a"
        " production start leaves it off)",
        see="your-portal.md",
    )
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
    media_max_mb: float = setting(
        20.0, "largest photo in MB, uploaded or imported", commands=("serve", "import"),
        see="articles.md",
    )  # fmt: skip
    media_max_pixels: int = setting(
        40_000_000,
        "most pixels (width x height) a photo may have, checked before it is decoded",
        commands=("serve", "import"),
        low=1,
        see="articles.md",
    )
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
    site_name: str | None = setting(
        None,
        "the site's name: in every page's title, the header (the logo's text"
        " alternative), the feed and the sitemap's links",
        shown="“Trang tin” (vi) or “News” (en)",
        see="your-portal.md",
    )
    site_tagline: str | None = setting(
        None, "a short line beside the name in the header", see="your-portal.md"
    )
    site_lang: str = setting(
        "vi",
        "the language of the interface on every page (an article keeps its own lang) and the feed",
        choices=("vi", "en"),
        see="your-portal.md",
    )
    site_logo: str | None = setting(
        None,
        "an image file (PNG, JPEG, GIF or WebP) shown in the header instead of the"
        " name, with the name as its text alternative; served from a hashed URL",
        values="a file path",
        see="your-portal.md",
    )
    site_footer: str | None = setting(
        None, "text for every page's footer (an address, a contact)", see="your-portal.md"
    )
    powered_by: bool = setting(True, "say “Powered by Legible” in the footer")
    sections: tuple[str, ...] = setting(
        (), "tags shown as sections in the header, in this order", shown="none", kind="names",
        values="comma-separated tags", see="your-portal.md#sections-and-tags",
    )  # fmt: skip
    public_url: str | None = setting(
        None,
        "the site's public origin, `https://news.example`: canonical links, the"
        " sitemap, the feed and robots.txt name it; unset, pages carry no canonical"
        " link and the sitemap and feed are not served",
        kind="origin",
        see="your-portal.md#found-by-search-engines",
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

    @property
    def media_max_bytes(self) -> int:
        return int(self.media_max_mb * 1024 * 1024)


SETTINGS: tuple[Row, ...] = tuple(
    Row(
        name=f.name,
        default=f.default,
        **{**f.metadata["row"], "kind": f.metadata["row"]["kind"] or kind_of(f.type)},
    )
    for f in fields(Settings)
)
