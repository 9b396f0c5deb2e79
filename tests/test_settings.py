"""Settings: the one table in service/settings.py drives each setting's `LEGIBLE_*`
variable, its flags, `--help` and docs/operators/settings.md. Every test here walks the
table, so a new row is checked without a new test; values parse, flags override the
environment, and a bad value is one line naming what to use."""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

import pytest

from service.cli import parser
from service.errors import SettingsInvalid
from service.settings import SETTINGS, TOP, Row, Settings
from service.settings_flags import flags_given
from service.settings_page import markdown
from tests.support.live import PYTHON_CLI, ROOT, server_env

DOCS = ROOT / "docs" / "operators" / "settings.md"
# What each command needs besides its flags, to parse.
POSITIONALS = {"import": ["x.json"], "widget-snippet": ["https://legible.example"]}


def sample(row: Row) -> tuple[str, object]:
    """A valid value for `row` other than its default: (as text, as parsed)."""
    if row.kind == "bool":
        return ("0", False) if row.default else ("1", True)
    if row.kind == "int":
        value = int(row.low or 1) + 1
        return str(value), value
    if row.kind == "number":
        number = (row.low or 0) + 1.5
        return f"{number:g}", number
    if row.kind == "hosts":
        return "News.Example, b.example", ("news.example", "b.example")
    if row.kind == "urls":
        return "http://cache-a:6081, https://cache-b/", ("http://cache-a:6081", "https://cache-b/")
    if row.kind == "networks":
        return "10.0.0.0/8, ::1", ("10.0.0.0/8", "::1")
    if row.kind == "tokens":
        return f"{'a' * 32}, {'b' * 40}", f"{'a' * 32},{'b' * 40}"
    if row.kind == "origin":
        return "HTTPS://News.Example/", "https://news.example"
    if row.kind == "names":
        return " Thời sự, ,Pháp luật ", ("Thời sự", "Pháp luật")
    if row.choices:
        choice = next(c for c in row.choices if c != row.default)
        return choice, choice
    return f"sample-{row.name}", f"sample-{row.name}"


def other(row: Row) -> str:
    """A valid value for `row`, as text, that is neither the default nor sample(row)."""
    text, value = sample(row)
    if row.kind == "bool":
        return "1" if text == "0" else "0"
    if isinstance(value, int | float):
        return f"{value + 1:g}"
    if row.choices:
        return str(row.default)
    others = {"hosts": "other.example", "urls": "http://elsewhere:80", "networks": "fd00::/8",
              "origin": "http://b.example", "names": "Khác"}  # fmt: skip
    return others.get(row.kind, "env-value")


def commands() -> dict[str, argparse.ArgumentParser]:
    top = parser()
    subs = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    return {TOP: top, **subs.choices}


def flag_argv(row: Row, command: str, text: str) -> list[str]:
    if row.kind == "bool":
        flag = [row.flag if text == "1" else "--no-" + row.flag[2:]]
    else:
        flag = [row.flag, text]
    if command == TOP:
        return [*flag, "export"]
    return [command, *flag, *POSITIONALS.get(command, [])]


def from_argv(argv: list[str], env: dict[str, str] | None = None) -> Settings:
    return Settings.from_env(env or {}, **flags_given(parser().parse_args(argv)))


@pytest.mark.parametrize("row", SETTINGS, ids=lambda r: r.env)
def test_each_variable_parses_to_its_value(row: Row) -> None:
    text, value = sample(row)
    assert getattr(Settings.from_env({row.env: text}), row.name) == value
    assert getattr(Settings.from_env({row.env: ""}), row.name) == row.default  # empty: unset
    assert getattr(Settings.from_env({}), row.name) == row.default


@pytest.mark.parametrize(
    ("row", "command"),
    [(row, command) for row in SETTINGS for command in row.commands],
    ids=lambda x: x.env if isinstance(x, Row) else x,
)
def test_each_flag_exists_where_the_table_says_and_overrides_the_variable(
    row: Row, command: str
) -> None:
    text, value = sample(row)
    assert getattr(from_argv(flag_argv(row, command, text)), row.name) == value
    env = {row.env: other(row)}
    bare = [command, *POSITIONALS.get(command, [])] if command != TOP else ["export"]
    assert getattr(from_argv(bare, env), row.name) != value
    assert getattr(from_argv(flag_argv(row, command, text), env), row.name) == value


def test_no_command_takes_a_setting_flag_the_table_does_not_give_it() -> None:
    for name, command in commands().items():
        dests = {a.dest for a in command._actions}
        for row in SETTINGS:
            assert (row.name in dests) == (name in row.commands), (row.env, name)


def test_db_is_taken_before_the_command_or_after_it_and_after_wins() -> None:
    assert from_argv(["--db", "a.db", "serve"]).db == "a.db"
    assert from_argv(["serve", "--db", "b.db"]).db == "b.db"
    assert from_argv(["--db", "a.db", "serve", "--db", "b.db"]).db == "b.db"
    assert from_argv(["--db", "a.db", "import", "x.json"]).db == "a.db"
    assert from_argv(["serve"], {"LEGIBLE_DB": "env.db"}).db == "env.db"


