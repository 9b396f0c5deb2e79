"""Legible: news rendered server-side in the reader's contrast and text size."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .settings import Settings
from .version import __version__

if TYPE_CHECKING:
    from .app import create_app

__all__ = ["Settings", "__version__", "create_app"]


def __getattr__(name: str) -> Any:
    # Lazy, so `legible import` and the server's supervisor process do not load
    # Starlette, Jinja2 and the rest just to parse their arguments.
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module 'service' has no attribute {name!r}")
