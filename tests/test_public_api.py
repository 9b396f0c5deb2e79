"""The package's public surface is exactly what the README documents."""

from __future__ import annotations

import pytest

import service


def test_exported_names_are_exactly_the_intended_ones() -> None:
    assert sorted(service.__all__) == ["Settings", "__version__", "create_app"]
    for name in service.__all__:
        assert getattr(service, name) is not None
    assert callable(service.create_app)


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        service.nope  # noqa: B018