def test_a_setting_without_commands_has_no_flag() -> None:
    token = next(row for row in SETTINGS if row.name == "admin_token")
    assert token.commands == () and token.secret
    with pytest.raises(SystemExit):
        parser().parse_args(["serve", "--admin-token", "x"])


def test_the_environment_round_trips_for_the_workers() -> None:
    """`legible serve` hands its settings to its workers as variables."""
    given = Settings.from_env({row.env: sample(row)[0] for row in SETTINGS})
    assert Settings.from_env(given.as_env()) == given
    assert Settings.from_env(Settings().as_env()) == Settings()


@pytest.mark.parametrize(
    ("variable", "raw", "message"),
    [
        ("LEGIBLE_MAX_CONNECTIONS", "0", "out of range: use a whole number of at least 1"),
        ("LEGIBLE_MAX_CONNECTIONS", "1.5", "is not a whole number: use a whole number of at"),
        ("LEGIBLE_MAX_CONNECTIONS", "many", "is not a whole number"),
        ("LEGIBLE_HEADER_TIMEOUT", "0", "out of range: use a number from 0.1 to 3600"),
        ("LEGIBLE_HEADER_TIMEOUT", "-5", "out of range: use a number from 0.1 to 3600"),
        ("LEGIBLE_HEADER_TIMEOUT", "nan", "out of range: use a number from 0.1 to 3600"),
        ("LEGIBLE_HEADER_TIMEOUT", "5s", "is not a number: use a number from 0.1 to 3600"),
        ("LEGIBLE_BACKLOG", "64", "out of range: use a whole number from 128 to 65535"),
        ("LEGIBLE_BACKLOG", "100000", "out of range: use a whole number from 128 to 65535"),
        ("LEGIBLE_PORT", "0", "out of range: use a whole number from 1 to 65535"),
        ("LEGIBLE_WORKERS", "0", "out of range: use a whole number of at least 1"),
        ("LEGIBLE_CACHE_MB", "-1", "out of range: use a number above 0"),
        ("LEGIBLE_CACHE_MB", "inf", "out of range: use a number above 0"),
        ("LEGIBLE_DEMO", "maybe", "is not a yes or no: use 1 or 0"),
    ],
)
def test_a_bad_value_names_the_variable_and_what_to_use(
    variable: str, raw: str, message: str
) -> None:
    with pytest.raises(SettingsInvalid) as failed:
        Settings.from_env({variable: raw})
    assert str(failed.value).startswith(f"{variable}={raw!r} "), str(failed.value)
    assert message in str(failed.value)


def test_a_bad_flag_value_names_the_flag() -> None:
    with pytest.raises(SettingsInvalid, match=r"^--max-connections 0 is out of range"):
        from_argv(["serve", "--max-connections", "0"])
    with pytest.raises(SettingsInvalid, match=r"^--port 70000 is out of range"):
        from_argv(["serve", "--port", "70000"], {"LEGIBLE_PORT": "8080"})
    with pytest.raises(SettingsInvalid, match=r"^--purge-urls: 'ftp://x' is not an http"):
        from_argv(["import", "--purge-urls", "ftp://x", "x.json"])


@pytest.mark.parametrize(
    ("argv", "env", "line"),
    [
        (["serve", "--port", "0"], {}, "--port 0 is out of range: use a whole number from 1"),
        (["serve"], {"LEGIBLE_WORKERS": "two"}, "LEGIBLE_WORKERS='two' is not a whole number"),
        (["export"], {"LEGIBLE_METRICS": "maybe"}, "LEGIBLE_METRICS='maybe' is not a yes or no"),
    ],
)
def test_a_bad_value_stops_the_command_with_one_line_and_exit_2(
    argv: list[str], env: dict[str, str], line: str, tmp_path: Path
) -> None:
    env = server_env({"LEGIBLE_DB": str(tmp_path / "t.db"), **env})
    done = subprocess.run(
        [*PYTHON_CLI, *argv], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"legible: {line}"), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr  # no traceback
    assert not (tmp_path / "t.db").exists()  # stopped before touching the store


def documented_rows() -> dict[str, list[str]]:
    text = DOCS.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(LEGIBLE_[A-Z_]+)` \|(.*)\|$", text, flags=re.M)
    return {var: [c.strip() for c in re.split(r"(?<!\\)\|", cells)] for var, cells in rows}


def test_the_settings_page_is_what_the_table_writes() -> None:
    assert DOCS.read_text(encoding="utf-8") == markdown(), (
        "run: legible settings --markdown > docs/operators/settings.md"
    )


@pytest.mark.parametrize("row", SETTINGS, ids=lambda r: r.env)
def test_each_setting_has_its_docs_row_and_help(row: Row) -> None:
    flag_cell, default, takes, meaning = documented_rows()[row.env]
    assert (f"`{row.flag}`" in flag_cell) == bool(row.commands)
    assert row.default_text() in default
    assert row.what() in takes.replace("`", "")
    assert meaning.startswith(row.help)
    for command in row.commands:
        assert f"`{command}`" in flag_cell
        helped = commands()[command].format_help()
        assert row.flag in helped and row.env in helped
    assert set(documented_rows()) == {r.env for r in SETTINGS}
