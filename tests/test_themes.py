"""Every theme keeps its contrast promise; the loader explains what is wrong with a bad
file, and `legible serve` refuses to start on one."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from legible_contrast import contrast_ratio
from service.themes import (
    NON_TEXT_PAIRS,
    REQUIRED_THEMES,
    TEXT_PAIRS,
    TOKENS,
    ThemeInvalid,
    contrast_problems,
    data_dir,
    load_theme,
    load_themes,
    theme_css,
)
from tests.support.live import PYTHON_CLI, ROOT, free_port, server_env

THEMES = load_themes(data_dir("themes"))


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
    assert any("text #777777 on background #777777 is 1.00:1" in p for p in problems)


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


def _recolour(folder: Path, name: str, **colours: str) -> Path:
    path = folder / f"{name}.toml"
    text = path.read_text()
    for token, value in colours.items():
        text, count = re.subn(rf'(?m)^{token} = "#[0-9a-f]+"$', f'{token} = "{value}"', text)
        assert count == 1, token
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("name", "colours", "message"),
    [
        # Text pairs are held to the level the theme declares: AA 4.5:1 ...
        (
            "default",
            {"text": "#f0f0f0"},
            "text #f0f0f0 on background #ffffff is 1.14:1, below AA 4.5:1",
        ),
        ("default", {"link": "#808080"}, "link #808080 on background #ffffff is 3.95:1"),
        # ... and AAA 7:1: 5.74:1 would pass an AA theme.
        (
            "high-contrast-light",
            {"text": "#666666"},
            "text #666666 on background #ffffff is 5.74:1, below AAA 7:1",
        ),
        # The focus indicator against the backgrounds it is drawn on: 3:1 (WCAG 1.4.11).
        (
            "default",
            {"focus": "#d0d0d0"},
            "focus #d0d0d0 on background #ffffff is 1.54:1, below 3:1 (WCAG 1.4.11)",
        ),
    ],
)
def test_a_theme_below_its_level_is_refused(
    tmp_path: Path, name: str, colours: dict[str, str], message: str
) -> None:
    path = _recolour(_copy(tmp_path), name, **colours)
    with pytest.raises(ThemeInvalid) as info:
        load_theme(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_aaa_is_not_aa() -> None:
    # #595959 on white (7.004:1) meets 7:1; #5a5a5a (6.90:1) passes AA, not AAA.
    assert contrast_ratio("#595959", "#ffffff") >= 7.0 > contrast_ratio("#5a5a5a", "#ffffff")
    light = THEMES["high-contrast-light"]
    greyer = {**light.colors, "text": "#5a5a5a"}
    aaa = type(light)(**{**light.__dict__, "colors": greyer})
    aa = type(light)(**{**light.__dict__, "colors": greyer, "level": "AA"})
    assert any(p.startswith("text #5a5a5a on background") for p in contrast_problems(aaa))
    assert contrast_problems(aa) == []


def test_legible_serve_refuses_a_low_contrast_theme_at_start(tmp_path: Path) -> None:
    """The real CLI, as an operator starts it: one line naming the file, the pair and the
    ratio, exit status 2, no traceback, and no server."""
    folder = _copy(tmp_path)
    path = _recolour(folder, "default", text="#f0f0f0")
    env = server_env({"LEGIBLE_THEMES_DIR": str(folder), "LEGIBLE_DB": str(tmp_path / "t.db")})
    done = subprocess.run(
        [*PYTHON_CLI, "serve", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    (line,) = lines
    assert line.startswith(f"legible: {path}: "), line
    assert "text #f0f0f0 on background #ffffff is 1.14:1" in line
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "t.db").exists()  # refused before anything was created
