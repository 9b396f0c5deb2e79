"""The browser matrix, generated from the pages below and the theme files.

Adding a file to themes/ adds cells; nothing here names a theme except the
contract's `default` and `high-contrast` (the JavaScript-off journey needs the
latter, and the real seed's few cells use both).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from service.preferences import Preference, build_url
from service.themes import Theme, data_dir, load_themes
from tests.support import portal_article

SIZES = (100, 150, 200)
LARGEST = max(SIZES)  # where the custom checks run, in every theme


@dataclass(frozen=True)
class PageSpec:
    """One page of the matrix. `path` may hold `{seed}`, the seed article's slug."""

    name: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    status: int = 200
    needs_seed: bool = False
    # What must be on the page, so a cell never silently checks the wrong template.
    expect: str = "main h1"
    # Which server: "demo" (the suite's, with articles) or "empty" (an empty store,
    # started by conftest's `empty_site`; pages.ORIGINS holds its origin).
    store: str = "demo"

    def url(
        self, theme: str, size: int, seed_slug: str | None = None, spacing: bool = False
    ) -> str:
        """The canonical variant URL, built by the product's own canonicaliser."""
        path = self.path.format(seed=seed_slug or "")
        return build_url(path, list(self.params), Preference(theme, size, spacing))


PAGES: tuple[PageSpec, ...] = (
    PageSpec("index", "/", expect="main .teasers li h2 a"),
    # A new operator's first start: no articles, and a page that says so.
    PageSpec("empty-site", "/", store="empty", expect="main h1 + p"),
    # tests/fixtures/portal-article.txt: the portal's export format, imported by the CLI.
    PageSpec(
        "portal-article",
        f"/articles/{portal_article.SLUG}",
        expect="main article figcaption",
    ),
    PageSpec(
        "demo-article",
        "/articles/thu-vien-thanh-pho-mo-cua-den-21-gio",
        expect="main article figure img[alt] + figcaption",
    ),
    # The demo articles do not mention "Viện kiểm sát": the portal article gives the hits.
    PageSpec("search", "/search", (("q", "vien kiem sat"),), expect="main .teasers li mark"),
    PageSpec("search-empty", "/search", (("q", "zzzxq"),), expect="main [role=status]"),
    PageSpec("not-found", "/articles/khong-co", status=404),
    # A demo article's tag: "văn hóa", percent-encoded as the article's link has it.
    PageSpec("tag", "/tags/v%C4%83n%20h%C3%B3a", expect="main h1 + .teasers li h2 a"),
    PageSpec("preferences", "/preferences", expect="main form.prefs-page fieldset"),
)
PAGE_BY_NAME = {p.name: p for p in PAGES}
# The widget is not on Legible's own templates (the server-rendered controls bar does
# its job there). Its demo page links the site CSS and runs it in own-site mode, where
# the widget sets data-theme/data-size and the site CSS follows: the widget's cells are
# this page in every theme and size, with the panel closed and open.
WIDGET_DEMO = PageSpec("widget-demo", "/widget/demo", expect="main h1")
WIDGET_STATES = ("closed", "open")
# The real seed's article (../shared/seeds), in a few cells only: the tests marked `seed`.
SEED_PAGE = PageSpec(
    "seed-article", "/articles/{seed}", needs_seed=True, expect="main article figcaption"
)


@dataclass(frozen=True)
class Cell:
    page: PageSpec
    theme: str
    level: str  # "AA" or "AAA": what the theme file promises
    size: int
    widget: str | None = None  # on the widget's page: "closed" or "open"

    @property
    def id(self) -> str:
        base = f"{self.page.name}-{self.theme}-{self.size}"
        return f"{base}-{self.widget}" if self.widget else base

    @property
    def label(self) -> str:
        base = where(self.page.name, self.theme, self.size)
        return f"{base} widget={self.widget}" if self.widget else base

    @property
    def minimum(self) -> float:
        return 7.0 if self.level == "AAA" else 4.5

    def __str__(self) -> str:
        return self.id


def where(page: str, theme: str, size: int, spacing: bool = False) -> str:
    """The start of every problem line: which page, theme and size."""
    return f"page={page} theme={theme} size={size}%" + (" spacing=1" if spacing else "")


def themes_dir() -> Path:
    """The folder the server reads (LEGIBLE_THEMES_DIR, else the bundled themes/)."""
    configured = os.environ.get("LEGIBLE_THEMES_DIR")
    return Path(configured) if configured else data_dir("themes")


def load(directory: Path | None = None) -> dict[str, Theme]:
    return load_themes(directory or themes_dir())


@cache
def load_cached() -> dict[str, Theme]:
    return load()


def build_matrix(
    directory: Path | None = None,
    pages: tuple[PageSpec, ...] = PAGES,
    sizes: tuple[int, ...] = SIZES,
) -> list[Cell]:
    themes = load(directory)
    return [
        Cell(page, theme.name, theme.level, size)
        for page in pages
        for theme in themes.values()
        for size in sizes
    ]


def build_widget_matrix(
    directory: Path | None = None,
    sizes: tuple[int, ...] = SIZES,
    states: tuple[str, ...] = WIDGET_STATES,
) -> list[Cell]:
    """The widget's page in every theme × size × panel state."""
    themes = load(directory)
    return [
        Cell(WIDGET_DEMO, theme.name, theme.level, size, state)
        for theme in themes.values()
        for size in sizes
        for state in states
    ]


def build_custom_matrix(directory: Path | None = None) -> list[Cell]:
    """Where the checks axe lacks run: every page and every theme at the largest size,
    and the widget's page with its panel open."""
    return build_matrix(directory, sizes=(LARGEST,)) + build_widget_matrix(
        directory, sizes=(LARGEST,), states=("open",)
    )


def build_seed_matrix(directory: Path | None = None) -> list[Cell]:
    """The real seed's article in the default theme at 100 % and in high contrast at the
    largest size: proof that the export the parser was written for still passes."""
    themes = load(directory)
    picks = (("default", min(SIZES)), ("high-contrast", LARGEST))
    return [Cell(SEED_PAGE, name, themes[name].level, size) for name, size in picks]
