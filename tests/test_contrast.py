"""legible_contrast: the WCAG 2 arithmetic, and the one place it is written."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import legible_contrast
from legible_contrast import contrast_ratio, parse_hex, relative_luminance

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#777777", "#ffffff", 4.48),  # the classic "just fails AA" grey
        ("#767676", "#ffffff", 4.54),
        ("#0000ff", "#ffffff", 8.59),
        ("#ffff00", "#000000", 19.56),
        ("#fff", "#000", 21.0),
        ("#f0f0f0", "#ffffff", 1.14),
    ],
)
def test_contrast_ratio_known_pairs(a: str, b: str, expected: float) -> None:
    assert contrast_ratio(a, b) == pytest.approx(expected, abs=0.01)
    assert contrast_ratio(b, a) == pytest.approx(expected, abs=0.01)


def test_hex_and_channels_agree() -> None:
    # The audit passes computed rgb(a) channels, the theme loader hex: one answer.
    hex_pair = contrast_ratio("#0b4dc2", "#f2f4f7")
    assert hex_pair == contrast_ratio((11, 77, 194, 1.0), (242, 244, 247))
    assert relative_luminance("#ffffff") == pytest.approx(1.0)
    assert relative_luminance((0, 0, 0)) == 0.0
    # Below the sRGB knee a channel is linear: 10/255/12.92, times green's weight.
    assert relative_luminance((0, 10, 0)) == pytest.approx(0.7152 * 10 / 255 / 12.92)


@pytest.mark.parametrize("bad", ["f0f0f0", "#f0f0f", "#ggg", "red", "#f0f0f0 "])
def test_parse_hex_names_a_bad_colour(bad: str) -> None:
    with pytest.raises(ValueError, match="is not a #rgb or #rrggbb colour"):
        parse_hex(bad)


def test_it_needs_only_the_standard_library() -> None:
    """The service and the audit both import it, so it may import neither (nor anything
    that is not in the standard library)."""
    path = Path(legible_contrast.__file__)
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported, "no import read"
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


def test_the_formula_is_written_once() -> None:
    """No second luminance or ratio formula in the product or the audit: both use
    legible_contrast."""
    weights = ("0.2126", "0.7152", "12.92", "+ 0.05")
    copies = {
        str(p.relative_to(ROOT)): w
        for folder in ("service", "legible_audit", "e2e", "tests")
        for p in (ROOT / folder).rglob("*.py")
        if p.name != "test_contrast.py"
        for w in weights
        if w in p.read_text(encoding="utf-8")
    }
    assert copies == {}
    for module in ("service/themes.py", "legible_audit/colour.py"):
        assert "from legible_contrast import" in (ROOT / module).read_text(encoding="utf-8")
