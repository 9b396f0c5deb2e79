"""Where a PostgreSQL URL points, for messages and logs: never who, never a secret."""

from __future__ import annotations

import re

import psycopg
from psycopg.conninfo import conninfo_to_dict

HIDDEN = "(the URL is not shown: it does not parse cleanly)"
_HOST = re.compile(r"[\w.,:\[\]/-]+")  # names, addresses, lists of them, socket folders
_PORT = re.compile(r"[\d,]*")
_DBNAME = re.compile(r"[^@/:?#]*")


def redacted(url: str) -> str:
    """Where the database is, for messages and logs: host, port and database name
    only, never the user, password or other parameters (a password may hold '/' or
    '@', or come as `?password=`). A URL libpq cannot parse is not shown at all."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.Error:
        return HIDDEN
    host = str(parts.get("host") or "localhost")
    port = str(parts.get("port") or "")
    dbname = str(parts.get("dbname") or "")
    # An unencoded '/' or '@' in a password makes libpq read part of it as the host,
    # port or database: show those only when they look like what they are.
    if not (_HOST.fullmatch(host) and _PORT.fullmatch(port) and _DBNAME.fullmatch(dbname)):
        return HIDDEN
    return f"postgresql://{host}{':' if port else ''}{port}/{dbname}"
