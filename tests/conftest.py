"""Shared fixtures: a portal-format article, throw-away databases and apps, an HTML tree.

The real seed export (`seed_path`, for tests marked `seed`) is in the conftest.py above.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from service import Settings, create_app
from service.importers import import_paths
from service.store import Store, open_store
from tests.support import pg, portal_article


@pytest.fixture(scope="session")
def portal_path() -> Path:
    """tests/fixtures/portal-article.txt: an article in the portal's plain-text format."""
    return portal_article.PATH


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "t.db"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pg.Cluster]:
    """One throwaway PostgreSQL for the session (tests/support/pg.py); `.database()` makes a
    fresh database and returns its URL. Without PostgreSQL the tests that need it
    are skipped, and fail under CI=true."""
    programs = pg.bindir()
    if programs is None:
        message = "PostgreSQL is not installed (initdb, pg_ctl): set LEGIBLE_PG_BINDIR"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    cluster = pg.Cluster.start(programs)
    yield cluster
    cluster.close()


BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, db_path: Path) -> Iterator[str]:
    """Where a test's articles live, once per backend: a SQLite file, or a new
    PostgreSQL database's URL (emptied afterwards, connections and all)."""
    if request.param == "sqlite":
        yield str(db_path)
        return
    cluster: pg.Cluster = request.getfixturevalue("pg_cluster")
    url = cluster.database()
    yield url
    cluster.release(url)


@pytest.fixture
def any_store(db: str) -> Iterator[Store]:
    """A store on `db`: the same test runs against SQLite and PostgreSQL."""
    opened = open_store(db)
    yield opened
    opened.close()


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    opened = open_store(db_path)
    yield opened
    opened.close()


@pytest.fixture
def portal_db(db_path: Path, portal_path: Path) -> str:
    """Import the portal article into `db_path` (as `legible import` would); its slug."""
    writer = open_store(db_path)
    try:
        report = import_paths(writer, [portal_path])
    finally:
        writer.close()
    assert report.ok, report.summary()
    assert len(report.created) == 1, report.summary()
    return report.created[0]


MakeClient = Callable[..., TestClient]


@pytest.fixture
def store_db(db_path: Path) -> str:
    """The store `make_client`'s apps use: SQLite here; a test module that overrides
    it with `db` runs its tests on both backends."""
    return str(db_path)


@pytest.fixture
def make_client(store_db: str) -> Iterator[MakeClient]:
    """`make_client(**settings)`: an app on `store_db` (demo off unless asked), in a client.

    The client is entered as a context manager, so every request runs on one event-loop
    thread, as under uvicorn. Redirects are not followed.
    """
    with ExitStack() as stack:

        def make(**overrides: object) -> TestClient:
            overrides.setdefault("demo", False)
            app = create_app(Settings(db=store_db, **overrides))  # type: ignore[arg-type]
            stack.callback(app.state.site.store.close)
            return stack.enter_context(TestClient(app, follow_redirects=False))

        yield make


# -- a small HTML tree, enough to ask what a reader (or a screen reader) would find ------------
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input",
    "link", "meta", "source", "track", "wbr",
}  # fmt: skip


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)
    parent: Node | None = field(default=None, repr=False)

    def iter(self) -> Iterator[Node]:
        """This node and every element below it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        """Elements below (and including) this one with `tag` and these attribute values.

        `class_="x"` matches a class token; other keywords match exactly.
        """
        out = []
        for node in self.iter():
            if tag is not None and node.tag != tag:
                continue
            if all(node.attr_matches(k, v) for k, v in attrs.items()):
                out.append(node)
        return out

    def find(self, tag: str | None = None, **attrs: str) -> Node | None:
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def one(self, tag: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]

    def attr_matches(self, name: str, value: str) -> bool:
        if name == "class_":
            return value in (self.attrs.get("class") or "").split()
        return self.attrs.get(name.replace("_", "-")) == value

    def raw_text(self) -> str:
        return "".join(c if isinstance(c, str) else c.raw_text() for c in self.children)

    @property
    def text(self) -> str:
        """The text content with runs of whitespace collapsed."""
        return " ".join(self.raw_text().split())

    def ancestors(self) -> Iterator[Node]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), parent=self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, dict(attrs), parent=self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(text: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


@pytest.fixture(scope="session")
def parse_html() -> Callable[[str], Node]:
    """`parse_html(text)` -> the document as a tree of `Node`s."""
    return parse
