"""Every theme keeps its contrast promise; the loader explains what is wrong with a bad file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from service.themes import (
    NON_TEXT_PAIRS,
    REQUIRED_THEMES,
    TEXT_PAIRS,
    TOKENS,
    ThemeInvalid,
    contrast_problems,
    contrast_ratio,
    data_dir,
    load_theme,
    load_themes,
    theme_css,
)

THEMES = load_themes(data_dir("themes"))


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
    ],
)
def test_contrast_ratio_known_pairs(a: str, b: str, expected: float) -> None:
    assert contrast_ratio(a, b) == pytest.approx(expected, abs=0.01)
    assert contrast_ratio(b, a) == pytest.approx(expected, abs=0.01)


def test_required_themes_exist() -> None:
    for name in (*REQUIRED_THEMES, "high-contrast-light", "dark", "sepia"):
        assert name in THEMES
    assert THEMES["high-contrast"].level == "AAA"
    assert THEMES["high-contrast-light"].level == "AAA"
    assert THEMES["high-contrast"].scheme == "dark"


@pytest.mark.parametrize("name", list(THEMES))
def test_theme_keeps_its_promise(name: str) -> None:
    theme = THEMES[name]
    assert contrast_problems(theme) == []
    for fg, bg in TEXT_PAIRS:
        assert contrast_ratio(theme.colors[fg], theme.colors[bg]) >= theme.minimum, (fg, bg)
    for fg, bg in NON_TEXT_PAIRS:
        assert contrast_ratio(theme.colors[fg], theme.colors[bg]) >= 3.0, (fg, bg)


def test_default_body_text_is_far_above_aa() -> None:
    default = THEMES["default"]
    assert contrast_ratio(default.colors["text"], default.colors["background"]) >= 7


def test_high_contrast_themes_underline_links() -> None:
    for theme in THEMES.values():
        if theme.level == "AAA":
            assert theme.underline_links, theme.name


def test_a_grey_high_contrast_theme_is_caught() -> None:
    grey = THEMES["high-contrast"]
    broken = type(grey)(**{**grey.__dict__, "colors": dict.fromkeys(grey.colors, "#777777")})
    problems = contrast_problems(broken)
    assert any("text #777777 on background" in p for p in problems)


def test_generated_css_has_every_theme_and_token() -> None:
    css = theme_css(THEMES)
    for theme in THEMES.values():
        assert f':root[data-theme="{theme.name}"]' in css
        for token, prop in TOKENS.items():
            assert f"{prop}:{theme.colors[token]}" in css


def test_os_preference_prefers_the_earlier_theme() -> None:
    css = theme_css(THEMES)
    # Both match a dark, more-contrast OS: high contrast must come later to win.
    assert css.index("(prefers-color-scheme: dark){") < css.index(
        "(prefers-contrast: more) and (prefers-color-scheme: dark)"
    )


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "themes"
    shutil.copytree(data_dir("themes"), folder)
    return folder


def test_adding_a_file_adds_a_theme(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    text = (folder / "sepia.toml").read_text().replace('name = "sepia"', 'name = "paper"')
    (folder / "paper.toml").write_text(text)
    assert "paper" in load_themes(folder)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.replace('text = "#3b2f1e"\n', ""), "missing text"),
        (lambda s: s.replace('"#3b2f1e"', '"brown"'), "colors.text = 'brown' is not a #rrggbb"),
        (lambda s: s.replace('level = "AA"', 'level = "A"'), "'level' must be one of AA, AAA"),
        (lambda s: s.replace('name = "sepia"', 'name = "other"'), "must equal the file name"),
        (lambda s: s.replace('en = "Sepia"', ""), "needs [label]"),
        (lambda s: s + "\nnoise = [\n", "cannot be read as TOML"),
        (
            lambda s: s.replace("[colors]", '[colors]\nshadow = "#000000"'),
            "unknown token(s) shadow",
        ),
    ],
)
def test_loader_rejects_bad_files_with_a_clear_error(tmp_path: Path, edit, message: str) -> None:
    folder = _copy(tmp_path)
    path = folder / "sepia.toml"
    path.write_text(edit(path.read_text()))
    with pytest.raises(ThemeInvalid) as info:
        load_theme(path)
    assert "sepia.toml" in str(info.value)
    assert message in str(info.value)


def test_missing_required_theme_is_named(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "high-contrast.toml").unlink()
    with pytest.raises(ThemeInvalid, match="high-contrast"):
        load_themes(folder)
