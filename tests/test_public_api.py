"""The package's public surface, derived from the module itself (as httpx's
test_exported_members does): every public name `service/__init__.py` binds,
including the lazily imported ones, is in `__all__`, and nothing else is."""

from __future__ import annotations

import ast
import inspect
import types

import pytest

import service


def names_bound_by_init() -> set[str]:
    """Public names `__init__.py` binds at top level, plus those it imports lazily
    (under TYPE_CHECKING, served by its module `__getattr__`)."""
    tree = ast.parse(inspect.getsource(service))
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            bound |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Assign):
            bound |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.FunctionDef | ast.ClassDef) and node in tree.body:
            bound.add(node.name)
    typing_names = {"annotations", "TYPE_CHECKING", "Any"}
    return {n for n in bound - typing_names if not n.startswith("_") or n == "__version__"} - {
        "__all__"
    }


def test_all_is_exactly_what_the_module_binds() -> None:
    assert sorted(service.__all__) == sorted(names_bound_by_init())


@pytest.mark.parametrize("name", service.__all__)
def test_every_exported_name_resolves_to_the_real_object(name: str) -> None:
    value = getattr(service, name)
    assert not isinstance(value, types.ModuleType)
    if name != "__version__":
        assert value.__module__.startswith("service."), value.__module__


def test_the_lazy_factory_is_the_app_factory() -> None:
    from service.app import create_app

    assert service.create_app is create_app


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        service.nope  # noqa: B018
