"""`validate`: the one gate every article passes (API, importers), and `to_json` for export."""

from __future__ import annotations

from typing import Any

import pytest

from service.articles import FIELDS, Article, validate
from service.errors import ArticleInvalid

BASE = {
    "title": "Hội nghị giao ban công tác Quý IV/2023",
    "published": "2023-09-21",
    "body_html": "<p>Ngày 21/9/2023, Hội nghị diễn ra.</p>",
}


def errors_of(data: Any, slug: str | None = None) -> dict[str, str]:
    with pytest.raises(ArticleInvalid) as caught:
        validate(data, slug=slug)
    return caught.value.errors


def test_defaults_for_the_optional_fields() -> None:
    article = validate(dict(BASE))
    assert article.slug == "hoi-nghi-giao-ban-cong-tac-quy-iv-2023"
    assert article.lang == "vi"
    assert (article.summary, article.byline, article.tags, article.updated) == ("", "", (), None)


def test_text_is_trimmed_and_tags_are_cleaned() -> None:
    article = validate(
        dict(BASE, title="  Tiêu đề  ", byline=" HQ - TL ", tags=[" a ", "a", "", "b", " "])
    )
    assert article.title == "Tiêu đề"
    assert article.byline == "HQ - TL"
    assert article.tags == ("a", "b")


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2023-09-21", "2023-09-21"),
        (" 2023-09-21 ", "2023-09-21"),
        ("2023-09-21T08:00:00+07:00", "2023-09-21T08:00:00+07:00"),
        ("2023-09-21T08:00:00Z", "2023-09-21T08:00:00+00:00"),
        ("2024-02-29", "2024-02-29"),
    ],
)
def test_dates_are_normalised_iso(given: str, stored: str) -> None:
    assert validate(dict(BASE, published=given)).published == stored
    assert validate(dict(BASE, updated=given)).updated == stored


@pytest.mark.parametrize(
    "bad", ["2023-02-30", "2023-02-29", "2023-13-01", "21/09/2023", "hôm qua", "2023-09-21T25:00"]
)
def test_impossible_or_foreign_dates_are_refused(bad: str) -> None:
    assert "ISO date" in errors_of(dict(BASE, published=bad))["published"]
    assert "updated" in errors_of(dict(BASE, updated=bad))


def test_missing_required_fields_are_each_named() -> None:
    assert set(errors_of({"lang": "vi"})) >= {"title", "published", "body_html"}
    for name in ("title", "published", "body_html"):
        data = dict(BASE)
        del data[name]
        assert errors_of(data)[name] == "is required"


@pytest.mark.parametrize("name", ["title", "body_html"])
def test_blank_required_text_is_refused(name: str) -> None:
    """Whitespace is not a title or a body: a page would show an empty heading or nothing."""
    errors = errors_of(dict(BASE, slug="bai", **{name: "   \n "}))
    assert name in errors


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": 5}, "title"),
        ({"title": "x" * 501}, "title"),
        ({"summary": "x" * 2001}, "summary"),
        ({"byline": ["HQ"]}, "byline"),
        ({"body_html": {"p": "a"}}, "body_html"),
        ({"body_html": "<script>alert(1)</script>"}, "body_html"),
        ({"published": 20230921}, "published"),
        ({"lang": "Vietnamese language"}, "lang"),
        ({"lang": ""}, "lang"),
        ({"tags": "a,b"}, "tags"),
        ({"tags": ["a", 1]}, "tags"),
        ({"slug": "Hoa-Sen"}, "slug"),
        ({"slug": "a_b"}, "slug"),
        ({"slug": "a" * 121}, "slug"),
        ({"slug": 7}, "slug"),
        ({"title": "!!! ???"}, "slug"),
        ({"colour": "red"}, "body"),
        ({"title": "Tiêu\x00đề"}, "title"),
        ({"summary": "a\x00"}, "summary"),
        ({"byline": "\x00HQ"}, "byline"),
        ({"tags": ["a\x00b"]}, "tags"),
    ],
)
def test_each_bad_field_is_named(change: dict[str, Any], field: str) -> None:
    assert field in errors_of(dict(BASE, **change))


