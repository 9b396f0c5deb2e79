"""The README documents every setting, as Datasette's test_docs does: adding a
field to `Settings` without a row in the configuration table fails here."""

from __future__ import annotations

import argparse
import re
from dataclasses import fields
from pathlib import Path

from service.cli import parser
from service.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def config_table() -> dict[str, str]:
    """`LEGIBLE_*` variable -> the row's flag cell, from the README's Configuration table."""
    section = README.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(LEGIBLE_[A-Z_]+)` \|([^|]*)\|", section, flags=re.M)
    return {var: flag.strip() for var, flag in rows}


def cli_flags() -> set[str]:
    top = parser()
    found = {o for a in top._actions for o in a.option_strings}
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= {o for a in sub._actions for o in a.option_strings}
    return found


def test_every_setting_is_in_the_readme_and_nothing_else_is() -> None:
    documented = set(config_table())
    settings = {f"LEGIBLE_{f.name.upper()}" for f in fields(Settings)}
    assert settings - documented == set(), "add these to the README's Configuration table"
    assert documented - settings == set(), "the README documents settings that do not exist"


def test_documented_flags_exist() -> None:
    flags = cli_flags()
    for var, cell in config_table().items():
        for flag in re.findall(r"--[a-z-]+", cell):
            assert flag in flags, f"{var}: the README names {flag}, which `legible` does not take"
