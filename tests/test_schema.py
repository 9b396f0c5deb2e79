"""The article schema is stated once (service/articles.py): the stores' columns, the API's
accepted keys, the export's keys and the importers all follow it, so a field added in
one place only fails here. Every field's example (its `schema(...)` entry) is pushed
through every way in and out, on both engines."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from service.articles import FIELDS, KEY, REQUIRED, SCHEMA, Article, schema_table, validate
from service.cli import main
from service.importers import import_paths
from service.store import Store, is_postgres, open_store
from service.store.common import COLUMNS, READ

if TYPE_CHECKING:
    from conftest import MakeClient

ROOT = Path(__file__).resolve().parents[1]
# Every field set, from the schema's own examples: a new field is covered here unasked.
EXAMPLE: dict[str, Any] = {name: spec.example for name, spec in SCHEMA.items()}
TOKEN = "s3cret-token"


@pytest.fixture
def store_db(db: str) -> str:
    return db


def columns_of(db: str) -> set[str]:
    if is_postgres(db):
        import psycopg

        with psycopg.connect(db) as conn:
            rows = conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'articles'"
            ).fetchall()
        return {r[0] for r in rows}
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return {r[1] for r in conn.execute("PRAGMA table_info(articles)")}
    finally:
        conn.close()


# -- the definition -----------------------------------------------------------------------------
def test_every_field_of_article_is_in_the_schema() -> None:
    """A field added to the dataclass without `schema(...)` would be dropped by the
    stores and the export without a word."""
    assert [f.name for f in fields(Article) if f.name != "revision"] == list(FIELDS)
    assert set(REQUIRED) == {"title", "published", "body_html"}
    assert validate(EXAMPLE).to_json() == EXAMPLE  # each example is valid and kept as given


# -- the stores -----------------------------------------------------------------------------------
def test_the_sitemaps_and_feeds_few_fields_are_fields_of_the_schema() -> None:
    """`Store.stamps` and `Store.teasers` select these columns: a renamed field must
    fail here, not on a search engine's or a feed reader's next visit."""
    from service.articles import Stamp, Teaser

    for shape in (Stamp, Teaser):
        assert shape._fields[0] == KEY and set(shape._fields) < set(FIELDS) - {"body_html"}


def test_the_stores_columns_are_the_schemas_fields() -> None:
    assert COLUMNS == FIELDS
    assert READ[:-1] == FIELDS
    assert READ[-1] == "revision"


def test_every_field_has_a_column_whose_default_is_the_fields(any_store: Store, db: str) -> None:
    """A field without its migration fails here on the engine that lacks it; a column
    default unlike the field's would turn a migrated article into another."""
    assert set(FIELDS) <= columns_of(db)
    # A row with only what a row needs (as a migrated row has): the rest are defaults.
    minimal = {name: EXAMPLE[name] for name in (KEY, *REQUIRED)}
    if is_postgres(db):
        import psycopg

        with psycopg.connect(db) as conn:
            conn.execute(
                "INSERT INTO articles (slug, title, published, body_html, body_text, search)"
                " VALUES (%(slug)s, %(title)s, %(published)s, %(body_html)s, '', '')",
                minimal,
            )
    else:
        import sqlite3

        conn = sqlite3.connect(db)
        with conn:
            conn.execute(
                "INSERT INTO articles (slug, title, published, body_html, body_text)"
                " VALUES (:slug, :title, :published, :body_html, '')",
                minimal,
            )
        conn.close()
    found = any_store.get(EXAMPLE[KEY])
    assert found == Article(**minimal, revision=1)


def test_every_field_round_trips_through_the_store(any_store: Store) -> None:
    article = validate(EXAMPLE)
    assert any_store.put(article) == ("created", 1)
    assert any_store.get(article.slug) == replace(article, revision=1)
    assert [a.to_json() for a in any_store.all()] == [EXAMPLE]
    assert any_store.latest(5)[0][0].to_json() == EXAMPLE
    for name in FIELDS:  # a change in any one field is a change
        if name == KEY:
            continue
        other = validate(dict(EXAMPLE, **{name: changed(name)}))
        assert any_store.put(other)[0] == "updated", name
        assert any_store.put(other)[0] == "unchanged", name
        found = any_store.get(article.slug)
        assert found is not None and found.to_json()[name] == other.to_json()[name]


def changed(name: str) -> Any:
    """Another valid value for the field `name`."""
    value = EXAMPLE[name]
    if isinstance(value, list):
        return [*value, "khác"]
    if name in ("published", "updated"):
        return value.replace("2023", "2022")
    if name == "lang":
        return "en"
    if name == "body_html":
        return "<p>Khác.</p>"
    if value.startswith("https://"):
        return value + "-khac"
    return value + " khác"


