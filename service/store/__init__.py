"""The article store: SQLite when `LEGIBLE_DB` is a file path (the embedded
default), PostgreSQL when it is a `postgresql://` URL (shared by replicas).

`open_store` picks the engine; both behave the same (`common.Store`).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import SettingsInvalid
from ..version import DISTRIBUTION
from .common import Changes, Hit, Store, WriteResult, html_to_text, snippet
from .sqlite import SQLiteStore

__all__ = [
    "Changes",
    "Hit",
    "SQLiteStore",
    "Store",
    "WriteResult",
    "html_to_text",
    "is_postgres",
    "open_store",
    "snippet",
]

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(db: str | Path) -> bool:
    return str(db).startswith(POSTGRES_SCHEMES)


def open_store(db: str | Path) -> Store:
    """The store `db` names, migrated; StoreUnavailable if it cannot be reached,
    SettingsInvalid if `db` cannot be used at all."""
    if not is_postgres(db):
        return SQLiteStore(db)
    try:
        from .postgres import PostgresStore
    except ImportError as exc:
        raise SettingsInvalid(
            f"LEGIBLE_DB is a PostgreSQL URL but {exc.name or 'psycopg'} is not installed:"
            f" pip install '{DISTRIBUTION}[postgresql]'"
        ) from None
    return PostgresStore(str(db))