def test_not_an_object_is_refused() -> None:
    assert "body" in errors_of([BASE])
    assert "body" in errors_of("title")


def test_url_slug_wins_and_must_match_the_body() -> None:
    assert validate(dict(BASE), slug="tu-url").slug == "tu-url"
    assert validate(dict(BASE, slug="tu-url"), slug="tu-url").slug == "tu-url"
    assert "tu-url" in errors_of(dict(BASE, slug="khac"), slug="tu-url")["slug"]


def test_body_is_sanitised_and_h1_demoted() -> None:
    article = validate(
        dict(BASE, body_html='<h1>Phụ</h1><p onclick="x()">A<script>s()</script></p>')
    )
    assert article.body_html == "<h2>Phụ</h2><p>A</p>"


def test_revision_in_the_input_is_ignored() -> None:
    assert validate(dict(BASE, revision=9)).revision == 0


def test_to_json_validates_back_to_the_same_article() -> None:
    article = validate(
        dict(
            BASE,
            slug="bai",
            lang="en",
            updated="2023-09-22T08:00:00+07:00",
            summary="Tóm tắt",
            byline="HQ - TL",
            tags=["a", "b"],
            source_url="https://example.org/tin/1",
            body_html='<p>A &amp; B <a href="https://example.org/">x</a></p>',
        )
    )
    data = article.to_json()
    assert list(data) == list(FIELDS)  # tests/test_schema.py ties FIELDS to everything else
    assert data["tags"] == ["a", "b"]  # a list, as JSON has no tuple
    assert validate(data) == article


def test_published_date_reads_datetimes_too() -> None:
    article = Article(slug="a", title="A", published="2023-09-21T23:30:00+07:00", body_html="x")
    assert article.published_date.isoformat() == "2023-09-21"


# -- source_url -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (
            "https://vksndtc.gov.vn/tin-tuc/hoi-nghi-55.html",
            "https://vksndtc.gov.vn/tin-tuc/hoi-nghi-55.html",
        ),
        (" http://example.org/a?b=1#c ", "http://example.org/a?b=1#c"),
        ("HTTPS://Example.ORG:8443/Tin/A", "https://example.org:8443/Tin/A"),  # path case kept
        ("https://[2001:db8::1]/tin", "https://[2001:db8::1]/tin"),
        ("https://báo.vn/tin-tức", "https://báo.vn/tin-tức"),
        ("", ""),
        (None, ""),
    ],
)
def test_source_url_takes_an_absolute_http_url(given: str | None, stored: str) -> None:
    assert validate(dict(BASE, source_url=given)).source_url == stored


def test_source_url_is_empty_when_left_out() -> None:
    assert validate(dict(BASE)).source_url == ""


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("javascript:alert(1)", "absolute http or https URL"),
        ("JavaScript://example.org/%0aalert(1)", "absolute http or https URL"),
        ("data:text/html,<script>alert(1)</script>", "absolute http or https URL"),
        ("/tin-tuc/hoi-nghi", "absolute http or https URL"),
        ("tin-tuc/hoi-nghi", "absolute http or https URL"),
        ("//example.org/tin", "absolute http or https URL"),
        ("ftp://example.org/tin", "absolute http or https URL"),
        ("mailto:toa-soan@example.org", "absolute http or https URL"),
        ("https://", "absolute http or https URL"),
        ("https:///tin", "absolute http or https URL"),
        ("https://example.org/tin tuc", "spaces"),
        ("https://example.org/\ttin", "spaces"),
        ("https://exa\x00mple.org/", "control characters"),
        ("https://user:pass@example.org/", "user name or password"),
        ("https://example.org:99999/", "not a valid URL"),
        ("https://[::1/tin", "not a valid URL"),
        ("https://example.org/" + "a" * 2000, "at most 2000 characters"),
        (["https://example.org/"], "must be a string"),
    ],
)
def test_a_bad_source_url_is_refused_saying_why(bad: object, says: str) -> None:
    assert says in errors_of(dict(BASE, source_url=bad))["source_url"]
