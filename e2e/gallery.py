"""The README's gallery: what readers get, photographed by the e2e machinery.

    make gallery        (or: .venv/bin/python -m e2e.gallery)

Starts a real `legible serve` with the demo articles and the portal article (the
real seed from ../shared when it is there, else tests/fixtures/portal-article.txt),
and saves to docs/gallery/: the article in every theme on a laptop, at 200 % on a
phone, and on the phone with the display options open. `manifest.json` records the
pages' version (templates, themes, CSS); tests/test_gallery.py fails when it no
longer matches, so the pictures never go stale.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from e2e.matrix import load
from legible_audit.browser import LAUNCH_ARGS, chromium_executable
from service.assets import build_css
from service.importers import articles_from
from service.site import pages_version
from service.themes import data_dir
from tests.support import live, portal_article

ROOT = Path(__file__).resolve().parents[1]

GALLERY = ROOT / "docs" / "gallery"
SEED = ROOT.parent / "shared" / "seeds" / "000_fe6bc2d69edf9f80.txt"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 780}


def shots() -> list[tuple[str, str, dict[str, int], str, bool]]:
    """(file, caption, viewport, query, options open) for every picture."""
    themes = load()
    out = [
        (
            f"article-{name}.png",
            f"{theme.label_vi} ({theme.label_en})",
            LAPTOP,
            f"theme={name}",
            False,
        )
        for name, theme in themes.items()
    ]
    out.append(
        ("phone-200.png", "Điện thoại, cỡ chữ 200 %", PHONE, "theme=high-contrast&size=200", False)
    )
    out.append(
        (
            "phone-200-options.png",
            "Tùy chọn hiển thị đang mở",
            PHONE,
            "theme=high-contrast&size=200",
            True,
        )
    )
    return out


def photograph(page: Page, url: str, open_options: bool, path: Path) -> None:
    page.goto(url)
    if open_options:
        page.locator("details.prefs > summary").click()
    page.screenshot(path=str(path))


START = "<!-- gallery:start (written by `make gallery`) -->\n"
END = "<!-- gallery:end -->\n"


def write_readme(images: list[dict[str, str]]) -> None:
    """The README's gallery: two pictures a row, between the markers."""
    cells = [f"![{i['caption']}](docs/gallery/{i['file']}) {i['caption']}" for i in images]
    if len(cells) % 2:
        cells.append("")
    rows = [f"| {a} | {b} |" for a, b in zip(cells[::2], cells[1::2], strict=True)]
    table = "| | |\n|---|---|\n" + "\n".join(rows) + "\n"
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    readme.write_text(before + START + table + END + after, encoding="utf-8")


def main() -> int:
    source = SEED if SEED.is_file() else portal_article.PATH
    slug = articles_from(source)[0].slug
    GALLERY.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        db = str(Path(work) / "gallery.db")
        subprocess.run(
            [*live.PYTHON_CLI, "--db", db, "import", str(source)], check=True, cwd=ROOT,
            capture_output=True,
        )  # fmt: skip
        env = live.server_env({"LEGIBLE_DEMO": "0", "LEGIBLE_ACCESS_LOG": "0"})
        server = live.serve(db=db, env=env, log=Path(work) / "server.log")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium_executable(), args=LAUNCH_ARGS)
                for name, _caption, viewport, query, open_options in shots():
                    context = browser.new_context(viewport=viewport, locale="vi-VN")
                    page = context.new_page()
                    url = f"{server.url}/articles/{slug}?{query}"
                    photograph(page, url, open_options, GALLERY / name)
                    context.close()
                browser.close()
        finally:
            server.stop()
    themes_dir = data_dir("themes")
    images = [{"file": s[0], "caption": s[1]} for s in shots()]
    manifest = {
        "version": pages_version(build_css(themes_dir, load(themes_dir))),
        "article": source.name,
        "images": images,
    }
    (GALLERY / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    )
    write_readme(images)
    print(f"gallery: {len(images)} pictures in {GALLERY.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