# -- the API, export and import ----------------------------------------------------------------
def test_the_api_accepts_exactly_the_schemas_fields(make_client: MakeClient, db: str) -> None:
    client = make_client(admin_token=TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    slug = EXAMPLE[KEY]
    created = client.put(f"/api/articles/{slug}", json=EXAMPLE, headers=auth)
    assert created.status_code == 201, created.text
    for extra in ("colour", "source", "url", "id"):
        refused = client.put(
            f"/api/articles/{slug}", json=dict(EXAMPLE, **{extra: "x"}), headers=auth
        )
        assert refused.status_code == 422
        assert extra in refused.json()["errors"]["body"]
    store = open_store(db)
    try:
        found = store.get(slug)
    finally:
        store.close()
    assert found is not None and found.to_json() == EXAMPLE


def test_export_writes_exactly_the_schemas_fields(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(db)
    store.put(validate(EXAMPLE))
    store.close()
    assert main(["--db", db, "export"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported == [EXAMPLE]
    assert list(exported[0]) == list(FIELDS)


def test_json_and_markdown_import_take_every_field(store: Store, tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(EXAMPLE, ensure_ascii=False), encoding="utf-8")
    meta = {k: v for k, v in EXAMPLE.items() if k != "body_html"}
    meta.update(slug="tu-markdown")
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    (tmp_path / "b.md").write_text(f"---\n{front}---\nNgày 21/9/2023, …\n", encoding="utf-8")
    report = import_paths(store, [tmp_path])
    assert report.ok, report.summary()
    from_json, from_markdown = store.get(EXAMPLE[KEY]), store.get("tu-markdown")
    assert from_json is not None and from_json.to_json() == EXAMPLE
    assert from_markdown is not None
    assert from_markdown.to_json() == dict(meta, body_html="<p>Ngày 21/9/2023, …</p>")


# -- the docs ------------------------------------------------------------------------------------
def test_the_operators_docs_show_the_schemas_table() -> None:
    page = (ROOT / "docs/operators/articles.md").read_text(encoding="utf-8")
    shown = page.split("<!-- schema table: start -->\n")[1].split("\n<!-- schema table: end -->")[0]
    assert shown == schema_table(), "paste service.articles.schema_table() into the page"


def test_the_operators_docs_examples_import(store: Store, tmp_path: Path) -> None:
    page = (ROOT / "docs/operators/articles.md").read_text(encoding="utf-8")
    blocks = dict(re.findall(r"```(json|markdown)\n(.*?)```", page, flags=re.DOTALL))
    (tmp_path / "a.json").write_text(blocks["json"], encoding="utf-8")
    (tmp_path / "b.md").write_text(blocks["markdown"], encoding="utf-8")
    report = import_paths(store, [tmp_path])
    assert report.ok, report.summary()
    assert {a.source_url for a in store.all()} >= {json.loads(blocks["json"])["source_url"]}


# -- nothing else restates the fields ------------------------------------------------------------
def restated(source: str) -> list[tuple[int, list[str]]]:
    """Places in `source` that list three or more of the schema's fields: a string (SQL,
    say) or a tuple/list/set of strings. Docstrings and migrations (history, never
    edited) do not count."""
    tree = ast.parse(source)
    words = re.compile(r"\b(" + "|".join(FIELDS) + r")\b")
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            skip.add(id(body[0].value))  # a docstring
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "MIGRATIONS" for t in targets):
                skip.update(id(n) for n in ast.walk(node))
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        names: set[str] = set()
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = set(words.findall(node.value))
        elif isinstance(node, ast.JoinedStr):  # an f-string: its literal parts together
            literal = "".join(
                v.value
                for v in node.values
                if isinstance(v, ast.Constant) and isinstance(v.value, str)
            )
            names = set(words.findall(literal))
        elif isinstance(node, ast.Tuple | ast.List | ast.Set):  # ("title", …), (a.title, …)
            names = {n for e in node.elts if (n := field_named(e)) in FIELDS}
        elif isinstance(node, ast.Call):  # Article(title=…, …), a row mapper by hand
            names = {k.arg for k in node.keywords if k.arg in FIELDS}
        if len(names) >= 3:
            found.append((node.lineno, sorted(names)))
    return found


def field_named(node: ast.expr) -> str | None:
    """The field a list element names: "title", article.title or row["title"]."""
    if isinstance(node, ast.Subscript):
        node = node.slice
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return node.attr if isinstance(node, ast.Attribute) else None


DEFINITION = {"service/articles.py", "service/fieldtypes.py"}


def test_no_module_but_the_definition_lists_the_fields() -> None:
    offenders = {
        str(path.relative_to(ROOT)): hits
        for path in sorted((ROOT / "service").rglob("*.py"))
        if str(path.relative_to(ROOT)) not in DEFINITION
        and (hits := restated(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, "derive these from service.articles.SCHEMA instead"


@pytest.mark.parametrize(
    "source",
    [
        'FIELDS = "title, lang, published, body_html"',
        'sql = f"SELECT slug, title, {x} FROM articles WHERE byline = ?"',
        'KEYS = ("title", "summary", "tags")',
        'def f():\n    """Doc."""\n    return ["slug", "updated", "lang"]',
        "values = (article.title, article.lang, article.summary)",
        'article = Article(slug=row["slug"], title=row["title"], tags=())',
        'values = [row["title"], row["byline"], row["tags"]]',
    ],
)
def test_a_restated_field_list_is_found(source: str) -> None:
    assert restated(source)


@pytest.mark.parametrize(
    "source",
    [
        '"""The title, summary and tags of an article."""',
        'MIGRATIONS = ("CREATE TABLE articles (slug text, title text, lang text)",)',
        'x = "title and summary only"',
    ],
)
def test_docstrings_migrations_and_fewer_names_are_not_restatements(source: str) -> None:
    assert restated(source) == []
