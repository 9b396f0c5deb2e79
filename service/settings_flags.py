"""The settings table on the command line: each command's flags (`add_flags`), the
flags given (`flags_given`), and `legible settings`' lines (`effective`)."""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from typing import Any

from .settings import SETTINGS, Settings


def add_flags(parser: argparse.ArgumentParser, command: str) -> None:
    """The flags of the settings `command` takes. A flag not given stays out of the
    namespace (SUPPRESS), so `legible --db A serve` keeps A and `serve --db B` wins."""
    for row in SETTINGS:
        if command not in row.commands:
            continue
        takes = "" if row.kind == "text" else f": {row.what()}"
        where = f"{row.env}{takes}; default {row.default_text()}".replace("`", "")
        text = f"{row.help} ({where})".replace("`", "").replace("%", "%%")
        if row.kind == "bool":
            parser.add_argument(
                row.flag,
                dest=row.name,
                action=argparse.BooleanOptionalAction,
                default=argparse.SUPPRESS,
                help=text,
            )
        else:
            metavar = {"int": "N", "number": "N", "hosts": "HOSTS", "urls": "URLS"}
            metavar |= {"origin": "URL", "names": "TAGS"}
            parser.add_argument(
                row.flag,
                dest=row.name,
                default=argparse.SUPPRESS,
                metavar=metavar.get(row.kind, row.name.split("_")[-1].upper()),
                help=text,
            )


def flags_given(args: argparse.Namespace) -> dict[str, Any]:
    """The setting flags on a parsed command line, by setting name."""
    given = vars(args)
    return {row.name: given[row.name] for row in SETTINGS if row.name in given}


def effective(settings: Settings, env: Mapping[str, str]) -> Iterable[str]:
    """`LEGIBLE_X=value` lines for `legible settings`, secrets hidden, each saying
    whether the environment set it."""
    for row in SETTINGS:
        value = getattr(settings, row.name)
        source = "environment" if env.get(row.env, "").strip() else "default"
        if value is None or value == ():
            unset = "" if row.default_text() == "unset" else f": {row.default_text()}"
            yield f"{row.env} unset{unset}".replace("`", "")
        else:
            yield f"{row.env}={'***' if row.secret else row.text(value)}  ({source})"
