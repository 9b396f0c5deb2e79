"""An article page assembled from shared parts is the page the template renders:
for every variant `preferences.variants` yields, and articles that exercise every
branch of article.html (links, summary, update date, byline, markup in the title)."""

from __future__ import annotations

import pytest

from service.articles import Article, validate
from service.assets import content_hash
from service.identity import Identity
from service.preferences import FONTS, MEASURES, SIZES, variants
from service.render import SLUG_MARK, Renderer
from service.settings import Settings
from service.themes import data_dir, load_themes

THEMES = load_themes(data_dir("themes"))

ARTICLES = [
    validate(
        {
            "title": "Thư viện <mở> cửa & \"đêm\" 'nay'",
            "published": "2023-10-12",
            "updated": "2023-10-13T08:00:00+07:00",
            "summary": "Tóm tắt ngắn.",
            "byline": "HQ - TL",
            "body_html": (
                '<p>Xem <a href="/search?q=th%C6%B0+vi%E1%BB%87n&amp;theme=dark">tìm</a>, '
                '<a href="/articles/khac?size=150#p2">bài khác</a> và '
                '<a href="https://example.org/">ngoài</a>.</p>'
                "<figure><figcaption>Đại biểu tham dự</figcaption></figure>"
            ),
            "slug": "thu-vien-mo-cua",
        }
    ),
    validate(
        {
            "title": "Text size and contrast",
            "published": "2024-02-01",
            "lang": "en",
            "summary": "Already in the body.",
            "body_html": "<p>Already in the body.</p><p>No links here.</p>",
        }
    ),
]


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    identity = Identity.from_settings(Settings())
    return Renderer(THEMES, f"/assets/legible.{content_hash(b'css')}.css", identity)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.slug)
def test_every_variant_assembles_to_the_rendered_page(renderer: Renderer, article: Article) -> None:
    parts = renderer.article_parts(article)
    found = list(variants(THEMES))
    assert len(found) == (len(THEMES) + 1) * len(SIZES) * 2 * len(MEASURES) * len(FONTS)
    for pref in found:
        rendered = renderer.page(
            "article.html",
            pref=pref,
            here=f"/articles/{article.slug}",
            article=article,
        )
        assert renderer.article_page(parts, pref) == rendered.encode(), pref


def test_the_marks_never_reach_a_page(renderer: Renderer) -> None:
    parts = renderer.article_parts(ARTICLES[0])
    for pref in variants(THEMES):
        assert b"x0legible0" not in renderer.article_page(parts, pref)
    assert SLUG_MARK.isalnum()  # escaping and URL-encoding leave it as it is
