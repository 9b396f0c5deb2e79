"""Legible: news rendered server-side in the reader's contrast and text size."""

from .app import create_app
from .settings import Settings

__version__ = "0.1.0"
__all__ = ["Settings", "__version__", "create_app"]
