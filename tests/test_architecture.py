"""The shape of `service/` and `legible_audit/`: no import cycles, nothing imports back
up the request chain, no module grows past what a newcomer reads in one sitting, the
hot path stands below the views, only the write path drops cached pages or purges,
only the security middleware names the security headers, and the audit's checks
stand apart from the product they check.

Every import counts, including those under TYPE_CHECKING and inside functions:
a lazy or type-only import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICE = ROOT / "service"
PACKAGE = "service"
AUDIT = ROOT / "legible_audit"
MAX_LINES = 350
# The top of the request chain, and the only modules allowed to import each.
IMPORTED_ONLY_BY = {
    "service.app": {"service", "service.cli"},
    "service.hotpath": {"service.app"},
    "service.views.errors": {"service.app"},
    # The one write path: the site builds it for the service, `legible import` its own.
    "service.writes": {"service.site", "service.cli"},
}
# Below the views: the hot path over ASGI and RSGI, and the serving unit they share.
BELOW_THE_VIEWS = ("service.hotpath", "service.rsgi", "service.serving", "service.writes")
VIEWS = "service.views"
WRITE_PATH = "service.writes"
# Calls that drop cached pages or purge the caches in front, whatever they are called on.
DROPPING = {"purge", "invalidate"}
# What a cached page lives in (the page cache, its hot routes, articles' shared blocks,
# the revisions that name the current keys), and what changing or emptying them is.
HOLDERS = {"cache", "hot", "parts", "revisions"}
CHANGING = {"clear", "pop", "popitem", "drop", "update", "setdefault", "__delitem__"}
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "Strict-Transport-Security",
)
SECURITY_MODULE = "service.middleware.security"


def module_name(path: Path, root: Path = SERVICE) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path = SERVICE) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The `service` modules that `name` imports, resolved to the most specific module."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            # `from .views import api` imports the module service.views.api.
            targets = [
                f"{stem}.{a.name}" if f"{stem}.{a.name}" in known else stem for a in node.names
            ]
        else:
            continue
        found |= {t for t in targets if t in known and t != name}
    return found


def graph(root: Path = SERVICE, known_extra: frozenset[str] = frozenset()) -> dict[str, set[str]]:
    found = modules(root)
    known = set(found) | known_extra
    return {name: imports(name, path, known) for name, path in found.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_graph_is_read_correctly() -> None:
    edges = graph()
    assert "service.site" in edges["service.app"]
    assert "service.views.api" in edges["service.app"]  # from .views import api
    assert "service.app" in edges["service"]  # under TYPE_CHECKING, still an edge
    assert "service.importers" in edges["service.site"]  # a lazy import inside a method


def test_find_cycle_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_service_has_no_import_cycle() -> None:
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("target", sorted(IMPORTED_ONLY_BY))
def test_nothing_imports_back_up_the_request_chain(target: str) -> None:
    importers = {name for name, deps in graph().items() if target in deps}
    assert importers <= IMPORTED_ONLY_BY[target], f"{target} imported by {importers}"


def test_nothing_imports_the_package_root() -> None:
    importers = {name for name, deps in graph().items() if PACKAGE in deps}
    assert not importers, f"{importers} import `service` itself; import the module you need"


def test_no_module_is_too_long_to_read() -> None:
    lines = {name: len(p.read_text(encoding="utf-8").splitlines()) for name, p in modules().items()}
    too_long = {name: n for name, n in lines.items() if n > MAX_LINES}
    assert not too_long, f"split these modules (over {MAX_LINES} lines): {too_long}"


def test_the_audit_has_no_cycle_and_short_modules() -> None:
    cycle = find_cycle(graph(AUDIT))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])
    lines = {
        name: len(p.read_text(encoding="utf-8").splitlines()) for name, p in modules(AUDIT).items()
    }
    too_long = {name: n for name, n in lines.items() if n > MAX_LINES}
    assert not too_long, f"split these modules (over {MAX_LINES} lines): {too_long}"
    assert len(lines) > 10, "legible_audit/ was not read"


def test_the_audit_checks_do_not_use_the_product_code() -> None:
    """One contrast implementation, and checks that judge Legible rather than repeat it:
    legible_audit imports nothing from `service`."""
    edges = graph(AUDIT, frozenset(modules()) | {PACKAGE})
    uses = {name: sorted(deps & (set(modules()) | {PACKAGE})) for name, deps in edges.items()}
    assert not {name: deps for name, deps in uses.items() if deps}


def reachable(edges: dict[str, set[str]], start: str) -> set[str]:
    """Every module `start` imports, directly or through others."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@pytest.mark.parametrize("module", BELOW_THE_VIEWS)
