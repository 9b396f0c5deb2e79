"""The embeddable widget's files, built at start-up from `widget/` and the themes.

Placeholder until the widget lands (issue 5): no files yet, so /widget.js is 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from .themes import Theme


@dataclass(frozen=True)
class WidgetAsset:
    url: str  # "/widget.js" (the stable loader) or "/widget/…"
    body: bytes
    media_type: str
    cache_control: str


def widget_assets(themes: dict[str, Theme], css_url: str) -> list[WidgetAsset]:
    return []
