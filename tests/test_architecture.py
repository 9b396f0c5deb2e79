"""The shape of `service/` and `legible_audit/`: no import cycles, nothing imports back
up the request chain, no module grows past what a newcomer reads in one sitting, and
the audit's checks stand apart from the product they check.

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
}


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
