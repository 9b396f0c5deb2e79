"""The article: its fields, stated once, and the validation every way in shares.

`Article` below is the schema. Each field's metadata names its type (fieldtypes.py)
and whether input must give it; from that alone come

- `validate`: the API's and the importers' checks, and the keys they accept;
- `Article.to_json`: the JSON `legible export` writes and `legible import` reads;
- the stores' column lists and row mapping (store/common.py).

To add a field: declare it here with `schema(...)`, and add a migration to each
engine (store/sqlite_migrations.py, store/pg_migrations.py) that adds its column
with the same default. tests/test_schema.py fails until both are done, and the operators' docs
table (docs/operators/articles.md) is checked against `schema_table()`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, NamedTuple

from .errors import ArticleInvalid
from .fieldtypes import FieldType, Html, Lang, Slug, Tags, Text, Url, When, parse_when
from .text import is_slug, slugify

KEY = "slug"  # made from the title when absent; the API's URL gives it too


@dataclass(frozen=True)
class Spec:
    """What `validate`, the stores and the export need to know of one field."""

    type: FieldType
    example: Any  # as in JSON: shown in the docs and used by the tests
    required: bool = False


def schema(type_: FieldType, example: Any, *, required: bool = False) -> dict[str, Spec]:
    return {"schema": Spec(type_, example, required)}


@dataclass(frozen=True, kw_only=True)
class Article:
    """One article. The fields with `schema(...)` are what input, stores and export hold."""

    slug: str = field(metadata=schema(Slug(), "hoi-nghi-giao-ban"))
    title: str = field(metadata=schema(Text(500), "Hội nghị giao ban", required=True))
    lang: str = field(default="vi", metadata=schema(Lang(), "vi"))
    published: str = field(metadata=schema(When("2023-09-21"), "2023-09-21", required=True))
    updated: str | None = field(
        default=None,
        metadata=schema(When("2023-09-21T08:00:00+07:00"), "2023-09-22T08:00:00+07:00"),
    )
    summary: str = field(default="", metadata=schema(Text(2000), "Tóm tắt một đoạn."))
    byline: str = field(default="", metadata=schema(Text(200), "HQ - TL"))
    tags: tuple[str, ...] = field(default=(), metadata=schema(Tags(), ["kiểm sát"]))
    source_url: str = field(
        default="", metadata=schema(Url(), "https://vksndtc.gov.vn/tin-tuc/hoi-nghi-giao-ban")
    )
    body_html: str = field(metadata=schema(Html(), "<p>Ngày 21/9/2023, …</p>", required=True))
    content_hash: str = field(default="", metadata=schema(Text(80), "sha256:" + "0f" * 32))
    # Not in the schema: the store counts the article's changes; input and export omit it.
    revision: int = 0

    @property
    def published_date(self) -> date:
        return parse_when(self.published)[1]

    def to_json(self) -> dict[str, Any]:
        return {name: spec.type.to_json(getattr(self, name)) for name, spec in SCHEMA.items()}


SCHEMA: dict[str, Spec] = {
    f.name: f.metadata["schema"] for f in fields(Article) if "schema" in f.metadata
}
FIELDS = tuple(SCHEMA)
REQUIRED = tuple(name for name, spec in SCHEMA.items() if spec.required)
IGNORED = ("revision",)  # accepted in input (an export read back may carry it), not used


class Stamp(NamedTuple):
    """What a sitemap lists of an article: its key and its dates, read without the rest
    (`Store.stamps`: never the body)."""

    slug: str
    published: str
    updated: str | None


class Teaser(NamedTuple):
    """What the Atom feed shows of an article, read without its body (`Store.teasers`)."""

    slug: str
    title: str
    lang: str
    published: str
    updated: str | None
    summary: str


def schema_table() -> str:
    """The schema as the Markdown table in docs/operators/articles.md."""
    rows = [
        "| field | required | value | default | example |",
        "|---|---|---|---|---|",
    ]
    by_name = {f.name: f for f in fields(Article)}
    for name, spec in SCHEMA.items():
        default = by_name[name].default
        shown = "—" if spec.required or name == KEY else f"`{_json(spec.type.to_json(default))}`"
        rows.append(
            f"| `{name}` | {'yes' if spec.required else 'no'} | {spec.type.describe()}"
            f" | {shown} | `{_json(spec.example)}` |"
        )
    return "\n".join(rows)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _encodable(value: Any) -> bool:
    """False for text that cannot be stored as UTF-8 (lone surrogates from JSON escapes)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, list | tuple):
        return all(_encodable(v) for v in value)
    if isinstance(value, dict):
        return all(_encodable(k) and _encodable(v) for k, v in value.items())
    return True


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def validate(data: Any, slug: str | None = None) -> Article:
    """Turn untrusted input into an Article, or raise ArticleInvalid listing every problem.

    A field left out takes its default; a field given is checked by its type. `slug`,
    when given (the API's URL), wins over the body's and must match it.
    """
    if not isinstance(data, dict):
        raise ArticleInvalid({"body": "must be a JSON object"})
    broken = {
        str(name): "is not valid Unicode text (it holds a lone surrogate such as \\ud800)"
        for name, value in data.items()
        if not _encodable(value)
    }
    if broken:
        raise ArticleInvalid(broken)
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - set(FIELDS) - set(IGNORED))
    if unknown:
        errors["body"] = f"unknown field(s): {', '.join(unknown)}"
    values: dict[str, Any] = {}
    for name, spec in SCHEMA.items():
        if spec.required and _blank(data.get(name)):
            errors[name] = "is required"
        elif name in data:
            try:
                values[name] = spec.type.parse(data[name])
            except ValueError as exc:
                errors[name] = str(exc)

    given = values.pop(KEY, "")
    if slug is not None and given not in ("", slug):
        errors[KEY] = f"does not match the URL's slug {slug!r}"
    final_slug = slug or given or slugify(values.get("title", ""))
    if KEY in errors:
        pass
    elif not final_slug and "title" not in errors:
        errors[KEY] = "cannot be made from the title; give a slug"
    elif final_slug and not is_slug(final_slug):
        errors[KEY] = "must be lower-case letters, digits and single hyphens (at most 120)"

    if errors:
        raise ArticleInvalid(errors)
    return Article(slug=final_slug, **values)
