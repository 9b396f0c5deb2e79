"""The README's gallery is what the pages look like now: `make gallery` records the
pages' version with the pictures, and a change to a template, theme or the CSS
without new pictures fails here."""

from __future__ import annotations

import json
from pathlib import Path

from service.assets import build_css
from service.site import pages_version
from service.themes import data_dir, load_themes

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ROOT / "docs" / "gallery"


def manifest() -> dict[str, object]:
    return json.loads((GALLERY / "manifest.json").read_text(encoding="utf-8"))


def test_the_gallery_shows_the_current_pages() -> None:
    themes_dir = data_dir("themes")
    current = pages_version(build_css(themes_dir, load_themes(themes_dir)))
    assert manifest()["version"] == current, (
        "templates, themes or CSS changed since the gallery was made: run `make gallery`"
    )


def test_every_theme_is_pictured_and_the_readme_shows_every_picture() -> None:
    images = [image["file"] for image in manifest()["images"]]  # type: ignore[index]
    themes = load_themes(data_dir("themes"))
    assert {f"article-{name}.png" for name in themes} <= set(images)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in images:
        assert (GALLERY / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert f"docs/gallery/{name}" in readme, f"the README does not show {name}"