def test_the_hot_path_and_the_serving_unit_import_nothing_from_the_views(module: str) -> None:
    """An article's response is decided below the views, so the hot path can serve it
    without them: not even through another module."""
    edges = graph()
    views = {m for m in reachable(edges, module) if m == VIEWS or m.startswith(VIEWS + ".")}
    assert not views, f"{module} imports {sorted(views)}"


def test_reachable_follows_imports_through_other_modules() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert reachable(edges, "a") == {"a", "b", "c"}
    assert "service.views.common" in reachable(graph(), "service.app")


def _holder(node: ast.expr) -> str | None:
    """The state a method is called on, when it is an object's attribute:
    `site.pages.parts` -> "parts", `self._parts` -> "parts" (a local name is not state)."""
    return node.attr.lstrip("_") if isinstance(node, ast.Attribute) else None


def drops(source: str) -> list[str]:
    """Where `source` drops a cached page, purges, or changes the revisions (a build
    storing what it made is not a drop)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name, holder = node.func.attr, _holder(node.func.value)
            if name in DROPPING or (name in CHANGING and holder in HOLDERS):
                found.append(f"line {node.lineno}: {ast.unparse(node.func)}()")
        elif isinstance(node, ast.Subscript):
            holder = _holder(node.value)
            deleted = isinstance(node.ctx, ast.Del) and holder in HOLDERS
            if deleted or (isinstance(node.ctx, ast.Store) and holder == "revisions"):
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_the_drop_scan_finds_each_way_of_dropping() -> None:
    source = """
site.purger.purge(["lists"])
site.cache.invalidate({"lists"})
site.hot.clear()
self._parts.pop(slug, None)
site.revisions[slug] = 3
del self._parts[slug]
site.revisions.update(fresh)
site.cache.peek(key)
site.cache.upgrade(key, entry)
site.hot.add(path, query, route)
self.parts[slug] = parts
parts.clear()
store.get(slug)
"""
    assert [line.split(":")[0] for line in drops(source)] == [f"line {n}" for n in range(2, 9)]


def test_only_the_write_path_drops_cached_pages_or_purges() -> None:
    """Every write ends in `WritePath.wrote` (service/writes.py): a writer that dropped
    pages or purged on its own would do it in another order, or forget a step."""
    outside = {
        name: found
        for name, path in modules().items()
        if name != WRITE_PATH and (found := drops(path.read_text(encoding="utf-8")))
    }
    assert not outside, f"only {WRITE_PATH} may drop pages or purge: {outside}"
    assert drops(modules()[WRITE_PATH].read_text(encoding="utf-8")), "the scan read nothing"


def test_only_the_security_middleware_names_the_security_headers() -> None:
    """One place sets them (service/middleware/security.py), for every response on
    both interfaces; a second place could send one twice or forget one."""
    found = modules()
    texts = {name: path.read_text(encoding="utf-8").lower() for name, path in found.items()}
    for header in SECURITY_HEADERS:
        naming = {name for name, text in texts.items() if header.lower() in text}
        assert naming == {SECURITY_MODULE}, f"{header} is named in {sorted(naming)}"
